//! Application state and logic: pure data and a pure `update`; no terminal, no I/O.

pub mod action;
pub mod keymap;
pub mod state;
pub mod transcript;
pub mod update;

pub use action::{Action, Effect, External, KeepJob, Msg};
pub use state::AppState;
pub use update::update;
