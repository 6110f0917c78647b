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
        self.skim.fuzzy(hay, pattern, false).map(|(s, _)| s)
    }

    /// Score and the matched character positions (char indices into `hay`).
    pub fn indices(&self, hay: &str, pattern: &str) -> Option<(i64, Vec<usize>)> {
        self.skim.fuzzy(hay, pattern, true)
    }
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
    fn smart_case() {
        let m = Matcher::default();
        assert!(m.score("Login", "login").is_some());
        assert!(
            m.score("login", "Login").is_none(),
            "an upper-case pattern is case-sensitive"
        );
    }
}
