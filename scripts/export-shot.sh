#!/usr/bin/env bash
# Export a demo session as one HTML page and render it once in headless Chromium, to
# screenshots/export-html.png (what `revisit export --format html` gives, as a browser shows it).
#
# Needs chromium (apt-get install chromium fonts-dejavu-core fonts-noto-color-emoji).
# Usage: scripts/export-shot.sh [demo session id]   (default: Claude Code's "Fix cart total
# rounding bug", which has thinking, tool calls, a failed one, a table and a code block;
# `cargo run -- --demo list` lists the others)
set -euo pipefail
cd "$(dirname "$0")/.."

command -v chromium >/dev/null || {
    echo "export-shot.sh needs chromium: apt-get install chromium fonts-dejavu-core fonts-noto-color-emoji" >&2
    exit 1
}

ID="${1:-7f3c2a10}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
PAGE="$WORK/export.html"

cargo run --release --quiet -- --demo export "$ID" --format html --out "$PAGE"
mkdir -p screenshots
# a profile of its own, so that a running Chromium is not disturbed
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$WORK/profile" \
    --window-size=1100,1400 --screenshot="$PWD/screenshots/export-html.png" "file://$PAGE" \
    2>"$WORK/chromium.log" || {
    cat "$WORK/chromium.log" >&2
    exit 1
}
echo "screenshots/export-html.png"
