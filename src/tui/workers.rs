//! Background workers: the indexer (the only writer) and the query worker (reads). Each
//! talks to the UI through the one `Msg` channel.

use crate::app::Msg;
use crate::app::transcript::units;
use crate::index::query::{ListQuery, Loaded, Reader};
use crate::index::writer::Writer;
use crate::model::Session;
use crate::search::Matcher;
use crate::search::fts::search_sessions;
use crate::search::list::{Haystacks, ListRequest, Row, build_rows, narrows};
use crate::search::query::Query;
use crate::sources::Registry;
use crate::stats::{Pricer, SessionCost, apply_cost, session_costs};
use chrono::{DateTime, Utc};
use crossbeam_channel::{Receiver, Sender, unbounded};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// A tool output or text longer than this is shown by its head in the browser (the pager,
/// `show` and exports have it whole).
pub const ELIDE_OVER: usize = 64 * 1024;

/// Sessions a full-text query returns to the list.
const FULL_TEXT_SESSIONS: usize = 200;

pub enum QueryReq {
    /// The list: all of it, or `only` these sessions (those a write changed).
    Sessions {
        generation: u64,
        only: Option<Vec<String>>,
    },
    Transcript {
        generation: u64,
        key: String,
    },
    FullText {
        generation: u64,
        query: Query,
        now: DateTime<Utc>,
    },
    /// Statistics for the stats pane.
    Stats {
        generation: u64,
        sessions: Arc<Vec<Session>>,
        chosen: Vec<usize>,
        range: crate::stats::Range,
        by: crate::stats::By,
        tz: chrono::FixedOffset,
    },
    /// Find in a long transcript.
    Find {
        generation: u64,
        messages: Arc<crate::packed::Packed>,
        units: Arc<Vec<units::Unit>>,
        needles: Vec<String>,
    },
    /// Pi: another branch of the session shown.
    Branch {
        generation: u64,
        key: String,
        at: String,
        leaf: Option<String>,
    },
}

pub struct QueryWorker {
    tx: Sender<QueryReq>,
}

impl QueryWorker {
    pub fn spawn(
        index: PathBuf,
        registry: Arc<Registry>,
        pricer: Arc<dyn Pricer + Send + Sync>,
        out: Sender<Msg>,
    ) -> QueryWorker {
        let (tx, rx) = unbounded::<QueryReq>();
        std::thread::Builder::new()
            .name("query".into())
            .spawn(move || query_loop(index, registry, pricer, rx, out))
            .expect("spawn query thread");
        QueryWorker { tx }
    }

    pub fn send(&self, req: QueryReq) {
        let _ = self.tx.send(req);
    }
}

fn query_loop(
    index: PathBuf,
    registry: Arc<Registry>,
    pricer: Arc<dyn Pricer + Send + Sync>,
    rx: Receiver<QueryReq>,
    out: Sender<Msg>,
) {
    let mut reader: Option<Reader> = None;
    let mut costs = CostCache::default();
    // which file the reader has open: a rebuilt index is a new file
    let mut opened: Option<FileId> = None;
    // the transcript read last: read again, only what changed is fetched
    let mut last: Option<Last> = None;
    while let Ok(first) = rx.recv() {
        // keep only the newest request of each kind
        let mut sessions: Option<(u64, Option<Vec<String>>)> = None;
        let mut transcript = None;
        let mut full_text = None;
        let mut branch = None;
        let mut stats = None;
        let mut find = None;
        for req in std::iter::once(first).chain(rx.try_iter()) {
            match req {
                QueryReq::Find {
                    generation,
                    messages,
                    units,
                    needles,
                } => find = Some((generation, messages, units, needles)),
                QueryReq::Sessions { generation, only } => {
                    // the whole list covers any part of it; parts add up
                    sessions = Some(match (sessions, only) {
                        (Some((_, None)), _) | (_, None) => (generation, None),
                        (Some((_, Some(mut keys))), Some(more)) => {
                            keys.extend(more);
                            (generation, Some(keys))
                        }
                        (None, Some(keys)) => (generation, Some(keys)),
                    })
                }
                QueryReq::Transcript { generation, key } => {
                    branch = None;
                    transcript = Some((generation, key))
                }
                QueryReq::Branch {
                    generation,
                    key,
                    at,
                    leaf,
                } => {
                    transcript = None;
                    branch = Some((generation, key, at, leaf))
                }
                QueryReq::Stats {
                    generation,
                    sessions,
                    chosen,
                    range,
                    by,
                    tz,
                } => stats = Some((generation, sessions, chosen, range, by, tz)),
                QueryReq::FullText {
                    generation,
                    query,
                    now,
                } => full_text = Some((generation, query, now)),
            }
        }
        // find needs no index: it searches the transcript the UI holds
        if let Some((generation, messages, units, needles)) = find {
            let hits = crate::app::transcript::find_hits(&units, &messages, &needles);
            let msg = Msg::FindHits {
                generation,
                units,
                needles,
                hits,
            };
            if out.send(msg).is_err() {
                return;
            }
        }
        let now_id = file_id(&index);
        if reader.is_some() && now_id != opened {
            reader = None;
            last = None;
            costs = CostCache::default();
        }
        if reader.is_none() {
            match Reader::open(&index) {
                Ok(mut r) => {
                    r.elide_over(ELIDE_OVER);
                    reader = Some(r);
                    opened = now_id;
                }
                Err(e) => {
                    let _ = out.send(Msg::QueryFailed {
                        generation: 0,
                        error: e.to_string(),
                    });
                    continue;
                }
            }
        }
        let Some(r) = reader.as_ref() else { continue };
        let (some_sessions, all_sessions) = match sessions {
            Some((generation, Some(keys))) => (Some((generation, keys)), None),
            Some((generation, None)) => (None, Some(generation)),
            None => (None, None),
        };
        // costs, resume targets (built when one is needed: see Registry::decorated), names
        // and tags
        let finish = |costs: &mut CostCache, list: Vec<Session>, whole: bool| {
            costs.apply(r, pricer.as_ref(), list, whole).map(|list| {
                let mut list: Vec<_> = list.into_iter().map(|s| registry.decorated(s)).collect();
                crate::keep::annotate(&registry.env, &mut list);
                list
            })
        };
        let failed = |generation, e: crate::index::IndexError| Msg::QueryFailed {
            generation,
            error: e.to_string(),
        };
        if let Some((generation, mut keys)) = some_sessions {
            keys.sort_unstable();
            keys.dedup();
            let msg = match changed_sessions(r, &keys).and_then(|l| finish(&mut costs, l, false)) {
                Ok(changed) => {
                    let gone = keys
                        .into_iter()
                        .filter(|k| !changed.iter().any(|s| &s.key == k))
                        .collect();
                    Msg::SessionsChanged {
                        generation,
                        changed,
                        gone,
                    }
                }
                Err(e) => failed(generation, e),
            };
            if out.send(msg).is_err() {
                return;
            }
        }
        if let Some(generation) = all_sessions {
            let msg = match r
                .list(&ListQuery::default())
                .and_then(|l| finish(&mut costs, l, true))
            {
                Ok(sessions) => Msg::Sessions {
                    generation,
                    sessions,
                },
                Err(e) => failed(generation, e),
            };
            if out.send(msg).is_err() {
                return;
            }
            // reading the list (and every session's usage, for costs) is the largest burst
            // of the start-up
            crate::memory::release_free();
        }
        if let Some((generation, sessions, chosen, range, by, tz)) = stats {
            let by_key: HashMap<&str, &Session> = chosen
                .iter()
                .filter_map(|&i| sessions.get(i))
                .map(|s| (s.key.as_str(), s))
                .collect();
            let msg = match r.usage_rows(&|k| by_key.contains_key(k)) {
                Ok(rows) => {
                    let (st, top) =
                        crate::stats::for_pane(&rows, &by_key, &range, by, tz, pricer.as_ref());
                    Msg::Stats {
                        generation,
                        stats: Arc::new(st),
                        top,
                    }
                }
                Err(e) => Msg::QueryFailed {
                    generation,
                    error: e.to_string(),
                },
            };
            if out.send(msg).is_err() {
                return;
            }
        }
        if let Some((generation, query, now)) = full_text {
            let annotate = crate::keep::annotator(&registry.env);
            let decorate = |s| {
                let mut s = registry.decorated(s);
                annotate(&mut s);
                s
            };
            let msg = match search_sessions(r, &query, now, FULL_TEXT_SESSIONS, &decorate) {
                Ok(hits) => Msg::FullText { generation, hits },
                Err(e) => Msg::QueryFailed {
                    generation,
                    error: e.to_string(),
                },
            };
            if out.send(msg).is_err() {
                return;
            }
        }
        if let Some((generation, key, at, leaf)) = branch {
            let found = r.session(&key).ok().flatten().and_then(|s| {
                registry
                    .source(s.agent)?
                    .switch_branch(&s, &at, leaf.as_deref())
            });
            let msg = match found {
                Some(Ok((messages, leaf))) => {
                    let messages = Arc::new(crate::packed::Packed::from(messages));
                    let units = Arc::new(units::build(&messages));
                    last = None;
                    Msg::Transcript {
                        generation,
                        key,
                        messages,
                        units,
                        branch_leaf: leaf,
                    }
                }
                Some(Err(e)) => Msg::QueryFailed {
                    generation,
                    error: format!("switching branches: {e}"),
                },
                None => Msg::QueryFailed {
                    generation,
                    error: "this session has no branches".into(),
                },
            };
            if out.send(msg).is_err() {
                return;
            }
        }
        if let Some((generation, key)) = transcript {
            let prev = last.take().filter(|l| l.key == key);
            let read = match &prev {
                Some(l) => r.messages_since(&key, &l.messages, &l.loaded),
                None => r.messages_loaded(&key),
            };
            let mut large = false;
            let msg = match read {
                Ok((m, loaded)) => {
                    large = m.len() > 2_000;
                    let messages = Arc::new(m);
                    // an append extends the units; anything else builds them again
                    let units = Arc::new(
                        prev.as_ref()
                            .and_then(|l| units::extend(&l.units, loaded.same, &messages))
                            .unwrap_or_else(|| units::build(&messages)),
                    );
                    last = Some(Last {
                        key: key.clone(),
                        messages: messages.clone(),
                        loaded,
                        units: units.clone(),
                    });
                    Msg::Transcript {
                        generation,
                        key,
                        units,
                        messages,
                        branch_leaf: None,
                    }
                }
                Err(e) => Msg::QueryFailed {
                    generation,
                    error: e.to_string(),
                },
            };
            if out.send(msg).is_err() {
                return;
            }
            if large {
                // the bodies decoded a batch at a time, and the transcript this one replaced
                crate::memory::release_free();
            }
        }
    }
}

/// Sessions' costs, kept while a session does not change (its usage rows are read again only
/// when its messages, tokens or time changed).
///
/// Keyed by a 64-bit hash of the session key, not a copy of it: at 100,000 sessions the
/// copies were 5 MB and made the table's entries half again as large.
#[derive(Default)]
struct CostCache {
    by_key: HashMap<u64, (CostPrint, SessionCost)>,
}

fn key_hash(key: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

/// What a session's cost depends on, as far as the list shows.
type CostPrint = (Option<i64>, u64, u64, Option<u64>);

fn cost_print(s: &Session) -> CostPrint {
    (
        s.updated_at.map(|t| t.timestamp_millis()),
        s.messages,
        s.tokens.total(),
        s.cost_usd.map(f64::to_bits),
    )
}

impl CostCache {
    /// Give every session its cost under the current prices and cost mode. `whole`: the list
    /// is every session there is (the costs of others are forgotten); else some of them.
    fn apply(
        &mut self,
        r: &Reader,
        pricer: &dyn Pricer,
        mut list: Vec<Session>,
        whole: bool,
    ) -> Result<Vec<Session>, crate::index::IndexError> {
        let stale: Vec<usize> = list
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                self.by_key
                    .get(&key_hash(&s.key))
                    .is_none_or(|(p, _)| *p != cost_print(s))
            })
            .map(|(i, _)| i)
            .collect();
        // many changed (the first list): one pass over every row; else row by row
        let fresh: HashMap<String, SessionCost> = if whole && stale.len() > 64 {
            session_costs(&r.usage_rows(&|_| true)?, pricer)
        } else {
            let mut m = HashMap::new();
            for &i in &stale {
                let rows = r.usage_rows_of(&list[i].key)?;
                m.extend(session_costs(&rows, pricer));
            }
            m
        };
        if whole {
            let keys: std::collections::HashSet<u64> =
                list.iter().map(|s| key_hash(&s.key)).collect();
            self.by_key.retain(|k, _| keys.contains(k));
        }
        for &i in &stale {
            let print = cost_print(&list[i]);
            let c = fresh.get(&list[i].key).copied().unwrap_or_default();
            self.by_key.insert(key_hash(&list[i].key), (print, c));
        }
        for s in list.iter_mut() {
            let c = self.by_key.get(&key_hash(&s.key)).map(|(_, c)| *c);
            apply_cost(s, c.as_ref());
        }
        Ok(list)
    }
}

/// The sessions of these keys that are in the index (a key not found is a session gone).
fn changed_sessions(r: &Reader, keys: &[String]) -> Result<Vec<Session>, crate::index::IndexError> {
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        out.extend(r.session(k)?);
    }
    Ok(out)
}

/// The transcript the query worker read last.
struct Last {
    key: String,
    messages: Arc<crate::packed::Packed>,
    loaded: Loaded,
    units: Arc<Vec<units::Unit>>,
}

/// Identity of a file (device and inode where there are such things).
type FileId = (u64, u64);

fn file_id(p: &std::path::Path) -> Option<FileId> {
    let md = std::fs::metadata(p).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((md.dev(), md.ino()))
    }
    #[cfg(not(unix))]
    {
        md.created()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| (d.as_secs(), d.subsec_nanos() as u64))
    }
}

pub enum IndexReq {
    /// Scan every root.
    Refresh,
    /// Scan every root without announcing it (after an agent ran: its own message stays).
    CatchUp,
    /// The watcher saw these paths change.
    Changed(Vec<PathBuf>),
}

pub struct Indexer {
    tx: Sender<IndexReq>,
}

/// The roots to watch, for the registry and what the index knows.
fn watch_roots(writer: &Writer, registry: &Registry) -> Vec<crate::watch::WatchRoot> {
    let known = writer.known_dirs().unwrap_or_default();
    registry
        .roots_with(&known)
        .into_iter()
        .map(|r| crate::watch::WatchRoot {
            remote: registry.source(r.agent).is_some_and(|s| s.is_remote(&r)),
            path: r.path,
        })
        .collect()
}

impl Indexer {
    /// Start the indexer: it refreshes once right away, then follows what the file watcher
    /// reports (when `watch` is on).
    pub fn spawn(
        writer: Writer,
        registry: Arc<Registry>,
        out: Sender<Msg>,
        watch: bool,
    ) -> Indexer {
        let (tx, rx) = unbounded::<IndexReq>();
        let _ = tx.send(IndexReq::Refresh);
        let watch_tx = tx.clone();
        std::thread::Builder::new()
            .name("indexer".into())
            .spawn(move || index_loop(writer, &registry, &rx, watch_tx, &out, watch))
            .expect("spawn indexer thread");
        Indexer { tx }
    }

    /// Another revisit writes the index: show what it writes (the list and the transcript
    /// reload when the index changes), and take over as the writer once it is gone.
    pub fn follow(
        index: PathBuf,
        registry: Arc<Registry>,
        out: Sender<Msg>,
        watch: bool,
    ) -> Indexer {
        let (tx, rx) = unbounded::<IndexReq>();
        let _ = tx.send(IndexReq::CatchUp);
        let watch_tx = tx.clone();
        std::thread::Builder::new()
            .name("indexer".into())
            .spawn(move || {
                let mut seen = index_stamp(&index);
                // the index file and the last write this revisit has shown
                let mut shown = (
                    file_id(&index),
                    Reader::open(&index).and_then(|r| r.last_write()).ok(),
                );
                // the index's folder watched, so a write shows without waiting for the next
                // look (which stays, to notice that the writer quit)
                let (woke_tx, woke) = crossbeam_channel::bounded::<()>(1);
                let name = index.file_name().map(|n| n.to_os_string());
                let _watcher = index.parent().map(|dir| {
                    crate::watch::Watcher::spawn(
                        vec![crate::watch::WatchRoot {
                            path: dir.to_path_buf(),
                            remote: false,
                        }],
                        move |paths| {
                            let ours = paths.iter().any(|p| {
                                p.file_name().zip(name.as_deref()).is_some_and(|(f, n)| {
                                    f.as_encoded_bytes().starts_with(n.as_encoded_bytes())
                                })
                            });
                            if ours {
                                let _ = woke_tx.try_send(());
                            }
                        },
                    )
                });
                loop {
                    let _ = woke.recv_timeout(FOLLOW_POLL);
                    match Writer::open_waiting(&index, std::time::Duration::ZERO) {
                        Ok(writer) => {
                            let _ = out.send(Msg::Info(
                                "the other revisit quit: this one keeps the index".into(),
                            ));
                            return index_loop(writer, &registry, &rx, watch_tx, &out, watch);
                        }
                        Err(crate::index::IndexError::Busy { .. }) => {}
                        Err(e) => {
                            let _ = out.send(Msg::IndexFailed(e.to_string()));
                            return;
                        }
                    }
                    let now = index_stamp(&index);
                    if now != seen {
                        seen = now;
                        let changed = written_elsewhere(&index, &mut shown);
                        if out.send(Msg::IndexChangedElsewhere { changed }).is_err() {
                            return;
                        }
                    }
                }
            })
            .expect("spawn indexer thread");
        Indexer { tx }
    }

    /// A full scan whose end is not announced in the status line.
    pub fn catch_up(&self) {
        let _ = self.tx.send(IndexReq::CatchUp);
    }
}

/// The sessions another revisit wrote since this one last looked (`shown`: the index file and
/// the last write seen, brought up to date): `None` when that cannot be told (a new index
/// file, a session removed, too many written), and the list is read whole.
fn written_elsewhere(
    index: &std::path::Path,
    shown: &mut (Option<FileId>, Option<i64>),
) -> Option<Vec<String>> {
    let file = file_id(index);
    let reader = Reader::open(index).ok()?;
    let last = shown.1.filter(|_| file == shown.0 && file.is_some());
    let (now, keys) = match last {
        Some(rev) => reader
            .written_since(rev, crate::app::update::RELOAD_WHOLE_OVER)
            .ok()?,
        None => (reader.last_write().ok()?, None),
    };
    // an index that went back (rebuilt in place) says nothing of what the list holds
    let keys = keys.filter(|_| last.is_some_and(|rev| now >= rev));
    *shown = (file, Some(now));
    keys
}

/// How often a follower looks at the index another revisit writes.
const FOLLOW_POLL: std::time::Duration = std::time::Duration::from_millis(500);

/// The index file and its WAL: size and modification time (they change with every commit).
fn index_stamp(index: &std::path::Path) -> Vec<Option<(u64, std::time::SystemTime)>> {
    ["", "-wal"]
        .iter()
        .map(|s| {
            let md = std::fs::metadata(format!("{}{s}", index.display())).ok()?;
            Some((md.len(), md.modified().ok()?))
        })
        .collect()
}

/// The writer's loop: refresh, then follow what the watcher reports and what is asked.
fn index_loop(
    mut writer: Writer,
    registry: &Registry,
    rx: &Receiver<IndexReq>,
    watch_tx: Sender<IndexReq>,
    out: &Sender<Msg>,
    watch: bool,
) {
    // watching starts before the first refresh: what changes while it runs is queued and
    // read right after it
    let mut watched = if watch {
        watch_roots(&writer, registry)
    } else {
        Vec::new()
    };
    let watcher = watch.then(|| {
        let tx = watch_tx.clone();
        crate::watch::Watcher::spawn(watched.clone(), move |b| {
            let _ = tx.send(IndexReq::Changed(b));
        })
    });
    if let Some(w) = &watcher {
        let _ = out.send(Msg::Watching(w.status()));
    }
    while let Ok(first) = rx.recv() {
        // coalesce what is queued: one full refresh covers every change
        let mut full = false;
        let mut announce = false;
        let mut paths: Vec<PathBuf> = Vec::new();
        for req in std::iter::once(first).chain(rx.try_iter()) {
            match req {
                IndexReq::Refresh => {
                    full = true;
                    announce = true;
                }
                IndexReq::CatchUp => full = true,
                IndexReq::Changed(p) => paths.extend(p),
            }
        }
        let progress_out = out.clone();
        let mut progress = |p: &crate::index::writer::Progress| {
            let _ = progress_out.send(Msg::IndexProgress(*p));
        };
        let result = if full {
            writer.refresh(registry, &mut progress)
        } else {
            paths.sort();
            paths.dedup();
            writer.refresh_changed(registry, &paths, &mut |_| {})
        };
        // a refresh that read many stores leaves its scratch memory (every store's row and
        // path) free in the heap: give it back
        let release = full || result.as_ref().is_ok_and(|r| r.changed.len() > 64);
        let msg = match result {
            Ok(r) => Msg::IndexDone {
                sessions: r.sessions,
                errors: r.errors,
                elapsed_ms: r.elapsed_ms,
                changed: r.changed,
                live: !announce,
            },
            Err(e) => Msg::IndexFailed(e.to_string()),
        };
        if out.send(msg).is_err() {
            return;
        }
        if release {
            crate::memory::release_free();
        }
        // watch what there is to watch (new working directories add roots)
        if let Some(w) = &watcher {
            let roots = watch_roots(&writer, registry);
            if roots != watched {
                w.set_roots(roots.clone());
                let _ = out.send(Msg::Watching(w.status()));
                watched = roots;
            }
        }
    }
}

pub use crate::app::action::FilterReq;

/// Scores and sorts the list off the UI thread. Only the newest request is answered; when a
/// query only grew, the previous result is narrowed instead of scanning every session.
pub struct FilterWorker {
    tx: Sender<FilterReq>,
}

impl FilterWorker {
    pub fn spawn(out: Sender<Msg>) -> FilterWorker {
        let (tx, rx) = unbounded::<FilterReq>();
        std::thread::Builder::new()
            .name("filter".into())
            .spawn(move || filter_loop(rx, out))
            .expect("spawn filter thread");
        FilterWorker { tx }
    }

    pub fn send(&self, req: FilterReq) {
        let _ = self.tx.send(req);
    }
}

fn filter_loop(rx: Receiver<FilterReq>, out: Sender<Msg>) {
    let matcher = Matcher::default();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(4);
    // haystacks of the current list (by the list's version), and the last answer (for
    // narrowing). The list is not held: the UI changes it in place when a write changed some
    // of its sessions.
    let mut hay: Option<(u64, Haystacks)> = None;
    let mut last: Option<(Query, Vec<usize>)> = None;
    while let Ok(first) = rx.recv() {
        let reqs: Vec<FilterReq> = std::iter::once(first).chain(rx.try_iter()).collect();
        // bring the haystacks to the newest list through the versions between, building only
        // the sessions that changed when each version patched the one before
        let mut changed: Option<Vec<usize>> = hay.as_ref().map(|_| Vec::new());
        let mut version = hay.as_ref().map(|(v, _)| *v);
        for r in &reqs {
            if Some(r.stamp.version) == version {
                continue;
            }
            match (&r.stamp.patched, changed.as_mut()) {
                (Some((from, at)), Some(c)) if Some(*from) == version => c.extend(at.iter()),
                _ => changed = None,
            }
            version = Some(r.stamp.version);
        }
        let Some(req) = reqs.into_iter().last() else {
            continue;
        };
        let patched = match (hay.as_mut(), &changed) {
            (Some((v, h)), Some(at)) => {
                *v = req.stamp.version;
                at.is_empty() || h.patch(&req.sessions, at)
            }
            _ => false,
        };
        if !patched {
            hay = Some((req.stamp.version, Haystacks::build(&req.sessions)));
            last = None;
        } else if let (Some((_, matched)), Some(at)) = (last.as_mut(), &changed) {
            // a session changed may match a narrower query now: it is a candidate again
            matched.extend(at.iter().copied());
            matched.sort_unstable();
            matched.dedup();
        }
        let Some((_, h)) = hay.as_ref() else { continue };
        let candidates = last
            .as_ref()
            .filter(|(q, _)| narrows(q, &req.query))
            .map(|(_, c)| c.clone());
        let rows: Vec<Row> = build_rows(
            &ListRequest {
                sessions: &req.sessions,
                hay: h,
                query: &req.query,
                sort: req.sort,
                group: req.group,
                now: req.now,
                candidates: candidates.as_deref(),
            },
            &matcher,
            threads,
        );
        let mut matched: Vec<usize> = rows.iter().filter_map(Row::session).collect();
        matched.sort_unstable();
        last = Some((req.query.clone(), matched));
        if out
            .send(Msg::Filtered {
                generation: req.generation,
                rows,
            })
            .is_err()
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::list::SortKey;

    fn req(generation: u64, sessions: Arc<Vec<Session>>) -> FilterReq {
        FilterReq {
            generation,
            sessions,
            // every list a new one
            stamp: crate::app::state::ListStamp {
                version: generation,
                patched: None,
            },
            query: Query::default(),
            sort: SortKey::default(),
            group: false,
            now: chrono::Utc::now(),
        }
    }

    /// Find in a long transcript: the query worker answers with the hits for the units and
    /// words it was given, even with no index to read (find needs none).
    #[test]
    fn the_query_worker_finds_in_a_transcript() {
        use crate::model::{Block, Message, Role};
        let dir = tempfile::tempdir().unwrap();
        let registry = Arc::new(Registry::new(
            crate::config::Env::with_home(dir.path(), &[]),
            crate::config::Config::default(),
        ));
        let pricer = crate::cost::pricer(&crate::config::Config::default(), None).0;
        let (tx, rx) = crossbeam_channel::unbounded();
        let w = QueryWorker::spawn(dir.path().join("none.sqlite"), registry, pricer, tx);
        let msgs: Vec<Message> = (0..300)
            .map(|i| {
                let mut m = Message::new(Role::User);
                let mark = if i % 100 == 7 { " Needle" } else { "" };
                m.blocks.push(Block::text(format!("message {i}{mark}")));
                m
            })
            .collect();
        let (messages, units) = crate::app::transcript::content(msgs);
        w.send(QueryReq::Find {
            generation: 4,
            messages,
            units: units.clone(),
            needles: vec!["needle".into()],
        });
        loop {
            match rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap() {
                Msg::FindHits {
                    generation,
                    units: u,
                    needles,
                    hits,
                } => {
                    assert_eq!(generation, 4);
                    assert!(Arc::ptr_eq(&u, &units));
                    assert_eq!(needles, vec!["needle".to_string()]);
                    let msgs: Vec<usize> = hits.iter().map(|&h| units[h].msg).collect();
                    assert_eq!(msgs, vec![7, 107, 207]);
                    break;
                }
                _ => continue,
            }
        }
    }

    /// A list freed and a new one at the same address: the new list's rows are its own (the
    /// worker once took a new list for the freed one by its address, and answered with none).
    #[test]
    fn every_new_list_is_filtered_as_itself() {
        let (tx, rx) = crossbeam_channel::unbounded();
        let w = FilterWorker::spawn(tx);
        let mut generation = 0;
        for round in 0..200 {
            let n = round % 4;
            let list = Arc::new((0..n).map(crate::model::test_session).collect::<Vec<_>>());
            generation += 1;
            w.send(req(generation, list));
            // an empty list sent and dropped at once, like a list replaced while its request
            // waits
            generation += 1;
            w.send(req(generation, Arc::new(Vec::new())));
            let list = Arc::new((0..n).map(crate::model::test_session).collect::<Vec<_>>());
            generation += 1;
            w.send(req(generation, list));
            let want = generation;
            loop {
                match rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap() {
                    Msg::Filtered { generation, rows } if generation == want => {
                        assert_eq!(rows.len(), n, "round {round}");
                        break;
                    }
                    _ => {}
                }
            }
        }
    }

    /// A follower tells which sessions the other revisit wrote since it last looked, and
    /// says it cannot when the index is another file now.
    #[test]
    fn a_follower_sees_which_sessions_were_written_elsewhere() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let project = home.join(".claude/projects/-w");
        std::fs::create_dir_all(&project).unwrap();
        let sid = "11111111-1111-4111-8111-111111111111";
        let line = |uuid: &str| {
            format!(
                r#"{{"parentUuid":null,"isSidechain":false,"cwd":"/w","sessionId":"{sid}","type":"user","uuid":"{uuid}","timestamp":"2026-11-20T11:00:00.000Z","message":{{"role":"user","content":"hello {uuid}"}}}}"#
            ) + "\n"
        };
        let file = project.join(format!("{sid}.jsonl"));
        std::fs::write(&file, line("a")).unwrap();
        let registry = Registry::new(
            crate::config::Env::with_home(&home, &[]),
            crate::config::Config::default(),
        );
        let index = dir.path().join("index.sqlite");
        let refresh = || {
            Writer::open(&index)
                .unwrap()
                .refresh(&registry, &mut |_| {})
                .unwrap()
        };
        refresh();
        let mut shown = (
            file_id(&index),
            Some(Reader::open(&index).unwrap().last_write().unwrap()),
        );
        use std::io::Write as _;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .unwrap();
        f.write_all(line("b").as_bytes()).unwrap();
        refresh();
        assert_eq!(
            written_elsewhere(&index, &mut shown),
            Some(vec![format!("claude:{sid}")])
        );
        assert_eq!(written_elsewhere(&index, &mut shown), Some(vec![]));
        // the index made again: another file
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", index.display()));
        }
        refresh();
        assert_eq!(written_elsewhere(&index, &mut shown), None);
        assert_eq!(written_elsewhere(&index, &mut shown), Some(vec![]));
    }

    /// A list changed in place by a write (some sessions replaced, some added) is filtered
    /// with haystacks brought up to date for those sessions only: every answer equals the
    /// rows of the same list filtered from scratch, also when the query narrowed the last
    /// one (a session changed may match now), when the worker skips versions, and when a
    /// version it never saw breaks the chain.
    #[test]
    fn a_list_patched_in_place_is_filtered_as_a_fresh_one() {
        use crate::app::state::ListStamp;
        use crate::search::list::{ListRequest, build_rows};
        let (tx, rx) = crossbeam_channel::unbounded();
        let w = FilterWorker::spawn(tx);
        let titled = |i: usize, title: &str| {
            let mut s = crate::model::test_session(i);
            s.title = title.into();
            s.updated_at = chrono::DateTime::from_timestamp(1_000_000 + i as i64, 0);
            s
        };
        let mut list = vec![titled(0, "one"), titled(1, "two"), titled(2, "three")];
        let mut generation = 0;
        let mut ask = |list: &[Session], stamp: ListStamp, query: &str, wait: bool| {
            generation += 1;
            let query = crate::search::query::parse(
                query,
                chrono::Utc::now(),
                chrono::FixedOffset::east_opt(0).unwrap(),
            );
            w.send(FilterReq {
                generation,
                sessions: Arc::new(list.to_vec()),
                stamp,
                query: query.clone(),
                sort: SortKey::default(),
                group: false,
                now: chrono::Utc::now(),
            });
            if !wait {
                return 0;
            }
            let want = build_rows(
                &ListRequest {
                    sessions: list,
                    hay: &Haystacks::build(list),
                    query: &query,
                    sort: SortKey::default(),
                    group: false,
                    now: chrono::Utc::now(),
                    candidates: None,
                },
                &Matcher::default(),
                1,
            );
            let want: Vec<_> = want.iter().filter_map(Row::session).collect();
            loop {
                match rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap() {
                    Msg::Filtered {
                        generation: g,
                        rows,
                    } if g == generation => {
                        let got: Vec<_> = rows.iter().filter_map(Row::session).collect();
                        assert_eq!(got, want, "generation {generation}");
                        return got.len();
                    }
                    _ => {}
                }
            }
        };
        let whole = |version| ListStamp {
            version,
            patched: None,
        };
        let patch = |version, from, at: &[usize]| ListStamp {
            version,
            patched: Some((from, at.into())),
        };
        assert_eq!(ask(&list, whole(1), "tw", true), 1);
        // "one" renamed: it matches the narrower query, which the last answer did not hold
        list[0] = titled(0, "twelve");
        assert_eq!(ask(&list, patch(2, 1, &[0]), "twe", true), 1);
        // a session added, the same query
        list.push(titled(3, "twenty"));
        assert_eq!(ask(&list, patch(3, 2, &[3]), "twe", true), 2);
        // two writes before the worker looks: both patches are taken
        list[1] = titled(1, "tweak");
        ask(&list, patch(4, 3, &[1]), "twe", false);
        list.push(titled(4, "between"));
        assert_eq!(ask(&list, patch(5, 4, &[4]), "twe", true), 4);
        // version 6 never reached the worker (a full-text query was shown meanwhile)
        list[2] = titled(2, "tweed");
        list[3] = titled(3, "none");
        assert_eq!(ask(&list, patch(7, 6, &[3]), "twe", true), 4);
        // positions that do not fit the list: built whole
        assert_eq!(ask(&list, patch(8, 7, &[9]), "t", true), 4);
    }
}
