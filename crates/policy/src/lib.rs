//! The AWS side of iamdsl: the policy document model the compiler produces, and (with the
//! build) its canonical JSON form.

pub mod access;
pub mod authz;
pub mod canonical;
mod document;
pub mod eval;
pub mod json;
pub mod reader;

pub use document::{
    ActionBlock, Conditions, Effect, Origin, PolicyDocument, Principals, ResourceBlock, Statement,
};
