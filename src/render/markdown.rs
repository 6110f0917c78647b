//! Markdown (CommonMark with GitHub tables, strikethrough, task lists and alerts) rendered for a
//! terminal: wrapped to the width, styled semantically.
//!
//! - Headings keep their `#` marks (styled by level).
//! - Lists: `•` `◦` `▪` by depth, right-aligned numbers, `[ ]`/`[x]` task items; wrapped lines hang
//!   under the item's text.
//! - Block quotes: a `│ ` gutter per level.
//! - Code blocks: a muted language label, then the code highlighted by the fence's language,
//!   never reflowed (long lines continue after `↪ `).
//! - Tables: box-drawing borders, columns sized to their content; when the natural widths do
//!   not fit, each column gets at least its longest word (up to 24 columns) where possible and
//!   cells wrap inside their column (rows then get separators); when a column would still be
//!   narrower than [`MIN_COLUMN`] (or its content), each row becomes one wrapped line of
//!   `header: value` pairs.
//! - Links: the text, then ` (url)` when the URL differs from the text.
//! - HTML is shown as text (`<br>` inline breaks the line).

use super::code::{code_lines, pre_lines};
use super::highlight::Highlighter;
use super::wrap::{
    Prefix, Spans, cut, longest_word, push, spans_of, spans_width, wrap_inline, wrap_pre,
};
use super::{SpanStyle, StyledLine};
use crate::sanitize::sanitize;
use crate::text::width as str_width;
use pulldown_cmark::{
    Alignment, BlockQuoteKind, CodeBlockKind, Event, LinkType, Options, Parser, Tag, TagEnd,
};

/// Narrowest a table column may get before the table is shown as `header: value` rows.
pub const MIN_COLUMN: usize = 6;
/// A table column is not made wider than this to keep a long word (a URL, a path) whole.
const MAX_WORD_COLUMN: usize = 24;

/// Render Markdown to lines at most `width` columns wide (a width of 0 is treated as 1). Code
/// blocks are highlighted with `hl` when given. All text is sanitised.
pub fn markdown(text: &str, width: usize, hl: Option<&Highlighter>) -> Vec<StyledLine> {
    let src = sanitize(text);
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_GFM;
    let events: Vec<Event> = Parser::new_ext(&src, options).collect();
    let mut r = Renderer {
        width: width.max(1),
        hl,
        out: Vec::new(),
        containers: Vec::new(),
        lists: Vec::new(),
        need_blank: false,
        inline: Spans::new(),
        strong: 0,
        emph: 0,
        strike: 0,
        links: Vec::new(),
        images: Vec::new(),
        heading: None,
        table: None,
        code: None,
        html: None,
    };
    for (i, ev) in events.iter().enumerate() {
        r.event(ev, &events[i + 1..]);
    }
    r.flush_inline();
    r.out
}

enum Container {
    Quote,
    Item {
        marker: Spans,
        indent: usize,
        used: bool,
        bullet: bool,
    },
}

struct List {
    next: Option<u64>,
    tight: bool,
    number_width: usize,
}

struct Link {
    url: String,
    text: String,
    kind: LinkType,
}

struct Table {
    aligns: Vec<Alignment>,
    rows: Vec<Vec<Spans>>,
    head_rows: usize,
    in_head: bool,
}

struct Renderer<'h> {
    width: usize,
    hl: Option<&'h Highlighter>,
    out: Vec<StyledLine>,
    containers: Vec<Container>,
    lists: Vec<List>,
    need_blank: bool,
    inline: Spans,
    strong: u32,
    emph: u32,
    strike: u32,
    links: Vec<Link>,
    images: Vec<String>,
    heading: Option<u8>,
    table: Option<Table>,
    code: Option<(Option<String>, String)>,
    html: Option<String>,
}

/// Whether a list is tight (items hold no paragraphs) and how many items it has; `rest` starts
/// right after the list's `Start` event.
fn list_shape(rest: &[Event]) -> (bool, u64) {
    let mut depth = 0usize;
    let mut tight = true;
    let mut items = 0u64;
    for ev in rest {
        match ev {
            Event::Start(tag) => {
                if depth == 0 && matches!(tag, Tag::Item) {
                    items += 1;
                }
                if depth == 1 && matches!(tag, Tag::Paragraph) {
                    tight = false;
                }
                depth += 1;
            }
            Event::End(_) => {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    (tight, items)
}

/// The language token of a fence's info string (`rust,ignore` → `rust`, `{.python}` → `python`).
fn fence_token(info: &str) -> Option<String> {
    let token = info
        .split(|c: char| c.is_whitespace() || c == ',')
        .next()?
        .trim_matches(|c| c == '{' || c == '}' || c == '.');
    (!token.is_empty()).then(|| token.to_string())
}

fn is_br(html: &str) -> bool {
    let t = html.trim().to_ascii_lowercase();
    let inner = t
        .strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .map(|s| s.trim_end_matches('/').trim());
    inner == Some("br")
}

impl Renderer<'_> {
    fn event(&mut self, ev: &Event, rest: &[Event]) {
        if let Some((_, code)) = self.code.as_mut() {
            match ev {
                Event::Text(t) => code.push_str(t),
                Event::End(TagEnd::CodeBlock) => self.end_code(),
                _ => {}
            }
            return;
        }
        if let Some(html) = self.html.as_mut() {
            match ev {
                Event::Html(t) | Event::Text(t) | Event::InlineHtml(t) => html.push_str(t),
                Event::End(TagEnd::HtmlBlock) => self.end_html(),
                _ => {}
            }
            return;
        }
        match ev {
            Event::Start(tag) => self.start(tag, rest),
            Event::End(tag) => self.end(*tag),
            Event::Text(t) => self.text(t, self.style()),
            Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                self.text(t, SpanStyle::InlineCode)
            }
            Event::Html(t) | Event::InlineHtml(t) => {
                if is_br(t) {
                    push(&mut self.inline, "\n", SpanStyle::Text);
                } else {
                    self.text(t, SpanStyle::Muted);
                }
            }
            Event::FootnoteReference(label) => self.text(&format!("[^{label}]"), self.style()),
            Event::SoftBreak => self.text(" ", self.style()),
            Event::HardBreak => push(&mut self.inline, "\n", SpanStyle::Text),
            Event::Rule => {
                self.block_start();
                let prefix = self.prefix();
                let (first, _) = prefix.fitted(self.width);
                let avail = self.width.saturating_sub(spans_width(&first));
                let mut spans = first;
                push(&mut spans, &"─".repeat(avail), SpanStyle::Punctuation);
                self.out.push(StyledLine { spans });
                self.need_blank = true;
            }
            Event::TaskListMarker(checked) => {
                let mark = if *checked { "[x] " } else { "[ ] " };
                let ordered = self.lists.last().is_some_and(|l| l.next.is_some());
                match self.containers.last_mut() {
                    Some(Container::Item {
                        marker,
                        indent,
                        used: false,
                        bullet,
                    }) => {
                        if *bullet && !ordered {
                            marker.clear();
                        }
                        push(marker, mark, SpanStyle::Punctuation);
                        *indent = spans_width(marker);
                        *bullet = false;
                    }
                    _ => push(&mut self.inline, mark, SpanStyle::Punctuation),
                }
            }
        }
    }

    /// Add session text to the inline buffer (sanitised; the text of links collected).
    fn text(&mut self, t: &str, style: SpanStyle) {
        let clean = sanitize(t);
        if let Some(link) = self.links.last_mut() {
            link.text.push_str(&clean);
        }
        push(&mut self.inline, &clean, style);
    }

    fn in_quote(&self) -> bool {
        self.containers
            .iter()
            .any(|c| matches!(c, Container::Quote))
    }

    fn style(&self) -> SpanStyle {
        if !self.links.is_empty() || !self.images.is_empty() {
            return SpanStyle::Link;
        }
        if let Some(level) = self.heading {
            return SpanStyle::Heading(level);
        }
        if self.strike > 0 {
            return SpanStyle::Strikethrough;
        }
        match (self.strong > 0, self.emph > 0) {
            (true, true) => SpanStyle::StrongEmphasis,
            (true, false) => SpanStyle::Strong,
            (false, true) => SpanStyle::Emphasis,
            _ if self.table.as_ref().is_some_and(|t| t.in_head) => SpanStyle::Strong,
            _ if self.in_quote() => SpanStyle::Quote,
            _ => SpanStyle::Text,
        }
    }

    /// The prefixes of the next line: quote gutters and list indentation; the first line gets
    /// the list markers not shown yet (which are then used up).
    fn prefix(&mut self) -> Prefix {
        let mut p = Prefix::none();
        for c in &mut self.containers {
            match c {
                Container::Quote => {
                    push(&mut p.first, "│ ", SpanStyle::Quote);
                    push(&mut p.rest, "│ ", SpanStyle::Quote);
                }
                Container::Item {
                    marker,
                    indent,
                    used,
                    ..
                } => {
                    if *used {
                        push(&mut p.first, &" ".repeat(*indent), SpanStyle::Text);
                    } else {
                        for s in marker.iter() {
                            push(&mut p.first, &s.text, s.style);
                        }
                        *used = true;
                    }
                    push(&mut p.rest, &" ".repeat(*indent), SpanStyle::Text);
                }
            }
        }
        p
    }

    /// A blank line between blocks (keeping the quote gutters), when one is due.
    fn separate(&mut self) {
        if self.need_blank && !self.out.is_empty() {
            let mut spans = Spans::new();
            for c in &self.containers {
                match c {
                    Container::Quote => push(&mut spans, "│ ", SpanStyle::Quote),
                    Container::Item { indent, .. } => {
                        push(&mut spans, &" ".repeat(*indent), SpanStyle::Text)
                    }
                }
            }
            let mut spans = cut(&spans, self.width);
            while let Some(last) = spans.last_mut() {
                let trimmed = last.text.trim_end().len();
                if trimmed == 0 {
                    spans.pop();
                } else {
                    last.text.truncate(trimmed);
                    break;
                }
            }
            self.out.push(StyledLine { spans });
        }
        self.need_blank = false;
    }

    /// Before a block: the pending inline text of a tight list item, then a blank line if due.
    fn block_start(&mut self) {
        self.flush_inline();
        self.separate();
    }

    fn flush_inline(&mut self) {
        if self.table.is_some() || self.inline.is_empty() {
            return;
        }
        let frags = std::mem::take(&mut self.inline);
        let prefix = self.prefix();
        self.out.extend(wrap_inline(&frags, self.width, &prefix));
    }

    fn start(&mut self, tag: &Tag, rest: &[Event]) {
        match tag {
            Tag::Paragraph => self.block_start(),
            Tag::Heading { level, .. } => {
                self.block_start();
                self.heading = Some(*level as u8);
            }
            Tag::BlockQuote(kind) => {
                self.block_start();
                self.containers.push(Container::Quote);
                if let Some(kind) = kind {
                    let label = match kind {
                        BlockQuoteKind::Note => "Note",
                        BlockQuoteKind::Tip => "Tip",
                        BlockQuoteKind::Important => "Important",
                        BlockQuoteKind::Warning => "Warning",
                        BlockQuoteKind::Caution => "Caution",
                    };
                    let prefix = self.prefix();
                    self.out.extend(wrap_inline(
                        &spans_of(label, SpanStyle::Strong),
                        self.width,
                        &prefix,
                    ));
                }
            }
            Tag::CodeBlock(kind) => {
                self.block_start();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => fence_token(&sanitize(info)),
                    CodeBlockKind::Indented => None,
                };
                self.code = Some((lang, String::new()));
            }
            Tag::HtmlBlock => {
                self.block_start();
                self.html = Some(String::new());
            }
            Tag::List(start) => {
                self.block_start();
                let (tight, items) = list_shape(rest);
                let last = start.map(|s| s.saturating_add(items.saturating_sub(1)));
                self.lists.push(List {
                    next: *start,
                    tight,
                    number_width: last.map_or(0, |n| n.to_string().len()),
                });
            }
            Tag::Item => {
                self.flush_inline();
                if self.lists.last().is_none_or(|l| l.tight) {
                    self.need_blank = false;
                } else {
                    self.separate();
                }
                let depth = self.lists.iter().filter(|l| l.next.is_none()).count();
                let (text, bullet) = match self.lists.last_mut() {
                    Some(List {
                        next: Some(n),
                        number_width,
                        ..
                    }) => {
                        let t = format!("{:>w$}. ", n, w = *number_width);
                        *n = n.saturating_add(1);
                        (t, false)
                    }
                    _ => {
                        let b = ["•", "◦", "▪"][depth.saturating_sub(1) % 3];
                        (format!("{b} "), true)
                    }
                };
                let marker = spans_of(&text, SpanStyle::Punctuation);
                self.containers.push(Container::Item {
                    indent: spans_width(&marker),
                    marker,
                    used: false,
                    bullet,
                });
            }
            Tag::Table(aligns) => {
                self.block_start();
                self.table = Some(Table {
                    aligns: aligns.clone(),
                    rows: Vec::new(),
                    head_rows: 0,
                    in_head: false,
                });
            }
            Tag::TableHead => {
                if let Some(t) = self.table.as_mut() {
                    t.in_head = true;
                    t.rows.push(Vec::new());
                }
            }
            Tag::TableRow => {
                if let Some(t) = self.table.as_mut() {
                    t.rows.push(Vec::new());
                }
            }
            Tag::TableCell => self.inline.clear(),
            Tag::Emphasis => self.emph += 1,
            Tag::Strong => self.strong += 1,
            Tag::Strikethrough => self.strike += 1,
            Tag::Link {
                link_type,
                dest_url,
                ..
            } => self.links.push(Link {
                url: sanitize(dest_url),
                text: String::new(),
                kind: *link_type,
            }),
            Tag::Image { dest_url, .. } => {
                push(&mut self.inline, "[image: ", SpanStyle::Muted);
                self.images.push(sanitize(dest_url));
            }
            Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_) => self.block_start(),
            Tag::Superscript | Tag::Subscript => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::DefinitionList
            | TagEnd::MetadataBlock(_) => {
                self.flush_inline();
                self.need_blank = true;
            }
            TagEnd::Heading(level) => {
                self.heading = None;
                let level = level as u8;
                let marks = format!("{} ", "#".repeat(level as usize));
                let mut prefix = self.prefix();
                push(&mut prefix.first, &marks, SpanStyle::Heading(level));
                push(&mut prefix.rest, &" ".repeat(marks.len()), SpanStyle::Text);
                let frags = std::mem::take(&mut self.inline);
                self.out.extend(wrap_inline(&frags, self.width, &prefix));
                self.need_blank = true;
            }
            TagEnd::BlockQuote(_) => {
                self.flush_inline();
                self.containers.pop();
                self.need_blank = true;
            }
            TagEnd::CodeBlock => self.end_code(),
            TagEnd::HtmlBlock => self.end_html(),
            TagEnd::List(_) => {
                self.flush_inline();
                self.lists.pop();
                self.need_blank = true;
            }
            TagEnd::Item => {
                self.flush_inline();
                if let Some(Container::Item { used: false, .. }) = self.containers.last() {
                    // an empty item: its marker alone
                    let prefix = self.prefix();
                    self.out
                        .extend(wrap_inline(&Spans::new(), self.width, &prefix));
                }
                self.containers.pop();
            }
            TagEnd::Table => {
                if let Some(t) = self.table.take() {
                    self.inline.clear();
                    self.emit_table(t);
                }
                self.need_blank = true;
            }
            TagEnd::TableHead => {
                if let Some(t) = self.table.as_mut() {
                    t.in_head = false;
                    t.head_rows = t.rows.len();
                }
            }
            TagEnd::TableRow => {}
            TagEnd::TableCell => {
                let cell = std::mem::take(&mut self.inline);
                if let Some(row) = self.table.as_mut().and_then(|t| t.rows.last_mut()) {
                    row.push(cell);
                }
            }
            TagEnd::Emphasis => self.emph = self.emph.saturating_sub(1),
            TagEnd::Strong => self.strong = self.strong.saturating_sub(1),
            TagEnd::Strikethrough => self.strike = self.strike.saturating_sub(1),
            TagEnd::Link => {
                if let Some(link) = self.links.pop() {
                    let url = link.url.strip_prefix("mailto:").unwrap_or(&link.url);
                    let shown = link.kind != LinkType::Autolink && url != link.text;
                    if shown && !link.url.is_empty() {
                        if let Some(outer) = self.links.last_mut() {
                            outer.text.push_str(&link.url);
                        }
                        push(&mut self.inline, " ", SpanStyle::Text);
                        push(
                            &mut self.inline,
                            &format!("({})", link.url),
                            SpanStyle::LinkUrl,
                        );
                    }
                }
            }
            TagEnd::Image => {
                push(&mut self.inline, "]", SpanStyle::Muted);
                if let Some(url) = self.images.pop()
                    && !url.is_empty()
                {
                    push(&mut self.inline, " ", SpanStyle::Text);
                    push(&mut self.inline, &format!("({url})"), SpanStyle::LinkUrl);
                }
            }
            TagEnd::Superscript | TagEnd::Subscript => {}
        }
    }

    fn end_code(&mut self) {
        let Some((lang, text)) = self.code.take() else {
            return;
        };
        let mut prefix = self.prefix();
        if let Some(lang) = &lang {
            self.out.extend(wrap_pre(
                &spans_of(lang, SpanStyle::Muted),
                self.width,
                &prefix,
            ));
            prefix.first = prefix.rest.clone();
        }
        let clean = sanitize(&text);
        if !clean.is_empty() {
            let lines = code_lines(&clean, lang.as_deref(), self.hl);
            self.out.extend(pre_lines(lines, self.width, &prefix));
        }
        self.need_blank = true;
    }

    fn end_html(&mut self) {
        let Some(html) = self.html.take() else {
            return;
        };
        let clean = sanitize(&html);
        let clean = clean.trim_end_matches('\n');
        if !clean.is_empty() {
            let prefix = self.prefix();
            let lines = clean
                .split('\n')
                .map(|l| spans_of(l, SpanStyle::Text))
                .collect();
            self.out.extend(pre_lines(lines, self.width, &prefix));
        }
        self.need_blank = true;
    }

    fn emit_table(&mut self, table: Table) {
        let ncols = table
            .rows
            .iter()
            .map(|r| r.len())
            .max()
            .unwrap_or(0)
            .max(table.aligns.len());
        if ncols == 0 {
            return;
        }
        let mut rows = table.rows;
        for r in &mut rows {
            r.resize(ncols, Spans::new());
        }
        let prefix = self.prefix();
        let (first, rest) = prefix.fitted(self.width);
        let avail = self.width.saturating_sub(spans_width(&rest));
        let natural: Vec<usize> = (0..ncols)
            .map(|c| {
                rows.iter()
                    .map(|r| cell_width(&r[c]))
                    .max()
                    .unwrap_or(0)
                    .max(1)
            })
            .collect();
        let overhead = 3 * ncols + 1;
        let widths = if natural.iter().sum::<usize>() + overhead <= avail {
            Some(natural.clone())
        } else if avail > overhead {
            let words: Vec<usize> = (0..ncols)
                .map(|c| {
                    rows.iter()
                        .map(|r| longest_word(&r[c]))
                        .max()
                        .unwrap_or(0)
                        .clamp(1, natural[c].min(MAX_WORD_COLUMN))
                })
                .collect();
            let widths = share(&natural, &words, avail - overhead);
            widths
                .iter()
                .zip(&natural)
                .all(|(w, n)| *w >= (*n).min(MIN_COLUMN))
                .then_some(widths)
        } else {
            None
        };
        let lines = match widths {
            Some(widths) => boxed(&rows, table.head_rows, &table.aligns, &widths),
            None => {
                let p = Prefix {
                    first: spans_of("• ", SpanStyle::Punctuation),
                    rest: spans_of("  ", SpanStyle::Text),
                };
                let width = self.width.saturating_sub(spans_width(&rest)).max(1);
                as_pairs(&rows, table.head_rows)
                    .iter()
                    .flat_map(|frags| wrap_inline(frags, width, &p))
                    .collect()
            }
        };
        for (i, line) in lines.into_iter().enumerate() {
            let mut spans = if i == 0 { first.clone() } else { rest.clone() };
            for s in line.spans {
                push(&mut spans, &s.text, s.style);
            }
            self.out.push(StyledLine { spans });
        }
    }
}

fn cell_width(cell: &Spans) -> usize {
    let text: String = cell.iter().map(|s| s.text.as_str()).collect();
    text.split('\n').map(str_width).max().unwrap_or(0)
}

/// Column widths within `budget`, for columns `natural` wide whose longest words are `words`
/// wide: columns start at their longest word; while that is too wide the widest column gives up
/// a column, and what is left over goes, one column at a time, to the column missing the most.
/// Words are thus split only when the words of all columns cannot fit side by side.
fn share(natural: &[usize], words: &[usize], budget: usize) -> Vec<usize> {
    let mut widths = words.to_vec();
    let mut total: usize = widths.iter().sum();
    while total > budget {
        let Some(c) = (0..widths.len())
            .filter(|&c| widths[c] > 1)
            .max_by_key(|&c| (widths[c], std::cmp::Reverse(c)))
        else {
            break;
        };
        widths[c] -= 1;
        total -= 1;
    }
    while total < budget {
        let Some(c) = (0..natural.len())
            .filter(|&c| natural[c] > widths[c])
            .max_by_key(|&c| (natural[c] - widths[c], std::cmp::Reverse(c)))
        else {
            break;
        };
        widths[c] += 1;
        total += 1;
    }
    widths
}

fn border(widths: &[usize], left: &str, mid: &str, right: &str) -> StyledLine {
    let inner: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
    StyledLine::plain(
        format!("{left}{}{right}", inner.join(mid)),
        SpanStyle::Punctuation,
    )
}

/// A table with box-drawing borders; cells wrap within their column.
fn boxed(
    rows: &[Vec<Spans>],
    head_rows: usize,
    aligns: &[Alignment],
    widths: &[usize],
) -> Vec<StyledLine> {
    let cells: Vec<Vec<Vec<StyledLine>>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .zip(widths)
                .map(|(cell, w)| wrap_inline(cell, *w, &Prefix::none()))
                .collect()
        })
        .collect();
    let height = |r: &Vec<Vec<StyledLine>>| r.iter().map(|c| c.len()).max().unwrap_or(1);
    let separated = cells.iter().skip(head_rows).any(|r| height(r) > 1);
    let mut out = vec![border(widths, "┌", "┬", "┐")];
    for (ri, row) in cells.iter().enumerate() {
        if ri > 0 && (ri == head_rows || ri > head_rows && separated) {
            out.push(border(widths, "├", "┼", "┤"));
        }
        for k in 0..height(row) {
            let mut spans = spans_of("│", SpanStyle::Punctuation);
            for (c, cell) in row.iter().enumerate() {
                push(&mut spans, " ", SpanStyle::Text);
                let line = cell.get(k).cloned().unwrap_or_default();
                let pad = widths[c].saturating_sub(line.width());
                let (before, after) = match aligns.get(c) {
                    Some(Alignment::Right) => (pad, 0),
                    Some(Alignment::Center) => (pad / 2, pad - pad / 2),
                    _ => (0, pad),
                };
                push(&mut spans, &" ".repeat(before), SpanStyle::Text);
                for s in line.spans {
                    push(&mut spans, &s.text, s.style);
                }
                push(&mut spans, &" ".repeat(after), SpanStyle::Text);
                push(&mut spans, " ", SpanStyle::Text);
                push(&mut spans, "│", SpanStyle::Punctuation);
            }
            out.push(StyledLine { spans });
        }
    }
    out.push(border(widths, "└", "┴", "┘"));
    out
}

/// A table too wide for the screen: one line per row of `header: value` pairs.
fn as_pairs(rows: &[Vec<Spans>], head_rows: usize) -> Vec<Spans> {
    let header = if head_rows > 0 { rows.first() } else { None };
    let body = if rows.len() > head_rows {
        &rows[head_rows..]
    } else {
        rows
    };
    let one_line = |cell: &Spans| -> Spans {
        cell.iter()
            .map(|s| super::StyledSpan {
                text: s.text.replace('\n', " "),
                style: s.style,
            })
            .collect()
    };
    body.iter()
        .map(|row| {
            let mut frags = Spans::new();
            for (c, cell) in row.iter().enumerate() {
                if c > 0 {
                    push(&mut frags, " · ", SpanStyle::Punctuation);
                }
                let key = header
                    .filter(|_| !std::ptr::eq(row, &rows[0]))
                    .and_then(|h| h.get(c))
                    .filter(|h| !h.is_empty());
                if let Some(key) = key {
                    for s in one_line(key) {
                        push(&mut frags, &s.text, s.style);
                    }
                    push(&mut frags, ":", SpanStyle::Strong);
                    push(&mut frags, " ", SpanStyle::Text);
                }
                for s in one_line(cell) {
                    push(&mut frags, &s.text, s.style);
                }
            }
            frags
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::StyledSpan;
    use super::super::highlight::SyntaxTheme;
    use super::*;

    fn md(text: &str, width: usize) -> Vec<StyledLine> {
        markdown(text, width, Some(Highlighter::shared(SyntaxTheme::Dark)))
    }

    fn texts(lines: &[StyledLine]) -> Vec<String> {
        lines.iter().map(|l| l.text()).collect()
    }

    /// The style of the first span containing `text` (spans of one style are merged).
    fn style_of(lines: &[StyledLine], text: &str) -> SpanStyle {
        lines
            .iter()
            .flat_map(|l| &l.spans)
            .find(|s| s.text.contains(text))
            .unwrap_or_else(|| panic!("no span {text:?} in {lines:?}"))
            .style
    }

    fn all_spans(lines: &[StyledLine]) -> impl Iterator<Item = &StyledSpan> {
        lines.iter().flat_map(|l| &l.spans)
    }

    fn assert_fits(lines: &[StyledLine], width: usize, input: &str) {
        for l in lines {
            assert!(
                l.width() <= width.max(1),
                "width {width}: {:?} is {} wide\ninput: {input:?}",
                l.text(),
                l.width()
            );
        }
    }

    fn assert_clean(lines: &[StyledLine]) {
        for s in all_spans(lines) {
            assert!(
                !s.text.chars().any(|c| c.is_control()),
                "control character in {s:?}"
            );
        }
    }

    #[test]
    fn headings_are_marked_and_styled_by_level() {
        let lines = md("# One\n\ntext\n\n### Three *x*", 40);
        assert_eq!(texts(&lines), vec!["# One", "", "text", "", "### Three x"]);
        assert_eq!(style_of(&lines, "# One"), SpanStyle::Heading(1));
        assert_eq!(lines[4].spans[0].style, SpanStyle::Heading(3));
        assert!(all_spans(&lines[4..]).all(|s| s.style == SpanStyle::Heading(3)));
        // a long heading hangs under its text
        let lines = md("## a heading that wraps", 12);
        assert_eq!(texts(&lines), vec!["## a heading", "   that", "   wraps"]);
    }

    #[test]
    fn inline_styles() {
        let lines = md("*em* **strong** ***both*** ~~gone~~ `code` plain", 80);
        assert_eq!(lines.len(), 1);
        assert_eq!(style_of(&lines, "em"), SpanStyle::Emphasis);
        assert_eq!(style_of(&lines, "strong"), SpanStyle::Strong);
        assert_eq!(style_of(&lines, "both"), SpanStyle::StrongEmphasis);
        assert_eq!(style_of(&lines, "gone"), SpanStyle::Strikethrough);
        assert_eq!(style_of(&lines, "code"), SpanStyle::InlineCode);
        assert_eq!(lines[0].text(), "em strong both gone code plain");
    }

    #[test]
    fn paragraphs_wrap_at_words_and_breaks() {
        let lines = md("one two three four five six\nseven\n\nnext  \nline", 14);
        assert_eq!(
            texts(&lines),
            vec![
                "one two three",
                "four five six",
                "seven",
                "",
                "next",
                "line"
            ]
        );
    }

    #[test]
    fn bullet_lists_nest_and_hang() {
        let lines = md(
            "- first item wraps here\n- second\n  - nested item wraps too\n    - third level\n",
            16,
        );
        assert_eq!(
            texts(&lines),
            vec![
                "• first item",
                "  wraps here",
                "• second",
                "  ◦ nested item",
                "    wraps too",
                "    ▪ third",
                "      level",
            ]
        );
        assert_eq!(style_of(&lines, "• "), SpanStyle::Punctuation);
    }

    #[test]
    fn numbered_lists_align_their_numbers() {
        let src: String = (1..=10).map(|i| format!("{i}. item {i}\n")).collect();
        let lines = md(&src, 40);
        assert_eq!(lines[0].text(), " 1. item 1");
        assert_eq!(lines[9].text(), "10. item 10");
        let lines = md("3. three is a long item\n4. four", 12);
        assert_eq!(
            texts(&lines),
            vec!["3. three is", "   a long", "   item", "4. four"]
        );
    }

    #[test]
    fn loose_lists_separate_items() {
        let lines = md("- a\n\n- b\n\n  more b\n", 40);
        assert_eq!(texts(&lines), vec!["• a", "", "• b", "", "  more b"]);
    }

    #[test]
    fn task_lists() {
        let lines = md("- [ ] todo\n- [x] done and wrapped\n", 12);
        assert_eq!(
            texts(&lines),
            vec!["[ ] todo", "[x] done and", "    wrapped"]
        );
        assert_eq!(style_of(&lines, "[ ] "), SpanStyle::Punctuation);
        let lines = md("1. [x] numbered\n", 40);
        assert_eq!(texts(&lines), vec!["1. [x] numbered"]);
    }

    #[test]
    fn block_quotes_have_a_gutter() {
        let lines = md("> quoted text that wraps\n>\n> > nested\n\nafter", 14);
        assert_eq!(
            texts(&lines),
            vec![
                "│ quoted text",
                "│ that wraps",
                "│",
                "│ │ nested",
                "",
                "after"
            ]
        );
        assert_eq!(style_of(&lines, "│ "), SpanStyle::Quote);
        assert_eq!(style_of(&lines, "quoted text"), SpanStyle::Quote);
        assert_eq!(style_of(&lines, "after"), SpanStyle::Text);
        let lines = md("> [!WARNING]\n> careful", 40);
        assert_eq!(texts(&lines), vec!["│ Warning", "│ careful"]);
        assert_eq!(style_of(&lines, "Warning"), SpanStyle::Strong);
    }

    #[test]
    fn lists_inside_quotes_and_quotes_inside_lists() {
        let lines = md("> - a\n> - b\n\n- item\n\n  > quoted in item\n", 40);
        assert_eq!(
            texts(&lines),
            vec!["│ • a", "│ • b", "", "• item", "", "  │ quoted in item"]
        );
    }

    #[test]
    fn links_show_their_url_when_it_differs() {
        let lines = md(
            "[docs](https://docs.rs) <https://x.org> [https://y.org](https://y.org) <me@x.org>",
            80,
        );
        assert_eq!(
            lines[0].text(),
            "docs (https://docs.rs) https://x.org https://y.org me@x.org"
        );
        assert_eq!(style_of(&lines, "docs"), SpanStyle::Link);
        assert_eq!(style_of(&lines, "(https://docs.rs)"), SpanStyle::LinkUrl);
        let lines = md("![a cat](cat.png)", 80);
        assert_eq!(lines[0].text(), "[image: a cat] (cat.png)");
    }

    #[test]
    fn rules_fill_the_width() {
        let lines = md("a\n\n---\n\nb", 10);
        assert_eq!(texts(&lines), vec!["a", "", &"─".repeat(10), "", "b"]);
        assert_eq!(style_of(&lines, &"─".repeat(10)), SpanStyle::Punctuation);
        let lines = md("> ***", 10);
        assert_eq!(lines[0].text(), format!("│ {}", "─".repeat(8)));
    }

    #[test]
    fn fenced_code_is_labelled_highlighted_and_not_reflowed() {
        let src = "```rust\nfn main() {\n    let long_name = 1234567890;\n}\n```\nafter";
        let lines = md(src, 20);
        assert_eq!(lines[0].text(), "rust");
        assert_eq!(lines[0].spans[0].style, SpanStyle::Muted);
        assert_eq!(lines[1].text(), "fn main() {");
        assert!(
            all_spans(&lines[1..2]).all(|s| matches!(s.style, SpanStyle::Syntax { .. })),
            "{lines:?}"
        );
        assert_eq!(lines[2].text(), "    let long_name = ");
        assert_eq!(lines[3].text(), "↪ 1234567890;");
        assert_eq!(lines[4].text(), "}");
        assert_eq!(texts(&lines[5..]), vec!["", "after"]);
        assert_fits(&lines, 20, src);
    }

    #[test]
    fn code_for_each_common_language_is_highlighted() {
        for (lang, code) in [
            ("python", "def f(x):\n    return x"),
            ("bash", "echo \"$HOME\" | wc -c"),
            ("json", "{\"a\": [1, true]}"),
            ("rust", "let x: u8 = 1;"),
        ] {
            let lines = md(&format!("```{lang}\n{code}\n```"), 80);
            assert!(
                all_spans(&lines[1..]).any(|s| matches!(s.style, SpanStyle::Syntax { .. })),
                "{lang}: {lines:?}"
            );
        }
    }

    #[test]
    fn code_without_known_language_is_plain() {
        for src in [
            "```\nplain code\n```",
            "```nosuchlang\nplain code\n```",
            "    plain code",
        ] {
            let lines = md(src, 80);
            let code = lines.iter().find(|l| l.text() == "plain code").unwrap();
            assert_eq!(code.spans[0].style, SpanStyle::Code, "{src}");
        }
        // no highlighter: plain too
        let lines = markdown("```rust\nfn x() {}\n```", 80, None);
        assert_eq!(texts(&lines), vec!["rust", "fn x() {}"]);
        assert_eq!(lines[1].spans[0].style, SpanStyle::Code);
        // the fence's info string gives the token
        let lines = md("```rust,ignore\nfn x() {}\n```", 80);
        assert_eq!(lines[0].text(), "rust");
        assert!(matches!(lines[1].spans[0].style, SpanStyle::Syntax { .. }));
    }

    #[test]
    fn code_in_a_list_item_is_indented() {
        let lines = md("- run:\n\n  ```sh\n  ls\n  ```\n", 40);
        assert_eq!(texts(&lines), vec!["• run:", "", "  sh", "  ls"]);
    }

    #[test]
    fn diff_fences_use_diff_styles() {
        let lines = md("```diff\n-old\n+new\n```", 40);
        assert_eq!(style_of(&lines, "-old"), SpanStyle::DiffRemoved);
        assert_eq!(style_of(&lines, "+new"), SpanStyle::DiffAdded);
    }

    const TABLE: &str = "| Name | Size | Note |\n|:-----|-----:|:----:|\n| a.rs | 10 | small |\n| 日本語.rs | 2000 | 中文 |\n";

    #[test]
    fn tables_have_borders_and_aligned_columns() {
        let lines = md(TABLE, 80);
        assert_eq!(
            texts(&lines),
            vec![
                "┌───────────┬──────┬───────┐",
                "│ Name      │ Size │ Note  │",
                "├───────────┼──────┼───────┤",
                "│ a.rs      │   10 │ small │",
                "│ 日本語.rs │ 2000 │ 中文  │",
                "└───────────┴──────┴───────┘",
            ]
        );
        assert_eq!(style_of(&lines, "Name"), SpanStyle::Strong);
        assert_eq!(style_of(&lines, "a.rs"), SpanStyle::Text);
    }

    #[test]
    fn narrow_tables_wrap_their_cells() {
        let src = "| Key | Description |\n|---|---|\n| a | the first letter of the alphabet |\n| b | second |\n";
        let lines = md(src, 24);
        assert_fits(&lines, 24, src);
        assert_eq!(lines[0].text(), "┌─────┬────────────────┐");
        assert_eq!(lines[3].text(), "│ a   │ the first      │");
        assert_eq!(lines[4].text(), "│     │ letter of the  │");
        // rows are separated once cells wrap
        assert!(texts(&lines).contains(&"├─────┼────────────────┤".to_string()));
        // words are not split when every column can hold its longest word
        assert!(!texts(&lines).iter().any(|l| l.contains("alphab ")));
    }

    #[test]
    fn column_widths_keep_words_whole_when_they_can() {
        // room for every longest word: the rest goes to the column missing the most
        assert_eq!(share(&[5, 40], &[5, 12], 30), vec![5, 25]);
        assert_eq!(share(&[9, 4, 11], &[6, 4, 11], 30), vec![9, 4, 11]);
        // not enough: the widest column gives way first
        assert_eq!(share(&[9, 4, 11], &[6, 4, 11], 20), vec![6, 4, 10]);
        assert_eq!(share(&[30, 30], &[30, 30], 10), vec![5, 5]);
        // CJK text breaks between characters, so its longest "word" is short
        assert_eq!(longest_word(&spans_of("日本語.rs", SpanStyle::Text)), 5);
        assert_eq!(longest_word(&spans_of("a longer word", SpanStyle::Text)), 6);
    }

    #[test]
    fn tables_too_wide_become_header_value_rows() {
        let lines = md(TABLE, 14);
        assert_fits(&lines, 14, TABLE);
        let all = texts(&lines).join("\n");
        assert!(!all.contains('┌'), "{all}");
        assert_eq!(lines[0].text(), "• Name: a.rs ·");
        assert!(all.contains("Size: 10"), "{all}");
        assert!(all.contains("Note: 中文"), "{all}");
        assert_eq!(style_of(&lines, "Name"), SpanStyle::Strong);
        // every row starts with a bullet, wrapped lines hang
        let starts: Vec<_> = lines
            .iter()
            .filter(|l| l.text().starts_with("• "))
            .collect();
        assert_eq!(starts.len(), 2);
        assert!(
            lines
                .iter()
                .all(|l| l.text().starts_with("• ") || l.text().starts_with("  "))
        );
    }

    #[test]
    fn html_is_shown_as_text() {
        let lines = md(
            "<div align=\"center\">\n  <b>hi</b>\n</div>\n\na<br>b <kbd>k</kbd>",
            40,
        );
        assert_eq!(
            texts(&lines),
            vec![
                "<div align=\"center\">",
                "  <b>hi</b>",
                "</div>",
                "",
                "a",
                "b <kbd>k</kbd>"
            ]
        );
        assert_eq!(style_of(&lines, "<kbd>"), SpanStyle::Muted);
    }

    #[test]
    fn wide_characters_count_double() {
        let src = "日本語のテキストはスペースなしで折り返されます。🎉 emoji 🎉🎉🎉 too";
        for w in [5, 8, 11, 20] {
            let lines = md(src, w);
            assert_fits(&lines, w, src);
            let joined: String = texts(&lines).concat().replace(' ', "");
            assert_eq!(joined, src.replace(' ', ""), "width {w}");
        }
        let lines = md(src, 10);
        assert!(
            lines.iter().filter(|l| l.width() >= 9).count() >= 3,
            "{lines:?}"
        );
    }

    #[test]
    fn session_text_is_sanitised() {
        let src = "# T\u{1b}]0;pwned\u{7}itle\n\nred \u{1b}[31mtext\u{1b}[0m and \u{9b}2J and &#27;[1m entity &#x9b; and a\u{0}b\n\n- [l\u{1b}[5mink](http://x/&#27;y)\n\n```sh\necho \u{1b}]52;c;ZXZpbA==\u{7}\tx\n```\n\n| a\u{1b}[2J | b |\n|---|---|\n| \u{7} | \u{202e}rtl |\n\n<p>\u{1b}[31m</p>\n";
        for w in [1, 7, 40] {
            let lines = md(src, w);
            assert_clean(&lines);
            assert_fits(&lines, w, src);
        }
        let lines = md(src, 80);
        let all = texts(&lines).join("\n");
        assert!(!all.contains("pwned") && !all.contains("ZXZpbA"), "{all}");
        assert!(all.contains("red text"), "{all}");
        assert!(all.contains('\u{2400}'), "NUL shown as a picture: {all}");
        assert!(
            all.contains("␛[1m"),
            "the entity's ESC shown as a picture: {all}"
        );
        assert!(!all.contains('\u{202e}'));
    }

    /// A small deterministic generator (xorshift) for varied inputs.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[(self.next() % items.len() as u64) as usize]
        }
    }

    const PIECES: &[&str] = &[
        "word",
        "another",
        " ",
        " ",
        " ",
        "\n",
        "\n\n",
        "supercalifragilisticexpialidocious",
        "日本語",
        "中文字符串很长很长",
        "🎉",
        "👍🏽",
        "❤️",
        "e\u{301}",
        "**",
        "*",
        "_",
        "~~",
        "`",
        "```",
        "```rust\n",
        "```python\n",
        "\n```\n",
        "# ",
        "## ",
        "###### ",
        "- ",
        "* ",
        "1. ",
        "10. ",
        "  - ",
        "    - ",
        "- [ ] ",
        "- [x] ",
        "> ",
        "> > ",
        ">",
        "| a | b |\n",
        "|---|:-:|\n",
        "| 日本 | long cell text here |\n",
        "[link](http://example.com/a/long/path)",
        "<https://auto.example>",
        "![img](x.png)",
        "<br>",
        "<div>",
        "</div>",
        "---\n",
        "\t",
        "\u{1b}[31m",
        "\u{1b}]0;t\u{7}",
        "\u{0}",
        "&amp;",
        "&#27;",
        "\\",
        "  \n",
        "    code\n",
        "http://a.very.long.url/with/many/segments/and/more",
        "fn main() { let x = 1; }",
    ];

    #[test]
    fn no_line_is_ever_wider_than_the_width() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..250 {
            let n = 5 + (rng.next() % 60) as usize;
            let src: String = (0..n).map(|_| rng.pick(PIECES)).collect();
            for width in (0..=10).chain([13, 17, 24, 40, 80]) {
                let lines = md(&src, width);
                assert_fits(&lines, width, &src);
                assert_clean(&lines);
            }
        }
    }

    #[test]
    fn fixed_inputs_at_every_small_width() {
        let inputs = [
            TABLE,
            "- a\n  - b\n    - c\n      - d\n        - e\n          - f deep nesting text",
            "> > > > > > quoted deeply with words",
            "```\nx\ty\n```",
            "1. [x] 日本語\n2. 🎉🎉",
            "",
            "\n\n\n",
            "| only | header |\n|---|---|\n",
            "# 你好世界你好世界",
        ];
        for src in inputs {
            for width in 0..=12 {
                let lines = md(src, width);
                assert_fits(&lines, width, src);
            }
        }
        assert!(md("", 10).is_empty());
    }
}
