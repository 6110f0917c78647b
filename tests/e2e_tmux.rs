//! End to end: the real binary in a real terminal (tmux), driven by keys.

mod common;

use common::{Tmux, fixture_home};

#[test]
fn open_a_transcript_quit_and_the_shell_is_usable() {
    let scratch = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_revisit");
    let t = Tmux::start(
        120,
        32,
        &[
            ("HOME", fixture_home().display().to_string()),
            (
                "XDG_CACHE_HOME",
                scratch.path().join("cache").display().to_string(),
            ),
            (
                "XDG_CONFIG_HOME",
                scratch.path().join("config").display().to_string(),
            ),
            ("PATH", std::env::var("PATH").unwrap_or_default()),
        ],
    );
    t.wait_for_prompt();
    t.type_text(&format!("{bin}; echo EXIT=$?"), true);
    t.wait_for("Sessions (5)");
    t.wait_for("Login bug hunt");
    // third session, open it
    t.keys(&["j", "j", "Enter"]);
    let screen = t.wait_for("Fix the login bug");
    assert!(screen.contains("Claude Code · Login bug hunt"), "{screen}");
    assert!(screen.contains("⚙ Bash  ls"), "{screen}");
    // scroll, help, back, quit
    t.keys(&["G", "?"]);
    t.wait_for("Keys (Esc to close)");
    t.keys(&["Escape", "Escape"]);
    t.keys(&["q"]);
    let screen = t.wait_for("EXIT=0");
    assert!(
        !screen.contains("Sessions (5)"),
        "left the alternate screen:\n{screen}"
    );
    // the terminal is back in cooked mode with echo: typed text shows and commands run
    t.type_text(
        "echo \"MODES:$(stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e echo -e -icanon -e -echo | sort | tr '\\n' ' ')\"",
        true,
    );
    let screen = t.wait_for("MODES:e");
    let modes = screen.lines().find(|l| l.starts_with("MODES:")).unwrap();
    assert_eq!(
        modes.trim_end(),
        "MODES:echo icanon",
        "cooked mode with echo restored"
    );
    t.type_text("echo ok-$((40+2))", true);
    t.wait_for("ok-42");
}

#[test]
fn a_panic_restores_the_terminal_before_printing() {
    let scratch = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_revisit");
    let t = Tmux::start(
        100,
        24,
        &[
            ("HOME", fixture_home().display().to_string()),
            (
                "XDG_CACHE_HOME",
                scratch.path().join("cache").display().to_string(),
            ),
            ("PATH", std::env::var("PATH").unwrap_or_default()),
            ("REVISIT_TEST_PANIC", "1".to_string()),
        ],
    );
    t.wait_for_prompt();
    t.type_text(&format!("{bin}; echo EXIT=$?"), true);
    let screen = t.wait_for("EXIT=");
    assert!(
        screen.contains("REVISIT_TEST_PANIC is set"),
        "panic message visible:\n{screen}"
    );
    assert!(screen.contains("EXIT=101"), "{screen}");
    t.type_text(
        "echo \"MODES:$(stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e echo -e -icanon -e -echo | sort | tr '\\n' ' ')\"",
        true,
    );
    let screen = t.wait_for("MODES:e");
    let modes = screen.lines().find(|l| l.starts_with("MODES:")).unwrap();
    assert_eq!(modes.trim_end(), "MODES:echo icanon");
}

#[test]
fn search_opens_the_transcript_at_the_hit() {
    let scratch = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_revisit");
    let home = common::manifest().join("tests/fixtures/search/home");
    let t = Tmux::start(
        120,
        32,
        &[
            ("HOME", home.display().to_string()),
            (
                "XDG_CACHE_HOME",
                scratch.path().join("cache").display().to_string(),
            ),
            ("PATH", std::env::var("PATH").unwrap_or_default()),
        ],
    );
    t.wait_for_prompt();
    t.type_text(&format!("{bin}; echo EXIT=$?"), true);
    t.wait_for("Sessions (3)");
    // full-text search for an identifier, typed key by key
    t.keys(&["C-f"]);
    t.wait_for("full text>");
    t.type_text("ERR_CONN-42", false);
    let screen = t.wait_for("Sessions (1 of 3)");
    assert!(
        screen.contains("↳"),
        "a snippet under the result:\n{screen}"
    );
    // Enter opens the transcript on the hit
    t.keys(&["Enter"]);
    let screen = t.wait_for("ERR_CONN-42  1/1");
    assert!(screen.contains("panics with ERR_CONN-42"), "{screen}");
    // n stays on the only hit; back to the list, clear, fuzzy filter
    t.keys(&["n", "Escape", "Escape"]);
    t.wait_for("Sessions (3)");
    t.keys(&["/"]);
    t.type_text("dump", false);
    let screen = t.wait_for("Sessions (1 of 3)");
    assert!(screen.contains("Dump the big log"), "{screen}");
    t.keys(&["Escape", "q"]);
    t.wait_for("EXIT=0");
}
