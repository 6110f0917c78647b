//! Agenix: conformance over the files the released program (0.0.2) wrote
//! (`../shared/fixtures/agenix/generated/project/.agenix/*.jsonl`, `project/` being
//! `/home/dev/proj-agenix` there), discovery through config roots and through the working
//! directories of other agents' sessions, and the CLI on the fixture sessions in
//! `tests/fixtures/agenix/` (the same id in two directories).

mod common;

use common::{copy_tree, index_home, index_home_with, manifest, revisit, shared_fixtures};
use revisit::config::Config;
use revisit::index::query::Reader;
use revisit::model::{Agent, Block, Message, Role, Session};
use revisit::sources::{self, StoreKind};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn config_with_roots(roots: &[&Path]) -> Config {
    let list: Vec<String> = roots
        .iter()
        .map(|r| format!("{:?}", r.display().to_string()))
        .collect();
    Config::parse(&format!("[agents.agenix]\nroots = [{}]", list.join(", "))).unwrap()
}

fn by_id<'a>(sessions: &'a [Session], id: &str) -> &'a Session {
    sessions
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("session {id} not listed"))
}

/// The real project folder, copied into a temp home as `proj-agenix`.
fn real_project(home: &Path) -> Option<PathBuf> {
    let f = shared_fixtures()?;
    let project = home.join("proj-agenix");
    copy_tree(&f.join("agenix/generated/project"), &project);
    Some(project)
}

/// (id, assistant messages, tool call names, title)
type Row = (&'static str, usize, &'static [&'static str], &'static str);

const GENERATED: &[Row] = &[
    (
        "20261124_023157",
        2,
        &[],
        "Hi! 👋 Here is a tiny **Python** example you can run:",
    ),
    (
        "20261124_023207",
        7,
        &["bash", "write", "bash", "bash"],
        "Let me run a quick check of the working directory 📂",
    ),
    ("20261124_023238", 1, &[], "Error: Connection error."),
];

fn check_generated(sessions: &[Session], project: &Path, scratch: &Path) {
    let cwd = project.display().to_string();
    let agenix: Vec<&Session> = sessions
        .iter()
        .filter(|s| s.agent == Agent::Agenix)
        .collect();
    assert_eq!(
        agenix.len(),
        3,
        "{:?}",
        agenix.iter().map(|s| &s.key).collect::<Vec<_>>()
    );
    let reader = Reader::open(&scratch.join("index.sqlite")).unwrap();
    for (id, assistant, calls, title) in GENERATED {
        let s = by_id(sessions, id);
        assert_eq!(s.parse_errors, 0, "{id}");
        assert_eq!(
            s.cwd.as_deref(),
            Some(cwd.as_str()),
            "{id}: the parent of .agenix"
        );
        assert_eq!(s.project.as_deref(), Some("proj-agenix"));
        assert_eq!(
            s.key,
            format!("agenix:{id}@{cwd}"),
            "ids are unique per directory"
        );
        assert_eq!(s.prompts, 0, "{id}: 0.0.2 does not save the prompts");
        assert_eq!(s.tool_calls, calls.len() as u64, "{id}");
        assert_eq!(s.models, vec!["mock-gpt-4o".to_string()], "{id}");
        assert!(!s.tokens_known, "{id}: usage is always 0 in 0.0.2: unknown");
        assert_eq!(s.title, *title, "{id}");
        assert_eq!(s.git_branch, None);
        let r = s.resume.as_ref().expect("resumable");
        assert_eq!(r.argv, vec!["agenix", "--session", id]);
        assert_eq!(r.cwd.as_deref(), Some(cwd.as_str()));

        let msgs: Vec<Message> = reader.messages(&s.key).unwrap();
        // the transcript opens with the notice, then every saved reply
        assert_eq!(s.messages as usize, assistant + 1, "{id}");
        assert_eq!(msgs.len(), assistant + 1);
        assert!(
            matches!(&msgs[0].blocks[..], [Block::Notice { text, .. }]
                if text.contains("did not record the prompts")),
            "{id}: {:?}",
            msgs[0]
        );
        assert_eq!(
            msgs.iter().filter(|m| m.role == Role::Assistant).count(),
            *assistant,
            "{id}"
        );
        let names: Vec<&str> = msgs
            .iter()
            .flat_map(|m| &m.blocks)
            .filter_map(|b| match b {
                Block::ToolCall { name, .. } => Some(name.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(names, *calls, "{id}");
    }
    // details the GENERATED notes call out
    let s = by_id(sessions, "20261124_023157");
    assert_eq!(
        s.started_at.map(|t| revisit::model::rfc3339(&t)).as_deref(),
        Some("2026-11-24T02:31:57.515Z"),
        "the header's naive local time (UTC on that machine; the index keeps milliseconds)"
    );
    let msgs = reader.messages(&s.key).unwrap();
    assert!(
        msgs[1].plain_text().contains("你好, {name}! 🎉"),
        "\\u escapes and surrogate pairs"
    );
    assert_eq!(
        msgs[1].time.map(|t| revisit::model::rfc3339(&t)).as_deref(),
        Some("2026-11-24T02:31:57.587Z"),
        "the message's epoch seconds"
    );
    let s = by_id(sessions, "20261124_023207");
    let msgs = reader.messages(&s.key).unwrap();
    let with_calls = msgs.iter().filter(|m| m.tool_calls() > 0).count();
    assert_eq!(with_calls, 4);
    assert!(
        msgs.iter()
            .any(|m| m.tool_calls() == 1 && m.plain_text().is_empty()),
        "the reply with `content: []`"
    );
    let s = by_id(sessions, "20261124_023238");
    let msgs = reader.messages(&s.key).unwrap();
    assert!(
        matches!(&msgs[1].blocks[..], [Block::Notice { kind, text }]
            if kind == "error" && text == "Error: Connection error."),
        "{:?}",
        msgs[1]
    );
}

#[test]
fn generated_sessions_parse_without_issues() {
    let Some(f) = shared_fixtures() else { return };
    let dir = f.join("agenix/generated/project/.agenix");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let store = sources::store_for(Agent::Agenix, &path, StoreKind::Jsonl);
        let m = sources::materialize(&sources::agenix::AgenixSource, &store).unwrap();
        assert!(m.issues.is_empty(), "{}: {:?}", path.display(), m.issues);
        let (uid, _, meta, _) = m.only();
        let meta = meta.as_ref().unwrap();
        assert_eq!(
            uid,
            &format!(
                "{}@{}",
                meta.id,
                f.join("agenix/generated/project").display()
            )
        );
        assert!(meta.no_token_usage);
        n += 1;
    }
    assert_eq!(n, 3);
}

#[test]
fn generated_sessions_through_a_config_root() {
    let scratch = tempfile::tempdir().unwrap();
    let home = scratch.path().join("home");
    let Some(project) = real_project(&home) else {
        return;
    };
    let (sessions, report) = index_home_with(&home, scratch.path(), config_with_roots(&[&project]));
    assert_eq!(report.errors, 0, "{:?}", report.problems);
    check_generated(&sessions, &project, scratch.path());
}

#[test]
fn generated_sessions_through_another_agents_working_directory() {
    let scratch = tempfile::tempdir().unwrap();
    let home = scratch.path().join("home");
    let Some(project) = real_project(&home) else {
        return;
    };
    // a Claude Code session that ran in the same project: no config needed
    let cwd = project.display().to_string();
    let claude = home.join(".claude/projects/-proj-agenix");
    std::fs::create_dir_all(&claude).unwrap();
    let line = serde_json::json!({
        "parentUuid": null, "isSidechain": false, "userType": "external", "cwd": cwd,
        "sessionId": "44444444-4444-4444-8444-444444444444", "version": "2.1.197",
        "type": "user", "uuid": "u1", "timestamp": "2026-11-24T03:00:00.000Z",
        "message": {"role": "user", "content": "hello"}
    });
    std::fs::write(
        claude.join("44444444-4444-4444-8444-444444444444.jsonl"),
        format!("{line}\n"),
    )
    .unwrap();
    let (sessions, report) = index_home(&home, scratch.path());
    assert_eq!(report.errors, 0, "{:?}", report.problems);
    assert_eq!(sessions.len(), 4);
    check_generated(&sessions, &project, scratch.path());
}

// ---- the CLI on tests/fixtures/agenix ----

fn run(cmd: &mut std::process::Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn cli_lists_both_layouts_and_looks_up_ids_per_directory() {
    let scratch = tempfile::tempdir().unwrap();
    let fixtures = manifest().join("tests/fixtures/agenix");
    let home = scratch.path().join("home");
    let projects = scratch.path().join("projects");
    copy_tree(&fixtures.join("home"), &home);
    copy_tree(&fixtures.join("projects"), &projects);
    let alpha = projects.join("alpha");
    let beta = projects.join("beta");
    let config_dir = scratch.path().join("config/revisit");
    std::fs::create_dir_all(&config_dir).unwrap();
    // a project folder and a `.agenix` folder are both accepted as roots
    std::fs::write(
        config_dir.join("config.toml"),
        format!(
            "[agents.agenix]\nroots = [{:?}, {:?}]\n",
            alpha.display().to_string(),
            beta.join(".agenix").display().to_string()
        ),
    )
    .unwrap();
    let before = files_under(scratch.path());

    let (code, out, err) =
        run(revisit(&home, scratch.path()).args(["list", "--json", "--agent", "agenix"]));
    assert_eq!(code, 0, "{err}");
    let list: Vec<Value> = serde_json::from_str(&out).unwrap();
    let mut got: Vec<(String, Option<String>)> = list
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_string(),
                s["cwd"].as_str().map(str::to_string),
            )
        })
        .collect();
    got.sort();
    let (a, b) = (alpha.display().to_string(), beta.display().to_string());
    let h = home.display().to_string();
    assert_eq!(
        got,
        vec![
            ("20261119_070000".into(), Some(h.clone())),
            ("20261120_101500".into(), Some(a.clone())),
            ("20261121_090000".into(), Some("/home/u/gamma".into())),
            ("20261121_093000".into(), None),
            ("20261122_080000".into(), Some(a.clone())),
            ("20261122_080000".into(), Some(b.clone())),
            ("20261123_120000".into(), Some(b.clone())),
        ]
    );
    let find = |id: &str, cwd: &str| {
        list.iter()
            .find(|s| s["id"] == id && s["cwd"] == cwd)
            .unwrap_or_else(|| panic!("{id} in {cwd}"))
    };
    let s = find("20261120_101500", &a);
    assert_eq!(s["tokens"], Value::Null, "zero usage everywhere: unknown");
    assert_eq!(s["prompts"], 0);
    assert_eq!(s["messages"], 6);
    assert_eq!(s["tool_calls"], 2);
    assert_eq!(s["title"], "Sure 🧪 I'll run the tests");
    assert_eq!(
        s["started_at"], "2026-11-20T08:15:00.100Z",
        "naive UTC+2 times converted"
    );
    assert_eq!(
        s["resume"],
        serde_json::json!({"argv": ["agenix", "--session", "20261120_101500"], "cwd": a})
    );
    let s = find("20261122_080000", &b);
    assert_eq!(s["tokens"]["input"], 3400);
    assert_eq!(s["tokens"]["output"], 60);
    assert_eq!(s["prompts"], 2);
    assert_eq!(s["title"], "Find the TODOs 🔍");
    let s = find("20261123_120000", &b);
    assert_eq!(s["parse_errors"], 4);
    let s = list.iter().find(|s| s["id"] == "20261121_090000").unwrap();
    assert_eq!(s["title"], "Refactor the auth module");
    let s = list.iter().find(|s| s["id"] == "20261121_093000").unwrap();
    assert_eq!(s["resume"], Value::Null, "no known directory to run it in");

    // the id alone is ambiguous: both keys are offered
    let (code, _, err) =
        run(revisit(&home, scratch.path()).args(["show", "agenix:20261122_080000"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("ambiguous"), "{err}");
    assert!(
        err.contains(&format!("agenix:20261122_080000@{a}")),
        "{err}"
    );
    assert!(
        err.contains(&format!("agenix:20261122_080000@{b}")),
        "{err}"
    );
    let (code, _, err) = run(revisit(&home, scratch.path()).args(["show", "20261122_080000"]));
    assert_eq!(code, 2, "{err}");
    // the full key picks one
    for (dir, text) in [(&a, "Alpha answer"), (&b, "There is no src folder.")] {
        let key = format!("agenix:20261122_080000@{dir}");
        let (code, out, err) = run(revisit(&home, scratch.path()).args(["show", &key, "--json"]));
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["cwd"], dir.as_str());
        assert!(out.contains(text), "{key}");
    }
    // a unique id still works alone
    let (code, out, err) =
        run(revisit(&home, scratch.path()).args(["show", "agenix:20261120_101500"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("did not record the prompts"), "{out}");

    // nothing was written next to the agent's files
    let after: Vec<PathBuf> = files_under(scratch.path())
        .into_iter()
        .filter(|p| !p.starts_with(scratch.path().join("cache")))
        .collect();
    let before: Vec<PathBuf> = before
        .into_iter()
        .filter(|p| !p.starts_with(scratch.path().join("cache")))
        .collect();
    assert_eq!(after, before);
}

#[test]
fn a_session_rewritten_in_the_same_second_replaces_the_old_one() {
    // Agenix opens `<id>.jsonl` with 'w': a second session started in the same second
    // overwrites the first, here with a longer file
    let scratch = tempfile::tempdir().unwrap();
    let home = scratch.path().join("home");
    let project = scratch.path().join("p");
    let store = project.join(".agenix");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    let file = store.join("20261124_050000.jsonl");
    let header = |micros: &str| {
        format!(
            r#"{{"type": "session_header", "session_id": "20261124_050000", "created_at": "2026-11-24T05:00:00.{micros}", "version": "1.0"}}"#
        )
    };
    let reply = |text: &str, epoch: f64| {
        format!(
            r#"{{"type": "message", "timestamp": "2026-11-24T05:00:09.000000", "message": {{"role": "assistant", "content": [{{"type": "text", "text": "{text}"}}], "tool_calls": [], "model": "m", "usage": {{"input_tokens": 0, "output_tokens": 0}}, "stop_reason": "stop", "timestamp": {epoch}}}}}"#
        )
    };
    let t0 = 1_795_496_400.0; // 2026-11-24T05:00:00Z
    std::fs::write(
        &file,
        format!("{}\n{}\n", header("100000"), reply("first", t0 + 1.0)),
    )
    .unwrap();
    let config = || config_with_roots(&[&project]);
    let (sessions, report) = index_home_with(&home, scratch.path(), config());
    assert_eq!(report.errors, 0);
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].messages, 2);
    std::fs::write(
        &file,
        format!(
            "{}\n{}\n{}\n{}\n",
            header("900000"),
            reply("second a", t0 + 2.0),
            reply("second b", t0 + 3.0),
            reply("second c", t0 + 4.0)
        ),
    )
    .unwrap();
    let (sessions, report) = index_home_with(&home, scratch.path(), config());
    assert_eq!(report.errors, 0);
    assert_eq!(sessions.len(), 1);
    let s = &sessions[0];
    assert_eq!(s.messages, 4, "the new file only");
    let msgs = Reader::open(&scratch.path().join("index.sqlite"))
        .unwrap()
        .messages(&s.key)
        .unwrap();
    let texts: Vec<String> = msgs.iter().map(Message::plain_text).collect();
    assert_eq!(texts, vec!["", "second a", "second b", "second c"]);
}
