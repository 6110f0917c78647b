//! The sanitiser: whatever a session holds, what reaches the terminal has no escape sequence,
//! no control character but the newline (none at all on one line), no C1 control and no bidi
//! override; and sanitised text is left as it is.

use revisit::sanitize::{one_line, sanitize, truncate_chars};

fn check(what: &str, input: &str, out: &str, newline: bool) {
    for c in out.chars() {
        let bad = c == '\u{1b}'
            || (c < ' ' && !(newline && c == '\n'))
            || c == '\u{7f}'
            || ('\u{80}'..='\u{9f}').contains(&c)
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c);
        assert!(!bad, "{what}({input:?}) = {out:?} holds {c:?}");
    }
}

pub fn run(data: &[u8]) {
    let input = String::from_utf8_lossy(data);
    let out = sanitize(&input);
    check("sanitize", &input, &out, true);
    assert_eq!(sanitize(&out), out, "sanitised text is left as it is");
    let line = one_line(&input);
    check("one_line", &input, &line, false);
    assert_eq!(one_line(&line), line, "a folded line is left as it is");
    let max = data.first().map_or(0, |b| *b as usize % 40);
    let cut = truncate_chars(&line, max);
    assert!(
        cut.chars().count() <= max.max(1),
        "truncate_chars({line:?}, {max}) = {cut:?}"
    );
}
