//! Reading the index: session lists, one session's messages, lookups by id, and what `doctor`
//! shows. Readers never write.

use super::IndexError;
use crate::model::{Agent, Block, Message, Session, TokenUsage};
use crate::packed::{Packed, PackedBuilder};
use crate::sources::{IssueKind, ParseIssue};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::path::Path;
use thiserror::Error;

pub struct Reader {
    conn: Connection,
    /// Texts longer than this are cut to their head when messages are read (see [`elide`]).
    elide_over: Option<usize>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum LookupError {
    #[error("no session matches '{0}'")]
    NotFound(String),
    #[error("'{spec}' is ambiguous: {}", candidates.join(", "))]
    Ambiguous {
        spec: String,
        candidates: Vec<String>,
    },
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub agent: Option<Agent>,
    pub limit: Option<usize>,
}

const SESSION_COLUMNS: &str = "key, agent, id, title, cwd, project, models, git_branch, started_at, updated_at,
    prompts, messages, tool_calls, subagents, input, output, cache_read, cache_write, cache_write_1h, reasoning,
    tokens_known, cost, source, parse_errors, first_prompt, status";

fn time(ms: Option<i64>) -> Option<DateTime<Utc>> {
    ms.and_then(DateTime::from_timestamp_millis)
}

fn session_from_row(r: &Row) -> rusqlite::Result<Session> {
    let agent_str: String = r.get(1)?;
    let models: String = r.get(6)?;
    Ok(Session {
        key: r.get(0)?,
        agent: agent_str.parse().unwrap_or(Agent::Claude),
        id: r.get(2)?,
        title: r.get(3)?,
        cwd: r.get(4)?,
        project: r.get(5)?,
        models: serde_json::from_str(&models).unwrap_or_default(),
        git_branch: r.get(7)?,
        started_at: time(r.get(8)?),
        updated_at: time(r.get(9)?),
        prompts: r.get::<_, i64>(10)? as u64,
        messages: r.get::<_, i64>(11)? as u64,
        tool_calls: r.get::<_, i64>(12)? as u64,
        subagents: r.get::<_, i64>(13)? as u64,
        tokens: TokenUsage {
            input: r.get::<_, i64>(14)? as u64,
            output: r.get::<_, i64>(15)? as u64,
            cache_read: r.get::<_, i64>(16)? as u64,
            cache_write: r.get::<_, i64>(17)? as u64,
            cache_write_1h: r.get::<_, i64>(18)? as u64,
            reasoning: r.get::<_, i64>(19)? as u64,
        },
        tokens_known: r.get(20)?,
        cost_usd: r.get(21)?,
        unpriced_turns: 0,
        source: r.get(22)?,
        parse_errors: r.get::<_, i64>(23)? as u64,
        first_prompt: r.get(24)?,
        status: r.get(25)?,
        resume: None,
        extra: Default::default(),
    })
}

/// Matches ranked by bm25 at most (see `Reader::fts_hits`).
pub const RANK_MAX: usize = 8_000;

/// Full-text hits, best first when `ranked`, newest first otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct FtsHits {
    pub hits: Vec<RawHit>,
    pub ranked: bool,
}

/// One full-text hit: a message of a session.
#[derive(Debug, Clone, PartialEq)]
pub struct RawHit {
    pub key: String,
    pub part: i64,
    pub seq: i64,
    /// Higher is better (the negated bm25).
    pub score: f64,
}

/// One store as `doctor` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoreInfo {
    pub path: String,
    pub agent: String,
    pub kind: String,
    pub root: String,
    pub size: i64,
    pub errors: u64,
    pub pending_bytes: u64,
    pub failure: Option<String>,
    pub sessions: u64,
    pub examples: Vec<ParseIssue>,
}

impl Reader {
    pub fn open(path: &Path) -> Result<Reader, IndexError> {
        Ok(Reader {
            conn: super::open_readonly(path)?,
            elide_over: None,
        })
    }

    /// A reader on an existing connection (tests, or the writer's own connection).
    pub fn from_connection(conn: Connection) -> Reader {
        Reader {
            conn,
            elide_over: None,
        }
    }

    /// Read messages for viewing: a tool output or text longer than `over` bytes keeps only
    /// its head (see [`elide`]), so that an open transcript does not hold megabytes nobody
    /// is looking at. The index keeps everything: `show`, exports and the pager read it whole.
    pub fn elide_over(&mut self, over: usize) {
        self.elide_over = Some(over);
    }

    /// Sessions, most recently updated first.
    pub fn list(&self, q: &ListQuery) -> Result<Vec<Session>, IndexError> {
        let limit = q.limit.map(|l| l as i64).unwrap_or(-1);
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE (?1 IS NULL OR agent = ?1)
             ORDER BY updated_at DESC NULLS LAST, key LIMIT ?2"
        );
        // the list exactly as long as it is: grown by doubling, 100,000 sessions took 70 MB
        // for 54 MB of them
        let count: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM sessions WHERE (?1 IS NULL OR agent = ?1)")?
            .query_row(params![q.agent.map(|a| a.as_str())], |r| r.get(0))?;
        let capacity = if limit < 0 { count } else { count.min(limit) };
        let mut out = Vec::with_capacity(capacity.max(0) as usize);
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            params![q.agent.map(|a| a.as_str()), limit],
            session_from_row,
        )?;
        for row in rows {
            out.push(row?);
        }
        Ok(out)
    }

    pub fn session(&self, key: &str) -> Result<Option<Session>, IndexError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE key = ?1");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([key], session_from_row)
            .optional()?)
    }

    /// Find a session by `agent:id`, `id`, or a unique prefix of either.
    pub fn find(&self, spec: &str) -> Result<Session, FindError> {
        let spec = spec.trim();
        let (agent, id) = match spec.split_once(':') {
            Some((a, rest)) => match a.parse::<Agent>() {
                Ok(agent) => (Some(agent), rest),
                Err(_) => (None, spec),
            },
            None => (None, spec),
        };
        if id.is_empty() {
            return Err(FindError::Lookup(LookupError::NotFound(spec.to_string())));
        }
        let like = format!(
            "{}%",
            id.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions
             WHERE (?1 IS NULL OR agent = ?1) AND (id LIKE ?2 ESCAPE '\\' OR key = ?3)
             ORDER BY updated_at DESC LIMIT 50"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            params![agent.map(|a| a.as_str()), like, spec],
            session_from_row,
        )?;
        let found: Vec<Session> = rows.collect::<rusqlite::Result<_>>()?;
        // an exact id wins over prefixes
        if let Some(exact) = found.iter().find(|s| s.id == id || s.key == spec) {
            let exact_count = found.iter().filter(|s| s.id == id).count();
            if exact_count <= 1 {
                return Ok(exact.clone());
            }
        }
        match found.len() {
            0 => Err(FindError::Lookup(LookupError::NotFound(spec.to_string()))),
            1 => Ok(found.into_iter().next().expect("one")),
            _ => Err(FindError::Lookup(LookupError::Ambiguous {
                spec: spec.to_string(),
                candidates: found.iter().map(|s| s.key.clone()).collect(),
            })),
        }
    }

    /// The parts of a session in transcript order (the main conversation first, then each
    /// subagent file by its first message), with their message counts.
    pub fn parts(&self, key: &str) -> Result<Vec<(i64, i64)>, IndexError> {
        let primary: Option<i64> = self
            .conn
            .prepare_cached("SELECT primary_part FROM sessions WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?;
        let Some(primary) = primary else {
            return Ok(Vec::new());
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.id, (SELECT count(*) FROM messages c WHERE c.part_id = p.id) FROM parts p
             JOIN stores s ON s.id = p.store_id
             WHERE p.id = ?1 OR (p.session_key = ?2 AND p.is_primary = 0)
             ORDER BY (p.id != ?1),
                      (SELECT min(time) FROM messages f WHERE f.part_id = p.id),
                      s.path, p.uid",
        )?;
        let rows = stmt.query_map(params![primary, key], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The messages of a session: the main conversation in order, then each subagent file.
    pub fn messages(&self, key: &str) -> Result<Vec<Message>, IndexError> {
        let mut out = Vec::new();
        self.bodies(key, |batch| out.extend(decode_all(batch, self.elide_over)))?;
        Ok(out)
    }

    /// Every message body of a session, in order, a batch at a time (a large session's
    /// bodies are never all held at once), and what was read.
    fn bodies(&self, key: &str, mut batch: impl FnMut(&[Vec<u8>])) -> Result<Loaded, IndexError> {
        let tx = self.conn.unchecked_transaction()?;
        let rev = self.rev()?;
        let mut bodies: Vec<Vec<u8>> = Vec::new();
        let mut parts = Vec::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.seq, b.body FROM messages m JOIN bodies b ON b.id = m.id WHERE m.part_id = ?1 ORDER BY m.seq",
        )?;
        let mut contiguous = true;
        for (part, _) in self.parts(key)? {
            let rows = stmt.query_map([part], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
            })?;
            let mut n = 0usize;
            for row in rows {
                let (seq, body) = row?;
                contiguous &= seq == n as i64;
                bodies.push(body);
                n += 1;
                if bodies.len() >= DECODE_BATCH {
                    batch(&bodies);
                    bodies.clear();
                }
            }
            parts.push((part, n));
        }
        drop(stmt);
        tx.finish()?;
        batch(&bodies);
        Ok(Loaded {
            rev,
            parts,
            complete: contiguous,
            same: 0,
        })
    }

    /// A session's messages packed as the transcript holds them (see [`Packed`]), and what
    /// was read (to read only what changes later). No more than a batch of them is ever
    /// decoded: a body goes into the pack as the JSON it is, parsed only to cut a long text.
    pub fn messages_loaded(&self, key: &str) -> Result<(Packed, Loaded), IndexError> {
        let mut b = PackedBuilder::new();
        let over = self.elide_over;
        let loaded = self.bodies(key, |batch| {
            // packed on every core, a part of the batch each
            let parts = crate::on_cores(batch.len(), 512, |range| {
                let mut d = super::body::Decoder::new();
                let mut part = PackedBuilder::new();
                for body in &batch[range] {
                    pack(over, &mut d, &mut part, body);
                }
                part
            });
            for p in parts {
                b.append(p);
            }
        })?;
        Ok((b.finish(), loaded))
    }

    /// A session's messages again, after `old` was read as `prev`: only the rows written
    /// since are read, and the messages that did not change are taken from `old` (whole
    /// chunks shared). `Loaded::same` says how many messages at the start are `old`'s.
    /// Anything the revs do not explain reads everything again.
    pub fn messages_since(
        &self,
        key: &str,
        old: &Packed,
        prev: &Loaded,
    ) -> Result<(Packed, Loaded), IndexError> {
        if !prev.complete || prev.parts.iter().map(|p| p.1).sum::<usize>() != old.len() {
            return self.messages_loaded(key);
        }
        let tx = self.conn.unchecked_transaction()?;
        let rev = self.rev()?;
        let now = self.parts(key)?;
        let same_parts = now.len() == prev.parts.len()
            && now.iter().zip(&prev.parts).all(|((a, _), (b, _))| a == b);
        if !same_parts {
            drop(tx);
            return self.messages_loaded(key);
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.seq, b.body FROM messages m JOIN bodies b ON b.id = m.id
             WHERE m.part_id = ?1 AND m.rev > ?2 ORDER BY m.seq",
        )?;
        // the rows written since, by (part, seq); and the first message that is not old's:
        // the first new row, or the end of the first part whose length changed (the parts
        // after it moved)
        let mut changed: std::collections::BTreeMap<(usize, usize), Vec<u8>> = Default::default();
        let mut same = usize::MAX;
        let mut offset = 0usize;
        let mut lens = Vec::with_capacity(now.len());
        for (p, ((part, count), (_, old_len))) in now.iter().zip(&prev.parts).enumerate() {
            let new_len = (*count).max(0) as usize;
            lens.push(new_len);
            let rows = stmt.query_map(params![part, prev.rev], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
            })?;
            for row in rows {
                let (seq, body) = row?;
                if let Ok(i) = usize::try_from(seq)
                    && i < new_len
                {
                    same = same.min(offset + i);
                    changed.insert((p, i), body);
                }
            }
            if new_len != *old_len {
                same = same.min(offset + new_len.min(*old_len));
            }
            offset += old_len;
        }
        drop(stmt);
        tx.finish()?;
        let total: usize = lens.iter().sum();
        let same = same.min(total).min(old.len());
        let mut b = old.prefix(same);
        let mut d = super::body::Decoder::new();
        let (mut new_at, mut old_at) = (0usize, 0usize);
        for (p, (&new_len, &(_, old_len))) in lens.iter().zip(&prev.parts).enumerate() {
            let mut s = same.saturating_sub(new_at).min(new_len);
            while s < new_len {
                if let Some(body) = changed.remove(&(p, s)) {
                    pack(self.elide_over, &mut d, &mut b, &body);
                    s += 1;
                    continue;
                }
                if s >= old_len {
                    // a gap: something changed that the revs do not explain
                    return self.messages_loaded(key);
                }
                // a run of old messages, up to the next new row
                let next = changed
                    .range((p, s)..(p + 1, 0))
                    .next()
                    .map_or(new_len, |(&(_, k), _)| k);
                let end = next.min(old_len).min(new_len);
                old.for_each_raw(old_at + s..old_at + end, |_, json| b.push_json(json));
                s = end;
            }
            new_at += new_len;
            old_at += old_len;
        }
        Ok((
            b.finish(),
            Loaded {
                rev,
                parts: now
                    .iter()
                    .zip(lens)
                    .map(|((part, _), n)| (*part, n))
                    .collect(),
                complete: true,
                same,
            },
        ))
    }

    /// Token use of every session by quarter hour, model, price tier and recorded cost (what
    /// costs and statistics are computed from), for the sessions `keep` accepts.
    pub fn usage_rows(
        &self,
        keep: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<crate::stats::UsageRow>, IndexError> {
        self.usage_rows_where(None, keep)
    }

    /// The usage rows of one session.
    pub fn usage_rows_of(&self, key: &str) -> Result<Vec<crate::stats::UsageRow>, IndexError> {
        self.usage_rows_where(Some(key), &|_| true)
    }

    fn usage_rows_where(
        &self,
        key: Option<&str>,
        keep: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<crate::stats::UsageRow>, IndexError> {
        const COLS: &str = "SELECT session_key, bucket, model, long_context, recorded, messages, prompts, tool_calls, turns,
                    input, output, cache_read, cache_write, cache_write_1h, reasoning, cost
             FROM session_usage";
        let sql = match key {
            Some(_) => format!("{COLS} WHERE session_key = ?1"),
            None => COLS.to_string(),
        };
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut out = Vec::new();
        let mut rows = match key {
            Some(k) => stmt.query([k])?,
            None => stmt.query([])?,
        };
        while let Some(r) = rows.next()? {
            let key: String = r.get(0)?;
            if !keep(&key) {
                continue;
            }
            let n = |i: usize| -> rusqlite::Result<u64> { Ok(r.get::<_, i64>(i)?.max(0) as u64) };
            out.push(crate::stats::UsageRow {
                key,
                bucket: r.get(1)?,
                model: r.get(2)?,
                long_context: r.get(3)?,
                recorded: r.get(4)?,
                messages: n(5)?,
                prompts: n(6)?,
                tool_calls: n(7)?,
                turns: n(8)?,
                tokens: TokenUsage {
                    input: n(9)?,
                    output: n(10)?,
                    cache_read: n(11)?,
                    cache_write: n(12)?,
                    cache_write_1h: n(13)?,
                    reasoning: n(14)?,
                },
                cost: r.get(15)?,
            });
        }
        Ok(out)
    }

    /// The number of the last write to the index.
    pub fn rev(&self) -> Result<i64, IndexError> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = 'rev'")?
            .query_row([], |r| r.get(0))?)
    }

    /// One message by its place in a part.
    pub fn message_at(&self, part: i64, seq: i64) -> Result<Option<Message>, IndexError> {
        let body: Option<Vec<u8>> = self
            .conn
            .prepare_cached(
                "SELECT b.body FROM messages m JOIN bodies b ON b.id = m.id WHERE m.part_id = ?1 AND m.seq = ?2",
            )?
            .query_row(params![part, seq], |r| r.get(0))
            .optional()?;
        Ok(body.and_then(|b| super::body::decode(&b)))
    }

    /// Full-text hits: (session key, part, seq, score where higher is better). Only messages
    /// of the session as listed (not of a shadowed duplicate store) count.
    ///
    /// Ranking by bm25 costs about 2.5 µs per match, so it is done when a query matches at
    /// most [`RANK_MAX`] messages; a word found nearly everywhere, and any prefix query,
    /// returns its newest matches instead (`ranked` is false), which the caller orders by
    /// session recency.
    pub fn fts_hits(
        &self,
        expr: &str,
        agent: Option<Agent>,
        limit: usize,
        offset: usize,
    ) -> Result<FtsHits, IndexError> {
        // a prefix expands to many terms whose lists FTS5 merges on every query: counting
        // first would double that cost, and a prefix search is "words starting with", where
        // newest first serves as well as a rank
        let prefix = expr.contains('*');
        // the agent is a column of the FTS table: FTS5 filters by it itself
        let expr = match agent {
            Some(a) => format!("meta : \"{}\" AND ({expr})", a.as_str()),
            None => expr.to_string(),
        };
        let expr = expr.as_str();
        let ranked = !prefix
            && {
                let matches: i64 = self
                .conn
                .prepare_cached(
                    "SELECT count(*) FROM (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1 LIMIT ?2)",
                )?
                .query_row(params![expr, RANK_MAX as i64 + 1], |r| r.get(0))?;
                matches as usize <= RANK_MAX
            };
        let inner = if ranked {
            "SELECT rowid, rank AS score FROM messages_fts WHERE messages_fts MATCH ?1 ORDER BY rank LIMIT ?2 OFFSET ?3"
        } else {
            "SELECT rowid, 0.0 AS score FROM messages_fts WHERE messages_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2 OFFSET ?3"
        };
        let sql = format!(
            "SELECT p.session_key, m.part_id, m.seq, f.score
             FROM ({inner}) f
             JOIN messages m ON m.id = f.rowid
             JOIN parts p ON p.id = m.part_id
             JOIN sessions s ON s.key = p.session_key
             WHERE (p.id = s.primary_part OR p.is_primary = 0)
             ORDER BY f.score, f.rowid DESC"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![expr, limit as i64, offset as i64], |r| {
            Ok(RawHit {
                key: r.get(0)?,
                part: r.get(1)?,
                seq: r.get(2)?,
                score: -r.get::<_, f64>(3)?,
            })
        })?;
        Ok(FtsHits {
            hits: rows.collect::<rusqlite::Result<_>>()?,
            ranked,
        })
    }

    /// Working directories of the sessions indexed (for sources that look inside projects).
    pub fn known_dirs(&self) -> Result<Vec<std::path::PathBuf>, IndexError> {
        known_dirs(&self.conn)
    }

    /// The number of the last write (`meta.rev`).
    pub fn last_write(&self) -> Result<i64, IndexError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'rev'", [], |r| r.get(0))?)
    }

    /// What changed since write `rev` (see `meta.rev`), for a revisit following an index
    /// another one writes: the last write now, and the keys of the sessions written after
    /// `rev`; `None` for the keys when a session was removed since, or more than `at_most`
    /// were written (the list is then read whole).
    pub fn written_since(
        &self,
        rev: i64,
        at_most: usize,
    ) -> Result<(i64, Option<Vec<String>>), IndexError> {
        let (now, gone): (i64, i64) = self.conn.query_row(
            "SELECT (SELECT value FROM meta WHERE key = 'rev'),
                    (SELECT value FROM meta WHERE key = 'gone_rev')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if gone > rev {
            return Ok((now, None));
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key FROM sessions WHERE rev > ?1 LIMIT ?2")?;
        let keys = stmt
            .query_map(params![rev, at_most as i64 + 1], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok((now, (keys.len() <= at_most).then_some(keys)))
    }

    pub fn count(&self) -> Result<u64, IndexError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM sessions", [], |r| r.get::<_, i64>(0))?
            as u64)
    }

    /// The stores a session's messages come from (the winning copy and its subagent files;
    /// not other copies that lose to it), each with whether other sessions use it too.
    pub fn session_files(&self, key: &str) -> Result<Vec<SessionFile>, IndexError> {
        self.files_of(key, false)
    }

    /// Every store that holds any part of a session: also the copies that lose to the one
    /// shown (Codex keeps a session in `sessions/` and `archived_sessions/`).
    pub fn session_files_all(&self, key: &str) -> Result<Vec<SessionFile>, IndexError> {
        self.files_of(key, true)
    }

    fn files_of(&self, key: &str, all: bool) -> Result<Vec<SessionFile>, IndexError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.path, s.kind, p.is_primary,
                    EXISTS(SELECT 1 FROM parts o WHERE o.store_id = s.id AND o.session_key != ?1)
             FROM sessions x JOIN parts p ON p.session_key = x.key
             JOIN stores s ON s.id = p.store_id
             WHERE x.key = ?1 AND (?2 OR p.id = x.primary_part OR p.is_primary = 0)
             ORDER BY p.id != x.primary_part, s.path",
        )?;
        let rows = stmt.query_map(params![key, all], |r| {
            Ok(SessionFile {
                path: std::path::PathBuf::from(r.get::<_, String>(0)?),
                kind: crate::sources::StoreKind::parse(&r.get::<_, String>(1)?)
                    .unwrap_or(crate::sources::StoreKind::Remote),
                primary: r.get(2)?,
                shared: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every store with its skipped-record examples.
    pub fn stores(&self) -> Result<Vec<StoreInfo>, IndexError> {
        let mut stmt = self.conn.prepare(
            "SELECT s.id, s.path, s.agent, s.kind, s.root, s.size, s.errors, s.pending, s.failure,
                    (SELECT count(DISTINCT p.session_key) FROM parts p WHERE p.store_id = s.id AND p.is_primary = 1)
             FROM stores s ORDER BY s.agent, s.path",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                StoreInfo {
                    path: r.get(1)?,
                    agent: r.get(2)?,
                    kind: r.get(3)?,
                    root: r.get(4)?,
                    size: r.get(5)?,
                    errors: r.get::<_, i64>(6)? as u64,
                    pending_bytes: r.get::<_, i64>(7)? as u64,
                    failure: r.get(8)?,
                    sessions: r.get::<_, i64>(9)? as u64,
                    examples: Vec::new(),
                },
            ))
        })?;
        let mut out = Vec::new();
        let mut ex = self
            .conn
            .prepare("SELECT line, kind, detail FROM issues WHERE store_id = ?1 ORDER BY rowid")?;
        for row in rows {
            let (id, mut info) = row?;
            let issues = ex.query_map([id], |r| {
                Ok(ParseIssue {
                    line: r.get::<_, Option<i64>>(0)?.map(|l| l as u64),
                    kind: IssueKind::parse(&r.get::<_, String>(1)?),
                    detail: r.get(2)?,
                })
            })?;
            info.examples = issues.collect::<rusqlite::Result<_>>()?;
            out.push(info);
        }
        Ok(out)
    }
}

/// One store a session comes from (see [`Reader::session_files`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFile {
    pub path: std::path::PathBuf,
    pub kind: crate::sources::StoreKind,
    /// The store holding the session itself (not a subagent file).
    pub primary: bool,
    /// Other sessions come from this store too.
    pub shared: bool,
}

#[derive(Debug, Error)]
pub enum FindError {
    #[error(transparent)]
    Lookup(#[from] LookupError),
    #[error(transparent)]
    Index(#[from] IndexError),
}

impl From<rusqlite::Error> for FindError {
    fn from(e: rusqlite::Error) -> Self {
        FindError::Index(e.into())
    }
}

/// Distinct working directories of indexed sessions.
const KNOWN_DIRS: &str = "WITH RECURSIVE d(cwd) AS (
        SELECT min(cwd) FROM sessions
        UNION ALL
        SELECT (SELECT min(cwd) FROM sessions WHERE cwd > d.cwd) FROM d WHERE d.cwd IS NOT NULL
    )
    SELECT cwd FROM d WHERE cwd IS NOT NULL";

pub fn known_dirs(conn: &Connection) -> Result<Vec<std::path::PathBuf>, IndexError> {
    // each directory found from the one before through `sessions_cwd`: a few steps for the
    // few directories there are, where DISTINCT read and sorted every session (44 ms at
    // 100,000 sessions, three times per write)
    let mut stmt = conn.prepare_cached(KNOWN_DIRS)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for r in rows {
        out.push(std::path::PathBuf::from(r?));
    }
    Ok(out)
}

/// What a reader has of a session's messages: the write it read up to and how many messages
/// each part gave (in order), so that a later read fetches only what changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loaded {
    pub rev: i64,
    pub parts: Vec<(i64, usize)>,
    /// Every row in sequence (else a later read reads everything again).
    pub complete: bool,
    /// How many messages at the start are the ones of the read this one followed (0 for a
    /// first read).
    pub same: usize,
}

/// Decode message bodies, on several threads when there are many (a long session's bodies
/// are most of the time it takes to open).
/// What an open transcript keeps of a long text: its first 32 KiB.
pub const ELIDED_HEAD: usize = 32 * 1024;

/// How a text cut by [`elide`] begins.
const ELIDED_MARK: &str = "[revisit: the first ";

/// Was a text of these messages cut by [`elide`]? (Then read them whole from the index.)
pub fn any_elided<M: AsRef<Message>>(messages: &[M]) -> bool {
    messages.iter().any(|m| {
        m.as_ref().blocks.iter().any(|b| match b {
            Block::ToolResult { output: s, .. }
            | Block::Text { text: s }
            | Block::Thinking { text: s, .. } => s.starts_with(ELIDED_MARK),
            _ => false,
        })
    })
}

/// A message with every tool output, text and thinking longer than `over` bytes cut to its
/// first [`ELIDED_HEAD`] bytes (at a character boundary), behind a first line that says how
/// much there is and where to read it all.
pub fn elide(mut m: Message, over: usize) -> Message {
    for b in &mut m.blocks {
        let s = match b {
            Block::ToolResult { output, .. } => output,
            Block::Text { text } | Block::Thinking { text, .. } => text,
            _ => continue,
        };
        if s.len() > over {
            let mut cut = ELIDED_HEAD.min(s.len());
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            let note = format!(
                "{ELIDED_MARK}{} of {} are shown; o opens all of it in $PAGER]\n",
                crate::text::human_bytes(cut),
                crate::text::human_bytes(s.len())
            );
            let mut short = String::with_capacity(note.len() + cut);
            short.push_str(&note);
            short.push_str(&s[..cut]);
            *s = short;
        }
    }
    m
}

/// One body into a pack; one that cannot be read keeps its place (as a notice). A text over
/// `over` bytes is cut to its head (see [`elide`]).
fn pack(over: Option<usize>, d: &mut super::body::Decoder, b: &mut PackedBuilder, body: &[u8]) {
    let Some(json) = d.json(body) else {
        return b.push_json(b"null");
    };
    // JSON escapes only lengthen a text: a body shorter than the limit has no text over it
    match over {
        Some(over) if json.len() > over => match serde_json::from_slice::<Message>(&json) {
            Ok(m) => {
                let m = elide(m, over);
                if any_elided(std::slice::from_ref(&m)) {
                    b.mark_elided();
                }
                b.push(&m)
            }
            Err(_) => b.push_json(&json),
        },
        _ => b.push_json(&json),
    }
}

/// Bodies decoded at a time when a session is loaded.
const DECODE_BATCH: usize = 4096;

fn elide_opt(m: Message, over: Option<usize>) -> Message {
    match over {
        Some(n) => elide(m, n),
        None => m,
    }
}

fn decode_all(bodies: &[Vec<u8>], over: Option<usize>) -> Vec<Message> {
    crate::on_cores(bodies.len(), 512, |range| {
        let mut d = super::body::Decoder::new();
        bodies[range]
            .iter()
            .filter_map(|b| d.decode(b).map(|m| elide_opt(m, over)))
            .collect::<Vec<Message>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    /// Each working directory once, in order, without NULLs, read through the index (the
    /// plan names no sort and no scan of the table).
    #[test]
    fn known_dirs_are_the_distinct_working_directories() {
        let conn = Connection::open_in_memory().unwrap();
        super::super::schema::create(&conn).unwrap();
        let cwds = [
            Some("/b"),
            None,
            Some("/a"),
            Some("/b"),
            Some("/a/x"),
            None,
            Some("/c"),
        ];
        for (i, cwd) in cwds.iter().enumerate() {
            conn.execute(
                "INSERT INTO sessions(key, agent, id, title, cwd, models, prompts, messages,
                     tool_calls, subagents, input, output, cache_read, cache_write,
                     cache_write_1h, reasoning, tokens_known, source, parse_errors, primary_part)
                 VALUES (?1, 'claude', ?1, '', ?2, '[]', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, '', 0, 0)",
                params![format!("k{i}"), cwd],
            )
            .unwrap();
        }
        let dirs = known_dirs(&conn).unwrap();
        let want: Vec<std::path::PathBuf> =
            ["/a", "/a/x", "/b", "/c"].iter().map(Into::into).collect();
        assert_eq!(dirs, want);
        let mut plan = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {KNOWN_DIRS}"))
            .unwrap();
        let plan: Vec<String> = plan
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for step in plan.iter().filter(|s| s.contains("sessions")) {
            assert!(
                step.starts_with("SEARCH sessions USING COVERING INDEX sessions_cwd"),
                "{plan:?}"
            );
        }
        conn.execute("DELETE FROM sessions", []).unwrap();
        assert!(known_dirs(&conn).unwrap().is_empty());
    }

    #[test]
    fn long_texts_keep_their_head_and_say_so() {
        let big = "é".repeat(200_000); // 400 kB, two bytes a character
        let mut m = Message::new(Role::Tool);
        m.blocks.push(Block::ToolResult {
            call_id: "c".into(),
            output: big.clone(),
            is_error: false,
        });
        m.blocks.push(Block::text("short"));
        m.blocks.push(Block::ToolCall {
            id: "c".into(),
            name: "Write".into(),
            input: serde_json::json!({"content": big}),
        });
        let e = elide(m.clone(), 256 * 1024);
        let Block::ToolResult { output, .. } = &e.blocks[0] else {
            panic!()
        };
        let (note, head) = output.split_once('\n').unwrap();
        assert_eq!(
            note,
            "[revisit: the first 32.8 kB of 400.0 kB are shown; o opens all of it in $PAGER]"
        );
        assert!(head.len() <= ELIDED_HEAD && head.len() >= ELIDED_HEAD - 1);
        assert!(big.starts_with(head));
        assert_eq!(e.blocks[1], m.blocks[1], "short texts are untouched");
        assert_eq!(e.blocks[2], m.blocks[2], "tool inputs are kept");
        assert!(any_elided(std::slice::from_ref(&e)));
        assert!(!any_elided(std::slice::from_ref(&m)));
        // under the limit: the same message
        assert_eq!(elide(m.clone(), 1 << 20), m);
        // eliding again changes nothing (the head is under any sane limit)
        assert_eq!(elide(e.clone(), 256 * 1024), e);
    }
}
