//! A small JSON value with ordered keys, so that every document iamdsl writes has the key order
//! AWS and reviewers expect (Version, Statement; Sid, Effect, Principal, Action, Resource,
//! Condition), whatever serde_json's map ordering is.

use std::borrow::Cow;
use std::fmt::Write;

/// Strings and keys borrow from what is written where they can: a bundle's tree then holds no
/// copy of its thousands of action names.
#[derive(Debug, Clone, PartialEq)]
pub enum Json<'a> {
    Null,
    Bool(bool),
    Number(i64),
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl<'a> Json<'a> {
    pub fn str(text: impl Into<Cow<'a, str>>) -> Json<'a> {
        Json::String(text.into())
    }

    pub fn strings<I: IntoIterator<Item = S>, S: Into<Cow<'a, str>>>(items: I) -> Json<'a> {
        Json::Array(items.into_iter().map(|s| Json::String(s.into())).collect())
    }

    /// Two-space indented text, with a final newline.
    pub fn pretty(&self) -> String {
        let mut out = String::new();
        self.pretty_into(&mut out);
        out
    }

    /// [`Json::pretty`] appended to `out`: a build writing thousands of documents reuses one
    /// buffer instead of growing a new string for each.
    pub fn pretty_into(&self, out: &mut String) {
        self.write(out, 0);
        out.push('\n');
    }

    fn write(&self, out: &mut String, depth: usize) {
        // One copy of a run of spaces per line, not two spaces per level.
        const SPACES: &str = "                                                                ";
        let indent = |out: &mut String, depth: usize| {
            let mut width = 2 * depth;
            while width > 0 {
                let run = width.min(SPACES.len());
                out.push_str(&SPACES[..run]);
                width -= run;
            }
        };
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => {
                let _ = write!(out, "{n}");
            }
            Json::String(s) => escape_into(out, s),
            Json::Array(items) if items.is_empty() => out.push_str("[]"),
            Json::Array(items) => {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    indent(out, depth + 1);
                    item.write(out, depth + 1);
                    out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                indent(out, depth);
                out.push(']');
            }
            Json::Object(fields) if fields.is_empty() => out.push_str("{}"),
            Json::Object(fields) => {
                out.push_str("{\n");
                for (i, (key, value)) in fields.iter().enumerate() {
                    indent(out, depth + 1);
                    escape_into(out, key);
                    out.push_str(": ");
                    value.write(out, depth + 1);
                    out.push_str(if i + 1 < fields.len() { ",\n" } else { "\n" });
                }
                indent(out, depth);
                out.push('}');
            }
        }
    }
}

/// Characters of the JSON without any white space between tokens, as AWS counts policy size.
impl Json<'_> {
    /// The JSON on one line, without white space between tokens.
    pub fn compact(&self) -> String {
        let mut out = String::new();
        self.write_compact(&mut out);
        out
    }

    fn write_compact(&self, out: &mut String) {
        match self {
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_compact(out);
                }
                out.push(']');
            }
            Json::Object(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    escape_into(out, key);
                    out.push(':');
                    value.write_compact(out);
                }
                out.push('}');
            }
            scalar => scalar.write(out, 0),
        }
    }

    pub fn compact_len(&self) -> usize {
        match self {
            Json::Null => 4,
            Json::Bool(b) => {
                if *b {
                    4
                } else {
                    5
                }
            }
            Json::Number(n) => n.to_string().len(),
            Json::String(s) => escaped_len(s),
            Json::Array(items) => {
                2 + items.iter().map(Json::compact_len).sum::<usize>()
                    + items.len().saturating_sub(1)
            }
            Json::Object(fields) => {
                2 + fields
                    .iter()
                    .map(|(k, v)| escaped_len(k) + 1 + v.compact_len())
                    .sum::<usize>()
                    + fields.len().saturating_sub(1)
            }
        }
    }
}

/// A JSON string literal for `text`, escaped as serde_json escapes it. Runs without anything
/// to escape (nearly all of an IAM document) are copied whole.
fn escape_into(out: &mut String, text: &str) {
    out.push('"');
    if !needs_escape(text.as_bytes()) {
        out.push_str(text);
        out.push('"');
        return;
    }
    let mut start = 0;
    for (i, byte) in text.bytes().enumerate() {
        let escaped = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // Every byte escaped is ASCII: `i` is a character boundary.
        out.push_str(&text[start..i]);
        if escaped.is_empty() {
            let _ = write!(out, "\\u{byte:04x}");
        } else {
            out.push_str(escaped);
        }
        start = i + 1;
    }
    out.push_str(&text[start..]);
    out.push('"');
}

/// Whether any byte of `text` is `"`, `\\` or a control character, eight bytes at a time: the
/// bytes of a build's tens of megabytes of JSON are nearly all plain.
fn needs_escape(text: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // The classic test for "some byte of the word is zero" (exact as a yes/no answer).
    let has_zero = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS != 0;
    let spread = |byte: u8| u64::from_ne_bytes([byte; 8]);
    let mut chunks = text.chunks_exact(8);
    for chunk in &mut chunks {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(chunk);
        let word = u64::from_ne_bytes(bytes);
        // A control character is a byte below 0x20: its bits 5 to 7 are all clear.
        if has_zero(word & spread(0xe0))
            || has_zero(word ^ spread(b'"'))
            || has_zero(word ^ spread(b'\\'))
        {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

/// Characters of `text` as a JSON string literal, without white space: spaces inside the string
/// count, as they do for AWS.
pub fn escaped_len(text: &str) -> usize {
    // Nearly every string of a policy is plain ASCII: one character per byte.
    if text.is_ascii() && !needs_escape(text.as_bytes()) {
        return 2 + text.len();
    }
    2 + text
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{08}' | '\u{0c}' => 2,
            c if (c as u32) < 0x20 => 6,
            _ => 1,
        })
        .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::Json;

    #[test]
    fn keeps_key_order_and_escapes() {
        let value = Json::Object(vec![
            ("b".into(), Json::strings(["x\"y"])),
            ("a".into(), Json::Object(vec![])),
            ("c".into(), Json::Number(3)),
        ]);
        assert_eq!(
            value.pretty(),
            "{\n  \"b\": [\n    \"x\\\"y\"\n  ],\n  \"a\": {},\n  \"c\": 3\n}\n"
        );
    }

    #[test]
    fn deep_nesting_is_indented_as_serde_json_indents_it() {
        let mut ours = Json::strings(["leaf"]);
        let mut theirs = serde_json::json!(["leaf"]);
        for depth in 0..45 {
            ours = Json::Object(vec![(format!("k{depth}").into(), Json::Array(vec![ours]))]);
            theirs = serde_json::json!({ format!("k{depth}"): [theirs] });
        }
        let expected = serde_json::to_string_pretty(&theirs).unwrap_or_default() + "\n";
        assert_eq!(ours.pretty(), expected);
    }

    #[test]
    fn the_word_at_a_time_test_finds_every_byte_to_escape_wherever_it_is() {
        for byte in 0..=u8::MAX {
            let naive = byte < 0x20 || byte == b'"' || byte == b'\\';
            for len in 1..20 {
                for at in 0..len {
                    let mut text = vec![b'a'; len];
                    text[at] = byte;
                    assert_eq!(
                        super::needs_escape(&text),
                        naive,
                        "{byte:#x} at {at} of {len}"
                    );
                }
            }
        }
        assert!(!super::needs_escape(b""));
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for text in [
            "",
            "plain",
            "é\"\\\n\r\t\u{8}\u{c}",
            "a\u{1}b\u{1f}",
            "\u{7f}ü€𝄞",
            "end\\",
        ] {
            let mut out = String::new();
            super::escape_into(&mut out, text);
            assert_eq!(
                out,
                serde_json::to_string(text).unwrap_or_default(),
                "{text:?}"
            );
        }
    }
}
