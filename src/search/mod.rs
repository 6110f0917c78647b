//! Finding sessions: the query grammar, the fuzzy list (behind `Matcher`), and full-text
//! search over the FTS5 index.

pub mod fts;
pub mod list;
pub mod matcher;
pub mod query;

pub use matcher::Matcher;
