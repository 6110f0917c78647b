//! Resuming a session with the agent's own CLI: the command (an argument vector, never a
//! shell line), the directory it must run in, and the checks made before the terminal is
//! handed over. The browser (`r`, `c`) and `revisit resume` share all of it.
//!
//! The adapters know their agent's flags and id forms ([`crate::sources::Source::resume`],
//! `continue_latest`, `resume_elsewhere`, `in_use`); this module adds what the person
//! configured (program, arguments, environment) and what only this machine can tell: is the
//! program installed, does the directory exist, is the session held by a live process.

use crate::config::{AgentConfig, Config, Env};
use crate::model::{Agent, ResumeTarget, Session, shell_quote};
use crate::sources::Registry;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use thiserror::Error;

/// What to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// This session.
    Resume,
    /// The agent's continue-latest flag in the session's directory.
    Continue,
}

/// A checked command, ready to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub agent: Agent,
    /// The session it was made for (its index key).
    pub session: String,
    pub kind: Kind,
    /// The arguments; the first is the program as configured (or the agent's name).
    pub argv: Vec<String>,
    /// Where the program was found.
    pub program: PathBuf,
    pub cwd: PathBuf,
    /// Variables set for the program (from config.toml), on top of revisit's environment.
    pub env: BTreeMap<String, String>,
    /// Something to tell the person (the session's directory is gone, …).
    pub note: Option<String>,
}

impl Plan {
    /// The program's name as people know it (`claude`, or the configured path's file name).
    pub fn name(&self) -> String {
        Path::new(&self.argv[0])
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.argv[0].clone())
    }

    /// The command as one line for a POSIX shell (for people; revisit never runs it so).
    pub fn shell_line(&self) -> String {
        let mut words: Vec<String> = self
            .env
            .iter()
            .map(|(k, v)| format!("{k}={}", shell_quote(v)))
            .collect();
        words.extend(self.argv.iter().map(|a| shell_quote(a)));
        format!(
            "cd {} && {}",
            shell_quote(&self.cwd.to_string_lossy()),
            words.join(" ")
        )
    }

    /// The command to run: the program found, its arguments, the directory and variables.
    pub fn command(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(&self.program);
        cmd.args(&self.argv[1..])
            .current_dir(&self.cwd)
            .envs(&self.env);
        cmd
    }
}

/// Why a session is not handed to its agent. Every one is a sentence for the status line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Refusal {
    /// Nothing can be run for this session (the text says why).
    #[error("{0}")]
    Cannot(String),
    #[error("{program} is not installed or not on PATH{configured}")]
    NotInstalled {
        program: String,
        /// ` (program = "…" in config.toml)` when it was configured.
        configured: String,
    },
    /// The directory the agent must run in is gone; `elsewhere` runs from revisit's own
    /// directory when the agent can do that.
    #[error("{}", gone_text(.dir, *.agent, .elsewhere.as_deref()))]
    DirectoryGone {
        dir: String,
        agent: Agent,
        elsewhere: Option<Box<Plan>>,
    },
    /// A live process holds the session.
    #[error("{0}")]
    InUse(String),
    /// profclaw's CLI is not installed: the conversation lives on its server.
    #[error("profclaw is not installed or not on PATH: the conversation is on its server, {url}")]
    OnServer { url: String },
}

fn gone_text(dir: &str, agent: Agent, elsewhere: Option<&Plan>) -> String {
    match elsewhere {
        Some(p) => format!(
            "the session's directory {dir} no longer exists (moved?): {} can resume it from {} instead",
            agent.display_name(),
            p.cwd.display()
        ),
        None => format!(
            "the session's directory {dir} no longer exists (moved?): {} resumes sessions only there",
            agent.display_name()
        ),
    }
}

/// What the checks ask of this machine (a trait, so that tests can answer).
pub trait System {
    /// A program by name (on `PATH`) or path; `None` when there is no such executable.
    fn find_program(&self, program: &str) -> Option<PathBuf>;
    fn is_dir(&self, path: &Path) -> bool;
    /// revisit's own working directory.
    fn current_dir(&self) -> PathBuf;
    /// The program's `--help` output (agsh: which flag takes a session id).
    fn help_text(&self, program: &Path) -> Option<String>;
    /// A value from config.toml with a leading `~/` made the home directory.
    fn expand_home(&self, value: &str) -> String {
        value.to_string()
    }
}

/// The real machine, with `PATH` from `env`.
pub struct RealSystem<'a> {
    pub env: &'a Env,
}

impl System for RealSystem<'_> {
    fn find_program(&self, program: &str) -> Option<PathBuf> {
        find_program(program, self.env)
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn current_dir(&self) -> PathBuf {
        std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"))
    }

    fn help_text(&self, program: &Path) -> Option<String> {
        help_text(program)
    }

    fn expand_home(&self, value: &str) -> String {
        self.env.expand(value).to_string_lossy().into_owned()
    }
}

/// The sessions' agents, the config and the environment: everything a plan needs.
pub struct Resumer {
    pub registry: Arc<Registry>,
    pub config: Config,
    pub env: Env,
}

impl Resumer {
    pub fn plan(&self, session: &Session, kind: Kind) -> Result<Plan, Refusal> {
        plan(
            session,
            kind,
            &self.registry,
            &self.config,
            &RealSystem { env: &self.env },
        )
    }
}

/// Check everything and build the command: the agent can resume this session, nothing holds
/// it, the program is installed, the directory exists.
pub fn plan(
    session: &Session,
    kind: Kind,
    registry: &Registry,
    config: &Config,
    sys: &dyn System,
) -> Result<Plan, Refusal> {
    let agent = session.agent;
    let name = agent.display_name();
    let source = registry
        .source(agent)
        .ok_or_else(|| Refusal::Cannot(format!("{name} is turned off in config.toml")))?;
    let from_copy = kind == Kind::Resume
        && (session.extra.archive_only
            || crate::keep::archive::is_archived_path(&registry.env, Path::new(&session.source)));
    let target = if from_copy {
        // the agent deleted its files: only revisit's archived copy is left
        crate::keep::archive::resume_from_copy(session).ok_or_else(|| {
            Refusal::Cannot(format!(
                "{name} deleted this session's files, and cannot load it from revisit's \
                 archived copy (Pi and Claude Code can): read it here"
            ))
        })?
    } else {
        match kind {
            Kind::Resume => source.resume(session),
            Kind::Continue => source.continue_latest(session),
        }
        .ok_or_else(|| Refusal::Cannot(why_not(session, kind)))?
    };
    if kind == Kind::Resume
        && !from_copy
        && let Some(why) = source.in_use(session)
    {
        return Err(Refusal::InUse(why));
    }
    let cfg = config.agent(agent);
    let needs_dir = target.cwd.is_some();
    let plan = finish(session, kind, target, &cfg, sys)?;
    let wanted = plan.cwd.clone();
    if !needs_dir || sys.is_dir(&wanted) {
        return Ok(plan);
    }
    let elsewhere = match kind {
        Kind::Resume => source
            .resume_elsewhere(session)
            .and_then(|t| finish(session, kind, t, &cfg, sys).ok())
            .map(|mut p| {
                p.note = Some(format!(
                    "from {}, since {} is gone",
                    p.cwd.display(),
                    wanted.display()
                ));
                Box::new(p)
            }),
        Kind::Continue => None,
    };
    Err(Refusal::DirectoryGone {
        dir: wanted.display().to_string(),
        agent,
        elsewhere,
    })
}

/// The adapter's command with the configured program, arguments and variables; the program
/// found on this machine; the directory (revisit's own when the agent needs none).
fn finish(
    session: &Session,
    kind: Kind,
    target: ResumeTarget,
    cfg: &AgentConfig,
    sys: &dyn System,
) -> Result<Plan, Refusal> {
    let mut argv = target.argv;
    if argv.is_empty() {
        return Err(Refusal::Cannot("no command".into()));
    }
    let wanted = cfg
        .program
        .clone()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| argv[0].clone());
    let Some(program) = sys.find_program(&wanted) else {
        if session.agent == Agent::Profclaw {
            return Err(Refusal::OnServer {
                url: server_url(session, cfg),
            });
        }
        return Err(Refusal::NotInstalled {
            program: argv[0].clone(),
            configured: match &cfg.program {
                Some(p) if !p.trim().is_empty() => {
                    format!(" (program = \"{p}\" in config.toml)")
                }
                _ => String::new(),
            },
        });
    };
    argv[0] = wanted;
    if session.agent == Agent::Agsh && kind == Kind::Resume && argv.len() == 3 {
        argv[1] = agsh_flag(cfg, &program, sys);
    }
    argv.extend(cfg.args.iter().cloned());
    let cwd = match target.cwd {
        Some(d) => PathBuf::from(d),
        None => sys.current_dir(),
    };
    Ok(Plan {
        agent: session.agent,
        session: session.key.clone(),
        kind,
        argv,
        program,
        cwd,
        env: cfg
            .env
            .iter()
            .map(|(k, v)| (k.clone(), sys.expand_home(v)))
            .collect(),
        note: None,
    })
}

/// Why the adapter gave no command.
fn why_not(s: &Session, kind: Kind) -> String {
    let name = s.agent.display_name();
    match kind {
        Kind::Continue if matches!(s.agent, Agent::Agenix | Agent::Profclaw) => {
            format!("{name} has no continue flag: r resumes this session")
        }
        Kind::Continue => {
            format!(
                "{name} continues the latest session of a directory, and this session's is not known"
            )
        }
        Kind::Resume if s.cwd.is_none() && matches!(s.agent, Agent::Gemini | Agent::Agenix) => {
            format!(
                "{name} resumes a session only in its project's directory, and this session's is not known"
            )
        }
        Kind::Resume => format!(
            "this {name} session cannot be resumed: its id {} is not one {name} takes",
            crate::sanitize::truncate_chars(&crate::sanitize::one_line(&s.id), 40)
        ),
    }
}

/// Where a profclaw conversation is, for when its CLI is not installed.
fn server_url(s: &Session, cfg: &AgentConfig) -> String {
    let base = if s.source.starts_with("http://") || s.source.starts_with("https://") {
        s.source.clone()
    } else {
        cfg.url
            .clone()
            .unwrap_or_else(|| "http://127.0.0.1:3000".into())
    };
    format!(
        "{}/api/chat/conversations/{}",
        base.trim_end_matches('/'),
        s.id
    )
}

/// The flag agsh takes a session id with: the configured one, else what the installed
/// program's `--help` shows, else `-c` (agsh 0.11, checked against the real program).
fn agsh_flag(cfg: &AgentConfig, program: &Path, sys: &dyn System) -> String {
    if let Some(f) = cfg.resume_flag.as_deref().filter(|f| valid_flag(f)) {
        return f.to_string();
    }
    sys.help_text(program)
        .and_then(|h| agsh_flag_from_help(&h))
        .unwrap_or(crate::sources::agsh::RESUME_FLAG)
        .to_string()
}

/// A flag as `resume_flag` may give it: `-c`, `-s`, `--session`.
pub fn valid_flag(f: &str) -> bool {
    f.starts_with('-')
        && f.len() > 1
        && f.len() <= 40
        && f.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// agsh 0.11 prints `-c, --continue [<SESSION_ID>]`; the older documentation has
/// `-s, --session <UUID>`.
pub fn agsh_flag_from_help(help: &str) -> Option<&'static str> {
    let has = |prefix: &str| help.lines().any(|l| l.trim_start().starts_with(prefix));
    if has("-s, --session") {
        Some("-s")
    } else if has("-c, --continue") {
        Some("-c")
    } else {
        None
    }
}

/// A program on `PATH` (a name) or at a path (`~/` expands): an executable file.
pub fn find_program(program: &str, env: &Env) -> Option<PathBuf> {
    if program.contains('/') || program.contains(std::path::MAIN_SEPARATOR) {
        let p = env.expand(program);
        return is_executable(&p).then_some(p);
    }
    if program.is_empty() || program.starts_with('-') {
        return None;
    }
    let path = env.var("PATH")?;
    std::env::split_paths(path)
        .filter(|d| d.is_absolute())
        .map(|d| d.join(program))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    let Ok(md) = std::fs::metadata(p) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        md.is_file() && md.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        md.is_file()
    }
}

/// `program --help`, read once per program for the life of the process; at most 2 s.
fn help_text(program: &Path) -> Option<String> {
    static SEEN: Mutex<Option<HashMap<PathBuf, Option<String>>>> = Mutex::new(None);
    if let Some(h) = SEEN
        .lock()
        .ok()
        .and_then(|m| m.as_ref().and_then(|m| m.get(program).cloned()))
    {
        return h;
    }
    let text = run_help(program);
    if let Ok(mut m) = SEEN.lock() {
        m.get_or_insert_with(HashMap::new)
            .insert(program.to_path_buf(), text.clone());
    }
    text
}

fn run_help(program: &Path) -> Option<String> {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(program)
        .arg("--help")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut out = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out.by_ref().take(1 << 20).read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
        }
    }
    let buf = reader.join().ok()?;
    Some(String::from_utf8_lossy(&buf).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_session;
    use std::collections::HashSet;

    /// A machine where some programs are installed and some directories exist.
    #[derive(Default)]
    struct Fake {
        programs: HashSet<String>,
        dirs: HashSet<PathBuf>,
        help: Option<String>,
    }

    impl Fake {
        fn with(programs: &[&str], dirs: &[&str]) -> Fake {
            Fake {
                programs: programs.iter().map(|p| p.to_string()).collect(),
                dirs: dirs.iter().map(PathBuf::from).collect(),
                help: None,
            }
        }
    }

    impl System for Fake {
        fn find_program(&self, program: &str) -> Option<PathBuf> {
            self.programs.contains(program).then(|| {
                if program.starts_with('/') {
                    PathBuf::from(program)
                } else {
                    PathBuf::from("/usr/bin").join(program)
                }
            })
        }
        fn is_dir(&self, path: &Path) -> bool {
            self.dirs.contains(path)
        }
        fn current_dir(&self) -> PathBuf {
            PathBuf::from("/here")
        }
        fn help_text(&self, _: &Path) -> Option<String> {
            self.help.clone()
        }
        fn expand_home(&self, value: &str) -> String {
            match value.strip_prefix("~/") {
                Some(rest) => format!("/h/{rest}"),
                None => value.to_string(),
            }
        }
    }

    fn registry() -> Registry {
        Registry::new(Env::with_home("/nonexistent-home", &[]), Config::default())
    }

    fn session(agent: Agent, id: &str, cwd: Option<&str>, source: &str) -> Session {
        let mut s = test_session(1);
        s.agent = agent;
        s.id = id.into();
        s.key = format!("{}:{id}", agent.as_str());
        s.cwd = cwd.map(str::to_string);
        s.source = source.into();
        s
    }

    const CLAUDE_ID: &str = "33cb1066-eda7-4c55-aadc-f51011b35e16";
    const CLAUDE_FILE: &str =
        "/h/.claude/projects/-home-dev-proj/33cb1066-eda7-4c55-aadc-f51011b35e16.jsonl";

    fn ok(s: &Session, kind: Kind, sys: &Fake) -> Plan {
        plan(s, kind, &registry(), &Config::default(), sys).unwrap()
    }

    #[test]
    fn every_agents_command_and_directory() {
        let all = [
            "claude", "codex", "gemini", "opencode", "pi", "agsh", "agenix", "profclaw",
        ];
        let sys = Fake::with(&all, &["/p"]);
        let pi_file = "/h/.pi/agent/sessions/--p--/2026-11-24T02-58-40-923Z_01a20b7d-c29a-7574-b495-57188a60804e.jsonl";
        let cases: Vec<(Session, Vec<&str>, &str)> = vec![
            (
                session(Agent::Claude, CLAUDE_ID, Some("/p"), CLAUDE_FILE),
                vec!["claude", "--resume", CLAUDE_ID],
                "/p",
            ),
            (
                session(
                    Agent::Codex,
                    "01a20b6f-370c-7af1-b21b-8d555bb861f6",
                    Some("/p"),
                    "/h/.codex/sessions/x.jsonl",
                ),
                vec![
                    "codex",
                    "resume",
                    "01a20b6f-370c-7af1-b21b-8d555bb861f6",
                    "-C",
                    "/p",
                ],
                "/p",
            ),
            (
                session(
                    Agent::Gemini,
                    "515059ce-c71b-48be-8a62-c75b31c77d82",
                    Some("/p"),
                    "/h/.gemini/tmp/x/chats/s.jsonl",
                ),
                vec!["gemini", "--resume", "515059ce-c71b-48be-8a62-c75b31c77d82"],
                "/p",
            ),
            (
                session(
                    Agent::Opencode,
                    "ses_df481ffbdffepzwY3fXPVDRaOm",
                    Some("/p"),
                    "/h/.local/share/opencode/opencode.db",
                ),
                vec![
                    "opencode",
                    "/p",
                    "--session",
                    "ses_df481ffbdffepzwY3fXPVDRaOm",
                ],
                "/p",
            ),
            (
                session(Agent::Pi, "01a20b7d", Some("/p"), pi_file),
                vec!["pi", "--session", pi_file],
                "/p",
            ),
            (
                session(
                    Agent::Agsh,
                    "bfad2da8-98bd-4e8e-bc68-00473c0d696f",
                    Some("/p"),
                    "/nonexistent/sessions.db",
                ),
                vec!["agsh", "-c", "bfad2da8-98bd-4e8e-bc68-00473c0d696f"],
                "/p",
            ),
            (
                session(
                    Agent::Agenix,
                    "20261124_023207",
                    Some("/p"),
                    "/p/.agenix/20261124_023207.jsonl",
                ),
                vec!["agenix", "--session", "20261124_023207"],
                "/p",
            ),
            (
                session(
                    Agent::Profclaw,
                    "0d5c8a8e-1111-4222-8333-444455556666",
                    None,
                    "/srv/profclaw/data/profclaw.db",
                ),
                vec![
                    "profclaw",
                    "chat",
                    "-s",
                    "0d5c8a8e-1111-4222-8333-444455556666",
                ],
                // no directory applies: revisit's own
                "/here",
            ),
        ];
        for (s, argv, cwd) in cases {
            let p = ok(&s, Kind::Resume, &sys);
            assert_eq!(p.argv, argv, "{:?}", s.agent);
            assert_eq!(p.cwd, PathBuf::from(cwd), "{:?}", s.agent);
            assert_eq!(p.program, PathBuf::from("/usr/bin").join(argv[0]));
            assert_eq!(p.session, s.key);
            assert_eq!(p.note, None);
        }
    }

    #[test]
    fn continue_latest_uses_each_agents_own_flag_in_the_sessions_directory() {
        let all = ["claude", "codex", "gemini", "opencode", "pi", "agsh"];
        let sys = Fake::with(&all, &["/p"]);
        let cases = [
            (Agent::Claude, vec!["claude", "--continue"]),
            (Agent::Codex, vec!["codex", "resume", "--last", "-C", "/p"]),
            (Agent::Gemini, vec!["gemini", "--resume", "latest"]),
            (Agent::Opencode, vec!["opencode", "/p", "--continue"]),
            (Agent::Pi, vec!["pi", "--continue"]),
            (Agent::Agsh, vec!["agsh", "-c"]),
        ];
        for (agent, argv) in cases {
            let s = session(agent, "abc", Some("/p"), "/x/abc.jsonl");
            let p = ok(&s, Kind::Continue, &sys);
            assert_eq!(p.argv, argv, "{agent:?}");
            assert_eq!(p.cwd, PathBuf::from("/p"), "{agent:?}");
        }
        // no directory: nothing to continue in
        let s = session(Agent::Claude, "abc", None, "/x/abc.jsonl");
        let e = plan(&s, Kind::Continue, &registry(), &Config::default(), &sys).unwrap_err();
        assert!(e.to_string().contains("not known"), "{e}");
        // agents without a continue flag say so
        for agent in [Agent::Agenix, Agent::Profclaw] {
            let s = session(agent, "20261124_023207", Some("/p"), "/p/.agenix/x.jsonl");
            let e = plan(&s, Kind::Continue, &registry(), &Config::default(), &sys).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!(
                    "{} has no continue flag: r resumes this session",
                    agent.display_name()
                )
            );
        }
    }

    #[test]
    fn hostile_ids_and_paths_never_become_options_or_commands() {
        let all = [
            "claude", "codex", "gemini", "opencode", "pi", "agsh", "agenix", "profclaw",
        ];
        let sys = Fake::with(&all, &["/p"]);
        let bad_ids = [
            "--dangerously-skip-permissions",
            "-rf",
            "",
            "a b",
            "x;rm -rf ~",
            "$(reboot)",
            "../../etc/passwd",
            "a\nb",
            "\u{1b}]52;c;aGk=\u{7}",
        ];
        for agent in Agent::ALL {
            for id in bad_ids {
                let s = session(agent, id, Some("/p"), "/x/s.db");
                let r = plan(&s, Kind::Resume, &registry(), &Config::default(), &sys);
                assert!(r.is_err(), "{agent:?} {id:?}: {r:?}");
            }
        }
        // paths from a session file: relative, option-like or with control characters are
        // not a directory to run in
        for cwd in ["-rf", "relative/dir", "/p\n/q", "--help"] {
            let s = session(Agent::Codex, "0199aaaa-bbbb", Some(cwd), "/x/r.jsonl");
            let p = ok(&s, Kind::Resume, &sys);
            assert_eq!(p.argv, vec!["codex", "resume", "0199aaaa-bbbb"], "{cwd:?}");
            assert_eq!(p.cwd, PathBuf::from("/here"));
        }
        // a Pi file path that is not absolute, or hides a line break
        for src in ["rel/x.jsonl", "/x/a\nb.jsonl", "--session.jsonl"] {
            let s = session(Agent::Pi, "abc", Some("/p"), src);
            assert!(
                plan(&s, Kind::Resume, &registry(), &Config::default(), &sys).is_err(),
                "{src:?}"
            );
        }
        // a hostile session still gets an explanation, made inert for the status line
        let s = session(Agent::Claude, "\u{1b}[2J--x", Some("/p"), CLAUDE_FILE);
        let e = plan(&s, Kind::Resume, &registry(), &Config::default(), &sys).unwrap_err();
        assert!(!e.to_string().contains('\u{1b}'), "{e}");
    }

    #[test]
    fn a_missing_program_is_named_with_what_was_configured() {
        let sys = Fake::with(&[], &["/p"]);
        let s = session(Agent::Codex, "0199aaaa-bbbb", Some("/p"), "/x/r.jsonl");
        let e = plan(&s, Kind::Resume, &registry(), &Config::default(), &sys).unwrap_err();
        assert_eq!(e.to_string(), "codex is not installed or not on PATH");
        let mut cfg = Config::default();
        cfg.agents.insert(
            "codex".into(),
            AgentConfig {
                program: Some("/opt/codex/bin/codex".into()),
                ..AgentConfig::default()
            },
        );
        let e = plan(&s, Kind::Resume, &registry(), &cfg, &sys).unwrap_err();
        assert_eq!(
            e.to_string(),
            "codex is not installed or not on PATH (program = \"/opt/codex/bin/codex\" in config.toml)"
        );
        // profclaw: the conversation's address on its server instead
        let mut s = session(Agent::Profclaw, "c-1", None, "/srv/data/profclaw.db");
        let e = plan(&s, Kind::Resume, &registry(), &Config::default(), &sys).unwrap_err();
        assert_eq!(
            e,
            Refusal::OnServer {
                url: "http://127.0.0.1:3000/api/chat/conversations/c-1".into()
            }
        );
        s.source = "http://10.0.0.5:3000/".into();
        let e = plan(&s, Kind::Resume, &registry(), &Config::default(), &sys).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("http://10.0.0.5:3000/api/chat/conversations/c-1"),
            "{e}"
        );
    }

    #[test]
    fn configured_program_arguments_and_variables_are_used() {
        let sys = Fake::with(&["/opt/claude"], &["/p"]);
        let mut cfg = Config::default();
        cfg.agents.insert(
            "claude".into(),
            AgentConfig {
                program: Some("/opt/claude".into()),
                args: vec!["--permission-mode".into(), "plan".into()],
                env: [
                    ("CLAUDE_CONFIG_DIR".to_string(), "/cfg dir".to_string()),
                    ("CLAUDE_HOME".to_string(), "~/.claude-2".to_string()),
                ]
                .into(),
                ..AgentConfig::default()
            },
        );
        let s = session(Agent::Claude, CLAUDE_ID, Some("/p"), CLAUDE_FILE);
        let p = plan(&s, Kind::Resume, &registry(), &cfg, &sys).unwrap();
        assert_eq!(
            p.argv,
            vec![
                "/opt/claude",
                "--resume",
                CLAUDE_ID,
                "--permission-mode",
                "plan"
            ]
        );
        assert_eq!(p.program, PathBuf::from("/opt/claude"));
        assert_eq!(p.name(), "claude");
        assert_eq!(
            p.shell_line(),
            format!(
                "cd /p && CLAUDE_CONFIG_DIR='/cfg dir' CLAUDE_HOME=/h/.claude-2 /opt/claude --resume {CLAUDE_ID} --permission-mode plan"
            )
        );
        let cmd = p.command();
        assert_eq!(cmd.get_program(), "/opt/claude");
        assert_eq!(cmd.get_current_dir(), Some(Path::new("/p")));
        assert_eq!(cmd.get_args().count(), 4);
    }

    #[test]
    fn a_gone_directory_offers_what_works_from_elsewhere() {
        let all = ["claude", "codex", "gemini", "agsh"];
        let sys = Fake::with(&all, &[]);
        // Claude: by the file's absolute path, from revisit's directory
        let s = session(Agent::Claude, CLAUDE_ID, Some("/gone"), CLAUDE_FILE);
        let e = plan(&s, Kind::Resume, &registry(), &Config::default(), &sys).unwrap_err();
        let Refusal::DirectoryGone {
            dir,
            elsewhere: Some(alt),
            ..
        } = &e
        else {
            panic!("{e:?}");
        };
        assert_eq!(dir, "/gone");
        assert_eq!(alt.argv, vec!["claude", "--resume", CLAUDE_FILE]);
        assert_eq!(alt.cwd, PathBuf::from("/here"));
        assert!(alt.note.as_deref().unwrap().contains("/gone"));
        assert_eq!(
            e.to_string(),
            "the session's directory /gone no longer exists (moved?): Claude Code can resume it from /here instead"
        );
        // Codex and agsh: the same id from here
        let s = session(Agent::Codex, "0199aaaa-bbbb", Some("/gone"), "/x/r.jsonl");
        let Err(Refusal::DirectoryGone {
            elsewhere: Some(alt),
            ..
        }) = plan(&s, Kind::Resume, &registry(), &Config::default(), &sys)
        else {
            panic!()
        };
        assert_eq!(alt.argv, vec!["codex", "resume", "0199aaaa-bbbb"]);
        let s = session(Agent::Agsh, "bfad2da8", Some("/gone"), "/nonexistent.db");
        let Err(Refusal::DirectoryGone {
            elsewhere: Some(alt),
            ..
        }) = plan(&s, Kind::Resume, &registry(), &Config::default(), &sys)
        else {
            panic!()
        };
        assert_eq!(alt.argv, vec!["agsh", "-c", "bfad2da8"]);
        assert_eq!(alt.cwd, PathBuf::from("/here"));
        // Gemini only works in the project root: no offer
        let s = session(Agent::Gemini, "515059ce", Some("/gone"), "/x/s.jsonl");
        let e = plan(&s, Kind::Resume, &registry(), &Config::default(), &sys).unwrap_err();
        assert!(
            matches!(
                &e,
                Refusal::DirectoryGone {
                    elsewhere: None,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .ends_with("Gemini CLI resumes sessions only there"),
            "{e}"
        );
        // continuing has no other place either
        let s = session(Agent::Claude, CLAUDE_ID, Some("/gone"), CLAUDE_FILE);
        let e = plan(&s, Kind::Continue, &registry(), &Config::default(), &sys).unwrap_err();
        assert!(matches!(
            e,
            Refusal::DirectoryGone {
                elsewhere: None,
                ..
            }
        ));
    }

    #[test]
    fn a_claude_session_without_a_directory_resumes_by_its_file() {
        let sys = Fake::with(&["claude"], &[]);
        let s = session(Agent::Claude, CLAUDE_ID, None, CLAUDE_FILE);
        let p = ok(&s, Kind::Resume, &sys);
        assert_eq!(p.argv, vec!["claude", "--resume", CLAUDE_FILE]);
        assert_eq!(p.cwd, PathBuf::from("/here"));
    }

    #[test]
    fn agsh_takes_its_flag_from_config_or_its_help() {
        let mut sys = Fake::with(&["agsh"], &["/p"]);
        let s = session(Agent::Agsh, "bfad2da8", Some("/p"), "/nonexistent.db");
        // 0.11's help
        sys.help = Some("Usage: agsh [OPTIONS]\n  -c, --continue [<SESSION_ID>]  Resume\n".into());
        assert_eq!(ok(&s, Kind::Resume, &sys).argv[1], "-c");
        // the older documentation's flag
        sys.help =
            Some("Options:\n  -s, --session <UUID>  Resume a session\n  -c, --continue\n".into());
        assert_eq!(ok(&s, Kind::Resume, &sys).argv[1], "-s");
        // continue is -c either way
        assert_eq!(ok(&s, Kind::Continue, &sys).argv, vec!["agsh", "-c"]);
        // nothing to go by: 0.11's
        sys.help = None;
        assert_eq!(ok(&s, Kind::Resume, &sys).argv[1], "-c");
        // config wins; a value that is not a flag is not used
        let mut cfg = Config::default();
        cfg.agents.insert(
            "agsh".into(),
            AgentConfig {
                resume_flag: Some("-r".into()),
                ..AgentConfig::default()
            },
        );
        let p = plan(&s, Kind::Resume, &registry(), &cfg, &sys).unwrap();
        assert_eq!(p.argv, vec!["agsh", "-r", "bfad2da8"]);
        cfg.agents.get_mut("agsh").unwrap().resume_flag = Some("rm -rf".into());
        let p = plan(&s, Kind::Resume, &registry(), &cfg, &sys).unwrap();
        assert_eq!(p.argv[1], "-c");
    }

    #[test]
    fn a_live_agsh_lock_refuses_and_a_stale_one_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("sessions.db");
        let conn = rusqlite::Connection::open(&db).unwrap();
        let me = std::process::id();
        conn.execute_batch(&format!(
            "CREATE TABLE sessions (id TEXT PRIMARY KEY, locked_by TEXT);
             INSERT INTO sessions VALUES ('aaaa-live', '{me}'), ('bbbb-stale', '4194303'),
                                         ('cccc-free', NULL);"
        ))
        .unwrap();
        drop(conn);
        let sys = Fake::with(&["agsh"], &["/p"]);
        let src = db.display().to_string();
        let e = plan(
            &session(Agent::Agsh, "aaaa-live", Some("/p"), &src),
            Kind::Resume,
            &registry(),
            &Config::default(),
            &sys,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("agsh session is in use by a running agsh (PID {me}): quit that agsh first")
        );
        for id in ["bbbb-stale", "cccc-free"] {
            ok(
                &session(Agent::Agsh, id, Some("/p"), &src),
                Kind::Resume,
                &sys,
            );
        }
        // continuing is not refused: agsh itself picks the session
        ok(
            &session(Agent::Agsh, "aaaa-live", Some("/p"), &src),
            Kind::Continue,
            &sys,
        );
    }

    #[test]
    fn programs_are_found_on_path_or_by_path() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let exe = bin.join("codex");
        std::fs::write(&exe, "#!/bin/sh\n").unwrap();
        let plain = bin.join("notes");
        std::fs::write(&plain, "x").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
            std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let path = format!("relative/bin:{}", bin.display());
        let env = Env::with_home(dir.path(), &[("PATH", path.as_str())]);
        assert_eq!(find_program("codex", &env), Some(exe.clone()));
        assert_eq!(find_program(&exe.display().to_string(), &env), Some(exe));
        assert_eq!(find_program("~/bin/codex", &env), Some(bin.join("codex")));
        #[cfg(unix)]
        assert_eq!(find_program("notes", &env), None, "not executable");
        assert_eq!(find_program("claude", &env), None);
        assert_eq!(find_program("-x", &env), None);
        assert_eq!(find_program("", &env), None);
    }

    #[cfg(unix)]
    #[test]
    fn help_is_read_once_and_a_hanging_program_is_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        let prog = dir.path().join("agsh");
        let count = dir.path().join("count");
        std::fs::write(
            &prog,
            format!(
                "#!/bin/sh\necho x >> '{}'\necho '  -s, --session <UUID>'\n",
                count.display()
            ),
        )
        .unwrap();
        let slow = dir.path().join("slow");
        std::fs::write(&slow, "#!/bin/sh\necho '  -c, --continue'\nexec sleep 30\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        for p in [&prog, &slow] {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        for _ in 0..3 {
            let h = help_text(&prog).unwrap();
            assert_eq!(agsh_flag_from_help(&h), Some("-s"));
        }
        assert_eq!(std::fs::read_to_string(&count).unwrap().lines().count(), 1);
        // a program that never exits is killed; what it printed still counts
        let h = help_text(&slow).unwrap();
        assert_eq!(agsh_flag_from_help(&h), Some("-c"));
    }
}
