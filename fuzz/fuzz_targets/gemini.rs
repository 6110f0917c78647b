//! Gemini CLI: a session file and a subagent file (line by line through the index's feeder,
//! at once and in two appends), and the JSON `ConversationRecord` of versions up to 0.38.
//!
//! The body is `revisit_fuzz::gemini::run`, which `tests/fuzz_seeds.rs` also runs on every
//! seed in `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| revisit_fuzz::gemini::run(data));
