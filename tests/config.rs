//! `revisit config` on the real binary, with a clean environment (HOME, XDG_*, PATH only).

mod common;

use common::revisit;
use std::path::Path;
use std::process::Output;

/// stdout of a run that must succeed.
fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("UTF-8 on stdout")
}

/// A scratch folder holding an empty home.
fn scratch() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    (dir, home)
}

fn write_config(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const BAD: &str = r#"
theme = "solarized"

[agents.pi]
roots = ["/srv/pi-sessions"]

[keys.list]
search = ["/", "hyper-x"]
frobnicate = "x"
cycle_sort = "o"
"#;

#[test]
fn config_print_default_prints_the_embedded_file() {
    let (dir, home) = scratch();
    let out = revisit(&home, dir.path())
        .args(["config", "--print-default"])
        .output()
        .unwrap();
    let text = stdout(&out);
    let file = std::fs::read_to_string(common::manifest().join("assets/config.toml")).unwrap();
    assert_eq!(text, file);
    assert!(text.contains("[agents.profclaw]") && text.contains("[keys.transcript]"));
    // and it is a config revisit reads without a warning
    let path = dir.path().join("printed.toml");
    std::fs::write(&path, &text).unwrap();
    let out = revisit(&home, dir.path())
        .args(["config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    let loaded = stdout(&out);
    assert!(!loaded.contains("warning"), "{loaded}");
    // the two forms exclude each other
    let out = revisit(&home, dir.path())
        .args(["config", "--print-default", "--path"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn config_path_honours_config_xdg_and_revisit_config_dir() {
    let (dir, home) = scratch();
    let run = |cmd: &mut std::process::Command| stdout(&cmd.output().unwrap()).trim().to_string();
    // $XDG_CONFIG_HOME (the test harness sets it to <scratch>/config)
    let xdg = dir.path().join("config/revisit/config.toml");
    assert_eq!(
        run(revisit(&home, dir.path()).args(["config", "--path"])),
        xdg.display().to_string()
    );
    // without it, ~/.config
    assert_eq!(
        run(revisit(&home, dir.path())
            .env_remove("XDG_CONFIG_HOME")
            .args(["config", "--path"])),
        home.join(".config/revisit/config.toml")
            .display()
            .to_string()
    );
    // $REVISIT_CONFIG_DIR wins over XDG
    let own = dir.path().join("own");
    assert_eq!(
        run(revisit(&home, dir.path())
            .env("REVISIT_CONFIG_DIR", &own)
            .args(["config", "--path"])),
        own.join("config.toml").display().to_string()
    );
    // --config wins over both
    let explicit = dir.path().join("elsewhere.toml");
    write_config(&explicit, "theme = \"light\"\n");
    assert_eq!(
        run(revisit(&home, dir.path())
            .env("REVISIT_CONFIG_DIR", &own)
            .arg("--config")
            .arg(&explicit)
            .args(["config", "--path"])),
        explicit.display().to_string()
    );
    // the file found at the default place is the one read
    write_config(&xdg, "theme = \"high-contrast\"\n");
    let text = run(revisit(&home, dir.path()).arg("config"));
    assert!(
        text.contains(&format!("# config: {}", xdg.display())),
        "{text}"
    );
    assert!(text.contains("theme = \"high-contrast\""), "{text}");
}

#[test]
fn config_without_a_file_prints_the_defaults() {
    let (dir, home) = scratch();
    let out = revisit(&home, dir.path()).arg("config").output().unwrap();
    let text = stdout(&out);
    assert!(text.contains("(not found: defaults)"), "{text}");
    assert!(text.contains("theme = \"dark\""), "{text}");
    assert!(!text.contains("warning"), "{text}");
    assert!(!text.contains("NO_COLOR"), "{text}");
    let parsed: toml::Table = toml::from_str(&text).expect("the output is TOML");
    assert_eq!(parsed.len(), 1, "{text}");
}

#[test]
fn config_shows_the_warnings_of_a_bad_key_binding_and_theme() {
    let (dir, home) = scratch();
    let path = dir.path().join("config/revisit/config.toml");
    write_config(&path, BAD);
    let out = revisit(&home, dir.path()).arg("config").output().unwrap();
    let text = stdout(&out);
    let warnings: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# warning: "))
        .collect();
    assert_eq!(warnings.len(), 3, "{text}");
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("theme = \"solarized\"") && w.contains("dark is used")),
        "{text}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("[keys.list] search") && w.contains("\"hyper-x\"")),
        "{text}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("[keys.list] frobnicate") && w.contains("unknown action")),
        "{text}"
    );
    // the config as loaded follows, as TOML that reads back to the same settings
    let parsed: toml::Table = toml::from_str(&text).expect("the output is TOML");
    assert_eq!(parsed["theme"].as_str(), Some("solarized"));
    assert_eq!(
        parsed["agents"]["pi"]["roots"].as_array().unwrap()[0].as_str(),
        Some("/srv/pi-sessions")
    );
    assert_eq!(parsed["keys"]["list"]["cycle_sort"].as_str(), Some("o"));

    // doctor shows the same warnings
    let out = revisit(&home, dir.path())
        .args(["doctor", "--no-refresh"])
        .output()
        .unwrap();
    let doctor = stdout(&out);
    for w in &warnings {
        assert!(doctor.contains(&format!("warning: {w}")), "{w}\n{doctor}");
    }

    // the same through --config
    let explicit = dir.path().join("bad.toml");
    write_config(&explicit, BAD);
    let out = revisit(&home, dir.path())
        .arg("--config")
        .arg(&explicit)
        .arg("config")
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(
        text.contains(&format!("# config: {}", explicit.display())),
        "{text}"
    );
    assert_eq!(text.matches("# warning: ").count(), 3, "{text}");
}

#[test]
fn config_hides_tokens_and_notes_no_color() {
    let (dir, home) = scratch();
    let path = dir.path().join("config/revisit/config.toml");
    write_config(
        &path,
        "[agents.profclaw]\nurl = \"http://127.0.0.1:3000\"\ntoken = \"s3cret-cookie\"\n",
    );
    let out = revisit(&home, dir.path())
        .env("NO_COLOR", "1")
        .arg("config")
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(!text.contains("s3cret-cookie"), "{text}");
    assert!(text.contains("token = \"(set, not shown)\""), "{text}");
    assert!(text.contains("url = \"http://127.0.0.1:3000\""), "{text}");
    assert!(text.contains("NO_COLOR is set"), "{text}");
    // an empty NO_COLOR is not set
    let out = revisit(&home, dir.path())
        .env("NO_COLOR", "")
        .arg("config")
        .output()
        .unwrap();
    assert!(!stdout(&out).contains("NO_COLOR"));
}

#[test]
fn config_with_invalid_toml_is_an_error_naming_the_file() {
    let (dir, home) = scratch();
    let path = dir.path().join("config/revisit/config.toml");
    write_config(&path, "[keys.list\nsearch = \"/\"\n");
    let out = revisit(&home, dir.path()).arg("config").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&path.display().to_string()), "{err}");
}

/// The configuration example in the README is valid and complete: no warnings.
#[test]
fn the_readmes_config_example_loads_without_warnings() {
    let readme = std::fs::read_to_string(common::manifest().join("README.md")).unwrap();
    let start = readme
        .find("```toml\ntheme = ")
        .expect("a toml example starting with the theme");
    let body = &readme[start + "```toml\n".len()..];
    let example = &body[..body.find("```").unwrap()];
    let cfg = revisit::config::Config::parse(example).unwrap();
    assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);
    let (km, warnings) = revisit::app::keymap::Keymap::with_overrides(&cfg.keys);
    assert!(warnings.is_empty(), "{warnings:?}");
    let enter_or_tab = |code| {
        km.resolve(
            revisit::app::keymap::Mode::Transcript,
            &crossterm::event::KeyEvent::from(code),
        )
    };
    assert_eq!(
        enter_or_tab(crossterm::event::KeyCode::Tab),
        Some(revisit::app::Action::ToggleFold)
    );
    assert_eq!(cfg.transcript.fold.as_deref(), Some("summaries"));
}

/// The README's resume settings load as written, and make Enter resume in the list.
#[test]
fn the_readmes_resume_example_loads_and_enter_resumes() {
    use crossterm::event::{KeyCode, KeyEvent};
    use revisit::app::Action;
    use revisit::app::keymap::Mode;
    let readme = std::fs::read_to_string(common::manifest().join("README.md")).unwrap();
    let start = readme
        .find("```toml\n[agents.claude]\nprogram = ")
        .expect("the resume example");
    let body = &readme[start + "```toml\n".len()..];
    let example = &body[..body.find("```").unwrap()];
    let cfg = revisit::config::Config::parse(example).unwrap();
    assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);
    let claude = cfg.agent(revisit::model::Agent::Claude);
    assert_eq!(claude.args, vec!["--permission-mode", "acceptEdits"]);
    assert_eq!(claude.env["CLAUDE_CONFIG_DIR"], "~/.claude-work");
    let (km, warnings) = revisit::app::keymap::Keymap::with_overrides(&cfg.keys);
    assert!(warnings.is_empty(), "{warnings:?}");
    let in_list = |code| km.resolve(Mode::List, &KeyEvent::from(code));
    assert_eq!(in_list(KeyCode::Enter), Some(Action::Resume));
    assert_eq!(in_list(KeyCode::Char('r')), Some(Action::Resume));
    assert_eq!(in_list(KeyCode::Char('l')), Some(Action::Open));
    assert_eq!(in_list(KeyCode::Right), Some(Action::Open));
}
