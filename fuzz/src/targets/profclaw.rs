//! profclaw's HTTP API: the fuzz input is an answer body, read as a page of the conversation
//! list and as one conversation (`{conversation, messages}`), as the API parser does.

use super::Model;
use revisit::sources::Sink;

pub fn run(data: &[u8]) {
    let mut sink = Sink::default();
    let listed = revisit::sources::fuzz::profclaw_api(data, &mut sink);
    let ids: std::collections::HashSet<&str> = listed.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids.len(), listed.len(), "a conversation is listed once");
    Model::default().apply(sink);
}
