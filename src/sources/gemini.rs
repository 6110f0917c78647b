//! Gemini CLI: `~/.gemini/tmp/<project>/chats/` (`$GEMINI_CLI_HOME` replaces the home, so the
//! root becomes `$GEMINI_CLI_HOME/.gemini`).
//!
//! Rules (see `FORMATS.md` §3 and `GENERATED-codex-gemini.md`):
//! - up to 0.38 a session is one JSON `ConversationRecord` rewritten whole
//!   (`session-<time>-<id8>.json`, read as a whole); from 0.39 it is JSONL
//!   (`session-<time>-<id8>.jsonl`, read incrementally) whose records apply in order: metadata
//!   lines, message records (an id written again replaces the earlier one: the last one wins),
//!   `$set` patches and `$rewindTo` (drops that message and every later one; an unknown id
//!   drops everything). When both files exist the `.jsonl` wins;
//! - a message that calls tools is written twice under one id (first without `toolCalls`):
//!   the second write replaces the first, so its usage is counted once;
//! - `$set {messages: [...]}` is a checkpoint of the history as the model sees it. Every
//!   process writes one with the injected `<session_context>` message, and a resume writes the
//!   whole history rebuilt from API contents (no tokens, model or tool calls, resume-time
//!   timestamps, every tool result twice). Entries that restate messages already shown (same
//!   id, or tool results already shown) change nothing; entries never seen are appended, user
//!   ones as injected text; earlier messages missing from the list stay (they happened, and
//!   their tokens were spent). Only `$rewindTo` removes messages;
//! - tool calls come from `toolCalls[]` and their results from `toolCalls[].result` (status
//!   `error`/`cancelled`, a `response.error`, or a shell `Exit Code:` other than 0 is an
//!   error); the separate `functionResponse` user messages that repeat those results are
//!   folded into them, and shown on their own only for calls no `toolCalls[]` answered;
//! - tokens: `input` includes `cached`, `thoughts` are output-side reasoning, `tool`
//!   (tool-use prompt tokens) is input-side: input = input − cached + tool,
//!   cache_read = cached, output = output + thoughts, reasoning = thoughts;
//! - cwd is not stored: `tmp/<slug>/.project_root` or `projects.json` (0.29+), else a project
//!   root whose sha256 is the folder name or the file's `projectHash` (candidates:
//!   `projects.json`, the working directories of sessions already indexed, and the workspace
//!   directories named inside the file), else the first workspace directory of the injected
//!   `<session_context>` (Gemini names the project root first there), else none;
//! - subagents (0.39+): `chats/<parent session id>/<subagent id>.jsonl` add sidechain
//!   messages to the parent session;
//! - title: `$set summary`, else the first prompt that is not a slash command or `?`.

use super::util::{self, walk_files};
use super::{
    IssueKind, LineFormat, Parser, ResumeTarget, Root, RootOrigin, ScanOut, ScanProblem,
    SessionMeta, Sink, Source, SourceError, StoreKind, StoreRef, TypedLines, WholeParser,
    config_roots, rank,
};
use crate::model::{Agent, Block, Message, Role, Session, TokenUsage, parse_time};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The Gemini CLI source. It remembers, per refresh, the working directories revisit already
/// knows (to recognise the project roots of old hash-named folders) and what it resolved.
#[derive(Default)]
pub struct GeminiSource {
    stash: Mutex<Stash>,
}

#[derive(Default)]
struct Stash {
    known_dirs: Vec<String>,
    /// Per Gemini root (`~/.gemini`): what `projects.json` and the known directories say.
    roots: HashMap<Option<PathBuf>, RootInfo>,
    /// Per project folder (`tmp/<project>`): the cwd it stands for.
    folders: HashMap<PathBuf, Option<String>>,
}

struct RootInfo {
    /// sha256 → project root (known directories and `projects.json` keys).
    by_hash: Arc<HashMap<String, String>>,
    /// `projects.json`: (project root, slug).
    projects: Vec<(String, String)>,
}

impl Source for GeminiSource {
    fn agent(&self) -> Agent {
        Agent::Gemini
    }

    fn roots(&self, ctx: &super::DiscoverCtx) -> Vec<Root> {
        if let Ok(mut st) = self.stash.lock() {
            *st = Stash {
                known_dirs: ctx
                    .known_dirs
                    .iter()
                    .filter_map(|p| p.to_str().map(str::to_string))
                    .collect(),
                ..Stash::default()
            };
        }
        let mut roots = Vec::new();
        if let Some(h) = ctx.env.var("GEMINI_CLI_HOME") {
            roots.push(Root {
                agent: Agent::Gemini,
                path: ctx.env.expand(h).join(".gemini"),
                origin: RootOrigin::Env("GEMINI_CLI_HOME".into()),
            });
        }
        if let Some(home) = ctx.env.home() {
            roots.push(Root {
                agent: Agent::Gemini,
                path: home.join(".gemini"),
                origin: RootOrigin::Default,
            });
        }
        roots.extend(config_roots(ctx, Agent::Gemini));
        roots
    }

    fn scan(&self, root: &Root, out: &mut ScanOut) {
        // project folders: `<root>/tmp/<project>`; a configured root may also name a project
        // folder or its `chats/` directly
        let mut projects: Vec<PathBuf> = Vec::new();
        let tmp = root.path.join("tmp");
        if tmp.is_dir() {
            match std::fs::read_dir(&tmp) {
                Ok(rd) => {
                    for e in rd {
                        match e {
                            Ok(e) => {
                                let p = e.path();
                                if p.join("chats").is_dir() {
                                    projects.push(p);
                                }
                            }
                            Err(e) => out.problems.push(ScanProblem {
                                path: tmp.clone(),
                                reason: e.to_string(),
                            }),
                        }
                    }
                }
                Err(e) => out.problems.push(ScanProblem {
                    path: tmp.clone(),
                    reason: e.to_string(),
                }),
            }
            projects.sort();
        } else if root.origin == RootOrigin::Config {
            if root.path.join("chats").is_dir() {
                projects.push(root.path.clone());
            } else if util::file_name(&root.path) == "chats"
                && let Some(parent) = root.path.parent()
            {
                projects.push(parent.to_path_buf());
            }
        }
        for proj in projects {
            let chats = proj.join("chats");
            walk_files(&chats, 1, out, &mut |p, out| {
                let name = util::file_name(p);
                let direct = p.parent() == Some(chats.as_path());
                let (kind, priority) = if direct {
                    // logs.json, checkpoint-*.json and checkpoints/ live elsewhere, but only
                    // `session-*` files are transcripts
                    if !name.starts_with("session-") {
                        return;
                    }
                    if name.ends_with(".jsonl") {
                        (StoreKind::Jsonl, 0)
                    } else if name.ends_with(".json") {
                        (StoreKind::Json, 1)
                    } else {
                        return;
                    }
                } else if name.ends_with(".jsonl") {
                    (StoreKind::Jsonl, 0) // a subagent of the folder's session
                } else {
                    return;
                };
                out.stores.push(StoreRef {
                    agent: Agent::Gemini,
                    path: p.to_path_buf(),
                    kind,
                    root: root.path.clone(),
                    priority,
                });
            });
        }
    }

    fn parser(&self, store: &StoreRef) -> Parser {
        let fmt = self.format_for(&store.path);
        match store.kind {
            StoreKind::Json => Parser::Whole(Box::new(LegacyJson { fmt })),
            _ => TypedLines::boxed(fmt),
        }
    }

    fn resume(&self, s: &Session) -> Option<ResumeTarget> {
        // `gemini --resume` only finds sessions of the project it runs in (else exit 42,
        // "No previous sessions found for this project"): without the project root there is
        // no command that works.
        let cwd = util::run_dir(&s.cwd)?;
        if !resumable_id(&s.id) {
            return None;
        }
        Some(ResumeTarget {
            argv: vec!["gemini".into(), "--resume".into(), s.id.clone()],
            cwd: Some(cwd),
        })
    }

    /// `gemini --resume latest`: the project's newest session.
    fn continue_latest(&self, s: &Session) -> Option<ResumeTarget> {
        Some(ResumeTarget {
            argv: vec!["gemini".into(), "--resume".into(), "latest".into()],
            cwd: Some(util::run_dir(&s.cwd)?),
        })
    }

    /// Size and modification time, with the project folder's resolved cwd mixed in: a folder
    /// whose project root becomes known (a `.project_root` written, a working directory seen
    /// in another agent's sessions) gets its sessions read again.
    fn fingerprint(&self, store: &StoreRef) -> Result<(i64, i64), String> {
        let (size, mtime) =
            super::file_fingerprint(store).ok_or_else(|| "cannot stat".to_string())?;
        let (cwd, _) = self.project_info(&store.path);
        let salt = cwd.map(|c| util::fnv1a(c.as_bytes()) as i64).unwrap_or(0);
        Ok((size, mtime ^ salt))
    }
}

/// An id `gemini --resume` takes as a session id: not an option, not an index (`3`) or
/// `latest`, and nothing a shell or argv parser could misread.
fn resumable_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && !id.starts_with('-')
        && id != "latest"
        && !id.chars().all(|c| c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

pub fn sha256_hex(s: &str) -> String {
    let digest = Sha256::digest(s.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

fn is_hash_name(s: &str) -> bool {
    s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// `{"projects": {"/abs/path": "slug"}}`.
fn read_projects_json(gemini_root: &Path) -> Vec<(String, String)> {
    let Ok(bytes) = std::fs::read(gemini_root.join("projects.json")) else {
        return Vec::new();
    };
    let Ok(v) = serde_json::from_slice::<Value>(&bytes) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(Value::Object(map)) = v.get("projects") {
        for (path, slug) in map {
            if let Some(slug) = slug.as_str() {
                out.push((path.clone(), slug.to_string()));
            }
        }
    }
    out.sort();
    out
}

impl GeminiSource {
    /// The project folder (`tmp/<project>`) a store belongs to, and the Gemini root above it.
    fn folders(path: &Path) -> (Option<PathBuf>, Option<PathBuf>) {
        let project = path
            .ancestors()
            .skip(1)
            .find(|a| util::file_name(a) == "chats")
            .and_then(Path::parent)
            .map(Path::to_path_buf);
        let root = project
            .as_deref()
            .and_then(Path::parent)
            .filter(|t| util::file_name(t) == "tmp")
            .and_then(Path::parent)
            .map(Path::to_path_buf);
        (project, root)
    }

    /// The cwd a project folder stands for, and the known project roots by sha256.
    fn project_info(&self, path: &Path) -> (Option<String>, Arc<HashMap<String, String>>) {
        let (project, root) = Self::folders(path);
        let mut guard = match self.stash.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let st = &mut *guard;
        let known = &st.known_dirs;
        let info = st.roots.entry(root.clone()).or_insert_with(|| {
            let projects = root.as_deref().map(read_projects_json).unwrap_or_default();
            let mut by_hash = HashMap::new();
            for p in known.iter().chain(projects.iter().map(|(p, _)| p)) {
                by_hash.insert(sha256_hex(p), p.clone());
            }
            RootInfo {
                by_hash: Arc::new(by_hash),
                projects,
            }
        });
        let hashes = info.by_hash.clone();
        let Some(project) = project else {
            return (None, hashes);
        };
        if let Some(c) = st.folders.get(&project) {
            return (c.clone(), hashes);
        }
        let name = util::file_name(&project).to_string();
        let cwd = std::fs::read_to_string(project.join(".project_root"))
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .or_else(|| {
                info.projects
                    .iter()
                    .find(|(_, slug)| *slug == name)
                    .map(|(p, _)| p.clone())
            })
            .or_else(|| {
                if is_hash_name(&name) {
                    hashes.get(&name.to_ascii_lowercase()).cloned()
                } else {
                    None
                }
            });
        st.folders.insert(project, cwd.clone());
        (cwd, hashes)
    }

    fn format_for(&self, path: &Path) -> GeminiFormat {
        let (folder_cwd, by_hash) = self.project_info(path);
        let stem = util::file_name(path)
            .trim_end_matches(".jsonl")
            .trim_end_matches(".json")
            .to_string();
        let parent = path.parent();
        let role = match parent {
            Some(dir)
                if util::file_name(dir) != "chats"
                    && dir.parent().is_some_and(|g| util::file_name(g) == "chats") =>
            {
                FileRole::Subagent {
                    parent: util::file_name(dir).to_string(),
                    agent_id: stem.clone(),
                }
            }
            _ => FileRole::Main,
        };
        GeminiFormat {
            role,
            stem,
            folder_cwd,
            by_hash,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum FileRole {
    /// `chats/session-*.jsonl`: a session.
    Main,
    /// `chats/<parent session id>/<subagent session id>.jsonl`.
    Subagent { parent: String, agent_id: String },
}

pub struct GeminiFormat {
    role: FileRole,
    /// The file name without its extension: the uid until the metadata line names one.
    stem: String,
    /// What the project folder says the cwd is.
    folder_cwd: Option<String>,
    /// Candidate project roots by sha256 (to match `projectHash`).
    by_hash: Arc<HashMap<String, String>>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct GeminiState {
    next_seq: u32,
    meta: SessionMeta,
    seen_meta: bool,
    project_hash: Option<String>,
    /// Workspace directories named in the file, until one matches `projectHash`.
    candidates: Vec<String>,
    /// A candidate whose sha256 is `projectHash`.
    file_cwd: Option<String>,
    /// The first workspace directory of the injected `<session_context>` (the project root:
    /// Gemini lists it first), used when no hash matches.
    context_dir: Option<String>,
    /// Message id → seq (for ids written again and rewinds).
    ids: HashMap<String, u32>,
    /// Gemini message id → seq of the tool message that shows its calls' results.
    result_seq: HashMap<String, u32>,
    /// Tool message seq → id of the record that built it.
    owner: HashMap<u32, String>,
    /// Tool call id → seq of the message that shows its result.
    shown: HashMap<String, u32>,
    first_prompt_seq: Option<u32>,
    dirty: bool,
    /// Metadata or a rewind was emitted under the uid of the time (removed if a session id
    /// is adopted later).
    #[serde(default)]
    emitted: bool,
}

/// How a message record reached the parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// A record of its own (a line, or an entry of a whole record).
    Record,
    /// An entry of a `$set messages` checkpoint that no earlier record showed.
    Checkpoint,
}

/// A tool result found in a record.
#[derive(Debug, Clone)]
struct Resp {
    call_id: String,
    output: String,
    is_error: bool,
}

/// The parts of a `content` value.
#[derive(Debug, Default)]
struct Parts {
    blocks: Vec<Block>,
    responses: Vec<Resp>,
}

impl Parts {
    fn push_text(&mut self, text: &str, thought: bool) {
        if text.is_empty() {
            return;
        }
        match (self.blocks.last_mut(), thought) {
            (Some(Block::Text { text: t }), false) => t.push_str(text),
            (Some(Block::Thinking { text: t, .. }), true) => t.push_str(text),
            (_, false) => self.blocks.push(Block::text(text)),
            (_, true) => self.blocks.push(Block::Thinking {
                text: text.to_string(),
                sealed: false,
            }),
        }
    }

    fn add(&mut self, v: Option<&Value>) {
        match v {
            Some(Value::String(s)) => self.push_text(s, false),
            Some(Value::Array(items)) => {
                for it in items {
                    self.add_part(it);
                }
            }
            Some(v @ Value::Object(_)) => self.add_part(v),
            _ => {}
        }
    }

    fn add_part(&mut self, p: &Value) {
        match p {
            Value::String(s) => self.push_text(s, false),
            Value::Object(_) => {
                if let Some(fr) = p.get("functionResponse") {
                    let name = util::str_of(fr, "name").unwrap_or("");
                    let (output, is_error) = response_text(fr.get("response"), name);
                    self.responses.push(Resp {
                        call_id: util::str_of(fr, "id").unwrap_or("").to_string(),
                        output,
                        is_error,
                    });
                } else if let Some(fc) = p.get("functionCall") {
                    self.blocks.push(Block::ToolCall {
                        id: util::str_of(fc, "id").unwrap_or("").to_string(),
                        name: util::str_of(fc, "name").unwrap_or("?").to_string(),
                        input: fc.get("args").cloned().unwrap_or(Value::Null),
                    });
                } else if let Some(t) = p.get("text").and_then(Value::as_str) {
                    self.push_text(t, util::bool_of(p, "thought"));
                } else if let Some(d) = p.get("inlineData").or_else(|| p.get("fileData")) {
                    let mime = util::str_of(d, "mimeType").unwrap_or("data");
                    let kind = if mime.starts_with("image/") {
                        "image"
                    } else {
                        "file"
                    };
                    let description = util::str_of(d, "fileUri")
                        .or_else(|| util::str_of(d, "displayName"))
                        .map(|n| format!("{mime}: {n}"))
                        .unwrap_or_else(|| mime.to_string());
                    self.blocks.push(Block::Attachment {
                        kind: kind.into(),
                        description,
                    });
                } else if let Some(code) = p.get("executableCode") {
                    if let Some(c) = util::str_of(code, "code") {
                        self.push_text(&format!("\n```\n{c}\n```\n"), false);
                    }
                } else if let Some(res) = p.get("codeExecutionResult")
                    && let Some(o) = util::str_of(res, "output")
                {
                    self.push_text(&format!("\n```\n{o}\n```\n"), false);
                }
            }
            _ => {}
        }
    }
}

/// The text of a `functionResponse.response` and whether it reports an error.
fn response_text(resp: Option<&Value>, tool: &str) -> (String, bool) {
    let (text, mut is_error) = match resp {
        Some(Value::Object(o)) => {
            if let Some(out) = o.get("output") {
                (value_text(out), false)
            } else if let Some(err) = o.get("error") {
                (value_text(err), true)
            } else if let Some(c) = o.get("content") {
                (util::content_text(c), false)
            } else {
                (Value::Object(o.clone()).to_string(), false)
            }
        }
        Some(Value::Null) | None => (String::new(), false),
        Some(other) => (value_text(other), false),
    };
    if is_shell(tool) && exit_code_in(&text).is_some_and(|c| c != 0) {
        is_error = true;
    }
    (text, is_error)
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(_) => util::content_text(v),
        other => other.to_string(),
    }
}

fn is_shell(tool: &str) -> bool {
    tool == "run_shell_command" || tool.contains("shell")
}

/// `Exit Code: 2` on a line of a shell tool's output.
fn exit_code_in(s: &str) -> Option<i64> {
    s.lines().find_map(|l| {
        l.trim()
            .strip_prefix("Exit Code: ")
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    })
}

/// User-side text Gemini CLI injects.
pub fn is_injected(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with("<session_context>")
        || t.starts_with("This is the Gemini CLI. We are setting up the context")
        || t.starts_with("<state_snapshot>")
}

/// A slash command or `?`: not a title (Gemini's own session browser skips them too).
fn is_command(text: &str) -> bool {
    let t = text.trim();
    t == "?" || t.starts_with('/')
}

/// Project roots named in an injected context (`Workspace Directories:` list, older
/// "I'm currently working in the directory: …").
fn dirs_in_context(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_list = false;
    for line in text.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("I'm currently working in the directory:") {
            out.push(rest.trim().to_string());
        }
        if t.contains("Workspace Directories") {
            in_list = true;
            continue;
        }
        if in_list {
            match t.strip_prefix("- ") {
                Some(p) if p.starts_with('/') || p.chars().nth(1) == Some(':') => {
                    out.push(p.trim().to_string())
                }
                _ => in_list = false,
            }
        }
    }
    out
}

fn usage_of(t: Option<&Value>) -> Option<TokenUsage> {
    let t = t.filter(|t| t.is_object())?;
    let input = util::count_of(t, "input");
    let cached = util::count_of(t, "cached");
    let output = util::count_of(t, "output");
    let thoughts = util::count_of(t, "thoughts");
    let tool = util::count_of(t, "tool");
    let u = TokenUsage {
        input: input.saturating_sub(cached).saturating_add(tool),
        output: output.saturating_add(thoughts),
        cache_read: cached,
        cache_write: 0,
        reasoning: thoughts,
        cache_write_1h: 0,
    };
    (!u.is_empty()).then_some(u)
}

fn time_of(v: &Value, key: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    util::str_of(v, key).and_then(parse_time)
}

impl GeminiFormat {
    fn uid(&self, st: &GeminiState) -> String {
        match &self.role {
            FileRole::Subagent { parent, .. } => parent.clone(),
            FileRole::Main if !st.meta.id.is_empty() => st.meta.id.clone(),
            FileRole::Main => self.stem.clone(),
        }
    }

    fn primary(&self) -> bool {
        self.role == FileRole::Main
    }

    /// Take the session id a record names as the uid, while no message has been emitted under
    /// the uid so far (they would stay there and the next ones start at a gap under the id).
    /// Whatever the old uid got (metadata emitted by an earlier run) is removed.
    fn adopt_id(&self, st: &mut GeminiState, id: &str, sink: &mut Sink) {
        if self.primary() && st.next_seq == 0 && !id.is_empty() && st.meta.id != id {
            if std::mem::take(&mut st.emitted) {
                sink.remove(&self.uid(st));
            }
            st.meta.id = id.to_string();
            st.dirty = true;
        }
    }

    fn put(&self, st: &GeminiState, seq: u32, mut msg: Message, sink: &mut Sink) {
        if let FileRole::Subagent { agent_id, .. } = &self.role {
            msg.sidechain = true;
            msg.agent_id = Some(agent_id.clone());
        }
        let uid = self.uid(st);
        sink.put(&uid, self.primary(), seq, msg);
    }

    fn alloc(st: &mut GeminiState) -> u32 {
        let seq = st.next_seq;
        st.next_seq += 1;
        seq
    }

    /// The seq of a message id: where it was shown before, else the next one.
    fn seq_for(st: &mut GeminiState, id: &str) -> u32 {
        if let Some(s) = st.ids.get(id) {
            return *s;
        }
        let seq = Self::alloc(st);
        st.ids.insert(id.to_string(), seq);
        seq
    }

    fn touch(st: &mut GeminiState, t: Option<chrono::DateTime<chrono::Utc>>) {
        if let Some(t) = t
            && st.meta.updated_at.is_none_or(|u| t > u)
        {
            st.meta.updated_at = Some(t);
            st.dirty = true;
        }
    }

    fn started(st: &mut GeminiState, t: Option<chrono::DateTime<chrono::Utc>>) {
        if let Some(t) = t
            && st.meta.started_at.is_none_or(|s| t < s)
        {
            st.meta.started_at = Some(t);
            st.dirty = true;
        }
    }

    fn add_candidates(st: &mut GeminiState, dirs: impl IntoIterator<Item = String>) {
        if st.file_cwd.is_some() {
            return;
        }
        for d in dirs {
            if !d.is_empty() && !st.candidates.contains(&d) && st.candidates.len() < 16 {
                st.candidates.push(d);
            }
        }
        Self::match_candidates(st);
    }

    fn match_candidates(st: &mut GeminiState) {
        let Some(h) = st.project_hash.as_deref() else {
            return;
        };
        if st.file_cwd.is_none()
            && let Some(c) = st.candidates.iter().find(|c| sha256_hex(c) == h)
        {
            st.file_cwd = Some(c.clone());
            st.candidates.clear();
            st.dirty = true;
        }
    }

    /// A metadata line (or a whole legacy record): `{sessionId, projectHash, startTime,
    /// lastUpdated, kind, directories?, summary?, messages?}`.
    fn metadata(
        &self,
        st: &mut GeminiState,
        v: &Value,
        line_no: u64,
        legacy: bool,
        sink: &mut Sink,
    ) {
        if !st.seen_meta {
            st.seen_meta = true;
            if let Some(id) = util::str_of(v, "sessionId") {
                self.adopt_id(st, id, sink);
            }
            if let Some(h) = util::str_of(v, "projectHash") {
                st.project_hash = Some(h.to_ascii_lowercase());
                Self::match_candidates(st);
            }
            st.dirty = true;
        }
        Self::started(st, time_of(v, "startTime"));
        Self::touch(st, time_of(v, "lastUpdated"));
        if let Some(s) = util::str_of(v, "summary") {
            self.summary(st, s);
        }
        if let Some(Value::Array(dirs)) = v.get("directories") {
            Self::add_candidates(
                st,
                dirs.iter().filter_map(|d| d.as_str().map(str::to_string)),
            );
        }
        match v.get("messages") {
            Some(Value::Array(msgs)) => {
                for (i, m) in msgs.iter().enumerate() {
                    let n = if legacy { i as u64 + 1 } else { line_no };
                    let fallback = format!("#{}", i + 1);
                    self.record(st, m, Some(&fallback), n, Origin::Record, sink);
                }
            }
            Some(Value::Null) | None if legacy => {
                sink.issue(None, IssueKind::WrongShape, "no 'messages' array")
            }
            Some(Value::Null) | None => {}
            Some(_) => sink.issue(
                Some(line_no),
                IssueKind::WrongShape,
                "'messages' is not an array",
            ),
        }
    }

    fn summary(&self, st: &mut GeminiState, s: &str) {
        if !self.primary() || s.trim().is_empty() {
            return;
        }
        if st.meta.title.as_deref() != Some(s) {
            st.meta.title = Some(s.to_string());
            st.meta.title_rank = rank::GENERATED;
            st.dirty = true;
        }
    }

    /// `{"$set": {...}}`.
    fn set(&self, st: &mut GeminiState, set: &Value, line_no: u64, sink: &mut Sink) {
        let Value::Object(map) = set else {
            sink.issue(
                Some(line_no),
                IssueKind::WrongShape,
                "'$set' is not an object",
            );
            return;
        };
        for (k, v) in map {
            match k.as_str() {
                "lastUpdated" => Self::touch(st, v.as_str().and_then(parse_time)),
                "startTime" => Self::started(st, v.as_str().and_then(parse_time)),
                "summary" => {
                    if let Some(s) = v.as_str() {
                        self.summary(st, s);
                    }
                }
                "sessionId" => {
                    if st.meta.id.is_empty()
                        && let Some(id) = v.as_str()
                    {
                        self.adopt_id(st, id, sink);
                    }
                }
                "directories" => {
                    if let Value::Array(dirs) = v {
                        Self::add_candidates(
                            st,
                            dirs.iter().filter_map(|d| d.as_str().map(str::to_string)),
                        );
                    }
                }
                "messages" => match v {
                    Value::Array(list) => self.checkpoint(st, list, line_no, sink),
                    _ => sink.issue(
                        Some(line_no),
                        IssueKind::WrongShape,
                        "'$set.messages' is not an array",
                    ),
                },
                _ => {} // memoryScratchpad, kind, projectHash…
            }
        }
    }

    /// `$set {messages: [...]}`: the history as the model now sees it (see the module doc).
    fn checkpoint(&self, st: &mut GeminiState, list: &[Value], line_no: u64, sink: &mut Sink) {
        let listed: HashSet<&str> = list
            .iter()
            .filter_map(|m| m.get("id").and_then(Value::as_str))
            .collect();
        let fresh: Vec<&Value> = list
            .iter()
            .filter(|m| {
                m.get("id")
                    .and_then(Value::as_str)
                    .is_none_or(|id| !st.ids.contains_key(id))
            })
            .collect();
        if fresh.is_empty() {
            return;
        }
        // a history that drops messages shown before and adds new ones was rewritten
        // (compressed): say so, keep what was shown
        let dropped = st
            .ids
            .iter()
            .filter(|(id, seq)| !listed.contains(id.as_str()) && !st.owner.contains_key(seq))
            .count();
        let before = st.next_seq;
        for (i, m) in fresh.iter().enumerate() {
            let fallback = format!("{line_no}#{}", i + 1);
            self.record(st, m, Some(&fallback), line_no, Origin::Checkpoint, sink);
        }
        if dropped > 0 && st.next_seq > before {
            // the notice goes first: move what was appended one place on
            let time = fresh.iter().find_map(|m| time_of(m, "timestamp"));
            let mut notice = Message::new(Role::System);
            notice.time = time;
            notice.blocks.push(Block::Notice {
                kind: "checkpoint".into(),
                text: format!(
                    "History rewritten: {dropped} earlier message(s) left the model's context"
                ),
            });
            let seq = Self::alloc(st);
            self.put(st, seq, notice, sink);
        }
    }

    /// `{"$rewindTo": id}`: drop that message and every later one (an unknown id: all).
    fn rewind(&self, st: &mut GeminiState, to: &str, line_no: u64, sink: &mut Sink) {
        let found = st.ids.get(to).copied();
        if found.is_none() {
            // Gemini CLI clears everything then; the file lost the line it names, or never had it
            sink.issue(
                Some(line_no),
                IssueKind::WrongShape,
                format!(
                    "'$rewindTo' names message {} that is not in the file: every earlier message removed, as Gemini CLI does",
                    crate::sanitize::truncate_chars(to, 40)
                ),
            );
        }
        let n = found.unwrap_or(0);
        let removed = st.next_seq.saturating_sub(n);
        st.ids.retain(|_, s| *s < n);
        st.result_seq.retain(|_, s| *s < n);
        st.shown.retain(|_, s| *s < n);
        st.owner.retain(|s, _| *s < n);
        if st.first_prompt_seq.is_some_and(|s| s >= n) {
            st.first_prompt_seq = None;
            st.meta.first_prompt = None;
            st.dirty = true;
        }
        st.next_seq = n;
        st.emitted = true;
        let uid = self.uid(st);
        sink.truncate(&uid, self.primary(), n);
        let mut notice = Message::new(Role::System);
        notice.blocks.push(Block::Notice {
            kind: "rewind".into(),
            text: match found {
                Some(_) => format!("Rewound: {removed} message(s) removed"),
                None => format!("Rewound to a message not in the file: all {removed} removed"),
            },
        });
        if removed > 0 {
            let seq = Self::alloc(st);
            self.put(st, seq, notice, sink);
        }
    }

    /// A message record: `{id, timestamp, type, content, …}`.
    fn record(
        &self,
        st: &mut GeminiState,
        v: &Value,
        fallback_id: Option<&str>,
        line_no: u64,
        origin: Origin,
        sink: &mut Sink,
    ) {
        if !v.is_object() {
            sink.issue(
                Some(line_no),
                IssueKind::WrongShape,
                "message is not an object",
            );
            return;
        }
        let id = match v.get("id").and_then(Value::as_str) {
            Some(id) => id.to_string(),
            None => match fallback_id {
                Some(f) => f.to_string(),
                None => {
                    sink.issue(
                        Some(line_no),
                        IssueKind::WrongShape,
                        "message without an id",
                    );
                    return;
                }
            },
        };
        let time = time_of(v, "timestamp");
        if origin == Origin::Record {
            Self::touch(st, time);
        }
        match v.get("type").and_then(Value::as_str) {
            Some("user") => self.user(st, &id, v, time, origin, sink),
            // `model`: an alias written by third-party tools
            Some("gemini") | Some("model") => self.gemini(st, &id, v, time, sink),
            Some(kind @ ("info" | "error" | "warning")) => {
                let mut parts = Parts::default();
                parts.add(v.get("content"));
                let text = parts
                    .blocks
                    .iter()
                    .filter_map(|b| match b {
                        Block::Text { text } => Some(text.as_str()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                let mut msg = Message::new(Role::System);
                msg.time = time;
                msg.blocks.push(Block::Notice {
                    kind: kind.to_string(),
                    text,
                });
                let seq = Self::seq_for(st, &id);
                self.put(st, seq, msg, sink);
            }
            Some(other) => sink.issue(
                Some(line_no),
                IssueKind::UnknownType,
                format!(
                    "unknown message type '{}'",
                    crate::sanitize::truncate_chars(other, 40)
                ),
            ),
            None => sink.issue(
                Some(line_no),
                IssueKind::WrongShape,
                "message without a type",
            ),
        }
    }

    fn user(
        &self,
        st: &mut GeminiState,
        id: &str,
        v: &Value,
        time: Option<chrono::DateTime<chrono::Utc>>,
        origin: Origin,
        sink: &mut Sink,
    ) {
        let mut parts = Parts::default();
        parts.add(v.get("content").or_else(|| v.get("parts")));
        if !parts.responses.is_empty() {
            self.user_results(st, id, parts, time, sink);
            return;
        }
        // what the person saw typed (`@file` expansions live in `content`)
        if let Some(d) = v.get("displayContent").filter(|d| !d.is_null()) {
            let mut shown = Parts::default();
            shown.add(Some(d));
            if shown.blocks.iter().any(|b| matches!(b, Block::Text { .. })) {
                parts = shown;
            }
        }
        let mut msg = Message::new(Role::User);
        msg.time = time;
        msg.blocks = parts.blocks;
        let text = msg.plain_text();
        if text.trim().is_empty() && msg.blocks.is_empty() {
            return;
        }
        msg.meta = origin == Origin::Checkpoint || is_injected(&text);
        if msg.meta && is_injected(&text) {
            let dirs = dirs_in_context(&text);
            if st.context_dir.is_none()
                && let Some(d) = dirs.first()
            {
                st.context_dir = Some(d.clone());
                st.dirty = true;
            }
            Self::add_candidates(st, dirs);
        }
        let seq = Self::seq_for(st, id);
        if self.primary()
            && msg.is_prompt()
            && !is_command(&text)
            && st.first_prompt_seq.is_none_or(|s| s == seq)
        {
            let title = util::title_from(&text);
            if st.meta.first_prompt != title {
                st.meta.first_prompt = title;
                st.dirty = true;
            }
            st.first_prompt_seq = Some(seq);
        }
        self.put(st, seq, msg, sink);
    }

    /// A user record carrying `functionResponse`s: shown only for calls whose results no
    /// other message shows.
    fn user_results(
        &self,
        st: &mut GeminiState,
        id: &str,
        parts: Parts,
        time: Option<chrono::DateTime<chrono::Utc>>,
        sink: &mut Sink,
    ) {
        let own = st
            .ids
            .get(id)
            .copied()
            .filter(|s| st.owner.get(s).map(String::as_str) == Some(id));
        let mine: Vec<Resp> = parts
            .responses
            .iter()
            .filter(|r| match st.shown.get(&r.call_id) {
                None => true,
                Some(s) => Some(*s) == own,
            })
            .cloned()
            .collect();
        if mine.is_empty() {
            // every result is shown already: this id stands for where they are
            if !st.ids.contains_key(id)
                && let Some(s) = parts
                    .responses
                    .first()
                    .and_then(|r| st.shown.get(&r.call_id))
                    .copied()
            {
                st.ids.insert(id.to_string(), s);
            }
            return;
        }
        let seq = match own {
            Some(s) => s,
            None => {
                let s = Self::alloc(st);
                st.ids.insert(id.to_string(), s);
                s
            }
        };
        st.owner.insert(seq, id.to_string());
        let mut msg = Message::new(Role::Tool);
        msg.time = time;
        for r in mine {
            st.shown.insert(r.call_id.clone(), seq);
            msg.blocks.push(Block::ToolResult {
                call_id: r.call_id,
                output: r.output,
                is_error: r.is_error,
            });
        }
        // text that came with the responses
        msg.blocks.extend(
            parts
                .blocks
                .into_iter()
                .filter(|b| matches!(b, Block::Text { .. } | Block::Attachment { .. })),
        );
        self.put(st, seq, msg, sink);
    }

    fn gemini(
        &self,
        st: &mut GeminiState,
        id: &str,
        v: &Value,
        time: Option<chrono::DateTime<chrono::Utc>>,
        sink: &mut Sink,
    ) {
        let mut blocks: Vec<Block> = Vec::new();
        if let Some(Value::Array(thoughts)) = v.get("thoughts") {
            for t in thoughts {
                let subject = util::str_of(t, "subject").unwrap_or("").trim();
                let desc = util::str_of(t, "description").unwrap_or("").trim();
                let text = match (subject.is_empty(), desc.is_empty()) {
                    (false, false) => format!("**{subject}**\n\n{desc}"),
                    (false, true) => subject.to_string(),
                    (true, false) => desc.to_string(),
                    (true, true) => continue,
                };
                blocks.push(Block::Thinking {
                    text,
                    sealed: false,
                });
            }
        }
        let mut parts = Parts::default();
        parts.add(v.get("content").or_else(|| v.get("parts")));
        // tool calls: toolCalls[] (with results and status), else functionCall parts
        let mut calls: Vec<Block> = Vec::new();
        let mut results: Vec<(Resp, Option<chrono::DateTime<chrono::Utc>>)> = Vec::new();
        if let Some(Value::Array(tcs)) = v.get("toolCalls") {
            for (i, tc) in tcs.iter().enumerate() {
                if !tc.is_object() {
                    continue;
                }
                let call_id = util::str_of(tc, "id")
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{id}#{i}"));
                let name = util::str_of(tc, "name").unwrap_or("?").to_string();
                calls.push(Block::ToolCall {
                    id: call_id.clone(),
                    name: name.clone(),
                    input: tc.get("args").cloned().unwrap_or(Value::Null),
                });
                if let Some(r) = call_result(tc, &call_id, &name) {
                    results.push((r, time_of(tc, "timestamp")));
                }
            }
        }
        for b in parts.blocks {
            match &b {
                Block::ToolCall { id: cid, .. }
                    if calls
                        .iter()
                        .any(|c| matches!(c, Block::ToolCall { id, .. } if id == cid)) => {}
                Block::ToolCall { .. } => calls.push(b),
                _ => blocks.push(b),
            }
        }
        blocks.extend(calls);
        let mut msg = Message::new(Role::Assistant);
        msg.time = time;
        msg.model = util::str_of(v, "model").map(str::to_string);
        msg.usage = usage_of(v.get("tokens"));
        msg.blocks = blocks;
        let seq = Self::seq_for(st, id);
        self.put(st, seq, msg, sink);

        // the calls' results, in a tool message of this gemini message's own
        let own = st.result_seq.get(id).copied();
        let mine: Vec<_> = results
            .into_iter()
            .filter(|(r, _)| match st.shown.get(&r.call_id) {
                None => true,
                Some(s) => Some(*s) == own,
            })
            .collect();
        if mine.is_empty() {
            return;
        }
        let rseq = match own {
            Some(s) => s,
            None => {
                let s = Self::alloc(st);
                st.result_seq.insert(id.to_string(), s);
                s
            }
        };
        st.owner.insert(rseq, id.to_string());
        let mut tool = Message::new(Role::Tool);
        tool.time = mine.iter().filter_map(|(_, t)| *t).max().or(time);
        for (r, _) in mine {
            st.shown.insert(r.call_id.clone(), rseq);
            tool.blocks.push(Block::ToolResult {
                call_id: r.call_id,
                output: r.output,
                is_error: r.is_error,
            });
        }
        self.put(st, rseq, tool, sink);
    }
}

/// The result of one `toolCalls[]` entry, when it has one.
fn call_result(tc: &Value, call_id: &str, name: &str) -> Option<Resp> {
    let status = util::str_of(tc, "status").unwrap_or("");
    let failed = matches!(status, "error" | "cancelled");
    let mut pieces: Vec<String> = Vec::new();
    let mut is_error = failed;
    match tc.get("result") {
        Some(Value::Array(items)) => {
            for it in items {
                if let Some(fr) = it.get("functionResponse") {
                    let (text, err) = response_text(fr.get("response"), name);
                    is_error |= err;
                    if !text.is_empty() {
                        pieces.push(text);
                    }
                } else if let Some(t) = it.get("text").and_then(Value::as_str) {
                    pieces.push(t.to_string());
                } else if let Some(d) = it.get("inlineData") {
                    pieces.push(format!(
                        "[{}]",
                        util::str_of(d, "mimeType").unwrap_or("inline data")
                    ));
                }
            }
        }
        Some(Value::String(s)) => pieces.push(s.clone()),
        Some(v @ Value::Object(_)) => {
            if let Some(fr) = v.get("functionResponse") {
                let (text, err) = response_text(fr.get("response"), name);
                is_error |= err;
                pieces.push(text);
            } else {
                pieces.push(v.to_string());
            }
        }
        _ => {
            if !failed {
                return None; // still running, or nothing recorded
            }
            let shown = tc
                .get("resultDisplay")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .unwrap_or(status);
            pieces.push(shown.to_string());
        }
    }
    Some(Resp {
        call_id: call_id.to_string(),
        output: pieces.join("\n"),
        is_error,
    })
}

impl LineFormat for GeminiFormat {
    type State = GeminiState;

    fn line(&self, st: &mut GeminiState, line_no: u64, line: &[u8], sink: &mut Sink) {
        let Some(v) = super::parse_line::<Value>(line_no, line, sink) else {
            return;
        };
        if !v.is_object() {
            sink.issue(Some(line_no), IssueKind::WrongShape, "not a JSON object");
            return;
        }
        // the order Gemini CLI itself tests them in
        if let Some(to) = v.get("$rewindTo") {
            match to.as_str() {
                Some(to) => self.rewind(st, to, line_no, sink),
                None => sink.issue(
                    Some(line_no),
                    IssueKind::WrongShape,
                    "'$rewindTo' is not a string",
                ),
            }
        } else if v.get("id").is_some_and(Value::is_string) {
            self.record(st, &v, None, line_no, Origin::Record, sink);
        } else if let Some(set) = v.get("$set") {
            self.set(st, set, line_no, sink);
        } else if v.get("sessionId").is_some_and(Value::is_string) {
            self.metadata(st, &v, line_no, false, sink);
        } else {
            sink.issue(
                Some(line_no),
                IssueKind::UnknownType,
                "a record that is no message, metadata, $set or $rewindTo",
            );
        }
    }

    fn flush(&self, st: &mut GeminiState, sink: &mut Sink) {
        if !self.primary() {
            return; // a subagent adds messages only
        }
        Self::match_candidates(st);
        let cwd = self
            .folder_cwd
            .clone()
            .or_else(|| {
                st.project_hash
                    .as_deref()
                    .and_then(|h| self.by_hash.get(h))
                    .cloned()
            })
            .or_else(|| st.file_cwd.clone())
            .or_else(|| st.context_dir.clone());
        if cwd != st.meta.cwd {
            st.meta.cwd = cwd;
            st.dirty = true;
        }
        if !st.dirty {
            return;
        }
        st.dirty = false;
        st.emitted = true;
        let uid = self.uid(st);
        let mut meta = st.meta.clone();
        meta.id = uid.clone();
        sink.meta(&uid, meta);
    }
}

/// Up to 0.38: one JSON `ConversationRecord` per session, rewritten whole.
struct LegacyJson {
    fmt: GeminiFormat,
}

impl WholeParser for LegacyJson {
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
        let mut st = GeminiState::default();
        self.fmt.metadata(&mut st, &v, 1, true, sink);
        st.dirty = true;
        self.fmt.flush(&mut st, sink);
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Env};
    use crate::sources::{DiscoverCtx, Materialized, materialize, store_for};

    const S1: &str = "1111aaaa-0000-4000-8000-000000000001";
    const S3: &str = "3333cccc-0000-4000-8000-000000000003";
    const SUB: &str = "2222bbbb-0000-4000-8000-000000000002";

    fn home() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gemini/home")
    }

    fn fixture(rel: &str) -> PathBuf {
        home().join(".gemini").join(rel)
    }

    fn kind_of(path: &Path) -> StoreKind {
        if path.extension().is_some_and(|e| e == "json") {
            StoreKind::Json
        } else {
            StoreKind::Jsonl
        }
    }

    fn parse_with(src: &GeminiSource, rel: &str) -> Materialized {
        let path = fixture(rel);
        materialize(src, &store_for(Agent::Gemini, &path, kind_of(&path))).unwrap()
    }

    fn parse(rel: &str) -> Materialized {
        parse_with(&GeminiSource::default(), rel)
    }

    const MAIN: &str = "tmp/webapp/chats/session-2026-11-20T10-00-1111aaaa.jsonl";

    /// Feed inline lines to a main-session parser (no project folder).
    fn lines(ls: &[&str]) -> Materialized {
        let fmt = GeminiSource::default().format_for(Path::new("/nowhere/session-x.jsonl"));
        let mut st = GeminiState::default();
        let mut sink = Sink::default();
        for (i, l) in ls.iter().enumerate() {
            fmt.line(&mut st, i as u64 + 1, l.as_bytes(), &mut sink);
        }
        fmt.flush(&mut st, &mut sink);
        let mut m = Materialized::default();
        m.apply(sink);
        m
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

    fn total(msgs: &[Message]) -> TokenUsage {
        let mut t = TokenUsage::default();
        for m in msgs {
            if let Some(u) = &m.usage {
                t.add(u);
            }
        }
        t
    }

    #[test]
    fn tokens_follow_the_shared_semantics() {
        // input includes cached; thoughts are output-side reasoning; tool tokens input-side
        let u = usage_of(Some(&serde_json::json!({
            "input": 8015, "output": 301, "cached": 7320, "thoughts": 45, "tool": 12, "total": 8373
        })))
        .unwrap();
        assert_eq!(
            (u.input, u.cache_read, u.output, u.reasoning, u.cache_write),
            (8015 - 7320 + 12, 7320, 301 + 45, 45, 0)
        );
        assert_eq!(u.total(), 8373, "nothing lost or added against `total`");
        assert_eq!(usage_of(Some(&Value::Null)), None);
        assert_eq!(usage_of(Some(&serde_json::json!({"input": 0}))), None);
        // nonsense never panics or wraps
        let odd = usage_of(Some(
            &serde_json::json!({"input": 5, "cached": 9, "output": -3}),
        ))
        .unwrap();
        assert_eq!((odd.input, odd.cache_read, odd.output), (0, 9, 0));
    }

    #[test]
    fn shell_exit_codes_and_error_responses() {
        assert_eq!(exit_code_in("Output: x\nExit Code: 2\nPGID: 1"), Some(2));
        assert_eq!(exit_code_in("Output: fine"), None);
        let (t, e) = response_text(
            Some(&serde_json::json!({"output": "Output: boom\nExit Code: 1"})),
            "run_shell_command",
        );
        assert!(e && t.contains("boom"));
        // the same text from another tool (a file that mentions an exit code) is no error
        let (_, e) = response_text(
            Some(&serde_json::json!({"output": "Exit Code: 1"})),
            "read_file",
        );
        assert!(!e);
        let (t, e) = response_text(Some(&serde_json::json!({"error": "File not found"})), "x");
        assert!(e && t == "File not found");
    }

    #[test]
    fn double_writes_resume_rebuild_and_rewind() {
        let m = parse(MAIN);
        assert!(m.issues.is_empty(), "{:?}", m.issues);
        let (uid, primary, meta, msgs) = m.only();
        assert_eq!(uid, S1);
        assert!(*primary);
        let shape: Vec<(Role, bool)> = msgs.iter().map(|m| (m.role, m.meta)).collect();
        assert_eq!(
            shape,
            vec![
                (Role::User, true),       // <session_context>, from the first $set messages
                (Role::User, false),      // /memory show
                (Role::User, false),      // Fix the failing build
                (Role::Assistant, false), // g-1, written twice: once
                (Role::Tool, false),      // its two results (u-tool-1 folded in)
                (Role::Assistant, false), // g-2
                (Role::System, false),    // the rewind notice (u-3, g-3 removed)
                (Role::User, false),      // u-4
                (Role::Assistant, false), // g-4
                (Role::System, false),    // info: Request cancelled.
            ],
            "the resume's rebuilt history added nothing"
        );
        assert_eq!(msgs.iter().filter(|m| m.is_prompt()).count(), 3);
        assert_eq!(msgs.iter().map(Message::tool_calls).sum::<usize>(), 2);
        // usage of g-1 once, g-3 rewound away; g-2 has 5 tool-use prompt tokens
        let t = total(msgs);
        assert_eq!(
            (t.input, t.cache_read, t.output, t.reasoning),
            (1000 + 505 + 200, 900 + 1500, 50 + 40 + 37, 30 + 12)
        );
        // shell success with exit code 101, read_file status error
        assert_eq!(
            results(msgs),
            vec![
                ("run_shell_command__run_shell_command_1_0".to_string(), true),
                ("read_file__read_file_1_1".to_string(), true)
            ]
        );
        assert!(
            matches!(&msgs[3].blocks[0], Block::Thinking { text, sealed: false } if text.starts_with("**Checking the build**"))
        );
        assert_eq!(msgs[3].model.as_deref(), Some("gemini-2.5-pro"));
        assert_eq!(msgs[8].model.as_deref(), Some("gemini-2.5-flash"));
        assert!(
            msgs.iter()
                .all(|m| m.plain_text() != "Now delete src/main.rs"),
            "rewound"
        );
        assert!(
            matches!(&msgs[9].blocks[0], Block::Notice { kind, text } if kind == "info" && text == "Request cancelled.")
        );
        let meta = meta.as_ref().unwrap();
        assert_eq!(meta.id, S1);
        assert_eq!(meta.title.as_deref(), Some("Fix the failing build"));
        assert_eq!(meta.title_rank, rank::GENERATED);
        assert_eq!(
            meta.first_prompt.as_deref(),
            Some("Fix the failing build"),
            "slash commands are no title"
        );
        assert_eq!(meta.cwd.as_deref(), Some("/home/u/webapp"), ".project_root");
        assert_eq!(
            meta.started_at,
            parse_time("2026-11-20T10:00:00Z"),
            "the first metadata line"
        );
        assert_eq!(meta.updated_at, parse_time("2026-11-20T10:05:11Z"));
    }

    #[test]
    fn the_stray_file_of_a_resume_is_the_same_session_with_less() {
        let stray = parse("tmp/webapp/chats/session-2026-11-20T10-05-1111aaaa.jsonl");
        let (uid, primary, _, msgs) = stray.only();
        assert_eq!((uid.as_str(), *primary), (S1, true));
        assert_eq!(msgs.len(), 1);
        assert!(msgs[0].meta);
        assert!(
            parse(MAIN).only().3.len() > msgs.len(),
            "the index keeps the main file"
        );
    }

    #[test]
    fn subagents_add_sidechain_messages_to_the_parent() {
        let m = parse(&format!("tmp/webapp/chats/{S1}/{SUB}.jsonl"));
        assert!(m.issues.is_empty(), "{:?}", m.issues);
        let (uid, primary, meta, msgs) = m.only();
        assert_eq!(uid, S1);
        assert!(!primary);
        assert!(
            meta.is_none(),
            "a subagent file never replaces the parent's metadata"
        );
        assert_eq!(msgs.len(), 4, "task, call, one folded result, answer");
        assert!(
            msgs.iter()
                .all(|m| m.sidechain && m.agent_id.as_deref() == Some(SUB))
        );
        assert!(msgs.iter().all(|m| !m.is_prompt()));
        let t = total(msgs);
        assert_eq!((t.input, t.cache_read, t.output), (600, 500, 30));
    }

    #[test]
    fn legacy_json_and_its_migrated_jsonl() {
        let old = parse("tmp/webapp/chats/session-2026-11-18T09-00-3333cccc.json");
        let new = parse("tmp/webapp/chats/session-2026-11-18T09-00-3333cccc.jsonl");
        assert!(old.issues.is_empty() && new.issues.is_empty());
        assert_eq!(old.only().0, S3);
        assert_eq!(new.only().0, S3);
        let (_, _, meta, msgs) = old.only();
        let roles: Vec<Role> = msgs.iter().map(|m| m.role).collect();
        assert_eq!(
            roles,
            vec![Role::User, Role::Assistant, Role::Tool, Role::Assistant],
            "results come from toolCalls[].result when no functionResponse message exists"
        );
        let meta = meta.as_ref().unwrap();
        assert_eq!(meta.first_prompt.as_deref(), Some("Explain src/lib.rs"));
        assert_eq!(meta.cwd.as_deref(), Some("/home/u/webapp"));
        assert_eq!(new.only().3.len(), 6);
        // the .jsonl wins when both exist
        let mut out = ScanOut::default();
        GeminiSource::default().scan(
            &Root {
                agent: Agent::Gemini,
                path: home().join(".gemini"),
                origin: RootOrigin::Default,
            },
            &mut out,
        );
        let prio = |suffix: &str| {
            out.stores
                .iter()
                .find(|s| s.path.to_string_lossy().ends_with(suffix))
                .map(|s| (s.kind, s.priority))
                .unwrap()
        };
        assert_eq!(prio("3333cccc.json"), (StoreKind::Json, 1));
        assert_eq!(prio("3333cccc.jsonl"), (StoreKind::Jsonl, 0));
    }

    #[test]
    fn scan_lists_transcripts_only() {
        let mut out = ScanOut::default();
        GeminiSource::default().scan(
            &Root {
                agent: Agent::Gemini,
                path: home().join(".gemini"),
                origin: RootOrigin::Default,
            },
            &mut out,
        );
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let mut names: Vec<String> = out
            .stores
            .iter()
            .map(|s| {
                s.path
                    .strip_prefix(home().join(".gemini/tmp"))
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        names.sort();
        let webapp: Vec<&String> = names.iter().filter(|n| n.starts_with("webapp/")).collect();
        assert_eq!(
            webapp,
            vec![
                &format!("webapp/chats/{S1}/{SUB}.jsonl"),
                &"webapp/chats/session-2026-11-18T09-00-3333cccc.json".to_string(),
                &"webapp/chats/session-2026-11-18T09-00-3333cccc.jsonl".to_string(),
                &"webapp/chats/session-2026-11-20T10-00-1111aaaa.jsonl".to_string(),
                &"webapp/chats/session-2026-11-20T10-05-1111aaaa.jsonl".to_string(),
            ],
            "logs.json, checkpoint-*.json and checkpoints/ are not transcripts"
        );
        assert_eq!(names.len(), 8, "plus three hash-named folders: {names:?}");
    }

    fn ctx_with<'a>(env: &'a Env, cfg: &'a Config, known: &'a [PathBuf]) -> DiscoverCtx<'a> {
        DiscoverCtx {
            env,
            config: cfg,
            known_dirs: known,
        }
    }

    #[test]
    fn cwd_of_hash_named_folders() {
        let src = GeminiSource::default();
        let cwd = |src: &GeminiSource, rel: &str| {
            parse_with(src, rel).only().2.as_ref().unwrap().cwd.clone()
        };
        // a root listed in projects.json
        assert_eq!(
            cwd(&src, "tmp/2b41932ac4da768ef97dc2357b06f41468b4d5077c96c48248f5fc6e17ada9d3/chats/session-2025-06-01T08-00-4444dddd.json").as_deref(),
            Some("/home/u/oldproj")
        );
        // a workspace directory inside the file whose sha256 is projectHash
        assert_eq!(
            cwd(&src, "tmp/7f4cfa3050017eb64d04105ab74f98685017194777c1284a5fbfd85171bea0ba/chats/session-2025-06-02T08-00-5555eeee.json").as_deref(),
            Some("/home/u/found-in-file")
        );
        // nothing names it: no cwd (and no resume command) …
        let known_rel = "tmp/46f003261f6a8d6aeab8dcdc64e0aacb03a6b0fc0360235874974043ff481e8d/chats/session-2025-06-03T08-00-6666ffff.json";
        assert_eq!(cwd(&src, known_rel), None);
        let store = store_for(Agent::Gemini, &fixture(known_rel), StoreKind::Json);
        let before = src.fingerprint(&store).unwrap();
        // … until another agent's session ran there: then the store is read again
        let env = Env::with_home(home(), &[]);
        let cfg = Config::default();
        let known = [
            PathBuf::from("/home/u/elsewhere"),
            PathBuf::from("/home/u/known"),
        ];
        src.roots(&ctx_with(&env, &cfg, &known));
        assert_ne!(src.fingerprint(&store).unwrap(), before);
        assert_eq!(cwd(&src, known_rel).as_deref(), Some("/home/u/known"));
    }

    #[test]
    fn cwd_from_the_injected_context() {
        let ctx = |dirs: &[&str]| {
            let list: String = dirs.iter().map(|d| format!("\\n  - {d}")).collect();
            format!(
                r#"{{"$set":{{"messages":[{{"id":"ctx","timestamp":"2026-01-01T00:00:00Z","type":"user","content":[{{"text":"<session_context>\nThis is the Gemini CLI.\n- **Workspace Directories:**{list}\n- **Directory Structure:**\n\n</session_context>"}}]}}]}}}}"#
            )
        };
        let meta = |hash: &str| {
            format!(
                r#"{{"sessionId":"s","projectHash":"{hash}","startTime":"2026-01-01T00:00:00Z","lastUpdated":"2026-01-01T00:00:00Z","kind":"main"}}"#
            )
        };
        let cwd = |ls: &[String]| {
            let refs: Vec<&str> = ls.iter().map(String::as_str).collect();
            let m = lines(&refs);
            assert!(m.issues.is_empty(), "{:?}", m.issues);
            assert!(m.only().3.iter().all(|m| m.meta && !m.is_prompt()));
            m.only().2.as_ref().unwrap().cwd.clone()
        };
        // the directory whose sha256 is projectHash, wherever it is listed
        let h = sha256_hex("/w/extra");
        assert_eq!(
            cwd(&[meta(&h), ctx(&["/w/main", "/w/extra"])]).as_deref(),
            Some("/w/extra")
        );
        // no hash matches: the first workspace directory (the project root)
        assert_eq!(
            cwd(&[meta("00"), ctx(&["/w/main", "/w/extra"])]).as_deref(),
            Some("/w/main")
        );
        // nothing at all
        assert_eq!(cwd(&[meta("00")]), None);
    }

    #[test]
    fn incremental_reads_pick_up_a_project_root_learnt_later() {
        // a JSONL session in a hash folder, parsed before the root is known, then again
        // from its end with the saved state: the cwd arrives without new lines
        let dir = tempfile::tempdir().unwrap();
        let hash = sha256_hex("/home/u/late");
        let path = dir
            .path()
            .join(".gemini/tmp")
            .join(&hash)
            .join("chats/session-2026-01-01T00-00-77777777.jsonl");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let line = format!(
            r#"{{"sessionId":"77777777-0000-4000-8000-000000000007","projectHash":"{hash}","startTime":"2026-01-01T00:00:00Z","lastUpdated":"2026-01-01T00:00:00Z","kind":"main"}}"#
        );
        let src = GeminiSource::default();
        let store = store_for(Agent::Gemini, &path, StoreKind::Jsonl);
        let Parser::Lines(mut p) = src.parser(&store) else {
            panic!()
        };
        let mut sink = Sink::default();
        p.line(1, line.as_bytes(), &mut sink);
        p.flush(&mut sink);
        assert_eq!(sink.sessions[0].meta.as_ref().unwrap().cwd, None);
        let saved = p.save_state();
        let env = Env::with_home(dir.path(), &[]);
        let cfg = Config::default();
        src.roots(&ctx_with(&env, &cfg, &[PathBuf::from("/home/u/late")]));
        let Parser::Lines(mut p2) = src.parser(&store) else {
            panic!()
        };
        assert!(p2.load_state(&saved));
        let mut sink = Sink::default();
        p2.flush(&mut sink);
        assert_eq!(
            sink.sessions[0].meta.as_ref().unwrap().cwd.as_deref(),
            Some("/home/u/late")
        );
    }

    #[test]
    fn roots_honour_gemini_cli_home_and_config() {
        let env = Env::with_home("/home/u", &[("GEMINI_CLI_HOME", "/srv/gem")]);
        let cfg = Config::parse("[agents.gemini]\nroots = [\"~/synced/.gemini\"]\n").unwrap();
        let roots = GeminiSource::default().roots(&ctx_with(&env, &cfg, &[]));
        let got: Vec<(PathBuf, RootOrigin)> =
            roots.into_iter().map(|r| (r.path, r.origin)).collect();
        assert_eq!(
            got,
            vec![
                (
                    PathBuf::from("/srv/gem/.gemini"),
                    RootOrigin::Env("GEMINI_CLI_HOME".into())
                ),
                (PathBuf::from("/home/u/.gemini"), RootOrigin::Default),
                (PathBuf::from("/home/u/synced/.gemini"), RootOrigin::Config),
            ]
        );
    }

    #[test]
    fn a_configured_root_may_name_a_project_folder_or_its_chats() {
        for rel in ["tmp/webapp", "tmp/webapp/chats"] {
            let mut out = ScanOut::default();
            GeminiSource::default().scan(
                &Root {
                    agent: Agent::Gemini,
                    path: fixture(rel),
                    origin: RootOrigin::Config,
                },
                &mut out,
            );
            assert_eq!(out.stores.len(), 5, "{rel}");
        }
    }

    fn session(id: &str, cwd: Option<&str>) -> Session {
        Session {
            agent: Agent::Gemini,
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
        }
    }

    #[test]
    fn resume_runs_in_the_project_root_with_a_plain_id() {
        let src = GeminiSource::default();
        let r = src.resume(&session(S1, Some("/home/u/webapp"))).unwrap();
        assert_eq!(r.argv, vec!["gemini", "--resume", S1]);
        assert_eq!(r.cwd.as_deref(), Some("/home/u/webapp"));
        // elsewhere Gemini exits 42: no command without the project root
        assert_eq!(src.resume(&session(S1, None)), None);
        assert_eq!(src.resume(&session(S1, Some("relative/dir"))), None);
        // ids from a file never become options, indexes or `latest`
        for bad in ["--yolo", "-r", "3", "latest", "a b", "x;rm", ""] {
            assert_eq!(src.resume(&session(bad, Some("/p"))), None, "{bad}");
        }
    }

    #[test]
    fn a_compressed_history_keeps_what_was_shown() {
        let m = lines(&[
            r#"{"sessionId":"s","projectHash":"h","startTime":"2026-01-01T00:00:00Z","lastUpdated":"2026-01-01T00:00:00Z","kind":"main"}"#,
            r#"{"id":"u1","timestamp":"2026-01-01T00:00:01Z","type":"user","content":[{"text":"one"}]}"#,
            r#"{"id":"g1","timestamp":"2026-01-01T00:00:02Z","type":"gemini","content":"first","tokens":{"input":100,"output":5,"cached":0}}"#,
            r#"{"id":"u2","timestamp":"2026-01-01T00:00:03Z","type":"user","content":[{"text":"two"}]}"#,
            r#"{"id":"g2","timestamp":"2026-01-01T00:00:04Z","type":"gemini","content":"second","tokens":{"input":200,"output":5,"cached":0}}"#,
            // compression: a snapshot and an acknowledgement replace u1/g1, u2/g2 are kept
            r#"{"$set":{"messages":[{"id":"snap","timestamp":"2026-01-01T00:00:05Z","type":"user","content":[{"text":"<state_snapshot>one, first</state_snapshot>"}]},{"id":"ack","timestamp":"2026-01-01T00:00:05Z","type":"gemini","content":[{"text":"Got it."}]},{"id":"u2","timestamp":"2026-01-01T00:00:05Z","type":"user","content":[{"text":"two"}]},{"id":"g2","timestamp":"2026-01-01T00:00:05Z","type":"gemini","content":[{"text":"second"}]}]}}"#,
            r#"{"id":"u3","timestamp":"2026-01-01T00:00:06Z","type":"user","content":[{"text":"three"}]}"#,
        ]);
        assert!(m.issues.is_empty(), "{:?}", m.issues);
        let msgs = &m.only().3;
        let texts: Vec<String> = msgs.iter().map(Message::plain_text).collect();
        assert_eq!(
            texts,
            vec![
                "one",
                "first",
                "two",
                "second",
                "<state_snapshot>one, first</state_snapshot>",
                "Got it.",
                "",
                "three"
            ]
        );
        assert!(msgs[4].meta, "a rebuilt user entry is no prompt");
        assert!(matches!(&msgs[6].blocks[0], Block::Notice { kind, .. } if kind == "checkpoint"));
        assert_eq!(msgs.iter().filter(|m| m.is_prompt()).count(), 3);
        assert_eq!(total(msgs).input, 300, "nothing lost, nothing twice");
    }

    #[test]
    fn rewinds() {
        let head = [
            r#"{"sessionId":"s","projectHash":"h","startTime":"2026-01-01T00:00:00Z","lastUpdated":"2026-01-01T00:00:00Z","kind":"main"}"#,
            r#"{"id":"u1","timestamp":"2026-01-01T00:00:01Z","type":"user","content":[{"text":"one"}]}"#,
            r#"{"id":"g1","timestamp":"2026-01-01T00:00:02Z","type":"gemini","content":"first","tokens":{"input":100,"output":5,"cached":0}}"#,
        ];
        // to an id: that message and every later one go
        let mut ls = head.to_vec();
        ls.push(r#"{"$rewindTo":"g1"}"#);
        ls.push(r#"{"id":"g1","timestamp":"2026-01-01T00:00:03Z","type":"gemini","content":"again","tokens":{"input":120,"output":5,"cached":0}}"#);
        let m = lines(&ls);
        assert!(m.issues.is_empty(), "{:?}", m.issues);
        let msgs = &m.only().3;
        let texts: Vec<String> = msgs.iter().map(Message::plain_text).collect();
        assert_eq!(texts, vec!["one", "", "again"]);
        assert_eq!(total(msgs).input, 120);
        // to an unknown id: everything goes (and the first prompt with it)
        let mut ls = head.to_vec();
        ls.push(r#"{"$rewindTo":"nope"}"#);
        ls.push(
            r#"{"id":"u9","timestamp":"2026-01-01T00:00:09Z","type":"user","content":"fresh"}"#,
        );
        let m = lines(&ls);
        let (_, _, meta, msgs) = m.only();
        assert_eq!(msgs.len(), 2);
        assert!(matches!(&msgs[0].blocks[0], Block::Notice { kind, .. } if kind == "rewind"));
        // and doctor says so: the line and the id it names
        let issues: Vec<(Option<u64>, IssueKind)> =
            m.issues.iter().map(|i| (i.line, i.kind)).collect();
        assert_eq!(issues, vec![(Some(4), IssueKind::WrongShape)]);
        assert!(m.issues[0].detail.contains("nope"), "{:?}", m.issues);
        assert_eq!(
            meta.as_ref().unwrap().first_prompt.as_deref(),
            Some("fresh")
        );
        // a rewind in an empty file
        let m = lines(&[r#"{"$rewindTo":"x"}"#]);
        assert!(m.sessions.iter().all(|s| s.3.is_empty()));
    }

    #[test]
    fn older_shapes_and_odd_records() {
        let m = lines(&[
            // a whole legacy record on one line, with third-party `type:"model"` and `parts`
            r#"{"sessionId":"s","projectHash":"h","messages":[{"id":"a","type":"user","content":"?"},{"id":"b","type":"model","parts":[{"text":"Ask me anything."}]},{"id":"c","type":"user","content":"/help"},{"id":"d","type":"user","content":"Real question"}]}"#,
            // tool results with no toolCalls record (functionCall parts only)
            r#"{"id":"g","type":"gemini","content":[{"text":"thinking…","thought":true},{"functionCall":{"id":"c1","name":"glob","args":{"pattern":"*.rs"}}}]}"#,
            r#"{"id":"r","type":"user","content":[{"functionResponse":{"id":"c1","name":"glob","response":{"output":"a.rs"}}}]}"#,
            r#"{"id":"w","type":"warning","content":"Low disk space"}"#,
            r#"{"id":"e","type":"error","content":[{"text":"Quota exceeded"}]}"#,
            r#"{"id":"z","type":"telepathy","content":"?"}"#,
            r#"{"what":"ever"}"#,
            r#"[1,2]"#,
            r#"{"$set":{"messages":"nope"}}"#,
        ]);
        let kinds: Vec<(Option<u64>, IssueKind)> =
            m.issues.iter().map(|i| (i.line, i.kind)).collect();
        assert_eq!(
            kinds,
            vec![
                (Some(6), IssueKind::UnknownType),
                (Some(7), IssueKind::UnknownType),
                (Some(8), IssueKind::WrongShape),
                (Some(9), IssueKind::WrongShape),
            ]
        );
        let (_, _, meta, msgs) = m.only();
        assert_eq!(
            meta.as_ref().unwrap().first_prompt.as_deref(),
            Some("Real question"),
            "`?` and slash commands are no title"
        );
        assert_eq!(msgs[1].role, Role::Assistant);
        assert_eq!(msgs[1].plain_text(), "Ask me anything.");
        assert!(matches!(&msgs[4].blocks[0], Block::Thinking { .. }));
        assert_eq!(msgs[4].tool_calls(), 1);
        assert_eq!(msgs[5].role, Role::Tool);
        assert_eq!(results(msgs), vec![("c1".to_string(), false)]);
        assert!(matches!(&msgs[6].blocks[0], Block::Notice { kind, .. } if kind == "warning"));
        assert!(
            matches!(&msgs[7].blocks[0], Block::Notice { kind, text } if kind == "error" && text == "Quota exceeded")
        );
    }

    #[test]
    fn incremental_parse_equals_whole_parse() {
        for rel in [
            MAIN.to_string(),
            format!("tmp/webapp/chats/{S1}/{SUB}.jsonl"),
        ] {
            let path = fixture(&rel);
            let bytes = std::fs::read(&path).unwrap();
            let all: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
            let complete = &all[..all.len() - 1];
            let whole = parse(&rel);
            for cut in 1..complete.len() {
                let store = store_for(Agent::Gemini, &path, StoreKind::Jsonl);
                let mut out = Materialized::default();
                let Parser::Lines(mut p) = GeminiSource::default().parser(&store) else {
                    panic!()
                };
                let mut sink = Sink::default();
                for (i, l) in complete[..cut].iter().enumerate() {
                    p.line(i as u64 + 1, l, &mut sink);
                }
                p.flush(&mut sink);
                out.apply(sink);
                let saved = p.save_state();
                let Parser::Lines(mut p2) = GeminiSource::default().parser(&store) else {
                    panic!()
                };
                assert!(p2.load_state(&saved));
                let mut sink = Sink::default();
                for (i, l) in complete[cut..].iter().enumerate() {
                    p2.line((cut + i) as u64 + 1, l, &mut sink);
                }
                p2.flush(&mut sink);
                out.apply(sink);
                assert_eq!(out.only().3, whole.only().3, "{rel} cut at line {cut}");
                assert_eq!(out.only().2, whole.only().2, "{rel} cut at line {cut}");
            }
        }
    }

    #[test]
    fn a_session_id_named_after_messages_leaves_no_gap() {
        // found by fuzzing (fuzz target `gemini`): a message before the record naming the
        // session id went under the file name, the next ones under the id from seq 1 on
        for input in [
            "{\"id\":\"\",\"type\":\"user\",\"content\":\"b\"}\n{\"$set\":{\"sessionId\":\"3\"}}",
            "{\"id\":\"m1\",\"type\":\"user\",\"content\":\"hi\"}\n{\"sessionId\":\"s9\"}\n{\"id\":\"m2\",\"type\":\"user\",\"content\":\"again\"}",
        ] {
            let fmt = GeminiSource::default().format_for(Path::new("/nowhere/session-x.jsonl"));
            let mut st = GeminiState::default();
            let mut sink = Sink::default();
            for (i, l) in input.lines().enumerate() {
                fmt.line(&mut st, i as u64 + 1, l.as_bytes(), &mut sink);
            }
            fmt.flush(&mut st, &mut sink);
            crate::sources::mangle::assert_no_gaps(&sink);
            let uids: Vec<&str> = sink.sessions.iter().map(|s| s.uid.as_str()).collect();
            assert_eq!(uids, ["session-x"], "one session");
        }
    }

    #[test]
    fn a_session_id_named_in_a_later_append_leaves_no_ghost() {
        // found by fuzzing (fuzz target `gemini`): metadata flushed under the file name before
        // the record naming the session id was appended stayed behind as a second session
        let input = [
            "{\"id\":\"\",\"timestamp\":\"6-1-8T0:0:0\"}",
            "{\"sessionId\":\"3\"}",
        ];
        let store = store_for(
            Agent::Gemini,
            Path::new("/nowhere/session-x.jsonl"),
            StoreKind::Jsonl,
        );
        let run = |lines: &[&str], first: u64, state: Option<&[u8]>| {
            let Parser::Lines(mut p) = GeminiSource::default().parser(&store) else {
                panic!()
            };
            if let Some(s) = state {
                assert!(p.load_state(s));
            }
            let mut sink = Sink::default();
            for (i, l) in lines.iter().enumerate() {
                p.line(first + i as u64, l.as_bytes(), &mut sink);
            }
            p.flush(&mut sink);
            (sink, p.save_state())
        };
        let mut once = Materialized::default();
        once.apply(run(&input, 1, None).0);
        let mut twice = Materialized::default();
        let (sink, state) = run(&input[..1], 1, None);
        twice.apply(sink);
        twice.apply(run(&input[1..], 2, Some(&state)).0);
        let uids = |m: &Materialized| m.sessions.iter().map(|s| s.0.clone()).collect::<Vec<_>>();
        assert_eq!(uids(&once), ["3"]);
        assert_eq!(uids(&twice), ["3"], "no session left under the file name");
        assert_eq!(once.only().2, twice.only().2);
    }

    #[test]
    fn mangled_lines_never_panic() {
        use crate::sources::mangle::{Rng, variants};
        let path = fixture(MAIN);
        let bytes = std::fs::read(&path).unwrap();
        let mut rng = Rng(0x5eed_1234_abcd_0003);
        let store = store_for(Agent::Gemini, &path, StoreKind::Jsonl);
        let good: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
        for (n, line) in good.iter().enumerate() {
            for bad in variants(line, &mut rng) {
                let Parser::Lines(mut p) = GeminiSource::default().parser(&store) else {
                    panic!()
                };
                let mut sink = Sink::default();
                // the bad line in place of a good one, the others around it still parse
                for (i, l) in good.iter().enumerate() {
                    let l: &[u8] = if i == n { &bad } else { l };
                    p.line(i as u64 + 1, l, &mut sink);
                }
                p.flush(&mut sink);
                let saved = p.save_state();
                assert!(p.load_state(&saved));
                let mut m = Materialized::default();
                m.apply(sink);
                assert!(!m.sessions.is_empty());
            }
        }
    }

    #[test]
    fn mangled_legacy_records_never_panic() {
        use crate::sources::mangle::{Rng, variants};
        let src = fixture("tmp/webapp/chats/session-2026-11-18T09-00-3333cccc.json");
        let bytes = std::fs::read(&src).unwrap();
        // on one line, so the line manglers reach every field
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        let one = serde_json::to_vec(&v).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session-x.json");
        let mut rng = Rng(0x5eed_1234_abcd_0004);
        for bad in variants(&one, &mut rng) {
            std::fs::write(&path, &bad).unwrap();
            let m = materialize(
                &GeminiSource::default(),
                &store_for(Agent::Gemini, &path, StoreKind::Json),
            )
            .unwrap();
            let _ = m;
        }
    }
}
