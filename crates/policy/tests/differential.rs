//! The evaluator against an independent one: npm `@cloud-copilot/iam-simulate` (installed by
//! scripts/test.sh into tests/differential, run by `simulate.mjs` there) decides the same
//! generated requests. Any disagreement fails, except the documented ones below.
//!
//! Documented exceptions, by construction of the generator rather than by filtering results:
//! - a plain (not `ForAnyValue`/`ForAllValues`) operator on a multivalued key: iam-simulate
//!   never matches it, iamdsl matches any value; the checker warns about it (W0111), and the
//!   generator does not write it;
//! - service-specific condition keys: iam-simulate drops those that do not apply to the action,
//!   iamdsl reads what the request says; the generator uses global keys only;
//! - a policy variable without a value in `NotResource`: AWS documents what such a variable
//!   does in `Resource` (the entry matches nothing), not in `NotResource`. iamdsl reads it the
//!   same way there (the entry excludes nothing); iam-simulate excludes resources of the
//!   entry's type. The generator writes variables in `Resource` only.
//!
//! The second test generates resource policies in and across accounts (bucket, key and queue
//! policies naming the caller, its role, its account, another account, anyone; with and without
//! each half; denies; KMS key policies with and without the statement that delegates to IAM),
//! as the access layer evaluates them: the resource's owner is the request's resource account,
//! and a key policy must allow even within its account.
//!
//! The third generates the organization's SCPs and RCPs on one to three levels each (the
//! path from the root to a member account): `FullAWSAccess`, allows of some services only,
//! denies with and without conditions, and RCP perimeters that deny callers outside the
//! organization's accounts; each level must allow, a deny at any level decides
//! (Organizations User Guide, "SCP evaluation", "Resource control policies").
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

mod common;

use common::{decide_by_level, Ask};
use iamdsl_policy::eval::{Context, PolicyKind, Quantifier};
use iamdsl_policy::organization::{aws_managed_org_policy, OrgPolicyKind};
use iamdsl_policy::reader::read_policy;
use serde_json::{json, Value};

const CASES: usize = 600;
const RESOURCE_CASES: usize = 600;
const ORGANIZATION_CASES: usize = 600;
const ACCOUNT: &str = "111111111111";
const OTHER: &str = "222222222222";

/// A small deterministic generator: the same cases on every machine and run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// (action, a resource it applies to, the resource's account)
const REQUESTS: &[(&str, &str, Option<&str>)] = &[
    ("s3:GetObject", "arn:aws:s3:::data/reports/q3.csv", None),
    ("s3:GetObject", "arn:aws:s3:::secret/key.pem", None),
    ("s3:PutObject", "arn:aws:s3:::data/uploads/new.bin", None),
    ("s3:DeleteObject", "arn:aws:s3:::data/reports/q3.csv", None),
    ("s3:ListBucket", "arn:aws:s3:::data", None),
    ("s3:ListAllMyBuckets", "*", None),
    (
        "dynamodb:GetItem",
        "arn:aws:dynamodb:eu-west-1:111111111111:table/orders",
        Some(ACCOUNT),
    ),
    (
        "dynamodb:DeleteItem",
        "arn:aws:dynamodb:eu-west-1:111111111111:table/orders",
        Some(ACCOUNT),
    ),
    (
        "sqs:SendMessage",
        "arn:aws:sqs:eu-west-1:111111111111:jobs",
        Some(ACCOUNT),
    ),
    (
        "sqs:SendMessage",
        "arn:aws:sqs:eu-west-1:222222222222:jobs",
        Some(OTHER),
    ),
    (
        "iam:CreateUser",
        "arn:aws:iam::111111111111:user/mallory",
        Some(ACCOUNT),
    ),
    (
        "iam:CreateAccessKey",
        "arn:aws:iam::111111111111:user/alice",
        Some(ACCOUNT),
    ),
    ("ec2:DescribeInstances", "*", None),
];

const ACTION_PATTERNS: &[&str] = &[
    "s3:GetObject",
    "s3:Get*",
    "s3:*Object",
    "s3:*",
    "S3:getobject",
    "s3:?utObject",
    "*",
    "dynamodb:*",
    "dynamodb:GetItem",
    "sqs:SendMessage",
    "iam:Create*",
    "iam:*",
    "ec2:Describe*",
    "s3:ListAllMyBuckets",
    "s3:ListBucket",
];

const RESOURCE_PATTERNS: &[&str] = &[
    "*",
    "arn:aws:s3:::data/*",
    "arn:aws:s3:::data",
    "arn:aws:s3:::data/reports/*",
    "arn:aws:s3:::secret/*",
    "arn:aws:s3:::*",
    "arn:aws:s3:::data/*/q?.csv",
    "arn:aws:dynamodb:*:111111111111:table/*",
    "arn:aws:dynamodb:eu-west-1:111111111111:table/orders",
    "arn:aws:sqs:*:*:jobs",
    "arn:aws:iam::111111111111:user/*",
    "arn:aws:iam::111111111111:user/${aws:username}",
];

/// (operator, key, policy values): global keys only.
fn condition(rng: &mut Rng) -> Value {
    let choices: Vec<(&str, &str, Value)> = vec![
        ("Bool", "aws:MultiFactorAuthPresent", json!("true")),
        ("BoolIfExists", "aws:MultiFactorAuthPresent", json!("true")),
        ("Bool", "aws:SecureTransport", json!(false)),
        ("StringEquals", "aws:username", json!(["alice", "bob"])),
        ("StringNotEquals", "aws:username", json!("bob")),
        (
            "StringEqualsIgnoreCase",
            "aws:PrincipalTag/team",
            json!("Platform"),
        ),
        ("StringLike", "aws:PrincipalTag/team", json!("plat*")),
        (
            "StringNotLike",
            "aws:PrincipalTag/team",
            json!(["sec*", "aud?t"]),
        ),
        (
            "StringEqualsIfExists",
            "aws:PrincipalTag/team",
            json!("platform"),
        ),
        (
            "IpAddress",
            "aws:SourceIp",
            json!(["192.0.2.0/24", "2001:db8::/32"]),
        ),
        ("NotIpAddress", "aws:SourceIp", json!("198.51.100.0/24")),
        ("NumericLessThan", "aws:MultiFactorAuthAge", json!("3600")),
        (
            "NumericGreaterThanEquals",
            "aws:MultiFactorAuthAge",
            json!(600),
        ),
        ("NumericNotEquals", "aws:MultiFactorAuthAge", json!("0")),
        (
            "DateLessThan",
            "aws:CurrentTime",
            json!("2027-01-01T00:00:00Z"),
        ),
        ("DateGreaterThan", "aws:CurrentTime", json!("2026-06-01")),
        ("DateNotEquals", "aws:EpochTime", json!("1700000000")),
        (
            "ArnLike",
            "aws:PrincipalArn",
            json!("arn:aws:iam::111111111111:user/*"),
        ),
        (
            "ArnNotEquals",
            "aws:PrincipalArn",
            json!("arn:aws:iam::111111111111:user/bob"),
        ),
        (
            "ArnEquals",
            "aws:SourceArn",
            json!("arn:aws:sns:eu-west-1:111111111111:alerts"),
        ),
        ("Null", "aws:PrincipalTag/team", json!("false")),
        ("Null", "aws:SourceIp", json!("true")),
        (
            "ForAnyValue:StringEquals",
            "aws:CalledVia",
            json!(["cloudformation.amazonaws.com"]),
        ),
        (
            "ForAllValues:StringEquals",
            "aws:CalledVia",
            json!(["cloudformation.amazonaws.com", "athena.amazonaws.com"]),
        ),
        (
            "ForAnyValue:StringLike",
            "aws:CalledVia",
            json!("*.amazonaws.com"),
        ),
        (
            "ForAllValues:StringNotEquals",
            "aws:CalledVia",
            json!("dataexchange.amazonaws.com"),
        ),
    ];
    let mut block = serde_json::Map::new();
    for _ in 0..=rng.below(2) {
        let (operator, key, values) = rng.pick(&choices).clone();
        block
            .entry(operator.to_string())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .unwrap()
            .insert(key.to_string(), values);
    }
    Value::Object(block)
}

fn statement(rng: &mut Rng, resource_policy: bool, principal_account: &str) -> Value {
    let mut s = serde_json::Map::new();
    s.insert(
        "Effect".into(),
        json!(if rng.chance(25) { "Deny" } else { "Allow" }),
    );
    let actions: Vec<&str> = (0..=rng.below(2))
        .map(|_| *rng.pick(ACTION_PATTERNS))
        .collect();
    s.insert(
        if rng.chance(12) {
            "NotAction"
        } else {
            "Action"
        }
        .into(),
        json!(actions),
    );
    let not_resource = rng.chance(10);
    let resources: Vec<&str> = (0..=rng.below(2))
        .map(|_| *rng.pick(RESOURCE_PATTERNS))
        .filter(|r| !(not_resource && r.contains("${")))
        .collect();
    if !resources.is_empty() {
        s.insert(
            if not_resource {
                "NotResource"
            } else {
                "Resource"
            }
            .into(),
            json!(resources),
        );
    } else {
        s.insert("Resource".into(), json!("*"));
    }
    if resource_policy {
        let principals = [
            format!("arn:aws:iam::{principal_account}:user/alice"),
            format!("arn:aws:iam::{principal_account}:root"),
            "arn:aws:iam::333333333333:root".to_string(),
            format!("arn:aws:iam::{principal_account}:role/worker"),
        ];
        s.insert("Principal".into(), json!({"AWS": rng.pick(&principals)}));
    }
    if rng.chance(45) {
        s.insert("Condition".into(), condition(rng));
    }
    Value::Object(s)
}

fn policy(rng: &mut Rng, resource_policy: bool, principal_account: &str) -> Value {
    let statements: Vec<Value> = (0..=rng.below(3))
        .map(|_| statement(rng, resource_policy, principal_account))
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn context(rng: &mut Rng, principal: &str) -> Value {
    let mut c = serde_json::Map::new();
    // iam-simulate fills in nothing from the principal: the request says it.
    c.insert("aws:PrincipalArn".into(), json!(principal));
    if let Some(name) = principal.strip_prefix("arn:aws:iam::111111111111:user/") {
        c.insert("aws:username".into(), json!(name));
    }
    let optional: Vec<(&str, Vec<Value>)> = vec![
        (
            "aws:MultiFactorAuthPresent",
            vec![json!("true"), json!("false")],
        ),
        ("aws:SecureTransport", vec![json!("true"), json!("false")]),
        (
            "aws:PrincipalTag/team",
            vec![json!("platform"), json!("Platform"), json!("security")],
        ),
        (
            "aws:SourceIp",
            vec![
                json!("192.0.2.10"),
                json!("198.51.100.7"),
                json!("2001:db8::5"),
            ],
        ),
        (
            "aws:MultiFactorAuthAge",
            vec![json!("120"), json!("900"), json!("7200")],
        ),
        (
            "aws:CurrentTime",
            vec![json!("2026-11-22T09:00:00Z"), json!("2027-03-01T00:00:00Z")],
        ),
        (
            "aws:EpochTime",
            vec![json!("1700000000"), json!("1800000000")],
        ),
        (
            "aws:SourceArn",
            vec![json!("arn:aws:sns:eu-west-1:111111111111:alerts")],
        ),
        (
            "aws:CalledVia",
            vec![
                json!(["cloudformation.amazonaws.com"]),
                json!(["cloudformation.amazonaws.com", "dataexchange.amazonaws.com"]),
            ],
        ),
    ];
    for (key, values) in optional {
        if rng.chance(50) {
            c.insert(key.into(), rng.pick(&values).clone());
        }
    }
    Value::Object(c)
}

fn generate(count: usize) -> Vec<Value> {
    let mut rng = Rng(0x1a2b_3c4d_5e6f_7081);
    (0..count)
        .map(|_| {
            let principal = *rng.pick(&[
                "arn:aws:iam::111111111111:user/alice",
                "arn:aws:iam::111111111111:user/bob",
                "arn:aws:iam::111111111111:role/worker",
            ]);
            let (action, resource, account) = *rng.pick(REQUESTS);
            // S3 resources have no account in their ARN: the case says whose they are.
            let account = account.or_else(|| {
                resource.starts_with("arn:aws:s3").then(|| {
                    if rng.chance(20) {
                        OTHER
                    } else {
                        ACCOUNT
                    }
                })
            });
            let identity: Vec<Value> = (0..rng.below(3))
                .map(|_| policy(&mut rng, false, ACCOUNT))
                .collect();
            let boundary = rng.chance(30).then(|| policy(&mut rng, false, ACCOUNT));
            let scps: Vec<Value> = if rng.chance(20) {
                (0..=rng.below(2))
                    .map(|_| policy(&mut rng, false, ACCOUNT))
                    .collect()
            } else {
                Vec::new()
            };
            let resource_policy = (resource.starts_with("arn:aws:s3") && rng.chance(45))
                .then(|| policy(&mut rng, true, ACCOUNT));
            json!({
                "principal": principal,
                "action": action,
                "resource": resource,
                "resourceAccount": account,
                "identityPolicies": identity,
                "boundary": boundary,
                "scps": scps,
                "resourcePolicy": resource_policy,
                "context": context(&mut rng, principal),
            })
        })
        .collect()
}

const KEY_PROD: &str =
    "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const KEY_OTHER: &str =
    "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-000000000002";

/// The callers of the resource-policy cases.
const CALLERS: &[&str] = &[
    "arn:aws:iam::111111111111:user/alice",
    "arn:aws:iam::111111111111:role/worker",
    "arn:aws:iam::222222222222:user/eve",
    "arn:aws:iam::222222222222:role/auditor",
];

/// (action, resource, its owner, the resource's kind, what its policy names it by)
const RESOURCE_REQUESTS: &[(&str, &str, &str, &str, &[&str])] = &[
    (
        "s3:GetObject",
        "arn:aws:s3:::logs/AWSLogs/trail.json",
        ACCOUNT,
        "bucket",
        &["arn:aws:s3:::logs/*", "arn:aws:s3:::logs/AWSLogs/*"],
    ),
    (
        "s3:PutObject",
        "arn:aws:s3:::logs/AWSLogs/trail.json",
        ACCOUNT,
        "bucket",
        &["arn:aws:s3:::logs/*"],
    ),
    (
        "s3:ListBucket",
        "arn:aws:s3:::logs",
        ACCOUNT,
        "bucket",
        &["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"],
    ),
    (
        "s3:GetObject",
        "arn:aws:s3:::audit/report.csv",
        OTHER,
        "bucket",
        &["arn:aws:s3:::audit/*"],
    ),
    ("kms:Decrypt", KEY_PROD, ACCOUNT, "key", &["*"]),
    ("kms:GenerateDataKey", KEY_PROD, ACCOUNT, "key", &["*"]),
    ("kms:Decrypt", KEY_OTHER, OTHER, "key", &["*"]),
    (
        "sqs:SendMessage",
        "arn:aws:sqs:eu-west-1:111111111111:jobs",
        ACCOUNT,
        "queue",
        &["arn:aws:sqs:eu-west-1:111111111111:jobs"],
    ),
];

/// A statement of a resource policy about `action` on the resource (`names`), naming one of
/// the principals that matter to `caller`.
fn resource_statement(rng: &mut Rng, caller: &str, action: &str, names: &[&str]) -> Value {
    let account = caller.split(':').nth(4).unwrap();
    let other = if account == ACCOUNT { OTHER } else { ACCOUNT };
    let role_or_user = if caller.contains(":role/") {
        caller.replace(":role/", ":user/")
    } else {
        caller.replace(":user/", ":role/")
    };
    let principals: Vec<Value> = vec![
        json!({"AWS": caller}),
        json!({"AWS": caller}),
        json!({"AWS": format!("arn:aws:iam::{account}:root")}),
        json!({"AWS": format!("arn:aws:iam::{account}:root")}),
        json!({"AWS": account}),
        json!({"AWS": format!("arn:aws:iam::{other}:root")}),
        json!({"AWS": role_or_user}),
        json!({"AWS": [caller, "arn:aws:iam::333333333333:root"]}),
        json!("*"),
    ];
    let service = action.split(':').next().unwrap();
    let actions = [
        action.to_string(),
        action.to_string(),
        format!("{service}:*"),
        format!("{service}:Get*"),
        format!("{service}:DeleteQueue"),
    ];
    let mut s = serde_json::Map::new();
    s.insert(
        "Effect".into(),
        json!(if rng.chance(18) { "Deny" } else { "Allow" }),
    );
    s.insert("Principal".into(), rng.pick(&principals).clone());
    s.insert("Action".into(), json!(rng.pick(&actions)));
    s.insert("Resource".into(), json!(rng.pick(names)));
    if rng.chance(20) {
        s.insert("Condition".into(), condition(rng));
    }
    Value::Object(s)
}

/// Identity policies of the caller about the request: none, an allow of it (or of its
/// service), a deny, or one of the general generator's.
fn identity_about(rng: &mut Rng, action: &str, resource: &str) -> Vec<Value> {
    let service = action.split(':').next().unwrap();
    let allow = |action: &str, resource: &str| json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]});
    match rng.below(7) {
        0 | 1 => Vec::new(),
        2 | 3 => vec![allow(action, resource)],
        4 => vec![allow(&format!("{service}:*"), "*")],
        5 => vec![
            allow(action, "*"),
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": action, "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}),
        ],
        _ => vec![policy(rng, false, ACCOUNT)],
    }
}

/// Cases of resource policies in and across accounts, each with what the access layer would
/// pass the evaluator: the resource's owner and whether its policy must allow in any case.
fn generate_resource_cases(count: usize) -> Vec<Value> {
    let mut rng = Rng(0x005e_ed0f_b0c4_e717);
    (0..count)
        .map(|_| {
            let principal = *rng.pick(CALLERS);
            let (action, resource, owner, kind, names) = *rng.pick(RESOURCE_REQUESTS);
            let identity = identity_about(&mut rng, action, resource);
            let boundary = rng.chance(25).then(|| {
                if rng.chance(50) {
                    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]})
                } else {
                    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
                }
            });
            let scps: Vec<Value> = if rng.chance(10) {
                vec![policy(&mut rng, false, ACCOUNT)]
            } else {
                Vec::new()
            };
            // A key always has a policy; a bucket or queue often has none.
            let resource_policy = (kind == "key" || rng.chance(85)).then(|| {
                let mut statements: Vec<Value> = (0..=rng.below(2))
                    .map(|_| resource_statement(&mut rng, principal, action, names))
                    .collect();
                // Key policies with and without the statement that delegates to IAM.
                if kind == "key" && rng.chance(40) {
                    statements.push(json!({"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{owner}:root")}, "Action": "kms:*", "Resource": "*"}));
                }
                json!({"Version": "2012-10-17", "Statement": statements})
            });
            let same = principal.split(':').nth(4) == Some(owner);
            json!({
                "category": format!("{kind} {}", if same { "same account" } else { "cross-account" }),
                "principal": principal,
                "action": action,
                "resource": resource,
                "resourceAccount": owner,
                "resourcePolicyRequired": kind == "key",
                "identityPolicies": identity,
                "boundary": boundary,
                "scps": scps,
                "resourcePolicy": resource_policy,
                "context": context(&mut rng, principal),
            })
        })
        .collect()
}

/// (action, resource, the resource's account): services RCPs apply to.
const GUARDED_REQUESTS: &[(&str, &str, &str)] = &[
    ("s3:GetObject", "arn:aws:s3:::data/reports/q3.csv", ACCOUNT),
    ("s3:PutObject", "arn:aws:s3:::partner/in/new.bin", OTHER),
    (
        "sqs:SendMessage",
        "arn:aws:sqs:eu-west-1:222222222222:jobs",
        OTHER,
    ),
    (
        "kms:Decrypt",
        "arn:aws:kms:eu-west-1:111111111111:key/k1",
        ACCOUNT,
    ),
    (
        "ec2:RunInstances",
        "arn:aws:ec2:eu-west-1:111111111111:instance/i-0123",
        ACCOUNT,
    ),
    ("organizations:LeaveOrganization", "*", ACCOUNT),
];

/// One SCP: AWS's `FullAWSAccess`, an allow of some services, or random statements.
fn scp(rng: &mut Rng) -> Value {
    match rng.below(4) {
        0 => {
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
        }
        1 => {
            let services = *rng.pick(&[
                &["s3:*", "sqs:*"][..],
                &["ec2:*"],
                &["s3:*", "kms:*", "ec2:*"],
                &["*"],
            ]);
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": services, "Resource": "*"}]})
        }
        2 => {
            let action = *rng.pick(&[
                "organizations:LeaveOrganization",
                "s3:PutObject",
                "ec2:*",
                "kms:*",
            ]);
            let mut statement = json!({"Effect": "Deny", "Action": action, "Resource": "*"});
            if rng.chance(50) {
                statement["Condition"] = condition(rng);
            }
            json!({"Version": "2012-10-17", "Statement": [statement]})
        }
        _ => policy(rng, false, ACCOUNT),
    }
}

/// One RCP level as the state holds it: often a deny of callers outside a set of accounts, or
/// of a service. `RCPFullAWSAccess`, attached to every level and never detached, is left out
/// (iam-simulate takes it as given and refuses it as input; iamdsl's side adds it).
fn rcp_level(rng: &mut Rng) -> Vec<Value> {
    let mut level = Vec::new();
    if rng.chance(60) {
        let action = *rng.pick(&[
            &["s3:*", "sqs:*"][..],
            &["s3:*"],
            &["kms:*"],
            &["sqs:SendMessage"],
        ]);
        let mut statement =
            json!({"Effect": "Deny", "Principal": "*", "Action": action, "Resource": "*"});
        if rng.chance(80) {
            let accounts = *rng.pick(&[&[ACCOUNT][..], &[ACCOUNT, OTHER], &[OTHER]]);
            statement["Condition"] =
                json!({"StringNotEqualsIfExists": {"aws:PrincipalAccount": accounts}});
        }
        level.push(json!({"Version": "2012-10-17", "Statement": [statement]}));
    }
    level
}

fn generate_organization_cases(count: usize) -> Vec<Value> {
    let mut rng = Rng(0x0e6a_2c05_cafe_f00d);
    (0..count)
        .map(|_| {
            let principal = *rng.pick(&[
                "arn:aws:iam::111111111111:role/worker",
                "arn:aws:iam::111111111111:user/alice",
                "arn:aws:iam::222222222222:role/partner",
            ]);
            let (action, resource, owner) = *rng.pick(GUARDED_REQUESTS);
            let identity = vec![json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": *rng.pick(&["*", "s3:*", action]), "Resource": "*"}]})];
            let scp_levels: Vec<Vec<Value>> = (0..=rng.below(3))
                .map(|_| (0..=rng.below(2)).map(|_| scp(&mut rng)).collect())
                .collect();
            let rcp_levels: Vec<Vec<Value>> = if rng.chance(70) {
                (0..=rng.below(3)).map(|_| rcp_level(&mut rng)).collect()
            } else {
                Vec::new()
            };
            let same = principal.split(':').nth(4) == Some(owner);
            // Across accounts the resource's policy lets the caller in, so that the
            // organization's policies decide.
            // A key's policy must allow even within its account: it delegates to IAM.
            let key = action.starts_with("kms:");
            let resource_policy = if key {
                Some(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{owner}:root")}, "Action": "kms:*", "Resource": "*"}]}))
            } else {
                (!same && resource != "*").then(|| {
                    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": principal}, "Action": action, "Resource": resource}]})
                })
            };
            json!({
                "category": format!("{} level(s) of SCPs, {} of RCPs", scp_levels.len(), rcp_levels.len()),
                "principal": principal,
                "action": action,
                "resource": resource,
                "resourceAccount": owner,
                "resourcePolicyRequired": key,
                "identityPolicies": identity,
                "boundary": null,
                "scps": [],
                "scpLevels": scp_levels,
                "rcpLevels": rcp_levels,
                "resourcePolicy": resource_policy,
                "context": context(&mut rng, principal),
            })
        })
        .collect()
}

fn ours(case: &Value) -> &'static str {
    let read = |value: &Value| read_policy(value).unwrap_or_else(|e| panic!("{e}: {value}"));
    let mut documents = Vec::new();
    for p in case["identityPolicies"].as_array().unwrap() {
        documents.push((PolicyKind::Identity, None, read(p)));
    }
    if !case["boundary"].is_null() {
        documents.push((PolicyKind::Boundary, None, read(&case["boundary"])));
    }
    for p in case["scps"].as_array().unwrap() {
        documents.push((PolicyKind::Scp, None, read(p)));
    }
    for (kind, key) in [
        (PolicyKind::Scp, "scpLevels"),
        (PolicyKind::Rcp, "rcpLevels"),
    ] {
        for (level, policies) in case[key].as_array().into_iter().flatten().enumerate() {
            let label = format!("level {}", level + 1);
            for p in policies.as_array().unwrap() {
                documents.push((kind, Some(label.clone()), read(p)));
            }
            if kind == PolicyKind::Rcp {
                let full = aws_managed_org_policy(OrgPolicyKind::Rcp, "RCPFullAWSAccess").unwrap();
                documents.push((kind, Some(label), full));
            }
        }
    }
    if !case["resourcePolicy"].is_null() {
        documents.push((PolicyKind::Resource, None, read(&case["resourcePolicy"])));
    }
    let mut context = Context::new();
    for (key, value) in case["context"].as_object().unwrap() {
        let values = match value {
            Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect(),
            other => vec![other.as_str().unwrap().to_string()],
        };
        context.set(key, values);
    }
    let ask = Ask {
        principal: case["principal"].as_str().unwrap(),
        action: case["action"].as_str().unwrap(),
        resource: case["resource"].as_str().unwrap(),
        resource_account: case["resourceAccount"].as_str(),
        context: &context,
        quantifier: Quantifier::Exact,
        resource_policy_required: case["resourcePolicyRequired"].as_bool().unwrap_or(false),
    };
    decide_by_level(&ask, &documents).as_str()
}

fn differential_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/differential")
}

/// Whether iam-simulate is installed; under CI it must be.
fn simulator_installed() -> bool {
    let installed = differential_dir()
        .join("node_modules/@cloud-copilot/iam-simulate")
        .is_dir();
    if !installed {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "iam-simulate is not installed: scripts/test.sh runs `npm ci` in tests/differential"
        );
        eprintln!(
            "skipped: run `npm ci` in tests/differential (scripts/test.sh does) for this test"
        );
    }
    installed
}

/// iam-simulate's answers to `cases`, in order.
fn simulate(cases: &[Value]) -> Vec<Value> {
    let mut child = Command::new("node")
        .arg("simulate.mjs")
        .current_dir(differential_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(cases).unwrap().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let theirs: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(theirs.len(), cases.len());
    theirs
}

/// Each case's decision, by iamdsl and iam-simulate: they must agree. Returns how many of each
/// decision iamdsl made, per case category (`""` without one).
fn compare(cases: &[Value]) -> std::collections::BTreeMap<(String, &'static str), usize> {
    let theirs = simulate(cases);
    let mut disagreements = Vec::new();
    let mut decided = std::collections::BTreeMap::<(String, &'static str), usize>::new();
    for (case, their) in cases.iter().zip(&theirs) {
        let Some(decision) = their["decision"].as_str() else {
            panic!("iam-simulate refused a generated case: {their}\n{case:#}");
        };
        let mine = ours(case);
        let category = case["category"].as_str().unwrap_or_default().to_string();
        *decided.entry((category, mine)).or_default() += 1;
        if mine != decision {
            disagreements.push(format!("iamdsl {mine}, iam-simulate {decision}:\n{case:#}"));
        }
    }
    if let Ok(path) = std::env::var("IAMDSL_DIFFERENTIAL_DUMP") {
        std::fs::write(path, disagreements.join("\n----\n")).unwrap();
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} cases disagree; the first:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements[0]
    );
    eprintln!("{} cases agree: {decided:?}", cases.len());
    decided
}

/// Cases to generate: `default`, or more on demand (IAMDSL_DIFFERENTIAL_CASES=20000).
fn case_count(default: usize) -> usize {
    std::env::var("IAMDSL_DIFFERENTIAL_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

#[test]
fn the_evaluator_agrees_with_iam_simulate() {
    if !simulator_installed() {
        return;
    }
    let count = case_count(CASES);
    let decided = compare(&generate(count));
    // The cases exercise every outcome, not only the default deny.
    for outcome in ["Allow", "ExplicitDeny", "ImplicitDeny"] {
        let n: usize = decided
            .iter()
            .filter(|((_, d), _)| *d == outcome)
            .map(|(_, n)| n)
            .sum();
        assert!(n >= count / 20, "{decided:?}");
    }
}

#[test]
fn resource_policies_agree_with_iam_simulate() {
    if !simulator_installed() {
        return;
    }
    let count = case_count(RESOURCE_CASES);
    let decided = compare(&generate_resource_cases(count));
    // Every kind of resource, in and across accounts, is both allowed and denied, and the
    // denies of resource policies decide some.
    for kind in ["bucket", "key"] {
        for place in ["same account", "cross-account"] {
            for outcome in ["Allow", "ImplicitDeny", "ExplicitDeny"] {
                let n = decided
                    .get(&(format!("{kind} {place}"), outcome))
                    .copied()
                    .unwrap_or(0);
                assert!(n >= count / 100, "{kind} {place} {outcome}: {decided:?}");
            }
        }
    }
}

#[test]
fn organization_policies_agree_with_iam_simulate() {
    if !simulator_installed() {
        return;
    }
    let count = case_count(ORGANIZATION_CASES);
    let decided = compare(&generate_organization_cases(count));
    // Each outcome is reached, and with several levels of SCPs.
    for outcome in ["Allow", "ImplicitDeny", "ExplicitDeny"] {
        let n: usize = decided
            .iter()
            .filter(|((category, d), _)| *d == outcome && !category.starts_with("1 level"))
            .map(|(_, n)| n)
            .sum();
        assert!(n >= count / 20, "{outcome}: {decided:?}");
    }
}
