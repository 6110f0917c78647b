//! Full-text search: a typed query is parsed, turned into an FTS5 `MATCH` expression and run
//! against a real index (the fixtures', built once), with and without an agent filter. FTS5
//! must accept every expression (no syntax error reaches the person); snippets' highlight
//! ranges must fall on character boundaries inside the snippet.

use super::with_fixture_index;
use chrono::{FixedOffset, TimeZone, Utc};
use revisit::model::{Agent, Block, Message, Role};
use revisit::search::fts::{match_expr, message_text, search_messages, search_sessions, snippet};
use revisit::search::query::parse;

pub fn run(data: &[u8]) {
    with_fixture_index(|reader| run_on(reader, data))
}

fn run_on(reader: &revisit::index::query::Reader, data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    let q = parse(&text, now, FixedOffset::east_opt(0).unwrap());
    if let Some(expr) = match_expr(&q.terms) {
        for agent in [None, Some(Agent::Claude), Some(Agent::Codex)] {
            if let Err(e) = reader.fts_hits(&expr, agent, 50, 0) {
                panic!("FTS5 refused {expr:?} (from {text:?}, agent {agent:?}): {e}");
            }
        }
    }
    let hits = search_sessions(reader, &q, now, 20, &|s| s)
        .unwrap_or_else(|e| panic!("search_sessions({text:?}): {e}"));
    for h in &hits {
        for &(a, b) in &h.ranges {
            assert!(
                a <= b && b <= h.snippet.len(),
                "range {a}..{b} in {:?}",
                h.snippet
            );
        }
    }
    search_messages(reader, &q, now, 20, &|s| s)
        .unwrap_or_else(|e| panic!("search_messages({text:?}): {e}"));
    // the input as a message's text: its snippet and what the index would store
    let width = data.first().map_or(0, |b| *b as usize);
    let (snip, ranges) = snippet(&text, &q.terms, width);
    for (a, b) in ranges {
        assert!(
            a <= b && b <= snip.len() && snip.is_char_boundary(a) && snip.is_char_boundary(b),
            "range {a}..{b} in {snip:?}"
        );
    }
    let mut m = Message::new(Role::Tool);
    m.blocks.push(Block::ToolResult {
        call_id: "c".into(),
        output: text.repeat(1 + 20_000 / (text.len() + 1)),
        is_error: false,
    });
    m.blocks.push(Block::text(text.as_ref()));
    let _ = message_text(&m);
}
