//! The yes/no question over everything (resume from another directory? delete?).

use super::theme::Theme;
use crate::app::Action;
use crate::app::AppState;
use crate::app::keymap::Mode;
use crate::app::state::{Confirm, Yes};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn render(f: &mut Frame, area: Rect, state: &AppState, c: &Confirm, theme: &Theme) {
    let keys = |action: Action| {
        state
            .keymap
            .modes
            .iter()
            .filter(|(m, _)| *m == Mode::Confirm)
            .flat_map(|(_, b)| b.iter())
            .find(|b| b.action == action)
            .map(|b| b.keys_label())
            .unwrap_or_default()
    };
    // a delete lists paths: wider, so that most fit on a line
    let widest = if matches!(c.yes, Yes::Delete(_)) {
        110
    } else {
        76
    };
    let w = area
        .width
        .saturating_sub(4)
        .clamp(20, widest)
        .min(area.width);
    let inner_w = w.saturating_sub(4).max(1) as usize;
    let (title, question, command) = match &c.yes {
        Yes::Resume(plan) => (
            " Resume from here? ",
            crate::text::wrap_line(&crate::sanitize::one_line(&c.question), inner_w),
            crate::text::wrap_line(&crate::sanitize::one_line(&plan.shell_line()), inner_w),
        ),
        Yes::Delete(plan) => {
            let mut q = crate::text::wrap_line(
                &format!(
                    "Delete {} session \"{}\"? Its files move to revisit's trash (u puts them back):",
                    plan.agent.display_name(),
                    crate::sanitize::truncate_chars(&crate::sanitize::one_line(&plan.title), 60)
                ),
                inner_w,
            );
            q.truncate(4);
            let files = plan
                .files
                .iter()
                .flat_map(|f| {
                    crate::text::wrap_line(
                        &crate::sanitize::one_line(&tilde(&f.display().to_string())),
                        inner_w,
                    )
                })
                .collect();
            (" Delete? ", q, files)
        }
    };
    let mut lines: Vec<Line> = question
        .into_iter()
        .map(|l| Line::from(Span::styled(l, theme.base)))
        .collect();
    lines.push(Line::from(""));
    lines.extend(
        command
            .into_iter()
            .map(|l| Line::from(Span::styled(l, theme.code))),
    );
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::styled(keys(Action::Confirm), theme.status_key),
        Span::styled(" yes   ", theme.muted),
        Span::styled(keys(Action::Cancel), theme.status_key),
        Span::styled(" no", theme.muted),
    ]));
    let padded = super::dialog(f, area, (w, lines.len() as u16 + 2), title, theme);
    // the last line (the keys) stays when the screen is too short for everything
    let rows = padded.height as usize;
    if lines.len() > rows && rows > 0 {
        let keys_line = lines.pop().expect("the keys line");
        lines.truncate(rows - 1);
        lines.push(keys_line);
    }
    f.render_widget(Paragraph::new(lines), padded);
}

/// A path with the home directory shown as `~`.
fn tilde(path: &str) -> String {
    match std::env::var("HOME") {
        Ok(home) if !home.is_empty() && home != "/" => match path.strip_prefix(home.as_str()) {
            Some(rest) if rest.starts_with('/') => format!("~{rest}"),
            _ => path.to_string(),
        },
        _ => path.to_string(),
    }
}
