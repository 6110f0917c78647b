//! Benchmarks, run with `cargo run --release --example bench -- <what>`:
//!
//! - `filter --sessions 10000`: keystroke → filtered list, typing queries one character at a
//!   time the way the TUI's filter worker does (narrowing, parallel scoring); p50 and p99.
//! - `index --home DIR --index FILE`: a cold index of a corpus (see `gen_corpus`): MB/s,
//!   messages/s, index size against corpus size.
//! - `fts --index FILE`: full-text queries (words, phrases, prefixes, identifiers, CJK, filters)
//!   as the TUI runs them; p50 and p95.
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
    Fts {
        #[arg(long)]
        index: PathBuf,
        #[arg(long, default_value_t = 20)]
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
            n = revisit::search::fts::search_sessions(&reader, &query, now, 200)
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
    let messages = reader.messages(&key).expect("messages");
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

fn tempfile_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("revisit-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn main() {
    match Args::parse().what {
        What::Transcript { mb, width, rows } => transcript(mb, width, rows),
        What::Filter { sessions, rounds } => filter(sessions, rounds),
        What::Index { home, index: i } => index(home, i),
        What::Fts { index: i, rounds } => fts(i, rounds),
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
