#!/usr/bin/env bash
# Peak memory of revisit on a home (a generated corpus, see examples/gen_corpus.rs):
#   1. `revisit index` from scratch (peak RSS of the command, from /usr/bin/time);
#   2. the browser on the indexed home: RSS and peak RSS once the list is shown, after paging
#      to the end of the list, and after opening the largest session (by messages) at its end.
#
# Usage: scripts/memory.sh HOME [SESSIONS_SHOWN_TEXT]
#   e.g. scripts/memory.sh /tmp/c2g/home
set -euo pipefail
cd "$(dirname "$0")/.."
home=${1:?usage: scripts/memory.sh HOME}
cargo build --release --quiet
bin="$PWD/target/release/revisit"
cache="$(mktemp -d)"
sock="revisit-mem-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$cache"' EXIT

kb_to_mb() { awk -v k="$1" 'BEGIN {printf "%.0f MB", k / 1024}'; }

# 1. a cold index, as a command
/usr/bin/time -f "%M" -o "$cache/time.txt" \
    env -i HOME="$home" XDG_CACHE_HOME="$cache" PATH="$PATH" "$bin" index >"$cache/index.txt"
echo "index: $(cat "$cache/index.txt" | head -1)"
echo "index: peak RSS $(kb_to_mb "$(tail -1 "$cache/time.txt")")"

# 2. the browser on the indexed home
tmux -L "$sock" -f /dev/null new-session -d -s mem -x 160 -y 45 \
    "env -i HOME='$home' XDG_CACHE_HOME='$cache' TERM=xterm-256color PATH='$PATH' '$bin'"
wait_for() {
    for _ in $(seq 1200); do
        if tmux -L "$sock" capture-pane -p -t mem | grep -qF -- "$1"; then
            return 0
        fi
        sleep 0.25
    done
    echo "memory.sh: timed out waiting for '$1'" >&2
    tmux -L "$sock" capture-pane -p -t mem >&2
    exit 1
}
keys() { tmux -L "$sock" send-keys -t mem "$@"; }
wait_for "sessions indexed in"
pid=$(tmux -L "$sock" display -p -t mem '#{pane_pid}')
rss() { awk '/^VmRSS/ {r = $2} /^VmHWM/ {h = $2} END {printf "RSS %.0f MB, peak %.0f MB", r / 1024, h / 1024}' "/proc/$pid/status"; }
sleep 1
echo "browser, list shown: $(rss)"
keys End
sleep 1
keys Home
sleep 1
echo "browser, list paged to the end and back: $(rss)"
# the session with the most messages, opened at its end
keys /
sleep 0.3
keys -l "msgs>5000"
sleep 1
keys Enter
sleep 0.5
if tmux -L "$sock" capture-pane -p -t mem | grep -q "Sessions (0 of"; then
    echo "browser: no session of over 5,000 messages to open"
else
    keys Enter
    wait_for "all folded"
    keys G
    sleep 2
    echo "browser, the largest session open at its end: $(rss)"
fi
keys Escape Escape q
