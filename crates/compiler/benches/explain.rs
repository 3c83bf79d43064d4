//! 100,000 evaluations against the large generated organisation: `cargo bench -p
//! iamdsl-compiler --bench explain`. Half are requests a principal's own statements allow,
//! half ones nothing allows; each evaluates the principal's identity policies and boundary.
//!
//! Then 100,000 evaluations with resource policies: the built state gains, per role, a queue
//! policy and a key policy on the queue and key it is granted, a bucket of the next account
//! whose policy names it, and one shared bucket of the first account whose policy lets in the
//! other accounts; the requests are on those (same-account unions, KMS key policies with and
//! without delegation, cross-account intersections, denies).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{criterion_group, criterion_main, Criterion};
use iamdsl_compiler::{analyze, config, Project};
use iamdsl_policy::access::{arn_account, Access};
use iamdsl_policy::authz::{AuthorizationDetails, ResourcePolicyDetail, ResourcePolicyState};
use iamdsl_policy::eval::{Context, Decision, PolicyKind, Quantifier};
use iamdsl_policy::reader::read_policy_text;
use iamdsl_policy::{ActionBlock, Effect, ResourceBlock};

// The allocator of the `iamdsl` binary, so that the figures are the ones users see.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ROLES: usize = 2000;
const EVALUATIONS: usize = 100_000;

fn bench(c: &mut Criterion) {
    let (files, manifest) = xtask::generated_sources(ROLES);
    let (config, _) = config::parse_manifest(&manifest, Default::default());
    let analysis = analyze(&Project::in_memory(files, config));
    assert_eq!(analysis.error_count(), 0);
    let state = iamdsl_compiler::explain::evaluated_state(&analysis.model);
    let access = Access::new(&state);
    // Per principal: one request its first unconditional allow grants, and one nothing grants.
    let mut requests: Vec<(usize, String, String)> = Vec::new();
    for (index, principal) in access.principals().iter().enumerate() {
        let granted = principal
            .policies
            .iter()
            .filter(|p| p.kind == PolicyKind::Identity)
            .flat_map(|p| &p.document.statements)
            .filter(|s| s.effect == Effect::Allow && s.condition.is_empty())
            .find_map(|s| {
                let ActionBlock::Action(actions) = &s.action else {
                    return None;
                };
                let Some(ResourceBlock::Resource(resources)) = &s.resource else {
                    return None;
                };
                let action = actions.iter().find(|a| !a.contains('*'))?;
                let resource = resources.iter().next()?.replace('*', "x");
                Some((action.clone(), resource))
            });
        if let Some((action, resource)) = granted {
            requests.push((index, action, resource));
            requests.push((
                index,
                "s3:DeleteObject".into(),
                "arn:aws:s3:::nothing-here/x".into(),
            ));
        }
    }
    assert!(requests.len() > 1000, "{} requests", requests.len());
    let context = Context::new();
    let run = || {
        let mut allowed = 0;
        for i in 0..EVALUATIONS {
            let (principal, action, resource) = &requests[i % requests.len()];
            let decision = access
                .evaluate(*principal, action, resource, &context, Quantifier::Exact)
                .decision();
            allowed += usize::from(decision == Decision::Allow);
        }
        allowed
    };
    let allowed = run();
    assert!(
        allowed > EVALUATIONS / 4 && allowed < EVALUATIONS * 3 / 4,
        "{allowed} allowed"
    );
    let mut group = c.benchmark_group("explain");
    group.sample_size(10);
    group.bench_function("100000 evaluations, 2000 roles", |b| b.iter(run));

    let with_resources = with_resource_policies(state.clone());
    let access = Access::new(&with_resources);
    let requests = resource_requests(&access);
    assert!(requests.len() > 4 * ROLES, "{} requests", requests.len());
    let run = || {
        let mut decisions = [0usize; 3];
        for i in 0..EVALUATIONS {
            let (principal, action, resource) = &requests[i % requests.len()];
            let decision = access
                .evaluate(*principal, action, resource, &context, Quantifier::Exact)
                .decision();
            decisions[decision as usize] += 1;
        }
        decisions
    };
    let [allowed, explicit, implicit] = run();
    assert!(
        allowed > EVALUATIONS / 4 && implicit > EVALUATIONS / 10 && explicit > 0,
        "{allowed} allowed, {explicit} explicitly denied, {implicit} implicitly denied"
    );
    group.bench_function(
        "100000 evaluations with resource policies, 2000 roles",
        |b| b.iter(run),
    );
    group.finish();
}

fn policy(text: &str) -> ResourcePolicyState {
    ResourcePolicyState::Document(read_policy_text(text).unwrap())
}

fn resource(
    kind: &str,
    name: &str,
    arn: &str,
    account: &str,
    policy: ResourcePolicyState,
) -> ResourcePolicyDetail {
    ResourcePolicyDetail {
        kind: kind.into(),
        name: name.into(),
        arn: arn.into(),
        account: account.into(),
        policy,
    }
}

/// The ARN a role's identity policies grant `action` on, its first.
fn granted_arn(state: &AuthorizationDetails, role: usize, action: &str) -> Option<String> {
    state.roles[role]
        .inline
        .iter()
        .flat_map(|p| &p.document.statements)
        .find_map(|s| {
            let ActionBlock::Action(actions) = &s.action else {
                return None;
            };
            let Some(ResourceBlock::Resource(resources)) = &s.resource else {
                return None;
            };
            actions
                .contains(action)
                .then(|| resources.iter().next().cloned())
                .flatten()
        })
}

/// The state with a queue, a key and a bucket policy per role, and a shared bucket.
fn with_resource_policies(mut state: AuthorizationDetails) -> AuthorizationDetails {
    let accounts: Vec<String> = state.account_ids().into_iter().collect();
    let mut resources = Vec::new();
    for index in 0..state.roles.len() {
        let role = &state.roles[index];
        let Some(r) = role
            .name
            .strip_prefix("svc")
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        let account = arn_account(&role.arn).unwrap().to_string();
        let deny_insecure = r#"{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#;
        if let Some(queue) = granted_arn(&state, index, "sqs:SendMessage") {
            let text = format!(
                r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"sqs:*","Resource":"{queue}"}},{deny_insecure}]}}"#
            );
            resources.push(resource(
                "sqs.queue",
                &format!("queue-{r}"),
                &queue,
                &account,
                policy(&text),
            ));
        }
        if let Some(key) = granted_arn(&state, index, "kms:Decrypt") {
            // Even roles' keys delegate to IAM (whose grant needs kms:ViaService); odd roles'
            // keys name the role.
            let principal = if r % 2 == 0 {
                format!("arn:aws:iam::{account}:root")
            } else {
                role.arn.clone()
            };
            let text = format!(
                r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"kms:*","Resource":"*"}}]}}"#
            );
            resources.push(resource(
                "kms.key",
                &format!("key-{r}"),
                &key,
                &account,
                policy(&text),
            ));
        }
        let next =
            &accounts[(accounts.iter().position(|a| *a == account).unwrap() + 1) % accounts.len()];
        let bucket = format!("svc-{r}-exports");
        let text = format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{}"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/*"}},{deny_insecure}]}}"#,
            role.arn
        );
        resources.push(resource(
            "s3.bucket",
            &bucket,
            &format!("arn:aws:s3:::{bucket}"),
            next,
            policy(&text),
        ));
    }
    let others: Vec<String> = accounts[1..].iter().map(|a| format!(r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{a}:root"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::org-artifacts/*"}}"#)).collect();
    let text = format!(
        r#"{{"Statement":[{},{{"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::org-artifacts/*"}}]}}"#,
        others.join(",")
    );
    resources.push(resource(
        "s3.bucket",
        "org-artifacts",
        "arn:aws:s3:::org-artifacts",
        &accounts[0],
        policy(&text),
    ));
    state.resources = resources;
    state
}

/// Per role: its queue, its key, its artifacts in the shared bucket (allowed, across accounts
/// too), a delete there (denied), and its exports bucket in the next account (named by the
/// bucket policy, not granted by its own).
fn resource_requests(access: &Access<'_>) -> Vec<(usize, String, String)> {
    let mut requests = Vec::new();
    for resource in access.resources() {
        let detail = resource.detail;
        let Some(r) = detail
            .name
            .rsplit('-')
            .next()
            .and_then(|n| n.parse::<usize>().ok())
            .or_else(|| {
                detail
                    .name
                    .strip_prefix("svc-")?
                    .strip_suffix("-exports")?
                    .parse()
                    .ok()
            })
        else {
            continue;
        };
        let Some(&role) = access.by_name(&format!("svc{r}")).first() else {
            continue;
        };
        match detail.kind.as_str() {
            "sqs.queue" => requests.push((role, "sqs:SendMessage".into(), detail.arn.clone())),
            "kms.key" => requests.push((role, "kms:Decrypt".into(), detail.arn.clone())),
            _ => {
                requests.push((role, "s3:GetObject".into(), format!("{}/x.csv", detail.arn)));
                requests.push((
                    role,
                    "s3:GetObject".into(),
                    format!("arn:aws:s3:::org-artifacts/svc-{r}/x"),
                ));
                requests.push((
                    role,
                    "s3:DeleteObject".into(),
                    format!("arn:aws:s3:::org-artifacts/svc-{r}/x"),
                ));
            }
        }
    }
    requests
}

criterion_group!(benches, bench);
criterion_main!(benches);
