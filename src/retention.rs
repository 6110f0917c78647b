//! The retention guard: when the agents' own settings will delete a session.
//!
//! Three of the eight agents delete sessions by themselves, each when it starts:
//! - **Claude Code**: `cleanupPeriodDays` (default 30) in `settings.json` of its config folder
//!   (`~/.claude`, or `$CLAUDE_CONFIG_DIR`), overridden by the managed settings
//!   (`/etc/claude-code/managed-settings.json` and `managed-settings.d/*.json` on Linux). A
//!   transcript whose file was last written more than that many days ago is deleted. `0` is
//!   rejected since Claude Code 2.1.89, and a settings file with an invalid value is skipped
//!   whole: the default applies.
//! - **Gemini CLI**: `general.sessionRetention` `{enabled, maxAge, maxCount, minRetention}`,
//!   on by default since early 2026 (`enabled: true`, `maxAge: "30d"`), from the system
//!   defaults, the user's `settings.json` (in `$GEMINI_CLI_HOME/.gemini` or `~/.gemini`) and the
//!   system settings (which win). It cleans only the project it starts in: sessions whose
//!   `lastUpdated` is older than `maxAge`, and all but the newest `maxCount`. Values it cannot
//!   use (a `maxAge` it cannot parse or below `minRetention`, a `maxCount` below 1) turn the
//!   cleanup off.
//! - **agsh**: `[session] retention_days` (default 90) in its `config.toml`, by `updated_at`
//!   (and a total size cap, `max_storage_bytes`, that revisit does not predict).
//!
//! Codex CLI, OpenCode, Pi, Agenix and profclaw delete nothing by themselves.
//!
//! Settings are only read, never written. A file that cannot be parsed or a value of the wrong
//! shape is a warning (shown by `revisit doctor`), and the agent's default is used in its place.
//! The date is computed from the session's `updated_at`. A session the agent would already have
//! deleted (the date is past, or it is beyond Gemini's `maxCount`) is "due at the agent's next
//! start": past dates stay as computed, and a session beyond `maxCount` gets the time the
//! settings were read.

use crate::config::Env;
use crate::model::{Agent, Session};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

/// A session the agent deletes within this many days is "expiring" (`is:expiring`).
pub const EXPIRING_DAYS: i64 = 7;

/// Claude Code's `cleanupPeriodDays` when unset.
pub const CLAUDE_DEFAULT_DAYS: i64 = 30;
/// Gemini CLI's `sessionRetention.maxAge` when unset.
pub const GEMINI_DEFAULT_MAX_AGE: &str = "30d";
/// Gemini CLI's `sessionRetention.minRetention` when unset.
pub const GEMINI_DEFAULT_MIN_RETENTION: &str = "1d";
/// agsh's `[session] retention_days` when unset.
pub const AGSH_DEFAULT_DAYS: i64 = 90;

/// How long a listing of a Gemini `chats` folder (for `maxCount`) is reused.
const LISTING_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// Whether a settings file was there and could be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileState {
    Read,
    Missing,
    /// There, but not parseable (or not readable): ignored.
    Invalid,
}

/// A settings file looked at, in order of precedence (the last one read wins).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SettingsFile {
    pub path: PathBuf,
    pub state: FileState,
}

/// A value that decides the policy, and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setting {
    /// The key as the agent spells it (`cleanupPeriodDays`, `sessionRetention.maxAge`, …).
    pub key: String,
    /// The value as written (or the agent's default).
    pub value: serde_json::Value,
    /// The file that sets it; `None`: the agent's default.
    pub file: Option<PathBuf>,
}

/// One agent's retention for the sessions under one folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub agent: Agent,
    /// The agent's folder this policy covers (a Claude config folder, a `.gemini` folder);
    /// `None`: every session of the agent. Sessions found outside every folder of the agent
    /// follow its first policy.
    pub dir: Option<PathBuf>,
    /// Sessions are deleted this long after their last activity (`None`: not by age).
    pub max_age: Option<Duration>,
    /// Only the newest this many sessions of a project are kept (Gemini's `maxCount`).
    pub max_count: Option<u64>,
    /// The settings behind `max_age` and `max_count` (and `enabled`), with their files.
    pub settings: Vec<Setting>,
    /// Every settings file looked at, lowest precedence first.
    pub files: Vec<SettingsFile>,
    /// Files that could not be used and values that were ignored.
    pub warnings: Vec<String>,
}

impl Policy {
    /// Does the agent delete anything under this policy?
    pub fn deletes(&self) -> bool {
        self.max_age.is_some() || self.max_count.is_some()
    }

    fn setting(&self, key: &str) -> Option<&Setting> {
        self.settings.iter().find(|s| s.key == key)
    }
}

/// What `doctor` shows of one policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyReport {
    /// The folder whose sessions it covers (`null`: all of the agent's).
    pub dir: Option<String>,
    pub deletes: bool,
    /// The policy in words.
    pub policy: String,
    pub max_age_days: Option<f64>,
    pub max_count: Option<u64>,
    pub settings: Vec<Setting>,
    pub files: Vec<SettingsFile>,
    pub warnings: Vec<String>,
}

/// Where the machine-wide settings live (the real ones by default; fixtures in tests).
#[derive(Debug, Clone, Default)]
pub struct SystemPaths {
    /// Claude Code's managed settings folder (holds `managed-settings.json` and
    /// `managed-settings.d/`).
    pub claude_managed: Option<PathBuf>,
    /// Gemini CLI's system settings file (`$GEMINI_CLI_SYSTEM_SETTINGS_PATH`).
    pub gemini_system: Option<PathBuf>,
    /// Gemini CLI's system defaults file (`$GEMINI_CLI_SYSTEM_DEFAULTS_PATH`).
    pub gemini_defaults: Option<PathBuf>,
}

impl SystemPaths {
    /// The paths the agents use on this platform, with their environment overrides.
    pub fn of(env: &Env) -> SystemPaths {
        let claude_managed = if cfg!(target_os = "macos") {
            Some(PathBuf::from("/Library/Application Support/ClaudeCode"))
        } else if cfg!(windows) {
            Some(PathBuf::from(r"C:\Program Files\ClaudeCode"))
        } else {
            Some(PathBuf::from("/etc/claude-code"))
        };
        let gemini_system = env
            .var("GEMINI_CLI_SYSTEM_SETTINGS_PATH")
            .map(PathBuf::from)
            .or_else(|| {
                Some(PathBuf::from(if cfg!(target_os = "macos") {
                    "/Library/Application Support/GeminiCli/settings.json"
                } else if cfg!(windows) {
                    r"C:\ProgramData\gemini-cli\settings.json"
                } else {
                    "/etc/gemini-cli/settings.json"
                }))
            });
        let gemini_defaults = env
            .var("GEMINI_CLI_SYSTEM_DEFAULTS_PATH")
            .map(PathBuf::from)
            .or_else(|| {
                gemini_system
                    .as_ref()
                    .and_then(|p| p.parent())
                    .map(|d| d.join("system-defaults.json"))
            });
        SystemPaths {
            claude_managed,
            gemini_system,
            gemini_defaults,
        }
    }
}

/// A listing of one Gemini `chats` folder: session file names, newest first.
type Listing = Arc<Vec<std::ffi::OsString>>;

/// The agents' retention settings, read once.
#[derive(Debug)]
pub struct Retention {
    pub policies: Vec<Policy>,
    /// When the settings were read: what "due at the next start" is dated.
    now: DateTime<Utc>,
    home: Option<PathBuf>,
    listings: Mutex<HashMap<PathBuf, (Instant, Listing)>>,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            policies: Vec::new(),
            now: Utc::now(),
            home: None,
            listings: Mutex::new(HashMap::new()),
        }
    }
}

impl Retention {
    /// Read the agents' settings for this environment (and the machine's managed settings).
    pub fn load(env: &Env) -> Retention {
        Retention::load_with(env, &SystemPaths::of(env), Utc::now())
    }

    /// Read the settings, with the machine-wide files at `sys` and the clock at `now`.
    pub fn load_with(env: &Env, sys: &SystemPaths, now: DateTime<Utc>) -> Retention {
        let mut policies = Vec::new();
        let managed = sys
            .claude_managed
            .as_deref()
            .map(claude_managed)
            .unwrap_or_default();
        for dir in claude_dirs(env) {
            policies.push(claude_policy(dir, &managed));
        }
        for dir in gemini_dirs(env) {
            policies.push(gemini_policy(dir, sys));
        }
        policies.push(agsh_policy(env));
        Retention {
            policies,
            now,
            home: env.home().map(Path::to_path_buf),
            listings: Mutex::new(HashMap::new()),
        }
    }

    /// The policy that covers a session: the one of its agent whose folder holds the session's
    /// file, else the agent's first.
    pub fn policy_for(&self, s: &Session) -> Option<&Policy> {
        let source = Path::new(&s.source);
        let mine = || self.policies.iter().filter(|p| p.agent == s.agent);
        mine()
            .find(|p| p.dir.as_deref().is_some_and(|d| source.starts_with(d)))
            .or_else(|| mine().next())
    }

    /// The policies of one agent.
    pub fn of(&self, agent: Agent) -> impl Iterator<Item = &Policy> {
        self.policies.iter().filter(move |p| p.agent == agent)
    }

    /// When the agent will delete the session (`None`: never, or not known).
    pub fn expires_at(&self, s: &Session) -> Option<DateTime<Utc>> {
        self.expiry(s).map(|(t, _)| t)
    }

    /// When the agent will delete the session, and the setting that decides it in words
    /// (`cleanupPeriodDays = 30 in ~/.claude/settings.json`).
    pub fn expiry(&self, s: &Session) -> Option<(DateTime<Utc>, String)> {
        if s.extra.archive_only {
            return None; // only revisit's own copy is left: no agent deletes it
        }
        let p = self.policy_for(s)?;
        let by_age = p.max_age.and_then(|age| {
            let last = s.updated_at.or(s.started_at)?;
            let at = last.checked_add_signed(age)?;
            let key = match p.agent {
                Agent::Claude => "cleanupPeriodDays",
                Agent::Gemini => "sessionRetention.maxAge",
                _ => "session.retention_days",
            };
            Some((at, self.rule(p, key)))
        });
        let by_count = p.max_count.and_then(|keep| {
            (p.agent == Agent::Gemini && self.beyond_newest(Path::new(&s.source), keep))
                .then(|| (self.now, self.rule(p, "sessionRetention.maxCount")))
        });
        match (by_age, by_count) {
            (Some(a), Some(c)) => Some(if c.0 < a.0 { c } else { a }),
            (a, c) => a.or(c),
        }
    }

    /// What `doctor` shows for one agent: its policies, or one entry saying it deletes nothing.
    pub fn report(&self, agent: Agent) -> Vec<PolicyReport> {
        let out: Vec<PolicyReport> = self
            .of(agent)
            .map(|p| PolicyReport {
                dir: p.dir.as_deref().map(|d| d.display().to_string()),
                deletes: p.deletes(),
                policy: self.describe(p),
                max_age_days: p
                    .max_age
                    .map(|d| (d.num_seconds() as f64 / 86_400.0 * 1000.0).round() / 1000.0),
                max_count: p.max_count,
                settings: p.settings.clone(),
                files: p.files.clone(),
                warnings: p.warnings.clone(),
            })
            .collect();
        if !out.is_empty() {
            return out;
        }
        vec![PolicyReport {
            dir: None,
            deletes: false,
            policy: format!("{} never deletes sessions by itself", agent.display_name()),
            max_age_days: None,
            max_count: None,
            settings: Vec::new(),
            files: Vec::new(),
            warnings: Vec::new(),
        }]
    }

    /// A policy in words: what is deleted, when, and which settings say so.
    pub fn describe(&self, p: &Policy) -> String {
        let name = p.agent.display_name();
        if !p.deletes() {
            let why = p
                .setting("sessionRetention.enabled")
                .filter(|s| s.value == serde_json::Value::Bool(false))
                .map(|s| format!(" ({})", self.setting_text(s)))
                .unwrap_or_default();
            return format!("{name} deletes nothing{why}");
        }
        let mut parts = Vec::new();
        if let Some(age) = p.max_age {
            let key = match p.agent {
                Agent::Claude => "cleanupPeriodDays",
                Agent::Gemini => "sessionRetention.maxAge",
                _ => "session.retention_days",
            };
            parts.push(format!(
                "sessions {} after their last activity ({})",
                human_duration(age),
                self.rule(p, key)
            ));
        }
        if let Some(n) = p.max_count {
            parts.push(format!(
                "all but the newest {n} sessions of a project ({})",
                self.rule(p, "sessionRetention.maxCount")
            ));
        }
        let when = match p.agent {
            Agent::Gemini => "when it starts, in the project it starts in",
            _ => "when it starts",
        };
        let more = if p.agent == Agent::Agsh {
            "; it also deletes the oldest sessions when all messages pass \
             session.max_storage_bytes (50 MB by default), which revisit does not predict"
        } else {
            ""
        };
        format!("{name} deletes {}, {when}{more}", parts.join(", and "))
    }

    /// `key = value in file`, or `key = value (the default)`.
    fn rule(&self, p: &Policy, key: &str) -> String {
        match p.setting(key) {
            Some(s) => self.setting_text(s),
            None => key.to_string(),
        }
    }

    fn setting_text(&self, s: &Setting) -> String {
        match &s.file {
            Some(f) => format!("{} = {} in {}", s.key, s.value, self.tilde(f)),
            None => format!("{} = {}, the default", s.key, s.value),
        }
    }

    /// A path with the home folder written `~`.
    pub fn tilde(&self, p: &Path) -> String {
        if let Some(h) = &self.home
            && let Ok(rest) = p.strip_prefix(h)
        {
            return format!("~/{}", rest.display());
        }
        p.display().to_string()
    }

    /// Is a Gemini session file beyond the newest `keep` session files of its `chats` folder
    /// (by modification time, which Gemini CLI updates with `lastUpdated`)?
    fn beyond_newest(&self, file: &Path, keep: u64) -> bool {
        let (Some(dir), Some(name)) = (file.parent(), file.file_name()) else {
            return false;
        };
        // subagent sessions live in subfolders of `chats/` and are not counted
        if dir.file_name().is_none_or(|n| n != "chats") {
            return false;
        }
        let listing = {
            let Ok(mut cache) = self.listings.lock() else {
                return false;
            };
            match cache.get(dir) {
                Some((at, l)) if at.elapsed() < LISTING_TTL => l.clone(),
                _ => {
                    let l = Arc::new(list_chats(dir));
                    cache.insert(dir.to_path_buf(), (Instant::now(), l.clone()));
                    l
                }
            }
        };
        listing
            .iter()
            .position(|n| n == name)
            .is_some_and(|i| i as u64 >= keep)
    }
}

/// Session files of a Gemini `chats` folder (`session-*.json`/`.jsonl`), newest first.
fn list_chats(dir: &Path) -> Vec<std::ffi::OsString> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(SystemTime, std::ffi::OsString)> = rd
        .filter_map(Result::ok)
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.starts_with("session-") && (n.ends_with(".json") || n.ends_with(".jsonl"))
        })
        .filter_map(|e| {
            let md = e.metadata().ok()?;
            md.is_file().then(|| {
                (
                    md.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                    e.file_name(),
                )
            })
        })
        .collect();
    files.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(&a.1)));
    files.into_iter().map(|(_, n)| n).collect()
}

/// `30 days`, `1 day`, `12 hours`.
fn human_duration(d: Duration) -> String {
    let secs = d.num_seconds();
    if secs % 86_400 == 0 {
        let n = secs / 86_400;
        format!("{n} day{}", if n == 1 { "" } else { "s" })
    } else {
        let n = secs / 3600;
        format!("{n} hour{}", if n == 1 { "" } else { "s" })
    }
}

/// Is the session one the agent deletes within [`EXPIRING_DAYS`] days (or at its next start),
/// and revisit keeps no archived copy of it?
pub fn is_expiring(s: &Session, now: DateTime<Utc>) -> bool {
    s.extra.archived_at.is_none()
        && s.extra
            .expires_at
            .is_some_and(|t| t <= now + Duration::days(EXPIRING_DAYS))
}

// ---- reading settings files ------------------------------------------------------------

/// A settings file read as JSON: `Ok(None)` when it is not there.
fn read_json(path: &Path, comments: bool) -> Result<Option<serde_json::Value>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let text = String::from_utf8_lossy(&bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let text = if comments {
        strip_json_comments(text)
    } else {
        text.to_string()
    };
    if text.trim().is_empty() {
        return Ok(Some(serde_json::Value::Object(Default::default())));
    }
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(v @ serde_json::Value::Object(_)) => Ok(Some(v)),
        Ok(_) => Err(format!("{} is not a JSON object: ignored", path.display())),
        Err(e) => Err(format!(
            "{} is not valid JSON ({e}): ignored",
            path.display()
        )),
    }
}

/// Read one file into the list of files looked at; a warning when it is there but unusable.
fn look(
    path: &Path,
    comments: bool,
    files: &mut Vec<SettingsFile>,
    warnings: &mut Vec<String>,
) -> Option<serde_json::Value> {
    let (state, v) = match read_json(path, comments) {
        Ok(Some(v)) => (FileState::Read, Some(v)),
        Ok(None) => (FileState::Missing, None),
        Err(w) => {
            warnings.push(w);
            (FileState::Invalid, None)
        }
    };
    files.push(SettingsFile {
        path: path.to_path_buf(),
        state,
    });
    v
}

/// Remove `//` and `/* */` comments outside strings (Gemini CLI's settings allow them).
pub fn strip_json_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                }
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut prev = '\0';
                for n in chars.by_ref() {
                    if prev == '*' && n == '/' {
                        break;
                    }
                    if n == '\n' {
                        out.push('\n');
                    }
                    prev = n;
                }
                out.push(' ');
            }
            _ => out.push(c),
        }
    }
    out
}

// ---- Claude Code ----------------------------------------------------------------------

/// Claude Code's config folders: each of `$CLAUDE_CONFIG_DIR` (a comma-separated list, as the
/// claude source reads it), `~/.claude`, and `$XDG_CONFIG_HOME/claude` when it exists (older
/// versions kept their files there).
fn claude_dirs(env: &Env) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    if let Some(list) = env.var("CLAUDE_CONFIG_DIR") {
        for d in list.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            out.push(env.expand(d));
        }
    }
    if let Some(h) = env.home() {
        out.push(h.join(".claude"));
    }
    if let Some(x) = env.xdg_config_home() {
        let d = x.join("claude");
        if d.is_dir() {
            out.push(d);
        }
    }
    let mut seen = Vec::new();
    out.retain(|d| {
        let new = !seen.contains(d);
        seen.push(d.clone());
        new
    });
    out
}

/// What the managed settings say: `cleanupPeriodDays` (the value and its file, or a warning),
/// and the files looked at.
#[derive(Debug, Clone, Default)]
struct Managed {
    value: Option<(i64, PathBuf)>,
    files: Vec<SettingsFile>,
    warnings: Vec<String>,
}

/// `managed-settings.json`, then `managed-settings.d/*.json` in name order (hidden files
/// skipped); the last valid value wins.
fn claude_managed(dir: &Path) -> Managed {
    let mut m = Managed::default();
    let mut paths = vec![dir.join("managed-settings.json")];
    if let Ok(rd) = std::fs::read_dir(dir.join("managed-settings.d")) {
        let mut drop_ins: Vec<PathBuf> = rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.extension().is_some_and(|e| e == "json")
                    && p.file_name()
                        .is_some_and(|n| !n.to_string_lossy().starts_with('.'))
            })
            .collect();
        drop_ins.sort();
        paths.extend(drop_ins);
    }
    for p in paths {
        if let Some(v) = look(&p, false, &mut m.files, &mut m.warnings)
            && let Some(days) = claude_days(&v, &p, &mut m.warnings)
        {
            m.value = Some((days, p));
        }
    }
    m
}

/// `cleanupPeriodDays` of one file: `None` when unset or unusable (with a warning).
fn claude_days(v: &serde_json::Value, path: &Path, warnings: &mut Vec<String>) -> Option<i64> {
    let raw = v.get("cleanupPeriodDays")?;
    match raw.as_i64() {
        Some(n) if n >= 1 => Some(n),
        Some(0) => {
            warnings.push(format!(
                "cleanupPeriodDays = 0 in {}: Claude Code 2.1.89 and later reject it and skip the \
                 file (the default of {CLAUDE_DEFAULT_DAYS} days applies); older versions delete \
                 every transcript when they start and write none",
                path.display()
            ));
            None
        }
        _ => {
            warnings.push(format!(
                "cleanupPeriodDays = {raw} in {} is not a whole number of days (1 or more): \
                 Claude Code skips the file, so the default of {CLAUDE_DEFAULT_DAYS} days applies",
                path.display()
            ));
            None
        }
    }
}

fn claude_policy(dir: PathBuf, managed: &Managed) -> Policy {
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    let user_path = dir.join("settings.json");
    let user = look(&user_path, false, &mut files, &mut warnings)
        .and_then(|v| claude_days(&v, &user_path, &mut warnings))
        .map(|d| (d, user_path.clone()));
    files.extend(managed.files.iter().cloned());
    warnings.extend(managed.warnings.iter().cloned());
    let (days, file) = match (managed.value.clone(), user) {
        (Some((d, f)), _) | (None, Some((d, f))) => (d, Some(f)),
        (None, None) => (CLAUDE_DEFAULT_DAYS, None),
    };
    Policy {
        agent: Agent::Claude,
        dir: Some(dir),
        max_age: Duration::try_days(days),
        max_count: None,
        settings: vec![Setting {
            key: "cleanupPeriodDays".into(),
            value: days.into(),
            file,
        }],
        files,
        warnings,
    }
}

// ---- Gemini CLI -----------------------------------------------------------------------

/// Gemini CLI's folders: `$GEMINI_CLI_HOME/.gemini` (when set) and `~/.gemini`, as the gemini
/// source reads them.
fn gemini_dirs(env: &Env) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(h) = env.var("GEMINI_CLI_HOME") {
        out.push(env.expand(h).join(".gemini"));
    }
    if let Some(h) = env.home() {
        let d = h.join(".gemini");
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

/// `30d`, `12h`, `2w`, `1m` (30 days) → a duration, as Gemini CLI's `parseRetentionPeriod`
/// reads it (a positive whole number and one unit).
pub fn gemini_period(s: &str) -> Option<Duration> {
    let unit = s.chars().last()?;
    let digits = &s[..s.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok().filter(|n| *n > 0)?;
    match unit {
        'h' => Duration::try_hours(n),
        'd' => Duration::try_days(n),
        'w' => Duration::try_weeks(n),
        'm' => n.checked_mul(30).and_then(Duration::try_days),
        _ => None,
    }
}

fn gemini_policy(dir: PathBuf, sys: &SystemPaths) -> Policy {
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    // lowest precedence first: system defaults, the user's settings, the system settings
    let mut layers: Vec<(PathBuf, serde_json::Value)> = Vec::new();
    let paths = [
        sys.gemini_defaults.clone(),
        Some(dir.join("settings.json")),
        sys.gemini_system.clone(),
    ];
    for p in paths.into_iter().flatten() {
        if let Some(v) = look(&p, true, &mut files, &mut warnings) {
            layers.push((p, v));
        }
    }
    // each key: the last layer that sets it with a value of the right type
    let pick = |key: &str, ok: &dyn Fn(&serde_json::Value) -> bool, warnings: &mut Vec<String>| {
        let mut found: Option<(serde_json::Value, PathBuf)> = None;
        for (path, v) in &layers {
            let Some(x) = v
                .get("general")
                .and_then(|g| g.get("sessionRetention"))
                .and_then(|r| r.get(key))
            else {
                continue;
            };
            if ok(x) {
                found = Some((x.clone(), path.clone()));
            } else {
                warnings.push(format!(
                    "general.sessionRetention.{key} = {x} in {} has the wrong type: ignored",
                    path.display()
                ));
            }
        }
        found
    };
    let enabled = pick("enabled", &|v| v.is_boolean(), &mut warnings);
    let max_age = pick("maxAge", &|v| v.is_string(), &mut warnings);
    let max_count = pick("maxCount", &|v| v.is_u64(), &mut warnings);
    let min_retention = pick("minRetention", &|v| v.is_string(), &mut warnings);
    let setting = |key: &str,
                   found: &Option<(serde_json::Value, PathBuf)>,
                   default: serde_json::Value| Setting {
        key: format!("sessionRetention.{key}"),
        value: found.as_ref().map(|f| f.0.clone()).unwrap_or(default),
        file: found.as_ref().map(|f| f.1.clone()),
    };
    let mut settings = vec![setting("enabled", &enabled, true.into())];
    let mut policy = Policy {
        agent: Agent::Gemini,
        dir: Some(dir),
        max_age: None,
        max_count: None,
        settings: Vec::new(),
        files,
        warnings: Vec::new(),
    };
    let on = enabled.as_ref().and_then(|e| e.0.as_bool()).unwrap_or(true);
    if !on {
        policy.settings = settings;
        policy.warnings = warnings;
        return policy;
    }
    let age_setting = setting("maxAge", &max_age, GEMINI_DEFAULT_MAX_AGE.into());
    let age_text = age_setting.value.as_str().unwrap_or_default().to_string();
    let count = max_count.as_ref().and_then(|c| c.0.as_u64());
    // Gemini CLI's validateRetentionConfig: any of these turns the cleanup off
    let mut off: Option<String> = None;
    let mut age = None;
    if !age_text.is_empty() {
        match gemini_period(&age_text) {
            None => {
                off = Some(format!(
                    "sessionRetention.maxAge = \"{age_text}\" is not a period Gemini CLI reads \
                     (a whole number and h, d, w or m, such as 30d)"
                ))
            }
            Some(a) => {
                let min_text = min_retention
                    .as_ref()
                    .and_then(|m| m.0.as_str())
                    .unwrap_or(GEMINI_DEFAULT_MIN_RETENTION);
                let min = gemini_period(min_text).unwrap_or_else(|| {
                    warnings.push(format!(
                        "sessionRetention.minRetention = \"{min_text}\" is not a period: Gemini \
                         CLI uses {GEMINI_DEFAULT_MIN_RETENTION}"
                    ));
                    Duration::days(1)
                });
                if a < min {
                    off = Some(format!(
                        "sessionRetention.maxAge = \"{age_text}\" is below minRetention \
                         ({min_text})"
                    ));
                } else {
                    age = Some(a);
                }
            }
        }
        settings.push(age_setting);
    }
    if let Some(n) = count {
        if n < 1 {
            off = Some("sessionRetention.maxCount = 0 is below 1".into());
        }
        settings.push(setting("maxCount", &max_count, serde_json::Value::Null));
    }
    if age.is_none() && count.is_none() && off.is_none() {
        off = Some("neither sessionRetention.maxAge nor maxCount is set".into());
    }
    if let Some(why) = off {
        warnings.push(format!("{why}: Gemini CLI turns its session cleanup off"));
    } else {
        policy.max_age = age;
        policy.max_count = count;
    }
    policy.settings = settings;
    policy.warnings = warnings;
    policy
}

// ---- agsh -----------------------------------------------------------------------------

/// agsh's `config.toml`: `$AGSH_CONFIG_DIR/config.toml`, else the XDG config folder's
/// `agsh/config.toml`.
fn agsh_config(env: &Env) -> Option<PathBuf> {
    if let Some(d) = env.var("AGSH_CONFIG_DIR") {
        return Some(env.expand(d).join("config.toml"));
    }
    if cfg!(target_os = "macos")
        && env.var("XDG_CONFIG_HOME").is_none()
        && let Some(h) = env.home()
    {
        return Some(h.join("Library/Application Support/agsh/config.toml"));
    }
    env.xdg_config_home().map(|d| d.join("agsh/config.toml"))
}

fn agsh_policy(env: &Env) -> Policy {
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    let mut found: Option<(i64, PathBuf)> = None;
    if let Some(path) = agsh_config(env) {
        let state = match std::fs::read_to_string(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileState::Missing,
            Err(e) => {
                warnings.push(format!("cannot read {}: {e}", path.display()));
                FileState::Invalid
            }
            Ok(text) => match text.parse::<toml::Table>() {
                Err(e) => {
                    warnings.push(format!(
                        "{} is not valid TOML ({}): ignored",
                        path.display(),
                        crate::sanitize::one_line(&e.to_string())
                    ));
                    FileState::Invalid
                }
                Ok(t) => {
                    if let Some(raw) = t.get("session").and_then(|s| s.get("retention_days")) {
                        match raw.as_integer() {
                            Some(n) if n >= 1 => found = Some((n, path.clone())),
                            _ => warnings.push(format!(
                                "session.retention_days = {raw} in {} is not a whole number of \
                                 days (1 or more): the default of {AGSH_DEFAULT_DAYS} is assumed",
                                path.display()
                            )),
                        }
                    }
                    FileState::Read
                }
            },
        };
        files.push(SettingsFile { path, state });
    }
    let (days, file) = match found {
        Some((d, f)) => (d, Some(f)),
        None => (AGSH_DEFAULT_DAYS, None),
    };
    Policy {
        agent: Agent::Agsh,
        dir: None,
        max_age: Duration::try_days(days),
        max_count: None,
        settings: vec![Setting {
            key: "session.retention_days".into(),
            value: days.into(),
            file,
        }],
        files,
        warnings,
    }
}

// ---- what the preview says -------------------------------------------------------------

/// The kind of a preview note (the UI picks its style).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    /// The agent deletes the session within [`EXPIRING_DAYS`] days.
    Expiring,
    /// The agent deletes it later.
    Expiry,
    /// revisit keeps an archived copy.
    Archived,
    /// The agent's title (when the person named the session) and the tags.
    About,
}

/// A line (or two) the preview shows above the transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub kind: NoteKind,
    pub text: String,
}

/// What the preview says about a session beyond its messages: when its agent deletes it, its
/// archived copy, its title when the person renamed it, and its tags.
pub fn notes(s: &Session, now: DateTime<Utc>, tz: FixedOffset) -> Vec<Note> {
    let x = &s.extra;
    let mut out = Vec::new();
    if x.archived_at.is_none()
        && let Some(t) = x.expires_at
    {
        let rule = x
            .expiry_rule
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        let name = s.agent.display_name();
        let when = if t <= now {
            match (s.agent, s.project.as_deref()) {
                (Agent::Gemini, Some(p)) => {
                    format!(
                        "the next time it starts in {}",
                        crate::sanitize::one_line(p)
                    )
                }
                _ => "the next time it starts".to_string(),
            }
        } else {
            format!("on {}", t.with_timezone(&tz).format("%Y-%m-%d"))
        };
        let expiring = is_expiring(s, now);
        out.push(Note {
            kind: if expiring {
                NoteKind::Expiring
            } else {
                NoteKind::Expiry
            },
            text: format!(
                "{name} deletes it {when}{rule}{}",
                if expiring {
                    "; press a to keep a copy"
                } else {
                    ""
                }
            ),
        });
    }
    if let Some(t) = x.archived_at {
        let mut text = format!("Archived on {}", t.with_timezone(&tz).format("%Y-%m-%d"));
        if x.archive_only {
            text.push_str("; only the archived copy is left");
        }
        out.push(Note {
            kind: NoteKind::Archived,
            text,
        });
    }
    let mut about = Vec::new();
    if x.name.as_deref().is_some_and(|n| n != s.title) {
        about.push(format!("Title: {}", crate::sanitize::one_line(&s.title)));
    }
    if !x.tags.is_empty() {
        about.push(tags_text(&x.tags));
    }
    if !about.is_empty() {
        out.push(Note {
            kind: NoteKind::About,
            text: about.join(" · "),
        });
    }
    out
}

/// `#review #bug`.
pub fn tags_text(tags: &[String]) -> String {
    tags.iter()
        .map(|t| format!("#{}", crate::sanitize::one_line(t)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// At most this many lines of one note, and of all notes together.
const NOTE_LINES: usize = 2;
const NOTES_LINES: usize = 4;

/// The notes wrapped to `width` columns (each at most two lines, four in all).
pub fn note_lines(notes: &[Note], width: usize) -> Vec<(NoteKind, String)> {
    let mut out = Vec::new();
    for n in notes {
        let mut lines = crate::text::wrap_line(&n.text, width.max(1));
        if lines.len() > NOTE_LINES {
            let rest = lines[NOTE_LINES - 1..].join(" ");
            lines.truncate(NOTE_LINES - 1);
            lines.push(crate::text::fit(&rest, width));
        }
        out.extend(lines.into_iter().map(|l| (n.kind, l)));
    }
    out.truncate(NOTES_LINES);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_session;
    use chrono::TimeZone;

    fn fixture(rel: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/retention")
            .join(rel)
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
    }

    /// No machine-wide settings (fixture ones where a test gives them).
    fn none() -> SystemPaths {
        SystemPaths {
            claude_managed: Some(fixture("absent")),
            gemini_system: Some(fixture("absent/settings.json")),
            gemini_defaults: Some(fixture("absent/system-defaults.json")),
        }
    }

    fn load(home: &str, vars: &[(&str, &str)], sys: &SystemPaths) -> Retention {
        Retention::load_with(&Env::with_home(fixture(home), vars), sys, now())
    }

    fn session(agent: Agent, source: PathBuf, updated: DateTime<Utc>) -> Session {
        let mut s = test_session(1);
        s.agent = agent;
        s.source = source.display().to_string();
        s.updated_at = Some(updated);
        s
    }

    fn day(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 10, 0, 0).unwrap()
    }

    #[test]
    fn claude_cleanup_period_days_from_settings() {
        let r = load("claude10", &[], &none());
        let s = session(
            Agent::Claude,
            fixture("claude10/.claude/projects/-p/a.jsonl"),
            day(2026, 11, 20),
        );
        let (at, rule) = r.expiry(&s).unwrap();
        assert_eq!(at, day(2026, 11, 30));
        assert_eq!(rule, "cleanupPeriodDays = 10 in ~/.claude/settings.json");
        let p = r.policy_for(&s).unwrap();
        assert_eq!(p.files[0].state, FileState::Read);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(
            r.describe(p),
            "Claude Code deletes sessions 10 days after their last activity \
             (cleanupPeriodDays = 10 in ~/.claude/settings.json), when it starts"
        );
    }

    #[test]
    fn defaults_when_nothing_is_set() {
        let r = load("empty", &[], &none());
        let claude = session(
            Agent::Claude,
            fixture("empty/.claude/projects/-p/a.jsonl"),
            day(2026, 11, 1),
        );
        let (at, rule) = r.expiry(&claude).unwrap();
        assert_eq!(at, day(2026, 12, 1));
        assert_eq!(rule, "cleanupPeriodDays = 30, the default");
        let gemini = session(
            Agent::Gemini,
            fixture("empty/.gemini/tmp/p/chats/session-x.jsonl"),
            day(2026, 11, 1),
        );
        let (at, rule) = r.expiry(&gemini).unwrap();
        assert_eq!(at, day(2026, 12, 1));
        assert_eq!(rule, "sessionRetention.maxAge = \"30d\", the default");
        let agsh = session(
            Agent::Agsh,
            PathBuf::from("/db/sessions.db"),
            day(2026, 11, 1),
        );
        assert_eq!(r.expires_at(&agsh), Some(day(2027, 1, 30)));
        // agents that delete nothing
        for a in [
            Agent::Codex,
            Agent::Opencode,
            Agent::Pi,
            Agent::Agenix,
            Agent::Profclaw,
        ] {
            let s = session(a, PathBuf::from("/x"), day(2020, 1, 1));
            assert_eq!(r.expires_at(&s), None, "{a}");
            assert!(!r.report(a)[0].deletes);
        }
        // no time, no date
        let mut undated = claude.clone();
        undated.updated_at = None;
        assert_eq!(r.expires_at(&undated), None);
    }

    #[test]
    fn gemini_max_age_from_settings_with_comments() {
        let r = load("gemini14", &[], &none());
        let s = session(
            Agent::Gemini,
            fixture("gemini14/.gemini/tmp/p/chats/session-x.jsonl"),
            day(2026, 11, 20),
        );
        let (at, rule) = r.expiry(&s).unwrap();
        assert_eq!(at, day(2026, 12, 4));
        assert_eq!(
            rule,
            "sessionRetention.maxAge = \"14d\" in ~/.gemini/settings.json"
        );
        let p = r.policy_for(&s).unwrap();
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert!(r.describe(p).contains("in the project it starts in"));
    }

    #[test]
    fn gemini_system_settings_win_and_defaults_lose() {
        let sys = SystemPaths {
            claude_managed: None,
            gemini_system: Some(fixture("system/gemini-system.json")),
            gemini_defaults: Some(fixture("system/gemini-defaults.json")),
        };
        let r = load("gemini14", &[], &sys);
        let p = r.of(Agent::Gemini).next().unwrap();
        // the system settings say 4w; the user's 14d and the defaults' maxCount 3 lose or stay
        assert_eq!(p.max_age, Some(Duration::weeks(4)));
        assert_eq!(p.max_count, Some(3));
        assert_eq!(
            p.setting("sessionRetention.maxAge").unwrap().file,
            Some(fixture("system/gemini-system.json"))
        );
        assert_eq!(
            p.files.iter().map(|f| f.state).collect::<Vec<_>>(),
            vec![FileState::Read; 3]
        );
    }

    #[test]
    fn gemini_turned_off_or_unusable() {
        let r = load("gemini-off", &[], &none());
        let p = r.of(Agent::Gemini).next().unwrap();
        assert!(!p.deletes());
        assert_eq!(
            r.describe(p),
            "Gemini CLI deletes nothing (sessionRetention.enabled = false in ~/.gemini/settings.json)"
        );
        let r = load("gemini-odd", &[], &none());
        let p = r.of(Agent::Gemini).next().unwrap();
        assert!(!p.deletes(), "an unreadable maxAge turns the cleanup off");
        assert!(
            p.warnings
                .iter()
                .any(|w| w.contains("turns its session cleanup off")),
            "{:?}",
            p.warnings
        );
        for (s, d) in [
            ("30d", Some(Duration::days(30))),
            ("12h", Some(Duration::hours(12))),
            ("2w", Some(Duration::weeks(2))),
            ("1m", Some(Duration::days(30))),
            ("0d", None),
            ("30", None),
            ("30 days", None),
            ("d", None),
            ("-1d", None),
            ("99999999999999999999d", None),
        ] {
            assert_eq!(gemini_period(s), d, "{s}");
        }
    }

    #[test]
    fn gemini_max_count_keeps_the_newest_of_a_project() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        std::fs::create_dir_all(home.join(".gemini")).unwrap();
        std::fs::write(
            home.join(".gemini/settings.json"),
            r#"{"general": {"sessionRetention": {"maxCount": 2}}}"#,
        )
        .unwrap();
        let chats = home.join(".gemini/tmp/proj/chats");
        std::fs::create_dir_all(chats.join("sub")).unwrap();
        let names = ["session-a.jsonl", "session-b.json", "session-c.jsonl"];
        for (i, n) in names.iter().enumerate() {
            let p = chats.join(n);
            std::fs::write(&p, "{}\n").unwrap();
            let t = SystemTime::UNIX_EPOCH
                + std::time::Duration::from_secs(1_700_000_000 + i as u64 * 60);
            std::fs::File::options()
                .write(true)
                .open(&p)
                .unwrap()
                .set_modified(t)
                .unwrap();
        }
        std::fs::write(chats.join("sub/session-z.jsonl"), "{}\n").unwrap();
        std::fs::write(chats.join("notes.txt"), "x").unwrap();
        let r = Retention::load_with(&Env::with_home(home, &[]), &none(), now());
        let recent = now() - Duration::hours(1);
        let at = |n: &str| r.expiry(&session(Agent::Gemini, chats.join(n), recent));
        // c and b are the newest two; a is beyond them: due at the next start
        let (t, rule) = at("session-a.jsonl").unwrap();
        assert_eq!(t, now());
        assert_eq!(
            rule,
            "sessionRetention.maxCount = 2 in ~/.gemini/settings.json"
        );
        // the others go by age (the default maxAge still applies)
        assert_eq!(
            at("session-c.jsonl").unwrap().0,
            recent + Duration::days(30)
        );
        assert_eq!(at("session-b.json").unwrap().0, recent + Duration::days(30));
        // a subagent's file is not counted
        assert_eq!(
            at("sub/session-z.jsonl").unwrap().0,
            recent + Duration::days(30)
        );
    }

    #[test]
    fn invalid_json_is_a_warning_and_the_default() {
        let r = load("invalid", &[], &none());
        for agent in [Agent::Claude, Agent::Gemini] {
            let p = r.of(agent).next().unwrap();
            assert!(
                p.files.iter().any(|f| f.state == FileState::Invalid),
                "{agent}: {:?}",
                p.files
            );
            assert!(
                p.warnings.iter().any(|w| w.contains("not valid JSON")),
                "{agent}: {:?}",
                p.warnings
            );
            assert_eq!(p.max_age, Some(Duration::days(30)), "{agent}");
        }
        let agsh = r.of(Agent::Agsh).next().unwrap();
        assert_eq!(agsh.files[0].state, FileState::Invalid);
        assert_eq!(agsh.max_age, Some(Duration::days(AGSH_DEFAULT_DAYS)));
    }

    #[test]
    fn odd_values_are_warnings_and_the_default() {
        let r = load("odd", &[], &none());
        let claude = r.of(Agent::Claude).next().unwrap();
        assert_eq!(claude.max_age, Some(Duration::days(30)));
        assert!(
            claude.warnings[0].contains("cleanupPeriodDays = 0"),
            "{:?}",
            claude.warnings
        );
        let agsh = r.of(Agent::Agsh).next().unwrap();
        assert_eq!(agsh.max_age, Some(Duration::days(90)));
        assert_eq!(agsh.warnings.len(), 1, "{:?}", agsh.warnings);
        let gemini = r.of(Agent::Gemini).next().unwrap();
        assert!(
            gemini.warnings.iter().any(|w| w.contains("wrong type")),
            "{:?}",
            gemini.warnings
        );
        assert_eq!(
            gemini.max_age,
            Some(Duration::days(30)),
            "the wrong-typed maxAge is ignored"
        );
    }

    #[test]
    fn claude_config_dir_has_its_own_settings() {
        let alt = fixture("configdir/claude-alt");
        let r = load(
            "configdir",
            &[("CLAUDE_CONFIG_DIR", alt.to_str().unwrap())],
            &none(),
        );
        let dirs: Vec<_> = r
            .of(Agent::Claude)
            .map(|p| p.dir.clone().unwrap())
            .collect();
        assert_eq!(dirs, vec![alt.clone(), fixture("configdir/.claude")]);
        let in_alt = session(
            Agent::Claude,
            alt.join("projects/-p/a.jsonl"),
            day(2026, 11, 20),
        );
        let in_home = session(
            Agent::Claude,
            fixture("configdir/.claude/projects/-p/b.jsonl"),
            day(2026, 11, 20),
        );
        let elsewhere = session(
            Agent::Claude,
            PathBuf::from("/synced/projects/-p/c.jsonl"),
            day(2026, 11, 20),
        );
        assert_eq!(r.expires_at(&in_alt), Some(day(2026, 11, 23)));
        assert_eq!(
            r.expires_at(&in_home),
            Some(day(2026, 12, 20)),
            "~/.claude has no settings"
        );
        assert_eq!(
            r.expires_at(&elsewhere),
            Some(day(2026, 11, 23)),
            "sessions found elsewhere follow $CLAUDE_CONFIG_DIR"
        );
    }

    #[test]
    fn claude_managed_settings_win() {
        let sys = SystemPaths {
            claude_managed: Some(fixture("system/claude-managed")),
            ..none()
        };
        let r = load("claude10", &[], &sys);
        let p = r.of(Agent::Claude).next().unwrap();
        // managed-settings.json says 60, managed-settings.d/20-longer.json 90 (later wins)
        assert_eq!(p.max_age, Some(Duration::days(90)));
        assert_eq!(
            p.settings[0].file,
            Some(fixture(
                "system/claude-managed/managed-settings.d/20-longer.json"
            ))
        );
        assert_eq!(p.files.len(), 3, "{:?}", p.files);
    }

    #[test]
    fn agsh_retention_days() {
        let r = load("agsh45", &[], &none());
        let p = r.of(Agent::Agsh).next().unwrap();
        assert_eq!(p.max_age, Some(Duration::days(45)));
        let r = load(
            "empty",
            &[(
                "AGSH_CONFIG_DIR",
                fixture("agsh45/.config/agsh").to_str().unwrap(),
            )],
            &none(),
        );
        assert_eq!(
            r.of(Agent::Agsh).next().unwrap().max_age,
            Some(Duration::days(45))
        );
    }

    #[test]
    fn huge_periods_never_overflow() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".claude")).unwrap();
        std::fs::write(
            dir.path().join(".claude/settings.json"),
            r#"{"cleanupPeriodDays": 9223372036854775807}"#,
        )
        .unwrap();
        let r = Retention::load_with(&Env::with_home(dir.path(), &[]), &none(), now());
        let s = session(
            Agent::Claude,
            dir.path().join(".claude/projects/p/a.jsonl"),
            now(),
        );
        assert_eq!(r.expires_at(&s), None, "beyond any date: never");
    }

    #[test]
    fn expiring_means_within_a_week_and_not_archived() {
        let mut s = test_session(1);
        assert!(!is_expiring(&s, now()));
        s.extra.expires_at = Some(now() + Duration::days(7));
        assert!(is_expiring(&s, now()));
        s.extra.expires_at = Some(now() - Duration::days(300));
        assert!(
            is_expiring(&s, now()),
            "past due: deleted at the next start"
        );
        s.extra.expires_at = Some(now() + Duration::days(7) + Duration::seconds(1));
        assert!(!is_expiring(&s, now()));
        s.extra.expires_at = Some(now());
        s.extra.archived_at = Some(now());
        assert!(!is_expiring(&s, now()), "archiving takes it off");
    }

    #[test]
    fn json_comments_are_stripped_outside_strings() {
        let s = strip_json_comments("{\n // a\n \"a\": \"x // y /* z */\", /* b\n c */ \"b\": 1 }");
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["a"], "x // y /* z */");
        assert_eq!(v["b"], 1);
        assert_eq!(strip_json_comments(r#"{"a": "\"//"}"#), r#"{"a": "\"//"}"#);
    }

    #[test]
    fn preview_notes() {
        let tz = FixedOffset::east_opt(0).unwrap();
        let mut s = test_session(1);
        s.title = "Fix the auth bug".into();
        assert!(notes(&s, now(), tz).is_empty());
        s.extra.expires_at = Some(day(2026, 12, 1));
        s.extra.expiry_rule = Some("cleanupPeriodDays = 30 in ~/.claude/settings.json".into());
        let n = notes(&s, now(), tz);
        assert_eq!(n[0].kind, NoteKind::Expiring);
        assert_eq!(
            n[0].text,
            "Claude Code deletes it on 2026-12-01 (cleanupPeriodDays = 30 in \
             ~/.claude/settings.json); press a to keep a copy"
        );
        s.extra.expires_at = Some(day(2026, 11, 1));
        assert!(
            notes(&s, now(), tz)[0]
                .text
                .starts_with("Claude Code deletes it the next time it starts (")
        );
        s.extra.expires_at = Some(day(2027, 1, 1));
        assert_eq!(notes(&s, now(), tz)[0].kind, NoteKind::Expiry);
        assert!(!notes(&s, now(), tz)[0].text.contains("press a"));
        s.extra.archived_at = Some(day(2026, 11, 20));
        s.extra.archive_only = true;
        s.extra.name = Some("Auth".into());
        s.extra.tags = vec!["review".into(), "bug".into()];
        let n = notes(&s, now(), tz);
        assert_eq!(
            n,
            vec![
                Note {
                    kind: NoteKind::Archived,
                    text: "Archived on 2026-11-20; only the archived copy is left".into()
                },
                Note {
                    kind: NoteKind::About,
                    text: "Title: Fix the auth bug · #review #bug".into()
                },
            ]
        );
        let lines = note_lines(
            &[Note {
                kind: NoteKind::Expiring,
                text: "word ".repeat(40),
            }],
            20,
        );
        assert_eq!(lines.len(), 2);
        assert!(lines[1].1.ends_with('…'));
    }
}
