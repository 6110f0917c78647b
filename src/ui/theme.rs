//! Semantic styles: the UI asks for a meaning (user, assistant, tool, muted…), the theme
//! decides how it looks.
//!
//! Four themes: `dark` (the default), `light` (for light terminal backgrounds), `high-contrast`
//! (bright colours on an explicit black background, no dim greys) and `no-color` (no colours at
//! all: emphasis by bold, italic, underline and reverse video only), which is also what any
//! theme becomes when `NO_COLOR` is set (<https://no-color.org>).

use crate::config::{Config, Env};
use crate::model::Agent;
use crate::render::SpanStyle;
use ratatui::style::{Color, Modifier, Style};

/// Which kind of syntax-highlighting theme code blocks should use with a UI theme (the render
/// module maps it to its `SyntaxTheme`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyntaxKind {
    Dark,
    Light,
    HighContrast,
}

/// The names `theme = "…"` accepts in `config.toml`.
pub const THEME_NAMES: [&str; 4] = ["dark", "light", "high-contrast", "no-color"];

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub base: Style,
    pub muted: Style,
    pub border: Style,
    pub border_focus: Style,
    pub title: Style,
    pub selected: Style,
    pub header: Style,
    pub user: Style,
    pub assistant: Style,
    pub tool: Style,
    pub tool_result: Style,
    pub error: Style,
    pub thinking: Style,
    pub notice: Style,
    pub status: Style,
    pub status_key: Style,
    pub banner: Style,
    pub accent: Style,
    /// Matched characters and search hits.
    pub match_hl: Style,
    /// Project group headers in the list.
    pub group: Style,
    /// Code without highlighting.
    pub code: Style,
    /// `inline code` in Markdown.
    pub inline_code: Style,
    /// Markdown headings (level 1 adds an underline, levels 3–6 are bold text).
    pub heading: Style,
    pub link: Style,
    /// The URL shown after a link's text.
    pub link_url: Style,
    pub quote: Style,
    /// Bullets, numbers, table borders, rules.
    pub punctuation: Style,
    pub diff_added: Style,
    pub diff_removed: Style,
    /// `@@ … @@` and file headers of a diff.
    pub diff_header: Style,
    /// Which syntax-highlighting theme fits.
    kind: SyntaxKind,
    /// No colours anywhere (`no-color`, or `NO_COLOR` set).
    no_color: bool,
}

fn fg(c: Color) -> Style {
    Style::default().fg(c)
}

impl Theme {
    /// The default theme, for dark terminal backgrounds: the terminal's own foreground and
    /// background, ANSI colours for roles, a blue-grey selection bar.
    pub fn dark() -> Theme {
        Theme {
            base: Style::default(),
            muted: fg(Color::DarkGray),
            border: fg(Color::DarkGray),
            border_focus: fg(Color::Cyan),
            title: Style::default().add_modifier(Modifier::BOLD),
            selected: Style::default()
                .bg(Color::Rgb(40, 60, 90))
                .add_modifier(Modifier::BOLD),
            header: fg(Color::Gray).add_modifier(Modifier::BOLD),
            user: fg(Color::Green).add_modifier(Modifier::BOLD),
            assistant: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            tool: fg(Color::Yellow),
            tool_result: fg(Color::Gray),
            error: fg(Color::Red),
            thinking: fg(Color::Magenta).add_modifier(Modifier::ITALIC),
            notice: fg(Color::Blue),
            status: fg(Color::Gray),
            status_key: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            banner: fg(Color::Black).bg(Color::Yellow),
            accent: fg(Color::Cyan),
            match_hl: fg(Color::Yellow).add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            group: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            code: fg(Color::Gray),
            inline_code: fg(Color::Rgb(240, 190, 130)),
            heading: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            link: fg(Color::LightBlue).add_modifier(Modifier::UNDERLINED),
            link_url: fg(Color::DarkGray),
            quote: fg(Color::Gray).add_modifier(Modifier::ITALIC),
            punctuation: fg(Color::DarkGray),
            diff_added: fg(Color::Green),
            diff_removed: fg(Color::Red),
            diff_header: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            kind: SyntaxKind::Dark,
            no_color: false,
        }
    }

    /// For light terminal backgrounds: the terminal's own foreground and background, dark
    /// 24-bit colours (at least 4.5:1 against white for text), a pale blue selection bar.
    pub fn light() -> Theme {
        let blue = Color::Rgb(0, 90, 170);
        let grey = Color::Rgb(100, 100, 100);
        Theme {
            base: Style::default(),
            muted: fg(grey),
            border: fg(Color::Rgb(140, 140, 140)),
            border_focus: fg(blue),
            title: Style::default().add_modifier(Modifier::BOLD),
            selected: Style::default()
                .bg(Color::Rgb(200, 220, 245))
                .add_modifier(Modifier::BOLD),
            header: fg(Color::Rgb(60, 60, 60)).add_modifier(Modifier::BOLD),
            user: fg(Color::Rgb(0, 120, 40)).add_modifier(Modifier::BOLD),
            assistant: fg(blue).add_modifier(Modifier::BOLD),
            tool: fg(Color::Rgb(150, 85, 0)),
            tool_result: fg(Color::Rgb(70, 70, 70)),
            error: fg(Color::Rgb(190, 20, 20)),
            thinking: fg(Color::Rgb(130, 50, 150)).add_modifier(Modifier::ITALIC),
            notice: fg(Color::Rgb(30, 70, 170)),
            status: fg(Color::Rgb(70, 70, 70)),
            status_key: fg(blue).add_modifier(Modifier::BOLD),
            banner: fg(Color::Black).bg(Color::Rgb(255, 215, 100)),
            accent: fg(Color::Rgb(0, 105, 140)),
            match_hl: fg(Color::Black)
                .bg(Color::Rgb(255, 225, 110))
                .add_modifier(Modifier::BOLD),
            group: fg(blue).add_modifier(Modifier::BOLD),
            code: fg(Color::Rgb(50, 50, 50)),
            inline_code: fg(Color::Rgb(160, 60, 20)),
            heading: fg(blue).add_modifier(Modifier::BOLD),
            link: fg(Color::Rgb(0, 80, 200)).add_modifier(Modifier::UNDERLINED),
            link_url: fg(grey),
            quote: fg(Color::Rgb(80, 80, 80)).add_modifier(Modifier::ITALIC),
            punctuation: fg(grey),
            diff_added: fg(Color::Rgb(0, 120, 0)),
            diff_removed: fg(Color::Rgb(180, 0, 0)),
            diff_header: fg(blue).add_modifier(Modifier::BOLD),
            kind: SyntaxKind::Light,
            no_color: false,
        }
    }

    /// Readable on any terminal: every style carries its own black background, text is white,
    /// light grey or a bright ANSI colour (at least 4.5:1, no dim greys), selection is reverse
    /// video and important things are bold.
    pub fn high_contrast() -> Theme {
        let on = |c: Color| Style::default().fg(c).bg(Color::Black);
        let bold = Modifier::BOLD;
        Theme {
            base: on(Color::White),
            muted: on(Color::Gray),
            border: on(Color::Gray),
            border_focus: on(Color::LightYellow).add_modifier(bold),
            title: on(Color::White).add_modifier(bold),
            selected: Style::default().add_modifier(Modifier::REVERSED | bold),
            header: on(Color::White).add_modifier(bold | Modifier::UNDERLINED),
            user: on(Color::LightGreen).add_modifier(bold),
            assistant: on(Color::LightCyan).add_modifier(bold),
            tool: on(Color::LightYellow),
            tool_result: on(Color::Gray),
            error: on(Color::LightRed).add_modifier(bold),
            thinking: on(Color::LightMagenta).add_modifier(Modifier::ITALIC),
            notice: on(Color::LightCyan),
            status: on(Color::Gray),
            status_key: on(Color::LightYellow).add_modifier(bold),
            banner: Style::default()
                .fg(Color::Black)
                .bg(Color::LightYellow)
                .add_modifier(bold),
            accent: on(Color::LightCyan),
            match_hl: Style::default()
                .fg(Color::Black)
                .bg(Color::LightYellow)
                .add_modifier(bold | Modifier::UNDERLINED),
            group: on(Color::LightCyan).add_modifier(bold | Modifier::UNDERLINED),
            code: on(Color::White),
            inline_code: on(Color::LightYellow),
            heading: on(Color::LightCyan).add_modifier(bold),
            link: on(Color::LightCyan).add_modifier(Modifier::UNDERLINED),
            link_url: on(Color::Gray),
            quote: on(Color::White).add_modifier(Modifier::ITALIC),
            punctuation: on(Color::Gray),
            diff_added: on(Color::LightGreen),
            diff_removed: on(Color::LightRed),
            diff_header: on(Color::LightCyan).add_modifier(bold),
            kind: SyntaxKind::HighContrast,
            no_color: false,
        }
    }

    /// No colours at all (<https://no-color.org>): the terminal's own foreground and
    /// background, emphasis by bold, italic and underline, selection and banners by reverse
    /// video, struck-through text crossed out.
    pub fn no_color() -> Theme {
        let m = |m: Modifier| Style::default().add_modifier(m);
        let plain = Style::default();
        Theme {
            base: plain,
            muted: plain,
            border: plain,
            border_focus: m(Modifier::BOLD),
            title: m(Modifier::BOLD),
            selected: m(Modifier::REVERSED),
            header: m(Modifier::BOLD | Modifier::UNDERLINED),
            user: m(Modifier::BOLD),
            assistant: m(Modifier::BOLD),
            tool: m(Modifier::ITALIC),
            tool_result: plain,
            error: m(Modifier::BOLD | Modifier::REVERSED),
            thinking: m(Modifier::ITALIC),
            notice: m(Modifier::ITALIC),
            status: plain,
            status_key: m(Modifier::BOLD),
            banner: m(Modifier::REVERSED | Modifier::BOLD),
            accent: m(Modifier::BOLD),
            match_hl: m(Modifier::BOLD | Modifier::UNDERLINED),
            group: m(Modifier::BOLD | Modifier::UNDERLINED),
            code: plain,
            inline_code: m(Modifier::BOLD),
            heading: m(Modifier::BOLD),
            link: m(Modifier::UNDERLINED),
            link_url: m(Modifier::ITALIC),
            quote: m(Modifier::ITALIC),
            punctuation: plain,
            diff_added: m(Modifier::BOLD),
            diff_removed: m(Modifier::ITALIC),
            diff_header: m(Modifier::BOLD | Modifier::UNDERLINED),
            kind: SyntaxKind::Dark,
            no_color: true,
        }
    }

    /// A theme by its `config.toml` name (case-insensitive; `_` for `-` and `no-colour`
    /// accepted).
    pub fn named(name: &str) -> Option<Theme> {
        let n = name.trim().to_ascii_lowercase().replace('_', "-");
        match n.as_str() {
            "dark" => Some(Theme::dark()),
            "light" => Some(Theme::light()),
            "high-contrast" => Some(Theme::high_contrast()),
            "no-color" | "no-colour" => Some(Theme::no_color()),
            _ => None,
        }
    }

    /// This theme without colours (what `NO_COLOR` does): the no-colour theme, keeping this
    /// theme's syntax kind.
    pub fn without_color(&self) -> Theme {
        Theme {
            kind: self.kind,
            ..Theme::no_color()
        }
    }

    /// True for the no-colour theme: nothing it returns has a colour.
    pub fn is_no_color(&self) -> bool {
        self.no_color
    }

    /// Which kind of syntax-highlighting theme code blocks should use.
    pub fn syntax_theme(&self) -> SyntaxKind {
        self.kind
    }

    /// The syntax highlighter's colours for this theme.
    pub fn syntax(&self) -> crate::render::SyntaxTheme {
        match self.kind {
            SyntaxKind::Dark => crate::render::SyntaxTheme::Dark,
            SyntaxKind::Light => crate::render::SyntaxTheme::Light,
            SyntaxKind::HighContrast => crate::render::SyntaxTheme::HighContrast,
        }
    }

    /// The style of rendered transcript text, drawn over the style of the line it is on (a
    /// user prompt, an answer, a tool output): plain text and emphasis keep the line's colour.
    pub fn span(&self, s: SpanStyle) -> Style {
        let keep = Style::default();
        match s {
            SpanStyle::Text => keep,
            SpanStyle::Strong => keep.add_modifier(Modifier::BOLD),
            SpanStyle::Emphasis => keep.add_modifier(Modifier::ITALIC),
            SpanStyle::StrongEmphasis => keep.add_modifier(Modifier::BOLD | Modifier::ITALIC),
            SpanStyle::Strikethrough => self.muted.add_modifier(Modifier::CROSSED_OUT),
            SpanStyle::InlineCode => self.inline_code,
            SpanStyle::Heading(0 | 1) => self.heading.add_modifier(Modifier::UNDERLINED),
            SpanStyle::Heading(2) => self.heading,
            SpanStyle::Heading(_) => keep.add_modifier(Modifier::BOLD),
            SpanStyle::Link => self.link,
            SpanStyle::LinkUrl => self.link_url,
            SpanStyle::Quote => self.quote,
            SpanStyle::Punctuation => self.punctuation,
            SpanStyle::Muted => self.muted,
            SpanStyle::Code => self.code,
            SpanStyle::Syntax {
                r,
                g,
                b,
                bold,
                italic,
            } => {
                let mut st = keep;
                if !self.no_color {
                    st = st.fg(Color::Rgb(r, g, b));
                }
                if bold {
                    st = st.add_modifier(Modifier::BOLD);
                }
                if italic {
                    st = st.add_modifier(Modifier::ITALIC);
                }
                st
            }
            SpanStyle::DiffAdded => self.diff_added,
            SpanStyle::DiffRemoved => self.diff_removed,
            SpanStyle::DiffHeader => self.diff_header,
            SpanStyle::Error => self.error,
        }
    }

    /// Every named style of the theme (for checks and previews).
    pub fn styles(&self) -> Vec<(&'static str, Style)> {
        // destructured so that a new field cannot be forgotten here
        let Theme {
            base,
            muted,
            border,
            border_focus,
            title,
            selected,
            header,
            user,
            assistant,
            tool,
            tool_result,
            error,
            thinking,
            notice,
            status,
            status_key,
            banner,
            accent,
            match_hl,
            group,
            code,
            inline_code,
            heading,
            link,
            link_url,
            quote,
            punctuation,
            diff_added,
            diff_removed,
            diff_header,
            kind: _,
            no_color: _,
        } = self;
        vec![
            ("base", *base),
            ("muted", *muted),
            ("border", *border),
            ("border_focus", *border_focus),
            ("title", *title),
            ("selected", *selected),
            ("header", *header),
            ("user", *user),
            ("assistant", *assistant),
            ("tool", *tool),
            ("tool_result", *tool_result),
            ("error", *error),
            ("thinking", *thinking),
            ("notice", *notice),
            ("status", *status),
            ("status_key", *status_key),
            ("banner", *banner),
            ("accent", *accent),
            ("match_hl", *match_hl),
            ("group", *group),
            ("code", *code),
            ("inline_code", *inline_code),
            ("heading", *heading),
            ("link", *link),
            ("link_url", *link_url),
            ("quote", *quote),
            ("punctuation", *punctuation),
            ("diff_added", *diff_added),
            ("diff_removed", *diff_removed),
            ("diff_header", *diff_header),
        ]
    }

    /// The agent's colour (its name in the list); plain in the no-colour theme.
    pub fn agent(&self, agent: Agent) -> Style {
        if self.no_color {
            return Style::default();
        }
        let c = match self.kind {
            SyntaxKind::Dark => match agent {
                Agent::Claude => Color::Rgb(217, 119, 87),
                Agent::Codex => Color::Rgb(120, 180, 255),
                Agent::Gemini => Color::Rgb(140, 140, 255),
                Agent::Opencode => Color::Rgb(250, 200, 80),
                Agent::Pi => Color::Rgb(120, 220, 160),
                Agent::Agsh => Color::Rgb(200, 160, 240),
                Agent::Agenix => Color::Rgb(240, 140, 190),
                Agent::Profclaw => Color::Rgb(180, 200, 120),
            },
            SyntaxKind::Light => match agent {
                Agent::Claude => Color::Rgb(175, 75, 35),
                Agent::Codex => Color::Rgb(0, 95, 190),
                Agent::Gemini => Color::Rgb(70, 70, 200),
                Agent::Opencode => Color::Rgb(140, 95, 0),
                Agent::Pi => Color::Rgb(0, 125, 70),
                Agent::Agsh => Color::Rgb(120, 60, 170),
                Agent::Agenix => Color::Rgb(175, 40, 110),
                Agent::Profclaw => Color::Rgb(95, 115, 20),
            },
            SyntaxKind::HighContrast => match agent {
                Agent::Claude => Color::LightRed,
                Agent::Codex => Color::LightCyan,
                Agent::Gemini => Color::LightMagenta,
                Agent::Opencode => Color::LightYellow,
                Agent::Pi => Color::LightGreen,
                Agent::Agsh => Color::LightMagenta,
                Agent::Agenix => Color::White,
                Agent::Profclaw => Color::LightYellow,
            },
        };
        let st = Style::default().fg(c);
        if self.kind == SyntaxKind::HighContrast {
            st.bg(Color::Black)
        } else {
            st
        }
    }
}

/// The warning for a `theme = "…"` value that names no theme.
pub fn theme_warning(name: Option<&str>) -> Option<String> {
    let name = name?;
    if Theme::named(name).is_some() {
        return None;
    }
    Some(format!(
        "theme = \"{name}\": unknown theme (known: {}), dark is used",
        THEME_NAMES.join(", ")
    ))
}

/// The theme to use: `theme` from the config (dark when unset or unknown, with a warning),
/// without colours when `NO_COLOR` is set and not empty. The warnings are also in
/// `config.warnings`.
pub fn resolve_theme(config: &Config, env: &Env) -> (Theme, Vec<String>) {
    let mut warnings = Vec::new();
    let theme = match config.theme.as_deref() {
        None => Theme::dark(),
        Some(name) => Theme::named(name).unwrap_or_else(|| {
            warnings.extend(theme_warning(Some(name)));
            Theme::dark()
        }),
    };
    let theme = if no_color(env) {
        theme.without_color()
    } else {
        theme
    };
    (theme, warnings)
}

/// Is `NO_COLOR` set to something other than the empty string?
pub fn no_color(env: &Env) -> bool {
    env.is_set("NO_COLOR")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `SpanStyle`, with a few values for the ones that carry data.
    fn all_span_styles() -> Vec<SpanStyle> {
        // a new variant must be added here: this match does not compile without it
        let check = |s: SpanStyle| match s {
            SpanStyle::Text
            | SpanStyle::Strong
            | SpanStyle::Emphasis
            | SpanStyle::StrongEmphasis
            | SpanStyle::Strikethrough
            | SpanStyle::InlineCode
            | SpanStyle::Heading(_)
            | SpanStyle::Link
            | SpanStyle::LinkUrl
            | SpanStyle::Quote
            | SpanStyle::Punctuation
            | SpanStyle::Muted
            | SpanStyle::Code
            | SpanStyle::Syntax { .. }
            | SpanStyle::DiffAdded
            | SpanStyle::DiffRemoved
            | SpanStyle::DiffHeader
            | SpanStyle::Error => s,
        };
        let mut v = vec![
            SpanStyle::Text,
            SpanStyle::Strong,
            SpanStyle::Emphasis,
            SpanStyle::StrongEmphasis,
            SpanStyle::Strikethrough,
            SpanStyle::InlineCode,
            SpanStyle::Link,
            SpanStyle::LinkUrl,
            SpanStyle::Quote,
            SpanStyle::Punctuation,
            SpanStyle::Muted,
            SpanStyle::Code,
            SpanStyle::DiffAdded,
            SpanStyle::DiffRemoved,
            SpanStyle::DiffHeader,
            SpanStyle::Error,
        ];
        v.extend((0..=7).map(SpanStyle::Heading));
        for (bold, italic) in [(false, false), (true, false), (false, true), (true, true)] {
            v.push(SpanStyle::Syntax {
                r: 200,
                g: 120,
                b: 40,
                bold,
                italic,
            });
        }
        v.into_iter().map(check).collect()
    }

    fn coloured() -> Vec<(&'static str, Theme)> {
        vec![
            ("dark", Theme::dark()),
            ("light", Theme::light()),
            ("high-contrast", Theme::high_contrast()),
        ]
    }

    /// Every style a theme hands out: its fields, every span mapping, every agent.
    fn everything(t: &Theme) -> Vec<(String, Style)> {
        let mut v: Vec<(String, Style)> = t
            .styles()
            .into_iter()
            .map(|(n, s)| (n.to_string(), s))
            .collect();
        v.extend(
            all_span_styles()
                .into_iter()
                // as drawn on a plain line: span styles refine the line's style
                .map(|s| (format!("{s:?}"), t.base.patch(t.span(s)))),
        );
        v.extend(
            Agent::ALL
                .iter()
                .map(|a| (format!("agent {a:?}"), t.agent(*a))),
        );
        v
    }

    #[test]
    fn names_parse() {
        assert_eq!(Theme::named("dark"), Some(Theme::dark()));
        assert_eq!(Theme::named("light"), Some(Theme::light()));
        assert_eq!(Theme::named("high-contrast"), Some(Theme::high_contrast()));
        assert_eq!(
            Theme::named(" High_Contrast "),
            Some(Theme::high_contrast())
        );
        assert_eq!(Theme::named("no-color"), Some(Theme::no_color()));
        assert_eq!(Theme::named("no-colour"), Some(Theme::no_color()));
        for n in THEME_NAMES {
            assert!(Theme::named(n).is_some(), "{n}");
            assert_eq!(theme_warning(Some(n)), None);
        }
        for n in ["", "solarized", "darkk", "high contrast"] {
            assert_eq!(Theme::named(n), None, "{n}");
        }
        let w = theme_warning(Some("solarized")).unwrap();
        assert!(w.contains("\"solarized\"") && w.contains("dark"), "{w}");
        assert_eq!(theme_warning(None), None);
    }

    #[test]
    fn syntax_kinds() {
        assert_eq!(Theme::dark().syntax_theme(), SyntaxKind::Dark);
        assert_eq!(Theme::light().syntax_theme(), SyntaxKind::Light);
        assert_eq!(
            Theme::high_contrast().syntax_theme(),
            SyntaxKind::HighContrast
        );
        let plain = Theme::light().without_color();
        assert!(plain.is_no_color());
        assert_eq!(plain.syntax_theme(), SyntaxKind::Light);
        assert!(!Theme::light().is_no_color());
    }

    #[test]
    fn every_theme_defines_every_style() {
        for (name, t) in coloured()
            .into_iter()
            .chain([("no-color", Theme::no_color())])
        {
            for (field, st) in t.styles() {
                if field == "base" || (t.is_no_color() && is_plain_in_no_color(field)) {
                    continue;
                }
                assert_ne!(st, Style::default(), "{name}: {field} is not defined");
            }
            // what must stand out does
            let distinct = |a: Style, b: Style, what: &str| {
                assert_ne!(a, b, "{name}: {what}");
            };
            distinct(t.selected, t.base, "selection");
            distinct(t.match_hl, t.base, "match highlight");
            distinct(t.error, t.base, "error");
            distinct(t.banner, t.base, "banner");
            distinct(t.diff_added, t.diff_removed, "diff added / removed");
            distinct(t.span(SpanStyle::Heading(1)), t.base, "heading");
            distinct(t.span(SpanStyle::Strong), t.base, "strong");
            distinct(t.span(SpanStyle::Emphasis), t.base, "emphasis");
            distinct(t.span(SpanStyle::Link), t.base, "link");
            distinct(t.border_focus, t.border, "focused border");
            if !t.is_no_color() {
                distinct(t.user, t.assistant, "user / assistant");
                distinct(t.muted, t.base, "muted");
                for s in all_span_styles() {
                    if s != SpanStyle::Text {
                        distinct(t.span(s), Style::default(), &format!("{s:?}"));
                    }
                }
            }
        }
    }

    /// Fields the no-colour theme leaves as plain text on purpose.
    fn is_plain_in_no_color(field: &str) -> bool {
        matches!(
            field,
            "muted" | "border" | "tool_result" | "status" | "code" | "punctuation"
        )
    }

    #[test]
    fn no_color_has_no_colour_anywhere() {
        let allowed = Modifier::BOLD
            | Modifier::ITALIC
            | Modifier::UNDERLINED
            | Modifier::REVERSED
            | Modifier::CROSSED_OUT;
        let mut themes = vec![("no-color".to_string(), Theme::no_color())];
        for (name, t) in coloured() {
            themes.push((format!("{name} without colour"), t.without_color()));
        }
        for (name, t) in &themes {
            assert!(t.is_no_color());
            for (what, st) in everything(t) {
                assert_eq!(st.fg, None, "{name}: {what} has a foreground");
                assert_eq!(st.bg, None, "{name}: {what} has a background");
                assert_eq!(st.underline_color, None, "{name}: {what} underline colour");
                assert!(
                    allowed.contains(st.add_modifier),
                    "{name}: {what} uses {:?}",
                    st.add_modifier
                );
            }
            assert!(t.selected.add_modifier.contains(Modifier::REVERSED));
            // syntax styles keep bold and italic
            let s = t.span(SpanStyle::Syntax {
                r: 1,
                g: 2,
                b: 3,
                bold: true,
                italic: true,
            });
            assert_eq!(
                s,
                Style::default().add_modifier(Modifier::BOLD | Modifier::ITALIC)
            );
            assert_eq!(
                t.span(SpanStyle::Strikethrough).add_modifier,
                Modifier::CROSSED_OUT
            );
        }
    }

    #[test]
    fn spans_map_to_the_theme() {
        let t = Theme::dark();
        let syn = |bold, italic| SpanStyle::Syntax {
            r: 10,
            g: 20,
            b: 30,
            bold,
            italic,
        };
        assert_eq!(t.span(syn(false, false)).fg, Some(Color::Rgb(10, 20, 30)));
        assert_eq!(t.span(syn(false, false)).add_modifier, Modifier::empty());
        assert_eq!(t.span(syn(true, false)).add_modifier, Modifier::BOLD);
        assert_eq!(t.span(syn(false, true)).add_modifier, Modifier::ITALIC);
        assert_eq!(t.span(SpanStyle::Text), t.base);
        assert_eq!(t.span(SpanStyle::Error), t.error);
        assert_eq!(t.span(SpanStyle::DiffAdded), t.diff_added);
        assert!(
            t.span(SpanStyle::Heading(1))
                .add_modifier
                .contains(Modifier::UNDERLINED)
        );
        assert!(
            !t.span(SpanStyle::Heading(2))
                .add_modifier
                .contains(Modifier::UNDERLINED)
        );
        assert!(
            t.span(SpanStyle::Heading(5))
                .add_modifier
                .contains(Modifier::BOLD)
        );
        // span styles refine the line's style: plain text keeps the line's colours, and high
        // contrast keeps its black background under syntax colours
        assert_eq!(t.span(SpanStyle::Text), Style::default());
        let hc = Theme::high_contrast();
        let drawn = hc.base.patch(hc.span(syn(false, false)));
        assert_eq!(drawn.bg, Some(Color::Black));
        assert_eq!(drawn.fg, Some(Color::Rgb(10, 20, 30)));
    }

    /// The RGB a colour shows as with xterm's default palette.
    fn rgb(c: Color) -> (u8, u8, u8) {
        match c {
            Color::Rgb(r, g, b) => (r, g, b),
            Color::Black => (0, 0, 0),
            Color::Red => (205, 0, 0),
            Color::Green => (0, 205, 0),
            Color::Yellow => (205, 205, 0),
            Color::Blue => (0, 0, 238),
            Color::Magenta => (205, 0, 205),
            Color::Cyan => (0, 205, 205),
            Color::Gray => (229, 229, 229),
            Color::DarkGray => (127, 127, 127),
            Color::LightRed => (255, 0, 0),
            Color::LightGreen => (0, 255, 0),
            Color::LightYellow => (255, 255, 0),
            Color::LightBlue => (92, 92, 255),
            Color::LightMagenta => (255, 0, 255),
            Color::LightCyan => (0, 255, 255),
            Color::White => (255, 255, 255),
            other => panic!("colour {other:?} has no known RGB"),
        }
    }

    /// WCAG 2 contrast ratio.
    fn contrast(a: Color, b: Color) -> f64 {
        let lum = |c: Color| {
            let (r, g, b) = rgb(c);
            let ch = |v: u8| {
                let v = v as f64 / 255.0;
                if v <= 0.03928 {
                    v / 12.92
                } else {
                    ((v + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b)
        };
        let (x, y) = (lum(a), lum(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn contrast_ratio_is_computed_right() {
        assert!((contrast(Color::White, Color::Black) - 21.0).abs() < 0.01);
        assert!((contrast(Color::Black, Color::Black) - 1.0).abs() < 0.01);
        assert!(contrast(Color::DarkGray, Color::Black) < 5.5);
    }

    #[test]
    fn high_contrast_is_readable_on_its_own() {
        let t = Theme::high_contrast();
        for (what, st) in everything(&t) {
            assert!(
                !st.add_modifier.contains(Modifier::DIM),
                "{what} relies on dim text"
            );
            if what == "selected" {
                // reverse video of whatever it covers
                assert!(st.add_modifier.contains(Modifier::REVERSED));
                assert_eq!((st.fg, st.bg), (None, None));
                continue;
            }
            if what.starts_with("Syntax") {
                continue; // the highlighter's high-contrast theme picks those
            }
            // every style brings its own background, so no terminal background can hide it
            let (Some(fg), Some(bg)) = (st.fg, st.bg) else {
                panic!("{what}: foreground and background must both be set: {st:?}");
            };
            assert_ne!(fg, Color::DarkGray, "{what} is a dim grey");
            let ratio = contrast(fg, bg);
            assert!(ratio >= 4.5, "{what}: contrast {ratio:.1} < 4.5");
        }
    }

    #[test]
    fn light_text_is_readable_on_white() {
        let t = Theme::light();
        for (what, st) in everything(&t) {
            if what.starts_with("Syntax") {
                continue;
            }
            let fg = st.fg.unwrap_or(Color::Black);
            let bg = st.bg.unwrap_or(Color::White);
            let ratio = contrast(fg, bg);
            // borders are not text: 3:1 is enough for them
            let need = if what == "border" { 3.0 } else { 4.5 };
            assert!(ratio >= need, "light {what}: contrast {ratio:.1} < {need}");
        }
    }

    #[test]
    fn resolve_theme_follows_config_and_no_color() {
        let cfg = |text: &str| Config::parse(text).unwrap();
        let env = Env::with_home("/h", &[]);
        let (t, w) = resolve_theme(&cfg(""), &env);
        assert_eq!((t, w.len()), (Theme::dark(), 0));
        let (t, w) = resolve_theme(&cfg("theme = \"light\""), &env);
        assert_eq!((t, w.len()), (Theme::light(), 0));
        let (t, w) = resolve_theme(&cfg("theme = \"high-contrast\""), &env);
        assert_eq!((t, w.len()), (Theme::high_contrast(), 0));
        let (t, w) = resolve_theme(&cfg("theme = \"solarized\""), &env);
        assert_eq!(t, Theme::dark());
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("solarized"), "{w:?}");
        // the same warning is in the config's own warnings (doctor, `revisit config`)
        assert_eq!(cfg("theme = \"solarized\"").warnings, w);

        for value in ["1", "0", "false", " "] {
            let env = Env::with_home("/h", &[("NO_COLOR", value)]);
            let (t, _) = resolve_theme(&cfg("theme = \"light\""), &env);
            assert!(t.is_no_color(), "NO_COLOR={value:?}");
            assert_eq!(t.syntax_theme(), SyntaxKind::Light);
        }
        let env = Env::with_home("/h", &[("NO_COLOR", "")]);
        let (t, _) = resolve_theme(&cfg("theme = \"light\""), &env);
        assert_eq!(t, Theme::light(), "an empty NO_COLOR is not set");
    }
}
