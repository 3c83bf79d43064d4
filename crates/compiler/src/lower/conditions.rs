//! `when …`: condition keys checked against the catalog, operators chosen by the key's type,
//! values checked against it.

use std::collections::BTreeSet;

use iamdsl_catalog::{KeyKind, KeyType};
use iamdsl_diagnostics::{codes, suggest, Diagnostic, Span};
use iamdsl_policy::Conditions;
use iamdsl_syntax::ast::{
    Clause, ClauseKind, CompareOp, CondKey, Condition, Quantifier, Spanned, Value,
};

use super::{Lowerer, Scope, Val, Within};
use crate::vocabulary::{OPERATORS, PROVIDER_KEYS, SHORTHANDS};

/// The AWS operator for a comparison on a key of this type, if it has one. Import writes a
/// comparison only where this gives back the operator AWS stores.
pub fn operator_for(base: KeyType, op: CompareOp) -> Option<&'static str> {
    use CompareOp::*;
    Some(match (base, op) {
        (KeyType::String, Eq | In) => "StringEquals",
        (KeyType::String, Ne | NotIn) => "StringNotEquals",
        (KeyType::String, Like) => "StringLike",
        (KeyType::String, NotLike) => "StringNotLike",
        (KeyType::Arn, Eq | In) => "ArnEquals",
        (KeyType::Arn, Ne | NotIn) => "ArnNotEquals",
        (KeyType::Arn, Like) => "ArnLike",
        (KeyType::Arn, NotLike) => "ArnNotLike",
        (KeyType::Numeric, Eq | In) => "NumericEquals",
        (KeyType::Numeric, Ne | NotIn) => "NumericNotEquals",
        (KeyType::Numeric, Lt) => "NumericLessThan",
        (KeyType::Numeric, Le) => "NumericLessThanEquals",
        (KeyType::Numeric, Gt) => "NumericGreaterThan",
        (KeyType::Numeric, Ge) => "NumericGreaterThanEquals",
        (KeyType::Date, Eq | In) => "DateEquals",
        (KeyType::Date, Ne | NotIn) => "DateNotEquals",
        (KeyType::Date, Lt) => "DateLessThan",
        (KeyType::Date, Le) => "DateLessThanEquals",
        (KeyType::Date, Gt) => "DateGreaterThan",
        (KeyType::Date, Ge) => "DateGreaterThanEquals",
        (KeyType::Bool, Eq) => "Bool",
        (KeyType::IpAddress, Eq | In) => "IpAddress",
        (KeyType::IpAddress, Ne | NotIn) => "NotIpAddress",
        (KeyType::Binary, Eq | In) => "BinaryEquals",
        _ => return None,
    })
}

/// The key type an AWS operator works on (`None`: any key, as `Null` and `Binary…`).
fn operator_family(base: &str) -> Option<KeyType> {
    if base.starts_with("String") {
        Some(KeyType::String)
    } else if base.starts_with("Numeric") {
        Some(KeyType::Numeric)
    } else if base.starts_with("Date") {
        Some(KeyType::Date)
    } else if base == "Bool" {
        Some(KeyType::Bool)
    } else if base.ends_with("IpAddress") {
        Some(KeyType::IpAddress)
    } else if base.starts_with("Arn") {
        Some(KeyType::Arn)
    } else {
        None
    }
}

fn operators_of(base: KeyType) -> &'static str {
    match base {
        KeyType::String | KeyType::Arn => "`==`, `!=`, `like`, `not like`, `in`, `not in`",
        KeyType::Numeric | KeyType::Date => "`==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not in`",
        KeyType::Bool => "`==`",
        KeyType::IpAddress => "`==`, `!=`, `in`, `not in`",
        KeyType::Binary => "`==`, `in`",
    }
}

/// Whether `text` is a real date (`2027-01-31`) or date-time (`2027-01-31T12:00:00Z`).
pub fn is_iso_date(text: &str) -> bool {
    iamdsl_policy::eval::parse_iso_date(text).is_some()
}

fn is_ip_or_cidr(text: &str) -> bool {
    iamdsl_policy::eval::parse_cidr(text).is_some()
}

/// Whether a comparison `op` on a key of type `base` takes the value `text`; if not, what it
/// expected instead. Import writes a comparison only for values this takes.
pub fn value_fits(base: KeyType, op: CompareOp, text: &str) -> Result<(), &'static str> {
    let like = matches!(op, CompareOp::Like | CompareOp::NotLike);
    match base {
        KeyType::String | KeyType::Binary => Ok(()),
        KeyType::Arn if like || text.starts_with("arn:") || text == "*" => Ok(()),
        KeyType::Arn => Err("an ARN"),
        KeyType::Numeric if text.parse::<f64>().is_ok_and(f64::is_finite) => Ok(()),
        KeyType::Numeric => Err("a number"),
        KeyType::Date if is_iso_date(text) || text.parse::<u64>().is_ok() => Ok(()),
        KeyType::Date => Err("a date (`2027-01-31` or `2027-01-31T12:00:00Z`) or epoch seconds"),
        KeyType::Bool if text == "true" || text == "false" => Ok(()),
        KeyType::Bool => Err("`true` or `false`"),
        KeyType::IpAddress if is_ip_or_cidr(text) => Ok(()),
        KeyType::IpAddress => Err("an IP address or CIDR block (`10.0.0.0/8`)"),
    }
}

impl Lowerer<'_> {
    /// Lowers `when …` into AWS's condition block. `services`: the services of the statement's
    /// actions (service keys must be of one of them); `None` when that is not known (`*`).
    pub fn lower_condition(
        &mut self,
        scope: &Scope,
        condition: Option<&Condition>,
        services: Option<&BTreeSet<String>>,
    ) -> Conditions {
        let mut out = Conditions::default();
        if let Some(condition) = condition {
            for clause in &condition.clauses {
                self.lower_clause(scope, clause, services, &mut out);
            }
        }
        out
    }

    pub fn lower_until(&mut self, scope: &Scope, until: &Spanned<String>, out: &mut Conditions) {
        if !is_iso_date(&until.node) {
            self.report(
                Some(scope),
                Diagnostic::error(
                    codes::INVALID_DATE,
                    format!("`{}` is not a date", until.node),
                )
                .at(scope.file, until.span(), "not a real calendar date"),
            );
            return;
        }
        let moment = if until.node.contains('T') {
            until.node.clone()
        } else {
            format!("{}T00:00:00Z", until.node)
        };
        if moment.as_str() < today().as_str() {
            self.lint(
                scope,
                Diagnostic::warning(
                    codes::EXPIRED_GRANT,
                    format!("this grant ended on {}", until.node),
                )
                .at(scope.file, until.span(), "in the past")
                .with_help("remove the statement, or move the date"),
            );
        }
        self.add_condition(
            scope,
            out,
            "DateLessThan",
            "aws:CurrentTime",
            vec![moment],
            until.span(),
        );
    }

    /// Adds `operator: {key: values}`. AWS reads several values of one key as "any of them", so
    /// a second clause with the same key and operator would widen the first instead of narrowing
    /// it; that is an error, except for negated operators, where "none of A" and "none of B"
    /// really is "none of A or B".
    fn add_condition(
        &mut self,
        scope: &Scope,
        out: &mut Conditions,
        operator: &str,
        key: &str,
        values: Vec<String>,
        span: Span,
    ) {
        let existing = out.0.get(operator).and_then(|keys| {
            keys.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.clone())
        });
        if let Some(existing) = existing {
            let negated = operator.contains("Not") && operator != "Null";
            let same =
                existing.len() == values.len() && values.iter().all(|v| existing.contains(v));
            if !negated && !same {
                self.report(
                    Some(scope),
                    Diagnostic::error(codes::REPEATED_CONDITION, format!("`{key}` is tested twice with `{operator}`; AWS would accept either value"))
                        .at(scope.file, span, "a second test of the same key")
                        .with_help("AWS combines the values of one key with OR: write one test with the values that are allowed, or split the statement"),
                );
                return;
            }
        }
        out.insert(operator, key, values);
    }

    fn lower_clause(
        &mut self,
        scope: &Scope,
        clause: &Clause,
        services: Option<&BTreeSet<String>>,
        out: &mut Conditions,
    ) {
        match &clause.kind {
            ClauseKind::Mfa => self.add_condition(
                scope,
                out,
                "Bool",
                "aws:MultiFactorAuthPresent",
                vec!["true".to_string()],
                clause.loc.span(),
            ),
            ClauseKind::Exists { key, negated } => {
                if let Some((name, _)) = self.resolve_key(scope, key, services) {
                    let value = if *negated { "true" } else { "false" };
                    self.add_condition(
                        scope,
                        out,
                        "Null",
                        &name,
                        vec![value.to_string()],
                        clause.loc.span(),
                    );
                }
            }
            ClauseKind::Raw {
                operator,
                key,
                value,
            } => {
                // At most one set prefix, then the operator, then `IfExists`.
                let base = operator
                    .node
                    .strip_prefix("ForAnyValue:")
                    .or_else(|| operator.node.strip_prefix("ForAllValues:"))
                    .unwrap_or(&operator.node);
                let base = base.strip_suffix("IfExists").unwrap_or(base);
                if !OPERATORS.contains(&base)
                    || (base == "Null" && base.len() != operator.node.len())
                {
                    let mut diagnostic = Diagnostic::error(
                        codes::UNKNOWN_OPERATOR,
                        format!("`{}` is not an AWS condition operator", operator.node),
                    )
                    .at(scope.file, operator.span(), "unknown operator");
                    if let Some(close) = suggest::closest(base, OPERATORS.iter().copied()) {
                        diagnostic = diagnostic.with_suggestion(scope.file, operator.span(), close);
                    }
                    self.report(Some(scope), diagnostic);
                    return;
                }
                let Some((name, kind)) = self.resolve_key(scope, key, services) else {
                    return;
                };
                // The operator's family must fit the key (String operators also read ARN keys),
                // and the values must fit the operator. A key the catalog does not know is
                // read as the operator reads it.
                let family = operator_family(base);
                let kind = kind.unwrap_or(KeyKind {
                    base: family.unwrap_or(KeyType::String),
                    multivalued: false,
                });
                let fits = match family {
                    None => true,
                    Some(KeyType::String) => matches!(kind.base, KeyType::String | KeyType::Arn),
                    Some(other) => other == kind.base,
                };
                if !fits && scope.within == Within::Verbatim {
                    // AWS stores such a condition and compares by the operator: the key's value
                    // is read as the operator's type (IAM Access Analyzer calls it a "type
                    // mismatch", a warning, not an error of the policy grammar:
                    // <https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>;
                    // the operators: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>).
                    let read_as = family.map_or("a string", compared_as);
                    self.lint(
                        scope,
                        Diagnostic::warning(
                            codes::ACCEPTED_BY_AWS,
                            format!(
                                "`{base}` on `{name}`, {} key: AWS compares the key's value as {read_as}",
                                with_article(kind.base.name())
                            ),
                        )
                        .at(
                            scope.file,
                            operator.span(),
                            format!("not an operator for {} keys", kind.base.name()),
                        )
                        .with_help(format!(
                            "kept as written (`#[verbatim]`); in source of your own, {} keys take {}",
                            kind.base.name(),
                            operators_of(kind.base)
                        )),
                    );
                } else if !fits {
                    self.report(
                        Some(scope),
                        Diagnostic::error(
                            codes::WRONG_OPERATOR,
                            format!(
                                "`{base}` does not apply to `{name}`, {} key",
                                with_article(kind.base.name())
                            ),
                        )
                        .at(
                            scope.file,
                            operator.span(),
                            format!("not an operator for {} keys", kind.base.name()),
                        )
                        .with_help(format!(
                            "{} keys take {}",
                            kind.base.name(),
                            operators_of(kind.base)
                        )),
                    );
                    return;
                }
                let Some(values) = self.condition_values(scope, value) else {
                    return;
                };
                let value_kind = KeyKind {
                    base: family.unwrap_or(KeyType::String),
                    multivalued: false,
                };
                let null = base == "Null";
                let mut texts = Vec::new();
                for v in &values {
                    let checked = if null {
                        self.val_text(v)
                            .filter(|t| t == "true" || t == "false")
                            .ok_or("`true` or `false`")
                    } else {
                        self.typed_value(value_kind, CompareOp::Like, v)
                    };
                    // In a `#[verbatim]` statement a single value of another type is kept:
                    // AWS stores it (Access Analyzer's "type mismatch" warnings, cited above).
                    let stored = (scope.within == Within::Verbatim)
                        .then(|| self.val_text(v))
                        .flatten();
                    match (checked, stored) {
                        (Ok(text), _) => texts.push(text),
                        (Err(expected), Some(text)) => {
                            self.lint(
                                scope,
                                Diagnostic::warning(
                                    codes::ACCEPTED_BY_AWS,
                                    format!("`{base}` takes {expected}, not `{text}`: AWS stores it as written"),
                                )
                                .at(scope.file, value.span(), format!("not {expected}"))
                                .with_help("kept as written (`#[verbatim]`); to IAM Access Analyzer it is a type mismatch"),
                            );
                            texts.push(text);
                        }
                        (Err(expected), None) => {
                            self.report(
                                Some(scope),
                                Diagnostic::error(
                                    codes::INVALID_CONDITION_VALUE,
                                    format!("`{base}` takes {expected}"),
                                )
                                .at(
                                    scope.file,
                                    value.span(),
                                    format!("expected {expected}"),
                                ),
                            );
                            return;
                        }
                    }
                }
                self.add_condition(scope, out, &operator.node, &name, texts, clause.loc.span());
            }
            ClauseKind::Compare {
                quantifier,
                key,
                if_exists,
                op,
                value,
            } => {
                let Some((name, kind)) = self.resolve_key(scope, key, services) else {
                    return;
                };
                // A key the catalog does not know (kept in a `#[verbatim]` statement) is
                // compared as a string, and nothing is known of how many values it holds.
                let catalogued = kind.is_some();
                let kind = kind.unwrap_or(KeyKind {
                    base: KeyType::String,
                    multivalued: false,
                });
                let Some(base_operator) = operator_for(kind.base, op.node) else {
                    self.report(
                        Some(scope),
                        Diagnostic::error(
                            codes::WRONG_OPERATOR,
                            format!(
                                "`{}` does not apply to `{name}`, {} key",
                                op.node.symbol(),
                                with_article(kind.base.name())
                            ),
                        )
                        .at(
                            scope.file,
                            op.span(),
                            format!("not an operator for {} keys", kind.base.name()),
                        )
                        .with_help(match (kind.base, op.node) {
                            (KeyType::Bool, CompareOp::Ne) => {
                                "write `== false` (AWS has no Bool not-equals)".to_string()
                            }
                            _ => format!(
                                "{} keys take {}",
                                kind.base.name(),
                                operators_of(kind.base)
                            ),
                        }),
                    );
                    return;
                };
                match (quantifier, kind.multivalued) {
                    _ if !catalogued => {}
                    (None, true) => self.lint(
                        scope,
                        Diagnostic::warning(codes::MULTIVALUED_KEY, format!("`{name}` can hold several values; say whether any or all must match"))
                            .at(scope.file, key.loc.span(), "a multivalued key")
                            .with_help(format!("write `any {name} …` (ForAnyValue) or `all {name} …` (ForAllValues)")),
                    ),
                    (Some(q), false) => self.lint(
                        scope,
                        Diagnostic::warning(codes::MULTIVALUED_KEY, format!("`{name}` holds one value; `any`/`all` is for multivalued keys"))
                            .at(scope.file, q.span(), "a set operator on a single-valued key")
                            .with_help("`all` on a single-valued key is true when the key is missing; remove the quantifier"),
                    ),
                    _ => {}
                }
                let Some(values) = self.condition_values(scope, value) else {
                    return;
                };
                let mut texts = Vec::new();
                for v in &values {
                    match self.typed_value(kind, op.node, v) {
                        Ok(text) => texts.push(text),
                        Err(expected) => {
                            self.report(
                                Some(scope),
                                Diagnostic::error(
                                    codes::INVALID_CONDITION_VALUE,
                                    format!(
                                        "`{name}` is {} key; this value is not {expected}",
                                        with_article(kind.base.name())
                                    ),
                                )
                                .at(
                                    scope.file,
                                    value.span(),
                                    format!("expected {expected}"),
                                ),
                            );
                            return;
                        }
                    }
                }
                let prefix = match quantifier.as_ref().map(|q| q.node) {
                    Some(Quantifier::Any) => "ForAnyValue:",
                    Some(Quantifier::All) => "ForAllValues:",
                    None => "",
                };
                let suffix = if *if_exists { "IfExists" } else { "" };
                self.add_condition(
                    scope,
                    out,
                    &format!("{prefix}{base_operator}{suffix}"),
                    &name,
                    texts,
                    clause.loc.span(),
                );
            }
        }
    }

    fn condition_values(&mut self, scope: &Scope, value: &Value) -> Option<Vec<Val>> {
        Some(match self.eval(scope, value)? {
            Val::List(values) => values,
            one => vec![one],
        })
    }

    /// A value as the text AWS gets, or what was expected instead.
    fn typed_value(
        &self,
        kind: KeyKind,
        op: CompareOp,
        value: &Val,
    ) -> Result<String, &'static str> {
        let text = self.val_text(value).ok_or("a single value")?;
        value_fits(kind.base, op, &text).map(|()| text)
    }

    /// A key's AWS name and type. Checks that it exists and belongs to the statement's services.
    /// In a `#[verbatim]` statement a key the catalog does not know is kept as written, of no
    /// known type (`None`), with the warning `report` makes of the error: AWS stores it, and
    /// dropping the test would change what the statement grants.
    fn resolve_key(
        &mut self,
        scope: &Scope,
        key: &CondKey,
        services: Option<&BTreeSet<String>>,
    ) -> Option<(String, Option<KeyKind>)> {
        let span = key.loc.span();
        let string = KeyKind {
            base: KeyType::String,
            multivalued: false,
        };
        if !key.name.contains(':') {
            if let Some((provider, oidc)) = scope.provider() {
                if *oidc && PROVIDER_KEYS.contains(&key.name.as_str()) {
                    let multivalued = key.name == "amr";
                    return Some((
                        format!("{provider}:{}", key.name),
                        Some(KeyKind {
                            base: KeyType::String,
                            multivalued,
                        }),
                    ));
                }
                if !oidc && key.name == "aud" {
                    return Some(("SAML:aud".to_string(), Some(string)));
                }
            }
            if let Some((_, full)) = SHORTHANDS.iter().find(|(short, _)| *short == key.name) {
                return self
                    .catalog
                    .condition_key(full)
                    .map(|k| ((*full).to_string(), Some(k.kind)))
                    .or(Some(((*full).to_string(), Some(string))));
            }
            let mut diagnostic = Diagnostic::error(
                codes::UNKNOWN_CONDITION_KEY,
                format!("unknown condition key `{}`", key.name),
            )
            .at(scope.file, span, "not a key, and not a shorthand");
            let shorthands: Vec<&str> = SHORTHANDS.iter().map(|(s, _)| *s).collect();
            diagnostic = match suggest::closest(&key.name, shorthands.iter().copied()) {
                Some(close) => diagnostic.with_suggestion(scope.file, span, close),
                None => diagnostic.with_help(format!(
                    "keys are written `service:Key` (`aws:SourceIp`); the shorthands are `mfa`, {}{}",
                    shorthands.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", "),
                    if scope.provider().is_some() { ", and the provider's `aud`, `sub`, `amr`" } else { "" }
                )),
            };
            self.report(Some(scope), diagnostic);
            return (scope.within == Within::Verbatim).then(|| (key.name.clone(), None));
        }
        let (prefix, _) = key.name.split_once(':').unwrap_or(("", ""));
        if let Some((provider, _)) = scope.provider() {
            if prefix.eq_ignore_ascii_case(provider) || prefix.eq_ignore_ascii_case("saml") {
                return Some((key.name.clone(), Some(string)));
            }
        }
        let Some(found) = self.catalog.condition_key(&key.name) else {
            let mut candidates: Vec<String> = self
                .catalog
                .global_condition_keys()
                .iter()
                .map(|k| k.name.clone())
                .collect();
            if let Some(service) = self.catalog.service(prefix) {
                candidates.extend(service.condition_keys.iter().map(|k| k.name.clone()));
            }
            let mut diagnostic = Diagnostic::error(
                codes::UNKNOWN_CONDITION_KEY,
                format!("unknown condition key `{}`", key.name),
            )
            .at(scope.file, span, "the AWS catalog has no such key");
            if let Some(close) = suggest::closest(&key.name, candidates.iter().map(String::as_str))
            {
                diagnostic = diagnostic.with_suggestion(scope.file, span, close);
            }
            self.report(Some(scope), diagnostic);
            return (scope.within == Within::Verbatim).then(|| (key.name.clone(), None));
        };
        let global = self
            .catalog
            .global_condition_keys()
            .iter()
            .any(|g| std::ptr::eq(g, found));
        if !global {
            if let Some(services) = services {
                if !services.iter().any(|s| s.eq_ignore_ascii_case(prefix)) {
                    let listed: Vec<String> = services.iter().map(|s| format!("`{s}`")).collect();
                    self.report(
                        Some(scope),
                        Diagnostic::error(codes::KEY_NOT_APPLICABLE, format!("`{}` is a key of `{prefix}`, and this statement is about {}", key.name, listed.join(", ")))
                            .at(scope.file, span, format!("no `{prefix}` action here"))
                            .with_help("AWS ignores a service key on other services' actions; use a global `aws:` key or a key of these services"),
                    );
                    return None;
                }
            }
        }
        Some((key.name.clone(), Some(found.kind)))
    }
}

/// How AWS reads a value for an operator of this type.
fn compared_as(family: KeyType) -> &'static str {
    match family {
        KeyType::String => "a string",
        KeyType::Arn => "an ARN",
        KeyType::Numeric => "a number",
        KeyType::Date => "a date",
        KeyType::Bool => "a Boolean",
        KeyType::IpAddress => "an IP address",
        KeyType::Binary => "binary data",
    }
}

/// `an ARN`, `an IPAddress`, `a String`.
fn with_article(word: &str) -> String {
    let vowel = word.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']);
    format!("{} {word}", if vowel { "an" } else { "a" })
}

/// Today at midnight UTC, as an ISO-8601 date-time, for the `expired_grant` lint.
fn today() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (seconds / 86_400) as i64;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T00:00:00Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_addresses() {
        assert!(is_iso_date("2027-01-31"));
        assert!(is_iso_date("2024-02-29"));
        assert!(!is_iso_date("2023-02-29"));
        assert!(!is_iso_date("2027-13-01"));
        assert!(is_iso_date("2027-01-31T12:30:00Z"));
        assert!(!is_iso_date("2027-01-31T25:00:00Z"));
        assert!(is_ip_or_cidr("10.0.0.0/8"));
        assert!(is_ip_or_cidr("2001:db8::/32"));
        assert!(!is_ip_or_cidr("10.0.0.0/33"));
        assert!(!is_ip_or_cidr("office"));
        assert!(today().starts_with("20"));
    }

    #[test]
    fn operators_follow_key_types() {
        assert_eq!(
            operator_for(KeyType::IpAddress, CompareOp::NotIn),
            Some("NotIpAddress")
        );
        assert_eq!(operator_for(KeyType::String, CompareOp::Lt), None);
        assert_eq!(operator_for(KeyType::Bool, CompareOp::Ne), None);
        assert_eq!(
            operator_for(KeyType::Date, CompareOp::Le),
            Some("DateLessThanEquals")
        );
    }
}
