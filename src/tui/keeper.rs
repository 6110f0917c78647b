//! The keeper thread: exports, archives, names, tags and the trash, off the UI thread. Each job
//! answers with one message for the status line (and says what to read again).

use crate::app::{KeepJob, Msg};
use crate::index::query::Reader;
use crate::keep::{self, KeepDb, KeepError, trash};
use crate::sources::Registry;
use crossbeam_channel::{Sender, unbounded};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct Keeper {
    tx: Sender<KeepJob>,
}

impl Keeper {
    pub fn spawn(registry: Arc<Registry>, index: PathBuf, out: Sender<Msg>) -> Keeper {
        let (tx, rx) = unbounded::<KeepJob>();
        let _ = std::thread::Builder::new()
            .name("keeper".into())
            .spawn(move || {
                for job in rx {
                    let msg = run(&registry, &index, job);
                    if out.send(msg).is_err() {
                        return;
                    }
                }
            });
        Keeper { tx }
    }

    pub fn send(&self, job: KeepJob) {
        let _ = self.tx.send(job);
    }
}

fn kept(outcome: Result<String, String>, reload: bool, reindex: bool) -> Msg {
    Msg::Kept {
        outcome,
        reload,
        reindex,
        select: None,
    }
}

fn text(e: impl std::fmt::Display) -> String {
    crate::sanitize::one_line(&e.to_string())
}

fn files(n: usize) -> String {
    if n == 1 {
        "1 file".into()
    } else {
        format!("{n} files")
    }
}

/// One job; what to tell `update`.
pub fn run(registry: &Registry, index: &Path, job: KeepJob) -> Msg {
    let env = &registry.env;
    match job {
        KeepJob::Export {
            session,
            path,
            format,
            redact,
        } => {
            // the exported JSON carries the resume command, which the browser's list does not
            // hold
            let session = registry.with_target(*session);
            let messages = match Reader::open(index).and_then(|r| r.messages(&session.key)) {
                Ok(m) => m,
                Err(e) => return kept(Err(format!("cannot export: {}", text(e))), false, false),
            };
            let redactor = redact.then(|| crate::redact::Redactor::from_env(env));
            let (doc, report) =
                crate::export::render(format, &session, &messages, redactor.as_ref());
            match crate::export::write_atomically(&path, doc.as_bytes()) {
                Ok(()) => {
                    let what = if !redact {
                        "not redacted".to_string()
                    } else if report.is_empty() {
                        "nothing to redact".to_string()
                    } else {
                        report.summary()
                    };
                    kept(
                        Ok(format!("exported to {} ({what})", text(path.display()))),
                        false,
                        false,
                    )
                }
                Err(e) => kept(
                    Err(format!(
                        "cannot write {}: {}",
                        text(path.display()),
                        text(e)
                    )),
                    false,
                    false,
                ),
            }
        }
        KeepJob::Archive(session) => {
            let result = KeepDb::open(env).and_then(|db| {
                let reader = Reader::open(index).map_err(|e| KeepError::Refused(e.to_string()))?;
                keep::archive::archive(env, &reader, &session, &db)
            });
            match result {
                Ok(a) => kept(
                    Ok(format!(
                        "archived: {} messages, {} copied to {}{}",
                        a.messages,
                        files(a.files.len()),
                        text(a.dir.display()),
                        if a.resumable_from_copy {
                            " (resumable from the copy)"
                        } else {
                            ""
                        }
                    )),
                    true,
                    true,
                ),
                Err(e) => kept(Err(format!("not archived: {}", text(e))), false, false),
            }
        }
        KeepJob::Rename { key, name } => {
            match KeepDb::open(env).and_then(|db| db.set_name(&key, name.as_deref())) {
                Ok(()) => kept(
                    Ok(match name {
                        Some(n) => format!("renamed to \"{}\"", text(keep::clean_name(&n))),
                        None => "name removed: the title shows".into(),
                    }),
                    true,
                    false,
                ),
                Err(e) => kept(Err(format!("not renamed: {}", text(e))), false, false),
            }
        }
        KeepJob::Tags { key, tags } => {
            let tags: Vec<String> = tags;
            match KeepDb::open(env).and_then(|mut db| db.set_tags(&key, &tags)) {
                Ok(t) if t.is_empty() => kept(Ok("no tags".into()), true, false),
                Ok(t) => kept(
                    Ok(format!(
                        "tags: {}",
                        t.iter()
                            .map(|t| format!("#{t}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    )),
                    true,
                    false,
                ),
                Err(e) => kept(Err(format!("tags not saved: {}", text(e))), false, false),
            }
        }
        KeepJob::PlanDelete(session) => {
            let plan = Reader::open(index)
                .map_err(|e| KeepError::Refused(e.to_string()))
                .and_then(|r| trash::plan(env, &r, &session));
            match plan {
                Ok(p) => Msg::DeleteAsk(Box::new(p)),
                Err(e) => kept(Err(format!("not deleted: {}", text(e))), false, false),
            }
        }
        KeepJob::Delete(plan) => match trash::delete(env, &plan) {
            Ok(e) => kept(
                Ok(format!(
                    "deleted: {} moved to revisit's trash (u puts it back)",
                    files(e.files.len())
                )),
                false,
                true,
            ),
            Err(e) => kept(Err(format!("not deleted: {}", text(e))), false, false),
        },
        KeepJob::Undo => {
            let newest = match trash::list(env) {
                Ok(l) => l.into_iter().next(),
                Err(e) => return kept(Err(text(e)), false, false),
            };
            let Some(entry) = newest else {
                return kept(
                    Err("nothing to undo: the trash is empty".into()),
                    false,
                    false,
                );
            };
            match trash::restore(env, &entry) {
                Ok(()) => Msg::Kept {
                    outcome: Ok(format!(
                        "restored \"{}\" ({} back in place)",
                        text(crate::sanitize::truncate_chars(&entry.title, 60)),
                        files(entry.files.len())
                    )),
                    reload: false,
                    reindex: true,
                    select: Some(entry.key.clone()),
                },
                Err(e) => kept(Err(format!("not restored: {}", text(e))), false, false),
            }
        }
    }
}
