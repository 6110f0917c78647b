//! Claude Code: a session file and a subagent file (both layouts), fed line by line through
//! the index's feeder, at once and in two appends.
//!
//! The body is `revisit_fuzz::claude::run`, which `tests/fuzz_seeds.rs` also runs on every
//! seed in `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| revisit_fuzz::claude::run(data));
