//! The analysis of an iamdsl project: loading its files, parsing them and (as the checker grows)
//! resolving and checking them. The CLI, the language server and the tests all call this crate;
//! none of them has an analysis of its own.

mod analysis;
mod project;

pub use analysis::{analyze, Analysis};
pub use project::{display, load, Loaded, SOURCE_EXTENSION};
