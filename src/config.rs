//! The environment snapshot (HOME, XDG dirs, agents' env overrides) and the user's config file.
//!
//! Everything that looks at environment variables goes through [`Env`], so tests and the demo
//! mode can run against a fixture home without touching the real one.

use crate::model::Agent;
use crate::pricing::{CostMode, PriceTable};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// A snapshot of the variables revisit reads, plus the home directory.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
    home: Option<PathBuf>,
}

impl Env {
    pub fn from_process() -> Env {
        let vars: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let home = vars
            .get("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .or_else(dirs::home_dir);
        Env { vars, home }
    }

    /// An environment with only `HOME` set (and whatever `vars` adds), for tests and the demo.
    pub fn with_home(home: impl Into<PathBuf>, vars: &[(&str, &str)]) -> Env {
        let home = home.into();
        let mut map = BTreeMap::new();
        map.insert("HOME".to_string(), home.display().to_string());
        for (k, v) in vars {
            map.insert(k.to_string(), v.to_string());
        }
        Env {
            vars: map,
            home: Some(home),
        }
    }

    /// A variable's value when it is set and not empty.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// Is the variable set to something other than the empty string? (Whitespace counts: what
    /// <https://no-color.org> asks of `NO_COLOR`.)
    pub fn is_set(&self, name: &str) -> bool {
        self.vars.get(name).is_some_and(|v| !v.is_empty())
    }

    pub fn home(&self) -> Option<&Path> {
        self.home.as_deref()
    }

    fn xdg(&self, var: &str, fallback: &str) -> Option<PathBuf> {
        // The XDG spec ignores relative values.
        if let Some(v) = self.var(var) {
            let p = PathBuf::from(v);
            if p.is_absolute() {
                return Some(p);
            }
        }
        self.home().map(|h| h.join(fallback))
    }

    pub fn xdg_config_home(&self) -> Option<PathBuf> {
        self.xdg("XDG_CONFIG_HOME", ".config")
    }

    pub fn xdg_data_home(&self) -> Option<PathBuf> {
        self.xdg("XDG_DATA_HOME", ".local/share")
    }

    pub fn xdg_cache_home(&self) -> Option<PathBuf> {
        self.xdg("XDG_CACHE_HOME", ".cache")
    }

    /// Expand a leading `~/` against the home directory.
    pub fn expand(&self, p: &str) -> PathBuf {
        if let Some(rest) = p.strip_prefix("~/")
            && let Some(h) = self.home()
        {
            return h.join(rest);
        }
        if p == "~"
            && let Some(h) = self.home()
        {
            return h.to_path_buf();
        }
        PathBuf::from(p)
    }

    /// revisit's own config directory: `$REVISIT_CONFIG_DIR`, else `$XDG_CONFIG_HOME/revisit`.
    pub fn revisit_config_dir(&self) -> Option<PathBuf> {
        if let Some(d) = self.var("REVISIT_CONFIG_DIR") {
            return Some(PathBuf::from(d));
        }
        self.xdg_config_home().map(|d| d.join("revisit"))
    }

    pub fn revisit_cache_dir(&self) -> Option<PathBuf> {
        self.xdg_cache_home().map(|d| d.join("revisit"))
    }

    pub fn revisit_data_dir(&self) -> Option<PathBuf> {
        self.xdg_data_home().map(|d| d.join("revisit"))
    }
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config {path}: {message}")]
    Parse { path: PathBuf, message: String },
}

/// Per-agent settings.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default)]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct AgentConfig {
    /// Set to false to ignore this agent entirely.
    pub enabled: bool,
    /// Extra store roots to read (folders, or files for single-file stores).
    pub roots: Vec<String>,
    /// A database file to read (profclaw), instead of discovering one.
    pub db: Option<String>,
    /// The directory a server runs in (profclaw keeps `data/profclaw.db` there).
    pub server_dir: Option<String>,
    /// A server to read through its API (profclaw), e.g. `http://127.0.0.1:3000`.
    pub url: Option<String>,
    /// The session token for that server (sent as the `profclaw_session` cookie).
    pub token: Option<String>,
    /// Resume: the agent's program (a name looked up on `PATH`, or a path; `~/` expands).
    pub program: Option<String>,
    /// Resume: arguments added after the agent's own (for example a permission mode).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Resume: environment variables set for the agent (a leading `~/` expands).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// Resume (agsh): the flag that takes a session id, `-c` (agsh 0.11) or `-s` (its older
    /// documentation). Unset: read once from the installed program's `--help`.
    pub resume_flag: Option<String>,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            enabled: true,
            roots: Vec::new(),
            db: None,
            server_dir: None,
            url: None,
            token: None,
            program: None,
            args: Vec::new(),
            env: BTreeMap::new(),
            resume_flag: None,
        }
    }
}

/// The commented default `config.toml` (every setting, all commented out), as printed by
/// `revisit config --print-default`.
pub const DEFAULT_CONFIG: &str = include_str!("../assets/config.toml");

/// `config.toml`. Every field has a default; a missing file means all defaults.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct Config {
    /// The colour theme: `dark` (default), `light`, `high-contrast` or `no-color`. An unknown
    /// name is a warning and `dark` is used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    /// Per agent, keyed by the agent's name (`claude`, `codex`, …).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub agents: BTreeMap<String, AgentConfig>,
    /// How transcripts open (`[transcript]`).
    #[serde(skip_serializing_if = "TranscriptConfig::is_default")]
    pub transcript: TranscriptConfig,
    /// Key binding overrides per mode (`[keys.list]`, …), see [`KeysConfig`].
    #[serde(skip_serializing_if = "KeysConfig::is_empty")]
    pub keys: KeysConfig,
    /// Which cost to show and price overrides (`[pricing]`), see [`PricingConfig`].
    #[serde(skip_serializing_if = "PricingConfig::is_default")]
    pub pricing: PricingConfig,
    /// Where the file came from, if any (not read from the file).
    #[serde(skip)]
    pub path: Option<PathBuf>,
    /// Problems found in the file that did not stop it from loading (unknown agents, themes,
    /// actions, keys, sections, cost modes, prices), reported by `doctor` and `revisit config`.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// `[transcript]`: how a transcript opens.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct TranscriptConfig {
    /// `folded` (default), `summaries` or `open`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fold: Option<String>,
    /// Show thinking in full (default false: one line each).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thinking: Option<bool>,
}

impl TranscriptConfig {
    pub fn is_default(&self) -> bool {
        *self == TranscriptConfig::default()
    }
}

/// `[pricing]`: which cost a message shows, and prices that override or add to the built-in
/// table. Kept as written: `PriceTable::with_overrides` interprets the entries and reports what
/// it cannot use.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct PricingConfig {
    /// `auto` (default), `computed` or `recorded`, see [`CostMode`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_mode: Option<String>,
    /// `[pricing.models."<name>"]`: per model name, its prices.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub models: BTreeMap<String, ModelPriceConfig>,
}

impl PricingConfig {
    pub fn is_default(&self) -> bool {
        *self == PricingConfig::default()
    }

    /// The cost mode to use: `cost_mode`, or `auto` when it is unset or unknown (a warning).
    pub fn cost_mode(&self) -> CostMode {
        self.cost_mode
            .as_deref()
            .and_then(|m| m.parse().ok())
            .unwrap_or_default()
    }
}

/// One `[pricing.models."<name>"]` entry, in USD per MILLION tokens (the built-in table is per
/// token). A price left out keeps the built-in one; a model revisit does not know needs `input`
/// and `output`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct ModelPriceConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_read: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_write: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_write_1h: Option<f64>,
    /// The prices of a request whose prompt is over 200,000 tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub above_200k: Option<TierPriceConfig>,
}

/// `above_200k = { input = …, output = …, cache_read = …, cache_write = … }`, per million tokens.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct TierPriceConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_read: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_write: Option<f64>,
}

/// `[keys.<mode>]` sections: per mode name, per action name, the keys as written. Kept as
/// written (nothing is rejected while parsing): `Keymap::with_overrides` interprets them and
/// reports what it cannot use.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(transparent)]
pub struct KeysConfig {
    pub sections: BTreeMap<String, KeySection>,
}

/// The contents of one `[keys.<mode>]` entry.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum KeySection {
    /// `action_name = keys` lines.
    Actions(BTreeMap<String, KeyList>),
    /// Anything that is not a table (`[keys]` followed by `quit = "x"`).
    Other(toml::Value),
}

/// The keys given to one action: `"ctrl-c"` or `["q", "ctrl-c"]`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
    /// Anything else (a number, a table, a list holding something other than strings).
    Other(toml::Value),
}

impl KeyList {
    /// The key strings, or `None` when the value is not a string or a list of strings.
    pub fn keys(&self) -> Option<Vec<&str>> {
        match self {
            KeyList::One(k) => Some(vec![k.as_str()]),
            KeyList::Many(ks) => Some(ks.iter().map(String::as_str).collect()),
            KeyList::Other(_) => None,
        }
    }
}

impl KeysConfig {
    pub fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }

    /// One override, for tests and callers building a config in code.
    pub fn set(&mut self, mode: &str, action: &str, keys: &[&str]) {
        let section = self
            .sections
            .entry(mode.to_string())
            .or_insert_with(|| KeySection::Actions(BTreeMap::new()));
        if let KeySection::Other(_) = section {
            *section = KeySection::Actions(BTreeMap::new());
        }
        if let KeySection::Actions(actions) = section {
            actions.insert(
                action.to_string(),
                KeyList::Many(keys.iter().map(|k| k.to_string()).collect()),
            );
        }
    }
}

impl Config {
    /// Load `explicit` (an error if unreadable) or the default location (missing = defaults).
    pub fn load(env: &Env, explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let must_exist = explicit.is_some();
        let Some(path) = Config::location(env, explicit) else {
            return Ok(Config::default());
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if !must_exist && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Config::default());
            }
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        let mut cfg = Config::parse(&text).map_err(|message| ConfigError::Parse {
            path: path.clone(),
            message,
        })?;
        cfg.path = Some(path);
        Ok(cfg)
    }

    /// Parse a config file's text. Only TOML syntax errors and values of the wrong type
    /// outside `[keys]` fail; everything else that cannot be used is a warning.
    pub fn parse(text: &str) -> Result<Config, String> {
        let mut cfg: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        for (name, a) in &cfg.agents {
            let agent = name.parse::<Agent>();
            if agent.is_err() {
                cfg.warnings
                    .push(format!("[agents.{name}]: unknown agent, ignored"));
            }
            if let Some(f) = &a.resume_flag {
                if agent.is_ok_and(|a| a != Agent::Agsh) {
                    cfg.warnings.push(format!(
                        "[agents.{name}] resume_flag: only agsh uses it, ignored"
                    ));
                } else if !crate::resume::valid_flag(f) {
                    cfg.warnings.push(format!(
                        "[agents.{name}] resume_flag = {f:?}: expected a flag such as \"-c\" or \"-s\", ignored"
                    ));
                }
            }
        }
        if let Some(w) = crate::ui::theme::theme_warning(cfg.theme.as_deref()) {
            cfg.warnings.push(w);
        }
        let (_, key_warnings) = crate::app::keymap::Keymap::with_overrides(&cfg.keys);
        cfg.warnings.extend(key_warnings);
        if !cfg.pricing.is_default() {
            let (_, price_warnings) = PriceTable::embedded().with_overrides(&cfg.pricing);
            cfg.warnings.extend(price_warnings);
        }
        Ok(cfg)
    }

    /// Where the config is read from: `explicit` (`--config`), else
    /// `$REVISIT_CONFIG_DIR/config.toml`, else `$XDG_CONFIG_HOME/revisit/config.toml`.
    pub fn location(env: &Env, explicit: Option<&Path>) -> Option<PathBuf> {
        match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => env.revisit_config_dir().map(|d| d.join("config.toml")),
        }
    }

    pub fn agent(&self, agent: Agent) -> AgentConfig {
        self.agents
            .iter()
            .find(|(k, _)| k.parse::<Agent>().ok() == Some(agent))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::keymap::Keymap;

    #[test]
    fn xdg_defaults_and_overrides() {
        let env = Env::with_home("/h", &[]);
        assert_eq!(env.xdg_cache_home().unwrap(), PathBuf::from("/h/.cache"));
        let env = Env::with_home("/h", &[("XDG_CACHE_HOME", "/c"), ("XDG_DATA_HOME", "rel")]);
        assert_eq!(env.xdg_cache_home().unwrap(), PathBuf::from("/c"));
        // relative XDG values are ignored, as the spec says
        assert_eq!(
            env.xdg_data_home().unwrap(),
            PathBuf::from("/h/.local/share")
        );
        assert_eq!(env.expand("~/x"), PathBuf::from("/h/x"));
    }

    #[test]
    fn empty_vars_are_unset() {
        let env = Env::with_home("/h", &[("CODEX_HOME", "  ")]);
        assert_eq!(env.var("CODEX_HOME"), None);
    }

    #[test]
    fn config_parse() {
        let cfg = Config::parse(
            r#"
            [agents.claude]
            roots = ["/synced/claude/projects"]
            [agents.codex]
            enabled = false
            "#,
        )
        .unwrap();
        assert_eq!(
            cfg.agent(Agent::Claude).roots,
            vec!["/synced/claude/projects"]
        );
        assert!(!cfg.agent(Agent::Codex).enabled);
        assert!(cfg.agent(Agent::Pi).enabled);
        assert!(Config::parse("[agents.claude]\nbogus = 1").is_err());
    }

    #[test]
    fn resume_settings_parse_and_bad_flags_are_warnings() {
        let cfg = Config::parse(
            r#"
            [agents.claude]
            program = "~/bin/claude"
            args = ["--permission-mode", "plan"]
            env = { CLAUDE_CONFIG_DIR = "/c" }
            [agents.agsh]
            resume_flag = "-s"
            "#,
        )
        .unwrap();
        assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);
        let c = cfg.agent(Agent::Claude);
        assert_eq!(c.program.as_deref(), Some("~/bin/claude"));
        assert_eq!(c.args, vec!["--permission-mode", "plan"]);
        assert_eq!(c.env["CLAUDE_CONFIG_DIR"], "/c");
        assert_eq!(cfg.agent(Agent::Agsh).resume_flag.as_deref(), Some("-s"));
        let cfg = Config::parse(
            "[agents.agsh]\nresume_flag = \"s; rm\"\n[agents.codex]\nresume_flag = \"-c\"\n",
        )
        .unwrap();
        assert_eq!(cfg.warnings.len(), 2, "{:?}", cfg.warnings);
        assert!(cfg.warnings[0].contains("[agents.agsh] resume_flag = \"s; rm\""));
        assert!(cfg.warnings[1].contains("only agsh uses it"));
    }

    #[test]
    fn missing_default_config_is_defaults_but_explicit_is_error() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env::with_home(dir.path(), &[]);
        assert!(Config::load(&env, None).is_ok());
        assert!(Config::load(&env, Some(&dir.path().join("nope.toml"))).is_err());
    }
    #[test]
    fn keys_and_theme_parse() {
        let cfg = Config::parse(
            r#"
            theme = "light"
            [keys.list]
            search = "f"
            select_next = ["j", "n"]
            "#,
        )
        .unwrap();
        assert_eq!(cfg.theme.as_deref(), Some("light"));
        assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);
        let KeySection::Actions(list) = &cfg.keys.sections["list"] else {
            panic!("[keys.list] is a table");
        };
        assert_eq!(list["search"], KeyList::One("f".into()));
        assert_eq!(
            list["select_next"],
            KeyList::Many(vec!["j".into(), "n".into()])
        );
        assert_eq!(list["search"].keys(), Some(vec!["f"]));
        let mut built = KeysConfig::default();
        built.set("list", "search", &["f"]);
        built.set("list", "select_next", &["j", "n"]);
        assert_eq!(
            Keymap::with_overrides(&built).0.modes,
            Keymap::with_overrides(&cfg.keys).0.modes
        );
    }

    #[test]
    fn bad_keys_and_themes_are_warnings_not_errors() {
        let cfg = Config::parse(
            r#"
            theme = "solarized"
            [keys]
            quit = "x"
            [keys.lsit]
            quit = "x"
            [keys.list]
            frobnicate = "x"
            search = ["hyper-x"]
            open = 5
            cycle_sort = [1, 2]
            toggle_group = { key = "g" }
            "#,
        )
        .expect("a config with bad keys still loads");
        let w = &cfg.warnings;
        assert_eq!(w.len(), 8, "{w:?}");
        for needle in [
            "theme = \"solarized\"",
            "[keys] quit",
            "[keys.lsit]",
            "[keys.list] frobnicate",
            "\"hyper-x\"",
            "[keys.list] open",
            "[keys.list] cycle_sort",
            "[keys.list] toggle_group",
        ] {
            assert!(w.iter().any(|m| m.contains(needle)), "{needle}: {w:?}");
        }
        // TOML syntax errors and wrong types elsewhere still fail, naming the place
        let e = Config::parse("theme = 5").unwrap_err();
        assert!(e.contains("theme"), "{e}");
        assert!(Config::parse("[keys.list\nx = 1").is_err());
    }

    #[test]
    fn a_loaded_config_prints_back_to_the_same_config() {
        let text = r#"
            theme = "high-contrast"
            [agents.pi]
            roots = ["/srv/pi"]
            [agents.profclaw]
            url = "http://127.0.0.1:3000"
            [keys.global]
            quit = "ctrl-q"
            [keys.list]
            search = ["/", "f"]
            open = 5
            "#;
        let cfg = Config::parse(text).unwrap();
        let printed = toml::to_string(&cfg).unwrap();
        let again = Config::parse(&printed).unwrap();
        assert_eq!(again.theme, cfg.theme);
        assert_eq!(again.agents, cfg.agents);
        assert_eq!(again.keys, cfg.keys);
        assert_eq!(again.warnings, cfg.warnings);
        // an empty config prints nothing but is still a config
        assert_eq!(toml::to_string(&Config::default()).unwrap().trim(), "");
    }

    #[test]
    fn config_location() {
        let env = Env::with_home("/h", &[]);
        assert_eq!(
            Config::location(&env, None).unwrap(),
            PathBuf::from("/h/.config/revisit/config.toml")
        );
        let env = Env::with_home("/h", &[("XDG_CONFIG_HOME", "/x")]);
        assert_eq!(
            Config::location(&env, None).unwrap(),
            PathBuf::from("/x/revisit/config.toml")
        );
        let env = Env::with_home(
            "/h",
            &[("XDG_CONFIG_HOME", "/x"), ("REVISIT_CONFIG_DIR", "/r")],
        );
        assert_eq!(
            Config::location(&env, None).unwrap(),
            PathBuf::from("/r/config.toml")
        );
        assert_eq!(
            Config::location(&env, Some(Path::new("/e/c.toml"))).unwrap(),
            PathBuf::from("/e/c.toml")
        );
    }

    /// Is `line` (without its comment marker) a setting: `[section]` or `name = value`?
    fn is_setting(line: &str) -> bool {
        let line = line.trim_end();
        if let Some(inner) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            return !inner.is_empty()
                && inner
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        }
        match line.split_once(" = ") {
            Some((name, _)) => {
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            }
            None => false,
        }
    }

    /// The default file with its commented settings (`# name = value`, `# [section]`)
    /// uncommented; with `prefix = "#   "`, the indented examples instead.
    fn uncomment(prefix: &str) -> String {
        DEFAULT_CONFIG
            .lines()
            .filter_map(|l| {
                let rest = l.strip_prefix(prefix)?;
                // "#   " lines are not "# " settings, and the other way round
                if rest.starts_with(' ') || !is_setting(rest) {
                    return None;
                }
                Some(rest)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_default_file_as_is_is_the_defaults() {
        let cfg = Config::parse(DEFAULT_CONFIG).unwrap();
        assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);
        assert_eq!(cfg.theme, None);
        assert!(cfg.agents.is_empty() && cfg.keys.is_empty());
        assert!(cfg.pricing.is_default());
        // `revisit config --print-default > config.toml` gives a file revisit reads
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), DEFAULT_CONFIG).unwrap();
        let env = Env::with_home(
            dir.path(),
            &[("REVISIT_CONFIG_DIR", dir.path().to_str().unwrap())],
        );
        let loaded = Config::load(&env, None).unwrap();
        assert_eq!(loaded.path, Some(dir.path().join("config.toml")));
        assert!(loaded.warnings.is_empty());
    }

    #[test]
    fn the_default_file_uncommented_is_valid_and_complete() {
        let text = uncomment("# ");
        // parsed with deny_unknown_fields (cfg(test)): a misspelt setting fails here
        let cfg = Config::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);
        assert_eq!(cfg.theme.as_deref(), Some("dark"));
        // every agent has its section, all enabled
        for a in Agent::ALL {
            let entry = cfg.agents.get(a.as_str());
            assert!(
                entry.is_some_and(|c| c.enabled),
                "no [agents.{}]",
                a.as_str()
            );
        }
        // every setting is documented: each field revisit would write appears uncommented
        let full = Config {
            theme: Some("dark".into()),
            agents: [(
                "claude".to_string(),
                AgentConfig {
                    enabled: true,
                    roots: vec!["r".into()],
                    db: Some("d".into()),
                    server_dir: Some("s".into()),
                    url: Some("u".into()),
                    token: Some("t".into()),
                    program: Some("p".into()),
                    args: vec!["a".into()],
                    env: [("K".to_string(), "v".to_string())].into(),
                    resume_flag: Some("-c".into()),
                },
            )]
            .into(),
            keys: {
                let mut k = KeysConfig::default();
                k.set("list", "search", &["/"]);
                k
            },
            pricing: PricingConfig {
                cost_mode: Some("auto".into()),
                models: [("m".to_string(), full_price_entry())].into(),
            },
            ..Config::default()
        };
        let value = toml::Value::try_from(&full).unwrap();
        let top = value.as_table().unwrap();
        for name in top.keys() {
            assert!(
                text.lines()
                    .any(|l| l.starts_with(&format!("{name} = "))
                        || l.starts_with(&format!("[{name}."))),
                "the setting {name} is not in assets/config.toml"
            );
        }
        let agent = top["agents"]["claude"].as_table().unwrap();
        for name in agent.keys() {
            assert!(
                text.lines().any(|l| l.starts_with(&format!("{name} = "))),
                "the agent setting {name} is not in assets/config.toml"
            );
        }
        for name in top["pricing"].as_table().unwrap().keys() {
            assert!(
                text.lines().any(|l| l.starts_with(&format!("{name} = "))
                    || l.starts_with(&format!("[pricing.{name}."))),
                "the pricing setting {name} is not in assets/config.toml"
            );
        }
        // the example model gives every price, the long-context ones too
        assert_eq!(cfg.pricing.cost_mode(), CostMode::Auto);
        assert_eq!(cfg.pricing.cost_mode.as_deref(), Some("auto"));
        let example = cfg
            .pricing
            .models
            .values()
            .next()
            .expect("a [pricing.models.*] example");
        let every = |m: &ModelPriceConfig| {
            let all = toml::Value::try_from(m).unwrap();
            let full = toml::Value::try_from(full_price_entry()).unwrap();
            all.as_table()
                .unwrap()
                .keys()
                .eq(full.as_table().unwrap().keys())
                && all["above_200k"].as_table().unwrap().len()
                    == full["above_200k"].as_table().unwrap().len()
        };
        assert!(every(example), "{example:?}");
        // the key reference is exactly the default keymap: every binding with its keys
        let (km, messages) = Keymap::with_overrides(&cfg.keys);
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(km.modes, Keymap::default().modes);
        let mut missing = Vec::new();
        for (mode, keys, action, desc) in crate::app::keymap::DEFAULTS {
            let listed = match cfg.keys.sections.get(mode.name()) {
                Some(KeySection::Actions(a)) => a.get(&action.name()).and_then(|k| k.keys()),
                _ => None,
            };
            if listed.as_deref() != Some(*keys) {
                missing.push(format!(
                    "[keys.{}] {} = {:?}  # {desc}",
                    mode.name(),
                    action.name(),
                    keys
                ));
            }
        }
        assert!(
            missing.is_empty(),
            "assets/config.toml's key reference differs from DEFAULTS; expected:\n{}",
            missing.join("\n")
        );
        let listed: usize = cfg
            .keys
            .sections
            .values()
            .map(|s| match s {
                KeySection::Actions(a) => a.len(),
                KeySection::Other(_) => 1,
            })
            .sum();
        assert_eq!(
            listed,
            crate::app::keymap::DEFAULTS.len(),
            "nothing beyond DEFAULTS"
        );
    }

    fn full_price_entry() -> ModelPriceConfig {
        ModelPriceConfig {
            input: Some(1.0),
            output: Some(2.0),
            cache_read: Some(0.1),
            cache_write: Some(1.25),
            cache_write_1h: Some(2.0),
            above_200k: Some(TierPriceConfig {
                input: Some(2.0),
                output: Some(3.0),
                cache_read: Some(0.2),
                cache_write: Some(2.5),
            }),
        }
    }

    #[test]
    fn pricing_parses() {
        let cfg = Config::parse(
            r#"
            [pricing]
            cost_mode = "computed"
            [pricing.models.my-private-model]
            input = 3
            output = 15.0
            above_200k = { input = 6, cache_write = 7.5 }
            [pricing.models."gpt-5.1"]
            cache_read = 0.1
            "#,
        )
        .unwrap();
        assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);
        assert_eq!(cfg.pricing.cost_mode(), CostMode::Computed);
        let m = &cfg.pricing.models["my-private-model"];
        assert_eq!(
            (m.input, m.output, m.cache_read),
            (Some(3.0), Some(15.0), None)
        );
        let tier = m.above_200k.as_ref().unwrap();
        assert_eq!(
            (tier.input, tier.output, tier.cache_write),
            (Some(6.0), None, Some(7.5))
        );
        assert_eq!(cfg.pricing.models["gpt-5.1"].cache_read, Some(0.1));
        // the table the UI prices with
        let (table, warnings) = PriceTable::embedded().with_overrides(&cfg.pricing);
        assert!(warnings.is_empty(), "{warnings:?}");
        let (_, p) = table.lookup("my-private-model").unwrap();
        assert_eq!((p.input, p.output), (3e-6, 15e-6));
        let read = table.lookup("gpt-5.1").unwrap().1.cache_read.unwrap();
        assert!((read - 1e-7).abs() < 1e-18, "{read}");
        // it prints back to the same config
        let again = Config::parse(&toml::to_string(&cfg).unwrap()).unwrap();
        assert_eq!(again.pricing, cfg.pricing);
        // unset: auto
        assert_eq!(Config::default().pricing.cost_mode(), CostMode::Auto);
    }

    #[test]
    fn bad_prices_and_cost_modes_are_warnings_not_errors() {
        let cfg = Config::parse(
            r#"
            theme = "light"
            [pricing]
            cost_mode = "cheapest"
            [pricing.models.gpt-5]
            input = -1.25
            [pricing.models.new-model]
            input = 1.0
            [pricing.models.other-model]
            input = 1.0
            output = 2.0
            above_200k = { output = -4.0 }
            [pricing.models.fine-model]
            input = 1.0
            output = 2.0
            "#,
        )
        .expect("a config with bad prices still loads");
        let w = &cfg.warnings;
        assert_eq!(w.len(), 4, "{w:?}");
        for needle in [
            "cost_mode = \"cheapest\"",
            "[pricing.models.gpt-5] input = -1.25",
            "[pricing.models.new-model]: revisit does not know this model",
            "[pricing.models.other-model] above_200k.output = -4",
        ] {
            assert!(w.iter().any(|m| m.contains(needle)), "{needle}: {w:?}");
        }
        // the rest of the file still applies
        assert_eq!(cfg.theme.as_deref(), Some("light"));
        assert_eq!(cfg.pricing.cost_mode(), CostMode::Auto);
        // a value of the wrong type is an error, naming the place
        let e = Config::parse("[pricing.models.x]\ninput = \"3\"").unwrap_err();
        assert!(e.contains("input"), "{e}");
        // under test, a misspelt price fails (deny_unknown_fields)
        assert!(Config::parse("[pricing.models.x]\ninptu = 3").is_err());
        assert!(Config::parse("[pricing]\ncostmode = \"auto\"").is_err());
    }

    #[test]
    fn the_default_files_examples_are_valid() {
        let text = uncomment("#   ");
        let cfg = Config::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);
        assert!(cfg.keys.sections.len() >= 3, "{text}");
        let (km, _) = Keymap::with_overrides(&cfg.keys);
        assert_ne!(km.modes, Keymap::default().modes);
    }
}
