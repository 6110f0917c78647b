//! agsh (k4yt3x/agsh): one SQLite database, `$AGSH_DATA_DIR/sessions.db`, else
//! `$XDG_DATA_HOME/agsh/sessions.db` (default `~/.local/share/agsh/sessions.db`; macOS
//! `~/Library/Application Support/agsh/sessions.db`).
//!
//! Rules (see `FORMATS.md` §6 and `GENERATED-agsh-agenix-profclaw.md`):
//! - tables `sessions` and `messages`; messages are in `messages.id` order (a global
//!   autoincrement); one row is one message;
//! - `user` rows are plain text that may start with an injected `<context>…</context>`
//!   preamble: it is cut off the prompt (kept as a muted notice) and its `Working directory:`
//!   line is the session's cwd in 0.11 (the latest one wins; a `sessions.cwd` column, where a
//!   later version has one, wins over it);
//! - `assistant` and `tool_results` rows are JSON arrays of content blocks (text, thinking with
//!   a signature or an opaque sealed/signed blob, redacted_thinking, tool_use, image,
//!   tool_result with a content array or a bare string); content that is not a JSON array is
//!   read as plain text (very old rows);
//! - later roles: `compact_boundary` becomes a notice, `user_blocks` a user message of blocks;
//!   `repair`/`redact` are not shown; any other role is skipped and reported;
//! - agsh 0.11 stores no token usage: the session's tokens are unknown, not zero. Later versions
//!   keep cumulative per-session counters (`stat_input_tokens`, … or `input_tokens`, …): those
//!   are put on the session's last assistant message;
//! - `locked_by` is the PID of the agsh holding the session. It is kept as `lock:<pid>` and
//!   turned into `live` / `stale lock` when the session is read ([`AgshSource::decorate`]),
//!   because the database does not change when that process dies;
//! - the database is parsed per session: the state remembers, per session, a key of its
//!   messages and of its row, and only sessions whose key changed are emitted again.

use super::util;
use super::{
    IssueKind, ParseIssue, Parser, ResumeTarget, Root, RootOrigin, ScanOut, SessionMeta, Sink,
    Source, SourceError, StoreKind, StoreRef, WholeParser, config_roots, sqlite,
};
use crate::model::{Agent, Block, Message, Role, Session, TokenUsage, parse_time};
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The database file agsh keeps in its data directory.
pub const DB_NAME: &str = "sessions.db";

pub struct AgshSource;

impl AgshSource {
    fn root(path: PathBuf, origin: RootOrigin) -> Root {
        Root {
            agent: Agent::Agsh,
            path,
            origin,
        }
    }
}

impl Source for AgshSource {
    fn agent(&self) -> Agent {
        Agent::Agsh
    }

    fn roots(&self, ctx: &super::DiscoverCtx) -> Vec<Root> {
        let mut roots = Vec::new();
        if let Some(d) = ctx.env.var("AGSH_DATA_DIR") {
            roots.push(Self::root(
                ctx.env.expand(d).join(DB_NAME),
                RootOrigin::Env("AGSH_DATA_DIR".into()),
            ));
        }
        if let Some(x) = ctx.env.var("XDG_DATA_HOME")
            && Path::new(x).is_absolute()
        {
            roots.push(Self::root(
                Path::new(x).join("agsh").join(DB_NAME),
                RootOrigin::Env("XDG_DATA_HOME".into()),
            ));
        }
        if let Some(home) = ctx.env.home() {
            roots.push(Self::root(
                home.join(".local/share/agsh").join(DB_NAME),
                RootOrigin::Default,
            ));
            if cfg!(target_os = "macos") {
                roots.push(Self::root(
                    home.join("Library/Application Support/agsh").join(DB_NAME),
                    RootOrigin::Default,
                ));
            }
        }
        if cfg!(windows)
            && let Some(appdata) = ctx.env.var("APPDATA")
        {
            roots.push(Self::root(
                Path::new(appdata).join("agsh").join(DB_NAME),
                RootOrigin::Default,
            ));
        }
        roots.extend(config_roots(ctx, Agent::Agsh));
        if let Some(db) = ctx.config.agent(Agent::Agsh).db {
            roots.push(Self::root(ctx.env.expand(&db), RootOrigin::Config));
        }
        roots
    }

    fn scan(&self, root: &Root, out: &mut ScanOut) {
        // A root is the database itself, or (from config.toml) the folder that holds it.
        let path = if root.path.is_dir() {
            root.path.join(DB_NAME)
        } else {
            root.path.clone()
        };
        if path.is_file() {
            out.stores.push(StoreRef {
                agent: Agent::Agsh,
                path,
                kind: StoreKind::Sqlite,
                root: root.path.clone(),
                priority: 0,
            });
        }
    }

    fn parser(&self, _store: &StoreRef) -> Parser {
        Parser::Whole(Box::new(AgshDb))
    }

    /// `agsh -c <id>` (0.11's `-c/--continue [SESSION_ID]`; its docs' `-s` does not exist).
    /// There is no cwd requirement, but the session's tools ran in its cwd, so resume there.
    fn resume(&self, s: &Session) -> Option<ResumeTarget> {
        if !valid_id(&s.id) {
            return None;
        }
        Some(ResumeTarget {
            argv: vec!["agsh".into(), RESUME_FLAG.into(), s.id.clone()],
            cwd: util::run_dir(&s.cwd),
        })
    }

    /// `agsh -c`: the most recently updated session (of the whole database).
    fn continue_latest(&self, s: &Session) -> Option<ResumeTarget> {
        Some(ResumeTarget {
            argv: vec!["agsh".into(), "-c".into()],
            cwd: util::run_dir(&s.cwd),
        })
    }

    /// agsh sessions are global: the tools use whatever directory agsh runs in.
    fn resume_elsewhere(&self, s: &Session) -> Option<ResumeTarget> {
        let mut t = self.resume(s)?;
        t.cwd = None;
        Some(t)
    }

    /// A session whose `locked_by` process is alive: agsh itself refuses it. Read fresh
    /// from the database (the list may be minutes old).
    fn in_use(&self, s: &Session) -> Option<String> {
        use rusqlite::OptionalExtension;
        let read = sqlite::read(Path::new(&s.source), |c| {
            c.query_row(
                "SELECT locked_by FROM sessions WHERE id = ?1",
                [&s.id],
                |r| text_at(r, 0),
            )
            .optional()
        });
        match read {
            Ok(locked_by) => {
                let pid = locked_by.flatten()?;
                let pid = pid.trim();
                (lock_status(pid, process_alive) == "live").then(|| {
                    format!(
                        "agsh session is in use by a running agsh (PID {pid}): quit that agsh first"
                    )
                })
            }
            // the database cannot be read now: what the index saw when it listed the session
            Err(_) => (s.status.as_deref() == Some("live"))
                .then(|| "agsh session is in use by a running agsh".to_string()),
        }
    }

    fn decorate(&self, s: &mut Session) {
        if let Some(pid) = s
            .status
            .as_deref()
            .and_then(|st| st.strip_prefix(LOCK_PREFIX))
        {
            s.status = Some(lock_status(pid, process_alive).to_string());
        }
    }
}

/// A session id that is safe as an argument: a UUID (or a prefix-like word), never an option.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id.starts_with(|c: char| c.is_ascii_alphanumeric())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

const LOCK_PREFIX: &str = "lock:";

/// The flag `agsh` 0.11 resumes a session with (`-c/--continue [SESSION_ID]`; its older
/// documentation says `-s`: revisit's resume step swaps it when the installed agsh has `-s`).
pub const RESUME_FLAG: &str = "-c";

/// What a `locked_by` PID means now: `live` when that process exists (agsh itself then
/// refuses to take the session over), `stale lock` when it does not (or the value is not a PID),
/// `locked` when this platform cannot tell.
pub fn lock_status(pid: &str, alive: impl Fn(u32) -> Option<bool>) -> &'static str {
    match pid.trim().parse::<u32>() {
        Ok(p) if p > 0 => match alive(p) {
            Some(true) => "live",
            Some(false) => "stale lock",
            None => "locked",
        },
        _ => "stale lock",
    }
}

/// Does a process with this PID exist on this machine? Linux (and anything with a procfs):
/// `/proc/<pid>`. Other Unix systems: one `ps -A -o pid=` listing, reused for two seconds.
/// Elsewhere: unknown. Like agsh's own check (`kill(pid, 0)`), any process with that PID counts.
pub fn process_alive(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    if proc.join("self").exists() {
        return Some(proc.join(pid.to_string()).exists());
    }
    if cfg!(unix) {
        return ps_pids().map(|pids| pids.contains(&pid));
    }
    None
}

fn ps_pids() -> Option<HashSet<u32>> {
    use std::sync::Mutex;
    use std::time::{Duration, Instant};
    static CACHE: Mutex<Option<(Instant, HashSet<u32>)>> = Mutex::new(None);
    let mut cache = CACHE.lock().ok()?;
    if let Some((at, pids)) = cache.as_ref()
        && at.elapsed() < Duration::from_secs(2)
    {
        return Some(pids.clone());
    }
    let out = std::process::Command::new("ps")
        .args(["-A", "-o", "pid="])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let pids: HashSet<u32> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    *cache = Some((Instant::now(), pids.clone()));
    Some(pids)
}

// ---- reading the database ----

/// Bump when what the parser emits for the same rows changes.
const STATE_VERSION: u32 = 1;

/// What the previous parse saw, per session.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct AgshState {
    v: u32,
    /// The columns of `sessions` and `messages`: another schema means a parse from scratch.
    schema: String,
    sessions: BTreeMap<String, Known>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Known {
    content: ContentKey,
    row: u64,
    issues: u32,
    first_prompt: Option<String>,
    context_cwd: Option<String>,
}

/// Changes whenever a session's messages (or its usage counters) change: rows added or deleted.
/// agsh never rewrites a row in place (later versions append `repair`/`redact` rows instead; the
/// 0.42 conversion of old rows came with a schema change, which means a parse from scratch), so
/// the ids are enough, and they come from the `session_id` index without reading any content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct ContentKey {
    count: i64,
    max_id: i64,
    id_sum: i64,
    stats: Option<[u64; 4]>,
}

#[derive(Debug, Clone, Default, Serialize)]
struct SessionRow {
    id: String,
    created_at: Option<String>,
    updated_at: Option<String>,
    locked_by: Option<String>,
    cwd: Option<String>,
    parent: Option<String>,
    /// input, output, cache read, cache write (later versions only).
    #[serde(skip)]
    stats: Option<[u64; 4]>,
}

impl SessionRow {
    /// Changes whenever what the row contributes to the metadata changes.
    fn key(&self) -> u64 {
        util::fnv1a(&serde_json::to_vec(self).unwrap_or_default())
    }
}

#[derive(Debug, Clone)]
struct MsgRow {
    id: i64,
    role: String,
    content: String,
    created_at: Option<String>,
}

#[derive(Debug, Default)]
struct Snapshot {
    /// Why this is not an agsh database, when it is not.
    unusable: Option<String>,
    schema: String,
    has_stats: bool,
    sessions: Vec<SessionRow>,
    summaries: HashMap<String, ContentKey>,
    /// The messages of the sessions that have to be emitted.
    rows: HashMap<String, Vec<MsgRow>>,
}

/// Text of a column whatever its storage class (a BLOB that is not UTF-8 is read lossily).
fn text_at(row: &rusqlite::Row, i: usize) -> rusqlite::Result<Option<String>> {
    Ok(match row.get_ref(i)? {
        ValueRef::Null => None,
        ValueRef::Text(b) | ValueRef::Blob(b) => Some(String::from_utf8_lossy(b).into_owned()),
        ValueRef::Integer(n) => Some(n.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
    })
}

fn count_at(row: &rusqlite::Row, i: usize) -> rusqlite::Result<u64> {
    Ok(match row.get_ref(i)? {
        ValueRef::Integer(n) => n.max(0) as u64,
        ValueRef::Real(f) if f.is_finite() && f > 0.0 => f as u64,
        ValueRef::Text(b) => std::str::from_utf8(b)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0),
        _ => 0,
    })
}

fn int_at(row: &rusqlite::Row, i: usize) -> rusqlite::Result<i64> {
    Ok(match row.get_ref(i)? {
        ValueRef::Integer(n) => n,
        ValueRef::Real(f) => f as i64,
        _ => 0,
    })
}

fn read_snapshot(conn: &Connection, prev: Option<&AgshState>) -> rusqlite::Result<Snapshot> {
    // one read transaction: every query sees the same state of a live database
    let _tx = conn.unchecked_transaction()?;
    let mut snap = Snapshot::default();
    let scols = sqlite::columns(conn, "sessions")?;
    let mcols = sqlite::columns(conn, "messages")?;
    let has = |cols: &[String], c: &str| cols.iter().any(|x| x == c);
    if scols.is_empty() || mcols.is_empty() {
        snap.unusable = Some("no sessions/messages tables: not an agsh database".into());
        return Ok(snap);
    }
    if !has(&scols, "id")
        || !["id", "session_id", "role", "content"]
            .iter()
            .all(|c| has(&mcols, c))
    {
        snap.unusable = Some("sessions/messages tables without the columns agsh writes".into());
        return Ok(snap);
    }
    snap.schema = format!("{}|{}", scols.join(","), mcols.join(","));
    // Only names from these lists reach the SQL, and only when the table has them.
    let pick = |cols: &[String], names: &[&'static str]| -> &'static str {
        names
            .iter()
            .copied()
            .find(|n| has(cols, n))
            .unwrap_or("NULL")
    };
    let input = pick(&scols, &["stat_input_tokens", "input_tokens"]);
    let output = pick(&scols, &["stat_output_tokens", "output_tokens"]);
    let cache_read = pick(
        &scols,
        &["stat_cache_read_input_tokens", "cache_read_input_tokens"],
    );
    let cache_write = pick(
        &scols,
        &[
            "stat_cache_creation_input_tokens",
            "cache_creation_input_tokens",
        ],
    );
    snap.has_stats = input != "NULL" || output != "NULL";
    let sql = format!(
        "SELECT id, {}, {}, {}, {}, {}, {input}, {output}, {cache_read}, {cache_write} FROM sessions",
        pick(&scols, &["created_at"]),
        pick(&scols, &["updated_at"]),
        pick(&scols, &["locked_by"]),
        pick(&scols, &["cwd"]),
        pick(&scols, &["parent_session_id"]),
    );
    {
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let Some(id) = text_at(r, 0)? else { continue };
            let stats = if snap.has_stats {
                Some([
                    count_at(r, 6)?,
                    count_at(r, 7)?,
                    count_at(r, 8)?,
                    count_at(r, 9)?,
                ])
            } else {
                None
            };
            snap.sessions.push(SessionRow {
                id,
                created_at: text_at(r, 1)?,
                updated_at: text_at(r, 2)?,
                locked_by: text_at(r, 3)?,
                cwd: text_at(r, 4)?,
                parent: text_at(r, 5)?,
                stats,
            });
        }
    }
    {
        let mut stmt = conn.prepare(
            // from the session_id index alone: no message body is read
            "SELECT session_id, count(*), max(id), coalesce(sum(id), 0)
             FROM messages GROUP BY session_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let Some(sid) = text_at(r, 0)? else { continue };
            snap.summaries.insert(
                sid,
                ContentKey {
                    count: int_at(r, 1)?,
                    max_id: int_at(r, 2)?,
                    id_sum: int_at(r, 3)?,
                    stats: None,
                },
            );
        }
    }
    let full = prev.is_none_or(|p| p.schema != snap.schema);
    let created = if has(&mcols, "created_at") {
        "created_at"
    } else {
        "NULL"
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT id, role, content, {created} FROM messages WHERE session_id = ?1 ORDER BY id"
    ))?;
    for s in &snap.sessions {
        let key = content_key(&snap, s);
        let changed = full
            || prev
                .and_then(|p| p.sessions.get(&s.id))
                .is_none_or(|k| k.content != key);
        if !changed || snap.rows.contains_key(&s.id) {
            continue;
        }
        let mut out = Vec::new();
        let mut rows = stmt.query([&s.id])?;
        while let Some(r) = rows.next()? {
            out.push(MsgRow {
                id: int_at(r, 0)?,
                role: text_at(r, 1)?.unwrap_or_default(),
                content: text_at(r, 2)?.unwrap_or_default(),
                created_at: text_at(r, 3)?,
            });
        }
        snap.rows.insert(s.id.clone(), out);
    }
    Ok(snap)
}

fn content_key(snap: &Snapshot, s: &SessionRow) -> ContentKey {
    let mut k = snap.summaries.get(&s.id).cloned().unwrap_or_default();
    k.stats = s.stats;
    k
}

/// The whole-store parser: per session, emitted again only when it changed.
struct AgshDb;

impl WholeParser for AgshDb {
    fn parse(
        &mut self,
        store: &StoreRef,
        state: Option<&[u8]>,
        sink: &mut Sink,
    ) -> Result<Vec<u8>, SourceError> {
        let prev: Option<AgshState> = state
            .and_then(|b| serde_json::from_slice::<AgshState>(b).ok())
            .filter(|s| s.v == STATE_VERSION && !s.schema.is_empty());
        if let Some(prev) = &prev {
            let snap = sqlite::read(&store.path, |c| read_snapshot(c, Some(prev)))?;
            let mut out = Sink::default();
            if let Some(next) = emit(Some(prev), snap, &mut out) {
                *sink = out;
                return Ok(serde_json::to_vec(&next).unwrap_or_default());
            }
            // records that were reported before are involved: count them once, from scratch
        }
        let snap = sqlite::read(&store.path, |c| read_snapshot(c, None))?;
        let mut out = Sink::default();
        let next = emit(None, snap, &mut out).unwrap_or_default();
        *sink = out;
        Ok(serde_json::to_vec(&next).unwrap_or_default())
    }
}

/// Emit what changed since `prev` (everything, with `complete`, when there is no `prev` or the
/// schema changed). `None` when the change touches sessions with reported records: the store's
/// error count must then be rebuilt by a parse from scratch.
fn emit(prev: Option<&AgshState>, snap: Snapshot, sink: &mut Sink) -> Option<AgshState> {
    let mut next = AgshState {
        v: STATE_VERSION,
        schema: snap.schema.clone(),
        sessions: BTreeMap::new(),
    };
    if let Some(why) = &snap.unusable {
        sink.complete = true;
        sink.issue(None, IssueKind::WrongShape, why.clone());
        return Some(next);
    }
    let prev = prev.filter(|p| p.schema == snap.schema);
    sink.complete = prev.is_none();
    let mut seen: HashSet<&str> = HashSet::new();
    for s in &snap.sessions {
        if !seen.insert(&s.id) {
            continue; // `id` is the primary key: only a damaged table repeats one
        }
        let known = prev.and_then(|p| p.sessions.get(&s.id));
        let content = content_key(&snap, s);
        if let Some(rows) = snap.rows.get(&s.id) {
            let built = build(s, rows, snap.has_stats);
            if prev.is_some() && (!built.issues.is_empty() || known.is_some_and(|k| k.issues > 0)) {
                return None;
            }
            let n = built.messages.len() as u32;
            for (seq, m) in built.messages.into_iter().enumerate() {
                sink.put(&s.id, true, seq as u32, m);
            }
            sink.truncate(&s.id, true, n);
            sink.meta(&s.id, built.meta);
            sink.issues.extend(built.issues.iter().cloned());
            next.sessions.insert(
                s.id.clone(),
                Known {
                    content,
                    row: s.key(),
                    issues: built.issues.len() as u32,
                    first_prompt: built.first_prompt,
                    context_cwd: built.context_cwd,
                },
            );
        } else if let Some(k) = known {
            // messages unchanged; the row (times, lock, cwd) may have changed
            if k.row != s.key() {
                sink.meta(
                    &s.id,
                    meta_for(
                        s,
                        k.first_prompt.clone(),
                        k.context_cwd.clone(),
                        snap.has_stats,
                    ),
                );
            }
            let mut k = k.clone();
            k.row = s.key();
            next.sessions.insert(s.id.clone(), k);
        }
    }
    if let Some(p) = prev {
        for (uid, k) in &p.sessions {
            if !next.sessions.contains_key(uid) {
                if k.issues > 0 {
                    return None;
                }
                sink.remove(uid);
            }
        }
    }
    Some(next)
}

struct Built {
    meta: SessionMeta,
    messages: Vec<Message>,
    issues: Vec<ParseIssue>,
    first_prompt: Option<String>,
    context_cwd: Option<String>,
}

fn meta_for(
    s: &SessionRow,
    first_prompt: Option<String>,
    context_cwd: Option<String>,
    has_stats: bool,
) -> SessionMeta {
    fn nonempty(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|t| !t.is_empty())
    }
    SessionMeta {
        id: s.id.clone(),
        title: None,
        title_rank: 0,
        first_prompt,
        cwd: nonempty(&s.cwd).map(str::to_string).or(context_cwd),
        git_branch: None,
        started_at: s.created_at.as_deref().and_then(parse_time),
        updated_at: s.updated_at.as_deref().and_then(parse_time),
        scope: None,
        no_token_usage: !has_stats,
        status: nonempty(&s.locked_by)
            .map(|pid| format!("{LOCK_PREFIX}{}", crate::sanitize::truncate_chars(pid, 24))),
    }
}

fn build(s: &SessionRow, rows: &[MsgRow], has_stats: bool) -> Built {
    let mut messages: Vec<Message> = Vec::new();
    let mut issues: Vec<ParseIssue> = Vec::new();
    let mut first_prompt: Option<String> = None;
    let mut context_cwd: Option<String> = None;
    for row in rows {
        let line = Some(row.id.max(0) as u64);
        let mut issue = |kind: IssueKind, detail: String| {
            issues.push(ParseIssue { line, kind, detail });
        };
        let Some(mut msg) = decode_row(row, &mut context_cwd, &mut issue) else {
            continue;
        };
        msg.time = row.created_at.as_deref().and_then(parse_time);
        if first_prompt.is_none() && msg.is_prompt() {
            first_prompt = title_line(&msg.plain_text());
        }
        messages.push(msg);
    }
    if let Some([input, output, cache_read, cache_write]) = s.stats
        && let Some(last) = messages
            .iter_mut()
            .rev()
            .find(|m| m.role == Role::Assistant)
    {
        last.usage = Some(TokenUsage {
            input,
            output,
            cache_read,
            cache_write,
            reasoning: 0,
            cache_write_1h: 0,
        });
    }
    let meta = meta_for(s, first_prompt.clone(), context_cwd.clone(), has_stats);
    Built {
        meta,
        messages,
        issues,
        first_prompt,
        context_cwd,
    }
}

/// The title: the first non-empty line of the first prompt.
fn title_line(text: &str) -> Option<String> {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .and_then(util::title_from)
}

/// Split agsh's injected `<context>…</context>` preamble from what the person typed.
pub fn split_context(text: &str) -> (Option<&str>, &str) {
    let t = text.trim_start();
    if let Some(rest) = t.strip_prefix("<context>")
        && let Some(end) = rest.find("</context>")
    {
        let after = &rest[end + "</context>".len()..];
        return (Some(&rest[..end]), after.trim_start_matches(['\n', '\r']));
    }
    (None, text)
}

/// The `Working directory:` line of a preamble.
fn working_directory(preamble: &str) -> Option<String> {
    preamble.lines().find_map(|l| {
        l.trim()
            .strip_prefix("Working directory:")
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string)
    })
}

/// `[Environment context]`: a heading inside the preamble.
fn is_heading(line: &str) -> bool {
    line.starts_with('[') && line.ends_with(']')
}

/// A user text (a row or a text block): the preamble as a notice, the typed text as text.
fn user_text(text: &str, context_cwd: &mut Option<String>, blocks: &mut Vec<Block>) {
    let (preamble, typed) = split_context(text);
    if let Some(p) = preamble {
        if let Some(d) = working_directory(p) {
            *context_cwd = Some(d);
        }
        // one line (notices show one): `Working directory: … · Date: …`, without the
        // `[Environment context]` heading
        let line: Vec<&str> = p
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !is_heading(l))
            .collect();
        blocks.push(Block::Notice {
            kind: "context".into(),
            text: line.join(" · "),
        });
    }
    if !typed.trim().is_empty() {
        blocks.push(Block::text(typed));
    }
}

/// One `messages` row as a message, or `None` for a row that is not shown.
fn decode_row(
    row: &MsgRow,
    context_cwd: &mut Option<String>,
    issue: &mut dyn FnMut(IssueKind, String),
) -> Option<Message> {
    match row.role.as_str() {
        "user" => {
            let mut msg = Message::new(Role::User);
            user_text(&row.content, context_cwd, &mut msg.blocks);
            msg.meta = !msg.blocks.iter().any(|b| matches!(b, Block::Text { .. }));
            Some(msg)
        }
        "user_blocks" => {
            let mut msg = Message::new(Role::User);
            match blocks_json(&row.content) {
                Some(items) => {
                    for it in &items {
                        if it.get("type").and_then(Value::as_str) == Some("text") {
                            let t = it.get("text").and_then(Value::as_str).unwrap_or("");
                            user_text(t, context_cwd, &mut msg.blocks);
                        } else {
                            msg.blocks
                                .extend(blocks_of(std::slice::from_ref(it), issue));
                        }
                    }
                }
                None => user_text(&row.content, context_cwd, &mut msg.blocks),
            }
            msg.meta = !msg.blocks.iter().any(|b| matches!(b, Block::Text { .. }));
            Some(msg)
        }
        "assistant" => {
            let mut msg = Message::new(Role::Assistant);
            match blocks_json(&row.content) {
                Some(items) => msg.blocks = blocks_of(&items, issue),
                None if !row.content.trim().is_empty() => {
                    msg.blocks.push(Block::text(row.content.clone()))
                }
                None => {}
            }
            Some(msg)
        }
        "tool_results" => {
            let mut msg = Message::new(Role::Tool);
            match blocks_json(&row.content) {
                Some(items) => msg.blocks = blocks_of(&items, issue),
                None => msg.blocks.push(Block::ToolResult {
                    call_id: String::new(),
                    output: row.content.clone(),
                    is_error: false,
                }),
            }
            Some(msg)
        }
        "compact_boundary" => {
            let v: Value = serde_json::from_str(&row.content).unwrap_or(Value::Null);
            // `{summary, replaced_count, …}`, possibly inside an enum wrapper
            let body = if v.get("summary").is_some() || v.get("replaced_count").is_some() {
                &v
            } else {
                v.as_object()
                    .and_then(|o| o.values().find(|x| x.is_object()))
                    .unwrap_or(&v)
            };
            let replaced = body.get("replaced_count").and_then(Value::as_u64);
            let summary = body
                .get("summary")
                .map(|s| match s.get("content") {
                    Some(c) => util::content_text(c),
                    None => util::content_text(s),
                })
                .unwrap_or_default();
            let mut msg = Message::new(Role::System);
            msg.blocks.push(Block::Notice {
                kind: "compaction".into(),
                text: match replaced {
                    Some(n) => format!("Conversation compacted: {n} earlier messages summarised"),
                    None => "Conversation compacted".into(),
                },
            });
            if !summary.trim().is_empty() {
                msg.blocks.push(Block::text(summary));
            }
            Some(msg)
        }
        // later versions' repair and redaction records: applied by agsh, not shown
        "repair" | "redact" => None,
        other => {
            issue(
                IssueKind::UnknownType,
                format!(
                    "unknown message role '{}'",
                    crate::sanitize::truncate_chars(other, 40)
                ),
            );
            None
        }
    }
}

/// The content as a JSON array of blocks; `None` when it is not one (plain text).
fn blocks_json(content: &str) -> Option<Vec<Value>> {
    if !content.trim_start().starts_with('[') {
        return None;
    }
    match serde_json::from_str::<Value>(content) {
        Ok(Value::Array(items)) => Some(items),
        _ => None,
    }
}

/// agsh's `ContentBlock`s as blocks.
fn blocks_of(items: &[Value], issue: &mut dyn FnMut(IssueKind, String)) -> Vec<Block> {
    let mut out = Vec::new();
    for it in items {
        let Some(ty) = it.get("type").and_then(Value::as_str) else {
            issue(
                IssueKind::WrongShape,
                "content block without a type".to_string(),
            );
            continue;
        };
        match ty {
            "text" => {
                if let Some(t) = util::str_of(it, "text") {
                    out.push(Block::text(t));
                }
            }
            "thinking" => {
                // `signature` (before 0.42) or `opaque` {signed|sealed}: only the text is shown
                let text = it
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
            "tool_use" => out.push(Block::ToolCall {
                id: util::str_of(it, "id").unwrap_or("").to_string(),
                name: util::str_of(it, "name").unwrap_or("?").to_string(),
                input: it.get("input").cloned().unwrap_or(Value::Null),
            }),
            "tool_result" => out.push(Block::ToolResult {
                call_id: util::str_of(it, "tool_use_id").unwrap_or("").to_string(),
                output: it
                    .get("content")
                    .map(util::content_text)
                    .unwrap_or_default(),
                is_error: util::bool_of(it, "is_error"),
            }),
            "image" => out.push(Block::Attachment {
                kind: "image".into(),
                description: it
                    .get("source")
                    .and_then(|s| util::str_of(s, "media_type"))
                    .unwrap_or("image")
                    .to_string(),
            }),
            other => issue(
                IssueKind::UnknownType,
                format!(
                    "unknown content block type '{}'",
                    crate::sanitize::truncate_chars(other, 40)
                ),
            ),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Env};
    use crate::sources::{DiscoverCtx, Materialized, materialize, store_for};

    const A: &str = "3f1c9a2e-5b7d-4e8f-9a01-23456789abcd";
    const B: &str = "0b6d2f4e-8a1c-4d3e-b5f7-9c0d1e2f3a4b";
    const C: &str = "c7e8f9a0-1b2c-4d3e-8f4a-5b6c7d8e9f01";
    /// Above Linux's PID_MAX_LIMIT (2^22) and macOS's 99999: no process has it.
    const NO_SUCH_PID: u32 = 4_194_305;

    fn fixture(rel: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/agsh")
            .join(rel)
    }

    fn home_db() -> PathBuf {
        fixture("home/.local/share/agsh/sessions.db")
    }

    fn parse(path: &Path) -> Materialized {
        materialize(
            &AgshSource,
            &store_for(Agent::Agsh, path, StoreKind::Sqlite),
        )
        .unwrap()
    }

    type Part = (String, bool, Option<SessionMeta>, Vec<Message>);

    fn session<'a>(m: &'a Materialized, uid: &str) -> &'a Part {
        m.sessions
            .iter()
            .find(|s| s.0 == uid)
            .unwrap_or_else(|| panic!("no session {uid}"))
    }

    fn roles(msgs: &[Message]) -> Vec<Role> {
        msgs.iter().map(|m| m.role).collect()
    }

    #[test]
    fn roots_honour_agsh_data_dir_xdg_data_home_default_and_config() {
        let env = Env::with_home("/h", &[("AGSH_DATA_DIR", "/d"), ("XDG_DATA_HOME", "/x")]);
        let config = Config::parse(
            "[agents.agsh]\nroots = [\"~/synced\"]\ndb = \"/mnt/laptop/sessions.db\"\n",
        )
        .unwrap();
        let ctx = DiscoverCtx {
            env: &env,
            config: &config,
            known_dirs: &[],
        };
        let roots: Vec<(PathBuf, RootOrigin)> = AgshSource
            .roots(&ctx)
            .into_iter()
            .map(|r| (r.path, r.origin))
            .collect();
        assert_eq!(
            roots[..3],
            [
                (
                    PathBuf::from("/d/sessions.db"),
                    RootOrigin::Env("AGSH_DATA_DIR".into())
                ),
                (
                    PathBuf::from("/x/agsh/sessions.db"),
                    RootOrigin::Env("XDG_DATA_HOME".into())
                ),
                (
                    PathBuf::from("/h/.local/share/agsh/sessions.db"),
                    RootOrigin::Default
                ),
            ]
        );
        assert!(roots.contains(&(PathBuf::from("/h/synced"), RootOrigin::Config)));
        assert!(roots.contains(&(PathBuf::from("/mnt/laptop/sessions.db"), RootOrigin::Config)));
        // a relative XDG_DATA_HOME is ignored (the XDG rule); only HOME: the default
        let env = Env::with_home("/h", &[("XDG_DATA_HOME", "rel")]);
        let ctx = DiscoverCtx {
            env: &env,
            config: &Config::default(),
            known_dirs: &[],
        };
        let roots = AgshSource.roots(&ctx);
        assert_eq!(
            roots[0].path,
            PathBuf::from("/h/.local/share/agsh/sessions.db")
        );
        assert!(roots.iter().all(|r| !r.path.starts_with("rel")));
    }

    #[test]
    fn scan_takes_the_database_or_the_folder_holding_it() {
        let mut out = ScanOut::default();
        let db = home_db();
        for path in [db.clone(), db.parent().unwrap().to_path_buf()] {
            AgshSource.scan(
                &Root {
                    agent: Agent::Agsh,
                    path,
                    origin: RootOrigin::Config,
                },
                &mut out,
            );
        }
        assert_eq!(out.stores.len(), 2);
        assert!(
            out.stores
                .iter()
                .all(|s| s.path == db && s.kind == StoreKind::Sqlite)
        );
        let mut none = ScanOut::default();
        AgshSource.scan(
            &Root {
                agent: Agent::Agsh,
                path: fixture("home"),
                origin: RootOrigin::Config,
            },
            &mut none,
        );
        assert!(none.stores.is_empty());
    }

    #[test]
    fn context_preambles_are_split_off() {
        let text = "<context>\n[Environment context]\nWorking directory: /p\nDate: x\n</context>\n\nhello\nworld";
        let (pre, typed) = split_context(text);
        assert_eq!(typed, "hello\nworld");
        assert_eq!(working_directory(pre.unwrap()).as_deref(), Some("/p"));
        assert_eq!(split_context("plain"), (None, "plain"));
        // only a leading preamble is agsh's: a closing tag typed later is the person's text
        assert_eq!(
            split_context("see </context> here"),
            (None, "see </context> here")
        );
        assert_eq!(
            split_context("<context>\nno end"),
            (None, "<context>\nno end")
        );
        let (pre, typed) = split_context("<context>\nWorking directory: /q\n</context>");
        assert_eq!((pre.is_some(), typed), (true, ""));
    }

    #[test]
    fn a_0_11_database_reads_by_every_rule() {
        let m = parse(&home_db());
        assert!(m.issues.is_empty(), "{:?}", m.issues);
        assert_eq!(m.sessions.len(), 3);

        // A: preamble stripped, parallel calls, thinking in three shapes, results, old row
        let (_, primary, meta, msgs) = session(&m, A);
        assert!(*primary);
        use Role::*;
        assert_eq!(
            roles(msgs),
            vec![
                User, Assistant, Tool, Assistant, User, Assistant, Tool, Assistant
            ]
        );
        let prompts: Vec<String> = msgs
            .iter()
            .filter(|m| m.is_prompt())
            .map(|m| m.plain_text())
            .collect();
        assert_eq!(
            prompts,
            vec![
                "List the files and run the build\nthen tell me what broke",
                "Look at the screenshot"
            ]
        );
        assert!(matches!(
            &msgs[0].blocks[0],
            Block::Notice { kind, text } if kind == "context"
                && text == "Working directory: /home/u/proj-a · Date: Fri, 20 Nov 2026 09:00:01 +0000"
        ));
        let calls: usize = msgs.iter().map(|m| m.tool_calls()).sum();
        assert_eq!(calls, 3, "two parallel calls count two");
        assert!(matches!(
            &msgs[1].blocks[0],
            Block::Thinking { text, sealed: false } if text.starts_with("Two independent")
        ));
        assert!(matches!(
            &msgs[1].blocks[3],
            Block::ToolCall { id, name, input } if id == "toolu_02" && name == "execute_command"
                && input["command"] == "cargo build"
        ));
        match &msgs[2].blocks[..] {
            [
                Block::ToolResult {
                    call_id: c1,
                    output: o1,
                    is_error: false,
                },
                Block::ToolResult {
                    call_id: c2,
                    output: o2,
                    is_error: true,
                },
            ] => {
                assert_eq!(
                    (c1.as_str(), o1.as_str()),
                    ("toolu_01", "Cargo.toml\nsrc\n")
                );
                assert_eq!(c2, "toolu_02");
                assert!(o2.ends_with("Exit code: 101"), "bare string content: {o2}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            msgs[3].blocks[..2],
            [
                Block::Thinking {
                    text: String::new(),
                    sealed: true
                },
                Block::Thinking {
                    text: String::new(),
                    sealed: true
                }
            ],
            "redacted_thinking and an opaque sealed blob"
        );
        assert!(matches!(
            &msgs[6].blocks[0],
            Block::ToolResult { output, .. } if output == "shot.png (12 KB)\n[image]"
        ));
        assert_eq!(
            msgs[7].blocks,
            vec![Block::text("Plain text reply from an old version of agsh.")],
            "a row that is not JSON is plain text"
        );
        assert!(msgs.iter().all(|m| m.usage.is_none() && m.model.is_none()));
        assert_eq!(
            msgs[1].time.map(|t| crate::model::rfc3339(&t)).as_deref(),
            Some("2026-11-20T09:00:03.123456792Z")
        );
        let meta = meta.as_ref().unwrap();
        assert_eq!(meta.id, A);
        assert_eq!(
            meta.first_prompt.as_deref(),
            Some("List the files and run the build"),
            "title: first line of the first prompt"
        );
        assert_eq!(meta.title, None);
        assert_eq!(
            meta.cwd.as_deref(),
            Some("/home/u/proj-a/docs"),
            "the latest Working directory"
        );
        assert!(
            meta.no_token_usage,
            "0.11 stores no usage: unknown, not zero"
        );
        assert_eq!(meta.status.as_deref(), Some("lock:4194305"));
        assert_eq!(
            meta.started_at
                .map(|t| crate::model::rfc3339(&t))
                .as_deref(),
            Some("2026-11-20T09:00:00.123456789Z")
        );
        assert_eq!(
            meta.updated_at
                .map(|t| crate::model::rfc3339(&t))
                .as_deref(),
            Some("2026-11-20T09:01:35.123456884Z")
        );

        // B: no preamble, a preamble-only row (not a prompt), a plain-text tool_results row
        let (_, _, meta, msgs) = session(&m, B);
        assert_eq!(roles(msgs), vec![User, Assistant, User, Tool, Assistant]);
        assert!(msgs[0].is_prompt() && !msgs[0].meta);
        assert!(msgs[2].meta && !msgs[2].is_prompt());
        assert_eq!(
            msgs[3].blocks,
            vec![Block::ToolResult {
                call_id: String::new(),
                output: "legacy tool output".into(),
                is_error: false
            }]
        );
        assert!(msgs[4].blocks.is_empty());
        let meta = meta.as_ref().unwrap();
        assert_eq!(meta.first_prompt.as_deref(), Some("hello there"));
        assert_eq!(meta.cwd.as_deref(), Some("/home/u/proj-b"));
        assert_eq!(meta.status, None, "unlocked");

        // C: created, killed before its first reply: listed, empty, with its stale lock
        let (_, _, meta, msgs) = session(&m, C);
        assert!(msgs.is_empty());
        let meta = meta.as_ref().unwrap();
        assert_eq!(meta.status.as_deref(), Some("lock:4194306"));
        assert_eq!(meta.first_prompt, None);
    }

    #[test]
    fn odd_rows_are_skipped_and_reported_and_the_rest_is_kept() {
        let m = parse(&fixture("odd.db"));
        let issues: Vec<(Option<u64>, IssueKind)> =
            m.issues.iter().map(|i| (i.line, i.kind)).collect();
        assert_eq!(
            issues,
            vec![
                (Some(2), IssueKind::UnknownType), // role system_note
                (Some(3), IssueKind::UnknownType), // block server_tool_use
                (Some(3), IssueKind::WrongShape),  // a block that is a number
            ]
        );
        assert!(m.issues[0].detail.contains("system_note"));
        let (_, _, meta, msgs) = m.only();
        use Role::*;
        assert_eq!(
            roles(msgs),
            vec![User, Assistant, Assistant, Tool, Assistant]
        );
        assert_eq!(msgs[1].blocks, vec![Block::text("kept")]);
        assert!(msgs[2].plain_text().contains("not utf-8"), "lossy BLOB");
        assert_eq!(msgs[2].time, None, "a bad timestamp is no time");
        assert!(
            matches!(&msgs[3].blocks[0], Block::ToolResult { output, .. } if output.contains("\"obj\""))
        );
        assert_eq!(msgs[4].plain_text(), "still here");
        let meta = meta.as_ref().unwrap();
        assert_eq!(meta.updated_at, None);
        assert_eq!(meta.status, None, "a blank locked_by is no lock");
        assert_eq!(meta.cwd.as_deref(), Some("/srv/odd"));
    }

    #[test]
    fn the_later_schema_gives_cwd_usage_and_new_roles() {
        let m = parse(&fixture("later.db"));
        assert!(m.issues.is_empty(), "{:?}", m.issues);
        let (_, _, meta, msgs) = session(&m, "5a5a5a5a-0000-4000-8000-000000000001");
        use Role::*;
        assert_eq!(
            roles(msgs),
            vec![User, Assistant, System, User, Assistant],
            "repair is applied by agsh, not shown"
        );
        assert_eq!(msgs[0].plain_text(), "What is in this picture?");
        assert!(msgs[0].blocks.iter().any(|b| matches!(b, Block::Attachment { kind, description } if kind == "image" && description == "image/jpeg")));
        assert!(matches!(
            &msgs[2].blocks[0],
            Block::Notice { kind, text } if kind == "compaction" && text.contains("2 earlier")
        ));
        assert_eq!(
            msgs[2].blocks[1],
            Block::text("The user asked about a picture of a cat.")
        );
        // cumulative per-session counters, on the last assistant message only
        assert_eq!(msgs[1].usage, None);
        assert_eq!(
            msgs[4].usage,
            Some(TokenUsage {
                input: 1200,
                output: 340,
                cache_read: 8000,
                cache_write: 500,
                reasoning: 0,
                cache_write_1h: 0
            })
        );
        let meta = meta.as_ref().unwrap();
        assert!(!meta.no_token_usage);
        assert_eq!(
            meta.cwd.as_deref(),
            Some("/work/later"),
            "the cwd column wins over the preamble"
        );
        assert_eq!(meta.status, None, "no locked_by column");
        let (_, _, meta, msgs) = session(&m, "5a5a5a5a-0000-4000-8000-000000000002");
        assert_eq!(msgs.len(), 2);
        assert_eq!(
            meta.as_ref().unwrap().first_prompt.as_deref(),
            Some("Sub-task: count the cats")
        );
    }

    #[test]
    fn not_an_agsh_database_is_reported_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sessions.db");
        let c = Connection::open(&p).unwrap();
        c.execute_batch("CREATE TABLE other(x); INSERT INTO other VALUES (1);")
            .unwrap();
        drop(c);
        let m = parse(&p);
        assert!(m.sessions.is_empty());
        assert_eq!(m.issues.len(), 1);
        assert_eq!(m.issues[0].kind, IssueKind::WrongShape);
    }

    #[test]
    fn locks_are_live_while_the_process_exists_and_stale_after() {
        assert_eq!(lock_status("42", |_| Some(true)), "live");
        assert_eq!(lock_status(" 42 ", |_| Some(false)), "stale lock");
        assert_eq!(lock_status("42", |_| None), "locked");
        assert_eq!(lock_status("0", |_| Some(true)), "stale lock");
        assert_eq!(lock_status("not-a-pid", |_| Some(true)), "stale lock");
        // the real check, through decorate, as a session is read
        let me = std::process::id();
        assert_eq!(process_alive(me), Some(true));
        assert_eq!(process_alive(NO_SUCH_PID), Some(false));
        let m = parse(&home_db());
        let meta = session(&m, A).2.clone().unwrap();
        let mut s = listed(&meta);
        AgshSource.decorate(&mut s);
        assert_eq!(s.status.as_deref(), Some("stale lock"));
        AgshSource.decorate(&mut s);
        assert_eq!(s.status.as_deref(), Some("stale lock"), "idempotent");
        let mut live = listed(&SessionMeta {
            status: Some(format!("lock:{me}")),
            ..meta.clone()
        });
        AgshSource.decorate(&mut live);
        assert_eq!(live.status.as_deref(), Some("live"));
        let mut free = listed(&session(&m, B).2.clone().unwrap());
        AgshSource.decorate(&mut free);
        assert_eq!(free.status, None);
    }

    #[cfg(unix)]
    #[test]
    fn the_ps_listing_used_without_procfs_sees_this_process() {
        match ps_pids() {
            Some(pids) => {
                assert!(pids.contains(&std::process::id()));
                assert!(!pids.contains(&NO_SUCH_PID));
            }
            None => eprintln!("ps is not installed here: the procfs check is used"),
        }
    }

    /// A listed session with this metadata (what the index would hand to decorate/resume).
    fn listed(meta: &SessionMeta) -> Session {
        Session {
            agent: Agent::Agsh,
            id: meta.id.clone(),
            title: String::new(),
            cwd: meta.cwd.clone(),
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
            tokens_known: !meta.no_token_usage,
            cost_usd: None,
            unpriced_turns: 0,
            source: String::new(),
            resume: None,
            parse_errors: 0,
            key: format!("agsh:{}", meta.id),
            first_prompt: None,
            status: meta.status.clone(),
            extra: Default::default(),
        }
    }

    #[test]
    fn resume_is_agsh_dash_c_in_the_sessions_cwd() {
        let mut s = listed(&SessionMeta {
            id: A.into(),
            cwd: Some("/home/u/proj-a".into()),
            ..Default::default()
        });
        assert_eq!(
            AgshSource.resume(&s),
            Some(ResumeTarget {
                argv: vec!["agsh".into(), "-c".into(), A.into()],
                cwd: Some("/home/u/proj-a".into())
            })
        );
        s.cwd = Some("relative/dir".into());
        assert_eq!(AgshSource.resume(&s).unwrap().cwd, None);
        for bad in ["--permission=write", "-x", "", "a b", "x;rm", "../x"] {
            s.id = bad.into();
            assert_eq!(AgshSource.resume(&s), None, "{bad:?}");
        }
    }

    // ---- incremental parsing ----

    fn run(path: &Path, state: Option<&[u8]>) -> (Sink, Vec<u8>) {
        let mut sink = Sink::default();
        let st = AgshDb
            .parse(
                &store_for(Agent::Agsh, path, StoreKind::Sqlite),
                state,
                &mut sink,
            )
            .unwrap();
        (sink, st)
    }

    /// Apply a sink the way the index does (a complete one replaces everything).
    fn apply(m: &mut Materialized, sink: Sink) {
        if sink.complete {
            *m = Materialized::default();
        }
        m.apply(sink);
    }

    fn sorted(m: &Materialized) -> Vec<Part> {
        let mut v = m.sessions.clone();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    fn exec(path: &Path, sql: &str) {
        let c = Connection::open(path).unwrap();
        c.execute_batch(sql).unwrap();
    }

    #[test]
    fn incremental_parses_emit_only_what_changed_and_equal_a_whole_parse() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sessions.db");
        std::fs::copy(home_db(), &p).unwrap();

        let (sink, state) = run(&p, None);
        assert!(sink.complete, "the first parse is whole");
        let mut m = Materialized::default();
        apply(&mut m, sink);

        // nothing changed: nothing emitted
        let (sink, state) = run(&p, Some(&state));
        assert!(!sink.complete && sink.is_empty() && sink.removed.is_empty());

        // a new turn in A, a new session D, B's lock taken, C deleted
        let d = "d0d0d0d0-1111-4222-8333-444455556666";
        exec(
            &p,
            &format!(
                "INSERT INTO sessions VALUES ('{d}', '2026-11-20T10:00:02+00:00', '2026-11-20T10:00:02+00:00', '777', NULL);
                 INSERT INTO messages(session_id, role, content, created_at) VALUES
                   ('{A}', 'user', 'and again', '2026-11-20T10:00:00+00:00'),
                   ('{A}', 'assistant', '[{{\"type\":\"text\",\"text\":\"again\"}}]', '2026-11-20T10:00:01+00:00'),
                   ('{d}', 'user', 'new one', '2026-11-20T10:00:02+00:00');
                 UPDATE sessions SET locked_by = '555', updated_at = '2026-11-20T10:00:03+00:00' WHERE id = '{B}';
                 DELETE FROM sessions WHERE id = '{C}';"
            ),
        );
        let (sink, state) = run(&p, Some(&state));
        assert!(!sink.complete);
        assert_eq!(sink.removed, vec![C.to_string()]);
        let touched: Vec<(&str, usize, bool)> = sink
            .sessions
            .iter()
            .map(|s| (s.uid.as_str(), s.ops.len(), s.meta.is_some()))
            .collect();
        assert_eq!(
            touched,
            vec![(A, 11, true), (B, 0, true), (d, 2, true)],
            "A and D re-emitted (puts + truncate), B's row only"
        );
        let b_meta = sink.sessions[1].meta.clone().unwrap();
        assert_eq!(b_meta.status.as_deref(), Some("lock:555"));
        assert_eq!(
            b_meta.first_prompt.as_deref(),
            Some("hello there"),
            "kept from the state"
        );
        apply(&mut m, sink);
        assert_eq!(sorted(&m), sorted(&parse(&p)));

        // a message deleted from A (agsh rewrites history in later versions)
        let last: i64 = Connection::open(&p)
            .unwrap()
            .query_row(
                &format!("SELECT max(id) FROM messages WHERE session_id = '{A}'"),
                [],
                |r| r.get(0),
            )
            .unwrap();
        exec(&p, &format!("DELETE FROM messages WHERE id = {last}"));
        let (sink, state) = run(&p, Some(&state));
        assert!(!sink.complete);
        assert_eq!(sink.sessions.len(), 1);
        apply(&mut m, sink);
        assert_eq!(sorted(&m), sorted(&parse(&p)));
        assert_eq!(session(&m, A).3.len(), 9);

        // a bad row arrives: parsed again whole, so the store counts each record once
        exec(
            &p,
            &format!(
                "INSERT INTO messages(session_id, role, content, created_at)
                 VALUES ('{d}', 'mystery', 'x', '2026-11-20T10:00:09+00:00');"
            ),
        );
        let (sink, state) = run(&p, Some(&state));
        assert!(sink.complete);
        assert_eq!(sink.issues.len(), 1);
        apply(&mut m, sink);
        // that session changes again: whole again, and the issue is reported once, not twice
        exec(
            &p,
            &format!(
                "INSERT INTO messages(session_id, role, content, created_at)
                 VALUES ('{d}', 'assistant', '[]', '2026-11-20T10:00:10+00:00');"
            ),
        );
        let (sink, state) = run(&p, Some(&state));
        assert!(sink.complete);
        assert_eq!(sink.issues.len(), 1);
        apply(&mut m, sink);
        // a change elsewhere stays incremental
        exec(
            &p,
            &format!("UPDATE sessions SET locked_by = NULL WHERE id = '{A}';"),
        );
        let (sink, state) = run(&p, Some(&state));
        assert!(!sink.complete && sink.issues.is_empty());
        apply(&mut m, sink);
        assert_eq!(sorted(&m), sorted(&parse(&p)));

        // a state from another schema (or unreadable) means a whole parse
        exec(&p, "ALTER TABLE sessions ADD COLUMN cwd TEXT;");
        let (sink, _) = run(&p, Some(&state));
        assert!(sink.complete);
        let (sink, _) = run(&p, Some(b"not json"));
        assert!(sink.complete);
    }

    #[test]
    fn usage_counters_that_change_re_emit_the_session() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sessions.db");
        std::fs::copy(fixture("later.db"), &p).unwrap();
        let (sink, state) = run(&p, None);
        let mut m = Materialized::default();
        apply(&mut m, sink);
        exec(
            &p,
            "UPDATE sessions SET stat_output_tokens = 400 WHERE id = '5a5a5a5a-0000-4000-8000-000000000001';",
        );
        let (sink, _) = run(&p, Some(&state));
        assert!(!sink.complete);
        assert_eq!(sink.sessions.len(), 1);
        apply(&mut m, sink);
        let msgs = &session(&m, "5a5a5a5a-0000-4000-8000-000000000001").3;
        assert_eq!(msgs[4].usage.unwrap().output, 400);
        assert_eq!(sorted(&m), sorted(&parse(&p)));
    }

    #[test]
    fn mangled_rows_and_databases_never_panic() {
        use crate::sources::mangle::{Rng, variants};
        let mut rng = Rng(0xa95_0011_5eed_0001);
        let rows: Vec<MsgRow> = {
            let c =
                Connection::open_with_flags(home_db(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                    .unwrap();
            let mut st = c
                .prepare("SELECT id, role, content, created_at FROM messages ORDER BY id")
                .unwrap();
            st.query_map([], |r| {
                Ok(MsgRow {
                    id: r.get(0)?,
                    role: r.get(1)?,
                    content: r.get(2)?,
                    created_at: r.get(3)?,
                })
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
        };
        let row = SessionRow {
            id: A.into(),
            locked_by: Some("\u{0}-1".into()),
            stats: Some([u64::MAX, 1, 2, 3]),
            ..Default::default()
        };
        for r in &rows {
            for bad in variants(r.content.as_bytes(), &mut rng) {
                for role in [
                    r.role.as_str(),
                    "user",
                    "user_blocks",
                    "assistant",
                    "tool_results",
                    "compact_boundary",
                    "zz",
                ] {
                    let mut mangled = r.clone();
                    mangled.role = role.into();
                    mangled.content = String::from_utf8_lossy(&bad).into_owned();
                    mangled.created_at = Some(String::from_utf8_lossy(&bad).into_owned());
                    let built = build(&row, &[rows[0].clone(), mangled], true);
                    assert!(!built.messages.is_empty(), "the good row is kept");
                }
            }
        }
        // the database file itself cut short or with bytes flipped: an error or a partial
        // read, never a panic
        let bytes = std::fs::read(home_db()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        for i in 0..24 {
            let p = dir.path().join(format!("m{i}.db"));
            let mut b = bytes.clone();
            if i % 2 == 0 {
                b.truncate(rng.below(b.len()));
            } else {
                for _ in 0..16 {
                    let at = rng.below(b.len());
                    b[at] = (rng.step() & 0xff) as u8;
                }
            }
            std::fs::write(&p, &b).unwrap();
            let _ = materialize(&AgshSource, &store_for(Agent::Agsh, &p, StoreKind::Sqlite));
        }
    }
}
