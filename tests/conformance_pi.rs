//! Pi conformance: the files the real Pi CLI wrote (`../shared/fixtures/pi`) parse without
//! errors, and ids, counts, token totals and recorded costs equal `GENERATED.md`; the resume
//! command is the one verified there. Plus the real binary on `tests/fixtures/pi/home`.

mod common;

use common::{copy_tree, index_home, manifest, revisit, shared_fixtures};
use revisit::index::query::Reader;
use revisit::model::{Agent, Block, Message, Role, Session, TokenUsage};
use revisit::sources::{self, StoreKind};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

const PROJ: &str = "--home-dev-proj-pi--";

/// One file of the GENERATED.md Pi table: messages by role (user, assistant, toolResult), tool
/// calls, failed tool results, thinking blocks, the stored usage sums (input, output, cacheRead,
/// cacheWrite), the sum of `cost.total` as GENERATED.md prints it, and the models.
struct Row {
    file: &'static str,
    roles: (usize, usize, usize),
    tool_calls: u64,
    tool_errors: usize,
    thinking: usize,
    tokens: (u64, u64, u64, u64),
    cost: f64,
    models: &'static [&'static str],
}

const ROWS: &[Row] = &[
    Row {
        file: "2026-11-24T02-58-40-923Z_01a20b7d-c29a-7574-b495-57188a60804e.jsonl",
        roles: (3, 7, 4),
        tool_calls: 4,
        tool_errors: 0,
        thinking: 2,
        tokens: (511, 360, 9527, 2998),
        cost: 0.01979348,
        models: &["claude-sonnet-4-5-20250929", "gpt-5"],
    },
    Row {
        file: "2026-11-24T02-58-47-534Z_01a20b7d-dc6e-70ef-9c87-cf69d9a18e9d.jsonl",
        roles: (1, 2, 1),
        tool_calls: 1,
        tool_errors: 1,
        thinking: 0,
        tokens: (898, 80, 1989, 0),
        cost: 0.00217113,
        models: &["gpt-5"],
    },
    Row {
        file: "2026-11-24T02-58-49-699Z_01a20b7d-e4e2-7786-a4d9-ef63683c2352.jsonl",
        roles: (1, 2, 1),
        tool_calls: 1,
        tool_errors: 0,
        thinking: 1,
        tokens: (48, 115, 2094, 881),
        cost: 0.00580095,
        models: &["claude-sonnet-4-5-20250929"],
    },
    Row {
        file: "2026-11-24T02-58-51-962Z_01a20b7d-edba-7093-97ac-9e31c7c0ed48.jsonl",
        roles: (1, 1, 0),
        tool_calls: 0,
        tool_errors: 0,
        thinking: 0,
        tokens: (33, 19, 770, 598),
        cost: 0.0028575,
        models: &["claude-sonnet-4-5-20250929"],
    },
    // the fork: its totals include the two messages copied from dc6e…
    Row {
        file: "2026-11-24T02-58-54-007Z_01a20b7d-f5b7-7530-8102-e91e4639ad07.jsonl",
        roles: (2, 3, 1),
        tool_calls: 1,
        tool_errors: 1,
        thinking: 0,
        tokens: (1184, 136, 3288, 0),
        cost: 0.003251,
        models: &["gpt-5"],
    },
];

fn id_of(file: &str) -> &str {
    &file[25..61]
}

fn generated_home(f: &Path) -> PathBuf {
    f.join("pi/generated/home")
}

fn by_id<'a>(sessions: &'a [Session], id: &str) -> &'a Session {
    sessions
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("session {id} not listed"))
}

fn materialize(path: &Path) -> sources::Materialized {
    sources::materialize(
        &sources::pi::PiSource,
        &sources::store_for(Agent::Pi, path, StoreKind::Jsonl),
    )
    .unwrap()
}

fn count_blocks(msgs: &[Message], f: impl Fn(&Block) -> bool) -> usize {
    msgs.iter().flat_map(|m| &m.blocks).filter(|b| f(b)).count()
}

/// GENERATED.md prints the cost sum rounded to 8 decimals.
fn assert_cost(got: Option<f64>, want: f64, what: &str) {
    let got = got.unwrap_or_else(|| panic!("no cost for {what}"));
    assert!((got - want).abs() < 5e-9, "cost of {what}: {got} != {want}");
}

#[test]
fn pi_generated_sessions_match_the_report() {
    let Some(f) = shared_fixtures() else { return };
    let home = generated_home(&f);
    let scratch = tempfile::tempdir().unwrap();
    let (sessions, report) = index_home(&home, scratch.path());
    assert_eq!(report.errors, 0);
    let pi: Vec<&Session> = sessions.iter().filter(|s| s.agent == Agent::Pi).collect();
    assert_eq!(pi.len(), 5);
    for row in ROWS {
        let id = id_of(row.file);
        let s = by_id(&sessions, id);
        assert_eq!(s.parse_errors, 0, "{id}");
        assert_eq!(s.cwd.as_deref(), Some("/home/dev/proj-pi"), "{id}");
        assert_eq!(s.project.as_deref(), Some("proj-pi"));
        assert_eq!(s.git_branch, None, "Pi stores no branch");
        let (u, a, t) = row.roles;
        assert_eq!(s.prompts, u as u64, "prompts of {id}");
        assert_eq!(
            s.messages,
            (u + a + t) as u64,
            "messages of {id}: the starting model and thinking level are not shown"
        );
        assert_eq!(s.tool_calls, row.tool_calls, "tool calls of {id}");
        let tk: &TokenUsage = &s.tokens;
        assert_eq!(
            (
                tk.input,
                tk.output,
                tk.cache_read,
                tk.cache_write,
                tk.reasoning
            ),
            (row.tokens.0, row.tokens.1, row.tokens.2, row.tokens.3, 0),
            "tokens of {id}"
        );
        assert!(s.tokens_known);
        assert_cost(s.cost_usd, row.cost, id);
        let mut models = s.models.clone();
        models.sort();
        assert_eq!(models, row.models, "models of {id}");
        // the command verified in GENERATED.md: `pi --session /abs/path/<file>.jsonl`
        let path = home.join(".pi/agent/sessions").join(PROJ).join(row.file);
        let r = s.resume.as_ref().unwrap();
        assert_eq!(
            r.argv,
            vec!["pi", "--session", path.to_str().unwrap()],
            "{id}"
        );
        assert_eq!(r.cwd.as_deref(), Some("/home/dev/proj-pi"));
    }
    // -p runs name no session: the title is the first prompt
    let c29a = by_id(&sessions, "01a20b7d-c29a-7574-b495-57188a60804e");
    assert_eq!(
        c29a.title,
        "List the files in this project and tell me what notes.md says."
    );
    // the resumed run that switched model wrote no model_change: read per message
    assert_eq!(c29a.models[0], "claude-sonnet-4-5-20250929", "6 of 7 calls");
    assert_eq!(
        by_id(&sessions, "01a20b7d-f5b7-7530-8102-e91e4639ad07").title,
        "Show me what is in missing.txt",
        "the fork's first prompt is the copied one"
    );
}

#[test]
fn pi_generated_files_parse_without_issues() {
    let Some(f) = shared_fixtures() else { return };
    let dir = generated_home(&f).join(".pi/agent/sessions").join(PROJ);
    for row in ROWS {
        let m = materialize(&dir.join(row.file));
        assert!(m.issues.is_empty(), "{}: {:?}", row.file, m.issues);
        let (uid, primary, meta, msgs) = m.only();
        assert_eq!(uid, id_of(row.file));
        assert!(*primary);
        let meta = meta.as_ref().unwrap();
        assert_eq!(meta.id, id_of(row.file));
        let roles = |r: Role| msgs.iter().filter(|m| m.role == r).count();
        assert_eq!(
            (roles(Role::User), roles(Role::Assistant), roles(Role::Tool)),
            row.roles,
            "{}",
            row.file
        );
        assert_eq!(roles(Role::System), 0, "no branches, changes or compaction");
        assert_eq!(
            count_blocks(msgs, |b| matches!(
                b,
                Block::ToolResult { is_error: true, .. }
            )),
            row.tool_errors,
            "{}",
            row.file
        );
        assert_eq!(
            count_blocks(msgs, |b| matches!(b, Block::Thinking { sealed: false, .. })),
            row.thinking,
            "{}",
            row.file
        );
        // every message carries the entry id it came from
        assert!(
            msgs.iter()
                .all(|m| m.native_id.as_deref().is_some_and(|i| i.len() == 8))
        );
        let cost: f64 = msgs.iter().filter_map(|m| m.cost_usd).sum();
        assert_cost(Some(cost), row.cost, row.file);
    }
}

#[test]
fn pi_real_v1_file_with_compactions_and_model_changes() {
    let Some(f) = shared_fixtures() else { return };
    let m = materialize(&f.join("pi/before-compaction.jsonl"));
    assert!(m.issues.is_empty(), "{:?}", m.issues);
    let (uid, _, meta, msgs) = m.only();
    assert_eq!(uid, "ffae836b-9420-4060-ac13-7745215f90ff");
    let meta = meta.as_ref().unwrap();
    assert_eq!(
        meta.cwd.as_deref(),
        Some("/Users/badlogic/workspaces/pi-mono")
    );
    // 990 message entries + 5 model changes + 5 thinking-level changes + 2 compactions: a v1
    // file is a list, every entry is on the active branch
    assert_eq!(msgs.len(), 1002);
    let notices: Vec<&str> = msgs
        .iter()
        .flat_map(|m| &m.blocks)
        .filter_map(|b| match b {
            Block::Notice { kind, .. } => Some(kind.as_str()),
            _ => None,
        })
        .collect();
    let n = |k: &str| notices.iter().filter(|x| **x == k).count();
    assert_eq!((n("model"), n("thinking"), n("compaction")), (5, 5, 2));
    assert_eq!(n("branch"), 0);
    // 18 aborted calls, one API error
    assert_eq!((n("aborted"), n("error")), (18, 1));
    assert_eq!(msgs.iter().filter(|m| m.is_prompt()).count(), 55);
    // 454 tool calls of the model + 3 `!` commands of the person
    let bash: Vec<&Message> = msgs
        .iter()
        .filter(|m| m.role == Role::User && m.tool_calls() == 1)
        .collect();
    assert_eq!(bash.len(), 3);
    assert!(bash.iter().all(|m| !m.is_prompt()));
    assert_eq!(msgs.iter().map(Message::tool_calls).sum::<usize>(), 457);
    // usage summed per call, as Pi recorded it (computed from the file independently)
    let mut total = TokenUsage::default();
    let mut cost = 0.0;
    for m in msgs {
        if let Some(u) = &m.usage {
            total.add(u);
        }
        cost += m.cost_usd.unwrap_or(0.0);
    }
    assert_eq!(
        (
            total.input,
            total.output,
            total.cache_read,
            total.cache_write
        ),
        (3689, 187895, 54693675, 1685320)
    );
    assert!((cost - 42.5959075).abs() < 1e-6, "{cost}");
    // entries copied from the parent session keep their earlier times
    assert!(msgs[0].time < meta.started_at);
}

#[test]
fn pi_an_append_that_switches_branch_equals_a_fresh_index() {
    let Some(f) = shared_fixtures() else { return };
    let home = tempfile::tempdir().unwrap();
    copy_tree(&generated_home(&f), home.path());
    let file = home
        .path()
        .join(".pi/agent/sessions")
        .join(PROJ)
        .join(ROWS[0].file);
    let scratch = tempfile::tempdir().unwrap();
    let (before, _) = index_home(home.path(), scratch.path());
    assert_eq!(by_id(&before, id_of(ROWS[0].file)).messages, 14);
    // /tree back to the end of the first turn (d8ecd1e9), then a new prompt and answer
    let mut out = std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .unwrap();
    writeln!(out, r#"{{"type":"message","id":"0badbeef","parentId":"d8ecd1e9","timestamp":"2026-11-24T03:10:00.000Z","message":{{"role":"user","content":[{{"type":"text","text":"Instead, explain app.py"}}],"timestamp":1795489800000}}}}"#).unwrap();
    writeln!(out, r#"{{"type":"message","id":"0badf00d","parentId":"0badbeef","timestamp":"2026-11-24T03:10:01.000Z","message":{{"role":"assistant","content":[{{"type":"text","text":"It greets."}}],"api":"anthropic-messages","provider":"mock-anthropic","model":"claude-sonnet-4-5-20250929","usage":{{"input":5,"output":3,"cacheRead":100,"cacheWrite":0,"totalTokens":108,"cost":{{"input":0,"output":0,"cacheRead":0,"cacheWrite":0,"total":0.0001}}}},"stopReason":"stop","timestamp":1795489800500}}}}"#).unwrap();
    drop(out);
    let (after, report) = index_home(home.path(), scratch.path());
    assert_eq!(report.errors, 0);
    let fresh_scratch = tempfile::tempdir().unwrap();
    let (fresh, _) = index_home(home.path(), fresh_scratch.path());
    assert_eq!(after, fresh, "the refreshed index equals a fresh one");
    let key = format!("pi:{}", id_of(ROWS[0].file));
    let msgs = Reader::open(&scratch.path().join("index.sqlite"))
        .unwrap()
        .messages(&key)
        .unwrap();
    let fresh_msgs = Reader::open(&fresh_scratch.path().join("index.sqlite"))
        .unwrap()
        .messages(&key)
        .unwrap();
    assert_eq!(msgs, fresh_msgs);
    // the first turn (6 messages), the branch notice, the new prompt and answer
    assert_eq!(msgs.len(), 9);
    assert_eq!(msgs[6].native_id.as_deref(), Some("branch@d8ecd1e9"));
    assert!(
        msgs[6]
            .blocks
            .iter()
            .any(|b| matches!(b, Block::Notice { text, .. }
        if text.starts_with("1 other branch here") && text.contains("[e2715cb7]")))
    );
    let s = by_id(&after, id_of(ROWS[0].file));
    assert_eq!((s.prompts, s.messages, s.tool_calls), (2, 9, 2));
    // the first turn's three calls (42+42+13 input) and the new one
    assert_eq!(s.tokens.input, 42 + 42 + 13 + 5);
}

#[test]
fn pi_cli_lists_the_fixture_home() {
    let scratch = tempfile::tempdir().unwrap();
    let home = manifest().join("tests/fixtures/pi/home");
    let out = revisit(&home, scratch.path())
        .args(["list", "--json", "--agent", "pi"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert!(list.iter().all(|s| s["agent"] == "pi"));
    let shop = list
        .iter()
        .find(|s| s["id"] == "0199aaaa-1111-7222-8333-444455556666")
        .unwrap();
    assert_eq!(shop["title"], "Checkout rounding fix");
    assert_eq!(shop["cwd"], "/home/u/shop");
    assert_eq!(shop["project"], "shop");
    assert_eq!(shop["prompts"], 2);
    assert_eq!(shop["messages"], 15);
    assert_eq!(shop["tool_calls"], 3);
    assert_eq!(shop["parse_errors"], 0);
    assert_eq!(
        shop["tokens"],
        serde_json::json!({"input": 26, "output": 66, "cache_read": 1200, "cache_write": 70, "reasoning": 0})
    );
    assert!((shop["cost_usd"].as_f64().unwrap() - 0.012).abs() < 1e-9);
    let file = home.join(
        ".pi/agent/sessions/--home-u-shop--/2026-11-20T09-00-00-000Z_0199aaaa-1111-7222-8333-444455556666.jsonl",
    );
    assert_eq!(
        shop["resume"],
        serde_json::json!({"argv": ["pi", "--session", file.to_str().unwrap()], "cwd": "/home/u/shop"})
    );
    assert!(list.iter().all(|s| s["parse_errors"] == 0));
}
