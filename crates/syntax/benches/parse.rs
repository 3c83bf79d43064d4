//! Parse and format throughput on a large generated input: `cargo bench -p iamdsl-syntax`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

// The allocator of the `iamdsl` binary, so that the figures are the ones users see.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use iamdsl_diagnostics::FileId;

/// About `bytes` of realistic source: roles with trust, conditions, templates and comments.
pub fn generated_source(bytes: usize) -> String {
    let mut out =
        String::from("account prod = \"111111111111\" default\nlet logs = \"acme-logs\"\n\n");
    let mut i = 0;
    while out.len() < bytes {
        out.push_str(&format!(
            r#"/// Service {i}.
role service_{i} {{
  max_session = 1h
  trust {{
    oidc "token.actions.githubusercontent.com"
      when aud == "sts.amazonaws.com"
      and sub like "repo:acme/service-{i}:ref:refs/heads/main"
    service lambda
  }}
  boundary platform_boundary
  allow read, list on s3.bucket(logs), s3.object(logs, "service-{i}/*") // its logs
  allow dynamodb:GetItem, dynamodb:PutItem, dynamodb:Query on dynamodb.table("table-{i}")
  allow sqs:SendMessage on sqs.queue("queue-{i}") when aws:SourceIp in ["10.0.0.0/8"] and mfa
  #[allow(wildcard_resource)]
  allow s3:ListAllMyBuckets on *
  deny * on s3.bucket("acme-confidential"), s3.object("acme-confidential", "*")
}}

"#
        ));
        i += 1;
    }
    out
}

fn bench(c: &mut Criterion) {
    let source = generated_source(4 * 1024 * 1024);
    let mut group = c.benchmark_group("syntax");
    group.throughput(Throughput::Bytes(source.len() as u64));
    group.sample_size(10);
    group.bench_function("parse 4 MiB", |b| {
        b.iter(|| iamdsl_syntax::parse(&source, FileId(0)))
    });
    let parsed = iamdsl_syntax::parse(&source, FileId(0));
    assert!(parsed.diagnostics.is_empty());
    group.bench_function("format 4 MiB", |b| {
        b.iter(|| iamdsl_syntax::format_module(&parsed.module, &source))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
