//! The cost rules, per agent, on hand-computed cases: the real parsers' token figures priced
//! by the real table, through the binary (`list --json`, `stats --json`).
//!
//! Prices used below (LiteLLM, USD per million tokens; `assets/pricing.json`):
//! claude-sonnet-4-5 3 in / 15 out / 0.30 cache read / 3.75 5-minute write / 6 1-hour write,
//! above 200k prompt tokens 6 / 22.50 / 0.60 / 7.50; claude-opus-4-5 5 / 25 / 0.50 / 6.25;
//! gpt-5 1.25 / 10 / 0.125 (no cache-write price: the input price); gemini-2.5-pro 1.25 / 10 /
//! 0.125; gemini-2.5-flash 0.30 / 2.50 / 0.03. Codex's cumulative totals are checked against
//! hand-computed figures in tests/ccusage.rs.

mod common;

use common::{manifest, revisit};
use serde_json::Value;
use std::path::Path;

const M: f64 = 1e-6;

fn run(home: &Path, args: &[&str]) -> Value {
    let scratch = tempfile::tempdir().unwrap();
    run_in(home, scratch.path(), args)
}

fn run_in(home: &Path, scratch: &Path, args: &[&str]) -> Value {
    let out = revisit(home, scratch).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn session<'a>(list: &'a Value, id_prefix: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"].as_str().unwrap().starts_with(id_prefix))
        .unwrap_or_else(|| panic!("no session {id_prefix}"))
}

#[track_caller]
fn assert_usd(v: &Value, expected: f64) {
    let got = v
        .as_f64()
        .unwrap_or_else(|| panic!("no cost ({v}), expected ${expected}"));
    assert!(
        (got - expected).abs() < 1e-12,
        "${got} != ${expected} (hand-computed)"
    );
}

fn fixture(agent: &str) -> std::path::PathBuf {
    manifest().join("tests/fixtures").join(agent).join("home")
}

#[test]
fn gemini_input_includes_cached_and_thoughts_are_output() {
    // Gemini CLI writes `input` with the cached tokens inside, `thoughts` beside `output`, and
    // `tool` (tool-use prompt tokens) beside `input`. revisit's usage: input = input − cached
    // + tool, cache_read = cached, output = output + thoughts (reasoning = thoughts, inside).
    // Session 1111aaaa (tests/fixtures/gemini/make.py), the requests that count after the
    // rewind and the rewritten message:
    //   g-1 pro   raw 1000 in, 0 cached, 20 out, 30 thoughts → 1000 in, 50 out
    //             1000 × 1.25 + 50 × 10                       = 1750
    //   g-2 pro   raw 1400 in, 900 cached, 40 out, 5 tool   → 505 in, 900 read, 40 out
    //             505 × 1.25 + 900 × 0.125 + 40 × 10           = 1143.75
    //   G4 flash  raw 1700 in, 1500 cached, 25 out, 12 thoughts → 200 in, 1500 read, 37 out
    //             200 × 0.30 + 1500 × 0.03 + 37 × 2.50         = 197.5
    //   s-g-1 flash (subagent) 500 in, 100 cached, 10 out, 5 thoughts → 400, 100, 15
    //             400 × 0.30 + 100 × 0.03 + 15 × 2.50          = 160.5
    //   s-g-2 flash (subagent) 600 in, 400 cached, 15 out      → 200, 400, 15
    //             200 × 0.30 + 400 × 0.03 + 15 × 2.50          = 109.5
    let list = run(&fixture("gemini"), &["list", "--json"]);
    let s = session(&list, "1111aaaa");
    assert_usd(
        &s["cost_usd"],
        (1750.0 + 1143.75 + 197.5 + 160.5 + 109.5) * M,
    );
    assert_eq!(s["tokens"]["reasoning"], 47, "30 + 12 + 5 thoughts");
    assert_eq!(s["tokens"]["output"], 157, "reasoning inside output");
}

#[test]
fn pi_shows_its_recorded_cost_and_computed_on_demand() {
    // Pi records a cost per message; auto (the default) shows the sum of those
    let home = fixture("pi");
    let list = run(&home, &["list", "--json"]);
    assert_usd(
        &session(&list, "0199aaaa")["cost_usd"],
        0.001 + 0.002 + 0.004 + 0.005,
    );
    // computed: tokens × prices, per request and per model
    //   sonnet-4-5  10 in, 20 out, 100 read, 50 write: 30 + 300 + 30 + 187.5 = 547.5
    //   sonnet-4-5   5 in, 30 out, 200 read:           15 + 450 + 60         = 525
    //   opus-4-5     8 in, 12 out, 400 read, 20 write: 40 + 300 + 200 + 125  = 665
    //   gpt-5        3 in,  4 out, 500 read:           3.75 + 40 + 62.5      = 106.25
    let list = run(&home, &["list", "--json", "--cost-mode", "computed"]);
    assert_usd(
        &session(&list, "0199aaaa")["cost_usd"],
        (547.5 + 525.0 + 665.0 + 106.25) * M,
    );
    // recorded: the same as auto here (every message has a figure)
    let list = run(&home, &["list", "--json", "--cost-mode", "recorded"]);
    assert_usd(&session(&list, "0199aaaa")["cost_usd"], 0.012);
}

#[test]
fn opencode_recorded_cost_and_an_openai_cache_write_at_the_input_price() {
    let home = fixture("opencode");
    let list = run(&home, &["list", "--json"]);
    assert_usd(&session(&list, "ses_e1f")["cost_usd"], 0.03);
    // computed: gpt-5 (openai/gpt-5: the provider prefix does not count), 130 in, 34 out
    // (4 of them reasoning, not added again), 300 read, 200 written; OpenAI has no cache-write
    // price, so the input price: 162.5 + 340 + 37.5 + 250 = 790
    let list = run(&home, &["list", "--json", "--cost-mode", "computed"]);
    let s = session(&list, "ses_e1f");
    assert_usd(&s["cost_usd"], 790.0 * M);
    assert_eq!(s["tokens"]["reasoning"], 4);
}

#[test]
fn agenix_without_usage_has_no_cost_never_zero() {
    let list = run(&fixture("agenix"), &["list", "--json"]);
    // gpt-4o (2.50 / 10): 280 in, 70 out = 700 + 700
    assert_usd(&session(&list, "20261121_090")["cost_usd"], 1400.0 * M);
    // a session whose usage is all zeros has no figure (shown as -), not $0
    let s = session(&list, "20261121_093");
    assert_eq!(s["cost_usd"], Value::Null);
    assert_eq!(s["tokens"], Value::Null);
}

/// A Claude Code assistant line with usage, 5-minute and 1-hour cache writes.
fn claude_turn(n: u32, model: &str, usage: [u64; 5], minute: u32) -> String {
    let [input, output, read, write_5m, write_1h] = usage;
    format!(
        r#"{{"parentUuid":null,"isSidechain":false,"cwd":"/home/u/big","sessionId":"bbbbbbbb-0000-4000-8000-000000000001","type":"assistant","uuid":"a-{n}","timestamp":"2026-11-22T09:{minute:02}:00.000Z","requestId":"req_{n}","message":{{"id":"msg_{n}","role":"assistant","model":"{model}","content":[{{"type":"text","text":"ok"}}],"usage":{{"input_tokens":{input},"output_tokens":{output},"cache_read_input_tokens":{read},"cache_creation_input_tokens":{},"cache_creation":{{"ephemeral_5m_input_tokens":{write_5m},"ephemeral_1h_input_tokens":{write_1h}}}}}}}}}"#,
        write_5m + write_1h
    )
}

fn claude_home(lines: &[String]) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".claude/projects/-home-u-big");
    std::fs::create_dir_all(&dir).unwrap();
    let user = r#"{"parentUuid":null,"isSidechain":false,"cwd":"/home/u/big","sessionId":"bbbbbbbb-0000-4000-8000-000000000001","type":"user","uuid":"u-0","timestamp":"2026-11-22T08:59:00.000Z","message":{"role":"user","content":"a big refactor"}}"#;
    let mut text = format!("{user}\n");
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    std::fs::write(dir.join("bbbbbbbb-0000-4000-8000-000000000001.jsonl"), text).unwrap();
    home
}

#[test]
fn claude_long_context_tier_one_hour_writes_and_unpriced_models() {
    let sonnet = "claude-sonnet-4-5-20250929";
    let home = claude_home(&[
        // 5000 in + 190000 read + 10000 written = 205000 prompt tokens > 200k: the whole
        // request at the long-context prices; 1-hour writes scale like 5-minute ones
        // ($6 × 7.50 / 3.75 = $12): 5000 × 6 + 1000 × 22.5 + 190000 × 0.6 + 6000 × 7.5
        // + 4000 × 12 = 30000 + 22500 + 114000 + 45000 + 48000 = 259500.
        // (ccusage splits each kind at 200k instead, so it bills this one at base prices.)
        claude_turn(1, sonnet, [5000, 1000, 190000, 6000, 4000], 1),
        // 195000 prompt tokens: base prices, 1-hour writes at $6:
        // 15000 + 15000 + 54000 + 22500 + 24000 = 130500
        claude_turn(2, sonnet, [5000, 1000, 180000, 6000, 4000], 2),
        // a model no price list has: unpriced, counted, never $0
        claude_turn(3, "acme-coder-7b", [100, 10, 0, 0, 0], 3),
        // Claude Code's placeholder for API errors: not usage at all
        claude_turn(4, "<synthetic>", [999, 999, 0, 0, 0], 4),
    ]);
    let list = run(home.path(), &["list", "--json"]);
    let s = &list[0];
    assert_usd(&s["cost_usd"], (259500.0 + 130500.0) * M);
    assert_eq!(s["unpriced_turns"], 1);
    assert_eq!(s["tokens"]["input"], 10100);

    let stats = run(home.path(), &["stats", "--json", "--by", "model"]);
    assert_eq!(
        stats["unpriced_models"],
        serde_json::json!(["acme-coder-7b"])
    );
    assert_eq!(stats["totals"]["unpriced_turns"], 1);
    let models: Vec<(&str, f64, u64)> = stats["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["key"].as_str().unwrap(),
                g["cost_usd"].as_f64().unwrap(),
                g["unpriced_turns"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        models,
        [("claude-sonnet-4-5", 0.39, 0), ("acme-coder-7b", 0.0, 1)]
    );

    // a price in config.toml prices it (per million tokens): 100 × 1 + 10 × 2 = 120
    let scratch = tempfile::tempdir().unwrap();
    let cfg = scratch.path().join("config/revisit");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(
        cfg.join("config.toml"),
        "[pricing.models.acme-coder-7b]\ninput = 1.0\noutput = 2.0\n",
    )
    .unwrap();
    let list = run_in(home.path(), scratch.path(), &["list", "--json"]);
    assert_usd(&list[0]["cost_usd"], (259500.0 + 130500.0 + 120.0) * M);
    assert_eq!(list[0]["unpriced_turns"], 0);

    // recorded: Claude Code records no cost, so nothing is known
    let list = run(home.path(), &["list", "--json", "--cost-mode", "recorded"]);
    assert_eq!(list[0]["cost_usd"], Value::Null);
    assert_eq!(list[0]["unpriced_turns"], 3);
}
