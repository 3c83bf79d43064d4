//! The iamdsl front end: grammar (`grammar/iamdsl.pest`, derived in `grammar`), typed AST with
//! byte spans, a parser that reports every syntax error of a file (and reuses the trees of
//! unchanged declarations, `parse_cached`), the one list of the language's words
//! (`lexer::GRAMMAR_WORDS`), the formatter, and `query`: where in the syntax a cursor is.

extern crate alloc;

pub mod ast;
mod errors;
pub mod format;
mod grammar;
mod incremental;
pub mod lexer;
mod parser;
pub mod query;

pub use format::{
    format_module, format_source, format_verified, is_bare_key, is_ident, quote, Refusal,
};
pub use incremental::{parse_cached, ParseCache};
pub use parser::{is_date_literal, parse, parse_intent, Parsed};

/// The properties the fuzz targets check (`fuzz/`), also replayed on the committed corpus by
/// the test suite (`tests/fuzz/`): one implementation for both. Each panics when it fails.
#[doc(hidden)]
pub mod fuzzing {
    use iamdsl_diagnostics::FileId;

    /// The inputs of a committed corpus file (`tests/fuzz/*.hex`): one input per line, in hex.
    pub fn corpus(text: &str) -> Vec<Vec<u8>> {
        text.lines()
            .map(|line| {
                (0..line.len() / 2)
                    .filter_map(|i| u8::from_str_radix(line.get(2 * i..2 * i + 2)?, 16).ok())
                    .collect()
            })
            .collect()
    }

    /// The parser never panics, and what it reports points inside the text.
    pub fn parse(data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        let parsed = crate::parse(&text, FileId(0));
        for diagnostic in &parsed.diagnostics {
            if let Some(label) = &diagnostic.primary {
                assert!(label.span.end as usize <= text.len());
            }
        }
    }

    /// Whatever parses formats to text that parses to the same tree, and formats to itself.
    pub fn format_round_trip(data: &[u8]) {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let Ok(formatted) = crate::format_verified(text, FileId(0)) else {
            return;
        };
        assert_eq!(
            crate::format_verified(&formatted, FileId(0)).as_deref(),
            Ok(formatted.as_str())
        );
    }
}
