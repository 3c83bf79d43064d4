//! Diff of a 5,000-role deployed state against a 5,000-role build: `cargo bench -p iamdsl-diff`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{criterion_group, criterion_main, Criterion};
use iamdsl_compiler::{analyze, config, Project};
use iamdsl_policy::authz::AuthorizationDetails;

// The allocator of the `iamdsl` binary, so that the figures are the ones users see.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ROLES: usize = 5000;

fn built() -> AuthorizationDetails {
    let (files, manifest) = xtask::generated_sources(ROLES);
    let (config, _) = config::parse_manifest(&manifest, Default::default());
    let analysis = analyze(&Project::in_memory(files, config));
    assert_eq!(analysis.error_count(), 0);
    iamdsl_compiler::bundle::built_counterpart(&analysis.model, &AuthorizationDetails::default())
}

fn bench(c: &mut Criterion) {
    let built = built();
    assert!(built.roles.len() >= ROLES, "{} roles", built.roles.len());
    // Deployed state as a file holds it: the same entities, as JSON text.
    let deployed_text = built.to_json().pretty();
    let scope = iamdsl_diff::Scope::default();
    let mut group = c.benchmark_group("diff");
    group.sample_size(10);
    group.bench_function("read deployed JSON and diff, 5000 roles", |b| {
        b.iter(|| {
            let deployed = AuthorizationDetails::read(&deployed_text).unwrap();
            iamdsl_diff::diff(&built, &deployed, &scope)
        })
    });
    let deployed = AuthorizationDetails::read(&deployed_text).unwrap();
    group.bench_function("diff only, 5000 roles", |b| {
        b.iter(|| iamdsl_diff::diff(&built, &deployed, &scope))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
