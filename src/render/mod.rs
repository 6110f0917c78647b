//! Turning message content into styled, wrapped lines for the transcript: Markdown for answers,
//! syntax-highlighted code, diffs. Output is semantic (`SpanStyle`); the UI theme decides the
//! colours. Pure functions of (text, width, highlighter): no terminal types.
//!
//! Entry points: [`markdown()`], [`code()`], [`diff()`], [`tool_input()`]; highlighting with a
//! [`Highlighter`] (load it with [`Highlighter::preload`], use it once [`Highlighter::get`]
//! returns it). Every line they return is at most `width` columns wide, and all session text goes
//! through [`crate::sanitize::sanitize`] before it becomes a span.

use serde::{Deserialize, Serialize};

pub mod code;
pub mod highlight;
pub mod markdown;
pub mod tool;
mod wrap;

pub use code::{code, diff};
pub use highlight::{
    HIGHLIGHT_MAX_BYTES, HIGHLIGHT_MAX_LINE_BYTES, HIGHLIGHT_MAX_LINES, HIGHLIGHT_TIME_BUDGET,
    Highlighter, Language, SyntaxTheme,
};
pub use markdown::markdown;
pub use tool::tool_input;

/// What a piece of text is; the theme maps each to a terminal style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SpanStyle {
    /// Plain text of the message's role.
    Text,
    Strong,
    Emphasis,
    StrongEmphasis,
    Strikethrough,
    /// `inline code`
    InlineCode,
    /// A heading of level 1–6.
    Heading(u8),
    Link,
    /// The URL shown after a link's text.
    LinkUrl,
    Quote,
    /// Bullets, numbers, table borders, rules.
    Punctuation,
    /// Muted text (metadata, folded summaries, notes).
    Muted,
    /// Code without highlighting (unknown language, or past the highlighting limit).
    Code,
    /// A code token coloured by the syntax highlighter (24-bit colour from its theme).
    Syntax {
        r: u8,
        g: u8,
        b: u8,
        bold: bool,
        italic: bool,
    },
    DiffAdded,
    DiffRemoved,
    /// `@@ … @@`, file headers.
    DiffHeader,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyledSpan {
    pub text: String,
    pub style: SpanStyle,
}

/// One screen line: spans whose total display width is at most the width asked for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StyledLine {
    pub spans: Vec<StyledSpan>,
}

impl StyledLine {
    pub fn plain(text: impl Into<String>, style: SpanStyle) -> StyledLine {
        StyledLine {
            spans: vec![StyledSpan {
                text: text.into(),
                style,
            }],
        }
    }

    /// The line's text without styles.
    pub fn text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }

    pub fn width(&self) -> usize {
        self.spans.iter().map(|s| crate::text::width(&s.text)).sum()
    }
}
