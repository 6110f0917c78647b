//! profclaw's SQLite database, built from the fuzz input as a SQL script (conversations,
//! conversation_messages with `tool_calls` JSON text, agent_sessions) and read read-only as the
//! index does.

use super::{database, store, whole};
use revisit::model::Agent;
use revisit::sources::StoreKind;
use revisit::sources::profclaw::ProfclawSource;

pub fn run(data: &[u8]) {
    let Some(path) = database("profclaw/profclaw.db", data) else {
        return;
    };
    whole(
        &ProfclawSource::default(),
        &store(Agent::Profclaw, &path, StoreKind::Sqlite),
    );
}
