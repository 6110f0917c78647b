//! What arrives (`Msg`), what the person asks for (`Action`, named in the keymap) and what
//! `update` asks the runtime to do (`Effect`).

use super::transcript::units::Unit;
use crate::index::writer::Progress;
use crate::model::Session;
use crate::search::fts::SessionHits;
use crate::search::list::{Row, SortKey};
use crate::search::query::Query;
use crossterm::event::{KeyEvent, MouseEvent};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Everything that reaches `update`.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    /// The session list, re-read from the index.
    Sessions {
        generation: u64,
        sessions: Vec<Session>,
    },
    /// Some sessions of the list, re-read from the index after a write changed them: those
    /// still there (`changed`), and the keys asked for that are gone (`gone`).
    SessionsChanged {
        generation: u64,
        changed: Vec<Session>,
        gone: Vec<String>,
    },
    /// The list's rows for a query (fuzzy mode), computed off the UI thread.
    Filtered {
        generation: u64,
        rows: Vec<Row>,
    },
    /// Sessions matching a full-text query, best first.
    FullText {
        generation: u64,
        hits: Vec<SessionHits>,
    },
    /// One session's messages, and their units (built off the UI thread).
    Transcript {
        generation: u64,
        key: String,
        messages: Arc<crate::packed::Packed>,
        units: Arc<Vec<Unit>>,
        /// Pi: the branch these messages are (its last entry), when not the active one.
        branch_leaf: Option<String>,
    },
    /// Find hits in a long transcript, found off the UI thread.
    FindHits {
        generation: u64,
        units: Arc<Vec<Unit>>,
        needles: Vec<String>,
        hits: Vec<usize>,
    },
    /// Statistics computed for the stats pane.
    Stats {
        generation: u64,
        stats: Arc<crate::stats::Stats>,
        /// The most expensive sessions (most first).
        top: Vec<crate::stats::Group>,
    },
    /// A line for the status bar from the runtime.
    Info(String),
    /// A program the terminal was handed to has exited (or could not start).
    ExternalDone {
        what: String,
        error: Option<String>,
    },
    /// A session cannot be resumed as asked, but can be another way: ask first.
    ResumeAsk {
        question: String,
        plan: Box<crate::resume::Plan>,
    },
    /// A session is not handed to its agent (why, for the status line).
    ResumeRefused(String),
    /// The agent the terminal was handed to has exited (or could not start).
    ResumeDone {
        plan: Box<crate::resume::Plan>,
        /// How it ended (`exit 0`), or why it could not run.
        outcome: Result<String, String>,
        success: bool,
    },
    /// The keeper finished a job: a line for the status bar, and what to read again.
    Kept {
        outcome: Result<String, String>,
        /// Names or tags changed: read the list again.
        reload: bool,
        /// Files changed (archive, trash): bring the index up to date.
        reindex: bool,
        /// Select this session once it is listed (one put back from the trash).
        select: Option<String>,
    },
    /// What deleting a session would move: ask before it happens.
    DeleteAsk(Box<crate::keep::trash::DeletePlan>),
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
        /// A pass for changes the watcher saw, or a catch-up after an agent ran: no message
        /// for it.
        live: bool,
    },
    /// How the stores are watched (roots, and native events, polling or waiting).
    Watching(Vec<(std::path::PathBuf, crate::watch::Mode)>),
    IndexFailed(String),
    /// Another revisit wrote the index (this one follows it): read again the sessions it
    /// wrote, or the whole list (`None`: which ones cannot be told).
    IndexChangedElsewhere {
        changed: Option<Vec<String>>,
    },
    /// The clock moved (ages in the list).
    Tick(chrono::DateTime<chrono::Utc>),
}

impl Msg {
    /// What a refused resume becomes: a question when there is another way (a directory that
    /// is gone, an agent that can resume from elsewhere), else a line in the status bar.
    pub fn from_refusal(e: crate::resume::Refusal) -> Msg {
        match e {
            crate::resume::Refusal::DirectoryGone {
                elsewhere: Some(ref plan),
                ..
            } => Msg::ResumeAsk {
                question: e.to_string(),
                plan: plan.clone(),
            },
            e => Msg::ResumeRefused(e.to_string()),
        }
    }
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
    /// Focus the search box (fuzzy list filter).
    Search,
    /// Focus the search box in full-text mode.
    FullTextSearch,
    /// Search box: keep the query and go back to the list.
    KeepSearch,
    /// Search box: clear the query and go back to the list.
    ClearSearch,
    /// Search box: fuzzy ↔ full text.
    ToggleSearchMode,
    /// List: clear an active filter, or quit when there is none.
    ClearOrQuit,
    CycleSort,
    ToggleGroup,
    /// Transcript: next / previous search hit.
    NextHit,
    PrevHit,
    /// Transcript: fold or unfold the unit under the cursor.
    ToggleFold,
    /// Transcript: all folded → summaries → everything open.
    CycleFoldLevel,
    /// Transcript: show or hide thinking everywhere.
    ToggleThinking,
    /// Transcript: move the cursor to the next / previous unit.
    NextUnit,
    PrevUnit,
    NextPrompt,
    PrevPrompt,
    /// Transcript: next / previous failed tool call.
    NextError,
    PrevError,
    HalfPageDown,
    HalfPageUp,
    /// Transcript: search its text.
    FindInTranscript,
    /// Copy the unit under the cursor (message, code block, tool output).
    Copy,
    CopyId,
    CopyResume,
    /// Open the session as Markdown in `$PAGER`.
    OpenPager,
    /// Open the session's file in `$EDITOR` (a read-only copy).
    OpenEditor,
    /// Pi: show the branch that forks at the cursor.
    SwitchBranch,
    /// Open the stats pane for the current filter.
    Stats,
    /// Stats: the next breakdown (day, week, month, project, model, agent, session).
    StatsBy,
    /// Stats: the next date range.
    StatsRange,
    /// Hand the terminal to the session's agent, resuming it.
    Resume,
    /// The agent's continue-latest flag, in the session's directory.
    ContinueLatest,
    /// Stop revisit like a shell job (Ctrl-Z); `fg` brings it back.
    Suspend,
    /// Answer yes to the question shown.
    Confirm,
    /// Answer no.
    Cancel,
    /// Export the session (Markdown, HTML or JSON; redacted unless turned off).
    Export,
    /// Keep a copy of the session in revisit's archive.
    Archive,
    /// Give the session a name of your own.
    Rename,
    /// Edit the session's tags.
    Tag,
    /// Delete the session: its files move to revisit's trash, after a question.
    Delete,
    /// Put the last deleted session back.
    Undo,
    /// In a prompt: the next choice (the export format).
    NextChoice,
    /// In the export prompt: redaction on or off.
    ToggleRedact,
}

impl Action {
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// A request for the list's rows, answered by the filter worker.
#[derive(Debug, Clone)]
pub struct FilterReq {
    pub generation: u64,
    pub sessions: Arc<Vec<Session>>,
    /// Which version of the list `sessions` is, and how it was made from the one before.
    pub stamp: crate::app::state::ListStamp,
    pub query: Query,
    pub sort: SortKey,
    pub group: bool,
    pub now: chrono::DateTime<chrono::Utc>,
}

/// Side effects `update` asks for; the runtime performs them.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Read the list again: all of it (`only: None`), or only these sessions.
    LoadSessions {
        generation: u64,
        only: Option<Vec<String>>,
    },
    LoadTranscript {
        generation: u64,
        key: String,
    },
    /// Look for the find box's words in a long transcript.
    Find {
        generation: u64,
        messages: Arc<crate::packed::Packed>,
        units: Arc<Vec<Unit>>,
        needles: Vec<String>,
    },
    /// Compute the list's rows (fuzzy words, filters, sort, grouping).
    Filter(FilterReq),
    /// Run a full-text query.
    FullText {
        generation: u64,
        query: Query,
        now: chrono::DateTime<chrono::Utc>,
    },
    /// Compute statistics over some sessions.
    Stats {
        generation: u64,
        sessions: Arc<Vec<Session>>,
        /// The sessions of the current filter (indices into `sessions`).
        chosen: Vec<usize>,
        range: crate::stats::Range,
        by: crate::stats::By,
        tz: chrono::FixedOffset,
    },
    /// Put text on the clipboard (OSC 52: works over SSH and in tmux).
    Copy {
        text: String,
        what: String,
    },
    /// Put a session's resume command on the clipboard (built then: the list holds none), or
    /// say that its agent cannot resume it.
    CopyResume(Box<Session>),
    /// Hand the terminal to a program and take it back when it exits.
    External(External),
    /// Check a session's resume command (or continue-latest) and hand the terminal to it.
    Resume {
        session: Box<Session>,
        kind: crate::resume::Kind,
    },
    /// Run a checked command (the person said yes to it).
    RunPlan(Box<crate::resume::Plan>),
    /// Stop revisit like a shell job until `fg`.
    Suspend,
    /// Bring the index up to date now (after an agent ran).
    Reindex,
    /// Work on revisit's own data (export, archive, names, tags, trash), off the UI thread.
    Keep(KeepJob),
    /// Pi: load the next branch that forks at a branch notice.
    SwitchBranch {
        generation: u64,
        key: String,
        /// The notice's `native_id` (`branch@<entry>`).
        at: String,
        /// The branch shown now (None: the active one).
        leaf: Option<String>,
    },
    Quit,
}

/// What the keeper thread does.
#[derive(Debug, Clone, PartialEq)]
pub enum KeepJob {
    Export {
        session: Box<Session>,
        path: std::path::PathBuf,
        format: crate::export::Format,
        redact: bool,
    },
    Archive(Box<Session>),
    Rename {
        key: String,
        name: Option<String>,
    },
    Tags {
        key: String,
        tags: Vec<String>,
    },
    /// Work out what deleting would move, and ask.
    PlanDelete(Box<Session>),
    Delete(Box<crate::keep::trash::DeletePlan>),
    /// Restore the newest entry of the trash.
    Undo,
}

/// What the terminal is handed to.
#[derive(Debug, Clone)]
pub enum External {
    /// The session as Markdown in `$PAGER`.
    Pager {
        session: Box<Session>,
        messages: Arc<crate::packed::Packed>,
    },
    /// A read-only copy of the session's file in `$EDITOR`.
    Editor {
        session: Box<Session>,
        messages: Arc<crate::packed::Packed>,
    },
}

impl PartialEq for Effect {
    /// Effects compare by kind and the fields tests care about.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                Effect::LoadSessions {
                    generation: a,
                    only: oa,
                },
                Effect::LoadSessions {
                    generation: b,
                    only: ob,
                },
            ) => a == b && oa == ob,
            (
                Effect::LoadTranscript {
                    generation: a,
                    key: ka,
                },
                Effect::LoadTranscript {
                    generation: b,
                    key: kb,
                },
            ) => a == b && ka == kb,
            (Effect::Filter(a), Effect::Filter(b)) => a.generation == b.generation,
            (Effect::FullText { generation: a, .. }, Effect::FullText { generation: b, .. }) => {
                a == b
            }
            (Effect::Copy { text: a, .. }, Effect::Copy { text: b, .. }) => a == b,
            (Effect::CopyResume(a), Effect::CopyResume(b)) => a.key == b.key,
            (Effect::External(a), Effect::External(b)) => {
                std::mem::discriminant(a) == std::mem::discriminant(b)
            }
            (
                Effect::SwitchBranch {
                    at: a, leaf: la, ..
                },
                Effect::SwitchBranch {
                    at: b, leaf: lb, ..
                },
            ) => a == b && la == lb,
            (Effect::Stats { generation: a, .. }, Effect::Stats { generation: b, .. }) => a == b,
            (
                Effect::Resume {
                    session: a,
                    kind: ka,
                },
                Effect::Resume {
                    session: b,
                    kind: kb,
                },
            ) => a.key == b.key && ka == kb,
            (Effect::RunPlan(a), Effect::RunPlan(b)) => a == b,
            (
                Effect::Find {
                    generation: a,
                    needles: na,
                    ..
                },
                Effect::Find {
                    generation: b,
                    needles: nb,
                    ..
                },
            ) => a == b && na == nb,
            (Effect::Keep(a), Effect::Keep(b)) => a == b,
            (Effect::Suspend, Effect::Suspend)
            | (Effect::Reindex, Effect::Reindex)
            | (Effect::Quit, Effect::Quit) => true,
            _ => false,
        }
    }
}
