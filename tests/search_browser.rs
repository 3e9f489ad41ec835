//! The search page in headless Chromium, over HTTP and from `file://`: a reader types a query, sees
//! the expected cases with highlights, applies a facet, and the URL restores the same view; the
//! first results show while the excerpts of later ones are still loading; the JavaScript engine
//! returns what the Rust engine returns; with real key and input-method events (DevTools), the focus
//! stays on a filter used from the keyboard and pinyin is searched only once committed; the English
//! page fits a 360 px screen, its counts agree with their number and it says why nothing shows; a
//! value the URL chose shows checked or is dropped when the site has not, show-more keeps the new
//! rows in view and focused, a phone sees at its filters what a choice found (on the search page
//! and at the foot of a case list's open filter panel, in a bar that leads to the cases found),
//! and matches in a result's site or enterprise are marked.
//! Skipped (with a message) when Chromium is missing; `./scripts/test` installs it.

mod common;
mod search_support;

use std::fs;
use std::time::Duration;

use common::browser::{Browser, Page};
use exemplar::pipeline::{BuildOptions, searchable};
use exemplar::search::{self, Query};
use serde_json::Value;

const EVIL_TITLE: &str = "<img src=x onerror=alert(1)>";

const DRIVER: &str = r##"
(async function () {
  const post = (name, data) => fetch("REPORT" + name, { method: "POST", mode: "no-cors", body: JSON.stringify(data) });
  window.addEventListener("error", e => post("error", String(e.message)));
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const app = document.getElementById("search-app"), input = document.getElementById("search-q");
  async function settled(before) {
    for (let i = 0; i < 400; i++) {
      await sleep(20);
      if (app.dataset.ready && app.dataset.ready !== before && app.getAttribute("aria-busy") === "false") return;
    }
    throw new Error("the page did not settle");
  }
  function view() {
    return {
      q: input.value,
      status: document.getElementById("search-status").textContent,
      url: location.href,
      imgs: document.querySelectorAll("#search-results img").length,
      checked: [...document.querySelectorAll("#search-facets input:checked")].map(b => b.parentNode.textContent.trim()),
      results: [...document.querySelectorAll("#search-results li")].map(li => ({
        title: li.querySelector("h2").textContent,
        href: li.querySelector("a").getAttribute("href"),
        marks: [...li.querySelectorAll("mark")].map(m => m.textContent),
      })),
    };
  }
  async function type(text) {
    const before = app.dataset.ready;
    input.focus();
    input.value = "";
    for (const ch of text) {
      input.value += ch;
      input.dispatchEvent(new Event("input", { bubbles: true }));
      await sleep(30);
    }
    await settled(before);
    // On a loaded machine a pause between two keys can outlast the debounce: the results of a
    // prefix then settle first. Wait for the search of the whole text (its URL is written once it
    // started; aria-busy stays true until the latest search is drawn).
    const searched = () => new URLSearchParams(location.search.slice(1) || location.hash.slice(1)).get("q");
    for (let i = 0; i < 400 && !(searched() === text && app.getAttribute("aria-busy") === "false"); i++) await sleep(20);
  }
  // Submits `q` with the excerpt groups that are not loaded yet held back. Unless the first row's
  // group is loaded already, lets that one load (groups are asked for in the order of the
  // results). The view once the first row shows, with the number of groups still held back, and
  // the view once all are let through.
  async function progressive(q) {
    const load = EXS.loader, held = [];
    EXS.loader = name => name.startsWith("d/") ? held.push(name) : load(name);
    const before = app.dataset.ready, first = app.dataset.first;
    input.value = q;
    document.getElementById("search-form").requestSubmit();
    for (let i = 0; i < 400 && held.length === 0 && app.dataset.first === first; i++) await sleep(10);
    await sleep(50);
    let released = 0;
    if (app.dataset.first === first && held.length) load(held[released++]);
    for (let i = 0; i < 400 && app.dataset.first === first; i++) await sleep(10);
    const partial = Object.assign(view(), { busy: app.getAttribute("aria-busy"), pending: held.length - released });
    EXS.loader = load;
    held.slice(released).forEach(load);
    await settled(before);
    return { partial, full: view() };
  }
  try {
    const mode = new URLSearchParams(location.search).get("driver");
    const tag = mode.startsWith("file") ? "file-" : "";
    if (mode.endsWith("restore")) {
      await settled(undefined);
      return post(tag + "restored", view());
    }
    await settled(undefined);
    if (!tag) await post("progressive", await progressive("党"));
    await type("安全");
    await post(tag + "typed", view());
    const box = [...document.querySelectorAll("#search-facets label")].find(l => l.textContent.includes("已命名"));
    let before = app.dataset.ready;
    box.querySelector("input").click();
    await settled(before);
    const faceted = view();
    await post(tag + "faceted", faceted);
    if (!tag) {
      before = app.dataset.ready;
      document.querySelector("#search-facets input:checked").click();
      await settled(before);
      await type("onerror");
      await post("xss", view());
      await type("不存在的词语");
      await post("none", view());
      const E = EXS.engine, parity = {};
      for (const q of QUERIES) {
        const res = await E.search({ text: q });
        parity[q] = (await E.docs(res.hits.map(h => h.doc))).map(r => r[0]);
      }
      await post("parity", parity);
    }
    const u = new URL(faceted.url);
    u.searchParams.set("driver", tag + "restore");
    location.href = u.toString();
  } catch (e) {
    post("error", String(e && e.stack || e));
  }
})();
"##;

const QUERIES: [&str; 17] = [
    "安全",
    "先锋岗",
    "党员 先锋",
    "\"安全 生产\"",
    "“党员 先锋”",
    "\"lng 接卸 站\"",
    "创新工作室",
    "LNG",
    "ln",
    "ＬＮＧ接收站",
    "数字",
    "党",
    "评价好",
    "不存在的词语",
    "\"",
    "服务 2024",
    "！！",
];

fn rust_urls(index: &search::Index, query: &Query, limit: usize) -> Vec<String> {
    search::search(index, query).hits.iter().take(limit).map(|h| index.docs[h.doc as usize].url.clone()).collect()
}

fn hrefs(view: &Value) -> Vec<String> {
    view["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["href"].as_str().unwrap().trim_start_matches("../").to_owned())
        .collect()
}

/// True, after saying so, where Chromium is not installed (`./scripts/test` installs it).
fn skip_without_chromium() -> bool {
    let missing = !search_support::chromium_available();
    if missing {
        eprintln!("chromium is not installed: skipping the browser test (./scripts/test installs it)");
    }
    missing
}

#[test]
fn the_search_page_works_over_http_and_from_a_folder() {
    if skip_without_chromium() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let site_dir = tmp.path().join("site");
    common::copy_sample_site(&site_dir);
    fs::write(
        site_dir.join("content/xss.md"),
        format!(
            "---\ntitle: \"{EVIL_TITLE}\"\nsite: 测试示范点\nenterprise: 测试集团\nstatus: building\ndate: 2020-01-01\n---\n正文。\n"
        ),
    )
    .unwrap();
    let out = tmp.path().join("public");
    let built = common::exemplar(&["build", site_dir.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(built.status.success(), "{}", common::stderr(&built));

    let outcome = searchable(&BuildOptions::new(&site_dir));
    let index = search::build(&outcome.site.unwrap());

    let (port, rx) = search_support::serve(out.clone());
    let driver = DRIVER
        .replace("REPORT", &format!("http://127.0.0.1:{port}/report/"))
        .replace("QUERIES", &serde_json::to_string(&QUERIES).unwrap());
    fs::write(out.join("search/driver.js"), driver).unwrap();
    let page = common::read(out.join("search/index.html"));
    fs::write(out.join("search/driver.html"), page.replace("</body>", "<script src=\"driver.js\"></script></body>"))
        .unwrap();

    let profile = tempfile::tempdir().unwrap();
    let names = ["progressive", "typed", "faceted", "xss", "none", "parity", "restored"];
    let mut http = search_support::chromium(
        &format!("http://127.0.0.1:{port}/search/driver.html?driver=type"),
        &profile.path().join("http"),
    );
    let got = search_support::reports(&rx, &names, Duration::from_secs(60));
    common::chromium::stop(&mut http);
    let _ = http.wait();
    let view = |name: &str| -> Value { serde_json::from_str(&got.iter().find(|g| g.0 == name).unwrap().1).unwrap() };
    check_views(&index, &view("typed"), &view("faceted"), &view("restored"));

    // The first results show while the excerpts of later ones are still loading, in order; the
    // URL follows once all are drawn.
    let progressive = view("progressive");
    let (partial, full) = (&progressive["partial"], &progressive["full"]);
    assert!(
        partial["pending"].as_u64().unwrap() >= 1,
        "an excerpt group of the first page is still held back: {partial}"
    );
    assert_eq!(partial["busy"], "true", "{partial}");
    let (shown, all) = (hrefs(partial), hrefs(full));
    assert!(!shown.is_empty() && shown.len() < all.len(), "{shown:?} of {all:?}");
    assert_eq!(shown[..], all[..shown.len()]);
    assert_eq!(all, rust_urls(&index, &Query::text("党"), 10));
    assert!(!partial["url"].as_str().unwrap().contains("q="), "{}", partial["url"]);
    assert!(full["url"].as_str().unwrap().contains("q=%E5%85%9A"), "{}", full["url"]);

    // Titles are text: the markup in a title is shown, never run.
    let xss = view("xss");
    assert_eq!(xss["imgs"], 0);
    assert_eq!(xss["results"][0]["title"], EVIL_TITLE);
    assert_eq!(xss["results"][0]["marks"][0], "onerror");
    // No results: a clear message that repeats the query.
    let none = view("none");
    assert!(none["results"].as_array().unwrap().is_empty());
    assert!(none["status"].as_str().unwrap().contains("没有找到包含“不存在的词语”的案例"), "{}", none["status"]);

    // The JavaScript engine returns the Rust engine's results, in the same order.
    let parity = view("parity");
    for q in QUERIES {
        let js: Vec<String> = parity[q].as_array().unwrap().iter().map(|u| u.as_str().unwrap().to_owned()).collect();
        assert_eq!(js, rust_urls(&index, &Query::text(q), usize::MAX), "query {q:?}");
    }

    // The same from the folder, as file://.
    let file_url = format!("file://{}?driver=file", out.join("search/driver.html").display());
    let mut file = search_support::chromium(&file_url, &profile.path().join("file"));
    let got = search_support::reports(&rx, &["file-typed", "file-faceted", "file-restored"], Duration::from_secs(60));
    common::chromium::stop(&mut file);
    let _ = file.wait();
    let view = |name: &str| -> Value { serde_json::from_str(&got.iter().find(|g| g.0 == name).unwrap().1).unwrap() };
    check_views(&index, &view("file-typed"), &view("file-faceted"), &view("file-restored"));
}

fn check_views(index: &search::Index, typed: &Value, faceted: &Value, restored: &Value) {
    // Typing shows the Rust engine's first page, the match highlighted, a title match first.
    assert!(typed["status"].as_str().unwrap().starts_with("找到"), "{}", typed["status"]);
    assert_eq!(hrefs(typed), rust_urls(index, &Query::text("安全"), 10));
    assert_eq!(typed["results"][0]["marks"][0], "安全");
    assert!(typed["results"][0]["title"].as_str().unwrap().contains("安全"));
    for result in typed["results"].as_array().unwrap() {
        assert!(result["marks"].as_array().unwrap().iter().all(|m| m == "安全"), "{result}");
    }
    // The facet narrows the results and is kept in the URL.
    let named = Query { filters: vec![("status".into(), "named".into())], ..Query::text("安全") };
    assert_eq!(hrefs(faceted), rust_urls(index, &named, 10));
    assert!(faceted["checked"][0].as_str().unwrap().contains("已命名"));
    let url = faceted["url"].as_str().unwrap();
    assert!(url.contains("status=named") && url.contains("q=%E5%AE%89%E5%85%A8"), "{url}");
    // Opening that URL restores the same view.
    assert_eq!(restored["q"], "安全");
    assert_eq!(hrefs(restored), hrefs(faceted));
    assert_eq!(restored["checked"], faceted["checked"]);
}

const PARITY_PAGE: &str = r#"<!DOCTYPE html><meta charset="utf-8"><title>parity</title>
<script src="static/search.js" data-index="search/"></script>
<script>
(async function () {
  const post = (name, data) => fetch("REPORT" + name, { method: "POST", mode: "no-cors", body: JSON.stringify(data) });
  try {
    const E = EXS.engine, out = {};
    for (const q of QUERIES) {
      const res = await E.search({ text: q });
      const shown = await E.docs(res.hits.slice(0, 10).map(h => h.doc));
      out[q] = { hits: res.hits.map(h => [h.doc, h.score]), urls: shown.map(r => r[0]) };
    }
    post("parity", out);
  } catch (e) { post("error", String(e && e.stack || e)); }
})();
</script>"#;

#[test]
fn the_javascript_engine_equals_the_rust_engine_over_the_query_list() {
    if skip_without_chromium() {
        return;
    }
    // The corpus files the Rust tests use (long documents, code, Latin and Chinese), each a case:
    // every query of queries.tsv, and random substrings of their text.
    let site = search_support::corpus_site(Some(300));
    let index = search::build(&site);
    let mut queries = search_support::tsv_queries();
    assert!(queries.len() >= 20, "the query list is read");
    queries.extend(search_support::random_substrings(&site, 60, 11));
    queries.extend(
        [
            "TiDB 迁移",
            "\"负载 均衡\"",
            "ti",
            "Ｋｕｂｅｒｎｅｔｅｓ",
            "数据库",
            "！！",
            "“”",
            // Phrases of words (a prefix last, whose words' positions are joined), and of words
            // and Chinese.
            "\"hello world\"",
            "\"hertz ser\"",
            "\"if err\"",
            "\"Go 语言\"",
            "Go语言",
            "\"thrift idl\" kitex",
            "二〇二四",
            "「负载 均衡」",
        ]
        .map(str::to_owned),
    );

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("portal");
    search_support::write_search_portal(&site, &out, &[]);
    let (port, rx) = search_support::serve(out.clone());
    let page = PARITY_PAGE
        .replace("QUERIES", &serde_json::to_string(&queries).unwrap())
        .replace("REPORT", &format!("http://127.0.0.1:{port}/report/"));
    fs::write(out.join("parity.html"), page).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let mut browser =
        search_support::chromium(&format!("http://127.0.0.1:{port}/parity.html"), &profile.path().join("p"));
    let got = search_support::reports(&rx, &["parity"], Duration::from_secs(120));
    common::chromium::stop(&mut browser);
    let _ = browser.wait();
    let parity: Value = serde_json::from_str(&got[0].1).unwrap();

    let mut matched = 0;
    for q in &queries {
        let rust = search::search(&index, &Query::text(q));
        let js: Vec<(u64, u64)> = parity[q]["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h[0].as_u64().unwrap(), h[1].as_u64().unwrap()))
            .collect();
        let expected: Vec<(u64, u64)> = rust.hits.iter().map(|h| (u64::from(h.doc), u64::from(h.score))).collect();
        assert_eq!(js, expected, "query {q:?}: the same cases, scores and order");
        let urls: Vec<&str> = parity[q]["urls"].as_array().unwrap().iter().map(|u| u.as_str().unwrap()).collect();
        assert_eq!(urls, rust_urls(&index, &Query::text(q), 10), "query {q:?}: the first page");
        matched += usize::from(!expected.is_empty());
    }
    // Not a vacuous comparison: nearly every query finds cases in these 300 files.
    assert!(matched * 10 >= queries.len() * 9, "the queries find cases ({matched} of {})", queries.len());
}

const LIST_DRIVER: &str = r##"
(async function () {
  const post = (name, data) => fetch("REPORT" + name, { method: "POST", mode: "no-cors", body: JSON.stringify(data) });
  window.addEventListener("error", e => post("error", String(e.message)));
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const box = document.getElementById("case-filter");
  async function settled(before) {
    for (let i = 0; i < 400; i++) {
      await sleep(20);
      if (box.dataset.ready && box.dataset.ready !== before && box.getAttribute("aria-busy") === "false") return;
    }
    throw new Error("the filter did not settle");
  }
  const view = () => ({
    url: location.href,
    staticHidden: document.getElementById("case-list-static").hidden,
    status: document.getElementById("case-filter-status").textContent,
    results: [...document.querySelectorAll("#case-filter-results:not([hidden]) li a")].map(a => a.getAttribute("href")),
    legends: [...document.querySelectorAll("#case-filter-facets legend")].map(l => l.textContent),
    checked: [...document.querySelectorAll("#case-filter-facets input:checked")].map(b => b.parentNode.textContent.trim()),
  });
  async function click(legend) {
    const fs = [...document.querySelectorAll("#case-filter-facets fieldset")].find(f => f.querySelector("legend").textContent === legend);
    const label = fs.querySelector("label");
    const before = box.dataset.ready;
    label.querySelector("input").click();
    await settled(before);
    return label.textContent.trim().replace(/\s*\(\d+\)$/, "");
  }
  try {
    const mode = new URLSearchParams(location.search).get("driver");
    if (mode === "list") {
      // Opened with ?status=named: the filter from the URL, then a year, then cleared.
      await settled(undefined);
      await post("list-url", view());
      const year = await click("年份");
      await post("list-year", Object.assign(view(), { chosen: year }));
      const before = box.dataset.ready;
      document.getElementById("case-filter-clear").click();
      await settled(before);
      await post("list-clear", view());
    } else {
      // A term page: nothing runs until the panel opens; then an enterprise narrows the term's cases.
      const idle = view();
      const before = box.dataset.ready;
      document.querySelector("#case-filter-panel summary").click();
      await settled(before);
      const opened = view();
      const enterprise = await click("企业");
      await post("term", { idle, opened, chosen: enterprise, after: view() });
    }
  } catch (e) {
    post("error", String(e && e.stack || e) + " " + JSON.stringify(view()));
  }
})();
"##;

#[test]
fn the_case_lists_filter_with_the_search_data() {
    if skip_without_chromium() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let built = common::exemplar(&["build", common::repo().to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(built.status.success(), "{}", common::stderr(&built));
    let index = search::build(&searchable(&BuildOptions::new(common::repo())).site.unwrap());
    let filtered = |filters: &[(&str, &str)]| -> Vec<String> {
        let query = Query {
            filters: filters.iter().map(|(f, v)| (f.to_string(), v.to_string())).collect(),
            sort: search::Sort::Date,
            ..Query::default()
        };
        rust_urls(&index, &query, 10).into_iter().map(|u| format!("../../{u}")).collect()
    };

    let (port, rx) = search_support::serve(out.clone());
    let driver = LIST_DRIVER.replace("REPORT", &format!("http://127.0.0.1:{port}/report/"));
    for page in ["cases/index.html", "status/named/index.html"] {
        let path = out.join(page);
        let html = common::read(&path).replace("</body>", "<script src=\"driver.js\"></script></body>");
        fs::write(path.with_file_name("driver.html"), html).unwrap();
        fs::write(path.with_file_name("driver.js"), &driver).unwrap();
    }
    let profile = tempfile::tempdir().unwrap();
    let mut list = search_support::chromium(
        &format!("http://127.0.0.1:{port}/cases/driver.html?driver=list&status=named"),
        &profile.path().join("list"),
    );
    let got = search_support::reports(&rx, &["list-url", "list-year", "list-clear"], Duration::from_secs(60));
    common::chromium::stop(&mut list);
    let _ = list.wait();
    let view = |name: &str| -> Value { serde_json::from_str(&got.iter().find(|g| g.0 == name).unwrap().1).unwrap() };
    // The cases list is one level down: its links are ../cases/…; compare paths from the root.
    let hrefs = |v: &Value| -> Vec<String> {
        v["results"].as_array().unwrap().iter().map(|h| format!("../{}", h.as_str().unwrap())).collect()
    };

    // A filter in the URL: the page's own list gives way to the named cases, newest first.
    let from_url = view("list-url");
    assert_eq!(from_url["staticHidden"], true);
    assert_eq!(hrefs(&from_url), filtered(&[("status", "named")]));
    assert!(!hrefs(&from_url).is_empty());
    assert!(from_url["checked"][0].as_str().unwrap().starts_with("已命名"), "{}", from_url["checked"]);
    assert!(from_url["status"].as_str().unwrap().starts_with("符合筛选条件的案例共"), "{}", from_url["status"]);
    // A year narrows it, and the URL keeps both.
    let year = view("list-year");
    let chosen = year["chosen"].as_str().unwrap();
    assert_eq!(hrefs(&year), filtered(&[("status", "named"), ("year", chosen)]));
    let url = year["url"].as_str().unwrap();
    assert!(url.contains("status=named") && url.contains(&format!("year={chosen}")), "{url}");
    // Cleared: the page's own list is back.
    let cleared = view("list-clear");
    assert_eq!(cleared["staticHidden"], false);
    assert!(cleared["results"].as_array().unwrap().is_empty());
    assert!(!cleared["url"].as_str().unwrap().contains("status="), "{}", cleared["url"]);

    let mut term = search_support::chromium(
        &format!("http://127.0.0.1:{port}/status/named/driver.html?driver=term"),
        &profile.path().join("term"),
    );
    let got = search_support::reports(&rx, &["term"], Duration::from_secs(60));
    common::chromium::stop(&mut term);
    let _ = term.wait();
    let v: Value = serde_json::from_str(&got[0].1).unwrap();
    assert!(v["idle"]["legends"].as_array().unwrap().is_empty(), "no facet data before the panel opens");
    assert_eq!(v["opened"]["staticHidden"], false, "opening the panel alone keeps the term's list");
    let legends = v["opened"]["legends"].as_array().unwrap();
    assert!(legends.iter().any(|l| l == "企业") && !legends.iter().any(|l| l == "状态"), "{legends:?}");
    // The term's own status stays a filter: the enterprise's named cases only.
    let enterprise = v["chosen"].as_str().unwrap();
    let after = &v["after"];
    let got: Vec<String> =
        after["results"].as_array().unwrap().iter().map(|h| h.as_str().unwrap().to_owned()).collect();
    let expected = filtered(&[("status", "named"), ("enterprise", enterprise)]);
    assert!(!expected.is_empty());
    assert_eq!(got, expected);
}

// ---- A reader's keyboard, input method and phone, driven through DevTools (real key events) ----

/// Whether the search page (or the case list's filter, `box`) has drawn a search after `before`.
fn settled_after(before: &Value, box_id: &str) -> String {
    format!(
        "(() => {{ const a = document.getElementById({box_id:?}); return !!a && !!a.dataset.ready && a.dataset.ready !== {before} && a.getAttribute('aria-busy') === 'false'; }})()"
    )
}

/// Loads `url` in `page` and waits until the search page (or filter `box_id`) has drawn its first search.
fn goto(page: &mut Page, url: &str, box_id: &str) {
    page.eval("window.__left = true");
    page.call("Page.navigate", serde_json::json!({ "url": url }));
    assert!(
        page.wait_for("!window.__left && document.readyState === 'complete'", Duration::from_secs(20)),
        "{url} loads"
    );
    if box_id == "search-app" {
        assert!(page.wait_for(&settled_after(&Value::Null, box_id), Duration::from_secs(20)), "{url} settles");
    }
}

/// Presses a key as a reader does: keyDown then keyUp, with the text a key types.
fn press(page: &mut Page, key: &str) {
    let (code, vk, text) = match key {
        "Tab" => ("Tab", 9, ""),
        " " => ("Space", 32, " "),
        "Enter" => ("Enter", 13, "\r"),
        other => panic!("no key {other}"),
    };
    for kind in ["keyDown", "keyUp"] {
        let text = if kind == "keyDown" { text } else { "" };
        page.call(
            "Input.dispatchKeyEvent",
            serde_json::json!({ "type": kind, "key": key, "code": code, "windowsVirtualKeyCode": vk, "text": text }),
        );
    }
}

/// Presses Tab until the focused element matches `selector` (at most 40 times); its `data-focus`.
fn tab_to(page: &mut Page, selector: &str) -> String {
    for _ in 0..40 {
        press(page, "Tab");
        if page.eval(&format!("document.activeElement.matches({selector:?})")) == Value::Bool(true) {
            return page.eval("document.activeElement.getAttribute('data-focus')").as_str().unwrap_or("").to_owned();
        }
    }
    panic!("Tab never reaches {selector}");
}

fn ready(page: &mut Page, box_id: &str) -> Value {
    page.eval(&format!("document.getElementById({box_id:?}).dataset.ready || null"))
}

const FOCUSED: &str = "document.activeElement.tagName + ' ' + (document.activeElement.getAttribute('data-focus') || '') + ' ' + document.activeElement.checked";

#[test]
fn the_keyboard_keeps_its_place_and_input_methods_search_once_committed() {
    if skip_without_chromium() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = common::build_sample(tmp.path(), "zh-CN");
    let index = search::build(&searchable(&BuildOptions::new(common::repo())).site.unwrap());
    let (port, _rx) = search_support::serve(out);
    let base = format!("http://127.0.0.1:{port}");
    let browser = Browser::launch();
    let mut page = browser.open("about:blank");

    // Search page: Enter on "显示全部" (a facet's values past the eighth); the button gives way to
    // the values it showed, and the first of them has the focus.
    goto(&mut page, &format!("{base}/search/index.html"), "search-app");
    page.eval("document.getElementById('search-q').focus()");
    let more = page.eval("document.querySelector('#search-facets .search-facet__more').getAttribute('data-focus')");
    let more = more.as_str().expect("a facet with more than eight values").to_owned();
    tab_to(&mut page, "#search-facets .search-facet__more");
    press(&mut page, "Enter");
    assert!(page.wait_for("!document.querySelector('#search-facets .search-facet__more')", Duration::from_secs(5)));
    assert_eq!(page.eval(FOCUSED), format!("INPUT {more} false"), "Enter on 显示全部 hands the focus on");
    // Tab to a facet's checkbox and press Space: the facets are drawn again with the new counts,
    // and the focus is on the same value's (new) checkbox, now checked.
    page.eval("document.getElementById('search-q').focus()");
    let key = tab_to(&mut page, "#search-facets input[type=checkbox]");
    let before = ready(&mut page, "search-app");
    press(&mut page, " ");
    assert!(page.wait_for(&settled_after(&before, "search-app"), Duration::from_secs(20)));
    assert!(page.eval("location.search").as_str().unwrap().contains('='), "the filter applied");
    assert_eq!(page.eval(FOCUSED), format!("INPUT {key} true"), "Space on a facet keeps the focus there");

    // The same on the cases list's filter panel.
    goto(&mut page, &format!("{base}/cases/index.html"), "case-filter");
    page.eval("document.querySelector('#case-filter-panel summary').focus()");
    let before = ready(&mut page, "case-filter");
    press(&mut page, "Enter");
    assert!(page.wait_for(&settled_after(&before, "case-filter"), Duration::from_secs(20)), "the panel opens");
    let more =
        page.eval("document.querySelector('#case-filter-facets .search-facet__more').getAttribute('data-focus')");
    let more = more.as_str().expect("a facet with more than eight values").to_owned();
    tab_to(&mut page, "#case-filter-facets .search-facet__more");
    press(&mut page, "Enter");
    assert_eq!(page.eval(FOCUSED), format!("INPUT {more} false"), "Enter on 显示全部 hands the focus on");
    page.eval("document.querySelector('#case-filter-panel summary').focus()");
    let key = tab_to(&mut page, "#case-filter-facets input[type=checkbox]");
    let before = ready(&mut page, "case-filter");
    press(&mut page, " ");
    assert!(page.wait_for(&settled_after(&before, "case-filter"), Duration::from_secs(20)));
    assert_eq!(page.eval(FOCUSED), format!("INPUT {key} true"), "Space in the filter panel keeps the focus there");

    // An input method: while "anquan" is being composed nothing is searched, loaded or written into
    // the URL; once 安全 is committed, it is searched.
    goto(&mut page, &format!("{base}/search/index.html"), "search-app");
    page.eval("document.getElementById('search-q').focus(); EXS.asked.length = 0; true");
    let before = ready(&mut page, "search-app");
    for typed in ["a", "an", "anq", "anqu", "anqua", "anquan"] {
        let n = typed.len();
        page.call(
            "Input.imeSetComposition",
            serde_json::json!({ "text": typed, "selectionStart": n, "selectionEnd": n }),
        );
        std::thread::sleep(Duration::from_millis(40));
    }
    std::thread::sleep(Duration::from_millis(600));
    let composing = page.eval(
        "JSON.stringify([document.getElementById('search-q').value, location.search, EXS.asked, document.getElementById('search-app').dataset.ready || null])",
    );
    let composing: Value = serde_json::from_str(composing.as_str().unwrap()).unwrap();
    assert_eq!(composing[0], "anquan", "the input method composes in the box");
    assert_eq!(composing[1], "", "no ?q=anquan while composing");
    assert_eq!(composing[2], serde_json::json!([]), "nothing loaded for the pinyin");
    assert_eq!(composing[3], before, "no search while composing");
    page.call("Input.insertText", serde_json::json!({ "text": "安全" }));
    assert!(
        page.wait_for(&settled_after(&before, "search-app"), Duration::from_secs(20)),
        "the committed text is searched"
    );
    assert!(
        page.wait_for("location.search === '?q=%E5%AE%89%E5%85%A8'", Duration::from_secs(5)),
        "{}",
        page.eval("location.search")
    );
    let shown = page.eval(
        "[...document.querySelectorAll('#search-results h2 a')].map(a => a.getAttribute('href').replace('../', ''))",
    );
    let shown: Vec<String> = shown.as_array().unwrap().iter().map(|u| u.as_str().unwrap().to_owned()).collect();
    assert_eq!(shown, rust_urls(&index, &Query::text("安全"), 10));
}

/// The status line, the results' links, and the search page's menus and clear button.
const PAGE_VIEW: &str = "JSON.stringify({
  status: document.getElementById('search-status').textContent,
  results: [...document.querySelectorAll('#search-results h2 a')].map(a => a.getAttribute('href').replace('../', '')),
  clear: !document.getElementById('search-clear').hidden,
  sort: document.getElementById('search-sort').value,
  ind: document.getElementById('search-ind').value,
  min: document.getElementById('search-min').value,
  minText: (document.getElementById('search-min').selectedOptions[0] || {}).textContent || null,
  url: location.search,
  wide: document.documentElement.scrollWidth,
  width: document.documentElement.clientWidth,
})";

fn page_view(page: &mut Page) -> Value {
    serde_json::from_str(page.eval(PAGE_VIEW).as_str().unwrap()).unwrap()
}

#[test]
fn the_english_search_page_fits_a_phone_and_says_why_nothing_shows() {
    if skip_without_chromium() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = common::build_sample(tmp.path(), "en");
    let index = search::build(&searchable(&BuildOptions::new(common::repo())).site.unwrap());
    // Counts printed by the templates agree with their number ("1 case", not "1 cases").
    let home = common::read(out.join("index.html"));
    assert!(home.contains(">1 case<") && home.contains(">2 cases<"), "the home page's status counts");
    let revoked = common::read(out.join("status/revoked/index.html"));
    assert!(revoked.contains("1 case in total"), "a term page's count");
    for page in ["index.html", "status/index.html", "status/revoked/index.html", "cases/index.html"] {
        let html = common::read(out.join(page));
        assert!(!html.contains(">1 cases") && !html.contains(" 1 cases"), "{page}");
    }

    let (port, _rx) = search_support::serve(out);
    let base = format!("http://127.0.0.1:{port}");
    let browser = Browser::launch();
    let mut page = browser.open("about:blank");
    // A phone: 360 px. The sort menu's options (By latest score in “Rated well by members and the
    // public”), added once the facet data has loaded, must not widen the page.
    placeholder_fits_then_phone(&mut page, &base);
    goto(&mut page, &format!("{base}/search/index.html?q=%E7%9B%BE%E6%9E%84"), "search-app");
    let found = page_view(&mut page);
    assert!(page.eval("document.getElementById('search-sort').options.length").as_u64().unwrap() > 2, "{found}");
    assert_eq!(found["wide"], found["width"], "no wider than the screen: {found}");
    // One result: "1 case found".
    assert_eq!(found["status"], "1 case found");
    assert_eq!(found["results"], serde_json::json!(rust_urls(&index, &Query::text("盾构"), 10)));

    // The text finds a case, the filters hide it: say so, and offer to clear the filters.
    goto(&mut page, &format!("{base}/search/index.html?q=%E7%9B%BE%E6%9E%84&status=planned"), "search-app");
    let hidden = page_view(&mut page);
    assert_eq!(hidden["status"], "1 case contains “盾构”, but the filters hide it.", "{hidden}");
    assert_eq!(hidden["clear"], true, "{hidden}");
    let before = ready(&mut page, "search-app");
    page.eval("document.getElementById('search-clear').click()");
    assert!(page.wait_for(&settled_after(&before, "search-app"), Duration::from_secs(20)));
    let cleared = page_view(&mut page);
    assert_eq!(cleared["results"], found["results"], "{cleared}");
    assert_eq!(cleared["url"], "?q=%E7%9B%BE%E6%9E%84");
    assert_eq!(cleared["clear"], false);
    assert_eq!(page.eval("document.activeElement.id"), "search-q", "the focus goes back to the query");
    // A text that nothing has, with a filter: the text is the reason, and clearing would not help.
    goto(&mut page, &format!("{base}/search/index.html?q=zzzz&status=planned"), "search-app");
    let none = page_view(&mut page);
    assert_eq!(none["status"], "No case contains “zzzz”. Check the spelling or try a shorter word.");
    assert_eq!(none["clear"], false);

    // Punctuation alone has nothing to search for: said, not every case listed.
    goto(&mut page, &format!("{base}/search/index.html?q=%EF%BC%81%EF%BC%81"), "search-app");
    let punctuation = page_view(&mut page);
    assert!(punctuation["results"].as_array().unwrap().is_empty(), "{punctuation}");
    assert!(punctuation["status"].as_str().unwrap().starts_with("“！！” has nothing to search for"), "{punctuation}");

    // The URL's minimum score and order show in the menus; an order the site has not is relevance.
    goto(&mut page, &format!("{base}/search/index.html?min=innovation%3A92"), "search-app");
    let min = page_view(&mut page);
    assert_eq!(
        (&min["ind"], &min["min"], &min["minText"]),
        (&Value::from("innovation"), &Value::from("92"), &Value::from("≥ 92"))
    );
    let top = Query { min_scores: vec![("innovation".into(), 92.0)], ..Query::default() };
    assert_eq!(min["results"], serde_json::json!(rust_urls(&index, &top, 10)));
    goto(&mut page, &format!("{base}/search/index.html?q=%E5%AE%89%E5%85%A8&sort=bogus"), "search-app");
    let bogus = page_view(&mut page);
    assert_eq!(bogus["sort"], "relevance", "{bogus}");
    assert_eq!(bogus["results"], serde_json::json!(rust_urls(&index, &Query::text("安全"), 10)));
    assert_eq!(bogus["url"], "?q=%E5%AE%89%E5%85%A8", "the URL drops the order it could not follow");

    // The case list's filter: "1 case matches the filters".
    goto(&mut page, &format!("{base}/cases/index.html?status=revoked"), "case-filter");
    assert!(page.wait_for(&settled_after(&Value::Null, "case-filter"), Duration::from_secs(20)));
    assert_eq!(page.eval("document.getElementById('case-filter-status').textContent"), "1 case matches the filters");
    assert_eq!(page.eval("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), true);
}

/// Taps the centre of the element `selector` as a finger (or a mouse) does.
fn tap(page: &mut Page, selector: &str) {
    let at = page.eval(&format!(
        "(() => {{ const r = document.querySelector({selector:?}).getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; }})()"
    ));
    let (x, y) = (at[0].as_f64().unwrap(), at[1].as_f64().unwrap());
    for kind in ["mousePressed", "mouseReleased"] {
        page.call(
            "Input.dispatchMouseEvent",
            serde_json::json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
        );
    }
}

/// The focused element: its tag, and its link's address or its `data-focus` and whether checked.
const FOCUS: &str = "(() => { const e = document.activeElement; return e.tagName + ' ' + (e.getAttribute('href') || e.getAttribute('data-focus') || '') + (e.type === 'checkbox' ? ' ' + e.checked : ''); })()";

/// The links of the results (`list`: the search page's or the case filter's) without the `../`s.
fn result_links(page: &mut Page, list: &str) -> Vec<String> {
    let got = page.eval(&format!(
        "[...document.querySelectorAll('#{list} h2 a')].map(a => a.getAttribute('href').replace(/^(\\.\\.\\/)+/, ''))"
    ));
    got.as_array().unwrap().iter().map(|u| u.as_str().unwrap().to_owned()).collect()
}

/// What the facet headed `legend` shows: its checked values, its values in order, and whether it
/// is collapsed (a "显示全部" button).
fn facet_view(page: &mut Page, facets: &str, legend: &str) -> Value {
    let got = page.eval(&format!(
        "(() => {{ const fs = [...document.querySelectorAll('#{facets} fieldset')].find(f => f.querySelector('legend').textContent === {legend:?}); return JSON.stringify(fs && {{
          values: [...fs.querySelectorAll('label')].map(l => l.textContent.trim().replace(/\\s*\\(\\d+\\)$/, '')),
          checked: [...fs.querySelectorAll('input:checked')].map(b => b.parentNode.textContent.trim().replace(/\\s*\\(\\d+\\)$/, '')),
          collapsed: !!fs.querySelector('.search-facet__more') }}); }})()"
    ));
    serde_json::from_str(got.as_str().unwrap()).unwrap()
}

/// The header's search box shows its whole placeholder on this screen and, the page then made a
/// phone's (360 px), on a phone.
fn placeholder_fits_then_phone(page: &mut Page, base: &str) {
    let fits = placeholder_fits(page, base);
    assert_eq!(fits[0], true, "on a screen: {fits}");
    // On a screen (1280 px), in both languages, the box stays on the title's row: the tagline
    // between them gives way, not the box.
    assert_eq!(fits[3], true, "the search box on the title's row: {fits}");
    page.call(
        "Emulation.setDeviceMetricsOverride",
        serde_json::json!({ "width": 360, "height": 740, "deviceScaleFactor": 1, "mobile": true }),
    );
    let fits = placeholder_fits(page, base);
    assert_eq!(fits[0], true, "on a phone: {fits}");
}

/// Whether the header search box's placeholder fits inside it, on the home page as laid out now:
/// its width in the box's font against the box's room for text, and whether the box is on the
/// title's row (`[fits, width, room, same_row]`).
fn placeholder_fits(page: &mut Page, base: &str) -> Value {
    goto(page, &format!("{base}/index.html"), "");
    page.eval(
        "(() => { const i = document.getElementById('site-search-q'), s = getComputedStyle(i), c = document.createElement('canvas').getContext('2d');
          c.font = s.font;
          const width = c.measureText(i.placeholder).width, room = i.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
          const brand = document.querySelector('.brand').getBoundingClientRect(), form = i.form.getBoundingClientRect();
          return [width <= room, width, room, form.top < brand.bottom]; })()",
    )
}

#[test]
fn what_the_url_chose_shows_and_the_reader_keeps_their_place() {
    if skip_without_chromium() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = common::build_sample(tmp.path(), "zh-CN");
    let index = search::build(&searchable(&BuildOptions::new(common::repo())).site.unwrap());
    let query = |text: &str, filters: &[(&str, &str)]| Query {
        filters: filters.iter().map(|(f, v)| (f.to_string(), v.to_string())).collect(),
        ..Query::text(text)
    };
    let dated = |filters: &[(&str, &str)]| Query { sort: search::Sort::Date, ..query("", filters) };
    let (port, _rx) = search_support::serve(out);
    let base = format!("http://127.0.0.1:{port}");
    let browser = Browser::launch();
    let mut page = browser.open("about:blank");

    // A value the URL chose is shown and checked though it is past the first eight of a collapsed
    // facet (乡村振兴 is the eleventh tag): on the search page and on the cases list.
    let rural = "%E4%B9%A1%E6%9D%91%E6%8C%AF%E5%85%B4";
    goto(&mut page, &format!("{base}/search/index.html?tag={rural}"), "search-app");
    assert!(page.wait_for(&settled_after(&Value::Null, "search-app"), Duration::from_secs(20)));
    let tags = facet_view(&mut page, "search-facets", "标签");
    assert_eq!(tags["checked"], serde_json::json!(["乡村振兴"]), "{tags}");
    assert_eq!(tags["collapsed"], true, "the other tags stay folded away: {tags}");
    assert_eq!(tags["values"].as_array().unwrap().len(), 9, "the first eight and the chosen one: {tags}");
    assert_eq!(result_links(&mut page, "search-results"), rust_urls(&index, &query("", &[("tag", "乡村振兴")]), 10));
    goto(&mut page, &format!("{base}/cases/index.html?tag={rural}"), "case-filter");
    assert!(page.wait_for(&settled_after(&Value::Null, "case-filter"), Duration::from_secs(20)));
    let tags = facet_view(&mut page, "case-filter-facets", "标签");
    assert_eq!(tags["checked"], serde_json::json!(["乡村振兴"]), "{tags}");
    assert_eq!(tags["collapsed"], true, "{tags}");
    assert_eq!(result_links(&mut page, "case-filter-results"), rust_urls(&index, &dated(&[("tag", "乡村振兴")]), 10));

    // A value the site has not (a link to one since renamed) is dropped, from the URL too: the
    // text's cases show rather than "all hidden by the filters" with no filter to be seen.
    goto(&mut page, &format!("{base}/search/index.html?q=%E5%AE%89%E5%85%A8&status=bogus"), "search-app");
    assert!(page.wait_for("location.search === '?q=%E5%AE%89%E5%85%A8'", Duration::from_secs(5)));
    let all = search::search(&index, &Query::text("安全")).hits.len();
    let view = page_view(&mut page);
    assert_eq!(view["status"], format!("找到 {all} 个案例"), "{view}");
    assert_eq!(view["results"], serde_json::json!(rust_urls(&index, &Query::text("安全"), 10)));
    goto(&mut page, &format!("{base}/cases/index.html?status=bogus&year=2024"), "case-filter");
    assert!(
        page.wait_for("location.search === '?year=2024'", Duration::from_secs(20)),
        "{}",
        page.eval("location.search")
    );
    assert_eq!(result_links(&mut page, "case-filter-results"), rust_urls(&index, &dated(&[("year", "2024")]), 10));

    // Show more from the keyboard: the focus goes to the first new result (the button goes: every
    // result is shown), on the search page and on the case list's filter.
    let everything = rust_urls(&index, &Query::text("的"), 20);
    assert!(everything.len() > 10 && everything.len() <= 20, "one more page: {everything:?}");
    goto(&mut page, &format!("{base}/search/index.html?q=%E7%9A%84"), "search-app");
    page.eval("document.getElementById('search-more').focus()");
    press(&mut page, "Enter");
    assert!(page.wait_for(
        &format!("document.querySelectorAll('#search-results li').length === {}", everything.len()),
        Duration::from_secs(20)
    ));
    assert_eq!(
        page.eval(FOCUS),
        format!("A ../{}", everything[10]),
        "Enter on 显示更多结果 focuses the first new result"
    );
    assert_eq!(result_links(&mut page, "search-results"), everything);
    let named = rust_urls(&index, &dated(&[("status", "named")]), 20);
    assert!(named.len() > 10, "{named:?}");
    goto(&mut page, &format!("{base}/cases/index.html"), "case-filter");
    page.eval("document.querySelector('#case-filter-panel summary').click()");
    assert!(page.wait_for(&settled_after(&Value::Null, "case-filter"), Duration::from_secs(20)));
    let before = ready(&mut page, "case-filter");
    page.eval("document.querySelector('#case-filter-facets input[data-focus=\"status=named\"]').click()");
    assert!(page.wait_for(&settled_after(&before, "case-filter"), Duration::from_secs(20)));
    page.eval("document.getElementById('case-filter-more').focus()");
    press(&mut page, "Enter");
    assert!(page.wait_for(
        &format!("document.querySelectorAll('#case-filter-results li').length === {}", named.len().min(20)),
        Duration::from_secs(20)
    ));
    assert_eq!(page.eval(FOCUS), format!("A ../{}", named[10]), "the case list's show-more focuses the first new case");

    // Unchecking a chosen value with no case (0): it is gone once unchecked, and the focus goes to
    // the value now in its place in the same facet, not to the page.
    goto(&mut page, &format!("{base}/search/index.html?q=%E7%9B%BE%E6%9E%84&status=planned"), "search-app");
    page.eval("document.querySelector('#search-facets input:checked').focus()");
    assert_eq!(page.eval(FOCUS), "INPUT status=planned true");
    let before = ready(&mut page, "search-app");
    press(&mut page, " ");
    assert!(page.wait_for(&settled_after(&before, "search-app"), Duration::from_secs(20)));
    assert_eq!(facet_view(&mut page, "search-facets", "状态")["checked"], serde_json::json!([]));
    let focused = page.eval(FOCUS);
    let focused = focused.as_str().unwrap();
    assert!(focused.starts_with("INPUT status=") && !focused.contains("planned"), "{focused}");

    // The site and enterprise in a result's line are marked where they match.
    for (q, text) in
        [("%E5%8D%8E%E5%8D%97%E5%BB%BA%E5%B7%A5", "华南建工"), ("%E5%8D%81%E4%B8%80%E5%8F%B7%E7%BA%BF", "十一号线")]
    {
        goto(&mut page, &format!("{base}/search/index.html?q={q}"), "search-app");
        let marks = page.eval(
            "[...document.querySelectorAll('#search-results .search-result__meta mark')].map(m => m.textContent)",
        );
        assert!(marks.as_array().unwrap().iter().any(|m| m == text), "{q}: {marks}");
    }

    // A phone, 360 px: the filters come after the results.
    placeholder_fits_then_phone(&mut page, &base);
    // Tapping "显示更多结果" shows the 11th result where the button was, in view, and focused.
    goto(&mut page, &format!("{base}/search/index.html?q=%E7%9A%84"), "search-app");
    let button = page.eval("(() => { const b = document.getElementById('search-more'); b.scrollIntoView({ block: 'center' }); return b.getBoundingClientRect().top; })()");
    tap(&mut page, "#search-more");
    assert!(page.wait_for(
        &format!("document.querySelectorAll('#search-results li').length === {}", everything.len()),
        Duration::from_secs(20)
    ));
    assert!(page.wait_for(&settled_after(&Value::Null, "search-app"), Duration::from_secs(20)));
    let eleventh = page.eval("(() => { const r = document.querySelectorAll('#search-results li')[10].getBoundingClientRect(); return [r.top, r.bottom, innerHeight]; })()");
    let (top, bottom, height) =
        (eleventh[0].as_f64().unwrap(), eleventh[1].as_f64().unwrap(), eleventh[2].as_f64().unwrap());
    assert!(top >= 0.0 && bottom <= height, "the 11th result is in view: {eleventh} (the button was at {button})");
    assert!((top - button.as_f64().unwrap()).abs() < 2.0, "where the button was: {eleventh}, {button}");
    assert_eq!(page.eval(FOCUS), format!("A ../{}", everything[10]));
    // Tapping a filter: what it found shows at the filters, on the screen.
    goto(&mut page, &format!("{base}/search/index.html?q=%E5%AE%89%E5%85%A8"), "search-app");
    page.eval("document.querySelector('#search-facets input[data-focus=\"status=named\"]').scrollIntoView({ block: 'center' })");
    let before = ready(&mut page, "search-app");
    tap(&mut page, "#search-facets input[data-focus=\"status=named\"]");
    assert!(page.wait_for(&settled_after(&before, "search-app"), Duration::from_secs(20)));
    let n = search::search(&index, &query("安全", &[("status", "named")])).hits.len();
    let bar = page.eval("(() => { const s = document.getElementById('search-filter-status'), r = s.getBoundingClientRect(); return [s.textContent, r.top >= 0 && r.bottom <= innerHeight, document.documentElement.scrollWidth <= innerWidth]; })()");
    assert_eq!(bar, serde_json::json!([format!("找到 {n} 个案例"), true, true]), "the count in view at the filters");
}

/// The case filter's bar: its status line's text, whether it and the button are on the screen,
/// the button's label and whether it shows, and the focused checkbox's place (checked, and clear
/// of the bar), with the height of the bar and where the panel ends.
const BAR_VIEW: &str = "(() => {
  const bar = document.getElementById('case-filter-bar'), b = bar.getBoundingClientRect();
  const button = document.getElementById('case-filter-to-results'), r = button.getBoundingClientRect();
  const e = document.activeElement, f = e.getBoundingClientRect();
  const seen = x => x.height > 0 && x.top >= 0 && x.bottom <= innerHeight;
  return JSON.stringify({
    status: document.getElementById('case-filter-status').textContent,
    barSeen: seen(b), height: b.height, button: button.hidden ? null : button.textContent, buttonSeen: seen(r),
    focus: (e.getAttribute('data-focus') || e.tagName) + ' ' + e.checked, focusClear: seen(f) && f.bottom <= b.top,
    panelEnd: bar.parentNode.getBoundingClientRect().bottom - innerHeight,
    wide: document.documentElement.scrollWidth > innerWidth });
})()";

fn bar_view(page: &mut Page) -> Value {
    serde_json::from_str(page.eval(BAR_VIEW).as_str().unwrap()).unwrap()
}

#[test]
fn a_phone_sees_at_the_case_filters_foot_what_a_choice_found() {
    if skip_without_chromium() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let index = search::build(&searchable(&BuildOptions::new(common::repo())).site.unwrap());
    let browser = Browser::launch();
    let mut page = browser.open("about:blank");
    page.call(
        "Emulation.setDeviceMetricsOverride",
        serde_json::json!({ "width": 360, "height": 740, "deviceScaleFactor": 1, "mobile": true }),
    );
    // The cases list in Chinese, a term page (its own status kept) in English.
    let pages = [
        ("zh-CN", "cases/index.html", None, "查看结果"),
        ("en", "status/named/index.html", Some(("status", "named")), "See the results"),
    ];
    for (language, list, fixed, label) in pages {
        let out = common::build_sample(tmp.path(), language);
        let (port, _rx) = search_support::serve(out);
        goto(&mut page, &format!("http://127.0.0.1:{port}/{list}"), "case-filter");
        let idle = bar_view(&mut page);
        assert_eq!(
            (&idle["status"], &idle["height"], &idle["button"]),
            (&Value::from(""), &Value::from(0), &Value::Null)
        );
        // The panel open, every facet's values shown: a long list on a phone.
        tap(&mut page, "#case-filter-panel summary");
        assert!(page.wait_for(&settled_after(&Value::Null, "case-filter"), Duration::from_secs(20)), "{list}");
        page.eval("document.querySelectorAll('#case-filter-facets .search-facet__more').forEach(b => b.click())");
        // An action, far up the panel, tapped in the middle of the screen; on the term page at
        // the screen's foot, where the bar then comes: the box is kept clear of it.
        let at = if fixed.is_some() { "innerHeight - 40" } else { "innerHeight / 2" };
        let key = page.eval(&format!("(() => {{ const b = document.querySelector('#case-filter-facets input[data-focus^=\"action=\"]'); scrollBy(0, b.getBoundingClientRect().top - ({at})); return b.getAttribute('data-focus'); }})()"));
        let key = key.as_str().unwrap().to_owned();
        let before = ready(&mut page, "case-filter");
        tap(&mut page, &format!("#case-filter-facets input[data-focus={key:?}]"));
        assert!(page.wait_for(&settled_after(&before, "case-filter"), Duration::from_secs(20)), "{list}");
        let mut filters = vec![("action".to_owned(), key["action=".len()..].to_owned())];
        filters.extend(fixed.map(|(f, v)| (f.to_owned(), v.to_owned())));
        let query = Query { filters, sort: search::Sort::Date, ..Query::default() };
        let (n, first) = (search::search(&index, &query).hits.len(), rust_urls(&index, &query, 1));
        assert!(n > 1, "{query:?}");
        let count = if language == "en" {
            format!("{n} cases match the filters")
        } else {
            format!("符合筛选条件的案例共 {n} 个")
        };
        let view = bar_view(&mut page);
        assert!(view["panelEnd"].as_f64().unwrap() > 200.0, "the panel goes on below the screen: {view}");
        assert_eq!(view["status"], count.as_str(), "{view}");
        assert_eq!(
            (&view["barSeen"], &view["button"], &view["buttonSeen"]),
            (&Value::Bool(true), &Value::from(label), &Value::Bool(true)),
            "what the choice found, on the screen: {view}"
        );
        assert_eq!(
            (&view["focus"], &view["focusClear"]),
            (&Value::from(format!("{key} true")), &Value::Bool(true)),
            "{view}"
        );
        assert_eq!(view["wide"], false, "{view}");
        // The button: the found cases on the screen, under their count, the first one focused.
        tap(&mut page, "#case-filter-to-results");
        assert_eq!(page.eval(FOCUS), format!("A {}{}", "../".repeat(list.matches('/').count()), first[0]), "{list}");
        let seen = page.eval("(() => { const a = document.activeElement.getBoundingClientRect(), s = document.getElementById('case-filter-status').getBoundingClientRect(); return s.top >= 0 && s.bottom <= a.top && a.bottom <= innerHeight; })()");
        assert_eq!(seen, true, "{list}: the count and the first case in view");
    }
}
