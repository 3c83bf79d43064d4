//! Resource policies as the compiler writes them: principals, the `Resource` element each service
//! takes, both halves of a grant written once, the stored form, quotas.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;

use iamdsl_compiler::bundle::{build, BuildOptions};
use iamdsl_compiler::{config, Analysis};
use iamdsl_policy::{ResourceBlock, Statement};

/// The codes reported, but `unused` (W0107): the shared account list is not used by every case.
fn codes(analysis: &Analysis) -> Vec<&'static str> {
    analysis
        .diagnostics
        .iter()
        .map(|d| d.code)
        .filter(|code| *code != "W0107")
        .collect()
}

fn policy<'a>(analysis: &'a Analysis, ident: &str) -> &'a [Statement] {
    let resource = analysis
        .model
        .resources
        .iter()
        .find(|r| r.ident == ident)
        .unwrap();
    &resource.policy.as_ref().unwrap().statements
}

const ACCOUNTS: &str =
    "account prod = \"111111111111\" default\naccount audit = \"222222222222\"\n";

#[test]
fn a_cross_account_grant_on_a_declared_bucket_writes_both_halves() {
    let analysis = analyze_source(&format!(
        "{ACCOUNTS}resource logs = s3.bucket(\"acme-logs\")\n\
         role reader in audit {{\n  trust {{ account audit when mfa }}\n  allow s3:GetObject, s3:ListBucket on logs\n}}\n"
    ));
    assert!(codes(&analysis).is_empty(), "{:#?}", analysis.diagnostics);
    let statements = policy(&analysis, "logs");
    // One statement per resource type, each naming the reader: the bucket for ListBucket, its
    // objects for GetObject.
    assert_eq!(statements.len(), 2, "{statements:#?}");
    for statement in statements {
        let principal = statement.principal.as_ref().unwrap();
        assert!(principal.0["AWS"].contains("arn:aws:iam::222222222222:role/reader"));
    }
    let resources: Vec<&ResourceBlock> = statements
        .iter()
        .filter_map(|s| s.resource.as_ref())
        .collect();
    assert!(resources.iter().any(
        |r| matches!(r, ResourceBlock::Resource(s) if s.contains("arn:aws:s3:::acme-logs/*"))
    ));
    assert!(resources
        .iter()
        .any(|r| matches!(r, ResourceBlock::Resource(s) if s.contains("arn:aws:s3:::acme-logs"))));
}

#[test]
fn a_same_account_grant_on_a_bucket_writes_only_the_identity_half() {
    let analysis = analyze_source(&format!(
        "{ACCOUNTS}resource logs = s3.bucket(\"acme-logs\")\n\
         role reader {{\n  trust {{ service ec2 }}\n  allow s3:GetObject on logs\n}}\n"
    ));
    assert!(codes(&analysis).is_empty(), "{:#?}", analysis.diagnostics);
    let resource = analysis
        .model
        .resources
        .iter()
        .find(|r| r.ident == "logs")
        .unwrap();
    // Declared without a policy, and nothing needed one: it still has none.
    assert!(resource.policy.is_none());
}

#[test]
fn a_kms_grant_writes_the_key_policy_half_even_in_the_same_account() {
    let analysis = analyze_source(&format!(
        "{ACCOUNTS}resource key = kms.key(\"0d6f8a52-3c1e-4b7a-9d2f-5e8c1a7b4f30\") {{\n  allow kms:* to account prod\n}}\n\
         role app {{\n  trust {{ service lambda }}\n  allow kms:Decrypt on key\n}}\n"
    ));
    assert!(codes(&analysis).is_empty(), "{:#?}", analysis.diagnostics);
    let statements = policy(&analysis, "key");
    let app = statements
        .iter()
        .find(|s| {
            s.principal.as_ref().unwrap().0["AWS"].contains("arn:aws:iam::111111111111:role/app")
        })
        .expect("the key policy names the role");
    // A key policy names its key as `*`.
    assert_eq!(
        app.resource,
        Some(ResourceBlock::Resource(
            ["*".to_string()].into_iter().collect()
        ))
    );
}

#[test]
fn org_becomes_star_with_the_organization_condition() {
    let analysis = analyze_source(&format!(
        "{ACCOUNTS}resource assets = s3.bucket(\"acme-assets\") {{\n  allow s3:GetObject to org \"o-a1b2c3d4e5\"\n}}\n"
    ));
    assert!(codes(&analysis).is_empty(), "{:#?}", analysis.diagnostics);
    let statement = &policy(&analysis, "assets")[0];
    assert!(statement.principal.as_ref().unwrap().0["AWS"].contains("*"));
    let values = &statement.condition.0["StringEquals"]["aws:PrincipalOrgID"];
    assert!(values.contains("o-a1b2c3d4e5"));
}

#[test]
fn a_public_grant_is_an_error_unless_allowed() {
    let source = |attr: &str| {
        format!("{ACCOUNTS}resource site = s3.bucket(\"acme-site\") {{\n  {attr}allow s3:GetObject to *\n}}\n")
    };
    let analysis = analyze_source(&source(""));
    assert_eq!(codes(&analysis), vec!["W0118"]);
    assert!(analysis
        .diagnostics
        .iter()
        .any(|d| d.code == "W0118" && d.is_error()));
    let analysis = analyze_source(&source("#[allow(public_resource_policy)]\n  "));
    assert!(codes(&analysis).is_empty(), "{:#?}", analysis.diagnostics);
    // A condition on the caller's network narrows it.
    let narrowed = format!("{ACCOUNTS}resource site = s3.bucket(\"acme-site\") {{\n  allow s3:GetObject to * when aws:SourceVpce == \"vpce-1a2b3c4d\"\n}}\n");
    assert!(codes(&analyze_source(&narrowed)).is_empty());
}

#[test]
fn an_action_that_does_not_apply_to_the_resource_is_refused() {
    let analysis = analyze_source(&format!(
        "{ACCOUNTS}resource jobs = sqs.queue(\"jobs\") {{\n  allow sns:Publish to account audit\n}}\n"
    ));
    assert_eq!(
        codes(&analysis),
        vec!["E0308"],
        "{:#?}",
        analysis.diagnostics
    );
}

#[test]
fn the_size_quota_of_each_kind_is_checked() {
    let source = format!("{ACCOUNTS}resource jobs = sqs.queue(\"jobs\") {{\n  allow sqs:SendMessage, sqs:ReceiveMessage, sqs:DeleteMessage to account audit\n}}\n");
    assert!(codes(&analyze_source(&source)).is_empty());
    let quotas = config::Quotas {
        queue_policy_size: 100,
        ..Default::default()
    };
    let analysis = analyze_with(&source, Some(quotas));
    assert_eq!(
        codes(&analysis),
        vec!["E0501"],
        "{:#?}",
        analysis.diagnostics
    );
    assert!(analysis
        .diagnostics
        .iter()
        .any(|d| d.message.contains("queue policy of `jobs`")));
}

#[test]
fn a_function_policy_is_built_as_add_permission_statements() {
    let analysis = analyze_source(&format!(
        "{ACCOUNTS}resource api = lambda.function(\"api\") {{\n  allow lambda:InvokeFunction, lambda:GetFunction to account audit, service apigateway\n    when aws:SourceAccount == \"222222222222\"\n}}\n"
    ));
    assert!(codes(&analysis).is_empty(), "{:#?}", analysis.diagnostics);
    let output = build(&analysis.model, BuildOptions::default());
    let file = output
        .artifacts
        .iter()
        .find(|a| a.path == "prod/resources/api.json")
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&file.contents).unwrap();
    assert_eq!(json["Id"], "default");
    let statements = json["Statement"].as_array().unwrap();
    // Two actions × two principals: four permissions, each one action and one principal.
    assert_eq!(statements.len(), 4, "{}", file.contents);
    for statement in statements {
        assert_eq!(statement["Action"].as_array().unwrap().len(), 1);
        let principal = statement["Principal"].as_object().unwrap();
        assert_eq!(
            principal
                .values()
                .map(|v| v.as_array().unwrap().len())
                .sum::<usize>(),
            1
        );
        assert!(statement["Sid"]
            .as_str()
            .unwrap()
            .starts_with("AllowLambda"));
    }
}

#[test]
fn the_account_bundle_holds_every_resource_and_its_policy_state() {
    let analysis = analyze_source(&format!(
        "{ACCOUNTS}resource logs = s3.bucket(\"acme-logs\") {{\n  allow s3:GetObject to account audit\n}}\nresource reports = s3.bucket(\"acme-reports\")\n"
    ));
    assert!(codes(&analysis).is_empty(), "{:#?}", analysis.diagnostics);
    let output = build(&analysis.model, BuildOptions::default());
    let details = output
        .artifacts
        .iter()
        .find(|a| a.path == "prod/account-authorization-details.json")
        .unwrap();
    let read = iamdsl_policy::authz::AuthorizationDetails::read(&details.contents).unwrap();
    assert_eq!(read.resources.len(), 2);
    let reports = read
        .resources
        .iter()
        .find(|r| r.name == "acme-reports")
        .unwrap();
    assert_eq!(
        reports.policy,
        iamdsl_policy::authz::ResourcePolicyState::Absent
    );
    assert_eq!(reports.account, "111111111111");
    let logs = read
        .resources
        .iter()
        .find(|r| r.name == "acme-logs")
        .unwrap();
    assert_eq!(logs.kind, "s3.bucket");
    assert!(logs.document().is_some());
}

#[test]
fn a_resource_half_without_the_principals_own_is_one_sided() {
    let source = |grant: &str| {
        format!(
            "{ACCOUNTS}resource logs = s3.bucket(\"acme-logs\") {{\n  allow s3:GetObject to role reader\n}}\n\
             role reader in audit {{\n  trust {{ account audit when mfa }}\n  {grant}\n}}\n"
        )
    };
    let analysis = analyze_source(&source("allow s3:ListBucket on s3.bucket(\"other\")"));
    assert_eq!(
        codes(&analysis),
        vec!["W0120"],
        "{:#?}",
        analysis.diagnostics
    );
    assert!(analysis
        .diagnostics
        .iter()
        .any(|d| d.message.contains("its own policies do not allow")));
    let analysis = analyze_source(&source(
        "allow s3:GetObject on s3.object(\"acme-logs\", \"*\")",
    ));
    assert!(codes(&analysis).is_empty(), "{:#?}", analysis.diagnostics);
}

/// One resource of each kind, built: each file is what its service stores (read against AWS's
/// documentation of each policy, see docs/language.md's table).
#[test]
fn every_kind_is_built_in_its_stored_form() {
    let analysis = analyze_source(&format!(
        "{ACCOUNTS}\
         role app {{\n  trust {{ service lambda }}\n}}\n\
         resource logs = s3.bucket(\"acme-logs\") {{\n  allow read to account audit\n  deny * to * when aws:SecureTransport == false\n}}\n\
         resource key = kms.key(\"0d6f8a52-3c1e-4b7a-9d2f-5e8c1a7b4f30\") {{\n  allow kms:* to account prod\n  allow kms:Decrypt to role app\n}}\n\
         resource jobs = sqs.queue(\"jobs\") {{\n  allow sqs:SendMessage to service sns when aws:SourceArn == events\n}}\n\
         resource events = sns.topic(\"events\") {{\n  allow sns:Publish to role app\n}}\n\
         resource api = lambda.function(\"api\") {{\n  allow lambda:InvokeFunction to service apigateway when aws:SourceAccount == \"111111111111\"\n}}\n\
         resource db_password = secretsmanager.secret(\"prod/db\") {{\n  allow secretsmanager:GetSecretValue to role app\n}}\n\
         resource images = ecr.repository(\"app\") {{\n  allow ecr:BatchGetImage, ecr:GetDownloadUrlForLayer to account audit\n}}\n"
    ));
    assert!(codes(&analysis).is_empty(), "{:#?}", analysis.diagnostics);
    let output = build(&analysis.model, BuildOptions::default());
    let files: Vec<_> = output
        .artifacts
        .iter()
        .filter(|a| a.path.contains("/resources/"))
        .collect();
    assert_eq!(files.len(), 7);
    for file in files {
        insta::assert_snapshot!(file.path.replace('/', "__"), file.contents);
    }
}

#[test]
fn a_resource_declared_twice_is_an_error() {
    let analysis = analyze_source(&format!(
        "{ACCOUNTS}resource logs = s3.bucket(\"acme-logs\")\nresource logs_again = s3.bucket(\"acme-logs\")\n"
    ));
    assert_eq!(
        codes(&analysis),
        vec!["E0201"],
        "{:#?}",
        analysis.diagnostics
    );
    // A queue of the same name is another resource.
    let analysis = analyze_source(&format!(
        "{ACCOUNTS}resource logs = s3.bucket(\"acme-logs\")\nresource queue = sqs.queue(\"acme-logs\")\n"
    ));
    assert!(codes(&analysis).is_empty(), "{:#?}", analysis.diagnostics);
}

/// A declared secret's built ARN is a pattern for the one Secrets Manager gives it: a request on
/// the real ARN is decided by the secret's policy, as one on the built pattern is.
#[test]
fn a_secret_is_governed_by_its_policy_whatever_its_suffix() {
    use iamdsl_policy::access::Access;
    use iamdsl_policy::eval::{Context, Decision, Quantifier};
    let analysis = analyze_source(&format!(
        "{ACCOUNTS}resource db = secretsmanager.secret(\"prod/db\")\n\
         role reader in audit {{\n  trust {{ account audit when mfa }}\n  allow secretsmanager:GetSecretValue on db\n}}\n"
    ));
    assert!(codes(&analysis).is_empty(), "{:#?}", analysis.diagnostics);
    let mut details = iamdsl_policy::authz::AuthorizationDetails::default();
    for account in iamdsl_compiler::bundle::authorization_details(&analysis.model).into_values() {
        details.roles.extend(account.roles);
        details.resources.extend(account.resources);
    }
    let access = Access::new(&details);
    let reader = access.by_name("reader")[0];
    let ask = |arn: &str| {
        let explained = access.evaluate(
            reader,
            "secretsmanager:GetSecretValue",
            arn,
            &Context::new(),
            Quantifier::of_request("secretsmanager:GetSecretValue", arn),
        );
        (
            explained.decision(),
            explained.undeclared_resource.is_some(),
        )
    };
    let real = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-AbCdEf";
    assert_eq!(ask(real), (Decision::Allow, false));
    // Another secret of the account is not this one's: its policy does not let the reader in.
    let other = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/other-AbCdEf";
    assert_ne!(ask(other).0, Decision::Allow);
}

#[test]
fn a_grant_on_another_accounts_secret_by_arn_is_one_sided() {
    let analysis = analyze_source(&format!(
        "{ACCOUNTS}resource db = secretsmanager.secret(\"prod/db\")\n\
         role reader in audit {{\n  trust {{ account audit when mfa }}\n  allow secretsmanager:GetSecretValue on secretsmanager.secret(\"prod/db\", account: \"111111111111\")\n}}\n"
    ));
    assert_eq!(
        codes(&analysis),
        vec!["W0120"],
        "{:#?}",
        analysis.diagnostics
    );
}
