//! Make session text inert before it reaches the terminal.
//!
//! Anything a session file contains is data. Escape sequences (CSI, OSC — including OSC 52
//! clipboard writes and title changes —, DCS, SOS/PM/APC, and their 8-bit C1 forms) are removed,
//! other control characters are shown as Unicode control pictures, bidi overrides and zero-width
//! characters are dropped, a lone `\r` becomes a line break and tabs are expanded.

use unicode_width::UnicodeWidthChar;

pub const TAB_WIDTH: usize = 4;

/// Characters that change text direction or are invisible; dropped.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}'   // zero-width space/joiners, LRM/RLM
        | '\u{202A}'..='\u{202E}' // LRE RLE PDF LRO RLO
        | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}' // LRI RLI FSI PDI
        | '\u{FEFF}'              // BOM / zero-width no-break space
        | '\u{061C}'              // Arabic letter mark
        | '\u{180E}'
    )
}

/// The visible stand-in for a C0 control character or DEL.
fn control_picture(c: char) -> char {
    match c as u32 {
        n @ 0..=0x1F => char::from_u32(0x2400 + n).unwrap_or('\u{FFFD}'),
        0x7F => '\u{2421}',
        _ => '\u{FFFD}',
    }
}

/// Skip an escape sequence starting right after ESC (or a C1 introducer). `kind` is the
/// introducer character: '[' CSI, ']' OSC, 'P' DCS, 'X' SOS, '^' PM, '_' APC, or another
/// character for a two-character sequence.
fn skip_sequence<I: Iterator<Item = char>>(kind: char, it: &mut std::iter::Peekable<I>) {
    match kind {
        '[' => {
            // parameters and intermediates, then one final byte in 0x40..=0x7E
            for c in it.by_ref() {
                if ('\u{40}'..='\u{7E}').contains(&c) {
                    break;
                }
                // a control inside a CSI aborts it (as terminals do); keep scanning otherwise
                if (c as u32) < 0x20 && c != '\u{1B}' {
                    break;
                }
            }
        }
        ']' | 'P' | 'X' | '^' | '_' => {
            // string terminated by BEL, ST (ESC \) or the 8-bit ST (U+009C)
            while let Some(c) = it.next() {
                match c {
                    '\u{07}' | '\u{9C}' => break,
                    '\u{1B}' => {
                        if it.peek() == Some(&'\\') {
                            it.next();
                        }
                        break;
                    }
                    _ => {}
                }
            }
        }
        '(' | ')' | '*' | '+' | '-' | '.' | '/' | '#' | '%' | ' ' => {
            // designate character set and friends: one more character
            it.next();
        }
        _ => {} // a two-character sequence (ESC 7, ESC c, …): already consumed
    }
}

/// Sanitise multi-line text. Newlines are kept; tabs expand to the next multiple of
/// [`TAB_WIDTH`] columns.
pub fn sanitize(s: &str) -> String {
    // Fast path: nothing to do for plain printable text.
    if !s.chars().any(|c| {
        (c as u32) < 0x20 && c != '\n'
            || ('\u{7F}'..='\u{9F}').contains(&c)
            || is_invisible_format(c)
    }) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut col = 0usize;
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\n' => {
                out.push('\n');
                col = 0;
            }
            '\r' => {
                if it.peek() != Some(&'\n') {
                    out.push('\n');
                    col = 0;
                }
            }
            '\t' => {
                let n = TAB_WIDTH - (col % TAB_WIDTH);
                out.extend(std::iter::repeat_n(' ', n));
                col += n;
            }
            '\u{1B}' => match it.next() {
                Some(kind) => skip_sequence(kind, &mut it),
                None => {
                    out.push(control_picture(c));
                    col += 1;
                }
            },
            '\u{9B}' => skip_sequence('[', &mut it),
            '\u{9D}' => skip_sequence(']', &mut it),
            '\u{90}' => skip_sequence('P', &mut it),
            '\u{98}' => skip_sequence('X', &mut it),
            '\u{9E}' => skip_sequence('^', &mut it),
            '\u{9F}' => skip_sequence('_', &mut it),
            c if (c as u32) < 0x20 || c == '\u{7F}' => {
                out.push(control_picture(c));
                col += 1;
            }
            c if ('\u{80}'..='\u{9F}').contains(&c) => {
                out.push('\u{FFFD}');
                col += 1;
            }
            c if is_invisible_format(c) => {}
            c => {
                out.push(c);
                col += c.width().unwrap_or(0);
            }
        }
    }
    out
}

/// Sanitise and fold to one line (titles, previews): whitespace runs become one space.
pub fn one_line(s: &str) -> String {
    let clean = sanitize(s);
    let mut out = String::with_capacity(clean.len());
    let mut space = false;
    for c in clean.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Cut `s` to at most `max` characters, adding `…` when cut.
pub fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_untouched() {
        assert_eq!(sanitize("hello 你好 🎉\nnext"), "hello 你好 🎉\nnext");
    }

    #[test]
    fn sgr_and_csi_removed() {
        assert_eq!(sanitize("\u{1b}[31mred\u{1b}[0m"), "red");
        assert_eq!(sanitize("a\u{1b}[2J\u{1b}[Hb"), "ab");
        assert_eq!(sanitize("x\u{9b}31my"), "xy");
    }

    #[test]
    fn osc_title_and_clipboard_removed() {
        assert_eq!(sanitize("a\u{1b}]0;pwned\u{07}b"), "ab");
        assert_eq!(sanitize("a\u{1b}]52;c;ZXZpbA==\u{1b}\\b"), "ab");
        assert_eq!(sanitize("a\u{9d}52;c;ZXZpbA==\u{9c}b"), "ab");
        assert_eq!(sanitize("a\u{1b}Pq#0;2;0;0;0\u{1b}\\b"), "ab");
    }

    #[test]
    fn controls_become_pictures() {
        assert_eq!(
            sanitize("a\u{0}b\u{7}c\u{7f}"),
            "a\u{2400}b\u{2407}c\u{2421}"
        );
        assert_eq!(sanitize("trailing esc \u{1b}"), "trailing esc \u{241b}");
    }

    #[test]
    fn bidi_and_zero_width_dropped() {
        assert_eq!(sanitize("ab\u{202E}cd\u{200B}e\u{2066}f"), "abcdef");
    }

    #[test]
    fn carriage_returns_and_tabs() {
        assert_eq!(sanitize("a\r\nb"), "a\nb");
        assert_eq!(sanitize("10%\r20%"), "10%\n20%");
        assert_eq!(sanitize("a\tb"), "a   b");
        assert_eq!(sanitize("abcd\tx"), "abcd    x");
        assert_eq!(sanitize("你\tx"), "你  x");
    }

    #[test]
    fn one_line_folds() {
        assert_eq!(one_line("  a\n\n b\t c  "), "a b c");
        assert_eq!(truncate_chars("abcdef", 4), "abc…");
        assert_eq!(truncate_chars("abc", 4), "abc");
    }
}
