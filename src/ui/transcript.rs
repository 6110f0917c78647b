//! The transcript pane: renders the visible slice of the precomputed lines.

use super::theme::Theme;
use crate::app::AppState;
use crate::app::state::{Focus, LineKind};
use crate::model::Role;
use crate::{sanitize, text};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

fn style_for(kind: LineKind, theme: &Theme) -> ratatui::style::Style {
    match kind {
        LineKind::Header(Role::User) => theme.user,
        LineKind::Header(Role::Assistant) => theme.assistant,
        LineKind::Header(Role::Tool) => theme.tool,
        LineKind::Header(Role::System) => theme.notice,
        LineKind::Text => theme.base,
        LineKind::Meta => theme.muted,
        LineKind::Thinking => theme.thinking,
        LineKind::ToolCall => theme.tool,
        LineKind::ToolResult => theme.tool_result,
        LineKind::ToolError => theme.error,
        LineKind::Notice => theme.notice,
        LineKind::Blank => theme.base,
    }
}

pub fn render(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let focused = state.focus == Focus::Transcript && !state.help;
    let t = &state.transcript;
    let session = t
        .key
        .as_ref()
        .and_then(|k| state.sessions.iter().find(|s| &s.key == k));
    let title = match session {
        Some(s) => format!(
            " {} · {} ",
            s.agent.display_name(),
            sanitize::one_line(&s.title)
        ),
        None => " Transcript ".to_string(),
    };
    let title = text::fit(&title, area.width.saturating_sub(4) as usize);
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
    let mut lines: Vec<Line> = Vec::new();
    // the first line: where the session is and how far down we are
    let info = match session {
        Some(s) => {
            let place = s.cwd.as_deref().map(sanitize::one_line).unwrap_or_default();
            let pos = if t.lines.is_empty() {
                String::new()
            } else {
                let rows = inner.height.saturating_sub(1) as usize;
                let pct = if t.lines.len() <= rows {
                    100
                } else {
                    ((t.scroll + rows).min(t.lines.len()) * 100) / t.lines.len()
                };
                match t.hit {
                    Some(h) if !t.hits.is_empty() => {
                        format!("hit {}/{}  {pct}%", h + 1, t.hits.len())
                    }
                    _ => format!("{pct}%"),
                }
            };
            let avail = (inner.width as usize).saturating_sub(text::width(&pos) + 1);
            format!("{} {pos}", text::pad(&place, avail))
        }
        None => String::new(),
    };
    lines.push(Line::from(Span::styled(info, theme.muted)));
    if t.loading {
        lines.push(Line::from(Span::styled("Loading…", theme.muted)));
    } else if session.is_none() {
        lines.push(Line::from(Span::styled(
            "Select a session to read it.",
            theme.muted,
        )));
    }
    let rows = inner.height.saturating_sub(1) as usize;
    for l in t.lines.iter().skip(t.scroll).take(rows) {
        let style = style_for(l.kind, theme);
        let mut spans = Vec::new();
        if l.sidechain {
            spans.push(Span::styled("│ ", theme.muted));
        }
        if l.marks.is_empty() {
            spans.push(Span::styled(l.text.clone(), style));
        } else {
            spans.extend(super::list::marked_spans(
                &l.text,
                &l.marks,
                style,
                theme.match_hl,
            ));
        }
        lines.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
