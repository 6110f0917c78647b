//! agsh's SQLite database, built from the fuzz input as a SQL script (sessions and messages
//! rows: text, JSON block lists, context preambles) and read read-only as the index does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use revisit::model::Agent;
use revisit::sources::StoreKind;
use revisit::sources::agsh::AgshSource;
use revisit_fuzz::{database, store, whole};

fuzz_target!(|data: &[u8]| {
    let Some(path) = database("agsh/sessions.db", data) else {
        return;
    };
    whole(&AgshSource, &store(Agent::Agsh, &path, StoreKind::Sqlite));
});
