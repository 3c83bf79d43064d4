//! Packs the committed catalog (`stdlib/aws/`, pretty-printed for review) into one compact file
//! embedded in the binary: a header line, then a line per service in prefix order: the prefix,
//! a tab, the service minified.
//! Services are parsed on first use, so loading the catalog costs only splitting these lines.

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
    Ok(())
}
