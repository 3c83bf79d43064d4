//! Completion reads where the cursor stands from the syntax around it, not from its line: a
//! statement that spans lines, the slot of a statement (continuing keywords, operators, values),
//! trust entries, properties by kind of declaration, and nothing inside strings and comments.
//! Each test fails on the line-based completion this replaced, which read only the cursor's line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;

use iamdsl_lsp::{features, Snapshot};
use tower_lsp::lsp_types::*;

const PROJECT: &str = r#"account prod = "111111111111" default
account audit = "222222222222"
let bucket = "acme-data"

policy reader {
  allow read on s3.bucket(bucket)
}

template logs(fn) {
  allow logs:PutLogEvents on logs.log_stream("/aws/lambda/${fn}", "*")
}

group ops { attach reader }
group devs { attach reader }
user ann { groups = [ops] }

role app {
  trust { service lambda }
  assume deployer
}

role deployer {
  trust { account audit when external_id == "x" }
}
"#;

fn snapshot() -> (tempfile::TempDir, Snapshot) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("iamdsl.toml"), "").unwrap();
    let main = dir.path().join("main.iamdsl");
    std::fs::write(&main, PROJECT).unwrap();
    let snapshot = Snapshot::build(&main, &HashMap::new());
    (dir, snapshot)
}

/// The completion at the `|` of `marked`: its items (label, kind) and the range each replaces.
fn complete(snapshot: &Snapshot, marked: &str) -> Vec<(String, CompletionItemKind, Range)> {
    let at = marked.find('|').unwrap();
    let text = marked.replacen('|', "", 1);
    let position = Position {
        line: text[..at].matches('\n').count() as u32,
        character: text[..at]
            .rsplit('\n')
            .next()
            .unwrap()
            .encode_utf16()
            .count() as u32,
    };
    features::completion(Some(snapshot), &text, position)
        .items
        .into_iter()
        .map(|i| match i.text_edit {
            Some(CompletionTextEdit::Edit(edit)) => {
                assert_eq!(edit.new_text, i.label);
                (i.label, i.kind.unwrap(), edit.range)
            }
            other => panic!("{} has no text edit: {other:?}", i.label),
        })
        .collect()
}

fn labels(snapshot: &Snapshot, marked: &str) -> Vec<String> {
    complete(snapshot, marked)
        .into_iter()
        .map(|(label, _, _)| label)
        .collect()
}

fn range(line: u32, start: u32, end: u32) -> Range {
    Range {
        start: Position {
            line,
            character: start,
        },
        end: Position {
            line,
            character: end,
        },
    }
}

#[test]
fn statements_that_span_lines() {
    let (_dir, snapshot) = snapshot();
    // A condition's key on a line of its own: keys of s3, not its actions.
    let keys = complete(
        &snapshot,
        "role r {\n  allow s3:ListBucket on s3.bucket(\"b\")\n    when\n    s3:pre|",
    );
    assert!(
        keys.iter()
            .any(|(l, _, r)| l == "s3:prefix" && *r == range(3, 4, 10)),
        "{keys:?}"
    );
    assert!(keys.iter().all(|(l, _, _)| !l.starts_with("s3:Put")));
    assert_eq!(
        labels(
            &snapshot,
            "role r {\n  allow * on *\n    when mfa\n    and ex|"
        ),
        vec!["external_id"]
    );
    // The target of `attach` and `assume`, and the elements of `groups`, on the next line.
    assert_eq!(
        labels(&snapshot, "group g {\n  attach\n    |"),
        vec!["reader"]
    );
    assert_eq!(
        labels(&snapshot, "group g {\n  assume\n    d|"),
        vec!["deployer"]
    );
    assert_eq!(
        labels(&snapshot, "user u {\n  groups = [\n    devs,\n    o|"),
        vec!["ops"]
    );
}

#[test]
fn each_slot_of_a_permission() {
    let (_dir, snapshot) = snapshot();
    // After an action: only what continues the statement.
    assert_eq!(
        labels(&snapshot, "role r {\n  allow s3:GetObject |"),
        vec!["on", "except"]
    );
    // After a key: the operators that are words.
    assert_eq!(
        labels(&snapshot, "role r {\n  allow * on * when aws:SourceIp |"),
        vec!["like", "not", "in", "exists"]
    );
    // A value: declared values and booleans, no keys.
    let value = labels(
        &snapshot,
        "role r {\n  allow * on * when aws:SecureTransport == |",
    );
    assert_eq!(value, vec!["bucket", "true", "false"]);
    // A constructor's argument: the declared values, not services or keywords.
    assert_eq!(
        labels(&snapshot, "role r {\n  allow read on s3.bucket(bu|"),
        vec!["bucket"]
    );
    // Where actions fit: access levels (and what a service prefix starts).
    let levels = labels(&snapshot, "role r {\n  allow |");
    assert_eq!(
        levels,
        vec!["list", "read", "write", "tagging", "permissions"]
    );
    // A key's operators by name, beside the keys.
    let by_name = complete(&snapshot, "role r {\n  allow * on * when StringEq|");
    assert!(
        by_name
            .iter()
            .any(|(l, k, _)| l == "StringEqualsIgnoreCase" && *k == CompletionItemKind::OPERATOR),
        "{by_name:?}"
    );
}

#[test]
fn trust_entries() {
    let (_dir, snapshot) = snapshot();
    assert_eq!(
        labels(&snapshot, "role r {\n  trust {\n    |"),
        vec!["service", "account", "role", "user", "saml", "oidc"]
    );
    assert_eq!(
        labels(&snapshot, "role r {\n  trust { account |"),
        vec!["audit", "prod"]
    );
    assert_eq!(
        labels(&snapshot, "role r {\n  trust { role |"),
        vec!["app", "deployer"]
    );
    // An OIDC provider's own keys, in its entry only.
    let oidc = labels(
        &snapshot,
        "role r {\n  trust {\n    oidc \"token.actions.githubusercontent.com\"\n      when su|",
    );
    assert!(oidc.contains(&"sub".to_string()), "{oidc:?}");
    let service = labels(
        &snapshot,
        "role r {\n  trust {\n    service lambda when su|",
    );
    assert!(!service.contains(&"sub".to_string()), "{service:?}");
}

#[test]
fn properties_of_each_kind_of_declaration() {
    let (_dir, snapshot) = snapshot();
    let kinds = |marked: &str| -> Vec<(String, CompletionItemKind)> {
        complete(&snapshot, marked)
            .into_iter()
            .map(|(l, k, _)| (l, k))
            .collect()
    };
    assert_eq!(
        kinds("role r {\n  des|"),
        vec![("description".to_string(), CompletionItemKind::PROPERTY)]
    );
    assert_eq!(kinds("user u {\n  des|"), vec![]);
    assert_eq!(
        kinds("user u {\n  gro|"),
        vec![("groups".to_string(), CompletionItemKind::PROPERTY)]
    );
    assert_eq!(kinds("policy p {\n  gro|"), vec![]);
    // A property's name before its `=`: only properties.
    assert_eq!(
        kinds("user u {\n  n| = \"x\"\n}"),
        vec![("name".to_string(), CompletionItemKind::PROPERTY)]
    );
    // Statements and properties at the start of a statement, each kind's own.
    let start = labels(&snapshot, "policy p {\n  |");
    assert!(start.contains(&"allow".to_string()) && start.contains(&"path".to_string()));
    assert!(!start.contains(&"max_session".to_string()), "{start:?}");
}

#[test]
fn declarations_and_expectations() {
    let (_dir, snapshot) = snapshot();
    // In the first column at the top level: what begins a declaration.
    assert_eq!(labels(&snapshot, "role r {\n}\nro|"), vec!["role"]);
    assert_eq!(labels(&snapshot, "role r in |"), vec!["audit", "prod"]);
    // An expectation: about a principal, then what it can do.
    assert_eq!(
        labels(&snapshot, "expect |"),
        vec!["ann", "app", "deployer", "devs", "ops", "no"]
    );
    assert_eq!(
        labels(&snapshot, "expect ann can |"),
        vec!["list", "read", "write", "tagging", "permissions", "assume"]
    );
}

#[test]
fn nothing_inside_strings_and_comments() {
    let (_dir, snapshot) = snapshot();
    for marked in [
        "role r {\n  allow read on s3.bucket(\"re|",
        "role r {\n  // attach re|",
        "role r {\n  /* allow s3:Get| */\n}",
    ] {
        assert_eq!(
            labels(&snapshot, marked),
            Vec::<String>::new(),
            "{marked:?}"
        );
    }
}

/// Inside the string of `attach aws "…"`, the AWS managed policies whose path and name start
/// like what is typed (a name without its path finds the policy filed under one); the edit
/// replaces what is typed inside the quotes. Hover over the string shows the policy.
#[test]
fn aws_managed_policies_inside_attach_aws() {
    let (_dir, snapshot) = snapshot();
    let items = complete(&snapshot, "group g {\n  attach aws \"ReadOnlyAcc|\n}\n");
    assert!(
        items.iter().any(|(label, _, _)| label == "ReadOnlyAccess"),
        "{items:?}"
    );
    let (_, _, range) = &items[0];
    assert_eq!((range.start.character, range.end.character), (14, 25));
    let lambda = complete(
        &snapshot,
        "role r {\n  attach aws \"AWSLambdaBasicExec|\n}\n",
    );
    assert!(
        lambda
            .iter()
            .any(|(label, _, _)| label == "service-role/AWSLambdaBasicExecutionRole"),
        "{lambda:?}"
    );
    // Another string completes nothing.
    assert!(complete(&snapshot, "role r {\n  name = \"ReadOnlyAcc|\n}\n").is_empty());

    let dir = tempfile::tempdir().unwrap();
    let text =
        "account prod = \"111111111111\" default\ngroup g { attach aws \"ReadOnlyAccess\" }\n";
    let main = dir.path().join("main.iamdsl");
    std::fs::write(&main, text).unwrap();
    let snapshot = Snapshot::build(&main, &HashMap::new());
    let url = Url::from_file_path(&main).unwrap();
    let hover = features::hover(
        &snapshot,
        &url,
        Position {
            line: 1,
            character: 25,
        },
    )
    .unwrap();
    let HoverContents::Markup(markup) = hover.contents else {
        panic!()
    };
    assert!(
        markup
            .value
            .starts_with("**AWS managed policy** `ReadOnlyAccess`, version v"),
        "{}",
        markup.value
    );
    assert!(
        markup
            .value
            .contains("\n- statement 1 `ReadOnlyActionsGroup1`: Allow  "),
        "{}",
        markup.value
    );
}
