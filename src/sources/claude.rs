//! Claude Code: `~/.claude/projects/<encoded cwd>/<session>.jsonl`, plus `$CLAUDE_CONFIG_DIR`
//! (one or more, comma separated) and `$XDG_CONFIG_HOME/claude/projects`.
//!
//! Rules (see `FORMATS.md` §1):
//! - cwd comes from the entries (the first conversation entry), never from the folder name;
//! - one API response is written as several lines sharing `message.id`: they are merged into
//!   one message and its usage is counted once (the largest seen);
//! - `<synthetic>` lines (API error placeholders) count no usage and no model;
//! - subagents: inline `isSidechain` lines, `agent-*.jsonl` beside the session (layout 2) and
//!   `<session>/subagents/agent-*.jsonl` (layout 3) all belong to the parent session;
//! - title: custom title, else AI title, else a summary pointing at the session's messages
//!   (often written in a later file), else the first real prompt;
//! - unknown line types are skipped and counted.

use super::util::{self, de, walk_files};
use super::{
    HintTarget, IssueKind, LineFormat, Parser, ResumeTarget, Root, RootOrigin, ScanOut,
    SessionMeta, Sink, Source, StoreKind, StoreRef, TitleHint, TypedLines, config_roots, rank,
};
use crate::model::{Agent, Block, Message, Role, Session, TokenUsage, parse_time};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

pub struct ClaudeSource;

impl Source for ClaudeSource {
    fn agent(&self) -> Agent {
        Agent::Claude
    }

    fn roots(&self, ctx: &super::DiscoverCtx) -> Vec<Root> {
        let mut roots = Vec::new();
        if let Some(list) = ctx.env.var("CLAUDE_CONFIG_DIR") {
            for dir in list.split(',').map(str::trim).filter(|d| !d.is_empty()) {
                roots.push(Root {
                    agent: Agent::Claude,
                    path: ctx.env.expand(dir).join("projects"),
                    origin: RootOrigin::Env("CLAUDE_CONFIG_DIR".into()),
                });
            }
        }
        if let Some(home) = ctx.env.home() {
            roots.push(Root {
                agent: Agent::Claude,
                path: home.join(".claude/projects"),
                origin: RootOrigin::Default,
            });
        }
        if let Some(cfg) = ctx.env.xdg_config_home() {
            let origin = if ctx.env.var("XDG_CONFIG_HOME").is_some() {
                RootOrigin::Env("XDG_CONFIG_HOME".into())
            } else {
                RootOrigin::Default
            };
            roots.push(Root {
                agent: Agent::Claude,
                path: cfg.join("claude/projects"),
                origin,
            });
        }
        roots.extend(config_roots(ctx, Agent::Claude));
        roots
    }

    fn scan(&self, root: &Root, out: &mut ScanOut) {
        // A configured root may name the config dir rather than its `projects/`.
        let base = if root.path.join("projects").is_dir() && root.origin == RootOrigin::Config {
            root.path.join("projects")
        } else {
            root.path.clone()
        };
        walk_files(&base, 5, out, &mut |p, out| {
            if p.extension().and_then(|e| e.to_str()) != Some("jsonl") {
                return;
            }
            // large tool outputs live under <session>/tool-results/: not transcripts
            if p.components().any(|c| c.as_os_str() == "tool-results") {
                return;
            }
            out.stores.push(StoreRef {
                agent: Agent::Claude,
                path: p.to_path_buf(),
                kind: StoreKind::Jsonl,
                root: root.path.clone(),
                priority: 0,
            });
        });
    }

    fn parser(&self, store: &StoreRef) -> Parser {
        TypedLines::boxed(ClaudeFormat::for_path(&store.path))
    }

    /// `claude --resume <id>` in the session's start directory (from anywhere else Claude
    /// answers "No conversation found"); without a known directory, by the file's path.
    fn resume(&self, s: &Session) -> Option<ResumeTarget> {
        if !util::arg_id(&s.id, "-_") {
            return None;
        }
        match util::run_dir(&s.cwd) {
            Some(cwd) => Some(ResumeTarget {
                argv: vec!["claude".into(), "--resume".into(), s.id.clone()],
                cwd: Some(cwd),
            }),
            None => self.resume_elsewhere(s),
        }
    }

    fn continue_latest(&self, s: &Session) -> Option<ResumeTarget> {
        Some(ResumeTarget {
            argv: vec!["claude".into(), "--continue".into()],
            cwd: Some(util::run_dir(&s.cwd)?),
        })
    }

    /// `claude --resume <absolute path of the .jsonl>` works from any directory.
    fn resume_elsewhere(&self, s: &Session) -> Option<ResumeTarget> {
        let path = &s.source;
        if !util::arg_id(&s.id, "-_") || !util::arg_path(path) || !path.ends_with(".jsonl") {
            return None;
        }
        Some(ResumeTarget {
            argv: vec!["claude".into(), "--resume".into(), path.clone()],
            cwd: None,
        })
    }
}

/// What a file is, from its path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FileRole {
    /// `<session>.jsonl`: the session itself.
    Main { session: String },
    /// `agent-<id>.jsonl`: a subagent transcript; the parent is known from the path (layout 3)
    /// or from the lines' `sessionId` (layout 2).
    Subagent {
        agent_id: String,
        parent: Option<String>,
    },
}

pub struct ClaudeFormat {
    role: FileRole,
}

impl ClaudeFormat {
    pub fn for_path(path: &Path) -> ClaudeFormat {
        let stem = util::file_stem(path).to_string();
        let role = if let Some(agent_id) = stem.strip_prefix("agent-") {
            // layout 3: <session>/subagents/[workflows/<wf>/]agent-<id>.jsonl
            let parent = path
                .ancestors()
                .skip(1)
                .find(|a| util::file_name(a) == "subagents")
                .and_then(Path::parent)
                .map(|p| util::file_name(p).to_string())
                .filter(|s| !s.is_empty());
            FileRole::Subagent {
                agent_id: agent_id.to_string(),
                parent,
            }
        } else {
            FileRole::Main { session: stem }
        };
        ClaudeFormat { role }
    }
}

/// How many recent assistant messages stay open for merging streamed lines.
const OPEN_WINDOW: usize = 6;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ClaudeState {
    next_seq: u32,
    /// Recent assistant messages, by `message.id`, that later lines may extend.
    open: Vec<OpenMsg>,
    /// Hashes of `message.id`s whose usage has been counted.
    counted: HashSet<u64>,
    /// Inline sidechains: uuid hash → sidechain number.
    sidechain_of: HashMap<u64, u32>,
    sidechains: u32,
    meta: SessionMeta,
    custom_title: Option<String>,
    ai_title: Option<String>,
    /// The first slash command, a title of last resort.
    first_command: Option<String>,
    /// The parent session of a layout-2 subagent file, once seen.
    parent: Option<String>,
    dirty: bool,
}

#[derive(Debug, Serialize, Deserialize)]
struct OpenMsg {
    key: String,
    seq: u32,
    counted: bool,
    msg: Message,
}

/// The fields of a line that revisit reads; everything else is skipped without allocation.
#[derive(Deserialize)]
struct Line {
    #[serde(rename = "type", default, deserialize_with = "de::opt_string")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    subtype: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    uuid: Option<String>,
    #[serde(rename = "parentUuid", default, deserialize_with = "de::opt_string")]
    parent_uuid: Option<String>,
    #[serde(rename = "isSidechain", default, deserialize_with = "de::boolish")]
    is_sidechain: bool,
    #[serde(rename = "isMeta", default, deserialize_with = "de::boolish")]
    is_meta: bool,
    #[serde(rename = "isCompactSummary", default, deserialize_with = "de::boolish")]
    is_compact_summary: bool,
    #[serde(
        rename = "isApiErrorMessage",
        default,
        deserialize_with = "de::boolish"
    )]
    is_api_error: bool,
    #[serde(default, deserialize_with = "de::opt_string")]
    cwd: Option<String>,
    #[serde(rename = "sessionId", default, deserialize_with = "de::opt_string")]
    session_id: Option<String>,
    #[serde(rename = "gitBranch", default, deserialize_with = "de::opt_string")]
    git_branch: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    timestamp: Option<String>,
    #[serde(rename = "agentId", default, deserialize_with = "de::opt_string")]
    agent_id: Option<String>,
    #[serde(default)]
    message: Option<Value>,
    #[serde(default)]
    content: Option<Value>,
    #[serde(default, deserialize_with = "de::opt_string")]
    summary: Option<String>,
    #[serde(rename = "leafUuid", default, deserialize_with = "de::opt_string")]
    leaf_uuid: Option<String>,
    #[serde(rename = "customTitle", default, deserialize_with = "de::opt_string")]
    custom_title: Option<String>,
    #[serde(rename = "aiTitle", default, deserialize_with = "de::opt_string")]
    ai_title: Option<String>,
    #[serde(rename = "compactMetadata", default)]
    compact_metadata: Option<Value>,
    #[serde(default)]
    error: Option<Value>,
}

/// Line types that are understood and deliberately not shown.
const KNOWN_QUIET: &[&str] = &[
    "agent-name",
    "agent-setting",
    "last-prompt",
    "file-history-snapshot",
    "file-history-delta",
    "queue-operation",
    "permission-mode",
    "mode",
    "pr-link",
    "bridge-session",
    "worktree-state",
    "relocated",
    "frame-link",
    "attachment",
    "progress",
    "tag",
];

/// User text that Claude Code injects rather than the person typing it.
pub fn is_injected(text: &str) -> bool {
    let t = text.trim_start();
    const PREFIXES: &[&str] = &[
        "<local-command-stdout>",
        "<local-command-stderr>",
        "<local-command-caveat>",
        "<system-reminder>",
        "<user-prompt-submit-hook>",
        "<bash-input>",
        "<bash-stdout>",
        "<bash-stderr>",
        "Caveat:",
        "[Request interrupted by user",
    ];
    PREFIXES.iter().any(|p| t.starts_with(p))
}

/// `<command-name>/x</command-name> … <command-args>y</command-args>` → `/x y`: the slash
/// command as the person typed it.
pub fn slash_command(text: &str) -> Option<String> {
    let t = text.trim_start();
    if !(t.starts_with("<command-name>") || t.starts_with("<command-message>")) {
        return None;
    }
    let tag = |name: &str| -> Option<&str> {
        let open = format!("<{name}>");
        let close = format!("</{name}>");
        let start = t.find(&open)? + open.len();
        let end = t[start..].find(&close)? + start;
        Some(t[start..end].trim())
    };
    let name = tag("command-name")?;
    let name = if name.starts_with('/') {
        name.to_string()
    } else {
        format!("/{name}")
    };
    match tag("command-args").filter(|a| !a.is_empty()) {
        Some(args) => Some(format!("{name} {args}")),
        None => Some(name),
    }
}

/// Was the original content a slash command (before it was rewritten for display)?
fn blocks_were_commands(content: &Value) -> bool {
    match content {
        Value::String(s) => slash_command(s).is_some(),
        Value::Array(items) => items.iter().any(|b| {
            b.get("text")
                .and_then(Value::as_str)
                .is_some_and(|t| slash_command(t).is_some())
        }),
        _ => false,
    }
}

fn hash(s: &str) -> u64 {
    util::fnv1a(s.as_bytes())
}

fn usage_of(v: &Value) -> TokenUsage {
    let c1h = v
        .get("cache_creation")
        .map(|c| util::count_of(c, "ephemeral_1h_input_tokens"))
        .unwrap_or(0);
    let cache_write = util::count_of(v, "cache_creation_input_tokens");
    TokenUsage {
        input: util::count_of(v, "input_tokens"),
        output: util::count_of(v, "output_tokens"),
        cache_read: util::count_of(v, "cache_read_input_tokens"),
        cache_write,
        reasoning: 0,
        cache_write_1h: c1h.min(cache_write),
    }
}

/// Convert Claude content blocks (lenient: anything odd becomes text or is dropped).
fn blocks_of(content: &Value) -> Vec<Block> {
    let mut out = Vec::new();
    match content {
        Value::String(s) => out.push(Block::text(s.clone())),
        Value::Array(items) => {
            for b in items {
                let kind = b.get("type").and_then(Value::as_str).unwrap_or("");
                match kind {
                    "text" => {
                        if let Some(t) = b.get("text").and_then(Value::as_str) {
                            out.push(Block::text(t));
                        }
                    }
                    "thinking" => {
                        let text = b
                            .get("thinking")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string();
                        let sealed = text.trim().is_empty();
                        out.push(Block::Thinking { text, sealed });
                    }
                    "redacted_thinking" => out.push(Block::Thinking {
                        text: String::new(),
                        sealed: true,
                    }),
                    "tool_use" | "server_tool_use" => out.push(Block::ToolCall {
                        id: util::str_of(b, "id").unwrap_or("").to_string(),
                        name: util::str_of(b, "name").unwrap_or("?").to_string(),
                        input: b.get("input").cloned().unwrap_or(Value::Null),
                    }),
                    "tool_result" | "web_search_tool_result" => out.push(Block::ToolResult {
                        call_id: util::str_of(b, "tool_use_id").unwrap_or("").to_string(),
                        output: b.get("content").map(util::content_text).unwrap_or_default(),
                        is_error: util::bool_of(b, "is_error"),
                    }),
                    "image" | "document" => {
                        let media = b
                            .get("source")
                            .and_then(|s| util::str_of(s, "media_type"))
                            .unwrap_or(kind);
                        out.push(Block::Attachment {
                            kind: kind.to_string(),
                            description: media.to_string(),
                        });
                    }
                    _ => {
                        if let Some(t) = b.get("text").and_then(Value::as_str) {
                            out.push(Block::text(t));
                        }
                    }
                }
            }
        }
        _ => {}
    }
    out
}

impl ClaudeFormat {
    /// The session uid these lines belong to, if known yet.
    fn uid<'a>(&'a self, st: &'a ClaudeState) -> Option<&'a str> {
        match &self.role {
            FileRole::Main { session } => Some(session.as_str()),
            FileRole::Subagent { parent, .. } => parent.as_deref().or(st.parent.as_deref()),
        }
    }

    fn is_main(&self) -> bool {
        matches!(self.role, FileRole::Main { .. })
    }

    fn emit(&self, st: &mut ClaudeState, seq: u32, msg: Message, sink: &mut Sink) {
        let primary = self.is_main();
        let uid = match self.uid(st) {
            Some(u) => u.to_string(),
            // a layout-2 subagent file whose parent is not known (yet): keep it apart
            None => match &self.role {
                FileRole::Subagent { agent_id, .. } => format!("agent-{agent_id}"),
                FileRole::Main { session } => session.clone(),
            },
        };
        sink.put(&uid, primary, seq, msg);
    }

    fn note_times(&self, st: &mut ClaudeState, l: &Line) {
        if let Some(t) = l.timestamp.as_deref().and_then(parse_time) {
            if st.meta.started_at.is_none_or(|s| t < s) {
                st.meta.started_at = Some(t);
            }
            if st.meta.updated_at.is_none_or(|u| t > u) {
                st.meta.updated_at = Some(t);
            }
            st.dirty = true;
        }
    }

    /// Sidechain grouping for inline sidechains (layout 1): a root line starts a new one.
    fn sidechain_id(&self, st: &mut ClaudeState, l: &Line) -> Option<String> {
        if let FileRole::Subagent { agent_id, .. } = &self.role {
            return Some(agent_id.clone());
        }
        if !l.is_sidechain {
            return None;
        }
        if let Some(a) = &l.agent_id {
            return Some(a.clone());
        }
        let parent = l.parent_uuid.as_deref().map(hash);
        let n = match parent.and_then(|p| st.sidechain_of.get(&p).copied()) {
            Some(n) => n,
            None => {
                st.sidechains += 1;
                st.sidechains
            }
        };
        if let Some(u) = &l.uuid {
            st.sidechain_of.insert(hash(u), n);
        }
        Some(format!("sidechain-{n}"))
    }

    fn on_conversation(&self, st: &mut ClaudeState, l: Line, sink: &mut Sink) {
        self.note_times(st, &l);
        // A layout-2 subagent file names its parent on every line. Messages emitted before one
        // did went to `agent-<id>`: the file stays there (adopting a parent then would start
        // the parent's part at a gap and split the subagent in two).
        if st.parent.is_none()
            && st.next_seq == 0
            && let FileRole::Subagent { parent: None, .. } = self.role
        {
            st.parent = l.session_id.clone().filter(|s| !s.is_empty());
        }
        if st.meta.cwd.is_none()
            && let Some(c) = &l.cwd
        {
            st.meta.cwd = Some(c.clone());
            st.dirty = true;
        }
        // the branch of the start directory (lines written after a resume elsewhere carry
        // that other directory's branch); a detached HEAD never replaces a real branch
        let same_dir = l.cwd.is_none() || l.cwd == st.meta.cwd;
        if let Some(b) = l.git_branch.as_deref().filter(|b| !b.is_empty())
            && same_dir
            && st.meta.git_branch.as_deref() != Some(b)
            && (b != "HEAD" || st.meta.git_branch.is_none())
        {
            st.meta.git_branch = Some(b.to_string());
            st.dirty = true;
        }
        let sidechain = self.sidechain_id(st, &l);
        let time = l.timestamp.as_deref().and_then(parse_time);
        let kind = l.kind.as_deref().unwrap_or("");
        match kind {
            "assistant" => self.on_assistant(st, l, time, sidechain, sink),
            "user" => self.on_user(st, l, time, sidechain, sink),
            _ => self.on_system(st, l, time, sidechain, sink),
        }
    }

    fn on_assistant(
        &self,
        st: &mut ClaudeState,
        l: Line,
        time: Option<chrono::DateTime<chrono::Utc>>,
        sidechain: Option<String>,
        sink: &mut Sink,
    ) {
        let m = l.message.unwrap_or(Value::Null);
        let model = util::str_of(&m, "model").map(str::to_string);
        let synthetic = l.is_api_error || model.as_deref() == Some("<synthetic>");
        let blocks = m.get("content").map(blocks_of).unwrap_or_default();
        let usage = if synthetic {
            None
        } else {
            m.get("usage").filter(|u| u.is_object()).map(usage_of)
        };
        let id = util::str_of(&m, "id").map(str::to_string);

        if let Some(id) = &id
            && let Some(pos) = st.open.iter().position(|o| &o.key == id)
        {
            let mut open = st.open.remove(pos);
            open.msg.blocks.extend(blocks);
            if open.counted
                && let Some(u) = usage
                && open.msg.usage.is_none_or(|old| u.total() > old.total())
            {
                open.msg.usage = Some(u);
            }
            if l.uuid.is_some() {
                open.msg.native_id = l.uuid;
            }
            let (seq, msg) = (open.seq, open.msg.clone());
            st.open.push(open);
            self.emit(st, seq, msg, sink);
            return;
        }

        let mut msg = Message::new(Role::Assistant);
        msg.time = time;
        msg.model = if synthetic { None } else { model };
        msg.blocks = blocks;
        msg.sidechain = sidechain.is_some();
        msg.agent_id = sidechain;
        msg.native_id = l.uuid;
        let counted = match &id {
            Some(id) => st.counted.insert(hash(id)),
            None => true,
        };
        msg.usage = if counted { usage } else { None };
        if synthetic {
            msg.blocks.insert(
                0,
                Block::Notice {
                    kind: "api_error".into(),
                    text: "API error (synthetic message)".into(),
                },
            );
        }
        let seq = st.next_seq;
        st.next_seq += 1;
        if let Some(id) = id {
            st.open.push(OpenMsg {
                key: id,
                seq,
                counted,
                msg: msg.clone(),
            });
            if st.open.len() > OPEN_WINDOW {
                st.open.remove(0);
            }
        }
        self.emit(st, seq, msg, sink);
    }

    fn on_user(
        &self,
        st: &mut ClaudeState,
        l: Line,
        time: Option<chrono::DateTime<chrono::Utc>>,
        sidechain: Option<String>,
        sink: &mut Sink,
    ) {
        let m = l.message.unwrap_or(Value::Null);
        let content = m.get("content").cloned().unwrap_or(Value::Null);
        let blocks = blocks_of(&content);
        let mut msg = Message::new(Role::User);
        msg.time = time;
        msg.sidechain = sidechain.is_some();
        msg.agent_id = sidechain;
        msg.native_id = l.uuid;
        if l.is_compact_summary {
            msg.role = Role::System;
            msg.blocks = vec![Block::Notice {
                kind: "compaction_summary".into(),
                text: util::content_text(&content),
            }];
        } else {
            let mut blocks = blocks;
            if blocks.iter().any(|b| matches!(b, Block::ToolResult { .. })) {
                msg.role = Role::Tool;
            }
            // a slash command is shown (and counted) as the person typed it
            for b in &mut blocks {
                if let Block::Text { text } = b
                    && let Some(cmd) = slash_command(text)
                {
                    if st.first_command.is_none() && !l.is_sidechain {
                        st.first_command = util::title_from(&cmd);
                        st.dirty = true;
                    }
                    *text = cmd;
                }
            }
            let typed: Vec<String> = blocks
                .iter()
                .filter_map(|b| match b {
                    Block::Text { text } if !is_injected(text) && !text.trim().is_empty() => {
                        Some(text.clone())
                    }
                    _ => None,
                })
                .collect();
            let no_typed_text = typed.is_empty();
            msg.meta = l.is_meta || (msg.role == Role::User && no_typed_text);
            if !msg.meta && msg.role == Role::User {
                // injected pieces next to what the person typed become notices
                for b in &mut blocks {
                    if let Block::Text { text } = b
                        && is_injected(text)
                    {
                        *b = Block::Notice {
                            kind: "injected".into(),
                            text: std::mem::take(text),
                        };
                    }
                }
            }
            let is_command = typed.iter().all(|t| t.starts_with('/'))
                && !typed.is_empty()
                && blocks_were_commands(&content);
            if msg.role == Role::User
                && !msg.meta
                && !msg.sidechain
                && !is_command
                && st.meta.first_prompt.is_none()
            {
                st.meta.first_prompt = util::title_from(&typed.join("\n"));
                st.dirty = true;
            }
            msg.blocks = blocks;
        }
        if msg.blocks.is_empty() {
            return; // nothing to show (an empty user line)
        }
        let seq = st.next_seq;
        st.next_seq += 1;
        self.emit(st, seq, msg, sink);
    }

    fn on_system(
        &self,
        st: &mut ClaudeState,
        l: Line,
        time: Option<chrono::DateTime<chrono::Utc>>,
        sidechain: Option<String>,
        sink: &mut Sink,
    ) {
        let sub = l.subtype.as_deref().unwrap_or("");
        let content = l
            .content
            .as_ref()
            .map(util::content_text)
            .unwrap_or_default();
        let text = match sub {
            "compact_boundary" => {
                let cm = l.compact_metadata.as_ref();
                let trigger = cm.and_then(|c| util::str_of(c, "trigger")).unwrap_or("");
                let pre = cm.map(|c| util::count_of(c, "preTokens")).unwrap_or(0);
                let mut t = "Conversation compacted".to_string();
                if !trigger.is_empty() {
                    t.push_str(&format!(" ({trigger}"));
                    if pre > 0 {
                        t.push_str(&format!(", {pre} tokens before"));
                    }
                    t.push(')');
                }
                t
            }
            "api_error" | "error" => {
                let detail = l
                    .error
                    .as_ref()
                    .and_then(|e| {
                        util::str_of(e, "message")
                            .map(str::to_string)
                            .or_else(|| e.as_str().map(str::to_string))
                    })
                    .unwrap_or_else(|| content.clone());
                format!("API error: {detail}")
                    .trim_end_matches([':', ' '])
                    .to_string()
            }
            "turn_duration" | "stop_hook_summary" | "bridge_status" | "session_start"
            | "away_summary" => return,
            _ => {
                if content.trim().is_empty() {
                    return;
                }
                content
            }
        };
        let mut msg = Message::new(Role::System);
        msg.time = time;
        msg.sidechain = sidechain.is_some();
        msg.agent_id = sidechain;
        msg.native_id = l.uuid;
        msg.blocks.push(Block::Notice {
            kind: if sub.is_empty() {
                "system".into()
            } else {
                sub.to_string()
            },
            text,
        });
        let seq = st.next_seq;
        st.next_seq += 1;
        self.emit(st, seq, msg, sink);
    }
}

impl LineFormat for ClaudeFormat {
    type State = ClaudeState;

    fn line(&self, st: &mut ClaudeState, line_no: u64, line: &[u8], sink: &mut Sink) {
        let Some(l) = super::parse_line::<Line>(line_no, line, sink) else {
            return;
        };
        let kind = l.kind.clone().unwrap_or_default();
        match kind.as_str() {
            "user" | "assistant" if !l.message.as_ref().is_some_and(Value::is_object) => {
                sink.issue(
                    Some(line_no),
                    IssueKind::WrongShape,
                    format!("{kind} line without a message object"),
                );
            }
            "user" | "assistant" | "system" => self.on_conversation(st, l, sink),
            "summary" => {
                if let (Some(s), Some(leaf)) = (l.summary, l.leaf_uuid) {
                    sink.hints.push(TitleHint {
                        target: HintTarget::Leaf(leaf),
                        title: s,
                        rank: rank::SUMMARY,
                    });
                }
            }
            "custom-title" => {
                if let Some(t) = l.custom_title {
                    st.custom_title = Some(t);
                    st.dirty = true;
                }
            }
            "ai-title" => {
                if let Some(t) = l.ai_title {
                    st.ai_title = Some(t);
                    st.dirty = true;
                }
            }
            k if KNOWN_QUIET.contains(&k) => {
                // understood, not shown; their timestamps still count as activity
                if self.is_main() {
                    self.note_times(st, &l);
                }
            }
            "" => sink.issue(Some(line_no), IssueKind::WrongShape, "line without a type"),
            other => sink.issue(
                Some(line_no),
                IssueKind::UnknownType,
                format!(
                    "unknown line type '{}'",
                    crate::sanitize::truncate_chars(other, 40)
                ),
            ),
        }
    }

    fn flush(&self, st: &mut ClaudeState, sink: &mut Sink) {
        if !st.dirty || !self.is_main() {
            return;
        }
        st.dirty = false;
        let FileRole::Main { session } = &self.role else {
            return;
        };
        let mut meta = st.meta.clone();
        meta.id = session.clone();
        if meta.first_prompt.is_none() {
            meta.first_prompt = st.first_command.clone();
        }
        if let Some(t) = &st.custom_title {
            meta.title = Some(t.clone());
            meta.title_rank = rank::CUSTOM;
        } else if let Some(t) = &st.ai_title {
            meta.title = Some(t.clone());
            meta.title_rank = rank::GENERATED;
        }
        sink.meta(session, meta);
    }
}

/// Where Claude Code keeps a project's sessions (used by tests and the demo).
pub fn project_dir(projects: &Path, cwd: &str) -> PathBuf {
    let enc: String = cwd
        .encode_utf16()
        .map(|u| {
            if u < 128 && (u as u8).is_ascii_alphanumeric() {
                u as u8 as char
            } else {
                '-'
            }
        })
        .collect();
    projects.join(enc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_from_paths() {
        let f = ClaudeFormat::for_path(Path::new("/p/-x/0a1b.jsonl"));
        assert_eq!(
            f.role,
            FileRole::Main {
                session: "0a1b".into()
            }
        );
        let f = ClaudeFormat::for_path(Path::new("/p/-x/agent-a1.jsonl"));
        assert_eq!(
            f.role,
            FileRole::Subagent {
                agent_id: "a1".into(),
                parent: None
            }
        );
        let f = ClaudeFormat::for_path(Path::new("/p/-x/sid/subagents/agent-a2.jsonl"));
        assert_eq!(
            f.role,
            FileRole::Subagent {
                agent_id: "a2".into(),
                parent: Some("sid".into())
            }
        );
        let f = ClaudeFormat::for_path(Path::new("/p/-x/sid/subagents/workflows/w/agent-a3.jsonl"));
        assert_eq!(
            f.role,
            FileRole::Subagent {
                agent_id: "a3".into(),
                parent: Some("sid".into())
            }
        );
    }

    #[test]
    fn injected_text() {
        assert!(!is_injected("<command-name>/init</command-name>"));
        assert!(is_injected(
            "<local-command-stdout>x</local-command-stdout>"
        ));
        assert!(is_injected("  Caveat: the messages below"));
        assert!(!is_injected("fix the <command-name> parser"));
    }

    #[test]
    fn slash_commands() {
        assert_eq!(
            slash_command("<command-message>init is analyzing…</command-message>\n<command-name>/init</command-name>").as_deref(),
            Some("/init")
        );
        assert_eq!(
            slash_command(
                "<command-name>/orchestrator</command-name>\n<command-args>do it</command-args>"
            )
            .as_deref(),
            Some("/orchestrator do it")
        );
        assert_eq!(slash_command("hello"), None);
    }

    #[test]
    fn project_dir_encoding() {
        assert_eq!(
            project_dir(Path::new("/p"), "/Users/me/my_repo"),
            PathBuf::from("/p/-Users-me-my-repo")
        );
        assert_eq!(
            project_dir(Path::new("/p"), "/Users/me/.agents"),
            PathBuf::from("/p/-Users-me--agents")
        );
    }

    // ---- parsing the fixture home (tests/fixtures/home/.claude) ----

    use crate::model::TokenUsage;
    use crate::sources::{IssueKind, materialize, store_for};

    fn fixture(rel: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/home/.claude/projects")
            .join(rel)
    }

    fn parse(rel: &str) -> crate::sources::Materialized {
        let path = fixture(rel);
        materialize(
            &ClaudeSource,
            &store_for(Agent::Claude, &path, StoreKind::Jsonl),
        )
        .unwrap()
    }

    fn sum(msgs: &[Message]) -> TokenUsage {
        let mut t = TokenUsage::default();
        for m in msgs {
            if let Some(u) = &m.usage {
                t.add(u);
            }
        }
        t
    }

    const S1: &str = "11111111-1111-4111-8111-111111111111";

    #[test]
    fn streamed_lines_merge_into_one_message_and_count_usage_once() {
        let m = parse(&format!("-home-u-alpha/{S1}.jsonl"));
        let (uid, primary, meta, msgs) = m.only();
        assert_eq!(uid, S1);
        assert!(primary);
        let a = &msgs[1];
        assert_eq!(a.role, Role::Assistant);
        assert_eq!(
            a.blocks.len(),
            3,
            "thinking, text and tool call of msg_A in one message"
        );
        assert!(matches!(&a.blocks[0], Block::Thinking { sealed: true, .. }));
        let u = a.usage.unwrap();
        assert_eq!(
            (
                u.input,
                u.output,
                u.cache_read,
                u.cache_write,
                u.cache_write_1h
            ),
            (10, 50, 1000, 100, 40)
        );
        let meta = meta.as_ref().unwrap();
        assert_eq!(meta.cwd.as_deref(), Some("/home/u/alpha"));
        assert_eq!(meta.git_branch.as_deref(), Some("feature/x"));
        assert_eq!(
            meta.title.as_deref(),
            Some("Login bug hunt"),
            "custom title beats AI title"
        );
        assert_eq!(meta.title_rank, rank::CUSTOM);
        assert_eq!(meta.first_prompt.as_deref(), Some("Fix the login bug"));
    }

    #[test]
    fn synthetic_lines_count_no_usage_and_no_model() {
        let m = parse(&format!("-home-u-alpha/{S1}.jsonl"));
        let msgs = &m.only().3;
        let syn = msgs
            .iter()
            .find(|m| m.plain_text().contains("overloaded"))
            .unwrap();
        assert!(syn.usage.is_none());
        assert!(syn.model.is_none());
        // main conversation: msg_A + msg_B; the inline sidechain msg_C also counts for the session
        let t = sum(msgs);
        assert_eq!(
            (t.input, t.output, t.cache_read, t.cache_write),
            (14, 77, 2100, 100)
        );
    }

    #[test]
    fn inline_sidechain_and_meta_lines() {
        let m = parse(&format!("-home-u-alpha/{S1}.jsonl"));
        let msgs = &m.only().3;
        let side: Vec<_> = msgs.iter().filter(|m| m.sidechain).collect();
        assert_eq!(side.len(), 2);
        assert!(
            side.iter()
                .all(|m| m.agent_id.as_deref() == Some("sidechain-1"))
        );
        assert!(
            !side[0].is_prompt(),
            "a subagent's prompt is not the person's"
        );
        let caveat = msgs
            .iter()
            .find(|m| m.plain_text().starts_with("Caveat"))
            .unwrap();
        assert!(caveat.meta && !caveat.is_prompt());
        assert_eq!(msgs.iter().filter(|m| m.is_prompt()).count(), 1);
    }

    #[test]
    fn unknown_types_and_bad_lines_are_counted_not_fatal() {
        let m = parse(&format!("-home-u-alpha/{S1}.jsonl"));
        let kinds: Vec<IssueKind> = m.issues.iter().map(|i| i.kind).collect();
        assert_eq!(kinds, vec![IssueKind::UnknownType, IssueKind::InvalidJson]);
        assert_eq!(m.issues[0].line, Some(7));
        assert_eq!(m.issues[1].line, Some(8));
        // the truncated last line is not parsed (it waits for its newline); everything else is kept
        assert_eq!(m.only().3.len(), 8);
    }

    #[test]
    fn subagent_file_beside_the_session_joins_its_parent() {
        let m = parse("-home-u-alpha/agent-aaaa1111.jsonl");
        let (uid, primary, meta, msgs) = m.only();
        assert_eq!(uid, S1, "parent from the lines' sessionId");
        assert!(!primary && meta.is_none());
        assert!(
            msgs.iter()
                .all(|m| m.sidechain && m.agent_id.as_deref() == Some("aaaa1111"))
        );
        assert_eq!(sum(msgs).output, 11);
    }

    #[test]
    fn subagents_folder_joins_its_parent_with_max_usage() {
        let m = parse(&format!(
            "-home-u-alpha/{S1}/subagents/agent-bbbb2222.jsonl"
        ));
        let (uid, primary, _, msgs) = m.only();
        assert_eq!(uid, S1, "parent from the folder name");
        assert!(!primary);
        assert_eq!(msgs.len(), 2);
        let t = sum(msgs);
        assert_eq!(
            (t.input, t.output, t.cache_read, t.cache_write),
            (4, 13, 50, 5)
        );
    }

    #[test]
    fn summary_lines_become_leaf_hints_and_reminders_are_not_titles() {
        let m = parse("-home-u-beta/33333333-3333-4333-8333-333333333333.jsonl");
        assert_eq!(
            m.hints,
            vec![TitleHint {
                target: HintTarget::Leaf("leaf-2-uuid".into()),
                title: "Docs session summary".into(),
                rank: rank::SUMMARY,
            }]
        );
        let (_, _, meta, msgs) = m.only();
        assert_eq!(
            meta.as_ref().unwrap().first_prompt.as_deref(),
            Some("Continue with docs")
        );
        assert_eq!(msgs[1].plain_text(), "/compact", "commands shown as typed");
        assert!(msgs[1].is_prompt());
    }

    #[test]
    fn files_starting_with_other_line_types_parse() {
        let m = parse("-home-u-beta/22222222-2222-4222-8222-222222222222.jsonl");
        let (_, _, meta, msgs) = m.only();
        assert!(m.issues.is_empty(), "{:?}", m.issues);
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[1].native_id.as_deref(), Some("leaf-2-uuid"));
        assert_eq!(
            meta.as_ref().unwrap().git_branch,
            None,
            "an empty branch is no branch"
        );
    }

    #[test]
    fn incremental_parse_equals_whole_parse() {
        // feeding the lines in two runs with the state saved in between gives the same result
        let path = fixture(&format!("-home-u-alpha/{S1}.jsonl"));
        let bytes = std::fs::read(&path).unwrap();
        let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
        let complete = &lines[..lines.len() - 1];
        for cut in 1..complete.len() {
            let mut out = crate::sources::Materialized::default();
            let Parser::Lines(mut p) =
                ClaudeSource.parser(&store_for(Agent::Claude, &path, StoreKind::Jsonl))
            else {
                panic!()
            };
            let mut sink = Sink::default();
            for (i, l) in complete[..cut].iter().enumerate() {
                p.line(i as u64 + 1, l, &mut sink);
            }
            p.flush(&mut sink);
            out.apply(sink);
            let saved = p.save_state();
            let Parser::Lines(mut p2) =
                ClaudeSource.parser(&store_for(Agent::Claude, &path, StoreKind::Jsonl))
            else {
                panic!()
            };
            assert!(p2.load_state(&saved));
            let mut sink = Sink::default();
            for (i, l) in complete[cut..].iter().enumerate() {
                p2.line((cut + i) as u64 + 1, l, &mut sink);
            }
            p2.flush(&mut sink);
            out.apply(sink);
            let whole = parse(&format!("-home-u-alpha/{S1}.jsonl"));
            assert_eq!(out.only().3, whole.only().3, "cut at line {cut}");
            assert_eq!(out.only().2, whole.only().2, "cut at line {cut}");
        }
    }

    #[test]
    fn subagent_parent_named_late_leaves_no_gap() {
        // found by fuzzing (fuzz target `claude`): the first message of a layout-2 subagent
        // file went to `agent-<id>` (no sessionId yet), the second to the parent at seq 1
        for input in [
            "{\"type\":\"user\",\"message\":{\"content\":\"\"}}\n{\"sessionId\":\"\",\"type\":\"assistant\",\"message\":{}}\n",
            "{\"type\":\"user\",\"message\":{\"content\":\"hi\"}}\n{\"sessionId\":\"s1\",\"type\":\"assistant\",\"message\":{\"content\":\"yes\"}}\n",
        ] {
            let path = Path::new("/p/-x/agent-a1.jsonl");
            let Parser::Lines(mut p) =
                ClaudeSource.parser(&store_for(Agent::Claude, path, StoreKind::Jsonl))
            else {
                panic!()
            };
            let mut sink = Sink::default();
            for (i, l) in input.lines().enumerate() {
                p.line(i as u64 + 1, l.as_bytes(), &mut sink);
            }
            p.flush(&mut sink);
            crate::sources::mangle::assert_no_gaps(&sink);
            let uids: Vec<&str> = sink.sessions.iter().map(|s| s.uid.as_str()).collect();
            assert_eq!(uids, ["agent-a1"], "the subagent stays in one part");
        }
    }

    #[test]
    fn mangled_lines_never_panic() {
        use crate::sources::mangle::{Rng, variants};
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
            "tests/fixtures/home/.claude/projects/-home-u-alpha/{S1}.jsonl"
        ));
        let bytes = std::fs::read(&path).unwrap();
        let mut rng = Rng(0x5eed_1234_abcd_0001);
        for line in bytes.split(|b| *b == b'\n') {
            for bad in variants(line, &mut rng) {
                let Parser::Lines(mut p) =
                    ClaudeSource.parser(&store_for(Agent::Claude, &path, StoreKind::Jsonl))
                else {
                    panic!()
                };
                let mut sink = Sink::default();
                // the bad line in the middle of good ones: the good ones still parse
                for (i, l) in bytes.split(|b| *b == b'\n').take(4).enumerate() {
                    p.line(i as u64 + 1, l, &mut sink);
                }
                p.line(5, &bad, &mut sink);
                p.flush(&mut sink);
                let saved = p.save_state();
                assert!(p.load_state(&saved));
            }
        }
    }
}
