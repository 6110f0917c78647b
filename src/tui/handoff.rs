//! Handing the terminal to another program ($PAGER, $EDITOR, later an agent's own CLI) and
//! taking it back, and the clipboard (OSC 52).
//!
//! The hand-off: the input thread stops reading (and confirms), the terminal leaves the
//! alternate screen and raw mode, the child runs with the real terminal, then everything is
//! entered again and the screen redrawn. Commands are argument vectors, never shell strings.

use super::input::Input;
use crate::model::{Message, Session};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Text copied at most (terminals drop larger OSC 52 payloads).
pub const COPY_MAX: usize = 1 << 20;

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        out.push(B64[(n >> 18) as usize & 63] as char);
        out.push(B64[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            B64[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            B64[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// The OSC 52 sequence that puts `text` on the clipboard.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", base64(text.as_bytes()))
}

/// Write the clipboard sequence to the terminal.
pub fn copy(text: &str) -> Result<(), String> {
    if text.len() > COPY_MAX {
        return Err(format!(
            "{} is too large for the clipboard (over {} MB): o opens the session in $PAGER",
            human_bytes(text.len()),
            COPY_MAX >> 20
        ));
    }
    let mut out = std::io::stdout();
    out.write_all(osc52(text).as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| e.to_string())
}

pub use crate::text::human_bytes;

/// A command from an environment variable (`less -R`, `code --wait`): split on whitespace.
pub fn command_from(var: Option<&str>, default: &[&str]) -> Vec<String> {
    let words: Vec<String> = var
        .map(|v| v.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    if words.is_empty() {
        default.iter().map(|s| s.to_string()).collect()
    } else {
        words
    }
}

pub fn pager() -> Vec<String> {
    command_from(std::env::var("PAGER").ok().as_deref(), &["less", "-R"])
}

pub fn editor() -> Vec<String> {
    let v = std::env::var("VISUAL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .or_else(|| std::env::var("EDITOR").ok());
    command_from(v.as_deref(), &["vi"])
}

/// A private file in the temp folder, written once; removed when dropped.
pub struct TempFile(pub PathBuf);

impl TempFile {
    pub fn create(name: &str, contents: &[u8], read_only: bool) -> std::io::Result<TempFile> {
        // a folder of its own, named after the session's file (editors show the name)
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("revisit-{}-{n}", std::process::id()));
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(&dir)?;
        let safe: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = dir.join(safe);
        let _ = std::fs::remove_file(&path);
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(if read_only { 0o400 } else { 0o600 });
        }
        let mut f = opts.open(&path)?;
        f.write_all(contents)?;
        f.flush()?;
        #[cfg(not(unix))]
        if read_only {
            let mut p = f.metadata()?.permissions();
            p.set_readonly(true);
            std::fs::set_permissions(&path, p)?;
        }
        Ok(TempFile(path))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// The session as Markdown, for the pager.
pub fn pager_file<M: AsRef<Message>>(
    session: &Session,
    messages: &[M],
) -> std::io::Result<TempFile> {
    let md = crate::export::markdown(session, messages);
    TempFile::create(&format!("{}.md", session.id), md.as_bytes(), false)
}

/// A read-only copy of the session's own file for the editor: the file itself when the
/// session is one file; the messages as JSON when it lives in a database or on a server.
pub fn editor_file<M: AsRef<Message>>(
    session: &Session,
    messages: &[M],
) -> std::io::Result<(TempFile, bool)> {
    let src = Path::new(&session.source);
    let is_db = matches!(
        src.extension().and_then(|e| e.to_str()),
        Some("db" | "sqlite" | "sqlite3")
    );
    if src.is_file() && !is_db {
        let bytes = std::fs::read(src)?;
        let name = src
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| format!("{}.txt", session.id));
        return Ok((TempFile::create(&name, &bytes, true)?, true));
    }
    let plain: Vec<&Message> = messages.iter().map(|m| m.as_ref()).collect();
    let json = serde_json::to_vec_pretty(&plain).unwrap_or_default();
    Ok((
        TempFile::create(&format!("{}.json", session.id), &json, true)?,
        false,
    ))
}

/// The terminal handed over: made before a child starts, dropped after it exits (or fails
/// to start, or anything panics), so the terminal always comes back. On the way out the input
/// reader stops (and confirms), then the alternate screen, raw mode, mouse capture and
/// bracketed paste are left and the cursor shown; on the way back all of it is entered again,
/// what was typed meanwhile is dropped, and the reader resumes.
pub struct Handover<'a> {
    input: &'a Input,
    back: Option<std::io::Result<()>>,
}

impl<'a> Handover<'a> {
    pub fn begin(input: &'a Input) -> Handover<'a> {
        input.pause();
        super::terminal::leave();
        Handover { input, back: None }
    }

    /// Take the terminal back now, and say whether that worked.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.take_back();
        self.back.take().unwrap_or(Ok(()))
    }

    fn take_back(&mut self) {
        if self.back.is_some() {
            return;
        }
        let r = super::terminal::enter();
        flush_input();
        self.input.resume();
        self.back = Some(r);
    }
}

impl Drop for Handover<'_> {
    fn drop(&mut self) {
        self.take_back();
    }
}

/// Drop input that arrived while another program had the terminal (keys meant for it).
fn flush_input() {
    #[cfg(unix)]
    // SAFETY: tcflush on standard input, no memory involved.
    unsafe {
        libc::tcflush(libc::STDIN_FILENO, libc::TCIFLUSH);
    }
    while crossterm::event::poll(std::time::Duration::ZERO).unwrap_or(false) {
        if crossterm::event::read().is_err() {
            break;
        }
    }
}

/// How a program the terminal was handed to ended.
pub type Outcome = Result<std::process::ExitStatus, String>;

/// Run `cmd` with the real terminal, then take the terminal back and redraw everything.
pub fn hand_over<B>(term: &mut ratatui::Terminal<B>, input: &Input, mut cmd: Command) -> Outcome
where
    B: ratatui::backend::Backend,
{
    let prog = cmd.get_program().to_string_lossy().into_owned();
    let handover = Handover::begin(input);
    let status = crate::child::run_foreground(&mut cmd);
    let back = handover.finish();
    let _ = term.clear();
    back.map_err(|e| format!("cannot take the terminal back: {e}"))?;
    status.map_err(|e| format!("cannot run {prog}: {e}"))
}

/// `argv` (plus `file`) with the real terminal: `$PAGER`, `$EDITOR`.
pub fn run_child<B>(
    term: &mut ratatui::Terminal<B>,
    input: &Input,
    argv: &[String],
    file: &Path,
) -> Result<(), String>
where
    B: ratatui::backend::Backend,
{
    let Some((prog, args)) = argv.split_first() else {
        return Err("no command".into());
    };
    let mut cmd = Command::new(prog);
    cmd.args(args).arg(file);
    match hand_over(term, input, cmd)? {
        s if s.success() => Ok(()),
        s => Err(format!("{prog} ended with {}", crate::child::describe(&s))),
    }
}

/// Ctrl-Z: stop revisit itself the way a shell's job control expects (the terminal left
/// first), and take the terminal back when the shell continues it (`fg`).
pub fn suspend<B>(term: &mut ratatui::Terminal<B>, input: &Input)
where
    B: ratatui::backend::Backend,
{
    let handover = Handover::begin(input);
    #[cfg(unix)]
    // SAFETY: raising a signal at this process; SIGTSTP's default action stops it until
    // SIGCONT.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    let _ = handover.finish();
    let _ = term.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }

    #[test]
    fn commands_from_variables() {
        assert_eq!(command_from(Some("less -R"), &["x"]), vec!["less", "-R"]);
        assert_eq!(command_from(Some("  "), &["vi"]), vec!["vi"]);
        assert_eq!(command_from(None, &["vi"]), vec!["vi"]);
    }

    #[test]
    fn temp_files_are_private_and_go_away() {
        let f = TempFile::create("a/b:c.md", b"x", true).unwrap();
        let p = f.0.clone();
        assert!(p.file_name().unwrap().to_str().unwrap() == "a_b_c.md");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o400);
        }
        drop(f);
        assert!(!p.exists());
    }

    #[test]
    fn the_editor_gets_a_read_only_copy_of_the_file_or_the_messages_as_json() {
        let dir = std::env::temp_dir().join(format!("revisit-handoff-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let src = dir.join("s1.jsonl");
        std::fs::write(&src, b"{\"type\":\"user\"}\n").unwrap();
        let mut s = crate::model::test_session(1);
        s.source = src.display().to_string();
        let mut m = Message::new(crate::model::Role::User);
        m.blocks.push(crate::model::Block::text("hello"));
        let (f, is_file) = editor_file(&s, std::slice::from_ref(&m)).unwrap();
        assert!(is_file);
        assert_eq!(std::fs::read(&f.0).unwrap(), std::fs::read(&src).unwrap());
        assert!(std::fs::metadata(&f.0).unwrap().permissions().readonly());
        assert_ne!(f.0, src, "a copy, never the agent's file");
        drop(f);
        // a database session: its messages as JSON
        s.source = dir.join("opencode.db").display().to_string();
        let (f, is_file) = editor_file(&s, std::slice::from_ref(&m)).unwrap();
        assert!(!is_file);
        let json = std::fs::read_to_string(&f.0).unwrap();
        assert!(json.contains("\"hello\""), "{json}");
        drop(f);
        // the pager file is the Markdown export
        let (p, _) = (pager_file(&s, std::slice::from_ref(&m)).unwrap(), ());
        assert!(std::fs::read_to_string(&p.0).unwrap().contains("hello"));
        drop(p);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
