//! Transcript snapshots: every block kind, every fold state and every theme, at two sizes.
//! Text snapshots show the layout; styled snapshots (one letter per style run) show what each
//! theme does with each kind of line.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use revisit::app::{AppState, Msg, update};
use revisit::model::{Agent, Block, Message, Role, Session, TokenUsage};
use revisit::render::{Highlighter, SyntaxTheme};
use revisit::ui::theme::Theme;
use serde_json::json;

fn t(s: &str) -> chrono::DateTime<chrono::Utc> {
    revisit::model::parse_time(s).unwrap()
}

fn msg(role: Role, time: &str, blocks: Vec<Block>) -> Message {
    let mut m = Message::new(role);
    m.time = Some(t(time));
    m.blocks = blocks;
    m
}

/// One session with every kind of block revisit shows.
fn every_kind() -> Vec<Message> {
    let mut context = msg(
        Role::User,
        "2026-11-20T09:00:00Z",
        vec![Block::text(
            "<environment_context>\n  <cwd>/home/dev/shop</cwd>\n  <shell>bash</shell>\n</environment_context>",
        )],
    );
    context.meta = true;
    let prompt = msg(
        Role::User,
        "2026-11-20T09:00:05Z",
        vec![Block::text(
            "Fix the **checkout** test, and explain the `total()` change.",
        )],
    );
    let mut answer = msg(
        Role::Assistant,
        "2026-11-20T09:00:09Z",
        vec![
            Block::Thinking {
                text: String::new(),
                sealed: true,
            },
            Block::Thinking {
                text: "The test fails on rounding.\nI should look at cart.py first.".into(),
                sealed: false,
            },
            Block::text(
                "## Plan\n\n1. Read `cart.py`\n2. Fix the rounding\n\n| file | change |\n|---|---|\n| cart.py | round half up |",
            ),
            Block::text(
                "```python\ndef total(items):\n    return round(sum(i.price for i in items), 2)\n```",
            ),
            Block::ToolCall {
                id: "c1".into(),
                name: "Bash".into(),
                input: json!({"command": "pytest -q tests/test_cart.py"}),
            },
        ],
    );
    answer.model = Some("claude-sonnet-4-5".into());
    answer.usage = Some(TokenUsage {
        input: 1200,
        output: 340,
        cache_read: 15000,
        cache_write: 800,
        reasoning: 0,
        cache_write_1h: 0,
    });
    answer.cost_usd = Some(0.0123);
    let result = msg(
        Role::Tool,
        "2026-11-20T09:00:12Z",
        vec![Block::ToolResult {
            call_id: "c1".into(),
            output: "F\n=== FAILURES ===\ntest_total: 10.0 != 10.01\n1 failed in 0.03s\n".into(),
            is_error: true,
        }],
    );
    let edit = msg(
        Role::Assistant,
        "2026-11-20T09:00:20Z",
        vec![
            Block::ToolCall {
                id: "c2".into(),
                name: "Edit".into(),
                input: json!({"file_path": "/home/dev/shop/cart.py", "old_string": "    return sum(i.price for i in items)", "new_string": "    return round(sum(i.price for i in items), 2)"}),
            },
            Block::ToolCall {
                id: "c3".into(),
                name: "Task".into(),
                input: json!({"description": "check other callers", "prompt": "Find other callers of total()"}),
            },
        ],
    );
    let edit_result = msg(
        Role::Tool,
        "2026-11-20T09:00:21Z",
        vec![Block::ToolResult {
            call_id: "c2".into(),
            output: "The file /home/dev/shop/cart.py has been updated.".into(),
            is_error: false,
        }],
    );
    let mut sub1 = msg(
        Role::User,
        "2026-11-20T09:00:22Z",
        vec![Block::text("Find other callers of total()")],
    );
    sub1.sidechain = true;
    sub1.agent_id = Some("agent-7f3".into());
    let mut sub2 = msg(
        Role::Assistant,
        "2026-11-20T09:00:25Z",
        vec![Block::text("Only `checkout.py` calls it.")],
    );
    sub2.sidechain = true;
    sub2.agent_id = Some("agent-7f3".into());
    let task_result = msg(
        Role::Tool,
        "2026-11-20T09:00:26Z",
        vec![Block::ToolResult {
            call_id: "c3".into(),
            output: "Only checkout.py calls it.".into(),
            is_error: false,
        }],
    );
    let orphan = msg(
        Role::Tool,
        "2026-11-20T09:00:27Z",
        vec![Block::ToolResult {
            call_id: "gone".into(),
            output: "a result whose call was not recorded".into(),
            is_error: false,
        }],
    );
    let compaction = msg(
        Role::System,
        "2026-11-20T09:01:00Z",
        vec![Block::Notice {
            kind: "compaction".into(),
            text: "Conversation compacted (48k tokens → 3k).".into(),
        }],
    );
    let model_change = msg(
        Role::System,
        "2026-11-20T09:01:01Z",
        vec![Block::Notice {
            kind: "model_change".into(),
            text: "Model changed to gpt-5-codex, thinking level high.".into(),
        }],
    );
    let mut branch = msg(
        Role::System,
        "2026-11-20T09:01:02Z",
        vec![Block::Notice {
            kind: "branch".into(),
            text: "1 other branch here, not shown: [u2] “try floats” (2 messages)".into(),
        }],
    );
    branch.native_id = Some("branch@a1".into());
    let image = msg(
        Role::User,
        "2026-11-21T08:00:00Z",
        vec![
            Block::Attachment {
                kind: "image".into(),
                description: "screenshot.png (image/png)".into(),
            },
            Block::text("Looks right now? 日本語も表示できる? 🎉"),
        ],
    );
    let mut done = msg(
        Role::Assistant,
        "2026-11-21T08:00:04Z",
        vec![Block::text(
            "Yes: the total rounds **half up** now.\n\n> quoted note\n\nSee [the docs](https://example.com/docs).",
        )],
    );
    done.model = Some("claude-sonnet-4-5".into());
    vec![
        context,
        prompt,
        answer,
        result,
        edit,
        edit_result,
        sub1,
        sub2,
        task_result,
        orphan,
        compaction,
        model_change,
        branch,
        image,
        done,
    ]
}

fn session() -> Session {
    Session {
        agent: Agent::Claude,
        id: "s1".into(),
        title: "Fix the checkout test".into(),
        cwd: Some("/home/dev/shop".into()),
        project: Some("shop".into()),
        models: vec!["claude-sonnet-4-5".into()],
        git_branch: Some("main".into()),
        started_at: Some(t("2026-11-20T09:00:00Z")),
        updated_at: Some(t("2026-11-21T08:00:04Z")),
        prompts: 2,
        messages: 15,
        tool_calls: 3,
        subagents: 1,
        tokens: TokenUsage::default(),
        tokens_known: true,
        cost_usd: None,
        unpriced_turns: 0,
        source: "/home/dev/.claude/projects/x/s1.jsonl".into(),
        resume: None,
        parse_errors: 0,
        key: "claude:s1".into(),
        first_prompt: Some("Fix the checkout test".into()),
        status: None,
        extra: Default::default(),
    }
}

/// The browser with the session open in the transcript pane.
fn opened(w: u16, h: u16) -> AppState {
    Highlighter::shared(SyntaxTheme::Dark);
    let now = t("2026-11-24T12:00:00Z");
    let mut st = AppState::new(now, (w, h), None);
    let g = st.list_generation;
    update(
        &mut st,
        Msg::Sessions {
            generation: g,
            sessions: vec![session()],
        },
    );
    st.rows = vec![revisit::search::list::Row::Session { idx: 0, score: 0 }];
    key(&mut st, KeyCode::Enter);
    let generation = st.transcript.generation;
    update(
        &mut st,
        common::transcript_msg(generation, "claude:s1", every_kind()),
    );
    st
}

fn key(st: &mut AppState, code: KeyCode) {
    update(st, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn draw(st: &AppState, theme: &Theme) -> Buffer {
    let (w, h) = st.size;
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| revisit::ui::render_with(f, st, theme))
        .unwrap();
    term.backend().buffer().clone()
}

fn text_of(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..buf.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let s = buf[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(s).saturating_sub(1);
            line.push_str(s);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The transcript pane with its styles: each line, then under it one letter per cell naming
/// its style (a legend of the styles follows).
fn styled_transcript(buf: &Buffer, st: &AppState) -> String {
    let r = st.layout.transcript.unwrap();
    let mut legend: Vec<String> = Vec::new();
    let mut out = String::new();
    for y in r.y..r.y + r.height {
        let mut text = String::new();
        let mut marks = String::new();
        let mut skip = 0;
        for x in r.x..r.x + r.width {
            if skip > 0 {
                skip -= 1; // the second half of a wide character
                continue;
            }
            let c = &buf[(x, y)];
            let s = c.symbol();
            skip = unicode_width::UnicodeWidthStr::width(s).saturating_sub(1);
            text.push_str(s);
            let style = format!("fg={:?} bg={:?} mod={:?}", c.fg, c.bg, c.modifier);
            let i = match legend.iter().position(|l| *l == style) {
                Some(i) => i,
                None => {
                    legend.push(style);
                    legend.len() - 1
                }
            };
            let letter = (b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                .get(i)
                .copied()
                .unwrap_or(b'?')) as char;
            for _ in 0..unicode_width::UnicodeWidthStr::width(s).max(1) {
                marks.push(letter);
            }
        }
        out.push_str(&format!("{}\n{}\n", text.trim_end(), marks));
    }
    out.push_str("\nstyles:\n");
    for (i, l) in legend.iter().enumerate() {
        out.push_str(&format!(
            "  {}: {l}\n",
            b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[i] as char
        ));
    }
    out
}

/// The sizes: a narrow terminal (one pane) and a wide one (two panes), tall enough that the
/// whole session is on screen.
const SIZES: [(u16, u16); 2] = [(80, 90), (150, 110)];

#[test]
fn every_block_kind_in_every_fold_state() {
    for (w, h) in SIZES {
        let mut st = opened(w, h);
        let dark = Theme::dark();
        for (state, keys) in [
            ("folded", vec![]),
            ("summaries", vec![KeyCode::Char('z')]),
            ("open", vec![KeyCode::Char('z')]),
            ("open_no_thinking", vec![KeyCode::Char('t')]),
        ] {
            for k in keys {
                key(&mut st, k);
            }
            let screen = text_of(&draw(&st, &dark));
            insta::assert_snapshot!(format!("kinds_{state}_{w}x{h}"), screen);
        }
    }
}

#[test]
fn what_each_fold_state_shows() {
    let mut st = opened(80, 90);
    let dark = Theme::dark();
    let folded = text_of(&draw(&st, &dark));
    // folded: a line per tool call (with its size and failure), the context, the subagent
    assert!(folded.contains("▸ ⚙ Bash  pytest -q tests/test_cart.py  ↳ ✗ failed · 4 lines"));
    assert!(folded.contains("▸ Context  09:00:00 · 4 lines"));
    assert!(folded.contains("▸ ⤷ Subagent  agent-7f3 · 2 messages"));
    assert!(folded.contains("∴ thinking (not recorded)"));
    assert!(folded.contains("▸ ∴ Thinking  2 lines"));
    assert!(!folded.contains("=== FAILURES ==="));
    assert!(
        !folded.contains("Only `checkout.py`") && !folded.contains("Only checkout.py calls it")
    );
    // Markdown: heading, list, table, quote, link; the fenced code is labelled
    for s in [
        "## Plan",
        "1. Read cart.py",
        "│ cart.py │",
        "│ quoted note",
        "╭ python",
    ] {
        assert!(folded.contains(s), "{s:?} in\n{folded}");
    }
    key(&mut st, KeyCode::Char('z'));
    let summaries = text_of(&draw(&st, &dark));
    assert!(summaries.contains("=== FAILURES ==="), "{summaries}");
    assert!(!summaries.contains("\"command\""));
    key(&mut st, KeyCode::Char('z'));
    let open = text_of(&draw(&st, &dark));
    // open: the edit as a diff, the subagent's conversation, the context, the thinking
    assert!(
        open.contains("-    return sum(i.price for i in items)"),
        "{open}"
    );
    assert!(open.contains("+    return round(sum(i.price for i in items), 2)"));
    assert!(open.contains("Only checkout.py calls it."));
    assert!(open.contains("<shell>bash</shell>"));
    assert!(open.contains("I should look at cart.py first."));
    // wide characters keep the border in place
    let cjk = open.lines().find(|l| l.contains("日本語")).unwrap();
    assert!(cjk.ends_with('│') || cjk.ends_with("│ "), "{cjk:?}");
}

#[test]
fn every_theme_at_two_sizes() {
    for name in ["dark", "light", "high-contrast", "no-color"] {
        let theme = Theme::named(name).unwrap();
        for (w, h) in SIZES {
            let mut st = opened(w, h);
            Highlighter::shared(theme.syntax());
            st.transcript.set_syntax(theme.syntax());
            // everything open, so every kind of line is drawn
            key(&mut st, KeyCode::Char('z'));
            key(&mut st, KeyCode::Char('z'));
            let buf = draw(&st, &theme);
            insta::assert_snapshot!(
                format!("theme_{name}_{w}x{h}"),
                styled_transcript(&buf, &st)
            );
            if name == "no-color" {
                for y in 0..h {
                    for x in 0..w {
                        let c = &buf[(x, y)];
                        assert!(
                            c.fg == ratatui::style::Color::Reset
                                && c.bg == ratatui::style::Color::Reset,
                            "no colour at {x},{y}: {c:?}"
                        );
                    }
                }
            }
        }
    }
}
