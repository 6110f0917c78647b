//! Conformance over the files the real, current CLIs wrote (`../shared/fixtures`): every file
//! parses without errors and the counts and token totals equal `GENERATED*.md`.

mod common;

use common::{index_home, shared_fixtures};
use revisit::model::{Agent, Block, Session, TokenUsage};
use revisit::sources::{self, StoreKind};

/// (id, prompts, tool calls, subagents, (input, output, cache_read, cache_creation))
type ClaudeRow = (&'static str, u64, u64, u64, (u64, u64, u64, u64));
/// (id, model, prompts, tool calls, total input, cached, output, reasoning)
type CodexRow = (&'static str, &'static str, u64, u64, u64, u64, u64, u64);

fn by_id<'a>(sessions: &'a [Session], id: &str) -> &'a Session {
    sessions
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("session {id} not listed"))
}

fn tokens(s: &Session) -> (u64, u64, u64, u64) {
    let t: &TokenUsage = &s.tokens;
    (t.input, t.output, t.cache_read, t.cache_write)
}

#[test]
fn claude_code_generated_sessions() {
    let Some(f) = shared_fixtures() else { return };
    let scratch = tempfile::tempdir().unwrap();
    let (sessions, report) = index_home(&f.join("claude-code/generated/home"), scratch.path());
    assert_eq!(report.errors, 0);
    assert_eq!(
        sessions.len(),
        7,
        "the subagent file is not a session of its own"
    );
    for s in &sessions {
        assert_eq!(s.agent, Agent::Claude);
        assert_eq!(s.parse_errors, 0, "{}", s.id);
        assert_eq!(s.cwd.as_deref(), Some("/home/dev/proj-claude"), "{}", s.id);
        assert_eq!(s.project.as_deref(), Some("proj-claude"));
        assert_eq!(s.git_branch.as_deref(), Some("main"));
        let r = s.resume.as_ref().unwrap();
        assert_eq!(r.argv, vec!["claude", "--resume", s.id.as_str()]);
        assert_eq!(r.cwd.as_deref(), Some("/home/dev/proj-claude"));
    }
    // (id, prompts, tool calls, subagents, input, output, cache_read, cache_creation)
    let expected: &[ClaudeRow] = &[
        (
            "33cb1066-eda7-4c55-aadc-f51011b35e16",
            3,
            4,
            0,
            (160, 375, 145333, 60718),
        ),
        (
            "c0ef3c2d-0782-4e59-a310-a53923164372",
            1,
            1,
            0,
            (10, 100, 39768, 18258),
        ),
        (
            "8803ff7c-0ffb-4418-a334-ec387d8d2282",
            1,
            1,
            0,
            (68, 123, 39859, 18225),
        ),
        (
            "e1cc27da-2d22-4262-9f6c-afa33dc97aa4",
            1,
            0,
            0,
            (26, 21, 15929, 13007),
        ),
        (
            "91d0e72f-1739-48c3-ae9c-1882a0a75b06",
            2,
            0,
            0,
            (54, 71, 39661, 18189),
        ),
        (
            "1a292194-331b-437d-9fc4-a613274acc48",
            2,
            1,
            0,
            (18, 150, 63689, 23501),
        ),
        // the TUI session plus its Explore subagent (haiku): 82+33, 134+188, 70683+29367, 25992+10755
        (
            "19596b94-3e9b-4e38-9f3e-50783d31f79f",
            2,
            1,
            1,
            (115, 322, 100050, 36747),
        ),
    ];
    for (id, prompts, tools, subagents, tok) in expected {
        let s = by_id(&sessions, id);
        assert_eq!(s.prompts, *prompts, "prompts of {id}");
        assert_eq!(s.tool_calls, *tools, "tool calls of {id}");
        assert_eq!(s.subagents, *subagents, "subagents of {id}");
        assert_eq!(tokens(s), *tok, "tokens of {id}");
    }
    // 33cb1066: 7 API messages (11 lines) + 3 prompts + 4 tool results
    assert_eq!(
        by_id(&sessions, "33cb1066-eda7-4c55-aadc-f51011b35e16").messages,
        14
    );
    // the TUI wrote an AI title; -p runs only a first prompt
    assert_eq!(
        by_id(&sessions, "19596b94-3e9b-4e38-9f3e-50783d31f79f").title,
        "Delegate project exploration"
    );
    assert_eq!(
        by_id(&sessions, "e1cc27da-2d22-4262-9f6c-afa33dc97aa4").title,
        "What is 2+2?"
    );
    let models = &by_id(&sessions, "19596b94-3e9b-4e38-9f3e-50783d31f79f").models;
    assert!(models.contains(&"claude-haiku-4-5-20251001".to_string()));
    assert!(models.contains(&"claude-sonnet-4-5-20250929".to_string()));
}

#[test]
fn claude_code_older_real_files() {
    let Some(f) = shared_fixtures() else { return };
    // (file, tool errors) from SOURCES.md
    for (file, errors) in [
        ("1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl", 1),
        ("5c0375b4-57a5-4f26-b12d-d022ee4e51b7.jsonl", 3),
        ("fe5e1c67-53e7-4862-81ae-d0e013e3270b.jsonl", 23),
    ] {
        let path = f.join("claude-code").join(file);
        let src = sources::claude::ClaudeSource;
        let m = sources::materialize(
            &src,
            &sources::store_for(Agent::Claude, &path, StoreKind::Jsonl),
        )
        .unwrap();
        assert!(m.issues.is_empty(), "{file}: {:?}", m.issues);
        let msgs = &m.only().3;
        let tool_errors = msgs
            .iter()
            .flat_map(|m| &m.blocks)
            .filter(|b| matches!(b, Block::ToolResult { is_error: true, .. }))
            .count();
        assert_eq!(tool_errors, errors, "{file}");
        assert!(m.only().2.as_ref().unwrap().cwd.as_deref() == Some("/path/to/Demo"));
    }
}

#[test]
fn claude_code_older_files_as_a_home_with_a_cross_file_summary() {
    let Some(f) = shared_fixtures() else { return };
    let home = tempfile::tempdir().unwrap();
    let proj = home.path().join(".claude/projects/-path-to-Demo");
    std::fs::create_dir_all(&proj).unwrap();
    for file in [
        "1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl",
        "5c0375b4-57a5-4f26-b12d-d022ee4e51b7.jsonl",
        "fe5e1c67-53e7-4862-81ae-d0e013e3270b.jsonl",
    ] {
        std::fs::copy(f.join("claude-code").join(file), proj.join(file)).unwrap();
    }
    let scratch = tempfile::tempdir().unwrap();
    let (sessions, _) = index_home(home.path(), scratch.path());
    // fe5e1c67 starts with a summary whose leaf is the last message of 1af7fc5e
    assert_eq!(
        by_id(&sessions, "1af7fc5e-8455-4414-9ccd-011d40f70b2a").title,
        "Empty Repo Setup: CLAUDE.md Foundation Created"
    );
    // inline sidechains: two Task subagents in 5c0375b4
    assert_eq!(
        by_id(&sessions, "5c0375b4-57a5-4f26-b12d-d022ee4e51b7").subagents,
        2
    );
    assert!(sessions.iter().all(|s| s.parse_errors == 0));
}

#[test]
fn codex_generated_sessions() {
    let Some(f) = shared_fixtures() else { return };
    let scratch = tempfile::tempdir().unwrap();
    let (sessions, report) = index_home(&f.join("codex/generated/home"), scratch.path());
    assert_eq!(report.errors, 0);
    assert_eq!(sessions.len(), 3);
    // (id, model, prompts, tool calls, total input, cached, output, reasoning) from GENERATED-codex-gemini.md
    let expected: &[CodexRow] = &[
        (
            "01a20b6f-370c-7af1-b21b-8d555bb861f6",
            "gpt-5.5",
            3,
            5,
            87201,
            73984,
            1218,
            204,
        ),
        (
            "01a20b6f-78e9-78a2-b873-9cd595244e8f",
            "gpt-5.1-codex",
            1,
            3,
            27848,
            17920,
            420,
            70,
        ),
        (
            "01a20b6f-7b31-7ae3-a58b-31c0f3ed9ee0",
            "gpt-5-codex",
            1,
            0,
            8512,
            4096,
            29,
            12,
        ),
    ];
    for (id, model, prompts, tools, input, cached, output, reasoning) in expected {
        let s = by_id(&sessions, id);
        assert_eq!(s.agent, Agent::Codex);
        assert_eq!(s.models, vec![model.to_string()]);
        assert_eq!(s.prompts, *prompts, "{id}");
        assert_eq!(s.tool_calls, *tools, "{id}");
        assert_eq!(
            s.tokens.input,
            input - cached,
            "input excludes cached for {id}"
        );
        assert_eq!(s.tokens.cache_read, *cached);
        assert_eq!(s.tokens.output, *output);
        assert_eq!(s.tokens.reasoning, *reasoning);
        assert_eq!(s.tokens.cache_write, 0);
        assert_eq!(s.cwd.as_deref(), Some("/home/dev/proj-codex"));
        assert_eq!(s.git_branch.as_deref(), Some("main"));
        assert_eq!(s.parse_errors, 0);
        assert_eq!(
            s.resume.as_ref().unwrap().argv,
            vec!["codex", "resume", id, "-C", "/home/dev/proj-codex"]
        );
    }
    // B: 2 assistant messages (one commentary) and both failing commands marked as errors
    let b = by_id(&sessions, "01a20b6f-78e9-78a2-b873-9cd595244e8f");
    assert!(b.title.starts_with("Please run the test suite"));
}

#[test]
fn codex_failing_commands_are_errors() {
    let Some(f) = shared_fixtures() else { return };
    let path = f.join("codex/generated/home/.codex/sessions/2026/11/24/rollout-2026-11-24T02-43-04-01a20b6f-78e9-78a2-b873-9cd595244e8f.jsonl");
    let m = sources::materialize(
        &sources::codex::CodexSource,
        &sources::store_for(Agent::Codex, &path, StoreKind::Jsonl),
    )
    .unwrap();
    let results: Vec<bool> = m
        .only()
        .3
        .iter()
        .flat_map(|m| &m.blocks)
        .filter_map(|b| match b {
            Block::ToolResult { is_error, .. } => Some(*is_error),
            _ => None,
        })
        .collect();
    // python3 run_tests.py (exit 2), ls tests/ (exit 2), cat build.log (exit 0)
    assert_eq!(results, vec![true, true, false]);
}

#[test]
fn synthetic_samples_do_not_break_anything() {
    let Some(f) = shared_fixtures() else { return };
    for (agent, rel) in [
        (
            Agent::Claude,
            "claude-code/synthetic/agent-sessions-stage0-claude-small.jsonl",
        ),
        (
            Agent::Claude,
            "claude-code/synthetic/subagent-layout/0a1b2c3d-4e5f-4061-8071-2a3b4c5d6e7f.jsonl",
        ),
        (
            Agent::Codex,
            "codex/synthetic/agent-sessions-stage0-codex-small.jsonl",
        ),
        (
            Agent::Codex,
            "codex/synthetic/agent-sessions-codex_053_rate_limit.jsonl",
        ),
    ] {
        let path = f.join(rel);
        let src: Box<dyn sources::Source> = match agent {
            Agent::Claude => Box::new(sources::claude::ClaudeSource),
            _ => Box::new(sources::codex::CodexSource),
        };
        let m = sources::materialize(
            src.as_ref(),
            &sources::store_for(agent, &path, StoreKind::Jsonl),
        )
        .unwrap();
        assert!(!m.sessions.is_empty(), "{rel}");
        // unknown line types in third-party catalogues are counted, never fatal
        for i in &m.issues {
            assert!(i.line.is_some(), "{rel}: {i:?}");
        }
    }
}
