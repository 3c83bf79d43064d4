//! `iamdsl explain` and `iamdsl who-can` on the example, as a user runs them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::Value;

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
    let log_group = format!("arn:aws:logs:eu-west-1:{PROD}:log-group:/aws/lambda/app-api");
    let queue = format!("arn:aws:sqs:eu-west-1:{PROD}:orders-events");
    let repository = format!("arn:aws:ecr:eu-west-1:{PROD}:repository/orders");
    let table = format!("arn:aws:dynamodb:eu-west-1:{PROD}:table/orders");
    // (role, action, resource, decision, deciding statements)
    let cases: Vec<(&str, &str, String, &str, Vec<&str>)> = vec![
        // deployer: its own deny, its boundary's deny, nothing that allows.
        (
            "deployer",
            "lambda:UpdateFunctionCode",
            lambda("app-api"),
            "Allow",
            vec![
                "inline policy iamdsl of role deployer @ roles.iamdsl:10",
                "permissions boundary platform_boundary @ policies.iamdsl:9",
            ],
        ),
        (
            "deployer",
            "s3:GetObject",
            "arn:aws:s3:::acme-confidential/plans.pdf".into(),
            "ExplicitDeny",
            vec!["inline policy iamdsl of role deployer @ roles.iamdsl:14"],
        ),
        (
            "deployer",
            "iam:CreateUser",
            format!("arn:aws:iam::{PROD}:user/mallory"),
            "ExplicitDeny",
            vec!["permissions boundary platform_boundary @ policies.iamdsl:10"],
        ),
        (
            "deployer",
            "s3:GetObject",
            "arn:aws:s3:::acme-logs/2026/app.log".into(),
            "ImplicitDeny",
            vec![],
        ),
        // app_runtime and report_runtime: logs through a template; the boundary denies identity admin.
        (
            "app_runtime",
            "logs:CreateLogGroup",
            log_group,
            "Allow",
            vec![
                "inline policy iamdsl of role app_runtime @ policies.iamdsl:16",
                "permissions boundary platform_boundary @ policies.iamdsl:9",
            ],
        ),
        (
            "app_runtime",
            "iam:CreateAccessKey",
            format!("arn:aws:iam::{PROD}:user/alice"),
            "ExplicitDeny",
            vec!["permissions boundary platform_boundary @ policies.iamdsl:10"],
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
            "s3:PutObject",
            "arn:aws:s3:::acme-reports/2026-11.csv".into(),
            "Allow",
            vec![
                "inline policy iamdsl of role report_runtime @ roles.iamdsl:47",
                "permissions boundary platform_boundary @ policies.iamdsl:9",
            ],
        ),
        (
            "report_runtime",
            "organizations:ListAccounts",
            "*".into(),
            "ExplicitDeny",
            vec!["permissions boundary platform_boundary @ policies.iamdsl:10"],
        ),
        (
            "report_runtime",
            "dynamodb:DeleteItem",
            table.clone(),
            "ImplicitDeny",
            vec![],
        ),
        (
            "orders_task",
            "sqs:SendMessage",
            queue,
            "Allow",
            vec![
                "inline policy iamdsl of role orders_task @ ecs.iamdsl:16",
                "permissions boundary platform_boundary @ policies.iamdsl:9",
            ],
        ),
        (
            "orders_task",
            "account:GetAccountInformation",
            "*".into(),
            "ExplicitDeny",
            vec!["permissions boundary platform_boundary @ policies.iamdsl:10"],
        ),
        (
            "orders_task",
            "s3:GetObject",
            "arn:aws:s3:::acme-assets/index.html".into(),
            "ImplicitDeny",
            vec![],
        ),
        // Roles without a boundary or a deny: allowed and implicitly denied.
        (
            "orders_task_execution",
            "ecr:BatchGetImage",
            repository,
            "Allow",
            vec!["inline policy iamdsl of role orders_task_execution @ ecs.iamdsl:8"],
        ),
        (
            "orders_task_execution",
            "dynamodb:GetItem",
            table,
            "ImplicitDeny",
            vec![],
        ),
        (
            "web",
            "s3:GetObject",
            "arn:aws:s3:::acme-assets/index.html".into(),
            "Allow",
            vec!["inline policy iamdsl of role web @ roles.iamdsl:30"],
        ),
        (
            "web",
            "s3:PutObject",
            "arn:aws:s3:::acme-assets/index.html".into(),
            "ImplicitDeny",
            vec![],
        ),
        // AdministratorAccess: anything in its own account, nothing in another one.
        (
            "sandbox_admin",
            "ec2:RunInstances",
            "arn:aws:ec2:eu-west-1:333333333333:instance/*".into(),
            "Allow",
            vec!["AWS managed policy AdministratorAccess @ -:null"],
        ),
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
            (
                found.as_str(),
                cited.iter().map(String::as_str).collect::<Vec<_>>()
            ),
            (decision, statements),
            "{role} {action} {resource}"
        );
    }
    // The auditor has only an AWS managed policy: the answer says what it cannot see.
    let answer = explain(&[
        "--principal",
        "auditor",
        "--action",
        "s3:GetBucketPolicy",
        "--resource",
        "arn:aws:s3:::acme-logs",
    ]);
    assert_eq!(answer["decision"], "ImplicitDeny");
    assert_eq!(
        answer["unknown_policies"][0],
        "arn:aws:iam::aws:policy/SecurityAudit"
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
