//! profclaw: an agent server (Hono + libSQL). It writes no transcript files: conversations live
//! in its SQLite database, or are read through its HTTP chat API.
//!
//! Where (see `FORMATS.md` §8 and `GENERATED-agsh-agenix-profclaw.md`):
//! - a database, read-only through [`sqlite::read`]: `$DATABASE_URL` when it is a `file:` URL,
//!   `$DB_PATH`, `$PROFCLAW_HOME/data/profclaw.db` (the working directory `profclaw daemon
//!   install` gives the service), `[agents.profclaw] db = …` or `server_dir = …` (the server's
//!   working directory, which holds `data/profclaw.db`). There is no default location: the
//!   server's default storage tier is in memory, and its file default is relative to whatever
//!   directory it was started in. A `DATABASE_URL` of another scheme (`libsql://`, `http://`)
//!   is not a local file: it is listed as a root that does not exist (credentials removed);
//! - a server, `[agents.profclaw] url = "http://127.0.0.1:3000"` (+ `token`): `GET
//!   /api/chat/conversations` (paged with `limit`/`offset` until `total`) and `GET
//!   /api/chat/conversations/:id`, with the `profclaw_session` cookie (and, for API tokens,
//!   which start with `profclaw_`, `Authorization: Bearer` as well). A server that does not
//!   answer is a problem of the refresh (status line, `doctor`), and what was indexed from it
//!   is kept. Only `http://`: revisit is built without TLS.
//!
//! Both give the same sessions (uid = conversation id); when both are configured the database
//! wins (priority 0 against 1).
//!
//! Rules:
//! - `conversation_messages` rows (ordered by `created_at`, as the server orders them): `user`
//!   rows are prompts, `system` rows are notices, `assistant` rows carry `model`, the token
//!   columns (whole-turn totals: `prompt_tokens` → input, which has no cache breakdown,
//!   `completion_tokens` → output) and `cost` (USD);
//! - `tool_calls` (JSON `[{id,name,arguments,result,status}]`) sits on the final assistant row
//!   of an agentic turn. That row becomes: an assistant message with the tool calls, a tool
//!   message with their results (`status: "error"` is an error), then an assistant message with
//!   the row's text, usage and cost;
//! - title: `conversations.title` (the server sets it from the first user message); cwd: not
//!   stored (none); status: the state of the conversation's latest `agent_sessions` run
//!   (`created`, `queued`, `pending`, `running`, `completed`, `failed`, `cancelled`);
//! - both stores are read incrementally: a signature per conversation is kept as the parser
//!   state, and only conversations whose signature changed are read (fetched) again.

use super::util::{self, fnv1a};
use super::{
    IssueKind, Parser, ResumeTarget, Root, RootOrigin, ScanOut, ScanProblem, SessionMeta, Sink,
    Source, SourceError, StoreKind, StoreRef, WholeParser, file_fingerprint, rank, sqlite,
};
use crate::model::{Agent, Block, Message, Role, Session, TokenUsage, parse_time, time_from_epoch};
use chrono::{DateTime, Utc};
use rusqlite::types::ValueRef;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// The database below a server's working directory.
const DB_REL: &str = "data/profclaw.db";
/// Connecting to a server: a server that does not answer in this time is out of reach.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// The cheap fingerprint request as a whole.
const FINGERPRINT_TIMEOUT: Duration = Duration::from_secs(5);
/// One request of a parse (a long conversation can take a while to serialise).
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest response read (a conversation with big tool outputs).
const MAX_BODY: u64 = 256 * 1024 * 1024;
/// Conversations per list request.
const PAGE: usize = 100;
/// Version of the saved parser state.
const STATE_VERSION: u32 = 1;

/// The profclaw adapter. It remembers the configured token per server URL (set when roots are
/// computed) because parsers only receive the store.
#[derive(Default)]
pub struct ProfclawSource {
    tokens: Mutex<BTreeMap<String, String>>,
}

impl ProfclawSource {
    /// A source that sends `token` to the server at `url` (tests; normally from the config).
    pub fn with_token(url: &str, token: &str) -> ProfclawSource {
        let s = ProfclawSource::default();
        s.remember_token(&normalize_url(url), token);
        s
    }

    fn remember_token(&self, url: &str, token: &str) {
        if let Ok(mut t) = self.tokens.lock() {
            t.insert(url.to_string(), token.to_string());
        }
    }

    fn token_for(&self, url: &str) -> Option<String> {
        self.tokens.lock().ok()?.get(url).cloned()
    }
}

impl Source for ProfclawSource {
    fn agent(&self) -> Agent {
        Agent::Profclaw
    }

    fn roots(&self, ctx: &super::DiscoverCtx) -> Vec<Root> {
        let mut roots = Vec::new();
        let root = |path: PathBuf, origin: RootOrigin| Root {
            agent: Agent::Profclaw,
            path,
            origin,
        };
        if let Some(url) = ctx.env.var("DATABASE_URL") {
            let origin = RootOrigin::Env("DATABASE_URL".into());
            match database_url_path(url) {
                Some(p) => roots.push(root(ctx.env.expand(&p), origin)),
                // not a local file: listed (it does not exist as a path), never opened
                None => roots.push(root(PathBuf::from(redact_url(url)), origin)),
            }
        }
        if let Some(p) = ctx.env.var("DB_PATH") {
            roots.push(root(ctx.env.expand(p), RootOrigin::Env("DB_PATH".into())));
        }
        if let Some(dir) = ctx.env.var("PROFCLAW_HOME") {
            roots.push(root(
                ctx.env.expand(dir).join(DB_REL),
                RootOrigin::Env("PROFCLAW_HOME".into()),
            ));
        }
        let cfg = ctx.config.agent(Agent::Profclaw);
        if let Some(db) = cfg.db.as_deref().filter(|s| !s.trim().is_empty()) {
            roots.push(root(ctx.env.expand(db.trim()), RootOrigin::Config));
        }
        if let Some(dir) = cfg.server_dir.as_deref().filter(|s| !s.trim().is_empty()) {
            roots.push(root(
                ctx.env.expand(dir.trim()).join(DB_REL),
                RootOrigin::Config,
            ));
        }
        let token = cfg
            .token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let mut urls: Vec<String> = Vec::new();
        if let Some(url) = cfg.url.as_deref().filter(|s| !s.trim().is_empty()) {
            urls.push(normalize_url(url));
        }
        for r in &cfg.roots {
            if is_url(r) {
                urls.push(normalize_url(r));
            } else {
                roots.push(root(ctx.env.expand(r), RootOrigin::Config));
            }
        }
        for url in urls {
            if let Some(t) = token {
                self.remember_token(&url, t);
            }
            roots.push(root(PathBuf::from(url), RootOrigin::Config));
        }
        roots
    }

    fn scan(&self, root: &Root, out: &mut ScanOut) {
        let text = root.path.to_string_lossy();
        if is_url(&text) {
            if root.origin != RootOrigin::Config {
                return; // a database URL of another scheme: never read
            }
            match check_server_url(&text) {
                Ok(()) => out.stores.push(StoreRef {
                    agent: Agent::Profclaw,
                    path: root.path.clone(),
                    kind: StoreKind::Remote,
                    root: root.path.clone(),
                    priority: 1,
                }),
                Err(reason) => out.problems.push(ScanProblem {
                    path: root.path.clone(),
                    reason,
                }),
            }
            return;
        }
        let md = match std::fs::metadata(&root.path) {
            Ok(m) => m,
            Err(e) => {
                out.problems.push(ScanProblem {
                    path: root.path.clone(),
                    reason: e.to_string(),
                });
                return;
            }
        };
        let db = if md.is_file() {
            Some(root.path.clone())
        } else {
            // a configured folder: a server directory, or the data folder itself
            [root.path.join(DB_REL), root.path.join("profclaw.db")]
                .into_iter()
                .find(|p| p.is_file())
        };
        if let Some(db) = db {
            out.stores.push(StoreRef {
                agent: Agent::Profclaw,
                path: db,
                kind: StoreKind::Sqlite,
                root: root.path.clone(),
                priority: 0,
            });
        }
    }

    fn parser(&self, store: &StoreRef) -> Parser {
        match store.kind {
            StoreKind::Remote => {
                let base = store.path.to_string_lossy().into_owned();
                let token = self.token_for(&base);
                Parser::Whole(Box::new(ApiParser { token }))
            }
            _ => Parser::Whole(Box::new(DbParser)),
        }
    }

    fn resume(&self, s: &Session) -> Option<ResumeTarget> {
        // `profclaw chat -s <id>` continues the conversation on the server. The id is checked:
        // it must not read as an option, or carry anything but an id's characters.
        let id = s.id.as_str();
        let ok = !id.is_empty()
            && !id.starts_with('-')
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
        if !ok {
            return None;
        }
        Some(ResumeTarget {
            argv: vec![
                "profclaw".into(),
                "chat".into(),
                "-s".into(),
                id.to_string(),
            ],
            cwd: None,
        })
    }

    fn fingerprint(&self, store: &StoreRef) -> Result<(i64, i64), String> {
        if store.kind != StoreKind::Remote {
            return file_fingerprint(store).ok_or_else(|| "cannot stat".to_string());
        }
        let base = store.path.to_string_lossy().into_owned();
        check_server_url(&base)?;
        let client = Client::new(&base, self.token_for(&base), FINGERPRINT_TIMEOUT);
        // The list is ordered by `updated_at` (newest first): any change to a conversation
        // brings it into the first page, and a deletion changes the total.
        let v = client.get_json(&format!("/api/chat/conversations?limit={PAGE}&offset=0"))?;
        let total = util::count_of(&v, "total");
        let mut h: Vec<u8> = Vec::new();
        for c in v
            .get("conversations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            h.extend_from_slice(list_signature(c).to_le_bytes().as_slice());
        }
        Ok((total.min(i64::MAX as u64) as i64, fnv1a(&h) as i64))
    }

    fn is_remote(&self, root: &Root) -> bool {
        root.origin == RootOrigin::Config && is_url(&root.path.to_string_lossy())
    }
}

// ---------------------------------------------------------------------------------------------
// URLs

/// `http://…` or `https://…` (any case).
fn is_url(s: &str) -> bool {
    let l = s.trim().to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://")
}

fn normalize_url(s: &str) -> String {
    s.trim().trim_end_matches('/').to_string()
}

/// Can revisit talk to this server URL at all?
fn check_server_url(url: &str) -> Result<(), String> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") {
        return Err(format!(
            "{url}: https is not supported (revisit is built without TLS); use an http:// URL, \
             e.g. through an SSH tunnel to the server"
        ));
    }
    let Some(rest) = lower.strip_prefix("http://") else {
        return Err(format!("{url}: not an http:// URL"));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() {
        return Err(format!("{url}: no host in the server URL"));
    }
    Ok(())
}

/// The file a `DATABASE_URL` names, the way profclaw reads it (`file:` stripped), or `None`
/// when it is not a local file (`libsql://`, `http://`, `:memory:`).
fn database_url_path(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let rest = if lower.starts_with("file:") {
        &url[5..]
    } else if url.contains("://") || url == ":memory:" {
        return None;
    } else {
        url // a bare path works too (profclaw passes it through)
    };
    // file:///abs and file://localhost/abs → /abs; a query (?mode=…) is not part of the path
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let rest = if let Some(r) = rest.strip_prefix("//") {
        match r.find('/') {
            Some(i) => &r[i..],
            None => r,
        }
    } else {
        rest
    };
    if rest.is_empty() || rest == ":memory:" {
        None
    } else {
        Some(rest.to_string())
    }
}

/// A URL without credentials (user info, query and fragment), for display.
fn redact_url(url: &str) -> String {
    let url = url.trim();
    let no_query = url.split(['?', '#']).next().unwrap_or("");
    match no_query.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = match rest.find('/') {
                Some(i) => (&rest[..i], &rest[i..]),
                None => (rest, ""),
            };
            let host = authority.rsplit('@').next().unwrap_or("");
            format!("{scheme}://{host}{path}")
        }
        None => no_query.to_string(),
    }
}

/// Percent-encode an id for a URL path segment.
fn path_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// HTTP

struct Client {
    base: String,
    token: Option<String>,
    agent: ureq::Agent,
}

/// What came back from a request.
enum Fetched {
    Json(Value),
    NotFound,
}

/// Why a request failed; `unreachable` when the server did not answer at all.
struct HttpError {
    unreachable: bool,
    message: String,
}

impl HttpError {
    fn other(message: String) -> HttpError {
        HttpError {
            unreachable: false,
            message,
        }
    }
}

impl Client {
    fn new(base: &str, token: Option<String>, timeout: Duration) -> Client {
        let config = ureq::Agent::config_builder()
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None) // only the configured server, never a proxy from the environment
            .user_agent("revisit")
            .build();
        Client {
            base: normalize_url(base),
            token,
            agent: config.into(),
        }
    }

    fn get(&self, path: &str) -> Result<Fetched, HttpError> {
        let url = format!("{}{path}", self.base);
        let mut req = self.agent.get(&url).header("Accept", "application/json");
        if let Some(t) = &self.token {
            if t.bytes()
                .any(|b| !(0x21..0x7f).contains(&b) || b == b';' || b == b',')
            {
                return Err(HttpError::other(format!(
                    "{}: the configured token has characters a cookie cannot carry",
                    self.base
                )));
            }
            req = req.header("Cookie", format!("profclaw_session={t}"));
            if t.starts_with("profclaw_") {
                // an API token (`POST /api/tokens`): the server reads it from this header
                req = req.header("Authorization", format!("Bearer {t}"));
            }
        }
        let mut resp = req.call().map_err(|e| HttpError {
            unreachable: true,
            message: format!("profclaw server {} did not answer: {e}", self.base),
        })?;
        let status = resp.status().as_u16();
        match status {
            200..=299 => {}
            404 => return Ok(Fetched::NotFound),
            401 | 403 => {
                return Err(HttpError::other(format!(
                    "profclaw server {} refused access (HTTP {status}): set [agents.profclaw] \
                     token to a session or API token",
                    self.base
                )));
            }
            _ => {
                return Err(HttpError::other(format!(
                    "profclaw server {} answered HTTP {status} for {path}",
                    self.base
                )));
            }
        }
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(|e| HttpError {
                unreachable: true,
                message: format!("profclaw server {}: reading {path}: {e}", self.base),
            })?;
        serde_json::from_slice(&body)
            .map(Fetched::Json)
            .map_err(|e| {
                HttpError::other(format!(
                    "profclaw server {}: {path} is not JSON ({e}); is this a profclaw server?",
                    self.base
                ))
            })
    }

    /// A request that must succeed (the list).
    fn get_json(&self, path: &str) -> Result<Value, String> {
        match self.get(path).map_err(|e| e.message)? {
            Fetched::Json(v) => Ok(v),
            Fetched::NotFound => Err(format!(
                "profclaw server {} has no {path} (HTTP 404); is this a profclaw server?",
                self.base
            )),
        }
    }
}

/// The signature of a conversation as listed: changes when it gets a message or a new title.
fn list_signature(c: &Value) -> u64 {
    let mut h = String::new();
    for k in ["id", "title", "createdAt", "updatedAt"] {
        h.push_str(&c.get(k).map(Value::to_string).unwrap_or_default());
        h.push('\u{1f}');
    }
    fnv1a(h.as_bytes())
}

// ---------------------------------------------------------------------------------------------
// The normalised rows both stores give

/// One conversation.
#[derive(Debug, Clone, Default)]
struct ConvRec {
    id: String,
    title: Option<String>,
    created_at: Option<DateTime<Utc>>,
    updated_at: Option<DateTime<Utc>>,
    status: Option<String>,
}

/// `tool_calls` as stored: text in the database, JSON from the API.
#[derive(Debug, Clone)]
enum ToolCallsRaw {
    Text(String),
    Json(Value),
}

/// One `conversation_messages` row.
#[derive(Debug, Clone, Default)]
struct MsgRec {
    /// Record number for issues (the row id, or the position in the API answer).
    rec: Option<u64>,
    id: Option<String>,
    role: Option<String>,
    content: String,
    model: Option<String>,
    time: Option<DateTime<Utc>>,
    prompt: Option<u64>,
    completion: Option<u64>,
    cost: Option<f64>,
    tool_calls: Option<ToolCallsRaw>,
}

/// The parser state: a signature per conversation read so far.
#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    version: u32,
    sigs: BTreeMap<String, u64>,
    /// The previous run skipped records: read everything again (issues are kept per store).
    issues: bool,
}

impl State {
    /// The previous state, when it can be built on.
    fn load(bytes: Option<&[u8]>) -> Option<State> {
        let s: State = serde_json::from_slice(bytes?).ok()?;
        (s.version == STATE_VERSION && !s.issues).then_some(s)
    }
}

/// Write one conversation: its messages (replacing what was there) and its metadata.
fn emit(conv: &ConvRec, rows: &[MsgRec], sink: &mut Sink) {
    let (msgs, first_prompt) = messages(&conv.id, rows, sink);
    let uid = conv.id.as_str();
    let n = msgs.len() as u32;
    for (i, m) in msgs.into_iter().enumerate() {
        sink.put(uid, true, i as u32, m);
    }
    sink.truncate(uid, true, n);
    let title = conv
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    sink.meta(
        uid,
        SessionMeta {
            id: conv.id.clone(),
            title_rank: if title.is_some() { rank::GENERATED } else { 0 },
            title,
            first_prompt,
            cwd: None,
            started_at: conv.created_at,
            updated_at: conv.updated_at,
            status: conv.status.clone(),
            ..Default::default()
        },
    );
}

/// The transcript of one conversation, and its first prompt.
fn messages(conv_id: &str, rows: &[MsgRec], sink: &mut Sink) -> (Vec<Message>, Option<String>) {
    let mut out: Vec<Message> = Vec::new();
    let mut first_prompt: Option<String> = None;
    for r in rows {
        let Some(role) = r.role.as_deref() else {
            sink.issue(
                r.rec,
                IssueKind::WrongShape,
                format!("conversation {conv_id}: message without a role"),
            );
            continue;
        };
        match role {
            "user" => {
                let mut m = Message::new(Role::User);
                m.time = r.time;
                m.native_id = r.id.clone();
                if !r.content.is_empty() {
                    m.blocks.push(Block::text(r.content.clone()));
                    if first_prompt.is_none() {
                        first_prompt = util::title_from(&r.content);
                    }
                }
                out.push(m);
            }
            "system" => {
                let mut m = Message::new(Role::System);
                m.time = r.time;
                m.native_id = r.id.clone();
                m.blocks.push(Block::Notice {
                    kind: "system".into(),
                    text: r.content.clone(),
                });
                out.push(m);
            }
            "assistant" => assistant(conv_id, r, &mut out, sink),
            other => sink.issue(
                r.rec,
                IssueKind::UnknownType,
                format!(
                    "conversation {conv_id}: message role '{}'",
                    crate::sanitize::truncate_chars(other, 40)
                ),
            ),
        }
    }
    (out, first_prompt)
}

/// An assistant row: tool calls, their results, then the text (with usage and cost).
fn assistant(conv_id: &str, r: &MsgRec, out: &mut Vec<Message>, sink: &mut Sink) {
    let usage = (r.prompt.is_some() || r.completion.is_some()).then(|| TokenUsage {
        input: r.prompt.unwrap_or(0),
        output: r.completion.unwrap_or(0),
        ..Default::default()
    });
    let (calls, results) = tool_calls(conv_id, r, sink);
    let base = || {
        let mut m = Message::new(Role::Assistant);
        m.time = r.time;
        m.model = r.model.clone();
        m
    };
    let has_text = !r.content.is_empty();
    if !calls.is_empty() {
        let mut m = base();
        m.blocks = calls;
        if !has_text {
            m.usage = usage;
            m.cost_usd = r.cost;
            m.native_id = r.id.clone();
        }
        out.push(m);
        if !results.is_empty() {
            let mut t = Message::new(Role::Tool);
            t.time = r.time;
            t.blocks = results;
            out.push(t);
        }
        if !has_text {
            return;
        }
    }
    let mut m = base();
    if has_text {
        m.blocks.push(Block::text(r.content.clone()));
    }
    m.usage = usage;
    m.cost_usd = r.cost;
    m.native_id = r.id.clone();
    out.push(m);
}

/// `tool_calls` of a row: the call blocks and the result blocks.
fn tool_calls(conv_id: &str, r: &MsgRec, sink: &mut Sink) -> (Vec<Block>, Vec<Block>) {
    let mut calls = Vec::new();
    let mut results = Vec::new();
    let value = match &r.tool_calls {
        None => return (calls, results),
        Some(ToolCallsRaw::Text(t)) if t.trim().is_empty() => return (calls, results),
        Some(ToolCallsRaw::Text(t)) => match serde_json::from_str::<Value>(t) {
            Ok(v) => v,
            Err(e) => {
                sink.issue(
                    r.rec,
                    IssueKind::InvalidJson,
                    format!("conversation {conv_id}: tool_calls: {e}"),
                );
                return (calls, results);
            }
        },
        Some(ToolCallsRaw::Json(v)) => v.clone(),
    };
    let items = match value {
        Value::Null => return (calls, results),
        Value::Array(a) => a,
        _ => {
            sink.issue(
                r.rec,
                IssueKind::WrongShape,
                format!("conversation {conv_id}: tool_calls is not a list"),
            );
            return (calls, results);
        }
    };
    let msg_id = r.id.as_deref().unwrap_or("message");
    for (i, item) in items.iter().enumerate() {
        let Some(name) = item
            .is_object()
            .then(|| util::str_of(item, "name"))
            .flatten()
        else {
            sink.issue(
                r.rec,
                IssueKind::WrongShape,
                format!("conversation {conv_id}: tool call {} without a name", i + 1),
            );
            continue;
        };
        let id = util::str_of(item, "id")
            .map(str::to_string)
            .unwrap_or_else(|| format!("{msg_id}:{i}"));
        calls.push(Block::ToolCall {
            id: id.clone(),
            name: name.to_string(),
            input: item.get("arguments").cloned().unwrap_or(Value::Null),
        });
        let status = util::str_of(item, "status").unwrap_or("");
        let result = item.get("result").filter(|v| !v.is_null());
        let failed = matches!(status, "error" | "failed")
            || result.is_some_and(|v| v.get("success") == Some(&Value::Bool(false)));
        // pending or running calls have no result yet
        if result.is_none() && !matches!(status, "success" | "error" | "failed") {
            continue;
        }
        let output = match result {
            Some(v) => tool_output(v),
            None => util::str_of(item, "error").unwrap_or("").to_string(),
        };
        results.push(Block::ToolResult {
            call_id: id,
            output,
            is_error: failed,
        });
    }
    (calls, results)
}

/// A tool result as text: a string as is, a command's stdout and stderr, an error's message,
/// anything else as JSON.
fn tool_output(v: &Value) -> String {
    if let Some(s) = v.as_str() {
        return s.to_string();
    }
    if v.is_object() {
        let stdout = v.get("stdout").and_then(Value::as_str);
        let stderr = v.get("stderr").and_then(Value::as_str).unwrap_or("");
        if let Some(out) = stdout {
            let mut s = out.to_string();
            if !stderr.is_empty() {
                if !s.is_empty() && !s.ends_with('\n') {
                    s.push('\n');
                }
                s.push_str(stderr);
            }
            return s;
        }
        let keys: Vec<&str> = v
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        if let Some(err) = v.get("error").and_then(Value::as_str)
            && keys.iter().all(|k| matches!(*k, "error" | "success"))
        {
            return err.to_string();
        }
    }
    serde_json::to_string_pretty(v).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// The database

struct DbParser;

/// What one read of the database gives.
#[derive(Default)]
struct DbRead {
    /// Why nothing could be read (a database without any table: not profclaw's yet).
    unusable: Option<String>,
    /// Every conversation with its signature.
    convs: Vec<(ConvRec, u64)>,
    /// Messages of the conversations that changed.
    rows: HashMap<String, Vec<MsgRec>>,
}

fn text_of(v: ValueRef) -> Option<String> {
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
    }
}

fn count_of_sql(v: ValueRef) -> Option<u64> {
    match v {
        ValueRef::Integer(i) => Some(i.max(0) as u64),
        ValueRef::Real(f) => Some(util::count(Some(&serde_json::json!(f)))),
        ValueRef::Text(t) => std::str::from_utf8(t).ok()?.trim().parse().ok(),
        _ => None,
    }
}

fn real_of(v: ValueRef) -> Option<f64> {
    let f = match v {
        ValueRef::Integer(i) => i as f64,
        ValueRef::Real(f) => f,
        ValueRef::Text(t) => std::str::from_utf8(t).ok()?.trim().parse().ok()?,
        _ => return None,
    };
    (f.is_finite() && f >= 0.0).then_some(f)
}

fn time_of(v: ValueRef) -> Option<DateTime<Utc>> {
    match v {
        ValueRef::Integer(i) => time_from_epoch(i as f64),
        ValueRef::Real(f) => time_from_epoch(f),
        ValueRef::Text(t) => parse_time(std::str::from_utf8(t).ok()?),
        _ => None,
    }
}

/// `col` when the table has it, else `NULL` (older schemas lack `tool_calls`).
fn col(have: &[String], name: &str) -> String {
    if have.iter().any(|c| c == name) {
        format!("\"{name}\"")
    } else {
        "NULL".into()
    }
}

/// The latest agent run of each conversation: its state.
fn run_states(conn: &rusqlite::Connection) -> rusqlite::Result<HashMap<String, String>> {
    let mut out: HashMap<String, (Option<DateTime<Utc>>, i64, String)> = HashMap::new();
    if !sqlite::has_table(conn, "agent_sessions")? {
        return Ok(HashMap::new());
    }
    let have = sqlite::columns(conn, "agent_sessions")?;
    if !have.iter().any(|c| c == "conversation_id") || !have.iter().any(|c| c == "status") {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT conversation_id, status, {}, {}, {}, {}, rowid FROM agent_sessions",
        col(&have, "updated_at"),
        col(&have, "completed_at"),
        col(&have, "started_at"),
        col(&have, "created_at"),
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let Some(conv) = text_of(r.get_ref(0)?) else {
            continue;
        };
        let Some(status) = text_of(r.get_ref(1)?)
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
        else {
            continue;
        };
        let mut t: Option<DateTime<Utc>> = None;
        for i in 2..6 {
            t = t.max(time_of(r.get_ref(i)?));
        }
        let rowid: i64 = r.get(6)?;
        let newer = out
            .get(&conv)
            .is_none_or(|(pt, prow, _)| (t, rowid) > (*pt, *prow));
        if newer {
            out.insert(conv, (t, rowid, status));
        }
    }
    Ok(out.into_iter().map(|(k, (_, _, s))| (k, s)).collect())
}

fn read_db(conn: &rusqlite::Connection, prev: &BTreeMap<String, u64>) -> rusqlite::Result<DbRead> {
    let mut out = DbRead::default();
    if !sqlite::has_table(conn, "conversations")? {
        // the chat tables are created on first use of the chat; a database without any table
        // (an empty file) is not profclaw's at all
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        if tables == 0 {
            out.unusable = Some("an empty database, without profclaw's tables".into());
        }
        return Ok(out);
    }
    let cc = sqlite::columns(conn, "conversations")?;
    if !cc.iter().any(|c| c == "id") {
        return Ok(out);
    }
    let mc = if sqlite::has_table(conn, "conversation_messages")? {
        sqlite::columns(conn, "conversation_messages")?
    } else {
        Vec::new()
    };
    let has_messages = mc.iter().any(|c| c == "conversation_id");
    let states = run_states(conn)?;

    // a signature per conversation from aggregates over its messages
    let mut aggs: HashMap<String, String> = HashMap::new();
    if has_messages {
        let sql = format!(
            "SELECT conversation_id, count(*), max(rowid), max({ca}), total(length({content})),
                    total(length({tc})), total({pt}), total({ct}), total({cost}),
                    group_concat(length({role}) || coalesce({model}, ''), ',')
             FROM conversation_messages GROUP BY conversation_id",
            ca = col(&mc, "created_at"),
            content = col(&mc, "content"),
            tc = col(&mc, "tool_calls"),
            pt = col(&mc, "prompt_tokens"),
            ct = col(&mc, "completion_tokens"),
            cost = col(&mc, "cost"),
            role = col(&mc, "role"),
            model = col(&mc, "model"),
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let Some(conv) = text_of(r.get_ref(0)?) else {
                continue;
            };
            let mut sig = String::new();
            for i in 1..10 {
                sig.push_str(&format!("{:?}\u{1f}", r.get_ref(i)?));
            }
            aggs.insert(conv, sig);
        }
    }

    let sql = format!(
        "SELECT id, {}, {}, {} FROM conversations ORDER BY rowid",
        col(&cc, "title"),
        col(&cc, "created_at"),
        col(&cc, "updated_at")
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([])?;
    let mut seen: HashSet<String> = HashSet::new();
    while let Some(r) = rows.next()? {
        let Some(id) = text_of(r.get_ref(0)?).filter(|s| !s.trim().is_empty()) else {
            continue;
        };
        if !seen.insert(id.clone()) {
            continue;
        }
        let conv = ConvRec {
            title: text_of(r.get_ref(1)?),
            created_at: time_of(r.get_ref(2)?),
            updated_at: time_of(r.get_ref(3)?),
            status: states.get(&id).cloned(),
            id,
        };
        let mut s = format!(
            "{:?}\u{1f}{:?}\u{1f}{:?}\u{1f}{:?}\u{1f}",
            r.get_ref(1)?,
            r.get_ref(2)?,
            r.get_ref(3)?,
            conv.status
        );
        s.push_str(aggs.get(&conv.id).map(String::as_str).unwrap_or(""));
        let sig = fnv1a(s.as_bytes());
        out.convs.push((conv, sig));
    }
    drop(rows);
    drop(stmt);

    if !has_messages {
        for (conv, sig) in &out.convs {
            if prev.get(&conv.id) != Some(sig) {
                out.rows.insert(conv.id.clone(), Vec::new());
            }
        }
    } else {
        let sql = format!(
            "SELECT rowid, {}, {}, {}, {}, {}, {}, {}, {}, {}, {} FROM conversation_messages
             WHERE conversation_id = ?1 ORDER BY {} , rowid",
            col(&mc, "id"),
            col(&mc, "role"),
            col(&mc, "content"),
            col(&mc, "model"),
            col(&mc, "prompt_tokens"),
            col(&mc, "completion_tokens"),
            col(&mc, "cost"),
            col(&mc, "tool_calls"),
            col(&mc, "created_at"),
            col(&mc, "total_tokens"),
            col(&mc, "created_at"),
        );
        let mut stmt = conn.prepare(&sql)?;
        for (conv, sig) in &out.convs {
            if prev.get(&conv.id) == Some(sig) {
                continue;
            }
            let mut list = Vec::new();
            let mut rows = stmt.query([&conv.id])?;
            while let Some(r) = rows.next()? {
                let rowid: i64 = r.get(0)?;
                let tool_calls = text_of(r.get_ref(8)?).map(ToolCallsRaw::Text);
                let prompt = count_of_sql(r.get_ref(5)?);
                let completion = count_of_sql(r.get_ref(6)?);
                let total = count_of_sql(r.get_ref(10)?);
                // only a total: its split is unknown, count it as input
                let prompt = match (prompt, completion, total) {
                    (None, None, Some(t)) if t > 0 => Some(t),
                    _ => prompt,
                };
                list.push(MsgRec {
                    rec: Some(rowid.max(0) as u64),
                    id: text_of(r.get_ref(1)?),
                    role: text_of(r.get_ref(2)?).map(|s| s.trim().to_ascii_lowercase()),
                    content: text_of(r.get_ref(3)?).unwrap_or_default(),
                    model: text_of(r.get_ref(4)?).filter(|s| !s.trim().is_empty()),
                    time: time_of(r.get_ref(9)?),
                    prompt,
                    completion,
                    cost: real_of(r.get_ref(7)?),
                    tool_calls,
                });
            }
            out.rows.insert(conv.id.clone(), list);
        }
    }
    Ok(out)
}

impl WholeParser for DbParser {
    fn parse(
        &mut self,
        store: &StoreRef,
        state: Option<&[u8]>,
        sink: &mut Sink,
    ) -> Result<Vec<u8>, SourceError> {
        let prev = State::load(state);
        let empty = BTreeMap::new();
        let prev_sigs = prev.as_ref().map(|p| &p.sigs).unwrap_or(&empty);
        let mut read = sqlite::read(&store.path, |conn| read_db(conn, prev_sigs))?;
        if let Some(why) = read.unusable.take() {
            sink.issue(None, IssueKind::WrongShape, why);
        }
        let mut next = State {
            version: STATE_VERSION,
            ..Default::default()
        };
        for (conv, sig) in &read.convs {
            next.sigs.insert(conv.id.clone(), *sig);
            if let Some(rows) = read.rows.remove(&conv.id) {
                emit(conv, &rows, sink);
            }
        }
        finish(prev.as_ref(), next, sink)
    }
}

/// Removals, completeness and the state to keep.
fn finish(prev: Option<&State>, mut next: State, sink: &mut Sink) -> Result<Vec<u8>, SourceError> {
    match prev {
        None => sink.complete = true,
        Some(p) => {
            for uid in p.sigs.keys() {
                if !next.sigs.contains_key(uid) {
                    sink.remove(uid);
                }
            }
        }
    }
    next.issues = !sink.issues.is_empty();
    Ok(serde_json::to_vec(&next).unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// The API

struct ApiParser {
    token: Option<String>,
}

fn api_conv(id: &str, v: &Value) -> ConvRec {
    let time = |k: &str| v.get(k).and_then(Value::as_str).and_then(parse_time);
    ConvRec {
        id: id.to_string(),
        title: v.get("title").and_then(Value::as_str).map(str::to_string),
        created_at: time("createdAt"),
        updated_at: time("updatedAt"),
        status: None,
    }
}

fn api_message(i: usize, v: &Value) -> MsgRec {
    let usage = v.get("tokenUsage").filter(|u| u.is_object());
    let tok = |k: &str| {
        usage
            .and_then(|u| u.get(k))
            .filter(|x| !x.is_null())
            .map(|x| util::count(Some(x)))
    };
    let (mut prompt, completion, total) = (tok("prompt"), tok("completion"), tok("total"));
    if prompt.is_none() && completion.is_none() && total.is_some_and(|t| t > 0) {
        prompt = total;
    }
    MsgRec {
        rec: Some(i as u64 + 1),
        id: v.get("id").and_then(Value::as_str).map(str::to_string),
        role: v
            .get("role")
            .and_then(Value::as_str)
            .map(|s| s.trim().to_ascii_lowercase()),
        content: v.get("content").map(util::content_text).unwrap_or_default(),
        model: util::str_of(v, "model")
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string),
        time: v.get("createdAt").and_then(|t| match t {
            Value::String(s) => parse_time(s),
            Value::Number(n) => n.as_f64().and_then(time_from_epoch),
            _ => None,
        }),
        prompt,
        completion,
        cost: v
            .get("cost")
            .and_then(Value::as_f64)
            .filter(|f| f.is_finite() && *f >= 0.0),
        tool_calls: v
            .get("toolCalls")
            .filter(|t| !t.is_null())
            .cloned()
            .map(ToolCallsRaw::Json),
    }
}

/// One page of the conversation list (`{conversations: […], total}`): the conversations not
/// seen before go to `out` with their signatures. Returns the page's length and the total the
/// server claims; `None` when the answer has no `conversations` list.
pub(crate) fn list_page(
    v: &Value,
    seen: &mut HashSet<String>,
    out: &mut Vec<(String, u64)>,
) -> Option<(usize, usize)> {
    let page = v.get("conversations").and_then(Value::as_array)?;
    for c in page {
        if let Some(id) = util::str_of(c, "id")
            && seen.insert(id.to_string())
        {
            out.push((id.to_string(), list_signature(c)));
        }
    }
    Some((page.len(), util::count_of(v, "total") as usize))
}

/// One conversation as the server answers it (`{conversation, messages: […]}`), written to
/// `sink`. `n` is its place in the list (0-based, for issues).
pub(crate) fn emit_answer(n: usize, id: &str, v: &Value, sink: &mut Sink) {
    let conv = api_conv(id, v.get("conversation").unwrap_or(&Value::Null));
    let rows: Vec<MsgRec> = match v.get("messages") {
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, m)| api_message(i, m))
            .collect(),
        _ => {
            sink.issue(
                Some(n as u64 + 1),
                IssueKind::WrongShape,
                format!("conversation {id}: the answer has no `messages` list"),
            );
            Vec::new()
        }
    };
    emit(&conv, &rows, sink);
}

impl ApiParser {
    /// Every conversation the server lists, with its list signature.
    fn list(&self, client: &Client) -> Result<Vec<(String, u64)>, String> {
        let mut out: Vec<(String, u64)> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut offset = 0usize;
        // bounded: a server that keeps answering full pages cannot keep the parser forever
        for _ in 0..100_000 {
            let v = client.get_json(&format!(
                "/api/chat/conversations?limit={PAGE}&offset={offset}"
            ))?;
            let before = out.len();
            let Some((len, total)) = list_page(&v, &mut seen, &mut out) else {
                return Err(format!(
                    "profclaw server {}: the conversation list has no `conversations`",
                    client.base
                ));
            };
            offset += len;
            // a server that ignores `offset` would answer the same page forever
            if len == 0 || offset >= total || out.len() == before {
                break;
            }
        }
        Ok(out)
    }
}

impl WholeParser for ApiParser {
    fn parse(
        &mut self,
        store: &StoreRef,
        state: Option<&[u8]>,
        sink: &mut Sink,
    ) -> Result<Vec<u8>, SourceError> {
        let base = store.path.to_string_lossy().into_owned();
        let fail = |message: String| SourceError::Store {
            path: store.path.clone(),
            message,
        };
        check_server_url(&base).map_err(fail)?;
        let client = Client::new(&base, self.token.clone(), FETCH_TIMEOUT);
        let listed = self.list(&client).map_err(fail)?;
        let prev = State::load(state);
        let mut next = State {
            version: STATE_VERSION,
            ..Default::default()
        };
        for (n, (id, sig)) in listed.iter().enumerate() {
            if prev.as_ref().and_then(|p| p.sigs.get(id)) == Some(sig) {
                next.sigs.insert(id.clone(), *sig);
                continue;
            }
            let path = format!("/api/chat/conversations/{}", path_segment(id));
            let v = match client.get(&path) {
                Ok(Fetched::Json(v)) => v,
                Ok(Fetched::NotFound) => continue, // deleted since it was listed
                Err(e) if e.unreachable => return Err(fail(e.message)),
                Err(e) => {
                    // this conversation only: keep what was indexed, try again next time
                    sink.issue(Some(n as u64 + 1), IssueKind::Unreadable, e.message);
                    if let Some(old) = prev.as_ref().and_then(|p| p.sigs.get(id)) {
                        next.sigs.insert(id.clone(), old.wrapping_add(1));
                    }
                    continue;
                }
            };
            emit_answer(n, id, &v, sink);
            next.sigs.insert(id.clone(), *sig);
        }
        finish(prev.as_ref(), next, sink)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Env};
    use crate::sources::{DiscoverCtx, Materialized, MsgOp, materialize, store_for};
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::path::Path;
    use std::sync::Arc;

    const A: &str = "5b1c7d2e-0a41-4f3e-9d7c-2f61a8e4b901";
    const B: &str = "c3e8a6f0-7b25-4d19-8e0a-94d2b5f71c33";
    const C: &str = "e07f4b19-2c6d-4a8e-b3f5-1d9c0a7e6b22";

    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/profclaw")
    }

    fn fixture_db() -> PathBuf {
        fixtures().join("server/data/profclaw.db")
    }

    fn db_store(p: &Path) -> StoreRef {
        store_for(Agent::Profclaw, p, StoreKind::Sqlite)
    }

    fn remote_store(url: &str) -> StoreRef {
        StoreRef {
            agent: Agent::Profclaw,
            path: PathBuf::from(url),
            kind: StoreKind::Remote,
            root: PathBuf::from(url),
            priority: 1,
        }
    }

    fn session<'a>(
        m: &'a Materialized,
        uid: &str,
    ) -> &'a (String, bool, Option<SessionMeta>, Vec<Message>) {
        m.sessions
            .iter()
            .find(|s| s.0 == uid)
            .unwrap_or_else(|| panic!("no session {uid}"))
    }

    fn roles(msgs: &[Message]) -> Vec<Role> {
        msgs.iter().map(|m| m.role).collect()
    }

    fn results(m: &Message) -> Vec<(String, String, bool)> {
        m.blocks
            .iter()
            .filter_map(|b| match b {
                Block::ToolResult {
                    call_id,
                    output,
                    is_error,
                } => Some((call_id.clone(), output.clone(), *is_error)),
                _ => None,
            })
            .collect()
    }

    fn call_names(m: &Message) -> Vec<String> {
        m.blocks
            .iter()
            .filter_map(|b| match b {
                Block::ToolCall { name, .. } => Some(name.clone()),
                _ => None,
            })
            .collect()
    }

    fn usage(m: &Message) -> (u64, u64) {
        let u = m.usage.expect("usage");
        assert_eq!((u.cache_read, u.cache_write, u.reasoning), (0, 0, 0));
        (u.input, u.output)
    }

    // ---- a tiny HTTP server for the API ----

    type Log = Arc<Mutex<Vec<String>>>;

    /// Serve `handler(path_and_query) -> (status, body)` on 127.0.0.1; every request head is
    /// logged.
    fn serve(handler: impl Fn(&str) -> (u16, String) + Send + 'static) -> (String, Log) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log: Log = Arc::new(Mutex::new(Vec::new()));
        let log2 = log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { continue };
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let target = head.split(' ').nth(1).unwrap_or("/").to_string();
                log2.lock().unwrap().push(head);
                let (status, body) = handler(&target);
                let _ = write!(
                    s,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        (url, log)
    }

    fn query_param(target: &str, key: &str) -> Option<usize> {
        let q = target.split_once('?')?.1;
        q.split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
            .and_then(|v| v.parse().ok())
    }

    /// The chat API over a folder of `list.json` + `conv-<id>.json`, `page` conversations per
    /// list answer whatever the limit asked.
    fn api(dir: PathBuf, page: usize) -> impl Fn(&str) -> (u16, String) + Send + 'static {
        move |target: &str| {
            let path = target.split('?').next().unwrap_or("");
            if path == "/api/chat/conversations" {
                let list: Value =
                    serde_json::from_slice(&std::fs::read(dir.join("list.json")).unwrap()).unwrap();
                let all = list["conversations"].as_array().unwrap().clone();
                let offset = query_param(target, "offset").unwrap_or(0);
                let items: Vec<Value> = all.iter().skip(offset).take(page).cloned().collect();
                let body = serde_json::json!({"conversations": items, "total": list["total"]});
                return (200, body.to_string());
            }
            if let Some(id) = path.strip_prefix("/api/chat/conversations/")
                && let Ok(b) = std::fs::read_to_string(dir.join(format!("conv-{id}.json")))
            {
                return (200, b);
            }
            (404, r#"{"error":"Conversation not found"}"#.into())
        }
    }

    /// A port nothing listens on.
    fn refused_url() -> String {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        drop(l);
        url
    }

    fn parse_whole(
        src: &ProfclawSource,
        store: &StoreRef,
        state: Option<&[u8]>,
    ) -> (Sink, Result<Vec<u8>, SourceError>) {
        let Parser::Whole(mut p) = src.parser(store) else {
            panic!("profclaw parsers are whole-store parsers")
        };
        let mut sink = Sink::default();
        let r = p.parse(store, state, &mut sink);
        (sink, r)
    }

    // ---- the database ----

    #[test]
    fn database_conversations_become_sessions_with_tools_tokens_cost_and_status() {
        let m = materialize(&ProfclawSource::default(), &db_store(&fixture_db())).unwrap();
        assert!(m.issues.is_empty(), "{:?}", m.issues);
        assert_eq!(m.sessions.len(), 3);

        let (_, primary, meta, msgs) = session(&m, A);
        assert!(primary);
        let meta = meta.as_ref().unwrap();
        assert_eq!(meta.id, A);
        assert_eq!(
            meta.title.as_deref(),
            Some("Why does the build fail on CI but not locally? It...")
        );
        assert_eq!(meta.title_rank, rank::GENERATED);
        assert_eq!(
            meta.first_prompt.as_deref(),
            Some("Why does the build fail on CI but not locally? It says `node: not found` 🤔")
        );
        assert_eq!(meta.cwd, None, "profclaw stores no working directory");
        assert_eq!(meta.status.as_deref(), Some("running"));
        assert!(!meta.no_token_usage);
        assert_eq!(
            meta.started_at,
            parse_time("2026-11-20T09:00:00.000Z"),
            "created_at"
        );
        assert_eq!(meta.updated_at, parse_time("2026-11-20T09:02:10.250Z"));
        assert_eq!(
            roles(msgs),
            vec![
                Role::User,
                Role::Assistant,
                Role::User,
                Role::Assistant, // the two parallel calls
                Role::Tool,      // their results
                Role::Assistant, // the final answer of the turn
            ]
        );
        assert!(msgs[0].is_prompt() && msgs[2].is_prompt());
        // the plain reply: its own model, tokens and the recorded cost
        assert_eq!(msgs[1].model.as_deref(), Some("gpt-4o"));
        assert_eq!(usage(&msgs[1]), (812, 64));
        assert_eq!(msgs[1].cost_usd, Some(0.00267));
        assert_eq!(
            msgs[1].native_id.as_deref(),
            Some("a0000001-0000-4000-8000-000000000002")
        );
        // the agentic turn: calls, then results (the failed command is an error), then text
        assert_eq!(call_names(&msgs[3]), vec!["exec", "exec"]);
        assert_eq!(msgs[3].usage, None, "the turn's usage is counted once");
        match &msgs[3].blocks[0] {
            Block::ToolCall { id, input, .. } => {
                assert_eq!(id, "call_a1");
                assert_eq!(input["command"], "node --version");
            }
            b => panic!("{b:?}"),
        }
        assert_eq!(
            results(&msgs[4]),
            vec![
                ("call_a1".into(), "v22.11.0\n".into(), false),
                ("call_a2".into(), "Command exited with code 1".into(), true),
            ]
        );
        assert!(!msgs[4].is_prompt());
        assert_eq!(usage(&msgs[5]), (3120, 188));
        assert_eq!(msgs[5].cost_usd, None);
        assert_eq!(msgs[5].model.as_deref(), Some("openai"));
        assert!(
            msgs[5]
                .plain_text()
                .starts_with("Local Node is **v22.11.0**")
        );
        assert_eq!(msgs[5].time, parse_time("2026-11-20T09:02:10.250Z"));

        let (_, _, meta, msgs) = session(&m, B);
        // the latest run failed (an earlier one completed)
        assert_eq!(meta.as_ref().unwrap().status.as_deref(), Some("failed"));
        assert_eq!(
            roles(msgs),
            vec![Role::System, Role::User, Role::Assistant, Role::Tool]
        );
        assert!(
            matches!(&msgs[0].blocks[0], Block::Notice { kind, text } if kind == "system" && text.contains("compacted"))
        );
        // a final row without text: its usage sits on the tool-call message
        assert_eq!(call_names(&msgs[2]), vec!["list_tickets", "web_fetch"]);
        assert_eq!(usage(&msgs[2]), (1450, 40));
        // the pending call has no result yet; a JSON result is shown as JSON
        let r = results(&msgs[3]);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, "call_b1");
        assert!(
            r[0].1.contains("\"PC-7\"") && r[0].1.contains("安装"),
            "{}",
            r[0].1
        );

        let (_, _, meta, msgs) = session(&m, C);
        assert!(msgs.is_empty());
        let meta = meta.as_ref().unwrap();
        assert_eq!(meta.title.as_deref(), Some("New conversation"));
        assert_eq!(meta.first_prompt, None);
        assert_eq!(meta.status.as_deref(), Some("queued"));
    }

    #[test]
    fn tool_outputs_read_as_text() {
        assert_eq!(tool_output(&serde_json::json!("plain")), "plain");
        assert_eq!(
            tool_output(
                &serde_json::json!({"status":"completed","exitCode":1,"stdout":"a","stderr":"boom"})
            ),
            "a\nboom"
        );
        assert_eq!(
            tool_output(&serde_json::json!({"success":false,"error":"Command exited with code 2"})),
            "Command exited with code 2"
        );
        let v = serde_json::json!({"path":"notes.md","size":96,"appended":false});
        assert_eq!(tool_output(&v), serde_json::to_string_pretty(&v).unwrap());
    }

    #[test]
    fn a_database_without_chat_tables_has_no_sessions_and_junk_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("other.db");
        let c = rusqlite::Connection::open(&p).unwrap();
        c.execute_batch("CREATE TABLE settings(key TEXT, value TEXT);")
            .unwrap();
        drop(c);
        let m = materialize(&ProfclawSource::default(), &db_store(&p)).unwrap();
        assert!(m.sessions.is_empty() && m.issues.is_empty());
        let junk = dir.path().join("junk.db");
        std::fs::write(
            &junk,
            b"this is not a database, just some bytes of text here",
        )
        .unwrap();
        assert!(materialize(&ProfclawSource::default(), &db_store(&junk)).is_err());
    }

    #[test]
    fn the_database_is_read_incrementally() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("profclaw.db");
        std::fs::copy(fixture_db(), &p).unwrap();
        let src = ProfclawSource::default();
        let store = db_store(&p);
        let (sink, state) = parse_whole(&src, &store, None);
        let state = state.unwrap();
        assert!(sink.complete);
        let mut indexed = Materialized::default();
        indexed.apply(sink);

        // nothing changed: nothing is read again
        let (sink, state2) = parse_whole(&src, &store, Some(&state));
        assert!(sink.is_empty() && !sink.complete && sink.removed.is_empty());
        assert_eq!(state2.unwrap(), state);

        // the server adds a message to A, deletes C, creates D, and a run of B finishes
        let c = rusqlite::Connection::open(&p).unwrap();
        c.execute_batch(&format!(
            "INSERT INTO conversation_messages VALUES ('a5','{A}','user','And on macOS?',NULL,NULL,NULL,NULL,NULL,NULL,NULL,'2026-11-20T10:00:00.000Z');
             UPDATE conversations SET updated_at = '2026-11-20T10:00:00.000Z' WHERE id = '{A}';
             DELETE FROM conversations WHERE id = '{C}';
             INSERT INTO conversations VALUES ('d1','Hello','profclaw-assistant',NULL,NULL,NULL,'2026-11-23T08:00:00.000Z','2026-11-23T08:00:01.000Z');
             INSERT INTO conversation_messages VALUES ('d1m','d1','user','Hello',NULL,NULL,NULL,NULL,NULL,NULL,NULL,'2026-11-23T08:00:01.000Z');
             INSERT INTO agent_sessions(id, conversation_id, name, status, created_at, updated_at) VALUES ('run-b-3','{B}','agentic-chat','completed',1795272000000,1795272000000);"
        ))
        .unwrap();
        drop(c);
        let (sink, state3) = parse_whole(&src, &store, Some(&state));
        state3.unwrap();
        assert!(!sink.complete);
        let mut touched: Vec<&str> = sink.sessions.iter().map(|s| s.uid.as_str()).collect();
        touched.sort();
        assert_eq!(touched, vec![A, B, "d1"], "only what changed is read");
        assert_eq!(sink.removed, vec![C.to_string()]);
        indexed.apply(sink);

        // the same as reading the changed database from scratch
        let fresh = materialize(&src, &store).unwrap();
        assert_eq!(indexed.sessions.len(), 3);
        for s in &fresh.sessions {
            assert_eq!(session(&indexed, &s.0), s, "{}", s.0);
        }
        assert_eq!(session(&fresh, A).3.len(), 7);
        assert_eq!(
            session(&fresh, B).2.as_ref().unwrap().status.as_deref(),
            Some("completed")
        );
    }

    /// A database whose rows have every wrong type SQLite allows.
    fn mangled_db(dir: &Path) -> PathBuf {
        let p = dir.join("mangled.db");
        let c = rusqlite::Connection::open(&p).unwrap();
        c.execute_batch(
            "CREATE TABLE conversations (id, title, created_at, updated_at);
             CREATE TABLE conversation_messages (id, conversation_id, role, content, model, prompt_tokens,
                 completion_tokens, total_tokens, cost, tool_calls, created_at);
             CREATE TABLE agent_sessions (conversation_id, status, updated_at);
             INSERT INTO conversations VALUES ('m1', NULL, 1795165200, X'00FF');
             INSERT INTO conversations VALUES (NULL, 'no id', NULL, NULL);
             INSERT INTO conversations VALUES (42, 7, 'yesterday', 3.5);
             INSERT INTO conversations VALUES ('m1', 'duplicate id', NULL, NULL);
             INSERT INTO agent_sessions VALUES ('m1', NULL, NULL);
             INSERT INTO agent_sessions VALUES ('m1', '  RUNNING ', 'x');
             INSERT INTO agent_sessions VALUES (NULL, 'failed', 1);
             INSERT INTO conversation_messages VALUES ('u1','m1','user',X'48690A',NULL,NULL,NULL,NULL,NULL,NULL,'2026-11-20T09:00:00Z');
             INSERT INTO conversation_messages VALUES ('x1','m1','robot','beep',NULL,NULL,NULL,NULL,NULL,NULL,'2026-11-20T09:00:01Z');
             INSERT INTO conversation_messages VALUES ('x2','m1',NULL,'no role',NULL,NULL,NULL,NULL,NULL,NULL,'2026-11-20T09:00:02Z');
             INSERT INTO conversation_messages VALUES ('x3','m1','assistant','bad calls','m',-5,'12',NULL,'0.5','[{\"id\":1,','2026-11-20T09:00:03Z');
             INSERT INTO conversation_messages VALUES ('x4','m1','assistant','not a list',NULL,1e300,NULL,NULL,-1,'{\"id\":\"c\"}','2026-11-20T09:00:04Z');
             INSERT INTO conversation_messages VALUES ('x5','m1','assistant','odd items',NULL,NULL,NULL,77,NULL,'[1,null,{\"id\":\"c1\"},{\"name\":\"exec\",\"status\":\"running\"},{\"name\":\"exec\",\"status\":\"error\"},{\"name\":\"exec\",\"result\":\"ok\"}]','2026-11-20T09:00:05Z');
             INSERT INTO conversation_messages VALUES ('x6','42','user',NULL,NULL,NULL,NULL,NULL,NULL,'',1795165206000);
             INSERT INTO conversation_messages VALUES ('x7',NULL,'user','orphan',NULL,NULL,NULL,NULL,NULL,NULL,NULL);",
        )
        .unwrap();
        p
    }

    #[test]
    fn mangled_database_rows_are_skipped_and_reported_never_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let p = mangled_db(dir.path());
        let m = materialize(&ProfclawSource::default(), &db_store(&p)).unwrap();
        let ids: Vec<&str> = m.sessions.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(ids, vec!["m1", "42"], "rows without an id are skipped");
        let (_, _, meta, msgs) = session(&m, "m1");
        let meta = meta.as_ref().unwrap();
        assert_eq!(meta.status.as_deref(), Some("running"));
        assert_eq!(meta.title, None);
        assert_eq!(meta.first_prompt.as_deref(), Some("Hi"));
        assert!(meta.started_at.is_some(), "epoch seconds are a time");
        // u1, x3, x4, x5 (calls + results + text); the robot and the role-less row are skipped
        let kinds: Vec<(IssueKind, Option<u64>)> =
            m.issues.iter().map(|i| (i.kind, i.line)).collect();
        assert_eq!(
            kinds,
            vec![
                (IssueKind::UnknownType, Some(2)),
                (IssueKind::WrongShape, Some(3)),
                (IssueKind::InvalidJson, Some(4)),
                (IssueKind::WrongShape, Some(5)),
                (IssueKind::WrongShape, Some(6)),
                (IssueKind::WrongShape, Some(6)),
                (IssueKind::WrongShape, Some(6)),
            ],
            "{:?}",
            m.issues
        );
        assert_eq!(msgs[0].plain_text(), "Hi\n");
        let x3 = &msgs[1];
        assert_eq!(x3.plain_text(), "bad calls");
        assert_eq!(usage(x3), (0, 12));
        assert_eq!(x3.cost_usd, Some(0.5));
        let x4 = &msgs[2];
        assert_eq!(usage(x4), (u64::MAX, 0));
        assert_eq!(x4.cost_usd, None);
        // x5: three named calls; the running one has no result, the error one is an error
        assert_eq!(call_names(&msgs[3]), vec!["exec", "exec", "exec"]);
        assert_eq!(
            results(&msgs[4]),
            vec![
                ("x5:4".into(), "".into(), true),
                ("x5:5".into(), "ok".into(), false)
            ]
        );
        assert_eq!(usage(&msgs[5]), (77, 0), "only a total: counted as input");
        assert_eq!(msgs.len(), 6);
        let (_, _, _, msgs42) = session(&m, "42");
        assert_eq!(roles(msgs42), vec![Role::User]);
        assert!(!msgs42[0].is_prompt());
        assert!(msgs42[0].time.is_some(), "epoch milliseconds are a time");

        // every mangled variant of the real tool_calls values parses without a panic
        use crate::sources::mangle::{Rng, variants};
        let real = rusqlite::Connection::open_with_flags(
            fixture_db(),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        let calls: Vec<String> = real
            .prepare("SELECT tool_calls FROM conversation_messages WHERE tool_calls IS NOT NULL")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut rng = Rng(0x9f0c_1a2b_3c4d_5e6f);
        for tc in calls {
            for bad in variants(tc.as_bytes(), &mut rng) {
                let row = MsgRec {
                    role: Some("assistant".into()),
                    content: "x".into(),
                    tool_calls: Some(ToolCallsRaw::Text(
                        String::from_utf8_lossy(&bad).into_owned(),
                    )),
                    ..Default::default()
                };
                let mut sink = Sink::default();
                let (msgs, _) = messages("m", &[row], &mut sink);
                assert!(!msgs.is_empty(), "the text is kept whatever the calls");
            }
        }
    }

    #[test]
    fn an_old_schema_without_tool_calls_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("old.db");
        let c = rusqlite::Connection::open(&p).unwrap();
        c.execute_batch(
            "CREATE TABLE conversations (id TEXT PRIMARY KEY, title TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
             INSERT INTO conversations VALUES ('o1','Old one','2026-01-01T00:00:00.000Z','2026-01-01T00:00:00.000Z');
             INSERT INTO conversations VALUES ('o2','Empty','2026-01-02T00:00:00.000Z','2026-01-02T00:00:00.000Z');
             CREATE TABLE conversation_messages (id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, role TEXT NOT NULL,
                 content TEXT NOT NULL, model TEXT, provider TEXT, prompt_tokens INTEGER, completion_tokens INTEGER,
                 total_tokens INTEGER, cost REAL, created_at TEXT NOT NULL);
             INSERT INTO conversation_messages VALUES ('1','o1','user','hi',NULL,NULL,NULL,NULL,NULL,NULL,'2026-01-01T00:00:01.000Z');
             INSERT INTO conversation_messages VALUES ('2','o1','assistant','hello','gpt-4o','openai',10,2,12,0.001,'2026-01-01T00:00:02.000Z');",
        )
        .unwrap();
        drop(c);
        let m = materialize(&ProfclawSource::default(), &db_store(&p)).unwrap();
        assert!(m.issues.is_empty());
        assert_eq!(
            roles(&session(&m, "o1").3),
            vec![Role::User, Role::Assistant]
        );
        assert!(session(&m, "o2").3.is_empty());
        assert_eq!(
            session(&m, "o1").2.as_ref().unwrap().status,
            None,
            "no agent_sessions table"
        );
    }

    // ---- the API ----

    #[test]
    fn the_api_gives_the_same_sessions_as_the_database() {
        let (url, log) = serve(api(fixtures().join("api"), 100));
        let src = ProfclawSource::default();
        let from_api = materialize(&src, &remote_store(&url)).unwrap();
        let from_db = materialize(&src, &db_store(&fixture_db())).unwrap();
        assert!(from_api.issues.is_empty(), "{:?}", from_api.issues);
        assert_eq!(from_api.sessions.len(), 3);
        for (uid, primary, meta, msgs) in &from_db.sessions {
            let (_, p2, meta2, msgs2) = session(&from_api, uid);
            assert_eq!(primary, p2);
            assert_eq!(msgs, msgs2, "{uid}");
            let mut meta = meta.clone().unwrap();
            meta.status = None; // agent runs are not part of the chat API
            assert_eq!(Some(meta), *meta2, "{uid}");
        }
        // one list request and one per conversation, nothing else
        let heads = log.lock().unwrap().clone();
        assert_eq!(heads.len(), 4, "{heads:?}");
        assert!(heads[0].starts_with("GET /api/chat/conversations?limit=100&offset=0 "));
        assert!(
            heads
                .iter()
                .all(|h| !h.to_ascii_lowercase().contains("cookie:")),
            "no token, no cookie"
        );
    }

    #[test]
    fn the_api_is_paged_until_total_and_the_token_is_sent() {
        let (url, log) = serve(api(fixtures().join("api"), 1));
        let src = ProfclawSource::with_token(&format!("{url}/"), "s3cr3t");
        let m = materialize(&src, &remote_store(&url)).unwrap();
        assert_eq!(m.sessions.len(), 3);
        let heads = log.lock().unwrap().clone();
        let lists: Vec<&String> = heads
            .iter()
            .filter(|h| h.starts_with("GET /api/chat/conversations?"))
            .collect();
        assert_eq!(lists.len(), 3, "one conversation per page, three in all");
        assert!(lists[2].contains("offset=2"));
        for h in &heads {
            assert!(h.contains("ookie: profclaw_session=s3cr3t\r\n"), "{h}");
            assert!(!h.to_ascii_lowercase().contains("authorization:"));
        }
        // a server that ignores `offset` does not keep the parser paging forever
        let inner = api(fixtures().join("api"), 1);
        let (url, _) = serve(move |t| inner(t.split("&offset").next().unwrap_or(t)));
        let m = materialize(&ProfclawSource::default(), &remote_store(&url)).unwrap();
        assert_eq!(m.sessions.len(), 1);
        // an API token is sent as a Bearer token as well
        let (url, log) = serve(api(fixtures().join("api"), 100));
        let src = ProfclawSource::with_token(&url, "profclaw_abc123");
        materialize(&src, &remote_store(&url)).unwrap();
        let heads = log.lock().unwrap().clone();
        assert!(
            heads
                .iter()
                .all(|h| h.contains("uthorization: Bearer profclaw_abc123\r\n")
                    && h.contains("ookie: profclaw_session=profclaw_abc123\r\n"))
        );
    }

    #[test]
    fn the_api_is_read_incrementally() {
        let dir = tempfile::tempdir().unwrap();
        let apid = dir.path().join("api");
        copy_dir(&fixtures().join("api"), &apid);
        let (url, log) = serve(api(apid.clone(), 100));
        let src = ProfclawSource::default();
        let store = remote_store(&url);
        let (sink, state) = parse_whole(&src, &store, None);
        let state = state.unwrap();
        assert!(sink.complete);
        let fp1 = src.fingerprint(&store).unwrap();
        log.lock().unwrap().clear();
        let (sink, _) = parse_whole(&src, &store, Some(&state));
        assert!(sink.is_empty() && sink.removed.is_empty());
        assert_eq!(log.lock().unwrap().len(), 1, "only the list is asked for");
        assert_eq!(src.fingerprint(&store).unwrap(), fp1, "unchanged");

        // C is deleted, A gets a message
        let list_path = apid.join("list.json");
        let mut list: Value = serde_json::from_slice(&std::fs::read(&list_path).unwrap()).unwrap();
        let convs = list["conversations"].as_array_mut().unwrap();
        convs.retain(|c| c["id"] != C);
        for c in convs.iter_mut() {
            if c["id"] == A {
                c["updatedAt"] = "2026-11-20T10:00:00.000Z".into();
            }
        }
        list["total"] = 2.into();
        std::fs::write(&list_path, list.to_string()).unwrap();
        let conv_path = apid.join(format!("conv-{A}.json"));
        let mut conv: Value = serde_json::from_slice(&std::fs::read(&conv_path).unwrap()).unwrap();
        conv["messages"].as_array_mut().unwrap().push(serde_json::json!({
            "id": "a5", "conversationId": A, "role": "user", "content": "And on macOS?",
            "model": null, "provider": null, "cost": null, "createdAt": "2026-11-20T10:00:00.000Z"
        }));
        std::fs::write(&conv_path, conv.to_string()).unwrap();
        assert_ne!(src.fingerprint(&store).unwrap(), fp1);
        log.lock().unwrap().clear();
        let (sink, _) = parse_whole(&src, &store, Some(&state));
        let heads = log.lock().unwrap().clone();
        assert_eq!(heads.len(), 2, "the list and A: {heads:?}");
        assert!(heads[1].starts_with(&format!("GET /api/chat/conversations/{A} ")));
        assert_eq!(sink.removed, vec![C.to_string()]);
        let d = &sink.sessions[0];
        assert_eq!(d.uid, A);
        assert_eq!(d.ops.last(), Some(&MsgOp::Truncate(7)));
    }

    pub(super) fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }

    #[test]
    fn a_server_that_does_not_answer_is_a_problem_not_a_panic() {
        let url = refused_url();
        let src = ProfclawSource::default();
        let store = remote_store(&url);
        let err = src.fingerprint(&store).unwrap_err();
        assert!(err.contains("did not answer"), "{err}");
        assert!(err.contains(&url), "{err}");
        let (_, r) = parse_whole(&src, &store, None);
        assert!(r.is_err());

        // refused access, a server that is not profclaw, garbage
        for (status, body, needle) in [
            (401, r#"{"error":"Authentication required"}"#, "token"),
            (200, "<html>hello</html>", "not JSON"),
            (200, r#"{"something":"else"}"#, "no `conversations`"),
            (500, "{}", "HTTP 500"),
        ] {
            let (url, _) = serve(move |_| (status, body.to_string()));
            let store = remote_store(&url);
            let (_, r) = parse_whole(&src, &store, None);
            let e = r.unwrap_err().to_string();
            assert!(e.contains(needle), "{status} {body}: {e}");
        }
        // one conversation the server cannot give: reported, the others kept
        let inner = api(fixtures().join("api"), 100);
        let (url, _) = serve(move |t| {
            if t.contains(B) {
                (500, r#"{"error":"Failed to get conversation"}"#.into())
            } else {
                inner(t)
            }
        });
        let m = materialize(&src, &remote_store(&url)).unwrap();
        assert_eq!(m.sessions.len(), 2);
        assert_eq!(m.issues.len(), 1);
        assert_eq!(m.issues[0].kind, IssueKind::Unreadable);
    }

    #[test]
    fn mangled_api_answers_never_panic() {
        use crate::sources::mangle::{Rng, variants};
        let body = std::fs::read(fixtures().join(format!("api/conv-{A}.json"))).unwrap();
        let mut rng = Rng(0x1234_5678_9abc_def0);
        let bads: Vec<String> = variants(&body, &mut rng)
            .into_iter()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .collect();
        let bads = Arc::new(bads);
        let current = Arc::new(Mutex::new(0usize));
        let (b2, c2) = (bads.clone(), current.clone());
        let list = std::fs::read_to_string(fixtures().join("api/list.json")).unwrap();
        let (url, _) = serve(move |t| {
            if t.starts_with("/api/chat/conversations?") {
                (200, list.clone())
            } else if t.contains(A) {
                (200, b2[*c2.lock().unwrap()].clone())
            } else {
                (404, "{}".into())
            }
        });
        let src = ProfclawSource::default();
        for i in 0..bads.len() {
            *current.lock().unwrap() = i;
            let _ = materialize(&src, &remote_store(&url));
        }
        // a message of every wrong shape
        let rows = [
            serde_json::json!({"role": "assistant", "content": ["a", {"type":"text","text":"b"}],
                "tokenUsage": {"prompt": "12", "completion": -3, "total": null}, "cost": "x",
                "toolCalls": {"not": "a list"}, "createdAt": 1795165200}),
            serde_json::json!({"role": 5}),
            serde_json::json!([]),
        ];
        let recs: Vec<MsgRec> = rows
            .iter()
            .enumerate()
            .map(|(i, v)| api_message(i, v))
            .collect();
        let mut sink = Sink::default();
        let (msgs, _) = messages("m", &recs, &mut sink);
        assert_eq!(msgs.len(), 1);
        assert_eq!(msgs[0].plain_text(), "a\nb");
        assert_eq!(usage(&msgs[0]), (12, 0));
        assert!(msgs[0].time.is_some());
        assert_eq!(sink.issues.len(), 3, "{:?}", sink.issues);
    }

    // ---- where it looks ----

    fn roots_for(env: &Env, toml: &str) -> (ProfclawSource, Vec<Root>) {
        let config = Config::parse(toml).unwrap();
        let ctx = DiscoverCtx {
            env,
            config: &config,
            known_dirs: &[],
        };
        let src = ProfclawSource::default();
        let roots = src.roots(&ctx);
        (src, roots)
    }

    #[test]
    fn roots_come_from_the_environment_and_the_config_only() {
        let env = Env::with_home("/h", &[]);
        let (_, roots) = roots_for(&env, "");
        assert!(roots.is_empty(), "no default location: {roots:?}");

        let env = Env::with_home(
            "/h",
            &[
                ("DATABASE_URL", "file:/app/data/profclaw.db"),
                ("DB_PATH", "~/db/profclaw.db"),
                ("PROFCLAW_HOME", "/srv/pc"),
            ],
        );
        let (src, roots) = roots_for(
            &env,
            r#"[agents.profclaw]
               db = "/var/lib/profclaw.db"
               server_dir = "~/profclaw"
               url = "http://127.0.0.1:3000/"
               token = "tok"
               roots = ["/mnt/other", "http://10.0.0.2:3000"]"#,
        );
        let got: Vec<(String, String)> = roots
            .iter()
            .map(|r| (r.path.display().to_string(), r.origin.describe()))
            .collect();
        let want: Vec<(String, String)> = [
            ("/app/data/profclaw.db", "$DATABASE_URL"),
            ("/h/db/profclaw.db", "$DB_PATH"),
            ("/srv/pc/data/profclaw.db", "$PROFCLAW_HOME"),
            ("/var/lib/profclaw.db", "config"),
            ("/h/profclaw/data/profclaw.db", "config"),
            ("/mnt/other", "config"),
            ("http://127.0.0.1:3000", "config"),
            ("http://10.0.0.2:3000", "config"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(got, want);
        let remote: Vec<bool> = roots.iter().map(|r| src.is_remote(r)).collect();
        assert_eq!(
            remote,
            vec![false, false, false, false, false, false, true, true]
        );
        assert_eq!(
            src.token_for("http://127.0.0.1:3000").as_deref(),
            Some("tok")
        );

        // a DATABASE_URL that is not a file: listed without its credentials, never read
        let env = Env::with_home(
            "/h",
            &[(
                "DATABASE_URL",
                "libsql://user:pw@db.example.io/main?authToken=SECRET",
            )],
        );
        let (src, roots) = roots_for(&env, "");
        assert_eq!(roots.len(), 1);
        assert_eq!(roots[0].path, PathBuf::from("libsql://db.example.io/main"));
        assert!(!src.is_remote(&roots[0]));
        let mut out = ScanOut::default();
        src.scan(&roots[0], &mut out);
        assert!(out.stores.is_empty());
    }

    #[test]
    fn database_urls() {
        assert_eq!(
            database_url_path("file:/app/data/profclaw.db").as_deref(),
            Some("/app/data/profclaw.db")
        );
        assert_eq!(
            database_url_path("file:./data/x.db").as_deref(),
            Some("./data/x.db")
        );
        assert_eq!(
            database_url_path("file:///abs/x.db?mode=rwc").as_deref(),
            Some("/abs/x.db")
        );
        assert_eq!(
            database_url_path("file://localhost/abs/x.db").as_deref(),
            Some("/abs/x.db")
        );
        assert_eq!(
            database_url_path("/plain/path.db").as_deref(),
            Some("/plain/path.db")
        );
        assert_eq!(database_url_path("libsql://x.turso.io"), None);
        assert_eq!(database_url_path("http://127.0.0.1:8080"), None);
        assert_eq!(database_url_path(":memory:"), None);
        assert_eq!(database_url_path("file::memory:"), None);
        assert_eq!(
            redact_url("https://u:p@h:1/x?authToken=s#f"),
            "https://h:1/x"
        );
        assert_eq!(path_segment("a b/c"), "a%20b%2Fc");
    }

    #[test]
    fn scan_finds_the_database_and_refuses_https() {
        let src = ProfclawSource::default();
        let root = |path: PathBuf, origin: RootOrigin| Root {
            agent: Agent::Profclaw,
            path,
            origin,
        };
        for path in [
            fixtures().join("server"),
            fixtures().join("server/data"),
            fixture_db(),
        ] {
            let mut out = ScanOut::default();
            src.scan(&root(path.clone(), RootOrigin::Config), &mut out);
            assert_eq!(out.stores.len(), 1, "{path:?}");
            assert_eq!(out.stores[0].path, fixture_db());
            assert_eq!(out.stores[0].kind, StoreKind::Sqlite);
            assert_eq!(out.stores[0].priority, 0);
        }
        let mut out = ScanOut::default();
        src.scan(
            &root("http://127.0.0.1:3000".into(), RootOrigin::Config),
            &mut out,
        );
        assert_eq!(out.stores[0].kind, StoreKind::Remote);
        assert_eq!(out.stores[0].priority, 1, "the database wins");
        let mut out = ScanOut::default();
        src.scan(
            &root("https://profclaw.example.com".into(), RootOrigin::Config),
            &mut out,
        );
        assert!(out.stores.is_empty());
        assert!(out.problems[0].reason.contains("https is not supported"));
        let err = src
            .fingerprint(&remote_store("https://profclaw.example.com"))
            .unwrap_err();
        assert!(err.contains("https"), "{err}");
        let mut out = ScanOut::default();
        src.scan(&root("http://".into(), RootOrigin::Config), &mut out);
        assert!(out.stores.is_empty() && out.problems[0].reason.contains("no host"));
    }

    #[test]
    fn resume_continues_the_conversation_on_the_server() {
        let src = ProfclawSource::default();
        let mut s = Session {
            agent: Agent::Profclaw,
            id: A.into(),
            title: String::new(),
            cwd: None,
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
        let r = src.resume(&s).unwrap();
        assert_eq!(r.argv, vec!["profclaw", "chat", "-s", A]);
        assert_eq!(r.cwd, None);
        for bad in ["--help", "", "a b", "x;rm -rf /", "id\n"] {
            s.id = bad.into();
            assert_eq!(src.resume(&s), None, "{bad:?}");
        }
    }
}
