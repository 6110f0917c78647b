//! Rendering: pure functions of `AppState`. Nothing here changes state or does I/O.

pub mod confirm;
pub mod help;
pub mod list;
pub mod prompt;
pub mod stats;
pub mod status;
pub mod theme;
pub mod transcript;

use crate::app::AppState;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::Paragraph;
use theme::Theme;

/// Draw everything in the default theme (tests and snapshots).
pub fn render(f: &mut Frame, state: &AppState) {
    render_with(f, state, &Theme::dark());
}

pub fn render_with(f: &mut Frame, state: &AppState, theme: &Theme) {
    // the theme's background everywhere (high contrast draws on black)
    f.render_widget(
        ratatui::widgets::Block::default().style(theme.base),
        f.area(),
    );
    let layout = &state.layout;
    if let (Some(r), Some(b)) = (layout.banner, &state.banner) {
        let text = crate::text::pad(&format!(" {b}"), r.width as usize);
        f.render_widget(Paragraph::new(Span::styled(text, theme.banner)), r);
    }
    if let Some(r) = layout.list {
        list::render(f, r, state, theme);
    }
    if let Some(r) = layout.transcript {
        transcript::render(f, r, state, theme);
    }
    if let Some(v) = &state.stats {
        let body = Rect::new(
            0,
            layout.banner.map(|b| b.height).unwrap_or(0),
            f.area().width,
            layout
                .status
                .y
                .saturating_sub(layout.banner.map(|b| b.height).unwrap_or(0)),
        );
        stats::render(f, body, state, v, theme);
    }
    status::render(f, layout.status, state, theme);
    if state.help {
        help::render(f, f.area(), state, theme);
    }
    if let Some(p) = &state.prompt {
        prompt::render(f, f.area(), state, p, theme);
    }
    if let Some(c) = &state.confirm {
        confirm::render(f, f.area(), state, c, theme);
    }
}

/// A centred box over everything (a question, a prompt): cleared, framed, titled. Returns the
/// area inside it, one column in from each side.
pub fn dialog(
    f: &mut ratatui::Frame,
    area: ratatui::layout::Rect,
    (w, h): (u16, u16),
    title: &str,
    theme: &theme::Theme,
) -> ratatui::layout::Rect {
    use ratatui::layout::Rect;
    use ratatui::text::Span;
    use ratatui::widgets::{Block, Borders, Clear};
    let h = h.min(area.height);
    let rect = Rect::new(
        area.x + area.width.saturating_sub(w) / 2,
        area.y + area.height.saturating_sub(h) / 2,
        w,
        h,
    );
    f.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(title.to_string(), theme.title))
        .style(theme.base);
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    Rect::new(
        inner.x + 1,
        inner.y,
        inner.width.saturating_sub(2),
        inner.height,
    )
}
