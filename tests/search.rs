//! The search engine in Rust: recall on real text, phrases, facets and ranking on the sample site,
//! and the `exemplar search` command.

mod common;
mod search_support;

use exemplar::pipeline::{BuildOptions, searchable};
use exemplar::search::{self, Query, Sort, tokenize};
use exemplar::site::Site;

fn sample() -> Site {
    let outcome = searchable(&BuildOptions::new(common::repo()));
    outcome.site.expect("the sample site loads")
}

fn urls(index: &search::Index, query: &Query) -> Vec<String> {
    search::search(index, query).hits.iter().map(|h| index.docs[h.doc as usize].url.clone()).collect()
}

/// Which cases contain `needle` (folded) in the indexed text: the ground truth.
fn containing(site: &Site, needle: &str) -> Vec<u32> {
    let needle = tokenize::normalize(needle);
    (0..site.cases.len() as u32)
        .filter(|&i| {
            search::index::fields(&site.cases[i as usize]).iter().any(|f| tokenize::normalize(f).contains(&needle))
        })
        .collect()
}

/// Recall and precision over random 2–4 character CJK substrings of the cases' bodies.
fn random_substrings(site: &Site, count: usize) -> (f64, f64) {
    let index = search::build(site);
    let mut rng = search_support::Rng(42);
    let (mut expected, mut found, mut returned) = (0usize, 0usize, 0usize);
    let mut queries = 0;
    while queries < count {
        let case = &site.cases[rng.below(site.cases.len())];
        let text: Vec<char> = case.body.plain_text.chars().collect();
        if text.len() < 8 {
            continue;
        }
        let len = 2 + rng.below(3);
        let start = rng.below(text.len() - len);
        let q: String = text[start..start + len].iter().collect();
        if !q.chars().all(|c| tokenize::class(tokenize::fold(c)) == tokenize::Class::Cjk) {
            continue;
        }
        queries += 1;
        let truth = containing(site, &q);
        let got: Vec<u32> = search::search(&index, &Query::text(&q)).hits.iter().map(|h| h.doc).collect();
        for doc in &truth {
            assert!(got.contains(doc), "{q:?} misses {}", site.cases[*doc as usize].source);
        }
        expected += truth.len();
        returned += got.len();
        found += got.iter().filter(|d| truth.contains(d)).count();
    }
    (found as f64 / expected as f64, found as f64 / returned as f64)
}

#[test]
fn every_chinese_substring_is_found_in_case_sized_text() {
    // Cases of a write-up's length (about 1,200 characters), their text cut from the corpus.
    let site = search_support::generated_site(400);
    let (recall, precision) = random_substrings(&site, 200);
    assert_eq!(recall, 1.0);
    assert!(precision >= 0.99, "precision {precision:.4}");
}

#[test]
fn every_chinese_substring_is_found_in_long_real_documents() {
    // Whole corpus files (10 KB on average, some far longer): longer documents get wider position
    // masks, so that precision holds there too.
    let site = search_support::corpus_site(Some(150));
    let (recall, precision) = random_substrings(&site, 150);
    assert_eq!(recall, 1.0);
    assert!(precision >= 0.99, "precision {precision:.4}");
}

#[test]
fn the_query_list_is_found_with_full_recall() {
    let site = search_support::corpus_site(Some(300));
    let index = search::build(&site);
    let tsv = std::fs::read_to_string(search_support::corpus_dir().join("queries.tsv")).unwrap();
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (query, category) = (cols[2], cols[1]);
        let mut got: Vec<u32> = search::search(&index, &Query::text(query)).hits.iter().map(|h| h.doc).collect();
        got.sort_unstable();
        // Ground truth against the indexed text: every clause occurs (a Latin word at a word start).
        let clauses = search::query::parse(query);
        let truth: Vec<u32> = (0..site.cases.len() as u32)
            .filter(|&i| {
                let fields = search::index::fields(&site.cases[i as usize]);
                clauses
                    .iter()
                    .all(|c| fields.iter().any(|f| !search::query::highlights(f, std::slice::from_ref(c)).is_empty()))
            })
            .collect();
        for doc in &truth {
            assert!(got.contains(doc), "{query} ({category}) misses {}", site.cases[*doc as usize].source);
        }
        if category.starts_with("zh") {
            assert_eq!(got, truth, "{query}: exactly the cases that contain it");
        }
    }
}

#[test]
fn phrases_mixed_queries_and_width_folding() {
    let site = sample();
    let index = search::build(&site);
    // 先锋岗 inside 党员先锋岗; AND of two clauses; a phrase in quotes; full-width Latin.
    let one = urls(&index, &Query::text("先锋岗"));
    assert!(one.contains(&"cases/tunnel-branch-safety/".to_owned()), "{one:?}");
    let both = urls(&index, &Query::text("先锋岗 盾构"));
    assert_eq!(both, ["cases/tunnel-branch-safety/"]);
    assert!(urls(&index, &Query::text("\"先锋岗 盾构\"")).is_empty(), "a phrase: 先锋岗盾构 is nowhere");
    assert!(urls(&index, &Query::text("先锋岗 不存在的词语")).is_empty());
    assert_eq!(urls(&index, &Query::text("ＬＮＧ")), urls(&index, &Query::text("lng")));
    assert!(!urls(&index, &Query::text("LN")).is_empty(), "a Latin prefix matches");
}

/// A case's summary, which every card of it shows, is searched: "百万人口的供水安全" is written
/// only there.
#[test]
fn the_summary_shown_on_cards_is_searched() {
    let site = sample();
    let index = search::build(&site);
    let found = urls(&index, &Query::text("百万人口"));
    assert_eq!(found, ["cases/water-plant-quality/"]);
}

#[test]
fn title_matches_rank_first_and_facets_count() {
    let site = sample();
    let index = search::build(&site);
    let results = search::search(&index, &Query::text("安全"));
    let first = &index.docs[results.hits[0].doc as usize];
    assert!(first.title.contains("安全"), "a title match comes first: {}", first.title);
    let scores: Vec<u32> = results.hits.iter().map(|h| h.score).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");

    // Status counts add up to the matches; a filter keeps only that status.
    let status = index.facets.iter().position(|f| f.id == "status").unwrap();
    let total: usize = results.counts[status].iter().sum();
    assert_eq!(total, results.hits.len());
    let named = Query { filters: vec![("status".into(), "named".into())], ..Query::text("安全") };
    let filtered = search::search(&index, &named);
    let named_count = index.facets[status].values.iter().position(|v| v.key == "named").unwrap();
    assert_eq!(filtered.hits.len(), results.counts[status][named_count]);
    assert!(filtered.hits.iter().all(|h| index.docs[h.doc as usize].status == "named"));
    // Counts of the filtered facet itself still show the alternatives.
    assert_eq!(filtered.counts[status], results.counts[status]);

    // A filter alone lists cases; a score range and sorting by an indicator.
    let revoked = Query { filters: vec![("status".into(), "revoked".into())], ..Query::default() };
    assert!(!search::search(&index, &revoked).hits.is_empty());
    let top = Query {
        min_scores: vec![("innovation".into(), 90.0)],
        sort: Sort::Indicator("innovation".into()),
        ..Query::default()
    };
    let hits = search::search(&index, &top).hits;
    let innovation = index.indicator("innovation").unwrap();
    let scores: Vec<u16> = hits.iter().map(|h| innovation.scores[h.doc as usize].unwrap()).collect();
    assert!(!scores.is_empty() && scores.iter().all(|&s| s >= 900), "{scores:?}");
    assert!(scores.windows(2).all(|w| w[0] >= w[1]));
    let by_date = search::search(&index, &Query { sort: Sort::Date, ..Query::text("党员") }).hits;
    assert!(by_date.windows(2).all(|w| w[0].doc < w[1].doc), "newest first");
}

#[test]
fn odd_queries_do_not_panic() {
    let site = sample();
    let index = search::build(&site);
    for q in [
        "",
        "\"",
        "“”",
        "   ",
        "，。",
        "a",
        "\u{0}",
        "𠀀",
        "\"安全",
        "安全\"生产\"",
        "-",
        "ＡＢＣ　ｄ",
        &"长".repeat(500),
    ] {
        let _ = search::search(&index, &Query::text(q));
    }
}

#[test]
fn the_search_command_prints_json() {
    let out = common::exemplar(&["search", common::repo().to_str().unwrap(), "先锋岗", "--json", "--limit", "3"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = json.as_array().unwrap();
    assert!(!items.is_empty() && items.len() <= 3);
    for item in items {
        assert!(item["url"].as_str().unwrap().starts_with("cases/"));
        assert!(item["source"].as_str().unwrap().starts_with("content/"));
        assert!(!item["title"].as_str().unwrap().is_empty());
    }
    let bad = common::exemplar(&["search", common::repo().to_str().unwrap(), "x", "--sort", "nope"]);
    assert_eq!(bad.status.code(), Some(2));
    // `--help` names the fields an item has, no more and no fewer, in both languages.
    let mut fields: Vec<&str> = items[0].as_object().unwrap().keys().map(String::as_str).collect();
    fields.sort_unstable();
    for (lang, open, separator) in [("zh-CN", "（", "、"), ("en", "(", ", ")] {
        let help = common::stdout(&common::exemplar(&["--lang", lang, "search", "--help"]));
        let line = help.lines().find(|l| l.trim_start().starts_with("--json")).expect("--json in the help");
        let list = line.split_once(open).and_then(|(_, rest)| rest.strip_suffix([')', '）'])).unwrap_or_default();
        let mut listed: Vec<&str> = list.split(separator).collect();
        listed.sort_unstable();
        assert_eq!(listed, fields, "{lang}: {line}");
    }
}

/// On a site with errors, `exemplar search` reports them and says that nothing was searched (it
/// is not a `check`).
#[test]
fn the_search_command_on_a_broken_site_says_nothing_was_searched() {
    let missing = tempfile::tempdir().unwrap().path().join("no-such-site");
    let out = common::exemplar(&["search", missing.to_str().unwrap(), "安全"]);
    assert_eq!(out.status.code(), Some(1));
    let text = common::stderr(&out);
    assert!(text.contains("未执行搜索") && !text.contains("检查未通过"), "{text}");
    let out = common::exemplar(&["--lang", "en", "search", missing.to_str().unwrap(), "安全"]);
    assert!(common::stderr(&out).contains("Nothing searched"), "{}", common::stderr(&out));
}

/// `exemplar search` searches the bodies too (its model keeps their text, unlike `check`'s).
#[test]
fn the_search_command_finds_words_of_the_bodies() {
    let site = sample();
    let case = &site.cases[0];
    // Four characters of the body that none of the case's other fields holds.
    let [title, names, practices, body] = search::index::fields(case);
    let chars: Vec<char> = body.chars().collect();
    let cjk = |c: &char| ('\u{4e00}'..='\u{9fff}').contains(c);
    let query: String = chars
        .windows(4)
        .filter(|w| w.iter().all(cjk))
        .map(|w| w.iter().collect::<String>())
        .find(|q| ![&title, &names, &practices].iter().any(|f| f.contains(q.as_str())))
        .expect("the first case's body has words of its own");
    let out = common::exemplar(&["search", common::repo().to_str().unwrap(), &query, "--json", "--limit", "100"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<&str> = json.as_array().unwrap().iter().filter_map(|i| i["url"].as_str()).collect();
    assert!(found.contains(&case.path.as_str()), "{query}: {found:?}");
}

/// The text of an index file `EXS.add("s/N","…");`: its lines `term postings\n`.
fn index_file_text(bytes: &[u8]) -> String {
    let text = std::str::from_utf8(bytes).expect("index files are UTF-8");
    let start = text.find("\",").expect("an index file names itself first") + 2;
    let end = text.rfind(");").expect("an index file ends its call");
    serde_json::from_str(&text[start..end]).expect("an index file holds one JSON string")
}

#[test]
fn index_files_of_any_size_hold_every_line_once_in_order() {
    let index = search::build(&sample());
    let lines_of = |shard_bytes: usize| {
        let files = search::files::write_sized(&index, shard_bytes, search::files::GROUP_BYTES);
        let texts: Vec<String> = files.files[..files.shards].iter().map(|(_, bytes)| index_file_text(bytes)).collect();
        (files.shards, texts.concat())
    };
    let (one, all) = lines_of(usize::MAX);
    assert_eq!(one, 1, "an index that fits in one file is one file");
    let terms: Vec<&str> = all.lines().map(|l| l.split(' ').next().unwrap_or_default()).collect();
    assert!(terms.len() > 1000, "the sample site has more than {} terms", terms.len());
    let mut unique = terms.clone();
    unique.dedup();
    assert_eq!(unique.len(), terms.len(), "a term has one line");
    for shard_bytes in [1, 700, search::files::SHARD_BYTES] {
        let (files, lines) = lines_of(shard_bytes);
        assert!(files > 1, "{shard_bytes}-byte files: {files}");
        assert!(lines == all, "{shard_bytes}-byte index files together hold the lines of one file");
    }
}

#[test]
fn the_build_that_frees_the_text_writes_the_same_files() {
    let kept = search::files::write(&search::build(&sample()));
    let mut site = sample();
    let freed = search::files::write(&search::index::build_freeing_text(&mut site));
    assert_eq!(kept.files.len(), freed.files.len());
    for ((path, a), (_, b)) in kept.files.iter().zip(&freed.files) {
        assert!(a == b, "{path} differs");
    }
    assert!(site.cases.iter().all(|c| c.body.plain_text.is_empty()), "the bodies' text is freed");
}

/// `serve` makes the search index after an edit from the last one (`Index::update`): it must be
/// the index that indexing every case again makes, byte for byte, whatever the edit did to the
/// terms: a term moved to a better tier (into the title), new terms, terms dropped, a case grown
/// past the size its position masks were made for; also after a second round of edits on the
/// updated index; and when a case is added or removed, which moves the numbers of the cases after
/// it (at the start, in the middle, at the end). Two cases added at once are not an update.
#[test]
fn an_index_updated_after_edits_is_the_index_built_anew() {
    use std::fs;
    let (_tmp, dir, mut project) = common::sample_project();
    let first = project.assemble().site.unwrap();
    let assert_same = |updated: &search::Index, site: &Site| assert_same_files(updated, &search::build(site), "");
    let edit = |name: &str, change: &dyn Fn(String) -> String| {
        let path = dir.join("content").join(name);
        fs::write(&path, change(fs::read_to_string(&path).unwrap())).unwrap();
        path
    };

    let long: String = "长篇试点材料记录了班组每月的学习安排和现场问题整改情况。".repeat(80);
    let changed = [
        edit("tunnel-branch-safety.md", &|text| {
            text.replacen("title: 地铁隧道", "title: 盾构先锋 地铁隧道", 1) + "\n量子纠缠试验田 Zyxwvut 方案。\n"
        }),
        edit("water-plant-quality.md", &|text| text + "\n" + &long + "\n"),
        edit("pipe-network-repair.md", &|text| {
            let body = text.rfind("\n---\n").map_or(text.len(), |at| at + 5);
            text[..body].to_owned() + "只剩一句。\n"
        }),
    ];
    project.refresh(&changed);
    let second = project.assemble_after(Some(&first)).site.unwrap();
    let updated = search::build(&first).update(&first.cases, &second).expect("the same cases, three edited");
    assert_same(&updated, &second);
    let found = urls(&updated, &Query::text("量子纠缠试验田"));
    assert_eq!(found, ["cases/tunnel-branch-safety/"], "the new term is found");
    assert!(urls(&updated, &Query::text("zyxwv")).contains(&"cases/tunnel-branch-safety/".to_owned()));

    // A second round, on the updated index: one case put back, another edited.
    let changed = [
        edit("water-plant-quality.md", &|text| text.replace(&long, "")),
        edit("smart-highway-command.md", &|text| text + "\n盾构先锋再出发。\n"),
    ];
    project.refresh(&changed);
    let third = project.assemble_after(Some(&second)).site.unwrap();
    let again = updated.update(&second.cases, &third).expect("the same cases, two edited");
    assert_same(&again, &third);
    assert!(urls(&again, &Query::text("量子纠缠试验田")).len() == 1);

    // Cases added and removed, one at a time: the numbers after each move by one.
    let mut index = again;
    let mut site = third;
    let tunnel = fs::read_to_string(dir.join("content/tunnel-branch-safety.md")).unwrap();
    let dated = |date: &str, title: &str| {
        let text =
            tunnel.replacen("title: ", &format!("title: {title} "), 1).replacen("\nupdated: ", "\n# updated: ", 1);
        let at = text.find("\ndate: ").expect("the sample case has a date") + 7;
        let end = at + text[at..].find('\n').unwrap();
        format!("{}{date}{}", &text[..at], &text[end..]) + "\n独一无二的补充段落。\n"
    };
    let steps: [(&str, Option<String>); 5] = [
        ("content/newest.md", Some(dated("2031-01-01", "最新"))),
        ("content/oldest.md", Some(dated("1990-01-01", "最早"))),
        ("content/between.md", Some(dated("2023-06-15", "居中"))),
        ("content/newest.md", None),
        ("content/pipe-network-repair.md", None),
    ];
    for (step, (name, text)) in steps.into_iter().enumerate() {
        let next = common::change_case_file(&mut project, &site, &dir.join(name), text.as_deref(), name);
        let added = text.is_some();
        assert_eq!(next.cases.len() + usize::from(!added), site.cases.len() + usize::from(added), "step {step}");
        index = index.update(&site.cases, &next).unwrap_or_else(|| panic!("step {step}: one case added or removed"));
        assert_same_files(&index, &search::build(&next), &format!("step {step} ({name}): "));
        site = next;
    }
    assert_eq!(urls(&index, &Query::text("独一无二")).len(), 2, "the two cases added and kept are found");
    assert!(urls(&index, &Query::text("只剩一句")).is_empty(), "the case removed is not found");

    // Two cases at once: the index is built again.
    let two = [dir.join("content/first-of-two.md"), dir.join("content/second-of-two.md")];
    fs::write(&two[0], dated("2022-02-02", "其一")).unwrap();
    fs::write(&two[1], dated("2021-01-01", "其二")).unwrap();
    project.refresh(&two);
    let last = project.assemble_after(Some(&site)).site.unwrap();
    assert_eq!(last.cases.len(), site.cases.len() + 2);
    assert!(index.update(&site.cases, &last).is_none(), "two cases added: built again");
}

/// [`an_index_updated_after_edits_is_the_index_built_anew`] on real text at random: corpus files
/// (long documents with code and Latin words, whose position moduli run from 8 to 128), a few at
/// a time given another file's title and body and new front matter (status, enterprise, tags,
/// scores: the facets), round after round on the updated index; in some rounds a case is also
/// added or removed, anywhere in the site's order.
#[test]
fn random_edits_of_corpus_cases_update_to_the_index_built_anew() {
    let site = search_support::corpus_site(Some(120));
    let files = search_support::corpus_files();
    let raw = search_support::corpus_dir().join("raw");
    let mut rng = search_support::Rng(7);
    let mut index = search::build(&site);
    let mut site = site;
    let mut next_number = 1000;
    for round in 0..10 {
        let mut cases = site.cases.clone();
        match round % 3 {
            1 => {
                cases.remove(rng.below(cases.len()));
            }
            2 => {
                let donor = &files[rng.below(files.len())];
                let text = std::fs::read_to_string(raw.join(donor)).unwrap_or_default();
                let (title, body) = search_support::title_and_body(donor, &text);
                // Its date, from its number, puts it anywhere in the site's order.
                next_number += 1 + rng.below(50);
                let case = search_support::make_case(next_number, donor, &title, &body, &mut rng, Vec::new());
                cases.push(std::sync::Arc::new(case));
            }
            _ => {}
        }
        for _ in 0..1 + rng.below(4) {
            let i = rng.below(cases.len());
            let number: usize = cases[i].slug.trim_start_matches('c').parse().unwrap();
            let donor = &files[rng.below(files.len())];
            let text = std::fs::read_to_string(raw.join(donor)).unwrap_or_default();
            let (title, body) = search_support::title_and_body(donor, &text);
            let source = cases[i].source.clone();
            // The same number keeps the case's date and path, so its place in the site.
            cases[i] =
                std::sync::Arc::new(search_support::make_case(number, &source, &title, &body, &mut rng, Vec::new()));
        }
        let edited = Site::new(site.config.clone(), cases, Vec::new());
        index = index.update(&site.cases, &edited).unwrap_or_else(|| panic!("round {round}: an update"));
        assert_same_files(&index, &search::build(&edited), &format!("round {round}: "));
        site = edited;
    }
}

/// The files of an `updated` index are those of the index `built` anew, byte for byte (`what`
/// starts the message).
fn assert_same_files(updated: &search::Index, built: &search::Index, what: &str) {
    let (updated, built) = (search::files::write(updated).files, search::files::write(built).files);
    assert_eq!(updated.len(), built.len(), "{what}the same files");
    for ((path, bytes), (built_path, built_bytes)) in updated.iter().zip(&built) {
        assert_eq!(path, built_path, "{what}the same files");
        assert!(bytes == built_bytes, "{what}{path} differs from the index built anew");
    }
}

#[test]
fn a_query_with_nothing_searchable_finds_nothing() {
    let index = search::build(&sample());
    // Punctuation alone is a query with nothing to search for: listing every case as its results
    // would say that they all match it. (search.js does the same; the browser test holds them equal.)
    for q in ["！！", "\"", "“”", "，。", "-", "\"　\""] {
        let results = search::search(&index, &Query::text(q));
        assert!(results.hits.is_empty() && results.clauses.is_empty(), "{q:?}");
        assert!(results.counts.iter().flatten().all(|&c| c == 0), "{q:?}: no facet counts");
    }
    // No text at all (spaces, a full-width space) lists every case.
    for q in ["", "   ", "\u{3000}"] {
        assert_eq!(search::search(&index, &Query::text(q)).hits.len(), index.docs.len(), "{q:?}");
    }
}

/// The search page's examples (placeholder and hint) in both languages: the same, and each finds
/// cases in the sample site. They are its CJK runs and its capitalised Latin words (LNG).
#[test]
fn the_search_hints_examples_find_cases() {
    let index = search::build(&sample());
    let strings = |lang: &str| {
        let yaml: serde_yaml::Value =
            serde_yaml::from_str(&common::read(common::repo().join(format!("themes/default/i18n/{lang}.yaml"))))
                .unwrap();
        ["placeholder", "hint"].map(|k| yaml["search"][k].as_str().unwrap().to_owned()).join(" ")
    };
    let (en, zh) = (strings("en"), strings("zh-CN"));
    let mut examples: Vec<String> = Vec::new();
    for word in en.split(|c: char| c.is_whitespace() || ",.:;\"“”()".contains(c)) {
        let cjk = word.chars().all(|c| tokenize::class(tokenize::fold(c)) == tokenize::Class::Cjk);
        let acronym = word.chars().filter(char::is_ascii_uppercase).count() >= 2;
        if !word.is_empty() && (cjk || acronym) {
            examples.push(word.to_owned());
        }
    }
    // Quoted examples too, as typed.
    examples.extend(en.split('"').skip(1).step_by(2).map(|q| format!("\"{q}\"")));
    assert!(examples.len() >= 4, "{examples:?}");
    for example in &examples {
        assert!(zh.contains(example.trim_matches('"')), "both languages give {example}");
        assert!(!urls(&index, &Query::text(example)).is_empty(), "the example {example} finds cases");
    }
}

/// What the hint and README say of quotes: quoted Chinese is a phrase, its spaces left out, so
/// `"党员 先锋"` finds exactly the cases with 党员先锋 written together; without quotes the two
/// words may be apart. Quoted words and Chinese are a phrase too: `"LNG 接收站"` is LNG接收站.
#[test]
fn quoted_chinese_is_a_phrase() {
    let site = sample();
    let index = search::build(&site);
    let sorted = |q: &str| {
        let mut u = urls(&index, &Query::text(q));
        u.sort();
        u
    };
    let (quoted, apart, together) = (sorted("\"党员 先锋\""), sorted("党员 先锋"), sorted("“党员先锋”"));
    let mut truth: Vec<String> =
        containing(&site, "党员先锋").iter().map(|&d| index.docs[d as usize].url.clone()).collect();
    truth.sort();
    assert_eq!((&quoted, &together), (&truth, &truth), "the phrase, with or without its space");
    assert!(apart.len() > quoted.len(), "without quotes the words may be apart: {apart:?} {quoted:?}");
    let lng = sorted("\"LNG 接收站\"");
    assert_eq!(lng, ["cases/lng-terminal-planning/"]);
    assert_eq!(sorted("LNG接收站"), lng, "typed together, as quoted");
}

/// The cases where `words` (folded) follow one another in one part of a field, with nothing
/// between them but spaces and punctuation (the last may be the start of a longer word): the
/// ground truth of a quoted phrase of words.
fn with_phrase(site: &Site, words: &[&str]) -> Vec<u32> {
    (0..site.cases.len() as u32)
        .filter(|&i| {
            let fields = search::index::fields(&site.cases[i as usize]);
            fields.iter().enumerate().any(|(tier, field)| {
                // The index puts a gap between the parts of a field (the names, the practices'
                // parts and tags, the body and the timeline's notes), which `fields` ends or
                // separates with a line break (the body may hold some of its own: a phrase
                // across one is found, and counted here as not holding it).
                let parts: Vec<&str> = if tier == 0 { vec![field] } else { field.split('\n').collect() };
                parts.iter().any(|part| {
                    let runs = tokenize::runs(part);
                    runs.windows(words.len()).any(|w| {
                        w.iter().zip(words).enumerate().all(|(k, (run, word))| match run {
                            // The last word is a prefix when it has two letters or more.
                            tokenize::Run::Word(found) if k + 1 == words.len() && word.chars().nth(1).is_some() => {
                                found.starts_with(word)
                            }
                            tokenize::Run::Word(found) => found == word,
                            tokenize::Run::Cjk(_) => false,
                        })
                    })
                })
            })
        })
        .collect()
}

/// The pairs of words that follow one another in the most cases (see [`with_phrase`]), with
/// those cases, most first.
fn common_word_pairs(site: &Site, count: usize) -> Vec<([String; 2], Vec<u32>)> {
    let mut cases: std::collections::HashMap<[String; 2], Vec<u32>> = std::collections::HashMap::new();
    for (i, case) in site.cases.iter().enumerate() {
        let mut seen = std::collections::HashSet::new();
        for (tier, field) in search::index::fields(case).iter().enumerate() {
            let parts: Vec<&str> = if tier == 0 { vec![field] } else { field.split('\n').collect() };
            for part in parts {
                for w in tokenize::runs(part).windows(2) {
                    if let [tokenize::Run::Word(a), tokenize::Run::Word(b)] = w {
                        // Words, not the numbers of versions and dates (5.3.0 is 5 3 0).
                        let wordy = |w: &str| w.chars().filter(|c| c.is_ascii_alphabetic()).count() >= 2;
                        if wordy(a) && wordy(b) && seen.insert([a.clone(), b.clone()]) {
                            cases.entry([a.clone(), b.clone()]).or_default().push(i as u32);
                        }
                    }
                }
            }
        }
    }
    let mut pairs: Vec<([String; 2], Vec<u32>)> = cases.into_iter().collect();
    pairs.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
    pairs.truncate(count);
    pairs
}

/// Recall and precision of the quoted `phrases` against [`with_phrase`], and the precision the
/// same words have unquoted (anywhere in a case).
fn phrase_precision(site: &Site, phrases: &[Vec<String>]) -> (f64, f64, f64) {
    let index = search::build(site);
    let docs = |q: &str| -> Vec<u32> { search::search(&index, &Query::text(q)).hits.iter().map(|h| h.doc).collect() };
    let (mut expected, mut found, mut returned, mut returned_apart) = (0, 0, 0, 0);
    for phrase in phrases {
        let words: Vec<&str> = phrase.iter().map(String::as_str).collect();
        let quoted = format!("\"{}\"", words.join(" "));
        let truth = with_phrase(site, &words);
        let got = docs(&quoted);
        let apart = docs(&words.join(" "));
        assert!(got.iter().all(|d| apart.contains(d)), "{quoted}: a phrase finds no case its words do not");
        expected += truth.len();
        returned += got.len();
        returned_apart += apart.len();
        found += got.iter().filter(|d| truth.contains(d)).count();
    }
    (found as f64 / expected as f64, found as f64 / returned as f64, expected as f64 / returned_apart as f64)
}

/// Quoted words are a phrase: `"tidb dashboard"` finds the cases where the two words follow one
/// another, not those where they are apart, as the words' position masks check; the last word of
/// a phrase may be the start of one (`"tidb das"`). Over the 40 pairs of words that follow one
/// another in the most cases, and those pairs with the last word cut to its first three letters:
/// every case holding the phrase is found (recall 1), and most results hold it (measured: 0.92 in
/// case-sized text, 0.86 in long documents of code, where the same words come back dozens of
/// times and fill the masks; without quotes 0.48 and 0.64 of the results have the words together).
#[test]
fn quoted_words_are_a_phrase() {
    for (what, site, floor) in [
        ("case-sized", search_support::generated_site(400), 0.9),
        ("long documents", search_support::corpus_site(Some(300)), 0.8),
    ] {
        let pairs = common_word_pairs(&site, 40);
        assert!(pairs.len() == 40 && pairs[39].1.len() >= 2, "{what}: pairs of words occur");
        let mut phrases: Vec<Vec<String>> = pairs.iter().map(|(p, _)| p.to_vec()).collect();
        phrases.extend(
            pairs
                .iter()
                .filter(|(p, _)| p[1].chars().count() > 3)
                .map(|(p, _)| vec![p[0].clone(), p[1].chars().take(3).collect()]),
        );
        let (recall, precision, unquoted) = phrase_precision(&site, &phrases);
        eprintln!(
            "{what}: {} phrases, recall {recall:.4}, precision {precision:.4} (unquoted {unquoted:.4})",
            phrases.len()
        );
        assert_eq!(recall, 1.0, "{what}");
        assert!(precision > unquoted, "{what}: quotes leave out cases where the words are apart");
        assert!(precision >= floor, "{what}: precision {precision:.4}");
    }
    // Words and Chinese typed together are found together.
    let site = search_support::corpus_site(Some(300));
    let index = search::build(&site);
    let docs = |q: &str| {
        let mut d: Vec<u32> = search::search(&index, &Query::text(q)).hits.iter().map(|h| h.doc).collect();
        d.sort_unstable();
        d
    };
    let together = docs("\"Go 语言\"");
    assert!(!together.is_empty() && together.len() < docs("Go 语言").len(), "{together:?}");
    assert_eq!(docs("Go语言"), together, "typed together is the same as quoted");
}

/// 〇, the zero of dates written in Chinese (二〇二四年), is a Chinese character: `二〇二四` is one
/// run, found only where it is written, not 二 and 二四 anywhere. 「」 quotes make a phrase as “”
/// do. The timeline's notes, which the case page shows, are searched.
#[test]
fn dates_in_chinese_corner_quotes_and_timeline_notes() {
    let site = sample();
    let index = search::build(&site);
    let mut found: Vec<u32> = search::search(&index, &Query::text("二〇二四")).hits.iter().map(|h| h.doc).collect();
    found.sort_unstable();
    assert!(!found.is_empty());
    assert_eq!(found, containing(&site, "二〇二四"), "exactly the cases that write it");
    assert_eq!(urls(&index, &Query::text("「党员 先锋」")), urls(&index, &Query::text("“党员 先锋”")));
    assert_ne!(urls(&index, &Query::text("「党员 先锋」")), urls(&index, &Query::text("党员 先锋")));
    let note = site.cases.iter().flat_map(|c| &c.timeline).find_map(|e| e.note.clone()).expect("a timeline note");
    let case = site.cases.iter().find(|c| c.timeline.iter().any(|e| e.note.as_ref() == Some(&note))).unwrap();
    assert!(!case.body.plain_text.contains(&note), "the note is not in the body: {note}");
    assert!(urls(&index, &Query::text(&note)).contains(&case.path), "the note {note} finds its case");
}

/// A match that lies a few hundred characters into a case's practices and body shows in its
/// excerpt, highlighted: the excerpts keep the first 640 characters, not the first 240 (in the
/// sample site, a 3-character piece taken 300 and 600 characters in, from every case long enough).
#[test]
fn a_match_a_few_hundred_characters_in_shows_in_the_excerpt() {
    let site = sample();
    let index = search::build(&site);
    let mut tried = 0;
    for (i, doc) in index.docs.iter().enumerate() {
        let text: Vec<char> = doc.text.chars().collect();
        for at in [300, 600] {
            let Some(piece) = text.get(at..at + 3) else { continue };
            if !piece.iter().all(|&c| tokenize::class(tokenize::fold(c)) == tokenize::Class::Cjk) {
                continue;
            }
            let q: String = piece.iter().collect();
            let results = search::search(&index, &Query::text(&q));
            assert!(results.hits.iter().any(|h| h.doc as usize == i), "{q:?} finds {}", doc.url);
            let (excerpt, marks) = search::excerpt(&doc.text, &results.clauses, 80);
            assert!(
                !marks.is_empty() && excerpt.contains(&q),
                "{q:?} is marked in the excerpt of {}: {excerpt}",
                doc.url
            );
            tried += 1;
        }
    }
    assert!(tried >= 10, "only {tried} pieces tried");
}
