//! Resources as a person writes them: `s3.object("acme-logs", "*")` for
//! `arn:aws:s3:::acme-logs/*`, `iam.role(deployer)` for a role of the project, where the
//! constructor builds exactly that ARN in the account of the declaration the statement is in
//! (the compiler's `resolve_constructor`: the type's first ARN template, partition, region and
//! account from named arguments or the project). `arn("…")` where none does.
//!
//! A constructor is written only for an ARN of exactly one resource type: the compiler pairs
//! actions with a constructor's type and with an `arn(…)`'s matched types alike then, so
//! intents and explicit actions expand the same on either.

use std::collections::BTreeMap;

use iamdsl_catalog::arn::{Segment, CONTEXT_VARIABLES};
use iamdsl_catalog::facts;
use iamdsl_catalog::ArnTemplate;
use iamdsl_syntax::quote;

use super::{Style, Writer};

/// The values of a template's variables that spell `arn`, if it follows the template: each
/// variable as short as the rest allows (a bucket's name ends at its first `/`), the context
/// variables without `:`.
fn variables(template: &ArnTemplate, arn: &str) -> Option<BTreeMap<String, String>> {
    fn walk(segments: &[Segment], text: &str, out: &mut BTreeMap<String, String>) -> bool {
        let Some((first, rest)) = segments.split_first() else {
            return text.is_empty();
        };
        match first {
            Segment::Literal(literal) => text
                .strip_prefix(literal.as_str())
                .is_some_and(|tail| walk(rest, tail, out)),
            Segment::Variable(name) => {
                let context = CONTEXT_VARIABLES.contains(&name.as_str());
                // Region and account may be empty (S3, IAM); nothing else is.
                let min = usize::from(name == "Partition" || !context);
                let limit = if context {
                    text.find(':').unwrap_or(text.len())
                } else {
                    text.len()
                };
                let ends: Vec<usize> = if rest.is_empty() {
                    vec![text.len()]
                } else {
                    text.char_indices()
                        .map(|(i, _)| i)
                        .chain(std::iter::once(text.len()))
                        .collect()
                };
                for end in ends.into_iter().filter(|end| *end >= min && *end <= limit) {
                    let value = &text[..end];
                    if out.get(name).is_some_and(|earlier| earlier != value) {
                        continue;
                    }
                    let fresh = out.insert(name.clone(), value.to_string()).is_none();
                    if walk(rest, &text[end..], out) {
                        return true;
                    }
                    if fresh {
                        out.remove(name);
                    }
                }
                false
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&template.segments, arn, &mut out).then_some(out)
}

/// Whether the grammar reads `text` as one name (a service prefix, a resource type).
fn is_ident(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

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
            || !is_ident(&service.prefix)
            || !is_ident(constructor)
        {
            return None;
        }
        let template = resource_type.templates().first()?;
        let values = variables(template, arn)?;
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_read_from_an_arn() {
        let template = ArnTemplate::parse("arn:${Partition}:s3:::${BucketName}/${ObjectName}");
        let values = variables(&template, "arn:aws:s3:::logs/AWSLogs/1/*").unwrap();
        assert_eq!(values["BucketName"], "logs");
        assert_eq!(values["ObjectName"], "AWSLogs/1/*");
        assert_eq!(values["Partition"], "aws");
        let template = ArnTemplate::parse(
            "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}",
        );
        let values = variables(
            &template,
            "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/x:log-stream:*",
        )
        .unwrap();
        assert_eq!(values["LogGroupName"], "/aws/x");
        assert_eq!(values["LogStreamName"], "*");
        assert_eq!(values["Region"], "eu-west-1");
        assert!(variables(&template, "arn:aws:s3:::logs").is_none());
    }
}
