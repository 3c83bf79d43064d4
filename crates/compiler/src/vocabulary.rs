//! The words of the language that are data, not grammar: condition operators and shorthands, an
//! OIDC provider's keys, the properties of each declaration. The checker reads them, and the
//! language server offers them, from here.

use iamdsl_syntax::ast::DeclKind;

/// Every AWS condition operator, without `ForAnyValue:`/`ForAllValues:` and `IfExists`.
pub const OPERATORS: &[&str] = &[
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "BinaryEquals",
    "Bool",
    "DateEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateNotEquals",
    "IpAddress",
    "NotIpAddress",
    "Null",
    "NumericEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericNotEquals",
    "StringEquals",
    "StringEqualsIgnoreCase",
    "StringLike",
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
];

/// Keys written without a service: `external_id == "…"`.
pub const SHORTHANDS: &[(&str, &str)] = &[
    ("external_id", "sts:ExternalId"),
    ("org", "aws:PrincipalOrgID"),
    ("source_vpc", "aws:SourceVpc"),
];

/// Keys of an OIDC provider, written relative to it in its trust entry: `aud`, `sub`, …
pub const PROVIDER_KEYS: &[&str] = &[
    "aud",
    "sub",
    "amr",
    "azp",
    "oaud",
    "email",
    "id",
    "actor",
    "repository",
    "ref",
    "environment",
    "job_workflow_ref",
];

/// The properties a declaration of this kind takes (`name = "…"`).
pub fn properties(kind: DeclKind) -> &'static [&'static str] {
    match kind {
        DeclKind::Role => &["max_session", "path", "name", "description", "tags"],
        DeclKind::User => &["groups", "path", "name", "tags"],
        DeclKind::Group => &["path", "name"],
        DeclKind::Policy => &["path", "name", "description", "tags"],
    }
}
