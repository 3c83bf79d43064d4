//! `iamdsl explain` and `iamdsl who-can` on the example, as a user runs them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{json, Value};

const PROD: &str = "111111111111";

fn explain(args: &[&str]) -> Value {
    let mut all = vec!["explain", "examples/platform", "--format", "json"];
    all.extend_from_slice(args);
    let output = iamdsl(&repo_root(), &all);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    serde_json::from_str(&stdout(&output)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&output)))
}

/// The decision, and for each deciding statement its policy and `file:line` in the source.
fn decided(answer: &Value) -> (String, Vec<String>) {
    let statements = answer["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let span = &s["Spans"][0];
            format!(
                "{} @ {}:{}",
                s["Policy"].as_str().unwrap(),
                span["File"]
                    .as_str()
                    .unwrap_or("-")
                    .rsplit('/')
                    .next()
                    .unwrap(),
                span["Line"]
            )
        })
        .collect();
    (answer["decision"].as_str().unwrap().to_string(), statements)
}

fn lambda(name: &str) -> String {
    format!("arn:aws:lambda:eu-west-1:{PROD}:function:{name}")
}

#[test]
fn each_role_is_allowed_denied_explicitly_by_its_boundary_and_implicitly_with_sources() {
    let boundary_allows = "permissions boundary platform_boundary @ policies.iamdsl:9";
    let inline = |role: &str, at: &str| format!("inline policy iamdsl of role {role} @ {at}");
    // (role, action, resource, decision, deciding statements)
    let cases: Vec<(&str, &str, String, &str, Vec<String>)> = vec![
        // Allowed: the role's own statement (or a managed policy), within its boundary.
        (
            "deployer",
            "lambda:UpdateFunctionCode",
            lambda("app-api"),
            "Allow",
            vec![
                inline("deployer", "roles.iamdsl:10"),
                boundary_allows.into(),
            ],
        ),
        (
            "app_runtime",
            "logs:CreateLogGroup",
            format!("arn:aws:logs:eu-west-1:{PROD}:log-group:/aws/lambda/app-api"),
            "Allow",
            vec![
                inline("app_runtime", "policies.iamdsl:20"),
                boundary_allows.into(),
            ],
        ),
        (
            "report_runtime",
            "s3:PutObject",
            "arn:aws:s3:::acme-reports/2026-11.csv".into(),
            "Allow",
            vec![
                inline("report_runtime", "roles.iamdsl:53"),
                boundary_allows.into(),
            ],
        ),
        (
            "orders_task",
            "sqs:SendMessage",
            format!("arn:aws:sqs:eu-west-1:{PROD}:orders-events"),
            "Allow",
            vec![
                inline("orders_task", "ecs.iamdsl:19"),
                boundary_allows.into(),
            ],
        ),
        // A standard-library template: its own file.
        (
            "orders_task_execution",
            "ecr:BatchGetImage",
            format!("arn:aws:ecr:eu-west-1:{PROD}:repository/orders"),
            "Allow",
            vec![
                inline("orders_task_execution", "ecs.iamdsl:8"),
                boundary_allows.into(),
            ],
        ),
        (
            "web",
            "s3:GetObject",
            "arn:aws:s3:::acme-assets/index.html".into(),
            "Allow",
            vec![inline("web", "roles.iamdsl:33"), boundary_allows.into()],
        ),
        (
            "auditor",
            "s3:GetObject",
            "arn:aws:s3:::acme-logs/2026/app.log".into(),
            "Allow",
            vec![
                "managed policy log_reader @ policies.iamdsl:3".into(),
                boundary_allows.into(),
            ],
        ),
        (
            "sandbox_admin",
            "ec2:RunInstances",
            "arn:aws:ec2:eu-west-1:333333333333:instance/*".into(),
            "Allow",
            vec![
                "AWS managed policy AdministratorAccess @ -:null".into(),
                "permissions boundary sandbox_boundary @ sandbox.iamdsl:4".into(),
            ],
        ),
        // Denied by the role's own explicit deny.
        (
            "deployer",
            "s3:GetObject",
            "arn:aws:s3:::acme-confidential/plans.pdf".into(),
            "ExplicitDeny",
            vec![inline("deployer", "roles.iamdsl:14")],
        ),
        // Denied by the boundary: allowed by AdministratorAccess, not by the boundary.
        (
            "sandbox_admin",
            "organizations:ListAccounts",
            "*".into(),
            "ImplicitDeny",
            vec![],
        ),
        // Implicitly denied: nothing allows it.
        (
            "deployer",
            "s3:GetObject",
            "arn:aws:s3:::acme-logs/2026/app.log".into(),
            "ImplicitDeny",
            vec![],
        ),
        (
            "app_runtime",
            "s3:GetObject",
            "arn:aws:s3:::acme-logs/x".into(),
            "ImplicitDeny",
            vec![],
        ),
        (
            "report_runtime",
            "dynamodb:DeleteItem",
            format!("arn:aws:dynamodb:eu-west-1:{PROD}:table/orders"),
            "ImplicitDeny",
            vec![],
        ),
        (
            "orders_task",
            "s3:GetObject",
            "arn:aws:s3:::acme-assets/index.html".into(),
            "ImplicitDeny",
            vec![],
        ),
        (
            "orders_task_execution",
            "dynamodb:GetItem",
            format!("arn:aws:dynamodb:eu-west-1:{PROD}:table/orders"),
            "ImplicitDeny",
            vec![],
        ),
        (
            "web",
            "s3:PutObject",
            "arn:aws:s3:::acme-assets/index.html".into(),
            "ImplicitDeny",
            vec![],
        ),
        (
            "auditor",
            "s3:PutObject",
            "arn:aws:s3:::acme-logs/x".into(),
            "ImplicitDeny",
            vec![],
        ),
        // AdministratorAccess stops at its account: another account's function needs that
        // account's resource policy.
        (
            "sandbox_admin",
            "lambda:UpdateFunctionCode",
            lambda("app-api"),
            "ImplicitDeny",
            vec![],
        ),
    ];
    for (role, action, resource, decision, statements) in cases {
        let answer = explain(&[
            "--principal",
            role,
            "--action",
            action,
            "--resource",
            &resource,
        ]);
        let (found, cited) = decided(&answer);
        assert_eq!(
            (found.as_str(), cited),
            (decision, statements),
            "{role} {action} {resource}"
        );
    }
    // Every role's boundary denies creating identities, explicitly.
    for role in [
        "deployer",
        "app_runtime",
        "report_runtime",
        "orders_task",
        "orders_task_execution",
        "web",
        "auditor",
    ] {
        let answer = explain(&[
            "--principal",
            role,
            "--action",
            "iam:CreateUser",
            "--resource",
            &format!("arn:aws:iam::{PROD}:user/mallory"),
        ]);
        assert_eq!(
            decided(&answer),
            (
                "ExplicitDeny".to_string(),
                vec!["permissions boundary platform_boundary @ policies.iamdsl:10".to_string()]
            ),
            "{role}"
        );
    }
    let answer = explain(&[
        "--principal",
        "sandbox_admin",
        "--action",
        "iam:CreateUser",
        "--resource",
        "arn:aws:iam::333333333333:user/mallory",
    ]);
    assert_eq!(
        decided(&answer),
        (
            "ExplicitDeny".to_string(),
            vec!["permissions boundary sandbox_boundary @ sandbox.iamdsl:5".to_string()]
        )
    );
    let boundary = explain(&[
        "--principal",
        "sandbox_admin",
        "--action",
        "organizations:ListAccounts",
        "--resource",
        "*",
    ]);
    assert_eq!(
        boundary["reason"],
        "the permissions boundary does not allow it"
    );
    // Only an AWS managed policy allows this, and it is evaluated as AWS publishes it: the
    // answer is certain, and its deciding statement is the policy's.
    let answer = explain(&[
        "--principal",
        "auditor",
        "--action",
        "s3:GetBucketPolicy",
        "--resource",
        "arn:aws:s3:::acme-assets",
    ]);
    let (decision, statements) = decided(&answer);
    assert_eq!(decision, "Allow", "{answer:#}");
    assert!(
        statements[0].starts_with("AWS managed policy SecurityAudit @ -"),
        "{statements:?}"
    );
    assert_eq!(answer["unknown_policies"], json!([]), "{answer:#}");
}

/// The example's developers (alice) read through AWS's ReadOnlyAccess, and do not write through
/// it.
#[test]
fn a_developer_reads_through_read_only_access_and_writes_nothing() {
    let ask = |action: &str| {
        explain(&[
            "--principal",
            "alice",
            "--action",
            action,
            "--resource",
            "arn:aws:s3:::acme-assets/report.csv",
        ])
    };
    let read = ask("s3:GetObject");
    let (decision, statements) = decided(&read);
    assert_eq!(decision, "Allow", "{read:#}");
    assert!(
        statements
            .iter()
            .any(|s| s.starts_with("AWS managed policy ReadOnlyAccess")),
        "{statements:?}"
    );
    assert_eq!(read["unknown_policies"], json!([]));
    let write = ask("s3:PutObject");
    assert_eq!(write["decision"], "ImplicitDeny", "{write:#}");
    assert_eq!(write["unknown_policies"], json!([]), "{write:#}");
    // In words, a statement of thousands of actions shows the patterns that decided.
    let output = iamdsl(
        &repo_root(),
        &[
            "explain",
            "examples/platform",
            "--principal",
            "alice",
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::acme-assets/report.csv",
        ],
    );
    let text = stdout(&output);
    assert!(
        text.contains("  allowed by AWS managed policy ReadOnlyAccess:\n    {\"Sid\":\"ReadOnlyActionsGroup2\",\"Effect\":\"Allow\",\"Action\":[\"s3:Get*\",\"… 1406 more\"],\"Resource\":[\"*\"]}\n"),
        "{text}"
    );
}

#[test]
fn assume_role_checks_cover_users_groups_oidc_and_other_accounts() {
    let github = format!("arn:aws:iam::{PROD}:oidc-provider/token.actions.githubusercontent.com");
    let aud = "token.actions.githubusercontent.com:aud=sts.amazonaws.com";
    let main = "token.actions.githubusercontent.com:sub=repo:acme/app:ref:refs/heads/main";
    let branch = "token.actions.githubusercontent.com:sub=repo:acme/app:ref:refs/heads/feature";
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--principal", "alice", "--assume", "deployer"],
            "Allow",
        ),
        (
            vec!["--principal", "dave", "--assume", "deployer"],
            "ImplicitDeny",
        ),
        (
            vec![
                "--principal",
                &github,
                "--assume",
                "deployer",
                "--context",
                aud,
                "--context",
                main,
            ],
            "Allow",
        ),
        (
            vec![
                "--principal",
                &github,
                "--assume",
                "deployer",
                "--context",
                aud,
                "--context",
                branch,
            ],
            "ImplicitDeny",
        ),
        (
            vec![
                "--principal",
                "arn:aws:iam::222222222222:role/scanner",
                "--assume",
                "auditor",
                "--context",
                "sts:ExternalId=acme-audit-7f3c",
            ],
            "Allow",
        ),
        (
            vec![
                "--principal",
                "arn:aws:iam::222222222222:role/scanner",
                "--assume",
                "auditor",
            ],
            "ImplicitDeny",
        ),
        (
            vec![
                "--principal",
                "arn:aws:iam::444444444444:role/scanner",
                "--assume",
                "auditor",
                "--context",
                "sts:ExternalId=acme-audit-7f3c",
            ],
            "ImplicitDeny",
        ),
        (
            vec![
                "--principal",
                "carol",
                "--assume",
                "sandbox_admin",
                "--context",
                "aws:MultiFactorAuthPresent=true",
            ],
            "Allow",
        ),
        (
            vec!["--principal", "carol", "--assume", "sandbox_admin"],
            "ImplicitDeny",
        ),
        (
            vec![
                "--principal",
                "lambda.amazonaws.com",
                "--assume",
                "app_runtime",
            ],
            "Allow",
        ),
        (
            vec!["--principal", "lambda.amazonaws.com", "--assume", "web"],
            "ImplicitDeny",
        ),
    ];
    for (args, decision) in cases {
        let answer = explain(&args);
        assert_eq!(answer["decision"], decision, "{args:?}: {answer}");
    }
    // Both halves: the trust entry and the group's `assume`, where it was written.
    let (_, cited) = decided(&explain(&["--principal", "alice", "--assume", "deployer"]));
    assert_eq!(
        cited,
        vec![
            "trust policy of role deployer @ people.iamdsl:12",
            "inline policy iamdsl of group developers @ people.iamdsl:12"
        ]
    );
    // A group answers for each member.
    let group = explain(&["--principal", "developers", "--assume", "deployer"]);
    assert_eq!(group["principal"], "group developers");
    assert_eq!(group["decision"], "Allow");
    let names: Vec<&str> = group["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["principal"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["user alice", "user bob"]);
}

#[test]
fn a_principal_not_allowed_itself_is_shown_the_chain_that_allows_it() {
    let answer = explain(&[
        "--principal",
        "alice",
        "--action",
        "lambda:UpdateFunctionCode",
        "--resource",
        &lambda("app-api"),
    ]);
    assert_eq!(answer["decision"], "ImplicitDeny");
    assert_eq!(
        answer["chain"],
        serde_json::json!([
            format!("arn:aws:iam::{PROD}:user/alice"),
            format!("arn:aws:iam::{PROD}:role/deployer")
        ])
    );
    let text = iamdsl(
        &repo_root(),
        &[
            "explain",
            "examples/platform",
            "--principal",
            "alice",
            "--action",
            "lambda:UpdateFunctionCode",
            "--resource",
            &lambda("app-api"),
        ],
    );
    assert!(
        stdout(&text).contains("but allowed through assumed roles: user alice -> role deployer"),
        "{}",
        stdout(&text)
    );
}

#[test]
fn who_can_lists_direct_and_chained_principals() {
    let who = |context: &[&str]| {
        let mut args = vec![
            "who-can",
            "examples/platform",
            "--action",
            "lambda:UpdateFunctionCode",
            "--resource",
        ];
        let resource = lambda("app-api");
        args.push(&resource);
        for pair in context {
            args.extend(["--context", pair]);
        }
        let output = iamdsl(&repo_root(), &args);
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output)
    };
    // ReadOnlyAccess and SecurityAudit are evaluated as AWS publishes them: neither lets anyone
    // update a function's code, so nobody is left uncertain.
    assert_eq!(
        who(&[]),
        "user alice -> role deployer\nuser bob -> role deployer\nrole deployer\n"
    );
    // With MFA, the administrators' `* on * when mfa` counts too.
    assert_eq!(
        who(&["aws:MultiFactorAuthPresent=true"]),
        "user alice -> role deployer\nuser bob -> role deployer\nuser carol\nrole deployer\n"
    );
}

#[test]
fn any_action_text_is_answered_without_a_panic() {
    // A multi-byte character where `sts:AssumeRole` would end.
    let answer = explain(&[
        "--principal",
        "alice",
        "--action",
        "sts:AssumeRolé",
        "--resource",
        "arn:aws:iam::111111111111:role/deployer",
    ]);
    assert_eq!(answer["decision"], "ImplicitDeny");
}

#[test]
fn bad_questions_get_clear_errors() {
    let run = |args: &[&str]| iamdsl(&repo_root(), args);
    let unknown = run(&[
        "explain",
        "examples/platform",
        "--principal",
        "deployr",
        "--action",
        "s3:GetObject",
        "--resource",
        "*",
    ]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("no user, group or role `deployr`; did you mean `deployer`?"),
        "{}",
        stderr(&unknown)
    );
    let pair = run(&[
        "explain",
        "examples/platform",
        "--principal",
        "deployer",
        "--action",
        "s3:GetObject",
        "--context",
        "mfa",
    ]);
    assert_eq!(pair.status.code(), Some(2));
    assert!(
        stderr(&pair).contains("is not `key=value`"),
        "{}",
        stderr(&pair)
    );
    let neither = run(&["explain", "examples/platform", "--principal", "deployer"]);
    assert_eq!(neither.status.code(), Some(2));
    let external = run(&[
        "explain",
        "examples/platform",
        "--principal",
        "lambda.amazonaws.com",
        "--action",
        "s3:GetObject",
    ]);
    assert_eq!(external.status.code(), Some(1));
    assert!(
        stderr(&external).contains("only `--assume ROLE` can be asked"),
        "{}",
        stderr(&external)
    );
}

/// A project of one file in a temporary directory.
fn project(source: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.iamdsl"),
        format!("account prod = \"{PROD}\"\n{source}"),
    )
    .unwrap();
    dir
}

#[test]
fn explain_answers_while_errors_are_outside_the_request_and_refuses_when_inside() {
    let dir = project(
        "role reader {\n  trust { service ec2 }\n  allow s3:GetObject on s3.object(\"logs\", \"*\") when mfa\n}\n\
         role other {\n  trust { service ec2 }\n  allow s3:NoSuchAction on s3.bucket(\"x\")\n}\n\
         expect reader can s3:GetObject on s3.object(\"logs\", \"a\")\n",
    );
    let root = dir.path();
    let ask = |principal: &str| {
        iamdsl(
            root,
            &[
                "explain",
                ".",
                "--principal",
                principal,
                "--action",
                "s3:GetObject",
                "--resource",
                "arn:aws:s3:::logs/a",
                "--format",
                "json",
            ],
        )
    };
    // `other` has an error; `reader`'s answer does not read it.
    let output = ask("reader");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("outside what this answer reads"),
        "{}",
        stderr(&output)
    );
    let answer: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(answer["decision"], "ImplicitDeny");
    // The denial names the statement whose condition failed, and the test.
    let unmet = &answer["unmet_conditions"][0];
    assert_eq!(unmet["Key"], "aws:MultiFactorAuthPresent", "{answer:#}");
    assert_eq!(unmet["Operator"], "Bool");
    assert_eq!(unmet["KeyAbsent"], true);
    assert_eq!(unmet["Spans"][0]["Line"], 4, "{answer:#}");
    // In text too.
    let text = iamdsl(
        root,
        &[
            "explain",
            ".",
            "--principal",
            "reader",
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::logs/a",
        ],
    );
    assert!(
        stdout(&text).contains("its condition `Bool aws:MultiFactorAuthPresent` does not hold (the request has no `aws:MultiFactorAuthPresent`)"),
        "{}",
        stdout(&text)
    );
    // Asking about the principal with the error is refused, with the error shown.
    let output = ask("other");
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("E0302"), "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
}

#[test]
fn who_can_names_the_principals_an_unlisted_aws_managed_policy_may_let_in() {
    // An AWS managed policy that iamdsl's data does not list (AWS published it since).
    let dir = project(
        "role reader {\n  trust { service ec2 }\n  allow s3:GetObject on s3.object(\"logs\", \"*\")\n}\n\
         role viewer {\n  trust { service ec2 }\n  attach aws \"arn:aws:iam::aws:policy/ReadOnlyAccessPublishedLater\"\n}\n",
    );
    let args = [
        "who-can",
        ".",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::logs/a",
    ];
    let output = iamdsl(dir.path(), &args);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.lines().any(|l| l == "role reader"), "{text}");
    assert!(
        text.contains("role viewer (unknown: arn:aws:iam::aws:policy/ReadOnlyAccessPublishedLater may allow it: iamdsl does not hold the documents of AWS managed policies)"),
        "{text}"
    );
    assert!(
        stderr(&output).contains("1 more may"),
        "{}",
        stderr(&output)
    );
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let output = iamdsl(dir.path(), &json_args);
    let list: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let viewer = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["principal"] == "role viewer")
        .unwrap_or_else(|| panic!("{list:#}"));
    assert_eq!(viewer["certain"], false);
    assert_eq!(
        viewer["unknown_policies"][0],
        "arn:aws:iam::aws:policy/ReadOnlyAccessPublishedLater"
    );
}

/// Resource policies as `explain` shows them: the audit account's reader is allowed by both
/// halves, each named; without the bucket policy's half it is denied, naming that half; a key
/// whose policy does not delegate to IAM denies what an identity policy alone allows.
#[test]
fn cross_account_and_key_policy_answers_name_both_halves() {
    let object = "arn:aws:s3:::acme-logs/AWSLogs/111111111111/trail.json.gz";
    let answer = explain(&[
        "--principal",
        "log_auditor",
        "--action",
        "s3:GetObject",
        "--resource",
        object,
    ]);
    let (decision, statements) = decided(&answer);
    assert_eq!(decision, "Allow");
    assert_eq!(
        statements,
        vec![
            "inline policy iamdsl of role log_auditor @ resources.iamdsl:31",
            "bucket policy of acme-logs @ resources.iamdsl:31",
        ]
    );

    // The same grant by the bucket's ARN writes only the identity half.
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("platform");
    copy_dir(&repo_root().join("examples/platform"), &project);
    let path = project.join("resources.iamdsl");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace(
            "allow read, list on logs",
            "#[allow(one_sided_grant)]\n    allow read, list on s3.object(log_bucket, \"*\")",
        ),
    )
    .unwrap();
    let output = iamdsl(
        dir.path(),
        &[
            "explain",
            "platform",
            "--principal",
            "log_auditor",
            "--action",
            "s3:GetObject",
            "--resource",
            object,
        ],
    );
    let text = stdout(&output);
    assert!(
        text.starts_with("ImplicitDeny"),
        "{text}{}",
        stderr(&output)
    );
    assert!(
        text.contains("no statement of the bucket policy of acme-logs allows it"),
        "{text}"
    );

    // A key policy that names only its administrator: the application's identity grant alone
    // does not reach the key, within its own account.
    std::fs::create_dir_all(dir.path().join("keys")).unwrap();
    std::fs::write(
        dir.path().join("keys/main.iamdsl"),
        "account prod = \"111111111111\"\n\n\
         role admin { trust { service ec2 } }\n\n\
         #[allow(one_sided_grant)]\n\
         role app {\n  trust { service lambda }\n  allow kms:Decrypt on kms.key(\"0d6f8a52-3c1e-4b7a-9d2f-5e8c1a7b4f30\", region: \"eu-west-1\")\n}\n\n\
         resource key = kms.key(\"0d6f8a52-3c1e-4b7a-9d2f-5e8c1a7b4f30\", region: \"eu-west-1\") {\n  allow kms:* to role admin\n}\n",
    )
    .unwrap();
    let ask = |principal: &str| {
        let output = iamdsl(
            dir.path(),
            &[
                "explain",
                "keys",
                "--principal",
                principal,
                "--action",
                "kms:Decrypt",
                "--resource",
                "arn:aws:kms:eu-west-1:111111111111:key/0d6f8a52-3c1e-4b7a-9d2f-5e8c1a7b4f30",
            ],
        );
        assert!(
            output.status.success() || output.status.code() == Some(1),
            "{}",
            stderr(&output)
        );
        stdout(&output)
    };
    let app = ask("app");
    assert!(app.starts_with("ImplicitDeny"), "{app}");
    assert!(app.contains("key policy of"), "{app}");
    // Its administrator, whom the key policy names, may.
    assert!(ask("admin").starts_with("Allow"), "{}", ask("admin"));
}

/// The organization's SCPs decide, level by level: an OU's deny names the SCP and its OU; the
/// same role in the management account is not affected; `expect` holds over the guardrail.
#[test]
fn explain_names_the_scp_that_denies_and_its_level_and_exempts_the_management_account() {
    let dir = project(
        "account management = \"444444444444\"\n\
         scp deny_leaving {\n  deny organizations:LeaveOrganization on *\n}\n\
         organization acme {\n  management = management\n  ou workloads {\n    attach aws \"FullAWSAccess\"\n    attach deny_leaving\n    account prod\n  }\n}\n\
         role admin in prod {\n  trust { account prod }\n  allow * on *\n}\n\
         role admin_root in management {\n  name = \"admin\"\n  trust { account management }\n  allow * on *\n}\n\
         expect admin cannot organizations:LeaveOrganization on *\n\
         expect admin_root can organizations:LeaveOrganization on *\n",
    );
    let path = dir.path().to_str().unwrap();
    let check = iamdsl(&repo_root(), &["check", path]);
    assert!(check.status.success(), "{}", stderr(&check));
    let ask = |principal: &str| {
        let output = iamdsl(
            &repo_root(),
            &[
                "explain",
                path,
                "--principal",
                principal,
                "--action",
                "organizations:LeaveOrganization",
                "--resource",
                "*",
                "--format",
                "json",
            ],
        );
        assert!(output.status.success(), "{}", stderr(&output));
        serde_json::from_str::<Value>(&stdout(&output)).unwrap()
    };
    let member = ask("arn:aws:iam::111111111111:role/admin");
    assert_eq!(member["decision"], "ExplicitDeny", "{member:#}");
    assert_eq!(
        member["statements"][0]["Policy"], "SCP deny_leaving, attached to the OU workloads",
        "{member:#}"
    );
    let management = ask("arn:aws:iam::444444444444:role/admin");
    assert_eq!(management["decision"], "Allow", "{management:#}");
}
