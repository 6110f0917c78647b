//! The query grammar shared by the list filter, full-text search and `revisit search`.
//!
//! A query is words mixed with filter tokens:
//! - words: `auth bug` (fuzzy in the list, full-text terms in full-text mode), `"exact phrase"`,
//!   `prefix*`;
//! - `agent:codex`, `project:api`, `model:opus`, `branch:main` (substring, case-insensitive);
//! - `since:7d`, `until:2026-11-01` (durations `90s 30m 12h 7d 2w 3mo 1y`, `today`, `yesterday`,
//!   a date or an RFC 3339 time; a date means the whole day in local time);
//! - `cost>1`, `cost<=0.5`, `tokens>50k`, `msgs>=10` (`>`, `>=`, `<`, `<=`, `=`);
//! - `is:live`, `is:expiring` (the agent deletes it within 7 days and revisit keeps no archived
//!   copy), `is:archived` (revisit keeps an archived copy);
//! - `tag:review` (a tag of the session's that starts with the value, case-insensitive);
//! - a leading `-` negates a filter: `-agent:codex`.
//!
//! Anything that looks like a filter but is not one is an error, shown to the person (quote
//! it to search for it literally: `"error:42"`).

use crate::model::{Agent, Session};
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc};

#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    Word(String),
    /// `"several words"`: adjacent, in order.
    Phrase(String),
    /// `auth*`
    Prefix(String),
}

impl Term {
    pub fn text(&self) -> &str {
        match self {
            Term::Word(s) | Term::Phrase(s) | Term::Prefix(s) => s,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
}

impl Cmp {
    fn test<T: PartialOrd>(self, a: T, b: T) -> bool {
        match self {
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Eq => a == b,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Agent(Agent),
    Project(String),
    Model(String),
    Branch(String),
    Since(DateTime<Utc>),
    Until(DateTime<Utc>),
    Cost(Cmp, f64),
    Tokens(Cmp, u64),
    Messages(Cmp, u64),
    Live,
    /// The agent deletes it within [`crate::retention::EXPIRING_DAYS`] days and it is not
    /// archived.
    Expiring,
    /// revisit keeps an archived copy.
    Archived,
    /// A tag that starts with this (lower-cased).
    Tag(String),
    Not(Box<Filter>),
}

/// Written in the last minute, or the agent says it is running.
pub fn is_live(s: &Session, now: DateTime<Utc>) -> bool {
    if let Some(st) = &s.status
        && (st == "live" || st == "running" || st == "queued")
    {
        return true;
    }
    s.updated_at
        .is_some_and(|t| now - t <= Duration::seconds(60))
}

fn contains_ci(hay: &str, needle: &str) -> bool {
    hay.to_lowercase().contains(&needle.to_lowercase())
}

impl Filter {
    pub fn matches(&self, s: &Session, now: DateTime<Utc>) -> bool {
        match self {
            Filter::Agent(a) => s.agent == *a,
            Filter::Project(p) => {
                s.project.as_deref().is_some_and(|x| contains_ci(x, p))
                    || s.cwd.as_deref().is_some_and(|x| contains_ci(x, p))
            }
            Filter::Model(m) => s.models.iter().any(|x| contains_ci(x, m)),
            Filter::Branch(b) => s.git_branch.as_deref().is_some_and(|x| contains_ci(x, b)),
            Filter::Since(t) => s.updated_at.is_some_and(|u| u >= *t),
            Filter::Until(t) => s.started_at.or(s.updated_at).is_some_and(|u| u < *t),
            Filter::Cost(c, v) => s.cost_usd.is_some_and(|x| c.test(x, *v)),
            Filter::Tokens(c, v) => s.tokens_known && c.test(s.tokens.total(), *v),
            Filter::Messages(c, v) => c.test(s.messages, *v),
            Filter::Live => is_live(s, now),
            Filter::Expiring => crate::retention::is_expiring(s, now),
            Filter::Archived => s.extra.archived_at.is_some(),
            Filter::Tag(t) => s.extra.tags.iter().any(|x| x.to_lowercase().starts_with(t)),
            Filter::Not(f) => !f.matches(s, now),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueryError {
    pub token: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub terms: Vec<Term>,
    pub filters: Vec<Filter>,
    pub errors: Vec<QueryError>,
}

impl Query {
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty() && self.filters.is_empty()
    }

    pub fn matches_filters(&self, s: &Session, now: DateTime<Utc>) -> bool {
        self.filters.iter().all(|f| f.matches(s, now))
    }

    /// The fuzzy pattern: the words and phrases, space separated.
    pub fn text(&self) -> String {
        self.terms
            .iter()
            .map(|t| t.text())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The first error, as shown in the search box.
    pub fn error(&self) -> Option<String> {
        self.errors.first().map(|e| e.message.clone())
    }
}

/// A token: its text (quotes removed), whether it began with a quote (a phrase), and whether
/// it had quotes at all (`project:"my app"`).
struct Token {
    text: String,
    phrase: bool,
}

/// Split into tokens, keeping `"quoted strings"` (and `key:"quoted value"`) together.
fn tokenize(s: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut phrase = false;
    let mut any_quote = false;
    for c in s.chars() {
        match c {
            '"' => {
                if cur.is_empty() && !any_quote {
                    phrase = true;
                }
                quoted = !quoted;
                any_quote = true;
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(Token {
                        text: std::mem::take(&mut cur),
                        phrase,
                    });
                }
                phrase = false;
                any_quote = false;
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(Token { text: cur, phrase });
    }
    out
}

/// `7d`, `12h`, `30m`, `2w`, `3mo`, `1y` → a duration.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim().to_ascii_lowercase();
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = s.split_at(split);
    let n: i64 = n.parse().ok()?;
    if n > 100_000 {
        return None;
    }
    Some(match unit {
        "s" => Duration::seconds(n),
        "m" | "min" => Duration::minutes(n),
        "h" => Duration::hours(n),
        "d" => Duration::days(n),
        "w" => Duration::weeks(n),
        "mo" => Duration::days(30 * n),
        "y" => Duration::days(365 * n),
        _ => return None,
    })
}

/// A point in time for `since:`/`until:`. `end_of_day` makes a date mean its end (for until).
fn parse_when(
    v: &str,
    now: DateTime<Utc>,
    tz: FixedOffset,
    end_of_day: bool,
) -> Result<DateTime<Utc>, String> {
    let local_midnight = |d: NaiveDate| -> Option<DateTime<Utc>> {
        let d = if end_of_day { d.succ_opt()? } else { d };
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
            .single()
            .map(|t| t.with_timezone(&Utc))
    };
    let today = now.with_timezone(&tz).date_naive();
    match v.to_ascii_lowercase().as_str() {
        "today" => return local_midnight(today).ok_or_else(|| "bad date".into()),
        "yesterday" => {
            return today
                .pred_opt()
                .and_then(local_midnight)
                .ok_or_else(|| "bad date".into());
        }
        _ => {}
    }
    if let Some(d) = parse_duration(v) {
        return Ok(now - d);
    }
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d")
        && d.year() > 1970
    {
        return local_midnight(d).ok_or_else(|| format!("bad date '{v}'"));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    Err(format!(
        "'{v}' is not a time (use 7d, 12h, 2w, today, 2026-11-01…)"
    ))
}

/// `50k`, `1.5M`, `200` → a count.
fn parse_count(v: &str) -> Option<u64> {
    let v = v.trim().to_ascii_lowercase();
    let (num, mult) = if let Some(n) = v.strip_suffix('k') {
        (n, 1e3)
    } else if let Some(n) = v.strip_suffix('m') {
        (n, 1e6)
    } else if let Some(n) = v.strip_suffix('g').or_else(|| v.strip_suffix('b')) {
        (n, 1e9)
    } else {
        (v.as_str(), 1.0)
    };
    let f: f64 = num.parse().ok()?;
    (f.is_finite() && f >= 0.0).then_some((f * mult) as u64)
}

fn parse_cmp(rest: &str) -> Option<(Cmp, &str)> {
    for (op, c) in [
        (">=", Cmp::Ge),
        ("<=", Cmp::Le),
        (">", Cmp::Gt),
        ("<", Cmp::Lt),
        ("=", Cmp::Eq),
        (":", Cmp::Eq),
    ] {
        if let Some(v) = rest.strip_prefix(op) {
            return Some((c, v));
        }
    }
    None
}

/// Parse a query. `now` and `tz` (the local offset) resolve relative times and dates.
pub fn parse(input: &str, now: DateTime<Utc>, tz: FixedOffset) -> Query {
    let mut q = Query::default();
    for Token { text: tok, phrase } in tokenize(input) {
        if phrase {
            if !tok.trim().is_empty() {
                q.terms.push(Term::Phrase(tok));
            }
            continue;
        }
        let (negate, body) = match tok.strip_prefix('-') {
            Some(rest) if is_filter_shaped(rest) => (true, rest),
            _ => (false, tok.as_str()),
        };
        if is_filter_shaped(body) {
            match parse_filter(body, now, tz) {
                Ok(f) => q
                    .filters
                    .push(if negate { Filter::Not(Box::new(f)) } else { f }),
                Err(message) => q.errors.push(QueryError {
                    token: tok.clone(),
                    message,
                }),
            }
            continue;
        }
        if let Some(p) = body.strip_suffix('*')
            && !p.is_empty()
        {
            q.terms.push(Term::Prefix(p.to_string()));
        } else if !body.is_empty() && body != "*" {
            q.terms.push(Term::Word(body.to_string()));
        }
    }
    q
}

const KEYS: &[&str] = &[
    "agent", "project", "model", "branch", "since", "until", "cost", "tokens", "msgs", "is", "tag",
];

/// `key:…`, `key>…`: anything with a word then `:`/`<`/`>`/`=` is meant as a filter.
fn is_filter_shaped(tok: &str) -> bool {
    let Some(i) = tok.find([':', '<', '>', '=']) else {
        return false;
    };
    let key = &tok[..i];
    let after = &tok[i..];
    // "http://…", "C:\…" and "std::io" are text
    let looks_like_text = after.starts_with("://")
        || after.starts_with("::")
        || (key.len() == 1 && after.starts_with(":\\"));
    !key.is_empty() && key.chars().all(|c| c.is_ascii_alphabetic()) && !looks_like_text
}

fn parse_filter(tok: &str, now: DateTime<Utc>, tz: FixedOffset) -> Result<Filter, String> {
    let i = tok.find([':', '<', '>', '=']).unwrap_or(tok.len());
    let key = tok[..i].to_ascii_lowercase();
    let rest = &tok[i..];
    let value = || -> Result<&str, String> {
        let v = rest
            .strip_prefix(':')
            .ok_or_else(|| format!("use {key}:value"))?;
        if v.is_empty() {
            Err(format!("{key}: needs a value"))
        } else {
            Ok(v)
        }
    };
    match key.as_str() {
        "agent" => value()?.parse::<Agent>().map(Filter::Agent),
        "project" => Ok(Filter::Project(value()?.to_string())),
        "model" => Ok(Filter::Model(value()?.to_string())),
        "branch" => Ok(Filter::Branch(value()?.to_string())),
        "since" => parse_when(value()?, now, tz, false).map(Filter::Since),
        "until" => parse_when(value()?, now, tz, true).map(Filter::Until),
        "is" => match value()?.to_ascii_lowercase().as_str() {
            "live" => Ok(Filter::Live),
            "expiring" => Ok(Filter::Expiring),
            "archived" => Ok(Filter::Archived),
            other => Err(format!(
                "is:{other} is not known (try is:live, is:expiring, is:archived)"
            )),
        },
        "tag" => {
            let t = value()?.trim_start_matches('#').to_lowercase();
            if t.is_empty() {
                Err("tag: needs a tag name".into())
            } else {
                Ok(Filter::Tag(t))
            }
        }
        "cost" => {
            let (c, v) = parse_cmp(rest).ok_or("use cost>1, cost<=0.5…")?;
            let v = v.trim_start_matches('$');
            let f: f64 = v
                .parse()
                .ok()
                .filter(|f: &f64| f.is_finite())
                .ok_or_else(|| format!("'{v}' is not an amount"))?;
            Ok(Filter::Cost(c, f))
        }
        "tokens" | "msgs" => {
            let (c, v) = parse_cmp(rest).ok_or_else(|| format!("use {key}>100, {key}<=5k…"))?;
            let n = parse_count(v).ok_or_else(|| format!("'{v}' is not a number"))?;
            Ok(if key == "tokens" {
                Filter::Tokens(c, n)
            } else {
                Filter::Messages(c, n)
            })
        }
        _ => Err(format!(
            "unknown filter '{key}' (filters: {}; quote text to search for it)",
            KEYS.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
    }

    fn p(s: &str) -> Query {
        parse(s, now(), FixedOffset::east_opt(0).unwrap())
    }

    #[test]
    fn words_phrases_prefixes() {
        let q = p(r#"auth bug "exact phrase" pars* src/main.rs"#);
        assert_eq!(
            q.terms,
            vec![
                Term::Word("auth".into()),
                Term::Word("bug".into()),
                Term::Phrase("exact phrase".into()),
                Term::Prefix("pars".into()),
                Term::Word("src/main.rs".into()),
            ]
        );
        assert!(q.filters.is_empty() && q.errors.is_empty());
        assert_eq!(p("").terms, vec![]);
        assert_eq!(p("  *  ").terms, vec![]);
    }

    #[test]
    fn every_filter() {
        let q =
            p("agent:codex project:api model:opus branch:main is:live cost>1 tokens>=50k msgs<10");
        assert!(q.errors.is_empty(), "{:?}", q.errors);
        assert_eq!(
            q.filters,
            vec![
                Filter::Agent(Agent::Codex),
                Filter::Project("api".into()),
                Filter::Model("opus".into()),
                Filter::Branch("main".into()),
                Filter::Live,
                Filter::Cost(Cmp::Gt, 1.0),
                Filter::Tokens(Cmp::Ge, 50_000),
                Filter::Messages(Cmp::Lt, 10),
            ]
        );
        assert_eq!(p("cost<=$0.5").filters, vec![Filter::Cost(Cmp::Le, 0.5)]);
    }

    #[test]
    fn times() {
        assert_eq!(
            p("since:7d").filters,
            vec![Filter::Since(now() - Duration::days(7))]
        );
        assert_eq!(
            p("since:12h").filters,
            vec![Filter::Since(now() - Duration::hours(12))]
        );
        assert_eq!(
            p("since:3mo").filters,
            vec![Filter::Since(now() - Duration::days(90))]
        );
        assert_eq!(
            p("until:2026-11-01").filters,
            vec![Filter::Until(
                Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap()
            )],
            "a date means through its end"
        );
        assert_eq!(
            p("since:2026-11-01").filters,
            vec![Filter::Since(
                Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
            )]
        );
        assert_eq!(
            p("since:today").filters,
            vec![Filter::Since(
                Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap()
            )]
        );
        // local time: in UTC+9, 2026-11-01 starts at 15:00 UTC the day before
        let q = parse(
            "since:2026-11-01",
            now(),
            FixedOffset::east_opt(9 * 3600).unwrap(),
        );
        assert_eq!(
            q.filters,
            vec![Filter::Since(
                Utc.with_ymd_and_hms(2026, 10, 31, 15, 0, 0).unwrap()
            )]
        );
    }

    #[test]
    fn negation() {
        assert_eq!(
            p("-agent:codex").filters,
            vec![Filter::Not(Box::new(Filter::Agent(Agent::Codex)))]
        );
        // a leading dash on a word is just text
        assert_eq!(p("-verbose").terms, vec![Term::Word("-verbose".into())]);
    }

    #[test]
    fn errors_are_reported_not_ignored() {
        for (input, token) in [
            ("foo:bar", "foo:bar"),
            ("agent:nope", "agent:nope"),
            ("since:lately", "since:lately"),
            ("cost>lots", "cost>lots"),
            ("is:dead", "is:dead"),
            ("tag:", "tag:"),
            ("tag:#", "tag:#"),
            ("tokens:", "tokens:"),
            ("project:", "project:"),
        ] {
            let q = p(input);
            assert_eq!(q.errors.len(), 1, "{input}: {q:?}");
            assert_eq!(q.errors[0].token, token);
            assert!(q.filters.is_empty());
        }
        assert!(
            p("foo:bar")
                .error()
                .unwrap()
                .contains("unknown filter 'foo'")
        );
    }

    #[test]
    fn retention_archive_and_tag_filters() {
        let q = p(r#"is:expiring -is:archived tag:Review tag:"needs work" -tag:#wip IS:Archived"#);
        assert!(q.errors.is_empty(), "{:?}", q.errors);
        assert_eq!(
            q.filters,
            vec![
                Filter::Expiring,
                Filter::Not(Box::new(Filter::Archived)),
                Filter::Tag("review".into()),
                Filter::Tag("needs work".into()),
                Filter::Not(Box::new(Filter::Tag("wip".into()))),
                Filter::Archived,
            ]
        );
        assert!(p("is:expired").error().unwrap().contains("is:expiring"));

        let mut s = crate::model::test_session(1);
        let m = |q: &str, s: &Session| p(q).matches_filters(s, now());
        assert!(!m("is:expiring", &s), "no date: never deleted");
        assert!(m("-is:expiring", &s) && !m("is:archived", &s) && !m("tag:x", &s));
        s.extra.expires_at = Some(now() + Duration::days(6));
        assert!(m("is:expiring", &s));
        s.extra.expires_at = Some(now() - Duration::days(40));
        assert!(
            m("is:expiring", &s),
            "past due: deleted at the agent's next start"
        );
        s.extra.expires_at = Some(now() + Duration::days(8));
        assert!(!m("is:expiring", &s) && m("-is:expiring", &s));
        s.extra.expires_at = Some(now());
        s.extra.archived_at = Some(now() - Duration::hours(1));
        assert!(!m("is:expiring", &s), "archiving takes it off");
        assert!(m("is:archived", &s) && !m("-is:archived", &s));
        s.extra.tags = vec!["review".into(), "bug".into()];
        for yes in [
            "tag:review",
            "tag:REV",
            "tag:#bug",
            "tag:bug tag:review",
            "-tag:wip",
        ] {
            assert!(m(yes, &s), "{yes}");
        }
        for no in ["tag:ug", "tag:reviews", "-tag:bug", "tag:bug tag:wip"] {
            assert!(!m(no, &s), "{no}");
        }
    }

    #[test]
    fn urls_paths_and_quoted_colons_are_text() {
        assert!(p("http://localhost:3000").errors.is_empty());
        assert!(p(r"C:\git\x").errors.is_empty());
        let q = p(r#""error:42""#);
        assert!(q.errors.is_empty());
        assert_eq!(q.terms, vec![Term::Phrase("error:42".into())]);
        let q = p("std::io::Read");
        assert!(q.errors.is_empty(), "{q:?}");
        assert_eq!(q.terms, vec![Term::Word("std::io::Read".into())]);
        assert_eq!(
            p(r#"project:"my app""#).filters,
            vec![Filter::Project("my app".into())]
        );
    }

    #[test]
    fn filters_match_sessions() {
        let mut s = crate::model::test_session(1);
        s.agent = Agent::Codex;
        s.project = Some("api-server".into());
        s.models = vec!["claude-opus-4-5".into()];
        s.git_branch = Some("main".into());
        s.updated_at = Some(now() - Duration::seconds(30));
        s.started_at = Some(now() - Duration::days(2));
        s.cost_usd = Some(1.5);
        s.tokens.input = 60_000;
        s.messages = 12;
        for f in [
            "agent:codex",
            "project:API",
            "model:opus",
            "branch:mai",
            "is:live",
            "since:1h",
            "until:today",
            "cost>1",
            "tokens>50k",
            "msgs>=12",
            "-agent:claude",
        ] {
            let q = p(f);
            assert!(q.errors.is_empty(), "{f}");
            assert!(q.matches_filters(&s, now()), "{f} should match");
        }
        for f in [
            "agent:claude",
            "since:10s",
            "cost<1",
            "msgs>12",
            "-is:live",
            "until:2026-11-01",
        ] {
            assert!(!p(f).matches_filters(&s, now()), "{f} should not match");
        }
        s.cost_usd = None;
        assert!(
            !p("cost>0").matches_filters(&s, now()),
            "unpriced is not $0"
        );
    }
}
