//! Pi: a session file (a tree of entries), read whole as the index does, then every branch
//! notice of the active branch cycled through as `b` does in the transcript.
//!
//! The body is `revisit_fuzz::pi::run`, which `tests/fuzz_seeds.rs` also runs on every
//! seed in `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| revisit_fuzz::pi::run(data));
