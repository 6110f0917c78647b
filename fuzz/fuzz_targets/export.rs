//! Export and redaction: whatever a session holds, every format renders without a panic,
//! redacted or not; the JSON export is JSON; the HTML page runs and fetches nothing (no tag
//! of it is a script, has an event handler, a link or a source: the session's text is all
//! escaped); and redacting twice changes nothing more (a redaction marker is not itself a
//! secret).
//!
//! The body is `revisit_fuzz::export::run`, which `tests/fuzz_seeds.rs` also runs on every
//! seed in `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| revisit_fuzz::export::run(data));
