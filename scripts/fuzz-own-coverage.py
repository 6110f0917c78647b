#!/usr/bin/env python3
"""How much of revisit's own code a fuzz target's corpus covers, and how much of that the
corpus gained since a moment.

libFuzzer's `cov` counts every instrumented edge: serde_json's scanner, the Unicode tables
behind `trim` and `char::is_whitespace`, float parsing, and hashbrown's probing, whose path
depends on a hash seed that changes with every map. Late in a long run most new edges are
there (`-print_pcs=1` on Claude's and Pi's parsers: derive-generated visitors, `trim_start`'s
Unicode table, `bhcomp`, hashbrown bit masks), so `cov` keeps growing by about the same
fraction at every doubling of the work. This counts the edges of functions defined in
revisit's own `src/` only (a function's edges include library code inlined into it).

It runs the target built with AddressSanitizer (whose runtime can name functions) once over
the files of the corpus that existed before `--since` (their modification time) and once
over the whole corpus, with `-runs=0 -print_coverage=1`. A file libFuzzer replaced by a
smaller one after `--since` counts as new, so the gain is, if anything, overstated.

    python3 scripts/fuzz-own-coverage.py pi --since "2026-11-24 21:10"
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FUNC = re.compile(rb"^(?:UN)?COVERED_FUNC: hits: \d+ edges: (\d+)/(\d+) (.*) (\S+:\d+)$")


def covered(binary, files):
    """(own covered edges, own edges, all covered edges, covered edges by own function)
    over `files`."""
    with tempfile.TemporaryDirectory() as d:
        for f in files:
            os.symlink(f, os.path.join(d, os.path.basename(f)))
        out = subprocess.run(
            [binary, "-runs=0", "-print_coverage=1", "-rss_limit_mb=4096", d],
            capture_output=True, env=dict(os.environ, ASAN_OPTIONS="detect_odr_violation=0"),
            cwd=d).stderr
    own_cov = own_all = every = 0
    by_func = {}
    src = (ROOT + "/src/").encode()
    for line in out.splitlines():
        m = FUNC.match(line)
        if not m:
            continue
        c, n, path = int(m.group(1)), int(m.group(2)), m.group(4)
        every += c
        if path.startswith(src):
            own_cov += c
            own_all += n
            where = path[len(src):].decode(errors="replace")
            by_func[where] = by_func.get(where, 0) + c
    return own_cov, own_all, every, by_func


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("target")
    ap.add_argument("--since", required=True, help="local time, YYYY-mm-dd HH:MM")
    ap.add_argument("--diff", action="store_true", help="also list the functions that gained")
    ap.add_argument("--bin-dir", default=os.path.join(
        ROOT, "fuzz/target/x86_64-unknown-linux-gnu/release"))
    a = ap.parse_args()
    since = time.mktime(time.strptime(a.since, "%Y-%m-%d %H:%M"))
    binary = os.path.join(os.path.abspath(a.bin_dir), a.target)
    if not os.path.exists(binary):
        sys.exit(f"{binary} is not built (cargo +nightly fuzz build)")
    corpus = os.path.join(ROOT, "fuzz/corpus", a.target)
    files = [os.path.join(corpus, f) for f in os.listdir(corpus)]
    before = [f for f in files if os.path.getmtime(f) < since]
    b = covered(binary, before)
    n = covered(binary, files)
    gain = 100.0 * (n[0] - b[0]) / b[0] if b[0] else float("nan")
    print(f"| {a.target} | {len(before):,} → {len(files):,} files | "
          f"{b[0]:,} → {n[0]:,} of {n[1]:,} ({gain:.2f} %) | {b[2]:,} → {n[2]:,} |")
    if a.diff:
        for where, c in sorted(n[3].items()):
            if c > b[3].get(where, 0):
                print(f"  +{c - b[3].get(where, 0)} {where}")


if __name__ == "__main__":
    main()
