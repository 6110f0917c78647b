//! The index schema. Versioned with `PRAGMA user_version`: an index of any other version is
//! rebuilt, never migrated in place (it is a cache of the agents' own files).

use rusqlite::Connection;

/// Bump whenever the schema or the meaning of stored data changes.
pub const VERSION: i64 = 8;

pub const CREATE: &str = r#"
CREATE TABLE stores(
    id          INTEGER PRIMARY KEY,
    path        TEXT NOT NULL UNIQUE,
    agent       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    root        TEXT NOT NULL,
    priority    INTEGER NOT NULL DEFAULT 0,
    size        INTEGER NOT NULL DEFAULT -1,
    mtime_ns    INTEGER NOT NULL DEFAULT 0,
    -- line stores: bytes and lines consumed so far, fingerprints of the head and of the bytes
    -- just before `offset`, and bytes of an incomplete last line still waiting for its newline
    offset      INTEGER NOT NULL DEFAULT 0,
    lines       INTEGER NOT NULL DEFAULT 0,
    head_len    INTEGER NOT NULL DEFAULT 0,
    head_hash   INTEGER NOT NULL DEFAULT 0,
    tail_hash   INTEGER NOT NULL DEFAULT 0,
    pending     INTEGER NOT NULL DEFAULT 0,
    state       BLOB,
    errors      INTEGER NOT NULL DEFAULT 0,
    failure     TEXT
);

-- What one store contributes to one session.
CREATE TABLE parts(
    id            INTEGER PRIMARY KEY,
    store_id      INTEGER NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    uid           TEXT NOT NULL,
    session_key   TEXT NOT NULL,
    is_primary    INTEGER NOT NULL,
    meta          TEXT,
    msg_len       INTEGER NOT NULL DEFAULT 0,
    -- set when messages past this length came from a tentative (newline-less) last line
    committed_len INTEGER,
    UNIQUE(store_id, uid)
);
CREATE INDEX parts_session ON parts(session_key);

CREATE TABLE messages(
    id            INTEGER PRIMARY KEY,
    part_id       INTEGER NOT NULL REFERENCES parts(id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    role          TEXT NOT NULL,
    time          INTEGER,
    model         TEXT,
    prompt        INTEGER NOT NULL,
    tool_calls    INTEGER NOT NULL,
    sidechain     INTEGER NOT NULL,
    agent_id      TEXT,
    leaf          INTEGER,
    has_usage     INTEGER NOT NULL,
    input         INTEGER NOT NULL,
    output        INTEGER NOT NULL,
    cache_read    INTEGER NOT NULL,
    cache_write   INTEGER NOT NULL,
    cache_write_1h INTEGER NOT NULL,
    reasoning     INTEGER NOT NULL,
    cost          REAL,
    -- the write (see meta.rev) that last stored this row: a reader that has everything up to
    -- some rev fetches only rows written after it
    rev           INTEGER NOT NULL,
    UNIQUE(part_id, seq)
);
-- (leaf, time, part_id): finding the copies of a message (see writer::rebuild_usage) reads
-- only the index
CREATE INDEX messages_leaf ON messages(leaf, time, part_id) WHERE leaf IS NOT NULL;

-- The message itself, see index::body (plain or zstd-compressed JSON); id = messages.id.
-- Kept apart so that the rows aggregates scan stay narrow.
CREATE TABLE bodies(
    id            INTEGER PRIMARY KEY,
    body          BLOB NOT NULL
);
CREATE TRIGGER messages_forget_body AFTER DELETE ON messages BEGIN
    DELETE FROM bodies WHERE id = old.id;
END;

-- Counters: `rev`, the number of the last write transaction; `gone_rev`, the last write that
-- removed a session (another revisit following this index reads the list whole after it).
CREATE TABLE meta(
    key           TEXT PRIMARY KEY,
    value         INTEGER NOT NULL
);
INSERT INTO meta(key, value) VALUES ('rev', 0);
INSERT INTO meta(key, value) VALUES ('gone_rev', 0);

-- Full text of every message (prompts, answers, thinking, tool inputs and capped outputs).
-- Contentless: the text lives in bodies.body; rowid = messages.id.
-- `meta` holds the agent's name, so an agent: filter is applied inside FTS5.
CREATE VIRTUAL TABLE messages_fts USING fts5(
    text,
    meta,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Titles that live outside a session's own store.
CREATE TABLE hints(
    store_id       INTEGER NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    agent          TEXT NOT NULL,
    target_session TEXT,
    target_leaf    INTEGER,
    title          TEXT NOT NULL,
    rank           INTEGER NOT NULL,
    UNIQUE(store_id, agent, target_session, target_leaf, title)
);
CREATE INDEX hints_session ON hints(agent, target_session) WHERE target_session IS NOT NULL;
CREATE INDEX hints_leaf ON hints(target_leaf) WHERE target_leaf IS NOT NULL;

-- Skipped records, first examples per store (the total is stores.errors).
CREATE TABLE issues(
    store_id  INTEGER NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    line      INTEGER,
    kind      TEXT NOT NULL,
    detail    TEXT NOT NULL
);
CREATE INDEX issues_store ON issues(store_id);

-- One row per listed session: metadata and aggregates, rebuilt from parts and messages.
CREATE TABLE sessions(
    key           TEXT PRIMARY KEY,
    agent         TEXT NOT NULL,
    id            TEXT NOT NULL,
    title         TEXT NOT NULL,
    cwd           TEXT,
    project       TEXT,
    models        TEXT NOT NULL,
    git_branch    TEXT,
    started_at    INTEGER,
    updated_at    INTEGER,
    prompts       INTEGER NOT NULL,
    messages      INTEGER NOT NULL,
    tool_calls    INTEGER NOT NULL,
    subagents     INTEGER NOT NULL,
    input         INTEGER NOT NULL,
    output        INTEGER NOT NULL,
    cache_read    INTEGER NOT NULL,
    cache_write   INTEGER NOT NULL,
    cache_write_1h INTEGER NOT NULL,
    reasoning     INTEGER NOT NULL,
    tokens_known  INTEGER NOT NULL,
    cost          REAL,
    source        TEXT NOT NULL,
    parse_errors  INTEGER NOT NULL,
    first_prompt  TEXT,
    status        TEXT,
    primary_part  INTEGER NOT NULL,
    -- the write (meta.rev) that last stored this row: a revisit following the index reads
    -- again only the sessions written since it last looked
    rev           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_updated ON sessions(updated_at DESC);
CREATE INDEX sessions_rev ON sessions(rev);

-- Token use of each session by quarter hour (any time zone's days are whole quarter hours),
-- model, whether the request was past 200k prompt tokens (a model's long-context price) and
-- whether the agent recorded its own cost: what costs and statistics are computed from,
-- without reading the messages again. `bucket` = epoch milliseconds / 900000 (NULL: no time).
CREATE TABLE session_usage(
    session_key   TEXT NOT NULL,
    bucket        INTEGER,
    model         TEXT,
    long_context  INTEGER NOT NULL,
    recorded      INTEGER NOT NULL,
    messages      INTEGER NOT NULL,
    prompts       INTEGER NOT NULL,
    tool_calls    INTEGER NOT NULL,
    turns         INTEGER NOT NULL,
    input         INTEGER NOT NULL,
    output        INTEGER NOT NULL,
    cache_read    INTEGER NOT NULL,
    cache_write   INTEGER NOT NULL,
    cache_write_1h INTEGER NOT NULL,
    reasoning     INTEGER NOT NULL,
    cost          REAL
);
CREATE INDEX session_usage_key ON session_usage(session_key);
-- Messages of a session that another session had first (a fork's or a resume's copy of its
-- parent's messages, same id and time): left out of the session's usage, counted in `owner`'s.
CREATE TABLE copied(
    session_key   TEXT NOT NULL,
    message_id    INTEGER NOT NULL,
    owner         TEXT NOT NULL
);
CREATE INDEX copied_session ON copied(session_key);
CREATE INDEX copied_owner ON copied(owner);
CREATE INDEX session_usage_bucket ON session_usage(bucket);
CREATE INDEX sessions_agent ON sessions(agent, updated_at DESC);
-- the working directories sessions ran in (what roots an Agenix store can be under): read
-- after every write, one index step per directory instead of a scan of every session
CREATE INDEX sessions_cwd ON sessions(cwd);
-- the stores under a root, for a pass over some roots only
CREATE INDEX stores_root ON stores(root);
"#;

pub fn create(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(CREATE)?;
    conn.pragma_update(None, "user_version", VERSION)?;
    Ok(())
}
