//! Theme quality on the built sample portal, with the tools readers' browsers and servers use:
//! - the W3C Nu HTML Checker (npm `vnu-jar`, run with Java) finds no error in any page;
//! - axe-core in headless Chromium finds no serious or critical violation, and no page is wider
//!   than a 360 px screen (`scripts/browser-check.mjs`), in Chinese and in English, whose strings
//!   are longer;
//! - nginx serves the portal under `/practice/` and a crawler finds no broken link, image or anchor.
//!
//! `./scripts/test` installs Java, Chromium, nginx and the npm packages when they are missing. A
//! missing tool fails the test with what to install; `EXEMPLAR_SKIP_QUALITY=1` skips these checks
//! on a machine without them.

mod common;
#[path = "../bench/gen/mod.rs"]
mod generator;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use exemplar::content::links::percent_decode;

fn skip() -> bool {
    std::env::var_os("EXEMPLAR_SKIP_QUALITY").is_some_and(|v| v == "1")
}

/// Builds the sample site into a folder of its own for one test.
fn build(name: &str, base_url: &str) -> PathBuf {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("quality-{name}/public"));
    let result = exemplar(&["build", repo().to_str().unwrap(), "-o", out.to_str().unwrap(), "--base-url", base_url]);
    assert!(result.status.success(), "build failed:\n{}", stderr(&result));
    out
}

/// The sample site in English (`language: en`), built into a folder of its own: its strings are
/// longer than the Chinese ones (the search page's sort menu: By latest score in “Rated well by
/// members and the public”).
fn build_english(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("quality-{name}"));
    let site = dir.join("site");
    let _ = std::fs::remove_dir_all(&site);
    copy_sample_site(&site);
    let config = read(site.join("exemplar.yaml"));
    assert!(config.contains("\nlanguage: zh-CN\n"), "the sample site names its language");
    std::fs::write(site.join("exemplar.yaml"), config.replace("\nlanguage: zh-CN\n", "\nlanguage: en\n")).unwrap();
    let out = dir.join("public");
    let result = exemplar(&["build", site.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(result.status.success(), "build failed:\n{}", stderr(&result));
    out
}

fn require(path: &Path, what: &str) {
    assert!(path.exists(), "{} is missing: {what} (or set EXEMPLAR_SKIP_QUALITY=1)", path.display());
}

fn which(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    dirs.extend(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from));
    names.iter().flat_map(|n| dirs.iter().map(move |d| d.join(n))).find(|p| p.is_file())
}

/// Runs the W3C Nu HTML Checker on `targets` (HTML files, or folders with `--skip-non-html`) and
/// fails the test with its report when it finds an error.
fn assert_nu_html_checker_passes(args: &[&str], targets: &[PathBuf]) {
    let jar = repo().join("node_modules/vnu-jar/build/dist/vnu.jar");
    require(&jar, "run `npm ci` in the repository");
    let java =
        which(&["java"]).expect("java is missing: install default-jre-headless (or set EXEMPLAR_SKIP_QUALITY=1)");
    let result = Command::new(java)
        .args(["-jar", jar.to_str().unwrap(), "--errors-only"])
        .args(args)
        .args(targets)
        .output()
        .expect("run the Nu HTML Checker");
    let report = format!("{}{}", stdout(&result), stderr(&result));
    assert!(result.status.success() && report.trim().is_empty(), "the Nu HTML Checker found errors:\n{report}");
}

/// Runs axe-core and the 360 px check in headless Chromium (`scripts/browser-check.mjs`) on `pages`
/// and fails the test with its report when either finds something.
fn assert_browser_check_passes(pages: &[PathBuf]) {
    require(&repo().join("node_modules/axe-core/axe.min.js"), "run `npm ci` in the repository");
    assert!(which(&["chromium", "chromium-browser"]).is_some(), "chromium is missing: apt-get install chromium");
    let result = Command::new("node")
        .arg(repo().join("scripts/browser-check.mjs"))
        .args(pages.iter().map(|p| format!("file://{}", p.display())))
        .output()
        .expect("run node scripts/browser-check.mjs");
    assert!(result.status.success(), "browser check failed:\n{}\n{}", stdout(&result), stderr(&result));
}

/// `pages` of the portal in `out`, each checked to be there.
fn files_of(out: &Path, pages: &[&str]) -> Vec<PathBuf> {
    pages
        .iter()
        .map(|p| {
            let file = out.join(p);
            assert!(file.is_file(), "{p} is missing");
            file
        })
        .collect()
}

#[test]
fn every_page_passes_the_nu_html_checker() {
    if skip() {
        return;
    }
    let out = build("vnu", "http://intranet.example/practice/");
    assert_nu_html_checker_passes(&["--skip-non-html"], &[out]);
}

#[test]
fn pages_have_no_serious_accessibility_violation_and_fit_a_360px_screen() {
    if skip() {
        return;
    }
    let out = build("axe", "http://intranet.example/practice/");
    // One page of every template, the richest of each kind.
    let pages = [
        "index.html",
        "cases/tunnel-branch-safety/index.html",
        "cases/service-area-branch/index.html",
        // A code block with a long line.
        "cases/substation-ops-digital/index.html",
        "cases/index.html",
        "cases/page/2/index.html",
        "enterprise/index.html",
        "indicator/innovation/index.html",
        "tag/index.html",
        "practices/index.html",
        "practices/action/index.html",
        "reports/index.html",
        "search/index.html",
        "404.html",
    ];
    let mut files = files_of(&out, &pages);
    // The English portal's longest strings: the search page (checked once its script has drawn the
    // facets and sort options), the home page and a case.
    let english = build_english("axe-en");
    files.extend(files_of(
        &english,
        &["index.html", "search/index.html", "cases/index.html", "cases/tunnel-branch-safety/index.html"],
    ));
    assert_browser_check_passes(&files);
}

/// The pages of the long lists (a group of the practice library, a ranking, the reports, the featured
/// cases) and the overviews that link to them, which the sample site is too small to have: on a
/// generated site of 300 cases, checked by the Nu HTML Checker and by axe at 360 px.
#[test]
fn long_list_pages_pass_the_html_checker_and_axe() {
    if skip() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    generator::generate(&repo(), &site, &generator::Options { cases: 300, seed: 11, hugo: false }).unwrap();
    feature_every(&site.join("content"), 10);
    let built = exemplar(&["build", site.to_str().unwrap(), "--quiet"]);
    assert!(built.status.success(), "build failed:\n{}", stderr(&built));
    let pages = files_of(
        &site.join("public"),
        &[
            "index.html",
            "featured/index.html",
            "practices/index.html",
            "practices/dimension/activities/page/2/index.html",
            "practices/action/index.html",
            "practices/action/soul/index.html",
            "indicator/innovation/index.html",
            "indicator/innovation/ranking/page/2/index.html",
            "reports/index.html",
            "reports/below/index.html",
            "reports/due/index.html",
        ],
    );
    assert_nu_html_checker_passes(&[], &pages);
    assert_browser_check_passes(&pages);
}

/// nginx serving `dir` at `/practice/` on a free port of 127.0.0.1, stopped on drop.
struct Nginx {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Nginx {
    /// SIGTERM, not SIGKILL: the master process then stops its workers.
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}

fn start_nginx(root: &Path, port: u16) -> Nginx {
    let nginx = which(&["nginx"]).expect("nginx is missing: apt-get install nginx (or set EXEMPLAR_SKIP_QUALITY=1)");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let mime = if Path::new("/etc/nginx/mime.types").is_file() {
        "include /etc/nginx/mime.types;".to_owned()
    } else {
        "types { text/html html; text/css css; image/png png; image/svg+xml svg; application/xml xml; \
         application/json json; text/csv csv; text/plain txt; }"
            .to_owned()
    };
    let user = if running_as_root() { "user root;" } else { "" };
    let config = format!(
        "{user}\ndaemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n  {mime}\n  default_type application/octet-stream;\n  access_log off;\n\
           client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fastcgi;\n\
           uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;\n\
           server {{\n    listen 127.0.0.1:{port};\n\
             location /practice/ {{ alias {}/; error_page 404 /practice/404.html; }}\n  }}\n}}\n",
        root.display()
    );
    let conf = dir.path().join("nginx.conf");
    std::fs::write(&conf, config).unwrap();
    let child = Command::new(nginx)
        .args(["-c", conf.to_str().unwrap(), "-p", dir.path().to_str().unwrap(), "-e", "stderr"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nginx");
    let server = Nginx { child, port, _dir: dir };
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(10), "nginx did not start on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

struct Response {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

/// A plain HTTP/1.1 GET (the server closes the connection after the response).
fn get(port: u16, path: &str) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete response");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let header = |name: &str| {
        head.lines().find_map(|l| {
            l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_owned())
        })
    };
    let mut body = raw[split + 4..].to_vec();
    if header("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
        body = dechunk(&body);
    }
    Response { status, content_type: header("content-type").unwrap_or_default(), body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 4 + size..];
    }
    out
}

fn unescape(text: &str) -> String {
    text.replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">")
}

/// Resolves a link found on the page at `base` (an absolute path) to an absolute path.
fn resolve(base: &str, link: &str) -> String {
    let mut parts: Vec<&str> = if link.starts_with('/') {
        Vec::new()
    } else {
        let dir = &base[..base.rfind('/').map_or(0, |i| i + 1)];
        dir.split('/').filter(|s| !s.is_empty()).collect()
    };
    let trailing = link.is_empty()
        || link.ends_with('/')
        || link.ends_with("/.")
        || link.ends_with("/..")
        || link == "."
        || link == "..";
    for segment in link.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let mut path = format!("/{}", parts.join("/"));
    if trailing && !path.ends_with('/') {
        path.push('/');
    }
    if link.is_empty() {
        return base.to_owned();
    }
    path
}

/// `href`/`src` values and element ids of an HTML page.
fn links_and_ids(html: &str) -> (Vec<String>, BTreeSet<String>) {
    let links = attributes(html, "href").into_iter().chain(attributes(html, "src")).map(|l| unescape(&l)).collect();
    let ids = attributes(html, "id").into_iter().map(|i| unescape(&i)).collect();
    (links, ids)
}

#[test]
fn a_crawl_of_the_portal_served_by_nginx_under_a_subpath_finds_nothing_broken() {
    if skip() {
        return;
    }
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}/practice/");
    let out = build("crawl", &base);
    let server = start_nginx(&out, port);

    let mut findings: Vec<String> = Vec::new();
    let mut seen: BTreeMap<String, Option<BTreeSet<String>>> = BTreeMap::new(); // path → ids (HTML pages)
    let mut anchors: Vec<(String, String, String)> = Vec::new(); // (from, path, fragment)
    let mut queue: VecDeque<(String, String)> = VecDeque::new(); // (path, found on)
    queue.push_back(("/practice/".to_owned(), "(start)".to_owned()));
    queue.push_back(("/practice/robots.txt".to_owned(), "(start)".to_owned()));
    queue.push_back(("/practice/sitemap.xml".to_owned(), "(start)".to_owned()));
    queue.push_back(("/practice/feed.xml".to_owned(), "(start)".to_owned()));
    let mut broken_page: Option<Response> = None;
    while let Some((path, from)) = queue.pop_front() {
        if seen.contains_key(&path) {
            continue;
        }
        let response = get(server.port, &path);
        seen.insert(path.clone(), None);
        if response.status != 200 {
            findings.push(format!("{from}: {path} answers {}", response.status));
            continue;
        }
        let body = String::from_utf8_lossy(&response.body).into_owned();
        let mut links = Vec::new();
        if response.content_type.starts_with("text/html") {
            let (found, ids) = links_and_ids(&body);
            seen.insert(path.clone(), Some(ids));
            links = found;
        } else if path.ends_with(".xml") {
            // Absolute URLs of the sitemap and the feed must point into the served portal.
            for tag in ["<loc>", "href=\"", "<id>"] {
                for chunk in body.split(tag).skip(1) {
                    let end = chunk.find(['<', '"']).unwrap_or(chunk.len());
                    links.push(unescape(&chunk[..end]));
                }
            }
        } else if path.ends_with("robots.txt") {
            links.extend(body.lines().filter_map(|l| l.strip_prefix("Sitemap: ").map(str::to_owned)));
        } else if response.body.is_empty() {
            findings.push(format!("{from}: {path} is empty"));
        }
        for link in links {
            if link.starts_with("mailto:") {
                continue;
            }
            let link = match link.strip_prefix(&format!("http://127.0.0.1:{port}")) {
                Some(rest) => rest.to_owned(),
                None if link.contains("://") => {
                    if !link.starts_with("http://www.w3.org/") && !link.starts_with("http://www.sitemaps.org/") {
                        findings.push(format!("{path}: links outside the portal: {link}"));
                    }
                    continue;
                }
                None => link,
            };
            let (target, fragment) = match link.split_once('#') {
                Some((t, f)) => (t.to_owned(), Some(f.to_owned())),
                None => (link.clone(), None),
            };
            let target = resolve(&path, target.split('?').next().unwrap_or(""));
            if !target.starts_with("/practice/") {
                findings.push(format!("{path}: {link} leaves the subpath /practice/"));
                continue;
            }
            if let Some(fragment) = fragment.filter(|f| !f.is_empty()) {
                anchors.push((path.clone(), target.clone(), percent_decode(&fragment)));
            }
            if !seen.contains_key(&target) {
                queue.push_back((target, path.clone()));
            }
        }
        if broken_page.is_none() {
            let missing = get(server.port, "/practice/no/such/page/");
            if missing.status != 404 {
                findings.push(format!("a missing page answers {}, not 404", missing.status));
            }
            broken_page = Some(missing);
        }
    }
    for (from, path, fragment) in &anchors {
        match seen.get(path) {
            Some(Some(ids)) if ids.contains(fragment) || ids.contains(&percent_decode(fragment)) => {}
            Some(Some(_)) => findings.push(format!("{from}: no anchor #{fragment} in {path}")),
            _ => {}
        }
    }
    // The 404 page, shown at any depth, links with absolute paths that work.
    if let Some(missing) = broken_page {
        let html = String::from_utf8_lossy(&missing.body).into_owned();
        let (links, _) = links_and_ids(&html);
        assert!(!links.is_empty(), "the 404 page has links");
        for link in links.iter().filter(|l| !l.starts_with('#')) {
            let target = resolve("/practice/no/such/page/", link.split('#').next().unwrap_or(""));
            let status = get(server.port, &target).status;
            if status != 200 {
                findings.push(format!("404 page: {link} answers {status}"));
            }
        }
    }
    let pages = seen.values().filter(|v| v.is_some()).count();
    assert!(findings.is_empty(), "{} finding(s):\n{}", findings.len(), findings.join("\n"));
    let html_files = read_tree(&out).keys().filter(|k| k.ends_with("index.html")).count();
    assert_eq!(pages, html_files, "the crawl reaches every page");
    assert!(anchors.len() > 50, "checked {} anchors", anchors.len());
}

#[test]
fn links_resolve_like_a_browser() {
    assert_eq!(resolve("/practice/cases/a/", "../../"), "/practice/");
    assert_eq!(resolve("/practice/cases/a/", "../../static/style.css"), "/practice/static/style.css");
    assert_eq!(resolve("/practice/", "cases/"), "/practice/cases/");
    assert_eq!(resolve("/practice/", "./"), "/practice/");
    assert_eq!(resolve("/practice/cases/a/", ""), "/practice/cases/a/");
    assert_eq!(resolve("/practice/x/", "/practice/y.css"), "/practice/y.css");
    assert_eq!(percent_decode("%E4%B8%BB"), "主");
}
