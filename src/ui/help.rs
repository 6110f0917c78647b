//! The help overlay, generated from the keymap. Sections flow into two columns when one
//! column would not fit the screen.

use super::theme::Theme;
use crate::app::AppState;
use crate::app::keymap::Mode;
use crate::text;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

fn section<'a>(state: &'a AppState, mode: Mode, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let bindings = state.keymap.bindings(mode);
    let keys_w = bindings
        .iter()
        .map(|b| text::width(&b.keys_label()) + 3)
        .max()
        .unwrap_or(4)
        .min(width * 3 / 5);
    let mut lines = vec![Line::from(Span::styled(mode.title(), theme.title))];
    for b in bindings {
        lines.push(Line::from(vec![
            Span::styled(
                text::pad(&format!(" {}", b.keys_label()), keys_w.saturating_sub(1)) + " ",
                theme.status_key,
            ),
            Span::styled(text::fit(b.desc, width.saturating_sub(keys_w)), theme.base),
        ]));
    }
    lines
}

pub fn render(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    // the current mode first, then the others
    let mut modes = vec![state_mode(state)];
    for m in [Mode::List, Mode::Transcript, Mode::Global] {
        if !modes.contains(&m) {
            modes.push(m);
        }
    }
    let max_h = area.height.saturating_sub(2) as usize;
    let one_col_w = 64usize;
    let total: usize = modes
        .iter()
        .map(|m| state.keymap.bindings(*m).len() + 2)
        .sum();
    let two_cols = total > max_h && area.width >= 60;
    let col_w = if two_cols {
        ((area.width as usize).saturating_sub(5) / 2).min(52)
    } else {
        one_col_w.min(area.width.saturating_sub(4) as usize)
    };
    let mut cols: Vec<Vec<Line>> = vec![Vec::new()];
    for m in &modes {
        let sec = section(state, *m, theme, col_w);
        let n_cols = cols.len();
        let cur = cols.last_mut().expect("one column");
        if two_cols && !cur.is_empty() && cur.len() + sec.len() + 1 > max_h && n_cols < 2 {
            cols.push(sec);
        } else {
            if !cur.is_empty() {
                cur.push(Line::default());
            }
            cur.extend(sec);
        }
    }
    let inner_w = if cols.len() == 2 {
        col_w * 2 + 1
    } else {
        col_w
    };
    let w = (inner_w as u16 + 2).min(area.width);
    let h = (cols.iter().map(Vec::len).max().unwrap_or(0) as u16 + 2).min(area.height);
    let rect = Rect::new(
        area.x + (area.width.saturating_sub(w)) / 2,
        area.y + (area.height.saturating_sub(h)) / 2,
        w,
        h,
    );
    f.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(" Keys (Esc to close) ", theme.title));
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    for (i, col) in cols.into_iter().enumerate() {
        let x = inner.x + (i * (col_w + 1)) as u16;
        let r = Rect::new(x, inner.y, (col_w as u16).min(inner.width), inner.height);
        f.render_widget(Paragraph::new(col), r);
    }
}

fn state_mode(state: &AppState) -> Mode {
    match state.focus {
        crate::app::state::Focus::List => Mode::List,
        crate::app::state::Focus::Transcript => Mode::Transcript,
    }
}
