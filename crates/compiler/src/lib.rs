//! The analysis of an iamdsl project, as passes: load the files ([`project`]), parse them
//! (`iamdsl_syntax`), resolve every name ([`resolve`], whose [`NameIndex`] the language server
//! navigates by), lower each declaration into the [`Model`] of AWS policy documents, checking it
//! against the AWS catalog (`lower`), judge the lints ([`lints`]) and AWS's quotas, and evaluate
//! the `expect` declarations. [`analyze`] runs them in that order. The CLI, the language server
//! and the tests all call this crate; none of them has an analysis of its own.

mod analysis;
pub mod bundle;
pub mod config;
mod expect;
pub mod explain;
pub mod graph;
pub mod lints;
mod lower;
pub mod minimize;
pub mod model;
mod project;
pub mod quotas;
pub mod resolve;
pub mod stdlib;
pub mod vocabulary;

pub use analysis::{analyze, analyze_with, Analysis};
pub use config::Config;
pub use lower::{is_iso_date, operator_for, value_fits};
pub use model::{Account, DeclKind, Entity, Model};
pub use project::{display, load, load_with, Project, SOURCE_EXTENSION};
pub use resolve::{NameIndex, Referent, SymbolKind};
