//! OpenCode's SQLite database, built from the fuzz input as a SQL script (session, message and
//! part rows with JSON `data` columns) and read read-only as the index does.
//!
//! The body is `revisit_fuzz::opencode_db::run`, which `tests/fuzz_seeds.rs` also runs on every
//! seed in `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| revisit_fuzz::opencode_db::run(data));
