//! Writes a generated site for the build benchmark (not part of the `exemplar` CLI):
//! `cargo run --release --example gen_site -- OUT_DIR [CASES] [--seed N] [--hugo]`.
//! See `bench/gen/mod.rs` for what the site holds; `bench/build.sh` runs it.

#[path = "gen/mod.rs"]
mod generator;

use std::path::{Path, PathBuf};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut positional = Vec::new();
    let (mut seed, mut hugo) = (1u64, false);
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--seed" => seed = iter.next().and_then(|s| s.parse().ok()).unwrap_or(1),
            "--hugo" => hugo = true,
            // An unknown option is not a folder to fill with a thousand cases.
            other if other.starts_with('-') => {
                eprintln!("usage: gen_site OUT_DIR [CASES] [--seed N] [--hugo]");
                std::process::exit(2);
            }
            _ => positional.push(arg.clone()),
        }
    }
    let Some(out) = positional.first().map(PathBuf::from) else {
        eprintln!("usage: gen_site OUT_DIR [CASES] [--seed N] [--hugo]");
        std::process::exit(2);
    };
    let cases = positional.get(1).and_then(|n| n.parse().ok()).unwrap_or(1000);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let options = generator::Options { cases, seed, hugo };
    match generator::generate(repo, &out, &options) {
        Ok(done) => println!(
            "{}: {} cases, {:.1} MB of case files, text from {}",
            out.display(),
            done.cases,
            done.bytes as f64 / 1e6,
            if done.corpus { "the corpus" } else { "the built-in word list" }
        ),
        Err(err) => {
            eprintln!("gen_site: {err}");
            std::process::exit(1);
        }
    }
}
