"""Demo sessions for the Pi coding agent (v3 session files, see FORMATS.md §5)."""
import os
import shutil
from datetime import timedelta

from common import BASE, HOME, write_jsonl

# ---------------------------------------------------------------------------------------------
# Pi

# $ per million tokens (input, output, cache read, cache write), as Pi's model table has them
PRICES = {
    "claude-sonnet-4-5": (3.0, 15.0, 0.3, 3.75),
    "claude-haiku-4-5": (1.0, 5.0, 0.1, 1.25),
    "gpt-5": (1.25, 10.0, 0.125, 0.0),
}
APIS = {"anthropic": "anthropic-messages", "openai": "openai-responses"}


class Pi:
    """Builds one session file: a header, then entries that each name their parent."""

    def __init__(self, sid, cwd, minute):
        self.sid = sid
        self.cwd = cwd
        self.start = BASE + timedelta(minutes=minute)
        self.sec = 0
        self.n = 0
        self.leaf = None
        self.entries = [{"type": "session", "version": 3, "id": sid, "timestamp": self.iso(0), "cwd": cwd}]

    def iso(self, sec):
        t = self.start + timedelta(seconds=sec)
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"

    def ms(self):
        return int((self.start + timedelta(seconds=self.sec)).timestamp() * 1000)

    def entry(self, kind, parent="leaf", step=1, **fields):
        self.sec += step
        self.n += 1
        eid = f"{(int(self.sid[:8], 16) + self.n * 0x1F3D) % 0xFFFFFFFF:08x}"
        d = {"type": kind, "id": eid, "parentId": self.leaf if parent == "leaf" else parent, "timestamp": self.iso(self.sec)}
        d.update(fields)
        self.entries.append(d)
        self.leaf = eid
        return eid

    def message(self, m, step=1, parent="leaf"):
        m = dict(m)
        m["timestamp"] = self.ms() + step * 1000  # the entry's own time
        return self.entry("message", parent=parent, step=step, message=m)

    def user(self, text, step=20, parent="leaf"):
        return self.message({"role": "user", "content": [{"type": "text", "text": text}]}, step=step, parent=parent)

    def reply(self, content, tokens, provider="anthropic", model="claude-sonnet-4-5", step=4):
        inp, out, read, write = tokens
        p = PRICES[model]
        cost = {
            "input": inp * p[0] / 1e6,
            "output": out * p[1] / 1e6,
            "cacheRead": read * p[2] / 1e6,
            "cacheWrite": write * p[3] / 1e6,
        }
        cost["total"] = sum(cost.values())
        stop = "toolUse" if any(b["type"] == "toolCall" for b in content) else "stop"
        return self.message(
            {
                "role": "assistant",
                "content": content,
                "api": APIS[provider],
                "provider": provider,
                "model": model,
                "usage": {"input": inp, "output": out, "cacheRead": read, "cacheWrite": write,
                          "totalTokens": inp + out + read + write, "cost": cost},
                "stopReason": stop,
                "responseId": f"msg_01PiDemo{self.n:06d}",
            },
            step=step,
        )

    def result(self, call_id, tool, text, error=False):
        return self.message(
            {"role": "toolResult", "toolCallId": call_id, "toolName": tool,
             "content": [{"type": "text", "text": text}], "isError": error},
            step=1,
        )

    def write(self, root):
        folder = "--" + self.cwd.lstrip("/").replace("/", "-") + "--"
        stamp = self.iso(0).replace(":", "-").replace(".", "-")
        path = os.path.join(root, ".pi", "agent", "sessions", folder, f"{stamp}_{self.sid}.jsonl")
        write_jsonl(path, self.entries)


def call(cid, name, **args):
    return {"type": "toolCall", "id": cid, "name": name, "arguments": args}


def generate(root):
    """Pi: a bug fix with a branch left behind and a `!` command, and a session that switches
    model and was compacted."""
    shutil.rmtree(os.path.join(root, ".pi"), ignore_errors=True)

    # 1. a bug fix; an idea tried and left on a branch; the person runs the tests themselves
    cwd = f"{HOME}/src/ledger"
    p = Pi("019ab3c4-5d6e-7f80-9a1b-2c3d4e5f6071", cwd, 300)
    p.entry("model_change", provider="anthropic", modelId="claude-sonnet-4-5", step=0)
    p.entry("thinking_level_change", thinkingLevel="medium", step=0)
    p.user("`ledger report` crashes on an empty CSV. Can you fix it?", step=2)
    p.reply(
        [
            {"type": "thinking", "thinking": "Reproduce first: run the report on an empty file and read the traceback.",
             "thinkingSignature": "EqQBCkYIBxgCKkDemoPi01"},
            {"type": "text", "text": "Let me reproduce it first."},
            call("toolu_01PiDemoRun001", "bash", command="python -m ledger report tests/data/empty.csv"),
        ],
        (38, 61, 0, 4210),
    )
    p.result(
        "toolu_01PiDemoRun001", "bash",
        "Traceback (most recent call last):\n  File \"ledger/report.py\", line 14, in monthly_totals\n"
        "    first = min(row.date for row in rows)\nValueError: min() arg is an empty sequence\n\n\n"
        "Command exited with code 1",
        error=True,
    )
    p.reply([call("toolu_01PiDemoRead02", "read", path=f"{cwd}/ledger/report.py")], (12, 24, 4210, 402))
    p.result(
        "toolu_01PiDemoRead02", "read",
        "from collections import defaultdict\n\n\ndef monthly_totals(rows):\n"
        "    first = min(row.date for row in rows)\n    totals = defaultdict(int)\n"
        "    for row in rows:\n        totals[row.date.strftime('%Y-%m')] += row.cents\n"
        "    return first, dict(totals)\n",
    )
    p.reply(
        [
            {"type": "text", "text": "`monthly_totals` calls `min()` on the rows before checking there are any. "
                                     "I'll return early for an empty file."},
            call("toolu_01PiDemoEdit03", "edit", path=f"{cwd}/ledger/report.py",
                 oldText="    first = min(row.date for row in rows)\n",
                 newText="    if not rows:\n        return None, {}\n    first = min(row.date for row in rows)\n"),
        ],
        (9, 118, 4612, 395),
    )
    p.result("toolu_01PiDemoEdit03", "edit", f"Successfully replaced text in {cwd}/ledger/report.py.")
    fixed = p.reply(
        [{"type": "text", "text": "Fixed: `ledger report` now prints *No transactions* for an empty CSV "
                                  "instead of crashing.\n\n```python\nif not rows:\n    return None, {}\n```"}],
        (11, 64, 5007, 188),
    )
    # an idea tried from here, then left with /tree (Pi keeps it in the file)
    p.user("While you're at it, rewrite the report with pandas.")
    p.reply(
        [{"type": "text", "text": "I can, but it adds a 30 MB dependency for a 40-line module. "
                                  "Here is a sketch:\n\n```python\ndf = pd.read_csv(path, parse_dates=['date'])\n"
                                  "df.groupby(df.date.dt.to_period('M')).cents.sum()\n```"}],
        (14, 96, 5195, 120),
    )
    p.entry("branch_summary", parent=fixed, step=30, fromId=fixed,
            summary="Considered rewriting the report with pandas; dropped (a heavy dependency for a small module).")
    p.message({"role": "bashExecution", "command": "pytest -q", "output": "............                    [100%]\n12 passed in 0.41s\n",
               "exitCode": 0, "cancelled": False, "truncated": False}, step=15)
    p.user("Good. Add a regression test for the empty file.", step=10)
    p.reply(
        [
            {"type": "thinking", "thinking": "A test next to the other report tests, using the empty.csv fixture.",
             "thinkingSignature": "EqQBCkYIBxgCKkDemoPi02"},
            call("toolu_01PiDemoWrite4", "write", path=f"{cwd}/tests/test_empty.py",
                 content="from ledger.report import load, monthly_totals\n\n\n"
                         "def test_empty_csv():\n    assert monthly_totals(load('tests/data/empty.csv')) == (None, {})\n"),
        ],
        (16, 97, 5521, 352),
    )
    p.result("toolu_01PiDemoWrite4", "write", f"Successfully wrote 131 bytes to {cwd}/tests/test_empty.py")
    p.reply([call("toolu_01PiDemoTest05", "bash", command="pytest -q tests/test_empty.py")], (7, 21, 5873, 167))
    p.result("toolu_01PiDemoTest05", "bash", ".                                        [100%]\n1 passed in 0.08s\n")
    p.reply([{"type": "text", "text": "Added `tests/test_empty.py`; it passes, and so does the full suite (13 tests)."}],
            (6, 25, 6040, 98))
    p.entry("session_info", name="Empty CSV crash in ledger report", step=5)
    p.write(root)

    # 2. TODO triage: starts on GPT-5, switches to Haiku, compacted on the way
    cwd = f"{HOME}/src/api"
    q = Pi("019ab5e1-0a2b-7c3d-8e4f-5a6b7c8d9e0f", cwd, 380)
    q.entry("model_change", provider="openai", modelId="gpt-5", step=0)
    q.entry("thinking_level_change", thinkingLevel="low", step=0)
    q.user("List the TODO comments in this repo, grouped by file.", step=2)
    q.reply([call("call_PiDemoRg01", "bash", command="rg -n 'TODO' src")], (1204, 35, 0, 0), provider="openai", model="gpt-5")
    q.result("call_PiDemoRg01", "bash",
             "src/server.rs:41:    // TODO: configurable timeout\nsrc/server.rs:88:    // TODO: graceful shutdown\n"
             "src/db.rs:12:// TODO: connection pool size from env\n")
    q.reply([{"type": "text", "text": "**src/server.rs**\n- line 41: configurable timeout\n- line 88: graceful shutdown\n\n"
                                      "**src/db.rs**\n- line 12: pool size from the environment"}],
            (160, 58, 1152, 0), provider="openai", model="gpt-5")
    q.entry("compaction", summary="## Goal\nTriage the TODO comments of the api repo.\n\n## Found\n"
                                  "- server.rs: timeout (41), graceful shutdown (88)\n- db.rs: pool size from env (12)",
            firstKeptEntryId=q.leaf, tokensBefore=2610, step=60)
    q.entry("model_change", provider="anthropic", modelId="claude-haiku-4-5", step=5)
    q.entry("thinking_level_change", thinkingLevel="off", step=1)
    q.user("Draft a GitHub issue for the graceful shutdown one.", step=10)
    q.reply([{"type": "text", "text": "**Title:** Shut down gracefully on SIGTERM\n\n"
                                      "The server drops in-flight requests when it is stopped. Wait for open "
                                      "connections (up to 30 s) before exiting; see `src/server.rs:88`."}],
            (22, 71, 0, 1890), model="claude-haiku-4-5")
    q.write(root)
