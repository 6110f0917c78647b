//! Every fuzz target's body run on every seed in `fuzz/corpus/<target>/seed-*`: the small
//! fixtures the runs start from, and `seed-finding-*`, the inputs fuzzing found (each fixed).
//! The harness and the bodies are the fuzz crate's own files, compiled here too, so
//! `cargo test` keeps them building as revisit's API changes, and a finding stays fixed.

#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod revisit_fuzz;

use std::path::Path;

type Target = (&'static str, fn(&[u8]));

const TARGETS: &[Target] = &[
    ("claude", revisit_fuzz::claude::run),
    ("codex", revisit_fuzz::codex::run),
    ("gemini", revisit_fuzz::gemini::run),
    ("agenix", revisit_fuzz::agenix::run),
    ("pi", revisit_fuzz::pi::run),
    ("opencode", revisit_fuzz::opencode::run),
    ("opencode_db", revisit_fuzz::opencode_db::run),
    ("agsh", revisit_fuzz::agsh::run),
    ("profclaw_db", revisit_fuzz::profclaw_db::run),
    ("profclaw", revisit_fuzz::profclaw::run),
    ("query", revisit_fuzz::query::run),
    ("fts", revisit_fuzz::fts::run),
    ("sanitize", revisit_fuzz::sanitize::run),
    ("export", revisit_fuzz::export::run),
];

/// One test for all: the targets share the harness's scratch folder and fixture index.
#[test]
fn every_seed_and_finding_passes_its_target() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut failed = Vec::new();
    let mut ran = 0;
    for (name, run) in TARGETS {
        let mut seeds: Vec<_> = std::fs::read_dir(corpus.join(name))
            .unwrap_or_else(|e| panic!("fuzz/corpus/{name}: {e}"))
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("seed-"))
            })
            .collect();
        seeds.sort();
        assert!(!seeds.is_empty(), "fuzz/corpus/{name} has no seeds");
        for seed in seeds {
            let data = std::fs::read(&seed).unwrap();
            ran += 1;
            if std::panic::catch_unwind(|| run(&data)).is_err() {
                failed.push(format!("{name}: {}", seed.display()));
            }
        }
    }
    eprintln!("{ran} seeds of {} targets", TARGETS.len());
    assert!(
        failed.is_empty(),
        "seeds that fail their target:\n{}",
        failed.join("\n")
    );
}

/// The list above is the fuzz crate's list of targets: a new target is run here too.
#[test]
fn every_fuzz_target_is_run_on_its_seeds() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/Cargo.toml"))
            .unwrap();
    let mut bins: Vec<&str> = manifest
        .split("[[bin]]")
        .skip(1)
        .filter_map(|b| b.lines().find_map(|l| l.trim().strip_prefix("name = ")))
        .map(|n| n.trim_matches('"'))
        .collect();
    bins.sort();
    let mut here: Vec<&str> = TARGETS.iter().map(|t| t.0).collect();
    here.sort();
    assert_eq!(here, bins);
}
