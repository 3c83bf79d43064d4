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
        self.write(&mut out, 0);
        out.push('\n');
        out
    }

    fn write(&self, out: &mut String, depth: usize) {
        let indent = |out: &mut String, depth: usize| {
            for _ in 0..depth {
                out.push_str("  ");
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

/// Characters of `text` as a JSON string literal, without white space: spaces inside the string
/// count, as they do for AWS.
pub fn escaped_len(text: &str) -> usize {
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
