//! The environment snapshot (HOME, XDG dirs, agents' env overrides) and the user's config file.
//!
//! Everything that looks at environment variables goes through [`Env`], so tests and the demo
//! mode can run against a fixture home without touching the real one.

use crate::model::Agent;
use serde::Deserialize;
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
#[derive(Debug, Clone, Deserialize)]
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
        }
    }
}

/// `config.toml`. Every field has a default; a missing file means all defaults.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct Config {
    /// Per agent, keyed by the agent's name (`claude`, `codex`, …).
    pub agents: BTreeMap<String, AgentConfig>,
    /// Where the file came from, if any (not read from the file).
    #[serde(skip)]
    pub path: Option<PathBuf>,
    /// Unknown agent names found under `[agents]`, reported by `doctor`.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

impl Config {
    /// Load `explicit` (an error if unreadable) or the default location (missing = defaults).
    pub fn load(env: &Env, explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let (path, must_exist) = match explicit {
            Some(p) => (Some(p.to_path_buf()), true),
            None => (
                env.revisit_config_dir().map(|d| d.join("config.toml")),
                false,
            ),
        };
        let Some(path) = path else {
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

    pub fn parse(text: &str) -> Result<Config, String> {
        let mut cfg: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        for name in cfg.agents.keys() {
            if name.parse::<Agent>().is_err() {
                cfg.warnings
                    .push(format!("[agents.{name}]: unknown agent, ignored"));
            }
        }
        Ok(cfg)
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
    fn missing_default_config_is_defaults_but_explicit_is_error() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env::with_home(dir.path(), &[]);
        assert!(Config::load(&env, None).is_ok());
        assert!(Config::load(&env, Some(&dir.path().join("nope.toml"))).is_err());
    }
}
