//! Sessions as documents: Markdown (readable, tool calls as `<details>` blocks), one
//! self-contained HTML page (see [`html`]) and JSON; optionally redacted first
//! ([`crate::redact`]). [`render`] is the entry point for exports.

use crate::model::{Block, Message, Role, Session, rfc3339};
use crate::redact::{RedactionReport, Redactor};
use crate::sanitize;
use serde::Serialize;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

pub mod html;

/// The formats a session exports to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    #[default]
    Markdown,
    Html,
    Json,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Markdown, Format::Html, Format::Json];

    /// The file extension (without the dot).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Json => "json",
        }
    }

    /// The format a file name's extension names (`.md`, `.markdown`, `.html`, `.htm`, `.json`).
    pub fn from_path(path: &Path) -> Option<Format> {
        path.extension()?.to_str()?.parse().ok()
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Json => "json",
        })
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "md" | "markdown" => Ok(Format::Markdown),
            "html" | "htm" => Ok(Format::Html),
            "json" => Ok(Format::Json),
            _ => Err(format!("unknown format '{s}' (use md, html or json)")),
        }
    }
}

/// A session exported whole in `format`; redacted first when a redactor is given (the session
/// and messages given are not changed). Returns the document and what was redacted (empty
/// without a redactor).
pub fn render(
    format: Format,
    session: &Session,
    messages: &[Message],
    redactor: Option<&Redactor>,
) -> (String, RedactionReport) {
    let redacted;
    let (s, m, report) = match redactor {
        Some(r) => {
            let mut s = session.clone();
            let mut m = messages.to_vec();
            let report = crate::redact::redact_session(r, &mut s, &mut m);
            redacted = (s, m);
            (&redacted.0, redacted.1.as_slice(), Some(report))
        }
        None => (session, messages, None),
    };
    let doc = match format {
        Format::Markdown => markdown_doc(s, m, report.as_ref()),
        Format::Html => html::html(s, m, report.as_ref()),
        Format::Json => {
            let doc = ExportJson {
                session: SessionJson::of(s),
                redactions: report.as_ref(),
                messages: m,
            };
            let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            text.push('\n');
            text
        }
    };
    (doc, report.unwrap_or_default())
}

/// A file name for an export: `<agent>-<short id>-<slug of the title>.<ext>`, made of
/// `[a-z0-9-]` only (for example `claude-3f2a91c0-fix-the-login-test.md`). For a redacted
/// export, pass the redacted session (the title may hold what was redacted).
pub fn file_name(s: &Session, format: Format) -> String {
    let short: String =
        s.id.chars()
            .filter(char::is_ascii_alphanumeric)
            .take(8)
            .collect::<String>()
            .to_ascii_lowercase();
    let title = s.extra.name.as_deref().unwrap_or(&s.title);
    let mut parts = vec![s.agent.as_str().to_string()];
    if !short.is_empty() {
        parts.push(short);
    }
    let slug = slug(title, 48);
    if !slug.is_empty() {
        parts.push(slug);
    }
    format!("{}.{}", parts.join("-"), format.extension())
}

/// Write a file whole or not at all: a temporary file in the same directory (created anew,
/// never following an existing one), synced, then renamed over `path`. On failure nothing is
/// left behind.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}-{seq}.tmp", std::process::id()));
    let written = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Lower-case ASCII letters and digits joined by `-`, at most `max` characters (cut at a `-`
/// when there is one).
fn slug(text: &str, max: usize) -> String {
    let mut out = String::new();
    for word in text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word = word.to_ascii_lowercase();
        let extra = if out.is_empty() { 0 } else { 1 };
        if out.len() + extra + word.len() > max {
            if out.is_empty() {
                out.push_str(&word[..max]);
            }
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word);
    }
    out
}

/// `12 (1 prompt, 5 tool calls)`: a session's messages, prompts and tool calls.
pub fn counts(s: &Session) -> String {
    let plural = |n: u64| if n == 1 { "" } else { "s" };
    format!(
        "{} ({} prompt{}, {} tool call{})",
        s.messages,
        s.prompts,
        plural(s.prompts),
        s.tool_calls,
        plural(s.tool_calls)
    )
}

/// A fence long enough not to be closed by backticks inside `text`.
fn fence(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

fn code_block(lang: &str, text: &str) -> String {
    let f = fence(text);
    format!("{f}{lang}\n{}\n{f}\n", text.trim_end_matches('\n'))
}

/// A one-line summary of a tool call's arguments: the command, the path, the pattern.
pub fn tool_summary(name: &str, input: &serde_json::Value) -> String {
    let pick = |keys: &[&str]| -> Option<String> {
        keys.iter().find_map(|k| match input.get(*k) {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Array(a)) => Some(
                a.iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            _ => None,
        })
    };
    let s = match input {
        serde_json::Value::String(s) => s.lines().next().unwrap_or("").to_string(),
        _ => pick(&[
            "command",
            "cmd",
            "file_path",
            "filePath",
            "path",
            "pattern",
            "query",
            "url",
            "description",
            "prompt",
        ])
        .unwrap_or_else(|| {
            let _ = name;
            String::new()
        }),
    };
    sanitize::truncate_chars(&sanitize::one_line(&s), 120)
}

pub(crate) fn role_heading(m: &Message) -> &'static str {
    match (m.role, m.meta) {
        (Role::User, false) => "User",
        (Role::User, true) => "Context",
        (Role::Assistant, _) => "Assistant",
        (Role::Tool, _) => "Tool result",
        (Role::System, _) => "System",
    }
}

/// The whole session as Markdown.
pub fn markdown<M: AsRef<Message>>(s: &Session, messages: &[M]) -> String {
    markdown_doc(s, messages, None)
}

fn markdown_doc<M: AsRef<Message>>(
    s: &Session,
    messages: &[M],
    redactions: Option<&RedactionReport>,
) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "# {}\n\n",
        sanitize::one_line(s.extra.name.as_deref().unwrap_or(&s.title))
    ));
    out.push_str(&format!(
        "- Agent: {} (`{}`)\n",
        s.agent.display_name(),
        s.id
    ));
    if let Some(cwd) = &s.cwd {
        out.push_str(&format!("- Directory: `{cwd}`\n"));
    }
    if let Some(b) = &s.git_branch {
        out.push_str(&format!("- Branch: `{b}`\n"));
    }
    if !s.models.is_empty() {
        out.push_str(&format!("- Models: {}\n", s.models.join(", ")));
    }
    if let (Some(a), Some(b)) = (s.started_at, s.updated_at) {
        out.push_str(&format!("- Time: {} – {}\n", rfc3339(&a), rfc3339(&b)));
    }
    out.push_str(&format!("- Messages: {}\n", counts(s)));
    if s.tokens_known {
        let t = &s.tokens;
        out.push_str(&format!(
            "- Tokens: {} input, {} output, {} cache read, {} cache write\n",
            t.input, t.output, t.cache_read, t.cache_write
        ));
    }
    if !s.extra.tags.is_empty() {
        out.push_str(&format!("- Tags: {}\n", s.extra.tags.join(", ")));
    }
    if let Some(r) = redactions {
        out.push_str(&format!("- Redacted: {}\n", r.summary()));
    }
    out.push('\n');
    for m in messages {
        out.push_str(&message_markdown(m.as_ref()));
    }
    // read in a terminal or a pager: escape sequences and other controls made inert (the
    // JSON forms keep the data exactly)
    sanitize::sanitize(&out)
}

/// One message as Markdown: a heading and its blocks.
pub fn message_markdown(m: &Message) -> String {
    let mut out = String::new();
    let mut head = role_heading(m).to_string();
    if m.sidechain {
        head = format!(
            "{head} (subagent{})",
            m.agent_id
                .as_deref()
                .map(|a| format!(" {a}"))
                .unwrap_or_default()
        );
    }
    if let Some(model) = &m.model {
        head.push_str(&format!(" · {model}"));
    }
    if let Some(t) = &m.time {
        head.push_str(&format!(" · {}", rfc3339(t)));
    }
    out.push_str(&format!("## {head}\n\n"));
    for b in &m.blocks {
        match b {
            Block::Text { text } => {
                out.push_str(&sanitize::sanitize(text));
                out.push_str("\n\n");
            }
            Block::Thinking { text, sealed } => {
                if *sealed {
                    out.push_str("> *thinking (not recorded)*\n\n");
                } else {
                    out.push_str("<details><summary>Thinking</summary>\n\n");
                    out.push_str(&sanitize::sanitize(text));
                    out.push_str("\n\n</details>\n\n");
                }
            }
            Block::ToolCall { name, input, .. } => {
                let summary = tool_summary(name, input);
                out.push_str(&format!(
                    "<details><summary>Tool call: {}{}</summary>\n\n",
                    html_escape(&sanitize::one_line(name)),
                    if summary.is_empty() {
                        String::new()
                    } else {
                        format!(" — {}", html_escape(&summary))
                    }
                ));
                let body = match input {
                    serde_json::Value::String(s) => s.clone(),
                    v => serde_json::to_string_pretty(v).unwrap_or_default(),
                };
                let lang = if matches!(input, serde_json::Value::String(_)) {
                    ""
                } else {
                    "json"
                };
                out.push_str(&code_block(lang, &sanitize::sanitize(&body)));
                out.push_str("\n</details>\n\n");
            }
            Block::ToolResult {
                output, is_error, ..
            } => {
                let size = output.len();
                out.push_str(&format!(
                    "<details><summary>{} ({} bytes)</summary>\n\n",
                    if *is_error {
                        "Tool error"
                    } else {
                        "Tool output"
                    },
                    size
                ));
                out.push_str(&code_block("", &sanitize::sanitize(output)));
                out.push_str("\n</details>\n\n");
            }
            Block::Notice { kind, text } => {
                out.push_str(&format!("> **{kind}**: {}\n\n", sanitize::one_line(text)));
            }
            Block::Attachment { kind, description } => {
                out.push_str(&format!(
                    "*[{kind}: {}]*\n\n",
                    sanitize::one_line(description)
                ));
            }
        }
    }
    out
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The JSON shape of a listed session (exactly these keys).
#[derive(Debug, Serialize)]
pub struct SessionJson<'a> {
    pub agent: &'a str,
    pub id: &'a str,
    pub title: &'a str,
    pub cwd: Option<&'a str>,
    pub project: Option<&'a str>,
    pub models: &'a [String],
    pub git_branch: Option<&'a str>,
    pub started_at: Option<String>,
    pub updated_at: Option<String>,
    pub prompts: u64,
    pub messages: u64,
    pub tool_calls: u64,
    pub subagents: u64,
    pub tokens: Option<TokensJson>,
    pub cost_usd: Option<f64>,
    pub unpriced_turns: u64,
    pub source: &'a str,
    pub resume: Option<&'a crate::model::ResumeTarget>,
    pub parse_errors: u64,
    /// revisit's own: name, tags, archive, when the agent will delete it.
    #[serde(flatten)]
    pub extra: &'a crate::model::SessionExtra,
}

#[derive(Debug, Serialize)]
pub struct TokensJson {
    pub input: u64,
    pub output: u64,
    pub cache_read: u64,
    pub cache_write: u64,
    pub reasoning: u64,
}

impl<'a> SessionJson<'a> {
    pub fn of(s: &'a Session) -> SessionJson<'a> {
        SessionJson {
            agent: s.agent.as_str(),
            id: &s.id,
            title: &s.title,
            cwd: s.cwd.as_deref(),
            project: s.project.as_deref(),
            models: &s.models,
            git_branch: s.git_branch.as_deref(),
            started_at: s.started_at.as_ref().map(rfc3339),
            updated_at: s.updated_at.as_ref().map(rfc3339),
            prompts: s.prompts,
            messages: s.messages,
            tool_calls: s.tool_calls,
            subagents: s.subagents,
            tokens: s.tokens_known.then_some(TokensJson {
                input: s.tokens.input,
                output: s.tokens.output,
                cache_read: s.tokens.cache_read,
                cache_write: s.tokens.cache_write,
                reasoning: s.tokens.reasoning,
            }),
            cost_usd: s.cost_usd,
            unpriced_turns: s.unpriced_turns,
            source: &s.source,
            resume: s.resume.as_ref(),
            parse_errors: s.parse_errors,
            extra: &s.extra,
        }
    }
}

/// An exported session as JSON: `show --json`'s document and, when redacted, what was
/// redacted.
#[derive(Debug, Serialize)]
pub struct ExportJson<'a> {
    #[serde(flatten)]
    pub session: SessionJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redactions: Option<&'a RedactionReport>,
    pub messages: &'a [Message],
}

/// `show --json`: the session and its messages.
#[derive(Debug, Serialize)]
pub struct ShowJson<'a> {
    #[serde(flatten)]
    pub session: SessionJson<'a>,
    pub messages: &'a [Message],
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_session;

    fn hostile_session() -> (Session, Vec<Message>) {
        let mut s = test_session(1);
        s.id = "3f2a91c0-1111-4111-8111-111111111111".into();
        s.title = "Fix the <login> test & \u{1b}[31mmore\u{1b}[0m".into();
        s.cwd = Some("/home/ann/proj".into());
        let mut u = Message::new(Role::User);
        u.blocks.push(Block::text(
            "See <script>alert(1)</script> and [docs](https://example.com/x) ![img](https://e.x/i.png)\n\n\
             | a | b |\n|:-|-:|\n| 1 | 2 |\n\n- [x] done\n- item with `code`\n\n\
             <div onclick=\"x\">raw</div>\n\nbell \u{7} nul \u{0} end ]]> key sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAB7cD0eF esc \u{1b}",
        ));
        let mut a = Message::new(Role::Assistant);
        a.blocks.push(Block::Thinking {
            text: "hmm <b>".into(),
            sealed: false,
        });
        a.blocks
            .push(Block::text("```rust\nfn main() { let x = \"<&>\"; }\n```"));
        a.blocks.push(Block::ToolCall {
            id: "t1".into(),
            name: "Bash".into(),
            input: serde_json::json!({"command": "echo '<hi>' && cat /home/ann/x"}),
        });
        let mut t = Message::new(Role::Tool);
        t.blocks.push(Block::ToolResult {
            call_id: "t1".into(),
            output: "\u{1b}[32mok\u{1b}[0m <done>".into(),
            is_error: false,
        });
        (s, vec![u, a, t])
    }

    #[test]
    fn formats_parse_and_name_files() {
        for f in Format::ALL {
            assert_eq!(f.extension().parse::<Format>().unwrap(), f);
            assert_eq!(f.to_string().parse::<Format>().unwrap(), f);
        }
        assert_eq!("MARKDOWN".parse::<Format>().unwrap(), Format::Markdown);
        assert!("pdf".parse::<Format>().is_err());
        assert_eq!(Format::from_path(Path::new("a/b.htm")), Some(Format::Html));
        assert_eq!(Format::from_path(Path::new("notes.txt")), None);
        assert_eq!(Format::from_path(Path::new("README")), None);
        let (mut s, _) = hostile_session();
        s.title = "Fix the login test!".into();
        assert_eq!(
            file_name(&s, Format::Markdown),
            "claude-3f2a91c0-fix-the-login-test.md"
        );
        s.title = "日本語".into();
        assert_eq!(file_name(&s, Format::Html), "claude-3f2a91c0.html");
        s.extra.name =
            Some("../../etc/passwd a very long name that goes on and on and on forever".into());
        let name = file_name(&s, Format::Json);
        assert_eq!(
            name,
            "claude-3f2a91c0-etc-passwd-a-very-long-name-that-goes-on-and-on.json"
        );
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        );
    }

    #[test]
    fn files_are_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        assert!(write_atomically(&dir.path().join("no/such/dir.md"), b"x").is_err());
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "a temporary file was left behind");
    }

    #[test]
    fn render_redacts_a_copy() {
        let (s, m) = hostile_session();
        let r = Redactor::new(Some(Path::new("/home/ann")), Some("ann"));
        for f in Format::ALL {
            let (doc, report) = render(f, &s, &m, Some(&r));
            assert!(!doc.contains("sk-proj-"), "{f}");
            assert!(!doc.contains("/home/ann"), "{f}");
            assert!(doc.contains("[REDACTED:openai-key]"), "{f}");
            assert_eq!(report.count(crate::redact::Kind::OpenaiKey), 1, "{f}");
            assert_eq!(report.count(crate::redact::Kind::HomePath), 2, "{f}");
        }
        // the session given is untouched, and without a redactor nothing is counted
        assert_eq!(s.cwd.as_deref(), Some("/home/ann/proj"));
        let (doc, report) = render(Format::Markdown, &s, &m, None);
        assert!(doc.contains("sk-proj-") && report.is_empty());
    }

    #[test]
    fn html_is_escaped_inert_and_offline() {
        let (s, m) = hostile_session();
        let (doc, _) = render(Format::Html, &s, &m, None);
        assert!(!doc.contains("<script"), "{doc}");
        assert!(doc.contains("&lt;script&gt;") && doc.contains("alert(1)"));
        assert!(!doc.contains("<div onclick"));
        assert!(!doc.contains("href=") && !doc.contains("src="));
        assert!(doc.contains("⟨https://example.com/x⟩"));
        assert!(!doc.contains('\u{1b}') && !doc.contains('\u{7}') && !doc.contains('\u{0}'));
        assert!(
            doc.contains("bell ␇ nul ␀") && doc.contains("esc ␛"),
            "{doc}"
        );
        assert!(doc.contains("<title>Fix the &lt;login&gt; test &amp; more</title>"));
        assert!(doc.contains("<table>") && doc.contains("<td style=\"text-align:right\">2</td>"));
        assert!(doc.contains("☑ done"));
        // the tool call holds its result; the tool message is not shown on its own
        assert_eq!(doc.matches("<details class=\"tool\">").count(), 1);
        assert!(!doc.contains("Tool output"));
        assert!(doc.contains("ok &lt;done&gt;"));
        assert!(doc.contains("<details class=\"thinking\">"));
        // highlighted in both themes: a class per colour pair, with a dark variant
        assert!(doc.contains("class=\"k0\""));
        assert!(doc.contains(".k0{color:#"));
        // balanced
        for tag in [
            "details", "section", "pre", "table", "p", "ul", "li", "span", "div",
        ] {
            let open =
                doc.matches(&format!("<{tag}>")).count() + doc.matches(&format!("<{tag} ")).count();
            let close = doc.matches(&format!("</{tag}>")).count();
            assert_eq!(open, close, "<{tag}> opened {open}, closed {close}");
        }
    }

    #[test]
    fn fences_outgrow_content() {
        assert_eq!(fence("no ticks"), "```");
        assert_eq!(fence("a ```` b"), "`````");
    }

    #[test]
    fn summaries() {
        assert_eq!(
            tool_summary("Bash", &serde_json::json!({"command": "ls -la\nrm x"})),
            "ls -la rm x"
        );
        assert_eq!(
            tool_summary("Read", &serde_json::json!({"file_path": "/a/b.rs"})),
            "/a/b.rs"
        );
        assert_eq!(
            tool_summary("apply_patch", &serde_json::json!("*** Begin Patch\n...")),
            "*** Begin Patch"
        );
        assert_eq!(
            tool_summary("exec", &serde_json::json!({"cmd": ["bash", "-lc", "ls"]})),
            "bash -lc ls"
        );
    }
}
