//! Running another program in the foreground (an agent's CLI, `$PAGER`, `$EDITOR`): it gets
//! the terminal and its interrupts, revisit waits.
//!
//! Ctrl-C and Ctrl-\ in a terminal signal the whole foreground process group, revisit
//! included. While a child runs, revisit catches SIGINT and SIGQUIT with a handler that does
//! nothing, so they stop only the child (or whatever it decides). A caught signal is reset to
//! its default in the child by `exec`, unlike an ignored one, which the child would inherit.

use std::io;
use std::process::{Command, ExitStatus};

/// Run `cmd` with revisit's stdin, stdout and stderr, and wait for it.
pub fn run_foreground(cmd: &mut Command) -> io::Result<ExitStatus> {
    let _guard = InterruptsToChild::new();
    cmd.status()
}

/// An exit status as people read it: `exit 0`, `exit 2`, `killed by signal 9`.
pub fn describe(status: &ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return format!("killed by signal {sig}");
        }
    }
    status.to_string()
}

/// The exit code a shell would report for `status` (128 + the signal when it was killed).
pub fn exit_code(status: &ExitStatus) -> i32 {
    if let Some(code) = status.code() {
        return code;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return 128 + sig;
        }
    }
    1
}

/// SIGINT and SIGQUIT caught by a no-op handler while one lives; the previous handlers come
/// back when the last one is dropped (counted, so overlapping children restore in order).
struct InterruptsToChild;

#[cfg(unix)]
extern "C" fn ignore_in_parent(_: libc::c_int) {}

#[cfg(unix)]
struct Saved {
    count: usize,
    previous: Vec<(libc::c_int, libc::sigaction)>,
}

// SAFETY: `sigaction` values are plain data (handler addresses and flags).
#[cfg(unix)]
unsafe impl Send for Saved {}

#[cfg(unix)]
static SAVED: std::sync::Mutex<Saved> = std::sync::Mutex::new(Saved {
    count: 0,
    previous: Vec::new(),
});

impl InterruptsToChild {
    fn new() -> InterruptsToChild {
        #[cfg(unix)]
        {
            let mut saved = SAVED.lock().unwrap_or_else(|e| e.into_inner());
            if saved.count == 0 {
                for sig in [libc::SIGINT, libc::SIGQUIT] {
                    // SAFETY: sigaction with a zeroed, filled-in struct and a handler that
                    // does nothing (async-signal-safe); the old action is kept to restore it.
                    unsafe {
                        let mut action: libc::sigaction = std::mem::zeroed();
                        action.sa_sigaction = ignore_in_parent as *const () as libc::sighandler_t;
                        action.sa_flags = libc::SA_RESTART;
                        libc::sigemptyset(&mut action.sa_mask);
                        let mut old: libc::sigaction = std::mem::zeroed();
                        if libc::sigaction(sig, &action, &mut old) == 0 {
                            saved.previous.push((sig, old));
                        }
                    }
                }
            }
            saved.count += 1;
        }
        InterruptsToChild
    }
}

impl Drop for InterruptsToChild {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            let mut saved = SAVED.lock().unwrap_or_else(|e| e.into_inner());
            saved.count = saved.count.saturating_sub(1);
            if saved.count == 0 {
                for (sig, old) in saved.previous.drain(..) {
                    // SAFETY: restores the action saved by `new`.
                    unsafe {
                        libc::sigaction(sig, &old, std::ptr::null_mut());
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn statuses_read_like_a_shell_reports_them() {
        let ok = Command::new("sh").args(["-c", "exit 0"]).status().unwrap();
        assert_eq!(describe(&ok), "exit 0");
        assert_eq!(exit_code(&ok), 0);
        let three = Command::new("sh").args(["-c", "exit 3"]).status().unwrap();
        assert_eq!(describe(&three), "exit 3");
        assert_eq!(exit_code(&three), 3);
        let killed = Command::new("sh")
            .args(["-c", "kill -9 $$"])
            .status()
            .unwrap();
        assert_eq!(describe(&killed), "killed by signal 9");
        assert_eq!(exit_code(&killed), 137);
    }

    /// An interrupt that reaches revisit while a child runs is caught and dropped, and the
    /// child still gets the default action (a caught handler is reset by exec).
    #[cfg(unix)]
    #[test]
    fn an_interrupt_stops_the_child_not_revisit() {
        // the child signals its whole process group, as Ctrl-C would: this test process
        // survives (the handler), the child dies of it (default action)
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "kill -INT $PPID; kill -INT $$; sleep 5"]);
        let status = run_foreground(&mut cmd).unwrap();
        assert_eq!(describe(&status), "killed by signal 2");
        // and afterwards the previous (default) action is back: check it is not our handler
        // SAFETY: reading the current action only.
        let current = unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(libc::SIGINT, std::ptr::null(), &mut old);
            old.sa_sigaction
        };
        assert_ne!(current, ignore_in_parent as *const () as libc::sighandler_t);
    }
}
