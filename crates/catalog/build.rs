//! Packs the committed catalog (`stdlib/aws/`, pretty-printed for review) into one compact file
//! embedded in the binary: a header line, then a line per service in prefix order: the prefix,
//! a tab, the service minified.
//! Services are parsed on first use, so loading the catalog costs only splitting these lines.
//!
//! The AWS managed policies (`stdlib/aws/managed-policies.json`, one policy a line, and the
//! documents in compressed blocks, `managed-policies.deflate`; see `src/managed.rs`) become a
//! header line (the sources) and a line per policy (`/path/Name`, version, retired), beside a copy
//! of the documents file whose block table is checked against the index here.

use std::fs;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../stdlib/aws");
    println!("cargo::rerun-if-changed={}", data.display());
    let header: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(data.join("catalog.json"))?)?;
    let prefixes: Vec<String> = header["services"]
        .as_array()
        .ok_or("catalog.json has no `services` list")?
        .iter()
        .filter_map(|p| p.as_str().map(str::to_string))
        .collect();
    let mut out = serde_json::to_string(&serde_json::json!({
        "source": header["source"],
        "global_condition_keys": header["global_condition_keys"],
        "rcp_supported_services": header["rcp_supported_services"],
    }))?;
    out.push('\n');
    for prefix in &prefixes {
        let path = data.join("services").join(format!("{prefix}.json"));
        println!("cargo::rerun-if-changed={}", path.display());
        let service: serde_json::Value = serde_json::from_str(&fs::read_to_string(&path)?)?;
        out.push_str(prefix);
        out.push('\t');
        out.push_str(&serde_json::to_string(&service)?);
        out.push('\n');
    }
    let out_dir = std::env::var("OUT_DIR")?;
    fs::write(Path::new(&out_dir).join("catalog.jsonl"), out)?;
    pack_managed_policies(&data, Path::new(&out_dir))?;
    Ok(())
}

fn pack_managed_policies(data: &Path, out_dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let index_path = data.join("managed-policies.json");
    let documents_path = data.join("managed-policies.deflate");
    println!("cargo::rerun-if-changed={}", index_path.display());
    println!("cargo::rerun-if-changed={}", documents_path.display());
    let index: serde_json::Value = serde_json::from_str(&fs::read_to_string(&index_path)?)?;
    let mut out = String::new();
    let sources = index["sources"]
        .as_array()
        .ok_or("managed-policies.json has no `sources` list")?;
    let sources: Vec<String> = sources
        .iter()
        .map(|s| match (s["package"].as_str(), s["version"].as_str()) {
            (Some(package), Some(version)) => Ok(format!("{package}\t{version}")),
            _ => Err("a managed-policy source without package and version"),
        })
        .collect::<Result<_, _>>()?;
    out.push_str(&sources.join("\t"));
    out.push('\n');
    let policies = index["policies"]
        .as_array()
        .ok_or("managed-policies.json has no `policies` list")?;
    let mut previous = String::new();
    for policy in policies {
        let (Some(name), Some(path), Some(version), Some(retired)) = (
            policy["name"].as_str(),
            policy["path"].as_str(),
            policy["version"].as_str(),
            policy["retired"].as_bool(),
        ) else {
            return Err(
                format!("managed policy without name, path, version, retired: {policy}").into(),
            );
        };
        let well_formed = |s: &str| !s.is_empty() && !s.contains(['\t', '\n', '/']);
        if !well_formed(name)
            || !well_formed(version)
            || !path.starts_with('/')
            || !path.ends_with('/')
            || path.contains(['\t', '\n'])
        {
            return Err(format!("malformed managed policy {path}{name} {version}").into());
        }
        let key = format!("{path}{name}");
        // The index is searched by halving: it must be sorted, without duplicates.
        if key <= previous {
            return Err(format!("managed policies out of order at {key}").into());
        }
        out.push_str(&format!("{key}\t{version}\t{}\n", u8::from(retired)));
        previous = key;
    }
    let documents = fs::read(&documents_path)?;
    let mut at = 0usize;
    let mut count = 0usize;
    while at < documents.len() {
        let word = |i: usize| -> Result<usize, Box<dyn std::error::Error>> {
            let bytes: [u8; 4] = documents
                .get(i..i + 4)
                .ok_or("managed-policies.deflate: truncated block header")?
                .try_into()?;
            Ok(usize::try_from(u32::from_le_bytes(bytes))?)
        };
        let length = word(at)?;
        count += word(at + 4)?;
        at += 8 + length;
    }
    if at != documents.len() || count != policies.len() {
        return Err(format!(
            "managed-policies.deflate holds {count} documents, managed-policies.json {} policies",
            policies.len()
        )
        .into());
    }
    fs::write(out_dir.join("managed-policies.tsv"), out)?;
    fs::write(out_dir.join("managed-policies.deflate"), documents)?;
    Ok(())
}
