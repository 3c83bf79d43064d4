//! Language-server latency on a 5,000-line file: change → diagnostics, and completion.
//! `cargo bench -p iamdsl-lsp` prints p50 and p95 over repeated runs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::time::Instant;

use iamdsl_lsp::{features, Snapshot};
use tower_lsp::lsp_types::Position;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn percentiles(mut samples: Vec<f64>) -> (f64, f64) {
    samples.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    (at(0.5), at(0.95))
}

fn main() {
    // One file of about 5,000 lines from the organisation generator.
    let mut text = String::new();
    let mut roles = 10;
    while text.lines().count() < 5_000 {
        text = xtask::generate_org(roles)
            .into_iter()
            .filter(|(n, _)| n.ends_with(".iamdsl"))
            .map(|(_, t)| t)
            .collect::<Vec<_>>()
            .join("\n");
        roles += 5;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("iamdsl.toml"),
        "[defaults]\nregion = \"eu-west-1\"\n",
    )
    .expect("manifest");
    let path = dir.path().join("org.iamdsl");
    std::fs::write(&path, &text).expect("file");
    let lines = text.lines().count();

    let mut change = Vec::new();
    let mut caches = HashMap::new();
    for i in 0..60 {
        // An edit inside one declaration, as typing makes it.
        let edited = text.replacen(
            "max_session = 1h",
            &format!("max_session = {}h", 1 + i % 11),
            1,
        );
        let documents = HashMap::from([(path.clone(), edited)]);
        let start = Instant::now();
        let snapshot = Snapshot::build_cached(&path, &documents, &mut caches);
        let published = snapshot.diagnostics();
        change.push(start.elapsed().as_secs_f64() * 1000.0);
        assert!(
            published.iter().all(|(_, d)| d.is_empty()),
            "the generated file has diagnostics"
        );
    }
    let (p50, p95) = percentiles(change);
    println!("change -> diagnostics, {lines} lines: p50 {p50:.1} ms, p95 {p95:.1} ms");

    let snapshot = Snapshot::build(&path, &HashMap::new());
    let typing = format!("{text}\nrole extra {{\n  allow s3:Get");
    let position = Position {
        line: typing.lines().count() as u32 - 1,
        character: 14,
    };
    let mut completion = Vec::new();
    for _ in 0..300 {
        let start = Instant::now();
        let items = features::completion(Some(&snapshot), &typing, position);
        completion.push(start.elapsed().as_secs_f64() * 1000.0);
        assert!(items.items.iter().any(|i| i.label == "s3:GetObject"));
    }
    let (p50, p95) = percentiles(completion);
    println!("completion after `s3:Get`, {lines} lines: p50 {p50:.2} ms, p95 {p95:.2} ms");
}
