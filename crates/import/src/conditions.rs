//! `when …` as a person writes it: a comparison (`aws:SourceAccount == "…"`,
//! `any aws:TagKeys in […]`, `aws:RequestTag/team? == "…"`), `mfa` or `KEY exists` where that
//! compiles back to exactly the operator, key and values AWS stores; the operator by name
//! (`StringEqualsIgnoreCase(aws:username, "bob")`) where no comparison does, for example a
//! String operator on an ARN key, whose comparison would be `ArnEquals`.
//!
//! The choice mirrors `iamdsl_compiler`'s lowering of comparisons (`lower/conditions.rs`): the
//! key's catalog type picks the operator, `any`/`all` the set prefix, `?` the `IfExists`
//! suffix, and the values must be of the key's type.

use iamdsl_catalog::{Catalog, KeyKind, KeyType};
use iamdsl_compiler::is_iso_date;
use iamdsl_compiler::vocabulary::{PROVIDER_KEYS, SHORTHANDS};
use iamdsl_policy::{Conditions, NameSet};
use iamdsl_syntax::ast::CompareOp as Comparison;
use iamdsl_syntax::{is_bare_key, quote};

/// The identity provider of a trust entry, whose own keys its conditions name briefly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Provider<'a> {
    /// An OIDC provider, by host: `token.actions.githubusercontent.com:sub` is `sub`.
    Oidc(&'a str),
    /// A SAML provider: `SAML:aud` is `aud`.
    Saml,
}

/// The comparisons of the language, in the order they are tried (`in` and `not in` compile as
/// `==` and `!=` do: they are written for several values).
const COMPARISONS: [Comparison; 8] = [
    Comparison::Eq,
    Comparison::Ne,
    Comparison::Like,
    Comparison::NotLike,
    Comparison::Lt,
    Comparison::Le,
    Comparison::Gt,
    Comparison::Ge,
];

/// `==`, or `in` before a list where the type has `in` (a Bool key has only `==`).
fn symbol(base: KeyType, comparison: Comparison, several: bool) -> &'static str {
    match comparison {
        Comparison::Eq if several && base != KeyType::Bool => Comparison::In.symbol(),
        Comparison::Ne if several => Comparison::NotIn.symbol(),
        other => other.symbol(),
    }
}

/// Whether the compiler takes `value` for a key of this type.
fn value_fits(base: KeyType, comparison: Comparison, value: &str) -> bool {
    iamdsl_compiler::value_fits(base, comparison, value).is_ok()
}

/// A value as a literal of the key's type where the language has one (`true`, `3600`,
/// `2027-01-31T00:00:00Z`), else as a string, which the compiler reads the same.
fn literal(base: KeyType, value: &str) -> String {
    let bare = match base {
        KeyType::Bool => matches!(value, "true" | "false"),
        KeyType::Numeric => !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()),
        KeyType::Date => is_iso_date(value) && iamdsl_syntax::is_date_literal(value),
        _ => false,
    };
    if bare {
        value.to_string()
    } else {
        quote(value)
    }
}

fn key_text(key: &str) -> String {
    if is_bare_key(key) {
        key.to_string()
    } else {
        quote(key)
    }
}

/// `when Op(key, value) and …` (`readable` false: as AWS stores it), or nothing.
pub(crate) fn condition_text(
    catalog: &Catalog,
    condition: &Conditions,
    readable: bool,
    provider: Option<Provider<'_>>,
) -> String {
    let mut clauses = Vec::new();
    for (operator, keys) in &condition.0 {
        for (key, values) in keys {
            let readable_form = readable
                .then(|| clause(catalog, operator, key, values, provider))
                .flatten();
            clauses.push(readable_form.unwrap_or_else(|| raw_clause(operator, key, values)));
        }
    }
    if clauses.is_empty() {
        String::new()
    } else {
        format!(" when {}", clauses.join(" and "))
    }
}

/// `Op(key, value)`: any operator AWS stores, by name.
fn raw_clause(operator: &str, key: &str, values: &NameSet) -> String {
    let base = operator
        .rsplit(':')
        .next()
        .unwrap_or(operator)
        .trim_end_matches("IfExists");
    let family = if base == "Bool" || base == "Null" {
        Some(KeyType::Bool)
    } else if base.starts_with("Numeric") {
        Some(KeyType::Numeric)
    } else if base.starts_with("Date") {
        Some(KeyType::Date)
    } else {
        None
    };
    let texts: Vec<String> = values
        .iter()
        .map(|v| match family {
            Some(family) => literal(family, v),
            None => quote(v),
        })
        .collect();
    format!("{operator}({}, {})", key_text(key), value_list(texts))
}

fn value_list(texts: Vec<String>) -> String {
    match texts.as_slice() {
        [one] => one.clone(),
        _ => format!("[{}]", texts.join(", ")),
    }
}

/// The comparison, `mfa` or existence test that compiles to exactly `operator: {key: values}`.
fn clause(
    catalog: &Catalog,
    operator: &str,
    key: &str,
    values: &NameSet,
    provider: Option<Provider<'_>>,
) -> Option<String> {
    if values.is_empty() {
        return None;
    }
    let only = |value: &str| values.len() == 1 && values.contains(value);
    if operator == "Bool" && key == "aws:MultiFactorAuthPresent" && only("true") {
        return Some("mfa".to_string());
    }
    if operator == "Null" {
        // Any key the operator by name resolves resolves here too: `exists` has no type.
        let name = written_key(catalog, key, provider, None)?;
        return if only("false") {
            Some(format!("{name} exists"))
        } else if only("true") {
            Some(format!("{name} not exists"))
        } else {
            None
        };
    }
    let (quantifier, rest) = if let Some(rest) = operator.strip_prefix("ForAnyValue:") {
        (Some("any "), rest)
    } else if let Some(rest) = operator.strip_prefix("ForAllValues:") {
        (Some("all "), rest)
    } else {
        (None, operator)
    };
    let (base_operator, if_exists) = match rest.strip_suffix("IfExists") {
        Some(base) => (base, "?"),
        None => (rest, ""),
    };
    let kind = key_kind(catalog, key, provider)?;
    let comparison = COMPARISONS
        .into_iter()
        .find(|c| iamdsl_compiler::operator_for(kind.base, *c) == Some(base_operator))?;
    if !values.iter().all(|v| value_fits(kind.base, comparison, v)) {
        return None;
    }
    // A set operator goes with a multivalued key: anything else draws `multivalued_key`.
    let name = written_key(catalog, key, provider, Some(quantifier.is_some()))?;
    let texts: Vec<String> = values.iter().map(|v| literal(kind.base, v)).collect();
    let several = texts.len() > 1;
    Some(format!(
        "{}{name}{if_exists} {} {}",
        quantifier.unwrap_or(""),
        symbol(kind.base, comparison, several),
        value_list(texts)
    ))
}

/// A key's type as the compiler resolves it: a provider's own keys are strings, the others
/// the catalog's. `None`: a key of no known type, kept by name.
fn key_kind(catalog: &Catalog, key: &str, provider: Option<Provider<'_>>) -> Option<KeyKind> {
    let (prefix, _) = key.split_once(':')?;
    let providers_own = match provider {
        Some(Provider::Oidc(host)) => {
            prefix.eq_ignore_ascii_case(host) || prefix.eq_ignore_ascii_case("saml")
        }
        Some(Provider::Saml) => prefix.eq_ignore_ascii_case("saml"),
        None => false,
    };
    if providers_own {
        return Some(KeyKind {
            base: KeyType::String,
            multivalued: false,
        });
    }
    catalog.condition_key(key).map(|k| k.kind)
}

/// How the key is written: by its shorthand where one compiles to it (`external_id`, a
/// provider's `sub`), else by name. `quantified`: whether the clause has `any`/`all`, which
/// must agree with whether the key (as written) holds several values; `None` for `exists`.
fn written_key(
    catalog: &Catalog,
    key: &str,
    provider: Option<Provider<'_>>,
    quantified: Option<bool>,
) -> Option<String> {
    let agrees = |multivalued: bool| quantified.is_none_or(|q| q == multivalued);
    match provider {
        Some(Provider::Oidc(host)) => {
            let short = key
                .strip_prefix(host)
                .and_then(|rest| rest.strip_prefix(':'))
                .filter(|short| PROVIDER_KEYS.contains(short));
            if let Some(short) = short {
                // The compiler takes `amr` for a list of methods; the full name for one string.
                if agrees(short == "amr") {
                    return Some(short.to_string());
                }
                return agrees(false).then(|| key_text(key));
            }
        }
        Some(Provider::Saml) if key == "SAML:aud" => {
            return agrees(false).then(|| "aud".to_string());
        }
        _ => {}
    }
    let kind = key_kind(catalog, key, provider)?;
    if !agrees(kind.multivalued) {
        return None;
    }
    let short = SHORTHANDS
        .iter()
        .find(|(_, full)| *full == key)
        .map(|(short, _)| short.to_string());
    Some(short.unwrap_or_else(|| key_text(key)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn when(operator: &str, key: &str, values: &[&str]) -> String {
        when_in(operator, key, values, None)
    }

    fn when_in(
        operator: &str,
        key: &str,
        values: &[&str],
        provider: Option<Provider<'_>>,
    ) -> String {
        let mut condition = Conditions::default();
        condition.insert(operator, key, values.iter().map(|v| v.to_string()));
        condition_text(iamdsl_catalog::catalog(), &condition, true, provider)
    }

    #[test]
    fn string_operators_on_string_keys_are_comparisons() {
        assert_eq!(
            when("StringEquals", "aws:SourceAccount", &["111111111111"]),
            r#" when aws:SourceAccount == "111111111111""#
        );
        assert_eq!(
            when("StringNotEquals", "aws:SourceAccount", &["1", "2"]),
            r#" when aws:SourceAccount not in ["1", "2"]"#
        );
        assert_eq!(
            when("StringLike", "aws:userid", &["AIDA*"]),
            r#" when aws:userid like "AIDA*""#
        );
        assert_eq!(
            when("StringNotLikeIfExists", "aws:userid", &["AIDA*"]),
            r#" when aws:userid? not like "AIDA*""#
        );
        assert_eq!(
            when("StringEquals", "aws:SourceAccount", &["1", "2"]),
            r#" when aws:SourceAccount in ["1", "2"]"#
        );
    }

    #[test]
    fn arn_numeric_date_bool_and_address_operators_are_comparisons() {
        assert_eq!(
            when("ArnLike", "aws:SourceArn", &["arn:aws:sns:*:1:t"]),
            r#" when aws:SourceArn like "arn:aws:sns:*:1:t""#
        );
        assert_eq!(
            when(
                "ArnNotEquals",
                "aws:SourceArn",
                &["arn:aws:sns:eu-west-1:1:t"]
            ),
            r#" when aws:SourceArn != "arn:aws:sns:eu-west-1:1:t""#
        );
        assert_eq!(
            when("NumericLessThanEquals", "aws:MultiFactorAuthAge", &["3600"]),
            " when aws:MultiFactorAuthAge <= 3600"
        );
        assert_eq!(
            when("NumericGreaterThan", "aws:MultiFactorAuthAge", &["1.5"]),
            r#" when aws:MultiFactorAuthAge > "1.5""#
        );
        assert_eq!(
            when("DateLessThan", "aws:CurrentTime", &["2027-01-31T00:00:00Z"]),
            " when aws:CurrentTime < 2027-01-31T00:00:00Z"
        );
        assert_eq!(
            when("DateGreaterThanEquals", "aws:EpochTime", &["1767225600"]),
            r#" when aws:EpochTime >= "1767225600""#
        );
        assert_eq!(
            when("Bool", "aws:SecureTransport", &["false"]),
            " when aws:SecureTransport == false"
        );
        assert_eq!(
            when("Bool", "aws:SecureTransport", &["true", "false"]),
            " when aws:SecureTransport == [false, true]"
        );
        assert_eq!(
            when("NotIpAddress", "aws:SourceIp", &["10.0.0.0/8"]),
            r#" when aws:SourceIp != "10.0.0.0/8""#
        );
    }

    #[test]
    fn shorthands_quantifiers_and_existence() {
        assert_eq!(
            when("Bool", "aws:MultiFactorAuthPresent", &["true"]),
            " when mfa"
        );
        assert_eq!(
            when("Bool", "aws:MultiFactorAuthPresent", &["false"]),
            " when aws:MultiFactorAuthPresent == false"
        );
        assert_eq!(
            when("StringEquals", "sts:ExternalId", &["x"]),
            r#" when external_id == "x""#
        );
        assert_eq!(
            when("ForAnyValue:StringEquals", "aws:TagKeys", &["env", "team"]),
            r#" when any aws:TagKeys in ["env", "team"]"#
        );
        assert_eq!(
            when("ForAllValues:StringLikeIfExists", "aws:TagKeys", &["t*"]),
            r#" when all aws:TagKeys? like "t*""#
        );
        assert_eq!(
            when("Null", "aws:RequestTag/team", &["true"]),
            " when aws:RequestTag/team not exists"
        );
        assert_eq!(
            when("Null", "aws:RequestTag/team", &["false"]),
            " when aws:RequestTag/team exists"
        );
    }

    #[test]
    fn a_providers_keys_are_its_own() {
        let github = Some(Provider::Oidc("token.actions.githubusercontent.com"));
        assert_eq!(
            when_in(
                "StringLike",
                "token.actions.githubusercontent.com:sub",
                &["repo:acme/*"],
                github
            ),
            r#" when sub like "repo:acme/*""#
        );
        assert_eq!(
            when_in(
                "ForAnyValue:StringEquals",
                "token.actions.githubusercontent.com:amr",
                &["mfa"],
                github
            ),
            r#" when any amr == "mfa""#
        );
        assert_eq!(
            when_in(
                "StringEquals",
                "SAML:aud",
                &["https://signin.aws.amazon.com/saml"],
                Some(Provider::Saml)
            ),
            r#" when aud == "https://signin.aws.amazon.com/saml""#
        );
    }

    /// What no comparison compiles to stays an operator by name.
    #[test]
    fn what_would_not_round_trip_is_kept_by_name() {
        // A String operator on an ARN key: `==` would be ArnEquals.
        assert_eq!(
            when("StringEquals", "aws:SourceArn", &["arn:aws:s3:::b"]),
            r#" when StringEquals(aws:SourceArn, "arn:aws:s3:::b")"#
        );
        // No comparison is IgnoreCase.
        assert_eq!(
            when("StringEqualsIgnoreCase", "aws:username", &["bob"]),
            r#" when StringEqualsIgnoreCase(aws:username, "bob")"#
        );
        // A value not of the key's type, a multivalued key without a quantifier, a key the
        // catalog does not know.
        assert_eq!(
            when("ArnEquals", "aws:SourceArn", &["not-an-arn"]),
            r#" when ArnEquals(aws:SourceArn, "not-an-arn")"#
        );
        assert_eq!(
            when("StringEquals", "aws:TagKeys", &["team"]),
            r#" when StringEquals(aws:TagKeys, "team")"#
        );
        assert_eq!(
            when("StringEquals", "acme:Unknown", &["x"]),
            r#" when StringEquals(acme:Unknown, "x")"#
        );
        assert_eq!(
            when("Null", "aws:RequestTag/team", &["true", "false"]),
            " when Null(aws:RequestTag/team, [false, true])"
        );
    }

    #[test]
    fn dates_are_bare_where_the_grammar_reads_them() {
        assert!(iamdsl_syntax::is_date_literal("2027-01-31"));
        assert!(iamdsl_syntax::is_date_literal("2027-01-31T12:00:00Z"));
        assert!(iamdsl_syntax::is_date_literal(
            "2027-01-31T12:00:00.123+02:00"
        ));
        assert!(iamdsl_syntax::is_date_literal("2027-01-31T12:00Z"));
        assert!(!iamdsl_syntax::is_date_literal("2027-01-31T12:00:00"));
        assert!(!iamdsl_syntax::is_date_literal("2027-01-31T12:00:00.Z"));
    }
}
