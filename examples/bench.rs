//! Benchmarks, run with `cargo run --release --example bench -- <what>`:
//!
//! - `filter --sessions 10000`: keystroke → filtered list, typing queries one character at a
//!   time the way the TUI's filter worker does (narrowing, parallel scoring); p50 and p99.
//! - `index --home DIR --index FILE`: a cold index of a corpus (see `gen_corpus`): MB/s,
//!   messages/s, index size against corpus size.
//! - `fts --index FILE`: full-text queries (words, phrases, prefixes, identifiers, CJK, filters)
//!   as the TUI runs them; p50 and p95.
//! - `live --home DIR --index FILE`: the browser's indexer and file watcher on a corpus (made
//!   with `gen_corpus --big-mb 500`): an index already up to date, then lines appended to the
//!   largest session; the time from the write to the list and the open transcript having it.
//! - `startup --home DIR --index FILE`: a warm start: from opening the index to the first
//!   frame showing the list.
//! - `floor --home DIR --index FILE`: what any cold index of that corpus must at least do,
//!   in CPU seconds per 100 MB: read every line and check it is JSON (serde_json, values
//!   skipped), and put every message's text into an FTS5 index like revisit's (texts taken
//!   from an index of the corpus; only the inserts are timed). 400 MB/s on two cores leaves
//!   0.5 CPU seconds per 100 MB for everything.
//! - `transcript --mb 100`: one Claude Code session of that size, indexed, then opened the way
//!   the browser opens it: time to first screen (messages read from the index, units built,
//!   the first screen rendered), then paging through it and jumping to the end.

#[path = "corpus/mod.rs"]
mod corpus;

use clap::{Parser, Subcommand};
use revisit::config::{Config, Env};
use revisit::index::query::Reader;
use revisit::index::writer::Writer;
use revisit::search::Matcher;
use revisit::search::list::{Haystacks, ListRequest, Row, SortKey, build_rows, narrows};
use revisit::search::query::parse;
use revisit::sources::Registry;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Subcommand)]
enum What {
    Filter {
        #[arg(long, default_value_t = 10_000)]
        sessions: usize,
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
    Index {
        #[arg(long)]
        home: PathBuf,
        #[arg(long)]
        index: PathBuf,
    },
    Floor {
        #[arg(long)]
        home: PathBuf,
        #[arg(long)]
        index: PathBuf,
    },
    Fts {
        #[arg(long)]
        index: PathBuf,
        #[arg(long, default_value_t = 20)]
        rounds: usize,
    },
    Live {
        #[arg(long)]
        home: PathBuf,
        #[arg(long)]
        index: PathBuf,
        #[arg(long, default_value_t = 20)]
        appends: usize,
        /// The browser follows the index another revisit writes (polled every 500 ms).
        #[arg(long)]
        follow: bool,
    },
    Startup {
        #[arg(long)]
        home: PathBuf,
        #[arg(long)]
        index: PathBuf,
        #[arg(long, default_value_t = 10)]
        rounds: usize,
    },
    Transcript {
        #[arg(long, default_value_t = 100)]
        mb: u64,
        #[arg(long, default_value_t = 120)]
        width: u16,
        #[arg(long, default_value_t = 40)]
        rows: usize,
    },
    /// Time raw SQL statements against an index (for investigating query plans).
    Sql {
        #[arg(long)]
        index: PathBuf,
        statements: Vec<String>,
    },
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    if v.is_empty() {
        return Duration::ZERO;
    }
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

const QUERIES: &[&str] = &[
    "auth bug",
    "payment webhook",
    "fix login",
    "cart total agent:codex",
    "csv export",
    "E0502",
    "parse_config",
    "dark mode since:30d",
    "refactor api",
    "retry logic project:billing",
];

fn filter(n: usize, rounds: usize) {
    let sessions = corpus::sessions(n, 7);
    let t = Instant::now();
    let hay = Haystacks::build(&sessions);
    println!("{n} sessions; haystacks built in {}", ms(t.elapsed()));
    let m = Matcher::default();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(4);
    let now = chrono::Utc::now();
    let tz = chrono::FixedOffset::east_opt(0).unwrap();
    let mut all = Vec::new();
    let mut first = Vec::new();
    for _ in 0..rounds {
        for q in QUERIES {
            let mut prev: Option<(revisit::search::query::Query, Vec<usize>)> = None;
            for end in 1..=q.len() {
                if !q.is_char_boundary(end) {
                    continue;
                }
                let query = parse(&q[..end], now, tz);
                let cands = prev
                    .as_ref()
                    .filter(|(pq, _)| narrows(pq, &query))
                    .map(|(_, c)| c.clone());
                let t = Instant::now();
                let rows = build_rows(
                    &ListRequest {
                        sessions: &sessions,
                        hay: &hay,
                        query: &query,
                        sort: SortKey::Relevance,
                        group: false,
                        now,
                        candidates: cands.as_deref(),
                    },
                    &m,
                    threads,
                );
                let d = t.elapsed();
                if end == 1 {
                    first.push(d);
                }
                all.push(d);
                let mut matched: Vec<usize> = rows.iter().filter_map(Row::session).collect();
                matched.sort_unstable();
                prev = Some((query, matched));
            }
        }
    }
    let (p50, p99, max) = (pct(&mut all, 0.5), pct(&mut all, 0.99), pct(&mut all, 1.0));
    println!(
        "keystroke → filtered list over {} keystrokes ({threads} threads): p50 {}, p99 {}, max {}; first keystroke (no narrowing) p50 {}",
        all.len(),
        ms(p50),
        ms(p99),
        ms(max),
        ms(pct(&mut first, 0.5))
    );
}

fn dir_size(p: &std::path::Path) -> u64 {
    let mut total = 0;
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd.flatten() {
            let path = e.path();
            if path.is_dir() {
                total += dir_size(&path);
            } else if let Ok(md) = e.metadata() {
                total += md.len();
            }
        }
    }
    total
}

fn index(home: PathBuf, index: PathBuf) {
    for s in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{s}", index.display()));
    }
    let corpus = dir_size(&home);
    let reg = Registry::new(Env::with_home(&home, &[]), Config::default());
    let mut w = Writer::open(&index).expect("index");
    let t = Instant::now();
    let r = w.refresh(&reg, &mut |_| {}).expect("refresh");
    let secs = t.elapsed().as_secs_f64();
    drop(w);
    let conn = rusqlite::Connection::open(&index).unwrap();
    let messages: i64 = conn
        .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
        .unwrap();
    let _ = conn.pragma_update(None, "wal_checkpoint", "TRUNCATE");
    drop(conn);
    let size: u64 = ["", "-wal", "-shm"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", index.display())).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "cold index: {} files, {} sessions, {:.0} MB in {:.1} s = {:.0} MB/s, {:.0} messages/s; index {:.0} MB = {:.0} % of the corpus ({:.0} MB)",
        r.files_parsed,
        r.sessions,
        r.bytes_parsed as f64 / 1e6,
        secs,
        r.bytes_parsed as f64 / 1e6 / secs,
        messages as f64 / secs,
        size as f64 / 1e6,
        size as f64 * 100.0 / corpus.max(1) as f64,
        corpus as f64 / 1e6
    );
}

/// CPU time of the calling thread.
fn thread_cpu() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

fn floor(home: PathBuf, index: PathBuf) {
    fn files(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                files(&p, out);
            } else if p.extension().is_some_and(|x| x == "jsonl") {
                out.push(p);
            }
        }
    }
    let mut paths = Vec::new();
    files(&home, &mut paths);
    // 1. every line read and checked as JSON
    let (mut bytes, mut lines, mut json) = (0u64, 0u64, Duration::ZERO);
    for p in &paths {
        let t = thread_cpu();
        let data = std::fs::read(p).unwrap_or_default();
        for line in data.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let _ = serde_json::from_slice::<serde::de::IgnoredAny>(line);
            lines += 1;
        }
        json += thread_cpu() - t;
        bytes += data.len() as u64;
    }
    let per100 = |d: Duration| d.as_secs_f64() * 100e6 / bytes as f64;
    println!(
        "read and check as JSON: {} files, {} lines, {:.0} MB: {:.2} CPU s = {:.3} CPU s per 100 MB",
        paths.len(),
        lines,
        bytes as f64 / 1e6,
        json.as_secs_f64(),
        per100(json)
    );
    // 2. every message's text into FTS5
    let src =
        rusqlite::Connection::open_with_flags(&index, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let dir = tempfile_dir();
    let fts_path = dir.join("floor-fts.sqlite");
    let _ = std::fs::remove_file(&fts_path);
    let dst = rusqlite::Connection::open(&fts_path).unwrap();
    dst.execute_batch(
        "PRAGMA journal_mode = off; PRAGMA synchronous = off;
         CREATE VIRTUAL TABLE f USING fts5(text, meta, content = '', contentless_delete = 1,
                                           tokenize = 'unicode61 remove_diacritics 2');",
    )
    .unwrap();
    let mut stmt = src
        .prepare("SELECT b.id, b.body, p.session_key FROM bodies b JOIN messages m ON m.id = b.id JOIN parts p ON p.id = m.part_id")
        .unwrap();
    let mut rows = stmt.query([]).unwrap();
    let (mut messages, mut text_bytes, mut fts) = (0u64, 0u64, Duration::ZERO);
    let mut batch: Vec<(i64, String, String)> = Vec::with_capacity(20_000);
    let mut flush = |batch: &mut Vec<(i64, String, String)>| {
        let t = thread_cpu();
        dst.execute_batch("BEGIN").unwrap();
        {
            let mut ins = dst
                .prepare_cached("INSERT INTO f(rowid, text, meta) VALUES (?1, ?2, ?3)")
                .unwrap();
            for (id, text, meta) in batch.iter() {
                ins.execute(rusqlite::params![id, text, meta]).unwrap();
            }
        }
        dst.execute_batch("COMMIT").unwrap();
        fts += thread_cpu() - t;
        batch.clear();
    };
    while let Some(r) = rows.next().unwrap() {
        let id: i64 = r.get(0).unwrap();
        let body: Vec<u8> = r.get(1).unwrap();
        let key: String = r.get(2).unwrap();
        let Some(m) = revisit::index::body::decode(&body) else {
            continue;
        };
        let text = revisit::search::fts::message_text(&m);
        messages += 1;
        if text.is_empty() {
            continue;
        }
        text_bytes += text.len() as u64;
        let agent = key.split(':').next().unwrap_or("").to_string();
        batch.push((id, text, agent));
        if batch.len() == 20_000 {
            flush(&mut batch);
        }
    }
    flush(&mut batch);
    drop(dst);
    let _ = std::fs::remove_file(&fts_path);
    println!(
        "index the words: {} messages, {:.0} MB of text: {:.2} CPU s = {:.3} CPU s per 100 MB of the corpus",
        messages,
        text_bytes as f64 / 1e6,
        fts.as_secs_f64(),
        per100(fts)
    );
    let both = per100(json + fts);
    println!(
        "together {:.3} CPU s per 100 MB: at most {:.0} MB/s on two cores doing nothing else (400 MB/s allows 0.5)",
        both,
        200.0 / both
    );
}

const FTS: &[&str] = &[
    "error",
    "connection refused",
    "\"database pool\"",
    "migr*",
    "ERR_CONN_REFUSED",
    "parse_config_file",
    "src/auth/login.rs",
    "你好世界",
    "timeout agent:codex",
    "retry since:90d",
];

fn fts(index: PathBuf, rounds: usize) {
    let reader = Reader::open(&index).expect("reader");
    let now = chrono::Utc::now();
    let tz = chrono::FixedOffset::east_opt(0).unwrap();
    let mut all = Vec::new();
    for q in FTS {
        let query = parse(q, now, tz);
        let mut times = Vec::new();
        let mut n = 0;
        for _ in 0..rounds {
            let t = Instant::now();
            n = revisit::search::fts::search_sessions(&reader, &query, now, 200, &|s| s)
                .unwrap()
                .len();
            times.push(t.elapsed());
        }
        println!(
            "  {q:<24} {n:>4} sessions  p50 {}",
            ms(pct(&mut times.clone(), 0.5))
        );
        all.extend(times);
    }
    println!(
        "full-text over {} queries: p50 {}, p95 {}, max {}",
        all.len(),
        ms(pct(&mut all, 0.5)),
        ms(pct(&mut all, 0.95)),
        ms(pct(&mut all, 1.0))
    );
}

/// CPU seconds this process has used, all threads (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let f: Vec<&str> = s.rsplit_once(')')?.1.split_whitespace().collect();
            let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0) // USER_HZ: 100 on Linux
        })
        .unwrap_or(0.0)
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn transcript(mb: u64, width: u16, rows: usize) {
    use revisit::app::transcript::{TranscriptState, units};
    use std::sync::Arc;
    let dir = tempfile_dir();
    let (home, w) = corpus::large_claude(&dir, mb * 1_000_000, 11).expect("corpus");
    let index = dir.join("index.sqlite");
    let reg = Registry::new(Env::with_home(&home, &[]), Config::default());
    let t = Instant::now();
    Writer::open(&index)
        .expect("index")
        .refresh(&reg, &mut |_| {})
        .expect("refresh");
    println!(
        "one session of {:.0} MB indexed in {:.1} s",
        w.bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let reader = Reader::open(&index).expect("reader");
    let key = reader
        .list(&Default::default())
        .expect("list")
        .remove(0)
        .key;
    // the browser loads the highlighter at startup, before any transcript opens
    revisit::render::Highlighter::shared(revisit::render::SyntaxTheme::Dark);
    let rss0 = rss_mb();
    let t0 = Instant::now();
    let (messages, _) = reader.messages_loaded(&key).expect("messages");
    let t_load = t0.elapsed();
    let t1 = Instant::now();
    let u = units::build(&messages);
    let t_units = t1.elapsed();
    let n_msgs = messages.len();
    let n_units = u.len();
    let t2 = Instant::now();
    let mut ts = TranscriptState::default();
    ts.reset(key.clone(), 1);
    ts.resize(width, rows);
    ts.set_content(Arc::new(messages), Arc::new(u));
    let t_first = t2.elapsed();
    println!(
        "{n_msgs} messages, {n_units} units; time to first screen {} (read from the index {}, units {}, first screen {}); {} units rendered",
        ms(t_load + t_units + t_first),
        ms(t_load),
        ms(t_units),
        ms(t_first),
        ts.cached_units()
    );
    let mut pages = Vec::new();
    for _ in 0..2000 {
        let t = Instant::now();
        ts.scroll(rows as isize);
        pages.push(t.elapsed());
    }
    let t = Instant::now();
    ts.bottom();
    let t_bottom = t.elapsed();
    let t = Instant::now();
    ts.cycle_level();
    ts.cycle_level();
    let t_open = t.elapsed();
    // find: every unit's text searched (a word in some of them, and one in none), as the
    // query worker does it for a transcript this long
    for word in ["error", "no-such-word-anywhere"] {
        let t = Instant::now();
        let hits = revisit::app::transcript::find_hits(&ts.units, &ts.messages, &[word.into()]);
        println!("find '{word}': {} ({} units)", ms(t.elapsed()), hits.len());
    }
    println!(
        "page down x2000: p50 {}, p99 {}, max {}; jump to the end {}; unfold everything on screen {}; {} units rendered in all; RSS {:.0} MB (+{:.0} MB for the open session)",
        ms(pct(&mut pages.clone(), 0.5)),
        ms(pct(&mut pages.clone(), 0.99)),
        ms(pct(&mut pages, 1.0)),
        ms(t_bottom),
        ms(t_open),
        ts.cached_units(),
        rss_mb(),
        rss_mb() - rss0
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn live(home: PathBuf, index: PathBuf, appends: usize, follow: bool) {
    use revisit::app::Msg;
    use std::sync::Arc;
    let reg = Arc::new(Registry::new(Env::with_home(&home, &[]), Config::default()));
    let t = Instant::now();
    let r = Writer::open(&index)
        .expect("index")
        .refresh(&reg, &mut |_| {})
        .expect("refresh");
    println!(
        "index brought up to date in {:.1} s ({} sessions, {:.0} MB parsed)",
        t.elapsed().as_secs_f64(),
        r.sessions,
        r.bytes_parsed as f64 / 1e6
    );
    // the largest session file
    let conn = rusqlite::Connection::open(&index).unwrap();
    let (path, size): (String, i64) = conn
        .query_row(
            "SELECT path, size FROM stores WHERE kind = 'jsonl' ORDER BY size DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let key: String = conn
        .query_row(
            "SELECT p.session_key FROM parts p JOIN stores s ON s.id = p.store_id WHERE s.path = ?1 AND p.is_primary = 1",
            [&path],
            |r| r.get(0),
        )
        .unwrap();
    drop(conn);
    let sid = key.split_once(':').map(|(_, id)| id.to_string()).unwrap();
    println!("appending to {path} ({:.0} MB)", size as f64 / 1e6);
    // the browser as `tui::run` sets it up, without a terminal: its indexer (with the
    // watcher), query and filter workers, and its state, which every message goes through
    use revisit::app::{AppState, Effect, update};
    use revisit::tui::workers::{FilterWorker, Indexer, QueryReq, QueryWorker};
    let (tx, rx) = crossbeam_channel::unbounded::<Msg>();
    let pricer = revisit::cost::pricer(&Config::default(), None).0;
    let query = QueryWorker::spawn(index.clone(), reg.clone(), pricer.clone(), tx.clone());
    let filter = FilterWorker::spawn(tx.clone());
    // following: another revisit (here an indexer whose messages go nowhere) holds the index
    let (elsewhere, _quiet) = crossbeam_channel::unbounded::<Msg>();
    let _indexer = if follow {
        let writer = Indexer::spawn(Writer::open(&index).unwrap(), reg.clone(), elsewhere, true);
        (
            writer,
            Some(Indexer::follow(index.clone(), reg.clone(), tx, true)),
        )
    } else {
        (
            Indexer::spawn(Writer::open(&index).unwrap(), reg.clone(), tx, true),
            None,
        )
    };
    let mut st = AppState::new(chrono::Utc::now(), (140, 40), None);
    st.transcript.pricer = Some(pricer);
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(140, 40)).unwrap();
    let perform = |fx: Vec<Effect>| {
        for e in fx {
            match e {
                Effect::LoadSessions { generation, only } => {
                    query.send(QueryReq::Sessions { generation, only })
                }
                Effect::LoadTranscript { generation, key } => {
                    query.send(QueryReq::Transcript { generation, key })
                }
                Effect::Filter(req) => filter.send(req),
                _ => {}
            }
        }
    };
    // feed messages to the state until `done` holds; true for an index pass that changed `key`
    let pump = |st: &mut AppState, done: &dyn Fn(&AppState) -> bool, on_index: &mut dyn FnMut()| {
        while !done(st) {
            let msg = rx
                .recv_timeout(Duration::from_secs(30))
                .expect("the browser's workers went quiet");
            match &msg {
                Msg::IndexDone { changed, .. } if changed.contains(&key) => on_index(),
                Msg::IndexChangedElsewhere { changed }
                    if changed.as_ref().is_none_or(|c| c.contains(&key)) =>
                {
                    on_index()
                }
                _ => {}
            }
            perform(update(st, msg));
        }
    };
    let first = revisit::app::update::load_sessions(&mut st);
    perform(vec![first]);
    pump(
        &mut st,
        &|st| st.loaded && !st.rows.is_empty() && !st.search.pending,
        &mut || {},
    );
    // the big session, selected: the preview shows its transcript
    let at = st
        .rows
        .iter()
        .position(|r| r.session().is_some_and(|i| st.sessions[i].key == key))
        .expect("the session is listed");
    let (from, k) = if at == 0 { (1, 'k') } else { (at - 1, 'j') };
    st.selected = from;
    let k = crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char(k),
        crossterm::event::KeyModifiers::NONE,
    );
    perform(update(&mut st, Msg::Key(k)));
    pump(
        &mut st,
        &|st| {
            st.transcript.key.as_deref() == Some(key.as_str())
                && !st.transcript.loading
                && !st.transcript.units.is_empty()
        },
        &mut || {},
    );
    let (mut to_index, mut to_screen) = (Vec::new(), Vec::new());
    let cpu0 = cpu_seconds();
    for i in 0..appends {
        std::thread::sleep(Duration::from_millis(300));
        // what came meanwhile (the clock, a pass over files of other sessions)
        while let Ok(m) = rx.try_recv() {
            perform(update(&mut st, m));
        }
        let marker = format!("live-append-marker-{i}");
        let line = format!(
            r#"{{"parentUuid":null,"isSidechain":false,"cwd":"/home/dev/src/big","sessionId":"{sid}","type":"user","uuid":"append-{i}","timestamp":"2026-11-24T12:00:00.000Z","message":{{"role":"user","content":"{marker}"}}}}"#
        );
        let listed = |st: &AppState| st.index_of.get(&key).map(|&i| st.sessions[i].messages);
        let before = listed(&st);
        let t0 = Instant::now();
        {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .unwrap();
            writeln!(f, "{line}").unwrap();
        }
        // the list row shows one more message, the rows are sorted again, and the open
        // transcript ends with the line appended
        let shown = |st: &AppState| {
            listed(st) > before
                && !st.search.pending
                && !st.transcript.loading
                && st
                    .transcript
                    .messages
                    .get(st.transcript.messages.len().saturating_sub(1))
                    .is_some_and(|m| m.plain_text().contains(&marker))
        };
        // the first pass (or, following, the first change seen) that has the session
        pump(&mut st, &shown, &mut || {
            if to_index.len() <= i {
                to_index.push(t0.elapsed())
            }
        });
        term.draw(|f| revisit::ui::render(f, &st)).unwrap();
        to_screen.push(t0.elapsed());
    }
    assert_eq!(to_index.len(), appends, "an index pass per append");
    // the browser's CPU (every thread, and the other revisit's when following) per append,
    // with the 300 ms pauses between them
    let cpu = (cpu_seconds() - cpu0) / appends as f64;
    println!(
        "append → in the index{}: p50 {}, p95 {}, max {}; → on screen (list and transcript): p50 {}, p95 {}, max {} ({appends} appends); CPU per append {:.0} ms",
        if follow {
            " and seen by the follower"
        } else {
            ""
        },
        ms(pct(&mut to_index.clone(), 0.5)),
        ms(pct(&mut to_index.clone(), 0.95)),
        ms(pct(&mut to_index, 1.0)),
        ms(pct(&mut to_screen.clone(), 0.5)),
        ms(pct(&mut to_screen.clone(), 0.95)),
        ms(pct(&mut to_screen, 1.0)),
        cpu * 1000.0,
    );
}

fn startup(home: PathBuf, index: PathBuf, rounds: usize) {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use revisit::app::{AppState, Msg, update};
    let reg = Registry::new(Env::with_home(&home, &[]), Config::default());
    Writer::open(&index)
        .unwrap()
        .refresh(&reg, &mut |_| {})
        .unwrap();
    let mut times = Vec::new();
    let mut n = 0;
    for _ in 0..rounds {
        let t0 = Instant::now();
        // what `tui::run` does before the list is on screen
        let _writer = Writer::open(&index).unwrap();
        let reader = Reader::open(&index).unwrap();
        let sessions: Vec<_> = reader
            .list(&Default::default())
            .unwrap()
            .into_iter()
            .map(|s| reg.with_resume(s))
            .collect();
        n = sessions.len();
        let mut st = AppState::new(chrono::Utc::now(), (140, 40), None);
        let g = st.list_generation;
        let fx = update(
            &mut st,
            Msg::Sessions {
                generation: g,
                sessions,
            },
        );
        for e in fx {
            if let revisit::app::Effect::Filter(revisit::app::action::FilterReq {
                generation,
                sessions,
                query,
                sort,
                group,
                now,
                ..
            }) = e
            {
                let hay = Haystacks::build(&sessions);
                let rows = build_rows(
                    &ListRequest {
                        sessions: &sessions,
                        hay: &hay,
                        query: &query,
                        sort,
                        group,
                        now,
                        candidates: None,
                    },
                    &Matcher::default(),
                    2,
                );
                update(&mut st, Msg::Filtered { generation, rows });
            }
        }
        let mut term = Terminal::new(TestBackend::new(140, 40)).unwrap();
        term.draw(|f| revisit::ui::render(f, &st)).unwrap();
        times.push(t0.elapsed());
    }
    println!(
        "warm start to the first frame with the list ({n} sessions): p50 {}, max {} ({rounds} rounds)",
        ms(pct(&mut times.clone(), 0.5)),
        ms(pct(&mut times, 1.0))
    );
}

fn tempfile_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("revisit-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn main() {
    match Args::parse().what {
        What::Transcript { mb, width, rows } => transcript(mb, width, rows),
        What::Live {
            home,
            index: i,
            appends,
            follow,
        } => live(home, i, appends, follow),
        What::Startup {
            home,
            index: i,
            rounds,
        } => startup(home, i, rounds),
        What::Filter { sessions, rounds } => filter(sessions, rounds),
        What::Index { home, index: i } => index(home, i),
        What::Fts { index: i, rounds } => fts(i, rounds),
        What::Floor { home, index: i } => floor(home, i),
        What::Sql {
            index: i,
            statements,
        } => {
            let c = rusqlite::Connection::open(i).unwrap();
            for st in statements {
                let t = Instant::now();
                let n: i64 = c
                    .query_row(&format!("SELECT count(*) FROM ({st})"), [], |r| r.get(0))
                    .unwrap();
                println!("{n:>8} rows  {}  {st}", ms(t.elapsed()));
            }
        }
    }
}
