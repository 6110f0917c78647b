//! profclaw conformance: the database and the API answers the real server wrote
//! (`../shared/fixtures/profclaw/generated`, see `GENERATED-agsh-agenix-profclaw.md`) read with
//! zero issues, with the counts and token totals recorded there; the database and the API give
//! the same sessions; the real binary lists the fixture server's conversations.

mod common;

use common::{index_home_with, revisit, shared_fixtures};
use revisit::config::Config;
use revisit::model::{Agent, Block, Message, Role, Session};
use revisit::sources::profclaw::ProfclawSource;
use revisit::sources::{Materialized, StoreKind, StoreRef, materialize, store_for};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

const PLAIN_AND_SHELL: &str = "84d8c11f-eedd-4dd4-9925-7923f90214d9";
const THREE_TURNS: &str = "eb4217c1-2010-4c27-a4bc-b688cc686f1e";

// ---- a tiny HTTP server serving a folder of API answers ----

struct Server {
    url: String,
    log: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// Stop answering: the port is closed, connections are refused.
    fn shut_down(&self) {
        self.stop.store(true, Ordering::SeqCst);
        while TcpListener::bind(self.url.trim_start_matches("http://")).is_err() {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

/// `GET /api/chat/conversations?limit&offset` from `list.json` (`page` per answer),
/// `GET /api/chat/conversations/:id` from `conv-<id>.json`.
fn serve_api(dir: PathBuf, page: usize) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let (log2, stop2) = (log.clone(), stop.clone());
    std::thread::spawn(move || {
        while !stop2.load(Ordering::SeqCst) {
            let mut s = match listener.accept() {
                Ok((s, _)) => s,
                Err(_) => {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    continue;
                }
            };
            s.set_nonblocking(false).unwrap();
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let head = String::from_utf8_lossy(&head).into_owned();
            let target = head.split(' ').nth(1).unwrap_or("/").to_string();
            log2.lock().unwrap().push(head);
            let (status, body) = answer(&dir, page, &target);
            let _ = write!(
                s,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(&body);
        }
    });
    Server { url, log, stop }
}

fn answer(dir: &Path, page: usize, target: &str) -> (u16, Vec<u8>) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path == "/api/chat/conversations" {
        let list: Value = serde_json::from_slice(&std::fs::read(dir.join("list.json")).unwrap())
            .expect("list.json");
        let offset: usize = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("offset="))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let items: Vec<Value> = list["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .skip(offset)
            .take(page)
            .cloned()
            .collect();
        let body = serde_json::json!({"conversations": items, "total": list["total"]});
        return (200, body.to_string().into_bytes());
    }
    if let Some(id) = path.strip_prefix("/api/chat/conversations/")
        && let Ok(b) = std::fs::read(dir.join(format!("conv-{id}.json")))
    {
        return (200, b);
    }
    (404, br#"{"error":"Conversation not found"}"#.to_vec())
}

// ---- helpers ----

fn generated() -> Option<PathBuf> {
    Some(shared_fixtures()?.join("profclaw/generated"))
}

fn config(toml: &str) -> Config {
    Config::parse(toml).unwrap()
}

fn toml_path(p: &Path) -> String {
    p.display().to_string().replace('\\', "\\\\")
}

fn by_id<'a>(sessions: &'a [Session], id: &str) -> &'a Session {
    sessions
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("session {id} not listed"))
}

fn remote(url: &str) -> StoreRef {
    StoreRef {
        agent: Agent::Profclaw,
        path: PathBuf::from(url),
        kind: StoreKind::Remote,
        root: PathBuf::from(url),
        priority: 1,
    }
}

fn msgs<'a>(m: &'a Materialized, id: &str) -> &'a [Message] {
    &m.sessions.iter().find(|s| s.0 == id).unwrap().3
}

fn results(m: &Message) -> Vec<(String, bool)> {
    m.blocks
        .iter()
        .filter_map(|b| match b {
            Block::ToolResult {
                output, is_error, ..
            } => Some((output.clone(), *is_error)),
            _ => None,
        })
        .collect()
}

/// Everything GENERATED-agsh-agenix-profclaw.md records for the two conversations.
fn check_generated_sessions(sessions: &[Session]) {
    assert_eq!(sessions.len(), 2);
    for s in sessions {
        assert_eq!(s.agent, Agent::Profclaw);
        assert_eq!(s.parse_errors, 0, "{}", s.id);
        assert_eq!(s.cwd, None, "profclaw stores no working directory");
        assert_eq!(s.project, None);
        assert_eq!(s.status, None, "agent_sessions stays empty");
        assert!(s.tokens_known);
        assert_eq!((s.tokens.cache_read, s.tokens.cache_write), (0, 0));
        let r = s.resume.as_ref().expect("resumable");
        assert_eq!(r.argv, vec!["profclaw", "chat", "-s", s.id.as_str()]);
        assert_eq!(r.cwd, None);
    }
    let a = by_id(sessions, PLAIN_AND_SHELL);
    assert_eq!(a.title, "Hi! Show me a tiny Python example 🐍 please");
    // user, plain reply, user, the exec call, its result, the final answer
    assert_eq!(
        (a.messages, a.prompts, a.tool_calls, a.subagents),
        (6, 2, 1, 0)
    );
    // stored tokens 635/71/706 and 3210/205/3415
    assert_eq!((a.tokens.input, a.tokens.output), (635 + 3210, 71 + 205));
    assert_eq!(a.tokens.total(), 706 + 3415);
    let cost = a.cost_usd.expect("the plain reply's recorded cost");
    assert!((cost - 0.0022975).abs() < 1e-12, "{cost}");
    assert_eq!(a.models, vec!["openai", "gpt-4o"]);
    assert_eq!(
        a.started_at.map(|t| revisit::model::rfc3339(&t)).as_deref(),
        Some("2026-11-24T02:33:56.878Z")
    );
    assert_eq!(
        a.updated_at.map(|t| revisit::model::rfc3339(&t)).as_deref(),
        Some("2026-11-24T02:34:05.517Z")
    );

    let b = by_id(sessions, THREE_TURNS);
    // the title is the first user message cut at 50 characters
    assert_eq!(
        b.title,
        "Write a notes file with some unicode in it, then s..."
    );
    assert_eq!(
        b.first_prompt.as_deref(),
        Some("Write a notes file with some unicode in it, then show it")
    );
    // 3 turns × (prompt, calls, results, answer); write_file + exec, failing exec, 2 parallel exec
    assert_eq!(
        (b.messages, b.prompts, b.tool_calls, b.subagents),
        (12, 3, 5, 0)
    );
    // 4484/184/4668; 3056/97/3153; 3274/138/3412
    assert_eq!(
        (b.tokens.input, b.tokens.output),
        (4484 + 3056 + 3274, 184 + 97 + 138)
    );
    assert_eq!(b.tokens.total(), 4668 + 3153 + 3412);
    assert_eq!(b.cost_usd, None, "agentic rows record no cost");
    assert_eq!(b.models, vec!["openai"]);
}

/// The transcript details of the generated database (or API).
fn check_generated_transcripts(m: &Materialized) {
    assert!(m.issues.is_empty(), "{:?}", m.issues);
    let a = msgs(m, PLAIN_AND_SHELL);
    let roles: Vec<Role> = a.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        vec![
            Role::User,
            Role::Assistant,
            Role::User,
            Role::Assistant,
            Role::Tool,
            Role::Assistant
        ]
    );
    assert_eq!(a[1].cost_usd, Some(0.0022975));
    assert_eq!(a[1].model.as_deref(), Some("gpt-4o"));
    // the shell output keeps its escape bytes (sanitised only when shown)
    let r = results(&a[4]);
    assert_eq!(r.len(), 1);
    assert!(
        r[0].0.starts_with(
            "hi 👋 from the shell\n\u{1b}[1;32m✔ 成功 (success)\u{1b}[0m\nAGENTS.md\n"
        ),
        "{:?}",
        r[0].0
    );
    assert!(!r[0].1);

    let b = msgs(m, THREE_TURNS);
    assert_eq!(b.len(), 12);
    let calls: Vec<usize> = b.iter().map(Message::tool_calls).collect();
    assert_eq!(calls, vec![0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0]);
    // the failed command is an error result
    assert_eq!(
        results(&b[6]),
        vec![("Command exited with code 2".to_string(), true)]
    );
    let parallel = results(&b[10]);
    assert_eq!(
        parallel,
        vec![
            ("hi\n".to_string(), false),
            ("/home/dev/profclaw-src\n".to_string(), false)
        ]
    );
    // usage on the answer of each turn only
    let usage: Vec<Option<(u64, u64)>> = b
        .iter()
        .map(|m| m.usage.map(|u| (u.input, u.output)))
        .collect();
    assert_eq!(
        usage,
        vec![
            None,
            None,
            None,
            Some((4484, 184)),
            None,
            None,
            None,
            Some((3056, 97)),
            None,
            None,
            None,
            Some((3274, 138))
        ]
    );
}

// ---- the real files ----

#[test]
fn profclaw_generated_database() {
    let Some(g) = generated() else { return };
    let db = g.join("profclaw.db");
    let before = std::fs::read(&db).unwrap();
    let m = materialize(
        &ProfclawSource::default(),
        &store_for(Agent::Profclaw, &db, StoreKind::Sqlite),
    )
    .unwrap();
    check_generated_transcripts(&m);

    let home = tempfile::tempdir().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let cfg = config(&format!("[agents.profclaw]\ndb = \"{}\"", toml_path(&db)));
    let (sessions, report) = index_home_with(home.path(), scratch.path(), cfg);
    assert_eq!(report.errors, 0, "{:?}", report.problems);
    check_generated_sessions(&sessions);
    assert!(
        sessions
            .iter()
            .all(|s| s.source == db.display().to_string())
    );
    assert_eq!(std::fs::read(&db).unwrap(), before, "read-only");
    let dir: Vec<_> = std::fs::read_dir(&g).unwrap().collect();
    assert_eq!(dir.len(), 2, "nothing created beside the database");
}

#[test]
fn profclaw_generated_api_answers_give_the_same_sessions() {
    let Some(g) = generated() else { return };
    let server = serve_api(g.join("api"), 1);
    let src = ProfclawSource::default();
    let from_api = materialize(&src, &remote(&server.url)).unwrap();
    check_generated_transcripts(&from_api);
    let from_db = materialize(
        &src,
        &store_for(Agent::Profclaw, &g.join("profclaw.db"), StoreKind::Sqlite),
    )
    .unwrap();
    assert_eq!(from_api.sessions.len(), 2);
    for s in &from_db.sessions {
        let api = from_api.sessions.iter().find(|a| a.0 == s.0).unwrap();
        assert_eq!(api, s, "the same session from the API and the database");
    }
    // paged one at a time: two list requests, then one per conversation
    let heads = server.log.lock().unwrap().clone();
    assert_eq!(heads.len(), 4, "{heads:?}");

    // through the index, with a token: the session cookie is sent
    let home = tempfile::tempdir().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let cfg = config(&format!(
        "[agents.profclaw]\nurl = \"{}/\"\ntoken = \"tok-123\"",
        server.url
    ));
    let (sessions, report) = index_home_with(home.path(), scratch.path(), cfg);
    assert_eq!(report.errors, 0, "{:?}", report.problems);
    check_generated_sessions(&sessions);
    assert!(
        sessions.iter().all(|s| s.source == server.url),
        "source = the server URL"
    );
    let heads = server.log.lock().unwrap().clone();
    assert!(
        heads[4..]
            .iter()
            .all(|h| h.contains("ookie: profclaw_session=tok-123\r\n")),
        "{heads:?}"
    );
}

#[test]
fn the_database_wins_over_the_api_and_a_server_going_away_keeps_what_was_indexed() {
    let Some(g) = generated() else { return };
    let server = serve_api(g.join("api"), 100);
    let db = g.join("profclaw.db");
    let home = tempfile::tempdir().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let both = format!(
        "[agents.profclaw]\ndb = \"{}\"\nurl = \"{}\"",
        toml_path(&db),
        server.url
    );
    let (sessions, _) = index_home_with(home.path(), scratch.path(), config(&both));
    check_generated_sessions(&sessions);
    assert!(
        sessions
            .iter()
            .all(|s| s.source == db.display().to_string())
    );

    // API only, then the server goes away: a problem of the refresh, the sessions stay
    let scratch = tempfile::tempdir().unwrap();
    let api_only = format!("[agents.profclaw]\nurl = \"{}\"", server.url);
    let (sessions, report) = index_home_with(home.path(), scratch.path(), config(&api_only));
    assert_eq!(report.errors, 0);
    assert_eq!(sessions.len(), 2);
    server.shut_down();
    let (sessions, report) = index_home_with(home.path(), scratch.path(), config(&api_only));
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(
        report.problems[0].reason.contains("did not answer"),
        "{:?}",
        report.problems
    );
    check_generated_sessions(&sessions);
}

// ---- the real binary over tests/fixtures/profclaw ----

fn fixtures() -> PathBuf {
    common::manifest().join("tests/fixtures/profclaw")
}

fn list_json(out: std::process::Output) -> Vec<Value> {
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

#[test]
fn cli_lists_the_fixture_server_from_config_env_and_api() {
    let home = tempfile::tempdir().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let cfg_dir = scratch.path().join("config/revisit");
    std::fs::create_dir_all(&cfg_dir).unwrap();
    let server_dir = fixtures().join("server");
    std::fs::write(
        cfg_dir.join("config.toml"),
        format!(
            "[agents.profclaw]\nserver_dir = \"{}\"\n",
            toml_path(&server_dir)
        ),
    )
    .unwrap();
    let v = list_json(
        revisit(home.path(), scratch.path())
            .args(["list", "--json", "--agent", "profclaw"])
            .output()
            .unwrap(),
    );
    let ids: Vec<&str> = v.iter().map(|s| s["id"].as_str().unwrap()).collect();
    // newest first
    assert_eq!(
        ids,
        vec![
            "e07f4b19-2c6d-4a8e-b3f5-1d9c0a7e6b22",
            "c3e8a6f0-7b25-4d19-8e0a-94d2b5f71c33",
            "5b1c7d2e-0a41-4f3e-9d7c-2f61a8e4b901"
        ]
    );
    let a = &v[2];
    assert_eq!(a["agent"], "profclaw");
    assert_eq!(
        a["title"],
        "Why does the build fail on CI but not locally? It..."
    );
    assert_eq!(a["cwd"], Value::Null);
    assert_eq!(
        (a["prompts"].as_u64(), a["messages"].as_u64()),
        (Some(2), Some(6))
    );
    assert_eq!(a["tool_calls"], 2);
    assert_eq!(a["tokens"]["input"], 812 + 3120);
    assert_eq!(a["tokens"]["output"], 64 + 188);
    assert_eq!(a["parse_errors"], 0);
    assert_eq!(
        a["resume"]["argv"],
        serde_json::json!([
            "profclaw",
            "chat",
            "-s",
            "5b1c7d2e-0a41-4f3e-9d7c-2f61a8e4b901"
        ])
    );
    assert_eq!(
        a["source"],
        server_dir.join("data/profclaw.db").display().to_string()
    );
    assert_eq!(v[0]["title"], "New conversation");
    assert_eq!(v[0]["messages"], 0);

    // the same through $DB_PATH, no config
    let scratch2 = tempfile::tempdir().unwrap();
    let db = server_dir.join("data/profclaw.db");
    let v2 = list_json(
        revisit(home.path(), scratch2.path())
            .env("DB_PATH", &db)
            .args(["list", "--json", "--agent", "profclaw"])
            .output()
            .unwrap(),
    );
    assert_eq!(v2.len(), 3);

    // and through the API
    let server = serve_api(fixtures().join("api"), 100);
    let scratch3 = tempfile::tempdir().unwrap();
    let cfg_dir = scratch3.path().join("config/revisit");
    std::fs::create_dir_all(&cfg_dir).unwrap();
    std::fs::write(
        cfg_dir.join("config.toml"),
        format!("[agents.profclaw]\nurl = \"{}\"\n", server.url),
    )
    .unwrap();
    let v3 = list_json(
        revisit(home.path(), scratch3.path())
            .args(["list", "--json", "--agent", "profclaw"])
            .output()
            .unwrap(),
    );
    let ids3: Vec<&str> = v3.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids3, ids);
    assert!(v3.iter().all(|s| s["source"] == server.url.as_str()));
    for (x, y) in v.iter().zip(&v3) {
        for k in [
            "title",
            "messages",
            "prompts",
            "tool_calls",
            "tokens",
            "cost_usd",
            "resume",
        ] {
            assert_eq!(x[k], y[k], "{k} of {}", x["id"]);
        }
    }

    // a server that is gone: doctor says so, the command still works
    server.shut_down();
    let out = revisit(home.path(), scratch3.path())
        .args(["doctor", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems = d["unreadable"].as_array().unwrap();
    assert!(
        problems.iter().any(|p| p["path"] == server.url.as_str()
            && p["reason"].as_str().unwrap().contains("did not answer")),
        "{problems:?}"
    );
    let listed = list_json(
        revisit(home.path(), scratch3.path())
            .args(["list", "--json", "--agent", "profclaw"])
            .output()
            .unwrap(),
    );
    assert_eq!(listed.len(), 3, "what was indexed is kept");
}
