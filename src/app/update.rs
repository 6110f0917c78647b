//! `update`: the only place state changes. No I/O: side effects are returned as `Effect`s.

use super::action::{Action, Effect, Msg};
use super::state::{AppState, Focus, SearchMode, build_lines, mark_lines};
use crate::search::list::{Haystacks, Row, title_positions};
use crate::search::{Matcher, query};
use crossterm::event::{KeyCode, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// The matcher used for highlighting the rows on screen (scoring runs on a worker).
fn matcher() -> &'static Matcher {
    static M: OnceLock<Matcher> = OnceLock::new();
    M.get_or_init(Matcher::default)
}

pub fn update(state: &mut AppState, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    match msg {
        Msg::Key(ev) => {
            if ev.kind == KeyEventKind::Release {
                return fx;
            }
            let mode = state.mode();
            if let Some(action) = state.keymap.resolve(mode, &ev) {
                apply(state, action, &mut fx);
            } else if mode == super::keymap::Mode::Search {
                edit_search(state, ev, &mut fx);
            }
        }
        Msg::Paste(text) => {
            if state.search.focused {
                state.search.insert(&text.replace(['\n', '\r'], " "));
                search_changed(state, &mut fx);
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
            let index_of: HashMap<String, usize> = sessions
                .iter()
                .enumerate()
                .map(|(i, s)| (s.key.clone(), i))
                .collect();
            // keep the rows pointing at the same sessions until the new rows arrive
            let old = std::mem::replace(&mut state.sessions, Arc::new(sessions));
            let selected_key = state
                .rows
                .get(state.selected)
                .and_then(Row::session)
                .and_then(|i| old.get(i))
                .map(|s| s.key.clone());
            let remap = |i: usize| old.get(i).and_then(|s| index_of.get(&s.key)).copied();
            state.rows = std::mem::take(&mut state.rows)
                .into_iter()
                .filter_map(|r| match r {
                    Row::Session { idx, score } => {
                        remap(idx).map(|idx| Row::Session { idx, score })
                    }
                    g => Some(g),
                })
                .collect();
            state.hits = std::mem::take(&mut state.hits)
                .into_iter()
                .filter_map(|(i, h)| remap(i).map(|j| (j, h)))
                .collect();
            state.index_of = index_of;
            state.selected = selected_key
                .and_then(|k| {
                    let idx = *state.index_of.get(&k)?;
                    state.rows.iter().position(|r| r.session() == Some(idx))
                })
                .unwrap_or(0);
            state.loaded = true;
            refilter(state, &mut fx);
        }
        Msg::Filtered { generation, rows } => {
            if generation != state.filter_generation {
                return fx; // stale: the query or the list changed since
            }
            state.hits.clear();
            set_rows(state, rows, &mut fx);
        }
        Msg::FullText { generation, hits } => {
            if generation != state.filter_generation {
                return fx;
            }
            let mut scored = Vec::new();
            let mut by_idx = HashMap::new();
            for h in hits {
                if let Some(&i) = state.index_of.get(&h.key) {
                    scored.push((i, (h.score * 1000.0) as i64));
                    by_idx.insert(i, h);
                }
            }
            let rows = if state.group {
                crate::search::list::group_rows(&state.sessions, scored)
            } else {
                scored
                    .into_iter()
                    .map(|(idx, score)| Row::Session { idx, score })
                    .collect()
            };
            state.hits = by_idx;
            set_rows(state, rows, &mut fx);
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
            let reload = !state.transcript.messages.is_empty();
            state.transcript.loading = false;
            state.transcript.messages = messages;
            rewrap(state);
            if let Some(target) = state.transcript.jump.take() {
                scroll_to_message(state, target);
            } else if reload && at_bottom && state.transcript.scroll > 0 {
                state.transcript.scroll = max_scroll(state);
            }
            state.transcript.scroll = state.transcript.scroll.min(max_scroll(state));
        }
        Msg::QueryFailed { error, .. } => {
            state.search.pending = false;
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

/// The query (or the list, sort or grouping) changed: ask for new rows.
fn refilter(state: &mut AppState, fx: &mut Vec<Effect>) {
    state.query = query::parse(&state.search.input, state.now, state.tz);
    state.generation += 1;
    state.filter_generation = state.generation;
    state.search.pending = true;
    if state.full_text() {
        fx.push(Effect::FullText {
            generation: state.generation,
            query: state.query.clone(),
            now: state.now,
        });
    } else {
        fx.push(Effect::Filter {
            generation: state.generation,
            sessions: state.sessions.clone(),
            query: state.query.clone(),
            sort: state.sort,
            group: state.group,
            now: state.now,
        });
    }
}

fn search_changed(state: &mut AppState, fx: &mut Vec<Effect>) {
    refilter(state, fx);
}

/// New rows arrived: keep the selected session selected when it is still there.
fn set_rows(state: &mut AppState, rows: Vec<Row>, fx: &mut Vec<Effect>) {
    let keep = state.selected_session().map(|s| s.key.clone());
    state.rows = rows;
    state.search.pending = false;
    state.selected = keep
        .and_then(|k| {
            let idx = *state.index_of.get(&k)?;
            state.rows.iter().position(|r| r.session() == Some(idx))
        })
        .or_else(|| state.rows.iter().position(|r| r.session().is_some()))
        .unwrap_or(0);
    state.list_offset = state.list_offset.min(state.rows.len().saturating_sub(1));
    clamp_list(state);
    preview_selected(state, fx);
}

/// Text editing in the search box.
fn edit_search(state: &mut AppState, ev: crossterm::event::KeyEvent, fx: &mut Vec<Effect>) {
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    let b = &mut state.search;
    let changed = match ev.code {
        KeyCode::Char('u') if ctrl => {
            b.clear();
            true
        }
        KeyCode::Char('w') if ctrl => {
            b.delete_word();
            true
        }
        KeyCode::Char('a') if ctrl => {
            b.home();
            false
        }
        KeyCode::Char('e') if ctrl => {
            b.end();
            false
        }
        KeyCode::Char(c) if !ctrl => {
            b.insert(&c.to_string());
            true
        }
        KeyCode::Backspace => {
            b.backspace();
            true
        }
        KeyCode::Delete => {
            b.delete();
            true
        }
        KeyCode::Left => {
            b.left();
            false
        }
        KeyCode::Right => {
            b.right();
            false
        }
        KeyCode::Home => {
            b.home();
            false
        }
        KeyCode::End => {
            b.end();
            false
        }
        _ => false,
    };
    if changed {
        search_changed(state, fx);
    }
}

fn select_step(state: &mut AppState, down: bool, n: usize, fx: &mut Vec<Effect>) {
    if state.rows.is_empty() {
        return;
    }
    let last = state.rows.len() - 1;
    let mut i = state.selected;
    let mut moved = 0;
    while moved < n {
        let next = if down {
            if i >= last {
                break;
            }
            i + 1
        } else {
            if i == 0 {
                break;
            }
            i - 1
        };
        i = next;
        if state.rows[i].session().is_some() {
            moved += 1;
            state.selected = i;
        }
    }
    clamp_list(state);
    preview_selected(state, fx);
}

fn select_edge(state: &mut AppState, bottom: bool, fx: &mut Vec<Effect>) {
    let pos = if bottom {
        state.rows.iter().rposition(|r| r.session().is_some())
    } else {
        state.rows.iter().position(|r| r.session().is_some())
    };
    if let Some(p) = pos {
        state.selected = p;
        if !bottom {
            state.list_offset = 0;
        }
        clamp_list(state);
        preview_selected(state, fx);
    }
}

fn apply(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    let list_page = state.list_capacity();
    let t_page = state.layout.transcript_rows().max(1);
    if state.help {
        match action {
            Action::ScrollDown => state.help_scroll += 1,
            Action::ScrollUp => state.help_scroll = state.help_scroll.saturating_sub(1),
            Action::PageDown => state.help_scroll += state.size.1.saturating_sub(4) as usize,
            Action::PageUp => {
                state.help_scroll = state
                    .help_scroll
                    .saturating_sub(state.size.1.saturating_sub(4) as usize)
            }
            Action::ToggleHelp => state.help = false,
            Action::Quit => {
                state.quit = true;
                fx.push(Effect::Quit);
            }
            _ => {}
        }
        // the overlay clamps what it cannot show
        state.help_scroll = state.help_scroll.min(200);
        return;
    }
    match action {
        Action::Quit => {
            state.quit = true;
            fx.push(Effect::Quit);
        }
        Action::ToggleHelp => {
            state.help = true;
            state.help_scroll = 0;
        }
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
        Action::Open => open_selected(state, fx),
        Action::Back => {
            state.focus = Focus::List;
            state.relayout();
            rewrap(state);
        }
        Action::Search | Action::FullTextSearch => {
            let mode = if action == Action::Search {
                SearchMode::Fuzzy
            } else {
                SearchMode::FullText
            };
            state.focus = Focus::List;
            state.relayout();
            let was = state.search.mode;
            state.search.focused = true;
            state.search.mode = mode;
            state.search.end();
            clamp_list(state);
            if was != mode && !state.search.input.is_empty() {
                refilter(state, fx);
            }
        }
        Action::KeepSearch => {
            state.search.focused = false;
            clamp_list(state);
            // full text: Enter goes straight to the selected hit
            if state.full_text() {
                open_selected(state, fx);
            }
        }
        Action::ClearSearch => {
            state.search.focused = false;
            if !state.search.input.is_empty() {
                state.search.clear();
                refilter(state, fx);
            }
            clamp_list(state);
        }
        Action::ToggleSearchMode => {
            state.search.mode = match state.search.mode {
                SearchMode::Fuzzy => SearchMode::FullText,
                SearchMode::FullText => SearchMode::Fuzzy,
            };
            refilter(state, fx);
        }
        Action::ClearOrQuit => {
            if state.search.input.is_empty() {
                state.quit = true;
                fx.push(Effect::Quit);
            } else {
                state.search.clear();
                refilter(state, fx);
            }
        }
        Action::CycleSort => {
            state.sort = state.sort.next();
            if !state.full_text() {
                refilter(state, fx);
            }
            state.status.info = Some(format!("sorted by {}", state.sort.label()));
        }
        Action::ToggleGroup => {
            state.group = !state.group;
            refilter(state, fx);
        }
        Action::NextHit | Action::PrevHit => {
            let t = &mut state.transcript;
            if t.hits.is_empty() {
                state.status.info = Some("no search hits in this transcript".into());
                return;
            }
            let n = t.hits.len();
            let next = match (t.hit, action == Action::NextHit) {
                (None, true) => 0,
                (None, false) => n - 1,
                (Some(i), true) => (i + 1) % n,
                (Some(i), false) => (i + n - 1) % n,
            };
            t.hit = Some(next);
            let target = t.hits[next];
            scroll_to_message(state, target);
            state.status.info = Some(format!("hit {} of {}", next + 1, n));
        }
        _ => match state.focus {
            Focus::List => match action {
                Action::SelectNext | Action::ScrollDown => select_step(state, true, 1, fx),
                Action::SelectPrev | Action::ScrollUp => select_step(state, false, 1, fx),
                Action::PageDown => select_step(state, true, list_page, fx),
                Action::PageUp => select_step(state, false, list_page, fx),
                Action::Top => select_edge(state, false, fx),
                Action::Bottom => select_edge(state, true, fx),
                _ => {}
            },
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

/// Open the selected session in the transcript pane; from full-text results, at the best hit.
fn open_selected(state: &mut AppState, fx: &mut Vec<Effect>) {
    let Some(idx) = state.rows.get(state.selected).and_then(Row::session) else {
        return;
    };
    state.search.focused = false;
    state.focus = Focus::Transcript;
    state.relayout();
    let hit = state.hits.get(&idx).cloned();
    let key = state.sessions[idx].key.clone();
    let same = state.transcript.key.as_deref() == Some(key.as_str()) && !state.transcript.loading;
    match &hit {
        Some(h) => {
            state.transcript.hits = h.messages.clone();
            state.transcript.hit = h.messages.iter().position(|m| *m == h.best);
            state.transcript.terms = state.query.terms.clone();
        }
        None => {
            state.transcript.hits.clear();
            state.transcript.hit = None;
            state.transcript.terms.clear();
        }
    }
    if same {
        rewrap(state);
        if let Some(h) = hit {
            scroll_to_message(state, h.best);
        }
    } else {
        state.transcript.key = None; // force a load
        preview_selected(state, fx);
        state.transcript.jump = hit.map(|h| h.best);
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
            } else if in_list {
                select_step(state, down, 1, fx);
            }
        }
        MouseEventKind::Down(MouseButton::Left) => {
            if in_list && let Some(r) = state.layout.list {
                // border, search box, header
                let top = r.y + 2 + state.search.visible() as u16;
                if ev.row >= top {
                    let row = (ev.row - top) as usize / state.row_height();
                    let idx = state.list_offset + row;
                    if state.rows.get(idx).and_then(Row::session).is_some() {
                        let already = idx == state.selected;
                        state.selected = idx;
                        state.focus = Focus::List;
                        clamp_list(state);
                        if already {
                            open_selected(state, fx);
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

/// Keep the selection visible, and highlight the rows on screen.
fn clamp_list(state: &mut AppState) {
    let rows = state.list_capacity();
    if state.selected < state.list_offset {
        state.list_offset = state.selected;
    } else if state.selected >= state.list_offset + rows {
        state.list_offset = state.selected + 1 - rows;
    }
    let max_off = state.rows.len().saturating_sub(rows);
    state.list_offset = state.list_offset.min(max_off);
    highlight_visible(state);
}

/// Fuzzy-match positions for the titles on screen (cheap: a screenful of rows).
fn highlight_visible(state: &mut AppState) {
    state.highlights.clear();
    if state.full_text() || state.query.terms.is_empty() {
        return;
    }
    let visible: Vec<usize> = state
        .rows
        .iter()
        .skip(state.list_offset)
        .take(state.list_capacity())
        .filter_map(Row::session)
        .collect();
    let hay = Haystacks::build(
        &visible
            .iter()
            .map(|&i| state.sessions[i].clone())
            .collect::<Vec<_>>(),
    );
    for (k, &i) in visible.iter().enumerate() {
        let pos = title_positions(&hay.items[k], &state.query, matcher());
        if !pos.is_empty() {
            state.highlights.insert(i, pos);
        }
    }
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
    state.transcript.jump = None;
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
    state.transcript.width = w;
    state.transcript.lines = build_lines(&state.transcript.messages, w);
    if !state.transcript.terms.is_empty() {
        let terms = state.transcript.terms.clone();
        mark_lines(&mut state.transcript.lines, &terms);
    }
    state.transcript.scroll = state.transcript.scroll.min(max_scroll(state));
}

/// Put a message's first line near the top of the pane.
fn scroll_to_message(state: &mut AppState, msg: usize) {
    if let Some(line) = state.transcript.lines.iter().position(|l| l.msg == msg) {
        state.transcript.scroll = line.saturating_sub(1).min(max_scroll(state));
    }
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
    use crate::model::{Block, Message, Role, Session};
    use crate::search::list::{Haystacks as H, ListRequest, build_rows};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use std::sync::Arc;

    fn session(i: usize) -> Session {
        let mut s = crate::model::test_session(i);
        s.updated_at = Some(chrono::Utc::now() - chrono::Duration::minutes(i as i64));
        s
    }

    fn key(c: KeyCode) -> Msg {
        Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
    }

    /// Run effects the way the runtime would, synchronously (filters only).
    fn run(s: &mut AppState, fx: Vec<Effect>) {
        for e in fx {
            if let Effect::Filter {
                generation,
                sessions,
                query,
                sort,
                group,
                now,
            } = e
            {
                let hay = H::build(&sessions);
                let rows = build_rows(
                    &ListRequest {
                        sessions: &sessions,
                        hay: &hay,
                        query: &query,
                        sort,
                        group,
                        now,
                        candidates: None,
                    },
                    &Matcher::default(),
                    1,
                );
                let more = update(s, Msg::Filtered { generation, rows });
                run(s, more);
            }
        }
    }

    fn state(size: (u16, u16), n: usize) -> AppState {
        let mut s = AppState::new(chrono::Utc::now(), size, None);
        let g = s.list_generation;
        let fx = update(
            &mut s,
            Msg::Sessions {
                generation: g,
                sessions: (0..n).map(session).collect(),
            },
        );
        run(&mut s, fx);
        s
    }

    fn step(s: &mut AppState, m: Msg) -> Vec<Effect> {
        let fx = update(s, m);
        let out = fx.clone();
        run(s, fx);
        out
    }

    #[test]
    fn navigation_and_preview() {
        let mut s = state((140, 40), 5);
        assert_eq!(s.transcript.key.as_deref(), Some("claude:id0"));
        let fx = step(&mut s, key(KeyCode::Char('j')));
        assert_eq!(s.selected, 1);
        assert!(matches!(&fx[..], [Effect::LoadTranscript { key, .. }] if key == "claude:id1"));
        step(&mut s, key(KeyCode::Char('G')));
        assert_eq!(s.selected, 4);
        step(&mut s, key(KeyCode::Down));
        assert_eq!(s.selected, 4, "stays at the end");
        step(&mut s, key(KeyCode::Home));
        assert_eq!(s.selected, 0);
    }

    #[test]
    fn stale_transcripts_are_dropped() {
        let mut s = state((140, 40), 2);
        let old = s.transcript.generation;
        step(&mut s, key(KeyCode::Char('j')));
        let mut m = Message::new(Role::User);
        m.blocks.push(Block::text("old"));
        step(
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
    fn stale_filter_results_are_dropped() {
        let mut s = state((140, 40), 5);
        step(&mut s, key(KeyCode::Char('/')));
        // typing "1" asks for rows; the reply for an older generation is ignored
        let fx = update(&mut s, key(KeyCode::Char('1')));
        let gen_now = s.filter_generation;
        update(
            &mut s,
            Msg::Filtered {
                generation: gen_now - 1,
                rows: vec![],
            },
        );
        assert_eq!(s.rows.len(), 5, "old reply ignored");
        run(&mut s, fx);
        assert_eq!(s.rows.len(), 1, "current reply applied");
        assert_eq!(s.selected_session().unwrap().id, "id1");
    }

    #[test]
    fn enter_and_escape_switch_panes_on_narrow_screens() {
        let mut s = state((80, 24), 3);
        assert!(s.layout.transcript.is_none());
        let fx = step(&mut s, key(KeyCode::Enter));
        assert_eq!(s.focus, Focus::Transcript);
        assert!(matches!(&fx[..], [Effect::LoadTranscript { .. }]));
        step(&mut s, key(KeyCode::Esc));
        assert_eq!(s.focus, Focus::List);
        let fx = step(&mut s, key(KeyCode::Esc));
        assert_eq!(fx, vec![Effect::Quit]);
    }

    #[test]
    fn help_swallows_keys() {
        let mut s = state((80, 24), 3);
        step(&mut s, key(KeyCode::Char('?')));
        assert!(s.help);
        step(&mut s, key(KeyCode::Char('j')));
        assert_eq!(s.selected, 0);
        step(&mut s, key(KeyCode::Esc));
        assert!(!s.help);
        assert!(!s.quit);
    }

    #[test]
    fn selection_follows_key_across_reloads() {
        let mut s = state((140, 40), 5);
        step(&mut s, key(KeyCode::Char('j')));
        step(&mut s, key(KeyCode::Char('j')));
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
        let mut new = session(9);
        new.updated_at = Some(chrono::Utc::now());
        list.insert(0, new);
        step(
            &mut s,
            Msg::Sessions {
                generation,
                sessions: list,
            },
        );
        assert_eq!(s.selected_session().unwrap().key, "claude:id2");
    }

    #[test]
    fn search_box_typing_filters_and_escape_clears() {
        let mut s = state((140, 40), 12);
        step(&mut s, key(KeyCode::Char('/')));
        assert!(s.search.focused);
        for c in "sion 1".chars() {
            step(&mut s, key(KeyCode::Char(c)));
        }
        // session 1, 10 and 11
        assert_eq!(s.rows.len(), 3);
        let idx = s.rows[0].session().unwrap();
        let title: Vec<char> = s.sessions[idx].title.chars().collect();
        let marked: String = s.highlights[&idx].iter().map(|&i| title[i]).collect();
        assert_eq!(marked, "sion1", "matched characters are highlighted");
        // q is text in the box, not quit
        step(&mut s, key(KeyCode::Char('q')));
        assert!(!s.quit);
        assert_eq!(s.search.input, "sion 1q");
        step(&mut s, key(KeyCode::Backspace));
        // Enter keeps the filter and returns to the list
        step(&mut s, key(KeyCode::Enter));
        assert!(!s.search.focused);
        assert_eq!(s.rows.len(), 3);
        // Esc in the list clears the kept filter first, then quits
        step(&mut s, key(KeyCode::Esc));
        assert_eq!(s.rows.len(), 12);
        assert!(!s.quit);
        step(&mut s, key(KeyCode::Char('/')));
        step(&mut s, key(KeyCode::Char('x')));
        step(&mut s, key(KeyCode::Esc));
        assert!(!s.search.focused && s.search.input.is_empty());
        assert_eq!(s.rows.len(), 12);
    }

    #[test]
    fn unknown_filter_tokens_show_an_error() {
        let mut s = state((140, 40), 3);
        step(&mut s, key(KeyCode::Char('/')));
        for c in "colour:red".chars() {
            step(&mut s, key(KeyCode::Char(c)));
        }
        assert!(s.query.error().unwrap().contains("unknown filter 'colour'"));
    }

    #[test]
    fn sort_and_group_keys() {
        let mut s = state((140, 40), 3);
        step(&mut s, key(KeyCode::Char('s')));
        assert_eq!(s.sort, crate::search::list::SortKey::Recent);
        step(&mut s, key(KeyCode::Char('g')));
        assert!(s.group);
        assert!(matches!(s.rows[0], Row::Group(_)));
        assert_eq!(s.selected, 1, "a group header is never selected");
        step(&mut s, key(KeyCode::Char('k')));
        assert_eq!(s.selected, 1);
    }

    #[test]
    fn full_text_mode_asks_the_index() {
        let mut s = state((140, 40), 3);
        step(
            &mut s,
            Msg::Key(KeyEvent::new(KeyCode::Char('f'), KeyModifiers::CONTROL)),
        );
        assert_eq!(s.search.mode, SearchMode::FullText);
        let fx = update(&mut s, key(KeyCode::Char('x')));
        assert!(matches!(&fx[..], [Effect::FullText { .. }]), "{fx:?}");
        // a hit for session 2 arrives: one row; Enter opens it at the best hit
        let generation = s.filter_generation;
        step(
            &mut s,
            Msg::FullText {
                generation,
                hits: vec![crate::search::fts::SessionHits {
                    key: "claude:id2".into(),
                    score: 1.0,
                    messages: vec![1, 30],
                    best: 30,
                    snippet: "x marks".into(),
                    ranges: vec![(0, 1)],
                }],
            },
        );
        assert_eq!(s.rows.len(), 1);
        let fx = step(&mut s, key(KeyCode::Enter));
        assert!(matches!(&fx[..], [Effect::LoadTranscript { key, .. }] if key == "claude:id2"));
        assert_eq!(s.transcript.jump, Some(30));
        assert_eq!(s.transcript.hits, vec![1, 30]);
        let msgs: Vec<Message> = (0..50)
            .map(|i| {
                let mut m = Message::new(Role::User);
                m.blocks.push(Block::text(format!("message {i} x")));
                m
            })
            .collect();
        let generation = s.transcript.generation;
        step(
            &mut s,
            Msg::Transcript {
                generation,
                key: "claude:id2".into(),
                messages: Arc::new(msgs),
            },
        );
        let top = &s.transcript.lines[s.transcript.scroll + 1];
        assert_eq!(top.msg, 30, "scrolled to the best hit");
        step(&mut s, key(KeyCode::Char('n')));
        assert_eq!(s.transcript.hit, Some(0), "n wraps to the first hit");
        step(&mut s, key(KeyCode::Char('N')));
        assert_eq!(s.transcript.hit, Some(1));
        assert!(
            s.transcript.lines.iter().any(|l| !l.marks.is_empty()),
            "hits are marked"
        );
    }
}
