//! A session's messages as the transcript holds them: compressed, a chunk of consecutive
//! messages to a zstd frame, and decoded only where they are needed (the units near the
//! screen, a copy, a find), through a small cache.
//!
//! A 558 MB session held as `Message`s took 152 MB; packed it takes a fraction of that, and
//! what is decoded at any moment is a few chunks. Loading never holds the session decoded
//! either: the index's bodies are JSON already, and go into chunks as they are.

use crate::model::{Block, Message, Role};
use std::ops::Range;
use std::sync::{Arc, Mutex};

/// A chunk is closed at this many messages or this many bytes of JSON, whichever comes first.
const CHUNK_MESSAGES: usize = 64;
const CHUNK_BYTES: usize = 256 * 1024;
/// Decoded chunks kept: enough for a screen and the units around it, a find or a copy.
const CACHE_CHUNKS: usize = 12;
const LEVEL: i32 = 1;

/// Consecutive messages' JSON, end to end, compressed.
struct Chunk {
    /// Index of its first message.
    first: usize,
    /// Where each message's JSON ends in the decompressed bytes.
    ends: Box<[u32]>,
    z: Box<[u8]>,
}

impl Chunk {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn raw(&self) -> Vec<u8> {
        let n = self.ends.last().copied().unwrap_or(0) as usize;
        zstd::bulk::decompress(&self.z, n).unwrap_or_default()
    }

    /// Each message's JSON.
    fn for_each_raw(&self, mut f: impl FnMut(usize, &[u8])) {
        let raw = self.raw();
        let mut at = 0usize;
        for (k, &end) in self.ends.iter().enumerate() {
            let end = end as usize;
            f(self.first + k, raw.get(at..end).unwrap_or(&[]));
            at = end;
        }
    }

    fn decode(&self) -> Decoded {
        let mut out = Vec::with_capacity(self.len());
        self.for_each_raw(|_, json| out.push(Arc::new(from_json(json))));
        Arc::new(out)
    }
}

/// A message back from its JSON; one that cannot be read (never written by revisit) keeps
/// its place as a notice, so the messages after it keep theirs.
fn from_json(json: &[u8]) -> Message {
    crate::index::body::from_json(json).unwrap_or_else(|| {
        let mut m = Message::new(Role::System);
        m.blocks.push(Block::Notice {
            kind: "unreadable".into(),
            text: "this message could not be read back from revisit's index".into(),
        });
        m
    })
}

/// A chunk's messages, decoded.
type Decoded = Arc<Vec<Arc<Message>>>;

/// The messages of one session, packed.
pub struct Packed {
    len: usize,
    chunks: Vec<Arc<Chunk>>,
    /// Some message was cut to its head when it was read (see `index::query::elide`).
    elided: bool,
    /// Decoded chunks, the most recently used first.
    cache: Mutex<Vec<(usize, Decoded)>>,
}

impl Default for Packed {
    fn default() -> Self {
        PackedBuilder::new().finish()
    }
}

impl std::fmt::Debug for Packed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Packed")
            .field("len", &self.len)
            .field("chunks", &self.chunks.len())
            .field("bytes", &self.packed_bytes())
            .finish()
    }
}

impl PartialEq for Packed {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl From<Vec<Message>> for Packed {
    fn from(messages: Vec<Message>) -> Packed {
        let mut b = PackedBuilder::new();
        for m in &messages {
            b.push(m);
        }
        b.finish()
    }
}

impl Packed {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Some message was cut to its head when it was read.
    pub fn elided(&self) -> bool {
        self.elided
    }

    /// Compressed bytes held.
    pub fn packed_bytes(&self) -> usize {
        self.chunks
            .iter()
            .map(|c| c.z.len() + c.ends.len() * 4)
            .sum()
    }

    fn chunk_of(&self, i: usize) -> Option<usize> {
        if i >= self.len {
            return None;
        }
        Some(self.chunks.partition_point(|c| c.first <= i) - 1)
    }

    /// Message `i`, decoded (its chunk stays decoded for the messages around it). Several
    /// threads may ask at once: a chunk is decoded outside the cache's lock.
    pub fn get(&self, i: usize) -> Option<Arc<Message>> {
        let ci = self.chunk_of(i)?;
        let chunk = &self.chunks[ci];
        let k = i - chunk.first;
        let lock = || self.cache.lock().unwrap_or_else(|e| e.into_inner());
        {
            let mut cache = lock();
            if let Some(p) = cache.iter().position(|(c, _)| *c == ci) {
                let hit = cache.remove(p);
                let m = hit.1.get(k).cloned();
                cache.insert(0, hit);
                return m;
            }
        }
        let decoded = chunk.decode();
        let m = decoded.get(k).cloned();
        let mut cache = lock();
        if !cache.iter().any(|(c, _)| *c == ci) {
            cache.insert(0, (ci, decoded));
            cache.truncate(CACHE_CHUNKS);
        }
        m
    }

    /// Every message in order, to `f`, decoded on other threads ahead of it (a pass over a
    /// long session costs its decoding divided by the cores).
    pub fn for_each(&self, mut f: impl FnMut(usize, &Arc<Message>)) {
        let threads = crate::cores();
        let chunks = &self.chunks;
        if threads < 2 || chunks.len() < 8 {
            for (i, m) in self.iter().enumerate() {
                f(i, &m);
            }
            return;
        }
        std::thread::scope(|scope| {
            // thread t decodes chunks t, t + threads, …; they are taken back in order
            let queues: Vec<_> = (0..threads)
                .map(|t| {
                    let (tx, rx) = std::sync::mpsc::sync_channel(2);
                    scope.spawn(move || {
                        for c in chunks.iter().skip(t).step_by(threads) {
                            if tx.send(c.decode()).is_err() {
                                return;
                            }
                        }
                    });
                    rx
                })
                .collect();
            for (ci, c) in chunks.iter().enumerate() {
                let Ok(decoded) = queues[ci % threads].recv() else {
                    return;
                };
                for (k, m) in decoded.iter().enumerate() {
                    f(c.first + k, m);
                }
            }
        });
    }

    /// Every message in order, decoded a chunk at a time (the cache is left alone).
    pub fn iter(&self) -> impl Iterator<Item = Arc<Message>> + '_ {
        self.iter_from(0)
    }

    /// The messages from `start` on, in order.
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = Arc<Message>> + '_ {
        let from = self.chunk_of(start).unwrap_or(self.chunks.len());
        self.chunks[from..].iter().flat_map(move |c| {
            let d = c.decode();
            let skip = start.saturating_sub(c.first);
            (skip..d.len()).map(move |k| d[k].clone())
        })
    }

    /// Every message, decoded, as a plain list (for the pager, the editor, tests).
    pub fn to_vec(&self) -> Vec<Arc<Message>> {
        self.iter().collect()
    }

    /// The JSON of the messages in `range`, in order.
    pub fn for_each_raw(&self, range: Range<usize>, mut f: impl FnMut(usize, &[u8])) {
        let Some(from) = self.chunk_of(range.start) else {
            return;
        };
        for c in &self.chunks[from..] {
            if c.first >= range.end {
                break;
            }
            c.for_each_raw(|i, json| {
                if range.contains(&i) {
                    f(i, json)
                }
            });
        }
    }

    /// A builder holding the first `n` messages of this one (whole chunks are shared, not
    /// copied), for a session that grew or changed from message `n` on.
    pub fn prefix(&self, n: usize) -> PackedBuilder {
        let n = n.min(self.len);
        let mut b = PackedBuilder::new();
        b.elided = self.elided;
        let whole = self.chunks.partition_point(|c| c.first + c.len() <= n);
        b.chunks.extend(self.chunks[..whole].iter().cloned());
        b.len = self.chunks[..whole].iter().map(|c| c.len()).sum();
        if b.len < n {
            self.for_each_raw(b.len..n, |_, json| b.push_json(json));
        }
        b
    }
}

/// Packs messages one at a time.
pub struct PackedBuilder {
    len: usize,
    chunks: Vec<Arc<Chunk>>,
    elided: bool,
    raw: Vec<u8>,
    ends: Vec<u32>,
    zstd: Option<zstd::bulk::Compressor<'static>>,
}

impl Default for PackedBuilder {
    fn default() -> Self {
        PackedBuilder::new()
    }
}

impl PackedBuilder {
    pub fn new() -> PackedBuilder {
        PackedBuilder {
            len: 0,
            chunks: Vec::new(),
            elided: false,
            raw: Vec::new(),
            ends: Vec::new(),
            zstd: None,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Note that a message was cut to its head.
    pub fn mark_elided(&mut self) {
        self.elided = true;
    }

    pub fn push(&mut self, m: &Message) {
        let json = serde_json::to_vec(m).unwrap_or_else(|_| b"{}".to_vec());
        self.push_json(&json);
    }

    /// A message as JSON (the index's form of it).
    pub fn push_json(&mut self, json: &[u8]) {
        // a chunk's offsets are u32: a message that would not fit is a notice instead
        if self.raw.len() + json.len() >= u32::MAX as usize {
            self.close();
        }
        if json.len() >= u32::MAX as usize {
            return self.push_json(b"null");
        }
        self.raw.extend_from_slice(json);
        self.ends.push(self.raw.len() as u32);
        self.len += 1;
        if self.ends.len() >= CHUNK_MESSAGES || self.raw.len() >= CHUNK_BYTES {
            self.close();
        }
    }

    fn close(&mut self) {
        if self.ends.is_empty() {
            return;
        }
        let z = self
            .zstd
            .get_or_insert_with(|| {
                zstd::bulk::Compressor::new(LEVEL).expect("a zstd context at level 1")
            })
            .compress(&self.raw)
            .unwrap_or_default();
        let first = self.len - self.ends.len();
        self.chunks.push(Arc::new(Chunk {
            first,
            ends: std::mem::take(&mut self.ends).into_boxed_slice(),
            z: z.into_boxed_slice(),
        }));
        self.raw.clear();
    }

    /// The messages another builder packed, after these (packed on another thread).
    pub fn append(&mut self, mut other: PackedBuilder) {
        self.close();
        other.close();
        self.elided |= other.elided;
        for c in other.chunks {
            let c = Arc::try_unwrap(c).unwrap_or_else(|c| Chunk {
                first: c.first,
                ends: c.ends.clone(),
                z: c.z.clone(),
            });
            self.chunks.push(Arc::new(Chunk {
                first: c.first + self.len,
                ..c
            }));
        }
        self.len += other.len;
    }

    pub fn finish(mut self) -> Packed {
        self.close();
        self.chunks.shrink_to_fit();
        Packed {
            len: self.len,
            chunks: self.chunks,
            elided: self.elided,
            cache: Mutex::new(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(i: usize) -> Message {
        let mut m = Message::new(if i.is_multiple_of(2) {
            Role::User
        } else {
            Role::Assistant
        });
        m.blocks
            .push(Block::text(format!("message {i} {}", "x".repeat(i % 97))));
        m
    }

    #[test]
    fn every_message_reads_back_from_any_chunk() {
        let all: Vec<Message> = (0..1000).map(msg).collect();
        let p = Packed::from(all.clone());
        assert_eq!(p.len(), 1000);
        assert!(p.chunks.len() > 10, "several chunks: {}", p.chunks.len());
        // in order, out of order, and past the end
        for i in (0..1000)
            .chain((0..1000).rev())
            .chain([999, 0, 500, 63, 64, 65])
        {
            assert_eq!(*p.get(i).unwrap(), all[i], "message {i}");
        }
        assert!(p.get(1000).is_none());
        let back: Vec<Message> = p.iter().map(|m| (*m).clone()).collect();
        assert_eq!(back, all);
        let mut seen = Vec::new();
        p.for_each(|i, m| {
            assert_eq!(**m, all[i]);
            seen.push(i);
        });
        assert_eq!(seen, (0..1000).collect::<Vec<_>>(), "in order, each once");
        // from several threads at once
        std::thread::scope(|s| {
            for t in 0..4 {
                let (p, all) = (&p, &all);
                s.spawn(move || {
                    for i in (t..1000).step_by(7) {
                        assert_eq!(*p.get(i).unwrap(), all[i]);
                    }
                });
            }
        });
        for start in [0, 1, 63, 64, 500, 999, 1000, 5000] {
            let tail: Vec<Message> = p.iter_from(start).map(|m| (*m).clone()).collect();
            assert_eq!(tail, all[start.min(1000)..], "from {start}");
        }
        assert!(p.cache.lock().unwrap().len() <= CACHE_CHUNKS);
        assert!(
            p.packed_bytes()
                < all
                    .iter()
                    .map(|m| serde_json::to_vec(m).unwrap().len())
                    .sum()
        );
        assert!(Packed::default().is_empty());
        assert!(Packed::default().get(0).is_none());
    }

    #[test]
    fn a_prefix_shares_whole_chunks_and_copies_the_rest() {
        let all: Vec<Message> = (0..300).map(msg).collect();
        let p = Packed::from(all.clone());
        for n in [0, 1, 63, 64, 65, 128, 299, 300, 400] {
            let mut b = p.prefix(n);
            assert_eq!(b.len(), n.min(300));
            let shared = b
                .chunks
                .iter()
                .filter(|c| p.chunks.iter().any(|o| Arc::ptr_eq(o, c)));
            assert_eq!(
                shared.count(),
                b.chunks.len(),
                "only whole chunks are shared"
            );
            b.push(&msg(7777));
            let q = b.finish();
            let mut want: Vec<Message> = all[..n.min(300)].to_vec();
            want.push(msg(7777));
            assert_eq!(
                q.to_vec().iter().map(|m| (**m).clone()).collect::<Vec<_>>(),
                want
            );
        }
    }

    #[test]
    fn raw_ranges_and_unreadable_json() {
        let p = Packed::from((0..200).map(msg).collect::<Vec<_>>());
        let mut seen = Vec::new();
        p.for_each_raw(60..140, |i, json| {
            assert_eq!(serde_json::from_slice::<Message>(json).unwrap(), msg(i));
            seen.push(i);
        });
        assert_eq!(seen, (60..140).collect::<Vec<_>>());
        let mut b = PackedBuilder::new();
        b.push(&msg(0));
        b.push_json(b"{not json");
        b.push(&msg(2));
        let p = b.finish();
        assert_eq!(p.len(), 3);
        assert_eq!(
            *p.get(2).unwrap(),
            msg(2),
            "the messages after it keep their place"
        );
        assert!(matches!(
            &p.get(1).unwrap().blocks[0],
            Block::Notice { kind, .. } if kind == "unreadable"
        ));
    }

    #[test]
    fn builders_packed_apart_append() {
        let all: Vec<Message> = (0..500).map(msg).collect();
        let mut a = PackedBuilder::new();
        for m in &all[..130] {
            a.push(m);
        }
        let mut b = PackedBuilder::new();
        b.mark_elided();
        for m in &all[130..] {
            b.push(m);
        }
        a.append(b);
        a.append(PackedBuilder::new());
        let p = a.finish();
        assert_eq!(p.len(), 500);
        assert!(p.elided());
        for i in [0, 127, 128, 129, 130, 131, 499] {
            assert_eq!(*p.get(i).unwrap(), all[i], "message {i}");
        }
        assert_eq!(p.to_vec().len(), 500);
        assert_eq!(p, Packed::from(all));
    }

    #[test]
    fn large_messages_close_their_chunk() {
        let mut b = PackedBuilder::new();
        let mut big = Message::new(Role::Tool);
        big.blocks.push(Block::text("y".repeat(CHUNK_BYTES * 2)));
        b.push(&msg(0));
        b.push(&big);
        b.push(&msg(2));
        let p = b.finish();
        assert_eq!(p.chunks.len(), 2);
        assert_eq!(*p.get(1).unwrap(), big);
        assert_eq!(*p.get(2).unwrap(), msg(2));
    }
}
