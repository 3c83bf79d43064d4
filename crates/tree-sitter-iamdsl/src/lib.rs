//! The iamdsl tree-sitter grammar for Rust: the parser generated from
//! `editors/tree-sitter-iamdsl/grammar.js` and its highlight queries.
//!
//! ```
//! let mut parser = tree_sitter::Parser::new();
//! parser.set_language(&tree_sitter_iamdsl::LANGUAGE.into()).unwrap();
//! let tree = parser.parse("role deployer { allow read on * }", None).unwrap();
//! assert!(!tree.root_node().has_error());
//! ```
//!
//! iamdsl itself does not use it: `grammar/iamdsl.pest` and `iamdsl-syntax` are the language's
//! parser. This crate exists so that the grammar editors use is tested against every source file of
//! the repository and against the keyword list (`tests/grammar.rs`).

use tree_sitter_language::LanguageFn;

#[allow(unsafe_code)]
extern "C" {
    fn tree_sitter_iamdsl() -> *const ();
}

/// The iamdsl language (`tree_sitter::Language::from(LANGUAGE)`).
#[allow(unsafe_code)]
// SAFETY: `tree_sitter_iamdsl` is the generated parser's constructor; it returns a pointer to a
// static `TSLanguage` and has no preconditions.
pub const LANGUAGE: LanguageFn = unsafe { LanguageFn::from_raw(tree_sitter_iamdsl) };

/// The highlight query, in the capture names of Neovim and of the tree-sitter CLI.
pub const HIGHLIGHTS_QUERY: &str =
    include_str!("../../../editors/tree-sitter-iamdsl/queries/highlights.scm");

/// The grammar's node types, as generated.
pub const NODE_TYPES: &str =
    include_str!("../../../editors/tree-sitter-iamdsl/src/node-types.json");
