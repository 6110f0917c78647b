//! Reading an agent's SQLite database without a write lock and without creating, changing or
//! deleting any file in the agent's folder.
//!
//! - **In place, read-only.** The database is opened `mode=ro`: its file descriptor is
//!   read-only, so SQLite can take no write lock and never checkpoints, rolls back or deletes
//!   anything. `readonly_shm=1` maps a WAL database's `-shm` read-only too: plain `mode=ro`
//!   readers write read marks (and, after a crash, a rebuilt wal-index) into the agent's
//!   `-shm`, which the tests catch. A WAL database is read as committed without blocking its
//!   writer; a `-shm` nobody keeps up to date (the agent crashed) is not trusted and SQLite
//!   reads the `-wal` into memory instead. A rollback-journal database is read under a shared
//!   lock. Busy moments are retried.
//! - **From a copy**, when opening in place would make SQLite write beside the database: a WAL
//!   database (header bytes 18 and 19 are 2) whose `-wal` or `-shm` is missing (the agent is not
//!   running: it removes both when it closes), where SQLite would create them; an empty file,
//!   whose `-wal` SQLite deletes; and a `-shm` SQLite cannot read as it is (a
//!   `SQLITE_READONLY_*` or cannot-open answer), read again from a copy. The file, and its
//!   `-wal` when there is one, are copied into a folder of revisit's own in the temporary
//!   directory (mode 0700), opened there, and the folder is removed with whatever SQLite put in
//!   it. `immutable=1` is used only there, on a copy without a `-wal` (nothing created, nothing
//!   locked); a copy with its `-wal` is opened `mode=ro` and gets its `-shm` in the private
//!   folder. The original and its `-wal` are stat'ed before and after copying, and copied again
//!   when they changed.
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

/// Is the file a database in WAL mode (header bytes 18 and 19, the write and read versions,
/// are 2)? A file too short or not a database is not.
fn wal_mode(path: &Path) -> bool {
    use std::io::Read;
    let mut header = [0u8; 20];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut header))
        .is_ok_and(|()| {
            header.starts_with(b"SQLite format 3\0") && (header[18] == 2 || header[19] == 2)
        })
}

/// Must `path` be read from a copy, because opening it in place would make SQLite create or
/// delete a file beside it? (See the module's documentation.)
fn needs_copy(path: &Path) -> bool {
    if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
        return true;
    }
    wal_mode(path) && !(sidecar(path, "-wal").exists() && sidecar(path, "-shm").exists())
}

/// A folder of revisit's own holding a copy of a database (and of its `-wal`); removed, with
/// whatever SQLite put there, when dropped.
struct PrivateCopy {
    dir: PathBuf,
    db: PathBuf,
    /// the `-wal` was copied too: the copy is not immutable
    wal: bool,
}

impl PrivateCopy {
    fn make(path: &Path) -> std::io::Result<PrivateCopy> {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        let dir = loop {
            let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let dir = std::env::temp_dir().join(format!("revisit-db-{}-{n}", std::process::id()));
            match builder.create(&dir) {
                Ok(()) => break dir,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        };
        // the guard exists before anything is copied: a failed copy is removed too
        let mut copy = PrivateCopy {
            db: dir.join("store.db"),
            dir,
            wal: false,
        };
        copy_file(path, &copy.db)?;
        let wal = sidecar(path, "-wal");
        if wal.exists() {
            copy_file(&wal, &sidecar(&copy.db, "-wal"))?;
            copy.wal = true;
        }
        Ok(copy)
    }
}

impl Drop for PrivateCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Copy the bytes only (the copy is revisit's, writable by it alone).
fn copy_file(from: &Path, to: &Path) -> std::io::Result<()> {
    let mut src = std::fs::File::open(from)?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut dst = opts.open(to)?;
    std::io::copy(&mut src, &mut dst)?;
    Ok(())
}

/// Open `path` read-only (as described above) and run `read` on it.
pub fn read<T>(
    path: &Path,
    mut read: impl FnMut(&Connection) -> rusqlite::Result<T>,
) -> Result<T, SourceError> {
    let wal = sidecar(path, "-wal");
    let journal = sidecar(path, "-journal");
    let mut last_error = String::new();
    // set when SQLite could not read the original without writing its -shm
    let mut from_copy = false;
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(40 * attempt as u64));
        }
        if std::fs::metadata(&journal).is_ok_and(|m| m.len() > 0) {
            last_error = "a write is in progress (hot journal)".into();
            continue;
        }
        let copy = if from_copy || needs_copy(path) {
            let before = (stat(path), stat(&wal));
            let copy = match PrivateCopy::make(path) {
                Ok(c) => c,
                Err(e) => {
                    last_error = format!("cannot copy it to read it: {e}");
                    continue;
                }
            };
            if (stat(path), stat(&wal)) != before {
                last_error = "changed while it was read".into();
                continue;
            }
            Some(copy)
        } else {
            None
        };
        let (target, query) = match &copy {
            Some(c) if c.wal => (c.db.as_path(), "mode=ro"),
            Some(c) => (c.db.as_path(), "mode=ro&immutable=1"),
            None => (path, "mode=ro&readonly_shm=1"),
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = match Connection::open_with_flags(uri(target, query), flags) {
            Ok(c) => c,
            Err(e) => {
                last_error = e.to_string();
                continue;
            }
        };
        let _ = conn.busy_timeout(Duration::from_millis(500));
        let result = read(&conn);
        drop(conn);
        let copied = copy.is_some();
        drop(copy);
        match result {
            Ok(v) => return Ok(v),
            Err(e) => {
                // a -shm nobody keeps up to date (or that vanished): SQLite would have to
                // write it, so the next attempt reads a copy
                if !copied
                    && matches!(
                        e.sqlite_error_code(),
                        Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen)
                    )
                    && wal_mode(path)
                {
                    from_copy = true;
                    last_error = e.to_string();
                    continue;
                }
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
    use sha2::{Digest, Sha256};
    use std::collections::BTreeMap;

    /// Every entry of a folder: (size, mtime in ns, permissions, sha256 of the content).
    type Snapshot = BTreeMap<String, (u64, i128, u32, Vec<u8>)>;

    fn snapshot(dir: &Path) -> Snapshot {
        let mut out = Snapshot::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let md = std::fs::symlink_metadata(e.path()).unwrap();
            let mtime = md
                .modified()
                .unwrap()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as i128;
            #[cfg(unix)]
            let mode = {
                use std::os::unix::fs::PermissionsExt;
                md.permissions().mode()
            };
            #[cfg(not(unix))]
            let mode = md.permissions().readonly() as u32;
            let hash = if md.is_file() {
                Sha256::digest(std::fs::read(e.path()).unwrap()).to_vec()
            } else {
                Vec::new()
            };
            out.insert(
                e.file_name().to_string_lossy().into_owned(),
                (md.len(), mtime, mode, hash),
            );
        }
        out
    }

    fn names(s: &Snapshot) -> Vec<&str> {
        s.keys().map(|k| k.as_str()).collect()
    }

    /// Read `SELECT count(*) FROM t` from `p` and prove nothing beside it was created, removed
    /// or changed; returns the count and the file SQLite opened.
    fn count_untouched(p: &Path) -> (i64, PathBuf) {
        let dir = p.parent().unwrap();
        let before = snapshot(dir);
        let mut opened = PathBuf::new();
        let n = read(p, |c| {
            opened = PathBuf::from(c.path().unwrap_or_default());
            c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        })
        .unwrap();
        assert_eq!(snapshot(dir), before, "the folder is unchanged");
        (n, opened)
    }

    /// A copy is read from a folder of its own, removed afterwards.
    fn assert_copy_removed(opened: &Path, original: &Path) {
        assert_ne!(opened, original, "read from a copy");
        assert!(!opened.starts_with(original.parent().unwrap()));
        assert!(
            !opened.parent().unwrap().exists(),
            "the copy's folder is removed"
        );
    }

    fn make_wal_db(path: &Path) -> Connection {
        let c = Connection::open(path).unwrap();
        c.pragma_update(None, "journal_mode", "wal").unwrap();
        c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2);")
            .unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        // the agent's later commits stay in its -wal until it closes
        c.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        c
    }

    /// The files of a WAL database copied as they are while its writer is open: what a crashed
    /// (or copied) agent leaves.
    fn copy_live(from: &Path, to_dir: &Path, suffixes: &[&str]) -> PathBuf {
        std::fs::create_dir_all(to_dir).unwrap();
        let to = to_dir.join("agent.db");
        std::fs::copy(from, &to).unwrap();
        for s in suffixes {
            std::fs::copy(sidecar(from, s), sidecar(&to, s)).unwrap();
        }
        to
    }

    #[test]
    fn a_rollback_journal_database_is_read_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("agent.db");
        let c = Connection::open(&p).unwrap();
        c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3);")
            .unwrap();
        drop(c);
        assert!(!wal_mode(&p));
        let (n, opened) = count_untouched(&p);
        assert_eq!(n, 3);
        assert_eq!(opened, p, "the original, mode=ro");
        assert_eq!(names(&snapshot(dir.path())), vec!["agent.db"]);
    }

    #[test]
    fn a_wal_database_without_its_wal_is_read_from_a_copy() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("agent.db");
        drop(make_wal_db(&p)); // closing removes -wal and -shm; the header stays WAL
        assert_eq!(names(&snapshot(dir.path())), vec!["agent.db"]);
        assert!(wal_mode(&p));
        let (n, opened) = count_untouched(&p);
        assert_eq!(n, 2);
        assert_copy_removed(&opened, &p);
        // -shm without -wal: a copy too (opened in place, SQLite would create the -wal)
        let only_shm = dir.path().join("shm");
        std::fs::create_dir(&only_shm).unwrap();
        let writer = make_wal_db(&dir.path().join("live.db"));
        let q = copy_live(&dir.path().join("live.db"), &only_shm, &["-shm"]);
        let (n, opened) = count_untouched(&q);
        assert_eq!(n, 2, "what is in the database file");
        assert_copy_removed(&opened, &q);
        drop(writer);
    }

    #[test]
    fn a_wal_database_with_its_wal_but_no_shm_is_read_from_a_copy_of_both() {
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("live.db");
        let writer = make_wal_db(&live);
        writer.execute("INSERT INTO t VALUES (3)", []).unwrap();
        let p = copy_live(&live, &dir.path().join("left"), &["-wal"]);
        let (n, opened) = count_untouched(&p);
        assert_eq!(n, 3, "what the -wal holds is read");
        assert_copy_removed(&opened, &p);
        drop(writer);
    }

    /// An agent writing its WAL database from a process of its own (the connections of one
    /// process share a single mapping of the -shm, so only another process shows what a reader
    /// does to it): this test binary, running `wal_writer_process`, which executes the SQL it is
    /// sent one line at a time.
    struct WriterProcess {
        child: std::process::Child,
        stdin: Option<std::process::ChildStdin>,
        out: std::io::BufReader<std::process::ChildStdout>,
    }

    impl WriterProcess {
        fn start(db: &Path) -> WriterProcess {
            use std::process::{Command, Stdio};
            let mut child = Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "sources::sqlite::tests::wal_writer_process",
                    "--ignored",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("REVISIT_SQLITE_WRITER", db)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut w = WriterProcess {
                stdin: child.stdin.take(),
                out: std::io::BufReader::new(child.stdout.take().unwrap()),
                child,
            };
            w.run("SELECT 1"); // it is ready
            w
        }

        fn run(&mut self, sql: &str) {
            use std::io::{BufRead, Write};
            let stdin = self.stdin.as_mut().unwrap();
            writeln!(stdin, "{sql}").unwrap();
            stdin.flush().unwrap();
            let mut line = String::new();
            loop {
                line.clear();
                assert_ne!(self.out.read_line(&mut line).unwrap(), 0, "the writer died");
                if line.trim_end().ends_with("writer: done") {
                    return;
                }
            }
        }

        /// Close the database (which removes -wal and -shm) and exit.
        fn close(mut self) {
            self.stdin = None;
            assert!(self.child.wait().unwrap().success());
        }
    }

    impl Drop for WriterProcess {
        fn drop(&mut self) {
            self.stdin = None;
            let _ = self.child.wait();
        }
    }

    #[test]
    #[ignore = "the writer process of the WAL tests, started by them"]
    fn wal_writer_process() {
        use std::io::BufRead;
        let Some(p) = std::env::var_os("REVISIT_SQLITE_WRITER") else {
            return;
        };
        let c = make_wal_db(Path::new(&p));
        for line in std::io::stdin().lock().lines() {
            c.execute_batch(&line.unwrap()).unwrap();
            println!("writer: done");
        }
    }

    #[test]
    fn a_live_wal_database_is_read_while_the_agent_writes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("agent.db");
        let mut writer = WriterProcess::start(&p);
        writer.run("INSERT INTO t VALUES (3)");
        // the agent holds an open write transaction: readers still see what is committed
        writer.run("BEGIN; INSERT INTO t VALUES (4);");
        let (n, opened) = count_untouched(&p);
        assert_eq!(n, 3);
        assert_eq!(opened, p, "the original, mode=ro");
        writer.run("COMMIT");
        let (n, _) = count_untouched(&p);
        assert_eq!(n, 4);
        // a checkpoint moves the -wal into the database; the reader follows
        writer.run("PRAGMA wal_checkpoint(TRUNCATE); INSERT INTO t VALUES (5);");
        let (n, _) = count_untouched(&p);
        assert_eq!(n, 5);
        assert_eq!(
            names(&snapshot(dir.path())),
            vec!["agent.db", "agent.db-shm", "agent.db-wal"]
        );
        writer.close();
        assert_eq!(names(&snapshot(dir.path())), vec!["agent.db"]);
        let (n, opened) = count_untouched(&p);
        assert_eq!(n, 5);
        assert_copy_removed(&opened, &p);
    }

    #[test]
    fn a_wal_database_left_with_both_sidecars_is_read_in_place() {
        // an agent that crashed: -wal and -shm stay, nobody has the database open
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("live.db");
        let writer = make_wal_db(&live);
        writer.execute("INSERT INTO t VALUES (3)", []).unwrap();
        let p = copy_live(&live, &dir.path().join("left"), &["-wal", "-shm"]);
        drop(writer);
        let (n, opened) = count_untouched(&p);
        assert_eq!(n, 3);
        assert_eq!(opened, p);
    }

    #[cfg(unix)]
    #[test]
    fn a_shm_sqlite_cannot_open_read_only_means_a_copy() {
        // a -shm SQLite will not open (a symbolic link): the read is made again from a copy
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("live.db");
        let writer = make_wal_db(&live);
        writer.execute("INSERT INTO t VALUES (3)", []).unwrap();
        let p = copy_live(&live, &dir.path().join("left"), &["-wal"]);
        drop(writer);
        std::os::unix::fs::symlink(&live, sidecar(&p, "-shm")).unwrap();
        let (n, opened) = count_untouched(&p);
        assert_eq!(n, 3);
        assert_copy_removed(&opened, &p);
    }

    #[test]
    fn empty_files_are_read_from_a_copy_and_their_wal_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.db");
        std::fs::write(&empty, b"").unwrap();
        // an empty file is an empty database: no tables
        let before = snapshot(dir.path());
        let mut opened = PathBuf::new();
        let tables: i64 = read(&empty, |c| {
            opened = PathBuf::from(c.path().unwrap_or_default());
            c.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        })
        .unwrap();
        assert_eq!(tables, 0);
        assert_eq!(snapshot(dir.path()), before);
        assert_copy_removed(&opened, &empty);
        // SQLite deletes the -wal of an empty database it opens: never the agent's
        std::fs::write(sidecar(&empty, "-wal"), b"some wal bytes").unwrap();
        let before = snapshot(dir.path());
        let _ = read(&empty, |c| {
            c.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })
        });
        assert_eq!(snapshot(dir.path()), before);
        assert_eq!(names(&before), vec!["empty.db", "empty.db-wal"]);
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
        // and a database whose header says WAL but whose pages are junk
        let bad_wal = dir.path().join("bad-wal.db");
        let mut bytes = b"SQLite format 3\0".to_vec();
        bytes.extend_from_slice(&[0x10, 0x00, 2, 2]);
        bytes.resize(4096, 0xAB);
        std::fs::write(&bad_wal, &bytes).unwrap();
        let before = snapshot(dir.path());
        let count = |p: &Path| {
            read(p, |c| {
                c.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                    r.get::<_, i64>(0)
                })
            })
        };
        assert!(count(&p).is_err());
        assert!(count(&bad_wal).is_err());
        let missing = count(&dir.path().join("missing.db")).unwrap_err();
        assert!(missing.to_string().contains("unable to open"), "{missing}");
        assert_eq!(snapshot(dir.path()), before);
        assert_eq!(names(&before), vec!["bad-wal.db", "junk.db"]);
    }

    #[test]
    fn a_hot_journal_is_waited_for_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("agent.db");
        let c = Connection::open(&p).unwrap();
        c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .unwrap();
        drop(c);
        std::fs::write(sidecar(&p, "-journal"), b"half a transaction").unwrap();
        let before = snapshot(dir.path());
        let e = read(&p, |c| {
            c.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))
        })
        .unwrap_err();
        assert!(e.to_string().contains("hot journal"), "{e}");
        assert_eq!(snapshot(dir.path()), before);
    }

    #[test]
    fn uri_escapes() {
        assert_eq!(
            uri(Path::new("/a?b#c%d.db"), "mode=ro"),
            "file:/a%3Fb%23c%25d.db?mode=ro"
        );
    }
}
