//! `update`: the only place state changes. No I/O: side effects are returned as `Effect`s.

use super::action::{Action, Effect, Msg};
use super::state::{AppState, Focus, build_lines};
use crossterm::event::{KeyEventKind, MouseButton, MouseEventKind};

pub fn update(state: &mut AppState, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    match msg {
        Msg::Key(ev) => {
            if ev.kind == KeyEventKind::Release {
                return fx;
            }
            if let Some(action) = state.keymap.resolve(state.mode(), &ev) {
                apply(state, action, &mut fx);
            }
        }
        Msg::Mouse(ev) => mouse(state, ev, &mut fx),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            state.relayout();
            rewrap(state);
            clamp_list(state);
        }
        Msg::Sessions {
            generation,
            sessions,
        } => {
            if generation < state.list_generation {
                return fx; // a newer list is on its way
            }
            let keep = state.selected_session().map(|s| s.key.clone());
            state.sessions = sessions;
            state.loaded = true;
            state.selected = keep
                .and_then(|k| state.sessions.iter().position(|s| s.key == k))
                .unwrap_or(0)
                .min(state.sessions.len().saturating_sub(1));
            clamp_list(state);
            preview_selected(state, &mut fx);
        }
        Msg::Transcript {
            generation,
            key,
            messages,
        } => {
            if generation != state.transcript.generation
                || Some(&key) != state.transcript.key.as_ref()
            {
                return fx; // stale
            }
            let at_bottom =
                state.transcript.loading || state.transcript.scroll >= max_scroll(state);
            let was_same = !state.transcript.messages.is_empty();
            state.transcript.loading = false;
            state.transcript.messages = messages;
            rewrap(state);
            if was_same && at_bottom && state.transcript.scroll > 0 {
                state.transcript.scroll = max_scroll(state);
            }
            state.transcript.scroll = state.transcript.scroll.min(max_scroll(state));
        }
        Msg::QueryFailed { error, .. } => {
            state.status.error = Some(error);
        }
        Msg::IndexProgress(p) => {
            state.status.indexing = Some(p);
        }
        Msg::IndexDone {
            sessions,
            errors,
            elapsed_ms,
            changed,
        } => {
            state.status.indexing = None;
            state.status.skipped += errors;
            state.status.info = Some(format!("{sessions} sessions indexed in {elapsed_ms} ms"));
            fx.push(load_sessions(state));
            if let Some(key) = &state.transcript.key
                && changed.contains(key)
            {
                state.generation += 1;
                state.transcript.generation = state.generation;
                fx.push(Effect::LoadTranscript {
                    generation: state.generation,
                    key: key.clone(),
                });
            }
        }
        Msg::IndexFailed(e) => {
            state.status.indexing = None;
            state.status.error = Some(format!("indexing failed: {e}"));
        }
        Msg::Tick(now) => state.now = now,
    }
    fx
}

/// Ask for the session list.
pub fn load_sessions(state: &mut AppState) -> Effect {
    state.generation += 1;
    state.list_generation = state.generation;
    Effect::LoadSessions {
        generation: state.generation,
    }
}

fn apply(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    let list_page = state.layout.list_rows().max(1);
    let t_page = state.layout.transcript_rows().max(1);
    match action {
        Action::Quit => {
            state.quit = true;
            fx.push(Effect::Quit);
        }
        Action::ToggleHelp => state.help = !state.help,
        Action::FocusNext => {
            state.focus = match state.focus {
                Focus::List => Focus::Transcript,
                Focus::Transcript => Focus::List,
            };
            state.relayout();
            rewrap(state);
            if state.focus == Focus::Transcript {
                preview_selected(state, fx);
            }
        }
        Action::Open => {
            if state.selected_session().is_some() {
                state.focus = Focus::Transcript;
                state.relayout();
                rewrap(state);
                preview_selected(state, fx);
            }
        }
        Action::Back => {
            state.focus = Focus::List;
            state.relayout();
            rewrap(state);
        }
        _ => match state.focus {
            Focus::List => {
                let n = state.sessions.len();
                if n == 0 {
                    return;
                }
                let sel = state.selected;
                state.selected = match action {
                    Action::SelectNext | Action::ScrollDown => (sel + 1).min(n - 1),
                    Action::SelectPrev | Action::ScrollUp => sel.saturating_sub(1),
                    Action::PageDown => (sel + list_page).min(n - 1),
                    Action::PageUp => sel.saturating_sub(list_page),
                    Action::Top => 0,
                    Action::Bottom => n - 1,
                    _ => sel,
                };
                if state.selected != sel {
                    clamp_list(state);
                    preview_selected(state, fx);
                }
            }
            Focus::Transcript => {
                let max = max_scroll(state);
                let s = state.transcript.scroll;
                state.transcript.scroll = match action {
                    Action::ScrollDown | Action::SelectNext => (s + 1).min(max),
                    Action::ScrollUp | Action::SelectPrev => s.saturating_sub(1),
                    Action::PageDown => (s + t_page).min(max),
                    Action::PageUp => s.saturating_sub(t_page),
                    Action::Top => 0,
                    Action::Bottom => max,
                    _ => s,
                };
            }
        },
    }
}

fn mouse(state: &mut AppState, ev: crossterm::event::MouseEvent, fx: &mut Vec<Effect>) {
    let inside = |r: Option<ratatui::layout::Rect>| {
        r.is_some_and(|r| {
            ev.column >= r.x
                && ev.column < r.x + r.width
                && ev.row >= r.y
                && ev.row < r.y + r.height
        })
    };
    let in_list = inside(state.layout.list);
    let in_transcript = inside(state.layout.transcript);
    match ev.kind {
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let down = ev.kind == MouseEventKind::ScrollDown;
            if in_transcript {
                let max = max_scroll(state);
                let s = state.transcript.scroll;
                state.transcript.scroll = if down {
                    (s + 3).min(max)
                } else {
                    s.saturating_sub(3)
                };
            } else if in_list && !state.sessions.is_empty() {
                let sel = state.selected;
                state.selected = if down {
                    (sel + 1).min(state.sessions.len() - 1)
                } else {
                    sel.saturating_sub(1)
                };
                if sel != state.selected {
                    clamp_list(state);
                    preview_selected(state, fx);
                }
            }
        }
        MouseEventKind::Down(MouseButton::Left) => {
            if in_list && let Some(r) = state.layout.list {
                // border + header row
                let row = ev.row.saturating_sub(r.y + 2) as usize;
                if ev.row >= r.y + 2 {
                    let idx = state.list_offset + row;
                    if idx < state.sessions.len() {
                        let already = idx == state.selected;
                        state.selected = idx;
                        state.focus = Focus::List;
                        clamp_list(state);
                        if already {
                            apply(state, Action::Open, fx);
                        } else {
                            preview_selected(state, fx);
                        }
                    }
                }
            } else if in_transcript && state.focus != Focus::Transcript {
                state.focus = Focus::Transcript;
                state.relayout();
                rewrap(state);
            }
        }
        _ => {}
    }
}

/// Keep the selection visible.
fn clamp_list(state: &mut AppState) {
    let rows = state.layout.list_rows().max(1);
    if state.selected < state.list_offset {
        state.list_offset = state.selected;
    } else if state.selected >= state.list_offset + rows {
        state.list_offset = state.selected + 1 - rows;
    }
    let max_off = state.sessions.len().saturating_sub(rows);
    state.list_offset = state.list_offset.min(max_off);
}

/// Load the selected session into the transcript pane (when it is not already there).
fn preview_selected(state: &mut AppState, fx: &mut Vec<Effect>) {
    if state.layout.transcript.is_none() {
        return;
    }
    let Some(key) = state.selected_session().map(|s| s.key.clone()) else {
        return;
    };
    if state.transcript.key.as_ref() == Some(&key) {
        return;
    }
    state.generation += 1;
    state.transcript.generation = state.generation;
    state.transcript.key = Some(key.clone());
    state.transcript.loading = true;
    state.transcript.scroll = 0;
    state.transcript.messages = Default::default();
    state.transcript.lines.clear();
    fx.push(Effect::LoadTranscript {
        generation: state.generation,
        key,
    });
}

fn rewrap(state: &mut AppState) {
    let w = state.layout.transcript_width();
    if w == 0 {
        return;
    }
    if w != state.transcript.width || state.transcript.lines.is_empty() {
        state.transcript.width = w;
    }
    state.transcript.lines = build_lines(&state.transcript.messages, w);
    state.transcript.scroll = state.transcript.scroll.min(max_scroll(state));
}

fn max_scroll(state: &AppState) -> usize {
    state
        .transcript
        .lines
        .len()
        .saturating_sub(state.layout.transcript_rows().max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Agent, Block, Message, Role, Session, TokenUsage};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use std::sync::Arc;

    fn session(i: usize) -> Session {
        Session {
            agent: Agent::Claude,
            id: format!("id{i}"),
            title: format!("session {i}"),
            cwd: None,
            project: None,
            models: vec![],
            git_branch: None,
            started_at: None,
            updated_at: None,
            prompts: 1,
            messages: 2,
            tool_calls: 0,
            subagents: 0,
            tokens: TokenUsage::default(),
            tokens_known: true,
            cost_usd: None,
            source: String::new(),
            resume: None,
            parse_errors: 0,
            key: format!("claude:id{i}"),
            first_prompt: None,
            status: None,
        }
    }

    fn key(c: KeyCode) -> Msg {
        Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
    }

    fn state(size: (u16, u16), n: usize) -> AppState {
        let mut s = AppState::new(chrono::Utc::now(), size, None);
        let g = s.list_generation;
        update(
            &mut s,
            Msg::Sessions {
                generation: g,
                sessions: (0..n).map(session).collect(),
            },
        );
        s
    }

    #[test]
    fn navigation_and_preview() {
        let mut s = state((140, 40), 5);
        assert_eq!(s.transcript.key.as_deref(), Some("claude:id0"));
        let fx = update(&mut s, key(KeyCode::Char('j')));
        assert_eq!(s.selected, 1);
        assert!(matches!(&fx[..], [Effect::LoadTranscript { key, .. }] if key == "claude:id1"));
        update(&mut s, key(KeyCode::Char('G')));
        assert_eq!(s.selected, 4);
        update(&mut s, key(KeyCode::Down));
        assert_eq!(s.selected, 4, "stays at the end");
        update(&mut s, key(KeyCode::Char('g')));
        assert_eq!(s.selected, 0);
    }

    #[test]
    fn stale_transcripts_are_dropped() {
        let mut s = state((140, 40), 2);
        let old = s.transcript.generation;
        update(&mut s, key(KeyCode::Char('j')));
        let mut m = Message::new(Role::User);
        m.blocks.push(Block::text("old"));
        update(
            &mut s,
            Msg::Transcript {
                generation: old,
                key: "claude:id0".into(),
                messages: Arc::new(vec![m]),
            },
        );
        assert!(s.transcript.lines.is_empty());
    }

    #[test]
    fn enter_and_escape_switch_panes_on_narrow_screens() {
        let mut s = state((80, 24), 3);
        assert!(s.layout.transcript.is_none());
        let fx = update(&mut s, key(KeyCode::Enter));
        assert_eq!(s.focus, Focus::Transcript);
        assert!(matches!(&fx[..], [Effect::LoadTranscript { .. }]));
        update(&mut s, key(KeyCode::Esc));
        assert_eq!(s.focus, Focus::List);
        let fx = update(&mut s, key(KeyCode::Esc));
        assert_eq!(fx, vec![Effect::Quit]);
    }

    #[test]
    fn help_swallows_keys() {
        let mut s = state((80, 24), 3);
        update(&mut s, key(KeyCode::Char('?')));
        assert!(s.help);
        update(&mut s, key(KeyCode::Char('j')));
        assert_eq!(s.selected, 0);
        update(&mut s, key(KeyCode::Esc));
        assert!(!s.help);
        assert!(!s.quit);
    }

    #[test]
    fn selection_follows_key_across_reloads() {
        let mut s = state((140, 40), 5);
        update(&mut s, key(KeyCode::Char('j')));
        update(&mut s, key(KeyCode::Char('j')));
        let fx = update(
            &mut s,
            Msg::IndexDone {
                sessions: 6,
                errors: 0,
                elapsed_ms: 1,
                changed: vec![],
            },
        );
        let Effect::LoadSessions { generation } = fx[0] else {
            panic!("{fx:?}")
        };
        let mut list: Vec<Session> = (0..5).map(session).collect();
        list.insert(0, session(9));
        update(
            &mut s,
            Msg::Sessions {
                generation,
                sessions: list,
            },
        );
        assert_eq!(s.selected_session().unwrap().key, "claude:id2");
    }
}
