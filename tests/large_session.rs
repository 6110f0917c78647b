//! A 100 MB session opens and scrolls without rendering all of it: lines exist only for the
//! units near the screen. (Time to first screen is measured by `cargo run --release --example
//! bench -- transcript --mb 100` and reported in the README; tests assert no timings.)

use revisit::app::transcript::TranscriptState;
use revisit::model::{Block, Message, Role};
use serde_json::json;

/// About `bytes` of conversation: prompts, answers with code, tool calls with long outputs.
fn big_session(bytes: usize) -> Vec<Message> {
    let mut out = Vec::new();
    let mut size = 0;
    let mut i = 0;
    while size < bytes {
        let mut u = Message::new(Role::User);
        u.blocks.push(Block::text(format!(
            "prompt {i}: please look at module_{i}"
        )));
        let mut a = Message::new(Role::Assistant);
        let answer = format!(
            "Looking at **module_{i}**.\n\n```rust\nfn f{i}() {{ println!(\"{i}\"); }}\n```\n{}",
            "More words about the change. ".repeat(40)
        );
        a.blocks.push(Block::text(answer));
        a.blocks.push(Block::ToolCall {
            id: format!("c{i}"),
            name: "Bash".into(),
            input: json!({"command": format!("cargo test module_{i}")}),
        });
        let mut r = Message::new(Role::Tool);
        let output: String = (0..60)
            .map(|k| format!("test module_{i}::case_{k} ... ok\n"))
            .collect();
        r.blocks.push(Block::ToolResult {
            call_id: format!("c{i}"),
            output,
            is_error: i % 50 == 49,
        });
        for m in [&u, &a, &r] {
            size += serde_json::to_vec(m).unwrap().len();
        }
        out.extend([u, a, r]);
        i += 1;
    }
    out
}

#[test]
fn a_100_mb_session_renders_only_what_is_on_screen() {
    let messages = big_session(100 * 1_000_000);
    let total: usize = messages
        .iter()
        .map(|m| serde_json::to_vec(m).unwrap().len())
        .sum();
    assert!(total >= 100_000_000, "{total} bytes");
    let (messages, units) = revisit::app::transcript::content(messages);
    let n_units = units.len();
    let mut t = TranscriptState::default();
    t.reset("big".into(), 1);
    t.resize(120, 40);
    t.set_content(messages, units);
    // the first screen: 40 lines from a handful of units
    assert_eq!(t.view.len(), 40);
    assert!(
        t.cached_units() <= 40,
        "{} of {n_units} units rendered for the first screen",
        t.cached_units()
    );
    // page through a stretch, jump to the end, unfold everything: still only what was seen
    for _ in 0..200 {
        t.scroll(40);
    }
    t.bottom();
    assert!(t.at_end);
    assert_eq!(t.view.len(), 40);
    t.cycle_level();
    t.cycle_level();
    t.bottom();
    assert!(
        t.view
            .iter()
            .any(|l| l.line.text().contains("::case_59 ... ok")),
        "the last output, unfolded"
    );
    assert!(
        t.cached_units() < n_units / 20,
        "{} of {n_units} units rendered after paging, the end and unfolding",
        t.cached_units()
    );
    // find goes through everything without rendering it, off the UI thread (as the query
    // worker does it)
    t.set_needles(vec!["module_777::case_3 ".into()]);
    assert!(t.find.searching && t.find.ask);
    let (units, needles) = (t.units.clone(), t.find.needles.clone());
    let hits = revisit::app::transcript::find_hits(&units, &t.messages, &needles);
    assert!(t.set_hits(&units, &needles, hits));
    assert_eq!(t.find.hits.len(), 1);
    assert!(t.next_hit(true).is_some());
    assert!(
        t.view
            .iter()
            .any(|l| l.line.text().contains("module_777::case_3 ")),
        "the hit is on screen"
    );
    assert!(t.cached_units() < n_units / 20);
}
