//! The only writer of the index. A refresh scans every root, parses what changed (line stores
//! from where they were left), applies the results and rebuilds the rows of the sessions that
//! were touched.
//!
//! Parsing runs on worker threads (one per core); applying runs on the calling thread, in
//! transactions committed every few hundred milliseconds so readers see the list fill in.

use super::feed::{self, Position};
use super::{IndexError, Rebuilt};
use crate::model::{Agent, Message, TokenUsage};
use crate::sources::{
    HintTarget, MsgOp, Parser, Registry, ScanOut, ScanProblem, SessionMeta, Sink, StoreRef,
};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Examples of skipped records kept per store (the count is kept in full).
const ISSUE_EXAMPLES: i64 = 20;
const COMMIT_EVERY: Duration = Duration::from_millis(700);

/// What `revisit index` reports.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RefreshReport {
    pub files_seen: u64,
    pub files_parsed: u64,
    pub bytes_parsed: u64,
    pub sessions: u64,
    pub errors: u64,
    pub elapsed_ms: u64,
    /// Session keys whose rows changed.
    #[serde(skip)]
    pub changed: Vec<String>,
    /// Folders or files the scan could not read.
    #[serde(skip)]
    pub problems: Vec<ScanProblem>,
    /// Sessions whose usage by quarter hour was computed again only for the quarter hours
    /// this refresh changed, and sessions whose usage was computed again whole.
    #[serde(skip)]
    pub usage_updated: u64,
    #[serde(skip)]
    pub usage_rebuilt: u64,
}

/// Progress of a refresh, for the status line and `index`'s progress bar.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    pub stores_total: u64,
    pub stores_done: u64,
    pub bytes_total: u64,
    pub bytes_done: u64,
    pub elapsed: Duration,
}

pub struct Writer {
    conn: Connection,
    path: PathBuf,
    pub rebuilt: Option<Rebuilt>,
    /// Only this process writes the index while the writer lives.
    _lock: std::sync::Arc<super::WriteLock>,
}

/// What the index knows of a store.
#[derive(Debug, Clone)]
struct StoreRow {
    id: i64,
    agent: String,
    kind: String,
    root: PathBuf,
    priority: i32,
    size: i64,
    mtime_ns: i64,
    pos: Position,
    head: (u64, u64),
    tail_hash: u64,
    state: Option<Vec<u8>>,
    failure: Option<String>,
}

struct Job {
    idx: usize,
    store: StoreRef,
    prev: Option<StoreRow>,
    stat: (i64, i64),
}

enum Out {
    /// Parsing starts: `reset` drops what the store contributed before; otherwise parts are
    /// cut back to what the last complete line left.
    Begin {
        idx: usize,
        reset: bool,
    },
    Chunk {
        idx: usize,
        sink: Encoded,
        bytes: u64,
        tentative: bool,
    },
    Done {
        idx: usize,
        done: StoreDone,
    },
    Failed {
        idx: usize,
        error: String,
    },
}

#[derive(Debug, Default)]
struct StoreDone {
    stat: (i64, i64),
    pos: Position,
    head: (u64, u64),
    tail_hash: u64,
    pending: u64,
    state: Vec<u8>,
}

/// A message ready for the index (columns, stored body, FTS text), prepared on a worker
/// thread so the single writer only runs SQL.
struct EncodedMsg {
    role: &'static str,
    time: Option<i64>,
    model: Option<String>,
    prompt: bool,
    tool_calls: i64,
    sidechain: bool,
    agent_id: Option<String>,
    leaf: Option<i64>,
    usage: Option<TokenUsage>,
    cost: Option<f64>,
    body: Vec<u8>,
    fts: String,
}

impl EncodedMsg {
    fn of(m: &Message) -> EncodedMsg {
        EncodedMsg {
            role: m.role.as_str(),
            time: ms(m.time),
            model: m.model.clone(),
            prompt: m.is_prompt(),
            tool_calls: m.tool_calls() as i64,
            sidechain: m.sidechain,
            agent_id: m.agent_id.clone(),
            leaf: m.native_id.as_deref().map(leaf_hash),
            usage: m.usage,
            cost: m.cost_usd,
            body: super::body::encode(m),
            fts: crate::search::fts::message_text(m),
        }
    }
}

enum EncodedOp {
    Put(u32, Box<EncodedMsg>),
    Truncate(u32),
}

struct EncodedDelta {
    uid: String,
    primary: bool,
    meta: Option<SessionMeta>,
    ops: Vec<EncodedOp>,
}

/// A parser's output with its messages encoded.
struct Encoded {
    sessions: Vec<EncodedDelta>,
    hints: Vec<crate::sources::TitleHint>,
    issues: Vec<crate::sources::ParseIssue>,
    complete: bool,
    removed: Vec<String>,
}

fn encode(sink: Sink) -> Encoded {
    Encoded {
        sessions: sink
            .sessions
            .into_iter()
            .map(|d| EncodedDelta {
                uid: d.uid,
                primary: d.primary,
                meta: d.meta,
                ops: d
                    .ops
                    .into_iter()
                    .map(|op| match op {
                        MsgOp::Put(seq, mut m) => {
                            // absurd counts (beyond u64, by hand or by a bug) are capped so that
                            // no sum over them overflows
                            m.usage = m.usage.map(TokenUsage::clamped);
                            EncodedOp::Put(seq, Box::new(EncodedMsg::of(&m)))
                        }
                        MsgOp::Truncate(n) => EncodedOp::Truncate(n),
                    })
                    .collect(),
            })
            .collect(),
        hints: sink.hints,
        issues: sink.issues,
        complete: sink.complete,
        removed: sink.removed,
    }
}

fn run_job(job: &Job, reg: &Registry, tx: &crossbeam_channel::Sender<Out>) {
    let idx = job.idx;
    let Some(source) = reg.source(job.store.agent) else {
        let _ = tx.send(Out::Failed {
            idx,
            error: "no source".into(),
        });
        return;
    };
    let path = &job.store.path;
    match reg.parser(source, &job.store) {
        Parser::Lines(mut p) => {
            // One open file for the whole job (see feed::can_append). A file that cannot be
            // opened fails before anything is dropped: what was indexed from it is kept.
            let mut file = match std::fs::File::open(path) {
                Ok(f) => f,
                Err(e) => {
                    let _ = tx.send(Out::Failed {
                        idx,
                        error: e.to_string(),
                    });
                    return;
                }
            };
            let size = file
                .metadata()
                .map(|m| m.len())
                .unwrap_or(job.stat.0.max(0) as u64);
            let mut from = Position::default();
            let mut reset = true;
            if let Some(prev) = &job.prev
                && prev.failure.is_none()
                && let Some(state) = &prev.state
                && feed::can_append(&mut file, size, prev.pos, prev.head, prev.tail_hash)
                && p.load_state(state)
            {
                from = prev.pos;
                reset = false;
            }
            // what the store gave before is dropped (or cut back) only once reading works: a
            // file that opens but cannot be read (EIO, EISDIR) keeps it too
            let mut begun = false;
            let begin = |begun: &mut bool| {
                if !std::mem::replace(begun, true) {
                    let _ = tx.send(Out::Begin { idx, reset });
                }
            };
            let result = feed::feed(&mut file, p.as_mut(), from, &mut |sink, bytes| {
                begin(&mut begun);
                let _ = tx.send(Out::Chunk {
                    idx,
                    sink: encode(sink),
                    bytes,
                    tentative: false,
                });
            });
            match result {
                Ok(r) => {
                    begin(&mut begun);
                    if let Some(t) = r.tentative {
                        let _ = tx.send(Out::Chunk {
                            idx,
                            sink: encode(t),
                            bytes: 0,
                            tentative: true,
                        });
                    }
                    match feed::prints(&mut file, size, r.pos.offset) {
                        Ok((head, tail_hash)) => {
                            let _ = tx.send(Out::Done {
                                idx,
                                done: StoreDone {
                                    stat: job.stat,
                                    pos: r.pos,
                                    head,
                                    tail_hash,
                                    pending: r.pending,
                                    state: r.state,
                                },
                            });
                        }
                        Err(e) => {
                            // cut shorter than what was just read
                            let _ = tx.send(Out::Failed {
                                idx,
                                error: format!("changed while it was read: {e}"),
                            });
                        }
                    }
                }
                Err(e) => {
                    let _ = tx.send(Out::Failed {
                        idx,
                        error: e.to_string(),
                    });
                }
            }
        }
        Parser::Whole(mut p) => {
            let prev_state = job
                .prev
                .as_ref()
                .filter(|p| p.failure.is_none())
                .and_then(|p| p.state.clone());
            let mut sink = Sink::default();
            match p.parse(&job.store, prev_state.as_deref(), &mut sink) {
                Ok(state) => {
                    let _ = tx.send(Out::Begin {
                        idx,
                        reset: sink.complete,
                    });
                    let pending = sink.pending;
                    let _ = tx.send(Out::Chunk {
                        idx,
                        sink: encode(sink),
                        bytes: job.stat.0.max(0) as u64,
                        tentative: false,
                    });
                    let _ = tx.send(Out::Done {
                        idx,
                        done: StoreDone {
                            stat: job.stat,
                            state,
                            pending,
                            ..Default::default()
                        },
                    });
                }
                Err(e) => {
                    let _ = tx.send(Out::Failed {
                        idx,
                        error: e.to_string(),
                    });
                }
            }
        }
    }
}

/// What a refresh pass looked at: stores outside it are neither kept nor deleted by it.
enum Scope {
    /// Every root was scanned.
    All,
    /// These roots were scanned, and these stores checked by themselves.
    Some {
        roots: HashSet<PathBuf>,
        direct: HashSet<PathBuf>,
    },
}

impl Scope {
    /// Would this pass have seen the store if it still existed?
    fn covers(&self, path: &Path, row: &StoreRow) -> bool {
        match self {
            Scope::All => true,
            Scope::Some { roots, direct } => direct.contains(path) || roots.contains(&row.root),
        }
    }
}

impl StoreRow {
    fn store_ref(&self, path: &Path) -> Option<StoreRef> {
        Some(StoreRef {
            agent: self.agent.parse().ok()?,
            path: path.to_path_buf(),
            kind: crate::sources::StoreKind::parse(&self.kind)?,
            root: self.root.clone(),
            priority: self.priority,
        })
    }
}

/// The store a changed path belongs to: a SQLite database for its `-wal`, `-shm` and
/// `-journal` files, else the path itself.
pub fn store_path_of(p: &Path) -> PathBuf {
    let s = p.to_string_lossy();
    for suffix in ["-wal", "-shm", "-journal"] {
        if let Some(base) = s.strip_suffix(suffix) {
            return PathBuf::from(base);
        }
    }
    p.to_path_buf()
}

/// Could a changed path the index does not know be (or hold) a store? A folder can; a file
/// only with an extension stores have; something gone cannot (a removed folder's stores are
/// reported one by one).
fn may_be_store(p: &Path) -> bool {
    match std::fs::symlink_metadata(p) {
        Ok(md) if md.is_dir() => true,
        Ok(_) => matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("jsonl" | "json" | "db" | "sqlite" | "sqlite3")
        ),
        Err(_) => false,
    }
}

/// List the stores under some roots (those that exist, or are a server).
fn scan_roots(reg: &Registry, roots: &[crate::sources::Root]) -> ScanOut {
    let mut scan = ScanOut::default();
    for root in roots {
        if let Some(src) = reg.source(root.agent)
            && (root.path.exists() || src.is_remote(root))
        {
            reg.scan(root, &mut scan);
        }
    }
    scan
}

/// The index names stores by their path as text. A path that is not valid UTF-8 has no such
/// name (two of them could read the same, and the index would refuse the second): it is
/// reported instead of read, and every problem's path is made text (for `doctor --json`).
fn name_paths_in_text(scan: &mut ScanOut) {
    let ScanOut {
        stores, problems, ..
    } = scan;
    stores.retain(|s| {
        if s.path.to_str().is_some() {
            return true;
        }
        problems.push(ScanProblem {
            path: s.path.clone(),
            reason: "the file name is not valid UTF-8: not read (renamed, it would be)".into(),
        });
        false
    });
    for p in problems.iter_mut() {
        if p.path.to_str().is_none() {
            p.path = PathBuf::from(p.path.to_string_lossy().into_owned());
        }
    }
}

/// Start a write transaction: its number (`meta.rev`) marks every message row it stores.
fn begin(conn: &mut Connection) -> rusqlite::Result<Transaction<'_>> {
    let tx = conn.transaction()?;
    tx.prepare_cached("UPDATE meta SET value = value + 1 WHERE key = 'rev'")?
        .execute([])?;
    Ok(tx)
}

fn session_key(agent: Agent, uid: &str) -> String {
    format!("{}:{uid}", agent.as_str())
}

fn leaf_hash(native_id: &str) -> i64 {
    crate::sources::util::fnv1a(native_id.as_bytes()) as i64
}

fn ms(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp_millis())
}

impl Writer {
    /// Open (or create, or rebuild) the index for writing. `IndexError::Busy` when another
    /// revisit process is writing it. It waits a moment first: a child process another
    /// thread is starting holds a copy of the lock between `fork` and `exec`.
    pub fn open(path: &Path) -> Result<Writer, IndexError> {
        Writer::open_waiting(path, std::time::Duration::from_millis(500))
    }

    /// As [`Writer::open`], waiting up to `wait` for another process to finish writing.
    pub fn open_waiting(path: &Path, wait: std::time::Duration) -> Result<Writer, IndexError> {
        let lock = std::sync::Arc::new(super::WriteLock::acquire(path, wait)?);
        let (conn, rebuilt) = super::open_writable(path)?;
        Writer::with_conn(conn, path, rebuilt, lock)
    }

    fn with_conn(
        conn: Connection,
        path: &Path,
        rebuilt: Option<Rebuilt>,
        lock: std::sync::Arc<super::WriteLock>,
    ) -> Result<Writer, IndexError> {
        // FTS changes are staged here and applied together before each commit: FTS5 flushes
        // its pending terms at every statement savepoint, so interleaving its inserts with
        // other writes would flush (and merge segments) once per statement.
        conn.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS fts_pending(rowid INTEGER PRIMARY KEY, text TEXT NOT NULL, meta TEXT NOT NULL);
             CREATE TEMP TABLE IF NOT EXISTS fts_deletes(rowid INTEGER PRIMARY KEY);
             CREATE TEMP TABLE IF NOT EXISTS usage_touched(part_id INTEGER NOT NULL, bucket INTEGER,
                                                           UNIQUE(part_id, bucket));
             CREATE TEMP TABLE IF NOT EXISTS usage_whole(session_key TEXT PRIMARY KEY);",
        )?;
        // The index is a cache of the agents' files: a commit lost to a power cut is read
        // again, so the writer does not wait for the disk (WAL keeps the file consistent).
        conn.pragma_update(None, "synchronous", "off")?;
        Ok(Writer {
            conn,
            path: path.to_path_buf(),
            rebuilt,
            _lock: lock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Tests: cap the index at `pages` pages, as a full disk would (writes past it fail with
    /// `SQLITE_FULL`).
    #[doc(hidden)]
    pub fn limit_pages_for_tests(&self, pages: i64) {
        let _ = self
            .conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()));
    }

    /// The working directories of the sessions indexed (some roots are found through them).
    pub fn known_dirs(&self) -> Result<Vec<PathBuf>, IndexError> {
        super::query::known_dirs(&self.conn)
    }

    /// The index file turned out to be damaged: start over with an empty one.
    fn recover(&mut self, why: &IndexError) -> Result<(), IndexError> {
        let conn = super::recreate(&self.path)?;
        *self = Writer::with_conn(
            conn,
            &self.path.clone(),
            Some(Rebuilt::Corrupt(why.to_string())),
            self._lock.clone(),
        )?;
        Ok(())
    }

    /// Scan every root and bring the index up to date (an index found damaged on the way is
    /// rebuilt from scratch).
    pub fn refresh(
        &mut self,
        reg: &Registry,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<RefreshReport, IndexError> {
        match self.refresh_all(reg, progress) {
            Err(e) if e.is_corrupt() => {
                self.recover(&e)?;
                self.refresh_all(reg, progress)
            }
            r => r,
        }
    }

    fn refresh_all(
        &mut self,
        reg: &Registry,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<RefreshReport, IndexError> {
        let started = Instant::now();
        let mut report = RefreshReport::default();
        // Some sources look inside the working directories of sessions found by others
        // (Agenix): when a pass finds new directories, roots are computed again.
        let mut known = super::query::known_dirs(&self.conn)?;
        for _ in 0..3 {
            let roots = reg.roots_with(&known);
            let scan = scan_roots(reg, &roots);
            self.refresh_pass(reg, scan, &Scope::All, &mut report, started, progress)?;
            let now_known = super::query::known_dirs(&self.conn)?;
            if now_known == known {
                break;
            }
            known = now_known;
        }
        report.errors += report.problems.len() as u64;
        report.sessions = self
            .conn
            .query_row("SELECT count(*) FROM sessions", [], |r| r.get::<_, i64>(0))?
            as u64;
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(report)
    }

    /// Bring the index up to date after changes under `paths` (what the file watcher saw).
    /// A store the index knows is checked by itself (a line appended to a session costs
    /// reading that line); anything else (a new file, a new folder) rescans the roots it is
    /// under. A path in no root changes nothing.
    pub fn refresh_changed(
        &mut self,
        reg: &Registry,
        paths: &[PathBuf],
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<RefreshReport, IndexError> {
        match self.refresh_paths(reg, paths, progress) {
            Err(e) if e.is_corrupt() => {
                self.recover(&e)?;
                self.refresh_all(reg, progress)
            }
            r => r,
        }
    }

    fn refresh_paths(
        &mut self,
        reg: &Registry,
        paths: &[PathBuf],
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<RefreshReport, IndexError> {
        let started = Instant::now();
        let mut report = RefreshReport::default();
        let known_dirs = super::query::known_dirs(&self.conn)?;
        let roots = reg.roots_with(&known_dirs);
        let candidates: HashSet<PathBuf> = paths.iter().map(|p| store_path_of(p)).collect();
        let known = self.load_stores(&Scope::Some {
            roots: HashSet::new(),
            direct: candidates,
        })?;
        let mut direct: Vec<StoreRef> = Vec::new();
        let mut rescan: Vec<crate::sources::Root> = Vec::new();
        for p in paths {
            let p = store_path_of(p);
            if let Some(row) = known.get(&p)
                && let Some(store) = row.store_ref(&p)
            {
                if !direct.iter().any(|d| d.path == p) {
                    direct.push(store);
                }
                continue;
            }
            for r in &roots {
                // a folder above a root (created or removed), or something under it that can
                // be a store (logs and locks an agent writes beside its sessions are not)
                let related =
                    r.path.starts_with(&p) || (p.starts_with(&r.path) && may_be_store(&p));
                if related
                    && !rescan
                        .iter()
                        .any(|x| x.agent == r.agent && x.path == r.path)
                {
                    rescan.push(r.clone());
                }
            }
        }
        if direct.is_empty() && rescan.is_empty() {
            report.elapsed_ms = started.elapsed().as_millis() as u64;
            return Ok(report);
        }
        let mut scan = scan_roots(reg, &rescan);
        let scope = Scope::Some {
            roots: rescan.iter().map(|r| r.path.clone()).collect(),
            direct: direct.iter().map(|d| d.path.clone()).collect(),
        };
        for d in direct {
            let exists = d.kind == crate::sources::StoreKind::Remote || d.path.exists();
            if exists && !scan.stores.iter().any(|s| s.path == d.path) {
                scan.stores.push(d);
            }
        }
        self.refresh_pass(reg, scan, &scope, &mut report, started, progress)?;
        // new working directories may add roots (Agenix): one full pass picks them up
        if super::query::known_dirs(&self.conn)? != known_dirs {
            let roots = reg.roots_with(&super::query::known_dirs(&self.conn)?);
            let scan = scan_roots(reg, &roots);
            self.refresh_pass(reg, scan, &Scope::All, &mut report, started, progress)?;
        }
        report.errors += report.problems.len() as u64;
        report.sessions = self
            .conn
            .query_row("SELECT count(*) FROM sessions", [], |r| r.get::<_, i64>(0))?
            as u64;
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(report)
    }

    fn refresh_pass(
        &mut self,
        reg: &Registry,
        mut scan: ScanOut,
        scope: &Scope,
        report: &mut RefreshReport,
        started: Instant,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<(), IndexError> {
        // 1. what exists now (in scope)
        name_paths_in_text(&mut scan);
        // each path once (borrowed: at 100,000 stores, copies of the paths were 11 MB more
        // at the start-up's peak)
        let first: Vec<bool> = {
            let mut seen: HashSet<&Path> = HashSet::with_capacity(scan.stores.len());
            scan.stores.iter().map(|s| seen.insert(&s.path)).collect()
        };
        let mut first = first.into_iter();
        scan.stores.retain(|_| first.next().unwrap_or(false));
        let known = self.load_stores(scope)?;
        let mut dirty: HashSet<String> = HashSet::new();

        // 2. stores that are gone (kept when they sit under a folder that could not be read)
        {
            let tx = begin(&mut self.conn)?;
            let seen_paths: HashSet<&Path> = scan.stores.iter().map(|s| s.path.as_path()).collect();
            for (path, row) in &known {
                if seen_paths.contains(path.as_path()) || !scope.covers(path, row) {
                    continue;
                }
                if scan.problems.iter().any(|p| path.starts_with(&p.path)) {
                    continue;
                }
                delete_store(&tx, row.id, &mut dirty)?;
            }
            flush_fts(&tx)?;
            tx.commit()?;
        }

        // 3. what changed
        let mut jobs: Vec<Job> = Vec::new();
        let mut store_ids: Vec<i64> = Vec::new();
        {
            let tx = begin(&mut self.conn)?;
            for store in &scan.stores {
                let prev = known.get(&store.path).cloned();
                let Some(src) = reg.source(store.agent) else {
                    continue;
                };
                let stat = match reg.fingerprint(src, store) {
                    Ok(s) => s,
                    Err(reason) => {
                        // out of reach now: what was indexed from it is kept
                        scan.problems.push(ScanProblem {
                            path: store.path.clone(),
                            reason,
                        });
                        continue;
                    }
                };
                if let Some(p) = &prev
                    && p.size == stat.0
                    && p.mtime_ns == stat.1
                    && p.failure.is_none()
                {
                    continue;
                }
                let id = match &prev {
                    Some(p) => {
                        tx.execute(
                            "UPDATE stores SET priority = ?2, root = ?3 WHERE id = ?1",
                            params![p.id, store.priority, store.root.display().to_string()],
                        )?;
                        p.id
                    }
                    None => {
                        tx.execute(
                            "INSERT INTO stores(path, agent, kind, root, priority) VALUES (?1, ?2, ?3, ?4, ?5)",
                            params![
                                store.path.display().to_string(),
                                store.agent.as_str(),
                                store.kind.as_str(),
                                store.root.display().to_string(),
                                store.priority
                            ],
                        )?;
                        tx.last_insert_rowid()
                    }
                };
                let prev = match prev {
                    Some(mut p) => {
                        p.state = self_state(&tx, p.id)?;
                        Some(p)
                    }
                    None => None,
                };
                jobs.push(Job {
                    idx: jobs.len(),
                    store: store.clone(),
                    prev,
                    stat,
                });
                store_ids.push(id);
            }
            tx.commit()?;
        }

        let mut prog = Progress {
            stores_total: jobs.len() as u64,
            bytes_total: jobs.iter().map(|j| j.stat.0.max(0) as u64).sum(),
            ..Default::default()
        };
        progress(&prog);

        // 4. parse on workers, apply here
        if !jobs.is_empty() {
            let workers = std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
                .clamp(1, 4)
                .min(jobs.len());
            let (job_tx, job_rx) = crossbeam_channel::unbounded::<&Job>();
            // the most recently written first: on a first index the list fills from the top
            let mut order: Vec<&Job> = jobs.iter().collect();
            order.sort_by_key(|j| std::cmp::Reverse(j.stat.1));
            for j in order {
                let _ = job_tx.send(j);
            }
            drop(job_tx);
            // room for parsed chunks while the writer commits (a short queue left the parsers
            // waiting: 25 % slower)
            let (out_tx, out_rx) = crossbeam_channel::bounded::<Out>(256);
            let result: Result<(), IndexError> = std::thread::scope(|scope| {
                for _ in 0..workers {
                    let job_rx = job_rx.clone();
                    let out_tx = out_tx.clone();
                    scope.spawn(move || {
                        while let Ok(job) = job_rx.recv() {
                            run_job(job, reg, &out_tx);
                        }
                    });
                }
                drop(out_tx);
                let mut tx = begin(&mut self.conn)?;
                let mut last_commit = Instant::now();
                for out in out_rx.iter() {
                    match out {
                        Out::Begin { idx, reset } => {
                            let id = store_ids[idx];
                            if reset {
                                clear_store(&tx, id, &mut dirty)?;
                            } else {
                                rollback_tentative(&tx, id, &mut dirty)?;
                            }
                        }
                        Out::Chunk {
                            idx,
                            sink,
                            bytes,
                            tentative,
                        } => {
                            let store = &jobs[idx].store;
                            report.errors += sink.issues.len() as u64;
                            apply(
                                &tx,
                                store_ids[idx],
                                store.agent,
                                sink,
                                tentative,
                                &mut dirty,
                            )?;
                            report.bytes_parsed += bytes;
                            prog.bytes_done += bytes;
                        }
                        Out::Done { idx, done } => {
                            report.files_parsed += 1;
                            prog.stores_done += 1;
                            finish_store(&tx, store_ids[idx], &done)?;
                        }
                        Out::Failed { idx, error } => {
                            report.errors += 1;
                            prog.stores_done += 1;
                            fail_store(&tx, store_ids[idx], jobs[idx].stat, &error)?;
                            // its sessions (kept as they were) count the failure
                            dirty.extend(store_sessions(&tx, store_ids[idx])?);
                        }
                    }
                    if last_commit.elapsed() >= COMMIT_EVERY {
                        rebuild_sessions(&tx, &mut dirty, report)?;
                        flush_fts(&tx)?;
                        tx.commit()?;
                        tx = begin(&mut self.conn)?;
                        last_commit = Instant::now();
                        prog.elapsed = started.elapsed();
                        progress(&prog);
                    }
                }
                rebuild_sessions(&tx, &mut dirty, report)?;
                flush_fts(&tx)?;
                tx.commit()?;
                Ok(())
            });
            result?;
        } else if !dirty.is_empty() {
            let tx = begin(&mut self.conn)?;
            rebuild_sessions(&tx, &mut dirty, report)?;
            flush_fts(&tx)?;
            tx.commit()?;
        }

        report.files_seen = scan.stores.len() as u64;
        report.problems = scan.problems;
        prog.elapsed = started.elapsed();
        progress(&prog);
        Ok(())
    }

    /// What the index knows of the stores a pass looks at (all of them, or those under some
    /// roots plus some paths). Parser states are not loaded here: only the stores that are
    /// parsed need theirs (see `self_state`).
    fn load_stores(&self, scope: &Scope) -> Result<HashMap<PathBuf, StoreRow>, IndexError> {
        let Some((sql, args)) = stores_query(scope) else {
            return Ok(HashMap::new());
        };
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| {
            Ok((
                PathBuf::from(r.get::<_, String>(1)?),
                StoreRow {
                    id: r.get(0)?,
                    size: r.get(2)?,
                    mtime_ns: r.get(3)?,
                    pos: Position {
                        offset: r.get::<_, i64>(4)? as u64,
                        lines: r.get::<_, i64>(5)? as u64,
                    },
                    head: (r.get::<_, i64>(6)? as u64, r.get::<_, i64>(7)? as u64),
                    tail_hash: r.get::<_, i64>(8)? as u64,
                    state: None,
                    failure: r.get(9)?,
                    agent: r.get(10)?,
                    kind: r.get(11)?,
                    root: PathBuf::from(r.get::<_, String>(12)?),
                    priority: r.get(13)?,
                },
            ))
        })?;
        let mut map = HashMap::new();
        for row in rows {
            let (p, s) = row?;
            map.insert(p, s);
        }
        Ok(map)
    }
}

/// The rows of `stores` a pass over `scope` compares with what it found: the query and its
/// arguments (`None`: no store can be in it).
fn stores_query(scope: &Scope) -> Option<(String, Vec<String>)> {
    const COLS: &str =
        "SELECT id, path, size, mtime_ns, offset, lines, head_len, head_hash, tail_hash, failure,
                agent, kind, root, priority FROM stores";
    match scope {
        Scope::Some { roots, direct } if roots.len() + direct.len() <= 400 => {
            // only the lists there are: with `root IN ()` beside it, `path IN (…)` read every
            // store (85 ms of each write at 100,000 sessions)
            let marks = |col: &str, n: usize| {
                (n > 0).then(|| format!("{col} IN ({})", vec!["?"; n].join(",")))
            };
            let wanted: Vec<String> = [marks("root", roots.len()), marks("path", direct.len())]
                .into_iter()
                .flatten()
                .collect();
            if wanted.is_empty() {
                return None;
            }
            let args = roots
                .iter()
                .chain(direct.iter())
                .map(|p| p.display().to_string())
                .collect();
            Some((format!("{COLS} WHERE {}", wanted.join(" OR ")), args))
        }
        _ => Some((COLS.to_string(), Vec::new())),
    }
}

/// A store's saved parser state (within a transaction).
fn self_state(tx: &Transaction, id: i64) -> rusqlite::Result<Option<Vec<u8>>> {
    Ok(tx
        .prepare_cached("SELECT state FROM stores WHERE id = ?1")?
        .query_row([id], |r| r.get::<_, Option<Vec<u8>>>(0))
        .optional()?
        .flatten())
}

/// Session keys a store contributes to.
fn store_sessions(tx: &Transaction, store_id: i64) -> rusqlite::Result<Vec<String>> {
    let mut stmt = tx.prepare_cached("SELECT session_key FROM parts WHERE store_id = ?1")?;
    let rows = stmt.query_map([store_id], |r| r.get(0))?;
    rows.collect()
}

/// Sessions holding messages that a store's leaf hints point at.
fn leaf_hint_sessions(tx: &Transaction, store_id: i64) -> rusqlite::Result<Vec<String>> {
    let mut stmt = tx.prepare_cached(
        "SELECT DISTINCT p.session_key FROM hints h
         JOIN messages m ON m.leaf = h.target_leaf
         JOIN parts p ON p.id = m.part_id
         WHERE h.store_id = ?1 AND h.target_leaf IS NOT NULL",
    )?;
    let rows = stmt.query_map([store_id], |r| r.get(0))?;
    rows.collect()
}

fn session_hint_keys(tx: &Transaction, store_id: i64) -> rusqlite::Result<Vec<String>> {
    let mut stmt = tx.prepare_cached(
        "SELECT agent || ':' || target_session FROM hints WHERE store_id = ?1 AND target_session IS NOT NULL",
    )?;
    let rows = stmt.query_map([store_id], |r| r.get(0))?;
    rows.collect()
}

/// Drop everything a store contributed (before a full re-parse).
fn clear_store(
    tx: &Transaction,
    store_id: i64,
    dirty: &mut HashSet<String>,
) -> rusqlite::Result<()> {
    let own = store_sessions(tx, store_id)?;
    for key in &own {
        usage_whole(tx, key)?;
    }
    dirty.extend(own);
    dirty.extend(leaf_hint_sessions(tx, store_id)?);
    dirty.extend(session_hint_keys(tx, store_id)?);
    fts_forget(
        tx,
        "SELECT m.id FROM messages m JOIN parts p ON p.id = m.part_id WHERE p.store_id = ?1",
        &[&store_id],
    )?;
    tx.execute(
        "DELETE FROM messages WHERE part_id IN (SELECT id FROM parts WHERE store_id = ?1)",
        [store_id],
    )?;
    tx.execute("DELETE FROM parts WHERE store_id = ?1", [store_id])?;
    tx.execute("DELETE FROM hints WHERE store_id = ?1", [store_id])?;
    tx.execute("DELETE FROM issues WHERE store_id = ?1", [store_id])?;
    tx.execute(
        "UPDATE stores SET errors = 0, failure = NULL, state = NULL, offset = 0, lines = 0 WHERE id = ?1",
        [store_id],
    )?;
    Ok(())
}

fn delete_store(
    tx: &Transaction,
    store_id: i64,
    dirty: &mut HashSet<String>,
) -> rusqlite::Result<()> {
    clear_store(tx, store_id, dirty)?;
    tx.execute("DELETE FROM stores WHERE id = ?1", [store_id])?;
    Ok(())
}

/// Undo messages that came from a tentative last line: the line is parsed again now.
fn rollback_tentative(
    tx: &Transaction,
    store_id: i64,
    dirty: &mut HashSet<String>,
) -> rusqlite::Result<()> {
    let parts: Vec<(i64, i64, String)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT id, committed_len, session_key FROM parts WHERE store_id = ?1 AND committed_len IS NOT NULL",
        )?;
        let rows = stmt.query_map([store_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (part, len, key) in parts {
        truncate(tx, part, len)?;
        tx.execute(
            "UPDATE parts SET msg_len = min(msg_len, ?2), committed_len = NULL WHERE id = ?1",
            params![part, len],
        )?;
        dirty.insert(key);
    }
    Ok(())
}

fn truncate(tx: &Transaction, part: i64, from: i64) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO temp.usage_touched(part_id, bucket)
         SELECT part_id, time / 900000 FROM messages WHERE part_id = ?1 AND seq >= ?2",
    )?
    .execute(params![part, from])?;
    fts_forget(
        tx,
        "SELECT id FROM messages WHERE part_id = ?1 AND seq >= ?2",
        &[&part, &from],
    )?;
    tx.prepare_cached("DELETE FROM messages WHERE part_id = ?1 AND seq >= ?2")?
        .execute(params![part, from])?;
    Ok(())
}

/// The part of a session a store holds, its length, and whether it is new: created if the
/// store did not have it
/// (then, or when it becomes the store's primary part, the session's usage is rebuilt whole:
/// the parts it sums change).
fn part_for(
    tx: &Transaction,
    store_id: i64,
    uid: &str,
    key: &str,
    primary: bool,
) -> rusqlite::Result<(i64, i64, bool)> {
    if let Some((id, len)) = tx
        .prepare_cached("SELECT id, msg_len FROM parts WHERE store_id = ?1 AND uid = ?2")?
        .query_row(params![store_id, uid], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
    {
        if primary
            && tx
                .prepare_cached("UPDATE parts SET is_primary = 1 WHERE id = ?1 AND is_primary = 0")?
                .execute([id])?
                > 0
        {
            usage_whole(tx, key)?;
        }
        return Ok((id, len, false));
    }
    tx.prepare_cached(
        "INSERT INTO parts(store_id, uid, session_key, is_primary) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![store_id, uid, key, primary])?;
    let id = tx.last_insert_rowid();
    usage_whole(tx, key)?;
    Ok((id, 0, true))
}

/// This write changes which parts `key`'s usage sums: rebuild it whole.
fn usage_whole(tx: &Transaction, key: &str) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT OR IGNORE INTO temp.usage_whole(session_key) VALUES (?1)")?
        .execute([key])?;
    Ok(())
}

fn put_message(
    tx: &Transaction,
    agent: Agent,
    part: i64,
    seq: u32,
    m: &EncodedMsg,
    replace: bool,
    track: bool,
) -> rusqlite::Result<()> {
    let u = m.usage.unwrap_or_default();
    // the quarter hours whose usage this changes (`track`: the part's usage is not rebuilt
    // whole anyway): the row's old one, if it had one, and its new one
    if track && replace {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO temp.usage_touched(part_id, bucket)
             SELECT part_id, time / 900000 FROM messages WHERE part_id = ?1 AND seq = ?2",
        )?
        .execute(params![part, seq])?;
    }
    if track {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO temp.usage_touched(part_id, bucket) VALUES (?1, ?2 / 900000)",
        )?
        .execute(params![part, m.time])?;
    }
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO messages(part_id, seq, role, time, model, prompt, tool_calls, sidechain, agent_id, leaf,
                                  has_usage, input, output, cache_read, cache_write, cache_write_1h, reasoning, cost, rev)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                     (SELECT value FROM meta WHERE key = 'rev'))
             ON CONFLICT(part_id, seq) DO UPDATE SET
                role = excluded.role, time = excluded.time, model = excluded.model, prompt = excluded.prompt,
                tool_calls = excluded.tool_calls, sidechain = excluded.sidechain, agent_id = excluded.agent_id,
                leaf = excluded.leaf, has_usage = excluded.has_usage, input = excluded.input, output = excluded.output,
                cache_read = excluded.cache_read, cache_write = excluded.cache_write,
                cache_write_1h = excluded.cache_write_1h, reasoning = excluded.reasoning, cost = excluded.cost,
                rev = excluded.rev
             RETURNING id",
        )?
        .query_row(
            params![
                part,
                seq,
                m.role,
                m.time,
                m.model,
                m.prompt,
                m.tool_calls,
                m.sidechain,
                m.agent_id,
                m.leaf,
                m.usage.is_some(),
                u.input as i64,
                u.output as i64,
                u.cache_read as i64,
                u.cache_write as i64,
                u.cache_write_1h as i64,
                u.reasoning as i64,
                m.cost
            ],
            |r| r.get(0),
        )?;
    tx.prepare_cached("INSERT OR REPLACE INTO bodies(id, body) VALUES (?1, ?2)")?
        .execute(params![id, m.body])?;
    if replace {
        // a row indexed before this batch must leave the FTS index; one staged in this batch
        // just gets its new text
        tx.prepare_cached(
            "INSERT OR IGNORE INTO temp.fts_deletes(rowid)
             SELECT ?1 WHERE NOT EXISTS (SELECT 1 FROM temp.fts_pending WHERE rowid = ?1)",
        )?
        .execute([id])?;
    }
    let text = &m.fts;
    if text.is_empty() {
        tx.prepare_cached("DELETE FROM temp.fts_pending WHERE rowid = ?1")?
            .execute([id])?;
    } else {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO temp.fts_pending(rowid, text, meta) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![id, text, agent.as_str()])?;
    }
    Ok(())
}

/// Rows (ids selected by `ids_sql`) are about to be deleted: forget their staged FTS text, and
/// remove from the FTS index those indexed before this batch.
fn fts_forget(
    tx: &Transaction,
    ids_sql: &str,
    args: &[&dyn rusqlite::ToSql],
) -> rusqlite::Result<()> {
    tx.prepare_cached(&format!(
        "INSERT OR IGNORE INTO temp.fts_deletes(rowid)
         SELECT id FROM ({ids_sql}) WHERE id NOT IN (SELECT rowid FROM temp.fts_pending)"
    ))?
    .execute(args)?;
    tx.prepare_cached(&format!(
        "DELETE FROM temp.fts_pending WHERE rowid IN (SELECT id FROM ({ids_sql}))"
    ))?
    .execute(args)?;
    Ok(())
}

/// Apply the staged FTS changes: deletes first, then every insert in one statement.
fn flush_fts(tx: &Transaction) -> rusqlite::Result<()> {
    tx.execute_batch(
        "DELETE FROM messages_fts WHERE rowid IN (SELECT rowid FROM temp.fts_deletes);
         INSERT INTO messages_fts(rowid, text, meta) SELECT rowid, text, meta FROM temp.fts_pending;
         DELETE FROM temp.fts_deletes;
         DELETE FROM temp.fts_pending;",
    )
}

fn apply(
    tx: &Transaction,
    store_id: i64,
    agent: Agent,
    sink: Encoded,
    tentative: bool,
    dirty: &mut HashSet<String>,
) -> rusqlite::Result<()> {
    if sink.complete {
        // parts of this store that the parser did not mention are gone
        let keep: Vec<&str> = sink.sessions.iter().map(|s| s.uid.as_str()).collect();
        let parts: Vec<(i64, String, String)> = {
            let mut stmt =
                tx.prepare_cached("SELECT id, uid, session_key FROM parts WHERE store_id = ?1")?;
            let rows = stmt.query_map([store_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (id, uid, key) in parts {
            if !keep.contains(&uid.as_str()) {
                truncate(tx, id, 0)?;
                tx.execute("DELETE FROM parts WHERE id = ?1", [id])?;
                usage_whole(tx, &key)?;
                dirty.insert(key);
            }
        }
    }
    for uid in &sink.removed {
        let part: Option<(i64, String)> = tx
            .prepare_cached("SELECT id, session_key FROM parts WHERE store_id = ?1 AND uid = ?2")?
            .query_row(params![store_id, uid], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((id, key)) = part {
            truncate(tx, id, 0)?;
            tx.execute("DELETE FROM parts WHERE id = ?1", [id])?;
            usage_whole(tx, &key)?;
            dirty.insert(key);
        }
    }
    for delta in sink.sessions {
        let key = session_key(agent, &delta.uid);
        let (part, mut len, new) = part_for(tx, store_id, &delta.uid, &key, delta.primary)?;
        if tentative {
            tx.prepare_cached(
                "UPDATE parts SET committed_len = coalesce(committed_len, msg_len) WHERE id = ?1",
            )?
            .execute([part])?;
        }
        for op in delta.ops {
            match op {
                EncodedOp::Put(seq, msg) => {
                    let replace = (seq as i64) < len;
                    put_message(tx, agent, part, seq, &msg, replace, !new)?;
                    len = len.max(seq as i64 + 1);
                }
                EncodedOp::Truncate(n) => {
                    truncate(tx, part, n as i64)?;
                    len = len.min(n as i64);
                }
            }
        }
        tx.prepare_cached("UPDATE parts SET msg_len = ?2 WHERE id = ?1")?
            .execute(params![part, len])?;
        if let Some(meta) = delta.meta {
            let json = serde_json::to_string(&meta).unwrap_or_default();
            tx.prepare_cached("UPDATE parts SET meta = ?2 WHERE id = ?1")?
                .execute(params![part, json])?;
        }
        dirty.insert(key);
    }
    for h in sink.hints {
        let (session, leaf) = match &h.target {
            HintTarget::Session(s) => (Some(s.clone()), None),
            HintTarget::Leaf(l) => (None, Some(leaf_hash(l))),
        };
        tx.prepare_cached(
            "INSERT OR IGNORE INTO hints(store_id, agent, target_session, target_leaf, title, rank)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            store_id,
            agent.as_str(),
            session,
            leaf,
            h.title,
            h.rank
        ])?;
        match (session, leaf) {
            (Some(s), _) => {
                dirty.insert(session_key(agent, &s));
            }
            (_, Some(l)) => {
                let mut stmt = tx.prepare_cached(
                    "SELECT DISTINCT p.session_key FROM messages m JOIN parts p ON p.id = m.part_id WHERE m.leaf = ?1",
                )?;
                let keys = stmt.query_map([l], |r| r.get::<_, String>(0))?;
                for k in keys {
                    dirty.insert(k?);
                }
            }
            _ => {}
        }
    }
    if !sink.issues.is_empty() {
        let n = sink.issues.len() as i64;
        let have: i64 = tx
            .prepare_cached("SELECT count(*) FROM issues WHERE store_id = ?1")?
            .query_row([store_id], |r| r.get(0))?;
        for issue in sink
            .issues
            .iter()
            .take((ISSUE_EXAMPLES - have).max(0) as usize)
        {
            tx.prepare_cached(
                "INSERT INTO issues(store_id, line, kind, detail) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                store_id,
                issue.line.map(|l| l as i64),
                issue.kind.as_str(),
                crate::sanitize::truncate_chars(&issue.detail, 300)
            ])?;
        }
        tx.prepare_cached("UPDATE stores SET errors = errors + ?2 WHERE id = ?1")?
            .execute(params![store_id, n])?;
        dirty.extend(store_sessions(tx, store_id)?);
    }
    Ok(())
}

fn finish_store(tx: &Transaction, store_id: i64, d: &StoreDone) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE stores SET size = ?2, mtime_ns = ?3, offset = ?4, lines = ?5, head_len = ?6, head_hash = ?7,
                           tail_hash = ?8, pending = ?9, state = ?10, failure = NULL WHERE id = ?1",
    )?
    .execute(params![
        store_id,
        d.stat.0,
        d.stat.1,
        d.pos.offset as i64,
        d.pos.lines as i64,
        d.head.0 as i64,
        d.head.1 as i64,
        d.tail_hash as i64,
        d.pending as i64,
        d.state
    ])?;
    Ok(())
}

fn fail_store(
    tx: &Transaction,
    store_id: i64,
    stat: (i64, i64),
    error: &str,
) -> rusqlite::Result<()> {
    // Keep what was indexed before; remember the failure (retried on the next refresh).
    tx.execute(
        "UPDATE stores SET size = ?2, mtime_ns = ?3, failure = ?4 WHERE id = ?1",
        params![
            store_id,
            stat.0,
            stat.1,
            crate::sanitize::truncate_chars(error, 300)
        ],
    )?;
    let have: i64 = tx.query_row(
        "SELECT count(*) FROM issues WHERE store_id = ?1 AND kind = 'unreadable'",
        [store_id],
        |r| r.get(0),
    )?;
    if have == 0 {
        tx.execute(
            "INSERT INTO issues(store_id, line, kind, detail) VALUES (?1, NULL, 'unreadable', ?2)",
            params![store_id, crate::sanitize::truncate_chars(error, 300)],
        )?;
    }
    Ok(())
}

#[derive(Debug)]
struct PartRow {
    id: i64,
    primary: bool,
    meta: Option<SessionMeta>,
    msg_len: i64,
    store_path: String,
    priority: i64,
    errors: i64,
    failure: bool,
}

/// Rebuild the `sessions` rows of every dirty key from its parts and messages.
fn rebuild_sessions(
    tx: &Transaction,
    dirty: &mut HashSet<String>,
    report: &mut RefreshReport,
) -> rusqlite::Result<()> {
    let mut keys: Vec<String> = dirty.drain().collect();
    keys.sort();
    for key in &keys {
        if rebuild_session(tx, key)? {
            usage_whole(tx, key)?;
        }
    }
    // usage: of these sessions, and of the sessions they share copied messages with (whose
    // owner may have changed), once every sessions row is up to date. A session that shares
    // no message with another and got no message another has (the common case: every append
    // to a session no one copied) skips looking for copies, which means looking up each of
    // its messages (a quarter of a second for one of 109,000)
    let mut alone: HashSet<String> = HashSet::new();
    let mut partners: HashSet<String> = HashSet::new();
    for key in &keys {
        if shares_nothing(tx, key)? {
            alone.insert(key.clone());
        } else {
            partners.extend(copy_partners(tx, key)?);
        }
    }
    let usage_keys: std::collections::BTreeSet<&String> = keys.iter().chain(&partners).collect();
    for key in usage_keys {
        let copies = !alone.contains(key) || partners.contains(key);
        if copies || is_usage_whole(tx, key)? {
            rebuild_usage(tx, key, copies)?;
            report.usage_rebuilt += 1;
        } else if update_usage(tx, key)? {
            report.usage_updated += 1;
        }
        if keys.binary_search(key).is_err() {
            report.changed.push(key.clone());
        }
    }
    tx.execute_batch("DELETE FROM temp.usage_touched; DELETE FROM temp.usage_whole;")?;
    report.changed.extend(keys);
    Ok(())
}

/// Agents whose copies of a conversation (Claude Code's `--fork-session` and older resumes,
/// Pi's `--fork`) keep each message's own id and time: such a copy is counted once, in the
/// session that had it first (see [`rebuild_usage`]).
const COPYING_AGENTS: [&str; 2] = ["claude", "pi"];

fn copying_agent(key: &str) -> Option<&str> {
    let agent = key.split_once(':')?.0;
    COPYING_AGENTS.contains(&agent).then_some(agent)
}

/// Does a session of a copying agent share no message with another session, after this
/// write? True when it has no copy either way (`copied` is complete after every write) and
/// none of the messages this write stored has a twin elsewhere: then no copy involves it (a
/// twin another session got in this write is found from that session's side). Sessions of
/// other agents never share.
fn shares_nothing(tx: &Transaction, key: &str) -> rusqlite::Result<bool> {
    let Some(agent) = copying_agent(key) else {
        return Ok(true);
    };
    let related: bool = tx
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM copied WHERE session_key = ?1)
                 OR EXISTS(SELECT 1 FROM copied WHERE owner = ?1)",
        )?
        .query_row([key], |r| r.get(0))?;
    if related {
        return Ok(false);
    }
    let twin: bool = tx
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM parts p
                 JOIN messages m ON m.part_id = p.id
                 JOIN messages m2 ON m2.leaf = m.leaf AND m2.time = m.time AND m2.id != m.id
                 JOIN parts p2 ON p2.id = m2.part_id
                 WHERE p.session_key = ?1 AND m.rev = (SELECT value FROM meta WHERE key = 'rev')
                   AND m.leaf IS NOT NULL AND m.time IS NOT NULL
                   AND p2.session_key != ?1 AND p2.session_key LIKE ?2)",
        )?
        .query_row(params![key, format!("{agent}:%")], |r| r.get(0))?;
    Ok(!twin)
}

/// Sessions that hold a copy of one of `key`'s messages, or whose copies `key` owned.
fn copy_partners(tx: &Transaction, key: &str) -> rusqlite::Result<Vec<String>> {
    let mut out: Vec<String> = {
        let mut stmt =
            tx.prepare_cached("SELECT DISTINCT session_key FROM copied WHERE owner = ?1")?;
        let rows = stmt.query_map([key], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    if let Some(agent) = copying_agent(key) {
        let mut stmt = tx.prepare_cached(
            "SELECT DISTINCT p2.session_key FROM parts p
             JOIN messages m ON m.part_id = p.id
             JOIN messages m2 ON m2.leaf = m.leaf AND m2.time = m.time AND m2.id != m.id
             JOIN parts p2 ON p2.id = m2.part_id
             WHERE p.session_key = ?1 AND m.leaf IS NOT NULL AND m.time IS NOT NULL
               AND p2.session_key != ?1 AND p2.session_key LIKE ?2",
        )?;
        let rows = stmt.query_map(params![key, format!("{agent}:%")], |r| r.get(0))?;
        for k in rows {
            out.push(k?);
        }
    }
    Ok(out)
}

/// `session_usage` of one session (see schema.rs), from its messages less those it copied
/// from a session that had them first: a message found in several sessions of a copying
/// agent (same id and time) belongs to the one that started first (then the one last
/// updated first, then the key), and is counted there only. Without `copies` the session is
/// known to share nothing (see [`shares_nothing`]) and copies are not looked for.
fn rebuild_usage(tx: &Transaction, key: &str, copies: bool) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM session_usage WHERE session_key = ?1")?
        .execute([key])?;
    tx.prepare_cached("DELETE FROM copied WHERE session_key = ?1")?
        .execute([key])?;
    let Some(ids) = usage_parts(tx, key)? else {
        return Ok(());
    };
    if let Some(agent) = copying_agent(key).filter(|_| copies) {
        tx.execute(
            &format!(
                "INSERT INTO copied(session_key, message_id, owner)
                 SELECT * FROM (
                     SELECT ?1, m.id, (
                         SELECT p2.session_key FROM messages m2
                         JOIN parts p2 ON p2.id = m2.part_id
                         JOIN sessions s2 ON s2.key = p2.session_key
                         WHERE m2.leaf = m.leaf AND m2.time = m.time
                           AND (p2.id = s2.primary_part OR p2.is_primary = 0)
                           AND p2.session_key LIKE ?2
                         ORDER BY s2.started_at IS NULL, s2.started_at, s2.updated_at, s2.key
                         LIMIT 1) AS owner
                     FROM messages m
                     WHERE m.part_id IN ({ids}) AND m.leaf IS NOT NULL AND m.time IS NOT NULL
                       AND EXISTS (SELECT 1 FROM messages m3 WHERE m3.leaf = m.leaf AND m3.time = m.time
                                   AND m3.part_id NOT IN ({ids})))
                 WHERE owner IS NOT NULL AND owner != ?1"
            ),
            params![key, format!("{agent}:%")],
        )?;
    }
    insert_usage(tx, key, &ids, None)
}

fn is_usage_whole(tx: &Transaction, key: &str) -> rusqlite::Result<bool> {
    tx.prepare_cached("SELECT EXISTS(SELECT 1 FROM temp.usage_whole WHERE session_key = ?1)")?
        .query_row([key], |r| r.get(0))
}

/// The part ids whose messages make up a session: its primary part (the winner of
/// [`rebuild_session`]) and its other parts (subagents), as a list to inline in SQL (integers
/// from the index itself). None when the session is gone.
fn usage_parts(tx: &Transaction, key: &str) -> rusqlite::Result<Option<String>> {
    let primary: Option<i64> = tx
        .prepare_cached("SELECT primary_part FROM sessions WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    let Some(primary) = primary else {
        return Ok(None);
    };
    let mut stmt = tx.prepare_cached(
        "SELECT id FROM parts WHERE session_key = ?1 AND (id = ?2 OR is_primary = 0)",
    )?;
    let rows = stmt.query_map(params![key, primary], |r| r.get::<_, i64>(0))?;
    let ids = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Some(
        ids.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(","),
    ))
}

/// The `session_usage` rows of `key` for the quarter hours `buckets` (an SQL condition on
/// `time`, or every message with none), from its messages less those it copied.
fn insert_usage(
    tx: &Transaction,
    key: &str,
    ids: &str,
    buckets: Option<&str>,
) -> rusqlite::Result<()> {
    let only = buckets.map(|b| format!("AND ({b})")).unwrap_or_default();
    tx.execute(
        &format!(
            "INSERT INTO session_usage(session_key, bucket, model, long_context, recorded, messages, prompts,
                 tool_calls, turns, input, output, cache_read, cache_write, cache_write_1h, reasoning, cost)
             SELECT ?1, time / 900000, model, input + cache_read + cache_write > 200000, cost IS NOT NULL,
                 count(*) FILTER (WHERE sidechain = 0), total(prompt), total(tool_calls) FILTER (WHERE sidechain = 0),
                 count(*) FILTER (WHERE has_usage), total(input), total(output), total(cache_read), total(cache_write),
                 total(cache_write_1h), total(reasoning), sum(cost)
             FROM messages WHERE part_id IN ({ids}) {only}
               AND id NOT IN (SELECT message_id FROM copied WHERE session_key = ?1)
             GROUP BY 2, 3, 4, 5"
        ),
        [key],
    )?;
    Ok(())
}

/// `session_usage` of a session that shares no message (see [`shares_nothing`]) and whose
/// parts are the ones it had: only the quarter hours whose messages this write stored,
/// changed or removed are computed again (an append to a session of 109,000 messages: 9 ms
/// instead of 80). False when this write changed none of its messages.
fn update_usage(tx: &Transaction, key: &str) -> rusqlite::Result<bool> {
    let buckets: Vec<Option<i64>> = {
        let mut stmt = tx.prepare_cached(
            "SELECT DISTINCT t.bucket FROM temp.usage_touched t JOIN parts p ON p.id = t.part_id
             WHERE p.session_key = ?1",
        )?;
        let rows = stmt.query_map([key], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    if buckets.is_empty() {
        return Ok(false);
    }
    let Some(ids) = usage_parts(tx, key)? else {
        rebuild_usage(tx, key, false)?;
        return Ok(true);
    };
    // integers from the index itself: safe to inline
    let listed: Vec<String> = buckets.iter().flatten().map(|b| b.to_string()).collect();
    let list = listed.join(",");
    let null = buckets.contains(&None);
    let on = |column: &str| {
        let mut or = vec![format!("{column} IN ({list})")];
        if null {
            or.push(format!("{column} IS NULL"));
        }
        or.join(" OR ")
    };
    tx.execute(
        &format!(
            "DELETE FROM session_usage WHERE session_key = ?1 AND ({})",
            on("bucket")
        ),
        [key],
    )?;
    insert_usage(tx, key, &ids, Some(&on("time / 900000")))?;
    Ok(true)
}

/// Rebuild a session's `sessions` row from its parts; true when the part it takes its messages
/// from (the winner among its primary parts) changed, or the session appeared or went.
fn rebuild_session(tx: &Transaction, key: &str) -> rusqlite::Result<bool> {
    let before: Option<i64> = tx
        .prepare_cached("SELECT primary_part FROM sessions WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    let parts: Vec<PartRow> = {
        let mut stmt = tx.prepare_cached(
            "SELECT p.id, p.is_primary, p.meta, p.msg_len, s.path, s.priority, s.errors, s.failure IS NOT NULL
             FROM parts p JOIN stores s ON s.id = p.store_id WHERE p.session_key = ?1",
        )?;
        let rows = stmt.query_map([key], |r| {
            Ok(PartRow {
                id: r.get(0)?,
                primary: r.get(1)?,
                meta: r
                    .get::<_, Option<String>>(2)?
                    .and_then(|m| serde_json::from_str(&m).ok()),
                msg_len: r.get(3)?,
                store_path: r.get(4)?,
                priority: r.get(5)?,
                errors: r.get(6)?,
                failure: r.get(7)?,
            })
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    // The primary part that wins when several stores hold the same session: lower priority,
    // then more messages, then the path (stable).
    let winner = parts
        .iter()
        .filter(|p| p.primary && p.meta.is_some())
        .min_by(|a, b| {
            (a.priority, -a.msg_len, &a.store_path).cmp(&(b.priority, -b.msg_len, &b.store_path))
        });
    let Some(winner) = winner else {
        let gone = tx
            .prepare_cached("DELETE FROM sessions WHERE key = ?1")?
            .execute([key])?;
        if gone > 0 {
            tx.prepare_cached(
                "UPDATE meta SET value = (SELECT value FROM meta WHERE key = 'rev')
                 WHERE key = 'gone_rev'",
            )?
            .execute([])?;
        }
        return Ok(before.is_some());
    };
    let meta = winner.meta.clone().unwrap_or_default();
    let part_ids: Vec<i64> = parts
        .iter()
        .filter(|p| p.id == winner.id || !p.primary)
        .map(|p| p.id)
        .collect();
    let ids = part_ids
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let parse_errors: i64 = parts
        .iter()
        .filter(|p| p.id == winner.id || !p.primary)
        .map(|p| p.errors + p.failure as i64)
        .sum();

    // aggregates (ids are integers from the index itself: safe to inline); token sums with
    // total(), which cannot overflow as sum() can (an error that would stop the whole refresh)
    let agg_sql = format!(
        "SELECT
            count(*) FILTER (WHERE sidechain = 0),
            coalesce(sum(prompt) FILTER (WHERE sidechain = 0), 0),
            coalesce(sum(tool_calls) FILTER (WHERE sidechain = 0), 0),
            count(DISTINCT agent_id),
            CAST(total(input) AS INTEGER), CAST(total(output) AS INTEGER),
            CAST(total(cache_read) AS INTEGER), CAST(total(cache_write) AS INTEGER),
            CAST(total(cache_write_1h) AS INTEGER), CAST(total(reasoning) AS INTEGER),
            sum(cost), min(time), max(time)
         FROM messages WHERE part_id IN ({ids})"
    );
    struct Agg {
        messages: i64,
        prompts: i64,
        tool_calls: i64,
        subagents: i64,
        usage: TokenUsage,
        cost: Option<f64>,
        first: Option<i64>,
        last: Option<i64>,
    }
    let agg = tx.query_row(&agg_sql, [], |r| {
        Ok(Agg {
            messages: r.get(0)?,
            prompts: r.get(1)?,
            tool_calls: r.get(2)?,
            subagents: r.get(3)?,
            usage: TokenUsage {
                input: r.get::<_, i64>(4)? as u64,
                output: r.get::<_, i64>(5)? as u64,
                cache_read: r.get::<_, i64>(6)? as u64,
                cache_write: r.get::<_, i64>(7)? as u64,
                cache_write_1h: r.get::<_, i64>(8)? as u64,
                reasoning: r.get::<_, i64>(9)? as u64,
            },
            cost: r.get(10)?,
            first: r.get(11)?,
            last: r.get(12)?,
        })
    })?;
    let models: Vec<String> = {
        let sql = format!(
            "SELECT model, count(*) c, min(sidechain) s FROM messages
             WHERE part_id IN ({ids}) AND model IS NOT NULL AND model != ''
             GROUP BY model ORDER BY c DESC, s, model"
        );
        let mut stmt = tx.prepare(&sql)?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };

    // title: the best ranked of the store's own title and hints from elsewhere
    let (agent_str, uid) = key.split_once(':').unwrap_or(("", key));
    let mut title: Option<(u8, String)> = meta
        .title
        .clone()
        .filter(|t| !t.trim().is_empty())
        .map(|t| (meta.title_rank, t));
    let mut consider = |rank: u8, t: String| {
        if t.trim().is_empty() {
            return;
        }
        if title.as_ref().is_none_or(|(r, _)| rank > *r) {
            title = Some((rank, t));
        }
    };
    if let Some((rank, t)) = tx
        .prepare_cached(
            "SELECT rank, title FROM hints WHERE agent = ?1 AND target_session = ?2 ORDER BY rank DESC, rowid DESC LIMIT 1",
        )?
        .query_row(params![agent_str, uid], |r| Ok((r.get::<_, u8>(0)?, r.get(1)?)))
        .optional()?
    {
        consider(rank, t);
    }
    {
        let sql = format!(
            // from the (few) hints to the messages they name: never a scan of the session
            "SELECT h.rank, h.title FROM hints h CROSS JOIN messages m ON m.leaf = h.target_leaf
             WHERE h.target_leaf IS NOT NULL AND m.part_id IN ({ids})
             ORDER BY h.rank DESC, h.rowid DESC LIMIT 1"
        );
        if let Some((rank, t)) = tx
            .query_row(&sql, [], |r| Ok((r.get::<_, u8>(0)?, r.get(1)?)))
            .optional()?
        {
            consider(rank, t);
        }
    }
    let title = title
        .map(|(_, t)| crate::sanitize::one_line(&t))
        .or_else(|| meta.first_prompt.clone())
        .unwrap_or_else(|| "(untitled)".to_string());

    let started = agg.first.or(ms(meta.started_at));
    let updated = agg.last.max(ms(meta.updated_at)).or(started);
    let project = meta
        .cwd
        .as_deref()
        .and_then(crate::model::Session::project_of);
    let id = if meta.id.is_empty() {
        uid.to_string()
    } else {
        meta.id.clone()
    };
    tx.prepare_cached(
        "INSERT OR REPLACE INTO sessions(key, agent, id, title, cwd, project, models, git_branch, started_at,
            updated_at, prompts, messages, tool_calls, subagents, input, output, cache_read, cache_write,
            cache_write_1h, reasoning, tokens_known, cost, source, parse_errors, first_prompt, status, primary_part,
            rev)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,
                 ?22, ?23, ?24, ?25, ?26, ?27, (SELECT value FROM meta WHERE key = 'rev'))",
    )?
    .execute(params![
        key,
        agent_str,
        id,
        title,
        meta.cwd,
        project,
        serde_json::to_string(&models).unwrap_or_else(|_| "[]".into()),
        meta.git_branch,
        started,
        updated,
        agg.prompts,
        agg.messages,
        agg.tool_calls,
        agg.subagents,
        agg.usage.input as i64,
        agg.usage.output as i64,
        agg.usage.cache_read as i64,
        agg.usage.cache_write as i64,
        agg.usage.cache_write_1h as i64,
        agg.usage.reasoning as i64,
        !meta.no_token_usage,
        agg.cost,
        winner.store_path,
        parse_errors,
        meta.first_prompt,
        meta.status,
        winner.id
    ])?;
    Ok(before != Some(winner.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Env};
    use crate::sources::{StoreKind, store_for};

    /// A pass over some stores or roots looks their rows up through an index, whichever of
    /// the two it has: never a scan of every store.
    #[test]
    fn some_stores_are_looked_up_not_scanned() {
        let conn = Connection::open_in_memory().unwrap();
        super::super::schema::create(&conn).unwrap();
        let set = |n: usize, p: &str| -> HashSet<PathBuf> {
            (0..n).map(|i| PathBuf::from(format!("/{p}/{i}"))).collect()
        };
        let scope = |r, d| Scope::Some {
            roots: set(r, "root"),
            direct: set(d, "store"),
        };
        assert!(stores_query(&scope(0, 0)).is_none());
        for (r, d) in [(0, 1), (0, 3), (1, 0), (2, 0), (1, 1), (2, 5)] {
            let (sql, args) = stores_query(&scope(r, d)).unwrap();
            assert_eq!(args.len(), r + d);
            let plan: Vec<String> = conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map(rusqlite::params_from_iter(args.iter()), |row| row.get(3))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            assert!(
                plan.iter().all(|step: &String| !step.starts_with("SCAN")),
                "{r} roots, {d} stores: {plan:?}"
            );
        }
        // every store: one scan, on purpose
        let (sql, args) = stores_query(&Scope::All).unwrap();
        assert!(!sql.contains("WHERE") && args.is_empty());
    }

    /// The messages a job sends, by kind: (begins, chunks, done, failed).
    fn run(job: &Job, reg: &Registry) -> (usize, usize, usize, Vec<String>) {
        let (tx, rx) = crossbeam_channel::unbounded();
        run_job(job, reg, &tx);
        drop(tx);
        let (mut b, mut c, mut d, mut f) = (0, 0, 0, Vec::new());
        for out in rx.iter() {
            match out {
                Out::Begin { .. } => b += 1,
                Out::Chunk { .. } => c += 1,
                Out::Done { .. } => d += 1,
                Out::Failed { error, .. } => f.push(error),
            }
        }
        (b, c, d, f)
    }

    #[test]
    fn a_store_that_cannot_be_read_drops_nothing_it_gave_before() {
        let dir = tempfile::tempdir().unwrap();
        let reg = Registry::new(Env::with_home(dir.path(), &[]), Config::default());
        let path = dir
            .path()
            .join("11111111-1111-4111-8111-111111111111.jsonl");
        let job = Job {
            idx: 0,
            store: store_for(Agent::Claude, &path, StoreKind::Jsonl),
            prev: None,
            stat: (100, 1),
        };
        // gone (or unreadable): it fails, and no Begin clears what the index holds
        let (begins, chunks, done, failed) = run(&job, &reg);
        assert_eq!((begins, chunks, done, failed.len()), (0, 0, 0, 1));
        // it opens but cannot be read (a folder where the file was)
        std::fs::create_dir(&path).unwrap();
        let (begins, chunks, done, failed) = run(&job, &reg);
        assert_eq!(
            (begins, chunks, done, failed.len()),
            (0, 0, 0, 1),
            "{failed:?}"
        );
        // readable: Begin first, then its lines
        std::fs::remove_dir(&path).unwrap();
        std::fs::write(&path, "{\"type\":\"mystery\"}\n").unwrap();
        let (begins, chunks, done, failed) = run(&job, &reg);
        assert_eq!((begins, done, failed.len()), (1, 1, 0));
        assert!(chunks >= 1);
    }

    #[cfg(unix)]
    #[test]
    fn paths_that_are_not_utf8_are_reported_not_indexed() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let store = |name: &[u8]| {
            store_for(
                Agent::Claude,
                &dir.path().join(std::ffi::OsStr::from_bytes(name)),
                StoreKind::Jsonl,
            )
        };
        let mut scan = ScanOut {
            stores: vec![
                store(b"ok.jsonl"),
                store(b"caf\xe9.jsonl"),
                store(b"caf\xe8.jsonl"),
            ],
            problems: vec![ScanProblem {
                path: dir.path().join(std::ffi::OsStr::from_bytes(b"d\xff")),
                reason: "Permission denied".into(),
            }],
        };
        name_paths_in_text(&mut scan);
        assert_eq!(scan.stores, vec![store(b"ok.jsonl")]);
        assert_eq!(scan.problems.len(), 3);
        assert!(scan.problems.iter().all(|p| p.path.to_str().is_some()));
        assert!(scan.problems[1].reason.contains("UTF-8"));
        // and every problem serialises (doctor --json)
        serde_json::to_string(&scan.problems).unwrap();
    }

    #[test]
    fn token_counts_beyond_any_request_neither_overflow_nor_stop_the_refresh() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let sid = "11111111-1111-4111-8111-111111111111";
        let line = |n: u32, usage: &str| {
            format!(
                r#"{{"type":"assistant","sessionId":"{sid}","uuid":"a{n}","timestamp":"2026-11-20T10:00:0{n}Z","message":{{"id":"m{n}","role":"assistant","model":"claude-sonnet-4-5","content":[{{"type":"text","text":"x"}}],"usage":{usage}}}}}"#
            )
        };
        let text = [
            line(
                1,
                r#"{"input_tokens":9000000000000000000,"output_tokens":1e30}"#,
            ),
            line(
                2,
                r#"{"input_tokens":9000000000000000000,"output_tokens":-3}"#,
            ),
            line(
                3,
                r#"{"input_tokens":18446744073709551616,"output_tokens":5}"#,
            ),
        ]
        .join("\n");
        let file = home
            .join(".claude/projects/-p")
            .join(format!("{sid}.jsonl"));
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, text + "\n").unwrap();
        let reg = Registry::new(Env::with_home(&home, &[]), Config::default());
        let index = dir.path().join("index.sqlite");
        let mut w = Writer::open(&index).unwrap();
        let report = w.refresh(&reg, &mut |_| {}).unwrap();
        assert_eq!((report.sessions, report.errors), (1, 0));
        let r = super::super::query::Reader::open(&index).unwrap();
        let s = r.list(&Default::default()).unwrap().remove(0);
        let cap = TokenUsage::MAX_COUNT;
        assert_eq!((s.tokens.input, s.tokens.output), (3 * cap, cap + 5));
        // what costs are computed from holds them too
        let input: u64 = r
            .usage_rows(&|_| true)
            .unwrap()
            .iter()
            .map(|u| u.tokens.input)
            .sum();
        assert_eq!(input, 3 * cap);
    }
}
