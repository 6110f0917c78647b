//! Gemini CLI conformance: the files the real CLI (0.61) wrote (`../shared/fixtures/gemini`)
//! parse without issues and match `GENERATED-codex-gemini.md`; the fixture home of
//! `tests/fixtures/gemini/home` through the real binary.

mod common;

use common::{copy_tree, index_home, manifest, revisit, shared_fixtures};
use revisit::model::{Agent, Block, Message, Role, Session};
use revisit::sources::{self, StoreKind, gemini::GeminiSource};
use serde_json::Value;
use std::path::Path;

const A: &str = "515059ce-c71b-48be-8a62-c75b31c77d82";
const B: &str = "f7aa63a8-84f6-4f9b-a9be-9a1f47b861b8";
const C: &str = "6ba7fc37-9c21-4a48-a564-29e6b6693aa7";
const PROJECT: &str = "/home/dev/proj-gemini";

/// (id, file, model, prompts, tool calls, gemini messages, tool-result messages, thoughts,
/// (input, cached, output, thoughts) as the file counts them, summary)
type Row = (
    &'static str,
    &'static str,
    &'static str,
    u64,
    u64,
    usize,
    usize,
    usize,
    (u64, u64, u64, u64),
    &'static str,
);

const ROWS: &[Row] = &[
    (
        A,
        "session-2026-11-24T02-43-515059ce.jsonl",
        "gemini-2.5-pro",
        3,
        5,
        8,
        5,
        5,
        (69002, 57309, 705, 295),
        "Explore the harvest demo project",
    ),
    (
        B,
        "session-2026-11-24T02-43-f7aa63a8.jsonl",
        "gemini-2.5-pro",
        1,
        3,
        3,
        2,
        2,
        (22343, 14080, 260, 105),
        "Run the project's test suite",
    ),
    (
        C,
        "session-2026-11-24T02-43-6ba7fc37.jsonl",
        "gemini-2.5-flash",
        1,
        0,
        1,
        0,
        1,
        (6890, 3072, 12, 27),
        "Answer a quick arithmetic question",
    ),
];

fn by_id<'a>(sessions: &'a [Session], id: &str) -> &'a Session {
    sessions
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("session {id} not listed"))
}

fn chats(f: &Path) -> std::path::PathBuf {
    f.join("gemini/generated/home/.gemini/tmp/proj-gemini/chats")
}

#[test]
fn gemini_generated_sessions() {
    let Some(f) = shared_fixtures() else { return };
    let scratch = tempfile::tempdir().unwrap();
    let (sessions, report) = index_home(&f.join("gemini/generated/home"), scratch.path());
    assert_eq!(report.errors, 0);
    let gemini: Vec<&Session> = sessions
        .iter()
        .filter(|s| s.agent == Agent::Gemini)
        .collect();
    assert_eq!(gemini.len(), 3);
    for (
        id,
        _,
        model,
        prompts,
        tools,
        geminis,
        results,
        _,
        (input, cached, output, thoughts),
        summary,
    ) in ROWS
    {
        let s = by_id(&sessions, id);
        assert_eq!(s.agent, Agent::Gemini);
        assert_eq!(s.parse_errors, 0, "{id}");
        assert_eq!(s.models, vec![model.to_string()], "{id}");
        assert_eq!(s.prompts, *prompts, "prompts of {id}");
        assert_eq!(s.tool_calls, *tools, "tool calls of {id}");
        assert_eq!(s.subagents, 0);
        // the injected <session_context>, the prompts, the unique gemini messages, the tool
        // results
        assert_eq!(
            s.messages,
            1 + prompts + *geminis as u64 + *results as u64,
            "messages of {id}"
        );
        // shared semantics: input without the cached part, thoughts inside output
        assert_eq!(s.tokens.input, input - cached, "input of {id}");
        assert_eq!(s.tokens.cache_read, *cached, "cached of {id}");
        assert_eq!(s.tokens.output, output + thoughts, "output of {id}");
        assert_eq!(s.tokens.reasoning, *thoughts, "reasoning of {id}");
        assert_eq!(s.tokens.cache_write, 0);
        assert!(s.tokens_known);
        assert_eq!(s.title, *summary, "the $set summary is the title");
        assert_eq!(s.cwd.as_deref(), Some(PROJECT));
        assert_eq!(s.project.as_deref(), Some("proj-gemini"));
        assert_eq!(s.git_branch, None, "Gemini stores no branch");
        // the command that worked there, run in the project directory
        let r = s.resume.as_ref().unwrap();
        assert_eq!(r.argv, vec!["gemini", "--resume", id]);
        assert_eq!(r.cwd.as_deref(), Some(PROJECT));
    }
    // totals as the file counts them: input + output + thoughts = total
    let a = by_id(&sessions, A);
    assert_eq!(a.tokens.total(), 70002);
    assert_eq!(by_id(&sessions, B).tokens.total(), 22708);
    assert_eq!(by_id(&sessions, C).tokens.total(), 6929);
    // the first process started at 02:43:10.167; the interactive turn ended at 02:43:24.823
    assert_eq!(
        a.started_at.map(|t| revisit::model::rfc3339(&t)).as_deref(),
        Some("2026-11-24T02:43:10.167Z")
    );
    assert_eq!(
        a.updated_at.map(|t| revisit::model::rfc3339(&t)).as_deref(),
        Some("2026-11-24T02:43:24.823Z")
    );
    assert_eq!(
        a.first_prompt.as_deref(),
        Some(
            "Hi! 👋 Please look around this project and give me a short overview. 日本語の説明も歓迎です。"
        )
    );
}

fn parse_file(path: &Path) -> sources::Materialized {
    sources::materialize(
        &GeminiSource::default(),
        &sources::store_for(Agent::Gemini, path, StoreKind::Jsonl),
    )
    .unwrap()
}

#[test]
fn gemini_generated_files_parse_cleanly_and_count_like_generated() {
    let Some(f) = shared_fixtures() else { return };
    for (id, file, model, prompts, tools, geminis, results, thoughts, _, _) in ROWS {
        let m = parse_file(&chats(&f).join(file));
        assert!(m.issues.is_empty(), "{file}: {:?}", m.issues);
        let (uid, primary, meta, msgs) = m.only();
        assert_eq!(uid, id);
        assert!(*primary);
        assert_eq!(meta.as_ref().unwrap().id, *id);
        let count = |f: &dyn Fn(&Message) -> bool| msgs.iter().filter(|m| f(m)).count();
        assert_eq!(count(&|m| m.role == Role::Assistant), *geminis, "{file}");
        assert_eq!(count(&|m| m.role == Role::Tool), *results, "{file}");
        assert_eq!(count(&|m| m.is_prompt()), *prompts as usize, "{file}");
        assert_eq!(
            count(&|m| m.role == Role::User && m.meta),
            1,
            "session_context"
        );
        assert_eq!(
            msgs.iter().map(Message::tool_calls).sum::<usize>(),
            *tools as usize
        );
        let thinking = msgs
            .iter()
            .flat_map(|m| &m.blocks)
            .filter(|b| matches!(b, Block::Thinking { .. }))
            .count();
        assert_eq!(thinking, *thoughts, "{file}");
        assert!(
            msgs.iter()
                .filter(|m| m.role == Role::Assistant)
                .all(|m| m.model.as_deref() == Some(model) && m.usage.is_some()),
            "every gemini message kept its model and usage: the rebuilt copies were not used"
        );
        // every call has exactly one result
        let calls: Vec<&String> = msgs
            .iter()
            .flat_map(|m| &m.blocks)
            .filter_map(|b| match b {
                Block::ToolCall { id, .. } => Some(id),
                _ => None,
            })
            .collect();
        let mut answered: Vec<&String> = msgs
            .iter()
            .flat_map(|m| &m.blocks)
            .filter_map(|b| match b {
                Block::ToolResult { call_id, .. } => Some(call_id),
                _ => None,
            })
            .collect();
        answered.sort();
        let mut expected = calls.clone();
        expected.sort();
        assert_eq!(answered, expected, "{file}");
    }
}

#[test]
fn gemini_failing_tools_are_errors() {
    let Some(f) = shared_fixtures() else { return };
    let m = parse_file(&chats(&f).join("session-2026-11-24T02-43-f7aa63a8.jsonl"));
    let errors: Vec<bool> = m
        .only()
        .3
        .iter()
        .flat_map(|m| &m.blocks)
        .filter_map(|b| match b {
            Block::ToolResult { is_error, .. } => Some(*is_error),
            _ => None,
        })
        .collect();
    // python3 run_tests.py (status success, Exit Code: 2), read_file tests/test_app.py (status
    // error), read_file build.log (success)
    assert_eq!(errors, vec![true, true, false]);
    // A: all five calls succeeded
    let m = parse_file(&chats(&f).join("session-2026-11-24T02-43-515059ce.jsonl"));
    assert!(
        m.only()
            .3
            .iter()
            .flat_map(|m| &m.blocks)
            .all(|b| !matches!(b, Block::ToolResult { is_error: true, .. }))
    );
}

#[test]
fn gemini_cwd_without_project_root_files() {
    let Some(f) = shared_fixtures() else { return };
    // 1. no .project_root: projects.json maps the slug
    let home = tempfile::tempdir().unwrap();
    copy_tree(&f.join("gemini/generated/home"), home.path());
    let gem = home.path().join(".gemini");
    std::fs::remove_file(gem.join("tmp/proj-gemini/.project_root")).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let (sessions, _) = index_home(home.path(), scratch.path());
    assert!(sessions.iter().all(|s| s.cwd.as_deref() == Some(PROJECT)));
    // 2. no projects.json either: the first workspace directory of the injected
    //    <session_context>. (These files' projectHash is the sha256 of the scratch path
    //    before it was rewritten to /home/dev: no hash can match here; the unit tests cover
    //    matching.)
    std::fs::remove_file(gem.join("projects.json")).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let (sessions, _) = index_home(home.path(), scratch.path());
    assert_eq!(sessions.len(), 3);
    assert!(sessions.iter().all(|s| s.cwd.as_deref() == Some(PROJECT)));
    // 3. the pre-0.29 layout: the folder is named by the projectHash
    let hash = "053173d4ad54f027e66de75d51764327d27a45d85997070d6a1679e8126ce7aa";
    std::fs::rename(gem.join("tmp/proj-gemini"), gem.join("tmp").join(hash)).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let (sessions, report) = index_home(home.path(), scratch.path());
    assert_eq!(report.errors, 0);
    assert_eq!(sessions.len(), 3);
    for s in &sessions {
        assert_eq!(s.cwd.as_deref(), Some(PROJECT), "{}", s.id);
        assert_eq!(s.resume.as_ref().unwrap().cwd.as_deref(), Some(PROJECT));
    }
}

#[test]
fn gemini_synthetic_samples_do_not_break_anything() {
    let Some(f) = shared_fixtures() else { return };
    for (rel, kind) in [
        (
            "gemini/synthetic/agent-sessions-stage0-gemini-jsonl_v040.jsonl",
            StoreKind::Jsonl,
        ),
        (
            "gemini/synthetic/agent-sessions-stage0-gemini-large.json",
            StoreKind::Json,
        ),
    ] {
        let m = sources::materialize(
            &GeminiSource::default(),
            &sources::store_for(Agent::Gemini, &f.join(rel), kind),
        )
        .unwrap();
        assert!(!m.sessions.is_empty(), "{rel}");
        assert!(!m.only().3.is_empty(), "{rel}");
        for i in &m.issues {
            assert!(i.line.is_some(), "{rel}: {i:?}");
        }
    }
}

fn list_json(out: &std::process::Output) -> Vec<Value> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn find<'a>(v: &'a [Value], id: &str) -> &'a Value {
    v.iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("{id} not listed"))
}

#[test]
fn gemini_cli_lists_the_fixture_home() {
    let home = manifest().join("tests/fixtures/gemini/home");
    let scratch = tempfile::tempdir().unwrap();
    let v = list_json(
        &revisit(&home, scratch.path())
            .args(["list", "--json", "--agent", "gemini"])
            .output()
            .unwrap(),
    );
    assert_eq!(
        v.len(),
        5,
        "the stray file and the subagent are no sessions"
    );
    assert!(
        v.iter()
            .all(|s| s["agent"] == "gemini" && s["parse_errors"] == 0)
    );
    let s1 = find(&v, "1111aaaa-0000-4000-8000-000000000001");
    assert_eq!(s1["title"], "Fix the failing build");
    assert_eq!(s1["cwd"], "/home/u/webapp");
    assert_eq!(s1["project"], "webapp");
    assert_eq!(s1["prompts"], 3);
    assert_eq!(s1["messages"], 10);
    assert_eq!(s1["tool_calls"], 2);
    assert_eq!(s1["subagents"], 1);
    assert_eq!(
        s1["tokens"],
        serde_json::json!({"input": 2305, "output": 157, "cache_read": 2900, "cache_write": 0, "reasoning": 47})
    );
    assert_eq!(
        s1["models"],
        serde_json::json!(["gemini-2.5-flash", "gemini-2.5-pro"])
    );
    assert!(
        s1["source"]
            .as_str()
            .unwrap()
            .ends_with("session-2026-11-20T10-00-1111aaaa.jsonl"),
        "the main file wins over the stray one"
    );
    assert_eq!(
        s1["resume"],
        serde_json::json!({"argv": ["gemini", "--resume", "1111aaaa-0000-4000-8000-000000000001"], "cwd": "/home/u/webapp"})
    );
    let s3 = find(&v, "3333cccc-0000-4000-8000-000000000003");
    assert!(s3["source"].as_str().unwrap().ends_with("3333cccc.jsonl"));
    assert_eq!(s3["messages"], 6);
    assert_eq!(s3["title"], "Explain src/lib.rs");
    assert_eq!(
        find(&v, "4444dddd-0000-4000-8000-000000000004")["cwd"],
        "/home/u/oldproj"
    );
    assert_eq!(
        find(&v, "5555eeee-0000-4000-8000-000000000005")["cwd"],
        "/home/u/found-in-file"
    );
    let unknown = find(&v, "6666ffff-0000-4000-8000-000000000006");
    assert!(unknown["cwd"].is_null());
    assert!(
        unknown["resume"].is_null(),
        "no project root: no command that works"
    );
}

#[test]
fn gemini_cli_home_replaces_the_home() {
    let empty = tempfile::tempdir().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let v = list_json(
        &revisit(empty.path(), scratch.path())
            .env(
                "GEMINI_CLI_HOME",
                manifest().join("tests/fixtures/gemini/home"),
            )
            .args(["list", "--json", "--agent", "gemini"])
            .output()
            .unwrap(),
    );
    assert_eq!(v.len(), 5);
}

#[test]
fn gemini_demo_sessions_read_cleanly() {
    let scratch = tempfile::tempdir().unwrap();
    let v = list_json(
        &revisit(scratch.path(), scratch.path())
            .args(["--demo", "list", "--json", "--agent", "gemini"])
            .output()
            .unwrap(),
    );
    assert_eq!(v.len(), 2);
    for s in &v {
        assert_eq!(s["parse_errors"], 0);
        assert!(s["cwd"].as_str().unwrap().starts_with("/home/demo/src/"));
        assert_eq!(s["resume"]["argv"][0], "gemini");
    }
    // the resumed bug hunt: its rebuilt history added nothing
    let hunt = find(&v, "3f6c1a2b-8d4e-4f70-9a12-6b5c4d3e2f10");
    assert_eq!(hunt["prompts"], 2);
    assert_eq!(hunt["tool_calls"], 5);
    assert_eq!(hunt["messages"], 13);
}
