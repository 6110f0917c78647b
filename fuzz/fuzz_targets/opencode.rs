//! OpenCode's JSON tree (`storage/session|message|part/…`), laid out from the fuzz input (see
//! `revisit_fuzz::opencode_tree` for the record format) and read as the index does.
//!
//! The body is `revisit_fuzz::opencode::run`, which `tests/fuzz_seeds.rs` also runs on every
//! seed in `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| revisit_fuzz::opencode::run(data));
