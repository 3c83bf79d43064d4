use std::collections::BTreeMap;

use crate::NameSet;

use iamdsl_diagnostics::{FileId, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Effect {
    Allow,
    Deny,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// `Action` or `NotAction`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ActionBlock {
    Action(NameSet),
    NotAction(NameSet),
}

/// `Resource` or `NotResource`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceBlock {
    Resource(NameSet),
    NotResource(NameSet),
}

/// `Principal`: kind (`AWS`, `Service`, `Federated`) to values.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Principals(pub BTreeMap<String, NameSet>);

/// `Condition`: operator (`StringEquals`) to key (`aws:SourceIp`) to values.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Conditions(pub BTreeMap<String, BTreeMap<String, NameSet>>);

impl Conditions {
    pub fn insert(&mut self, operator: &str, key: &str, values: impl IntoIterator<Item = String>) {
        self.0
            .entry(operator.to_string())
            .or_default()
            .entry(key.to_string())
            .or_default()
            .extend(values);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Where a statement came from in the source: every build output and diff line points back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    pub file: FileId,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<Principals>,
    pub action: ActionBlock,
    pub resource: Option<ResourceBlock>,
    pub condition: Conditions,
    /// Not part of the document: the source statements this one was written from.
    pub origins: Vec<Origin>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyDocument {
    pub statements: Vec<Statement>,
}

impl PolicyDocument {
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }
}
