//! The floor that issue 8's goals are set against, rerun on this machine (not part of the
//! `exemplar` CLI): a bare loop that reads every case file, parses its YAML front matter, renders
//! its Markdown with pulldown-cmark through one Tera template, in parallel (rayon), and writes
//! each page. No validation, no site model, no lists, no search: what any generator must do.
//! `cargo run --release --example floor -- SITE_DIR OUT_DIR`; `bench/build.sh` runs it.

use rayon::prelude::*;
use std::path::{Path, PathBuf};

const TEMPLATE: &str = "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<title>{{ title }}</title></head><body><h1>{{ title }}</h1><main>{{ body | safe }}</main></body></html>";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(site), Some(out)) = (args.first(), args.get(1)) else {
        eprintln!("usage: floor SITE_DIR OUT_DIR");
        std::process::exit(2);
    };
    let files: Vec<PathBuf> = walkdir::WalkDir::new(Path::new(site).join("content"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .collect();
    let mut tera = tera::Tera::new();
    if let Err(err) = tera.add_raw_templates([("page.html", TEMPLATE)]) {
        eprintln!("floor: {err}");
        std::process::exit(1);
    }
    let out = Path::new(out);
    let written: Result<Vec<usize>, String> =
        files.par_iter().enumerate().map(|(n, path)| page(&tera, path, &out.join(n.to_string()))).collect();
    match written {
        Ok(sizes) => println!("{} pages, {:.1} MB", sizes.len(), sizes.iter().sum::<usize>() as f64 / 1e6),
        Err(err) => {
            eprintln!("floor: {err}");
            std::process::exit(1);
        }
    }
}

/// One case file to one page; returns the page's size.
fn page(tera: &tera::Tera, path: &Path, dir: &Path) -> Result<usize, String> {
    let fail = |what: &dyn std::fmt::Display| format!("{}: {what}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| fail(&e))?;
    let rest = text.strip_prefix("---\n").ok_or_else(|| fail(&"no front matter"))?;
    let end = rest.find("\n---\n").ok_or_else(|| fail(&"front matter not closed"))?;
    let front: serde_yaml::Value = serde_yaml::from_str(&rest[..end]).map_err(|e| fail(&e))?;
    let title = front.get("title").and_then(|t| t.as_str()).unwrap_or_default();
    let mut body = String::with_capacity(rest.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut body, pulldown_cmark::Parser::new(&rest[end + 5..]));
    let mut context = tera::Context::new();
    context.insert("title", title);
    context.insert("body", &body);
    let html = tera.render("page.html", &context).map_err(|e| fail(&e))?;
    std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
    std::fs::write(dir.join("index.html"), &html).map_err(|e| fail(&e))?;
    Ok(html.len())
}
