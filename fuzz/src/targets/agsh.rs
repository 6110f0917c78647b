//! agsh's SQLite database, built from the fuzz input as a SQL script (sessions and messages
//! rows: text, JSON block lists, context preambles) and read read-only as the index does.

use super::{database, store, whole};
use revisit::model::Agent;
use revisit::sources::StoreKind;
use revisit::sources::agsh::AgshSource;

pub fn run(data: &[u8]) {
    let Some(path) = database("agsh/sessions.db", data) else {
        return;
    };
    whole(&AgshSource, &store(Agent::Agsh, &path, StoreKind::Sqlite));
}
