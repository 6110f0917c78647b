//! agsh conformance: the database agsh 0.11 wrote (`../shared/fixtures/agsh/generated`) reads
//! with zero issues and gives the ids, cwd, counts and resume command of
//! `GENERATED-agsh-agenix-profclaw.md`; the real binary lists the fixture home of
//! `tests/fixtures/agsh/` with unknown tokens and the lock states.

mod common;

use common::{copy_tree, index_home, manifest, revisit, shared_fixtures};
use revisit::model::{Agent, Block, Role, Session};
use revisit::sources::{self, StoreKind, agsh::AgshSource};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// (id, locked_by, prompts, messages, tool calls, roles in order)
type Row = (&'static str, u32, u64, u64, u64, &'static str);

const GENERATED: &[Row] = &[
    (
        "f57770d9-dff0-46be-9e43-84aefe8e5c7f",
        31637,
        4,
        14,
        4,
        "u,a,tr,a,u,a,tr,a,u,a,u,a,tr,a",
    ),
    (
        "1c34582b-1ff1-4596-81b5-62fb3b2c129f",
        28974,
        1,
        6,
        2,
        "u,a,tr,a,tr,a",
    ),
    (
        "bfad2da8-98bd-4e8e-bc68-00473c0d696f",
        32577,
        2,
        6,
        1,
        "u,a,u,a,tr,a",
    ),
];

const CWD: &str = "/home/dev/proj-agsh";

fn by_id<'a>(sessions: &'a [Session], id: &str) -> &'a Session {
    sessions
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("session {id} not listed"))
}

/// What the lock of a process that may or may not exist on this machine must read as.
fn lock_for(pid: u32) -> &'static str {
    if Path::new("/proc/self").exists() {
        if Path::new(&format!("/proc/{pid}")).exists() {
            "live"
        } else {
            "stale lock"
        }
    } else {
        // no procfs: whatever the platform check says, it is one of the lock states
        match revisit::sources::agsh::process_alive(pid) {
            Some(true) => "live",
            Some(false) => "stale lock",
            None => "locked",
        }
    }
}

/// A home whose default agsh location holds `db`.
fn home_with(db: &Path, scratch: &Path) -> PathBuf {
    let home = scratch.join("home");
    let dir = home.join(".local/share/agsh");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(db, dir.join("sessions.db")).unwrap();
    home
}

#[test]
fn agsh_generated_database() {
    let Some(f) = shared_fixtures() else { return };
    let db = f.join("agsh/generated/sessions.db");

    // every row parses, with zero issues
    let m = sources::materialize(
        &AgshSource,
        &sources::store_for(Agent::Agsh, &db, StoreKind::Sqlite),
    )
    .unwrap();
    assert!(m.issues.is_empty(), "{:?}", m.issues);
    assert_eq!(m.sessions.len(), 3);
    for &(id, pid, prompts, messages, calls, roles) in GENERATED {
        let (_, primary, meta, msgs) = m
            .sessions
            .iter()
            .find(|s| s.0 == id)
            .unwrap_or_else(|| panic!("{id}"));
        assert!(primary);
        let meta = meta.as_ref().unwrap();
        assert_eq!(meta.id, id);
        assert_eq!(
            meta.cwd.as_deref(),
            Some(CWD),
            "from the <context> preamble"
        );
        assert!(meta.no_token_usage);
        assert_eq!(meta.status, Some(format!("lock:{pid}")));
        let got: Vec<&str> = msgs
            .iter()
            .map(|m| match m.role {
                Role::User => "u",
                Role::Assistant => "a",
                Role::Tool => "tr",
                Role::System => "s",
            })
            .collect();
        assert_eq!(got.join(","), roles, "{id}");
        assert_eq!(msgs.len() as u64, messages);
        assert_eq!(
            msgs.iter().filter(|m| m.is_prompt()).count() as u64,
            prompts
        );
        assert_eq!(
            msgs.iter().map(|m| m.tool_calls()).sum::<usize>() as u64,
            calls
        );
        for m in msgs {
            assert!(m.usage.is_none(), "agsh stores no usage");
            // (the mock's recap answer quotes earlier requests, preamble and all)
            if m.role == Role::User {
                assert!(
                    !m.plain_text().contains("<context>"),
                    "the preamble is not part of the prompt"
                );
            }
        }
    }

    // details the generated runs were made to show
    let f57 = &m.sessions.iter().find(|s| s.0 == GENERATED[0].0).unwrap().3;
    assert_eq!(
        f57[0].plain_text(),
        "Please do a shell check of this folder (echo + ls)"
    );
    assert!(
        matches!(&f57[2].blocks[0], Block::ToolResult { output, is_error: false, .. } if output.contains("\u{1b}[1;32m")),
        "shell output is kept raw (sanitised only when shown)"
    );
    assert!(matches!(
        &f57[6].blocks[0],
        Block::ToolResult { is_error: true, output, .. } if output.contains("Exit code: 2")
    ));
    assert_eq!(f57[11].tool_calls(), 2, "two parallel calls in one message");
    assert!(matches!(
        &f57[12].blocks[..],
        [Block::ToolResult { .. }, Block::ToolResult { .. }]
    ));

    // through the index, as listed
    let scratch = tempfile::tempdir().unwrap();
    let home = home_with(&db, scratch.path());
    let (sessions, report) = index_home(&home, &scratch.path().join("index"));
    assert_eq!(report.errors, 0);
    let agsh: Vec<&Session> = sessions.iter().filter(|s| s.agent == Agent::Agsh).collect();
    assert_eq!(agsh.len(), 3);
    for &(id, pid, prompts, messages, calls, _) in GENERATED {
        let s = by_id(&sessions, id);
        assert_eq!(s.parse_errors, 0);
        assert_eq!(s.cwd.as_deref(), Some(CWD));
        assert_eq!(s.project.as_deref(), Some("proj-agsh"));
        assert_eq!(
            (s.prompts, s.messages, s.tool_calls),
            (prompts, messages, calls),
            "{id}"
        );
        assert!(!s.tokens_known, "unknown, not zero");
        assert!(s.models.is_empty() && s.git_branch.is_none());
        assert_eq!(s.status.as_deref(), Some(lock_for(pid)), "{id}");
        // the command that resumed these sessions in the generating run
        let r = s.resume.as_ref().unwrap();
        assert_eq!(r.argv, vec!["agsh", "-c", id]);
        assert_eq!(r.cwd.as_deref(), Some(CWD));
    }
    assert_eq!(
        by_id(&sessions, GENERATED[2].0).title,
        "Hi! Show me a tiny Rust or Python example 🦀"
    );

    // the real binary: tokens are null, not zero
    let out = revisit(&home, &scratch.path().join("cli"))
        .args(["list", "--json", "--agent", "agsh"])
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
    for s in list {
        assert_eq!(s["tokens"], Value::Null);
        assert_eq!(s["cost_usd"], Value::Null);
        assert_eq!(s["cwd"], CWD);
        assert_eq!(s["parse_errors"], 0);
    }
}

fn fixture_home() -> PathBuf {
    manifest().join("tests/fixtures/agsh/home")
}

fn list(cmd: &mut std::process::Command) -> Vec<Value> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    v.as_array().unwrap().clone()
}

#[test]
fn cli_lists_the_agsh_fixture_home() {
    let scratch = tempfile::tempdir().unwrap();
    let db = fixture_home().join(".local/share/agsh/sessions.db");
    let before = std::fs::read(&db).unwrap();
    let list =
        list(revisit(&fixture_home(), scratch.path()).args(["list", "--json", "--agent", "agsh"]));
    assert_eq!(list.len(), 3);
    let a = list
        .iter()
        .find(|s| s["id"] == "3f1c9a2e-5b7d-4e8f-9a01-23456789abcd")
        .unwrap();
    assert_eq!(a["agent"], "agsh");
    assert_eq!(a["title"], "List the files and run the build");
    assert_eq!(a["cwd"], "/home/u/proj-a/docs");
    assert_eq!(a["project"], "docs");
    assert_eq!(
        (a["prompts"].as_u64(), a["messages"].as_u64()),
        (Some(2), Some(8))
    );
    assert_eq!(a["tool_calls"], 3);
    assert_eq!(a["tokens"], Value::Null);
    assert_eq!(a["models"], serde_json::json!([]));
    assert_eq!(
        a["resume"]["argv"],
        serde_json::json!(["agsh", "-c", "3f1c9a2e-5b7d-4e8f-9a01-23456789abcd"])
    );
    assert_eq!(a["resume"]["cwd"], "/home/u/proj-a/docs");
    assert!(list.iter().all(|s| s["parse_errors"] == 0));
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the database is never written"
    );
    let names: Vec<String> = std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["sessions.db"], "nothing created beside it");

    // `show` prints the prompt without its preamble, the preamble as a context notice
    let out = revisit(&fixture_home(), scratch.path())
        .args(["show", "3f1c9a2e", "--markdown"])
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("> **context**: Working directory: /home/u/proj-a"),
        "{md}"
    );
    assert!(!md.contains("</context>"), "{md}");
}

#[test]
fn cli_honours_agsh_data_dir_and_xdg_data_home() {
    let scratch = tempfile::tempdir().unwrap();
    let db = fixture_home().join(".local/share/agsh/sessions.db");
    let empty = scratch.path().join("empty-home");
    std::fs::create_dir_all(&empty).unwrap();
    // nothing at all: no agsh sessions
    let none = list(revisit(&empty, scratch.path()).args(["list", "--json", "--agent", "agsh"]));
    assert!(none.is_empty());
    // $AGSH_DATA_DIR
    let data_dir = scratch.path().join("agsh-data");
    copy_tree(db.parent().unwrap(), &data_dir);
    let got = list(
        revisit(&empty, &scratch.path().join("a"))
            .env("AGSH_DATA_DIR", &data_dir)
            .args(["list", "--json", "--agent", "agsh"]),
    );
    assert_eq!(got.len(), 3);
    assert!(got.iter().all(|s| {
        s["source"]
            .as_str()
            .unwrap()
            .starts_with(&data_dir.display().to_string())
    }));
    // $XDG_DATA_HOME/agsh (the helper sets XDG_DATA_HOME to <scratch>/data)
    let b = scratch.path().join("b");
    copy_tree(db.parent().unwrap(), &b.join("data/agsh"));
    let got = list(revisit(&empty, &b).args(["list", "--json", "--agent", "agsh"]));
    assert_eq!(got.len(), 3);
    // found twice (default and XDG): listed once
    let got = list(revisit(&fixture_home(), &b).args(["list", "--json", "--agent", "agsh"]));
    assert_eq!(got.len(), 3);
}
