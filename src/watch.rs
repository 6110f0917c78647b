//! Watching the agents' stores: file system events (inotify, FSEvents…) through `notify`,
//! coalesced into batches of changed paths for the indexer.
//!
//! - Every root is watched recursively (new dated folders come with it). A root that does not
//!   exist yet is watched from its nearest existing parent, and watched itself once it appears.
//!   A root that is a file (a database) is watched through its folder, so its `-wal` counts.
//! - Events are coalesced: a batch goes out once events stop for [`QUIET`], and at the latest
//!   [`MAX_DELAY`] after its first event, so a storm of thousands of events is one batch and a
//!   line appended to a session reaches the index well within 250 ms.
//! - Where native events cannot work (a network file system, no inotify watches left, a
//!   platform without a backend) the root is polled instead, and `status` says why.
//! - Servers (profclaw's API) have no files: they are asked again every [`REMOTE_EVERY`].
//! - Idle, nothing runs: the threads block until an event arrives.

use crossbeam_channel::{Receiver, Sender, unbounded};
use notify::{RecursiveMode, Watcher as _};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A batch goes out when no event came for this long…
pub const QUIET: Duration = Duration::from_millis(30);
/// …or this long after its first event, whichever comes first.
pub const MAX_DELAY: Duration = Duration::from_millis(120);
/// How often a polled root is looked at.
pub const POLL_EVERY: Duration = Duration::from_secs(2);
/// How often servers are asked for changes.
pub const REMOTE_EVERY: Duration = Duration::from_secs(10);

/// How one root is watched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Native events for the root itself.
    Native,
    /// The root does not exist: its nearest existing parent is watched for it to appear.
    Waiting { parent: PathBuf },
    /// Looked at every [`POLL_EVERY`], and why.
    Polling { reason: String },
    /// A server, asked every [`REMOTE_EVERY`].
    Remote,
    /// Not watched at all (nothing exists above it).
    Unwatched { reason: String },
}

impl Mode {
    pub fn describe(&self) -> String {
        match self {
            Mode::Native => "watched (native events)".into(),
            Mode::Waiting { parent } => {
                format!("not there yet: watching {} for it", parent.display())
            }
            Mode::Polling { reason } => {
                format!("polled every {} s: {reason}", POLL_EVERY.as_secs())
            }
            Mode::Remote => format!("asked every {} s (a server)", REMOTE_EVERY.as_secs()),
            Mode::Unwatched { reason } => format!("not watched: {reason}"),
        }
    }
}

/// A root to watch.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WatchRoot {
    pub path: PathBuf,
    pub remote: bool,
}

enum Ctl {
    Roots(Vec<WatchRoot>),
    Status(Sender<Vec<(PathBuf, Mode)>>),
}

/// The watcher: its threads run until it is dropped.
pub struct Watcher {
    ctl: Sender<Ctl>,
}

impl Watcher {
    /// Start watching; batches of changed paths go to `out` (the indexer's queue).
    pub fn spawn(roots: Vec<WatchRoot>, out: impl Fn(Vec<PathBuf>) + Send + 'static) -> Watcher {
        let (ctl_tx, ctl_rx) = unbounded::<Ctl>();
        let (raw_tx, raw_rx) = unbounded::<notify::Result<notify::Event>>();
        let _ = ctl_tx.send(Ctl::Roots(roots));
        std::thread::Builder::new()
            .name("watch".into())
            .spawn(move || run(ctl_rx, raw_tx, raw_rx, out))
            .expect("spawn the watcher thread");
        let w = Watcher { ctl: ctl_tx };
        // the watches are in place when this returns
        let _ = w.status();
        w
    }

    /// The roots changed (new working directories bring new roots). The new watches are in
    /// place when this returns.
    pub fn set_roots(&self, roots: Vec<WatchRoot>) {
        let _ = self.ctl.send(Ctl::Roots(roots));
        let _ = self.status();
    }

    /// How each root is watched now.
    pub fn status(&self) -> Vec<(PathBuf, Mode)> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        if self.ctl.send(Ctl::Status(tx)).is_err() {
            return Vec::new();
        }
        rx.recv_timeout(Duration::from_secs(2)).unwrap_or_default()
    }
}

/// The watches in place.
struct Watches {
    native: Option<notify::RecommendedWatcher>,
    poll: Option<notify::PollWatcher>,
    native_error: Option<String>,
    /// Path watched → how (recursive or not) and by which watcher.
    placed: HashMap<PathBuf, (RecursiveMode, bool)>,
    roots: Vec<WatchRoot>,
    modes: Vec<(PathBuf, Mode)>,
}

fn run(
    ctl: Receiver<Ctl>,
    raw_tx: Sender<notify::Result<notify::Event>>,
    raw: Receiver<notify::Result<notify::Event>>,
    out: impl Fn(Vec<PathBuf>),
) {
    let handler_tx = raw_tx.clone();
    let (native, native_error) = match notify::recommended_watcher(move |e| {
        let _ = handler_tx.send(e);
    }) {
        Ok(w) => (Some(w), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let mut w = Watches {
        native,
        poll: None,
        native_error,
        placed: HashMap::new(),
        roots: Vec::new(),
        modes: Vec::new(),
    };
    let mut batch: HashSet<PathBuf> = HashSet::new();
    let mut first: Option<Instant> = None;
    let mut last: Instant = Instant::now();
    let mut next_remote: Option<Instant> = None;
    loop {
        // how long to wait: for the batch to settle, for the next server visit, or forever
        let now = Instant::now();
        let mut deadline: Option<Instant> = first.map(|f| (last + QUIET).min(f + MAX_DELAY));
        if let Some(r) = next_remote {
            deadline = Some(deadline.map_or(r, |d| d.min(r)));
        }
        let timeout = deadline.map(|d| d.saturating_duration_since(now));
        crossbeam_channel::select! {
            recv(ctl) -> msg => match msg {
                Ok(Ctl::Roots(roots)) => {
                    w.place(&roots, &raw_tx);
                    next_remote = roots
                        .iter()
                        .any(|r| r.remote)
                        .then(|| Instant::now() + REMOTE_EVERY);
                }
                Ok(Ctl::Status(reply)) => {
                    let _ = reply.send(w.modes.clone());
                }
                Err(_) => return,
            },
            recv(raw) -> ev => match ev {
                Ok(Ok(ev)) => {
                    if ev.kind.is_access() {
                        continue; // reads (an agent opening its own file) change nothing
                    }
                    let n = batch.len();
                    batch.extend(ev.paths);
                    if batch.len() > n || first.is_none() {
                        last = Instant::now();
                        first.get_or_insert(last);
                    }
                }
                Ok(Err(e)) => {
                    // an overflowed queue or a broken watch: look at everything again
                    let _ = e;
                    batch.extend(w.roots.iter().map(|r| r.path.clone()));
                    last = Instant::now();
                    first.get_or_insert(last);
                }
                Err(_) => return,
            },
            default(timeout.unwrap_or(Duration::from_secs(3600))) => {}
        }
        let now = Instant::now();
        if let Some(f) = first
            && (now >= last + QUIET || now >= f + MAX_DELAY)
        {
            // a root that appeared (or vanished) changes what is watched
            if w.modes
                .iter()
                .any(|(_, m)| matches!(m, Mode::Waiting { .. } | Mode::Unwatched { .. }))
                || batch.iter().any(|p| w.roots.iter().any(|r| r.path == *p))
            {
                let roots = w.roots.clone();
                w.place(&roots, &raw_tx);
            }
            out(batch.drain().collect());
            first = None;
        }
        if let Some(r) = next_remote
            && now >= r
        {
            let remote: Vec<PathBuf> = w
                .roots
                .iter()
                .filter(|r| r.remote)
                .map(|r| r.path.clone())
                .collect();
            if !remote.is_empty() {
                out(remote);
            }
            next_remote = Some(now + REMOTE_EVERY);
        }
    }
}

impl Watches {
    /// Put watches in place for these roots (adding and removing what changed).
    fn place(&mut self, roots: &[WatchRoot], raw_tx: &Sender<notify::Result<notify::Event>>) {
        self.roots = roots.to_vec();
        let mut wanted: HashMap<PathBuf, (RecursiveMode, bool, usize)> = HashMap::new();
        let mut modes: Vec<(PathBuf, Mode)> = Vec::new();
        for (i, r) in roots.iter().enumerate() {
            if r.remote {
                modes.push((r.path.clone(), Mode::Remote));
                continue;
            }
            let (target, recursive, waiting) = if r.path.is_dir() {
                (r.path.clone(), RecursiveMode::Recursive, false)
            } else if r.path.exists() {
                // a database file: its folder shows the file and its -wal changing
                match r.path.parent() {
                    Some(p) => (p.to_path_buf(), RecursiveMode::NonRecursive, false),
                    None => {
                        modes.push((
                            r.path.clone(),
                            Mode::Unwatched {
                                reason: "no folder".into(),
                            },
                        ));
                        continue;
                    }
                }
            } else {
                match nearest_existing(&r.path) {
                    Some(p) => (p, RecursiveMode::NonRecursive, true),
                    None => {
                        modes.push((
                            r.path.clone(),
                            Mode::Unwatched {
                                reason: "no existing folder above it".into(),
                            },
                        ));
                        continue;
                    }
                }
            };
            let poll_reason = network_fs(&target)
                .map(|fs| {
                    format!(
                        "on a network file system ({fs}): changes made elsewhere send no events"
                    )
                })
                .or_else(|| {
                    self.native_error
                        .as_ref()
                        .map(|e| format!("native events unavailable: {e}"))
                });
            let poll = poll_reason.is_some();
            // a recursive watch covers what is under it
            let entry = wanted.entry(target.clone()).or_insert((recursive, poll, i));
            if recursive == RecursiveMode::Recursive {
                entry.0 = RecursiveMode::Recursive;
            }
            modes.push((
                r.path.clone(),
                match (poll_reason, waiting) {
                    (Some(reason), _) => Mode::Polling { reason },
                    (None, true) => Mode::Waiting { parent: target },
                    (None, false) => Mode::Native,
                },
            ));
        }
        // drop watches no longer wanted (or wanted differently)
        let stale: Vec<PathBuf> = self
            .placed
            .iter()
            .filter(|(p, (m, poll))| {
                wanted
                    .get(*p)
                    .is_none_or(|(wm, wp, _)| wm != m || wp != poll)
            })
            .map(|(p, _)| p.clone())
            .collect();
        for p in stale {
            if let Some((_, poll)) = self.placed.remove(&p) {
                let _ = if poll {
                    self.poll.as_mut().map(|w| w.unwatch(&p))
                } else {
                    self.native.as_mut().map(|w| w.unwatch(&p))
                };
            }
        }
        // add the new ones; a native watch that fails (no inotify watches left) polls instead
        for (p, (mode, poll, _)) in wanted {
            if self.placed.contains_key(&p) {
                continue;
            }
            let mut use_poll = poll;
            if !use_poll {
                match self.native.as_mut().map(|w| w.watch(&p, mode)) {
                    Some(Ok(())) => {}
                    Some(Err(e)) => {
                        use_poll = true;
                        for (_, m) in modes
                            .iter_mut()
                            .filter(|(rp, _)| rp.starts_with(&p) || p.starts_with(rp))
                        {
                            if matches!(m, Mode::Native | Mode::Waiting { .. }) {
                                *m = Mode::Polling {
                                    reason: format!("cannot watch {}: {e}", p.display()),
                                };
                            }
                        }
                    }
                    None => use_poll = true,
                }
            }
            if use_poll {
                if self.poll.is_none() {
                    let tx = raw_tx.clone();
                    self.poll = notify::PollWatcher::new(
                        move |e| {
                            let _ = tx.send(e);
                        },
                        notify::Config::default().with_poll_interval(POLL_EVERY),
                    )
                    .ok();
                }
                match self.poll.as_mut().map(|w| w.watch(&p, mode)) {
                    Some(Ok(())) => {}
                    _ => {
                        for (_, m) in modes.iter_mut().filter(|(rp, _)| rp.starts_with(&p)) {
                            *m = Mode::Unwatched {
                                reason: "neither native events nor polling could watch it".into(),
                            };
                        }
                        continue;
                    }
                }
            }
            self.placed.insert(p, (mode, use_poll));
        }
        self.modes = modes;
    }
}

fn nearest_existing(p: &Path) -> Option<PathBuf> {
    let mut cur = p.parent();
    while let Some(c) = cur {
        if c.is_dir() {
            return Some(c.to_path_buf());
        }
        cur = c.parent();
    }
    None
}

/// File systems whose changes made on another machine send no local events.
const NETWORK_FS: &[&str] = &[
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "9p",
    "fuse.sshfs",
    "afs",
    "ceph",
    "glusterfs",
    "fuse.rclone",
    "davfs",
    "fuse.s3fs",
    "virtiofs",
];

/// The network file system a path is on (Linux: from /proc/self/mounts), if it is on one.
pub fn network_fs(p: &Path) -> Option<String> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    fs_type_of(p, &mounts).filter(|t| NETWORK_FS.contains(&t.as_str()))
}

/// The file system type of the mount a path is on, from the text of /proc/self/mounts.
fn fs_type_of(p: &Path, mounts: &str) -> Option<String> {
    let p = p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let mut best: Option<(usize, String)> = None;
    for line in mounts.lines() {
        let mut f = line.split_whitespace();
        let (Some(_dev), Some(mnt), Some(fs)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        // mount points escape spaces as \040
        let mnt = mnt.replace("\\040", " ");
        if p.starts_with(&mnt) && best.as_ref().is_none_or(|(len, _)| mnt.len() > *len) {
            best = Some((mnt.len(), fs.to_string()));
        }
    }
    best.map(|(_, fs)| fs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_system_of_a_path_is_its_longest_mount() {
        let mounts = "/dev/vda / ext4 rw 0 0\nserver:/home /home nfs4 rw 0 0\nserver:/x /home/me/my\\040docs cifs rw 0 0\n";
        assert_eq!(
            fs_type_of(Path::new("/home/me/.claude"), mounts).as_deref(),
            Some("nfs4")
        );
        assert_eq!(
            fs_type_of(Path::new("/home/me/my docs/a"), mounts).as_deref(),
            Some("cifs")
        );
        assert_eq!(
            fs_type_of(Path::new("/var/x"), mounts).as_deref(),
            Some("ext4")
        );
    }

    fn collect(
        rx: &Receiver<Vec<PathBuf>>,
        want: impl Fn(&HashSet<PathBuf>) -> bool,
    ) -> HashSet<PathBuf> {
        let mut seen = HashSet::new();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(b) = rx.recv_timeout(Duration::from_millis(100)) {
                seen.extend(b);
                if want(&seen) {
                    break;
                }
            }
        }
        seen
    }

    #[test]
    fn appends_new_files_and_roots_created_later_are_seen() {
        let dir = std::env::temp_dir().join(format!("revisit-watch-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("root/a")).unwrap();
        let file = dir.join("root/a/s.jsonl");
        std::fs::write(&file, "{}\n").unwrap();
        let (tx, rx) = unbounded();
        let later = dir.join("later/deep/root");
        let w = Watcher::spawn(
            vec![
                WatchRoot {
                    path: dir.join("root"),
                    remote: false,
                },
                WatchRoot {
                    path: later.clone(),
                    remote: false,
                },
            ],
            move |b| {
                let _ = tx.send(b);
            },
        );
        let modes = w.status();
        assert_eq!(modes[0].1, Mode::Native, "{modes:?}");
        assert!(
            matches!(&modes[1].1, Mode::Waiting { parent } if *parent == dir),
            "{modes:?}"
        );
        // an append
        use std::io::Write;
        std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .unwrap()
            .write_all(b"{\"more\":1}\n")
            .unwrap();
        assert!(collect(&rx, |s| s.contains(&file)).contains(&file));
        // a new dated folder and a file in it: the file may be written before the new folders
        // are watched, so the folder's creation is what is reported for sure (the indexer
        // rescans the root for an unknown path)
        let dated = dir.join("root/2026/11/24/r.jsonl");
        std::fs::create_dir_all(dated.parent().unwrap()).unwrap();
        std::fs::write(&dated, "{}\n").unwrap();
        let year = dir.join("root/2026");
        assert!(
            collect(&rx, |s| s.iter().any(|p| p.starts_with(&year)))
                .iter()
                .any(|p| p.starts_with(&year))
        );
        // and later writes in it are seen as themselves
        std::thread::sleep(Duration::from_millis(200));
        std::fs::write(&dated, "{}\n{}\n").unwrap();
        assert!(collect(&rx, |s| s.contains(&dated)).contains(&dated));
        // a root that appears later: its folders are created, then a session in it
        std::fs::create_dir_all(&later).unwrap();
        let seen = collect(&rx, |s| s.iter().any(|p| p.starts_with(dir.join("later"))));
        assert!(!seen.is_empty());
        // once there, it is watched itself
        let start = Instant::now();
        while w.status()[1].1 != Mode::Native && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(w.status()[1].1, Mode::Native);
        let s = later.join("x.jsonl");
        std::fs::write(&s, "{}\n").unwrap();
        assert!(collect(&rx, |seen| seen.contains(&s)).contains(&s));
        drop(w);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_storm_of_events_is_a_few_batches() {
        let dir = std::env::temp_dir().join(format!("revisit-storm-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (tx, rx) = unbounded();
        let _w = Watcher::spawn(
            vec![WatchRoot {
                path: dir.clone(),
                remote: false,
            }],
            move |b| {
                let _ = tx.send(b);
            },
        );
        std::thread::sleep(Duration::from_millis(100));
        for i in 0..2000 {
            std::fs::write(dir.join(format!("f{i}.jsonl")), "{}\n").unwrap();
        }
        let mut batches = 0;
        let mut seen = HashSet::new();
        let start = Instant::now();
        while seen.len() < 2000 && start.elapsed() < Duration::from_secs(10) {
            if let Ok(b) = rx.recv_timeout(Duration::from_millis(500)) {
                batches += 1;
                seen.extend(b);
            }
        }
        assert_eq!(seen.len(), 2000);
        // batches are bounded by time, not by events
        assert!(batches < 200, "{batches} batches for 2000 files");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
