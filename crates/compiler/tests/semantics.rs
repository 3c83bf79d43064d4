//! What the compiled policies mean, where a mistake would grant more than the source says.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;

use iamdsl_compiler::bundle::{build, BuildOptions};
use iamdsl_compiler::{Analysis, DeclKind};
use iamdsl_policy::ResourceBlock;

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
    let ops = analysis.model.entity(DeclKind::Group, "ops").unwrap();
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
    let role = analysis.model.entity(DeclKind::Role, "r").unwrap();
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
    // `--split` says why it cannot: a boundary is one policy (AWS attaches one per principal).
    let codes: Vec<&str> = output.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, vec!["E0807"]);
    let text = format!("{:?}", output.diagnostics[0]);
    assert!(text.contains("boundary"), "{text}");
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
    let role = analysis.model.entity(DeclKind::Role, "r").unwrap();
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

/// The trust statements of a role, as compact JSON.
fn trust_of(analysis: &Analysis, role: &str) -> Vec<String> {
    let role = analysis.model.entity(DeclKind::Role, role).unwrap();
    role.trust
        .as_ref()
        .map(|trust| {
            trust
                .statements
                .iter()
                .map(|s| iamdsl_policy::canonical::statement_json(s).compact())
                .collect()
        })
        .unwrap_or_default()
}

const TWO_ACCOUNTS: &str =
    "account prod = \"111111111111\" default\naccount audit = \"222222222222\"\n";

#[test]
fn assume_never_adds_an_unconditioned_trust_entry_beside_the_authors() {
    let analysis = analyze_source(&format!(
        "{TWO_ACCOUNTS}role break_glass {{\n  trust {{ account audit when mfa and external_id == \"x-1\" }}\n}}\n\
         role auditor in audit {{\n  trust {{ service ec2 }}\n  assume break_glass\n}}\n"
    ));
    assert!(codes(&analysis).is_empty(), "{:#?}", analysis.diagnostics);
    let trust = trust_of(&analysis, "break_glass");
    assert_eq!(trust.len(), 1, "{trust:#?}");
    assert!(
        trust[0].contains("aws:MultiFactorAuthPresent") && trust[0].contains("sts:ExternalId"),
        "{trust:#?}"
    );
    // The identity half is still written.
    let auditor = analysis.model.entity(DeclKind::Role, "auditor").unwrap();
    let identity =
        iamdsl_policy::canonical::statement_json(&auditor.document.statements[0]).compact();
    assert!(
        identity.contains("sts:AssumeRole") && identity.contains("role/break_glass"),
        "{identity}"
    );
}

#[test]
fn assume_when_guards_both_halves() {
    let analysis = analyze_source(&format!(
        "{TWO_ACCOUNTS}role break_glass {{ trust {{ service ec2 }} }}\n\
         role auditor in audit {{\n  trust {{ service ec2 }}\n  assume break_glass when mfa\n}}\n"
    ));
    assert!(codes(&analysis).is_empty(), "{:#?}", analysis.diagnostics);
    let trust = trust_of(&analysis, "break_glass");
    let entry: Vec<&String> = trust
        .iter()
        .filter(|s| s.contains("role/auditor"))
        .collect();
    assert_eq!(entry.len(), 1, "{trust:#?}");
    assert!(
        entry[0].contains("\"aws:MultiFactorAuthPresent\":[\"true\"]"),
        "{trust:#?}"
    );
    let auditor = analysis.model.entity(DeclKind::Role, "auditor").unwrap();
    let identity =
        iamdsl_policy::canonical::statement_json(&auditor.document.statements[0]).compact();
    assert!(
        identity.contains("aws:MultiFactorAuthPresent"),
        "{identity}"
    );
}

#[test]
fn cross_account_trust_written_by_assume_is_linted_like_trust_written_by_hand() {
    let by_assume = analyze_source(&format!(
        "{TWO_ACCOUNTS}role break_glass {{ trust {{ service ec2 }} }}\n\
         role auditor in audit {{\n  trust {{ service ec2 }}\n  assume break_glass\n}}\n"
    ));
    assert_eq!(
        codes(&by_assume),
        vec!["W0104"],
        "{:#?}",
        by_assume.diagnostics
    );
    let warning = &by_assume.diagnostics[0];
    assert!(
        warning
            .help
            .as_deref()
            .unwrap_or("")
            .contains("assume break_glass when mfa"),
        "{warning:#?}"
    );
    // The lint is silenced where the `assume` is written, as any lint.
    let allowed = analyze_source(&format!(
        "{TWO_ACCOUNTS}role break_glass {{ trust {{ service ec2 }} }}\n\
         role auditor in audit {{\n  trust {{ service ec2 }}\n  #[allow(unguarded_cross_account_trust)]\n  assume break_glass\n}}\n"
    ));
    assert!(codes(&allowed).is_empty(), "{:#?}", allowed.diagnostics);
    // Within one account there is nothing to guard.
    let same_account = analyze_source(
        "account prod = \"111111111111\"\nrole break_glass { trust { service ec2 } }\nrole auditor {\n  trust { service ec2 }\n  assume break_glass\n}\n",
    );
    assert!(
        codes(&same_account).is_empty(),
        "{:#?}",
        same_account.diagnostics
    );
}

#[test]
fn half_configured_assume_recommends_the_identity_half_only() {
    let analysis = analyze_source(&format!(
        "{TWO_ACCOUNTS}role break_glass {{ trust {{ role auditor when mfa }} }}\n\
         role auditor in audit {{ trust {{ service ec2 }} }}\n"
    ));
    assert_eq!(
        codes(&analysis),
        vec!["W0110"],
        "{:#?}",
        analysis.diagnostics
    );
    let help = analysis.diagnostics[0].help.clone().unwrap_or_default();
    assert!(
        help.contains("assume break_glass") && help.contains("stays"),
        "{help}"
    );
    // Following the help keeps the author's conditioned entry alone and warns of nothing.
    let fixed = analyze_source(&format!(
        "{TWO_ACCOUNTS}role break_glass {{ trust {{ role auditor when mfa }} }}\n\
         role auditor in audit {{\n  trust {{ service ec2 }}\n  assume break_glass\n}}\n"
    ));
    assert!(codes(&fixed).is_empty(), "{:#?}", fixed.diagnostics);
    let trust = trust_of(&fixed, "break_glass");
    assert_eq!(trust.len(), 1, "{trust:#?}");
    assert!(
        trust[0].contains("aws:MultiFactorAuthPresent"),
        "{trust:#?}"
    );
}

#[test]
fn an_empty_trust_block_is_an_error_unless_an_assume_fills_it() {
    let empty = analyze_source("account prod = \"111111111111\"\nrole nobody { trust { } }\n");
    assert_eq!(codes(&empty), vec!["E0603"], "{:#?}", empty.diagnostics);
    let filled = analyze_source(
        "account prod = \"111111111111\"\nrole target { trust { } }\nuser bob { assume target }\n",
    );
    assert!(
        !codes(&filled).contains(&"E0603"),
        "{:#?}",
        filled.diagnostics
    );
    assert_eq!(trust_of(&filled, "target").len(), 1);
}
