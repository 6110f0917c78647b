//! The input reader: the only thread that reads terminal events. It can be paused (and
//! confirms that it is), so that a child process can own the terminal.

use crate::app::Msg;
use crossbeam_channel::{Receiver, Sender, bounded, unbounded};
use crossterm::event::{self, Event};
use std::time::Duration;

enum Ctl {
    Pause,
    Resume,
}

pub struct Input {
    ctl: Sender<Ctl>,
    ack: Receiver<()>,
}

/// How long the reader waits for an event before looking at its control channel.
const POLL: Duration = Duration::from_millis(250);

impl Input {
    pub fn spawn(tx: Sender<Msg>) -> Input {
        let (ctl_tx, ctl_rx) = unbounded::<Ctl>();
        let (ack_tx, ack_rx) = bounded::<()>(1);
        std::thread::Builder::new()
            .name("input".into())
            .spawn(move || {
                loop {
                    match ctl_rx.try_recv() {
                        Ok(Ctl::Pause) => {
                            let _ = ack_tx.send(());
                            // wait for resume; anything else is ignored
                            loop {
                                match ctl_rx.recv() {
                                    Ok(Ctl::Resume) => break,
                                    Ok(Ctl::Pause) => {
                                        let _ = ack_tx.try_send(());
                                    }
                                    Err(_) => return,
                                }
                            }
                        }
                        Ok(Ctl::Resume) => {}
                        Err(crossbeam_channel::TryRecvError::Disconnected) => return,
                        Err(crossbeam_channel::TryRecvError::Empty) => {}
                    }
                    match event::poll(POLL) {
                        Ok(true) => {}
                        Ok(false) => continue,
                        Err(_) => {
                            std::thread::sleep(POLL);
                            continue;
                        }
                    }
                    let msg = match event::read() {
                        Ok(Event::Key(k)) => Msg::Key(k),
                        Ok(Event::Mouse(m)) => Msg::Mouse(m),
                        Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                        Ok(Event::Paste(text)) => Msg::Paste(text),
                        Ok(_) => continue,
                        Err(_) => continue,
                    };
                    if tx.send(msg).is_err() {
                        return;
                    }
                }
            })
            .expect("spawn input thread");
        Input {
            ctl: ctl_tx,
            ack: ack_rx,
        }
    }

    /// Stop reading and wait until the reader confirms.
    pub fn pause(&self) {
        if self.ctl.send(Ctl::Pause).is_ok() {
            let _ = self.ack.recv_timeout(POLL * 4);
        }
    }

    pub fn resume(&self) {
        let _ = self.ctl.send(Ctl::Resume);
    }
}
