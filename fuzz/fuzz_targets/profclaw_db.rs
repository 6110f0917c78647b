//! profclaw's SQLite database, built from the fuzz input as a SQL script (conversations,
//! conversation_messages with `tool_calls` JSON text, agent_sessions) and read read-only as the
//! index does.
//!
//! The body is `revisit_fuzz::profclaw_db::run`, which `tests/fuzz_seeds.rs` also runs on every
//! seed in `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| revisit_fuzz::profclaw_db::run(data));
