//! The SQLite index: a cache of every session revisit has read, updated incrementally.
//!
//! One writer ([`writer::Writer`], owned by the indexer thread or a CLI command) and any
//! number of readers ([`query::Reader`]) on their own connections. WAL mode lets readers see
//! the last committed batch while the writer works.

pub mod body;
pub mod feed;
pub mod query;
pub mod schema;
pub mod writer;

use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum IndexError {
    /// Another revisit process is writing this index (it holds the write lock).
    #[error("another revisit{} is updating the index {path}", .pid.map(|p| format!(" (PID {p})")).unwrap_or_default())]
    Busy { path: PathBuf, pid: Option<u32> },
    #[error("index {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("index {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

impl IndexError {
    /// The index file itself is damaged (it is then rebuilt from the agents' files).
    pub fn is_corrupt(&self) -> bool {
        matches!(
            self,
            IndexError::Sqlite {
                source: rusqlite::Error::SqliteFailure(e, _),
                ..
            } if matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase
            )
        )
    }

    pub fn sqlite(path: &Path) -> impl FnOnce(rusqlite::Error) -> IndexError + '_ {
        move |source| IndexError::Sqlite {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl From<rusqlite::Error> for IndexError {
    fn from(source: rusqlite::Error) -> Self {
        IndexError::Sqlite {
            path: PathBuf::new(),
            source,
        }
    }
}

/// Default location: `$XDG_CACHE_HOME/revisit/index.sqlite`.
pub fn default_path(env: &crate::config::Env) -> Option<PathBuf> {
    env.revisit_cache_dir().map(|d| d.join("index.sqlite"))
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "temp_store", "memory")?;
    Ok(())
}

/// The right to write an index: an exclusive `flock` on `<index>.lock`, held by one process
/// at a time and released by the system when that process ends, however it ends. Another
/// revisit finds it taken and reads the index without writing (the holder keeps it current).
/// SQLite's own locks only serialise statements; this keeps two writers from indexing the
/// same files from the same starting point.
#[derive(Debug)]
pub struct WriteLock {
    _file: std::fs::File,
}

impl WriteLock {
    fn lock_path(index: &Path) -> PathBuf {
        PathBuf::from(format!("{}.lock", index.display()))
    }

    /// Take the lock now, or say who holds it.
    pub fn try_acquire(index: &Path) -> Result<WriteLock, IndexError> {
        let path = WriteLock::lock_path(index);
        create_parent(&path)?;
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|source| IndexError::Io {
                path: path.clone(),
                source,
            })?;
        #[cfg(unix)]
        {
            use std::io::{Read, Seek, Write};
            use std::os::unix::io::AsRawFd;
            // SAFETY: flock on a file descriptor this function owns.
            let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if r != 0 {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                return Err(IndexError::Busy {
                    path: index.to_path_buf(),
                    pid: text.trim().parse().ok(),
                });
            }
            // who holds it, for the other processes' messages
            let _ = file.set_len(0);
            let _ = file.seek(std::io::SeekFrom::Start(0));
            let _ = write!(file, "{}", std::process::id());
            let _ = file.flush();
        }
        Ok(WriteLock { _file: file })
    }

    /// Take the lock, waiting up to `wait` for another process to let it go.
    pub fn acquire(index: &Path, wait: Duration) -> Result<WriteLock, IndexError> {
        let until = std::time::Instant::now() + wait;
        loop {
            match WriteLock::try_acquire(index) {
                Err(IndexError::Busy { .. }) if std::time::Instant::now() < until => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                r => return r,
            }
        }
    }
}

/// Why an existing index file was thrown away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rebuilt {
    Version {
        found: i64,
    },
    Corrupt(String),
    /// Not a reason to rebuild: another program holds a lock (never thrown away).
    Locked(String),
}

impl std::fmt::Display for Rebuilt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rebuilt::Version { found } => write!(
                f,
                "index had schema version {found}, this revisit uses {}: rebuilt",
                schema::VERSION
            ),
            Rebuilt::Corrupt(why) => write!(f, "index was unreadable ({why}): rebuilt"),
            Rebuilt::Locked(why) => write!(f, "index is locked ({why})"),
        }
    }
}

/// Throw the index away and create it again (it was found damaged while in use).
pub fn recreate(path: &Path) -> Result<Connection, IndexError> {
    remove_index_files(path)?;
    try_open(path)
        .map_err(|r| IndexError::Other(format!("cannot create index {}: {r}", path.display())))
}

/// The folder a file of revisit's goes in, made when it is missing.
fn create_parent(path: &Path) -> Result<(), IndexError> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|source| IndexError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    Ok(())
}

/// Open the index for writing, creating or rebuilding it as needed.
pub fn open_writable(path: &Path) -> Result<(Connection, Option<Rebuilt>), IndexError> {
    create_parent(path)?;
    match try_open(path) {
        Ok(conn) => Ok((conn, None)),
        // held by another program for longer than the busy timeout: not damage, never removed
        Err(Rebuilt::Locked(why)) => Err(IndexError::Other(format!(
            "index {} is locked by another program ({why})",
            path.display()
        ))),
        Err(reason) => {
            remove_index_files(path)?;
            let conn = try_open(path).map_err(|r| {
                IndexError::Other(format!("cannot create index {}: {r}", path.display()))
            })?;
            Ok((conn, Some(reason)))
        }
    }
}

fn remove_index_files(path: &Path) -> Result<(), IndexError> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(IndexError::Io { path: p, source }),
        }
    }
    Ok(())
}

fn try_open(path: &Path) -> Result<Connection, Rebuilt> {
    let corrupt = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            Rebuilt::Locked(e.to_string())
        }
        _ => Rebuilt::Corrupt(e.to_string()),
    };
    let conn = Connection::open(path).map_err(corrupt)?;
    configure(&conn).map_err(corrupt)?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(corrupt)?;
    if version == 0 {
        // new (or not ours): it must be empty to be created in place
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(corrupt)?;
        if tables != 0 {
            return Err(Rebuilt::Version { found: 0 });
        }
        conn.pragma_update_and_check(None, "journal_mode", "wal", |_| Ok(()))
            .map_err(corrupt)?;
        conn.pragma_update(None, "synchronous", "normal")
            .map_err(corrupt)?;
        schema::create(&conn).map_err(corrupt)?;
        return Ok(conn);
    }
    if version != schema::VERSION {
        return Err(Rebuilt::Version { found: version });
    }
    // Every table answers (a full `quick_check` would also verify the FTS index, which takes
    // seconds on a large history: deeper damage shows up as an error while writing, and the
    // writer rebuilds the index then).
    for table in [
        "stores",
        "parts",
        "messages",
        "bodies",
        "hints",
        "issues",
        "sessions",
        "meta",
        "messages_fts",
    ] {
        conn.query_row(
            &format!("SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1)"),
            [],
            |r| r.get::<_, i64>(0),
        )
        .map_err(corrupt)?;
    }
    conn.pragma_update_and_check(None, "journal_mode", "wal", |_| Ok(()))
        .map_err(corrupt)?;
    conn.pragma_update(None, "synchronous", "normal")
        .map_err(corrupt)?;
    Ok(conn)
}

/// Open the index read-only (it must exist and be of this version).
pub fn open_readonly(path: &Path) -> Result<Connection, IndexError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(IndexError::sqlite(path))?;
    configure(&conn).map_err(IndexError::sqlite(path))?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(IndexError::sqlite(path))?;
    if version != schema::VERSION {
        return Err(IndexError::Other(format!(
            "index {} has schema version {version}",
            path.display()
        )));
    }
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_rebuilds_newer_and_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/index.sqlite");
        let (conn, rebuilt) = open_writable(&p).unwrap();
        assert!(rebuilt.is_none());
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let (_c, rebuilt) = open_writable(&p).unwrap();
        assert_eq!(rebuilt, Some(Rebuilt::Version { found: 99 }));
        drop(_c);
        std::fs::write(&p, b"this is not a database, just junk bytes ......").unwrap();
        for s in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{s}", p.display()));
        }
        let (c, rebuilt) = open_writable(&p).unwrap();
        assert!(matches!(rebuilt, Some(Rebuilt::Corrupt(_))), "{rebuilt:?}");
        let v: i64 = c
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, schema::VERSION);
    }

    #[test]
    fn fts5_is_available() {
        let conn = Connection::open_in_memory().unwrap();
        schema::create(&conn).unwrap();
        conn.execute(
            "INSERT INTO messages_fts(rowid, text) VALUES (1, 'hello world')",
            [],
        )
        .unwrap();
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'hello'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1);
        conn.execute("DELETE FROM messages_fts WHERE rowid = 1", [])
            .unwrap();
    }
}
