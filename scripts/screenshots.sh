#!/usr/bin/env bash
# Real captures of revisit on its bundled demo sessions, written to screenshots/*.png.
#
# The release binary runs in tmux; `tmux capture-pane -e` keeps the colours as ANSI escapes,
# aha turns them into HTML and headless Chromium takes the picture. Needs (Debian/Ubuntu):
#   apt-get install tmux aha chromium fonts-dejavu-core fonts-noto-cjk fonts-noto-color-emoji
#
# Usage: scripts/screenshots.sh [name…]   (default: all of them)
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in tmux aha chromium; do
    command -v "$tool" >/dev/null || {
        echo "screenshots.sh needs $tool: apt-get install tmux aha chromium fonts-dejavu-core fonts-noto-cjk fonts-noto-color-emoji" >&2
        exit 1
    }
done

cargo build --release --quiet
BIN="$PWD/target/release/revisit"
OUT="$PWD/screenshots"
WORK="$(mktemp -d)"
SOCK="revisit-shots-$$"
mkdir -p "$OUT" "$WORK/bin"
# a stand-in `claude` for the resume shot (the demo's directories do not exist here, so `r`
# asks before resuming from elsewhere; nothing is run)
printf '#!/bin/sh\necho "stand-in claude $*"\n' >"$WORK/bin/claude"
chmod +x "$WORK/bin/claude"
trap 'tmux -L "$SOCK" kill-server 2>/dev/null || true; rm -rf "$WORK"' EXIT

# Wait until the pane shows some text (up to 10 s).
wait_for() {
    local session=$1 needle=$2
    for _ in $(seq 100); do
        if tmux -L "$SOCK" capture-pane -p -t "$session" | grep -qF -- "$needle"; then
            return 0
        fi
        sleep 0.1
    done
    echo "screenshots.sh: timed out waiting for '$needle' in $session:" >&2
    tmux -L "$SOCK" capture-pane -p -t "$session" >&2
    exit 1
}

# shot NAME THEME COLS ROWS STEP…
# A step is a tmux key name (`Enter`, `j`, `C-f`), `type:TEXT` (typed literally),
# `wait:TEXT` (wait until it shows) or `sleep:SECONDS`.
shot() {
    local name=$1 theme=$2 cols=$3 rows=$4
    shift 4
    local home="$WORK/$name"
    mkdir -p "$home/config/revisit" "$home/cache"
    printf 'theme = "%s"\n' "$theme" >"$home/config/revisit/config.toml"
    tmux -L "$SOCK" -f /dev/null new-session -d -s "$name" -x "$cols" -y "$rows" \
        "env -i HOME='$home' XDG_CONFIG_HOME='$home/config' XDG_CACHE_HOME='$home/cache' TZ=UTC LANG=C.UTF-8 TERM=xterm-256color COLORTERM=truecolor PATH='$WORK/bin:$PATH' '$BIN' --demo"
    wait_for "$name" "Sessions ("
    sleep 0.5
    for step in "$@"; do
        case "$step" in
        type:*) tmux -L "$SOCK" send-keys -t "$name" -l "${step#type:}" ;;
        wait:*) wait_for "$name" "${step#wait:}" ;;
        sleep:*) sleep "${step#sleep:}" ;;
        *) tmux -L "$SOCK" send-keys -t "$name" "$step" ;;
        esac
        sleep 0.15
    done
    sleep 0.4
    tmux -L "$SOCK" capture-pane -e -p -t "$name" >"$WORK/$name.ans"
    tmux -L "$SOCK" kill-session -t "$name"

    local bg=black fg=white aha_flags=(--black)
    if [ "$theme" = light ]; then
        bg=white fg=black aha_flags=()
    fi
    # wide characters (CJK, emoji) get exactly two columns, as in the terminal
    aha "${aha_flags[@]}" --no-header <"$WORK/$name.ans" |
        perl -CSD -pe 's/([\p{Ea=W}\p{Ea=F}])/<span class="w">$1<\/span>/g' >"$WORK/$name.body"
    # 8.43 px per column and 17 px per row at 14 px DejaVu Sans Mono
    local w=$((cols * 843 / 100 + 24)) h=$((rows * 17 + 24))
    {
        printf '<!DOCTYPE html><html><head><meta charset="utf-8"><style>'
        printf 'html,body{margin:0;background:%s;color:%s}' "$bg" "$fg"
        printf '.w{display:inline-block;width:2ch;text-align:center}'
        printf 'pre{margin:12px;font:14px/17px "DejaVu Sans Mono","Noto Sans Mono CJK SC","Noto Color Emoji",monospace;white-space:pre}'
        printf '</style></head><body><pre>'
        cat "$WORK/$name.body"
        printf '</pre></body></html>\n'
    } >"$WORK/$name.html"
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --window-size="$w,$h" --screenshot="$OUT/$name.png" "file://$WORK/$name.html" \
        >/dev/null 2>&1
    echo "screenshots/$name.png"
}

SELECTED="$*"
want() { [ -z "$SELECTED" ] || [[ " $SELECTED " == *" $1 "* ]]; }

# The session list, all eight agents.
want list && shot list dark 140 36
# A transcript with its tool calls folded (one line each)…
want transcript-folded && shot transcript-folded dark 140 40 \
    / type:"rounding bug" sleep:0.6 Enter Enter wait:"⚙"
# …and the same with everything open: diffs, highlighted code, tool output.
want transcript-open && shot transcript-open dark 140 40 \
    / type:"rounding bug" sleep:0.6 Enter Enter wait:"⚙" z z wait:"everything open" J J J J J J J
# Highlighted code in an answer, and find in the transcript.
want code && shot code dark 140 40 \
    / type:"pricing module" sleep:0.6 Enter Enter wait:"⚙" / type:pricing Enter wait:"find:"
# The help overlay, generated from the keymap.
want help && shot help dark 140 40 Enter '?' wait:"Keys"
# The light theme.
want light && shot light light 140 40 \
    / type:"rounding bug" sleep:0.6 Enter Enter wait:"⚙" z z wait:"everything open"
# Resuming a Claude Code session whose directory is gone: the question before the hand-off.
want resume && shot resume dark 140 36 / type:"agent:claude rounding" sleep:0.6 Enter r wait:"Resume from here?"
# Cost and token stats of every session, by model.
want keep && shot keep dark 140 36 / type:"agent:claude rounding" sleep:0.6 Enter R C-u type:"Cart rounding (shipped)" Enter wait:"renamed to" \
    t type:"review billing" Enter wait:"tags:" a wait:"archived:" D wait:"Delete?"
want stats && shot stats dark 140 40 '$' wait:"cost per day" b b b b wait:"by model"
