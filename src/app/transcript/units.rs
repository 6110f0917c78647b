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

/// Build the units of a transcript.
pub fn build<M: AsRef<Message>>(messages: &[M]) -> Vec<Unit> {
    let messages: Vec<&Message> = messages.iter().map(|m| m.as_ref()).collect();
    let messages = messages.as_slice();
    // tool results by call id
    let mut results: HashMap<&str, (usize, usize), Fast> = HashMap::default();
    for (mi, m) in messages.iter().enumerate() {
        for (bi, b) in m.blocks.iter().enumerate() {
            if let Block::ToolResult { call_id, .. } = b
                && !call_id.is_empty()
            {
                results.entry(call_id.as_str()).or_insert((mi, bi));
            }
        }
    }
    // subagent conversations: sidechain messages by agent id, in order of appearance
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (mi, m) in messages.iter().enumerate() {
        if !m.sidechain {
            continue;
        }
        let id = m.agent_id.clone().unwrap_or_else(|| "subagent".into());
        match groups.iter_mut().find(|(g, _)| *g == id) {
            Some((_, v)) => v.push(mi),
            None => groups.push((id, vec![mi])),
        }
    }
    // attach each group to the tool call whose prompt is the group's first prompt
    let mut attached: HashMap<(usize, usize), usize, Fast> = HashMap::default(); // call → group
    let mut placed: HashSet<usize, Fast> = HashSet::default();
    for (gi, (_, msgs)) in groups.iter().enumerate() {
        let first_prompt = msgs
            .iter()
            .map(|&i| messages[i])
            .find(|m| m.role == Role::User)
            .map(|m| norm(&m.plain_text()));
        let Some(first) = first_prompt.filter(|p| !p.is_empty()) else {
            continue;
        };
        'search: for (mi, m) in messages.iter().enumerate() {
            if m.sidechain || m.role != Role::Assistant {
                continue;
            }
            for (bi, b) in m.blocks.iter().enumerate() {
                if let Block::ToolCall { input, .. } = b
                    && subagent_prompt(input).is_some_and(|p| norm(p) == first)
                    && !attached.contains_key(&(mi, bi))
                {
                    attached.insert((mi, bi), gi);
                    placed.insert(gi);
                    break 'search;
                }
            }
        }
    }
    let consumed: HashSet<(usize, usize), Fast> = messages
        .iter()
        .enumerate()
        .flat_map(|(mi, m)| {
            m.blocks
                .iter()
                .enumerate()
                .filter_map(move |(bi, b)| match b {
                    Block::ToolCall { id, .. } if !id.is_empty() => Some((mi, bi, id.as_str())),
                    _ => None,
                })
        })
        .filter_map(|(_, _, id)| results.get(id).copied())
        .collect();

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
    for (mi, m) in messages.iter().enumerate() {
        if m.sidechain {
            let gi = groups
                .iter()
                .position(|(id, _)| Some(id.as_str()) == m.agent_id.as_deref().or(Some("subagent")))
                .unwrap_or(0);
            if !placed.contains(&gi) && emitted_groups.insert(gi) {
                b.group(gi, 0, None, mi as u32);
            }
            continue;
        }
        b.message(mi, 0, None);
    }
    // grown by doubling: a 109,000-message session's 294,600 units had room for 524,288
    // (28 MB more)
    b.units.shrink_to_fit();
    b.units
}

/// The units of `new`, given the units of `old` and that messages shared with it (the same
/// `Arc`) did not change: only the messages from the first changed one on are looked at. The
/// result equals `build(new)`. `None` when the change is not an append that leaves the earlier
/// units alone (a subagent grew, a result arrived before its call): build everything then.
pub fn extend(
    old_units: &[Unit],
    old: &[std::sync::Arc<Message>],
    new: &[std::sync::Arc<Message>],
) -> Option<Vec<Unit>> {
    let m0 = old
        .iter()
        .zip(new)
        .position(|(a, b)| !std::sync::Arc::ptr_eq(a, b))
        .unwrap_or(old.len().min(new.len()));
    if m0 == 0 || m0 > old.len() {
        return None;
    }
    let tail = &new[m0..];
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
    let messages: Vec<&Message> = new.iter().map(|m| m.as_ref()).collect();
    let messages = messages.as_slice();
    // results in the tail, and calls: a result's call found in the tail or earlier
    let mut results: HashMap<&str, (usize, usize), Fast> = HashMap::default();
    for (mi, m) in messages.iter().enumerate().skip(m0) {
        for (bi, b) in m.blocks.iter().enumerate() {
            if let Block::ToolResult { call_id, .. } = b
                && !call_id.is_empty()
            {
                results.entry(call_id.as_str()).or_insert((mi, bi));
            }
        }
    }
    // room for the new messages' units (about three each), not for as many again
    let mut units: Vec<Unit> = Vec::with_capacity(keep + (messages.len() - m0) * 4 + 8);
    units.extend_from_slice(&old_units[..keep]);
    let mut consumed: HashSet<(usize, usize), Fast> = HashSet::default();
    // earlier calls waiting for their result; earlier results whose call is new make the
    // earlier units wrong (a result shown on its own): start over then
    let mut prefix_results: HashSet<&str, Fast> = HashSet::default();
    for u in units.iter_mut() {
        match (&mut u.kind, messages[u.msg].blocks.get(u.block)) {
            (UnitKind::Tool { result }, Some(Block::ToolCall { id, .. })) if !id.is_empty() => {
                if let Some(&r) = results.get(id.as_str())
                    && result.is_none()
                {
                    *result = Some(r);
                    consumed.insert(r);
                }
            }
            (UnitKind::Result, Some(Block::ToolResult { call_id, .. })) => {
                prefix_results.insert(call_id.as_str());
            }
            _ => {}
        }
    }
    for (mi, m) in messages.iter().enumerate().skip(m0) {
        for (bi, b) in m.blocks.iter().enumerate() {
            if let Block::ToolCall { id, .. } = b
                && !id.is_empty()
            {
                if prefix_results.contains(id.as_str()) {
                    return None;
                }
                if let Some(&r) = results.get(id.as_str()) {
                    let _ = (mi, bi);
                    consumed.insert(r);
                }
            }
        }
    }
    let groups: Vec<(String, Vec<usize>)> = Vec::new();
    let attached: HashMap<(usize, usize), usize, Fast> = HashMap::default();
    let mut b = Builder {
        messages,
        results: &results,
        consumed: &consumed,
        groups: &groups,
        attached: &attached,
        units,
    };
    for mi in m0..messages.len() {
        b.message(mi, 0, None);
    }
    b.units.shrink_to_fit();
    Some(b.units)
}

struct Builder<'a> {
    messages: &'a [&'a Message],
    results: &'a HashMap<&'a str, (usize, usize), Fast>,
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
        });
        self.units.len() - 1
    }

    fn message(&mut self, mi: usize, depth: u8, group: Option<usize>) {
        let m = self.messages[mi];
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
            self.push(UnitKind::Header, mi, 0, 0, TAG_HEADER, (0, 0), depth, group);
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
                    let result = if id.is_empty() {
                        None
                    } else {
                        self.results.get(id.as_str()).copied()
                    };
                    self.push(
                        UnitKind::Tool { result },
                        mi,
                        bi,
                        0,
                        TAG_BODY,
                        (0, 0),
                        depth,
                        group,
                    );
                    if let Some(&gi) = self.attached.get(&(mi, bi)) {
                        self.group(gi, depth, group, mi as u32);
                    }
                }
                Block::ToolResult { .. } => {
                    self.push(UnitKind::Result, mi, bi, 0, TAG_BODY, (0, 0), depth, group);
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
        let tool_calls = msgs.iter().map(|&i| self.messages[i].tool_calls()).sum();
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
            self.message(mi, depth + 1, Some(g));
        }
        self.units[g].end = self.units.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        let units = build(&msgs);
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
        let units = build(&[r, s]);
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
        let a = build(&[c.clone(), text(Role::User, "hi")]);
        assert_eq!(a[0].kind, UnitKind::Context);
        let b = build(&[c, text(Role::User, "hi"), text(Role::Assistant, "more")]);
        assert_eq!(&b[..a.len()], &a[..], "appending keeps the earlier units");
    }

    #[test]
    fn extending_after_an_append_equals_building_everything() {
        use std::sync::Arc;
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
        let mut msgs: Vec<Arc<Message>> = Vec::new();
        let mut units = build(&msgs);
        for (k, (replace, add)) in steps.into_iter().enumerate() {
            let old = msgs.clone();
            if replace {
                msgs.pop();
            }
            msgs.extend(add.into_iter().map(Arc::new));
            let full = build(&msgs);
            match extend(&units, &old, &msgs) {
                Some(inc) => assert_eq!(inc, full, "step {k}"),
                None => assert!(old.is_empty(), "step {k} could be extended"),
            }
            units = full;
        }
        // a subagent message in the new part: built again
        let old = msgs.clone();
        msgs.push(Arc::new(sub));
        assert!(extend(&units, &old, &msgs).is_none());
        // a call whose result came earlier: built again
        let mut msgs2: Vec<Arc<Message>> = vec![Arc::new(result("late", false))];
        let units2 = build(&msgs2);
        let old2 = msgs2.clone();
        msgs2.push(Arc::new(call("late")));
        assert!(extend(&units2, &old2, &msgs2).is_none());
    }
}
