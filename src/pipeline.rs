//! The build, once, top to bottom: configuration → theme → case files → front matter and
//! validation → Markdown and links → site model → pages → output. Every stage adds to one list of
//! diagnostics; the portal is written only when there is no error, so a failed build leaves the
//! last good portal untouched.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::{self, Config};
use crate::content::links::{CaseLinks, Targets};
use crate::content::{FrontMatter, SourceFile, front_matter, load, validate};
use crate::diagnostics::{self, Diagnostic, Lines, Location};
use crate::i18n::Catalog;
use crate::markdown;
use crate::output::Staging;
use crate::render::{self, PageKind, Renderer, theme::Theme};
use crate::site::{self, Asset, Site};

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub site_dir: PathBuf,
    /// Defaults to `SITE_DIR/public`.
    pub out_dir: Option<PathBuf>,
    pub base_url: Option<String>,
    pub drafts: bool,
    /// The portal the new one replaces, when it is not the output folder itself: `publish` builds
    /// each version into a new folder, and keeps (hard-links) the files of the version now served
    /// whose bytes it would write again.
    pub keep_from: Option<PathBuf>,
    /// Build even when the output's record says nothing changed (see `freshness`).
    pub force: bool,
}

impl BuildOptions {
    pub fn new(site_dir: impl Into<PathBuf>) -> Self {
        BuildOptions { site_dir: site_dir.into(), ..Default::default() }
    }

    pub fn out_dir(&self) -> PathBuf {
        self.out_dir.clone().unwrap_or_else(|| self.site_dir.join("public"))
    }

    /// Whether a portal is there that a failed build leaves as it was (the summary says so only
    /// then).
    pub fn has_portal(&self) -> bool {
        self.keep_from.as_deref().unwrap_or(&self.out_dir()).is_dir()
    }
}

/// What a run produced: its diagnostics (sorted), the strings to report them in, and the site.
pub struct Outcome {
    pub diagnostics: Vec<Diagnostic>,
    pub catalog: Catalog,
    pub site: Option<Site>,
    /// Pages written (0 for `check`).
    pub pages: usize,
    /// Case files read, drafts included.
    pub files: usize,
    /// What publishing the photos did (`build` only).
    pub images: crate::images::Stats,
    /// Set when `build` found the output up to date and did nothing: what the last build made.
    pub up_to_date: Option<crate::freshness::Record>,
}

impl Outcome {
    pub fn has_errors(&self) -> bool {
        diagnostics::has_errors(&self.diagnostics)
    }

    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

/// Told how far a build got (the command line draws a progress bar on a terminal). Stages are the
/// keys of their names in the theme's strings (`cli.progress_render` …); `total` 0 means unknown.
pub trait Progress: Sync {
    fn stage(&self, _key: &'static str, _total: usize) {}
    fn advance(&self, _done: usize) {}
}

pub use crate::timings::Timings;

/// No progress shown.
pub struct Silent;

impl Progress for Silent {}

/// Everything `exemplar check` validates, without writing anything.
pub fn check(options: &BuildOptions) -> Outcome {
    model(options, Purpose::Check)
}

/// The site model with every case's text, for the search engine (`exemplar search`), after the
/// checks of [`check`].
pub fn searchable(options: &BuildOptions) -> Outcome {
    model(options, Purpose::Search)
}

fn model(options: &BuildOptions, purpose: Purpose) -> Outcome {
    let timings = Timings::new();
    match Project::open(options.clone()) {
        Ok(mut project) => {
            timings.lap("open");
            project.scan();
            timings.lap("scan");
            project.purpose = purpose;
            project.keep_files = false;
            let mut outcome = project.assemble();
            timings.lap("assemble");
            // Compiling the templates catches their syntax errors without rendering every page;
            // `check` then renders one page of each kind, for the errors only rendering meets.
            if let Some(site) = &outcome.site {
                match Renderer::new(site, &project.theme) {
                    Err(problems) => outcome.diagnostics.extend(problems),
                    Ok(renderer) if purpose == Purpose::Check => {
                        outcome.diagnostics.extend(render::render_samples(site, &renderer));
                    }
                    Ok(_) => {}
                }
            }
            timings.lap("templates");
            outcome
        }
        Err(outcome) => outcome,
    }
}

/// What a project's site model is for, and so what it must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Pages will be rendered from it: everything, related cases included.
    Pages,
    /// It will be searched: the cases' text, but no related cases (only pages show them).
    Search,
    /// It is only checked: neither the bodies' HTML and text nor the related cases are kept.
    Check,
}

/// Validates, renders and writes the portal. The site it returns has no plain text in its
/// bodies (freed once the search index is written): use [`searchable`] to search it.
pub fn build(options: &BuildOptions) -> Outcome {
    build_with(options, &Silent)
}

/// [`build`], telling `progress` how far it got.
pub fn build_with(options: &BuildOptions, progress: &dyn Progress) -> Outcome {
    progress.stage("cli.progress_read", 0);
    let timings = Timings::new();
    // Worked out before anything is read: a file saved during the build makes the next one run.
    let fingerprint = crate::freshness::fingerprint(options, &options.out_dir());
    let last = crate::freshness::Record::read(&options.out_dir());
    timings.lap("fingerprint");
    if let (Some(fingerprint), Some(last)) = (fingerprint, &last)
        && last.is_current(&options.site_dir, fingerprint)
        && !options.force
        && clean_up_after_killed_builds(&options.out_dir())
    {
        // Only the configuration is read, for the language of the report.
        let language =
            config::load(&options.site_dir).map_or_else(|_| crate::i18n::LANGUAGES[0].to_owned(), |c| c.language);
        return Outcome {
            diagnostics: Vec::new(),
            catalog: Catalog::builtin(&language),
            site: None,
            pages: last.pages,
            files: last.cases,
            images: Default::default(),
            up_to_date: last.clone().into(),
        };
    }
    let mut project = match Project::open(options.clone()) {
        Ok(project) => project,
        Err(outcome) => return outcome,
    };
    timings.lap("open");
    project.scan();
    timings.lap("scan");
    project.keep_files = false;
    let mut outcome = project.assemble();
    timings.lap("assemble");
    if outcome.has_errors() {
        return outcome;
    }
    // A build with warnings records them: the next build is not skipped, and reports them again.
    let warnings = outcome.warnings();
    let Some(site) = outcome.site.as_mut() else { return outcome };
    match write_portal(options, site, &project.theme, progress, &timings, fingerprint.map(|f| (f, warnings))) {
        Ok((pages, images)) => {
            outcome.pages = pages;
            outcome.images = images;
        }
        Err(problems) => outcome.diagnostics.extend(problems),
    }
    outcome
}

fn write_portal(
    options: &BuildOptions,
    site: &mut Site,
    theme: &Theme,
    progress: &dyn Progress,
    timings: &Timings,
    fingerprint: Option<(u64, usize)>,
) -> Result<(usize, crate::images::Stats), Vec<Diagnostic>> {
    let out_dir = options.out_dir();
    check_out_dir(&options.site_dir, &out_dir)?;
    let mut renderer = Renderer::new(site, theme)?;
    let fail = |err: crate::output::OutputError| vec![output_diagnostic(&out_dir, &err)];
    // Stylesheets and scripts under content-hashed names (see `assets`).
    let static_files = crate::assets::static_files(theme, true)
        .map_err(|err| vec![Diagnostic::error("write_failed").arg("path", "static/").arg("detail", err.to_string())])?;
    renderer.set_assets(&crate::assets::names(&static_files));
    let staging = Staging::keeping_from(&out_dir, options.keep_from.as_deref()).map_err(fail)?;
    let write = |rel: &str, bytes: &[u8]| staging.write(rel, bytes).map_err(|e| e.detail());
    let write_page = |rel: &str, bytes: &[u8]| {
        progress.advance(1);
        write(rel, bytes)
    };
    // The search index first: only it reads the bodies' plain text, which it frees as it goes
    // (about 45 MB at 10,000 cases), for the postings and then the pages to use. A theme without
    // a search page has no use for it.
    if renderer.makes_search() {
        progress.stage("cli.progress_search", 0);
        crate::search::write_index_freeing_text(site, &write).map_err(|detail| {
            vec![Diagnostic::error("write_failed").arg("path", out_dir.display().to_string()).arg("detail", detail)]
        })?;
    }
    let site: &Site = site;
    timings.lap("search");
    let all_pages = renderer.pages(site);
    progress.stage("cli.progress_render", all_pages.len());
    timings.lap("prepare");
    let summaries = render::Summaries::build(site, None);
    timings.lap("summaries");
    let pages = render::render_pages(site, &renderer, &summaries, &all_pages, &write_page)?;
    // The templates and the cards they drew are not needed for the photos.
    drop((summaries, renderer));
    timings.lap("render");
    // Each under its hashed name and its plain one, which the theme's own files refer to (see
    // `assets`): a second write of a few files, each kept from the current output when unchanged.
    for file in &static_files {
        for output in file.outputs() {
            staging.write(&output, &file.bytes).map_err(fail)?;
        }
    }
    // Photos are resized (through the cache); other files are copied as they are.
    let plans = crate::images::site_plans(site);
    let images = crate::images::publish(&options.site_dir, &plans, &site.config.images, &write)
        .map_err(|failures| failures.into_iter().map(|failed| image_diagnostic(site, failed)).collect::<Vec<_>>())?;
    for asset in crate::images::copied_assets(site, &plans) {
        staging.copy(&options.site_dir.join(&asset.source), &asset.output).map_err(fail)?;
    }
    if let Some((fingerprint, warnings)) = fingerprint {
        let extras = crate::freshness::extras(site.assets.iter().map(|a| a.source.as_str()));
        let record = crate::freshness::Record {
            fingerprint: crate::freshness::with_extras(fingerprint, &options.site_dir, &extras),
            pages: all_pages.len(),
            cases: site.cases.len(),
            extras,
            warnings,
        };
        staging.write(crate::freshness::RECORD, record.to_text().as_bytes()).map_err(fail)?;
    }
    timings.lap("assets");
    staging.commit().map_err(fail)?;
    timings.lap("commit");
    Ok((pages, images))
}

/// An error of the output folder as a diagnostic, every word of it from the catalog (the system's
/// own message aside).
fn output_diagnostic(out_dir: &Path, err: &crate::output::OutputError) -> Diagnostic {
    use crate::output::OutputError;
    let diagnostic = match err {
        OutputError::Locked { pid, .. } => {
            return Diagnostic::error("output_locked")
                .arg("path", out_dir.display().to_string())
                .arg("pid", pid.clone())
                .arg("lock", crate::output_lock::lock_path(out_dir).display().to_string());
        }
        OutputError::Prepare { path, .. } => Diagnostic::error("write_failed")
            .variant("prepare")
            .arg("path", out_dir.display().to_string())
            .arg("staging", path.display().to_string()),
        OutputError::Write { path, .. } => Diagnostic::error("write_failed").arg("path", path.display().to_string()),
        OutputError::Swap { .. } => {
            Diagnostic::error("write_failed").variant("swap").arg("path", out_dir.display().to_string())
        }
        OutputError::Outside(_) => {
            Diagnostic::error("write_failed").variant("outside").arg("path", out_dir.display().to_string())
        }
    };
    diagnostic.arg("detail", err.detail())
}

/// What killed builds left beside the output is removed by the next build, even one that finds
/// nothing to do. False when another build holds the output (or it cannot be locked): then the
/// build goes on, and reports why it cannot write.
fn clean_up_after_killed_builds(out_dir: &Path) -> bool {
    match crate::output_lock::acquire(out_dir) {
        Ok(Ok(_lock)) => crate::output_lock::clean_stale(out_dir).is_ok(),
        _ => false,
    }
}

/// A photo that could not be published, named with the cases that show it, which is where an
/// editor looks.
fn image_diagnostic(site: &Site, failed: crate::images::Failed) -> Diagnostic {
    let shown_in: Vec<&str> = site
        .cases
        .iter()
        .filter(|case| case.images.iter().any(|plan| plan.source == failed.source))
        .map(|case| case.source.as_str())
        .collect();
    let code = if failed.damaged { "image_damaged" } else { "image_failed" };
    Diagnostic::error(code).file(failed.source).arg("cases", shown_in.join(", ")).arg("detail", failed.detail)
}

/// Refuses an output folder that holds the site itself: replacing it would delete the cases.
fn check_out_dir(site_dir: &Path, out_dir: &Path) -> Result<(), Vec<Diagnostic>> {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (site, out) = (absolute(site_dir), absolute(out_dir));
    let site_real = site.canonicalize().unwrap_or(site.clone());
    let out_real = out.canonicalize().unwrap_or(out.clone());
    if site.starts_with(&out) || site_real.starts_with(&out_real) || out_real.starts_with(site_real.join("content")) {
        return Err(vec![Diagnostic::error("out_dir_unsafe").arg("path", out_dir.display().to_string())]);
    }
    // A build swaps its new folder in where the output is: a link there (a web root's, or one
    // `publish` made to its current version) would be replaced by a folder, and the folder it
    // named kept the old portal.
    if let Ok(target) = std::fs::read_link(out_dir) {
        return Err(vec![
            Diagnostic::error("out_dir_link")
                .arg("path", out_dir.display().to_string())
                .arg("target", target.display().to_string()),
        ]);
    }
    Ok(())
}

/// A case file after reading, parsing and validating it on its own.
struct Loaded {
    file: SourceFile,
    front: FrontMatter,
    slug: String,
}

/// What the assembly of the whole site reads of a case file besides building its case: kept
/// when the file's text and front matter are let go.
struct FileKey {
    slug: String,
    draft: bool,
    /// Where the slug is written, for an error naming it.
    slug_loc: Option<Location>,
    /// The file is there but could not be read (not UTF-8, no front matter …): it has its own
    /// error and no case, yet links to it find it (by the slug of its name), so that a case
    /// linking to it is not told that it does not exist.
    unread: bool,
}

/// One case file's state: what reading it gave, and (once assembled) the case it became.
struct FileState {
    /// Boxed: the map of 10,000 states is moved while it is built, and most of a state is this.
    /// Let go once the case is built (the file is read again if it must be built again).
    loaded: Option<Box<Loaded>>,
    /// A file that could not be read has an `unread` key.
    key: FileKey,
    problems: Vec<Diagnostic>,
    built: Option<Built>,
}

/// A case after its Markdown was rendered and its links resolved.
struct Built {
    case: Option<Arc<site::Case>>,
    assets: Vec<Asset>,
    problems: Vec<Diagnostic>,
    /// The paths its links were resolved against (see [`CaseLinks::looked_up`]): the case is built
    /// again when one of them changes.
    looked_up: Box<[String]>,
}

/// A site held in memory between builds: `build` and `check` use it once; `serve` keeps it and
/// re-reads only the files that changed, so an edit costs one file's work plus the model.
pub struct Project {
    pub options: BuildOptions,
    pub config: Config,
    pub theme: Theme,
    files: BTreeMap<String, FileState>,
    discovery_problems: Vec<Diagnostic>,
    /// The case files and slugs that links were last resolved against; 0 to resolve every
    /// case's links again.
    link_targets: u64,
    /// Other files (images, attachments, folders) changed since the last assembly: the cases
    /// that looked them up are built again.
    changed_files: HashSet<String>,
    /// What links resolve against, kept while `link_targets` holds: an edit that leaves every
    /// case file's path, slug and draft flag alone need not rebuild the map of 10,000 slugs.
    targets: LinkTargets,
    /// The site's git history, read when the project opens and again after a commit or checkout
    /// (see [`Project::refresh_history`]); `None` without git.
    history: Option<crate::history::History>,
    /// What the site model is for (pages unless told otherwise).
    pub purpose: Purpose,
    /// Whether the files' states (their keys, problems and built cases) are kept once the site is
    /// assembled, for the next assembly (`serve`). A one-time build or check drops them then: the
    /// model holds all that pages need. (Each file's text and front matter go in either case as
    /// soon as its case is built.)
    pub keep_files: bool,
}

impl Project {
    /// Reads the configuration and the theme; their errors stop everything else.
    pub fn open(options: BuildOptions) -> Result<Project, Outcome> {
        let site_dir = options.site_dir.as_path();
        let mut outcome = Outcome {
            diagnostics: Vec::new(),
            catalog: Catalog::builtin(crate::i18n::LANGUAGES[0]),
            site: None,
            pages: 0,
            files: 0,
            images: Default::default(),
            up_to_date: None,
        };
        let mut config = match config::load(site_dir) {
            Ok(config) => config,
            Err(problems) => {
                outcome.diagnostics = problems;
                return Err(outcome);
            }
        };
        if let Some(base_url) = &options.base_url {
            config.base_url = base_url.clone();
        }
        outcome.catalog = Catalog::builtin(&config.language);
        match render::theme::load(site_dir, &config) {
            Ok(theme) => Ok(Project {
                history: crate::history::History::read(&options.site_dir),
                options,
                config,
                theme,
                files: BTreeMap::new(),
                discovery_problems: Vec::new(),
                link_targets: 0,
                changed_files: HashSet::new(),
                targets: LinkTargets::default(),
                purpose: Purpose::Pages,
                keep_files: true,
            }),
            Err(problems) => {
                outcome.diagnostics = problems;
                Err(outcome)
            }
        }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.theme.catalog
    }

    /// Drops the case files' states (see `keep_files`).
    fn forget_files(&mut self) {
        let mut files = std::mem::take(&mut self.files);
        // The cases themselves are let go here (a count each): the site model must own them alone
        // when the search index frees their text (`build_freeing_text`), whenever the thread
        // below runs.
        for state in files.values_mut() {
            if let Some(built) = &mut state.built {
                built.case = None;
            }
        }
        // Freed on another thread: 10,000 states of small parts (paths, keys, the links looked
        // up, the problems) take a while to drop, and the pages wait.
        std::thread::spawn(move || drop(files));
    }

    /// Finds and reads every case file.
    pub fn scan(&mut self) {
        let (found, problems) = load::discover(&self.options.site_dir);
        self.discovery_problems = problems;
        let config = &self.config;
        let states: Vec<(String, FileState)> =
            found.par_iter().map(|f| (f.rel_path.clone(), read_case(f, config))).collect();
        self.files = states.into_iter().collect();
    }

    /// Takes note of changed paths (relative to the site folder, or absolute): case files are read
    /// again, new ones added, deleted ones dropped. Any other file that is there (an image) may
    /// change what links resolve to: the cases whose links looked for it are built again at the
    /// next assembly; one that is gone matters only if a case linked to it. (Editors that save by
    /// writing a temporary file beside the case and renaming it leave such a path: it must not
    /// cost a rebuild of every case.)
    pub fn refresh(&mut self, changed: &[PathBuf]) {
        let site_dir = self.options.site_dir.clone();
        // No path at all means "look at everything" (the watcher lost track).
        let told = !changed.is_empty();
        // Looked up only for a path that is gone, not for every save.
        let linked = |rel: &str| {
            self.files.values().filter_map(|f| f.built.as_ref()).any(|b| b.looked_up.iter().any(|p| is_within(p, rel)))
        };
        let changed: HashSet<String> = changed
            .iter()
            .map(|p| if p.is_absolute() { load::rel_to(&site_dir, p) } else { load::rel_to(Path::new(""), p) })
            .filter(|rel| {
                rel.to_ascii_lowercase().ends_with(".md")
                    || std::fs::symlink_metadata(site_dir.join(rel)).is_ok()
                    || linked(rel)
            })
            .collect();
        if told && changed.is_empty() {
            return;
        }
        // Case files saved, added beside known ones or deleted (the usual edits): no need to walk
        // the whole folder (13 ms at 10,000 cases). Anything else (a new folder, a link, a hidden
        // file, a file that became a folder) is found by walking it, as the first scan did.
        let edits: Option<Vec<(&String, bool)>> =
            changed.iter().map(|rel| self.case_file_edit(&site_dir, rel)).collect();
        // A problem the last walk found (an unreadable folder, a link leading out) may be gone.
        if let Some(edits) = edits.filter(|edits| !edits.is_empty() && self.discovery_problems.is_empty()) {
            let config = &self.config;
            let states: Vec<(String, FileState)> = edits
                .par_iter()
                .filter(|(_, there)| *there)
                .map(|(rel, _)| ((*rel).clone(), read_case(&load::Found::at(&site_dir, rel), config)))
                .collect();
            for (rel, _) in edits.iter().filter(|(_, there)| !there) {
                self.files.remove(*rel);
            }
            self.files.extend(states);
            return;
        }
        let (found, problems) = load::discover(&site_dir);
        self.discovery_problems = problems;
        if !told {
            self.link_targets = 0;
        }
        self.changed_files.extend(changed.iter().filter(|p| !p.to_ascii_lowercase().ends_with(".md")).cloned());
        let present: HashSet<&str> = found.iter().map(|f| f.rel_path.as_str()).collect();
        self.files.retain(|path, _| present.contains(path.as_str()));
        let stale: Vec<&load::Found> =
            found.iter().filter(|f| changed.contains(&f.rel_path) || !self.files.contains_key(&f.rel_path)).collect();
        let config = &self.config;
        let states: Vec<(String, FileState)> =
            stale.par_iter().map(|f| (f.rel_path.clone(), read_case(f, config))).collect();
        self.files.extend(states);
    }

    /// After a change in the git folder: when the repository is at another commit (a commit, an
    /// amend, a reset, a checkout), the history is read again and the case files whose history
    /// changed are returned (absolute paths), to be refreshed like saved files. Empty when the
    /// commit is the same.
    pub fn refresh_history(&mut self) -> Vec<PathBuf> {
        let site_dir = &self.options.site_dir;
        let head = crate::history::head_commit(site_dir);
        if head.as_deref() == self.history.as_ref().map(|h| h.head.as_str()) {
            return Vec::new();
        }
        let history = crate::history::History::read(site_dir);
        let same_prefix = self.history.as_ref().map(|h| &h.prefix) == history.as_ref().map(|h| &h.prefix);
        let changed = self
            .files
            .keys()
            .filter(|rel| {
                !same_prefix
                    || self.history.as_ref().and_then(|h| h.file(rel)) != history.as_ref().and_then(|h| h.file(rel))
            })
            .map(|rel| site_dir.join(rel))
            .collect();
        self.history = history;
        changed
    }

    /// Whether the changed path `rel` is a case file saved (`true`), added in a folder that holds
    /// known case files (`true`) or deleted (`false`): what walking the folder would find for it,
    /// found without the walk. `None` for any other path.
    fn case_file_edit<'a>(&self, site_dir: &Path, rel: &'a String) -> Option<(&'a String, bool)> {
        let path = Path::new(rel);
        let in_content = path.starts_with(load::CONTENT_DIR)
            && load::is_markdown(path)
            && !path.components().any(|c| load::is_hidden(c.as_os_str()));
        if !in_content {
            return None;
        }
        match std::fs::symlink_metadata(site_dir.join(rel)) {
            Ok(meta) if meta.is_file() => {
                let parent = rel.rsplit_once('/').map_or("", |(parent, _)| parent);
                // The first known path from `parent/` on is inside `parent` if any is.
                let folder_known = parent == load::CONTENT_DIR
                    || self
                        .files
                        .range(format!("{parent}/")..)
                        .next()
                        .is_some_and(|(known, _)| is_within(known, parent));
                (self.files.contains_key(rel) || folder_known).then_some((rel, true))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && self.files.contains_key(rel) => Some((rel, false)),
            _ => None,
        }
    }

    /// Checks the files against each other, resolves links, and builds the site model when no
    /// file has an error. Cases whose file and link targets did not change are reused as they were.
    pub fn assemble(&mut self) -> Outcome {
        self.assemble_after(None)
    }

    /// [`Project::assemble`], reusing what it can of `previous`, the site this project last
    /// assembled (see [`Site::after`]).
    pub fn assemble_after(&mut self, previous: Option<&Site>) -> Outcome {
        let timings = Timings::new();
        let mut outcome = Outcome {
            diagnostics: self.discovery_problems.clone(),
            catalog: self.theme.catalog.clone(),
            site: None,
            pages: 0,
            files: self.files.len(),
            images: Default::default(),
            up_to_date: None,
        };
        // A shallow clone's few commits would give cases false histories and dates: they are left
        // out, which the editor (or the CI's log) is told, with how to fetch the whole history.
        // A warning, so that the build goes on; a build with warnings is never skipped (see
        // `freshness`), so every build of a shallow clone says it again.
        if self.history.as_ref().is_some_and(|h| h.shallow) {
            outcome.diagnostics.push(Diagnostic::warning("history_shallow"));
        }
        let site_dir = self.options.site_dir.as_path();
        let keys: Vec<(&str, &FileKey)> = self.files.iter().map(|(rel, f)| (rel.as_str(), &f.key)).collect();
        let text_of = |rel: &str| match self.files.get(rel).and_then(|f| f.loaded.as_deref()) {
            Some(loaded) => Some(loaded.file.text.clone()),
            None => read_text(site_dir, rel),
        };
        // A file that could not be read has no slug of its own to collide with.
        let read: Vec<(&str, &FileKey)> = keys.iter().filter(|(_, key)| !key.unread).copied().collect();
        let duplicates = duplicate_slugs(&read, &text_of);

        let drafts_built = self.options.drafts;
        let targets_fingerprint = fingerprint(&keys, drafts_built);
        let mut changed = std::mem::take(&mut self.changed_files);
        if targets_fingerprint != self.link_targets {
            if self.link_targets == 0 {
                // Resolved for the first time (or again from scratch): every case is built.
                self.targets = LinkTargets::default();
                self.targets.update(&keys, drafts_built, None);
                self.files.values_mut().for_each(|f| f.built = None);
            } else {
                // A case added, removed, renamed or made a draft: only the cases that link to it
                // resolve differently.
                self.targets.update(&keys, drafts_built, Some(&mut changed));
            }
            self.link_targets = targets_fingerprint;
        }
        if !changed.is_empty() {
            // Looked up for every link of every case: a fast hasher.
            let changed: FastSet<&str> = changed.iter().map(String::as_str).collect();
            for state in self.files.values_mut() {
                if state.built.as_ref().is_some_and(|b| b.looked_up.iter().any(|p| touches(p, &changed))) {
                    state.built = None;
                }
            }
        }

        let targets = Targets::new(site_dir, &self.targets.slugs);
        let drafts = &self.targets.drafts;
        let config = &self.config;
        timings.lap("targets");
        let history = self.history.as_ref();
        // The bodies' plain text is for the search index, which only a theme with a search page
        // has (see `Renderer::makes_search`).
        let output = match self.purpose {
            Purpose::Check => markdown::Output::Check,
            Purpose::Pages if !PageKind::Search.template().is_some_and(|t| self.theme.has(t)) => markdown::Output::Html,
            Purpose::Pages | Purpose::Search => markdown::Output::HtmlAndText,
        };
        let plans = crate::images::Plans::default();
        self.files.par_iter_mut().for_each(|(rel, state)| {
            if state.built.is_some() || state.key.unread || (state.key.draft && !drafts_built) {
                return;
            }
            if state.loaded.is_none() {
                // Let go after its case was last built: read again (unchanged, or its own event
                // comes next), as every case is built again when what links resolve against changes.
                *state = read_case(&load::Found::at(site_dir, rel), config);
            }
            let Some(loaded) = state.loaded.as_deref() else { return };
            state.built = Some(build_case(loaded, config, &targets, drafts, history, output, &plans));
            // The file's text and front matter are done with: the case holds what pages need, and
            // the key what the next assembly reads (`serve` keeps 140 MB less at 10,000 cases; in a
            // one-time build they would add to the peak beside every built case).
            state.loaded = None;
        });

        outcome.diagnostics.extend(self.files.values().flat_map(|f| f.problems.iter().cloned()));
        outcome.diagnostics.extend(duplicates);
        let mut cases = Vec::new();
        let mut assets = Vec::new();
        for state in self.files.values() {
            if let Some(built) = &state.built {
                outcome.diagnostics.extend(built.problems.iter().cloned());
                cases.extend(built.case.clone());
                assets.extend(built.assets.iter().cloned());
            }
        }
        diagnostics::sort(&mut outcome.diagnostics);
        timings.lap("markdown");
        if !outcome.has_errors() {
            // Related cases are worked out for pages that show them (see `Theme::names`).
            let related = self.purpose == Purpose::Pages && self.theme.names("related");
            outcome.site = Some(Site::after(previous, self.config.clone(), cases, assets, related));
        }
        if !self.keep_files {
            self.forget_files();
        }
        timings.lap("site model");
        outcome
    }
}

/// Case file (relative to the site folder) → slug for every case in the build, and the drafts
/// left out of it (a link to one is reported as such).
#[derive(Default)]
struct LinkTargets {
    slugs: HashMap<String, String>,
    drafts: HashSet<String>,
}

impl LinkTargets {
    /// Brought up to date with the case files `keys` (in path order), changed in place; the case
    /// files that a link now resolves differently against (added, removed, with a new slug, made
    /// a draft or no longer one) are added to `changed` when given.
    fn update(&mut self, keys: &[(&str, &FileKey)], drafts_built: bool, mut changed: Option<&mut HashSet<String>>) {
        for &(rel, key) in keys {
            let built = drafts_built || !key.draft;
            let before = (self.slugs.get(rel).map(String::as_str), self.drafts.contains(rel));
            if before == (built.then_some(key.slug.as_str()), !built) {
                continue;
            }
            if let Some(changed) = changed.as_deref_mut() {
                changed.insert(rel.to_owned());
            }
            if built {
                self.slugs.insert(rel.to_owned(), key.slug.clone());
                self.drafts.remove(rel);
            } else {
                self.slugs.remove(rel);
                self.drafts.insert(rel.to_owned());
            }
        }
        // Every case file is in one of the two now; any other entry is a file that is gone.
        if self.slugs.len() + self.drafts.len() > keys.len() {
            let gone = |rel: &String| keys.binary_search_by(|(other, _)| (*other).cmp(rel.as_str())).is_err();
            let gone: Vec<String> = self.slugs.keys().chain(&self.drafts).filter(|rel| gone(rel)).cloned().collect();
            for rel in &gone {
                self.slugs.remove(rel);
                self.drafts.remove(rel);
            }
            if let Some(changed) = changed {
                changed.extend(gone);
            }
        }
    }
}

/// Whether `path` is `changed` or lies in the folder `changed`.
fn is_within(path: &str, changed: &str) -> bool {
    path.strip_prefix(changed).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

type FastSet<T> = HashSet<T, foldhash::fast::RandomState>;

/// Whether `path` or a folder holding it is among `changed`.
fn touches(path: &str, changed: &FastSet<&str>) -> bool {
    changed.contains(path) || path.match_indices('/').any(|(slash, _)| changed.contains(&path[..slash]))
}

/// What links resolve against, as a number: every case file (in path order), its slug, and
/// whether it is a draft left out of the build.
fn fingerprint(keys: &[(&str, &FileKey)], drafts_built: bool) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    // Compared only within one run of `serve`, on every edit: a fast hasher (SipHash took 2–3 ms
    // of each edit at 10,000 cases).
    let mut hasher = foldhash::fast::FixedState::with_seed(2).build_hasher();
    for (rel, key) in keys {
        (rel, &key.slug, !drafts_built && key.draft).hash(&mut hasher);
    }
    // Zero means "never resolved": keep it out of the range of real fingerprints.
    hasher.finish().max(1)
}

fn read_case(found: &load::Found, config: &Config) -> FileState {
    // The slug of the file's name, where the front matter gives none.
    let slug_of_name = || {
        let stem = found.rel_path.rsplit('/').next().unwrap_or("").trim_end_matches(".md").trim_end_matches(".MD");
        crate::slug::slugify(stem)
    };
    let file = match load::read(found) {
        Ok(file) => file,
        Err(diagnostic) => {
            // Still a case file that is there, for the links to it (see `FileKey::unread`).
            let key = FileKey { slug: slug_of_name(), draft: false, slug_loc: None, unread: true };
            return FileState { loaded: None, key, problems: vec![diagnostic], built: None };
        }
    };
    let (front, mut problems) = front_matter::parse(&file);
    problems.extend(file.warnings.iter().cloned());
    problems.extend(validate::validate(&file, &front, &config.framework));
    let slug = match &front.slug {
        Some(slug) if crate::slug::is_valid_slug(&slug.value) => slug.value.clone(),
        _ => slug_of_name(),
    };
    let key =
        FileKey { slug: slug.clone(), draft: front.draft, slug_loc: front.slug.as_ref().map(|s| s.loc), unread: false };
    FileState { loaded: Some(Box::new(Loaded { file, front, slug })), key, problems, built: None }
}

/// Two cases may not share a URL; each file is told which other one it collides with.
/// `text_of` gives a file's text, for the line the error shows.
fn duplicate_slugs(keys: &[(&str, &FileKey)], text_of: &dyn Fn(&str) -> Option<String>) -> Vec<Diagnostic> {
    // Counted first: in the usual site no slug repeats, and nothing more is needed.
    // Worked out on every edit in `serve`: with a fast hasher (the default one took 3–4 ms at
    // 10,000 cases).
    let mut counts: HashMap<&str, usize, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(keys.len(), Default::default());
    for (_, key) in keys {
        *counts.entry(key.slug.as_str()).or_default() += 1;
    }
    let mut problems = Vec::new();
    for (rel, key) in keys.iter().filter(|(_, key)| counts.get(key.slug.as_str()).is_some_and(|&n| n > 1)) {
        let others: Vec<&str> =
            keys.iter().filter(|(other, k)| k.slug == key.slug && other != rel).map(|(other, _)| *other).collect();
        let loc = key.slug_loc.unwrap_or(Location::new(1, 1, 3));
        let problem = Diagnostic::error("duplicate_slug")
            .file(*rel)
            .arg("slug", key.slug.clone())
            .arg("other", others.join(", "));
        problems.push(match text_of(rel) {
            Some(text) => problem.at(&text, loc),
            None => problem,
        });
    }
    problems
}

/// A case file's text as [`load::read`] gives it, read again.
fn read_text(site_dir: &Path, rel: &str) -> Option<String> {
    load::read(&load::Found::at(site_dir, rel)).ok().map(|file| file.text)
}

/// A photo the case shows that cannot be published as one (see [`crate::images::Unusable`]): not
/// a picture (an error, as a missing image is) or too large to resize (a warning: it is published
/// as it is). Placed at the first mention of its file name in the case file.
fn unusable_image(
    file: &SourceFile,
    asset: &site::Asset,
    unusable: crate::images::Unusable,
    settings: &crate::images::Settings,
) -> Diagnostic {
    let diagnostic = match unusable {
        crate::images::Unusable::NotAnImage => Diagnostic::error("image_unreadable"),
        crate::images::Unusable::TooLarge { width, height } => Diagnostic::warning("image_too_large")
            .arg("width", width.to_string())
            .arg("height", height.to_string())
            .arg("widest", settings.widths().last().copied().unwrap_or(1600).to_string()),
    };
    // Named as the case names it where it can be (`images/a.jpg` beside the case), else from the
    // site folder; placed at that name, else at the file name.
    let dir = file.rel_path.rsplit_once('/').map_or("", |(dir, _)| dir);
    let written = asset.source.strip_prefix(dir).and_then(|rest| rest.strip_prefix('/')).unwrap_or(&asset.source);
    let diagnostic = diagnostic.file(&file.rel_path).arg("target", written);
    let name = asset.source.rsplit('/').next().unwrap_or(&asset.source);
    let found = file
        .text
        .find(written)
        .map(|at| (at, written.len()))
        .or_else(|| file.text.find(name).map(|at| (at, name.len())));
    match found {
        Some((offset, len)) => diagnostic.at(&file.text, Location::of_offset(&file.text, offset, len)),
        None => diagnostic,
    }
}

/// `text` with the characters that show nothing written as their code point (`U+0009`), so that
/// a message can say what hides in an address.
fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c != ' ' && markdown::invisible(c) {
            out.push_str(&format!("<U+{:04X}>", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Renders one case's Markdown, resolves its links, images and cover, and assembles its model.
fn build_case(
    loaded: &Loaded,
    config: &Config,
    targets: &Targets,
    drafts: &HashSet<String>,
    history: Option<&crate::history::History>,
    output: markdown::Output,
    plans: &crate::images::Plans,
) -> Built {
    let file = &loaded.file;
    let front = &loaded.front;
    let mut problems = Vec::new();
    let links = CaseLinks::new(targets, &file.rel_path, "../../");
    let body = markdown::render_for(file.body(), config.raw_html, &links, output);
    // Placed through one index of the file's lines: a body may hold thousands of them.
    let lines = Lines::new(&file.text);
    if let Some(range) = &body.too_deep {
        let diagnostic = Diagnostic::error("markdown_too_deep").arg("limit", markdown::MAX_NESTING.to_string());
        let diagnostic = diagnostic.file(&file.rel_path);
        problems.push(lines.place(diagnostic, file.body_start + range.start, range.len().clamp(1, 80)));
    }
    for broken in &body.broken {
        let target = crate::content::links::normalize(
            file.rel_path.rsplit_once('/').map_or("", |(d, _)| d),
            broken.destination.split('#').next().unwrap_or(""),
        );
        let code = if target.as_deref().is_some_and(|t| drafts.contains(t)) { "link_to_draft" } else { broken.code };
        let nearest = match code {
            "path_outside" => None,
            "absolute_path" => links.from_root(&broken.destination),
            _ => links.nearest(&broken.destination),
        };
        let diagnostic = Diagnostic::error(code).file(&file.rel_path).arg("target", broken.destination.clone());
        let fullwidth = matches!(code, "broken_link" | "missing_image")
            .then(|| crate::content::links::fullwidth_scheme(&broken.destination))
            .flatten();
        let (diagnostic, nearest) = match fullwidth {
            Some(fixed) => (diagnostic.variant("fullwidth_colon"), Some(fixed)),
            None if broken.destination.trim().is_empty() => (diagnostic.variant("empty"), nearest),
            None => (diagnostic, nearest),
        };
        problems.push(lines.place(
            diagnostic.suggest(nearest),
            file.body_start + broken.range.start,
            broken.range.len(),
        ));
    }
    for dropped in &body.dropped {
        let diagnostic = match &dropped.kind {
            markdown::DroppedKind::Scheme { scheme, hidden } => {
                let variant = match scheme.as_str() {
                    _ if *hidden && markdown::KEPT_SCHEMES.contains(&scheme.as_str()) => "hidden",
                    "javascript" | "vbscript" | "livescript" if *hidden => "script_hidden",
                    "javascript" | "vbscript" | "livescript" => "script",
                    "data" => "data",
                    _ => "other",
                };
                Diagnostic::warning("link_removed").variant(variant).arg("scheme", scheme.clone())
            }
            markdown::DroppedKind::ExternalImage { raw } => {
                let diagnostic = Diagnostic::warning("external_image");
                if *raw { diagnostic.variant("raw") } else { diagnostic }
            }
        };
        let diagnostic = diagnostic.file(&file.rel_path).arg("target", visible(&dropped.destination));
        problems.push(lines.place(diagnostic, file.body_start + dropped.range.start, dropped.range.len()));
    }
    for spaced in &body.spaced {
        let diagnostic =
            Diagnostic::warning("link_with_spaces").file(&file.rel_path).arg("fixed", spaced.fixed.clone());
        let diagnostic = diagnostic.suggest(Some(spaced.fixed.clone()));
        problems.push(lines.place(diagnostic, file.body_start + spaced.range.start, spaced.range.len()));
    }
    let cover = front.cover.as_ref().and_then(|cover| match links.asset(&cover.value, "missing_cover") {
        Ok(output) => Some(output),
        Err(code) => {
            let code = if code == "path_outside" { "path_outside" } else { "missing_cover" };
            let nearest = if code == "path_outside" { None } else { links.nearest(&cover.value) };
            let diagnostic = Diagnostic::error(code).file(&file.rel_path).arg("target", cover.value.clone());
            // `cover: https://…`: not "missing" but on another server.
            let external = code == "missing_cover" && markdown::is_external(&cover.value);
            let diagnostic = if external { diagnostic.variant("external") } else { diagnostic };
            problems.push(diagnostic.suggest(nearest).at(&file.text, cover.loc));
            None
        }
    });
    let assets = links.assets.into_inner();
    let looked_up = links.looked_up.into_inner().into_boxed_slice();
    // Photos: their versions are planned from their headers now, so the body's <img> tags and the
    // cover can offer every width; the pixels are processed when the portal is written.
    let mut body = body;
    let mut images: Vec<Arc<crate::images::Plan>> = Vec::new();
    for asset in &assets {
        match plans.get(targets.site_dir, &asset.source, &asset.output, &config.images) {
            Ok(plan) => images.extend(plan),
            Err(unusable) => problems.push(unusable_image(file, asset, unusable, &config.images)),
        }
    }
    if !images.is_empty() {
        let by_path = images.iter().map(|p| (p.path.as_str(), p.as_ref())).collect();
        body.html = crate::images::rewrite_img_tags(&body.html, "../../", &by_path, &config.images.sizes);
    }
    let cover_image = cover.as_ref().and_then(|c| images.iter().find(|p| &p.path == c)).cloned();
    let fw = &config.framework;
    let (Some(title), Some(site_name), Some(enterprise), Some(status), Some(date)) =
        (&front.title, &front.site, &front.enterprise, &front.status, &front.date)
    else {
        return Built { case: None, assets, problems, looked_up };
    };
    let order = |id: &str| fw.indicators().position(|(_, i)| i.id == id).unwrap_or(usize::MAX);
    let assessments = front
        .assessments
        .iter()
        .map(|a| {
            let mut scores: Vec<(String, f64)> = a.scores.iter().map(|(id, s)| (id.value.clone(), s.value)).collect();
            scores.sort_by_key(|(id, _)| order(id));
            site::Assessment { period: a.period.value.clone(), scores }
        })
        .collect();
    let summary = front.summary.clone().unwrap_or_else(|| body.summary.clone());
    // Git: the commits that touched the file give its history and, unless the front matter says
    // otherwise, its last update (never shown as before the publication date).
    let file_history = history.and_then(|h| h.file(&file.rel_path)).cloned().unwrap_or_default();
    let updated =
        front.updated.as_ref().map(|u| u.value).or_else(|| file_history.last_updated().filter(|d| *d > date.value));
    let source_url = config
        .source_url
        .as_deref()
        .map(|pattern| crate::history::source_url(pattern, history.map_or("", |h| h.prefix.as_str()), &file.rel_path));
    let case = site::Case {
        revision: site::next_revision(),
        source: file.rel_path.clone(),
        path: format!("cases/{}/", loaded.slug),
        slug: loaded.slug.clone(),
        title: title.value.clone(),
        site: site_name.value.clone(),
        enterprise: enterprise.value.clone(),
        unit: front.unit.as_ref().map(|u| u.value.clone()),
        region: front.region.as_ref().map(|r| r.value.clone()),
        status: status.value.clone(),
        date: date.value,
        updated,
        history: file_history,
        source_url,
        summary,
        featured: front.featured,
        draft: front.draft,
        cover,
        cover_image,
        images,
        timeline: front
            .timeline
            .iter()
            .map(|e| site::Event { date: e.date.value, stage: e.stage.value.clone(), note: e.note.clone() })
            .collect(),
        assessments,
        actions: front.actions.iter().map(|a| a.value.clone()).collect(),
        tags: front.tags.iter().map(|t| t.value.clone()).collect(),
        practices: front
            .practices
            .iter()
            .map(|p| site::Practice {
                title: p.title.value.clone(),
                dimension: p.dimension.as_ref().map(|d| d.value.clone()).unwrap_or_default(),
                indicators: p.indicators.iter().map(|i| i.value.clone()).collect(),
                actions: p.actions.iter().map(|a| a.value.clone()).collect(),
                summary: p.summary.clone(),
                steps: p.steps.clone(),
            })
            .collect(),
        extra: front.extra.clone(),
        body,
    };
    Built { case: Some(Arc::new(case)), assets, problems, looked_up }
}
