//! Codex CLI: a rollout file and `session_index.jsonl` (line by line through the index's
//! feeder, at once and in two appends), and the 2025 one-file JSON format.

use super::{lines, store, whole, write};
use revisit::model::Agent;
use revisit::sources::StoreKind;
use revisit::sources::codex::CodexSource;

pub fn run(data: &[u8]) {
    let src = CodexSource;
    lines(
        &src,
        "codex/sessions/2026/11/20/rollout-2026-11-20T10-00-00-0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee.jsonl",
        data,
    );
    lines(&src, "codex/session_index.jsonl", data);
    let path = write(
        "codex/sessions/rollout-2025-05-01-0196aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee.json",
        data,
    );
    whole(&src, &store(Agent::Codex, &path, StoreKind::Json));
}
