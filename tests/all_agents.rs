//! One home holding the sessions the real CLIs of all eight agents wrote
//! (`../shared/fixtures/*/generated`): every session is listed once with the right agent, id,
//! cwd and counts, `doctor` explains what was skipped, and every transcript renders readably.

mod common;

use common::{copy_tree, revisit, shared_fixtures};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Lay the generated stores out as one home; returns (home, config file, DB_PATH for profclaw).
fn build_home(f: &Path, root: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let home = root.join("home");
    copy_tree(&f.join("claude-code/generated/home"), &home);
    copy_tree(&f.join("codex/generated/home"), &home);
    copy_tree(&f.join("gemini/generated/home"), &home);
    copy_tree(&f.join("opencode/generated/home"), &home);
    copy_tree(&f.join("pi/generated/home"), &home);
    let agsh = home.join(".local/share/agsh");
    std::fs::create_dir_all(&agsh).unwrap();
    std::fs::copy(
        f.join("agsh/generated/sessions.db"),
        agsh.join("sessions.db"),
    )
    .unwrap();
    // Agenix writes inside the project folder; profclaw's server keeps data/profclaw.db
    let project = home.join("proj-agenix");
    copy_tree(&f.join("agenix/generated/project"), &project);
    let server = root.join("profclaw-server/data");
    std::fs::create_dir_all(&server).unwrap();
    std::fs::copy(
        f.join("profclaw/generated/profclaw.db"),
        server.join("profclaw.db"),
    )
    .unwrap();
    let config = root.join("config.toml");
    std::fs::write(
        &config,
        format!("[agents.agenix]\nroots = [\"{}\"]\n", project.display()),
    )
    .unwrap();
    (home, config, server.join("profclaw.db"))
}

fn run(home: &Path, scratch: &Path, config: &Path, db: &Path, args: &[&str]) -> Value {
    let out = revisit(home, scratch)
        .env("DB_PATH", db)
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (agent, id prefix, cwd, prompts, tool calls, (input, output) or None when not recorded)
type Case = (
    &'static str,
    &'static str,
    Option<&'static str>,
    u64,
    u64,
    Option<(u64, u64)>,
);

#[test]
fn every_agent_listed_once_with_its_figures() {
    let Some(f) = shared_fixtures() else { return };
    let root = tempfile::tempdir().unwrap();
    let (home, config, db) = build_home(&f, root.path());
    // one line the Claude parser cannot read, for doctor to explain
    let claude_file = home
        .join(".claude/projects/-home-dev-proj-claude/e1cc27da-2d22-4262-9f6c-afa33dc97aa4.jsonl");
    let mut text = std::fs::read_to_string(&claude_file).unwrap();
    text.push_str("{\"type\":\"assistant\",\"message\": 42}\n");
    std::fs::write(&claude_file, text).unwrap();

    let list = run(&home, root.path(), &config, &db, &["list", "--json"]);
    let list = list.as_array().unwrap();
    let mut per_agent: BTreeMap<&str, usize> = BTreeMap::new();
    let mut keys = std::collections::HashSet::new();
    for s in list {
        *per_agent.entry(s["agent"].as_str().unwrap()).or_default() += 1;
        let key = format!("{}:{}@{}", s["agent"], s["id"], s["cwd"]);
        assert!(keys.insert(key.clone()), "listed twice: {key}");
    }
    let expected: BTreeMap<&str, usize> = [
        ("claude", 7),
        ("codex", 3),
        ("gemini", 3),
        ("opencode", 6), // 7 sessions, one is a task subagent of another
        ("pi", 5),
        ("agsh", 3),
        ("agenix", 3),
        ("profclaw", 2),
    ]
    .into_iter()
    .collect();
    assert_eq!(per_agent, expected);

    let find = |agent: &str, id: &str| -> &Value {
        list.iter()
            .find(|s| s["agent"] == agent && s["id"].as_str().unwrap().starts_with(id))
            .unwrap_or_else(|| panic!("{agent}:{id} not listed"))
    };
    // (agent, id prefix, cwd, prompts, tool calls, input, output) per GENERATED*.md
    let cases: &[Case] = &[
        (
            "claude",
            "33cb1066",
            Some("/home/dev/proj-claude"),
            3,
            4,
            Some((160, 375)),
        ),
        (
            "codex",
            "01a20b6f-370c",
            Some("/home/dev/proj-codex"),
            3,
            5,
            Some((87201 - 73984, 1218)),
        ),
        (
            "gemini",
            "515059ce",
            Some("/home/dev/proj-gemini"),
            3,
            5,
            Some((69002 - 57309, 705 + 295)),
        ),
        (
            "opencode",
            "ses_df481ffb",
            Some("/home/dev/proj-opencode"),
            3,
            4,
            Some((14665, 305 + 52)),
        ),
        (
            "pi",
            "01a20b7d-c29a",
            Some("/home/dev/proj-pi"),
            3,
            4,
            Some((511, 360)),
        ),
        ("agsh", "f57770d9", Some("/home/dev/proj-agsh"), 4, 4, None),
        ("agenix", "20261124_023207", None, 0, 4, None),
        ("profclaw", "eb4217c1", None, 3, 5, Some((10814, 419))),
    ];
    for (agent, id, cwd, prompts, tools, tokens) in cases {
        let s = find(agent, id);
        if let Some(cwd) = cwd {
            assert_eq!(s["cwd"], *cwd, "{agent} cwd");
        }
        assert_eq!(s["prompts"], *prompts, "{agent} prompts");
        assert_eq!(s["tool_calls"], *tools, "{agent} tool calls");
        match tokens {
            Some((i, o)) => {
                assert_eq!(s["tokens"]["input"], *i, "{agent} input");
                assert_eq!(s["tokens"]["output"], *o, "{agent} output");
            }
            None => assert_eq!(s["tokens"], Value::Null, "{agent}: usage not recorded"),
        }
        assert!(s["resume"].is_object(), "{agent} has a resume command");
    }
    assert!(
        find("agenix", "20261124_023207")["cwd"]
            .as_str()
            .unwrap()
            .ends_with("proj-agenix")
    );

    // doctor explains the skipped line, and nothing else was skipped
    let doc = run(&home, root.path(), &config, &db, &["doctor", "--json"]);
    for a in doc["agents"].as_array().unwrap() {
        let skipped = a["skipped"].as_u64().unwrap();
        if a["agent"] == "claude" {
            assert_eq!(skipped, 1);
            let ex = &a["stores_with_problems"][0]["examples"][0];
            assert_eq!(ex["kind"], "wrong_shape");
            assert_eq!(ex["line"], 8);
        } else {
            assert_eq!(skipped, 0, "{}", a["agent"]);
        }
        assert!(a["sessions"].as_u64().unwrap() > 0, "{}", a["agent"]);
    }
}

#[test]
fn every_agents_transcript_renders_readably() {
    use chrono::TimeZone;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use revisit::app::{AppState, Msg, update};
    use revisit::config::{Config, Env};
    use revisit::index::query::{ListQuery, Reader};
    use revisit::index::writer::Writer;
    use revisit::sources::Registry;

    let Some(f) = shared_fixtures() else { return };
    revisit::render::Highlighter::shared(revisit::render::SyntaxTheme::Dark);
    let root = tempfile::tempdir().unwrap();
    let (home, config, db) = build_home(&f, root.path());
    let env = Env::with_home(&home, &[("DB_PATH", db.to_str().unwrap())]);
    let cfg = Config::load(&env, Some(&config)).unwrap();
    let reg = Registry::new(env, cfg);
    let path = root.path().join("index.sqlite");
    Writer::open(&path)
        .unwrap()
        .refresh(&reg, &mut |_| {})
        .unwrap();
    let reader = Reader::open(&path).unwrap();
    let sessions = reader.list(&ListQuery::default()).unwrap();
    for agent in revisit::model::Agent::ALL {
        let s = sessions.iter().find(|s| s.agent == agent).unwrap();
        let messages = reader.messages(&s.key).unwrap();
        assert!(!messages.is_empty(), "{agent}");
        let now = chrono::Utc
            .with_ymd_and_hms(2026, 11, 24, 12, 0, 0)
            .unwrap();
        let mut st = AppState::new(now, (100, 40), None);
        let g = st.list_generation;
        update(
            &mut st,
            Msg::Sessions {
                generation: g,
                sessions: vec![s.clone()],
            },
        );
        st.rows = vec![revisit::search::list::Row::Session { idx: 0, score: 0 }];
        update(
            &mut st,
            Msg::Key(crossterm::event::KeyEvent::from(
                crossterm::event::KeyCode::Enter,
            )),
        );
        let generation = st.transcript.generation;
        update(
            &mut st,
            common::transcript_msg(generation, &s.key, messages),
        );
        let mut t = Terminal::new(TestBackend::new(100, 40)).unwrap();
        t.draw(|fr| revisit::ui::render(fr, &st)).unwrap();
        // the scratch folder's name is random: keep snapshots stable
        let screen: String =
            format!("{}", t.backend()).replace(root.path().to_str().unwrap(), "[TMP]");
        // readable: a header per message, no raw escape bytes, no JSON envelopes
        assert!(
            screen.contains("You  ") || screen.contains("Assistant  "),
            "{agent}:\n{screen}"
        );
        assert!(
            !screen.contains('\u{1b}'),
            "{agent}: escape bytes reached the screen"
        );
        assert!(
            !screen.contains("\"type\":"),
            "{agent}: raw JSON on screen:\n{screen}"
        );
        insta::assert_snapshot!(format!("transcript_{agent}"), screen);
    }
}
