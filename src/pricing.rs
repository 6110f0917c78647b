//! Prices per model and the cost of an assistant turn.
//!
//! The built-in table is `assets/pricing.json`, derived from LiteLLM's price list by
//! `scripts/update-pricing.py` (prices in USD per token; see the script for what it keeps).
//! `[pricing.models.<name>]` in the config overrides or adds models ([`PriceTable::with_overrides`]).
//!
//! # Matching a model name
//!
//! Sessions name models in many ways (`claude-sonnet-4-5-20250929`, `anthropic/claude-sonnet-4.5`,
//! `us.anthropic.claude-sonnet-4-20250514-v1:0`, `gpt-5.1-codex`…). [`PriceTable::lookup`] tries,
//! in order, and stops at the first hit:
//!
//! 1. the name as written, as a table key;
//! 2. the name lower-cased, without a `provider/…/` path (`anthropic/`, `openrouter/anthropic/`,
//!    `bedrock/us-east-1/`, any number of segments), without up to two Bedrock `region.` /
//!    `vendor.` prefixes (`us.anthropic.`, `eu.anthropic.`, `anthropic.`, `global.`: a prefix is a
//!    word followed by a dot and a letter, so `gpt-5.1` keeps its dot) and without a Bedrock
//!    version suffix (`-v1:0`, `-v2:0`, `:0`; a bare `-v1` only after such a prefix);
//! 3. that name *normalised*: also without a date suffix (`-20250929`, `-2025-04-14`, or `@` and
//!    everything after it, as Vertex AI writes `@20250929`), and with dots written as dashes
//!    (`claude-sonnet-4.5` = `claude-sonnet-4-5`), compared with the table's keys normalised the
//!    same way. When several keys normalise alike, the shortest wins (the undated alias), then the
//!    greatest (the newest date);
//! 4. the longest key (normalised, or as it is) the normalised name starts with, followed by `-`
//!    and a letter:
//!    `gpt-5-codex-preview` is priced as `gpt-5-codex`, but neither `gpt-50` nor `gpt-5-2` (a
//!    different version: `gpt-5.2`) is priced as `gpt-5`;
//! 5. when the normalised name holds a `-` and a digit, the shortest normalised key that starts
//!    with it and a `-` (`gemini-3-pro` is priced as `gemini-3-pro-preview`); ties go to the
//!    first in alphabetical order. (The shortest, not the longest: the closest variant, where
//!    the longest would pick the most specialised one, `gpt-5` → `gpt-5-search-api`.)
//!
//! Nothing else matches: the model is *unpriced* and its cost is `None` (the UI shows `?`, never
//! $0). `<synthetic>` (Claude Code's placeholder for API errors) and unknown names are unpriced.
//!
//! # The cost of one request
//!
//! [`turn_cost`] prices ONE request (an assistant turn) from its [`TokenUsage`] (the shared token
//! semantics: `input` excludes cache reads and writes, `output` includes reasoning):
//!
//! ```text
//! input × input_price + output × output_price + cache_read × cache_read_price
//!   + (cache_write − cache_write_1h) × cache_write_price + cache_write_1h × cache_write_1h_price
//! ```
//!
//! Reasoning is part of `output` and is never added again. `cache_write_1h` is clamped to
//! `cache_write`. Prices LiteLLM does not give fall back conservatively:
//!
//! * no cache_read price → the input price (LiteLLM lists a cache-read price for every model with
//!   a prompt-cache discount; guessing Anthropic's 10 % would under-price the others);
//! * no cache_write price → the input price (OpenAI and Gemini do not bill cache writes as such;
//!   their sessions record none);
//! * no cache_write_1h price → the cache_write price (after its own fallback).
//!
//! # Long context (above 200k)
//!
//! When the request's prompt, `input + cache_read + cache_write`, is over 200,000 tokens and the
//! model has `above_200k` prices, EVERY token of the request is billed at the tier price where
//! the tier gives one, else at the base price: Anthropic's rule (and Google's for Gemini 2.5 Pro)
//! is that the whole request moves to the long-context rates. The tier has no 1-hour write
//! price: 1-hour writes scale like 5-minute writes (base 1-hour price × tier cache_write / base
//! cache_write; for Claude Sonnet 4.5, $6 → $12 per million, which is LiteLLM's
//! `cache_creation_input_token_cost_above_1hr_above_200k_tokens`). A missing tier cache price
//! falls back to the base cache price, then to the tier's input price.
//!
//! ccusage prices tiers differently: each token kind separately, the tokens of that kind beyond
//! 200,000 at the tier price and the first 200,000 at the base price, whatever the prompt's size
//! (`tiered_cost` in ryoppippi/ccusage `rust/crates/ccusage/src/cost.rs` @5816e640, and
//! `calculateTieredCost` in `packages/internal/src/pricing.ts` @78068d37). So a Claude request
//! with 150k cache reads and 60k cache writes is a long-context request here (210k prompt) but is
//! billed at base prices by ccusage, and a request with 300k cache reads costs more here (all
//! 300k at the tier price) than in ccusage (100k of them). ccusage also prices 1-hour writes at
//! 2 × the input price and, without LiteLLM prices, cache reads at 10 % and cache writes at
//! 125 % of the input price.
//!
//! # Which cost a message shows
//!
//! [`message_cost`] with a [`CostMode`]: `recorded` shows the agent's own figure (OpenCode and Pi
//! record one; none without it), `computed` always prices tokens (none for an unpriced model or
//! a message without usage), `auto` (the default) the recorded figure when there is one, else
//! the computed one.

use crate::config::{ModelPriceConfig, PricingConfig};
use crate::model::TokenUsage;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;
use thiserror::Error;

/// A request whose prompt (input + cache reads + cache writes) is over this many tokens is priced
/// at its model's `above_200k` prices.
pub const LONG_CONTEXT_TOKENS: u64 = 200_000;

/// The built-in table (see `scripts/update-pricing.py`).
const PRICING_JSON: &str = include_str!("../assets/pricing.json");

/// USD per token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prices {
    pub input: f64,
    pub output: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write: Option<f64>,
    /// Writes to Claude's 1-hour cache (the rest of `cache_write` is the 5-minute cache).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_1h: Option<f64>,
    /// The prices of a request whose prompt is over [`LONG_CONTEXT_TOKENS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub above_200k: Option<Tier>,
}

/// Long-context prices, USD per token; a missing one is the base price.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tier {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write: Option<f64>,
}

impl Tier {
    fn is_empty(&self) -> bool {
        *self == Tier::default()
    }
}

#[derive(Debug, Error)]
pub enum PricingError {
    #[error("invalid price table: {0}")]
    Json(#[from] serde_json::Error),
}

/// `assets/pricing.json`: its models (the rest is metadata for people).
#[derive(Deserialize)]
struct PricingFile {
    models: BTreeMap<String, Prices>,
}

/// Prices by model name, with the index of normalised names that [`PriceTable::lookup`] uses.
#[derive(Debug, Clone, Default)]
pub struct PriceTable {
    models: BTreeMap<String, Prices>,
    /// Normalised name → the key it stands for.
    index: BTreeMap<String, String>,
}

impl PriceTable {
    /// The built-in table, parsed on first use.
    pub fn embedded() -> &'static PriceTable {
        static TABLE: OnceLock<PriceTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            PriceTable::from_json(PRICING_JSON).expect("assets/pricing.json is a valid price table")
        })
    }

    /// A table from a file shaped like `assets/pricing.json` (`{"models": {name: prices}}`).
    pub fn from_json(text: &str) -> Result<PriceTable, PricingError> {
        let file: PricingFile = serde_json::from_str(text)?;
        Ok(PriceTable::from_models(file.models))
    }

    pub fn from_models(models: BTreeMap<String, Prices>) -> PriceTable {
        let mut index: BTreeMap<String, String> = BTreeMap::new();
        for key in models.keys() {
            let n = normalise(key);
            if n.is_empty() {
                continue;
            }
            match index.get(&n) {
                Some(current) if !index_prefers(key, current) => {}
                _ => {
                    index.insert(n, key.clone());
                }
            }
        }
        PriceTable { models, index }
    }

    /// This table with the config's `[pricing.models.*]` entries applied, and the warnings about
    /// entries (and a `cost_mode`) it could not use. Prices in the config are per million tokens.
    ///
    /// An entry whose name matches models of the table (exactly, or after the normalisation of
    /// [`PriceTable::lookup`]: `claude-sonnet-4-5` also covers `claude-sonnet-4-5-20250929`)
    /// replaces the prices it gives in each of them and keeps the others. Any other name adds a
    /// model, which needs `input` and `output`. An entry with a negative or non-finite price is
    /// ignored with a warning; the other entries still apply.
    pub fn with_overrides(&self, cfg: &PricingConfig) -> (PriceTable, Vec<String>) {
        let mut warnings = Vec::new();
        if let Some(w) = cost_mode_warning(cfg.cost_mode.as_deref()) {
            warnings.push(w);
        }
        let mut models = self.models.clone();
        for (name, entry) in &cfg.models {
            let section = format!("[pricing.models.{}]", toml_key(name));
            if let Some((field, value)) = bad_price(entry) {
                warnings.push(format!(
                    "{section} {field} = {value}: a price must be a number of USD per million \
                     tokens, 0 or more; the entry is ignored"
                ));
                continue;
            }
            let n = normalise(name);
            if n.is_empty() {
                warnings.push(format!("{section}: not a model name; the entry is ignored"));
                continue;
            }
            let targets: Vec<String> = models
                .keys()
                .filter(|k| normalise(k) == n)
                .cloned()
                .collect();
            if targets.is_empty() {
                match new_model(entry) {
                    Some(prices) => {
                        models.insert(name.trim().to_string(), prices);
                    }
                    None => warnings.push(format!(
                        "{section}: revisit does not know this model, so it needs both input and \
                         output (USD per million tokens); the entry is ignored"
                    )),
                }
                continue;
            }
            for key in targets {
                if let Some(prices) = models.get_mut(&key) {
                    apply_override(prices, entry);
                }
            }
        }
        (PriceTable::from_models(models), warnings)
    }

    /// The prices of `model` (see the module doc for how names match): the table key that
    /// matched and its prices, or `None` when the model is unpriced.
    pub fn lookup(&self, model: &str) -> Option<(&str, &Prices)> {
        let key = self.find_key(model)?;
        self.models.get_key_value(key).map(|(k, p)| (k.as_str(), p))
    }

    pub fn len(&self) -> usize {
        self.models.len()
    }

    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    fn find_key(&self, model: &str) -> Option<&str> {
        let model = model.trim();
        if model.is_empty() {
            return None;
        }
        if let Some((k, _)) = self.models.get_key_value(model) {
            return Some(k);
        }
        if let Some((k, _)) = self.models.get_key_value(strip_provider(model).as_str()) {
            return Some(k);
        }
        let n = normalise(model);
        if n.is_empty() {
            return None;
        }
        if let Some(k) = self.index.get(&n) {
            return Some(k);
        }
        // the longest key the name starts with, at a `-` followed by a non-digit
        for (i, _) in n.rmatch_indices('-') {
            let follows_letter = n[i + 1..]
                .chars()
                .next()
                .is_some_and(|c| !c.is_ascii_digit());
            if !follows_letter {
                continue;
            }
            let stem = &n[..i];
            if let Some(k) = self.index.get(stem) {
                return Some(k);
            }
            if let Some((k, _)) = self.models.get_key_value(stem) {
                return Some(k);
            }
        }
        // the shortest key that starts with the name and a `-`
        if n.contains('-') && n.chars().any(|c| c.is_ascii_digit()) {
            let stem = format!("{n}-");
            return self
                .index
                .range::<str, _>((
                    std::ops::Bound::Included(stem.as_str()),
                    std::ops::Bound::Unbounded,
                ))
                .take_while(|(k, _)| k.starts_with(&stem))
                .min_by_key(|(k, _)| k.len())
                .map(|(_, key)| key.as_str());
        }
        None
    }
}

/// Should `candidate` stand for its normalised name rather than `current`? The shorter key (the
/// undated alias), then the greater (the newer date).
fn index_prefers(candidate: &str, current: &str) -> bool {
    (std::cmp::Reverse(candidate.len()), candidate) > (std::cmp::Reverse(current.len()), current)
}

/// The first price of an entry that is negative or not a number.
fn bad_price(entry: &ModelPriceConfig) -> Option<(String, f64)> {
    let tier = entry.above_200k.as_ref();
    [
        ("input", entry.input),
        ("output", entry.output),
        ("cache_read", entry.cache_read),
        ("cache_write", entry.cache_write),
        ("cache_write_1h", entry.cache_write_1h),
        ("above_200k.input", tier.and_then(|t| t.input)),
        ("above_200k.output", tier.and_then(|t| t.output)),
        ("above_200k.cache_read", tier.and_then(|t| t.cache_read)),
        ("above_200k.cache_write", tier.and_then(|t| t.cache_write)),
    ]
    .into_iter()
    .find_map(|(field, v)| {
        v.filter(|v| !v.is_finite() || *v < 0.0)
            .map(|v| (field.to_string(), v))
    })
}

fn per_token(per_million: Option<f64>) -> Option<f64> {
    per_million.map(|v| v / 1_000_000.0)
}

/// A model from an entry alone, when it gives input and output.
fn new_model(entry: &ModelPriceConfig) -> Option<Prices> {
    let mut prices = Prices {
        input: per_token(entry.input)?,
        output: per_token(entry.output)?,
        cache_read: None,
        cache_write: None,
        cache_write_1h: None,
        above_200k: None,
    };
    apply_override(&mut prices, entry);
    Some(prices)
}

/// Replace the prices an entry gives (per million tokens) and keep the others.
fn apply_override(prices: &mut Prices, entry: &ModelPriceConfig) {
    if let Some(v) = per_token(entry.input) {
        prices.input = v;
    }
    if let Some(v) = per_token(entry.output) {
        prices.output = v;
    }
    if let Some(v) = per_token(entry.cache_read) {
        prices.cache_read = Some(v);
    }
    if let Some(v) = per_token(entry.cache_write) {
        prices.cache_write = Some(v);
    }
    if let Some(v) = per_token(entry.cache_write_1h) {
        prices.cache_write_1h = Some(v);
    }
    if let Some(t) = &entry.above_200k {
        let mut tier = prices.above_200k.take().unwrap_or_default();
        if let Some(v) = per_token(t.input) {
            tier.input = Some(v);
        }
        if let Some(v) = per_token(t.output) {
            tier.output = Some(v);
        }
        if let Some(v) = per_token(t.cache_read) {
            tier.cache_read = Some(v);
        }
        if let Some(v) = per_token(t.cache_write) {
            tier.cache_write = Some(v);
        }
        prices.above_200k = (!tier.is_empty()).then_some(tier);
    }
}

/// `name` as a TOML key in a section header: bare when it can be, else quoted.
fn toml_key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare {
        name.to_string()
    } else {
        format!("{name:?}")
    }
}

fn cost_mode_warning(mode: Option<&str>) -> Option<String> {
    let mode = mode?;
    if mode.parse::<CostMode>().is_ok() {
        return None;
    }
    Some(format!(
        "[pricing] cost_mode = {mode:?}: unknown cost mode (known: {}), auto is used",
        CostMode::ALL.map(CostMode::as_str).join(", ")
    ))
}

/// Lower-case, and drop a `provider/…/` path, up to two Bedrock `region.`/`vendor.` prefixes and a
/// Bedrock version suffix. (`scripts/update-pricing.py` has the same function: keep them alike.)
fn strip_provider(name: &str) -> String {
    let lower = name.trim().to_lowercase();
    let mut s = lower.rsplit('/').next().unwrap_or_default();
    let mut dotted = false;
    for _ in 0..2 {
        match s.split_once('.') {
            Some((head, rest))
                if is_prefix_segment(head)
                    && rest.starts_with(|c: char| c.is_ascii_alphabetic()) =>
            {
                s = rest;
                dotted = true;
            }
            _ => break,
        }
    }
    if let Some(i) = s.rfind(':')
        && is_digits(&s[i + 1..])
    {
        s = strip_v_suffix(&s[..i]);
    } else if dotted {
        s = strip_v_suffix(s);
    }
    s.to_string()
}

/// A model's name for grouping and display: lower-cased, without a provider path, Bedrock
/// prefixes and suffixes or a date (`anthropic/claude-sonnet-4-5-20250929` →
/// `claude-sonnet-4-5`); dots stay (`gpt-5.1`).
pub fn model_family(name: &str) -> String {
    let stripped = strip_provider(name);
    let s = stripped.split('@').next().unwrap_or_default();
    let family = strip_date(s);
    if family.is_empty() {
        name.trim().to_string()
    } else {
        family.to_string()
    }
}

/// [`strip_provider`], then without a date suffix and with dots as dashes.
fn normalise(name: &str) -> String {
    let stripped = strip_provider(name);
    let s = stripped.split('@').next().unwrap_or_default();
    let s = strip_date(s);
    s.replace('.', "-")
}

/// `us`, `anthropic`, `us-gov`: a word that can precede a Bedrock model id.
fn is_prefix_segment(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Without a trailing `-v<digits>`.
fn strip_v_suffix(s: &str) -> &str {
    match s.rfind("-v") {
        Some(i) if is_digits(&s[i + 2..]) => &s[..i],
        _ => s,
    }
}

/// Without a trailing `-20YYMMDD`, then without a trailing `-20YY-MM-DD`.
fn strip_date(s: &str) -> &str {
    let digits = |b: &[u8]| b.iter().all(u8::is_ascii_digit);
    let b = s.as_bytes();
    let n = b.len();
    let s = if n >= 9 && &b[n - 9..n - 6] == b"-20" && digits(&b[n - 6..]) {
        &s[..n - 9]
    } else {
        s
    };
    let b = s.as_bytes();
    let n = b.len();
    if n >= 11
        && &b[n - 11..n - 8] == b"-20"
        && digits(&b[n - 8..n - 6])
        && b[n - 6] == b'-'
        && digits(&b[n - 5..n - 3])
        && b[n - 3] == b'-'
        && digits(&b[n - 2..])
    {
        &s[..n - 11]
    } else {
        s
    }
}

/// Cost of ONE request (an assistant turn) in USD. See the module doc for the formula, the
/// fallbacks of missing prices and the long-context tier.
pub fn turn_cost(p: &Prices, u: &TokenUsage) -> f64 {
    usage_cost(p, u, is_long_context(u))
}

/// Is this ONE request's prompt (input + cache reads + cache writes) over [`LONG_CONTEXT_TOKENS`]?
pub fn is_long_context(u: &TokenUsage) -> bool {
    u.input
        .saturating_add(u.cache_read)
        .saturating_add(u.cache_write)
        > LONG_CONTEXT_TOKENS
}

/// The cost of `u` at the base prices, or at the long-context prices when `long_context` (and
/// the model has them). `u` may be the sum of many requests that all fall on the same side of
/// the 200k line: the tier is decided per request, never from a sum (see [`is_long_context`]).
pub fn usage_cost(p: &Prices, u: &TokenUsage, long_context: bool) -> f64 {
    let tier = p.above_200k.as_ref().filter(|_| long_context);

    let base_write = p.cache_write.unwrap_or(p.input);
    let base_write_1h = p.cache_write_1h.unwrap_or(base_write);
    let (input, output, read, write, write_1h) = match tier {
        None => (
            p.input,
            p.output,
            p.cache_read.unwrap_or(p.input),
            base_write,
            base_write_1h,
        ),
        Some(t) => {
            let input = t.input.unwrap_or(p.input);
            let write = t.cache_write.or(p.cache_write).unwrap_or(input);
            let write_1h = match p.cache_write_1h {
                Some(base_1h) if base_write > 0.0 => base_1h * write / base_write,
                Some(base_1h) => base_1h,
                None => write,
            };
            (
                input,
                t.output.unwrap_or(p.output),
                t.cache_read.or(p.cache_read).unwrap_or(input),
                write,
                write_1h,
            )
        }
    };
    let written_1h = u.cache_write_1h.min(u.cache_write);
    let written_5m = u.cache_write - written_1h;
    u.input as f64 * input
        + u.output as f64 * output
        + u.cache_read as f64 * read
        + written_5m as f64 * write
        + written_1h as f64 * write_1h
}

/// Which cost a message shows (`[pricing] cost_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CostMode {
    /// The agent's recorded cost when there is one, else tokens × prices.
    #[default]
    Auto,
    /// Always tokens × prices.
    Computed,
    /// Only the agents' recorded costs.
    Recorded,
}

impl CostMode {
    pub const ALL: [CostMode; 3] = [CostMode::Auto, CostMode::Computed, CostMode::Recorded];

    pub fn as_str(self) -> &'static str {
        match self {
            CostMode::Auto => "auto",
            CostMode::Computed => "computed",
            CostMode::Recorded => "recorded",
        }
    }
}

impl fmt::Display for CostMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A cost mode that is not `auto`, `computed` or `recorded`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown cost mode {0:?} (known: auto, computed, recorded)")]
pub struct UnknownCostMode(pub String);

impl FromStr for CostMode {
    type Err = UnknownCostMode;

    fn from_str(s: &str) -> Result<CostMode, UnknownCostMode> {
        let wanted = s.trim().to_ascii_lowercase();
        CostMode::ALL
            .into_iter()
            .find(|m| m.as_str() == wanted)
            .ok_or_else(|| UnknownCostMode(s.to_string()))
    }
}

/// The cost to show for one message: in Recorded mode the agent's own figure (None without one);
/// in Computed mode tokens × prices (None if the model is unpriced or there is no usage);
/// in Auto the recorded figure when there is one, else computed.
///
/// A recorded figure that is negative or not a number counts as none; so does a usage with no
/// tokens at all (Agenix saves zeros).
pub fn message_cost(
    table: &PriceTable,
    mode: CostMode,
    model: Option<&str>,
    usage: Option<&TokenUsage>,
    recorded: Option<f64>,
) -> Option<f64> {
    let recorded = recorded.filter(|c| c.is_finite() && *c >= 0.0);
    let computed = || {
        let usage = usage.filter(|u| !u.is_empty())?;
        let (_, prices) = table.lookup(model?)?;
        Some(turn_cost(prices, usage))
    };
    match mode {
        CostMode::Recorded => recorded,
        CostMode::Computed => computed(),
        CostMode::Auto => recorded.or_else(computed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TierPriceConfig;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12_f64.max(b.abs() * 1e-12)
    }

    macro_rules! assert_close {
        ($a:expr, $b:expr) => {{
            let (a, b): (f64, f64) = ($a, $b);
            assert!(close(a, b), "{a} != {b}");
        }};
    }

    fn usage(input: u64, output: u64, cache_read: u64, cache_write: u64) -> TokenUsage {
        TokenUsage {
            input,
            output,
            cache_read,
            cache_write,
            ..TokenUsage::default()
        }
    }

    fn table() -> &'static PriceTable {
        PriceTable::embedded()
    }

    #[test]
    fn families() {
        for (name, family) in [
            ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
            ("anthropic/claude-sonnet-4-5", "claude-sonnet-4-5"),
            (
                "us.anthropic.claude-sonnet-4-20250514-v1:0",
                "claude-sonnet-4",
            ),
            ("claude-sonnet-4-5@20250929", "claude-sonnet-4-5"),
            ("openai/gpt-5.1", "gpt-5.1"),
            ("gpt-4.1-2025-04-14", "gpt-4.1"),
            ("GPT-5", "gpt-5"),
            ("openai", "openai"),
            ("<synthetic>", "<synthetic>"),
        ] {
            assert_eq!(model_family(name), family, "{name}");
        }
    }

    fn key_of(model: &str) -> Option<&'static str> {
        table().lookup(model).map(|(k, _)| k)
    }

    /// Claude Sonnet 4.5 as LiteLLM prices it ($ per million: 3 / 15, cache read 0.30, 5-minute
    /// write 3.75, 1-hour write 6; above 200k: 6 / 22.50, read 0.60, write 7.50).
    fn sonnet() -> Prices {
        Prices {
            input: 3.0e-6,
            output: 15.0e-6,
            cache_read: Some(0.3e-6),
            cache_write: Some(3.75e-6),
            cache_write_1h: Some(6.0e-6),
            above_200k: Some(Tier {
                input: Some(6.0e-6),
                output: Some(22.5e-6),
                cache_read: Some(0.6e-6),
                cache_write: Some(7.5e-6),
            }),
        }
    }

    #[test]
    fn the_embedded_table_loads() {
        assert!(table().len() > 400, "{}", table().len());
        assert!(!table().is_empty());
        let file: serde_json::Value = serde_json::from_str(PRICING_JSON).unwrap();
        assert_eq!(file["count"].as_u64(), Some(table().len() as u64));
        // keys are written as the script writes them: lower case, no provider, no Bedrock suffix
        for key in table().models.keys() {
            assert_eq!(&strip_provider(key), key, "{key}");
        }
    }

    #[test]
    fn embedded_prices_are_litellms() {
        let (_, p) = table().lookup("claude-sonnet-4-5").unwrap();
        assert_eq!(p, &sonnet());
        let (k, p) = table().lookup("claude-opus-4-1").unwrap();
        assert_eq!(k, "claude-opus-4-1");
        assert_eq!(
            p,
            &Prices {
                input: 15.0e-6,
                output: 75.0e-6,
                cache_read: Some(1.5e-6),
                cache_write: Some(18.75e-6),
                cache_write_1h: Some(30.0e-6),
                above_200k: None,
            }
        );
        let (_, p) = table().lookup("gpt-5-codex").unwrap();
        assert_eq!(
            p,
            &Prices {
                input: 1.25e-6,
                output: 10.0e-6,
                cache_read: Some(0.125e-6),
                cache_write: None,
                cache_write_1h: None,
                above_200k: None,
            }
        );
        let (_, p) = table().lookup("gemini-2.5-pro").unwrap();
        assert_eq!(
            p,
            &Prices {
                input: 1.25e-6,
                output: 10.0e-6,
                cache_read: Some(0.125e-6),
                cache_write: None,
                cache_write_1h: None,
                above_200k: Some(Tier {
                    input: Some(2.5e-6),
                    output: Some(15.0e-6),
                    cache_read: Some(0.25e-6),
                    cache_write: Some(0.25e-6),
                }),
            }
        );
        // models only the older LiteLLM list has are kept, with their tiers
        let (_, p) = table().lookup("claude-sonnet-4-20250514").unwrap();
        assert_eq!(p.above_200k, sonnet().above_200k);
        assert_eq!(p.input, 3.0e-6);
        let (_, p) = table().lookup("gemini-3-pro-preview").unwrap();
        assert_eq!((p.input, p.output), (2.0e-6, 12.0e-6));
        assert_eq!(p.above_200k.as_ref().unwrap().input, Some(4.0e-6));
    }

    #[test]
    fn names_seen_in_sessions_match() {
        for (model, key) in [
            ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5-20250929"),
            ("claude-opus-4-1-20250805", "claude-opus-4-1-20250805"),
            ("claude-3-7-sonnet-20250219", "claude-3-7-sonnet-20250219"),
            ("anthropic/claude-sonnet-4-5", "claude-sonnet-4-5"),
            (
                "us.anthropic.claude-sonnet-4-20250514-v1:0",
                "claude-sonnet-4-20250514",
            ),
            (
                "eu.anthropic.claude-opus-4-1-20250805-v1:0",
                "claude-opus-4-1-20250805",
            ),
            ("claude-opus-4-1@20250805", "claude-opus-4-1"),
            ("claude-sonnet-4", "claude-sonnet-4-20250514"),
            ("gpt-5-codex", "gpt-5-codex"),
            ("gpt-5.1-codex", "gpt-5.1-codex"),
            ("gpt-5.1-codex-max", "gpt-5.1-codex-max"),
            ("gpt-5-2025-08-07", "gpt-5-2025-08-07"),
            ("openai/gpt-5", "gpt-5"),
            ("gemini-2.5-pro", "gemini-2.5-pro"),
            ("models/gemini-2.5-flash", "gemini-2.5-flash"),
            ("gemini-3-pro-preview", "gemini-3-pro-preview"),
            (
                "openrouter/anthropic/claude-sonnet-4.5",
                "claude-sonnet-4-5",
            ),
            ("Claude-Sonnet-4-5", "claude-sonnet-4-5"),
            ("x-ai/grok-code-fast-1", "grok-code-fast-1"),
        ] {
            assert_eq!(key_of(model), Some(key), "{model}");
        }
    }

    #[test]
    fn prefixes_match_at_a_word_and_never_across_versions() {
        // a variant revisit does not list is priced as the model it extends
        assert_eq!(key_of("gpt-5-codex-preview"), Some("gpt-5-codex"));
        assert_eq!(
            key_of("claude-sonnet-4-5-20250929-experimental"),
            Some("claude-sonnet-4-5-20250929")
        );
        // but not across a version number or inside a word
        assert_eq!(key_of("gpt-50"), None);
        assert_eq!(key_of("gpt-5-9"), None);
        assert_eq!(key_of("gpt-5.9"), None);
        assert_eq!(key_of("claude-opus-4-9"), None);
        // a shorter name takes its closest longer variant
        assert_eq!(key_of("gemini-3-pro"), Some("gemini-3-pro-preview"));
    }

    #[test]
    fn unknown_names_are_unpriced() {
        for model in [
            "<synthetic>",
            "",
            "  ",
            "my-private-model",
            "gpt",
            "claude",
            "anthropic/",
            "qwen3:8b-local",
        ] {
            assert_eq!(key_of(model), None, "{model:?}");
        }
    }

    #[test]
    fn normalisation() {
        assert_eq!(
            strip_provider("bedrock/us-east-1/us.anthropic.claude-3-5-sonnet-20241022-v2:0"),
            "claude-3-5-sonnet-20241022"
        );
        assert_eq!(
            strip_provider("global.anthropic.claude-opus-4-6-v1"),
            "claude-opus-4-6"
        );
        assert_eq!(strip_provider("gpt-5.1-codex"), "gpt-5.1-codex");
        assert_eq!(strip_provider("qwen3.5-plus"), "qwen3.5-plus");
        assert_eq!(
            strip_provider("nemotron-nano-12b-v2"),
            "nemotron-nano-12b-v2"
        );
        assert_eq!(normalise("claude-opus-4-1@20250805"), "claude-opus-4-1");
        assert_eq!(normalise("gpt-4.1-2025-04-14"), "gpt-4-1");
        assert_eq!(normalise("claude-sonnet-4.5"), "claude-sonnet-4-5");
        assert_eq!(normalise("o3"), "o3");
        assert_eq!(normalise("é-20250101"), "é");
    }

    #[test]
    fn claude_turn_with_cache_reads_and_both_cache_writes() {
        // 1,000 input, 500 output (200 of it thinking), 50,000 cache reads, 10,000 cache writes
        // of which 4,000 to the 1-hour cache
        let u = TokenUsage {
            input: 1_000,
            output: 500,
            reasoning: 200,
            cache_read: 50_000,
            cache_write: 10_000,
            cache_write_1h: 4_000,
        };
        let expected = 1_000.0 * 3.0e-6
            + 500.0 * 15.0e-6
            + 50_000.0 * 0.3e-6
            + 6_000.0 * 3.75e-6
            + 4_000.0 * 6.0e-6;
        assert_close!(turn_cost(&sonnet(), &u), expected);
        assert_close!(expected, 0.003 + 0.0075 + 0.015 + 0.0225 + 0.024);
    }

    #[test]
    fn a_claude_request_over_200k_is_all_at_the_long_context_rates() {
        // 10 input + 150,000 cache reads + 60,000 cache writes = 210,010 prompt tokens
        let u = TokenUsage {
            input: 10,
            output: 2_000,
            cache_read: 150_000,
            cache_write: 60_000,
            cache_write_1h: 20_000,
            reasoning: 0,
        };
        let expected = 10.0 * 6.0e-6
            + 2_000.0 * 22.5e-6
            + 150_000.0 * 0.6e-6
            + 40_000.0 * 7.5e-6
            + 20_000.0 * 12.0e-6;
        assert_close!(turn_cost(&sonnet(), &u), expected);
        // exactly 200,000 is not over
        let at = usage(0, 1_000, 150_000, 50_000);
        let base = 1_000.0 * 15.0e-6 + 150_000.0 * 0.3e-6 + 50_000.0 * 3.75e-6;
        assert_close!(turn_cost(&sonnet(), &at), base);
        // a model without a tier keeps its prices
        let opus = table().lookup("claude-opus-4-1").unwrap().1;
        assert_close!(
            turn_cost(opus, &usage(300_000, 10, 0, 0)),
            300_000.0 * 15.0e-6 + 10.0 * 75.0e-6
        );
    }

    #[test]
    fn codex_turn_reasoning_is_inside_output() {
        // Codex: 12,091 prompt tokens of which 10,880 cached (so 1,211 at the input rate),
        // 182 output tokens of which 128 reasoning; OpenAI bills no cache writes.
        let (_, p) = table().lookup("gpt-5-codex").unwrap();
        let u = TokenUsage {
            input: 1_211,
            output: 182,
            reasoning: 128,
            cache_read: 10_880,
            cache_write: 0,
            cache_write_1h: 0,
        };
        let expected = 1_211.0 * 1.25e-6 + 182.0 * 10.0e-6 + 10_880.0 * 0.125e-6;
        assert_close!(turn_cost(p, &u), expected);
        let more_reasoning = TokenUsage {
            reasoning: 180,
            ..u
        };
        assert_close!(turn_cost(p, &more_reasoning), expected);
    }

    #[test]
    fn missing_cache_prices_fall_back_to_the_input_price() {
        let p = Prices {
            input: 2.0e-6,
            output: 8.0e-6,
            cache_read: None,
            cache_write: None,
            cache_write_1h: None,
            above_200k: None,
        };
        let u = TokenUsage {
            cache_write_1h: 100,
            ..usage(1_000, 0, 1_000, 300)
        };
        assert_close!(turn_cost(&p, &u), 2_300.0 * 2.0e-6);
        // no 1-hour price: the 5-minute one
        let p = Prices {
            cache_write: Some(2.5e-6),
            ..p
        };
        assert_close!(turn_cost(&p, &u), 2_000.0 * 2.0e-6 + 300.0 * 2.5e-6);
        // more 1-hour writes than writes: clamped
        let odd = TokenUsage {
            cache_write_1h: 900,
            ..u
        };
        assert_close!(turn_cost(&p, &odd), 2_000.0 * 2.0e-6 + 300.0 * 2.5e-6);
    }

    #[test]
    fn gemini_2_5_pro_tier() {
        let (_, p) = table().lookup("gemini-2.5-pro").unwrap();
        // Gemini CLI: 180,000 prompt tokens of which 40,000 cached, 3,000 output + thoughts
        let small = usage(140_000, 3_000, 40_000, 0);
        assert_close!(
            turn_cost(p, &small),
            140_000.0 * 1.25e-6 + 3_000.0 * 10.0e-6 + 40_000.0 * 0.125e-6
        );
        // 250,000 prompt tokens: all at the long-context rates
        let big = usage(200_000, 3_000, 50_000, 0);
        assert_close!(
            turn_cost(p, &big),
            200_000.0 * 2.5e-6 + 3_000.0 * 15.0e-6 + 50_000.0 * 0.25e-6
        );
    }

    #[test]
    fn a_tier_without_some_prices_keeps_the_base_ones() {
        let p = Prices {
            above_200k: Some(Tier {
                input: Some(6.0e-6),
                ..Tier::default()
            }),
            ..sonnet()
        };
        let u = TokenUsage {
            cache_write_1h: 1_000,
            ..usage(250_000, 100, 1_000, 2_000)
        };
        let expected = 250_000.0 * 6.0e-6
            + 100.0 * 15.0e-6
            + 1_000.0 * 0.3e-6
            + 1_000.0 * 3.75e-6
            + 1_000.0 * 6.0e-6;
        assert_close!(turn_cost(&p, &u), expected);
    }

    #[test]
    fn cost_modes() {
        let t = table();
        // 100,000 input tokens of Claude Sonnet 4.5: $0.30
        let u = usage(100_000, 0, 0, 0);
        let model = Some("claude-sonnet-4-5");
        // with a recorded cost
        assert_eq!(
            message_cost(t, CostMode::Recorded, model, Some(&u), Some(1.5)),
            Some(1.5)
        );
        assert_eq!(
            message_cost(t, CostMode::Auto, model, Some(&u), Some(1.5)),
            Some(1.5)
        );
        let computed = message_cost(t, CostMode::Computed, model, Some(&u), Some(1.5)).unwrap();
        assert_close!(computed, 0.3);
        // without one
        assert_eq!(
            message_cost(t, CostMode::Recorded, model, Some(&u), None),
            None
        );
        assert_close!(
            message_cost(t, CostMode::Auto, model, Some(&u), None).unwrap(),
            0.3
        );
        assert_close!(
            message_cost(t, CostMode::Computed, model, Some(&u), None).unwrap(),
            0.3
        );
        // a recorded 0 is a figure (free or subscription providers record 0)
        assert_eq!(
            message_cost(t, CostMode::Auto, model, Some(&u), Some(0.0)),
            Some(0.0)
        );
        // nonsense recorded figures are none
        assert_close!(
            message_cost(t, CostMode::Auto, model, Some(&u), Some(f64::NAN)).unwrap(),
            0.3
        );
        assert_eq!(
            message_cost(t, CostMode::Recorded, model, Some(&u), Some(-1.0)),
            None
        );
        // unpriced models, no model, no usage or empty usage: nothing to compute
        for mode in [CostMode::Auto, CostMode::Computed] {
            assert_eq!(
                message_cost(t, mode, Some("<synthetic>"), Some(&u), None),
                None
            );
            assert_eq!(
                message_cost(t, mode, Some("my-model"), Some(&u), None),
                None
            );
            assert_eq!(message_cost(t, mode, None, Some(&u), None), None);
            assert_eq!(message_cost(t, mode, model, None, None), None);
            assert_eq!(
                message_cost(t, mode, model, Some(&TokenUsage::default()), None),
                None
            );
        }
        // the recorded figure still shows for an unpriced model
        assert_eq!(
            message_cost(t, CostMode::Auto, Some("my-model"), Some(&u), Some(0.25)),
            Some(0.25)
        );
    }

    #[test]
    fn cost_mode_names() {
        for m in CostMode::ALL {
            assert_eq!(m.as_str().parse::<CostMode>(), Ok(m));
            assert_eq!(m.to_string(), m.as_str());
            assert_eq!(serde_json::to_string(&m).unwrap(), format!("\"{m}\""));
        }
        assert_eq!(" Computed ".parse::<CostMode>(), Ok(CostMode::Computed));
        assert_eq!(CostMode::default(), CostMode::Auto);
        let e = "display".parse::<CostMode>().unwrap_err();
        assert!(e.to_string().contains("display"), "{e}");
    }

    fn entry(input: Option<f64>, output: Option<f64>) -> ModelPriceConfig {
        ModelPriceConfig {
            input,
            output,
            ..ModelPriceConfig::default()
        }
    }

    #[test]
    fn overrides_change_known_models_and_add_new_ones() {
        let mut cfg = PricingConfig::default();
        cfg.models
            .insert("claude-sonnet-4.5".into(), entry(Some(2.0), None));
        cfg.models.insert(
            "my-private-model".into(),
            ModelPriceConfig {
                input: Some(3.0),
                output: Some(15.0),
                cache_read: Some(0.3),
                cache_write: Some(3.75),
                cache_write_1h: Some(6.0),
                above_200k: Some(TierPriceConfig {
                    input: Some(6.0),
                    output: Some(22.5),
                    cache_read: Some(0.6),
                    cache_write: Some(7.5),
                }),
            },
        );
        let (t, warnings) = table().with_overrides(&cfg);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(t.len(), table().len() + 1);
        // every key of the model, dated or not, takes the new input price and keeps the rest
        for model in [
            "claude-sonnet-4-5",
            "claude-sonnet-4-5-20250929",
            "anthropic/claude-sonnet-4-5",
        ] {
            let (_, p) = t.lookup(model).unwrap();
            assert_close!(p.input, 2.0e-6);
            assert_eq!(p.output, 15.0e-6);
            assert_eq!(p.above_200k, sonnet().above_200k);
        }
        // the built-in table is untouched
        assert_eq!(table().lookup("claude-sonnet-4-5").unwrap().1, &sonnet());
        // the new model, per million in the config, per token in the table
        let (k, p) = t.lookup("my-private-model").unwrap();
        assert_eq!(k, "my-private-model");
        assert_close!(p.input, sonnet().input);
        assert_close!(p.cache_write_1h.unwrap(), 6.0e-6);
        assert_close!(p.above_200k.as_ref().unwrap().cache_write.unwrap(), 7.5e-6);
        // matched like any other name
        assert_eq!(
            t.lookup("openrouter/acme/my-private-model-fast")
                .map(|(k, _)| k),
            Some("my-private-model")
        );
        assert_eq!(
            t.lookup("My-Private-Model").map(|(k, _)| k),
            Some("my-private-model")
        );
    }

    #[test]
    fn bad_overrides_are_warnings() {
        let mut cfg = PricingConfig {
            cost_mode: Some("sometimes".into()),
            ..PricingConfig::default()
        };
        cfg.models.insert("gpt-5".into(), entry(Some(-1.0), None));
        cfg.models
            .insert("half-a-model".into(), entry(Some(1.0), None));
        cfg.models
            .insert("gpt-5.1".into(), entry(Some(f64::NAN), None));
        cfg.models.insert(
            "tiered".into(),
            ModelPriceConfig {
                above_200k: Some(TierPriceConfig {
                    output: Some(-3.0),
                    ..TierPriceConfig::default()
                }),
                ..entry(Some(1.0), Some(2.0))
            },
        );
        cfg.models.insert("@".into(), entry(Some(1.0), Some(2.0)));
        cfg.models
            .insert("fine-model".into(), entry(Some(1.0), Some(2.0)));
        let (t, w) = table().with_overrides(&cfg);
        assert_eq!(w.len(), 6, "{w:#?}");
        for needle in [
            "cost_mode = \"sometimes\"",
            "[pricing.models.gpt-5] input = -1",
            "[pricing.models.half-a-model]: revisit does not know",
            "[pricing.models.\"gpt-5.1\"] input = NaN",
            "[pricing.models.tiered] above_200k.output = -3",
            "[pricing.models.\"@\"]: not a model name",
        ] {
            assert!(w.iter().any(|m| m.contains(needle)), "{needle}: {w:#?}");
        }
        // the bad entries changed nothing, the good one applies
        assert_eq!(
            t.lookup("gpt-5").unwrap().1,
            table().lookup("gpt-5").unwrap().1
        );
        assert!(t.lookup("half-a-model").is_none());
        assert!(t.lookup("tiered").is_none());
        assert!(t.lookup("fine-model").is_some());
    }

    #[test]
    fn a_small_table() {
        let models: BTreeMap<String, Prices> = [
            ("acme-1".to_string(), sonnet()),
            ("acme-1-20250101".to_string(), sonnet()),
            ("acme-1-20250601".to_string(), sonnet()),
        ]
        .into();
        let t = PriceTable::from_models(models);
        // the undated alias stands for the normalised name
        assert_eq!(t.index.get("acme-1").map(String::as_str), Some("acme-1"));
        assert_eq!(t.lookup("acme-1-20251231").map(|(k, _)| k), Some("acme-1"));
        let t = PriceTable::from_json(r#"{"models": {"a-1-20250101": {"input": 1, "output": 2}, "a-1-20250601": {"input": 1, "output": 2}}}"#)
            .unwrap();
        // without one, the newest date
        assert_eq!(t.lookup("a-1").map(|(k, _)| k), Some("a-1-20250601"));
        assert!(PriceTable::from_json("{}").is_err());
    }
}
