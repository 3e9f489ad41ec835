//! `exemplar.yaml` text through the configuration loader and its checks.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = exemplar::config::parse(text);
    }
});
