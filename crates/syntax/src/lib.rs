//! The iamdsl front end: grammar (`grammar/iamdsl.pest`), typed AST with byte spans, a parser
//! that reports every syntax error of a file, and the formatter.

extern crate alloc;

pub mod ast;
mod errors;
pub mod format;
mod incremental;
pub mod lexer;
mod parser;

pub use format::{format_module, format_source, format_verified, is_bare_key, quote, Refusal};
pub use incremental::{parse_cached, ParseCache};
pub use parser::{parse, parse_intent, Parsed};
