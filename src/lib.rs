//! revisit: browse, search, read and resume the sessions AI coding agents leave on disk.

pub mod app;
pub mod child;
pub mod cli;
pub mod config;
pub mod cost;
pub mod demo;
pub mod export;
pub mod index;
pub mod keep;
pub mod memory;
pub mod model;
pub mod packed;
pub mod pricing;
pub mod redact;
pub mod render;
pub mod resume;
pub mod retention;
pub mod sanitize;
pub mod search;
pub mod sources;
pub mod stats;
pub mod text;
pub mod tui;
pub mod ui;
pub mod watch;

/// Threads to split CPU-bound work over: the cores, at most 4 (past that nothing here scales).
pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(4)
}

/// `f` over `0..n` cut into one range per core, on scoped threads, the results in order; on
/// the calling thread alone (one range) when `n` is under `min`. A part whose thread panicked
/// gives `R::default()`.
pub fn on_cores<R: Send + Default>(
    n: usize,
    min: usize,
    f: impl Fn(std::ops::Range<usize>) -> R + Sync,
) -> Vec<R> {
    let threads = cores();
    if threads < 2 || n < min {
        return vec![f(0..n)];
    }
    let per = n.div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .step_by(per)
            .map(|a| scope.spawn(move || f(a..(a + per).min(n))))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    })
}
