#!/usr/bin/env bash
# How much CPU the browser uses when nothing changes: run it on a home (a generated corpus,
# see examples/gen_corpus.rs), let it finish indexing, then count its CPU time over a minute.
#
# Usage: scripts/idle-cpu.sh HOME [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
home=${1:?usage: scripts/idle-cpu.sh HOME [SECONDS]}
secs=${2:-60}
cargo build --release --quiet
bin="$PWD/target/release/revisit"
cache="$(mktemp -d)"
sock="revisit-idle-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$cache"' EXIT
tmux -L "$sock" -f /dev/null new-session -d -s idle -x 140 -y 40 \
    "env -i HOME='$home' XDG_CACHE_HOME='$cache' TERM=xterm-256color PATH='$PATH' '$bin'"
# wait for the first index to finish (the status line says how long it took)
for _ in $(seq 1200); do
    if tmux -L "$sock" capture-pane -p -t idle | grep -q "sessions indexed in"; then
        break
    fi
    sleep 0.5
done
pid=$(pgrep -n -f "^$bin\$" || pgrep -n -f "$bin")
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
threads() { ls "/proc/$pid/task" | wc -l; }
sleep 2
before=$(ticks)
wakeups_before=$(awk '/voluntary_ctxt_switches/ {s += $2} END {print s}' /proc/"$pid"/task/*/status)
sleep "$secs"
after=$(ticks)
wakeups_after=$(awk '/voluntary_ctxt_switches/ {s += $2} END {print s}' /proc/"$pid"/task/*/status)
hz=$(getconf CLK_TCK)
echo "idle for ${secs} s: $((after - before)) ticks of CPU (1 tick = 1/${hz} s), $(( (wakeups_after - wakeups_before) / secs )) thread wake-ups per second, $(threads) threads, RSS $(awk '/VmRSS/ {print $2 / 1024 " MB"}' /proc/"$pid"/status)"
