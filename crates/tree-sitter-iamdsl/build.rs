//! Compiles the committed, generated parser of editors/tree-sitter-iamdsl. Generating it is not
//! part of the build (editors/tree-sitter-iamdsl/generate.sh does that).

fn main() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../editors/tree-sitter-iamdsl/src");
    println!("cargo:rerun-if-changed={}", src.join("parser.c").display());
    println!(
        "cargo:rerun-if-changed={}",
        src.join("tree_sitter").display()
    );
    cc::Build::new()
        .include(&src)
        .file(src.join("parser.c"))
        .std("c11")
        // Generated code: its warnings are the generator's, not ours.
        .warnings(false)
        .compile("tree-sitter-iamdsl");
}
