//! The editors' and publishers' workflow, end to end: case history from a real git repository,
//! photos from phones, publishing into a folder that a web server keeps serving.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::*;

/// A minimal case (no `updated:`), with a fixed slug so that renaming the file keeps its URL.
fn case(slug: &str, title: &str, extra: &str) -> String {
    format!(
        "---\ntitle: {title}\nsite: {title}示范点\nenterprise: 测试集团\nstatus: building\ndate: 2024-01-10\nslug: {slug}\n{extra}---\n正文第一段。\n"
    )
}

const ZHANG: (&str, &str) = ("张三", "zhang@example.org");
const LI: (&str, &str) = ("Li Si", "li@example.org");

/// The sample site in `root/repo/portal`, with two more cases (`git-a`, `git-b`), committed once.
fn site_in_git(root: &Path) -> std::path::PathBuf {
    let repo_dir = root.join("repo");
    let site = repo_dir.join("portal");
    copy_sample_site(&site);
    fs::write(site.join("content/git-a.md"), case("git-a", "甲案例", "")).unwrap();
    fs::write(site.join("content/git-b.md"), case("git-b", "乙案例", "")).unwrap();
    git(&repo_dir, ZHANG, "2024-03-01", &["init", "-q", "-b", "main"]);
    git(&repo_dir, ZHANG, "2024-03-01", &["add", "-A"]);
    git(&repo_dir, ZHANG, "2024-03-01", &["commit", "-q", "-m", "导入案例"]);
    site
}

/// A site in a git repository: the sample site plus two cases with a known history, one renamed.
fn git_site(root: &Path) -> std::path::PathBuf {
    let repo_dir = root.join("repo");
    let site = site_in_git(root);
    fs::write(site.join("content/git-a.md"), case("git-a", "甲案例", "region: 广东省\n")).unwrap();
    git(&repo_dir, LI, "2024-04-02", &["commit", "-q", "-am", "Add the region"]);
    git(&repo_dir, ZHANG, "2024-05-03", &["mv", "portal/content/git-a.md", "portal/content/renamed-a.md"]);
    git(&repo_dir, ZHANG, "2024-05-03", &["commit", "-q", "-m", "移动甲案例"]);
    fs::write(site.join("content/renamed-a.md"), case("git-a", "甲案例", "region: 广东省广州市\n")).unwrap();
    git(&repo_dir, LI, "2024-06-04", &["commit", "-q", "-am", "Fix the city <b>now</b>"]);
    // A front-matter date wins over the commits.
    fs::write(site.join("content/git-b.md"), case("git-b", "乙案例", "updated: 2024-02-02\n")).unwrap();
    git(&repo_dir, LI, "2024-07-05", &["commit", "-q", "-am", "Set the date by hand"]);
    site
}

#[test]
fn git_history_gives_dates_and_changes_and_follows_renames() {
    let tmp = tempfile::tempdir().unwrap();
    let site = git_site(tmp.path());
    fs::write(
        site.join("exemplar.yaml"),
        read(site.join("exemplar.yaml")) + "source_url: \"https://git.example/org/site/src/branch/main/{path}\"\n",
    )
    .unwrap();
    let out = tmp.path().join("public");
    let built = exemplar(&["build", site.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(built.status.success(), "{}", stderr(&built));

    let a = read(out.join("cases/git-a/index.html"));
    assert!(a.contains("<time datetime=\"2024-06-04\">2024-06-04</time></td>"), "last updated from git");
    let history: Vec<(String, String, String)> = a
        .split("<ol class=\"history\">")
        .nth(1)
        .unwrap()
        .split("</ol>")
        .next()
        .unwrap()
        .split("<li>")
        .skip(1)
        .map(|li| {
            let date = li.split("datetime=\"").nth(1).unwrap()[..10].to_owned();
            let field = |class: &str| {
                li.split(&format!("<span class=\"{class}\">"))
                    .nth(1)
                    .unwrap()
                    .split("</span>")
                    .next()
                    .unwrap()
                    .to_owned()
            };
            (date, field("history__author"), field("history__message"))
        })
        .collect();
    let expected = [
        ("2024-06-04", "Li Si", "Fix the city &lt;b&gt;now&lt;/b&gt;"),
        ("2024-05-03", "张三", "移动甲案例"),
        ("2024-04-02", "Li Si", "Add the region"),
        ("2024-03-01", "张三", "导入案例"),
    ];
    let expected: Vec<(String, String, String)> =
        expected.iter().map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned())).collect();
    assert_eq!(history, expected, "the renamed file keeps its history, newest first, escaped");
    assert!(a.contains("href=\"https://git.example/org/site/src/branch/main/portal/content/renamed-a.md\""));

    let b = read(out.join("cases/git-b/index.html"));
    assert!(b.contains("<time datetime=\"2024-02-02\">2024-02-02</time></td>"), "front matter overrides git");
    assert!(b.contains("Set the date by hand"));

    // The same commits build the same pages; a copy without git builds with front-matter dates.
    let again = tmp.path().join("again");
    assert!(exemplar(&["build", site.to_str().unwrap(), "-o", again.to_str().unwrap()]).status.success());
    assert_eq!(read_tree(&out), read_tree(&again));
    let plain = tmp.path().join("plain");
    copy_dir(&site, &plain);
    let plain_out = tmp.path().join("plain-out");
    let built = exemplar(&["build", plain.to_str().unwrap(), "-o", plain_out.to_str().unwrap()]);
    assert!(built.status.success(), "{}", stderr(&built));
    let a = read(plain_out.join("cases/git-a/index.html"));
    assert!(!a.contains("class=\"history\"") && !a.contains("2024-06-04"));
    assert!(a.contains("href=\"https://git.example/org/site/src/branch/main/content/renamed-a.md\""));
}

/// A file name may hold `#`, `?`, `%`, spaces and Chinese: the "view source" link encodes each
/// segment of the path, or a forge would read `#b …` as a fragment and open another file.
#[test]
fn the_source_link_percent_encodes_the_case_files_path() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    fs::write(
        site.join("exemplar.yaml"),
        read(site.join("exemplar.yaml")) + "source_url: \"https://git.example/org/site/src/branch/main/{path}\"\n",
    )
    .unwrap();
    fs::write(site.join("content/a#b ?c%d.md"), case("odd-name", "怪名案例", "")).unwrap();
    fs::create_dir_all(site.join("content/能源")).unwrap();
    fs::write(site.join("content/能源/海上 风电.md"), case("chinese-name", "中文名案例", "")).unwrap();
    let out = tmp.path().join("public");
    let built = exemplar(&["build", site.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(built.status.success(), "{}", stderr(&built));
    let odd = read(out.join("cases/odd-name/index.html"));
    assert!(odd.contains("href=\"https://git.example/org/site/src/branch/main/content/a%23b%20%3Fc%25d.md\""), "{odd}");
    let chinese = read(out.join("cases/chinese-name/index.html"));
    assert!(
        chinese.contains(
            "href=\"https://git.example/org/site/src/branch/main/content/%E8%83%BD%E6%BA%90/%E6%B5%B7%E4%B8%8A%20%E9%A3%8E%E7%94%B5.md\""
        ),
        "{chinese}"
    );
}

/// A shallow clone (`git clone --depth 1`, many CIs' checkout) holds only the newest commit, which
/// git shows as adding every file: its history would be every case's, and its date every case's
/// "last updated". The history is left out, as without git, and the build and check say why.
#[test]
fn a_shallow_clone_gives_no_false_history_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let repo_dir = tmp.path().join("repo");
    let site = site_in_git(tmp.path());
    fs::write(site.join("content/git-b.md"), case("git-b", "乙案例", "region: 广东省\n")).unwrap();
    git(&repo_dir, LI, "2024-07-05", &["commit", "-q", "-am", "Add the region of b"]);
    let url = format!("file://{}", repo_dir.display());
    git(tmp.path(), ZHANG, "2024-07-06", &["clone", "-q", "--depth", "1", &url, "clone"]);
    let clone = tmp.path().join("clone/portal");
    let out = tmp.path().join("public");
    let build = || exemplar(&["build", clone.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let said = |output: &std::process::Output| {
        let text = stderr(output);
        assert!(output.status.success(), "a warning does not fail the run: {text}");
        assert_eq!(text.matches("[history_shallow]").count(), 1, "{text}");
        assert!(text.contains("git fetch --unshallow") && text.contains("fetch-depth: 0"), "{text}");
    };
    said(&exemplar(&["check", clone.to_str().unwrap()]));
    said(&build());
    for slug in ["git-a", "git-b"] {
        let page = read(out.join(format!("cases/{slug}/index.html")));
        assert!(!page.contains("class=\"history\"") && !page.contains("Add the region of b"), "{slug}: {page}");
        assert!(!page.contains("2024-07-05"), "{slug}: no date from the one commit");
    }
    assert!(!read(out.join("sitemap.xml")).contains("2024-07-05"));
    // Every build says it again (a build with a warning is never skipped) …
    said(&build());
    // … until the whole history is fetched: then the cases have their own.
    git(&tmp.path().join("clone"), ZHANG, "2024-07-06", &["fetch", "-q", "--unshallow"]);
    let built = build();
    assert!(built.status.success() && !stderr(&built).contains("history_shallow"), "{}", stderr(&built));
    let b = read(out.join("cases/git-b/index.html"));
    assert!(b.contains("class=\"history\"") && b.contains("Add the region of b"));
    let a = read(out.join("cases/git-a/index.html"));
    assert!(a.contains("导入案例") && !a.contains("Add the region of b") && !a.contains("2024-07-05"));
}

/// A photo as phones take them: 4032×3024 pixels stored sideways, left half red and right half
/// blue (with grain, so that it weighs what photos weigh), an EXIF block saying "turn 90° right"
/// and where it was taken.
fn phone_photo() -> Vec<u8> {
    let (w, h) = (4032u32, 3024u32);
    let mut seed = 0x2545_f491_u32;
    let image = image::RgbImage::from_fn(w, h, |x, _| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let grain = (seed % 48) as u8;
        if x < w / 2 {
            image::Rgb([200 + grain / 2, grain, grain])
        } else {
            image::Rgb([grain, grain, 200 + grain / 2])
        }
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95).encode_image(&image).unwrap();
    // APP1: "Exif\0\0", a big-endian TIFF header, IFD0 (Orientation = 6, GPS IFD pointer), GPS IFD.
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&[0, 2]);
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(&[0, 2]);
    tiff.extend_from_slice(&[0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[0, 3, 0, 2, 0, 0, 0, 2, b'E', 0, 0, 0]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = vec![0xff, 0xd8, 0xff, 0xe1];
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A 2000×1500 PNG chart with a text chunk that must not be published.
fn chart_png() -> Vec<u8> {
    let image = image::RgbImage::from_fn(2000, 1500, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    let mut png = Vec::new();
    image.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    let text = b"tEXtComment\0taken at 23.1N 113.3E";
    let mut chunk = (text.len() as u32 - 4).to_be_bytes().to_vec();
    chunk.extend_from_slice(text);
    chunk.extend_from_slice(&[0, 0, 0, 0]); // CRC, not checked by decoders that skip the chunk
    let mut out = png[..33].to_vec();
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&png[33..]);
    out
}

#[test]
fn phone_photos_are_resized_turned_upright_stripped_and_cached() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let photo = phone_photo();
    fs::write(site.join("content/images/phone.jpg"), &photo).unwrap();
    fs::write(site.join("content/images/chart.png"), chart_png()).unwrap();
    fs::write(
        site.join("content/photo-case.md"),
        case("photo-case", "照片案例", "cover: images/phone.jpg\n")
            + "\n![现场照片](images/phone.jpg)\n\n![图表](images/chart.png)\n",
    )
    .unwrap();
    let out = tmp.path().join("public");
    let build = || exemplar(&["build", site.to_str().unwrap(), "-o", out.to_str().unwrap(), "--lang", "en"]);
    let first = build();
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stdout(&first).contains("Photos: 6 (0 from the cache)"), "{}", stdout(&first));

    // Sizes: the largest version keeps the original's path; widths as configured; upright.
    let dims = |rel: &str| image::image_dimensions(out.join(rel)).unwrap();
    assert_eq!(dims("media/images/phone.jpg"), (1600, 2133));
    assert_eq!(dims("media/images/phone.960w.jpg"), (960, 1280));
    assert_eq!(dims("media/images/phone.480w.jpg"), (480, 640));
    assert_eq!(dims("media/images/chart.png"), (1600, 1200));
    assert_eq!(dims("media/images/chart.480w.png"), (480, 360));
    let published = fs::metadata(out.join("media/images/phone.jpg")).unwrap().len();
    assert!(photo.len() > 3_000_000, "the test photo weighs {} bytes", photo.len());
    let small = fs::metadata(out.join("media/images/phone.480w.jpg")).unwrap().len();
    eprintln!("phone photo: {} bytes → {published} bytes at 1600 px, {small} bytes at 480 px", photo.len());
    assert!(published * 8 < photo.len() as u64, "{published} bytes published for {} bytes", photo.len());
    // Orientation applied: the stored left half (red) is now on top.
    let upright = image::open(out.join("media/images/phone.jpg")).unwrap().into_rgb8();
    let (top, bottom) = (upright.get_pixel(800, 200), upright.get_pixel(800, 1900));
    assert!(top[0] > 150 && top[2] < 80, "top is red: {top:?}");
    assert!(bottom[2] > 150 && bottom[0] < 80, "bottom is blue: {bottom:?}");
    // No metadata: no APP1 (EXIF/GPS) segment, no text chunk.
    for rel in ["media/images/phone.jpg", "media/images/phone.480w.jpg"] {
        let bytes = fs::read(out.join(rel)).unwrap();
        assert!(!bytes.windows(4).any(|w| w == b"Exif"), "{rel} keeps EXIF");
    }
    let png = fs::read(out.join("media/images/chart.png")).unwrap();
    assert!(!png.windows(4).any(|w| w == b"tEXt") && !png.windows(5).any(|w| w == b"23.1N"));

    // Pages offer every width, lazily.
    let page = read(out.join("cases/photo-case/index.html"));
    assert!(page.contains(
        "srcset=\"../../media/images/phone.480w.jpg 480w, ../../media/images/phone.960w.jpg 960w, ../../media/images/phone.jpg 1600w\""
    ));
    assert!(page.contains("width=\"1600\" height=\"2133\" loading=\"lazy\" decoding=\"async\""));
    assert!(page.contains("../../media/images/chart.960w.png 960w"));
    let list = read(out.join("cases/index.html"));
    assert!(list.contains("srcset=\"../media/images/phone.480w.jpg 480w"), "cards too");

    // The second build (forced: nothing changed) takes every version from the cache, and
    // publishes the same bytes.
    let before = read_tree(&out);
    let second = exemplar(&["build", site.to_str().unwrap(), "-o", out.to_str().unwrap(), "--lang", "en", "--force"]);
    assert!(second.status.success());
    assert!(stdout(&second).contains("Photos: 6 (6 from the cache)"), "{}", stdout(&second));
    assert_eq!(before, read_tree(&out));
    assert!(site.join(".exemplar-cache/images").is_dir());
}

/// nginx (not as a daemon) serving `www` with the README's configuration block, on a free port.
struct Nginx {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

fn nginx_binary() -> Option<std::path::PathBuf> {
    ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.is_file())
}

fn start_nginx(www: &Path) -> Nginx {
    let nginx = nginx_binary().expect("nginx is missing: apt-get install nginx (or set EXEMPLAR_SKIP_QUALITY=1)");
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let d = dir.path().display();
    let block =
        read(repo().join("docs/web-servers/nginx.conf")).replace("root /srv/www;", &format!("root {};", www.display()));
    let root_user = fs::read_to_string("/proc/self/status")
        .is_ok_and(|s| s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0")));
    let config = format!(
        "{}\ndaemon off;\nworker_processes 2;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 256; }}\n\
         http {{\n  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n  access_log off;\n\
           client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fastcgi;\n\
           uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;\n\
           server {{\n    listen 127.0.0.1:{port};\n{block}\n  }}\n}}\n",
        if root_user { "user root;" } else { "" }
    );
    fs::write(dir.path().join("nginx.conf"), config).unwrap();
    let conf = dir.path().join("nginx.conf");
    let child = Command::new(nginx)
        .args(["-c", conf.to_str().unwrap(), "-p", dir.path().to_str().unwrap(), "-e", "stderr"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start nginx");
    let server = Nginx { child, port, _dir: dir };
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed().as_secs() < 10, "nginx did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    server
}

/// GET over HTTP/1.1: status, head and body.
fn get(port: u16, path: &str) -> (u16, String, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, head.to_owned(), body.to_owned())
}

/// The first publish has no previous version to offer for a rollback and says so; later ones
/// keep the one before, and a version goes with the lock its build left beside it.
#[test]
fn the_first_publish_says_there_is_nothing_to_roll_back_and_old_locks_go() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    fs::create_dir_all(site.join("content")).unwrap();
    fs::copy(repo().join("exemplar.yaml"), site.join("exemplar.yaml")).unwrap();
    fs::write(site.join("content/a.md"), case("a", "第一个案例", "")).unwrap();
    let to = tmp.path().join("www/practice");
    let round = std::cell::Cell::new(0);
    let publish = |lang: &str| {
        // Each publish changes the case: the same portal again makes no new version.
        round.set(round.get() + 1);
        fs::write(site.join("content/a.md"), case("a", &format!("第 {} 版案例", round.get()), "")).unwrap();
        let out = exemplar(&["publish", site.to_str().unwrap(), "--to", to.to_str().unwrap(), "--lang", lang]);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let first = publish("zh-CN");
    assert!(first.contains("这是第一次发布，还没有可以恢复的上一版本"), "{first}");
    assert!(!first.contains("上一版本保留在"), "{first}");
    let second = publish("en");
    assert!(second.contains("the previous version is kept at") && second.contains("practice.versions/1"), "{second}");
    publish("en");
    let mut left: Vec<String> = fs::read_dir(tmp.path().join("www/practice.versions"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, [".2.lock", ".3.lock", "2", "2.own", "3", "3.own"]);
}

fn skip_server_tests() -> bool {
    std::env::var_os("EXEMPLAR_SKIP_QUALITY").is_some()
}

#[test]
fn publishing_twice_while_nginx_serves_never_mixes_versions_and_rollback_restores() {
    if skip_server_tests() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let config = read(site.join("exemplar.yaml"));
    let set_version = |v: &str| {
        fs::write(site.join("exemplar.yaml"), config.replacen("title: ", &format!("title: {v}"), 1)).unwrap();
        // A different stylesheet too, so that each version links its own hashed file.
        let css = site.join("themes/default/static/style.css");
        let mut text = read(repo().join("themes/default/static/style.css"));
        text.push_str(&format!("\n/* {v} */\n"));
        fs::write(css, text).unwrap();
    };
    let www = tmp.path().join("www");
    let to = www.join("practice");
    let publish = |v: &str| {
        set_version(v);
        let out = exemplar(&["publish", site.to_str().unwrap(), "--to", to.to_str().unwrap(), "--lang", "en"]);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    publish("VERSION-ONE ");
    let server = start_nginx(&www);
    let port = server.port;

    // Headers: UTF-8 pages that are revalidated; hashed assets cached for a year; 404 page.
    check_caching_headers(port);
    let (status, _, body) = get(port, "/practice/no/such/page/");
    assert!(status == 404 && body.contains("VERSION-ONE"));

    // Readers keep reading while two versions are published; every page is whole and of one version.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|i| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let paths =
                    ["/practice/", "/practice/cases/tunnel-branch-safety/", "/practice/cases/", "/practice/search/"];
                let mut seen = std::collections::BTreeMap::<String, usize>::new();
                let mut n = i;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let path = paths[n % paths.len()];
                    n += 1;
                    let (status, _, body) = get(port, path);
                    assert_eq!(status, 200, "{path}");
                    assert!(body.trim_end().ends_with("</html>"), "{path}: an incomplete page");
                    let versions: std::collections::BTreeSet<&str> = ["VERSION-ONE", "VERSION-TWO", "VERSION-THREE"]
                        .into_iter()
                        .filter(|v| body.contains(v))
                        .collect();
                    assert_eq!(versions.len(), 1, "{path}: {versions:?}");
                    // The page's stylesheet is there, whichever version the page is from.
                    let css = body.split("static/style.").nth(1).unwrap().split('"').next().unwrap();
                    assert_eq!(get(port, &format!("/practice/static/style.{css}")).0, 200);
                    *seen.entry(versions.into_iter().next().unwrap().to_owned()).or_default() += 1;
                }
                seen
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(300));
    publish("VERSION-TWO ");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let said = publish("VERSION-THREE ");
    assert!(said.contains("previous version is kept"), "{said}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for reader in readers {
        for (v, n) in reader.join().expect("a reader saw a broken or mixed page") {
            *seen.entry(v).or_default() += n;
        }
    }
    assert!(seen.contains_key("VERSION-ONE") && seen.contains_key("VERSION-THREE"), "{seen:?}");
    assert!(get(port, "/practice/").2.contains("VERSION-THREE"));

    // One command brings the previous version back; with nothing older kept, a second one refuses.
    let back = exemplar(&["publish", "--rollback", "--to", to.to_str().unwrap(), "--lang", "en"]);
    assert!(back.status.success(), "{}", stderr(&back));
    assert!(get(port, "/practice/").2.contains("VERSION-TWO"));
    let again = exemplar(&["publish", "--rollback", "--to", to.to_str().unwrap(), "--lang", "en"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(get(port, "/practice/cases/tunnel-branch-safety/").2.contains("VERSION-TWO"));
    drop(server);
}

/// Apache (in the foreground) serving `www` with the README's configuration block.
fn start_apache(www: &Path) -> Option<Nginx> {
    let apache = ["/usr/sbin/apache2", "/usr/sbin/httpd"].iter().map(std::path::PathBuf::from).find(|p| p.is_file())?;
    let modules =
        ["/usr/lib/apache2/modules", "/usr/lib64/httpd/modules"].into_iter().find(|d| Path::new(d).is_dir())?;
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let d = dir.path().display();
    let block = read(repo().join("docs/web-servers/apache.conf"))
        .replace("/srv/www/practice", &www.join("practice").display().to_string());
    let load: String = ["mpm_event", "authz_core", "alias", "headers", "mime", "dir", "unixd"]
        .iter()
        .filter(|m| Path::new(modules).join(format!("mod_{m}.so")).is_file())
        .map(|m| format!("LoadModule {m}_module {modules}/mod_{m}.so\n"))
        .collect();
    let config = format!(
        "{load}ServerName 127.0.0.1\nListen 127.0.0.1:{port}\nPidFile {d}/httpd.pid\nErrorLog {d}/error.log\n\
         Mutex file:{d}\nDefaultRuntimeDir {d}\nTypesConfig /etc/mime.types\nUser nobody\nGroup nogroup\n\
         DocumentRoot {d}\n{block}\n"
    );
    fs::write(dir.path().join("httpd.conf"), config).unwrap();
    let child = Command::new(apache)
        .args(["-f", dir.path().join("httpd.conf").to_str().unwrap(), "-DFOREGROUND"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let server = Nginx { child, port, _dir: dir };
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed().as_secs() < 10, "apache did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Some(server)
}

#[test]
fn the_readme_apache_configuration_serves_the_published_portal() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let www = tmp.path().join("www");
    let to = www.join("practice");
    let out = exemplar(&["publish", site.to_str().unwrap(), "--to", to.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Readable by Apache's unprivileged user.
    let _ = Command::new("chmod").args(["-R", "a+rX", tmp.path().to_str().unwrap()]).status();
    let Some(server) = start_apache(&www) else {
        eprintln!("apache2 is not installed: skipping (./scripts/test installs it)");
        return;
    };
    let port = server.port;
    check_caching_headers(port);
    let (status, _, page) = get(port, "/practice/cases/tunnel-branch-safety/");
    assert!(status == 200 && page.contains("</html>"));
    let (status, _, body) = get(port, "/practice/no/such/page/");
    assert!(status == 404 && body.contains("<html"), "{status}");
}

#[test]
fn check_reports_for_merge_requests() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let file = site.join("content/tunnel-branch-safety.md");
    fs::write(&file, read(&file).replacen("status: named", "status: nmed", 1)).unwrap();
    let gitlab = exemplar(&["check", site.to_str().unwrap(), "--format", "gitlab", "--lang", "en"]);
    assert_eq!(gitlab.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout(&gitlab)).unwrap();
    let issue = &report[0];
    assert_eq!(issue["check_name"], "unknown_status");
    assert_eq!(issue["severity"], "major");
    assert_eq!(issue["location"]["path"], "content/tunnel-branch-safety.md");
    assert_eq!(issue["location"]["lines"]["begin"], 7);
    assert_eq!(issue["fingerprint"].as_str().unwrap().len(), 32);
    // The advice an editor needs comes with the message, as in the terminal.
    assert_eq!(
        issue["description"],
        "unknown status \"nmed\" — did you mean \"named\"? — expected: one of planned, building, accepted, named, revoked"
    );
    let github = exemplar(&["check", site.to_str().unwrap(), "--format", "github", "--lang", "en"]);
    assert_eq!(
        stdout(&github),
        "::error file=content/tunnel-branch-safety.md,title=unknown_status,line=7,col=9::unknown status \"nmed\"\
         %0Adid you mean \"named\"?%0Aexpected: one of planned, building, accepted, named, revoked\n"
    );
}

/// What both tested server configurations must answer under `/practice/`: UTF-8 pages that are
/// revalidated, and the hashed stylesheet cached for a year, as UTF-8 CSS (its plain name not).
fn check_caching_headers(port: u16) {
    let (status, head, home) = get(port, "/practice/");
    assert_eq!(status, 200, "{head}");
    assert!(head.contains("Content-Type: text/html; charset=utf-8"), "{head}");
    assert!(head.contains("Cache-Control: no-cache"), "{head}");
    let css = home.split("href=\"static/style.").nth(1).unwrap().split('"').next().unwrap();
    let (status, head, _) = get(port, &format!("/practice/static/style.{css}"));
    assert_eq!(status, 200);
    assert!(head.contains("Cache-Control: public, max-age=31536000, immutable"), "{head}");
    assert!(head.contains("text/css; charset=utf-8"), "{head}");
    // Data and feeds as UTF-8 text (a CSV without a type is downloaded as bytes by browsers).
    for (path, kind) in [("data/cases.csv", "text/csv"), ("feed.xml", "xml"), ("sitemap.xml", "xml")] {
        let (status, head, _) = get(port, &format!("/practice/{path}"));
        let content_type = head.lines().find(|l| l.to_ascii_lowercase().starts_with("content-type:")).unwrap_or("");
        assert_eq!(status, 200, "{path}: {head}");
        assert!(
            content_type.contains(kind) && content_type.to_ascii_lowercase().contains("charset=utf-8"),
            "{path}: {head}"
        );
    }
    // The address without its last slash leads to the portal.
    let (status, head, _) = get(port, "/practice");
    let location = head.lines().find(|l| l.to_ascii_lowercase().starts_with("location:")).unwrap_or("");
    assert!(status == 301 && location.trim_end().ends_with("/practice/"), "{head}");
    // The same stylesheet under its plain name, which a theme's own files may refer to, changes
    // in place: revalidated, never kept for a year.
    let (status, head, _) = get(port, "/practice/static/style.css");
    assert_eq!(status, 200, "{head}");
    assert!(head.contains("Cache-Control: no-cache") && !head.contains("immutable"), "{head}");
}
