"""Demo sessions for OpenCode: `~/.local/share/opencode/opencode.db` (the 1.18 schema).

Like OpenCode 1.18 writes it: one `message` row per LLM step (JSON in `data`), its `part` rows
(`step-start`, `reasoning`, `text`, `tool`, `step-finish` repeating the step's tokens and cost,
`patch`), task subagents as child sessions (`parent_id`), session totals in `session.cost` and
`tokens_*`. The database is written in rollback-journal mode so the bytes are reproducible and
no -wal file is ever needed.
"""
import json
import os
import shutil
import sqlite3
from datetime import timedelta

from common import BASE, HOME

SCHEMA = """
CREATE TABLE `project` (`id` text PRIMARY KEY, `worktree` text NOT NULL, `vcs` text, `name` text,
  `time_created` integer NOT NULL, `time_updated` integer NOT NULL, `sandboxes` text NOT NULL);
CREATE TABLE `session` (`id` text PRIMARY KEY, `project_id` text NOT NULL, `workspace_id` text,
  `parent_id` text, `slug` text NOT NULL, `directory` text NOT NULL, `path` text,
  `title` text NOT NULL, `version` text NOT NULL, `share_url` text, `summary_additions` integer,
  `summary_deletions` integer, `summary_files` integer, `summary_diffs` text, `metadata` text,
  `cost` real DEFAULT 0 NOT NULL, `tokens_input` integer DEFAULT 0 NOT NULL,
  `tokens_output` integer DEFAULT 0 NOT NULL, `tokens_reasoning` integer DEFAULT 0 NOT NULL,
  `tokens_cache_read` integer DEFAULT 0 NOT NULL, `tokens_cache_write` integer DEFAULT 0 NOT NULL,
  `revert` text, `permission` text, `agent` text, `model` text, `time_created` integer NOT NULL,
  `time_updated` integer NOT NULL, `time_compacting` integer, `time_archived` integer);
CREATE TABLE `message` (`id` text PRIMARY KEY, `session_id` text NOT NULL,
  `time_created` integer NOT NULL, `time_updated` integer NOT NULL, `data` text NOT NULL);
CREATE TABLE `part` (`id` text PRIMARY KEY, `message_id` text NOT NULL, `session_id` text NOT NULL,
  `time_created` integer NOT NULL, `time_updated` integer NOT NULL, `data` text NOT NULL);
CREATE INDEX `message_session_time_created_id_idx` ON `message` (`session_id`,`time_created`,`id`);
CREATE INDEX `part_message_id_id_idx` ON `part` (`message_id`,`id`);
CREATE INDEX `part_session_idx` ON `part` (`session_id`);
CREATE INDEX `session_parent_idx` ON `session` (`parent_id`);
"""

PROJECT = "9f4e2b7c1d0a8e6f5b3c2a1d0e9f8a7b6c5d4e3f"
SNAP = "5d1c9e0b7a3f2e4d6c8b0a9f1e3d5c7b9a2f4e6d"


class Ids:
    """OpenCode-shaped ids that sort by creation (`msg_…`, `prt_…`)."""

    def __init__(self):
        self.n = 0

    def __call__(self, prefix):
        self.n += 1
        return f"{prefix}_{0x2c41a0000000 + self.n * 4096:012x}Dm{self.n:012d}"


def ms(minutes, seconds=0):
    return int((BASE + timedelta(minutes=minutes, seconds=seconds)).timestamp() * 1000)


def dump(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def tokens(inp, out, reasoning=0, read=0, write=0):
    return {"total": inp + out + reasoning + read + write, "input": inp, "output": out,
            "reasoning": reasoning, "cache": {"write": write, "read": read}}


class Session:
    def __init__(self, db, ids, sid, slug, cwd, title, start, parent=None, agent="build"):
        self.db, self.ids, self.sid, self.cwd, self.agent = db, ids, sid, cwd, agent
        self.t = start
        self.user_id = None
        self.totals = {"cost": 0.0, "input": 0, "output": 0, "reasoning": 0, "read": 0, "write": 0}
        self.row = dict(id=sid, parent=parent, slug=slug, title=title, start=start)
        self.model = None

    def tick(self, seconds):
        self.t += int(round(seconds * 1000))
        return self.t

    def message(self, data, parts):
        mid = self.ids("msg")
        t = data["time"]["created"]
        self.db.execute("INSERT INTO message VALUES (?,?,?,?,?)",
                        (mid, self.sid, t, t + 40, dump(data)))
        for p in parts:
            self.db.execute("INSERT INTO part VALUES (?,?,?,?,?,?)",
                            (self.ids("prt"), mid, self.sid, t, t + 30, dump(p)))
        return mid

    def user(self, text, provider, model, gap=20):
        t = self.tick(gap)
        self.user_id = self.message(
            {"role": "user", "time": {"created": t}, "agent": self.agent,
             "model": {"providerID": provider, "modelID": model}, "summary": {"diffs": []}},
            [{"type": "text", "text": text}])

    def step(self, provider, model, usage, cost, reasoning=None, say=None, tools=(), patch=None,
             tool_secs=0.8):
        """One LLM step: an assistant message with its parts. Returns when it started."""
        t = self.tick(4)
        tk = tokens(*usage)
        parts = [{"type": "step-start", "snapshot": SNAP}]
        if reasoning:
            parts.append({"type": "reasoning", "text": reasoning,
                          "time": {"start": t + 300, "end": t + 400}})
        if say:
            parts.append({"type": "text", "text": say, "time": {"start": t + 500, "end": t + 600}})
        for i, (name, inp, out, exit_code) in enumerate(tools):
            meta = {"output": out, "truncated": False}
            if exit_code is not None:
                meta["exit"] = exit_code
            parts.append({"type": "tool", "tool": name, "callID": f"call_{self.ids.n:04d}{i}demo",
                          "state": {"status": "completed", "input": inp, "output": out,
                                    "metadata": meta, "title": inp.get("command", name),
                                    "time": {"start": t + 700,
                                             "end": t + 700 + int(tool_secs * 1000)}}})
        finish = "tool-calls" if tools else "stop"
        parts.append({"type": "step-finish", "reason": finish, "snapshot": SNAP, "tokens": tk,
                      "cost": cost})
        if patch:
            parts.append({"type": "patch", "hash": SNAP, "files": patch})
        self.message(
            {"parentID": self.user_id, "role": "assistant", "mode": self.agent, "agent": self.agent,
             "path": {"cwd": self.cwd, "root": self.cwd}, "cost": cost, "tokens": tk,
             "modelID": model, "providerID": provider,
             "time": {"created": t, "completed": t + 2000}, "finish": finish},
            parts)
        self.tick(2 + tool_secs)
        self.model = (provider, model)
        inp, out, reas, read, write = (list(usage) + [0, 0, 0])[:5]
        for k, v in (("input", inp), ("output", out), ("reasoning", reas), ("read", read),
                     ("write", write)):
            self.totals[k] += v
        self.totals["cost"] += cost
        return t

    def save(self):
        r, tot = self.row, self.totals
        provider, model = self.model
        self.db.execute(
            "INSERT INTO session (id, project_id, parent_id, slug, directory, path, title, version,"
            " cost, tokens_input, tokens_output, tokens_reasoning, tokens_cache_read,"
            " tokens_cache_write, agent, model, time_created, time_updated)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (r["id"], PROJECT, r["parent"], r["slug"], self.cwd, "", r["title"], "1.18.33",
             round(tot["cost"], 8), tot["input"], tot["output"], tot["reasoning"], tot["read"],
             tot["write"], self.agent, dump({"id": model, "providerID": provider}),
             r["start"], self.t))


def generate(root):
    """OpenCode: a refactor that delegates to a task subagent, and a failing migration."""
    base = os.path.join(root, ".local", "share", "opencode")
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(base)
    path = os.path.join(base, "opencode.db")
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    ids = Ids()
    shop = f"{HOME}/src/webshop"
    db.execute("INSERT INTO project VALUES (?,?,?,?,?,?,?)",
               (PROJECT, shop, "git", None, ms(150), ms(300), "[]"))
    ant = ("anthropic", "claude-sonnet-4-5")
    gpt = ("openai", "gpt-5")

    s = Session(db, ids, "ses_d3b7a91e4ffeQm8VtR2xLpK4wN", "swift-harbor", shop,
                "Move cart totals into a pricing module", ms(150))
    s.user("The cart total logic is duplicated in checkout.ts and cart.ts. Move it into a "
           "pricing module with tests.", *ant)
    task_started = s.step(*ant, (12, 48, 0, 9800, 2100), 0.01156, tool_secs=14,
           reasoning="Two copies of the total computation. Let me find every caller before "
                     "moving anything.",
           say="I'll ask a subagent to map every place that computes totals.",
           tools=[("task", {"description": "Find cart total callers",
                            "prompt": "List every function that computes a cart total or "
                                      "applies discounts, with file and line.",
                            "subagent_type": "explore"},
                   '<task id="ses_d3b7a8f02ffeHs6UcW1yJnB3vZ" state="completed">\n<task_result>\n'
                   "- src/cart.ts:41 `cartTotal()`\n- src/checkout.ts:88 `computeTotal()` "
                   "(same logic, plus shipping)\n- src/promo.ts:12 `applyDiscount()`\n"
                   "</task_result>\n</task>", None)])
    # the task subagent runs while the task call is open
    child = Session(db, ids, "ses_d3b7a8f02ffeHs6UcW1yJnB3vZ", "quiet-lantern", shop,
                    "Find cart total callers (@explore subagent)", task_started + 800,
                    parent=s.sid, agent="explore")
    child.user("List every function that computes a cart total or applies discounts, with "
               "file and line.", *gpt, gap=0.1)
    child.step(*gpt, (2210, 64, 32, 3900), 0.00774,
               reasoning="Search for total and discount helpers.",
               tools=[("grep", {"pattern": "total|discount", "include": "*.ts"},
                       "src/cart.ts:41: export function cartTotal(items)\n"
                       "src/checkout.ts:88: function computeTotal(order)\n"
                       "src/promo.ts:12: export function applyDiscount(total, code)\n", None)])
    child.step(*gpt, (640, 71, 0, 6100), 0.00228,
               say="- src/cart.ts:41 `cartTotal()`\n- src/checkout.ts:88 `computeTotal()` "
                   "(same logic, plus shipping)\n- src/promo.ts:12 `applyDiscount()`")
    child.save()
    s.step(*ant, (9, 156, 0, 11900, 640), 0.0629,
           say="Creating `src/pricing.ts` and pointing both callers at it.",
           tools=[("write", {"filePath": f"{shop}/src/pricing.ts",
                             "content": "export function subtotal(items: Item[]): number {\n"
                                        "  return items.reduce((sum, i) => sum + i.price * i.qty, 0)\n}\n"},
                   "Wrote file successfully.", None)],
           patch=[f"{shop}/src/pricing.ts", f"{shop}/src/cart.ts", f"{shop}/src/checkout.ts"])
    s.step(*ant, (7, 38, 0, 12700, 410), 0.00672,
           say="Running the tests.",
           tools=[("bash", {"command": "npm test -- pricing"},
                   "PASS  test/pricing.test.ts\n  subtotal\n    ✓ sums price × qty (2 ms)\n"
                   "    ✓ empty cart is 0 (1 ms)\n\nTests: 2 passed, 2 total\n", 0)])
    s.step(*ant, (5, 142, 0, 13100, 0), 0.00608,
           say="Done. Totals now live in `src/pricing.ts`:\n\n"
               "| function | used by |\n|---|---|\n| `subtotal()` | cart, checkout |\n"
               "| `withShipping()` | checkout |\n\nBoth old copies are gone and "
               "`test/pricing.test.ts` covers the empty cart.")

    s.save()

    api = f"{HOME}/src/api"
    m = Session(db, ids, "ses_d3b70c5a1ffeTz3NgY8pQrW6sE", "steady-river", api,
                "Add an index for orders by customer", ms(300))
    m.user("Queries on orders by customer_id are slow. Add an index with a migration.", *gpt)
    m.step(*gpt, (3480, 96, 40, 4200), 0.01448,
           reasoning="Need a new migration file, then run it against the dev database.",
           say="I'll add the migration and run it.",
           tools=[("write", {"filePath": f"{api}/migrations/0042_orders_customer_idx.sql",
                             "content": "CREATE INDEX orders_customer_idx ON orders (customer_id);\n"},
                   "Wrote file successfully.", None)],
           patch=[f"{api}/migrations/0042_orders_customer_idx.sql"])
    m.step(*gpt, (1210, 22, 0, 7900), 0.00273,
           tools=[("bash", {"command": "make migrate"},
                   "psql: error: connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" "
                   "failed: No such file or directory\nmake: *** [Makefile:14: migrate] Error 2\n", 2)])
    m.step(*gpt, (1330, 118, 0, 8000), 0.00384,
           say="The migration is written but `make migrate` failed: **Postgres is not running** "
               "locally.\n\nStart it and re-run:\n\n```bash\ndocker compose up -d db\n"
               "make migrate\n```")
    m.save()

    db.commit()
    db.close()
