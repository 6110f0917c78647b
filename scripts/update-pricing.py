#!/usr/bin/env python3
"""Derive revisit's price table, assets/pricing.json, from two LiteLLM price lists.

revisit prices each assistant turn from tokens x prices (src/pricing.rs). The prices come from
LiteLLM's `model_prices_and_context_window.json`, the table ccusage uses too. Two copies are read:

  NEWEST  a recent LiteLLM list: its prices win for every model it has;
  OLDER   litellm 1.103.3, the last release that still lists models old sessions use
          (claude-sonnet-4-20250514, claude-opus-4-1, claude-3-7-sonnet-20250219,
          gemini-3-pro-preview...), which later releases dropped.

Usage (standard library only; run from anywhere):

    python3 scripts/update-pricing.py [NEWEST [OLDER]] [--newest-version V] [--older-version V]

Without arguments it reads ../shared/data/litellm-model-prices.json (litellm 1.109.1) and
../shared/data/litellm-model-prices-1.103.3.json, relative to the repository, and writes
assets/pricing.json. The LiteLLM version of a file is taken from a name like
`...-1.110.0.json`; give it with --newest-version / --older-version otherwise.

To refresh with a newer list, get one of:

  * the copy LiteLLM ships in its wheel (a released, versioned file):
        pip download --no-deps litellm==1.110.0 -d /tmp/litellm
        unzip -p /tmp/litellm/litellm-1.110.0-*.whl \\
            litellm/model_prices_and_context_window_backup.json > /tmp/litellm-model-prices-1.110.0.json
  * or the file on LiteLLM's main branch (what ccusage fetches; no version, so name one):
        curl -fsSL -o /tmp/litellm-model-prices.json \\
            https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json

then run
        python3 scripts/update-pricing.py /tmp/litellm-model-prices-1.110.0.json
and commit assets/pricing.json (the file is deterministic: same inputs, same bytes). The output
records both files' versions and SHA-256s.

What goes into the table (USD per token, as LiteLLM gives them):

  * every chat/responses model with input_cost_per_token > 0 and output_cost_per_token > 0:
    input, output, and when LiteLLM has them cache_read (cache_read_input_token_cost),
    cache_write (cache_creation_input_token_cost), cache_write_1h
    (cache_creation_input_token_cost_above_1hr) and above_200k {input, output, cache_read,
    cache_write} (the *_above_200k_tokens prices). Missing cache prices are left out: the Rust
    side decides the fallback (src/pricing.rs);
  * keys are plain model names. A provider-prefixed LiteLLM key (anthropic/, openai/, gemini/,
    xai/, deepseek/, mistral/, moonshot/, zai/, minimax/, dashscope/, vertex_ai/, bedrock/...)
    or a Bedrock id (us.anthropic.claude-...-v1:0) adds its stripped name only when no plain
    key has the same normalised name (the normalisation of src/pricing.rs); the first-party
    providers are preferred, then Vertex AI, then Bedrock. Resellers and hosts (azure/,
    openrouter/, fireworks_ai/, together_ai/, ...) are not used: their prices are theirs;
  * skipped: batch/flex/priority variants (only the standard prices are kept), image, audio,
    speech, realtime and embedding models, fine-tune templates (ft:...) and sample_spec;
  * a model in both lists takes the newest list's prices, except that when the newest list has
    no above_200k tier for it and the older one does, the older tier is kept. LiteLLM 1.103.7+
    dropped the tier from claude-sonnet-4-5 and others, but Anthropic still bills requests
    over 200k input tokens at the long-context rates; those models are listed in the output's
    `tiers_from_older`.
"""

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_NEWEST = REPO / ".." / "shared" / "data" / "litellm-model-prices.json"
DEFAULT_OLDER = REPO / ".." / "shared" / "data" / "litellm-model-prices-1.103.3.json"
DEFAULT_VERSIONS = {DEFAULT_NEWEST.name: "1.109.1", DEFAULT_OLDER.name: "1.103.3"}
OUTPUT = REPO / "assets" / "pricing.json"
SOURCE_URL = "https://pypi.org/project/litellm/{version}/"

MODES = {"chat", "responses"}

# Provider prefixes whose stripped names may be used, best first. Resellers and hosts (azure,
# openrouter, fireworks_ai, together_ai, ...) are left out on purpose.
PROVIDER_RANK = [
    ("anthropic", "openai", "gemini"),
    ("xai", "deepseek", "mistral", "moonshot", "zai", "minimax", "dashscope"),
    ("vertex_ai",),
    ("bedrock", "bedrock_converse"),
]

SKIP_NAME = re.compile(
    r"(^ft:)|(^sample_spec$)"
    r"|(^|[-_.])(batch|flex|priority)($|[-_.])"
    r"|(^|[-_.])(audio|image|images|tts|speech|realtime|transcribe|transcription|embed|embedding|whisper|dall-e)($|[-_.\d])"
)

TIER_KEYS = {
    "input": "input_cost_per_token_above_200k_tokens",
    "output": "output_cost_per_token_above_200k_tokens",
    "cache_read": "cache_read_input_token_cost_above_200k_tokens",
    "cache_write": "cache_creation_input_token_cost_above_200k_tokens",
}


# --- the normalisation of src/pricing.rs (keep the two in step) --------------------------------

PREFIX_SEGMENT = re.compile(r"^[a-z][a-z0-9_-]*$")


def strip_provider(name):
    """Lower-case; drop a `provider/.../` path, up to two Bedrock `region.` / `vendor.` prefixes and
    a Bedrock version suffix (`-v1:0`, `:0`; a bare `-v1` only after a Bedrock prefix)."""
    s = name.strip().lower()
    s = s.rsplit("/", 1)[-1]
    dotted = False
    for _ in range(2):
        head, dot, rest = s.partition(".")
        if dot and PREFIX_SEGMENT.match(head) and rest[:1].isascii() and rest[:1].isalpha():
            s = rest
            dotted = True
        else:
            break
    m = re.search(r":\d+$", s)
    if m:
        s = s[: m.start()]
        s = re.sub(r"-v\d+$", "", s)
    elif dotted:
        s = re.sub(r"-v\d+$", "", s)
    return s


def normalise(name):
    """strip_provider, then drop a date suffix (`@...`, `-20250929`, `-2025-04-14`) and write dots
    as dashes (`claude-sonnet-4.5` = `claude-sonnet-4-5`)."""
    s = strip_provider(name)
    s = s.split("@", 1)[0]
    s = re.sub(r"-20\d{6}$", "", s)
    s = re.sub(r"-20\d\d-\d\d-\d\d$", "", s)
    return s.replace(".", "-")


# --- reading LiteLLM ---------------------------------------------------------------------------


def number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v


def positive(v):
    return number(v) and v > 0


def prices_of(entry):
    """The fields revisit keeps, or None for a model that cannot be priced by tokens."""
    if not isinstance(entry, dict) or entry.get("mode") not in MODES:
        return None
    inp, out = entry.get("input_cost_per_token"), entry.get("output_cost_per_token")
    if not (positive(inp) and positive(out)):
        return None
    p = {"input": inp, "output": out}
    for ours, theirs in (
        ("cache_read", "cache_read_input_token_cost"),
        ("cache_write", "cache_creation_input_token_cost"),
        ("cache_write_1h", "cache_creation_input_token_cost_above_1hr"),
    ):
        v = entry.get(theirs)
        if number(v) and v >= 0:
            p[ours] = v
    tier = tier_of(entry)
    if tier:
        p["above_200k"] = tier
    return p


def tier_of(entry):
    tier = {}
    for ours, theirs in TIER_KEYS.items():
        v = entry.get(theirs)
        if number(v) and v >= 0:
            tier[ours] = v
    return tier


def source_rank(key):
    """(rank, ...) for a LiteLLM key that is not a plain name, or None when it is not used."""
    if "/" in key:
        provider = key.split("/", 1)[0]
        for rank, group in enumerate(PROVIDER_RANK):
            if provider in group:
                return (rank + 1, key.count("/"), key.count("."), key)
        return None
    # a Bedrock id without the bedrock/ prefix (anthropic.claude-..., us.anthropic.claude-...)
    return (len(PROVIDER_RANK), 0, key.count("."), key)


def is_plain(key):
    return "/" not in key and strip_provider(key) == key.strip().lower() and ":" not in key


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def version_of(path, given):
    if given:
        return given
    if path.name in DEFAULT_VERSIONS and path.resolve() in (
        DEFAULT_NEWEST.resolve(),
        DEFAULT_OLDER.resolve(),
    ):
        return DEFAULT_VERSIONS[path.name]
    m = re.search(r"(\d+\.\d+\.\d+)\.json$", path.name)
    if m:
        return m.group(1)
    sys.exit(f"{path}: cannot tell its LiteLLM version from the name; pass it with --newest-version/--older-version")


def build(newest, older):
    """(models, tiers_from_older, only_in_older) from the two parsed lists."""
    merged = {}
    tiers_from_older = set()
    only_in_older = set()
    for key, entry in newest.items():
        p = prices_of(entry)
        if p is None:
            continue
        if "above_200k" not in p:
            old = prices_of(older.get(key))
            if old and "above_200k" in old:
                p["above_200k"] = old["above_200k"]
                tiers_from_older.add(key)
        merged[key] = p
    for key, entry in older.items():
        if key in newest:
            continue
        p = prices_of(entry)
        if p is not None:
            merged[key] = p
            only_in_older.add(key)

    models = {}
    origin = {}
    taken = set()  # normalised names of the keys kept so far
    for key in sorted(merged):
        if not is_plain(key):
            continue
        name = key.strip().lower()
        if SKIP_NAME.search(name) or name in models:
            continue
        models[name] = merged[key]
        origin[name] = key
        taken.add(normalise(name))

    derived = []
    for key in merged:
        if is_plain(key):
            continue
        rank = source_rank(key)
        if rank is None:
            continue
        derived.append((rank, key))
    for _, key in sorted(derived):
        name = strip_provider(key)
        if not name or "-" not in name or SKIP_NAME.search(name):
            continue
        n = normalise(name)
        if n in taken or name in models:
            continue
        models[name] = merged[key]
        origin[name] = key
        taken.add(n)

    tiers = sorted(name for name, key in origin.items() if key in tiers_from_older)
    older_only = sorted(name for name, key in origin.items() if key in only_in_older)
    return models, tiers, older_only


def check_1h_tier(newest, older, models):
    """Report where LiteLLM's 1-hour cache write price above 200k differs from the rule
    src/pricing.rs uses (the 1-hour price scaled like the 5-minute write price)."""
    for name, p in sorted(models.items()):
        tier = p.get("above_200k", {})
        if "cache_write_1h" not in p or "cache_write" not in tier or not p.get("cache_write"):
            continue
        for lst in (newest, older):
            e = lst.get(name)
            v = e.get("cache_creation_input_token_cost_above_1hr_above_200k_tokens") if isinstance(e, dict) else None
            if number(v):
                ours = p["cache_write_1h"] * tier["cache_write"] / p["cache_write"]
                if abs(ours - v) > 1e-15:
                    print(f"note: {name}: 1h cache write above 200k is {v} in LiteLLM, {ours} by revisit's rule", file=sys.stderr)
                break


def dumps(doc):
    """Sorted keys, two-space indent, one model per line."""
    lines = ["{"]
    keys = sorted(doc)
    for i, key in enumerate(keys):
        comma = "," if i < len(keys) - 1 else ""
        if key == "models":
            lines.append('  "models": {')
            names = sorted(doc["models"])
            for j, name in enumerate(names):
                inner = json.dumps(doc["models"][name], sort_keys=True, separators=(", ", ": "))
                lines.append(f"    {json.dumps(name)}: {inner}" + ("," if j < len(names) - 1 else ""))
            lines.append("  }" + comma)
        else:
            value = json.dumps(doc[key], sort_keys=True, indent=2).replace("\n", "\n  ")
            lines.append(f"  {json.dumps(key)}: {value}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("newest", nargs="?", type=Path, default=DEFAULT_NEWEST)
    ap.add_argument("older", nargs="?", type=Path, default=DEFAULT_OLDER)
    ap.add_argument("--newest-version")
    ap.add_argument("--older-version")
    ap.add_argument("-o", "--output", type=Path, default=OUTPUT)
    args = ap.parse_args()

    newest = json.loads(args.newest.read_text(encoding="utf-8"))
    older = json.loads(args.older.read_text(encoding="utf-8"))
    models, tiers, older_only = build(newest, older)
    check_1h_tier(newest, older, models)

    doc = {
        "generated_by": "scripts/update-pricing.py",
        "units": "USD per token",
        "count": len(models),
        "source": [
            {
                "role": role,
                "litellm_version": version_of(path, given),
                "file": "litellm/model_prices_and_context_window_backup.json",
                "url": SOURCE_URL.format(version=version_of(path, given)),
                "sha256": sha256(path),
            }
            for role, path, given in (
                ("newest", args.newest, args.newest_version),
                ("older", args.older, args.older_version),
            )
        ],
        "notes": [
            "A model in both lists has the newest list's prices; models only the older list has are kept (old sessions use them).",
            "When the newest list has no above_200k tier for a model and the older list has one, the older tier is kept "
            "(LiteLLM dropped it, but Anthropic still charges long-context rates above 200k input tokens): see tiers_from_older.",
            "Missing cache prices are left out; src/pricing.rs decides the fallback.",
        ],
        "tiers_from_older": tiers,
        "only_in_older": len(older_only),
        "models": models,
    }
    args.output.write_text(dumps(doc), encoding="utf-8")
    print(f"{args.output}: {len(models)} models ({len(older_only)} only in the older list, {len(tiers)} tiers from the older list)")


if __name__ == "__main__":
    main()
