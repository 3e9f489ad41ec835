//! End-to-end: the real binary builds real sites into real folders, and we read what a reader gets.

mod common;

use std::fs;
use std::path::Path;

use common::*;

fn build(site: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["build", site.to_str().unwrap(), "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    exemplar(&args)
}

/// Builds the sample site once per test binary run into a temporary folder.
fn sample_output() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let result = build(&repo(), &out, &["--base-url", "http://intranet.example/practice/"]);
    assert!(result.status.success(), "build failed:\n{}", stderr(&result));
    (tmp, out)
}

#[test]
fn the_sample_site_builds_every_published_case() {
    let (_tmp, out) = sample_output();
    let cases: Vec<_> = fs::read_dir(out.join("cases"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "index.html" && name != "page")
        .collect();
    assert!(cases.len() >= 15, "{cases:?}");
    // The draft is not published.
    assert!(!out.join("cases/customer-service-hotline").exists());
    for slug in &cases {
        assert!(slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'), "{slug}");
        let html = read(out.join("cases").join(slug).join("index.html"));
        assert!(html.contains("<h1"), "{slug} has a heading");
    }
    let page = read(out.join("cases/tunnel-branch-safety/index.html"));
    let source = read(repo().join("content/tunnel-branch-safety.md"));
    let title = source.lines().find_map(|l| l.strip_prefix("title: ")).unwrap().trim().trim_matches('"');
    assert!(page.contains(title), "the case page shows its title");
    assert!(page.contains("已命名"), "the status label is shown in Chinese");
    assert!(page.contains("lang=\"zh-CN\""));
}

#[test]
fn links_between_cases_and_images_are_rewritten() {
    let (_tmp, out) = sample_output();
    // welding-workshop-studio.md links to another case by its .md path and shows an inline image.
    let html = read(out.join("cases/welding-workshop-studio/index.html"));
    assert!(!html.contains(".md\""), "no link still points at a .md file");
    assert!(html.contains("src=\"../../media/images/studio-workflow.png\""), "inline image rewritten");
    assert!(out.join("media/images/studio-workflow.png").is_file(), "the image is copied");
    // A case in a subfolder uses ../images for its cover.
    assert!(out.join("media/images/banner-energy.png").is_file());
}

#[test]
fn every_internal_link_and_asset_resolves() {
    let (_tmp, out) = sample_output();
    let (broken, checked) = broken_links(&out);
    assert!(broken.is_empty(), "{broken:#?}");
    assert!(checked > 500, "checked {checked} links");
}

/// The internal links and assets of every HTML page of the portal in `out` that lead to no file
/// there (`page: link (→ target)`), and how many links were checked. Nothing may load from
/// outside the portal.
fn broken_links(out: &Path) -> (Vec<String>, usize) {
    let tree = read_tree(out);
    let mut broken = Vec::new();
    let mut checked = 0;
    for (rel, bytes) in &tree {
        if !rel.ends_with(".html") || rel == "404.html" {
            continue;
        }
        let html = String::from_utf8_lossy(bytes);
        let dir = Path::new(rel).parent().unwrap_or(Path::new(""));
        for url in attributes(&html, "href").into_iter().chain(attributes(&html, "src")) {
            assert!(!url.starts_with("//"), "{rel}: protocol-relative URL {url}");
            if url.starts_with('#') || url.starts_with("mailto:") {
                continue;
            }
            assert!(!url.starts_with("http:") && !url.starts_with("https:"), "{rel} loads or links outside: {url}");
            let path = url.split(['#', '?']).next().unwrap();
            let mut target = dir.join(path);
            if path.is_empty() || path.ends_with('/') {
                target = target.join("index.html");
            }
            let normalized = normalize(&target);
            if !tree.contains_key(&normalized) {
                broken.push(format!("{rel}: {url} (→ {normalized})"));
            }
            checked += 1;
        }
    }
    (broken, checked)
}

#[test]
fn a_taxonomy_left_out_of_the_configuration_is_shown_but_not_linked() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let config = read(site.join("exemplar.yaml"));
    let line = config.lines().find(|l| l.starts_with("taxonomies:")).expect("the sample lists its taxonomies");
    for (taxonomies, built) in [("[enterprise]", &["enterprise"][..]), ("[]", &[][..])] {
        fs::write(site.join("exemplar.yaml"), config.replacen(line, &format!("taxonomies: {taxonomies}"), 1)).unwrap();
        let out = tmp.path().join(format!("out-{}", built.len()));
        let result = build(&site, &out, &[]);
        assert!(result.status.success(), "{taxonomies}: {}", stderr(&result));
        for taxonomy in ["status", "dimension", "action", "indicator", "year", "tag", "enterprise"] {
            assert_eq!(out.join(taxonomy).exists(), built.contains(&taxonomy), "{taxonomies}: {taxonomy}/");
        }
        let (broken, checked) = broken_links(&out);
        assert!(broken.is_empty(), "{taxonomies}: links to pages not written: {broken:#?}");
        assert!(checked > 300, "checked {checked} links");
        // The terms are still shown, as text: the status counts, a case's actions, dimensions and
        // tags, the library's groups.
        let home = read(out.join("index.html"));
        assert!(home.contains("status-counts__row") && home.contains("已命名"), "{home}");
        let case = read(out.join("cases/tunnel-branch-safety/index.html"));
        assert!(case.contains("<li>铸魂</li>"), "an action without a link");
        assert!(case.contains("<span class=\"tag-list__item\">安全生产</span>"), "a tag without a link");
        assert!(case.contains("<span class=\"chip chip--dim\">"), "a dimension without a link");
        assert_eq!(
            case.contains("href=\"../../enterprise/hua-nan-jian-gong-ji-tuan/\""),
            built.contains(&"enterprise"),
            "{taxonomies}: the enterprise is linked only when its pages are built"
        );
        let library = read(out.join("practices/index.html"));
        assert!(library.contains("library-group") && !library.contains("查看该分类的案例"), "{library}");
    }
}

#[test]
fn the_output_loads_nothing_from_outside() {
    let (_tmp, out) = sample_output();
    for (rel, bytes) in read_tree(&out) {
        if rel.ends_with(".html") || rel.ends_with(".css") || rel.ends_with(".js") {
            let text = String::from_utf8_lossy(&bytes);
            for pattern in ["src=\"http", "src=\"//", "url(http", "url(//", "@import", "href=\"//"] {
                assert!(!text.contains(pattern), "{rel} contains {pattern}");
            }
            let stylesheets = text.match_indices("rel=\"stylesheet\"").count();
            if stylesheets > 0 {
                assert!(!text.contains("href=\"http"), "{rel} links a remote stylesheet");
            }
        }
    }
}

#[test]
fn building_twice_gives_identical_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    assert!(build(&repo(), &a, &[]).status.success());
    assert!(build(&repo(), &b, &[]).status.success());
    let (ta, tb) = (read_tree(&a), read_tree(&b));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (path, bytes) in &ta {
        assert!(bytes == &tb[path], "{path} differs between two builds");
    }
}

#[test]
fn extra_fields_are_listed_in_name_order_in_every_build() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let case = site.join("content/tunnel-branch-safety.md");
    let text =
        read(&case).replacen("\n---\n", "\nzeta: 末\nowner: 张三\nalpha: [甲, 乙]\nmiddle: 2\nbeta: true\n---\n", 1);
    fs::write(&case, text).unwrap();
    let mut pages = Vec::new();
    for name in ["a", "b", "c"] {
        let out = tmp.path().join(name);
        let result = build(&site, &out, &[]);
        assert!(result.status.success(), "{}", stderr(&result));
        pages.push(read(out.join("cases/tunnel-branch-safety/index.html")));
    }
    assert!(pages.iter().all(|p| p == &pages[0]), "the extra fields' order changed between builds");
    let at = |key: &str| pages[0].find(&format!("<th scope=\"row\">{key}</th>")).unwrap();
    assert!(
        at("alpha") < at("beta") && at("beta") < at("middle") && at("middle") < at("owner") && at("owner") < at("zeta")
    );
    assert!(pages[0].contains("甲、乙"), "a list is joined with the list separator");
}

#[test]
fn a_failed_build_leaves_the_last_good_portal_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let out = tmp.path().join("out");
    copy_sample_site(&site);
    assert!(build(&site, &out, &[]).status.success());
    let before = read_tree(&out);

    // An editor breaks one case: the build fails with exit code 1 and names the file.
    let case = site.join("content/tunnel-branch-safety.md");
    let text = read(&case).replacen("status: named", "status: nmed", 1);
    fs::write(&case, text).unwrap();
    let result = build(&site, &out, &[]);
    assert_eq!(result.status.code(), Some(1));
    assert!(stderr(&result).contains("content/tunnel-branch-safety.md:"), "{}", stderr(&result));
    assert_eq!(read_tree(&out), before, "the previous output is intact");
    let mut leftovers: Vec<_> = fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    leftovers.sort();
    // `.out.lock` is the output folder's lock file (issue 6), released when a build ends.
    assert_eq!(leftovers, [".out.lock", "out", "site"], "no staging folder is left behind");
}

#[test]
fn a_template_error_names_the_template_the_line_and_the_variable() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    fs::create_dir_all(site.join("templates")).unwrap();
    // `{{ t.nav.home }}` is folded into the template's text before Tera reads it ("Home"): the
    // column is still the one in the file.
    fs::write(site.join("templates/404.html"), "<p>\n{{ t.nav.home }} {{ no_such_variable.field }}\n</p>\n").unwrap();
    let result = build(&site, &tmp.path().join("out"), &["--lang", "en"]);
    assert_eq!(result.status.code(), Some(1));
    let err = stderr(&result);
    assert!(err.contains("templates/404.html:2:21"), "{err}");
    assert!(err.contains("no_such_variable"), "{err}");
    assert!(!tmp.path().join("out").exists());
}

/// Tera writes its messages in English; a theme author reads them in the build's language, with
/// the place and Tera's words for tokens translated too.
#[test]
fn a_template_syntax_error_is_told_in_the_builds_language() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    fs::create_dir_all(site.join("templates")).unwrap();
    fs::write(site.join("templates/404.html"), "<p>\n{{ foo( }}\n</p>\n").unwrap();
    let zh = stderr(&build(&site, &tmp.path().join("out"), &[]));
    assert!(zh.contains("templates/404.html:2:"), "{zh}");
    assert!(zh.contains("模板 404.html 出错：这里应当是变量名，写的却是`}}`。"), "{zh}");
    assert!(!zh.contains("Found"), "Tera's English is left in:\n{zh}");
    let en = stderr(&build(&site, &tmp.path().join("out"), &["--lang", "en"]));
    assert!(en.contains("template 404.html failed: expected a name here, but found `}}`."), "{en}");
    // An undefined variable, at render time: its name and the names there are.
    fs::write(site.join("templates/404.html"), "<p>{{ titel }}</p>\n").unwrap();
    let zh = stderr(&build(&site, &tmp.path().join("out"), &[]));
    assert!(zh.contains("变量 `titel` 没有定义。这里有的变量："), "{zh}");
}

#[test]
fn a_site_template_overrides_the_theme() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    fs::create_dir_all(site.join("templates")).unwrap();
    fs::write(site.join("templates/404.html"), "<p>{{ site.title }} custom 404</p>\n").unwrap();
    let out = tmp.path().join("out");
    let result = build(&site, &out, &[]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(read(out.join("404.html")).contains("custom 404"));
}

#[test]
fn a_theme_makes_only_the_pages_it_has_templates_for() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    // More featured cases than the home page shows: the default theme lists the rest on pages of
    // their own (`featured/`), which this theme cannot draw.
    feature_every(&site.join("content"), 1);
    let config = read(site.join("exemplar.yaml")).replacen("theme: default", "theme: plain", 1);
    fs::write(site.join("exemplar.yaml"), config).unwrap();
    // Only the templates every theme needs, as small as a Hugo theme's.
    let templates = site.join("themes/plain/templates");
    fs::create_dir_all(&templates).unwrap();
    let items =
        "{% for card in paginator.items %}<a href=\"{{ root }}{{ card.path }}\">{{ card.title }}</a>{% endfor %}";
    for (name, text) in [
        (
            "index.html",
            "<h1>{{ site.title }}</h1>{% if featured_path %}<a href=\"{{ featured_path }}\">all</a>{% endif %}"
                .to_owned(),
        ),
        ("case.html", "<h1>{{ case.title }}</h1>{{ case.content | safe }}".to_owned()),
        ("list.html", format!("<h1>all</h1>{items}")),
        (
            "taxonomy.html",
            "{% for term in taxonomy.terms %}<a href=\"{{ root }}{{ term.path }}\">{{ term.label }}</a>{% endfor %}"
                .to_owned(),
        ),
        ("term.html", format!("<h1>{{{{ term.label }}}}</h1>{items}")),
    ] {
        fs::write(templates.join(name), text).unwrap();
    }
    let out = tmp.path().join("out");
    let result = build(&site, &out, &[]);
    assert!(result.status.success(), "{}", stderr(&result));
    let case = read(out.join("cases/tunnel-branch-safety/index.html"));
    assert!(case.starts_with("<h1>") && case.contains("<p>"), "{case}");
    assert!(read(out.join("cases/index.html")).contains("cases/tunnel-branch-safety/"));
    assert!(read(out.join("tag/index.html")).contains("<a href="));
    // No search page, library, reports, long lists or 404 page, and no search index.
    for missing in ["search", "practices", "reports", "featured", "404.html"] {
        assert!(!out.join(missing).exists(), "{missing} is made without its template");
    }
    let sitemap = read(out.join("sitemap.xml"));
    assert!(sitemap.contains("/cases/tunnel-branch-safety/") && !sitemap.contains("/search/"), "{sitemap}");
    assert_eq!(read(out.join("index.html")), "<h1>基层党组织示范点经验交流平台</h1>", "no link to a list not made");
    // What no template draws is still there: the feed and the data files.
    for file in ["feed.xml", "data/cases.json", "data/cases.csv", "robots.txt"] {
        assert!(out.join(file).is_file(), "{file}");
    }
    // The command line searches the site itself, not the portal.
    let found = exemplar(&["search", site.to_str().unwrap(), "盾构", "--json"]);
    assert!(found.status.success() && stdout(&found).contains("tunnel-branch-safety"), "{}", stdout(&found));

    // Without a template every theme needs, the build stops, names it and leaves the portal.
    let before = read_tree(&out);
    fs::remove_file(templates.join("term.html")).unwrap();
    let result = build(&site, &out, &[]);
    assert_eq!(result.status.code(), Some(1));
    let err = stderr(&result);
    assert!(err.contains("主题缺少模板 term.html") && err.contains("index.html, case.html"), "{err}");
    assert_eq!(read_tree(&out), before);
}

#[test]
fn english_by_configuration() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let config = read(site.join("exemplar.yaml")).replace("language: zh-CN", "language: en");
    fs::write(site.join("exemplar.yaml"), config).unwrap();
    let out = tmp.path().join("out");
    let result = build(&site, &out, &[]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(stdout(&result).contains("Built "), "{}", stdout(&result));
    let html = read(out.join("cases/tunnel-branch-safety/index.html"));
    assert!(html.contains("lang=\"en\""));
    assert!(html.contains(">Named<"), "the status label is in English");
    assert!(!html.contains("已命名"));
}

#[test]
fn pagination_splits_the_case_list() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let config = read(site.join("exemplar.yaml")).replace("paginate_by: 12", "paginate_by: 5");
    fs::write(site.join("exemplar.yaml"), config).unwrap();
    let out = tmp.path().join("out");
    assert!(build(&site, &out, &[]).status.success());
    let published = fs::read_dir(out.join("cases")).unwrap().count() - 2; // index.html and page/
    let pages = published.div_ceil(5);
    assert!(out.join(format!("cases/page/{pages}/index.html")).is_file());
    assert!(!out.join(format!("cases/page/{}/index.html", pages + 1)).exists());
    let first = read(out.join("cases/index.html"));
    assert!(first.matches("href=\"../cases/").count() + first.matches("href=\"./").count() >= 1);
    assert!(first.contains("page/2/"), "the first page links to the second");
}

#[test]
fn usage_errors_exit_with_2_and_help_with_0() {
    assert_eq!(exemplar(&["build", "--no-such-flag"]).status.code(), Some(2));
    assert_eq!(exemplar(&["frobnicate"]).status.code(), Some(2));
    for command in ["build", "check", "init", "new"] {
        let help = exemplar(&[command, "--help"]);
        assert_eq!(help.status.code(), Some(0), "{command} --help");
        // In the language of the site in the current folder (the sample site's: Chinese).
        assert!(stdout(&help).contains(&format!("用法：exemplar {command}")), "{command} --help prints usage");
    }
}

#[test]
fn init_creates_a_site_that_builds_as_it_is() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("new-site");
    let result = exemplar(&["init", site.to_str().unwrap()]);
    assert!(result.status.success(), "{}", stderr(&result));
    // `init` writes the site and says how to build it; it builds nothing itself (README).
    assert!(stdout(&result).contains("exemplar build"), "{}", stdout(&result));
    assert!(!site.join("public").exists());
    assert!(site.join("exemplar.yaml").is_file());
    assert!(site.join("themes/default/templates/case.html").is_file());
    let cases = fs::read_dir(site.join("content")).unwrap().count();
    assert_eq!(cases, 2);
    let check = exemplar(&["check", site.to_str().unwrap()]);
    assert!(check.status.success(), "{}", stderr(&check));
    let out = site.join("public");
    let built = exemplar(&["build", site.to_str().unwrap()]);
    assert!(built.status.success(), "{}", stderr(&built));
    assert!(out.join("index.html").is_file());
    assert!(out.join("cases/workshop-safety-post/index.html").is_file());
    // Committing the new site after a build takes its sources only: `.gitignore` keeps out what
    // the build wrote (the portal, its lock, the photos' cache).
    let git =
        |args: &[&str]| std::process::Command::new("git").arg("-C").arg(&site).args(args).output().expect("run git");
    assert!(git(&["init", "-q"]).status.success());
    let status = String::from_utf8(git(&["status", "--porcelain"]).stdout).unwrap();
    assert_eq!(status.lines().collect::<Vec<_>>(), ["?? .gitignore", "?? content/", "?? exemplar.yaml", "?? themes/"]);
    // The link between the two example cases resolves.
    assert!(
        read(out.join("cases/workshop-safety-post/index.html")).contains("href=\"../../cases/mentoring-program/\"")
    );
    // A second init into the same folder is refused and changes nothing; the message is in the
    // reader's language and says what to do instead.
    let again = exemplar(&["init", site.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("已存在且不是空目录") && stderr(&again).contains("exemplar init"),
        "{}",
        stderr(&again)
    );
    let again = exemplar(&["--lang", "en", "init", site.to_str().unwrap()]);
    assert!(stderr(&again).contains("already exists and is not empty"), "{}", stderr(&again));
    // `new case` outside a site says where to run it.
    let outside = exemplar(&["new", "case", "标题", "--dir", tmp.path().to_str().unwrap()]);
    assert_eq!(outside.status.code(), Some(1));
    assert!(stderr(&outside).contains("没有 content/ 目录"), "{}", stderr(&outside));
}

#[test]
fn new_case_writes_a_template_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    assert!(exemplar(&["init", site.to_str().unwrap()]).status.success());
    let dir = site.to_str().unwrap();
    let first = exemplar(&["new", "case", "安全生产示范岗", "--enterprise", "示例公司", "--dir", dir]);
    assert!(first.status.success(), "{}", stderr(&first));
    let path = site.join("content/an-quan-sheng-chan-shi-fan-gang.md");
    let text = read(&path);
    assert!(text.contains("title: \"安全生产示范岗\""));
    assert!(text.contains("enterprise: \"示例公司\""));
    assert!(text.contains("# "), "the template is commented");
    fs::write(&path, text.replace("做法名称", "已编辑")).unwrap();
    let second = exemplar(&["new", "case", "安全生产示范岗", "--dir", dir]);
    assert!(second.status.success());
    assert!(site.join("content/an-quan-sheng-chan-shi-fan-gang-2.md").is_file());
    assert!(read(&path).contains("已编辑"), "the first file was not overwritten");
    // The new files are valid drafts: the site still checks, with its drafts too (the template's
    // example link is in a comment, not a link to a case that is not there).
    let check = exemplar(&["check", dir]);
    assert!(check.status.success(), "{}", stderr(&check));
    let check = exemplar(&["check", dir, "--drafts"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let english = exemplar(&["new", "case", "Safety post", "--dir", dir, "--lang", "en"]);
    assert!(english.status.success(), "{}", stderr(&english));
    let check = exemplar(&["check", dir, "--drafts"]);
    assert!(check.status.success(), "{}", stderr(&check));
}

#[test]
fn check_catches_a_template_syntax_error() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    fs::create_dir_all(site.join("templates")).unwrap();
    fs::write(site.join("templates/404.html"), "<p>\n{{ unclosed\n</p>\n").unwrap();
    let result = exemplar(&["check", site.to_str().unwrap(), "--lang", "en"]);
    assert_eq!(result.status.code(), Some(1));
    assert!(stderr(&result).contains("templates/404.html:"), "{}", stderr(&result));
}

/// `check` renders one page of each kind, so it finds what only rendering meets and `build`
/// refuses: a card template gone, a static file the templates name gone, a value a filter or an
/// operator cannot take. Each at the same place as `build` says.
#[test]
fn check_finds_what_only_rendering_meets_as_build_does() {
    type Break = fn(&Path);
    let breaks: [(&str, Break); 4] = [
        ("card template gone", |site| {
            fs::remove_file(site.join("themes/default/templates/partials/case_card.html")).unwrap()
        }),
        ("stylesheet gone", |site| fs::remove_file(site.join("themes/default/static/print.css")).unwrap()),
        ("a string's field", |site| {
            let path = site.join("themes/default/templates/term.html");
            fs::write(
                &path,
                read(&path).replacen("{% block content %}", "{% block content %}{{ t.nav.home.extra }}", 1),
            )
            .unwrap()
        }),
        ("text plus a number", |site| {
            let path = site.join("themes/default/templates/case.html");
            fs::write(&path, read(&path).replacen("{% block content %}", "{% block content %}{{ site.title + 1 }}", 1))
                .unwrap()
        }),
    ];
    for (what, make) in breaks {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("site");
        copy_sample_site(&site);
        make(&site);
        let place = |output: &std::process::Output| {
            stderr(output).lines().find(|l| l.trim_start().starts_with("--> ")).map(str::to_owned).unwrap_or_default()
        };
        let built = build(&site, &tmp.path().join("out"), &["--lang", "en"]);
        assert_eq!(built.status.code(), Some(1), "{what}: build refuses it");
        let checked = exemplar(&["check", site.to_str().unwrap(), "--lang", "en"]);
        assert_eq!(checked.status.code(), Some(1), "{what}: check passed it:\n{}", stderr(&checked));
        assert_eq!(place(&checked), place(&built), "{what}: {}", stderr(&checked));
    }
}

/// A theme's stylesheets and scripts refer to one another and to its images and fonts by their
/// plain names (`@import url("base.css")`, `url(../img/bg.png)`, `import … from "./util.js"`), and
/// a template may link `{{ root }}static/css/corp.css` directly: `serve` answers those names, and
/// so does the published portal, beside the hashed names the default templates use.
#[test]
fn a_themes_files_reach_one_another_by_their_plain_names_once_published() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let static_dir = site.join("themes/default/static");
    for (rel, text) in [
        (
            "css/corp.css",
            "@import url(\"base.css\");\n@font-face { font-family: x; src: url(fonts/x.woff2); }\nbody { background: url(../img/bg.png); }\n",
        ),
        ("css/base.css", "p { margin: 0; }\n"),
        ("css/fonts/x.woff2", "wOF2"),
        ("img/bg.png", "png"),
        ("js/app.js", "import { u } from \"./util.js\";\nu();\n"),
        ("js/util.js", "export function u() {}\n"),
    ] {
        fs::create_dir_all(static_dir.join(rel).parent().unwrap()).unwrap();
        fs::write(static_dir.join(rel), text).unwrap();
    }
    fs::create_dir_all(site.join("templates")).unwrap();
    fs::write(
        site.join("templates/404.html"),
        "<link rel=\"stylesheet\" href=\"{{ root }}static/css/corp.css\">\n\
         <link rel=\"stylesheet\" href=\"{{ root }}{{ assets[\"css/corp.css\"] }}\">\n\
         <script type=\"module\" src=\"{{ root }}{{ assets[\"js/app.js\"] }}\"></script>\n",
    )
    .unwrap();
    let out = tmp.path().join("public");
    let result = build(&site, &out, &[]);
    assert!(result.status.success(), "{}", stderr(&result));

    // The page's links, the plain one and the hashed ones.
    let page = read(out.join("404.html"));
    // The 404 page links from the portal's root (`base_url`, here `/`).
    let linked: Vec<String> = (attributes(&page, "href").into_iter().chain(attributes(&page, "src")))
        .map(|url| url.trim_start_matches('/').to_owned())
        .collect();
    assert_eq!(linked.len(), 3, "{page}");
    assert!(linked[1].starts_with("static/css/corp.") && linked[1] != "static/css/corp.css", "{linked:?}");
    // Every reference inside the published stylesheets and scripts, hashed or not, resolves
    // from the folder the file is in, as a browser resolves it.
    let references = |text: &str| -> Vec<String> {
        let mut found = Vec::new();
        for piece in text.split("url(").skip(1) {
            found.push(piece.split(')').next().unwrap().trim_matches(['"', '\'']).to_owned());
        }
        for piece in text.split(" from \"").skip(1) {
            found.push(piece.split('"').next().unwrap().to_owned());
        }
        found
    };
    let mut checked = 0;
    for url in &linked {
        let file = out.join(url);
        assert!(file.is_file(), "{url} is published");
        let text = read(&file);
        for reference in references(&text) {
            let target = file.parent().unwrap().join(&reference);
            assert!(target.is_file(), "{url} refers to {reference}, which is not published");
            checked += 1;
        }
    }
    assert_eq!(checked, 3 * 2 + 1, "{linked:?}");
    // The plain names hold the theme's bytes.
    for rel in ["css/corp.css", "css/base.css", "js/app.js", "js/util.js", "img/bg.png"] {
        assert_eq!(fs::read(out.join("static").join(rel)).unwrap(), fs::read(static_dir.join(rel)).unwrap(), "{rel}");
    }

    // A full build again rewrites none of them: each is kept from the last output.
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let inodes =
            |rels: &[&str]| -> Vec<u64> { rels.iter().map(|rel| fs::metadata(out.join(rel)).unwrap().ino()).collect() };
        let files = ["static/css/corp.css", linked[1].as_str(), "static/js/util.js", "static/style.css"];
        let before = inodes(&files);
        let result = build(&site, &out, &["--force"]);
        assert!(result.status.success(), "{}", stderr(&result));
        assert_eq!(inodes(&files), before);
    }
}

/// A key of `assets` that is no static file of the theme is told with the one meant and those
/// there are, at its place, rather than as Tera's "undefined variable".
#[test]
fn a_typo_in_an_asset_key_names_the_static_files_there_are() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    fs::create_dir_all(site.join("templates")).unwrap();
    fs::write(site.join("templates/404.html"), "<p>\n<link href=\"{{ root }}{{ assets[\"style.cs\"] }}\">\n</p>\n")
        .unwrap();
    let out = tmp.path().join("public");
    let result = build(&site, &out, &["--lang", "en"]);
    assert_eq!(result.status.code(), Some(1));
    let err = stderr(&result);
    assert!(err.contains("templates/404.html:2:26"), "{err}");
    assert!(err.contains("there is no static file \"style.cs\" in assets"), "{err}");
    assert!(err.contains("did you mean \"style.css\""), "{err}");
    assert!(err.contains("links.js, print.css, search.js, style.css"), "{err}");
    assert!(!out.exists());
}

/// Raw HTML's images and links reach the portal as Markdown's do: the image copied to `media/`
/// (with the widths a photo gets), the case link made the case's page; its ids do not repeat the
/// page's own (`<main id="main">`). One that points at nothing fails the build at its value.
#[test]
fn raw_html_images_and_links_are_resolved_like_markdown_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let out = tmp.path().join("out");
    copy_sample_site(&site);
    let case = site.join("content/welding-workshop-studio.md");
    let raw = "\n<p align=\"center\"><img src=\"images/banner-safety.png\" width=\"300\" alt=\"横幅\"></p>\n\n\
               <p id=\"main\">见<a href=\"tunnel-branch-safety.md#主要做法\">隧道项目</a>，<a href=\"#main\">本节</a>。</p>\n";
    fs::write(&case, read(&case) + raw).unwrap();
    let result = build(&site, &out, &[]);
    assert!(result.status.success(), "{}", stderr(&result));
    let html = read(out.join("cases/welding-workshop-studio/index.html"));
    let img = html.split("<img").find(|tag| tag.contains("banner-safety")).expect("the raw image is on the page");
    assert!(img.contains(" src=\"../../media/images/banner-safety.png\""), "{img}");
    assert!(out.join("media/images/banner-safety.png").is_file(), "the image is copied");
    // The same attributes a Markdown image of the same kind of file gets.
    let markdown_img = html.split("<img").find(|tag| tag.contains("studio-workflow")).unwrap();
    for attribute in [" srcset=", " loading=\"lazy\""] {
        assert_eq!(img.contains(attribute), markdown_img.contains(attribute), "{attribute}: {img} / {markdown_img}");
    }
    assert!(html.contains("href=\"../../cases/tunnel-branch-safety/#主要做法\""), "{html}");
    assert_eq!(html.matches("id=\"main\"").count(), 1, "one element is #main");
    assert!(html.contains("<p id=\"user-content-main\">") && html.contains("href=\"#user-content-main\""), "{html}");

    let broken = "\n<img src=\"images/no-such.png\" width=\"300\">\n";
    fs::write(&case, read(&case) + broken).unwrap();
    let result = build(&site, &out, &["--lang", "en"]);
    assert_eq!(result.status.code(), Some(1));
    let line = read(&case).lines().count();
    let err = stderr(&result);
    assert!(err.contains(&format!("content/welding-workshop-studio.md:{line}:11")), "{err}");
    assert!(err.contains("images/no-such.png"), "{err}");
}

/// Control characters in a title and a body (pasted from Word) are removed from every output:
/// the build warns at their place, and feed.xml and sitemap.xml parse as XML (a raw U+0001 made
/// feed.xml invalid while `build` exited 0).
#[test]
fn control_characters_never_reach_the_output() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let path = site.join("content/tunnel-branch-safety.md");
    let text = read(&path);
    let title = text.lines().find(|l| l.starts_with("title: ")).unwrap().to_owned();
    let body_line = text.lines().position(|l| l.starts_with("盾构掘进")).expect("the first paragraph") + 1;
    let text =
        text.replacen(&title, "title: \"地铁\u{1}隧道\u{8}施工\"", 1).replacen("盾构掘进", "盾构\u{1}掘进\u{b}", 1);
    fs::write(&path, text).unwrap();
    let out = tmp.path().join("public");
    let result = build(&site, &out, &["--lang", "en"]);
    assert!(result.status.success(), "{}", stderr(&result));
    let report = stderr(&result);
    for (line, column) in [(2, 11), (body_line, 3)] {
        let at = format!("content/tunnel-branch-safety.md:{line}:{column}");
        assert!(report.contains(&at) && report.contains("warning[control_character]"), "{at}:\n{report}");
    }
    for file in ["feed.xml", "sitemap.xml"] {
        let xml = read(out.join(file));
        roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{file} is not XML: {e}"));
    }
    assert!(read(out.join("feed.xml")).contains("地铁隧道施工"));
    for (rel, bytes) in read_tree(&out) {
        let text = String::from_utf8_lossy(&bytes);
        if !rel.starts_with("media/") && !rel.ends_with(".png") {
            assert!(!text.contains(['\u{1}', '\u{8}', '\u{b}']), "{rel} holds a control character");
        }
    }
}

/// A build into a folder that holds the last one is skipped only when nothing it reads changed,
/// also where it reads through a symbolic link (a case, the theme folder, the configuration) or
/// from another place (the site folder moved): before, the fingerprint saw the links alone and the
/// site's files by their relative paths, and said "Nothing changed" over a stale portal.
#[test]
fn edits_behind_symbolic_links_and_a_moved_site_are_built() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let out = tmp.path().join("out");
    let skipped = |result: &std::process::Output| stdout(result).contains("Nothing changed");
    let built = |result: &std::process::Output| {
        assert!(result.status.success(), "{}", stderr(result));
        !skipped(result)
    };

    // A case file that is a link to a file elsewhere in the site.
    fs::create_dir_all(site.join("shared")).unwrap();
    fs::rename(site.join("content/tunnel-branch-safety.md"), site.join("shared/tunnel.md")).unwrap();
    symlink("../shared/tunnel.md", site.join("content/tunnel-branch-safety.md")).unwrap();
    // The theme folder and the configuration, links too.
    fs::rename(site.join("themes/default"), site.join("mytheme")).unwrap();
    symlink("../mytheme", site.join("themes/default")).unwrap();
    fs::rename(site.join("exemplar.yaml"), site.join("shared/exemplar.yaml")).unwrap();
    symlink("shared/exemplar.yaml", site.join("exemplar.yaml")).unwrap();
    assert!(built(&build(&site, &out, &["--lang", "en"])));
    assert!(skipped(&build(&site, &out, &["--lang", "en"])), "the same inputs: skipped");

    let case = site.join("shared/tunnel.md");
    fs::write(&case, read(&case).replacen("title: ", "title: 【链接后改】", 1)).unwrap();
    assert!(built(&build(&site, &out, &["--lang", "en"])), "a case edited behind its link");
    assert!(read(out.join("cases/tunnel-branch-safety/index.html")).contains("【链接后改】"));

    let template = site.join("mytheme/templates/404.html");
    fs::write(&template, read(&template).replacen("{% block content %}", "{% block content %}<!-- 改 -->", 1)).unwrap();
    assert!(built(&build(&site, &out, &["--lang", "en"])), "a template edited behind the theme's link");
    assert!(read(out.join("404.html")).contains("<!-- 改 -->"));

    let config = site.join("shared/exemplar.yaml");
    fs::write(&config, read(&config).replacen("title: ", "title: 新标题", 1)).unwrap();
    assert!(built(&build(&site, &out, &["--lang", "en"])), "the configuration edited behind its link");
    assert!(read(out.join("index.html")).contains("新标题"));

    // The same site, moved: built again (its place decides its git history and source links).
    let moved = tmp.path().join("moved");
    fs::rename(&site, &moved).unwrap();
    assert!(built(&build(&moved, &out, &["--lang", "en"])), "a moved site is built, not taken as the same");
}

/// An output folder that is a symbolic link (a web root, or `publish`'s link to its current
/// version) is refused: the build would replace the link with a folder and leave the old portal
/// where the link pointed.
#[test]
fn an_output_folder_that_is_a_link_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real");
    fs::create_dir_all(&real).unwrap();
    let link = tmp.path().join("www");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    for (lang, says) in [("zh-CN", "符号链接"), ("en", "symbolic link")] {
        let result = build(&repo(), &link, &["--lang", lang]);
        assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
        assert!(stderr(&result).contains("out_dir_link") && stderr(&result).contains(says), "{}", stderr(&result));
    }
    assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link is left as it was");
    assert_eq!(fs::read_dir(&real).unwrap().count(), 0, "nothing written where it points");
}
