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
use crate::packed::Packed;
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
    /// The hits are being looked for off the UI thread (a long transcript): `hits` is empty
    /// until they come.
    pub searching: bool,
    /// A search is to be asked for (the update step turns this into an effect).
    pub ask: bool,
    /// Go to the first hit when they come (Enter was pressed while searching).
    pub go_when_found: bool,
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
    /// Rendered with syntax highlighting (without: rendered again once it has loaded).
    highlighted: bool,
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
    pub messages: Arc<Packed>,
    pub units: Arc<Vec<Unit>>,
    /// Width of the text area (inside the border) and rows of lines.
    pub width: u16,
    pub rows: usize,
    pub tz: Option<chrono::FixedOffset>,
    /// Colours for code, matching the UI theme.
    pub syntax: crate::render::SyntaxTheme,
    /// Prices and the cost mode, for each turn's cost.
    pub pricer: Option<Arc<crate::cost::TablePricer>>,
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
    /// Go to the end once the transcript has (re)loaded (back from resuming the session).
    pub jump_end: bool,
    /// Pi: the branch shown when it is not the active one (its last entry's id).
    pub branch_leaf: Option<String>,
    cache: HashMap<usize, Cached>,
}

impl TranscriptState {
    /// Forget the session shown (a new one is loading).
    pub fn reset(&mut self, key: String, generation: u64) {
        // the screen and the settings stay; the content goes
        let pricer = self.pricer.take();
        let keep = (
            self.width,
            self.rows,
            self.tz,
            self.syntax,
            self.level,
            self.thinking,
        );
        *self = TranscriptState::default();
        (
            self.width,
            self.rows,
            self.tz,
            self.syntax,
            self.level,
            self.thinking,
        ) = keep;
        self.pricer = pricer;
        self.key = Some(key);
        self.generation = generation;
        self.loading = true;
    }

    fn ctx(&self) -> Ctx {
        Ctx {
            tz: self
                .tz
                .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("zero offset")),
            hl: crate::render::Highlighter::get(self.syntax),
            pricer: self.pricer.clone(),
        }
    }

    /// New content: a first load, or a reload of the same session (it grew, or another branch).
    /// Folds, the cursor and the position are kept by unit id.
    pub fn set_content(&mut self, messages: Arc<Packed>, units: Arc<Vec<Unit>>) {
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
        } else if std::mem::take(&mut self.jump_end) {
            self.bottom();
        } else if !first && was_at_end && grew > 0 {
            // following a running session: stay at the end
            self.bottom();
        } else if !first && grew > 0 {
            self.new_below += grew;
        }
        self.refresh();
    }

    /// Highlight code in another theme's colours.
    pub fn set_syntax(&mut self, syntax: crate::render::SyntaxTheme) {
        if syntax != self.syntax {
            self.syntax = syntax;
            self.cache.clear();
            self.refresh();
        }
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
        if u.kind == UnitKind::Thinking
            && let Some(m) = self.messages.get(u.msg)
            && let Some(Block::Thinking { text, sealed }) = m.blocks.get(u.block)
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
        let ctx = self.ctx();
        if let Some(c) = self.cache.get(&i)
            && c.shape == shape
            && c.width == self.width
            && (c.highlighted || ctx.hl.is_none())
        {
            return c.lines.clone();
        }
        let w = self.unit_width(i);
        let lines = Arc::new(lines::render(
            &self.units[i],
            &self.messages,
            shape,
            w,
            &ctx,
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
                highlighted: ctx.hl.is_some(),
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
    fn jump(&mut self, forward: bool, pred: impl Fn(&Unit) -> bool) -> bool {
        let n = self.units.len();
        let from = self.cursor;
        let found = if forward {
            (from + 1..n).find(|&i| pred(&self.units[i]))
        } else {
            (0..from).rev().find(|&i| pred(&self.units[i]))
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
        self.jump(forward, |u| u.kind == UnitKind::Header && u.prompt)
    }

    pub fn jump_error(&mut self, forward: bool) -> bool {
        self.jump(forward, |u| u.failed)
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

    /// Find the units that hold a needle: here for a transcript of up to [`FIND_INLINE`]
    /// units, else on the query worker (a long one is decoded to be searched).
    fn recompute_hits(&mut self) {
        let f = &mut self.find;
        f.searching = !f.needles.is_empty() && self.units.len() > FIND_INLINE;
        f.ask = f.searching;
        f.hits = if f.needles.is_empty() || f.searching {
            Vec::new()
        } else {
            find_hits(&self.units, &self.messages, &f.needles)
        };
    }

    /// Hits found off the UI thread; taken when they are for what is shown and looked for.
    /// Returns whether they were.
    pub fn set_hits(
        &mut self,
        units: &Arc<Vec<Unit>>,
        needles: &[String],
        hits: Vec<usize>,
    ) -> bool {
        if !self.find.searching || !Arc::ptr_eq(units, &self.units) || needles != self.find.needles
        {
            return false;
        }
        self.find.searching = false;
        self.find.hits = hits;
        self.find.current = None;
        self.refresh();
        true
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

/// Transcripts of more units than this are searched off the UI thread.
pub const FIND_INLINE: usize = 5_000;

/// The units that hold one of the needles (lower-case), in order, on every core when there
/// are many (a find in a long session decodes all of it).
pub fn find_hits(units: &[Unit], messages: &Packed, needles: &[String]) -> Vec<usize> {
    crate::on_cores(units.len(), 4096, |range| {
        range
            .filter(|&i| {
                let t = lines::search_text(&units[i], messages).to_lowercase();
                needles.iter().any(|n| t.contains(n.as_str()))
            })
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

/// Messages as the transcript holds them (packed), for tests and demos.
pub fn shared(messages: Vec<Message>) -> Arc<Packed> {
    Arc::new(Packed::from(messages))
}

/// Messages packed and their units, as the query worker makes them (for tests and demos).
pub fn content(messages: Vec<Message>) -> (Arc<Packed>, Arc<Vec<Unit>>) {
    let packed = shared(messages);
    let units = Arc::new(units::build(&packed));
    (packed, units)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;
    use serde_json::json;

    fn text(role: Role, t: &str) -> Message {
        let mut m = Message::new(role);
        m.blocks.push(Block::text(t));
        m
    }

    fn tool_turn(i: usize, failed: bool, output: &str) -> [Message; 2] {
        let mut a = Message::new(Role::Assistant);
        a.blocks.push(Block::ToolCall {
            id: format!("c{i}"),
            name: "Bash".into(),
            input: json!({"command": format!("make step{i}")}),
        });
        let mut r = Message::new(Role::Tool);
        r.blocks.push(Block::ToolResult {
            call_id: format!("c{i}"),
            output: output.into(),
            is_error: failed,
        });
        [a, r]
    }

    /// n rounds of: prompt, tool call (every third fails), answer.
    fn session(n: usize) -> Vec<Message> {
        let mut v = Vec::new();
        for i in 0..n {
            v.push(text(Role::User, &format!("prompt number {i}")));
            let out: String = (0..12).map(|k| format!("output {i} line {k}\n")).collect();
            v.extend(tool_turn(i, i % 3 == 2, &out));
            v.push(text(Role::Assistant, &format!("answer {i}: done")));
        }
        v
    }

    fn open(messages: Vec<Message>, width: u16, rows: usize) -> TranscriptState {
        let mut t = TranscriptState::default();
        t.reset("k".into(), 1);
        t.resize(width, rows);
        let (messages, units) = content(messages);
        t.set_content(messages, units);
        t
    }

    #[test]
    fn opening_another_session_keeps_the_prices_and_colours() {
        let mut t = TranscriptState {
            pricer: Some(crate::cost::pricer(&crate::config::Config::default(), None).0),
            syntax: crate::render::SyntaxTheme::Light,
            ..TranscriptState::default()
        };
        t.reset("a".into(), 1);
        t.reset("b".into(), 2);
        assert!(t.pricer.is_some());
        assert_eq!(t.syntax, crate::render::SyntaxTheme::Light);
        // and a turn's header shows its cost: sonnet 4.5, 1000 in and 100 out = $0.0045
        let mut m = Message::new(Role::Assistant);
        m.model = Some("claude-sonnet-4-5".into());
        m.usage = Some(crate::model::TokenUsage {
            input: 1000,
            output: 100,
            ..Default::default()
        });
        m.blocks.push(Block::Text { text: "ok".into() });
        t.resize(80, 10);
        let (messages, units) = content(vec![m]);
        t.set_content(messages, units);
        assert!(
            screen(&t).iter().any(|l| l.contains("$0.005")),
            "{:?}",
            screen(&t)
        );
    }

    fn screen(t: &TranscriptState) -> Vec<String> {
        t.view.iter().map(|l| l.line.text()).collect()
    }

    fn unit_kind(t: &TranscriptState) -> &UnitKind {
        &t.units[t.cursor].kind
    }

    #[test]
    fn opens_at_the_top_and_scrolls_to_the_end_and_back() {
        let mut t = open(session(20), 60, 10);
        assert_eq!(t.view.len(), 10);
        assert!(screen(&t)[0].starts_with("You"), "{:?}", screen(&t));
        assert!(!t.at_end);
        t.scroll(5);
        assert_eq!(t.top_line + t.top, 5, "one line per unit at the top here");
        t.bottom();
        assert!(t.at_end);
        assert_eq!(t.view.len(), 10, "the screen stays full at the end");
        assert_eq!(t.percent(), 100);
        assert!(screen(&t).iter().any(|l| l.contains("answer 19: done")));
        // scrolling further down stays put
        let before = screen(&t);
        t.scroll(3);
        assert_eq!(screen(&t), before);
        t.scroll(-10_000);
        assert_eq!((t.top, t.top_line), (0, 0));
        t.bottom();
        t.top();
        assert_eq!((t.top, t.top_line, t.cursor), (0, 0, 0));
    }

    #[test]
    fn only_units_near_the_screen_are_rendered() {
        let mut t = open(session(5000), 80, 30);
        assert!(
            t.cached_units() < 100,
            "{} units rendered",
            t.cached_units()
        );
        t.bottom();
        t.scroll(-45);
        assert!(
            t.cached_units() < 250,
            "{} of {} units rendered",
            t.cached_units(),
            t.units.len()
        );
        assert!(t.view.len() == 30);
    }

    #[test]
    fn a_tool_call_folds_and_unfolds_and_levels_cycle() {
        let mut t = open(session(3), 60, 40);
        // folded: one line with the command and the size
        let line = screen(&t)
            .into_iter()
            .find(|l| l.contains("⚙ Bash"))
            .unwrap();
        assert!(
            line.contains("make step0") && line.contains("12 lines"),
            "{line}"
        );
        assert!(!screen(&t).iter().any(|l| l.contains("output 0 line 0")));
        // the cursor goes there with J; Enter opens it in place
        while !matches!(unit_kind(&t), UnitKind::Tool { .. }) {
            t.cursor_next();
        }
        assert!(t.toggle(t.cursor));
        let s = screen(&t);
        assert!(s.iter().any(|l| l.contains("output 0 line 11")), "{s:#?}");
        assert!(
            s.iter()
                .any(|l| l.contains("\"command\"") || l.contains("make step0"))
        );
        assert!(t.toggle(t.cursor));
        assert!(!screen(&t).iter().any(|l| l.contains("output 0 line 0")));
        // summaries: the head of every output
        t.cycle_level();
        assert_eq!(t.level, FoldLevel::Summaries);
        let s = screen(&t);
        assert!(s.iter().any(|l| l.contains("output 0 line 3")));
        assert!(!s.iter().any(|l| l.contains("output 0 line 4")));
        assert!(s.iter().any(|l| l.contains("8 more lines")), "{s:#?}");
        t.cycle_level();
        assert_eq!(t.level, FoldLevel::Open);
        assert!(screen(&t).iter().any(|l| l.contains("output 0 line 11")));
        t.cycle_level();
        assert_eq!(t.level, FoldLevel::Folded);
    }

    #[test]
    fn failed_calls_are_marked_and_e_jumps_to_them() {
        let mut t = open(session(9), 70, 12);
        assert!(t.jump_error(true));
        assert!(t.units[t.cursor].failed);
        let first = t.cursor;
        let line = t.view.iter().find(|l| l.cursor).unwrap().line.text();
        assert!(line.contains("✗ failed"), "{line}");
        assert!(t.jump_error(true));
        assert!(t.cursor > first);
        assert!(t.jump_error(false));
        assert_eq!(t.cursor, first);
        assert!(!t.jump_error(false), "none above the first");
    }

    #[test]
    fn prompts_jump_in_both_directions() {
        let mut t = open(session(6), 70, 12);
        let mut seen = Vec::new();
        while t.jump_prompt(true) {
            seen.push(t.messages.get(t.units[t.cursor].msg).unwrap().plain_text());
        }
        assert_eq!(seen.len(), 5, "from the first prompt: five more");
        assert_eq!(seen.last().unwrap(), "prompt number 5");
        assert!(t.jump_prompt(false));
        assert_eq!(
            t.messages.get(t.units[t.cursor].msg).unwrap().plain_text(),
            "prompt number 4"
        );
        // the jumped-to header is on screen, near the top
        assert!(t.view.iter().take(2).any(|l| l.cursor));
    }

    fn with_subagent() -> Vec<Message> {
        let mut a = Message::new(Role::Assistant);
        a.blocks.push(Block::ToolCall {
            id: "t1".into(),
            name: "Task".into(),
            input: json!({"prompt": "look around"}),
        });
        let mut r = Message::new(Role::Tool);
        r.blocks.push(Block::ToolResult {
            call_id: "t1".into(),
            output: "found it".into(),
            is_error: false,
        });
        let mut s1 = text(Role::User, "look around");
        s1.sidechain = true;
        s1.agent_id = Some("sub1".into());
        let mut s2 = Message::new(Role::Assistant);
        s2.sidechain = true;
        s2.agent_id = Some("sub1".into());
        s2.blocks.push(Block::ToolCall {
            id: "t2".into(),
            name: "Grep".into(),
            input: json!({"pattern": "needle_in_sub"}),
        });
        let mut s3 = Message::new(Role::Tool);
        s3.sidechain = true;
        s3.agent_id = Some("sub1".into());
        s3.blocks.push(Block::ToolResult {
            call_id: "t2".into(),
            output: "no such file".into(),
            is_error: true,
        });
        vec![
            text(Role::User, "go"),
            a,
            s1,
            s2,
            s3,
            r,
            text(Role::Assistant, "all done"),
        ]
    }

    #[test]
    fn subagents_open_in_place_and_hidden_units_are_skipped() {
        let mut t = open(with_subagent(), 70, 30);
        let s = screen(&t);
        assert!(s.iter().any(|l| l.contains("⤷ Subagent")), "{s:#?}");
        assert!(
            !s.iter().any(|l| l.contains("needle_in_sub")),
            "folded: {s:#?}"
        );
        // J walks over the folded group, not into it
        let mut visited = Vec::new();
        for _ in 0..20 {
            t.cursor_next();
            visited.push(t.cursor);
        }
        let g = t
            .units
            .iter()
            .position(|u| matches!(u.kind, UnitKind::Subagent { .. }))
            .unwrap();
        assert!(visited.contains(&g));
        assert!(visited.iter().all(|&i| t.units[i].group.is_none()));
        // opening it shows the conversation one level deeper
        assert!(t.toggle(g));
        let deep: Vec<&ViewLine> = t.view.iter().filter(|l| l.depth == 1).collect();
        assert!(!deep.is_empty());
        assert!(deep.iter().any(|l| l.line.text().contains("needle_in_sub")));
        // the subagent's failed call is found by e even when the group is folded
        assert!(t.toggle(g));
        t.top();
        assert!(t.jump_error(true));
        assert_eq!(t.units[t.cursor].group, Some(g), "the group opened for it");
        assert!(t.view.iter().any(|l| l.cursor && l.depth == 1));
    }

    #[test]
    fn find_marks_and_walks_the_hits_opening_what_hides_them() {
        let mut t = open(session(6), 70, 14);
        t.set_needles(needles_of("\"output 4 line 7\""));
        assert_eq!(t.find.hits.len(), 1, "inside a folded tool output");
        assert_eq!(t.next_hit(true), Some((1, 1)));
        let s = screen(&t);
        assert!(s.iter().any(|l| l.contains("output 4 line 7")), "{s:#?}");
        let marked = t.view.iter().find(|l| !l.marks.is_empty()).unwrap();
        let (a, b) = marked.marks[0];
        assert_eq!(&marked.line.text()[a..b], "output 4 line 7");
        // several hits: n wraps, N goes back
        t.set_needles(needles_of("ANSWER"));
        assert_eq!(t.find.hits.len(), 6);
        t.top();
        let firsts: Vec<(usize, usize)> = (0..7).filter_map(|_| t.next_hit(true)).collect();
        assert_eq!(firsts[0], (1, 6));
        assert_eq!(firsts[6], (1, 6), "wraps around");
        assert_eq!(t.next_hit(false), Some((6, 6)));
        t.set_needles(Vec::new());
        assert!(t.view.iter().all(|l| l.marks.is_empty()));
    }

    #[test]
    fn reloads_keep_folds_and_position_and_follow_the_end() {
        let mut msgs = session(10);
        let mut t = open(msgs.clone(), 60, 10);
        t.cursor_next();
        t.cursor_next();
        while !matches!(unit_kind(&t), UnitKind::Tool { .. }) {
            t.cursor_next();
        }
        t.toggle(t.cursor);
        let (top, cursor) = (t.top, t.cursor);
        msgs.extend(session(1));
        let (messages, units) = content(msgs.clone());
        t.set_content(messages, units);
        assert_eq!((t.top, t.cursor), (top, cursor), "position kept");
        assert_eq!(t.shape(cursor), Shape::Full, "fold kept");
        assert_eq!(t.new_below, 4, "new messages below are counted");
        // at the end, new messages keep the end on screen
        t.bottom();
        assert_eq!(t.new_below, 0);
        msgs.push(text(Role::User, "one more prompt"));
        let (messages, units) = content(msgs.clone());
        t.set_content(messages, units);
        assert!(t.at_end);
        assert!(screen(&t).iter().any(|l| l.contains("one more prompt")));
    }

    #[test]
    fn sealed_thinking_is_one_muted_line_and_thinking_toggles() {
        let mut m = Message::new(Role::Assistant);
        m.blocks.push(Block::Thinking {
            text: String::new(),
            sealed: true,
        });
        m.blocks.push(Block::Thinking {
            text: "first thought\nsecond thought".into(),
            sealed: false,
        });
        m.blocks.push(Block::text("answer"));
        let mut t = open(vec![m], 60, 10);
        let s = screen(&t);
        assert!(s.iter().any(|l| l == "∴ thinking (not recorded)"), "{s:#?}");
        assert!(!s.iter().any(|l| l.contains("second thought")));
        t.toggle_thinking();
        assert!(screen(&t).iter().any(|l| l.contains("second thought")));
        // a sealed block has nothing to open
        let sealed = t
            .units
            .iter()
            .position(|u| u.kind == UnitKind::Thinking)
            .unwrap();
        assert!(!t.toggle(sealed));
    }

    #[test]
    fn clicks_select_and_toggle() {
        let mut t = open(session(2), 60, 20);
        let row = t
            .view
            .iter()
            .position(|l| l.line.text().contains("⚙ Bash"))
            .unwrap();
        let unit = t.view[row].unit;
        t.click(row);
        assert_eq!(t.cursor, unit);
        assert_eq!(t.shape(unit), Shape::Full);
        t.click(row);
        assert_eq!(t.shape(unit), Shape::Line);
        // a click on plain text only selects
        t.click(0);
        assert_eq!(t.cursor, t.view[0].unit);
    }

    #[test]
    fn copy_takes_the_unit_under_the_cursor() {
        let mut t = open(session(1), 60, 20);
        assert_eq!(t.cursor_text().unwrap().1, "message");
        while !matches!(unit_kind(&t), UnitKind::Tool { .. }) {
            t.cursor_next();
        }
        let (text, what) = t.cursor_text().unwrap();
        assert_eq!(what, "tool output");
        assert!(text.starts_with("output 0 line 0\n") && text.contains("line 11"));
    }

    #[test]
    fn needles_of_words_and_phrases() {
        assert_eq!(
            needles_of("Foo  \"Bar baz\" x"),
            vec!["foo", "bar baz", "x"]
        );
        assert_eq!(needles_of("\"open"), vec!["open"]);
        assert!(needles_of("   ").is_empty());
        assert_eq!(mark("a Foo foo", &["foo".into()]), vec![(2, 5), (6, 9)]);
    }
}
