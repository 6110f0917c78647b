//! Codex CLI: `$CODEX_HOME` (default `~/.codex`), `sessions/YYYY/MM/DD/rollout-*.jsonl` and
//! `archived_sessions/`, titles from `session_index.jsonl` when present.
//!
//! Rules (see `FORMATS.md` §2 and `GENERATED-codex-gemini.md`):
//! - lines are `{timestamp, type, payload}`; the first `session_meta` is canonical;
//! - the model comes from the latest `turn_context`, and so does the cwd;
//! - every item is written twice (`response_item` and an `event_msg`): the transcript is built
//!   from `response_item`s only;
//! - tokens come from `event_msg` `token_count`, whose `total_token_usage` is cumulative: the
//!   difference to the previous total is attributed to the latest assistant message; cached
//!   input is inside input and reasoning inside output;
//! - the early Rust format (bare `SessionMeta` then bare items) is read too.

use super::util::{self, de, walk_files};
use super::{
    HintTarget, IssueKind, LineFormat, Parser, ResumeTarget, Root, RootOrigin, ScanOut,
    ScanProblem, SessionMeta, Sink, Source, StoreKind, StoreRef, TitleHint, TypedLines,
    config_roots, rank,
};
use crate::model::{Agent, Block, Message, Role, Session, TokenUsage, parse_time};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

pub struct CodexSource;

impl Source for CodexSource {
    fn agent(&self) -> Agent {
        Agent::Codex
    }

    fn roots(&self, ctx: &super::DiscoverCtx) -> Vec<Root> {
        let mut roots = Vec::new();
        if let Some(h) = ctx.env.var("CODEX_HOME") {
            roots.push(Root {
                agent: Agent::Codex,
                path: ctx.env.expand(h),
                origin: RootOrigin::Env("CODEX_HOME".into()),
            });
        }
        if let Some(home) = ctx.env.home() {
            roots.push(Root {
                agent: Agent::Codex,
                path: home.join(".codex"),
                origin: RootOrigin::Default,
            });
        }
        roots.extend(config_roots(ctx, Agent::Codex));
        roots
    }

    fn scan(&self, root: &Root, out: &mut ScanOut) {
        let index = root.path.join("session_index.jsonl");
        if index.is_file() {
            out.stores.push(StoreRef {
                agent: Agent::Codex,
                path: index,
                kind: StoreKind::Jsonl,
                root: root.path.clone(),
                priority: 0,
            });
        }
        // A configured root may point straight at a folder of rollouts.
        let sessions = root.path.join("sessions");
        let archived = root.path.join("archived_sessions");
        let mut dirs: Vec<(std::path::PathBuf, i32)> = Vec::new();
        if sessions.is_dir() || archived.is_dir() {
            dirs.push((sessions, 0));
            dirs.push((archived, 1));
        } else if root.origin == RootOrigin::Config {
            dirs.push((root.path.clone(), 0));
        }
        for (dir, priority) in dirs {
            if !dir.is_dir() {
                continue;
            }
            walk_files(&dir, 4, out, &mut |p, out| {
                let name = util::file_name(p);
                if !name.starts_with("rollout-") {
                    return;
                }
                let kind = if name.ends_with(".jsonl") {
                    StoreKind::Jsonl
                } else if name.ends_with(".jsonl.zst") {
                    out.problems.push(ScanProblem {
                        path: p.to_path_buf(),
                        reason: "compressed rollout (.jsonl.zst) is not read yet".into(),
                    });
                    return;
                } else if name.ends_with(".json") {
                    StoreKind::Json
                } else {
                    return;
                };
                out.stores.push(StoreRef {
                    agent: Agent::Codex,
                    path: p.to_path_buf(),
                    kind,
                    root: root.path.clone(),
                    priority,
                });
            });
        }
    }

    fn parser(&self, store: &StoreRef) -> Parser {
        if util::file_name(&store.path) == "session_index.jsonl" {
            return TypedLines::boxed(IndexFormat);
        }
        match store.kind {
            StoreKind::Json => Parser::Whole(Box::new(LegacyJson)),
            _ => TypedLines::boxed(RolloutFormat::for_path(&store.path)),
        }
    }

    /// `codex resume <id> -C <cwd>`, run in the session's directory too.
    fn resume(&self, s: &Session) -> Option<ResumeTarget> {
        if !util::arg_id(&s.id, "-_") {
            return None;
        }
        let cwd = util::run_dir(&s.cwd);
        let mut argv = vec!["codex".to_string(), "resume".to_string(), s.id.clone()];
        if let Some(cwd) = &cwd {
            argv.push("-C".into());
            argv.push(cwd.clone());
        }
        Some(ResumeTarget { argv, cwd })
    }

    fn continue_latest(&self, s: &Session) -> Option<ResumeTarget> {
        let cwd = util::run_dir(&s.cwd)?;
        Some(ResumeTarget {
            argv: vec![
                "codex".into(),
                "resume".into(),
                "--last".into(),
                "-C".into(),
                cwd.clone(),
            ],
            cwd: Some(cwd),
        })
    }

    /// Codex finds a session by id from anywhere (the new turns run in the current
    /// directory).
    fn resume_elsewhere(&self, s: &Session) -> Option<ResumeTarget> {
        if !util::arg_id(&s.id, "-_") {
            return None;
        }
        Some(ResumeTarget {
            argv: vec!["codex".into(), "resume".into(), s.id.clone()],
            cwd: None,
        })
    }
}

/// `rollout-2026-11-24T02-42-47-<uuid>.jsonl` → the uuid.
pub fn id_from_file_name(p: &Path) -> Option<String> {
    let name = util::file_name(p);
    let stem = name.split('.').next().unwrap_or("");
    if stem.len() >= 36 {
        let tail = &stem[stem.len() - 36..];
        if tail.chars().all(|c| c.is_ascii_hexdigit() || c == '-') && tail.matches('-').count() == 4
        {
            return Some(tail.to_string());
        }
    }
    None
}

/// `session_index.jsonl`: `{"id","thread_name","updated_at"}` lines, the last one wins.
struct IndexFormat;

impl LineFormat for IndexFormat {
    type State = ();
    fn line(&self, _: &mut (), line_no: u64, line: &[u8], sink: &mut Sink) {
        let Some(v) = super::parse_line::<Value>(line_no, line, sink) else {
            return;
        };
        match (util::str_of(&v, "id"), util::str_of(&v, "thread_name")) {
            (Some(id), Some(name)) => sink.hints.push(TitleHint {
                target: HintTarget::Session(id.to_string()),
                title: name.to_string(),
                rank: rank::THREAD_NAME,
            }),
            _ => sink.issue(
                Some(line_no),
                IssueKind::WrongShape,
                "session_index line without id or thread_name",
            ),
        }
    }
    fn flush(&self, _: &mut (), _: &mut Sink) {}
}

pub struct RolloutFormat {
    file_id: Option<String>,
    /// The file's name without `.jsonl`: the session's id when nothing better is known.
    file_stem: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct CodexState {
    next_seq: u32,
    meta: SessionMeta,
    seen_meta: bool,
    model: Option<String>,
    /// The latest assistant message: `open` while the response is still being written.
    last: Option<LastAssistant>,
    /// Cumulative totals of the previous `token_count`.
    total: Option<RawUsage>,
    /// Usage that arrived before any assistant message.
    pending: Option<TokenUsage>,
    /// Subagent rollouts replay the parent's token counts first: treat them as a baseline.
    replaying: bool,
    /// Exit codes from `item_completed` events, by call id, until the output arrives.
    exit_codes: HashMap<String, i64>,
    thread_name: Option<String>,
    dirty: bool,
    /// Metadata was emitted under the uid of the time (removed if a session id is adopted
    /// later).
    #[serde(default)]
    emitted: bool,
}

#[derive(Debug, Serialize, Deserialize)]
struct LastAssistant {
    seq: u32,
    open: bool,
    msg: Message,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct RawUsage {
    input: u64,
    cached: u64,
    cache_write: u64,
    output: u64,
    reasoning: u64,
}

impl RawUsage {
    fn of(v: &Value) -> RawUsage {
        RawUsage {
            input: util::count_of(v, "input_tokens"),
            cached: util::count_of(v, "cached_input_tokens"),
            cache_write: util::count_of(v, "cache_write_input_tokens"),
            output: util::count_of(v, "output_tokens"),
            reasoning: util::count_of(v, "reasoning_output_tokens"),
        }
    }

    fn minus(&self, o: &RawUsage) -> RawUsage {
        RawUsage {
            input: self.input.saturating_sub(o.input),
            cached: self.cached.saturating_sub(o.cached),
            cache_write: self.cache_write.saturating_sub(o.cache_write),
            output: self.output.saturating_sub(o.output),
            reasoning: self.reasoning.saturating_sub(o.reasoning),
        }
    }

    fn sum(&self) -> u64 {
        self.input.saturating_add(self.output)
    }

    /// To the shared semantics: input excludes the cached part (and cache writes).
    fn normalise(&self) -> TokenUsage {
        TokenUsage {
            input: self
                .input
                .saturating_sub(self.cached)
                .saturating_sub(self.cache_write),
            output: self.output,
            cache_read: self.cached,
            cache_write: self.cache_write,
            reasoning: self.reasoning.min(self.output),
            cache_write_1h: 0,
        }
    }
}

#[derive(Deserialize)]
struct Line {
    #[serde(default, deserialize_with = "de::opt_string")]
    timestamp: Option<String>,
    #[serde(rename = "type", default, deserialize_with = "de::opt_string")]
    kind: Option<String>,
    #[serde(default)]
    payload: Option<Value>,
    /// Early format: `{"record_type":"state"}` lines.
    #[serde(default, deserialize_with = "de::opt_string")]
    record_type: Option<String>,
    /// Early format: the first line is a bare SessionMeta with an `id`.
    #[serde(default, deserialize_with = "de::opt_string")]
    id: Option<String>,
}

/// User-role text that Codex injects.
pub fn is_injected(text: &str) -> bool {
    let t = text.trim_start();
    const PREFIXES: &[&str] = &[
        "<environment_context>",
        "<user_instructions>",
        "# AGENTS.md instructions",
        "<permissions instructions>",
        "<INSTRUCTIONS>",
        "<skills_instructions>",
        "<collaboration_mode>",
        "<user_shell_command>",
        "<turn_aborted>",
    ];
    PREFIXES.iter().any(|p| t.starts_with(p))
}

/// Line types of the current format, whose content is an object in `payload` (never bare).
const WRAPPED: &[&str] = &["session_meta", "turn_context", "response_item", "event_msg"];

const RESPONSE_ITEMS: &[&str] = &[
    "message",
    "reasoning",
    "function_call",
    "function_call_output",
    "custom_tool_call",
    "custom_tool_call_output",
    "local_shell_call",
    "web_search_call",
];

impl RolloutFormat {
    pub fn for_path(path: &Path) -> RolloutFormat {
        let name = util::file_name(path);
        RolloutFormat {
            file_id: id_from_file_name(path),
            file_stem: name.split('.').next().unwrap_or(name).to_string(),
        }
    }

    fn uid(&self, st: &CodexState) -> String {
        if !st.meta.id.is_empty() {
            st.meta.id.clone()
        } else {
            // no session_meta and no uuid in the name (a renamed file): the name itself, so
            // that two such files stay two sessions
            self.file_id
                .clone()
                .unwrap_or_else(|| self.file_stem.clone())
        }
    }

    fn push(&self, st: &mut CodexState, msg: Message, sink: &mut Sink) -> u32 {
        let seq = st.next_seq;
        st.next_seq += 1;
        let uid = self.uid(st);
        sink.put(&uid, true, seq, msg);
        seq
    }

    fn put_last(&self, st: &CodexState, sink: &mut Sink) {
        if let Some(l) = &st.last {
            let uid = self.uid(st);
            sink.put(&uid, true, l.seq, l.msg.clone());
        }
    }

    fn close(&self, st: &mut CodexState) {
        if let Some(l) = &mut st.last {
            l.open = false;
        }
    }

    /// Add blocks to the open assistant message, starting one if needed.
    fn assistant_blocks(
        &self,
        st: &mut CodexState,
        blocks: Vec<Block>,
        time: Option<chrono::DateTime<chrono::Utc>>,
        sink: &mut Sink,
    ) {
        if blocks.is_empty() {
            return;
        }
        st.replaying = false;
        match &mut st.last {
            Some(l) if l.open => {
                l.msg.blocks.extend(blocks);
            }
            _ => {
                let mut msg = Message::new(Role::Assistant);
                msg.time = time;
                msg.model = st.model.clone();
                msg.blocks = blocks;
                if let Some(p) = st.pending.take() {
                    msg.usage = Some(p);
                }
                let seq = st.next_seq;
                st.next_seq += 1;
                st.last = Some(LastAssistant {
                    seq,
                    open: true,
                    msg,
                });
            }
        }
        self.put_last(st, sink);
    }

    fn session_meta(&self, st: &mut CodexState, p: &Value, time: Option<&str>, sink: &mut Sink) {
        if st.seen_meta {
            return; // only the first one counts (forks and resumes may append more)
        }
        st.seen_meta = true;
        let id = util::str_of(p, "id")
            .or_else(|| util::str_of(p, "session_id"))
            .map(str::to_string)
            .or_else(|| self.file_id.clone());
        // The id becomes the uid only while no message went under the uid of the time (they
        // would stay there and the next ones start at a gap under the id); metadata an earlier
        // run emitted under it is removed.
        if let Some(id) = id.filter(|id| !id.is_empty() && *id != self.uid(st))
            && st.next_seq == 0
        {
            if std::mem::take(&mut st.emitted) {
                sink.remove(&self.uid(st));
            }
            st.meta.id = id;
        }
        if st.meta.cwd.is_none() {
            st.meta.cwd = util::str_of(p, "cwd").map(str::to_string);
        }
        if let Some(b) = p.get("git").and_then(|g| util::str_of(g, "branch")) {
            st.meta.git_branch = Some(b.to_string());
        }
        let t = util::str_of(p, "timestamp").or(time).and_then(parse_time);
        if let Some(t) = t
            && st.meta.started_at.is_none_or(|s| t < s)
        {
            st.meta.started_at = Some(t);
        }
        // Subagent (thread spawn) rollouts start by replaying the parent's token counts.
        let src = p.get("source");
        st.replaying = src
            .is_some_and(|s| s.get("subagent").is_some() || s.to_string().contains("thread_spawn"));
        st.dirty = true;
    }

    fn response_item(
        &self,
        st: &mut CodexState,
        p: &Value,
        time: Option<chrono::DateTime<chrono::Utc>>,
        sink: &mut Sink,
    ) {
        let ty = util::str_of(p, "type").unwrap_or("");
        match ty {
            "message" => {
                let role = util::str_of(p, "role").unwrap_or("");
                let text = p.get("content").map(util::content_text).unwrap_or_default();
                match role {
                    "assistant" => {
                        self.assistant_blocks(st, vec![Block::text(text)], time, sink);
                    }
                    _ => {
                        // user, developer, system
                        self.close(st);
                        let mut msg = Message::new(Role::User);
                        msg.time = time;
                        msg.meta = role != "user" || is_injected(&text);
                        if text.trim().is_empty() {
                            return;
                        }
                        msg.blocks.push(Block::text(text));
                        if msg.is_prompt() && st.meta.first_prompt.is_none() {
                            st.meta.first_prompt = util::title_from(&msg.plain_text());
                            st.dirty = true;
                        }
                        self.push(st, msg, sink);
                    }
                }
            }
            "reasoning" => {
                let mut text = String::new();
                for key in ["summary", "content"] {
                    if let Some(Value::Array(items)) = p.get(key) {
                        for it in items {
                            if let Some(t) = it.get("text").and_then(Value::as_str) {
                                if !text.is_empty() {
                                    text.push_str("\n\n");
                                }
                                text.push_str(t);
                            }
                        }
                    }
                }
                let sealed = text.trim().is_empty();
                self.assistant_blocks(st, vec![Block::Thinking { text, sealed }], time, sink);
            }
            "function_call" | "custom_tool_call" | "local_shell_call" | "web_search_call" => {
                let name =
                    util::str_of(p, "name")
                        .map(str::to_string)
                        .unwrap_or_else(|| match ty {
                            "local_shell_call" => "shell".into(),
                            "web_search_call" => "web_search".into(),
                            _ => "?".into(),
                        });
                let input = match ty {
                    "function_call" => match p.get("arguments") {
                        Some(Value::String(s)) => {
                            serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone()))
                        }
                        Some(v) => v.clone(),
                        None => Value::Null,
                    },
                    "custom_tool_call" => p.get("input").cloned().unwrap_or(Value::Null),
                    _ => p.get("action").cloned().unwrap_or(Value::Null),
                };
                let id = util::str_of(p, "call_id")
                    .or_else(|| util::str_of(p, "id"))
                    .unwrap_or("")
                    .to_string();
                self.assistant_blocks(st, vec![Block::ToolCall { id, name, input }], time, sink);
            }
            "function_call_output" | "custom_tool_call_output" => {
                self.close(st);
                let call_id = util::str_of(p, "call_id").unwrap_or("").to_string();
                let raw = p.get("output").cloned().unwrap_or(Value::Null);
                let (output, exit) = tool_output(&raw);
                let exit = st.exit_codes.remove(&call_id).or(exit);
                let is_error = exit.is_some_and(|c| c != 0)
                    || p.get("success").and_then(Value::as_bool) == Some(false);
                let mut msg = Message::new(Role::Tool);
                msg.time = time;
                msg.blocks.push(Block::ToolResult {
                    call_id,
                    output,
                    is_error,
                });
                self.push(st, msg, sink);
            }
            "compaction" | "context_compaction" | "compaction_summary" => {
                self.close(st);
                self.notice(
                    st,
                    "compaction",
                    "Conversation compacted".into(),
                    time,
                    sink,
                );
            }
            _ => {} // ghost snapshots, image generation and newer item types: not shown
        }
    }

    fn notice(
        &self,
        st: &mut CodexState,
        kind: &str,
        text: String,
        time: Option<chrono::DateTime<chrono::Utc>>,
        sink: &mut Sink,
    ) {
        let mut msg = Message::new(Role::System);
        msg.time = time;
        msg.blocks.push(Block::Notice {
            kind: kind.into(),
            text,
        });
        self.push(st, msg, sink);
    }

    fn event(
        &self,
        st: &mut CodexState,
        p: &Value,
        time: Option<chrono::DateTime<chrono::Utc>>,
        line_no: u64,
        sink: &mut Sink,
    ) {
        match util::str_of(p, "type").unwrap_or("") {
            "token_count" => {
                let Some(info) = p.get("info").filter(|i| i.is_object()) else {
                    if p.get("info").is_some_and(|i| !i.is_null()) {
                        sink.issue(
                            Some(line_no),
                            IssueKind::WrongShape,
                            "token_count 'info' is not an object",
                        );
                    }
                    return; // rate limits only
                };
                let Some(total) = info.get("total_token_usage").map(RawUsage::of) else {
                    return;
                };
                let delta = match st.total {
                    Some(prev) if total.sum() >= prev.sum() => total.minus(&prev),
                    // totals went down (a fork or reset): fall back to the last request
                    Some(_) => info
                        .get("last_token_usage")
                        .map(RawUsage::of)
                        .unwrap_or(total),
                    None => total,
                };
                st.total = Some(total);
                if st.replaying {
                    return; // the parent's usage, replayed
                }
                if delta.sum() == 0 {
                    return;
                }
                let usage = delta.normalise();
                match &mut st.last {
                    Some(l) => {
                        let mut u = l.msg.usage.unwrap_or_default();
                        u.add(&usage);
                        l.msg.usage = Some(u);
                        l.open = false;
                        self.put_last(st, sink);
                    }
                    None => {
                        let mut u = st.pending.unwrap_or_default();
                        u.add(&usage);
                        st.pending = Some(u);
                    }
                }
            }
            "item_completed" => {
                if let Some(item) = p.get("item")
                    && util::str_of(item, "type") == Some("CommandExecution")
                    && let Some(id) = util::str_of(item, "id")
                {
                    let code = item
                        .get("exit_code")
                        .and_then(Value::as_i64)
                        .or_else(|| (util::str_of(item, "status") == Some("failed")).then_some(1));
                    if let Some(code) = code {
                        if st.exit_codes.len() > 256 {
                            st.exit_codes.clear();
                        }
                        st.exit_codes.insert(id.to_string(), code);
                    }
                }
            }
            "exec_command_end" => {
                if let (Some(id), Some(code)) = (
                    util::str_of(p, "call_id"),
                    p.get("exit_code").and_then(Value::as_i64),
                ) {
                    st.exit_codes.insert(id.to_string(), code);
                }
            }
            "thread_name_updated" => {
                if let Some(n) = util::str_of(p, "thread_name") {
                    st.thread_name = Some(n.to_string());
                    st.dirty = true;
                }
            }
            "turn_aborted" => {
                self.close(st);
                self.notice(st, "aborted", "Turn aborted".into(), time, sink);
            }
            "context_compacted" => {
                self.close(st);
                self.notice(st, "compaction", "Context compacted".into(), time, sink);
            }
            "thread_rolled_back" => {
                let n = util::count_of(p, "num_turns");
                self.close(st);
                self.notice(
                    st,
                    "rollback",
                    format!("Rolled back {n} turn(s)"),
                    time,
                    sink,
                );
            }
            "error" => {
                let m = util::str_of(p, "message").unwrap_or("error");
                self.close(st);
                self.notice(st, "error", format!("Error: {m}"), time, sink);
            }
            _ => {} // duplicates of response items, task start/complete, settings
        }
    }
}

/// The text of a tool output (a string, a JSON string with `output`/`metadata`, or content
/// items) and the exit code when it says so.
fn tool_output(raw: &Value) -> (String, Option<i64>) {
    match raw {
        Value::String(s) => {
            // custom tool outputs may be JSON: {"output": "...", "metadata": {"exit_code": 0}}
            if s.starts_with('{')
                && let Ok(v) = serde_json::from_str::<Value>(s)
                && let Some(out) = v.get("output").and_then(Value::as_str)
            {
                let code = v
                    .get("metadata")
                    .and_then(|m| m.get("exit_code"))
                    .and_then(Value::as_i64);
                return (out.to_string(), code);
            }
            (s.clone(), exit_code_in(s))
        }
        Value::Array(_) => (util::content_text(raw), None),
        Value::Object(o) => {
            let out = o
                .get("content")
                .or_else(|| o.get("output"))
                .map(util::content_text)
                .unwrap_or_else(|| raw.to_string());
            (out, None)
        }
        Value::Null => (String::new(), None),
        other => (other.to_string(), None),
    }
}

/// "Process exited with code 2" / "Exit code: 2" in the first lines of an output.
fn exit_code_in(s: &str) -> Option<i64> {
    for line in s.lines().take(6) {
        let l = line.trim();
        for prefix in ["Process exited with code ", "Exit code: ", "exit code: "] {
            if let Some(rest) = l.strip_prefix(prefix) {
                return rest.trim().parse().ok();
            }
        }
    }
    None
}

impl LineFormat for RolloutFormat {
    type State = CodexState;

    fn line(&self, st: &mut CodexState, line_no: u64, line: &[u8], sink: &mut Sink) {
        let Some(l) = super::parse_line::<Line>(line_no, line, sink) else {
            return;
        };
        let ts = l.timestamp.as_deref().and_then(parse_time);
        if let Some(t) = ts {
            if st.meta.started_at.is_none_or(|s| t < s) {
                st.meta.started_at = Some(t);
            }
            if st.meta.updated_at.is_none_or(|u| t > u) {
                st.meta.updated_at = Some(t);
            }
            st.dirty = true;
        }
        let Some(payload) = l.payload else {
            // the early format: a bare SessionMeta first, then bare items
            if l.record_type.is_some() {
                return;
            }
            let raw: Value = match serde_json::from_slice(line) {
                Ok(v) => v,
                Err(_) => return,
            };
            match l.kind.as_deref() {
                Some(t) if RESPONSE_ITEMS.contains(&t) => {
                    self.response_item(st, &raw, ts, sink);
                }
                None if l.id.is_some() => self.session_meta(st, &raw, l.timestamp.as_deref(), sink),
                Some(t) if WRAPPED.contains(&t) => sink.issue(
                    Some(line_no),
                    IssueKind::WrongShape,
                    format!("'{t}' line without a payload"),
                ),
                Some(other) => sink.issue(
                    Some(line_no),
                    IssueKind::UnknownType,
                    format!(
                        "unknown line type '{}'",
                        crate::sanitize::truncate_chars(other, 40)
                    ),
                ),
                None => sink.issue(Some(line_no), IssueKind::WrongShape, "line without a type"),
            }
            return;
        };
        if let Some(t) = l.kind.as_deref().filter(|t| WRAPPED.contains(t))
            && !payload.is_object()
        {
            sink.issue(
                Some(line_no),
                IssueKind::WrongShape,
                format!("'{t}' payload is not an object"),
            );
            return;
        }
        match l.kind.as_deref().unwrap_or("") {
            "session_meta" => self.session_meta(st, &payload, l.timestamp.as_deref(), sink),
            "turn_context" => {
                if let Some(m) = util::str_of(&payload, "model") {
                    st.model = Some(m.to_string());
                }
                if let Some(c) = util::str_of(&payload, "cwd")
                    && st.meta.cwd.as_deref() != Some(c)
                {
                    st.meta.cwd = Some(c.to_string());
                    st.dirty = true;
                }
            }
            "response_item" => self.response_item(st, &payload, ts, sink),
            "event_msg" => self.event(st, &payload, ts, line_no, sink),
            "compacted" => {
                self.close(st);
                self.notice(st, "compaction", "Conversation compacted".into(), ts, sink);
            }
            "token_usage_record"
            | "world_state"
            | "inter_agent_communication"
            | "inter_agent_communication_metadata" => {}
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

    fn flush(&self, st: &mut CodexState, sink: &mut Sink) {
        if !st.dirty {
            return;
        }
        st.dirty = false;
        st.emitted = true;
        let uid = self.uid(st);
        let mut meta = st.meta.clone();
        meta.id = uid.clone();
        if let Some(n) = &st.thread_name {
            meta.title = Some(n.clone());
            meta.title_rank = rank::THREAD_NAME;
        }
        sink.meta(&uid, meta);
    }
}

/// The TypeScript Codex of April–May 2025: one JSON file `{session:{id,timestamp}, items:[…]}`.
struct LegacyJson;

impl super::WholeParser for LegacyJson {
    fn parse(
        &mut self,
        store: &StoreRef,
        _state: Option<&[u8]>,
        sink: &mut Sink,
    ) -> Result<Vec<u8>, super::SourceError> {
        sink.complete = true;
        let bytes = std::fs::read(&store.path).map_err(|source| super::SourceError::Io {
            path: store.path.clone(),
            source,
        })?;
        let Some(v) = super::parse_line::<Value>(1, &bytes, sink) else {
            return Ok(Vec::new());
        };
        let fmt = RolloutFormat::for_path(&store.path);
        let mut st = CodexState::default();
        let session = v.get("session").cloned().unwrap_or(Value::Null);
        fmt.session_meta(&mut st, &session, None, sink);
        if let Some(Value::Array(items)) = v.get("items") {
            for it in items {
                fmt.response_item(&mut st, it, None, sink);
            }
        } else {
            sink.issue(None, IssueKind::WrongShape, "no 'items' array");
        }
        st.dirty = true;
        fmt.flush(&mut st, sink);
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_names() {
        assert_eq!(
            id_from_file_name(Path::new(
                "/x/rollout-2026-11-24T02-42-47-01a20b6f-370c-7af1-b21b-8d555bb861f6.jsonl"
            ))
            .as_deref(),
            Some("01a20b6f-370c-7af1-b21b-8d555bb861f6")
        );
        assert_eq!(id_from_file_name(Path::new("/x/rollout-short.jsonl")), None);
    }

    #[test]
    fn exit_codes() {
        assert_eq!(
            exit_code_in("Chunk ID: x\nProcess exited with code 2\n"),
            Some(2)
        );
        assert_eq!(exit_code_in("Exit code: 0\nWall time"), Some(0));
        assert_eq!(exit_code_in("plain"), None);
        let (out, code) = tool_output(&Value::String(
            r#"{"output":"ok","metadata":{"exit_code":1}}"#.into(),
        ));
        assert_eq!((out.as_str(), code), ("ok", Some(1)));
    }

    #[test]
    fn usage_normalisation() {
        let r = RawUsage {
            input: 87201,
            cached: 73984,
            cache_write: 0,
            output: 1218,
            reasoning: 204,
        };
        let u = r.normalise();
        assert_eq!(
            (u.input, u.cache_read, u.output, u.reasoning),
            (13217, 73984, 1218, 204)
        );
    }

    // ---- parsing the fixture home (tests/fixtures/home/.codex) ----

    use crate::sources::{IssueKind, materialize, store_for};
    use std::path::PathBuf;

    const C1: &str = "0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee";

    fn fixture(rel: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/home/.codex")
            .join(rel)
    }

    fn parse(rel: &str) -> crate::sources::Materialized {
        materialize(
            &CodexSource,
            &store_for(Agent::Codex, &fixture(rel), StoreKind::Jsonl),
        )
        .unwrap()
    }

    #[test]
    fn double_written_turns_are_shown_once_and_tokens_are_deltas() {
        let m = parse(&format!(
            "sessions/2026/11/20/rollout-2026-11-20T10-00-00-{C1}.jsonl"
        ));
        let (uid, _, meta, msgs) = m.only();
        assert_eq!(uid, C1);
        let roles: Vec<(Role, bool)> = msgs.iter().map(|m| (m.role, m.meta)).collect();
        assert_eq!(
            roles,
            vec![
                (Role::User, true),  // developer instructions
                (Role::User, true),  // environment context
                (Role::User, false), // Run the tests
                (Role::Assistant, false),
                (Role::Tool, false),
                (Role::Assistant, false),
                (Role::User, false), // Thanks
            ]
        );
        assert_eq!(msgs.iter().filter(|m| m.is_prompt()).count(), 2);
        // first response: reasoning + call, usage 1000/200 cached/50 out/10 reasoning
        let u1 = msgs[3].usage.unwrap();
        assert_eq!(
            (u1.input, u1.cache_read, u1.output, u1.reasoning),
            (800, 200, 50, 10)
        );
        assert!(matches!(
            &msgs[3].blocks[0],
            Block::Thinking { sealed: false, .. }
        ));
        assert!(
            matches!(&msgs[3].blocks[1], Block::ToolCall { name, .. } if name == "exec_command")
        );
        // the repeated token_count added nothing; the next total is a delta
        let u2 = msgs[5].usage.unwrap();
        assert_eq!(
            (u2.input, u2.cache_read, u2.output, u2.reasoning),
            (500, 1000, 40, 0)
        );
        assert!(matches!(
            &msgs[4].blocks[0],
            Block::ToolResult { is_error: true, .. }
        ));
        assert_eq!(msgs[3].model.as_deref(), Some("gpt-5.5"));
        let meta = meta.as_ref().unwrap();
        assert_eq!(
            meta.cwd.as_deref(),
            Some("/home/u/gamma2"),
            "latest turn_context cwd"
        );
        assert_eq!(meta.git_branch.as_deref(), Some("dev"));
        assert_eq!(meta.first_prompt.as_deref(), Some("Run the tests"));
        let kinds: Vec<IssueKind> = m.issues.iter().map(|i| i.kind).collect();
        assert_eq!(
            kinds,
            vec![IssueKind::UnknownType],
            "the truncated last line waits"
        );
    }

    #[test]
    fn session_index_titles_last_one_wins_order() {
        let m = parse("session_index.jsonl");
        let titles: Vec<&str> = m.hints.iter().map(|h| h.title.as_str()).collect();
        assert_eq!(titles, vec!["Old name", "Test triage"]);
        assert!(
            m.hints
                .iter()
                .all(|h| h.target == HintTarget::Session(C1.into()))
        );
    }

    #[test]
    fn early_format_reads() {
        let m = parse(
            "archived_sessions/rollout-2025-06-01T08-00-00-0197bbbb-cccc-7ddd-8eee-ffffffffffff.jsonl",
        );
        let (uid, _, meta, msgs) = m.only();
        assert_eq!(uid, "0197bbbb-cccc-7ddd-8eee-ffffffffffff");
        assert_eq!(meta.as_ref().unwrap().cwd.as_deref(), Some("/home/u/old"));
        assert_eq!(msgs.len(), 2);
        assert!(m.issues.is_empty(), "{:?}", m.issues);
    }

    #[test]
    fn subagent_rollouts_skip_the_replayed_parent_usage() {
        let lines = [
            r#"{"timestamp":"2026-11-20T10:00:00Z","type":"session_meta","payload":{"id":"0199aaaa-0000-7000-8000-000000000001","cwd":"/x","source":{"subagent":{"thread_spawn":{}}}}}"#,
            r#"{"timestamp":"2026-11-20T10:00:00Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":5000,"cached_input_tokens":0,"output_tokens":100}}}}"#,
            r#"{"timestamp":"2026-11-20T10:00:01Z","type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"sub"}]}}"#,
            r#"{"timestamp":"2026-11-20T10:00:02Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":5300,"cached_input_tokens":100,"output_tokens":120}}}}"#,
        ];
        let fmt = RolloutFormat::for_path(Path::new("rollout-x.jsonl"));
        let mut st = CodexState::default();
        let mut sink = Sink::default();
        for (i, l) in lines.iter().enumerate() {
            fmt.line(&mut st, i as u64 + 1, l.as_bytes(), &mut sink);
        }
        let mut m = crate::sources::Materialized::default();
        m.apply(sink);
        let u = m.only().3[0].usage.unwrap();
        assert_eq!((u.input, u.cache_read, u.output), (200, 100, 20));
    }

    /// Lines of one rollout through its parser (named `name`).
    fn rollout(name: &str, lines: &[&str]) -> crate::sources::Materialized {
        let fmt = RolloutFormat::for_path(Path::new(name));
        let mut st = CodexState::default();
        let mut sink = Sink::default();
        for (i, l) in lines.iter().enumerate() {
            fmt.line(&mut st, i as u64 + 1, l.as_bytes(), &mut sink);
        }
        fmt.flush(&mut st, &mut sink);
        let mut m = crate::sources::Materialized::default();
        m.apply(sink);
        m
    }

    #[test]
    fn a_rollout_without_session_meta_or_uuid_is_named_after_its_file() {
        let lines = [
            r#"{"timestamp":"2026-11-20T10:00:01Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}}"#,
        ];
        let a = rollout("rollout-2026-11-20T10-00-00-renamed.jsonl", &lines);
        let b = rollout("rollout-2026-11-20T11-00-00-other.jsonl", &lines);
        // two such files are two sessions, not one "unknown"
        assert_eq!(a.only().0, "rollout-2026-11-20T10-00-00-renamed");
        assert_eq!(b.only().0, "rollout-2026-11-20T11-00-00-other");
        let c = rollout(&format!("rollout-2026-11-20T10-00-00-{C1}.jsonl"), &lines);
        assert_eq!(c.only().0, C1, "the uuid in the name comes first");
    }

    #[test]
    fn payloads_of_the_wrong_shape_are_counted() {
        let m = rollout(
            &format!("rollout-2026-11-20T10-00-00-{C1}.jsonl"),
            &[
                r#"{"timestamp":"2026-11-20T10:00:01Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}}"#,
                r#"{"type":"response_item","payload":"a string"}"#,
                r#"{"type":"response_item","payload":[1,2]}"#,
                r#"{"type":"event_msg","payload":null}"#,
                r#"{"type":"event_msg","payload":{"type":"token_count","info":"lots"}}"#,
                r#"{"type":"event_msg","payload":{"type":"token_count","info":null}}"#,
            ],
        );
        let issues: Vec<(Option<u64>, IssueKind)> =
            m.issues.iter().map(|i| (i.line, i.kind)).collect();
        assert_eq!(
            issues,
            vec![
                (Some(2), IssueKind::WrongShape),
                (Some(3), IssueKind::WrongShape),
                (Some(4), IssueKind::WrongShape),
                (Some(5), IssueKind::WrongShape),
            ]
        );
        assert!(m.issues[2].detail.contains("event_msg"), "{:?}", m.issues);
        assert_eq!(m.only().3.len(), 1);
    }

    #[test]
    fn a_session_id_named_late_keeps_one_session() {
        // found by fuzzing (fuzz target `codex`): a `session_meta` after the first lines (the
        // first one damaged) moved the session from the file's id to its own mid-file, leaving
        // the messages so far (or the metadata of an earlier run) under the file's id
        let user = |t: &str| {
            format!(
                r#"{{"timestamp":"2026-11-20T10:00:01Z","type":"response_item","payload":{{"type":"message","role":"user","content":[{{"type":"input_text","text":"{t}"}}]}}}}"#
            )
        };
        let meta = r#"{"timestamp":"2026-11-20T10:00:02Z","type":"session_meta","payload":{"id":"0199ffff-bbbb-7ccc-8ddd-eeeeeeeeeeee","cwd":"/w"}}"#;
        let touch = r#"{"timestamp":"2026-11-20T10:00:00Z","type":"turn_context","payload":{"cwd":"/w","model":"gpt-5"}}"#;
        let path =
            Path::new("/x/rollout-2026-11-20T10-00-00-0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee.jsonl");
        let store = store_for(Agent::Codex, path, StoreKind::Jsonl);
        for lines in [
            vec![user("one"), meta.to_string(), user("two")],
            vec![touch.to_string(), meta.to_string(), user("one")],
            // the fuzzer's input, minimised
            vec![
                r#"{"type":"turn_context","payload":{"cwd":"5"}}"#.to_string(),
                r#"{"id":"Z"}"#.to_string(),
            ],
        ] {
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            for cut in 1..lines.len() {
                let (once, twice) =
                    crate::sources::mangle::at_once_and_in_two(&CodexSource, &store, &lines, cut);
                assert_eq!(once.sessions.len(), 1, "{:?}", once.sessions);
                assert_eq!(twice.sessions, once.sessions, "cut after line {cut}");
            }
        }
    }

    #[test]
    fn mangled_lines_never_panic() {
        use crate::sources::mangle::{Rng, variants};
        let path = fixture(&format!(
            "sessions/2026/11/20/rollout-2026-11-20T10-00-00-{C1}.jsonl"
        ));
        let bytes = std::fs::read(&path).unwrap();
        let mut rng = Rng(0x5eed_1234_abcd_0001);
        for line in bytes.split(|b| *b == b'\n') {
            for bad in variants(line, &mut rng) {
                let Parser::Lines(mut p) =
                    CodexSource.parser(&store_for(Agent::Codex, &path, StoreKind::Jsonl))
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
