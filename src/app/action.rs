//! What arrives (`Msg`), what the person asks for (`Action`, named in the keymap) and what
//! `update` asks the runtime to do (`Effect`).

use crate::index::writer::Progress;
use crate::model::{Message, Session};
use crossterm::event::{KeyEvent, MouseEvent};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Everything that reaches `update`.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// The session list, re-read from the index.
    Sessions {
        generation: u64,
        sessions: Vec<Session>,
    },
    /// One session's messages.
    Transcript {
        generation: u64,
        key: String,
        messages: Arc<Vec<Message>>,
    },
    /// A query failed.
    QueryFailed {
        generation: u64,
        error: String,
    },
    IndexProgress(Progress),
    /// The indexer finished a pass.
    IndexDone {
        sessions: u64,
        errors: u64,
        elapsed_ms: u64,
        changed: Vec<String>,
    },
    IndexFailed(String),
    /// The clock moved (ages in the list).
    Tick(chrono::DateTime<chrono::Utc>),
}

/// A user intent; the keymap names these in snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    ToggleHelp,
    SelectNext,
    SelectPrev,
    PageDown,
    PageUp,
    Top,
    Bottom,
    Open,
    Back,
    FocusNext,
    ScrollDown,
    ScrollUp,
}

impl Action {
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// Side effects `update` asks for; the runtime performs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    LoadSessions { generation: u64 },
    LoadTranscript { generation: u64, key: String },
    Quit,
}
