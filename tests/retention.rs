//! The retention guard through the real binary: `list --json` dates, `is:expiring`, and what
//! `doctor` says of each agent's settings, on `tests/fixtures/retention/home`.
//!
//! The fixture's sessions were last active on 2025-03-01 at 10:00 UTC, so the results do not
//! depend on today's date: with Claude Code's `cleanupPeriodDays = 10` (`~/.claude`) and Gemini
//! CLI's `maxAge = "14d"` their dates are long past (due at the agent's next start: always
//! expiring), while the session under `$CLAUDE_CONFIG_DIR` (`cleanupPeriodDays = 100000`) is
//! not deleted before the year 2298. Codex deletes nothing.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::{copy_tree, manifest, revisit};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const OLD: &str = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const KEPT: &str = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const GEMINI: &str = "cccccccc-0000-4000-8000-000000000001";
const CODEX: &str = "0195dddd-dddd-7ddd-8ddd-dddddddddddd";

fn home() -> PathBuf {
    manifest().join("tests/fixtures/retention/home")
}

fn last_active() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 10, 0, 0).unwrap()
}

/// The machine's own Claude Code managed settings would win over the fixture's (they cannot be
/// pointed elsewhere): the Claude checks are skipped on a machine that has them.
fn machine_has_claude_policy() -> bool {
    let dir = Path::new("/etc/claude-code");
    let found = cfg!(target_os = "linux")
        && (dir.join("managed-settings.json").exists() || dir.join("managed-settings.d").exists());
    if found {
        eprintln!("/etc/claude-code has managed settings: the Claude checks are skipped");
    }
    found
}

/// revisit on `home` with the fixture's `$CLAUDE_CONFIG_DIR`, and no system settings for
/// Gemini CLI (whatever the machine has).
fn run(home: &Path, scratch: &Path, args: &[&str]) -> Value {
    let mut c: Command = revisit(home, scratch);
    c.env("CLAUDE_CONFIG_DIR", home.join("alt-claude"))
        .env(
            "GEMINI_CLI_SYSTEM_SETTINGS_PATH",
            scratch.join("no-gemini-system.json"),
        )
        .env(
            "GEMINI_CLI_SYSTEM_DEFAULTS_PATH",
            scratch.join("no-gemini-defaults.json"),
        )
        .args(args);
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: exit {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn by_id<'a>(list: &'a Value, id: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("{id} is listed: {list:#}"))
}

fn ids(list: &Value) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("a time: {v}")))
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn list_json_dates_each_session_by_its_agents_settings() {
    let scratch = tempfile::tempdir().unwrap();
    let list = run(&home(), scratch.path(), &["list", "--json"]);
    assert_eq!(ids(&list).len(), 4);
    let gemini = by_id(&list, GEMINI);
    assert_eq!(time(&gemini["updated_at"]), last_active());
    assert_eq!(
        time(&gemini["expires_at"]),
        last_active() + Duration::days(14)
    );
    assert_eq!(
        gemini["expiry_rule"],
        "sessionRetention.maxAge = \"14d\" in ~/.gemini/settings.json"
    );
    let codex = by_id(&list, CODEX);
    assert!(
        codex.get("expires_at").is_none(),
        "Codex deletes nothing: {codex:#}"
    );
    if machine_has_claude_policy() {
        return;
    }
    let old = by_id(&list, OLD);
    assert_eq!(time(&old["expires_at"]), last_active() + Duration::days(10));
    assert_eq!(
        old["expiry_rule"],
        "cleanupPeriodDays = 10 in ~/.claude/settings.json"
    );
    let kept = by_id(&list, KEPT);
    assert_eq!(
        time(&kept["expires_at"]),
        last_active() + Duration::days(100_000),
        "the sessions under $CLAUDE_CONFIG_DIR follow its own settings.json"
    );
    assert_eq!(
        kept["expiry_rule"],
        "cleanupPeriodDays = 100000 in ~/alt-claude/settings.json"
    );
}

#[test]
fn is_expiring_selects_what_the_agents_will_delete_within_a_week() {
    let scratch = tempfile::tempdir().unwrap();
    let h = home();
    let expiring = run(&h, scratch.path(), &["list", "is:expiring", "--json"]);
    // a negated filter comes after `--` (clap would read `-is…` as options)
    let others = run(
        &h,
        scratch.path(),
        &["list", "--json", "--", "-is:expiring"],
    );
    let gemini_only = run(
        &h,
        scratch.path(),
        &["list", "is:expiring", "agent:gemini", "--json"],
    );
    assert_eq!(ids(&gemini_only), vec![GEMINI]);
    assert!(ids(&others).contains(&CODEX.to_string()));
    if machine_has_claude_policy() {
        return;
    }
    assert_eq!(ids(&expiring), vec![OLD, GEMINI]);
    assert_eq!(ids(&others), vec![CODEX, KEPT]);
    // nothing is archived here
    assert_eq!(
        ids(&run(&h, scratch.path(), &["list", "is:archived", "--json"])),
        Vec::<String>::new()
    );
}

#[test]
fn doctor_reports_each_agents_retention_settings() {
    let scratch = tempfile::tempdir().unwrap();
    let h = home();
    let doc = run(&h, scratch.path(), &["doctor", "--json"]);
    let agent = |name: &str| -> Value {
        doc["agents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["agent"] == name)
            .unwrap()["retention"]
            .clone()
    };
    let gemini = agent("gemini");
    assert_eq!(gemini.as_array().unwrap().len(), 1);
    assert_eq!(gemini[0]["dir"], h.join(".gemini").display().to_string());
    assert_eq!(gemini[0]["deletes"], true);
    assert_eq!(gemini[0]["max_age_days"], 14.0);
    let max_age = gemini[0]["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "sessionRetention.maxAge")
        .unwrap()
        .clone();
    assert_eq!(max_age["value"], "14d");
    assert_eq!(
        max_age["file"],
        h.join(".gemini/settings.json").display().to_string()
    );
    assert!(
        gemini[0]["policy"]
            .as_str()
            .unwrap()
            .contains("in the project it starts in")
    );
    let files: Vec<(String, String)> = gemini[0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        files.contains(&(
            h.join(".gemini/settings.json").display().to_string(),
            "read".into()
        )),
        "{files:?}"
    );
    assert_eq!(gemini[0]["warnings"], serde_json::json!([]));
    for name in ["codex", "opencode", "pi", "agenix", "profclaw"] {
        let r = agent(name);
        assert_eq!(r[0]["deletes"], false, "{name}: {r:#}");
        assert!(
            r[0]["policy"]
                .as_str()
                .unwrap()
                .ends_with("never deletes sessions by itself"),
            "{name}"
        );
    }
    assert_eq!(agent("agsh")[0]["max_age_days"], 90.0, "agsh's default");
    if machine_has_claude_policy() {
        return;
    }
    let claude = agent("claude");
    let dirs: Vec<&str> = claude
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["dir"].as_str().unwrap())
        .collect();
    let alt = h.join("alt-claude").display().to_string();
    let dot = h.join(".claude").display().to_string();
    assert_eq!(dirs, vec![alt.as_str(), dot.as_str()]);
    assert_eq!(claude[0]["max_age_days"], 100_000.0);
    assert_eq!(claude[1]["max_age_days"], 10.0);
    assert_eq!(
        claude[1]["settings"],
        serde_json::json!([{
            "key": "cleanupPeriodDays",
            "value": 10,
            "file": h.join(".claude/settings.json").display().to_string(),
        }])
    );
    // and in words
    let out = revisit(&h, scratch.path())
        .env("CLAUDE_CONFIG_DIR", h.join("alt-claude"))
        .arg("doctor")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "Claude Code deletes sessions 10 days after their last activity \
             (cleanupPeriodDays = 10 in ~/.claude/settings.json), when it starts"
        ),
        "{text}"
    );
    assert!(
        text.contains("retention: Codex CLI never deletes sessions by itself"),
        "{text}"
    );
}

#[test]
fn gemini_max_count_makes_older_sessions_due_at_the_next_start() {
    let scratch = tempfile::tempdir().unwrap();
    let h = scratch.path().join("home");
    copy_tree(&home(), &h);
    std::fs::write(
        h.join(".gemini/settings.json"),
        r#"{"general": {"sessionRetention": {"maxAge": "1000w", "maxCount": 1}}}"#,
    )
    .unwrap();
    // a newer session in the same project: only it is kept
    let chats = h.join(".gemini/tmp/webapp/chats");
    let old = chats.join("session-2025-03-01T09-00-cccccccc.jsonl");
    let newer = chats.join("session-2025-03-02T09-00-eeeeeeee.jsonl");
    let text = std::fs::read_to_string(&old)
        .unwrap()
        .replace("cccccccc", "eeeeeeee")
        .replace("2025-03-01", "2025-03-02");
    std::fs::write(&newer, text).unwrap();
    let at = |p: &Path, secs: u64| {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
            .unwrap()
    };
    at(&old, 1_740_823_200); // 2025-03-01 10:00 UTC
    at(&newer, 1_740_909_600); // a day later
    let before = Utc::now() - Duration::seconds(1);
    let list = run(&h, scratch.path(), &["list", "agent:gemini", "--json"]);
    let after = Utc::now() + Duration::seconds(1);
    let due = by_id(&list, GEMINI);
    let t = time(&due["expires_at"]);
    assert!(before <= t && t <= after, "beyond maxCount: due now ({t})");
    assert_eq!(
        due["expiry_rule"],
        "sessionRetention.maxCount = 1 in ~/.gemini/settings.json"
    );
    let kept = by_id(&list, "eeeeeeee-0000-4000-8000-000000000001");
    assert_eq!(
        time(&kept["expires_at"]),
        Utc.with_ymd_and_hms(2025, 3, 2, 10, 0, 0).unwrap() + Duration::weeks(1000),
        "the newest one goes by maxAge"
    );
    let expiring = run(
        &h,
        scratch.path(),
        &["list", "is:expiring", "agent:gemini", "--json"],
    );
    assert_eq!(ids(&expiring), vec![GEMINI]);
}

/// The list's marks and the preview's notes, drawn: sessions of the fixture with what revisit
/// knows of them set by hand (no machine settings involved).
#[test]
fn marks_and_notes_140x40() {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use revisit::app::{AppState, Msg, update};
    use revisit::model::SessionExtra;

    revisit::render::Highlighter::shared(revisit::render::SyntaxTheme::Dark);
    let scratch = tempfile::tempdir().unwrap();
    let (mut sessions, _) = common::index_home(&home(), scratch.path());
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    for s in sessions.iter_mut() {
        s.extra = match s.id.as_str() {
            OLD => SessionExtra {
                tags: vec!["cleanup".into()],
                expires_at: Some(last_active() + Duration::days(10)),
                expiry_rule: Some("cleanupPeriodDays = 10 in ~/.claude/settings.json".into()),
                ..Default::default()
            },
            GEMINI => SessionExtra {
                name: Some("Dark mode toggle".into()),
                expires_at: Some(now + Duration::days(3)),
                expiry_rule: Some(
                    "sessionRetention.maxAge = \"14d\" in ~/.gemini/settings.json".into(),
                ),
                ..Default::default()
            },
            CODEX => SessionExtra {
                tags: vec!["review".into(), "bug".into()],
                archived_at: Some(now - Duration::days(4)),
                archive_only: true,
                ..Default::default()
            },
            other => panic!("unexpected session {other}"),
        };
    }
    let reader = revisit::index::query::Reader::open(&scratch.path().join("index.sqlite")).unwrap();
    let mut st = AppState::new(now, (140, 40), None);
    let g = st.list_generation;
    update(
        &mut st,
        Msg::Sessions {
            generation: g,
            sessions: sessions.clone(),
        },
    );
    let pos = |id: &str| sessions.iter().position(|s| s.id == id).unwrap();
    st.rows = [GEMINI, OLD, CODEX]
        .iter()
        .map(|id| revisit::search::list::Row::Session {
            idx: pos(id),
            score: 0,
        })
        .collect();
    // down and back up: the preview loads the first row
    for k in ['j', 'k'] {
        update(
            &mut st,
            Msg::Key(crossterm::event::KeyEvent::from(
                crossterm::event::KeyCode::Char(k),
            )),
        );
    }
    let key = sessions[pos(GEMINI)].key.clone();
    assert_eq!(st.transcript.key.as_ref(), Some(&key));
    let generation = st.transcript.generation;
    update(
        &mut st,
        common::transcript_msg(generation, &key, reader.messages(&key).unwrap()),
    );
    let mut t = Terminal::new(TestBackend::new(140, 40)).unwrap();
    t.draw(|f| revisit::ui::render(f, &st)).unwrap();
    let screen = format!("{}", t.backend());
    assert!(screen.contains("⌛ Nov 27"), "{screen}");
    assert!(screen.contains("⌛ due"), "{screen}");
    assert!(screen.contains("▣ archive only"), "{screen}");
    assert!(screen.contains("press a to keep a copy"), "{screen}");
    assert!(screen.contains("Title: Add a dark mode toggle"), "{screen}");
    // the date is drawn in the theme's warning style
    let buf = t.backend().buffer();
    let theme = revisit::ui::theme::Theme::dark();
    let cell = (0..buf.area.width)
        .flat_map(|x| (0..buf.area.height).map(move |y| (x, y)))
        .find(|&(x, y)| buf[(x, y)].symbol() == "⌛")
        .unwrap();
    assert_eq!(buf[cell].fg, theme.banner.fg.unwrap());
    insta::assert_snapshot!(screen);
}
