//! OpenCode's SQLite database, built from the fuzz input as a SQL script (session, message and
//! part rows with JSON `data` columns) and read read-only as the index does.

use super::{database, store, whole};
use revisit::model::Agent;
use revisit::sources::StoreKind;
use revisit::sources::opencode::OpencodeSource;

pub fn run(data: &[u8]) {
    let Some(path) = database("opencode/opencode.db", data) else {
        return;
    };
    whole(
        &OpencodeSource,
        &store(Agent::Opencode, &path, StoreKind::Sqlite),
    );
}
