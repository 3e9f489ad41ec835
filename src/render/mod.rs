//! From the site model to pages, through the theme's Tera templates. Which pages exist and what
//! each one's template sees is decided here; how they look is the theme's business.

pub mod cards;
pub mod charts;
pub mod data;
mod errors;
mod fold;
pub mod portal;
mod tera_text;
pub mod theme;
pub mod views;

use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use rayon::prelude::*;
use serde_json::{Value as Json, json};
use tera::{Context, Tera};

use crate::diagnostics::Diagnostic;
use crate::site::Site;
use theme::{Template, Theme};

/// The templates, with the values every page shares already in their global context.
pub struct Renderer {
    tera: Tera,
    templates: Vec<Template>,
    /// The templates as Tera compiled them, with the interface strings folded in (empty when
    /// none could be: see [`fold`]); their column shifts put errors back on the theme's text.
    folded: Vec<fold::Folded>,
    strings: Json,
    cards: std::sync::Arc<cards::Cards>,
    /// Whether a template names a case's charts (`radar`, `trend`): worked out only then.
    case_charts: bool,
    /// Which of the optional templates the theme has, as bits of [`OPTIONAL_TEMPLATES`]: asked
    /// for every page of every build.
    optional: u8,
    /// The keys of the `assets` map (the theme's static files), for an error about one that is not.
    asset_names: Vec<String>,
}

/// Each case's summary view, built once and shared by every list that shows the case. Kept from
/// one build to the next (in `serve`) for every case whose revision did not change.
#[derive(Default)]
pub struct Summaries {
    fingerprint: u64,
    by_revision: HashMap<u64, tera::Value>,
    /// Revisions in site order.
    order: Vec<u64>,
    /// The framework's values the case pages share.
    framework: views::FrameworkViews,
}

impl Summaries {
    /// The summaries of `site`'s cases, taking those of `previous` whose case did not change.
    pub fn build(site: &Site, previous: Option<&Summaries>) -> Summaries {
        let fingerprint = site.term_paths_fingerprint();
        let old = previous.filter(|p| p.fingerprint == fingerprint).map(|p| &p.by_revision);
        let reused = |revision: &u64| old.and_then(|old| old.get(revision));
        let missing: Vec<usize> =
            (0..site.cases.len()).filter(|&i| reused(&site.cases[i].revision).is_none()).collect();
        let shared = views::SharedViews::new(site, missing.iter().map(|&i| &*site.cases[i]));
        let made: Vec<(u64, tera::Value)> = missing
            .par_iter()
            .map(|&i| {
                let case = &site.cases[i];
                let mut view = views::summary_view(site, case, &shared);
                view.insert(cards::CARD_KEY.into(), cards::card_key(case.revision, fingerprint).into());
                (case.revision, tera::Value::from(view))
            })
            .collect();
        let order: Vec<u64> = site.cases.iter().map(|c| c.revision).collect();
        let mut by_revision = HashMap::with_capacity(order.len());
        for revision in &order {
            if let Some(entry) = reused(revision) {
                by_revision.insert(*revision, entry.clone());
            }
        }
        by_revision.extend(made);
        Summaries { fingerprint, by_revision, order, framework: views::FrameworkViews::new(site) }
    }

    pub(crate) fn value(&self, index: usize) -> tera::Value {
        self.order.get(index).and_then(|r| self.by_revision.get(r)).cloned().unwrap_or_else(tera::Value::none)
    }
}

/// The first page of each template and each part of the portal (a taxonomy's terms, a kind of
/// long list …), rendered and dropped: what `check` finds of the errors only rendering meets (a
/// value a template reads that a page does not have, a static file the theme lacks, a filter given
/// a value it cannot take) without rendering the whole portal. An error that only some cases'
/// values bring is left to `build`. Each error is told once, however many pages share it.
pub fn render_samples(site: &Site, renderer: &Renderer) -> Vec<Diagnostic> {
    let summaries = Summaries::build(site, None);
    let pages = renderer.pages(site);
    let mut sampled = std::collections::HashSet::new();
    let samples: Vec<&Page> = pages
        .iter()
        .filter(|page| {
            let part = page.path.split('/').next().unwrap_or_default();
            page.kind.template().is_some_and(|template| sampled.insert((template, part)))
        })
        .collect();
    let found: Vec<Diagnostic> =
        samples.par_iter().filter_map(|page| renderer.render_bytes(site, &summaries, page).err()).collect();
    let mut problems: Vec<Diagnostic> = Vec::new();
    for problem in found {
        let told = |d: &Diagnostic| (d.code, &d.file, d.location) == (problem.code, &problem.file, problem.location);
        if !problems.iter().any(told) {
            problems.push(problem);
        }
    }
    problems
}

/// What a page shows, as a number: equal numbers mean the page need not be rendered again.
/// Cases are identified by their revision, so this costs a few hashes per page.
pub fn signature(site: &Site, page: &Page, term_fingerprint: u64) -> u64 {
    use std::hash::BuildHasher;
    let mut hasher = foldhash::fast::FixedState::with_seed(0).build_hasher();
    (term_fingerprint, &page.path).hash(&mut hasher);
    let per_page = site.config.paginate_by.max(1);
    let revision = |i: usize| site.cases.get(i).map_or(0, |c| c.revision);
    let page_items = |items: &[usize], n: usize, hasher: &mut foldhash::fast::FoldHasher| {
        (items.len(), page_count(items.len(), per_page)).hash(hasher);
        for &i in items.iter().skip((n - 1) * per_page).take(per_page) {
            revision(i).hash(hasher);
        }
    };
    // Pages that gather the whole portfolio (figures, libraries, reports, feeds, data), and
    // robots.txt (tiny): always render them.
    if page.kind.gathers_portfolio() || matches!(page.kind, PageKind::Robots) {
        crate::site::next_revision().hash(&mut hasher);
        return hasher.finish();
    }
    match &page.kind {
        // The search page is the same for every site state: only templates change it.
        PageKind::Search => {}
        PageKind::Case(i) => {
            (revision(*i), revision(i + 1), i.checked_sub(1).map(revision)).hash(&mut hasher);
            site.related(*i).iter().for_each(|&r| revision(r).hash(&mut hasher));
        }
        PageKind::List(n) => {
            let count = site.cases.len();
            (count, page_count(count, per_page)).hash(&mut hasher);
            ((n - 1) * per_page..count).take(per_page).for_each(|i| revision(i).hash(&mut hasher));
        }
        PageKind::TaxonomyIndex(t) => {
            for term in &site.taxonomies[*t].terms {
                (&term.key, &term.label, &term.slug, term.cases.len()).hash(&mut hasher);
            }
        }
        PageKind::Term(t, k, n) => {
            let term = &site.taxonomies[*t].terms[*k];
            (&term.key, &term.label).hash(&mut hasher);
            page_items(&term.cases, *n, &mut hasher);
            if site.taxonomies[*t].id == "indicator" && *n == 1 {
                // The first page shows the start of the ranking.
                term.cases.iter().take(portal::PREVIEW).for_each(|&i| revision(i).hash(&mut hasher));
            }
        }
        PageKind::Listing(listing, n) => {
            let rows = listing.rows(site, *n);
            listing.len(site).hash(&mut hasher);
            match *listing {
                Listing::Practices(grouping, g) => {
                    let refs = site.library(grouping).get(g).map_or(&[][..], |refs| &refs[rows]);
                    refs.iter().for_each(|&(c, p)| (revision(c), p).hash(&mut hasher));
                }
                Listing::Ranking(t, k) => {
                    let term = &site.taxonomies[t].terms[k];
                    portal::rank_at(site, &term.key, &term.cases, rows.start).hash(&mut hasher);
                    term.cases[rows].iter().for_each(|&i| revision(i).hash(&mut hasher));
                }
                Listing::Report(report) => {
                    site.report(report)[rows].iter().for_each(|&i| revision(i).hash(&mut hasher))
                }
                Listing::Featured => site.featured()[rows].iter().for_each(|&i| revision(i).hash(&mut hasher)),
            }
        }
        // The 404 page; the others were answered above.
        _ => {}
    }
    hasher.finish()
}

/// One output page: where it goes and how to make it.
#[derive(Debug, Clone)]
pub struct Page {
    /// Path relative to the portal root, ending in `/` for a folder page (`cases/a/`).
    pub path: String,
    pub kind: PageKind,
}

#[derive(Debug, Clone)]
pub enum PageKind {
    Home,
    Case(usize),
    /// The list of all cases: page number (1-based).
    List(usize),
    TaxonomyIndex(usize),
    /// Taxonomy index, term index, page number.
    Term(usize, usize, usize),
    NotFound,
    /// The practice library, grouped one way or another.
    Practices(portal::Grouping),
    /// The reports of dynamic management.
    Reports,
    /// One page (1-based) of a long list that an overview shows only the start of.
    Listing(Listing, usize),
    /// Files that are not HTML, written from Rust rather than templates.
    Feed,
    Sitemap,
    Robots,
    DataJson,
    DataCsv,
    /// The search page (`search/`).
    Search,
}

/// A long list with pages of its own (see [`portal::PREVIEW`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// A group of the practice library (its index in the framework's dimensions or actions).
    Practices(portal::Grouping, usize),
    /// An indicator's ranking: the taxonomy's and the term's index.
    Ranking(usize, usize),
    /// A report of dynamic management.
    Report(portal::Report),
    /// The featured cases, as cards.
    Featured,
}

/// Rows on each page of a [`Listing`] of rows (not of cards).
pub const LISTING_PER_PAGE: usize = 100;
/// Featured cases the home page shows; more are listed on pages of their own.
pub const HOME_FEATURED: usize = 6;

impl Listing {
    /// The path of the list's first page.
    fn path(&self, site: &Site) -> String {
        match *self {
            Listing::Practices(grouping, g) => {
                let id = grouping.terms(&site.config.framework).get(g).map_or("", |t| t.id.as_str());
                portal::practice_group_path(grouping, id)
            }
            Listing::Ranking(t, k) => {
                let taxonomy = &site.taxonomies[t];
                format!("{}ranking/", taxonomy.term_path(&taxonomy.terms[k]))
            }
            Listing::Report(report) => portal::report_path(report),
            Listing::Featured => "featured/".to_owned(),
        }
    }

    /// Rows on each of the list's pages: cards as many as a case list shows, other rows
    /// [`LISTING_PER_PAGE`].
    fn per_page(&self, site: &Site) -> usize {
        match self {
            Listing::Featured => site.config.paginate_by.max(1),
            _ => LISTING_PER_PAGE,
        }
    }

    /// How many rows the overview shows before it links to the list's pages.
    fn preview(&self) -> usize {
        match self {
            Listing::Featured => HOME_FEATURED,
            _ => portal::PREVIEW,
        }
    }

    /// The rows page `n` (1-based) shows.
    fn rows(&self, site: &Site, n: usize) -> std::ops::Range<usize> {
        let per_page = self.per_page(site);
        (n - 1) * per_page..(n * per_page).min(self.len(site))
    }

    /// How many rows the list has.
    fn len(&self, site: &Site) -> usize {
        match *self {
            Listing::Practices(grouping, g) => site.library(grouping).get(g).map_or(0, Vec::len),
            Listing::Ranking(t, k) => site.taxonomies[t].terms[k].cases.len(),
            Listing::Report(report) => site.report(report).len(),
            Listing::Featured => site.featured().len(),
        }
    }
}

impl PageKind {
    /// How heavy a page of this kind is, roughly: the pages that show the whole portfolio first.
    fn weight(&self) -> u8 {
        match self {
            PageKind::Practices(_) => 9,
            PageKind::Reports | PageKind::DataJson => 8,
            PageKind::DataCsv | PageKind::Home | PageKind::Sitemap => 7,
            PageKind::TaxonomyIndex(_) | PageKind::Feed => 5,
            _ => 0,
        }
    }

    /// A page a reader opens first: a case, the first page of a list, a taxonomy's index.
    pub fn first_look(&self) -> bool {
        matches!(
            self,
            PageKind::Case(_)
                | PageKind::List(1)
                | PageKind::TaxonomyIndex(_)
                | PageKind::Term(_, _, 1)
                | PageKind::Listing(_, 1)
                | PageKind::NotFound
                | PageKind::Search
        )
    }

    /// A page drawn from every case of the portfolio (figures, libraries, reports, feeds, data).
    pub fn gathers_portfolio(&self) -> bool {
        matches!(
            self,
            PageKind::Home
                | PageKind::Practices(_)
                | PageKind::Reports
                | PageKind::Feed
                | PageKind::Sitemap
                | PageKind::DataJson
                | PageKind::DataCsv
        )
    }

    /// The theme template a page of this kind is drawn with; `None` for the files written
    /// without one (feed, sitemap, robots.txt, data files).
    pub fn template(&self) -> Option<&'static str> {
        Some(match self {
            PageKind::Home => "index.html",
            PageKind::Case(_) => "case.html",
            PageKind::List(_) => "list.html",
            PageKind::TaxonomyIndex(_) => "taxonomy.html",
            PageKind::Term(..) => "term.html",
            PageKind::NotFound => "404.html",
            PageKind::Practices(_) => "practices.html",
            PageKind::Reports => "reports.html",
            PageKind::Listing(..) => "listing.html",
            PageKind::Search => "search.html",
            PageKind::Feed | PageKind::Sitemap | PageKind::Robots | PageKind::DataJson | PageKind::DataCsv => {
                return None;
            }
        })
    }

    /// The kind's name in the stage timings.
    fn name(&self) -> &'static str {
        match self {
            PageKind::Home => "home",
            PageKind::Case(_) => "case",
            PageKind::List(_) => "list",
            PageKind::TaxonomyIndex(_) => "taxonomy",
            PageKind::Term(..) => "term",
            PageKind::NotFound => "404",
            PageKind::Practices(portal::Grouping::Dimension) => "practices",
            PageKind::Practices(portal::Grouping::Action) => "practices/action",
            PageKind::Reports => "reports",
            PageKind::Listing(..) => "listing",
            PageKind::Feed => "feed",
            PageKind::Sitemap => "sitemap",
            PageKind::Robots => "robots",
            PageKind::DataJson => "cases.json",
            PageKind::DataCsv => "cases.csv",
            PageKind::Search => "search",
        }
    }
}

/// With `EXEMPLAR_TIMINGS` set, the time spent on each kind of page (summed over the threads)
/// goes to stderr after the render, beside the pipeline's stage timings.
struct KindTimings(Option<Mutex<std::collections::BTreeMap<&'static str, (usize, std::time::Duration)>>>);

impl KindTimings {
    fn new() -> KindTimings {
        KindTimings(std::env::var_os("EXEMPLAR_TIMINGS").map(|_| Mutex::default()))
    }

    fn start(&self) -> Option<std::time::Instant> {
        self.0.as_ref().map(|_| std::time::Instant::now())
    }

    fn add(&self, kind: &PageKind, start: Option<std::time::Instant>) {
        if let (Some(map), Some(start)) = (&self.0, start)
            && let Ok(mut map) = map.lock()
        {
            let entry = map.entry(kind.name()).or_default();
            entry.0 += 1;
            entry.1 += start.elapsed();
        }
    }

    fn report(self) {
        if let Some(map) = self.0 {
            for (name, (count, time)) in map.into_inner().unwrap_or_default() {
                eprintln!("timing   {name:<16} {:>8.1} ms  {count} pages", time.as_secs_f64() * 1000.0);
            }
        }
    }
}

impl Page {
    /// The file this page is written to.
    pub fn file(&self) -> String {
        page_file(&self.path)
    }
}

/// The file a page at `path` is written to (`cases/a/` → `cases/a/index.html`).
pub fn page_file(path: &str) -> String {
    if path.ends_with('/') || path.is_empty() { format!("{path}index.html") } else { path.to_owned() }
}

/// How a page at `path` reaches the portal root: `""`, `"../"`, `"../../"` …
pub fn root_of(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}

fn page_path(base: &str, page: usize) -> String {
    if page <= 1 { base.to_owned() } else { format!("{base}page/{page}/") }
}

fn page_count(items: usize, per_page: usize) -> usize {
    items.div_ceil(per_page.max(1)).max(1)
}

/// The templates every theme must have. The others are the theme's choice: without `search.html`,
/// `practices.html`, `reports.html`, `listing.html` or `404.html` the portal has no such pages (and
/// without a search page, no search index); see [`Renderer::makes`].
pub const REQUIRED_TEMPLATES: [&str; 5] = ["index.html", "case.html", "list.html", "taxonomy.html", "term.html"];

const OPTIONAL_TEMPLATES: [&str; 5] = ["search.html", "practices.html", "reports.html", "listing.html", "404.html"];

/// Every page of the portal whose kind `makes` keeps, in a stable order. The long lists a theme
/// does not show are not even worked out.
fn pages(site: &Site, makes: &dyn Fn(&PageKind) -> bool) -> Vec<Page> {
    let per_page = site.config.paginate_by;
    let mut pages = vec![Page { path: String::new(), kind: PageKind::Home }];
    pages.extend(site.cases.iter().enumerate().map(|(i, c)| Page { path: c.path.clone(), kind: PageKind::Case(i) }));
    for n in 1..=page_count(site.cases.len(), per_page) {
        pages.push(Page { path: page_path("cases/", n), kind: PageKind::List(n) });
    }
    for (t, taxonomy) in site.taxonomies.iter().enumerate() {
        pages.push(Page { path: taxonomy.path(), kind: PageKind::TaxonomyIndex(t) });
        for (k, term) in taxonomy.terms.iter().enumerate() {
            for n in 1..=page_count(term.cases.len(), per_page) {
                pages.push(Page { path: page_path(&taxonomy.term_path(term), n), kind: PageKind::Term(t, k, n) });
            }
        }
    }
    pages.push(Page { path: "practices/".to_owned(), kind: PageKind::Practices(portal::Grouping::Dimension) });
    pages.push(Page { path: "practices/action/".to_owned(), kind: PageKind::Practices(portal::Grouping::Action) });
    pages.push(Page { path: "reports/".to_owned(), kind: PageKind::Reports });
    // The long lists that an overview shows only the start of.
    let mut listings: Vec<Listing> = Vec::new();
    for grouping in [portal::Grouping::Dimension, portal::Grouping::Action] {
        if makes(&PageKind::Listing(Listing::Practices(grouping, 0), 1)) {
            listings.extend((0..site.library(grouping).len()).map(|g| Listing::Practices(grouping, g)));
        }
    }
    for (t, taxonomy) in site.taxonomies.iter().enumerate().filter(|(_, t)| t.id == "indicator") {
        listings.extend((0..taxonomy.terms.len()).map(|k| Listing::Ranking(t, k)));
    }
    listings.extend([portal::Report::Below, portal::Report::Due, portal::Report::Revoked].map(Listing::Report));
    listings.push(Listing::Featured);
    for listing in listings.into_iter().filter(|listing| makes(&PageKind::Listing(*listing, 1))) {
        let len = listing.len(site);
        if len > listing.preview() {
            let base = listing.path(site);
            for n in 1..=page_count(len, listing.per_page(site)) {
                pages.push(Page { path: page_path(&base, n), kind: PageKind::Listing(listing, n) });
            }
        }
    }
    pages.push(Page { path: "search/".to_owned(), kind: PageKind::Search });
    pages.push(Page { path: "404.html".to_owned(), kind: PageKind::NotFound });
    for (path, kind) in [
        ("feed.xml", PageKind::Feed),
        ("sitemap.xml", PageKind::Sitemap),
        ("robots.txt", PageKind::Robots),
        ("data/cases.json", PageKind::DataJson),
        ("data/cases.csv", PageKind::DataCsv),
    ] {
        pages.push(Page { path: path.to_owned(), kind });
    }
    pages.retain(|page| makes(&page.kind));
    pages
}

/// The `fill` filter: `{{ t.list.summary | fill(n=count) }}` fills a string's placeholders, and
/// picks the English word that agrees with a number (`{n|case|cases}`), as [`crate::i18n::fill`] does for
/// the command line's messages.
fn fill(template: &str, kwargs: tera::Kwargs, _: &tera::State) -> String {
    let args: Vec<(&str, String)> =
        kwargs.iter().filter_map(|(name, value)| Some((name.as_str()?, value.to_string()))).collect();
    crate::i18n::fill(template, &args)
}

impl Renderer {
    pub fn new(site: &Site, theme: &Theme) -> Result<Renderer, Vec<Diagnostic>> {
        Self::check_required(theme)?;
        let mut tera = Tera::new();
        let cards = std::sync::Arc::new(cards::Cards::default());
        cards.register(&mut tera);
        tera.register_filter("fill", fill);
        let templates = theme.templates.clone();
        let folded = fold::fold_strings(templates.iter().map(|t| (t.name.as_str(), t.text.as_str())), &theme.strings)
            .unwrap_or_default();
        let text = |i: usize| folded.get(i).map_or(templates[i].text.as_str(), |f| f.text.as_str());
        if let Err(err) = tera.add_raw_templates(templates.iter().enumerate().map(|(i, t)| (t.name.as_str(), text(i))))
        {
            return Err(errors::diagnostics(&err, &errors::Sources { templates: &templates, folded: &folded }, None));
        }
        // A string the theme has not (`t.home.figuers`) would fail every page that prints it.
        let unknown = errors::unknown_strings(&templates, &theme.strings);
        if !unknown.is_empty() {
            return Err(unknown);
        }
        let global = tera.global_context();
        global.insert_value("site", views::tera(&views::site_view(&site.config)));
        global.insert_value("framework", views::tera(&views::framework_view(site)));
        global.insert_value("nav", views::tera(&views::nav_view(site, &theme.strings)));
        global.insert_value("t", views::tera(&theme.strings));
        // Static files under their plain names until `set_assets` gives the published ones.
        global.insert("assets", &crate::assets::plain_names(theme));
        let case_charts = theme.names("radar") || theme.names("trend");
        let optional = (OPTIONAL_TEMPLATES.iter().enumerate())
            .filter(|(_, name)| theme.has(name))
            .fold(0u8, |bits, (i, _)| bits | 1 << i);
        let asset_names = theme.static_files.iter().map(|(rel, _)| rel.clone()).collect();
        Ok(Renderer {
            tera,
            templates,
            folded,
            strings: theme.strings.clone(),
            cards,
            case_charts,
            optional,
            asset_names,
        })
    }

    /// Every template of [`REQUIRED_TEMPLATES`] is there, or an error names each missing one.
    fn check_required(theme: &Theme) -> Result<(), Vec<Diagnostic>> {
        let missing: Vec<Diagnostic> = REQUIRED_TEMPLATES
            .iter()
            .filter(|name| !theme.has(name))
            .map(|name| {
                Diagnostic::error("template_missing")
                    .arg("template", *name)
                    .arg("required", REQUIRED_TEMPLATES.join(", "))
            })
            .collect();
        if missing.is_empty() { Ok(()) } else { Err(missing) }
    }

    /// Whether the theme has `name`, one of the required templates (checked in [`Renderer::new`])
    /// or of [`OPTIONAL_TEMPLATES`].
    fn has_template(&self, name: &str) -> bool {
        OPTIONAL_TEMPLATES.iter().position(|t| *t == name).is_none_or(|i| self.optional & (1 << i) != 0)
    }

    /// Whether the portal has pages of this kind: those the theme has a template for. A long
    /// list's own pages are made only beside the overview that links to them.
    pub fn makes(&self, kind: &PageKind) -> bool {
        let overview = match kind {
            PageKind::Listing(Listing::Practices(..), _) => Some("practices.html"),
            PageKind::Listing(Listing::Report(_), _) => Some("reports.html"),
            _ => None,
        };
        kind.template().is_none_or(|t| self.has_template(t)) && overview.is_none_or(|t| self.has_template(t))
    }

    /// Whether the search index is written: only for a theme with a search page.
    pub fn makes_search(&self) -> bool {
        self.makes(&PageKind::Search)
    }

    /// Every page of the portal, in a stable order.
    pub fn pages(&self, site: &Site) -> Vec<Page> {
        pages(site, &|kind| self.makes(kind))
    }

    /// The `assets` map templates see (`assets["style.css"]` → `static/style.3f2a9c1b.css`).
    pub fn set_assets(&mut self, names: &std::collections::BTreeMap<String, String>) {
        self.tera.global_context().insert("assets", names);
        self.cards.forget();
    }

    /// Renders one page to HTML (or the text of a data file).
    pub fn render(&self, site: &Site, summaries: &Summaries, page: &Page) -> Result<String, Diagnostic> {
        let bytes = self.render_bytes(site, summaries, page)?;
        // Tera writes only strings, so this never has to replace anything.
        Ok(String::from_utf8(bytes).unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned()))
    }

    /// [`Renderer::render`] as bytes (UTF-8), without checking the page again: what the build writes.
    pub fn render_bytes(&self, site: &Site, summaries: &Summaries, page: &Page) -> Result<Vec<u8>, Diagnostic> {
        let template = match page.kind {
            PageKind::Feed => return Ok(data::atom(site).into_bytes()),
            PageKind::Sitemap => return Ok(data::sitemap(site, &self.pages(site)).into_bytes()),
            PageKind::Robots => return Ok(data::robots(site).into_bytes()),
            PageKind::DataJson => return Ok(data::cases_json(site)),
            PageKind::DataCsv => return Ok(data::cases_csv(site, &self.strings).into_bytes()),
            // Every other kind has a template.
            _ => page.kind.template().unwrap_or_default(),
        };
        let mut context = Context::new();
        let root = if matches!(page.kind, PageKind::NotFound) {
            base_path(&site.config.base_url)
        } else {
            root_of(&page.path)
        };
        context.insert("root", &root);
        context.insert("page_path", &page.path);
        let per_page = site.config.paginate_by.max(1);
        match &page.kind {
            PageKind::Home => {
                self.home(site, summaries, &mut context);
            }
            PageKind::Case(i) => {
                // The case's own facts and its neighbours' are the shared summary values; only what
                // this page alone shows is built here.
                let mut view = summaries.value(*i).into_map().unwrap_or_default();
                views::case_view(site, &summaries.framework, &site.cases[*i], &mut view);
                if self.case_charts {
                    portal::case_extras(site, *i, &self.strings, &mut view);
                }
                let related: Vec<tera::Value> = site.related(*i).iter().map(|&r| summaries.value(r)).collect();
                view.insert("related".into(), tera::Value::from(related));
                let neighbour = |n: Option<usize>| n.filter(|&n| n < site.cases.len()).map(|n| summaries.value(n));
                view.insert("prev".into(), neighbour(Some(i + 1)).into());
                view.insert("next".into(), neighbour(i.checked_sub(1)).into());
                context.insert_value("case", tera::Value::from(view));
            }
            PageKind::List(n) => {
                let all: Vec<usize> = (0..site.cases.len()).collect();
                context.insert_value("paginator", self.paginator(summaries, &all, *n, per_page, "cases/"));
            }
            PageKind::TaxonomyIndex(t) => {
                let taxonomy = &site.taxonomies[*t];
                let terms: Vec<Json> = taxonomy
                    .terms
                    .iter()
                    .map(|term| {
                        json!({ "name": term.key, "label": term.label, "path": taxonomy.term_path(term), "count": term.cases.len() })
                    })
                    .collect();
                let view = json!({
                    "id": taxonomy.id, "label": views::taxonomy_label(&self.strings, &taxonomy.id),
                    "path": taxonomy.path(), "terms": terms,
                });
                context.insert_value("taxonomy", views::tera(&view));
            }
            PageKind::Term(t, k, n) => {
                let taxonomy = &site.taxonomies[*t];
                let term = &taxonomy.terms[*k];
                let term_path = taxonomy.term_path(term);
                context.insert_value("paginator", self.paginator(summaries, &term.cases, *n, per_page, &term_path));
                let tax_view = views::map([
                    ("id", taxonomy.id.as_str().into()),
                    ("label", views::taxonomy_label(&self.strings, &taxonomy.id).into()),
                    ("path", taxonomy.path().into()),
                ]);
                let term_view = views::map([
                    ("name", term.key.as_str().into()),
                    ("label", term.label.as_str().into()),
                    ("path", term_path.into()),
                    ("count", term.cases.len().into()),
                    ("description", views::term_description(site, &taxonomy.id, &term.key).into()),
                ]);
                context.insert_value("taxonomy", tax_view);
                context.insert_value("term", term_view);
                if taxonomy.id == "indicator" && *n == 1 {
                    let ranking = portal::ranking(site, &term.key, &term.cases, 0..portal::PREVIEW, summaries);
                    let mut ranking = ranking.into_map().unwrap_or_default();
                    let all = Listing::Ranking(*t, *k);
                    if all.len(site) > portal::PREVIEW && self.makes(&PageKind::Listing(all, 1)) {
                        ranking.insert("all_path".into(), all.path(site).into());
                    }
                    context.insert_value("ranking", tera::Value::from(ranking));
                }
            }
            PageKind::NotFound
            | PageKind::Search
            | PageKind::Feed
            | PageKind::Sitemap
            | PageKind::Robots
            | PageKind::DataJson
            | PageKind::DataCsv => {}
            PageKind::Practices(grouping) => {
                context.insert_value("library", portal::practices(site, *grouping, summaries));
            }
            PageKind::Reports => {
                context.insert_value("reports", portal::reports(site, summaries));
            }
            PageKind::Listing(listing, n) => {
                self.listing(site, summaries, listing, *n, &mut context);
            }
        }
        // Straight into a buffer the size of a case page: `Tera::render` grows its buffer from the
        // template's size and then checks the whole page is UTF-8 (it is: Tera writes strings).
        self.cards.ensure_templates(&self.tera);
        // A card's error left by a page this thread rendered before is not this page's.
        let _ = cards::take_failure();
        let mut html = Vec::with_capacity(PAGE_CAPACITY);
        self.tera.render_to(template, &context, &mut html).map_err(|err| {
            let sources = errors::Sources { templates: &self.templates, folded: &self.folded };
            errors::unknown_asset(errors::diagnostic(&err, &sources, template), &self.asset_names)
        })?;
        Ok(html)
    }

    fn home(&self, site: &Site, summaries: &Summaries, context: &mut Context) {
        let fw = &site.config.framework;
        let visible = site.active();
        let latest: Vec<tera::Value> = visible.iter().take(8).map(|&i| summaries.value(i)).collect();
        let featured: Vec<tera::Value> =
            site.featured().iter().take(HOME_FEATURED).map(|&i| summaries.value(i)).collect();
        let all_featured = Listing::Featured;
        if all_featured.len(site) > HOME_FEATURED && self.makes(&PageKind::Listing(all_featured, 1)) {
            context.insert("featured_count", &all_featured.len(site));
            context.insert("featured_path", &all_featured.path(site));
        }
        let lang = site.language();
        let by_status: Vec<Json> = fw
            .statuses
            .iter()
            .map(|s| {
                let count = site.cases.iter().filter(|c| c.status == s.id).count();
                json!({
                    "id": s.id, "label": s.label.get(lang), "count": count, "revoked": s.revoked,
                    "path": site.term_path("status", &s.id),
                })
            })
            .collect();
        // Headline figures count the sites that still set an example; revoked titles only show in
        // the count by status.
        let active: Vec<&crate::site::Case> = visible.iter().map(|&i| site.cases[i].as_ref()).collect();
        let distinct = |f: fn(&crate::site::Case) -> &str| active.iter().map(|c| f(c)).collect::<BTreeSet<_>>().len();
        let stats = json!({
            "cases": site.cases.len(),
            "active": active.len(),
            "sites": distinct(|c| c.site.as_str()),
            "enterprises": distinct(|c| c.enterprise.as_str()),
            "practices": active.iter().map(|c| c.practices.len()).sum::<usize>(),
            "by_status": by_status,
        });
        context.insert_value("portfolio", views::tera(&portal::portfolio(site, &self.strings)));
        context.insert_value("latest", tera::Value::from(latest));
        context.insert_value("featured", tera::Value::from(featured));
        context.insert_value("stats", views::tera(&stats));
    }

    /// One page of a long list: `listing` (what the list is, its count and where it belongs),
    /// `rows` and a `paginator` without items.
    fn listing(&self, site: &Site, summaries: &Summaries, listing: &Listing, n: usize, context: &mut Context) {
        let len = listing.len(site);
        let rows = listing.rows(site, n);
        let (kind, view) = match *listing {
            Listing::Practices(grouping, g) => {
                let refs = site.library(grouping).get(g).map_or(&[][..], |refs| &refs[rows.clone()]);
                ("practices", portal::practice_group(site, summaries, grouping, g, refs))
            }
            Listing::Ranking(t, k) => {
                let taxonomy = &site.taxonomies[t];
                let term = &taxonomy.terms[k];
                let ranking = portal::ranking(site, &term.key, &term.cases, rows.clone(), summaries);
                let mut ranking = ranking.into_map().unwrap_or_default();
                ranking.insert("label".into(), term.label.as_str().into());
                ranking.insert("path".into(), taxonomy.term_path(term).into());
                ("ranking", tera::Value::from(ranking))
            }
            Listing::Report(report) => {
                let cases = &site.report(report)[rows.clone()];
                let view = views::map([
                    ("rows", portal::report_rows(site, summaries, report, cases).into()),
                    ("count", len.into()),
                ]);
                (portal::report_name(report), view)
            }
            Listing::Featured => {
                let cards: Vec<tera::Value> = site.featured()[rows].iter().map(|&i| summaries.value(i)).collect();
                ("featured", views::map([("cards", cards.into()), ("count", len.into())]))
            }
        };
        context.insert("listing_kind", kind);
        context.insert_value("listing", view);
        context.insert_value("paginator", pagination(n, len, listing.per_page(site), &listing.path(site), Vec::new()));
    }

    fn paginator(
        &self,
        summaries: &Summaries,
        cases: &[usize],
        current: usize,
        per_page: usize,
        base: &str,
    ) -> tera::Value {
        let items: Vec<tera::Value> =
            cases.iter().skip((current - 1) * per_page).take(per_page).map(|&i| summaries.value(i)).collect();
        pagination(current, cases.len(), per_page, base, items)
    }
}

/// A paginator for page `current` of `total_items` rows, `per_page` a page, the first page at
/// `base`: the page's `items` and the pages a pagination bar links to.
fn pagination(current: usize, total_items: usize, per_page: usize, base: &str, items: Vec<tera::Value>) -> tera::Value {
    let total_pages = page_count(total_items, per_page);
    // The first, the last and the pages within three of this one: what a pagination bar shows
    // (a gap at distance three). Listing every page would make pages × pages work.
    let pages: Vec<tera::Value> = (1..=total_pages)
        .filter(|&n| n == 1 || n == total_pages || n.abs_diff(current) <= 3)
        .map(|n| {
            views::map([("number", n.into()), ("path", page_path(base, n).into()), ("current", (n == current).into())])
        })
        .collect();
    views::map([
        ("current", current.into()),
        ("total_pages", total_pages.into()),
        ("total_items", total_items.into()),
        ("prev", (current > 1).then(|| page_path(base, current - 1)).into()),
        ("next", (current < total_pages).then(|| page_path(base, current + 1)).into()),
        ("pages", pages.into()),
        ("items", items.into()),
    ])
}

/// The path part of the base URL (`http://intranet/practice/` → `/practice/`), for pages such as
/// 404 that a server shows at any depth.
fn base_path(base_url: &str) -> String {
    let without_scheme = base_url.split_once("://").map_or(base_url, |(_, rest)| rest);
    let path = if base_url.contains("://") {
        without_scheme.find('/').map_or("/", |i| &without_scheme[i..])
    } else {
        base_url
    };
    let path = if path.starts_with('/') { path.to_owned() } else { format!("/{path}") };
    if path.ends_with('/') { path } else { format!("{path}/") }
}

/// Where rendered pages go: a path inside the portal and the bytes; an error is a message.
pub type WriteFn<'a> = dyn Fn(&str, &[u8]) -> Result<(), String> + Sync + 'a;

/// The buffer a page is rendered into starts at this size (a case page of the default theme is
/// about 30 KB).
const PAGE_CAPACITY: usize = 64 << 10;

/// Renders every page of the site; see [`render_pages`].
pub fn render_all(site: &Site, renderer: &Renderer, write: &WriteFn<'_>) -> Result<usize, Vec<Diagnostic>> {
    let summaries = Summaries::build(site, None);
    render_pages(site, renderer, &summaries, &renderer.pages(site), write)
}

/// Renders `pages` in parallel and hands each to `write` as soon as it is ready, so memory holds
/// a few pages at a time, not the portal. Returns how many pages were written.
///
/// The pages that gather the whole portfolio (practice library, reports, data files …) cost as
/// much as hundreds of case pages each; they are started first, so that they run beside the many
/// small pages instead of forming a tail on one thread at the end. What is written does not
/// depend on the order.
pub fn render_pages(
    site: &Site,
    renderer: &Renderer,
    summaries: &Summaries,
    pages: &[Page],
    write: &WriteFn<'_>,
) -> Result<usize, Vec<Diagnostic>> {
    let problems = Mutex::new(Vec::new());
    let timings = KindTimings::new();
    let mut order: Vec<&Page> = pages.iter().collect();
    order.sort_by_key(|page| std::cmp::Reverse(page.kind.weight()));
    order.par_iter().for_each(|page| {
        let start = timings.start();
        let result = renderer.render_bytes(site, summaries, page).and_then(|html| {
            write(&page.file(), &html)
                .map_err(|detail| Diagnostic::error("write_failed").arg("path", page.file()).arg("detail", detail))
        });
        timings.add(&page.kind, start);
        if let Err(diagnostic) = result
            && let Ok(mut problems) = problems.lock()
        {
            problems.push(diagnostic);
        }
    });
    timings.report();
    let mut problems = problems.into_inner().unwrap_or_default();
    if problems.is_empty() {
        return Ok(pages.len());
    }
    // One broken template fails every page it renders: report it once.
    problems.sort_by(|a, b| {
        (a.position(), &a.args).partial_cmp(&(b.position(), &b.args)).unwrap_or(std::cmp::Ordering::Equal)
    });
    problems.dedup_by(|a, b| a.position() == b.position() && a.args == b.args);
    Err(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_and_base_paths() {
        assert_eq!(root_of(""), "");
        assert_eq!(root_of("cases/"), "../");
        assert_eq!(root_of("cases/a/"), "../../");
        assert_eq!(root_of("tag/x/page/2/"), "../../../../");
        assert_eq!(base_path("http://intranet/practice/"), "/practice/");
        assert_eq!(base_path("http://intranet"), "/");
        assert_eq!(base_path("/practice"), "/practice/");
    }
}
