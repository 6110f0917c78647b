//! Anything a session file holds is data: escape sequences (CSI, OSC with title changes and
//! OSC 52 clipboard writes, DCS, their 8-bit C1 forms), other control characters, bidi
//! overrides and zero-width characters never reach the terminal as such — not in the
//! browser, not in the commands' text output.

mod common;

use common::{Tmux, revisit};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use revisit::app::{AppState, Msg, update};
use revisit::index::query::{ListQuery, Reader};
use std::path::Path;

const SID: &str = "abababab-0000-4000-8000-000000000001";

/// Every kind of sequence a terminal would act on.
fn nasty(tag: &str) -> String {
    format!(
        "{tag}: \u{1b}]0;PWNED-TITLE\u{7}\u{1b}]2;PWNED-TITLE-2\u{1b}\\\
         \u{1b}]52;c;{clip}\u{7}\u{1b}P+q544e\u{1b}\\\u{1b}[31mred\u{1b}[0m\u{1b}[2J\u{1b}[H\
         \u{1b}[?1049l\u{1b}[?1000h\u{9b}31m\u{9d}0;C1-TITLE\u{9c}\u{202e}reversed\u{202c}\
         zero\u{200b}width\u{2066}iso\u{2069} bell\u{7} back\u{8}space nul\u{0} del\u{7f} \
         tab\tend\rcarriage",
        clip = "UFdORUQtQ0xJUEJPQVJE" // "PWNED-CLIPBOARD"
    )
}

/// A Claude Code session whose every text field is hostile: the prompt (the title), the
/// answer, a tool call's input and its output, the branch, the model.
fn write_home(home: &Path, cwd: &Path) {
    let dir = home.join(".claude/projects/-hostile");
    std::fs::create_dir_all(&dir).unwrap();
    let cwd = cwd.display().to_string();
    let branch = nasty("branch");
    let lines = [
        serde_json::json!({"type":"user","cwd":cwd,"sessionId":SID,"gitBranch":branch,"uuid":"u1",
            "timestamp":"2026-11-20T10:00:00.000Z",
            "message":{"role":"user","content":nasty("prompt")}}),
        serde_json::json!({"type":"assistant","cwd":cwd,"sessionId":SID,"uuid":"a1","parentUuid":"u1",
            "timestamp":"2026-11-20T10:00:01.000Z","requestId":"r1",
            "message":{"id":"m1","role":"assistant","model":nasty("model"),
                "content":[{"type":"text","text":nasty("answer")},
                           {"type":"tool_use","id":"t1","name":"Bash","input":{"command":nasty("command")}}],
                "usage":{"input_tokens":3,"output_tokens":5}}}),
        serde_json::json!({"type":"user","cwd":cwd,"sessionId":SID,"uuid":"u2","parentUuid":"a1",
            "timestamp":"2026-11-20T10:00:02.000Z",
            "message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":nasty("output")}]}}),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join(format!("{SID}.jsonl")), text).unwrap();
}

/// A character that must not reach a terminal from session data.
fn is_unsafe(c: char) -> bool {
    let n = c as u32;
    n < 0x20
        || (0x7f..=0x9f).contains(&n)
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn key(st: &mut AppState, reader: &Reader, code: KeyCode) {
    let fx = update(st, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    for e in fx {
        if let revisit::app::Effect::LoadTranscript { generation, key } = e {
            let msgs = reader.messages(&key).unwrap();
            update(st, common::transcript_msg(generation, &key, msgs));
        }
    }
}

#[test]
fn the_browser_shows_hostile_text_inert() {
    let scratch = tempfile::tempdir().unwrap();
    let home = scratch.path().join("home");
    write_home(&home, scratch.path());
    let (sessions, _) = common::index_home(&home, scratch.path());
    assert_eq!(sessions.len(), 1);
    let reader = Reader::open(&scratch.path().join("index.sqlite")).unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
        .unwrap()
        .into();
    let mut st = AppState::new(now, (160, 60), None);
    let g = st.list_generation;
    update(
        &mut st,
        Msg::Sessions {
            generation: g,
            sessions: reader.list(&ListQuery::default()).unwrap(),
        },
    );
    st.rows = vec![revisit::search::list::Row::Session { idx: 0, score: 0 }];
    let mut screens = Vec::new();
    let draw = |st: &AppState| {
        let mut t = Terminal::new(TestBackend::new(160, 60)).unwrap();
        t.draw(|f| revisit::ui::render(f, st)).unwrap();
        t.backend().buffer().clone()
    };
    screens.push(draw(&st));
    // the transcript, folded, then everything open, thinking shown
    key(&mut st, &reader, KeyCode::Enter);
    screens.push(draw(&st));
    key(&mut st, &reader, KeyCode::Char('z'));
    key(&mut st, &reader, KeyCode::Char('z'));
    key(&mut st, &reader, KeyCode::Char('t'));
    screens.push(draw(&st));
    let open = format!("{:?}", screens.last().unwrap());
    for buf in &screens {
        for cell in buf.content() {
            for c in cell.symbol().chars() {
                assert!(!is_unsafe(c), "{:?} on screen:\n{open}", c);
            }
        }
    }
    // the text is still there to read, without what it would have done
    let text: String = screens
        .last()
        .unwrap()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    for visible in [
        "prompt:", "answer:", "command:", "output:", "red", "reversed",
    ] {
        assert!(text.contains(visible), "{visible} missing:\n{open}");
    }
}

#[test]
fn the_commands_text_output_is_inert_and_json_escapes_it() {
    let scratch = tempfile::tempdir().unwrap();
    let home = scratch.path().join("home");
    write_home(&home, scratch.path());
    for args in [
        vec!["list"],
        vec!["search", "answer"],
        vec!["show", SID],
        vec!["show", SID, "--markdown"],
        vec!["stats", "--by", "session"],
        vec!["stats", "--by", "model"],
        vec!["doctor"],
    ] {
        let out = revisit(&home, scratch.path()).args(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        let bad: Vec<char> = text
            .chars()
            .filter(|&c| is_unsafe(c) && c != '\n')
            .collect();
        assert!(bad.is_empty(), "{args:?} printed {bad:?}:\n{text}");
    }
    // JSON keeps the data exactly (escaped by JSON itself)
    let out = revisit(&home, scratch.path())
        .args(["show", SID, "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let raw = serde_json::to_string(&v).unwrap();
    assert!(raw.contains("\\u001b]52;c;"), "the data is kept in JSON");
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
}

/// The real terminal: after browsing the session, tmux's pane title is what it was and no
/// clipboard buffer was written.
#[test]
fn the_real_terminals_title_and_clipboard_are_untouched() {
    let scratch = tempfile::tempdir().unwrap();
    let home = scratch.path().join("home");
    write_home(&home, scratch.path());
    let bin = env!("CARGO_BIN_EXE_revisit");
    let t = Tmux::start(140, 40, &common::home_env(&home, scratch.path(), &[]));
    // OSC 52 would land in a paste buffer, OSC 0/2 in the pane title
    t.command(&["set-option", "-g", "set-clipboard", "on"]);
    t.command(&["set-option", "-g", "allow-rename", "on"]);
    t.wait_for_prompt();
    let title = |t: &Tmux| t.command(&["display-message", "-p", "#{pane_title}"]);
    let before = title(&t);
    t.type_text(&format!("{bin}; echo EXIT=$?"), true);
    t.wait_for("Sessions (1)");
    t.keys(&["Enter"]);
    t.wait_for("answer:");
    t.keys(&["z", "z", "t", "G", "g", "Tab", "Tab"]);
    t.wait_for("output:");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let screen = t.capture();
    assert!(!screen.contains("PWNED-CLIPBOARD"));
    assert_eq!(title(&t), before, "the pane title changed");
    assert!(
        !title(&t).contains("PWNED"),
        "a title sequence got through: {}",
        title(&t)
    );
    assert_eq!(
        t.command(&["list-buffers"]).trim(),
        "",
        "a clipboard write got through"
    );
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
    assert_eq!(title(&t), before);
}
