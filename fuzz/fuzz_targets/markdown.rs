//! Markdown bodies under the three raw-HTML policies; sanitised output never carries a script.
#![no_main]
use exemplar::config::RawHtmlPolicy;
use exemplar::markdown::{KeepAll, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else { return };
    for policy in [RawHtmlPolicy::Sanitize, RawHtmlPolicy::Escape, RawHtmlPolicy::Trust] {
        let out = render(source, policy, &KeepAll);
        if policy != RawHtmlPolicy::Trust {
            assert!(!out.html.to_ascii_lowercase().contains("<script"), "{policy:?}: {}", out.html);
        }
    }
});
