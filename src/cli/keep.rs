//! Commands that keep and tidy: rename, tag, archive, delete and the trash.

use super::{Context, EXIT_USAGE};
use crate::index::query::{FindError, Reader};
use crate::keep::{self, KeepDb, KeepError, trash};
use crate::model::Session;
use anyhow::Result;
use clap::Subcommand;
use serde::Serialize;
use std::io::{BufRead, IsTerminal, Write};

#[derive(Debug, Subcommand)]
pub enum KeepCommand {
    /// Give a session a name of your own (kept by revisit, never written to the agent's files).
    Rename {
        /// `agent:id`, an id, or a unique prefix of one.
        id: String,
        /// The name (several words are joined). Without it, or with --clear, the name goes.
        name: Vec<String>,
        /// Take the name away.
        #[arg(long)]
        clear: bool,
        #[arg(long)]
        json: bool,
    },
    /// Tag a session (kept by revisit; find them with tag:NAME). Without tags, print its tags.
    Tag {
        /// `agent:id`, an id, or a unique prefix of one.
        id: String,
        /// Tags to add (or remove with --remove): words, `#` optional.
        tags: Vec<String>,
        /// Remove these tags instead.
        #[arg(long, conflicts_with = "clear")]
        remove: bool,
        /// Remove every tag.
        #[arg(long)]
        clear: bool,
        #[arg(long)]
        json: bool,
    },
    /// Keep a copy of a session in revisit's archive ($XDG_DATA_HOME/revisit/archive): still
    /// listed, searchable and readable after the agent deletes its own files.
    Archive {
        /// `agent:id`, an id, or a unique prefix of one.
        #[arg(required_unless_present = "expiring")]
        id: Option<String>,
        /// Archive every session the agents will delete within 7 days (is:expiring).
        #[arg(long, conflicts_with = "remove")]
        expiring: bool,
        /// Remove the archived copy instead (the agent's own files are not touched).
        #[arg(long)]
        remove: bool,
        #[arg(long)]
        json: bool,
    },
    /// Delete a session: move its files to revisit's trash (undo with `revisit trash
    /// restore`). Sessions in an agent's database, or in a file shared with other sessions,
    /// are not deleted.
    Delete {
        /// `agent:id`, an id, or a unique prefix of one.
        id: String,
        /// Do not ask (needed when stdin is not a terminal).
        #[arg(long, short)]
        yes: bool,
        #[arg(long)]
        json: bool,
    },
    /// What deleted sessions left in revisit's trash: list, restore, empty.
    Trash {
        #[command(subcommand)]
        cmd: Option<TrashCommand>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TrashCommand {
    /// Every deleted session in the trash, newest first.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Put a deleted session's files back where they were (default: the newest).
    Restore {
        /// An entry id (or a prefix), or the session's id.
        entry: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Remove what is in the trash for good.
    Empty {
        /// Only entries deleted longer ago than this (7d, 12h, 2026-11-01).
        #[arg(long, value_name = "WHEN")]
        older_than: Option<String>,
        /// Do not ask (needed when stdin is not a terminal).
        #[arg(long, short)]
        yes: bool,
    },
}

fn find(ctx: &Context, reader: &Reader, id: &str) -> Result<Option<Session>> {
    match reader.find(id) {
        Ok(s) => Ok(Some(ctx.annotated(ctx.registry.with_resume(s)))),
        Err(FindError::Lookup(e)) => {
            eprintln!("revisit: {e}");
            Ok(None)
        }
        Err(FindError::Index(e)) => Err(e.into()),
    }
}

/// Ask on the terminal; false when there is none (the caller says to use --yes).
fn ask(question: &str) -> bool {
    if !std::io::stdin().is_terminal() {
        return false;
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return false;
    }
    matches!(line.trim(), "y" | "Y" | "yes" | "Yes")
}

fn json_line<T: Serialize>(out: &mut impl Write, v: &T) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, v)?;
    writeln!(out)?;
    Ok(())
}

fn refused(e: KeepError) -> Result<i32> {
    match e {
        KeepError::Refused(why) => {
            eprintln!("revisit: {why}");
            Ok(1)
        }
        e => Err(e.into()),
    }
}

#[derive(Serialize)]
struct Named<'a> {
    key: &'a str,
    name: Option<&'a str>,
    tags: &'a [String],
}

impl<'a> Named<'a> {
    fn of(s: &'a Session, tags: &'a [String]) -> Named<'a> {
        Named {
            key: &s.key,
            name: s.extra.name.as_deref(),
            tags,
        }
    }
}

pub fn run(cmd: KeepCommand, ctx: &Context, out: &mut impl Write) -> Result<i32> {
    let env = &ctx.registry.env;
    match cmd {
        KeepCommand::Rename {
            id,
            name,
            clear,
            json,
        } => {
            let (reader, _) = ctx.refreshed(false)?;
            let Some(s) = find(ctx, &reader, &id)? else {
                return Ok(EXIT_USAGE);
            };
            let name = (!clear).then(|| name.join(" "));
            KeepDb::open(env)?.set_name(&s.key, name.as_deref())?;
            let s = ctx.annotated(s);
            if json {
                json_line(out, &Named::of(&s, &s.extra.tags))?;
            } else {
                match &s.extra.name {
                    Some(n) => {
                        writeln!(out, "{}: named \"{}\"", s.key, crate::sanitize::one_line(n))?
                    }
                    None => writeln!(out, "{}: no name (the title shows)", s.key)?,
                }
            }
            Ok(0)
        }
        KeepCommand::Tag {
            id,
            tags,
            remove,
            clear,
            json,
        } => {
            let (reader, _) = ctx.refreshed(false)?;
            let Some(s) = find(ctx, &reader, &id)? else {
                return Ok(EXIT_USAGE);
            };
            let now = if clear {
                KeepDb::open(env)?.set_tags(&s.key, &[])?
            } else if tags.is_empty() {
                s.extra.tags.clone()
            } else if remove {
                KeepDb::open(env)?.change_tags(&s.key, &[], &tags)?
            } else {
                KeepDb::open(env)?.change_tags(&s.key, &tags, &[])?
            };
            if json {
                json_line(out, &Named::of(&s, &now))?;
            } else if now.is_empty() {
                writeln!(out, "{}: no tags", s.key)?;
            } else {
                let shown: Vec<String> = now.iter().map(|t| format!("#{t}")).collect();
                writeln!(out, "{}: {}", s.key, shown.join(" "))?;
            }
            Ok(0)
        }
        KeepCommand::Archive {
            id,
            expiring,
            remove,
            json,
        } => {
            let (reader, _) = ctx.refreshed(false)?;
            let db = KeepDb::open(env)?;
            let chosen: Vec<Session> = if expiring {
                let all = ctx.costed(&reader, reader.list(&Default::default())?)?;
                let q = super::parse_query("is:expiring");
                matching(&all, &q)
            } else {
                let id = id.unwrap_or_default();
                match find(ctx, &reader, &id)? {
                    Some(s) => vec![s],
                    None => return Ok(EXIT_USAGE),
                }
            };
            if remove {
                let s = &chosen[0];
                let existed = keep::archive::unarchive(env, s, &db)?;
                if json {
                    json_line(out, &serde_json::json!({"key": s.key, "removed": existed}))?;
                } else if existed {
                    writeln!(out, "{}: archived copy removed", s.key)?;
                } else {
                    writeln!(out, "{}: was not archived", s.key)?;
                }
                ctx.refreshed(false)?;
                return Ok(0);
            }
            let mut done = Vec::new();
            let mut failed = 0;
            for s in &chosen {
                match keep::archive::archive(env, &reader, s, &db) {
                    Ok(a) => {
                        if !json {
                            writeln!(
                                out,
                                "{}: archived {} messages and {} files to {}{}",
                                a.key,
                                a.messages,
                                a.files.len(),
                                a.dir.display(),
                                if a.resumable_from_copy {
                                    " (resumable from the copy)"
                                } else {
                                    ""
                                }
                            )?;
                        }
                        done.push(a);
                    }
                    Err(e) => {
                        failed += 1;
                        eprintln!("revisit: {}: {e}", s.key);
                    }
                }
            }
            if json {
                json_line(out, &done)?;
            } else if expiring && chosen.is_empty() {
                writeln!(out, "no session is due to be deleted within 7 days")?;
            }
            // the copies are stores of their own: index them now
            ctx.refreshed(false)?;
            Ok(if failed > 0 { 1 } else { 0 })
        }
        KeepCommand::Delete { id, yes, json } => {
            let (reader, _) = ctx.refreshed(false)?;
            let Some(s) = find(ctx, &reader, &id)? else {
                return Ok(EXIT_USAGE);
            };
            let plan = match trash::plan(env, &reader, &s) {
                Ok(p) => p,
                Err(e) => return refused(e),
            };
            if !yes && !ask(&plan.question()) {
                if std::io::stdin().is_terminal() {
                    eprintln!("revisit: not deleted");
                } else {
                    eprintln!(
                        "revisit: {}\nrevisit: not deleted: add --yes to confirm",
                        plan.question()
                    );
                }
                return Ok(1);
            }
            let entry = match trash::delete(env, &plan) {
                Ok(e) => e,
                Err(e) => return refused(e),
            };
            drop(reader);
            ctx.refreshed(false)?;
            if json {
                json_line(out, &entry)?;
            } else {
                writeln!(
                    out,
                    "{}: moved {} to the trash as {} (revisit trash restore {} puts it back)",
                    entry.key,
                    if entry.files.len() == 1 {
                        "1 file".to_string()
                    } else {
                        format!("{} files", entry.files.len())
                    },
                    entry.id,
                    entry.id
                )?;
            }
            Ok(0)
        }
        KeepCommand::Trash { cmd } => match cmd.unwrap_or(TrashCommand::List { json: false }) {
            TrashCommand::List { json } => {
                let all = trash::list(env)?;
                if json {
                    json_line(out, &all)?;
                } else if all.is_empty() {
                    writeln!(out, "the trash is empty")?;
                } else {
                    for t in &all {
                        writeln!(
                            out,
                            "{}  {}  {}  {}  {} file{}, {}{}",
                            t.id,
                            t.deleted_at
                                .with_timezone(&chrono::Local)
                                .format("%Y-%m-%d %H:%M"),
                            t.key,
                            crate::sanitize::truncate_chars(
                                &crate::sanitize::one_line(&t.title),
                                50
                            ),
                            t.files.len(),
                            if t.files.len() == 1 { "" } else { "s" },
                            crate::text::human_bytes(t.bytes as usize),
                            if t.complete { "" } else { " (incomplete)" }
                        )?;
                    }
                }
                Ok(0)
            }
            TrashCommand::Restore { entry, json } => {
                let e = match entry {
                    Some(spec) => match trash::find(env, &spec) {
                        Ok(e) => e,
                        Err(e) => return refused(e),
                    },
                    None => match trash::list(env)?.into_iter().next() {
                        Some(e) => e,
                        None => {
                            eprintln!("revisit: the trash is empty");
                            return Ok(1);
                        }
                    },
                };
                if let Err(err) = trash::restore(env, &e) {
                    return refused(err);
                }
                ctx.refreshed(false)?;
                if json {
                    json_line(out, &e)?;
                } else {
                    writeln!(out, "{}: restored {} ({})", e.key, e.id, restored_files(&e))?;
                }
                Ok(0)
            }
            TrashCommand::Empty { older_than, yes } => {
                let before = match older_than {
                    Some(w) => match parse_when(&w) {
                        Some(t) => Some(t),
                        None => {
                            eprintln!("revisit: '{w}': use 7d, 12h or a date such as 2026-11-01");
                            return Ok(EXIT_USAGE);
                        }
                    },
                    None => None,
                };
                let n = trash::list(env)?
                    .iter()
                    .filter(|t| before.is_none_or(|b| t.deleted_at < b))
                    .count();
                if n == 0 {
                    writeln!(out, "nothing to remove")?;
                    return Ok(0);
                }
                let q = format!(
                    "Remove {n} deleted session{} for good?",
                    if n == 1 { "" } else { "s" }
                );
                if !yes && !ask(&q) {
                    eprintln!(
                        "revisit: nothing removed{}",
                        if std::io::stdin().is_terminal() {
                            ""
                        } else {
                            ": add --yes to confirm"
                        }
                    );
                    return Ok(1);
                }
                let gone = trash::empty(env, before)?;
                writeln!(out, "removed {} from the trash", gone.len())?;
                Ok(0)
            }
        },
    }
}

fn restored_files(e: &trash::TrashEntry) -> String {
    e.files
        .iter()
        .map(|f| crate::sanitize::one_line(&f.original.display().to_string()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The sessions a query selects (filters and words), in the list's order.
fn matching(all: &[Session], q: &crate::search::query::Query) -> Vec<Session> {
    use crate::search::list::{self, Haystacks, SortKey};
    let hay = Haystacks::build(all);
    list::build_rows(
        &list::ListRequest {
            sessions: all,
            hay: &hay,
            query: q,
            sort: SortKey::Relevance,
            group: false,
            now: chrono::Utc::now(),
            candidates: None,
        },
        &crate::search::Matcher::default(),
        2,
    )
    .iter()
    .filter_map(|r| r.session())
    .map(|i| all[i].clone())
    .collect()
}

/// A time as `since:` takes it (7d, 12h, a date).
fn parse_when(w: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let q = super::parse_query(&format!("since:{w}"));
    q.filters.iter().find_map(|f| match f {
        crate::search::query::Filter::Since(t) => Some(*t),
        _ => None,
    })
}
