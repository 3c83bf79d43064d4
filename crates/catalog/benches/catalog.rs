//! Catalog load time: `cargo bench -p iamdsl-catalog`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{criterion_group, criterion_main, Criterion};

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
}

criterion_group!(benches, bench);
criterion_main!(benches);
