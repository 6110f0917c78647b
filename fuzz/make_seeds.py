#!/usr/bin/env python3
"""Write the seed corpora (fuzz/corpus/<target>/seed-*) from the test fixtures.

Run from anywhere; rewrites the seeds and leaves what fuzzing added alone (including the
`seed-finding-*` inputs: what fuzzing found, kept so every run starts from them). The fixtures are
format-faithful (see tests/fixtures/<agent>/make.py); the seeds are copies of the small ones, or
the same content in the shape a target reads (SQL scripts for databases, records for OpenCode's
JSON tree).
"""
import json
import os
import sqlite3

FUZZ = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(os.path.dirname(FUZZ), "tests", "fixtures")


def seed(target, name, data):
    d = os.path.join(FUZZ, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def read(rel):
    with open(os.path.join(FIX, rel), "rb") as f:
        return f.read()


def copy(target, rels):
    for rel in rels:
        seed(target, os.path.basename(rel), read(rel))


def sql(rel):
    """A database as a SQL script: schema and rows, one statement a line, no transaction."""
    conn = sqlite3.connect(os.path.join(FIX, rel))
    lines = [l for l in conn.iterdump() if l not in ("BEGIN TRANSACTION;", "COMMIT;")]
    conn.close()
    return "\n".join(lines) + "\n"


copy("claude", [
    "home/.claude/projects/-home-u-alpha/11111111-1111-4111-8111-111111111111.jsonl",
    "home/.claude/projects/-home-u-alpha/11111111-1111-4111-8111-111111111111/subagents/agent-bbbb2222.jsonl",
    "home/.claude/projects/-home-u-beta/22222222-2222-4222-8222-222222222222.jsonl",
    "home/.claude/projects/-home-u-beta/33333333-3333-4333-8333-333333333333.jsonl",
    "search/home/.claude/projects/-home-u-auth/aaaaaaaa-0000-4000-8000-000000000001.jsonl",
])

ROLLOUT = "home/.codex/sessions/2026/11/20/rollout-2026-11-20T10-00-00-0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee.jsonl"
copy("codex", [
    ROLLOUT,
    "home/.codex/archived_sessions/rollout-2025-06-01T08-00-00-0197bbbb-cccc-7ddd-8eee-ffffffffffff.jsonl",
    "home/.codex/session_index.jsonl",
])
# the 2025 one-file format: {session, items}, items being the rollout's response items
def response_items(text):
    for line in text.splitlines():
        try:
            v = json.loads(line)
        except ValueError:
            continue  # the fixture has broken lines on purpose
        if isinstance(v, dict) and v.get("type") == "response_item":
            yield v["payload"]


items = list(response_items(read(ROLLOUT).decode()))
seed("codex", "legacy.json", json.dumps({
    "session": {"id": "0196aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee",
                "timestamp": "2025-05-01T10:00:00.000Z", "instructions": ""},
    "items": items,
}))

GEM = "gemini/home/.gemini/tmp/"
copy("gemini", [
    GEM + "webapp/chats/session-2026-11-20T10-00-1111aaaa.jsonl",
    GEM + "webapp/chats/session-2026-11-20T10-05-1111aaaa.jsonl",
    GEM + "webapp/chats/session-2026-11-18T09-00-3333cccc.jsonl",
    GEM + "webapp/chats/session-2026-11-18T09-00-3333cccc.json",
    GEM + "webapp/chats/1111aaaa-0000-4000-8000-000000000001/2222bbbb-0000-4000-8000-000000000002.jsonl",
    GEM + "7f4cfa3050017eb64d04105ab74f98685017194777c1284a5fbfd85171bea0ba/chats/session-2025-06-02T08-00-5555eeee.json",
])

copy("agenix", [
    "agenix/projects/alpha/.agenix/20261120_101500.jsonl",
    "agenix/projects/beta/.agenix/20261122_080000.jsonl",
    "agenix/projects/beta/.agenix/20261123_120000.jsonl",
    "agenix/home/.agenix/sessions/home_u_gamma/20261121_090000.json",
    "agenix/home/.agenix/sessions/srv_nowhere_9f1c_project/20261121_093000.json",
])

PI = "pi/home/.pi/agent/sessions/"
copy("pi", [
    PI + "--home-u-shop--/2026-11-20T09-00-00-000Z_0199aaaa-1111-7222-8333-444455556666.jsonl",
    PI + "--home-u-legacy--/2025-12-01T10-30-00-000Z_0188bbbb-2222-4333-8444-555566667777.jsonl",
    PI + "--home-u-legacy--/2026-01-05T08-00-00-000Z_0189cccc-3333-4444-8555-666677778888.jsonl",
])

copy("profclaw", [
    "profclaw/api/conv-5b1c7d2e-0a41-4f3e-9d7c-2f61a8e4b901.json",
    "profclaw/api/conv-c3e8a6f0-7b25-4d19-8e0a-94d2b5f71c33.json",
    "profclaw/api/conv-e07f4b19-2c6d-4a8e-b3f5-1d9c0a7e6b22.json",
    "profclaw/api/list.json",
])

seed("agsh", "sessions.sql", sql("agsh/home/.local/share/agsh/sessions.db"))
seed("agsh", "odd.sql", sql("agsh/odd.db"))
seed("agsh", "later.sql", sql("agsh/later.db"))
seed("opencode_db", "opencode-beta.sql", sql("opencode/home/.local/share/opencode/opencode-beta.db"))
seed("opencode_db", "opencode.sql", sql("opencode/home/.local/share/opencode/opencode.db"))
seed("profclaw_db", "profclaw.sql", sql("profclaw/server/data/profclaw.db"))

# OpenCode's JSON tree: per session, its file, its messages and their parts as records
STORAGE = os.path.join(FIX, "opencode/home/.local/share/opencode/storage")


def records(project, sid):
    out = [b"@@ session " + sid.encode() + b"\n" +
           read(os.path.join(STORAGE, "session", project, sid + ".json"))]
    mdir = os.path.join(STORAGE, "message", sid)
    for m in sorted(os.listdir(mdir)) if os.path.isdir(mdir) else []:
        mid = m[:-5]
        out.append(b"@@ message " + f"{sid}/{mid}".encode() + b"\n" + read(os.path.join(mdir, m)))
        pdir = os.path.join(STORAGE, "part", mid)
        for p in sorted(os.listdir(pdir)) if os.path.isdir(pdir) else []:
            out.append(b"@@ part " + f"{mid}/{p[:-5]}".encode() + b"\n" + read(os.path.join(pdir, p)))
    return out


P = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
seed("opencode", "tokenizer", b"\n".join(records(P, "ses_e1a0000000ffeFixTokenizerA")))
seed("opencode", "parent-child", b"\n".join(
    records(P, "ses_e200000000ffeJsonOnlyReadG") + records(P, "ses_e210000000ffeJsonChildOfGH")))
seed("opencode", "global", b"\n".join(records("global", "ses_e220000000ffeGlobalProject")))

for i, q in enumerate([
    "auth bug\nFix the auth bug in login",
    '"exact phrase" pars*\nparser: exact phrase handling',
    "src/main.rs ERR_CONN-42 snake_case_fn\nsee src/main.rs",
    "日本語 你好\n你好 世界",
    "agent:codex project:api model:opus branch:main\napi work",
    "since:7d until:2026-11-01 since:today since:12h\nrecent",
    "cost>1 tokens>=50k msgs<10 is:live\nbig one",
    "-agent:codex colour:red \"error:42\"\nerror 42",
    "http://x.org/a C:\\dir std::io 0199\n0199aaaa-bbbb title",
]):
    seed("query", f"{i}", q)

for i, q in enumerate([
    "auth bug", '"quick brown fox"', "pars*", "src/main.rs", "ERR_CONN-42", "你好",
    "agent:claude auth", "NEAR(a b) OR \"x\" AND NOT y*", "-agent:codex token*",
]):
    seed("fts", f"{i}", q)

for i, s in enumerate([
    "\x1b[31mred\x1b[0m plain",
    "a\x1b]0;title\x07b\x1b]52;c;ZXZpbA==\x1b\\c",
    "\x9b31m\x9d52;x\x9cy\x90q\x1b\\",
    "a\x00b\x07c\x7f\td\r\ne\rf",
    "ab\u202ecd\u200be\u2066f\ufeff",
    "tab\there\t\tcol\n\ttrailing esc \x1b",
]):
    seed("sanitize", f"{i}", s)

# export: the text cut at \x01 into title, cwd, prompt, thinking, tool input, output, notice
for i, s in enumerate([
    "Fix <script>alert(1)</script>\x01/home/dev/src\x01key sk-ant-api03-abcdefghijklmnopqrstuvwxyz"
    "0123456789 password=hunter2\x01thinking AKIAIOSFODNN7EXAMPLE\x01"
    '{"command":"curl -H \\"Authorization: Bearer abc.def.ghi\\""}\x01'
    "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB\x01<img src=x onerror=alert(1)>",
    "Title\x01/home/dev\x01```rust\nfn main() { println!(\"[a](javascript:alert(1))\"); }\n```\x01"
    "\x01{\"file_path\":\"/home/dev/x.rs\",\"old_string\":\"a\",\"new_string\":\"b\"}\x01"
    "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\x01"
    "| a | b |\n|---|---|\n| <b> | & |",
    "dev\x01\x01TOKEN=abc123 dev's home /home/dev/.env\x01\x01[]\x01"
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl\x01\x1b]52;c;ZXZpbA==\x07",
]):
    seed("export", f"{i}", s)
