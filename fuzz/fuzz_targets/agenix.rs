//! Agenix: a project's `.agenix/<id>.jsonl` (line by line through the index's feeder, at once
//! and in two appends) and the documented `sessions/<dir>/<id>.json`.
//!
//! The body is `revisit_fuzz::agenix::run`, which `tests/fuzz_seeds.rs` also runs on every
//! seed in `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| revisit_fuzz::agenix::run(data));
