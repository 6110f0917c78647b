"""Shared helpers for the demo session generators (see scripts/make-demo.py)."""
import json
import os
import uuid
from datetime import datetime, timedelta, timezone

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
