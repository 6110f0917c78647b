//! Keymaps are data: per mode, each binding with its keys, action and description. The help
//! overlay and the status-line hints are generated from them.

use super::action::Action;
use crate::config::{KeySection, KeysConfig};
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
    /// The stats pane.
    Stats,
    Help,
    /// A question waiting for yes or no (resume from another directory?).
    Confirm,
    /// Typing an answer: a name, tags, where to export.
    Prompt,
}

impl Mode {
    /// Every mode, in the order of the help overlay.
    pub const ALL: [Mode; 9] = [
        Mode::Global,
        Mode::List,
        Mode::Transcript,
        Mode::Search,
        Mode::Find,
        Mode::Stats,
        Mode::Help,
        Mode::Confirm,
        Mode::Prompt,
    ];

    /// The mode's name in `config.toml` (`[keys.<name>]`).
    pub fn name(self) -> &'static str {
        match self {
            Mode::Global => "global",
            Mode::List => "list",
            Mode::Transcript => "transcript",
            Mode::Search => "search",
            Mode::Find => "find",
            Mode::Stats => "stats",
            Mode::Help => "help",
            Mode::Confirm => "confirm",
            Mode::Prompt => "prompt",
        }
    }

    /// The mode named `name` in `config.toml` (case-insensitive).
    pub fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(name.trim()))
    }

    pub fn title(self) -> &'static str {
        match self {
            Mode::Global => "Everywhere",
            Mode::List => "Session list",
            Mode::Transcript => "Transcript",
            Mode::Search => "Search box",
            Mode::Find => "Find in transcript",
            Mode::Stats => "Stats",
            Mode::Help => "Help",
            Mode::Confirm => "Question",
            Mode::Prompt => "Prompt (name, tags, export)",
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

impl KeySpec {
    /// Do two specs stand for the same key press (so that they conflict)? Shift is implied by
    /// the character for char keys, and Ctrl with a letter ignores its case, as in `matches`.
    pub fn same_key(&self, other: &KeySpec) -> bool {
        match (self.code, other.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) => {
                let strip = |m: KeyModifiers| m - KeyModifiers::SHIFT;
                let ctrl = self.mods.contains(KeyModifiers::CONTROL);
                let same = a == b || (ctrl && a.eq_ignore_ascii_case(&b));
                same && strip(self.mods) == strip(other.mods)
            }
            (a, b) => a == b && self.mods == other.mods,
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
    (Mode::Global, &["ctrl-z"], Action::Suspend, "suspend (fg to come back)"),
    (Mode::List, &["j", "down"], Action::SelectNext, "next session"),
    (Mode::List, &["k", "up"], Action::SelectPrev, "previous session"),
    (Mode::List, &["pagedown", "ctrl-d"], Action::PageDown, "page down"),
    (Mode::List, &["pageup", "ctrl-u"], Action::PageUp, "page up"),
    (Mode::List, &["home"], Action::Top, "first session"),
    (Mode::List, &["G", "end"], Action::Bottom, "last session"),
    (Mode::List, &["enter", "l", "right"], Action::Open, "open transcript"),
    (Mode::List, &["r"], Action::Resume, "resume: in the agent's CLI"),
    (Mode::List, &["c"], Action::ContinueLatest, "continue agent's latest here"),
    (Mode::List, &["/"], Action::Search, "filter (fuzzy)"),
    (Mode::List, &["ctrl-f", "ctrl-/", "ctrl-7", "ctrl-_"], Action::FullTextSearch, "search all text"),
    (Mode::List, &["s"], Action::CycleSort, "cycle sort"),
    (Mode::List, &["g"], Action::ToggleGroup, "group by project"),
    (Mode::List, &["Y"], Action::CopyId, "copy the session id"),
    (Mode::List, &["ctrl-y"], Action::CopyResume, "copy the resume command"),
    (Mode::List, &["$"], Action::Stats, "cost and token stats"),
    (Mode::List, &["e"], Action::Export, "export (redacted)"),
    (Mode::List, &["a"], Action::Archive, "archive a copy"),
    (Mode::List, &["R"], Action::Rename, "rename"),
    (Mode::List, &["t"], Action::Tag, "tags"),
    (Mode::List, &["D"], Action::Delete, "delete (to revisit's trash)"),
    (Mode::List, &["u"], Action::Undo, "undo the last delete"),
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
    (Mode::Transcript, &["J"], Action::NextUnit, "next unit"),
    (Mode::Transcript, &["K"], Action::PrevUnit, "previous unit"),
    (Mode::Transcript, &["enter", "space"], Action::ToggleFold, "fold / unfold"),
    (Mode::Transcript, &["z"], Action::CycleFoldLevel, "fold level: folded, summaries, open"),
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
    (Mode::Transcript, &["/"], Action::FindInTranscript, "find"),
    (Mode::Transcript, &["n"], Action::NextHit, "next hit"),
    (Mode::Transcript, &["N"], Action::PrevHit, "previous hit"),
    (Mode::Transcript, &["y"], Action::Copy, "copy the unit"),
    (Mode::Transcript, &["Y"], Action::CopyId, "copy the session id"),
    (Mode::Transcript, &["ctrl-y"], Action::CopyResume, "copy the resume command"),
    (Mode::Transcript, &["o"], Action::OpenPager, "open as Markdown in $PAGER"),
    (Mode::Transcript, &["O"], Action::OpenEditor, "open the raw file in $EDITOR"),
    (Mode::Transcript, &["b"], Action::SwitchBranch, "other branch (Pi)"),
    (Mode::Transcript, &["$"], Action::Stats, "cost and token stats"),
    (Mode::Transcript, &["x"], Action::Export, "export (redacted)"),
    (Mode::Transcript, &["a"], Action::Archive, "archive a copy"),
    (Mode::Transcript, &["R"], Action::Rename, "rename"),
    (Mode::Transcript, &["#"], Action::Tag, "tags"),
    (Mode::Transcript, &["D"], Action::Delete, "delete (to revisit's trash)"),
    (Mode::Transcript, &["r"], Action::Resume, "resume: in the agent's CLI"),
    (Mode::Transcript, &["c"], Action::ContinueLatest, "continue agent's latest here"),
    (Mode::Transcript, &["esc", "h", "left"], Action::Back, "back to list"),
    (Mode::Find, &["enter"], Action::KeepSearch, "keep, jump to the first hit"),
    (Mode::Find, &["esc"], Action::ClearSearch, "clear"),
    (Mode::Stats, &["j", "down"], Action::SelectNext, "next expensive session"),
    (Mode::Stats, &["k", "up"], Action::SelectPrev, "previous expensive session"),
    (Mode::Stats, &["enter"], Action::Open, "open that session"),
    (Mode::Stats, &["b", "tab"], Action::StatsBy, "breakdown: day, week, month, project, model, agent, session"),
    (Mode::Stats, &["r"], Action::StatsRange, "range: the filter's, 7, 30, 90 days, this month"),
    (Mode::Stats, &["esc", "$"], Action::Back, "close stats"),
    (Mode::Help, &["j", "down"], Action::ScrollDown, "scroll down"),
    (Mode::Help, &["k", "up"], Action::ScrollUp, "scroll up"),
    (Mode::Help, &["pagedown", "space"], Action::PageDown, "page down"),
    (Mode::Help, &["pageup"], Action::PageUp, "page up"),
    (Mode::Help, &["esc", "?", "q", "enter"], Action::ToggleHelp, "close help"),
    (Mode::Confirm, &["y", "enter"], Action::Confirm, "yes"),
    (Mode::Confirm, &["n", "esc", "q"], Action::Cancel, "no"),
    (Mode::Prompt, &["enter"], Action::Confirm, "done"),
    (Mode::Prompt, &["esc"], Action::Cancel, "cancel"),
    (Mode::Prompt, &["tab"], Action::NextChoice, "export: next format"),
    (Mode::Prompt, &["ctrl-r"], Action::ToggleRedact, "export: redaction on / off"),
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

/// The description of a binding the user added to a mode whose defaults do not have it, when
/// no other mode describes the action either.
const ADDED_DESC: &str = "(added in config.toml)";

impl Keymap {
    /// The default keymap with the `[keys.<mode>]` sections of `config.toml` applied, and a
    /// message for everything that could not be used (see [`Keymap::apply_overrides`]).
    pub fn with_overrides(keys: &KeysConfig) -> (Keymap, Vec<String>) {
        let mut km = Keymap::default();
        let messages = km.apply_overrides(keys);
        (km, messages)
    }

    /// Apply `[keys.<mode>]` overrides; never fails. Per mode section:
    ///
    /// - `action = ["k1", "k2"]` (or `action = "k1"`) replaces the action's keys in that mode;
    ///   an action that mode does not bind yet is added, described as in the mode that has it.
    ///   `action = []` unbinds it.
    /// - A key given to an action is taken from every other action of that mode: the user's
    ///   binding wins. An action left without keys that way is reported (and unbound).
    /// - The same key given to two actions of a mode: the first by name keeps it (reported).
    /// - A key given in `[keys.global]` that a list or transcript binding shadows is reported
    ///   (a mode's own bindings win over global ones there).
    /// - An unknown section, an unknown action, a key that does not parse or a value that is
    ///   not keys is reported, and the defaults stay as they were for it.
    pub fn apply_overrides(&mut self, keys: &KeysConfig) -> Vec<String> {
        let mut messages = Vec::new();
        let mut global_keys: Vec<(Action, KeySpec)> = Vec::new();
        for (section_name, section) in &keys.sections {
            let Some(mode) = Mode::from_name(section_name) else {
                let names: Vec<&str> = Mode::ALL.iter().map(|m| m.name()).collect();
                messages.push(match section {
                    KeySection::Actions(_) => format!(
                        "[keys.{section_name}]: unknown section (modes: {}), ignored",
                        names.join(", ")
                    ),
                    KeySection::Other(_) => format!(
                        "[keys] {section_name}: expected a section such as [keys.list] \
                         (modes: {}), ignored",
                        names.join(", ")
                    ),
                });
                continue;
            };
            let KeySection::Actions(actions) = section else {
                messages.push(format!(
                    "[keys] {section_name}: expected a section [keys.{}] of action = keys \
                     lines, ignored",
                    mode.name()
                ));
                continue;
            };
            let sec = format!("[keys.{}]", mode.name());
            // what the user asked for in this mode, in action-name order
            let mut wanted: Vec<(Action, &str, Vec<KeySpec>)> = Vec::new();
            for (action_name, list) in actions {
                let Some(action) = parse_action(action_name) else {
                    messages.push(format!(
                        "{sec} {action_name}: unknown action, ignored (the names are listed in \
                         `revisit config --print-default`)"
                    ));
                    continue;
                };
                let Some(strings) = list.keys() else {
                    messages.push(format!(
                        "{sec} {action_name}: expected a key or a list of keys such as \
                         [\"j\", \"down\"], the default keys are kept"
                    ));
                    continue;
                };
                let mut specs: Vec<KeySpec> = Vec::new();
                let mut bad = Vec::new();
                for k in strings {
                    match KeySpec::parse(k) {
                        Ok(spec) => {
                            if !specs.iter().any(|s| s.same_key(&spec)) {
                                specs.push(spec);
                            }
                        }
                        Err(e) => bad.push(format!("\"{k}\" ({e})")),
                    }
                }
                if !bad.is_empty() {
                    messages.push(format!(
                        "{sec} {action_name}: invalid key {}, the default keys are kept",
                        bad.join(", ")
                    ));
                    continue;
                }
                wanted.push((action, action_name.as_str(), specs));
            }
            // the same key given to two actions of this mode: the first keeps it
            for i in 0..wanted.len() {
                let (before, rest) = wanted.split_at_mut(i);
                let (_, name_i, specs_i) = &mut rest[0];
                specs_i.retain(|k| {
                    match before.iter().find(|(_, _, ks)| ks.iter().any(|o| o.same_key(k))) {
                        Some((_, first, _)) => {
                            messages.push(format!(
                                "{sec} '{k}' is given to both {first} and {name_i}: {first} keeps it"
                            ));
                            false
                        }
                        None => true,
                    }
                });
            }
            let desc_elsewhere = |action: Action| -> &'static str {
                DEFAULTS
                    .iter()
                    .find(|(_, _, a, _)| *a == action)
                    .map(|(_, _, _, d)| *d)
                    .unwrap_or(ADDED_DESC)
            };
            let bindings = self.mode_bindings_mut(mode);
            for (action, _, specs) in &wanted {
                // the user's keys are taken from every other action of the mode
                for b in bindings.iter_mut().filter(|b| b.action != *action) {
                    let before: Vec<KeySpec> = b.keys.clone();
                    b.keys.retain(|k| !specs.iter().any(|s| s.same_key(k)));
                    let user_set_it = wanted.iter().any(|(a, _, _)| *a == b.action);
                    if b.keys.is_empty() && !before.is_empty() && !user_set_it {
                        let taken: Vec<String> = before.iter().map(|k| format!("'{k}'")).collect();
                        messages.push(format!(
                            "{sec} {}: no key left ({} now {} to {}); give it keys in {sec}",
                            b.action.name(),
                            taken.join(", "),
                            if taken.len() == 1 {
                                "belongs"
                            } else {
                                "belong"
                            },
                            action.name()
                        ));
                    }
                }
                match bindings.iter_mut().find(|b| b.action == *action) {
                    Some(b) => b.keys = specs.clone(),
                    None => bindings.push(Binding {
                        keys: specs.clone(),
                        action: *action,
                        desc: desc_elsewhere(*action),
                    }),
                }
            }
            // an action without keys is not a binding (help would list it with none)
            bindings.retain(|b| !b.keys.is_empty());
            if mode == Mode::Global {
                for (action, _, specs) in &wanted {
                    global_keys.extend(specs.iter().map(|k| (*action, *k)));
                }
            }
        }
        // global keys that a mode's own binding shadows where global bindings apply
        for (action, key) in global_keys {
            for mode in [Mode::List, Mode::Transcript] {
                if let Some(b) = self
                    .bindings(mode)
                    .iter()
                    .find(|b| b.keys.iter().any(|k| k.same_key(&key)))
                {
                    messages.push(format!(
                        "[keys.global] {}: '{key}' is bound to {} in [keys.{}], which wins there",
                        action.name(),
                        b.action.name(),
                        mode.name()
                    ));
                }
            }
        }
        messages
    }

    fn mode_bindings_mut(&mut self, mode: Mode) -> &mut Vec<Binding> {
        let i = match self.modes.iter().position(|(m, _)| *m == mode) {
            Some(i) => i,
            None => {
                self.modes.push((mode, Vec::new()));
                self.modes.len() - 1
            }
        };
        &mut self.modes[i].1
    }
}

/// An action by its snake_case name (`toggle_fold`), as `Action` deserializes it.
fn parse_action(name: &str) -> Option<Action> {
    use serde::Deserialize as _;
    use serde::de::IntoDeserializer as _;
    let de: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
        name.trim().into_deserializer();
    Action::deserialize(de).ok()
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
            Mode::Search | Mode::Find | Mode::Prompt => {
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
                // the part before a colon: "fold level: folded, …" is "fold level"
                .and_then(|b| {
                    let short = match b.desc.split_once(": ") {
                        Some((head, _)) if !head.contains('(') => head,
                        _ => b.desc,
                    };
                    b.keys.first().map(|k| (k.to_string(), short))
                })
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

    fn press(c: char) -> KeyEvent {
        let mods = if c.is_ascii_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        key(KeyCode::Char(c), mods)
    }

    fn ctrl(c: char) -> KeyEvent {
        key(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    /// The keymap and messages for a `config.toml` text (parsed for real).
    fn overridden(toml_text: &str) -> (Keymap, Vec<String>) {
        let cfg = crate::config::Config::parse(toml_text).expect("config parses");
        Keymap::with_overrides(&cfg.keys)
    }

    fn keys_of(km: &Keymap, mode: Mode, action: Action) -> Vec<String> {
        km.bindings(mode)
            .iter()
            .find(|b| b.action == action)
            .map(|b| b.keys.iter().map(|k| k.to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn mode_names_round_trip() {
        for m in Mode::ALL {
            assert_eq!(Mode::from_name(m.name()), Some(m));
        }
        assert_eq!(Mode::from_name("List"), Some(Mode::List));
        assert_eq!(Mode::from_name("lists"), None);
        assert_eq!(parse_action("toggle_fold"), Some(Action::ToggleFold));
        assert_eq!(parse_action("copy_id"), Some(Action::CopyId));
        assert_eq!(parse_action("ToggleFold"), None);
        assert_eq!(parse_action("frobnicate"), None);
    }

    #[test]
    fn no_overrides_is_the_default_keymap() {
        let (km, messages) = Keymap::with_overrides(&KeysConfig::default());
        assert_eq!(km.modes, Keymap::default().modes);
        assert!(messages.is_empty(), "{messages:?}");
    }

    #[test]
    fn an_override_replaces_the_keys_and_resolve_follows_it() {
        let (km, messages) = overridden(
            r#"
            [keys.list]
            select_next = ["n", "ctrl-j"]
            [keys.transcript]
            toggle_fold = "X"
            "#,
        );
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(
            keys_of(&km, Mode::List, Action::SelectNext),
            ["n", "Ctrl-j"]
        );
        assert_eq!(
            km.resolve(Mode::List, &press('n')),
            Some(Action::SelectNext)
        );
        assert_eq!(km.resolve(Mode::List, &ctrl('j')), Some(Action::SelectNext));
        // the old keys no longer do it
        assert_eq!(km.resolve(Mode::List, &press('j')), None);
        assert_eq!(
            km.resolve(Mode::List, &key(KeyCode::Down, KeyModifiers::NONE)),
            None
        );
        // a single string is one key
        assert_eq!(
            km.resolve(Mode::Transcript, &press('X')),
            Some(Action::ToggleFold)
        );
        assert_eq!(
            km.resolve(Mode::Transcript, &key(KeyCode::Enter, KeyModifiers::NONE)),
            None
        );
        // other modes keep their defaults
        assert_eq!(
            km.resolve(Mode::Transcript, &press('j')),
            Some(Action::ScrollDown)
        );
        assert_eq!(
            km.resolve(Mode::Help, &press('j')),
            Some(Action::ScrollDown)
        );
        // and the hint shows the new key
        assert_eq!(
            km.hint(Mode::List, Action::SelectNext).map(|(k, _)| k),
            Some("n".to_string())
        );
    }

    #[test]
    fn a_users_key_is_taken_from_other_actions_of_the_mode() {
        let (km, messages) = overridden(
            r#"
            [keys.list]
            search = ["/", "g"]
            toggle_group = "p"
            "#,
        );
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(km.resolve(Mode::List, &press('g')), Some(Action::Search));
        assert_eq!(
            km.resolve(Mode::List, &press('p')),
            Some(Action::ToggleGroup)
        );
        // only in that mode: g is still "top" in the transcript
        assert_eq!(km.resolve(Mode::Transcript, &press('g')), Some(Action::Top));

        // an action left without keys is reported and unbound
        let (km, messages) = overridden("[keys.list]\nsearch = [\"s\"]\n");
        assert_eq!(km.resolve(Mode::List, &press('s')), Some(Action::Search));
        assert_eq!(km.resolve(Mode::List, &press('/')), None);
        assert!(
            km.bindings(Mode::List)
                .iter()
                .all(|b| b.action != Action::CycleSort)
        );
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(
            messages[0].contains("[keys.list] cycle_sort")
                && messages[0].contains("'s'")
                && messages[0].contains("search"),
            "{messages:?}"
        );

        // an action that keeps another key is not reported
        let (km, messages) = overridden("[keys.list]\ncycle_sort = [\"j\"]\n");
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(keys_of(&km, Mode::List, Action::SelectNext), ["↓"]);
        assert_eq!(km.resolve(Mode::List, &press('j')), Some(Action::CycleSort));
    }

    #[test]
    fn conflicts_compare_key_presses_not_spellings() {
        // Ctrl with a letter ignores case; "G" and "shift-g" are different keys (as in matches)
        let (km, messages) = overridden("[keys.list]\nsearch = [\"ctrl-D\"]\n");
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(keys_of(&km, Mode::List, Action::PageDown), ["PgDn"]);
        assert_eq!(km.resolve(Mode::List, &ctrl('d')), Some(Action::Search));
        let a = KeySpec::parse("ctrl-a").unwrap();
        assert!(a.same_key(&KeySpec::parse("CTRL-A").unwrap()));
        assert!(!a.same_key(&KeySpec::parse("alt-a").unwrap()));
        assert!(!a.same_key(&KeySpec::parse("a").unwrap()));
        let g = KeySpec::parse("G").unwrap();
        assert!(!g.same_key(&KeySpec::parse("g").unwrap()));
        assert!(
            KeySpec::parse("shift-tab")
                .unwrap()
                .same_key(&KeySpec::parse("backtab").unwrap())
        );
        // a key repeated in one list counts once
        let (km, messages) = overridden("[keys.list]\nsearch = [\"x\", \"x\", \"X\"]\n");
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(keys_of(&km, Mode::List, Action::Search), ["x", "X"]);
    }

    #[test]
    fn the_same_key_for_two_actions_goes_to_the_first_by_name() {
        let (km, messages) = overridden(
            r#"
            [keys.list]
            top = ["x", "home"]
            bottom = ["x", "end"]
            "#,
        );
        assert_eq!(km.resolve(Mode::List, &press('x')), Some(Action::Bottom));
        assert_eq!(keys_of(&km, Mode::List, Action::Top), ["Home"]);
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(
            messages[0].contains("[keys.list]")
                && messages[0].contains("'x'")
                && messages[0].contains("bottom")
                && messages[0].contains("top"),
            "{messages:?}"
        );
    }

    #[test]
    fn an_action_can_be_added_to_a_mode_and_unbound() {
        let (km, messages) = overridden(
            r#"
            [keys.list]
            quit = ["ctrl-q"]
            toggle_thinking = "T"
            cycle_sort = []
            "#,
        );
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(km.resolve(Mode::List, &ctrl('q')), Some(Action::Quit));
        assert_eq!(
            km.resolve(Mode::List, &press('T')),
            Some(Action::ToggleThinking)
        );
        let added = km
            .bindings(Mode::List)
            .iter()
            .find(|b| b.action == Action::ToggleThinking)
            .unwrap();
        assert_eq!(
            added.desc, "show / hide thinking",
            "described as where it comes from"
        );
        // the global quit keys still work in the list
        assert_eq!(km.resolve(Mode::List, &press('q')), Some(Action::Quit));
        // unbound: no binding left, no message
        assert_eq!(km.resolve(Mode::List, &press('s')), None);
        assert!(
            km.bindings(Mode::List)
                .iter()
                .all(|b| b.action != Action::CycleSort)
        );
        for (_, bs) in &km.modes {
            assert!(bs.iter().all(|b| !b.keys.is_empty() && !b.desc.is_empty()));
        }
    }

    #[test]
    fn invalid_keys_keep_the_defaults_and_name_the_key() {
        let (km, messages) = overridden(
            r#"
            [keys.list]
            cycle_sort = ["x", "hyper-x"]
            search = ""
            [keys.transcript]
            top = ["f99"]
            "#,
        );
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("[keys.list] cycle_sort")
            && m.contains("\"hyper-x\"")
            && m.contains("default keys are kept")));
        assert!(
            messages
                .iter()
                .any(|m| m.contains("[keys.list] search") && m.contains("\"\""))
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("[keys.transcript] top") && m.contains("\"f99\""))
        );
        // nothing of a broken line applies, not even its valid keys
        assert_eq!(km.modes, Keymap::default().modes);
        assert_eq!(km.resolve(Mode::List, &press('x')), None);
        assert_eq!(km.resolve(Mode::List, &press('s')), Some(Action::CycleSort));
    }

    #[test]
    fn unknown_actions_sections_and_values_are_reported() {
        let (km, messages) = overridden(
            r#"
            [keys]
            quit = "x"
            [keys.lsit]
            select_next = ["n"]
            [keys.list]
            selct_next = ["n"]
            open = 5
            search = ["a", 1]
            [keys.list.nested]
            x = "y"
            "#,
        );
        assert_eq!(km.modes, Keymap::default().modes, "defaults kept");
        let has = |parts: &[&str]| messages.iter().any(|m| parts.iter().all(|p| m.contains(p)));
        assert!(has(&["[keys] quit", "expected a section"]), "{messages:?}");
        assert!(has(&["[keys.lsit]", "unknown section"]), "{messages:?}");
        assert!(
            has(&["[keys.list] selct_next", "unknown action"]),
            "{messages:?}"
        );
        assert!(
            has(&["[keys.list] open", "expected a key or a list"]),
            "{messages:?}"
        );
        assert!(
            has(&["[keys.list] search", "expected a key or a list"]),
            "{messages:?}"
        );
        assert!(
            has(&["[keys.list] nested", "unknown action"]),
            "{messages:?}"
        );
        assert_eq!(messages.len(), 6, "{messages:?}");
        // a section that names a mode but is not a table
        let (km, messages) = overridden("[keys]\nlist = \"x\"\n");
        assert_eq!(km.modes, Keymap::default().modes);
        assert!(
            messages.len() == 1 && messages[0].contains("[keys] list"),
            "{messages:?}"
        );
    }

    #[test]
    fn a_global_key_shadowed_by_a_mode_is_reported() {
        let (km, messages) = overridden("[keys.global]\ntoggle_help = [\"h\", \"f1\"]\n");
        assert_eq!(
            km.resolve(Mode::List, &press('h')),
            Some(Action::ToggleHelp)
        );
        assert_eq!(
            km.resolve(Mode::Transcript, &press('h')),
            Some(Action::Back)
        );
        assert_eq!(
            km.resolve(Mode::Transcript, &key(KeyCode::F(1), KeyModifiers::NONE)),
            Some(Action::ToggleHelp)
        );
        assert_eq!(km.resolve(Mode::List, &press('?')), None);
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(
            messages[0].contains("[keys.global] toggle_help")
                && messages[0].contains("'h'")
                && messages[0].contains("[keys.transcript]"),
            "{messages:?}"
        );
    }

    #[test]
    fn overrides_in_the_text_boxes_and_help() {
        let (km, messages) = overridden(
            r#"
            [keys.search]
            keep_search = ["enter", "ctrl-k"]
            [keys.help]
            toggle_help = ["esc"]
            "#,
        );
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(
            km.resolve(Mode::Search, &ctrl('k')),
            Some(Action::KeepSearch)
        );
        assert_eq!(
            km.resolve(Mode::Search, &press('k')),
            None,
            "plain keys stay text"
        );
        assert_eq!(km.resolve(Mode::Help, &press('q')), None);
        assert_eq!(km.resolve(Mode::Help, &ctrl('c')), Some(Action::Quit));
    }

    #[test]
    fn odd_key_strings_never_panic() {
        for k in [
            "",
            " ",
            "ctrl-",
            "ctrl-ctrl-",
            "alt+",
            "shift-",
            "f0",
            "f25",
            "é",
            "🙂",
            "ctrl-é",
            "--",
            "ctrl--",
            "ctrl+shift+alt+x",
            "\u{0}",
            "pagedownx",
        ] {
            let mut keys = KeysConfig::default();
            keys.set("list", "search", &[k]);
            let (km, messages) = Keymap::with_overrides(&keys);
            match KeySpec::parse(k) {
                Ok(spec) => {
                    assert!(messages.is_empty(), "{k:?}: {messages:?}");
                    assert_eq!(
                        km.bindings(Mode::List)
                            .iter()
                            .find(|b| b.action == Action::Search)
                            .unwrap()
                            .keys,
                        vec![spec]
                    );
                }
                Err(_) => assert!(
                    messages.len() == 1 && messages[0].contains("search"),
                    "{k:?}: {messages:?}"
                ),
            }
        }
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
