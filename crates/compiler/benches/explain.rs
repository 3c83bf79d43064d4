//! 100,000 evaluations against the large generated organisation: `cargo bench -p
//! iamdsl-compiler --bench explain`. Half are requests a principal's own statements allow,
//! half ones nothing allows; each evaluates the principal's identity policies and boundary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{criterion_group, criterion_main, Criterion};
use iamdsl_compiler::{analyze, config, Project};
use iamdsl_policy::access::Access;
use iamdsl_policy::eval::{Context, Decision, PolicyKind, Quantifier};
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
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
