#!/usr/bin/env python3
"""Write libFuzzer dictionaries (fuzz/dict/<target>.dict) from revisit's own source.

A parser only takes its interesting paths once the input holds the words it looks for: a
record `"type"` of `"assistant"`, a `"usage"` with `"cache_read_input_tokens"`, a query's
`since:` with a `3mo`, an agsh row whose role is `user_blocks`. Without AddressSanitizer
(the build the JSON targets use) libFuzzer cannot see string comparisons made through
`memcmp`, so it learns such words only by chance. The dictionary hands them over: every
string literal of the source files that read the target's input (tests included, whose
literals are real examples), and for the JSON targets each key-like literal also quoted
(`"usage"`, `"usage":`). The database targets get SQL's words for building a table too.

    python3 fuzz/make_dicts.py      # rewrites every dictionary; scripts/fuzz-plateau.py uses them

Run it again when the parsers change. The dictionaries are derived files, tracked by git so a
fuzz run needs nothing but the build.
"""
import os
import re

FUZZ = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(FUZZ), "src")

JSON = ["sources/util.rs", "sources/mod.rs"]
SQL = ["sources/sqlite.rs"]
TARGETS = {
    "claude": (["sources/claude.rs"] + JSON, "json"),
    "codex": (["sources/codex.rs"] + JSON, "json"),
    "gemini": (["sources/gemini.rs"] + JSON, "json"),
    "agenix": (["sources/agenix.rs"] + JSON, "json"),
    "pi": (["sources/pi.rs"] + JSON, "json"),
    "opencode": (["sources/opencode.rs"] + JSON, "json"),
    "profclaw": (["sources/profclaw.rs", "sources/fuzz.rs"] + JSON, "json"),
    "opencode_db": (["sources/opencode.rs"] + SQL + JSON, "sql"),
    "agsh": (["sources/agsh.rs"] + SQL + JSON, "sql"),
    "profclaw_db": (["sources/profclaw.rs"] + SQL + JSON, "sql"),
    "query": (["search/query.rs", "search/list.rs", "search/matcher.rs"], "text"),
    "fts": (["search/query.rs", "search/fts.rs"], "text"),
    "export": (["export.rs", "export/html.rs", "redact.rs"], "text"),
}
JSON_WORDS = ["{", "}", "[", "]", ":", ",", "null", "true", "false", "-1", "0.5", "1e999",
              "18446744073709551616", "-9223372036854775809", "\"\"", "{}", "[]", "\\u0000",
              "\\ud800", "\n", "\r\n"]
SQL_WORDS = ["CREATE TABLE ", "INSERT INTO ", " VALUES(", "NULL", "PRIMARY KEY", " TEXT",
             " INTEGER", " BLOB", " REAL", "X'", "json('", "PRAGMA user_version=",
             "CREATE INDEX ", "CREATE VIEW ", "CREATE TRIGGER ", "DROP TABLE ", "ALTER TABLE ",
             " ADD COLUMN ", "DEFAULT ", "NOT NULL", "UNIQUE", "REFERENCES ", "WITHOUT ROWID",
             "CHECK(", "COLLATE NOCASE", "'", "''", ");\n", ",", "(", ")"]
LITERAL = re.compile(r'(?<![\w#\'])"((?:[^"\\\n]|\\.)*)"')
ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]+\}|x[0-9a-fA-F]{2}|.)")
KEY = re.compile(r"^[A-Za-z_$][\w.$-]*$")


def unescape(s):
    def one(m):
        e = m.group(1)
        if e.startswith("u{"):
            return chr(int(e[2:-1], 16))
        if e.startswith("x"):
            return chr(int(e[1:], 16))
        return {"n": "\n", "r": "\r", "t": "\t", "0": "\0"}.get(e, e)
    return ESCAPE.sub(one, s)


def literals(path):
    text = open(os.path.join(SRC, path), encoding="utf-8").read()
    # char literals ('"', '\"') would open a string that is not one
    text = text.replace("'\"'", "''").replace("'\\\"'", "''")
    # raw strings: r"..." and r#"..."# (SQL, mostly); their content is taken as is
    out = [m.group(2) for m in re.finditer(r'\br(#*)"(.*?)"\1', text, re.S)]
    text = re.sub(r'\br(#*)".*?"\1', '""', text, flags=re.S)
    out += [unescape(m.group(1)) for m in LITERAL.finditer(text)]
    return out


def entry(s):
    """A dictionary value: printable ASCII as is, the rest as \\xNN bytes."""
    b = s.encode("utf-8")
    return "".join(chr(c) if 32 <= c < 127 and c not in (34, 92) else f"\\x{c:02x}" for c in b)


def words(target):
    files, kind = TARGETS[target]
    seen = []
    for f in files:
        for lit in literals(f):
            # format strings and long prose teach nothing a mutation could not
            if not lit or len(lit.encode()) > 48 or ("{" in lit and "}" in lit and kind != "json"):
                continue
            seen.append(lit)
            if kind in ("json", "sql") and KEY.match(lit):
                seen.append(f'"{lit}"')
                seen.append(f'"{lit}":')
    seen += JSON_WORDS if kind in ("json", "sql") else []
    seen += SQL_WORDS if kind == "sql" else []
    out, have = [], set()
    for w in seen:
        if w not in have and len(w.encode()) <= 64:
            have.add(w)
            out.append(w)
    return out


def main():
    d = os.path.join(FUZZ, "dict")
    os.makedirs(d, exist_ok=True)
    for t in TARGETS:
        ws = words(t)
        with open(os.path.join(d, t + ".dict"), "w") as f:
            f.write(f"# {t}: written by fuzz/make_dicts.py from src/ (do not edit)\n")
            for w in ws:
                f.write(f'"{entry(w)}"\n')
        print(f"{t}: {len(ws)} words")


if __name__ == "__main__":
    main()
