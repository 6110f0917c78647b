//! The sanitiser: whatever a session holds, what reaches the terminal has no escape sequence,
//! no control character but the newline (none at all on one line), no C1 control and no bidi
//! override; and sanitised text is left as it is.
//!
//! The body is `revisit_fuzz::sanitize::run`, which `tests/fuzz_seeds.rs` also runs on every
//! seed in `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| revisit_fuzz::sanitize::run(data));
