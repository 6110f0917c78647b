//! A session as one self-contained HTML page: inline CSS (light and dark by
//! `prefers-color-scheme`), code highlighted with syntect in both themes, tool calls and thinking
//! in collapsed `<details>`. Nothing is fetched: no scripts, fonts, images, `@import` or `url(`,
//! and links are shown as text, never as `href`s.
//!
//! The markup is XHTML-compatible (every element closed, only the five XML entities, no
//! characters XML forbids), so a strict XML parser reads it. All session text is escaped;
//! control characters are made inert with [`crate::sanitize`] first.

use super::{role_heading, tool_summary};
use crate::model::{Block, Message, Role, Session, rfc3339};
use crate::redact::RedactionReport;
use crate::render::code::{is_apply_patch, looks_like_unified_diff};
use crate::render::{Highlighter, SpanStyle, StyledLine, SyntaxTheme};
use crate::sanitize;
use pulldown_cmark::{Alignment, CodeBlockKind, Event, LinkType, Options, Parser, Tag, TagEnd};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

/// Lines are never wrapped: the page scrolls code sideways.
const NO_WRAP: usize = 1 << 24;

/// Escape text for element content and attribute values. Characters XML does not allow become
/// visible stand-ins (controls as Unicode control pictures, the rest as U+FFFD).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if (c as u32) < 0x20 => {
                out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'))
            }
            '\u{7F}' => out.push('\u{2421}'),
            '\u{80}'..='\u{9F}' | '\u{FFFE}' | '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Colours of highlighted tokens: one class per (light, dark) pair.
#[derive(Default)]
struct Palette {
    classes: HashMap<(SpanStyle, SpanStyle), usize>,
    order: Vec<(SpanStyle, SpanStyle)>,
}

impl Palette {
    fn class(&mut self, light: SpanStyle, dark: SpanStyle) -> usize {
        if let Some(i) = self.classes.get(&(light, dark)) {
            return *i;
        }
        let i = self.order.len();
        self.order.push((light, dark));
        self.classes.insert((light, dark), i);
        i
    }

    fn css(&self) -> String {
        let rule = |s: SpanStyle| -> String {
            match s {
                SpanStyle::Syntax {
                    r,
                    g,
                    b,
                    bold,
                    italic,
                } => format!(
                    "color:#{r:02x}{g:02x}{b:02x}{}{}",
                    if bold { ";font-weight:bold" } else { "" },
                    if italic { ";font-style:italic" } else { "" }
                ),
                _ => "color:inherit".to_string(),
            }
        };
        let mut light = String::new();
        let mut dark = String::new();
        for (i, (l, d)) in self.order.iter().enumerate() {
            let _ = writeln!(light, ".k{i}{{{}}}", rule(*l));
            let _ = writeln!(dark, ".k{i}{{{}}}", rule(*d));
        }
        format!("{light}@media (prefers-color-scheme: dark) {{\n{dark}}}\n")
    }
}

/// The class of a semantic (not highlighted) span style, if it has one.
fn semantic_class(s: SpanStyle) -> Option<&'static str> {
    Some(match s {
        SpanStyle::Text | SpanStyle::Code => return None,
        SpanStyle::Muted | SpanStyle::Punctuation | SpanStyle::Quote => "mu",
        SpanStyle::DiffAdded => "da",
        SpanStyle::DiffRemoved => "dr",
        SpanStyle::DiffHeader => "dh",
        SpanStyle::Error => "er",
        SpanStyle::Strong | SpanStyle::StrongEmphasis | SpanStyle::Heading(_) => "st",
        SpanStyle::Emphasis => "em",
        SpanStyle::Strikethrough => "sk",
        SpanStyle::InlineCode | SpanStyle::Link | SpanStyle::LinkUrl => "ln",
        SpanStyle::Syntax { .. } => return None,
    })
}

struct Page<'a> {
    out: String,
    palette: Palette,
    light: &'a Highlighter,
    dark: &'a Highlighter,
}

/// The whole session as one HTML page. `redactions`: what was removed before (shown in the
/// header), when the session was redacted.
pub fn html(s: &Session, messages: &[Message], redactions: Option<&RedactionReport>) -> String {
    let mut page = Page {
        out: String::new(),
        palette: Palette::default(),
        light: Highlighter::shared(SyntaxTheme::Light),
        dark: Highlighter::shared(SyntaxTheme::Dark),
    };
    page.header(s, redactions);
    page.messages(messages);
    let _ = writeln!(
        page.out,
        "<footer>Exported with revisit {}</footer>",
        env!("CARGO_PKG_VERSION")
    );
    let title = escape(&sanitize::one_line(display_title(s)));
    let mut doc = String::with_capacity(page.out.len() + 8192);
    doc.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    doc.push_str(
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <meta name=\"color-scheme\" content=\"light dark\"/>\n",
    );
    let _ = writeln!(doc, "<title>{title}</title>");
    doc.push_str("<style>\n");
    doc.push_str(CSS);
    doc.push_str(&page.palette.css());
    doc.push_str("</style>\n</head>\n<body>\n<main>\n");
    doc.push_str(&page.out);
    doc.push_str("</main>\n</body>\n</html>\n");
    doc
}

fn display_title(s: &Session) -> &str {
    s.extra.name.as_deref().unwrap_or(&s.title)
}

impl Page<'_> {
    fn header(&mut self, s: &Session, redactions: Option<&RedactionReport>) {
        let o = &mut self.out;
        let _ = writeln!(
            o,
            "<header>\n<h1>{}</h1>",
            escape(&sanitize::one_line(display_title(s)))
        );
        if s.extra.name.is_some() && !s.title.is_empty() {
            let _ = writeln!(
                o,
                "<p class=\"subtitle\">{}</p>",
                escape(&sanitize::one_line(&s.title))
            );
        }
        o.push_str("<dl class=\"meta\">\n");
        let mut row = |k: &str, v: String| {
            let _ = writeln!(o, "<div><dt>{k}</dt><dd>{v}</dd></div>");
        };
        row(
            "Agent",
            format!(
                "{} <code>{}</code>",
                escape(s.agent.display_name()),
                escape(&sanitize::one_line(&s.id))
            ),
        );
        if let Some(cwd) = &s.cwd {
            row(
                "Directory",
                format!("<code>{}</code>", escape(&sanitize::one_line(cwd))),
            );
        }
        if let Some(b) = &s.git_branch {
            row(
                "Branch",
                format!("<code>{}</code>", escape(&sanitize::one_line(b))),
            );
        }
        if !s.models.is_empty() {
            row("Models", escape(&sanitize::one_line(&s.models.join(", "))));
        }
        match (s.started_at, s.updated_at) {
            (Some(a), Some(b)) => row("Time", format!("{} – {}", time(&a), time(&b))),
            (Some(a), None) | (None, Some(a)) => row("Time", time(&a)),
            _ => {}
        }
        row("Messages", super::counts(s));
        if s.tokens_known {
            let t = &s.tokens;
            row(
                "Tokens",
                format!(
                    "{} input, {} output, {} cache read, {} cache write",
                    t.input, t.output, t.cache_read, t.cache_write
                ),
            );
        }
        if s.cost_usd.is_some() {
            row("Cost", escape(&crate::text::money(s.cost_usd)));
        }
        if !s.extra.tags.is_empty() {
            let tags: Vec<String> = s
                .extra
                .tags
                .iter()
                .map(|t| {
                    format!(
                        "<span class=\"tag\">{}</span>",
                        escape(&sanitize::one_line(t))
                    )
                })
                .collect();
            row("Tags", tags.join(" "));
        }
        if let Some(r) = redactions {
            row("Redacted", escape(&r.summary()));
        }
        o.push_str("</dl>\n</header>\n");
    }

    fn messages(&mut self, messages: &[Message]) {
        // pair each tool call with its result (by call id, wherever it was stored)
        let mut results: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
        for (mi, m) in messages.iter().enumerate() {
            for (bi, b) in m.blocks.iter().enumerate() {
                if let Block::ToolResult { call_id, .. } = b
                    && !call_id.is_empty()
                {
                    results.entry(call_id.as_str()).or_default().push((mi, bi));
                }
            }
        }
        let mut result_of: HashMap<(usize, usize), (usize, usize)> = HashMap::new();
        let mut paired: HashSet<(usize, usize)> = HashSet::new();
        for (mi, m) in messages.iter().enumerate() {
            for (bi, b) in m.blocks.iter().enumerate() {
                if let Block::ToolCall { id, .. } = b
                    && let Some(list) = results.get_mut(id.as_str())
                    && !list.is_empty()
                {
                    let r = list.remove(0);
                    result_of.insert((mi, bi), r);
                    paired.insert(r);
                }
            }
        }
        for (mi, m) in messages.iter().enumerate() {
            let shown: Vec<usize> = (0..m.blocks.len())
                .filter(|bi| !paired.contains(&(mi, *bi)))
                .collect();
            if shown.is_empty() {
                continue;
            }
            self.message(m, mi, &shown, messages, &result_of);
        }
    }

    fn message(
        &mut self,
        m: &Message,
        mi: usize,
        shown: &[usize],
        messages: &[Message],
        result_of: &HashMap<(usize, usize), (usize, usize)>,
    ) {
        let role = match (m.role, m.meta) {
            (Role::User, true) => "context",
            (r, _) => r.as_str(),
        };
        let _ = writeln!(
            self.out,
            "<section class=\"msg {role}{}\" id=\"m{mi}\">",
            if m.sidechain { " side" } else { "" }
        );
        let mut head = format!("<span class=\"role\">{}</span>", role_heading(m));
        if m.sidechain {
            let _ = write!(
                head,
                " <span class=\"mu\">(subagent{})</span>",
                m.agent_id
                    .as_deref()
                    .map(|a| format!(" {}", escape(&sanitize::one_line(a))))
                    .unwrap_or_default()
            );
        }
        if let Some(t) = &m.time {
            let _ = write!(head, " <span class=\"mu\">· {}</span>", time(t));
        }
        if let Some(model) = &m.model {
            let _ = write!(
                head,
                " <span class=\"mu\">· {}</span>",
                escape(&sanitize::one_line(model))
            );
        }
        let _ = writeln!(self.out, "<h2>{head}</h2>");
        for &bi in shown {
            match &m.blocks[bi] {
                Block::Text { text } => {
                    self.out.push_str("<div class=\"text\">\n");
                    self.markdown(text);
                    self.out.push_str("</div>\n");
                }
                Block::Thinking { text, sealed } => {
                    if *sealed || text.trim().is_empty() {
                        self.out.push_str(
                            "<p class=\"mu thinking-sealed\">thinking (not recorded)</p>\n",
                        );
                    } else {
                        self.out.push_str(
                            "<details class=\"thinking\"><summary>Thinking</summary>\n<div class=\"text\">\n",
                        );
                        self.markdown(text);
                        self.out.push_str("</div>\n</details>\n");
                    }
                }
                Block::ToolCall { name, input, .. } => {
                    let result = result_of.get(&(mi, bi)).and_then(|(rm, rb)| {
                        match messages.get(*rm).and_then(|m| m.blocks.get(*rb)) {
                            Some(Block::ToolResult {
                                output, is_error, ..
                            }) => Some((output.as_str(), *is_error)),
                            _ => None,
                        }
                    });
                    self.tool_call(name, input, result);
                }
                Block::ToolResult {
                    output, is_error, ..
                } => {
                    let _ = writeln!(
                        self.out,
                        "<details class=\"tool orphan{}\"><summary><span class=\"tname\">{}</span> <span class=\"mu\">{}</span></summary>",
                        if *is_error { " failed" } else { "" },
                        if *is_error {
                            "Tool error"
                        } else {
                            "Tool output"
                        },
                        size(output.len())
                    );
                    self.output(output, *is_error);
                    self.out.push_str("</details>\n");
                }
                Block::Notice { kind, text } => {
                    let _ = writeln!(
                        self.out,
                        "<p class=\"notice\"><strong>{}</strong>: {}</p>",
                        escape(&sanitize::one_line(kind)),
                        escape(&sanitize::one_line(text))
                    );
                }
                Block::Attachment { kind, description } => {
                    let _ = writeln!(
                        self.out,
                        "<p class=\"attachment\">[{}: {}]</p>",
                        escape(&sanitize::one_line(kind)),
                        escape(&sanitize::one_line(description))
                    );
                }
            }
        }
        self.out.push_str("</section>\n");
    }

    fn tool_call(&mut self, name: &str, input: &serde_json::Value, result: Option<(&str, bool)>) {
        let failed = result.is_some_and(|(_, e)| e);
        let summary = tool_summary(name, input);
        let _ = write!(
            self.out,
            "<details class=\"tool{}\"><summary><span class=\"tname\">{}</span>",
            if failed { " failed" } else { "" },
            escape(&sanitize::one_line(name))
        );
        if !summary.is_empty() {
            let _ = write!(
                self.out,
                " <code class=\"tsum\">{}</code>",
                escape(&summary)
            );
        }
        match result {
            Some((out, true)) => {
                let _ = write!(
                    self.out,
                    " <span class=\"er\">✗ failed</span> <span class=\"mu\">{}</span>",
                    size(out.len())
                );
            }
            Some((out, false)) => {
                let _ = write!(self.out, " <span class=\"mu\">{}</span>", size(out.len()));
            }
            None => {}
        }
        self.out.push_str("</summary>\n");
        if !input.is_null() {
            self.out.push_str("<div class=\"label\">Input</div>\n");
            let light = crate::render::tool_input(name, input, NO_WRAP, Some(self.light));
            let dark = crate::render::tool_input(name, input, NO_WRAP, Some(self.dark));
            self.pre(&light, &dark, "code");
        }
        if let Some((out, is_error)) = result {
            self.out.push_str(&format!(
                "<div class=\"label\">{}</div>\n",
                if is_error { "Error" } else { "Output" }
            ));
            self.output(out, is_error);
        }
        self.out.push_str("</details>\n");
    }

    /// A tool's output: a diff when it is one, else plain text.
    fn output(&mut self, output: &str, is_error: bool) {
        if output.is_empty() {
            self.out.push_str("<p class=\"mu\">(no output)</p>\n");
            return;
        }
        let class = if is_error { "out err" } else { "out" };
        if is_apply_patch(output) || looks_like_unified_diff(output) {
            let lines = crate::render::diff(output, NO_WRAP);
            self.pre(&lines, &lines, class);
        } else {
            let clean = sanitize::sanitize(output);
            let _ = writeln!(
                self.out,
                "<pre class=\"{class}\">{}</pre>",
                escape(clean.strip_suffix('\n').unwrap_or(&clean))
            );
        }
    }

    /// Code lines highlighted in both themes: the same text, spans split where either theme
    /// changes colour.
    fn pre(&mut self, light: &[StyledLine], dark: &[StyledLine], class: &str) {
        let _ = write!(self.out, "<pre class=\"{class}\">");
        let same_text = light.len() == dark.len()
            && light
                .iter()
                .zip(dark)
                .all(|(l, d)| line_text(l) == line_text(d));
        let dark = if same_text { dark } else { light };
        for (i, (l, d)) in light.iter().zip(dark).enumerate() {
            if i > 0 {
                self.out.push('\n');
            }
            for (text, ls, ds) in segments(l, d) {
                let t = escape(&text);
                if matches!(ls, SpanStyle::Syntax { .. }) || matches!(ds, SpanStyle::Syntax { .. })
                {
                    let k = self.palette.class(ls, ds);
                    let _ = write!(self.out, "<span class=\"k{k}\">{t}</span>");
                } else if let Some(c) = semantic_class(ls) {
                    let _ = write!(self.out, "<span class=\"{c}\">{t}</span>");
                } else {
                    self.out.push_str(&t);
                }
            }
        }
        self.out.push_str("</pre>\n");
    }

    /// A fenced code block.
    fn code_block(&mut self, code: &str, lang: &str) {
        let lang = lang.split([' ', ',', '{']).next().unwrap_or("").trim();
        if !lang.is_empty() {
            let _ = writeln!(
                self.out,
                "<div class=\"lang\">{}</div>",
                escape(&sanitize::one_line(lang))
            );
        }
        let token = (!lang.is_empty()).then_some(lang);
        let light = crate::render::code(code, token, NO_WRAP, Some(self.light));
        let dark = crate::render::code(code, token, NO_WRAP, Some(self.dark));
        self.pre(&light, &dark, "code");
    }

    /// Markdown as HTML: a safe subset (no raw HTML, links and images as text).
    fn markdown(&mut self, text: &str) {
        let clean = sanitize::sanitize(text);
        let options = Options::ENABLE_TABLES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_TASKLISTS
            | Options::ENABLE_GFM;
        let mut closers: Vec<String> = Vec::new();
        let mut code: Option<(String, String)> = None;
        let mut aligns: Vec<Alignment> = Vec::new();
        let mut in_head = false;
        let mut body_open = false;
        let mut cell = 0usize;
        for ev in Parser::new_ext(&clean, options) {
            if let Some((buf, lang)) = code.as_mut() {
                match ev {
                    Event::Text(t) => buf.push_str(&t),
                    Event::End(TagEnd::CodeBlock) => {
                        let (buf, lang) = (std::mem::take(buf), std::mem::take(lang));
                        code = None;
                        self.code_block(&buf, &lang);
                    }
                    _ => {}
                }
                continue;
            }
            let o = &mut self.out;
            match ev {
                Event::Start(tag) => {
                    let (open, close): (String, String) = match tag {
                        Tag::Paragraph => ("<p>".into(), "</p>\n".into()),
                        Tag::Heading { level, .. } => {
                            let n = (level as usize + 2).min(6);
                            (format!("<h{n}>"), format!("</h{n}>\n"))
                        }
                        Tag::BlockQuote(_) => ("<blockquote>\n".into(), "</blockquote>\n".into()),
                        Tag::CodeBlock(kind) => {
                            let lang = match kind {
                                CodeBlockKind::Fenced(l) => l.to_string(),
                                CodeBlockKind::Indented => String::new(),
                            };
                            code = Some((String::new(), lang));
                            continue;
                        }
                        Tag::HtmlBlock => ("<pre class=\"raw\">".into(), "</pre>\n".into()),
                        Tag::List(Some(start)) => (
                            if start == 1 {
                                "<ol>\n".to_string()
                            } else {
                                format!("<ol start=\"{start}\">\n")
                            },
                            "</ol>\n".into(),
                        ),
                        Tag::List(None) => ("<ul>\n".into(), "</ul>\n".into()),
                        Tag::Item => ("<li>".into(), "</li>\n".into()),
                        Tag::FootnoteDefinition(label) => (
                            format!("<div class=\"footnote\"><sup>{}</sup> ", escape(&label)),
                            "</div>\n".into(),
                        ),
                        Tag::DefinitionList => ("<dl>\n".into(), "</dl>\n".into()),
                        Tag::DefinitionListTitle => ("<dt>".into(), "</dt>\n".into()),
                        Tag::DefinitionListDefinition => ("<dd>".into(), "</dd>\n".into()),
                        Tag::Table(a) => {
                            aligns = a;
                            body_open = false;
                            ("<table>\n".into(), String::new())
                        }
                        Tag::TableHead => {
                            in_head = true;
                            cell = 0;
                            ("<thead><tr>".into(), "</tr></thead>\n".into())
                        }
                        Tag::TableRow => {
                            cell = 0;
                            let open = if body_open {
                                "<tr>".to_string()
                            } else {
                                body_open = true;
                                "<tbody>\n<tr>".to_string()
                            };
                            (open, "</tr>\n".into())
                        }
                        Tag::TableCell => {
                            let el = if in_head { "th" } else { "td" };
                            let align = match aligns.get(cell) {
                                Some(Alignment::Left) => " style=\"text-align:left\"",
                                Some(Alignment::Center) => " style=\"text-align:center\"",
                                Some(Alignment::Right) => " style=\"text-align:right\"",
                                _ => "",
                            };
                            cell += 1;
                            (format!("<{el}{align}>"), format!("</{el}>"))
                        }
                        Tag::Emphasis => ("<em>".into(), "</em>".into()),
                        Tag::Strong => ("<strong>".into(), "</strong>".into()),
                        Tag::Strikethrough => ("<del>".into(), "</del>".into()),
                        Tag::Superscript => ("<sup>".into(), "</sup>".into()),
                        Tag::Subscript => ("<sub>".into(), "</sub>".into()),
                        Tag::Link {
                            link_type,
                            dest_url,
                            ..
                        } => {
                            let shown = matches!(link_type, LinkType::Autolink | LinkType::Email)
                                || dest_url.is_empty();
                            let close = if shown {
                                "</span>".to_string()
                            } else {
                                format!(
                                    "</span> <span class=\"url\">⟨{}⟩</span>",
                                    escape(&dest_url)
                                )
                            };
                            ("<span class=\"link\">".into(), close)
                        }
                        Tag::Image { dest_url, .. } => (
                            "<span class=\"img\">[image: ".into(),
                            format!(
                                "] <span class=\"url\">⟨{}⟩</span></span>",
                                escape(&dest_url)
                            ),
                        ),
                        Tag::MetadataBlock(_) => ("<pre class=\"raw\">".into(), "</pre>\n".into()),
                    };
                    o.push_str(&open);
                    closers.push(close);
                }
                Event::End(end) => {
                    match end {
                        TagEnd::TableHead => in_head = false,
                        TagEnd::Table => {
                            if let Some(c) = closers.last_mut() {
                                *c = if body_open {
                                    "</tbody>\n</table>\n".into()
                                } else {
                                    "</table>\n".into()
                                };
                            }
                        }
                        _ => {}
                    }
                    if let Some(c) = closers.pop() {
                        o.push_str(&c);
                    }
                }
                Event::Text(t) => o.push_str(&escape(&t)),
                Event::Code(t) => {
                    let _ = write!(o, "<code>{}</code>", escape(&t));
                }
                Event::InlineMath(t) | Event::DisplayMath(t) => {
                    let _ = write!(o, "<code class=\"math\">{}</code>", escape(&t));
                }
                Event::Html(t) => o.push_str(&escape(&t)),
                Event::InlineHtml(t) => {
                    let _ = write!(o, "<code class=\"html\">{}</code>", escape(&t));
                }
                Event::FootnoteReference(label) => {
                    let _ = write!(o, "<sup>[{}]</sup>", escape(&label));
                }
                Event::SoftBreak => o.push('\n'),
                Event::HardBreak => o.push_str("<br/>\n"),
                Event::Rule => o.push_str("<hr/>\n"),
                Event::TaskListMarker(done) => o.push_str(if done { "☑ " } else { "☐ " }),
            }
        }
        // whatever an unbalanced stream left open (pulldown-cmark balances; be safe)
        if let Some((buf, lang)) = code.take() {
            self.code_block(&buf, &lang);
        }
        while let Some(c) = closers.pop() {
            self.out.push_str(&c);
        }
    }
}

fn line_text(l: &StyledLine) -> String {
    l.spans.iter().map(|s| s.text.as_str()).collect()
}

/// The line split where either styling changes: (text, light style, dark style).
fn segments(light: &StyledLine, dark: &StyledLine) -> Vec<(String, SpanStyle, SpanStyle)> {
    // byte ranges of each span
    let ranges = |l: &StyledLine| -> Vec<(usize, usize, SpanStyle)> {
        let mut at = 0;
        l.spans
            .iter()
            .map(|s| {
                let r = (at, at + s.text.len(), s.style);
                at += s.text.len();
                r
            })
            .collect()
    };
    let text = line_text(light);
    let (a, b) = (ranges(light), ranges(dark));
    let mut out: Vec<(String, SpanStyle, SpanStyle)> = Vec::new();
    let (mut i, mut j, mut pos) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let end = a[i].1.min(b[j].1);
        if end > pos {
            let piece = &text[pos..end];
            match out.last_mut() {
                Some(last) if last.1 == a[i].2 && last.2 == b[j].2 => last.0.push_str(piece),
                _ => out.push((piece.to_string(), a[i].2, b[j].2)),
            }
            pos = end;
        }
        if a[i].1 <= pos {
            i += 1;
        }
        if b[j].1 <= pos {
            j += 1;
        }
    }
    out
}

fn time(t: &chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "<time datetime=\"{}\">{}</time>",
        rfc3339(t),
        t.format("%Y-%m-%d %H:%M:%S UTC")
    )
}

fn size(bytes: usize) -> String {
    match bytes {
        0..=1023 => format!("{bytes} B"),
        1024..=1_048_575 => format!("{:.1} KB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}

const CSS: &str = r#":root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --panel: #f6f8fa;
  --code-bg: #f6f8fa; --user: #0969da; --assistant: #8250df; --tool: #59636e;
  --system: #9a6700; --context: #59636e; --err: #cf222e; --add: #116329; --add-bg: #dafbe1;
  --del: #82071e; --del-bg: #ffebe9; --hunk: #0550ae; --tag-bg: #ddf4ff;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --border: #3d444d; --panel: #151b23;
    --code-bg: #2b303b; --user: #4493f8; --assistant: #ab7df8; --tool: #9198a1;
    --system: #d29922; --context: #9198a1; --err: #f85149; --add: #7ee787; --add-bg: #12261e;
    --del: #ffa198; --del-bg: #25171c; --hunk: #79c0ff; --tag-bg: #121d2f;
  }
}
* { box-sizing: border-box; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 980px; margin: 0 auto; padding: 24px 20px 48px; }
code, pre, .tsum { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: 13px; }
header h1 { font-size: 24px; margin: 0 0 4px; overflow-wrap: anywhere; }
.subtitle { margin: 0 0 8px; color: var(--muted); }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0 24px; padding: 12px 16px; background: var(--panel); border: 1px solid var(--border); border-radius: 8px; font-size: 14px; }
dl.meta div { display: contents; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.tag { display: inline-block; padding: 0 8px; border-radius: 10px; background: var(--tag-bg); font-size: 13px; }
section.msg { margin: 0 0 18px; padding: 2px 0 2px 14px; border-left: 3px solid var(--border); }
section.msg.side { margin-left: 24px; }
section.user { border-left-color: var(--user); }
section.assistant { border-left-color: var(--assistant); }
section.tool { border-left-color: var(--tool); }
section.system { border-left-color: var(--system); }
section.context { border-left-color: var(--context); color: var(--muted); }
section.msg h2 { font-size: 14px; margin: 4px 0 6px; font-weight: normal; }
.role { font-weight: 600; }
.user .role { color: var(--user); }
.assistant .role { color: var(--assistant); }
.tool .role { color: var(--tool); }
.system .role { color: var(--system); }
.text > p:first-child { margin-top: 0; }
.text p, .text ul, .text ol, .text blockquote, .text table { margin: 0 0 10px; }
.text h3, .text h4, .text h5, .text h6 { margin: 14px 0 6px; }
.text code { background: var(--panel); padding: 1px 4px; border-radius: 4px; }
.text pre code { background: none; padding: 0; }
blockquote { border-left: 3px solid var(--border); padding-left: 10px; color: var(--muted); margin-left: 0; }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--border); padding: 3px 8px; }
pre { margin: 0 0 10px; padding: 10px 12px; background: var(--code-bg); border-radius: 6px; overflow-x: auto; line-height: 1.45; white-space: pre; }
pre.out { background: var(--panel); border: 1px solid var(--border); }
pre.err { border-color: var(--err); }
pre.raw { white-space: pre-wrap; }
.lang { font-size: 12px; color: var(--muted); margin: 0 0 2px; }
.label { font-size: 12px; color: var(--muted); margin: 8px 0 2px; text-transform: uppercase; letter-spacing: .04em; }
details { margin: 0 0 8px; border: 1px solid var(--border); border-radius: 6px; background: var(--bg); }
details > summary { cursor: pointer; padding: 4px 10px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; background: var(--panel); border-radius: 6px; }
details[open] > summary { border-radius: 6px 6px 0 0; }
details[open] > summary { border-bottom: 1px solid var(--border); }
details > :not(summary) { margin-left: 10px; margin-right: 10px; }
details > :last-child { margin-bottom: 10px; }
details.thinking > summary { color: var(--muted); font-style: italic; }
details.thinking .text { color: var(--muted); margin-top: 8px; }
details.failed { border-color: var(--err); }
.tname { font-weight: 600; }
.tsum { color: var(--muted); }
.notice { color: var(--system); font-size: 14px; }
.attachment { color: var(--muted); font-style: italic; }
.mu { color: var(--muted); }
.er { color: var(--err); }
.da { color: var(--add); background: var(--add-bg); display: inline-block; min-width: 100%; }
.dr { color: var(--del); background: var(--del-bg); display: inline-block; min-width: 100%; }
.dh { color: var(--hunk); }
.st { font-weight: bold; }
.em { font-style: italic; }
.sk { text-decoration: line-through; }
.ln, .url { color: var(--user); }
.url { font-size: 13px; overflow-wrap: anywhere; }
hr { border: 0; border-top: 1px solid var(--border); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; text-align: center; }
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_is_xml_safe() {
        assert_eq!(
            escape("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
        assert_eq!(escape("a\u{1b}b\u{0}c\u{7f}\u{85}"), "a␛b␀c␡\u{FFFD}");
        assert_eq!(escape("tab\there\nnext"), "tab\there\nnext");
    }

    #[test]
    fn segments_split_where_either_theme_changes() {
        let span = |t: &str, r: u8| crate::render::StyledSpan {
            text: t.into(),
            style: SpanStyle::Syntax {
                r,
                g: 0,
                b: 0,
                bold: false,
                italic: false,
            },
        };
        let l = StyledLine {
            spans: vec![span("abc", 1), span("def", 2)],
        };
        let d = StyledLine {
            spans: vec![span("ab", 3), span("cdef", 4)],
        };
        let s = segments(&l, &d);
        let texts: Vec<&str> = s.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(texts, ["ab", "c", "def"]);
    }
}
