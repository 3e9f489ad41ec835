//! From the site model to pages, through the theme's Tera templates. Which pages exist and what
//! each one's template sees is decided here; how they look is the theme's business.

pub mod theme;
pub mod views;

use std::collections::BTreeSet;
use std::sync::Mutex;

use rayon::prelude::*;
use serde_json::{Value as Json, json};
use tera::{Context, Tera};

use crate::diagnostics::{Diagnostic, Location};
use crate::site::Site;
use theme::{Template, Theme};

/// Every page's template and the values it renders from.
pub struct Renderer {
    tera: Tera,
    templates: Vec<Template>,
    /// Each case's summary view, in site order; shared by every list that shows the case.
    summaries: Vec<Json>,
    summary_values: Vec<tera::Value>,
    strings: Json,
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
    /// The search page (`search/`).
    Search,
}

impl Page {
    /// The file this page is written to.
    pub fn file(&self) -> String {
        if self.path.ends_with('/') || self.path.is_empty() {
            format!("{}index.html", self.path)
        } else {
            self.path.clone()
        }
    }
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

/// Every page of the portal, in a stable order.
pub fn pages(site: &Site) -> Vec<Page> {
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
    pages.push(Page { path: "search/".to_owned(), kind: PageKind::Search });
    pages.push(Page { path: "404.html".to_owned(), kind: PageKind::NotFound });
    pages
}

impl Renderer {
    pub fn new(site: &Site, theme: &Theme) -> Result<Renderer, Vec<Diagnostic>> {
        let mut tera = Tera::new();
        let templates = theme.templates.clone();
        if let Err(err) = tera.add_raw_templates(templates.iter().map(|t| (t.name.as_str(), t.text.as_str()))) {
            return Err(vec![template_diagnostic(&err, &templates)]);
        }
        let global = tera.global_context();
        global.insert_value("site", views::tera(&views::site_view(&site.config)));
        global.insert_value("framework", views::tera(&views::framework_view(&site.config)));
        global.insert_value("nav", views::tera(&views::nav_view(site, &theme.strings)));
        global.insert_value("t", views::tera(&theme.strings));
        let summaries: Vec<Json> = site.cases.iter().map(|c| views::summary_view(site, c)).collect();
        let summary_values = summaries.iter().map(views::tera).collect();
        Ok(Renderer { tera, templates, summaries, summary_values, strings: theme.strings.clone() })
    }

    /// Renders one page to HTML.
    pub fn render(&self, site: &Site, page: &Page) -> Result<String, Diagnostic> {
        let mut context = Context::new();
        let root = if matches!(page.kind, PageKind::NotFound) {
            base_path(&site.config.base_url)
        } else {
            root_of(&page.path)
        };
        context.insert("root", &root);
        context.insert("page_path", &page.path);
        let per_page = site.config.paginate_by.max(1);
        let template = match &page.kind {
            PageKind::Home => {
                self.home(site, &mut context);
                "index.html"
            }
            PageKind::Case(i) => {
                let prev = self.summaries.get(i + 1);
                let next = i.checked_sub(1).and_then(|n| self.summaries.get(n));
                let view = views::case_view(site, &site.cases[*i], &self.summaries[*i], prev, next);
                context.insert_value("case", views::tera(&view));
                "case.html"
            }
            PageKind::List(n) => {
                let all: Vec<usize> = (0..site.cases.len()).collect();
                context.insert_value("paginator", self.paginator(&all, *n, per_page, "cases/"));
                "list.html"
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
                "taxonomy.html"
            }
            PageKind::Term(t, k, n) => {
                let taxonomy = &site.taxonomies[*t];
                let term = &taxonomy.terms[*k];
                let term_path = taxonomy.term_path(term);
                context.insert_value("paginator", self.paginator(&term.cases, *n, per_page, &term_path));
                let tax_view = json!({
                    "id": taxonomy.id, "label": views::taxonomy_label(&self.strings, &taxonomy.id), "path": taxonomy.path(),
                });
                let term_view = json!({
                    "name": term.key, "label": term.label, "path": term_path, "count": term.cases.len(),
                    "description": views::term_description(site, &taxonomy.id, &term.key),
                });
                context.insert_value("taxonomy", views::tera(&tax_view));
                context.insert_value("term", views::tera(&term_view));
                "term.html"
            }
            PageKind::NotFound => "404.html",
            PageKind::Search => "search.html",
        };
        self.tera.render(template, &context).map_err(|err| template_diagnostic(&err, &self.templates))
    }

    fn home(&self, site: &Site, context: &mut Context) {
        let fw = &site.config.framework;
        let visible: Vec<usize> = (0..site.cases.len()).filter(|&i| !site.cases[i].is_revoked(fw)).collect();
        let latest: Vec<tera::Value> = visible.iter().take(8).map(|&i| self.summary_values[i].clone()).collect();
        let featured: Vec<tera::Value> =
            visible.iter().filter(|&&i| site.cases[i].featured).map(|&i| self.summary_values[i].clone()).collect();
        let lang = site.language();
        let by_status: Vec<Json> = fw
            .statuses
            .iter()
            .map(|s| {
                let count = site.cases.iter().filter(|c| c.status == s.id).count();
                json!({
                    "id": s.id, "label": s.label.get(lang), "count": count, "revoked": s.revoked,
                    "path": format!("status/{}/", s.id.replace('_', "-")),
                })
            })
            .collect();
        let distinct = |f: fn(&crate::site::Case) -> &str| site.cases.iter().map(f).collect::<BTreeSet<_>>().len();
        let stats = json!({
            "cases": site.cases.len(),
            "sites": distinct(|c| c.site.as_str()),
            "enterprises": distinct(|c| c.enterprise.as_str()),
            "practices": site.cases.iter().map(|c| c.practices.len()).sum::<usize>(),
            "by_status": by_status,
        });
        context.insert_value("latest", tera::Value::from(latest));
        context.insert_value("featured", tera::Value::from(featured));
        context.insert_value("stats", views::tera(&stats));
    }

    fn paginator(&self, cases: &[usize], current: usize, per_page: usize, base: &str) -> tera::Value {
        let total_pages = page_count(cases.len(), per_page);
        let items: Vec<tera::Value> = cases
            .iter()
            .skip((current - 1) * per_page)
            .take(per_page)
            .map(|&i| self.summary_values[i].clone())
            .collect();
        let pages: Vec<Json> = (1..=total_pages)
            .map(|n| json!({ "number": n, "path": page_path(base, n), "current": n == current }))
            .collect();
        let meta = json!({
            "current": current,
            "total_pages": total_pages,
            "total_items": cases.len(),
            "prev": (current > 1).then(|| page_path(base, current - 1)),
            "next": (current < total_pages).then(|| page_path(base, current + 1)),
            "pages": pages,
        });
        let mut map = match views::tera(&meta).into_map() {
            Some(map) => map,
            None => return tera::Value::none(),
        };
        map.insert("items".into(), tera::Value::from(items));
        tera::Value::from(map)
    }
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

/// A template error as a diagnostic naming the template file, the line and what went wrong.
fn template_diagnostic(err: &tera::Error, templates: &[Template]) -> Diagnostic {
    let origin_of = |name: &str| templates.iter().find(|t| t.name == name);
    let mut detail = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    match err.kind() {
        tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report) => {
            let template = origin_of(report.filename());
            let span = report.span();
            let loc = Location::new(span.start_line, span.start_col + 1, span.range.len().max(1));
            let mut diagnostic = Diagnostic::error("template_error")
                .arg("template", report.filename().to_owned())
                .arg("detail", report.message().to_owned());
            if let Some(template) = template {
                diagnostic = diagnostic.file(template.origin.clone()).at(&template.text, loc);
            }
            diagnostic
        }
        _ => Diagnostic::error("template_error").arg("template", String::new()).arg("detail", detail),
    }
}

/// Where rendered pages go: a path inside the portal and the bytes; an error is a message.
pub type WriteFn<'a> = dyn Fn(&str, &[u8]) -> Result<(), String> + Sync + 'a;

/// Renders every page in parallel and hands each to `write` as soon as it is ready, so memory holds
/// a few pages at a time, not the portal. Returns how many pages were written.
pub fn render_all(site: &Site, renderer: &Renderer, write: &WriteFn<'_>) -> Result<usize, Vec<Diagnostic>> {
    let pages = pages(site);
    let problems = Mutex::new(Vec::new());
    pages.par_iter().for_each(|page| {
        let result = renderer.render(site, page).and_then(|html| {
            write(&page.file(), html.as_bytes())
                .map_err(|detail| Diagnostic::error("write_failed").arg("path", page.file()).arg("detail", detail))
        });
        if let Err(diagnostic) = result
            && let Ok(mut problems) = problems.lock()
        {
            problems.push(diagnostic);
        }
    });
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
