//! Embeds the default theme (`themes/agid/`) in the binary, so `civico` works from any folder.
//! A site may still override it with its own `themes/agid/` next to `civico.yaml`.

use std::fmt::Write as _;
use std::path::Path;

fn collect(dir: &Path, base: &Path, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            collect(&p, base, out);
        } else if let Ok(rel) = p.strip_prefix(base) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            if !rel.split('/').any(|s| s.starts_with('.')) {
                out.push(rel);
            }
        }
    }
}

fn main() {
    // The theme lives at the top of the repository, beside the example content.
    let base = Path::new("../../themes/agid");
    println!("cargo:rerun-if-changed=../../themes/agid");
    let mut files = Vec::new();
    collect(base, base, &mut files);
    let mut src = String::from("pub static FILES: &[(&str, &[u8])] = &[\n");
    // Paths from the crate's folder as this compilation sees it, not absolute ones: a target
    // folder shared by two clones of the repository must not embed the other clone's theme.
    for rel in &files {
        let path = format!("/../../themes/agid/{rel}");
        let _ = writeln!(
            src,
            "    ({rel:?}, include_bytes!(concat!(env!(\"CARGO_MANIFEST_DIR\"), {path:?}))),"
        );
    }
    src.push_str("];\n");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("theme_files.rs"), src).expect("write theme_files.rs");
}
