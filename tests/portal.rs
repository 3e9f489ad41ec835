//! End-to-end tests of the portal readers see: the real binary builds the sample site once, and
//! every test reads the pages and files of that one build. Expectations are computed here from the
//! case files and `exemplar.yaml` themselves, not from the program's model.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;
use serde_yaml::Value;

const BASE_URL: &str = "http://intranet.example/practice/";

/// The sample portal, built once for all tests of this file.
fn portal() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("portal-tests/public");
        let result =
            exemplar(&["build", repo().to_str().unwrap(), "-o", out.to_str().unwrap(), "--base-url", BASE_URL]);
        assert!(result.status.success(), "build failed:\n{}", stderr(&result));
        out
    })
}

fn page(path: &str) -> String {
    read(portal().join(path))
}

/// A published case as its file says.
#[derive(Debug, Clone)]
struct Case {
    slug: String,
    enterprise: String,
    status: String,
    year: String,
    tags: Vec<String>,
    actions: Vec<String>,
    dimensions: BTreeSet<String>,
    practices: usize,
    /// (period, indicator → score), oldest first.
    assessments: Vec<(String, BTreeMap<String, f64>)>,
}

impl Case {
    fn latest(&self) -> Option<&BTreeMap<String, f64>> {
        self.assessments.last().map(|(_, s)| s)
    }
}

fn strings(value: &Value) -> Vec<String> {
    value.as_sequence().map(|s| s.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// Every published case of the sample site (drafts left out).
fn cases() -> &'static Vec<Case> {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        let mut cases = Vec::new();
        for (stem, yaml) in front_matters(&repo().join("content")) {
            if yaml["draft"].as_bool() == Some(true) {
                continue;
            }
            let assessments = yaml["assessments"]
                .as_sequence()
                .map(|list| {
                    list.iter()
                        .map(|a| {
                            let scores = a["scores"]
                                .as_mapping()
                                .unwrap()
                                .iter()
                                .map(|(k, v)| (k.as_str().unwrap().to_owned(), v.as_f64().unwrap()))
                                .collect();
                            (text(&a["period"]), scores)
                        })
                        .collect()
                })
                .unwrap_or_default();
            let practices = yaml["practices"].as_sequence().cloned().unwrap_or_default();
            cases.push(Case {
                slug: yaml["slug"].as_str().map_or(stem, str::to_owned),
                enterprise: text(&yaml["enterprise"]),
                status: text(&yaml["status"]),
                year: text(&yaml["date"])[..4].to_owned(),
                tags: strings(&yaml["tags"]),
                actions: strings(&yaml["actions"]),
                dimensions: practices.iter().map(|p| text(&p["dimension"])).collect(),
                practices: practices.len(),
                assessments,
            });
        }
        cases
    })
}

fn config() -> Value {
    serde_yaml::from_str(&read(repo().join("exemplar.yaml"))).unwrap()
}

/// Framework items of one kind (`statuses`, `actions`, `dimensions`): id → zh-CN label.
fn labels(kind: &str) -> Vec<(String, String)> {
    config()["framework"][kind]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|item| (text(&item["id"]), text(&item["label"]["zh-CN"])))
        .collect()
}

fn indicators() -> Vec<(String, String, f64)> {
    let config = config();
    let mut list = Vec::new();
    for group in config["framework"]["indicator_groups"].as_sequence().unwrap() {
        for i in group["indicators"].as_sequence().unwrap() {
            list.push((text(&i["id"]), text(&i["label"]["zh-CN"]), i["threshold"].as_f64().unwrap()));
        }
    }
    list
}

fn revoked() -> BTreeSet<String> {
    cases().iter().filter(|c| c.status == "revoked").map(|c| c.slug.clone()).collect()
}

/// The rows of a case page's trend table: each period and the text of its cells (the indicators',
/// then the average), without the words for screen readers only.
fn trend_rows(html: &str) -> Vec<(String, Vec<String>)> {
    let table = &html[html.find("<table class=\"trend\">").expect("a trend table")..];
    let body = &table[table.find("<tbody>").unwrap()..table.find("</tbody>").unwrap()];
    let text = |cell: &str| {
        let cell = cell.split("<span class=\"visually-hidden\">").next().unwrap_or(cell);
        let mut out = String::new();
        let mut in_tag = false;
        for c in cell.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.trim().to_owned()
    };
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            let period = row.split("<th scope=\"row\">").nth(1).and_then(|r| r.split("</th>").next()).unwrap_or("");
            let cells = row.split("<td").skip(1).map(|c| text(&c[c.find('>').unwrap() + 1..c.find("</td>").unwrap()]));
            (period.to_owned(), cells.collect())
        })
        .collect()
}

/// Values of `data-<name>="…"` in order.
fn data_attr(html: &str, name: &str) -> Vec<String> {
    attributes(html, &format!("data-{name}"))
}

/// The slugs of the case cards of a page, in order.
fn card_slugs(html: &str) -> Vec<String> {
    html.split("<article class=\"card")
        .skip(1)
        .flat_map(|card| data_attr(&card[..card.find('>').unwrap()], "slug"))
        .collect()
}

/// The slugs of the case cards of a paginated list, following its pages.
fn listed_slugs(first_page: &str) -> Vec<String> {
    let mut slugs = Vec::new();
    let mut path = first_page.to_owned();
    loop {
        let html = page(&format!("{path}index.html"));
        slugs.extend(card_slugs(&html));
        let next = format!("{first_page}page/{}/", slugs.len() / 12 + 1);
        if html.contains("rel=\"next\"") && portal().join(&next).is_dir() && next != path {
            path = next;
        } else {
            return slugs;
        }
    }
}

/// The terms of a taxonomy index page: (label, path relative to the root, count shown).
fn terms(taxonomy: &str) -> Vec<(String, String, usize)> {
    let html = page(&format!("{taxonomy}/index.html"));
    html.split("<a class=\"term-list__link\" href=\"../")
        .skip(1)
        .map(|chunk| {
            let path = chunk[..chunk.find('"').unwrap()].to_owned();
            let between = |a: &str, b: &str| {
                let start = chunk.find(a).unwrap() + a.len();
                chunk[start..start + chunk[start..].find(b).unwrap()].to_owned()
            };
            let label = between("term-list__label\">", "<");
            let count: String = between("term-list__count\">", "<").chars().filter(char::is_ascii_digit).collect();
            (label, path, count.parse().unwrap())
        })
        .collect()
}

fn expected_terms(taxonomy: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut expected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let label_of = |kind: &str, id: &str| labels(kind).into_iter().find(|(i, _)| i == id).unwrap().1;
    for case in cases() {
        let keys: Vec<String> = match taxonomy {
            "enterprise" => vec![case.enterprise.clone()],
            "year" => vec![case.year.clone()],
            "tag" => case.tags.clone(),
            "status" => vec![label_of("statuses", &case.status)],
            "action" => case.actions.iter().map(|a| label_of("actions", a)).collect(),
            "dimension" => case.dimensions.iter().map(|d| label_of("dimensions", d)).collect(),
            "indicator" if case.status != "revoked" => case
                .latest()
                .map(|s| {
                    indicators()
                        .into_iter()
                        .filter(|(id, _, _)| s.contains_key(id))
                        .map(|(_, label, _)| label)
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        for key in keys {
            expected.entry(key).or_default().insert(case.slug.clone());
        }
    }
    expected
}

#[test]
fn every_taxonomy_term_lists_exactly_its_cases() {
    for taxonomy in ["enterprise", "indicator", "dimension", "action", "status", "year", "tag"] {
        let expected = expected_terms(taxonomy);
        let shown = terms(taxonomy);
        let shown_labels: BTreeSet<&str> = shown.iter().filter(|t| t.2 > 0).map(|t| t.0.as_str()).collect();
        let expected_labels: BTreeSet<&str> = expected.keys().map(String::as_str).collect();
        assert_eq!(shown_labels, expected_labels, "{taxonomy}: the terms with cases");
        for (label, path, count) in &shown {
            let want = expected.get(label).cloned().unwrap_or_default();
            let listed = listed_slugs(path);
            let listed_set: BTreeSet<String> = listed.iter().cloned().collect();
            assert_eq!(listed.len(), listed_set.len(), "{taxonomy}/{label}: a case listed twice: {listed:?}");
            assert_eq!(listed_set, want, "{taxonomy}/{label}: the cases listed");
            assert_eq!(*count, want.len(), "{taxonomy}/{label}: the count on the index");
        }
    }
}

#[test]
fn indicator_pages_rank_sites_by_latest_score_without_revoked_ones() {
    let revoked = revoked();
    for (id, label, threshold) in indicators() {
        let html = page(&format!("indicator/{}/index.html", id.replace('_', "-")));
        assert!(html.contains(&format!("<h1>{label}</h1>")), "{id}");
        let table = &html[html.find("class=\"ranking\"").unwrap()..html.find("</table>").unwrap()];
        let slugs = data_attr(table, "slug");
        let scores: Vec<f64> = table
            .split("<td class=\"num\"><strong>")
            .skip(1)
            .map(|c| c[..c.find('<').unwrap()].parse().unwrap())
            .collect();
        assert_eq!(slugs.len(), scores.len());
        let mut want: Vec<(f64, String)> = cases()
            .iter()
            .filter(|c| c.status != "revoked")
            .filter_map(|c| Some((*c.latest()?.get(&id)?, c.slug.clone())))
            .collect();
        want.sort_by(|a, b| b.0.total_cmp(&a.0));
        assert_eq!(scores, want.iter().map(|w| w.0).collect::<Vec<_>>(), "{id}: scores in descending order");
        let got: BTreeSet<&String> = slugs.iter().collect();
        assert_eq!(got, want.iter().map(|w| &w.1).collect(), "{id}: the ranked sites");
        for (slug, score) in slugs.iter().zip(&scores) {
            let latest = cases().iter().find(|c| &c.slug == slug).unwrap().latest().unwrap();
            assert_eq!(latest[&id], *score, "{id}: {slug} shows its latest score");
        }
        assert!(slugs.iter().all(|s| !revoked.contains(s)), "{id}: a revoked site is ranked");
        let below = table.matches("class=\"is-below\"").count();
        assert_eq!(below, scores.iter().filter(|s| **s < threshold).count(), "{id}: rows under the threshold");
    }
}

#[test]
fn revoked_cases_are_marked_reachable_and_kept_off_the_home_page() {
    let revoked = revoked();
    assert!(!revoked.is_empty(), "the sample has a revoked case");
    let home = page("index.html");
    let home_slugs = card_slugs(&home);
    assert!(!home_slugs.is_empty());
    for slug in &revoked {
        let html = page(&format!("cases/{slug}/index.html"));
        assert!(html.contains("is-revoked") && html.contains("notice--revoked"), "{slug} is marked");
        assert!(html.contains("撤销原因"), "{slug} gives the reason");
        assert!(!home_slugs.contains(slug), "{slug} is on the home page");
        assert!(!home.contains(&format!("cases/{slug}/")), "the home page links {slug}");
        // Still listed, marked, with all cases and under its status.
        assert!(listed_slugs("cases/").contains(slug));
        let list_pages: String = (1..=3)
            .map(|n| if n == 1 { "cases/index.html".to_owned() } else { format!("cases/page/{n}/index.html") })
            .filter(|p| portal().join(p).is_file())
            .map(|p| page(&p))
            .collect();
        assert!(list_pages.contains(&format!("card--revoked\" data-slug=\"{slug}\"")), "{slug} is marked in lists");
        assert!(listed_slugs("status/revoked/").contains(slug));
        // Never suggested as a related case.
        for case in cases() {
            let html = page(&format!("cases/{}/index.html", case.slug));
            let related = html.split("class=\"related\"").nth(1).unwrap_or("");
            assert!(!data_attr(related, "slug").contains(slug), "{} suggests the revoked {slug}", case.slug);
        }
        let reports = page("reports/index.html");
        let section = reports.split("id=\"revoked\"").nth(1).unwrap().split("</section>").next().unwrap();
        assert!(data_attr(section, "slug").contains(slug), "the reports list the revoked title");
        assert!(section.contains("连续不达标"), "with its reason");
    }
}

#[test]
fn home_page_shows_headline_figures_and_the_portfolio_average_per_indicator() {
    let home = page("index.html");
    let active: Vec<&Case> = cases().iter().filter(|c| c.status != "revoked").collect();
    let practices: usize = active.iter().map(|c| c.practices).sum();
    assert!(home.contains(&format!("<dd>{practices}</dd>")), "practices of active cases: {practices}");
    let enterprises: BTreeSet<&str> = active.iter().map(|c| c.enterprise.as_str()).collect();
    assert!(home.contains(&format!("<dd>{}</dd>", enterprises.len())));
    let svg = &home[home.find("chart--bars").unwrap()..];
    let svg = &svg[..svg.find("</svg>").unwrap()];
    let shown: Vec<String> = data_attr(svg, "value");
    let ids = data_attr(svg, "indicator");
    for (id, _, _) in indicators() {
        let scores: Vec<f64> = active.iter().filter_map(|c| c.latest()?.get(&id).copied()).collect();
        let mean = scores.iter().sum::<f64>() / scores.len() as f64;
        let at = ids.iter().position(|i| *i == id).unwrap_or_else(|| panic!("{id} missing from the chart"));
        let value: f64 = shown[at].parse().unwrap();
        assert!((value - mean).abs() < 0.051, "{id}: the chart shows {value}, the mean is {mean}");
    }
}

#[test]
fn case_pages_chart_their_scores_and_suggest_related_cases() {
    let revoked = revoked();
    for case in cases() {
        let html = page(&format!("cases/{}/index.html", case.slug));
        if let Some(latest) = case.latest() {
            let radar = &html[html.find("chart--radar").unwrap_or_else(|| panic!("{}: no radar", case.slug))..];
            let radar = &radar[..radar.find("</svg>").unwrap()];
            assert!(radar.contains("chart__threshold"), "{}: the threshold ring", case.slug);
            let ids = data_attr(radar, "indicator");
            let values = data_attr(radar, "value");
            assert_eq!(ids.len(), latest.len(), "{}", case.slug);
            for (id, value) in ids.iter().zip(&values) {
                assert_eq!(value.parse::<f64>().unwrap(), latest[id], "{}: radar value of {id}", case.slug);
            }
            // The table for screen readers carries the same scores.
            assert!(html.contains("class=\"scores\""));
        } else {
            assert!(!html.contains("chart--radar"), "{}", case.slug);
        }
        if case.assessments.len() >= 2 {
            let sparks = html.matches("chart--spark").count();
            assert_eq!(sparks, indicators().len(), "{}: one trend line per indicator", case.slug);
            let first_spark = &html[html.find("chart--spark").unwrap()..];
            let first_spark = &first_spark[..first_spark.find("</svg>").unwrap()];
            let (id, _, _) = &indicators()[0];
            let want: Vec<String> =
                case.assessments.iter().filter_map(|(_, s)| s.get(id).map(|v| format!("{v}"))).collect();
            assert_eq!(data_attr(first_spark, "value"), want, "{}: trend of {id}", case.slug);
            // The table of every period: a cell per framework indicator, in the framework's order.
            let rows = trend_rows(&html);
            assert_eq!(rows.len(), case.assessments.len(), "{}: a row per period", case.slug);
            for ((period, cells), (want_period, scores)) in rows.iter().zip(&case.assessments) {
                assert_eq!(period, want_period, "{}", case.slug);
                let want: Vec<String> = indicators()
                    .iter()
                    .map(|(id, _, _)| scores.get(id).map_or("—".to_owned(), |v| format!("{v}")))
                    .collect();
                assert_eq!(cells[..want.len()], want[..], "{}: {period}", case.slug);
            }
        }
        let related = html.split("class=\"related\"").nth(1).expect("a related section");
        let related = related.split("</section>").next().unwrap();
        let slugs = data_attr(related, "slug");
        assert!((3..=5).contains(&slugs.len()), "{}: {} related cases", case.slug, slugs.len());
        assert!(!slugs.contains(&case.slug) && slugs.iter().all(|s| !revoked.contains(s)), "{}", case.slug);
        // Every related case shares something with this one.
        for slug in &slugs {
            let other = cases().iter().find(|c| &c.slug == slug).unwrap();
            let shares = other.tags.iter().any(|t| case.tags.contains(t))
                || other.actions.iter().any(|a| case.actions.contains(a))
                || other.dimensions.intersection(&case.dimensions).next().is_some()
                || (case.latest().is_some() && other.latest().is_some());
            assert!(shares, "{}: {slug} shares nothing", case.slug);
        }
    }
}

#[test]
fn a_period_without_a_score_shows_an_empty_cell_and_averages_the_scores_it_has() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let file = site.join("content/assembly-line-points.md");
    let text = read(&file);
    let edited = text.replacen("scores: { political_leadership: 87, ", "scores: { ", 1);
    assert_ne!(edited, text, "the case's first period starts with political_leadership");
    std::fs::write(&file, edited).unwrap();
    let out = tmp.path().join("public");
    let built = exemplar(&["build", site.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(built.status.success(), "{}", stderr(&built));
    let rows = trend_rows(&read(out.join("cases/assembly-line-points/index.html")));
    assert_eq!(indicators()[0].0, "political_leadership", "the framework's first indicator");
    // 2024-Q2 keeps 86, 82, 92, 88, 90: their mean is 87.6; 2024-Q3 has six scores, 532 / 6.
    assert_eq!(rows[0], ("2024-Q2".to_owned(), ["—", "86", "82", "92", "88", "90", "87.6"].map(String::from).to_vec()));
    assert_eq!(rows[1].1.last().map(String::as_str), Some("88.7"));
}

#[test]
fn the_practice_library_lists_every_practice_by_dimension_and_by_action() {
    let total: usize = cases().iter().map(|c| c.practices).sum();
    let by_dimension = page("practices/index.html");
    assert_eq!(by_dimension.matches("class=\"library__item").count(), total, "each practice once per dimension");
    // Its count says how many are of revoked sites: the home page's count leaves them out.
    let revoked: usize = cases().iter().filter(|c| c.status == "revoked").map(|c| c.practices).sum();
    assert!(revoked > 0, "the sample's revoked site has practices");
    assert!(by_dimension.contains(&format!("共 {total} 项做法，其中 {revoked} 项来自已撤销称号的示范点")));
    for (id, label) in labels("dimensions") {
        assert!(by_dimension.contains(&format!("id=\"dimension-{}\"", id.replace('_', "-"))), "{label}");
    }
    let by_action = page("practices/action/index.html");
    assert!(by_action.matches("class=\"library__item").count() >= total / 2);
    for (id, _) in labels("actions") {
        assert!(by_action.contains(&format!("id=\"action-{id}\"")));
    }
    // Each practice links to its place on its case page.
    assert!(by_dimension.contains("href=\"../cases/tunnel-branch-safety/#practice-1\""));
}

#[test]
fn reports_list_scores_under_threshold_sites_due_for_review_and_periods() {
    let html = page("reports/index.html");
    let section =
        |id: &str| html.split(&format!("id=\"{id}\"")).nth(1).unwrap().split("</section>").next().unwrap().to_owned();
    let thresholds: BTreeMap<String, f64> = indicators().into_iter().map(|(id, _, t)| (id, t)).collect();
    let want_below: BTreeSet<String> = cases()
        .iter()
        .filter(|c| c.status != "revoked")
        .filter(|c| c.latest().is_some_and(|s| s.iter().any(|(id, v)| *v < thresholds[id])))
        .map(|c| c.slug.clone())
        .collect();
    let got: BTreeSet<String> = data_attr(&section("below"), "slug").into_iter().collect();
    assert_eq!(got, want_below);
    assert!(!want_below.is_empty(), "the sample has a site under a threshold");

    // "The last two periods": the portfolio's latest period and the one before it of the same length.
    let months = |p: &str| -> (u32, u32) {
        let year: u32 = p[..4].parse().unwrap();
        let (first, len) = match &p[4..] {
            "" => (1, 12),
            rest if rest.starts_with("-Q") => ((rest[2..].parse::<u32>().unwrap() - 1) * 3 + 1, 3),
            rest if rest.starts_with("-H") => ((rest[2..].parse::<u32>().unwrap() - 1) * 6 + 1, 6),
            rest => (rest[1..].parse().unwrap(), 1),
        };
        let start = year * 12 + first - 1;
        (start, start + len)
    };
    let all: Vec<(u32, u32)> = cases().iter().flat_map(|c| c.assessments.iter().map(|(p, _)| months(p))).collect();
    let end = all.iter().map(|m| m.1).max().unwrap();
    let length = all.iter().filter(|m| m.1 == end).map(|m| m.1 - m.0).min().unwrap();
    let window = (end - 2 * length, end);
    let want_due: BTreeSet<String> = cases()
        .iter()
        .filter(|c| c.status != "revoked" && !c.assessments.is_empty())
        .filter(|c| !c.assessments.iter().any(|(p, _)| months(p).1 > window.0 && months(p).0 < window.1))
        .map(|c| c.slug.clone())
        .collect();
    let got: BTreeSet<String> = data_attr(&section("due"), "slug").into_iter().collect();
    assert_eq!(got, want_due);
    assert!(!want_due.is_empty(), "the sample has a site due for review");

    // One row a period, counting the sites assessed in it; a revoked site is in none.
    let active: Vec<_> = cases().iter().filter(|c| c.status != "revoked").collect();
    assert!(active.len() < cases().len(), "the sample has a revoked site");
    let mut assessed: BTreeMap<String, usize> = BTreeMap::new();
    for case in &active {
        for (period, _) in &case.assessments {
            *assessed.entry(period.clone()).or_default() += 1;
        }
    }
    let table = section("periods");
    let rows: BTreeMap<String, usize> = table
        .split("<th scope=\"row\">")
        .skip(1)
        .map(|row| {
            let period = row.split('<').next().unwrap().to_owned();
            let count = row.split("<td class=\"num\">").nth(1).unwrap().split('<').next().unwrap().parse().unwrap();
            (period, count)
        })
        .collect();
    assert_eq!(rows, assessed);
}

/// A minimal RFC 4180 reader: fields of each record.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = vec![vec![String::new()]];
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let record = records.last_mut().unwrap();
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                record.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => record.push(String::new()),
            ('\r', false) => {}
            ('\n', false) => records.push(vec![String::new()]),
            (c, _) => record.last_mut().unwrap().push(c),
        }
    }
    if records.last().is_some_and(|r| r.len() == 1 && r[0].is_empty()) {
        records.pop();
    }
    records
}

#[test]
fn the_csv_opens_in_excel_with_one_row_per_case_and_a_column_per_indicator() {
    let bytes = std::fs::read(portal().join("data/cases.csv")).unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 with a byte order mark");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.contains("\r\n"), "CRLF line ends");
    let records = parse_csv(&text);
    let header = &records[0];
    let indicator_labels: Vec<String> = indicators().into_iter().map(|(_, l, _)| l).collect();
    assert_eq!(&header[..3], ["编号", "标题", "示范点"]);
    for label in &indicator_labels {
        assert!(header.contains(label), "a column for {label}");
    }
    assert_eq!(records.len() - 1, cases().len(), "one row per published case");
    for record in &records[1..] {
        assert_eq!(record.len(), header.len(), "{record:?}");
        let case = cases().iter().find(|c| c.slug == record[0]).unwrap();
        for (i, (id, label, _)) in indicators().iter().enumerate() {
            let column = header.iter().position(|h| h == label).unwrap();
            let want = case.latest().and_then(|s| s.get(id)).map(|v| format!("{v}")).unwrap_or_default();
            assert_eq!(record[column], want, "{} {id} (column {i})", case.slug);
        }
    }
    let text = page("data/cases.json");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["cases"].as_array().unwrap().len(), cases().len());
    // Compact, one case a line: the head, the cases, the closing brackets.
    assert_eq!(text.lines().count(), cases().len() + 2);
    for (line, case) in text.lines().skip(1).zip(json["cases"].as_array().unwrap()) {
        let record: serde_json::Value = serde_json::from_str(line.trim_end_matches(',')).unwrap();
        assert_eq!(&record, case);
    }
}

#[test]
fn feed_sitemap_robots_and_404() {
    let sitemap = page("sitemap.xml");
    let tree = read_tree(portal());
    let html_pages: Vec<&String> = tree.keys().filter(|k| k.ends_with("index.html")).collect();
    assert_eq!(sitemap.matches("<loc>").count(), html_pages.len(), "every page but the 404");
    for rel in html_pages {
        let url = format!("{BASE_URL}{}", rel.trim_end_matches("index.html"));
        assert!(sitemap.contains(&format!("<loc>{url}</loc>")), "{url}");
    }
    assert!(!sitemap.contains("404.html"));
    assert!(page("robots.txt").contains(&format!("Sitemap: {BASE_URL}sitemap.xml")));
    let feed = page("feed.xml");
    assert!(feed.starts_with("<?xml") && feed.contains("xmlns=\"http://www.w3.org/2005/Atom\""));
    let active = cases().len() - revoked().len();
    assert_eq!(feed.matches("<entry>").count(), active.min(20));
    assert!(feed.contains(&format!("<id>{BASE_URL}cases/tunnel-branch-safety/</id>")));
    for slug in revoked() {
        assert!(!feed.contains(&format!("cases/{slug}/")), "the feed spreads a revoked title");
    }
    let not_found = page("404.html");
    let css = stylesheet();
    assert!(not_found.contains(&format!("href=\"/practice/{css}\"")), "the 404 works at any depth");
}

#[test]
fn pages_stay_light_for_a_slow_intranet() {
    // The page, its stylesheet and the images it shows (the weights the README states).
    let weight = |rel: &str| -> u64 {
        let html = page(rel);
        let dir = Path::new(rel).parent().unwrap();
        let mut total = html.len() as u64;
        for src in attributes(&html, "src").into_iter().collect::<BTreeSet<_>>() {
            total += std::fs::metadata(portal().join(dir).join(&src)).map(|m| m.len()).unwrap_or(0);
        }
        total + std::fs::metadata(portal().join(stylesheet())).unwrap().len()
    };
    let css = std::fs::metadata(portal().join(stylesheet())).unwrap().len();
    assert!(css < 20_000, "style.css weighs {css} bytes");
    let home = weight("index.html");
    let case = weight("cases/tunnel-branch-safety/index.html");
    assert!(home < 80_000, "the home page weighs {home} bytes");
    assert!(case < 80_000, "a case page weighs {case} bytes");
    // No web fonts. Outside the search page no script but links.js (deferred: it only mends folder
    // links opened from a folder) and search.js for the case lists' filter, after the list the page
    // shows without JavaScript.
    for (rel, bytes) in read_tree(portal()) {
        assert!(!rel.ends_with(".woff2") && !rel.ends_with(".woff") && !rel.ends_with(".ttf"), "{rel}");
        if rel.ends_with(".html") && !rel.starts_with("search/") {
            let html = String::from_utf8_lossy(&bytes);
            let scripts = html.matches("<script").count();
            assert!(html.contains("static/links.") && html.contains("\" defer></script>"), "{rel}");
            if html.contains("id=\"case-filter\"") {
                assert_eq!(scripts, 2, "{rel}: links.js and search.js only");
                assert!(html.contains("static/search.") && html.contains("id=\"case-list-static\""), "{rel}");
            } else {
                assert_eq!(scripts, 1, "{rel}: links.js only");
            }
        }
    }
    let links = std::fs::metadata(portal().join(&attributes(&page("index.html"), "src")[0])).unwrap().len();
    assert!(links < 1_500, "links.js weighs {links} bytes");
}

/// The published stylesheet's path (`static/style.<hash>.css`), as the home page links it.
fn stylesheet() -> String {
    let home = page("index.html");
    let css = attributes(&home, "href").into_iter().find(|h| h.starts_with("static/style.")).expect("a stylesheet");
    assert!(css.ends_with(".css") && css.len() == "static/style.12345678.css".len(), "{css} carries its hash");
    css
}

#[test]
fn stylesheets_and_scripts_carry_their_content_hash() {
    let css = stylesheet();
    let bytes = std::fs::read(portal().join(&css)).unwrap();
    assert_eq!(bytes, std::fs::read(repo().join("themes/default/static/style.css")).unwrap());
    // Every static file is there under its plain name too, as `serve` answers it, with the same
    // bytes: a theme's own references between its files and plain links work once published.
    for file in ["style.css", "print.css", "search.js", "links.js"] {
        let plain = std::fs::read(portal().join("static").join(file)).unwrap_or_default();
        assert_eq!(plain, std::fs::read(repo().join("themes/default/static").join(file)).unwrap(), "{file}");
    }
    let search = page("search/index.html");
    let script = attributes(&search, "src").into_iter().find(|s| s.contains("static/search.")).expect("search.js");
    assert!(portal().join("search").join(&script).is_file(), "{script}");
}

/// Opened from its folder (file://), where no server answers a folder with its index.html, the
/// portal's folder links (`cases/`, `cases/a/`) still lead to pages, not to the folders' listings:
/// followed with the mouse and from the keyboard.
#[test]
fn the_portal_opened_from_its_folder_follows_its_links_to_pages() {
    use common::browser::Browser;
    use serde_json::json;
    use std::time::Duration;
    let browser = Browser::launch();
    let home = format!("file://{}", portal().join("index.html").display());
    let mut tab = browser.open(&home);
    let loaded = |tab: &mut common::browser::Page, ending: &str| {
        let ready = format!(
            "location.href.endsWith({ending:?}) && document.readyState === 'complete' && !!document.querySelector('main h1')"
        );
        assert!(tab.wait_for(&ready, Duration::from_secs(10)), "not at {ending}: {}", tab.eval("location.href"));
    };
    loaded(&mut tab, "/index.html");
    // A real click on the navigation's link to the case list.
    let at = tab.eval("(() => { const r = document.querySelector('.site-nav a[href$=\"cases/\"]').getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()");
    let (x, y) = (at[0].as_f64().unwrap(), at[1].as_f64().unwrap());
    for kind in ["mousePressed", "mouseReleased"] {
        tab.call(
            "Input.dispatchMouseEvent",
            json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
        );
    }
    loaded(&mut tab, "/cases/index.html");
    // Enter on a case card's link.
    let slug =
        tab.eval("document.querySelector('.card__title a').getAttribute('href').split('/').filter(Boolean).pop()");
    let slug = slug.as_str().unwrap().to_owned();
    tab.eval("document.querySelector('.card__title a').focus()");
    for kind in ["keyDown", "keyUp"] {
        tab.call(
            "Input.dispatchKeyEvent",
            json!({ "type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r" }),
        );
    }
    loaded(&mut tab, &format!("/cases/{slug}/index.html"));
}

/// A score is shown as the editor wrote it wherever it appears: 79.96 under a threshold of 80 read
/// "80 / 80, below" in the reports, the ranking and the CSV, which rounded it to a tenth.
#[test]
fn a_score_just_under_its_threshold_is_never_shown_as_the_threshold() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let case = site.join("content/smart-highway-command.md");
    let text = read(&case);
    let written = "scores: { political_leadership: 84, development: 81,";
    assert!(text.contains(written), "the sample case's latest scores");
    std::fs::write(&case, text.replace(written, "scores: { political_leadership: 84, development: 79.96,")).unwrap();
    let out = tmp.path().join("public");
    let built = exemplar(&["build", site.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(built.status.success(), "{}", stderr(&built));
    for file in [
        "cases/smart-highway-command/index.html",
        "indicator/development/index.html",
        "reports/index.html",
        "data/cases.csv",
    ] {
        let text = read(out.join(file));
        assert!(text.contains("79.96"), "{file} shows the score as written");
    }
    let reports = read(out.join("reports/index.html"));
    let below = reports.split("id=\"below\"").nth(1).unwrap().split("</section>").next().unwrap();
    let row = below.split("<tr data-slug=\"smart-highway-command\">").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.contains("<strong>79.96</strong> / 80") && !row.contains("<strong>80</strong>"), "{row}");
}

/// A browser showing the portal from a web server under a subpath asks that server for nothing
/// outside the portal's folder: no `/favicon.ico` at the server's root (every page asked for it,
/// and intranet servers logged a 404 or 403 for each), the theme's icon instead.
#[test]
fn a_browser_asks_for_nothing_outside_the_portals_folder() {
    use std::io::{BufRead, BufReader, Write};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};
    let tmp = tempfile::tempdir().unwrap();
    let www = tmp.path().join("www");
    let out = www.join("practice");
    let built = exemplar(&["build", repo().to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(built.status.success(), "{}", stderr(&built));
    // A small server that notes every path it is asked for.
    let asked: Arc<Mutex<Vec<String>>> = Arc::default();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (log, root) = (asked.clone(), www.clone());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut line = String::new();
            let mut reader = BufReader::new(&stream);
            // A connection opened ahead and closed unused asks for nothing.
            if reader.read_line(&mut line).is_err() || line.trim().is_empty() {
                continue;
            }
            while reader.read_line(&mut String::new()).is_ok_and(|n| n > 2) {}
            let path = line.split(' ').nth(1).unwrap_or("/").split('?').next().unwrap_or("/").to_owned();
            log.lock().unwrap().push(path.clone());
            let decoded = exemplar::content::links::percent_decode(&path);
            let file = root.join(decoded.trim_start_matches('/'));
            let file = if decoded.ends_with('/') { file.join("index.html") } else { file };
            let (status, body) = match std::fs::read(&file) {
                Ok(bytes) if !decoded.contains("..") => ("200 OK", bytes),
                _ => ("404 Not Found", Vec::new()),
            };
            let kind = match file.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html; charset=utf-8",
                Some("css") => "text/css",
                Some("js") => "text/javascript",
                Some("svg") => "image/svg+xml",
                _ => "application/octet-stream",
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(&body));
        }
    });
    let browser = common::browser::Browser::launch();
    for page in ["", "cases/tunnel-branch-safety/"] {
        let mut tab = browser.open(&format!("http://127.0.0.1:{port}/practice/{page}"));
        assert!(tab.wait_for("document.readyState === 'complete'", Duration::from_secs(10)), "{page} loads");
    }
    // The icon is asked for after the page has loaded.
    let deadline = Instant::now() + Duration::from_secs(10);
    let icon = || asked.lock().unwrap().iter().any(|p| p.ends_with("/favicon.svg"));
    while !icon() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let asked = asked.lock().unwrap().clone();
    assert!(asked.iter().any(|p| p == "/practice/static/favicon.svg"), "the theme's icon: {asked:?}");
    let outside: Vec<&String> = asked.iter().filter(|p| !p.starts_with("/practice/")).collect();
    assert!(outside.is_empty(), "asked outside the portal: {outside:?} in {asked:?}");
}
