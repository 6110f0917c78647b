//! The transcript pane's state: the units of the session shown, what is folded, where the
//! screen is, the cursor, find. Lines are rendered lazily, only for the units that come near
//! the screen, and cached per unit for the current width and fold shape; `view` holds the
//! lines on screen for the renderer to read.
//!
//! The scroll position is an anchor (a unit and a line in it), never a line number of the
//! whole transcript: nothing needs every line to exist, so a 100 MB session scrolls as fast as
//! a small one.

pub mod lines;
pub mod units;

use crate::model::{Block, Message};
use crate::search::query::Term;
use lines::{Ctx, RLine, Shape, Tone};
use std::collections::HashMap;
use std::sync::Arc;
use units::{Unit, UnitId, UnitKind};

/// Fold level of the whole transcript, cycled with one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FoldLevel {
    /// Tool calls, context and subagents are one line each.
    #[default]
    Folded,
    /// Tool calls show the head of their output.
    Summaries,
    /// Everything open, subagents included.
    Open,
}

impl FoldLevel {
    pub fn next(self) -> FoldLevel {
        match self {
            FoldLevel::Folded => FoldLevel::Summaries,
            FoldLevel::Summaries => FoldLevel::Open,
            FoldLevel::Open => FoldLevel::Folded,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FoldLevel::Folded => "all folded",
            FoldLevel::Summaries => "summaries",
            FoldLevel::Open => "everything open",
        }
    }

    pub fn parse(s: &str) -> Option<FoldLevel> {
        match s.trim().to_ascii_lowercase().as_str() {
            "folded" | "fold" | "closed" => Some(FoldLevel::Folded),
            "summaries" | "summary" => Some(FoldLevel::Summaries),
            "open" | "unfolded" => Some(FoldLevel::Open),
            _ => None,
        }
    }
}

/// One screen line of the transcript, ready to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewLine {
    pub unit: usize,
    pub tone: Tone,
    pub line: crate::render::StyledLine,
    /// Subagent nesting (a gutter per level).
    pub depth: u8,
    /// The line belongs to the unit under the cursor.
    pub cursor: bool,
    /// Byte ranges of find hits in the line's text.
    pub marks: Vec<(usize, usize)>,
}

/// Find in the transcript.
#[derive(Debug, Clone, Default)]
pub struct Find {
    /// The find box is taking keys.
    pub focused: bool,
    pub input: crate::app::state::SearchBox,
    /// Lower-case words marked on screen.
    pub needles: Vec<String>,
    /// Units that contain a needle, in order.
    pub hits: Vec<usize>,
    /// The hit shown last (index into `hits`).
    pub current: Option<usize>,
}

impl Find {
    pub fn active(&self) -> bool {
        self.focused || !self.needles.is_empty()
    }
}

#[derive(Debug, Clone)]
struct Cached {
    shape: Shape,
    width: u16,
    lines: Arc<Vec<RLine>>,
}

/// Units rendered and kept at most; past that, the ones far from the screen are dropped.
const CACHE_MAX: usize = 4096;

#[derive(Debug, Clone, Default)]
pub struct TranscriptState {
    /// The session shown.
    pub key: Option<String>,
    pub generation: u64,
    pub loading: bool,
    pub messages: Arc<Vec<Message>>,
    pub units: Arc<Vec<Unit>>,
    /// Width of the text area (inside the border) and rows of lines.
    pub width: u16,
    pub rows: usize,
    pub tz: Option<chrono::FixedOffset>,
    pub level: FoldLevel,
    /// Thinking shown in full.
    pub thinking: bool,
    /// Units opened or closed by hand (by id: they survive reloads).
    pub overrides: HashMap<UnitId, bool>,
    /// The first line on screen: a unit and a line in it.
    pub top: usize,
    pub top_line: usize,
    /// The unit under the cursor.
    pub cursor: usize,
    /// What is on screen.
    pub view: Vec<ViewLine>,
    /// The last line of the transcript is on screen (new messages keep it there).
    pub at_end: bool,
    /// Messages that arrived below the screen since the last look at the end.
    pub new_below: usize,
    pub find: Find,
    /// Full-text terms the transcript was opened with (marked like find hits).
    pub terms: Vec<Term>,
    /// Put this message at the top once the transcript has loaded.
    pub jump: Option<usize>,
    /// Pi: the branch shown when it is not the active one (its last entry's id).
    pub branch_leaf: Option<String>,
    cache: HashMap<usize, Cached>,
}

impl TranscriptState {
    /// Forget the session shown (a new one is loading).
    pub fn reset(&mut self, key: String, generation: u64) {
        let keep = (self.width, self.rows, self.tz, self.level, self.thinking);
        *self = TranscriptState::default();
        (self.width, self.rows, self.tz, self.level, self.thinking) = keep;
        self.key = Some(key);
        self.generation = generation;
        self.loading = true;
    }

    fn ctx(&self) -> Ctx {
        Ctx {
            tz: self
                .tz
                .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("zero offset")),
        }
    }

    /// New content: a first load, or a reload of the same session (it grew, or another branch).
    /// Folds, the cursor and the position are kept by unit id.
    pub fn set_content(&mut self, messages: Arc<Vec<Message>>, units: Arc<Vec<Unit>>) {
        let first = self.loading || self.units.is_empty();
        let old_top = self.units.get(self.top).map(|u| (u.id, self.top_line));
        let old_cursor = self.units.get(self.cursor).map(|u| u.id);
        let old_msgs = self.messages.len();
        let was_at_end = self.at_end;
        self.loading = false;
        self.messages = messages;
        self.units = units;
        self.cache.clear();
        let find = |id: UnitId, units: &[Unit]| units.iter().position(|u| u.id == id);
        if first {
            self.top = 0;
            self.top_line = 0;
            self.cursor = 0;
        } else {
            match old_top.and_then(|(id, l)| find(id, &self.units).map(|i| (i, l))) {
                Some((i, l)) => {
                    self.top = i;
                    self.top_line = l;
                }
                None => {
                    self.top = 0;
                    self.top_line = 0;
                }
            }
            self.cursor = old_cursor
                .and_then(|id| find(id, &self.units))
                .unwrap_or(self.top);
        }
        self.top = self.visible_at_or_before(self.top.min(self.units.len().saturating_sub(1)));
        self.top_line = self.top_line.min(self.height(self.top).saturating_sub(1));
        let grew = self.messages.len().saturating_sub(old_msgs);
        if !self.find.needles.is_empty() {
            self.recompute_hits();
        }
        if let Some(m) = self.jump.take() {
            self.jump_to_message(m);
        } else if !first && was_at_end && grew > 0 {
            // following a running session: stay at the end
            self.bottom();
        } else if !first && grew > 0 {
            self.new_below += grew;
        }
        self.refresh();
    }

    /// Go to a message: to its first find hit when it has one.
    pub fn jump_to_message(&mut self, m: usize) {
        let hit = self
            .find
            .hits
            .iter()
            .copied()
            .find(|&u| self.units[u].msg == m);
        if let Some(h) = hit {
            self.find.current = self.find.hits.iter().position(|&u| u == h);
        }
        if let Some(u) = hit.or_else(|| self.unit_of_message(m)) {
            self.go_to(u, true);
        }
    }

    pub fn resize(&mut self, width: u16, rows: usize) {
        if width != self.width {
            // wrapped lines change: keep the unit at the top, from its first line
            self.top_line = 0;
        }
        self.width = width;
        self.rows = rows;
        self.refresh();
    }

    // ---- folding ---------------------------------------------------------------------

    /// The shape a unit is drawn in.
    pub fn shape(&self, i: usize) -> Shape {
        let u = &self.units[i];
        if !u.kind.foldable() {
            return Shape::Full;
        }
        if let Some(open) = self.overrides.get(&u.id) {
            return if *open { Shape::Full } else { Shape::Line };
        }
        match u.kind {
            UnitKind::Thinking => {
                if self.thinking {
                    Shape::Full
                } else {
                    Shape::Line
                }
            }
            UnitKind::Tool { .. } | UnitKind::Result => match self.level {
                FoldLevel::Folded => Shape::Line,
                FoldLevel::Summaries => Shape::Summary,
                FoldLevel::Open => Shape::Full,
            },
            _ => {
                if self.level == FoldLevel::Open {
                    Shape::Full
                } else {
                    Shape::Line
                }
            }
        }
    }

    fn is_open_group(&self, i: usize) -> bool {
        matches!(self.units[i].kind, UnitKind::Subagent { .. }) && self.shape(i) == Shape::Full
    }

    /// Fold or unfold the unit under the cursor (or the one given). Returns whether anything
    /// changed.
    pub fn toggle(&mut self, i: usize) -> bool {
        let Some(u) = self.units.get(i) else {
            return false;
        };
        if !u.kind.foldable() {
            return false;
        }
        // a one-line thinking without text (sealed) has nothing to open
        if let (UnitKind::Thinking, Some(Block::Thinking { text, sealed })) =
            (&u.kind, self.messages[u.msg].blocks.get(u.block))
            && (*sealed || text.trim().is_empty())
        {
            return false;
        }
        let open = self.shape(i) != Shape::Full;
        self.overrides.insert(u.id, open);
        self.cursor = i;
        self.fix_top();
        self.refresh();
        true
    }

    pub fn cycle_level(&mut self) {
        self.level = self.level.next();
        self.thinking = self.level == FoldLevel::Open;
        self.overrides.clear();
        self.fix_top();
        self.refresh();
    }

    pub fn toggle_thinking(&mut self) {
        self.thinking = !self.thinking;
        self.overrides.retain(|id, _| {
            !self
                .units
                .iter()
                .any(|u| u.id == *id && u.kind == UnitKind::Thinking)
        });
        self.fix_top();
        self.refresh();
    }

    /// Open every folded group around unit `i`.
    fn open_groups_around(&mut self, i: usize) {
        let mut g = self.units.get(i).and_then(|u| u.group);
        while let Some(gi) = g {
            if !self.is_open_group(gi) {
                self.overrides.insert(self.units[gi].id, true);
            }
            g = self.units[gi].group;
        }
    }

    /// Open every folded group around unit `i`, and `i` itself when it hides its text.
    fn reveal(&mut self, i: usize) {
        self.open_groups_around(i);
        if self.units[i].kind.foldable() && self.shape(i) != Shape::Full {
            self.overrides.insert(self.units[i].id, true);
        }
    }

    // ---- visibility and lines ----------------------------------------------------------

    /// The outermost folded group that hides unit `i`, if any.
    fn hidden_by(&self, i: usize) -> Option<usize> {
        let mut hidden = None;
        let mut g = self.units.get(i)?.group;
        while let Some(gi) = g {
            if !self.is_open_group(gi) {
                hidden = Some(gi);
            }
            g = self.units[gi].group;
        }
        hidden
    }

    fn next_visible(&self, i: usize) -> Option<usize> {
        let u = self.units.get(i)?;
        let j = if matches!(u.kind, UnitKind::Subagent { .. }) && !self.is_open_group(i) {
            u.end
        } else {
            i + 1
        };
        (j < self.units.len()).then_some(j)
    }

    fn prev_visible(&self, i: usize) -> Option<usize> {
        let j = i.checked_sub(1)?;
        Some(self.hidden_by(j).unwrap_or(j))
    }

    fn visible_at_or_before(&self, i: usize) -> usize {
        if self.units.is_empty() {
            return 0;
        }
        self.hidden_by(i).unwrap_or(i)
    }

    fn last_visible(&self) -> usize {
        self.visible_at_or_before(self.units.len().saturating_sub(1))
    }

    /// Width the units get: the pane minus the cursor column and the subagent gutters.
    fn unit_width(&self, i: usize) -> usize {
        let depth = self.units[i].depth as usize;
        (self.width as usize).saturating_sub(1 + 2 * depth).max(8)
    }

    /// A unit's lines for the current width and shape (rendered on first use).
    pub fn lines(&mut self, i: usize) -> Arc<Vec<RLine>> {
        let shape = self.shape(i);
        if let Some(c) = self.cache.get(&i)
            && c.shape == shape
            && c.width == self.width
        {
            return c.lines.clone();
        }
        let w = self.unit_width(i);
        let lines = Arc::new(lines::render(
            &self.units[i],
            &self.messages,
            shape,
            w,
            &self.ctx(),
        ));
        if self.cache.len() >= CACHE_MAX {
            let (top, rows) = (self.top, self.rows.max(1));
            self.cache.retain(|k, _| k.abs_diff(top) < rows * 4 + 64);
        }
        self.cache.insert(
            i,
            Cached {
                shape,
                width: self.width,
                lines: lines.clone(),
            },
        );
        lines
    }

    fn height(&mut self, i: usize) -> usize {
        if i >= self.units.len() {
            return 0;
        }
        self.lines(i).len().max(1)
    }

    /// Units rendered right now (for tests and the large-session measurement).
    pub fn cached_units(&self) -> usize {
        self.cache.len()
    }

    // ---- scrolling --------------------------------------------------------------------

    /// After folds changed: the top unit may be hidden now, or shorter.
    fn fix_top(&mut self) {
        if self.units.is_empty() {
            return;
        }
        let t = self.visible_at_or_before(self.top);
        if t != self.top {
            self.top = t;
            self.top_line = 0;
        }
        self.top_line = self.top_line.min(self.height(self.top).saturating_sub(1));
        if self.hidden_by(self.cursor).is_some() {
            self.cursor = self.visible_at_or_before(self.cursor);
        }
    }

    pub fn scroll_down(&mut self, n: usize) {
        if self.units.is_empty() {
            return;
        }
        let mut left = n;
        while left > 0 {
            let h = self.height(self.top);
            if self.top_line + 1 < h {
                let step = left.min(h - 1 - self.top_line);
                self.top_line += step;
                left -= step;
                continue;
            }
            match self.next_visible(self.top) {
                Some(v) => {
                    self.top = v;
                    self.top_line = 0;
                    left -= 1;
                }
                None => break,
            }
        }
        self.clamp_end();
    }

    pub fn scroll_up(&mut self, n: usize) {
        if self.units.is_empty() {
            return;
        }
        let mut left = n;
        while left > 0 {
            if self.top_line > 0 {
                let step = left.min(self.top_line);
                self.top_line -= step;
                left -= step;
                continue;
            }
            match self.prev_visible(self.top) {
                Some(v) => {
                    self.top = v;
                    self.top_line = self.height(v) - 1;
                    left -= 1;
                }
                None => break,
            }
        }
    }

    /// Never leave empty rows below the last line when there is more above.
    fn clamp_end(&mut self) {
        let rows = self.rows.max(1);
        let mut have = 0;
        let mut u = Some(self.top);
        let mut first = true;
        while let Some(i) = u {
            let h = self.height(i);
            have += if first {
                h - self.top_line.min(h - 1)
            } else {
                h
            };
            first = false;
            if have >= rows {
                return;
            }
            u = self.next_visible(i);
        }
        self.scroll_up(rows - have);
    }

    pub fn top(&mut self) {
        self.top = 0;
        self.top_line = 0;
        self.cursor = 0;
        self.new_below = 0;
        self.refresh();
    }

    pub fn bottom(&mut self) {
        if self.units.is_empty() {
            return;
        }
        let last = self.last_visible();
        self.top = last;
        self.top_line = self.height(last) - 1;
        self.scroll_up(self.rows.max(1) - 1);
        self.cursor = self.last_selectable();
        self.new_below = 0;
        self.refresh();
    }

    fn last_selectable(&self) -> usize {
        let mut i = self.last_visible();
        while matches!(self.units.get(i).map(|u| &u.kind), Some(UnitKind::Gap)) {
            match self.prev_visible(i) {
                Some(p) => i = p,
                None => break,
            }
        }
        i
    }

    /// Scroll by lines (positive: down); the cursor stays on screen.
    pub fn scroll(&mut self, delta: isize) {
        if delta >= 0 {
            self.scroll_down(delta as usize);
        } else {
            self.scroll_up(delta.unsigned_abs());
        }
        self.refresh();
        self.keep_cursor_on_screen(delta >= 0);
    }

    /// Put a unit at the top, with a line of what comes before it.
    fn place_near_top(&mut self, i: usize) {
        self.top = i;
        self.top_line = 0;
        self.scroll_up(1);
        self.clamp_end();
    }

    /// The cursor follows the screen when it scrolls out of it.
    fn keep_cursor_on_screen(&mut self, down: bool) {
        if self.view.is_empty() || self.view.iter().any(|l| l.unit == self.cursor) {
            return;
        }
        let pick = |l: &&ViewLine| !matches!(l.tone, Tone::Blank);
        let chosen = if down {
            self.view.iter().find(pick)
        } else {
            self.view.iter().rev().find(pick)
        };
        if let Some(l) = chosen {
            self.cursor = l.unit;
            self.refresh();
        }
    }

    /// Scroll so that the cursor's unit is on screen (its start, or all of it when it fits).
    fn show_cursor(&mut self) {
        let c = self.cursor;
        if c < self.top || (c == self.top && self.top_line > 0) {
            self.top = c;
            self.top_line = 0;
        } else {
            // lines from the top of the screen to the cursor unit's first line
            let mut dist = 0;
            let mut u = Some(self.top);
            let mut first = true;
            while let Some(i) = u {
                if i == c {
                    break;
                }
                let h = self.height(i);
                dist += if first {
                    h - self.top_line.min(h - 1)
                } else {
                    h
                };
                first = false;
                if dist >= self.rows {
                    break;
                }
                u = self.next_visible(i);
            }
            let h = self.height(c);
            let rows = self.rows.max(1);
            if dist + h.min(rows) > rows {
                self.top = c;
                self.top_line = 0;
                self.scroll_up(rows - h.min(rows));
            }
        }
        self.clamp_end();
        self.refresh();
    }

    // ---- the cursor and jumps ---------------------------------------------------------

    fn selectable(&self, i: usize) -> bool {
        !matches!(self.units[i].kind, UnitKind::Gap)
    }

    pub fn cursor_next(&mut self) {
        let mut i = self.cursor;
        while let Some(n) = self.next_visible(i) {
            i = n;
            if self.selectable(i) {
                self.cursor = i;
                break;
            }
        }
        self.show_cursor();
    }

    pub fn cursor_prev(&mut self) {
        let mut i = self.cursor;
        while let Some(p) = self.prev_visible(i) {
            i = p;
            if self.selectable(i) {
                self.cursor = i;
                break;
            }
        }
        self.show_cursor();
    }

    /// Jump to the next (or previous) unit after the cursor that satisfies `pred`; units in
    /// folded groups count (their group opens). Returns whether one was found.
    fn jump(&mut self, forward: bool, pred: impl Fn(&Unit, &[Message]) -> bool) -> bool {
        let n = self.units.len();
        let from = self.cursor;
        let found = if forward {
            (from + 1..n).find(|&i| pred(&self.units[i], &self.messages))
        } else {
            (0..from)
                .rev()
                .find(|&i| pred(&self.units[i], &self.messages))
        };
        match found {
            Some(i) => {
                self.go_to(i, false);
                true
            }
            None => false,
        }
    }

    /// Move the cursor to a unit, opening what hides it, and put it near the top.
    pub fn go_to(&mut self, i: usize, open: bool) {
        if open {
            self.reveal(i);
        } else {
            self.open_groups_around(i);
        }
        self.cursor = i;
        self.place_near_top(i);
        self.refresh();
    }

    pub fn jump_prompt(&mut self, forward: bool) -> bool {
        self.jump(forward, |u, m| {
            u.kind == UnitKind::Header && m[u.msg].is_prompt()
        })
    }

    pub fn jump_error(&mut self, forward: bool) -> bool {
        self.jump(forward, |u, m| unit_failed(u, m))
    }

    /// The first unit that shows message `m` (a joined result shows in its call).
    pub fn unit_of_message(&self, m: usize) -> Option<usize> {
        self.units.iter().position(|u| u.msg == m).or_else(|| {
            self.units
                .iter()
                .position(|u| matches!(u.kind, UnitKind::Tool { result: Some((rm, _)) } if rm == m))
        })
    }

    /// The text of the unit under the cursor, for the clipboard.
    pub fn cursor_text(&self) -> Option<(String, &'static str)> {
        let u = self.units.get(self.cursor)?;
        let what = match u.kind {
            UnitKind::Header => "message",
            UnitKind::Code { .. } => "code block",
            UnitKind::Tool { result: Some(_) } | UnitKind::Result => "tool output",
            UnitKind::Tool { result: None } => "tool input",
            UnitKind::Thinking => "thinking",
            UnitKind::Prose => "text",
            UnitKind::Context => "context",
            UnitKind::Notice => "notice",
            UnitKind::Attachment => "attachment description",
            UnitKind::Subagent { .. } | UnitKind::Gap => return None,
        };
        let t = lines::unit_text(u, &self.messages);
        (!t.is_empty()).then_some((t, what))
    }

    /// The unit on a screen row (0 = the first line of the view).
    pub fn unit_at_row(&self, row: usize) -> Option<usize> {
        self.view.get(row).map(|l| l.unit)
    }

    /// Mouse click on a row: select the unit, and fold or unfold it when it folds.
    pub fn click(&mut self, row: usize) {
        let Some(u) = self.unit_at_row(row) else {
            return;
        };
        self.cursor = u;
        if !self.toggle(u) {
            self.refresh();
        }
    }

    // ---- find ---------------------------------------------------------------------------

    /// Set what find looks for (lower-cased words; a quoted phrase is one needle).
    pub fn set_needles(&mut self, needles: Vec<String>) {
        self.find.needles = needles;
        self.find.current = None;
        self.recompute_hits();
        self.refresh();
    }

    fn recompute_hits(&mut self) {
        let needles = &self.find.needles;
        self.find.hits = if needles.is_empty() {
            Vec::new()
        } else {
            self.units
                .iter()
                .enumerate()
                .filter(|(_, u)| {
                    let t = lines::search_text(u, &self.messages).to_lowercase();
                    needles.iter().any(|n| t.contains(n.as_str()))
                })
                .map(|(i, _)| i)
                .collect()
        };
    }

    /// Go to the next (or previous) hit from the cursor; wraps around. Returns (n, of).
    pub fn next_hit(&mut self, forward: bool) -> Option<(usize, usize)> {
        let hits = &self.find.hits;
        if hits.is_empty() {
            return None;
        }
        let n = hits.len();
        let next = match self.find.current {
            Some(k) if hits.get(k) == Some(&self.cursor) => {
                if forward {
                    (k + 1) % n
                } else {
                    (k + n - 1) % n
                }
            }
            _ => {
                // the first hit after (or before) the cursor
                if forward {
                    hits.iter().position(|&h| h > self.cursor).unwrap_or(0)
                } else {
                    hits.iter().rposition(|&h| h < self.cursor).unwrap_or(n - 1)
                }
            }
        };
        self.find.current = Some(next);
        let u = self.find.hits[next];
        self.go_to(u, true);
        Some((next + 1, n))
    }

    // ---- the view -----------------------------------------------------------------------

    /// Recompute the lines on screen from the anchor.
    pub fn refresh(&mut self) {
        self.view.clear();
        if self.units.is_empty() || self.rows == 0 || self.width == 0 {
            self.at_end = true;
            return;
        }
        let needles = self.find.needles.clone();
        let mut u = Some(self.top);
        let mut skip = self.top_line;
        let mut reached_end = false;
        while let Some(i) = u {
            let lines = self.lines(i);
            let depth = self.units[i].depth;
            for l in lines.iter().skip(skip) {
                if self.view.len() >= self.rows {
                    break;
                }
                let marks = mark(&l.line.text(), &needles);
                self.view.push(ViewLine {
                    unit: i,
                    tone: l.tone,
                    line: l.line.clone(),
                    depth,
                    cursor: i == self.cursor,
                    marks,
                });
            }
            skip = 0;
            if self.view.len() >= self.rows {
                // the end is on screen when this unit's last line is the screen's last
                let shown_all = lines.len()
                    <= self.view.iter().filter(|l| l.unit == i).count()
                        + if i == self.top { self.top_line } else { 0 };
                reached_end = shown_all && self.next_visible(i).is_none();
                break;
            }
            u = self.next_visible(i);
            if u.is_none() {
                reached_end = true;
            }
        }
        self.at_end = reached_end;
        if reached_end {
            self.new_below = 0;
        }
    }

    /// Where the screen is, 0–100 (by unit: line totals are never computed).
    pub fn percent(&self) -> usize {
        if self.at_end || self.units.len() <= 1 {
            return 100;
        }
        self.top * 100 / self.units.len()
    }
}

/// Did this unit's tool call fail?
pub fn unit_failed(u: &Unit, messages: &[Message]) -> bool {
    let result = match u.kind {
        UnitKind::Tool {
            result: Some((m, b)),
        } => messages.get(m).and_then(|m| m.blocks.get(b)),
        UnitKind::Result => messages.get(u.msg).and_then(|m| m.blocks.get(u.block)),
        _ => None,
    };
    matches!(result, Some(Block::ToolResult { is_error: true, .. }))
}

/// Byte ranges of the needles in a line (case-insensitive, where lower-casing keeps lengths).
pub fn mark(line: &str, needles: &[String]) -> Vec<(usize, usize)> {
    if needles.is_empty() {
        return Vec::new();
    }
    let lower = line.to_lowercase();
    if lower.len() != line.len() {
        return Vec::new();
    }
    let mut marks = Vec::new();
    for n in needles {
        if n.is_empty() {
            continue;
        }
        let mut from = 0;
        while let Some(i) = lower[from..].find(n.as_str()) {
            let a = from + i;
            marks.push((a, a + n.len()));
            from = a + n.len();
        }
    }
    marks.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in marks {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

/// The needles of a find input: words, or quoted phrases, lower-cased.
pub fn needles_of(input: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = input.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('"') {
            let (phrase, after) = match r.find('"') {
                Some(i) => (&r[..i], &r[i + 1..]),
                None => (r, ""),
            };
            if !phrase.trim().is_empty() {
                out.push(phrase.to_lowercase());
            }
            rest = after.trim_start();
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            out.push(rest[..end].to_lowercase());
            rest = rest[end..].trim_start();
        }
    }
    out
}

/// The needles for full-text terms.
pub fn needles_of_terms(terms: &[Term]) -> Vec<String> {
    terms
        .iter()
        .map(|t| t.text().to_lowercase())
        .filter(|n| !n.trim().is_empty())
        .collect()
}
