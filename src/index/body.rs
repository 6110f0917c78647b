//! How a message is stored in the index: its JSON, zstd-compressed when that pays off. The
//! first byte says which: `J` plain JSON, `Z` zstd frame of the JSON.

use crate::model::Message;

/// Bodies shorter than this are stored as they are (compression would not gain).
const COMPRESS_FROM: usize = 200;
const LEVEL: i32 = 1;

thread_local! {
    /// One compression context per thread: setting one up costs more than compressing a
    /// typical message.
    static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
        std::cell::RefCell::new(zstd::bulk::Compressor::new(LEVEL).ok());
}

fn compress(json: &[u8]) -> Option<Vec<u8>> {
    COMPRESSOR.with(|c| match c.borrow_mut().as_mut() {
        Some(c) => c.compress(json).ok(),
        None => zstd::bulk::compress(json, LEVEL).ok(),
    })
}

pub fn encode(m: &Message) -> Vec<u8> {
    let json = serde_json::to_vec(m).unwrap_or_else(|_| b"{}".to_vec());
    if json.len() >= COMPRESS_FROM
        && let Some(z) = compress(&json)
        && z.len() + 1 < json.len()
    {
        let mut out = Vec::with_capacity(z.len() + 1);
        out.push(b'Z');
        out.extend_from_slice(&z);
        return out;
    }
    let mut out = Vec::with_capacity(json.len() + 1);
    out.push(b'J');
    out.extend_from_slice(&json);
    out
}

/// The message back; `None` for bytes revisit did not write.
pub fn decode(bytes: &[u8]) -> Option<Message> {
    Decoder::new().decode(bytes)
}

/// A message from its JSON (a body's, or a packed transcript's), held at its length.
pub fn from_json(json: &[u8]) -> Option<Message> {
    let mut m: Message = serde_json::from_slice(json).ok()?;
    // serde grows a list of unknown length 4, 8, …: most messages have one or two
    // blocks, and the room for four was 22 MB of a 109,000-message session
    m.blocks.shrink_to_fit();
    Some(m)
}

/// Decodes many bodies with one zstd context (setting one up per message costs more than
/// decompressing a small one).
pub struct Decoder {
    zstd: Option<zstd::bulk::Decompressor<'static>>,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder {
            zstd: zstd::bulk::Decompressor::new().ok(),
        }
    }

    pub fn decode(&mut self, bytes: &[u8]) -> Option<Message> {
        from_json(&self.json(bytes)?)
    }

    /// The message's JSON, not parsed.
    pub fn json<'a>(&mut self, bytes: &'a [u8]) -> Option<std::borrow::Cow<'a, [u8]>> {
        match bytes.split_first()? {
            (b'J', json) => Some(json.into()),
            (b'Z', z) => {
                // frames written by `encode` carry their size
                let size = zstd::zstd_safe::get_frame_content_size(z).ok().flatten();
                let json = match (&mut self.zstd, size) {
                    (Some(d), Some(n)) if n < (1 << 31) => d.decompress(z, n as usize).ok()?,
                    _ => zstd::stream::decode_all(z).ok()?,
                };
                Some(json.into())
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Block, Role};

    #[test]
    fn round_trips_small_and_large() {
        let mut small = Message::new(Role::User);
        small.blocks.push(Block::text("hi"));
        let e = encode(&small);
        assert_eq!(e[0], b'J');
        assert_eq!(decode(&e).unwrap(), small);
        let mut big = Message::new(Role::Tool);
        big.blocks.push(Block::ToolResult {
            call_id: "c".into(),
            output: "line of output\n".repeat(500),
            is_error: false,
        });
        let e = encode(&big);
        assert_eq!(e[0], b'Z');
        assert!(e.len() < 1000, "compressed: {}", e.len());
        assert_eq!(decode(&e).unwrap(), big);
        // held at their length, not with room to grow
        let mut two = Message::new(Role::Assistant);
        two.blocks = vec![Block::text("a"), Block::text("b")];
        let back = decode(&encode(&two)).unwrap();
        assert_eq!(back, two);
        assert_eq!(back.blocks.capacity(), 2);
        assert!(decode(b"").is_none());
        assert!(decode(b"Xjunk").is_none());
        assert!(decode(b"Zjunk").is_none());
    }

    /// A number as an agent wrote it reads back from the index as the same number. serde_json's
    /// fast float parsing was off by one unit in the last place for some: an integer beyond
    /// u64 (8769 and 79 zeros) became 8.768999999999999e82, was written back as such and read
    /// as 8.769e82. Found by the `profclaw` fuzz target; `float_roundtrip` parses exactly.
    #[test]
    fn numbers_in_tool_inputs_read_back_exactly() {
        let huge = format!(r#"{{"total": 8769{}}}"#, "0".repeat(79));
        for text in [
            huge.as_str(),
            r#"{"total": 8769e79}"#,
            r#"{"x": 1.7976931348623157e308, "y": 5e-324}"#,
        ] {
            let mut m = Message::new(Role::Assistant);
            m.blocks.push(Block::ToolCall {
                id: "c".into(),
                name: "exec".into(),
                input: serde_json::from_str(text).unwrap(),
            });
            assert_eq!(decode(&encode(&m)).unwrap(), m, "{text}");
        }
    }
}
