//! What the browser holds in memory, counted with a counting allocator (live heap bytes):
//!
//!     cargo run --release --example memory -- list --home /tmp/c100k/home --index /tmp/i.sqlite
//!     cargo run --release --example memory -- transcript --index /tmp/i.sqlite --key claude:…
//!
//! - `list`: the steps the browser takes before the list is on screen: the sessions read from
//!   the index, their read-time decorations (agent status, retention date; resume commands are
//!   built on demand), the fuzzy haystacks and the rows of the unfiltered list. The index is
//!   brought up to date first (a cold index of a large corpus takes a while).
//! - `transcript`: one session read the way the browser reads it (long outputs cut to their
//!   head), then its units, and what its messages are made of.
//!
//! `scripts/memory.sh` gives the resident size of the real program; this says where it goes.

use clap::{Parser, Subcommand};
use revisit::config::{Config, Env};
use revisit::index::query::Reader;
use revisit::index::writer::Writer;
use revisit::model::Block;
use revisit::search::Matcher;
use revisit::search::list::{Haystacks, ListRequest, SortKey, build_rows};
use revisit::sources::Registry;
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::sync::atomic::{AtomicIsize, Ordering};

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - l.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static A: Counting = Counting;

#[derive(Parser)]
struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Subcommand)]
enum What {
    List {
        #[arg(long)]
        home: PathBuf,
        #[arg(long)]
        index: PathBuf,
    },
    Transcript {
        #[arg(long)]
        index: PathBuf,
        /// The session's key (`agent:id`, as `revisit list --json` gives it).
        #[arg(long)]
        key: String,
    },
}

fn mb(b: usize) -> String {
    format!("{:.1} MB", b as f64 / 1e6)
}

/// Live bytes since the last call.
struct Steps(isize);

impl Steps {
    fn new() -> Steps {
        Steps(LIVE.load(Ordering::Relaxed))
    }
    fn step(&mut self, what: &str, n: usize, each: &str) {
        let now = LIVE.load(Ordering::Relaxed);
        let d = (now - self.0).max(0) as usize;
        println!("{what:<34} +{:>9}  ({:>5} B a {each})", mb(d), d / n.max(1));
        self.0 = now;
    }
}

fn main() {
    match Args::parse().what {
        What::List { home, index } => list(home, index),
        What::Transcript { index, key } => transcript(index, &key),
    }
}

fn list(home: PathBuf, index: PathBuf) {
    let reg = Registry::new(Env::with_home(&home, &[]), Config::default());
    Writer::open(&index)
        .unwrap()
        .refresh(&reg, &mut |_| {})
        .unwrap();
    let reader = Reader::open(&index).unwrap();
    let start = LIVE.load(Ordering::Relaxed);
    let mut steps = Steps::new();
    let list = reader.list(&Default::default()).unwrap();
    let n = list.len();
    steps.step("sessions from the index", n, "session");
    let sessions: Vec<_> = list.into_iter().map(|s| reg.decorated(s)).collect();
    steps.step("read-time decorations", n, "session");
    let hay = Haystacks::build(&sessions);
    steps.step("haystacks", n, "session");
    let rows = build_rows(
        &ListRequest {
            sessions: &sessions,
            hay: &hay,
            query: &Default::default(),
            sort: SortKey::default(),
            group: false,
            now: chrono::Utc::now(),
            candidates: None,
        },
        &Matcher::default(),
        2,
    );
    steps.step("rows of the unfiltered list", n, "session");
    let all = (LIVE.load(Ordering::Relaxed) - start).max(0) as usize;
    println!("{n} sessions, {} rows: {} in all", rows.len(), mb(all));
}

fn transcript(index: PathBuf, key: &str) {
    let mut r = Reader::open(&index).unwrap();
    // as the browser reads it
    r.elide_over(64 * 1024);
    let mut steps = Steps::new();
    let t = std::time::Instant::now();
    let (msgs, _) = r.messages_loaded(key).unwrap();
    let read = t.elapsed();
    steps.step("messages, packed", msgs.len(), "message");
    let t = std::time::Instant::now();
    let units = revisit::app::transcript::units::build(&msgs);
    let built = t.elapsed();
    steps.step("units", units.len(), "unit");
    println!("  (read and packed in {read:.0?}, units built in {built:.0?})");
    println!(
        "  (a unit is {} B)",
        std::mem::size_of::<revisit::app::transcript::units::Unit>()
    );
    // what the same messages take decoded (what the transcript held before it packed them)
    let before = LIVE.load(Ordering::Relaxed);
    let all = msgs.to_vec();
    let decoded = (LIVE.load(Ordering::Relaxed) - before).max(0) as usize;
    let (mut text, mut blocks) = (0, 0);
    for m in &all {
        blocks += m.blocks.capacity() * std::mem::size_of::<Block>();
        for b in &m.blocks {
            if let Block::Text { text: t } | Block::Thinking { text: t, .. } = b {
                text += t.capacity();
            }
            if let Block::ToolResult { output, .. } = b {
                text += output.capacity();
            }
        }
    }
    drop(all);
    println!(
        "the same messages decoded: {} (text {}, blocks {}); packed {}",
        mb(decoded),
        mb(text),
        mb(blocks),
        mb(msgs.packed_bytes())
    );
}
