//! The query language of the list filter: the input is a query, then (after a newline) the
//! title of one more session. Filters are applied to every session of the fixtures' index,
//! the list is built (sorted, grouped), and a query that grew from its first half must, when
//! `narrows` says so, give the same sessions from the earlier result as from the whole list.

use super::with_fixture_index;
use chrono::{FixedOffset, TimeZone, Utc};
use revisit::index::query::ListQuery;
use revisit::model::Session;
use revisit::search::list::{
    Haystacks, ListRequest, Row, SortKey, build_rows, narrows, title_positions,
};
use revisit::search::matcher::Matcher;
use revisit::search::query::{Query, parse};
use std::collections::BTreeSet;
use std::sync::OnceLock;

fn fixture_sessions() -> &'static Vec<Session> {
    static S: OnceLock<Vec<Session>> = OnceLock::new();
    S.get_or_init(|| with_fixture_index(|r| r.list(&ListQuery::default()).expect("list")))
}

fn rows(sessions: &[Session], hay: &Haystacks, q: &Query, cands: Option<&[usize]>) -> Vec<Row> {
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    let req = ListRequest {
        sessions,
        hay,
        query: q,
        sort: SortKey::Relevance,
        group: false,
        now,
        candidates: cands,
    };
    build_rows(&req, &Matcher::default(), 1)
}

fn ids(rows: &[Row]) -> BTreeSet<usize> {
    rows.iter().filter_map(Row::session).collect()
}

pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (query, title) = text.split_once('\n').unwrap_or((&text, ""));
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    let tz = FixedOffset::east_opt((data.len() % 49) as i32 * 1800 - 12 * 3600).unwrap();
    let q = parse(query, now, tz);
    assert_eq!(q.error().is_some(), !q.errors.is_empty());
    let _ = q.text();

    let mut sessions = fixture_sessions().clone();
    let mut extra = sessions[0].clone();
    extra.title = title.to_string();
    extra.first_prompt = Some(title.to_string());
    extra.id = title.split_whitespace().next().unwrap_or("").to_string();
    extra.key = format!("claude:{}", extra.id);
    sessions.push(extra);
    let hay = Haystacks::build(&sessions);
    let m = Matcher::default();

    for sort in [SortKey::Relevance, SortKey::Cost, SortKey::Oldest] {
        for group in [false, true] {
            let req = ListRequest {
                sessions: &sessions,
                hay: &hay,
                query: &q,
                sort,
                group,
                now,
                candidates: None,
            };
            let r = build_rows(&req, &m, 1);
            let listed: Vec<usize> = r.iter().filter_map(Row::session).collect();
            assert!(listed.iter().all(|&i| i < sessions.len()));
            assert_eq!(ids(&r).len(), listed.len(), "a session is listed once");
        }
    }
    for h in &hay.items {
        let n = h.title().chars().count();
        for p in title_positions(h, &q, &m) {
            assert!(
                p < n,
                "highlight {p} in a title of {n} characters: {:?}",
                h.title()
            );
        }
    }

    // typing: the query grew from its first half
    let mut cut = query.len() / 2;
    while !query.is_char_boundary(cut) {
        cut -= 1;
    }
    let prev = parse(&query[..cut], now, tz);
    if narrows(&prev, &q) {
        let before: Vec<usize> = rows(&sessions, &hay, &prev, None)
            .iter()
            .filter_map(Row::session)
            .collect();
        let narrowed = ids(&rows(&sessions, &hay, &q, Some(&before)));
        let full = ids(&rows(&sessions, &hay, &q, None));
        assert_eq!(
            narrowed,
            full,
            "narrowing {:?} to {query:?} keeps the sessions a full scan finds",
            &query[..cut]
        );
    }
}
