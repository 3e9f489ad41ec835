//! Request heads through the preview server's parser and path cleaner.
#![no_main]
use exemplar::serve::http;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = http::parse_head(data) {
        if let Some(path) = http::clean_path(&request.target) {
            assert!(!path.starts_with('/') && !path.contains('\\'));
            assert!(path.split('/').all(|s| s != ".."));
        }
        if let Some(range) = request.header("range") {
            let _ = http::parse_range(range, 1000);
        }
    }
});
