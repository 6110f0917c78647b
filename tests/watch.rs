//! The file watcher and the indexer together, on a temporary home: every kind of change an
//! agent (or a person, or a sync) makes ends with an index equal to a fresh full index of the
//! same files.

mod common;

use common::{append, claude_user_line, copy_tree};
use crossbeam_channel::{Receiver, unbounded};
use revisit::config::{Config, Env};
use revisit::index::query::{ListQuery, Reader};
use revisit::index::writer::Writer;
use revisit::sources::Registry;
use revisit::watch::{Mode, WatchRoot, Watcher};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const S1: &str = "11111111-1111-4111-8111-111111111111";

struct Live {
    _dir: tempfile::TempDir,
    home: PathBuf,
    index: PathBuf,
    reg: Registry,
    writer: Writer,
    watcher: Watcher,
    batches: Receiver<Vec<PathBuf>>,
}

impl Live {
    /// The fixture home (Claude Code, Codex) plus an agsh database, indexed, then watched.
    fn new() -> Live {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        copy_tree(&common::fixture_home(), &home);
        let agsh = home.join(".local/share/agsh");
        std::fs::create_dir_all(&agsh).unwrap();
        std::fs::copy(
            common::manifest().join("tests/fixtures/agsh/home/.local/share/agsh/sessions.db"),
            agsh.join("sessions.db"),
        )
        .unwrap();
        let index = dir.path().join("index.sqlite");
        let reg = Registry::new(Env::with_home(&home, &[]), Config::default());
        let mut writer = Writer::open(&index).unwrap();
        writer.refresh(&reg, &mut |_| {}).unwrap();
        let (tx, batches) = unbounded();
        let watcher = Watcher::spawn(roots(&reg, &writer), move |b| {
            let _ = tx.send(b);
        });
        Live {
            _dir: dir,
            home,
            index,
            reg,
            writer,
            watcher,
            batches,
        }
    }

    /// Apply what the watcher reports until it has been quiet for a while (as the indexer
    /// thread does), keeping the watched roots current.
    fn settle(&mut self) {
        let start = Instant::now();
        let mut got = false;
        while start.elapsed() < Duration::from_secs(20) {
            let wait = if got { 600 } else { 3000 };
            match self.batches.recv_timeout(Duration::from_millis(wait)) {
                Ok(b) => {
                    got = true;
                    self.writer
                        .refresh_changed(&self.reg, &b, &mut |_| {})
                        .unwrap();
                    self.watcher.set_roots(roots(&self.reg, &self.writer));
                }
                Err(_) => break,
            }
        }
        assert!(got, "the watcher reported nothing");
    }

    fn assert_equals_fresh(&self) {
        let fresh = tempfile::tempdir().unwrap();
        let path = fresh.path().join("fresh.sqlite");
        Writer::open(&path)
            .unwrap()
            .refresh(&self.reg, &mut |_| {})
            .unwrap();
        common::assert_same_index(&self.index, &path);
    }

    fn count(&self) -> usize {
        Reader::open(&self.index)
            .unwrap()
            .list(&ListQuery::default())
            .unwrap()
            .len()
    }

    fn messages_of(&self, id: &str) -> u64 {
        Reader::open(&self.index)
            .unwrap()
            .list(&ListQuery::default())
            .unwrap()
            .into_iter()
            .find(|s| s.id == id)
            .map(|s| s.messages)
            .unwrap_or(0)
    }

    fn claude(&self, name: &str) -> PathBuf {
        self.home.join(".claude/projects/-home-u-alpha").join(name)
    }
}

fn roots(reg: &Registry, w: &Writer) -> Vec<WatchRoot> {
    reg.roots_with(&w.known_dirs().unwrap())
        .into_iter()
        .map(|r| WatchRoot {
            path: r.path,
            remote: false,
        })
        .collect()
}

/// A small Claude Code session file.
fn claude_session(sid: &str, text: &str) -> String {
    format!("{}\n", claude_user_line(sid, "u-1", text))
}

#[test]
fn an_append_is_read_and_equals_a_fresh_index() {
    let mut l = Live::new();
    let before = l.messages_of(S1);
    let path = l.claude(&format!("{S1}.jsonl"));
    // the fixture ends with a truncated line: its end, then a new line
    append(&path, "ed\"}}\n");
    append(
        &path,
        &format!("{}\n", claude_user_line(S1, "w1", "appended while watched")),
    );
    l.settle();
    assert_eq!(l.messages_of(S1), before + 2);
    l.assert_equals_fresh();
}

#[test]
fn new_files_and_new_dated_folders_appear() {
    let mut l = Live::new();
    let n = l.count();
    std::fs::write(
        l.claude("44444444-4444-4444-8444-444444444444.jsonl"),
        claude_session("44444444-4444-4444-8444-444444444444", "a new session"),
    )
    .unwrap();
    // Codex makes a folder per day
    let day = l.home.join(".codex/sessions/2026/11/25");
    std::fs::create_dir_all(&day).unwrap();
    let src = std::fs::read_dir(l.home.join(".codex/sessions/2026/11/20"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(&src).unwrap().replace(
        "0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee",
        "0199aaaa-bbbb-7ccc-8ddd-ffffffffffff",
    );
    std::fs::write(
        day.join("rollout-2026-11-25T10-00-00-0199aaaa-bbbb-7ccc-8ddd-ffffffffffff.jsonl"),
        text,
    )
    .unwrap();
    l.settle();
    assert_eq!(l.count(), n + 2);
    l.assert_equals_fresh();
}

#[test]
fn deletes_renames_and_truncations_follow() {
    let mut l = Live::new();
    let n = l.count();
    let beta = l.home.join(".claude/projects/-home-u-beta");
    // delete one session, rename another (same session, new file name)
    std::fs::remove_file(beta.join("22222222-2222-4222-8222-222222222222.jsonl")).unwrap();
    std::fs::rename(
        beta.join("33333333-3333-4333-8333-333333333333.jsonl"),
        beta.join("33333333-3333-4333-8333-333333333333.jsonl.bak"),
    )
    .unwrap();
    l.settle();
    assert_eq!(
        l.count(),
        n - 2,
        "a renamed-away file is no session any more"
    );
    std::fs::rename(
        beta.join("33333333-3333-4333-8333-333333333333.jsonl.bak"),
        beta.join("33333333-3333-4333-8333-333333333333.jsonl"),
    )
    .unwrap();
    l.settle();
    assert_eq!(l.count(), n - 1);
    // truncate a session to its first lines (a rewrite)
    let path = l.claude(&format!("{S1}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap();
    let head: String = text.lines().take(3).map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, head).unwrap();
    l.settle();
    l.assert_equals_fresh();
}

#[test]
fn a_row_inserted_into_a_wal_database_is_read() {
    let mut l = Live::new();
    let db = l.home.join(".local/share/agsh/sessions.db");
    let sid = "3f1c9a2e-5b7d-4e8f-9a01-23456789abcd";
    let before = l.messages_of(sid);
    // the agent's own connection, in WAL mode, kept open while revisit reads
    let c = rusqlite::Connection::open(&db).unwrap();
    c.pragma_update(None, "journal_mode", "WAL").unwrap();
    c.execute(
        "INSERT INTO messages(session_id, role, content, created_at) VALUES (?1, 'user', ?2, ?3)",
        (
            sid,
            "a question typed while revisit watched",
            "2026-11-20T09:05:00.000000001+00:00",
        ),
    )
    .unwrap();
    assert!(
        Path::new(&format!("{}-wal", db.display())).exists(),
        "the row sits in the WAL"
    );
    l.settle();
    assert_eq!(l.messages_of(sid), before + 1);
    l.assert_equals_fresh();
    drop(c);
}

#[test]
fn a_root_created_after_start_is_watched_and_read() {
    let mut l = Live::new();
    let gemini = l.home.join(".gemini");
    let modes = l.watcher.status();
    let m = modes
        .iter()
        .find(|(p, _)| *p == gemini)
        .map(|(_, m)| m.clone());
    assert!(matches!(m, Some(Mode::Waiting { .. })), "{modes:?}");
    // Pi's first ever session: its whole folder tree appears at once
    let pi = l.home.join(".pi/agent/sessions/--home-u-delta--");
    std::fs::create_dir_all(&pi).unwrap();
    std::fs::write(
        pi.join("2026-11-24T10-00-00-000Z_0199cccc-dddd-7eee-8fff-000000000001.jsonl"),
        concat!(
            r#"{"type":"session","version":3,"id":"0199cccc-dddd-7eee-8fff-000000000001","timestamp":"2026-11-24T10:00:00.000Z","cwd":"/home/u/delta"}"#,
            "\n",
            r#"{"type":"message","id":"m1","parentId":null,"timestamp":"2026-11-24T10:00:01.000Z","message":{"role":"user","content":[{"type":"text","text":"first pi session"}]}}"#,
            "\n"
        ),
    )
    .unwrap();
    l.settle();
    assert_eq!(
        l.messages_of("0199cccc-dddd-7eee-8fff-000000000001"),
        1,
        "the first session of a new agent is picked up"
    );
    // the root is watched itself now: a later append is seen
    let pi_root = l.home.join(".pi/agent/sessions");
    let start = Instant::now();
    while !l
        .watcher
        .status()
        .iter()
        .any(|(p, m)| *p == pi_root && *m == Mode::Native)
    {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            l.watcher.status()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    append(
        &pi.join("2026-11-24T10-00-00-000Z_0199cccc-dddd-7eee-8fff-000000000001.jsonl"),
        concat!(
            r#"{"type":"message","id":"m2","parentId":"m1","timestamp":"2026-11-24T10:00:02.000Z","message":{"role":"assistant","content":[{"type":"text","text":"hello"}]}}"#,
            "\n"
        ),
    );
    l.settle();
    assert_eq!(l.messages_of("0199cccc-dddd-7eee-8fff-000000000001"), 2);
    l.assert_equals_fresh();
}

#[test]
fn a_storm_of_a_thousand_files_written_at_once_ends_equal() {
    let mut l = Live::new();
    let n = l.count();
    let dir = l.home.join(".claude/projects/-home-u-storm");
    std::fs::create_dir_all(&dir).unwrap();
    // four writers at once, each also appending to its files as it goes
    std::thread::scope(|s| {
        for t in 0..4 {
            let dir = dir.clone();
            s.spawn(move || {
                for i in 0..250 {
                    let sid = format!("55555555-5555-4555-8555-{:012}", t * 1000 + i);
                    let path = dir.join(format!("{sid}.jsonl"));
                    std::fs::write(&path, claude_session(&sid, "storm")).unwrap();
                    if i % 10 == 0 {
                        append(
                            &path,
                            &format!("{}\n", claude_user_line(&sid, "u-2", "storm again")),
                        );
                    }
                }
            });
        }
    });
    l.settle();
    assert_eq!(l.count(), n + 1000);
    l.assert_equals_fresh();
}
