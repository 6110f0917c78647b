//! Full-text search: a typed query is parsed, turned into an FTS5 `MATCH` expression and run
//! against a real index (the fixtures', built once), with and without an agent filter. FTS5
//! must accept every expression (no syntax error reaches the person); snippets' highlight
//! ranges must fall on character boundaries inside the snippet.
//!
//! The body is `revisit_fuzz::fts::run`, which `tests/fuzz_seeds.rs` also runs on every
//! seed in `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| revisit_fuzz::fts::run(data));
