//! One unit as styled screen lines, for a width and a fold shape. Called lazily for the units
//! near the screen; the results are cached by the transcript state.

use super::units::{Unit, UnitKind};
use crate::model::{Block, Message, Role};
use crate::packed::Packed;
use crate::render::{Highlighter, SpanStyle, StyledLine, StyledSpan};
use crate::{sanitize, text};
use chrono::FixedOffset;
use std::sync::Arc;

/// How much of a foldable unit shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// One line.
    Line,
    /// A few lines: the head of the output.
    Summary,
    /// Everything (up to `MAX_LINES`).
    Full,
}

/// What a line belongs to; the theme gives each a base style that span styles refine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tone {
    /// A message header, by role (the role label in the role's colour).
    Header(Role),
    /// What the person typed.
    Prompt,
    /// The agent's answer.
    Answer,
    Thinking,
    /// A tool call line and its input.
    Tool,
    /// A tool's output.
    Output,
    Error,
    Notice,
    /// Injected context, attachments: muted.
    Context,
    /// A subagent group line.
    Subagent,
    Blank,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RLine {
    pub tone: Tone,
    pub line: StyledLine,
}

/// Lines shown of one unit at most; the rest is a note (everything is in `$PAGER` and the copy).
pub const MAX_LINES: usize = 3000;
/// Output lines a summary shows.
const SUMMARY_OUTPUT: usize = 4;
/// Thinking lines a summary shows.
const SUMMARY_THINKING: usize = 2;
/// Bytes of one text rendered as Markdown; past that, plain wrapped text.
const MAX_MARKDOWN: usize = 256 * 1024;

pub struct Ctx {
    pub tz: FixedOffset,
    /// Syntax highlighting, once it has loaded (plain code until then).
    pub hl: Option<&'static Highlighter>,
    /// Prices and the cost mode, for each turn's cost.
    pub pricer: Option<Arc<crate::cost::TablePricer>>,
}

fn span(text: impl Into<String>, style: SpanStyle) -> StyledSpan {
    StyledSpan {
        text: text.into(),
        style,
    }
}

fn one(tone: Tone, spans: Vec<StyledSpan>, width: usize) -> RLine {
    RLine {
        tone,
        line: fit_spans(spans, width),
    }
}

/// Cut spans to `width` columns, with `…` when something was cut.
pub fn fit_spans(spans: Vec<StyledSpan>, width: usize) -> StyledLine {
    let total: usize = spans.iter().map(|s| text::width(&s.text)).sum();
    if total <= width {
        return StyledLine { spans };
    }
    let mut out = Vec::new();
    let mut used = 0;
    for s in spans {
        let w = text::width(&s.text);
        if used + w < width {
            used += w;
            out.push(s);
            continue;
        }
        let room = width.saturating_sub(used);
        let cut = text::fit(&s.text, room);
        if !cut.is_empty() {
            out.push(span(cut, s.style));
        }
        break;
    }
    StyledLine { spans: out }
}

/// Indent lines by `n` columns (the body of a tool call).
fn indent(lines: Vec<StyledLine>, n: usize, tone: Tone) -> Vec<RLine> {
    lines
        .into_iter()
        .map(|mut l| {
            l.spans.insert(0, span(" ".repeat(n), SpanStyle::Text));
            RLine { tone, line: l }
        })
        .collect()
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Lines in a text, counting a last line without a newline.
fn count_lines(s: &str) -> usize {
    let t = s.trim_end_matches('\n');
    if t.is_empty() { 0 } else { t.lines().count() }
}

/// A text cut to what is shown: at most `MAX_LINES` lines (and `MAX_MARKDOWN` bytes for
/// Markdown); returns the rest's line count.
fn head(s: &str, max_bytes: usize) -> (&str, usize) {
    let mut end = s.len();
    if let Some((i, _)) = s.match_indices('\n').nth(MAX_LINES - 1) {
        end = i;
    }
    if end > max_bytes {
        end = max_bytes;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
    }
    if end >= s.len() {
        (s, 0)
    } else {
        (&s[..end], count_lines(&s[end..]))
    }
}

fn more_note(n: usize, width: usize) -> RLine {
    one(
        Tone::Context,
        vec![span(
            format!(
                "… {} more (y copies it all, o opens the session in $PAGER)",
                plural(n, "line")
            ),
            SpanStyle::Muted,
        )],
        width,
    )
}

/// The text of a plain (non-Markdown) output, wrapped.
fn plain(s: &str, width: usize, style: SpanStyle) -> Vec<StyledLine> {
    text::wrap(&sanitize::sanitize(s), width.max(1))
        .into_iter()
        .map(|l| StyledLine::plain(l, style))
        .collect()
}

/// Does a tool output look like a unified diff?
fn looks_like_diff(s: &str) -> bool {
    let mut hunks = 0;
    for l in s.lines().take(40) {
        if l.starts_with("diff --git ") || l.starts_with("--- a/") || l.starts_with("+++ b/") {
            return true;
        }
        if l.starts_with("@@ ") && l[3..].contains(" @@") {
            hunks += 1;
        }
    }
    hunks > 0
}

/// Render one unit.
pub fn render(unit: &Unit, messages: &Packed, shape: Shape, width: usize, ctx: &Ctx) -> Vec<RLine> {
    let width = width.max(8);
    let Some(m) = messages.get(unit.msg) else {
        return Vec::new();
    };
    let m = &*m;
    let mut out = match &unit.kind {
        UnitKind::Header => {
            // the date when it changes (or first), else the time only
            let prev = (unit.msg.saturating_sub(64)..unit.msg)
                .rev()
                .find_map(|i| messages.get(i)?.time)
                .map(|t| t.with_timezone(&ctx.tz).date_naive());
            header(m, prev, width, ctx)
        }
        UnitKind::Gap => vec![RLine {
            tone: Tone::Blank,
            line: StyledLine::default(),
        }],
        UnitKind::Prose => {
            let t = block_text(m, unit.block);
            let body = t.get(unit.range.0..unit.range.1).unwrap_or("");
            let tone = if m.role == Role::User {
                Tone::Prompt
            } else {
                Tone::Answer
            };
            let (shown, rest) = head(body, MAX_MARKDOWN);
            let lines = if shown.len() < body.len() && rest > 0 {
                plain(shown, width, SpanStyle::Text)
            } else {
                crate::render::markdown(shown, width, ctx.hl)
            };
            let mut v: Vec<RLine> = lines.into_iter().map(|line| RLine { tone, line }).collect();
            if rest > 0 {
                v.push(more_note(rest, width));
            }
            v
        }
        UnitKind::Code { lang } => {
            let t = block_text(m, unit.block);
            let body = t.get(unit.range.0..unit.range.1).unwrap_or("");
            code_unit(body, lang.as_deref(), m.role, width, ctx)
        }
        UnitKind::Thinking => thinking(m, unit.block, shape, width),
        UnitKind::Tool { result } => tool(m, unit.block, *result, messages, shape, width, ctx),
        UnitKind::Result => {
            let Some(Block::ToolResult {
                output, is_error, ..
            }) = m.blocks.get(unit.block)
            else {
                return vec![RLine {
                    tone: Tone::Blank,
                    line: StyledLine::default(),
                }];
            };
            let mut v = vec![one(
                if *is_error { Tone::Error } else { Tone::Tool },
                vec![
                    span(fold_mark(shape), SpanStyle::Punctuation),
                    span("↳ result of an earlier call  ", SpanStyle::Text),
                    span(result_size(output, *is_error), SpanStyle::Muted),
                ],
                width,
            )];
            v.extend(output_lines(output, *is_error, shape, width));
            v
        }
        UnitKind::Notice => notice(m, unit.block, width),
        UnitKind::Attachment => {
            let (kind, desc) = match m.blocks.get(unit.block) {
                Some(Block::Attachment { kind, description }) => {
                    (kind.as_str(), description.as_str())
                }
                _ => ("attachment", ""),
            };
            vec![one(
                Tone::Context,
                vec![span(
                    format!(
                        "[{}: {}]",
                        sanitize::one_line(kind),
                        sanitize::one_line(desc)
                    ),
                    SpanStyle::Muted,
                )],
                width,
            )]
        }
        UnitKind::Context => context(m, shape, width, ctx),
        UnitKind::Subagent {
            agent_id,
            messages: n,
            tool_calls,
        } => {
            let first = m.plain_text();
            let mut spans = vec![
                span(fold_mark(shape), SpanStyle::Punctuation),
                span("⤷ Subagent", SpanStyle::Strong),
                span(
                    format!(
                        "  {} · {} · {}",
                        sanitize::one_line(agent_id),
                        plural(*n, "message"),
                        plural(*tool_calls, "tool call")
                    ),
                    SpanStyle::Muted,
                ),
            ];
            if shape == Shape::Line && !first.trim().is_empty() {
                spans.push(span(
                    format!("  {}", sanitize::one_line(first_line(&first))),
                    SpanStyle::Muted,
                ));
            }
            vec![one(Tone::Subagent, spans, width)]
        }
    };
    if out.is_empty() {
        out.push(RLine {
            tone: Tone::Blank,
            line: StyledLine::default(),
        });
    }
    out
}

fn block_text(m: &Message, block: usize) -> &str {
    match m.blocks.get(block) {
        Some(Block::Text { text }) => text,
        _ => "",
    }
}

fn first_line(s: &str) -> &str {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
}

fn fold_mark(shape: Shape) -> &'static str {
    match shape {
        Shape::Line => "▸ ",
        Shape::Summary => "▹ ",
        Shape::Full => "▾ ",
    }
}

fn header(
    m: &Message,
    prev_date: Option<chrono::NaiveDate>,
    width: usize,
    ctx: &Ctx,
) -> Vec<RLine> {
    let who = match (m.role, m.meta, m.sidechain) {
        (Role::User, _, true) => "Task",
        (Role::User, false, _) => "You",
        (Role::User, true, _) => "Context",
        (Role::Assistant, _, true) => "Subagent",
        (Role::Assistant, _, _) => "Assistant",
        (Role::Tool, _, _) => "Tool",
        (Role::System, _, _) => "System",
    };
    let mut spans = vec![span(who, SpanStyle::Strong)];
    let mut meta: Vec<String> = Vec::new();
    if let Some(t) = &m.time {
        let local = t.with_timezone(&ctx.tz);
        let fmt = if prev_date == Some(local.date_naive()) {
            "%H:%M:%S"
        } else {
            "%Y-%m-%d %H:%M:%S"
        };
        meta.push(local.format(fmt).to_string());
    }
    if let Some(u) = &m.usage
        && !u.is_empty()
    {
        let mut t = format!("↑{} ↓{}", text::human(u.input), text::human(u.output));
        if u.cache_read > 0 {
            t.push_str(&format!(" cache {}", text::human(u.cache_read)));
        }
        if u.cache_write > 0 {
            t.push_str(&format!(" +{}", text::human(u.cache_write)));
        }
        if u.reasoning > 0 {
            t.push_str(&format!(" (thinking {})", text::human(u.reasoning)));
        }
        meta.push(t);
    }
    // the turn's cost: the agent's own figure or tokens × prices, as the cost mode says; a
    // turn with usage but no price says so
    let cost = match &ctx.pricer {
        Some(p) => p.message_cost(m),
        None => m.cost_usd,
    };
    match cost {
        Some(c) => meta.push(text::money(Some(c))),
        None if m.usage.is_some_and(|u| !u.is_empty()) && ctx.pricer.is_some() => {
            meta.push("$?".into())
        }
        None => {}
    }
    // the model last: its name is long, and what the turn cost matters more
    if let Some(model) = &m.model {
        meta.push(sanitize::one_line(model));
    }
    if !meta.is_empty() {
        spans.push(span(format!("  {}", meta.join(" · ")), SpanStyle::Muted));
    }
    vec![one(Tone::Header(m.role), spans, width)]
}

fn code_unit(body: &str, lang: Option<&str>, role: Role, width: usize, ctx: &Ctx) -> Vec<RLine> {
    let tone = if role == Role::User {
        Tone::Prompt
    } else {
        Tone::Answer
    };
    let (shown, rest) = head(body, usize::MAX);
    let label = lang
        .map(sanitize::one_line)
        .unwrap_or_else(|| "code".into());
    let mut v = vec![one(
        tone,
        vec![span(format!("╭ {label}"), SpanStyle::Punctuation)],
        width,
    )];
    let lines = if lang.is_some_and(|l| l.eq_ignore_ascii_case("diff") || l == "patch") {
        crate::render::diff(shown, width.saturating_sub(2))
    } else {
        crate::render::code(shown, lang, width.saturating_sub(2), ctx.hl)
    };
    for mut l in lines {
        l.spans.insert(0, span("│ ", SpanStyle::Punctuation));
        v.push(RLine { tone, line: l });
    }
    if rest > 0 {
        v.push(more_note(rest, width));
    }
    v.push(one(tone, vec![span("╰", SpanStyle::Punctuation)], width));
    v
}

fn thinking(m: &Message, block: usize, shape: Shape, width: usize) -> Vec<RLine> {
    let (t, sealed) = match m.blocks.get(block) {
        Some(Block::Thinking { text, sealed }) => (text.as_str(), *sealed),
        _ => ("", true),
    };
    if sealed || t.trim().is_empty() {
        return vec![one(
            Tone::Thinking,
            vec![span("∴ thinking (not recorded)", SpanStyle::Muted)],
            width,
        )];
    }
    let n = count_lines(t);
    let mut first = vec![
        span(fold_mark(shape), SpanStyle::Punctuation),
        span("∴ Thinking", SpanStyle::Emphasis),
        span(format!("  {}", plural(n, "line")), SpanStyle::Muted),
    ];
    if shape == Shape::Line {
        // a preview without Markdown marks (`**Planning**` is how many models title thoughts)
        let preview = first_line(t).trim_matches(|c| c == '*' || c == '#' || c == ' ');
        first.push(span(
            format!("  {}", sanitize::one_line(preview)),
            SpanStyle::Muted,
        ));
        return vec![one(Tone::Thinking, first, width)];
    }
    let mut v = vec![one(Tone::Thinking, first, width)];
    let (shown, rest) = head(t, MAX_MARKDOWN);
    let body = plain(
        shown.trim_end(),
        width.saturating_sub(2),
        SpanStyle::Emphasis,
    );
    let total = body.len();
    let take = if shape == Shape::Summary {
        SUMMARY_THINKING
    } else {
        usize::MAX
    };
    v.extend(indent(
        body.into_iter().take(take).collect(),
        2,
        Tone::Thinking,
    ));
    if shape == Shape::Summary && total > take {
        v.push(more_note(total - take, width));
    } else if rest > 0 {
        v.push(more_note(rest, width));
    }
    v
}

fn result_size(output: &str, is_error: bool) -> String {
    let n = count_lines(output);
    let size = if n <= 1 && output.len() > 200 {
        format!("{} bytes", output.len())
    } else {
        plural(n, "line")
    };
    if is_error {
        format!("✗ failed · {size}")
    } else {
        size
    }
}

fn output_lines(output: &str, is_error: bool, shape: Shape, width: usize) -> Vec<RLine> {
    if shape == Shape::Line || output.trim().is_empty() {
        return Vec::new();
    }
    let tone = if is_error { Tone::Error } else { Tone::Output };
    let inner = width.saturating_sub(4);
    let (shown, rest) = head(output.trim_end_matches('\n'), usize::MAX);
    let lines = if looks_like_diff(shown) {
        crate::render::diff(shown, inner)
    } else {
        plain(shown, inner, SpanStyle::Text)
    };
    let total = lines.len();
    let mut v = Vec::new();
    let take = if shape == Shape::Summary {
        SUMMARY_OUTPUT
    } else {
        usize::MAX
    };
    for mut l in lines.into_iter().take(take) {
        l.spans.insert(0, span("  │ ", SpanStyle::Punctuation));
        v.push(RLine { tone, line: l });
    }
    if shape == Shape::Summary && total > take {
        let more = total - take + rest;
        v.push(RLine {
            tone: Tone::Context,
            line: StyledLine::plain(
                format!("  │ … {}", plural(more, "more line")),
                SpanStyle::Muted,
            ),
        });
    } else if rest > 0 {
        v.push(more_note(rest, width));
    }
    v
}

fn tool(
    m: &Message,
    block: usize,
    result: Option<(usize, usize)>,
    messages: &Packed,
    shape: Shape,
    width: usize,
    ctx: &Ctx,
) -> Vec<RLine> {
    let Some(Block::ToolCall { name, input, .. }) = m.blocks.get(block) else {
        return Vec::new();
    };
    let res_msg = result.and_then(|(mi, _)| messages.get(mi));
    let res = result.and_then(|(_, bi)| match res_msg.as_ref()?.blocks.get(bi)? {
        Block::ToolResult {
            output, is_error, ..
        } => Some((output.as_str(), *is_error)),
        _ => None,
    });
    let failed = res.is_some_and(|(_, e)| e);
    let summary = crate::export::tool_summary(name, input);
    let mut spans = vec![
        span(fold_mark(shape), SpanStyle::Punctuation),
        span(format!("⚙ {}", sanitize::one_line(name)), SpanStyle::Strong),
    ];
    if !summary.is_empty() && shape != Shape::Full {
        spans.push(span(format!("  {summary}"), SpanStyle::Text));
    }
    let size = match res {
        Some((out, err)) => result_size(out, err),
        None => "no result".to_string(),
    };
    // the size stays visible: the summary gives way to it
    let size_w = text::width(&size) + 4;
    let mut line = fit_spans(spans, width.saturating_sub(size_w).max(4));
    line.spans.push(span(
        format!("  ↳ {size}"),
        if failed {
            SpanStyle::Error
        } else {
            SpanStyle::Muted
        },
    ));
    let tone = if failed { Tone::Error } else { Tone::Tool };
    let mut v = vec![RLine {
        tone,
        line: fit_spans(line.spans, width),
    }];
    if shape == Shape::Full {
        let inner = width.saturating_sub(2) as u16;
        v.extend(indent(
            crate::render::tool_input(name, input, inner as usize, ctx.hl),
            2,
            Tone::Tool,
        ));
    }
    if let Some((out, err)) = res {
        v.extend(output_lines(out, err, shape, width));
    }
    v
}

fn notice(m: &Message, block: usize, width: usize) -> Vec<RLine> {
    let (kind, t) = match m.blocks.get(block) {
        Some(Block::Notice { kind, text }) => (kind.as_str(), text.as_str()),
        _ => ("", ""),
    };
    let icon = match kind {
        "branch" => "⑂",
        "compaction" | "compact" | "summary" => "⇣",
        "error" | "api_error" => "✗",
        _ => "•",
    };
    let mut s = format!("{icon} {}", sanitize::sanitize(t).trim());
    if kind == "branch" {
        s.push_str("  (b switches)");
    }
    if let Some(time) = &m.time
        && m.role == Role::System
    {
        s.push_str(&format!("  · {}", time.format("%H:%M:%S")));
    }
    let tone = if icon == "✗" {
        Tone::Error
    } else {
        Tone::Notice
    };
    text::wrap(&s, width)
        .into_iter()
        .map(|l| RLine {
            tone,
            line: StyledLine::plain(l, SpanStyle::Text),
        })
        .collect()
}

fn context(m: &Message, shape: Shape, width: usize, ctx: &Ctx) -> Vec<RLine> {
    let all = m.plain_text();
    let n = count_lines(&all);
    let when = m
        .time
        .map(|t| format!("{} · ", t.with_timezone(&ctx.tz).format("%H:%M:%S")))
        .unwrap_or_default();
    let first = vec![
        span(fold_mark(shape), SpanStyle::Punctuation),
        span("Context", SpanStyle::Strong),
        span(
            format!(
                "  {when}{} · {}",
                plural(n, "line"),
                sanitize::one_line(first_line(&all))
            ),
            SpanStyle::Muted,
        ),
    ];
    let mut v = vec![one(Tone::Context, first, width)];
    if shape != Shape::Line {
        let (shown, rest) = head(&all, MAX_MARKDOWN);
        v.extend(indent(
            plain(shown.trim_end(), width.saturating_sub(2), SpanStyle::Muted),
            2,
            Tone::Context,
        ));
        if rest > 0 {
            v.push(more_note(rest, width));
        }
    }
    v
}

/// The text a unit stands for: what find searches and `y` copies.
pub fn unit_text(unit: &Unit, messages: &Packed) -> String {
    let Some(m) = messages.get(unit.msg) else {
        return String::new();
    };
    let m = &*m;
    match &unit.kind {
        UnitKind::Header => crate::export::message_markdown(m),
        UnitKind::Prose | UnitKind::Code { .. } => block_text(m, unit.block)
            .get(unit.range.0..unit.range.1)
            .unwrap_or("")
            .to_string(),
        UnitKind::Thinking => match m.blocks.get(unit.block) {
            Some(Block::Thinking { text, .. }) => text.clone(),
            _ => String::new(),
        },
        UnitKind::Tool { result } => {
            let out = result.and_then(|(mi, bi)| match messages.get(mi)?.blocks.get(bi)? {
                Block::ToolResult { output, .. } => Some(output.clone()),
                _ => None,
            });
            match (out, m.blocks.get(unit.block)) {
                (Some(o), _) => o,
                (None, Some(Block::ToolCall { input, .. })) => match input {
                    serde_json::Value::String(s) => s.clone(),
                    v => serde_json::to_string_pretty(v).unwrap_or_default(),
                },
                _ => String::new(),
            }
        }
        UnitKind::Result => match m.blocks.get(unit.block) {
            Some(Block::ToolResult { output, .. }) => output.clone(),
            _ => String::new(),
        },
        UnitKind::Notice => match m.blocks.get(unit.block) {
            Some(Block::Notice { text, .. }) => text.clone(),
            _ => String::new(),
        },
        UnitKind::Attachment => match m.blocks.get(unit.block) {
            Some(Block::Attachment { description, .. }) => description.clone(),
            _ => String::new(),
        },
        UnitKind::Context => m.plain_text(),
        UnitKind::Subagent { .. } | UnitKind::Gap => String::new(),
    }
}

/// The text find looks in (what the unit shows when open, including a tool's input).
pub fn search_text(unit: &Unit, messages: &Packed) -> String {
    let Some(m) = messages.get(unit.msg) else {
        return String::new();
    };
    let m = &*m;
    match (&unit.kind, m.blocks.get(unit.block)) {
        (UnitKind::Header, _) => String::new(),
        (UnitKind::Tool { .. }, Some(Block::ToolCall { name, input, .. })) => {
            let input = match input {
                serde_json::Value::String(s) => s.clone(),
                v => serde_json::to_string_pretty(v).unwrap_or_default(),
            };
            format!("{name}\n{input}\n{}", unit_text(unit, messages))
        }
        (UnitKind::Subagent { agent_id, .. }, _) => agent_id.clone(),
        _ => unit_text(unit, messages),
    }
}
