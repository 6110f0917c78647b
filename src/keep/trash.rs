//! Deleting a session moves its files into revisit's trash (`$XDG_DATA_HOME/revisit/trash/`),
//! from where they can be put back exactly as they were, or removed for good.
//!
//! Only whole files move, and only files that hold nothing but this session: a session kept in
//! an agent's database, or in a file it shares with other sessions, is not deleted (the agent
//! owns that store, and revisit never rewrites it).

use super::{KeepError, data_dir, safe_name};
use crate::config::Env;
use crate::index::query::Reader;
use crate::model::{Agent, Session};
use crate::sources::StoreKind;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub fn trash_dir(env: &Env) -> Result<PathBuf, KeepError> {
    Ok(data_dir(env)?.join("trash"))
}

/// What a delete would move, for the question before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeletePlan {
    pub key: String,
    pub agent: Agent,
    pub title: String,
    pub files: Vec<PathBuf>,
}

impl DeletePlan {
    /// The confirmation question: the session and every file.
    pub fn question(&self) -> String {
        let files: Vec<String> = self
            .files
            .iter()
            .map(|f| crate::sanitize::one_line(&f.display().to_string()))
            .collect();
        format!(
            "Delete {} session \"{}\"? Moves {} to revisit's trash (undo: u, or revisit trash restore): {}",
            self.agent.display_name(),
            crate::sanitize::truncate_chars(&crate::sanitize::one_line(&self.title), 60),
            if files.len() == 1 {
                "1 file".to_string()
            } else {
                format!("{} files", files.len())
            },
            files.join(", ")
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrashedFile {
    pub original: PathBuf,
    /// Relative to the entry's folder.
    pub stored: PathBuf,
}

/// One deleted session in the trash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrashEntry {
    pub id: String,
    pub key: String,
    pub agent: Agent,
    pub title: String,
    pub deleted_at: DateTime<Utc>,
    pub files: Vec<TrashedFile>,
    /// Every file was moved (false while moving, or when a move failed half-way).
    pub complete: bool,
    /// Bytes in the trash.
    #[serde(default)]
    pub bytes: u64,
}

/// Decide what deleting a session moves, or why it is not offered.
pub fn plan(env: &Env, reader: &Reader, session: &Session) -> Result<DeletePlan, KeepError> {
    let name = session.agent.display_name();
    if super::archive::is_archived_path(env, Path::new(&session.source)) {
        return Err(KeepError::Refused(format!(
            "only revisit's archived copy of this session is left ({name} deleted its files); \
             `revisit archive --remove {}` removes the copy",
            session.key
        )));
    }
    // every copy the agent keeps (not revisit's archived one: that is revisit's to keep)
    let files: Vec<_> = reader
        .session_files_all(&session.key)
        .map_err(|e| KeepError::Refused(e.to_string()))?
        .into_iter()
        .filter(|f| !super::archive::is_archived_path(env, &f.path))
        .collect();
    if files.is_empty() {
        return Err(KeepError::Refused("this session has no files".into()));
    }
    let mut out = Vec::new();
    for f in &files {
        match f.kind {
            StoreKind::Sqlite => {
                return Err(KeepError::Refused(format!(
                    "{name} keeps this session in its database ({}): revisit does not delete \
                     from an agent's database; use {name}'s own delete",
                    f.path.display()
                )));
            }
            StoreKind::Remote => {
                return Err(KeepError::Refused(format!(
                    "{name} keeps this session on its server: delete it there"
                )));
            }
            StoreKind::Jsonl | StoreKind::Json => {}
        }
        if f.shared || f.path.is_dir() {
            return Err(KeepError::Refused(format!(
                "{name} keeps this session in {} with other sessions: revisit only deletes \
                 sessions that have files of their own; use {name}'s own delete",
                f.path.display()
            )));
        }
        if !f.path.is_file() {
            return Err(KeepError::Refused(format!(
                "{} is gone or not a file",
                f.path.display()
            )));
        }
        out.push(f.path.clone());
    }
    if crate::search::query::is_live(session, Utc::now()) {
        return Err(KeepError::Refused(format!(
            "{name} is still writing this session (live): delete it once it is done"
        )));
    }
    // Claude Code keeps a session's subagents and large tool outputs in a folder named after it
    if session.agent == Agent::Claude
        && let Some(main) = files.iter().find(|f| f.primary)
        && let (Some(dir), Some(stem)) = (main.path.parent(), main.path.file_stem())
    {
        let companion = dir.join(stem);
        if companion.is_dir() {
            out.retain(|p| !p.starts_with(&companion));
            out.push(companion);
        }
    }
    Ok(DeletePlan {
        key: session.key.clone(),
        agent: session.agent,
        title: session
            .extra
            .name
            .clone()
            .unwrap_or_else(|| session.title.clone()),
        files: out,
    })
}

fn write_entry(dir: &Path, e: &TrashEntry) -> Result<(), KeepError> {
    let path = dir.join("entry.json");
    let tmp = dir.join("entry.json.tmp");
    let bytes = serde_json::to_vec_pretty(e).unwrap_or_default();
    std::fs::write(&tmp, bytes).map_err(KeepError::io(&tmp))?;
    std::fs::rename(&tmp, &path).map_err(KeepError::io(&path))?;
    Ok(())
}

fn size_of(p: &Path) -> u64 {
    match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => std::fs::read_dir(p)
            .map(|d| d.flatten().map(|e| size_of(&e.path())).sum())
            .unwrap_or(0),
        Ok(m) => m.len(),
        Err(_) => 0,
    }
}

/// Copy a file or a folder with modification times (for moves across file systems).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    let md = std::fs::symlink_metadata(from)?;
    if md.is_dir() {
        std::fs::create_dir_all(to)?;
        for e in std::fs::read_dir(from)? {
            let e = e?;
            copy_tree(&e.path(), &to.join(e.file_name()))?;
        }
    } else if md.file_type().is_symlink() {
        #[cfg(unix)]
        std::os::unix::fs::symlink(std::fs::read_link(from)?, to)?;
    } else {
        std::fs::copy(from, to)?;
        if let Ok(mtime) = md.modified() {
            std::fs::OpenOptions::new()
                .write(true)
                .open(to)?
                .set_modified(mtime)?;
        }
    }
    Ok(())
}

/// Move a file or folder: a rename where it can be, else copy and remove.
fn move_path(from: &Path, to: &Path) -> std::io::Result<()> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir)?;
    }
    if std::fs::rename(from, to).is_ok() {
        return Ok(());
    }
    if let Err(e) = copy_tree(from, to) {
        let _ = remove_tree(to);
        return Err(e);
    }
    remove_tree(from)
}

fn remove_tree(p: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(p),
        Ok(_) => std::fs::remove_file(p),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Move the planned files into the trash. On a failure half-way, what was moved goes back.
pub fn delete(env: &Env, plan: &DeletePlan) -> Result<TrashEntry, KeepError> {
    let root = trash_dir(env)?;
    let now = Utc::now();
    let id = format!(
        "{}-{}",
        now.format("%Y%m%dT%H%M%S%.3f"),
        safe_name(&plan.key)
    );
    let dir = root.join(&id);
    std::fs::create_dir_all(&dir).map_err(KeepError::io(&dir))?;
    let files: Vec<TrashedFile> = plan
        .files
        .iter()
        .enumerate()
        .map(|(i, p)| TrashedFile {
            original: p.clone(),
            stored: PathBuf::from(format!(
                "files/{i}/{}",
                p.file_name().unwrap_or_default().to_string_lossy()
            )),
        })
        .collect();
    let mut entry = TrashEntry {
        id,
        key: plan.key.clone(),
        agent: plan.agent,
        title: plan.title.clone(),
        deleted_at: now,
        files,
        complete: false,
        bytes: plan.files.iter().map(|p| size_of(p)).sum(),
    };
    write_entry(&dir, &entry)?;
    for (i, f) in entry.files.iter().enumerate() {
        if let Err(e) = move_path(&f.original, &dir.join(&f.stored)) {
            for back in &entry.files[..i] {
                let _ = move_path(&dir.join(&back.stored), &back.original);
            }
            let _ = std::fs::remove_dir_all(&dir);
            return Err(KeepError::Io {
                path: f.original.clone(),
                source: e,
            });
        }
    }
    entry.complete = true;
    write_entry(&dir, &entry)?;
    Ok(entry)
}

/// Everything in the trash, newest first.
pub fn list(env: &Env) -> Result<Vec<TrashEntry>, KeepError> {
    let root = trash_dir(env)?;
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&root) else {
        return Ok(out);
    };
    for e in entries.flatten() {
        if let Ok(bytes) = std::fs::read(e.path().join("entry.json"))
            && let Ok(t) = serde_json::from_slice::<TrashEntry>(&bytes)
            && t.id == e.file_name().to_string_lossy()
        {
            out.push(t);
        }
    }
    out.sort_by(|a, b| b.deleted_at.cmp(&a.deleted_at).then(b.id.cmp(&a.id)));
    Ok(out)
}

/// Find an entry by its id, a prefix of it, or the session's key or id.
pub fn find(env: &Env, spec: &str) -> Result<TrashEntry, KeepError> {
    let all = list(env)?;
    let spec_l = spec.to_lowercase();
    let hits: Vec<&TrashEntry> = all
        .iter()
        .filter(|t| {
            t.id == spec || t.key == spec || t.key.split_once(':').is_some_and(|(_, id)| id == spec)
        })
        .collect();
    let hits = if hits.is_empty() {
        all.iter()
            .filter(|t| {
                t.id.to_lowercase().starts_with(&spec_l)
                    || t.key
                        .split_once(':')
                        .is_some_and(|(_, id)| id.to_lowercase().starts_with(&spec_l))
            })
            .collect()
    } else {
        hits
    };
    match hits.as_slice() {
        [] => Err(KeepError::Refused(format!(
            "nothing in the trash matches {spec}"
        ))),
        [one] => Ok((*one).clone()),
        // the same session deleted twice: the newest
        many if many.iter().all(|t| t.key == many[0].key) => Ok(many[0].clone()),
        many => Err(KeepError::Refused(format!(
            "{spec} matches {} entries: {}",
            many.len(),
            many.iter()
                .map(|t| t.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Put an entry's files back where they were. Refuses when anything now exists there (the
/// agent made a new file, or the session was restored another way): nothing is overwritten.
pub fn restore(env: &Env, entry: &TrashEntry) -> Result<(), KeepError> {
    let dir = trash_dir(env)?.join(&entry.id);
    let present: Vec<&TrashedFile> = entry
        .files
        .iter()
        .filter(|f| std::fs::symlink_metadata(dir.join(&f.stored)).is_ok())
        .collect();
    for f in &present {
        if std::fs::symlink_metadata(&f.original).is_ok() {
            return Err(KeepError::Refused(format!(
                "{} exists again: not overwritten (the entry stays in the trash)",
                f.original.display()
            )));
        }
    }
    for f in &present {
        move_path(&dir.join(&f.stored), &f.original).map_err(KeepError::io(&f.original))?;
    }
    std::fs::remove_dir_all(&dir).map_err(KeepError::io(&dir))?;
    Ok(())
}

/// Remove entries for good (all, or those deleted before `before`).
pub fn empty(env: &Env, before: Option<DateTime<Utc>>) -> Result<Vec<TrashEntry>, KeepError> {
    let root = trash_dir(env)?;
    let mut gone = Vec::new();
    for t in list(env)? {
        if before.is_some_and(|b| t.deleted_at >= b) {
            continue;
        }
        let dir = root.join(&t.id);
        std::fs::remove_dir_all(&dir).map_err(KeepError::io(&dir))?;
        gone.push(t);
    }
    Ok(gone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_and_its_way_back_keep_bytes_and_times() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a/s.jsonl");
        std::fs::create_dir_all(a.parent().unwrap()).unwrap();
        std::fs::write(&a, b"{\"x\":1}\n\xff\x00").unwrap();
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        std::fs::OpenOptions::new()
            .write(true)
            .open(&a)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let b = dir.path().join("t/files/0/s.jsonl");
        // copy_tree is what a move across file systems uses
        std::fs::create_dir_all(b.parent().unwrap()).unwrap();
        copy_tree(&a, &b).unwrap();
        assert_eq!(std::fs::read(&b).unwrap(), std::fs::read(&a).unwrap());
        assert_eq!(std::fs::metadata(&b).unwrap().modified().unwrap(), old);
        std::fs::remove_file(&b).unwrap();
        move_path(&a, &b).unwrap();
        assert!(!a.exists());
        move_path(&b, &a).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"{\"x\":1}\n\xff\x00");
        assert_eq!(std::fs::metadata(&a).unwrap().modified().unwrap(), old);
    }
}
