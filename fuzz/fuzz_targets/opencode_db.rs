//! OpenCode's SQLite database, built from the fuzz input as a SQL script (session, message and
//! part rows with JSON `data` columns) and read read-only as the index does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use revisit::model::Agent;
use revisit::sources::StoreKind;
use revisit::sources::opencode::OpencodeSource;
use revisit_fuzz::{database, store, whole};

fuzz_target!(|data: &[u8]| {
    let Some(path) = database("opencode/opencode.db", data) else {
        return;
    };
    whole(
        &OpencodeSource,
        &store(Agent::Opencode, &path, StoreKind::Sqlite),
    );
});
