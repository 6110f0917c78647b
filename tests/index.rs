//! The incremental index: what it re-reads, and that it always ends equal to a fresh index of
//! the same files.

mod common;

use common::{append, copy_tree};
use revisit::config::{Config, Env};
use revisit::index::query::{ListQuery, Reader};
use revisit::index::writer::{RefreshReport, Writer};
use revisit::model::Session;
use revisit::sources::Registry;
use std::path::PathBuf;

struct Home {
    _dir: tempfile::TempDir,
    home: PathBuf,
    index: PathBuf,
    reg: Registry,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        copy_tree(&common::fixture_home(), &home);
        let index = dir.path().join("index.sqlite");
        let reg = Registry::new(Env::with_home(&home, &[]), Config::default());
        Home {
            _dir: dir,
            home,
            index,
            reg,
        }
    }

    fn refresh(&self) -> RefreshReport {
        let mut w = Writer::open(&self.index).unwrap();
        w.refresh(&self.reg, &mut |_| {}).unwrap()
    }

    fn claude(&self, name: &str) -> PathBuf {
        self.home.join(".claude/projects/-home-u-alpha").join(name)
    }

    fn sessions(&self) -> Vec<Session> {
        Reader::open(&self.index)
            .unwrap()
            .list(&ListQuery::default())
            .unwrap()
    }

    fn session(&self, id: &str) -> Option<Session> {
        self.sessions().into_iter().find(|s| s.id == id)
    }

    /// Output tokens of a session by quarter hour (those with any), from its usage rows.
    fn output_by_quarter_hour(&self, key: &str) -> Vec<(Option<i64>, u64)> {
        let mut rows: Vec<(Option<i64>, u64)> = Reader::open(&self.index)
            .unwrap()
            .usage_rows_of(key)
            .unwrap()
            .iter()
            .filter(|u| u.tokens.output > 0)
            .map(|u| (u.bucket, u.tokens.output))
            .collect();
        rows.sort();
        rows
    }

    /// A refresh updated one session's usage by quarter hour, rebuilt none, and the index
    /// equals a fresh one.
    fn assert_usage_updated(&self, report: RefreshReport) {
        assert_eq!(
            (report.usage_updated, report.usage_rebuilt),
            (1, 0),
            "{report:?}"
        );
        self.assert_equals_fresh();
    }

    /// The incremental index equals a full index made now from scratch.
    fn assert_equals_fresh(&self) {
        let fresh = tempfile::tempdir().unwrap();
        let path = fresh.path().join("fresh.sqlite");
        Writer::open(&path)
            .unwrap()
            .refresh(&self.reg, &mut |_| {})
            .unwrap();
        common::assert_same_index(&self.index, &path);
    }
}

const S1: &str = "11111111-1111-4111-8111-111111111111";

fn user_line(uuid: &str, text: &str) -> String {
    common::claude_user_line(S1, uuid, text)
}

#[test]
fn second_run_over_unchanged_stores_parses_nothing() {
    let h = Home::new();
    let first = h.refresh();
    assert!(first.bytes_parsed > 0);
    assert_eq!(first.files_parsed, first.files_seen);
    let second = h.refresh();
    assert_eq!(second.bytes_parsed, 0);
    assert_eq!(second.files_parsed, 0);
    assert_eq!(second.sessions, first.sessions);
}

#[test]
fn appended_lines_are_the_only_bytes_parsed() {
    let h = Home::new();
    h.refresh();
    let path = h.claude(&format!("{S1}.jsonl"));
    // the fixture ends with a truncated line; complete it first, then add one more
    let before = h.session(S1).unwrap();
    let completion = "ed\"}}\n";
    let extra = format!("{}\n", user_line("n1", "One more thing"));
    append(&path, completion);
    append(&path, &extra);
    let r = h.refresh();
    let truncated = r#"{"type":"user","message":{"role":"user","content":"unfinish"#.len() as u64;
    assert_eq!(r.files_parsed, 1);
    assert_eq!(
        r.bytes_parsed,
        truncated + completion.len() as u64 + extra.len() as u64,
        "only the pending line and the new bytes"
    );
    let after = h.session(S1).unwrap();
    assert_eq!(after.messages, before.messages + 2);
    assert_eq!(after.prompts, before.prompts + 2);
    h.assert_equals_fresh();
}

#[test]
fn a_partial_line_waits_for_its_newline() {
    let h = Home::new();
    h.refresh();
    let path = h.claude(&format!("{S1}.jsonl"));
    let before = h.session(S1).unwrap().messages;
    // finish the truncated line, then write half of the next one
    append(&path, "ed\"}}\n");
    let line = user_line("p1", "Half written");
    let (a, b) = line.split_at(40);
    append(&path, a);
    h.refresh();
    assert_eq!(h.session(S1).unwrap().messages, before + 1);
    append(&path, b);
    append(&path, "\n");
    h.refresh();
    assert_eq!(h.session(S1).unwrap().messages, before + 2);
    h.assert_equals_fresh();
}

#[test]
fn a_complete_last_line_without_newline_shows_and_is_not_duplicated() {
    let h = Home::new();
    h.refresh();
    let path = h.claude(&format!("{S1}.jsonl"));
    append(&path, "ed\"}}\n");
    append(&path, &user_line("t1", "No newline yet"));
    h.refresh();
    let with_tentative = h.session(S1).unwrap();
    let msgs = Reader::open(&h.index)
        .unwrap()
        .messages(&with_tentative.key)
        .unwrap();
    assert!(msgs.iter().any(|m| m.plain_text() == "No newline yet"));
    // the writer finishes the line and adds another
    append(&path, "\n");
    append(&path, &format!("{}\n", user_line("t2", "Next")));
    h.refresh();
    let after = h.session(S1).unwrap();
    assert_eq!(after.messages, with_tentative.messages + 1);
    h.assert_equals_fresh();
}

#[test]
fn a_rewritten_file_is_parsed_again_whole() {
    let h = Home::new();
    h.refresh();
    let path = h.claude(&format!("{S1}.jsonl"));
    // same session, different history (e.g. the agent rewrote the file): two lines only
    let text = format!(
        "{}\n{}\n",
        user_line("r1", "Rewritten A"),
        user_line("r2", "Rewritten B")
    );
    std::fs::write(&path, &text).unwrap();
    let r = h.refresh();
    assert_eq!(r.bytes_parsed, text.len() as u64);
    let s = h.session(S1).unwrap();
    assert_eq!(s.prompts, 2);
    let msgs = Reader::open(&h.index).unwrap().messages(&s.key).unwrap();
    let main: Vec<String> = msgs
        .iter()
        .filter(|m| !m.sidechain)
        .map(|m| m.plain_text())
        .collect();
    assert_eq!(main, vec!["Rewritten A", "Rewritten B"]);
    h.assert_equals_fresh();
}

#[test]
fn a_rewrite_that_keeps_the_size_is_noticed() {
    let h = Home::new();
    h.refresh();
    let path = h.claude("agent-aaaa1111.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("Sub done", "Sub DONE")).unwrap();
    // make sure the mtime differs even on coarse file systems
    let f = std::fs::File::options().write(true).open(&path).unwrap();
    f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5))
        .unwrap();
    h.refresh();
    let key = h.session(S1).unwrap().key;
    let msgs = Reader::open(&h.index).unwrap().messages(&key).unwrap();
    assert!(msgs.iter().any(|m| m.plain_text() == "Sub DONE"));
    assert!(!msgs.iter().any(|m| m.plain_text() == "Sub done"));
    h.assert_equals_fresh();
}

#[test]
fn deleted_files_disappear() {
    let h = Home::new();
    h.refresh();
    let with_sub = h.session(S1).unwrap();
    std::fs::remove_file(h.claude(&format!("{S1}/subagents/agent-bbbb2222.jsonl"))).unwrap();
    h.refresh();
    let without_sub = h.session(S1).unwrap();
    assert_eq!(without_sub.subagents, with_sub.subagents - 1);
    assert_eq!(without_sub.tokens.output, with_sub.tokens.output - 13);
    std::fs::remove_file(h.claude(&format!("{S1}.jsonl"))).unwrap();
    h.refresh();
    assert!(h.session(S1).is_none(), "the session is gone with its file");
    h.assert_equals_fresh();
}

/// A revisit that follows an index another one writes learns which sessions each write
/// stored (`sessions.rev`), and that it must read the list whole once a session was removed.
#[test]
fn a_follower_learns_which_sessions_were_written() {
    let h = Home::new();
    h.refresh();
    let reader = || Reader::open(&h.index).unwrap();
    let r0 = reader().last_write().unwrap();
    assert_eq!(reader().written_since(r0, 256).unwrap(), (r0, Some(vec![])));
    // a write of nothing stores no session
    h.refresh();
    let (r1, keys) = reader().written_since(r0, 256).unwrap();
    assert_eq!(keys, Some(vec![]));
    // an append and a new session
    append(
        &h.claude(&format!("{S1}.jsonl")),
        &format!("{}\n", user_line("f-1", "more")),
    );
    const S9: &str = "99999999-9999-4999-8999-999999999999";
    std::fs::write(
        h.claude(&format!("{S9}.jsonl")),
        format!("{}\n", common::claude_user_line(S9, "n-1", "new")),
    )
    .unwrap();
    h.refresh();
    let (r2, keys) = reader().written_since(r1, 256).unwrap();
    assert!(r2 > r1);
    let mut keys = keys.expect("nothing removed");
    keys.sort();
    assert_eq!(keys, vec![format!("claude:{S1}"), format!("claude:{S9}")]);
    // more than asked for: read whole
    assert_eq!(reader().written_since(r1, 1).unwrap(), (r2, None));
    // a session removed: read whole, once
    std::fs::remove_file(h.claude(&format!("{S9}.jsonl"))).unwrap();
    h.refresh();
    let (r3, keys) = reader().written_since(r2, 256).unwrap();
    assert_eq!(keys, None, "a session gone");
    h.refresh();
    assert_eq!(reader().written_since(r3, 256).unwrap().1, Some(vec![]));
}

#[test]
fn renamed_files_keep_one_session() {
    let h = Home::new();
    h.refresh();
    let n = h.sessions().len();
    let dir = h.home.join(".claude/projects");
    std::fs::rename(dir.join("-home-u-beta"), dir.join("-home-u-beta-moved")).unwrap();
    h.refresh();
    assert_eq!(h.sessions().len(), n);
    h.assert_equals_fresh();
}

#[test]
fn summary_in_a_later_file_titles_an_earlier_session() {
    let h = Home::new();
    h.refresh();
    assert_eq!(
        h.session("22222222-2222-4222-8222-222222222222")
            .unwrap()
            .title,
        "Docs session summary"
    );
    // remove the file holding the summary: the title falls back to the first prompt
    std::fs::remove_file(
        h.home
            .join(".claude/projects/-home-u-beta/33333333-3333-4333-8333-333333333333.jsonl"),
    )
    .unwrap();
    h.refresh();
    assert_eq!(
        h.session("22222222-2222-4222-8222-222222222222")
            .unwrap()
            .title,
        "Write docs"
    );
    h.assert_equals_fresh();
}

#[test]
fn the_fixture_home_as_listed() {
    let h = Home::new();
    let r = h.refresh();
    // unknown type + invalid JSON in S1, an unknown type in the Codex rollout
    assert_eq!(r.errors, 3);
    let s1 = h.session(S1).unwrap();
    assert_eq!(s1.title, "Login bug hunt");
    assert_eq!(s1.prompts, 1);
    assert_eq!(s1.messages, 6, "main conversation");
    assert_eq!(s1.tool_calls, 1);
    assert_eq!(
        s1.subagents, 3,
        "inline sidechain + agent file + subagents folder"
    );
    let t = s1.tokens;
    assert_eq!(
        (t.input, t.output, t.cache_read, t.cache_write),
        (20, 101, 2150, 105)
    );
    assert_eq!(s1.parse_errors, 2);
    let c1 = h.session("0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee").unwrap();
    assert_eq!(
        c1.title, "Test triage",
        "session_index.jsonl, last line wins"
    );
    assert_eq!(c1.messages, 7, "the archived copy is not added");
    assert!(
        c1.source.contains("/sessions/"),
        "sessions/ wins over archived_sessions/"
    );
    assert_eq!(
        (c1.tokens.input, c1.tokens.cache_read, c1.tokens.output),
        (1300, 1200, 90)
    );
    let c2 = h.session("0197bbbb-cccc-7ddd-8eee-ffffffffffff").unwrap();
    assert_eq!(c2.title, "Hello old codex");
}

/// A transcript read again after the session grew fetches only what changed, shares what did
/// not, and equals a full read.
#[test]
fn reading_again_fetches_only_what_changed() {
    let h = Home::new();
    h.refresh();
    let key = h.session(S1).unwrap().key;
    let r = Reader::open(&h.index).unwrap();
    let (old, loaded) = r.messages_loaded(&key).unwrap();
    assert!(loaded.complete);
    let path = h.claude(&format!("{S1}.jsonl"));
    // the fixture's truncated last line completes, a new line, and half of another
    append(&path, "ed\"}}\n");
    append(&path, &format!("{}\n", user_line("r1", "Read again")));
    append(&path, &user_line("r2", "Not finished"));
    h.refresh();
    let (again, loaded2) = r.messages_since(&key, &old, &loaded).unwrap();
    let (full, _) = r.messages_loaded(&key).unwrap();
    let plain = |v: &revisit::packed::Packed| -> Vec<revisit::model::Message> {
        v.iter().map(|m| (*m).clone()).collect()
    };
    assert_eq!(plain(&again), plain(&full));
    assert!(again.len() > old.len());
    // the messages before the first one that changed are taken from the earlier read
    let first_change = plain(&old)
        .iter()
        .zip(plain(&again))
        .position(|(a, b)| *a != b)
        .unwrap_or(old.len());
    assert!(first_change > 0);
    assert_eq!(
        loaded2.same, first_change,
        "unchanged messages are kept, not read again"
    );
    assert!(loaded2.rev > loaded.rev);
    // the tentative line completes: the message is replaced, not added
    append(&path, "\n");
    h.refresh();
    let (third, loaded3) = r.messages_since(&key, &again, &loaded2).unwrap();
    let (full, _) = r.messages_loaded(&key).unwrap();
    assert_eq!(plain(&third), plain(&full));
    // a rewrite (fewer messages) is followed too
    let text = std::fs::read_to_string(&path).unwrap();
    let head: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, head).unwrap();
    h.refresh();
    let (fourth, _) = r.messages_since(&key, &third, &loaded3).unwrap();
    let (full, _) = r.messages_loaded(&key).unwrap();
    assert_eq!(plain(&fourth), plain(&full));
    assert!(fourth.len() < third.len());
    // the subagent's file (the last part) grows: everything before its new line is kept
    let (fifth, loaded5) = r.messages_loaded(&key).unwrap();
    let sub = path
        .with_extension("")
        .join("subagents")
        .join("agent-bbbb2222.jsonl");
    append(
        &sub,
        &format!(
            "{}\n",
            r#"{"parentUuid":"y2","isSidechain":true,"cwd":"/home/u/alpha","sessionId":"11111111-1111-4111-8111-111111111111","type":"user","uuid":"y9","timestamp":"2026-11-20T10:09:00.000Z","agentId":"bbbb2222","message":{"role":"user","content":"One more sub task"}}"#
        ),
    );
    h.refresh();
    let (sixth, loaded6) = r.messages_since(&key, &fifth, &loaded5).unwrap();
    let (full, _) = r.messages_loaded(&key).unwrap();
    assert_eq!(plain(&sixth), plain(&full));
    assert_eq!(sixth.len(), fifth.len() + 1);
    assert_eq!(loaded6.same, fifth.len(), "only the new line is read");
    assert!(
        plain(&sixth)
            .last()
            .unwrap()
            .plain_text()
            .contains("One more sub task")
    );
}

/// An index damaged while in use (pages overwritten) is rebuilt by the next refresh, which
/// then equals a fresh index; opening it stays cheap (no full integrity check on open).
#[test]
fn a_damaged_index_is_rebuilt_by_the_next_refresh() {
    let h = Home::new();
    h.refresh();
    // overwrite everything after the first page with junk
    let mut bytes = std::fs::read(&h.index).unwrap();
    assert!(bytes.len() > 8192, "an index of several pages");
    for b in bytes[4096..].iter_mut() {
        *b = 0xA5;
    }
    std::fs::write(&h.index, &bytes).unwrap();
    for s in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{s}", h.index.display()));
    }
    let mut w = Writer::open(&h.index).unwrap();
    let report = w.refresh(&h.reg, &mut |_| {}).unwrap();
    assert!(w.rebuilt.is_some(), "the damage was noticed");
    assert!(report.sessions > 0);
    drop(w);
    h.assert_equals_fresh();
}

/// A Claude Code assistant line with usage (no newline).
/// The quarter hour (see `stats::BUCKET_MS`) of 2026-11-22 at hh:mm UTC.
fn q(hh: i64, mm: i64) -> Option<i64> {
    Some((1_795_338_000_000 + (hh - 9) * 3_600_000 + mm * 60_000) / 900_000)
}

fn assistant_line(sid: &str, uuid: &str, msg: &str, at: &str, output: u64) -> String {
    format!(
        r#"{{"parentUuid":null,"isSidechain":false,"cwd":"/home/u/alpha","sessionId":"{sid}","type":"assistant","uuid":"{uuid}","timestamp":"{at}","requestId":"req_{msg}","message":{{"id":"{msg}","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{{"type":"text","text":"ok"}}],"usage":{{"input_tokens":10,"output_tokens":{output},"cache_read_input_tokens":0,"cache_creation_input_tokens":0}}}}}}"#
    )
}

#[test]
fn a_forks_copied_requests_count_once_in_the_session_that_had_them_first() {
    const P: &str = "aaaaaaaa-0000-4000-8000-000000000001";
    const F: &str = "aaaaaaaa-0000-4000-8000-000000000002";
    let h = Home::new();
    let user = |sid: &str| {
        format!(
            r#"{{"parentUuid":null,"isSidechain":false,"cwd":"/home/u/alpha","sessionId":"{sid}","type":"user","uuid":"u-1","timestamp":"2026-11-22T09:00:00.000Z","message":{{"role":"user","content":"first question"}}}}"#
        )
    };
    let parent = format!(
        "{}\n{}\n",
        user(P),
        assistant_line(P, "a-1", "msg_1", "2026-11-22T09:00:01.000Z", 100)
    );
    // the fork: the parent's lines with the same uuids, ids and times (only sessionId
    // rewritten), then its own request
    let fork = format!(
        "{}\n{}\n{}\n",
        user(F),
        assistant_line(F, "a-1", "msg_1", "2026-11-22T09:00:01.000Z", 100),
        assistant_line(F, "a-2", "msg_2", "2026-11-22T09:05:00.000Z", 7)
    );
    std::fs::write(h.claude(&format!("{P}.jsonl")), &parent).unwrap();
    std::fs::write(h.claude(&format!("{F}.jsonl")), &fork).unwrap();
    h.refresh();
    let r = || Reader::open(&h.index).unwrap();
    let output = |id: &str| -> u64 {
        r().usage_rows_of(&format!("claude:{id}"))
            .unwrap()
            .iter()
            .map(|u| u.tokens.output)
            .sum()
    };
    let prompts = |id: &str| -> u64 {
        r().usage_rows_of(&format!("claude:{id}"))
            .unwrap()
            .iter()
            .map(|u| u.prompts)
            .sum()
    };
    assert_eq!((output(P), output(F)), (100, 7));
    assert_eq!((prompts(P), prompts(F)), (1, 0));
    // the list still shows each transcript's own tokens
    assert_eq!(h.session(F).unwrap().tokens.output, 107);
    h.assert_equals_fresh();

    // the parent goes (deleted or moved away): the copies are the fork's now
    std::fs::remove_file(h.claude(&format!("{P}.jsonl"))).unwrap();
    let report = h.refresh();
    assert!(report.changed.contains(&format!("claude:{F}")));
    assert_eq!(output(F), 107);
    assert_eq!(prompts(F), 1);
    h.assert_equals_fresh();

    // and back
    std::fs::write(h.claude(&format!("{P}.jsonl")), &parent).unwrap();
    h.refresh();
    assert_eq!((output(P), output(F)), (100, 7));
    h.assert_equals_fresh();

    // the parent grows after the fork, so it is now updated after the fork: both started
    // at the same time (the copies keep their times) and nothing in the files tells which
    // one is the original, so the copies go to the session updated first, the fork. Each
    // request still counts once.
    common::append(
        &h.claude(&format!("{P}.jsonl")),
        &format!(
            "{}\n",
            assistant_line(P, "a-3", "msg_3", "2026-11-22T10:00:00.000Z", 5)
        ),
    );
    h.refresh();
    assert_eq!((output(P), output(F)), (5, 107));
    assert_eq!((prompts(P), prompts(F)), (0, 1));
    h.assert_equals_fresh();
}

/// The copies are looked for only when a session may share messages: a session that grew
/// alone skips it, and a fork that appears later still finds the messages it copied.
#[test]
fn a_fork_found_after_its_parent_grew_alone_counts_each_request_once() {
    const P: &str = "aaaaaaaa-0000-4000-8000-000000000011";
    const F: &str = "aaaaaaaa-0000-4000-8000-000000000012";
    let h = Home::new();
    let parent = h.claude(&format!("{P}.jsonl"));
    std::fs::write(
        &parent,
        format!(
            "{}
",
            assistant_line(P, "a-1", "msg_1", "2026-11-22T09:00:01.000Z", 100)
        ),
    )
    .unwrap();
    h.refresh();
    // grows alone (no copy either way)
    common::append(
        &parent,
        &format!(
            "{}
",
            assistant_line(P, "a-2", "msg_2", "2026-11-22T09:01:00.000Z", 20)
        ),
    );
    h.refresh();
    h.assert_equals_fresh();
    let output = |id: &str| -> u64 {
        Reader::open(&h.index)
            .unwrap()
            .usage_rows_of(&format!("claude:{id}"))
            .unwrap()
            .iter()
            .map(|u| u.tokens.output)
            .sum()
    };
    assert_eq!(output(P), 120);
    // in one refresh the parent grows again, alone as far as its new request goes, and a
    // fork appears that copied its first two requests, then made its own; the fork was
    // updated first, so the copies are counted there and the parent must learn it lost them
    common::append(
        &parent,
        &format!(
            "{}\n",
            assistant_line(P, "a-2b", "msg_2b", "2026-11-22T09:02:00.000Z", 1000)
        ),
    );
    let fork = h.claude(&format!("{F}.jsonl"));
    std::fs::write(
        &fork,
        format!(
            "{}
{}
{}
",
            assistant_line(F, "a-1", "msg_1", "2026-11-22T09:00:01.000Z", 100),
            assistant_line(F, "a-2", "msg_2", "2026-11-22T09:01:00.000Z", 20),
            assistant_line(F, "a-3", "msg_3", "2026-11-22T09:01:30.000Z", 3)
        ),
    )
    .unwrap();
    h.refresh();
    assert_eq!(output(P) + output(F), 1123, "each request once");
    h.assert_equals_fresh();
    // both grow: each has copies now, and they are looked for again
    common::append(
        &parent,
        &format!(
            "{}
",
            assistant_line(P, "a-4", "msg_4", "2026-11-22T10:00:00.000Z", 4)
        ),
    );
    common::append(
        &fork,
        &format!(
            "{}
",
            assistant_line(F, "a-5", "msg_5", "2026-11-22T10:05:00.000Z", 5)
        ),
    );
    h.refresh();
    assert_eq!(output(P) + output(F), 1132, "each request once");
    h.assert_equals_fresh();
}

/// A session that grows alone has its usage computed again only for the quarter hours the
/// write changed: new ones, earlier ones (a line out of order), the one of a streamed request
/// whose last copy replaced its first, and that of a tentative line read again; each time
/// its rows equal a fresh index's. A store read again from the start, or a new part of the
/// session (a subagent), rebuilds it whole.
#[test]
fn an_append_recomputes_only_the_quarter_hours_it_touched() {
    const S: &str = "aaaaaaaa-0000-4000-8000-000000000021";
    let h = Home::new();
    let path = h.claude(&format!("{S}.jsonl"));
    let line = |uuid: &str, msg: &str, at: &str, output: u64| {
        format!("{}\n", assistant_line(S, uuid, msg, at, output))
    };
    std::fs::write(
        &path,
        line("a-1", "msg_1", "2026-11-22T09:00:01.000Z", 1)
            + &line("a-2", "msg_2", "2026-11-22T09:20:00.000Z", 2)
            + &line("a-3", "msg_3", "2026-11-22T09:40:00.000Z", 4),
    )
    .unwrap();
    let first = h.refresh();
    assert!(first.usage_rebuilt > 0);
    let key = format!("claude:{S}");
    let usage = || h.output_by_quarter_hour(&key);
    assert_eq!(usage(), [(q(9, 0), 1), (q(9, 15), 2), (q(9, 30), 4)]);
    let updated = |report: RefreshReport| h.assert_usage_updated(report);

    // a new quarter hour, and one line back in the first
    append(
        &path,
        &(line("a-4", "msg_4", "2026-11-22T10:01:00.000Z", 8)
            + &line("a-5", "msg_5", "2026-11-22T09:05:00.000Z", 16)),
    );
    updated(h.refresh());
    assert_eq!(
        usage(),
        [(q(9, 0), 17), (q(9, 15), 2), (q(9, 30), 4), (q(10, 0), 8)]
    );

    // a request streamed over two lines: its last copy (more output) replaces the first, which
    // keeps its time
    append(&path, &line("a-6", "msg_6", "2026-11-22T10:14:59.000Z", 32));
    updated(h.refresh());
    append(
        &path,
        &line("a-6b", "msg_6", "2026-11-22T10:15:00.000Z", 64),
    );
    updated(h.refresh());
    assert_eq!(
        usage(),
        [
            (q(9, 0), 17),
            (q(9, 15), 2),
            (q(9, 30), 4),
            (q(10, 0), 8 + 64)
        ]
    );

    // a last line still being written is read tentatively, then taken back and read again
    // once it ends
    let half = line("a-7", "msg_7", "2026-11-22T10:31:00.000Z", 128);
    append(&path, half.trim_end());
    updated(h.refresh());
    append(&path, "\n");
    updated(h.refresh());
    assert_eq!(usage().last(), Some(&(q(10, 30), 128)));

    // rewritten from the start (shorter): whole
    std::fs::write(&path, line("a-1", "msg_1", "2026-11-22T09:00:01.000Z", 1)).unwrap();
    let report = h.refresh();
    assert_eq!((report.usage_updated, report.usage_rebuilt), (0, 1));
    assert_eq!(usage(), [(q(9, 0), 1)]);
    h.assert_equals_fresh();

    // a subagent's file is a new part of the session: whole
    let sub = h.claude(&format!("{S}/subagents/agent-x1.jsonl"));
    std::fs::create_dir_all(sub.parent().unwrap()).unwrap();
    std::fs::write(&sub, line("s-1", "msg_s1", "2026-11-22T09:50:00.000Z", 256)).unwrap();
    let report = h.refresh();
    assert_eq!(report.usage_rebuilt, 1, "{report:?}");
    h.assert_equals_fresh();
}

/// Gemini CLI rewinds (`$rewindTo`) and writes a message again under its id: the quarter hours
/// the dropped or replaced messages were in lose them, though the write stored nothing there.
#[test]
fn a_rewind_recomputes_the_quarter_hours_it_left() {
    const S: &str = "9e0000aa-0000-4000-8000-000000000031";
    let h = Home::new();
    let path = h
        .home
        .join(".gemini/tmp/alpha/chats/session-2026-11-22T09-00-9e0000aa.jsonl");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let user = |id: &str, at: &str| {
        format!(r#"{{"id":"{id}","timestamp":"{at}","type":"user","content":[{{"text":"go"}}]}}"#)
            + "\n"
    };
    let answer = |id: &str, at: &str, output: u64| {
        format!(
            r#"{{"id":"{id}","timestamp":"{at}","type":"gemini","content":"ok","thoughts":[],"tokens":{{"input":1,"output":{output},"cached":0,"thoughts":0,"tool":0,"total":1}},"model":"gemini-2.5-pro"}}"#
        ) + "\n"
    };
    std::fs::write(
        &path,
        format!(
            r#"{{"sessionId":"{S}","projectHash":"0","startTime":"2026-11-22T09:00:00.000Z","lastUpdated":"2026-11-22T09:00:00.000Z","kind":"main"}}"#
        ) + "\n"
            + &user("u-1", "2026-11-22T09:00:00.000Z")
            + &answer("g-1", "2026-11-22T09:01:00.000Z", 1)
            + &user("u-2", "2026-11-22T09:20:00.000Z")
            + &answer("g-2", "2026-11-22T09:21:00.000Z", 2)
            + &user("u-3", "2026-11-22T09:40:00.000Z")
            + &answer("g-3", "2026-11-22T09:41:00.000Z", 4),
    )
    .unwrap();
    h.refresh();
    let key = format!("gemini:{S}");
    let usage = || h.output_by_quarter_hour(&key);
    assert_eq!(usage(), [(q(9, 0), 1), (q(9, 15), 2), (q(9, 30), 4)]);
    let updated = |report: RefreshReport| h.assert_usage_updated(report);
    // back to before the second prompt, and on from there
    append(
        &path,
        &(r#"{"$rewindTo":"u-2"}"#.to_string()
            + "\n"
            + &user("u-4", "2026-11-22T10:00:00.000Z")
            + &answer("g-4", "2026-11-22T10:01:00.000Z", 8)),
    );
    updated(h.refresh());
    assert_eq!(usage(), [(q(9, 0), 1), (q(10, 0), 8)]);
    // the answer written again, later: the last one wins
    append(&path, &answer("g-4", "2026-11-22T10:20:00.000Z", 16));
    updated(h.refresh());
    assert_eq!(usage(), [(q(9, 0), 1), (q(10, 15), 16)]);
}

/// One revisit writes an index at a time; another finds it busy (and who holds it), and
/// gets it once the first is gone.
#[test]
fn only_one_process_writes_an_index_at_a_time() {
    let h = Home::new();
    let first = Writer::open(&h.index).unwrap();
    match Writer::open(&h.index) {
        Err(revisit::index::IndexError::Busy { pid, .. }) => {
            assert_eq!(pid, Some(std::process::id()))
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("two writers"),
    }
    let e = Writer::open_waiting(&h.index, std::time::Duration::from_millis(200))
        .err()
        .unwrap();
    assert!(e.to_string().starts_with("another revisit (PID "), "{e}");
    drop(first);
    let mut w = Writer::open(&h.index).unwrap();
    assert!(w.refresh(&h.reg, &mut |_| {}).unwrap().sessions > 0);
}

/// A lock another program holds on the index is not damage: the index is never thrown away
/// for it, the write fails, and the next one succeeds.
#[test]
fn a_locked_index_is_kept_and_written_once_it_is_free() {
    let h = Home::new();
    h.refresh();
    let before = h.sessions().len();
    let other = rusqlite::Connection::open(&h.index).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    std::fs::write(
        h.claude("44444444-4444-4444-8444-444444444444.jsonl"),
        format!(
            "{}\n",
            common::claude_user_line(
                "44444444-4444-4444-8444-444444444444",
                "u-44",
                "written while the index was locked"
            )
        ),
    )
    .unwrap();
    let mut w = Writer::open(&h.index).expect("opening needs no write lock");
    assert!(w.rebuilt.is_none(), "not rebuilt for a lock");
    let e = w.refresh(&h.reg, &mut |_| {}).unwrap_err();
    assert!(!e.is_corrupt(), "{e}");
    assert!(e.to_string().contains("locked"), "{e}");
    drop(w);
    other.execute_batch("ROLLBACK").unwrap();
    drop(other);
    assert_eq!(h.sessions().len(), before, "the old index is intact");
    h.refresh();
    assert_eq!(h.sessions().len(), before + 1);
    h.assert_equals_fresh();
}

/// A full disk in the middle of indexing: the write fails, the index as it was stays
/// readable and whole, and indexing works again once there is room.
#[test]
fn a_full_disk_while_indexing_leaves_the_old_index_usable() {
    let h = Home::new();
    h.refresh();
    let before = h.sessions();
    // a new, large session: writing it needs many more pages than are left
    let sid = "55555555-5555-4555-8555-555555555555";
    let mut text = String::new();
    for i in 0..400 {
        text.push_str(&common::claude_user_line(
            sid,
            &format!("u-{i}"),
            &format!("line {i} {}", "lorem ipsum dolor sit amet ".repeat(40)),
        ));
        text.push('\n');
    }
    std::fs::write(h.claude(&format!("{sid}.jsonl")), text).unwrap();
    // SQLite's page limit stands in for the disk: writes past it fail with SQLITE_FULL
    let pages: i64 = {
        let c = rusqlite::Connection::open(&h.index).unwrap();
        c.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap()
    };
    let mut w = Writer::open(&h.index).unwrap();
    w.limit_pages_for_tests(pages + 2);
    let e = w.refresh(&h.reg, &mut |_| {}).unwrap_err();
    assert!(!e.is_corrupt(), "{e}");
    assert!(e.to_string().contains("full"), "{e}");
    drop(w);
    let after = h.sessions();
    assert_eq!(after, before, "the old index, unchanged and readable");
    common::assert_fts_consistent(&h.index);
    // room again
    h.refresh();
    assert!(h.session(sid).is_some());
    h.assert_equals_fresh();
}

/// A session of more messages than are decoded at a time reads back whole and in order, with
/// and without the browser's cutting of long outputs.
#[test]
fn a_session_longer_than_a_decode_batch_reads_back_whole_and_in_order() {
    let scratch = tempfile::tempdir().unwrap();
    let home = scratch.path().join("home");
    let dir = home.join(".claude/projects/-home-u-alpha");
    std::fs::create_dir_all(&dir).unwrap();
    let sid = "99999999-9999-4999-8999-999999999999";
    let mut text = String::new();
    for i in 0..9_000 {
        text.push_str(&common::claude_user_line(
            sid,
            &format!("u{i}"),
            &format!("message {i}"),
        ));
        text.push('\n');
    }
    std::fs::write(dir.join(format!("{sid}.jsonl")), text).unwrap();
    common::index_home(&home, scratch.path());
    let mut r = revisit::index::query::Reader::open(&scratch.path().join("index.sqlite")).unwrap();
    for elide in [false, true] {
        if elide {
            r.elide_over(64 * 1024);
        }
        let (messages, loaded) = r.messages_loaded(&format!("claude:{sid}")).unwrap();
        assert!(loaded.complete);
        assert_eq!(messages.len(), 9_000);
        assert!(!messages.elided());
        for (i, m) in messages.iter().enumerate() {
            assert_eq!(m.plain_text(), format!("message {i}"));
        }
    }
}
