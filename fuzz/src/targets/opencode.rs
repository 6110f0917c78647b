//! OpenCode's JSON tree (`storage/session|message|part/…`), laid out from the fuzz input (see
//! `revisit_fuzz::opencode_tree` for the record format) and read as the index does.

use super::{opencode_tree, store, whole};
use revisit::model::Agent;
use revisit::sources::StoreKind;
use revisit::sources::opencode::OpencodeSource;

pub fn run(data: &[u8]) {
    let project = opencode_tree(data);
    whole(
        &OpencodeSource,
        &store(Agent::Opencode, &project, StoreKind::Json),
    );
}
