"""Demo sessions for Claude Code."""
import json
import os
import shutil

from common import BASE, HOME, ts, uid, write_jsonl

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


def generate(root):
    """Claude Code: three sessions (a bug fix with tools, one with a subagent, a short CJK one)."""
    shutil.rmtree(os.path.join(root, ".claude"), ignore_errors=True)
    proj = os.path.join(root, ".claude", "projects")
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
