//! Shared by the search tests and the search benchmark (`bench/search.rs`): sites made from the
//! real corpus, a tiny HTTP server that also receives reports from pages, and headless Chromium.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

// Every crate that has this module has `common` too (the search benchmark by path).
use crate::common::chromium as launch;

use exemplar::content::links::percent_decode;
use exemplar::date::{Date, Period};
use exemplar::markdown::{self, KeepAll};
use exemplar::site::{Assessment, Case, Practice, Site};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn corpus_dir() -> PathBuf {
    repo().join("../shared/corpus")
}

/// The corpus's Markdown files (relative paths under `raw/`), sorted.
pub fn corpus_files() -> Vec<String> {
    let raw = corpus_dir().join("raw");
    let mut files: Vec<String> = walkdir::WalkDir::new(&raw)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .filter_map(|e| e.path().strip_prefix(&raw).ok().map(|p| p.to_string_lossy().replace('\\', "/")))
        .collect();
    files.sort();
    files
}

/// The queries of `queries.tsv`, in order.
pub fn tsv_queries() -> Vec<String> {
    let tsv = std::fs::read_to_string(corpus_dir().join("queries.tsv")).unwrap_or_default();
    tsv.lines().skip(1).filter_map(|l| l.split('\t').nth(2)).map(str::to_owned).collect()
}

/// `n` random substrings of 2–4 CJK characters of the cases' bodies (the same for the same seed).
pub fn random_substrings(site: &Site, n: usize, seed: u64) -> Vec<String> {
    use exemplar::search::tokenize;
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    while out.len() < n {
        let case = &site.cases[rng.below(site.cases.len())];
        let text: Vec<char> = exemplar::search::index::fields(case)[3].chars().collect();
        if text.len() < 8 {
            continue;
        }
        let len = 2 + rng.below(3);
        let start = rng.below(text.len() - len);
        let q: String = text[start..start + len].iter().collect();
        if q.chars().all(|c| tokenize::class(tokenize::fold(c)) == tokenize::Class::Cjk) {
            out.push(q);
        }
    }
    out
}

/// A tiny deterministic random number generator (xorshift).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const ENTERPRISES: [&str; 8] = [
    "华南建工集团",
    "珠江能源集团",
    "南粤水务集团",
    "岭南交通投资集团",
    "粤海装备制造公司",
    "广信通信公司",
    "湾区港务集团",
    "东江环保集团",
];
// The framework's ids: the same as the build benchmark's generator uses.
#[path = "../../bench/gen/mod.rs"]
mod generator;
use generator::{ACTIONS, DIMENSIONS, INDICATORS, STATUSES};
const TAGS: [&str; 10] = [
    "安全生产",
    "创新工作室",
    "数字化",
    "党员先锋岗",
    "标准化建设",
    "志愿服务",
    "降本增效",
    "人才培养",
    "绿色低碳",
    "客户服务",
];

/// Splits a Markdown file into a title and a body (front matter dropped).
pub fn title_and_body(path: &str, text: &str) -> (String, String) {
    let text = text.trim_start_matches('\u{feff}');
    let (front, body) = match text.strip_prefix("---\n").and_then(|rest| rest.split_once("\n---")) {
        Some((front, body)) => (front, body.trim_start_matches('-').to_owned()),
        None => ("", text.to_owned()),
    };
    let title = front
        .lines()
        .find_map(|l| l.strip_prefix("title:"))
        .map(|t| t.trim().trim_matches(['"', '\'']).to_owned())
        .or_else(|| body.lines().find_map(|l| l.strip_prefix("# ")).map(|t| t.trim().to_owned()))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| path.to_owned());
    (title, body)
}

/// A case with synthesised front matter around a title and a Markdown body.
pub fn make_case(i: usize, source: &str, title: &str, body: &str, rng: &mut Rng, practices: Vec<Practice>) -> Case {
    let rendered = markdown::render(body, exemplar::config::RawHtmlPolicy::Sanitize, &KeepAll);
    let year = 2018 + (i % 8) as u16;
    let date = Date { year, month: 1 + (i % 12) as u8, day: 1 + (i % 28) as u8 };
    let scores = INDICATORS.iter().map(|id| (id.to_string(), 60.0 + rng.below(41) as f64)).collect();
    let period = Period::parse(&format!("{year}-Q{}", 1 + i % 4)).expect("a valid period");
    let slug = format!("c{i}");
    Case {
        revision: exemplar::site::next_revision(),
        source: source.to_owned(),
        path: format!("cases/{slug}/"),
        slug,
        title: title.to_owned(),
        site: format!("{}示范点{}", &ENTERPRISES[i % 8][..6], i % 97),
        enterprise: ENTERPRISES[rng.below(8)].to_owned(),
        unit: None,
        region: None,
        status: STATUSES[rng.below(5)].to_owned(),
        date,
        updated: None,
        history: Default::default(),
        source_url: None,
        cover_image: None,
        images: Vec::new(),
        summary: rendered.summary.clone(),
        featured: false,
        draft: false,
        cover: None,
        timeline: Vec::new(),
        assessments: vec![Assessment { period, scores }],
        actions: vec![ACTIONS[rng.below(4)].to_owned()],
        tags: vec![TAGS[rng.below(10)].to_owned(), TAGS[rng.below(10)].to_owned()],
        practices,
        extra: Default::default(),
        body: rendered,
    }
}

fn config() -> exemplar::config::Config {
    exemplar::config::load(&repo()).expect("the sample configuration loads")
}

/// Each corpus file (the first `limit`, or all) as a case: its title, its body, front matter made up.
pub fn corpus_site(limit: Option<usize>) -> Site {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let files = corpus_files();
    let files = &files[..limit.unwrap_or(files.len()).min(files.len())];
    let raw = corpus_dir().join("raw");
    let cases = files
        .iter()
        .enumerate()
        .map(|(i, path)| {
            let text = std::fs::read_to_string(raw.join(path)).unwrap_or_default();
            let (title, body) = title_and_body(path, &text);
            std::sync::Arc::new(make_case(i, path, &title, &body, &mut rng, Vec::new()))
        })
        .collect();
    Site::new(config(), cases, Vec::new())
}

/// `n` cases shaped like real write-ups (about 1,500 characters: a title, three practices and a
/// body), their text cut from the corpus's Chinese prose.
pub fn generated_site(n: usize) -> Site {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let raw = corpus_dir().join("raw");
    let mut paragraphs: Vec<String> = Vec::new();
    let mut titles: Vec<String> = Vec::new();
    for path in corpus_files() {
        let text = std::fs::read_to_string(raw.join(&path)).unwrap_or_default();
        let (title, body) = title_and_body(&path, &text);
        titles.push(title);
        let mut in_code = false;
        for line in body.lines() {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
                continue;
            }
            let han = line.chars().filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c)).count();
            if !in_code && han >= 20 && han * 2 >= line.chars().count() && !line.starts_with(['|', '<', '{']) {
                paragraphs.push(line.trim().to_owned());
            }
        }
    }
    let mut cases = Vec::with_capacity(n);
    for i in 0..n {
        let mut body = String::new();
        let mut start = rng.below(paragraphs.len());
        while body.chars().count() < 1100 {
            body.push_str(&paragraphs[start % paragraphs.len()]);
            body.push_str("\n\n");
            start += 1;
        }
        let practices = (0..3)
            .map(|p| {
                let text = &paragraphs[rng.below(paragraphs.len())];
                let mut sentences = text.split('。').filter(|s| !s.is_empty());
                let title: String = sentences.next().unwrap_or("做法").chars().take(16).collect();
                Practice {
                    title,
                    dimension: DIMENSIONS[(i + p) % 6].to_owned(),
                    indicators: vec![INDICATORS[(i + p) % 6].to_owned()],
                    actions: vec![ACTIONS[p % 4].to_owned()],
                    summary: sentences.next().unwrap_or("").chars().take(60).collect(),
                    steps: sentences.take(2).map(|s| s.chars().take(40).collect()).collect(),
                }
            })
            .collect();
        let title = format!("{}的实践", titles[rng.below(titles.len())].chars().take(20).collect::<String>());
        cases.push(std::sync::Arc::new(make_case(i, &format!("content/c{i}.md"), &title, &body, &mut rng, practices)));
    }
    Site::new(config(), cases, Vec::new())
}

/// Writes the portal's search files, `static/search.js` and `extra` pages (path, HTML) into `out`.
pub fn write_search_portal(site: &Site, out: &Path, extra: &[(&str, String)]) {
    for (path, bytes) in exemplar::search::files::write(&exemplar::search::build(site)).files {
        let target = out.join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, bytes).unwrap();
    }
    std::fs::create_dir_all(out.join("static")).unwrap();
    std::fs::copy(repo().join("themes/default/static/search.js"), out.join("static/search.js")).unwrap();
    for (path, html) in extra {
        std::fs::write(out.join(path), html).unwrap();
    }
}

/// Serves `root` on 127.0.0.1 (GET, connections kept alive as a web server keeps them), and passes
/// every `POST /report/NAME` body to the receiver.
pub fn serve(root: PathBuf) -> (u16, Receiver<(String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            let tx = tx.clone();
            std::thread::spawn(move || {
                let _ = stream.set_nodelay(true);
                let mut reader = BufReader::new(&stream);
                while respond(&mut reader, &stream, &root, &tx) {}
            });
        }
    });
    (port, rx)
}

/// Answers one request on a connection; false when the connection is done.
fn respond(
    reader: &mut BufReader<&std::net::TcpStream>,
    mut stream: &std::net::TcpStream,
    root: &Path,
    tx: &std::sync::mpsc::Sender<(String, String)>,
) -> bool {
    let mut line = String::new();
    if reader.read_line(&mut line).map_or(true, |n| n == 0) {
        return false;
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/").to_owned());
    let mut length = 0;
    let mut close = false;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
        let header = header.to_ascii_lowercase();
        if let Some(v) = header.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        close |= header.starts_with("connection:") && header.contains("close");
    }
    if method == "POST" {
        let mut body = vec![0; length];
        let _ = reader.read_exact(&mut body);
        let name = target.trim_start_matches("/report/").to_owned();
        let _ = tx.send((name, String::from_utf8_lossy(&body).into_owned()));
        let _ =
            stream.write_all(b"HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: *\r\nContent-Length: 0\r\n\r\n");
        return !close;
    }
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let path = percent_decode(path);
    let mut file = root.join(path.trim_start_matches('/'));
    if path.ends_with('/') {
        file = file.join("index.html");
    }
    let (status, body, kind) = match std::fs::read(&file) {
        Ok(bytes) if !path.contains("..") => {
            let kind = match file.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html; charset=utf-8",
                Some("js") => "text/javascript; charset=utf-8",
                Some("css") => "text/css",
                _ => "application/octet-stream",
            };
            ("200 OK", bytes, kind)
        }
        _ => ("404 Not Found", b"not found".to_vec(), "text/plain"),
    };
    let head = format!("HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\r\n", body.len());
    let mut response = head.into_bytes();
    response.extend_from_slice(&body);
    stream.write_all(&response).is_ok() && !close
}

pub fn chromium_available() -> bool {
    Command::new("chromium").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

/// Headless Chromium on `url` with a fresh profile; stop it with `common::chromium::stop`.
pub fn chromium(url: &str, profile: &Path) -> Child {
    launch::command(profile)
        .args(["--disable-dev-shm-usage", "--remote-debugging-port=0", url])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium")
}

/// Waits for the reports named in `names` (in any order).
pub fn reports(rx: &Receiver<(String, String)>, names: &[&str], timeout: Duration) -> Vec<(String, String)> {
    let deadline = std::time::Instant::now() + timeout;
    let mut got: Vec<(String, String)> = Vec::new();
    while got.len() < names.len() {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(report) => {
                if report.0 == "error" {
                    panic!("the page reported an error: {}", report.1);
                }
                got.push(report);
            }
            Err(_) => panic!("timed out waiting for {names:?}; got {:?}", got.iter().map(|g| &g.0).collect::<Vec<_>>()),
        }
    }
    names.iter().map(|n| got.iter().find(|g| g.0 == *n).cloned().unwrap_or_else(|| panic!("no report {n}"))).collect()
}
