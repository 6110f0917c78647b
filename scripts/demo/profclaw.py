"""Demo sessions for profclaw (an agent server: its SQLite database, no transcript files).

The database sits where a server run from a checkout in ~/profclaw keeps it
(`<server cwd>/data/profclaw.db`). profclaw has no default location revisit could find from
HOME alone, so the demo is found through `DB_PATH=<home>/profclaw/data/profclaw.db` (or
`PROFCLAW_HOME=<home>/profclaw`).
"""
import json
import os
import shutil
import sqlite3
from datetime import timedelta

from common import BASE, ts

SCHEMA = """
CREATE TABLE _migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL,
      duration_ms INTEGER NOT NULL DEFAULT 0
    );
CREATE TABLE agent_sessions (
        id TEXT PRIMARY KEY,
        parent_session_id TEXT REFERENCES agent_sessions(id),
        conversation_id TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT,
        goal TEXT,
        status TEXT NOT NULL DEFAULT 'pending',
        depth INTEGER NOT NULL DEFAULT 0,
        current_step INTEGER NOT NULL DEFAULT 0,
        max_steps INTEGER NOT NULL DEFAULT 20,
        used_budget INTEGER NOT NULL DEFAULT 0,
        max_budget INTEGER NOT NULL DEFAULT 20000,
        final_result TEXT,
        stop_reason TEXT,
        allowed_tools TEXT,
        disallowed_tools TEXT,
        created_at INTEGER NOT NULL DEFAULT CURRENT_TIMESTAMP,
        started_at INTEGER,
        completed_at INTEGER,
        updated_at INTEGER NOT NULL DEFAULT CURRENT_TIMESTAMP,
        metadata TEXT NOT NULL DEFAULT '{}'
      );
CREATE INDEX idx_agent_sessions_conversation ON agent_sessions(conversation_id);
CREATE TABLE conversations (
      id TEXT PRIMARY KEY,
      title TEXT NOT NULL,
      preset_id TEXT NOT NULL DEFAULT 'profclaw-assistant',
      task_id TEXT,
      ticket_id TEXT,
      project_id TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
CREATE TABLE conversation_messages (
      id TEXT PRIMARY KEY,
      conversation_id TEXT NOT NULL,
      role TEXT NOT NULL,
      content TEXT NOT NULL,
      model TEXT,
      provider TEXT,
      prompt_tokens INTEGER,
      completion_tokens INTEGER,
      total_tokens INTEGER,
      cost REAL,
      tool_calls TEXT,
      created_at TEXT NOT NULL,
      FOREIGN KEY (conversation_id) REFERENCES conversations(id) ON DELETE CASCADE
    );
CREATE INDEX idx_conv_messages_conv_id
    ON conversation_messages(conversation_id);
"""

def title_of(text):
    # what profclaw does with the first user message
    return text[:50] + ("..." if len(text) > 50 else "")


def ms(minutes, seconds=0):
    return int((BASE + timedelta(minutes=minutes, seconds=seconds)).timestamp() * 1000)


def exec_ok(stdout, ms_=40):
    return {"status": "completed", "exitCode": 0, "stdout": stdout, "stderr": "", "durationMs": ms_, "timedOut": False}


def generate(root):
    """profclaw: two conversations on a local server (a plain answer and an agentic turn that
    edits and tests code; an agentic turn with a failing command), with their agent runs."""
    shutil.rmtree(os.path.join(root, "profclaw"), ignore_errors=True)
    path = os.path.join(root, "profclaw", "data", "profclaw.db")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=delete")
    db.executescript(SCHEMA)
    db.execute("INSERT INTO _migrations VALUES (1, 'initial_schema', ?, 0)", (ts(300),))

    conversations = [
        {
            "id": "7d3f2c1a-5e84-4b6f-9a20-c4e1b8d5f613",
            "start": 310,
            "run": "completed",
            "turns": [
                {
                    "user": "Which endpoints does the API server expose? I want to add a health check.",
                    "model": "gpt-4o",
                    "tokens": (1184, 142),
                    "cost": 0.00438,
                    "say": "The server mounts three routers: `/api/users`, `/api/orders` and `/api/auth`.\n\n"
                           "A health check usually lives outside `/api` so load balancers can reach it "
                           "without auth. Ask me to **add it** and I will write the route and a test.",
                },
                {
                    "user": "Add it: GET /healthz returning {status: ok, version}, plus a test. Run the tests.",
                    "model": "openai",
                    "tokens": (6420, 388),
                    "calls": [
                        ("read_file", {"path": "src/server.ts"},
                         {"path": "src/server.ts", "content": "import { Hono } from 'hono';\nimport { users } from './routes/users';\n\nconst app = new Hono();\napp.route('/api/users', users);\n\nexport default app;\n", "lines": 7},
                         "success"),
                        ("edit_file", {"path": "src/server.ts", "old": "const app = new Hono();\n", "new": "const app = new Hono();\napp.get('/healthz', (c) => c.json({ status: 'ok', version: pkg.version }));\n"},
                         {"path": "src/server.ts", "replacements": 1}, "success"),
                        ("write_file", {"path": "test/healthz.test.ts", "content": "import app from '../src/server';\nimport { expect, it } from 'vitest';\n\nit('answers ok', async () => {\n  const res = await app.request('/healthz');\n  expect(await res.json()).toMatchObject({ status: 'ok' });\n});\n"},
                         {"path": "test/healthz.test.ts", "size": 214, "appended": False}, "success"),
                        ("exec", {"command": "pnpm vitest run test/healthz.test.ts"},
                         exec_ok(" ✓ test/healthz.test.ts (1 test) 12ms\n\n Test Files  1 passed (1)\n      Tests  1 passed (1)\n", 2310),
                         "success"),
                    ],
                    "say": "Added `GET /healthz` ✅\n\n| file | change |\n|---|---|\n| `src/server.ts` | new route returning `{ status: 'ok', version }` |\n"
                           "| `test/healthz.test.ts` | new test |\n\nThe test passes (1/1).",
                },
            ],
        },
        {
            "id": "a91e6b04-2f3d-4c8a-b7e5-0d6f9c2a4e18",
            "start": 420,
            "run": "running",
            "turns": [
                {
                    "user": "The nightly backup job failed again. Find out why and fix it if you can.",
                    "model": "openai",
                    "tokens": (5230, 301),
                    "calls": [
                        ("exec", {"command": "tail -n 5 /var/log/backup/nightly.log"},
                         {"success": False, "error": "Command exited with code 1"}, "error"),
                        ("exec", {"command": "journalctl --user -u backup --since yesterday -n 5 --no-pager"},
                         exec_ok("backup.sh[2211]: pg_dump: error: connection to server failed: FATAL:  password authentication failed for user \"backup\"\n"
                                 "systemd[1]: backup.service: Main process exited, code=exited, status=1/FAILURE\n", 180),
                         "success"),
                    ],
                    "say": "The log file is not readable from here ❌, but the journal shows the cause: "
                           "`pg_dump` fails with **password authentication failed for user \"backup\"**.\n\n"
                           "The password in `~/.pgpass` was probably rotated. Update it and re-run `systemctl --user start backup`.",
                },
            ],
        },
    ]

    n = 0
    for conv in conversations:
        cid, start = conv["id"], conv["start"]
        first = conv["turns"][0]["user"]
        sec = 0
        rows = []
        for turn in conv["turns"]:
            sec += 20
            n += 1
            rows.append((f"{cid[:8]}-0000-4000-8000-{n:012d}", "user", turn["user"], None, None, None, None, None, ts(start, sec)))
            sec += 9 + 3 * len(turn.get("calls", []))
            n += 1
            calls = None
            if turn.get("calls"):
                calls = [
                    {"id": f"call_{cid[:4]}_{i}", "name": name, "arguments": args, "result": result, "status": status}
                    for i, (name, args, result, status) in enumerate(turn["calls"])
                ]
            p, c = turn["tokens"]
            rows.append((f"{cid[:8]}-0000-4000-8000-{n:012d}", "assistant", turn["say"], turn["model"], "openai",
                         (p, c, p + c), turn.get("cost"), calls, ts(start, sec)))
        updated = ts(start, sec)
        db.execute(
            "INSERT INTO conversations VALUES (?, ?, 'profclaw-assistant', NULL, NULL, NULL, ?, ?)",
            (cid, title_of(first), ts(start), updated),
        )
        for mid, role, content, model, provider, tok, cost, calls, created in rows:
            p, c, t = tok if tok else (None, None, None)
            db.execute(
                "INSERT INTO conversation_messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (mid, cid, role, content, model, provider, p, c, t, cost,
                 json.dumps(calls, ensure_ascii=False, separators=(",", ":")) if calls else None, created),
            )
        db.execute(
            "INSERT INTO agent_sessions(id, conversation_id, name, goal, status, created_at, started_at, updated_at)"
            " VALUES (?, ?, 'agentic-chat', ?, ?, ?, ?, ?)",
            (f"run-{cid[:8]}", cid, conv["turns"][-1]["user"], conv["run"], ms(start, sec - 10), ms(start, sec - 10), ms(start, sec)),
        )
    db.commit()
    db.execute("VACUUM")
    db.close()
