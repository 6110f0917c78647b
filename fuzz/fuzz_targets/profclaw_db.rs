//! profclaw's SQLite database, built from the fuzz input as a SQL script (conversations,
//! conversation_messages with `tool_calls` JSON text, agent_sessions) and read read-only as the
//! index does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use revisit::model::Agent;
use revisit::sources::StoreKind;
use revisit::sources::profclaw::ProfclawSource;
use revisit_fuzz::{database, store, whole};

fuzz_target!(|data: &[u8]| {
    let Some(path) = database("profclaw/profclaw.db", data) else {
        return;
    };
    whole(
        &ProfclawSource::default(),
        &store(Agent::Profclaw, &path, StoreKind::Sqlite),
    );
});
