//! The interactive browser: terminal lifecycle, input, workers and the event loop.

pub mod input;
pub mod terminal;
pub mod workers;

use crate::app::{AppState, Effect, Msg, update};
use crate::cli::Context;
use crate::index::writer::Writer;
use anyhow::Result;
use crossbeam_channel::{Receiver, unbounded};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};
use std::sync::Arc;
use std::time::Duration;
use workers::{FilterReq, FilterWorker, Indexer, QueryReq, QueryWorker};

/// Open the browser; returns the exit code.
pub fn run(ctx: Context) -> Result<i32> {
    // The writer creates (or rebuilds) the index before anything reads it.
    let writer = Writer::open(&ctx.index_path)?;
    let rebuilt = writer.rebuilt.clone();
    let registry = Arc::new(ctx.registry);
    let (tx, rx) = unbounded::<Msg>();
    let query = QueryWorker::spawn(ctx.index_path.clone(), registry.clone(), tx.clone());
    let filter = FilterWorker::spawn(tx.clone());
    let _indexer = Indexer::spawn(writer, registry.clone(), tx.clone());
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
    let _input = input::Input::spawn(tx.clone());
    let size = term.size()?;
    let mut state = AppState::new(chrono::Utc::now(), (size.width, size.height), banner);
    state.tz = *chrono::Local::now().offset();
    if let Some(r) = rebuilt {
        state.status.info = Some(r.to_string());
    }
    if std::env::var_os("REVISIT_TEST_PANIC").is_some() {
        // for the end-to-end test of the panic hook: the terminal must come back
        term.draw(|f| crate::ui::render(f, &state))?;
        panic!("REVISIT_TEST_PANIC is set");
    }
    let first = crate::app::update::load_sessions(&mut state);
    let workers = Workers {
        query: &query,
        filter: &filter,
    };
    run_loop(&mut term, &mut state, &rx, &workers, first)?;
    Ok(0)
}

/// The workers effects go to.
pub struct Workers<'a> {
    pub query: &'a QueryWorker,
    pub filter: &'a FilterWorker,
}

fn perform(effect: Effect, w: &Workers) {
    match effect {
        Effect::LoadSessions { generation } => w.query.send(QueryReq::Sessions { generation }),
        Effect::LoadTranscript { generation, key } => {
            w.query.send(QueryReq::Transcript { generation, key })
        }
        Effect::Filter {
            generation,
            sessions,
            query,
            sort,
            group,
            now,
        } => w.filter.send(FilterReq {
            generation,
            sessions,
            query,
            sort,
            group,
            now,
        }),
        Effect::FullText {
            generation,
            query,
            now,
        } => w.query.send(QueryReq::FullText {
            generation,
            query,
            now,
        }),
        Effect::Quit => {}
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
    perform(first, workers);
    term.draw(|f| crate::ui::render(f, state))?;
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
            perform(e, workers);
        }
        if state.quit {
            break;
        }
        term.draw(|f| crate::ui::render(f, state))?;
    }
    Ok(())
}
