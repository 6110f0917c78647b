#!/usr/bin/env python3
"""Write revisit's demo sessions under assets/demo/ (a home directory layout).

The sessions are invented but format-faithful: they follow what the real CLIs write (see
../shared/FORMATS.md and the generated fixtures). Re-run after editing:

    python3 scripts/make-demo.py
"""
import json
import os
import shutil
import uuid
from datetime import datetime, timedelta, timezone

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "assets", "demo")
HOME = "/home/demo"
BASE = datetime(2026, 11, 23, 9, 12, 0, tzinfo=timezone.utc)


def ts(minutes, seconds=0):
    t = BASE + timedelta(minutes=minutes, seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def write_jsonl(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")


def uid(n):
    return str(uuid.UUID(int=n))


# ---------------------------------------------------------------------------------------------
# Claude Code


class Claude:
    def __init__(self, session, cwd, branch="main", start=0):
        self.session = session
        self.cwd = cwd
        self.branch = branch
        self.lines = []
        self.parent = None
        self.n = start * 1000 + 1
        self.minute = start

    def base(self, kind, **extra):
        self.n += 1
        u = uid(0xC1A0DE000000 + self.n)
        d = {
            "parentUuid": self.parent,
            "isSidechain": False,
            "userType": "external",
            "cwd": self.cwd,
            "sessionId": self.session,
            "version": "2.1.197",
            "gitBranch": self.branch,
            "type": kind,
            "uuid": u,
            "timestamp": ts(self.minute, self.n % 60),
        }
        d.update(extra)
        self.parent = u
        return d

    def prompt(self, text):
        self.minute += 2
        self.lines.append(self.base("user", message={"role": "user", "content": text}))

    def reply(self, blocks, usage, model="claude-sonnet-4-5-20250929"):
        """One API response: one line per content block, sharing message.id (as Claude does)."""
        self.n += 1
        mid = f"msg_01Demo{self.n:06d}"
        rid = f"req_011Demo{self.n:06d}"
        for b in blocks:
            self.lines.append(
                self.base(
                    "assistant",
                    requestId=rid,
                    message={
                        "id": mid,
                        "type": "message",
                        "role": "assistant",
                        "model": model,
                        "content": [b],
                        "stop_reason": "tool_use" if b["type"] == "tool_use" else "end_turn",
                        "usage": usage,
                    },
                )
            )

    def tool_result(self, tool_id, content, is_error=False):
        self.lines.append(
            self.base(
                "user",
                message={
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "tool_use_id": tool_id, "content": content, "is_error": is_error}
                    ],
                },
            )
        )


def usage(inp, out, read, write):
    return {
        "input_tokens": inp,
        "cache_creation_input_tokens": write,
        "cache_read_input_tokens": read,
        "cache_creation": {"ephemeral_5m_input_tokens": write, "ephemeral_1h_input_tokens": 0},
        "output_tokens": out,
        "service_tier": "standard",
    }


def claude_sessions():
    proj = os.path.join(ROOT, ".claude", "projects")
    cwd = f"{HOME}/src/webshop"
    enc = "-home-demo-src-webshop"

    # 1. a bug fix with thinking, tools, an edit and a failing test run
    s1 = "7f3c2a10-5b8e-4d21-9a6f-0c1d2e3f4a51"
    c = Claude(s1, cwd, branch="fix/cart-rounding", start=0)
    c.lines.append({"type": "ai-title", "sessionId": s1, "aiTitle": "Fix cart total rounding bug"})
    c.prompt("The cart total is off by a cent for some orders (e.g. 3 × 19.99). Can you find and fix it?")
    c.reply(
        [
            {"type": "thinking", "thinking": "Floating point sums of prices: 3 * 19.99 = 59.97 but binary floats give 59.969999… and the code probably truncates instead of rounding. Let me look at the cart module.", "signature": "EqQBCkYIBxgCKkDemo"},
            {"type": "text", "text": "Let me look at how the cart computes its total."},
            {"type": "tool_use", "id": "toolu_01DemoRead01", "name": "Read", "input": {"file_path": f"{cwd}/src/cart.py"}},
        ],
        usage(12, 164, 18322, 2048),
    )
    c.tool_result(
        "toolu_01DemoRead01",
        "1\tfrom decimal import Decimal\n2\t\n3\t\n4\tdef cart_total(items):\n5\t    total = 0.0\n6\t    for item in items:\n7\t        total += item.price * item.quantity\n8\t    return int(total * 100) / 100\n",
    )
    c.reply(
        [
            {"type": "text", "text": "Found it: `cart_total` sums **floats** and then *truncates* with `int(total * 100) / 100`, so `59.969999…` becomes `59.96`.\n\nI'll switch to `Decimal` and round half-up to cents."},
            {
                "type": "tool_use",
                "id": "toolu_01DemoEdit01",
                "name": "Edit",
                "input": {
                    "file_path": f"{cwd}/src/cart.py",
                    "old_string": "def cart_total(items):\n    total = 0.0\n    for item in items:\n        total += item.price * item.quantity\n    return int(total * 100) / 100\n",
                    "new_string": "def cart_total(items):\n    total = Decimal(\"0\")\n    for item in items:\n        total += Decimal(str(item.price)) * item.quantity\n    return total.quantize(Decimal(\"0.01\"), rounding=ROUND_HALF_UP)\n",
                },
            },
        ],
        usage(8, 233, 20441, 512),
    )
    c.tool_result("toolu_01DemoEdit01", f"The file {cwd}/src/cart.py has been updated.")
    c.reply(
        [
            {"type": "tool_use", "id": "toolu_01DemoBash01", "name": "Bash", "input": {"command": "python -m pytest tests/test_cart.py -q", "description": "Run the cart tests"}},
        ],
        usage(6, 61, 21003, 390),
    )
    c.tool_result(
        "toolu_01DemoBash01",
        "F.\n=================================== FAILURES ===================================\n____________________________ test_three_items ____________________________\n\n    NameError: name 'ROUND_HALF_UP' is not defined\n\nsrc/cart.py:8: NameError\n1 failed, 1 passed in 0.04s",
        is_error=True,
    )
    c.reply(
        [
            {"type": "text", "text": "Forgot the import. Fixing:"},
            {"type": "tool_use", "id": "toolu_01DemoEdit02", "name": "Edit", "input": {"file_path": f"{cwd}/src/cart.py", "old_string": "from decimal import Decimal\n", "new_string": "from decimal import ROUND_HALF_UP, Decimal\n"}},
        ],
        usage(6, 98, 21530, 402),
    )
    c.tool_result("toolu_01DemoEdit02", f"The file {cwd}/src/cart.py has been updated.")
    c.reply(
        [{"type": "tool_use", "id": "toolu_01DemoBash02", "name": "Bash", "input": {"command": "python -m pytest -q", "description": "Run all tests"}}],
        usage(6, 40, 22011, 275),
    )
    c.tool_result("toolu_01DemoBash02", "..........                                                               [100%]\n10 passed in 0.11s")
    c.reply(
        [
            {
                "type": "text",
                "text": "All 10 tests pass. ✅\n\n## What changed\n\n| before | after |\n|---|---|\n| float sum, truncated | `Decimal` sum, rounded half-up |\n| `3 × 19.99 = 59.96` | `3 × 19.99 = 59.97` |\n\n```python\ndef cart_total(items):\n    total = Decimal(\"0\")\n    for item in items:\n        total += Decimal(str(item.price)) * item.quantity\n    return total.quantize(Decimal(\"0.01\"), rounding=ROUND_HALF_UP)\n```\n\nConsider storing prices as integer cents in the database too.",
            }
        ],
        usage(4, 188, 22490, 310),
    )
    write_jsonl(os.path.join(proj, enc, s1 + ".jsonl"), c.lines)

    # 2. exploration with a subagent (2.1.x layout: <session>/subagents/agent-*.jsonl)
    s2 = "a41b9c22-7d3e-4f50-8b61-2c3d4e5f6a72"
    c = Claude(s2, cwd, branch="main", start=300)
    c.lines.append({"type": "ai-title", "sessionId": s2, "aiTitle": "Map the checkout flow"})
    c.prompt("Use a subagent to map how checkout works end to end, then summarise it for me.")
    c.reply(
        [
            {"type": "text", "text": "I'll have an Explore agent trace the checkout path."},
            {"type": "tool_use", "id": "toolu_01DemoAgent1", "name": "Agent", "input": {"subagent_type": "Explore", "description": "Trace checkout", "prompt": "Trace the checkout flow from the cart page to the payment call. List files and functions."}},
        ],
        usage(10, 120, 15220, 3300),
    )
    c.tool_result(
        "toolu_01DemoAgent1",
        "Checkout flow:\n1. web/routes.py: POST /checkout → checkout_view\n2. src/checkout.py: build_order(cart) → validates stock\n3. src/payments.py: charge(order) → PaymentClient.create_intent\n4. src/emails.py: send_receipt(order)",
    )
    c.reply(
        [{"type": "text", "text": "## Checkout, end to end\n\n1. **Route** – `POST /checkout` in `web/routes.py` calls `checkout_view`.\n2. **Order** – `build_order(cart)` checks stock and freezes prices.\n3. **Payment** – `charge(order)` creates a payment intent.\n4. **Receipt** – `send_receipt(order)` emails the customer.\n\nThe weak spot is step 3: a timeout there leaves the order *pending* with no retry."}],
        usage(6, 140, 18650, 900),
    )
    write_jsonl(os.path.join(proj, enc, s2 + ".jsonl"), c.lines)
    sub = Claude(s2, cwd, branch="main", start=300)
    sub.lines = []
    agent_id = "a7e3d41b2c9f0e815"
    sub_lines = []
    sub.prompt("Trace the checkout flow from the cart page to the payment call. List files and functions.")
    sub.reply(
        [
            {"type": "thinking", "thinking": "Start from the routes, grep for checkout.", "signature": "sig"},
            {"type": "tool_use", "id": "toolu_01DemoGrep1", "name": "Grep", "input": {"pattern": "def (checkout|build_order|charge)", "path": cwd}},
        ],
        usage(4, 60, 6100, 2100),
        model="claude-haiku-4-5-20251001",
    )
    sub.tool_result("toolu_01DemoGrep1", "web/routes.py:41:def checkout_view(request):\nsrc/checkout.py:12:def build_order(cart):\nsrc/payments.py:30:def charge(order):")
    sub.reply(
        [{"type": "text", "text": "Checkout flow:\n1. web/routes.py: POST /checkout → checkout_view\n2. src/checkout.py: build_order(cart)\n3. src/payments.py: charge(order)\n4. src/emails.py: send_receipt(order)"}],
        usage(3, 90, 8200, 400),
        model="claude-haiku-4-5-20251001",
    )
    for line in sub.lines:
        line["isSidechain"] = True
        line["agentId"] = agent_id
        sub_lines.append(line)
    sub_dir = os.path.join(proj, enc, s2, "subagents")
    write_jsonl(os.path.join(sub_dir, f"agent-{agent_id}.jsonl"), sub_lines)
    with open(os.path.join(sub_dir, f"agent-{agent_id}.meta.json"), "w") as f:
        json.dump({"agentType": "Explore", "description": "Trace checkout", "toolUseId": "toolu_01DemoAgent1", "spawnDepth": 1}, f)

    # 3. a short question in another project, with CJK and emoji
    cwd3 = f"{HOME}/src/docs-site"
    s3 = "c9d8e7f6-1a2b-4c3d-8e4f-5a6b7c8d9e03"
    c = Claude(s3, cwd3, branch="main", start=900)
    c.prompt("Translate the tagline 'Fast, friendly docs' into Japanese and Chinese 🌏")
    c.reply(
        [{"type": "text", "text": "- 日本語: **速くて、やさしいドキュメント**\n- 中文: **快速、友好的文档**\n\nBoth keep the two-part rhythm of the English. 🎌"}],
        usage(22, 64, 9800, 4100),
    )
    write_jsonl(os.path.join(proj, "-home-demo-src-docs-site", s3 + ".jsonl"), c.lines)


# ---------------------------------------------------------------------------------------------
# Codex CLI


def codex_sessions():
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
        path = os.path.join(ROOT, ".codex", "sessions", day, f"rollout-{stamp}-{sid}.jsonl")
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


def main():
    for sub in (".claude", ".codex"):
        shutil.rmtree(os.path.join(ROOT, sub), ignore_errors=True)
    claude_sessions()
    codex_sessions()


if __name__ == "__main__":
    main()
