//! Pi coding agent (`@mariozechner/pi-coding-agent`): `~/.pi/agent/sessions/--<cwd>--/
//! <time>_<uuid>.jsonl`, `$PI_CODING_AGENT_DIR/sessions`, `$PI_CODING_AGENT_SESSION_DIR`, the
//! `sessionDir` of Pi's global `settings.json`, and folders from `config.toml` (for example one
//! given to Pi's `--session-dir`).
//!
//! Rules (see `FORMATS.md` §5 and `GENERATED.md`, "Pi"):
//! - the first line is a `session` header (`id`, `cwd`, `timestamp`; `version` 2 or 3, none in
//!   v1); every other line is an entry;
//! - v1 entries have no `id`/`parentId` and form a list; from v2 on they form a tree by
//!   `id`/`parentId` and branching happens in place (`/tree`, `/fork`). The transcript is the
//!   **active branch**: from the last entry of the file back to its root, as Pi itself loads it.
//!   Where an entry of that branch has other children, a notice says how many branches were left
//!   there (with their first entry ids). Missing parents and cycles never make the walk loop;
//! - because any appended entry can switch the active branch (a new child of an old entry), the
//!   store is parsed as a whole whenever it changes ([`WholeParser`]): the result is by
//!   construction that of a fresh parse;
//! - assistant `usage` is per API call (`input` excludes cache reads and writes) and carries
//!   the cost Pi computed (`cost.total`, USD): both are kept per message;
//! - model and thinking-level changes, compactions and branch summaries are notices; a command
//!   the person ran with `!cmd` (`bashExecution`) is a tool call and its result on their side;
//! - title: the latest `session_info.name`, else the first user message.

use super::util::{self, walk_files};
use super::{
    IssueKind, Parser, ResumeTarget, Root, RootOrigin, ScanOut, SessionMeta, Sink, Source,
    SourceError, StoreKind, StoreRef, WholeParser, config_roots, rank,
};
use crate::model::{Agent, Block, Message, Role, Session, TokenUsage, parse_time, time_from_epoch};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub struct PiSource;

/// Lines longer than this are skipped (and counted), like the line feeder does.
const MAX_LINE: usize = 64 << 20;
/// Pi's `settings.json` is small; anything bigger is not read.
const MAX_SETTINGS: u64 = 1 << 20;

impl Source for PiSource {
    fn agent(&self) -> Agent {
        Agent::Pi
    }

    fn roots(&self, ctx: &super::DiscoverCtx) -> Vec<Root> {
        let mut roots = Vec::new();
        // Relative values are relative to wherever Pi ran: unknowable here, so skipped.
        let absolute = |v: &str| Some(ctx.env.expand(v.trim())).filter(|p| p.is_absolute());
        if let Some(p) = ctx
            .env
            .var("PI_CODING_AGENT_SESSION_DIR")
            .and_then(absolute)
        {
            roots.push(Root {
                agent: Agent::Pi,
                path: p,
                origin: RootOrigin::Env("PI_CODING_AGENT_SESSION_DIR".into()),
            });
        }
        let mut agent_dirs: Vec<(PathBuf, RootOrigin)> = Vec::new();
        if let Some(p) = ctx.env.var("PI_CODING_AGENT_DIR").and_then(absolute) {
            agent_dirs.push((p, RootOrigin::Env("PI_CODING_AGENT_DIR".into())));
        }
        if let Some(home) = ctx.env.home() {
            agent_dirs.push((home.join(".pi/agent"), RootOrigin::Default));
        }
        for (dir, origin) in &agent_dirs {
            roots.push(Root {
                agent: Agent::Pi,
                path: dir.join("sessions"),
                origin: origin.clone(),
            });
        }
        for (dir, _) in &agent_dirs {
            let settings = dir.join("settings.json");
            if let Some(p) = settings_session_dir(&settings).and_then(|v| absolute(&v)) {
                roots.push(Root {
                    agent: Agent::Pi,
                    path: p,
                    origin: RootOrigin::Derived(format!("sessionDir in {}", settings.display())),
                });
            }
        }
        roots.extend(config_roots(ctx, Agent::Pi));
        roots
    }

    fn scan(&self, root: &Root, out: &mut ScanOut) {
        // A configured root may name Pi's config dir (`~/.pi`) or agent dir (`~/.pi/agent`)
        // rather than a folder of sessions.
        let mut base = root.path.clone();
        if root.origin == RootOrigin::Config {
            for sub in ["agent/sessions", "sessions"] {
                if root.path.join(sub).is_dir() {
                    base = root.path.join(sub);
                    break;
                }
            }
        }
        // `sessions/--<cwd>--/<file>.jsonl`, or the files themselves (`--session-dir`)
        walk_files(&base, 1, out, &mut |p, out| {
            if !util::file_name(p).ends_with(".jsonl") {
                return;
            }
            out.stores.push(StoreRef {
                agent: Agent::Pi,
                path: p.to_path_buf(),
                kind: StoreKind::Jsonl,
                root: root.path.clone(),
                priority: 0,
            });
        });
    }

    fn parser(&self, _store: &StoreRef) -> Parser {
        Parser::Whole(Box::new(PiParser))
    }

    /// `pi --session <absolute path>`: Pi opens the file and runs in the header's cwd. By id
    /// from another directory Pi offers to fork the session instead, so the path is used.
    fn switch_branch(
        &self,
        session: &Session,
        at: &str,
        leaf: Option<&str>,
    ) -> Option<Result<super::BranchView, String>> {
        let path = Path::new(&session.source);
        Some(match std::fs::read(path) {
            Ok(bytes) => switch_branch(&bytes, id_from_file_name(path), at, leaf),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        })
    }

    /// `pi --session <absolute path of the file>`: by id from another project Pi offers to
    /// fork instead.
    fn resume(&self, s: &Session) -> Option<ResumeTarget> {
        if !util::arg_path(&s.source) || !s.source.ends_with(".jsonl") {
            return None;
        }
        Some(ResumeTarget {
            argv: vec!["pi".into(), "--session".into(), s.source.clone()],
            cwd: util::run_dir(&s.cwd),
        })
    }

    fn continue_latest(&self, s: &Session) -> Option<ResumeTarget> {
        Some(ResumeTarget {
            argv: vec!["pi".into(), "--continue".into()],
            cwd: Some(util::run_dir(&s.cwd)?),
        })
    }
}

/// `sessionDir` from Pi's `settings.json`, when it is set.
fn settings_session_dir(path: &Path) -> Option<String> {
    let md = std::fs::metadata(path).ok()?;
    if !md.is_file() || md.len() > MAX_SETTINGS {
        return None;
    }
    let v: Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    util::str_of(&v, "sessionDir")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// `2026-11-24T02-58-40-923Z_01a20b7d-c29a-7574-b495-57188a60804e.jsonl` → the uuid.
pub fn id_from_file_name(p: &Path) -> Option<String> {
    let stem = util::file_name(p).strip_suffix(".jsonl")?;
    let tail = stem.rsplit('_').next()?;
    let ok = tail.len() == 36
        && tail.matches('-').count() == 4
        && tail.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    ok.then(|| tail.to_string())
}

struct PiParser;

impl WholeParser for PiParser {
    fn parse(
        &mut self,
        store: &StoreRef,
        _state: Option<&[u8]>,
        sink: &mut Sink,
    ) -> Result<Vec<u8>, SourceError> {
        let bytes = std::fs::read(&store.path).map_err(|source| SourceError::Io {
            path: store.path.clone(),
            source,
        })?;
        parse_session(&bytes, id_from_file_name(&store.path), sink);
        Ok(Vec::new())
    }
}

/// Where an entry hangs in the tree.
#[derive(Debug, Clone, PartialEq)]
enum Link {
    /// `parentId: null`.
    Root,
    /// v1 (no ids): the entry before it.
    Prev,
    Id(String),
}

/// One entry of the file (the header excluded).
#[derive(Debug)]
struct Node {
    line: u64,
    id: Option<String>,
    link: Link,
    time: Option<DateTime<Utc>>,
    /// What the entry shows, if anything.
    msg: Option<Message>,
    /// A model or thinking-level change: not shown before the conversation starts.
    setting: bool,
}

#[derive(Debug, Default)]
struct Parsed {
    header: bool,
    version: u64,
    id: Option<String>,
    cwd: Option<String>,
    started: Option<DateTime<Utc>>,
    updated: Option<DateTime<Utc>>,
    title: Option<String>,
    first_prompt: Option<String>,
    /// The model in effect, in file order (v1 header, `model_change`), for assistant messages
    /// that do not name theirs.
    model: Option<String>,
    nodes: Vec<Node>,
}

/// Parse a whole Pi session file into `sink` (always complete: the store is re-read whole).
pub fn parse_session(bytes: &[u8], file_id: Option<String>, sink: &mut Sink) {
    sink.complete = true;
    let p = read_lines(bytes, sink);
    p.finish(file_id, sink);
}

/// Every entry of the file, in order (the tree is built later).
fn read_lines(bytes: &[u8], sink: &mut Sink) -> Parsed {
    let mut p = Parsed {
        version: 1,
        ..Parsed::default()
    };
    let mut pieces = bytes.split(|b| *b == b'\n').peekable();
    let mut n = 0u64;
    while let Some(line) = pieces.next() {
        n += 1;
        if pieces.peek().is_none()
            && !line.is_empty()
            && serde_json::from_slice::<serde::de::IgnoredAny>(line).is_err()
        {
            // an unfinished last line: Pi is still writing it (doctor shows it waiting)
            if !line.iter().all(|b| b.is_ascii_whitespace()) {
                sink.pending = line.len() as u64;
            }
            break;
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = if n == 1 {
            line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line)
        } else {
            line
        };
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        if line.len() > MAX_LINE {
            sink.issue(
                Some(n),
                IssueKind::TooLong,
                format!("line of {} bytes skipped", line.len()),
            );
            continue;
        }
        p.line(n, line, sink);
    }
    p
}

fn kind_of(e: &serde_json::Error) -> IssueKind {
    if e.is_data() {
        IssueKind::WrongShape
    } else {
        IssueKind::InvalidJson
    }
}

fn short(s: &str) -> String {
    crate::sanitize::truncate_chars(s, 40)
}

fn notice(kind: &str, text: impl Into<String>) -> Block {
    Block::Notice {
        kind: kind.into(),
        text: text.into(),
    }
}

fn entry_time(o: &Map<String, Value>) -> Option<DateTime<Utc>> {
    o.get("timestamp")
        .and_then(Value::as_str)
        .and_then(parse_time)
}

/// A message's own `timestamp` (epoch milliseconds).
fn message_time(m: &Value) -> Option<DateTime<Utc>> {
    m.get("timestamp")
        .and_then(Value::as_f64)
        .and_then(time_from_epoch)
}

/// Text and image blocks of a user-side `content` (a string or an array).
fn content_blocks(content: Option<&Value>) -> Vec<Block> {
    match content {
        Some(Value::String(s)) => vec![Block::text(s.clone())],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|it| match it.get("type").and_then(Value::as_str) {
                Some("text") => it
                    .get("text")
                    .and_then(Value::as_str)
                    .map(|t| Block::text(t.to_string())),
                Some("image") => Some(Block::Attachment {
                    kind: "image".into(),
                    description: util::str_of(it, "mimeType").unwrap_or("image").to_string(),
                }),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn usage_of(u: &Value) -> (Option<TokenUsage>, Option<f64>) {
    let usage = TokenUsage {
        input: util::count_of(u, "input"),
        output: util::count_of(u, "output"),
        cache_read: util::count_of(u, "cacheRead"),
        cache_write: util::count_of(u, "cacheWrite"),
        reasoning: 0,
        cache_write_1h: 0,
    };
    let cost = u
        .get("cost")
        .and_then(|c| c.get("total"))
        .and_then(Value::as_f64)
        .filter(|c| c.is_finite() && *c >= 0.0);
    ((!usage.is_empty()).then_some(usage), cost)
}

impl Parsed {
    fn line(&mut self, line_no: u64, raw: &[u8], sink: &mut Sink) {
        let v: Value = match serde_json::from_slice(raw) {
            Ok(v) => v,
            Err(e) => {
                sink.issue(Some(line_no), kind_of(&e), e.to_string());
                return;
            }
        };
        let Some(o) = v.as_object() else {
            sink.issue(Some(line_no), IssueKind::WrongShape, "not a JSON object");
            return;
        };
        let Some(ty) = o.get("type").and_then(Value::as_str) else {
            sink.issue(Some(line_no), IssueKind::WrongShape, "entry without a type");
            return;
        };
        let time = entry_time(o);
        if ty == "session" {
            self.header(&v, time);
            return;
        }
        if let Some(t) = time
            && self.updated.is_none_or(|u| t > u)
        {
            self.updated = Some(t);
        }
        let id = o.get("id").and_then(Value::as_str).map(str::to_string);
        let link = match o.get("parentId") {
            Some(Value::Null) => Link::Root,
            Some(Value::String(s)) => Link::Id(s.clone()),
            other => {
                // v1 has neither; from v2 on both are always written
                if self.version >= 2 || other.is_some() {
                    sink.issue(
                        Some(line_no),
                        IssueKind::WrongShape,
                        "entry without a parentId: attached to the entry before it",
                    );
                }
                Link::Prev
            }
        };
        let (msg, setting) = self.entry(ty, &v, line_no, id.as_deref(), sink);
        let msg = msg.map(|mut m| {
            m.time = time.or(m.time);
            m.native_id = m.native_id.or_else(|| id.clone());
            m
        });
        self.nodes.push(Node {
            line: line_no,
            id,
            link,
            time,
            msg,
            setting,
        });
    }

    fn header(&mut self, v: &Value, time: Option<DateTime<Utc>>) {
        if self.header {
            return; // only the first one counts
        }
        self.header = true;
        self.version = util::count_of(v, "version").max(1);
        self.id = util::str_of(v, "id").map(str::to_string);
        self.cwd = util::str_of(v, "cwd").map(str::to_string);
        self.started = time;
        if let Some(t) = time
            && self.updated.is_none_or(|u| t > u)
        {
            self.updated = Some(t);
        }
        // v1 headers name the starting model
        if let Some(m) = util::str_of(v, "modelId") {
            self.model = Some(m.to_string());
        }
    }

    /// The message an entry shows (if any) and whether it is a setting change.
    fn entry(
        &mut self,
        ty: &str,
        v: &Value,
        line_no: u64,
        id: Option<&str>,
        sink: &mut Sink,
    ) -> (Option<Message>, bool) {
        match ty {
            "message" => match v.get("message") {
                Some(m) if m.is_object() => (self.message(m, line_no, id, sink), false),
                _ => {
                    sink.issue(
                        Some(line_no),
                        IssueKind::WrongShape,
                        "message entry without a message object",
                    );
                    (None, false)
                }
            },
            "model_change" => {
                let model = util::str_of(v, "modelId").unwrap_or("?");
                self.model = Some(model.to_string());
                let text = match util::str_of(v, "provider") {
                    Some(p) => format!("Model: {p}/{model}"),
                    None => format!("Model: {model}"),
                };
                let mut m = Message::new(Role::System);
                m.blocks.push(notice("model", text));
                (Some(m), true)
            }
            "thinking_level_change" => {
                let level = util::str_of(v, "thinkingLevel").unwrap_or("?");
                let mut m = Message::new(Role::System);
                m.blocks
                    .push(notice("thinking", format!("Thinking level: {level}")));
                (Some(m), true)
            }
            "compaction" => {
                let before = util::count_of(v, "tokensBefore");
                let by = if util::bool_of(v, "fromHook") {
                    " by an extension"
                } else {
                    ""
                };
                let mut m = Message::new(Role::System);
                m.blocks.push(notice(
                    "compaction",
                    format!("Context compacted{by} ({before} tokens before); the summary:"),
                ));
                if let Some(s) = util::str_of(v, "summary") {
                    m.blocks.push(Block::text(s));
                }
                (Some(m), false)
            }
            "branch_summary" => (Some(branch_summary(v)), false),
            "custom_message" => {
                if !util::bool_of(v, "display") {
                    return (None, false);
                }
                let mut m = Message::new(Role::User);
                m.meta = true;
                m.blocks = content_blocks(v.get("content"));
                (Some(m), false)
            }
            "session_info" => {
                if let Some(name) = util::str_of(v, "name").map(str::trim)
                    && !name.is_empty()
                {
                    self.title = Some(name.to_string());
                }
                (None, false)
            }
            // extension state and bookmarks: part of the tree, never shown
            "custom" | "label" => (None, false),
            other => {
                sink.issue(
                    Some(line_no),
                    IssueKind::UnknownType,
                    format!("unknown entry type '{}'", short(other)),
                );
                (None, false)
            }
        }
    }

    fn message(
        &mut self,
        m: &Value,
        line_no: u64,
        id: Option<&str>,
        sink: &mut Sink,
    ) -> Option<Message> {
        let role = m.get("role").and_then(Value::as_str).unwrap_or("");
        let mut msg = match role {
            "user" => {
                let mut msg = Message::new(Role::User);
                msg.blocks = content_blocks(m.get("content"));
                if self.first_prompt.is_none() {
                    self.first_prompt = util::title_from(&msg.plain_text());
                }
                msg
            }
            "assistant" => self.assistant(m),
            "toolResult" => {
                let mut msg = Message::new(Role::Tool);
                msg.blocks.push(Block::ToolResult {
                    call_id: util::str_of(m, "toolCallId").unwrap_or("").to_string(),
                    output: m.get("content").map(util::content_text).unwrap_or_default(),
                    is_error: util::bool_of(m, "isError"),
                });
                msg
            }
            "bashExecution" => bash_execution(m, id, line_no),
            // `hookMessage` until v2, `custom` from v3
            "custom" | "hookMessage" => {
                if m.get("display") == Some(&Value::Bool(false)) {
                    return None;
                }
                let mut msg = Message::new(Role::User);
                msg.meta = true;
                msg.blocks = content_blocks(m.get("content"));
                msg
            }
            "branchSummary" => branch_summary(m),
            "compactionSummary" => {
                let mut msg = Message::new(Role::System);
                msg.blocks.push(notice(
                    "compaction",
                    format!(
                        "Context compacted ({} tokens before); the summary:",
                        util::count_of(m, "tokensBefore")
                    ),
                ));
                if let Some(s) = util::str_of(m, "summary") {
                    msg.blocks.push(Block::text(s));
                }
                msg
            }
            other => {
                sink.issue(
                    Some(line_no),
                    IssueKind::UnknownType,
                    format!("unknown message role '{}'", short(other)),
                );
                return None;
            }
        };
        msg.time = message_time(m);
        Some(msg)
    }

    fn assistant(&self, m: &Value) -> Message {
        let mut msg = Message::new(Role::Assistant);
        msg.model = util::str_of(m, "model")
            .map(str::to_string)
            .or_else(|| self.model.clone());
        match m.get("content") {
            Some(Value::String(s)) => msg.blocks.push(Block::text(s.clone())),
            Some(Value::Array(items)) => {
                for it in items {
                    match it.get("type").and_then(Value::as_str) {
                        Some("text") => {
                            if let Some(t) = it.get("text").and_then(Value::as_str) {
                                msg.blocks.push(Block::text(t));
                            }
                        }
                        Some("thinking") => {
                            let redacted = util::bool_of(it, "redacted");
                            let text = if redacted {
                                String::new()
                            } else {
                                it.get("thinking")
                                    .and_then(Value::as_str)
                                    .unwrap_or("")
                                    .to_string()
                            };
                            msg.blocks.push(Block::Thinking {
                                sealed: text.trim().is_empty(),
                                text,
                            });
                        }
                        Some("toolCall") => msg.blocks.push(Block::ToolCall {
                            id: util::str_of(it, "id").unwrap_or("").to_string(),
                            name: util::str_of(it, "name").unwrap_or("?").to_string(),
                            input: it.get("arguments").cloned().unwrap_or(Value::Null),
                        }),
                        Some("image") => msg.blocks.push(Block::Attachment {
                            kind: "image".into(),
                            description: util::str_of(it, "mimeType")
                                .unwrap_or("image")
                                .to_string(),
                        }),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        if let Some(u) = m.get("usage") {
            (msg.usage, msg.cost_usd) = usage_of(u);
        }
        let error = util::str_of(m, "errorMessage");
        match util::str_of(m, "stopReason") {
            Some("error") => msg
                .blocks
                .push(notice("error", format!("Error: {}", error.unwrap_or("?")))),
            Some("aborted") => msg
                .blocks
                .push(notice("aborted", error.unwrap_or("Request was aborted."))),
            Some("length") => msg.blocks.push(notice(
                "length",
                "The answer stopped at the output token limit",
            )),
            _ => {}
        }
        msg
    }

    fn finish(self, file_id: Option<String>, sink: &mut Sink) {
        let Parsed {
            header,
            id,
            cwd,
            started,
            updated,
            title,
            first_prompt,
            mut nodes,
            ..
        } = self;
        if !header && nodes.is_empty() {
            return; // nothing readable (an empty file, or no line of it an entry): no session
        }
        let Some(uid) = id.or(file_id) else {
            if header || !nodes.is_empty() {
                sink.issue(
                    None,
                    IssueKind::WrongShape,
                    "no session id (neither in a header nor in the file name)",
                );
            }
            return;
        };
        if !header && !nodes.is_empty() {
            sink.issue(
                None,
                IssueKind::WrongShape,
                "no session header line: id from the file name, no cwd",
            );
        }
        let messages = active_branch(&mut nodes, sink);
        let meta = SessionMeta {
            id: uid.clone(),
            title_rank: if title.is_some() { rank::CUSTOM } else { 0 },
            title,
            first_prompt,
            cwd,
            started_at: started.or_else(|| messages.iter().filter_map(|m| m.time).min()),
            updated_at: updated,
            ..SessionMeta::default()
        };
        sink.meta(&uid, meta);
        for (seq, m) in messages.into_iter().enumerate() {
            sink.put(&uid, true, seq as u32, m);
        }
    }
}

fn branch_summary(v: &Value) -> Message {
    // `fromId` is the entry the new branch starts from (this entry's parent)
    let mut m = Message::new(Role::System);
    m.blocks.push(notice(
        "branch_summary",
        "Came back here from another branch; the summary of what was left:",
    ));
    if let Some(s) = util::str_of(v, "summary") {
        m.blocks.push(Block::text(s));
    }
    m
}

/// `!cmd` run by the person: a tool call and its result, on their side (not a prompt).
fn bash_execution(m: &Value, id: Option<&str>, line_no: u64) -> Message {
    let call_id = match id {
        Some(id) => format!("user-bash-{id}"),
        None => format!("user-bash-{line_no}"),
    };
    let command = util::str_of(m, "command").unwrap_or("").to_string();
    let mut input = serde_json::json!({ "command": command });
    if util::bool_of(m, "excludeFromContext") {
        input["excludeFromContext"] = Value::Bool(true);
    }
    let mut output = m
        .get("output")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let cancelled = util::bool_of(m, "cancelled");
    let code = m.get("exitCode").and_then(Value::as_i64);
    if cancelled {
        output.push_str("\n\n(command cancelled)");
    } else if let Some(c) = code.filter(|c| *c != 0) {
        output.push_str(&format!("\n\nCommand exited with code {c}"));
    }
    if util::bool_of(m, "truncated") {
        match util::str_of(m, "fullOutputPath") {
            Some(p) => output.push_str(&format!("\n\n[Output truncated. Full output: {p}]")),
            None => output.push_str("\n\n[Output truncated]"),
        }
    }
    let mut msg = Message::new(Role::User);
    msg.blocks.push(Block::ToolCall {
        id: call_id.clone(),
        name: "bash".into(),
        input,
    });
    msg.blocks.push(Block::ToolResult {
        call_id,
        output,
        is_error: cancelled || code.is_some_and(|c| c != 0),
    });
    msg
}

/// A branch left at some entry of the active one.
struct Branch {
    first_id: String,
    shown: usize,
    preview: Option<String>,
}

/// The tree of entries: each entry's parent and children, and the roots.
struct Tree {
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
    roots: Vec<usize>,
}

impl Tree {
    fn new(nodes: &[Node], sink: &mut Sink) -> Tree {
        let n = nodes.len();
        let mut by_id: HashMap<&str, usize> = HashMap::with_capacity(n);
        for (i, node) in nodes.iter().enumerate() {
            if let Some(id) = &node.id {
                by_id.insert(id.as_str(), i); // a repeated id: the later entry wins, as in Pi
            }
        }
        let mut parent: Vec<Option<usize>> = vec![None; n];
        for (i, node) in nodes.iter().enumerate() {
            parent[i] = match &node.link {
                Link::Root => None,
                Link::Prev => i.checked_sub(1),
                Link::Id(p) => match by_id.get(p.as_str()) {
                    Some(&j) if j != i => Some(j),
                    Some(_) => {
                        // its own parent: a root
                        sink.issue(
                            Some(node.line),
                            IssueKind::WrongShape,
                            format!("entry {} is its own parent: shown as a root", short(p)),
                        );
                        None
                    }
                    None => {
                        // most likely the line before it could not be read
                        sink.issue(
                            Some(node.line),
                            IssueKind::WrongShape,
                            format!(
                                "parent entry {} not found: attached to the entry before it",
                                short(p)
                            ),
                        );
                        i.checked_sub(1)
                    }
                },
            };
        }
        // parents that lead round in a circle: the walk stops where the circle closes (see
        // `path`); each circle is reported once, at the entry where it closes
        let mut state = vec![0u8; n]; // 0 not seen, 1 on the walk being followed, 2 done
        for start in 0..n {
            let mut walk = Vec::new();
            let mut cur = Some(start);
            while let Some(i) = cur {
                match state[i] {
                    0 => {
                        state[i] = 1;
                        walk.push(i);
                        cur = parent[i];
                    }
                    1 => {
                        sink.issue(
                            Some(nodes[i].line),
                            IssueKind::WrongShape,
                            format!(
                                "parentId cycle through entry {}: its branch is shown from where the cycle closes",
                                nodes[i].id.as_deref().map(short).unwrap_or_default()
                            ),
                        );
                        break;
                    }
                    _ => break,
                }
            }
            for i in walk {
                state[i] = 2;
            }
        }
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut roots = Vec::new();
        for (i, p) in parent.iter().enumerate() {
            match p {
                Some(p) => children[*p].push(i),
                None => roots.push(i),
            }
        }
        Tree {
            parent,
            children,
            roots,
        }
    }

    /// From `leaf` back to its root, root first; a cycle ends the walk.
    fn path(&self, leaf: Option<usize>) -> (Vec<usize>, Vec<bool>) {
        let mut on_path = vec![false; self.parent.len()];
        let mut path = Vec::new();
        let mut cur = leaf;
        while let Some(i) = cur {
            if on_path[i] {
                break;
            }
            on_path[i] = true;
            path.push(i);
            cur = self.parent[i];
        }
        path.reverse();
        (path, on_path)
    }

    /// The last entry (in file order) of the subtree under `start`, and whether it shows
    /// anything (a conversation, not only labels or settings).
    fn last_of(&self, nodes: &[Node], start: usize) -> (usize, bool) {
        let mut stack = vec![start];
        let mut seen = std::collections::HashSet::new();
        let (mut last, mut shows) = (start, false);
        while let Some(i) = stack.pop() {
            if !seen.insert(i) {
                continue;
            }
            last = last.max(i);
            shows |= nodes[i].msg.is_some() && !nodes[i].setting;
            stack.extend(self.children[i].iter().copied());
        }
        (last, shows)
    }
}

/// The entry a branch notice sits after (`branch@<id>`; `branch@root` is before the roots).
fn notice_place(nodes: &[Node], at: &str) -> Option<Option<usize>> {
    let id = at.strip_prefix("branch@")?;
    if id == "root" {
        return Some(None);
    }
    nodes
        .iter()
        .rposition(|n| n.id.as_deref() == Some(id))
        .map(Some)
}

/// Switch branches at a branch notice: from the branch shown (`leaf`, an entry id; None for
/// the active one), to the next branch at that point, cycling in file order. Returns the
/// messages of that branch and its last entry's id (None when it is the active branch).
pub fn switch_branch(
    bytes: &[u8],
    file_id: Option<String>,
    at: &str,
    leaf: Option<&str>,
) -> Result<(Vec<Message>, Option<String>), String> {
    let mut sink = Sink::default();
    let mut p = read_lines(bytes, &mut sink);
    if p.id.is_none() {
        p.id = file_id;
    }
    let nodes = &mut p.nodes;
    if nodes.is_empty() {
        return Err("the session has no entries".into());
    }
    let tree = Tree::new(nodes, &mut sink);
    let active = nodes.len() - 1;
    let current = match leaf {
        Some(id) => nodes
            .iter()
            .rposition(|n| n.id.as_deref() == Some(id))
            .ok_or_else(|| format!("entry {} is gone from the file", short(id)))?,
        None => active,
    };
    let (_, on_path) = tree.path(Some(current));
    let place = notice_place(nodes, at).ok_or_else(|| format!("no branch point {at}"))?;
    let siblings: &[usize] = match place {
        None => &tree.roots,
        Some(i) => &tree.children[i],
    };
    // the branches at that point that show something, in file order
    let choices: Vec<(usize, usize)> = siblings
        .iter()
        .map(|&c| (c, tree.last_of(nodes, c)))
        .filter(|(c, (_, shows))| *shows || on_path[*c])
        .map(|(c, (last, _))| (c, last))
        .collect();
    let here = choices.iter().position(|(c, _)| on_path[*c]);
    let next = match here {
        Some(k) => choices.get((k + 1) % choices.len()),
        None => choices.first(),
    };
    let Some(&(_, new_leaf)) = next else {
        return Err("no other branch here".into());
    };
    let messages = branch_from(nodes, &tree, new_leaf, &mut sink);
    let leaf_id = (new_leaf != active).then(|| {
        nodes[new_leaf]
            .id
            .clone()
            .unwrap_or_else(|| format!("line {}", nodes[new_leaf].line))
    });
    Ok((messages, leaf_id))
}

/// The messages of the active branch (the last entry back to its root), with a notice where
/// other branches leave it. Takes the messages out of `nodes`.
fn active_branch(nodes: &mut [Node], sink: &mut Sink) -> Vec<Message> {
    if nodes.is_empty() {
        return Vec::new();
    }
    let tree = Tree::new(nodes, sink);
    let leaf = nodes.len() - 1;
    branch_from(nodes, &tree, leaf, sink)
}

/// The messages from `leaf` back to its root, with a notice where other branches leave it.
fn branch_from(nodes: &mut [Node], tree: &Tree, leaf: usize, _sink: &mut Sink) -> Vec<Message> {
    let Tree {
        children, roots, ..
    } = tree;
    let (path, on_path) = tree.path(Some(leaf));

    // Branch notices first (they only read entries off the path).
    let mut seen = on_path.clone();
    let branches = |starts: &[usize], seen: &mut [bool]| -> Vec<Branch> {
        let mut out = Vec::new();
        for &start in starts {
            if seen[start] {
                continue;
            }
            let mut stack = vec![start];
            seen[start] = true;
            let mut shown = 0usize;
            let mut first: Option<(usize, String)> = None;
            while let Some(i) = stack.pop() {
                if let Some(m) = &nodes[i].msg
                    && !nodes[i].setting
                {
                    shown += 1;
                    let text = m.plain_text();
                    let better = first.as_ref().is_none_or(|(j, _)| i < *j);
                    if m.is_prompt() && better {
                        first = Some((i, text));
                    }
                }
                for &c in &children[i] {
                    if !seen[c] {
                        seen[c] = true;
                        stack.push(c);
                    }
                }
            }
            if shown == 0 {
                continue; // only labels, names or settings: not a conversation
            }
            out.push(Branch {
                first_id: nodes[start]
                    .id
                    .clone()
                    .unwrap_or_else(|| format!("line {}", nodes[start].line)),
                shown,
                preview: first.and_then(|(_, t)| util::title_from(&t)),
            });
        }
        out
    };
    let other_roots: Vec<usize> = roots.iter().copied().filter(|r| !on_path[*r]).collect();
    let first_time = path.first().and_then(|i| nodes[*i].time);
    let at_start = branch_notice(None, first_time, &branches(&other_roots, &mut seen));
    let mut after: Vec<Option<Message>> = Vec::with_capacity(path.len());
    for (k, &i) in path.iter().enumerate() {
        let next = path.get(k + 1).copied();
        let others: Vec<usize> = children[i]
            .iter()
            .copied()
            .filter(|c| Some(*c) != next && !on_path[*c])
            .collect();
        let found = branches(&others, &mut seen);
        after.push(branch_notice(nodes[i].id.as_deref(), nodes[i].time, &found));
    }

    let mut out = Vec::with_capacity(path.len() + 1);
    out.extend(at_start);
    let mut started = false;
    for (k, &i) in path.iter().enumerate() {
        let node = &mut nodes[i];
        if let Some(m) = node.msg.take() {
            // the settings a session starts with are not changes
            if !node.setting || started {
                started |= !node.setting;
                out.push(m);
            }
        }
        if let Some(b) = after[k].take() {
            out.push(b);
        }
    }
    out
}

/// "2 other branches here": the notice marking a branch point of the active branch. Its
/// `native_id` is `branch@<entry id>` (`branch@root` before the first entry), and the text
/// names the first entry of each branch, so a branch can be found again.
fn branch_notice(
    at: Option<&str>,
    time: Option<DateTime<Utc>>,
    branches: &[Branch],
) -> Option<Message> {
    if branches.is_empty() {
        return None;
    }
    let n = branches.len();
    let list: Vec<String> = branches
        .iter()
        .map(|b| {
            let preview = b
                .preview
                .as_deref()
                .map(|p| format!(" “{}”", crate::sanitize::truncate_chars(p, 60)))
                .unwrap_or_default();
            format!(
                "[{}]{preview} ({} message{})",
                short(&b.first_id),
                b.shown,
                if b.shown == 1 { "" } else { "s" }
            )
        })
        .collect();
    let place = if at.is_some() { "here" } else { "at the start" };
    let mut m = Message::new(Role::System);
    m.blocks.push(notice(
        "branch",
        format!(
            "{n} other branch{} {place}, not shown: {}",
            if n == 1 { "" } else { "es" },
            list.join("; ")
        ),
    ));
    m.time = time;
    m.native_id = Some(format!("branch@{}", at.unwrap_or("root")));
    Some(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Env};
    use crate::sources::{DiscoverCtx, Materialized, materialize, store_for};

    const SHOP: &str = "0199aaaa-1111-7222-8333-444455556666";
    const V1: &str = "0188bbbb-2222-4333-8444-555566667777";
    const V2: &str = "0189cccc-3333-4444-8555-666677778888";

    fn fixture(rel: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/pi/home/.pi/agent/sessions")
            .join(rel)
    }

    fn parse_file(rel: &str) -> Materialized {
        materialize(
            &PiSource,
            &store_for(Agent::Pi, &fixture(rel), StoreKind::Jsonl),
        )
        .unwrap()
    }

    fn parse_text(text: &str, file_id: Option<&str>) -> Materialized {
        let mut sink = Sink::default();
        parse_session(text.as_bytes(), file_id.map(str::to_string), &mut sink);
        assert!(sink.complete, "a whole parse replaces what was stored");
        let mut m = Materialized::default();
        m.apply(sink);
        m
    }

    fn notices(msgs: &[Message]) -> Vec<(String, String)> {
        msgs.iter()
            .flat_map(|m| &m.blocks)
            .filter_map(|b| match b {
                Block::Notice { kind, text } => Some((kind.clone(), text.clone())),
                _ => None,
            })
            .collect()
    }

    fn texts(msgs: &[Message]) -> Vec<String> {
        msgs.iter().map(Message::plain_text).collect()
    }

    fn shop() -> Materialized {
        parse_file(&format!(
            "--home-u-shop--/2026-11-20T09-00-00-000Z_{SHOP}.jsonl"
        ))
    }

    #[test]
    fn ids_from_file_names() {
        assert_eq!(
            id_from_file_name(Path::new(
                "/s/--x--/2026-11-24T02-58-40-923Z_01a20b7d-c29a-7574-b495-57188a60804e.jsonl"
            ))
            .as_deref(),
            Some("01a20b7d-c29a-7574-b495-57188a60804e")
        );
        assert_eq!(id_from_file_name(Path::new("/s/notes.jsonl")), None);
        assert_eq!(id_from_file_name(Path::new("/s/x_short.jsonl")), None);
    }

    #[test]
    fn the_active_branch_is_shown_with_a_notice_where_another_was_left() {
        let m = shop();
        assert!(m.issues.is_empty(), "{:?}", m.issues);
        let (uid, primary, meta, msgs) = m.only();
        assert_eq!(uid, SHOP);
        assert!(*primary);
        let roles: Vec<Role> = msgs.iter().map(|m| m.role).collect();
        use Role::*;
        assert_eq!(
            roles,
            vec![
                User,      // Fix the failing checkout test
                Assistant, // thinking + text + bash
                Tool,      // error
                Assistant, // sealed thinking + text
                System,    // the branch left at x2
                System,    // branch summary
                User,      // Just fix the rounding
                User,      // !git status
                Assistant, // edit
                Tool, System, // model change
                System, // thinking level change
                User,   // extension message (display: true)
                System, // compaction
                Assistant,
            ]
        );
        // the abandoned branch is not in the transcript, only named in the notice
        assert!(!texts(msgs).iter().any(|t| t.contains("Rewrit")));
        let n = notices(msgs);
        assert_eq!(
            n[0],
            (
                "branch".to_string(),
                "1 other branch here, not shown: [u2aaaaaa] “Rewrite the whole cart module” (2 messages)"
                    .to_string()
            )
        );
        assert_eq!(msgs[4].native_id.as_deref(), Some("branch@x2000002"));
        assert_eq!(msgs[3].native_id.as_deref(), Some("x2000002"));
        // a branch of only a label is not a conversation: no notice for it
        assert_eq!(n.iter().filter(|(k, _)| k == "branch").count(), 1);
        // the settings the session starts with are not shown; later changes are
        let kinds: Vec<&str> = n.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            kinds,
            vec![
                "branch",
                "branch_summary",
                "model",
                "thinking",
                "compaction"
            ]
        );
        assert_eq!(n[2].1, "Model: openai/gpt-5");
        assert_eq!(n[3].1, "Thinking level: high");
        assert!(msgs[5].plain_text().contains("Tried rewriting the cart"));
        assert!(msgs[13].plain_text().starts_with("## Goal"));
        assert!(n[4].1.contains("12345 tokens before"));
        // prompts, the person's own command, extension text
        let prompts: Vec<String> = msgs
            .iter()
            .filter(|m| m.is_prompt())
            .map(Message::plain_text)
            .collect();
        assert_eq!(
            prompts,
            vec!["Fix the failing checkout test", "Just fix the rounding"]
        );
        match &msgs[7].blocks[..] {
            [
                Block::ToolCall { id, name, input },
                Block::ToolResult {
                    call_id,
                    output,
                    is_error,
                },
            ] => {
                assert_eq!(name, "bash");
                assert_eq!(input["command"], "git status --short");
                assert_eq!(id, call_id);
                assert_eq!(output, " M cart.js\n");
                assert!(!is_error);
            }
            other => panic!("{other:?}"),
        }
        assert!(msgs[12].meta);
        assert_eq!(
            msgs[12].plain_text(),
            "Reminder from the lint extension: run eslint"
        );
        assert!(!texts(msgs).iter().any(|t| t.contains("hidden context")));
        // thinking: readable, signature only, redacted
        assert!(
            matches!(&msgs[1].blocks[0], Block::Thinking { text, sealed: false } if text == "Run the tests first.")
        );
        assert!(matches!(
            &msgs[3].blocks[0],
            Block::Thinking { sealed: true, .. }
        ));
        assert!(
            matches!(&msgs[14].blocks[0], Block::Thinking { sealed: true, text } if text.is_empty())
        );
        // tool calls and results
        assert!(
            matches!(&msgs[1].blocks[2], Block::ToolCall { id, name, input } if id == "toolu_01" && name == "bash" && input["command"] == "npm test")
        );
        assert!(
            matches!(&msgs[2].blocks[0], Block::ToolResult { call_id, is_error: true, .. } if call_id == "toolu_01")
        );
        // usage and cost per message, model per message
        let u = msgs[1].usage.unwrap();
        assert_eq!(
            (u.input, u.output, u.cache_read, u.cache_write, u.reasoning),
            (10, 20, 100, 50, 0)
        );
        assert_eq!(msgs[1].cost_usd, Some(0.001));
        let models: Vec<Option<&str>> = msgs
            .iter()
            .filter(|m| m.role == Assistant)
            .map(|m| m.model.as_deref())
            .collect();
        assert_eq!(
            models,
            vec![
                Some("claude-sonnet-4-5"),
                Some("claude-sonnet-4-5"),
                Some("claude-opus-4-5"),
                Some("gpt-5")
            ]
        );
        let mut total = TokenUsage::default();
        let mut cost = 0.0;
        for m in msgs {
            if let Some(u) = &m.usage {
                total.add(u);
            }
            cost += m.cost_usd.unwrap_or(0.0);
        }
        assert_eq!(
            (
                total.input,
                total.output,
                total.cache_read,
                total.cache_write
            ),
            (26, 66, 1200, 70),
            "the abandoned branch's usage is not counted"
        );
        assert!((cost - 0.012).abs() < 1e-12);
        // metadata
        let meta = meta.as_ref().unwrap();
        assert_eq!(meta.id, SHOP);
        assert_eq!(meta.cwd.as_deref(), Some("/home/u/shop"));
        assert_eq!(meta.title.as_deref(), Some("Checkout rounding fix"));
        assert_eq!(meta.title_rank, rank::CUSTOM);
        assert_eq!(
            meta.first_prompt.as_deref(),
            Some("Fix the failing checkout test")
        );
        assert_eq!(
            meta.started_at,
            parse_time("2026-11-20T09:00:00.000Z"),
            "the header's time"
        );
        assert_eq!(meta.updated_at, parse_time("2026-11-20T09:00:23.000Z"));
        assert_eq!(msgs[0].time, parse_time("2026-11-20T09:00:03.000Z"));
    }

    #[test]
    fn v1_files_are_a_list_with_the_header_model() {
        let m = parse_file(&format!(
            "--home-u-legacy--/2025-12-01T10-30-00-000Z_{V1}.jsonl"
        ));
        assert!(m.issues.is_empty(), "{:?}", m.issues);
        let (uid, _, meta, msgs) = m.only();
        assert_eq!(uid, V1);
        let meta = meta.as_ref().unwrap();
        assert_eq!(meta.cwd.as_deref(), Some("/home/u/legacy"));
        assert_eq!(meta.title, None);
        assert_eq!(meta.first_prompt.as_deref(), Some("Explain main.rs"));
        let n = notices(msgs);
        let kinds: Vec<&str> = n.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            kinds,
            vec!["thinking", "compaction", "model", "aborted", "error"]
        );
        assert_eq!(n[3].1, "Request was aborted.");
        assert_eq!(n[4].1, "Error: 400 invalid_request_error");
        assert_eq!(msgs.len(), 9);
        // the first answer names no model: the header's
        assert_eq!(msgs[1].model.as_deref(), Some("claude-opus-4-5"));
        assert_eq!(msgs[6].model.as_deref(), Some("claude-sonnet-4-5"));
        assert_eq!(msgs[6].usage, None, "an aborted call with no usage");
        assert_eq!(msgs[1].cost_usd, Some(0.01));
        // copied entries keep their earlier times
        assert_eq!(msgs[0].time, parse_time("2025-12-01T10:01:00.000Z"));
        assert_eq!(meta.started_at, parse_time("2025-12-01T10:30:00.000Z"));
        // a cancelled, truncated !command
        match &msgs[8].blocks[1] {
            Block::ToolResult {
                output, is_error, ..
            } => {
                assert!(*is_error);
                assert!(output.contains("(command cancelled)"));
                assert!(output.contains("Full output: /tmp/pi-bash-1.log"));
            }
            other => panic!("{other:?}"),
        }
        assert!(msgs.iter().all(|m| m.native_id.is_none()), "v1 has no ids");
    }

    #[test]
    fn v2_files_read_hook_messages_images_and_compaction() {
        let m = parse_file(&format!(
            "--home-u-legacy--/2026-01-05T08-00-00-000Z_{V2}.jsonl"
        ));
        assert!(m.issues.is_empty(), "{:?}", m.issues);
        let msgs = &m.only().3;
        assert_eq!(msgs.len(), 6);
        assert!(msgs[0].is_prompt(), "content as a plain string");
        assert_eq!(
            msgs[1].blocks,
            vec![Block::Attachment {
                kind: "image".into(),
                description: "image/png".into()
            }]
        );
        assert!(msgs[2].meta && msgs[2].plain_text() == "Branch: main");
        assert_eq!(notices(msgs)[0].0, "length");
        assert_eq!(msgs[4].role, Role::System);
        assert_eq!(msgs[4].plain_text(), "A login form was described.");
        assert_eq!(msgs[5].native_id.as_deref(), Some("e0000006"));
    }

    const BASE: &[&str] = &[
        r#"{"type":"session","version":3,"id":"s1","timestamp":"2026-11-20T10:00:00.000Z","cwd":"/p"}"#,
        r#"{"type":"message","id":"u1","parentId":null,"timestamp":"2026-11-20T10:00:01.000Z","message":{"role":"user","content":[{"type":"text","text":"first"}]}}"#,
        r#"{"type":"message","id":"a1","parentId":"u1","timestamp":"2026-11-20T10:00:02.000Z","message":{"role":"assistant","content":[{"type":"text","text":"one"}],"usage":{"input":1,"output":1,"cacheRead":0,"cacheWrite":0,"cost":{"total":0.5}}}}"#,
        r#"{"type":"message","id":"u2","parentId":"a1","timestamp":"2026-11-20T10:00:03.000Z","message":{"role":"user","content":[{"type":"text","text":"second"}]}}"#,
        r#"{"type":"message","id":"a2","parentId":"u2","timestamp":"2026-11-20T10:00:04.000Z","message":{"role":"assistant","content":[{"type":"text","text":"two"}],"usage":{"input":2,"output":2,"cacheRead":0,"cacheWrite":0,"cost":{"total":0.25}}}}"#,
    ];

    fn joined(lines: &[&str]) -> String {
        let mut s = lines.join("\n");
        s.push('\n');
        s
    }

    #[test]
    fn a_new_child_of_an_old_entry_switches_the_branch() {
        let before = parse_text(&joined(BASE), None);
        assert_eq!(
            texts(&before.only().3),
            vec!["first", "one", "second", "two"]
        );
        // /tree back to a1, then a new prompt: the file only grew
        let mut lines = BASE.to_vec();
        lines.push(r#"{"type":"message","id":"u3","parentId":"a1","timestamp":"2026-11-20T10:00:05.000Z","message":{"role":"user","content":[{"type":"text","text":"instead"}]}}"#);
        let after = parse_text(&joined(&lines), None);
        let msgs = &after.only().3;
        assert_eq!(
            texts(msgs),
            vec!["first", "one", "", "instead"],
            "the old tail is replaced by the new branch"
        );
        assert_eq!(
            notices(msgs)[0].1,
            "1 other branch here, not shown: [u2] “second” (2 messages)"
        );
        assert_eq!(msgs[2].native_id.as_deref(), Some("branch@a1"));
        let cost: f64 = msgs.iter().filter_map(|m| m.cost_usd).sum();
        assert_eq!(cost, 0.5, "the left branch's cost is not counted");
        // switching back to the old leaf's branch again
        lines.push(r#"{"type":"message","id":"u4","parentId":"a2","timestamp":"2026-11-20T10:00:06.000Z","message":{"role":"user","content":[{"type":"text","text":"back"}]}}"#);
        let again = parse_text(&joined(&lines), None);
        assert_eq!(
            texts(&again.only().3),
            vec!["first", "one", "", "second", "two", "back"]
        );
        assert!(notices(&again.only().3)[0].1.contains("[u3] “instead”"));
    }

    #[test]
    fn switching_branches_cycles_through_the_branches_at_a_point() {
        // a1 has three children: u2 (first branch), u3, u5 (the active one, last in the file)
        let mut lines = BASE.to_vec();
        lines.push(r#"{"type":"message","id":"u3","parentId":"a1","timestamp":"2026-11-20T10:00:05.000Z","message":{"role":"user","content":[{"type":"text","text":"instead"}]}}"#);
        lines.push(r#"{"type":"message","id":"u5","parentId":"a1","timestamp":"2026-11-20T10:00:07.000Z","message":{"role":"user","content":[{"type":"text","text":"third way"}]}}"#);
        let bytes = joined(&lines).into_bytes();
        let active = parse_text(&joined(&lines), None);
        assert_eq!(
            texts(&active.only().3),
            vec!["first", "one", "", "third way"]
        );
        // from the active branch, b goes to the next at a1 in file order, wrapping: u2
        let (m, leaf) = switch_branch(&bytes, None, "branch@a1", None).unwrap();
        assert_eq!(texts(&m), vec!["first", "one", "", "second", "two"]);
        assert_eq!(leaf.as_deref(), Some("a2"), "u2's branch ends at a2");
        // the notice on that branch lists the others, the active one included
        assert!(
            notices(&m)[0].1.contains("[u5] “third way”"),
            "{:?}",
            notices(&m)
        );
        let (m, leaf) = switch_branch(&bytes, None, "branch@a1", Some("a2")).unwrap();
        assert_eq!(texts(&m), vec!["first", "one", "", "instead"]);
        assert_eq!(leaf.as_deref(), Some("u3"));
        // and back to the active branch: no leaf
        let (m, leaf) = switch_branch(&bytes, None, "branch@a1", Some("u3")).unwrap();
        assert_eq!(texts(&m), vec!["first", "one", "", "third way"]);
        assert_eq!(leaf, None);
        // through the source, from the session's file (read, never written)
        let dir = std::env::temp_dir().join(format!("revisit-pi-branch-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("2026-11-20T10-00-00-000Z_s1.jsonl");
        std::fs::write(&file, &bytes).unwrap();
        let mut session = crate::model::test_session(1);
        session.source = file.display().to_string();
        let (m, leaf) = PiSource
            .switch_branch(&session, "branch@a1", None)
            .unwrap()
            .unwrap();
        assert_eq!((texts(&m).len(), leaf.as_deref()), (5, Some("a2")));
        assert_eq!(std::fs::read(&file).unwrap(), bytes);
        session.source = dir.join("gone.jsonl").display().to_string();
        assert!(
            PiSource
                .switch_branch(&session, "branch@a1", None)
                .unwrap()
                .is_err()
        );
        std::fs::remove_dir_all(&dir).unwrap();
        // other agents have no branches
        assert!(
            crate::sources::claude::ClaudeSource
                .switch_branch(&session, "branch@a1", None)
                .is_none()
        );
        // errors are reported, never panics
        assert!(switch_branch(&bytes, None, "branch@nope", None).is_err());
        assert!(switch_branch(&bytes, None, "elsewhere", None).is_err());
        assert!(switch_branch(&bytes, None, "branch@a1", Some("gone")).is_err());
        assert!(switch_branch(b"", None, "branch@a1", None).is_err());
    }

    #[test]
    fn several_roots_are_marked_at_the_start() {
        let mut lines = BASE.to_vec();
        // the leaf reset to before the first entry (Pi's resetLeaf): a second root
        lines.push(r#"{"type":"message","id":"r2","parentId":null,"timestamp":"2026-11-20T10:00:05.000Z","message":{"role":"user","content":[{"type":"text","text":"from scratch"}]}}"#);
        let m = parse_text(&joined(&lines), None);
        let msgs = &m.only().3;
        assert_eq!(texts(msgs), vec!["", "from scratch"]);
        assert_eq!(
            notices(msgs)[0].1,
            "1 other branch at the start, not shown: [u1] “first” (4 messages)"
        );
        assert_eq!(msgs[0].native_id.as_deref(), Some("branch@root"));
        assert!(m.issues.is_empty());
    }

    #[test]
    fn cycles_and_missing_parents_never_loop() {
        let head = BASE[0];
        // x → y → x: the walk stops where it started
        let cycle = [
            head,
            r#"{"type":"message","id":"x","parentId":"y","message":{"role":"user","content":"x"}}"#,
            r#"{"type":"message","id":"y","parentId":"x","message":{"role":"user","content":"y"}}"#,
        ];
        let m = parse_text(&joined(&cycle), None);
        assert_eq!(texts(&m.only().3), vec!["x", "y"]);
        // counted once, where the cycle closes, and explained
        let kinds: Vec<(Option<u64>, IssueKind)> =
            m.issues.iter().map(|i| (i.line, i.kind)).collect();
        assert_eq!(kinds, vec![(Some(2), IssueKind::WrongShape)]);
        assert!(m.issues[0].detail.contains("cycle"), "{:?}", m.issues);
        // its own parent
        let selfish = [
            head,
            r#"{"type":"message","id":"z","parentId":"z","message":{"role":"user","content":"z"}}"#,
        ];
        let m = parse_text(&joined(&selfish), None);
        assert_eq!(texts(&m.only().3), vec!["z"]);
        assert_eq!(m.issues.len(), 1, "{:?}", m.issues);
        // a parent that is not in the file (the line before could not be read): the entry is
        // attached to the entry before it, so the rest of the session stays visible
        let broken = [
            BASE[0],
            BASE[1],
            BASE[2],
            r#"{"type":"message","id":"u2","parentId":"a1","message":{"role":"user","content":[{"type":"text","text":"sec"#,
            r#"{"type":"message","id":"a2","parentId":"u2","message":{"role":"assistant","content":[{"type":"text","text":"two"}]}}"#,
        ];
        let m = parse_text(&joined(&broken), None);
        assert_eq!(texts(&m.only().3), vec!["first", "one", "two"]);
        let kinds: Vec<(Option<u64>, IssueKind)> =
            m.issues.iter().map(|i| (i.line, i.kind)).collect();
        assert_eq!(
            kinds,
            vec![
                (Some(4), IssueKind::InvalidJson),
                (Some(5), IssueKind::WrongShape)
            ]
        );
    }

    #[test]
    fn unknown_entries_keep_the_tree_and_are_counted() {
        let lines = [
            BASE[0],
            BASE[1],
            r#"{"type":"future_thing","id":"f1","parentId":"u1","timestamp":"2026-11-20T10:00:02.000Z"}"#,
            r#"{"type":"message","id":"m1","parentId":"f1","message":{"role":"telepathy","content":"?"}}"#,
            r#"{"type":"message","id":"a9","parentId":"m1","message":{"role":"assistant","content":[{"type":"text","text":"ok"}]}}"#,
            r#"{"id":"n1","parentId":"a9"}"#,
            r#"[1,2]"#,
        ];
        let m = parse_text(&joined(&lines), None);
        assert_eq!(texts(&m.only().3), vec!["first", "ok"]);
        let kinds: Vec<(Option<u64>, IssueKind)> =
            m.issues.iter().map(|i| (i.line, i.kind)).collect();
        assert_eq!(
            kinds,
            vec![
                (Some(3), IssueKind::UnknownType),
                (Some(4), IssueKind::UnknownType),
                (Some(6), IssueKind::WrongShape),
                (Some(7), IssueKind::WrongShape),
            ]
        );
    }

    #[test]
    fn a_file_without_its_header_keeps_its_messages() {
        let text = joined(&BASE[1..]);
        let m = parse_text(&text, Some("01a20b7d-0000-7000-8000-000000000001"));
        let (uid, _, meta, msgs) = m.only();
        assert_eq!(uid, "01a20b7d-0000-7000-8000-000000000001");
        assert_eq!(meta.as_ref().unwrap().cwd, None);
        assert_eq!(msgs.len(), 4);
        assert_eq!(m.issues.len(), 1);
        // no header and no id in the name: nothing to attach the messages to
        let m = parse_text(&text, None);
        assert!(m.sessions.is_empty());
        assert_eq!(m.issues.len(), 1);
        // an empty file is not a session and not a problem
        let m = parse_text("", None);
        assert!(m.sessions.is_empty() && m.issues.is_empty());
        // nor is a file of lines that are no entries, even with an id in its name: only
        // those lines are counted
        let m = parse_text(
            "\u{1}junk\n[]\n{\"no\":\"type\"}\n",
            Some("01a20b7d-0000-7000-8000-000000000001"),
        );
        assert!(m.sessions.is_empty(), "{:?}", m.sessions);
        assert_eq!(m.issues.len(), 3, "{:?}", m.issues);
    }

    #[test]
    fn an_unfinished_last_line_waits_for_the_rest() {
        let mut text = joined(&BASE[..4]);
        text.push_str(&BASE[4][..40]);
        let mut sink = Sink::default();
        parse_session(text.as_bytes(), None, &mut sink);
        assert_eq!(
            sink.pending, 40,
            "what waits for its newline is told (doctor)"
        );
        let m = parse_text(&text, None);
        assert!(m.issues.is_empty(), "{:?}", m.issues);
        assert_eq!(texts(&m.only().3), vec!["first", "one", "second"]);
        // complete JSON without its newline is read
        let text = format!("{}{}", joined(&BASE[..4]), BASE[4]);
        assert_eq!(
            texts(&parse_text(&text, None).only().3),
            vec!["first", "one", "second", "two"]
        );
        // CRLF line ends and a byte order mark
        let text = format!("\u{feff}{}\r\n", BASE.join("\r\n"));
        let m = parse_text(&text, None);
        assert!(m.issues.is_empty(), "{:?}", m.issues);
        assert_eq!(m.only().3.len(), 4);
    }

    #[test]
    fn mangled_lines_never_panic() {
        use crate::sources::mangle::{Rng, variants};
        let path = fixture(&format!(
            "--home-u-shop--/2026-11-20T09-00-00-000Z_{SHOP}.jsonl"
        ));
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let mut rng = Rng(0x5eed_0000_0000_0031);
        for (i, line) in lines.iter().enumerate() {
            for bad in variants(line.as_bytes(), &mut rng) {
                let mut bytes = Vec::new();
                for (j, l) in lines.iter().enumerate() {
                    if i == j {
                        bytes.extend_from_slice(&bad);
                    } else {
                        bytes.extend_from_slice(l.as_bytes());
                    }
                    bytes.push(b'\n');
                }
                let mut sink = Sink::default();
                parse_session(&bytes, id_from_file_name(&path), &mut sink);
                let mut m = Materialized::default();
                m.apply(sink);
                // the file name still names the session, and the last answer is still there
                let msgs = &m.only().3;
                if i + 1 != lines.len() {
                    assert!(
                        texts(msgs)
                            .iter()
                            .any(|t| t == "Done: the checkout test passes."),
                        "line {} mangled as {:?}",
                        i + 1,
                        String::from_utf8_lossy(&bad)
                    );
                }
            }
        }
    }

    #[test]
    fn roots_from_the_environment_settings_and_config() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        let agent = h.join("alt-agent");
        std::fs::create_dir_all(&agent).unwrap();
        std::fs::write(
            agent.join("settings.json"),
            r#"{"defaultProvider":"anthropic","sessionDir":"~/pi-sessions"}"#,
        )
        .unwrap();
        let env = Env::with_home(
            h,
            &[
                ("PI_CODING_AGENT_DIR", agent.to_str().unwrap()),
                ("PI_CODING_AGENT_SESSION_DIR", "/srv/pi-sessions"),
            ],
        );
        let config = Config::parse("[agents.pi]\nroots = [\"~/synced/pi\"]").unwrap();
        let ctx = DiscoverCtx {
            env: &env,
            config: &config,
            known_dirs: &[],
        };
        let roots: Vec<(PathBuf, RootOrigin)> = PiSource
            .roots(&ctx)
            .into_iter()
            .map(|r| (r.path, r.origin))
            .collect();
        assert_eq!(
            roots,
            vec![
                (
                    PathBuf::from("/srv/pi-sessions"),
                    RootOrigin::Env("PI_CODING_AGENT_SESSION_DIR".into())
                ),
                (
                    agent.join("sessions"),
                    RootOrigin::Env("PI_CODING_AGENT_DIR".into())
                ),
                (h.join(".pi/agent/sessions"), RootOrigin::Default),
                (
                    h.join("pi-sessions"),
                    RootOrigin::Derived(format!(
                        "sessionDir in {}",
                        agent.join("settings.json").display()
                    ))
                ),
                (h.join("synced/pi"), RootOrigin::Config),
            ]
        );
        // relative values depend on where Pi ran: ignored
        let env = Env::with_home(h, &[("PI_CODING_AGENT_DIR", "rel/agent")]);
        let cfg = Config::default();
        let ctx = DiscoverCtx {
            env: &env,
            config: &cfg,
            known_dirs: &[],
        };
        assert_eq!(PiSource.roots(&ctx).len(), 1);
    }

    #[test]
    fn scans_session_folders_and_session_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let write = |rel: &str| {
            let p = d.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        };
        write("agent/sessions/--home-u-x--/2026-01-01T00-00-00-000Z_a.jsonl");
        write("agent/sessions/--home-u-x--/notes.txt");
        write("agent/sessions/--home-u-x--/deeper/too-deep.jsonl");
        write("flat/2026-01-01T00-00-00-000Z_b.jsonl");
        let scan = |path: PathBuf, origin: RootOrigin| -> Vec<String> {
            let mut out = ScanOut::default();
            PiSource.scan(
                &Root {
                    agent: Agent::Pi,
                    path,
                    origin,
                },
                &mut out,
            );
            out.stores
                .iter()
                .map(|s| util::file_name(&s.path).to_string())
                .collect()
        };
        let a = vec!["2026-01-01T00-00-00-000Z_a.jsonl".to_string()];
        assert_eq!(scan(d.join("agent/sessions"), RootOrigin::Default), a);
        // a configured root may name the config or agent folder, or a --session-dir folder
        assert_eq!(scan(d.to_path_buf(), RootOrigin::Config), a);
        assert_eq!(scan(d.join("agent"), RootOrigin::Config), a);
        assert_eq!(
            scan(d.join("flat"), RootOrigin::Config),
            vec!["2026-01-01T00-00-00-000Z_b.jsonl".to_string()]
        );
    }

    fn session(source: &str, cwd: Option<&str>) -> Session {
        Session {
            agent: Agent::Pi,
            id: SHOP.into(),
            title: "t".into(),
            cwd: cwd.map(str::to_string),
            project: None,
            models: Vec::new(),
            git_branch: None,
            started_at: None,
            updated_at: None,
            prompts: 0,
            messages: 0,
            tool_calls: 0,
            subagents: 0,
            tokens: TokenUsage::default(),
            tokens_known: true,
            cost_usd: None,
            unpriced_turns: 0,
            source: source.into(),
            resume: None,
            parse_errors: 0,
            key: format!("pi:{SHOP}"),
            first_prompt: None,
            status: None,
            extra: Default::default(),
        }
    }

    #[test]
    fn resume_opens_the_file_by_its_absolute_path() {
        let file = "/h/.pi/agent/sessions/--p--/2026-01-01T00-00-00-000Z_x.jsonl";
        let r = PiSource.resume(&session(file, Some("/p"))).unwrap();
        assert_eq!(r.argv, vec!["pi", "--session", file]);
        assert_eq!(r.cwd.as_deref(), Some("/p"));
        // a header cwd that is not absolute is not a place to run in
        let r = PiSource.resume(&session(file, Some("-rf"))).unwrap();
        assert_eq!(r.cwd, None);
        assert!(PiSource.resume(&session("rel/x.jsonl", None)).is_none());
        assert!(PiSource.resume(&session("/h/x.json", None)).is_none());
    }
}
