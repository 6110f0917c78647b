//! Sessions as documents: Markdown (readable, tool calls as `<details>` blocks) and JSON.

use crate::model::{Block, Message, Role, Session, rfc3339};
use crate::sanitize;
use serde::Serialize;

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

fn role_heading(m: &Message) -> &'static str {
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
    let mut out = String::new();
    out.push_str(&format!("# {}\n\n", sanitize::one_line(&s.title)));
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
    out.push_str(&format!(
        "- Messages: {} ({} prompts, {} tool calls)\n",
        s.messages, s.prompts, s.tool_calls
    ));
    if s.tokens_known {
        let t = &s.tokens;
        out.push_str(&format!(
            "- Tokens: {} input, {} output, {} cache read, {} cache write\n",
            t.input, t.output, t.cache_read, t.cache_write
        ));
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
                    "<details><summary>Tool call: {name}{}</summary>\n\n",
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
        }
    }
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
