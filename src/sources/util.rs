//! Helpers shared by the source adapters: a directory walk that reports what it cannot read
//! and never loops, and lenient accessors for JSON whose shape varies between versions.

use super::{ScanOut, ScanProblem};
use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Walk `root` down to `max_depth` directory levels, calling `visit` for every regular file
/// (symlinks to files included). Unreadable folders are recorded in `out.problems`; symlinked
/// folders are followed once (a loop is cut where a folder is seen again).
pub fn walk_files(
    root: &Path,
    max_depth: usize,
    out: &mut ScanOut,
    visit: &mut dyn FnMut(&Path, &mut ScanOut),
) {
    let mut seen: HashSet<PathBuf> = HashSet::new();
    walk_inner(root, 0, max_depth, &mut seen, out, visit);
}

fn walk_inner(
    dir: &Path,
    depth: usize,
    max_depth: usize,
    seen: &mut HashSet<PathBuf>,
    out: &mut ScanOut,
    visit: &mut dyn FnMut(&Path, &mut ScanOut),
) {
    if let Ok(canon) = std::fs::canonicalize(dir)
        && !seen.insert(canon)
    {
        return; // symlink loop or a folder reached twice
    }
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            out.problems.push(ScanProblem {
                path: dir.to_path_buf(),
                reason: e.to_string(),
            });
            return;
        }
    };
    let mut entries: Vec<PathBuf> = Vec::new();
    for entry in rd {
        match entry {
            Ok(e) => entries.push(e.path()),
            Err(e) => out.problems.push(ScanProblem {
                path: dir.to_path_buf(),
                reason: e.to_string(),
            }),
        }
    }
    entries.sort();
    for path in entries {
        // metadata follows symlinks; a dangling link is skipped quietly, a link that leads
        // back to itself (through any number of links) is reported
        let md = match std::fs::metadata(&path) {
            Ok(md) => md,
            Err(e) => {
                if std::fs::symlink_metadata(&path).is_err() {
                    out.problems.push(ScanProblem {
                        path: path.clone(),
                        reason: "cannot stat".into(),
                    });
                } else if is_link_loop(&e) {
                    out.problems.push(ScanProblem {
                        path: path.clone(),
                        reason: format!("symbolic link loop ({e})"),
                    });
                }
                continue;
            }
        };
        if md.is_dir() {
            if depth < max_depth {
                walk_inner(&path, depth + 1, max_depth, seen, out, visit);
            }
        } else if md.is_file() {
            visit(&path, out);
        }
    }
}

/// Did following a symbolic link go round in a circle (`ELOOP`)?
fn is_link_loop(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// An id from a session file that is safe as one argument of a resume command: not empty,
/// at most 200 characters, not an option (no leading `-`), only ASCII letters, digits and the
/// characters in `extra`.
pub fn arg_id(id: &str, extra: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && !id.starts_with('-')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
}

/// A path from a session file that is safe to run in or to pass as an argument: absolute
/// (so never an option), without control characters.
pub fn arg_path(p: &str) -> bool {
    let b = p.as_bytes();
    let absolute = p.starts_with('/')
        || p.starts_with("\\\\")
        || (b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && matches!(b[2], b'\\' | b'/'));
    absolute && !p.chars().any(char::is_control)
}

/// The session's directory when it is a safe absolute path (see [`arg_path`]).
pub fn run_dir(cwd: &Option<String>) -> Option<String> {
    cwd.clone().filter(|c| arg_path(c))
}

pub fn file_name(p: &Path) -> &str {
    p.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

pub fn file_stem(p: &Path) -> &str {
    p.file_stem().and_then(|n| n.to_str()).unwrap_or("")
}

/// A string field, if it is a non-empty string.
pub fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// A count: any JSON number, clamped to `0..=u64::MAX`; strings of digits too; else 0.
pub fn count(v: Option<&Value>) -> u64 {
    match v {
        Some(Value::Number(n)) => {
            if let Some(u) = n.as_u64() {
                u
            } else if let Some(f) = n.as_f64() {
                if f.is_finite() && f > 0.0 {
                    if f >= u64::MAX as f64 {
                        u64::MAX
                    } else {
                        f as u64
                    }
                } else {
                    0
                }
            } else {
                0
            }
        }
        Some(Value::String(s)) => s.trim().parse::<u64>().unwrap_or(0),
        _ => 0,
    }
}

/// A count field of an object.
pub fn count_of(v: &Value, key: &str) -> u64 {
    count(v.get(key))
}

pub fn bool_of(v: &Value, key: &str) -> bool {
    match v.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    }
}

/// Text of a content value that is a string or an array of blocks (`{"type":"text","text"}`
/// and friends). Non-text blocks become a short placeholder.
pub fn content_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let mut out = String::new();
            for it in items {
                let piece = match it {
                    Value::String(s) => s.clone(),
                    Value::Object(_) => match it.get("type").and_then(Value::as_str) {
                        Some("image") | Some("input_image") => "[image]".to_string(),
                        Some("document") => "[document]".to_string(),
                        _ => it
                            .get("text")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                            .unwrap_or_default(),
                    },
                    _ => String::new(),
                };
                if piece.is_empty() {
                    continue;
                }
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&piece);
            }
            out
        }
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A short one-line version of a prompt for titles.
pub fn title_from(text: &str) -> Option<String> {
    let line = crate::sanitize::one_line(text);
    if line.is_empty() {
        None
    } else {
        Some(crate::sanitize::truncate_chars(&line, 200))
    }
}

/// FNV-1a, 64 bit: a stable hash for fingerprints saved on disk.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_are_lenient() {
        assert_eq!(count(Some(&json!(5))), 5);
        assert_eq!(count(Some(&json!(-5))), 0);
        assert_eq!(count(Some(&json!(1e300))), u64::MAX);
        assert_eq!(count(Some(&json!("42"))), 42);
        assert_eq!(count(Some(&json!(null))), 0);
        assert_eq!(count(None), 0);
    }

    #[test]
    fn content_text_shapes() {
        assert_eq!(content_text(&json!("hi")), "hi");
        assert_eq!(
            content_text(
                &json!([{"type":"text","text":"a"},{"type":"image"},{"type":"text","text":"b"}])
            ),
            "a\n[image]\nb"
        );
        assert_eq!(content_text(&json!(null)), "");
        assert_eq!(content_text(&json!(7)), "7");
    }

    #[cfg(unix)]
    #[test]
    fn walk_survives_loops_and_reports_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("a/b/x.jsonl"), "{}\n").unwrap();
        std::os::unix::fs::symlink(root.join("a"), root.join("a/b/loop")).unwrap();
        let mut out = ScanOut::default();
        let mut files = Vec::new();
        walk_files(root, 10, &mut out, &mut |p, _| files.push(p.to_path_buf()));
        assert_eq!(files.len(), 1, "{files:?}");
        // a folder reached again is not a problem: its files were seen once
        assert!(out.problems.is_empty(), "{:?}", out.problems);
    }

    #[cfg(unix)]
    #[test]
    fn links_that_lead_back_to_themselves_are_reported_dangling_ones_not() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("x.jsonl"), "{}\n").unwrap();
        std::os::unix::fs::symlink("self.jsonl", root.join("self.jsonl")).unwrap();
        std::os::unix::fs::symlink("pong.jsonl", root.join("ping.jsonl")).unwrap();
        std::os::unix::fs::symlink("ping.jsonl", root.join("pong.jsonl")).unwrap();
        std::os::unix::fs::symlink("gone.jsonl", root.join("dangling.jsonl")).unwrap();
        let mut out = ScanOut::default();
        let mut files = Vec::new();
        walk_files(root, 10, &mut out, &mut |p, _| files.push(p.to_path_buf()));
        assert_eq!(files, vec![root.join("x.jsonl")]);
        let mut looped: Vec<String> = out
            .problems
            .iter()
            .map(|p| file_name(&p.path).to_string())
            .collect();
        looped.sort();
        assert_eq!(looped, ["ping.jsonl", "pong.jsonl", "self.jsonl"]);
        assert!(out.problems.iter().all(|p| p.reason.contains("loop")));
    }
}

/// Lenient serde field deserialisers: a value of an unexpected type becomes `None`/`false`
/// instead of failing the whole record.
pub mod de {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => Some(s),
            _ => None,
        })
    }

    pub fn boolish<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        Ok(matches!(Value::deserialize(d)?, Value::Bool(true)))
    }
}
