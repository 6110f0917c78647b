"""Demo sessions for Codex CLI."""
import json
import os
import shutil
from datetime import timedelta

from common import BASE, HOME, write_jsonl

# ---------------------------------------------------------------------------------------------
# Codex CLI


def generate(root):
    """Codex CLI: two rollouts (a feature with a patch, a failing build)."""
    shutil.rmtree(os.path.join(root, ".codex"), ignore_errors=True)
    def line(t, kind, payload):
        return {"timestamp": t, "type": kind, "payload": payload}

    def session(sid, when, cwd, model, turns, name):
        start = BASE + timedelta(minutes=when)
        stamp = start.strftime("%Y-%m-%dT%H-%M-%S")
        day = start.strftime("%Y/%m/%d")
        t = lambda s: (start + timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        lines = [
            line(t(0), "session_meta", {"id": sid, "session_id": sid, "timestamp": t(0), "cwd": cwd, "originator": "codex_cli_rs", "cli_version": "0.169.0", "source": "cli", "model_provider": "openai", "git": {"commit_hash": "4be0c1d", "branch": "main", "repository_url": "git@example.com:demo/api.git"}}),
            line(t(0), "response_item", {"type": "message", "role": "user", "content": [{"type": "input_text", "text": f"<environment_context>\n  <cwd>{cwd}</cwd>\n  <shell>bash</shell>\n</environment_context>"}]}),
        ]
        total = {"input_tokens": 0, "cached_input_tokens": 0, "output_tokens": 0, "reasoning_output_tokens": 0, "total_tokens": 0}
        sec = 1
        for prompt, steps in turns:
            lines.append(line(t(sec), "turn_context", {"cwd": cwd, "approval_policy": "on-request", "model": model, "effort": "medium", "summary": "auto"}))
            lines.append(line(t(sec), "response_item", {"type": "message", "role": "user", "content": [{"type": "input_text", "text": prompt}]}))
            lines.append(line(t(sec), "event_msg", {"type": "user_message", "message": prompt}))
            for step in steps:
                sec += 3
                if "reasoning" in step:
                    lines.append(line(t(sec), "response_item", {"type": "reasoning", "summary": [{"type": "summary_text", "text": step["reasoning"]}], "content": None, "encrypted_content": "gAAAAABdemo"}))
                if "say" in step:
                    lines.append(line(t(sec), "response_item", {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": step["say"]}]}))
                    lines.append(line(t(sec), "event_msg", {"type": "agent_message", "message": step["say"]}))
                if "cmd" in step:
                    call = f"call_demo_{sec}"
                    lines.append(line(t(sec), "response_item", {"type": "function_call", "name": "exec_command", "arguments": json.dumps({"cmd": step["cmd"]}), "call_id": call}))
                    code = step.get("exit", 0)
                    lines.append(line(t(sec + 1), "response_item", {"type": "function_call_output", "call_id": call, "output": f"Process exited with code {code}\nOutput:\n{step['out']}"}))
                if "patch" in step:
                    call = f"call_demo_patch_{sec}"
                    lines.append(line(t(sec), "response_item", {"type": "custom_tool_call", "status": "completed", "call_id": call, "name": "apply_patch", "input": step["patch"]}))
                    lines.append(line(t(sec + 1), "response_item", {"type": "custom_tool_call_output", "call_id": call, "output": json.dumps({"output": "Success. Updated the following files:\nM " + step["file"] + "\n", "metadata": {"exit_code": 0}})}))
                inp, cached, out, reas = step["usage"]
                last = {"input_tokens": inp, "cached_input_tokens": cached, "output_tokens": out, "reasoning_output_tokens": reas, "total_tokens": inp + out}
                for k in total:
                    total[k] += last[k]
                lines.append(line(t(sec + 2), "event_msg", {"type": "token_count", "info": {"total_token_usage": dict(total), "last_token_usage": last, "model_context_window": 272000}, "rate_limits": None}))
        if name:
            lines.append(line(t(sec + 5), "event_msg", {"type": "thread_name_updated", "thread_name": name}))
        path = os.path.join(root, ".codex", "sessions", day, f"rollout-{stamp}-{sid}.jsonl")
        write_jsonl(path, lines)

    api = f"{HOME}/src/api"
    session(
        "019a7b3c-1d2e-7f30-8a41-b2c3d4e5f607",
        60,
        api,
        "gpt-5.5",
        [
            (
                "Add a /healthz endpoint that reports the database status",
                [
                    {"reasoning": "**Finding the router**\n\nLook for where routes are registered.", "cmd": "rg -n 'add_route|Router' src", "out": "src/server.rs:18:    let app = Router::new()\nsrc/server.rs:19:        .route(\"/orders\", get(list_orders))", "usage": (9120, 0, 212, 64)},
                    {
                        "say": "I'll add the route and a handler that pings the pool.",
                        "patch": "*** Begin Patch\n*** Update File: src/server.rs\n@@\n     let app = Router::new()\n+        .route(\"/healthz\", get(healthz))\n         .route(\"/orders\", get(list_orders))\n*** End Patch\n",
                        "file": "src/server.rs",
                        "usage": (9604, 8960, 148, 32),
                    },
                    {"cmd": "cargo test -q healthz", "out": "running 1 test\n.\ntest result: ok. 1 passed; 0 failed", "usage": (10231, 9472, 96, 0)},
                    {"say": "Done: `GET /healthz` returns `200 {\"db\":\"ok\"}` when the pool answers and `503` otherwise. The new test passes.", "usage": (10420, 10112, 120, 0)},
                ],
            ),
        ],
        "Add /healthz endpoint",
    )
    session(
        "019a7c01-9e8d-7c6b-9a58-4f3e2d1c0b09",
        200,
        api,
        "gpt-5-codex",
        [
            (
                "Why does `cargo build` fail on CI but not locally?",
                [
                    {"reasoning": "**Reproducing**\n\nCheck the toolchain and lockfile.", "cmd": "cargo build --locked", "exit": 101, "out": "error: the lock file Cargo.lock needs to be updated but --locked was passed to prevent this", "usage": (8830, 0, 140, 52)},
                    {"say": "CI runs `cargo build --locked`, and `Cargo.lock` is out of date: a dependency was bumped in `Cargo.toml` without committing the lockfile. Run `cargo update -p serde` locally and commit `Cargo.lock`.", "usage": (9288, 8704, 77, 18)},
                ],
            ),
        ],
        None,
    )
