//! Source adapters: one per agent. A source discovers where its agent keeps sessions, lists the
//! stores (files or databases) under those roots, parses a store into the normalised model, and
//! builds the resume command. Sources know nothing about SQLite indexing or the terminal.
//!
//! Parsing is incremental for line-oriented stores: the indexer hands a [`LineParser`] only the
//! complete lines it has not seen yet, together with the parser state saved after the previous
//! run. Parsers describe their results as operations on numbered messages ([`MsgOp`]) so that a
//! line which completes an earlier message (streamed duplicates, re-written ids, rewinds) can
//! replace or truncate what was emitted before.

pub mod agenix;
pub mod agsh;
pub mod claude;
pub mod codex;
#[doc(hidden)]
pub mod fuzz;
pub mod gemini;
pub mod opencode;
pub mod pi;
pub mod profclaw;
pub mod sqlite;
pub mod util;

use crate::config::{Config, Env};
use crate::model::{Agent, Message, ResumeTarget, Session};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Where a root came from, for `doctor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum RootOrigin {
    /// The agent's default location.
    Default,
    /// An environment variable of the agent's, honoured.
    Env(String),
    /// `config.toml`.
    Config,
    /// Derived from something else (for example another agent's working directories).
    Derived(String),
    /// revisit's bundled demo sessions.
    Demo,
}

impl RootOrigin {
    pub fn describe(&self) -> String {
        match self {
            RootOrigin::Default => "default".into(),
            RootOrigin::Env(v) => format!("${v}"),
            RootOrigin::Config => "config".into(),
            RootOrigin::Derived(why) => format!("derived: {why}"),
            RootOrigin::Demo => "demo".into(),
        }
    }
}

/// A place a source looks for stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    pub agent: Agent,
    pub path: PathBuf,
    pub origin: RootOrigin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// Appended line by line: parsed incrementally.
    Jsonl,
    /// Rewritten as a whole: parsed again when it changes.
    Json,
    /// A database owned by the agent: opened read-only.
    Sqlite,
    /// Not a file: a server's API (profclaw). The source fingerprints it itself.
    Remote,
}

impl StoreKind {
    pub fn parse(s: &str) -> Option<StoreKind> {
        match s {
            "jsonl" => Some(StoreKind::Jsonl),
            "json" => Some(StoreKind::Json),
            "sqlite" => Some(StoreKind::Sqlite),
            "remote" => Some(StoreKind::Remote),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::Jsonl => "jsonl",
            StoreKind::Json => "json",
            StoreKind::Sqlite => "sqlite",
            StoreKind::Remote => "remote",
        }
    }
}

/// One store found by a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreRef {
    pub agent: Agent,
    pub path: PathBuf,
    pub kind: StoreKind,
    /// The root it was found under.
    pub root: PathBuf,
    /// Lower wins when two stores hold the same session (e.g. Codex `sessions/` over
    /// `archived_sessions/`).
    pub priority: i32,
}

/// Something a scan could not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanProblem {
    pub path: PathBuf,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct ScanOut {
    pub stores: Vec<StoreRef>,
    pub problems: Vec<ScanProblem>,
}

/// A skipped line or record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParseIssue {
    /// 1-based line number for line stores, record number or `None` otherwise.
    pub line: Option<u64>,
    pub kind: IssueKind,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// Not JSON at all (binary, truncated, corrupt).
    InvalidJson,
    /// JSON, but not of the shape the format needs (missing field, wrong type).
    WrongShape,
    /// A record type this version of revisit does not know.
    UnknownType,
    /// A line above the size limit.
    TooLong,
    /// The store as a whole could not be read.
    Unreadable,
}

impl IssueKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IssueKind::InvalidJson => "invalid_json",
            IssueKind::WrongShape => "wrong_shape",
            IssueKind::UnknownType => "unknown_type",
            IssueKind::TooLong => "too_long",
            IssueKind::Unreadable => "unreadable",
        }
    }

    pub fn parse(s: &str) -> IssueKind {
        match s {
            "invalid_json" => IssueKind::InvalidJson,
            "wrong_shape" => IssueKind::WrongShape,
            "unknown_type" => IssueKind::UnknownType,
            "too_long" => IssueKind::TooLong,
            _ => IssueKind::Unreadable,
        }
    }
}

/// A title found for a session, ranked: the highest rank wins.
pub mod rank {
    /// A name the person gave (`/rename`, `session_info.name`).
    pub const CUSTOM: u8 = 50;
    /// A name the agent keeps in an index of its own (Codex thread names).
    pub const THREAD_NAME: u8 = 40;
    /// A title the agent generated (Claude `ai-title`, OpenCode titles, Gemini summaries).
    pub const GENERATED: u8 = 30;
    /// An old-style summary line pointing at the session's last message.
    pub const SUMMARY: u8 = 20;
}

/// A title for a session that lives outside the session's own store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TitleHint {
    pub target: HintTarget,
    pub title: String,
    pub rank: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum HintTarget {
    /// The session with this uid (same agent).
    Session(String),
    /// Whichever session contains a message with this native id.
    Leaf(String),
}

/// Metadata a parser keeps for a session. Counts and token totals are not here: the index
/// derives them from the messages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionMeta {
    /// The id the agent's resume flag takes.
    pub id: String,
    /// The best title found in the store itself, with its rank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default)]
    pub title_rank: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_prompt: Option<String>,
    /// The directory the session started in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    /// For agents whose ids are only unique per directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The agent stores no token usage at all (counts are unknown, not zero).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_token_usage: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// An operation on the numbered messages of one session part.
#[derive(Debug, Clone, PartialEq)]
pub enum MsgOp {
    /// Set message `seq` (append when `seq` is the current length, replace otherwise).
    Put(u32, Box<Message>),
    /// Drop every message from `seq` on.
    Truncate(u32),
}

/// What one store contributes to one session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionDelta {
    /// Unique within the agent: the id, or `id@scope` where ids are per directory.
    pub uid: String,
    /// The store that holds the session itself (as opposed to a subagent file that only adds
    /// messages to it).
    pub primary: bool,
    /// Current metadata (primary parts), replacing what was stored.
    pub meta: Option<SessionMeta>,
    pub ops: Vec<MsgOp>,
}

/// Where a parser writes its results.
#[derive(Debug, Default)]
pub struct Sink {
    pub sessions: Vec<SessionDelta>,
    pub hints: Vec<TitleHint>,
    pub issues: Vec<ParseIssue>,
    /// Whole-store parsers set this: parts of the store not mentioned are gone.
    pub complete: bool,
    /// Sessions (uids) this store no longer holds (for incremental database parsers).
    pub removed: Vec<String>,
    /// Whole-store parsers of line files (Pi): bytes of an unfinished last line left for the
    /// next read (line stores report theirs through the feeder).
    pub pending: u64,
}

impl Sink {
    pub fn session(&mut self, uid: &str, primary: bool) -> &mut SessionDelta {
        if let Some(i) = self.sessions.iter().position(|s| s.uid == uid) {
            let d = &mut self.sessions[i];
            d.primary |= primary;
            return d;
        }
        self.sessions.push(SessionDelta {
            uid: uid.to_string(),
            primary,
            meta: None,
            ops: Vec::new(),
        });
        self.sessions.last_mut().expect("just pushed")
    }

    pub fn put(&mut self, uid: &str, primary: bool, seq: u32, msg: Message) {
        self.session(uid, primary)
            .ops
            .push(MsgOp::Put(seq, Box::new(msg)));
    }

    pub fn truncate(&mut self, uid: &str, primary: bool, len: u32) {
        self.session(uid, primary).ops.push(MsgOp::Truncate(len));
    }

    pub fn meta(&mut self, uid: &str, meta: SessionMeta) {
        self.session(uid, true).meta = Some(meta);
    }

    /// The store no longer holds this session.
    pub fn remove(&mut self, uid: &str) {
        self.sessions.retain(|s| s.uid != uid);
        self.removed.push(uid.to_string());
    }

    pub fn issue(&mut self, line: Option<u64>, kind: IssueKind, detail: impl Into<String>) {
        self.issues.push(ParseIssue {
            line,
            kind,
            detail: detail.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.sessions
            .iter()
            .all(|s| s.ops.is_empty() && s.meta.is_none())
            && self.hints.is_empty()
            && self.issues.is_empty()
    }
}

#[derive(Debug, Error)]
pub enum SourceError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Store { path: PathBuf, message: String },
}

/// A parser for a line-oriented store. The indexer feeds complete lines (without the line
/// terminator) and asks for the state to save between runs.
pub trait LineParser: Send {
    /// Restore the state saved by `save_state`. Returns false when it cannot be used (the
    /// indexer then parses the store again from the start).
    fn load_state(&mut self, state: &[u8]) -> bool;
    fn save_state(&self) -> Vec<u8>;
    /// One complete line. `line_no` is 1-based. Never panics on any input.
    fn line(&mut self, line_no: u64, line: &[u8], sink: &mut Sink);
    /// Called after each batch of lines: emit the current metadata.
    fn flush(&mut self, sink: &mut Sink);
}

/// A parser for a store read as a whole (a JSON file or a database).
pub trait WholeParser: Send {
    /// Parse the store. `state` is what the previous run returned (for stores that can be
    /// read incrementally); return the state to keep.
    fn parse(
        &mut self,
        store: &StoreRef,
        state: Option<&[u8]>,
        sink: &mut Sink,
    ) -> Result<Vec<u8>, SourceError>;
}

pub enum Parser {
    Lines(Box<dyn LineParser>),
    Whole(Box<dyn WholeParser>),
}

/// The agent-specific part of a line parser, with a serialisable state. Wrap it in
/// [`TypedLines`] to get a [`LineParser`].
pub trait LineFormat: Send + 'static {
    type State: Serialize + DeserializeOwned + Default + Send;
    fn line(&self, st: &mut Self::State, line_no: u64, line: &[u8], sink: &mut Sink);
    fn flush(&self, st: &mut Self::State, sink: &mut Sink);
}

pub struct TypedLines<F: LineFormat> {
    format: F,
    state: F::State,
}

impl<F: LineFormat> TypedLines<F> {
    pub fn boxed(format: F) -> Parser {
        Parser::Lines(Box::new(TypedLines {
            format,
            state: F::State::default(),
        }))
    }
}

impl<F: LineFormat> LineParser for TypedLines<F> {
    fn load_state(&mut self, state: &[u8]) -> bool {
        match serde_json::from_slice(state) {
            Ok(s) => {
                self.state = s;
                true
            }
            Err(_) => false,
        }
    }
    fn save_state(&self) -> Vec<u8> {
        serde_json::to_vec(&self.state).unwrap_or_default()
    }
    fn line(&mut self, line_no: u64, line: &[u8], sink: &mut Sink) {
        self.format.line(&mut self.state, line_no, line, sink)
    }
    fn flush(&mut self, sink: &mut Sink) {
        self.format.flush(&mut self.state, sink)
    }
}

/// Everything a source needs to find its roots.
pub struct DiscoverCtx<'a> {
    pub env: &'a Env,
    pub config: &'a Config,
    /// Working directories of sessions already indexed (from every agent): Agenix keeps its
    /// sessions inside the project directory, so this is where they are found.
    pub known_dirs: &'a [PathBuf],
}

/// Size and modification time (ns) of a file store. For SQLite stores the `-wal` file counts
/// too: new rows sit there until a checkpoint.
pub fn file_fingerprint(store: &StoreRef) -> Option<(i64, i64)> {
    let one = |p: &Path| -> Option<(i64, i64)> {
        let md = std::fs::metadata(p).ok()?;
        let mtime = md
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos() as i64)
            .unwrap_or(0);
        Some((md.len() as i64, mtime))
    };
    let (mut size, mut mtime) = one(&store.path)?;
    if store.kind == StoreKind::Sqlite {
        let wal = PathBuf::from(format!("{}-wal", store.path.display()));
        if let Some((s, m)) = one(&wal) {
            size += s;
            mtime = mtime.max(m);
        }
    }
    Some((size, mtime))
}

/// One agent's adapter.
pub trait Source: Send + Sync {
    fn agent(&self) -> Agent;
    /// Every root this source would look at, existing or not (doctor lists them all).
    fn roots(&self, ctx: &DiscoverCtx) -> Vec<Root>;
    /// List the stores under an existing root.
    fn scan(&self, root: &Root, out: &mut ScanOut);
    /// A parser for one store.
    fn parser(&self, store: &StoreRef) -> Parser;
    /// The command that resumes a session, when the agent can. Ids and paths from the
    /// session's files are checked against the agent's forms: nothing becomes an option.
    fn resume(&self, session: &Session) -> Option<ResumeTarget>;
    /// The agent's own continue-latest command, run in the session's directory. `None`: the
    /// agent has no such flag, or the session has no directory.
    fn continue_latest(&self, _session: &Session) -> Option<ResumeTarget> {
        None
    }
    /// A resume command that works from any directory, for when the session's directory is
    /// gone (its `cwd` is `None`: revisit's own directory). `None`: the agent can only
    /// resume in the session's directory.
    fn resume_elsewhere(&self, _session: &Session) -> Option<ResumeTarget> {
        None
    }
    /// Why the session cannot be resumed now (a live process holds it), read fresh from the
    /// store.
    fn in_use(&self, _session: &Session) -> Option<String> {
        None
    }
    /// A cheap fingerprint of a store (size and modification time for files): a store whose
    /// fingerprint did not change is not parsed again. An error means the store cannot be
    /// reached now; what was indexed from it is kept.
    fn fingerprint(&self, store: &StoreRef) -> Result<(i64, i64), String> {
        file_fingerprint(store).ok_or_else(|| "cannot stat".to_string())
    }
    /// Adjust a session as it is read from the index, for what can change without its store
    /// changing (e.g. whether the process holding a lock is still running).
    fn decorate(&self, _session: &mut Session) {}
    /// A root that is not a path on this machine (a server URL): scanned even though no such
    /// path exists.
    fn is_remote(&self, _root: &Root) -> bool {
        false
    }
    /// Sessions that are trees (Pi): the next branch at a branch notice (`at`, its
    /// `native_id`), from the branch shown (`leaf`; None for the active one). Returns that
    /// branch's messages and its leaf (None when it is the active branch). Reads the store
    /// only. `None`: the agent's sessions do not branch.
    fn switch_branch(
        &self,
        _session: &Session,
        _at: &str,
        _leaf: Option<&str>,
    ) -> Option<Result<BranchView, String>> {
        None
    }
}

/// The messages of one branch of a session, and the entry it ends at (None: the active one).
pub type BranchView = (Vec<Message>, Option<String>);

/// The roots from `config.toml` for one agent, as [`Root`]s.
pub fn config_roots(ctx: &DiscoverCtx, agent: Agent) -> Vec<Root> {
    ctx.config
        .agent(agent)
        .roots
        .iter()
        .map(|r| Root {
            agent,
            path: ctx.env.expand(r),
            origin: RootOrigin::Config,
        })
        .collect()
}

/// All sources revisit ships, in display order.
pub fn all_sources() -> Vec<Box<dyn Source>> {
    vec![
        Box::new(claude::ClaudeSource),
        Box::new(codex::CodexSource),
        Box::new(gemini::GeminiSource::default()),
        Box::new(opencode::OpencodeSource),
        Box::new(pi::PiSource),
        Box::new(agsh::AgshSource),
        Box::new(agenix::AgenixSource),
        Box::new(profclaw::ProfclawSource::default()),
    ]
}

/// Sources plus the environment and config they discover from.
pub struct Registry {
    pub sources: Vec<Box<dyn Source>>,
    pub env: Env,
    pub config: Config,
    /// The agents' own retention settings, read once (see [`crate::retention`]).
    pub retention: crate::retention::Retention,
}

impl Registry {
    pub fn new(env: Env, config: Config) -> Registry {
        Registry {
            sources: all_sources(),
            retention: crate::retention::Retention::load(&env),
            env,
            config,
        }
    }

    pub fn source(&self, agent: Agent) -> Option<&dyn Source> {
        self.sources
            .iter()
            .find(|s| s.agent() == agent)
            .map(|s| s.as_ref())
    }

    pub fn enabled(&self, agent: Agent) -> bool {
        self.config.agent(agent).enabled
    }

    /// Every root of every enabled source, de-duplicated by path (first origin kept).
    pub fn roots(&self) -> Vec<Root> {
        self.roots_with(&[])
    }

    /// Roots, given the working directories of the sessions indexed so far.
    pub fn roots_with(&self, known_dirs: &[PathBuf]) -> Vec<Root> {
        let ctx = DiscoverCtx {
            env: &self.env,
            config: &self.config,
            known_dirs,
        };
        let mut out: Vec<Root> = Vec::new();
        for s in &self.sources {
            if !self.enabled(s.agent()) {
                continue;
            }
            for r in s.roots(&ctx) {
                if !out.iter().any(|o| o.agent == r.agent && o.path == r.path) {
                    out.push(r);
                }
            }
        }
        // revisit's archived copies, read after (and losing to) the agents' own stores
        for s in &self.sources {
            if self.enabled(s.agent())
                && let Some(r) = crate::keep::archive::root(&self.env, s.agent())
            {
                out.push(r);
            }
        }
        out
    }

    /// Is this store one of revisit's archived copies?
    pub fn is_archived(&self, store: &StoreRef) -> bool {
        store.priority == crate::keep::archive::PRIORITY
            && crate::keep::archive::is_archived_path(&self.env, &store.path)
    }

    fn is_archive_root(&self, root: &Root) -> bool {
        crate::keep::archive::root(&self.env, root.agent).is_some_and(|r| r.path == root.path)
    }

    /// List a root's stores (the agent's own, or revisit's archive).
    pub fn scan(&self, root: &Root, out: &mut ScanOut) {
        if self.is_archive_root(root) {
            crate::keep::archive::scan(root, out);
        } else if let Some(src) = self.source(root.agent) {
            src.scan(root, out);
        }
    }

    /// The parser for a store (the agent's own, or the archive's).
    pub fn parser(&self, source: &dyn Source, store: &StoreRef) -> Parser {
        if self.is_archived(store) {
            crate::keep::archive::parser()
        } else {
            source.parser(store)
        }
    }

    /// A store's fingerprint (see [`Source::fingerprint`]).
    pub fn fingerprint(&self, source: &dyn Source, store: &StoreRef) -> Result<(i64, i64), String> {
        if self.is_archived(store) {
            file_fingerprint(store).ok_or_else(|| "cannot stat".to_string())
        } else {
            source.fingerprint(store)
        }
    }

    /// Is a root there: an existing path, or a server the source reads remotely?
    pub fn root_present(&self, root: &Root) -> bool {
        root.path.exists() || self.source(root.agent).is_some_and(|s| s.is_remote(root))
    }

    /// Fill in what is decided at read time: the source's decorations, the resume target and
    /// when the agent's retention setting deletes the session.
    pub fn with_resume(&self, s: Session) -> Session {
        let mut s = self.decorated(s);
        s.resume = self.resume_target(&s);
        s
    }

    /// What [`Registry::with_resume`] fills in, but the resume target: the browser's list
    /// (100,000 sessions held at once) asks for the target only when one is copied or
    /// exported ([`Registry::resume_target`]); built for every row it was 22 MB.
    pub fn decorated(&self, mut s: Session) -> Session {
        let copy = crate::keep::archive::is_archived_path(&self.env, Path::new(&s.source));
        if !copy && let Some(src) = self.source(s.agent) {
            src.decorate(&mut s);
        }
        let expiry = if copy {
            None
        } else {
            self.retention.expiry(&s)
        };
        s.extra.expires_at = expiry.as_ref().map(|e| e.0);
        s.extra.expiry_rule = expiry.map(|e| e.1);
        s
    }

    /// The command that resumes a session (decorated as [`Registry::decorated`] does). Only
    /// revisit's archived copy left: the agent's retention has done its work, and only an
    /// agent that loads a session from a file can resume it (from the copy).
    pub fn resume_target(&self, s: &Session) -> Option<ResumeTarget> {
        let src = self.source(s.agent)?;
        if crate::keep::archive::is_archived_path(&self.env, Path::new(&s.source)) {
            crate::keep::archive::resume_from_copy(s)
        } else {
            src.resume(s)
        }
    }

    /// A session from the browser's list with its resume target filled in (for what shows
    /// or writes the command).
    pub fn with_target(&self, mut s: Session) -> Session {
        if s.resume.is_none() {
            s.resume = self.resume_target(&s);
        }
        s
    }
}

/// Parse one JSON line into a typed value, recording why when it fails.
pub fn parse_line<T: DeserializeOwned>(line_no: u64, line: &[u8], sink: &mut Sink) -> Option<T> {
    match serde_json::from_slice::<T>(line) {
        Ok(v) => Some(v),
        Err(e) => {
            let kind = if e.is_data() {
                IssueKind::WrongShape
            } else {
                IssueKind::InvalidJson
            };
            sink.issue(Some(line_no), kind, e.to_string());
            None
        }
    }
}

/// Helper for sources: does a path exist as a directory (without following errors)?
pub fn is_dir(p: &Path) -> bool {
    std::fs::metadata(p).map(|m| m.is_dir()).unwrap_or(false)
}

/// A store parsed to the end, with the message operations applied: what the index would hold
/// for it. Used by tests and by anything that reads a single store directly.
#[derive(Debug, Default)]
pub struct Materialized {
    /// Per session uid: whether this store holds the session itself, its metadata and messages.
    pub sessions: Vec<(String, bool, Option<SessionMeta>, Vec<Message>)>,
    pub hints: Vec<TitleHint>,
    pub issues: Vec<ParseIssue>,
}

impl Materialized {
    pub fn apply(&mut self, sink: Sink) {
        for d in sink.sessions {
            let i = match self.sessions.iter().position(|s| s.0 == d.uid) {
                Some(i) => i,
                None => {
                    self.sessions
                        .push((d.uid.clone(), d.primary, None, Vec::new()));
                    self.sessions.len() - 1
                }
            };
            let entry = &mut self.sessions[i];
            entry.1 |= d.primary;
            for op in d.ops {
                match op {
                    MsgOp::Put(seq, m) => {
                        let seq = seq as usize;
                        if seq < entry.3.len() {
                            entry.3[seq] = *m;
                        } else {
                            // a gap would be a parser bug; fill it visibly
                            while entry.3.len() < seq {
                                entry.3.push(Message::new(crate::model::Role::System));
                            }
                            entry.3.push(*m);
                        }
                    }
                    MsgOp::Truncate(n) => entry.3.truncate(n as usize),
                }
            }
            if d.meta.is_some() {
                entry.2 = d.meta;
            }
        }
        for uid in sink.removed {
            self.sessions.retain(|s| s.0 != uid);
        }
        self.hints.extend(sink.hints);
        self.issues.extend(sink.issues);
    }

    /// The one session of a single-session store.
    pub fn only(&self) -> &(String, bool, Option<SessionMeta>, Vec<Message>) {
        assert_eq!(
            self.sessions.len(),
            1,
            "expected one session: {:?}",
            self.sessions.iter().map(|s| &s.0).collect::<Vec<_>>()
        );
        &self.sessions[0]
    }
}

/// Parse a whole store from the start (line stores line by line, like the indexer).
pub fn materialize(source: &dyn Source, store: &StoreRef) -> Result<Materialized, SourceError> {
    let mut out = Materialized::default();
    match source.parser(store) {
        Parser::Lines(mut p) => {
            let bytes = std::fs::read(&store.path).map_err(|e| SourceError::Io {
                path: store.path.clone(),
                source: e,
            })?;
            let mut sink = Sink::default();
            let mut lines = bytes.split(|b| *b == b'\n').peekable();
            let mut n = 0u64;
            while let Some(line) = lines.next() {
                n += 1;
                if lines.peek().is_none() && !line.is_empty() {
                    // no newline at the end: parsed only if it is complete JSON (like the index)
                    if serde_json::from_slice::<serde::de::IgnoredAny>(line).is_err() {
                        break;
                    }
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
                p.line(n, line, &mut sink);
            }
            p.flush(&mut sink);
            out.apply(sink);
        }
        Parser::Whole(mut p) => {
            let mut sink = Sink::default();
            p.parse(store, None, &mut sink)?;
            out.apply(sink);
        }
    }
    Ok(out)
}

/// A store reference for a path (tests and direct reads).
pub fn store_for(agent: Agent, path: &Path, kind: StoreKind) -> StoreRef {
    StoreRef {
        agent,
        path: path.to_path_buf(),
        kind,
        root: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        priority: 0,
    }
}

/// Deterministic mangling of input lines, for "never panics" tests of every parser.
#[cfg(test)]
pub mod mangle {
    /// xorshift: reproducible without a dependency.
    pub struct Rng(pub u64);
    impl Rng {
        pub fn step(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        pub fn below(&mut self, n: usize) -> usize {
            (self.step() % n.max(1) as u64) as usize
        }
    }

    /// Variants of a line: cut short, bytes flipped, values swapped for other JSON types.
    pub fn variants(line: &[u8], rng: &mut Rng) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for _ in 0..4 {
            out.push(line[..rng.below(line.len())].to_vec());
            let mut flipped = line.to_vec();
            for _ in 0..3 {
                if !flipped.is_empty() {
                    let i = rng.below(flipped.len());
                    flipped[i] = (rng.step() & 0xFF) as u8;
                }
            }
            out.push(flipped);
        }
        let text = String::from_utf8_lossy(line);
        for (from, to) in [
            ("\"message\":{", "\"message\":[{"),
            ("\"payload\":{", "\"payload\":\"x\",\"y\":{"),
            ("\"content\":", "\"content\":null,\"c\":"),
            (
                "\"usage\":{",
                "\"usage\":{\"input_tokens\":-5,\"output_tokens\":1e40,",
            ),
            ("\"timestamp\":\"", "\"timestamp\":\"99999-"),
            ("\"type\":\"", "\"type\":\"zz"),
            (":{", ":[]"),
            ("\"", "\u{0}"),
        ] {
            if text.contains(from) {
                out.push(text.replacen(from, to, 1).into_bytes());
            }
        }
        out.push(b"[]".to_vec());
        out.push(b"null".to_vec());
        out.push(b"\"just a string\"".to_vec());
        out.push(vec![0xff, 0xfe, 0x00, 0x7b]);
        out
    }

    /// A line store parsed at once, and in two runs cut after `cut` lines with the parser's
    /// state saved in between (as the index does when a file grows): both results. Every run's
    /// output is checked for gaps.
    pub fn at_once_and_in_two(
        source: &dyn super::Source,
        store: &super::StoreRef,
        lines: &[&str],
        cut: usize,
    ) -> (super::Materialized, super::Materialized) {
        let lens = std::cell::RefCell::new(std::collections::HashMap::new());
        let run = |lines: &[&str], first: usize, state: Option<&[u8]>| {
            let super::Parser::Lines(mut p) = source.parser(store) else {
                panic!("not a line store")
            };
            if let Some(s) = state {
                assert!(p.load_state(s), "the parser takes back its state");
            }
            let mut sink = super::Sink::default();
            for (i, l) in lines.iter().enumerate() {
                p.line((first + i + 1) as u64, l.as_bytes(), &mut sink);
            }
            p.flush(&mut sink);
            no_gaps_after(&sink, &mut lens.borrow_mut());
            (sink, p.save_state())
        };
        let mut once = super::Materialized::default();
        once.apply(run(lines, 0, None).0);
        lens.borrow_mut().clear();
        let mut twice = super::Materialized::default();
        let (sink, state) = run(&lines[..cut], 0, None);
        twice.apply(sink);
        twice.apply(run(&lines[cut..], cut, Some(&state)).0);
        (once, twice)
    }

    /// A parser's output, applied to empty sessions, puts every message at the end or over an
    /// earlier one: no gap (as the fuzz targets check).
    pub fn assert_no_gaps(sink: &super::Sink) {
        no_gaps_after(sink, &mut Default::default());
    }

    /// The same, on sessions of the lengths in `lens` (updated).
    pub fn no_gaps_after(sink: &super::Sink, lens: &mut std::collections::HashMap<String, u32>) {
        for uid in &sink.removed {
            lens.remove(uid);
        }
        for d in &sink.sessions {
            let len = lens.entry(d.uid.clone()).or_default();
            for op in &d.ops {
                match op {
                    super::MsgOp::Put(seq, _) => {
                        assert!(*seq <= *len, "{}: message {seq} put after {len}", d.uid);
                        *len = (*len).max(seq + 1);
                    }
                    super::MsgOp::Truncate(n) => *len = (*len).min(*n),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The browser's list is decorated without resume commands; the command built on demand
    /// is the one every other view gets, for the agent's own files and for an archived copy.
    #[test]
    fn a_resume_target_on_demand_is_the_one_built_at_read_time() {
        let home = tempfile::tempdir().unwrap();
        let reg = Registry::new(Env::with_home(home.path(), &[]), Config::default());
        let mut own = crate::model::test_session(1);
        own.id = "0193f553-8f88-44bd-8909-778056bdcb54".into();
        own.cwd = Some("/home/u/proj".into());
        own.source = "/home/u/.claude/projects/-home-u-proj/0193f553.jsonl".into();
        // an archived copy, as `archive` lays it out
        let dir = crate::keep::archive::archive_dir(&reg.env)
            .unwrap()
            .join("claude/x");
        std::fs::create_dir_all(dir.join("files")).unwrap();
        std::fs::write(dir.join("files/0193f553.jsonl"), "{}\n").unwrap();
        let manifest = crate::keep::archive::Manifest {
            format: "revisit-archive".into(),
            version: 1,
            key: own.key.clone(),
            agent: Agent::Claude,
            archived_at: Utc::now(),
            title: own.title.clone(),
            files: vec![crate::keep::archive::ArchivedFile {
                original: own.source.clone(),
                copy: "files/0193f553.jsonl".into(),
                primary: true,
            }],
        };
        std::fs::write(
            dir.join("manifest.json"),
            serde_json::to_vec(&manifest).unwrap(),
        )
        .unwrap();
        let mut copy = own.clone();
        copy.source = dir.join("session.json").display().to_string();
        for s in [own.clone(), copy] {
            let full = reg.with_resume(s.clone());
            let listed = reg.decorated(s.clone());
            assert_eq!(listed.resume, None);
            let on_demand = reg.resume_target(&listed);
            assert!(on_demand.is_some(), "{}", s.source);
            assert_eq!(on_demand, full.resume, "{}", s.source);
            assert_eq!(reg.with_target(listed).resume, full.resume);
        }
        // the agent's own file resumes by id; the copy by its path
        assert_eq!(reg.resume_target(&own).unwrap().argv[2], own.id);
        let mut copy = own;
        copy.source = dir.join("session.json").display().to_string();
        let from_copy = reg.resume_target(&copy).unwrap();
        let path = dir.join("files/0193f553.jsonl").display().to_string();
        assert_eq!(from_copy.argv, ["claude", "--resume", path.as_str()]);
    }
}
