//! The session list pane.

use super::theme::Theme;
use crate::app::AppState;
use crate::app::state::Focus;
use crate::{sanitize, text};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
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

struct Columns {
    agent: usize,
    project: usize,
    age: usize,
    msgs: usize,
    title: usize,
}

fn columns(width: usize) -> Columns {
    let agent = 8;
    let age = 10;
    let msgs = if width >= 60 { 5 } else { 0 };
    let project = if width >= 70 { 14 } else { 0 };
    let fixed = agent
        + 1
        + age
        + 1
        + if msgs > 0 { msgs + 1 } else { 0 }
        + if project > 0 { project + 1 } else { 0 };
    Columns {
        agent,
        project,
        age,
        msgs,
        title: width.saturating_sub(fixed + 1).max(8),
    }
}

pub fn render(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let focused = state.focus == Focus::List && !state.help;
    let title = format!(" Sessions ({}) ", state.sessions.len());
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if focused {
            theme.border_focus
        } else {
            theme.border
        })
        .title(Span::styled(title, theme.title));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let w = inner.width as usize;
    let c = columns(w);
    let mut lines: Vec<Line> = Vec::new();
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
        format!("{:>width$}", "AGE", width = c.age),
        theme.header,
    ));
    if c.msgs > 0 {
        head.push(Span::raw(" "));
        head.push(Span::styled(
            format!("{:>width$}", "MSGS", width = c.msgs),
            theme.header,
        ));
    }
    lines.push(Line::from(head));

    if state.sessions.is_empty() {
        let msg = if state.loaded {
            "No sessions found. Run `revisit doctor` to see where revisit looked."
        } else {
            "Loading…"
        };
        lines.push(Line::from(Span::styled(msg, theme.muted)));
    }
    let rows = inner.height.saturating_sub(1) as usize;
    for (i, s) in state
        .sessions
        .iter()
        .enumerate()
        .skip(state.list_offset)
        .take(rows)
    {
        let selected = i == state.selected;
        let title = sanitize::one_line(&s.title);
        let mut spans = vec![
            Span::styled(text::pad(s.agent.as_str(), c.agent), theme.agent(s.agent)),
            Span::raw(" "),
            Span::styled(text::pad(&title, c.title), theme.base),
            Span::raw(" "),
        ];
        if c.project > 0 {
            let p = sanitize::one_line(s.project.as_deref().unwrap_or("-"));
            spans.push(Span::styled(text::pad(&p, c.project), theme.muted));
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(
            format!("{:>width$}", age(state.now, s.updated_at), width = c.age),
            theme.muted,
        ));
        if c.msgs > 0 {
            spans.push(Span::raw(" "));
            spans.push(Span::styled(
                format!("{:>width$}", s.messages, width = c.msgs),
                theme.muted,
            ));
        }
        let mut line = Line::from(spans);
        if selected {
            line = line.style(theme.selected);
        }
        lines.push(line);
    }
    f.render_widget(Paragraph::new(lines), inner);
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
}
