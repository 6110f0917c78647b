//! Keymaps are data: per mode, each binding with its keys, action and description. The help
//! overlay and the status-line hints are generated from them.

use super::action::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::fmt;

/// Where the keys go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Applies in every mode unless the mode binds the key itself.
    Global,
    List,
    Transcript,
    /// Typing in the search box: printable keys are text.
    Search,
    /// Typing in the transcript's find box: printable keys are text.
    Find,
    Help,
}

impl Mode {
    pub fn title(self) -> &'static str {
        match self {
            Mode::Global => "Everywhere",
            Mode::List => "Session list",
            Mode::Transcript => "Transcript",
            Mode::Search => "Search box",
            Mode::Find => "Find in transcript",
            Mode::Help => "Help",
        }
    }
}

/// One key with modifiers, as written in keymaps: `j`, `G`, `ctrl-c`, `pagedown`, `shift-tab`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeySpec {
    pub fn parse(s: &str) -> Result<KeySpec, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("empty key".into());
        }
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") || lower.starts_with("ctrl+") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") || lower.starts_with("alt+") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") || lower.starts_with("shift+") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            if rest.len() == len {
                break; // "ctrl-" alone: treat '-' as the key below
            }
            mods |= m;
            rest = &rest[len..];
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => {
                if mods.contains(KeyModifiers::SHIFT) {
                    mods.remove(KeyModifiers::SHIFT);
                    KeyCode::BackTab
                } else {
                    KeyCode::Tab
                }
            }
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" | "pgup" => KeyCode::PageUp,
            "pagedown" | "pgdn" => KeyCode::PageDown,
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                let n: u8 = f[1..].parse().unwrap_or(0);
                if !(1..=24).contains(&n) {
                    return Err(format!("unknown key '{s}'"));
                }
                KeyCode::F(n)
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(c),
                    _ => return Err(format!("unknown key '{s}'")),
                }
            }
        };
        Ok(KeySpec { code, mods })
    }

    /// Does this spec match a key event? Shift is implied by the character for char keys.
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        match (self.code, ev.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) => {
                let strip = |m: KeyModifiers| m - KeyModifiers::SHIFT;
                let same = a == b
                    || (self.mods.contains(KeyModifiers::CONTROL) && a.eq_ignore_ascii_case(&b));
                same && strip(self.mods) == strip(ev.modifiers)
            }
            (a, b) => {
                // terminals report Shift with BackTab
                let ev_mods = if b == KeyCode::BackTab {
                    ev.modifiers - KeyModifiers::SHIFT
                } else {
                    ev.modifiers
                };
                a == b && self.mods == ev_mods
            }
        }
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub keys: Vec<KeySpec>,
    pub action: Action,
    pub desc: &'static str,
}

impl Binding {
    /// The keys as shown in help: the first two (further aliases still work).
    pub fn keys_label(&self) -> String {
        self.keys
            .iter()
            .take(2)
            .map(|k| k.to_string())
            .collect::<Vec<_>>()
            .join("/")
    }
}

#[derive(Debug, Clone)]
pub struct Keymap {
    pub modes: Vec<(Mode, Vec<Binding>)>,
}

/// The default bindings: (mode, keys, action, description).
#[rustfmt::skip]
pub const DEFAULTS: &[(Mode, &[&str], Action, &str)] = &[
    (Mode::Global, &["?"], Action::ToggleHelp, "help"),
    (Mode::Global, &["q", "ctrl-c"], Action::Quit, "quit"),
    (Mode::Global, &["tab", "shift-tab"], Action::FocusNext, "switch pane"),
    (Mode::List, &["j", "down"], Action::SelectNext, "next session"),
    (Mode::List, &["k", "up"], Action::SelectPrev, "previous session"),
    (Mode::List, &["pagedown", "ctrl-d"], Action::PageDown, "page down"),
    (Mode::List, &["pageup", "ctrl-u"], Action::PageUp, "page up"),
    (Mode::List, &["home"], Action::Top, "first session"),
    (Mode::List, &["G", "end"], Action::Bottom, "last session"),
    (Mode::List, &["enter", "l", "right"], Action::Open, "open transcript"),
    (Mode::List, &["/"], Action::Search, "filter (fuzzy)"),
    (Mode::List, &["ctrl-f", "ctrl-/", "ctrl-7", "ctrl-_"], Action::FullTextSearch, "search all text"),
    (Mode::List, &["s"], Action::CycleSort, "cycle sort"),
    (Mode::List, &["g"], Action::ToggleGroup, "group by project"),
    (Mode::List, &["Y"], Action::CopyId, "copy the session id"),
    (Mode::List, &["ctrl-y"], Action::CopyResume, "copy the resume command"),
    (Mode::List, &["esc"], Action::ClearOrQuit, "clear filter / quit"),
    (Mode::Search, &["enter"], Action::KeepSearch, "keep (full text: open)"),
    (Mode::Search, &["esc"], Action::ClearSearch, "clear"),
    (Mode::Search, &["tab"], Action::ToggleSearchMode, "fuzzy / full text"),
    (Mode::Search, &["down", "ctrl-n"], Action::SelectNext, "next result"),
    (Mode::Search, &["up", "ctrl-p"], Action::SelectPrev, "previous result"),
    (Mode::Search, &["pagedown"], Action::PageDown, "page down"),
    (Mode::Search, &["pageup"], Action::PageUp, "page up"),
    (Mode::Transcript, &["j", "down"], Action::ScrollDown, "scroll down"),
    (Mode::Transcript, &["k", "up"], Action::ScrollUp, "scroll up"),
    (Mode::Transcript, &["J"], Action::NextUnit, "cursor to the next unit"),
    (Mode::Transcript, &["K"], Action::PrevUnit, "cursor to the previous unit"),
    (Mode::Transcript, &["enter", "space"], Action::ToggleFold, "fold / unfold under the cursor"),
    (Mode::Transcript, &["z"], Action::CycleFoldLevel, "folded / summaries / open"),
    (Mode::Transcript, &["t"], Action::ToggleThinking, "show / hide thinking"),
    (Mode::Transcript, &["pagedown", "ctrl-f"], Action::PageDown, "page down"),
    (Mode::Transcript, &["pageup", "ctrl-b"], Action::PageUp, "page up"),
    (Mode::Transcript, &["ctrl-d"], Action::HalfPageDown, "half page down"),
    (Mode::Transcript, &["ctrl-u"], Action::HalfPageUp, "half page up"),
    (Mode::Transcript, &["g", "home"], Action::Top, "top"),
    (Mode::Transcript, &["G", "end"], Action::Bottom, "bottom"),
    (Mode::Transcript, &["]"], Action::NextPrompt, "next prompt"),
    (Mode::Transcript, &["["], Action::PrevPrompt, "previous prompt"),
    (Mode::Transcript, &["e"], Action::NextError, "next tool error"),
    (Mode::Transcript, &["E"], Action::PrevError, "previous tool error"),
    (Mode::Transcript, &["/"], Action::FindInTranscript, "find in the transcript"),
    (Mode::Transcript, &["n"], Action::NextHit, "next hit"),
    (Mode::Transcript, &["N"], Action::PrevHit, "previous hit"),
    (Mode::Transcript, &["y"], Action::Copy, "copy the unit under the cursor"),
    (Mode::Transcript, &["Y"], Action::CopyId, "copy the session id"),
    (Mode::Transcript, &["ctrl-y"], Action::CopyResume, "copy the resume command"),
    (Mode::Transcript, &["o"], Action::OpenPager, "open as Markdown in $PAGER"),
    (Mode::Transcript, &["O"], Action::OpenEditor, "open the raw file in $EDITOR"),
    (Mode::Transcript, &["b"], Action::SwitchBranch, "switch to the branch at the cursor"),
    (Mode::Transcript, &["esc", "h", "left"], Action::Back, "back to list"),
    (Mode::Find, &["enter"], Action::KeepSearch, "keep, jump to the first hit"),
    (Mode::Find, &["esc"], Action::ClearSearch, "clear"),
    (Mode::Help, &["j", "down"], Action::ScrollDown, "scroll down"),
    (Mode::Help, &["k", "up"], Action::ScrollUp, "scroll up"),
    (Mode::Help, &["pagedown", "space"], Action::PageDown, "page down"),
    (Mode::Help, &["pageup"], Action::PageUp, "page up"),
    (Mode::Help, &["esc", "?", "q", "enter"], Action::ToggleHelp, "close help"),
];

impl Default for Keymap {
    fn default() -> Self {
        let mut modes: Vec<(Mode, Vec<Binding>)> = Vec::new();
        for (mode, keys, action, desc) in DEFAULTS {
            let keys = keys
                .iter()
                .map(|k| KeySpec::parse(k).expect("default keys parse"))
                .collect();
            let b = Binding {
                keys,
                action: *action,
                desc,
            };
            match modes.iter_mut().find(|(m, _)| m == mode) {
                Some((_, v)) => v.push(b),
                None => modes.push((*mode, vec![b])),
            }
        }
        Keymap { modes }
    }
}

impl Keymap {
    pub fn bindings(&self, mode: Mode) -> &[Binding] {
        self.modes
            .iter()
            .find(|(m, _)| *m == mode)
            .map(|(_, b)| b.as_slice())
            .unwrap_or(&[])
    }

    /// The action for a key in a mode: the mode's own bindings first, then the global ones
    /// (except in help, which takes every key).
    pub fn resolve(&self, mode: Mode, ev: &KeyEvent) -> Option<Action> {
        if ev.kind == KeyEventKind::Release {
            return None;
        }
        let find = |m: Mode| {
            self.bindings(m)
                .iter()
                .find(|b| b.keys.iter().any(|k| k.matches(ev)))
                .map(|b| b.action)
        };
        find(mode).or_else(|| match mode {
            // Ctrl-C still quits from help
            Mode::Help => find(Mode::Global)
                .filter(|a| *a == Action::Quit && ev.modifiers.contains(KeyModifiers::CONTROL)),
            // in a text box, plain keys are text: only modified keys reach global bindings
            Mode::Search | Mode::Find => {
                let modified = ev
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
                if modified { find(Mode::Global) } else { None }
            }
            _ => find(Mode::Global),
        })
    }

    /// "key description" for the first binding of `action` in `mode` (or global).
    pub fn hint(&self, mode: Mode, action: Action) -> Option<(String, &'static str)> {
        [mode, Mode::Global].iter().find_map(|m| {
            self.bindings(*m)
                .iter()
                .find(|b| b.action == action)
                .and_then(|b| b.keys.first().map(|k| (k.to_string(), b.desc)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn parses_keys() {
        assert_eq!(KeySpec::parse("j").unwrap().code, KeyCode::Char('j'));
        let c = KeySpec::parse("ctrl-c").unwrap();
        assert_eq!(
            (c.code, c.mods),
            (KeyCode::Char('c'), KeyModifiers::CONTROL)
        );
        assert_eq!(KeySpec::parse("shift-tab").unwrap().code, KeyCode::BackTab);
        assert_eq!(KeySpec::parse("PageDown").unwrap().code, KeyCode::PageDown);
        assert_eq!(KeySpec::parse("f5").unwrap().code, KeyCode::F(5));
        assert_eq!(KeySpec::parse("-").unwrap().code, KeyCode::Char('-'));
        assert!(KeySpec::parse("hyper-x").is_err());
        assert!(KeySpec::parse("f99").is_err());
        assert!(KeySpec::parse("").is_err());
    }

    #[test]
    fn resolves_with_global_fallback() {
        let km = Keymap::default();
        assert_eq!(
            km.resolve(Mode::List, &key(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::SelectNext)
        );
        assert_eq!(
            km.resolve(
                Mode::Transcript,
                &key(KeyCode::Char('j'), KeyModifiers::NONE)
            ),
            Some(Action::ScrollDown)
        );
        assert_eq!(
            km.resolve(
                Mode::Transcript,
                &key(KeyCode::Char('q'), KeyModifiers::NONE)
            ),
            Some(Action::Quit)
        );
        assert_eq!(
            km.resolve(Mode::List, &key(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            km.resolve(Mode::List, &key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            km.resolve(Mode::Help, &key(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::ScrollDown)
        );
        assert_eq!(
            km.resolve(Mode::Help, &key(KeyCode::Char('s'), KeyModifiers::NONE)),
            None,
            "other keys do nothing in help"
        );
        assert_eq!(
            km.resolve(Mode::Help, &key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            km.resolve(Mode::List, &key(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::FocusNext)
        );
    }

    #[test]
    fn the_search_box_takes_plain_keys_as_text() {
        let km = Keymap::default();
        for c in ['q', '?', 'j', 's', 'g', '/'] {
            assert_eq!(
                km.resolve(Mode::Search, &key(KeyCode::Char(c), KeyModifiers::NONE)),
                None,
                "{c}"
            );
        }
        assert_eq!(
            km.resolve(
                Mode::Search,
                &key(KeyCode::Char('c'), KeyModifiers::CONTROL)
            ),
            Some(Action::Quit)
        );
        assert_eq!(
            km.resolve(Mode::Search, &key(KeyCode::Tab, KeyModifiers::NONE)),
            Some(Action::ToggleSearchMode)
        );
        assert_eq!(
            km.resolve(Mode::List, &key(KeyCode::Char('7'), KeyModifiers::CONTROL)),
            Some(Action::FullTextSearch),
            "Ctrl-/ as most terminals send it"
        );
    }

    #[test]
    fn every_action_has_a_description() {
        let km = Keymap::default();
        for (_, bs) in &km.modes {
            for b in bs {
                assert!(!b.desc.is_empty());
                assert!(!b.keys.is_empty());
            }
        }
    }
}
