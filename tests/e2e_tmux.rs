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
        &common::home_env(&fixture_home(), scratch.path(), &[]),
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
    t.wait_for("Keys (");
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
        &common::home_env(
            &fixture_home(),
            scratch.path(),
            &[("REVISIT_TEST_PANIC", "1".to_string())],
        ),
    );
    t.wait_for_prompt();
    t.type_text(&format!("{bin}; echo EXIT=$?"), true);
    // (the command line itself shows `EXIT=$?`: wait for the number)
    let screen = t.wait_for("EXIT=1");
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
    let t = Tmux::start(120, 32, &common::home_env(&home, scratch.path(), &[]));
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

/// The transcript in the real binary: fold and unfold a tool call, cycle fold levels, find,
/// copy with OSC 52 (tmux keeps it as a paste buffer), open the pager.
#[test]
fn transcript_folds_finds_and_copies() {
    let scratch = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_revisit");
    let home = common::manifest().join("tests/fixtures/search/home");
    // a pager that keeps what it was given, to check the hand-off
    let pager = scratch.path().join("pager.sh");
    let paged = scratch.path().join("paged.md");
    std::fs::write(
        &pager,
        format!("#!/bin/sh\ncp \"$1\" '{}'\n", paged.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pager, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let t = Tmux::start(
        110,
        30,
        &common::home_env(
            &home,
            scratch.path(),
            &[("PAGER", pager.display().to_string())],
        ),
    );
    t.command(&["set-option", "-g", "set-clipboard", "on"]);
    t.wait_for_prompt();
    t.type_text(&format!("{bin}; echo EXIT=$?"), true);
    t.wait_for("Sessions (3)");
    t.keys(&["/"]);
    t.type_text("please fix", false);
    t.wait_for("Sessions (1 of 3)");
    t.keys(&["Enter", "Enter"]);
    let screen = t.wait_for("▸ ⚙ Read");
    assert!(screen.contains("↳ 1 line"), "{screen}");
    assert!(!screen.contains("snake_case_function"), "folded: {screen}");
    // J to the tool call, Enter unfolds it in place, Enter folds it again
    t.keys(&["J", "J", "J", "J", "Enter"]);
    let screen = t.wait_for("▾ ⚙ Read");
    assert!(screen.contains("snake_case_function"), "{screen}");
    t.keys(&["Enter"]);
    t.wait_for("▸ ⚙ Read");
    // fold levels
    t.keys(&["z"]);
    t.wait_for("summaries");
    t.keys(&["z"]);
    let screen = t.wait_for("everything open");
    assert!(screen.contains("snake_case_function"), "{screen}");
    t.keys(&["z"]);
    t.wait_for("all folded");
    // find, then copy the hit's text
    t.keys(&["/"]);
    t.wait_for("find:");
    t.type_text("quick brown", false);
    t.keys(&["Enter"]);
    t.wait_for("quick brown  1/1");
    t.keys(&["y"]);
    t.wait_for("to the clipboard");
    assert_eq!(t.buffer(), "Fixed: the quick brown fox now jumps.");
    // the session id
    t.keys(&["Y"]);
    t.wait_for("copied the session id");
    assert_eq!(t.buffer(), "aaaaaaaa-0000-4000-8000-000000000001");
    // the pager gets the session as Markdown, and the browser comes back
    t.keys(&["o"]);
    t.wait_for("back from the pager");
    let md = std::fs::read_to_string(&paged).unwrap();
    assert!(md.starts_with("# Please fix the auth bug"), "{md}");
    assert!(md.contains("quick brown fox"));
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
}

/// A session grows while the browser shows it: the new message appears without a key press,
/// and the list follows a session that appears.
#[test]
fn an_appended_message_appears_in_the_open_transcript() {
    let scratch = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_revisit");
    let home = scratch.path().join("home");
    common::copy_tree(
        &common::manifest().join("tests/fixtures/search/home"),
        &home,
    );
    let t = Tmux::start(120, 30, &common::home_env(&home, scratch.path(), &[]));
    t.wait_for_prompt();
    t.type_text(&format!("{bin}; echo EXIT=$?"), true);
    t.wait_for("Sessions (3)");
    t.keys(&["/"]);
    t.type_text("unrelated", false);
    t.wait_for("Sessions (1 of 3)");
    t.keys(&["Enter", "Enter"]);
    t.wait_for("brown paper bags");
    let file =
        home.join(".claude/projects/-home-u-other/cccccccc-0000-4000-8000-000000000003.jsonl");
    common::append(
        &file,
        &format!(
            "{}\n",
            common::claude_user_line(
                "cccccccc-0000-4000-8000-000000000003",
                "cccccccc-9",
                "Appended while you watched"
            )
        ),
    );
    let screen = t.wait_for("Appended while you watched");
    assert!(screen.contains("brown paper bags"), "{screen}");
    // a new session shows up in the list too
    t.keys(&["Escape", "Escape"]);
    t.wait_for("Sessions (3)");
    std::fs::write(
        home.join(".claude/projects/-home-u-other/dddddddd-0000-4000-8000-000000000004.jsonl"),
        format!(
            "{}\n",
            common::claude_user_line(
                "dddddddd-0000-4000-8000-000000000004",
                "dddddddd-1",
                "A brand new session"
            )
        ),
    )
    .unwrap();
    t.wait_for("Sessions (4)");
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
}

/// Resume in the real binary: `r` hands the terminal to a stand-in named like the agent
/// (it reads a line typed into it, so it had the terminal), and when it exits the browser is
/// back on the same session, re-indexed, at its new end. Refusals keep the browser up; a
/// gone directory asks first; Ctrl-Z suspends revisit like any shell job.
#[test]
fn resume_hands_the_terminal_over_and_takes_it_back() {
    let scratch = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_revisit");
    let (home, work) = common::resume_home(scratch.path());
    let standins = scratch.path().join("bin");
    common::install_standins(&standins, &["claude"]);
    let log = scratch.path().join("standin.log");
    let elsewhere = scratch.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    const ALPHA: &str = "11111111-1111-4111-8111-111111111111";
    let alpha_file = home.join(format!(".claude/projects/-home-u-alpha/{ALPHA}.jsonl"));
    // what the "agent" adds to the session while it runs
    let answer = format!(
        r#"{{"parentUuid":null,"isSidechain":false,"cwd":"{}","sessionId":"{ALPHA}","type":"assistant","uuid":"r9","timestamp":"2026-11-23T00:00:00.000Z","message":{{"id":"msg_R9","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{{"type":"text","text":"Resumed: the fix is in."}}],"usage":{{"input_tokens":5,"output_tokens":7}}}}}}"#,
        work.join("alpha").display()
    );
    let t = Tmux::start(
        140,
        36,
        &common::home_env(
            &home,
            scratch.path(),
            &[
                ("PATH", format!("{}:/usr/bin:/bin", standins.display())),
                ("STANDIN_LOG", log.display().to_string()),
                ("STANDIN_READ", "1".to_string()),
                ("STANDIN_APPEND_TO", alpha_file.display().to_string()),
                ("STANDIN_APPEND_LINE", answer.replace('\'', "")),
            ],
        ),
    );
    t.wait_for_prompt();
    // (no `; echo` after it: a stopped job would let the shell run it at Ctrl-Z)
    t.type_text(&format!("cd '{}' && {bin}", elsewhere.display()), true);
    t.wait_for("Sessions (5)");
    // the third session (Login bug hunt, in work/alpha), opened
    t.keys(&["j", "j", "Enter"]);
    t.wait_for("Fix the login bug");
    // r: the stand-in gets the terminal and reads what is typed
    t.keys(&["r"]);
    let screen = t.wait_for("stand-in claude: type a line>");
    assert!(
        !screen.contains("Sessions (5)"),
        "the browser left the screen:\n{screen}"
    );
    t.type_text("hello from tmux", true);
    // back: same session, re-indexed, at its new end
    let screen = t.wait_for("back from claude (exit 0)");
    assert!(screen.contains("Claude Code · Login bug hunt"), "{screen}");
    let screen = t.wait_for("Resumed: the fix is in.");
    assert!(screen.contains("100%"), "at the end:\n{screen}");
    assert_eq!(common::standin_values(&log, "name"), vec!["claude"]);
    assert_eq!(common::standin_values(&log, "arg"), vec!["--resume", ALPHA]);
    assert_eq!(
        common::standin_values(&log, "cwd"),
        vec![
            work.join("alpha")
                .canonicalize()
                .unwrap()
                .display()
                .to_string()
        ]
    );
    assert_eq!(common::standin_values(&log, "tty"), vec!["yes"]);
    assert_eq!(
        common::standin_values(&log, "line"),
        vec!["hello from tmux"]
    );
    // the list: the session moved to the top (it is the newest now) and is still selected
    t.keys(&["Escape"]);
    let screen = t.wait_for("Sessions (5)");
    let first_row = screen
        .lines()
        .find(|l| l.contains("claude ") || l.contains("codex "))
        .unwrap_or_default()
        .to_string();
    assert!(first_row.contains("Login bug hunt"), "{screen}");
    assert!(
        screen.contains("Claude Code · Login bug hunt"),
        "preview of the selection:\n{screen}"
    );
    // refused: codex is not installed; the browser stays
    t.keys(&["G", "r"]);
    let screen = t.wait_for("codex is not installed or not on PATH");
    assert!(screen.contains("Sessions (5)"), "{screen}");
    // a gone directory (beta): asked first, then resumed by the file's path from here
    t.keys(&["Home", "j", "r"]);
    let screen = t.wait_for("Resume from here?");
    assert!(screen.contains("no longer exists"), "{screen}");
    t.keys(&["y"]);
    t.wait_for("stand-in claude: type a line>");
    t.type_text("second", true);
    let screen = t.wait_for("back from claude (exit 0)");
    assert!(screen.contains("· from /"), "{screen}");
    let args = common::standin_values(&log, "arg");
    assert_eq!(args.len(), 4, "{args:?}");
    assert_eq!(args[2], "--resume");
    assert!(
        args[3].starts_with(
            &home
                .join(".claude/projects/-home-u-beta/")
                .display()
                .to_string()
        ),
        "{args:?}"
    );
    assert_eq!(
        common::standin_values(&log, "cwd")[1],
        elsewhere.canonicalize().unwrap().display().to_string()
    );
    // Ctrl-Z: a stopped job with the terminal restored; fg brings the browser back
    t.keys(&["C-z"]);
    t.wait_for("Stopped");
    t.type_text(
        "echo \"MODES:$(stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e echo -e -icanon -e -echo | sort | tr '\\n' ' ')\"",
        true,
    );
    let screen = t.wait_for("MODES:e");
    let modes = screen.lines().find(|l| l.starts_with("MODES:")).unwrap();
    assert_eq!(modes.trim_end(), "MODES:echo icanon");
    t.type_text("fg", true);
    t.wait_for("Sessions (5)");
    t.keys(&["q"]);
    t.type_text("echo RC=$?", true);
    t.wait_for("RC=0");
}

/// Two revisits on one index: the second follows what the first writes, and takes over as
/// the writer when the first is gone.
#[test]
fn a_second_revisit_follows_the_first_and_takes_over() {
    let scratch = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_revisit");
    let home = scratch.path().join("home");
    common::copy_tree(&common::fixture_home(), &home);
    let out = common::revisit(&home, scratch.path())
        .arg("index")
        .output()
        .unwrap();
    assert!(out.status.success());
    // "the first revisit": this test, holding the index's writer
    let index = scratch.path().join("cache/revisit/index.sqlite");
    let mut first = revisit::index::writer::Writer::open(&index).unwrap();
    let reg = revisit::sources::Registry::new(
        revisit::config::Env::with_home(&home, &[]),
        revisit::config::Config::default(),
    );
    let t = Tmux::start(140, 30, &common::home_env(&home, scratch.path(), &[]));
    t.wait_for_prompt();
    t.type_text(&format!("{bin}; echo EXIT=$?"), true);
    t.wait_for("Sessions (5)");
    t.wait_for(&format!(
        "following the index of revisit PID {}",
        std::process::id()
    ));
    let dir = home.join(".claude/projects/-home-u-alpha");
    let new_session = |sid: &str, text: &str| {
        std::fs::write(
            dir.join(format!("{sid}.jsonl")),
            format!("{}\n", common::claude_user_line(sid, "u-1", text)),
        )
        .unwrap();
    };
    // the first revisit indexes a new session: the second shows it
    new_session(
        "66666666-6666-4666-8666-666666666666",
        "Indexed by the other one",
    );
    first.refresh(&reg, &mut |_| {}).unwrap();
    t.wait_for("Sessions (6)");
    t.wait_for("Indexed by the other one");
    // …and one it removes (the second reads its list whole then)
    let gone = "88888888-8888-4888-8888-888888888888";
    new_session(gone, "Removed by the other one");
    first.refresh(&reg, &mut |_| {}).unwrap();
    t.wait_for("Sessions (7)");
    std::fs::remove_file(dir.join(format!("{gone}.jsonl"))).unwrap();
    first.refresh(&reg, &mut |_| {}).unwrap();
    t.wait_for("Sessions (6)");
    assert!(!t.capture().contains("Removed by the other one"));
    // the first one quits: the second keeps the index from now on (and watches the files)
    drop(first);
    t.wait_for("this one keeps the index");
    new_session(
        "77777777-7777-4777-8777-777777777777",
        "Seen by the second one",
    );
    t.wait_for("Sessions (7)");
    t.wait_for("Seen by the second one");
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
}

/// A tool output of megabytes: the open transcript holds its head and says so; `o` gives the
/// pager all of it, read from the index.
#[test]
fn a_huge_output_is_shown_by_its_head_and_paged_whole() {
    let scratch = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_revisit");
    let home = scratch.path().join("home");
    let dir = home.join(".claude/projects/-big");
    std::fs::create_dir_all(&dir).unwrap();
    let sid = "bbbbbbbb-0000-4000-8000-000000000002";
    let mut output = String::new();
    for i in 0..40_000 {
        output.push_str(&format!("log line {i:06} of a very long build output\n"));
    }
    output.push_str("END-OF-BIG-OUTPUT\n");
    let lines = [
        serde_json::json!({"type":"user","cwd":"/tmp","sessionId":sid,"uuid":"u1","timestamp":"2026-11-20T10:00:00.000Z",
            "message":{"role":"user","content":"Run the big build"}}),
        serde_json::json!({"type":"assistant","cwd":"/tmp","sessionId":sid,"uuid":"a1","parentUuid":"u1","timestamp":"2026-11-20T10:00:01.000Z","requestId":"r1",
            "message":{"id":"m1","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"make all"}}],
            "usage":{"input_tokens":3,"output_tokens":5}}}),
        serde_json::json!({"type":"user","cwd":"/tmp","sessionId":sid,"uuid":"u2","parentUuid":"a1","timestamp":"2026-11-20T10:00:02.000Z",
            "message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":output}]}}),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join(format!("{sid}.jsonl")), text).unwrap();
    let pager = scratch.path().join("pager.sh");
    let paged = scratch.path().join("paged.md");
    std::fs::write(
        &pager,
        format!("#!/bin/sh\ncp \"$1\" '{}'\n", paged.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pager, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let t = Tmux::start(
        120,
        40,
        &common::home_env(
            &home,
            scratch.path(),
            &[("PAGER", pager.display().to_string())],
        ),
    );
    t.wait_for_prompt();
    t.type_text(&format!("{bin}; echo EXIT=$?"), true);
    t.wait_for("Sessions (1)");
    t.keys(&["Enter", "z", "z"]);
    t.wait_for("everything open");
    let screen = t.wait_for("[revisit: the first 32.8 kB of 1.8 MB are shown; o opens");
    assert!(screen.contains("log line 000000"), "{screen}");
    t.keys(&["o"]);
    t.wait_for("back from the pager");
    let whole = std::fs::read_to_string(&paged).unwrap();
    assert!(
        whole.contains("log line 039999"),
        "the pager has everything"
    );
    assert!(whole.contains("END-OF-BIG-OUTPUT"));
    assert!(!whole.contains("[revisit: the first"), "not the cut copy");
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
}

#[test]
fn rename_tag_export_delete_and_undo_in_the_browser() {
    let scratch = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_revisit");
    let home = scratch.path().join("home");
    common::copy_tree(&fixture_home(), &home);
    let out = scratch.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let alpha_dir = home.join(".claude/projects/-home-u-alpha");
    let read_all = |d: &std::path::Path| {
        let mut v: Vec<(String, Vec<u8>, std::time::SystemTime)> = Vec::new();
        fn walk(d: &std::path::Path, v: &mut Vec<(String, Vec<u8>, std::time::SystemTime)>) {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, v);
                } else {
                    let md = std::fs::metadata(&p).unwrap();
                    v.push((
                        p.display().to_string(),
                        std::fs::read(&p).unwrap(),
                        md.modified().unwrap(),
                    ));
                }
            }
        }
        walk(d, &mut v);
        v.sort();
        v
    };
    let before = read_all(&alpha_dir);
    let data = scratch.path().join("data");
    let t = Tmux::start(
        150,
        36,
        &common::home_env(
            &home,
            scratch.path(),
            &[("XDG_DATA_HOME", data.display().to_string())],
        ),
    );
    t.wait_for_prompt();
    t.type_text(&format!("cd '{}' && {bin}", out.display()), true);
    t.wait_for("Sessions (5)");
    t.wait_for("Login bug hunt");
    // the third session: rename it (q and j are text in the prompt)
    t.keys(&["j", "j", "R"]);
    t.wait_for("Name (empty: the title)");
    t.keys(&["C-u"]);
    t.type_text("Auth quest", true);
    let screen = t.wait_for("renamed to \"Auth quest\"");
    assert!(screen.contains("Auth quest"), "{screen}");
    // tags
    t.keys(&["t"]);
    t.wait_for("Tags (space-separated)");
    t.type_text("urgent", true);
    t.wait_for("#urgent");
    // export: the prompt names a file in the directory revisit started in
    t.keys(&["e"]);
    t.wait_for("Export Markdown redacted");
    t.keys(&["Enter"]);
    t.wait_for("exported to");
    let exported = out.join("claude-11111111-auth-quest.md");
    let md = std::fs::read_to_string(&exported).unwrap();
    assert!(md.contains("Fix the login bug"), "{md}");
    // delete: the question names the file; yes moves it; u brings it back
    t.keys(&["D"]);
    let screen = t.wait_for("Delete?");
    assert!(
        screen.contains("-home-u-alpha/11111111-1111-4111-8111-111111111111.jsonl")
            && screen.contains("-home-u-alpha/agent-aaaa1111.jsonl"),
        "{screen}"
    );
    t.keys(&["y"]);
    t.wait_for("moved to revisit's trash");
    t.wait_for("Sessions (4)");
    assert!(
        !alpha_dir
            .join("11111111-1111-4111-8111-111111111111.jsonl")
            .exists()
    );
    t.keys(&["u"]);
    t.wait_for("restored");
    let screen = t.wait_for("Sessions (5)");
    assert!(screen.contains("Auth quest"), "the name is kept:\n{screen}");
    assert_eq!(
        read_all(&alpha_dir),
        before,
        "the files are back, byte for byte"
    );
    // archive: a copy in revisit's data directory, marked in the list
    t.keys(&["a"]);
    t.wait_for("archived: 12 messages, 3 files copied");
    t.wait_for("▣ archived");
    assert!(data.join("revisit/archive/claude").is_dir());
    t.keys(&["q"]);
}
