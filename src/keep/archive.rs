//! Archived sessions: a copy that outlives the agent's own files.
//!
//! `archive/<agent>/<session>/` holds `session.json` (the session as revisit read it: its
//! metadata and every message, whole), `manifest.json` (where each file came from) and
//! `files/` (copies of the agent's own files, for the agents that can resume from a copy).
//! The index reads `session.json` as one more store of the agent's with a low priority: while
//! the agent's files exist they win, and once the agent deletes them the archived copy is what
//! the list, search and transcript show.

use super::{KeepDb, KeepError, data_dir, safe_name};
use crate::config::Env;
use crate::index::query::Reader;
use crate::model::{Agent, Message, ResumeTarget, Session};
use crate::sources::{
    Parser, Root, ScanOut, ScanProblem, SessionMeta, Sink, SourceError, StoreKind, StoreRef,
    WholeParser,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Stores of the archive lose to every store of the agent's own.
pub const PRIORITY: i32 = 1000;
const FORMAT: &str = "revisit-archive";
const VERSION: u32 = 1;

/// `$XDG_DATA_HOME/revisit/archive`.
pub fn archive_dir(env: &Env) -> Option<PathBuf> {
    data_dir(env).ok().map(|d| d.join("archive"))
}

/// The archive's root for one agent (scanned like the agent's own roots).
pub fn root(env: &Env, agent: Agent) -> Option<Root> {
    Some(Root {
        agent,
        path: archive_dir(env)?.join(agent.as_str()),
        origin: crate::sources::RootOrigin::Derived("revisit's archive".into()),
    })
}

/// Is this path inside revisit's archive?
pub fn is_archived_path(env: &Env, path: &Path) -> bool {
    archive_dir(env).is_some_and(|d| path.starts_with(d))
}

/// Where a file of the session was, and where its copy is (relative to the session's folder).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedFile {
    pub original: String,
    pub copy: String,
    /// The file holding the session itself (not a subagent's).
    #[serde(default)]
    pub primary: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub key: String,
    pub agent: Agent,
    pub archived_at: DateTime<Utc>,
    pub title: String,
    pub files: Vec<ArchivedFile>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Doc {
    format: String,
    version: u32,
    key: String,
    agent: Agent,
    uid: String,
    archived_at: DateTime<Utc>,
    meta: SessionMeta,
    messages: Vec<Message>,
}

/// What archiving did.
#[derive(Debug, Clone, Serialize)]
pub struct Archived {
    pub key: String,
    pub dir: PathBuf,
    pub messages: usize,
    pub files: Vec<ArchivedFile>,
    /// The agent can resume it from the copy once its own files are gone.
    pub resumable_from_copy: bool,
}

/// Agents that can load a session from a file anywhere: `pi --session <path>`,
/// `claude --resume <path>.jsonl`.
pub fn resumable_from_copy(agent: Agent) -> bool {
    matches!(agent, Agent::Pi | Agent::Claude)
}

/// The metadata the archived copy carries (what the index derived, as a parser would give it).
fn meta_of(s: &Session, uid: &str) -> SessionMeta {
    SessionMeta {
        id: s.id.clone(),
        title: Some(s.title.clone()).filter(|t| !t.trim().is_empty()),
        // a name the agent gave stays above what the copy says; a generated one does not
        title_rank: crate::sources::rank::THREAD_NAME,
        first_prompt: s.first_prompt.clone(),
        cwd: s.cwd.clone(),
        git_branch: s.git_branch.clone(),
        started_at: s.started_at,
        updated_at: s.updated_at,
        scope: uid.strip_prefix(&format!("{}@", s.id)).map(str::to_string),
        no_token_usage: !s.tokens_known,
        status: s.status.clone(),
    }
}

/// Copy a file with its modification time.
pub(crate) fn copy_file(from: &Path, to: &Path) -> Result<(), KeepError> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(KeepError::io(dir))?;
    }
    std::fs::copy(from, to).map_err(KeepError::io(from))?;
    if let Ok(md) = std::fs::metadata(from)
        && let Ok(mtime) = md.modified()
        && let Ok(f) = std::fs::OpenOptions::new().write(true).open(to)
    {
        let _ = f.set_modified(mtime);
    }
    Ok(())
}

/// Where a file's copy goes, relative to `files/`: beside the session's own file as it was
/// (so a subagent folder keeps its shape), else by its name.
fn copy_name(path: &Path, base: Option<&Path>, i: usize) -> PathBuf {
    if let Some(rel) = base.and_then(|b| path.strip_prefix(b).ok())
        && rel
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
    {
        return rel.to_path_buf();
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    PathBuf::from(format!("other/{i}-{name}"))
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), KeepError> {
    let f = std::fs::File::create(path).map_err(KeepError::io(path))?;
    let mut w = BufWriter::new(f);
    serde_json::to_writer(&mut w, value).map_err(|e| KeepError::Io {
        path: path.to_path_buf(),
        source: e.into(),
    })?;
    w.flush().map_err(KeepError::io(path))?;
    Ok(())
}

/// Archive a session: its messages whole from the index, and copies of its files. Archiving
/// again replaces the copy with the session as it is now.
pub fn archive(
    env: &Env,
    reader: &Reader,
    session: &Session,
    db: &KeepDb,
) -> Result<Archived, KeepError> {
    let dir = archive_dir(env)
        .ok_or(KeepError::NoDataDir)?
        .join(session.agent.as_str())
        .join(safe_name(&session.key));
    let index_err = |e: crate::index::IndexError| KeepError::Refused(e.to_string());
    if is_archived_path(env, Path::new(&session.source)) {
        // only the copy is left: it is what the index reads; nothing newer to take
        db.set_archived(&session.key, session.agent.as_str(), &dir)?;
        return Ok(Archived {
            key: session.key.clone(),
            messages: session.messages as usize,
            files: read_manifest(&dir).map(|m| m.files).unwrap_or_default(),
            dir,
            resumable_from_copy: resumable_from_copy(session.agent),
        });
    }
    let messages = reader.messages(&session.key).map_err(index_err)?;
    let files = reader.session_files(&session.key).map_err(index_err)?;
    let uid = session
        .key
        .split_once(':')
        .map_or(session.key.as_str(), |(_, u)| u)
        .to_string();

    // build it beside, then swap it in: a half-written archive never replaces a whole one
    let parent = dir.parent().expect("dir has a parent");
    std::fs::create_dir_all(parent).map_err(KeepError::io(parent))?;
    let tmp = parent.join(format!(
        ".{}.tmp-{}",
        dir.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(KeepError::io(&tmp))?;
    let result = (|| {
        let base = files
            .iter()
            .find(|f| f.primary)
            .and_then(|f| f.path.parent().map(Path::to_path_buf));
        let mut copied = Vec::new();
        for (i, f) in files.iter().enumerate() {
            if !matches!(f.kind, StoreKind::Jsonl | StoreKind::Json) || !f.path.is_file() {
                continue; // databases and servers belong to the agent: session.json has it all
            }
            let rel = Path::new("files").join(copy_name(&f.path, base.as_deref(), i));
            copy_file(&f.path, &tmp.join(&rel))?;
            copied.push(ArchivedFile {
                original: f.path.display().to_string(),
                copy: rel.display().to_string(),
                primary: f.primary,
            });
        }
        let now = Utc::now();
        let doc = Doc {
            format: FORMAT.into(),
            version: VERSION,
            key: session.key.clone(),
            agent: session.agent,
            uid: uid.clone(),
            archived_at: now,
            meta: meta_of(session, &uid),
            messages,
        };
        let n = doc.messages.len();
        write_json(&tmp.join("session.json"), &doc)?;
        let manifest = Manifest {
            format: FORMAT.into(),
            version: VERSION,
            key: session.key.clone(),
            agent: session.agent,
            archived_at: now,
            title: session.title.clone(),
            files: copied,
        };
        write_json(&tmp.join("manifest.json"), &manifest)?;
        Ok::<_, KeepError>((n, manifest.files))
    })();
    let (n, copied) = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    let old = parent.join(format!(
        ".{}.old-{}",
        dir.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    if dir.exists() {
        std::fs::rename(&dir, &old).map_err(KeepError::io(&dir))?;
    }
    if let Err(e) = std::fs::rename(&tmp, &dir) {
        let _ = std::fs::rename(&old, &dir);
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(KeepError::Io {
            path: dir.clone(),
            source: e,
        });
    }
    let _ = std::fs::remove_dir_all(&old);
    db.set_archived(&session.key, session.agent.as_str(), &dir)?;
    Ok(Archived {
        key: session.key.clone(),
        dir,
        messages: n,
        files: copied,
        resumable_from_copy: resumable_from_copy(session.agent),
    })
}

pub fn read_manifest(dir: &Path) -> Option<Manifest> {
    let bytes = std::fs::read(dir.join("manifest.json")).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Remove an archived copy (the agent's own files are not touched).
pub fn unarchive(env: &Env, session: &Session, db: &KeepDb) -> Result<bool, KeepError> {
    let dir = match db.archived_dir(&session.key)? {
        Some(d) => d,
        None => archive_dir(env)
            .ok_or(KeepError::NoDataDir)?
            .join(session.agent.as_str())
            .join(safe_name(&session.key)),
    };
    let inside = archive_dir(env).is_some_and(|a| dir.starts_with(a));
    let existed = inside && dir.exists();
    if existed {
        std::fs::remove_dir_all(&dir).map_err(KeepError::io(&dir))?;
    }
    db.remove_archived(&session.key)?;
    Ok(existed)
}

/// The archived sessions of one agent's archive root.
pub fn scan(root: &Root, out: &mut ScanOut) {
    let entries = match std::fs::read_dir(&root.path) {
        Ok(e) => e,
        Err(e) => {
            out.problems.push(ScanProblem {
                path: root.path.clone(),
                reason: e.to_string(),
            });
            return;
        }
    };
    for e in entries.flatten() {
        let name = e.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue; // being written or replaced
        }
        let path = e.path().join("session.json");
        if path.is_file() {
            out.stores.push(StoreRef {
                agent: root.agent,
                path,
                kind: StoreKind::Json,
                root: root.path.clone(),
                priority: PRIORITY,
            });
        }
    }
}

/// Reads `session.json` back.
pub struct ArchiveParser;

pub fn parser() -> Parser {
    Parser::Whole(Box::new(ArchiveParser))
}

impl WholeParser for ArchiveParser {
    fn parse(
        &mut self,
        store: &StoreRef,
        _state: Option<&[u8]>,
        sink: &mut Sink,
    ) -> Result<Vec<u8>, SourceError> {
        sink.complete = true;
        let f = std::fs::File::open(&store.path).map_err(|e| SourceError::Io {
            path: store.path.clone(),
            source: e,
        })?;
        let doc: Doc = match serde_json::from_reader(BufReader::new(f)) {
            Ok(d) => d,
            Err(e) => {
                sink.issue(
                    None,
                    crate::sources::IssueKind::InvalidJson,
                    format!("archived copy: {e}"),
                );
                return Ok(Vec::new());
            }
        };
        if doc.format != FORMAT || doc.agent != store.agent || doc.uid.is_empty() {
            sink.issue(
                None,
                crate::sources::IssueKind::WrongShape,
                "not an archived session of this agent",
            );
            return Ok(Vec::new());
        }
        sink.meta(&doc.uid, doc.meta);
        for (i, m) in doc.messages.into_iter().enumerate() {
            sink.put(&doc.uid, true, i as u32, m);
        }
        Ok(Vec::new())
    }
}

/// For a session only its archived copy is left of: the command that resumes it from the copy
/// of its file (Pi and Claude Code load a session from a path), run in its directory.
pub fn resume_from_copy(session: &Session) -> Option<ResumeTarget> {
    if !resumable_from_copy(session.agent) {
        return None;
    }
    let dir = Path::new(&session.source).parent()?;
    let manifest = read_manifest(dir)?;
    let primary = manifest.files.iter().find(|f| f.primary)?;
    let path = dir.join(&primary.copy).display().to_string();
    if !crate::sources::util::arg_path(&path) || !path.ends_with(".jsonl") {
        return None;
    }
    let argv = match session.agent {
        Agent::Pi => vec!["pi".into(), "--session".into(), path],
        Agent::Claude => vec!["claude".into(), "--resume".into(), path],
        _ => return None,
    };
    Some(ResumeTarget {
        argv,
        // its directory when it is still there; a session loaded by path needs none
        cwd: crate::sources::util::run_dir(&session.cwd).filter(|d| Path::new(d).is_dir()),
    })
}
