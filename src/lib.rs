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
