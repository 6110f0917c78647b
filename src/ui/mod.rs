//! Rendering: pure functions of `AppState`. Nothing here changes state or does I/O.

pub mod help;
pub mod list;
pub mod status;
pub mod theme;
pub mod transcript;

use crate::app::AppState;
use ratatui::Frame;
use ratatui::text::Span;
use ratatui::widgets::Paragraph;
use theme::Theme;

pub fn render(f: &mut Frame, state: &AppState) {
    let theme = Theme::dark();
    let layout = &state.layout;
    if let (Some(r), Some(b)) = (layout.banner, &state.banner) {
        let text = crate::text::pad(&format!(" {b}"), r.width as usize);
        f.render_widget(Paragraph::new(Span::styled(text, theme.banner)), r);
    }
    if let Some(r) = layout.list {
        list::render(f, r, state, &theme);
    }
    if let Some(r) = layout.transcript {
        transcript::render(f, r, state, &theme);
    }
    status::render(f, layout.status, state, &theme);
    if state.help {
        help::render(f, f.area(), state, &theme);
    }
}
