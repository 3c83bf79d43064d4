//! Every template of the standard library, expanded in a role: its JSON, reviewed by snapshot.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iamdsl_compiler::{analyze, config, DeclKind, Project};
use iamdsl_policy::canonical::document_json;

const USES: &[(&str, &str)] = &[
    (
        "dynamodb_table_crud",
        "use std.dynamodb.table_crud(\"orders\")",
    ),
    (
        "ec2_cloudwatch_agent",
        "use std.ec2.cloudwatch_agent(\"/ec2/app\")",
    ),
    (
        "ec2_ssm_managed_instance",
        "use std.ec2.ssm_managed_instance()",
    ),
    (
        "ecs_task_execution",
        "use std.ecs.task_execution(\"orders\", \"/ecs/orders\")",
    ),
    (
        "kms_encrypt_decrypt",
        "use std.kms.encrypt_decrypt(\"1234abcd-12ab-34cd-56ef-1234567890ab\")",
    ),
    (
        "lambda_basic_execution",
        "use std.lambda.basic_execution(\"orders-api\")",
    ),
    (
        "lambda_vpc_access",
        "use std.lambda.vpc_access(\"orders-api\")",
    ),
    (
        "s3_read_only",
        "use std.s3.read_only(\"acme-assets\", \"public/*\")",
    ),
    ("s3_read_write", "use std.s3.read_write(\"acme-uploads\")"),
    ("sqs_consumer", "use std.sqs.consumer(\"orders-events\")"),
    ("sqs_producer", "use std.sqs.producer(\"orders-events\")"),
];

#[test]
fn every_standard_template_compiles_to_reviewed_json() {
    // Every template of stdlib/std is listed above.
    let mut templates = 0;
    for (_, text) in iamdsl_compiler::stdlib::MODULES {
        templates += text.lines().filter(|l| l.starts_with("template ")).count();
    }
    assert_eq!(
        templates,
        USES.len(),
        "a standard template has no snapshot test"
    );

    for (name, use_line) in USES {
        let source = format!("account prod = \"111111111111\"\nrole app {{\n  trust {{ service lambda }}\n  {use_line}\n}}\n");
        let config = config::Config {
            defaults: config::Defaults {
                region: Some("eu-west-1".into()),
                partition: None,
            },
            ..Default::default()
        };
        let project = Project::in_memory(vec![("app.iamdsl".into(), source)], config);
        let analysis = analyze(&project);
        assert!(
            analysis.diagnostics.is_empty(),
            "{name}: {:#?}",
            analysis.diagnostics
        );
        let role = analysis
            .model
            .entities
            .iter()
            .find(|e| e.kind == DeclKind::Role)
            .unwrap();
        insta::assert_snapshot!(
            format!("std_{name}"),
            document_json(&role.document).pretty()
        );
    }
}
