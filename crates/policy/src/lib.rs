//! The AWS side of iamdsl: the policy document model the compiler produces, and (with the
//! build) its canonical JSON form.

mod document;

pub use document::{
    ActionBlock, Conditions, Effect, Origin, PolicyDocument, Principals, ResourceBlock, Statement,
};
