//! Reading an agent's SQLite database without ever writing, creating or locking anything.
//!
//! - No `-wal` file beside the database (the agent is not running, or it uses a rollback
//!   journal): open with `mode=ro&immutable=1`. SQLite then creates no `-wal`/`-shm`, takes no
//!   locks and cannot block the agent. A writer could change the file while it is read, so the
//!   file is stat'ed before and after, and the read is retried when it changed.
//! - A `-wal` file exists (a live WAL database): open with `mode=ro`. WAL readers see what is
//!   committed and never block the writer; busy moments are retried.
//! - A hot rollback journal (`-journal`) means a transaction is half written: retry later.

use super::SourceError;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

const ATTEMPTS: usize = 4;

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", path.display()))
}

fn stat(p: &Path) -> Option<(u64, std::time::SystemTime)> {
    let md = std::fs::metadata(p).ok()?;
    Some((md.len(), md.modified().ok()?))
}

/// `file:` URI for a path, with the characters that mean something in a URI escaped.
pub fn uri(path: &Path, query: &str) -> String {
    let mut out = String::from("file:");
    for b in path.display().to_string().bytes() {
        match b {
            b'?' | b'#' | b'%' => out.push_str(&format!("%{b:02X}")),
            _ => out.push(b as char),
        }
    }
    out.push('?');
    out.push_str(query);
    out
}

fn err(path: &Path, message: impl Into<String>) -> SourceError {
    SourceError::Store {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Open `path` read-only (as described above) and run `read` on it.
pub fn read<T>(
    path: &Path,
    mut read: impl FnMut(&Connection) -> rusqlite::Result<T>,
) -> Result<T, SourceError> {
    let wal = sidecar(path, "-wal");
    let journal = sidecar(path, "-journal");
    let mut last_error = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(40 * attempt as u64));
        }
        if std::fs::metadata(&journal).is_ok_and(|m| m.len() > 0) {
            last_error = "a write is in progress (hot journal)".into();
            continue;
        }
        let live_wal = wal.exists();
        let before = (stat(path), stat(&wal));
        let query = if live_wal {
            "mode=ro"
        } else {
            "mode=ro&immutable=1"
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = match Connection::open_with_flags(uri(path, query), flags) {
            Ok(c) => c,
            Err(e) => {
                last_error = e.to_string();
                continue;
            }
        };
        let _ = conn.busy_timeout(Duration::from_millis(500));
        let result = read(&conn);
        drop(conn);
        match result {
            Ok(v) => {
                if !live_wal && (stat(path), stat(&wal)) != before {
                    last_error = "changed while it was read".into();
                    continue;
                }
                return Ok(v);
            }
            Err(e) => {
                let retry = matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseBusy)
                        | Some(rusqlite::ErrorCode::DatabaseLocked)
                        | Some(rusqlite::ErrorCode::DatabaseCorrupt)
                );
                last_error = e.to_string();
                if !retry {
                    break;
                }
            }
        }
    }
    Err(err(path, last_error))
}

/// Does a table exist?
pub fn has_table(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

/// The columns of a table (empty when it does not exist).
pub fn columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT name FROM pragma_table_info('{}')",
        table.replace('\'', "''")
    ))?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn make_wal_db(path: &Path) -> Connection {
        let c = Connection::open(path).unwrap();
        c.pragma_update(None, "journal_mode", "wal").unwrap();
        c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2);")
            .unwrap();
        c
    }

    #[test]
    fn a_wal_database_without_its_wal_is_read_without_creating_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("agent.db");
        drop(make_wal_db(&p)); // closing removes -wal and -shm; the header stays WAL
        assert_eq!(files(dir.path()), vec!["agent.db"]);
        let bytes = std::fs::read(&p).unwrap();
        let n: i64 = read(&p, |c| {
            c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        })
        .unwrap();
        assert_eq!(n, 2);
        assert_eq!(files(dir.path()), vec!["agent.db"], "nothing created");
        assert_eq!(std::fs::read(&p).unwrap(), bytes, "nothing written");
    }

    #[test]
    fn a_live_wal_database_is_read_while_the_agent_writes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("agent.db");
        let writer = make_wal_db(&p);
        writer.execute("INSERT INTO t VALUES (3)", []).unwrap();
        // the agent holds an open write transaction: readers still see what is committed
        writer
            .execute_batch("BEGIN; INSERT INTO t VALUES (4);")
            .unwrap();
        let n: i64 = read(&p, |c| {
            c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        })
        .unwrap();
        assert_eq!(n, 3);
        writer.execute_batch("COMMIT").unwrap();
        let n: i64 = read(&p, |c| {
            c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        })
        .unwrap();
        assert_eq!(n, 4);
    }

    #[test]
    fn corrupt_or_missing_databases_are_errors_not_panics() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("junk.db");
        std::fs::write(
            &p,
            b"not a database at all, just bytes; not even close to one",
        )
        .unwrap();
        assert!(
            read(&p, |c| c.query_row(
                "SELECT count(*) FROM sqlite_master",
                [],
                |r| r.get::<_, i64>(0)
            ))
            .is_err()
        );
        let empty = dir.path().join("empty.db");
        std::fs::write(&empty, b"").unwrap();
        // an empty file is an empty database: no tables
        let tables: i64 = read(&empty, |c| {
            c.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        })
        .unwrap();
        assert_eq!(tables, 0);
        assert!(
            read(&dir.path().join("missing.db"), |c| c.query_row(
                "SELECT 1",
                [],
                |r| r.get::<_, i64>(0)
            ))
            .is_err()
        );
        assert_eq!(files(dir.path()), vec!["empty.db", "junk.db"]);
    }

    #[test]
    fn uri_escapes() {
        assert_eq!(
            uri(Path::new("/a?b#c%d.db"), "mode=ro"),
            "file:/a%3Fb%23c%25d.db?mode=ro"
        );
    }
}
