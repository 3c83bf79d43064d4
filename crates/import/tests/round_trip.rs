//! import(build(p)) builds to the same bytes, and diff(x, x) is empty, for generated projects: intents, explicit
//! actions, denies, conditions, wildcards, every kind of trust, `assume`, managed policies,
//! boundaries, resource policies (with the key policy statements grants `on` a declared key
//! write); and the import is written in the forms the project was.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iamdsl_compiler::config::{parse_manifest, Config, Defaults};
use iamdsl_compiler::{analyze, Project};
use iamdsl_policy::authz::AuthorizationDetails;
use proptest::prelude::*;

const STATEMENTS: &[&str] = &[
    "allow read on s3.bucket(\"data-{i}\")",
    "allow read, list on s3.bucket(\"logs\"), s3.object(\"logs\", \"*\")",
    "allow write, tagging on dynamodb.table(\"orders-{i}\")",
    "allow sqs:SendMessage, sqs:GetQueueUrl on sqs.queue(\"jobs-{i}\")",
    "deny s3:DeleteObject on s3.object(\"data-{i}\", \"*\")",
    "allow s3:GetObject on s3.object(\"data-{i}\", \"reports/*\") when aws:SourceIp == \"192.0.2.0/24\"",
    "allow kms:Decrypt on kms.key(\"1234abcd-12ab-34cd-56ef-1234567890ab\") when mfa",
    "allow lambda:InvokeFunction on lambda.function(\"app-*\")",
    "allow ec2:Describe* on *",
    "allow sns:Publish on sns.topic(\"alerts\") until 2099-01-01",
    "assume r0",
    "assume r0 when mfa and aws:MultiFactorAuthAge < 3600",
];

const TRUST: &[&str] = &[
    "service lambda",
    "service ec2",
    "account partner when external_id == \"x-{i}\"",
    "oidc \"token.actions.githubusercontent.com\" when aud == \"sts.amazonaws.com\" and sub like \"repo:acme/app:*\"",
];

/// Statements of a bucket's policy, for role `{i}`.
const BUCKET_STATEMENTS: &[&str] = &[
    "allow read, list to role r{i}",
    "allow s3:GetObject on s3.object(\"data-{i}\", \"in/*\") to account partner",
    "deny * to * when aws:SecureTransport == false",
    "allow s3:PutObject to service cloudtrail when aws:SourceAccount == \"111111111111\"",
    "#[allow(public_resource_policy)]\n  allow s3:GetObject to *",
    "allow write to org \"o-a1b2c3d4e5\"",
    "allow s3:ListBucket, s3:GetObject to account partner, role r{i} when aws:SecureTransport == true",
];

#[derive(Debug, Clone)]
struct Role {
    trust: usize,
    statements: Vec<usize>,
    attach: bool,
    boundary: bool,
    /// A bucket with these statements (none: declared without a policy).
    bucket: Option<Vec<usize>>,
    /// A key the role decrypts with, which writes the key policy's statement for it.
    key: bool,
}

fn role() -> impl Strategy<Value = Role> {
    (
        0..TRUST.len(),
        prop::collection::vec(0..STATEMENTS.len(), 1..5),
        any::<bool>(),
        any::<bool>(),
        prop::option::of(prop::collection::vec(0..BUCKET_STATEMENTS.len(), 0..3)),
        any::<bool>(),
    )
        .prop_map(|(trust, statements, attach, boundary, bucket, key)| Role {
            trust,
            statements,
            attach,
            boundary,
            bucket,
            key,
        })
}

fn source(roles: &[Role]) -> String {
    let mut out = String::from(
        "account prod = \"111111111111\" default\naccount partner = \"222222222222\"\n\n\
         policy shared { allow read on s3.object(\"shared\", \"*\") }\n\
         policy limit {\n  allow * on *\n  deny iam:*, organizations:* on *\n}\n\n",
    );
    for (i, role) in roles.iter().enumerate() {
        out.push_str(&format!("role r{i} {{\n"));
        out.push_str(&format!(
            "  trust {{ {} }}\n",
            TRUST[role.trust].replace("{i}", &i.to_string())
        ));
        if role.attach {
            out.push_str("  attach shared\n");
        }
        if role.boundary {
            out.push_str("  boundary limit\n");
        }
        for &s in &role.statements {
            out.push_str(&format!(
                "  {}\n",
                STATEMENTS[s].replace("{i}", &i.to_string())
            ));
        }
        if role.key {
            out.push_str(&format!("  allow kms:Decrypt on key{i}\n"));
        }
        out.push_str("}\n");
        match &role.bucket {
            Some(statements) if !statements.is_empty() => {
                out.push_str(&format!("resource data{i} = s3.bucket(\"data-{i}\") {{\n"));
                for &s in statements {
                    out.push_str(&format!(
                        "  {}\n",
                        BUCKET_STATEMENTS[s].replace("{i}", &i.to_string())
                    ));
                }
                out.push_str("}\n");
            }
            Some(_) => out.push_str(&format!("resource data{i} = s3.bucket(\"data-{i}\")\n")),
            None => {}
        }
        if role.key {
            out.push_str(&format!(
                "resource key{i} = kms.key(\"1234abcd-12ab-34cd-56ef-00000000000{}\") {{\n  allow kms:* to account prod\n}}\n",
                i % 10
            ));
        }
    }
    out
}

/// `account-authorization-details.json` of a project's build.
fn built(files: Vec<(String, String)>, config: Config) -> String {
    let analysis = analyze(&Project::in_memory(files, config));
    let errors: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let output = iamdsl_compiler::bundle::build(&analysis.model, Default::default());
    output
        .artifacts
        .into_iter()
        .find(|a| {
            a.path == "prod/account-authorization-details.json"
                || a.path == "account-authorization-details.json"
        })
        .map(|a| a.contents)
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn import_of_a_build_builds_to_the_same_bytes(roles in prop::collection::vec(role(), 1..5)) {
        let config = Config {
            defaults: Defaults { region: Some("eu-west-1".into()), partition: None },
            ..Default::default()
        };
        let first = built(vec![("main.iamdsl".into(), source(&roles))], config);
        let details = AuthorizationDetails::read(&first).unwrap();
        // diff(x, x) is empty: no entity, no access change.
        let same = iamdsl_diff::diff(&details, &details, &iamdsl_diff::Scope::default());
        prop_assert!(same.entities.is_empty() && same.access.is_empty(), "{:?}", same);
        let imported = iamdsl_import::import(&details).unwrap();
        // Source of the language's own forms comes back in them, not verbatim.
        prop_assert!(imported.verbatim_entities.is_empty(), "{:?}", imported.verbatim_entities);
        for text in imported.files.values() {
            prop_assert!(!text.contains("#[verbatim]") && !text.contains("arn(\""), "{}", text);
        }
        let (config, problems) = parse_manifest(&imported.files["iamdsl.toml"], Default::default());
        prop_assert!(problems.is_empty(), "{:?}", problems);
        let sources: Vec<(String, String)> = imported
            .files
            .into_iter()
            .filter(|(path, _)| path.ends_with(".iamdsl"))
            .collect();
        let second = built(sources, config);
        prop_assert_eq!(first, second);
    }
}
