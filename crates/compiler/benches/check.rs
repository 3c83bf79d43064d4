//! Check and build of a large generated organisation, and check of one realistic file (the
//! example project repeated to 5,161 lines, expectations included): `cargo bench -p
//! iamdsl-compiler --bench check`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{criterion_group, criterion_main, Criterion};

// The allocator of the `iamdsl` binary, so that the figures are the ones users see.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use iamdsl_compiler::{analyze, config, Project};

fn project(roles: usize) -> Project {
    let (files, manifest) = xtask::generated_sources(roles);
    let (config, _) = config::parse_manifest(&manifest, Default::default());
    Project::in_memory(files, config)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("compiler");
    group.sample_size(10);
    let large = project(2000);
    let analysis = analyze(&large);
    assert_eq!(
        analysis.error_count(),
        0,
        "{:?}",
        analysis.diagnostics.first()
    );
    group.bench_function("check 2000 roles", |b| b.iter(|| analyze(&large)));
    group.bench_function("build 2000 roles (documents and bundles in memory)", |b| {
        b.iter(|| iamdsl_compiler::bundle::build(&analysis.model, Default::default()))
    });
    let (text, manifest) = xtask::realistic_file(REALISTIC_LINES);
    let (config, _) = config::parse_manifest(&manifest, Default::default());
    let realistic = Project::in_memory(vec![("platform.iamdsl".to_string(), text)], config);
    let analysis = analyze(&realistic);
    assert_eq!(
        analysis.error_count(),
        0,
        "{:?}",
        analysis.diagnostics.first()
    );
    group.bench_function("check realistic file", |b| b.iter(|| analyze(&realistic)));
    group.finish();
}

/// The size of the file of issue 19.
const REALISTIC_LINES: usize = 5_161;

criterion_group!(benches, bench);
criterion_main!(benches);
