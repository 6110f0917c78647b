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
