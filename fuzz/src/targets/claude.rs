//! Claude Code: a session file and a subagent file (both layouts), fed line by line through
//! the index's feeder, at once and in two appends.

use super::lines;
use revisit::sources::claude::ClaudeSource;

pub fn run(data: &[u8]) {
    let src = ClaudeSource;
    lines(
        &src,
        "claude/projects/-home-u-alpha/11111111-1111-4111-8111-111111111111.jsonl",
        data,
    );
    lines(
        &src,
        "claude/projects/-home-u-alpha/11111111-1111-4111-8111-111111111111/subagents/agent-bbbb2222.jsonl",
        data,
    );
    lines(
        &src,
        "claude/projects/-home-u-alpha/agent-aaaa1111.jsonl",
        data,
    );
}
