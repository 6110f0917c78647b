//! The session list pane: the search box, a header, and rows (sessions, project groups,
//! full-text snippets). Columns adapt to the width.

use super::theme::Theme;
use crate::app::AppState;
use crate::app::state::{Focus, SearchMode};
use crate::model::Session;
use crate::search::list::{GroupRow, Row};
use crate::{sanitize, text};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// "3m", "5h", "2d", "7w", "2025-01-31".
pub fn age(now: DateTime<Utc>, t: Option<DateTime<Utc>>) -> String {
    let Some(t) = t else {
        return "-".into();
    };
    let secs = (now - t).num_seconds();
    match secs {
        s if s < 60 => "now".into(),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s if s < 86_400 * 14 => format!("{}d", s / 86_400),
        s if s < 86_400 * 120 => format!("{}w", s / (86_400 * 7)),
        _ => t.format("%Y-%m-%d").to_string(),
    }
}

pub use crate::text::{human, money};

/// The selected row: the selection's style under every cell, and muted text brought up to
/// the selection's foreground (grey on the selection bar is hard to read).
fn select<'a>(mut line: Line<'a>, theme: &Theme) -> Line<'a> {
    for sp in line.spans.iter_mut() {
        if sp.style.fg == theme.muted.fg {
            sp.style.fg = theme.selected.fg;
        }
    }
    line.style(theme.selected)
}

/// Which columns fit, and how wide the title gets.
#[derive(Debug, Clone, Copy)]
pub struct Columns {
    pub agent: usize,
    pub title: usize,
    pub project: usize,
    pub age: usize,
    pub msgs: usize,
    pub tokens: usize,
    pub cost: usize,
}

pub fn columns(width: usize) -> Columns {
    let mut c = Columns {
        agent: 8,
        title: 0,
        project: 14,
        age: 10,
        msgs: 5,
        tokens: 7,
        cost: 7,
    };
    // drop columns from the right as the pane narrows; the title keeps at least 24
    let fixed = |c: &Columns| {
        [c.agent, c.project, c.age, c.msgs, c.tokens, c.cost]
            .iter()
            .filter(|w| **w > 0)
            .map(|w| w + 1)
            .sum::<usize>()
    };
    for drop in [
        |c: &mut Columns| c.cost = 0,
        |c: &mut Columns| c.tokens = 0,
        |c: &mut Columns| c.project = 0,
        |c: &mut Columns| c.msgs = 0,
    ] {
        if width >= fixed(&c) + 24 {
            break;
        }
        drop(&mut c);
    }
    c.title = width.saturating_sub(fixed(&c)).max(8);
    c
}

/// Title spans with matched characters highlighted.
fn title_spans(
    title: &str,
    width: usize,
    marks: Option<&Vec<usize>>,
    theme: &Theme,
) -> Vec<Span<'static>> {
    let fitted = text::pad(title, width);
    let Some(marks) = marks.filter(|m| !m.is_empty()) else {
        return vec![Span::styled(fitted, theme.base)];
    };
    let mut spans = Vec::new();
    let mut cur = String::new();
    let mut cur_hit = false;
    for (i, ch) in fitted.chars().enumerate() {
        let hit = marks.binary_search(&i).is_ok();
        if hit != cur_hit && !cur.is_empty() {
            let style = if cur_hit { theme.match_hl } else { theme.base };
            spans.push(Span::styled(std::mem::take(&mut cur), style));
        }
        cur_hit = hit;
        cur.push(ch);
    }
    if !cur.is_empty() {
        spans.push(Span::styled(
            cur,
            if cur_hit { theme.match_hl } else { theme.base },
        ));
    }
    spans
}

/// Text with byte ranges highlighted.
pub fn marked_spans(
    text: &str,
    ranges: &[(usize, usize)],
    base: Style,
    hl: Style,
) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut at = 0;
    for &(a, b) in ranges {
        if a < at || b > text.len() || !text.is_char_boundary(a) || !text.is_char_boundary(b) {
            continue;
        }
        if a > at {
            spans.push(Span::styled(text[at..a].to_string(), base));
        }
        spans.push(Span::styled(text[a..b].to_string(), hl));
        at = b;
    }
    if at < text.len() {
        spans.push(Span::styled(text[at..].to_string(), base));
    }
    spans
}

/// The style of a warning in a row (the theme's warning banner).
pub fn warning(theme: &Theme) -> Style {
    theme.banner
}

/// What revisit knows of a session beyond its files, as marks at the end of its title: when
/// the agent deletes it (`⌛ Dec 01`, `⌛ due` when that is at its next start), its archived
/// copy, its tags. Most important first.
pub fn marks(
    s: &Session,
    now: DateTime<Utc>,
    tz: chrono::FixedOffset,
    theme: &Theme,
) -> Vec<(String, Style)> {
    let mut out = Vec::new();
    if crate::retention::is_expiring(s, now)
        && let Some(t) = s.extra.expires_at
    {
        let when = if t <= now {
            "due".to_string()
        } else {
            t.with_timezone(&tz).format("%b %d").to_string()
        };
        out.push((format!("⌛ {when}"), warning(theme)));
    }
    if s.extra.archived_at.is_some() {
        let what = if s.extra.archive_only {
            "▣ archive only"
        } else {
            "▣ archived"
        };
        out.push((what.to_string(), theme.accent));
    }
    if !s.extra.tags.is_empty() {
        out.push((crate::retention::tags_text(&s.extra.tags), theme.muted));
    }
    out
}

fn session_line(
    s: &Session,
    c: &Columns,
    state: &AppState,
    idx: usize,
    theme: &Theme,
) -> Line<'static> {
    let title = sanitize::one_line(crate::search::list::shown_title(s));
    let mut spans = vec![
        Span::styled(text::pad(s.agent.as_str(), c.agent), theme.agent(s.agent)),
        Span::raw(" "),
    ];
    // the marks take the end of the title cell, leaving the title at least half of it
    let budget = c.title.saturating_sub((c.title / 2).max(12));
    let mut used = 0;
    let mut kept: Vec<(String, Style)> = Vec::new();
    for (m, style) in marks(s, state.now, state.tz, theme) {
        let w = text::width(&m) + 1;
        if used + w <= budget {
            used += w;
            kept.push((m, style));
        } else if kept.is_empty() && budget > 4 {
            // the most important one, shortened
            let m = text::fit(&m, budget - 1);
            used += text::width(&m) + 1;
            kept.push((m, style));
        } else if m.starts_with('#') && s.extra.tags.len() > 1 {
            // tags that do not all fit: the first one and how many more
            let short = format!(
                "{} +{}",
                crate::retention::tags_text(&s.extra.tags[..1]),
                s.extra.tags.len() - 1
            );
            let w = text::width(&short) + 1;
            if used + w <= budget {
                used += w;
                kept.push((short, style));
            }
        }
    }
    spans.extend(title_spans(
        &title,
        c.title - used,
        state.highlights.get(&idx),
        theme,
    ));
    for (m, style) in kept {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(m, style));
    }
    spans.push(Span::raw(" "));
    if c.project > 0 {
        let p = sanitize::one_line(s.project.as_deref().unwrap_or("-"));
        spans.push(Span::styled(text::pad(&p, c.project), theme.muted));
        spans.push(Span::raw(" "));
    }
    let (cell, style) = status_cell(s, state.now, theme);
    spans.push(Span::styled(format!("{:>w$}", cell, w = c.age), style));
    if c.msgs > 0 {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            format!("{:>w$}", s.messages, w = c.msgs),
            theme.muted,
        ));
    }
    if c.tokens > 0 {
        spans.push(Span::raw(" "));
        let t = if s.tokens_known {
            human(s.tokens.total())
        } else {
            "?".into()
        };
        spans.push(Span::styled(
            format!("{:>w$}", t, w = c.tokens),
            theme.muted,
        ));
    }
    if c.cost > 0 {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            format!("{:>w$}", session_cost(s), w = c.cost),
            theme.muted,
        ));
    }
    Line::from(spans)
}

/// The age column: `● live` for a session being written (or whose agent says it runs), else
/// its age, with the end state of a run where the agent records one (profclaw).
pub fn status_cell(
    s: &Session,
    now: chrono::DateTime<chrono::Utc>,
    theme: &Theme,
) -> (String, ratatui::style::Style) {
    if crate::search::query::is_live(s, now) {
        let what = match s.status.as_deref() {
            Some("queued" | "pending" | "created") => "◌ queued",
            _ => "● live",
        };
        return (what.into(), theme.user);
    }
    let a = age(now, s.updated_at);
    match s.status.as_deref() {
        Some("failed" | "error") => (format!("{a} ✗"), theme.error),
        Some("cancelled" | "canceled") => (format!("{a} ⊘"), theme.muted),
        Some("completed") => (format!("{a} ✓"), theme.muted),
        _ => (a, theme.muted),
    }
}

fn group_line(g: &GroupRow, width: usize, theme: &Theme) -> Line<'static> {
    let mut text_ = format!(
        "▾ {} — {} session{} · {} msgs · {} tokens",
        sanitize::one_line(&g.name),
        g.sessions,
        if g.sessions == 1 { "" } else { "s" },
        g.messages,
        human(g.tokens)
    );
    if g.cost.is_some() {
        text_.push_str(&format!(" · {}", money(g.cost)));
    }
    Line::from(Span::styled(text::pad(&text_, width), theme.group))
}

fn search_line(state: &AppState, width: usize, theme: &Theme) -> Line<'static> {
    let b = &state.search;
    let label = match b.mode {
        SearchMode::Fuzzy => "filter",
        SearchMode::FullText => "full text",
    };
    let prompt = format!("{label}> ");
    let mut spans = vec![Span::styled(prompt.clone(), theme.status_key)];
    spans.push(Span::styled(sanitize::one_line(&b.input), theme.base));
    let used = text::width(&prompt) + text::width(&b.input);
    let note = if let Some(e) = state.query.error() {
        Some((format!("  {e}"), theme.error))
    } else if b.pending {
        Some(("  …".to_string(), theme.muted))
    } else if b.focused {
        Some((
            "  Enter keep · Esc clear · Tab fuzzy/full text".to_string(),
            theme.muted,
        ))
    } else {
        None
    };
    if let Some((n, style)) = note {
        let room = width.saturating_sub(used);
        spans.push(Span::styled(text::fit(&n, room), style));
    }
    Line::from(spans)
}

pub fn render(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let focused = state.focus == Focus::List && !state.help;
    let total = state.sessions.len();
    let shown = state.rows.iter().filter(|r| r.session().is_some()).count();
    let mut title = if shown == total {
        format!(" Sessions ({total})")
    } else {
        format!(" Sessions ({shown} of {total})")
    };
    if !state.full_text() && (state.sort != Default::default() || !state.query.terms.is_empty()) {
        title.push_str(&format!(" · {}", state.sort.label()));
    }
    if state.full_text() {
        title.push_str(" · full text");
    }
    if state.group {
        title.push_str(" · by project");
    }
    title.push(' ');
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if focused {
            theme.border_focus
        } else {
            theme.border
        })
        .title(Span::styled(
            text::fit(&title, area.width.saturating_sub(2) as usize),
            theme.title,
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let w = inner.width as usize;
    let c = columns(w);
    let mut lines: Vec<Line> = Vec::new();
    if state.search.visible() {
        lines.push(search_line(state, w, theme));
    }
    // header row
    let mut head = vec![
        Span::styled(text::pad("AGENT", c.agent), theme.header),
        Span::raw(" "),
        Span::styled(text::pad("TITLE", c.title), theme.header),
        Span::raw(" "),
    ];
    if c.project > 0 {
        head.push(Span::styled(text::pad("PROJECT", c.project), theme.header));
        head.push(Span::raw(" "));
    }
    head.push(Span::styled(
        format!("{:>w$}", "AGE", w = c.age),
        theme.header,
    ));
    for (width, name) in [(c.msgs, "MSGS"), (c.tokens, "TOKENS"), (c.cost, "COST")] {
        if width > 0 {
            head.push(Span::raw(" "));
            head.push(Span::styled(format!("{name:>width$}"), theme.header));
        }
    }
    lines.push(Line::from(head));

    if state.rows.is_empty() {
        let msg = if !state.loaded {
            "Loading…"
        } else if state.sessions.is_empty() {
            "No sessions found. Run `revisit doctor` to see where revisit looked."
        } else if state.search.pending {
            "Searching…"
        } else {
            "Nothing matches."
        };
        lines.push(Line::from(Span::styled(msg, theme.muted)));
    }
    for (i, row) in state
        .rows
        .iter()
        .enumerate()
        .skip(state.list_offset)
        .take(state.list_capacity())
    {
        let selected = i == state.selected;
        match row {
            Row::Group(g) => lines.push(group_line(g, w, theme)),
            Row::Session { idx, .. } => {
                let Some(s) = state.sessions.get(*idx) else {
                    continue;
                };
                let mut line = session_line(s, &c, state, *idx, theme);
                if selected {
                    line = select(line, theme);
                }
                lines.push(line);
                if state.full_text() {
                    let (snip, ranges) = state
                        .hits
                        .get(idx)
                        .map(|h| (h.snippet.as_str(), h.ranges.as_slice()))
                        .unwrap_or(("", &[]));
                    let lead = "  ↳ ";
                    let room = w.saturating_sub(text::width(lead));
                    // the snippet is already one sanitised line; fit keeps ranges valid only
                    // when nothing is cut before them
                    let fitted = text::fit(snip, room);
                    let keep: Vec<(usize, usize)> = ranges
                        .iter()
                        .copied()
                        .filter(|(_, b)| *b <= fitted.len())
                        .collect();
                    let mut spans = vec![Span::styled(lead, theme.muted)];
                    spans.extend(marked_spans(&fitted, &keep, theme.muted, theme.match_hl));
                    let mut l = Line::from(spans);
                    if selected {
                        l = select(l, theme);
                    }
                    lines.push(l);
                }
            }
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
    // the terminal cursor sits in the search box while typing
    if state.search.focused && focused {
        let prompt_w = match state.search.mode {
            SearchMode::Fuzzy => "filter> ".len(),
            SearchMode::FullText => "full text> ".len(),
        };
        let before: String = state
            .search
            .input
            .chars()
            .take(state.search.cursor)
            .collect();
        let x = inner.x as usize + prompt_w + text::width(&before);
        if x < (inner.x + inner.width) as usize {
            f.set_cursor_position(Position::new(x as u16, inner.y));
        }
    }
}

/// A session's cost for the list (see [`crate::text::cost_or_unpriced`]).
pub fn session_cost(s: &crate::model::Session) -> String {
    crate::text::cost_or_unpriced(s.cost_usd, s.unpriced_turns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ages() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let ago = |s: i64| age(now, Some(now - chrono::Duration::seconds(s)));
        assert_eq!(ago(5), "now");
        assert_eq!(ago(300), "5m");
        assert_eq!(ago(7200), "2h");
        assert_eq!(ago(86_400 * 3), "3d");
        assert_eq!(ago(86_400 * 30), "4w");
        assert_eq!(ago(86_400 * 400), "2025-10-20");
        assert_eq!(age(now, None), "-");
    }

    #[test]
    fn columns_adapt_to_width() {
        let wide = columns(120);
        assert!(wide.cost > 0 && wide.tokens > 0 && wide.project > 0 && wide.msgs > 0);
        let mid = columns(70);
        assert_eq!(mid.cost, 0);
        assert!(mid.title >= 24, "{mid:?}");
        let narrow = columns(40);
        assert_eq!(
            (narrow.cost, narrow.tokens, narrow.project, narrow.msgs),
            (0, 0, 0, 0)
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(human(950), "950");
        assert_eq!(human(12_345), "12.3k");
        assert_eq!(human(4_100_000), "4.1M");
        assert_eq!(money(None), "-");
        let mut s = crate::model::test_session(1);
        s.cost_usd = None;
        s.unpriced_turns = 0;
        assert_eq!(session_cost(&s), "-", "no usage");
        s.unpriced_turns = 2;
        assert_eq!(session_cost(&s), "?", "usage, no price");
        s.cost_usd = Some(0.5);
        assert_eq!(session_cost(&s), "$0.500+", "part priced: at least");
        s.unpriced_turns = 0;
        assert_eq!(session_cost(&s), "$0.500");
        assert_eq!(money(Some(1.234)), "$1.23");
        assert_eq!(money(Some(0.0042)), "$0.004");
    }

    #[test]
    fn marks_for_expiry_archive_and_tags() {
        let theme = Theme::dark();
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let tz = chrono::FixedOffset::east_opt(0).unwrap();
        let mut s = crate::model::test_session(1);
        assert!(marks(&s, now, tz, &theme).is_empty());
        s.extra.expires_at = Some(Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap());
        s.extra.tags = vec!["review".into(), "bug".into()];
        assert_eq!(
            marks(&s, now, tz, &theme),
            vec![
                ("⌛ Dec 01".to_string(), warning(&theme)),
                ("#review #bug".to_string(), theme.muted)
            ]
        );
        s.extra.expires_at = Some(now - chrono::Duration::days(3));
        assert_eq!(marks(&s, now, tz, &theme)[0].0, "⌛ due");
        s.extra.expires_at = Some(now + chrono::Duration::days(20));
        assert_eq!(marks(&s, now, tz, &theme).len(), 1, "not within a week");
        s.extra.expires_at = Some(now);
        s.extra.archived_at = Some(now);
        let m = marks(&s, now, tz, &theme);
        assert_eq!(
            m[0],
            ("▣ archived".to_string(), theme.accent),
            "archived: not expiring"
        );
        s.extra.archive_only = true;
        assert_eq!(marks(&s, now, tz, &theme)[0].0, "▣ archive only");
    }

    #[test]
    fn tags_that_do_not_fit_show_the_first_and_how_many_more() {
        let theme = Theme::dark();
        let state = crate::app::AppState::new(Utc::now(), (140, 40), None);
        let mut s = crate::model::test_session(1);
        s.extra.archived_at = Some(Utc::now());
        s.extra.tags = vec!["billing".into(), "review".into(), "urgent".into()];
        let text = |width: usize| {
            let mut c = columns(200);
            c.title = width;
            session_line(&s, &c, &state, 0, &theme)
                .spans
                .iter()
                .map(|sp| sp.content.to_string())
                .collect::<String>()
        };
        let wide = text(80);
        assert!(
            wide.contains("▣ archived") && wide.contains("#billing #review #urgent"),
            "{wide}"
        );
        let narrow = text(50);
        assert!(
            narrow.contains("▣ archived") && narrow.contains("#billing +2"),
            "{narrow}"
        );
        assert!(!narrow.contains("#review"), "{narrow}");
    }

    #[test]
    fn status_shows_live_and_end_states() {
        let theme = Theme::dark();
        let now = chrono::Utc::now();
        let mut s = crate::model::test_session(1);
        s.updated_at = Some(now - chrono::Duration::seconds(20));
        assert_eq!(status_cell(&s, now, &theme).0, "● live", "written 20 s ago");
        s.updated_at = Some(now - chrono::Duration::hours(3));
        assert_eq!(status_cell(&s, now, &theme).0, "3h");
        s.status = Some("running".into());
        assert_eq!(
            status_cell(&s, now, &theme).0,
            "● live",
            "the agent says it runs"
        );
        s.status = Some("queued".into());
        assert_eq!(status_cell(&s, now, &theme).0, "◌ queued");
        s.status = Some("failed".into());
        assert_eq!(
            status_cell(&s, now, &theme),
            ("3h ✗".to_string(), theme.error)
        );
        s.status = Some("completed".into());
        assert_eq!(status_cell(&s, now, &theme).0, "3h ✓");
        s.status = Some("stale lock".into());
        assert_eq!(status_cell(&s, now, &theme).0, "3h");
    }
}
