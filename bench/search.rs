//! The search benchmark (not a test): `./bench/search.sh` or
//! `cargo run --release --example search_bench -- [generated N | corpus] [--browser]`.
//! Prints the figures of issue 4: recall and precision, index size, files, bytes and latency in
//! headless Chromium, index build time and memory.

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

const PAGE: &str = r#"<!DOCTYPE html><meta charset="utf-8"><title>bench</title>
<script src="static/search.js" data-index="search/"></script>
<script>
(async function () {
  const queries = QUERIES;
  const post = (name, data) => fetch("REPORT" + name, { method: "POST", mode: "no-cors", body: JSON.stringify(data) });
  try {
    const E = EXS.engine, out = [];
    for (let i = 0; i < queries.length; i++) {
      const before = EXS.loaded.length, asked = EXS.asked.length, t0 = performance.now();
      const res = await E.search({ text: queries[i] });
      await E.docs(res.hits.slice(0, 10).map(h => h.doc));
      const ms = performance.now() - t0;
      const cold = [...new Set(EXS.asked.slice(asked))];
      out.push({ q: queries[i], ms, files: EXS.loaded.slice(before), cold, hits: res.hits.length });
    }
    const again = [];
    for (let i = 0; i < queries.length; i++) {
      const t0 = performance.now();
      const res = await E.search({ text: queries[i] });
      await E.docs(res.hits.slice(0, 10).map(h => h.doc));
      again.push(performance.now() - t0);
    }
    post("bench", { out, again });
  } catch (e) { post("error", String(e && e.stack || e)); }
})();
</script>"#;

/// Browsers started one after the other on the same portal.
const RUNS: usize = 3;

fn browser(site: &Site, dir: &std::path::Path, queries: &[String]) {
    if !chromium_available() {
        println!("browser: chromium not found, skipped");
        return;
    }
    let (port, rx) = serve(dir.to_path_buf());
    let page = PAGE
        .replace("QUERIES", &serde_json::to_string(queries).unwrap())
        .replace("REPORT", &format!("http://127.0.0.1:{port}/report/"));
    std::fs::write(dir.join("bench.html"), page).unwrap();
    // Three fresh browsers (timings vary from run to run: the first search is one sample per run).
    let runs: Vec<serde_json::Value> = (0..RUNS)
        .map(|_| {
            let profile = tempfile::tempdir().unwrap();
            let mut child = chromium(&format!("http://127.0.0.1:{port}/bench.html"), profile.path());
            let got = reports(&rx, &["bench"], Duration::from_secs(120));
            let _ = child.kill();
            let _ = child.wait();
            serde_json::from_str(&got[0].1).unwrap()
        })
        .collect();
    let v = &runs[0];
    let size = |name: &str| std::fs::metadata(dir.join(format!("search/{name}.js"))).map_or(0, |m| m.len() as usize);
    let script = std::fs::metadata(dir.join("static/search.js")).map_or(0, |m| m.len() as usize);
    let out = v["out"].as_array().unwrap();
    // Bytes of a query: the index files and excerpt groups it loads after the queries before it
    // ("new"), and all those it needs, as if nothing were cached ("cold").
    let (mut index_bytes, mut total_bytes, mut cold_index, mut cold_total) = (vec![], vec![], vec![], vec![]);
    let mut worst = (0, "");
    let mut later = Vec::new();
    for (i, o) in out.iter().enumerate() {
        for (key, idx_out, all_out) in
            [("files", &mut index_bytes, &mut total_bytes), ("cold", &mut cold_index, &mut cold_total)]
        {
            let names: Vec<&str> = o[key].as_array().unwrap().iter().filter_map(|f| f.as_str()).collect();
            let idx: usize = names.iter().filter(|n| n.starts_with("s/")).map(|n| size(n)).sum();
            let all: usize = names.iter().filter(|n| **n != "manifest").map(|n| size(n)).sum();
            idx_out.push(idx);
            all_out.push(all);
            if key == "cold" && all > worst.0 {
                worst = (all, o["q"].as_str().unwrap_or(""));
            }
        }
        if i > 0 {
            later.push(o["ms"].as_f64().unwrap());
        }
    }
    let mut firsts: Vec<f64> = runs.iter().map(|r| r["out"][0]["ms"].as_f64().unwrap()).collect();
    firsts.sort_by(f64::total_cmp);
    let first_ms = firsts[firsts.len() / 2];
    for r in &runs[1..] {
        later.extend(r["out"].as_array().unwrap().iter().skip(1).filter_map(|o| o["ms"].as_f64()));
    }
    let mut again: Vec<f64> =
        runs.iter().flat_map(|r| r["again"].as_array().unwrap().iter().filter_map(|x| x.as_f64())).collect();
    later.sort_by(f64::total_cmp);
    again.sort_by(f64::total_cmp);
    let pct = |xs: &[f64], p: f64| xs.get(((xs.len() as f64 - 1.0) * p) as usize).copied().unwrap_or(0.0);
    let max = |xs: &[usize]| xs.iter().copied().max().unwrap_or(0);
    let median = |xs: &mut Vec<usize>| {
        xs.sort();
        xs.get(xs.len() / 2).copied().unwrap_or(0)
    };
    println!("browser (headless Chromium, http://127.0.0.1, {} queries, {} cases):", out.len(), site.cases.len());
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
        "  first search (loads manifest, shards, excerpts): median {first_ms:.1} ms of {RUNS} browsers ({})",
        firsts.iter().map(|f| format!("{f:.0}")).collect::<Vec<_>>().join(", ")
    );
    println!("  later searches, new terms: median {:.1} ms, p90 {:.1} ms", pct(&later, 0.5), pct(&later, 0.9));
    println!("  repeated searches (cached): median {:.2} ms, p90 {:.2} ms", pct(&again, 0.5), pct(&again, 0.9));
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

    if want_browser {
        let dir = tempfile::tempdir().unwrap();
        write_search_portal(&site, dir.path(), &[]);
        let mut queries = tsv.clone();
        queries.extend(random.into_iter().take(40));
        browser(&site, dir.path(), &queries);
    }
}
