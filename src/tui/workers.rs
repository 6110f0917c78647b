//! Background workers: the indexer (the only writer) and the query worker (reads). Each
//! talks to the UI through the one `Msg` channel.

use crate::app::Msg;
use crate::index::query::{ListQuery, Reader};
use crate::index::writer::Writer;
use crate::sources::Registry;
use crossbeam_channel::{Receiver, Sender, unbounded};
use std::path::PathBuf;
use std::sync::Arc;

pub enum QueryReq {
    Sessions { generation: u64 },
    Transcript { generation: u64, key: String },
}

pub struct QueryWorker {
    tx: Sender<QueryReq>,
}

impl QueryWorker {
    pub fn spawn(index: PathBuf, registry: Arc<Registry>, out: Sender<Msg>) -> QueryWorker {
        let (tx, rx) = unbounded::<QueryReq>();
        std::thread::Builder::new()
            .name("query".into())
            .spawn(move || query_loop(index, registry, rx, out))
            .expect("spawn query thread");
        QueryWorker { tx }
    }

    pub fn send(&self, req: QueryReq) {
        let _ = self.tx.send(req);
    }
}

fn query_loop(index: PathBuf, registry: Arc<Registry>, rx: Receiver<QueryReq>, out: Sender<Msg>) {
    let mut reader: Option<Reader> = None;
    while let Ok(first) = rx.recv() {
        // keep only the newest request of each kind
        let mut sessions = None;
        let mut transcript = None;
        for req in std::iter::once(first).chain(rx.try_iter()) {
            match req {
                QueryReq::Sessions { generation } => sessions = Some(generation),
                QueryReq::Transcript { generation, key } => transcript = Some((generation, key)),
            }
        }
        if reader.is_none() {
            match Reader::open(&index) {
                Ok(r) => reader = Some(r),
                Err(e) => {
                    let _ = out.send(Msg::QueryFailed {
                        generation: 0,
                        error: e.to_string(),
                    });
                    continue;
                }
            }
        }
        let Some(r) = reader.as_ref() else { continue };
        if let Some(generation) = sessions {
            let msg = match r.list(&ListQuery::default()) {
                Ok(list) => Msg::Sessions {
                    generation,
                    sessions: list.into_iter().map(|s| registry.with_resume(s)).collect(),
                },
                Err(e) => Msg::QueryFailed {
                    generation,
                    error: e.to_string(),
                },
            };
            if out.send(msg).is_err() {
                return;
            }
        }
        if let Some((generation, key)) = transcript {
            let msg = match r.messages(&key) {
                Ok(m) => Msg::Transcript {
                    generation,
                    key,
                    messages: Arc::new(m),
                },
                Err(e) => Msg::QueryFailed {
                    generation,
                    error: e.to_string(),
                },
            };
            if out.send(msg).is_err() {
                return;
            }
        }
    }
}

pub enum IndexReq {
    Refresh,
}

pub struct Indexer {
    tx: Sender<IndexReq>,
}

impl Indexer {
    /// Start the indexer; it refreshes once right away.
    pub fn spawn(mut writer: Writer, registry: Arc<Registry>, out: Sender<Msg>) -> Indexer {
        let (tx, rx) = unbounded::<IndexReq>();
        let _ = tx.send(IndexReq::Refresh);
        std::thread::Builder::new()
            .name("indexer".into())
            .spawn(move || {
                while rx.recv().is_ok() {
                    // coalesce queued refreshes
                    while rx.try_recv().is_ok() {}
                    let progress_out = out.clone();
                    let result = writer.refresh(&registry, &mut |p| {
                        let _ = progress_out.send(Msg::IndexProgress(*p));
                    });
                    let msg = match result {
                        Ok(r) => Msg::IndexDone {
                            sessions: r.sessions,
                            errors: r.errors,
                            elapsed_ms: r.elapsed_ms,
                            changed: r.changed,
                        },
                        Err(e) => Msg::IndexFailed(e.to_string()),
                    };
                    if out.send(msg).is_err() {
                        return;
                    }
                }
            })
            .expect("spawn indexer thread");
        Indexer { tx }
    }

    pub fn refresh(&self) {
        let _ = self.tx.send(IndexReq::Refresh);
    }
}
