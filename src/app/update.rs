//! `update`: the only place state changes. No I/O: side effects are returned as `Effect`s.

use super::action::{Action, Effect, External, FilterReq, KeepJob, Msg};
use super::keymap::Mode;
use super::state::{AppState, Focus, ListStamp, Prompt, PromptKind, SearchBox, SearchMode, Yes};
use super::transcript::{needles_of, needles_of_terms};
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
            // an error stays until the next key
            state.status.error = None;
            let mode = state.mode();
            if let Some(action) = state.keymap.resolve(mode, &ev) {
                apply(state, action, &mut fx);
            } else if mode == Mode::Search {
                if edit_box(&mut state.search, ev) {
                    search_changed(state, &mut fx);
                }
            } else if mode == Mode::Find && edit_box(&mut state.transcript.find.input, ev) {
                find_changed(state);
            } else if mode == Mode::Prompt
                && let Some(p) = state.prompt.as_mut()
            {
                edit_box(&mut p.input, ev);
            }
        }
        Msg::Paste(text) => {
            let text = text.replace(['\n', '\r'], " ");
            match state.mode() {
                Mode::Search => {
                    state.search.insert(&text);
                    search_changed(state, &mut fx);
                }
                Mode::Find => {
                    state.transcript.find.input.insert(&text);
                    find_changed(state);
                }
                Mode::Prompt => {
                    if let Some(p) = state.prompt.as_mut() {
                        p.input.insert(&text);
                    }
                }
                _ => {}
            }
        }
        Msg::Mouse(ev) => mouse(state, ev, &mut fx),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            state.relayout();
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
            state.list_stamp = ListStamp {
                version: state.list_stamp.version + 1,
                patched: None,
            };
            state.selected = selected_key
                .and_then(|k| {
                    let idx = *state.index_of.get(&k)?;
                    state.rows.iter().position(|r| r.session() == Some(idx))
                })
                .unwrap_or(0);
            state.loaded = true;
            // a name, tags or an archive changes the notes above the transcript
            state.sync_transcript_size();
            refilter(state, &mut fx);
        }
        Msg::SessionsChanged {
            generation,
            changed,
            gone,
        } => {
            if generation < state.list_generation || !state.loaded {
                return fx; // a whole list is on its way
            }
            if !gone.is_empty() {
                // rows point at positions in the list: a session gone moves the others
                fx.push(load_sessions(state));
                return fx;
            }
            let sessions = Arc::make_mut(&mut state.sessions);
            let mut at = Vec::with_capacity(changed.len());
            for s in changed {
                match state.index_of.get(&s.key) {
                    Some(&i) => {
                        sessions[i] = s;
                        at.push(i);
                    }
                    None => {
                        state.index_of.insert(s.key.clone(), sessions.len());
                        at.push(sessions.len());
                        sessions.push(s);
                    }
                }
            }
            state.list_stamp = ListStamp {
                version: state.list_stamp.version + 1,
                patched: Some((state.list_stamp.version, at.into())),
            };
            state.sync_transcript_size();
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
            units,
            branch_leaf,
        } => {
            if generation != state.transcript.generation
                || Some(&key) != state.transcript.key.as_ref()
            {
                return fx; // stale
            }
            state.sync_transcript_size();
            let switched = branch_leaf != state.transcript.branch_leaf;
            state.transcript.branch_leaf = branch_leaf;
            if switched {
                // another branch: same session, new content from the branch point on
                state.transcript.new_below = 0;
            }
            state.transcript.set_content(messages, units);
        }
        Msg::Info(text) => state.status.info = Some(text),
        Msg::Stats {
            generation,
            stats,
            top,
        } => {
            if let Some(v) = state.stats.as_mut()
                && v.generation == generation
            {
                v.loading = false;
                v.stats = Some(stats);
                v.top = top;
                v.selected = v.selected.min(v.top.len().saturating_sub(1));
            }
        }
        Msg::Watching(modes) => {
            let polled = modes
                .iter()
                .filter(|(_, m)| matches!(m, crate::watch::Mode::Polling { .. }))
                .count();
            state.status.watching = Some((modes.len(), polled));
        }
        Msg::ResumeAsk { question, plan } => {
            state.confirm = Some(super::state::Confirm {
                question,
                yes: Yes::Resume(plan),
            });
        }
        Msg::DeleteAsk(plan) => {
            state.confirm = Some(super::state::Confirm {
                question: plan.question(),
                yes: Yes::Delete(plan),
            });
        }
        Msg::Kept {
            outcome,
            reload,
            reindex,
            select,
        } => {
            if select.is_some() {
                state.want_selected = select;
            }
            match outcome {
                Ok(line) => state.status.info = Some(line),
                Err(e) => state.status.error = Some(e),
            }
            if reindex {
                fx.push(Effect::Reindex);
            }
            if reload {
                fx.push(load_sessions(state));
            }
        }
        Msg::ResumeRefused(why) => state.status.error = Some(why),
        Msg::ResumeDone {
            plan,
            outcome,
            success,
        } => {
            let name = plan.name();
            match outcome {
                Ok(how) if success => {
                    let note = plan.note.as_deref().map(|n| format!(" · {n}"));
                    state.status.info = Some(format!(
                        "back from {name} ({how}){}",
                        note.unwrap_or_default()
                    ));
                }
                Ok(how) => state.status.error = Some(format!("{name} ended with {how}")),
                Err(e) => state.status.error = Some(e),
            }
            // what the agent wrote: indexed now, and the session shown at its new end
            fx.push(Effect::Reindex);
            if state.transcript.key.as_deref() == Some(plan.session.as_str()) {
                state.generation += 1;
                state.transcript.generation = state.generation;
                state.transcript.jump_end = true;
                fx.push(Effect::LoadTranscript {
                    generation: state.generation,
                    key: plan.session.clone(),
                });
            }
        }
        Msg::ExternalDone { what, error } => match error {
            Some(e) => state.status.error = Some(format!("{what}: {e}")),
            None => state.status.info = Some(format!("back from {what}")),
        },
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
            live,
        } => {
            state.status.indexing = None;
            state.status.skipped += errors;
            if !live {
                state.status.info = Some(format!("{sessions} sessions indexed in {elapsed_ms} ms"));
            }
            sessions_written(state, Some(&changed), &mut fx);
        }
        Msg::IndexChangedElsewhere { changed } => {
            sessions_written(state, changed.as_deref(), &mut fx)
        }
        Msg::IndexFailed(e) => {
            state.status.indexing = None;
            state.status.error = Some(format!("indexing failed: {e}"));
        }
        Msg::Tick(now) => state.now = now,
        Msg::FindHits {
            generation,
            units,
            needles,
            hits,
        } => {
            let t = &mut state.transcript;
            if generation == t.generation && t.set_hits(&units, &needles, hits) {
                state.status.info = Some(if std::mem::take(&mut t.find.go_when_found) {
                    first_hit(t)
                } else {
                    matching(t.find.hits.len())
                });
            }
        }
    }
    ask_find(state, &mut fx);
    fx
}

/// A long transcript's find runs on the query worker: ask for it once the words changed.
fn ask_find(state: &mut AppState, fx: &mut Vec<Effect>) {
    let t = &mut state.transcript;
    if std::mem::take(&mut t.find.ask) {
        fx.push(Effect::Find {
            generation: t.generation,
            messages: t.messages.clone(),
            units: t.units.clone(),
            needles: t.find.needles.clone(),
        });
    }
}

/// Ask for the session list.
pub fn load_sessions(state: &mut AppState) -> Effect {
    state.generation += 1;
    state.list_generation = state.generation;
    Effect::LoadSessions {
        generation: state.generation,
        only: None,
    }
}

/// An index pass that changed more sessions than this has the whole list read again rather
/// than each of them looked up.
pub const RELOAD_WHOLE_OVER: usize = 256;

/// A write changed these sessions (`None`: which ones is not known): read them again, and the
/// open transcript when it is one of them.
fn sessions_written(state: &mut AppState, changed: Option<&[String]>, fx: &mut Vec<Effect>) {
    match changed {
        Some(keys) if state.loaded && keys.len() <= RELOAD_WHOLE_OVER => {
            if !keys.is_empty() {
                // only the sessions written: at 100,000 sessions reading the whole list
                // again took a second per write while an agent streamed
                fx.push(Effect::LoadSessions {
                    generation: state.list_generation,
                    only: Some(keys.to_vec()),
                });
            }
        }
        _ => fx.push(load_sessions(state)),
    }
    if let Some(key) = &state.transcript.key
        && changed.is_none_or(|keys| keys.contains(key))
        && state.transcript.branch_leaf.is_none()
    {
        // the session shown grew: reload it (folds and position are kept)
        state.generation += 1;
        state.transcript.generation = state.generation;
        fx.push(Effect::LoadTranscript {
            generation: state.generation,
            key: key.clone(),
        });
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
        fx.push(Effect::Filter(FilterReq {
            generation: state.generation,
            sessions: state.sessions.clone(),
            stamp: state.list_stamp.clone(),
            query: state.query.clone(),
            sort: state.sort,
            group: state.group,
            now: state.now,
        }));
    }
}

fn search_changed(state: &mut AppState, fx: &mut Vec<Effect>) {
    refilter(state, fx);
}

/// New rows arrived: keep the selected session selected when it is still there.
fn set_rows(state: &mut AppState, rows: Vec<Row>, fx: &mut Vec<Effect>) {
    // a session put back from the trash is selected once it is listed again
    let wanted = state
        .want_selected
        .as_ref()
        .filter(|k| state.index_of.contains_key(*k))
        .cloned();
    if wanted.is_some() {
        state.want_selected = None;
    }
    let keep = wanted.or_else(|| state.selected_session().map(|s| s.key.clone()));
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

/// Text editing in a one-line box; returns whether the text changed.
fn edit_box(b: &mut SearchBox, ev: crossterm::event::KeyEvent) -> bool {
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    match ev.code {
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
    }
}

/// The find box changed: mark the words and find the units that have them.
fn find_changed(state: &mut AppState) {
    let needles = needles_of(&state.transcript.find.input.input);
    state.transcript.set_needles(needles);
    let f = &state.transcript.find;
    state.status.info = Some(if f.needles.is_empty() {
        String::new()
    } else if f.searching {
        "searching…".into()
    } else {
        matching(f.hits.len())
    });
}

fn matching(n: usize) -> String {
    format!("{n} unit{} match", if n == 1 { "" } else { "s" })
}

/// Go to the first find hit after the cursor; what the status line says.
fn first_hit(t: &mut crate::app::transcript::TranscriptState) -> String {
    match t.next_hit(true) {
        Some((n, of)) => format!("hit {n} of {of} (n/N for more)"),
        None => "no hits".into(),
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
    if action == Action::Suspend {
        fx.push(Effect::Suspend);
        return;
    }
    if let Some(c) = state.confirm.take() {
        match (action, c.yes.clone()) {
            (Action::Confirm, Yes::Resume(plan)) => fx.push(Effect::RunPlan(plan)),
            (Action::Confirm, Yes::Delete(plan)) => {
                fx.push(Effect::Keep(KeepJob::Delete(plan)));
            }
            (Action::Cancel, Yes::Resume(_)) => state.status.info = Some("not resumed".into()),
            (Action::Cancel, Yes::Delete(_)) => state.status.info = Some("not deleted".into()),
            (Action::Quit, _) => {
                state.quit = true;
                fx.push(Effect::Quit);
            }
            _ => state.confirm = Some(c), // the question stays until it is answered
        }
        return;
    }
    if let Some(p) = state.prompt.take() {
        prompt_action(state, p, action, fx);
        return;
    }
    if state.mode() == Mode::Find {
        find_action(state, action, fx);
        return;
    }
    if state.mode() == Mode::Stats {
        stats_action(state, action, fx);
        return;
    }
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
            if state.focus == Focus::Transcript {
                preview_selected(state, fx);
            }
        }
        Action::Open => open_selected(state, fx),
        Action::Back => {
            state.focus = Focus::List;
            state.relayout();
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
        Action::Stats => {
            let (by, range) = state.stats_choice;
            state.stats = Some(super::state::StatsView {
                by,
                range,
                ..Default::default()
            });
            request_stats(state, fx);
        }
        Action::Resume | Action::ContinueLatest => {
            let session = match state.focus {
                Focus::List => state.selected_session(),
                Focus::Transcript => state.transcript_session(),
            };
            let Some(s) = session else { return };
            fx.push(Effect::Resume {
                session: Box::new(s.clone()),
                kind: if action == Action::Resume {
                    crate::resume::Kind::Resume
                } else {
                    crate::resume::Kind::Continue
                },
            });
        }
        Action::Export
        | Action::Archive
        | Action::Rename
        | Action::Tag
        | Action::Delete
        | Action::Undo => keep_action(state, action, fx),
        Action::CopyId | Action::CopyResume => {
            let session = match state.focus {
                Focus::List => state.selected_session(),
                Focus::Transcript => state.transcript_session(),
            };
            let Some(s) = session else { return };
            if action == Action::CopyId {
                fx.push(Effect::Copy {
                    text: s.id.clone(),
                    what: "session id".into(),
                });
            } else {
                // the list holds no resume commands: the command is built for this one
                fx.push(Effect::CopyResume(Box::new(s.clone())));
            }
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
            Focus::Transcript => transcript_action(state, action, fx),
        },
    }
}

/// Keys in the transcript.
fn transcript_action(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    let t = &mut state.transcript;
    let rows = t.rows.max(1) as isize;
    let mut info: Option<String> = None;
    match action {
        Action::ScrollDown | Action::SelectNext => t.scroll(1),
        Action::ScrollUp | Action::SelectPrev => t.scroll(-1),
        Action::PageDown => t.scroll(rows),
        Action::PageUp => t.scroll(-rows),
        Action::HalfPageDown => t.scroll((rows / 2).max(1)),
        Action::HalfPageUp => t.scroll(-(rows / 2).max(1)),
        Action::Top => t.top(),
        Action::Bottom => t.bottom(),
        Action::NextUnit => t.cursor_next(),
        Action::PrevUnit => t.cursor_prev(),
        Action::ToggleFold if !t.toggle(t.cursor) => {
            info = Some("nothing to fold here (J/K move between units)".into());
        }
        Action::CycleFoldLevel => {
            t.cycle_level();
            info = Some(format!("fold: {}", t.level.label()));
        }
        Action::ToggleThinking => {
            t.toggle_thinking();
            info = Some(
                if t.thinking {
                    "thinking shown"
                } else {
                    "thinking folded"
                }
                .into(),
            );
        }
        Action::NextPrompt | Action::PrevPrompt if !t.jump_prompt(action == Action::NextPrompt) => {
            info = Some("no more prompts this way".into());
        }
        Action::NextError | Action::PrevError if !t.jump_error(action == Action::NextError) => {
            info = Some(format!(
                "no failed tool call {}",
                if action == Action::NextError {
                    "below"
                } else {
                    "above"
                }
            ));
        }
        Action::FindInTranscript => {
            t.find.focused = true;
            t.find.input.focused = true;
            t.find.input.end();
            state.sync_transcript_size();
        }
        Action::NextHit | Action::PrevHit => {
            info = Some(match t.next_hit(action == Action::NextHit) {
                Some((n, of)) => format!("hit {n} of {of}"),
                None if t.find.needles.is_empty() => "/ finds text in the transcript".into(),
                None if t.find.searching => "searching…".into(),
                None => "no hits".into(),
            });
        }
        Action::Copy => match t.cursor_text() {
            Some((text, what)) => fx.push(Effect::Copy {
                text,
                what: what.into(),
            }),
            None => info = Some("nothing to copy here".into()),
        },
        Action::OpenPager | Action::OpenEditor => {
            if t.loading || t.key.is_none() {
                return;
            }
            let messages = t.messages.clone();
            let Some(s) = state.transcript_session() else {
                return;
            };
            let session = Box::new(s.clone());
            fx.push(Effect::External(if action == Action::OpenPager {
                External::Pager { session, messages }
            } else {
                External::Editor { session, messages }
            }));
        }
        Action::SwitchBranch => {
            let at = t.units.get(t.cursor).and_then(|u| {
                let m = t.messages.get(u.msg)?;
                let is_branch = m.blocks.iter().any(
                    |b| matches!(b, crate::model::Block::Notice { kind, .. } if kind == "branch"),
                );
                m.native_id.clone().filter(|_| is_branch)
            });
            match (at, t.key.clone()) {
                (Some(at), Some(key)) => {
                    state.generation += 1;
                    t.generation = state.generation;
                    fx.push(Effect::SwitchBranch {
                        generation: state.generation,
                        key,
                        at,
                        leaf: t.branch_leaf.clone(),
                    });
                }
                _ => {
                    info =
                        Some("put the cursor on a ⑂ branch notice (J/K) to switch branches".into())
                }
            }
        }
        _ => {}
    }
    if let Some(i) = info {
        state.status.info = Some(i);
    }
}

/// Ask for the stats of the sessions the list shows now.
fn request_stats(state: &mut AppState, fx: &mut Vec<Effect>) {
    state.generation += 1;
    let generation = state.generation;
    let chosen: Vec<usize> = state.rows.iter().filter_map(Row::session).collect();
    let Some(v) = state.stats.as_mut() else {
        return;
    };
    v.generation = generation;
    v.loading = true;
    state.stats_choice = (v.by, v.range);
    fx.push(Effect::Stats {
        generation,
        sessions: state.sessions.clone(),
        chosen,
        range: v.range.range(state.now, state.tz, &state.query),
        by: v.by,
        tz: state.tz,
    });
}

/// Keys in the stats pane.
fn stats_action(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    let Some(v) = state.stats.as_mut() else {
        return;
    };
    match action {
        Action::SelectNext | Action::ScrollDown => {
            v.selected = (v.selected + 1).min(v.top.len().saturating_sub(1))
        }
        Action::SelectPrev | Action::ScrollUp => v.selected = v.selected.saturating_sub(1),
        Action::StatsBy => {
            v.by = v.by.next();
            request_stats(state, fx);
        }
        Action::StatsRange => {
            v.range = v.range.next();
            request_stats(state, fx);
        }
        Action::Open => {
            let Some(key) = v.top.get(v.selected).map(|g| g.key.clone()) else {
                return;
            };
            state.stats = None;
            if let Some(&idx) = state.index_of.get(&key)
                && let Some(row) = state.rows.iter().position(|r| r.session() == Some(idx))
            {
                state.selected = row;
                clamp_list(state);
                open_selected(state, fx);
            }
        }
        Action::Back | Action::Stats => state.stats = None,
        Action::ToggleHelp => {
            state.help = true;
            state.help_scroll = 0;
        }
        Action::Quit => {
            state.quit = true;
            fx.push(Effect::Quit);
        }
        _ => {}
    }
}

/// Keys while the find box takes text.
fn find_action(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::KeepSearch => {
            let t = &mut state.transcript;
            t.find.focused = false;
            t.find.input.focused = false;
            if t.find.needles.is_empty() {
                clear_find(state);
                return;
            }
            // while a long transcript is searched, the first hit is gone to when it comes
            let info = if t.find.searching {
                t.find.go_when_found = true;
                "searching…".into()
            } else {
                first_hit(t)
            };
            state.status.info = Some(info);
        }
        Action::ClearSearch => clear_find(state),
        Action::Quit => {
            state.quit = true;
            fx.push(Effect::Quit);
        }
        _ => {}
    }
}

fn clear_find(state: &mut AppState) {
    let t = &mut state.transcript;
    t.find = Default::default();
    t.set_needles(Vec::new());
    state.status.info = None;
    state.sync_transcript_size();
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
    // from full-text results: the words are marked and n/N go through them
    let (needles, input) = match &hit {
        Some(_) => (
            needles_of_terms(&state.query.terms),
            state
                .query
                .terms
                .iter()
                .map(|t| match t {
                    crate::search::query::Term::Phrase(p) => format!("\"{p}\""),
                    t => t.text().to_string(),
                })
                .collect::<Vec<_>>()
                .join(" "),
        ),
        None => (Vec::new(), String::new()),
    };
    if same {
        let t = &mut state.transcript;
        t.find.input.clear();
        t.find.input.insert(&input);
        t.set_needles(needles);
        state.sync_transcript_size();
        if let Some(h) = hit {
            state.transcript.jump_to_message(h.best);
        }
    } else {
        state.transcript.key = None; // force a load
        preview_selected(state, fx);
        let t = &mut state.transcript;
        t.jump = hit.map(|h| h.best);
        t.find.input.insert(&input);
        t.find.needles = needles;
        state.sync_transcript_size();
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
                state.transcript.scroll(if down { 3 } else { -3 });
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
            } else if in_transcript && let Some(r) = state.layout.transcript {
                if state.focus != Focus::Transcript {
                    state.focus = Focus::Transcript;
                    state.relayout();
                }
                // border and info line above the text
                let top = r.y + 2;
                if ev.row >= top {
                    state.transcript.click((ev.row - top) as usize);
                }
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
    state.transcript.reset(key.clone(), state.generation);
    state.transcript.tz = Some(state.tz);
    state.sync_transcript_size();
    fx.push(Effect::LoadTranscript {
        generation: state.generation,
        key,
    });
}

/// Export, archive, rename, tag, delete, undo: on the list's session or the open one.
fn keep_action(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    if action == Action::Undo {
        fx.push(Effect::Keep(KeepJob::Undo));
        return;
    }
    let session = match state.focus {
        Focus::List => state.selected_session(),
        Focus::Transcript => state.transcript_session(),
    };
    let Some(s) = session.cloned() else { return };
    match action {
        Action::Export => {
            let format = crate::export::Format::Markdown;
            let dir = state.export_dir.clone().unwrap_or_default();
            // the offered name comes from the title: redacted like the export itself
            let mut named = s.clone();
            if let Some(r) = &state.redactor {
                crate::redact::redact_session(r, &mut named, &mut []);
            }
            let path = dir.join(crate::export::file_name(&named, format));
            state.prompt = Some(Prompt::new(
                PromptKind::Export {
                    session: Box::new(s),
                    format,
                    redact: true,
                },
                &path.display().to_string(),
            ));
        }
        Action::Archive => fx.push(Effect::Keep(KeepJob::Archive(Box::new(s)))),
        Action::Rename => {
            let current = s.extra.name.clone().unwrap_or_else(|| s.title.clone());
            state.prompt = Some(Prompt::new(
                PromptKind::Rename {
                    key: s.key.clone(),
                    title: s.title.clone(),
                },
                &crate::sanitize::one_line(&current),
            ));
        }
        Action::Tag => {
            let tags = s.extra.tags.join(" ");
            let text = if tags.is_empty() { tags } else { tags + " " };
            state.prompt = Some(Prompt::new(PromptKind::Tags { key: s.key }, &text));
        }
        Action::Delete => fx.push(Effect::Keep(KeepJob::PlanDelete(Box::new(s)))),
        _ => {}
    }
}

/// A key bound in a prompt: done, cancel, or a change of the export's options.
fn prompt_action(state: &mut AppState, mut p: Prompt, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::Cancel => {}
        Action::Quit => {
            state.quit = true;
            fx.push(Effect::Quit);
        }
        Action::NextChoice => {
            if let PromptKind::Export { format, .. } = &mut p.kind {
                let all = crate::export::Format::ALL;
                let at = all.iter().position(|f| f == format).unwrap_or(0);
                let next = all[(at + 1) % all.len()];
                let text = p.input.input.clone();
                let swapped = match text.rsplit_once('.') {
                    Some((stem, ext)) if ext.eq_ignore_ascii_case(format.extension()) => {
                        format!("{stem}.{}", next.extension())
                    }
                    _ => text,
                };
                *format = next;
                p.input.clear();
                p.input.insert(&swapped);
            }
            state.prompt = Some(p);
        }
        Action::ToggleRedact => {
            if let PromptKind::Export { redact, .. } = &mut p.kind {
                *redact = !*redact;
            }
            state.prompt = Some(p);
        }
        Action::Confirm => {
            let text = p.input.input.trim().to_string();
            match p.kind {
                PromptKind::Rename { key, title } => {
                    let name = Some(text).filter(|t| !t.is_empty() && *t != title);
                    fx.push(Effect::Keep(KeepJob::Rename { key, name }));
                }
                PromptKind::Tags { key } => {
                    let tags = text.split_whitespace().map(str::to_string).collect();
                    fx.push(Effect::Keep(KeepJob::Tags { key, tags }));
                }
                PromptKind::Export {
                    session,
                    format,
                    redact,
                } => {
                    if text.is_empty() {
                        state.prompt = Some(Prompt {
                            kind: PromptKind::Export {
                                session,
                                format,
                                redact,
                            },
                            input: p.input,
                        });
                        return;
                    }
                    // the file's extension decides the format when it names one
                    let path = std::path::PathBuf::from(&text);
                    let format = path
                        .extension()
                        .and_then(|e| e.to_str())
                        .and_then(|e| e.parse().ok())
                        .unwrap_or(format);
                    let path = if path.is_relative() {
                        state.export_dir.clone().unwrap_or_default().join(path)
                    } else {
                        path
                    };
                    fx.push(Effect::Keep(KeepJob::Export {
                        session,
                        path,
                        format,
                        redact,
                    }));
                }
            }
        }
        // any other bound key (a letter of the keymap) is text here
        _ => state.prompt = Some(p),
    }
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
            if let Effect::Filter(FilterReq {
                generation,
                sessions,
                query,
                sort,
                group,
                now,
                ..
            }) = e
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

    fn transcript_msg(generation: u64, key: &str, msgs: Vec<Message>) -> Msg {
        let (messages, units) = crate::app::transcript::content(msgs);
        Msg::Transcript {
            generation,
            key: key.into(),
            units,
            messages,
            branch_leaf: None,
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
        step(&mut s, transcript_msg(old, "claude:id0", vec![m]));
        assert!(s.transcript.units.is_empty() && s.transcript.view.is_empty());
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
    fn a_pass_that_changed_nothing_reloads_nothing() {
        let mut s = state((140, 40), 3);
        let fx = update(
            &mut s,
            Msg::IndexDone {
                sessions: 3,
                errors: 0,
                elapsed_ms: 1,
                changed: vec![],
                live: true,
            },
        );
        assert!(fx.is_empty(), "{fx:?}");
        assert!(s.status.info.is_none(), "live passes say nothing");
    }

    #[test]
    fn selection_follows_key_across_reloads() {
        let mut s = state((140, 40), 5);
        step(&mut s, key(KeyCode::Char('j')));
        step(&mut s, key(KeyCode::Char('j')));
        // another revisit wrote the index: the whole list is read again
        let fx = update(&mut s, Msg::IndexChangedElsewhere { changed: None });
        let Effect::LoadSessions {
            generation,
            only: None,
        } = fx[0]
        else {
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

    /// A write that changed a few sessions has only those read again: they are replaced in
    /// place, new ones added, the selection stays on its session; a session gone, or more
    /// sessions than are worth looking up one by one, has the whole list read again.
    #[test]
    fn a_write_reads_again_only_the_sessions_it_changed() {
        let mut s = state((140, 40), 5);
        step(&mut s, key(KeyCode::Char('j')));
        step(&mut s, key(KeyCode::Char('j')));
        assert_eq!(s.selected_session().unwrap().key, "claude:id2");
        let before = s.list_stamp.version;
        let done = |changed: Vec<String>| Msg::IndexDone {
            sessions: 6,
            errors: 0,
            elapsed_ms: 1,
            changed,
            live: true,
        };
        let fx = step(&mut s, done(vec!["claude:id3".into(), "claude:id9".into()]));
        let [
            Effect::LoadSessions {
                generation,
                only: Some(keys),
            },
        ] = &fx[..]
        else {
            panic!("{fx:?}")
        };
        assert_eq!(
            *generation, s.list_generation,
            "a whole list asked for before still counts"
        );
        assert_eq!(keys, &["claude:id3".to_string(), "claude:id9".to_string()]);
        let mut grown = session(3);
        grown.title = "grown".into();
        grown.messages = 40;
        grown.updated_at = Some(chrono::Utc::now());
        let mut new = session(9);
        new.updated_at = Some(chrono::Utc::now() - chrono::Duration::seconds(90));
        step(
            &mut s,
            Msg::SessionsChanged {
                generation: *generation,
                changed: vec![grown, new],
                gone: vec![],
            },
        );
        assert_eq!(s.sessions.len(), 6);
        assert_eq!(s.sessions[3].title, "grown", "replaced where it was");
        assert_eq!(s.sessions[5].key, "claude:id9", "added at the end");
        assert_eq!(s.index_of["claude:id9"], 5);
        assert_eq!(
            s.list_stamp,
            crate::app::state::ListStamp {
                version: before + 1,
                patched: Some((before, vec![3, 5].into())),
            }
        );
        let shown: Vec<&str> = s
            .rows
            .iter()
            .filter_map(|r| r.session())
            .map(|i| s.sessions[i].key.as_str())
            .collect();
        assert_eq!(
            shown,
            [
                "claude:id3",
                "claude:id0",
                "claude:id1",
                "claude:id9",
                "claude:id2",
                "claude:id4"
            ],
            "most recent first"
        );
        assert_eq!(s.selected_session().unwrap().key, "claude:id2");
        // an answer older than a whole list asked for since is dropped
        let fx = step(&mut s, Msg::IndexChangedElsewhere { changed: None });
        let stale = Msg::SessionsChanged {
            generation: *generation,
            changed: vec![session(7)],
            gone: vec![],
        };
        assert!(step(&mut s, stale).is_empty());
        assert_eq!(s.sessions.len(), 6);
        assert!(
            matches!(&fx[..], [Effect::LoadSessions { only: None, .. }, ..]),
            "{fx:?}"
        );
        // a session gone: the whole list
        let g = s.list_generation;
        let fx = step(
            &mut s,
            Msg::SessionsChanged {
                generation: g,
                changed: vec![],
                gone: vec!["claude:id1".into()],
            },
        );
        assert!(
            matches!(&fx[..], [Effect::LoadSessions { only: None, .. }]),
            "{fx:?}"
        );
        // many sessions changed at once: the whole list
        let many = (0..=RELOAD_WHOLE_OVER)
            .map(|i| format!("claude:x{i}"))
            .collect();
        let fx = step(&mut s, done(many));
        assert!(
            matches!(&fx[..], [Effect::LoadSessions { only: None, .. }]),
            "{fx:?}"
        );
    }

    /// Following another revisit's index: the sessions it wrote are read again, the open
    /// transcript only when it is one of them; when which ones is not known, everything.
    #[test]
    fn a_write_elsewhere_reads_again_what_it_wrote() {
        let mut s = state((140, 40), 5);
        assert_eq!(s.transcript.key.as_deref(), Some("claude:id0"));
        let g = s.list_generation;
        let fx = update(
            &mut s,
            Msg::IndexChangedElsewhere {
                changed: Some(vec!["claude:id3".into()]),
            },
        );
        assert!(
            matches!(&fx[..], [Effect::LoadSessions { generation, only: Some(k) }] if *generation == g && k == &["claude:id3".to_string()]),
            "{fx:?}"
        );
        let fx = update(
            &mut s,
            Msg::IndexChangedElsewhere {
                changed: Some(vec!["claude:id0".into()]),
            },
        );
        assert!(
            matches!(&fx[..], [Effect::LoadSessions { only: Some(_), .. }, Effect::LoadTranscript { key, .. }] if key == "claude:id0"),
            "{fx:?}"
        );
        let fx = update(
            &mut s,
            Msg::IndexChangedElsewhere {
                changed: Some(vec![]),
            },
        );
        assert!(fx.is_empty(), "{fx:?}");
        let fx = update(&mut s, Msg::IndexChangedElsewhere { changed: None });
        assert!(
            matches!(
                &fx[..],
                [
                    Effect::LoadSessions { only: None, .. },
                    Effect::LoadTranscript { .. }
                ]
            ),
            "{fx:?}"
        );
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
        assert_eq!(s.transcript.find.needles, vec!["x".to_string()]);
        let msgs: Vec<Message> = (0..50)
            .map(|i| {
                let mut m = Message::new(Role::User);
                let mark = if i == 1 || i == 30 { " x" } else { "" };
                m.blocks.push(Block::text(format!("message {i}{mark}")));
                m
            })
            .collect();
        let generation = s.transcript.generation;
        step(&mut s, transcript_msg(generation, "claude:id2", msgs));
        let t = &s.transcript;
        let msg_of = |l: &crate::app::transcript::ViewLine| t.units[l.unit].msg;
        assert_eq!(t.find.hits.len(), 2, "the two messages with x");
        assert!(
            t.view.iter().take(2).any(|l| msg_of(l) == 30),
            "scrolled to the best hit"
        );
        assert_eq!(t.units[t.cursor].msg, 30);
        step(&mut s, key(KeyCode::Char('n')));
        assert_eq!(
            s.transcript.find.current,
            Some(0),
            "n wraps to the first hit"
        );
        step(&mut s, key(KeyCode::Char('N')));
        assert_eq!(s.transcript.find.current, Some(1));
        assert!(
            s.transcript.view.iter().any(|l| !l.marks.is_empty()),
            "hits are marked"
        );
    }

    /// A long transcript is searched on the query worker: typing asks for it, the screen
    /// says it is searching, the hits are taken when they answer what is asked, and Enter
    /// pressed meanwhile goes to the first hit once it is known.
    #[test]
    fn find_in_a_long_transcript_runs_off_the_ui_thread() {
        use crate::app::transcript::{FIND_INLINE, find_hits};
        let mut s = state((140, 40), 2);
        step(&mut s, key(KeyCode::Enter));
        assert_eq!(s.focus, Focus::Transcript);
        // three units a message (header, text, gap)
        let n = FIND_INLINE / 3 + 2_100;
        let msgs: Vec<Message> = (0..n)
            .map(|i| {
                let mut m = Message::new(Role::User);
                let mark = if i % 1000 == 999 { " needle" } else { "" };
                m.blocks.push(Block::text(format!("message {i}{mark}")));
                m
            })
            .collect();
        let generation = s.transcript.generation;
        let key0 = s.transcript.key.clone().unwrap();
        step(&mut s, transcript_msg(generation, &key0, msgs));
        assert!(s.transcript.units.len() > FIND_INLINE);
        step(&mut s, key(KeyCode::Char('/')));
        let mut asked = Vec::new();
        for c in "needle".chars() {
            asked.extend(update(&mut s, key(KeyCode::Char(c))));
        }
        let t = &s.transcript;
        assert!(t.find.searching && t.find.hits.is_empty());
        assert_eq!(s.status.info.as_deref(), Some("searching…"));
        assert_eq!(asked.len(), 6, "one search a keystroke: {asked:?}");
        let Some(Effect::Find {
            generation,
            messages,
            units,
            needles,
        }) = asked.pop()
        else {
            panic!("{asked:?}")
        };
        assert_eq!(needles, vec!["needle".to_string()]);
        // Enter while it searches: no "no hits", the first hit comes later
        step(&mut s, key(KeyCode::Enter));
        assert_eq!(s.status.info.as_deref(), Some("searching…"));
        // an answer to an earlier keystroke is dropped
        let Some(Effect::Find {
            needles: old_needles,
            ..
        }) = asked.first().cloned()
        else {
            panic!()
        };
        let old_hits = find_hits(&units, &messages, &old_needles);
        step(
            &mut s,
            Msg::FindHits {
                generation,
                units: units.clone(),
                needles: old_needles,
                hits: old_hits,
            },
        );
        assert!(s.transcript.find.searching);
        let hits = find_hits(&units, &messages, &needles);
        assert_eq!(hits.len(), n / 1000);
        step(
            &mut s,
            Msg::FindHits {
                generation,
                units,
                needles,
                hits,
            },
        );
        let t = &s.transcript;
        assert!(!t.find.searching);
        assert_eq!(t.find.hits.len(), n / 1000);
        assert_eq!(t.units[t.cursor].msg, 999, "at the first hit");
        assert_eq!(
            s.status.info.as_deref(),
            Some(format!("hit 1 of {} (n/N for more)", n / 1000).as_str())
        );
        step(&mut s, key(KeyCode::Char('n')));
        assert_eq!(s.transcript.units[s.transcript.cursor].msg, 1999);
    }

    #[test]
    fn mouse_clicks_select_and_unfold_and_the_wheel_scrolls() {
        use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
        let mut s = state((140, 20), 2);
        let mut msgs = Vec::new();
        for i in 0..6 {
            let mut a = Message::new(Role::Assistant);
            a.blocks.push(Block::ToolCall {
                id: format!("c{i}"),
                name: "Bash".into(),
                input: serde_json::json!({"command": format!("step {i}")}),
            });
            let mut r = Message::new(Role::Tool);
            r.blocks.push(Block::ToolResult {
                call_id: format!("c{i}"),
                output: "line one\nline two".into(),
                is_error: false,
            });
            msgs.extend([a, r]);
        }
        let generation = s.transcript.generation;
        step(&mut s, transcript_msg(generation, "claude:id0", msgs));
        let pane = s.layout.transcript.unwrap();
        let row_of = |s: &AppState, needle: &str| {
            s.transcript
                .view
                .iter()
                .position(|l| l.line.text().contains(needle))
                .unwrap() as u16
        };
        let click = |row: u16| {
            Msg::Mouse(MouseEvent {
                kind: MouseEventKind::Down(MouseButton::Left),
                column: pane.x + 5,
                row: pane.y + 2 + row,
                modifiers: KeyModifiers::NONE,
            })
        };
        // a click on a folded tool call focuses the pane, selects it and opens it
        let r = row_of(&s, "step 1");
        step(&mut s, click(r));
        assert_eq!(s.focus, Focus::Transcript);
        assert!(
            s.transcript
                .view
                .iter()
                .any(|l| l.line.text().contains("line two"))
        );
        let unit = s.transcript.cursor;
        assert!(matches!(
            s.transcript.units[unit].kind,
            crate::app::transcript::units::UnitKind::Tool { .. }
        ));
        // the wheel scrolls three lines
        let top = (s.transcript.top, s.transcript.top_line);
        step(
            &mut s,
            Msg::Mouse(MouseEvent {
                kind: MouseEventKind::ScrollDown,
                column: pane.x + 5,
                row: pane.y + 3,
                modifiers: KeyModifiers::NONE,
            }),
        );
        assert_ne!((s.transcript.top, s.transcript.top_line), top);
    }

    #[test]
    fn b_on_a_branch_notice_asks_for_the_next_branch() {
        let mut s = state((140, 30), 1);
        let mut notice = Message::new(Role::System);
        notice.blocks.push(Block::Notice {
            kind: "branch".into(),
            text: "1 other branch here".into(),
        });
        notice.native_id = Some("branch@a1".into());
        let mut m = Message::new(Role::User);
        m.blocks.push(Block::text("hello"));
        let generation = s.transcript.generation;
        step(
            &mut s,
            transcript_msg(generation, "claude:id0", vec![m, notice]),
        );
        s.focus = Focus::Transcript;
        // not on the notice: a hint
        let fx = step(&mut s, key(KeyCode::Char('b')));
        assert!(fx.is_empty());
        assert!(s.status.info.as_deref().unwrap().contains("branch notice"));
        // on it: the effect, with the branch shown now (the active one)
        step(&mut s, key(KeyCode::Char('J')));
        step(&mut s, key(KeyCode::Char('J')));
        let fx = step(&mut s, key(KeyCode::Char('b')));
        assert!(
            matches!(&fx[..], [Effect::SwitchBranch { at, leaf: None, .. }] if at == "branch@a1"),
            "{fx:?}"
        );
        // the other branch arrives: shown, marked, and reloads of the index leave it alone
        let generation = s.transcript.generation;
        let mut other = Message::new(Role::User);
        other.blocks.push(Block::text("the other way"));
        let (messages, units) = crate::app::transcript::content(vec![other]);
        step(
            &mut s,
            Msg::Transcript {
                generation,
                key: "claude:id0".into(),
                units,
                messages,
                branch_leaf: Some("u2".into()),
            },
        );
        assert_eq!(s.transcript.branch_leaf.as_deref(), Some("u2"));
        let fx = update(
            &mut s,
            Msg::IndexDone {
                sessions: 1,
                errors: 0,
                elapsed_ms: 1,
                changed: vec!["claude:id0".into()],
                live: true,
            },
        );
        assert!(
            !fx.iter()
                .any(|e| matches!(e, Effect::LoadTranscript { .. }))
        );
    }

    fn plan_for(key: &str, note: Option<&str>) -> crate::resume::Plan {
        crate::resume::Plan {
            agent: crate::model::Agent::Claude,
            session: key.into(),
            kind: crate::resume::Kind::Resume,
            argv: vec!["claude".into(), "--resume".into(), "/x/id1.jsonl".into()],
            program: "/usr/bin/claude".into(),
            cwd: "/here".into(),
            env: Default::default(),
            note: note.map(str::to_string),
        }
    }

    #[test]
    fn r_and_c_resume_the_selected_or_shown_session_and_ctrl_z_suspends() {
        let mut s = state((140, 40), 3);
        step(&mut s, key(KeyCode::Char('j')));
        let fx = step(&mut s, key(KeyCode::Char('r')));
        assert!(
            matches!(&fx[..], [Effect::Resume { session, kind: crate::resume::Kind::Resume }] if session.key == "claude:id1"),
            "{fx:?}"
        );
        let fx = step(&mut s, key(KeyCode::Char('c')));
        assert!(
            matches!(&fx[..], [Effect::Resume { session, kind: crate::resume::Kind::Continue }] if session.key == "claude:id1"),
            "{fx:?}"
        );
        // in the transcript: the session shown
        step(&mut s, key(KeyCode::Enter));
        assert_eq!(s.focus, Focus::Transcript);
        let fx = step(&mut s, key(KeyCode::Char('r')));
        assert!(
            matches!(&fx[..], [Effect::Resume { session, .. }] if session.key == "claude:id1"),
            "{fx:?}"
        );
        let fx = step(
            &mut s,
            Msg::Key(KeyEvent::new(KeyCode::Char('z'), KeyModifiers::CONTROL)),
        );
        assert_eq!(fx, vec![Effect::Suspend]);
    }

    /// The list holds no resume commands (at 100,000 sessions they were 22 MB): copying one
    /// asks for it to be built for the session selected or shown.
    #[test]
    fn ctrl_y_asks_for_the_resume_command_of_the_selected_or_shown_session() {
        let mut s = state((140, 40), 3);
        step(&mut s, key(KeyCode::Char('j')));
        let ctrl_y = || Msg::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::CONTROL));
        let fx = step(&mut s, ctrl_y());
        assert!(
            matches!(&fx[..], [Effect::CopyResume(session)] if session.key == "claude:id1"),
            "{fx:?}"
        );
        step(&mut s, key(KeyCode::Char('j')));
        step(&mut s, key(KeyCode::Enter));
        assert_eq!(s.focus, Focus::Transcript);
        let fx = step(&mut s, ctrl_y());
        assert!(
            matches!(&fx[..], [Effect::CopyResume(session)] if session.key == "claude:id2"),
            "{fx:?}"
        );
    }

    #[test]
    fn a_question_waits_for_yes_or_no() {
        let mut s = state((140, 40), 3);
        let plan = plan_for("claude:id0", Some("moved"));
        step(
            &mut s,
            Msg::ResumeAsk {
                question: "the directory is gone".into(),
                plan: Box::new(plan.clone()),
            },
        );
        assert_eq!(s.mode(), Mode::Confirm);
        // other keys do nothing while it is asked, and the list stays where it was
        for k in [KeyCode::Char('j'), KeyCode::Char('r'), KeyCode::Char('?')] {
            assert!(step(&mut s, key(k)).is_empty());
        }
        assert_eq!(s.selected, 0);
        assert!(!s.help);
        assert!(s.confirm.is_some());
        // no
        assert!(step(&mut s, key(KeyCode::Char('n'))).is_empty());
        assert_eq!(s.confirm, None);
        assert_eq!(s.status.info.as_deref(), Some("not resumed"));
        // yes
        step(
            &mut s,
            Msg::ResumeAsk {
                question: "q".into(),
                plan: Box::new(plan.clone()),
            },
        );
        let fx = step(&mut s, key(KeyCode::Enter));
        assert_eq!(fx, vec![Effect::RunPlan(Box::new(plan))]);
        assert_eq!(s.confirm, None);
        assert_eq!(s.mode(), Mode::List);
    }

    #[test]
    fn back_from_the_agent_reindexes_and_shows_the_sessions_new_end() {
        let mut s = state((140, 40), 3);
        let g = s.transcript.generation;
        let msgs = |n: usize| -> Vec<Message> {
            (0..n)
                .map(|i| {
                    let mut m = Message::new(if i % 2 == 0 {
                        Role::User
                    } else {
                        Role::Assistant
                    });
                    m.blocks.push(Block::text(format!("message {i}")));
                    m
                })
                .collect()
        };
        step(&mut s, transcript_msg(g, "claude:id0", msgs(80)));
        assert_eq!(s.transcript.top, 0);
        assert!(!s.transcript.at_end);
        let fx = step(
            &mut s,
            Msg::ResumeDone {
                plan: Box::new(plan_for("claude:id0", None)),
                outcome: Ok("exit 0".into()),
                success: true,
            },
        );
        assert_eq!(s.status.info.as_deref(), Some("back from claude (exit 0)"));
        let g = s.transcript.generation;
        assert_eq!(
            fx,
            vec![
                Effect::Reindex,
                Effect::LoadTranscript {
                    generation: g,
                    key: "claude:id0".into()
                }
            ]
        );
        // the reloaded session (it grew while the agent ran) opens at its end
        step(&mut s, transcript_msg(g, "claude:id0", msgs(84)));
        assert!(s.transcript.at_end, "at the new end");
        assert_eq!(s.transcript.new_below, 0);
        assert_eq!(s.selected, 0, "the same session stays selected");
        // a failure is an error in the status line, the note of a moved directory is shown
        step(
            &mut s,
            Msg::ResumeDone {
                plan: Box::new(plan_for("claude:id2", None)),
                outcome: Ok("exit 3".into()),
                success: false,
            },
        );
        assert_eq!(s.status.error.as_deref(), Some("claude ended with exit 3"));
        let fx = step(
            &mut s,
            Msg::ResumeDone {
                plan: Box::new(plan_for("claude:id2", Some("from /here, since /p is gone"))),
                outcome: Ok("exit 0".into()),
                success: true,
            },
        );
        assert_eq!(fx, vec![Effect::Reindex], "another session: no reload");
        assert_eq!(
            s.status.info.as_deref(),
            Some("back from claude (exit 0) · from /here, since /p is gone")
        );
    }

    #[test]
    fn a_refusal_is_an_error_until_the_next_key() {
        let mut s = state((140, 40), 3);
        step(
            &mut s,
            Msg::ResumeRefused("codex is not installed or not on PATH".into()),
        );
        assert_eq!(
            s.status.error.as_deref(),
            Some("codex is not installed or not on PATH")
        );
        assert_eq!(s.mode(), Mode::List, "the browser stays up");
        step(&mut s, key(KeyCode::Char('j')));
        assert_eq!(s.status.error, None);
    }

    fn typed(s: &mut AppState, text: &str) {
        for c in text.chars() {
            step(s, key(KeyCode::Char(c)));
        }
    }

    fn ctrl(c: char) -> Msg {
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
    }

    #[test]
    fn rename_and_tags_are_typed_in_a_prompt_where_letters_are_text() {
        let mut s = state((140, 40), 3);
        step(&mut s, key(KeyCode::Char('j')));
        step(&mut s, key(KeyCode::Char('R')));
        assert_eq!(s.mode(), Mode::Prompt);
        assert_eq!(s.prompt.as_ref().unwrap().input.input, "session 1");
        step(&mut s, ctrl('u'));
        // q, j and ? are text here, not quit, next or help
        typed(&mut s, "qj? fix");
        assert!(!s.quit);
        let fx = step(&mut s, key(KeyCode::Enter));
        assert_eq!(
            fx,
            [Effect::Keep(KeepJob::Rename {
                key: "claude:id1".into(),
                name: Some("qj? fix".into())
            })]
        );
        assert_eq!(s.mode(), Mode::List);
        // the title unchanged, or nothing: no name
        step(&mut s, key(KeyCode::Char('R')));
        let fx = step(&mut s, key(KeyCode::Enter));
        assert_eq!(
            fx,
            [Effect::Keep(KeepJob::Rename {
                key: "claude:id1".into(),
                name: None
            })]
        );
        // tags: the current ones to edit
        let mut with_tags = (*s.sessions).clone();
        with_tags[1].extra.tags = vec!["bug".into()];
        s.sessions = Arc::new(with_tags);
        step(&mut s, key(KeyCode::Char('t')));
        assert_eq!(s.prompt.as_ref().unwrap().input.input, "bug ");
        typed(&mut s, "#Later");
        let fx = step(&mut s, key(KeyCode::Enter));
        assert_eq!(
            fx,
            [Effect::Keep(KeepJob::Tags {
                key: "claude:id1".into(),
                tags: vec!["bug".into(), "#Later".into()]
            })]
        );
        // esc cancels without a job
        step(&mut s, key(KeyCode::Char('t')));
        assert!(step(&mut s, key(KeyCode::Esc)).is_empty());
        assert_eq!(s.mode(), Mode::List);
        // the keeper's answer: a status line, and the list read again
        let fx = step(
            &mut s,
            Msg::Kept {
                outcome: Ok("tags: #bug".into()),
                reload: true,
                reindex: false,
                select: None,
            },
        );
        assert!(matches!(&fx[..], [Effect::LoadSessions { .. }]), "{fx:?}");
        assert_eq!(s.status.info.as_deref(), Some("tags: #bug"));
    }

    #[test]
    fn export_prompt_names_a_file_cycles_formats_and_redacts_by_default() {
        let mut s = state((140, 40), 2);
        s.export_dir = Some("/tmp/out".into());
        step(&mut s, key(KeyCode::Char('e')));
        assert_eq!(s.mode(), Mode::Prompt);
        let text = s.prompt.as_ref().unwrap().input.input.clone();
        assert_eq!(text, "/tmp/out/claude-id0-session-0.md");
        step(&mut s, key(KeyCode::Tab));
        assert_eq!(
            s.prompt.as_ref().unwrap().input.input,
            "/tmp/out/claude-id0-session-0.html"
        );
        assert!(s.prompt.as_ref().unwrap().label().contains("HTML redacted"));
        step(&mut s, ctrl('r'));
        assert!(s.prompt.as_ref().unwrap().label().contains("NOT redacted"));
        step(&mut s, ctrl('r'));
        let fx = step(&mut s, key(KeyCode::Enter));
        assert!(
            matches!(&fx[..], [Effect::Keep(KeepJob::Export { path, format: crate::export::Format::Html, redact: true, session })]
                if path == std::path::Path::new("/tmp/out/claude-id0-session-0.html") && session.key == "claude:id0"),
            "{fx:?}"
        );
        // a relative name goes to the export directory; its extension picks the format
        step(&mut s, key(KeyCode::Char('e')));
        step(&mut s, ctrl('u'));
        typed(&mut s, "notes.json");
        let fx = step(&mut s, key(KeyCode::Enter));
        assert!(
            matches!(&fx[..], [Effect::Keep(KeepJob::Export { path, format: crate::export::Format::Json, .. })]
                if path == std::path::Path::new("/tmp/out/notes.json")),
            "{fx:?}"
        );
    }

    #[test]
    fn delete_asks_with_the_files_and_u_undoes() {
        let mut s = state((140, 40), 2);
        let fx = step(&mut s, key(KeyCode::Char('D')));
        assert!(
            matches!(&fx[..], [Effect::Keep(KeepJob::PlanDelete(x))] if x.key == "claude:id0"),
            "{fx:?}"
        );
        assert_eq!(
            s.mode(),
            Mode::List,
            "nothing asked before the plan is known"
        );
        let plan = crate::keep::trash::DeletePlan {
            key: "claude:id0".into(),
            agent: crate::model::Agent::Claude,
            title: "session 0".into(),
            files: vec!["/h/.claude/projects/p/id0.jsonl".into()],
        };
        step(&mut s, Msg::DeleteAsk(Box::new(plan.clone())));
        assert_eq!(s.mode(), Mode::Confirm);
        let fx = step(&mut s, key(KeyCode::Char('n')));
        assert!(fx.is_empty());
        assert_eq!(s.status.info.as_deref(), Some("not deleted"));
        step(&mut s, Msg::DeleteAsk(Box::new(plan.clone())));
        let fx = step(&mut s, key(KeyCode::Char('y')));
        assert_eq!(fx, [Effect::Keep(KeepJob::Delete(Box::new(plan)))]);
        let fx = step(
            &mut s,
            Msg::Kept {
                outcome: Ok("deleted".into()),
                reload: false,
                reindex: true,
                select: None,
            },
        );
        assert_eq!(fx, [Effect::Reindex]);
        assert_eq!(
            step(&mut s, key(KeyCode::Char('u'))),
            [Effect::Keep(KeepJob::Undo)]
        );
        // a refusal is an error line, and nothing is asked
        step(
            &mut s,
            Msg::Kept {
                outcome: Err("not deleted: OpenCode keeps this session in its database".into()),
                reload: false,
                reindex: false,
                select: None,
            },
        );
        assert_eq!(s.mode(), Mode::List);
        assert!(s.status.error.as_deref().unwrap().contains("database"));
        // archive: straight to the keeper
        let fx = step(&mut s, key(KeyCode::Char('a')));
        assert!(
            matches!(&fx[..], [Effect::Keep(KeepJob::Archive(x))] if x.key == "claude:id0"),
            "{fx:?}"
        );
    }
}
