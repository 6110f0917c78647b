//! profclaw's HTTP API: the fuzz input is an answer body, read as a page of the conversation
//! list and as one conversation (`{conversation, messages}`), as the API parser does.
//!
//! The body is `revisit_fuzz::profclaw::run`, which `tests/fuzz_seeds.rs` also runs on every
//! seed in `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| revisit_fuzz::profclaw::run(data));
