//! Catalog load time, and the managed policies' (index, then one document's first use):
//! `cargo bench -p iamdsl-catalog`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use iamdsl_catalog::managed::ManagedPolicies;

fn bench(c: &mut Criterion) {
    c.bench_function("catalog load (index of every service)", |b| {
        b.iter(|| iamdsl_catalog::Catalog::load_embedded().prefixes().count())
    });
    c.bench_function("catalog load + parse s3, iam, ec2", |b| {
        b.iter(|| {
            let catalog = iamdsl_catalog::Catalog::load_embedded();
            ["s3", "iam", "ec2"]
                .iter()
                .filter(|p| catalog.service(p).is_some())
                .count()
        })
    });
    c.bench_function("managed policies load (index of every policy)", |b| {
        b.iter(|| ManagedPolicies::load_embedded().len())
    });
    // A document's first use inflates its block: ReadOnlyAccess is the largest document (its
    // block is the largest too), AWSLambdaBasicExecutionRole a typical one.
    for name in ["ReadOnlyAccess", "service-role/AWSLambdaBasicExecutionRole"] {
        c.bench_function(&format!("managed policy first document ({name})"), |b| {
            b.iter_batched_ref(
                ManagedPolicies::load_embedded,
                |policies| policies.get(name).unwrap().document().len(),
                BatchSize::SmallInput,
            )
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
