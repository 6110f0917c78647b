"""Demo sessions for Agenix.

The demo home is read with HOME alone, so both sessions live under `~/.agenix`:
- the documented layout, `~/.agenix/sessions/<encoded dir>/<id>.json` (one JSON object with
  `working_dir`, `metadata.name` and every role), for a project under /home/demo/src;
- what the released program (0.0.2) writes when it runs in the home folder itself:
  `~/.agenix/<YYYYMMDD_HHMMSS>.jsonl`, the assistant's replies only, zero usage, `json.dumps`
  defaults (ASCII with `\\u` escapes), naive local times (UTC here) and float epoch seconds.
"""
import json
import os
import shutil
from datetime import timedelta

from common import BASE, HOME


def generate(root):
    """Agenix: a documented-layout session and a 0.0.2 session started in the home folder."""
    shutil.rmtree(os.path.join(root, ".agenix"), ignore_errors=True)
    documented(root)
    released(root)


def documented(root):
    start = BASE + timedelta(hours=5, minutes=3)
    sid = start.strftime("%Y%m%d_%H%M%S")
    cwd = f"{HOME}/src/scraper"
    t = lambda s: (start + timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def reply(s, text, calls=(), usage=(0, 0)):
        m = {"role": "assistant", "content": [{"type": "text", "text": text}] if text else [],
             "tool_calls": list(calls), "model": "gpt-4o",
             "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1],
                       "total_tokens": usage[0] + usage[1]},
             "timestamp": t(s)}
        return m

    def result(s, call, name, text, error=False):
        return {"role": "tool", "tool_call_id": call, "name": name, "content": text,
                "is_error": error, "timestamp": t(s)}

    run = {"id": "call_a1", "name": "bash", "arguments": {"command": "python -m scraper --page 2 --debug"}}
    read = {"id": "call_a2", "name": "read", "arguments": {"file_path": "scraper/pages.py"}}
    edit = {"id": "call_a3", "name": "edit", "arguments": {
        "file_path": "scraper/pages.py",
        "old_string": "    url = f\"{base}?page={page}\"",
        "new_string": "    url = f\"{base}?page={page}&per_page={PER_PAGE}\"",
    }}
    test = {"id": "call_a4", "name": "bash", "arguments": {"command": "python -m pytest -q tests/test_pages.py"}}
    messages = [
        {"role": "user", "content": "Why does the scraper return an empty list for page 2?", "timestamp": t(0)},
        reply(4, "Let me reproduce it with debug logging first.", [run], (2140, 38)),
        result(9, "call_a1", "bash",
               "DEBUG GET https://shop.example/api/items?page=2 -> 200 (0 items)\n"
               "DEBUG response header Link: <...?page=2&per_page=50>; rel=\"next\"\n[]\n"),
        reply(12, "The API answers page 2 with zero items: it expects `per_page` on every request. "
                  "Let me look at how the URL is built.", [read], (2390, 44)),
        result(13, "call_a2", "read",
               "PER_PAGE = 50\n\ndef page_url(base, page):\n    url = f\"{base}?page={page}\"\n    return url\n"),
        reply(18, "", [edit], (2610, 96)),
        result(19, "call_a3", "edit", "Edited scraper/pages.py (1 change)"),
        reply(21, "", [test], (2745, 27)),
        result(26, "call_a4", "bash", "....\n4 passed in 0.41s\n"),
        reply(29, "Fixed: `page_url` now sends `per_page` with every page, so page 2 returns the next "
                  "50 items instead of an empty list. The page tests pass (4/4).", (), (2860, 52)),
    ]
    doc = {
        "id": sid,
        "working_dir": cwd,
        "model": "gpt-4o",
        "created_at": t(0),
        "updated_at": t(29),
        "metadata": {"name": "Empty second page in the scraper", "tags": ["bug"]},
        "messages": messages,
    }
    folder = cwd.lstrip("/").replace("/", "_")
    path = os.path.join(root, ".agenix", "sessions", folder, f"{sid}.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(doc, indent=2) + "\n")


def released(root):
    start = BASE + timedelta(hours=6, minutes=41)
    sid = start.strftime("%Y%m%d_%H%M%S")
    local = lambda s: (start + timedelta(seconds=s)).replace(tzinfo=None).isoformat(timespec="microseconds")
    epoch = lambda s: round((start + timedelta(seconds=s)).timestamp(), 6)

    def line(write, created, content, calls, stop):
        return {"type": "message", "timestamp": local(write), "message": {
            "role": "assistant", "content": content, "tool_calls": calls, "model": "gpt-4o-mini",
            "usage": {"input_tokens": 0, "output_tokens": 0}, "stop_reason": stop,
            "timestamp": epoch(created)}}

    du = {"id": "call_mk1", "name": "bash", "arguments": {"command": "du -sh ~/.cache/* | sort -rh | head -5"}}
    rm = {"id": "call_mk2", "name": "bash", "arguments": {"command": "rm -rf ~/.cache/pip ~/.cache/yarn"}}
    lines = [
        {"type": "session_header", "session_id": sid, "created_at": local(0), "version": "1.0"},
        line(5, 2, [{"type": "text", "text": "Let me see what takes the space in your cache \U0001F9F9"}], [du], "tool_calls"),
        line(9, 7, [{"type": "text", "text":
            "Biggest folders in `~/.cache`:\n\n| folder | size |\n|---|---|\n| pip | 3.1G |\n"
            "| yarn | 1.4G |\n| mozilla | 612M |\n\npip and yarn only hold download caches: safe to delete."}],
            [], "stop"),
        line(40, 38, [], [rm], "tool_calls"),
        line(44, 41, [{"type": "text", "text": "Done \u2705 4.5G freed. Firefox's cache was left alone."}], [], "stop"),
    ]
    path = os.path.join(root, ".agenix", f"{sid}.jsonl")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="ascii") as f:
        for l in lines:
            f.write(json.dumps(l) + "\n")
