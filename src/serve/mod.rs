//! `exemplar serve`: the portal built into memory, served over HTTP on 127.0.0.1, rebuilt when a
//! file changes and pushed to open pages through Server-Sent Events.
//!
//! A rebuild re-reads only the changed case files ([`Project::refresh`]), rebuilds the model, and
//! renders only the pages whose [`render::signature`] changed. Content errors never stop the
//! server: the last good pages stay served and the browser shows the errors over them.

pub mod http;
mod watch;

use std::collections::{BTreeSet, HashMap};
use std::io::{BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::diagnostics::Diagnostic;
use crate::i18n::Catalog;
use crate::pipeline::{BuildOptions, Outcome, Project};
use crate::render::{self, Renderer, Summaries, theme::FileSource};
use crate::site::Site;
use http::{ReadError, Request, Response};

const LIVE_SCRIPT: &str = include_str!("live.js");
const LIVE_TAG: &str = "<script src=\"/__exemplar/live.js\" defer></script>";

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub site_dir: PathBuf,
    pub port: u16,
    pub bind: String,
    pub drafts: bool,
    /// Language of the messages printed on rebuilds (default: the site's).
    pub lang: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("cannot watch {path}: {detail}")]
    Watch { path: PathBuf, detail: String },
}

/// One file of the portal held in memory.
pub struct Served {
    pub bytes: Vec<u8>,
    pub etag: String,
}

impl Served {
    fn new(bytes: Vec<u8>) -> Served {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        bytes.hash(&mut hasher);
        Served { etag: format!("\"{:016x}\"", hasher.finish()), bytes }
    }
}

/// What the server answers from: the files of the last good build and the current diagnostics.
#[derive(Default, Clone)]
pub struct Snapshot {
    pub files: HashMap<String, Arc<Served>>,
    pub version: u64,
    /// JSON for the browser overlay (`/__exemplar/state`).
    pub state: Arc<String>,
    pub errors: usize,
}

/// The result of one rebuild, as the browser hears it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RebuildEvent {
    pub version: u64,
    /// Page paths (`cases/a/`, `` for the home page) and other files (`static/style.css`) whose
    /// bytes changed, were added or removed.
    pub changed: Vec<String>,
    pub errors: usize,
    pub millis: u128,
}

/// The build side of the server: the project, the last good site and what rendering it needs.
pub struct Builder {
    options: BuildOptions,
    project: Option<Project>,
    renderer: Option<Renderer>,
    site: Option<Site>,
    summaries: Option<Summaries>,
    signatures: HashMap<String, u64>,
    catalog: Catalog,
}

impl Builder {
    pub fn new(mut options: BuildOptions) -> Builder {
        // The watcher reports absolute, resolved paths: compare them with a resolved site folder.
        if let Ok(site_dir) = options.site_dir.canonicalize() {
            options.site_dir = site_dir;
        }
        Builder {
            catalog: Catalog::builtin(crate::i18n::LANGUAGES[0]),
            options,
            project: None,
            renderer: None,
            site: None,
            summaries: None,
            signatures: HashMap::new(),
        }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Rebuilds after `changed` paths (all of them when `None`) and returns the next snapshot.
    pub fn rebuild(&mut self, previous: &Snapshot, changed: Option<&[PathBuf]>) -> (Snapshot, RebuildEvent) {
        let started = Instant::now();
        let full = match changed {
            None => true,
            Some(paths) => paths.iter().any(|p| needs_full_rebuild(&self.options.site_dir, p)),
        };
        let mut rendered: Vec<(String, Vec<u8>)> = Vec::new();
        let mut outcome = match (&mut self.project, full) {
            (Some(project), false) => {
                project.refresh(changed.unwrap_or(&[]));
                project.assemble()
            }
            _ => {
                self.signatures.clear();
                self.summaries = None;
                match Project::open(self.options.clone()) {
                    Ok(mut project) => {
                        project.scan();
                        let outcome = project.assemble();
                        self.catalog = project.catalog().clone();
                        self.project = Some(project);
                        outcome
                    }
                    Err(outcome) => {
                        self.project = None;
                        self.catalog = outcome.catalog.clone();
                        outcome
                    }
                }
            }
        };

        let mut static_files: Option<Vec<(String, Vec<u8>)>> = None;
        if !outcome.has_errors()
            && let (Some(site), Some(project)) = (outcome.site.take(), self.project.as_ref())
        {
            if full || self.renderer.is_none() {
                match Renderer::new(&site, &project.theme) {
                    Ok(renderer) => self.renderer = Some(renderer),
                    Err(problems) => outcome.diagnostics.extend(problems),
                }
                static_files = Some(read_static_files(project));
            }
            if !outcome.has_errors()
                && let Some(renderer) = self.renderer.take()
            {
                let result = self.render_changed(&site, &renderer);
                self.renderer = Some(renderer);
                match result {
                    Ok(pages) => {
                        rendered = pages;
                        rendered.extend(search_files(&site));
                        self.site = Some(site);
                    }
                    Err(problems) => {
                        outcome.diagnostics.extend(problems);
                        self.signatures.clear();
                    }
                }
            }
        }

        let mut next = previous.clone();
        next.version = previous.version + 1;
        next.errors = outcome.errors();
        next.state = Arc::new(state_json(&outcome, &self.catalog));
        let mut changed_paths = BTreeSet::new();
        if !outcome.has_errors()
            && let Some(site) = &self.site
        {
            let mut wanted: BTreeSet<String> = render::pages(site).iter().map(|p| p.file()).collect();
            match static_files {
                // A new theme: its static files replace the old ones (compared below like pages).
                Some(files) => rendered.extend(files),
                None => wanted.extend(next.files.keys().filter(|p| p.starts_with("static/")).cloned()),
            }
            for (path, bytes) in rendered {
                wanted.insert(path.clone());
                let same = next.files.get(&path).is_some_and(|old| old.bytes == bytes);
                if !same {
                    changed_paths.insert(page_path(&path));
                    next.files.insert(path, Arc::new(Served::new(bytes)));
                }
            }
            // Photos are served as the portal publishes them: resized, through the image cache.
            let plans = crate::images::site_plans(site);
            let photos = Mutex::new(Vec::new());
            let collect = |path: &str, bytes: &[u8]| {
                photos.lock().map_err(|e| e.to_string())?.push((path.to_owned(), bytes.to_vec()));
                Ok(())
            };
            let _ = crate::images::publish(&self.options.site_dir, &plans, &site.config.images, &collect);
            for (path, bytes) in photos.into_inner().unwrap_or_default() {
                wanted.insert(path.clone());
                if next.files.get(&path).is_none_or(|old| old.bytes != bytes) {
                    changed_paths.insert(path.clone());
                    next.files.insert(path, Arc::new(Served::new(bytes)));
                }
            }
            for asset in site.assets.iter().filter(|a| !plans.iter().any(|p| p.path == a.output)) {
                wanted.insert(asset.output.clone());
                if let Ok(bytes) = std::fs::read(self.options.site_dir.join(&asset.source)) {
                    let same = next.files.get(&asset.output).is_some_and(|old| old.bytes == bytes);
                    if !same {
                        changed_paths.insert(asset.output.clone());
                        next.files.insert(asset.output.clone(), Arc::new(Served::new(bytes)));
                    }
                }
            }
            let gone: Vec<String> = next.files.keys().filter(|p| !wanted.contains(*p)).cloned().collect();
            for path in gone {
                next.files.remove(&path);
                changed_paths.insert(page_path(&path));
            }
        }
        let event = RebuildEvent {
            version: next.version,
            changed: changed_paths.into_iter().collect(),
            errors: next.errors,
            millis: started.elapsed().as_millis(),
        };
        (next, event)
    }

    /// Renders the pages whose inputs changed since the last rendering.
    fn render_changed(&mut self, site: &Site, renderer: &Renderer) -> Result<Vec<(String, Vec<u8>)>, Vec<Diagnostic>> {
        let summaries = Summaries::build(site, self.summaries.take());
        let fingerprint = site.term_paths_fingerprint();
        let pages = render::pages(site);
        let mut signatures = HashMap::with_capacity(pages.len());
        let mut dirty = Vec::new();
        for page in pages {
            let signature = render::signature(site, &page, fingerprint);
            if self.signatures.get(&page.path) != Some(&signature) {
                dirty.push(page.clone());
            }
            signatures.insert(page.path.clone(), signature);
        }
        let out = Mutex::new(Vec::with_capacity(dirty.len()));
        let write = |path: &str, bytes: &[u8]| {
            out.lock().map_err(|e| e.to_string())?.push((path.to_owned(), bytes.to_vec()));
            Ok(())
        };
        let result = render::render_pages(site, renderer, &summaries, &dirty, &write);
        self.summaries = Some(summaries);
        result?;
        self.signatures = signatures;
        Ok(out.into_inner().unwrap_or_default())
    }
}

/// The search index for `site`, as files (it is small next to the pages, and made in one pass).
fn search_files(site: &Site) -> Vec<(String, Vec<u8>)> {
    let files = Mutex::new(Vec::new());
    let write = |path: &str, bytes: &[u8]| {
        files.lock().map_err(|e| e.to_string())?.push((path.to_owned(), bytes.to_vec()));
        Ok(())
    };
    if crate::search::write_index(site, &write).is_err() {
        return Vec::new();
    }
    files.into_inner().unwrap_or_default()
}

/// Configuration, templates, theme and strings change every page: rebuild from scratch.
fn needs_full_rebuild(site_dir: &Path, path: &Path) -> bool {
    let rel = crate::content::load::rel_to(site_dir, path);
    !rel.starts_with("content/")
}

fn read_static_files(project: &Project) -> Vec<(String, Vec<u8>)> {
    project
        .theme
        .static_files
        .iter()
        .filter_map(|(rel, source)| {
            let bytes = match source {
                FileSource::Disk(path) => std::fs::read(path).ok()?,
                FileSource::Embedded(bytes) => bytes.to_vec(),
            };
            Some((format!("static/{rel}"), bytes))
        })
        .collect()
}

/// `cases/a/index.html` → `cases/a/`: how pages are named in rebuild events.
fn page_path(file: &str) -> String {
    match file.strip_suffix("index.html") {
        Some(dir) if dir.is_empty() || dir.ends_with('/') => dir.to_owned(),
        _ => file.to_owned(),
    }
}

fn state_json(outcome: &Outcome, catalog: &Catalog) -> String {
    let report: serde_json::Value =
        serde_json::from_str(&crate::cli::json_report(outcome, catalog)).unwrap_or(serde_json::Value::Null);
    let strings = serde_json::json!({
        "title": catalog.format("cli.overlay_title", &[("errors", outcome.errors().to_string())]),
        "note": catalog.get("cli.overlay_note"),
    });
    serde_json::json!({
        "errors": outcome.errors(),
        "warnings": outcome.warnings(),
        "diagnostics": report.get("diagnostics").cloned().unwrap_or_default(),
        "strings": strings,
    })
    .to_string()
}

/// The shared server state: the current snapshot and the open event streams.
pub struct Server {
    snapshot: RwLock<Arc<Snapshot>>,
    listeners: Mutex<Vec<Sender<String>>>,
}

impl Server {
    pub fn new(snapshot: Snapshot) -> Arc<Server> {
        Arc::new(Server { snapshot: RwLock::new(Arc::new(snapshot)), listeners: Mutex::new(Vec::new()) })
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.read().map(|s| s.clone()).unwrap_or_default()
    }

    /// Installs a new snapshot and tells every open page.
    pub fn publish(&self, snapshot: Snapshot, event: &RebuildEvent) {
        if let Ok(mut current) = self.snapshot.write() {
            *current = Arc::new(snapshot);
        }
        let message = format!("event: rebuild\ndata: {}\n\n", serde_json::to_string(event).unwrap_or_default());
        if let Ok(mut listeners) = self.listeners.lock() {
            listeners.retain(|tx| tx.send(message.clone()).is_ok());
        }
    }

    fn subscribe(&self) -> Receiver<String> {
        let (tx, rx) = mpsc::channel();
        if let Ok(mut listeners) = self.listeners.lock() {
            listeners.push(tx);
        }
        rx
    }
}

/// Binds `bind:port`, or any free port on `bind` when that one is taken.
pub fn listen(bind: &str, port: u16) -> Result<TcpListener, ServeError> {
    let addr = format!("{bind}:{port}");
    match TcpListener::bind(&addr) {
        Ok(listener) => Ok(listener),
        Err(_) if port != 0 => {
            TcpListener::bind(format!("{bind}:0")).map_err(|source| ServeError::Bind { addr, source })
        }
        Err(source) => Err(ServeError::Bind { addr, source }),
    }
}

/// At most this many connections are served at once (one thread each; the serve test opens 200
/// keep-alive clients at once); more are answered 503 at
/// once. With [`http::HEAD_DEADLINE`], slow clients can hold a slot for seconds, not forever.
pub const MAX_CONNECTIONS: usize = 256;

/// Accepts connections until the process ends; each connection gets its own thread.
pub fn accept_loop(listener: TcpListener, server: Arc<Server>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static OPEN: AtomicUsize = AtomicUsize::new(0);
    struct Slot;
    impl Drop for Slot {
        fn drop(&mut self) {
            OPEN.fetch_sub(1, Ordering::SeqCst);
        }
    }
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        if OPEN.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            OPEN.fetch_sub(1, Ordering::SeqCst);
            let _ = stream.set_write_timeout(Some(Duration::from_millis(100)));
            let body = http::status_text(503).as_bytes();
            let response = Response { status: 503, headers: text_headers(), body };
            let _ = http::write_response(&mut stream, &response, false, false);
            continue;
        }
        let slot = Slot;
        let server = server.clone();
        let spawned = std::thread::Builder::new().name("exemplar-http".into()).spawn(move || {
            let _slot = slot;
            handle(stream, &server)
        });
        if spawned.is_err() {
            // Out of threads: the connection is dropped, the server goes on.
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn handle(stream: TcpStream, server: &Server) {
    let _ = stream.set_read_timeout(Some(http::READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
    let _ = stream.set_nodelay(true);
    let Ok(write_half) = stream.try_clone() else { return };
    let mut writer = write_half;
    let mut reader = BufReader::new(stream);
    loop {
        let request = match http::read_request(&mut reader) {
            Ok(request) => request,
            Err(ReadError::Closed) => return,
            Err(ReadError::Bad(status)) => {
                let body = http::status_text(status).as_bytes();
                let response = Response { status, headers: text_headers(), body };
                let _ = http::write_response(&mut writer, &response, false, false);
                linger(&mut writer, &mut reader);
                return;
            }
        };
        if request.target.split('?').next() == Some("/__exemplar/events") {
            stream_events(&mut writer, server);
            return;
        }
        let keep_alive = request.keep_alive;
        if respond(&mut writer, &request, server).is_err() || !keep_alive {
            return;
        }
    }
}

/// Closes gracefully after an error answer: stop writing, then read (and drop) what the client is
/// still sending for a moment, so that the answer is not lost to a connection reset.
fn linger(writer: &mut TcpStream, reader: &mut BufReader<TcpStream>) {
    let _ = writer.shutdown(std::net::Shutdown::Write);
    let _ = writer.set_read_timeout(Some(Duration::from_millis(500)));
    let mut sink = [0u8; 8192];
    let mut drained = 0;
    while drained < 1 << 20 {
        match std::io::Read::read(reader, &mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

fn text_headers() -> Vec<(&'static str, String)> {
    vec![("Content-Type", "text/plain; charset=utf-8".into()), ("Cache-Control", "no-store".into())]
}

fn respond(writer: &mut TcpStream, request: &Request, server: &Server) -> std::io::Result<()> {
    let head_only = request.method == "HEAD";
    let keep_alive = request.keep_alive;
    if request.method != "GET" && !head_only {
        let mut headers = text_headers();
        headers.push(("Allow", "GET, HEAD".into()));
        let response = Response { status: 405, headers, body: b"Method Not Allowed" };
        return http::write_response(writer, &response, head_only, keep_alive);
    }
    let Some(path) = http::clean_path(&request.target) else {
        let response = Response { status: 400, headers: text_headers(), body: b"Bad Request" };
        return http::write_response(writer, &response, head_only, keep_alive);
    };
    let snapshot = server.snapshot();
    match path.as_str() {
        "__exemplar/live.js" => {
            let headers =
                vec![("Content-Type", http::content_type("live.js").into()), ("Cache-Control", "no-store".into())];
            let response = Response { status: 200, headers, body: LIVE_SCRIPT.as_bytes() };
            return http::write_response(writer, &response, head_only, keep_alive);
        }
        "__exemplar/state" => {
            let headers =
                vec![("Content-Type", http::content_type("state.json").into()), ("Cache-Control", "no-store".into())];
            let response = Response { status: 200, headers, body: snapshot.state.as_bytes() };
            return http::write_response(writer, &response, head_only, keep_alive);
        }
        _ => {}
    }
    let file = if path.is_empty() || path.ends_with('/') { format!("{path}index.html") } else { path.clone() };
    let Some(served) = snapshot.files.get(&file) else {
        if snapshot.files.contains_key(&format!("{path}/index.html")) {
            let location = format!("/{path}/");
            let headers = vec![("Location", location), ("Cache-Control", "no-store".into())];
            let response = Response { status: 301, headers, body: b"" };
            return http::write_response(writer, &response, head_only, keep_alive);
        }
        let body = snapshot.files.get("404.html").map(|s| inject(&s.bytes)).unwrap_or_else(|| b"Not Found".to_vec());
        let headers =
            vec![("Content-Type", http::content_type("404.html").into()), ("Cache-Control", "no-store".into())];
        let response = Response { status: 404, headers, body: &body };
        return http::write_response(writer, &response, head_only, keep_alive);
    };
    let content_type = http::content_type(&file);
    let mut headers = vec![
        ("Content-Type", content_type.to_owned()),
        ("Cache-Control", "no-cache".into()),
        ("ETag", served.etag.clone()),
        ("Accept-Ranges", "bytes".into()),
        ("X-Content-Type-Options", "nosniff".into()),
    ];
    if request.header("If-None-Match").is_some_and(|tags| tags.split(',').any(|t| t.trim() == served.etag)) {
        let response = Response { status: 304, headers, body: b"" };
        return http::write_response(writer, &response, true, keep_alive);
    }
    if content_type.starts_with("text/html") {
        let body = inject(&served.bytes);
        let response = Response { status: 200, headers, body: &body };
        return http::write_response(writer, &response, head_only, keep_alive);
    }
    let len = served.bytes.len();
    match request.header("Range").map(|r| http::parse_range(r, len)) {
        Some(Ok(Some((start, end)))) => {
            headers.push(("Content-Range", format!("bytes {start}-{end}/{len}")));
            let response = Response { status: 206, headers, body: &served.bytes[start..=end] };
            http::write_response(writer, &response, head_only, keep_alive)
        }
        Some(Err(())) => {
            headers.push(("Content-Range", format!("bytes */{len}")));
            let response = Response { status: 416, headers, body: b"" };
            http::write_response(writer, &response, head_only, keep_alive)
        }
        _ => {
            let response = Response { status: 200, headers, body: &served.bytes };
            http::write_response(writer, &response, head_only, keep_alive)
        }
    }
}

/// Adds the live-reload script to a page (before `</body>`, or at the end).
fn inject(html: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(html.len() + LIVE_TAG.len() + 1);
    let position = html.windows(7).rposition(|w| w.eq_ignore_ascii_case(b"</body>")).unwrap_or(html.len());
    out.extend_from_slice(&html[..position]);
    out.extend_from_slice(LIVE_TAG.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(&html[position..]);
    out
}

/// Server-Sent Events: one `rebuild` event per rebuild, a comment every 15 s to keep it open.
fn stream_events(writer: &mut TcpStream, server: &Server) {
    let events = server.subscribe();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-store\r\n\
                Connection: keep-alive\r\n\r\nretry: 1000\n\n";
    if writer.write_all(head.as_bytes()).and_then(|_| writer.flush()).is_err() {
        return;
    }
    loop {
        let message = match events.recv_timeout(Duration::from_secs(15)) {
            Ok(message) => message,
            Err(mpsc::RecvTimeoutError::Timeout) => ": keep-alive\n\n".to_owned(),
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        if writer.write_all(message.as_bytes()).and_then(|_| writer.flush()).is_err() {
            return;
        }
    }
}

/// Runs the preview: first build, HTTP on its own threads, then rebuilds as files change.
/// `ready` is called once with the address being served and the first build's outcome.
pub fn run(options: ServeOptions, ready: impl FnOnce(SocketAddr, &Catalog, &Snapshot)) -> Result<(), ServeError> {
    let build_options =
        BuildOptions { site_dir: options.site_dir.clone(), out_dir: None, base_url: None, drafts: options.drafts };
    let mut builder = Builder::new(build_options);
    let (snapshot, _) = builder.rebuild(&Snapshot::default(), None);
    let listener = listen(&options.bind, options.port)?;
    let addr = listener.local_addr().map_err(|source| ServeError::Bind { addr: options.bind.clone(), source })?;
    let watcher = watch::Watcher::new(&options.site_dir)?;
    ready(addr, builder.catalog(), &snapshot);
    let server = Server::new(snapshot);
    let accept_server = server.clone();
    std::thread::Builder::new()
        .name("exemplar-accept".into())
        .spawn(move || accept_loop(listener, accept_server))
        .map_err(|source| ServeError::Bind { addr: addr.to_string(), source })?;
    loop {
        let changed = watcher.next_batch();
        let current = server.snapshot();
        let (snapshot, event) = builder.rebuild(&current, Some(&changed));
        let catalog = options.lang.as_deref().map_or_else(|| builder.catalog().clone(), Catalog::builtin);
        eprintln!("{}", rebuild_line(&catalog, &event, &snapshot));
        server.publish(snapshot, &event);
    }
}

fn rebuild_line(catalog: &Catalog, event: &RebuildEvent, snapshot: &Snapshot) -> String {
    if event.errors > 0 {
        let text: serde_json::Value = serde_json::from_str(&snapshot.state).unwrap_or_default();
        let mut lines = vec![catalog.format("cli.serve_errors", &[("errors", event.errors.to_string())])];
        if let Some(items) = text.get("diagnostics").and_then(|d| d.as_array()) {
            lines.extend(items.iter().filter_map(|d| d.get("text").and_then(|t| t.as_str()).map(str::to_owned)));
        }
        lines.join("\n")
    } else {
        let args = [("changed", event.changed.len().to_string()), ("ms", event.millis.to_string())];
        catalog.format("cli.serve_rebuilt", &args)
    }
}
