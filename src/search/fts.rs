//! What goes into the FTS5 index, and how.
//!
//! The table uses SQLite's `unicode61` tokenizer (diacritics folded). Two transformations make
//! it fit session text:
//! - CJK characters are indexed one per token (a space is put around each), because unicode61
//!   would otherwise make a whole run of CJK text one token; a CJK query becomes a phrase of
//!   single characters, which matches the characters next to each other.
//! - Identifiers (`src/main.rs`, `snake_case`, `ERR-42`) are split by unicode61 at `/ . _ -`;
//!   a query for the whole identifier becomes a phrase of its parts, which matches it whole.
//!
//! Tool outputs are indexed up to [`TOOL_OUTPUT_CAP`] bytes (head and tail); prompts, answers and
//! thinking are indexed in full.

use crate::model::{Block, Message};
use crate::search::query::Term;

/// Bytes of one tool output (or input) that are indexed: the first 12 KiB and the last 4 KiB.
pub const TOOL_OUTPUT_CAP: usize = 16 * 1024;
const HEAD: usize = 12 * 1024;

/// Is this a character indexed one per token?
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF     // Hiragana, Katakana
        | 0x3400..=0x4DBF   // CJK Extension A
        | 0x4E00..=0x9FFF   // CJK Unified Ideographs
        | 0xAC00..=0xD7AF   // Hangul syllables
        | 0x1100..=0x11FF   // Hangul Jamo
        | 0xF900..=0xFAFF   // CJK compatibility ideographs
        | 0x20000..=0x2FFFF // Extensions B and later
    )
}

/// Put spaces around CJK characters.
pub fn segment(text: &str) -> String {
    if !text.chars().any(is_cjk) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    for c in text.chars() {
        if is_cjk(c) {
            out.push(' ');
            out.push(c);
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The indexed part of a long tool text: head and tail.
pub fn capped(s: &str) -> &str {
    if s.len() <= TOOL_OUTPUT_CAP {
        s
    } else {
        &s[..floor_boundary(s, HEAD)]
    }
}

fn tail(s: &str) -> &str {
    if s.len() <= TOOL_OUTPUT_CAP {
        ""
    } else {
        let start = s.len() - (TOOL_OUTPUT_CAP - HEAD);
        let mut i = start;
        while i < s.len() && !s.is_char_boundary(i) {
            i += 1;
        }
        &s[i..]
    }
}

/// The text indexed for one message.
pub fn message_text(m: &Message) -> String {
    let mut out = String::new();
    let mut push = |s: &str| {
        if s.is_empty() {
            return;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(s);
    };
    for b in &m.blocks {
        match b {
            Block::Text { text } => push(text),
            Block::Thinking { text, .. } => push(text),
            Block::Notice { text, .. } => push(text),
            Block::Attachment { .. } => {}
            Block::ToolCall { name, input, .. } => {
                push(name);
                let raw = match input {
                    serde_json::Value::String(s) => s.clone(),
                    v => v.to_string(),
                };
                push(capped(&raw));
                push(tail(&raw));
            }
            Block::ToolResult { output, .. } => {
                push(capped(output));
                push(tail(output));
            }
        }
    }
    segment(&out)
}

/// The tokens `unicode61` makes of a text (letters and digits runs; each CJK character alone),
/// lower-cased.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if is_cjk(c) {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            out.push(c.to_string());
        } else if c.is_alphanumeric() {
            cur.extend(c.to_lowercase());
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The FTS5 `MATCH` expression for query terms: each term becomes a quoted phrase of its
/// tokens (so `src/main.rs`, `snake_case` and CJK words match as a whole), a prefix term gets
/// `*`, and terms are joined with AND. Nothing the person types is FTS5 syntax. `None` when no
/// term has a token.
pub fn match_expr(terms: &[Term]) -> Option<String> {
    let mut parts = Vec::new();
    for t in terms {
        let toks = tokens(t.text());
        if toks.is_empty() {
            continue;
        }
        let phrase = format!("\"{}\"", toks.join(" ").replace('"', "\"\""));
        match t {
            Term::Prefix(_) => parts.push(format!("{phrase} *")),
            _ => parts.push(phrase),
        }
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(" AND "))
    }
}

/// A short piece of `text` around the first match of `terms`, with the byte ranges (within
/// the snippet) of every match, for highlighting. Matching is case-insensitive on the tokens.
pub fn snippet(text: &str, terms: &[Term], width: usize) -> (String, Vec<(usize, usize)>) {
    let flat = crate::sanitize::one_line(text);
    let lower = flat.to_lowercase();
    // the lower-cased text must index like the original: fall back to no highlights if not
    let same_len = lower.len() == flat.len();
    // what to highlight: the term as typed when it occurs literally (a CJK word, an
    // identifier), else its first token
    let needles: Vec<String> = terms
        .iter()
        .filter_map(|t| {
            let whole = t.text().to_lowercase();
            if !whole.trim().is_empty() && lower.contains(&whole) {
                return Some(whole);
            }
            tokens(t.text()).into_iter().next()
        })
        .filter(|n| !n.is_empty())
        .collect();
    let first = if same_len {
        needles.iter().filter_map(|n| lower.find(n.as_str())).min()
    } else {
        None
    };
    let start = first.map(|i| i.saturating_sub(width / 3)).unwrap_or(0);
    let mut start = start;
    while start > 0 && !flat.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + width).min(flat.len());
    while end < flat.len() && !flat.is_char_boundary(end) {
        end += 1;
    }
    let mut out = String::new();
    let prefix = if start > 0 { "…" } else { "" };
    out.push_str(prefix);
    out.push_str(&flat[start..end]);
    if end < flat.len() {
        out.push('…');
    }
    let mut ranges = Vec::new();
    if same_len {
        let window = &lower[start..end];
        for n in &needles {
            let mut from = 0;
            while let Some(i) = window[from..].find(n.as_str()) {
                let a = from + i + prefix.len();
                ranges.push((a, a + n.len()));
                from += i + n.len().max(1);
            }
        }
    }
    ranges.sort_unstable();
    ranges.dedup();
    (out, ranges)
}

/// The plain text of a message, as searched (without the CJK spacing of the index).
pub fn plain(m: &Message) -> String {
    let mut out = String::new();
    for b in &m.blocks {
        let piece: std::borrow::Cow<str> = match b {
            Block::Text { text } | Block::Thinking { text, .. } | Block::Notice { text, .. } => {
                text.into()
            }
            Block::ToolCall { name, input, .. } => match input {
                serde_json::Value::String(s) => format!("{name} {s}").into(),
                v => format!("{name} {v}").into(),
            },
            Block::ToolResult { output, .. } => output.into(),
            Block::Attachment { .. } => "".into(),
        };
        if !piece.is_empty() {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&piece);
        }
    }
    out
}

/// A session that matches a full-text query.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionHits {
    pub key: String,
    /// The best hit's score (higher is better).
    pub score: f64,
    /// Positions (in the transcript's message order) of every matching message, ascending.
    pub messages: Vec<usize>,
    /// Position of the best-scoring message.
    pub best: usize,
    pub snippet: String,
    /// Byte ranges of the matches in `snippet`.
    pub ranges: Vec<(usize, usize)>,
}

/// One matching message (what `revisit search` prints).
#[derive(Debug, Clone, PartialEq)]
pub struct MessageHit {
    pub session: crate::model::Session,
    pub message_index: usize,
    pub score: f64,
    pub snippet: String,
}

/// Raw hits examined per query: enough for the sessions shown, bounded so that a word found
/// everywhere stays fast.
const RAW_LIMIT: usize = 4000;
/// Pages of raw hits looked at, at most, when filters reject most of them.
const MAX_PAGES: usize = 10;
pub const SNIPPET_WIDTH: usize = 160;

fn agent_filter(q: &crate::search::query::Query) -> Option<crate::model::Agent> {
    let agents: Vec<_> = q
        .filters
        .iter()
        .filter_map(|f| match f {
            crate::search::query::Filter::Agent(a) => Some(*a),
            _ => None,
        })
        .collect();
    (agents.len() == 1).then(|| agents[0])
}

/// Offsets of each part of a session in its transcript order.
fn part_offsets(
    r: &crate::index::query::Reader,
    key: &str,
) -> Result<std::collections::HashMap<i64, usize>, crate::index::IndexError> {
    let mut out = std::collections::HashMap::new();
    let mut at = 0usize;
    for (part, n) in r.parts(key)? {
        out.insert(part, at);
        at += n.max(0) as usize;
    }
    Ok(out)
}

/// Sessions matching the query's words (through FTS5) and filters, best first.
///
/// `decorate` fills in what the index does not hold before filters are checked (revisit's own
/// names, tags and archive, the agents' retention dates): `tag:`, `is:archived` and
/// `is:expiring` need it.
pub fn search_sessions(
    r: &crate::index::query::Reader,
    q: &crate::search::query::Query,
    now: chrono::DateTime<chrono::Utc>,
    max_sessions: usize,
    decorate: &dyn Fn(crate::model::Session) -> crate::model::Session,
) -> Result<Vec<SessionHits>, crate::index::IndexError> {
    let Some(expr) = match_expr(&q.terms) else {
        return Ok(Vec::new());
    };
    // pages of hits until enough sessions pass the filters (a filter can reject most of the
    // newest hits of a common word)
    let mut order: Vec<String> = Vec::new();
    let mut by_key: std::collections::HashMap<String, Vec<crate::index::query::RawHit>> =
        Default::default();
    let mut accepted: std::collections::HashMap<String, crate::model::Session> = Default::default();
    let mut rejected: std::collections::HashSet<String> = Default::default();
    let mut ranked = true;
    for page in 0..MAX_PAGES {
        let got = r.fts_hits(&expr, agent_filter(q), RAW_LIMIT, page * RAW_LIMIT)?;
        ranked = got.ranked;
        let n = got.hits.len();
        for h in got.hits {
            if rejected.contains(&h.key) {
                continue;
            }
            if !accepted.contains_key(&h.key) {
                if order.len() >= max_sessions {
                    continue; // enough sessions: only their further hits matter now
                }
                match r.session(&h.key)?.map(decorate) {
                    Some(s) if q.matches_filters(&s, now) => {
                        accepted.insert(h.key.clone(), s);
                        order.push(h.key.clone());
                    }
                    _ => {
                        rejected.insert(h.key.clone());
                        continue;
                    }
                }
            }
            by_key.entry(h.key.clone()).or_default().push(h);
        }
        if n < RAW_LIMIT || order.len() >= max_sessions {
            break;
        }
    }
    let mut out = Vec::new();
    for key in order {
        if out.len() >= max_sessions {
            break;
        }
        let Some(session) = accepted.remove(&key) else {
            continue;
        };
        let hits = &by_key[&key];
        let offsets = part_offsets(r, &key)?;
        let pos =
            |h: &crate::index::query::RawHit| offsets.get(&h.part).map(|o| o + h.seq as usize);
        let mut messages: Vec<usize> = hits.iter().filter_map(pos).collect();
        messages.sort_unstable();
        messages.dedup();
        let best = &hits[0];
        let (snippet, ranges) = match r.message_at(best.part, best.seq)? {
            Some(m) => snippet(&plain(&m), &q.terms, SNIPPET_WIDTH),
            None => (String::new(), Vec::new()),
        };
        out.push(SessionHits {
            // unranked (a word found nearly everywhere): newer sessions first
            score: if ranked {
                best.score
            } else {
                session
                    .updated_at
                    .map(|t| t.timestamp() as f64)
                    .unwrap_or(0.0)
            },
            key,
            best: pos(best).unwrap_or(0),
            messages,
            snippet,
            ranges,
        });
    }
    if !ranked {
        out.sort_by(|a, b| b.score.total_cmp(&a.score));
    }
    Ok(out)
}

/// Matching messages, best first (for `revisit search`); `decorate` as for
/// [`search_sessions`].
pub fn search_messages(
    r: &crate::index::query::Reader,
    q: &crate::search::query::Query,
    now: chrono::DateTime<chrono::Utc>,
    limit: usize,
    decorate: &dyn Fn(crate::model::Session) -> crate::model::Session,
) -> Result<Vec<MessageHit>, crate::index::IndexError> {
    let Some(expr) = match_expr(&q.terms) else {
        return Ok(Vec::new());
    };
    let mut raw = Vec::new();
    for page in 0..MAX_PAGES {
        let got = r.fts_hits(&expr, agent_filter(q), RAW_LIMIT, page * RAW_LIMIT)?;
        let n = got.hits.len();
        raw.extend(got.hits);
        if n < RAW_LIMIT || raw.len() >= limit.saturating_mul(4) {
            break;
        }
    }
    let mut sessions: std::collections::HashMap<String, Option<crate::model::Session>> =
        Default::default();
    let mut offsets: std::collections::HashMap<String, std::collections::HashMap<i64, usize>> =
        Default::default();
    let mut out = Vec::new();
    for h in raw {
        if out.len() >= limit {
            break;
        }
        if !sessions.contains_key(&h.key) {
            let s = r
                .session(&h.key)?
                .map(decorate)
                .filter(|s| q.matches_filters(s, now));
            sessions.insert(h.key.clone(), s);
        }
        let Some(session) = sessions[&h.key].clone() else {
            continue;
        };
        if !offsets.contains_key(&h.key) {
            offsets.insert(h.key.clone(), part_offsets(r, &h.key)?);
        }
        let Some(base) = offsets[&h.key].get(&h.part) else {
            continue;
        };
        let text = r
            .message_at(h.part, h.seq)?
            .map(|m| plain(&m))
            .unwrap_or_default();
        out.push(MessageHit {
            session,
            message_index: base + h.seq as usize,
            score: h.score,
            snippet: snippet(&text, &q.terms, SNIPPET_WIDTH).0,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    #[test]
    fn segments_cjk() {
        assert_eq!(segment("ab 你好c"), "ab  你  好 c");
        assert_eq!(segment("plain"), "plain");
    }

    #[test]
    fn caps_tool_output_not_prompts() {
        let big = "x".repeat(100_000);
        let mut m = Message::new(Role::Tool);
        m.blocks.push(Block::ToolResult {
            call_id: "1".into(),
            output: big.clone(),
            is_error: false,
        });
        assert!(message_text(&m).len() <= TOOL_OUTPUT_CAP + 2);
        let mut p = Message::new(Role::User);
        p.blocks.push(Block::text(big.clone()));
        assert_eq!(message_text(&p).len(), big.len());
    }

    #[test]
    fn match_expressions() {
        let t = |s: &str| Term::Word(s.to_string());
        assert_eq!(
            match_expr(&[t("Auth"), t("bug")]).unwrap(),
            r#""auth" AND "bug""#
        );
        assert_eq!(match_expr(&[t("src/main.rs")]).unwrap(), r#""src main rs""#);
        assert_eq!(match_expr(&[t("ERR_CONN-42")]).unwrap(), r#""err conn 42""#);
        assert_eq!(match_expr(&[t("你好世界")]).unwrap(), r#""你 好 世 界""#);
        assert_eq!(
            match_expr(&[Term::Prefix("pars".into())]).unwrap(),
            r#""pars" *"#
        );
        assert_eq!(
            match_expr(&[Term::Phrase("exact words".into())]).unwrap(),
            r#""exact words""#
        );
        // FTS5 syntax typed by a person is just text
        assert_eq!(match_expr(&[t("NEAR(a")]).unwrap(), r#""near a""#);
        assert_eq!(match_expr(&[t("\"")]), None);
        assert_eq!(match_expr(&[]), None);
    }

    #[test]
    fn snippets_center_on_the_match() {
        let text = format!(
            "{} the auth bug is here {}",
            "x ".repeat(100),
            "y ".repeat(100)
        );
        let (s, ranges) = snippet(&text, &[Term::Word("auth".into())], 60);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert_eq!(ranges.len(), 1);
        let (a, b) = ranges[0];
        assert_eq!(&s[a..b], "auth");
        let (s, r) = snippet("short 你好 text", &[Term::Word("你好".into())], 60);
        assert_eq!(&s[r[0].0..r[0].1], "你好");
        let (s, r) = snippet(
            "see src/main.rs line 3",
            &[Term::Word("src/main.rs".into())],
            60,
        );
        assert_eq!(&s[r[0].0..r[0].1], "src/main.rs");
    }

    #[test]
    fn cap_respects_char_boundaries() {
        let s = "é".repeat(20_000);
        let _ = capped(&s);
        let _ = tail(&s);
    }
}
