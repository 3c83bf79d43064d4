//! Policy documents as AWS returns them, into the document model: every shape AWS accepts (a
//! single statement or a list, a string or a list of actions, `"Principal": "*"`, condition values
//! as strings, booleans or numbers), and the URL-encoded text the raw API returns. What is wrong is
//! said with its place: `Statement[1].Condition.StringEquals`.

use crate::NameSet;

use serde_json::Value;

use crate::document::{
    ActionBlock, Conditions, Effect, PolicyDocument, Principals, ResourceBlock, Statement,
};

/// A policy document from its text: JSON, or URL-encoded JSON (`%7B%22Version%22…`).
pub fn read_policy_text(text: &str) -> Result<PolicyDocument, String> {
    let trimmed = text.trim();
    let decoded;
    let json = if trimmed.starts_with('%') {
        decoded = percent_encoding::percent_decode_str(trimmed)
            .decode_utf8()
            .map_err(|e| format!("URL-encoded document is not UTF-8: {e}"))?;
        decoded.as_ref()
    } else {
        trimmed
    };
    let value: Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    read_policy(&value)
}

/// A policy document from a JSON value (or a string holding one, as the raw API gives it).
pub fn read_policy(value: &Value) -> Result<PolicyDocument, String> {
    if let Value::String(text) = value {
        return read_policy_text(text);
    }
    let object = value
        .as_object()
        .ok_or("a policy document is a JSON object")?;
    if let Some(version) = object.get("Version") {
        match version.as_str() {
            Some("2012-10-17" | "2008-10-17") => {}
            _ => {
                return Err(format!(
                    "Version: `{version}` is not a policy language version"
                ))
            }
        }
    }
    let statements = match object.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        Some(_) => return Err("Statement: expected an object or a list of objects".into()),
        None => return Err("Statement: missing".into()),
    };
    let statements = statements
        .iter()
        .enumerate()
        .map(|(i, s)| read_statement(s).map_err(|e| format!("Statement[{i}].{e}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PolicyDocument { statements })
}

fn strings(value: &Value, place: &str) -> Result<NameSet, String> {
    match value {
        Value::String(s) => Ok(NameSet::from([s.clone()])),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                Value::Bool(b) => Ok(b.to_string()),
                Value::Number(n) => Ok(n.to_string()),
                other => Err(format!("{place}: `{other}` is not a string")),
            })
            .collect(),
        Value::Bool(b) => Ok(NameSet::from([b.to_string()])),
        Value::Number(n) => Ok(NameSet::from([n.to_string()])),
        other => Err(format!(
            "{place}: `{other}` is not a string or a list of strings"
        )),
    }
}

fn read_statement(value: &Value) -> Result<Statement, String> {
    let object = value.as_object().ok_or("a statement is a JSON object")?;
    let sid = match object.get("Sid") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    };
    let effect = match object.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        _ => return Err("Effect: expected \"Allow\" or \"Deny\"".into()),
    };
    if object.contains_key("NotPrincipal") {
        return Err("NotPrincipal: not supported by iamdsl".into());
    }
    let principal = match object.get("Principal") {
        None => None,
        Some(Value::String(star)) if star == "*" => {
            let mut principals = Principals::default();
            principals
                .0
                .insert("AWS".into(), NameSet::from(["*".to_string()]));
            Some(principals)
        }
        Some(Value::Object(kinds)) => {
            let mut principals = Principals::default();
            for (kind, values) in kinds {
                principals
                    .0
                    .insert(kind.clone(), strings(values, &format!("Principal.{kind}"))?);
            }
            Some(principals)
        }
        Some(other) => return Err(format!("Principal: `{other}` is not `*` or an object")),
    };
    let action = match (object.get("Action"), object.get("NotAction")) {
        (Some(a), None) => ActionBlock::Action(strings(a, "Action")?),
        (None, Some(a)) => ActionBlock::NotAction(strings(a, "NotAction")?),
        _ => return Err("Action: expected exactly one of Action and NotAction".into()),
    };
    let resource = match (object.get("Resource"), object.get("NotResource")) {
        (Some(r), None) => Some(ResourceBlock::Resource(strings(r, "Resource")?)),
        (None, Some(r)) => Some(ResourceBlock::NotResource(strings(r, "NotResource")?)),
        (None, None) => None,
        _ => return Err("Resource: both Resource and NotResource".into()),
    };
    let mut condition = Conditions::default();
    if let Some(block) = object.get("Condition") {
        let operators = block.as_object().ok_or("Condition: expected an object")?;
        for (operator, keys) in operators {
            let keys = keys
                .as_object()
                .ok_or(format!("Condition.{operator}: expected an object"))?;
            for (key, values) in keys {
                condition.insert(
                    operator,
                    key,
                    strings(values, &format!("Condition.{operator}.{key}"))?,
                );
            }
        }
    }
    Ok(Statement {
        sid,
        effect,
        principal,
        action,
        resource,
        condition,
        origins: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::to_canonical_json;

    #[test]
    fn every_shape_aws_accepts_reads_to_the_same_document() {
        let list = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":["true"]}}}]}"#;
        let single = r#"{"Version":"2012-10-17","Statement":{"Sid":"x","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":true}}}}"#;
        let encoded: String =
            percent_encoding::utf8_percent_encode(list, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let canonical = |text: &str| to_canonical_json(&read_policy_text(text).unwrap());
        assert_eq!(canonical(list), canonical(single));
        assert_eq!(canonical(list), canonical(&encoded));
        assert_eq!(
            canonical(list),
            to_canonical_json(&read_policy(&Value::String(list.into())).unwrap())
        );
    }

    #[test]
    fn mistakes_are_named_with_their_place() {
        let error = |text: &str| read_policy_text(text).unwrap_err();
        assert_eq!(
            error(
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*"},{"Effect":"Maybe","Action":"s3:*"}]}"#
            ),
            "Statement[1].Effect: expected \"Allow\" or \"Deny\""
        );
        assert_eq!(error(r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Condition":{"StringEquals":{"k":{"x":1}}}}]}"#), "Statement[0].Condition.StringEquals.k: `{\"x\":1}` is not a string or a list of strings");
        assert!(error("{not json").starts_with("not JSON"));
        assert_eq!(
            error(r#"{"Version":"2020-01-01","Statement":[]}"#),
            "Version: `\"2020-01-01\"` is not a policy language version"
        );
    }
}
