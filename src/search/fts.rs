//! What goes into the FTS5 index, and how.
//!
//! The table uses SQLite's `unicode61` tokenizer (diacritics folded). Two transformations make
//! it fit session text:
//! - CJK characters are indexed one per token (a space is put around each), because unicode61
//!   would otherwise make a whole run of CJK text one token; a CJK query becomes a phrase of
//!   single characters, which matches the characters next to each other.
//! - Identifiers (`src/main.rs`, `snake_case`, `ERR-42`) are split by unicode61 at `/ . _ -`;
//!   a query for the whole identifier becomes a phrase of its parts, which matches it whole.
//!
//! Tool outputs are indexed up to [`TOOL_OUTPUT_CAP`] bytes (head and tail); prompts, answers and
//! thinking are indexed in full.

use crate::model::{Block, Message};

/// Bytes of one tool output (or input) that are indexed: the first 12 KiB and the last 4 KiB.
pub const TOOL_OUTPUT_CAP: usize = 16 * 1024;
const HEAD: usize = 12 * 1024;

/// Is this a character indexed one per token?
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF     // Hiragana, Katakana
        | 0x3400..=0x4DBF   // CJK Extension A
        | 0x4E00..=0x9FFF   // CJK Unified Ideographs
        | 0xAC00..=0xD7AF   // Hangul syllables
        | 0x1100..=0x11FF   // Hangul Jamo
        | 0xF900..=0xFAFF   // CJK compatibility ideographs
        | 0x20000..=0x2FFFF // Extensions B and later
    )
}

/// Put spaces around CJK characters.
pub fn segment(text: &str) -> String {
    if !text.chars().any(is_cjk) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    for c in text.chars() {
        if is_cjk(c) {
            out.push(' ');
            out.push(c);
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The indexed part of a long tool text: head and tail.
pub fn capped(s: &str) -> &str {
    if s.len() <= TOOL_OUTPUT_CAP {
        s
    } else {
        &s[..floor_boundary(s, HEAD)]
    }
}

fn tail(s: &str) -> &str {
    if s.len() <= TOOL_OUTPUT_CAP {
        ""
    } else {
        let start = s.len() - (TOOL_OUTPUT_CAP - HEAD);
        let mut i = start;
        while i < s.len() && !s.is_char_boundary(i) {
            i += 1;
        }
        &s[i..]
    }
}

/// The text indexed for one message.
pub fn message_text(m: &Message) -> String {
    let mut out = String::new();
    let mut push = |s: &str| {
        if s.is_empty() {
            return;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(s);
    };
    for b in &m.blocks {
        match b {
            Block::Text { text } => push(text),
            Block::Thinking { text, .. } => push(text),
            Block::Notice { text, .. } => push(text),
            Block::Attachment { .. } => {}
            Block::ToolCall { name, input, .. } => {
                push(name);
                let raw = match input {
                    serde_json::Value::String(s) => s.clone(),
                    v => v.to_string(),
                };
                push(capped(&raw));
                push(tail(&raw));
            }
            Block::ToolResult { output, .. } => {
                push(capped(output));
                push(tail(output));
            }
        }
    }
    segment(&out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    #[test]
    fn segments_cjk() {
        assert_eq!(segment("ab 你好c"), "ab  你  好 c");
        assert_eq!(segment("plain"), "plain");
    }

    #[test]
    fn caps_tool_output_not_prompts() {
        let big = "x".repeat(100_000);
        let mut m = Message::new(Role::Tool);
        m.blocks.push(Block::ToolResult {
            call_id: "1".into(),
            output: big.clone(),
            is_error: false,
        });
        assert!(message_text(&m).len() <= TOOL_OUTPUT_CAP + 2);
        let mut p = Message::new(Role::User);
        p.blocks.push(Block::text(big.clone()));
        assert_eq!(message_text(&p).len(), big.len());
    }

    #[test]
    fn cap_respects_char_boundaries() {
        let s = "é".repeat(20_000);
        let _ = capped(&s);
        let _ = tail(&s);
    }
}
