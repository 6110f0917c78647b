//! The help overlay, generated from the keymap. Sections flow into two or three columns when
//! one column would not fit the screen.

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
    for m in [
        Mode::List,
        Mode::Search,
        Mode::Transcript,
        Mode::Find,
        Mode::Stats,
        Mode::Global,
    ] {
        if !modes.contains(&m) {
            modes.push(m);
        }
    }
    let max_h = area.height.saturating_sub(2) as usize;
    let sections: Vec<usize> = modes
        .iter()
        .map(|m| state.keymap.bindings(*m).len() + 1)
        .collect();
    let one_col: usize = sections.iter().sum::<usize>() + sections.len().saturating_sub(1);
    // as few columns as show everything at once (sections in order, each column as tall as the
    // screen allows, at most three side by side); else one column that scrolls
    let pack = |n: usize| -> Option<Vec<usize>> {
        let mut starts = vec![0];
        let mut h = 0;
        for (i, &len) in sections.iter().enumerate() {
            let need = if h == 0 { len } else { h + 1 + len };
            if need <= max_h {
                h = need;
            } else if len <= max_h && starts.len() < n {
                starts.push(i);
                h = len;
            } else {
                return None;
            }
        }
        Some(starts)
    };
    let width_for = |n: usize| ((area.width as usize).saturating_sub(2 + n - 1) / n).min(52);
    let starts = if one_col > max_h {
        (2..=3)
            .filter(|&n| width_for(n) >= 34)
            .find_map(|n| pack(n).map(|s| (n, s)))
    } else {
        None
    };
    let col_w = match &starts {
        Some((n, _)) => width_for(*n),
        None => 64usize.min(area.width.saturating_sub(4) as usize),
    };
    let multi = starts.is_some();
    let starts = starts.map(|(_, s)| s).unwrap_or_else(|| vec![0]);
    let mut cols: Vec<Vec<Line>> = Vec::new();
    for (i, m) in modes.iter().enumerate() {
        if starts.contains(&i) {
            cols.push(Vec::new());
        }
        let cur = cols.last_mut().expect("a column");
        if !cur.is_empty() {
            cur.push(Line::default());
        }
        cur.extend(section(state, *m, theme, col_w));
    }
    let tallest = cols.iter().map(Vec::len).max().unwrap_or(0);
    let scroll = if multi {
        0
    } else {
        state.help_scroll.min(tallest.saturating_sub(max_h))
    };
    let more_below = !multi && scroll + max_h < tallest;
    let inner_w = col_w * cols.len() + cols.len() - 1;
    let w = (inner_w as u16 + 2).min(area.width);
    let h = (tallest.min(max_h) as u16 + 2).min(area.height);
    let rect = Rect::new(
        area.x + (area.width.saturating_sub(w)) / 2,
        area.y + (area.height.saturating_sub(h)) / 2,
        w,
        h,
    );
    f.render_widget(Clear, rect);
    let title = if more_below || scroll > 0 {
        " Keys (j/k scroll, Esc close) "
    } else {
        " Keys (Esc to close) "
    };
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(title, theme.title));
    if more_below {
        block = block.title_bottom(Span::styled(" ↓ more ", theme.muted));
    }
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    for (i, col) in cols.into_iter().enumerate() {
        let x = inner.x + (i * (col_w + 1)) as u16;
        let r = Rect::new(x, inner.y, (col_w as u16).min(inner.width), inner.height);
        let visible: Vec<Line> = col.into_iter().skip(scroll).collect();
        f.render_widget(Paragraph::new(visible), r);
    }
}

fn state_mode(state: &AppState) -> Mode {
    if state.search.focused {
        return Mode::Search;
    }
    match state.focus {
        crate::app::state::Focus::List => Mode::List,
        crate::app::state::Focus::Transcript => Mode::Transcript,
    }
}
