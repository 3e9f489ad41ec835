//! End-to-end: `exemplar serve` on a temporary copy of the sample site, over real HTTP on 127.0.0.1,
//! with real file edits, and a real headless Chromium for live reload.

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use common::preview::Preview;
use common::*;

fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} contains {from}", path.display());
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn edits_errors_and_deletions_show_in_the_served_portal() {
    let preview = Preview::start();
    let case = preview.case_file("tunnel-branch-safety.md");
    let (status, _, page) = preview.get("/cases/tunnel-branch-safety/");
    assert_eq!(status, 200);
    assert!(page.contains("/__exemplar/live.js"), "serve injects the live-reload script");

    // An edit shows up in the page, in the case list and on the enterprise's page.
    edit(&case, "title: ", "title: 【已更新】");
    assert!(preview.wait_for("/cases/tunnel-branch-safety/", |_, body| body.contains("【已更新】")));
    assert!(preview.get("/cases/").2.contains("【已更新】"));
    assert!(preview.get("/enterprise/hua-nan-jian-gong-ji-tuan/").2.contains("【已更新】"));

    // A content error: the overlay data names file, line and column; the last good page stays.
    edit(&case, "status: named", "status: nmed");
    let deadline = Instant::now() + Duration::from_secs(10);
    while preview.state()["errors"] == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let state = preview.state();
    assert_eq!(state["errors"], 1, "{state}");
    let diagnostic = &state["diagnostics"][0];
    assert_eq!(diagnostic["code"], "unknown_status");
    assert_eq!(diagnostic["file"], "content/tunnel-branch-safety.md");
    assert_eq!(diagnostic["line"], 7);
    assert_eq!(diagnostic["column"], 9);
    assert!(diagnostic["text"].as_str().unwrap().contains("content/tunnel-branch-safety.md:7:9"));
    let (status, _, page) = preview.get("/cases/tunnel-branch-safety/");
    assert_eq!(status, 200);
    assert!(page.contains("【已更新】"), "the last good page is still served");
    // Pages and search files made on demand are part of the last good portal too.
    for path in ["/", "/practices/", "/reports/", "/data/cases.json", "/search/manifest.js"] {
        assert_eq!(preview.get(path).0, 200, "{path} during a content error");
    }

    // Fixing the file clears the errors.
    edit(&case, "status: nmed", "status: named");
    let deadline = Instant::now() + Duration::from_secs(10);
    while preview.state()["errors"] != 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(preview.state()["errors"], 0);

    // A deleted case disappears: its URL answers 404 and the list no longer links it.
    fs::remove_file(preview.case_file("rural-road-volunteer.md")).unwrap();
    assert!(preview.wait_for("/cases/rural-road-volunteer/", |status, _| status == 404));
    assert!(!preview.get("/cases/").2.contains("rural-road-volunteer"));

    // The user's public/ folder is never written.
    assert!(!preview.site.join("public").exists());
}

/// Every file of the portal except the static files (whose published names `build` hashes).
fn portal_files(site: &Path) -> Vec<String> {
    // The output inside the temporary folder, so that its lock file goes with it.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_exemplar"))
        .args(["build", site.to_str().unwrap(), "-o", out.to_str().unwrap(), "--quiet"])
        .status()
        .unwrap();
    assert!(status.success());
    let mut files: Vec<String> = walkdir::WalkDir::new(&out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(&out).unwrap().to_string_lossy().replace('\\', "/"))
        // The build's record is for `build` itself, not part of what is served.
        .filter(|p| !p.starts_with("static/") && p != exemplar::freshness::RECORD)
        .collect();
    files.sort();
    files
}

/// After edits, a running server answers every file exactly as a server started afresh on the
/// edited site does, including the pages and search files it made on demand (see `deferred`).
#[test]
fn after_edits_every_file_equals_a_fresh_servers() {
    let preview = Preview::start();
    let compare = |label: &str| {
        let fresh = Preview::serve(preview.site.clone());
        let files = portal_files(&preview.site);
        assert!(files.iter().any(|f| f.starts_with("search/")) && files.contains(&"practices/index.html".to_owned()));
        for file in &files {
            let path = format!("/{file}");
            let (status, head, body) =
                preview.raw(&format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
            let (fresh_status, fresh_head, fresh_body) =
                fresh.raw(&format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
            assert_eq!((status, fresh_status), (200, 200), "{label}: {path}");
            assert!(body == fresh_body, "{label}: {path} differs from a fresh server's");
            // A page whose bytes the server no longer holds is rendered again from the current
            // site: its tag, kept from when it was last rendered, must still name these bytes
            // (else a browser holding the old page is told it has not changed).
            let etag = |head: &str| head.lines().find(|l| l.starts_with("ETag:")).map(str::to_owned);
            assert!(etag(&head).is_some() && etag(&head) == etag(&fresh_head), "{label}: {path}'s ETag");
        }
    };

    // A text edit: the case keeps its place and its groups.
    let first = preview.case_file("tunnel-branch-safety.md");
    edit(&first, "title: ", "title: 【改】");
    assert!(preview.wait_for("/cases/tunnel-branch-safety/", |_, body| body.contains("【改】")));
    compare("after a text edit");

    // Then, with every file made once: new tags and a deleted case change the groups.
    let second = preview.case_file("pipe-network-repair.md");
    edit(&second, "tags: [", "tags: [夜间新标签, ");
    fs::remove_file(preview.case_file("rural-road-volunteer.md")).unwrap();
    assert!(preview.wait_for("/cases/rural-road-volunteer/", |status, _| status == 404));
    assert!(preview.wait_for("/cases/pipe-network-repair/", |_, body| body.contains("夜间新标签")));
    compare("after a tag edit and a deletion");

    // A new case: the cases after it in the site's order (and in the search index) move by one.
    let added = preview.case_file("tunnel-branch-safety-copy.md");
    fs::write(&added, fs::read_to_string(&first).unwrap().replacen("title: ", "title: 【新】", 1)).unwrap();
    assert!(preview.wait_for("/cases/tunnel-branch-safety-copy/", |status, _| status == 200));
    compare("after a new case");

    // A new slug for a case another one links to: the link follows it. Then an edit elsewhere,
    // whose links resolve against the same targets, kept from the rebuild before.
    edit(&first, "title: ", "slug: tunnel-safety-renamed\ntitle: ");
    let linking = "/cases/highway-maintenance-microinnovation/";
    assert!(preview.wait_for(linking, |_, body| body.contains("cases/tunnel-safety-renamed/")));
    edit(&preview.case_file("highway-maintenance-microinnovation.md"), "title: ", "title: 【又改】");
    assert!(
        preview.wait_for(linking, |_, body| body.contains("【又改】") && body.contains("cases/tunnel-safety-renamed/"))
    );
    compare("after a new slug and a later edit");
}

/// A theme that fails to load keeps its error until it is fixed: an edit of a case in between
/// is not rendered with the last good templates (which cleared the error while `build` still
/// failed).
#[test]
fn a_theme_error_stays_until_the_theme_is_fixed() {
    let preview = Preview::start();
    let template = preview.site.join("themes/default/templates/case.html");
    edit(&template, "{% block content %}", "{% block content %}{{ foo( }}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while preview.state()["errors"] == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(preview.state()["diagnostics"][0]["code"], "template_error", "{}", preview.state());

    // A case edit that brings a warning, so that its rebuild can be seen.
    let case = preview.case_file("tunnel-branch-safety.md");
    edit(&case, "title: ", "title: 【改】");
    fs::write(&case, fs::read_to_string(&case).unwrap() + "\n控制\u{1}字符\n").unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while preview.state()["warnings"] == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let state = preview.state();
    assert_eq!(state["warnings"], 1, "{state}");
    assert_eq!(state["errors"], 1, "the theme's error is still told: {state}");
    assert!(!preview.get("/cases/tunnel-branch-safety/").2.contains("【改】"), "not drawn with the old templates");

    edit(&template, "{{ foo( }}", "");
    assert!(preview.wait_for("/cases/tunnel-branch-safety/", |_, body| body.contains("【改】")));
    assert_eq!(preview.state()["errors"], 0);
}

/// An editor's backup of a theme's static file (`style.css~`) is not part of the portal, in
/// `serve` as in `build`: before, `build` published it and `serve` served it after the next
/// theme edit, with whatever bytes it had then.
#[test]
fn an_editors_backup_in_the_theme_is_never_served() {
    let preview = Preview::start();
    let statics = preview.site.join("themes/default/static");
    fs::write(statics.join("style.css~"), "old bytes").unwrap();
    fs::write(statics.join("#style.css#"), "autosave").unwrap();
    let css = statics.join("style.css");
    fs::write(&css, fs::read_to_string(&css).unwrap() + "\n.x-edited{color:red}\n").unwrap();
    assert!(preview.wait_for("/static/style.css", |_, body| body.contains(".x-edited")));
    assert_eq!(preview.get("/static/style.css~").0, 404);
    assert_eq!(preview.get("/static/%23style.css%23").0, 404);

    let out = preview.site.parent().unwrap().join("built");
    let result = exemplar(&["build", preview.site.to_str().unwrap(), "-o", out.to_str().unwrap(), "--quiet"]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(out.join("static/style.css").exists());
    assert!(!out.join("static/style.css~").exists() && !out.join("static/#style.css#").exists());
}

/// The interface strings are written into the templates as they are compiled (`render::fold`):
/// a string the site overrides while `serve` runs still reaches the pages, and so does the next
/// change to it.
#[test]
fn a_string_overridden_during_serve_shows_on_the_pages() {
    let preview = Preview::start();
    assert!(preview.get("/cases/").2.contains(">首页</a>"));
    fs::create_dir_all(preview.site.join("i18n")).unwrap();
    fs::write(preview.site.join("i18n/zh-CN.yaml"), "nav:\n  home: 门户首页\n").unwrap();
    assert!(preview.wait_for("/cases/", |_, body| body.contains(">门户首页</a>")));
    assert!(preview.get("/cases/tunnel-branch-safety/").2.contains(">门户首页</a>"));
    fs::write(preview.site.join("i18n/zh-CN.yaml"), "nav:\n  home: 主页面\n").unwrap();
    assert!(preview.wait_for("/cases/", |_, body| body.contains(">主页面</a>") && !body.contains("门户首页")));
}

#[test]
fn a_theme_without_a_search_page_serves_no_search_files() {
    let preview = Preview::start();
    let search_page = preview.site.join("themes/default/templates/search.html");
    assert_eq!(preview.get("/search/manifest.js").0, 200);
    let template = fs::read_to_string(&search_page).unwrap();
    fs::remove_file(&search_page).unwrap();
    assert!(preview.wait_for("/search/", |status, _| status == 404));
    assert_eq!(preview.get("/search/manifest.js").0, 404);
    assert_eq!(preview.get("/cases/tunnel-branch-safety/").0, 200);
    // A case edited: the portfolio-wide files are made on demand, the search files still not.
    let case = preview.site.join("content/tunnel-branch-safety.md");
    edit(&case, "title: ", "title: 改过的");
    assert!(preview.wait_for("/cases/tunnel-branch-safety/", |_, body| body.contains("改过的")));
    assert_eq!(preview.get("/search/manifest.js").0, 404);
    assert!(!preview.get("/sitemap.xml").2.contains("/search/"));
    fs::write(&search_page, template).unwrap();
    assert!(preview.wait_for("/search/manifest.js", |status, _| status == 200));
}

#[test]
fn http_is_safe_and_complete() {
    let preview = Preview::start();
    for path in [
        "/../exemplar.yaml",
        "/%2e%2e/exemplar.yaml",
        "/%252e%252e/exemplar.yaml",
        "/cases/..%2f..%2fexemplar.yaml",
        "/static/..\\..\\exemplar.yaml",
        "/a%00b",
    ] {
        let (status, _, body) = preview.raw(&format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        assert!(status == 400 || status == 404, "{path} → {status}");
        assert!(!String::from_utf8_lossy(&body).contains("framework:"), "{path} leaked the configuration");
    }
    assert_eq!(preview.get("/content/tunnel-branch-safety.md").0, 404, "sources are not served");

    let (status, head, _) = preview.get("/");
    assert_eq!(status, 200);
    assert!(head.contains("Content-Type: text/html; charset=utf-8"), "{head}");
    let (_, head, _) = preview.get("/static/style.css");
    assert!(head.contains("Content-Type: text/css; charset=utf-8"), "{head}");

    // HEAD: the headers and the length of the body, without the body.
    let (status, head, body) = preview.raw("HEAD /static/style.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_eq!(status, 200);
    assert!(body.is_empty());
    let length = fs::metadata(repo().join("themes/default/static/style.css")).unwrap().len();
    assert!(head.contains(&format!("Content-Length: {length}")), "{head}");

    // Conditional requests.
    let etag = head.lines().find_map(|l| l.strip_prefix("ETag: ")).unwrap().to_owned();
    let (status, _, body) = preview.get_with("/static/style.css", &format!("If-None-Match: {etag}\r\n"));
    assert_eq!(status, 304);
    assert!(body.is_empty());

    // Ranges, for large images.
    let image = fs::read(repo().join("content/images/banner-safety.png")).unwrap();
    let (status, head, body) = preview.raw(
        "GET /media/images/banner-safety.png HTTP/1.1\r\nHost: x\r\nRange: bytes=10-19\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 206);
    assert!(head.contains(&format!("Content-Range: bytes 10-19/{}", image.len())), "{head}");
    assert_eq!(body, &image[10..20]);
    let (status, _, _) = preview.get_with("/media/images/banner-safety.png", "Range: bytes=999999-\r\n");
    assert_eq!(status, 416);

    // Keep-alive: two requests on one connection.
    let (status, _, body) = preview.raw(
        "GET /robots-missing HTTP/1.1\r\nHost: x\r\n\r\nGET /static/style.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 404);
    assert!(
        String::from_utf8_lossy(&body).contains("HTTP/1.1 200 OK"),
        "the second answer follows on the same connection"
    );

    // Other methods, oversized heads and garbage are refused without harm.
    assert_eq!(preview.raw("DELETE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").0, 405);
    let huge = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(40_000));
    assert_eq!(preview.raw(&huge).0, 431);
    assert_eq!(preview.raw("NOT HTTP\r\n\r\n").0, 400);
    assert_eq!(preview.get("/").0, 200, "the server is still fine");
    // A folder without its slash is redirected.
    let (status, head, _) = preview.get("/cases");
    assert_eq!(status, 301);
    assert!(head.contains("Location: /cases/"));
}

#[test]
fn many_clients_during_a_rebuild_all_get_answers() {
    let preview = Preview::start();
    let port = preview.port;
    let case = preview.case_file("water-plant-quality.md");
    let clients: Vec<_> = (0..200)
        .map(|i| {
            std::thread::spawn(move || {
                let mut failures = 0;
                let path = if i % 2 == 0 { "/" } else { "/cases/water-plant-quality/" };
                let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
                stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                for _ in 0..10 {
                    let sent = write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
                    let mut status = String::new();
                    if sent.is_err() || reader.read_line(&mut status).is_err() || !status.contains(" 200 ") {
                        failures += 1;
                        break;
                    }
                    let mut length = 0;
                    loop {
                        let mut line = String::new();
                        reader.read_line(&mut line).unwrap();
                        if let Some(v) = line.strip_prefix("Content-Length: ") {
                            length = v.trim().parse().unwrap();
                        }
                        if line == "\r\n" {
                            break;
                        }
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).unwrap();
                }
                failures
            })
        })
        .collect();
    // Rebuilds happen while the clients read.
    for n in 0..3 {
        edit(&case, "title: ", &format!("title: 第{n}版"));
        std::thread::sleep(Duration::from_millis(100));
    }
    let failures: usize = clients.into_iter().map(|c| c.join().unwrap()).sum();
    assert_eq!(failures, 0);
}

#[test]
fn an_open_page_reloads_itself_and_css_applies_without_reload() {
    let preview = Preview::start();
    let browser = browser::Browser::launch();
    let mut page = browser.open(&preview.url("/cases/tunnel-branch-safety/"));
    assert!(
        page.wait_for("document.readyState === 'complete' && !!window.__exemplarConnected", Duration::from_secs(15))
    );
    // A marker that a reload would wipe out.
    page.eval("window.__marker = 'before'; true");

    // A stylesheet change is applied in place: the marker survives.
    let css = preview.site.join("themes/default/static/style.css");
    let mut style = fs::read_to_string(&css).unwrap();
    style.push_str("\nbody { outline: 3px solid rgb(1, 2, 3); }\n");
    fs::write(&css, style).unwrap();
    assert!(
        page.wait_for("getComputedStyle(document.body).outlineColor === 'rgb(1, 2, 3)'", Duration::from_secs(10)),
        "the new CSS applies"
    );
    assert_eq!(page.eval("window.__marker"), "before", "no full reload for CSS");

    // Editing the case reloads the page with the new text, without any action in the browser.
    edit(&preview.case_file("tunnel-branch-safety.md"), "title: ", "title: 【实时刷新】");
    assert!(
        page.wait_for("document.body.innerText.includes('【实时刷新】')", Duration::from_secs(10)),
        "the page shows the new text"
    );
    assert_eq!(page.eval("window.__marker === undefined"), true, "the page was reloaded");
    assert!(page.wait_for("!!window.__exemplarConnected", Duration::from_secs(15)), "the reloaded page listens again");

    // A content error shows the overlay over the page; fixing it removes the overlay.
    edit(&preview.case_file("tunnel-branch-safety.md"), "status: named", "status: nmed");
    assert!(page.wait_for("!!document.getElementById('exemplar-errors')", Duration::from_secs(20)));
    let overlay = page.eval("document.getElementById('exemplar-errors').innerText");
    assert!(overlay.as_str().unwrap().contains("content/tunnel-branch-safety.md:7:9"), "{overlay}");
    edit(&preview.case_file("tunnel-branch-safety.md"), "status: nmed", "status: named");
    assert!(page.wait_for("!document.getElementById('exemplar-errors')", Duration::from_secs(10)));
}

/// Editors that save by writing a temporary file beside the case and renaming it over the case
/// leave a path that is gone by the time the server looks: only the saved case is built again
/// (before, every case's links were resolved again, and at 10,000 cases every page re-rendered).
/// A file that appears (a new case, an image) builds again only the cases whose links looked for
/// it, and those links then resolve to it; one that is deleted breaks them again.
#[test]
fn a_change_builds_again_only_the_cases_it_touches() {
    let (_tmp, site, mut project) = sample_project();
    let first = project.assemble().site.unwrap();
    let revisions = |site: &exemplar::site::Site| -> Vec<(String, u64)> {
        site.cases.iter().map(|c| (c.slug.clone(), c.revision)).collect()
    };
    let built_again = |before: &exemplar::site::Site, after: &exemplar::site::Site| -> Vec<String> {
        let before = revisions(before);
        revisions(after).into_iter().filter(|case| !before.contains(case)).map(|(slug, _)| slug).collect()
    };

    let case = site.join("content/tunnel-branch-safety.md");
    let temporary = site.join("content/sedR4nd0m");
    fs::write(&temporary, fs::read_to_string(&case).unwrap().replacen("title: ", "title: 【改】", 1)).unwrap();
    fs::rename(&temporary, &case).unwrap();
    project.refresh(&[temporary.clone(), case.clone()]);
    let second = project.assemble_after(Some(&first)).site.unwrap();
    assert_eq!(built_again(&first, &second), ["tunnel-branch-safety"], "only the saved case is new");
    assert!(second.cases.iter().any(|c| c.title.starts_with("【改】")));

    // The case links to a case and a file that are not there yet: two errors, no site.
    let text = fs::read_to_string(&case).unwrap();
    let links = "\n\n另见[新的案例](new-case.md)与[记录表](new-sheet.pdf)。\n";
    fs::write(&case, format!("{text}{links}")).unwrap();
    project.refresh(std::slice::from_ref(&case));
    let outcome = project.assemble_after(Some(&second));
    let mut codes: Vec<&str> = outcome.diagnostics.iter().map(|d| d.code).collect();
    codes.sort();
    assert_eq!(codes, ["broken_link", "broken_link"]);

    // Both appear: the linking case (and the new one) are built, no other.
    let other = fs::read_to_string(site.join("content/rural-road-volunteer.md")).unwrap();
    fs::write(site.join("content/new-case.md"), other.replacen("title: ", "title: 【新】", 1)).unwrap();
    fs::write(site.join("content/new-sheet.pdf"), b"%PDF-1.4").unwrap();
    project.refresh(&[site.join("content/new-case.md"), site.join("content/new-sheet.pdf")]);
    let third = project.assemble_after(Some(&second)).site.unwrap();
    let mut again = built_again(&second, &third);
    again.sort();
    assert_eq!(again, ["new-case", "tunnel-branch-safety"]);
    let linking = third.cases.iter().find(|c| c.slug == "tunnel-branch-safety").unwrap();
    assert!(linking.body.html.contains("cases/new-case/") && linking.body.html.contains("media/new-sheet.pdf"));

    // A file no case looks for builds nothing again; the new case made a draft is a link to a
    // draft again.
    fs::write(site.join("content/unrelated.png"), b"png").unwrap();
    project.refresh(&[site.join("content/unrelated.png")]);
    let fourth = project.assemble_after(Some(&third)).site.unwrap();
    assert_eq!(built_again(&third, &fourth), Vec::<String>::new());
    let draft =
        fs::read_to_string(site.join("content/new-case.md")).unwrap().replacen("title: ", "draft: true\ntitle: ", 1);
    fs::write(site.join("content/new-case.md"), draft).unwrap();
    project.refresh(&[site.join("content/new-case.md")]);
    let outcome = project.assemble_after(Some(&fourth));
    let codes: Vec<(&str, Option<&str>)> = outcome.diagnostics.iter().map(|d| (d.code, d.file.as_deref())).collect();
    assert_eq!(codes, [("link_to_draft", Some("content/tunnel-branch-safety.md"))]);

    // The new case deleted: the link to it is broken again.
    fs::remove_file(site.join("content/new-case.md")).unwrap();
    project.refresh(&[site.join("content/new-case.md")]);
    let outcome = project.assemble_after(Some(&fourth));
    let codes: Vec<(&str, Option<&str>)> = outcome.diagnostics.iter().map(|d| (d.code, d.file.as_deref())).collect();
    assert_eq!(codes, [("broken_link", Some("content/tunnel-branch-safety.md"))]);
}

/// `serve` reads a case file added beside known ones, or deleted, without walking the site folder
/// again: what it then builds must be what a server started afresh finds (a hidden file is left
/// out, a new folder and an upper-case `.MD` are found), edit after edit.
#[test]
fn case_files_added_and_deleted_are_found_as_a_fresh_scan_finds_them() {
    use exemplar::pipeline::{BuildOptions, Project};
    let (_tmp, site, mut project) = sample_project();
    let mut last = project.assemble().site.unwrap();
    let seen = |site: &exemplar::site::Site| -> Vec<(String, String)> {
        site.cases.iter().map(|c| (c.source.clone(), c.title.clone())).collect()
    };
    let text = fs::read_to_string(site.join("content/rural-road-volunteer.md")).unwrap();
    let case = |title: &str| text.replacen("title: ", &format!("title: {title} "), 1);
    fs::create_dir_all(site.join("content/new-folder")).unwrap();
    let steps: [(&str, Option<String>); 6] = [
        ("content/added-at-top.md", Some(case("其一"))),
        ("content/energy/added-in-folder.md", Some(case("其二"))),
        ("content/.hidden-case.md", Some(case("其三"))),
        ("content/new-folder/added-in-new-folder.md", Some(case("其四"))),
        ("content/upper-case.MD", Some(case("其五"))),
        ("content/energy/added-in-folder.md", None),
    ];
    for (name, text) in steps {
        let served = common::change_case_file(&mut project, &last, &site.join(name), text.as_deref(), name);
        let mut fresh = Project::open(BuildOptions::new(&site)).ok().unwrap();
        fresh.scan();
        let fresh = fresh.assemble().site.unwrap();
        assert_eq!(seen(&served), seen(&fresh), "after {name}");
        last = served;
    }
    let sources: Vec<String> = last.cases.iter().map(|c| c.source.clone()).collect();
    assert!(sources.contains(&"content/upper-case.MD".to_owned()) && !sources.iter().any(|s| s.contains("hidden")));
}

/// A mistyped site folder: `serve` says, as `build` does, that there is no site there and how to
/// make one, in the reader's language, and stops (it cannot watch a folder that is not there).
#[test]
fn serving_a_folder_that_is_not_there_says_how_to_make_a_site() {
    let missing = tempfile::tempdir().unwrap().path().join("no-such-site");
    let out = exemplar(&["serve", missing.to_str().unwrap(), "--port", "0"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stderr(&out);
    assert!(text.contains("找不到站点配置文件") && text.contains("exemplar init"), "{text}");
    assert!(!text.contains("watch"), "{text}");
    let out = exemplar(&["--lang", "en", "serve", missing.to_str().unwrap(), "--port", "0"]);
    let text = stderr(&out);
    assert!(text.contains("no site configuration") && text.contains("exemplar init DIR"), "{text}");
}

/// An edit that moves many pages (a new case, a case's date changed) renders only some at once
/// and leaves the rest to be made on demand; those still not made at the next edit are left for
/// later again. Whatever way each was made, every file then equals a fresh server's. (The sample
/// site is small: the builder here renders two pages at once instead of `EAGER_PAGES`.)
#[test]
fn pages_left_for_later_after_an_edit_equal_a_fresh_servers() {
    use exemplar::pipeline::BuildOptions;
    use exemplar::serve::{Builder, Snapshot};
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let mut builder = Builder::new(BuildOptions::new(&site)).with_eager_pages(2);
    let (first, _) = builder.rebuild(&Snapshot::default(), None);

    let moved = site.join("content/tunnel-branch-safety.md");
    edit(&moved, "date: 2024-02-20", "date: 2024-12-30");
    let other = fs::read_to_string(site.join("content/rural-road-volunteer.md")).unwrap();
    fs::write(site.join("content/new-case.md"), other.replacen("title: ", "title: 【新】", 1)).unwrap();
    let (second, event) = builder.rebuild(&first, Some(&[moved.clone(), site.join("content/new-case.md")]));
    assert_eq!(event.errors, 0);
    let later = |snapshot: &Snapshot| -> Vec<String> {
        let mut files: Vec<String> =
            snapshot.deferred.as_ref().map(|d| d.page_files().cloned().collect()).unwrap_or_default();
        files.retain(|f| f.starts_with("cases/") || f.starts_with("year/") || f.starts_with("status/"));
        files.sort();
        files
    };
    let (made, not_made) = ("status/planned/index.html".to_owned(), "year/2023/index.html".to_owned());
    assert!(
        later(&second).contains(&made) && later(&second).contains(&not_made),
        "left for later: {:?}",
        later(&second)
    );
    // Made on demand: one of them now, the others not before the next edit.
    assert!(second.get(&made).is_some_and(|made| made.is_ok()));

    // An edit of a body's last paragraph changes that case's page only.
    let third_edit = site.join("content/pipe-network-repair.md");
    let text = fs::read_to_string(&third_edit).unwrap();
    fs::write(&third_edit, format!("{text}\n\n末段新加的一句话。\n")).unwrap();
    let (third, event) = builder.rebuild(&second, Some(std::slice::from_ref(&third_edit)));
    assert_eq!(event.errors, 0);
    let left = later(&third);
    assert!(left.contains(&not_made) && !left.contains(&made), "left for later again: {left:?}");
    assert!(third.get("cases/pipe-network-repair/index.html").is_some_and(|made| made.is_ok()));

    let (fresh, _) = Builder::new(BuildOptions::new(&site)).rebuild(&Snapshot::default(), None);
    let mut files: Vec<String> = fresh.files.keys().map(|f| f.to_string()).collect();
    files.extend(fresh.deferred.iter().flat_map(|d| d.page_files().cloned()));
    files.retain(|f| f.ends_with(".html") || f.ends_with(".json") || f.ends_with(".xml"));
    assert!(files.len() > 50, "{files:?}");
    let bytes = |snapshot: &Snapshot, file: &str| -> Vec<u8> {
        let served = snapshot.get(file).unwrap_or_else(|| panic!("{file} is missing")).unwrap();
        snapshot.body(file, &served).unwrap().unwrap().to_vec()
    };
    for file in &files {
        assert!(bytes(&third, file) == bytes(&fresh, file), "{file} differs from a fresh server's");
    }
}

/// A site whose first build fails: every path answers with a page of the server's own that shows
/// the errors (before, a plain "Not Found" without them), and once the file is fixed the open
/// page becomes the portal without any action in the browser.
#[test]
fn a_site_that_never_built_shows_its_errors_and_opens_once_fixed() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let case = site.join("content/bridge-project-mentoring.md");
    edit(&case, "status: ", "status：");
    let preview = Preview::serve(site);
    let (status, _, page) = preview.get("/");
    assert_eq!(status, 404);
    assert!(page.contains("/__exemplar/live.js") && page.contains("exemplar-not-found"), "{page}");
    let state = preview.state();
    assert_eq!(state["diagnostics"][0]["code"], "fullwidth_colon", "{state}");
    // The overlay speaks the site's language; there is no last good page under it yet.
    assert!(state["strings"]["note"].as_str().unwrap().contains("还没有生成过门户"), "{state}");

    let browser = browser::Browser::launch();
    // A path the portal will not have either: once fixed, it shows the portal's own 404 page.
    let mut page = browser.open(&preview.url("/no-such-page/"));
    assert!(page.wait_for("!!document.getElementById('exemplar-errors')", Duration::from_secs(15)));
    let overlay = page.eval("document.getElementById('exemplar-errors').innerText");
    let overlay = overlay.as_str().unwrap();
    assert!(
        overlay.contains("content/bridge-project-mentoring.md:7:7") && overlay.contains("fullwidth_colon"),
        "{overlay}"
    );
    assert!(page.wait_for("!!window.__exemplarConnected", Duration::from_secs(15)));

    edit(&case, "status：", "status: ");
    assert!(
        page.wait_for(
            "!!document.querySelector('.site-header') && !document.getElementById('exemplar-errors')",
            Duration::from_secs(20)
        ),
        "the fixed portal's 404 page opened"
    );
}

/// Warnings do not stop the build, and an editor watching the browser, not the terminal, sees
/// them in a panel that leaves the page usable; hidden, they stay hidden on the next page; fixed,
/// the panel goes.
#[test]
fn warnings_show_in_a_panel_beside_the_page() {
    let preview = Preview::start();
    let case = preview.case_file("tunnel-branch-safety.md");
    let browser = browser::Browser::launch();
    let mut page = browser.open(&preview.url("/cases/tunnel-branch-safety/"));
    assert!(page.wait_for("!!window.__exemplarConnected", Duration::from_secs(15)));
    assert_eq!(page.eval("!document.getElementById('exemplar-warnings')"), true, "the sample site has no warning");

    // Two tags typed with a Chinese enumeration comma: one tag, and a warning.
    edit(&case, "tags: [安全生产, 党员先锋岗,", "tags: [安全生产、党员先锋岗,");
    assert!(
        page.wait_for("!!document.getElementById('exemplar-warnings')", Duration::from_secs(20)),
        "the warnings panel shows"
    );
    let text = page.eval("document.getElementById('exemplar-warnings').innerText");
    let text = text.as_str().unwrap();
    assert!(text.contains("label_list_slip") && text.contains("content/tunnel-branch-safety.md:28:8"), "{text}");
    assert_eq!(page.eval("!document.getElementById('exemplar-errors')"), true, "no error overlay");
    assert_eq!(page.eval("document.body.innerText.includes('安全生产、党员先锋岗')"), true, "the page was built");

    // Hidden, it stays hidden on another page of the portal.
    page.eval("document.getElementById('exemplar-warnings-hide').click(); true");
    assert_eq!(page.eval("!document.getElementById('exemplar-warnings')"), true);
    page.call("Page.navigate", serde_json::json!({ "url": preview.url("/cases/") }));
    assert!(
        page.wait_for("!!window.__exemplarConnected && document.readyState === 'complete'", Duration::from_secs(15))
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(page.eval("!document.getElementById('exemplar-warnings')"), true, "still hidden");

    // A different warning shows again; fixing both clears the panel.
    edit(&case, "tags: [安全生产、党员先锋岗,", "tags: [安全生产、党员先锋岗，");
    assert!(
        page.wait_for("!!document.getElementById('exemplar-warnings')", Duration::from_secs(20)),
        "a new warning shows"
    );
    edit(&case, "tags: [安全生产、党员先锋岗，", "tags: [安全生产, 党员先锋岗,");
    assert!(page.wait_for("!document.getElementById('exemplar-warnings')", Duration::from_secs(20)), "fixed: no panel");
}

const EDITOR: (&str, &str) = ("编辑甲", "editor@example.org");

/// A commit or a checkout changes no file of the site by itself but does change the cases'
/// histories: the served case page shows the new commit and its date, and after a checkout of the
/// commit before, neither.
#[test]
fn a_commit_or_checkout_shows_in_the_served_history() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    git(&site, EDITOR, "2025-03-01", &["init", "-q", "-b", "main"]);
    git(&site, EDITOR, "2025-03-01", &["add", "-A"]);
    git(&site, EDITOR, "2025-03-01", &["commit", "-q", "-m", "初始提交"]);
    let preview = Preview::serve(site.clone());
    let page = "/cases/prefab-workshop-innovation/";
    assert!(preview.wait_for(page, |_, body| body.contains("初始提交")));
    // The edit shows at once, its commit once it is made.
    edit(&preview.case_file("prefab-workshop-innovation.md"), "title: ", "title: 修订：");
    assert!(preview.wait_for(page, |_, body| body.contains("修订：")));
    assert!(!preview.get(page).2.contains("补充成效数据"));
    git(&site, EDITOR, "2025-10-10", &["commit", "-q", "-a", "-m", "补充成效数据"]);
    assert!(
        preview.wait_for(page, |_, body| body.contains("补充成效数据") && body.contains("datetime=\"2025-10-10\"")),
        "the commit shows in the case's history"
    );
    git(&site, EDITOR, "2025-10-10", &["checkout", "-q", "HEAD~1"]);
    assert!(
        preview.wait_for(page, |_, body| !body.contains("补充成效数据") && !body.contains("修订：")),
        "the checkout of the commit before shows its history"
    );
}

/// `exemplar serve > serve.log` in the site folder: writing its own output is no change to the
/// site, so the server does not rebuild again and again.
#[test]
fn its_own_output_in_the_site_folder_starts_no_rebuild() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let log = site.join("serve.log");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_exemplar"))
        .args(["serve", site.to_str().unwrap(), "--port", "0", "--lang", "en"])
        .stdout(fs::File::create(&log).unwrap())
        .stderr(fs::File::options().append(true).open(&log).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !fs::read_to_string(&log).unwrap_or_default().contains("http://127.0.0.1:") {
        assert!(started.elapsed() < Duration::from_secs(30), "serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    // One real edit: one rebuild line, and no more after it.
    edit(&site.join("content/prefab-workshop-innovation.md"), "title: ", "title: 修订：");
    std::thread::sleep(Duration::from_millis(1500));
    let _ = child.kill();
    let _ = child.wait();
    let text = fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().filter(|l| l.starts_with("Rebuilt")).count(), 1, "{text}");
}

/// `--lang` sets the terminal's language for the errors' reports too, not only for its own lines
/// (the first build's report came out in the site's language). The overlay keeps the site's.
#[test]
fn the_terminal_reports_errors_in_the_language_of_lang() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    edit(&site.join("content/bridge-project-mentoring.md"), "status: named", "status: nmed");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_exemplar"))
        .args(["serve", site.to_str().unwrap(), "--port", "0", "--lang", "en"])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The report is written before the address line; the address line ends the first build.
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut ready = String::new();
    stdout.read_line(&mut ready).unwrap();
    let _ = child.kill();
    let mut report = String::new();
    child.stderr.take().unwrap().read_to_string(&mut report).unwrap();
    let _ = child.wait();
    assert!(ready.contains("Preview at"), "{ready}");
    assert!(report.contains("error[unknown_status]: unknown status \"nmed\""), "{report}");
    assert!(!report.contains("未知的状态"), "{report}");
}
