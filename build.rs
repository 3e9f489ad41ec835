//! Embeds the default theme and the `init` scaffold in the binary, so that `exemplar init` can write
//! a complete new site and a site without its own theme still renders.
use std::{env, fs, path::Path};

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        // An editor's swap or backup file is not part of the theme (as `content::load::
        // is_editor_temporary` says for a site's theme, which a build script cannot call).
        let name = entry.file_name().to_string_lossy().into_owned();
        let temporary = name.starts_with('.')
            || name.starts_with('#')
            || name.ends_with('~')
            || [".swp", ".swx", ".tmp"].iter().any(|end| name.ends_with(end))
            || name == "4913";
        if temporary {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            out.push((rel, path.canonicalize().unwrap_or(path).display().to_string()));
        }
    }
}

fn embed(name: &str, dir: &str, code: &mut String) {
    let root = Path::new(dir);
    println!("cargo:rerun-if-changed={dir}");
    let mut files = Vec::new();
    collect(root, root, &mut files);
    code.push_str(&format!("pub static {name}: &[(&str, &[u8])] = &[\n"));
    for (rel, abs) in files {
        code.push_str(&format!("    ({rel:?}, include_bytes!({abs:?})),\n"));
    }
    code.push_str("];\n");
}

fn main() {
    let mut code = String::new();
    embed("DEFAULT_THEME", "themes/default", &mut code);
    embed("SCAFFOLD", "scaffold", &mut code);
    println!("cargo:rerun-if-changed=exemplar.yaml");
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded.rs");
    fs::write(out, code).expect("write embedded.rs");
}
