//! `iamdsl import`: source for deployed state that builds back to it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod handmade;

use std::path::Path;

use common::*;
use serde_json::Value;

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

/// `import STATE -o imported`, then `check` and `diff --exit-code` of the result against STATE,
/// which must report `unmanaged` (what import leaves to AWS) and nothing else.
/// Returns the output of import and of check.
fn round_trip(
    dir: &Path,
    state: &str,
    unmanaged: &str,
) -> (std::process::Output, std::process::Output) {
    round_trip_with(dir, state, unmanaged, &[])
}

/// [`round_trip`], with more arguments for `import`.
fn round_trip_with(
    dir: &Path,
    state: &str,
    unmanaged: &str,
    flags: &[&str],
) -> (std::process::Output, std::process::Output) {
    let mut args = vec!["import", state, "-o", "imported"];
    args.extend_from_slice(flags);
    let import = iamdsl(dir, &args);
    assert!(import.status.success(), "{}", stderr(&import));
    let check = iamdsl(dir, &["check", "imported"]);
    assert!(
        check.status.success(),
        "{}{}",
        stdout(&check),
        stderr(&check)
    );
    let diff = iamdsl(
        dir,
        &["diff", "imported", "--deployed", state, "--exit-code"],
    );
    assert_eq!(
        diff.status.code(),
        Some(0),
        "{}{}",
        stdout(&diff),
        stderr(&diff)
    );
    assert_eq!(stdout(&diff), unmanaged);
    (import, check)
}

/// A copy of the example in `platform/`, built into `out/`.
fn example_built() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &repo_root().join("examples/platform"),
        &dir.path().join("platform"),
    );
    let build = iamdsl(dir.path(), &["build", "platform", "-o", "out"]);
    assert!(build.status.success(), "{}", stderr(&build));
    dir
}

#[test]
fn the_example_imports_and_builds_back_to_the_same_bytes() {
    let dir = example_built();
    let (_, check) = round_trip(
        dir.path(),
        "out/prod/account-authorization-details.json",
        "0 changes, 0 unmanaged\n",
    );
    // The source's `#[allow(wildcard_action)]` is not in deployed state: the lint speaks again.
    assert!(
        stderr(&check).contains("0 errors, 1 warning"),
        "{}",
        stderr(&check)
    );

    // import(build(p)) builds to the same bytes.
    let rebuild = iamdsl(dir.path(), &["build", "imported", "-o", "rebuilt"]);
    assert!(rebuild.status.success(), "{}", stderr(&rebuild));
    assert_eq!(
        std::fs::read_to_string(
            dir.path()
                .join("rebuilt/account-authorization-details.json")
        )
        .unwrap(),
        std::fs::read_to_string(
            dir.path()
                .join("out/prod/account-authorization-details.json")
        )
        .unwrap()
    );
    // Action sets that are an intent's expansion become the intent.
    let policies = std::fs::read_to_string(dir.path().join("imported/policies.iamdsl")).unwrap();
    assert!(
        policies.contains("allow list, read on s3.bucket(\"acme-logs\")"),
        "{policies}"
    );
    insta::assert_snapshot!(
        "import_example_roles",
        std::fs::read_to_string(dir.path().join("imported/roles.iamdsl")).unwrap()
    );
}

#[test]
fn a_hand_made_state_of_60_roles_round_trips() {
    for raw in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        write_json(&dir.path().join("state.json"), &handmade::state(raw));
        let (_, check) = round_trip(
            dir.path(),
            "state.json",
            "role AWSServiceRoleForElasticLoadBalancing: unmanaged\n0 changes, 1 unmanaged\n",
        );
        // Retired actions are kept, and check warns about them instead of failing.
        let warnings = stderr(&check);
        assert!(
            warnings.contains("warning[W0114]: unknown service `retiredsvc`"),
            "{warnings}"
        );
        assert!(
            warnings.contains("warning[W0114]: unknown action `s3:GetObjectRetired`"),
            "{warnings}"
        );
        assert!(warnings.contains(" 0 errors,"), "{warnings}");

        let imported =
            |file: &str| std::fs::read_to_string(dir.path().join("imported").join(file)).unwrap();
        let roles = imported("roles.iamdsl");
        assert_eq!(roles.matches("\nrole ").count() + 1, handmade::ROLES);
        assert!(
            !roles.contains("AWSServiceRoleForElasticLoadBalancing"),
            "service-linked roles are AWS's"
        );
        assert!(
            roles.contains("  #[verbatim]\n"),
            "statements that pair actions with resources they do not apply to stay verbatim"
        );
        assert!(
            roles.contains("allow list on s3.bucket(\"acme-data-0\")"),
            "{roles}"
        );
        assert!(roles.contains("oidc \"token.actions.githubusercontent.com\""));
        assert!(roles.contains("saml \"arn:aws:iam::444455556666:saml-provider/okta\""));
        assert!(roles.contains("boundary workload-boundary"));
        let users = imported("users.iamdsl");
        assert!(users.contains("name = \"ci.bot@acme\""), "{users}");
        let policies = imported("policies.iamdsl");
        assert!(
            policies.contains("* except account:*, iam:*, organizations:*"),
            "{policies}"
        );
        assert!(
            !policies.contains("ReadOnlyAccess"),
            "AWS managed policies are references"
        );
        // How it reads: the users, the policies and the first roles, one of each kind of trust.
        if !raw {
            let first_roles: String = roles.split("\n\n").take(4).collect::<Vec<_>>().join("\n\n");
            insta::assert_snapshot!(
                "import_hand_made_state",
                format!("// users.iamdsl\n{users}\n// policies.iamdsl\n{policies}\n// roles.iamdsl (the first four)\n{first_roles}\n")
            );
        }
    }
}

#[test]
fn a_state_over_the_default_quotas_is_imported_as_it_is_and_the_quotas_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = handmade::state(false);
    let role = &mut state["RoleDetailList"][1];
    // AWS raises these two on request (Service Quotas): 12 policies attached, a 3,000-character trust policy.
    let attached: Vec<Value> = [
        "AmazonEC2ReadOnlyAccess", "AmazonS3ReadOnlyAccess", "AmazonRDSReadOnlyAccess",
        "AmazonDynamoDBReadOnlyAccess", "AmazonSQSReadOnlyAccess", "AmazonSNSReadOnlyAccess",
        "AWSLambda_ReadOnlyAccess", "CloudWatchReadOnlyAccess", "AmazonECS_FullAccess",
        "AmazonRoute53ReadOnlyAccess", "IAMReadOnlyAccess", "ReadOnlyAccess",
    ]
    .iter()
    .map(|name| serde_json::json!({"PolicyName": name, "PolicyArn": format!("arn:aws:iam::aws:policy/{name}")}))
    .collect();
    role["AttachedManagedPolicies"] = Value::Array(attached);
    let accounts: Vec<String> = (0..100)
        .map(|i| format!("arn:aws:iam::{:012}:root", 200_000_000_000u64 + i))
        .collect();
    role["AssumeRolePolicyDocument"] = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": accounts}, "Action": "sts:AssumeRole",
         "Condition": {"StringEquals": {"sts:ExternalId": "partner"}}}]});
    write_json(&dir.path().join("state.json"), &state);
    let (import, _) = round_trip(
        dir.path(),
        "state.json",
        "role AWSServiceRoleForElasticLoadBalancing: unmanaged\n0 changes, 1 unmanaged\n",
    );
    let report = stderr(&import);
    assert!(
        report.contains("warning: over AWS's default quota, imported as it is: role `workload-01` has 12 managed policies attached, over the quota of 10"),
        "{report}"
    );
    assert!(
        report.contains("imported as it is: the trust policy of role `workload-01` is 3"),
        "{report}"
    );
    let manifest = std::fs::read_to_string(dir.path().join("imported/iamdsl.toml")).unwrap();
    assert!(
        manifest.contains("[quotas]\nrole_inline_size")
            || manifest.contains("[quotas]\ntrust_policy_size"),
        "{manifest}"
    );
    assert!(
        manifest.contains("\nrole_managed_policies = 12\n"),
        "{manifest}"
    );
    assert!(
        !manifest.contains("managed_policy_size"),
        "only what is over is raised: {manifest}"
    );

    // Without the raised quotas, check holds the project to AWS's defaults again.
    let lowered = manifest[..manifest.find("[quotas]").unwrap()].to_string();
    std::fs::write(dir.path().join("imported/iamdsl.toml"), lowered).unwrap();
    let check = iamdsl(dir.path(), &["check", "imported"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        stderr(&check).contains("error[E0502]"),
        "{}",
        stderr(&check)
    );
    assert!(
        stderr(&check).contains("error[E0501]"),
        "{}",
        stderr(&check)
    );
}

#[test]
fn import_refuses_a_directory_with_sources_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    write_json(&dir.path().join("state.json"), &handmade::state(false));
    std::fs::create_dir(dir.path().join("existing")).unwrap();
    std::fs::write(dir.path().join("existing/keep.iamdsl"), "// mine\n").unwrap();
    let output = iamdsl(dir.path(), &["import", "state.json", "-o", "existing"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("already holds .iamdsl files"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("existing/keep.iamdsl")).unwrap(),
        "// mine\n"
    );

    std::fs::write(dir.path().join("bad.json"), "{\"RoleDetailList\": 3}").unwrap();
    let output = iamdsl(dir.path(), &["import", "bad.json", "-o", "new"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("RoleDetailList: expected a list"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("new").exists());

    // A trust policy naming a deleted principal cannot be written as source: an error that
    // says which role and why, and nothing written.
    let mut state = handmade::state(false);
    state["RoleDetailList"][0]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] =
        serde_json::json!({"AWS": "AROAEXAMPLEEXAMPLE01"});
    write_json(&dir.path().join("dangling.json"), &state);
    let output = iamdsl(dir.path(), &["import", "dangling.json", "-o", "new"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("role workload-00: trust: the trusted principal `AROAEXAMPLEEXAMPLE01` has no source form"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("new").exists());
}

/// `--account-name NAME=ID` names the imported accounts; what names nothing of the state, or is
/// not a name or an id, is refused and nothing is written.
#[test]
fn accounts_are_named_from_the_command_line() {
    let dir = example_built();
    let state = "out/prod/account-authorization-details.json";
    // Named, it still builds back to the state.
    round_trip_with(
        dir.path(),
        state,
        "0 changes, 0 unmanaged\n",
        &["--account-name", "production=111111111111"],
    );
    let accounts = std::fs::read_to_string(dir.path().join("imported/accounts.iamdsl")).unwrap();
    assert!(
        accounts.contains("account production = \"111111111111\""),
        "{accounts}"
    );

    let unknown = iamdsl(
        dir.path(),
        &[
            "import",
            state,
            "-o",
            "unknown",
            "--account-name",
            "audit=222222222222",
        ],
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown)
            .contains("the state holds no account 222222222222 (it holds 111111111111)"),
        "{}",
        stderr(&unknown)
    );
    assert!(!dir.path().join("unknown").exists());
    for bad in ["allow=111111111111", "prod=1111", "prod"] {
        let refused = iamdsl(
            dir.path(),
            &["import", state, "-o", "bad", "--account-name", bad],
        );
        assert!(!refused.status.success(), "{bad}");
        assert!(
            stderr(&refused).contains("--account-name"),
            "{}",
            stderr(&refused)
        );
        assert!(!dir.path().join("bad").exists());
    }
}

/// The example's three accounts, built and imported together: the bucket policy's statement
/// for the audit account's role (written from `allow read, list on logs`) comes back as the
/// statement a person writes, naming the role, and each account builds back to its state.
#[test]
fn the_examples_accounts_import_into_one_project() {
    let dir = example_built();
    let states: Vec<String> = ["prod", "audit", "sandbox"]
        .iter()
        .map(|account| format!("out/{account}/account-authorization-details.json"))
        .collect();
    let mut args = vec!["import"];
    args.extend(states.iter().map(String::as_str));
    args.extend([
        "-o",
        "imported",
        "--account-name",
        "prod=111111111111",
        "--account-name",
        "audit=222222222222",
        "--account-name",
        "sandbox=333333333333",
    ]);
    let import = iamdsl(dir.path(), &args);
    assert!(import.status.success(), "{}", stderr(&import));
    let check = iamdsl(dir.path(), &["check", "imported"]);
    assert!(check.status.success(), "{}", stderr(&check));
    for state in &states {
        let diff = iamdsl(
            dir.path(),
            &["diff", "imported", "--deployed", state, "--exit-code"],
        );
        assert_eq!(stdout(&diff), "0 changes, 0 unmanaged\n", "{state}");
    }
    let resources = std::fs::read_to_string(dir.path().join("imported/resources.iamdsl")).unwrap();
    assert!(
        resources.contains(
            "resource acme-logs in prod = s3.bucket(\"acme-logs\") {\n  allow list, read to role log_auditor\n"
        ),
        "{resources}"
    );
    let roles = std::fs::read_to_string(dir.path().join("imported/roles.iamdsl")).unwrap();
    assert!(roles.contains("role log_auditor in audit {"), "{roles}");
}

/// cloudsplaining's example account: `IAMDSL_CLOUDSPLAINING_EXAMPLE`, else where
/// scripts/test.sh fetches it. `None` (with a note) when it is absent and this is not CI.
fn cloudsplaining_example() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("IAMDSL_CLOUDSPLAINING_EXAMPLE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            repo_root().join("target/cloudsplaining-0.9.1/example-authz-details.json")
        });
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("cloudsplaining's example account is required under CI: run ./scripts/test.sh, which fetches it");
    }
    eprintln!("note: cloudsplaining's example account is not fetched (./scripts/test.sh does it); test skipped");
    None
}

#[test]
fn cloudsplainings_example_account_imports_and_reads_as_the_language() {
    let Some(example) = cloudsplaining_example() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&example, dir.path().join("example.json")).unwrap();
    // Its AWS managed policies and service-linked roles are AWS's: unmanaged, never imported.
    let (_, check) = round_trip(dir.path(), "example.json", "0 changes, 0 unmanaged\n");
    assert!(stderr(&check).contains("0 errors"), "{}", stderr(&check));
    let mut source = String::new();
    for file in [
        "groups.iamdsl",
        "users.iamdsl",
        "roles.iamdsl",
        "policies.iamdsl",
    ] {
        let text = std::fs::read_to_string(dir.path().join("imported").join(file)).unwrap();
        source.push_str(&format!("// {file}\n{text}\n"));
    }
    insta::assert_snapshot!("import_cloudsplaining_example", source);
}
