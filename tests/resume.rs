//! `revisit resume`: the real binary on a fixture home whose session directories exist (or
//! not), with stand-in programs named like the agents on its PATH.

mod common;

use common::{install_standins, resume_home, revisit, standin_values};
use std::path::{Path, PathBuf};
use std::process::Command;

const ALPHA: &str = "11111111-1111-4111-8111-111111111111";
const BETA: &str = "33333333-3333-4333-8333-333333333333";
const CODEX: &str = "0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee";

struct Setup {
    scratch: tempfile::TempDir,
    home: PathBuf,
    work: PathBuf,
    bin: PathBuf,
    log: PathBuf,
}

impl Setup {
    fn new(installed: &[&str]) -> Setup {
        let scratch = tempfile::tempdir().unwrap();
        let (home, work) = resume_home(scratch.path());
        let bin = scratch.path().join("bin");
        install_standins(&bin, installed);
        let log = scratch.path().join("standin.log");
        Setup {
            home,
            work,
            bin,
            log,
            scratch,
        }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = revisit(&self.home, self.scratch.path());
        c.env("PATH", format!("{}:/usr/bin:/bin", self.bin.display()))
            .env("STANDIN_LOG", &self.log)
            .args(["resume"])
            .args(args);
        c
    }

    fn config(&self, text: &str) {
        let dir = self.scratch.path().join("config/revisit");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.toml"), text).unwrap();
    }
}

fn canon(p: &Path) -> String {
    p.canonicalize().unwrap().display().to_string()
}

fn run(c: &mut Command) -> (i32, String, String) {
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn print_gives_the_argv_and_the_directory() {
    let s = Setup::new(&["claude", "codex"]);
    let (code, out, err) = run(&mut s.cmd(&["11111111", "--print"]));
    assert_eq!(code, 0, "{err}");
    let alpha = s.work.join("alpha");
    assert_eq!(
        out,
        format!("cwd:  {}\nargv: claude --resume {ALPHA}\n", alpha.display())
    );
    let (code, out, err) = run(&mut s.cmd(&[&format!("codex:{CODEX}"), "--json"]));
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let gamma2 = s.work.join("gamma2").display().to_string();
    assert_eq!(
        v["argv"],
        serde_json::json!(["codex", "resume", CODEX, "-C", gamma2])
    );
    assert_eq!(v["cwd"], gamma2);
    assert_eq!(v["program"], s.bin.join("codex").display().to_string());
    assert_eq!(v["agent"], "codex");
    assert_eq!(v["kind"], "resume");
    assert_eq!(v["session"], format!("codex:{CODEX}"));
    // continue-latest: the agent's own flag in the session's directory
    let (code, out, _) = run(&mut s.cmd(&[ALPHA, "--continue", "--json"]));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["argv"], serde_json::json!(["claude", "--continue"]));
    assert_eq!(v["cwd"], alpha.display().to_string());
    assert!(!s.log.exists(), "--print runs nothing");
}

#[test]
fn the_agent_runs_in_the_sessions_directory_and_its_exit_code_is_revisits() {
    let s = Setup::new(&["claude"]);
    let (code, _, err) = run(s.cmd(&[ALPHA]).env("STANDIN_EXIT", "3"));
    assert_eq!(code, 3, "{err}");
    assert_eq!(standin_values(&s.log, "name"), vec!["claude"]);
    assert_eq!(standin_values(&s.log, "arg"), vec!["--resume", ALPHA]);
    assert_eq!(
        standin_values(&s.log, "cwd"),
        vec![canon(&s.work.join("alpha"))]
    );
    assert!(
        std::fs::read_to_string(&s.log)
            .unwrap()
            .ends_with("\nend\n")
    );
}

#[test]
fn config_sets_the_program_its_arguments_and_variables() {
    let s = Setup::new(&["my-claude"]);
    s.config(&format!(
        "[agents.claude]\nprogram = \"{}\"\nargs = [\"--permission-mode\", \"plan\"]\nenv = {{ STANDIN_CONFIG_VAR = \"from config\" }}\n",
        s.bin.join("my-claude").display()
    ));
    let (code, _, err) = run(&mut s.cmd(&[ALPHA]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(standin_values(&s.log, "name"), vec!["my-claude"]);
    assert_eq!(
        standin_values(&s.log, "arg"),
        vec!["--resume", ALPHA, "--permission-mode", "plan"]
    );
    assert_eq!(standin_values(&s.log, "var"), vec!["from config"]);
}

#[test]
fn refusals_say_why_and_run_nothing() {
    let s = Setup::new(&["claude"]);
    // not installed
    let (code, _, err) = run(&mut s.cmd(&[CODEX]));
    assert_eq!(code, 1);
    assert_eq!(err, "revisit: codex is not installed or not on PATH\n");
    // not installed where config.toml says
    s.config("[agents.codex]\nprogram = \"/opt/codex/bin/codex\"\n");
    let (code, _, err) = run(&mut s.cmd(&[CODEX]));
    assert_eq!(code, 1);
    assert!(
        err.contains("codex is not installed or not on PATH (program = \"/opt/codex/bin/codex\" in config.toml)"),
        "{err}"
    );
    // the session's directory is gone: Claude can resume by the file's path, from here
    let (code, out, err) = run(&mut s.cmd(&[BETA]));
    assert_eq!(code, 1);
    assert_eq!(out, "");
    let beta = s.work.join("beta");
    assert!(
        err.contains(&format!(
            "the session's directory {} no longer exists (moved?)",
            beta.display()
        )),
        "{err}"
    );
    assert!(err.contains("--here runs it from this directory"), "{err}");
    // --json says the same, with what --here would run
    let (code, out, _) = run(&mut s.cmd(&[BETA, "--json"]));
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        v["error"].as_str().unwrap().contains("no longer exists"),
        "{v}"
    );
    assert_eq!(v["elsewhere"]["argv"][0], "claude");
    // continuing needs the directory too
    let (code, _, err) = run(&mut s.cmd(&[BETA, "--continue"]));
    assert_eq!(code, 1);
    assert!(err.contains("resumes sessions only there"), "{err}");
    assert!(
        !s.log.exists(),
        "nothing ran: {:?}",
        std::fs::read_to_string(&s.log)
    );
    // an unknown id is a usage error
    let (code, _, err) = run(&mut s.cmd(&["99999999"]));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn here_resumes_a_moved_claude_session_by_its_file_from_the_current_directory() {
    let s = Setup::new(&["claude"]);
    let elsewhere = s.scratch.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let (code, _, err) = run(s.cmd(&[BETA, "--here"]).current_dir(&elsewhere));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "from {}, since {} is gone",
            elsewhere.display(),
            s.work.join("beta").display()
        )),
        "{err}"
    );
    let file = s
        .home
        .join(format!(".claude/projects/-home-u-beta/{BETA}.jsonl"));
    assert_eq!(
        standin_values(&s.log, "arg"),
        vec!["--resume".to_string(), file.display().to_string()]
    );
    assert_eq!(standin_values(&s.log, "cwd"), vec![canon(&elsewhere)]);
}

/// A session file can name itself anything: an id that reads as an option is never passed.
#[test]
fn a_hostile_session_id_is_refused() {
    let s = Setup::new(&["claude"]);
    let dir = s.home.join(".claude/projects/-x");
    std::fs::create_dir_all(&dir).unwrap();
    let work = s.work.join("alpha").display().to_string();
    let line = |id: &str| {
        format!(
            r#"{{"type":"user","cwd":"{work}","sessionId":"{id}","uuid":"u1","timestamp":"2026-11-20T10:00:00.000Z","message":{{"role":"user","content":"hi"}}}}"#
        )
    };
    let id = "--dangerously-skip-permissions";
    std::fs::write(dir.join(format!("{id}.jsonl")), line(id) + "\n").unwrap();
    let (code, _, err) = run(&mut s.cmd(&["--", &format!("claude:{id}")]));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(
            "cannot be resumed: its id --dangerously-skip-permissions is not one Claude Code takes"
        ),
        "{err}"
    );
    assert!(!s.log.exists(), "nothing ran");
}
