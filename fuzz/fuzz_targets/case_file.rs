//! A case file's bytes through everything `exemplar build` does to one file alone: decoding,
//! front matter (the fast reader checked against the YAML parser), validation against the sample
//! framework, Markdown.
#![no_main]
use std::sync::LazyLock;

use exemplar::config::{Framework, RawHtmlPolicy};
use exemplar::content::{front_matter, load, validate};
use libfuzzer_sys::fuzz_target;

static FRAMEWORK: LazyLock<Framework> = LazyLock::new(|| {
    let site = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    exemplar::config::load(&site).expect("sample configuration").framework
});

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = load::decode("content/x.md", data.to_vec()) {
        let (front, problems) = front_matter::parse(&file);
        // The fast reader of plain YAML reads what the YAML parser reads, or leaves it to it.
        let (parsed, parsed_problems) = front_matter::parse_with_yaml_parser(&file);
        assert_eq!(format!("{front:?}"), format!("{parsed:?}"));
        assert_eq!(problems, parsed_problems);
        let _ = validate::validate(&file, &front, &FRAMEWORK);
        let _ = exemplar::markdown::render(file.body(), RawHtmlPolicy::Sanitize, &exemplar::markdown::KeepAll);
    }
});
