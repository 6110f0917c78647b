//! The fuzzy matcher, behind a small seam so the engine can be swapped if the benchmark
//! demands it. Today: fuzzy-matcher's `SkimMatcherV2` (smart case).

use fuzzy_matcher::skim::SkimMatcherV2;

pub struct Matcher {
    skim: SkimMatcherV2,
}

impl Default for Matcher {
    fn default() -> Self {
        Matcher {
            skim: SkimMatcherV2::default().smart_case(),
        }
    }
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Matcher(skim v2)")
    }
}

/// Are the characters of `pattern` (lowercased) found in order in `lower_hay`? A cheap test
/// that rules out most haystacks before the real scoring.
pub fn subsequence(lower_hay: &str, lower_pattern: &str) -> bool {
    let mut hay = lower_hay.chars();
    'outer: for p in lower_pattern.chars() {
        if p.is_whitespace() {
            continue;
        }
        for h in hay.by_ref() {
            if h == p {
                continue 'outer;
            }
        }
        return false;
    }
    true
}

impl Matcher {
    /// Score of `pattern` in `hay`, higher is better; `None` when it does not match.
    pub fn score(&self, hay: &str, pattern: &str) -> Option<i64> {
        let mut chars = pattern.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return one_char(hay, c);
        }
        self.skim.fuzzy(hay, pattern, false).map(|(s, _)| s)
    }

    /// Score and the matched character positions (char indices into `hay`).
    pub fn indices(&self, hay: &str, pattern: &str) -> Option<(i64, Vec<usize>)> {
        self.skim.fuzzy(hay, pattern, true)
    }
}

/// A quick score of a lower-case pattern in a lower-case haystack, linear in the haystack: a
/// literal substring scores highest (earlier and at a word start better); otherwise the letters
/// in order, with a bonus for each one next to the previous and for word starts. `None` when
/// the letters are not all there in order. Used to rank every candidate before the fuzzy
/// matcher refines the best ones.
pub fn quick_score(lower_hay: &str, lower_pattern: &str) -> Option<i64> {
    let pattern: Vec<char> = lower_pattern
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if pattern.is_empty() {
        return Some(0);
    }
    if let Some(pos) = lower_hay.find(lower_pattern) {
        let at_word = pos == 0
            || !lower_hay[..pos]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric);
        let pos_chars = lower_hay[..pos].chars().count() as i64;
        return Some(
            1000 + 20 * pattern.len() as i64 + if at_word { 300 } else { 0 } - pos_chars.min(200),
        );
    }
    let mut score = 0i64;
    let mut pi = 0;
    let mut prev: Option<char> = None;
    let mut last_hit: Option<usize> = None;
    for (i, h) in lower_hay.chars().enumerate() {
        if pi == pattern.len() {
            break;
        }
        if h == pattern[pi] {
            score += 10;
            if last_hit == Some(i.wrapping_sub(1)) {
                score += 15;
            }
            if prev.is_none_or(|p| !p.is_alphanumeric()) {
                score += 12;
            }
            last_hit = Some(i);
            pi += 1;
        }
        prev = Some(h);
    }
    (pi == pattern.len()).then_some(score)
}

/// A one-character pattern: its best occurrence (a word start beats the middle of a word,
/// earlier beats later), smart case like the full matcher.
fn one_char(hay: &str, c: char) -> Option<i64> {
    let case_sensitive = c.is_uppercase();
    let mut best: Option<i64> = None;
    let mut prev: Option<char> = None;
    for (i, h) in hay.chars().enumerate() {
        let hit = if case_sensitive {
            h == c
        } else {
            h.to_lowercase().eq(c.to_lowercase())
        };
        if hit {
            let at_start = prev.is_none_or(|p| !p.is_alphanumeric());
            let score = if at_start { 40 } else { 16 } - (i as i64).min(15);
            best = Some(best.map_or(score, |b| b.max(score)));
            if at_start {
                break;
            }
        }
        prev = Some(h);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_and_positions() {
        let m = Matcher::default();
        assert!(m.score("Fix the login bug", "login").is_some());
        assert!(m.score("Fix the login bug", "zzz").is_none());
        let (_, idx) = m.indices("abc def", "ad").unwrap();
        assert_eq!(idx, vec![0, 4]);
        assert!(subsequence("fix the login bug", "flb"));
        assert!(!subsequence("fix the login bug", "bf"));
        assert!(subsequence("anything", ""));
    }

    #[test]
    fn quick_scores_order_like_people_expect() {
        let exact = quick_score("fix the auth bug", "auth bug").unwrap();
        let scattered =
            quick_score("a user tried to hack the bug tracker", "auth bug").unwrap_or(0);
        assert!(exact > scattered);
        assert!(quick_score("login page", "log").unwrap() > quick_score("catalog", "log").unwrap());
        assert!(quick_score("abc", "cab").is_none());
        assert_eq!(quick_score("anything", ""), Some(0));
    }

    #[test]
    fn one_character_patterns() {
        let m = Matcher::default();
        assert!(m.score("fix the bug", "b").unwrap() > m.score("debug", "b").unwrap());
        assert!(m.score("abc", "z").is_none());
        assert!(m.score("Bug", "b").is_some());
        assert!(m.score("bug", "B").is_none());
    }

    #[test]
    fn smart_case() {
        let m = Matcher::default();
        assert!(m.score("Login", "login").is_some());
        assert!(
            m.score("login", "Login").is_none(),
            "an upper-case pattern is case-sensitive"
        );
    }
}
