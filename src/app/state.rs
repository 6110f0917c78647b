//! The application state: plain data that `update` changes and `ui::render` reads.

use super::keymap::{Keymap, Mode};
use crate::index::writer::Progress;
use crate::model::Session;
use crate::search::fts::SessionHits;
use crate::search::list::{Row, SortKey};
use crate::search::query::Query;
use chrono::{DateTime, Utc};
use ratatui::layout::Rect;
use std::collections::HashMap;
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

    /// Lines for rows in the list pane (inside its border, below the header).
    pub fn list_lines(&self) -> usize {
        self.list
            .map(|r| r.height.saturating_sub(3) as usize)
            .unwrap_or(0)
    }

    /// Lines visible in the transcript pane (inside its border, below the info line).
    pub fn transcript_rows(&self) -> usize {
        self.transcript
            .map(|r| r.height.saturating_sub(3) as usize)
            .unwrap_or(0)
    }

    pub fn transcript_width(&self) -> u16 {
        self.transcript
            .map(|r| r.width.saturating_sub(2))
            .unwrap_or(0)
    }
}

pub use super::transcript::TranscriptState;

/// The date range the stats pane covers (on top of the list filter's `since:`/`until:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatsRange {
    /// What the list filter says (all time without a `since:`).
    #[default]
    Filter,
    Days7,
    Days30,
    Days90,
    ThisMonth,
}

impl StatsRange {
    pub fn next(self) -> StatsRange {
        match self {
            StatsRange::Filter => StatsRange::Days7,
            StatsRange::Days7 => StatsRange::Days30,
            StatsRange::Days30 => StatsRange::Days90,
            StatsRange::Days90 => StatsRange::ThisMonth,
            StatsRange::ThisMonth => StatsRange::Filter,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StatsRange::Filter => "all time",
            StatsRange::Days7 => "last 7 days",
            StatsRange::Days30 => "last 30 days",
            StatsRange::Days90 => "last 90 days",
            StatsRange::ThisMonth => "this month",
        }
    }

    /// The range for now, intersected with the query's since/until.
    pub fn range(
        self,
        now: DateTime<Utc>,
        tz: chrono::FixedOffset,
        query: &Query,
    ) -> crate::stats::Range {
        use chrono::{Datelike, TimeZone};
        let local_midnight = |d: chrono::NaiveDate| {
            tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
                .single()
                .map(|t| t.with_timezone(&Utc))
        };
        let today = now.with_timezone(&tz).date_naive();
        let since = match self {
            StatsRange::Filter => None,
            StatsRange::Days7 => local_midnight(today - chrono::Duration::days(6)),
            StatsRange::Days30 => local_midnight(today - chrono::Duration::days(29)),
            StatsRange::Days90 => local_midnight(today - chrono::Duration::days(89)),
            StatsRange::ThisMonth => today.with_day(1).and_then(local_midnight),
        };
        let mut r = crate::stats::Range { since, until: None };
        for f in &query.filters {
            match f {
                crate::search::query::Filter::Since(t) => {
                    r.since = Some(r.since.map_or(*t, |s| s.max(*t)))
                }
                crate::search::query::Filter::Until(t) => {
                    r.until = Some(r.until.map_or(*t, |u| u.min(*t)))
                }
                _ => {}
            }
        }
        r
    }
}

/// The stats pane.
#[derive(Debug, Clone, Default)]
pub struct StatsView {
    pub by: crate::stats::By,
    pub range: StatsRange,
    /// Answers for older requests are dropped.
    pub generation: u64,
    pub loading: bool,
    pub stats: Option<Arc<crate::stats::Stats>>,
    /// The most expensive sessions of the range, most first.
    pub top: Vec<crate::stats::Group>,
    /// Index into `top`.
    pub selected: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Status {
    pub indexing: Option<Progress>,
    pub info: Option<String>,
    pub error: Option<String>,
    /// Records skipped while indexing (see `revisit doctor`).
    pub skipped: u64,
    /// Roots watched, and how many of them are polled (no native events).
    pub watching: Option<(usize, usize)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchMode {
    /// Fuzzy over titles, prompts, projects, agents, models and branches.
    #[default]
    Fuzzy,
    /// Full text of every message (FTS5).
    FullText,
}

/// The one-line search box over the list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchBox {
    pub input: String,
    /// Cursor position in characters.
    pub cursor: usize,
    pub focused: bool,
    pub mode: SearchMode,
    /// Results for the current input are on their way.
    pub pending: bool,
}

impl SearchBox {
    pub fn visible(&self) -> bool {
        self.focused || !self.input.is_empty()
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.input
            .char_indices()
            .nth(char_idx)
            .map(|(i, _)| i)
            .unwrap_or(self.input.len())
    }

    pub fn insert(&mut self, s: &str) {
        let clean: String = s.chars().filter(|c| !c.is_control()).collect();
        let at = self.byte_at(self.cursor);
        self.input.insert_str(at, &clean);
        self.cursor += clean.chars().count();
    }

    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            let a = self.byte_at(self.cursor - 1);
            let b = self.byte_at(self.cursor);
            self.input.replace_range(a..b, "");
            self.cursor -= 1;
        }
    }

    pub fn delete(&mut self) {
        let n = self.input.chars().count();
        if self.cursor < n {
            let a = self.byte_at(self.cursor);
            let b = self.byte_at(self.cursor + 1);
            self.input.replace_range(a..b, "");
        }
    }

    /// Delete the word before the cursor (Ctrl-W).
    pub fn delete_word(&mut self) {
        let chars: Vec<char> = self.input.chars().collect();
        let mut i = self.cursor;
        while i > 0 && chars[i - 1].is_whitespace() {
            i -= 1;
        }
        while i > 0 && !chars[i - 1].is_whitespace() {
            i -= 1;
        }
        let a = self.byte_at(i);
        let b = self.byte_at(self.cursor);
        self.input.replace_range(a..b, "");
        self.cursor = i;
    }

    pub fn clear(&mut self) {
        self.input.clear();
        self.cursor = 0;
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.input.chars().count());
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.input.chars().count();
    }
}

/// A question waiting for yes or no, and what yes runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub question: String,
    pub yes: Yes,
}

/// What a yes does.
#[derive(Debug, Clone, PartialEq)]
pub enum Yes {
    /// Run a resume command (from another directory).
    Resume(Box<crate::resume::Plan>),
    /// Move a session's files to the trash.
    Delete(Box<crate::keep::trash::DeletePlan>),
}

/// A line of text being typed in answer to a question (a name, tags, where to export).
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: SearchBox,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PromptKind {
    Rename {
        key: String,
        title: String,
    },
    Tags {
        key: String,
    },
    Export {
        session: Box<Session>,
        format: crate::export::Format,
        redact: bool,
    },
}

impl Prompt {
    pub fn new(kind: PromptKind, text: &str) -> Prompt {
        let mut input = SearchBox {
            focused: true,
            ..Default::default()
        };
        input.insert(text);
        Prompt { kind, input }
    }

    /// The question, shown before the text.
    pub fn label(&self) -> String {
        match &self.kind {
            PromptKind::Rename { .. } => "Name (empty: the title)".into(),
            PromptKind::Tags { .. } => "Tags (space-separated)".into(),
            PromptKind::Export { format, redact, .. } => format!(
                "Export {} {}",
                match format {
                    crate::export::Format::Markdown => "Markdown",
                    crate::export::Format::Html => "HTML",
                    crate::export::Format::Json => "JSON",
                },
                if *redact { "redacted" } else { "NOT redacted" }
            ),
        }
    }
}

#[derive(Debug, Clone)]
pub struct AppState {
    pub keymap: Keymap,
    pub now: DateTime<Utc>,
    /// The local time zone's offset (dates in queries are local days).
    pub tz: chrono::FixedOffset,
    pub size: (u16, u16),
    pub layout: AppLayout,
    /// Every session in the index: most recent first as the list was read, then those writes
    /// added since (a write that changed a session replaces it where it is). The rows give
    /// the order shown.
    pub sessions: Arc<Vec<Session>>,
    /// Session key → index in `sessions`.
    pub index_of: HashMap<String, usize>,
    /// What the list shows: sessions (and project groups) after filtering and sorting.
    pub rows: Vec<Row>,
    /// Full-text hits per session index (full-text mode).
    pub hits: HashMap<usize, SessionHits>,
    /// Matched title characters per session index, for the rows on screen (fuzzy mode).
    pub highlights: HashMap<usize, Vec<usize>>,
    pub search: SearchBox,
    /// The parsed search input.
    pub query: Query,
    pub sort: SortKey,
    pub group: bool,
    /// The rows shown answer this generation of the query; replies of older ones are dropped.
    pub filter_generation: u64,
    /// The first list has arrived.
    pub loaded: bool,
    /// Index into `rows`.
    pub selected: usize,
    pub list_offset: usize,
    pub focus: Focus,
    pub help: bool,
    /// First line of the help overlay shown (when it is taller than the screen).
    pub help_scroll: usize,
    pub transcript: TranscriptState,
    /// The stats pane, when open.
    pub stats: Option<StatsView>,
    /// The last breakdown and range chosen (the pane opens with them).
    pub stats_choice: (crate::stats::By, StatsRange),
    pub status: Status,
    /// A yes/no question over everything (resume from another directory?).
    pub confirm: Option<Confirm>,
    /// A line of text being typed (rename, tags, export path).
    pub prompt: Option<Prompt>,
    /// Where exports go unless the path typed says otherwise (revisit's starting directory).
    pub export_dir: Option<std::path::PathBuf>,
    /// Select this session when it is listed (a session put back from the trash).
    pub want_selected: Option<String>,
    /// What exports redact (the home directory, the user name): also applied to the file
    /// name an export is offered under.
    pub redactor: Option<Arc<crate::redact::Redactor>>,
    /// A line across the top (the demo notice).
    pub banner: Option<String>,
    /// Generation counter for queries; replies with an older generation are dropped.
    pub generation: u64,
    pub list_generation: u64,
    /// The list's version: it changes whenever `sessions` does (see [`ListStamp`]).
    pub list_stamp: ListStamp,
    pub quit: bool,
}

/// A version of the session list, so the filter worker can tell whether it still holds the
/// list's haystacks, or can bring them up to date by building only the sessions a write
/// changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListStamp {
    pub version: u64,
    /// This version is the one before (`.0`) with the sessions at these positions replaced
    /// or added; `None`: a list read whole.
    pub patched: Option<(u64, Arc<[usize]>)>,
}

impl AppState {
    pub fn new(now: DateTime<Utc>, size: (u16, u16), banner: Option<String>) -> AppState {
        let layout = AppLayout::compute(size, Focus::List, banner.is_some());
        let mut s = AppState {
            keymap: Keymap::default(),
            now,
            tz: chrono::FixedOffset::east_opt(0).expect("zero offset"),
            size,
            layout,
            sessions: Arc::new(Vec::new()),
            index_of: HashMap::new(),
            rows: Vec::new(),
            hits: HashMap::new(),
            highlights: HashMap::new(),
            search: SearchBox::default(),
            query: Query::default(),
            sort: SortKey::default(),
            group: false,
            filter_generation: 0,
            loaded: false,
            selected: 0,
            list_offset: 0,
            focus: Focus::List,
            help: false,
            help_scroll: 0,
            transcript: TranscriptState::default(),
            stats: None,
            stats_choice: Default::default(),
            status: Status::default(),
            confirm: None,
            prompt: None,
            export_dir: None,
            want_selected: None,
            redactor: None,
            banner,
            generation: 0,
            list_generation: 0,
            list_stamp: ListStamp::default(),
            quit: false,
        };
        s.sync_transcript_size();
        s
    }

    pub fn mode(&self) -> Mode {
        if self.confirm.is_some() {
            Mode::Confirm
        } else if self.prompt.is_some() {
            Mode::Prompt
        } else if self.help {
            Mode::Help
        } else if self.stats.is_some() {
            Mode::Stats
        } else if self.search.focused && self.focus == Focus::List {
            Mode::Search
        } else if self.transcript.find.focused && self.focus == Focus::Transcript {
            Mode::Find
        } else {
            match self.focus {
                Focus::List => Mode::List,
                Focus::Transcript => Mode::Transcript,
            }
        }
    }

    pub fn selected_session(&self) -> Option<&Session> {
        self.rows
            .get(self.selected)
            .and_then(Row::session)
            .and_then(|i| self.sessions.get(i))
    }

    /// Showing full-text results (two lines per row: the session and its best snippet).
    pub fn full_text(&self) -> bool {
        self.search.mode == SearchMode::FullText && !self.query.terms.is_empty()
    }

    /// Lines one row takes in the list.
    pub fn row_height(&self) -> usize {
        if self.full_text() { 2 } else { 1 }
    }

    /// Rows that fit in the list pane (below the search box when it shows).
    pub fn list_capacity(&self) -> usize {
        let lines = self
            .layout
            .list_lines()
            .saturating_sub(self.search.visible() as usize);
        (lines / self.row_height()).max(1)
    }

    pub fn relayout(&mut self) {
        self.layout = AppLayout::compute(self.size, self.focus, self.banner.is_some());
        self.sync_transcript_size();
    }

    /// Tell the transcript its text area: the pane inside its border, below the info line
    /// and the session's notes (see [`crate::retention::notes`]), above the find box when that
    /// shows.
    pub fn sync_transcript_size(&mut self) {
        let rows = self
            .layout
            .transcript_rows()
            .saturating_sub(self.transcript.find.active() as usize);
        let width = self.layout.transcript_width();
        let notes = self.transcript_session().map_or(0, |s| {
            let notes = crate::retention::notes(s, self.now, self.tz);
            crate::retention::note_lines(&notes, width as usize).len()
        });
        // the notes never take the last three rows of text
        let rows = rows - notes.min(rows.saturating_sub(3));
        if width > 0 && (width != self.transcript.width || rows != self.transcript.rows) {
            self.transcript.resize(width, rows);
        }
    }

    /// The session the transcript shows.
    pub fn transcript_session(&self) -> Option<&Session> {
        let key = self.transcript.key.as_ref()?;
        self.index_of.get(key).and_then(|&i| self.sessions.get(i))
    }
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
        assert_eq!(l.list_lines(), 0);
        assert!(l.list.is_none() && l.transcript.is_some());
        assert_eq!(l.banner, Some(Rect::new(0, 0, 80, 1)));
        assert_eq!(l.status, Rect::new(0, 23, 80, 1));
    }

    #[test]
    fn search_box_editing() {
        let mut b = SearchBox::default();
        b.insert("auth bug");
        assert_eq!((b.input.as_str(), b.cursor), ("auth bug", 8));
        b.left();
        b.left();
        b.left();
        b.insert("y ");
        assert_eq!(b.input, "auth y bug");
        b.backspace();
        b.backspace();
        assert_eq!((b.input.as_str(), b.cursor), ("auth bug", 5));
        b.home();
        b.delete();
        assert_eq!(b.input, "uth bug");
        b.end();
        b.insert(" 你好\u{1b}x");
        assert_eq!(b.input, "uth bug 你好x", "controls are dropped");
        b.delete_word();
        assert_eq!(b.input, "uth bug ");
        b.delete_word();
        assert_eq!(b.input, "uth ");
        b.right();
        assert_eq!(b.cursor, 4, "the cursor stops at the end");
    }
}
