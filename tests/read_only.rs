//! The read-only proof: a home holding the stores of all eight agents (the repository's
//! format-faithful fixtures, copied into a folder of the test's own) is recorded entry by entry
//! (path, kind, size, mtime in nanoseconds, permissions, sha256 of the content, and so the set
//! of entries), then revisit does everything it can do to it: every CLI command through the real
//! binary, resuming sessions with stand-in agents, and a scripted session of the browser in tmux
//! (transcripts of every agent, folds, find, full-text search, stats, help, pager, editor,
//! resume, a gone directory's question, Ctrl-Z and `fg`). Afterwards the home must be exactly as
//! recorded: a `-wal`, `-shm` or `-journal` beside a database, a temporary file, a rewritten
//! byte, a touched mtime or a changed permission is a failure, printed as a readable diff.
//!
//! revisit's own index and config live in the scratch folder, never in the home; the sessions'
//! working directories are pointed into the scratch folder too (they are not the agents' data),
//! so the agents can be resumed there.

mod common;

use common::{Tmux, copy_tree, install_standins, manifest, revisit, standin_values};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const AGENTS: [&str; 8] = [
    "claude", "codex", "gemini", "opencode", "pi", "agsh", "agenix", "profclaw",
];

// ---- the home and its record ----

/// One entry under the home, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    /// `d` folder, `f` file, `l` symbolic link
    kind: char,
    size: u64,
    mtime_ns: i128,
    mode: u32,
    /// sha256 of a file's bytes, a link's target
    content: String,
}

type Snapshot = BTreeMap<PathBuf, Entry>;

fn snapshot(home: &Path) -> Snapshot {
    fn walk(root: &Path, dir: &Path, out: &mut Snapshot) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            let e = entry(&p);
            let is_dir = e.kind == 'd';
            out.insert(p.strip_prefix(root).unwrap().to_path_buf(), e);
            if is_dir {
                walk(root, &p, out);
            }
        }
    }
    let mut out = Snapshot::new();
    out.insert(PathBuf::from("."), entry(home));
    walk(home, home, &mut out);
    out
}

fn entry(p: &Path) -> Entry {
    let md = std::fs::symlink_metadata(p).unwrap();
    let mtime_ns = match md.modified().unwrap().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    };
    #[cfg(unix)]
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        md.permissions().mode()
    };
    #[cfg(not(unix))]
    let mode = md.permissions().readonly() as u32;
    let (kind, content) = if md.is_symlink() {
        ('l', std::fs::read_link(p).unwrap().display().to_string())
    } else if md.is_dir() {
        ('d', String::new())
    } else {
        let hash = Sha256::digest(std::fs::read(p).unwrap());
        ('f', hash.iter().map(|b| format!("{b:02x}")).collect())
    };
    Entry {
        kind,
        size: md.len(),
        mtime_ns,
        mode,
        content,
    }
}

/// What changed between two records, one line per difference.
fn diff(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    let mut out = Vec::new();
    for (p, b) in before {
        match after.get(p) {
            None => out.push(format!("removed  {}", p.display())),
            Some(a) if a != b => {
                let mut what = Vec::new();
                if a.kind != b.kind {
                    what.push(format!("kind {} → {}", b.kind, a.kind));
                }
                if a.size != b.size {
                    what.push(format!("size {} → {}", b.size, a.size));
                }
                if a.mtime_ns != b.mtime_ns {
                    what.push(format!("mtime {} → {} ns", b.mtime_ns, a.mtime_ns));
                }
                if a.mode != b.mode {
                    what.push(format!("mode {:o} → {:o}", b.mode, a.mode));
                }
                if a.content != b.content {
                    what.push(format!("content {} → {}", b.content, a.content));
                }
                out.push(format!("changed  {}: {}", p.display(), what.join(", ")));
            }
            Some(_) => {}
        }
    }
    for (p, a) in after {
        if !before.contains_key(p) {
            out.push(format!(
                "added    {} ({}, {} bytes)",
                p.display(),
                a.kind,
                a.size
            ));
        }
    }
    out
}

fn assert_untouched(before: &Snapshot, home: &Path, after_what: &str) {
    let changes = diff(before, &snapshot(home));
    assert!(
        changes.is_empty(),
        "{after_what} changed the agents' data under {}:\n  {}",
        home.display(),
        changes.join("\n  ")
    );
}

/// Every agent's fixtures in one home of the test's own; the sessions' directories point into
/// `work`.
struct Setup {
    scratch: tempfile::TempDir,
    home: PathBuf,
    work: PathBuf,
    bin: PathBuf,
    log: PathBuf,
    /// revisit's own directory when it runs (where `--here` and profclaw resume)
    elsewhere: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let scratch = tempfile::tempdir().unwrap();
        let s = scratch.path();
        let home = s.join("home");
        let work = s.join("work");
        let f = manifest().join("tests/fixtures");
        copy_tree(&f.join("home"), &home); // Claude Code, Codex CLI
        for agent in ["gemini", "opencode", "pi", "agsh", "agenix"] {
            copy_tree(&f.join(agent).join("home"), &home);
        }
        // Agenix writes inside project folders; profclaw's server keeps data/profclaw.db
        copy_tree(&f.join("agenix/projects"), &home.join("projects"));
        copy_tree(&f.join("profclaw/server"), &home.join("profclaw"));
        rewrite_paths(&home, "/home/u", &work.display().to_string());
        // a store that is read-only on disk stays so
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let ro = std::fs::Permissions::from_mode(0o444);
            for store in [
                ".local/share/agsh/sessions.db",
                ".claude/projects/-home-u-alpha/11111111-1111-4111-8111-111111111111.jsonl",
            ] {
                std::fs::set_permissions(home.join(store), ro.clone()).unwrap();
            }
        }
        let config = s.join("config/revisit");
        std::fs::create_dir_all(&config).unwrap();
        std::fs::write(
            config.join("config.toml"),
            format!(
                "[agents.agenix]\nroots = [{:?}, {:?}]\n[agents.profclaw]\nserver_dir = {:?}\n",
                home.join("projects/alpha").display().to_string(),
                home.join("projects/beta").display().to_string(),
                home.join("profclaw").display().to_string(),
            ),
        )
        .unwrap();
        let bin = s.join("bin");
        install_standins(&bin, &AGENTS);
        let elsewhere = s.join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        Setup {
            log: s.join("standin.log"),
            home,
            work,
            bin,
            elsewhere,
            scratch,
        }
    }

    fn path_var(&self) -> String {
        format!("{}:/usr/bin:/bin", self.bin.display())
    }

    /// The real binary: index and config in the scratch folder, the stand-ins on PATH.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = revisit(&self.home, self.scratch.path());
        c.env("PATH", self.path_var())
            .env("STANDIN_LOG", &self.log)
            .current_dir(&self.elsewhere)
            .args(args);
        c
    }

    /// Run a command; its exit code must be one of `codes`.
    fn run(&self, args: &[&str], codes: &[i32]) -> Output {
        let out = self.cmd(args).output().unwrap();
        let code = out.status.code().unwrap_or(-1);
        assert!(
            codes.contains(&code),
            "revisit {} exited {code}\nstdout: {}\nstderr: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.run(args, &[0]);
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("revisit {}: not JSON ({e})", args.join(" ")))
    }
}

/// Replace `from` by `to` in every text file and every text value of every SQLite database
/// under `dir` (before anything is recorded).
fn rewrite_paths(dir: &Path, from: &str, to: &str) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rewrite_paths(&p, from, to);
        } else if p.extension().is_some_and(|e| e == "db") {
            let c = rusqlite::Connection::open(&p).unwrap();
            let tables: Vec<String> = c
                .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(|t| t.unwrap())
                .collect();
            for t in tables {
                let cols: Vec<String> = c
                    .prepare(&format!("SELECT name FROM pragma_table_info('{t}')"))
                    .unwrap()
                    .query_map([], |r| r.get(0))
                    .unwrap()
                    .map(|t| t.unwrap())
                    .collect();
                for col in cols {
                    c.execute(
                        &format!(
                            "UPDATE \"{t}\" SET \"{col}\" = replace(\"{col}\", ?1, ?2)
                             WHERE typeof(\"{col}\") = 'text' AND instr(\"{col}\", ?1) > 0"
                        ),
                        [from, to],
                    )
                    .unwrap();
                }
            }
        } else if let Ok(text) = std::fs::read_to_string(&p)
            && text.contains(from)
        {
            std::fs::write(&p, text.replace(from, to)).unwrap();
        }
    }
}

/// A session's key for the command line: `agent:id`, with `@cwd` when the id is not unique
/// (Agenix ids are timestamps, unique per directory).
fn keys(list: &[Value]) -> Vec<(String, String)> {
    let id = |s: &Value| {
        format!(
            "{}:{}",
            s["agent"].as_str().unwrap(),
            s["id"].as_str().unwrap()
        )
    };
    list.iter()
        .map(|s| {
            let twice = list.iter().filter(|o| id(o) == id(s)).count() > 1;
            let key = match s["cwd"].as_str() {
                Some(cwd) if twice => format!("{}@{cwd}", id(s)),
                _ => id(s),
            };
            (s["agent"].as_str().unwrap().to_string(), key)
        })
        .collect()
}

fn executable(path: &Path, script: &str) {
    std::fs::write(path, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

// ---- the test ----

#[test]
fn everything_revisit_does_leaves_the_agents_data_untouched() {
    let s = Setup::new();
    // the home really holds what the proof is about: every agent's store, and an OpenCode
    // database in WAL mode whose -wal and -shm are gone (the agent is not running), the state
    // in which SQLite would create them if it opened the database in place
    let opencode = s.home.join(".local/share/opencode/opencode.db");
    let header = std::fs::read(&opencode).unwrap();
    assert_eq!(
        (header[18], header[19]),
        (2, 2),
        "opencode.db is in WAL mode"
    );
    for sidecar in ["-wal", "-shm"] {
        assert!(!PathBuf::from(format!("{}{sidecar}", opencode.display())).exists());
    }
    let before = snapshot(&s.home);
    assert!(before.len() > 60, "{} entries", before.len());

    cli(&s);
    assert_untouched(&before, &s.home, "the commands");

    tui(&s);
    assert_untouched(&before, &s.home, "the browser");
}

/// Every command of the CLI, on every session.
fn cli(s: &Setup) {
    s.run(&["index"], &[0]);
    let report = s.json(&["index", "--json"]);
    assert_eq!(report["errors"], 0, "{report}");
    s.run(&["list"], &[0]);
    let list = s.json(&["list", "--json"]);
    let list = list.as_array().unwrap();
    let agents: BTreeSet<&str> = list.iter().map(|v| v["agent"].as_str().unwrap()).collect();
    assert_eq!(
        agents,
        AGENTS.into_iter().collect(),
        "every agent has sessions"
    );
    s.run(
        &["list", "tokenizer", "--agent", "opencode", "--limit", "3"],
        &[0],
    );

    // the sessions' directories exist (in the scratch folder), except Claude's `beta`: gone
    let gone = s.work.join("beta");
    for v in list {
        if let Some(cwd) = v["cwd"].as_str().map(Path::new)
            && cwd.starts_with(&s.work)
            && cwd != gone
        {
            std::fs::create_dir_all(cwd).unwrap();
        }
    }

    let mut hits = 0;
    for word in ["tokenizer", "build", "login", "the"] {
        hits += s
            .json(&["search", word, "--json"])
            .as_array()
            .unwrap()
            .len();
        s.run(&["search", word], &[0]);
    }
    assert!(hits > 0);
    s.run(
        &[
            "search", "build", "--agent", "agsh", "--limit", "2", "--json",
        ],
        &[0],
    );

    for by in [
        "day", "week", "month", "project", "model", "agent", "session",
    ] {
        s.json(&["stats", "--by", by, "--json"]);
    }
    s.run(&["stats"], &[0]);
    s.json(&[
        "stats",
        "--json",
        "--agent",
        "opencode",
        "--since",
        "2026-01-01",
        "--utc",
    ]);
    s.json(&["doctor", "--json"]);
    s.run(&["doctor"], &[0]);
    s.run(&["config"], &[0]);
    s.run(&["config", "--path"], &[0]);
    s.run(&["config", "--print-default"], &[0]);

    let sessions = keys(list);
    let mut resumed: BTreeSet<&str> = BTreeSet::new();
    for (agent, key) in &sessions {
        s.run(&["show", key], &[0]);
        let shown = s.json(&["show", key, "--json"]);
        assert_eq!(shown["agent"], agent.as_str());
        s.run(&["show", key, "--markdown"], &[0]);
        // export, name, tag and archive: only revisit's own files change
        for format in ["md", "html", "json"] {
            let out = s.scratch.path().join(format!("export.{format}"));
            s.run(
                &["export", key, "--redact", "--out", out.to_str().unwrap()],
                &[0],
            );
            s.run(&["export", key, "--format", format], &[0]);
        }
        s.run(&["rename", key, "kept", "name"], &[0]);
        s.run(&["tag", key, "kept", "review"], &[0]);
        s.json(&["archive", key, "--json"]);
        // delete asks first: without a terminal and without --yes, nothing moves
        s.run(&["delete", key], &[1]);
        // resume: what would run (1: refused, with the reason as JSON), then run it
        let out = s.run(&["resume", key, "--print", "--json"], &[0, 1]);
        let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
        if out.status.success() {
            s.run(&["resume", key, "--print"], &[0]);
            s.run(&["resume", key], &[0]);
            resumed.insert(agent);
        } else {
            assert!(plan["error"].is_string(), "{plan}");
        }
        let out = s.run(&["resume", key, "--continue", "--print", "--json"], &[0, 1]);
        if out.status.success() {
            s.run(&["resume", key, "--continue"], &[0]);
        }
    }
    assert_eq!(
        resumed,
        AGENTS.into_iter().collect(),
        "a session of every agent was resumed"
    );
    // the gone directory: refused, then resumed from here
    let beta = "claude:33333333-3333-4333-8333-333333333333";
    s.run(&["resume", beta], &[1]);
    s.run(&["resume", beta, "--here"], &[0]);
    let ran: BTreeSet<String> = standin_values(&s.log, "name").into_iter().collect();
    assert_eq!(
        ran,
        AGENTS.iter().map(|a| a.to_string()).collect(),
        "every agent's stand-in ran"
    );
    // the archived copies are listed; removing them leaves the agents' files as they were
    let archived = s.json(&["list", "is:archived", "--json"]);
    assert_eq!(archived.as_array().unwrap().len(), sessions.len());
    s.run(&["list", "tag:review", "--json"], &[0]);
    for (_, key) in &sessions {
        s.run(&["archive", key, "--remove"], &[0]);
    }
    s.json(&["trash", "list", "--json"]);
    s.run(&["archive", "--expiring", "--json"], &[0]);
    // the commands again without refreshing, and the unknown and ambiguous ids
    s.run(&["--no-refresh", "list", "--json"], &[0]);
    s.run(&["show", "nonexistent-id"], &[2]);
    s.run(&["show", "agenix:20261122_080000"], &[2]);
}

/// `/`, type `filter`, and wait until the list shows its answer: the best match, first, is the
/// session whose title starts like `filter` (filtering runs on a worker thread). The selection
/// stays on the session selected before when it is among the matches: `Home` selects the first.
fn filter(t: &Tmux, filter: &str, total: usize) {
    t.keys(&["/"]);
    t.type_text(filter, false);
    let head: String = filter.chars().take(24).collect();
    let of = format!(" of {total})");
    let start = std::time::Instant::now();
    loop {
        let screen = t.capture();
        let mut lines = screen.lines().skip_while(|l| !l.contains("AGENT    TITLE"));
        let first = lines.nth(1).unwrap_or_default();
        if screen.contains(&of) && first.contains(&head) {
            return;
        }
        if start.elapsed() > std::time::Duration::from_secs(15) {
            panic!("the list did not answer {filter:?}; screen:\n{screen}");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// A scripted session of the browser in tmux.
fn tui(s: &Setup) {
    let bin = env!("CARGO_BIN_EXE_revisit");
    let scratch = s.scratch.path();
    // a pager and an editor that keep a copy of what they were given, in the scratch folder
    let kept = scratch.join("kept");
    std::fs::create_dir_all(&kept).unwrap();
    let pager = scratch.join("pager.sh");
    let editor = scratch.join("editor.sh");
    for (script, what) in [(&pager, "pager"), (&editor, "editor")] {
        executable(
            script,
            &format!(
                "#!/bin/sh\nn=$(ls '{0}' | wc -l)\ncp \"$1\" '{0}'/\"$n-{what}-$(basename \"$1\")\"\n",
                kept.display()
            ),
        );
    }
    let kept_count = || std::fs::read_dir(&kept).unwrap().count();
    let wait_kept = |n: usize| {
        let start = std::time::Instant::now();
        while kept_count() < n {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(15),
                "the pager or editor did not run"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    let t = Tmux::start(
        160,
        45,
        &common::home_env(
            &s.home,
            scratch,
            &[
                // an index of its own: the browser reads every store again from scratch
                (
                    "XDG_CACHE_HOME",
                    scratch.join("tui-cache").display().to_string(),
                ),
                // names, tags, archives and exports: revisit's own, in the scratch folder
                (
                    "XDG_DATA_HOME",
                    scratch.join("tui-data").display().to_string(),
                ),
                ("PATH", s.path_var()),
                ("STANDIN_LOG", s.log.display().to_string()),
                ("STANDIN_READ", "1".to_string()),
                ("PAGER", pager.display().to_string()),
                ("EDITOR", editor.display().to_string()),
            ],
        ),
    );
    let total = s.json(&["list", "--json"]).as_array().unwrap().len();
    let all = format!("Sessions ({total})");
    t.wait_for_prompt();
    // (no `; echo` after it: a stopped job would let the shell run it at Ctrl-Z)
    t.type_text(&format!("cd '{}' && {bin}", s.elsewhere.display()), true);
    t.wait_for(&all);

    // a transcript of every agent: filter, open, fold levels, units, thinking, prompts
    let picks = [
        ("Login bug hunt", "Claude Code · Login bug hunt"),
        ("Test triage", "Codex CLI · Test triage"),
        (
            "Fix the failing build",
            "Gemini CLI · Fix the failing build",
        ),
        ("Fix the tokenizer bug", "OpenCode · Fix the tokenizer bug"),
        ("Checkout rounding fix", "Pi · Checkout rounding fix"),
        ("List the files and run the build", "agsh · List the files"),
        ("Find the TODOs", "Agenix · Find the TODOs"),
        (
            "Summarise the open tickets",
            "profclaw · Summarise the open",
        ),
    ];
    let mut kept_n = 0;
    for (filter, header) in picks {
        self::filter(&t, filter, total);
        t.keys(&["Enter", "Home", "Enter"]);
        t.wait_for(header);
        t.keys(&["z"]);
        t.wait_for("summaries");
        t.keys(&["z"]);
        t.wait_for("everything open");
        t.keys(&["z"]);
        t.wait_for("all folded");
        t.keys(&[
            "J", "J", "Enter", "J", "Enter", "Enter", "t", "t", "]", "[", "e", "G", "g",
        ]);
        // find in the transcript
        t.keys(&["/"]);
        t.wait_for("find: ");
        t.type_text("the", false);
        t.keys(&["Enter", "n", "N"]);
        // copy the unit and the id (OSC 52 to tmux)
        t.keys(&["y", "Y"]);
        t.wait_for("copied the session id");
        // the pager and the editor get copies; the terminal comes back
        t.keys(&["o"]);
        kept_n += 1;
        wait_kept(kept_n);
        t.wait_for("back from the pager");
        t.keys(&["O"]);
        kept_n += 1;
        wait_kept(kept_n);
        t.wait_for("back from the editor");
        t.keys(&["$"]);
        t.wait_for(" Stats · ");
        t.keys(&["Escape", "Escape", "Escape"]);
        t.wait_for(&all);
    }

    // Pi: another branch, read from the session file
    filter(&t, "Checkout rounding fix", total);
    t.keys(&["Enter", "Home", "Enter"]);
    t.wait_for("Pi · Checkout rounding fix");
    t.keys(&["/"]);
    t.wait_for("find: ");
    t.type_text("other branch here", false);
    t.keys(&["Enter", "b"]);
    // the find put the cursor on the ⑂ notice: `b` shows the other branch
    t.wait_for("⑂ other branch ·");
    t.keys(&["b", "Escape", "Escape"]);
    t.wait_for(&all);

    // full-text search, opening the hit
    t.keys(&["C-f"]);
    t.wait_for("full text>");
    t.type_text("tokenizer", false);
    t.wait_for(&format!(" of {total})"));
    t.wait_for("↳"); // a snippet under a hit
    t.keys(&["Tab", "Tab", "Enter"]);
    t.wait_for("OpenCode · ");
    t.keys(&["Escape", "Escape"]);
    t.wait_for(&all);

    // the stats pane over everything: breakdowns and ranges
    t.keys(&["$"]);
    t.wait_for(" Stats · ");
    t.keys(&["b", "b", "b", "r", "r", "j", "Escape"]);
    // every sort, round to the first (best match), and grouping on and off
    t.keys(&["s", "s", "s", "s", "s", "s", "g", "g"]);
    t.wait_for("sorted by best match");
    // help
    t.keys(&["?"]);
    t.wait_for("Keys (");
    t.keys(&["j", "Escape"]);

    // resume: the stand-in gets the terminal and reads a line, then the browser is back
    let resume = |filter: &str, key: &str, agent: &str, answer: Option<&str>| {
        self::filter(&t, filter, total);
        t.keys(&["Enter", "Home", "Y"]);
        t.wait_for("copied the session id");
        t.keys(&[key]);
        if let Some(a) = answer {
            t.wait_for("Resume from here?");
            t.keys(&[a]);
        }
        t.wait_for(&format!("stand-in {agent}: type a line>"));
        t.type_text(&format!("hello {agent}"), true);
        t.wait_for(&format!("back from {agent} (exit 0)"));
        t.keys(&["Escape"]);
        t.wait_for(&all);
    };
    resume("Fix the tokenizer bug", "r", "opencode", None);
    resume("List the files and run the build", "r", "agsh", None);
    resume("Summarise the open tickets", "r", "profclaw", None);
    resume("Test triage", "c", "codex", None);
    // Claude's `beta` is gone: the question, answered yes
    resume("Continue with docs", "r", "claude", Some("y"));
    assert!(
        standin_values(&s.log, "line").contains(&"hello claude".to_string()),
        "the stand-in had the terminal"
    );

    // rename, tag, archive, export; delete asked and answered no
    self::filter(&t, "Test triage", total);
    t.keys(&["Enter", "Home", "R", "C-u"]);
    t.type_text("triage kept", true);
    t.wait_for("renamed to");
    t.keys(&["t"]);
    t.type_text("review", true);
    t.wait_for("tags: #review");
    t.keys(&["a"]);
    t.wait_for("archived:");
    t.keys(&["e", "Tab"]);
    t.wait_for("Export HTML redacted");
    t.keys(&["Enter"]);
    t.wait_for("exported to");
    t.keys(&["D"]);
    t.wait_for("Delete?");
    t.keys(&["n"]);
    t.wait_for("not deleted");
    t.keys(&["Escape"]);
    t.wait_for(&all);

    // Ctrl-Z: a stopped job; fg brings the browser back
    t.keys(&["C-z"]);
    t.wait_for("Stopped");
    t.type_text("fg", true);
    t.wait_for(&all);
    t.keys(&["q"]);
    t.type_text("echo RC=$?", true);
    t.wait_for("RC=0");
    // what the pager and the editor were given: copies, not the stores
    assert_eq!(kept_count(), 16);
}
