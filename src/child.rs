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
    /// child still gets the default action (a caught handler is reset by exec; an ignored
    /// signal would stay ignored in the child).
    #[cfg(unix)]
    #[test]
    fn an_interrupt_stops_the_child_not_revisit() {
        {
            let _guard = InterruptsToChild::new();
            // raise() delivers to this thread before it returns: without the handler this
            // test process would die here
            // SAFETY: raising a signal at this process.
            unsafe {
                libc::raise(libc::SIGINT);
                libc::raise(libc::SIGQUIT);
            }
            // the child is killed by its own interrupt: the default action
            let status = Command::new("sh")
                .args(["-c", "kill -INT $$; sleep 5"])
                .status()
                .unwrap();
            assert_eq!(describe(&status), "killed by signal 2");
        }
        // afterwards the previous (default) action is back
        // SAFETY: reading the current action only.
        let current = unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(libc::SIGINT, std::ptr::null(), &mut old);
            old.sa_sigaction
        };
        assert_eq!(current, libc::SIG_DFL);
        // and run_foreground runs the child with it
        let status = run_foreground(Command::new("sh").args(["-c", "exit 4"])).unwrap();
        assert_eq!(exit_code(&status), 4);
    }
}
