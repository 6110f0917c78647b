//! The real binary on fixture homes, with a clean environment (HOME, XDG_*, PATH only).

mod common;

use common::{copy_tree, fixture_home, revisit};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

fn json(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON on stdout")
}

fn keys(v: &Value) -> Vec<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

/// Every file under a folder with its bytes and modification time.
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let md = std::fs::metadata(&p).unwrap();
                out.insert(
                    p.display().to_string(),
                    (std::fs::read(&p).unwrap(), md.modified().unwrap()),
                );
            }
        }
    }
    out
}

#[test]
fn list_json_has_exactly_the_documented_keys() {
    let scratch = tempfile::tempdir().unwrap();
    let home = fixture_home();
    let before = snapshot(&home);
    let out = revisit(&home, scratch.path())
        .args(["list", "--json"])
        .output()
        .unwrap();
    let v = json(&out);
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 5);
    let expected = [
        "agent",
        "cost_usd",
        "cwd",
        "git_branch",
        "id",
        "messages",
        "models",
        "parse_errors",
        "project",
        "prompts",
        "resume",
        "source",
        "started_at",
        "subagents",
        "title",
        "tokens",
        "tool_calls",
        "unpriced_turns",
        "updated_at",
    ];
    // what revisit knows beyond the agents' files, present only when set (see SessionExtra)
    let optional = [
        "archive_only",
        "archived_at",
        "expires_at",
        "expiry_rule",
        "name",
        "tags",
    ];
    for s in list {
        let mut k = keys(s);
        k.retain(|k| !optional.contains(&k.as_str()));
        k.sort();
        assert_eq!(k, expected);
        // Claude Code deletes its sessions (cleanupPeriodDays), Codex never does
        assert_eq!(
            s.get("expires_at").is_some(),
            s["agent"] == "claude",
            "{s:#}"
        );
        let mut tk = keys(&s["tokens"]);
        tk.sort();
        assert_eq!(
            tk,
            ["cache_read", "cache_write", "input", "output", "reasoning"]
        );
    }
    // newest first
    let updated: Vec<&str> = list
        .iter()
        .map(|s| s["updated_at"].as_str().unwrap())
        .collect();
    let mut sorted = updated.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(updated, sorted);
    let s1 = list
        .iter()
        .find(|s| s["id"] == "11111111-1111-4111-8111-111111111111")
        .unwrap();
    assert_eq!(s1["agent"], "claude");
    assert_eq!(s1["title"], "Login bug hunt");
    assert_eq!(s1["cwd"], "/home/u/alpha");
    assert_eq!(s1["project"], "alpha");
    assert_eq!(s1["git_branch"], "feature/x");
    assert_eq!(s1["prompts"], 1);
    assert_eq!(s1["messages"], 6);
    assert_eq!(s1["tool_calls"], 1);
    assert_eq!(s1["subagents"], 3);
    assert_eq!(s1["parse_errors"], 2);
    // priced by hand from LiteLLM's prices (USD per million), each API response once:
    // sonnet-4-5 ($3 in, $15 out, $0.30 read, $3.75 5-min write, $6 1-hour write):
    //   req_A 10×3 + 50×15 + 1000×0.30 + 60×3.75 + 40×6 = 1545, req_B 3×3 + 20×15 + 1100×0.30 = 639
    // haiku-4-5 ($1, $5, $0.10, $1.25): req_C 1 + 7×5 = 36, req_D 2 + 11×5 = 57,
    //   req_E 4 + 13×5 + 50×0.10 + 5×1.25 = 80.25; <synthetic> is not a model and costs nothing
    let cost = s1["cost_usd"].as_f64().unwrap();
    assert!(
        (cost - 2357.25e-6).abs() < 1e-12,
        "{cost} != (1545 + 639 + 36 + 57 + 80.25) / 1e6"
    );
    assert_eq!(s1["unpriced_turns"], 0);
    assert_eq!(s1["started_at"], "2026-11-20T10:00:00Z");
    assert_eq!(
        s1["tokens"],
        serde_json::json!({"input": 20, "output": 101, "cache_read": 2150, "cache_write": 105, "reasoning": 0})
    );
    assert_eq!(
        s1["resume"],
        serde_json::json!({"argv": ["claude", "--resume", "11111111-1111-4111-8111-111111111111"], "cwd": "/home/u/alpha"})
    );
    assert_eq!(
        s1["models"],
        serde_json::json!(["claude-haiku-4-5-20251001", "claude-sonnet-4-5-20250929"])
    );
    assert_eq!(
        before,
        snapshot(&home),
        "revisit never writes to the agents' files"
    );
}

#[test]
fn list_filters_by_agent() {
    let scratch = tempfile::tempdir().unwrap();
    let out = revisit(&fixture_home(), scratch.path())
        .args(["list", "--agent", "codex", "--json"])
        .output()
        .unwrap();
    let v = json(&out);
    let agents: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["agent"].as_str().unwrap())
        .collect();
    assert_eq!(agents, vec!["codex", "codex"]);
    let bad = revisit(&fixture_home(), scratch.path())
        .args(["list", "--agent", "nope"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown agent"));
}

#[test]
fn index_twice_parses_nothing_the_second_time() {
    let scratch = tempfile::tempdir().unwrap();
    let run = || {
        json(
            &revisit(&fixture_home(), scratch.path())
                .args(["index", "--json"])
                .output()
                .unwrap(),
        )
    };
    let first = run();
    let mut k = keys(&first);
    k.sort();
    assert_eq!(
        k,
        [
            "bytes_parsed",
            "elapsed_ms",
            "errors",
            "files_parsed",
            "files_seen",
            "sessions"
        ]
    );
    assert_eq!(first["sessions"], 5);
    assert_eq!(first["files_seen"], 9);
    assert!(first["bytes_parsed"].as_u64().unwrap() > 0);
    let second = run();
    assert_eq!(second["bytes_parsed"], 0);
    assert_eq!(second["files_parsed"], 0);
    assert_eq!(second["sessions"], 5);
}

#[test]
fn show_by_prefix_agent_id_and_errors() {
    let scratch = tempfile::tempdir().unwrap();
    let home = fixture_home();
    let v = json(
        &revisit(&home, scratch.path())
            .args(["show", "1111", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["id"], "11111111-1111-4111-8111-111111111111");
    let msgs = v["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 12, "main conversation and the subagent files");
    assert_eq!(msgs[1]["blocks"][2]["type"], "tool_call");
    assert_eq!(
        msgs[1]["blocks"][0],
        serde_json::json!({"type": "thinking", "text": "", "sealed": true})
    );
    let v = json(
        &revisit(&home, scratch.path())
            .args([
                "show",
                "codex:0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee",
                "--json",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(v["title"], "Test triage");

    let md = revisit(&home, scratch.path())
        .args(["show", "2222", "--markdown"])
        .output()
        .unwrap();
    assert!(md.status.success());
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.starts_with("# Docs session summary\n"), "{md}");
    assert!(md.contains("## User"));

    let amb = revisit(&home, scratch.path())
        .args(["show", "019"])
        .output()
        .unwrap();
    assert_eq!(amb.status.code(), Some(2));
    let err = String::from_utf8_lossy(&amb.stderr);
    assert!(
        err.contains("ambiguous") && err.contains("codex:0199aaaa"),
        "{err}"
    );
    let none = revisit(&home, scratch.path())
        .args(["show", "zzzz"])
        .output()
        .unwrap();
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("no session matches"));
}

#[test]
fn doctor_explains_skipped_records_and_roots() {
    let scratch = tempfile::tempdir().unwrap();
    let home = fixture_home();
    let elsewhere = scratch.path().join("claude-elsewhere");
    let v = json(
        &revisit(&home, scratch.path())
            .env(
                "CLAUDE_CONFIG_DIR",
                format!("{},{}", elsewhere.display(), home.join(".claude").display()),
            )
            .args(["doctor", "--json"])
            .output()
            .unwrap(),
    );
    let agents = v["agents"].as_array().unwrap();
    let claude = agents.iter().find(|a| a["agent"] == "claude").unwrap();
    let roots = claude["roots"].as_array().unwrap();
    let origins: Vec<(&str, bool)> = roots
        .iter()
        .map(|r| {
            (
                r["origin"].as_str().unwrap(),
                r["exists"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(origins.contains(&("$CLAUDE_CONFIG_DIR", false)));
    assert!(origins.contains(&("$CLAUDE_CONFIG_DIR", true)));
    assert!(origins.contains(&("default", true)), "{origins:?}");
    // how the browser watches each root: an existing one natively, a missing one from the
    // folder above it until it exists
    for r in roots {
        let want = if r["exists"].as_bool().unwrap() {
            "native"
        } else {
            "waiting"
        };
        assert_eq!(r["watch"], want, "{r}");
    }
    let missing = roots.iter().find(|r| r["exists"] == false).unwrap();
    assert_eq!(
        missing["watch_detail"].as_str().unwrap(),
        scratch.path().display().to_string(),
        "the nearest existing folder is watched for it"
    );
    assert_eq!(claude["sessions"], 3);
    assert_eq!(claude["skipped"], 2);
    let problems = claude["stores_with_problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1);
    let p = &problems[0];
    assert!(
        p["path"]
            .as_str()
            .unwrap()
            .ends_with("11111111-1111-4111-8111-111111111111.jsonl")
    );
    assert!(
        p["pending_bytes"].as_u64().unwrap() > 0,
        "the truncated last line is reported"
    );
    let ex: Vec<(u64, &str)> = p["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(ex, vec![(7, "unknown_type"), (8, "invalid_json")]);
    // human form says the same
    let text = revisit(&home, scratch.path())
        .arg("doctor")
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("line 7: unknown_type"), "{text}");
    assert!(text.contains("incomplete last line"), "{text}");
}

#[test]
fn env_overrides_are_honoured() {
    let scratch = tempfile::tempdir().unwrap();
    // the fixture home's stores, moved under other names
    let elsewhere = scratch.path().join("other");
    copy_tree(
        &fixture_home().join(".claude"),
        &elsewhere.join("claude-dir"),
    );
    copy_tree(
        &fixture_home().join(".codex"),
        &elsewhere.join("codex-home"),
    );
    let empty_home = scratch.path().join("empty-home");
    std::fs::create_dir_all(&empty_home).unwrap();
    let v = json(
        &revisit(&empty_home, scratch.path())
            .env("CLAUDE_CONFIG_DIR", elsewhere.join("claude-dir"))
            .env("CODEX_HOME", elsewhere.join("codex-home"))
            .args(["list", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(v.as_array().unwrap().len(), 5);
}

#[test]
fn help_on_every_command() {
    let scratch = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["index", "--help"],
        vec!["list", "--help"],
        vec!["show", "--help"],
        vec!["doctor", "--help"],
    ] {
        let out = revisit(&fixture_home(), scratch.path())
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{args:?}"
        );
    }
}

#[test]
fn demo_lists_sessions_of_every_agent() {
    let scratch = tempfile::tempdir().unwrap();
    let v = json(
        &revisit(scratch.path(), scratch.path())
            .args(["--demo", "list", "--json"])
            .output()
            .unwrap(),
    );
    let agents: std::collections::BTreeSet<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["agent"].as_str().unwrap())
        .collect();
    let all: std::collections::BTreeSet<&str> = revisit::model::Agent::ALL
        .iter()
        .map(|a| a.as_str())
        .collect();
    assert_eq!(agents, all, "the demo has sessions of every agent");
    assert!(v.as_array().unwrap().iter().all(|s| s["parse_errors"] == 0));
}

#[test]
fn stats_json_shape_and_groupings() {
    let scratch = tempfile::tempdir().unwrap();
    let home = fixture_home();
    let sums = [
        "cost_usd",
        "messages",
        "prompts",
        "sessions",
        "tokens",
        "tool_calls",
        "turns",
        "unpriced_turns",
    ];
    let token_keys = [
        "cache_read",
        "cache_write",
        "cache_write_1h",
        "input",
        "output",
        "reasoning",
    ];
    let mut total_cost = None;
    for by in [
        "day", "week", "month", "project", "model", "agent", "session",
    ] {
        let out = revisit(&home, scratch.path())
            .args(["stats", "--json", "--utc", "--by", by])
            .output()
            .unwrap();
        let v = json(&out);
        let mut k = keys(&v);
        k.sort();
        assert_eq!(
            k,
            [
                "by",
                "cost_mode",
                "groups",
                "time_zone",
                "totals",
                "unpriced_models"
            ]
        );
        assert_eq!(v["by"], by);
        assert_eq!(v["cost_mode"], "auto");
        assert_eq!(v["time_zone"], "UTC");
        let mut tk = keys(&v["totals"]);
        tk.sort();
        assert_eq!(tk, sums);
        let mut kk = keys(&v["totals"]["tokens"]);
        kk.sort();
        assert_eq!(kk, token_keys);
        // the same totals whatever the grouping
        let cost = v["totals"]["cost_usd"].as_f64().unwrap();
        assert_eq!(*total_cost.get_or_insert(cost), cost, "{by}");
        let groups = v["groups"].as_array().unwrap();
        assert!(!groups.is_empty(), "{by}");
        let mut sum = 0.0;
        for g in groups {
            let mut gk = keys(g);
            gk.sort();
            let mut want: Vec<&str> = sums.to_vec();
            want.extend(["key", "label"]);
            want.sort();
            assert_eq!(gk, want, "{by}");
            sum += g["cost_usd"].as_f64().unwrap();
        }
        assert!(
            (sum - cost).abs() < 1e-5,
            "{by}: groups add up to the total"
        );
    }
    // 5 sessions, 3 days of activity (UTC), 2 agents, the costs of tests/cost_rules.rs and
    // tests/cli.rs: Claude $0.00244725, Codex $0.0098
    let out = revisit(&home, scratch.path())
        .args(["stats", "--json", "--utc", "--by", "agent"])
        .output()
        .unwrap();
    let v = json(&out);
    assert_eq!(v["totals"]["sessions"], 5);
    let agents: Vec<(&str, f64)> = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap(), g["cost_usd"].as_f64().unwrap()))
        .collect();
    assert_eq!(agents, [("codex", 0.0098), ("claude", 0.002447)]);
    // a range: only 2026-11-21 (one Claude request, sonnet: 5 in, 5 out = $0.00009)
    let out = revisit(&home, scratch.path())
        .args([
            "stats",
            "--json",
            "--utc",
            "--since",
            "2026-11-21",
            "--until",
            "2026-11-21",
        ])
        .output()
        .unwrap();
    let v = json(&out);
    assert_eq!(v["totals"]["cost_usd"], 0.00009);
    assert_eq!(v["groups"].as_array().unwrap().len(), 1);
    // the table for people names the same figures
    let out = revisit(&home, scratch.path())
        .args(["stats", "--utc", "--by", "agent"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("codex") && text.contains("$0.010"), "{text}");
}

/// While another revisit writes the index (the browser, say), a command waits a moment, then
/// reads the index as it is and says so.
#[test]
fn a_command_reads_the_index_another_revisit_is_writing() {
    let scratch = tempfile::tempdir().unwrap();
    let home = common::fixture_home();
    let out = common::revisit(&home, scratch.path())
        .args(["index"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let index = scratch.path().join("cache/revisit/index.sqlite");
    let holder = revisit::index::writer::Writer::open(&index).unwrap();
    let out = common::revisit(&home, scratch.path())
        .args(["list", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "another revisit (PID {}) is updating the index",
            std::process::id()
        )) && err.contains("reading it as it is"),
        "{err}"
    );
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 5);
    drop(holder);
    let out = common::revisit(&home, scratch.path())
        .args(["list", "--json"])
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
