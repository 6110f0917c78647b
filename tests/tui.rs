//! Rendering snapshots on ratatui's TestBackend, driven through `update` like the real loop.

mod common;

use chrono::TimeZone;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use revisit::app::{AppState, Effect, Msg, update};
use revisit::index::query::{ListQuery, Reader};
use revisit::search::Matcher;
use revisit::search::fts::search_sessions;
use revisit::search::list::{Haystacks, ListRequest, build_rows};

/// A machine with `claude` installed, no session directory, and revisit run from `/home/u`.
struct OnlyClaude;

impl revisit::resume::System for OnlyClaude {
    fn find_program(&self, program: &str) -> Option<std::path::PathBuf> {
        (program == "claude").then(|| "/usr/local/bin/claude".into())
    }
    fn is_dir(&self, _: &std::path::Path) -> bool {
        false
    }
    fn current_dir(&self) -> std::path::PathBuf {
        "/home/u".into()
    }
    fn help_text(&self, _: &std::path::Path) -> Option<String> {
        None
    }
}

struct Harness {
    state: AppState,
    reader: Reader,
    _scratch: tempfile::TempDir,
}

impl Harness {
    fn new(w: u16, h: u16, banner: Option<&str>) -> Harness {
        let scratch = tempfile::tempdir().unwrap();
        // highlighting on from the first screen, whatever other tests loaded
        revisit::render::Highlighter::shared(revisit::render::SyntaxTheme::Dark);
        common::index_home(&common::fixture_home(), scratch.path());
        let reader = Reader::open(&scratch.path().join("index.sqlite")).unwrap();
        let now = chrono::Utc
            .with_ymd_and_hms(2026, 11, 24, 12, 0, 0)
            .unwrap();
        let mut state = AppState::new(now, (w, h), banner.map(str::to_string));
        let first = revisit::app::update::load_sessions(&mut state);
        let mut h = Harness {
            state,
            reader,
            _scratch: scratch,
        };
        h.perform(vec![first]);
        h
    }

    /// Do what the runtime would do with effects, synchronously.
    fn perform(&mut self, effects: Vec<Effect>) {
        let mut queue = effects;
        while let Some(e) = queue.pop() {
            let msg = match e {
                Effect::LoadSessions {
                    generation,
                    only: None,
                } => Msg::Sessions {
                    generation,
                    sessions: self.reader.list(&ListQuery::default()).unwrap(),
                },
                Effect::LoadSessions {
                    generation,
                    only: Some(keys),
                } => {
                    let found: Vec<_> = keys
                        .iter()
                        .map(|k| self.reader.session(k).unwrap())
                        .collect();
                    Msg::SessionsChanged {
                        generation,
                        gone: keys
                            .iter()
                            .zip(&found)
                            .filter(|(_, s)| s.is_none())
                            .map(|(k, _)| k.clone())
                            .collect(),
                        changed: found.into_iter().flatten().collect(),
                    }
                }
                Effect::LoadTranscript { generation, key } => {
                    common::transcript_msg(generation, &key, self.reader.messages(&key).unwrap())
                }
                Effect::Filter(revisit::app::action::FilterReq {
                    generation,
                    sessions,
                    query,
                    sort,
                    group,
                    now,
                    ..
                }) => {
                    let hay = Haystacks::build(&sessions);
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
                    Msg::Filtered { generation, rows }
                }
                Effect::FullText {
                    generation,
                    query,
                    now,
                } => Msg::FullText {
                    generation,
                    hits: search_sessions(&self.reader, &query, now, 500, &|s| s).unwrap(),
                },
                Effect::Stats {
                    generation,
                    sessions,
                    chosen,
                    range,
                    by,
                    tz,
                } => {
                    let by_key: std::collections::HashMap<&str, &revisit::model::Session> = chosen
                        .iter()
                        .map(|&i| (sessions[i].key.as_str(), &sessions[i]))
                        .collect();
                    let rows = self.reader.usage_rows(&|k| by_key.contains_key(k)).unwrap();
                    let pricer = revisit::cost::pricer(&revisit::config::Config::default(), None).0;
                    let (stats, top) =
                        revisit::stats::for_pane(&rows, &by_key, &range, by, tz, pricer.as_ref());
                    Msg::Stats {
                        generation,
                        stats: std::sync::Arc::new(stats),
                        top,
                    }
                }
                Effect::Resume { mut session, kind } => {
                    // the fixture home as if it were at /home/u (stable snapshots)
                    session.source = session
                        .source
                        .replace(&common::fixture_home().display().to_string(), "/home/u");
                    // the real checks on a machine where only `claude` is installed and no
                    // session directory exists
                    let registry = revisit::sources::Registry::new(
                        revisit::config::Env::with_home(common::fixture_home(), &[]),
                        revisit::config::Config::default(),
                    );
                    match revisit::resume::plan(
                        &session,
                        kind,
                        &registry,
                        &revisit::config::Config::default(),
                        &OnlyClaude,
                    ) {
                        Ok(_) => continue,
                        Err(e) => Msg::from_refusal(e),
                    }
                }
                _ => continue,
            };
            queue.extend(update(&mut self.state, msg));
        }
    }

    fn key(&mut self, code: KeyCode) {
        let fx = update(
            &mut self.state,
            Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        );
        self.perform(fx);
    }

    fn render(&self) -> Terminal<TestBackend> {
        let (w, h) = self.state.size;
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| revisit::ui::render(f, &self.state)).unwrap();
        t
    }
}

#[test]
fn list_80x24() {
    let h = Harness::new(80, 24, None);
    insta::assert_snapshot!(h.render().backend());
}

#[test]
fn transcript_80x24() {
    let mut h = Harness::new(80, 24, None);
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Enter);
    insta::assert_snapshot!(h.render().backend());
}

#[test]
fn both_panes_140x40() {
    let mut h = Harness::new(140, 40, None);
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('j'));
    insta::assert_snapshot!(h.render().backend());
}

#[test]
fn help_overlay_80x24_and_140x40() {
    let mut h = Harness::new(80, 24, None);
    h.key(KeyCode::Char('?'));
    insta::assert_snapshot!("help_80x24", h.render().backend());
    let mut h = Harness::new(140, 40, None);
    h.key(KeyCode::Char('?'));
    insta::assert_snapshot!("help_140x40", h.render().backend());
}

#[test]
fn demo_banner_140x40() {
    let h = Harness::new(
        140,
        40,
        Some("No agent sessions found on this machine: showing revisit's demo sessions."),
    );
    insta::assert_snapshot!(h.render().backend());
}

#[test]
fn selected_row_and_roles_are_styled() {
    let mut h = Harness::new(140, 40, None);
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('j'));
    let t = h.render();
    let buf = t.backend().buffer();
    let theme = revisit::ui::theme::Theme::dark();
    // the selected row (third session: border, header, two rows above)
    let cell = &buf[(3, 4)];
    assert_eq!(
        cell.bg,
        theme.selected.bg.unwrap(),
        "selected row background"
    );
    // a "You" header in the transcript is in the user colour
    let (x, y) = (0..40u16)
        .find_map(|y| {
            let x = (63..137u16).find(|x| {
                (0..3u16)
                    .map(|i| buf[(x + i, y)].symbol())
                    .collect::<String>()
                    == "You"
            })?;
            // the header starts the line (after the border and the cursor column)
            (buf[(x - 1, y)].symbol() == " " || buf[(x - 1, y)].symbol() == "▌").then_some((x, y))
        })
        .expect("a user header");
    assert_eq!(buf[(x, y)].fg, theme.user.fg.unwrap());
}

impl Harness {
    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    fn ctrl(&mut self, c: char) {
        let fx = update(
            &mut self.state,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
        );
        self.perform(fx);
    }
}

#[test]
fn fuzzy_query_with_highlights_80x24() {
    let mut h = Harness::new(80, 24, None);
    h.key(KeyCode::Char('/'));
    h.type_text("dcs");
    let t = h.render();
    insta::assert_snapshot!(t.backend());
    // the matched characters of "Docs session summary" are styled as matches
    let buf = t.backend().buffer();
    let theme = revisit::ui::theme::Theme::dark();
    let row = (0..24u16)
        .find(|y| {
            let line: String = (0..80u16)
                .map(|x| buf[(x, *y)].symbol().to_string())
                .collect();
            line.contains("Docs session summary")
        })
        .expect("the row");
    let line: String = (0..80u16)
        .map(|x| buf[(x, row)].symbol().to_string())
        .collect();
    let x = line.chars().position(|c| c == 'D').unwrap() as u16;
    assert_eq!(
        buf[(x, row)].fg,
        theme.match_hl.fg.unwrap(),
        "D is highlighted"
    );
    assert_ne!(buf[(x + 1, row)].fg, theme.match_hl.fg.unwrap(), "o is not");
}

#[test]
fn full_text_results_with_snippets_140x40() {
    let mut h = Harness::new(140, 40, None);
    h.ctrl('f');
    h.type_text("ls");
    insta::assert_snapshot!("full_text_140x40", h.render().backend());
    // Enter opens the hit
    h.key(KeyCode::Enter);
    assert_eq!(h.state.focus, revisit::app::state::Focus::Transcript);
    assert!(!h.state.transcript.find.hits.is_empty());
    insta::assert_snapshot!("full_text_opened_140x40", h.render().backend());
}

#[test]
fn grouped_and_sorted_80x24() {
    let mut h = Harness::new(80, 24, None);
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Char('s'));
    h.key(KeyCode::Char('s'));
    insta::assert_snapshot!(h.render().backend());
}

#[test]
fn unknown_filter_error_80x24() {
    let mut h = Harness::new(80, 24, None);
    h.key(KeyCode::Char('/'));
    h.type_text("colour:red");
    insta::assert_snapshot!(h.render().backend());
}

#[test]
fn stats_pane_80x24_and_140x40() {
    for (w, h) in [(80, 24), (140, 40)] {
        let mut t = Harness::new(w, h, None);
        t.key(KeyCode::Char('$'));
        insta::assert_snapshot!(format!("stats_{w}x{h}"), t.render().backend());
        // by model, then the most expensive session opens on Enter
        t.key(KeyCode::Char('b'));
        t.key(KeyCode::Char('b'));
        t.key(KeyCode::Char('b'));
        t.key(KeyCode::Char('b'));
        insta::assert_snapshot!(format!("stats_by_model_{w}x{h}"), t.render().backend());
    }
}

#[test]
fn stats_pane_opens_the_most_expensive_session() {
    let mut t = Harness::new(140, 40, None);
    t.key(KeyCode::Char('$'));
    t.key(KeyCode::Enter);
    let screen = format!("{:?}", t.render().backend());
    // session 0199aaaa (Codex, $0.0098) costs the most
    assert!(screen.contains("Test triage"), "{screen}");
    assert_eq!(t.state.mode(), revisit::app::keymap::Mode::Transcript);
}

#[test]
fn resume_asks_when_the_directory_is_gone_and_refuses_what_is_not_installed() {
    let mut h = Harness::new(80, 24, None);
    let first = h.state.selected_session().unwrap().clone();
    assert_eq!(first.agent, revisit::model::Agent::Claude);
    h.key(KeyCode::Char('r'));
    let c = h.state.confirm.clone().expect("a question");
    assert!(c.question.contains("/home/u/"), "{}", c.question);
    let revisit::app::state::Yes::Resume(plan) = &c.yes else {
        panic!("a resume question: {c:?}")
    };
    assert_eq!(plan.argv[..2], ["claude", "--resume"]);
    assert_eq!(
        plan.argv[2],
        first
            .source
            .replace(&common::fixture_home().display().to_string(), "/home/u")
    );
    insta::assert_snapshot!("resume_question_80x24", h.render().backend());
    // no: the question goes, the list is as it was
    h.key(KeyCode::Esc);
    assert!(h.state.confirm.is_none());
    assert_eq!(h.state.selected_session().unwrap().key, first.key);
    // a Codex session: not installed here, said in the status line
    let codex = h
        .state
        .rows
        .iter()
        .position(|r| {
            r.session()
                .is_some_and(|i| h.state.sessions[i].agent == revisit::model::Agent::Codex)
        })
        .expect("a codex session");
    while h.state.selected < codex {
        h.key(KeyCode::Char('j'));
    }
    h.key(KeyCode::Char('r'));
    assert!(h.state.confirm.is_none());
    assert_eq!(
        h.state.status.error.as_deref(),
        Some("codex is not installed or not on PATH")
    );
    let screen = format!("{:?}", h.render().backend());
    assert!(
        screen.contains("codex is not installed or not on PATH"),
        "{screen}"
    );
    // continue-latest needs the directory too, and offers nothing else
    h.key(KeyCode::Char('k'));
    h.key(KeyCode::Char('c'));
    assert!(h.state.confirm.is_none());
}
