//! Code blocks and diffs: never reflowed; a line longer than the width continues on the next
//! row after a muted `↪ ` marker.

use super::highlight::{Highlighter, plain_lines, split_lines};
use super::wrap::{Prefix, Spans, push, spans_of, wrap_pre};
use super::{SpanStyle, StyledLine};
use crate::sanitize::sanitize;

/// Code in a language (a fence token or a file extension; `diff`/`patch` render as [`diff`]),
/// highlighted when a highlighter is given and knows the language, else plain
/// [`SpanStyle::Code`]. A final newline does not add an empty line; empty text gives no line.
pub fn code(
    text: &str,
    lang: Option<&str>,
    width: usize,
    hl: Option<&Highlighter>,
) -> Vec<StyledLine> {
    let clean = sanitize(text);
    if clean.is_empty() {
        return Vec::new();
    }
    pre_lines(code_lines(&clean, lang, hl), width, &Prefix::none())
}

/// A unified diff (`diff --git`, `---`/`+++`, `@@ -a,b +c,d @@` hunks) or a Codex
/// `*** Begin Patch` / `*** Update File:` patch: added, removed and header lines styled.
pub fn diff(text: &str, width: usize) -> Vec<StyledLine> {
    let clean = sanitize(text);
    if clean.is_empty() {
        return Vec::new();
    }
    pre_lines(diff_lines(&clean), width, &Prefix::none())
}

pub(crate) fn is_diff_lang(lang: &str) -> bool {
    matches!(
        lang.trim().to_ascii_lowercase().as_str(),
        "diff" | "patch" | "udiff"
    )
}

/// The unwrapped lines of sanitised code.
pub(crate) fn code_lines(clean: &str, lang: Option<&str>, hl: Option<&Highlighter>) -> Vec<Spans> {
    if lang.is_some_and(is_diff_lang) {
        return diff_lines(clean);
    }
    match (hl, lang) {
        (Some(h), Some(l)) => match h.language(l) {
            Some(language) => h.highlight_clean(clean, Some(language)),
            None => plain_lines(&split_lines(clean)),
        },
        _ => plain_lines(&split_lines(clean)),
    }
}

/// Wrap preformatted lines: the first row after `prefix.first`, every other row after
/// `prefix.rest`.
pub(crate) fn pre_lines(lines: Vec<Spans>, width: usize, prefix: &Prefix) -> Vec<StyledLine> {
    let rest = Prefix {
        first: prefix.rest.clone(),
        rest: prefix.rest.clone(),
    };
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        out.extend(wrap_pre(line, width, if i == 0 { prefix } else { &rest }));
    }
    out
}

/// `(old, new)` line counts of a `@@ -a,b +c,d @@` hunk header.
fn hunk_counts(line: &str) -> Option<(usize, usize)> {
    let rest = line.strip_prefix("@@ -")?;
    let (old, rest) = rest.split_once(" +")?;
    let (new, _) = rest.split_once(" @@")?;
    let count = |s: &str| -> Option<usize> {
        match s.split_once(',') {
            Some((start, n)) => {
                start.parse::<usize>().ok()?;
                n.parse().ok()
            }
            None => s.parse::<usize>().ok().map(|_| 1),
        }
    };
    Some((count(old)?, count(new)?))
}

fn is_unified_header(line: &str) -> bool {
    const HEADERS: [&str; 16] = [
        "diff ",
        "index ",
        "--- ",
        "+++ ",
        "new file mode",
        "deleted file mode",
        "old mode",
        "new mode",
        "similarity index",
        "dissimilarity index",
        "rename from",
        "rename to",
        "copy from",
        "copy to",
        "Binary files",
        "GIT binary patch",
    ];
    HEADERS.iter().any(|h| line.starts_with(h))
}

/// Whether text is a Codex apply_patch patch.
pub(crate) fn is_apply_patch(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_end();
        l == "*** Begin Patch"
            || l.starts_with("*** Update File: ")
            || l.starts_with("*** Add File: ")
            || l.starts_with("*** Delete File: ")
    })
}

/// Whether text looks like a unified diff.
pub(crate) fn looks_like_unified_diff(text: &str) -> bool {
    let start = text.trim_start();
    if start.starts_with("diff --git ") || start.starts_with("@@ -") && hunk_counts(start).is_some()
    {
        return true;
    }
    let mut lines = text.lines();
    while let Some(l) = lines.next() {
        if l.starts_with("--- ") {
            return lines.next().is_some_and(|n| n.starts_with("+++ "))
                && lines.any(|h| h.starts_with("@@"));
        }
    }
    false
}

/// The unwrapped, styled lines of a sanitised diff or patch.
pub(crate) fn diff_lines(clean: &str) -> Vec<Spans> {
    let lines = split_lines(clean);
    let style_of = |line: &str| match line.as_bytes().first() {
        Some(b'+') => SpanStyle::DiffAdded,
        Some(b'-') => SpanStyle::DiffRemoved,
        Some(b'\\') => SpanStyle::Muted,
        _ => SpanStyle::Text,
    };
    if is_apply_patch(clean) {
        return lines
            .iter()
            .map(|l| {
                let style = if l.starts_with("*** ") || l.starts_with("@@") {
                    SpanStyle::DiffHeader
                } else {
                    style_of(l)
                };
                spans_of(l, style)
            })
            .collect();
    }
    let mut out = Vec::with_capacity(lines.len());
    // lines left in the current hunk, from its header
    let mut left: Option<(usize, usize)> = None;
    for l in lines {
        if let Some((old, new)) = left.as_mut()
            && (*old > 0 || *new > 0)
        {
            let style = match l.as_bytes().first() {
                Some(b'+') => {
                    *new = new.saturating_sub(1);
                    Some(SpanStyle::DiffAdded)
                }
                Some(b'-') => {
                    *old = old.saturating_sub(1);
                    Some(SpanStyle::DiffRemoved)
                }
                Some(b' ') | None => {
                    *old = old.saturating_sub(1);
                    *new = new.saturating_sub(1);
                    Some(SpanStyle::Text)
                }
                Some(b'\\') => Some(SpanStyle::Muted),
                _ => None,
            };
            if let Some(style) = style {
                out.push(spans_of(l, style));
                continue;
            }
            left = None;
        }
        let style = if l.starts_with("@@") {
            left = hunk_counts(l);
            SpanStyle::DiffHeader
        } else if is_unified_header(l) {
            SpanStyle::DiffHeader
        } else {
            style_of(l)
        };
        out.push(spans_of(l, style));
    }
    out
}

/// One line of a line diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change<'a> {
    Same(&'a str),
    Removed(&'a str),
    Added(&'a str),
}

/// Largest `old × new` middle part diffed exactly (a table of this many cells); beyond, the
/// old lines are all shown removed and the new ones added.
const DIFF_MAX_CELLS: usize = 1_000_000;

/// The line diff of `old` → `new` (longest common subsequence, after the common head and tail).
pub(crate) fn line_diff<'a>(old: &'a str, new: &'a str) -> Vec<Change<'a>> {
    let lines = |s: &'a str| -> Vec<&'a str> {
        if s.is_empty() {
            Vec::new()
        } else {
            split_lines(s)
        }
    };
    let (a, b) = (lines(old), lines(new));
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let mut out: Vec<Change> = a[..head].iter().map(|l| Change::Same(l)).collect();
    let (n, m) = (ma.len(), mb.len());
    if n.saturating_mul(m) > DIFF_MAX_CELLS {
        out.extend(ma.iter().map(|l| Change::Removed(l)));
        out.extend(mb.iter().map(|l| Change::Added(l)));
    } else {
        // lcs[i][j]: length of the LCS of ma[i..] and mb[j..]
        let w = m + 1;
        let mut lcs = vec![0u32; (n + 1) * w];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i * w + j] = if ma[i] == mb[j] {
                    lcs[(i + 1) * w + j + 1] + 1
                } else {
                    lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && ma[i] == mb[j] {
                out.push(Change::Same(ma[i]));
                i += 1;
                j += 1;
            } else if i < n && (j == m || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
                // on a tie, removals come before additions
                out.push(Change::Removed(ma[i]));
                i += 1;
            } else {
                out.push(Change::Added(mb[j]));
                j += 1;
            }
        }
    }
    out.extend(a[a.len() - tail..].iter().map(|l| Change::Same(l)));
    out
}

/// The diff of `old` → `new` as styled lines (`-old`, `+new`, ` same`), sanitised and wrapped.
pub(crate) fn edit_diff(old: &str, new: &str, width: usize) -> Vec<StyledLine> {
    let (old, new) = (sanitize(old), sanitize(new));
    let lines: Vec<Spans> = line_diff(&old, &new)
        .into_iter()
        .map(|c| {
            let (mark, line, style) = match c {
                Change::Same(l) => (" ", l, SpanStyle::Text),
                Change::Removed(l) => ("-", l, SpanStyle::DiffRemoved),
                Change::Added(l) => ("+", l, SpanStyle::DiffAdded),
            };
            let mut spans = Spans::new();
            push(&mut spans, mark, style);
            push(&mut spans, line, style);
            spans
        })
        .collect();
    pre_lines(lines, width, &Prefix::none())
}

#[cfg(test)]
mod tests {
    use super::super::highlight::SyntaxTheme;
    use super::*;

    fn texts(lines: &[StyledLine]) -> Vec<String> {
        lines.iter().map(|l| l.text()).collect()
    }

    fn styles(lines: &[StyledLine]) -> Vec<SpanStyle> {
        lines.iter().map(|l| l.spans[0].style).collect()
    }

    #[test]
    fn code_is_highlighted_and_never_reflowed() {
        let hl = Highlighter::shared(SyntaxTheme::Dark);
        let src = "fn main() {\n    println!(\"a long line that does not fit\");\n}\n";
        let lines = code(src, Some("rust"), 20, Some(hl));
        assert!(lines.iter().all(|l| l.width() <= 20), "{lines:?}");
        assert!(
            lines
                .iter()
                .flat_map(|l| &l.spans)
                .any(|s| matches!(s.style, SpanStyle::Syntax { .. }))
        );
        assert_eq!(lines[0].text(), "fn main() {");
        assert_eq!(lines[1].text(), "    println!(\"a long");
        assert!(lines[2].text().starts_with("↪ "));
        assert_eq!(lines.last().unwrap().text(), "}");
        // the text comes back whole once the markers are removed
        let joined: Vec<String> = texts(&lines)
            .into_iter()
            .map(|l| l.trim_start_matches("↪ ").to_string())
            .collect();
        assert_eq!(joined.concat(), src.replace('\n', ""));
    }

    #[test]
    fn code_without_language_or_highlighter_is_plain() {
        let hl = Highlighter::shared(SyntaxTheme::Dark);
        for lines in [
            code("x = 1\ny = 2", None, 40, Some(hl)),
            code("x = 1\ny = 2", Some("nosuchlang"), 40, Some(hl)),
            code("x = 1\ny = 2", Some("python"), 40, None),
        ] {
            assert_eq!(texts(&lines), vec!["x = 1", "y = 2"]);
            assert!(
                lines
                    .iter()
                    .flat_map(|l| &l.spans)
                    .all(|s| s.style == SpanStyle::Code)
            );
        }
        assert!(code("", Some("rust"), 40, Some(hl)).is_empty());
        assert_eq!(code("\n\n", None, 40, None).len(), 2);
    }

    #[test]
    fn code_lang_diff_renders_a_diff() {
        let lines = code("-a\n+b", Some("diff"), 40, None);
        assert_eq!(
            styles(&lines),
            vec![SpanStyle::DiffRemoved, SpanStyle::DiffAdded]
        );
    }

    #[test]
    fn unified_diff_styles() {
        let d = "diff --git a/x.sql b/x.sql\nindex 1..2 100644\n--- a/x.sql\n+++ b/x.sql\n@@ -1,3 +1,3 @@\n context\n--- a removed sql comment\n+++ an added one\n\\ No newline at end of file\nafter\n";
        let lines = diff(d, 80);
        use SpanStyle::*;
        assert_eq!(
            styles(&lines),
            vec![
                DiffHeader,
                DiffHeader,
                DiffHeader,
                DiffHeader,
                DiffHeader,
                Text,
                DiffRemoved,
                DiffAdded,
                Muted,
                Text
            ]
        );
    }

    #[test]
    fn hunk_counts_end_the_hunk() {
        let d = "@@ -1 +1 @@\n-a\n+b\n--- a/next\n+++ b/next\n@@ -5,2 +5 @@\n x\n-y\n";
        use SpanStyle::*;
        assert_eq!(
            styles(&diff(d, 80)),
            vec![
                DiffHeader,
                DiffRemoved,
                DiffAdded,
                DiffHeader,
                DiffHeader,
                DiffHeader,
                Text,
                DiffRemoved
            ]
        );
        assert_eq!(hunk_counts("@@ -1,3 +2,4 @@ fn x()"), Some((3, 4)));
        assert_eq!(hunk_counts("@@ -7 +7,0 @@"), Some((1, 0)));
        assert_eq!(hunk_counts("@@ nonsense"), None);
    }

    #[test]
    fn apply_patch_styles() {
        let p = "*** Begin Patch\n*** Update File: src/a.rs\n@@ fn main\n ctx\n-old\n+new\n--- removed comment\n*** Add File: b.txt\n+hello\n*** Delete File: c.txt\n*** End Patch";
        use SpanStyle::*;
        assert_eq!(
            styles(&diff(p, 80)),
            vec![
                DiffHeader,
                DiffHeader,
                DiffHeader,
                Text,
                DiffRemoved,
                DiffAdded,
                DiffRemoved,
                DiffHeader,
                DiffAdded,
                DiffHeader,
                DiffHeader
            ]
        );
        assert!(is_apply_patch(p));
        assert!(!is_apply_patch("--- a\n+++ b\n@@ -1 +1 @@\n-a\n+b"));
    }

    #[test]
    fn diff_lines_wrap_keeping_their_style() {
        let lines = diff(&format!("+{}", "x".repeat(30)), 12);
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| l.width() <= 12));
        for l in &lines {
            assert!(l.spans.iter().any(|s| s.style == SpanStyle::DiffAdded));
        }
    }

    #[test]
    fn unified_diff_detection() {
        assert!(looks_like_unified_diff(
            "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"
        ));
        assert!(looks_like_unified_diff("diff --git a/x b/x\n"));
        assert!(looks_like_unified_diff("@@ -1,2 +1,2 @@\n a\n"));
        assert!(!looks_like_unified_diff("--- just a rule\nsome text\n"));
        assert!(!looks_like_unified_diff("hello\n"));
    }

    #[test]
    fn line_diff_finds_the_changes() {
        use Change::*;
        assert_eq!(
            line_diff("a\nb\nc\nd", "a\nB\nc\nd\ne"),
            vec![
                Same("a"),
                Removed("b"),
                Added("B"),
                Same("c"),
                Same("d"),
                Added("e")
            ]
        );
        assert_eq!(line_diff("", "x\ny"), vec![Added("x"), Added("y")]);
        assert_eq!(line_diff("x", ""), vec![Removed("x")]);
        assert_eq!(
            line_diff("1\n2\n3\n4", "1\n3\n2\n4"),
            vec![Same("1"), Removed("2"), Same("3"), Added("2"), Same("4")]
        );
        // too big to diff exactly: all old removed, all new added
        let old: String = (0..1100).map(|i| format!("o{i}\n")).collect();
        let new: String = (0..1100).map(|i| format!("n{i}\n")).collect();
        let d = line_diff(&old, &new);
        assert_eq!(d.len(), 2200);
        assert!(d[..1100].iter().all(|c| matches!(c, Removed(_))));
        assert!(d[1100..].iter().all(|c| matches!(c, Added(_))));
    }

    #[test]
    fn edit_diff_lines() {
        let lines = edit_diff("keep\nold line", "keep\nnew line", 80);
        assert_eq!(texts(&lines), vec![" keep", "-old line", "+new line"]);
        assert_eq!(
            styles(&lines),
            vec![
                SpanStyle::Text,
                SpanStyle::DiffRemoved,
                SpanStyle::DiffAdded
            ]
        );
    }

    #[test]
    fn code_and_diff_are_sanitised() {
        let evil = "a\u{1b}]52;c;ZXZpbA==\u{7}b\u{1b}[2J\tc\u{0}\r\n";
        for lines in [
            code(
                evil,
                Some("bash"),
                30,
                Some(Highlighter::shared(SyntaxTheme::Dark)),
            ),
            code(evil, None, 30, None),
            diff(&format!("+{evil}"), 30),
            edit_diff(evil, "x", 30),
        ] {
            for s in lines.iter().flat_map(|l| &l.spans) {
                assert!(!s.text.chars().any(|c| c.is_control()), "{s:?}");
            }
            assert!(lines.iter().any(|l| l.text().contains('\u{2400}')));
        }
    }
}
