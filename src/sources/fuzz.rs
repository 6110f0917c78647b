//! Entry points for the fuzz targets in `fuzz/` (not part of the API): what a store's bytes go
//! through when they cannot be handed over as a file. Each one drives the code the index uses,
//! nothing parallel to it.

use super::Sink;
use serde_json::Value;
use std::collections::HashSet;

/// A profclaw API answer, as `ApiParser` reads it: the body decoded as JSON, then read as a
/// page of the conversation list and as one conversation (`GET /api/chat/conversations/<id>`).
/// What the list page yields is returned (id and signature per conversation).
pub fn profclaw_api(body: &[u8], sink: &mut Sink) -> Vec<(String, u64)> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Vec::new(); // the client turns this into an error
    };
    let mut listed = Vec::new();
    let _ = super::profclaw::list_page(&v, &mut HashSet::new(), &mut listed);
    let id = v
        .get("conversation")
        .and_then(|c| c.get("id"))
        .and_then(Value::as_str)
        .unwrap_or("conversation");
    super::profclaw::emit_answer(0, id, &v, sink);
    listed
}
