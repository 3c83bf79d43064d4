//! A hand-made deployed state of the kind real accounts hold: 60 roles with every kind of trust,
//! conditions of every operator family, boundaries, NotAction and NotResource, resource
//! wildcards, several inline policies per principal, actions the catalog no longer lists, and
//! documents in the raw API's shape (URL-encoded, single strings) as well as the CLI's.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{json, Value};

pub const ACCOUNT: &str = "444455556666";
pub const ROLES: usize = 60;

fn arn(resource: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:{resource}")
}

/// URL-encodes a document as the IAM API returns it.
pub fn encoded(document: &Value) -> Value {
    let text = serde_json::to_string(document).unwrap();
    Value::String(
        text.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect(),
    )
}

fn trust(index: usize) -> Value {
    let statement = match index % 8 {
        0 => {
            json!({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})
        }
        1 => {
            json!({"Effect": "Allow", "Principal": {"Service": ["ecs-tasks.amazonaws.com", "ec2.amazonaws.com"]}, "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}})
        }
        2 => {
            json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::777788889999:root"}, "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"sts:ExternalId": format!("ext-{index}")}}})
        }
        3 => {
            json!({"Effect": "Allow", "Principal": {"AWS": [arn("role/ci/builder"), arn("user/ops/oncall")]}, "Action": ["sts:AssumeRole", "sts:TagSession"],
                    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}})
        }
        4 => {
            json!({"Effect": "Allow", "Principal": {"Federated": arn("oidc-provider/token.actions.githubusercontent.com")}, "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                                  "StringLike": {"token.actions.githubusercontent.com:sub": format!("repo:acme/app-{index}:*")}}})
        }
        5 => {
            json!({"Effect": "Allow", "Principal": {"Federated": arn("saml-provider/okta")}, "Action": "sts:AssumeRoleWithSAML",
                    "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}})
        }
        6 => {
            json!({"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "sts:AssumeRole",
                    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": true}, "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}})
        }
        _ => {
            json!({"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"})
        }
    };
    json!({"Version": "2012-10-17", "Statement": [statement]})
}

/// Permission statements of role `index`, in the many shapes IAM accepts.
fn permissions(index: usize) -> Vec<Value> {
    let bucket = format!("acme-data-{index}");
    let mut out = vec![
        // An intent's exact expansion: S3 bucket reads.
        json!({"Sid": "BucketList", "Effect": "Allow",
               "Action": ["s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:ListBucketVersions", "s3:ListTagsForResource"],
               "Resource": format!("arn:aws:s3:::{bucket}")}),
        // Actions paired with resources they do not all apply to, as people write them.
        json!({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
               "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")]}),
        // Resource wildcards and a wildcard action.
        json!({"Effect": "Allow", "Action": "logs:*", "Resource": format!("arn:aws:logs:*:{ACCOUNT}:log-group:/app/{index}-*")}),
    ];
    match index % 6 {
        0 => out.push(json!({"Effect": "Deny", "NotAction": ["s3:GetObject", "s3:ListBucket"], "Resource": "*",
                             "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}})),
        1 => out.push(json!({"Effect": "Deny", "Action": "s3:*", "NotResource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")]})),
        2 => out.push(json!({"Effect": "Allow", "Action": ["ec2:StartInstances", "ec2:StopInstances"], "Resource": "*",
                             "Condition": {"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "198.51.100.0/24"]},
                                           "DateLessThan": {"aws:CurrentTime": "2027-06-30T00:00:00Z"}}})),
        3 => out.push(json!({"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
                             "Condition": {"ForAnyValue:StringLike": {"aws:TagKeys": ["team*", "cost*"]},
                                           "StringEqualsIfExists": {"aws:RequestTag/env": "prod"},
                                           "Null": {"aws:RequestTag/owner": "false"}}})),
        4 => out.push(json!({"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"],
                             "Resource": format!("arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders-{index}"),
                             "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:userid}"]}}})),
        // Retired actions and services: the catalog no longer lists them, IAM still stores them.
        _ => out.push(json!({"Effect": "Allow", "Action": ["retiredsvc:DescribeThings", "s3:GetObjectRetired", "sqs:SendMessage"],
                             "Resource": format!("arn:aws:sqs:eu-west-1:{ACCOUNT}:queue-{index}")})),
    }
    out
}

fn document(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// The state; with `raw`, every document is URL-encoded text, as the API returns it.
pub fn state(raw: bool) -> Value {
    let doc = |value: Value| if raw { encoded(&value) } else { value };
    let boundary_arn = arn("policy/boundaries/workload-boundary");
    let shared_arn = arn("policy/shared-read");
    let mut roles = Vec::new();
    for index in 0..ROLES {
        let name = format!("workload-{index:02}");
        let path = if index % 3 == 0 {
            "/apps/".to_string()
        } else {
            "/".to_string()
        };
        let statements = permissions(index);
        let (first, second) = statements.split_at(2);
        let mut role = json!({
            "Path": path, "RoleName": name, "RoleId": format!("AROA{index:016}"),
            "Arn": arn(&format!("role{path}{name}")),
            "AssumeRolePolicyDocument": doc(trust(index)),
            "InstanceProfileList": [],
            // Two inline policies: how statements are split between them carries no meaning.
            "RolePolicyList": [
                {"PolicyName": "main", "PolicyDocument": doc(document(first.to_vec()))},
                {"PolicyName": "extra", "PolicyDocument": doc(document(second.to_vec()))},
            ],
            "AttachedManagedPolicies": if index % 2 == 0 {
                json!([{"PolicyName": "shared-read", "PolicyArn": shared_arn},
                       {"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}])
            } else { json!([]) },
        });
        if index % 4 != 3 {
            role["PermissionsBoundary"] = json!({"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary_arn});
        }
        // Tags, one of them a key that is not a word of the language.
        if index % 5 == 1 {
            role["Tags"] = json!([{"Key": "cost:center", "Value": "4711"}, {"Key": "team", "Value": format!("team-{}", index % 3)}]);
        }
        if index % 10 == 7 {
            role["InstanceProfileList"] = json!([{"Path": path, "InstanceProfileName": name,
                "InstanceProfileId": format!("AIPA{index:016}"), "Arn": arn(&format!("instance-profile{path}{name}"))}]);
        }
        roles.push(role);
    }
    // A service-linked role: owned by AWS, never imported.
    roles.push(json!({"Path": "/aws-service-role/elasticloadbalancing.amazonaws.com/", "RoleName": "AWSServiceRoleForElasticLoadBalancing",
        "Arn": arn("role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing"),
        "AssumeRolePolicyDocument": doc(document(vec![json!({"Effect": "Allow", "Principal": {"Service": "elasticloadbalancing.amazonaws.com"}, "Action": "sts:AssumeRole"})])),
        "InstanceProfileList": [], "RolePolicyList": [],
        "AttachedManagedPolicies": [{"PolicyName": "AWSElasticLoadBalancingServiceRolePolicy", "PolicyArn": "arn:aws:iam::aws:policy/aws-service-role/AWSElasticLoadBalancingServiceRolePolicy"}]}));
    json!({
        "UserDetailList": [
            {"Path": "/ops/", "UserName": "oncall", "Arn": arn("user/ops/oncall"), "GroupList": ["operators"],
             "UserPolicyList": [{"PolicyName": "own-keys", "PolicyDocument": doc(document(vec![json!(
                 {"Effect": "Allow", "Action": ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys"], "Resource": arn("user/ops/${aws:username}")})]))}],
             "AttachedManagedPolicies": [],
             "PermissionsBoundary": {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary_arn},
             "Tags": [{"Key": "team", "Value": "operations"}]},
            {"Path": "/", "UserName": "ci.bot@acme", "Arn": arn("user/ci.bot@acme"), "GroupList": [],
             "UserPolicyList": [], "AttachedManagedPolicies": [{"PolicyName": "shared-read", "PolicyArn": shared_arn}]},
        ],
        "GroupDetailList": [
            {"Path": "/", "GroupName": "operators", "Arn": arn("group/operators"),
             "GroupPolicyList": [{"PolicyName": "assume-workloads", "PolicyDocument": doc(document(vec![json!(
                 {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": arn("role/apps/*")})]))}],
             "AttachedManagedPolicies": [{"PolicyName": "ViewOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"}]},
        ],
        "RoleDetailList": roles,
        "Policies": [
            {"PolicyName": "workload-boundary", "Arn": boundary_arn, "Path": "/boundaries/", "DefaultVersionId": "v3", "IsAttachable": true,
             "PolicyVersionList": [
                {"Document": doc(document(vec![json!({"Effect": "Allow", "Action": "*", "Resource": "*"})])), "VersionId": "v2", "IsDefaultVersion": false},
                {"Document": doc(document(vec![
                    json!({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}),
                    json!({"Effect": "Allow", "Action": ["iam:Get*", "iam:List*", "iam:PassRole"], "Resource": "*"})])),
                 "VersionId": "v3", "IsDefaultVersion": true}]},
            {"PolicyName": "shared-read", "Arn": shared_arn, "Path": "/", "DefaultVersionId": "v1", "IsAttachable": true,
             "Description": "Read the shared configuration.",
             "Tags": [{"Key": "owner", "Value": "platform"}],
             "PolicyVersionList": [{"Document": doc(document(vec![json!(
                 {"Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
                  "Resource": format!("arn:aws:ssm:*:{ACCOUNT}:parameter/shared/*")})])), "VersionId": "v1", "IsDefaultVersion": true}]},
            // An AWS managed policy: a reference, never imported.
            {"PolicyName": "ReadOnlyAccess", "Arn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "Path": "/", "DefaultVersionId": "v1", "IsAttachable": true,
             "PolicyVersionList": [{"Document": doc(document(vec![json!({"Effect": "Allow", "Action": "*:Describe*", "Resource": "*"})])), "VersionId": "v1", "IsDefaultVersion": true}]},
        ],
    })
}
