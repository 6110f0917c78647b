//! Helpers shared by the integration tests.
#![allow(dead_code)]

use revisit::config::{Config, Env};
use revisit::index::query::{ListQuery, Reader};
use revisit::index::writer::{RefreshReport, Writer};
use revisit::model::Session;
use revisit::sources::Registry;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/fixtures`, when it exists (CI and the development machines have it).
pub fn shared_fixtures() -> Option<PathBuf> {
    let p = manifest().join("../shared/fixtures");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("../shared/fixtures is absent: conformance test skipped");
        None
    }
}

pub fn fixture_home() -> PathBuf {
    manifest().join("tests/fixtures/home")
}

/// Index a home into a fresh index under `scratch` and return the sessions.
pub fn index_home(home: &Path, scratch: &Path) -> (Vec<Session>, RefreshReport) {
    index_home_with(home, scratch, Config::default())
}

pub fn index_home_with(
    home: &Path,
    scratch: &Path,
    config: Config,
) -> (Vec<Session>, RefreshReport) {
    let env = Env::with_home(home, &[]);
    let reg = Registry::new(env, config);
    let path = scratch.join("index.sqlite");
    let mut w = Writer::open(&path).expect("open index");
    let report = w.refresh(&reg, &mut |_| {}).expect("refresh");
    let r = Reader::open(&path).expect("reader");
    let sessions = r
        .list(&ListQuery::default())
        .expect("list")
        .into_iter()
        .map(|s| reg.with_resume(s))
        .collect();
    (sessions, report)
}

/// The real binary with a clean environment: only HOME, XDG_* and PATH.
pub fn revisit(home: &Path, scratch: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_revisit"));
    c.env_clear()
        .env("HOME", home)
        .env("XDG_CACHE_HOME", scratch.join("cache"))
        .env("XDG_CONFIG_HOME", scratch.join("config"))
        .env("XDG_DATA_HOME", scratch.join("data"))
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    c
}

/// Copy a directory tree (fixtures are read in place unless a test must change them).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            let mut perms = std::fs::metadata(&target).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            std::fs::set_permissions(&target, perms).unwrap();
        }
    }
}

/// A tmux server of the test's own (its own socket), running a plain shell.
pub struct Tmux {
    socket: String,
    pub session: String,
}

impl Tmux {
    /// Start bash in a detached session of `w`×`h` with exactly `env`.
    pub fn start(w: u16, h: u16, env: &[(&str, String)]) -> Tmux {
        assert!(
            Command::new("tmux").arg("-V").output().is_ok(),
            "tmux is needed for the end-to-end tests (CI installs it; see README)"
        );
        let socket = format!("revisit-test-{}-{}", std::process::id(), rand_suffix());
        let session = "t".to_string();
        let mut cmd = Command::new("tmux");
        cmd.args([
            "-L",
            &socket,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            &session,
        ])
        .args(["-x", &w.to_string(), "-y", &h.to_string()]);
        let mut shell = String::from("env -i");
        for (k, v) in env {
            shell.push_str(&format!(" {k}='{v}'"));
        }
        // no history file: HOME may be a fixture folder of the repository
        shell.push_str(" PS1='$ ' TERM=xterm-256color HISTFILE=/dev/null bash --norc --noprofile");
        cmd.arg(shell);
        let out = cmd.output().expect("run tmux");
        assert!(
            out.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmux { socket, session }
    }

    fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    /// Type literally, then press Enter when `enter`.
    pub fn type_text(&self, text: &str, enter: bool) {
        self.tmux()
            .args(["send-keys", "-t", &self.session, "-l", text])
            .status()
            .unwrap();
        if enter {
            self.keys(&["Enter"]);
        }
    }

    /// Send tmux key names (`Enter`, `Escape`, `j`, `C-c`…).
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux()
                .args(["send-keys", "-t", &self.session, k])
                .status()
                .unwrap();
            std::thread::sleep(std::time::Duration::from_millis(60));
        }
    }

    /// Run a tmux command on this server (`set-option …`).
    pub fn command(&self, args: &[&str]) -> String {
        let out = self.tmux().args(args).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The newest paste buffer (where OSC 52 copies land with `set-clipboard on`).
    pub fn buffer(&self) -> String {
        self.command(&["show-buffer"])
    }

    pub fn capture(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-t", &self.session])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Wait until the shell shows its prompt (`$`) on a line of its own.
    pub fn wait_for_prompt(&self) {
        let start = std::time::Instant::now();
        while !self.capture().lines().any(|l| l.trim_end() == "$") {
            if start.elapsed() > std::time::Duration::from_secs(15) {
                panic!("no shell prompt; screen:\n{}", self.capture());
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// Wait (up to 15 s) until the screen contains `needle`; returns the screen.
    pub fn wait_for(&self, needle: &str) -> String {
        let start = std::time::Instant::now();
        loop {
            let screen = self.capture();
            if screen.contains(needle) {
                return screen;
            }
            if start.elapsed() > std::time::Duration::from_secs(15) {
                panic!("timed out waiting for {needle:?}; screen:\n{screen}");
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").status();
    }
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0)
}

/// The message the query worker sends with a session's messages (units built as it does).
pub fn transcript_msg(
    generation: u64,
    key: &str,
    messages: Vec<revisit::model::Message>,
) -> revisit::app::Msg {
    let (messages, units) = revisit::app::transcript::content(messages);
    revisit::app::Msg::Transcript {
        generation,
        key: key.to_string(),
        units,
        messages,
        branch_leaf: None,
    }
}

/// Every session with its messages, comparable across indexes.
pub fn index_contents(index: &Path) -> Vec<(Session, Vec<revisit::model::Message>)> {
    let r = Reader::open(index).unwrap();
    r.list(&ListQuery::default())
        .unwrap()
        .into_iter()
        .map(|s| {
            let m = r.messages(&s.key).unwrap();
            (s, m)
        })
        .collect()
}

/// Every usage row (what costs and stats are computed from), comparable across indexes.
pub fn index_usage(index: &Path) -> Vec<String> {
    let r = Reader::open(index).unwrap();
    let mut rows: Vec<String> = r
        .usage_rows(&|_| true)
        .unwrap()
        .into_iter()
        .map(|u| format!("{u:?}"))
        .collect();
    rows.sort();
    rows
}

/// Full-text results for a few words, comparable across indexes.
pub fn index_searches(index: &Path) -> Vec<Vec<(String, Vec<usize>)>> {
    let r = Reader::open(index).unwrap();
    let now = chrono::Utc::now();
    let tz = chrono::FixedOffset::east_opt(0).unwrap();
    [
        "login",
        "docs",
        "sub",
        "tests",
        "one more thing",
        "rewritten",
        "half",
        "unfinished",
        "storm",
        "appended",
    ]
    .iter()
    .map(|w| {
        let q = revisit::search::query::parse(w, now, tz);
        let mut hits: Vec<(String, Vec<usize>)> =
            revisit::search::fts::search_sessions(&r, &q, now, 2000, &|s| s)
                .unwrap()
                .into_iter()
                .map(|h| (h.key, h.messages))
                .collect();
        hits.sort();
        hits
    })
    .collect()
}

/// The FTS index holds exactly the messages that exist and have text (no stale or missing
/// rows).
pub fn assert_fts_consistent(index: &Path) {
    let c = rusqlite::Connection::open(index).unwrap();
    let ids = |sql: &str| -> Vec<i64> {
        let mut st = c.prepare(sql).unwrap();
        let v: Vec<i64> = st
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|x| x.unwrap())
            .collect();
        v
    };
    let stale =
        ids("SELECT id FROM messages_fts_docsize WHERE id NOT IN (SELECT id FROM messages)");
    assert!(
        stale.is_empty(),
        "FTS rows of messages that are gone: {stale:?}"
    );
    let orphans = ids("SELECT id FROM bodies WHERE id NOT IN (SELECT id FROM messages)");
    assert!(
        orphans.is_empty(),
        "bodies of messages that are gone: {orphans:?}"
    );
    let bodiless = ids("SELECT id FROM messages WHERE id NOT IN (SELECT id FROM bodies)");
    assert!(bodiless.is_empty(), "messages without a body: {bodiless:?}");
    // a message outside the FTS index must be one without text
    let mut st = c
        .prepare(
            "SELECT m.id, b.body FROM messages m JOIN bodies b ON b.id = m.id
             WHERE m.id NOT IN (SELECT id FROM messages_fts_docsize)",
        )
        .unwrap();
    let missing: Vec<(i64, Vec<u8>)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(|x| x.unwrap())
        .collect();
    for (id, body) in missing {
        let m = revisit::index::body::decode(&body).expect("a readable body");
        let text = revisit::search::fts::message_text(&m);
        assert!(
            text.is_empty(),
            "message {id} has text but is not in the FTS index: {text:?}"
        );
    }
}

/// Two indexes hold the same sessions, messages and search results, and the first one's
/// full-text index is consistent.
pub fn assert_same_index(index: &Path, fresh: &Path) {
    assert_eq!(index_contents(index), index_contents(fresh));
    assert_eq!(index_usage(index), index_usage(fresh));
    assert_eq!(index_searches(index), index_searches(fresh));
    assert_fts_consistent(index);
}

/// Append text to a file (as an agent writing its session does).
pub fn append(path: &Path, text: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// A Claude Code user line of session `sid` (no newline).
pub fn claude_user_line(sid: &str, uuid: &str, text: &str) -> String {
    format!(
        r#"{{"parentUuid":null,"isSidechain":false,"cwd":"/home/u/alpha","sessionId":"{sid}","type":"user","uuid":"{uuid}","timestamp":"2026-11-20T11:00:00.000Z","message":{{"role":"user","content":"{text}"}}}}"#
    )
}

/// A copy of the fixture home whose sessions' directories are under `work/` in `scratch`:
/// `alpha` (Claude) and `gamma`, `gamma2` (Codex) exist, `beta` (Claude) and `old` (Codex)
/// do not. Returns (home, work).
pub fn resume_home(scratch: &Path) -> (PathBuf, PathBuf) {
    let home = scratch.join("home");
    let work = scratch.join("work");
    copy_tree(&fixture_home(), &home);
    let prefix = format!("{}/", work.display());
    rewrite_tree(&home, &|text| text.replace("/home/u/", &prefix));
    for d in ["alpha", "gamma", "gamma2"] {
        std::fs::create_dir_all(work.join(d)).unwrap();
    }
    (home, work)
}

fn rewrite_tree(dir: &Path, f: &dyn Fn(&str) -> String) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rewrite_tree(&p, f);
        } else if let Ok(text) = std::fs::read_to_string(&p) {
            std::fs::write(&p, f(&text)).unwrap();
        }
    }
}

/// Install the agents' stand-in (tests/fixtures/resume/standin.sh) under `names` in `bin`.
pub fn install_standins(bin: &Path, names: &[&str]) {
    std::fs::create_dir_all(bin).unwrap();
    let script = manifest().join("tests/fixtures/resume/standin.sh");
    for n in names {
        let target = bin.join(n);
        std::fs::copy(&script, &target).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
}

/// What a stand-in recorded: (key, value) lines of `name=`, `arg=`, `cwd=`, `tty=`, …
pub fn standin_log(log: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The values of one key in a stand-in's log, in order.
pub fn standin_values(log: &Path, key: &str) -> Vec<String> {
    standin_log(log)
        .into_iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v)
        .collect()
}

/// The environment the end-to-end tests run revisit in: `HOME`, revisit's own cache and
/// config folders in `scratch`, the test's `PATH`, then `extra` (which wins over these).
pub fn home_env(
    home: &Path,
    scratch: &Path,
    extra: &[(&'static str, String)],
) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("HOME", home.display().to_string()),
        (
            "XDG_CACHE_HOME",
            scratch.join("cache").display().to_string(),
        ),
        (
            "XDG_CONFIG_HOME",
            scratch.join("config").display().to_string(),
        ),
        ("PATH", std::env::var("PATH").unwrap_or_default()),
    ];
    env.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    env.extend(extra.iter().cloned());
    env
}
