//! What a rebuild in `serve` leaves for later: the search index (every rebuild, the first
//! included), the pages drawn from the whole portfolio (home, practice library, reports, feed,
//! sitemap, data files; a rebuild after an edit) and, when an edit changed more than
//! [`super::EAGER_PAGES`] pages, those a reader is less likely to have open. Their cost grows with
//! the site, not with the edit, so an edit is answered (and the browser told to reload), and the
//! server is ready, without waiting for them. Each is made the first time a browser asks for it,
//! or by the warm-up that runs once the server is idle, whichever comes first; and always from the
//! site of its own snapshot, so an out-of-date version is never served.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use super::{PageCache, Served, content_hash};
use crate::render::{Page, Renderer, Summaries};
use crate::site::Site;

/// A search file (not the search page, which is rendered with the other pages).
pub fn is_search_file(file: &str) -> bool {
    file.starts_with("search/") && file != "search/index.html"
}

/// A made file, or why it could not be made (a template error, shown as the answer's text).
pub type Made = Result<Arc<Served>, String>;

pub struct Deferred {
    site: Arc<Site>,
    renderer: Arc<Renderer>,
    summaries: Arc<Summaries>,
    /// For the text of a template error.
    catalog: crate::i18n::Catalog,
    /// Where the pages' bytes are kept while recent (the snapshot renders them again after).
    cache: Arc<PageCache>,
    /// By output file (`practices/index.html`).
    pages: HashMap<String, (Page, OnceLock<Made>)>,
    /// The search index's files (none for a theme without a search page).
    search: OnceLock<Option<super::SearchFiles>>,
    /// The last index made (by any snapshot), which this one's is made from.
    last_index: super::SearchBase,
}

impl Deferred {
    pub fn new(
        site: Arc<Site>,
        renderer: Arc<Renderer>,
        summaries: Arc<Summaries>,
        catalog: crate::i18n::Catalog,
        pages: Vec<Page>,
        last_index: super::SearchBase,
        cache: Arc<PageCache>,
    ) -> Deferred {
        let pages = pages.into_iter().map(|page| (page.file(), (page, OnceLock::new()))).collect();
        Deferred { site, renderer, summaries, catalog, cache, pages, search: OnceLock::new(), last_index }
    }

    /// The output files of the deferred pages.
    pub fn page_files(&self) -> impl Iterator<Item = &String> {
        self.pages.keys()
    }

    /// Whether `file` is this snapshot's to make. Asking about a search file makes the search
    /// files (a page that loads one loads others), so that a name the index does not have is
    /// not found rather than taken for a folder.
    pub fn owns(&self, file: &str) -> bool {
        self.pages.contains_key(file)
            || (is_search_file(file) && self.search_files().is_some_and(|s| s.get(file).is_some()))
    }

    /// `file`, made now if it was not yet; `None` when it is not a file of the portal.
    pub fn get(&self, file: &str) -> Option<Made> {
        if let Some((page, made)) = self.pages.get(file) {
            return Some(made.get_or_init(|| self.render(page)).clone());
        }
        if !is_search_file(file) {
            return None;
        }
        self.search_files()?.get(file).map(Ok)
    }

    /// Makes everything not made yet, one file at a time, until `superseded` says a newer
    /// snapshot replaced this one.
    pub fn warm(&self, superseded: &dyn Fn() -> bool) {
        let mut files: Vec<&String> = self.pages.keys().collect();
        files.sort();
        for file in files {
            if superseded() {
                return;
            }
            let _ = self.get(file);
        }
        if !superseded() {
            // The index; its files are made as they are asked for.
            self.search_files();
        }
    }

    /// What was made so far, to be kept by the next snapshot where it is still current.
    pub fn made(&self) -> Vec<(String, Arc<Served>)> {
        let mut made: Vec<(String, Arc<Served>)> = self
            .pages
            .iter()
            .filter_map(|(file, (_, made))| match made.get() {
                Some(Ok(served)) => Some((file.clone(), served.clone())),
                _ => None,
            })
            .collect();
        if let Some(Some(files)) = self.search.get() {
            made.extend(files.made());
        }
        made
    }

    fn render(&self, page: &Page) -> Made {
        match self.renderer.render_bytes(&self.site, &self.summaries, page) {
            Ok(bytes) => {
                let (hash, len) = (content_hash(&bytes), bytes.len());
                self.cache.put(hash, Arc::new(bytes));
                Ok(Arc::new(Served::page(hash, len)))
            }
            Err(diagnostic) => Err(diagnostic.render(&self.catalog, false)),
        }
    }

    fn search_files(&self) -> Option<&super::SearchFiles> {
        self.search
            .get_or_init(|| self.renderer.makes_search().then(|| super::SearchFiles::new(&self.site, &self.last_index)))
            .as_ref()
    }
}
