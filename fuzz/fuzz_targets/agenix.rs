//! Agenix: a project's `.agenix/<id>.jsonl` (line by line through the index's feeder, at once
//! and in two appends) and the documented `sessions/<dir>/<id>.json`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use revisit::model::Agent;
use revisit::sources::StoreKind;
use revisit::sources::agenix::AgenixSource;
use revisit_fuzz::{lines, store, whole, write};

fuzz_target!(|data: &[u8]| {
    let src = AgenixSource;
    lines(&src, "agenix/alpha/.agenix/20261120_101500.jsonl", data);
    let path = write("agenix/sessions/home_u_gamma/20261121_090000.json", data);
    whole(&src, &store(Agent::Agenix, &path, StoreKind::Json));
});
