//! The transcript pane: draws the lines `update` put in the view (it never renders units).

use super::theme::Theme;
use crate::app::AppState;
use crate::app::state::Focus;
use crate::app::transcript::ViewLine;
use crate::app::transcript::lines::Tone;
use crate::render::StyledLine;
use crate::{sanitize, text};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// The base style of a line.
pub fn tone_style(tone: Tone, theme: &Theme) -> Style {
    use crate::model::Role;
    match tone {
        Tone::Header(Role::User) => theme.user,
        Tone::Header(Role::Assistant) => theme.assistant,
        Tone::Header(Role::Tool) => theme.tool,
        Tone::Header(Role::System) => theme.notice,
        Tone::Prompt => theme.base.add_modifier(ratatui::style::Modifier::BOLD),
        Tone::Answer => theme.base,
        Tone::Thinking => theme.thinking,
        Tone::Tool => theme.tool,
        Tone::Output => theme.tool_result,
        Tone::Error => theme.error,
        Tone::Notice => theme.notice,
        Tone::Context => theme.muted,
        Tone::Subagent => theme.accent,
        Tone::Blank => theme.base,
    }
}

/// Spans of a styled line on a base style, with find hits marked.
pub fn spans_of<'a>(
    line: &'a StyledLine,
    base: Style,
    marks: &[(usize, usize)],
    theme: &Theme,
) -> Vec<Span<'a>> {
    let mut out = Vec::with_capacity(line.spans.len());
    let mut pos = 0usize;
    for s in &line.spans {
        let style = base.patch(theme.span(s.style));
        let (a, b) = (pos, pos + s.text.len());
        pos = b;
        let inside: Vec<(usize, usize)> = marks
            .iter()
            .filter(|(ma, mb)| *ma < b && *mb > a)
            .map(|(ma, mb)| ((*ma).max(a) - a, (*mb).min(b) - a))
            .collect();
        if inside.is_empty() {
            out.push(Span::styled(s.text.as_str(), style));
            continue;
        }
        let mut at = 0;
        for (ma, mb) in inside {
            if !s.text.is_char_boundary(ma) || !s.text.is_char_boundary(mb) {
                continue;
            }
            if ma > at {
                out.push(Span::styled(&s.text[at..ma], style));
            }
            out.push(Span::styled(&s.text[ma..mb], style.patch(theme.match_hl)));
            at = mb;
        }
        if at < s.text.len() {
            out.push(Span::styled(&s.text[at..], style));
        }
    }
    out
}

/// The style of a preview note.
fn note_style(kind: crate::retention::NoteKind, theme: &Theme) -> Style {
    use crate::retention::NoteKind;
    match kind {
        NoteKind::Expiring => super::list::warning(theme),
        NoteKind::Expiry | NoteKind::About => theme.muted,
        NoteKind::Archived => theme.accent,
    }
}

fn view_line<'a>(l: &'a ViewLine, focused: bool, theme: &Theme) -> Line<'a> {
    let mut spans = Vec::with_capacity(l.line.spans.len() + 2);
    spans.push(if l.cursor {
        Span::styled(
            "▌",
            if focused {
                theme.border_focus
            } else {
                theme.muted
            },
        )
    } else {
        Span::raw(" ")
    });
    for _ in 0..l.depth {
        spans.push(Span::styled("┃ ", theme.muted));
    }
    spans.extend(spans_of(
        &l.line,
        tone_style(l.tone, theme),
        &l.marks,
        theme,
    ));
    Line::from(spans)
}

pub fn render(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let focused = state.focus == Focus::Transcript && !state.help;
    let t = &state.transcript;
    let session = state.transcript_session();
    let title = match session {
        Some(s) => format!(
            " {} · {} ",
            s.agent.display_name(),
            sanitize::one_line(crate::search::list::shown_title(s))
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
    // the first line: where the session ran, the fold level and how far down we are
    let info = match session {
        Some(s) => {
            let place = s.cwd.as_deref().map(sanitize::one_line).unwrap_or_default();
            let mut right = Vec::new();
            if t.branch_leaf.is_some() {
                right.push("⑂ other branch".to_string());
            }
            if t.new_below > 0 {
                right.push(format!(
                    "↓ {} new message{}",
                    t.new_below,
                    if t.new_below == 1 { "" } else { "s" }
                ));
            }
            if !t.units.is_empty() {
                right.push(t.level.label().to_string());
                right.push(format!("{}%", t.percent()));
            }
            let right = right.join(" · ");
            let avail = (inner.width as usize).saturating_sub(text::width(&right) + 1);
            format!("{} {right}", text::pad(&text::fit(&place, avail), avail))
        }
        None => String::new(),
    };
    lines.push(Line::from(Span::styled(info, theme.muted)));
    // notes (retention, archive, title and tags) in the rows the transcript leaves above it
    let find_row = (t.find.active() && inner.height > 2) as usize;
    let room = (inner.height as usize)
        .saturating_sub(1 + find_row)
        .saturating_sub(t.rows);
    if let Some(s) = session
        && room > 0
    {
        let notes = crate::retention::notes(s, state.now, state.tz);
        for (kind, text) in crate::retention::note_lines(&notes, inner.width as usize)
            .into_iter()
            .take(room)
        {
            lines.push(Line::from(Span::styled(text, note_style(kind, theme))));
        }
    }
    if t.loading {
        lines.push(Line::from(Span::styled("Loading…", theme.muted)));
    } else if session.is_none() {
        lines.push(Line::from(Span::styled(
            "Select a session to read it.",
            theme.muted,
        )));
    } else if t.units.is_empty() {
        lines.push(Line::from(Span::styled(
            "This session has no messages.",
            theme.muted,
        )));
    }
    for l in &t.view {
        lines.push(view_line(l, focused, theme));
    }
    f.render_widget(Paragraph::new(lines), inner);
    if t.find.active() && inner.height > 2 {
        let r = Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1);
        let hits = if t.find.needles.is_empty() {
            String::new()
        } else if t.find.searching {
            "  searching…".into()
        } else {
            let n = t.find.hits.len();
            match t.find.current {
                Some(c) if n > 0 => format!("  {}/{n}", c + 1),
                _ => format!("  {n} match{}", if n == 1 { "" } else { "es" }),
            }
        };
        let input = &t.find.input;
        let mut spans = vec![
            Span::styled("find: ", theme.accent),
            Span::styled(sanitize::one_line(&input.input), theme.base),
        ];
        if t.find.focused {
            spans.push(Span::styled("▏", theme.accent));
        }
        spans.push(Span::styled(hits, theme.muted));
        f.render_widget(Paragraph::new(Line::from(spans)), r);
    }
}
