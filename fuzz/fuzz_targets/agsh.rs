//! agsh's SQLite database, built from the fuzz input as a SQL script (sessions and messages
//! rows: text, JSON block lists, context preambles) and read read-only as the index does.
//!
//! The body is `revisit_fuzz::agsh::run`, which `tests/fuzz_seeds.rs` also runs on every
//! seed in `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| revisit_fuzz::agsh::run(data));
