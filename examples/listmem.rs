//! What the browser's session list holds in memory, step by step, on an indexed corpus:
//!
//!     cargo run --release --example listmem -- --home /tmp/c100k/home --index /tmp/i.sqlite
//!
//! Counts live heap bytes (a counting allocator) after each step the browser takes before the
//! list is on screen: the sessions read from the index, their read-time decorations (agent
//! status, retention date; resume commands are built on demand), the fuzzy haystacks and the
//! rows of the unfiltered list. The index is brought up to date first (a cold index of a
//! large corpus takes a while).

use clap::Parser;
use revisit::config::{Config, Env};
use revisit::index::query::Reader;
use revisit::index::writer::Writer;
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
    #[arg(long)]
    home: PathBuf,
    #[arg(long)]
    index: PathBuf,
}

fn mb(b: isize) -> String {
    format!("{:.1} MB", b as f64 / 1e6)
}

fn main() {
    let a = Args::parse();
    let reg = Registry::new(Env::with_home(&a.home, &[]), Config::default());
    Writer::open(&a.index)
        .unwrap()
        .refresh(&reg, &mut |_| {})
        .unwrap();
    let reader = Reader::open(&a.index).unwrap();
    let base = LIVE.load(Ordering::Relaxed);
    let mut last = base;
    let mut step = |what: &str, n: usize| {
        let now = LIVE.load(Ordering::Relaxed);
        println!(
            "{what:<34} +{:>9}  ({:>5} B a session)",
            mb(now - last),
            (now - last) / n.max(1) as isize
        );
        last = now;
    };
    let list = reader.list(&Default::default()).unwrap();
    let n = list.len();
    step("sessions from the index", n);
    let sessions: Vec<_> = list.into_iter().map(|s| reg.decorated(s)).collect();
    step("read-time decorations", n);
    let hay = Haystacks::build(&sessions);
    step("haystacks", n);
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
    step("rows of the unfiltered list", n);
    println!(
        "{n} sessions, {} rows: {} live in all",
        rows.len(),
        mb(LIVE.load(Ordering::Relaxed) - base)
    );
}
