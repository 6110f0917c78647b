//! The application state: plain data that `update` changes and `ui::render` reads.

use super::keymap::{Keymap, Mode};
use crate::index::writer::Progress;
use crate::model::{Block, Message, Role, Session};
use crate::{sanitize, text};
use chrono::{DateTime, Utc};
use ratatui::layout::Rect;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Transcript,
}

/// Where each part of the screen goes; computed from the size and focus only, shared by
/// `update` (page sizes, wrap width, mouse hit-testing) and `render`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AppLayout {
    pub banner: Option<Rect>,
    pub list: Option<Rect>,
    pub transcript: Option<Rect>,
    pub status: Rect,
}

impl AppLayout {
    /// Two panes side by side from 100 columns; one pane (the focused one) below that.
    pub fn compute(size: (u16, u16), focus: Focus, banner: bool) -> AppLayout {
        let (w, h) = size;
        let mut y = 0;
        let banner_rect = if banner && h > 3 {
            y = 1;
            Some(Rect::new(0, 0, w, 1))
        } else {
            None
        };
        let body_h = h.saturating_sub(y + 1);
        let status = Rect::new(0, h.saturating_sub(1), w, h.min(1));
        let body = Rect::new(0, y, w, body_h);
        if w >= 100 {
            let lw = (w as u32 * 45 / 100).max(40) as u16;
            AppLayout {
                banner: banner_rect,
                list: Some(Rect::new(0, y, lw, body_h)),
                transcript: Some(Rect::new(lw, y, w - lw, body_h)),
                status,
            }
        } else {
            let (list, transcript) = match focus {
                Focus::List => (Some(body), None),
                Focus::Transcript => (None, Some(body)),
            };
            AppLayout {
                banner: banner_rect,
                list,
                transcript,
                status,
            }
        }
    }

    /// Rows of sessions visible in the list pane (inside its border, below the header).
    pub fn list_rows(&self) -> usize {
        self.list
            .map(|r| r.height.saturating_sub(3) as usize)
            .unwrap_or(0)
    }

    /// Lines visible in the transcript pane (inside its border, below the title line).
    pub fn transcript_rows(&self) -> usize {
        self.transcript
            .map(|r| r.height.saturating_sub(2) as usize)
            .unwrap_or(0)
    }

    pub fn transcript_width(&self) -> u16 {
        self.transcript
            .map(|r| r.width.saturating_sub(2))
            .unwrap_or(0)
    }
}

/// What a transcript line is, for styling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// A message header; the role says which.
    Header(Role),
    Text,
    /// Injected context on the person's side.
    Meta,
    Thinking,
    ToolCall,
    ToolResult,
    ToolError,
    Notice,
    Blank,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TLine {
    pub kind: LineKind,
    pub text: String,
    /// Part of a subagent conversation (drawn indented).
    pub sidechain: bool,
}

#[derive(Debug, Clone, Default)]
pub struct TranscriptState {
    /// The session shown.
    pub key: Option<String>,
    pub generation: u64,
    pub loading: bool,
    pub messages: Arc<Vec<Message>>,
    /// Lines for the current width.
    pub lines: Vec<TLine>,
    pub width: u16,
    pub scroll: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Status {
    pub indexing: Option<Progress>,
    pub info: Option<String>,
    pub error: Option<String>,
    /// Records skipped while indexing (see `revisit doctor`).
    pub skipped: u64,
}

#[derive(Debug, Clone)]
pub struct AppState {
    pub keymap: Keymap,
    pub now: DateTime<Utc>,
    pub size: (u16, u16),
    pub layout: AppLayout,
    pub sessions: Vec<Session>,
    /// The first list has arrived.
    pub loaded: bool,
    pub selected: usize,
    pub list_offset: usize,
    pub focus: Focus,
    pub help: bool,
    pub transcript: TranscriptState,
    pub status: Status,
    /// A line across the top (the demo notice).
    pub banner: Option<String>,
    /// Generation counter for queries; replies with an older generation are dropped.
    pub generation: u64,
    pub list_generation: u64,
    pub quit: bool,
}

impl AppState {
    pub fn new(now: DateTime<Utc>, size: (u16, u16), banner: Option<String>) -> AppState {
        let layout = AppLayout::compute(size, Focus::List, banner.is_some());
        AppState {
            keymap: Keymap::default(),
            now,
            size,
            layout,
            sessions: Vec::new(),
            loaded: false,
            selected: 0,
            list_offset: 0,
            focus: Focus::List,
            help: false,
            transcript: TranscriptState::default(),
            status: Status::default(),
            banner,
            generation: 0,
            list_generation: 0,
            quit: false,
        }
    }

    pub fn mode(&self) -> Mode {
        if self.help {
            Mode::Help
        } else {
            match self.focus {
                Focus::List => Mode::List,
                Focus::Transcript => Mode::Transcript,
            }
        }
    }

    pub fn selected_session(&self) -> Option<&Session> {
        self.sessions.get(self.selected)
    }

    pub fn relayout(&mut self) {
        self.layout = AppLayout::compute(self.size, self.focus, self.banner.is_some());
    }
}

/// One-line preview of the first line of `s`.
fn first_line(s: &str) -> String {
    sanitize::one_line(s.lines().find(|l| !l.trim().is_empty()).unwrap_or(""))
}

fn line(kind: LineKind, text: String, sidechain: bool) -> TLine {
    TLine {
        kind,
        text,
        sidechain,
    }
}

fn header_text(m: &Message) -> String {
    let who = match (m.role, m.meta) {
        (Role::User, false) => "You",
        (Role::User, true) => "Context",
        (Role::Assistant, _) => "Assistant",
        (Role::Tool, _) => "Tool result",
        (Role::System, _) => "System",
    };
    let mut parts = vec![who.to_string()];
    if m.sidechain {
        parts.push("subagent".into());
    }
    if let Some(model) = &m.model {
        parts.push(sanitize::one_line(model));
    }
    if let Some(t) = &m.time {
        parts.push(t.format("%Y-%m-%d %H:%M:%S").to_string());
    }
    parts.join(" · ")
}

/// Flatten messages into display lines for a width (text wrapped, tool calls one line each).
pub fn build_lines(messages: &[Message], width: u16) -> Vec<TLine> {
    let w = (width as usize).max(10);
    let mut out = Vec::new();
    for m in messages {
        let sc = m.sidechain;
        let inner = if sc { w.saturating_sub(2).max(8) } else { w };
        out.push(line(LineKind::Header(m.role), header_text(m), sc));
        for b in &m.blocks {
            match b {
                Block::Text { text } => {
                    let kind = if m.meta {
                        LineKind::Meta
                    } else {
                        LineKind::Text
                    };
                    let clean = sanitize::sanitize(text);
                    let body = if m.meta {
                        // injected context: one line is enough
                        text::wrap_line(&first_line(&clean), inner)
                            .into_iter()
                            .take(1)
                            .collect()
                    } else {
                        text::wrap(clean.trim_end(), inner)
                    };
                    for l in body {
                        out.push(line(kind, l, sc));
                    }
                }
                Block::Thinking { text, sealed } => {
                    let t = if *sealed || text.trim().is_empty() {
                        "∴ thinking (not recorded)".to_string()
                    } else {
                        format!("∴ {}", first_line(text))
                    };
                    out.push(line(LineKind::Thinking, text::fit(&t, inner), sc));
                }
                Block::ToolCall { name, input, .. } => {
                    let summary = crate::export::tool_summary(name, input);
                    let t = format!("⚙ {}  {}", sanitize::one_line(name), summary);
                    out.push(line(LineKind::ToolCall, text::fit(t.trim_end(), inner), sc));
                }
                Block::ToolResult {
                    output, is_error, ..
                } => {
                    let n = output.lines().count();
                    let preview = first_line(output);
                    let t = format!(
                        "{} {} line{}  {}",
                        if *is_error { "✗" } else { "↳" },
                        n,
                        if n == 1 { "" } else { "s" },
                        preview
                    );
                    let kind = if *is_error {
                        LineKind::ToolError
                    } else {
                        LineKind::ToolResult
                    };
                    out.push(line(kind, text::fit(t.trim_end(), inner), sc));
                }
                Block::Notice { text: t, .. } => {
                    for l in text::wrap(&format!("• {}", first_line(t)), inner) {
                        out.push(line(LineKind::Notice, l, sc));
                    }
                }
                Block::Attachment { kind, description } => {
                    out.push(line(
                        LineKind::Notice,
                        text::fit(
                            &format!(
                                "[{}: {}]",
                                sanitize::one_line(kind),
                                sanitize::one_line(description)
                            ),
                            inner,
                        ),
                        sc,
                    ));
                }
            }
        }
        out.push(line(LineKind::Blank, String::new(), false));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_two_panes_when_wide() {
        let l = AppLayout::compute((140, 40), Focus::List, false);
        assert!(l.list.is_some() && l.transcript.is_some());
        let l = AppLayout::compute((80, 24), Focus::List, false);
        assert!(l.list.is_some() && l.transcript.is_none());
        let l = AppLayout::compute((80, 24), Focus::Transcript, true);
        assert!(l.list.is_none() && l.transcript.is_some());
        assert_eq!(l.banner, Some(Rect::new(0, 0, 80, 1)));
        assert_eq!(l.status, Rect::new(0, 23, 80, 1));
    }

    #[test]
    fn lines_for_blocks() {
        let mut m = Message::new(Role::Assistant);
        m.blocks = vec![
            Block::Thinking {
                text: String::new(),
                sealed: true,
            },
            Block::text("hello\u{1b}[31m red"),
            Block::ToolCall {
                id: "1".into(),
                name: "Bash".into(),
                input: serde_json::json!({"command": "ls -la"}),
            },
        ];
        let lines = build_lines(&[m], 60);
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "Assistant",
                "∴ thinking (not recorded)",
                "hello red",
                "⚙ Bash  ls -la",
                ""
            ]
        );
    }
}
