//! A realistic corpus of agent sessions for benchmarks: Claude Code, Codex and Pi homes written
//! in the agents' own formats, deterministic from a seed. Shared by `gen_corpus` and `bench`.
#![allow(dead_code)]

use serde_json::json;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
    pub fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const VERBS: &[&str] = &[
    "fix", "refactor", "add", "remove", "rename", "document", "test", "speed up", "debug",
    "explain", "review", "migrate", "split", "cache", "log", "validate", "retry", "parse",
];
const NOUNS: &[&str] = &[
    "the auth bug",
    "login flow",
    "payment webhook",
    "cart total",
    "rate limiter",
    "database pool",
    "CSV export",
    "search index",
    "image resizer",
    "config loader",
    "retry logic",
    "CLI parser",
    "websocket handler",
    "cron job",
    "email template",
    "session store",
    "feature flag",
    "dark mode",
    "error page",
    "API client",
    "build script",
    "Dockerfile",
    "test fixture",
];
const WORDS: &[&str] = &[
    "the",
    "a",
    "function",
    "returns",
    "value",
    "when",
    "error",
    "request",
    "response",
    "file",
    "module",
    "because",
    "should",
    "instead",
    "handler",
    "timeout",
    "null",
    "cache",
    "index",
    "query",
    "token",
    "user",
    "config",
    "path",
    "panic",
    "thread",
    "async",
    "await",
    "struct",
    "field",
    "type",
    "string",
    "number",
    "array",
    "loop",
    "branch",
    "commit",
    "test",
    "assert",
    "expected",
    "actual",
    "retry",
    "limit",
    "pool",
    "connection",
    "closed",
    "refused",
    "parse",
    "invalid",
    "missing",
    "update",
    "migration",
    "schema",
    "column",
    "row",
    "table",
    "join",
];
const PROJECTS: &[&str] = &[
    "webshop",
    "api",
    "billing",
    "docs-site",
    "mobile-app",
    "infra",
    "ledger",
    "scraper",
    "auth-service",
    "search",
    "dashboard",
    "cli-tools",
    "ml-pipeline",
    "chat-bot",
    "inventory",
];
const FILES: &[&str] = &[
    "src/main.rs",
    "src/lib.rs",
    "src/auth/login.rs",
    "app/models/user.py",
    "web/routes.py",
    "lib/cart.ts",
    "cmd/server/main.go",
    "tests/test_api.py",
    "src/components/Header.tsx",
    "Cargo.toml",
    "package.json",
    "migrations/0042_add_index.sql",
    "README.md",
];
const IDENTS: &[&str] = &[
    "ERR_CONN_REFUSED",
    "parse_config_file",
    "handleWebhook",
    "MAX_RETRY_COUNT",
    "user_id",
    "ECONNRESET",
    "E0502",
    "fetch_all_pages",
    "OrderService",
    "TimeoutError",
    "v2.3.1",
];
const CJK: &[&str] = &[
    "日本語のテキスト",
    "你好世界",
    "테스트 코드",
    "修正してください",
    "性能问题",
];
const MODELS: &[&str] = &[
    "claude-sonnet-4-5-20250929",
    "claude-opus-4-1",
    "claude-haiku-4-5-20251001",
];

/// `min` to `min + extra` words.
pub fn sentence(r: &mut Rng, min: usize, extra: usize) -> String {
    let words = min + if extra > 0 { r.below(extra) } else { 0 };
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        let w = if r.chance(6) {
            r.pick(IDENTS)
        } else if r.chance(4) {
            r.pick(FILES)
        } else {
            r.pick(WORDS)
        };
        s.push_str(w);
    }
    s
}

pub fn prompt(r: &mut Rng) -> String {
    let mut p = format!("{} {}", r.pick(VERBS), r.pick(NOUNS));
    if r.chance(50) {
        p.push_str(&format!(" in {}", r.pick(FILES)));
    }
    if r.chance(30) {
        p.push_str(&format!(": {}", sentence(r, 8, 20)));
    }
    if r.chance(5) {
        p.push_str(&format!(" {}", r.pick(CJK)));
    }
    let mut c = p.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => p,
    }
}

fn answer(r: &mut Rng) -> String {
    let mut a = format!("## {}\n\n{}.\n\n", r.pick(NOUNS), sentence(r, 12, 30));
    if r.chance(40) {
        a.push_str(&format!(
            "```rust\nfn {}() -> Result<(), Error> {{\n    {}\n}}\n```\n\n",
            r.pick(IDENTS).to_lowercase(),
            sentence(r, 6, 0)
        ));
    }
    if r.chance(30) {
        for _ in 0..3 {
            a.push_str(&format!("- {}\n", sentence(r, 6, 8)));
        }
    }
    a
}

/// A tool's output; about 2 % are huge (thousands of lines).
fn tool_output(r: &mut Rng) -> String {
    let big = r.chance(2);
    let lines = if big {
        2000 + r.below(3000)
    } else {
        1 + r.below(40)
    };
    let mut out = String::new();
    for i in 0..lines {
        out.push_str(&format!(
            "{}:{} {}\n",
            r.pick(FILES),
            i + 1,
            sentence(r, 4, 8)
        ));
    }
    out
}

fn uuid(r: &mut Rng) -> String {
    let a = r.next_u64();
    let b = r.next_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

fn ts(base: i64, secs: i64) -> String {
    chrono::DateTime::from_timestamp(base + secs, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub struct Written {
    pub files: usize,
    pub bytes: u64,
}

/// Write one Claude Code session with about `turns` turns.
fn claude(
    r: &mut Rng,
    home: &Path,
    base: i64,
    turns: usize,
    w: &mut Written,
) -> std::io::Result<()> {
    let project = r.pick(PROJECTS);
    let cwd = format!("/home/dev/src/{project}");
    let sid = uuid(r);
    let dir = home
        .join(".claude/projects")
        .join(format!("-home-dev-src-{project}"));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{sid}.jsonl"));
    let mut f = BufWriter::new(std::fs::File::create(&path)?);
    let mut parent: Option<String> = None;
    let mut t = 0i64;
    let model = r.pick(MODELS);
    let line = |f: &mut BufWriter<std::fs::File>, v: serde_json::Value| -> std::io::Result<()> {
        serde_json::to_writer(&mut *f, &v)?;
        f.write_all(b"\n")
    };
    for _ in 0..turns {
        t += 30 + r.below(300) as i64;
        let u = uuid(r);
        line(
            &mut f,
            json!({"parentUuid": parent, "isSidechain": false, "userType": "external", "cwd": cwd,
            "sessionId": sid, "version": "2.1.197", "gitBranch": "main", "type": "user", "uuid": u,
            "timestamp": ts(base, t), "message": {"role": "user", "content": prompt(r)}}),
        )?;
        parent = Some(u);
        let steps = 1 + r.below(4);
        for step in 0..steps {
            let mid = format!("msg_01{:020x}", r.next_u64());
            let rid = format!("req_011C{:016x}", r.next_u64());
            let usage = json!({"input_tokens": 5 + r.below(50), "cache_creation_input_tokens": r.below(4000),
                "cache_read_input_tokens": 10000 + r.below(90000), "output_tokens": 20 + r.below(800),
                "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0}});
            let mut blocks = vec![];
            if r.chance(40) {
                blocks.push(json!({"type": "thinking", "thinking": sentence(r, 20, 60), "signature": "EqQBsig"}));
            }
            let last = step + 1 == steps;
            if last {
                blocks.push(json!({"type": "text", "text": answer(r)}));
            } else {
                blocks.push(json!({"type": "text", "text": sentence(r, 8, 0)}));
                let tool = r.pick(&["Bash", "Read", "Edit", "Grep"]);
                let input = match tool {
                    "Bash" => {
                        json!({"command": format!("cargo test {}", r.pick(IDENTS).to_lowercase())})
                    }
                    "Read" => json!({"file_path": format!("{cwd}/{}", r.pick(FILES))}),
                    "Edit" => {
                        json!({"file_path": format!("{cwd}/{}", r.pick(FILES)), "old_string": sentence(r, 10, 0), "new_string": sentence(r, 10, 0)})
                    }
                    _ => json!({"pattern": r.pick(IDENTS), "path": cwd}),
                };
                blocks.push(json!({"type": "tool_use", "id": format!("toolu_{:016x}", r.next_u64()), "name": tool, "input": input}));
            }
            // one line per content block, sharing message.id and requestId (as Claude writes)
            let mut tool_id = None;
            for b in &blocks {
                let u = uuid(r);
                if b["type"] == "tool_use" {
                    tool_id = b["id"].as_str().map(str::to_string);
                }
                line(
                    &mut f,
                    json!({"parentUuid": parent, "isSidechain": false, "userType": "external", "cwd": cwd,
                    "sessionId": sid, "version": "2.1.197", "gitBranch": "main", "type": "assistant", "uuid": u,
                    "timestamp": ts(base, t), "requestId": rid,
                    "message": {"id": mid, "type": "message", "role": "assistant", "model": model,
                                "content": [b], "stop_reason": null, "usage": usage}}),
                )?;
                parent = Some(u);
                t += 1;
            }
            if let Some(id) = tool_id {
                let out = tool_output(r);
                let u = uuid(r);
                line(
                    &mut f,
                    json!({"parentUuid": parent, "isSidechain": false, "userType": "external", "cwd": cwd,
                    "sessionId": sid, "version": "2.1.197", "gitBranch": "main", "type": "user", "uuid": u,
                    "timestamp": ts(base, t), "toolUseResult": {"stdout": out, "stderr": ""},
                    "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": id, "content": out}]}}),
                )?;
                parent = Some(u);
            }
        }
    }
    f.flush()?;
    w.files += 1;
    w.bytes += std::fs::metadata(&path)?.len();
    Ok(())
}

/// Write one Codex rollout.
fn codex(
    r: &mut Rng,
    home: &Path,
    base: i64,
    turns: usize,
    w: &mut Written,
) -> std::io::Result<()> {
    let project = r.pick(PROJECTS);
    let cwd = format!("/home/dev/src/{project}");
    let sid = uuid(r);
    let day = chrono::DateTime::from_timestamp(base, 0).unwrap_or_default();
    let dir = home
        .join(".codex/sessions")
        .join(day.format("%Y/%m/%d").to_string());
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!(
        "rollout-{}-{sid}.jsonl",
        day.format("%Y-%m-%dT%H-%M-%S")
    ));
    let mut f = BufWriter::new(std::fs::File::create(&path)?);
    let mut t = 0i64;
    let line = |f: &mut BufWriter<std::fs::File>,
                kind: &str,
                p: serde_json::Value,
                t: i64|
     -> std::io::Result<()> {
        serde_json::to_writer(
            &mut *f,
            &json!({"timestamp": ts(base, t), "type": kind, "payload": p}),
        )?;
        f.write_all(b"\n")
    };
    line(
        &mut f,
        "session_meta",
        json!({"id": sid, "timestamp": ts(base, 0), "cwd": cwd, "originator": "codex_cli_rs",
        "cli_version": "0.169.0", "source": "cli", "git": {"branch": "main"}}),
        0,
    )?;
    let (mut ti, mut tc, mut to) = (0u64, 0u64, 0u64);
    for _ in 0..turns {
        t += 30 + r.below(300) as i64;
        let p = prompt(r);
        line(
            &mut f,
            "turn_context",
            json!({"cwd": cwd, "model": "gpt-5.5"}),
            t,
        )?;
        line(
            &mut f,
            "response_item",
            json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": p}]}),
            t,
        )?;
        line(
            &mut f,
            "event_msg",
            json!({"type": "user_message", "message": p}),
            t,
        )?;
        for step in 0..1 + r.below(3) {
            t += 2;
            line(
                &mut f,
                "response_item",
                json!({"type": "reasoning", "summary": [{"type": "summary_text", "text": sentence(r, 15, 0)}], "encrypted_content": "gAAAA"}),
                t,
            )?;
            if step == 0 {
                let call = format!("call_{:016x}", r.next_u64());
                line(
                    &mut f,
                    "response_item",
                    json!({"type": "function_call", "name": "exec_command",
                    "arguments": json!({"cmd": format!("rg -n {}", r.pick(IDENTS))}).to_string(), "call_id": call}),
                    t,
                )?;
                line(
                    &mut f,
                    "response_item",
                    json!({"type": "function_call_output", "call_id": call,
                    "output": format!("Process exited with code 0\nOutput:\n{}", tool_output(r))}),
                    t + 1,
                )?;
            } else {
                let a = answer(r);
                line(
                    &mut f,
                    "response_item",
                    json!({"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": a}]}),
                    t,
                )?;
                line(
                    &mut f,
                    "event_msg",
                    json!({"type": "agent_message", "message": a}),
                    t,
                )?;
            }
            ti += 8000 + r.below(4000) as u64;
            tc += 6000 + r.below(2000) as u64;
            to += 50 + r.below(500) as u64;
            line(
                &mut f,
                "event_msg",
                json!({"type": "token_count", "info": {"total_token_usage": {"input_tokens": ti,
                "cached_input_tokens": tc, "output_tokens": to, "reasoning_output_tokens": to / 4, "total_tokens": ti + to}}}),
                t + 1,
            )?;
        }
    }
    f.flush()?;
    w.files += 1;
    w.bytes += std::fs::metadata(&path)?.len();
    Ok(())
}

/// Write one Pi session (v3, a linear tree).
fn pi(r: &mut Rng, home: &Path, base: i64, turns: usize, w: &mut Written) -> std::io::Result<()> {
    let project = r.pick(PROJECTS);
    let cwd = format!("/home/dev/src/{project}");
    let sid = uuid(r);
    let dir = home
        .join(".pi/agent/sessions")
        .join(format!("--home-dev-src-{project}--"));
    std::fs::create_dir_all(&dir)?;
    let stamp = chrono::DateTime::from_timestamp(base, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H-%M-%S-000Z");
    let path = dir.join(format!("{stamp}_{sid}.jsonl"));
    let mut f = BufWriter::new(std::fs::File::create(&path)?);
    let mut parent: Option<String> = None;
    let mut t = 0i64;
    let mut n = 0u64;
    let mut entry = |f: &mut BufWriter<std::fs::File>,
                     parent: &mut Option<String>,
                     v: serde_json::Value,
                     t: i64|
     -> std::io::Result<()> {
        n += 1;
        let id = format!("{:08x}", n);
        let mut v = v;
        v["id"] = json!(id);
        v["parentId"] = json!(parent.clone());
        v["timestamp"] = json!(ts(base, t));
        *parent = Some(id);
        serde_json::to_writer(&mut *f, &v)?;
        f.write_all(b"\n")
    };
    serde_json::to_writer(
        &mut f,
        &json!({"type": "session", "version": 3, "id": sid, "timestamp": ts(base, 0), "cwd": cwd}),
    )?;
    f.write_all(b"\n")?;
    for _ in 0..turns {
        t += 30 + r.below(300) as i64;
        let ms = (base + t) * 1000;
        entry(
            &mut f,
            &mut parent,
            json!({"type": "message", "message": {"role": "user", "content": prompt(r), "timestamp": ms}}),
            t,
        )?;
        t += 5;
        entry(
            &mut f,
            &mut parent,
            json!({"type": "message", "message": {"role": "assistant",
            "content": [{"type": "thinking", "thinking": sentence(r, 20, 0)}, {"type": "text", "text": answer(r)}],
            "provider": "anthropic", "model": "claude-sonnet-4-5", "stopReason": "stop",
            "usage": {"input": 20 + r.below(100), "output": 50 + r.below(600), "cacheRead": 5000 + r.below(20000),
                      "cacheWrite": r.below(2000), "totalTokens": 0, "cost": {"total": 0.001 * r.below(50) as f64}},
            "timestamp": ms + 5000}}),
            t,
        )?;
    }
    f.flush()?;
    w.files += 1;
    w.bytes += std::fs::metadata(&path)?.len();
    Ok(())
}

/// Write `sessions` sessions (50 % Claude Code, 35 % Codex, 15 % Pi) under `out/home`, sized so
/// the whole corpus is about `target_bytes` (0: about 40 KB per session).
pub fn generate(
    out: &Path,
    sessions: usize,
    target_bytes: u64,
    seed: u64,
) -> std::io::Result<(PathBuf, Written)> {
    let home = out.join("home");
    let mut r = Rng::new(seed);
    let mut w = Written { files: 0, bytes: 0 };
    // turns per session adapt to what a turn has cost so far, so the total lands near the target
    let target = if target_bytes == 0 {
        40_000 * sessions as u64
    } else {
        target_bytes
    };
    let mut turns_written = 0u64;
    let start = 1_760_000_000i64; // October 2025
    let span = 400 * 86_400i64;
    for i in 0..sessions {
        let base = start + (i as i64 * span / sessions.max(1) as i64);
        let left = target.saturating_sub(w.bytes);
        let per_session = left / (sessions - i) as u64;
        let per_turn = w.bytes.checked_div(turns_written).unwrap_or(8_000);
        let avg_turns = (per_session / per_turn.max(1)).max(1) as usize;
        let turns = 1 + r.below(avg_turns * 2);
        turns_written += turns as u64;
        match r.below(100) {
            0..=49 => claude(&mut r, &home, base, turns, &mut w)?,
            50..=84 => codex(&mut r, &home, base, turns, &mut w)?,
            _ => pi(&mut r, &home, base, turns, &mut w)?,
        }
    }
    Ok((home, w))
}

/// Write one Claude Code session of about `target_bytes` under `out/home`; returns the home.
pub fn large_claude(
    out: &Path,
    target_bytes: u64,
    seed: u64,
) -> std::io::Result<(PathBuf, Written)> {
    let home = out.join("home");
    let mut r = Rng::new(seed);
    // measure a turn's size on a small session, then write the big one
    let mut probe = Written { files: 0, bytes: 0 };
    let probe_home = out.join("probe");
    claude(&mut r, &probe_home, 1_760_000_000, 200, &mut probe)?;
    std::fs::remove_dir_all(&probe_home)?;
    let turns = (target_bytes / (probe.bytes / 200).max(1)).max(1) as usize;
    let mut w = Written { files: 0, bytes: 0 };
    claude(&mut r, &home, 1_760_000_000, turns, &mut w)?;
    Ok((home, w))
}

/// In-memory sessions with the same vocabulary, for list-filter benchmarks.
pub fn sessions(n: usize, seed: u64) -> Vec<revisit::model::Session> {
    let mut r = Rng::new(seed);
    let agents = revisit::model::Agent::ALL;
    (0..n)
        .map(|i| {
            let project = r.pick(PROJECTS).to_string();
            let title = prompt(&mut r);
            revisit::model::Session {
                agent: agents[r.below(agents.len())],
                id: uuid(&mut r),
                title: title.clone(),
                cwd: Some(format!("/home/dev/src/{project}")),
                project: Some(project),
                models: vec![r.pick(MODELS).to_string()],
                git_branch: Some(
                    r.pick(&["main", "dev", "fix/login", "feat/search"])
                        .to_string(),
                ),
                started_at: chrono::DateTime::from_timestamp(1_760_000_000 + i as i64 * 300, 0),
                updated_at: chrono::DateTime::from_timestamp(
                    1_760_000_000 + i as i64 * 300 + 600,
                    0,
                ),
                prompts: 1 + r.below(20) as u64,
                messages: 2 + r.below(200) as u64,
                tool_calls: r.below(100) as u64,
                subagents: 0,
                tokens: revisit::model::TokenUsage {
                    input: r.below(100_000) as u64,
                    output: r.below(20_000) as u64,
                    ..Default::default()
                },
                tokens_known: true,
                cost_usd: Some(r.below(500) as f64 / 100.0),
                unpriced_turns: 0,
                source: String::new(),
                resume: None,
                parse_errors: 0,
                key: format!("claude:{i}"),
                first_prompt: Some(if r.chance(50) { title } else { prompt(&mut r) }),
                status: None,
                extra: Default::default(),
            }
        })
        .collect()
}
