//! Syntax highlighting with syntect's bundled syntaxes and themes.
//!
//! Loading the syntaxes and compiling a language's regexes the first time it is used takes tens
//! of milliseconds, so the UI uses [`Highlighter::get`] (never blocks: `None` until loaded) after
//! [`Highlighter::preload`] started loading on a background thread, which also warms the
//! common languages. [`Highlighter::shared`] blocks until loaded (tests, commands).
//!
//! Highlighting is bounded per block, so that a huge output never stalls the UI: at most
//! [`HIGHLIGHT_MAX_LINES`] lines and [`HIGHLIGHT_MAX_BYTES`] (weighted, see there) are
//! highlighted, and no more once the block has taken [`HIGHLIGHT_TIME_BUDGET`] (a safety net
//! for pathological input; ordinary blocks stay far below it); the rest is plain
//! [`SpanStyle::Code`]. A line longer than [`HIGHLIGHT_MAX_LINE_BYTES`] is plain too
//! (highlighting resumes after it with a fresh state).

use super::wrap::{Spans, push};
use super::{SpanStyle, StyledSpan};
use std::collections::HashMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use syntect::easy::HighlightLines;
use syntect::highlighting::{Color, FontStyle, Style, Theme, ThemeSet};
use syntect::parsing::syntax_definition::{
    Context, ContextReference, MatchOperation, MatchPattern, Pattern,
};
use syntect::parsing::{Scope, SyntaxDefinition, SyntaxReference, SyntaxSet, SyntaxSetBuilder};

/// Lines highlighted per block; later lines are plain code.
pub const HIGHLIGHT_MAX_LINES: usize = 1500;
/// Bytes highlighted per block; later lines are plain code. A line of `n` bytes counts
/// `n + n²/64`: inside long strings syntect's time grows with the square of the line's length
/// (a 1000-byte string literal takes 35 ms in Rust, 115 ms in JavaScript), while 1500 ordinary
/// lines of 35 bytes count about 80 KiB.
pub const HIGHLIGHT_MAX_BYTES: usize = 96 * 1024;
/// A longer line is not highlighted (minified code, data on one line).
pub const HIGHLIGHT_MAX_LINE_BYTES: usize = 2 * 1024;
/// Once highlighting a block has taken this long, the rest of it is plain code.
pub const HIGHLIGHT_TIME_BUDGET: Duration = Duration::from_millis(250);

/// What a line costs against [`HIGHLIGHT_MAX_BYTES`].
fn line_cost(len: usize) -> usize {
    len + len * len / 64
}

/// Which colours code is highlighted with, following the UI theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SyntaxTheme {
    /// syntect's `base16-ocean.dark`.
    #[default]
    Dark,
    /// syntect's `InspiredGitHub` (dark tokens meant for a white background).
    Light,
    /// `base16-eighties.dark` (of the bundled themes, the one whose token colours contrast most
    /// with a black background: 9.2:1 on average), with every colour lightened until it reaches
    /// at least 7:1 against black (WCAG AAA for text).
    HighContrast,
}

impl SyntaxTheme {
    pub const ALL: [SyntaxTheme; 3] = [
        SyntaxTheme::Dark,
        SyntaxTheme::Light,
        SyntaxTheme::HighContrast,
    ];

    /// The bundled syntect theme this one is made from.
    pub fn syntect_name(self) -> &'static str {
        match self {
            SyntaxTheme::Dark => "base16-ocean.dark",
            SyntaxTheme::Light => "InspiredGitHub",
            SyntaxTheme::HighContrast => "base16-eighties.dark",
        }
    }

    fn index(self) -> usize {
        match self {
            SyntaxTheme::Dark => 0,
            SyntaxTheme::Light => 1,
            SyntaxTheme::HighContrast => 2,
        }
    }
}

/// The bundled syntaxes and the ones added here (TOML, which syntect does not bundle).
struct Syntaxes {
    bundled: SyntaxSet,
    extra: SyntaxSet,
}

fn syntaxes() -> &'static Syntaxes {
    static SYNTAXES: OnceLock<Syntaxes> = OnceLock::new();
    SYNTAXES.get_or_init(|| {
        let mut builder = SyntaxSetBuilder::new();
        builder.add(toml_syntax());
        Syntaxes {
            bundled: SyntaxSet::load_defaults_newlines(),
            extra: builder.build(),
        }
    })
}

/// A line-oriented TOML syntax (comments, table headers, keys, strings, numbers, booleans,
/// dates); multi-line strings are highlighted line by line.
fn toml_syntax() -> SyntaxDefinition {
    let key = r#"(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')"#;
    let rules: [(&str, String); 9] = [
        ("comment.line.number-sign.toml", r"#.*".to_string()),
        (
            "entity.name.tag.table.toml",
            r"^\s*\[\[?[^\]\n]*\]\]?".to_string(),
        ),
        (
            "entity.name.tag.key.toml",
            format!(r"^\s*{key}(?:\s*\.\s*{key})*(?=\s*=)"),
        ),
        (
            "entity.name.tag.key.toml",
            r"(?<=[{,])\s*[A-Za-z0-9_-]+(?=\s*=)".to_string(),
        ),
        ("string.quoted.triple.toml", r#""""|'''"#.to_string()),
        (
            "string.quoted.double.toml",
            r#""(?:[^"\\\n]|\\.)*"?"#.to_string(),
        ),
        ("string.quoted.single.toml", r"'[^'\n]*'?".to_string()),
        (
            "constant.numeric.toml",
            concat!(
                r"(?<![\w.])(?:\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?",
                r"(?:Z|[+-]\d{2}:\d{2})?)?|\d{2}:\d{2}:\d{2}(?:\.\d+)?",
                r"|[+-]?(?:0x[0-9A-Fa-f_]+|0o[0-7_]+|0b[01_]+|\d[\d_]*(?:\.\d[\d_]*)?",
                r"(?:[eE][+-]?\d+)?|inf|nan))(?![\w.])"
            )
            .to_string(),
        ),
        (
            "constant.language.boolean.toml",
            r"\b(?:true|false)\b".to_string(),
        ),
    ];
    let scope = Scope::new("source.toml").expect("valid scope");
    let mut main = Context::new(false);
    main.meta_content_scope = vec![scope];
    for (name, regex) in rules {
        main.patterns.push(Pattern::Match(MatchPattern::new(
            false,
            regex,
            vec![Scope::new(name).expect("valid scope")],
            None,
            MatchOperation::None,
            None,
        )));
    }
    // what syntect's YAML loader adds to every syntax: `__start` pushes `__main`, which
    // includes `main`
    let mut start = Context::new(false);
    start.meta_content_scope = vec![scope];
    start.patterns.push(Pattern::Match(MatchPattern::new(
        false,
        String::new(),
        Vec::new(),
        None,
        MatchOperation::Push(vec![named("__main")]),
        None,
    )));
    let mut outer_main = Context::new(false);
    outer_main.patterns.push(Pattern::Include(named("main")));
    let mut contexts = HashMap::new();
    contexts.insert("main".to_string(), main);
    contexts.insert("__main".to_string(), outer_main);
    contexts.insert("__start".to_string(), start);
    SyntaxDefinition {
        name: "TOML".to_string(),
        file_extensions: vec!["toml".to_string()],
        scope,
        first_line_match: None,
        hidden: false,
        variables: HashMap::new(),
        contexts,
    }
}

/// A reference to a context by name (the variant cannot be built outside syntect, but it can
/// be deserialised).
fn named(context: &str) -> ContextReference {
    serde_json::from_value(serde_json::json!({ "Named": context }))
        .expect("ContextReference::Named deserialises")
}

/// A language the highlighter knows.
#[derive(Clone, Copy)]
pub struct Language<'a> {
    syntax: &'a SyntaxReference,
    set: &'a SyntaxSet,
}

impl Language<'_> {
    /// syntect's name for it ("Rust", "Bourne Again Shell (bash)", "TOML"…).
    pub fn name(&self) -> &str {
        &self.syntax.name
    }
}

impl std::fmt::Debug for Language<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Language").field(&self.syntax.name).finish()
    }
}

/// Fence tokens and extensions that syntect does not know by that name, or knows as something
/// else, with the syntax used for them (an approximation for TypeScript, INI, Dockerfile).
fn alias(token: &str) -> Option<&'static str> {
    Some(match token {
        "rust" | "rs" => "Rust",
        "python" | "py" | "py3" | "python3" | "pyi" | "pyw" | "ipython" | "sage" => "Python",
        "sh" | "bash" | "shell" | "console" | "zsh" | "ksh" | "fish" | "shellscript"
        | "shell-script" | "shellsession" | "shell-session" | "terminal" | "posix" | "env"
        | "dotenv" | "dockerfile" | "docker" | "containerfile" => "Bourne Again Shell (bash)",
        "js" | "javascript" | "jsx" | "mjs" | "cjs" | "node" | "ts" | "typescript" | "tsx"
        | "mts" | "cts" => "JavaScript",
        "json" | "jsonc" | "json5" | "jsonl" | "ndjson" | "geojson" | "ipynb" => "JSON",
        "toml" | "ini" | "cfg" | "editorconfig" => "TOML",
        "yaml" | "yml" => "YAML",
        "go" | "golang" => "Go",
        "java" => "Java",
        "c" | "h" => "C",
        "cpp" | "c++" | "cc" | "cxx" | "hpp" | "hh" | "hxx" | "cuda" | "cu" => "C++",
        "cs" | "csharp" | "c#" => "C#",
        "objc" | "objective-c" | "objectivec" => "Objective-C",
        "diff" | "patch" | "udiff" => "Diff",
        "markdown" | "md" | "mdown" | "mkd" | "mdx" => "Markdown",
        "sql" | "psql" | "postgres" | "postgresql" | "mysql" | "sqlite" | "plsql" => "SQL",
        "html" | "htm" | "xhtml" | "vue" | "svelte" => "HTML",
        "xml" | "svg" | "xsd" | "xsl" | "xslt" | "plist" | "csproj" => "XML",
        "css" | "scss" | "sass" | "less" => "CSS",
        "ruby" | "rb" | "gemfile" | "rakefile" => "Ruby",
        "php" => "PHP",
        "lua" => "Lua",
        "perl" | "pl" | "pm" => "Perl",
        "r" => "R",
        "scala" | "sbt" => "Scala",
        "haskell" | "hs" => "Haskell",
        "ocaml" | "ml" | "mli" => "OCaml",
        "clojure" | "clj" | "cljs" | "edn" => "Clojure",
        "lisp" | "elisp" | "emacs-lisp" | "scheme" | "racket" => "Lisp",
        "erlang" | "erl" => "Erlang",
        "tex" | "latex" => "LaTeX",
        "make" | "makefile" | "mk" | "mak" => "Makefile",
        "groovy" | "gradle" => "Groovy",
        "bat" | "batch" | "cmd" => "Batch File",
        "properties" => "Java Properties",
        "d" => "D",
        "tcl" => "Tcl",
        "rst" | "restructuredtext" => "reStructuredText",
        _ => return None,
    })
}

fn is_plain(token: &str) -> bool {
    matches!(
        token,
        "text" | "txt" | "plain" | "plaintext" | "output" | "log" | "none" | ""
    )
}

/// Relative luminance (WCAG 2).
fn luminance(c: Color) -> f64 {
    let f = |v: u8| {
        let v = v as f64 / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b)
}

/// Contrast ratio of a colour against black.
fn contrast_on_black(c: Color) -> f64 {
    (luminance(c) + 0.05) / 0.05
}

/// Lighten `c` towards white until it reaches 7:1 against black.
fn lift(mut c: Color) -> Color {
    for _ in 0..100 {
        if contrast_on_black(c) >= 7.0 {
            break;
        }
        let up = |v: u8| v + ((255 - v) as f64 * 0.08).ceil() as u8;
        c = Color {
            r: up(c.r),
            g: up(c.g),
            b: up(c.b),
            a: c.a,
        };
    }
    c
}

fn load_theme(kind: SyntaxTheme) -> Theme {
    let mut themes = ThemeSet::load_defaults();
    let mut theme = themes
        .themes
        .remove(kind.syntect_name())
        .unwrap_or_default();
    if kind == SyntaxTheme::HighContrast {
        theme.settings.foreground = theme.settings.foreground.map(lift);
        for item in &mut theme.scopes {
            item.style.foreground = item.style.foreground.map(lift);
        }
    }
    theme
}

pub struct Highlighter {
    kind: SyntaxTheme,
    theme: Theme,
    syntaxes: &'static Syntaxes,
}

static SHARED: [OnceLock<Highlighter>; 3] = [const { OnceLock::new() }; 3];
static PRELOADING: [AtomicBool; 3] = [const { AtomicBool::new(false) }; 3];

impl Highlighter {
    /// Load a highlighter (blocks; prefer [`Highlighter::shared`]).
    pub fn new(kind: SyntaxTheme) -> Highlighter {
        Highlighter {
            kind,
            theme: load_theme(kind),
            syntaxes: syntaxes(),
        }
    }

    /// The process-wide highlighter of this kind, loaded on first use (blocks until loaded).
    pub fn shared(kind: SyntaxTheme) -> &'static Highlighter {
        SHARED[kind.index()].get_or_init(|| Highlighter::new(kind))
    }

    /// The process-wide highlighter if it is loaded; never blocks.
    pub fn get(kind: SyntaxTheme) -> Option<&'static Highlighter> {
        SHARED[kind.index()].get()
    }

    /// Load the highlighter of this kind on a background thread (once) and compile the common
    /// languages' rules, so that the UI thread never waits for them.
    pub fn preload(kind: SyntaxTheme) {
        let _ = Highlighter::spawn_preload(kind);
    }

    /// The preloading thread, if this call started it.
    fn spawn_preload(kind: SyntaxTheme) -> Option<std::thread::JoinHandle<()>> {
        if PRELOADING[kind.index()].swap(true, Ordering::SeqCst) {
            return None;
        }
        let spawned = std::thread::Builder::new()
            .name("revisit-highlight".into())
            .spawn(move || Highlighter::shared(kind).warm());
        if spawned.is_err() {
            PRELOADING[kind.index()].store(false, Ordering::SeqCst);
        }
        spawned.ok()
    }

    /// Compile the rules of the languages most sessions show (once per process).
    fn warm(&self) {
        static WARM: OnceLock<()> = OnceLock::new();
        WARM.get_or_init(|| {
            let samples = [
                ("bash", "cd /tmp && ls -la | grep \"$HOME\" # x\n"),
                ("json", "{\"a\": [1, true, null, \"s\"]}\n"),
                ("rust", "fn main() { let x: u8 = 1; println!(\"{x}\"); }\n"),
                ("python", "def f(x):\n    return [x for x in range(3)]\n"),
                ("ts", "const x = (a) => `${a}`;\n"),
                ("yaml", "a: [1, 'b']\n"),
                ("toml", "[a]\nb = \"c\"\n"),
            ];
            for (token, code) in samples {
                if let Some(lang) = self.language(token) {
                    let _ = self.highlight_clean(code, Some(lang));
                }
            }
        });
    }

    pub fn kind(&self) -> SyntaxTheme {
        self.kind
    }

    /// The language of a code fence's token or a file extension (`rust`, `rs`, `py`, `sh`,
    /// `console`, `tsx`, `json`, `toml`, `yaml`, `diff`…), case-insensitive; `None` for plain
    /// text and unknown tokens.
    pub fn language(&self, token: &str) -> Option<Language<'_>> {
        let token = token.trim();
        let lower = token.to_ascii_lowercase();
        if is_plain(&lower) {
            return None;
        }
        let s = self.syntaxes;
        if let Some(name) = alias(&lower) {
            let (set, syntax) = match s.extra.find_syntax_by_name(name) {
                Some(syn) => (&s.extra, syn),
                None => (&s.bundled, s.bundled.find_syntax_by_name(name)?),
            };
            return Some(Language { syntax, set });
        }
        let syntax = s
            .bundled
            .find_syntax_by_extension(token)
            .or_else(|| s.bundled.find_syntax_by_token(&lower))?;
        if syntax.name == "Plain Text" {
            return None;
        }
        Some(Language {
            syntax,
            set: &s.bundled,
        })
    }

    /// The language of a file, by its name (`Makefile`, `.bashrc`) or extension.
    pub fn language_for_path(&self, path: &str) -> Option<Language<'_>> {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        if name.is_empty() {
            return None;
        }
        let lower = name.to_ascii_lowercase();
        let by_name = match lower.as_str() {
            "makefile" | "gnumakefile" => Some("make"),
            "dockerfile" | "containerfile" => Some("dockerfile"),
            "cargo.lock" | "poetry.lock" | "uv.lock" | "pipfile" => Some("toml"),
            ".bashrc" | ".zshrc" | ".profile" | ".bash_profile" | ".envrc" | ".env" => Some("sh"),
            "gemfile" | "rakefile" => Some("ruby"),
            _ => None,
        };
        if let Some(token) = by_name {
            return self.language(token);
        }
        let (_, ext) = name.rsplit_once('.')?;
        if ext.is_empty() {
            return None;
        }
        self.language(ext)
    }

    /// Highlight `text` (sanitised here) line by line, within the per-block limits: one
    /// `Vec<StyledSpan>` per line (a final newline does not start a line).
    pub fn highlight(&self, text: &str, language: Language<'_>) -> Vec<Vec<StyledSpan>> {
        let clean = crate::sanitize::sanitize(text);
        self.highlight_clean(&clean, Some(language))
    }

    /// Highlight text that is already sanitised; plain code for `None`.
    pub(crate) fn highlight_clean(
        &self,
        clean: &str,
        language: Option<Language<'_>>,
    ) -> Vec<Spans> {
        self.highlight_within(clean, language, Some(HIGHLIGHT_TIME_BUDGET))
    }

    /// [`Highlighter::highlight_clean`] with the time budget given (none: only the line and
    /// byte limits apply).
    fn highlight_within(
        &self,
        clean: &str,
        language: Option<Language<'_>>,
        time_budget: Option<Duration>,
    ) -> Vec<Spans> {
        let lines = split_lines(clean);
        let Some(lang) = language else {
            return plain_lines(&lines);
        };
        let started = Instant::now();
        let mut out = Vec::with_capacity(lines.len());
        let mut h = HighlightLines::new(lang.syntax, &self.theme);
        let mut budget = HIGHLIGHT_MAX_BYTES;
        let mut stopped = false;
        let mut buf = String::new();
        for (i, line) in lines.iter().enumerate() {
            if line.len() > HIGHLIGHT_MAX_LINE_BYTES {
                out.push(code_spans(line));
                h = HighlightLines::new(lang.syntax, &self.theme);
                continue;
            }
            let cost = line_cost(line.len());
            if i >= HIGHLIGHT_MAX_LINES
                || cost > budget
                || time_budget.is_some_and(|t| started.elapsed() >= t)
            {
                stopped = true;
            }
            if stopped {
                out.push(code_spans(line));
                continue;
            }
            budget -= cost;
            buf.clear();
            buf.push_str(line);
            buf.push('\n');
            match h.highlight_line(&buf, lang.set) {
                Ok(regions) => {
                    let mut spans = Spans::new();
                    for (style, piece) in regions {
                        let piece = piece.strip_suffix('\n').unwrap_or(piece);
                        push(&mut spans, piece, syntax_style(style));
                    }
                    out.push(spans);
                }
                Err(_) => {
                    stopped = true;
                    out.push(code_spans(line));
                }
            }
        }
        out
    }
}

fn syntax_style(style: Style) -> SpanStyle {
    SpanStyle::Syntax {
        r: style.foreground.r,
        g: style.foreground.g,
        b: style.foreground.b,
        bold: style.font_style.contains(FontStyle::BOLD),
        italic: style.font_style.contains(FontStyle::ITALIC),
    }
}

/// Lines of `text`; a final newline does not start a line.
pub(crate) fn split_lines(text: &str) -> Vec<&str> {
    text.strip_suffix('\n')
        .unwrap_or(text)
        .split('\n')
        .collect()
}

fn code_spans(line: &str) -> Spans {
    let mut spans = Spans::new();
    push(&mut spans, line, SpanStyle::Code);
    spans
}

pub(crate) fn plain_lines(lines: &[&str]) -> Vec<Spans> {
    lines.iter().map(|l| code_spans(l)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hl() -> &'static Highlighter {
        Highlighter::shared(SyntaxTheme::Dark)
    }

    fn syntax_spans(lines: &[Spans]) -> usize {
        lines
            .iter()
            .flatten()
            .filter(|s| matches!(s.style, SpanStyle::Syntax { .. }))
            .count()
    }

    fn distinct_colours(lines: &[Spans]) -> usize {
        let mut set = std::collections::HashSet::new();
        for s in lines.iter().flatten() {
            if let SpanStyle::Syntax { r, g, b, .. } = s.style {
                set.insert((r, g, b));
            }
        }
        set.len()
    }

    #[test]
    fn languages_by_token_and_extension() {
        let h = hl();
        let name = |t: &str| h.language(t).map(|l| l.name().to_string());
        assert_eq!(name("rust").as_deref(), Some("Rust"));
        assert_eq!(name("rs").as_deref(), Some("Rust"));
        assert_eq!(name("Python").as_deref(), Some("Python"));
        assert_eq!(name("py").as_deref(), Some("Python"));
        for t in ["sh", "bash", "shell", "console", "zsh"] {
            assert_eq!(name(t).as_deref(), Some("Bourne Again Shell (bash)"), "{t}");
        }
        for t in ["ts", "tsx", "js", "jsx"] {
            assert_eq!(name(t).as_deref(), Some("JavaScript"), "{t}");
        }
        assert_eq!(name("json").as_deref(), Some("JSON"));
        assert_eq!(name("toml").as_deref(), Some("TOML"));
        assert_eq!(name("yaml").as_deref(), Some("YAML"));
        assert_eq!(name("yml").as_deref(), Some("YAML"));
        assert_eq!(name("go").as_deref(), Some("Go"));
        assert_eq!(name("java").as_deref(), Some("Java"));
        assert_eq!(name("c").as_deref(), Some("C"));
        assert_eq!(name("cpp").as_deref(), Some("C++"));
        assert_eq!(name("diff").as_deref(), Some("Diff"));
        assert_eq!(name("markdown").as_deref(), Some("Markdown"));
        assert_eq!(name("sql").as_deref(), Some("SQL"));
        assert_eq!(name("html").as_deref(), Some("HTML"));
        assert_eq!(name("css").as_deref(), Some("CSS"));
        assert_eq!(name("rb").as_deref(), Some("Ruby"));
        assert!(name("no-such-language").is_none());
        assert!(name("text").is_none());
        assert!(name("txt").is_none());
        assert!(name("").is_none());
        let path = |p: &str| h.language_for_path(p).map(|l| l.name().to_string());
        assert_eq!(path("src/main.rs").as_deref(), Some("Rust"));
        assert_eq!(path("/a/b/Cargo.toml").as_deref(), Some("TOML"));
        assert_eq!(path("web/App.tsx").as_deref(), Some("JavaScript"));
        assert_eq!(path("Makefile").as_deref(), Some("Makefile"));
        assert_eq!(path("C:\\x\\script.py").as_deref(), Some("Python"));
        assert!(path("README").is_none());
        assert!(path("notes.txt").is_none());
        assert!(path("data.unknownext").is_none());
    }

    #[test]
    fn highlights_common_languages() {
        let h = hl();
        let cases = [
            ("rust", "fn main() {\n    let x: u32 = 42; // answer\n}\n"),
            ("python", "def f(x):\n    return \"s\" + str(x)  # c\n"),
            ("bash", "for f in *.rs; do echo \"$f\" | wc -l; done\n"),
            ("json", "{\"key\": [1, true, null, \"v\"]}\n"),
            ("toml", "[package]\nname = \"revisit\" # c\nversion = 1\n"),
        ];
        for (token, code) in cases {
            let lines = h.highlight(code, h.language(token).unwrap());
            assert_eq!(lines.len(), code.lines().count(), "{token}");
            assert!(syntax_spans(&lines) > 0, "{token}: {lines:?}");
            assert!(distinct_colours(&lines) >= 3, "{token}: {lines:?}");
            let text: Vec<String> = lines
                .iter()
                .map(|l| l.iter().map(|s| s.text.as_str()).collect())
                .collect();
            assert_eq!(text, code.lines().collect::<Vec<_>>(), "{token}");
        }
    }

    #[test]
    fn toml_keys_strings_numbers_and_headers_are_coloured_in_every_theme() {
        for kind in SyntaxTheme::ALL {
            let h = Highlighter::new(kind);
            let lines = h.highlight(
                "[deps]\nserde = { version = \"1\", x = 2 } # why\n",
                h.language("toml").unwrap(),
            );
            let colour = |text: &str| {
                lines
                    .iter()
                    .flatten()
                    .find(|s| s.text.trim() == text)
                    .map(|s| s.style)
                    .unwrap_or_else(|| panic!("{kind:?} {text}: {lines:?}"))
            };
            let plain = colour("=");
            for t in ["[deps]", "serde", "\"1\"", "2", "# why", "version"] {
                assert_ne!(colour(t), plain, "{kind:?} {t}");
            }
        }
    }

    #[test]
    fn unknown_language_is_plain_code() {
        let h = hl();
        assert!(h.language("brainfudge").is_none());
        let lines = h.highlight_clean("a\nb\n", None);
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().flatten().all(|s| s.style == SpanStyle::Code));
    }

    #[test]
    fn highlighting_stops_at_the_line_limit() {
        let h = hl();
        let code = "let x = 1;\n".repeat(HIGHLIGHT_MAX_LINES + 10);
        let lines = h.highlight_within(&code, h.language("rust"), None);
        assert_eq!(lines.len(), HIGHLIGHT_MAX_LINES + 10);
        assert!(syntax_spans(&lines[HIGHLIGHT_MAX_LINES - 1..HIGHLIGHT_MAX_LINES]) > 0);
        for l in &lines[HIGHLIGHT_MAX_LINES..] {
            assert_eq!(l.len(), 1);
            assert_eq!(l[0].style, SpanStyle::Code);
            assert_eq!(l[0].text, "let x = 1;");
        }
    }

    #[test]
    fn huge_lines_are_plain_and_highlighting_resumes_after_them() {
        let h = hl();
        let long = "x".repeat(HIGHLIGHT_MAX_LINE_BYTES + 1);
        let code = format!("let a = 1;\nlet s = \"{long}\";\nlet b = 2;\n");
        let lines = h.highlight_within(&code, h.language("rust"), None);
        assert!(syntax_spans(&lines[0..1]) > 0);
        assert_eq!(lines[1].len(), 1);
        assert_eq!(lines[1][0].style, SpanStyle::Code);
        assert!(syntax_spans(&lines[2..3]) > 0, "resumes after a long line");
    }

    #[test]
    fn long_lines_use_up_the_byte_budget_faster() {
        let h = hl();
        // 1000-byte lines cost 1000 + 1000²/64 each: only a few are highlighted
        let line = format!("let x = \"{}\";\n", "y".repeat(1000 - 11));
        let each = line_cost(line.len() - 1);
        let n = HIGHLIGHT_MAX_BYTES / each;
        assert!(n < 10, "{n}");
        let lines = h.highlight_within(&line.repeat(n + 3), h.language("rust"), None);
        assert!(syntax_spans(&lines[n - 1..n]) > 0);
        assert!(
            lines[n..]
                .iter()
                .flatten()
                .all(|s| s.style == SpanStyle::Code)
        );
        // short lines fit the budget up to the line limit
        assert!(line_cost(40) * HIGHLIGHT_MAX_LINES < HIGHLIGHT_MAX_BYTES);
    }

    #[test]
    fn an_exhausted_time_budget_leaves_the_rest_plain() {
        let h = hl();
        let code = "let x = 1;\n".repeat(5);
        let lines = h.highlight_within(&code, h.language("rust"), Some(Duration::ZERO));
        assert_eq!(lines.len(), 5);
        assert!(lines.iter().flatten().all(|s| s.style == SpanStyle::Code));
    }

    #[test]
    fn high_contrast_colours_reach_7_to_1_on_black() {
        let h = Highlighter::new(SyntaxTheme::HighContrast);
        let code = "// comment\nfn main() { let s = \"x\"; let n = 3.5; }\n";
        let lines = h.highlight(code, h.language("rust").unwrap());
        assert!(syntax_spans(&lines) > 0);
        for s in lines.iter().flatten() {
            if let SpanStyle::Syntax { r, g, b, .. } = s.style {
                let c = Color { r, g, b, a: 255 };
                assert!(contrast_on_black(c) >= 7.0, "{s:?}");
            }
        }
        // the plain dark theme's comment colour is below that: the lift did something
        let dark = hl().highlight("// comment\n", hl().language("rust").unwrap());
        let SpanStyle::Syntax { r, g, b, .. } = dark[0][0].style else {
            panic!("{dark:?}")
        };
        assert!(contrast_on_black(Color { r, g, b, a: 255 }) < 7.0);
    }

    #[test]
    fn themes_differ() {
        let code = "fn main() {}\n";
        let spans: Vec<_> = SyntaxTheme::ALL
            .iter()
            .map(|k| {
                let h = Highlighter::new(*k);
                assert_eq!(h.kind(), *k);
                h.highlight(code, h.language("rust").unwrap())
            })
            .collect();
        assert_ne!(spans[0], spans[1]);
        assert_ne!(spans[0], spans[2]);
    }

    #[test]
    fn highlight_sanitises() {
        let h = hl();
        let lines = h.highlight(
            "let a = \"\u{1b}[31mred\u{7}\";\n",
            h.language("rust").unwrap(),
        );
        for s in lines.iter().flatten() {
            assert!(!s.text.chars().any(|c| c.is_control()), "{s:?}");
        }
    }

    #[test]
    fn preload_loads_in_the_background_once() {
        // no other test uses the shared high-contrast highlighter
        let kind = SyntaxTheme::HighContrast;
        assert!(Highlighter::get(kind).is_none());
        let thread = Highlighter::spawn_preload(kind).expect("first call starts a thread");
        assert!(Highlighter::spawn_preload(kind).is_none(), "started once");
        Highlighter::preload(kind); // nothing more
        thread.join().unwrap();
        let h = Highlighter::get(kind).expect("loaded by the thread");
        assert_eq!(h.kind(), kind);
        assert!(std::ptr::eq(h, Highlighter::shared(kind)));
    }
}
