//! Finding sessions: the full-text side (FTS5) for now; the fuzzy list matcher joins it.

pub mod fts;
