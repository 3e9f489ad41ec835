//! The search tokenizer, query parser and highlighter on any text.
#![no_main]
use exemplar::search::{query, tokenize};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    tokenize::terms(text, |_| {});
    let clauses = query::parse(text);
    for (start, end) in query::highlights(text, &clauses) {
        assert!(text.get(start..end).is_some());
    }
});
