//! The parser pest derives from grammar/iamdsl.pest, and its rules: what the parser runs and
//! what the error messages name.

#[derive(pest_derive::Parser)]
#[grammar = "../../grammar/iamdsl.pest"]
pub(crate) struct Grammar;

pub(crate) use Rule as R;
