//! Text measuring and wrapping by display width (CJK and emoji take two columns).

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Wrap one line (no newlines) to `max` columns, preferring breaks after spaces; words longer
/// than a line are split. Always returns at least one (possibly empty) line.
pub fn wrap_line(line: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    if width(line) <= max {
        return vec![line.to_string()];
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_w = 0usize;
    // position in `cur` just after the last space, and the width up to it
    let mut last_space: Option<(usize, usize)> = None;
    for c in line.chars() {
        let w = c.width().unwrap_or(0);
        if c == ' ' && cur_w + w > max {
            // break at this space: it ends the line
            out.push(std::mem::take(&mut cur));
            cur_w = 0;
            last_space = None;
            continue;
        }
        if cur_w + w > max && !cur.is_empty() {
            match last_space {
                Some((byte, bw)) if byte < cur.len() => {
                    let rest = cur.split_off(byte);
                    out.push(cur.trim_end().to_string());
                    cur = rest;
                    cur_w -= bw;
                }
                _ => {
                    out.push(std::mem::take(&mut cur));
                    cur_w = 0;
                }
            }
            last_space = None;
        }
        cur.push(c);
        cur_w += w;
        if c == ' ' {
            last_space = Some((cur.len(), cur_w));
        }
    }
    out.push(cur);
    out
}

/// A size in bytes as people read it: `512 bytes`, `64.0 kB`, `12.3 MB`.
pub fn human_bytes(n: usize) -> String {
    match n {
        0..=999 => format!("{n} bytes"),
        1000..=999_999 => format!("{:.1} kB", n as f64 / 1e3),
        _ => format!("{:.1} MB", n as f64 / 1e6),
    }
}

/// Wrap multi-line text.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    text.split('\n').flat_map(|l| wrap_line(l, max)).collect()
}

/// Cut to `max` columns, adding `…` when cut.
pub fn fit(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw + 1 > max {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// Pad or cut to exactly `n` columns.
pub fn pad(s: &str, n: usize) -> String {
    let f = fit(s, n);
    let w = width(&f);
    format!("{f}{}", " ".repeat(n.saturating_sub(w)))
}

/// 950, 12.3k, 4.1M.
pub fn human(n: u64) -> String {
    match n {
        0..=999 => n.to_string(),
        1_000..=999_999 => format!("{:.1}k", n as f64 / 1e3),
        1_000_000..=999_999_999 => format!("{:.1}M", n as f64 / 1e6),
        _ => format!("{:.1}G", n as f64 / 1e9),
    }
}

/// `$1.23`, `$0.004`, or `-` when no cost is known.
pub fn money(c: Option<f64>) -> String {
    match c {
        None => "-".into(),
        Some(c) if c >= 100.0 => format!("${c:.0}"),
        Some(c) if c >= 0.995 => format!("${c:.2}"),
        Some(c) if c >= 0.0005 => format!("${c:.3}"),
        // never "$0.000" for something that cost money
        Some(c) if c > 0.0 => "<$0.001".into(),
        Some(_) => "$0".into(),
    }
}

/// A cost that may be partly unknown: `-` without usage, `?` when none of it has a price, a
/// trailing `+` when part of it has none (the figure is a lower bound).
pub fn cost_or_unpriced(usd: Option<f64>, unpriced: u64) -> String {
    match (usd, unpriced) {
        (None, 0) => "-".into(),
        (None, _) => "?".into(),
        (Some(c), 0) => money(Some(c)),
        (Some(0.0), _) => "?".into(),
        (Some(c), _) => format!("{}+", money(Some(c))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces() {
        assert_eq!(wrap_line("hello world foo", 11), vec!["hello world", "foo"]);
        assert_eq!(wrap_line("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a\nb", 10), vec!["a", "b"]);
        assert_eq!(wrap_line("", 5), vec![""]);
    }

    #[test]
    fn wide_chars_count_double() {
        let lines = wrap_line("你好世界你好", 5);
        assert!(lines.iter().all(|l| width(l) <= 5), "{lines:?}");
        assert_eq!(lines.concat(), "你好世界你好");
        assert_eq!(fit("你好世界", 5), "你好…");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(width(&pad("你好世界", 5)), 5);
    }
}
