//! Keep and tidy, through the real binary on fixture homes: names and tags (kept apart from the
//! index), archived copies that outlive the agent's files, delete to revisit's trash and back.

mod common;

use common::{copy_tree, fixture_home, install_standins, manifest, revisit};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const ALPHA: &str = "claude:11111111-1111-4111-8111-111111111111";
const CODEX: &str = "codex:0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee";

fn run(c: &mut Command) -> (i32, String, String) {
    let out = c.output().expect("run revisit");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(c: &mut Command) -> String {
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    out
}

fn json(home: &Path, scratch: &Path, args: &[&str]) -> Value {
    let out = ok(revisit(home, scratch).args(args));
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn listed(home: &Path, scratch: &Path) -> BTreeMap<String, Value> {
    let list = json(home, scratch, &["list", "--json"]);
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                format!(
                    "{}:{}",
                    s["agent"].as_str().unwrap(),
                    s["id"].as_str().unwrap()
                ),
                s.clone(),
            )
        })
        .collect()
}

/// Every file under a folder with its bytes and modification time.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    fn walk(d: &Path, out: &mut BTreeMap<PathBuf, (Vec<u8>, std::time::SystemTime)>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            let md = std::fs::symlink_metadata(&p).unwrap();
            if md.is_dir() {
                walk(&p, out);
            } else {
                out.insert(
                    p.clone(),
                    (std::fs::read(&p).unwrap(), md.modified().unwrap()),
                );
            }
        }
    }
    walk(dir, &mut out);
    out
}

fn home_copy(scratch: &Path) -> PathBuf {
    let home = scratch.join("home");
    copy_tree(&fixture_home(), &home);
    home
}

#[test]
fn names_and_tags_survive_a_rebuild_of_the_index_and_are_searchable() {
    let t = tempfile::tempdir().unwrap();
    let scratch = t.path();
    let home = fixture_home(); // read in place: names and tags never touch it
    let before = snapshot(&home);
    ok(revisit(&home, scratch).args(["rename", "1111", "Login", "hunt", "(mine)"]));
    let out = ok(revisit(&home, scratch).args(["tag", "1111", "review", "#Bug,later"]));
    assert!(out.contains("#bug #later #review"), "{out}");
    let out = ok(revisit(&home, scratch).args(["tag", "1111", "later", "--remove"]));
    assert!(
        out.contains("#bug #review") && !out.contains("later"),
        "{out}"
    );

    // the index is a cache: remove it whole, and names and tags are still there
    std::fs::remove_dir_all(scratch.join("cache")).unwrap();
    let list = listed(&home, scratch);
    let s = &list[ALPHA];
    assert_eq!(s["name"], "Login hunt (mine)");
    assert_eq!(s["tags"], serde_json::json!(["bug", "review"]));
    assert_eq!(
        s["title"], "Login bug hunt",
        "the agent's title is kept beside the name"
    );
    assert!(list[CODEX].get("name").is_none() && list[CODEX].get("tags").is_none());

    // show --json carries them too
    let shown = json(&home, scratch, &["show", "1111", "--json"]);
    assert_eq!(shown["name"], "Login hunt (mine)");
    // the full-text search filters by them too
    let hits = json(&home, scratch, &["search", "login", "tag:review", "--json"]);
    assert!(!hits.as_array().unwrap().is_empty(), "{hits}");
    assert!(
        hits.as_array()
            .unwrap()
            .iter()
            .all(|h| h["id"] == "11111111-1111-4111-8111-111111111111")
    );
    let hits = json(
        &home,
        scratch,
        &["search", "login", "tag:nothing", "--json"],
    );
    assert!(hits.as_array().unwrap().is_empty(), "{hits}");
    let hits = json(
        &home,
        scratch,
        &["search", "login", "--json", "--", "-tag:review"],
    );
    assert!(
        hits.as_array()
            .unwrap()
            .iter()
            .all(|h| h["id"] != "11111111-1111-4111-8111-111111111111"),
        "{hits}"
    );

    // doctor counts revisit's own data
    let doctor = json(&home, scratch, &["doctor", "--json"]);
    assert_eq!(doctor["kept"]["named"], 1, "{doctor}");
    assert_eq!(doctor["kept"]["tagged"], 1);
    assert_eq!(doctor["kept"]["trash_entries"], 0);
    // clearing
    ok(revisit(&home, scratch).args(["rename", "1111", "--clear"]));
    ok(revisit(&home, scratch).args(["tag", "1111", "--clear"]));
    let list = listed(&home, scratch);
    assert!(list[ALPHA].get("name").is_none() && list[ALPHA].get("tags").is_none());
    assert_eq!(snapshot(&home), before, "the agent's files are untouched");
    // an unknown id is a usage error
    let (code, _, err) = run(revisit(&home, scratch).args(["tag", "nope", "x"]));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn an_archived_session_outlives_the_agents_files() {
    let t = tempfile::tempdir().unwrap();
    let scratch = t.path();
    let home = home_copy(scratch);
    let before = listed(&home, scratch)[ALPHA].clone();
    let shown_before = json(&home, scratch, &["show", "1111", "--json"]);
    let out = ok(revisit(&home, scratch).args(["archive", "1111", "--json"]));
    let archived: Value = serde_json::from_str(&out).unwrap();
    let dir = PathBuf::from(archived[0]["dir"].as_str().unwrap());
    assert!(
        dir.starts_with(scratch.join("data/revisit/archive/claude")),
        "{dir:?}"
    );
    assert!(dir.join("session.json").is_file());
    // copies of the session's own file and its two subagent files, as they were
    let files = archived[0]["files"].as_array().unwrap();
    assert_eq!(files.len(), 3, "{files:?}");
    for f in files {
        let original = std::fs::read(f["original"].as_str().unwrap()).unwrap();
        let copy = std::fs::read(dir.join(f["copy"].as_str().unwrap())).unwrap();
        assert_eq!(original, copy);
    }
    let list = listed(&home, scratch);
    assert!(list[ALPHA]["archived_at"].is_string());
    assert!(
        list[ALPHA].get("archive_only").is_none(),
        "the agent's own files still win"
    );
    assert_eq!(list[ALPHA]["source"], before["source"]);

    // the agent deletes the session (its cleanup): the archived copy is what is left
    let projects = home.join(".claude/projects/-home-u-alpha");
    std::fs::remove_file(projects.join("11111111-1111-4111-8111-111111111111.jsonl")).unwrap();
    std::fs::remove_file(projects.join("agent-aaaa1111.jsonl")).unwrap();
    std::fs::remove_dir_all(projects.join("11111111-1111-4111-8111-111111111111")).unwrap();
    let list = listed(&home, scratch);
    let s = &list[ALPHA];
    assert_eq!(s["archive_only"], true);
    assert!(
        s["source"]
            .as_str()
            .unwrap()
            .starts_with(dir.to_str().unwrap())
    );
    for field in [
        "title",
        "messages",
        "prompts",
        "tool_calls",
        "tokens",
        "cost_usd",
        "started_at",
        "updated_at",
        "cwd",
        "models",
    ] {
        assert_eq!(s[field], before[field], "{field}");
    }
    let shown = json(&home, scratch, &["show", "1111", "--json"]);
    assert_eq!(
        shown["messages"], shown_before["messages"],
        "every message, as it was"
    );
    // searchable
    let hits = json(&home, scratch, &["search", "login", "--json"]);
    assert!(
        hits.as_array()
            .unwrap()
            .iter()
            .any(|h| h["id"] == "11111111-1111-4111-8111-111111111111"),
        "{hits}"
    );
    // Claude Code loads a session from a file: resumed from the copy
    let bin = scratch.join("bin");
    install_standins(&bin, &["claude"]);
    let out = ok(revisit(&home, scratch)
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .args(["resume", "1111", "--json"]));
    let plan: Value = serde_json::from_str(&out).unwrap();
    let copy = dir.join("files/11111111-1111-4111-8111-111111111111.jsonl");
    assert_eq!(
        plan["argv"],
        serde_json::json!(["claude", "--resume", copy.display().to_string()]),
        "{plan}"
    );
    // deleting is not offered for the copy: removing it is `archive --remove`
    let (code, _, err) = run(revisit(&home, scratch).args(["delete", "1111", "--yes"]));
    assert_eq!(code, 1);
    assert!(err.contains("archive --remove"), "{err}");
    ok(revisit(&home, scratch).args(["archive", "1111", "--remove"]));
    assert!(!dir.exists());
    assert!(
        !listed(&home, scratch).contains_key(ALPHA),
        "gone with its copy"
    );
}

#[test]
fn codex_is_not_resumed_from_a_copy_and_says_so() {
    let t = tempfile::tempdir().unwrap();
    let scratch = t.path();
    let home = home_copy(scratch);
    ok(revisit(&home, scratch).args(["archive", "0197bbbb"]));
    std::fs::remove_dir_all(home.join(".codex/archived_sessions")).unwrap();
    let list = listed(&home, scratch);
    assert_eq!(
        list["codex:0197bbbb-cccc-7ddd-8eee-ffffffffffff"]["archive_only"],
        true
    );
    let bin = scratch.join("bin");
    install_standins(&bin, &["codex"]);
    let (code, _, err) = run(revisit(&home, scratch)
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .args(["resume", "0197bbbb", "--print"]));
    assert_eq!(code, 1);
    assert!(err.contains("archived copy"), "{err}");
}

#[test]
fn a_deleted_then_restored_session_is_byte_identical() {
    let t = tempfile::tempdir().unwrap();
    let scratch = t.path();
    let home = home_copy(scratch);
    let before = snapshot(&home);
    assert!(listed(&home, scratch).contains_key(ALPHA));

    // without a terminal and without --yes nothing happens, and the files are named
    let (code, _, err) = run(revisit(&home, scratch).args(["delete", "1111"]));
    assert_eq!(code, 1);
    assert!(
        err.contains("11111111-1111-4111-8111-111111111111.jsonl") && err.contains("--yes"),
        "{err}"
    );
    assert_eq!(snapshot(&home), before);

    let entry = json(&home, scratch, &["delete", "1111", "--yes", "--json"]);
    let id = entry["id"].as_str().unwrap().to_string();
    // the session file, the old-layout subagent file and the session's folder
    assert_eq!(entry["files"].as_array().unwrap().len(), 3, "{entry}");
    let after = snapshot(&home);
    let moved: Vec<&PathBuf> = before.keys().filter(|p| !after.contains_key(*p)).collect();
    assert_eq!(moved.len(), 4, "{moved:?}");
    assert!(
        moved
            .iter()
            .all(|p| p.to_string_lossy().contains("-home-u-alpha"))
    );
    assert!(!listed(&home, scratch).contains_key(ALPHA));
    let trash = json(&home, scratch, &["trash", "list", "--json"]);
    assert_eq!(trash[0]["id"], id.as_str());
    assert_eq!(trash[0]["key"], ALPHA);

    // the Codex session kept in sessions/ and archived_sessions/: both copies go
    let entry = json(&home, scratch, &["delete", "0199aaaa", "--yes", "--json"]);
    assert_eq!(entry["files"].as_array().unwrap().len(), 2, "{entry}");
    assert!(!listed(&home, scratch).contains_key(CODEX));

    // restore both (newest first by default, then by id)
    ok(revisit(&home, scratch).args(["trash", "restore"]));
    ok(revisit(&home, scratch).args(["trash", "restore", &id]));
    assert_eq!(
        snapshot(&home),
        before,
        "every byte and modification time is back"
    );
    let list = listed(&home, scratch);
    assert!(list.contains_key(ALPHA) && list.contains_key(CODEX));
    let out = ok(revisit(&home, scratch).args(["trash", "list"]));
    assert!(out.contains("empty"), "{out}");
}

#[test]
fn restore_never_overwrites_and_empty_removes_for_good() {
    let t = tempfile::tempdir().unwrap();
    let scratch = t.path();
    let home = home_copy(scratch);
    ok(revisit(&home, scratch).args(["delete", "2222", "--yes"]));
    let file =
        home.join(".claude/projects/-home-u-beta/22222222-2222-4222-8222-222222222222.jsonl");
    assert!(!file.exists());
    // the agent wrote a new file at that path meanwhile
    std::fs::write(&file, b"new\n").unwrap();
    let (code, _, err) = run(revisit(&home, scratch).args(["trash", "restore"]));
    assert_eq!(code, 1);
    assert!(err.contains("exists again"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), b"new\n");
    // emptying asks; --yes removes
    let (code, _, err) = run(revisit(&home, scratch).args(["trash", "empty"]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        json(&home, scratch, &["trash", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let out = ok(revisit(&home, scratch).args(["trash", "empty", "--older-than", "1d", "--yes"]));
    assert!(out.contains("nothing"), "{out}");
    let out = ok(revisit(&home, scratch).args(["trash", "empty", "--yes"]));
    assert!(out.contains("removed 1"), "{out}");
    assert!(
        json(&home, scratch, &["trash", "list", "--json"])
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn sessions_in_an_agents_database_or_a_shared_file_are_not_deleted() {
    let t = tempfile::tempdir().unwrap();
    let scratch = t.path();
    // agsh keeps every session in one SQLite database
    let home = scratch.join("agsh-home");
    copy_tree(&manifest().join("tests/fixtures/agsh/home"), &home);
    let before = snapshot(&home);
    let list = listed(&home, scratch);
    let key = list
        .keys()
        .find(|k| k.starts_with("agsh:"))
        .unwrap()
        .clone();
    let (code, _, err) = run(revisit(&home, scratch).args(["delete", &key, "--yes"]));
    assert_eq!(code, 1);
    assert!(
        err.contains("database") && err.contains("agsh's own delete"),
        "{err}"
    );
    assert_eq!(snapshot(&home), before);
    // but it can be archived: the copy is the session as revisit read it
    let out = json(&home, scratch, &["archive", &key, "--json"]);
    assert!(
        out[0]["files"].as_array().unwrap().is_empty(),
        "the database is not copied"
    );
    assert!(out[0]["messages"].as_u64().unwrap() > 0);
    assert_eq!(snapshot(&home), before);

    // OpenCode's older storage keeps sessions together in folders: not deleted either
    let scratch = &scratch.join("opencode"); // apart from the agsh archive above
    let home = scratch.join("home");
    copy_tree(&manifest().join("tests/fixtures/opencode/home"), &home);
    let before = snapshot(&home);
    for (key, s) in listed(&home, scratch) {
        let (code, _, err) = run(revisit(&home, scratch).args(["delete", &key, "--yes"]));
        assert_eq!(code, 1, "{key}");
        let source = s["source"].as_str().unwrap();
        if source.ends_with(".db") {
            assert!(err.contains("in its database"), "{err}");
        } else {
            assert!(err.contains("with other sessions"), "{err}");
        }
    }
    assert_eq!(snapshot(&home), before);
    assert!(
        json(&home, scratch, &["trash", "list", "--json"])
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_pi_session_resumes_from_its_archived_copy() {
    let t = tempfile::tempdir().unwrap();
    let scratch = t.path();
    let home = scratch.join("pi-home");
    copy_tree(&manifest().join("tests/fixtures/pi/home"), &home);
    let list = listed(&home, scratch);
    let (key, s) = list
        .iter()
        .find(|(k, _)| k.starts_with("pi:0199aaaa"))
        .unwrap();
    let source = PathBuf::from(s["source"].as_str().unwrap());
    let archived = json(&home, scratch, &["archive", key, "--json"]);
    let dir = PathBuf::from(archived[0]["dir"].as_str().unwrap());
    std::fs::remove_file(&source).unwrap();
    let list = listed(&home, scratch);
    assert_eq!(list[key]["archive_only"], true);
    let bin = scratch.join("bin");
    install_standins(&bin, &["pi"]);
    let out = ok(revisit(&home, scratch)
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .args(["resume", key, "--json"]));
    let plan: Value = serde_json::from_str(&out).unwrap();
    let copy = dir.join("files").join(source.file_name().unwrap());
    assert_eq!(
        plan["argv"],
        serde_json::json!(["pi", "--session", copy.display().to_string()])
    );
    let original = manifest().join("tests/fixtures/pi").join(
        source
            .strip_prefix(scratch)
            .unwrap()
            .strip_prefix("pi-home")
            .map(|r| Path::new("home").join(r))
            .unwrap(),
    );
    assert_eq!(
        std::fs::read(&copy).unwrap(),
        std::fs::read(original).unwrap()
    );
}

#[test]
fn archive_expiring_keeps_what_the_agent_is_about_to_delete() {
    let t = tempfile::tempdir().unwrap();
    let scratch = t.path();
    let home = home_copy(scratch);
    // Claude Code deletes sessions a day after their last activity: every fixture session
    // of it is due at its next start (whatever today is); Codex deletes nothing
    std::fs::write(
        home.join(".claude/settings.json"),
        r#"{"cleanupPeriodDays": 1}"#,
    )
    .unwrap();
    let expiring = json(&home, scratch, &["list", "is:expiring", "--json"]);
    let keys: Vec<&str> = expiring
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["agent"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["claude", "claude", "claude"], "{expiring}");
    let out = json(&home, scratch, &["archive", "--expiring", "--json"]);
    assert_eq!(out.as_array().unwrap().len(), 3, "{out}");
    // archived: off the expiring list, marked archived
    let expiring = json(&home, scratch, &["list", "is:expiring", "--json"]);
    assert!(expiring.as_array().unwrap().is_empty(), "{expiring}");
    let archived = json(&home, scratch, &["list", "is:archived", "--json"]);
    assert_eq!(archived.as_array().unwrap().len(), 3);
    let out = ok(revisit(&home, scratch).args(["archive", "--expiring"]));
    assert!(out.contains("no session is due"), "{out}");
    // Claude Code runs its cleanup: the sessions stay, from revisit's copies
    std::fs::remove_dir_all(home.join(".claude/projects")).unwrap();
    let list = listed(&home, scratch);
    let claude: Vec<&Value> = list.values().filter(|s| s["agent"] == "claude").collect();
    assert_eq!(claude.len(), 3);
    assert!(
        claude
            .iter()
            .all(|s| s["archive_only"] == true && s.get("expires_at").is_none())
    );
}

#[test]
fn a_live_session_is_not_deleted() {
    let t = tempfile::tempdir().unwrap();
    let scratch = t.path();
    let home = home_copy(scratch);
    // the agent writes to it now
    let file =
        home.join(".claude/projects/-home-u-beta/22222222-2222-4222-8222-222222222222.jsonl");
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let line = common::claude_user_line(
        "22222222-2222-4222-8222-222222222222",
        "live-1",
        "still going",
    )
    .replace("2026-11-20T11:00:00.000Z", &now);
    common::append(&file, &format!("{line}\n"));
    let before = snapshot(&home);
    let (code, _, err) = run(revisit(&home, scratch).args(["delete", "2222", "--yes"]));
    assert_eq!(code, 1);
    assert!(err.contains("still writing"), "{err}");
    assert_eq!(snapshot(&home), before);
}

#[test]
fn a_damaged_archive_or_database_of_revisits_own_loses_nothing_else() {
    let t = tempfile::tempdir().unwrap();
    let scratch = t.path();
    let home = home_copy(scratch);
    ok(revisit(&home, scratch).args(["archive", "1111"]));
    ok(revisit(&home, scratch).args(["tag", "2222", "kept"]));
    let data = scratch.join("data/revisit");
    // an archived copy cut short, junk beside it, and revisit's own database overwritten
    let archived = std::fs::read_dir(data.join("archive/claude"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let doc = std::fs::read(archived.join("session.json")).unwrap();
    std::fs::write(archived.join("session.json"), &doc[..doc.len() / 2]).unwrap();
    std::fs::create_dir_all(data.join("archive/claude/junk")).unwrap();
    std::fs::write(
        data.join("archive/claude/junk/session.json"),
        b"\x00\xffnot json",
    )
    .unwrap();
    std::fs::write(data.join("revisit.sqlite"), b"not a database at all").unwrap();
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(data.join(format!("revisit.sqlite{side}")));
    }
    let list = listed(&home, scratch);
    assert_eq!(list.len(), 5, "every session of the agents is still listed");
    assert!(
        list.values().all(|s| s.get("tags").is_none()),
        "the tags are unreadable, not invented"
    );
    let doctor = ok(revisit(&home, scratch).args(["doctor"]));
    assert!(doctor.contains("archived copy"), "{doctor}");
    assert!(
        doctor.contains("warning: ") && doctor.contains("not a database"),
        "{doctor}"
    );
    // writing a name says why it cannot
    let (code, _, err) = run(revisit(&home, scratch).args(["rename", "1111", "x"]));
    assert_ne!(code, 0);
    assert!(err.contains("revisit.sqlite"), "{err}");
}
