//! Agenix (`tczhangzhi/Agenix`, Python): sessions are kept per working directory, in two
//! layouts (see `FORMATS.md` §7 and `GENERATED-agsh-agenix-profclaw.md`):
//!
//! - **what the released program writes** (0.0.2): `<project>/.agenix/<YYYYMMDD_HHMMSS>.jsonl`
//!   inside each project directory, relative to the process cwd. Line 1 is a `session_header`,
//!   then one `{"type":"message","timestamp","message":{…}}` line per message. 0.0.2 saves only
//!   the assistant's messages, with zero usage; `user` and `tool` messages are read when another
//!   version writes them. The cwd is not stored: it is the folder that holds `.agenix/`. Such
//!   folders are found in the working directories revisit already knows from other agents'
//!   sessions (`DiscoverCtx::known_dirs`), in `~/.agenix` (Agenix run in the home directory)
//!   and in the roots `config.toml` names;
//! - **the documented store** (`docs/sessions.md`, never implemented by any release):
//!   `~/.agenix/sessions/<encoded dir>/<YYYYMMDD_HHMMSS>.json` (or `$AGENIX_SESSION_DIR`), one
//!   JSON object `{id, working_dir, model, created_at, updated_at, metadata{name}, messages[…]}`.
//!   The cwd is `working_dir`; without it the folder name (`home_user_project` for
//!   `/home/user/project`) is decoded against the directories that exist.
//!
//! Rules:
//! - the id (the file name) is only unique per directory: the session's `scope` is its
//!   directory and its uid `<id>@<dir>`, so the index key is `agenix:<id>@<dir>`;
//! - when no user message was recorded, a notice at the start of the transcript says so;
//! - usage of zero everywhere means the tokens are unknown (`no_token_usage`), not zero;
//! - `stop_reason: "error"` replies (`"Error: …"`) are shown as error notices;
//! - a tool call written both as a `tool_call` content block and in `tool_calls` is shown once;
//! - times: the float epoch `timestamp` of a message is preferred; naive ISO strings are local
//!   time of the machine that wrote them, converted with the UTC offset learned from lines that
//!   carry both (else the local offset of this machine).

use super::util::{self, de, walk_files};
use super::{
    IssueKind, LineFormat, Parser, ResumeTarget, Root, RootOrigin, ScanOut, SessionMeta, Sink,
    Source, SourceError, StoreKind, StoreRef, TypedLines, WholeParser, config_roots, is_dir, rank,
};
use crate::model::{Agent, Block, Message, Role, Session, TokenUsage, time_from_epoch};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The folder Agenix 0.0.2 creates in the directory it runs in.
pub const STORE_DIR: &str = ".agenix";

/// Title rank of the first line of the first reply (used only when no prompt was recorded).
const REPLY_TITLE_RANK: u8 = 1;

pub struct AgenixSource;

impl Source for AgenixSource {
    fn agent(&self) -> Agent {
        Agent::Agenix
    }

    fn roots(&self, ctx: &super::DiscoverCtx) -> Vec<Root> {
        let mut roots = Vec::new();
        if let Some(dir) = ctx.env.var("AGENIX_SESSION_DIR") {
            roots.push(Root {
                agent: Agent::Agenix,
                path: ctx.env.expand(dir),
                origin: RootOrigin::Env("AGENIX_SESSION_DIR".into()),
            });
        }
        if let Some(home) = ctx.env.home() {
            // the documented store, then the real one of a session started in the home folder
            roots.push(Root {
                agent: Agent::Agenix,
                path: home.join(STORE_DIR).join("sessions"),
                origin: RootOrigin::Default,
            });
            roots.push(Root {
                agent: Agent::Agenix,
                path: home.join(STORE_DIR),
                origin: RootOrigin::Default,
            });
        }
        for r in config_roots(ctx, Agent::Agenix) {
            roots.extend(resolve_config_root(r));
        }
        // Only the folders that exist: there can be many known directories, most without
        // Agenix sessions, and a missing one is not a problem worth reporting.
        for d in ctx.known_dirs {
            if !d.is_absolute() {
                continue;
            }
            let store = d.join(STORE_DIR);
            if is_dir(&store) && !roots.iter().any(|r| r.path == store) {
                roots.push(Root {
                    agent: Agent::Agenix,
                    path: store,
                    origin: RootOrigin::Derived("working directory of an indexed session".into()),
                });
            }
        }
        roots
    }

    fn scan(&self, root: &Root, out: &mut ScanOut) {
        if util::file_name(&root.path) == STORE_DIR {
            // `<project>/.agenix/<id>.jsonl`; `settings.json` and anything else is not a session
            walk_files(&root.path, 0, out, &mut |p, out| {
                let name = util::file_name(p);
                if name.ends_with(".jsonl") && !name.starts_with('.') {
                    out.stores.push(store(p, StoreKind::Jsonl, root));
                }
            });
        } else {
            // `<sessions>/<encoded dir>/<id>.json`
            walk_files(&root.path, 1, out, &mut |p, out| {
                if p.parent() == Some(root.path.as_path()) {
                    return;
                }
                let name = util::file_name(p);
                if name.starts_with('.') || name == "settings.json" {
                    return;
                }
                if name.ends_with(".json") {
                    out.stores.push(store(p, StoreKind::Json, root));
                } else if name.ends_with(".jsonl") {
                    out.stores.push(store(p, StoreKind::Jsonl, root));
                }
            });
        }
    }

    fn parser(&self, store: &StoreRef) -> Parser {
        let id = session_id_of(&store.path);
        let place = place_of(&store.path);
        match store.kind {
            StoreKind::Json => Parser::Whole(Box::new(DocumentedJson { id, place })),
            _ => TypedLines::boxed(AgenixLines { id, place }),
        }
    }

    /// `agenix --session <id>`, run in the session's directory: Agenix looks for
    /// `.agenix/<id>.jsonl` relative to the process cwd.
    fn resume(&self, s: &Session) -> Option<ResumeTarget> {
        let cwd = s.cwd.as_deref()?;
        // ids are `YYYYMMDD_HHMMSS`; anything else a file could name is kept to a plain word
        if !util::arg_path(cwd) || !util::arg_id(&s.id, "-_.") || s.id.starts_with('.') {
            return None;
        }
        Some(ResumeTarget {
            argv: vec!["agenix".into(), "--session".into(), s.id.clone()],
            cwd: Some(cwd.to_string()),
        })
    }
}

fn store(p: &Path, kind: StoreKind, root: &Root) -> StoreRef {
    StoreRef {
        agent: Agent::Agenix,
        path: p.to_path_buf(),
        kind,
        root: root.path.clone(),
        priority: 0,
    }
}

/// A root from `config.toml`: a project directory (its `.agenix/` is read), a `.agenix`
/// folder itself (its `sessions/` too when there is one), or a documented-layout `sessions`
/// folder.
fn resolve_config_root(r: Root) -> Vec<Root> {
    let with = |path: PathBuf| Root {
        agent: r.agent,
        path,
        origin: r.origin.clone(),
    };
    let p = r.path.clone();
    if util::file_name(&p) == STORE_DIR {
        let mut out = vec![with(p.clone())];
        if is_dir(&p.join("sessions")) {
            out.push(with(p.join("sessions")));
        }
        return out;
    }
    if !is_dir(&p.join(STORE_DIR)) && util::file_name(&p) == "sessions" {
        return vec![with(p)];
    }
    vec![with(p.join(STORE_DIR))]
}

/// The id `--session` takes: the file name without its extension.
fn session_id_of(p: &Path) -> String {
    let name = util::file_name(p);
    name.strip_suffix(".jsonl")
        .or_else(|| name.strip_suffix(".json"))
        .unwrap_or(name)
        .to_string()
}

/// Safe to put after `--session` in an argv: not an option, not a path.
pub fn is_safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && !id.starts_with('-')
        && id != "."
        && id != ".."
        && !id.chars().any(|c| c == '/' || c == '\\' || c.is_control())
}

/// Where a store's session belongs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// The working directory, when known.
    cwd: Option<String>,
    /// What the id is unique within: the working directory, else the store's folder.
    scope: String,
}

/// `<project>/.agenix/<id>.jsonl` → the project; `<sessions>/<encoded dir>/<id>.json` → the
/// decoded directory when it exists.
fn place_of(p: &Path) -> Place {
    let folder = p.parent().unwrap_or(Path::new(""));
    if util::file_name(folder) == STORE_DIR {
        let cwd = folder.parent().unwrap_or(Path::new("/"));
        let cwd = path_string(cwd);
        return Place {
            scope: cwd.clone(),
            cwd: Some(cwd),
        };
    }
    let cwd = decode_dir_name(util::file_name(folder)).map(|d| path_string(&d));
    Place {
        scope: cwd.clone().unwrap_or_else(|| path_string(folder)),
        cwd,
    }
}

fn path_string(p: &Path) -> String {
    let s = p.display().to_string();
    if s.len() > 1 {
        s.trim_end_matches('/').to_string()
    } else {
        s
    }
}

/// The documented folder names are the directory with `/` replaced by `_`
/// (`home_user_project1`, `tmp`). An `_` may also be part of a name, so every reading is tried
/// against the directories that exist (deepest first); none existing gives `None`.
pub fn decode_dir_name(name: &str) -> Option<PathBuf> {
    let name = name.trim_start_matches('_');
    if name.is_empty() || name.contains('/') || name.matches('_').count() > 16 {
        return None;
    }
    let parts: Vec<&str> = name.split('_').collect();
    fn go(base: PathBuf, parts: &[&str], budget: &mut u32) -> Option<PathBuf> {
        if *budget == 0 {
            return None;
        }
        *budget -= 1;
        // the component being built is parts[0] (possibly joined with later parts by `_`)
        let mut comp = String::new();
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                comp.push('_');
            }
            comp.push_str(part);
            if comp == "." || comp == ".." {
                continue;
            }
            let next = base.join(&comp);
            if i + 1 == parts.len() {
                return is_dir(&next).then_some(next);
            }
            if is_dir(&next)
                && let Some(found) = go(next, &parts[i + 1..], budget)
            {
                return Some(found);
            }
        }
        None
    }
    let mut budget = 2000;
    go(PathBuf::from("/"), &parts, &mut budget)
}

// ------------------------------------------------------------------------------------------
// Times

fn parse_naive(s: &str) -> Option<NaiveDateTime> {
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s.trim(), fmt) {
            return Some(t);
        }
    }
    None
}

/// A time string: RFC 3339 as it says; a naive one is local time of the machine that wrote it,
/// `offset` seconds ahead of UTC when that was learned, else this machine's local offset then.
fn to_utc(s: &str, offset: Option<i64>) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = parse_naive(s)?;
    match offset {
        Some(o) => Some(naive.and_utc() - chrono::Duration::seconds(o)),
        None => chrono::Local
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .or_else(|| Some(naive.and_utc())),
    }
}

/// A `timestamp` value: epoch seconds (float) or a string.
fn time_of(v: Option<&Value>, offset: Option<i64>) -> Option<DateTime<Utc>> {
    match v? {
        Value::Number(n) => n.as_f64().and_then(time_from_epoch),
        Value::String(s) => to_utc(s, offset),
        _ => None,
    }
}

/// The UTC offset (seconds, a multiple of 15 minutes) that turns naive local write times into
/// the epoch times of the same lines. A line is written after its message was created, so the
/// smallest difference is the closest.
fn offset_from_gap(min_gap: f64) -> Option<i64> {
    let quarter = 900.0;
    let o = (min_gap / quarter).round() * quarter;
    (o.is_finite() && o.abs() <= 18.0 * 3600.0).then_some(o as i64)
}

// ------------------------------------------------------------------------------------------
// The shared conversion of messages

/// The state of one session being read (saved between incremental runs).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct AgenixState {
    /// The uid and place, fixed at the first line.
    uid: Option<String>,
    place: Place,
    next_seq: u32,
    header_seen: bool,
    /// The header's `created_at` (naive local, converted when the meta is emitted).
    created: Option<String>,
    /// The latest write time seen (a line `timestamp`, naive local).
    last_write: Option<String>,
    /// Smallest (naive write time as UTC − epoch creation time) over the messages.
    min_gap: Option<f64>,
    /// Earliest and latest unambiguous message times.
    first_time: Option<DateTime<Utc>>,
    last_time: Option<DateTime<Utc>>,
    /// The documented layout's own fields.
    title: Option<String>,
    started: Option<DateTime<Utc>>,
    updated: Option<DateTime<Utc>>,
    default_model: Option<String>,
    first_prompt: Option<String>,
    first_reply: Option<String>,
    first_error: Option<String>,
    users: u32,
    tool_results: u32,
    tool_calls: u32,
    any_usage: bool,
    /// Seq 0 is kept for a notice: the first message was not a prompt.
    reserved: bool,
    /// The "prompts not recorded" notice at seq 0, as last emitted.
    notice: Option<Message>,
    dirty: bool,
}

impl AgenixState {
    fn offset(&self) -> Option<i64> {
        self.min_gap.and_then(offset_from_gap)
    }

    fn uid(&self) -> String {
        self.uid.clone().unwrap_or_default()
    }

    fn init(&mut self, id: &str, place: &Place) {
        if self.uid.is_none() {
            self.place = place.clone();
            self.uid = Some(format!("{id}@{}", place.scope));
            self.dirty = true;
        }
    }

    fn note_time(&mut self, t: DateTime<Utc>) {
        if self.first_time.is_none_or(|f| t < f) {
            self.first_time = Some(t);
        }
        if self.last_time.is_none_or(|l| t > l) {
            self.last_time = Some(t);
        }
    }

    fn push(&mut self, msg: Message, sink: &mut Sink) {
        let uid = self.uid();
        if self.next_seq == 0 && msg.role != Role::User {
            // seq 0 is kept for the notice that the prompts were not recorded
            self.reserved = true;
            self.next_seq = 1;
            self.put_notice(&uid, msg.time, sink);
        }
        sink.put(&uid, true, self.next_seq, msg);
        self.next_seq += 1;
        self.dirty = true;
    }

    /// (Re-)emit the notice at seq 0 when its text or time changed.
    fn put_notice(&mut self, uid: &str, fallback_time: Option<DateTime<Utc>>, sink: &mut Sink) {
        let mut n = Message::new(Role::System);
        n.time = self.started().or(fallback_time);
        n.blocks.push(Block::Notice {
            kind: "prompts_not_recorded".into(),
            text: self.notice_text(),
        });
        if self.notice.as_ref() != Some(&n) {
            sink.put(uid, true, 0, n.clone());
            self.notice = Some(n);
        }
    }

    /// One message object (`message` of a line, or an entry of `messages`).
    fn message(&mut self, record: u64, m: &Value, write_time: Option<&str>, sink: &mut Sink) {
        let Some(obj) = m.as_object() else {
            sink.issue(
                Some(record),
                IssueKind::WrongShape,
                "message is not an object",
            );
            return;
        };
        if obj.is_empty() {
            return; // what Agenix writes for a message type it cannot serialise (system)
        }
        // learn the writer's UTC offset from a line that has both kinds of time
        if let (Some(Value::Number(n)), Some(w)) = (obj.get("timestamp"), write_time)
            && let (Some(epoch), Some(naive)) = (n.as_f64(), parse_naive(w))
            && epoch.is_finite()
            && time_from_epoch(epoch).is_some()
        {
            let gap = naive.and_utc().timestamp_micros() as f64 / 1e6 - epoch;
            // beyond any UTC offset plus a long reply: not the same clock, ignored
            if gap.abs() <= 19.0 * 3600.0 && self.min_gap.is_none_or(|g| gap < g) {
                self.min_gap = Some(gap);
                self.dirty = true;
            }
        }
        let offset = self.offset();
        let time = time_of(obj.get("timestamp"), offset)
            .or_else(|| write_time.and_then(|w| to_utc(w, offset)));
        let role = util::str_of(m, "role").unwrap_or("");
        let msg = match role {
            "user" => self.user(m, time),
            "assistant" => self.assistant(m, time),
            "tool" => {
                let mut msg = Message::new(Role::Tool);
                msg.time = time;
                msg.blocks.push(Block::ToolResult {
                    call_id: util::str_of(m, "tool_call_id").unwrap_or("").to_string(),
                    output: m.get("content").map(util::content_text).unwrap_or_default(),
                    is_error: util::bool_of(m, "is_error"),
                });
                self.tool_results += 1;
                Some(msg)
            }
            "system" => {
                let text = m.get("content").map(util::content_text).unwrap_or_default();
                if text.trim().is_empty() {
                    return;
                }
                let mut msg = Message::new(Role::System);
                msg.time = time;
                msg.blocks.push(Block::Notice {
                    kind: "system".into(),
                    text,
                });
                Some(msg)
            }
            "" => {
                sink.issue(
                    Some(record),
                    IssueKind::WrongShape,
                    "message without a role",
                );
                return;
            }
            other => {
                sink.issue(
                    Some(record),
                    IssueKind::UnknownType,
                    format!(
                        "unknown message role '{}'",
                        crate::sanitize::truncate_chars(other, 40)
                    ),
                );
                return;
            }
        };
        if let Some(msg) = msg {
            if let Some(t) = time {
                self.note_time(t);
            }
            self.push(msg, sink);
        }
    }

    fn user(&mut self, m: &Value, time: Option<DateTime<Utc>>) -> Option<Message> {
        let mut msg = Message::new(Role::User);
        msg.time = time;
        msg.blocks = content_blocks(m.get("content"));
        if msg.blocks.is_empty() {
            return None;
        }
        self.users += 1;
        if self.first_prompt.is_none() && msg.is_prompt() {
            self.first_prompt = util::title_from(&msg.plain_text());
        }
        Some(msg)
    }

    fn assistant(&mut self, m: &Value, time: Option<DateTime<Utc>>) -> Option<Message> {
        let mut msg = Message::new(Role::Assistant);
        msg.time = time;
        msg.model = util::str_of(m, "model")
            .map(str::to_string)
            .or_else(|| self.default_model.clone());
        let mut blocks = content_blocks(m.get("content"));
        // tool calls are written in `tool_calls`, and by some versions in `content` too
        if let Some(Value::Array(calls)) = m.get("tool_calls") {
            for c in calls {
                let Some(call) = tool_call(c) else { continue };
                let dup = blocks.iter().any(|b| match (b, &call) {
                    (
                        Block::ToolCall { id, name, input },
                        Block::ToolCall {
                            id: id2,
                            name: name2,
                            input: input2,
                        },
                    ) => {
                        if id.is_empty() || id2.is_empty() {
                            id == id2 && name == name2 && input == input2
                        } else {
                            id == id2
                        }
                    }
                    _ => false,
                });
                if !dup {
                    blocks.push(call);
                }
            }
        }
        let stop = util::str_of(m, "stop_reason").unwrap_or("");
        if stop == "error" {
            // the reply is the error text ("Error: Connection error.")
            let mut text = String::new();
            blocks.retain(|b| match b {
                Block::Text { text: t } => {
                    if !t.trim().is_empty() {
                        if !text.is_empty() {
                            text.push('\n');
                        }
                        text.push_str(t.trim());
                    }
                    false
                }
                _ => true,
            });
            if text.is_empty() {
                text = "Error (no details were recorded)".into();
            }
            if self.first_error.is_none() {
                self.first_error = util::title_from(&text);
            }
            blocks.insert(
                0,
                Block::Notice {
                    kind: "error".into(),
                    text,
                },
            );
        } else if stop == "length" {
            blocks.push(Block::Notice {
                kind: "truncated".into(),
                text: "The reply reached the output token limit and was cut off".into(),
            });
        } else if stop == "content_filter" {
            blocks.push(Block::Notice {
                kind: "content_filter".into(),
                text: "The reply was stopped by the provider's content filter".into(),
            });
        }
        msg.usage = usage_of(m.get("usage"));
        msg.cost_usd = m
            .get("usage")
            .and_then(|u| u.get("total_cost"))
            .and_then(Value::as_f64)
            .filter(|c| c.is_finite() && *c > 0.0);
        if msg.usage.is_some() || msg.cost_usd.is_some() {
            self.any_usage = true;
        }
        msg.blocks = blocks;
        if msg.blocks.is_empty() && msg.usage.is_none() {
            return None;
        }
        self.tool_calls += msg.tool_calls() as u32;
        if self.first_reply.is_none() {
            let text = msg.plain_text();
            if let Some(line) = text.lines().find(|l| !l.trim().is_empty()) {
                self.first_reply = util::title_from(line);
            }
        }
        Some(msg)
    }

    /// The notice at the start of a transcript whose first message is not a prompt.
    fn notice_text(&self) -> String {
        if self.users > 0 {
            return "Agenix did not record the prompt that started this session".into();
        }
        if self.tool_calls > 0 && self.tool_results == 0 {
            "Agenix did not record the prompts of this session, nor the tool results: only the \
             assistant's replies were saved"
                .into()
        } else {
            "Agenix did not record the prompts of this session: only the assistant's replies \
             were saved"
                .into()
        }
    }

    fn started(&self) -> Option<DateTime<Utc>> {
        let created = self
            .created
            .as_deref()
            .and_then(|c| to_utc(c, self.offset()));
        [self.started, created, self.first_time]
            .into_iter()
            .flatten()
            .min()
    }

    fn flush(&mut self, id: &str, sink: &mut Sink) {
        let uid = self.uid();
        if self.reserved {
            self.put_notice(&uid, None, sink);
        }
        if !self.dirty {
            return;
        }
        self.dirty = false;
        let offset = self.offset();
        let last_write = self.last_write.as_deref().and_then(|w| to_utc(w, offset));
        let updated = [self.updated, last_write, self.last_time]
            .into_iter()
            .flatten()
            .max();
        let mut meta = SessionMeta {
            id: id.to_string(),
            cwd: self.place.cwd.clone(),
            scope: Some(self.place.scope.clone()),
            started_at: self.started(),
            updated_at: updated,
            first_prompt: self.first_prompt.clone(),
            no_token_usage: !self.any_usage,
            ..Default::default()
        };
        if let Some(t) = &self.title {
            meta.title = Some(t.clone());
            meta.title_rank = rank::CUSTOM;
        } else if self.first_prompt.is_none()
            && let Some(t) = self.first_reply.as_ref().or(self.first_error.as_ref())
        {
            meta.title = Some(t.clone());
            meta.title_rank = REPLY_TITLE_RANK;
        }
        sink.meta(&uid, meta);
    }
}

/// Content: a string, or blocks (`text`, `reasoning`, `tool_call`, `image`).
fn content_blocks(v: Option<&Value>) -> Vec<Block> {
    let mut out = Vec::new();
    match v {
        Some(Value::String(s)) => {
            if !s.trim().is_empty() {
                out.push(Block::text(s.clone()));
            }
        }
        Some(Value::Array(items)) => {
            for it in items {
                match it {
                    Value::String(s) if !s.trim().is_empty() => out.push(Block::text(s.clone())),
                    Value::Object(_) => match util::str_of(it, "type").unwrap_or("") {
                        "text" => {
                            if let Some(t) = util::str_of(it, "text")
                                && !t.trim().is_empty()
                            {
                                out.push(Block::text(t));
                            }
                        }
                        "reasoning" | "thinking" => {
                            let text = util::str_of(it, "text")
                                .or_else(|| util::str_of(it, "thinking"))
                                .unwrap_or("")
                                .to_string();
                            let sealed = text.trim().is_empty();
                            if !sealed || it.get("reasoning_id").is_some() {
                                out.push(Block::Thinking { text, sealed });
                            }
                        }
                        "tool_call" | "tool_use" => {
                            if let Some(b) = tool_call(it) {
                                out.push(b);
                            }
                        }
                        "image" | "image_url" => {
                            let media = it
                                .get("source")
                                .and_then(|s| util::str_of(s, "media_type"))
                                .unwrap_or("image");
                            out.push(Block::Attachment {
                                kind: "image".into(),
                                description: media.to_string(),
                            });
                        }
                        _ => {
                            if let Some(t) = util::str_of(it, "text") {
                                out.push(Block::text(t));
                            }
                        }
                    },
                    _ => {}
                }
            }
        }
        Some(Value::Null) | None => {}
        Some(other) => out.push(Block::text(other.to_string())),
    }
    out
}

fn tool_call(v: &Value) -> Option<Block> {
    if !v.is_object() {
        return None;
    }
    let name = util::str_of(v, "name")
        .or_else(|| v.get("function").and_then(|f| util::str_of(f, "name")))?;
    let input = v
        .get("arguments")
        .or_else(|| v.get("input"))
        .or_else(|| v.get("function").and_then(|f| f.get("arguments")))
        .cloned()
        .unwrap_or(Value::Null);
    Some(Block::ToolCall {
        id: util::str_of(v, "id").unwrap_or("").to_string(),
        name: name.to_string(),
        input,
    })
}

/// `{input_tokens, output_tokens}` (0.0.2; `cache_read_tokens`/`cache_write_tokens` in the
/// message class) or `{prompt_tokens, completion_tokens}` (the docs). All zero → `None`.
fn usage_of(v: Option<&Value>) -> Option<TokenUsage> {
    let v = v.filter(|v| v.is_object())?;
    let pick = |a: &str, b: &str| {
        let x = util::count_of(v, a);
        if x > 0 { x } else { util::count_of(v, b) }
    };
    let u = TokenUsage {
        input: pick("input_tokens", "prompt_tokens"),
        output: pick("output_tokens", "completion_tokens"),
        cache_read: util::count_of(v, "cache_read_tokens"),
        cache_write: util::count_of(v, "cache_write_tokens"),
        reasoning: 0,
        cache_write_1h: 0,
    };
    (!u.is_empty()).then_some(u)
}

// ------------------------------------------------------------------------------------------
// `<project>/.agenix/<id>.jsonl`

pub struct AgenixLines {
    id: String,
    place: Place,
}

#[derive(Deserialize)]
struct Line {
    #[serde(rename = "type", default, deserialize_with = "de::opt_string")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    timestamp: Option<String>,
    #[serde(default)]
    message: Option<Value>,
    #[serde(default, deserialize_with = "de::opt_string")]
    created_at: Option<String>,
}

impl LineFormat for AgenixLines {
    type State = AgenixState;

    fn line(&self, st: &mut AgenixState, line_no: u64, line: &[u8], sink: &mut Sink) {
        st.init(&self.id, &self.place);
        let Some(l) = super::parse_line::<Line>(line_no, line, sink) else {
            return;
        };
        if let Some(w) = &l.timestamp
            && parse_naive(w).is_some()
        {
            st.last_write = Some(w.clone());
            st.dirty = true;
        }
        match l.kind.as_deref().unwrap_or("") {
            "session_header" => {
                if !st.header_seen {
                    st.header_seen = true;
                    st.created = l.created_at;
                    st.dirty = true;
                }
            }
            "message" => match &l.message {
                Some(m) => st.message(line_no, m, l.timestamp.as_deref(), sink),
                None => sink.issue(
                    Some(line_no),
                    IssueKind::WrongShape,
                    "message line without a message",
                ),
            },
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

    fn flush(&self, st: &mut AgenixState, sink: &mut Sink) {
        st.init(&self.id, &self.place);
        st.flush(&self.id, sink);
    }
}

// ------------------------------------------------------------------------------------------
// The documented `~/.agenix/sessions/<encoded dir>/<id>.json`

struct DocumentedJson {
    id: String,
    place: Place,
}

impl WholeParser for DocumentedJson {
    fn parse(
        &mut self,
        store: &StoreRef,
        _state: Option<&[u8]>,
        sink: &mut Sink,
    ) -> Result<Vec<u8>, SourceError> {
        sink.complete = true;
        let bytes = std::fs::read(&store.path).map_err(|source| SourceError::Io {
            path: store.path.clone(),
            source,
        })?;
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let Some(v) = super::parse_line::<Value>(1, bytes, sink) else {
            return Ok(Vec::new());
        };
        if !v.is_object() {
            sink.issue(None, IssueKind::WrongShape, "not a JSON object");
            return Ok(Vec::new());
        }
        let mut place = self.place.clone();
        if let Some(wd) = util::str_of(&v, "working_dir")
            && Path::new(wd).is_absolute()
        {
            let wd = path_string(Path::new(wd));
            place = Place {
                scope: wd.clone(),
                cwd: Some(wd),
            };
        }
        let mut st = AgenixState::default();
        st.init(&self.id, &place);
        st.default_model = util::str_of(&v, "model").map(str::to_string);
        st.title = v
            .get("metadata")
            .and_then(|m| util::str_of(m, "name"))
            .and_then(util::title_from);
        st.started = util::str_of(&v, "created_at").and_then(|s| to_utc(s, None));
        st.updated = util::str_of(&v, "updated_at").and_then(|s| to_utc(s, None));
        match v.get("messages") {
            Some(Value::Array(msgs)) => {
                for (i, m) in msgs.iter().enumerate() {
                    st.message(i as u64 + 1, m, None, sink);
                }
            }
            _ => sink.issue(None, IssueKind::WrongShape, "no 'messages' array"),
        }
        st.dirty = true;
        st.flush(&self.id, sink);
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Env};
    use crate::sources::{DiscoverCtx, Materialized, materialize, store_for};

    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/agenix")
    }

    fn parse(rel: &str) -> Materialized {
        let path = fixtures().join(rel);
        let kind = if rel.ends_with(".json") {
            StoreKind::Json
        } else {
            StoreKind::Jsonl
        };
        materialize(&AgenixSource, &store_for(Agent::Agenix, &path, kind)).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn dir(rel: &str) -> String {
        fixtures().join(rel).display().to_string()
    }

    const ALPHA: &str = "projects/alpha/.agenix/20261120_101500.jsonl";
    const BETA: &str = "projects/beta/.agenix/20261122_080000.jsonl";
    const BAD: &str = "projects/beta/.agenix/20261123_120000.jsonl";
    const DOC: &str = "home/.agenix/sessions/home_u_gamma/20261121_090000.json";
    const DOC_NO_DIR: &str = "home/.agenix/sessions/srv_nowhere_9f1c_project/20261121_093000.json";

    #[test]
    fn released_layout_shows_the_replies_and_says_the_prompts_were_not_recorded() {
        let m = parse(ALPHA);
        assert!(m.issues.is_empty(), "{:?}", m.issues);
        let (uid, primary, meta, msgs) = m.only();
        let alpha = dir("projects/alpha");
        assert!(*primary);
        assert_eq!(uid, &format!("20261120_101500@{alpha}"));
        let meta = meta.as_ref().unwrap();
        assert_eq!(meta.id, "20261120_101500", "what --session takes");
        assert_eq!(
            meta.cwd.as_deref(),
            Some(alpha.as_str()),
            "parent of .agenix"
        );
        assert_eq!(meta.scope.as_deref(), Some(alpha.as_str()));
        assert!(
            meta.no_token_usage,
            "every usage is zero: unknown, not zero"
        );
        assert_eq!(meta.first_prompt, None);
        // no prompt: the first line of the first reply, ranked below every stored title
        assert_eq!(meta.title.as_deref(), Some("Sure 🧪 I'll run the tests"));
        assert_eq!(meta.title_rank, REPLY_TITLE_RANK);

        let roles: Vec<Role> = msgs.iter().map(|m| m.role).collect();
        assert_eq!(
            roles,
            vec![
                Role::System,
                Role::Assistant,
                Role::Assistant,
                Role::Assistant,
                Role::Assistant,
                Role::Assistant
            ]
        );
        assert!(
            matches!(&msgs[0].blocks[..], [Block::Notice { kind, text }]
                if kind == "prompts_not_recorded"
                    && text.contains("did not record the prompts")
                    && text.contains("tool results")),
            "{:?}",
            msgs[0]
        );
        assert_eq!(msgs.iter().filter(|m| m.is_prompt()).count(), 0);
        // reasoning, text, and the call written twice (content and tool_calls) shown once
        assert!(matches!(
            &msgs[1].blocks[..],
            [
                Block::Thinking { sealed: false, .. },
                Block::Text { .. },
                Block::ToolCall { .. }
            ]
        ));
        assert!(
            matches!(&msgs[1].blocks[2], Block::ToolCall { id, name, input }
                if id == "call_1" && name == "bash" && input["command"] == "cargo test — all")
        );
        // `content: []` with only a tool call
        assert!(matches!(&msgs[2].blocks[..], [Block::ToolCall { name, .. }] if name == "read"));
        let calls: usize = msgs.iter().map(|m| m.tool_calls()).sum();
        assert_eq!(calls, 2);
        assert_eq!(msgs[3].plain_text().trim(), "All 12 tests pass ✅ (你好)");
        assert!(matches!(
            msgs[4].blocks.last(),
            Some(Block::Notice { kind, .. }) if kind == "truncated"
        ));
        assert!(
            matches!(&msgs[5].blocks[..], [Block::Notice { kind, text }]
                if kind == "error" && text == "Error: Rate limit exceeded."),
            "{:?}",
            msgs[5]
        );
        assert!(
            msgs[1..]
                .iter()
                .all(|m| m.model.as_deref() == Some("gpt-4o"))
        );
        assert!(msgs.iter().all(|m| m.usage.is_none()));
        // times: the epoch seconds of the message; the naive local header and write times are
        // converted with the UTC+2 offset learned from the lines that carry both
        assert_eq!(msgs[1].time, Some(utc("2026-11-20T08:15:02.1Z")));
        assert_eq!(meta.started_at, Some(utc("2026-11-20T08:15:00.1Z")));
        assert_eq!(
            msgs[0].time, meta.started_at,
            "the notice opens the session"
        );
        assert_eq!(meta.updated_at, Some(utc("2026-11-20T08:15:20.1Z")));
    }

    #[test]
    fn user_and_tool_messages_of_other_versions_and_real_usage() {
        let m = parse(BETA);
        assert!(m.issues.is_empty(), "{:?}", m.issues);
        let (uid, _, meta, msgs) = m.only();
        let meta = meta.as_ref().unwrap();
        assert_eq!(uid, &format!("20261122_080000@{}", dir("projects/beta")));
        let roles: Vec<Role> = msgs.iter().map(|m| m.role).collect();
        assert_eq!(
            roles,
            vec![
                Role::User,
                Role::Assistant,
                Role::Tool,
                Role::Assistant,
                Role::User,
                Role::Assistant
            ],
            "no notice when the prompts are there; the empty `{{}}` message is skipped"
        );
        assert_eq!(msgs.iter().filter(|m| m.is_prompt()).count(), 2);
        assert_eq!(meta.first_prompt.as_deref(), Some("Find the TODOs 🔍"));
        assert_eq!(meta.title, None, "the first prompt is the title");
        assert!(!meta.no_token_usage);
        assert!(matches!(
            &msgs[2].blocks[..],
            [Block::ToolResult { call_id, is_error: true, output }]
                if call_id == "call_9" && output.contains("No such file")
        ));
        assert!(matches!(
            &msgs[4].blocks[..],
            [Block::Text { .. }, Block::Attachment { kind, description }]
                if kind == "image" && description == "image/png"
        ));
        let mut total = TokenUsage::default();
        for m in msgs {
            if let Some(u) = &m.usage {
                total.add(u);
            }
        }
        assert_eq!((total.input, total.output), (3400, 60));
        assert_eq!(msgs[1].usage.unwrap().input, 1200);
        assert_eq!(meta.started_at, Some(utc("2026-11-22T08:00:00Z")));
    }

    #[test]
    fn bad_lines_are_counted_and_the_rest_is_kept() {
        let m = parse(BAD);
        let got: Vec<(Option<u64>, IssueKind)> =
            m.issues.iter().map(|i| (i.line, i.kind)).collect();
        assert_eq!(
            got,
            vec![
                (Some(2), IssueKind::InvalidJson),
                (Some(3), IssueKind::UnknownType),
                (Some(4), IssueKind::UnknownType),
                (Some(5), IssueKind::WrongShape),
            ],
            "the unfinished last line waits for its newline"
        );
        let (_, _, _, msgs) = m.only();
        assert_eq!(msgs.len(), 2, "notice + the good reply");
        assert_eq!(msgs[1].plain_text(), "Still here");
    }

    #[test]
    fn documented_json_layout() {
        let m = parse(DOC);
        let (uid, _, meta, msgs) = m.only();
        let meta = meta.as_ref().unwrap();
        assert_eq!(uid, "20261121_090000@/home/u/gamma");
        assert_eq!(meta.id, "20261121_090000");
        assert_eq!(
            meta.cwd.as_deref(),
            Some("/home/u/gamma"),
            "from working_dir"
        );
        assert_eq!(meta.title.as_deref(), Some("Refactor the auth module"));
        assert_eq!(meta.title_rank, rank::CUSTOM);
        assert_eq!(
            meta.first_prompt.as_deref(),
            Some("What files are in this directory?")
        );
        assert_eq!(meta.started_at, Some(utc("2026-11-21T09:00:00Z")));
        assert_eq!(meta.updated_at, Some(utc("2026-11-21T09:15:30Z")));
        assert!(!meta.no_token_usage);
        let roles: Vec<Role> = msgs.iter().map(|m| m.role).collect();
        assert_eq!(
            roles,
            vec![Role::User, Role::Assistant, Role::Tool, Role::Assistant]
        );
        let u: Vec<(u64, u64)> = msgs
            .iter()
            .filter_map(|m| m.usage)
            .map(|u| (u.input, u.output))
            .collect();
        assert_eq!(u, vec![(100, 50), (180, 20)], "prompt/completion tokens");
        assert_eq!(
            msgs[3].model.as_deref(),
            Some("gpt-4o"),
            "the session's model"
        );
        assert_eq!(msgs[1].time, Some(utc("2026-11-21T09:00:01Z")));
        let got: Vec<(Option<u64>, IssueKind)> =
            m.issues.iter().map(|i| (i.line, i.kind)).collect();
        assert_eq!(got, vec![(Some(5), IssueKind::WrongShape)]);
    }

    #[test]
    fn documented_layout_without_working_dir_keeps_the_folder_as_scope() {
        let m = parse(DOC_NO_DIR);
        assert!(m.issues.is_empty(), "{:?}", m.issues);
        let (uid, _, meta, msgs) = m.only();
        let meta = meta.as_ref().unwrap();
        let folder = dir("home/.agenix/sessions/srv_nowhere_9f1c_project");
        assert_eq!(meta.cwd, None, "no such directory: unknown, not guessed");
        assert_eq!(meta.scope.as_deref(), Some(folder.as_str()));
        assert_eq!(uid, &format!("20261121_093000@{folder}"));
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[1].plain_text(), "Hi there");
        assert_eq!(msgs[1].time, Some(utc("2026-11-21T09:30:01.5Z")));
        assert!(meta.no_token_usage);
    }

    #[test]
    fn the_same_id_in_two_directories_gives_two_sessions() {
        let a = parse("projects/alpha/.agenix/20261122_080000.jsonl");
        let b = parse("projects/beta/.agenix/20261122_080000.jsonl");
        let (ua, _, ma, _) = a.only();
        let (ub, _, mb, _) = b.only();
        assert_ne!(ua, ub);
        assert_eq!(ma.as_ref().unwrap().id, mb.as_ref().unwrap().id);
        assert_ne!(ma.as_ref().unwrap().scope, mb.as_ref().unwrap().scope);
    }

    #[test]
    fn encoded_directory_names_are_decoded_against_what_exists() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("my_proj").join("src");
        std::fs::create_dir_all(&target).unwrap();
        std::fs::create_dir_all(tmp.path().join("my")).unwrap(); // a dead end to back out of
        let name = target.display().to_string()[1..].replace('/', "_");
        assert_eq!(decode_dir_name(&name), Some(target.clone()));
        assert_eq!(decode_dir_name(&format!("{name}_gone")), None);
        assert_eq!(decode_dir_name(""), None);
        assert_eq!(decode_dir_name("a/b"), None);
    }

    #[test]
    fn naive_times_and_offsets() {
        assert_eq!(
            to_utc("2026-11-20T10:15:00.5", Some(7200)),
            Some(utc("2026-11-20T08:15:00.5Z"))
        );
        assert_eq!(
            to_utc("2026-11-20T10:15:00Z", Some(7200)),
            Some(utc("2026-11-20T10:15:00Z")),
            "an explicit zone wins"
        );
        // nothing learned: the local time of this machine
        let naive = parse_naive("2026-11-20T10:15:00").unwrap();
        let local = chrono::Local
            .from_local_datetime(&naive)
            .earliest()
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(to_utc("2026-11-20T10:15:00", None), Some(local));
        assert_eq!(offset_from_gap(7201.3), Some(7200));
        assert_eq!(offset_from_gap(-18_000.0 + 2.0), Some(-18_000));
        assert_eq!(offset_from_gap(19_800.4), Some(19_800), "UTC+5:30");
        assert_eq!(offset_from_gap(1e12), None);
        assert_eq!(to_utc("soon", None), None);

        // a message whose epoch is from another clock teaches nothing
        let mut st = AgenixState::default();
        let mut sink = Sink::default();
        let reply = |epoch: f64| serde_json::json!({"role": "assistant", "content": "x", "timestamp": epoch});
        st.message(1, &reply(1e9), Some("2026-11-20T10:15:03"), &mut sink);
        assert_eq!(st.offset(), None);
        let at = utc("2026-11-20T08:15:02Z").timestamp() as f64;
        st.message(2, &reply(at), Some("2026-11-20T10:15:03"), &mut sink);
        assert_eq!(st.offset(), Some(7200));
    }

    #[test]
    fn a_header_alone_is_a_session_without_messages() {
        let fmt = AgenixLines {
            id: "20261124_000000".into(),
            place: Place {
                cwd: Some("/p".into()),
                scope: "/p".into(),
            },
        };
        let mut st = AgenixState::default();
        let mut sink = Sink::default();
        let header = br#"{"type": "session_header", "session_id": "20261124_000000", "created_at": "2026-11-24T00:00:00", "version": "1.0"}"#;
        fmt.line(&mut st, 1, header, &mut sink);
        // a rewrite in the same second starts the file again: a second header changes nothing
        fmt.line(&mut st, 2, header, &mut sink);
        fmt.flush(&mut st, &mut sink);
        let mut m = Materialized::default();
        m.apply(sink);
        let (uid, _, meta, msgs) = m.only();
        assert_eq!(uid, "20261124_000000@/p");
        assert!(msgs.is_empty());
        assert!(meta.as_ref().unwrap().started_at.is_some());
        assert!(m.issues.is_empty());
    }

    fn ctx_roots(env: &Env, config: &Config, known: &[PathBuf]) -> Vec<Root> {
        AgenixSource.roots(&DiscoverCtx {
            env,
            config,
            known_dirs: known,
        })
    }

    #[test]
    fn roots_from_env_home_config_and_known_directories() {
        let f = fixtures();
        let home = f.join("home");
        let env = Env::with_home(&home, &[("AGENIX_SESSION_DIR", "/srv/agenix-sessions")]);
        let config = Config::parse(&format!(
            "[agents.agenix]\nroots = [{:?}, {:?}, {:?}]",
            f.join("projects/alpha").display().to_string(),
            f.join("projects/beta/.agenix").display().to_string(),
            "/nowhere/project",
        ))
        .unwrap();
        let known = vec![
            f.join("projects/beta"),    // also a config root: listed once
            f.join("projects/missing"), // no .agenix: not a root at all
            PathBuf::from("relative/dir"),
        ];
        let roots = ctx_roots(&env, &config, &known);
        let got: Vec<(PathBuf, RootOrigin)> = roots
            .iter()
            .map(|r| (r.path.clone(), r.origin.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    PathBuf::from("/srv/agenix-sessions"),
                    RootOrigin::Env("AGENIX_SESSION_DIR".into())
                ),
                (home.join(".agenix/sessions"), RootOrigin::Default),
                (home.join(".agenix"), RootOrigin::Default),
                (f.join("projects/alpha/.agenix"), RootOrigin::Config),
                (f.join("projects/beta/.agenix"), RootOrigin::Config),
                (
                    PathBuf::from("/nowhere/project/.agenix"),
                    RootOrigin::Config
                ),
            ]
        );
        // without config, the known directory is what finds beta
        let roots = ctx_roots(&Env::with_home(&home, &[]), &Config::default(), &known);
        assert!(
            roots
                .iter()
                .any(|r| r.path == f.join("projects/beta/.agenix")
                    && matches!(r.origin, RootOrigin::Derived(_)))
        );
        assert_eq!(roots.len(), 3);
    }

    fn scan(path: PathBuf) -> Vec<(String, StoreKind)> {
        let mut out = ScanOut::default();
        AgenixSource.scan(
            &Root {
                agent: Agent::Agenix,
                path: path.clone(),
                origin: RootOrigin::Default,
            },
            &mut out,
        );
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        out.stores
            .iter()
            .map(|s| {
                (
                    s.path.strip_prefix(&path).unwrap().display().to_string(),
                    s.kind,
                )
            })
            .collect()
    }

    #[test]
    fn scans_find_sessions_and_skip_settings() {
        let f = fixtures();
        assert_eq!(
            scan(f.join("projects/alpha/.agenix")),
            vec![
                ("20261120_101500.jsonl".into(), StoreKind::Jsonl),
                ("20261122_080000.jsonl".into(), StoreKind::Jsonl),
            ]
        );
        assert_eq!(
            scan(f.join("home/.agenix")),
            vec![("20261119_070000.jsonl".into(), StoreKind::Jsonl)],
            "settings.json and the sessions/ folder are not sessions of this root"
        );
        assert_eq!(
            scan(f.join("home/.agenix/sessions")),
            vec![
                ("home_u_gamma/20261121_090000.json".into(), StoreKind::Json),
                (
                    "srv_nowhere_9f1c_project/20261121_093000.json".into(),
                    StoreKind::Json
                ),
            ]
        );
    }

    fn session(id: &str, cwd: Option<&str>) -> Session {
        Session {
            agent: Agent::Agenix,
            id: id.into(),
            title: String::new(),
            cwd: cwd.map(str::to_string),
            project: None,
            models: vec![],
            git_branch: None,
            started_at: None,
            updated_at: None,
            prompts: 0,
            messages: 0,
            tool_calls: 0,
            subagents: 0,
            tokens: TokenUsage::default(),
            tokens_known: false,
            cost_usd: None,
            unpriced_turns: 0,
            source: String::new(),
            resume: None,
            parse_errors: 0,
            key: format!("agenix:{id}@/p"),
            first_prompt: None,
            status: None,
            extra: Default::default(),
        }
    }

    #[test]
    fn resume_runs_in_the_sessions_directory_with_a_checked_id() {
        let r = AgenixSource
            .resume(&session("20261124_023157", Some("/home/dev/proj-agenix")))
            .unwrap();
        assert_eq!(r.argv, vec!["agenix", "--session", "20261124_023157"]);
        assert_eq!(r.cwd.as_deref(), Some("/home/dev/proj-agenix"));
        for bad in ["--help", "-x", "../x", "a/b", "", "..", "a\nb"] {
            assert!(
                AgenixSource.resume(&session(bad, Some("/p"))).is_none(),
                "{bad:?}"
            );
        }
        assert!(
            AgenixSource
                .resume(&session("20261124_023157", None))
                .is_none()
        );
        assert!(
            AgenixSource
                .resume(&session("20261124_023157", Some("rel/dir")))
                .is_none()
        );
    }

    fn lines_of(rel: &str) -> (PathBuf, Vec<Vec<u8>>) {
        let path = fixtures().join(rel);
        let bytes = std::fs::read(&path).unwrap();
        let lines = bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(<[u8]>::to_vec)
            .collect();
        (path, lines)
    }

    fn line_parser(path: &Path) -> Box<dyn crate::sources::LineParser> {
        match AgenixSource.parser(&store_for(Agent::Agenix, path, StoreKind::Jsonl)) {
            Parser::Lines(p) => p,
            Parser::Whole(_) => panic!("a line parser"),
        }
    }

    #[test]
    fn incremental_parse_equals_whole_parse() {
        for rel in [ALPHA, BETA] {
            let (path, lines) = lines_of(rel);
            let whole = parse(rel);
            for cut in 1..lines.len() {
                let mut out = Materialized::default();
                let mut p = line_parser(&path);
                let mut sink = Sink::default();
                for (i, l) in lines[..cut].iter().enumerate() {
                    p.line(i as u64 + 1, l, &mut sink);
                }
                p.flush(&mut sink);
                out.apply(sink);
                let saved = p.save_state();
                let mut p2 = line_parser(&path);
                assert!(p2.load_state(&saved));
                let mut sink = Sink::default();
                for (i, l) in lines[cut..].iter().enumerate() {
                    p2.line((cut + i) as u64 + 1, l, &mut sink);
                }
                p2.flush(&mut sink);
                out.apply(sink);
                assert_eq!(out.only().3, whole.only().3, "{rel}: cut at line {cut}");
                assert_eq!(out.only().2, whole.only().2, "{rel}: cut at line {cut}");
                assert_eq!(out.only().0, whole.only().0);
            }
        }
    }

    #[test]
    fn mangled_lines_never_panic() {
        use crate::sources::mangle::{Rng, variants};
        let mut rng = Rng(0x5eed_a6e1_0000_0007);
        for rel in [ALPHA, BETA] {
            let (path, lines) = lines_of(rel);
            for line in &lines {
                for bad in variants(line, &mut rng) {
                    let mut p = line_parser(&path);
                    let mut sink = Sink::default();
                    // the bad line among good ones: the good ones still parse
                    for (i, l) in lines.iter().take(3).enumerate() {
                        p.line(i as u64 + 1, l, &mut sink);
                    }
                    p.line(4, &bad, &mut sink);
                    p.line(5, &lines[lines.len() - 1], &mut sink);
                    p.flush(&mut sink);
                    let saved = p.save_state();
                    assert!(p.load_state(&saved));
                    let mut m = Materialized::default();
                    m.apply(sink);
                    assert!(m.only().3.len() >= 3);
                }
            }
        }
        // the documented JSON, mangled as a whole
        let bytes = std::fs::read(fixtures().join(DOC)).unwrap();
        let flat: Vec<u8> = bytes.iter().copied().filter(|b| *b != b'\n').collect();
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("x/20261121_090000.json");
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        for bad in variants(&flat, &mut rng) {
            std::fs::write(&target, &bad).unwrap();
            let _ = materialize(
                &AgenixSource,
                &store_for(Agent::Agenix, &target, StoreKind::Json),
            )
            .unwrap();
        }
    }
}
