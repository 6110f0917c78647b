//! OpenCode: the database the real CLI (opencode-ai 1.18.33) wrote (`../shared/fixtures/opencode`,
//! numbers from `GENERATED.md`), and revisit's own fixture home (`tests/fixtures/opencode/home`:
//! two channel databases and the legacy JSON tree) through the real binary.

mod common;

use common::{copy_tree, index_home, manifest, revisit, shared_fixtures};
use revisit::model::{Agent, Block, Role, Session};
use revisit::sources::{self, StoreKind};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn by_id<'a>(sessions: &'a [Session], id: &str) -> &'a Session {
    sessions
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("session {id} not listed"))
}

/// Every file under a folder with its size and modification time.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u64, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let md = std::fs::metadata(&p).unwrap();
            if md.is_dir() {
                stack.push(p);
            } else {
                out.insert(p, (md.len(), md.modified().unwrap()));
            }
        }
    }
    out
}

/// (id, title, prompts, messages, tool calls, subagents, models,
///  (input, output incl. reasoning, reasoning, cache read, cache write), cost)
type Row = (
    &'static str,
    &'static str,
    u64,
    u64,
    u64,
    u64,
    &'static [&'static str],
    (u64, u64, u64, u64, u64),
    f64,
);

const GPT: &str = "mock/gpt-5";
const SONNET: &str = "mock-anthropic/claude-sonnet-4-5-20250929";

#[test]
fn opencode_generated_sessions() {
    let Some(f) = shared_fixtures() else { return };
    let home = f.join("opencode/generated/home");
    let data = home.join(".local/share/opencode");
    let before = snapshot(&data);
    let scratch = tempfile::tempdir().unwrap();
    let (sessions, report) = index_home(&home, scratch.path());
    assert_eq!(report.errors, 0);
    assert_eq!(
        snapshot(&data),
        before,
        "the database is read in place: nothing written, no -wal/-shm created"
    );
    assert_eq!(
        sessions.len(),
        6,
        "the @general child session is part of its parent"
    );
    for s in &sessions {
        assert_eq!(s.agent, Agent::Opencode);
        assert_eq!(s.parse_errors, 0, "{}", s.id);
        assert!(s.tokens_known);
        assert_eq!(
            s.cwd.as_deref(),
            Some("/home/dev/proj-opencode"),
            "{}",
            s.id
        );
        assert_eq!(s.project.as_deref(), Some("proj-opencode"));
        assert_eq!(s.git_branch, None, "OpenCode stores no branch");
        // from another directory `opencode run -s <id>` hangs: the directory goes in too
        let r = s.resume.as_ref().unwrap();
        assert_eq!(
            r.argv,
            vec![
                "opencode",
                "/home/dev/proj-opencode",
                "--session",
                s.id.as_str()
            ]
        );
        assert_eq!(r.cwd.as_deref(), Some("/home/dev/proj-opencode"));
        assert!(s.source.ends_with(".local/share/opencode/opencode.db"));
    }
    // GENERATED.md: stored tokens input / output / reasoning / cache.read / cache.write / cost.
    // OpenCode's output excludes reasoning; revisit's includes it (output + reasoning).
    // messages = user + assistant messages + one tool result per tool part.
    let expected: &[Row] = &[
        (
            "ses_df481ffbdffepzwY3fXPVDRaOm",
            "Explore project files",
            3,
            3 + 7 + 4,
            4,
            0,
            &[GPT, SONNET],
            (14665, 305 + 52, 52, 39494, 1514),
            0.03399465,
        ),
        (
            "ses_df481b3e6ffe1nc3i1nfBpbNlF",
            "Read missing file",
            1,
            1 + 2 + 1,
            1,
            0,
            &[GPT],
            (4740, 91, 0, 10340, 0),
            0.0081275,
        ),
        (
            "ses_df4819cb5ffePsTpD1q4163xvw",
            "Coloured output test 🎨",
            1,
            1 + 2 + 1,
            1,
            0,
            &[SONNET],
            (42, 101, 0, 10645, 4819),
            0.02290575,
        ),
        (
            "ses_df48185dbffeCwKPGSC3h04Ppk",
            "Quick arithmetic",
            1,
            1 + 1,
            0,
            0,
            &[GPT],
            (3373, 19, 0, 4122, 0),
            0.0049215,
        ),
        // the parent plus its @general child (4849 / 171+32 / 32 / 13276 / 0 / 0.00975075)
        (
            "ses_df4817158ffehKJ1kMB8L5cdz7",
            "Delegate project exploration",
            1,
            1 + 2 + 1,
            1,
            1,
            &[GPT],
            (4775 + 4849, 108 + 171 + 32, 32, 10492 + 13276, 0),
            0.00836025 + 0.00975075,
        ),
        // the fork: no link to its source, copied messages included
        (
            "ses_df48155deffeBumljeToVW5RT2",
            "Read missing file (fork #1)",
            2,
            2 + 3 + 1,
            1,
            0,
            &[GPT],
            (6190, 143, 0, 16941, 0),
            0.01128513,
        ),
    ];
    for (id, title, prompts, messages, tools, subagents, models, tok, cost) in expected {
        let s = by_id(&sessions, id);
        assert_eq!(s.title, *title, "title of {id}");
        assert_eq!(s.prompts, *prompts, "prompts of {id}");
        assert_eq!(s.messages, *messages, "messages of {id}");
        assert_eq!(s.tool_calls, *tools, "tool calls of {id}");
        assert_eq!(s.subagents, *subagents, "subagents of {id}");
        assert_eq!(&s.models, models, "models of {id}");
        let t = &s.tokens;
        assert_eq!(
            (t.input, t.output, t.reasoning, t.cache_read, t.cache_write),
            *tok,
            "tokens of {id}"
        );
        let c = s.cost_usd.unwrap();
        assert!((c - cost).abs() < 1e-7, "cost of {id}: {c} vs {cost}");
    }
    // cross-check with what the mock sent for s1: openai prompt 47248 (cached 32586),
    // completion 304 (reasoning included); anthropic 3 in, 53 out, 6908 read, 1514 written
    let s1 = &by_id(&sessions, "ses_df481ffbdffepzwY3fXPVDRaOm").tokens;
    assert_eq!(s1.input, 47248 - 32586 + 3);
    assert_eq!(s1.output, 304 + 53);
    assert_eq!(s1.cache_read, 32586 + 6908);
}

#[test]
fn opencode_generated_transcripts() {
    let Some(f) = shared_fixtures() else { return };
    let db = f.join("opencode/generated/home/.local/share/opencode/opencode.db");
    let m = sources::materialize(
        &sources::opencode::OpencodeSource,
        &sources::store_for(Agent::Opencode, &db, StoreKind::Sqlite),
    )
    .unwrap();
    assert!(m.issues.is_empty(), "{:?}", m.issues);
    let msgs = |id: &str| {
        &m.sessions
            .iter()
            .find(|s| s.0 == id)
            .unwrap_or_else(|| panic!("{id}"))
            .3
    };
    let results = |id: &str| -> Vec<(String, bool)> {
        msgs(id)
            .iter()
            .flat_map(|m| &m.blocks)
            .filter_map(|b| match b {
                Block::ToolResult {
                    output, is_error, ..
                } => Some((output.clone(), *is_error)),
                _ => None,
            })
            .collect()
    };
    // `cat missing.txt` is `completed` with metadata.exit 1: an error; in the fork too
    for id in [
        "ses_df481b3e6ffe1nc3i1nfBpbNlF",
        "ses_df48155deffeBumljeToVW5RT2",
    ] {
        assert_eq!(
            results(id),
            vec![(
                "cat: missing.txt: No such file or directory\n".to_string(),
                true
            )],
            "{id}"
        );
    }
    // the other commands succeeded; the ANSI output is kept raw (sanitised at display)
    assert!(
        results("ses_df481ffbdffepzwY3fXPVDRaOm")
            .iter()
            .all(|r| !r.1)
    );
    let colour = results("ses_df4819cb5ffePsTpD1q4163xvw");
    assert!(colour[0].0.starts_with("\u{1b}[31mred"), "{colour:?}");
    // thinking parts, including Anthropic's (with a signature)
    let thinking = |id: &str| {
        msgs(id)
            .iter()
            .flat_map(|m| &m.blocks)
            .filter(|b| matches!(b, Block::Thinking { sealed: false, .. }))
            .count()
    };
    assert_eq!(thinking("ses_df481ffbdffepzwY3fXPVDRaOm"), 2);
    assert_eq!(thinking("ses_df4819cb5ffePsTpD1q4163xvw"), 1);
    // the child session's messages follow the parent's, marked as its subagent
    let parent = msgs("ses_df4817158ffehKJ1kMB8L5cdz7");
    let side: Vec<(Role, Option<&str>)> = parent
        .iter()
        .filter(|m| m.sidechain)
        .map(|m| (m.role, m.agent_id.as_deref()))
        .collect();
    let child = Some("ses_df48166cbffeglSd65VRB3AbSU");
    assert_eq!(
        side,
        vec![
            (Role::User, child),
            (Role::Assistant, child),
            (Role::Tool, child),
            (Role::Assistant, child),
            (Role::Tool, child),
            (Role::Assistant, child),
        ]
    );
    assert!(
        !m.sessions
            .iter()
            .any(|s| s.0 == "ses_df48166cbffeglSd65VRB3AbSU")
    );
}

fn fixture_home() -> PathBuf {
    manifest().join("tests/fixtures/opencode/home")
}

fn list(out: &std::process::Output) -> Vec<Value> {
    assert!(
        out.status.success(),
        "exit {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    v.as_array().unwrap().clone()
}

fn find<'a>(list: &'a [Value], id: &str) -> &'a Value {
    list.iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("{id} not listed"))
}

#[test]
fn cli_lists_databases_and_the_json_tree_once_each() {
    let scratch = tempfile::tempdir().unwrap();
    let home = fixture_home();
    let before = snapshot(&home);
    let out = revisit(&home, scratch.path())
        .args(["list", "--json", "--agent", "opencode"])
        .output()
        .unwrap();
    let l = list(&out);
    let mut ids: Vec<&str> = l.iter().map(|s| s["id"].as_str().unwrap()).collect();
    ids.sort();
    assert_eq!(
        ids,
        vec![
            "ses_e1a0000000ffeFixTokenizerA", // opencode.db (also in the JSON tree)
            "ses_e1d0000000ffePlaceholderD0",
            "ses_e1e0000000ffeForkOfTheA000",
            "ses_e1f0000000ffeBetaChannelF0", // opencode-beta.db
            "ses_e200000000ffeJsonOnlyReadG", // storage/ only
            "ses_e220000000ffeGlobalProject", // storage/, project `global`
        ]
    );
    assert!(
        l.iter()
            .all(|s| s["agent"] == "opencode" && s["parse_errors"] == 0)
    );
    assert_eq!(
        snapshot(&home),
        before,
        "nothing written next to the stores"
    );

    // the database's copy wins over the stale JSON one
    let a = find(&l, "ses_e1a0000000ffeFixTokenizerA");
    assert_eq!(a["title"], "Fix the tokenizer bug");
    assert!(
        a["source"]
            .as_str()
            .unwrap()
            .ends_with(".local/share/opencode/opencode.db")
    );
    assert_eq!(a["subagents"], 2);
    assert_eq!(a["prompts"], 2);
    assert_eq!(a["messages"], 14);
    assert_eq!(a["tool_calls"], 3);
    assert_eq!(
        a["tokens"],
        serde_json::json!({"input": 492, "output": 298, "cache_read": 4600, "cache_write": 500, "reasoning": 25})
    );
    assert!((a["cost_usd"].as_f64().unwrap() - 0.0161).abs() < 1e-9);
    assert_eq!(
        a["models"],
        serde_json::json!(["anthropic/claude-sonnet-4-5", "openai/gpt-5"])
    );
    assert_eq!(
        a["resume"],
        serde_json::json!({"argv": ["opencode", "/home/u/parser", "--session", "ses_e1a0000000ffeFixTokenizerA"], "cwd": "/home/u/parser"})
    );
    // placeholder title: the first prompt instead
    assert_eq!(
        find(&l, "ses_e1d0000000ffePlaceholderD0")["title"],
        "What does this repo do?"
    );
    // older schema, multi-step message: the steps' tokens, the message's accumulated cost
    let f = find(&l, "ses_e1f0000000ffeBetaChannelF0");
    assert_eq!(
        f["tokens"],
        serde_json::json!({"input": 130, "output": 34, "cache_read": 300, "cache_write": 200, "reasoning": 4})
    );
    assert_eq!(f["cost_usd"], 0.03);
    // the JSON tree: the child session H is G's subagent
    let g = find(&l, "ses_e200000000ffeJsonOnlyReadG");
    assert_eq!(g["subagents"], 1);
    assert_eq!(g["cwd"], "/home/u/parser");
    assert!(
        g["source"]
            .as_str()
            .unwrap()
            .ends_with("storage/session/4b825dc642cb6eb9a060e54bf8d69288fbee4904")
    );
    assert_eq!(find(&l, "ses_e220000000ffeGlobalProject")["project"], "u");

    // a second run parses nothing
    let idx = |args: &[&str]| {
        let out = revisit(&home, scratch.path()).args(args).output().unwrap();
        assert!(out.status.success());
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let again = idx(&["index", "--json"]);
    assert_eq!(again["files_parsed"], 0);
    assert_eq!(again["bytes_parsed"], 0);

    // show: the subagents follow the main conversation
    let out = revisit(&home, scratch.path())
        .args(["show", "ses_e1a0000000ffeFixTokenizerA", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Find where EOF is handled"), "{text}");
    assert!(text.contains("ses_e1c0000000ffeNestedChildC0"));
}

#[test]
fn cli_honours_xdg_data_home_and_sees_new_sessions() {
    let scratch = tempfile::tempdir().unwrap();
    let empty_home = tempfile::tempdir().unwrap();
    // `revisit()` sets XDG_DATA_HOME=<scratch>/data
    let data = scratch.path().join("data/opencode");
    copy_tree(&fixture_home().join(".local/share/opencode"), &data);
    let run = || {
        list(
            &revisit(empty_home.path(), scratch.path())
                .args(["list", "--json", "--agent", "opencode"])
                .output()
                .unwrap(),
        )
    };
    assert_eq!(run().len(), 6);
    // the agent adds a session (as a running OpenCode would, in WAL mode)
    let db = data.join("opencode.db");
    let agent = rusqlite::Connection::open(&db).unwrap();
    agent.pragma_update(None, "journal_mode", "wal").unwrap();
    agent
        .execute_batch(
            "INSERT INTO session (id, project_id, slug, directory, title, version, time_created, time_updated)
             VALUES ('ses_e300000000ffeNewWhileOpen0', 'p', 's', '/home/u/new', 'Added while open', '1.18.33',
                     1795700000000, 1795700000000);
             INSERT INTO message VALUES ('msg_new1', 'ses_e300000000ffeNewWhileOpen0', 1795700000001, 1795700000001,
                     '{\"role\":\"user\",\"time\":{\"created\":1795700000001}}');
             INSERT INTO part VALUES ('prt_new1', 'msg_new1', 'ses_e300000000ffeNewWhileOpen0', 1795700000001,
                     1795700000001, '{\"type\":\"text\",\"text\":\"Hello from a live database\"}');",
        )
        .unwrap();
    let l = run();
    assert_eq!(l.len(), 7);
    let s = find(&l, "ses_e300000000ffeNewWhileOpen0");
    assert_eq!(s["title"], "Added while open");
    assert_eq!(s["prompts"], 1);
    drop(agent);
}
