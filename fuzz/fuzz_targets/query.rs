//! The query language of the list filter: the input is a query, then (after a newline) the
//! title of one more session. Filters are applied to every session of the fixtures' index,
//! the list is built (sorted, grouped), and a query that grew from its first half must, when
//! `narrows` says so, give the same sessions from the earlier result as from the whole list.
//!
//! The body is `revisit_fuzz::query::run`, which `tests/fuzz_seeds.rs` also runs on every
//! seed in `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| revisit_fuzz::query::run(data));
