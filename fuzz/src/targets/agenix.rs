//! Agenix: a project's `.agenix/<id>.jsonl` (line by line through the index's feeder, at once
//! and in two appends) and the documented `sessions/<dir>/<id>.json`.

use super::{lines, store, whole, write};
use revisit::model::Agent;
use revisit::sources::StoreKind;
use revisit::sources::agenix::AgenixSource;

pub fn run(data: &[u8]) {
    let src = AgenixSource;
    lines(&src, "agenix/alpha/.agenix/20261120_101500.jsonl", data);
    let path = write("agenix/sessions/home_u_gamma/20261121_090000.json", data);
    whole(&src, &store(Agent::Agenix, &path, StoreKind::Json));
}
