//! Command-line interface: the TUI by default, and a non-interactive command per view.

use crate::config::{Config, Env};
use crate::export::{self, SessionJson, ShowJson};
use crate::index::query::{FindError, ListQuery, Reader};
use crate::index::writer::{Progress, RefreshReport, Writer};
use crate::model::{Agent, Session, shell_quote};
use crate::sanitize;
use crate::search::Matcher;
use crate::search::list::{self, Haystacks, SortKey};
use crate::search::query::{self, Filter, Query};
use crate::sources::{Registry, RootOrigin};
use anyhow::{Context as _, Result};
use clap::{Args, Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "revisit",
    version,
    about = "Browse, search, read and resume every session your AI coding agents left on disk.",
    long_about = "Browse, search, read and resume every session your AI coding agents left on disk.\n\n\
                  Without a command, opens the full-screen browser. Every view also has a command \
                  with --json output for scripts."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct Global {
    /// Index database to use (default: $XDG_CACHE_HOME/revisit/index.sqlite).
    #[arg(long, global = true, value_name = "PATH")]
    pub index: Option<PathBuf>,
    /// Config file (default: $XDG_CONFIG_HOME/revisit/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Use the bundled demo sessions instead of yours.
    #[arg(long, global = true)]
    pub demo: bool,
    /// Do not refresh the index before answering (use what is indexed).
    #[arg(long, global = true)]
    pub no_refresh: bool,
    /// Which cost to show: `auto` (the agent's own figure where it records one, else tokens ×
    /// prices), `computed` (always tokens × prices) or `recorded` (only the agents' figures).
    /// Default: `[pricing] cost_mode` in config.toml, else auto.
    #[arg(long, global = true, value_name = "MODE", value_parser = parse_cost_mode)]
    pub cost_mode: Option<crate::pricing::CostMode>,
}

fn parse_by(s: &str) -> Result<crate::stats::By, String> {
    crate::stats::By::parse(s)
        .ok_or_else(|| format!("'{s}': use day, week, month, project, model, agent or session"))
}

fn parse_cost_mode(s: &str) -> Result<crate::pricing::CostMode, String> {
    s.parse()
        .map_err(|e: crate::pricing::UnknownCostMode| e.to_string())
}

mod keep;
pub use keep::{KeepCommand, TrashCommand};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Bring the index up to date and report what was read.
    Index {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List sessions, newest first (or filtered and ranked by a query).
    List {
        /// Optional query: words (fuzzy) and filters such as agent:codex project:api since:7d
        /// cost>1 is:live is:expiring tag:review (see `revisit search --help`; a negated
        /// filter goes after `--`: `revisit list -- -is:archived`).
        query: Vec<String>,
        /// Only this agent (claude, codex, gemini, opencode, pi, agsh, agenix, profclaw).
        #[arg(long, value_name = "AGENT")]
        agent: Option<Agent>,
        /// At most this many sessions.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Search the content of every message (prompts, answers, thinking, tool calls and
    /// outputs).
    #[command(
        long_about = "Search the content of every message: prompts, answers, thinking, tool \
        inputs and outputs.\n\nQUERY is words (all must match), \"exact phrases\", prefix*, \
        identifiers such as src/main.rs or ERR_CONN-42 (matched whole), CJK text, and the \
        filters agent:NAME project:TEXT model:TEXT branch:TEXT since:7d until:2026-11-01 \
        cost>1 tokens>50k msgs>10 is:live is:expiring (its agent deletes it within 7 days, \
        by its own retention setting, and revisit keeps no archived copy) is:archived tag:NAME \
        (a tag starting with NAME) (a leading - negates a filter; after `--` on the command \
        line).\n\nPrints one hit per matching message, best first."
    )]
    Search {
        /// Words, phrases and filters.
        #[arg(required = true)]
        query: Vec<String>,
        /// Only this agent.
        #[arg(long, value_name = "AGENT")]
        agent: Option<Agent>,
        /// At most this many hits.
        #[arg(long, value_name = "N", default_value_t = 20)]
        limit: usize,
        /// Print a JSON array of {agent, id, title, message_index, snippet, score}.
        #[arg(long)]
        json: bool,
    },
    /// Show one session with its messages.
    Show {
        /// `agent:id`, an id, or a unique prefix of one.
        id: String,
        /// Print JSON.
        #[arg(long, conflicts_with = "markdown")]
        json: bool,
        /// Print Markdown.
        #[arg(long)]
        markdown: bool,
    },
    /// Export one session whole, as Markdown, one self-contained HTML page or JSON
    /// (optionally with secrets, home paths and the user name redacted).
    #[command(
        long_about = "Export one session whole: Markdown (tool calls as <details> blocks), one \
        self-contained HTML page (inline CSS, highlighted code, collapsible tool calls and \
        thinking, nothing fetched from the network) or JSON (the normalised session, as \
        `show --json`).\n\nThe format is --format, else the --out file's extension, else \
        Markdown. Without --out the document goes to stdout; with it, the file is written \
        whole or not at all.\n\n--redact removes API keys and tokens (OpenAI, Anthropic, \
        Google, GitHub, AWS, Slack, Stripe, JWTs, Bearer tokens), private-key blocks, the values \
        of password=/secret=/token=/api_key: assignments and .env lines, and replaces home \
        directory paths with ~ and the user name with [user]; each redaction is marked \
        ([REDACTED:<kind>]) and a summary goes to stderr."
    )]
    Export {
        /// `agent:id`, an id, or a unique prefix of one.
        id: String,
        /// md (or markdown), html or json. Default: the --out file's extension, else md.
        #[arg(long, value_name = "FORMAT")]
        format: Option<export::Format>,
        /// Write to this file (atomically) instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        out: Option<PathBuf>,
        /// Remove secrets, home directory paths and the user name first.
        #[arg(long)]
        redact: bool,
    },
    /// Tokens and cost: totals and a breakdown by day, week, month, project, model, agent or
    /// session.
    Stats {
        /// Group by day, week, month, project, model, agent or session.
        #[arg(long, default_value = "day", value_parser = parse_by)]
        by: crate::stats::By,
        /// From this time on: 7d, 12h, 2026-11-01, today (a date is a whole local day).
        #[arg(long, value_name = "WHEN")]
        since: Option<String>,
        /// Up to this time (a date includes that whole day).
        #[arg(long, value_name = "WHEN")]
        until: Option<String>,
        /// Only this agent's sessions.
        #[arg(long)]
        agent: Option<Agent>,
        /// Days in UTC instead of the local time zone.
        #[arg(long)]
        utc: bool,
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
        /// Optional query, as for `list`: only the sessions it finds count.
        query: Vec<String>,
    },
    /// Resume a session with its agent's own CLI, in the session's directory (or print the
    /// command and directory it would use).
    #[command(
        long_about = "Resume a session with its agent's own CLI: the agent's resume flag, run in \
        the session's directory with this terminal. revisit waits and exits with the agent's exit \
        code.\n\nBefore anything runs, revisit checks that the program is installed (config.toml \
        can name it, add arguments and set variables: [agents.<name>] program, args, env), that \
        the session's directory exists, and that no live process holds the session (agsh). When \
        the directory is gone, --here resumes from the current directory where the agent can \
        (Claude Code by the file's path, Codex, agsh)."
    )]
    Resume {
        /// `agent:id`, an id, or a unique prefix of one.
        id: String,
        /// The agent's continue-latest flag in the session's directory, instead of this session.
        #[arg(long = "continue")]
        continue_latest: bool,
        /// Print the command and the directory instead of running them.
        #[arg(long)]
        print: bool,
        /// Print them as JSON (implies --print).
        #[arg(long)]
        json: bool,
        /// When the session's directory is gone: resume from the current directory, where the
        /// agent can.
        #[arg(long)]
        here: bool,
    },
    /// Explain where revisit looked and what it could not read.
    Doctor {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show the configuration as loaded, with its warnings (or where it is read from, or the
    /// commented default file).
    #[command(
        long_about = "Show the configuration as loaded (config.toml: theme, agents, keys), \
        with the warnings for what revisit cannot use (unknown themes, agents, actions, keys).\n\n\
        The file is read from --config PATH, else $REVISIT_CONFIG_DIR/config.toml, else \
        $XDG_CONFIG_HOME/revisit/config.toml. `revisit config --print-default > PATH` writes a \
        commented file with every setting to start from."
    )]
    Config {
        /// Print the commented default config.toml (every setting, explained).
        #[arg(long, conflicts_with = "path")]
        print_default: bool,
        /// Print the path the config is read from (whether or not the file exists).
        #[arg(long)]
        path: bool,
    },
    #[command(flatten)]
    Keep(KeepCommand),
}

/// What `revisit config` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigShow {
    /// The config as loaded, with its warnings (as TOML with comments).
    Loaded,
    /// Where the config is read from.
    Path,
    /// The commented default file.
    Default,
}

/// `revisit config`. Needs no index and no `Context`: `explicit` is `--config`. Returns the
/// exit code; an unreadable or invalid config file is an error (except for `Path` and
/// `Default`, which do not read it).
pub fn config_command(
    show: ConfigShow,
    env: &Env,
    explicit: Option<&std::path::Path>,
    out: &mut impl Write,
) -> Result<i32> {
    match show {
        ConfigShow::Default => {
            out.write_all(crate::config::DEFAULT_CONFIG.as_bytes())?;
        }
        ConfigShow::Path => match Config::location(env, explicit) {
            Some(p) => writeln!(out, "{}", p.display())?,
            None => {
                eprintln!(
                    "revisit: no config location: set HOME, XDG_CONFIG_HOME or REVISIT_CONFIG_DIR"
                );
                return Ok(EXIT_USAGE);
            }
        },
        ConfigShow::Loaded => {
            let config = Config::load(env, explicit)?;
            match (&config.path, Config::location(env, explicit)) {
                (Some(p), _) => writeln!(out, "# config: {}", p.display())?,
                (None, Some(p)) => {
                    writeln!(out, "# config: {} (not found: defaults)", p.display())?
                }
                (None, None) => writeln!(out, "# config: none (defaults)")?,
            }
            for w in &config.warnings {
                writeln!(out, "# warning: {}", sanitize::one_line(w))?;
            }
            if crate::ui::theme::no_color(env) {
                writeln!(out, "# NO_COLOR is set: no colours, whatever the theme")?;
            }
            let mut shown = config.clone();
            if shown.theme.is_none() {
                shown.theme = Some("dark".into());
            }
            let mut redacted = false;
            for a in shown.agents.values_mut() {
                if a.token.is_some() {
                    a.token = Some("(set, not shown)".into());
                    redacted = true;
                }
            }
            if redacted {
                writeln!(out, "# tokens are not shown")?;
            }
            let text = toml::to_string(&shown).context("cannot print the config")?;
            writeln!(out)?;
            write!(out, "{text}")?;
        }
    }
    Ok(0)
}

/// Everything a command needs: environment, config, sources and the index location.
pub struct Context {
    pub registry: Registry,
    /// Prices (with config.toml's overrides) and the cost mode.
    pub pricer: std::sync::Arc<crate::cost::TablePricer>,
    /// Problems with `[pricing]` in config.toml.
    pub pricing_warnings: Vec<String>,
    /// The process environment (the registry's is the demo's in demo mode): NO_COLOR and
    /// the like are read from here.
    pub env: Env,
    /// The user's config (in demo mode too: the theme, keys and transcript settings apply).
    pub config: Config,
    pub index_path: PathBuf,
    pub demo: bool,
    /// Demo opened because no agent store exists.
    pub demo_fallback: bool,
    pub no_refresh: bool,
}

impl Context {
    pub fn new(global: &Global, env: Env, allow_demo_fallback: bool) -> Result<Context> {
        let config = Config::load(&env, global.config.as_deref())?;
        let mut demo = global.demo;
        let mut demo_fallback = false;
        if !demo && allow_demo_fallback {
            let reg = Registry::new(env.clone(), config.clone());
            if !reg.roots().iter().any(|r| reg.root_present(r)) {
                demo = true;
                demo_fallback = true;
            }
        }
        let cache = env
            .revisit_cache_dir()
            .context("cannot find a cache directory: set HOME or XDG_CACHE_HOME")?;
        if demo {
            let home = crate::demo::install(&cache.join("demo"))?;
            // profclaw keeps no default database: the demo's is found through PROFCLAW_HOME
            let profclaw_home = home.join("profclaw").display().to_string();
            let demo_env = Env::with_home(&home, &[("PROFCLAW_HOME", profclaw_home.as_str())]);
            let index_path = global
                .index
                .clone()
                .unwrap_or_else(|| cache.join("demo-index.sqlite"));
            let (pricer, pricing_warnings) = crate::cost::pricer(&config, global.cost_mode);
            return Ok(Context {
                registry: Registry::new(demo_env, Config::default()),
                pricer,
                pricing_warnings,
                env,
                config,
                index_path,
                demo: true,
                demo_fallback,
                no_refresh: global.no_refresh,
            });
        }
        let index_path = global
            .index
            .clone()
            .unwrap_or_else(|| cache.join("index.sqlite"));
        let (pricer, pricing_warnings) = crate::cost::pricer(&config, global.cost_mode);
        Ok(Context {
            registry: Registry::new(env.clone(), config.clone()),
            pricer,
            pricing_warnings,
            env,
            config,
            index_path,
            demo: false,
            demo_fallback: false,
            no_refresh: global.no_refresh,
        })
    }

    /// Sessions as shown: resume commands, and costs under the current prices and cost mode.
    pub fn costed(&self, reader: &Reader, list: Vec<Session>) -> Result<Vec<Session>> {
        let rows = if list.len() > 64 {
            reader.usage_rows(&|_| true)?
        } else {
            let mut rows = Vec::new();
            for s in &list {
                rows.extend(reader.usage_rows_of(&s.key)?);
            }
            rows
        };
        let costs = crate::stats::session_costs(&rows, self.pricer.as_ref());
        let mut list: Vec<Session> = list
            .into_iter()
            .map(|mut s| {
                let c = costs.get(&s.key).copied();
                crate::stats::apply_cost(&mut s, c.as_ref());
                self.registry.with_resume(s)
            })
            .collect();
        crate::keep::annotate(&self.registry.env, &mut list);
        Ok(list)
    }

    /// A session with what revisit's own database says of it (name, tags, archive).
    pub fn annotated(&self, mut s: Session) -> Session {
        crate::keep::annotate(&self.registry.env, std::slice::from_mut(&mut s));
        s
    }

    /// Refresh the index (with a progress bar on a terminal when asked) and return a reader.
    /// When another revisit is writing the index (the browser keeps it current while it
    /// runs), this waits a moment for it, then reads the index as it is, saying so.
    pub fn refreshed(&self, show_progress: bool) -> Result<(Reader, Option<RefreshReport>)> {
        let mut writer = match Writer::open_waiting(&self.index_path, WRITER_WAIT) {
            Ok(w) => w,
            Err(e @ crate::index::IndexError::Busy { .. }) => {
                eprintln!("revisit: {e}: reading it as it is");
                return Ok((Reader::open(&self.index_path)?, None));
            }
            Err(e) => return Err(e.into()),
        };
        if let Some(r) = &writer.rebuilt {
            eprintln!("revisit: {r}");
        }
        let report = if self.no_refresh {
            None
        } else {
            let stderr_tty = show_progress && std::io::stderr().is_terminal();
            let mut bar = ProgressBar::default();
            let report = writer.refresh(&self.registry, &mut |p| {
                if stderr_tty {
                    bar.draw(p);
                }
            })?;
            if stderr_tty {
                bar.clear();
            }
            Some(report)
        };
        drop(writer);
        Ok((Reader::open(&self.index_path)?, report))
    }
}

#[derive(Default)]
struct ProgressBar {
    drawn: bool,
}

impl ProgressBar {
    fn draw(&mut self, p: &Progress) {
        if p.bytes_total == 0 {
            return;
        }
        let frac = p.bytes_done as f64 / p.bytes_total as f64;
        let width = 30;
        let filled = ((frac * width as f64) as usize).min(width);
        let mb = p.bytes_done as f64 / 1e6;
        let rate = if p.elapsed.as_secs_f64() > 0.0 {
            mb / p.elapsed.as_secs_f64()
        } else {
            0.0
        };
        eprint!(
            "\r[{}{}] {}/{} files, {:.1}/{:.1} MB, {:.0} MB/s ",
            "#".repeat(filled),
            " ".repeat(width - filled),
            p.stores_done,
            p.stores_total,
            mb,
            p.bytes_total as f64 / 1e6,
            rate
        );
        self.drawn = true;
    }

    fn clear(&mut self) {
        if self.drawn {
            eprint!("\r\x1b[2K");
        }
    }
}

/// Parse a query with the machine's clock and time zone.
pub fn parse_query(text: &str) -> Query {
    let now = chrono::Utc::now();
    let offset = *chrono::Local::now().offset();
    query::parse(text, now, offset)
}

/// How long a command waits for another revisit that is writing the index.
const WRITER_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Exit code for a failed lookup or usage problem.
pub const EXIT_USAGE: i32 = 2;

/// Run a subcommand; returns the process exit code.
pub fn run(cmd: Command, ctx: &Context) -> Result<i32> {
    let mut out = std::io::stdout().lock();
    match cmd {
        Command::Keep(k) => keep::run(k, ctx, &mut out),
        Command::Index { json } => {
            let (_reader, report) = ctx.refreshed(true)?;
            let report = report.unwrap_or_default();
            if json {
                serde_json::to_writer_pretty(&mut out, &report)?;
                writeln!(out)?;
            } else {
                writeln!(
                    out,
                    "{} sessions; {} of {} files parsed ({:.1} MB) in {} ms; {} skipped records",
                    report.sessions,
                    report.files_parsed,
                    report.files_seen,
                    report.bytes_parsed as f64 / 1e6,
                    report.elapsed_ms,
                    report.errors
                )?;
                if report.errors > 0 {
                    writeln!(out, "run `revisit doctor` for details")?;
                }
            }
            Ok(0)
        }
        Command::List {
            query,
            agent,
            limit,
            json,
        } => {
            let (reader, _) = ctx.refreshed(false)?;
            let all: Vec<Session> =
                ctx.costed(&reader, reader.list(&ListQuery { agent, limit: None })?)?;
            let q = parse_query(&query.join(" "));
            if let Some(e) = q.error() {
                eprintln!("revisit: {e}");
                return Ok(EXIT_USAGE);
            }
            let sessions: Vec<Session> = if q.is_empty() {
                all
            } else {
                let hay = Haystacks::build(&all);
                let rows = list::build_rows(
                    &list::ListRequest {
                        sessions: &all,
                        hay: &hay,
                        query: &q,
                        sort: SortKey::Relevance,
                        group: false,
                        now: chrono::Utc::now(),
                        candidates: None,
                    },
                    &Matcher::default(),
                    2,
                );
                rows.iter()
                    .filter_map(|r| r.session())
                    .map(|i| all[i].clone())
                    .collect()
            };
            let sessions: Vec<Session> = match limit {
                Some(n) => sessions.into_iter().take(n).collect(),
                None => sessions,
            };
            if json {
                let items: Vec<SessionJson> = sessions.iter().map(SessionJson::of).collect();
                serde_json::to_writer_pretty(&mut out, &items)?;
                writeln!(out)?;
            } else {
                print_table(&mut out, &sessions)?;
            }
            Ok(0)
        }
        Command::Stats {
            by,
            since,
            until,
            agent,
            utc,
            json,
            query,
        } => {
            let (reader, _) = ctx.refreshed(false)?;
            let tz = if utc {
                chrono::FixedOffset::east_opt(0).expect("zero offset")
            } else {
                *chrono::Local::now().offset()
            };
            let now = chrono::Utc::now();
            let mut words = query.join(" ");
            for (name, v) in [("since", &since), ("until", &until)] {
                if let Some(v) = v {
                    words.push_str(&format!(" {name}:{v}"));
                }
            }
            let q = crate::search::query::parse(&words, now, tz);
            if let Some(e) = q.error() {
                eprintln!("revisit: {e}");
                return Ok(EXIT_USAGE);
            }
            let all = ctx.costed(&reader, reader.list(&ListQuery { agent, limit: None })?)?;
            let chosen: Vec<&Session> = if q.terms.is_empty() && q.filters.is_empty() {
                all.iter().collect()
            } else {
                let hay = Haystacks::build(&all);
                list::build_rows(
                    &list::ListRequest {
                        sessions: &all,
                        hay: &hay,
                        query: &q,
                        sort: SortKey::Relevance,
                        group: false,
                        now,
                        candidates: None,
                    },
                    &Matcher::default(),
                    2,
                )
                .iter()
                .filter_map(|r| r.session())
                .map(|i| &all[i])
                .collect()
            };
            let st = stats_for(&reader, &chosen, &q, by, tz, ctx.pricer.as_ref())?;
            if json {
                serde_json::to_writer_pretty(&mut out, &StatsJson::of(&st, ctx, utc))?;
                writeln!(out)?;
            } else {
                print_stats(&mut out, &st)?;
            }
            Ok(0)
        }
        Command::Search {
            query,
            agent,
            limit,
            json,
        } => {
            let (reader, _) = ctx.refreshed(false)?;
            let mut q = parse_query(&query.join(" "));
            if let Some(e) = q.error() {
                eprintln!("revisit: {e}");
                return Ok(EXIT_USAGE);
            }
            if let Some(a) = agent {
                q.filters.push(Filter::Agent(a));
            }
            if crate::search::fts::match_expr(&q.terms).is_none() {
                eprintln!(
                    "revisit: the query has no words to search for (filters alone: use `revisit list {}`)",
                    query.join(" ")
                );
                return Ok(EXIT_USAGE);
            }
            let annotate = crate::keep::annotator(&ctx.registry.env);
            let hits = crate::search::fts::search_messages(
                &reader,
                &q,
                chrono::Utc::now(),
                limit,
                &|s| {
                    let mut s = ctx.registry.with_resume(s);
                    annotate(&mut s);
                    s
                },
            )?;
            if json {
                let items: Vec<serde_json::Value> = hits
                    .iter()
                    .map(|h| {
                        serde_json::json!({
                            "agent": h.session.agent.as_str(),
                            "id": h.session.id,
                            "title": h.session.title,
                            "message_index": h.message_index,
                            "snippet": h.snippet,
                            "score": (h.score * 1000.0).round() / 1000.0,
                        })
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut out, &items)?;
                writeln!(out)?;
            } else {
                for h in &hits {
                    writeln!(
                        out,
                        "{} {}  {}\n    #{}: {}",
                        h.session.agent.as_str(),
                        h.session.id,
                        sanitize::truncate_chars(&sanitize::one_line(&h.session.title), 70),
                        h.message_index,
                        h.snippet
                    )?;
                }
                if hits.is_empty() {
                    writeln!(out, "no matches")?;
                }
            }
            Ok(0)
        }
        Command::Show { id, json, markdown } => {
            let (reader, _) = ctx.refreshed(false)?;
            let session = match reader.find(&id) {
                Ok(s) => ctx.costed(&reader, vec![s])?.remove(0),
                Err(FindError::Lookup(e)) => {
                    eprintln!("revisit: {e}");
                    return Ok(EXIT_USAGE);
                }
                Err(FindError::Index(e)) => return Err(e.into()),
            };
            let messages = reader.messages(&session.key)?;
            if json {
                let doc = ShowJson {
                    session: SessionJson::of(&session),
                    messages: &messages,
                };
                serde_json::to_writer_pretty(&mut out, &doc)?;
                writeln!(out)?;
            } else if markdown {
                write!(out, "{}", export::markdown(&session, &messages))?;
            } else {
                // plain: Markdown is the readable text form
                write!(out, "{}", export::markdown(&session, &messages))?;
            }
            Ok(0)
        }
        Command::Export {
            id,
            format,
            out: out_path,
            redact,
        } => {
            let (reader, _) = ctx.refreshed(false)?;
            let session = match reader.find(&id) {
                Ok(s) => ctx.costed(&reader, vec![s])?.remove(0),
                Err(FindError::Lookup(e)) => {
                    eprintln!(
                        "revisit: cannot export: {} (`revisit list` shows the sessions)",
                        sanitize::one_line(&e.to_string())
                    );
                    return Ok(1);
                }
                Err(FindError::Index(e)) => return Err(e.into()),
            };
            // exports are never cut: every message, whole
            let messages = reader.messages(&session.key)?;
            drop(reader);
            let format = format
                .or_else(|| out_path.as_deref().and_then(export::Format::from_path))
                .unwrap_or_default();
            let redactor = redact.then(|| crate::redact::Redactor::from_env(&ctx.env));
            let (doc, report) = export::render(format, &session, &messages, redactor.as_ref());
            match &out_path {
                None => out.write_all(doc.as_bytes())?,
                Some(path) => {
                    export::write_atomically(path, doc.as_bytes())
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("revisit: wrote {}", path.display());
                }
            }
            if redact {
                eprintln!("revisit: redacted: {}", report.summary());
            }
            Ok(0)
        }
        Command::Config {
            print_default,
            path,
        } => {
            let show = if print_default {
                ConfigShow::Default
            } else if path {
                ConfigShow::Path
            } else {
                ConfigShow::Loaded
            };
            if ctx.demo && show != ConfigShow::Default {
                eprintln!("revisit: --demo reads no config file");
                return Ok(EXIT_USAGE);
            }
            // the config Context loaded came from --config, or from the default location
            let explicit = ctx.registry.config.path.as_deref();
            config_command(show, &ctx.registry.env, explicit, &mut out)
        }
        Command::Resume {
            id,
            continue_latest,
            print,
            json,
            here,
        } => {
            let (reader, _) = ctx.refreshed(false)?;
            let session = match reader.find(&id) {
                Ok(s) => ctx.annotated(ctx.registry.with_resume(s)),
                Err(FindError::Lookup(e)) => {
                    eprintln!("revisit: {e}");
                    return Ok(EXIT_USAGE);
                }
                Err(FindError::Index(e)) => return Err(e.into()),
            };
            drop(reader);
            let kind = if continue_latest {
                crate::resume::Kind::Continue
            } else {
                crate::resume::Kind::Resume
            };
            let sys = crate::resume::RealSystem { env: &ctx.env };
            let plan = match crate::resume::plan(&session, kind, &ctx.registry, &ctx.config, &sys) {
                Ok(p) => p,
                Err(crate::resume::Refusal::DirectoryGone {
                    elsewhere: Some(p), ..
                }) if here => *p,
                Err(e) => {
                    let elsewhere = match &e {
                        crate::resume::Refusal::DirectoryGone {
                            elsewhere: Some(p), ..
                        } => Some(p.as_ref()),
                        _ => None,
                    };
                    if json {
                        let doc = serde_json::json!({
                            "error": e.to_string(),
                            "elsewhere": elsewhere,
                        });
                        serde_json::to_writer_pretty(&mut out, &doc)?;
                        writeln!(out)?;
                    }
                    eprintln!("revisit: {}", sanitize::one_line(&e.to_string()));
                    if let Some(p) = elsewhere {
                        eprintln!(
                            "revisit: --here runs it from this directory: {}",
                            sanitize::one_line(&p.shell_line())
                        );
                    }
                    return Ok(1);
                }
            };
            if json {
                serde_json::to_writer_pretty(&mut out, &plan)?;
                writeln!(out)?;
                return Ok(0);
            }
            if print {
                let words: Vec<String> = plan.argv.iter().map(|a| shell_quote(a)).collect();
                writeln!(
                    out,
                    "cwd:  {}",
                    sanitize::one_line(&plan.cwd.to_string_lossy())
                )?;
                writeln!(out, "argv: {}", sanitize::one_line(&words.join(" ")))?;
                for (k, v) in &plan.env {
                    writeln!(out, "env:  {k}={}", sanitize::one_line(&shell_quote(v)))?;
                }
                if let Some(n) = &plan.note {
                    writeln!(out, "note: {}", sanitize::one_line(n))?;
                }
                return Ok(0);
            }
            if let Some(n) = &plan.note {
                eprintln!("revisit: {}", sanitize::one_line(n));
            }
            out.flush()?;
            drop(out);
            match crate::child::run_foreground(&mut plan.command()) {
                Ok(status) => Ok(crate::child::exit_code(&status)),
                Err(e) => {
                    eprintln!("revisit: cannot run {}: {e}", plan.program.display());
                    Ok(1)
                }
            }
        }
        Command::Doctor { json } => {
            let (reader, report) = ctx.refreshed(false)?;
            let doc = doctor(ctx, &reader, report.as_ref())?;
            if json {
                serde_json::to_writer_pretty(&mut out, &doc)?;
                writeln!(out)?;
            } else {
                print_doctor(&mut out, &doc)?;
            }
            Ok(0)
        }
    }
}

fn human_tokens(n: u64) -> String {
    match n {
        0..=999 => n.to_string(),
        1_000..=999_999 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

/// Statistics over some sessions, within the query's since/until.
pub fn stats_for(
    reader: &Reader,
    sessions: &[&Session],
    q: &crate::search::query::Query,
    by: crate::stats::By,
    tz: chrono::FixedOffset,
    pricer: &dyn crate::stats::Pricer,
) -> Result<crate::stats::Stats> {
    use crate::search::query::Filter;
    let by_key: std::collections::HashMap<&str, &Session> =
        sessions.iter().map(|s| (s.key.as_str(), *s)).collect();
    let rows = reader.usage_rows(&|k| by_key.contains_key(k))?;
    let mut range = crate::stats::Range::default();
    for f in &q.filters {
        match f {
            Filter::Since(t) => range.since = Some(range.since.map_or(*t, |s| s.max(*t))),
            Filter::Until(t) => range.until = Some(range.until.map_or(*t, |u| u.min(*t))),
            _ => {}
        }
    }
    Ok(crate::stats::compute(
        &rows, &by_key, &range, by, tz, pricer,
    ))
}

/// `stats --json`.
#[derive(Debug, serde::Serialize)]
pub struct StatsJson<'a> {
    pub by: crate::stats::By,
    pub cost_mode: &'static str,
    pub time_zone: String,
    pub totals: &'a crate::stats::Sums,
    pub groups: &'a [crate::stats::Group],
    pub unpriced_models: &'a [String],
}

impl<'a> StatsJson<'a> {
    pub fn of(st: &'a crate::stats::Stats, ctx: &Context, utc: bool) -> StatsJson<'a> {
        StatsJson {
            by: st.by,
            cost_mode: ctx.pricer.mode.as_str(),
            time_zone: if utc {
                "UTC".into()
            } else {
                chrono::Local::now().offset().to_string()
            },
            totals: &st.totals,
            groups: &st.groups,
            unpriced_models: &st.unpriced_models,
        }
    }
}

fn print_stats(out: &mut impl Write, st: &crate::stats::Stats) -> Result<()> {
    let t = &st.totals;
    writeln!(
        out,
        "{} sessions, {} prompts, {} tool calls, {} requests; tokens: {} input, {} output, {} cache read, {} cache write; cost {}{}",
        t.sessions,
        t.prompts,
        t.tool_calls,
        t.turns,
        t.tokens.input,
        t.tokens.output,
        t.tokens.cache_read,
        t.tokens.cache_write,
        crate::text::money(Some(t.cost_usd)),
        if t.unpriced_turns > 0 {
            format!(
                " (+ {} requests without a price: {})",
                t.unpriced_turns,
                sanitize::one_line(&st.unpriced_models.join(", "))
            )
        } else {
            String::new()
        }
    )?;
    writeln!(out)?;
    let w = st
        .groups
        .iter()
        .map(|g| crate::text::width(&sanitize::one_line(&g.label)).min(48))
        .max()
        .unwrap_or(4)
        .max(st.by.as_str().len());
    writeln!(
        out,
        "{}  {:>8}  {:>8}  {:>8}  {:>10}  {:>10}",
        crate::text::pad(&st.by.as_str().to_uppercase(), w),
        "SESSIONS",
        "PROMPTS",
        "REQUESTS",
        "TOKENS",
        "COST"
    )?;
    for g in &st.groups {
        let cost = crate::ui::stats::cost_label(g.sums.cost_usd, g.sums.unpriced_turns);
        writeln!(
            out,
            "{}  {:>8}  {:>8}  {:>8}  {:>10}  {:>10}",
            crate::text::pad(&crate::text::fit(&sanitize::one_line(&g.label), w), w),
            g.sums.sessions,
            // prompts have no model
            if st.by == crate::stats::By::Model {
                "-".to_string()
            } else {
                g.sums.prompts.to_string()
            },
            g.sums.turns,
            g.sums.tokens.total(),
            cost
        )?;
    }
    Ok(())
}

fn print_table(out: &mut impl Write, sessions: &[Session]) -> Result<()> {
    writeln!(
        out,
        "{:<9} {:<20} {:>5} {:>8} {:>9}  {:<16} TITLE",
        "AGENT", "UPDATED", "MSGS", "TOKENS", "COST", "PROJECT"
    )?;
    for s in sessions {
        let updated = s
            .updated_at
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        let tokens = if s.tokens_known {
            human_tokens(s.tokens.total())
        } else {
            "?".into()
        };
        writeln!(
            out,
            "{:<9} {:<20} {:>5} {:>8} {:>9}  {:<16} {}",
            s.agent.as_str(),
            updated,
            s.messages,
            tokens,
            crate::ui::list::session_cost(s),
            sanitize::truncate_chars(&sanitize::one_line(s.project.as_deref().unwrap_or("-")), 16),
            sanitize::truncate_chars(&sanitize::one_line(&s.title), 80)
        )?;
    }
    Ok(())
}

#[derive(Debug, serde::Serialize)]
pub struct DoctorRoot {
    pub path: String,
    pub origin: String,
    pub exists: bool,
    /// How the browser watches it: `native`, `waiting` (not there yet: its parent is
    /// watched), `polling`, `remote`, `unwatched` or `disabled`.
    pub watch: String,
    /// Why, for polling and unwatched roots; what is watched for a waiting one.
    pub watch_detail: Option<String>,
}

#[derive(Debug, serde::Serialize)]
pub struct DoctorAgent {
    pub agent: String,
    pub enabled: bool,
    pub roots: Vec<DoctorRoot>,
    pub stores: u64,
    pub sessions: u64,
    pub skipped: u64,
    pub stores_with_problems: Vec<crate::index::query::StoreInfo>,
    /// When the agent deletes sessions by itself: per folder, the policy, the settings
    /// behind it and the files read (see `crate::retention`).
    pub retention: Vec<crate::retention::PolicyReport>,
}

#[derive(Debug, serde::Serialize)]
pub struct Doctor {
    pub index: String,
    pub demo: bool,
    pub config: Option<String>,
    pub config_warnings: Vec<String>,
    pub agents: Vec<DoctorAgent>,
    pub unreadable: Vec<crate::sources::ScanProblem>,
    /// revisit's own data: names, tags, archive, trash.
    pub kept: Option<crate::keep::Summary>,
}

pub fn doctor(ctx: &Context, reader: &Reader, report: Option<&RefreshReport>) -> Result<Doctor> {
    let stores = reader.stores()?;
    let roots = {
        // every root, including those of disabled agents and those that do not exist
        let known = reader.known_dirs()?;
        let ctx_d = crate::sources::DiscoverCtx {
            env: &ctx.registry.env,
            config: &ctx.registry.config,
            known_dirs: &known,
        };
        ctx.registry
            .sources
            .iter()
            .flat_map(|s| s.roots(&ctx_d))
            .collect::<Vec<_>>()
    };
    let sessions = reader.list(&ListQuery::default())?;
    // how the browser would watch each root: set the watches up and ask
    let watch_roots: Vec<crate::watch::WatchRoot> = roots
        .iter()
        .filter(|r| ctx.registry.enabled(r.agent))
        .map(|r| crate::watch::WatchRoot {
            path: r.path.clone(),
            remote: ctx.registry.source(r.agent).is_some_and(|s| s.is_remote(r)),
        })
        .collect();
    let modes = crate::watch::Watcher::spawn(watch_roots, |_| {}).status();
    let mode_of = |r: &crate::sources::Root| -> (String, Option<String>) {
        use crate::watch::Mode;
        if !ctx.registry.enabled(r.agent) {
            return ("disabled".into(), None);
        }
        match modes.iter().find(|(p, _)| *p == r.path).map(|(_, m)| m) {
            Some(Mode::Native) => ("native".into(), None),
            Some(Mode::Waiting { parent }) => {
                ("waiting".into(), Some(parent.display().to_string()))
            }
            Some(Mode::Polling { reason }) => ("polling".into(), Some(reason.clone())),
            Some(Mode::Remote) => ("remote".into(), None),
            Some(Mode::Unwatched { reason }) => ("unwatched".into(), Some(reason.clone())),
            None => ("unwatched".into(), None),
        }
    };
    let mut agents = Vec::new();
    for src in &ctx.registry.sources {
        let agent = src.agent();
        let mine: Vec<_> = stores
            .iter()
            .filter(|s| s.agent == agent.as_str())
            .collect();
        agents.push(DoctorAgent {
            agent: agent.as_str().into(),
            enabled: ctx.registry.enabled(agent),
            roots: roots
                .iter()
                .filter(|r| r.agent == agent)
                .map(|r| {
                    let (watch, watch_detail) = mode_of(r);
                    DoctorRoot {
                        path: r.path.display().to_string(),
                        origin: if ctx.demo {
                            RootOrigin::Demo.describe()
                        } else {
                            r.origin.describe()
                        },
                        exists: ctx.registry.root_present(r),
                        watch,
                        watch_detail,
                    }
                })
                .collect(),
            stores: mine.len() as u64,
            sessions: sessions.iter().filter(|s| s.agent == agent).count() as u64,
            skipped: mine.iter().map(|s| s.errors).sum(),
            stores_with_problems: mine
                .into_iter()
                .filter(|s| s.errors > 0 || s.failure.is_some() || s.pending_bytes > 0)
                .cloned()
                .collect(),
            retention: ctx.registry.retention.report(agent),
        });
    }
    Ok(Doctor {
        index: ctx.index_path.display().to_string(),
        demo: ctx.demo,
        config: ctx
            .registry
            .config
            .path
            .as_ref()
            .map(|p| p.display().to_string()),
        config_warnings: ctx.registry.config.warnings.clone(),
        agents,
        unreadable: report.map(|r| r.problems.clone()).unwrap_or_default(),
        kept: crate::keep::summary(&ctx.registry.env),
    })
}

fn print_doctor(out: &mut impl Write, d: &Doctor) -> Result<()> {
    writeln!(out, "index: {}", d.index)?;
    if d.demo {
        writeln!(out, "mode: demo sessions")?;
    }
    match &d.config {
        Some(c) => writeln!(out, "config: {c}")?,
        None => writeln!(out, "config: none (defaults)")?,
    }
    for w in &d.config_warnings {
        writeln!(out, "  warning: {w}")?;
    }
    if let Some(k) = &d.kept {
        writeln!(
            out,
            "revisit's own data: {} ({} named, {} tagged, {} archived in {}, {} in the trash in {})",
            k.dir,
            k.named,
            k.tagged,
            k.archived,
            crate::text::human_bytes(k.archive_bytes as usize),
            k.trash_entries,
            crate::text::human_bytes(k.trash_bytes as usize)
        )?;
        if let Some(p) = &k.problem {
            writeln!(out, "  warning: {}", sanitize::one_line(p))?;
        }
    }
    for a in &d.agents {
        let name = a
            .agent
            .parse::<Agent>()
            .map(|a| a.display_name())
            .unwrap_or("?");
        writeln!(out)?;
        writeln!(
            out,
            "{name} ({}){}: {} sessions in {} stores, {} records skipped",
            a.agent,
            if a.enabled { "" } else { " [disabled]" },
            a.sessions,
            a.stores,
            a.skipped
        )?;
        for r in &a.roots {
            let watch = match (r.watch.as_str(), &r.watch_detail) {
                ("native", _) => "watched".to_string(),
                ("waiting", Some(parent)) => format!("watched from {parent} until it exists"),
                ("polling", Some(why)) => format!("polled every 2 s: {why}"),
                ("remote", _) => "asked every 10 s".to_string(),
                ("disabled", _) => "not watched".to_string(),
                (w, Some(why)) => format!("{w}: {why}"),
                (w, None) => w.to_string(),
            };
            writeln!(
                out,
                "  {} {}  ({}; {})",
                if r.exists { "found  " } else { "missing" },
                r.path,
                r.origin,
                sanitize::one_line(&watch)
            )?;
        }
        for p in &a.retention {
            let scope = match (&p.dir, a.retention.len()) {
                (Some(d), n) if n > 1 => format!(" of {}", sanitize::one_line(d)),
                _ => String::new(),
            };
            writeln!(out, "  retention{scope}: {}", sanitize::one_line(&p.policy))?;
            for w in &p.warnings {
                writeln!(out, "    warning: {}", sanitize::one_line(w))?;
            }
        }
        for s in &a.stores_with_problems {
            writeln!(out, "  {}", sanitize::one_line(&s.path))?;
            if let Some(f) = &s.failure {
                writeln!(out, "    unreadable: {}", sanitize::one_line(f))?;
            }
            if s.pending_bytes > 0 {
                writeln!(
                    out,
                    "    incomplete last line: {} bytes waiting for a newline",
                    s.pending_bytes
                )?;
            }
            if s.errors > 0 {
                writeln!(out, "    {} records skipped, for example:", s.errors)?;
            }
            for e in s.examples.iter().take(5) {
                writeln!(
                    out,
                    "      line {}: {} — {}",
                    e.line.map(|l| l.to_string()).unwrap_or_else(|| "-".into()),
                    e.kind.as_str(),
                    sanitize::one_line(&e.detail)
                )?;
            }
        }
    }
    if !d.unreadable.is_empty() {
        writeln!(out)?;
        writeln!(out, "could not read:")?;
        for p in &d.unreadable {
            writeln!(
                out,
                "  {}: {}",
                sanitize::one_line(&p.path.display().to_string()),
                p.reason
            )?;
        }
    }
    Ok(())
}
