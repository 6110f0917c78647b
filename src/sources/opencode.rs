//! OpenCode: `$XDG_DATA_HOME/opencode` (default `~/.local/share/opencode`, the same on macOS).
//!
//! Two stores (see `FORMATS.md` §4 and `GENERATED.md` "OpenCode"):
//! - **SQLite** (v1.2+): `opencode.db` and `opencode-<channel>.db`, tables `session`, `message`
//!   and `part` (JSON in `data`). Opened only through [`sqlite::read`] (read-only; a live WAL
//!   database is read as committed, busy moments are retried; nothing is ever written). Columns
//!   differ between versions, so they are looked up, never assumed. The `event` table repeats
//!   the same data and is never read.
//! - **The legacy JSON tree** (before v1.2, left on disk after the import):
//!   `storage/session/<projectID>/<sessionID>.json`, `storage/message/<sessionID>/<msgID>.json`,
//!   `storage/part/<msgID>/<partID>.json`; ids come from the file paths. One store per project
//!   folder (`storage/session/<projectID>`) reads that project's sessions with their messages
//!   and parts; its fingerprint covers every file involved, so a new message or part file is
//!   noticed. JSON stores have a higher `priority` number than databases: a session imported
//!   into the database is listed once, from the database.
//!
//! Rules:
//! - only sessions without a parent are listed; children (`parent_id`, task subagents) are added
//!   to their top-level ancestor as sidechain messages (`agent_id` = the child's id), so their
//!   tokens count there; forks have no link and are sessions of their own;
//! - messages in `(time_created, id)` order, parts in `id` order;
//! - tokens per assistant message: the sum of its `step-finish` parts when it has any (older
//!   versions overwrote `message.tokens` with the last step's), else the message's own; never
//!   both. OpenCode's `output` excludes reasoning, so `output = tokens.output +
//!   tokens.reasoning`; `input` is already non-cached. Cost: `message.cost` (accumulated over
//!   steps), else the sum of the step-finish costs;
//! - a failed command is `completed` with `metadata.exit != 0`: an error result;
//! - title: `session.title` unless it is still the `New session - <ISO>` placeholder;
//! - both stores are read incrementally: the state keeps a version per top-level session, and
//!   only sessions whose rows (or files) changed are emitted again.

use super::util;
use super::{
    IssueKind, ParseIssue, Parser, ResumeTarget, Root, RootOrigin, ScanOut, ScanProblem,
    SessionMeta, Sink, Source, SourceError, StoreKind, StoreRef, WholeParser, config_roots, rank,
    sqlite,
};
use crate::model::{Agent, Block, Message, Role, Session, TokenUsage, parse_time, time_from_epoch};
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

pub struct OpencodeSource;

/// Databases win over the JSON tree for the same session.
const DB_PRIORITY: i32 = 0;
const JSON_PRIORITY: i32 = 1;

impl Source for OpencodeSource {
    fn agent(&self) -> Agent {
        Agent::Opencode
    }

    fn roots(&self, ctx: &super::DiscoverCtx) -> Vec<Root> {
        let mut roots = Vec::new();
        if let Some(v) = ctx.env.var("XDG_DATA_HOME") {
            // the XDG spec ignores relative values (as `Env::xdg_data_home` does)
            let p = PathBuf::from(v);
            if p.is_absolute() {
                roots.push(Root {
                    agent: Agent::Opencode,
                    path: p.join("opencode"),
                    origin: RootOrigin::Env("XDG_DATA_HOME".into()),
                });
            }
        }
        if let Some(home) = ctx.env.home() {
            roots.push(Root {
                agent: Agent::Opencode,
                path: home.join(".local/share/opencode"),
                origin: RootOrigin::Default,
            });
        }
        roots.extend(config_roots(ctx, Agent::Opencode));
        if let Some(db) = ctx.config.agent(Agent::Opencode).db {
            roots.push(Root {
                agent: Agent::Opencode,
                path: ctx.env.expand(&db),
                origin: RootOrigin::Config,
            });
        }
        roots
    }

    fn scan(&self, root: &Root, out: &mut ScanOut) {
        let store = |path: PathBuf, kind, priority| StoreRef {
            agent: Agent::Opencode,
            path,
            kind,
            root: root.path.clone(),
            priority,
        };
        // a configured root may name a database file itself
        if std::fs::metadata(&root.path).is_ok_and(|m| m.is_file()) {
            out.stores
                .push(store(root.path.clone(), StoreKind::Sqlite, DB_PRIORITY));
            return;
        }
        match std::fs::read_dir(&root.path) {
            Ok(rd) => {
                let mut dbs: Vec<PathBuf> = rd
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| is_db_name(util::file_name(p)) && p.is_file())
                    .collect();
                dbs.sort();
                for p in dbs {
                    out.stores.push(store(p, StoreKind::Sqlite, DB_PRIORITY));
                }
            }
            Err(e) => {
                out.problems.push(ScanProblem {
                    path: root.path.clone(),
                    reason: e.to_string(),
                });
                return;
            }
        }
        let Some(storage) = storage_dir(&root.path) else {
            return;
        };
        let sessions = storage.join("session");
        let rd = match std::fs::read_dir(&sessions) {
            Ok(rd) => rd,
            Err(e) => {
                out.problems.push(ScanProblem {
                    path: sessions,
                    reason: e.to_string(),
                });
                return;
            }
        };
        let mut projects: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        projects.sort();
        for p in projects {
            // `info/`, `message/`, `part/`, `share/`: the layout of mid-2025 versions (which
            // OpenCode itself migrated), not project ids (a commit hash or `global`)
            if matches!(util::file_name(&p), "info" | "message" | "part" | "share") {
                continue;
            }
            match std::fs::read_dir(&p) {
                // an unreadable project is reported: what was indexed from it is kept
                Err(e) => out.problems.push(ScanProblem {
                    path: p,
                    reason: e.to_string(),
                }),
                Ok(_) if json_files(&p).is_empty() => {}
                Ok(_) => out.stores.push(store(p, StoreKind::Json, JSON_PRIORITY)),
            }
        }
    }

    fn parser(&self, store: &StoreRef) -> Parser {
        match store.kind {
            StoreKind::Json => Parser::Whole(Box::new(TreeParser)),
            _ => Parser::Whole(Box::new(DbParser)),
        }
    }

    fn fingerprint(&self, store: &StoreRef) -> Result<(i64, i64), String> {
        match store.kind {
            StoreKind::Json => tree_fingerprint(&store.path).ok_or_else(|| "cannot read".into()),
            _ => super::file_fingerprint(store).ok_or_else(|| "cannot stat".into()),
        }
    }

    fn resume(&self, s: &Session) -> Option<ResumeTarget> {
        if !is_session_id(&s.id) {
            return None;
        }
        // Without the directory argument `opencode --session` from elsewhere hangs; only a
        // plain absolute path goes in (never something that could read as an option).
        let cwd = util::run_dir(&s.cwd);
        let mut argv = vec!["opencode".to_string()];
        if let Some(c) = &cwd {
            argv.push(c.clone());
        }
        argv.push("--session".into());
        argv.push(s.id.clone());
        Some(ResumeTarget { argv, cwd })
    }

    /// `opencode <dir> --continue`: the project's last session.
    fn continue_latest(&self, s: &Session) -> Option<ResumeTarget> {
        let cwd = util::run_dir(&s.cwd)?;
        Some(ResumeTarget {
            argv: vec!["opencode".into(), cwd.clone(), "--continue".into()],
            cwd: Some(cwd),
        })
    }
}

/// `opencode.db` or `opencode-<channel>.db` (not their `-wal`/`-shm` sidecars).
fn is_db_name(name: &str) -> bool {
    name == "opencode.db"
        || (name.starts_with("opencode-") && name.ends_with(".db") && name.len() > 12)
}

/// The `storage/` folder under a data dir, or the root itself when it is one.
fn storage_dir(root: &Path) -> Option<PathBuf> {
    let s = root.join("storage");
    if super::is_dir(&s.join("session")) {
        return Some(s);
    }
    if util::file_name(root) == "storage" && super::is_dir(&root.join("session")) {
        return Some(root.to_path_buf());
    }
    None
}

/// What the resume flag may take: OpenCode ids look like `ses_…`.
fn is_session_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && id.len() <= 200
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The placeholder OpenCode gives a session until its title is generated.
pub fn is_placeholder_title(t: &str) -> bool {
    let t = t.trim();
    if t.is_empty() || t == "Untitled" {
        return true;
    }
    ["New session - ", "New Session - ", "Child session - "]
        .iter()
        .any(|p| {
            t.strip_prefix(p)
                .is_some_and(|rest| parse_time(rest).is_some())
        })
}

// ---------------------------------------------------------------------------------------------
// The model both stores are read into

/// One session row (database) or session file (JSON tree).
#[derive(Debug, Clone, Default)]
struct SessRow {
    id: String,
    parent: Option<String>,
    directory: Option<String>,
    title: Option<String>,
    created: Option<i64>,
    updated: Option<i64>,
    archived: Option<i64>,
    /// Changes whenever the session, its messages or its parts change.
    version: u64,
}

/// One message with its parts, JSON decoded.
#[derive(Debug, Clone)]
struct MsgRow {
    id: String,
    time: Option<i64>,
    info: Value,
    parts: Vec<(String, Value)>,
}

/// Reads the messages of one session.
trait Loader {
    fn messages(&mut self, session: &str, sink: &mut Sink) -> rusqlite::Result<Vec<MsgRow>>;
}

const STATE_VERSION: u32 = 1;

/// What a store parser keeps between runs: the version of every top-level session emitted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct StoreState {
    v: u32,
    roots: BTreeMap<String, u64>,
    /// The last run recorded issues: the next one parses everything again (so the store's
    /// error count is not added to twice).
    issues: bool,
}

impl StoreState {
    fn load(bytes: Option<&[u8]>) -> Option<StoreState> {
        let s: StoreState = serde_json::from_slice(bytes?).ok()?;
        (s.v == STATE_VERSION && !s.issues).then_some(s)
    }
}

/// Small incremental FNV-1a.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf29ce484222325)
    }
    fn bytes(&mut self, b: &[u8]) -> &mut Fnv {
        for x in b {
            self.0 ^= *x as u64;
            self.0 = self.0.wrapping_mul(0x100000001b3);
        }
        // a separator, so ("ab","c") and ("a","bc") differ
        self.0 ^= 0xff;
        self.0 = self.0.wrapping_mul(0x100000001b3);
        self
    }
    fn int(&mut self, n: i64) -> &mut Fnv {
        self.bytes(&n.to_le_bytes())
    }
    fn opt(&mut self, s: Option<&str>) -> &mut Fnv {
        match s {
            Some(s) => self.bytes(b"s").bytes(s.as_bytes()),
            None => self.bytes(b"n"),
        }
    }
}

/// A top-level session and its descendants (subagent children, grandchildren…).
struct Group<'a> {
    root: &'a SessRow,
    members: Vec<&'a SessRow>,
    version: u64,
}

/// Sessions without a parent in the store are listed; every other one joins its top-level
/// ancestor. A parent that is missing makes a child top-level (nothing is lost); a loop in the
/// parent links makes each session of the loop its own.
fn group(rows: &[SessRow]) -> Vec<Group<'_>> {
    let by_id: HashMap<&str, &SessRow> = rows.iter().map(|r| (r.id.as_str(), r)).collect();
    let root_of = |r: &SessRow| -> String {
        let mut seen: HashSet<&str> = HashSet::new();
        seen.insert(r.id.as_str());
        let mut cur = r;
        while let Some(p) = cur.parent.as_deref().and_then(|p| by_id.get(p)) {
            if !seen.insert(p.id.as_str()) {
                return r.id.clone(); // a loop
            }
            cur = p;
        }
        cur.id.clone()
    };
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut members: Vec<(String, &SessRow)> = Vec::new();
    for r in rows {
        let root = root_of(r);
        if root == r.id {
            if index.contains_key(&r.id) {
                continue; // the same id twice: the first row wins
            }
            index.insert(r.id.clone(), groups.len());
            groups.push(Group {
                root: r,
                members: Vec::new(),
                version: 0,
            });
        } else {
            members.push((root, r));
        }
    }
    for (root, r) in members {
        if let Some(&i) = index.get(&root) {
            groups[i].members.push(r);
        }
    }
    for g in &mut groups {
        g.members
            .sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
        let mut h = Fnv::new();
        h.int(g.root.version as i64);
        for m in &g.members {
            h.bytes(m.id.as_bytes()).int(m.version as i64);
        }
        g.version = h.0;
    }
    groups
}

/// Emit what changed since `prev` (or everything, `complete`, without a usable state).
fn emit_store(
    rows: &[SessRow],
    pre_issues: Vec<ParseIssue>,
    prev: Option<StoreState>,
    loader: &mut dyn Loader,
) -> rusqlite::Result<(Sink, StoreState)> {
    let groups = group(rows);
    let state = |issues: bool| StoreState {
        v: STATE_VERSION,
        roots: groups
            .iter()
            .map(|g| (g.root.id.clone(), g.version))
            .collect(),
        issues,
    };
    if let Some(prev) = prev.filter(|_| pre_issues.is_empty()) {
        let mut sink = Sink::default();
        for g in &groups {
            if prev.roots.get(&g.root.id) != Some(&g.version) {
                emit_group(g, &mut sink, loader)?;
            }
        }
        if sink.issues.is_empty() {
            let current: HashSet<&str> = groups.iter().map(|g| g.root.id.as_str()).collect();
            for uid in prev.roots.keys() {
                if !current.contains(uid.as_str()) {
                    sink.remove(uid);
                }
            }
            return Ok((sink, state(false)));
        }
        // issues: parse everything again, so the store's issues are counted once
    }
    let mut sink = Sink {
        complete: true,
        issues: pre_issues,
        ..Default::default()
    };
    for g in &groups {
        emit_group(g, &mut sink, loader)?;
    }
    let issues = !sink.issues.is_empty();
    Ok((sink, state(issues)))
}

fn emit_group(g: &Group, sink: &mut Sink, loader: &mut dyn Loader) -> rusqlite::Result<()> {
    let uid = g.root.id.clone();
    let mut out: Vec<Message> = Vec::new();
    for m in loader.messages(&g.root.id, sink)? {
        convert(&m, &g.root.id, sink, &mut out);
    }
    let mut meta = meta_of(g.root);
    meta.first_prompt = out
        .iter()
        .find(|m| m.is_prompt())
        .and_then(|m| util::title_from(&m.plain_text()));
    for child in &g.members {
        let start = out.len();
        for m in loader.messages(&child.id, sink)? {
            convert(&m, &child.id, sink, &mut out);
        }
        for m in &mut out[start..] {
            m.sidechain = true;
            m.agent_id = Some(child.id.clone());
        }
    }
    sink.truncate(&uid, true, 0);
    sink.meta(&uid, meta);
    for (i, m) in out.into_iter().enumerate() {
        sink.put(&uid, true, i as u32, m);
    }
    Ok(())
}

fn ms_time(n: Option<i64>) -> Option<DateTime<Utc>> {
    n.and_then(|n| time_from_epoch(n as f64))
}

fn meta_of(r: &SessRow) -> SessionMeta {
    let title = r
        .title
        .as_deref()
        .filter(|t| !is_placeholder_title(t))
        .map(str::to_string);
    SessionMeta {
        id: r.id.clone(),
        title_rank: if title.is_some() { rank::GENERATED } else { 0 },
        title,
        cwd: r.directory.clone().filter(|d| !d.trim().is_empty()),
        started_at: ms_time(r.created),
        updated_at: ms_time(r.updated),
        status: r
            .archived
            .filter(|a| *a > 0)
            .map(|_| "archived".to_string()),
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Messages and parts → the normalised model

fn time_of(v: &Value, key: &str) -> Option<i64> {
    v.get("time")
        .and_then(|t| t.get(key))
        .and_then(|n| n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)))
}

/// OpenCode `tokens` in the shared semantics (its `output` excludes reasoning).
fn tokens_of(v: &Value) -> Option<TokenUsage> {
    let t = v.get("tokens").filter(|t| t.is_object())?;
    let reasoning = util::count_of(t, "reasoning");
    let cache = t.get("cache");
    Some(TokenUsage {
        input: util::count_of(t, "input"),
        output: util::count_of(t, "output").saturating_add(reasoning),
        cache_read: cache.map(|c| util::count_of(c, "read")).unwrap_or(0),
        cache_write: cache.map(|c| util::count_of(c, "write")).unwrap_or(0),
        reasoning,
        cache_write_1h: 0,
    })
}

fn cost_of(v: &Value) -> Option<f64> {
    v.get("cost")
        .and_then(Value::as_f64)
        .filter(|c| c.is_finite() && *c > 0.0)
}

fn model_of(info: &Value) -> Option<String> {
    let model = util::str_of(info, "modelID")?;
    Some(match util::str_of(info, "providerID") {
        Some(p) => format!("{p}/{model}"),
        None => model.to_string(),
    })
}

fn short(s: &str) -> String {
    crate::sanitize::truncate_chars(s, 60)
}

/// `{name, data: {message}}` (or a plain string) as text.
fn error_text(e: &Value) -> (String, String) {
    let name = util::str_of(e, "name").unwrap_or("error").to_string();
    let message = e
        .get("data")
        .and_then(|d| util::str_of(d, "message"))
        .or_else(|| util::str_of(e, "message"))
        .or_else(|| e.as_str())
        .map(str::to_string)
        .unwrap_or_default();
    (name, message)
}

fn notice(kind: &str, text: String, time: Option<DateTime<Utc>>) -> Message {
    let mut m = Message::new(Role::System);
    m.time = time;
    m.blocks.push(Block::Notice {
        kind: kind.into(),
        text,
    });
    m
}

fn output_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other @ Value::Array(_)) => util::content_text(other),
        Some(other) => other.to_string(),
    }
}

fn attachment(p: &Value) -> Block {
    let kind = util::str_of(p, "mime").unwrap_or("file").to_string();
    let description = util::str_of(p, "filename")
        .map(str::to_string)
        .or_else(|| {
            util::str_of(p, "url").map(|u| {
                if u.starts_with("data:") {
                    "inline data".to_string()
                } else {
                    crate::sanitize::truncate_chars(u, 300)
                }
            })
        })
        .unwrap_or_else(|| "file".into());
    Block::Attachment { kind, description }
}

/// Append the messages one OpenCode message becomes: a prompt (and injected text as a meta
/// message) for a user message; for an assistant message the retries that preceded it, the
/// reply, one tool message per finished tool call, then an error notice.
fn convert(m: &MsgRow, session: &str, sink: &mut Sink, out: &mut Vec<Message>) {
    let time = ms_time(time_of(&m.info, "created").or(m.time));
    let role = util::str_of(&m.info, "role").unwrap_or("");
    let bad_part = |sink: &mut Sink, id: &str, p: &Value| match util::str_of(p, "type") {
        Some(t) => sink.issue(
            None,
            IssueKind::UnknownType,
            format!(
                "session {session}, part {id}: unknown part type '{}'",
                short(t)
            ),
        ),
        None => sink.issue(
            None,
            IssueKind::WrongShape,
            format!("session {session}, part {id}: no type"),
        ),
    };
    match role {
        "user" => {
            let mut prompt = Message::new(Role::User);
            prompt.time = time;
            prompt.native_id = Some(m.id.clone());
            let mut injected = Message::new(Role::User);
            injected.time = time;
            injected.meta = true;
            let mut notices = Vec::new();
            for (id, p) in &m.parts {
                match util::str_of(p, "type").unwrap_or("") {
                    "text" => {
                        let text = util::str_of(p, "text").unwrap_or("").to_string();
                        if text.trim().is_empty() {
                            continue;
                        }
                        if util::bool_of(p, "synthetic") || util::bool_of(p, "ignored") {
                            injected.blocks.push(Block::text(text));
                        } else {
                            prompt.blocks.push(Block::text(text));
                        }
                    }
                    "file" => prompt.blocks.push(attachment(p)),
                    "compaction" => {
                        let auto = util::bool_of(p, "auto");
                        notices.push(notice(
                            "compaction",
                            if auto {
                                "Conversation compacted (automatic)".into()
                            } else {
                                "Conversation compacted".into()
                            },
                            time,
                        ));
                    }
                    "subtask" => {
                        let agent = util::str_of(p, "agent").unwrap_or("subagent");
                        let what = util::str_of(p, "description")
                            .or_else(|| util::str_of(p, "prompt"))
                            .unwrap_or("");
                        notices.push(notice(
                            "subtask",
                            format!("Subtask for @{agent}: {what}"),
                            time,
                        ));
                    }
                    // `@agent` mentions (the text says it already), bookkeeping parts
                    "agent" | "snapshot" | "patch" | "step-start" | "step-finish" | "retry"
                    | "reasoning" | "tool" => {}
                    _ => bad_part(sink, id, p),
                }
            }
            if !prompt.blocks.is_empty() {
                out.push(prompt);
            }
            if !injected.blocks.is_empty() {
                out.push(injected);
            }
            out.extend(notices);
        }
        "assistant" => {
            let mut reply = Message::new(Role::Assistant);
            reply.time = time;
            reply.model = model_of(&m.info);
            reply.native_id = Some(m.id.clone());
            let mut before = Vec::new();
            let mut after = Vec::new();
            let mut step_usage: Option<TokenUsage> = None;
            let mut step_cost = 0.0f64;
            for (id, p) in &m.parts {
                match util::str_of(p, "type").unwrap_or("") {
                    "text" => {
                        let text = util::str_of(p, "text").unwrap_or("");
                        if !text.trim().is_empty() {
                            reply.blocks.push(Block::text(text));
                        }
                    }
                    "reasoning" => {
                        let text = util::str_of(p, "text").unwrap_or("").to_string();
                        let sealed = text.trim().is_empty();
                        reply.blocks.push(Block::Thinking { text, sealed });
                    }
                    "tool" => {
                        let call_id = util::str_of(p, "callID").unwrap_or(id).to_string();
                        let name = util::str_of(p, "tool").unwrap_or("?").to_string();
                        let state = p.get("state").cloned().unwrap_or(Value::Null);
                        reply.blocks.push(Block::ToolCall {
                            id: call_id.clone(),
                            name,
                            input: state.get("input").cloned().unwrap_or(Value::Null),
                        });
                        let result = match util::str_of(&state, "status") {
                            Some("completed") => {
                                let exit = state
                                    .get("metadata")
                                    .and_then(|md| md.get("exit"))
                                    .and_then(|e| {
                                        e.as_i64().or_else(|| e.as_f64().map(|f| f as i64))
                                    });
                                Some((
                                    output_text(state.get("output")),
                                    exit.is_some_and(|c| c != 0),
                                ))
                            }
                            Some("error") => Some((output_text(state.get("error")), true)),
                            _ => None, // pending or running: no result yet
                        };
                        if let Some((output, is_error)) = result {
                            let mut t = Message::new(Role::Tool);
                            t.time = ms_time(time_of(&state, "end")).or(time);
                            t.blocks.push(Block::ToolResult {
                                call_id,
                                output,
                                is_error,
                            });
                            after.push(t);
                        }
                    }
                    "file" => reply.blocks.push(attachment(p)),
                    "step-finish" => {
                        if let Some(u) = tokens_of(p) {
                            step_usage.get_or_insert_with(TokenUsage::default).add(&u);
                        }
                        step_cost += cost_of(p).unwrap_or(0.0);
                    }
                    "retry" => {
                        let attempt = util::count_of(p, "attempt");
                        let (name, message) = p.get("error").map(error_text).unwrap_or_default();
                        let what = if message.is_empty() { name } else { message };
                        before.push(notice(
                            "retry",
                            format!("Retry {attempt}: {what}"),
                            time, // it stands before the reply
                        ));
                    }
                    "subtask" => {
                        let agent = util::str_of(p, "agent").unwrap_or("subagent");
                        let what = util::str_of(p, "description").unwrap_or("");
                        after.push(notice(
                            "subtask",
                            format!("Subtask for @{agent}: {what}"),
                            time,
                        ));
                    }
                    "compaction" => {
                        after.push(notice("compaction", "Conversation compacted".into(), time))
                    }
                    "step-start" | "snapshot" | "patch" | "agent" => {}
                    _ => bad_part(sink, id, p),
                }
            }
            // Each step-finish repeats its step's tokens: sum them, or take the message's own
            // figure when there are none (never both).
            reply.usage = step_usage
                .or_else(|| tokens_of(&m.info))
                .filter(|u| !u.is_empty());
            reply.cost_usd = cost_of(&m.info).or((step_cost > 0.0).then_some(step_cost));
            if let Some(e) = m.info.get("error").filter(|e| !e.is_null()) {
                let (name, message) = error_text(e);
                let (kind, text) = if name == "MessageAbortedError" {
                    ("aborted", "Aborted".to_string())
                } else if message.is_empty() {
                    ("error", name)
                } else {
                    ("error", format!("{name}: {message}"))
                };
                after.push(notice(kind, text, time));
            }
            out.extend(before);
            if !reply.blocks.is_empty() || reply.usage.is_some() || reply.cost_usd.is_some() {
                out.push(reply);
            }
            out.extend(after);
        }
        "" => sink.issue(
            None,
            IssueKind::WrongShape,
            format!("session {session}, message {}: no role", m.id),
        ),
        other => sink.issue(
            None,
            IssueKind::UnknownType,
            format!(
                "session {session}, message {}: unknown role '{}'",
                m.id,
                short(other)
            ),
        ),
    }
}

/// Decode a `data` column or a JSON file: an object, or an issue.
fn decode(what: &str, bytes: &[u8], sink: &mut Sink) -> Option<Value> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v @ Value::Object(_)) => Some(v),
        Ok(_) => {
            sink.issue(
                None,
                IssueKind::WrongShape,
                format!("{what}: not an object"),
            );
            None
        }
        Err(e) => {
            let kind = if e.is_data() {
                IssueKind::WrongShape
            } else {
                IssueKind::InvalidJson
            };
            sink.issue(None, kind, format!("{what}: {e}"));
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------
// SQLite

struct DbParser;

impl WholeParser for DbParser {
    fn parse(
        &mut self,
        store: &StoreRef,
        state: Option<&[u8]>,
        sink: &mut Sink,
    ) -> Result<Vec<u8>, SourceError> {
        let prev = StoreState::load(state);
        let (out, st) = sqlite::read(&store.path, |conn| read_db(conn, prev.clone()))?;
        *sink = out;
        Ok(serde_json::to_vec(&st).unwrap_or_default())
    }
}

fn text_at(r: &rusqlite::Row, i: usize) -> Option<String> {
    match r.get_ref(i).ok()? {
        ValueRef::Text(b) | ValueRef::Blob(b) => Some(String::from_utf8_lossy(b).into_owned()),
        ValueRef::Integer(n) => Some(n.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Null => None,
    }
}

fn bytes_at(r: &rusqlite::Row, i: usize) -> Vec<u8> {
    match r.get_ref(i) {
        Ok(ValueRef::Text(b)) | Ok(ValueRef::Blob(b)) => b.to_vec(),
        _ => Vec::new(),
    }
}

fn int_at(r: &rusqlite::Row, i: usize) -> Option<i64> {
    match r.get_ref(i).ok()? {
        ValueRef::Integer(n) => Some(n),
        ValueRef::Real(f) if f.is_finite() => Some(f as i64),
        ValueRef::Text(b) => std::str::from_utf8(b).ok()?.trim().parse().ok(),
        _ => None,
    }
}

/// A column reference when the table has it, else `NULL`.
fn col(cols: &[String], name: &str) -> String {
    col_of(cols, "", name)
}

/// The same, qualified by a table alias (`p."time_updated"`).
fn col_of(cols: &[String], alias: &str, name: &str) -> String {
    if cols.iter().any(|c| c == name) {
        let dot = if alias.is_empty() { "" } else { "." };
        format!("{alias}{dot}\"{name}\"")
    } else {
        "NULL".into()
    }
}

fn read_db(conn: &Connection, prev: Option<StoreState>) -> rusqlite::Result<(Sink, StoreState)> {
    // one read transaction: the change detection and the rows come from the same snapshot
    // (a WAL reader never blocks the agent's writes; dropping it rolls back, writing nothing)
    let _snapshot = conn.unchecked_transaction()?;
    let scols = sqlite::columns(conn, "session")?;
    if !scols.iter().any(|c| c == "id") {
        // no session table (an empty or unrelated database): nothing to list, and doctor
        // says why
        let mut sink = Sink {
            complete: true,
            ..Default::default()
        };
        sink.issue(
            None,
            IssueKind::WrongShape,
            "no session table with an id column: not an OpenCode database".to_string(),
        );
        let state = StoreState {
            v: STATE_VERSION,
            ..Default::default()
        };
        return Ok((sink, state));
    }
    let mcols = sqlite::columns(conn, "message")?;
    let pcols = sqlite::columns(conn, "part")?;
    let has = |cols: &[String], names: &[&str]| names.iter().all(|n| cols.iter().any(|c| c == n));
    let mut pre = Vec::new();
    let messages_ok = has(&mcols, &["id", "session_id", "data"]);
    if !mcols.is_empty() && !messages_ok {
        pre.push(ParseIssue {
            line: None,
            kind: IssueKind::WrongShape,
            detail: "table message lacks id, session_id or data".into(),
        });
    }
    let parts_ok = messages_ok && has(&pcols, &["id", "message_id", "data"]);
    if messages_ok && !pcols.is_empty() && !parts_ok {
        pre.push(ParseIssue {
            line: None,
            kind: IssueKind::WrongShape,
            detail: "table part lacks id, message_id or data".into(),
        });
    }

    // change detection: per session, the number of rows and the latest update
    let mut stats: HashMap<String, Fnv> = HashMap::new();
    if messages_ok {
        let upd = format!(
            "coalesce({}, {}, 0)",
            col(&mcols, "time_updated"),
            col(&mcols, "time_created")
        );
        let sql =
            format!("SELECT session_id, count(*), max({upd}) FROM message GROUP BY session_id");
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let Some(sid) = text_at(r, 0) else { continue };
            let h = stats.entry(sid).or_insert_with(Fnv::new);
            h.bytes(b"m")
                .int(int_at(r, 1).unwrap_or(0))
                .int(int_at(r, 2).unwrap_or(0));
        }
    }
    if parts_ok {
        let upd = format!(
            "coalesce({}, {}, 0)",
            col_of(&pcols, "p", "time_updated"),
            col_of(&pcols, "p", "time_created"),
        );
        let sql = format!(
            "SELECT m.session_id, count(*), max({upd}) FROM part p JOIN message m ON m.id = p.message_id GROUP BY m.session_id"
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let Some(sid) = text_at(r, 0) else { continue };
            let h = stats.entry(sid).or_insert_with(Fnv::new);
            h.bytes(b"p")
                .int(int_at(r, 1).unwrap_or(0))
                .int(int_at(r, 2).unwrap_or(0));
        }
    }

    let sql = format!(
        "SELECT id, {}, {}, {}, {}, {}, {} FROM session",
        col(&scols, "parent_id"),
        col(&scols, "directory"),
        col(&scols, "title"),
        col(&scols, "time_created"),
        col(&scols, "time_updated"),
        col(&scols, "time_archived"),
    );
    let mut sessions = Vec::new();
    {
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let Some(id) = text_at(r, 0).filter(|s| !s.is_empty()) else {
                pre.push(ParseIssue {
                    line: None,
                    kind: IssueKind::WrongShape,
                    detail: "a session row without an id".into(),
                });
                continue;
            };
            let mut s = SessRow {
                parent: text_at(r, 1).filter(|p| !p.is_empty()),
                directory: text_at(r, 2),
                title: text_at(r, 3),
                created: int_at(r, 4),
                updated: int_at(r, 5),
                archived: int_at(r, 6),
                ..Default::default()
            };
            let mut h = stats.remove(&id).unwrap_or_else(Fnv::new);
            h.opt(s.parent.as_deref())
                .opt(s.directory.as_deref())
                .opt(s.title.as_deref())
                .int(s.created.unwrap_or(0))
                .int(s.updated.unwrap_or(0))
                .int(s.archived.unwrap_or(0));
            s.version = h.0;
            s.id = id;
            sessions.push(s);
        }
    }
    sessions.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));

    let mut loader = DbLoader {
        conn,
        messages_ok,
        parts_ok,
        msg_time: col(&mcols, "time_created"),
    };
    emit_store(&sessions, pre, prev, &mut loader)
}

struct DbLoader<'c> {
    conn: &'c Connection,
    messages_ok: bool,
    parts_ok: bool,
    msg_time: String,
}

impl Loader for DbLoader<'_> {
    fn messages(&mut self, session: &str, sink: &mut Sink) -> rusqlite::Result<Vec<MsgRow>> {
        if !self.messages_ok {
            return Ok(Vec::new());
        }
        let mut parts: HashMap<String, Vec<(String, Value)>> = HashMap::new();
        if self.parts_ok {
            let mut stmt = self.conn.prepare_cached(
                "SELECT p.id, p.message_id, p.data FROM part p JOIN message m ON m.id = p.message_id
                 WHERE m.session_id = ?1 ORDER BY p.message_id, p.id",
            )?;
            let mut rows = stmt.query([session])?;
            while let Some(r) = rows.next()? {
                let id = text_at(r, 0).unwrap_or_default();
                let mid = text_at(r, 1).unwrap_or_default();
                let what = format!("session {session}, part {id}");
                if let Some(v) = decode(&what, &bytes_at(r, 2), sink) {
                    parts.entry(mid).or_default().push((id, v));
                }
            }
        }
        let sql = format!(
            "SELECT id, {t}, data FROM message WHERE session_id = ?1 ORDER BY {t}, id",
            t = self.msg_time
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query([session])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let id = text_at(r, 0).unwrap_or_default();
            let what = format!("session {session}, message {id}");
            let Some(info) = decode(&what, &bytes_at(r, 2), sink) else {
                parts.remove(&id);
                continue;
            };
            out.push(MsgRow {
                parts: parts.remove(&id).unwrap_or_default(),
                time: int_at(r, 1),
                id,
                info,
            });
        }
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------------
// The legacy JSON tree

/// `*.json` files directly in a folder, sorted (an unreadable folder has none).
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("json"))
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()))
        .collect();
    v.sort();
    v
}

/// `storage/session/<projectID>` → `storage`.
fn storage_of(project_dir: &Path) -> PathBuf {
    project_dir
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn stat_into(h: &mut Fnv, total: &mut u64, p: &Path) {
    h.bytes(util::file_name(p).as_bytes());
    match std::fs::metadata(p) {
        Ok(md) => {
            let mtime = md
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos() as i64)
                .unwrap_or(0);
            *total = total.saturating_add(md.len());
            h.int(md.len() as i64).int(mtime);
        }
        Err(_) => {
            h.bytes(b"?");
        }
    }
}

/// A version of one session's files: the session file, its message files and their parts.
fn session_files_version(storage: &Path, session_file: &Path, total: &mut u64) -> u64 {
    let mut h = Fnv::new();
    stat_into(&mut h, total, session_file);
    let sid = util::file_stem(session_file);
    for m in json_files(&storage.join("message").join(sid)) {
        stat_into(&mut h, total, &m);
        for p in json_files(&storage.join("part").join(util::file_stem(&m))) {
            stat_into(&mut h, total, &p);
        }
    }
    h.0
}

/// Size of every file involved and a hash of their names, sizes and modification times.
fn tree_fingerprint(project_dir: &Path) -> Option<(i64, i64)> {
    if !super::is_dir(project_dir) {
        return None;
    }
    let storage = storage_of(project_dir);
    let mut total = 0u64;
    let mut h = Fnv::new();
    for f in json_files(project_dir) {
        h.int(session_files_version(&storage, &f, &mut total) as i64);
    }
    Some((total.min(i64::MAX as u64) as i64, h.0 as i64))
}

struct TreeParser;

impl WholeParser for TreeParser {
    fn parse(
        &mut self,
        store: &StoreRef,
        state: Option<&[u8]>,
        sink: &mut Sink,
    ) -> Result<Vec<u8>, SourceError> {
        let storage = storage_of(&store.path);
        let mut scratch = Sink::default();
        let mut sessions = Vec::new();
        for f in json_files(&store.path) {
            let what = format!("session file {}", util::file_name(&f));
            let bytes = match std::fs::read(&f) {
                Ok(b) => b,
                Err(e) => {
                    scratch.issue(None, IssueKind::Unreadable, format!("{what}: {e}"));
                    continue;
                }
            };
            let Some(v) = decode(&what, &bytes, &mut scratch) else {
                continue;
            };
            let mut total = 0;
            sessions.push(SessRow {
                // ids come from the paths, as OpenCode's own import does
                id: util::file_stem(&f).to_string(),
                parent: util::str_of(&v, "parentID").map(str::to_string),
                directory: util::str_of(&v, "directory").map(str::to_string),
                title: util::str_of(&v, "title").map(str::to_string),
                created: time_of(&v, "created"),
                updated: time_of(&v, "updated"),
                archived: time_of(&v, "archived"),
                version: session_files_version(&storage, &f, &mut total),
            });
        }
        sessions.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
        let mut loader = TreeLoader { storage };
        let (out, st) = emit_store(
            &sessions,
            scratch.issues,
            StoreState::load(state),
            &mut loader,
        )
        .map_err(|e| SourceError::Store {
            path: store.path.clone(),
            message: e.to_string(),
        })?;
        *sink = out;
        Ok(serde_json::to_vec(&st).unwrap_or_default())
    }
}

struct TreeLoader {
    storage: PathBuf,
}

impl TreeLoader {
    fn read(&self, p: &Path, what: &str, sink: &mut Sink) -> Option<Value> {
        match std::fs::read(p) {
            Ok(b) => decode(what, &b, sink),
            Err(e) => {
                sink.issue(None, IssueKind::Unreadable, format!("{what}: {e}"));
                None
            }
        }
    }
}

impl Loader for TreeLoader {
    fn messages(&mut self, session: &str, sink: &mut Sink) -> rusqlite::Result<Vec<MsgRow>> {
        let mut out = Vec::new();
        for f in json_files(&self.storage.join("message").join(session)) {
            let id = util::file_stem(&f).to_string();
            let what = format!("session {session}, message file {id}.json");
            let Some(info) = self.read(&f, &what, sink) else {
                continue;
            };
            let mut parts = Vec::new();
            for p in json_files(&self.storage.join("part").join(&id)) {
                let pid = util::file_stem(&p).to_string();
                let what = format!("session {session}, part file {pid}.json");
                if let Some(v) = self.read(&p, &what, sink) {
                    parts.push((pid, v));
                }
            }
            out.push(MsgRow {
                time: time_of(&info, "created"),
                id,
                info,
                parts,
            });
        }
        out.sort_by(|a, b| (a.time.unwrap_or(0), &a.id).cmp(&(b.time.unwrap_or(0), &b.id)));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Env};
    use crate::sources::{DiscoverCtx, Materialized, materialize, store_for};

    const A: &str = "ses_e1a0000000ffeFixTokenizerA";
    const B: &str = "ses_e1b0000000ffeExploreLexerB";
    const C: &str = "ses_e1c0000000ffeNestedChildC0";
    const D: &str = "ses_e1d0000000ffePlaceholderD0";
    const E: &str = "ses_e1e0000000ffeForkOfTheA000";
    const F: &str = "ses_e1f0000000ffeBetaChannelF0";
    const G: &str = "ses_e200000000ffeJsonOnlyReadG";
    const H: &str = "ses_e210000000ffeJsonChildOfGH";
    const PROJECT: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

    fn data_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/opencode/home/.local/share/opencode")
    }

    fn db_store(p: &Path) -> StoreRef {
        store_for(Agent::Opencode, p, StoreKind::Sqlite)
    }

    fn json_store(p: &Path) -> StoreRef {
        let mut s = store_for(Agent::Opencode, p, StoreKind::Json);
        s.priority = JSON_PRIORITY;
        s
    }

    fn parse(store: &StoreRef) -> Materialized {
        materialize(&OpencodeSource, store).unwrap()
    }

    /// One run of a store's parser with a saved state.
    fn run(store: &StoreRef, state: Option<&[u8]>) -> (Sink, Vec<u8>) {
        let Parser::Whole(mut p) = OpencodeSource.parser(store) else {
            panic!("whole parser expected")
        };
        let mut sink = Sink::default();
        let st = p.parse(store, state, &mut sink).unwrap();
        (sink, st)
    }

    fn session<'a>(
        m: &'a Materialized,
        uid: &str,
    ) -> &'a (String, bool, Option<SessionMeta>, Vec<Message>) {
        m.sessions.iter().find(|s| s.0 == uid).unwrap_or_else(|| {
            panic!(
                "{uid} missing: {:?}",
                m.sessions.iter().map(|s| &s.0).collect::<Vec<_>>()
            )
        })
    }

    fn uids(m: &Materialized) -> Vec<&str> {
        let mut v: Vec<&str> = m.sessions.iter().map(|s| s.0.as_str()).collect();
        v.sort();
        v
    }

    fn usage(m: &Message) -> (u64, u64, u64, u64, u64) {
        let u = m.usage.unwrap_or_default();
        (u.input, u.output, u.reasoning, u.cache_read, u.cache_write)
    }

    fn total(msgs: &[Message]) -> (u64, u64, u64, u64, u64) {
        let mut t = TokenUsage::default();
        for m in msgs {
            if let Some(u) = &m.usage {
                t.add(u);
            }
        }
        (t.input, t.output, t.reasoning, t.cache_read, t.cache_write)
    }

    fn cost(msgs: &[Message]) -> f64 {
        msgs.iter().filter_map(|m| m.cost_usd).sum()
    }

    fn results(msgs: &[Message]) -> Vec<(String, bool)> {
        msgs.iter()
            .flat_map(|m| &m.blocks)
            .filter_map(|b| match b {
                Block::ToolResult {
                    call_id, is_error, ..
                } => Some((call_id.clone(), *is_error)),
                _ => None,
            })
            .collect()
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

    /// A copy of a fixture database in a folder of its own (rollback journal, so tests can
    /// write to it like the agent would).
    fn db_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("opencode.db");
        std::fs::copy(data_dir().join(name), &p).unwrap();
        let c = Connection::open(&p).unwrap();
        c.pragma_update(None, "journal_mode", "delete").unwrap();
        drop(c);
        (dir, p)
    }

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                copy_dir(&e.path(), &to.join(e.file_name()));
            } else {
                std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
            }
        }
    }

    fn files_in(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    // ---- discovery

    #[test]
    fn roots_honour_xdg_data_home_and_config() {
        let env = Env::with_home("/h", &[("XDG_DATA_HOME", "/xdg")]);
        let config = Config::parse(
            "[agents.opencode]\nroots = [\"~/synced/opencode\"]\ndb = \"/mnt/opencode.db\"",
        )
        .unwrap();
        let ctx = DiscoverCtx {
            env: &env,
            config: &config,
            known_dirs: &[],
        };
        let roots: Vec<(PathBuf, RootOrigin)> = OpencodeSource
            .roots(&ctx)
            .into_iter()
            .map(|r| (r.path, r.origin))
            .collect();
        assert_eq!(
            roots,
            vec![
                (
                    PathBuf::from("/xdg/opencode"),
                    RootOrigin::Env("XDG_DATA_HOME".into())
                ),
                (
                    PathBuf::from("/h/.local/share/opencode"),
                    RootOrigin::Default
                ),
                (PathBuf::from("/h/synced/opencode"), RootOrigin::Config),
                (PathBuf::from("/mnt/opencode.db"), RootOrigin::Config),
            ]
        );
        // a relative XDG_DATA_HOME is ignored, as the spec says
        let env = Env::with_home("/h", &[("XDG_DATA_HOME", "rel")]);
        let config = Config::default();
        let ctx = DiscoverCtx {
            env: &env,
            config: &config,
            known_dirs: &[],
        };
        assert_eq!(OpencodeSource.roots(&ctx).len(), 1);
    }

    #[test]
    fn scan_finds_channel_databases_and_json_projects() {
        let root = Root {
            agent: Agent::Opencode,
            path: data_dir(),
            origin: RootOrigin::Default,
        };
        let mut out = ScanOut::default();
        OpencodeSource.scan(&root, &mut out);
        let found: Vec<(String, StoreKind, i32)> = out
            .stores
            .iter()
            .map(|s| {
                (
                    s.path
                        .strip_prefix(data_dir())
                        .unwrap()
                        .display()
                        .to_string(),
                    s.kind,
                    s.priority,
                )
            })
            .collect();
        assert_eq!(
            found,
            vec![
                ("opencode-beta.db".to_string(), StoreKind::Sqlite, 0),
                ("opencode.db".to_string(), StoreKind::Sqlite, 0),
                (format!("storage/session/{PROJECT}"), StoreKind::Json, 1),
                ("storage/session/global".to_string(), StoreKind::Json, 1),
            ]
        );
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert!(is_db_name("opencode-nightly.db"));
        for no in [
            "opencode.db-wal",
            "opencode.db-shm",
            "opencode-.db",
            "other.db",
            "opencode.sqlite",
        ] {
            assert!(!is_db_name(no), "{no}");
        }
        // a configured root naming the database file itself
        let root = Root {
            agent: Agent::Opencode,
            path: data_dir().join("opencode.db"),
            origin: RootOrigin::Config,
        };
        let mut out = ScanOut::default();
        OpencodeSource.scan(&root, &mut out);
        assert_eq!(out.stores.len(), 1);
        assert_eq!(out.stores[0].kind, StoreKind::Sqlite);
    }

    // ---- the database (1.18 schema)

    #[test]
    fn only_top_level_sessions_are_listed_and_children_join_their_ancestor() {
        let m = parse(&db_store(&data_dir().join("opencode.db")));
        assert!(m.issues.is_empty(), "{:?}", m.issues);
        // B (A's task subagent) and C (B's child) are not sessions of their own; the fork E is
        assert_eq!(uids(&m), vec![A, D, E]);
        let (_, primary, _, msgs) = session(&m, A);
        assert!(primary);
        let side: Vec<(Role, Option<&str>)> = msgs
            .iter()
            .filter(|m| m.sidechain)
            .map(|m| (m.role, m.agent_id.as_deref()))
            .collect();
        assert_eq!(
            side,
            vec![
                (Role::User, Some(B)),
                (Role::Assistant, Some(B)),
                (Role::Tool, Some(B)),
                (Role::User, Some(C)),
                (Role::Assistant, Some(C)),
            ]
        );
        // the main conversation comes first, then the subagents
        let first_side = msgs.iter().position(|m| m.sidechain).unwrap();
        assert!(msgs[first_side..].iter().all(|m| m.sidechain));
        // the children's tokens count for the parent: A's own + B's + C's
        assert_eq!(total(&msgs[..first_side]), (435, 280, 20, 4500, 500));
        assert_eq!(total(msgs), (435 + 50 + 7, 280 + 15 + 3, 25, 4600, 500));
        assert!((cost(msgs) - 0.0161).abs() < 1e-9, "{}", cost(msgs));
        // the subagent's prompt is not a prompt of the session
        assert_eq!(msgs.iter().filter(|m| m.is_prompt()).count(), 2);
    }

    #[test]
    fn messages_parts_tokens_and_tool_failures() {
        let m = parse(&db_store(&data_dir().join("opencode.db")));
        let (_, _, meta, msgs) = session(&m, A);
        let main: Vec<&Message> = msgs.iter().filter(|m| !m.sidechain).collect();
        let roles: Vec<(Role, bool)> = main.iter().map(|m| (m.role, m.meta)).collect();
        assert_eq!(
            roles,
            vec![
                (Role::User, false),      // the prompt, with its file attachment
                (Role::User, true),       // synthetic text OpenCode added
                (Role::Assistant, false), // step 1: reasoning, text, bash
                (Role::Tool, false),
                (Role::Assistant, false), // step 2: read (fails)
                (Role::Tool, false),
                (Role::Assistant, false), // step 3: task (another model)
                (Role::Tool, false),
                (Role::System, false),    // the retry before step 4
                (Role::Assistant, false), // step 4
                (Role::System, false),    // compaction
                (Role::Assistant, false), // the summary
                (Role::User, false),
                (Role::System, false), // aborted
            ]
        );
        assert_eq!(main[0].plain_text(), "Fix the failing tokenizer test");
        assert!(
            matches!(&main[0].blocks[1], Block::Attachment { kind, description } if kind == "text/plain" && description == "lexer.rs")
        );
        assert!(main[1].plain_text().starts_with("Called the Read tool"));
        // reasoning, text and the call, in part order
        assert!(
            matches!(&main[2].blocks[0], Block::Thinking { sealed: false, text } if text.starts_with("Run the tests"))
        );
        assert!(matches!(&main[2].blocks[1], Block::Text { text } if text == "Running the tests."));
        assert!(
            matches!(&main[2].blocks[2], Block::ToolCall { id, name, input } if id == "toolu_01A" && name == "bash" && input["command"] == "cargo test")
        );
        // a failed command is `completed` with metadata.exit != 0; a tool error is `error`
        assert_eq!(
            results(&msgs[..14]),
            vec![
                ("toolu_01A".to_string(), true),
                ("toolu_01B".to_string(), true),
                ("call_task1".to_string(), false),
            ]
        );
        assert!(
            matches!(&main[5].blocks[0], Block::ToolResult { output, .. } if output.starts_with("File not found"))
        );
        // usage in the shared semantics: output includes reasoning
        assert_eq!(usage(main[2]), (10, 40, 0, 1000, 500));
        assert_eq!(usage(main[6]), (100, 70, 20, 0, 0));
        assert_eq!(main[2].cost_usd, Some(0.005));
        assert_eq!(
            main[2].model.as_deref(),
            Some("anthropic/claude-sonnet-4-5")
        );
        assert_eq!(main[6].model.as_deref(), Some("openai/gpt-5"));
        assert!(main[0].model.is_none(), "models only on assistant messages");
        assert_eq!(
            notices(&msgs[..14]),
            vec![
                ("retry".to_string(), "Retry 1: Overloaded".to_string()),
                (
                    "compaction".to_string(),
                    "Conversation compacted (automatic)".to_string()
                ),
                ("aborted".to_string(), "Aborted".to_string()),
            ]
        );
        // ordered by time
        let times: Vec<_> = main.iter().map(|m| m.time.unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
        let meta = meta.as_ref().unwrap();
        assert_eq!(meta.id, A);
        assert_eq!(meta.title.as_deref(), Some("Fix the tokenizer bug"));
        assert_eq!(meta.title_rank, rank::GENERATED);
        assert_eq!(meta.cwd.as_deref(), Some("/home/u/parser"));
        assert_eq!(
            meta.first_prompt.as_deref(),
            Some("Fix the failing tokenizer test")
        );
        assert_eq!(meta.status, None);
        assert_eq!(meta.started_at, time_from_epoch(1795100000000.0));
    }

    #[test]
    fn placeholder_titles_archived_sessions_and_forks() {
        let m = parse(&db_store(&data_dir().join("opencode.db")));
        let (_, _, meta, msgs) = session(&m, D);
        let meta = meta.as_ref().unwrap();
        assert_eq!(meta.title, None, "the placeholder is not a title");
        assert_eq!(
            meta.first_prompt.as_deref(),
            Some("What does this repo do?")
        );
        assert_eq!(meta.status.as_deref(), Some("archived"));
        assert_eq!(meta.cwd.as_deref(), Some("/home/u/notes"));
        // a recorded cost of 0 (subscription or free providers) is no cost
        assert_eq!(cost(msgs), 0.0);
        assert!(msgs.iter().all(|m| m.cost_usd.is_none()));
        // a fork: no link, its own session, copied messages counted
        let (_, _, meta, msgs) = session(&m, E);
        assert_eq!(
            meta.as_ref().unwrap().title.as_deref(),
            Some("Fix the tokenizer bug (fork #1)")
        );
        assert!(msgs.iter().all(|m| !m.sidechain));
        assert_eq!(total(msgs), (19, 51, 0, 4000, 500));
        assert!(is_placeholder_title(
            "New session - 2026-11-20T20:53:20.000Z"
        ));
        assert!(is_placeholder_title(
            "Child session - 2026-11-20T20:53:20.000Z"
        ));
        assert!(is_placeholder_title("  "));
        assert!(!is_placeholder_title("New session - about parsers"));
        assert!(!is_placeholder_title("Fix the tokenizer bug"));
    }

    #[test]
    fn older_versions_sum_step_finish_tokens_not_the_last_step() {
        // opencode-beta.db: no session cost/tokens/time_archived columns, no part.session_id;
        // one message, two steps; message.tokens is the last step's, message.cost the sum
        let m = parse(&db_store(&data_dir().join("opencode-beta.db")));
        assert!(m.issues.is_empty(), "{:?}", m.issues);
        let (uid, _, meta, msgs) = m.only();
        assert_eq!(uid, F);
        assert_eq!(meta.as_ref().unwrap().status, None);
        let replies: Vec<&Message> = msgs.iter().filter(|m| m.role == Role::Assistant).collect();
        assert_eq!(replies.len(), 1);
        assert_eq!(usage(replies[0]), (130, 34, 4, 300, 200));
        assert_eq!(replies[0].cost_usd, Some(0.03));
        assert_eq!(replies[0].tool_calls(), 1);
    }

    #[test]
    fn step_finish_or_message_tokens_never_both() {
        let row = |parts: Vec<Value>| MsgRow {
            id: "msg_1".into(),
            time: Some(1),
            info: serde_json::json!({"role":"assistant","modelID":"m","providerID":"p","cost":0.5,
                "tokens":{"input":30,"output":20,"reasoning":4,"cache":{"read":300,"write":0}}}),
            parts: parts
                .into_iter()
                .enumerate()
                .map(|(i, p)| (format!("prt_{i}"), p))
                .collect(),
        };
        let step = |i: u64, cost: f64| {
            serde_json::json!({"type":"step-finish","cost":cost,
                "tokens":{"input":i,"output":1,"reasoning":0,"cache":{"read":0,"write":0}}})
        };
        let mut sink = Sink::default();
        let mut out = Vec::new();
        // no step parts (the oldest versions): the message's own figure
        convert(&row(vec![]), "s", &mut sink, &mut out);
        assert_eq!(usage(&out[0]), (30, 24, 4, 300, 0));
        assert_eq!(out[0].cost_usd, Some(0.5));
        // with step parts: only their sum; the message's cost is already the total
        out.clear();
        convert(
            &row(vec![step(10, 0.2), step(20, 0.3)]),
            "s",
            &mut sink,
            &mut out,
        );
        assert_eq!(usage(&out[0]), (30, 2, 0, 0, 0));
        assert_eq!(out[0].cost_usd, Some(0.5));
        // no message cost: the steps' costs
        let mut r = row(vec![step(1, 0.25), step(1, 0.25)]);
        r.info["cost"] = Value::Null;
        out.clear();
        convert(&r, "s", &mut sink, &mut out);
        assert_eq!(out[0].cost_usd, Some(0.5));
        assert!(sink.issues.is_empty());
    }

    // ---- the JSON tree

    #[test]
    fn json_tree_ids_from_paths_children_and_message_tokens() {
        let m = parse(&json_store(
            &data_dir().join("storage/session").join(PROJECT),
        ));
        assert!(m.issues.is_empty(), "{:?}", m.issues);
        // the file says `ses_not_the_file_name`: the path wins; H is G's child
        assert_eq!(uids(&m), vec![A, G]);
        let (_, _, meta, msgs) = session(&m, G);
        let meta = meta.as_ref().unwrap();
        assert_eq!(meta.id, G);
        assert_eq!(meta.title.as_deref(), Some("Write the README"));
        assert_eq!(meta.cwd.as_deref(), Some("/home/u/parser"));
        // G's reply has no step parts: its own tokens; H's come from its step-finish
        assert_eq!(total(msgs), (46, 19, 0, 70, 0));
        assert_eq!(
            msgs.iter()
                .filter(|m| m.sidechain)
                .map(|m| m.agent_id.as_deref())
                .collect::<Vec<_>>(),
            vec![Some(H), Some(H)]
        );
        // the stale copy of A in the tree: read, but the index prefers the database
        let (_, _, meta, _) = session(&m, A);
        assert_eq!(
            meta.as_ref().unwrap().title.as_deref(),
            Some("Fix tokenizer (old JSON copy)")
        );
    }

    #[test]
    fn json_fingerprint_notices_new_and_changed_part_files() {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&data_dir().join("storage"), &dir.path().join("storage"));
        let project = dir.path().join("storage/session").join(PROJECT);
        let store = json_store(&project);
        let fp = || OpencodeSource.fingerprint(&store).unwrap();
        let first = fp();
        assert_eq!(first, fp(), "stable");
        let (sink, state) = run(&store, None);
        assert!(sink.complete);
        // a new part file in a message of G
        let msg_dir = dir.path().join("storage/message").join(G);
        let msg = json_files(&msg_dir).pop().unwrap();
        let part_dir = dir.path().join("storage/part").join(util::file_stem(&msg));
        std::fs::write(
            part_dir.join("prt_zzzzzzzzzzzzFx999999999999.json"),
            r#"{"type":"text","text":"One more line."}"#,
        )
        .unwrap();
        let second = fp();
        assert_ne!(first, second);
        // only G is parsed again
        let (sink, _) = run(&store, Some(&state));
        assert!(!sink.complete);
        assert_eq!(
            sink.sessions
                .iter()
                .map(|s| s.uid.as_str())
                .collect::<Vec<_>>(),
            vec![G]
        );
        let mut m = Materialized::default();
        m.apply(sink);
        assert!(
            session(&m, G)
                .3
                .iter()
                .any(|m| m.plain_text() == "Here is a README draft.\nOne more line.")
        );
        // a rewritten part file of the same size
        let p = json_files(&part_dir).into_iter().next().unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&p, text.replace("README", "Readme")).unwrap();
        assert_ne!(second, fp());
        assert!(
            OpencodeSource
                .fingerprint(&json_store(&dir.path().join("nope")))
                .is_err()
        );
    }

    // ---- reading without disturbing the agent

    #[test]
    fn databases_are_read_without_writing_or_creating_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("opencode.db");
        std::fs::copy(data_dir().join("opencode.db"), &p).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(
            &bytes[18..20],
            &[2, 2],
            "a WAL header, like the real database"
        );
        let m = parse(&db_store(&p));
        assert_eq!(m.sessions.len(), 3);
        assert_eq!(
            files_in(dir.path()),
            vec!["opencode.db"],
            "no -wal, -shm or journal"
        );
        assert_eq!(std::fs::read(&p).unwrap(), bytes, "nothing written");
    }

    #[test]
    fn a_running_agent_is_read_as_committed_and_never_blocked() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("opencode.db");
        std::fs::copy(data_dir().join("opencode.db"), &p).unwrap();
        // the agent has the database open in WAL mode with a write transaction under way
        let agent = Connection::open(&p).unwrap();
        agent.pragma_update(None, "journal_mode", "wal").unwrap();
        agent
            .execute_batch(
                "BEGIN IMMEDIATE;
                 INSERT INTO session (id, project_id, slug, directory, title, version, time_created, time_updated)
                 VALUES ('ses_uncommitted0ffeXXXXXXXXXXXX', 'p', 's', '/x', 'Not yet', '1.18.33', 1, 1);",
            )
            .unwrap();
        let (sink, state) = run(&db_store(&p), None);
        let mut m = Materialized::default();
        m.apply(sink);
        assert_eq!(uids(&m), vec![A, D, E], "what is committed");
        // the agent commits: the next read sees the new session (and only that one changed)
        agent.execute_batch("COMMIT").unwrap();
        let (sink, _) = run(&db_store(&p), Some(&state));
        assert_eq!(
            sink.sessions
                .iter()
                .map(|s| s.uid.as_str())
                .collect::<Vec<_>>(),
            vec!["ses_uncommitted0ffeXXXXXXXXXXXX"]
        );
        // and it can keep writing while revisit reads
        agent
            .execute("UPDATE session SET title = 'Done' WHERE id = ?1", [D])
            .unwrap();
    }

    // ---- incremental reading

    #[test]
    fn only_changed_sessions_are_emitted_again_and_match_a_whole_parse() {
        let (_dir, p) = db_copy("opencode.db");
        let store = db_store(&p);
        let (sink, state) = run(&store, None);
        assert!(sink.complete, "the first run is complete");
        let mut inc = Materialized::default();
        inc.apply(sink);

        // nothing changed: nothing emitted
        let (sink, state2) = run(&store, Some(&state));
        assert!(!sink.complete && sink.is_empty() && sink.removed.is_empty());
        assert_eq!(state, state2);

        let w = Connection::open(&p).unwrap();
        // a new message in D
        let t = 1795186400000i64 + 9000;
        w.execute(
            "INSERT INTO message VALUES ('msg_zz1', ?1, ?2, ?2, ?3)",
            rusqlite::params![D, t, r#"{"role":"user","time":{"created":1795186409000}}"#],
        )
        .unwrap();
        w.execute(
            "INSERT INTO part VALUES ('prt_zz1', 'msg_zz1', ?1, ?2, ?2, ?3)",
            rusqlite::params![D, t, r#"{"type":"text","text":"And the tests?"}"#],
        )
        .unwrap();
        let (sink, state3) = run(&store, Some(&state2));
        assert!(!sink.complete);
        assert_eq!(
            sink.sessions
                .iter()
                .map(|s| s.uid.as_str())
                .collect::<Vec<_>>(),
            vec![D]
        );
        assert_eq!(sink.sessions[0].ops[0], crate::sources::MsgOp::Truncate(0));
        inc.apply(sink);

        // a change in a child (B) re-emits its top-level ancestor (A)
        w.execute(
            "UPDATE part SET data = json_set(data, '$.text', 'Searching harder.'), time_updated = time_updated + 1
             WHERE session_id = ?1 AND data LIKE '%Searching.%'",
            [B],
        )
        .unwrap();
        let (sink, state4) = run(&store, Some(&state3));
        assert_eq!(
            sink.sessions
                .iter()
                .map(|s| s.uid.as_str())
                .collect::<Vec<_>>(),
            vec![A]
        );
        inc.apply(sink);

        // a deleted session is removed
        w.execute("DELETE FROM part WHERE session_id = ?1", [E])
            .unwrap();
        w.execute("DELETE FROM message WHERE session_id = ?1", [E])
            .unwrap();
        w.execute("DELETE FROM session WHERE id = ?1", [E]).unwrap();
        let (sink, _) = run(&store, Some(&state4));
        assert_eq!(sink.removed, vec![E.to_string()]);
        assert!(sink.sessions.is_empty());
        inc.apply(sink);

        // the increments add up to a whole parse
        let whole = parse(&store);
        assert_eq!(uids(&inc), uids(&whole));
        for uid in uids(&whole) {
            assert_eq!(session(&inc, uid).2, session(&whole, uid).2, "{uid}");
            assert_eq!(session(&inc, uid).3, session(&whole, uid).3, "{uid}");
        }
        assert!(
            session(&whole, A)
                .3
                .iter()
                .any(|m| m.plain_text() == "Searching harder.")
        );
    }

    #[test]
    fn a_store_with_issues_is_parsed_whole_so_they_are_counted_once() {
        let (_dir, p) = db_copy("opencode.db");
        let store = db_store(&p);
        let w = Connection::open(&p).unwrap();
        w.execute(
            "INSERT INTO part VALUES ('prt_zz2', (SELECT id FROM message WHERE session_id = ?1 LIMIT 1), ?1, 1, 1, ?2)",
            rusqlite::params![D, r#"{"type":"hologram"}"#],
        )
        .unwrap();
        let (sink, state) = run(&store, None);
        assert_eq!(sink.issues.len(), 1);
        assert_eq!(sink.issues[0].kind, IssueKind::UnknownType);
        assert!(
            sink.issues[0].detail.contains("hologram"),
            "{}",
            sink.issues[0].detail
        );
        // the next run starts from scratch (the index clears the store's issues for it)
        let (sink, _) = run(&store, Some(&state));
        assert!(sink.complete);
        assert_eq!(sink.issues.len(), 1);
        assert_eq!(sink.sessions.len(), 3, "the other sessions are intact");
    }

    // ---- bad input

    #[test]
    fn unusual_databases_are_issues_or_errors_never_panics() {
        let dir = tempfile::tempdir().unwrap();
        // no session table (an unrelated database): nothing listed, and doctor says why
        let empty = dir.path().join("opencode-empty.db");
        Connection::open(&empty)
            .unwrap()
            .execute_batch("CREATE TABLE other(x)")
            .unwrap();
        let m = parse(&db_store(&empty));
        assert!(m.sessions.is_empty());
        assert_eq!(m.issues.len(), 1);
        assert!(
            m.issues[0].detail.contains("not an OpenCode database"),
            "{:?}",
            m.issues
        );
        // a message table of another shape: the sessions are listed, the shape is an issue
        let odd = dir.path().join("opencode-odd.db");
        Connection::open(&odd)
            .unwrap()
            .execute_batch(
                "CREATE TABLE session(id TEXT, title TEXT);
                 INSERT INTO session VALUES ('ses_a', 'A'), (NULL, 'no id'), (7, 'numeric id');
                 CREATE TABLE message(id TEXT, body TEXT);",
            )
            .unwrap();
        let m = parse(&db_store(&odd));
        assert_eq!(uids(&m), vec!["7", "ses_a"]);
        let kinds: Vec<IssueKind> = m.issues.iter().map(|i| i.kind).collect();
        assert_eq!(kinds, vec![IssueKind::WrongShape, IssueKind::WrongShape]);
        // not a database at all: an error for the store, not a panic
        let junk = dir.path().join("opencode.db");
        std::fs::write(
            &junk,
            b"definitely not sqlite, just some bytes of text here",
        )
        .unwrap();
        assert!(materialize(&OpencodeSource, &db_store(&junk)).is_err());
    }

    #[test]
    fn parent_loops_and_missing_parents_lose_nothing() {
        let row = |id: &str, parent: Option<&str>| SessRow {
            id: id.into(),
            parent: parent.map(str::to_string),
            ..Default::default()
        };
        let rows = vec![
            row("a", Some("b")),
            row("b", Some("a")),
            row("c", Some("a")),
            row("orphan", Some("gone")),
            row("top", None),
            row("kid", Some("top")),
        ];
        let groups = group(&rows);
        let mut listed: Vec<&str> = groups.iter().map(|g| g.root.id.as_str()).collect();
        listed.sort();
        assert_eq!(listed, vec!["a", "b", "c", "orphan", "top"]);
        let top = groups.iter().find(|g| g.root.id == "top").unwrap();
        assert_eq!(
            top.members
                .iter()
                .map(|m| m.id.as_str())
                .collect::<Vec<_>>(),
            vec!["kid"]
        );
    }

    #[test]
    fn mangled_rows_never_panic() {
        use crate::sources::mangle::{Rng, variants};
        let (_dir, p) = db_copy("opencode.db");
        let store = db_store(&p);
        let w = Connection::open(&p).unwrap();
        let rows: Vec<(String, String, String)> = {
            let mut stmt = w
                .prepare("SELECT 'message', id, data FROM message UNION ALL SELECT 'part', id, data FROM part")
                .unwrap();
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        let mut rng = Rng(0x0bc0_de00_5eed_0003);
        for (table, id, data) in rows.iter().step_by(3) {
            for bad in variants(data.as_bytes(), &mut rng) {
                w.execute(
                    &format!("UPDATE {table} SET data = ?1 WHERE id = ?2"),
                    rusqlite::params![bad, id],
                )
                .unwrap();
                let m = parse(&store);
                // every session is still there
                assert_eq!(m.sessions.len(), 3, "{table} {id}");
            }
            w.execute(
                &format!("UPDATE {table} SET data = ?1 WHERE id = ?2"),
                rusqlite::params![data, id],
            )
            .unwrap();
        }
        // values of other SQL types in every column
        w.execute_batch(
            "UPDATE message SET data = x'00ff7b' WHERE rowid = 1;
             UPDATE part SET data = 42 WHERE rowid = 2;
             UPDATE message SET time_created = 'soon' WHERE rowid = 3;
             UPDATE session SET time_created = 1.5e300, title = x'ff' WHERE rowid = 1;",
        )
        .unwrap();
        let m = parse(&store);
        assert_eq!(m.sessions.len(), 3);
    }

    #[test]
    fn mangled_json_files_never_panic() {
        use crate::sources::mangle::{Rng, variants};
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&data_dir().join("storage"), &dir.path().join("storage"));
        let store = json_store(&dir.path().join("storage/session").join(PROJECT));
        let mut files = Vec::new();
        crate::sources::util::walk_files(
            &dir.path().join("storage"),
            4,
            &mut ScanOut::default(),
            &mut |p, _| files.push(p.to_path_buf()),
        );
        let mut rng = Rng(0x0bc0_de00_5eed_0004);
        for f in files.iter().step_by(2) {
            let good = std::fs::read(f).unwrap();
            for bad in variants(&good, &mut rng).into_iter().take(8) {
                std::fs::write(f, &bad).unwrap();
                let _ = parse(&store);
            }
            std::fs::write(f, &good).unwrap();
        }
        // an unreadable message folder and a folder where a file should be
        std::fs::create_dir_all(dir.path().join("storage/part/x.json")).unwrap();
        let m = parse(&store);
        assert_eq!(uids(&m), vec![A, G]);
    }

    // ---- resume

    #[test]
    fn resume_passes_the_directory_and_the_session() {
        let mut s = Session {
            agent: Agent::Opencode,
            id: A.into(),
            title: String::new(),
            cwd: Some("/home/u/my project".into()),
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
            tokens_known: true,
            cost_usd: None,
            unpriced_turns: 0,
            source: String::new(),
            resume: None,
            parse_errors: 0,
            key: String::new(),
            first_prompt: None,
            status: None,
            extra: Default::default(),
        };
        let r = OpencodeSource.resume(&s).unwrap();
        assert_eq!(
            r.argv,
            vec!["opencode", "/home/u/my project", "--session", A]
        );
        assert_eq!(r.cwd.as_deref(), Some("/home/u/my project"));
        // a directory that could read as an option is never passed
        s.cwd = Some("--print-logs".into());
        let r = OpencodeSource.resume(&s).unwrap();
        assert_eq!(r.argv, vec!["opencode", "--session", A]);
        assert_eq!(r.cwd, None);
        s.cwd = Some("C:\\src\\x".into());
        assert_eq!(OpencodeSource.resume(&s).unwrap().argv[1], "C:\\src\\x");
        for bad in ["--help", "", "ses x", "ses;rm"] {
            s.id = bad.into();
            assert!(OpencodeSource.resume(&s).is_none(), "{bad}");
        }
    }
}
