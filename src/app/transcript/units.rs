//! A transcript as a list of units: the things a person reads, folds, jumps between and
//! copies. Built once per load (on the query worker); rendering happens later, lazily.
//!
//! - every message opens with a header;
//! - text is split into prose and fenced code blocks (each block its own unit, so it can be
//!   copied alone);
//! - a tool call and its result (found by call id, wherever the agent stored it) are one unit;
//! - a subagent's conversation sits under the tool call that started it (matched by the
//!   prompt the call gave it), as a folded group; a subagent whose call is not found is shown
//!   where its messages are;
//! - injected context (instructions, environment preambles) is one folded unit.

use crate::model::{Block, Message, Role};
use crate::packed::Packed;
use std::collections::{HashMap, HashSet};

/// A stable identity: which message, which block, which segment of a text block. Folds, the
/// cursor and the scroll position are kept by id, so they survive a reload that appends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitId {
    pub msg: u32,
    pub block: u32,
    pub seg: u32,
    /// Which kind of unit at that place (a header and a gap share a message).
    pub tag: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitKind {
    /// Who, when, which model, tokens.
    Header,
    /// Markdown prose of a text block (between code blocks).
    Prose,
    /// A fenced code block inside a text block.
    Code {
        lang: Option<String>,
    },
    Thinking,
    /// A tool call, with where its result is (message, block) when found.
    Tool {
        result: Option<(usize, usize)>,
    },
    /// A tool result whose call was not found.
    Result,
    Notice,
    Attachment,
    /// Injected context on the person's side (instructions, preambles).
    Context,
    /// A subagent's conversation; its units follow with `group` pointing here.
    Subagent {
        agent_id: String,
        messages: usize,
        tool_calls: usize,
    },
    /// The blank line after a message.
    Gap,
}

impl UnitKind {
    /// Can it be folded (one line when folded)?
    pub fn foldable(&self) -> bool {
        matches!(
            self,
            UnitKind::Thinking
                | UnitKind::Tool { .. }
                | UnitKind::Result
                | UnitKind::Context
                | UnitKind::Subagent { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: UnitId,
    pub kind: UnitKind,
    pub msg: usize,
    pub block: usize,
    /// Byte range of the text block this unit shows (prose and code units).
    pub range: (usize, usize),
    /// Nesting: 0 for the main conversation, 1+ inside subagents.
    pub depth: u8,
    /// The subagent unit this one belongs to (index into the unit list).
    pub group: Option<usize>,
    /// The index after this unit's subtree (for a subagent group, past its conversation).
    pub end: usize,
    /// A header of a prompt (what the person typed): `[` and `]` jump between them.
    pub prompt: bool,
    /// A tool call or result whose result is an error: `e` and `E` jump between them.
    pub failed: bool,
}

/// Split text into prose and fenced code segments: (is_code, lang, byte range of the body).
/// A fence is ``` or ~~~ (3 or more) at the start of a line; the body excludes the fences.
pub fn segments(text: &str) -> Vec<(bool, Option<String>, (usize, usize))> {
    // most text has no fence at all: no need to look at it line by line
    if !has_fence(text) {
        return if text.trim().is_empty() {
            Vec::new()
        } else {
            vec![(false, None, (0, text.len()))]
        };
    }
    let mut out = Vec::new();
    let mut prose_start = 0usize;
    let mut pos = 0usize;
    let mut open: Option<(String, Option<String>, usize, usize)> = None; // (fence, lang, fence line start, body start)
    for line in text.split_inclusive('\n') {
        let line_start = pos;
        pos += line.len();
        let t = line.trim_start();
        let indent_ok = line.len() - t.len() <= 3;
        match &open {
            None => {
                if indent_ok && (t.starts_with("```") || t.starts_with("~~~")) {
                    let ch = t.chars().next().unwrap_or('`');
                    let n = t.chars().take_while(|c| *c == ch).count();
                    let info = t[n..].trim();
                    // ``` with a backtick in the info string is inline code, not a fence
                    if ch == '`' && info.contains('`') {
                        continue;
                    }
                    let lang = info
                        .split_whitespace()
                        .next()
                        .filter(|l| !l.is_empty())
                        .map(|l| l.to_string());
                    if line_start > prose_start {
                        out.push((false, None, (prose_start, line_start)));
                    }
                    open = Some((ch.to_string().repeat(n), lang, line_start, pos));
                }
            }
            Some((fence, lang, _, body_start)) => {
                let closes = indent_ok
                    && t.trim_end().starts_with(fence.as_str())
                    && t.trim_end().chars().all(|c| c.to_string() == fence[..1]);
                if closes {
                    out.push((true, lang.clone(), (*body_start, line_start)));
                    open = None;
                    prose_start = pos;
                }
            }
        }
    }
    match open {
        // an unclosed fence runs to the end (as Markdown does)
        Some((_, lang, _, body_start)) => out.push((true, lang, (body_start, text.len()))),
        None => {
            if text.len() > prose_start {
                out.push((false, None, (prose_start, text.len())));
            }
        }
    }
    // drop prose that is only whitespace
    out.retain(|(code, _, (a, b))| *code || !text[*a..*b].trim().is_empty());
    out
}

/// Is there a ``` or ~~~ anywhere (a quick look before splitting into lines)?
fn has_fence(text: &str) -> bool {
    let b = text.as_bytes();
    let mut from = 0;
    // `find` with a char searches with memchr
    while let Some(i) = text[from..].find(['`', '~']) {
        let at = from + i;
        if b.len() >= at + 3 && b[at + 1] == b[at] && b[at + 2] == b[at] {
            return true;
        }
        from = at + 1;
    }
    false
}

/// A fast hasher for small integer and short string keys (the std one is built to resist
/// attacks on hash tables, which costs here and protects nothing).
#[derive(Default, Clone, Copy)]
pub struct FastHash(u64);

impl std::hash::Hasher for FastHash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut v = [0u8; 8];
            v[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(v));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

type Fast = std::hash::BuildHasherDefault<FastHash>;

/// The prompt a tool call gave a subagent (Claude's Task/Agent, OpenCode's task).
fn subagent_prompt(input: &serde_json::Value) -> Option<&str> {
    ["prompt", "description", "task"]
        .iter()
        .find_map(|k| input.get(*k).and_then(|v| v.as_str()))
}

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A tool result: where it is, and whether it failed.
#[derive(Clone, Copy)]
struct Res {
    at: (usize, usize),
    is_error: bool,
}

type Results = HashMap<String, Res, Fast>;

fn prompt_hash(p: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    norm(p).hash(&mut h);
    h.finish()
}

/// Build the units of a transcript: one pass over the messages for what joins them (results
/// by call id, subagent conversations and the calls that started them), one to lay them out.
/// Neither holds more than a chunk of messages decoded.
pub fn build(messages: &Packed) -> Vec<Unit> {
    let mut results: Results = HashMap::default();
    // the ids of calls (their results are shown inside them)
    let mut call_ids: Vec<String> = Vec::new();
    // subagent conversations: sidechain messages by agent id, in order of appearance, and
    // the first prompt of each
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    let mut group_of: HashMap<String, usize, Fast> = HashMap::default();
    let mut first_prompts: Vec<Option<u64>> = Vec::new();
    // calls of the main conversation that gave a prompt, by the prompt's hash, in order
    let mut prompted: HashMap<u64, Vec<(usize, usize)>, Fast> = HashMap::default();
    messages.for_each(|mi, m| {
        for (bi, b) in m.blocks.iter().enumerate() {
            match b {
                Block::ToolResult {
                    call_id, is_error, ..
                } if !call_id.is_empty() => {
                    results.entry(call_id.clone()).or_insert(Res {
                        at: (mi, bi),
                        is_error: *is_error,
                    });
                }
                Block::ToolCall { id, input, .. } => {
                    if !id.is_empty() {
                        call_ids.push(id.clone());
                    }
                    if !m.sidechain
                        && m.role == Role::Assistant
                        && let Some(p) = subagent_prompt(input)
                    {
                        prompted.entry(prompt_hash(p)).or_default().push((mi, bi));
                    }
                }
                _ => {}
            }
        }
        if m.sidechain {
            let id = m.agent_id.clone().unwrap_or_else(|| "subagent".into());
            let gi = *group_of.entry(id.clone()).or_insert_with(|| {
                groups.push((id, Vec::new()));
                first_prompts.push(None);
                groups.len() - 1
            });
            groups[gi].1.push(mi);
            if first_prompts[gi].is_none() && m.role == Role::User {
                let text = norm(&m.plain_text());
                // an empty first prompt attaches to no call
                first_prompts[gi] = Some(if text.is_empty() {
                    0
                } else {
                    prompt_hash(&text)
                });
            }
        }
    });
    // attach each group to the first call not yet taken whose prompt is the group's first
    let mut attached: HashMap<(usize, usize), usize, Fast> = HashMap::default(); // call → group
    let mut placed: HashSet<usize, Fast> = HashSet::default();
    for (gi, first) in first_prompts.iter().enumerate() {
        let Some(calls) = first.filter(|h| *h != 0).and_then(|h| prompted.get_mut(&h)) else {
            continue;
        };
        if !calls.is_empty() {
            attached.insert(calls.remove(0), gi);
            placed.insert(gi);
        }
    }
    drop(prompted);
    let consumed: HashSet<(usize, usize), Fast> = call_ids
        .iter()
        .filter_map(|id| results.get(id.as_str()).map(|r| r.at))
        .collect();
    drop(call_ids);

    let mut b = Builder {
        messages,
        results: &results,
        consumed: &consumed,
        groups: &groups,
        attached: &attached,
        units: Vec::new(),
    };
    // the main conversation; unattached subagents where their first message is
    let mut emitted_groups: HashSet<usize, Fast> = HashSet::default();
    messages.for_each(|mi, m| {
        if m.sidechain {
            let id = m.agent_id.as_deref().unwrap_or("subagent");
            let gi = group_of.get(id).copied().unwrap_or(0);
            if !placed.contains(&gi) && emitted_groups.insert(gi) {
                b.group(gi, 0, None, mi as u32);
            }
            return;
        }
        b.message(mi, m, 0, None);
    });
    // grown by doubling: a 109,000-message session's 294,600 units had room for 524,288
    // (28 MB more)
    b.units.shrink_to_fit();
    b.units
}

/// The units of `new`, given the units of `old` and that its first `same` messages are the
/// ones `old` had: only the messages from there on are looked at. The result equals
/// `build(new)`. `None` when the change is not an append that leaves the earlier units alone
/// (a subagent grew, a result arrived before its call): build everything then.
pub fn extend(old_units: &[Unit], same: usize, new: &Packed) -> Option<Vec<Unit>> {
    let m0 = same.min(new.len());
    if m0 == 0 {
        return None;
    }
    let tail: Vec<std::sync::Arc<Message>> = new.iter_from(m0).collect();
    if tail.iter().any(|m| m.sidechain) {
        return None; // subagent conversations sit under their calls, not at the end
    }
    // the units of the unchanged messages are a prefix (no subagent message is in the tail)
    let keep = old_units
        .iter()
        .position(|u| u.msg >= m0)
        .unwrap_or(old_units.len());
    if old_units[keep..].iter().any(|u| u.msg < m0) {
        return None;
    }
    // results in the tail, and calls: a result's call found in the tail or earlier
    let mut results: Results = HashMap::default();
    for (k, m) in tail.iter().enumerate() {
        for (bi, b) in m.blocks.iter().enumerate() {
            if let Block::ToolResult {
                call_id, is_error, ..
            } = b
                && !call_id.is_empty()
            {
                results.entry(call_id.clone()).or_insert(Res {
                    at: (m0 + k, bi),
                    is_error: *is_error,
                });
            }
        }
    }
    // room for the new messages' units (about three each), not for as many again
    let mut units: Vec<Unit> = Vec::with_capacity(keep + tail.len() * 4 + 8);
    units.extend_from_slice(&old_units[..keep]);
    let mut consumed: HashSet<(usize, usize), Fast> = HashSet::default();
    // earlier calls waiting for their result; earlier results whose call is new make the
    // earlier units wrong (a result shown on its own): start over then. Only those units'
    // messages are read.
    let mut prefix_results: HashSet<String, Fast> = HashSet::default();
    for u in units.iter_mut() {
        if !matches!(u.kind, UnitKind::Tool { result: None } | UnitKind::Result) {
            continue;
        }
        let Some(m) = new.get(u.msg) else { continue };
        match (&mut u.kind, m.blocks.get(u.block)) {
            (UnitKind::Tool { result }, Some(Block::ToolCall { id, .. })) if !id.is_empty() => {
                if let Some(r) = results.get(id.as_str()) {
                    *result = Some(r.at);
                    u.failed = r.is_error;
                    consumed.insert(r.at);
                }
            }
            (UnitKind::Result, Some(Block::ToolResult { call_id, .. })) => {
                prefix_results.insert(call_id.clone());
            }
            _ => {}
        }
    }
    for m in &tail {
        for b in &m.blocks {
            if let Block::ToolCall { id, .. } = b
                && !id.is_empty()
            {
                if prefix_results.contains(id.as_str()) {
                    return None;
                }
                if let Some(r) = results.get(id.as_str()) {
                    consumed.insert(r.at);
                }
            }
        }
    }
    let groups: Vec<(String, Vec<usize>)> = Vec::new();
    let attached: HashMap<(usize, usize), usize, Fast> = HashMap::default();
    let mut b = Builder {
        messages: new,
        results: &results,
        consumed: &consumed,
        groups: &groups,
        attached: &attached,
        units,
    };
    for (k, m) in tail.iter().enumerate() {
        b.message(m0 + k, m, 0, None);
    }
    b.units.shrink_to_fit();
    Some(b.units)
}

struct Builder<'a> {
    messages: &'a Packed,
    results: &'a Results,
    consumed: &'a HashSet<(usize, usize), Fast>,
    groups: &'a [(String, Vec<usize>)],
    attached: &'a HashMap<(usize, usize), usize, Fast>,
    units: Vec<Unit>,
}

const TAG_HEADER: u8 = 0;
const TAG_BODY: u8 = 1;
const TAG_GROUP: u8 = 2;
const TAG_GAP: u8 = 3;

impl Builder<'_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        kind: UnitKind,
        msg: usize,
        block: usize,
        seg: u32,
        tag: u8,
        range: (usize, usize),
        depth: u8,
        group: Option<usize>,
    ) -> usize {
        self.units.push(Unit {
            id: UnitId {
                msg: msg as u32,
                block: block as u32,
                seg,
                tag,
            },
            kind,
            msg,
            block,
            range,
            depth,
            group,
            end: self.units.len() + 1,
            prompt: false,
            failed: false,
        });
        self.units.len() - 1
    }

    fn message(&mut self, mi: usize, m: &Message, depth: u8, group: Option<usize>) {
        // a message carrying only results that joined their calls shows nothing of its own
        let own = |bi: &usize| !self.consumed.contains(&(mi, *bi));
        if !(0..m.blocks.len()).any(|bi| own(&bi)) {
            return;
        }
        let own: Vec<usize> = (0..m.blocks.len()).filter(own).collect();
        if m.role == Role::User && m.meta {
            // injected context is one line of its own, no header
            self.push(UnitKind::Context, mi, 0, 0, TAG_BODY, (0, 0), depth, group);
            self.push(UnitKind::Gap, mi, 0, 0, TAG_GAP, (0, 0), depth, group);
            return;
        }
        // a system message is its notice: no header of its own
        if m.role != Role::System {
            let h = self.push(UnitKind::Header, mi, 0, 0, TAG_HEADER, (0, 0), depth, group);
            self.units[h].prompt = m.is_prompt();
        }
        for bi in own {
            match &m.blocks[bi] {
                Block::Text { text } => {
                    for (si, (code, lang, range)) in segments(text).into_iter().enumerate() {
                        let kind = if code {
                            UnitKind::Code { lang }
                        } else {
                            UnitKind::Prose
                        };
                        self.push(kind, mi, bi, si as u32, TAG_BODY, range, depth, group);
                    }
                }
                Block::Thinking { .. } => {
                    self.push(
                        UnitKind::Thinking,
                        mi,
                        bi,
                        0,
                        TAG_BODY,
                        (0, 0),
                        depth,
                        group,
                    );
                }
                Block::ToolCall { id, .. } => {
                    let res = if id.is_empty() {
                        None
                    } else {
                        self.results.get(id.as_str()).copied()
                    };
                    let u = self.push(
                        UnitKind::Tool {
                            result: res.map(|r| r.at),
                        },
                        mi,
                        bi,
                        0,
                        TAG_BODY,
                        (0, 0),
                        depth,
                        group,
                    );
                    self.units[u].failed = res.is_some_and(|r| r.is_error);
                    if let Some(&gi) = self.attached.get(&(mi, bi)) {
                        self.group(gi, depth, group, mi as u32);
                    }
                }
                Block::ToolResult { is_error, .. } => {
                    let u = self.push(UnitKind::Result, mi, bi, 0, TAG_BODY, (0, 0), depth, group);
                    self.units[u].failed = *is_error;
                }
                Block::Notice { .. } => {
                    self.push(UnitKind::Notice, mi, bi, 0, TAG_BODY, (0, 0), depth, group);
                }
                Block::Attachment { .. } => {
                    self.push(
                        UnitKind::Attachment,
                        mi,
                        bi,
                        0,
                        TAG_BODY,
                        (0, 0),
                        depth,
                        group,
                    );
                }
            }
        }
        self.push(UnitKind::Gap, mi, 0, 0, TAG_GAP, (0, 0), depth, group);
    }

    /// A subagent group unit, then its conversation one level deeper.
    fn group(&mut self, gi: usize, depth: u8, parent: Option<usize>, at_msg: u32) {
        let (agent_id, msgs) = &self.groups[gi];
        let tool_calls = msgs
            .iter()
            .filter_map(|&i| self.messages.get(i))
            .map(|m| m.tool_calls())
            .sum();
        let first = msgs.first().copied().unwrap_or(at_msg as usize);
        let g = self.push(
            UnitKind::Subagent {
                agent_id: agent_id.clone(),
                messages: msgs.len(),
                tool_calls,
            },
            first,
            0,
            0,
            TAG_GROUP,
            (0, 0),
            depth,
            parent,
        );
        for &mi in msgs.iter() {
            if let Some(m) = self.messages.get(mi) {
                self.message(mi, &m, depth + 1, Some(g));
            }
        }
        self.units[g].end = self.units.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn packed(msgs: &[Message]) -> Packed {
        Packed::from(msgs.to_vec())
    }

    fn text(role: Role, t: &str) -> Message {
        let mut m = Message::new(role);
        m.blocks.push(Block::text(t));
        m
    }

    #[test]
    fn prose_and_code_segments() {
        let t = "Intro\n\n```rust\nfn main() {}\n```\nAfter\n~~~\nraw\n~~~\n";
        let s = segments(t);
        let parts: Vec<(bool, Option<&str>, &str)> = s
            .iter()
            .map(|(c, l, (a, b))| (*c, l.as_deref(), &t[*a..*b]))
            .collect();
        assert_eq!(
            parts,
            vec![
                (false, None, "Intro\n\n"),
                (true, Some("rust"), "fn main() {}\n"),
                (false, None, "After\n"),
                (true, None, "raw\n"),
            ]
        );
        // an unclosed fence runs to the end; inline ``` is not a fence
        let s = segments("a\n```py\nx = 1\n");
        assert!(s.last().unwrap().0);
        assert_eq!(segments("use ```x``` here").len(), 1);
    }

    #[test]
    fn calls_join_their_results_and_subagents_nest_under_the_call() {
        let mut a = Message::new(Role::Assistant);
        a.blocks.push(Block::text("Delegating."));
        a.blocks.push(Block::ToolCall {
            id: "t1".into(),
            name: "Task".into(),
            input: json!({"prompt": "Find the  TODOs", "description": "search"}),
        });
        let mut r = Message::new(Role::Tool);
        r.blocks.push(Block::ToolResult {
            call_id: "t1".into(),
            output: "3 TODOs".into(),
            is_error: false,
        });
        let mut s1 = text(Role::User, "Find the TODOs");
        s1.sidechain = true;
        s1.agent_id = Some("ag1".into());
        let mut s2 = text(Role::Assistant, "Found 3");
        s2.sidechain = true;
        s2.agent_id = Some("ag1".into());
        let msgs = vec![text(Role::User, "go"), a, s1, s2, r];
        let units = build(&packed(&msgs));
        let kinds: Vec<String> = units
            .iter()
            .map(|u| {
                format!("{}{:?}", "  ".repeat(u.depth as usize), u.kind)
                    .chars()
                    .take(40)
                    .collect()
            })
            .collect();
        let tool = units
            .iter()
            .position(|u| matches!(u.kind, UnitKind::Tool { .. }))
            .unwrap();
        assert_eq!(
            units[tool].kind,
            UnitKind::Tool {
                result: Some((4, 0))
            },
            "{kinds:#?}"
        );
        let g = tool + 1;
        assert!(
            matches!(&units[g].kind, UnitKind::Subagent { agent_id, messages: 2, .. } if agent_id == "ag1"),
            "{kinds:#?}"
        );
        // the subagent's messages follow one level deeper, inside the group, which ends
        // where they do
        let inside = units[g + 1..].iter().take_while(|u| u.depth == 1).count();
        assert_eq!(inside, 6, "{kinds:#?}");
        assert!(
            units[g + 1..g + 1 + inside]
                .iter()
                .all(|u| u.group == Some(g))
        );
        assert_eq!(units[g].end, g + 1 + inside);
        assert_eq!(
            units[g + 1 + inside].kind,
            UnitKind::Gap,
            "the call's message goes on"
        );
        // the result message shows nothing of its own
        assert!(
            !units
                .iter()
                .any(|u| u.msg == 4 && u.kind == UnitKind::Header)
        );
    }

    #[test]
    fn unmatched_results_and_unattached_subagents_stay_visible() {
        let mut r = Message::new(Role::Tool);
        r.blocks.push(Block::ToolResult {
            call_id: "nope".into(),
            output: "orphan".into(),
            is_error: true,
        });
        let mut s = text(Role::User, "sub prompt with no call");
        s.sidechain = true;
        s.agent_id = Some("x".into());
        let units = build(&packed(&[r, s]));
        assert!(units.iter().any(|u| u.kind == UnitKind::Result));
        assert!(
            units
                .iter()
                .any(|u| matches!(u.kind, UnitKind::Subagent { .. }) && u.depth == 0)
        );
    }

    #[test]
    fn injected_context_is_one_unit_and_ids_are_stable() {
        let mut c = text(Role::User, "<environment_context>…</environment_context>");
        c.meta = true;
        let a = build(&packed(&[c.clone(), text(Role::User, "hi")]));
        assert_eq!(a[0].kind, UnitKind::Context);
        let b = build(&packed(&[
            c,
            text(Role::User, "hi"),
            text(Role::Assistant, "more"),
        ]));
        assert_eq!(&b[..a.len()], &a[..], "appending keeps the earlier units");
    }

    #[test]
    fn extending_after_an_append_equals_building_everything() {
        let call = |id: &str| {
            let mut a = Message::new(Role::Assistant);
            a.blocks.push(Block::text("Running it.\n\n```sh\nls\n```"));
            a.blocks.push(Block::ToolCall {
                id: id.into(),
                name: "Bash".into(),
                input: json!({"command": "ls"}),
            });
            a
        };
        let result = |id: &str, is_error: bool| {
            let mut r = Message::new(Role::Tool);
            r.blocks.push(Block::ToolResult {
                call_id: id.into(),
                output: "out".into(),
                is_error,
            });
            r
        };
        let mut sub = text(Role::User, "look around");
        sub.sidechain = true;
        sub.agent_id = Some("a1".into());
        // each step: what is appended, and whether the last message is replaced first
        let steps: Vec<(bool, Vec<Message>)> = vec![
            (false, vec![text(Role::User, "go"), call("c1")]),
            (false, vec![result("c1", false)]),
            (
                false,
                vec![text(Role::Assistant, "done"), text(Role::User, "more")],
            ),
            (true, vec![text(Role::User, "more, edited")]),
            (false, vec![call("c2"), call("c3")]),
            (false, vec![result("c3", true), result("c2", false)]),
            (false, vec![result("orphan", false)]),
            (
                false,
                vec![text(Role::Assistant, "```rust\nfn main() {}\n```")],
            ),
        ];
        let mut msgs: Vec<Message> = Vec::new();
        let mut units = build(&packed(&msgs));
        for (k, (replace, add)) in steps.into_iter().enumerate() {
            let mut same = msgs.len();
            if replace {
                msgs.pop();
                same -= 1;
            }
            msgs.extend(add);
            let full = build(&packed(&msgs));
            match extend(&units, same, &packed(&msgs)) {
                Some(inc) => assert_eq!(inc, full, "step {k}"),
                None => assert!(same == 0, "step {k} could be extended"),
            }
            units = full;
        }
        // a subagent message in the new part: built again
        let same = msgs.len();
        msgs.push(sub);
        assert!(extend(&units, same, &packed(&msgs)).is_none());
        // a call whose result came earlier: built again
        let mut msgs2 = vec![result("late", false)];
        let units2 = build(&packed(&msgs2));
        msgs2.push(call("late"));
        assert!(extend(&units2, 1, &packed(&msgs2)).is_none());
        // the flags the jumps use: prompts, and calls whose result failed
        let all = build(&packed(&msgs));
        let prompts = all.iter().filter(|u| u.prompt).count();
        assert_eq!(prompts, 2, "go, and more (edited)");
        let failed: Vec<usize> = all.iter().filter(|u| u.failed).map(|u| u.msg).collect();
        let c3 = msgs.iter().position(|m| {
            m.blocks
                .iter()
                .any(|b| matches!(b, Block::ToolCall { id, .. } if id == "c3"))
        });
        assert_eq!(failed, vec![c3.unwrap()], "the call whose result failed");
    }
}
