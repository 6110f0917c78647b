//! The normalised model every source adapter produces: plain data, no terminal or SQLite types.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The agents revisit knows. The string form (`as_str`) is what the CLI, the JSON output and
/// the `agent:` filter use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Agent {
    Claude,
    Codex,
    Gemini,
    Opencode,
    Pi,
    Agsh,
    Agenix,
    Profclaw,
}

impl Agent {
    pub const ALL: [Agent; 8] = [
        Agent::Claude,
        Agent::Codex,
        Agent::Gemini,
        Agent::Opencode,
        Agent::Pi,
        Agent::Agsh,
        Agent::Agenix,
        Agent::Profclaw,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Agent::Claude => "claude",
            Agent::Codex => "codex",
            Agent::Gemini => "gemini",
            Agent::Opencode => "opencode",
            Agent::Pi => "pi",
            Agent::Agsh => "agsh",
            Agent::Agenix => "agenix",
            Agent::Profclaw => "profclaw",
        }
    }

    /// The name people know the agent by, for headings.
    pub fn display_name(self) -> &'static str {
        match self {
            Agent::Claude => "Claude Code",
            Agent::Codex => "Codex CLI",
            Agent::Gemini => "Gemini CLI",
            Agent::Opencode => "OpenCode",
            Agent::Pi => "Pi",
            Agent::Agsh => "agsh",
            Agent::Agenix => "Agenix",
            Agent::Profclaw => "profclaw",
        }
    }
}

impl fmt::Display for Agent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Agent {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let agent = match lower.as_str() {
            "claude" | "claude-code" | "claudecode" | "cc" => Agent::Claude,
            "codex" | "codex-cli" => Agent::Codex,
            "gemini" | "gemini-cli" => Agent::Gemini,
            "opencode" => Agent::Opencode,
            "pi" => Agent::Pi,
            "agsh" => Agent::Agsh,
            "agenix" => Agent::Agenix,
            "profclaw" => Agent::Profclaw,
            _ => {
                let names: Vec<&str> = Agent::ALL.iter().map(|a| a.as_str()).collect();
                return Err(format!("unknown agent '{s}' (known: {})", names.join(", ")));
            }
        };
        Ok(agent)
    }
}

/// Token usage in the semantics shared by every agent:
/// `input` is billed at the full input rate (cache reads and writes excluded), `output` is every
/// output token (reasoning included) and `reasoning` is the part of `output` that was reasoning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    pub input: u64,
    pub output: u64,
    pub cache_read: u64,
    pub cache_write: u64,
    pub reasoning: u64,
    /// The part of `cache_write` written to the 1-hour cache (Claude), priced differently.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cache_write_1h: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl TokenUsage {
    /// The most tokens one request is taken to have of each kind: a count above it (a number
    /// beyond any context window, written by a bug or by hand) is stored as this, so that sums
    /// over millions of messages still fit in 64 bits.
    pub const MAX_COUNT: u64 = 1 << 40;

    pub fn total(&self) -> u64 {
        self.input
            .saturating_add(self.output)
            .saturating_add(self.cache_read)
            .saturating_add(self.cache_write)
    }

    pub fn add(&mut self, other: &TokenUsage) {
        self.input = self.input.saturating_add(other.input);
        self.output = self.output.saturating_add(other.output);
        self.cache_read = self.cache_read.saturating_add(other.cache_read);
        self.cache_write = self.cache_write.saturating_add(other.cache_write);
        self.reasoning = self.reasoning.saturating_add(other.reasoning);
        self.cache_write_1h = self.cache_write_1h.saturating_add(other.cache_write_1h);
    }

    /// Every count capped at [`TokenUsage::MAX_COUNT`].
    pub fn clamped(self) -> TokenUsage {
        let c = |n: u64| n.min(TokenUsage::MAX_COUNT);
        TokenUsage {
            input: c(self.input),
            output: c(self.output),
            cache_read: c(self.cache_read),
            cache_write: c(self.cache_write),
            reasoning: c(self.reasoning),
            cache_write_1h: c(self.cache_write_1h),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total() == 0 && self.reasoning == 0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// What a person typed, or text injected on their side (see `Message::meta`).
    User,
    Assistant,
    /// A message that carries tool results back to the model.
    Tool,
    /// Notices: compaction, errors, model changes and the like.
    System,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
            Role::System => "system",
        }
    }

    pub fn parse(s: &str) -> Role {
        match s {
            "user" => Role::User,
            "assistant" => Role::Assistant,
            "tool" => Role::Tool,
            _ => Role::System,
        }
    }
}

/// One piece of a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Text {
        text: String,
    },
    /// Reasoning. `sealed` means only a signature or encrypted blob was stored, not the text.
    Thinking {
        text: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        sealed: bool,
    },
    ToolCall {
        id: String,
        name: String,
        /// The arguments as the agent stored them (usually a JSON object; raw text for
        /// free-form tools such as Codex's `apply_patch`).
        input: serde_json::Value,
    },
    ToolResult {
        call_id: String,
        output: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        is_error: bool,
    },
    /// Something that is neither said nor done: compaction, a model or mode change, an API error.
    Notice {
        kind: String,
        text: String,
    },
    /// An attachment that is not text (an image, a document): only its description is kept.
    Attachment {
        kind: String,
        description: String,
    },
}

impl Block {
    pub fn text(s: impl Into<String>) -> Block {
        Block::Text { text: s.into() }
    }
}

/// One message of a transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    pub blocks: Vec<Block>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TokenUsage>,
    /// Cost the agent itself recorded for this message, in USD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// Part of a subagent or sidechain conversation.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sidechain: bool,
    /// Which subagent conversation this belongs to (when `sidechain`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Injected or meta text on the person's side that they did not type (context preambles,
    /// slash-command echoes, caveats). Shown muted, never counted as a prompt.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub meta: bool,
    /// The agent's own id for this message (the last line's uuid for Claude), used to attach
    /// summaries written in other files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub native_id: Option<String>,
}

impl AsRef<Message> for Message {
    fn as_ref(&self) -> &Message {
        self
    }
}

impl Message {
    pub fn new(role: Role) -> Message {
        Message {
            role,
            time: None,
            model: None,
            blocks: Vec::new(),
            usage: None,
            cost_usd: None,
            sidechain: false,
            agent_id: None,
            meta: false,
            native_id: None,
        }
    }

    /// A prompt is what a person typed: a user message with text that is not injected.
    pub fn is_prompt(&self) -> bool {
        self.role == Role::User
            && !self.meta
            && !self.sidechain
            && self
                .blocks
                .iter()
                .any(|b| matches!(b, Block::Text { text } if !text.trim().is_empty()))
    }

    pub fn tool_calls(&self) -> usize {
        self.blocks
            .iter()
            .filter(|b| matches!(b, Block::ToolCall { .. }))
            .count()
    }

    /// All text of the message joined, as used for titles and previews.
    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        for b in &self.blocks {
            if let Block::Text { text } = b {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(text);
            }
        }
        out
    }
}

/// How to resume a session: an argument vector (never a shell string) and the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResumeTarget {
    pub argv: Vec<String>,
    pub cwd: Option<String>,
}

impl ResumeTarget {
    /// The command as one line to paste into a POSIX shell (for people: revisit itself never
    /// runs it through a shell).
    pub fn shell_line(&self) -> String {
        let cmd = self
            .argv
            .iter()
            .map(|a| shell_quote(a))
            .collect::<Vec<_>>()
            .join(" ");
        match &self.cwd {
            Some(d) => format!("cd {} && {cmd}", shell_quote(d)),
            None => cmd,
        }
    }
}

/// Quote a word for a POSIX shell: as is when it is plainly safe, else in single quotes.
pub fn shell_quote(s: &str) -> String {
    let safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A session as listed: metadata plus aggregates over its messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub agent: Agent,
    /// What the agent's own resume flag takes.
    pub id: String,
    pub title: String,
    pub cwd: Option<String>,
    pub project: Option<String>,
    pub models: Vec<String>,
    pub git_branch: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub prompts: u64,
    pub messages: u64,
    pub tool_calls: u64,
    pub subagents: u64,
    pub tokens: TokenUsage,
    /// False for agents that store no token usage at all (agsh): the counts are unknown.
    pub tokens_known: bool,
    pub cost_usd: Option<f64>,
    /// Requests whose cost is unknown (a model without a price): `cost_usd` is then a lower
    /// bound, or `None` when nothing could be priced.
    #[serde(default)]
    pub unpriced_turns: u64,
    pub source: String,
    pub resume: Option<ResumeTarget>,
    pub parse_errors: u64,
    /// Index key: `agent:id`, or `agent:id@scope` where ids are only unique per directory.
    pub key: String,
    /// First real prompt, for search and previews.
    pub first_prompt: Option<String>,
    /// Agent-specific status (a lock, a server state); `None` when the agent has none.
    pub status: Option<String>,
    /// What revisit itself knows of the session, beyond the agent's files.
    #[serde(flatten, default)]
    pub extra: SessionExtra,
}

/// What revisit knows of a session beyond the agent's files: the person's name and tags (kept
/// in revisit's own database), whether revisit keeps an archived copy, and when the agent's
/// own retention setting will delete it. Filled in as sessions are read from the index.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionExtra {
    /// A name the person gave it in revisit (shown instead of the title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Tags the person gave it in revisit, sorted, lower-case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// When revisit archived a copy of it (`None`: not archived).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<DateTime<Utc>>,
    /// Only the archived copy is left: the agent's own files are gone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub archive_only: bool,
    /// When the agent's retention setting will delete it (`None`: never, or unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// The setting that decides `expires_at`, and where it is set
    /// (`cleanupPeriodDays = 30 in ~/.claude/settings.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_rule: Option<String>,
}

impl Session {
    pub fn project_of(cwd: &str) -> Option<String> {
        let trimmed = cwd.trim_end_matches(['/', '\\']);
        let last = trimmed.rsplit(['/', '\\']).next()?;
        if last.is_empty() {
            None
        } else {
            Some(last.to_string())
        }
    }
}

/// RFC 3339 in UTC with a `Z`, fractional seconds only when present.
pub fn rfc3339(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Parse the timestamps agents write: RFC 3339 (with or without fraction), or naive ISO
/// (taken as UTC), or epoch seconds/milliseconds as a number.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc());
        }
    }
    None
}

/// Epoch seconds or milliseconds (heuristic on magnitude) to a time.
pub fn time_from_epoch(n: f64) -> Option<DateTime<Utc>> {
    if !n.is_finite() || n <= 0.0 {
        return None;
    }
    let millis = if n > 1e11 { n } else { n * 1000.0 };
    if millis > 32_503_680_000_000.0 {
        return None; // beyond year 3000: not a timestamp
    }
    DateTime::from_timestamp_millis(millis as i64)
}

/// Each message behind its own `Arc` (a reload shares those that did not change), in a list
/// of its own length. `collect()` would reuse the messages' buffer in place: 184 bytes a slot
/// kept for an 8-byte pointer, 24 MB of a 109,000-message session.
pub fn arc_all(messages: Vec<Message>) -> Vec<std::sync::Arc<Message>> {
    let mut out = Vec::with_capacity(messages.len());
    out.extend(messages.into_iter().map(std::sync::Arc::new));
    out
}

/// A session with plain values, for tests of code that takes sessions.
#[cfg(test)]
pub fn test_session(i: usize) -> Session {
    Session {
        agent: Agent::Claude,
        id: format!("id{i}"),
        title: format!("session {i}"),
        cwd: None,
        project: None,
        models: vec![],
        git_branch: None,
        started_at: None,
        updated_at: None,
        prompts: 1,
        messages: 2,
        tool_calls: 0,
        subagents: 0,
        tokens: TokenUsage::default(),
        tokens_known: true,
        cost_usd: None,
        unpriced_turns: 0,
        source: String::new(),
        resume: None,
        parse_errors: 0,
        key: format!("claude:id{i}"),
        first_prompt: None,
        status: None,
        extra: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_behind_arcs_take_a_list_of_their_own_length() {
        let msgs: Vec<Message> = (0..1000).map(|_| Message::new(Role::User)).collect();
        let shared = arc_all(msgs);
        assert_eq!(shared.len(), 1000);
        // not the messages' buffer reused (1000 slots of a Message each)
        assert_eq!(shared.capacity(), 1000);
    }

    #[test]
    fn agent_round_trip() {
        for a in Agent::ALL {
            assert_eq!(a.as_str().parse::<Agent>().unwrap(), a);
        }
        assert!("nope".parse::<Agent>().is_err());
    }

    #[test]
    fn resume_lines_quote_what_a_shell_would_split() {
        let t = ResumeTarget {
            argv: vec!["claude".into(), "--resume".into(), "a b'c".into()],
            cwd: Some("/home/me/my project".into()),
        };
        assert_eq!(
            t.shell_line(),
            "cd '/home/me/my project' && claude --resume 'a b'\\''c'"
        );
        assert_eq!(shell_quote("$(rm -rf ~)"), "'$(rm -rf ~)'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn prompt_detection() {
        let mut m = Message::new(Role::User);
        m.blocks.push(Block::text("hello"));
        assert!(m.is_prompt());
        m.meta = true;
        assert!(!m.is_prompt());
        let mut t = Message::new(Role::Tool);
        t.blocks.push(Block::ToolResult {
            call_id: "x".into(),
            output: "out".into(),
            is_error: false,
        });
        assert!(!t.is_prompt());
    }

    #[test]
    fn times() {
        assert_eq!(
            rfc3339(&parse_time("2026-11-24T02:58:18.746Z").unwrap()),
            "2026-11-24T02:58:18.746Z"
        );
        assert_eq!(
            rfc3339(&parse_time("2026-11-24T02:40:24.845383893+00:00").unwrap()),
            "2026-11-24T02:40:24.845383893Z"
        );
        assert_eq!(
            rfc3339(&parse_time("2026-11-24T02:32:07.199391").unwrap()),
            "2026-11-24T02:32:07.199391Z"
        );
        assert!(parse_time("yesterday").is_none());
        assert!(time_from_epoch(1.7e9).is_some());
        assert!(time_from_epoch(-5.0).is_none());
        assert!(time_from_epoch(1e30).is_none());
    }

    #[test]
    fn project_names() {
        assert_eq!(Session::project_of("/home/dev/proj"), Some("proj".into()));
        assert_eq!(Session::project_of("/home/dev/proj/"), Some("proj".into()));
        assert_eq!(Session::project_of("C:\\git\\x"), Some("x".into()));
        assert_eq!(Session::project_of("/"), None);
    }
}
