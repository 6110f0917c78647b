//! The stats pane: totals, a chart of cost per day with its scale, a sparkline of tokens, the
//! share of each model, a breakdown table and the most expensive sessions.

use super::theme::Theme;
use crate::app::AppState;
use crate::app::state::StatsView;
use crate::sanitize;
use crate::stats::Stats;
use crate::text::{self, human, money};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// Eighths of a block, for bars.
const BARS: [&str; 9] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

/// As in the list: `?` when nothing has a price, a `+` when part of it has none.
pub fn cost_label(usd: f64, unpriced: u64) -> String {
    text::cost_or_unpriced(Some(usd), unpriced)
}

pub fn render(f: &mut Frame, area: Rect, state: &AppState, v: &StatsView, theme: &Theme) {
    f.render_widget(Clear, area);
    let filter = if state.search.input.trim().is_empty() {
        "every session".to_string()
    } else {
        format!("filter: {}", sanitize::one_line(&state.search.input))
    };
    let title = format!(" Stats · {filter} · {} ", v.range.label());
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .style(theme.base)
        .title(Span::styled(
            text::fit(&title, area.width.saturating_sub(4) as usize),
            theme.title,
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.height < 3 || inner.width < 20 {
        return;
    }
    let Some(st) = v.stats.as_ref() else {
        f.render_widget(
            Paragraph::new(Span::styled("Computing…", theme.muted)),
            inner,
        );
        return;
    };
    // totals: two lines
    let t = &st.totals;
    let mut lines = vec![
        Line::from(vec![
            Span::styled("cost ", theme.muted),
            Span::styled(cost_label(t.cost_usd, t.unpriced_turns), theme.title),
            Span::styled(
                format!(
                    "   {} sessions · {} prompts · {} tool calls · {} requests",
                    t.sessions, t.prompts, t.tool_calls, t.turns
                ),
                theme.base,
            ),
        ]),
        Line::from(Span::styled(
            format!(
                "tokens: in {} · out {} ({} thinking) · cache {} read, {} written",
                human(t.tokens.input),
                human(t.tokens.output),
                human(t.tokens.reasoning),
                human(t.tokens.cache_read),
                human(t.tokens.cache_write)
            ),
            theme.muted,
        )),
    ];
    if t.unpriced_turns > 0 {
        lines.push(Line::from(Span::styled(
            text::fit(
                &format!(
                    "{} requests without a price (not in the cost; [pricing.models] in config.toml adds prices): {}",
                    t.unpriced_turns,
                    sanitize::one_line(&st.unpriced_models.join(", "))
                ),
                inner.width as usize,
            ),
            theme.error,
        )));
    }
    let head = lines.len() as u16;
    f.render_widget(
        Paragraph::new(lines),
        Rect::new(inner.x, inner.y, inner.width, head.min(inner.height)),
    );
    let body = Rect::new(
        inner.x,
        inner.y + head + 1,
        inner.width,
        inner.height.saturating_sub(head + 1),
    );
    if body.height < 4 {
        return;
    }
    // charts on the left (or on top when narrow), tables on the right (or below)
    let (charts, tables) = if body.width >= 100 {
        let lw = body.width * 11 / 20;
        (
            Rect::new(body.x, body.y, lw, body.height),
            Rect::new(body.x + lw + 1, body.y, body.width - lw - 1, body.height),
        )
    } else {
        let th = body.height / 2;
        (
            Rect::new(body.x, body.y, body.width, th),
            Rect::new(body.x, body.y + th, body.width, body.height - th),
        )
    };
    render_charts(f, charts, st, theme);
    render_tables(f, tables, st, v, theme);
}

fn render_charts(f: &mut Frame, area: Rect, st: &Stats, theme: &Theme) {
    let mut lines: Vec<Line> = Vec::new();
    let models_h = 5u16
        .min(area.height / 4)
        .max(area.height.saturating_sub(16 + 2 + 3))
        .min(8);
    let spark_h = 2u16;
    // a chart taller than 16 rows says no more, and leaves the models less room
    let chart_h = area
        .height
        .saturating_sub(models_h + spark_h + 3)
        .clamp(3, 16);
    // cost per day: the last days that fit, one column each, with a labelled scale
    let axis_w = 9usize;
    let cols = (area.width as usize).saturating_sub(axis_w + 1).max(1);
    let days: Vec<&(chrono::NaiveDate, f64, u64)> = st
        .daily
        .iter()
        .rev()
        .take(cols)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    // few days get wider bars (up to 6 columns, one column of space between them)
    let bar_cols = if days.is_empty() {
        1
    } else {
        (cols / days.len()).clamp(1, 7)
    };
    let (bw, gap) = if bar_cols >= 3 {
        (bar_cols - 1, 1)
    } else {
        (bar_cols, 0)
    };
    let max = days.iter().map(|d| d.1).fold(0.0f64, f64::max);
    let shown = if days.len() < st.daily.len() {
        format!("cost per day (the last {} days)", days.len())
    } else {
        "cost per day".to_string()
    };
    lines.push(Line::from(Span::styled(shown, theme.header)));
    let h = chart_h as usize;
    for row in 0..h {
        // the scale: the top, the middle and zero
        let level = h - row; // h..1
        let label = if row == 0 {
            money(Some(max))
        } else if row == h / 2 {
            money(Some(max * (level as f64 - 0.5) / h as f64))
        } else if row == h - 1 {
            "$0".into()
        } else {
            String::new()
        };
        let axis = format!("{label:>w$} ┤", w = axis_w - 2);
        let mut bars = String::new();
        for d in &days {
            let filled = if max > 0.0 { d.1 / max * h as f64 } else { 0.0 };
            let below = (level - 1) as f64;
            let eighths = ((filled - below) * 8.0).clamp(0.0, 8.0) as usize;
            bars.push_str(&BARS[eighths].repeat(bw));
            bars.push_str(&" ".repeat(gap));
        }
        lines.push(Line::from(vec![
            Span::styled(axis, theme.muted),
            Span::styled(bars, theme.accent),
        ]));
    }
    // dates under the chart: the first and the last day
    if let (Some(first), Some(last)) = (days.first(), days.last()) {
        let a = first.0.format("%m-%d").to_string();
        let b = last.0.format("%m-%d").to_string();
        let span = days.len() * (bw + gap);
        let dates = if days.len() == 1 {
            a
        } else if span > a.len() + b.len() {
            // the last date ends under the last bar
            let room = span.saturating_sub(gap) - a.len() - b.len();
            format!("{a}{}{b}", " ".repeat(room))
        } else {
            b
        };
        lines.push(Line::from(Span::styled(
            format!("{}{dates}", " ".repeat(axis_w)),
            theme.muted,
        )));
    }
    // tokens per day: a sparkline over the same days
    let tmax = days.iter().map(|d| d.2).max().unwrap_or(0);
    let spark: String = days
        .iter()
        .map(|d| {
            let c = if tmax == 0 {
                BARS[0]
            } else {
                BARS[((d.2 as f64 / tmax as f64) * 8.0).round() as usize]
            };
            format!("{}{}", c.repeat(bw), " ".repeat(gap))
        })
        .collect();
    lines.push(Line::from(vec![
        Span::styled(format!("{:>w$} ", "tokens", w = axis_w - 1), theme.muted),
        Span::styled(spark, theme.thinking),
        Span::styled(format!("  max {}/day", human(tmax)), theme.muted),
    ]));
    lines.push(Line::default());
    // share of cost per model
    lines.push(Line::from(Span::styled("share per model", theme.header)));
    let total = st.totals.cost_usd.max(1e-12);
    let bar_w = (area.width as usize).saturating_sub(36).clamp(4, 30);
    if st.models.is_empty() {
        lines.push(Line::from(Span::styled("no cost in range", theme.muted)));
    }
    for (name, cost) in st.models.iter().take(models_h as usize) {
        let share = cost / total;
        let n = (share * bar_w as f64).round() as usize;
        lines.push(Line::from(vec![
            Span::styled(format!("{:>4.0}% ", share * 100.0), theme.base),
            Span::styled("█".repeat(n), theme.accent),
            Span::styled("·".repeat(bar_w - n.min(bar_w)), theme.muted),
            Span::styled(
                format!(" {}", text::fit(&sanitize::one_line(name), 24)),
                theme.base,
            ),
        ]));
    }
    f.render_widget(Paragraph::new(lines), area);
}

fn render_tables(f: &mut Frame, area: Rect, st: &Stats, v: &StatsView, theme: &Theme) {
    let w = area.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    let label_w = w.saturating_sub(8 + 9 + 10 + 3).max(8);
    lines.push(Line::from(Span::styled(
        format!(
            "{} {:>8} {:>9} {:>10}",
            text::pad(&format!("by {} (b)", st.by.as_str()), label_w),
            "SESSIONS",
            "TOKENS",
            "COST"
        ),
        theme.header,
    )));
    let half = (area.height as usize / 2).max(3);
    let groups: Vec<_> = if st.by.is_time() {
        // the most recent periods that fit
        let n = st.groups.len();
        st.groups[n.saturating_sub(half - 1)..].iter().collect()
    } else {
        st.groups.iter().take(half - 1).collect()
    };
    for g in groups {
        lines.push(Line::from(Span::styled(
            format!(
                "{} {:>8} {:>9} {:>10}",
                text::pad(&text::fit(&sanitize::one_line(&g.label), label_w), label_w),
                g.sums.sessions,
                human(g.sums.tokens.total()),
                cost_label(g.sums.cost_usd, g.sums.unpriced_turns)
            ),
            theme.base,
        )));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "most expensive sessions (Enter opens)",
        theme.header,
    )));
    let room = (area.height as usize).saturating_sub(lines.len());
    let start = v.selected.saturating_sub(room.saturating_sub(1));
    for (i, g) in v.top.iter().enumerate().skip(start).take(room) {
        let style = if i == v.selected {
            theme.selected
        } else {
            theme.base
        };
        lines.push(Line::from(Span::styled(
            format!(
                "{} {:>10}",
                text::pad(
                    &text::fit(&sanitize::one_line(&g.label), w.saturating_sub(12)),
                    w.saturating_sub(12)
                ),
                cost_label(g.sums.cost_usd, g.sums.unpriced_turns)
            ),
            style,
        )));
    }
    if v.top.is_empty() {
        lines.push(Line::from(Span::styled(
            "no sessions in range",
            theme.muted,
        )));
    }
    f.render_widget(Paragraph::new(lines), area);
}
