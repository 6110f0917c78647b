//! Hostile input (issue 9): a corpus of named bad-input cases, each with its expected outcome.
//! `tests/fixtures/hostile/README.md` lists every case in one table; the small cases are files
//! under `tests/fixtures/hostile/<case>/home/`, the large or filesystem-special ones are
//! generated here into a temporary folder.
//!
//! Every case checks the same things: nothing panics or hangs, every readable session is kept
//! (exact ids, titles and message counts), and what was bad is counted and explained the way
//! `revisit doctor --json` shows it (the file, the count, a line and a reason). Headline cases
//! run the real binary (`list --json`, `doctor --json`, `show --json`); the rest use the
//! library, which `doctor` reads from too.

mod common;

use revisit::config::{Config, Env};
use revisit::index::query::{ListQuery, Reader};
use revisit::index::writer::{RefreshReport, Writer};
use revisit::model::{Agent, ResumeTarget, Session};
use revisit::sources::{
    DiscoverCtx, LineParser, Parser, Registry, Root, ScanOut, Sink, Source, StoreRef,
};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

// ------------------------------------------------------------------------------------------
// What revisit made of a home

/// Sessions and what `doctor` says, the same whichever way they were obtained.
#[derive(Debug, Default)]
struct View {
    sessions: Vec<Sess>,
    /// Stores with skipped records, an incomplete last line or a failure.
    problems: Vec<StoreProblem>,
    /// Folders and files the scan could not read: (path, reason).
    unreadable: Vec<(String, String)>,
    /// Stores indexed.
    stores: u64,
}

#[derive(Debug, Clone)]
struct Sess {
    agent: String,
    id: String,
    title: String,
    messages: u64,
    parse_errors: u64,
    /// input, output, cache read, cache write (None: the agent stores no usage)
    tokens: Option<[u64; 4]>,
    started_at: Option<String>,
    updated_at: Option<String>,
}

#[derive(Debug, Clone)]
struct StoreProblem {
    path: String,
    errors: u64,
    pending: u64,
    failure: Option<String>,
    /// (line, kind, detail)
    examples: Vec<(Option<u64>, String, String)>,
}

impl View {
    /// `agent:id` of every session, sorted.
    fn ids(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .sessions
            .iter()
            .map(|s| format!("{}:{}", s.agent, s.id))
            .collect();
        v.sort();
        v
    }

    fn sess(&self, id: &str) -> &Sess {
        let found: Vec<&Sess> = self.sessions.iter().filter(|s| s.id == id).collect();
        assert_eq!(found.len(), 1, "session {id} once in {:?}", self.ids());
        found[0]
    }

    /// (title, messages, parse errors) of a session.
    fn summary(&self, id: &str) -> (&str, u64, u64) {
        let s = self.sess(id);
        (s.title.as_str(), s.messages, s.parse_errors)
    }

    /// The problem reported for the store whose path ends with `file`.
    fn problem(&self, file: &str) -> &StoreProblem {
        let found: Vec<&StoreProblem> = self
            .problems
            .iter()
            .filter(|p| p.path.ends_with(file))
            .collect();
        assert_eq!(
            found.len(),
            1,
            "one problem for {file} in {:#?}",
            self.problems
        );
        found[0]
    }

    fn assert_clean(&self) {
        assert!(self.problems.is_empty(), "{:#?}", self.problems);
        assert!(self.unreadable.is_empty(), "{:?}", self.unreadable);
        assert!(self.sessions.iter().all(|s| s.parse_errors == 0));
    }
}

/// The skipped records of a store are counted and each example has a line (or none), a kind
/// and a reason: exactly `expected` (line, kind).
fn assert_skipped(p: &StoreProblem, expected: &[(Option<u64>, &str)]) {
    let got: Vec<(Option<u64>, &str)> = p.examples.iter().map(|e| (e.0, e.1.as_str())).collect();
    assert_eq!(got, expected, "{p:#?}");
    assert_eq!(p.errors, expected.len() as u64, "{p:#?}");
    for e in &p.examples {
        assert!(!e.2.trim().is_empty(), "a reason for {e:?}");
    }
    assert_eq!(p.failure, None);
}

// ------------------------------------------------------------------------------------------
// Two ways to run a case

#[derive(Clone, Copy, PartialEq)]
enum Route {
    /// The real binary: `list --json` and `doctor --json`.
    Binary,
    /// The library: `Writer::refresh`, then what `doctor` reads.
    Library,
}

fn fixture_case(case: &str) -> PathBuf {
    let home = common::manifest()
        .join("tests/fixtures/hostile")
        .join(case)
        .join("home");
    assert!(home.is_dir(), "{}", home.display());
    home
}

/// Index a home (in place: nothing is written there) into a fresh scratch folder.
fn run_case(case: &str, route: Route) -> View {
    let scratch = tempfile::tempdir().unwrap();
    view(&fixture_case(case), scratch.path(), route, &[])
}

fn view(home: &Path, scratch: &Path, route: Route, vars: &[(&str, &str)]) -> View {
    match route {
        Route::Binary => via_binary(home, scratch, vars),
        Route::Library => via_library(home, scratch, vars).0,
    }
}

fn registry(home: &Path, vars: &[(&str, &str)]) -> Registry {
    Registry::new(Env::with_home(home, vars), Config::default())
}

/// Refresh the index at `scratch/index.sqlite` with `reg`.
fn refresh(reg: &Registry, scratch: &Path) -> RefreshReport {
    let index = scratch.join("index.sqlite");
    let mut w = Writer::open(&index).expect("open index");
    w.refresh(reg, &mut |_| {}).expect("refresh")
}

/// Index `home` with the library into `scratch` and read back what `doctor` reads.
fn via_library(home: &Path, scratch: &Path, vars: &[(&str, &str)]) -> (View, RefreshReport) {
    let report = refresh(&registry(home, vars), scratch);
    (read_view(&scratch.join("index.sqlite"), &report), report)
}

fn read_view(index: &Path, report: &RefreshReport) -> View {
    let r = Reader::open(index).expect("reader");
    let sessions = r
        .list(&ListQuery::default())
        .expect("list")
        .into_iter()
        .map(|s| sess_of(&s))
        .collect();
    let stores = r.stores().expect("stores");
    View {
        sessions,
        stores: stores.len() as u64,
        problems: stores
            .into_iter()
            .filter(|s| s.errors > 0 || s.failure.is_some() || s.pending_bytes > 0)
            .map(|s| StoreProblem {
                path: s.path,
                errors: s.errors,
                pending: s.pending_bytes,
                failure: s.failure,
                examples: s
                    .examples
                    .into_iter()
                    .map(|e| (e.line, e.kind.as_str().to_string(), e.detail))
                    .collect(),
            })
            .collect(),
        unreadable: report
            .problems
            .iter()
            .map(|p| (p.path.display().to_string(), p.reason.clone()))
            .collect(),
    }
}

fn sess_of(s: &Session) -> Sess {
    Sess {
        agent: s.agent.as_str().to_string(),
        id: s.id.clone(),
        title: s.title.clone(),
        messages: s.messages,
        parse_errors: s.parse_errors,
        tokens: s.tokens_known.then_some([
            s.tokens.input,
            s.tokens.output,
            s.tokens.cache_read,
            s.tokens.cache_write,
        ]),
        started_at: s.started_at.as_ref().map(revisit::model::rfc3339),
        updated_at: s.updated_at.as_ref().map(revisit::model::rfc3339),
    }
}

/// The real binary with a clean environment (plus `vars`).
fn bin(home: &Path, scratch: &Path, vars: &[(&str, &str)]) -> std::process::Command {
    let mut c = common::revisit(home, scratch);
    for (k, v) in vars {
        c.env(k, v);
    }
    c
}

/// Run the binary and parse its JSON output (it must succeed).
fn bin_json(mut c: std::process::Command, args: &[&str]) -> Value {
    let out = c.args(args).output().expect("run revisit");
    assert!(
        out.status.success(),
        "revisit {args:?}: exit {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// `list --json` and `doctor --json` of the real binary.
fn via_binary(home: &Path, scratch: &Path, vars: &[(&str, &str)]) -> View {
    let list = bin_json(bin(home, scratch, vars), &["list", "--json"]);
    let doctor = bin_json(bin(home, scratch, vars), &["doctor", "--json"]);
    view_of_json(&list, &doctor)
}

/// `show <id> --json` of the real binary.
fn show(home: &Path, scratch: &Path, id: &str) -> Value {
    bin_json(bin(home, scratch, &[]), &["show", id, "--json"])
}

fn view_of_json(list: &Value, doctor: &Value) -> View {
    let s = |v: &Value, k: &str| v[k].as_str().map(str::to_string);
    let n = |v: &Value, k: &str| v[k].as_u64().unwrap_or(0);
    let sessions = list
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| Sess {
            agent: s(v, "agent").unwrap(),
            id: s(v, "id").unwrap(),
            title: s(v, "title").unwrap(),
            messages: n(v, "messages"),
            parse_errors: n(v, "parse_errors"),
            tokens: v["tokens"].is_object().then(|| {
                let t = &v["tokens"];
                [
                    n(t, "input"),
                    n(t, "output"),
                    n(t, "cache_read"),
                    n(t, "cache_write"),
                ]
            }),
            started_at: s(v, "started_at"),
            updated_at: s(v, "updated_at"),
        })
        .collect();
    let mut view = View {
        sessions,
        ..View::default()
    };
    for a in doctor["agents"].as_array().expect("agents") {
        view.stores += n(a, "stores");
        for p in a["stores_with_problems"].as_array().expect("problems") {
            view.problems.push(StoreProblem {
                path: s(p, "path").unwrap(),
                errors: n(p, "errors"),
                pending: n(p, "pending_bytes"),
                failure: s(p, "failure"),
                examples: p["examples"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| {
                        (
                            e["line"].as_u64(),
                            s(e, "kind").unwrap(),
                            s(e, "detail").unwrap(),
                        )
                    })
                    .collect(),
            });
        }
    }
    for u in doctor["unreadable"].as_array().expect("unreadable") {
        view.unreadable
            .push((s(u, "path").unwrap(), s(u, "reason").unwrap()));
    }
    view
}

// ------------------------------------------------------------------------------------------
// Building generated cases

/// A temporary home and a scratch folder beside it.
struct Temp {
    _dir: tempfile::TempDir,
    home: PathBuf,
    scratch: PathBuf,
}

fn temp() -> Temp {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let scratch = dir.path().join("scratch");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&scratch).unwrap();
    Temp {
        _dir: dir,
        home,
        scratch,
    }
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// `~/.claude/projects/-home-u-proj/<sid>.jsonl`
fn claude_path(home: &Path, sid: &str) -> PathBuf {
    home.join(".claude/projects/-home-u-proj")
        .join(format!("{sid}.jsonl"))
}

fn claude_user(sid: &str, uuid: &str, n: u32, content: Value) -> String {
    json!({
        "parentUuid": null, "isSidechain": false, "userType": "external", "cwd": "/home/u/proj",
        "sessionId": sid, "version": "2.1.197", "gitBranch": "main", "type": "user", "uuid": uuid,
        "timestamp": format!("2026-11-20T10:00:{n:02}.000Z"),
        "message": {"role": "user", "content": content}
    })
    .to_string()
}

fn claude_assistant(sid: &str, uuid: &str, n: u32, text: &str) -> String {
    json!({
        "parentUuid": null, "isSidechain": false, "userType": "external", "cwd": "/home/u/proj",
        "sessionId": sid, "version": "2.1.197", "gitBranch": "main", "type": "assistant",
        "uuid": uuid, "timestamp": format!("2026-11-20T10:00:{n:02}.000Z"), "requestId": format!("req_{uuid}"),
        "message": {"id": format!("msg_{uuid}"), "type": "message", "role": "assistant",
            "model": "claude-sonnet-4-5-20250929", "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 10, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 5}}
    })
    .to_string()
}

/// A Claude session of `n` exchanges (prompt, answer), one line each, newline-terminated.
fn claude_session(sid: &str, title: &str, n: u32) -> String {
    claude_exchanges(sid, title, 0..n)
}

/// Exchanges number `range` of a Claude session (uuids and message ids by number).
fn claude_exchanges(sid: &str, title: &str, range: std::ops::Range<u32>) -> String {
    let mut out = String::new();
    for i in range {
        let prompt = if i == 0 {
            title.to_string()
        } else {
            format!("{title} #{i}")
        };
        out.push_str(&claude_user(sid, &format!("u{i}"), i * 2, json!(prompt)));
        out.push('\n');
        out.push_str(&claude_assistant(
            sid,
            &format!("a{i}"),
            i * 2 + 1,
            &format!("answer {i}"),
        ));
        out.push('\n');
    }
    out
}

/// Reproducible bytes (xorshift).
fn junk(len: usize, mut seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        out.extend_from_slice(&seed.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// The records the line feeder skips in `bytes` (every non-blank line that ends with a
/// newline) and the bytes left after the last newline.
fn lines_and_rest(bytes: &[u8]) -> (u64, u64) {
    let mut parts: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    let rest = parts.pop().unwrap_or_default();
    let blank = |l: &[u8]| l.iter().all(|b| b.is_ascii_whitespace());
    let mut n = 0;
    for (i, l) in parts.iter().enumerate() {
        let l = if i == 0 {
            l.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(l)
        } else {
            l
        };
        if !blank(l) {
            n += 1;
        }
    }
    let rest = if blank(rest) { 0 } else { rest.len() as u64 };
    (n, rest)
}

// ==========================================================================================
// The corpus. Every name here has a row in tests/fixtures/hostile/README.md.

/// Cases read from `tests/fixtures/hostile/<case>/home/`.
const FIXTURE_CASES: &[&str] = &[
    "agenix-no-header-crlf-bom",
    "agenix-truncated-last-line",
    "agenix-wrong-shape",
    "claude-blank-lines-only",
    "claude-bom",
    "claude-crlf",
    "claude-duplicate-ids-across-files",
    "claude-empty-file",
    "claude-huge-and-negative-numbers",
    "claude-invalid-json",
    "claude-missing-ids",
    "claude-odd-timestamps",
    "claude-truncated-last-line",
    "claude-wrong-shape",
    "codex-duplicate-ids-across-files",
    "codex-huge-and-negative-tokens",
    "codex-no-session-meta",
    "codex-truncated-last-line",
    "codex-wrong-shape",
    "gemini-invalid-and-wrong-shape",
    "gemini-legacy-json-truncated",
    "gemini-rewind-to-missing-id",
    "pi-invalid-and-wrong-shape",
    "pi-missing-header-and-duplicate-ids",
    "pi-parentid-cycle",
    "pi-truncated-last-line",
];

/// Cases generated by the tests below at run time.
const GENERATED_CASES: &[&str] = &[
    "claude-nul-bytes",
    "claude-invalid-utf8",
    "claude-binary-junk-jsonl",
    "pi-binary-junk-jsonl",
    "claude-50mb-single-line",
    "json-nested-100000-deep",
    "invalid-utf8-file-name",
    "claude-100000-tiny-files",
    "unreadable-file-and-folder",
    "symlink-loop",
    "file-truncated-between-reads",
    "file-replaced-between-reads",
    "file-truncated-while-read",
    "file-replaced-while-read",
    "file-deleted-while-read",
    "opencode-zero-byte-db",
    "opencode-corrupt-db",
    "opencode-encrypted-db",
    "opencode-newer-schema",
    "opencode-locked-db",
    "agsh-zero-byte-db",
    "agsh-corrupt-db",
    "agsh-encrypted-db",
    "agsh-newer-schema",
    "agsh-locked-db",
    "profclaw-zero-byte-db",
    "profclaw-corrupt-db",
    "profclaw-encrypted-db",
    "profclaw-newer-schema",
    "profclaw-locked-db",
];

#[test]
fn the_readme_lists_every_case_and_every_fixture_folder_is_a_case() {
    let dir = common::manifest().join("tests/fixtures/hostile");
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let mut listed: Vec<String> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`').map(|(name, _)| name.to_string()))
        .collect();
    listed.sort();
    let mut all: Vec<String> = FIXTURE_CASES
        .iter()
        .chain(GENERATED_CASES)
        .map(|s| s.to_string())
        .collect();
    all.sort();
    assert_eq!(listed, all, "README table against the cases in this file");
    let mut folders: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let mut fixtures: Vec<String> = FIXTURE_CASES.iter().map(|s| s.to_string()).collect();
    fixtures.sort();
    assert_eq!(folders, fixtures);
    assert!(all.len() >= 40, "{} cases", all.len());
}

// ------------------------------------------------------------------------------------------
// Claude Code (fixtures)

#[test]
fn claude_truncated_last_line() {
    let home = fixture_case("claude-truncated-last-line");
    let scratch = tempfile::tempdir().unwrap();
    let v = via_binary(&home, scratch.path(), &[]);
    let id = "c1000001-0000-4000-8000-000000000001";
    assert_eq!(v.ids(), [format!("claude:{id}")]);
    assert_eq!(v.summary(id), ("Fix the login form", 2, 0));
    // the cut line is neither a message nor an error: it waits for its newline
    let p = v.problem(&format!("{id}.jsonl"));
    assert_eq!((p.errors, p.pending, p.failure.as_deref()), (0, 60, None));
    assert!(v.unreadable.is_empty());
    // the transcript has exactly the complete lines
    let shown = show(&home, scratch.path(), id);
    assert_eq!(shown["messages"].as_array().unwrap().len(), 2);
}

#[test]
fn claude_invalid_json() {
    let v = run_case("claude-invalid-json", Route::Binary);
    let id = "c1000002-0000-4000-8000-000000000002";
    assert_eq!(v.ids(), [format!("claude:{id}")]);
    assert_eq!(v.summary(id), ("Refactor the parser", 2, 4));
    assert_skipped(
        v.problem(&format!("{id}.jsonl")),
        &[
            (Some(2), "invalid_json"),
            (Some(3), "invalid_json"),
            (Some(4), "invalid_json"),
            (Some(6), "invalid_json"),
        ],
    );
}

#[test]
fn claude_wrong_shape() {
    let v = run_case("claude-wrong-shape", Route::Binary);
    let id = "c1000003-0000-4000-8000-000000000003";
    assert_eq!(v.ids(), [format!("claude:{id}")]);
    assert_eq!(v.summary(id), ("Explain the build", 2, 9));
    let p = v.problem(&format!("{id}.jsonl"));
    assert_skipped(
        p,
        &(2..=10)
            .map(|l| (Some(l), "wrong_shape"))
            .collect::<Vec<_>>(),
    );
    assert!(
        p.examples[0].2.contains("without a message object"),
        "{p:?}"
    );
    assert!(p.examples[4].2.contains("null"), "{p:?}");
}

#[test]
fn claude_missing_ids() {
    let v = run_case("claude-missing-ids", Route::Library);
    let id = "c1000004-0000-4000-8000-000000000004";
    assert_eq!(v.ids(), [format!("claude:{id}")]);
    // no uuid, sessionId, message.id or timestamp: every line is still a message
    assert_eq!(v.summary(id), ("No uuid, no sessionId", 4, 0));
    assert_eq!(v.sess(id).tokens, Some([6, 8, 0, 0]));
    v.assert_clean();
}

#[test]
fn claude_duplicate_ids_across_files() {
    let home = fixture_case("claude-duplicate-ids-across-files");
    let scratch = tempfile::tempdir().unwrap();
    let (v, _) = via_library(&home, scratch.path(), &[]);
    let (same, orig, fork) = (
        "c1000005-0000-4000-8000-000000000005",
        "c1000006-0000-4000-8000-000000000006",
        "c1000007-0000-4000-8000-000000000007",
    );
    // the same session file in two project folders: listed once, the fuller copy wins
    assert_eq!(
        v.ids(),
        [
            format!("claude:{same}"),
            format!("claude:{orig}"),
            format!("claude:{fork}")
        ]
    );
    assert_eq!(v.summary(same), ("Same session, longer copy", 3, 0));
    assert_eq!(v.stores, 4, "both copies are indexed");
    // a fork that copied message ids: both sessions whole, the copied usage counted once
    assert_eq!(v.summary(orig), ("Original conversation", 2, 0));
    assert_eq!(v.summary(fork), ("Original conversation", 4, 0));
    let r = Reader::open(&scratch.path().join("index.sqlite")).unwrap();
    let input: u64 = r
        .usage_rows(&|k| k.ends_with(orig) || k.ends_with(fork))
        .unwrap()
        .iter()
        .map(|u| u.tokens.input)
        .sum();
    assert_eq!(input, 100 + 7);
    v.assert_clean();
}

#[test]
fn claude_bom() {
    let v = run_case("claude-bom", Route::Library);
    let id = "c1000008-0000-4000-8000-000000000008";
    assert_eq!(v.ids(), [format!("claude:{id}")]);
    assert_eq!(v.summary(id), ("Starts with a BOM", 2, 0));
    v.assert_clean();
}

#[test]
fn claude_crlf() {
    let v = run_case("claude-crlf", Route::Library);
    let id = "c1000009-0000-4000-8000-000000000009";
    assert_eq!(v.ids(), [format!("claude:{id}")]);
    assert_eq!(v.summary(id), ("Windows line ends", 2, 0));
    v.assert_clean();
}

#[test]
fn claude_empty_file() {
    let v = run_case("claude-empty-file", Route::Binary);
    let good = "c1000011-0000-4000-8000-000000000011";
    assert_eq!(v.ids(), [format!("claude:{good}")]);
    assert_eq!(v.summary(good), ("The good neighbour", 2, 0));
    // an empty file holds nothing to count: indexed, no session, no problem
    assert_eq!(v.stores, 2);
    v.assert_clean();
}

#[test]
fn claude_blank_lines_only() {
    let v = run_case("claude-blank-lines-only", Route::Library);
    let good = "c1000011-0000-4000-8000-000000000011";
    assert_eq!(v.ids(), [format!("claude:{good}")]);
    assert_eq!(v.summary(good), ("The good neighbour", 2, 0));
    assert_eq!(v.stores, 2);
    v.assert_clean();
}

#[test]
fn claude_huge_and_negative_numbers() {
    let home = fixture_case("claude-huge-and-negative-numbers");
    let scratch = tempfile::tempdir().unwrap();
    let v = via_binary(&home, scratch.path(), &[]);
    let id = "c1000013-0000-4000-8000-000000000013";
    assert_eq!(v.ids(), [format!("claude:{id}")]);
    assert_eq!(v.summary(id), ("Count the tokens", 5, 0));
    // negative counts are 0; counts beyond 2^40 per request (1e30, u64::MAX + 1, 9e18) are
    // capped there, so no sum overflows (it used to stop the whole refresh)
    let cap = revisit::model::TokenUsage::MAX_COUNT;
    assert_eq!(v.sess(id).tokens, Some([3 * cap, 3 * cap, 0, cap]));
    v.assert_clean();
    // stats sum them too
    let stats = bin_json(bin(&home, scratch.path(), &[]), &["stats", "--json"]);
    assert_eq!(stats["totals"]["sessions"], 1, "{stats}");
}

#[test]
fn claude_odd_timestamps() {
    let home = fixture_case("claude-odd-timestamps");
    let scratch = tempfile::tempdir().unwrap();
    let v = via_binary(&home, scratch.path(), &[]);
    let id = "c1000014-0000-4000-8000-000000000014";
    assert_eq!(v.ids(), [format!("claude:{id}")]);
    // every line is a message; a time that cannot be read is no time
    assert_eq!(v.summary(id), ("Time travel", 6, 0));
    let s = v.sess(id);
    assert_eq!(s.started_at.as_deref(), Some("0001-01-01T00:00:00Z"));
    assert_eq!(s.updated_at.as_deref(), Some("9999-12-31T23:59:59.999Z"));
    let shown = show(&home, scratch.path(), id);
    let times: Vec<Value> = shown["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["time"].clone())
        .collect();
    assert_eq!(
        times,
        [
            json!("0001-01-01T00:00:00Z"),
            json!("9999-12-31T23:59:59.999Z"),
            json!("2026-11-20T10:00:00Z"), // no zone: read as UTC
            Value::Null,                   // year 275760: beyond what is kept
            Value::Null,                   // "yesterday-ish"
            Value::Null,                   // a number where a string belongs
        ]
    );
    // the day chart spans the days that have usage, not 10,000 years of empty days
    let stats = bin_json(bin(&home, scratch.path(), &[]), &["stats", "--json"]);
    assert_eq!(stats["totals"]["sessions"], 1, "{stats}");
    v.assert_clean();
}

// ------------------------------------------------------------------------------------------
// Codex (fixtures)

#[test]
fn codex_no_session_meta() {
    let v = run_case("codex-no-session-meta", Route::Binary);
    let id = "0199c001-0000-7000-8000-000000000001";
    // the id comes from the file name; two renamed files without one stay two sessions
    assert_eq!(
        v.ids(),
        [
            format!("codex:{id}"),
            "codex:rollout-2026-11-20T11-00-00-renamed-by-hand".to_string(),
            "codex:rollout-2026-11-20T12-00-00-another-renamed".to_string(),
        ]
    );
    assert_eq!(v.summary(id), ("No meta line at all", 2, 0));
    assert_eq!(v.sess(id).tokens, Some([800, 50, 200, 0]));
    assert_eq!(
        v.summary("rollout-2026-11-20T11-00-00-renamed-by-hand"),
        ("A rollout renamed without its uuid", 2, 0)
    );
    assert_eq!(
        v.summary("rollout-2026-11-20T12-00-00-another-renamed"),
        ("Another renamed rollout", 2, 0)
    );
    v.assert_clean();
}

#[test]
fn codex_truncated_last_line() {
    let v = run_case("codex-truncated-last-line", Route::Library);
    let id = "0199c002-0000-7000-8000-000000000002";
    assert_eq!(v.ids(), [format!("codex:{id}")]);
    assert_eq!(v.summary(id), ("Cut short at the end", 2, 0));
    let p = v.problem(&format!("{id}.jsonl"));
    assert_eq!((p.errors, p.pending, p.failure.as_deref()), (0, 70, None));
}

#[test]
fn codex_wrong_shape() {
    let v = run_case("codex-wrong-shape", Route::Library);
    let id = "0199c003-0000-7000-8000-000000000003";
    assert_eq!(v.ids(), [format!("codex:{id}")]);
    assert_eq!(v.summary(id), ("Shapes of all kinds", 2, 6));
    let p = v.problem(&format!("{id}.jsonl"));
    assert_skipped(
        p,
        &[
            (Some(6), "wrong_shape"),  // payload a string
            (Some(7), "wrong_shape"),  // payload null
            (Some(8), "wrong_shape"),  // payload an array
            (Some(10), "wrong_shape"), // token_count info a string
            (Some(12), "wrong_shape"), // []
            (Some(13), "wrong_shape"), // null
        ],
    );
    assert!(p.examples[1].2.contains("event_msg"), "{p:?}");
}

#[test]
fn codex_huge_and_negative_tokens() {
    let v = run_case("codex-huge-and-negative-tokens", Route::Library);
    let id = "0199c004-0000-7000-8000-000000000004";
    assert_eq!(v.ids(), [format!("codex:{id}")]);
    assert_eq!(v.summary(id), ("Tokens gone wild", 8, 0));
    // cumulative totals that go negative, beyond u64, or below the cached part: nothing
    // negative, nothing beyond the cap per request, no overflow
    let cap = revisit::model::TokenUsage::MAX_COUNT;
    let [input, output, cache_read, cache_write] = v.sess(id).tokens.unwrap();
    assert_eq!(input, 800);
    assert!(
        output <= 3 * cap && cache_read <= 3 * cap,
        "{output} {cache_read}"
    );
    assert_eq!(cache_write, 0);
    v.assert_clean();
}

#[test]
fn codex_duplicate_ids_across_files() {
    let v = run_case("codex-duplicate-ids-across-files", Route::Library);
    let id = "0199c005-0000-7000-8000-000000000005";
    // two rollouts with the same session_meta id: one session, the fuller copy
    assert_eq!(v.ids(), [format!("codex:{id}")]);
    assert_eq!(v.summary(id), ("Copied rollout, long", 4, 0));
    assert_eq!(v.stores, 2);
    v.assert_clean();
}

// ------------------------------------------------------------------------------------------
// Gemini CLI (fixtures)

#[test]
fn gemini_rewind_to_missing_id() {
    let home = fixture_case("gemini-rewind-to-missing-id");
    let scratch = tempfile::tempdir().unwrap();
    let v = via_binary(&home, scratch.path(), &[]);
    let id = "9e000001-0000-4000-8000-000000000001";
    assert_eq!(v.ids(), [format!("gemini:{id}")]);
    // as Gemini CLI does: an unknown id clears what came before; a notice says so
    assert_eq!(v.summary(id), ("After the rewind", 3, 1));
    let p = v.problem("session-2026-11-20T10-00-9e000001.jsonl");
    assert_skipped(p, &[(Some(4), "wrong_shape")]);
    assert!(p.examples[0].2.contains("no-such-id"), "{p:?}");
    let shown = show(&home, scratch.path(), id);
    let first = &shown["messages"][0]["blocks"][0];
    assert_eq!(first["kind"], "rewind", "{first}");
}

#[test]
fn gemini_invalid_and_wrong_shape() {
    let v = run_case("gemini-invalid-and-wrong-shape", Route::Library);
    let id = "9e000002-0000-4000-8000-000000000002";
    assert_eq!(v.ids(), [format!("gemini:{id}")]);
    assert_eq!(v.summary(id), ("Odd records ahead", 3, 6));
    assert_skipped(
        v.problem("session-2026-11-20T10-00-9e000002.jsonl"),
        &[
            (Some(3), "invalid_json"),
            (Some(4), "wrong_shape"),
            (Some(5), "wrong_shape"),
            (Some(6), "wrong_shape"),
            (Some(7), "unknown_type"),
            (Some(9), "wrong_shape"),
        ],
    );
}

#[test]
fn gemini_legacy_json_truncated() {
    let v = run_case("gemini-legacy-json-truncated", Route::Library);
    let intact = "9e000004-0000-4000-8000-000000000004";
    // a whole-file session cut off has nothing readable; its neighbour is whole
    assert_eq!(v.ids(), [format!("gemini:{intact}")]);
    assert_eq!(v.summary(intact), ("A whole-file session, intact", 2, 0));
    let p = v.problem("session-2026-11-20T10-00-9e000003.json");
    assert_skipped(p, &[(Some(1), "invalid_json")]);
    assert!(p.examples[0].2.contains("EOF"), "{p:?}");
}

// ------------------------------------------------------------------------------------------
// Pi (fixtures)

#[test]
fn pi_parentid_cycle() {
    let home = fixture_case("pi-parentid-cycle");
    let scratch = tempfile::tempdir().unwrap();
    let v = via_binary(&home, scratch.path(), &[]);
    let id = "0199d001-0000-7000-8000-000000000001";
    assert_eq!(v.ids(), [format!("pi:{id}")]);
    // the active branch is the cycle (x1 → y1 → z1 → x1), shown once from where it closes,
    // with a notice for the branch it left (u1, a1)
    assert_eq!(v.summary(id), ("Start of a tree", 4, 1));
    let p = v.problem(&format!("{id}.jsonl"));
    assert_skipped(p, &[(Some(4), "wrong_shape")]);
    assert!(p.examples[0].2.contains("cycle"), "{p:?}");
    let shown = show(&home, scratch.path(), id);
    let texts: Vec<String> = shown["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["blocks"][0]["text"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(texts[0].contains("branch"), "{texts:?}");
    let mut rest = texts[1..].to_vec();
    rest.sort();
    assert_eq!(rest, ["x points at y", "y points at z", "z points at x"]);
}

#[test]
fn pi_invalid_and_wrong_shape() {
    let v = run_case("pi-invalid-and-wrong-shape", Route::Library);
    let id = "0199d002-0000-7000-8000-000000000002";
    assert_eq!(v.ids(), [format!("pi:{id}")]);
    // u1 → a1 is the active branch; the entries skipped or left on side branches are counted
    assert_eq!(v.summary(id), ("Pi with noise", 3, 4));
    assert_skipped(
        v.problem(&format!("{id}.jsonl")),
        &[
            (Some(3), "invalid_json"),
            (Some(4), "wrong_shape"),
            (Some(5), "wrong_shape"),
            (Some(7), "wrong_shape"),
        ],
    );
}

#[test]
fn pi_truncated_last_line() {
    let v = run_case("pi-truncated-last-line", Route::Binary);
    let id = "0199d003-0000-7000-8000-000000000003";
    assert_eq!(v.ids(), [format!("pi:{id}")]);
    assert_eq!(v.summary(id), ("Pi cut short", 2, 0));
    // Pi files are read whole; the unfinished line waits, and doctor says how much
    let p = v.problem(&format!("{id}.jsonl"));
    assert_eq!((p.errors, p.pending, p.failure.as_deref()), (0, 50, None));
}

#[test]
fn pi_missing_header_and_duplicate_ids() {
    let v = run_case("pi-missing-header-and-duplicate-ids", Route::Library);
    let id = "0199d004-0000-7000-8000-000000000004";
    // the id from the file name; two entries with one id: both kept
    assert_eq!(v.ids(), [format!("pi:{id}")]);
    assert_eq!(v.summary(id), ("No header line", 4, 1));
    let p = v.problem(&format!("{id}.jsonl"));
    assert_skipped(p, &[(None, "wrong_shape")]);
    assert!(p.examples[0].2.contains("header"), "{p:?}");
}

// ------------------------------------------------------------------------------------------
// Agenix (fixtures)

#[test]
fn agenix_truncated_last_line() {
    let v = run_case("agenix-truncated-last-line", Route::Library);
    let id = "20261120_101500";
    assert_eq!(v.ids(), [format!("agenix:{id}")]);
    assert_eq!(v.summary(id), ("Agenix, cut short", 2, 0));
    let p = v.problem(&format!("{id}.jsonl"));
    assert_eq!((p.errors, p.pending, p.failure.as_deref()), (0, 40, None));
}

#[test]
fn agenix_wrong_shape() {
    let v = run_case("agenix-wrong-shape", Route::Binary);
    let id = "20261120_111500";
    assert_eq!(v.ids(), [format!("agenix:{id}")]);
    assert_eq!(v.summary(id), ("Agenix with odd shapes", 3, 5));
    assert_skipped(
        v.problem(&format!("{id}.jsonl")),
        &[
            (Some(3), "wrong_shape"),
            (Some(5), "unknown_type"),
            (Some(6), "wrong_shape"),
            (Some(7), "unknown_type"),
            (Some(8), "invalid_json"),
        ],
    );
}

#[test]
fn agenix_no_header_crlf_bom() {
    let v = run_case("agenix-no-header-crlf-bom", Route::Library);
    let id = "20261120_121500";
    assert_eq!(v.ids(), [format!("agenix:{id}")]);
    assert_eq!(v.summary(id), ("No header, CRLF and a BOM", 2, 0));
    v.assert_clean();
}

// ------------------------------------------------------------------------------------------
// Bytes that are not text (generated)

#[test]
fn claude_nul_bytes() {
    let t = temp();
    let sid = "c2000001-0000-4000-8000-000000000001";
    let mut bytes = Vec::new();
    bytes.extend(claude_user(sid, "u0", 0, json!("Before the NULs")).bytes());
    bytes.push(b'\n');
    bytes.extend([0u8; 100]); // a line of NULs
    bytes.push(b'\n');
    // a raw NUL inside a JSON string: not JSON
    bytes.extend(
        claude_user(sid, "u1", 1, json!("raw@nul"))
            .replace('@', "\0")
            .bytes(),
    );
    bytes.push(b'\n');
    // an escaped NUL (\u0000) is JSON: kept, and shown as a symbol
    bytes.extend(claude_user(sid, "u2", 2, json!("escaped\u{0}nul")).bytes());
    bytes.push(b'\n');
    bytes.extend(b"\0\0\0\n");
    bytes.extend(claude_assistant(sid, "a3", 3, "after the NULs").bytes());
    bytes.push(b'\n');
    write(&claude_path(&t.home, sid), &bytes);
    let v = via_binary(&t.home, &t.scratch, &[]);
    assert_eq!(v.ids(), [format!("claude:{sid}")]);
    assert_eq!(v.summary(sid), ("Before the NULs", 3, 3));
    assert_skipped(
        v.problem(&format!("{sid}.jsonl")),
        &[
            (Some(2), "invalid_json"),
            (Some(3), "invalid_json"),
            (Some(5), "invalid_json"),
        ],
    );
    let shown = show(&t.home, &t.scratch, sid);
    assert_eq!(shown["messages"].as_array().unwrap().len(), 3);
    assert_eq!(
        shown["messages"][1]["blocks"][0]["text"], "escaped\u{0}nul",
        "kept as written (the terminal shows it as a symbol)"
    );
}

#[test]
fn claude_invalid_utf8() {
    let t = temp();
    let sid = "c2000002-0000-4000-8000-000000000002";
    let mut bytes = Vec::new();
    bytes.extend(claude_user(sid, "u0", 0, json!("Good UTF-8 first")).bytes());
    bytes.push(b'\n');
    // Latin-1 "café" inside a string, a lone continuation byte, a cut multi-byte sequence
    for bad in [&b"caf\xe9"[..], b"\x80\x80", b"\xe6\x97"] {
        let line = claude_user(sid, "ux", 1, json!("@"));
        let (a, b) = line.split_once('@').unwrap();
        bytes.extend(a.bytes());
        bytes.extend(bad);
        bytes.extend(b.bytes());
        bytes.push(b'\n');
    }
    // and outside any string
    bytes.extend(b"\xff\xfe{\"type\":\"user\"}\n");
    bytes.extend(claude_assistant(sid, "a5", 5, "good UTF-8 last").bytes());
    bytes.push(b'\n');
    write(&claude_path(&t.home, sid), &bytes);
    let v = via_binary(&t.home, &t.scratch, &[]);
    assert_eq!(v.ids(), [format!("claude:{sid}")]);
    assert_eq!(v.summary(sid), ("Good UTF-8 first", 2, 4));
    assert_skipped(
        v.problem(&format!("{sid}.jsonl")),
        &(2..=5)
            .map(|l| (Some(l), "invalid_json"))
            .collect::<Vec<_>>(),
    );
}

#[test]
fn claude_binary_junk_jsonl() {
    let t = temp();
    let sid = "c2000003-0000-4000-8000-000000000003";
    let good = "c2000004-0000-4000-8000-000000000004";
    let bytes = junk(256 << 10, 0x5eed_0bad_f00d);
    write(&claude_path(&t.home, sid), &bytes);
    write(
        &claude_path(&t.home, good),
        claude_session(good, "Next to the junk", 1),
    );
    let (records, rest) = lines_and_rest(&bytes);
    assert!(records > 500, "{records} lines of junk");
    let v = via_binary(&t.home, &t.scratch, &[]);
    // nothing readable in the junk; its neighbour whole
    assert_eq!(v.ids(), [format!("claude:{good}")]);
    assert_eq!(v.summary(good), ("Next to the junk", 2, 0));
    let p = v.problem(&format!("{sid}.jsonl"));
    assert_eq!(p.errors, records, "every line counted");
    assert_eq!(p.pending, rest, "what follows the last newline waits");
    assert_eq!(p.examples.len(), 20, "the first examples are kept");
    assert!(
        p.examples
            .iter()
            .all(|e| e.0.is_some() && (e.1 == "invalid_json" || e.1 == "wrong_shape")),
        "{p:#?}"
    );
}

#[test]
fn pi_binary_junk_jsonl() {
    let t = temp();
    let good = "0199d101-0000-7000-8000-000000000001";
    let bad = "0199d102-0000-7000-8000-000000000002";
    let dir = t.home.join(".pi/agent/sessions/--home-u-shop--");
    let mut bytes = junk(128 << 10, 0xfeed_beef);
    bytes.push(b'\n');
    write(
        &dir.join(format!("2026-11-20T09-00-00-000Z_{bad}.jsonl")),
        &bytes,
    );
    let session = [
        json!({"type": "session", "version": 3, "id": good, "timestamp": "2026-11-20T09:00:00.000Z", "cwd": "/home/u/shop"}),
        json!({"type": "message", "id": "u1", "parentId": null, "timestamp": "2026-11-20T09:00:01.000Z",
               "message": {"role": "user", "content": [{"type": "text", "text": "Beside Pi junk"}], "timestamp": 1795251603000u64}}),
    ]
    .iter()
    .map(|v| format!("{v}\n"))
    .collect::<String>();
    write(
        &dir.join(format!("2026-11-20T09-00-00-000Z_{good}.jsonl")),
        session,
    );
    let (records, _) = lines_and_rest(&bytes);
    let (v, _) = via_library(&t.home, &t.scratch, &[]);
    assert_eq!(v.ids(), [format!("pi:{good}")]);
    assert_eq!(v.summary(good), ("Beside Pi junk", 1, 0));
    let p = v.problem(&format!("{bad}.jsonl"));
    // every line counted, and no empty session made up from the file name
    assert_eq!(p.errors, records);
    assert_eq!(p.failure, None);
}

// ------------------------------------------------------------------------------------------
// Size and depth (generated)

#[test]
fn claude_50mb_single_line() {
    let t = temp();
    let sid = "c2000005-0000-4000-8000-000000000005";
    let word = "lorem ipsum dolor sit amet, consectetur adipiscing elit ";
    let big: String = word.repeat((50 << 20) / word.len() + 1);
    let tool_result = json!([{"type": "tool_result", "tool_use_id": "toolu_1", "content": big}]);
    let mut text = String::new();
    text.push_str(&claude_user(sid, "u0", 0, json!("Read the huge log")));
    text.push('\n');
    text.push_str(&claude_user(sid, "u1", 1, tool_result));
    text.push('\n');
    text.push_str(&claude_assistant(sid, "a2", 2, "that was long"));
    text.push('\n');
    assert!(text.len() > 50 << 20);
    write(&claude_path(&t.home, sid), &text);
    drop(text);
    let v = via_binary(&t.home, &t.scratch, &[]);
    // under the 64 MB line limit: an ordinary message, nothing skipped
    assert_eq!(v.ids(), [format!("claude:{sid}")]);
    assert_eq!(v.summary(sid), ("Read the huge log", 3, 0));
    v.assert_clean();
}

#[test]
fn json_nested_100000_deep() {
    let t = temp();
    let depth = 100_000;
    let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
    // Claude: deep lines in the middle, and one as the last line (no newline)
    let sid = "c2000006-0000-4000-8000-000000000006";
    let deep_user = |inner: &str| claude_user(sid, "deep", 1, json!("@")).replace("\"@\"", inner);
    let text = format!(
        "{}\n{}\n{}\n{}\n{}",
        claude_user(sid, "u0", 0, json!("Deep JSON ahead")),
        deep_user(&arrays),
        deep_user(&objects),
        claude_assistant(sid, "a3", 3, "still here"),
        deep_user(&arrays),
    );
    let last_len = deep_user(&arrays).len() as u64;
    write(&claude_path(&t.home, sid), &text);
    // Pi: a deep entry between two good ones
    let pid = "0199d103-0000-7000-8000-000000000003";
    let pi = [
        json!({"type": "session", "version": 3, "id": pid, "timestamp": "2026-11-20T09:00:00.000Z", "cwd": "/home/u/shop"}).to_string(),
        json!({"type": "message", "id": "u1", "parentId": null, "timestamp": "2026-11-20T09:00:01.000Z",
               "message": {"role": "user", "content": [{"type": "text", "text": "Pi, deep"}], "timestamp": 1795251603000u64}}).to_string(),
        format!("{{\"type\":\"message\",\"id\":\"d1\",\"parentId\":\"u1\",\"message\":{objects}}}"),
        json!({"type": "message", "id": "u2", "parentId": "u1", "timestamp": "2026-11-20T09:00:02.000Z",
               "message": {"role": "user", "content": [{"type": "text", "text": "after it"}], "timestamp": 1795251604000u64}}).to_string(),
    ]
    .join("\n")
        + "\n";
    write(
        &t.home
            .join(".pi/agent/sessions/--home-u-shop--")
            .join(format!("2026-11-20T09-00-00-000Z_{pid}.jsonl")),
        pi,
    );
    // Gemini: a whole legacy .json file nested deep
    write(
        &t.home
            .join(".gemini/tmp/webapp/chats/session-2026-11-20T10-00-9e000005.json"),
        &arrays,
    );
    let v = via_binary(&t.home, &t.scratch, &[]);
    assert_eq!(v.ids(), [format!("claude:{sid}"), format!("pi:{pid}")]);
    assert_eq!(v.summary(sid), ("Deep JSON ahead", 2, 2));
    let p = v.problem(&format!("{sid}.jsonl"));
    assert_skipped(p, &[(Some(2), "invalid_json"), (Some(3), "invalid_json")]);
    assert!(p.examples[0].2.contains("recursion limit"), "{p:?}");
    assert_eq!(
        p.pending, last_len,
        "a deep last line waits, it is not parsed"
    );
    assert_eq!(v.summary(pid), ("Pi, deep", 2, 1));
    assert_skipped(
        v.problem(&format!("{pid}.jsonl")),
        &[(Some(3), "invalid_json")],
    );
    assert_skipped(
        v.problem("session-2026-11-20T10-00-9e000005.json"),
        &[(Some(1), "invalid_json")],
    );
}

/// 100,000 tiny files: 1,000 sessions of one exchange each, and 99,000 files of nothing
/// (empty, blank, or a lone `{}`), spread over 100 project folders.
#[test]
fn claude_100000_tiny_files() {
    let t = temp();
    let projects = t.home.join(".claude/projects");
    let mut expected = Vec::new();
    for i in 0..100_000u32 {
        let dir = projects.join(format!("-home-u-p{:03}", i % 100));
        if i == 0 || !dir.exists() {
            std::fs::create_dir_all(&dir).unwrap();
        }
        let sid = format!("c3{:06}-0000-4000-8000-{:012}", i, i);
        let path = dir.join(format!("{sid}.jsonl"));
        let body: Vec<u8> = match i % 100 {
            0 => {
                expected.push(format!("claude:{sid}"));
                claude_session(&sid, &format!("tiny session {i}"), 1).into_bytes()
            }
            1..=33 => Vec::new(),
            34..=66 => b"\n \n".to_vec(),
            _ => b"{}\n".to_vec(),
        };
        std::fs::write(&path, body).unwrap();
    }
    expected.sort();
    let (v, report) = via_library(&t.home, &t.scratch, &[]);
    assert_eq!(report.files_seen, 100_000);
    assert_eq!(v.stores, 100_000);
    assert_eq!(v.ids(), expected);
    assert!(
        v.sessions
            .iter()
            .all(|s| s.messages == 2 && s.parse_errors == 0)
    );
    // each `{}` is a line without a type: counted, per file
    assert_eq!(v.problems.len(), 33_000);
    assert!(
        v.problems
            .iter()
            .all(|p| p.errors == 1 && p.examples.len() == 1)
    );
    assert!(v.unreadable.is_empty());
    // a second look changes nothing and reads nothing
    let report = refresh(&registry(&t.home, &[]), &t.scratch);
    assert_eq!(report.files_parsed, 0);
    assert_eq!(report.sessions, 1_000);
}

// ------------------------------------------------------------------------------------------
// The filesystem in the way (generated)

/// Tests run as root on the development machines and in CI containers, and root reads any
/// file whatever its mode (CAP_DAC_OVERRIDE): `chmod 000` means nothing to it. So when the
/// test runs as root, the binary runs as uid/gid 65534 (`nobody`), for whom the mode counts;
/// as any other user it runs as that user.
#[cfg(unix)]
#[test]
fn unreadable_file_and_folder() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let t = temp();
    let as_root = unsafe { libc::geteuid() } == 0;
    let nobody = 65534;
    let chmod = |p: &Path, mode: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    if as_root {
        // nobody must reach the home and write the scratch folder
        chmod(t.home.parent().unwrap(), 0o755);
        std::os::unix::fs::chown(&t.scratch, Some(nobody), Some(nobody)).unwrap();
    }
    let run = |args: &[&str]| -> Value {
        let mut c = bin(&t.home, &t.scratch, &[]);
        if as_root {
            c.uid(nobody).gid(nobody);
        }
        bin_json(c, args)
    };
    let look = || view_of_json(&run(&["list", "--json"]), &run(&["doctor", "--json"]));
    let (open, secret, hidden) = (
        "c2000007-0000-4000-8000-000000000007",
        "c2000008-0000-4000-8000-000000000008",
        "c2000009-0000-4000-8000-000000000009",
    );
    let projects = t.home.join(".claude/projects");
    let secret_path = projects.join(format!("-home-u-open/{secret}.jsonl"));
    let locked_dir = projects.join("-home-u-locked");
    write(
        &projects.join(format!("-home-u-open/{open}.jsonl")),
        claude_session(open, "Readable", 1),
    );
    write(
        &secret_path,
        claude_session(secret, "Readable, then not", 1),
    );
    write(
        &locked_dir.join(format!("{hidden}.jsonl")),
        claude_session(hidden, "In a folder that closes", 1),
    );
    let before = look();
    assert_eq!(before.sessions.len(), 3);
    before.assert_clean();

    // the file grows and loses its read permission; the folder loses all of them
    common::append(&secret_path, &claude_session(secret, "more", 1));
    chmod(&secret_path, 0o000);
    chmod(&locked_dir, 0o000);
    let after = look();
    // what was indexed from both is kept
    assert_eq!(after.ids(), before.ids());
    assert_eq!(after.summary(open), ("Readable", 2, 0));
    assert_eq!(after.summary(secret), ("Readable, then not", 2, 1));
    assert_eq!(after.summary(hidden), ("In a folder that closes", 2, 0));
    // and doctor names both, with the reason
    let p = after.problem(&format!("{secret}.jsonl"));
    let why = p.failure.as_deref().expect("a failure");
    assert!(why.contains("ermission denied"), "{why}");
    assert_eq!(after.unreadable.len(), 1, "{:?}", after.unreadable);
    assert!(after.unreadable[0].0.ends_with("-home-u-locked"));
    assert!(after.unreadable[0].1.contains("ermission denied"));

    // a fresh index of the same home: only what can be read, and why the rest cannot
    let fresh = tempfile::tempdir().unwrap();
    let fresh_scratch = fresh.path().join("scratch");
    std::fs::create_dir_all(&fresh_scratch).unwrap();
    if as_root {
        chmod(fresh.path(), 0o755);
        std::os::unix::fs::chown(&fresh_scratch, Some(nobody), Some(nobody)).unwrap();
    }
    let run_fresh = |args: &[&str]| -> Value {
        let mut c = bin(&t.home, &fresh_scratch, &[]);
        if as_root {
            c.uid(nobody).gid(nobody);
        }
        bin_json(c, args)
    };
    let v = view_of_json(
        &run_fresh(&["list", "--json"]),
        &run_fresh(&["doctor", "--json"]),
    );
    assert_eq!(v.ids(), [format!("claude:{open}")]);
    assert!(
        v.problem(&format!("{secret}.jsonl"))
            .failure
            .as_deref()
            .is_some_and(|f| f.contains("ermission denied"))
    );
    assert_eq!(v.unreadable.len(), 1);
    // let the temporary folder go
    chmod(&secret_path, 0o644);
    chmod(&locked_dir, 0o755);
}

#[cfg(unix)]
#[test]
fn symlink_loop() {
    let t = temp();
    let dir = t.home.join(".claude/projects/-home-u-loop");
    let good = "c2000010-0000-4000-8000-000000000010";
    write(
        &dir.join(format!("{good}.jsonl")),
        claude_session(good, "Among loops", 1),
    );
    let link =
        |target: &str, name: &str| std::os::unix::fs::symlink(target, dir.join(name)).unwrap();
    link("..", "up"); // a folder leading back up the tree
    link(".", "here");
    link("self.jsonl", "self.jsonl"); // a link to itself
    link("pong.jsonl", "ping.jsonl"); // two links to each other
    link("ping.jsonl", "pong.jsonl");
    // the whole Codex home a link to itself
    std::os::unix::fs::symlink(".codex", t.home.join(".codex")).unwrap();
    let v = via_binary(&t.home, &t.scratch, &[]);
    // the session once (not once per way to reach it), nothing hangs
    assert_eq!(v.ids(), [format!("claude:{good}")]);
    assert_eq!(v.summary(good), ("Among loops", 2, 0));
    assert_eq!(v.stores, 1);
    assert!(v.problems.is_empty(), "{:?}", v.problems);
    // the links that lead nowhere but back are named in doctor
    let mut looped: Vec<String> = v
        .unreadable
        .iter()
        .map(|(p, why)| {
            assert!(why.contains("loop"), "{p}: {why}");
            Path::new(p)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    looped.sort();
    assert_eq!(looped, ["ping.jsonl", "pong.jsonl", "self.jsonl"]);
}

// ------------------------------------------------------------------------------------------
// A file that changes between two reads, or while it is read (generated)

/// A source that does something to a store's file while it is being read: when its parser is
/// made (after the scan, before the file is opened), or after the first line was parsed.
struct Sabotage {
    inner: Box<dyn Source>,
    act: Arc<dyn Fn(&Path) + Send + Sync>,
    before_open: bool,
    armed: Arc<AtomicBool>,
}

impl Source for Sabotage {
    fn agent(&self) -> Agent {
        self.inner.agent()
    }
    fn roots(&self, ctx: &DiscoverCtx) -> Vec<Root> {
        self.inner.roots(ctx)
    }
    fn scan(&self, root: &Root, out: &mut ScanOut) {
        self.inner.scan(root, out)
    }
    fn parser(&self, store: &StoreRef) -> Parser {
        let p = self.inner.parser(store);
        if self.before_open {
            if self.armed.swap(false, Ordering::SeqCst) {
                (self.act)(&store.path);
            }
            return p;
        }
        match p {
            Parser::Lines(inner) => Parser::Lines(Box::new(SabotagedLines {
                inner,
                path: store.path.clone(),
                act: self.act.clone(),
                armed: self.armed.clone(),
            })),
            whole => whole,
        }
    }
    fn resume(&self, s: &Session) -> Option<ResumeTarget> {
        self.inner.resume(s)
    }
}

struct SabotagedLines {
    inner: Box<dyn LineParser>,
    path: PathBuf,
    act: Arc<dyn Fn(&Path) + Send + Sync>,
    armed: Arc<AtomicBool>,
}

impl LineParser for SabotagedLines {
    fn load_state(&mut self, state: &[u8]) -> bool {
        self.inner.load_state(state)
    }
    fn save_state(&self) -> Vec<u8> {
        self.inner.save_state()
    }
    fn line(&mut self, line_no: u64, line: &[u8], sink: &mut Sink) {
        self.inner.line(line_no, line, sink);
        if self.armed.swap(false, Ordering::SeqCst) {
            (self.act)(&self.path);
        }
    }
    fn flush(&mut self, sink: &mut Sink) {
        self.inner.flush(sink)
    }
}

/// Claude Code only, with `act` done once to the file being read.
fn sabotaged(
    home: &Path,
    before_open: bool,
    act: impl Fn(&Path) + Send + Sync + 'static,
) -> Registry {
    Registry {
        sources: vec![Box::new(Sabotage {
            inner: Box::new(revisit::sources::claude::ClaudeSource),
            act: Arc::new(act),
            before_open,
            armed: Arc::new(AtomicBool::new(true)),
        })],
        env: Env::with_home(home, &[]),
        config: Config::default(),
        retention: Default::default(),
    }
}

/// The index in `scratch` holds exactly what a fresh index of `home` holds.
fn assert_same_as_fresh(home: &Path, scratch: &Path) {
    let fresh = tempfile::tempdir().unwrap();
    refresh(&registry(home, &[]), fresh.path());
    common::assert_same_index(
        &scratch.join("index.sqlite"),
        &fresh.path().join("index.sqlite"),
    );
}

/// Replace a file the way editors and sync tools do: write a new one, rename it over.
fn replace(path: &Path, text: &str) {
    let tmp = path.with_extension("new");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[test]
fn file_truncated_between_reads() {
    let t = temp();
    let sid = "c2000011-0000-4000-8000-000000000011";
    let path = claude_path(&t.home, sid);
    let text = claude_session(sid, "Truncated later", 3);
    write(&path, &text);
    refresh(&registry(&t.home, &[]), &t.scratch);
    // cut in the middle of the fourth line
    let cut: usize = text
        .split_inclusive('\n')
        .take(3)
        .map(str::len)
        .sum::<usize>()
        + 40;
    std::fs::write(&path, &text[..cut]).unwrap();
    let report = refresh(&registry(&t.home, &[]), &t.scratch);
    assert_eq!(report.errors, 0);
    let v = read_view(&t.scratch.join("index.sqlite"), &report);
    assert_eq!(v.summary(sid), ("Truncated later", 3, 0));
    assert_eq!(v.problem(&format!("{sid}.jsonl")).pending, 40);
    assert_same_as_fresh(&t.home, &t.scratch);
    // the line is finished differently, and another follows
    common::append(&path, "\n");
    std::fs::write(&path, claude_session(sid, "Truncated later", 2)).unwrap();
    common::append(&path, &claude_exchanges(sid, "Written again", 2..3));
    refresh(&registry(&t.home, &[]), &t.scratch);
    assert_same_as_fresh(&t.home, &t.scratch);
    let v = read_view(&t.scratch.join("index.sqlite"), &RefreshReport::default());
    assert_eq!(v.summary(sid), ("Truncated later", 6, 0));
}

#[test]
fn file_replaced_between_reads() {
    let t = temp();
    let sid = "c2000012-0000-4000-8000-000000000012";
    let path = claude_path(&t.home, sid);
    write(&path, claude_session(sid, "The first version", 2));
    refresh(&registry(&t.home, &[]), &t.scratch);
    // longer, with other bytes from the first one on
    replace(&path, &claude_session(sid, "A second version, longer", 3));
    refresh(&registry(&t.home, &[]), &t.scratch);
    assert_same_as_fresh(&t.home, &t.scratch);
    // the same length, other bytes
    let same_len = claude_session(sid, "A third version, longer!!", 3);
    replace(&path, &same_len);
    refresh(&registry(&t.home, &[]), &t.scratch);
    assert_same_as_fresh(&t.home, &t.scratch);
    let v = read_view(&t.scratch.join("index.sqlite"), &RefreshReport::default());
    assert_eq!(v.summary(sid), ("A third version, longer!!", 6, 0));
    v.assert_clean();
}

#[test]
fn file_truncated_while_read() {
    let t = temp();
    let sid = "c2000013-0000-4000-8000-000000000013";
    let path = claude_path(&t.home, sid);
    // over 2 MB, so that the file is read in several blocks
    let text = claude_session(sid, &format!("Cut while read {}", "x".repeat(30_000)), 80);
    assert!(text.len() > 2 << 20);
    write(&path, &text);
    let half = text.len() / 2;
    let reg = sabotaged(&t.home, false, move |p| {
        let f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
        f.set_len(half as u64).unwrap();
    });
    let report = refresh(&reg, &t.scratch);
    // what was read is consistent with some state of the file; nothing panicked
    let v = read_view(&t.scratch.join("index.sqlite"), &report);
    assert!(v.sessions.len() <= 1);
    // the next look sees the file as it is
    refresh(&registry(&t.home, &[]), &t.scratch);
    assert_same_as_fresh(&t.home, &t.scratch);
    let v = read_view(&t.scratch.join("index.sqlite"), &RefreshReport::default());
    let complete = text[..half].matches('\n').count() as u64;
    assert_eq!(v.sess(sid).messages, complete);
    let p = v.problem(&format!("{sid}.jsonl"));
    assert_eq!((p.errors, p.failure.as_deref()), (0, None));
    assert!(p.pending > 0);
}

#[test]
fn file_replaced_while_read() {
    let t = temp();
    let sid = "c2000014-0000-4000-8000-000000000014";
    let path = claude_path(&t.home, sid);
    write(&path, claude_session(sid, "Old content", 2));
    let reg = sabotaged(&t.home, false, move |p| {
        replace(
            p,
            &claude_session(sid, "New content, written over the old", 4),
        );
    });
    let report = refresh(&reg, &t.scratch);
    let v = read_view(&t.scratch.join("index.sqlite"), &report);
    assert!(v.sessions.len() <= 1);
    // the next look reads the new file from its start: nothing of the old one stays, and
    // nothing of the new one is skipped
    refresh(&registry(&t.home, &[]), &t.scratch);
    assert_same_as_fresh(&t.home, &t.scratch);
    let v = read_view(&t.scratch.join("index.sqlite"), &RefreshReport::default());
    assert_eq!(v.summary(sid), ("New content, written over the old", 8, 0));
    v.assert_clean();
}

#[test]
fn file_deleted_while_read() {
    let t = temp();
    let (gone, stays) = (
        "c2000015-0000-4000-8000-000000000015",
        "c2000016-0000-4000-8000-000000000016",
    );
    write(
        &claude_path(&t.home, gone),
        claude_session(gone, "About to vanish", 1),
    );
    write(
        &claude_path(&t.home, stays),
        claude_session(stays, "Stays", 1),
    );
    let gone_file = format!("{gone}.jsonl");
    // listed by the scan, gone before it is opened: an error counted, not a panic
    let target = gone_file.clone();
    let reg = sabotaged(&t.home, true, move |p| {
        if p.ends_with(&target) {
            std::fs::remove_file(p).unwrap();
        }
    });
    // the sabotage acts on the first store whose parser is made: make it the one to vanish
    std::fs::remove_file(claude_path(&t.home, stays)).unwrap();
    let report = refresh(&reg, &t.scratch);
    assert_eq!(report.errors, 1);
    let v = read_view(&t.scratch.join("index.sqlite"), &report);
    assert!(v.sessions.is_empty());
    let p = v.problem(&gone_file);
    assert!(
        p.failure
            .as_deref()
            .is_some_and(|f| f.contains("No such file")),
        "{p:?}"
    );
    // the next look: the file is gone, so is its failure; the other file is read
    write(
        &claude_path(&t.home, stays),
        claude_session(stays, "Stays", 1),
    );
    let report = refresh(&registry(&t.home, &[]), &t.scratch);
    let v = read_view(&t.scratch.join("index.sqlite"), &report);
    assert_eq!(v.ids(), [format!("claude:{stays}")]);
    v.assert_clean();
    assert_same_as_fresh(&t.home, &t.scratch);

    // deleted after its first line was read (the open file can still be read to its end)
    write(
        &claude_path(&t.home, gone),
        claude_session(gone, "About to vanish", 2),
    );
    let reg = sabotaged(&t.home, false, move |p| {
        if p.ends_with(&gone_file) {
            std::fs::remove_file(p).unwrap();
        }
    });
    std::fs::remove_file(claude_path(&t.home, stays)).unwrap();
    refresh(&reg, &t.scratch);
    write(
        &claude_path(&t.home, stays),
        claude_session(stays, "Stays", 1),
    );
    let report = refresh(&registry(&t.home, &[]), &t.scratch);
    let v = read_view(&t.scratch.join("index.sqlite"), &report);
    assert_eq!(v.ids(), [format!("claude:{stays}")]);
    v.assert_clean();
    assert_same_as_fresh(&t.home, &t.scratch);
}

#[test]
fn a_bad_last_line_without_its_newline_is_counted_once() {
    let t = temp();
    let sid = "c2000017-0000-4000-8000-000000000017";
    let path = claude_path(&t.home, sid);
    // complete JSON, but a record that is skipped: it waits like an unfinished line
    write(
        &path,
        claude_session(sid, "Ends oddly", 1) + r#"{"type":"mystery"}"#,
    );
    let (v, _) = via_library(&t.home, &t.scratch, &[]);
    let p = v.problem(&format!("{sid}.jsonl"));
    assert_eq!((p.errors, p.pending), (0, 18));
    // its newline arrives: counted now; lines after it do not count it again
    common::append(&path, "\n");
    let (v, _) = via_library(&t.home, &t.scratch, &[]);
    assert_skipped(
        v.problem(&format!("{sid}.jsonl")),
        &[(Some(3), "unknown_type")],
    );
    common::append(&path, &claude_exchanges(sid, "more", 1..2));
    let (v, _) = via_library(&t.home, &t.scratch, &[]);
    assert_skipped(
        v.problem(&format!("{sid}.jsonl")),
        &[(Some(3), "unknown_type")],
    );
    assert_eq!(v.summary(sid), ("Ends oddly", 4, 1));
}

// ------------------------------------------------------------------------------------------
// Databases (generated from the agents' fixture databases)

/// An agent database: where it lives in a home, the fixture it is copied from, the variables
/// that point revisit at it, and a table it always has.
struct Db {
    fixture: &'static str,
    rel: &'static str,
    vars: &'static [(&'static str, &'static str)],
    table: &'static str,
}

const OPENCODE: Db = Db {
    fixture: "tests/fixtures/opencode/home/.local/share/opencode/opencode.db",
    rel: ".local/share/opencode/opencode.db",
    vars: &[],
    table: "session",
};
const AGSH: Db = Db {
    fixture: "tests/fixtures/agsh/home/.local/share/agsh/sessions.db",
    rel: ".local/share/agsh/sessions.db",
    vars: &[],
    table: "sessions",
};
/// profclaw keeps no default database: `PROFCLAW_HOME` (relative to the home, made absolute
/// by `db_vars`) names its server folder.
const PROFCLAW: Db = Db {
    fixture: "tests/fixtures/profclaw/server/data/profclaw.db",
    rel: "profclaw/data/profclaw.db",
    vars: &[("PROFCLAW_HOME", "profclaw")],
    table: "conversations",
};

fn db_vars(db: &Db, home: &Path) -> Vec<(String, String)> {
    db.vars
        .iter()
        .map(|(k, v)| (k.to_string(), home.join(v).display().to_string()))
        .collect()
}

/// A home holding a copy of the agent's fixture database; returns the copy's path.
fn db_home(db: &Db, home: &Path) -> PathBuf {
    let path = home.join(db.rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::copy(common::manifest().join(db.fixture), &path).unwrap();
    path
}

fn db_view(db: &Db, home: &Path, scratch: &Path) -> View {
    let vars = db_vars(db, home);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    via_binary(home, scratch, &vars)
}

/// (agent:id, title, messages) of every session: what must survive.
fn readable(v: &View) -> Vec<(String, String, u64)> {
    let mut out: Vec<(String, String, u64)> = v
        .sessions
        .iter()
        .map(|s| (format!("{}:{}", s.agent, s.id), s.title.clone(), s.messages))
        .collect();
    out.sort();
    out
}

/// The database is listed with a failure that names it and says why; nothing else is wrong.
fn assert_db_failed(v: &View, db: &Db) -> String {
    assert_eq!(v.problems.len(), 1, "{:#?}", v.problems);
    let p = v.problem(Path::new(db.rel).file_name().unwrap().to_str().unwrap());
    let why = p.failure.clone().expect("a failure");
    assert!(!why.trim().is_empty());
    why
}

/// The database file as it was indexed first, then `damage`d: returns what was readable
/// first and the view after.
fn damaged(db: &Db, damage: impl FnOnce(&Path)) -> (Vec<(String, String, u64)>, View) {
    let t = temp();
    let path = db_home(db, &t.home);
    let before = db_view(db, &t.home, &t.scratch);
    before.assert_clean();
    let first = readable(&before);
    assert!(!first.is_empty());
    damage(&path);
    let after = db_view(db, &t.home, &t.scratch);
    (first, after)
}

/// A fresh index of a home whose database was `damage`d from the start.
fn damaged_fresh(db: &Db, damage: impl FnOnce(&Path)) -> View {
    let t = temp();
    let path = db_home(db, &t.home);
    damage(&path);
    db_view(db, &t.home, &t.scratch)
}

fn zero_bytes(path: &Path) {
    std::fs::write(path, b"").unwrap();
}

/// Page 1 after the 100-byte header (the schema) overwritten: "malformed".
fn corrupt(path: &Path) {
    use std::io::{Seek, SeekFrom, Write};
    let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.seek(SeekFrom::Start(100)).unwrap();
    f.write_all(&junk(3000, 0xc0de)).unwrap();
}

/// What an encrypted database (SQLCipher) looks like: no header, random bytes.
fn random_bytes(path: &Path) {
    std::fs::write(path, junk(64 << 10, 0x5ec2e7)).unwrap();
}

/// A later version of the agent: tables and columns this revisit has never heard of.
fn newer_schema(path: &Path, table: &str) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(&format!(
        "CREATE TABLE future_things(id TEXT PRIMARY KEY, payload BLOB, created INTEGER);
         INSERT INTO future_things VALUES ('x', randomblob(100), 1);
         ALTER TABLE {table} ADD COLUMN future_flag INTEGER NOT NULL DEFAULT 7;
         ALTER TABLE {table} ADD COLUMN future_json TEXT DEFAULT '{{\"v\":2}}';
         CREATE INDEX future_idx ON {table}(future_flag);
         CREATE VIEW future_view AS SELECT * FROM {table};
         PRAGMA user_version = 999;"
    ))
    .unwrap();
}

/// Another process writing: a rollback-journal database with an exclusive transaction open
/// (a hot journal beside it). Returns the connection holding the lock.
fn lock(path: &Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(path).unwrap();
    c.pragma_update(None, "journal_mode", "DELETE").unwrap();
    // a committed change first, so that the file is not what was indexed
    c.execute_batch(
        "CREATE TABLE touched(x);
         BEGIN EXCLUSIVE;
         CREATE TABLE lock_probe(x);
         INSERT INTO lock_probe VALUES (randomblob(20000));",
    )
    .unwrap();
    let journal = PathBuf::from(format!("{}-journal", path.display()));
    assert!(
        journal.metadata().is_ok_and(|m| m.len() > 0),
        "a hot journal"
    );
    c
}

/// An empty file is an empty database: no session. OpenCode and profclaw see nothing wrong
/// (OpenCode creates its database empty, then its tables); agsh names it (`explained`).
fn zero_byte_case(db: &Db, explained: Option<&str>) {
    let v = damaged_fresh(db, zero_bytes);
    assert!(v.sessions.is_empty(), "{:?}", v.ids());
    assert_eq!(v.stores, 1);
    match explained {
        None => v.assert_clean(),
        Some(why) => {
            let file = Path::new(db.rel).file_name().unwrap().to_str().unwrap();
            let p = v.problem(file);
            assert_skipped(p, &[(None, "wrong_shape")]);
            assert!(p.examples[0].2.contains(why), "{p:?}");
        }
    }
}

fn corrupt_case(db: &Db, damage: fn(&Path), reason: &[&str]) {
    // indexed, then damaged: its sessions are kept, each counting the failure
    let (first, after) = damaged(db, damage);
    assert_eq!(readable(&after), first);
    assert!(after.sessions.iter().all(|s| s.parse_errors == 1));
    let why = assert_db_failed(&after, db);
    assert!(reason.iter().any(|r| why.contains(r)), "{why}");
    // damaged from the start: no session, the same failure
    let v = damaged_fresh(db, damage);
    assert!(v.sessions.is_empty(), "{:?}", v.ids());
    let why = assert_db_failed(&v, db);
    assert!(reason.iter().any(|r| why.contains(r)), "{why}");
}

fn newer_schema_case(db: &Db) {
    let (first, after) = damaged(db, |p| newer_schema(p, db.table));
    // read as before: the same sessions, nothing counted
    assert_eq!(readable(&after), first);
    after.assert_clean();
    let v = damaged_fresh(db, |p| newer_schema(p, db.table));
    assert_eq!(readable(&v), first);
    v.assert_clean();
}

fn locked_case(db: &Db) {
    let t = temp();
    let path = db_home(db, &t.home);
    let first = readable(&db_view(db, &t.home, &t.scratch));
    assert!(!first.is_empty());
    // locked with a write half done: revisit waits a little, then keeps what it had and
    // says why; it never blocks the writer or touches the journal
    let holder = lock(&path);
    let during = db_view(db, &t.home, &t.scratch);
    assert_eq!(readable(&during), first);
    assert_db_failed(&during, db);
    let fresh = temp();
    let v = db_view(db, &t.home, &fresh.scratch);
    assert!(v.sessions.is_empty(), "{:?}", v.ids());
    assert_db_failed(&v, db);
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    // the writer is done: read again, as before
    let after = db_view(db, &t.home, &t.scratch);
    assert_eq!(readable(&after), first);
    after.assert_clean();
}

const MALFORMED: &[&str] = &["malformed", "not a database", "corrupt"];
const NOT_A_DB: &[&str] = &["not a database", "encrypted"];

#[test]
fn opencode_zero_byte_db() {
    zero_byte_case(&OPENCODE, Some("not an OpenCode database"));
}
#[test]
fn opencode_corrupt_db() {
    corrupt_case(&OPENCODE, corrupt, MALFORMED);
}
#[test]
fn opencode_encrypted_db() {
    corrupt_case(&OPENCODE, random_bytes, NOT_A_DB);
}
#[test]
fn opencode_newer_schema() {
    newer_schema_case(&OPENCODE);
}
#[test]
fn opencode_locked_db() {
    locked_case(&OPENCODE);
}

#[test]
fn agsh_zero_byte_db() {
    zero_byte_case(&AGSH, Some("not an agsh database"));
}
#[test]
fn agsh_corrupt_db() {
    corrupt_case(&AGSH, corrupt, MALFORMED);
}
#[test]
fn agsh_encrypted_db() {
    corrupt_case(&AGSH, random_bytes, NOT_A_DB);
}
#[test]
fn agsh_newer_schema() {
    newer_schema_case(&AGSH);
}
#[test]
fn agsh_locked_db() {
    locked_case(&AGSH);
}

#[test]
fn profclaw_zero_byte_db() {
    zero_byte_case(
        &PROFCLAW,
        Some("an empty database, without profclaw's tables"),
    );
}
#[test]
fn profclaw_corrupt_db() {
    corrupt_case(&PROFCLAW, corrupt, MALFORMED);
}
#[test]
fn profclaw_encrypted_db() {
    corrupt_case(&PROFCLAW, random_bytes, NOT_A_DB);
}
#[test]
fn profclaw_newer_schema() {
    newer_schema_case(&PROFCLAW);
}
#[test]
fn profclaw_locked_db() {
    locked_case(&PROFCLAW);
}

#[cfg(unix)]
#[test]
fn invalid_utf8_file_name() {
    use std::os::unix::ffi::OsStrExt;
    let t = temp();
    let dir = t.home.join(".claude/projects/-home-u-proj");
    // two names that read the same once made text ("caf\u{FFFD}.jsonl"): this used to stop
    // every refresh (the index refused the second one)
    for (name, sid) in [(&b"caf\xe9.jsonl"[..], "x1"), (b"caf\xe8.jsonl", "x2")] {
        write(
            &dir.join(std::ffi::OsStr::from_bytes(name)),
            claude_session(sid, "named badly", 1),
        );
    }
    let good = "c2000020-0000-4000-8000-000000000020";
    write(
        &claude_path(&t.home, good),
        claude_session(good, "Named well", 1),
    );
    let v = via_binary(&t.home, &t.scratch, &[]);
    assert_eq!(v.ids(), [format!("claude:{good}")]);
    assert_eq!(v.summary(good), ("Named well", 2, 0));
    assert!(v.problems.is_empty(), "{:?}", v.problems);
    assert_eq!(v.unreadable.len(), 2, "{:?}", v.unreadable);
    for (path, why) in &v.unreadable {
        assert!(path.ends_with("caf\u{FFFD}.jsonl"), "{path}");
        assert!(why.contains("not valid UTF-8"), "{why}");
    }
}
