#!/usr/bin/env python3
"""Runs cargo-fuzz targets one after the other until each reaches a plateau.

A target has reached its plateau when doubling all the work done on it found almost nothing
new: this run has executed at least as many inputs as every earlier run together (counted in
`fuzz/corpus/<target>.executions`), and libFuzzer's edge coverage (`cov`) grew by less than
`--flat` per cent (0.5) over the last half of this run's executions, or did not grow for
`--quiet` seconds of fuzzing and the last third of the run at least. Each run starts
from the target's corpus (`fuzz/corpus/<target>`, which earlier runs grew), so running this
again continues where the last run stopped. (A short run from a grown corpus always looks
flat: Claude's parser grew 2.6 % over the last half of a 30-minute run, then 0.3 % over the
last half of a 4-minute run right after it. Hence the doubling of all the work.) The fuzzer is niced, so builds and tests beside it
keep their speed; "seconds" are the fuzzer's own CPU seconds, not wall time, so a busy machine
does not fake a plateau.

    cargo +nightly fuzz build            # once, or after the parsers change
    cargo +nightly fuzz build -s none --target-dir fuzz/target-nosan   # no AddressSanitizer
    python3 scripts/fuzz-plateau.py      # all targets; or name some: ... claude pi
    python3 scripts/fuzz-plateau.py --quiet 600 --cap 3600 gemini   # stricter
    python3 scripts/fuzz-plateau.py --bin-dir fuzz/target-nosan/x86_64-unknown-linux-gnu/release claude
    python3 scripts/fuzz-plateau.py --minimize claude   # shrink the corpus before a commit (git tracks it)
    python3 scripts/fuzz-plateau.py --history           # the README's table, from fuzz/corpus/*.history

Each run uses the target's dictionary, fuzz/dict/<target>.dict (fuzz/make_dicts.py), unless
--no-dict.

Prints one Markdown table row per target (the README's Fuzzing table). A crash stops that
target; its input is in fuzz/artifacts/<target>/.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = ["claude", "codex", "gemini", "agenix", "pi", "opencode", "opencode_db", "agsh",
           "profclaw_db", "profclaw", "query", "fts", "sanitize", "export"]
STATUS = re.compile(rb"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+)")


def cpu_seconds(pid):
    """User + system CPU seconds of a process (Linux)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def statuses(text):
    """(executions, cov) of every status line of a log."""
    out = []
    for line in text.splitlines():
        m = STATUS.match(line)
        if m:
            out.append((int(m.group(1)), int(m.group(2))))
    return out


def growth_last_half(points):
    """Per cent growth of cov over the last half of the executions (None: too few points)."""
    if not points:
        return None
    execs, cov = points[-1]
    before = [c for e, c in points if e <= execs // 2]
    if not before or before[-1] == 0:
        return None
    return 100.0 * (cov - before[-1]) / before[-1]


ASAN_ENV = dict(os.environ, ASAN_OPTIONS="detect_odr_violation=0")


def at_plateau(doubled, growth, flat):
    """The rule: a run that doubled all the work before it, with cov growing less than `flat`
    per cent over its last half."""
    return doubled and growth is not None and growth < flat


def target_binary(bin_dir, target):
    binary = os.path.join(os.path.abspath(bin_dir), target)
    if not os.path.exists(binary):
        sys.exit(f"{binary} is not built (cargo +nightly fuzz build)")
    return binary


def executions_file(target):
    return os.path.join(ROOT, "fuzz/corpus", target + ".executions")


def prior_executions(target):
    try:
        with open(executions_file(target)) as f:
            return int(f.read().strip() or 0)
    except (OSError, ValueError):
        return 0


def dictionary(target):
    """(path, entries) of the target's libFuzzer dictionary (fuzz/make_dicts.py), or None."""
    path = os.path.join(ROOT, "fuzz/dict", target + ".dict")
    try:
        with open(path) as f:
            n = sum(1 for l in f if l.strip() and not l.startswith("#"))
    except OSError:
        return None
    return (path, n) if n else None


def run(target, quiet, cap, flat, logdir, bin_dir, until_doubled=False, use_dict=True):
    binary = target_binary(bin_dir, target)
    corpus = os.path.join(ROOT, "fuzz/corpus", target)
    prior = prior_executions(target)
    artifacts = os.path.join(ROOT, "fuzz/artifacts", target) + "/"
    os.makedirs(artifacts, exist_ok=True)
    log_path = os.path.join(logdir, f"{target}.log")
    files_before = len(os.listdir(corpus))
    words = dictionary(target) if use_dict else None
    with open(log_path, "wb") as log:
        p = subprocess.Popen(
            ["nice", "-n", "19", binary, f"-artifact_prefix={artifacts}", "-print_final_stats=1",
             "-rss_limit_mb=2048", f"-max_total_time={cap * 4}"]
            + ([f"-dict={words[0]}"] if words else []) + [corpus],
            stdout=log, stderr=subprocess.STDOUT, cwd=logdir, env=ASAN_ENV)
    # nice execs the fuzzer in place, so p.pid is the fuzzer itself.
    last_cov, last_cov_cpu, last_cov_execs = None, 0.0, 0
    execs, cov, ft, cpu = 0, 0, 0, 0.0
    plateau = False
    while p.poll() is None:
        time.sleep(5)
        c = cpu_seconds(p.pid)
        if c is not None:
            cpu = c
        with open(log_path, "rb") as f:
            f.seek(max(0, os.path.getsize(log_path) - 20000))
            tail = f.read().splitlines()
        for line in reversed(tail):
            m = STATUS.match(line)
            if m:
                execs, cov, ft = (int(g) for g in m.groups())
                break
        if cov != last_cov:
            last_cov, last_cov_cpu, last_cov_execs = cov, cpu, execs
        doubled = execs >= prior
        if until_doubled and doubled and execs > 0:
            break
        if doubled and cpu - last_cov_cpu >= max(quiet, last_cov_cpu / 2):
            plateau = True
            break
        with open(log_path, "rb") as f:
            g = growth_last_half(statuses(f.read()))
        if doubled and cpu >= quiet and g is not None and g < flat:
            plateau = True
            break
        if cpu >= cap:
            break
    if p.poll() is None:
        p.terminate()
        p.wait()
    text = open(log_path, "rb").read()
    # a "slow unit" is not a finding: a unit's wall time also counts while the machine is
    # busy elsewhere (or the fuzzer stopped)
    crashed = bool(re.search(rb"ERROR: libFuzzer|deadly signal|panicked at|"
                             rb"Test unit written to \S*/(crash|leak|timeout|oom)-", text))
    m = re.search(rb"stat::number_of_executed_units: (\d+)", text)
    if m:
        execs = int(m.group(1))
    growth = growth_last_half(statuses(text))
    # --until-doubled stops the run the moment it doubled, before the loop's checks
    plateau = plateau or at_plateau(execs >= prior, growth, flat)
    with open(executions_file(target), "w") as f:
        f.write(f"{prior + execs}\n")
    # one line per run: whether growth per doubling shrinks shows in this history
    with open(os.path.join(ROOT, "fuzz/corpus", target + ".history"), "a") as f:
        g = "?" if growth is None else f"{growth:.2f}"
        f.write(f"{time.strftime('%Y-%m-%d %H:%M')} {os.path.relpath(os.path.abspath(bin_dir), ROOT)} "
                f"execs={execs} all={prior + execs} doubled={execs >= prior} cov={cov} "
                f"ft={ft} cpu={cpu:.0f} growth_last_half={g} dict={words[1] if words else 0}\n")
    return {
        "target": target, "execs": execs, "cov": cov, "ft": ft, "cpu": cpu,
        "plateau": plateau, "crashed": crashed, "quiet_since": cpu - last_cov_cpu,
        "cov_at": last_cov_execs, "files": (files_before, len(os.listdir(corpus))),
        "growth": growth, "all": prior + execs, "doubled": execs >= prior,
    }


def minimize(target, bin_dir, logdir):
    """Shrinks a target's corpus to the fewest files that keep its coverage (libFuzzer's
    `-merge=1`), keeping every seed under its own name. Returns (files before, after), or
    None when the merge failed (the corpus is then left as it was)."""
    binary = target_binary(bin_dir, target)
    corpus = os.path.join(ROOT, "fuzz/corpus", target)
    names = os.listdir(corpus)
    with tempfile.TemporaryDirectory(dir=os.path.join(ROOT, "fuzz")) as tmp:
        kept = os.path.join(tmp, "kept")
        os.mkdir(kept)
        # the seeds first, so the merge only adds what they do not already cover
        for n in names:
            if n.startswith("seed-"):
                shutil.copy2(os.path.join(corpus, n), kept)
        with open(os.path.join(logdir, f"{target}.merge.log"), "wb") as log:
            r = subprocess.run(
                ["nice", "-n", "19", binary, "-merge=1", "-rss_limit_mb=2048",
                 f"-artifact_prefix={tmp}/", kept, corpus],
                stdout=log, stderr=subprocess.STDOUT, cwd=tmp, env=ASAN_ENV)
        if r.returncode != 0:
            return None
        for n in names:
            if not n.startswith("seed-"):
                os.remove(os.path.join(corpus, n))
        for n in os.listdir(kept):
            if not n.startswith("seed-"):
                shutil.move(os.path.join(kept, n), os.path.join(corpus, n))
    return len(names), len(os.listdir(corpus))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("targets", nargs="*", default=TARGETS)
    ap.add_argument("--quiet", type=int, default=240,
                    help="CPU seconds without new coverage that make a plateau (240)")
    ap.add_argument("--cap", type=int, default=900, help="CPU seconds at most per target (900)")
    ap.add_argument("--flat", type=float, default=0.5,
                    help="per cent growth of cov over the last half of the run that is flat (0.5)")
    ap.add_argument("--until-doubled", action="store_true",
                    help="stop a target once this run doubled all the work done on it "
                         "(its growth over the last half is then the growth of that doubling)")
    ap.add_argument("--minimize", action="store_true",
                    help="only shrink each corpus to the files that keep its coverage "
                         "(seeds are always kept), with the build of --bin-dir")
    ap.add_argument("--report", action="store_true",
                    help="only print the table from the logs of an earlier run")
    ap.add_argument("--history", action="store_true",
                    help="only print the README's table from fuzz/corpus/<target>.history "
                         "(every run since the count began; the logs are not needed)")
    ap.add_argument("--no-dict", action="store_true",
                    help="fuzz without the target's dictionary (fuzz/dict/<target>.dict, "
                         "written by fuzz/make_dicts.py), as rounds 1-11 did")
    ap.add_argument("--logs", default="/tmp/revisit-fuzz", help="where the logs go")
    ap.add_argument("--bin-dir", default=os.path.join(ROOT, "fuzz/target/x86_64-unknown-linux-gnu/release"),
                    help="where the built targets are (another --target-dir: "
                         "fuzz/target-nosan/x86_64-unknown-linux-gnu/release)")
    a = ap.parse_args()
    if a.history:
        print_history(a.targets, a.flat)
        return 0
    os.makedirs(a.logs, exist_ok=True)
    if a.minimize:
        for t in a.targets:
            r = minimize(t, a.bin_dir, a.logs)
            print(f"{t}: " + ("merge failed, corpus unchanged (see its .merge.log)" if r is None
                              else f"{r[0]:,} files -> {r[1]:,}"), flush=True)
        return 0
    print("| target | executions (this run) | all runs | cov / ft | CPU time | cov growth, last half | plateau | findings |")
    print("|---|---:|---:|---:|---:|---:|---|---|")
    for t in a.targets:
        if a.report:
            r = report(t, a.logs, a.flat)
            if r is None:
                continue
        else:
            r = run(t, a.quiet, a.cap, a.flat, a.logs, a.bin_dir, a.until_doubled,
                    not a.no_dict)
        g = "?" if r["growth"] is None else f"{r['growth']:.2f} %"
        verdict = "yes" if r["plateau"] else ("no (doubled)" if r.get("doubled") else "no (cap)")
        if r["crashed"]:
            verdict = "stopped"
        cpu = "?" if r["cpu"] is None else f"{r['cpu'] / 60:.0f} min"
        print(f"| {t} | {r['execs']:,} | {r.get('all', prior_executions(t)):,} "
              f"| {r['cov']:,} / {r['ft']:,} | {cpu} "
              f"| {g} | {verdict} "
              f"| {'CRASH, see fuzz/artifacts/' + t if r['crashed'] else 'none'} |", flush=True)


def history(target):
    """The runs recorded in fuzz/corpus/<target>.history, oldest first, as dicts."""
    try:
        lines = open(os.path.join(ROOT, "fuzz/corpus", target + ".history")).read().splitlines()
    except OSError:
        return []
    runs = []
    for line in lines:
        parts = line.split()
        if len(parts) < 4:
            continue
        r = dict(kv.split("=", 1) for kv in parts[3:] if "=" in kv)
        r["build"] = parts[2]
        runs.append(r)
    return runs


def number(run, key):
    """A count of a .history line (0 when it is missing or not a number)."""
    try:
        return int(float(run.get(key, "0")))
    except ValueError:
        return 0


def growth_text(g):
    """A .history growth as the table shows it: "1.23 %", or "?" when it was not known."""
    return g if g == "?" else g + " %"


def print_history(targets, flat):
    """The README's table, rebuilt from the .history files alone. A target is at its plateau
    when its latest run doubled all the work before it and cov grew less than `flat` per cent
    over that run's last half."""
    print("| target | build | executions, all runs | runs: cov growth over each one's last half "
          "(`d`: it doubled all the work before it; `w`: with the dictionary) | latest run: executions, CPU | cov / ft after it "
          "| plateau |")
    print("|---|---|---:|---|---:|---:|---|")
    for t in targets:
        runs = history(t)
        if not runs:
            continue
        last = runs[-1]
        growths = ", ".join(
            growth_text(r.get("growth_last_half", "?"))
            + (" d" if r.get("doubled") == "True" else "")
            + (" w" if r.get("dict", "0") not in ("0", "") else "") for r in runs)
        build = "no sanitizer" if "nosan" in last["build"] else "AddressSanitizer"
        try:
            growth = float(last["growth_last_half"])
        except (KeyError, ValueError):
            growth = None
        flat_now = at_plateau(last.get("doubled") == "True", growth, flat)
        print(f"| {t} | {build} | {number(last, 'all'):,} | {growths} "
              f"| {number(last, 'execs'):,}, {round(number(last, 'cpu') / 60)} min "
              f"| {number(last, 'cov'):,} / {number(last, 'ft'):,} | {'**yes**' if flat_now else 'no'} |")


def report(target, logdir, flat):
    """What the log of an earlier run says (its CPU time only when it ran to its end)."""
    path = os.path.join(logdir, f"{target}.log")
    if not os.path.exists(path):
        return None
    text = open(path, "rb").read()
    points = statuses(text)
    last = [l for l in text.splitlines() if STATUS.match(l)]
    ft = int(re.search(rb"ft: (\d+)", last[-1]).group(1)) if last else 0
    m = re.search(rb"stat::number_of_executed_units: (\d+)", text)
    execs = int(m.group(1)) if m else (points[-1][0] if points else 0)
    growth = growth_last_half(points)
    m = re.search(rb"Done \d+ runs in (\d+) second", text)
    return {
        "execs": execs, "cov": points[-1][1] if points else 0, "ft": ft,
        "cpu": int(m.group(1)) if m else None, "growth": growth,
        "plateau": growth is not None and growth < flat,
        "crashed": bool(re.search(rb"ERROR: libFuzzer|deadly signal|panicked at", text)),
    }


if __name__ == "__main__":
    sys.exit(main())
