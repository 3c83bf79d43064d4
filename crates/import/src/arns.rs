//! Resources as a person writes them: `s3.object("acme-logs", "*")` for
//! `arn:aws:s3:::acme-logs/*`, `iam.role(deployer)` for a role of the project, where the
//! constructor builds exactly that ARN in the account of the declaration the statement is in
//! (the compiler's `resolve_constructor`: the type's first ARN template, partition, region and
//! account from named arguments or the project). `arn("…")` where none does.
//!
//! A constructor is written only for an ARN of exactly one resource type: the compiler pairs
//! actions with a constructor's type and with an `arn(…)`'s matched types alike then, so
//! intents and explicit actions expand the same on either.

use iamdsl_catalog::facts;
use iamdsl_syntax::quote;

use super::{Style, Writer};

impl Writer<'_> {
    /// `*`, a constructor, or `arn("…")`, for a statement of a declaration in `account` (its
    /// id); in the `Verbatim` style always `arn("…")`.
    pub(crate) fn resource_text(&self, arn: &str, account: &str, style: Style) -> String {
        if arn == "*" {
            return "*".to_string();
        }
        let constructor = match style {
            Style::Readable => self.constructor_for(arn, account),
            Style::Verbatim => None,
        };
        constructor.unwrap_or_else(|| format!("arn({})", quote(arn)))
    }

    /// The constructor that builds exactly `arn` in a declaration of `account`.
    fn constructor_for(&self, arn: &str, account: &str) -> Option<String> {
        let types = self.catalog.resource_types_for_arn(arn);
        let [(service, resource_type)] = types.as_slice() else {
            return None;
        };
        let constructor = resource_type.constructor();
        // The compiler finds the type by its constructor's name, ignoring case.
        let found = service.resource_type_by_constructor(constructor)?;
        if !std::ptr::eq(found, *resource_type)
            || !iamdsl_syntax::is_ident(&service.prefix)
            || !iamdsl_syntax::is_ident(constructor)
        {
            return None;
        }
        let template = resource_type.templates().first()?;
        let values = template.captures(arn)?;
        // A value cut inside an IAM policy variable (`${aws:PrincipalTag/bucket}/…` read as the
        // bucket `${aws:PrincipalTag` and the key `bucket}/…`) is no value a person would write,
        // and no string of the language: the ARN stays `arn("…")`.
        if !values.values().all(|value| whole_policy_variables(value)) {
            return None;
        }
        let head = format!("{}.{constructor}", service.prefix);
        let parameters = template.parameters();
        // A role, user, group or policy of the project by name: its own account and path.
        if let (Some(ident), [parameter]) = (self.iam_entities.get(arn), parameters.as_slice()) {
            if parameter.ends_with("WithPath") {
                return Some(format!("{head}({ident})"));
            }
        }
        let mut args: Vec<String> = Vec::new();
        for parameter in &parameters {
            let value = values.get(*parameter).filter(|v| !v.is_empty())?;
            args.push(quote(value));
        }
        if template.uses("Region") {
            let region = values.get("Region")?;
            if self.default_region.as_deref() != Some(region.as_str()) {
                if !facts::is_region(region) {
                    return None;
                }
                args.push(format!("region: {}", quote(region)));
            }
        }
        if template.uses("Account") {
            let id = values.get("Account")?;
            if id != account {
                let valid = id == "*" || (id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()));
                if !valid {
                    return None;
                }
                args.push(match self.accounts.get(id) {
                    Some(name) => format!("account: {name}"),
                    None => format!("account: {}", quote(id)),
                });
            }
        }
        let partition = values.get("Partition")?;
        if partition != "aws" {
            if !facts::PARTITIONS.contains(&partition.as_str()) {
                return None;
            }
            args.push(format!("partition: {}", quote(partition)));
        }
        // What the compiler builds from these arguments, to be sure.
        let built = template.fill(|variable| values.get(variable).map_or("*", String::as_str));
        (built == arn).then(|| format!("{head}({})", args.join(", ")))
    }
}

/// Whether every `${` in `text` is closed by a `}` after it, and no `}` closes nothing.
fn whole_policy_variables(text: &str) -> bool {
    let mut open = false;
    let mut rest = text;
    while let Some(at) = rest.find(['$', '}']) {
        if rest[at..].starts_with("${") {
            if open {
                return false;
            }
            open = true;
            rest = &rest[at + 2..];
        } else {
            if rest[at..].starts_with('}') {
                if !open {
                    return false;
                }
                open = false;
            }
            rest = &rest[at + 1..];
        }
    }
    !open
}
