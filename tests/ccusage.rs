//! revisit's tokens and costs against ccusage's, for the same Claude Code and Codex stores.
//!
//! ccusage's output was recorded once in `tests/fixtures/ccusage/` (ccusage 18.0.11 with
//! @ccusage/codex 18.0.11, and ccusage 20.0.24; offline, UTC; the README there has the exact
//! commands and how each version counts). Every figure below is either equal to ccusage 20's
//! to the cent (in fact to the micro-dollar revisit prints) or its difference is explained,
//! and where it can be, the difference is recomputed from its cause.
//!
//! Prices are LiteLLM's in both (ccusage's embedded snapshot and revisit's
//! `assets/pricing.json`): the models in these stores have the same prices in each.

mod common;

use common::{fixture_home, manifest, revisit, shared_fixtures};
use serde_json::Value;
use std::path::Path;

/// `revisit stats --json --utc --agent <agent> --by <by>` on a home.
fn stats(home: &Path, agent: &str, by: &str) -> Value {
    let scratch = tempfile::tempdir().unwrap();
    let out = revisit(home, scratch.path())
        .args(["stats", "--json", "--utc", "--agent", agent, "--by", by])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A recorded ccusage output.
fn ccusage(file: &str) -> Value {
    let p = manifest().join("tests/fixtures/ccusage").join(file);
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn u(v: &Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("not an integer: {v}"))
}

/// revisit prints costs rounded to 1e-6 USD: equal to that (a sum of two printed figures
/// within 1e-6), and so to the cent.
#[track_caller]
fn assert_usd(revisit: f64, expected: f64, what: &str) {
    assert!(
        (revisit - expected).abs() <= 1e-6 + 1e-12,
        "{what}: revisit ${revisit} vs ${expected}"
    );
}

fn group<'a>(s: &'a Value, key: &str) -> &'a Value {
    s["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"].as_str().unwrap().ends_with(key))
        .unwrap_or_else(|| panic!("no group {key} in {}", s["groups"]))
}

/// USD per million tokens → per token.
const M: f64 = 1e-6;

#[test]
fn home_claude_equals_ccusage_20_and_explains_18() {
    let s = stats(&fixture_home(), "claude", "day");
    let v20 = ccusage("v20.0.24/home-claude-daily.json");
    let t = &s["totals"];
    assert_usd(f(&t["cost_usd"]), f(&v20["totals"]["totalCost"]), "total");
    assert_usd(f(&t["cost_usd"]), 0.00244725, "total");
    // per day, too
    for day in v20["daily"].as_array().unwrap() {
        let date = day["date"].as_str().unwrap();
        assert_usd(f(&group(&s, date)["cost_usd"]), f(&day["totalCost"]), date);
    }
    // Tokens: ccusage adds the `<synthetic>` line (Claude Code's placeholder for an API
    // error, 999 in / 999 out, no model) to its totals; revisit does not count it as usage.
    let tok = &t["tokens"];
    assert_eq!(u(&tok["input"]), u(&v20["totals"]["inputTokens"]) - 999);
    assert_eq!(u(&tok["output"]), u(&v20["totals"]["outputTokens"]) - 999);
    assert_eq!(u(&tok["cache_read"]), u(&v20["totals"]["cacheReadTokens"]));
    assert_eq!(
        u(&tok["cache_write"]),
        u(&v20["totals"]["cacheCreationTokens"])
    );
    assert_eq!(u(&tok["cache_write_1h"]), 40);

    // ccusage 18 keeps the FIRST streamed line of each message.id + requestId (v20 and
    // revisit keep the largest, the final usage), so it misses 45 output tokens of msg_A
    // (sonnet, $15/M) and 9 of msg_E (haiku, $5/M); and it prices msg_A's 40 one-hour cache
    // writes at the 5-minute rate ($3.75/M instead of $6/M).
    let v18 = ccusage("v18.0.11/home-claude-daily.json");
    let missed = 45.0 * 15.0 * M + 9.0 * 5.0 * M + 40.0 * (6.0 - 3.75) * M;
    assert_usd(
        f(&t["cost_usd"]),
        f(&v18["totals"]["totalCost"]) + missed,
        "v18 + what it misses",
    );
    assert_eq!(
        u(&tok["output"]),
        u(&v18["totals"]["outputTokens"]) - 999 + 45 + 9
    );
}

#[test]
fn home_codex_uses_the_cumulative_totals_where_ccusage_trusts_last_token_usage() {
    // The 0199aaaa rollout (gpt-5.5: $5 in, $0.50 cached, $30 out per million) has three
    // token_count events: #1 total 1000 in (200 cached) / 50 out, #2 an exact repeat of #1,
    // #3 total 2500 (1200 cached) / 90 out whose `last_token_usage` wrongly repeats the
    // total instead of the step (1500 / 1000 / 40). revisit turns the cumulative totals into
    // per-request figures (a repeat adds nothing), so the session used 2500 in incl. 1200
    // cached and 90 out: 1300 × 5 + 1200 × 0.5 + 90 × 30 = $0.0098.
    let s = stats(&fixture_home(), "codex", "day");
    let t = &s["totals"];
    assert_usd(
        f(&t["cost_usd"]),
        (1300.0 * 5.0 + 1200.0 * 0.5 + 90.0 * 30.0) * M,
        "revisit",
    );
    assert_eq!(
        (
            u(&t["tokens"]["input"]),
            u(&t["tokens"]["cache_read"]),
            u(&t["tokens"]["output"])
        ),
        (1300, 1200, 90)
    );

    // ccusage 20 drops the repeat but adds #3's `last_token_usage` as written: 3500 in incl.
    // 1400 cached, 140 out. revisit's price table gives those tokens ccusage's cost exactly:
    // the figures differ by the tokens counted, not by the prices.
    let v20 = ccusage("v20.0.24/home-codex-daily.json");
    let (_, gpt55) = revisit::pricing::PriceTable::embedded()
        .lookup("gpt-5.5")
        .unwrap();
    let theirs = revisit::model::TokenUsage {
        input: u(&v20["totals"]["inputTokens"]) as u64,
        cache_read: u(&v20["totals"]["cacheReadTokens"]) as u64,
        output: u(&v20["totals"]["outputTokens"]) as u64,
        ..Default::default()
    };
    assert_eq!(
        (theirs.input, theirs.cache_read, theirs.output),
        (2100, 1400, 140)
    );
    assert_usd(
        revisit::pricing::turn_cost(gpt55, &theirs),
        f(&v20["totals"]["costUSD"]),
        "revisit's prices on ccusage 20's tokens",
    );

    // ccusage 18 also counts the repeat (4500 in incl. 1600 cached, 190 out) and, having no
    // gpt-5.5 price, uses gpt-5's ($1.25 / $0.125 / $10) through a substring match.
    let v18 = ccusage("v18.0.11/home-codex-daily.json");
    assert_usd(
        f(&v18["totals"]["costUSD"]),
        (2900.0 * 1.25 + 1600.0 * 0.125 + 190.0 * 10.0) * M,
        "v18",
    );
}

#[test]
fn shared_claude_equals_ccusage_20_with_the_fork_counted_once() {
    let Some(fx) = shared_fixtures() else { return };
    let s = stats(&fx.join("claude-code/generated/home"), "claude", "session");
    let v20 = ccusage("v20.0.24/shared-claude-session.json");
    let t = &s["totals"];
    let vt = &v20["totals"];
    assert_usd(f(&t["cost_usd"]), f(&vt["totalCost"]), "total");
    assert_eq!(u(&t["tokens"]["input"]), u(&vt["inputTokens"]));
    assert_eq!(u(&t["tokens"]["output"]), u(&vt["outputTokens"]));
    assert_eq!(u(&t["tokens"]["cache_read"]), u(&vt["cacheReadTokens"]));
    assert_eq!(
        u(&t["tokens"]["cache_write"]),
        u(&vt["cacheCreationTokens"])
    );

    // Per session, equal, but for the fork: 1a292194 (`--fork-session` of c0ef3c2d) starts
    // with copies of c0ef3c2d's three requests (same message.id, requestId, uuid and
    // timestamps). Both count each request once; ccusage 20 gives the copies to the file
    // whose line it read first (1a292194, in path order) and has no c0ef3c2d row, revisit
    // to the session that had them first (c0ef3c2d), so 1a292194 shows only its new call.
    let fork = "1a292194-331b-437d-9fc4-a613274acc48";
    let parent = "c0ef3c2d-0782-4e59-a310-a53923164372";
    let rows = v20["sessions"].as_array().unwrap();
    assert_eq!(rows.len(), 6);
    for row in rows {
        let id = row["sessionId"].as_str().unwrap();
        let theirs = f(&row["totalCost"]);
        if id == fork {
            let ours = f(&group(&s, fork)["cost_usd"]) + f(&group(&s, parent)["cost_usd"]);
            assert_usd(ours, theirs, "fork + parent");
            // the fork's own call: 8 in, 50 out, 23921 cache reads, 5243 cache writes
            assert_usd(
                f(&group(&s, fork)["cost_usd"]),
                (8.0 * 3.0 + 50.0 * 15.0 + 23921.0 * 0.3 + 5243.0 * 3.75) * M,
                "the fork's own call",
            );
        } else {
            assert_usd(f(&group(&s, id)["cost_usd"]), theirs, id);
        }
    }
    assert_eq!(s["groups"].as_array().unwrap().len(), 7);

    // ccusage 18 keeps the first streamed line of each message: the Explore subagent
    // (haiku-4.5, $5/M out) has 132 output tokens there, 188 in its last lines.
    let v18 = ccusage("v18.0.11/shared-claude-session.json");
    assert_usd(
        f(&t["cost_usd"]),
        f(&v18["totals"]["totalCost"]) + (188.0 - 132.0) * 5.0 * M,
        "v18 + the subagent's output",
    );
}

#[test]
fn shared_real_claude_transcripts_equal_ccusage_20() {
    let Some(fx) = shared_fixtures() else { return };
    // ccusage needs a projects/<project>/ layout: the three real 1.0.x transcripts are
    // copied into a scratch home for both tools (README of tests/fixtures/ccusage)
    let home = tempfile::tempdir().unwrap();
    let project = home.path().join(".claude/projects/sample-project");
    std::fs::create_dir_all(&project).unwrap();
    let mut n = 0;
    for e in std::fs::read_dir(fx.join("claude-code")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "jsonl") {
            std::fs::copy(&p, project.join(p.file_name().unwrap())).unwrap();
            n += 1;
        }
    }
    assert_eq!(n, 3);
    let s = stats(home.path(), "claude", "session");
    let v20 = ccusage("v20.0.24/shared-claude-real-session.json");
    let t = &s["totals"];
    let vt = &v20["totals"];
    assert_usd(f(&t["cost_usd"]), f(&vt["totalCost"]), "total");
    assert_eq!(u(&t["tokens"]["output"]), u(&vt["outputTokens"]));
    assert_eq!(u(&t["tokens"]["cache_read"]), u(&vt["cacheReadTokens"]));
    for row in v20["sessions"].as_array().unwrap() {
        let id = row["sessionId"].as_str().unwrap();
        assert_usd(f(&group(&s, id)["cost_usd"]), f(&row["totalCost"]), id);
    }
    // ccusage 18: first streamed line per message, 3969 output tokens fewer ($15/M)
    let v18 = ccusage("v18.0.11/shared-claude-real-session.json");
    assert_usd(
        f(&t["cost_usd"]),
        f(&v18["totals"]["totalCost"]) + 3969.0 * 15.0 * M,
        "v18 + the output of the last lines",
    );
}

#[test]
fn shared_codex_equals_ccusage_20() {
    let Some(fx) = shared_fixtures() else { return };
    let s = stats(&fx.join("codex/generated/home"), "codex", "session");
    let v20 = ccusage("v20.0.24/shared-codex-session.json");
    let t = &s["totals"];
    let vt = &v20["totals"];
    assert_usd(f(&t["cost_usd"]), f(&vt["costUSD"]), "total");
    // ccusage 20's inputTokens are the non-cached ones, as revisit's
    assert_eq!(u(&t["tokens"]["input"]), u(&vt["inputTokens"]));
    assert_eq!(u(&t["tokens"]["cache_read"]), u(&vt["cacheReadTokens"]));
    assert_eq!(u(&t["tokens"]["output"]), u(&vt["outputTokens"]));
    assert_eq!(
        u(&t["tokens"]["reasoning"]),
        u(&vt["reasoningOutputTokens"])
    );
    let rows = v20["sessions"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for row in rows {
        // "2026/11/24/rollout-2026-11-24T02-42-47-<uuid>": revisit's key ends with the uuid
        let id = row["sessionId"].as_str().unwrap();
        let uuid = &id[id.len() - 36..];
        assert_usd(f(&group(&s, uuid)["cost_usd"]), f(&row["costUSD"]), id);
    }
    // ccusage 18 has the same tokens but prices gpt-5.5 as gpt-5 (substring match): the
    // figures differ by prices only, so v18's per-session figures for the sessions without
    // gpt-5.5 (B: gpt-5.1-codex, C: gpt-5-codex, both $1.25 / $0.125 / $10) are equal.
    let v18 = ccusage("v18.0.11/shared-codex-session.json");
    assert_eq!(
        u(&v18["totals"]["inputTokens"]) - u(&v18["totals"]["cachedInputTokens"]),
        u(&t["tokens"]["input"])
    );
    let mut equal = 0;
    for row in v18["sessions"].as_array().unwrap() {
        let id = row["sessionId"].as_str().unwrap();
        let uuid = &id[id.len() - 36..];
        let ours = f(&group(&s, uuid)["cost_usd"]);
        if (ours - f(&row["costUSD"])).abs() < 1e-6 {
            equal += 1;
        }
    }
    assert_eq!(equal, 2, "B and C equal, A (gpt-5.5) differs");
}

#[test]
fn shared_pi_opencode_gemini_against_ccusage_20() {
    let Some(fx) = shared_fixtures() else { return };
    // Pi records its own cost, used in the default auto mode. The fork 01a20b7d-f5b7 starts
    // with copies of dc6e's two messages (same entry ids and times); ccusage counts them in
    // both sessions, revisit once: its totals are ccusage's less dc6e's request
    // (898 in, 80 out, 1989 cache reads, recorded $0.00217113).
    let s = stats(&fx.join("pi/generated/home"), "pi", "day");
    let v20 = ccusage("v20.0.24/shared-pi-daily.json");
    let (t, vt) = (&s["totals"], &v20["totals"]);
    assert_usd(f(&t["cost_usd"]), f(&vt["totalCost"]) - 0.00217113, "pi");
    assert_eq!(u(&t["tokens"]["input"]), u(&vt["inputTokens"]) - 898);
    assert_eq!(u(&t["tokens"]["output"]), u(&vt["outputTokens"]) - 80);
    assert_eq!(
        u(&t["tokens"]["cache_read"]),
        u(&vt["cacheReadTokens"]) - 1989
    );
    assert_eq!(
        u(&t["tokens"]["cache_write"]),
        u(&vt["cacheCreationTokens"])
    );

    // OpenCode records its cost too; its fork copies messages under new ids, so both count
    // them. Equal, but revisit's output includes reasoning (84 tokens), as everywhere.
    let s = stats(&fx.join("opencode/generated/home"), "opencode", "day");
    let v20 = ccusage("v20.0.24/shared-opencode-daily.json");
    let (t, vt) = (&s["totals"], &v20["totals"]);
    assert_usd(f(&t["cost_usd"]), f(&vt["totalCost"]), "opencode");
    assert_eq!(u(&t["tokens"]["input"]), u(&vt["inputTokens"]));
    assert_eq!(u(&t["tokens"]["cache_read"]), u(&vt["cacheReadTokens"]));
    assert_eq!(
        u(&t["tokens"]["output"]),
        u(&vt["outputTokens"]) + u(&t["tokens"]["reasoning"])
    );
    assert_eq!(u(&t["tokens"]["reasoning"]), 84);

    // Gemini CLI records no cost: computed, equal. revisit's output includes the thoughts
    // (427 tokens), which Gemini bills as output.
    let s = stats(&fx.join("gemini/generated/home"), "gemini", "day");
    let v20 = ccusage("v20.0.24/shared-gemini-daily.json");
    let (t, vt) = (&s["totals"], &v20["totals"]);
    assert_usd(f(&t["cost_usd"]), f(&vt["totalCost"]), "gemini");
    assert_eq!(u(&t["tokens"]["input"]), u(&vt["inputTokens"]));
    assert_eq!(u(&t["tokens"]["cache_read"]), u(&vt["cacheReadTokens"]));
    assert_eq!(
        u(&t["tokens"]["output"]),
        u(&vt["outputTokens"]) + u(&t["tokens"]["reasoning"])
    );
}
