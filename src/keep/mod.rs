//! What revisit keeps of its own, apart from the index (a cache it may rebuild at any time):
//! the names and tags people give sessions, archived copies of sessions, and the trash that
//! deleted sessions' files go to. Everything lives under `$XDG_DATA_HOME/revisit/`:
//!
//! - `revisit.sqlite`: names, tags and the list of archived sessions;
//! - `archive/<agent>/<session>/`: an archived session (`session.json`, the session as revisit
//!   reads it, and `files/`, copies of the agent's files), indexed as one more store of the
//!   agent's, which the agent's own files win over while they exist;
//! - `trash/<entry>/`: a deleted session's files, with `entry.json` saying where they were.
//!
//! Nothing here writes to an agent's files, except moving a session's files into the trash
//! after a confirmed delete and back on restore.

pub mod archive;
pub mod trash;

use crate::config::Env;
use crate::model::Session;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum KeepError {
    #[error("cannot find a data directory: set HOME or XDG_DATA_HOME")]
    NoDataDir,
    #[error("{path}: {source}")]
    Db {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Refused(String),
}

impl KeepError {
    pub fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeepError + '_ {
        move |source| KeepError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// revisit's data directory (`$XDG_DATA_HOME/revisit`).
pub fn data_dir(env: &Env) -> Result<PathBuf, KeepError> {
    env.revisit_data_dir().ok_or(KeepError::NoDataDir)
}

fn db_path(env: &Env) -> Result<PathBuf, KeepError> {
    Ok(data_dir(env)?.join("revisit.sqlite"))
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS names(
    key        TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tags(
    key        TEXT NOT NULL,
    tag        TEXT NOT NULL,
    PRIMARY KEY(key, tag)
);
CREATE TABLE IF NOT EXISTS archived(
    key         TEXT PRIMARY KEY,
    agent       TEXT NOT NULL,
    dir         TEXT NOT NULL,
    archived_at INTEGER NOT NULL
);
";

/// revisit's own database: names, tags, archived sessions.
pub struct KeepDb {
    conn: Connection,
    path: PathBuf,
}

impl KeepDb {
    /// Open (creating it) for writing.
    pub fn open(env: &Env) -> Result<KeepDb, KeepError> {
        let path = db_path(env)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(KeepError::io(dir))?;
        }
        let err = |source| KeepError::Db {
            path: path.clone(),
            source,
        };
        let conn = Connection::open(&path).map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(2))
            .map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.execute_batch(SCHEMA).map_err(err)?;
        Ok(KeepDb { conn, path })
    }

    fn err(&self) -> impl FnOnce(rusqlite::Error) -> KeepError + '_ {
        move |source| KeepError::Db {
            path: self.path.clone(),
            source,
        }
    }

    /// Give a session a name (`None` or blank: take it away).
    pub fn set_name(&self, key: &str, name: Option<&str>) -> Result<(), KeepError> {
        match name.map(clean_name).filter(|n| !n.is_empty()) {
            Some(n) => self.conn.execute(
                "INSERT INTO names(key, name, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(key) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at",
                params![key, n, Utc::now().timestamp_millis()],
            ),
            None => self
                .conn
                .execute("DELETE FROM names WHERE key = ?1", [key]),
        }
        .map_err(self.err())?;
        Ok(())
    }

    /// Replace a session's tags.
    pub fn set_tags(&mut self, key: &str, tags: &[String]) -> Result<Vec<String>, KeepError> {
        let tags = clean_tags(tags);
        let path = self.path.clone();
        let err = |source| KeepError::Db {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute("DELETE FROM tags WHERE key = ?1", [key])
            .map_err(err)?;
        for t in &tags {
            tx.execute("INSERT INTO tags(key, tag) VALUES (?1, ?2)", [key, t])
                .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(tags)
    }

    /// Add and remove some tags; returns the tags the session has now.
    pub fn change_tags(
        &mut self,
        key: &str,
        add: &[String],
        remove: &[String],
    ) -> Result<Vec<String>, KeepError> {
        let mut now = self.snapshot()?.tags.remove(key).unwrap_or_default();
        let remove = clean_tags(remove);
        now.retain(|t| !remove.contains(t));
        now.extend(clean_tags(add));
        self.set_tags(key, &now)
    }

    pub fn set_archived(&self, key: &str, agent: &str, dir: &Path) -> Result<(), KeepError> {
        self.conn
            .execute(
                "INSERT INTO archived(key, agent, dir, archived_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(key) DO UPDATE SET dir = excluded.dir, archived_at = excluded.archived_at",
                params![
                    key,
                    agent,
                    dir.display().to_string(),
                    Utc::now().timestamp_millis()
                ],
            )
            .map_err(self.err())?;
        Ok(())
    }

    pub fn archived_dir(&self, key: &str) -> Result<Option<PathBuf>, KeepError> {
        self.conn
            .query_row("SELECT dir FROM archived WHERE key = ?1", [key], |r| {
                r.get::<_, String>(0)
            })
            .optional()
            .map(|d| d.map(PathBuf::from))
            .map_err(self.err())
    }

    pub fn remove_archived(&self, key: &str) -> Result<(), KeepError> {
        self.conn
            .execute("DELETE FROM archived WHERE key = ?1", [key])
            .map_err(self.err())?;
        Ok(())
    }

    pub fn snapshot(&self) -> Result<Snapshot, KeepError> {
        read_snapshot(&self.conn).map_err(self.err())
    }
}

/// Everything the list shows from revisit's own database.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Snapshot {
    pub names: HashMap<String, String>,
    pub tags: HashMap<String, Vec<String>>,
    pub archived: HashMap<String, DateTime<Utc>>,
}

fn read_snapshot(conn: &Connection) -> rusqlite::Result<Snapshot> {
    let mut snap = Snapshot::default();
    let mut stmt = conn.prepare("SELECT key, name FROM names")?;
    for r in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))? {
        let (k, n) = r?;
        snap.names.insert(k, n);
    }
    let mut stmt = conn.prepare("SELECT key, tag FROM tags ORDER BY key, tag")?;
    for r in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))? {
        let (k, t) = r?;
        snap.tags.entry(k).or_default().push(t);
    }
    let mut stmt = conn.prepare("SELECT key, archived_at FROM archived")?;
    for r in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
        let (k, t) = r?;
        if let Some(t) = DateTime::from_timestamp_millis(t) {
            snap.archived.insert(k, t);
        }
    }
    Ok(snap)
}

/// Read what the database holds, without creating it (an empty snapshot when there is none).
/// Read-only: a command that only reads never writes revisit's data directory either.
pub fn snapshot(env: &Env) -> Snapshot {
    try_snapshot(env).unwrap_or_default()
}

/// As [`snapshot`], saying why the database cannot be read.
pub fn try_snapshot(env: &Env) -> Result<Snapshot, KeepError> {
    let path = db_path(env)?;
    if !path.exists() {
        return Ok(Snapshot::default());
    }
    let err = |source| KeepError::Db {
        path: path.clone(),
        source,
    };
    let conn = Connection::open_with_flags(
        &path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(err)?;
    let _ = conn.busy_timeout(std::time::Duration::from_secs(1));
    read_snapshot(&conn).map_err(err)
}

impl Snapshot {
    /// Fill in `extra` (name, tags, archived) of sessions read from the index.
    pub fn annotate(&self, env: &Env, sessions: &mut [Session]) {
        let archive = archive::archive_dir(env).map(|d| d.display().to_string());
        for s in sessions {
            self.annotate_one(archive.as_deref(), s);
        }
    }

    pub fn annotate_one(&self, archive_dir: Option<&str>, s: &mut Session) {
        s.extra.name = self.names.get(&s.key).cloned();
        s.extra.tags = self.tags.get(&s.key).cloned().unwrap_or_default();
        s.extra.archive_only = archive_dir.is_some_and(|d| {
            s.source
                .strip_prefix(d)
                .is_some_and(|rest| rest.starts_with(std::path::MAIN_SEPARATOR))
        });
        s.extra.archived_at = self.archived.get(&s.key).copied();
        if s.extra.archive_only && s.extra.archived_at.is_none() {
            // archived by another data directory's revisit, or the database was lost: the copy
            // itself says it is archived
            s.extra.archived_at = Some(DateTime::<Utc>::UNIX_EPOCH);
        }
    }
}

/// What revisit keeps of its own, for `doctor`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub dir: String,
    pub named: usize,
    pub tagged: usize,
    pub archived: usize,
    pub archive_bytes: u64,
    pub trash_entries: usize,
    pub trash_bytes: u64,
    /// Why `revisit.sqlite` cannot be read (names, tags and the archive list are then empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

fn tree_bytes(p: &Path) -> u64 {
    match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => std::fs::read_dir(p)
            .map(|d| d.flatten().map(|e| tree_bytes(&e.path())).sum())
            .unwrap_or(0),
        Ok(m) => m.len(),
        Err(_) => 0,
    }
}

/// Counts and sizes of revisit's own data (read-only; `None` without a data directory).
pub fn summary(env: &Env) -> Option<Summary> {
    let dir = data_dir(env).ok()?;
    let (snap, problem) = match try_snapshot(env) {
        Ok(s) => (s, None),
        Err(e) => (Snapshot::default(), Some(e.to_string())),
    };
    let trash = trash::list(env).unwrap_or_default();
    Some(Summary {
        problem,
        named: snap.names.len(),
        tagged: snap.tags.len(),
        archived: snap.archived.len(),
        archive_bytes: tree_bytes(&dir.join("archive")),
        trash_entries: trash.len(),
        trash_bytes: trash.iter().map(|t| t.bytes).sum(),
        dir: dir.display().to_string(),
    })
}

/// Annotates sessions one at a time (full-text hits, as they are found) from one read of the
/// database.
pub fn annotator(env: &Env) -> impl Fn(&mut Session) + use<> {
    let kept = snapshot(env);
    let archive = archive::archive_dir(env).map(|d| d.display().to_string());
    move |s| kept.annotate_one(archive.as_deref(), s)
}

/// Annotate sessions with what revisit's own database says of them.
pub fn annotate(env: &Env, sessions: &mut [Session]) {
    snapshot(env).annotate(env, sessions);
}

/// A name as stored: one line, trimmed, at most 200 characters.
pub fn clean_name(name: &str) -> String {
    let one: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let one = one.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::sanitize::truncate_chars(&one, 200)
        .trim()
        .to_string()
}

/// Tags as stored: lower-case words without a leading `#`, letters, digits and `-_./:`, sorted,
/// without duplicates. Words separated by spaces or commas count as several tags.
pub fn clean_tags(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = tags
        .iter()
        .flat_map(|t| t.split([' ', ',', '\t']))
        .map(|t| t.trim().trim_start_matches('#').to_lowercase())
        .map(|t| {
            t.chars()
                .filter(|c| c.is_alphanumeric() || "-_./:".contains(*c))
                .take(40)
                .collect::<String>()
        })
        .filter(|t| !t.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A directory name for a session key: readable, safe on every file system, unique.
pub fn safe_name(key: &str) -> String {
    use sha2::Digest;
    let readable: String = key
        .split_once(':')
        .map_or(key, |(_, rest)| rest)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    let readable = readable.trim_start_matches('.');
    let hash = sha2::Sha256::digest(key.as_bytes());
    let hex: String = hash[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("{readable}-{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(dir: &Path) -> Env {
        let data = dir.join("data").display().to_string();
        Env::with_home(dir, &[("XDG_DATA_HOME", data.as_str())])
    }

    #[test]
    fn names_and_tags_round_trip_and_are_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        let env = env(dir.path());
        assert_eq!(snapshot(&env), Snapshot::default());
        assert!(!dir.path().join("data").exists(), "reading creates nothing");
        let mut db = KeepDb::open(&env).unwrap();
        db.set_name("claude:a", Some("  the login \x1b[31mbug\n "))
            .unwrap();
        db.set_tags(
            "claude:a",
            &["#Review".into(), "bug, later".into(), "bug".into()],
        )
        .unwrap();
        let tags = db
            .change_tags("claude:a", &["Urgent".into()], &["later".into()])
            .unwrap();
        assert_eq!(tags, ["bug", "review", "urgent"]);
        let snap = snapshot(&env);
        assert_eq!(snap.names["claude:a"], "the login [31mbug");
        assert_eq!(snap.tags["claude:a"], ["bug", "review", "urgent"]);
        db.set_name("claude:a", Some("   ")).unwrap();
        db.set_tags("claude:a", &[]).unwrap();
        assert_eq!(snapshot(&env), Snapshot::default());
    }

    #[test]
    fn annotate_fills_extra() {
        let dir = tempfile::tempdir().unwrap();
        let env = env(dir.path());
        let db = KeepDb::open(&env).unwrap();
        db.set_name("claude:id1", Some("mine")).unwrap();
        db.set_archived("claude:id1", "claude", Path::new("/x"))
            .unwrap();
        let mut list = vec![crate::model::test_session(1), crate::model::test_session(2)];
        list[1].source = archive::archive_dir(&env)
            .unwrap()
            .join("claude/x/session.json")
            .display()
            .to_string();
        annotate(&env, &mut list);
        assert_eq!(list[0].extra.name.as_deref(), Some("mine"));
        assert!(list[0].extra.archived_at.is_some());
        assert!(!list[0].extra.archive_only);
        assert_eq!(list[1].extra.name, None);
        assert!(list[1].extra.archive_only);
        assert!(list[1].extra.archived_at.is_some());
    }

    #[test]
    fn safe_names_are_plain_and_distinct() {
        let a = safe_name("claude:../../etc/passwd");
        assert!(!a.contains('/') && !a.starts_with('.'), "{a}");
        assert_ne!(safe_name("pi:a/b"), safe_name("pi:a_b"));
        assert!(safe_name("codex:019a-ff").starts_with("019a-ff-"));
    }
}
