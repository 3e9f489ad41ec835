//! The search benchmark (not a test): `./bench/search.sh` or
//! `cargo run --release --example search_bench -- [generated N | corpus] [--browser]`.
//! Prints the figures of issue 4: recall and precision, index size, files, bytes and latency in
//! headless Chromium, index build time and memory.

/// The tests' Chromium helpers, where `search_support` finds them in the tests' `common` (the rest
/// of which needs the test binary's path).
#[path = "../tests/common/chromium.rs"]
mod chromium;
mod common {
    pub(crate) use super::chromium;
}
#[path = "../tests/search_support/mod.rs"]
mod search_support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use exemplar::search::{self, Query, files, tokenize};
use exemplar::site::Site;
use search_support::*;

fn proc_status(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

/// Recall and precision of the engine against substring truth over the indexed text.
fn quality(site: &Site, index: &search::Index, queries: &[String]) -> (f64, f64, usize) {
    let folded: Vec<Vec<String>> =
        site.cases.iter().map(|c| search::index::fields(c).iter().map(|f| tokenize::normalize(f)).collect()).collect();
    let (mut truth_n, mut found, mut returned) = (0usize, 0usize, 0usize);
    for q in queries {
        let clauses = search::query::parse(q);
        let truth: BTreeSet<u32> = (0..site.cases.len() as u32)
            .filter(|&i| {
                let fields = search::index::fields(&site.cases[i as usize]);
                clauses.iter().all(|c| {
                    // A CJK-only clause: a plain substring of the folded text (fast path).
                    if let [search::query::Term::Exact(_), ..] = c.terms.as_slice()
                        && c.runs.len() == 1
                        && let tokenize::Run::Cjk(chars) = &c.runs[0]
                    {
                        let needle: String = chars.iter().collect();
                        return folded[i as usize].iter().any(|f| f.contains(&needle));
                    }
                    fields.iter().any(|f| !search::query::highlights(f, std::slice::from_ref(c)).is_empty())
                })
            })
            .collect();
        let got: Vec<u32> = search::search(index, &Query::text(q)).hits.iter().map(|h| h.doc).collect();
        truth_n += truth.len();
        returned += got.len();
        found += got.iter().filter(|d| truth.contains(d)).count();
    }
    (found as f64 / truth_n.max(1) as f64, found as f64 / returned.max(1) as f64, queries.len())
}

/// Of the first ten results of each query, the share whose match a reader sees: in the title, the
/// site or enterprise named beside it, or the excerpt (the stored text, which the page shows from
/// just before its first match).
fn matches_shown(index: &search::Index, queries: &[String]) -> (f64, usize) {
    let (mut shown, mut results) = (0usize, 0usize);
    for q in queries {
        let clauses = search::query::parse(q);
        for hit in search::search(index, &Query::text(q)).hits.iter().take(10) {
            let doc = &index.docs[hit.doc as usize];
            results += 1;
            let seen = [&doc.title, &doc.site, &doc.enterprise, &doc.text]
                .iter()
                .any(|field| !search::query::highlights(field, &clauses).is_empty());
            shown += usize::from(seen);
        }
    }
    (shown as f64 / results.max(1) as f64, results)
}

/// The driver of the search page (appended to the real page, see [`portal`]). For each query: the
/// query is put in the box and the form submitted (what pressing Enter does: no debounce), and the
/// time runs until the page has put its first result in the list (`data-first`) and all of them
/// (`data-shown`), each time laid out; the facet counts that follow (`data-ready`) are timed apart.
/// The index files and excerpt groups loaded are timed from the moment they are asked for to when
/// their script runs (`EXS.add`), with the browser's resource timing in between. Then the same
/// queries typed: one `input` event, timed to the results shown, so including the page's debounce.
const DRIVER: &str = r#"
(async function () {
  performance.setResourceTimingBufferSize(100000);
  const post = (name, data) => fetch("REPORT" + name, { method: "POST", mode: "no-cors", body: JSON.stringify(data) });
  const app = document.getElementById("search-app"), input = document.getElementById("search-q");
  const form = document.getElementById("search-form"), list = document.getElementById("search-results");
  const files = {};
  const load = EXS.loader, add = EXS.add;
  EXS.loader = function (name) { files[name] = { ask: performance.now() }; load(name); };
  EXS.add = function (name, data) { if (files[name]) files[name].ran = performance.now(); add(name, data); };
  // Resolves when the attribute changes, with the time; `layout` forces style and layout first.
  function change(name, layout) {
    const before = app.getAttribute(name);
    return new Promise(resolve => {
      const mo = new MutationObserver(() => {
        if (app.getAttribute(name) === before) return;
        mo.disconnect();
        const t = performance.now();
        if (layout) list.getBoundingClientRect();
        resolve([t, performance.now()]);
      });
      mo.observe(app, { attributes: true, attributeFilter: [name] });
    });
  }
  const settle = () => new Promise(r => setTimeout(r, 30));
  function timing(name) {
    const f = files[name], url = new URL(EXS.base + name + ".js", location.href).href;
    const e = performance.getEntriesByName(url)[0];
    return { name, ask: f.ask, ran: f.ran, start: e ? e.startTime : null, req: e ? e.requestStart : null, first: e ? e.responseStart : null, end: e ? e.responseEnd : null };
  }
  async function one(q, typed) {
    const shown = change("data-shown", true), ready = change("data-ready", false);
    // The rows come in order as their excerpts load: the first row is timed apart (a query with
    // no results shows its message at once).
    const first = Promise.race([change("data-first", true), shown]);
    const asked = EXS.asked.length, loaded = EXS.loaded.length;
    const t0 = performance.now();
    input.value = q;
    if (typed) input.dispatchEvent(new Event("input", { bubbles: true }));
    else form.requestSubmit();
    const [t1, t2] = await shown;
    const [, f2] = await first;
    const [t3] = await ready;
    const names = EXS.loaded.slice(loaded);
    await settle();
    return { q, first: f2 - t0, shown: t1 - t0, laid: t2 - t0, ready: t3 - t0, files: names, cold: [...new Set(EXS.asked.slice(asked))],
      timings: names.map(timing).map(f => Object.assign(f, { ask: f.ask - t0, ran: f.ran - t0, start: f.start - t0, req: f.req - t0, first: f.first - t0, end: f.end - t0 })) };
  }
  try {
    if (app.getAttribute("data-ready") === null) await change("data-ready", false);
    await settle();
    const out = [];
    for (const q of QUERIES) out.push(await one(q, false));
    const again = [];
    for (const q of QUERIES) again.push((await one(q, false)).laid);
    const typed = [];
    for (const q of TYPED) typed.push((await one(q, true)).laid);
    post("bench", { out, again, typed });
  } catch (e) { post("error", String(e && e.stack || e)); }
})();
"#;

/// The font Chromium lays Chinese text out with (fontconfig's first for `:lang=zh`), or a warning:
/// without one, layout looks for a fallback at every character and takes several times as long.
fn chinese_font() -> String {
    let found = std::process::Command::new("fc-list")
        .args([":lang=zh", "family"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.lines().next().map(|l| l.split(',').next().unwrap_or(l).to_owned()));
    found.unwrap_or_else(|| "none installed (the latencies are slower than a reader's: see bench/search.sh)".to_owned())
}

/// The search page's debounce (`DEBOUNCE` in search.js): typed results show no sooner.
const DEBOUNCE_MS: f64 = 150.0;

/// Browsers started one after the other on the same portal.
const RUNS: usize = 3;

/// The sample site's portal (its real search page, styles and script) with the search files of
/// `site`; the search page with the driver is `search/bench.html`.
fn portal(site: &Site, dir: &std::path::Path) {
    let options = exemplar::pipeline::BuildOptions {
        out_dir: Some(dir.to_path_buf()),
        force: true,
        ..exemplar::pipeline::BuildOptions::new(repo())
    };
    let built = exemplar::pipeline::build(&options);
    assert!(!built.has_errors(), "the sample site builds");
    std::fs::remove_dir_all(dir.join("search/s")).unwrap();
    std::fs::remove_dir_all(dir.join("search/d")).unwrap();
    write_search_portal(site, dir, &[]);
    // The page loads the theme's script under its hashed name.
    let page = std::fs::read_to_string(dir.join("search/index.html")).unwrap();
    let script = page.split("src=\"../").find_map(|s| s.split('"').next().filter(|p| p.contains("search."))).unwrap();
    std::fs::copy(repo().join("themes/default/static/search.js"), dir.join(script)).unwrap();
}

fn browser(site: &Site, dir: &std::path::Path, queries: &[String], typed: &[String]) {
    if !chromium_available() {
        println!("browser: chromium not found, skipped");
        return;
    }
    let (port, rx) = serve(dir.to_path_buf());
    let driver = DRIVER
        .replace("QUERIES", &serde_json::to_string(queries).unwrap())
        .replace("TYPED", &serde_json::to_string(typed).unwrap())
        .replace("REPORT", &format!("http://127.0.0.1:{port}/report/"));
    std::fs::write(dir.join("search/bench.js"), driver).unwrap();
    let page = std::fs::read_to_string(dir.join("search/index.html")).unwrap();
    std::fs::write(dir.join("search/bench.html"), page.replace("</body>", "<script src=\"bench.js\"></script></body>"))
        .unwrap();
    // Three fresh browsers (timings vary from run to run: the first search is one sample per run).
    let runs: Vec<serde_json::Value> = (0..RUNS)
        .map(|_| {
            let profile = tempfile::tempdir().unwrap();
            let mut child = chromium(&format!("http://127.0.0.1:{port}/search/bench.html"), profile.path());
            let got = reports(&rx, &["bench"], Duration::from_secs(300));
            common::chromium::stop(&mut child);
            serde_json::from_str(&got[0].1).unwrap()
        })
        .collect();
    let v = &runs[0];
    let size = |name: &str| std::fs::metadata(dir.join(format!("search/{name}.js"))).map_or(0, |m| m.len() as usize);
    let script = std::fs::metadata(dir.join("static/search.js")).map_or(0, |m| m.len() as usize);
    let out = v["out"].as_array().unwrap();
    // Bytes of a query: the index files and excerpt groups it loads after the queries before it
    // ("new"), and all those it needs, as if nothing were cached ("cold"). The manifest and the
    // facet data are loaded with the page, before any query.
    let (mut index_bytes, mut total_bytes, mut cold_index, mut cold_total) = (vec![], vec![], vec![], vec![]);
    let mut worst = (0, "");
    for o in out {
        for (key, idx_out, all_out) in
            [("files", &mut index_bytes, &mut total_bytes), ("cold", &mut cold_index, &mut cold_total)]
        {
            let names: Vec<&str> = o[key].as_array().unwrap().iter().filter_map(|f| f.as_str()).collect();
            let idx: usize = names.iter().filter(|n| n.starts_with("s/")).map(|n| size(n)).sum();
            let all: usize = names.iter().filter(|n| n.starts_with("s/") || n.starts_with("d/")).map(|n| size(n)).sum();
            idx_out.push(idx);
            all_out.push(all);
            if key == "cold" && all > worst.0 {
                worst = (all, o["q"].as_str().unwrap_or(""));
            }
        }
    }
    let ms = |o: &serde_json::Value, key: &str| o[key].as_f64().unwrap_or(f64::NAN);
    let sorted = |mut xs: Vec<f64>| {
        xs.sort_by(f64::total_cmp);
        xs
    };
    // The first search of each browser: to its first row, and to all its rows.
    let first_search = |key: &str| sorted(runs.iter().map(|r| ms(&r["out"][0], key)).collect());
    let (first_rows, firsts) = (first_search("first"), first_search("laid"));
    let (first_row_ms, first_ms) = (first_rows[first_rows.len() / 2], firsts[firsts.len() / 2]);
    let laters: Vec<&serde_json::Value> =
        runs.iter().flat_map(|r| r["out"].as_array().unwrap().iter().skip(1)).collect();
    let later = sorted(laters.iter().map(|o| ms(o, "laid")).collect());
    let later_first = sorted(laters.iter().map(|o| ms(o, "first")).collect());
    let ready = sorted(laters.iter().map(|o| ms(o, "ready")).collect());
    let flat = |key: &str| -> Vec<f64> {
        sorted(runs.iter().flat_map(|r| r[key].as_array().unwrap().iter().filter_map(|x| x.as_f64())).collect())
    };
    let (again, typed) = (flat("again"), flat("typed"));
    let pct = |xs: &[f64], p: f64| xs.get(((xs.len() as f64 - 1.0) * p) as usize).copied().unwrap_or(0.0);
    let max = |xs: &[usize]| xs.iter().copied().max().unwrap_or(0);
    let median = |xs: &mut Vec<usize>| {
        xs.sort();
        xs.get(xs.len() / 2).copied().unwrap_or(0)
    };
    println!(
        "browser (headless Chromium, the search page over http://127.0.0.1, {} queries, {} cases):",
        out.len(),
        site.cases.len()
    );
    println!("  Chinese font: {}", chinese_font());
    println!(
        "  before the first result: search.js {} + manifest {} = {}",
        kb(script),
        kb(size("manifest")),
        kb(script + size("manifest"))
    );
    println!(
        "  per query, new: index data median {} max {}; all data (index + excerpts) median {} max {}",
        kb(median(&mut index_bytes.clone())),
        kb(max(&index_bytes)),
        kb(median(&mut total_bytes.clone())),
        kb(max(&total_bytes))
    );
    println!(
        "  per query, cold: index data median {} max {}; all data median {} max {} ({})",
        kb(median(&mut cold_index.clone())),
        kb(max(&cold_index)),
        kb(median(&mut cold_total.clone())),
        kb(max(&cold_total)),
        worst.1
    );
    println!(
        "  latency: from the query submitted (Enter, no debounce) to its first result in the list, laid out / to all ten:"
    );
    println!(
        "  first search (the page loaded, its manifest and facets too): median {first_row_ms:.1} ms ({}) / {first_ms:.1} ms ({}) of {RUNS} browsers",
        first_rows.iter().map(|f| format!("{f:.0}")).collect::<Vec<_>>().join(", "),
        firsts.iter().map(|f| format!("{f:.0}")).collect::<Vec<_>>().join(", ")
    );
    println!(
        "  later searches, new terms: first result median {:.1} ms, p90 {:.1} ms / all median {:.1} ms, p90 {:.1} ms",
        pct(&later_first, 0.5),
        pct(&later_first, 0.9),
        pct(&later, 0.5),
        pct(&later, 0.9)
    );
    println!("  repeated searches (cached): median {:.2} ms, p90 {:.2} ms", pct(&again, 0.5), pct(&again, 0.9));
    println!(
        "  later searches to the facet counts updated: median {:.1} ms, p90 {:.1} ms",
        pct(&ready, 0.5),
        pct(&ready, 0.9)
    );
    println!(
        "  typed (one input event), new terms: median {:.1} ms, p90 {:.1} ms: the page's {DEBOUNCE_MS} ms debounce, then {:.1} ms / {:.1} ms",
        pct(&typed, 0.5),
        pct(&typed, 0.9),
        pct(&typed, 0.5) - DEBOUNCE_MS,
        pct(&typed, 0.9) - DEBOUNCE_MS
    );
    breakdown("the first search", &runs.iter().map(|r| &r["out"][0]).collect::<Vec<_>>());
    breakdown("a later search", &laters);
}

/// Where the later searches' time goes: index files, the engine, excerpt groups, the page.
fn breakdown(label: &str, laters: &[&serde_json::Value]) {
    let med = |mut xs: Vec<f64>| {
        xs.retain(|x| x.is_finite());
        xs.sort_by(f64::total_cmp);
        xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
    };
    let (mut shards, mut engine, mut excerpts, mut page, mut layout) = (vec![], vec![], vec![], vec![], vec![]);
    let (mut queued, mut network, mut run, mut stall, mut ttfb) = (vec![], vec![], vec![], vec![], vec![]);
    let (mut n_s, mut n_d, mut asked) = (vec![], vec![], vec![]);
    for o in laters {
        let t: Vec<&serde_json::Value> = o["timings"].as_array().unwrap().iter().collect();
        let f = |x: &serde_json::Value, k: &str| x[k].as_f64().unwrap_or(f64::NAN);
        let of = |p: &str| t.iter().filter(|x| x["name"].as_str().unwrap().starts_with(p)).copied().collect::<Vec<_>>();
        let (s, d) = (of("s/"), of("d/"));
        n_s.push(s.len() as f64);
        n_d.push(d.len() as f64);
        let s_done = s.iter().map(|x| f(x, "ran")).fold(0.0, f64::max);
        let d_ask = d.iter().map(|x| f(x, "ask")).fold(f64::INFINITY, f64::min);
        let d_done = d.iter().map(|x| f(x, "ran")).fold(0.0, f64::max);
        shards.push(s_done);
        asked.push(t.iter().map(|x| f(x, "ask")).fold(f64::INFINITY, f64::min));
        if !d.is_empty() {
            engine.push(d_ask - s_done);
            excerpts.push(d_done - d_ask);
        }
        page.push(f(o, "shown") - s_done.max(d_done));
        layout.push(f(o, "laid") - f(o, "shown"));
        for x in &t {
            queued.push(f(x, "start") - f(x, "ask"));
            network.push(f(x, "end") - f(x, "start"));
            stall.push(f(x, "req") - f(x, "start"));
            ttfb.push(f(x, "first") - f(x, "req"));
            run.push(f(x, "ran") - f(x, "end"));
        }
    }
    println!(
        "  where {label}'s time goes (medians): the first file asked at {:.1} ms, index files {:.1} ms ({} files), engine {:.1} ms, excerpt groups {:.1} ms ({} files), page {:.1} ms, layout {:.1} ms",
        med(asked),
        med(shards),
        med(n_s),
        med(engine),
        med(excerpts),
        med(n_d),
        med(page),
        med(layout)
    );
    println!(
        "  a file of {label} (medians): asked to request {:.1} ms, request to response {:.1} ms (stalled {:.1}, to the first byte {:.1}), response to script run {:.1} ms",
        med(queued),
        med(network),
        med(stall),
        med(ttfb),
        med(run)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let want_browser = args.iter().any(|a| a == "--browser");
    let (label, site) = match args.first().map(String::as_str) {
        Some("corpus") => ("corpus (each file a case)", corpus_site(None)),
        _ => {
            let n = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(10_000);
            ("generated", generated_site(n))
        }
    };
    let chars: usize =
        site.cases.iter().map(|c| search::index::fields(c).iter().map(|f| f.chars().count()).sum::<usize>()).sum();
    println!(
        "site: {label}, {} cases, {:.0} characters of text per case",
        site.cases.len(),
        chars as f64 / site.cases.len() as f64
    );

    // Index build: time and the memory it adds at its peak.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before = proc_status("VmRSS:");
    let started = Instant::now();
    let index = search::build(&site);
    let written = files::write(&index);
    let build_time = started.elapsed();
    let peak = proc_status("VmHWM:");
    println!(
        "index build: {:.2} s on {} threads, peak memory {:.0} MB above the loaded site ({:.0} MB in all)",
        build_time.as_secs_f64(),
        rayon::current_num_threads(),
        peak.saturating_sub(rss_before) as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    let n = site.cases.len().max(1);
    println!(
        "index: {} in {} shards = {} per case; excerpts: {} in {} files = {} per case; facets {}; {} files in all",
        kb(written.index_bytes),
        written.shards,
        kb(written.index_bytes / n),
        kb(written.doc_bytes),
        written.groups,
        kb(written.doc_bytes / n),
        kb(written.facet_bytes),
        written.files.len()
    );

    let tsv = tsv_queries();
    let (r, p, q) = quality(&site, &index, &tsv);
    println!("queries.tsv ({q} queries): recall {r:.4}, precision {p:.4} (against the indexed text)");
    let random = random_substrings(&site, 300, 7);
    let (r, p, q) = quality(&site, &index, &random);
    println!("random 2–4 character substrings ({q}): recall {r:.4}, precision {p:.4}");
    let ((tsv_share, tsv_n), (random_share, random_n)) = (matches_shown(&index, &tsv), matches_shown(&index, &random));
    println!(
        "matches shown (the first ten results whose match shows in the title, site, enterprise or excerpt): queries.tsv {:.1} % of {tsv_n}, random substrings {:.1} % of {random_n}",
        tsv_share * 100.0,
        random_share * 100.0
    );

    if want_browser {
        // The portal inside the temporary folder, so that the build's lock file goes with it.
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("portal");
        write_search_portal(&site, &dir, &[]);
        portal(&site, &dir);
        let mut queries = tsv.clone();
        queries.extend(random.iter().take(40).cloned());
        let typed: Vec<String> = random.iter().skip(40).take(40).cloned().collect();
        browser(&site, &dir, &queries, &typed);
    }
}
