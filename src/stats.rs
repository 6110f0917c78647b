//! Statistics: tokens and cost by day, week, month, project, model, agent or session, from the
//! index's `session_usage` rows (token sums by quarter hour, model, price tier and whether the
//! agent recorded its own cost). Pure functions: the rows come from the index, prices from a
//! [`Pricer`].

use crate::model::{Session, TokenUsage};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Milliseconds in one `bucket` of `session_usage`.
pub const BUCKET_MS: i64 = 900_000;

/// One row of `session_usage`.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageRow {
    pub key: String,
    /// Quarter hours since the epoch; `None` for messages without a time.
    pub bucket: Option<i64>,
    pub model: Option<String>,
    /// Requests past 200k prompt tokens (priced at a model's long-context rate).
    pub long_context: bool,
    /// The agent recorded the cost of these messages (`cost`).
    pub recorded: bool,
    pub messages: u64,
    pub prompts: u64,
    pub tool_calls: u64,
    /// Messages with token usage (requests).
    pub turns: u64,
    pub tokens: TokenUsage,
    pub cost: Option<f64>,
}

/// What a row cost: the priced part, and requests that could not be priced.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RowCost {
    pub usd: f64,
    pub unpriced_turns: u64,
}

/// Prices rows (the cost mode and the price table live behind it).
pub trait Pricer {
    fn row_cost(&self, row: &UsageRow) -> RowCost;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum By {
    #[default]
    Day,
    Week,
    Month,
    Project,
    Model,
    Agent,
    Session,
}

impl By {
    pub const ALL: [By; 7] = [
        By::Day,
        By::Week,
        By::Month,
        By::Project,
        By::Model,
        By::Agent,
        By::Session,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            By::Day => "day",
            By::Week => "week",
            By::Month => "month",
            By::Project => "project",
            By::Model => "model",
            By::Agent => "agent",
            By::Session => "session",
        }
    }

    pub fn parse(s: &str) -> Option<By> {
        By::ALL.into_iter().find(|b| b.as_str() == s.trim())
    }

    pub fn next(self) -> By {
        let i = By::ALL.iter().position(|b| *b == self).unwrap_or(0);
        By::ALL[(i + 1) % By::ALL.len()]
    }

    /// Time breakdowns are shown oldest first; the others most expensive first.
    pub fn is_time(self) -> bool {
        matches!(self, By::Day | By::Week | By::Month)
    }
}

/// Dollars in JSON: to a millionth (sums of prices per token carry float noise).
fn usd<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((v * 1e6).round() / 1e6)
}

/// Tokens in stats JSON: every kind, always (`cache_write_1h` is part of `cache_write`).
fn tokens<S: serde::Serializer>(t: &TokenUsage, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    let mut st = s.serialize_struct("Tokens", 6)?;
    st.serialize_field("input", &t.input)?;
    st.serialize_field("output", &t.output)?;
    st.serialize_field("cache_read", &t.cache_read)?;
    st.serialize_field("cache_write", &t.cache_write)?;
    st.serialize_field("cache_write_1h", &t.cache_write_1h)?;
    st.serialize_field("reasoning", &t.reasoning)?;
    st.end()
}

/// Sums over some rows.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Sums {
    pub sessions: u64,
    pub messages: u64,
    pub prompts: u64,
    pub tool_calls: u64,
    pub turns: u64,
    #[serde(serialize_with = "tokens")]
    pub tokens: TokenUsage,
    #[serde(serialize_with = "usd")]
    pub cost_usd: f64,
    /// Requests that could not be priced (an unknown model; no recorded cost in `recorded`
    /// mode): the cost is a lower bound when this is not 0.
    pub unpriced_turns: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// The day (`2026-11-24`), week (`2026-W48`), month (`2026-11`), project, model, agent or
    /// session key.
    pub key: String,
    /// What to show for it (a session's title; otherwise the key).
    pub label: String,
    #[serde(flatten)]
    pub sums: Sums,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub by: By,
    pub totals: Sums,
    pub groups: Vec<Group>,
    /// Models that had usage but no price.
    pub unpriced_models: Vec<String>,
    /// Cost and tokens per local day over the range (every day, zeros included), for charts:
    /// at most the last [`MAX_DAILY`] days (a session dated year 1 would ask for millions).
    pub daily: Vec<(NaiveDate, f64, u64)>,
    /// Cost per model, most first (for the share chart).
    pub models: Vec<(String, f64)>,
}

/// The most days the daily series holds (ten years), counted back from the last one.
pub const MAX_DAILY: i64 = 3660;

/// The filter the rows are read with.
#[derive(Debug, Clone, Default)]
pub struct Range {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl Range {
    /// Does a quarter hour fall in the range? Rows without a time count when the session's
    /// time does (decided by the caller).
    pub fn contains_bucket(&self, bucket: i64) -> bool {
        let start = bucket * BUCKET_MS;
        let end = start + BUCKET_MS;
        self.since.is_none_or(|s| end > s.timestamp_millis())
            && self.until.is_none_or(|u| start < u.timestamp_millis())
    }
}

/// What one session cost: the priced part, requests without a price, and whether anything
/// could be priced at all.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SessionCost {
    pub usd: f64,
    pub unpriced_turns: u64,
    pub priced: bool,
}

/// Each session's cost from its rows.
pub fn session_costs(rows: &[UsageRow], pricer: &dyn Pricer) -> HashMap<String, SessionCost> {
    let mut out: HashMap<String, SessionCost> = HashMap::new();
    for r in rows {
        let c = pricer.row_cost(r);
        let e = out.entry(r.key.clone()).or_default();
        e.usd += c.usd;
        e.unpriced_turns += c.unpriced_turns;
        e.priced |= r.turns > c.unpriced_turns || (r.recorded && r.cost.is_some() && c.usd > 0.0);
    }
    out
}

/// Set a session's cost: `None` when nothing could be priced (shown as `?` when it has
/// requests, `-` when it has no usage at all).
pub fn apply_cost(s: &mut Session, c: Option<&SessionCost>) {
    match c {
        Some(c) => {
            s.cost_usd = c.priced.then_some(c.usd);
            s.unpriced_turns = c.unpriced_turns;
        }
        None => {
            s.cost_usd = None;
            s.unpriced_turns = 0;
        }
    }
}

/// The local day of a quarter hour.
pub fn day_of(bucket: i64, tz: FixedOffset) -> NaiveDate {
    DateTime::from_timestamp_millis(bucket * BUCKET_MS)
        .map(|t| t.with_timezone(&tz).date_naive())
        .unwrap_or_default()
}

fn week_key(d: NaiveDate) -> String {
    let w = d.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

fn add(s: &mut Sums, r: &UsageRow, c: RowCost) {
    s.messages += r.messages;
    s.prompts += r.prompts;
    s.tool_calls += r.tool_calls;
    s.turns += r.turns;
    s.tokens.add(&r.tokens);
    s.cost_usd += c.usd;
    s.unpriced_turns += c.unpriced_turns;
}

/// What the stats pane shows: the figures grouped `by`, and the most expensive sessions (at
/// most 50, most first).
pub fn for_pane(
    rows: &[UsageRow],
    sessions: &HashMap<&str, &Session>,
    range: &Range,
    by: By,
    tz: FixedOffset,
    pricer: &dyn Pricer,
) -> (Stats, Vec<Group>) {
    let st = compute(rows, sessions, range, by, tz, pricer);
    let mut top = if by == By::Session {
        st.groups.clone()
    } else {
        compute(rows, sessions, range, By::Session, tz, pricer).groups
    };
    top.truncate(50);
    (st, top)
}

/// Compute statistics over `rows` (already limited to the sessions wanted), within `range`,
/// grouped `by`, with days in `tz`. `sessions` gives each key's agent, project and title (and
/// the time of rows without one).
pub fn compute(
    rows: &[UsageRow],
    sessions: &HashMap<&str, &Session>,
    range: &Range,
    by: By,
    tz: FixedOffset,
    pricer: &dyn Pricer,
) -> Stats {
    let mut totals = Sums::default();
    let mut total_keys: HashSet<&str> = HashSet::new();
    let mut groups: BTreeMap<String, (Sums, HashSet<&str>, String)> = BTreeMap::new();
    let mut unpriced: BTreeMap<String, ()> = BTreeMap::new();
    let mut daily: BTreeMap<NaiveDate, (f64, u64)> = BTreeMap::new();
    let mut models: HashMap<String, f64> = HashMap::new();
    for r in rows {
        let s = sessions.get(r.key.as_str());
        // a row without a time belongs to its session's last activity
        let bucket = r.bucket.or_else(|| {
            s.and_then(|s| s.updated_at.or(s.started_at))
                .map(|t| t.timestamp_millis().div_euclid(BUCKET_MS))
        });
        let in_range = match bucket {
            Some(b) => range.contains_bucket(b),
            None => range.since.is_none() && range.until.is_none(),
        };
        if !in_range {
            continue;
        }
        let cost = pricer.row_cost(r);
        if cost.unpriced_turns > 0
            && let Some(m) = &r.model
        {
            unpriced.insert(m.clone(), ());
        }
        add(&mut totals, r, cost);
        total_keys.insert(r.key.as_str());
        if let Some(m) = &r.model
            && cost.usd > 0.0
        {
            *models.entry(crate::pricing::model_family(m)).or_default() += cost.usd;
        }
        let day = bucket.map(|b| day_of(b, tz));
        if let Some(d) = day {
            let e = daily.entry(d).or_default();
            e.0 += cost.usd;
            e.1 += r.tokens.total();
        }
        let (key, label) = match by {
            By::Day => {
                let k = day.map(|d| d.to_string()).unwrap_or_else(|| "-".into());
                (k.clone(), k)
            }
            By::Week => {
                let k = day.map(week_key).unwrap_or_else(|| "-".into());
                (k.clone(), k)
            }
            By::Month => {
                let k = day
                    .map(|d| format!("{}-{:02}", d.year(), d.month()))
                    .unwrap_or_else(|| "-".into());
                (k.clone(), k)
            }
            By::Project => {
                let k = s
                    .and_then(|s| s.project.clone())
                    .unwrap_or_else(|| "(no project)".into());
                (k.clone(), k)
            }
            // the person's messages and tool results have no model: they count in the
            // totals, not as a model of their own
            By::Model if r.model.is_none() && r.turns == 0 && r.tokens.is_empty() => continue,
            // one row per model whatever the provider prefix or date (`anthropic/…`, `-2025…`)
            By::Model => {
                let k = r
                    .model
                    .as_deref()
                    .map(crate::pricing::model_family)
                    .unwrap_or_else(|| "(no model)".into());
                (k.clone(), k)
            }
            By::Agent => {
                let k = s
                    .map(|s| s.agent.as_str().to_string())
                    .unwrap_or_else(|| r.key.split(':').next().unwrap_or("").to_string());
                (k.clone(), k)
            }
            By::Session => (
                r.key.clone(),
                s.map(|s| s.title.clone()).unwrap_or_else(|| r.key.clone()),
            ),
        };
        let g = groups
            .entry(key)
            .or_insert_with(|| (Sums::default(), HashSet::new(), label));
        add(&mut g.0, r, cost);
        g.1.insert(r.key.as_str());
    }
    totals.sessions = total_keys.len() as u64;
    let mut groups: Vec<Group> = groups
        .into_iter()
        .map(|(key, (mut sums, keys, label))| {
            sums.sessions = keys.len() as u64;
            Group { key, label, sums }
        })
        .filter(|g| g.sums.messages > 0 || g.sums.turns > 0)
        .collect();
    if !by.is_time() {
        groups.sort_by(|a, b| {
            b.sums
                .cost_usd
                .total_cmp(&a.sums.cost_usd)
                .then(b.sums.tokens.total().cmp(&a.sums.tokens.total()))
                .then(a.key.cmp(&b.key))
        });
    }
    // every day of the range, so charts have no holes
    let mut days: Vec<(NaiveDate, f64, u64)> = Vec::new();
    if let (Some(first), Some(last)) = (daily.keys().next().copied(), daily.keys().last().copied())
    {
        let mut d = first.max(
            last.checked_sub_signed(chrono::Duration::days(MAX_DAILY - 1))
                .unwrap_or(first),
        );
        loop {
            let (c, t) = daily.get(&d).copied().unwrap_or_default();
            days.push((d, c, t));
            match d.succ_opt() {
                Some(n) if n <= last => d = n,
                _ => break,
            }
        }
    }
    let mut models: Vec<(String, f64)> = models.into_iter().collect();
    models.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    Stats {
        by,
        totals,
        groups,
        unpriced_models: unpriced.into_keys().collect(),
        daily: days,
        models,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// $1 per thousand tokens of any kind; "mystery" has no price; recorded rows use theirs.
    struct Flat;
    impl Pricer for Flat {
        fn row_cost(&self, r: &UsageRow) -> RowCost {
            if r.recorded {
                return RowCost {
                    usd: r.cost.unwrap_or(0.0),
                    unpriced_turns: 0,
                };
            }
            match r.model.as_deref() {
                Some("mystery") => RowCost {
                    usd: 0.0,
                    unpriced_turns: r.turns,
                },
                _ => RowCost {
                    usd: r.tokens.total() as f64 / 1000.0,
                    unpriced_turns: 0,
                },
            }
        }
    }

    fn row(key: &str, at: DateTime<Utc>, model: &str, tokens: u64) -> UsageRow {
        UsageRow {
            key: key.into(),
            bucket: Some(at.timestamp_millis() / BUCKET_MS),
            model: Some(model.into()),
            long_context: false,
            recorded: false,
            messages: 2,
            prompts: 1,
            tool_calls: 1,
            turns: 1,
            tokens: TokenUsage {
                input: tokens,
                ..Default::default()
            },
            cost: None,
        }
    }

    fn session(key: &str, project: &str, agent: crate::model::Agent) -> Session {
        let mut s = crate::model::test_session(0);
        s.key = key.into();
        s.project = Some(project.into());
        s.agent = agent;
        s.title = format!("title of {key}");
        s
    }

    #[test]
    fn the_daily_series_keeps_ten_years_whatever_the_dates() {
        use crate::model::Agent;
        let rows = vec![
            row(
                "claude:a",
                Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap(),
                "m",
                1,
            ),
            row(
                "claude:a",
                Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0).unwrap(),
                "m",
                2,
            ),
        ];
        let a = session("claude:a", "shop", Agent::Claude);
        let sessions: HashMap<&str, &Session> = [("claude:a", &a)].into();
        let utc = FixedOffset::east_opt(0).unwrap();
        let st = compute(&rows, &sessions, &Range::default(), By::Day, utc, &Flat);
        assert_eq!(st.daily.len(), MAX_DAILY as usize);
        assert_eq!(
            st.daily.last().unwrap().0,
            NaiveDate::from_ymd_opt(9999, 12, 31).unwrap()
        );
        // the totals still count everything
        assert_eq!(st.totals.tokens.input, 3);
        assert_eq!(st.groups.len(), 2);
    }

    #[test]
    fn groups_by_day_in_the_local_time_zone_and_by_the_rest() {
        use crate::model::Agent;
        let t = |d, h| Utc.with_ymd_and_hms(2026, 11, d, h, 30, 0).unwrap();
        let rows = vec![
            row("claude:a", t(20, 23), "sonnet", 1000),
            row("claude:a", t(21, 1), "sonnet", 2000),
            row("codex:b", t(21, 10), "gpt", 4000),
            row("codex:b", t(23, 10), "mystery", 8000),
        ];
        let a = session("claude:a", "shop", Agent::Claude);
        let b = session("codex:b", "api", Agent::Codex);
        let sessions: HashMap<&str, &Session> = [("claude:a", &a), ("codex:b", &b)].into();
        let utc = FixedOffset::east_opt(0).unwrap();
        let st = compute(&rows, &sessions, &Range::default(), By::Day, utc, &Flat);
        let days: Vec<(&str, f64)> = st
            .groups
            .iter()
            .map(|g| (g.key.as_str(), g.sums.cost_usd))
            .collect();
        assert_eq!(
            days,
            vec![
                ("2026-11-20", 1.0),
                ("2026-11-21", 6.0),
                ("2026-11-23", 0.0)
            ]
        );
        assert_eq!(st.totals.cost_usd, 7.0);
        assert_eq!(st.totals.sessions, 2);
        assert_eq!(st.totals.unpriced_turns, 1);
        assert_eq!(st.unpriced_models, vec!["mystery".to_string()]);
        assert_eq!(st.daily.len(), 4, "every day, the empty 22nd too");
        assert_eq!(
            st.daily[2],
            (NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(), 0.0, 0)
        );
        // two hours east, 23:30 UTC on the 20th is the 21st
        let east = FixedOffset::east_opt(2 * 3600).unwrap();
        let st = compute(&rows, &sessions, &Range::default(), By::Day, east, &Flat);
        assert_eq!(st.groups[0].key, "2026-11-21");
        assert_eq!(st.groups[0].sums.cost_usd, 7.0);
        // other breakdowns: most expensive first
        let st = compute(&rows, &sessions, &Range::default(), By::Project, utc, &Flat);
        assert_eq!(st.groups[0].key, "api");
        assert_eq!(st.groups[0].sums.sessions, 1);
        let st = compute(&rows, &sessions, &Range::default(), By::Session, utc, &Flat);
        assert_eq!(st.groups[0].label, "title of codex:b");
        let st = compute(&rows, &sessions, &Range::default(), By::Week, utc, &Flat);
        assert_eq!(st.groups[0].key, "2026-W47");
        assert_eq!(st.groups[1].key, "2026-W48");
        let st = compute(&rows, &sessions, &Range::default(), By::Month, utc, &Flat);
        assert_eq!(st.groups.len(), 1);
        assert_eq!(st.groups[0].sums.prompts, 4);
        // a range keeps the quarter hours inside it
        let r = Range {
            since: Some(t(21, 0)),
            until: Some(t(22, 0)),
        };
        let st = compute(&rows, &sessions, &r, By::Agent, utc, &Flat);
        assert_eq!(st.totals.cost_usd, 6.0);
        assert_eq!(st.groups.len(), 2);
    }

    #[test]
    fn by_names_round_trip() {
        for b in By::ALL {
            assert_eq!(By::parse(b.as_str()), Some(b));
        }
        assert_eq!(By::parse("year"), None);
        assert_eq!(By::Session.next(), By::Day);
    }
}
