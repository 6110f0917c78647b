//! Pi: a session file (a tree of entries), read whole as the index does, then every branch
//! notice of the active branch cycled through as `b` does in the transcript.

use super::{check_message, store, whole, write};
use revisit::model::Agent;
use revisit::sources::StoreKind;
use revisit::sources::pi::{PiSource, switch_branch};

const FILE_ID: &str = "0199aaaa-1111-7222-8333-444455556666";

pub fn run(data: &[u8]) {
    let path = write(
        &format!("pi/sessions/--home-u-shop--/2026-11-20T09-00-00-000Z_{FILE_ID}.jsonl"),
        data,
    );
    let Some(model) = whole(&PiSource, &store(Agent::Pi, &path, StoreKind::Jsonl)) else {
        return;
    };
    let notices: Vec<String> = model
        .messages()
        .filter_map(|m| m.native_id.clone())
        .filter(|id| id.starts_with("branch@"))
        .collect();
    for at in notices.iter().take(4) {
        let mut leaf: Option<String> = None;
        for _ in 0..4 {
            match switch_branch(data, Some(FILE_ID.to_string()), at, leaf.as_deref()) {
                Ok((msgs, next)) => {
                    msgs.iter().for_each(check_message);
                    match next {
                        Some(l) => leaf = Some(l),
                        None => break, // back on the active branch
                    }
                }
                Err(_) => break,
            }
        }
    }
}
