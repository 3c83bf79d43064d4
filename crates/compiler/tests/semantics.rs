//! What the compiled policies mean, where a mistake would grant more than the source says.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iamdsl_compiler::bundle::{build, BuildOptions};
use iamdsl_compiler::{analyze, config, Analysis, EntityKind, Project};
use iamdsl_policy::ResourceBlock;

fn analyze_source(source: &str) -> Analysis {
    let config = config::Config {
        defaults: config::Defaults {
            region: Some("eu-west-1".into()),
            partition: None,
        },
        ..Default::default()
    };
    analyze(&Project::in_memory(
        vec![("main.iamdsl".into(), source.into())],
        config,
    ))
}

fn codes(analysis: &Analysis) -> Vec<&'static str> {
    analysis.diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn a_declared_role_in_a_resource_is_in_its_own_account() {
    let analysis = analyze_source(
        "account prod = \"111111111111\" default\naccount audit = \"222222222222\"\n\
         role auditor in audit { path = \"/sec/\" trust { account prod when mfa } }\n\
         group ops { allow sts:AssumeRole on iam.role(auditor) }\nuser bob { groups = [ops] }\n",
    );
    assert!(codes(&analysis).is_empty(), "{:#?}", analysis.diagnostics);
    let ops = analysis.model.entity(EntityKind::Group, "ops").unwrap();
    let Some(ResourceBlock::Resource(arns)) = &ops.document.statements[0].resource else {
        panic!()
    };
    assert!(
        arns.contains("arn:aws:iam::222222222222:role/sec/auditor"),
        "{arns:?}"
    );
}

#[test]
fn aws_names_are_unique_per_account_whatever_their_case() {
    let analysis = analyze_source("account prod = \"111111111111\"\nrole Admin { trust { service ec2 } }\nrole admin { trust { service ec2 } }\n");
    assert_eq!(codes(&analysis), vec!["E0201"]);
    let analysis = analyze_source(
        "account prod = \"111111111111\"\nrole a { name = \"x\" trust { service ec2 } }\nrole b {\n  name = \"x\"\n  path = \"/other/\"\n  trust { service ec2 }\n}\n",
    );
    assert_eq!(codes(&analysis), vec!["E0201"]);
}

#[test]
fn wildcards_in_principal_arns_are_refused() {
    let analysis = analyze_source("account prod = \"111111111111\"\nrole r { trust { role arn(\"arn:aws:iam::*:role/*\") } }\n");
    assert_eq!(codes(&analysis), vec!["E0601"]);
}

#[test]
fn security_lints_see_through_conditions_that_require_nothing() {
    let analysis = analyze_source(
        "account prod = \"111111111111\"\ngroup admins { allow iam:* on * when aws:MultiFactorAuthPresent == false }\nuser u { groups = [admins] }\n",
    );
    assert!(
        codes(&analysis).contains(&"W0106"),
        "{:?}",
        codes(&analysis)
    );
    let analysis = analyze_source(
        "account prod = \"111111111111\"\naccount vendor = \"444444444444\"\nrole r in prod { trust { account vendor when external_id != \"x\" } }\n",
    );
    assert_eq!(codes(&analysis), vec!["W0104"]);
}

#[test]
fn a_failed_except_never_widens_the_grant() {
    let analysis = analyze_source("account prod = \"111111111111\"\nrole r {\n  trust { service ec2 }\n  allow * except s3:GetObjekt on *\n}\n");
    assert_eq!(codes(&analysis), vec!["E0302"]);
    let role = analysis.model.entity(EntityKind::Role, "r").unwrap();
    assert!(role.document.is_empty(), "{:?}", role.document);
}

#[test]
fn a_boundary_is_never_split() {
    let mut statements = String::new();
    for i in 0..120 {
        statements.push_str(&format!("  allow iam:GetRole on iam.role(\"service-role/a-long-role-name-for-the-boundary-{i:03}\")\n"));
    }
    let source = format!(
        "account prod = \"111111111111\"\npolicy bnd {{\n  #[allow(wildcard_action)]\n  allow * on *\n{statements}  deny iam:*, organizations:* on *\n}}\nrole r {{\n  trust {{ service ec2 }}\n  boundary bnd\n}}\n"
    );
    let analysis = analyze_source(&source);
    let output = build(
        &analysis.model,
        BuildOptions {
            split: true,
            minimize: false,
        },
    );
    let codes: Vec<&str> = output.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, vec!["E0501"]);
    assert!(output.artifacts.is_empty());
}

#[test]
fn names_and_paths_are_plain_text() {
    let analysis = analyze_source("account prod = \"111111111111\"\nlet env = \"prod\"\nrole deployer {\n  name = \"${env}-deployer\"\n  trust { service ec2 }\n}\n");
    assert_eq!(codes(&analysis), vec!["E0405"]);
}

#[test]
fn a_user_in_more_than_ten_groups_is_over_the_quota() {
    let mut source = String::from("account prod = \"111111111111\"\n");
    let groups: Vec<String> = (0..11).map(|i| format!("g{i}")).collect();
    for group in &groups {
        source.push_str(&format!(
            "group {group} {{ attach aws \"ReadOnlyAccess\" }}\n"
        ));
    }
    source.push_str(&format!("user u {{ groups = [{}] }}\n", groups.join(", ")));
    assert_eq!(codes(&analyze_source(&source)), vec!["E0502"]);
}

#[test]
fn descriptions_are_written_in_characters_aws_accepts() {
    let analysis = analyze_source("account prod = \"111111111111\"\n/// Deploys the app — “main” only… ✓\nrole r { trust { service ec2 } }\n");
    let role = analysis.model.entity(EntityKind::Role, "r").unwrap();
    assert_eq!(
        role.description.as_deref(),
        Some("Deploys the app - \"main\" only. ?")
    );
}

#[test]
fn operators_by_name_are_checked_like_the_others() {
    let check = |clause: &str| {
        let source = format!("account prod = \"111111111111\"\nrole r {{\n  trust {{ service ec2 }}\n  allow s3:ListAllMyBuckets on * when {clause}\n}}\n");
        codes(&analyze_source(&source))
    };
    assert_eq!(
        check("StringEqualsIgnoreCase(aws:username, \"Bob\")"),
        Vec::<&str>::new()
    );
    assert_eq!(check("NumericLessThan(aws:SourceIp, \"5\")"), vec!["E0314"]);
    assert_eq!(check("Null(aws:SourceIp, \"maybe\")"), vec!["E0315"]);
    assert_eq!(
        check("ForAnyValue:ForAllValues:StringLike(aws:TagKeys, \"a\")"),
        vec!["E0316"]
    );
    assert_eq!(
        check("NumericLessThan(aws:MultiFactorAuthAge, \"inf\")"),
        vec!["E0315"]
    );
}
