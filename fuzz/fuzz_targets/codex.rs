//! Codex CLI: a rollout file and `session_index.jsonl` (line by line through the index's
//! feeder, at once and in two appends), and the 2025 one-file JSON format.
//!
//! The body is `revisit_fuzz::codex::run`, which `tests/fuzz_seeds.rs` also runs on every
//! seed in `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| revisit_fuzz::codex::run(data));
