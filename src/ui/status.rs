//! The status line: indexing progress and messages on the left, key hints on the right.

use super::theme::Theme;
use crate::app::{Action, AppState};
use crate::text;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn render(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let mode = state.mode();
    let mut hints: Vec<Span> = Vec::new();
    use crate::app::keymap::Mode;
    let wanted: &[Action] = match mode {
        Mode::Help => &[Action::ToggleHelp],
        Mode::Search => &[
            Action::KeepSearch,
            Action::ClearSearch,
            Action::ToggleSearchMode,
        ],
        Mode::Find => &[Action::KeepSearch, Action::ClearSearch],
        Mode::Stats => &[
            Action::StatsBy,
            Action::StatsRange,
            Action::Open,
            Action::Back,
        ],
        Mode::Transcript if !state.transcript.find.hits.is_empty() => &[
            Action::NextHit,
            Action::PrevHit,
            Action::Back,
            Action::ToggleHelp,
        ],
        Mode::Transcript => &[
            Action::ToggleFold,
            Action::CycleFoldLevel,
            Action::NextPrompt,
            Action::FindInTranscript,
            Action::ToggleHelp,
            Action::Resume,
            Action::Back,
        ],
        Mode::Confirm => &[Action::Confirm, Action::Cancel],
        Mode::Prompt => &[Action::Confirm, Action::Cancel],
        _ => &[
            Action::Open,
            Action::Resume,
            Action::Search,
            Action::ToggleHelp,
            Action::FullTextSearch,
            Action::CycleSort,
            Action::Quit,
        ],
    };
    // hints are added while they fit in two thirds of the line; an error comes first (it
    // says why something did not happen) and hints only take what it leaves
    let error_w = match (&state.status.error, &state.status.indexing) {
        (Some(e), None) => text::width(&crate::sanitize::one_line(e)) + 1,
        _ => 0,
    };
    let budget = ((area.width as usize) * 2 / 3).min((area.width as usize).saturating_sub(error_w));
    let mut hints_w = 0usize;
    for a in wanted {
        if let Some((key, desc)) = state.keymap.hint(mode, *a) {
            let d = format!(" {desc}  ");
            let w = text::width(&key) + text::width(&d);
            if hints_w + w > budget {
                break;
            }
            hints_w += w;
            hints.push(Span::styled(key, theme.status_key));
            hints.push(Span::styled(d, theme.status));
        }
    }
    let left = if let Some(p) = &state.status.indexing {
        let secs = p.elapsed.as_secs_f64().max(0.001);
        format!(
            "indexing {}/{} files, {:.1}/{:.1} MB, {:.0} MB/s",
            p.stores_done,
            p.stores_total,
            p.bytes_done as f64 / 1e6,
            p.bytes_total as f64 / 1e6,
            p.bytes_done as f64 / 1e6 / secs
        )
    } else if let Some(e) = &state.status.error {
        e.clone()
    } else {
        let mut s = state.status.info.clone().unwrap_or_default();
        if state.status.skipped > 0 {
            if !s.is_empty() {
                s.push_str(" · ");
            }
            s.push_str(&format!(
                "{} records skipped (revisit doctor)",
                state.status.skipped
            ));
        }
        if let Some((_, polled)) = state.status.watching
            && polled > 0
        {
            if !s.is_empty() {
                s.push_str(" · ");
            }
            s.push_str(&format!(
                "{polled} root{} polled, not watched (revisit doctor)",
                if polled == 1 { "" } else { "s" }
            ));
        }
        s
    };
    let left_style = if state.status.error.is_some() && state.status.indexing.is_none() {
        theme.error
    } else {
        theme.status
    };
    let avail = (area.width as usize).saturating_sub(hints_w + 1);
    let mut spans = vec![
        Span::styled(
            text::pad(&crate::sanitize::one_line(&left), avail),
            left_style,
        ),
        Span::raw(" "),
    ];
    spans.extend(hints);
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
