//! Line building shared by the renderers: word wrapping of styled inline text with hanging
//! prefixes (list markers, quote gutters), and character wrapping of preformatted lines (code,
//! diffs) with a continuation marker.
//!
//! Text is measured by clusters: a character and the zero-width characters that follow it
//! (combining marks, variation selectors), measured together with `crate::text::width`, and never
//! split. Every line produced is at most `width` columns wide; a width of 0 is treated as 1.

use super::{SpanStyle, StyledLine, StyledSpan};
use crate::text::width as str_width;
use unicode_width::UnicodeWidthChar;

/// Marker starting the continuation rows of a preformatted line that had to wrap.
pub(crate) const CONTINUATION: &str = "↪ ";
/// Shown instead of a character wider than a whole line (a CJK character at width 1).
const TOO_WIDE: &str = "…";

pub(crate) type Spans = Vec<StyledSpan>;

/// Append `text` to `spans`, merged into the last span when the style is the same.
pub(crate) fn push(spans: &mut Spans, text: &str, style: SpanStyle) {
    if text.is_empty() {
        return;
    }
    if let Some(last) = spans.last_mut()
        && last.style == style
    {
        last.text.push_str(text);
        return;
    }
    spans.push(StyledSpan {
        text: text.to_string(),
        style,
    });
}

pub(crate) fn spans_width(spans: &[StyledSpan]) -> usize {
    spans.iter().map(|s| str_width(&s.text)).sum()
}

/// Byte length of the cluster at the start of `s` (non-empty).
fn cluster_len(s: &str) -> usize {
    let mut it = s.char_indices();
    let Some((_, first)) = it.next() else {
        return 0;
    };
    let mut end = first.len_utf8();
    for (i, c) in it {
        if c != '\n' && c.width() == Some(0) {
            end = i + c.len_utf8();
        } else {
            break;
        }
    }
    end
}

/// The clusters of `s`.
pub(crate) fn clusters(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = s;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let n = cluster_len(rest);
        let (c, r) = rest.split_at(n);
        rest = r;
        Some(c)
    })
}

/// Cut `spans` to at most `max` columns (whole clusters, from the left).
pub(crate) fn cut(spans: &[StyledSpan], max: usize) -> Spans {
    let mut out = Spans::new();
    let mut w = 0;
    'outer: for s in spans {
        for c in clusters(&s.text) {
            let cw = str_width(c);
            if w + cw > max {
                break 'outer;
            }
            push(&mut out, c, s.style);
            w += cw;
        }
    }
    out
}

/// A prefix pair: the first line's (list marker) and the following lines' (hanging indent).
#[derive(Debug, Clone, Default)]
pub(crate) struct Prefix {
    pub first: Spans,
    pub rest: Spans,
}

impl Prefix {
    pub fn none() -> Prefix {
        Prefix::default()
    }

    /// Both prefixes cut so that at least `min(width, max(1, min(width / 2, 20)))` columns are
    /// left for content, whatever the nesting depth.
    pub(crate) fn fitted(&self, width: usize) -> (Spans, Spans) {
        let keep = (width / 2).clamp(1, 20).min(width);
        let max = width - keep;
        (cut(&self.first, max), cut(&self.rest, max))
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x2FFFD
        | 0x30000..=0x3FFFD)
}

/// Characters a line should not start with (closing punctuation).
fn no_break_before(c: char) -> bool {
    matches!(
        c,
        '、' | '。'
            | '，'
            | '．'
            | '：'
            | '；'
            | '！'
            | '？'
            | '）'
            | '」'
            | '』'
            | '】'
            | '〕'
            | '〉'
            | '》'
            | '］'
            | '｝'
            | 'ー'
            | '々'
            | ')'
            | ']'
            | '}'
            | ','
            | '.'
            | ':'
            | ';'
            | '!'
            | '?'
    )
}

/// Characters a line should not end with (opening punctuation).
fn no_break_after(c: char) -> bool {
    matches!(
        c,
        '（' | '「' | '『' | '【' | '〔' | '〈' | '《' | '［' | '｛' | '(' | '[' | '{'
    )
}

enum Item {
    Word(Spans, usize),
    Space(String, SpanStyle),
    Break,
}

fn tokenize(frags: &[StyledSpan]) -> Vec<Item> {
    let mut items = Vec::new();
    let mut word = Spans::new();
    let mut word_w = 0usize;
    let mut last: Option<char> = None;
    fn end_word(items: &mut Vec<Item>, word: &mut Spans, word_w: &mut usize) {
        if !word.is_empty() {
            items.push(Item::Word(std::mem::take(word), *word_w));
            *word_w = 0;
        }
    }
    for f in frags {
        for c in clusters(&f.text) {
            let ch = c.chars().next().unwrap_or(' ');
            match ch {
                '\n' => {
                    end_word(&mut items, &mut word, &mut word_w);
                    items.push(Item::Break);
                    last = None;
                }
                ' ' => {
                    end_word(&mut items, &mut word, &mut word_w);
                    items.push(Item::Space(c.to_string(), f.style));
                    last = None;
                }
                _ => {
                    if let Some(p) = last
                        && (is_cjk(p) || is_cjk(ch))
                        && !no_break_before(ch)
                        && !no_break_after(p)
                    {
                        end_word(&mut items, &mut word, &mut word_w);
                    }
                    push(&mut word, c, f.style);
                    word_w += str_width(c);
                    last = Some(ch);
                }
            }
        }
    }
    end_word(&mut items, &mut word, &mut word_w);
    items
}

/// Display width of the longest unbreakable run of styled text (a word; CJK text breaks
/// between characters).
pub(crate) fn longest_word(frags: &[StyledSpan]) -> usize {
    tokenize(frags)
        .iter()
        .map(|i| match i {
            Item::Word(_, w) => *w,
            _ => 0,
        })
        .max()
        .unwrap_or(0)
}

struct Lines {
    width: usize,
    first: Spans,
    rest: Spans,
    first_w: usize,
    rest_w: usize,
    out: Vec<StyledLine>,
    cur: Spans,
    cur_w: usize,
}

impl Lines {
    fn new(width: usize, prefix: &Prefix) -> Lines {
        let width = width.max(1);
        let (first, rest) = prefix.fitted(width);
        Lines::with(width, first, rest)
    }

    fn with(width: usize, first: Spans, rest: Spans) -> Lines {
        Lines {
            width,
            first_w: spans_width(&first),
            rest_w: spans_width(&rest),
            first,
            rest,
            out: Vec::new(),
            cur: Spans::new(),
            cur_w: 0,
        }
    }

    fn prefix(&self) -> &Spans {
        if self.out.is_empty() {
            &self.first
        } else {
            &self.rest
        }
    }

    /// Columns for content on the current line.
    fn avail(&self) -> usize {
        let prefix_w = if self.out.is_empty() {
            self.first_w
        } else {
            self.rest_w
        };
        self.width.saturating_sub(prefix_w).max(1)
    }

    /// Columns for content on any following line.
    fn avail_next(&self) -> usize {
        self.width.saturating_sub(self.rest_w).max(1)
    }

    fn flush(&mut self) {
        let mut spans = self.prefix().clone();
        for s in self.cur.drain(..) {
            push(&mut spans, &s.text, s.style);
        }
        self.out.push(StyledLine { spans });
        self.cur_w = 0;
    }

    /// Put one cluster on the line, starting a new line first when it does not fit.
    fn put_cluster(&mut self, c: &str, style: SpanStyle) {
        let cw = str_width(c);
        if self.cur_w + cw > self.avail() && self.cur_w > 0 {
            self.flush();
        }
        if cw > self.avail() {
            push(&mut self.cur, TOO_WIDE, style);
            self.cur_w += 1;
        } else {
            push(&mut self.cur, c, style);
            self.cur_w += cw;
        }
    }

    fn finish(mut self) -> Vec<StyledLine> {
        if self.cur_w > 0 || !self.cur.is_empty() || self.out.is_empty() {
            self.flush();
        }
        self.out
    }
}

/// Word-wrap styled inline text (a `\n` in the text is a line break) to `width` columns, the
/// first line after `prefix.first` and the others after `prefix.rest`. Spaces at a break are
/// dropped; a word longer than a line is split between characters. Always at least one line.
pub(crate) fn wrap_inline(frags: &[StyledSpan], width: usize, prefix: &Prefix) -> Vec<StyledLine> {
    let mut lines = Lines::new(width, prefix);
    let mut spaces: Vec<(String, SpanStyle)> = Vec::new();
    for item in tokenize(frags) {
        match item {
            Item::Break => {
                spaces.clear();
                lines.flush();
            }
            Item::Space(s, style) => {
                if lines.cur_w > 0 {
                    spaces.push((s, style));
                }
            }
            Item::Word(pieces, w) => {
                let sp_w: usize = spaces.iter().map(|(s, _)| str_width(s)).sum();
                if lines.cur_w + sp_w + w <= lines.avail() {
                    for (s, style) in spaces.drain(..) {
                        push(&mut lines.cur, &s, style);
                    }
                    lines.cur_w += sp_w;
                    for p in pieces {
                        push(&mut lines.cur, &p.text, p.style);
                    }
                    lines.cur_w += w;
                    continue;
                }
                if w <= lines.avail_next() {
                    spaces.clear();
                    if lines.cur_w > 0 || w > lines.avail() {
                        lines.flush();
                    }
                    for p in pieces {
                        push(&mut lines.cur, &p.text, p.style);
                    }
                    lines.cur_w += w;
                    continue;
                }
                // Longer than a whole line: fill the current line when a good part of it is
                // free, then split between clusters.
                let free = lines.avail().saturating_sub(lines.cur_w + sp_w);
                if lines.cur_w > 0 && free >= (lines.avail() / 3).max(4) {
                    for (s, style) in spaces.drain(..) {
                        push(&mut lines.cur, &s, style);
                    }
                    lines.cur_w += sp_w;
                } else {
                    spaces.clear();
                    if lines.cur_w > 0 {
                        lines.flush();
                    }
                }
                for p in &pieces {
                    for c in clusters(&p.text) {
                        lines.put_cluster(c, p.style);
                    }
                }
            }
        }
    }
    lines.finish()
}

/// Wrap one preformatted line (no `\n`) to `width` columns without reflowing it: the first row
/// after `prefix.first`, continuation rows after `prefix.rest` and the muted [`CONTINUATION`]
/// marker (left out when fewer than 6 columns would remain). Spaces are kept.
pub(crate) fn wrap_pre(line: &[StyledSpan], width: usize, prefix: &Prefix) -> Vec<StyledLine> {
    let width = width.max(1);
    let (first, mut rest) = prefix.fitted(width);
    let rest_avail = width.saturating_sub(spans_width(&rest));
    if rest_avail >= 6 + str_width(CONTINUATION) {
        push(&mut rest, CONTINUATION, SpanStyle::Muted);
    }
    let mut lines = Lines::with(width, first, rest);
    for s in line {
        for c in clusters(&s.text) {
            lines.put_cluster(c, s.style);
        }
    }
    lines.finish()
}

/// Spans of one style for text that has no newline.
pub(crate) fn spans_of(text: &str, style: SpanStyle) -> Spans {
    let mut v = Spans::new();
    push(&mut v, text, style);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> StyledSpan {
        StyledSpan {
            text: s.to_string(),
            style: SpanStyle::Text,
        }
    }

    fn texts(lines: &[StyledLine]) -> Vec<String> {
        lines.iter().map(|l| l.text()).collect()
    }

    #[test]
    fn inline_wraps_at_words_across_styles() {
        let frags = vec![
            t("hello "),
            StyledSpan {
                text: "bold".into(),
                style: SpanStyle::Strong,
            },
            t(", world and more"),
        ];
        let lines = wrap_inline(&frags, 11, &Prefix::none());
        assert_eq!(texts(&lines), vec!["hello bold,", "world and", "more"]);
        // "bold" kept its style and "," stayed attached to it
        assert_eq!(lines[0].spans[1].text, "bold");
        assert_eq!(lines[0].spans[1].style, SpanStyle::Strong);
    }

    #[test]
    fn hanging_prefix() {
        let p = Prefix {
            first: spans_of("• ", SpanStyle::Punctuation),
            rest: spans_of("  ", SpanStyle::Text),
        };
        let lines = wrap_inline(&[t("one two three four")], 10, &p);
        assert_eq!(texts(&lines), vec!["• one two", "  three", "  four"]);
    }

    #[test]
    fn long_words_split_and_cjk_breaks_between_characters() {
        let lines = wrap_inline(&[t("abcdefghijkl")], 5, &Prefix::none());
        assert_eq!(texts(&lines), vec!["abcde", "fghij", "kl"]);
        let lines = wrap_inline(&[t("日本語のテキストです。")], 8, &Prefix::none());
        assert!(lines.iter().all(|l| l.width() <= 8), "{lines:?}");
        assert_eq!(texts(&lines).concat(), "日本語のテキストです。");
        // the closing full stop never starts a line
        assert!(lines.iter().all(|l| !l.text().starts_with('。')));
    }

    #[test]
    fn too_wide_for_the_line() {
        let lines = wrap_inline(&[t("你好")], 1, &Prefix::none());
        assert!(lines.iter().all(|l| l.width() <= 1), "{lines:?}");
        assert_eq!(lines.len(), 2);
    }

    #[test]
    fn pre_wraps_with_marker_and_keeps_spaces() {
        let lines = wrap_pre(&[t("    let x = 1234567890;")], 12, &Prefix::none());
        assert_eq!(lines[0].text(), "    let x = ");
        assert!(lines[1].text().starts_with(CONTINUATION));
        assert_eq!(lines[1].spans[0].style, SpanStyle::Muted);
        assert!(lines.iter().all(|l| l.width() <= 12));
        let joined: String = texts(&lines)
            .iter()
            .map(|l| l.trim_start_matches(CONTINUATION).to_string())
            .collect();
        assert_eq!(joined, "    let x = 1234567890;");
    }

    #[test]
    fn combining_marks_stay_with_their_letter() {
        let s = "e\u{301}e\u{301}e\u{301}";
        let lines = wrap_pre(&[t(s)], 1, &Prefix::none());
        assert_eq!(texts(&lines), vec!["e\u{301}"; 3]);
    }

    #[test]
    fn deep_prefix_leaves_room_for_content() {
        let p = Prefix {
            first: spans_of(&"│ ".repeat(30), SpanStyle::Quote),
            rest: spans_of(&"│ ".repeat(30), SpanStyle::Quote),
        };
        for w in 1..=12 {
            let lines = wrap_inline(&[t("some words here")], w, &p);
            assert!(lines.iter().all(|l| l.width() <= w), "{w}: {lines:?}");
            let content: String = lines
                .iter()
                .flat_map(|l| &l.spans)
                .filter(|s| s.style == SpanStyle::Text)
                .map(|s| s.text.replace(' ', ""))
                .collect();
            assert_eq!(content, "somewordshere", "{w}: {lines:?}");
        }
    }
}
