//! The unfolded form of a tool call's arguments, chosen by what the arguments are (whatever the
//! agent):
//!
//! - an edit (`old_string`/`new_string`, `oldString`/`newString`, `old_str`/`new_str`, or a
//!   MultiEdit's `edits`): the file path muted, then the line diff of old → new;
//! - a file write (`content`/`file_text` with `file_path`/`filePath`/`path`…): the path muted,
//!   then the content highlighted by the file's extension;
//! - a patch (a string starting with `*** Begin Patch` or that looks like a unified diff, a
//!   `patch`/`patchText` field, an `apply_patch` argv): a diff;
//! - a shell command (`command`/`cmd` as a string or an argv array; `bash -lc <script>` shows the
//!   script): the description muted, then the command highlighted as bash;
//! - anything else: pretty-printed JSON, highlighted; a plain string: text.
//!
//! The arguments not shown by the chosen form follow as muted `key: value` lines.

use super::code::{
    code, diff, diff_lines, edit_diff, is_apply_patch, is_diff_lang, looks_like_unified_diff,
    pre_lines,
};
use super::highlight::{Highlighter, plain_lines, split_lines};
use super::wrap::{Prefix, spans_of, wrap_inline};
use super::{SpanStyle, StyledLine};
use crate::sanitize::sanitize;
use serde_json::{Map, Value};

/// Tool names whose arguments are a shell command.
const SHELL_TOOLS: [&str; 13] = [
    "bash",
    "shell",
    "exec_command",
    "run_shell_command",
    "execute_command",
    "exec",
    "local_shell",
    "shell_command",
    "container.exec",
    "run_command",
    "run_terminal_cmd",
    "terminal",
    "sh",
];

/// Keys naming the file a tool works on, most specific first.
const PATH_KEYS: [&str; 7] = [
    "file_path",
    "filePath",
    "absolute_path",
    "path",
    "filename",
    "file",
    "target_file",
];

/// Keys of the old and new text of an edit.
const EDIT_KEYS: [(&str, &str); 4] = [
    ("old_string", "new_string"),
    ("oldString", "newString"),
    ("old_str", "new_str"),
    ("old", "new"),
];

/// Keys holding a file's whole content.
const CONTENT_KEYS: [&str; 3] = ["content", "file_text", "contents"];

/// Keys holding a patch.
const PATCH_KEYS: [&str; 3] = ["patch", "patchText", "patch_text"];

/// Keys holding a shell command.
const COMMAND_KEYS: [&str; 2] = ["command", "cmd"];

fn is_shell_tool(name: &str) -> bool {
    let name = name.trim().to_ascii_lowercase();
    SHELL_TOOLS.contains(&name.as_str())
}

/// Render a tool call's arguments (see the module documentation). All text is sanitised.
pub fn tool_input(
    tool_name: &str,
    input: &Value,
    width: usize,
    hl: Option<&Highlighter>,
) -> Vec<StyledLine> {
    let width = width.max(1);
    match input {
        Value::Null => Vec::new(),
        Value::String(s) => string_input(tool_name, s, width, hl),
        Value::Object(map) => object_input(map, width, hl),
        _ => json(input, width, hl),
    }
}

fn string_input(
    tool_name: &str,
    s: &str,
    width: usize,
    hl: Option<&Highlighter>,
) -> Vec<StyledLine> {
    if is_apply_patch(s) || looks_like_unified_diff(s) {
        return diff(s, width);
    }
    let t = s.trim_start();
    if (t.starts_with('{') || t.starts_with('['))
        && let Ok(v) = serde_json::from_str::<Value>(s)
        && (v.is_object() || v.is_array())
    {
        return tool_input(tool_name, &v, width, hl);
    }
    if is_shell_tool(tool_name) {
        return script(s, width, hl);
    }
    text(s, width, SpanStyle::Text)
}

/// Word-wrapped lines of text (sanitised), each source line on its own.
fn text(s: &str, width: usize, style: SpanStyle) -> Vec<StyledLine> {
    let clean = sanitize(s);
    if clean.is_empty() {
        return Vec::new();
    }
    let hang = Prefix {
        first: Vec::new(),
        rest: spans_of("  ", SpanStyle::Text),
    };
    split_lines(&clean)
        .into_iter()
        .flat_map(|l| wrap_inline(&spans_of(l, style), width, &hang))
        .collect()
}

fn json(v: &Value, width: usize, hl: Option<&Highlighter>) -> Vec<StyledLine> {
    let pretty = serde_json::to_string_pretty(v).unwrap_or_default();
    code(&pretty, Some("json"), width, hl)
}

fn str_of<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str)
}

/// The first of `keys` holding a string.
fn first_str<'a>(
    map: &'a Map<String, Value>,
    keys: &[&'static str],
) -> Option<(&'static str, &'a str)> {
    keys.iter().find_map(|k| str_of(map, k).map(|v| (*k, v)))
}

/// A shell command given as a string or an argv array.
enum Command<'a> {
    Script(&'a str),
    Argv(Vec<&'a str>),
}

fn command_of(v: &Value) -> Option<Command<'_>> {
    match v {
        Value::String(s) => Some(Command::Script(s)),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(Value::as_str)
            .collect::<Option<Vec<_>>>()
            .map(Command::Argv),
        _ => None,
    }
}

fn object_input(
    map: &Map<String, Value>,
    width: usize,
    hl: Option<&Highlighter>,
) -> Vec<StyledLine> {
    let path = first_str(map, &PATH_KEYS);
    let mut used: Vec<&str> = Vec::new();
    let mut out = Vec::new();

    // an edit: old → new
    if let Some((ok, nk, old, new)) = EDIT_KEYS
        .iter()
        .find_map(|(ok, nk)| Some((*ok, *nk, str_of(map, ok)?, str_of(map, nk)?)))
    {
        if let Some((pk, p)) = path {
            out.extend(muted(p, width));
            used.push(pk);
        }
        out.extend(edit_diff(old, new, width));
        used.extend([ok, nk]);
        out.extend(extras(map, &used, width));
        return out;
    }

    // several edits of one file (Claude Code's MultiEdit)
    if let Some(Value::Array(edits)) = map.get("edits") {
        let pairs: Option<Vec<(&str, &str)>> = edits
            .iter()
            .map(|e| {
                let e = e.as_object()?;
                EDIT_KEYS
                    .iter()
                    .find_map(|(ok, nk)| Some((str_of(e, ok)?, str_of(e, nk)?)))
            })
            .collect();
        if let Some(pairs) = pairs.filter(|p| !p.is_empty()) {
            if let Some((pk, p)) = path {
                out.extend(muted(p, width));
                used.push(pk);
            }
            let n = pairs.len();
            for (i, (old, new)) in pairs.into_iter().enumerate() {
                if n > 1 {
                    out.extend(muted(&format!("edit {} of {n}", i + 1), width));
                }
                out.extend(edit_diff(old, new, width));
            }
            used.push("edits");
            out.extend(extras(map, &used, width));
            return out;
        }
    }

    // a file write: the content, highlighted by the file's extension
    if let (Some((pk, p)), Some((ck, content))) = (path, first_str(map, &CONTENT_KEYS)) {
        out.extend(muted(p, width));
        out.extend(file_content(content, p, width, hl));
        used.extend([pk, ck]);
        out.extend(extras(map, &used, width));
        return out;
    }

    // a patch
    let patch = first_str(map, &PATCH_KEYS).or_else(|| {
        first_str(map, &["input", "diff"])
            .filter(|(_, s)| is_apply_patch(s) || looks_like_unified_diff(s))
    });
    if let Some((k, p)) = patch {
        out.extend(diff(p, width));
        used.push(k);
        out.extend(extras(map, &used, width));
        return out;
    }

    // a shell command
    if let Some((k, cmd)) = COMMAND_KEYS
        .iter()
        .find_map(|k| Some((*k, command_of(map.get(*k)?)?)))
    {
        if let Some(d) = str_of(map, "description") {
            out.extend(muted(d, width));
            used.push("description");
        }
        out.extend(shell(cmd, width, hl));
        used.push(k);
        out.extend(extras(map, &used, width));
        return out;
    }

    json(&Value::Object(map.clone()), width, hl)
}

/// Muted, word-wrapped text (a path, a description, a note).
fn muted(s: &str, width: usize) -> Vec<StyledLine> {
    text(s, width, SpanStyle::Muted)
}

/// The arguments not shown yet, as muted `key: value` lines.
fn extras(map: &Map<String, Value>, used: &[&str], width: usize) -> Vec<StyledLine> {
    let mut out = Vec::new();
    for (k, v) in map {
        if used.contains(&k.as_str()) || v.is_null() {
            continue;
        }
        let value = match v {
            Value::String(s) => s.clone(),
            other => serde_json::to_string(other).unwrap_or_default(),
        };
        out.extend(muted(&format!("{k}: {value}"), width));
    }
    out
}

/// A file's content highlighted by its path (a `.diff`/`.patch` file as a diff).
fn file_content(
    content: &str,
    path: &str,
    width: usize,
    hl: Option<&Highlighter>,
) -> Vec<StyledLine> {
    let clean = sanitize(content);
    if clean.is_empty() {
        return Vec::new();
    }
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let lines = if is_diff_lang(ext) {
        diff_lines(&clean)
    } else {
        match hl.and_then(|h| Some((h, h.language_for_path(path)?))) {
            Some((h, lang)) => h.highlight_clean(&clean, Some(lang)),
            None => plain_lines(&split_lines(&clean)),
        }
    };
    pre_lines(lines, width, &Prefix::none())
}

const SHELLS: [&str; 6] = ["bash", "sh", "zsh", "dash", "ksh", "fish"];

fn shell(cmd: Command, width: usize, hl: Option<&Highlighter>) -> Vec<StyledLine> {
    match cmd {
        Command::Script(s) => script(s, width, hl),
        Command::Argv(argv) => {
            let base = |s: &str| s.rsplit('/').next().unwrap_or(s).to_string();
            // bash -lc '<script>': the script itself
            if argv.len() == 3
                && SHELLS.contains(&base(argv[0]).as_str())
                && argv[1].starts_with('-')
                && argv[1].contains('c')
            {
                let mut out = muted(&format!("{} {}", argv[0], argv[1]), width);
                out.extend(script(argv[2], width, hl));
                return out;
            }
            // Codex's apply_patch given as argv
            if argv.len() == 2 && matches!(base(argv[0]).as_str(), "apply_patch" | "applypatch") {
                return diff(argv[1], width);
            }
            let joined: Vec<String> = argv.iter().map(|a| quote(a)).collect();
            script(&joined.join(" "), width, hl)
        }
    }
}

/// Quote one argument for a POSIX shell when it needs it.
fn quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// A shell script highlighted as bash; an apply_patch heredoc inside it is shown as a diff.
fn script(s: &str, width: usize, hl: Option<&Highlighter>) -> Vec<StyledLine> {
    if let Some(begin) = s.find("*** Begin Patch") {
        let start = s[..begin].rfind('\n').map_or(0, |i| i + 1);
        let end = s[begin..]
            .find("*** End Patch")
            .map(|i| begin + i + "*** End Patch".len())
            .unwrap_or(s.len());
        let (head, patch, tail) = (&s[..start], &s[start..end], &s[end..]);
        let mut out = code(head, Some("bash"), width, hl);
        out.extend(diff(patch, width));
        let tail = tail.strip_prefix('\n').unwrap_or(tail);
        out.extend(code(tail, Some("bash"), width, hl));
        return out;
    }
    code(s, Some("bash"), width, hl)
}

#[cfg(test)]
mod tests {
    use super::super::highlight::SyntaxTheme;
    use super::*;
    use serde_json::json;

    fn hl() -> Option<&'static Highlighter> {
        Some(Highlighter::shared(SyntaxTheme::Dark))
    }

    fn texts(lines: &[StyledLine]) -> Vec<String> {
        lines.iter().map(|l| l.text()).collect()
    }

    fn has(lines: &[StyledLine], pred: impl Fn(SpanStyle) -> bool) -> bool {
        lines.iter().flat_map(|l| &l.spans).any(|s| pred(s.style))
    }

    fn syntax(s: SpanStyle) -> bool {
        matches!(s, SpanStyle::Syntax { .. })
    }

    /// The line whose text is `text`, with its first span's style.
    fn style_of(lines: &[StyledLine], text: &str) -> SpanStyle {
        lines
            .iter()
            .find(|l| l.text() == text)
            .unwrap_or_else(|| panic!("no line {text:?} in {:?}", texts(lines)))
            .spans[0]
            .style
    }

    fn assert_width(lines: &[StyledLine], width: usize) {
        for l in lines {
            assert!(
                l.width() <= width,
                "{} > {width}: {:?}",
                l.width(),
                l.text()
            );
        }
    }

    #[test]
    fn claude_bash() {
        let input = json!({"command": "ls -la | grep foo", "description": "List files"});
        let lines = tool_input("Bash", &input, 80, hl());
        assert_eq!(texts(&lines), vec!["List files", "ls -la | grep foo"]);
        assert_eq!(lines[0].spans[0].style, SpanStyle::Muted);
        assert!(lines[1].spans.iter().all(|s| syntax(s.style)), "{lines:?}");
        assert!(lines[1].spans.len() > 1, "tokens coloured separately");
    }

    #[test]
    fn codex_exec_command_and_shell_argv() {
        let input = json!({"cmd": "cargo test --lib", "workdir": "/repo", "yield_time_ms": 1000});
        let lines = tool_input("exec_command", &input, 80, hl());
        assert_eq!(lines[0].text(), "cargo test --lib");
        assert!(has(&lines[..1], syntax));
        assert_eq!(style_of(&lines, "workdir: /repo"), SpanStyle::Muted);
        assert_eq!(style_of(&lines, "yield_time_ms: 1000"), SpanStyle::Muted);

        let input = json!({"command": ["bash", "-lc", "echo hi && ls"], "timeout_ms": 10000});
        let lines = tool_input("shell", &input, 80, hl());
        assert_eq!(texts(&lines)[..2], ["bash -lc", "echo hi && ls"]);
        assert!(has(&lines[1..2], syntax));

        let input = json!({"command": ["rg", "-n", "fn main", "src"]});
        let lines = tool_input("shell", &input, 80, hl());
        assert_eq!(lines[0].text(), "rg -n 'fn main' src");
    }

    #[test]
    fn codex_apply_patch() {
        let patch = "*** Begin Patch\n*** Update File: src/lib.rs\n@@\n-old\n+new\n*** End Patch";
        // the custom tool's raw string input
        let lines = tool_input("apply_patch", &json!(patch), 80, hl());
        assert_eq!(
            style_of(&lines, "*** Update File: src/lib.rs"),
            SpanStyle::DiffHeader
        );
        assert_eq!(style_of(&lines, "-old"), SpanStyle::DiffRemoved);
        assert_eq!(style_of(&lines, "+new"), SpanStyle::DiffAdded);
        // the older argv form
        let lines = tool_input(
            "shell",
            &json!({"command": ["apply_patch", patch]}),
            80,
            hl(),
        );
        assert_eq!(style_of(&lines, "+new"), SpanStyle::DiffAdded);
        // inside a heredoc
        let cmd = format!("apply_patch <<'EOF'\n{patch}\nEOF\n");
        let lines = tool_input("exec_command", &json!({ "cmd": cmd }), 80, hl());
        assert_eq!(lines[0].text(), "apply_patch <<'EOF'");
        assert!(has(&lines[..1], syntax));
        assert_eq!(style_of(&lines, "-old"), SpanStyle::DiffRemoved);
        assert_eq!(lines.last().unwrap().text(), "EOF");
    }

    #[test]
    fn gemini_run_shell_command() {
        let input = json!({"command": "npm test", "description": "Run tests", "dir_path": "web"});
        let lines = tool_input("run_shell_command", &input, 80, hl());
        assert_eq!(
            texts(&lines),
            vec!["Run tests", "npm test", "dir_path: web"]
        );
        assert!(has(&lines[1..2], syntax));
    }

    #[test]
    fn opencode_bash() {
        let input = json!({"command": "git status", "description": "Shows status"});
        let lines = tool_input("bash", &input, 80, hl());
        assert_eq!(texts(&lines), vec!["Shows status", "git status"]);
        assert!(has(&lines[1..], syntax));
    }

    #[test]
    fn claude_edit() {
        let input = json!({
            "file_path": "/repo/src/main.rs",
            "old_string": "fn main() {\n    old();\n}",
            "new_string": "fn main() {\n    new();\n}",
            "replace_all": false
        });
        let lines = tool_input("Edit", &input, 80, hl());
        assert_eq!(
            texts(&lines),
            vec![
                "/repo/src/main.rs",
                " fn main() {",
                "-    old();",
                "+    new();",
                " }",
                "replace_all: false"
            ]
        );
        assert_eq!(lines[0].spans[0].style, SpanStyle::Muted);
        assert_eq!(lines[2].spans[0].style, SpanStyle::DiffRemoved);
        assert_eq!(lines[3].spans[0].style, SpanStyle::DiffAdded);
    }

    #[test]
    fn claude_multi_edit() {
        let input = json!({"file_path": "a.py", "edits": [
            {"old_string": "a", "new_string": "b"},
            {"old_string": "c", "new_string": "d", "replace_all": true}
        ]});
        let lines = tool_input("MultiEdit", &input, 80, hl());
        assert_eq!(
            texts(&lines),
            vec!["a.py", "edit 1 of 2", "-a", "+b", "edit 2 of 2", "-c", "+d"]
        );
    }

    #[test]
    fn gemini_replace_and_opencode_edit() {
        let input = json!({"file_path": "x.ts", "old_string": "a", "new_string": "b",
            "instruction": "Rename"});
        let lines = tool_input("replace", &input, 80, hl());
        assert_eq!(
            texts(&lines),
            vec!["x.ts", "-a", "+b", "instruction: Rename"]
        );
        let input = json!({"filePath": "y.go", "oldString": "x := 1", "newString": "x := 2"});
        let lines = tool_input("edit", &input, 80, hl());
        assert_eq!(texts(&lines), vec!["y.go", "-x := 1", "+x := 2"]);
        assert_eq!(lines[1].spans[0].style, SpanStyle::DiffRemoved);
    }

    #[test]
    fn writes_are_highlighted_by_extension() {
        let cases = [
            (
                "Write",
                json!({"file_path": "/r/a.py", "content": "def f():\n    return 1\n"}),
            ),
            (
                "write_file",
                json!({"file_path": "b.rs", "content": "fn f() -> u8 { 1 }"}),
            ),
            (
                "write",
                json!({"filePath": "c.json", "content": "{\"a\": 1}"}),
            ),
        ];
        for (name, input) in cases {
            let lines = tool_input(name, &input, 80, hl());
            assert_eq!(lines[0].spans[0].style, SpanStyle::Muted, "{name}");
            assert!(has(&lines[1..], syntax), "{name}: {lines:?}");
        }
        // an unknown extension: plain code
        let input = json!({"file_path": "notes.unknownext", "content": "hello"});
        let lines = tool_input("Write", &input, 80, hl());
        assert_eq!(texts(&lines), vec!["notes.unknownext", "hello"]);
        assert_eq!(lines[1].spans[0].style, SpanStyle::Code);
    }

    #[test]
    fn opencode_apply_patch_text() {
        let input =
            json!({"patchText": "*** Begin Patch\n*** Add File: n.txt\n+hi\n*** End Patch"});
        let lines = tool_input("apply_patch", &input, 80, hl());
        assert_eq!(
            style_of(&lines, "*** Add File: n.txt"),
            SpanStyle::DiffHeader
        );
        assert_eq!(style_of(&lines, "+hi"), SpanStyle::DiffAdded);
    }

    #[test]
    fn unified_diff_string() {
        let d = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n";
        let lines = tool_input("anything", &json!(d), 80, hl());
        assert_eq!(style_of(&lines, "-a"), SpanStyle::DiffRemoved);
        assert_eq!(style_of(&lines, "+++ b/x"), SpanStyle::DiffHeader);
    }

    #[test]
    fn other_json_is_pretty_and_highlighted() {
        let input = json!({"pattern": "fn main", "path": "src", "glob": "*.rs"});
        let lines = tool_input("Grep", &input, 80, hl());
        assert_eq!(lines[0].text(), "{");
        assert!(
            texts(&lines)
                .iter()
                .any(|l| l.starts_with("  \"pattern\": \"fn main\"")),
            "{lines:?}"
        );
        assert!(has(&lines, syntax));
        // arrays and numbers too
        let lines = tool_input("x", &json!([1, 2]), 80, hl());
        assert_eq!(texts(&lines), vec!["[", "  1,", "  2", "]"]);
        // a JSON string that holds an object is read as one
        let lines = tool_input("Bash", &json!("{\"command\": \"ls\"}"), 80, hl());
        assert_eq!(texts(&lines), vec!["ls"]);
    }

    #[test]
    fn plain_string_is_text() {
        let lines = tool_input("Task", &json!("look around the repository"), 12, hl());
        assert_eq!(texts(&lines), vec!["look around", "  the", "  repository"]);
        assert!(
            lines
                .iter()
                .flat_map(|l| &l.spans)
                .all(|s| s.style == SpanStyle::Text)
        );
        // a string input of a shell tool is a command
        let lines = tool_input("exec", &json!("ls -la"), 80, hl());
        assert!(has(&lines, syntax));
        assert!(tool_input("x", &Value::Null, 80, hl()).is_empty());
    }

    #[test]
    fn tool_input_never_exceeds_the_width() {
        let inputs = [
            (
                "Bash",
                json!({"command": "echo 你好世界 && ls -la /a/very/long/path/that/wraps", "description": "Say hello in Chinese to the world"}),
            ),
            (
                "Edit",
                json!({"file_path": "/x/y/z.rs", "old_string": "let 変数 = 1;", "new_string": "let 変数 = 2; // comment"}),
            ),
            (
                "Write",
                json!({"file_path": "a.md", "content": "# Title\n\nSome text"}),
            ),
            (
                "Grep",
                json!({"pattern": "a very long pattern string", "n": [1, 2, 3]}),
            ),
            ("Task", json!("words words words 🎉🎉🎉")),
        ];
        for w in (1..=12).chain([20, 40]) {
            for (name, input) in &inputs {
                assert_width(&tool_input(name, input, w, hl()), w);
            }
        }
    }

    #[test]
    fn tool_input_is_sanitised() {
        let evil = "a\u{1b}]0;title\u{7}b\u{1b}[31mc\u{0}d\u{9b}2Je\u{202e}f\tg";
        let inputs = [
            ("Bash", json!({"command": evil, "description": evil})),
            (
                "Edit",
                json!({"file_path": evil, "old_string": evil, "new_string": "x"}),
            ),
            ("Write", json!({"file_path": "a.rs", "content": evil})),
            ("Grep", json!({"pattern": evil})),
            ("Task", json!(evil)),
            (
                "apply_patch",
                json!(format!("*** Begin Patch\n+{evil}\n*** End Patch")),
            ),
            ("shell", json!({"command": ["bash", "-lc", evil]})),
        ];
        for (name, input) in inputs {
            let lines = tool_input(name, &input, 40, hl());
            assert!(!lines.is_empty());
            for s in lines.iter().flat_map(|l| &l.spans) {
                assert!(
                    !s.text.chars().any(|c| c.is_control() || c == '\u{202e}'),
                    "{name}: {s:?}"
                );
            }
        }
    }
}
