//! Feeding line stores to their parser: from a byte offset, complete lines only, in chunks so
//! that memory stays flat on huge files.

use crate::sources::util::fnv1a;
use crate::sources::{IssueKind, LineParser, Sink};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

/// Lines longer than this are skipped (and counted) rather than buffered.
pub const MAX_LINE: usize = 64 << 20;
/// Bytes of lines between two flushes to the writer.
pub const CHUNK: usize = 8 << 20;
const READ_BLOCK: usize = 1 << 20;
/// Bytes hashed at the head of a file and before the offset, to notice rewrites.
pub const PRINT_LEN: u64 = 4096;

/// Where a line store was left.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Position {
    pub offset: u64,
    pub lines: u64,
}

#[derive(Debug, Default)]
pub struct FeedResult {
    pub pos: Position,
    /// Bytes after the last newline that are not (yet) a complete record.
    pub pending: u64,
    pub bytes: u64,
    /// Parser state after the last complete line (the one to save).
    pub state: Vec<u8>,
    /// Results of a last line without a newline that is nevertheless complete JSON: applied,
    /// but parsed again once the newline arrives.
    pub tentative: Option<Sink>,
}

/// Fingerprint of `len` bytes at `at`.
pub fn fingerprint(f: &mut File, at: u64, len: u64) -> std::io::Result<u64> {
    let mut buf = vec![0u8; len as usize];
    f.seek(SeekFrom::Start(at))?;
    f.read_exact(&mut buf)?;
    Ok(fnv1a(&buf))
}

/// Can parsing continue at `prev.offset`? True when the file (`size` bytes) still starts with
/// the same bytes and the bytes just before the offset are unchanged.
///
/// The check, the parse and the fingerprints after it all read one open file: a file replaced
/// by another (renamed over it) while it is read is then seen whole, old or new, never the old
/// one's lines followed by the new one's.
pub fn can_append(
    f: &mut File,
    size: u64,
    prev: Position,
    head: (u64, u64),
    tail_hash: u64,
) -> bool {
    if size < prev.offset {
        return false;
    }
    let (head_len, head_hash) = head;
    if head_len > size || fingerprint(f, 0, head_len).ok() != Some(head_hash) {
        return false;
    }
    let tail_len = prev.offset.min(PRINT_LEN);
    fingerprint(f, prev.offset - tail_len, tail_len).ok() == Some(tail_hash)
}

/// The fingerprints to store after a parse that ended at `offset` (of the file that was read,
/// `size` bytes when it was opened).
pub fn prints(f: &mut File, size: u64, offset: u64) -> std::io::Result<((u64, u64), u64)> {
    let head_len = size.min(PRINT_LEN);
    let head = fingerprint(f, 0, head_len)?;
    let tail_len = offset.min(PRINT_LEN);
    let tail = fingerprint(f, offset - tail_len, tail_len)?;
    Ok(((head_len, head), tail))
}

fn trim_line(mut line: &[u8], first: bool) -> &[u8] {
    if first && line.starts_with(b"\xEF\xBB\xBF") {
        line = &line[3..];
    }
    if line.ends_with(b"\r") {
        line = &line[..line.len() - 1];
    }
    line
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| b.is_ascii_whitespace())
}

/// Feed the open file `f` from `from` to its end. `on_chunk` receives the parser's output every
/// [`CHUNK`] bytes (and once at the end); the caller applies it.
pub fn feed(
    f: &mut File,
    parser: &mut dyn LineParser,
    from: Position,
    on_chunk: &mut dyn FnMut(Sink, u64),
) -> std::io::Result<FeedResult> {
    f.seek(SeekFrom::Start(from.offset))?;
    let mut pos = from;
    let mut carry: Vec<u8> = Vec::new();
    let mut block = vec![0u8; READ_BLOCK];
    let mut sink = Sink::default();
    let mut since_flush = 0usize;
    let mut total = 0u64;
    // Skipping the rest of an over-long line.
    let mut skipping = false;

    loop {
        let n = match f.read(&mut block) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let data = &block[..n];
        let mut start = 0;
        while let Some(i) = memchr(b'\n', &data[start..]) {
            let end = start + i;
            if skipping {
                skipping = false;
                pos.offset += (end - start + 1) as u64;
                pos.lines += 1;
                total += (end - start + 1) as u64;
                carry.clear();
                start = end + 1;
                continue;
            }
            let line_len;
            {
                let line: &[u8] = if carry.is_empty() {
                    &data[start..end]
                } else {
                    carry.extend_from_slice(&data[start..end]);
                    &carry
                };
                line_len = line.len() + 1;
                pos.lines += 1;
                let l = trim_line(line, pos.offset == 0);
                if !is_blank(l) {
                    parser.line(pos.lines, l, &mut sink);
                }
            }
            carry.clear();
            pos.offset += line_len as u64;
            total += line_len as u64;
            since_flush += line_len;
            start = end + 1;
            if since_flush >= CHUNK {
                parser.flush(&mut sink);
                on_chunk(std::mem::take(&mut sink), since_flush as u64);
                since_flush = 0;
            }
        }
        let rest = &data[start..];
        if skipping {
            pos.offset += rest.len() as u64;
            total += rest.len() as u64;
        } else if carry.len() + rest.len() > MAX_LINE {
            // an over-long line: count it and skip to its end
            sink.issue(
                Some(pos.lines + 1),
                IssueKind::TooLong,
                format!("line longer than {} MB skipped", MAX_LINE >> 20),
            );
            pos.offset += (carry.len() + rest.len()) as u64;
            total += (carry.len() + rest.len()) as u64;
            carry.clear();
            skipping = true;
        } else {
            carry.extend_from_slice(rest);
        }
    }
    parser.flush(&mut sink);
    let state = parser.save_state();
    let mut result = FeedResult {
        pos,
        pending: 0,
        bytes: total,
        state,
        tentative: None,
    };
    if skipping {
        // the file ends inside an over-long line: what was skipped is consumed
        carry.clear();
    }
    if !carry.is_empty() {
        let l = trim_line(&carry, pos.offset == 0);
        if is_blank(l) {
            result.pending = 0;
        } else {
            let complete = serde_json::from_slice::<serde::de::IgnoredAny>(l).is_ok();
            let mut t = Sink::default();
            if complete {
                // complete JSON without its newline (the writer may add it, or never will):
                // show it now, parse it again later from the saved state
                parser.line(pos.lines + 1, l, &mut t);
                parser.flush(&mut t);
            }
            if complete && t.issues.is_empty() {
                result.tentative = Some(t);
                result.bytes += carry.len() as u64;
            } else {
                // not JSON yet, or a record the parser skips: it waits for its newline and
                // is counted then, once (a skipped tentative line would be counted again
                // each time it is parsed again)
                result.pending = carry.len() as u64;
            }
        }
    }
    on_chunk(sink, since_flush as u64);
    Ok(result)
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A parser that records the lines it sees.
    #[derive(Default)]
    struct Rec {
        lines: Vec<(u64, String)>,
    }
    impl LineParser for Rec {
        fn load_state(&mut self, _: &[u8]) -> bool {
            true
        }
        fn save_state(&self) -> Vec<u8> {
            self.lines.len().to_string().into_bytes()
        }
        fn line(&mut self, n: u64, line: &[u8], _: &mut Sink) {
            self.lines
                .push((n, String::from_utf8_lossy(line).into_owned()));
        }
        fn flush(&mut self, _: &mut Sink) {}
    }

    fn run(content: &[u8], from: Position) -> (Rec, FeedResult) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.jsonl");
        std::fs::write(&p, content).unwrap();
        let mut rec = Rec::default();
        let mut f = File::open(&p).unwrap();
        let r = feed(&mut f, &mut rec, from, &mut |_, _| {}).unwrap();
        (rec, r)
    }

    #[test]
    fn complete_lines_only() {
        let (rec, r) = run(b"{\"a\":1}\n{\"b\":2}\n{\"c\":", Position::default());
        assert_eq!(rec.lines.len(), 2);
        assert_eq!(r.pos.offset, 16);
        assert_eq!(r.pending, 5);
        assert!(r.tentative.is_none());
    }

    #[test]
    fn tentative_last_line() {
        let (rec, r) = run(b"{\"a\":1}\n{\"b\":2}", Position::default());
        assert_eq!(rec.lines.len(), 2, "tentative line is parsed");
        assert_eq!(r.pos.offset, 8, "but not consumed");
        assert_eq!(r.state, b"1", "state saved before it");
        assert!(r.tentative.is_some());
    }

    /// A parser that skips (and counts) lines starting with `!`.
    #[derive(Default)]
    struct Picky;
    impl LineParser for Picky {
        fn load_state(&mut self, _: &[u8]) -> bool {
            true
        }
        fn save_state(&self) -> Vec<u8> {
            Vec::new()
        }
        fn line(&mut self, n: u64, line: &[u8], sink: &mut Sink) {
            if line.starts_with(b"\"!") {
                sink.issue(Some(n), IssueKind::UnknownType, "skipped");
            }
        }
        fn flush(&mut self, _: &mut Sink) {}
    }

    #[test]
    fn a_complete_last_line_that_is_skipped_waits_and_is_counted_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.jsonl");
        std::fs::write(&p, b"\"ok\"\n\"!odd\"").unwrap();
        let mut issues = 0;
        let mut f = File::open(&p).unwrap();
        let r = feed(&mut f, &mut Picky, Position::default(), &mut |s, _| {
            issues += s.issues.len()
        })
        .unwrap();
        assert!(r.tentative.is_none());
        assert_eq!((issues, r.pending, r.pos.offset), (0, 6, 5));
        // its newline arrives: counted now, once
        std::fs::write(&p, b"\"ok\"\n\"!odd\"\n").unwrap();
        let mut issues = 0;
        let mut f = File::open(&p).unwrap();
        let r = feed(&mut f, &mut Picky, r.pos, &mut |s, _| {
            issues += s.issues.len()
        })
        .unwrap();
        assert_eq!((issues, r.pending, r.pos.offset), (1, 0, 12));
    }

    #[test]
    fn a_file_replaced_while_it_is_read_is_fingerprinted_as_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.jsonl");
        std::fs::write(&p, b"{\"old\":1}\n{\"old\":2}\n").unwrap();
        let mut f = File::open(&p).unwrap();
        let r = feed(
            &mut f,
            &mut Rec::default(),
            Position::default(),
            &mut |_, _| {},
        )
        .unwrap();
        // another file is renamed over it before the fingerprints are taken
        let new = dir.path().join("new");
        std::fs::write(&new, b"{\"new\":1}\n{\"new\":2}\n{\"new\":3}\n").unwrap();
        std::fs::rename(&new, &p).unwrap();
        let (head, tail) = prints(&mut f, 20, r.pos.offset).unwrap();
        // they describe what was parsed, so the new file does not pass for its continuation
        let mut g = File::open(&p).unwrap();
        let size = g.metadata().unwrap().len();
        assert!(!can_append(&mut g, size, r.pos, head, tail));
        assert!(
            can_append(&mut f, 20, r.pos, head, tail),
            "the file read still fits"
        );
    }

    #[test]
    fn bom_crlf_blank() {
        let (rec, r) = run(
            b"\xEF\xBB\xBF{\"a\":1}\r\n\r\n   \n{\"b\":2}\r\n",
            Position::default(),
        );
        assert_eq!(
            rec.lines,
            vec![(1, "{\"a\":1}".to_string()), (4, "{\"b\":2}".to_string())]
        );
        assert_eq!(r.pos.lines, 4);
    }

    #[test]
    fn resume_from_offset() {
        let content = b"{\"a\":1}\n{\"b\":2}\n";
        let (rec, r) = run(
            content,
            Position {
                offset: 8,
                lines: 1,
            },
        );
        assert_eq!(rec.lines, vec![(2, "{\"b\":2}".to_string())]);
        assert_eq!(r.bytes, 8);
    }

    #[test]
    fn lines_across_read_blocks() {
        let long = "x".repeat(READ_BLOCK * 2 + 17);
        let content = format!("{{\"a\":\"{long}\"}}\n{{\"b\":1}}\n");
        let (rec, r) = run(content.as_bytes(), Position::default());
        assert_eq!(rec.lines.len(), 2);
        assert_eq!(rec.lines[0].1.len(), long.len() + 8);
        assert_eq!(r.pos.offset, content.len() as u64);
    }
}
