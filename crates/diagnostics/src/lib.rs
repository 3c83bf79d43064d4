//! One diagnostic type for every stage of iamdsl (parser, checker, build, diff), and its three
//! renderings: codespan-reporting for people, JSON for scripts, SARIF 2.1.0 for code-scanning UIs.
//! The language server maps the same type to LSP diagnostics.

pub mod codes;
mod diagnostic;
mod render;
mod source;
pub mod suggest;

pub use codes::{CodeInfo, CODES};
pub use diagnostic::{normalize, Diagnostic, FixKind, Label, Severity, Suggestion};
pub use render::{render_human, render_json, render_sarif, sarif_root, HumanStyle};
pub use source::{FileId, LineCol, SourceFile, Sources, Span};
