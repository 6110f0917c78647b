//! What the fuzz targets share: a store's bytes fed through the index's own paths (the line
//! feeder, the whole-store parsers, read-only SQLite), and the invariants every parser's output
//! must keep on the way into the index.
//!
//! The invariants, checked for every message and every session:
//! - a message is only put at the end of a session or over an earlier one (no gap);
//! - a message survives the index's body encoding (`decode(encode(m)) == m`), which also means
//!   its cost is a finite number; its full-text form can be built;
//! - session metadata survives the JSON it is stored as;
//! - a line parser takes back the state it saved, and parsing a store in two appends gives what
//!   parsing it at once gives;
//! - a whole-store parser run again with the state of the previous run, on the same store,
//!   changes nothing.

// The targets' bodies (each `fuzz_targets/<name>.rs` calls `<name>::run`).
#[path = "targets/agenix.rs"]
pub mod agenix;
#[path = "targets/agsh.rs"]
pub mod agsh;
#[path = "targets/claude.rs"]
pub mod claude;
#[path = "targets/codex.rs"]
pub mod codex;
#[path = "targets/export.rs"]
pub mod export;
#[path = "targets/fts.rs"]
pub mod fts;
#[path = "targets/gemini.rs"]
pub mod gemini;
#[path = "targets/opencode.rs"]
pub mod opencode;
#[path = "targets/opencode_db.rs"]
pub mod opencode_db;
#[path = "targets/pi.rs"]
pub mod pi;
#[path = "targets/profclaw.rs"]
pub mod profclaw;
#[path = "targets/profclaw_db.rs"]
pub mod profclaw_db;
#[path = "targets/query.rs"]
pub mod query;
#[path = "targets/sanitize.rs"]
pub mod sanitize;

use revisit::index::body;
use revisit::index::feed::{self, Position};
use revisit::model::{Agent, Message};
use revisit::sources::{
    MsgOp, ParseIssue, Parser, SessionMeta, Sink, Source, StoreKind, StoreRef, TitleHint,
};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A folder of this process's own for the files it writes (in `/dev/shm` when there is one).
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = if Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        // folders of runs that are over (Linux: no /proc/<pid>) go
        if let Ok(rd) = std::fs::read_dir(&base) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if let Some(pid) = name.strip_prefix("revisit-fuzz-")
                    && Path::new("/proc/self").exists()
                    && !Path::new("/proc").join(pid).exists()
                {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let dir = base.join(format!("revisit-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch folder");
        dir
    })
}

/// Write a file under the scratch folder, creating its folders.
pub fn write(rel: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch().join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("scratch subfolder");
    }
    std::fs::write(&path, bytes).expect("scratch file");
    path
}

/// With `REVISIT_FUZZ_DEBUG` set, what a run made of its input goes to stderr (to look at one
/// input: `REVISIT_FUZZ_DEBUG=1 fuzz/target/…/<target> <file>`).
pub fn debug(what: &dyn std::fmt::Debug) {
    static ON: OnceLock<bool> = OnceLock::new();
    if *ON.get_or_init(|| std::env::var_os("REVISIT_FUZZ_DEBUG").is_some()) {
        eprintln!("{what:#?}");
    }
}

/// The repository's own folder (for fixtures): this crate's parent, or the crate itself when
/// this file is compiled into the repository's tests (`tests/fuzz_seeds.rs`).
pub fn repo() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    if dir.join("fuzz").join("Cargo.toml").is_file() {
        return dir.to_path_buf();
    }
    dir.parent()
        .expect("fuzz/ is inside the repository")
        .to_path_buf()
}

/// One session part as the index holds it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Part {
    pub primary: bool,
    pub meta: Option<SessionMeta>,
    pub msgs: Vec<Message>,
}

/// What the index holds for one store, built by applying parser outputs as the writer does.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Model {
    pub parts: BTreeMap<String, Part>,
    pub hints: Vec<TitleHint>,
    pub issues: Vec<ParseIssue>,
}

impl Model {
    /// Apply one parser output (as `index::writer::apply` does), checking it on the way.
    pub fn apply(&mut self, sink: Sink) {
        if sink.complete {
            let keep: HashSet<&str> = sink.sessions.iter().map(|s| s.uid.as_str()).collect();
            self.parts.retain(|uid, _| keep.contains(uid.as_str()));
        }
        for uid in &sink.removed {
            self.parts.remove(uid);
        }
        for d in sink.sessions {
            let part = self.parts.entry(d.uid.clone()).or_default();
            part.primary |= d.primary;
            for op in d.ops {
                match op {
                    MsgOp::Put(seq, m) => {
                        let seq = seq as usize;
                        assert!(
                            seq <= part.msgs.len(),
                            "session {:?}: message {seq} put after only {} (a gap)",
                            d.uid,
                            part.msgs.len()
                        );
                        check_message(&m);
                        if seq < part.msgs.len() {
                            part.msgs[seq] = *m;
                        } else {
                            part.msgs.push(*m);
                        }
                    }
                    MsgOp::Truncate(n) => part.msgs.truncate(n as usize),
                }
            }
            if let Some(meta) = d.meta {
                check_meta(&meta);
                part.meta = Some(meta);
            }
        }
        self.hints.extend(sink.hints);
        self.issues.extend(sink.issues);
    }

    pub fn messages(&self) -> impl Iterator<Item = &Message> {
        self.parts.values().flat_map(|p| p.msgs.iter())
    }
}

/// What the index does with a message, and what must hold for it.
pub fn check_message(m: &Message) {
    if let Some(c) = m.cost_usd {
        assert!(c.is_finite(), "a cost that is not a number: {c}");
    }
    let stored = body::encode(m);
    let back = body::decode(&stored).expect("a body the index wrote reads back");
    assert_eq!(&back, m, "the stored body reads back as the message");
    let _ = revisit::search::fts::message_text(m);
    let _ = revisit::search::fts::plain(m);
    let _ = (m.is_prompt(), m.tool_calls(), m.plain_text());
}

/// Session metadata is stored as JSON: it must read back the same.
pub fn check_meta(meta: &SessionMeta) {
    let json = serde_json::to_string(meta).expect("metadata serialises");
    let back: SessionMeta = serde_json::from_str(&json).expect("metadata reads back");
    assert_eq!(&back, meta, "metadata reads back as it was");
}

/// A store reference for a file under the scratch folder.
pub fn store(agent: Agent, path: &Path, kind: StoreKind) -> StoreRef {
    revisit::sources::store_for(agent, path, kind)
}

/// Feed a line store from `from` through the index's feeder; the output goes into `model`.
/// Returns the state to save and where the feeder stopped.
fn feed_into(
    model: &mut Model,
    source: &dyn Source,
    store: &StoreRef,
    state: Option<&[u8]>,
    from: Position,
) -> (Vec<u8>, Position) {
    let Parser::Lines(mut p) = source.parser(store) else {
        panic!("{} is not a line store", store.path.display());
    };
    if let Some(s) = state {
        assert!(p.load_state(s), "the parser takes back the state it saved");
    }
    let mut sinks = Vec::new();
    let mut f = std::fs::File::open(&store.path).expect("the scratch file opens");
    let r = feed::feed(&mut f, p.as_mut(), from, &mut |sink, _| sinks.push(sink))
        .expect("the scratch file reads");
    for s in sinks {
        model.apply(s);
    }
    if let Some(t) = r.tentative {
        model.apply(t);
    }
    (r.state, r.pos)
}

/// The newline nearest after the middle: where the store is cut for the two-append run.
fn cut_point(bytes: &[u8]) -> Option<usize> {
    let mid = bytes.len() / 2;
    let i = bytes[mid..].iter().position(|&b| b == b'\n')? + mid + 1;
    (i < bytes.len()).then_some(i)
}

/// Parse `bytes` as the line store `rel` (a path under the scratch folder: the name tells the
/// parser what the file is) at once, then as two appends; both must give the same result.
pub fn lines(source: &dyn Source, rel: &str, bytes: &[u8]) -> Model {
    let path = write(rel, bytes);
    let st = store(source.agent(), &path, StoreKind::Jsonl);
    let mut once = Model::default();
    feed_into(&mut once, source, &st, None, Position::default());
    debug(&once);
    if let Some(cut) = cut_point(bytes) {
        write(rel, &bytes[..cut]);
        let mut twice = Model::default();
        let (state, pos) = feed_into(&mut twice, source, &st, None, Position::default());
        write(rel, bytes);
        feed_into(&mut twice, source, &st, Some(&state), pos);
        assert_eq!(
            twice, once,
            "parsing the store in two appends (cut at byte {cut}) gives what parsing it at once gives"
        );
    }
    once
}

/// Parse a whole store, then again with the state of that run: the second run must change
/// nothing. `None` when the store cannot be read at all.
pub fn whole(source: &dyn Source, store: &StoreRef) -> Option<Model> {
    let run = |state: Option<&[u8]>| {
        let Parser::Whole(mut p) = source.parser(store) else {
            panic!("{} is not a whole store", store.path.display());
        };
        let mut sink = Sink::default();
        match p.parse(store, state, &mut sink) {
            Ok(st) => Some((sink, st)),
            Err(e) => {
                debug(&e);
                None
            }
        }
    };
    let (sink, state) = run(None)?;
    let mut model = Model::default();
    model.apply(sink);
    debug(&model);
    if let Some((sink, _)) = run(Some(&state)) {
        let mut again = model.clone();
        again.apply(sink);
        assert_eq!(
            again.parts, model.parts,
            "a second run on an unchanged store changes nothing"
        );
    }
    Some(model)
}

/// Build the SQLite database `rel` (under the scratch folder) from a SQL script, the fuzz
/// input. Scripts that could reach other files or change the connection (`ATTACH`, `VACUUM
/// INTO`, `PRAGMA`, `load_extension`, as words anywhere) are refused; a script's run time and
/// value sizes are bounded. A statement that fails ends the script; what ran before it stays.
pub fn database(rel: &str, script: &[u8]) -> Option<PathBuf> {
    let sql = std::str::from_utf8(script).ok()?;
    let refused = sql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .any(|w| {
            ["attach", "vacuum", "pragma", "load_extension"]
                .iter()
                .any(|r| w.eq_ignore_ascii_case(r))
        });
    if refused {
        return None;
    }
    let path = scratch().join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("scratch subfolder");
    }
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let conn = rusqlite::Connection::open(&path).ok()?;
    conn.query_row("PRAGMA journal_mode = MEMORY", [], |_| Ok(()))
        .ok()?;
    conn.pragma_update(None, "synchronous", "off").ok()?;
    // a dump creates tables in name order, rows before the tables they refer to
    conn.pragma_update(None, "foreign_keys", "off").ok()?;
    use rusqlite::limits::Limit;
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, 1 << 20).ok()?;
    conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0).ok()?;
    let mut ticks = 0u32;
    conn.progress_handler(
        1000,
        Some(move || {
            ticks += 1;
            ticks > 2000 // about two million steps
        }),
    );
    if let Err(e) = conn.execute_batch(sql) {
        debug(&e);
    }
    conn.progress_handler(0, None::<fn() -> bool>);
    conn.close().ok()?;
    Some(path)
}

/// Lay out an OpenCode JSON tree (`storage/{session,message,part}/…`) from records: a line
/// `@@ session <id>`, `@@ message <session>/<id>` or `@@ part <message>/<id>`, then the file's
/// bytes up to the next record. Returns the project folder (the store). Records whose names
/// are not plain (letters, digits, `_`, `-`) are left out.
pub fn opencode_tree(bytes: &[u8]) -> PathBuf {
    let storage = scratch().join("opencode/storage");
    let _ = std::fs::remove_dir_all(&storage);
    let project = storage.join("session/global");
    std::fs::create_dir_all(&project).expect("scratch folder");
    let plain = |s: &[u8]| {
        !s.is_empty()
            && s.len() <= 80
            && s.iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
    };
    let mut records: Vec<&[u8]> = Vec::new();
    let mut rest = bytes;
    loop {
        match find(rest, b"\n@@ ") {
            Some(i) => {
                records.push(&rest[..i]);
                rest = &rest[i + 1..];
            }
            None => {
                records.push(rest);
                break;
            }
        }
    }
    for r in records {
        let Some(r) = r.strip_prefix(b"@@ ") else {
            continue;
        };
        let (head, body) = match r.iter().position(|&b| b == b'\n') {
            Some(i) => (&r[..i], &r[i + 1..]),
            None => (r, &[][..]),
        };
        let mut words = head.split(|&b| b == b' ');
        let (Some(kind), Some(name)) = (words.next(), words.next()) else {
            continue;
        };
        let mut names = name.split(|&b| b == b'/');
        let (first, second) = (names.next(), names.next());
        let dir = match (kind, first, second) {
            (b"session", Some(id), None) if plain(id) => project.clone(),
            (b"message" | b"part", Some(owner), Some(id)) if plain(owner) && plain(id) => {
                let what = if kind == b"message" {
                    "message"
                } else {
                    "part"
                };
                storage
                    .join(what)
                    .join(String::from_utf8_lossy(owner).as_ref())
            }
            _ => continue,
        };
        let id = match second {
            Some(id) => id,
            None => first.unwrap_or_default(),
        };
        std::fs::create_dir_all(&dir).expect("scratch folder");
        let file = dir.join(format!("{}.json", String::from_utf8_lossy(id)));
        std::fs::write(file, body).expect("scratch file");
    }
    project
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Run `f` on an index of `tests/fixtures/search/home` (three Claude sessions, one of them
/// long), built once per thread with the real writer.
pub fn with_fixture_index<R>(f: impl FnOnce(&revisit::index::query::Reader) -> R) -> R {
    use revisit::index::query::Reader;
    fn build() -> Reader {
        use revisit::config::{Config, Env};
        use revisit::index::writer::Writer;
        let env = Env::with_home(repo().join("tests/fixtures/search/home"), &[]);
        let reg = revisit::sources::Registry::new(env, Config::default());
        let path = scratch().join("index/index.sqlite");
        let mut w = Writer::open(&path).expect("open the index");
        w.refresh(&reg, &mut |_| {}).expect("index the fixtures");
        drop(w);
        Reader::open(&path).expect("read the index")
    }
    thread_local! {
        static READER: Reader = build();
    }
    READER.with(f)
}
