//! The command line. The only module that prints and decides exit codes:
//! 0 success, 1 content (or other run-time) errors, 2 usage errors.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};

use crate::diagnostics::Diagnostic;
use crate::i18n::Catalog;
use crate::pipeline::{self, BuildOptions, Outcome};

#[derive(Debug, Parser)]
// Every description, heading and usage error is in the catalog (`cli.help.*`, `cli.usage.*` in
// the theme's `i18n/cli.<lang>.yaml`), in both languages: see `crate::usage`.
#[command(name = "exemplar", version)]
pub struct Cli {
    #[arg(long, global = true, value_name = "LANG", value_parser = language_value)]
    pub lang: Option<String>,
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Build {
        #[arg(default_value = ".")]
        site_dir: PathBuf,
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[arg(long, value_parser = base_url_value)]
        base_url: Option<String>,
        #[arg(long)]
        drafts: bool,
        #[arg(long)]
        force: bool,
    },
    Check {
        #[arg(default_value = ".")]
        site_dir: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[arg(long)]
        drafts: bool,
    },
    Publish {
        #[arg(default_value = ".")]
        site_dir: PathBuf,
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
        #[arg(long)]
        rollback: bool,
        #[arg(long, value_parser = base_url_value)]
        base_url: Option<String>,
    },
    Serve {
        #[arg(default_value = ".")]
        site_dir: PathBuf,
        #[arg(long, default_value_t = 1111)]
        port: u16,
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        #[arg(long)]
        open: bool,
        #[arg(long)]
        drafts: bool,
    },
    New {
        #[command(subcommand)]
        what: NewCommand,
    },
    Search {
        site_dir: PathBuf,
        query: String,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        #[arg(long)]
        json: bool,
        #[arg(long, value_name = "FACET=VALUE")]
        filter: Vec<String>,
        #[arg(long, value_name = "INDICATOR=MIN")]
        min: Vec<String>,
        #[arg(long, default_value = "relevance")]
        sort: String,
    },
    Init {
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum NewCommand {
    Case {
        #[arg(value_parser = case_text_value)]
        title: String,
        #[arg(long, value_parser = case_text_value)]
        enterprise: Option<String>,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    /// A GitLab Code Quality report (a JSON array), shown in merge requests.
    Gitlab,
    /// GitHub/Gitea/Forgejo Actions workflow commands (`::error file=…,line=…::message`).
    Github,
}

/// A `--lang` Exemplar has messages for: Chinese (`zh-CN`, `zh`) or English (`en`, `en-GB`, `en-US`); any
/// other is a usage error rather than a silent fallback to Chinese.
fn language_value(value: &str) -> Result<String, String> {
    match crate::i18n::known_language(value) {
        Some(_) => Ok(value.to_owned()),
        None => Err(crate::i18n::LANGUAGES.join(", ")),
    }
}

/// A published address (`--base-url`): an absolute http:// or https:// URL, as `base_url:` in
/// exemplar.yaml (see `config::valid_base_url`); anything else would be written before every
/// address of the feed, sitemap and data files. The usage error shows the option's help, which
/// gives an example.
fn base_url_value(value: &str) -> Result<String, String> {
    if crate::config::valid_base_url(value) { Ok(value.to_owned()) } else { Err("not a web address".to_owned()) }
}

/// A new case's title or `--enterprise`, trimmed: text `check` takes, by its own rule. A blank or
/// too long value would make a case that fails `check` at once (both fields are required), a
/// blank title under a file name made of nothing (`x.md`).
fn case_text_value(value: &str) -> Result<String, crate::content::front_matter::TextError> {
    crate::content::front_matter::text_value(value).map(str::to_owned)
}

/// Parses the arguments, runs the command and returns the exit code.
pub fn run() -> i32 {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        // Help, version or a usage error: parsed again with the texts in the reader's language.
        Err(plain) => {
            let catalog = crate::usage::catalog(&args);
            let mut command = crate::usage::command(&catalog);
            return match command.try_get_matches_from_mut(&args) {
                Err(err) => crate::usage::report(&err, &command, &catalog, &args),
                Ok(_) => {
                    let _ = plain.print();
                    plain.exit_code()
                }
            };
        }
    };
    let quiet = cli.quiet;
    let lang = cli.lang.clone();
    match cli.command {
        Command::Build { site_dir, output, base_url, drafts, force } => {
            let options = BuildOptions { site_dir, out_dir: output, base_url, drafts, force, keep_from: None };
            let started = Instant::now();
            let bar = ProgressBar::new(quiet, lang.as_deref(), &options.site_dir);
            // Not freed: the process ends right after, and freeing 10,000 cases one by one on one
            // thread would only hold up its exit (the same for `check`).
            let outcome = std::mem::ManuallyDrop::new(pipeline::build_with(&options, &bar));
            bar.finish();
            let catalog = catalog_for(&outcome, lang.as_deref());
            report(&outcome.diagnostics, &catalog);
            if outcome.has_errors() {
                eprintln!("{}", summary_line(&catalog, failed_key(&options), &outcome));
                return 1;
            }
            if let Some(last) = outcome.up_to_date.as_ref().filter(|_| !quiet) {
                let args = [
                    ("out", options.out_dir().display().to_string()),
                    ("pages", last.pages.to_string()),
                    ("cases", last.cases.to_string()),
                    ("ms", started.elapsed().as_millis().to_string()),
                ];
                println!("{}", catalog.format("cli.build_up_to_date", &args));
            } else if !quiet {
                let cases = outcome.site.as_ref().map_or(0, |s| s.cases.len());
                let args = [
                    ("pages", outcome.pages.to_string()),
                    ("cases", cases.to_string()),
                    ("ms", started.elapsed().as_millis().to_string()),
                    ("out", options.out_dir().display().to_string()),
                    ("warnings", outcome.warnings().to_string()),
                ];
                let mut line = catalog.format("cli.build_done", &args);
                if outcome.images.images > 0 {
                    line.push(' ');
                    line.push_str(&images_line(&catalog, &outcome.images));
                }
                println!("{line}");
            }
            0
        }
        Command::Check { site_dir, format, drafts } => {
            // CI reports name files from the repository's top.
            let prefix = if matches!(format, Format::Gitlab | Format::Github) {
                crate::history::repo_prefix(&site_dir)
            } else {
                String::new()
            };
            let options = BuildOptions { site_dir, drafts, ..Default::default() };
            let outcome = std::mem::ManuallyDrop::new(pipeline::check(&options));
            let catalog = catalog_for(&outcome, lang.as_deref());
            match format {
                Format::Json => println!("{}", json_report(&outcome, &catalog)),
                Format::Gitlab => println!("{}", gitlab_report(&outcome, &catalog, &prefix)),
                Format::Github => print!("{}", github_report(&outcome, &catalog, &prefix)),
                Format::Text => {
                    report(&outcome.diagnostics, &catalog);
                    if outcome.has_errors() {
                        eprintln!("{}", summary_line(&catalog, "cli.check_failed", &outcome));
                    } else if !quiet {
                        println!("{}", summary_line(&catalog, "cli.check_done", &outcome));
                    }
                }
            }
            i32::from(outcome.has_errors())
        }
        Command::Publish { site_dir, to, rollback, base_url } => publish(site_dir, to, rollback, base_url, quiet, lang),
        Command::Serve { site_dir, port, bind, open, drafts } => serve(site_dir, port, bind, open, drafts, quiet, lang),
        Command::New { what: NewCommand::Case { title, enterprise, dir } } => {
            let catalog = site_catalog(&dir, lang.as_deref());
            match crate::scaffold::new_case(&dir, &title, enterprise.as_deref(), catalog.language()) {
                Ok(path) => {
                    if !quiet {
                        println!("{}", catalog.format("cli.new_case_done", &[("path", path.display().to_string())]));
                    }
                    0
                }
                Err(err) => {
                    eprintln!("{}: {}", catalog.get("cli.error"), scaffold_message(&catalog, &err));
                    1
                }
            }
        }
        Command::Search { site_dir, query, limit, json, filter, min, sort } => {
            let args = crate::search::cli::Args { query, limit, json, filter, min, sort };
            let options = BuildOptions::new(site_dir);
            let outcome = pipeline::searchable(&options);
            let catalog = catalog_for(&outcome, lang.as_deref());
            let Some(site) = outcome.site.as_ref().filter(|_| !outcome.has_errors()) else {
                report(&outcome.diagnostics, &catalog);
                eprintln!("{}", summary_line(&catalog, "cli.search_failed", &outcome));
                return 1;
            };
            match crate::search::cli::run(site, &args) {
                Ok(text) => {
                    println!("{text}");
                    0
                }
                Err(message) => {
                    eprintln!("{}: {message}", catalog.get("cli.error"));
                    2
                }
            }
        }
        Command::Init { dir } => {
            let catalog = Catalog::builtin(lang.as_deref().unwrap_or("zh-CN"));
            match crate::scaffold::init(&dir) {
                Ok(files) => {
                    if !quiet {
                        let args = [("dir", dir.display().to_string()), ("files", files.len().to_string())];
                        println!("{}", catalog.format("cli.init_done", &args));
                    }
                    0
                }
                Err(err) => {
                    eprintln!("{}: {}", catalog.get("cli.error"), scaffold_message(&catalog, &err));
                    1
                }
            }
        }
    }
}

/// What `init` or `new case` could not do, in the reader's language.
fn scaffold_message(catalog: &Catalog, err: &crate::scaffold::ScaffoldError) -> String {
    use crate::scaffold::ScaffoldError;
    match err {
        ScaffoldError::NotEmpty(dir) => catalog.format("cli.init_not_empty", &[("dir", dir.display().to_string())]),
        ScaffoldError::NotASite(dir) => catalog.format("cli.not_a_site", &[("dir", dir.display().to_string())]),
        ScaffoldError::Write { path, source } => {
            catalog.format("cli.cannot_write", &[("path", path.display().to_string()), ("detail", source.to_string())])
        }
    }
}

/// `exemplar publish`: build into a new version beside `to`, then swap it in (see `publish`).
fn publish(
    site_dir: PathBuf,
    to: PathBuf,
    rollback: bool,
    base_url: Option<String>,
    quiet: bool,
    lang: Option<String>,
) -> i32 {
    let failed = |catalog: &Catalog, err: std::io::Error| {
        let args = [("to", to.display().to_string()), ("detail", err.to_string())];
        eprintln!("{}: {}", catalog.get("cli.error"), catalog.format("cli.publish_failed", &args));
        1
    };
    let done = |catalog: &Catalog, key: &str, swapped: &crate::publish::Swapped| {
        if !quiet {
            let mut args = vec![("to", to.display().to_string()), ("current", swapped.current.display().to_string())];
            // The first publish keeps nothing to roll back to: it says so, rather than name none.
            let key = match &swapped.previous {
                Some(previous) => {
                    args.push(("previous", previous.display().to_string()));
                    key
                }
                None => "cli.publish_first",
            };
            println!("{}", catalog.format(key, &args));
        }
        0
    };
    let error = |catalog: &Catalog, key: &str, args: &[(&str, String)]| {
        let mut all = vec![("to", to.display().to_string())];
        all.extend(args.iter().cloned());
        eprintln!("{}: {}", catalog.get("cli.error"), catalog.format(key, &all));
        1
    };
    if rollback {
        let catalog = site_catalog(&site_dir, lang.as_deref());
        if !crate::publish::has_own_name(&to) {
            return error(&catalog, "cli.publish_refused_name", &[]);
        }
        return match crate::publish::rollback(&to) {
            Ok(Some(swapped)) => done(&catalog, "cli.rollback_done", &swapped),
            Ok(None) => error(&catalog, "cli.rollback_none", &[]),
            Err(err) => failed(&catalog, err),
        };
    }
    // Nothing is made or moved before the target is checked and the configuration read.
    let config = match crate::config::load(&site_dir) {
        Ok(config) => config,
        Err(problems) => {
            let catalog = site_catalog(&site_dir, lang.as_deref());
            report(&problems, &catalog);
            return 1;
        }
    };
    let catalog = Catalog::builtin(lang.as_deref().unwrap_or(&config.language));
    let target = match crate::publish::check(&site_dir, &to) {
        Ok(target) => target,
        Err(refusal) => {
            use crate::publish::Refusal;
            return match refusal {
                Refusal::NoName => error(&catalog, "cli.publish_refused_name", &[]),
                Refusal::HoldsSite => error(&catalog, "cli.publish_refused_site", &[]),
                Refusal::File => error(&catalog, "cli.publish_refused_file", &[]),
                Refusal::Foreign => error(&catalog, "cli.publish_refused_folder", &[]),
                Refusal::Link(link) => {
                    error(&catalog, "cli.publish_refused_link", &[("link", link.display().to_string())])
                }
                Refusal::Io(err) => failed(&catalog, err),
            };
        }
    };
    let slot = match crate::publish::prepare(&target) {
        Ok(slot) => slot,
        Err(crate::publish::PrepareError::Unwritable { dir, source }) => {
            let args = [("dir", dir.display().to_string()), ("detail", source.to_string())];
            return error(&catalog, "cli.publish_unwritable", &args);
        }
        Err(crate::publish::PrepareError::Other(err)) => return failed(&catalog, err),
    };
    let options = BuildOptions {
        site_dir,
        out_dir: Some(slot.dir().to_path_buf()),
        keep_from: slot.served().map(std::path::Path::to_path_buf),
        base_url,
        drafts: false,
        force: true,
    };
    let outcome = pipeline::build(&options);
    let catalog = catalog_for(&outcome, lang.as_deref());
    report(&outcome.diagnostics, &catalog);
    if outcome.has_errors() {
        crate::publish::discard(slot);
        eprintln!("{}", summary_line(&catalog, failed_key(&options), &outcome));
        return 1;
    }
    if !quiet && outcome.images.images > 0 {
        println!("{}", images_line(&catalog, &outcome.images));
    }
    if crate::publish::unchanged(&slot) {
        let current = slot.served().map(|s| s.display().to_string()).unwrap_or_default();
        crate::publish::discard(slot);
        if !quiet {
            println!(
                "{}",
                catalog.format("cli.publish_unchanged", &[("to", to.display().to_string()), ("current", current)])
            );
        }
        return 0;
    }
    match crate::publish::activate(&slot) {
        Ok(swapped) => done(&catalog, "cli.publish_done", &swapped),
        Err(err) => {
            crate::publish::discard(slot);
            failed(&catalog, err)
        }
    }
}

/// The progress of a long build on a terminal (indicatif, on stderr): silent when stderr is not a
/// terminal, with `--quiet`, and for builds that end within a fraction of a second.
struct ProgressBar {
    bar: Option<indicatif::ProgressBar>,
    catalog: Catalog,
}

impl ProgressBar {
    fn new(quiet: bool, lang: Option<&str>, site_dir: &std::path::Path) -> ProgressBar {
        let shown = !quiet && std::io::stderr().is_terminal();
        // In the site's language unless --lang says otherwise (as every other message).
        let language = match (shown, lang) {
            (_, Some(lang)) => lang.to_owned(),
            (true, None) => crate::config::load(site_dir).map_or_else(|_| "zh-CN".to_owned(), |c| c.language),
            (false, None) => "zh-CN".to_owned(),
        };
        let bar = shown.then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr_with_hz(10));
            if let Ok(style) = indicatif::ProgressStyle::with_template("{msg} [{bar:32}] {pos}/{len} {elapsed}") {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        ProgressBar { bar, catalog: Catalog::builtin(&language) }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl pipeline::Progress for ProgressBar {
    fn stage(&self, key: &'static str, total: usize) {
        let Some(bar) = &self.bar else { return };
        bar.set_message(self.catalog.get(key));
        bar.set_length(total as u64);
        bar.set_position(0);
    }

    fn advance(&self, done: usize) {
        if let Some(bar) = &self.bar {
            bar.inc(done as u64);
        }
    }
}

fn serve(
    site_dir: PathBuf,
    port: u16,
    bind: String,
    open: bool,
    drafts: bool,
    quiet: bool,
    lang: Option<String>,
) -> i32 {
    let loopback = bind == "127.0.0.1" || bind == "localhost" || bind == "::1";
    let catalog = site_catalog(&site_dir, lang.as_deref());
    // A folder that is not there cannot be watched: say so as `build` does (no configuration in
    // it, and how to make a site), rather than with the watcher's words.
    if !site_dir.is_dir() {
        if let Err(problems) = crate::config::load(&site_dir) {
            report(&problems, &catalog);
        }
        return 1;
    }
    let options = crate::serve::ServeOptions { site_dir, port, bind, drafts, lang: lang.clone() };
    let result = crate::serve::run(options, |addr, site_catalog, snapshot| {
        let catalog = match &lang {
            Some(lang) => Catalog::builtin(lang),
            None => site_catalog.clone(),
        };
        let url = format!("http://{addr}/");
        if !loopback {
            eprintln!(
                "{}: {}",
                catalog.get("cli.warning"),
                catalog.format("cli.serve_exposed", &[("addr", addr.to_string())])
            );
        }
        if addr.port() != port && port != 0 {
            eprintln!("{}", catalog.format("cli.serve_port_taken", &[("port", port.to_string())]));
        }
        for text in snapshot.diagnostic_texts() {
            eprintln!("{text}");
        }
        if !quiet || snapshot.errors > 0 {
            println!(
                "{}",
                catalog.format("cli.serve_ready", &[("url", url.clone()), ("pages", snapshot.files.len().to_string())])
            );
        }
        if open {
            open_browser(&url);
        }
    });
    let message = match result {
        Ok(()) => return 0,
        Err(crate::serve::ServeError::Bind { addr, source }) => {
            catalog.format("cli.serve_listen_failed", &[("addr", addr), ("detail", source.to_string())])
        }
        Err(crate::serve::ServeError::Watch { path, detail }) => {
            catalog.format("cli.serve_watch_failed", &[("path", path.display().to_string()), ("detail", detail)])
        }
    };
    eprintln!("{}: {message}", catalog.get("cli.error"));
    1
}

/// Opens `url` in the desktop's browser; where there is none, the printed address is enough.
fn open_browser(url: &str) {
    let command = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let _ = std::process::Command::new(command)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

/// `Photos: 3 (1 from the cache), 18.2 MB of originals published as 0.9 MB.`
fn images_line(catalog: &Catalog, stats: &crate::images::Stats) -> String {
    let args = [
        ("images", stats.images.to_string()),
        ("cached", stats.cached.to_string()),
        ("original", megabytes(stats.original_bytes)),
        ("published", megabytes(stats.published_bytes)),
    ];
    catalog.format("cli.build_images", &args)
}

fn megabytes(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1_000_000.0)
    } else {
        format!("{} KB", bytes.div_ceil(1000))
    }
}

/// The messages in `lang`, else in the language of the site in `site_dir`, else in Chinese.
pub(crate) fn site_catalog(site_dir: &std::path::Path, lang: Option<&str>) -> Catalog {
    let language = lang.map(str::to_owned).or_else(|| crate::config::load(site_dir).ok().map(|c| c.language));
    Catalog::builtin(language.as_deref().unwrap_or("zh-CN"))
}

fn catalog_for(outcome: &Outcome, lang: Option<&str>) -> Catalog {
    match lang {
        Some(lang) => Catalog::builtin(lang),
        None => outcome.catalog.clone(),
    }
}

/// A failed build leaves the last good portal as it was, and says so only when there is one.
fn failed_key(options: &BuildOptions) -> &'static str {
    if options.has_portal() { "cli.build_failed" } else { "cli.build_failed_none" }
}

fn summary_line(catalog: &Catalog, key: &str, outcome: &Outcome) -> String {
    let args = [
        ("errors", outcome.errors().to_string()),
        ("warnings", outcome.warnings().to_string()),
        ("files", outcome.files.to_string()),
    ];
    catalog.format(key, &args)
}

fn report(diagnostics: &[Diagnostic], catalog: &Catalog) {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    for diagnostic in diagnostics {
        eprintln!("{}", diagnostic.render(catalog, color));
    }
}

/// The diagnostics as a GitLab Code Quality report: one issue per diagnostic, with a stable
/// fingerprint (code, file, line, message) so GitLab can tell new findings from old ones.
pub fn gitlab_report(outcome: &Outcome, catalog: &Catalog, prefix: &str) -> String {
    let issues: Vec<serde_json::Value> = outcome
        .diagnostics
        .iter()
        .map(|d| {
            let message = d.message(catalog);
            let line = d.location.map_or(1, |l| l.line);
            let path = format!("{prefix}{}", d.file.as_deref().unwrap_or(crate::config::CONFIG_FILE));
            let fingerprint = crate::assets::content_hash(format!("{}|{path}|{line}|{message}", d.code).as_bytes());
            // The advice follows the message; the fingerprint stays the message's.
            let description = std::iter::once(message.clone()).chain(d.advice(catalog)).collect::<Vec<_>>().join(" — ");
            serde_json::json!({
                "description": description,
                "check_name": d.code,
                "fingerprint": fingerprint,
                "severity": if d.is_error() { "major" } else { "minor" },
                "location": { "path": path, "lines": { "begin": line } },
            })
        })
        .collect();
    serde_json::Value::Array(issues).to_string()
}

/// The diagnostics as workflow commands, which GitHub, Gitea and Forgejo Actions show as
/// annotations on the changed lines.
pub fn github_report(outcome: &Outcome, catalog: &Catalog, prefix: &str) -> String {
    let escape = |s: &str| s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    let property = |s: &str| escape(s).replace(':', "%3A").replace(',', "%2C");
    let mut out = String::new();
    for d in &outcome.diagnostics {
        let kind = if d.is_error() { "error" } else { "warning" };
        let mut props = vec![format!("title={}", property(d.code))];
        if let Some(file) = &d.file {
            props.insert(0, format!("file={}", property(&format!("{prefix}{file}"))));
        }
        if let Some(location) = d.location {
            props.push(format!("line={}", location.line));
            props.push(format!("col={}", location.column));
        }
        let text = std::iter::once(d.message(catalog)).chain(d.advice(catalog)).collect::<Vec<_>>().join("\n");
        out.push_str(&format!("::{kind} {}::{}\n", props.join(","), escape(&text)));
    }
    out
}

/// The diagnostics as JSON, for editors' tools, CI annotations and the preview overlay.
pub fn json_report(outcome: &Outcome, catalog: &Catalog) -> String {
    let items: Vec<serde_json::Value> = outcome
        .diagnostics
        .iter()
        .map(|d| {
            serde_json::json!({
                "severity": d.severity,
                "code": d.code,
                "file": d.file,
                "line": d.location.map(|l| l.line),
                "column": d.location.map(|l| l.column),
                "message": d.message(catalog),
                "expected": d.expected(catalog),
                "hint": d.hint(catalog),
                "suggestion": d.suggestion,
                "source_line": d.source_line,
                "text": d.render(catalog, false),
            })
        })
        .collect();
    serde_json::json!({ "errors": outcome.errors(), "warnings": outcome.warnings(), "files": outcome.files, "diagnostics": items })
        .to_string()
}
