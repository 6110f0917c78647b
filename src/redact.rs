//! Secrets, home directory paths and the user's name removed from text before a session leaves
//! the machine (exports).
//!
//! Each redaction is marked: a secret becomes `[REDACTED:<kind>]` (for an assignment the key
//! name stays: `password=[REDACTED:secret]`), the home directory `~` and the user name `[user]`.
//! Redacting redacted text changes nothing.
//!
//! **What counts as a secret.** Tokens with a provider's recognisable shape are redacted
//! wherever they appear (OpenAI, Anthropic, Google, GitHub, AWS, Slack, Stripe, JWTs, private-key
//! blocks, `Bearer` tokens). Assignments to a key named like a secret (`password`, `secret`,
//! `token`, `api_key`, `access_key`, `private_key`, `credentials`, any case, with `=`, `:`, `:=`
//! or `=>`, JSON's `"password": "…"` too) and `.env` lines (`FOO_KEY=`, `FOO_TOKEN=`,
//! `FOO_SECRET=`, `FOO_PASSWORD=`…) have their *value* redacted when it looks like a literal:
//!
//! - a quoted string (`"…"` or `'…'`) that is not empty and not a reference (`$VAR`, `${VAR}`,
//!   `{{ var }}`, `%VAR%`);
//! - for an assignment, a bare value of 8 or more characters that is not code: not followed by
//!   `(` (a call: `token = get_token()`), not a `$`/`%` reference, and not an identifier or a
//!   member path without digits (`self.token`, `os.environ`, `SecretString`, `cfg::Token`);
//! - for a `.env` line (`NAME=value`, no spaces around `=`), any bare value except a `$`
//!   reference, a call or a short number.
//!
//! So `token = get_token()`, `password == expected`, `max_tokens: 4096` and
//! `secret: SecretString` stay as they are.

use crate::model::{Block, Message, Session};
use regex::{Captures, Regex};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{LazyLock, Mutex};

/// What was redacted. The order is the order of [`RedactionReport::summary`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    OpenaiKey,
    AnthropicKey,
    GoogleApiKey,
    GithubToken,
    AwsAccessKey,
    AwsSecretKey,
    SlackToken,
    SlackWebhook,
    StripeKey,
    Jwt,
    PrivateKey,
    BearerToken,
    /// The value of a `password=` / `secret:` / `"token": "…"` style assignment.
    Secret,
    /// The value of a `.env` style line (`FOO_KEY=…`).
    EnvSecret,
    HomePath,
    User,
}

impl Kind {
    pub const ALL: [Kind; 16] = [
        Kind::OpenaiKey,
        Kind::AnthropicKey,
        Kind::GoogleApiKey,
        Kind::GithubToken,
        Kind::AwsAccessKey,
        Kind::AwsSecretKey,
        Kind::SlackToken,
        Kind::SlackWebhook,
        Kind::StripeKey,
        Kind::Jwt,
        Kind::PrivateKey,
        Kind::BearerToken,
        Kind::Secret,
        Kind::EnvSecret,
        Kind::HomePath,
        Kind::User,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::OpenaiKey => "openai-key",
            Kind::AnthropicKey => "anthropic-key",
            Kind::GoogleApiKey => "google-api-key",
            Kind::GithubToken => "github-token",
            Kind::AwsAccessKey => "aws-access-key",
            Kind::AwsSecretKey => "aws-secret-key",
            Kind::SlackToken => "slack-token",
            Kind::SlackWebhook => "slack-webhook",
            Kind::StripeKey => "stripe-key",
            Kind::Jwt => "jwt",
            Kind::PrivateKey => "private-key",
            Kind::BearerToken => "bearer-token",
            Kind::Secret => "secret",
            Kind::EnvSecret => "env-secret",
            Kind::HomePath => "home-path",
            Kind::User => "user",
        }
    }

    /// What a redaction of this kind leaves in the text.
    pub fn marker(self) -> String {
        match self {
            Kind::HomePath => "~".to_string(),
            Kind::User => USER_MARKER.to_string(),
            k => format!("[REDACTED:{}]", k.as_str()),
        }
    }
}

const USER_MARKER: &str = "[user]";

/// How many redactions of each kind were made.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedactionReport {
    pub counts: BTreeMap<Kind, u64>,
}

impl RedactionReport {
    pub fn add(&mut self, kind: Kind, n: u64) {
        if n > 0 {
            *self.counts.entry(kind).or_default() += n;
        }
    }

    pub fn merge(&mut self, other: &RedactionReport) {
        for (k, n) in &other.counts {
            self.add(*k, *n);
        }
    }

    pub fn count(&self, kind: Kind) -> u64 {
        self.counts.get(&kind).copied().unwrap_or(0)
    }

    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }

    /// One line: `7 redactions: 2 openai-key, 1 jwt, 4 home-path` (or `no redactions`).
    pub fn summary(&self) -> String {
        let total = self.total();
        if total == 0 {
            return "no redactions".to_string();
        }
        let parts: Vec<String> = self
            .counts
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{n} {}", k.as_str()))
            .collect();
        format!(
            "{total} redaction{}: {}",
            if total == 1 { "" } else { "s" },
            parts.join(", ")
        )
    }
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("redaction pattern compiles")
}

/// A token's random part has letters and digits (which kebab-case words do not).
fn looks_random(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_digit()) && s.bytes().any(|b| b.is_ascii_alphabetic())
}

/// What a pattern redacts.
enum Action {
    /// The whole match, when `check` accepts it.
    Whole(fn(&str) -> bool),
    /// The `val` group (the `key` group before it stays), when the value looks like a literal.
    Value(fn(&Captures) -> bool),
}

struct Rule {
    kind: Kind,
    regex: LazyLock<Regex>,
    action: Action,
}

const PEM_LABEL: &str = r"-----BEGIN(?: [A-Z0-9]+)* PRIVATE KEY(?: BLOCK)?-----";
const PEM_END: &str = r"-----END(?: [A-Z0-9]+)* PRIVATE KEY(?: BLOCK)?-----";

/// The rules in the order they run: private keys and JWTs first (they may contain anything),
/// provider tokens, then assignments (whose values may already be markers).
static RULES: [Rule; 14] = [
    Rule {
        kind: Kind::PrivateKey,
        // a block through its END line (only key material between: headers, base64, and
        // the `\n` escapes of a JSON string), or an unterminated block's base64 lines
        regex: LazyLock::new(|| {
            re(&format!(
                r"{PEM_LABEL}(?:[A-Za-z0-9+/=:,.\s\\-]*?{PEM_END}|(?:\s|\\[nr])+[A-Za-z0-9+/=]{{20,}}(?:(?:\s|\\[nr])+[A-Za-z0-9+/=]{{8,}})*)"
            ))
        }),
        action: Action::Whole(|_| true),
    },
    Rule {
        kind: Kind::Jwt,
        regex: LazyLock::new(|| {
            re(r"(?-u:\b)eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
        }),
        action: Action::Whole(|_| true),
    },
    Rule {
        kind: Kind::AnthropicKey,
        regex: LazyLock::new(|| re(r"(?-u:\b)sk-ant-[A-Za-z0-9_-]{20,}")),
        action: Action::Whole(|_| true),
    },
    Rule {
        kind: Kind::OpenaiKey,
        regex: LazyLock::new(|| re(r"(?-u:\b)sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}")),
        action: Action::Whole(looks_random),
    },
    Rule {
        kind: Kind::GoogleApiKey,
        regex: LazyLock::new(|| re(r"(?-u:\b)AIza[0-9A-Za-z_-]{35}")),
        action: Action::Whole(|_| true),
    },
    Rule {
        kind: Kind::GithubToken,
        regex: LazyLock::new(|| {
            re(r"(?-u:\b)(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})")
        }),
        action: Action::Whole(looks_random),
    },
    Rule {
        kind: Kind::AwsAccessKey,
        regex: LazyLock::new(|| re(r"(?-u:\b)(?:AKIA|ASIA)[0-9A-Z]{16}(?-u:\b)")),
        action: Action::Whole(|_| true),
    },
    Rule {
        kind: Kind::AwsSecretKey,
        regex: LazyLock::new(|| {
            re(
                r#"(?i)(?P<key>(?-u:\b)aws_?secret_?access_?key["']?\s*(?::=|=>|=|:)\s*["']?)(?P<val>[A-Za-z0-9/+=]{40})"#,
            )
        }),
        action: Action::Value(|_| true),
    },
    Rule {
        kind: Kind::SlackWebhook,
        regex: LazyLock::new(|| {
            re(r"https?://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]+")
        }),
        action: Action::Whole(|_| true),
    },
    Rule {
        kind: Kind::SlackToken,
        regex: LazyLock::new(|| re(r"(?-u:\b)xox[abeoprs]-[A-Za-z0-9-]{10,}")),
        action: Action::Whole(looks_random),
    },
    Rule {
        kind: Kind::StripeKey,
        regex: LazyLock::new(|| {
            re(r"(?-u:\b)(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|whsec_[A-Za-z0-9]{20,})")
        }),
        action: Action::Whole(|_| true),
    },
    Rule {
        kind: Kind::BearerToken,
        regex: LazyLock::new(|| {
            re(r"(?i)(?P<key>(?-u:\b)bearer\s+)(?P<val>[A-Za-z0-9._~+/-]{20,}=*)")
        }),
        action: Action::Value(|c| looks_random(&c["val"])),
    },
    Rule {
        kind: Kind::EnvSecret,
        regex: LazyLock::new(|| {
            re(
                r#"(?-u:\b)(?P<key>(?:[A-Z0-9]+_)*(?:APIKEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|PWD|CREDENTIALS?)=)(?P<val>"[^"\n]*"|'[^'\n]*'|[^\s"'`;&|()]+)(?P<call>\()?"#,
            )
        }),
        action: Action::Value(env_value_is_literal),
    },
    Rule {
        kind: Kind::Secret,
        regex: LazyLock::new(|| {
            re(
                r#"(?i)(?P<key>(?-u:\b)[a-z0-9_.-]*(?:password|passwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?)["']?\s*(?::=|=>|=|:)[ \t]*)(?P<val>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[^\s"'`,;(){}\[\]<>=][^\s"'`,;(){}\[\]<>]*)(?P<call>\()?"#,
            )
        }),
        action: Action::Value(assignment_is_literal),
    },
];

/// A quoted value worth redacting: not empty, not a reference, not already redacted.
fn quoted_is_literal(inner: &str) -> bool {
    let t = inner.trim();
    !(t.is_empty()
        || t.starts_with('$')
        || t.starts_with("{{")
        || (t.starts_with('%') && t.ends_with('%'))
        || is_marker(t))
}

fn is_marker(s: &str) -> bool {
    s.starts_with("[REDACTED:") || s == USER_MARKER
}

fn unquote(v: &str) -> Option<&str> {
    let b = v.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        Some(&v[1..v.len() - 1])
    } else {
        None
    }
}

/// `ident`, `a.b`, `a::b`, `a->b` (identifier characters only, no digits).
fn is_code_path(v: &str) -> bool {
    let mut expect_start = true;
    let mut rest = v;
    while !rest.is_empty() {
        let c = rest.chars().next().unwrap_or(' ');
        if expect_start {
            if !(c.is_ascii_alphabetic() || c == '_') {
                return false;
            }
            expect_start = false;
            rest = &rest[1..];
        } else if c.is_ascii_alphabetic() || c == '_' {
            rest = &rest[1..];
        } else if let Some(r) = rest
            .strip_prefix("::")
            .or_else(|| rest.strip_prefix("->"))
            .or_else(|| rest.strip_prefix('.'))
        {
            rest = r;
            expect_start = true;
        } else {
            return false;
        }
    }
    !expect_start
}

fn assignment_is_literal(c: &Captures) -> bool {
    if c.name("call").is_some() {
        return false;
    }
    let v = &c["val"];
    if let Some(inner) = unquote(v) {
        return quoted_is_literal(inner);
    }
    if v.starts_with(['"', '\'']) {
        return false;
    }
    v.chars().count() >= 8 && !v.starts_with(['$', '%', '&', '*', '@']) && !is_code_path(v)
}

fn env_value_is_literal(c: &Captures) -> bool {
    if c.name("call").is_some() {
        return false;
    }
    let v = &c["val"];
    if let Some(inner) = unquote(v) {
        return quoted_is_literal(inner);
    }
    if v.starts_with(['"', '\'']) {
        return false;
    }
    !(v.is_empty()
        || v.starts_with('$')
        || is_marker(v)
        || (v.len() < 8 && v.bytes().all(|b| b.is_ascii_digit())))
}

/// Apply one rule; `None` when nothing changed.
fn apply_rule(rule: &Rule, text: &str, report: &mut RedactionReport) -> Option<String> {
    let regex: &Regex = &rule.regex;
    let mut n = 0u64;
    let out = regex.replace_all(text, |c: &Captures| {
        let whole = &c[0];
        match &rule.action {
            Action::Whole(check) => {
                if check(whole) {
                    n += 1;
                    rule.kind.marker()
                } else {
                    whole.to_string()
                }
            }
            Action::Value(check) => {
                if !check(c) {
                    return whole.to_string();
                }
                n += 1;
                let key = &c["key"];
                let val = &c["val"];
                let tail = c.name("call").map_or("", |m| m.as_str());
                match unquote(val) {
                    Some(_) => {
                        let q = &val[..1];
                        format!("{key}{q}{}{q}{tail}", rule.kind.marker())
                    }
                    None => format!("{key}{}{tail}", rule.kind.marker()),
                }
            }
        }
    });
    if n == 0 {
        return None;
    }
    report.add(rule.kind, n);
    Some(out.into_owned())
}

/// Removes secrets, the home directory and the user name from text (see the module
/// documentation), and counts what it removed.
#[derive(Debug)]
pub struct Redactor {
    /// The home directory without a trailing separator (`None`: not redacted).
    home: Option<String>,
    /// The user name as a whole word, any case.
    user: Option<Regex>,
    report: Mutex<RedactionReport>,
}

/// A character that continues a file name (so a path that goes on with one is another path).
fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

impl Redactor {
    /// `home`: the home directory (its paths become `~`); `user`: the user name (becomes
    /// `[user]` as a whole word; names of one character are ignored).
    pub fn new(home: Option<&Path>, user: Option<&str>) -> Redactor {
        let home = home
            .map(|h| h.to_string_lossy().into_owned())
            .map(|h| {
                let trimmed = h.trim_end_matches(['/', '\\']);
                trimmed.to_string()
            })
            .filter(|h| h.chars().count() >= 2);
        let user = user
            .map(str::trim)
            .filter(|u| u.chars().count() >= 2)
            .and_then(|u| Regex::new(&format!(r"(?i)\b{}\b", regex::escape(u))).ok());
        Redactor {
            home,
            user,
            report: Mutex::new(RedactionReport::default()),
        }
    }

    /// The home directory and user name of this environment (`$USER`, else `$LOGNAME`, else
    /// the home directory's name).
    pub fn from_env(env: &crate::config::Env) -> Redactor {
        let home = env.home();
        let user = env
            .var("USER")
            .or_else(|| env.var("LOGNAME"))
            .map(str::to_string)
            .or_else(|| {
                home.and_then(|h| h.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
            });
        Redactor::new(home, user.as_deref())
    }

    /// Redact `text`, adding what was removed to this redactor's report.
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut report = RedactionReport::default();
        let out = self.redact_counted(text, &mut report);
        if !report.is_empty()
            && let Ok(mut r) = self.report.lock()
        {
            r.merge(&report);
        }
        out
    }

    /// Redact `text`, adding what was removed to `report` (not to this redactor's own).
    pub fn redact_counted<'t>(&self, text: &'t str, report: &mut RedactionReport) -> Cow<'t, str> {
        let mut cur: Cow<'t, str> = Cow::Borrowed(text);
        // the home or the user name taken out can end a value the secret rules then see
        // (`password=abcdefg/ann/x(` is a call; `abcdefg/` before `[user]` a value): the
        // rules run again until those change nothing, so that redacting twice changes nothing
        for _ in 0..4 {
            for rule in &RULES {
                if let Some(new) = apply_rule(rule, &cur, report) {
                    cur = Cow::Owned(new);
                }
            }
            let mut changed = false;
            if let Some(new) = self.redact_home(&cur, report) {
                cur = Cow::Owned(new);
                changed = true;
            }
            if let Some(new) = self.redact_user(&cur, report) {
                cur = Cow::Owned(new);
                changed = true;
            }
            if !changed {
                break;
            }
        }
        cur
    }

    /// What this redactor removed so far.
    pub fn report(&self) -> RedactionReport {
        self.report.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// What this redactor removed so far, and start counting again.
    pub fn take_report(&self) -> RedactionReport {
        self.report
            .lock()
            .map(|mut r| std::mem::take(&mut *r))
            .unwrap_or_default()
    }

    fn redact_home(&self, text: &str, report: &mut RedactionReport) -> Option<String> {
        let home = self.home.as_deref()?;
        if !text.contains(home) {
            return None;
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        let mut n = 0;
        for (i, _) in text.match_indices(home) {
            if i < last {
                continue;
            }
            let before = text[..i].chars().next_back();
            let after_i = i + home.len();
            let mut after = text[after_i..].chars();
            let next = after.next();
            let starts = before.is_none_or(|c| !(is_name_char(c) || c == '.'));
            // a `.` ends the path unless a name goes on after it (`/home/ann.bak`)
            let ends = match next {
                None => true,
                Some('.') => after.next().is_none_or(|c| !is_name_char(c)),
                Some(c) => !is_name_char(c),
            };
            if starts && ends {
                out.push_str(&text[last..i]);
                out.push('~');
                last = after_i;
                n += 1;
            }
        }
        if n == 0 {
            return None;
        }
        out.push_str(&text[last..]);
        report.add(Kind::HomePath, n);
        Some(out)
    }

    fn redact_user(&self, text: &str, report: &mut RedactionReport) -> Option<String> {
        static MARKERS: LazyLock<Regex> = LazyLock::new(|| re(r"\[REDACTED:[a-z-]+\]|\[user\]"));
        let user = self.user.as_ref()?;
        if !user.is_match(text) {
            return None;
        }
        let markers: Vec<(usize, usize)> = MARKERS
            .find_iter(text)
            .map(|m| (m.start(), m.end()))
            .collect();
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        let mut n = 0;
        // markers and matches both come in order: walk them together
        let mut mi = 0;
        for m in user.find_iter(text) {
            while mi < markers.len() && markers[mi].1 <= m.start() {
                mi += 1;
            }
            if markers
                .get(mi)
                .is_some_and(|&(ms, me)| m.start() >= ms && m.end() <= me)
            {
                continue;
            }
            out.push_str(&text[last..m.start()]);
            out.push_str(USER_MARKER);
            last = m.end();
            n += 1;
        }
        if n == 0 {
            return None;
        }
        out.push_str(&text[last..]);
        report.add(Kind::User, n);
        Some(out)
    }

    fn field(&self, s: &mut String, report: &mut RedactionReport) {
        if let Cow::Owned(new) = self.redact_counted(s, report) {
            *s = new;
        }
    }

    fn opt_field(&self, s: &mut Option<String>, report: &mut RedactionReport) {
        if let Some(s) = s {
            self.field(s, report);
        }
    }

    /// Every string in a JSON value (object keys too), recursively.
    pub fn redact_json(&self, v: &mut serde_json::Value, report: &mut RedactionReport) {
        use serde_json::Value;
        match v {
            Value::String(s) => self.field(s, report),
            Value::Array(items) => {
                for item in items {
                    self.redact_json(item, report);
                }
            }
            Value::Object(map) => {
                let needs_new_keys = map.keys().any(|k| {
                    matches!(
                        self.redact_counted(k, &mut RedactionReport::default()),
                        Cow::Owned(_)
                    )
                });
                if needs_new_keys {
                    let old = std::mem::take(map);
                    for (k, mut val) in old {
                        let k = self.redact_counted(&k, report).into_owned();
                        self.redact_json(&mut val, report);
                        map.insert(k, val);
                    }
                } else {
                    for val in map.values_mut() {
                        self.redact_json(val, report);
                    }
                }
            }
            _ => {}
        }
    }

    fn block(&self, b: &mut Block, report: &mut RedactionReport) {
        match b {
            Block::Text { text } => self.field(text, report),
            Block::Thinking { text, .. } => self.field(text, report),
            Block::ToolCall { name, input, .. } => {
                self.field(name, report);
                self.redact_json(input, report);
            }
            Block::ToolResult { output, .. } => self.field(output, report),
            Block::Notice { kind, text } => {
                self.field(kind, report);
                self.field(text, report);
            }
            Block::Attachment { kind, description } => {
                self.field(kind, report);
                self.field(description, report);
            }
        }
    }
}

/// Redact every text a session carries, in place: its title, first prompt, directory,
/// project, branch, source path, index key, status, resume command, name and tags, and every
/// block of every message (text, thinking, tool names and inputs, tool outputs, notices,
/// attachment descriptions). Returns what was removed (also added to the redactor's report).
pub fn redact_session(r: &Redactor, s: &mut Session, messages: &mut [Message]) -> RedactionReport {
    let mut report = RedactionReport::default();
    let rep = &mut report;
    r.field(&mut s.title, rep);
    r.opt_field(&mut s.first_prompt, rep);
    r.opt_field(&mut s.cwd, rep);
    r.opt_field(&mut s.project, rep);
    r.opt_field(&mut s.git_branch, rep);
    r.field(&mut s.source, rep);
    r.field(&mut s.key, rep);
    r.opt_field(&mut s.status, rep);
    if let Some(t) = &mut s.resume {
        for a in &mut t.argv {
            r.field(a, rep);
        }
        r.opt_field(&mut t.cwd, rep);
    }
    r.opt_field(&mut s.extra.name, rep);
    r.opt_field(&mut s.extra.expiry_rule, rep);
    for t in &mut s.extra.tags {
        r.field(t, rep);
    }
    for m in messages.iter_mut() {
        for b in &mut m.blocks {
            r.block(b, rep);
        }
    }
    if !report.is_empty()
        && let Ok(mut own) = r.report.lock()
    {
        own.merge(&report);
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    fn red() -> Redactor {
        Redactor::new(Some(Path::new("/home/ann")), Some("ann"))
    }

    /// Redact, check idempotence, and return the text with its report.
    fn run(text: &str) -> (String, RedactionReport) {
        let r = red();
        let mut rep = RedactionReport::default();
        let once = r.redact_counted(text, &mut rep).into_owned();
        let mut again = RedactionReport::default();
        let twice = r.redact_counted(&once, &mut again).into_owned();
        assert_eq!(
            once, twice,
            "redacting twice differs from once for {text:?}"
        );
        assert!(
            again.is_empty(),
            "second pass redacted {again:?} in {once:?}"
        );
        (once, rep)
    }

    fn one(text: &str, kind: Kind) -> String {
        let (out, rep) = run(text);
        assert_eq!(
            rep.count(kind),
            1,
            "{kind:?} in {text:?} → {out:?} ({rep:?})"
        );
        out
    }

    const OPENAI: &str = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAB7cD0eF";
    const OPENAI_LEGACY: &str = "sk-4fT9qLmZ2xR8vN1cB6yH3kW0pJ7sD5gA9eU2iO8tY1rQ6wE3";
    const ANTHROPIC: &str = "sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa-_AbCdEf12";
    const GOOGLE: &str = "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q";
    const GITHUB: &str = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
    const GITHUB_PAT: &str = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123";
    const AWS_ID: &str = "AKIAIOSFODNN7EXAMPLE";
    const AWS_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const SLACK: &str = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx";
    const SLACK_HOOK: &str =
        "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX";
    const STRIPE: &str = "sk_live_51HqZ2kLmNoPqRsTuVwXyZ0123456789";
    const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

    #[test]
    fn provider_tokens() {
        for (secret, kind) in [
            (OPENAI, Kind::OpenaiKey),
            (OPENAI_LEGACY, Kind::OpenaiKey),
            (ANTHROPIC, Kind::AnthropicKey),
            (GOOGLE, Kind::GoogleApiKey),
            (GITHUB, Kind::GithubToken),
            (GITHUB_PAT, Kind::GithubToken),
            (AWS_ID, Kind::AwsAccessKey),
            (SLACK, Kind::SlackToken),
            (SLACK_HOOK, Kind::SlackWebhook),
            (STRIPE, Kind::StripeKey),
            ("rk_live_AbCdEf0123456789", Kind::StripeKey),
            (JWT, Kind::Jwt),
        ] {
            let text = format!("use {secret} now");
            let out = one(&text, kind);
            assert_eq!(out, format!("use [REDACTED:{}] now", kind.as_str()));
        }
    }

    #[test]
    fn aws_secret_keeps_its_name() {
        let out = one(
            &format!("aws_secret_access_key = {AWS_SECRET}\n"),
            Kind::AwsSecretKey,
        );
        assert_eq!(out, "aws_secret_access_key = [REDACTED:aws-secret-key]\n");
        let out = one(
            &format!("AWS_SECRET_ACCESS_KEY={AWS_SECRET}"),
            Kind::AwsSecretKey,
        );
        assert_eq!(out, "AWS_SECRET_ACCESS_KEY=[REDACTED:aws-secret-key]");
    }

    #[test]
    fn private_key_blocks_span_lines() {
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\nAAAAC3NzaC1lZDI1NTE5AAAAIGx1\n-----END OPENSSH PRIVATE KEY-----";
        let out = one(&format!("cat id:\n{key}\ndone"), Kind::PrivateKey);
        assert_eq!(out, "cat id:\n[REDACTED:private-key]\ndone");
        // inside a JSON string, with escaped newlines
        let json = r#"{"k": "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAvB1234567890abcdef\n-----END RSA PRIVATE KEY-----\n"}"#;
        let out = one(json, Kind::PrivateKey);
        assert_eq!(out, r#"{"k": "[REDACTED:private-key]\n"}"#);
        // cut off before its END line: the key material still goes
        let cut =
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n";
        assert_eq!(one(cut, Kind::PrivateKey), "[REDACTED:private-key]\n");
    }

    /// Redacting twice changes nothing, also when taking out the user name ends a value that
    /// the secret rules then see: `abcdefg/ann/src(` is a call, `abcdefg/` before `[user]` a
    /// value (fuzzing found this, export target, 2026-11-25).
    #[test]
    fn redacting_again_changes_nothing() {
        let r = red();
        for text in [
            "password=abcdefg/ann/src(x)",
            "token: xyzxyzxy/home/ann/x(1) and secret=qwertyui/ann/(",
            "Fix <script>alert(1)</script>\u{1}/home/ann/src\u{1}krt(\u{8}\0\0\0\0\0\0\x001) password=\u{2}\0\0\0ome/ann/src\u{1}krt(\u{8}\0\0\0\0\0\0\x001)",
        ] {
            let once = r.redact(text).into_owned();
            assert_eq!(r.redact(&once), once, "{text:?}");
        }
        let once = r.redact("password=abcdefg/ann/src(x)").into_owned();
        assert_eq!(once, "password=[REDACTED:secret][user]/src(x)");
    }

    #[test]
    fn assignments_keep_the_key() {
        assert_eq!(
            one("password=hunter2hunter2", Kind::Secret),
            "password=[REDACTED:secret]"
        );
        assert_eq!(
            one(r#"{"password": "correct horse"}"#, Kind::Secret),
            r#"{"password": "[REDACTED:secret]"}"#
        );
        assert_eq!(
            one("db_password: 's3cr3t'", Kind::Secret),
            "db_password: '[REDACTED:secret]'"
        );
        assert_eq!(
            one("api_key: abcd1234efgh", Kind::Secret),
            "api_key: [REDACTED:secret]"
        );
        assert_eq!(
            one(r#"client_secret = "x""#, Kind::Secret),
            r#"client_secret = "[REDACTED:secret]""#
        );
        assert_eq!(
            one("X-Auth-Token: 9f8e7d6c5b4a3210", Kind::Secret),
            "X-Auth-Token: [REDACTED:secret]"
        );
    }

    #[test]
    fn env_lines() {
        assert_eq!(
            one("DATABASE_PASSWORD=pg-pass-1\n", Kind::EnvSecret),
            "DATABASE_PASSWORD=[REDACTED:env-secret]\n"
        );
        assert_eq!(
            one("export STRIPE_WEBHOOK_SECRET='abc'", Kind::EnvSecret),
            "export STRIPE_WEBHOOK_SECRET='[REDACTED:env-secret]'"
        );
        assert_eq!(
            one("MY_SERVICE_KEY=zzz npm start", Kind::EnvSecret),
            "MY_SERVICE_KEY=[REDACTED:env-secret] npm start"
        );
        // a provider token keeps its own kind
        let out = one(&format!("OPENAI_API_KEY={OPENAI}"), Kind::OpenaiKey);
        assert_eq!(out, "OPENAI_API_KEY=[REDACTED:openai-key]");
    }

    #[test]
    fn bearer_tokens() {
        assert_eq!(
            one(
                "Authorization: Bearer abc123def456ghi789jkl0",
                Kind::BearerToken
            ),
            "Authorization: Bearer [REDACTED:bearer-token]"
        );
    }

    #[test]
    fn home_paths_at_boundaries_only() {
        let (out, rep) = run("cd /home/ann/proj && ls /home/anna /home/ann");
        assert_eq!(out, "cd ~/proj && ls /home/anna ~");
        assert_eq!(rep.count(Kind::HomePath), 2);
        let (out, _) = run("see /home/ann. and /home/ann.bak and /mnt/home/ann/x");
        // `/mnt/home/ann` is not the home directory; the user name still goes
        assert_eq!(out, "see ~. and /home/[user].bak and /mnt/home/[user]/x");
        let (out, _) = run(r#"{"cwd":"/home/ann"}"#);
        assert_eq!(out, r#"{"cwd":"~"}"#);
    }

    #[test]
    fn user_name_as_a_whole_word() {
        let (out, rep) = run("Ann wrote this; annotate it for ann@example.com, not joanna");
        assert_eq!(
            out,
            "[user] wrote this; annotate it for [user]@example.com, not joanna"
        );
        assert_eq!(rep.count(Kind::User), 2);
        // a user called like a marker word leaves the markers alone
        let r = Redactor::new(None, Some("secret"));
        let mut rep = RedactionReport::default();
        let once = r
            .redact_counted("password=hunter2hunter2 and my secret", &mut rep)
            .into_owned();
        assert_eq!(once, "password=[REDACTED:secret] and my [user]");
        assert_eq!(r.redact_counted(&once, &mut rep), once);
        let r = Redactor::new(None, Some("user"));
        assert_eq!(r.redact("the user"), "the [user]");
        assert_eq!(r.redact("the [user]"), "the [user]");
    }

    #[test]
    fn ordinary_prose_and_code_untouched() {
        let samples = [
            "let token = get_token();",
            "token = self.token",
            "if password == expected { return Ok(()) }",
            "assert token != \"\"",
            "\"max_tokens\": 4096, \"input_tokens\": 10, \"cache_read_input_tokens\": 0",
            "fn check(&self, token: &str, secret: SecretString) -> bool",
            "password: String,",
            "api_key = os.environ[\"OPENAI_API_KEY\"]",
            "export OPENAI_API_KEY=$OPENAI_API_KEY",
            "GITHUB_TOKEN=${{ secrets.GITHUB_TOKEN }} gh pr list",
            "MAX_TOKEN=4096",
            "Authorization: Bearer $TOKEN",
            "The API key is read from the environment; the secret never leaves it.",
            "disk-usage-analyzer-component-monitor and task-runner-worker-pool-x",
            "sk-learn is not a key, nor is sk-some-long-kebab-case-name-here",
            "session 11111111-1111-4111-8111-111111111111 at commit 3f2a91c0e5d4b6a7c8d9e0f1a2b3c4d5e6f7a8b9",
            "const PEM: &str = \"-----BEGIN RSA PRIVATE KEY-----\";",
            "secret = Secret::new(value)",
            "\"password\": {\"type\": \"string\"}",
            "Tokens: 10 input, 5 output",
            "credentials: Credentials::default()",
            "see https://example.com/docs/tokens?page=2",
            "password: \"\"",
            "token: \"{{ vault_token }}\"",
        ];
        for s in samples {
            let (out, rep) = run(s);
            assert_eq!(out, s, "changed ordinary text ({rep:?})");
            assert!(rep.is_empty());
        }
    }

    #[test]
    fn everything_at_once_is_idempotent() {
        let text = format!(
            "key {OPENAI}\n{ANTHROPIC} {GOOGLE} {GITHUB} {AWS_ID}\naws_secret_access_key={AWS_SECRET}\n{SLACK} {SLACK_HOOK} {STRIPE} {JWT}\npassword=\"hunter2\"\nAPI_TOKEN=abc\n/home/ann/x ann"
        );
        let (out, rep) = run(&text);
        assert_eq!(rep.total(), 14, "{out}\n{rep:?}");
        for secret in [
            OPENAI,
            ANTHROPIC,
            GOOGLE,
            GITHUB,
            AWS_ID,
            AWS_SECRET,
            SLACK,
            SLACK_HOOK,
            STRIPE,
            JWT,
            "hunter2",
            "/home/ann",
            " ann",
        ] {
            assert!(!out.contains(secret), "{secret} survived in {out}");
        }
    }

    #[test]
    fn large_text_is_quick() {
        // 4 MB of code, prose and non-ASCII output with a few secrets: linear time
        let chunk = format!(
            "fn main() {{ let token = get_token(); }} // ✓ 完了 — ok\n\
             password: String, max_tokens: 4096, /home/annabel/x ann {GITHUB}\n"
        );
        let text = chunk.repeat(4 * 1024 * 1024 / chunk.len());
        let started = std::time::Instant::now();
        let mut rep = RedactionReport::default();
        let out = red().redact_counted(&text, &mut rep);
        let took = started.elapsed();
        assert!(!out.contains(GITHUB));
        assert!(took < std::time::Duration::from_secs(3), "took {took:?}");
        eprintln!("4 MB redacted in {took:?}");
    }

    #[test]
    fn summaries() {
        let mut rep = RedactionReport::default();
        assert_eq!(rep.summary(), "no redactions");
        rep.add(Kind::HomePath, 4);
        rep.add(Kind::Jwt, 1);
        rep.add(Kind::OpenaiKey, 2);
        assert_eq!(
            rep.summary(),
            "7 redactions: 2 openai-key, 1 jwt, 4 home-path"
        );
        let json = serde_json::to_value(&rep).unwrap();
        assert_eq!(json["counts"]["openai-key"], 2);
        let mut one = RedactionReport::default();
        one.add(Kind::User, 1);
        assert_eq!(one.summary(), "1 redaction: 1 user");
    }

    #[test]
    fn redactor_keeps_a_report() {
        let r = red();
        assert_eq!(r.redact("nothing here"), "nothing here");
        assert!(matches!(r.redact("nothing here"), Cow::Borrowed(_)));
        let _ = r.redact(&format!("{JWT} /home/ann"));
        assert_eq!(r.report().summary(), "2 redactions: 1 jwt, 1 home-path");
        assert_eq!(r.take_report().total(), 2);
        assert!(r.report().is_empty());
    }

    #[test]
    fn from_env_reads_user_and_home() {
        let env = crate::config::Env::with_home("/home/bob", &[("USER", "bob")]);
        let r = Redactor::from_env(&env);
        assert_eq!(r.redact("/home/bob/x by bob"), "~/x by [user]");
        // without USER or LOGNAME: the home directory's name
        let env = crate::config::Env::with_home("/home/carol", &[]);
        assert_eq!(Redactor::from_env(&env).redact("carol"), "[user]");
    }

    #[test]
    fn sessions_are_redacted_everywhere() {
        let r = red();
        let mut s = crate::model::test_session(1);
        s.title = format!("use {GITHUB}");
        s.first_prompt = Some(s.title.clone());
        s.cwd = Some("/home/ann/proj".into());
        s.project = Some("ann".into());
        s.source = "/home/ann/.claude/projects/-home-ann-proj/x.jsonl".into();
        s.extra.name = Some("ann's session".into());
        s.extra.tags = vec!["ann".into()];
        s.resume = Some(crate::model::ResumeTarget {
            argv: vec!["claude".into(), "--resume".into(), "x".into()],
            cwd: Some("/home/ann/proj".into()),
        });
        let mut m = Message::new(Role::Assistant);
        m.blocks = vec![
            Block::text(format!("key {OPENAI}")),
            Block::Thinking {
                text: format!("the jwt {JWT}"),
                sealed: false,
            },
            Block::ToolCall {
                id: "t1".into(),
                name: "Bash".into(),
                input: serde_json::json!({
                    "command": format!("curl -H 'x-api-key: {ANTHROPIC}' /home/ann"),
                    "nested": [{"/home/ann/file": STRIPE}],
                }),
            },
            Block::ToolResult {
                call_id: "t1".into(),
                output: format!("{AWS_ID}\n"),
                is_error: false,
            },
        ];
        let mut messages = vec![m];
        let rep = redact_session(&r, &mut s, &mut messages);
        let all = serde_json::to_string(&(&s, &messages)).unwrap();
        for secret in [
            GITHUB,
            OPENAI,
            JWT,
            ANTHROPIC,
            STRIPE,
            AWS_ID,
            "/home/ann",
            "ann",
        ] {
            assert!(!all.contains(secret), "{secret} survived: {all}");
        }
        assert_eq!(s.cwd.as_deref(), Some("~/proj"));
        assert_eq!(s.source, "~/.claude/projects/-home-[user]-proj/x.jsonl");
        assert!(all.contains(r#""~/file":"[REDACTED:stripe-key]""#), "{all}");
        assert_eq!(r.report(), rep);
        // a second pass finds nothing
        let again = redact_session(&r, &mut s, &mut messages);
        assert!(again.is_empty(), "{again:?}");
    }
}
