"""Demo sessions for agsh (0.11 layout: ~/.local/share/agsh/sessions.db)."""
import json
import os
import shutil
import sqlite3
from datetime import timedelta

from common import BASE, HOME

SCHEMA = """
CREATE TABLE sessions (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
                       locked_by TEXT, metadata TEXT);
CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, role TEXT NOT NULL,
                       content TEXT NOT NULL, created_at TEXT NOT NULL,
                       FOREIGN KEY (session_id) REFERENCES sessions(id));
CREATE INDEX idx_messages_session_id ON messages(session_id);
CREATE TABLE oauth_tokens (provider TEXT PRIMARY KEY, access_token TEXT NOT NULL, refresh_token TEXT,
                           expires_at INTEGER, updated_at TEXT NOT NULL);
CREATE TABLE mcp_oauth_credentials (server_name TEXT PRIMARY KEY, credentials_json TEXT NOT NULL,
                                    updated_at TEXT NOT NULL);
CREATE TABLE tool_outputs (session_id TEXT NOT NULL, name TEXT NOT NULL, content TEXT NOT NULL,
                           created_at TEXT NOT NULL, PRIMARY KEY (session_id, name),
                           FOREIGN KEY (session_id) REFERENCES sessions(id));
"""


def stamp(minutes, seconds):
    """RFC 3339 with nanoseconds and +00:00, as agsh writes it."""
    t = BASE + timedelta(minutes=minutes, seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{(seconds * 7919 + minutes) % 10**9:09d}+00:00"


def context(cwd, minutes, seconds, typed):
    t = BASE + timedelta(minutes=minutes, seconds=seconds)
    date = t.strftime("%a, %d %b %Y %H:%M:%S +0000")
    return f"<context>\n[Environment context]\nWorking directory: {cwd}\nDate: {date}\n</context>\n\n{typed}"


def blocks(items):
    return json.dumps(items, ensure_ascii=False, separators=(",", ":"))


def generate(root):
    """agsh: two sessions in one database: a log search with a failing command, left with a
    stale `locked_by` (0.11 leaves it set on exit; the PID is above any PID limit, so it never
    exists), and an unlocked small refactor."""
    data = os.path.join(root, ".local", "share", "agsh")
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(data)
    db = sqlite3.connect(os.path.join(data, "sessions.db"))
    db.execute("PRAGMA journal_mode=delete")
    db.executescript(SCHEMA)

    def add(sid, start, cwd, turns, locked_by):
        sec = 0
        db.execute(
            "INSERT INTO sessions VALUES (?, ?, ?, ?, NULL)",
            (sid, stamp(start, 0), stamp(start, 0), locked_by),
        )
        for prompt, steps in turns:
            sec += 20
            rows = [("user", context(cwd, start, sec, prompt))]
            for step in steps:
                rows.append(("assistant", blocks(step["say"])))
                if "results" in step:
                    rows.append(("tool_results", blocks(step["results"])))
            # agsh writes the prompt once the first reply has arrived
            for role, content in rows:
                sec += 2
                db.execute(
                    "INSERT INTO messages(session_id, role, content, created_at) VALUES (?, ?, ?, ?)",
                    (sid, role, content, stamp(start, sec)),
                )
        db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (stamp(start, sec + 1), sid))

    def text(s):
        return {"type": "text", "text": s}

    def call(cid, name, inp):
        return {"type": "tool_use", "id": cid, "name": name, "input": inp}

    def result(cid, out, error=False):
        return {"type": "tool_result", "tool_use_id": cid, "content": [text(out)], "is_error": error}

    ops = f"{HOME}/ops"
    add(
        "6b1e2d3c-4f5a-4b6c-9d7e-8f9a0b1c2d3e",
        420,
        ops,
        [
            (
                "Which service logged the most errors in the last hour?",
                [
                    {
                        "say": [
                            {"type": "thinking", "thinking": "journalctl can filter by priority; count per unit.", "signature": "RXF3ZGVtbw=="},
                            text("Let me count error lines per unit 🔍"),
                            call("toolu_01AgshDemo1", "execute_command", {"command": "journalctl -p err --since '-1h' -o cat --output-fields=_SYSTEMD_UNIT | sort | uniq -c | sort -rn | head -3"}),
                        ],
                        "results": [result("toolu_01AgshDemo1", "     41 nginx.service\n      7 postgresql.service\n      2 cron.service\n")],
                    },
                    {
                        "say": [
                            call("toolu_01AgshDemo2", "execute_command", {"command": "ls /var/log/nginx/error.log.1"}),
                            call("toolu_01AgshDemo3", "execute_command", {"command": "tail -n 3 /var/log/nginx/error.log"}),
                        ],
                        "results": [
                            result("toolu_01AgshDemo2", "ls: cannot access '/var/log/nginx/error.log.1': No such file or directory\n\nExit code: 2", True),
                            result("toolu_01AgshDemo3", "2026/11/23 15:58:02 [error] 812#812: *3301 upstream timed out (110: Connection timed out) while reading response header from upstream, upstream: \"http://127.0.0.1:8080/api/orders\"\n" * 3),
                        ],
                    },
                    {
                        "say": [text("**nginx** leads with 41 errors, all `upstream timed out` on `/api/orders`: the API behind it is slow, not nginx itself. There is no rotated `error.log.1` yet.\n\n| unit | errors |\n|---|---|\n| nginx | 41 |\n| postgresql | 7 |\n| cron | 2 |")],
                    },
                ],
            ),
            (
                "Show me the slowest queries postgres logged",
                [
                    {
                        "say": [call("toolu_01AgshDemo4", "execute_command", {"command": "grep -h 'duration:' /var/log/postgresql/*.log | sort -t: -k4 -rn | head -2"})],
                        "results": [result("toolu_01AgshDemo4", "duration: 9412.551 ms  statement: SELECT * FROM orders WHERE customer_email ILIKE '%@example.com'\nduration: 8120.003 ms  statement: SELECT * FROM orders WHERE customer_email ILIKE '%@example.org'\n")],
                    },
                    {"say": [text("Both are `ILIKE '%…'` scans on `orders.customer_email` (9.4 s and 8.1 s): a leading wildcard cannot use a b-tree index. A trigram index (`CREATE INDEX … USING gin (customer_email gin_trgm_ops)`) would fix it, and the nginx timeouts with it.")]},
                ],
            ),
        ],
        "4194311",
    )
    tools = f"{HOME}/src/tools"
    add(
        "a2b3c4d5-e6f7-4a8b-9c0d-1e2f3a4b5c6d",
        505,
        tools,
        [
            (
                "Rename the `fetch_all` helper to `fetch_pages` in backup.py",
                [
                    {
                        "say": [text("Reading the file first."), call("toolu_01AgshDemo5", "read_file", {"path": "backup.py"})],
                        "results": [result("toolu_01AgshDemo5", "import requests\n\n\ndef fetch_all(url):\n    pages = []\n    while url:\n        r = requests.get(url, timeout=10)\n        pages.append(r.json())\n        url = r.links.get('next', {}).get('url')\n    return pages\n\n\nprint(len(fetch_all('https://example.com/api/items')))\n")],
                    },
                    {
                        "say": [call("toolu_01AgshDemo6", "edit_file", {"path": "backup.py", "old_text": "fetch_all", "new_text": "fetch_pages", "replace_all": True})],
                        "results": [result("toolu_01AgshDemo6", "Replaced 2 occurrences in 'backup.py'")],
                    },
                    {"say": [text("Renamed `fetch_all` → `fetch_pages` (the definition and its one call) ✅")]},
                ],
            ),
        ],
        None,
    )
    db.commit()
    db.close()
