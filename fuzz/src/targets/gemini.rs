//! Gemini CLI: a session file and a subagent file (line by line through the index's feeder,
//! at once and in two appends), and the JSON `ConversationRecord` of versions up to 0.38.

use super::{lines, store, whole, write};
use revisit::model::Agent;
use revisit::sources::StoreKind;
use revisit::sources::gemini::GeminiSource;

pub fn run(data: &[u8]) {
    let src = GeminiSource::default();
    lines(
        &src,
        "gemini/tmp/webapp/chats/session-2026-11-20T10-00-1111aaaa.jsonl",
        data,
    );
    lines(
        &src,
        "gemini/tmp/webapp/chats/1111aaaa-0000-4000-8000-000000000001/2222bbbb-0000-4000-8000-000000000002.jsonl",
        data,
    );
    let path = write(
        "gemini/tmp/webapp/chats/session-2025-06-01T08-00-4444dddd.json",
        data,
    );
    whole(&src, &store(Agent::Gemini, &path, StoreKind::Json));
}
