//! The list pages as a reader sees them in headless Chromium, opened from `file://` as a portal
//! handed round as a folder is: on a 360 px phone an indicator's ranking gives its sites' names
//! room to be read (not one character a line), and a table's caption wraps on the screen though
//! its table is wider and scrolls sideways, in Chinese and in English.
//! Skipped (with a message) when Chromium is missing; `./scripts/test` installs it.

mod common;

use std::path::Path;
use std::time::Duration;

use common::browser::{Browser, Page};
use serde_json::Value;

fn chromium_missing() -> bool {
    let missing = std::process::Command::new("chromium").arg("--version").output().is_err();
    if missing {
        eprintln!("chromium is not installed: skipping the browser test (./scripts/test installs it)");
    }
    missing
}

/// A phone's screen: 360 px wide.
fn phone(page: &mut Page) {
    page.call(
        "Emulation.setDeviceMetricsOverride",
        serde_json::json!({ "width": 360, "height": 740, "deviceScaleFactor": 1, "mobile": true }),
    );
}

/// Opens the file `path` in `page` and waits until it has loaded.
fn open(page: &mut Page, path: &Path) {
    page.eval("window.__left = true");
    let url = format!("file://{}", path.display());
    page.call("Page.navigate", serde_json::json!({ "url": url }));
    assert!(page.wait_for("!window.__left && document.readyState === 'complete'", Duration::from_secs(20)), "{url}");
}

#[test]
fn rankings_and_reports_read_on_a_phone() {
    if chromium_missing() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let browser = Browser::launch();
    let mut page = browser.open("about:blank");
    phone(&mut page);
    for language in ["zh-CN", "en"] {
        let out = common::build_sample(tmp.path(), language);
        open(&mut page, &out.join("indicator/innovation/index.html"));
        // Each row's site: how many of its name's characters a line holds, at the cell's width.
        let rows = page.eval(
            "[...document.querySelectorAll('.ranking tbody th')].map(th => { const a = th.querySelector('a'); return [a.textContent, th.clientWidth / parseFloat(getComputedStyle(a).fontSize)]; })",
        );
        let rows = rows.as_array().unwrap();
        assert!(rows.len() > 5, "{language}: {rows:?}");
        for row in rows {
            assert!(row[1].as_f64().unwrap() >= 7.0, "{language}: {row} — the site's name, a few characters a line");
        }
        let wide = page.eval("document.documentElement.scrollWidth <= innerWidth");
        assert_eq!(wide, Value::Bool(true), "{language}: the page no wider than the screen");
        // The ranking is wider than the screen (it scrolls in its region); its caption is not.
        assert_eq!(captions(&mut page), Value::Array(vec![]), "{language}: captions cut at the screen's edge");
        assert_eq!(page.eval("document.querySelector('.ranking').offsetWidth > innerWidth"), Value::Bool(true));
        open(&mut page, &out.join("reports/index.html"));
        assert_eq!(captions(&mut page), Value::Array(vec![]), "{language}: the reports' captions");
    }
}

/// The captions of the page's tables whose text goes past the screen's right edge.
fn captions(page: &mut Page) -> Value {
    page.eval(
        "[...document.querySelectorAll('caption')].filter(c => { const r = document.createRange(); r.selectNodeContents(c); return r.getBoundingClientRect().right > innerWidth; }).map(c => c.textContent)",
    )
}
