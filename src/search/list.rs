//! The session list as shown: filtered by the query's filter tokens, fuzzy-ranked by its words,
//! sorted, and optionally grouped by project. Pure functions; the TUI runs them on a worker
//! thread and tests call them directly.

use super::matcher::{Matcher, subsequence};
use super::query::{Query, Term};
use crate::model::Session;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Best matches first (most recent first when there is nothing to match).
    #[default]
    Relevance,
    Recent,
    Cost,
    Tokens,
    Messages,
    Oldest,
}

impl SortKey {
    pub fn next(self) -> SortKey {
        match self {
            SortKey::Relevance => SortKey::Recent,
            SortKey::Recent => SortKey::Cost,
            SortKey::Cost => SortKey::Tokens,
            SortKey::Tokens => SortKey::Messages,
            SortKey::Messages => SortKey::Oldest,
            SortKey::Oldest => SortKey::Relevance,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Relevance => "best match",
            SortKey::Recent => "most recent",
            SortKey::Cost => "most expensive",
            SortKey::Tokens => "most tokens",
            SortKey::Messages => "most messages",
            SortKey::Oldest => "oldest",
        }
    }
}

/// The text of one session that words are matched against: the title as shown (the name the
/// person gave it, else the agent's title); the rest (the agent's title when the session has
/// a name, tags as `#review`, project, branch, agent, models, cwd and the start of the first
/// prompt); each lower-cased; and the session id lower-cased (matched by prefix: fuzzy
/// matching a UUID finds everything).
///
/// One allocation holds them all, and a lower-cased text equal to its original is not held
/// twice: at 100,000 sessions five strings each took 46 MB.
#[derive(Debug, Clone, Default)]
pub struct Hay {
    buf: Box<str>,
    /// Where title, title lower-cased, rest, rest lower-cased and id lower-cased end in `buf`.
    /// A lower-cased part left empty is its original (the lower case of a text is empty only
    /// when the text is).
    ends: [u32; 5],
}

/// The most of a title, of the rest or of an id a haystack holds (lower-casing can triple a
/// part's length, so five parts stay far below 4 GiB).
const MAX_PART: usize = 1 << 20;

impl Hay {
    pub fn new(title: &str, rest: &str, id: &str) -> Hay {
        // a haystack needs no more than this of any part (and its offsets then fit in u32)
        fn cut(s: &str) -> &str {
            &s[..s.floor_char_boundary(MAX_PART)]
        }
        let (title, rest, id) = (cut(title), cut(rest), cut(id));
        let (tl, rl, il) = (title.to_lowercase(), rest.to_lowercase(), id.to_lowercase());
        let parts = [
            title,
            if tl == title { "" } else { &tl },
            rest,
            if rl == rest { "" } else { &rl },
            &il,
        ];
        let mut buf = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        let mut ends = [0u32; 5];
        for (k, p) in parts.into_iter().enumerate() {
            buf.push_str(p);
            ends[k] = buf.len() as u32;
        }
        Hay {
            buf: buf.into_boxed_str(),
            ends,
        }
    }

    fn part(&self, k: usize) -> &str {
        let start = if k == 0 { 0 } else { self.ends[k - 1] as usize };
        &self.buf[start..self.ends[k] as usize]
    }

    pub fn title(&self) -> &str {
        self.part(0)
    }

    fn title_lower(&self) -> &str {
        Some(self.part(1))
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| self.part(0))
    }

    fn rest(&self) -> &str {
        self.part(2)
    }

    fn rest_lower(&self) -> &str {
        Some(self.part(3))
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| self.part(2))
    }

    fn id_lower(&self) -> &str {
        self.part(4)
    }
}

/// Haystacks of a whole list, built once per list.
#[derive(Debug, Clone, Default)]
pub struct Haystacks {
    pub items: Vec<Hay>,
}

impl Haystacks {
    pub fn build(sessions: &[Session]) -> Haystacks {
        Haystacks {
            items: sessions.iter().map(Haystacks::one).collect(),
        }
    }

    /// The haystack of one session.
    pub fn one(s: &Session) -> Hay {
        let title = crate::sanitize::one_line(shown_title(s));
        let mut rest = String::new();
        let mut add = |x: &str| {
            if !x.is_empty() {
                if !rest.is_empty() {
                    rest.push_str(" · ");
                }
                rest.push_str(x);
            }
        };
        if s.extra.name.is_some() {
            add(&crate::sanitize::one_line(&s.title));
        }
        for t in &s.extra.tags {
            add(&format!("#{t}"));
        }
        add(s.project.as_deref().unwrap_or(""));
        add(s.git_branch.as_deref().unwrap_or(""));
        add(s.agent.as_str());
        for m in &s.models {
            add(m);
        }
        add(s.cwd.as_deref().unwrap_or(""));
        if let Some(p) = &s.first_prompt
            && p != &s.title
        {
            add(&crate::sanitize::truncate_chars(p, 100));
        }
        Hay::new(&title, &rest, &s.id)
    }

    /// Bring the haystacks of a list up to date with it after the sessions at `at` were
    /// replaced or added (added ones at the end). False: they could not be (the list is not
    /// this one with those changes), and should be built again.
    pub fn patch(&mut self, sessions: &[Session], at: &[usize]) -> bool {
        let mut at = at.to_vec();
        at.sort_unstable();
        at.dedup();
        for i in at {
            let Some(s) = sessions.get(i) else {
                return false;
            };
            match i.cmp(&self.items.len()) {
                std::cmp::Ordering::Less => self.items[i] = Haystacks::one(s),
                std::cmp::Ordering::Equal => self.items.push(Haystacks::one(s)),
                std::cmp::Ordering::Greater => return false,
            }
        }
        self.items.len() == sessions.len()
    }
}

/// The title a session is listed under: the name the person gave it, else the agent's title.
pub fn shown_title(s: &Session) -> &str {
    s.extra
        .name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(&s.title)
}

/// A word of at least this many bytes (lower-cased) also matches a session whose id starts with
/// it.
const ID_PREFIX: usize = 4;

/// Score one haystack against the words: every word must match; `None` otherwise. A match in
/// the title counts double, and a title that contains the word as typed ranks highest.
pub fn score(hay: &Hay, terms: &[(String, String)], m: &Matcher) -> Option<i64> {
    let mut total = 0i64;
    for (term, lower) in terms {
        // an id prefix (4+ characters) is an exact hit
        if lower.len() >= ID_PREFIX && hay.id_lower().starts_with(lower.as_str()) {
            total += 1_000;
            continue;
        }
        let in_title = subsequence(hay.title_lower(), lower);
        if !in_title && !subsequence(hay.rest_lower(), lower) {
            return None;
        }
        let in_title = in_title
            .then(|| m.score(hay.title(), term))
            .flatten()
            .map(|s| {
                let mut s = s * 2;
                if let Some(pos) = hay.title_lower().find(lower.as_str()) {
                    s += 200;
                    let at_word = pos == 0
                        || !hay.title_lower()[..pos]
                            .chars()
                            .next_back()
                            .is_some_and(char::is_alphanumeric);
                    if at_word {
                        s += 100;
                    }
                }
                s
            });
        // the longer field is scored only when the title does not match
        let best = match in_title {
            Some(t) => Some(t),
            None => m.score(hay.rest(), term),
        };
        total += best?;
    }
    Some(total)
}

/// The title's matched character positions (for highlighting).
pub fn title_positions(hay: &Hay, query: &Query, m: &Matcher) -> Vec<usize> {
    let mut out = Vec::new();
    for t in &query.terms {
        if let Some((_, idx)) = m.indices(hay.title(), t.text()) {
            out.extend(idx);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    pub name: String,
    pub sessions: u64,
    pub messages: u64,
    pub tokens: u64,
    pub cost: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    Group(GroupRow),
    /// A session (index into the list's sessions) with its match score.
    Session {
        idx: usize,
        score: i64,
    },
}

impl Row {
    pub fn session(&self) -> Option<usize> {
        match self {
            Row::Session { idx, .. } => Some(*idx),
            Row::Group(_) => None,
        }
    }
}

pub struct ListRequest<'a> {
    pub sessions: &'a [Session],
    pub hay: &'a Haystacks,
    pub query: &'a Query,
    pub sort: SortKey,
    pub group: bool,
    pub now: DateTime<Utc>,
    /// Only these sessions can match (the previous result, when the query only grew).
    pub candidates: Option<&'a [usize]>,
}

/// The words of a query, with their lower-case forms for the quick test.
fn term_pairs(q: &Query) -> Vec<(String, String)> {
    q.terms
        .iter()
        .map(|t| {
            let s = match t {
                Term::Word(w) | Term::Prefix(w) | Term::Phrase(w) => w.clone(),
            };
            let lower = s.to_lowercase();
            (s, lower)
        })
        .filter(|(s, _)| !s.trim().is_empty())
        .collect()
}

/// Sessions that the fuzzy matcher re-scores after the quick ranking (the rows people see).
pub const REFINE: usize = 256;

/// The quick score of one haystack (see `matcher::quick_score`): every word must be there.
fn quick(hay: &Hay, terms: &[(String, String)]) -> Option<i64> {
    let mut total = 0;
    for (_, lower) in terms {
        if lower.len() >= ID_PREFIX && hay.id_lower().starts_with(lower.as_str()) {
            total += 5_000;
            continue;
        }
        let t = super::matcher::quick_score(hay.title_lower(), lower).map(|s| s * 2);
        let r = if t.is_none() {
            super::matcher::quick_score(hay.rest_lower(), lower)
        } else {
            None
        };
        total += t.or(r)?;
    }
    Some(total)
}

/// Filter and score, on up to `threads` threads: a quick score for every candidate, then the
/// fuzzy matcher's score for the best [`REFINE`] (which decides their order).
fn matching(req: &ListRequest, m: &Matcher, threads: usize) -> Vec<(usize, i64)> {
    let mut hits = quick_matching(req, threads);
    let terms = term_pairs(req.query);
    if terms.is_empty() || hits.len() <= 1 {
        return hits;
    }
    hits.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let top = hits.len().min(REFINE);
    let offset = 1_000_000i64;
    for h in hits.iter_mut().take(top) {
        if let Some(hay) = req.hay.items.get(h.0) {
            // refined scores rank above every quick-only score
            h.1 = offset + score(hay, &terms, m).unwrap_or(0);
        }
    }
    hits
}

/// Filters and quick scores, on up to `threads` threads.
fn quick_matching(req: &ListRequest, threads: usize) -> Vec<(usize, i64)> {
    let terms = term_pairs(req.query);
    let all: Vec<usize>;
    let pool: &[usize] = match req.candidates {
        Some(c) => c,
        None => {
            all = (0..req.sessions.len()).collect();
            &all
        }
    };
    let one = |chunk: &[usize]| -> Vec<(usize, i64)> {
        chunk
            .iter()
            .filter_map(|&i| {
                let s = req.sessions.get(i)?;
                if !req.query.matches_filters(s, req.now) {
                    return None;
                }
                if terms.is_empty() {
                    return Some((i, 0));
                }
                let hay = req.hay.items.get(i)?;
                quick(hay, &terms).map(|sc| (i, sc))
            })
            .collect()
    };
    if threads <= 1 || pool.len() < 4000 || terms.is_empty() {
        return one(pool);
    }
    let size = pool.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = pool
            .chunks(size)
            .map(|chunk| scope.spawn(move || one(chunk)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// Can the result of `prev` be narrowed to get the result of `next`? (Same filters, and every
/// word of `prev` is a prefix of the word at the same place in `next`, lower-cased as they are
/// matched, and not one too short for an id prefix when the longer one is not: `019` excludes
/// sessions that `0199` finds by id.)
pub fn narrows(prev: &Query, next: &Query) -> bool {
    prev.filters == next.filters
        && prev.errors.is_empty()
        && prev.terms.len() <= next.terms.len()
        && prev.terms.iter().zip(&next.terms).all(|(a, b)| {
            let (a, b) = (a.text().to_lowercase(), b.text().to_lowercase());
            b.starts_with(&a) && (a.len() >= ID_PREFIX || b.len() < ID_PREFIX)
        })
}

/// The rows of the list.
pub fn build_rows(req: &ListRequest, m: &Matcher, threads: usize) -> Vec<Row> {
    let mut hits = matching(req, m, threads);
    let s = req.sessions;
    let recent = |i: usize| s[i].updated_at.or(s[i].started_at);
    let has_terms = !term_pairs(req.query).is_empty();
    match req.sort {
        SortKey::Relevance if has_terms => {
            hits.sort_by(|a, b| b.1.cmp(&a.1).then(recent(b.0).cmp(&recent(a.0))))
        }
        SortKey::Relevance | SortKey::Recent => {
            hits.sort_by(|a, b| recent(b.0).cmp(&recent(a.0)).then(a.0.cmp(&b.0)))
        }
        SortKey::Cost => hits.sort_by(|a, b| {
            let ca = s[a.0].cost_usd.unwrap_or(-1.0);
            let cb = s[b.0].cost_usd.unwrap_or(-1.0);
            cb.total_cmp(&ca).then(recent(b.0).cmp(&recent(a.0)))
        }),
        SortKey::Tokens => hits.sort_by(|a, b| {
            let t = |i: usize| {
                if s[i].tokens_known {
                    s[i].tokens.total() as i128
                } else {
                    -1
                }
            };
            t(b.0).cmp(&t(a.0)).then(recent(b.0).cmp(&recent(a.0)))
        }),
        SortKey::Messages => hits.sort_by(|a, b| {
            s[b.0]
                .messages
                .cmp(&s[a.0].messages)
                .then(recent(b.0).cmp(&recent(a.0)))
        }),
        SortKey::Oldest => hits.sort_by(|a, b| {
            let o = |i: usize| s[i].started_at.or(s[i].updated_at);
            o(a.0).cmp(&o(b.0)).then(a.0.cmp(&b.0))
        }),
    }
    if !req.group {
        return hits
            .into_iter()
            .map(|(idx, score)| Row::Session { idx, score })
            .collect();
    }
    group_rows(s, hits)
}

/// Group sorted hits by project, groups in the order of their first (best) session.
pub fn group_rows(s: &[Session], hits: Vec<(usize, i64)>) -> Vec<Row> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: std::collections::HashMap<String, Vec<(usize, i64)>> = Default::default();
    for (idx, score) in hits {
        let name = s[idx]
            .project
            .clone()
            .unwrap_or_else(|| "(no project)".to_string());
        if !groups.contains_key(&name) {
            order.push(name.clone());
        }
        groups.entry(name).or_default().push((idx, score));
    }
    let mut rows = Vec::new();
    for name in order {
        let members = groups.remove(&name).unwrap_or_default();
        let mut g = GroupRow {
            name,
            sessions: members.len() as u64,
            messages: 0,
            tokens: 0,
            cost: None,
        };
        for (i, _) in &members {
            g.messages += s[*i].messages;
            if s[*i].tokens_known {
                g.tokens += s[*i].tokens.total();
            }
            if let Some(c) = s[*i].cost_usd {
                g.cost = Some(g.cost.unwrap_or(0.0) + c);
            }
        }
        rows.push(Row::Group(g));
        rows.extend(
            members
                .into_iter()
                .map(|(idx, score)| Row::Session { idx, score }),
        );
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Agent, test_session};
    use crate::search::query::parse;
    use chrono::{Duration, FixedOffset, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
    }

    fn sessions() -> Vec<Session> {
        let mk =
            |i: usize, title: &str, project: &str, agent: Agent, mins: i64, cost: Option<f64>| {
                let mut s = test_session(i);
                s.title = title.into();
                s.project = Some(project.into());
                s.agent = agent;
                s.updated_at = Some(now() - Duration::minutes(mins));
                s.started_at = s.updated_at;
                s.cost_usd = cost;
                s.messages = i as u64 + 1;
                s.tokens.input = (10 - i as u64) * 100;
                s
            };
        vec![
            mk(
                0,
                "Refactor the payment module",
                "shop",
                Agent::Claude,
                5,
                Some(0.5),
            ),
            mk(
                1,
                "Fix the auth bug in login",
                "api",
                Agent::Codex,
                50,
                Some(2.0),
            ),
            mk(2, "Add dark mode", "web", Agent::Claude, 500, None),
            mk(
                3,
                "a user tried to hack the bug tracker",
                "api",
                Agent::Pi,
                5000,
                Some(0.1),
            ),
        ]
    }

    fn rows(q: &str, sort: SortKey, group: bool) -> Vec<Row> {
        let s = sessions();
        let hay = Haystacks::build(&s);
        let q = parse(q, now(), FixedOffset::east_opt(0).unwrap());
        build_rows(
            &ListRequest {
                sessions: &s,
                hay: &hay,
                query: &q,
                sort,
                group,
                now: now(),
                candidates: None,
            },
            &Matcher::default(),
            2,
        )
    }

    fn ids(rows: &[Row]) -> Vec<usize> {
        rows.iter().filter_map(Row::session).collect()
    }

    /// Each part reads back as it was given, lower-cased parts equal to their original are not
    /// held twice, and matching sees the same texts either way.
    #[test]
    fn a_haystack_holds_its_parts_once() {
        let h = Hay::new(
            "Fix the Parser",
            "~/src/app · main · claude",
            "0193F553-8f88",
        );
        assert_eq!(h.title(), "Fix the Parser");
        assert_eq!(h.title_lower(), "fix the parser");
        assert_eq!(h.rest(), "~/src/app · main · claude");
        assert_eq!(h.rest_lower(), h.rest());
        assert_eq!(h.id_lower(), "0193f553-8f88");
        // the rest is lower-case already: not stored again
        assert_eq!(
            h.buf.len(),
            "Fix the Parser".len() * 2 + h.rest().len() + "0193f553-8f88".len()
        );
        let empty = Hay::new("", "", "");
        assert_eq!(
            (empty.title(), empty.title_lower(), empty.rest_lower()),
            ("", "", "")
        );
        // Ω lower-cases to ω (another length in bytes than some capitals: İ → i̇)
        let h = Hay::new("İstanbul ΩMEGA", "", "X");
        assert_eq!(h.title_lower(), "i̇stanbul ωmega");
        assert_eq!(h.title(), "İstanbul ΩMEGA");
        assert_eq!(h.id_lower(), "x");
    }

    #[test]
    fn empty_query_lists_everything_most_recent_first() {
        assert_eq!(ids(&rows("", SortKey::Relevance, false)), vec![0, 1, 2, 3]);
    }

    #[test]
    fn an_exact_title_hit_outranks_a_scattered_one() {
        // "auth bug" is in 1's title as typed; 3 only has the letters scattered about
        let r = rows("auth bug", SortKey::Relevance, false);
        assert_eq!(ids(&r)[0], 1, "{r:?}");
        assert!(ids(&r).contains(&3), "the scattered match is still listed");
    }

    #[test]
    fn words_and_filters_combine() {
        assert_eq!(
            ids(&rows("agent:claude", SortKey::Relevance, false)),
            vec![0, 2]
        );
        assert_eq!(
            ids(&rows("bug project:api", SortKey::Relevance, false)).len(),
            2
        );
        assert_eq!(
            ids(&rows("dark agent:codex", SortKey::Relevance, false)),
            Vec::<usize>::new()
        );
        assert_eq!(ids(&rows("cost>1", SortKey::Relevance, false)), vec![1]);
        // words match project, agent and other fields too
        assert_eq!(ids(&rows("web", SortKey::Relevance, false)), vec![2]);
    }

    #[test]
    fn sorts() {
        assert_eq!(
            ids(&rows("", SortKey::Cost, false)),
            vec![1, 0, 3, 2],
            "unpriced last"
        );
        assert_eq!(ids(&rows("", SortKey::Tokens, false)), vec![0, 1, 2, 3]);
        assert_eq!(ids(&rows("", SortKey::Messages, false)), vec![3, 2, 1, 0]);
        assert_eq!(ids(&rows("", SortKey::Oldest, false)), vec![3, 2, 1, 0]);
        let mut k = SortKey::Relevance;
        for _ in 0..6 {
            k = k.next();
        }
        assert_eq!(k, SortKey::Relevance, "the cycle comes back");
    }

    #[test]
    fn groups_with_totals() {
        let r = rows("", SortKey::Recent, true);
        let names: Vec<String> = r
            .iter()
            .filter_map(|r| match r {
                Row::Group(g) => Some(format!("{}:{}", g.name, g.sessions)),
                _ => None,
            })
            .collect();
        assert_eq!(names, vec!["shop:1", "api:2", "web:1"]);
        let Row::Group(api) = &r[2] else {
            panic!("{r:?}")
        };
        assert_eq!(api.messages, 2 + 4);
        assert_eq!(api.cost, Some(2.1));
        assert_eq!(ids(&r), vec![0, 1, 3, 2]);
    }

    #[test]
    fn narrowing_gives_the_same_result() {
        let s = sessions();
        let hay = Haystacks::build(&s);
        let tz = FixedOffset::east_opt(0).unwrap();
        let q1 = parse("b", now(), tz);
        let q2 = parse("bug", now(), tz);
        assert!(narrows(&q1, &q2));
        assert!(!narrows(&q2, &parse("bug agent:pi", now(), tz)));
        let m = Matcher::default();
        let req = |q, c| ListRequest {
            sessions: &s,
            hay: &hay,
            query: q,
            sort: SortKey::Relevance,
            group: false,
            now: now(),
            candidates: c,
        };
        let first: Vec<usize> = ids(&build_rows(&req(&q1, None), &m, 1));
        let narrowed = build_rows(&req(&q2, Some(&first)), &m, 1);
        let full = build_rows(&req(&q2, None), &m, 1);
        assert_eq!(narrowed, full);
    }

    #[test]
    fn narrowing_keeps_what_a_longer_word_finds() {
        // found by fuzzing (fuzz target `query`): a word too short for an id prefix (`019`)
        // dropped the session its longer form (`0199`) finds by id; and lower-casing does not
        // keep prefixes (`ΑΣ` → `ας`, `ΑΣΑ` → `ασα`)
        let mut s = sessions();
        for (id, title) in [
            ("0199aaaa-bbbb", "Add dark mode"),
            ("cccccccc-0000-4000-8000-000000000003", "Add dark mode"),
            (":\u{1}\0\0\0", ""),
            ("x", "ασα"),
        ] {
            let mut extra = test_session(s.len());
            extra.id = id.into();
            extra.title = title.into();
            s.push(extra);
        }
        let hay = Haystacks::build(&s);
        let tz = FixedOffset::east_opt(0).unwrap();
        let m = Matcher::default();
        let rows = |q: &Query, c: Option<&[usize]>| {
            let req = ListRequest {
                sessions: &s,
                hay: &hay,
                query: q,
                sort: SortKey::Relevance,
                group: false,
                now: now(),
                candidates: c,
            };
            build_rows(&req, &m, 1)
        };
        for (typed, more) in [
            ("019", "0199"),
            ("ccc", "cccccc"), // the fuzzer's input, minimised
            (":\u{1}", ":\u{1}\0\0\0"),
            ("ΑΣ", "ΑΣΑ"),
        ] {
            let (q1, q2) = (parse(typed, now(), tz), parse(more, now(), tz));
            let full = rows(&q2, None);
            assert!(!full.is_empty(), "{more:?} finds a session");
            if narrows(&q1, &q2) {
                let first = ids(&rows(&q1, None));
                assert_eq!(rows(&q2, Some(&first)), full, "{typed:?} → {more:?}");
            }
        }
        // narrowed below and above the id-prefix length, scanned again where it is crossed
        let n = |a, b| narrows(&parse(a, now(), tz), &parse(b, now(), tz));
        assert!(n("a", "aut") && n("auth", "authx") && n("0199", "0199a"));
        assert!(!n("aut", "auth"));
    }

    #[test]
    fn names_and_tags_are_matched_and_filtered() {
        let mut s = sessions();
        s[2].extra.name = Some("Night theme".into());
        s[2].extra.tags = vec!["design".into(), "ui".into()];
        s[3].extra.tags = vec!["security".into()];
        s[3].extra.archived_at = Some(now() - Duration::days(1));
        s[1].extra.expires_at = Some(now() + Duration::days(2));
        s[0].extra.expires_at = Some(now() + Duration::days(20));
        let hay = Haystacks::build(&s);
        assert_eq!(
            hay.items[2].title(),
            "Night theme",
            "the name is the title shown"
        );
        let tz = FixedOffset::east_opt(0).unwrap();
        let m = Matcher::default();
        let rows = |q: &str| {
            let q = parse(q, now(), tz);
            ids(&build_rows(
                &ListRequest {
                    sessions: &s,
                    hay: &hay,
                    query: &q,
                    sort: SortKey::Relevance,
                    group: false,
                    now: now(),
                    candidates: None,
                },
                &m,
                1,
            ))
        };
        assert_eq!(rows("night"), vec![2], "the name");
        assert_eq!(
            rows("dark mode"),
            vec![2],
            "the agent's title still matches"
        );
        assert_eq!(rows("design"), vec![2], "tags are in the haystack");
        assert_eq!(rows("tag:ui"), vec![2]);
        assert_eq!(rows("tag:SEC bug"), vec![3]);
        assert_eq!(rows("-tag:design"), vec![0, 1, 3]);
        assert_eq!(rows("is:expiring"), vec![1]);
        assert_eq!(rows("-is:expiring"), vec![0, 2, 3]);
        assert_eq!(rows("is:archived"), vec![3]);
        let pos = title_positions(&hay.items[2], &parse("night", now(), tz), &m);
        assert_eq!(pos, vec![0, 1, 2, 3, 4], "highlights fall on the name");
    }

    #[test]
    fn narrowing_with_the_new_filters() {
        // the filters are the same as the query grows: narrowing gives what a full scan gives
        let mut s = sessions();
        s[1].extra.tags = vec!["bug".into()];
        s[3].extra.tags = vec!["bugfix".into()];
        s[1].extra.expires_at = Some(now());
        s[3].extra.expires_at = Some(now());
        let hay = Haystacks::build(&s);
        let tz = FixedOffset::east_opt(0).unwrap();
        let m = Matcher::default();
        let run = |q: &Query, c: Option<&[usize]>| {
            build_rows(
                &ListRequest {
                    sessions: &s,
                    hay: &hay,
                    query: q,
                    sort: SortKey::Relevance,
                    group: false,
                    now: now(),
                    candidates: c,
                },
                &m,
                1,
            )
        };
        for (typed, more) in [
            ("tag:bug b", "tag:bug bu"),
            ("is:expiring a", "is:expiring au"),
            ("-is:archived -tag:x t", "-is:archived -tag:x th"),
        ] {
            let (q1, q2) = (parse(typed, now(), tz), parse(more, now(), tz));
            assert!(narrows(&q1, &q2), "{typed} → {more}");
            let first = ids(&run(&q1, None));
            assert_eq!(run(&q2, Some(&first)), run(&q2, None), "{typed} → {more}");
        }
        // a filter that changes as it is typed is scanned again
        let n = |a, b| narrows(&parse(a, now(), tz), &parse(b, now(), tz));
        assert!(!n("tag:b", "tag:bu") && !n("is:expiring", "is:archived"));
    }

    #[test]
    fn title_positions_for_highlighting() {
        let s = sessions();
        let hay = Haystacks::build(&s);
        let q = parse("auth", now(), FixedOffset::east_opt(0).unwrap());
        let pos = title_positions(&hay.items[1], &q, &Matcher::default());
        let title: Vec<char> = hay.items[1].title().chars().collect();
        let matched: String = pos.iter().map(|&i| title[i]).collect();
        assert_eq!(matched, "auth");
    }

    #[test]
    fn parallel_scoring_equals_serial() {
        let base = sessions();
        let mut many = Vec::new();
        for i in 0..5000 {
            let mut s = base[i % 4].clone();
            s.title = format!("{} #{i}", s.title);
            s.updated_at = Some(now() - Duration::seconds(i as i64));
            many.push(s);
        }
        let hay = Haystacks::build(&many);
        let q = parse("bug", now(), FixedOffset::east_opt(0).unwrap());
        let req = ListRequest {
            sessions: &many,
            hay: &hay,
            query: &q,
            sort: SortKey::Relevance,
            group: false,
            now: now(),
            candidates: None,
        };
        let m = Matcher::default();
        assert_eq!(build_rows(&req, &m, 1), build_rows(&req, &m, 2));
    }
}
