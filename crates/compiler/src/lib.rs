//! The analysis of an iamdsl project: loading its files, parsing, resolving names, checking every
//! action, resource and condition against the AWS catalog, and lowering it to a [`Model`] of AWS
//! policy documents. The CLI, the language server and the tests all call this crate; none of
//! them has an analysis of its own.

mod analysis;
pub mod bundle;
mod check;
mod conditions;
pub mod config;
mod expect;
pub mod explain;
pub mod graph;
pub mod minimize;
pub mod model;
pub mod navigate;
mod permissions;
mod project;
pub mod stdlib;
mod trust;
pub mod vocabulary;

pub use analysis::{analyze, analyze_with, Analysis};
pub use conditions::is_iso_date;
pub use config::Config;
pub use model::{Account, DeclKind, Entity, Model};
pub use project::{display, load, load_with, Project, SOURCE_EXTENSION};
