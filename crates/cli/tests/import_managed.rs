//! `iamdsl import` takes everything AWS stores: AWS's own managed policies (moto's copy of the
//! 1,582 of them, `moto/iam/aws_managed_policies.py`), imported as one account's customer
//! managed policies, are source that `check` accepts and that builds back to the same state.
//! They hold what the typed language refuses and AWS accepts (`ArnLike` on a String key,
//! `StringEquals` on a Bool key, `arn:aws:organizations::*:`): those statements stay
//! `#[verbatim]`, with warnings.
//!
//! moto is installed by `scripts/test.sh` into target/moto-venv; its Python writes the state
//! (`import_managed/state.py`). Without moto the test is skipped with a note, except under CI,
//! where it fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::*;

const ACCOUNT: &str = "111111111111";

/// The Python of moto's virtualenv: beside `IAMDSL_MOTO_SERVER` when that is set (as
/// `scripts/test.sh` does), else the one `scripts/test.sh` installs.
fn moto_python() -> Option<PathBuf> {
    let python = match std::env::var_os("IAMDSL_MOTO_SERVER") {
        Some(server) => PathBuf::from(server).with_file_name("python"),
        None => repo_root().join("target/moto-venv/bin/python"),
    };
    if python.exists() {
        return Some(python);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "moto is required under CI ({} is missing): run ./scripts/test.sh, which installs it",
            python.display()
        );
    }
    eprintln!("note: moto is not installed (./scripts/test.sh installs it); test skipped");
    None
}

#[test]
fn every_aws_managed_policy_imports_checks_and_builds_back_to_the_same_state() {
    let Some(python) = moto_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let script = repo_root().join("crates/cli/tests/import_managed/state.py");
    let written = Command::new(&python)
        .arg(&script)
        .arg(ACCOUNT)
        .arg(&state)
        .output()
        .unwrap();
    assert!(written.status.success(), "{}", stderr(&written));
    let count: usize = stdout(&written).trim().parse().unwrap();
    assert!(count > 1_500, "moto holds {count} managed policies");

    let import = iamdsl(dir.path(), &["import", "state.json", "-o", "imported"]);
    assert!(import.status.success(), "{}", stderr(&import));
    let policies = std::fs::read_to_string(dir.path().join("imported/policies.iamdsl")).unwrap();
    let declared = policies
        .lines()
        .filter(|l| l.starts_with("policy "))
        .count();
    assert_eq!(declared, count);

    // No errors: the quotas the state is over are raised in the imported iamdsl.toml.
    let check = iamdsl(dir.path(), &["check", "imported"]);
    let report = stderr(&check);
    let errors: Vec<&str> = report
        .lines()
        .filter(|l| l.starts_with("error["))
        .filter(|l| !l.starts_with("error[E0501]") && !l.starts_with("error[E0502]"))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // What the typed language refuses is kept, and said: AWS compares by the operator.
    for warning in [
        "warning[W0116]: `ArnLike` on `kms:EncryptionContext:aws:s3:arn`, a String key: AWS compares the key's value as an ARN",
        "warning[W0116]: `StringEquals` on `aws:ViaAWSService`, a Bool key: AWS compares the key's value as a string",
        "warning[W0116]: `arn:aws:organizations::*:`: the resource part is empty; AWS stores it and matches it as written",
    ] {
        assert!(report.contains(warning), "{warning}\n{report}");
    }
    assert!(
        policies.contains("  #[verbatim]\n  allow\n      organizations:DescribeAccount,\n"),
        "the statement with `arn:aws:organizations::*:` stays verbatim"
    );

    let build = iamdsl(dir.path(), &["build", "imported", "-o", "out"]);
    assert!(build.status.success(), "{}", stderr(&build));
    let diff = iamdsl(
        dir.path(),
        &[
            "diff",
            "imported",
            "--deployed",
            "state.json",
            "--exit-code",
        ],
    );
    assert_eq!(
        diff.status.code(),
        Some(0),
        "{}{}",
        stdout(&diff),
        stderr(&diff)
    );
    assert_eq!(stdout(&diff), "0 changes, 0 unmanaged\n");
}

/// A state of one customer managed policy with these statements.
fn one_policy(statements: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [{
            "PolicyName": "copied",
            "Arn": format!("arn:aws:iam::{ACCOUNT}:policy/copied"),
            "Path": "/",
            "DefaultVersionId": "v1",
            "PolicyVersionList": [{
                "Document": {"Version": "2012-10-17", "Statement": statements},
                "VersionId": "v1",
                "IsDefaultVersion": true
            }]
        }]
    })
}

/// What AWS's managed policies hold, without moto: each is kept verbatim with a warning, and
/// a condition on a key the catalog does not know is kept, not dropped.
#[test]
fn statements_the_typed_language_refuses_and_aws_stores_import_verbatim() {
    let dir = tempfile::tempdir().unwrap();
    let state = one_policy(serde_json::json!([
        {
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::exports-*"}}
        },
        {
            "Effect": "Allow",
            "Action": "lakeformation:GetDataAccess",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:ViaAWSService": "true"}}
        },
        {
            "Effect": "Allow",
            "Action": "organizations:DescribeOrganization",
            "Resource": "arn:aws:organizations::*:"
        },
        {
            "Effect": "Deny",
            "Action": "s3:PutObject",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "False"}}
        },
        {
            "Effect": "Deny",
            "Action": "s3:DeleteBucket",
            "Resource": "*",
            "Condition": {"Null": {"retiredsvc:Token": "true"}}
        }
    ]));
    std::fs::write(dir.path().join("state.json"), state.to_string()).unwrap();
    let import = iamdsl(dir.path(), &["import", "state.json", "-o", "imported"]);
    assert!(import.status.success(), "{}", stderr(&import));
    let policies = std::fs::read_to_string(dir.path().join("imported/policies.iamdsl")).unwrap();
    assert_eq!(policies.matches("#[verbatim]").count(), 5, "{policies}");

    let check = iamdsl(dir.path(), &["check", "imported"]);
    let report = stderr(&check);
    assert!(check.status.success(), "{report}");
    assert_eq!(report.matches("warning[W0116]").count(), 4, "{report}");
    assert!(
        report.contains(
            "warning[W0116]: `Bool` takes `true` or `false`, not `False`: AWS stores it as written"
        ),
        "{report}"
    );
    assert!(
        report.contains("warning[W0114]: unknown condition key `retiredsvc:Token`"),
        "{report}"
    );
    let diff = iamdsl(
        dir.path(),
        &[
            "diff",
            "imported",
            "--deployed",
            "state.json",
            "--exit-code",
        ],
    );
    assert_eq!(
        stdout(&diff),
        "0 changes, 0 unmanaged\n",
        "{}",
        stderr(&diff)
    );
}

/// What AWS refuses stays an error that says where and why.
#[test]
fn an_arn_aws_refuses_is_an_error_naming_the_policy_and_the_arn() {
    let dir = tempfile::tempdir().unwrap();
    let state = one_policy(serde_json::json!([
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:exports/*"}
    ]));
    std::fs::write(dir.path().join("state.json"), state.to_string()).unwrap();
    let import = iamdsl(dir.path(), &["import", "state.json", "-o", "imported"]);
    assert!(!import.status.success());
    assert!(
        stderr(&import).contains(
            "policy copied: E0401: `arn:aws:s3:exports/*` is not a valid ARN: an ARN has six parts separated by `:`"
        ),
        "{}",
        stderr(&import)
    );
    assert!(!dir.path().join("imported").exists());
}

/// A `#[verbatim]` test of a key the catalog does not know is built as written: dropping it
/// (as lowering once did, with only a warning) would widen the allow to every request.
#[test]
fn a_verbatim_condition_on_an_uncatalogued_key_is_built_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("p")).unwrap();
    std::fs::write(
        dir.path().join("p/main.iamdsl"),
        "account prod = \"111111111111\"\n\n#[allow(unused)]\npolicy legacy {\n  #[verbatim]\n  allow s3:GetObject on arn(\"arn:aws:s3:::acme/*\") when StringEquals(retiredsvc:Token, \"x\")\n}\n",
    )
    .unwrap();
    let build = iamdsl(dir.path(), &["build", "p", "-o", "out"]);
    assert!(build.status.success(), "{}", stderr(&build));
    let built: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/account-authorization-details.json"))
            .unwrap(),
    )
    .unwrap();
    let statement = &built["Policies"][0]["PolicyVersionList"][0]["Document"]["Statement"][0];
    assert_eq!(
        statement["Condition"],
        serde_json::json!({"StringEquals": {"retiredsvc:Token": ["x"]}}),
        "{statement}"
    );
}
