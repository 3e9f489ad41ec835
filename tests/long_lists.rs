//! Long lists on a large site: an indicator's ranking, a group of the practice library, a report and
//! the featured cases show their first rows on their overview page and link to pages of their own,
//! which together hold every row once, in order, so that no page grows with the site; in `serve`
//! those pages stay equal to a fresh server's after edits; the dataset holds every case once.
//! Checked on a generated site of 300 cases against its case files.

mod common;
#[path = "../bench/gen/mod.rs"]
mod generator;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;
use serde_yaml::Value;

/// Rows an overview shows of a long list (`portal::PREVIEW`).
const PREVIEW: usize = 20;

struct Case {
    slug: String,
    revoked: bool,
    /// The latest assessment's scores.
    latest: BTreeMap<String, f64>,
    /// The dimension of each practice, in order.
    dimensions: Vec<String>,
    featured: bool,
}

struct Built {
    out: PathBuf,
    cases: Vec<Case>,
    /// Indicator id → threshold.
    thresholds: BTreeMap<String, f64>,
}

fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        // In the target's folder for tests, not a temporary folder: a static is never dropped, and
        // the folder was left in the system's temporary directory on every run.
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("long-lists");
        let _ = std::fs::remove_dir_all(&dir);
        let site = dir.join("site");
        let options = generator::Options { cases: 300, seed: 11, hugo: false };
        generator::generate(&repo(), &site, &options).expect("the generator writes the site");
        feature_every(&site.join("content"), 10);
        let build = exemplar(&["build", site.to_str().unwrap(), "--quiet"]);
        assert!(build.status.success(), "build failed:\n{}", stderr(&build));
        let config: Value = serde_yaml::from_str(&read(site.join("exemplar.yaml"))).unwrap();
        let revoked_statuses: BTreeSet<String> = config["framework"]["statuses"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter(|s| s["revoked"].as_bool() == Some(true))
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect();
        let mut thresholds = BTreeMap::new();
        for group in config["framework"]["indicator_groups"].as_sequence().unwrap() {
            for i in group["indicators"].as_sequence().unwrap() {
                thresholds.insert(i["id"].as_str().unwrap().to_owned(), i["threshold"].as_f64().unwrap());
            }
        }
        let mut cases = Vec::new();
        for (slug, yaml) in front_matters(&site.join("content")) {
            let latest = yaml["assessments"]
                .as_sequence()
                .and_then(|list| list.last())
                .map(|a| {
                    a["scores"]
                        .as_mapping()
                        .unwrap()
                        .iter()
                        .map(|(k, v)| (k.as_str().unwrap().to_owned(), v.as_f64().unwrap()))
                        .collect()
                })
                .unwrap_or_default();
            let practices = yaml["practices"].as_sequence().cloned().unwrap_or_default();
            cases.push(Case {
                slug,
                revoked: revoked_statuses.contains(yaml["status"].as_str().unwrap()),
                latest,
                dimensions: practices.iter().map(|p| p["dimension"].as_str().unwrap().to_owned()).collect(),
                featured: yaml["featured"].as_bool() == Some(true),
            });
        }
        Built { out: site.join("public"), cases, thresholds }
    })
}

fn page(rel: &str) -> String {
    read(built().out.join(rel))
}

/// The part of `html` from the first `start` to the next `end`.
fn part<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html.find(start).unwrap_or_else(|| panic!("{start} is missing"));
    let rest = &html[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// The pages of a list, from its first page (a folder relative to the portal) along `rel="next"`;
/// each page's HTML.
fn list_pages(first: &str) -> Vec<String> {
    let mut dir = first.to_owned();
    let mut pages = vec![page(&format!("{dir}index.html"))];
    while let Some(next) = attribute_after(pages.last().unwrap(), "rel=\"next\"") {
        // Links are relative to the page that holds them.
        dir = format!("{}/", normalize(&Path::new(&dir).join(&next)));
        assert!(pages.len() < 100, "{first}: the pages do not end");
        pages.push(page(&format!("{dir}index.html")));
    }
    pages
}

/// The `href` of the link that carries `marker`.
fn attribute_after(html: &str, marker: &str) -> Option<String> {
    let at = html.find(marker)?;
    let tag_start = html[..at].rfind('<')?;
    let tag = &html[tag_start..html[at..].find('>')? + at];
    attributes(tag, "href").into_iter().next()
}

/// (rank, slug, score) of each row of the ranking tables in `html`.
fn ranking_rows(html: &str) -> Vec<(usize, String, f64)> {
    let table = part(html, "<table class=\"ranking\"", "</table>");
    table
        .split("<tr")
        .skip(2)
        .map(|row| {
            let slug = attributes(&format!("<tr{row}"), "data-slug").into_iter().next().unwrap();
            let cell = |marker: &str| {
                let at = row.find(marker).unwrap() + marker.len();
                row[at..at + row[at..].find('<').unwrap()].to_owned()
            };
            let rank = cell("<td class=\"num\">").parse().unwrap();
            let score = cell("<strong>").parse().unwrap();
            (rank, slug, score)
        })
        .collect()
}

#[test]
fn an_indicator_ranking_shows_its_top_on_the_term_page_and_every_site_on_its_own_pages() {
    let b = built();
    for indicator in b.thresholds.keys() {
        let slug = indicator.replace('_', "-");
        let mut want: Vec<(f64, &str)> = b
            .cases
            .iter()
            .filter(|c| !c.revoked)
            .filter_map(|c| Some((*c.latest.get(indicator)?, c.slug.as_str())))
            .collect();
        want.sort_by(|a, b| b.0.total_cmp(&a.0));
        assert!(want.len() > 2 * PREVIEW, "{indicator}: the site is too small to test this");

        let term = page(&format!("indicator/{slug}/index.html"));
        let top = ranking_rows(&term);
        assert_eq!(top.len(), PREVIEW, "{indicator}: the term page shows the top of the ranking");
        let link = format!("href=\"../../indicator/{slug}/ranking/\"");
        assert!(term.contains(&link), "{indicator}: a link to the rest of the ranking");

        let pages = list_pages(&format!("indicator/{slug}/ranking/"));
        let rows: Vec<(usize, String, f64)> = pages.iter().flat_map(|html| ranking_rows(html)).collect();
        assert_eq!(rows.len(), want.len(), "{indicator}: every ranked site once");
        assert_eq!(&rows[..PREVIEW], &top[..], "{indicator}: the top is the start of the full ranking");
        let scores: Vec<f64> = rows.iter().map(|r| r.2).collect();
        assert_eq!(scores, want.iter().map(|w| w.0).collect::<Vec<_>>(), "{indicator}: highest score first");
        let slugs: BTreeSet<&str> = rows.iter().map(|r| r.1.as_str()).collect();
        assert_eq!(slugs, want.iter().map(|w| w.1).collect(), "{indicator}: the ranked sites");
        // Equal scores share the rank of the first of them, across page breaks too.
        for (position, (rank, _, score)) in rows.iter().enumerate() {
            let first = scores.iter().position(|s| s == score).unwrap();
            assert_eq!(*rank, first + 1, "{indicator}: row {}", position + 1);
        }
        assert!(pages.len() >= 3, "{indicator}: {} pages of 100 rows", pages.len());
    }
}

#[test]
fn each_group_of_the_practice_library_has_pages_that_list_all_its_practices() {
    let b = built();
    let overview = page("practices/index.html");
    let mut dimensions: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for case in &b.cases {
        for (n, dimension) in case.dimensions.iter().enumerate() {
            dimensions.entry(dimension).or_default().insert(format!("cases/{}/#practice-{}", case.slug, n + 1));
        }
    }
    let links = |html: &str| -> Vec<String> {
        html.split(" class=\"library__title\">")
            .skip(1)
            .map(|item| {
                attributes(&item[..item.find('>').unwrap() + 1], "href")[0].trim_start_matches("../").to_owned()
            })
            .collect()
    };
    let mut checked = 0;
    for (dimension, want) in &dimensions {
        let slug = dimension.replace('_', "-");
        let section = part(&overview, &format!("id=\"dimension-{slug}\""), "</section>");
        let shown = links(section);
        assert_eq!(shown.len(), want.len().min(PREVIEW), "{dimension}: the overview shows the first practices");
        if want.len() <= PREVIEW {
            continue;
        }
        assert!(
            section.contains(&format!("href=\"../practices/dimension/{slug}/\"")),
            "{dimension}: a link to the group's pages"
        );
        let pages = list_pages(&format!("practices/dimension/{slug}/"));
        let listed: Vec<String> =
            pages.iter().flat_map(|html| links(html)).map(|l| l.trim_start_matches("../").to_owned()).collect();
        assert_eq!(listed.len(), want.len(), "{dimension}: each practice once");
        assert_eq!(listed.iter().cloned().collect::<BTreeSet<_>>(), *want, "{dimension}: the practices");
        assert_eq!(&listed[..PREVIEW], &shown[..], "{dimension}: the overview shows the start of the list");
        checked += 1;
    }
    assert!(checked >= 2, "no group has more than {PREVIEW} practices");
}

#[test]
fn a_report_shows_its_first_sites_and_links_to_pages_with_all_of_them() {
    let b = built();
    let want: BTreeSet<&str> = b
        .cases
        .iter()
        .filter(|c| !c.revoked)
        .filter(|c| c.latest.iter().any(|(id, v)| *v < b.thresholds[id]))
        .map(|c| c.slug.as_str())
        .collect();
    assert!(want.len() > PREVIEW, "the site is too small to test this");
    let reports = page("reports/index.html");
    let section = part(&reports, "id=\"below\"", "</section>");
    assert_eq!(attributes(section, "data-slug").len(), PREVIEW);
    assert!(section.contains("href=\"../reports/below/\""), "a link to the report's pages");
    let pages = list_pages("reports/below/");
    let listed: Vec<String> = pages.iter().flat_map(|html| attributes(html, "data-slug")).collect();
    assert_eq!(listed.len(), want.len(), "each site once");
    assert_eq!(listed.iter().map(String::as_str).collect::<BTreeSet<_>>(), want);
    assert_eq!(&listed[..PREVIEW], &attributes(section, "data-slug")[..]);
}

/// The slugs of the case cards in `html`, in order.
fn card_slugs(html: &str) -> Vec<String> {
    html.split("<article class=\"card")
        .skip(1)
        .flat_map(|card| attributes(&card[..card.find('>').unwrap()], "data-slug"))
        .collect()
}

#[test]
fn the_home_page_shows_a_few_featured_cases_and_links_to_pages_with_all_of_them() {
    let b = built();
    let want: BTreeSet<&str> = b.cases.iter().filter(|c| c.featured && !c.revoked).map(|c| c.slug.as_str()).collect();
    assert!(want.len() > 12, "the site is too small to test this");
    let home = page("index.html");
    let section = part(&home, "aria-labelledby=\"featured-title\"", "</section>");
    let shown = card_slugs(section);
    assert_eq!(shown.len(), 6, "the home page shows six featured cases");
    assert!(section.contains("href=\"featured/\""), "a link to all of them");
    let listed: Vec<String> = list_pages("featured/").iter().flat_map(|html| card_slugs(html)).collect();
    assert_eq!(listed.len(), want.len(), "each featured case once");
    assert_eq!(listed.iter().map(String::as_str).collect::<BTreeSet<_>>(), want);
    assert_eq!(&listed[..6], &shown[..], "the home page shows the newest");
}

#[test]
fn no_page_grows_with_the_site() {
    // At 300 cases the lists above have hundreds of rows; the pages stay the size of a few dozen.
    let mut largest = (0, String::new());
    for (rel, bytes) in read_tree(&built().out) {
        if rel.ends_with(".html") && bytes.len() > largest.0 {
            largest = (bytes.len(), rel);
        }
    }
    assert!(largest.0 < 150_000, "{} weighs {} bytes", largest.1, largest.0);
}

/// The dataset of a site larger than the sample it sizes its buffer from: every published case once,
/// one a line, newest first as the case list.
#[test]
fn the_dataset_holds_every_case_once_a_line() {
    let text = page("data/cases.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("data/cases.json is JSON");
    let records = json["cases"].as_array().expect("a list of cases");
    assert_eq!(records.len(), built().cases.len());
    assert_eq!(text.lines().count(), records.len() + 2, "the head, a line per case, the end");
    let slugs: Vec<&str> = records.iter().map(|r| r["slug"].as_str().unwrap_or_default()).collect();
    let listed: Vec<String> = list_pages("cases/").iter().flat_map(|html| card_slugs(html)).collect();
    assert_eq!(slugs, listed.iter().map(String::as_str).collect::<Vec<_>>());
}

/// The files of the long lists' own pages in a fresh build of `site`.
fn listing_files(site: &Path) -> Vec<String> {
    // The output inside the temporary folder, so that its lock file goes with it.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let build = exemplar(&["build", site.to_str().unwrap(), "-o", out.to_str().unwrap(), "--quiet"]);
    assert!(build.status.success(), "build failed:\n{}", stderr(&build));
    let lists = ["practices/dimension/", "practices/action/", "reports/", "featured/"];
    let overviews = ["practices/action/index.html", "reports/index.html"];
    read_tree(&out)
        .into_keys()
        .filter(|f| f.ends_with(".html") && !overviews.contains(&f.as_str()))
        .filter(|f| f.contains("/ranking/") || lists.iter().any(|l| f.starts_with(l)))
        .collect()
}

/// In `serve`, after an edit that moves a case down a ranking, under a threshold and renames one of
/// its practices, every page of the long lists is what a server started afresh answers.
#[test]
fn after_an_edit_the_served_lists_equal_a_fresh_servers() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    generator::generate(&repo(), &site, &generator::Options { cases: 300, seed: 11, hugo: false }).unwrap();
    let preview = common::preview::Preview::serve(site.clone());
    let files = listing_files(&site);
    assert!(files.iter().any(|f| f.contains("/ranking/page/")), "{files:?}");
    for file in &files {
        assert_eq!(preview.get(&format!("/{file}")).0, 200, "{file}");
    }

    // The newest case with an assessment and a practice.
    let (file, text) = walkdir::WalkDir::new(site.join("content"))
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| (e.path().to_owned(), read(e.path())))
        .find(|(_, text)| text.contains(" innovation: ") && text.contains("\npractices:\n  - title: \""))
        .unwrap();
    let slug = file.file_stem().unwrap().to_string_lossy().into_owned();
    // Writes the case file, waits until its page changes, then compares every list's pages with a
    // fresh server's; `listed`: what some list shows after the edit.
    let edit = |label: &str, text: &str, listed: &str| {
        let page = format!("/cases/{slug}/");
        let before = preview.get(&page).2;
        std::fs::write(&file, text).unwrap();
        assert!(preview.wait_for(&page, |_, body| body != before), "{label}: the case page did not change");
        let fresh = common::preview::Preview::serve(site.clone());
        let mut showing = 0;
        for file in listing_files(&site) {
            let path = format!("/{file}");
            let (status, _, body) = preview.get(&path);
            let (fresh_status, _, fresh_body) = fresh.get(&path);
            assert_eq!((status, fresh_status), (200, 200), "{label}: {path}");
            assert!(body == fresh_body, "{label}: {path} differs from a fresh server's");
            showing += usize::from(body.contains(listed));
        }
        assert!(showing > 0, "{label}: no list shows the edit");
    };

    // A text edit (the lists keep their rows): one of its practices is renamed.
    let renamed = text.replacen("\npractices:\n  - title: \"", "\npractices:\n  - title: \"【改】", 1);
    edit("after renaming a practice", &renamed, "【改】");

    // Its latest innovation score drops to 1: it moves down the ranking and under the threshold.
    let at = renamed.rfind(" innovation: ").unwrap() + " innovation: ".len();
    let end = at + renamed[at..].find(',').unwrap();
    let scored = format!("{}1{}", &renamed[..at], &renamed[end..]);
    edit("after a score edit", &scored, "<strong>1</strong></td>");

    // The renamed practice is filed under other actions (the case keeps its groups).
    let practice = scored.find("\npractices:\n").unwrap();
    let from = practice + scored[practice..].find("\n    actions: [").unwrap() + "\n    actions: [".len();
    let to = from + scored[from..].find(']').unwrap();
    let actions = if scored[from..to].contains("soul") { "empower, quality" } else { "soul" };
    edit(
        "after filing a practice under other actions",
        &format!("{}{actions}{}", &scored[..from], &scored[to..]),
        "【改】",
    );
}
