//! The interactive browser: terminal lifecycle, input, workers and the event loop.

pub mod handoff;
pub mod input;
pub mod keeper;
pub mod terminal;
pub mod workers;

use crate::app::{AppState, Effect, External, Msg, update};
use crate::cli::Context;
use crate::index::writer::Writer;
use anyhow::Result;
use crossbeam_channel::{Receiver, unbounded};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};
use std::sync::Arc;
use std::time::Duration;
use workers::{FilterWorker, Indexer, QueryReq, QueryWorker};

/// Open the browser; returns the exit code.
pub fn run(ctx: Context) -> Result<i32> {
    let mut follow_note = None;
    // The writer creates (or rebuilds) the index before anything reads it.
    // another revisit may be writing the index: this one then follows it
    let writer = match Writer::open(&ctx.index_path) {
        Ok(w) => Some(w),
        Err(crate::index::IndexError::Busy { pid, .. }) => {
            follow_note = Some(format!(
                "following the index of revisit{}",
                pid.map(|p| format!(" PID {p}")).unwrap_or_default()
            ));
            None
        }
        Err(e) => return Err(e.into()),
    };
    let (theme, mut warnings) = crate::ui::theme::resolve_theme(&ctx.config, &ctx.env);
    // syntax definitions load in the background while the index opens
    crate::render::Highlighter::preload(theme.syntax());
    let (keymap, key_warnings) = crate::app::keymap::Keymap::with_overrides(&ctx.config.keys);
    warnings.extend(key_warnings);
    warnings.extend(ctx.pricing_warnings.iter().cloned());
    let transcript_cfg = ctx.config.transcript.clone();
    if let Some(level) = transcript_cfg.fold.as_deref()
        && crate::app::transcript::FoldLevel::parse(level).is_none()
    {
        warnings.push(format!(
            "[transcript] fold = {level:?}: use folded, summaries or open"
        ));
    }
    let rebuilt = writer.as_ref().and_then(|w| w.rebuilt.clone());
    let registry = Arc::new(ctx.registry);
    let (tx, rx) = unbounded::<Msg>();
    let query = QueryWorker::spawn(
        ctx.index_path.clone(),
        registry.clone(),
        ctx.pricer.clone(),
        tx.clone(),
    );
    let filter = FilterWorker::spawn(tx.clone());
    let indexer = match writer {
        Some(w) => Indexer::spawn(w, registry.clone(), tx.clone(), !ctx.no_refresh),
        None => Indexer::follow(
            ctx.index_path.clone(),
            registry.clone(),
            tx.clone(),
            !ctx.no_refresh,
        ),
    };
    let keeper = keeper::Keeper::spawn(registry.clone(), ctx.index_path.clone(), tx.clone());
    let resumer = crate::resume::Resumer {
        registry: registry.clone(),
        config: ctx.config.clone(),
        env: ctx.env.clone(),
    };
    {
        // the clock, for ages in the list
        let tx = tx.clone();
        std::thread::Builder::new()
            .name("clock".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_secs(30));
                    if tx.send(Msg::Tick(chrono::Utc::now())).is_err() {
                        return;
                    }
                }
            })?;
    }

    let banner = if ctx.demo_fallback {
        Some("No agent sessions found on this machine: showing revisit's demo sessions. `revisit doctor` shows where it looked.".to_string())
    } else if ctx.demo {
        Some("Demo sessions (revisit --demo)".to_string())
    } else {
        None
    };

    let _guard = terminal::TerminalGuard::new()?;
    let mut term = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    term.clear()?;
    let input = input::Input::spawn(tx.clone());
    let size = term.size()?;
    let mut state = AppState::new(chrono::Utc::now(), (size.width, size.height), banner);
    state.tz = *chrono::Local::now().offset();
    state.transcript.tz = Some(state.tz);
    state.keymap = keymap;
    state.export_dir = std::env::current_dir().ok();
    state.redactor = Some(Arc::new(crate::redact::Redactor::from_env(&registry.env)));
    state.transcript.set_syntax(theme.syntax());
    state.transcript.pricer = Some(ctx.pricer.clone());
    if let Some(level) = transcript_cfg
        .fold
        .as_deref()
        .and_then(crate::app::transcript::FoldLevel::parse)
    {
        state.transcript.level = level;
    }
    state.transcript.thinking = transcript_cfg.thinking.unwrap_or(false);
    if let Some(w) = warnings.first() {
        state.status.error = Some(format!(
            "config: {}{}",
            crate::sanitize::one_line(w),
            if warnings.len() > 1 {
                format!(" (and {} more: revisit config)", warnings.len() - 1)
            } else {
                String::new()
            }
        ));
    }
    if let Some(r) = rebuilt {
        state.status.info = Some(r.to_string());
    }
    if let Some(n) = follow_note {
        state.status.info = Some(n);
    }
    if std::env::var_os("REVISIT_TEST_PANIC").is_some() {
        // for the end-to-end test of the panic hook: the terminal must come back
        term.draw(|f| crate::ui::render_with(f, &state, &theme))?;
        panic!("REVISIT_TEST_PANIC is set");
    }
    let first = crate::app::update::load_sessions(&mut state);
    let workers = Workers {
        query: &query,
        filter: &filter,
        input: &input,
        indexer: &indexer,
        index: &ctx.index_path,
        resumer: &resumer,
        keeper: &keeper,
        tx: tx.clone(),
        theme: &theme,
    };
    run_loop(&mut term, &mut state, &rx, &workers, first)?;
    Ok(0)
}

/// The workers effects go to.
pub struct Workers<'a> {
    pub query: &'a QueryWorker,
    pub filter: &'a FilterWorker,
    pub input: &'a input::Input,
    pub indexer: &'a Indexer,
    /// The index (the pager reads long outputs whole from it).
    pub index: &'a std::path::Path,
    /// Builds and checks resume commands.
    pub resumer: &'a crate::resume::Resumer,
    /// Exports, archives, names, tags, the trash.
    pub keeper: &'a keeper::Keeper,
    /// For results of effects run on the loop's thread.
    pub tx: crossbeam_channel::Sender<Msg>,
    pub theme: &'a crate::ui::theme::Theme,
}

fn perform<B: Backend>(effect: Effect, w: &Workers, term: &mut Terminal<B>) {
    match effect {
        Effect::LoadSessions { generation, only } => {
            w.query.send(QueryReq::Sessions { generation, only })
        }
        Effect::LoadTranscript { generation, key } => {
            w.query.send(QueryReq::Transcript { generation, key })
        }
        Effect::Find {
            generation,
            messages,
            units,
            needles,
        } => w.query.send(QueryReq::Find {
            generation,
            messages,
            units,
            needles,
        }),
        Effect::Filter(req) => w.filter.send(req),
        Effect::FullText {
            generation,
            query,
            now,
        } => w.query.send(QueryReq::FullText {
            generation,
            query,
            now,
        }),
        Effect::Stats {
            generation,
            sessions,
            chosen,
            range,
            by,
            tz,
        } => w.query.send(QueryReq::Stats {
            generation,
            sessions,
            chosen,
            range,
            by,
            tz,
        }),
        Effect::SwitchBranch {
            generation,
            key,
            at,
            leaf,
        } => w.query.send(QueryReq::Branch {
            generation,
            key,
            at,
            leaf,
        }),
        Effect::Copy { text, what } => {
            let _ = w.tx.send(copy(&text, &what));
        }
        Effect::CopyResume(s) => {
            let msg = match w.resumer.registry.resume_target(&s) {
                Some(r) => copy(&r.shell_line(), "resume command"),
                None => Msg::Info(format!(
                    "{} sessions cannot be resumed",
                    s.agent.display_name()
                )),
            };
            let _ = w.tx.send(msg);
        }
        Effect::External(ext) => {
            let (External::Pager { session, messages } | External::Editor { session, messages }) =
                &ext;
            // the transcript holds long outputs by their head: the pager and the editor get
            // the session whole, from the index then
            let whole = messages
                .elided()
                .then(|| {
                    crate::index::query::Reader::open(w.index)
                        .and_then(|r| r.messages(&session.key))
                        .ok()
                })
                .flatten()
                .map(crate::model::arc_all)
                .unwrap_or_else(|| messages.to_vec());
            let (file, argv, what) = match &ext {
                External::Pager { .. } => (
                    handoff::pager_file(session, &whole).map(|f| (f, true)),
                    handoff::pager(),
                    "the pager",
                ),
                External::Editor { .. } => (
                    handoff::editor_file(session, &whole),
                    handoff::editor(),
                    "the editor",
                ),
            };
            let error = match file {
                Ok((f, _)) => handoff::run_child(term, w.input, &argv, &f.0).err(),
                Err(e) => Some(format!("cannot write the temporary file: {e}")),
            };
            let _ = w.tx.send(Msg::ExternalDone {
                what: what.to_string(),
                error,
            });
        }
        Effect::Resume { session, kind } => {
            let msg = match w.resumer.plan(&session, kind) {
                Ok(plan) => resume(plan, w, term),
                Err(e) => Msg::from_refusal(e),
            };
            let _ = w.tx.send(msg);
        }
        Effect::RunPlan(plan) => {
            let _ = w.tx.send(resume(*plan, w, term));
        }
        Effect::Suspend => handoff::suspend(term, w.input),
        Effect::Reindex => w.indexer.catch_up(),
        Effect::Keep(job) => w.keeper.send(job),
        Effect::Quit => {}
    }
}

/// Put text on the clipboard; what the status line says.
fn copy(text: &str, what: &str) -> Msg {
    match handoff::copy(text) {
        Ok(()) => Msg::Info(format!(
            "copied the {what} ({}) to the clipboard",
            handoff::human_bytes(text.len())
        )),
        Err(e) => Msg::Info(e),
    }
}

/// Hand the terminal to the agent; what to tell `update` when it is back.
fn resume<B: Backend>(plan: crate::resume::Plan, w: &Workers, term: &mut Terminal<B>) -> Msg {
    let (outcome, success) = match handoff::hand_over(term, w.input, plan.command()) {
        Ok(status) => (Ok(crate::child::describe(&status)), status.success()),
        Err(e) => (Err(e), false),
    };
    Msg::ResumeDone {
        plan: Box::new(plan),
        outcome,
        success,
    }
}

/// The loop: block for a message, drain the queue, apply effects, render once.
pub fn run_loop<B: Backend>(
    term: &mut Terminal<B>,
    state: &mut AppState,
    rx: &Receiver<Msg>,
    workers: &Workers,
    first: Effect,
) -> Result<()>
where
    B::Error: Send + Sync + 'static,
{
    perform(first, workers, term);
    term.draw(|f| crate::ui::render_with(f, state, workers.theme))?;
    while let Ok(msg) = rx.recv() {
        let mut effects = Vec::new();
        for m in std::iter::once(msg).chain(rx.try_iter()) {
            let reload = matches!(&m, Msg::IndexProgress(p) if p.stores_done > 0);
            effects.extend(update(state, m));
            if reload {
                // the list fills in while a first index runs
                effects.push(crate::app::update::load_sessions(state));
            }
        }
        for e in effects {
            perform(e, workers, term);
        }
        if state.quit {
            break;
        }
        term.draw(|f| crate::ui::render_with(f, state, workers.theme))?;
    }
    Ok(())
}
