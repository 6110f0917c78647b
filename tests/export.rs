//! `revisit export`: the real binary on a fixture home whose one session plants a secret of
//! every kind, the home directory and the user name (tests/fixtures/export).

mod common;

use common::{copy_tree, manifest, revisit};
use revisit::model::{Block, Message};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

const ID: &str = "5e1f0c2a-7b3d-4c9e-8a6f-2d4b8c0e1f3a";
const USER: &str = "ferdinand";

/// Every secret the fixture plants (tests/fixtures/export/make.py).
const SECRETS: [&str; 17] = [
    "sk-proj-Q3v8Tz1LmW5xR9bN2cK7yH4pJ6sD0gF8aE1uI5oY3tV7qX9w",
    "sk-ant-api03-Hk4Lm8Np2Qr6St0Uv4Wx8Yz2Ab6Cd0Ef4Gh8Ij2Kl6Mn0Op4Qr8-St2UvAA",
    "AIzaSyD4f7G2h9J3k8L1m6N0p5Q2r7S4t9U1v3W",
    "ghp_R7t2Y9u4I1o6P3a8S5d0F2g7H4j9K1l6Z3x8",
    "AKIAZ7Q3R5T8V2W4X6Y9",
    "Vq8Zr3Tn6Wm1Xk4Yj7Hp2Lc5Fb9Gd0Se3Ra6Uq8P",
    "xoxb-482910375612-5738291046271-Qm7Rt2Yw9Ze4Ux1Ib6Oc3Pd",
    "hooks.slack.com/services/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",
    "sk_live_51Nx8Yq2Rt5Uw9Zb3Cd6Ef0Gh4Ij7Kl",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
    "Xk2Lm9Np4Qr7St1Uv5Wx8Yz3Ab6Cd0Ef",
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
    "QyNTUxOQAAACBvZmFrZWtleWZvcnRlc3Rzb25seW5vdGFyZWFsa2V5AAAAAAAAAA==",
    "tk9Q2w8E4r6T1y3U5i7O0p2A4s6D8fG",
    "Tr0ub4dor-and-3",
    "horse-battery-staple-42",
    "pg_s3cret_value_77",
];
const ENV_TOKEN: &str = "tok-local-88123";

/// The markers a redacted export of the fixture holds: one per kind planted.
const MARKERS: [&str; 16] = [
    "[REDACTED:openai-key]",
    "[REDACTED:anthropic-key]",
    "[REDACTED:google-api-key]",
    "[REDACTED:github-token]",
    "[REDACTED:aws-access-key]",
    "[REDACTED:aws-secret-key]",
    "[REDACTED:slack-token]",
    "[REDACTED:slack-webhook]",
    "[REDACTED:stripe-key]",
    "[REDACTED:jwt]",
    "[REDACTED:private-key]",
    "[REDACTED:bearer-token]",
    "[REDACTED:secret]",
    "[REDACTED:env-secret]",
    "~/proj",
    "[user]",
];

/// A scratch folder with the fixture home at `<scratch>/home/ferdinand`, its `@HOME@`
/// placeholders replaced by that path.
struct Fixture {
    scratch: tempfile::TempDir,
    home: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let scratch = tempfile::tempdir().unwrap();
        let home = scratch.path().join("home").join(USER);
        copy_tree(&manifest().join("tests/fixtures/export/home"), &home);
        let home_str = home.display().to_string();
        rewrite(&home, &|t| t.replace("@HOME@", &home_str));
        Fixture { scratch, home }
    }

    fn run(&self, args: &[&str]) -> Output {
        revisit(&self.home, self.scratch.path())
            .env("USER", USER)
            .args(args)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "revisit {args:?}: exit {:?}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn stdout(&self, args: &[&str]) -> String {
        String::from_utf8(self.ok(args).stdout).expect("UTF-8 output")
    }

    /// The session's messages as `show --json` gives them.
    fn shown(&self) -> (Value, Vec<Message>) {
        let v: Value = serde_json::from_str(&self.stdout(&["show", ID, "--json"])).unwrap();
        let messages: Vec<Message> = serde_json::from_value(v["messages"].clone()).unwrap();
        (v, messages)
    }
}

fn rewrite(dir: &Path, f: &dyn Fn(&str) -> String) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rewrite(&p, f);
        } else {
            let text = std::fs::read_to_string(&p).unwrap();
            std::fs::write(&p, f(&text)).unwrap();
        }
    }
}

fn tool_calls(messages: &[Message]) -> usize {
    messages.iter().map(Message::tool_calls).sum()
}

/// The text of an HTML document without its tags, entities decoded (what a reader sees, and
/// what highlighting may have split into spans).
fn html_text(doc: &str) -> String {
    let mut out = String::with_capacity(doc.len());
    let mut in_tag = false;
    for c in doc.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn assert_nothing_survives(what: &str, text: &str, home: &Path) {
    for s in SECRETS.iter().chain([&ENV_TOKEN]) {
        assert!(!text.contains(s), "{what}: the secret {s} survived");
    }
    let home = home.display().to_string();
    assert!(
        !text.contains(&home),
        "{what}: the home path {home} survived"
    );
    assert!(
        !text.to_lowercase().contains(USER),
        "{what}: the user name survived: {}",
        text.lines()
            .filter(|l| l.to_lowercase().contains(USER))
            .collect::<Vec<_>>()
            .join("\n")
    );
    for m in MARKERS {
        assert!(text.contains(m), "{what}: no {m} marker");
    }
}

#[test]
fn redacted_exports_leave_no_secret_in_any_format() {
    let fx = Fixture::new();
    // the fixture does plant them all
    let raw = fx.stdout(&["export", ID, "--format", "json"]);
    for s in SECRETS.iter().chain([&ENV_TOKEN]) {
        assert!(raw.contains(s), "the fixture lacks {s}");
    }
    assert!(raw.contains(&fx.home.display().to_string()));
    for format in ["md", "html", "json"] {
        let out = fx.ok(&["export", ID, "--format", format, "--redact"]);
        let doc = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("redacted: ") && stderr.contains(" redactions: "),
            "{format}: no summary on stderr: {stderr}"
        );
        assert_nothing_survives(format, &doc, &fx.home);
        if format == "html" {
            assert_nothing_survives("html text", &html_text(&doc), &fx.home);
        }
        if format == "json" {
            // also through JSON escapes: every string value, decoded
            let v: Value = serde_json::from_str(&doc).unwrap();
            let mut strings = String::new();
            collect_strings(&v, &mut strings);
            assert_nothing_survives("json strings", &strings, &fx.home);
            assert_eq!(v["redactions"]["counts"]["private-key"], 1);
        }
    }
}

fn collect_strings(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        Value::Object(o) => {
            for (k, x) in o {
                out.push_str(k);
                out.push('\n');
                collect_strings(x, out);
            }
        }
        _ => {}
    }
}

#[test]
fn json_export_round_trips_to_show() {
    let fx = Fixture::new();
    let (shown, messages) = fx.shown();
    assert!(tool_calls(&messages) >= 6);
    let v: Value = serde_json::from_str(&fx.stdout(&["export", ID, "--format", "json"])).unwrap();
    let exported: Vec<Message> = serde_json::from_value(v["messages"].clone()).unwrap();
    assert_eq!(exported, messages);
    // every key of `show --json` with the same value
    for (k, val) in shown.as_object().unwrap() {
        assert_eq!(&v[k], val, "key {k}");
    }
    // redacted: still the same messages, block for block, with their texts redacted
    let v: Value =
        serde_json::from_str(&fx.stdout(&["export", ID, "--format", "json", "--redact"])).unwrap();
    let redacted: Vec<Message> = serde_json::from_value(v["messages"].clone()).unwrap();
    assert_eq!(redacted.len(), messages.len());
    for (r, m) in redacted.iter().zip(&messages) {
        assert_eq!(r.role, m.role);
        assert_eq!(r.time, m.time);
        assert_eq!(r.blocks.len(), m.blocks.len());
    }
    assert_ne!(redacted, messages);
}

#[test]
fn markdown_export_has_every_text_and_a_details_per_tool_call() {
    let fx = Fixture::new();
    let (_, messages) = fx.shown();
    let md = fx.stdout(&["export", ID]);
    assert!(md.starts_with("# Ferdinand's deploy fix\n"), "{md}");
    for m in &messages {
        for b in &m.blocks {
            if let Block::Text { text } | Block::Thinking { text, .. } = b {
                assert!(
                    md.contains(text.trim()),
                    "missing from the Markdown: {text}"
                );
            }
        }
    }
    assert_eq!(
        md.matches("<details><summary>Tool call: ").count(),
        tool_calls(&messages)
    );
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("</details>").count()
    );
}

#[test]
fn html_export_is_well_formed_offline_and_collapsible() {
    use quick_xml::events::Event;
    let fx = Fixture::new();
    let (_, messages) = fx.shown();
    let doc = fx.stdout(&["export", ID, "--format", "html", "--redact"]);
    assert!(doc.starts_with("<!DOCTYPE html>"));
    assert!(doc.contains("<meta charset=\"utf-8\"/>"));

    // strict XML: every element closed and matched, one root, valid attributes and entities
    let mut reader = quick_xml::Reader::from_str(&doc);
    reader.config_mut().check_end_names = true;
    reader.config_mut().check_comments = true;
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut details = 0;
    let mut tool_details = 0;
    let mut attr_values: Vec<(String, String)> = Vec::new();
    let mut style = String::new();
    loop {
        let ev = reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed at {}: {e}", reader.buffer_position()));
        let start = match &ev {
            Event::Start(e) | Event::Empty(e) => Some(e.clone()),
            _ => None,
        };
        if let Some(e) = start {
            let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
            if stack.is_empty() {
                roots += 1;
            }
            for a in e.attributes() {
                let a = a.expect("a well-formed attribute");
                let key = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
                let value = a.unescape_value().expect("valid entities").into_owned();
                if name == "details" && key == "class" && value.split(' ').any(|c| c == "tool") {
                    tool_details += 1;
                }
                attr_values.push((key, value));
            }
            if name == "details" {
                details += 1;
            }
            if matches!(ev, Event::Start(_)) {
                stack.push(name);
            }
        }
        match ev {
            Event::End(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                assert_eq!(stack.pop().as_deref(), Some(name.as_str()));
            }
            Event::Text(t) => {
                let t = t.decode().expect("UTF-8 text");
                if stack.last().map(String::as_str) == Some("style") {
                    style.push_str(&t);
                }
            }
            Event::GeneralRef(r) => {
                let name = String::from_utf8(r.to_vec()).unwrap();
                assert!(
                    ["amp", "lt", "gt", "quot", "apos"].contains(&name.as_str())
                        || name.starts_with('#'),
                    "an entity XML does not know: &{name};"
                );
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    assert_eq!(roots, 1);
    // characters XML forbids
    assert!(
        !doc.chars()
            .any(|c| (c < ' ' && !"\t\n\r".contains(c)) || c == '\u{FFFE}' || c == '\u{FFFF}'),
        "a character XML forbids"
    );

    // nothing fetched from the network
    for (k, v) in &attr_values {
        if k == "src" || k == "href" {
            assert!(
                !v.contains("http://") && !v.contains("https://"),
                "{k}=\"{v}\" fetches"
            );
        }
    }
    for bad in [
        "<script", "<link", "<img", "<iframe", "<object", "<embed", "@import", "url(",
    ] {
        assert!(!doc.contains(bad), "the page holds {bad}");
    }
    assert!(style.contains("prefers-color-scheme: dark"));

    // one collapsible block per tool call, plus the thinking
    assert_eq!(tool_details, tool_calls(&messages));
    assert!(details > tool_details, "the thinking is not collapsible");
    // highlighted code (the Rust block and the Bash commands)
    assert!(doc.contains("<span class=\"k0\">"));
    // every marker, and the redaction summary in the header
    assert_nothing_survives("html", &html_text(&doc), &fx.home);
    assert!(html_text(&doc).contains("Redacted"));
}

#[test]
fn out_file_is_written_whole_with_the_format_of_its_extension() {
    let fx = Fixture::new();
    let dir = fx.scratch.path().join("exports");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("session.html");
    let out = fx.ok(&[
        "export",
        &ID[..8],
        "--out",
        file.to_str().unwrap(),
        "--redact",
    ]);
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&file.display().to_string()), "{stderr}");
    assert!(stderr.contains("redactions"), "{stderr}");
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // nothing left beside it
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["session.html"]);
    // --format wins over the extension; an unknown extension is Markdown
    let json = dir.join("x.html");
    fx.ok(&[
        "export",
        ID,
        "--format",
        "json",
        "--out",
        json.to_str().unwrap(),
    ]);
    assert!(std::fs::read_to_string(&json).unwrap().starts_with('{'));
    let txt = dir.join("notes.txt");
    fx.ok(&["export", ID, "-o", txt.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&txt).unwrap().starts_with("# "));
}

#[test]
fn unknown_ids_and_formats_are_refused() {
    let fx = Fixture::new();
    let out = fx.run(&["export", "nope-no-such-session"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no session matches 'nope-no-such-session'"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    let out = fx.run(&["export", ID, "--format", "pdf"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("use md, html or json"));
}
