//! Benchmarks, run with `cargo run --release --example bench -- <what>`:
//!
//! - `filter --sessions 10000`: keystroke → filtered list, typing queries one character at a
//!   time the way the TUI's filter worker does (narrowing, parallel scoring); p50 and p99.
//! - `index --home DIR --index FILE`: a cold index of a corpus (see `gen_corpus`): MB/s,
//!   messages/s, index size against corpus size.
//! - `fts --index FILE`: full-text queries (words, phrases, prefixes, identifiers, CJK, filters)
//!   as the TUI runs them; p50 and p95.

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

fn main() {
    match Args::parse().what {
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
