//! Intents expand to exactly the catalog's actions of that access level that apply to the
//! resource type: computed here independently, from the committed catalog files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::Path;

use iamdsl_compiler::{analyze, Config, DeclKind, Project};
use iamdsl_policy::ActionBlock;

/// The actions of `service` whose own access level is `level` and that apply to `resource_type`,
/// read straight from stdlib/aws/services/SERVICE.json. Actions listed with two levels
/// ("Permissions management, Write") count as the non-Write one (docs/language.md).
fn expected(service: &str, resource_type: &str, level: &str) -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../stdlib/aws/services/{service}.json"));
    let data: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let wanted = match level {
        "list" => "List",
        "read" => "Read",
        "write" => "Write",
        "tagging" => "Tagging",
        "permissions" => "Permissions management",
        other => panic!("unknown level {other}"),
    };
    data["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|action| {
            let levels: Vec<&str> = action["levels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_str().unwrap())
                .collect();
            let own = levels
                .iter()
                .copied()
                .find(|l| *l != "Write")
                .unwrap_or("Write");
            own == wanted
        })
        .filter(|action| {
            action["resources"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["type"] == resource_type)
        })
        .map(|action| format!("{service}:{}", action["name"].as_str().unwrap()))
        .collect()
}

/// What the compiler makes of `allow LEVEL on RESOURCE`.
fn expanded(level: &str, resource: &str) -> Option<BTreeSet<String>> {
    let source = format!("account prod = \"111111111111\"\n#[allow(unused)]\npolicy p {{\n  allow {level} on {resource}\n}}\n");
    let config = Config {
        defaults: iamdsl_compiler::config::Defaults {
            region: Some("eu-west-1".into()),
            partition: None,
        },
        ..Config::default()
    };
    let project = Project::in_memory(vec![("test.iamdsl".into(), source)], config);
    let analysis = analyze(&project);
    let errors: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    if !errors.is_empty() {
        assert!(
            errors.iter().all(|d| d.code == "E0311"),
            "{level} on {resource}: {errors:#?}"
        );
        return None;
    }
    let policy = analysis
        .model
        .entities
        .iter()
        .find(|e| e.kind == DeclKind::Policy)
        .unwrap();
    let mut actions = BTreeSet::new();
    for statement in &policy.document.statements {
        let ActionBlock::Action(set) = &statement.action else {
            panic!("NotAction from an intent")
        };
        actions.extend(set.iter().cloned());
    }
    Some(actions)
}

#[test]
fn every_level_on_common_resource_types_is_exact() {
    let cases = [
        ("s3", "bucket", "s3.bucket(\"b\")"),
        ("s3", "object", "s3.object(\"b\", \"*\")"),
        ("dynamodb", "table", "dynamodb.table(\"t\")"),
        ("lambda", "function", "lambda.function(\"f\")"),
        ("iam", "role", "iam.role(\"r\")"),
        ("iam", "user", "iam.user(\"u\")"),
        ("kms", "key", "kms.key(\"k\")"),
        ("sqs", "queue", "sqs.queue(\"q\")"),
    ];
    let mut compared = 0;
    for (service, resource_type, constructor) in cases {
        for level in ["list", "read", "write", "tagging", "permissions"] {
            let want = expected(service, resource_type, level);
            match expanded(level, constructor) {
                Some(got) => {
                    assert_eq!(got, want, "{level} on {constructor}");
                    assert!(!got.is_empty());
                    compared += 1;
                }
                // An intent that means nothing is an error (E0311), never an empty grant.
                None => assert!(
                    want.is_empty(),
                    "{level} on {constructor} should expand to {want:?}"
                ),
            }
        }
    }
    assert!(
        compared >= 25,
        "only {compared} non-empty expansions compared"
    );
}

#[test]
fn write_never_includes_permissions_management_or_tagging() {
    let write = expanded("write", "iam.role(\"r\")").unwrap();
    assert!(write.contains("iam:DeleteRole"));
    assert!(
        !write.contains("iam:AttachRolePolicy"),
        "permissions management leaked into write"
    );
    assert!(!write.contains("iam:TagRole"), "tagging leaked into write");
    let permissions = expanded("permissions", "iam.role(\"r\")").unwrap();
    assert!(permissions.contains("iam:AttachRolePolicy"));
}

#[test]
fn intents_over_several_resources_keep_each_action_on_its_own_type() {
    let source = "account prod = \"111111111111\"\n#[allow(unused)]\npolicy p {\n  allow read on s3.bucket(\"b\"), s3.object(\"b\", \"*\")\n}\n";
    let project = Project::in_memory(vec![("t.iamdsl".into(), source.into())], Config::default());
    let analysis = analyze(&project);
    assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
    let policy = &analysis.model.entities[0];
    assert_eq!(policy.document.statements.len(), 2);
    for statement in &policy.document.statements {
        let ActionBlock::Action(actions) = &statement.action else {
            panic!()
        };
        let Some(iamdsl_policy::ResourceBlock::Resource(resources)) = &statement.resource else {
            panic!()
        };
        if resources.contains("arn:aws:s3:::b") {
            assert!(actions.contains("s3:GetBucketPolicy") && !actions.contains("s3:GetObject"));
        } else {
            assert!(actions.contains("s3:GetObject") && !actions.contains("s3:GetBucketPolicy"));
        }
    }
}

#[test]
fn an_explicit_action_applies_only_to_the_most_specific_type_of_an_arn() {
    // A log-stream ARN also fits the log-group template (the group name variable would take the
    // rest); it is a log stream, and DescribeLogStreams applies to log groups only.
    let source = "account prod = \"111111111111\"\n#[allow(unused)]\npolicy p {\n  allow logs:DescribeLogStreams on logs.log_stream(\"g\", \"*\", region: \"eu-west-1\")\n}\n";
    let project = Project::in_memory(vec![("t.iamdsl".into(), source.into())], Config::default());
    let codes: Vec<&str> = analyze(&project)
        .diagnostics
        .iter()
        .map(|d| d.code)
        .collect();
    assert_eq!(codes, vec!["E0308"]);
}
