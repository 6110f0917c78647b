//! A line of text typed in answer to a question: a name, tags, where to export.

use super::theme::Theme;
use crate::app::Action;
use crate::app::AppState;
use crate::app::keymap::Mode;
use crate::app::state::{Prompt, PromptKind};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn render(f: &mut Frame, area: Rect, state: &AppState, p: &Prompt, theme: &Theme) {
    let keys = |action: Action| {
        state
            .keymap
            .modes
            .iter()
            .filter(|(m, _)| *m == Mode::Prompt)
            .flat_map(|(_, b)| b.iter())
            .find(|b| b.action == action)
            .map(|b| b.keys_label())
            .unwrap_or_default()
    };
    let w = area.width.saturating_sub(4).clamp(20, 90).min(area.width);
    let inner_w = w.saturating_sub(4).max(1) as usize;
    let mut lines: Vec<Line> = Vec::new();
    if let PromptKind::Rename { title, .. } = &p.kind {
        lines.push(Line::from(Span::styled(
            crate::text::fit(
                &format!("Title: {}", crate::sanitize::one_line(title)),
                inner_w,
            ),
            theme.muted,
        )));
    }
    // the text, scrolled so that the cursor shows
    let chars: Vec<char> = p.input.input.chars().collect();
    let cursor = p.input.cursor.min(chars.len());
    let mut start = 0;
    while crate::text::width(&chars[start..cursor].iter().collect::<String>()) + 1 > inner_w
        && start < cursor
    {
        start += 1;
    }
    let mut shown = String::new();
    for c in &chars[start..] {
        if crate::text::width(&shown) + crate::text::width(&c.to_string()) > inner_w {
            break;
        }
        shown.push(*c);
    }
    let input_row = lines.len();
    lines.push(Line::from(Span::styled(
        crate::sanitize::one_line(&shown),
        theme.base,
    )));
    lines.push(Line::from(""));
    let mut hints = vec![
        Span::styled(keys(Action::Confirm), theme.status_key),
        Span::styled(" done   ", theme.muted),
        Span::styled(keys(Action::Cancel), theme.status_key),
        Span::styled(" cancel", theme.muted),
    ];
    if matches!(p.kind, PromptKind::Export { .. }) {
        hints.extend([
            Span::styled("   ", theme.muted),
            Span::styled(keys(Action::NextChoice), theme.status_key),
            Span::styled(" format   ", theme.muted),
            Span::styled(keys(Action::ToggleRedact), theme.status_key),
            Span::styled(" redaction", theme.muted),
        ]);
    }
    lines.push(Line::from(hints));
    let padded = super::dialog(
        f,
        area,
        (w, lines.len() as u16 + 2),
        &format!(" {} ", p.label()),
        theme,
    );
    f.render_widget(Paragraph::new(lines), padded);
    if (input_row as u16) < padded.height {
        let before: String = chars[start..cursor].iter().collect();
        let x = padded.x + crate::text::width(&before) as u16;
        f.set_cursor_position(Position::new(
            x.min(padded.x + padded.width.saturating_sub(1)),
            padded.y + input_row as u16,
        ));
    }
}
