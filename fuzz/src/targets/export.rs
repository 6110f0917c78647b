//! Export and redaction: whatever a session holds, every format renders without a panic,
//! redacted or not; the JSON export is JSON; the HTML page runs and fetches nothing (no tag
//! of it is a script, has an event handler, a link or a source: the session's text is all
//! escaped); and redacting twice changes nothing more (a redaction marker is not itself a
//! secret).

use revisit::export::{Format, render};
use revisit::model::{Block, Message, Role};
use revisit::redact::Redactor;
use std::path::Path;

pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    // the input cut into the places a session's text can be: title, cwd, a prompt, thinking,
    // a tool call's input, its output, a notice
    let parts: Vec<&str> = text.split('\u{1}').collect();
    let part = |i: usize| parts.get(i).copied().unwrap_or("");
    let mut s = revisit::model::Session {
        title: part(0).to_string(),
        cwd: Some(part(1).to_string()).filter(|c| !c.is_empty()),
        ..demo_session()
    };
    s.first_prompt = Some(part(2).to_string());
    let mut user = Message::new(Role::User);
    user.blocks.push(Block::text(part(2)));
    let mut reply = Message::new(Role::Assistant);
    reply.blocks.push(Block::Thinking {
        text: part(3).to_string(),
        sealed: false,
    });
    let input =
        serde_json::from_str(part(4)).unwrap_or_else(|_| serde_json::json!({ "command": part(4) }));
    reply.blocks.push(Block::ToolCall {
        id: "c1".into(),
        name: "Bash".into(),
        input,
    });
    let mut out = Message::new(Role::Tool);
    out.blocks.push(Block::ToolResult {
        call_id: "c1".into(),
        output: part(5).to_string(),
        is_error: data.first().is_some_and(|b| b & 1 == 1),
    });
    let mut notice = Message::new(Role::System);
    notice.blocks.push(Block::Notice {
        kind: "compaction".into(),
        text: part(6).to_string(),
    });
    let messages = vec![user, reply, out, notice];
    let r = Redactor::new(Some(Path::new("/home/dev")), Some("dev"));
    for format in [Format::Markdown, Format::Html, Format::Json] {
        for redactor in [None, Some(&r)] {
            let (doc, _) = render(format, &s, &messages, redactor);
            match format {
                Format::Json => {
                    serde_json::from_str::<serde_json::Value>(&doc)
                        .unwrap_or_else(|e| panic!("the JSON export is not JSON: {e}"));
                }
                Format::Html => html_runs_nothing(&doc),
                Format::Markdown => {}
            }
        }
    }
    let once = r.redact(&text).into_owned();
    assert_eq!(r.redact(&once), once, "redacting again changed {once:?}");
}

fn demo_session() -> revisit::model::Session {
    revisit::model::Session {
        agent: revisit::model::Agent::Claude,
        id: "0193f553-8f88-44bd-8909-778056bdcb54".into(),
        title: String::new(),
        cwd: None,
        project: None,
        models: vec!["claude-sonnet-4-5".into()],
        git_branch: Some("main".into()),
        started_at: None,
        updated_at: None,
        prompts: 1,
        messages: 4,
        tool_calls: 1,
        subagents: 0,
        tokens: Default::default(),
        tokens_known: true,
        cost_usd: None,
        unpriced_turns: 0,
        source: "/home/dev/.claude/projects/-home-dev-x/0193f553.jsonl".into(),
        resume: None,
        parse_errors: 0,
        key: "claude:0193f553-8f88-44bd-8909-778056bdcb54".into(),
        first_prompt: None,
        status: None,
        extra: Default::default(),
    }
}

/// Every tag of the page (text is escaped, so each `<` opens one of the page's own tags):
/// none runs or fetches anything.
fn html_runs_nothing(doc: &str) {
    let mut rest = doc;
    while let Some(i) = rest.find('<') {
        let tail = &rest[i..];
        let end = tail.find('>').unwrap_or(tail.len());
        let tag = tail[..end].to_lowercase();
        for bad in [
            "script",
            "javascript:",
            "href",
            "src=",
            "iframe",
            "object",
            "embed",
        ] {
            assert!(!tag.contains(bad), "{bad} in the tag {tag:?}");
        }
        assert!(
            !tag.split_whitespace().skip(1).any(|a| a.starts_with("on")),
            "an event handler in the tag {tag:?}"
        );
        // `end` is at least 1 (the tag starts with `<`): the rest is shorter each time
        rest = &tail[end..];
    }
}
