//! The site model: every published case with its facts, and the taxonomies that group them.
//! Plain data, no I/O and no HTML: every page renders from it, and search indexes it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use crate::config::{Config, Framework};
use crate::date::{Date, Period};
use crate::markdown::Rendered;

mod related;
use related::related_cases_after;
pub use related::{RELATED_EXACT_LIMIT, RELATED_MAX, RELATED_MIN, related_cases, relatedness};

#[derive(Debug)]
pub struct Site {
    pub config: Config,
    /// Newest first (by date, then slug): the order of every list. Shared, so that a rebuild after
    /// one edit reuses every other case as it was.
    pub cases: Vec<Arc<Case>>,
    pub taxonomies: Vec<Taxonomy>,
    /// Files to copy into the portal (images beside the cases), sorted by output path.
    pub assets: Vec<Asset>,
    /// For each case (same index), the related cases shown on its page (empty in a model made
    /// only to be checked: see [`Site::after`]).
    related: Vec<Vec<usize>>,
    /// The practice library's groups, by dimension and by action: worked out when a page first
    /// asks (every page of a group reads the same list).
    library: [std::sync::OnceLock<Vec<Vec<PracticeRef>>>; 2],
    /// The cases each report lists, worked out when first asked for.
    reports: [std::sync::OnceLock<Vec<usize>>; 3],
    /// The featured cases that kept their title, worked out when first asked for.
    featured: std::sync::OnceLock<Vec<usize>>,
}

/// A report of dynamic management that lists cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Report {
    /// Active cases with a latest score under its threshold ([`Site::below_threshold`]).
    Below,
    /// Active cases not assessed in the last two periods ([`Site::due_for_review`]).
    Due,
    /// Cases whose title was revoked.
    Revoked,
}

/// How the practice library groups practices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grouping {
    Dimension,
    Action,
}

impl Grouping {
    /// The framework's groups of this grouping, in its order.
    pub fn terms(self, framework: &Framework) -> &[crate::config::Term] {
        match self {
            Grouping::Dimension => &framework.dimensions,
            Grouping::Action => &framework.actions,
        }
    }
}

/// A practice of the library: the case's index in [`Site::cases`] and the practice's in the case.
pub type PracticeRef = (usize, usize);

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Asset {
    /// Path in the output folder, e.g. `media/images/cover.png`.
    pub output: String,
    /// Path relative to the site folder.
    pub source: String,
}

#[derive(Debug, Clone)]
pub struct Case {
    /// Unique to this version of the case in this process: a page whose cases kept their
    /// revisions needs no new rendering.
    pub revision: u64,
    /// The case file relative to the site folder (`content/a.md`).
    pub source: String,
    pub slug: String,
    /// The page's path relative to the portal root (`cases/slug/`).
    pub path: String,
    pub title: String,
    pub site: String,
    pub enterprise: String,
    pub unit: Option<String>,
    pub region: Option<String>,
    pub status: String,
    pub date: Date,
    pub updated: Option<Date>,
    /// The commits that touched the case file, newest first (empty without git).
    pub history: crate::history::FileHistory,
    /// The "view source / edit" link, when the site configures `source_url`.
    pub source_url: Option<String>,
    pub summary: String,
    pub featured: bool,
    pub draft: bool,
    /// Portal-relative URL of the cover image.
    pub cover: Option<String>,
    /// The cover's published versions, when it is a photo Exemplar resizes.
    pub cover_image: Option<std::sync::Arc<crate::images::Plan>>,
    /// Every photo of the case (cover and body) that is resized rather than copied.
    pub images: Vec<std::sync::Arc<crate::images::Plan>>,
    pub timeline: Vec<Event>,
    /// Oldest period first.
    pub assessments: Vec<Assessment>,
    pub actions: Vec<String>,
    pub tags: Vec<String>,
    pub practices: Vec<Practice>,
    pub extra: BTreeMap<String, serde_json::Value>,
    pub body: Rendered,
}

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub date: Date,
    pub stage: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub period: Period,
    /// Indicator id and score, in the framework's order.
    pub scores: Vec<(String, f64)>,
}

impl Assessment {
    pub fn score(&self, indicator: &str) -> Option<f64> {
        self.scores.iter().find(|(id, _)| id == indicator).map(|(_, s)| *s)
    }

    /// The weighted mean of the scores, by the framework's weights.
    pub fn average(&self, framework: &Framework) -> Option<f64> {
        let (mut sum, mut weights) = (0.0, 0.0);
        for (id, score) in &self.scores {
            let weight = framework.indicator(id).map_or(1.0, |i| i.weight);
            sum += score * weight;
            weights += weight;
        }
        (weights > 0.0).then(|| sum / weights)
    }
}

#[derive(Debug, Clone)]
pub struct Practice {
    pub title: String,
    pub dimension: String,
    pub indicators: Vec<String>,
    pub actions: Vec<String>,
    pub summary: String,
    pub steps: Vec<String>,
}

static NEXT_REVISION: AtomicU64 = AtomicU64::new(1);

/// A revision number never handed out before in this process.
pub fn next_revision() -> u64 {
    NEXT_REVISION.fetch_add(1, Ordering::Relaxed)
}

impl Case {
    pub fn latest(&self) -> Option<&Assessment> {
        self.assessments.last()
    }

    pub fn year(&self) -> u16 {
        self.date.year
    }

    pub fn is_revoked(&self, framework: &Framework) -> bool {
        framework.status(&self.status).is_some_and(|s| s.revoked)
    }

    /// The note of the event that revoked the title, if it was.
    pub fn revoked_reason(&self, framework: &Framework) -> Option<&str> {
        if !self.is_revoked(framework) {
            return None;
        }
        self.timeline.iter().rev().find(|e| e.stage == self.status).and_then(|e| e.note.as_deref())
    }
}

/// One way of grouping cases (by enterprise, by status …) and its terms.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    /// One of [`crate::config::TAXONOMY_KINDS`]; also the URL folder.
    pub id: String,
    pub terms: Vec<Term>,
}

#[derive(Debug, Clone)]
pub struct Term {
    /// The value cases carry (an id of the framework, an enterprise's name, a year).
    pub key: String,
    /// What readers see.
    pub label: String,
    /// ASCII URL segment, unique within the taxonomy.
    pub slug: String,
    /// Indices into [`Site::cases`]; for indicators, ranked by the latest score.
    pub cases: Vec<usize>,
}

impl Taxonomy {
    pub fn path(&self) -> String {
        format!("{}/", self.id)
    }

    pub fn term_path(&self, term: &Term) -> String {
        format!("{}/{}/", self.id, term.slug)
    }

    pub fn term(&self, key: &str) -> Option<&Term> {
        self.terms.iter().find(|t| t.key == key)
    }
}

impl Site {
    /// Orders the cases and derives the taxonomies.
    pub fn new(config: Config, cases: Vec<Arc<Case>>, assets: Vec<Asset>) -> Site {
        Site::after(None, config, cases, assets, true)
    }

    /// [`Site::new`], reusing the taxonomies and related cases of `previous` (the model before an
    /// edit, same configuration) when nothing they depend on changed: in `serve`, most edits
    /// change a case's text, not its place in the order or what groups it. Without `related`
    /// (`check`, which renders nothing) the related cases are not worked out.
    pub fn after(
        previous: Option<&Site>,
        config: Config,
        mut cases: Vec<Arc<Case>>,
        mut assets: Vec<Asset>,
        related: bool,
    ) -> Site {
        use rayon::prelude::*;
        cases.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.slug.cmp(&b.slug)));
        assets.sort();
        assets.dedup();
        // One case added or removed: lists are renumbered rather than made again.
        let apart = previous.and_then(|p| one_case_apart(&p.cases, &cases));
        let (taxonomies, related) = if let Some(previous) = previous
            && previous.related.len() == cases.len()
            && same_groups(&previous.cases, &cases, &config.framework, false)
        {
            // The same terms: the taxonomies stand, and the related cases, unless scores changed;
            // then the indicators' terms are ranked again (by the latest score).
            if same_groups(&previous.cases, &cases, &config.framework, true) {
                (previous.taxonomies.clone(), previous.related.clone())
            } else {
                let again = |t: &Taxonomy| match t.id.as_str() {
                    "indicator" => build_taxonomy(&t.id, &cases, &config),
                    _ => t.clone(),
                };
                rayon::join(
                    || previous.taxonomies.iter().map(again).collect(),
                    || related_cases_after(Some((&previous.cases, &previous.related)), &cases, &config.framework),
                )
            }
        } else {
            // The taxonomies and the related cases read the cases alone: made side by side.
            rayon::join(
                || {
                    let past = previous.zip(apart);
                    past.and_then(|(previous, apart)| taxonomies_past(previous, &cases, apart, &config)).unwrap_or_else(
                        || config.taxonomies.par_iter().map(|kind| build_taxonomy(kind, &cases, &config)).collect(),
                    )
                },
                || match related {
                    true => {
                        related_cases_after(previous.map(|p| (&p.cases[..], &p.related[..])), &cases, &config.framework)
                    }
                    false => Vec::new(),
                },
            )
        };
        let site = Site::of(config, cases, taxonomies, assets, related);
        if let Some(previous) = previous {
            site.carry_lists(previous, apart);
        }
        site
    }

    /// Takes over the lists of `previous` (the model before an edit, in the same case order) that
    /// the edit cannot have changed: worked out again, the practice library and the reports cost
    /// `serve` tens of milliseconds an edit at 10,000 cases, for pages that are then the same.
    /// `apart`: the one case added or removed, if the edit was that.
    fn carry_lists(&self, previous: &Site, apart: Option<OneCase>) {
        let fw = &self.config.framework;
        if previous.cases.len() != self.cases.len() {
            if let Some(apart) = apart {
                self.carry_lists_past(previous, apart);
            }
            return;
        }
        let edited: Vec<(&Case, &Case)> = previous
            .cases
            .iter()
            .zip(&self.cases)
            .filter(|(before, after)| before.revision != after.revision)
            .map(|(before, after)| (before.as_ref(), after.as_ref()))
            .collect();
        if edited.iter().any(|(before, after)| before.slug != after.slug) {
            return;
        }
        fn unchanged<'c, T: PartialEq>(edited: &[(&'c Case, &'c Case)], part: impl Fn(&'c Case) -> T) -> bool {
            edited.iter().all(|&(before, after)| part(before) == part(after))
        }
        // What files a practice in the library: its dimension, its actions or else its case's.
        fn filed(c: &Case) -> (&Vec<String>, Vec<(&String, &Vec<String>)>) {
            (&c.actions, c.practices.iter().map(|p| (&p.dimension, &p.actions)).collect())
        }
        // A list the previous model worked out, taken over (one not yet asked for stays unmade).
        fn carry<T: Clone>(new: &std::sync::OnceLock<T>, old: &std::sync::OnceLock<T>) {
            if let Some(list) = old.get() {
                let _ = new.set(list.clone());
            }
        }
        if unchanged(&edited, filed) {
            self.library.iter().zip(&previous.library).for_each(|(new, old)| carry(new, old));
        }
        // What the reports read: the title kept or lost, and every assessment.
        if unchanged(&edited, |c| (c.is_revoked(fw), c.assessments.as_slice())) {
            self.reports.iter().zip(&previous.reports).for_each(|(new, old)| carry(new, old));
        }
        if unchanged(&edited, |c| (c.featured, c.is_revoked(fw))) {
            carry(&self.featured, &previous.featured);
        }
    }

    /// [`Site::carry_lists`] after one case was added or removed: the lists of `previous`, their
    /// cases renumbered, with the added case where it belongs or without the removed one (a pass
    /// over every case cost `serve` 30 ms at 10,000 cases). The cases due for review are taken
    /// over only when the review window stayed (the latest period decides it).
    fn carry_lists_past(&self, previous: &Site, apart: OneCase) {
        let added = match apart {
            OneCase::Added(c) => Some(c),
            OneCase::Removed(_) => None,
        };
        let renumbered = |list: &[usize], on: bool| -> Vec<usize> {
            let mut list: Vec<usize> = list.iter().filter_map(|&i| apart.after(i)).collect();
            if let Some(c) = added.filter(|_| on) {
                list.insert(list.partition_point(|&i| i < c), c);
            }
            list
        };
        for grouping in [Grouping::Dimension, Grouping::Action] {
            let Some(old) = previous.library[grouping as usize].get() else { continue };
            let mut groups: Vec<Vec<PracticeRef>> =
                old.iter().map(|g| g.iter().filter_map(|&(c, n)| Some((apart.after(c)?, n))).collect()).collect();
            if let Some(c) = added {
                let filing = Filing::new(grouping, &self.config.framework);
                let mut new = filing.groups();
                filing.file(c, &self.cases[c], &mut new);
                for (group, new) in groups.iter_mut().zip(new) {
                    let at = group.partition_point(|&(i, _)| i < c);
                    group.splice(at..at, new);
                }
            }
            let _ = self.library[grouping as usize].set(groups);
        }
        let window = self.review_window();
        for report in [Report::Below, Report::Due, Report::Revoked] {
            let Some(old) = previous.reports[report as usize].get() else { continue };
            if report == Report::Due && previous.review_window() != window {
                continue;
            }
            let on = added.is_some_and(|c| self.reports_on(report, c, window.as_ref()));
            let _ = self.reports[report as usize].set(renumbered(old, on));
        }
        if let Some(old) = previous.featured.get() {
            let on = added.is_some_and(|c| self.cases[c].featured && !self.is_revoked(c));
            let _ = self.featured.set(renumbered(old, on));
        }
    }

    /// A site of these parts; the lists worked out from them are made when first asked for.
    fn of(
        config: Config,
        cases: Vec<Arc<Case>>,
        taxonomies: Vec<Taxonomy>,
        assets: Vec<Asset>,
        related: Vec<Vec<usize>>,
    ) -> Site {
        Site {
            config,
            cases,
            taxonomies,
            assets,
            related,
            library: Default::default(),
            reports: Default::default(),
            featured: Default::default(),
        }
    }

    pub fn taxonomy(&self, id: &str) -> Option<&Taxonomy> {
        self.taxonomies.iter().find(|t| t.id == id)
    }

    /// The path of the page of `key` in the taxonomy `id`, `None` when the site does not build
    /// that taxonomy (left out of `taxonomies`): a link to it would lead nowhere.
    pub fn term_path(&self, id: &str, key: &str) -> Option<String> {
        let taxonomy = self.taxonomy(id)?;
        taxonomy.term(key).map(|t| taxonomy.term_path(t))
    }

    pub fn case_by_slug(&self, slug: &str) -> Option<&Case> {
        self.cases.iter().find(|c| c.slug == slug).map(|c| c.as_ref())
    }

    /// A fingerprint of every term's URL: summaries link to terms, so when this changes every
    /// summary must be made again.
    pub fn term_paths_fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for taxonomy in &self.taxonomies {
            taxonomy.id.hash(&mut hasher);
            for term in &taxonomy.terms {
                (&term.key, &term.slug).hash(&mut hasher);
            }
        }
        hasher.finish()
    }

    pub fn language(&self) -> &str {
        &self.config.language
    }
}

/// The keys of the terms of `kind` that file `case`, in the order it names them (repeats included).
fn term_keys(kind: &str, case: &Case, framework: &Framework, mut key: impl FnMut(&str)) {
    match kind {
        "enterprise" => key(&case.enterprise),
        "region" => case.region.iter().for_each(|r| key(r)),
        "unit" => case.unit.iter().for_each(|u| key(u)),
        "status" => key(&case.status),
        "action" => case.actions.iter().for_each(|a| key(a)),
        "dimension" => case.practices.iter().for_each(|p| key(&p.dimension)),
        "year" => key(&case.year().to_string()),
        "tag" => case.tags.iter().for_each(|t| key(t)),
        "indicator" if !case.is_revoked(framework) => {
            if let Some(latest) = case.latest() {
                latest.scores.iter().for_each(|(id, _)| key(id));
            }
        }
        _ => {}
    }
}

fn build_taxonomy(kind: &str, cases: &[Arc<Case>], config: &Config) -> Taxonomy {
    let framework = &config.framework;
    let language = config.language.as_str();
    // Hashed, then sorted once: a sorted map compared strings at each of the site's memberships.
    let mut groups: HashMap<String, Vec<usize>, foldhash::fast::RandomState> = HashMap::default();
    let mut add = |key: &str, index: usize| {
        // A case lists a term once, however many of its practices or tags name it.
        // Cases come in order, so a repeat is the last one listed. The key is copied only for a
        // new term.
        match groups.get_mut(key) {
            Some(list) if list.last() == Some(&index) => {}
            Some(list) => list.push(index),
            None => {
                groups.insert(key.to_owned(), vec![index]);
            }
        }
    };
    for (index, case) in cases.iter().enumerate() {
        term_keys(kind, case, framework, |key| add(key, index));
    }

    let mut terms: Vec<Term> = match framework_terms(kind, framework, language) {
        Some(list) => list
            .into_iter()
            .map(|(key, label)| {
                let cases = groups.remove(&key).unwrap_or_default();
                Term { slug: key.replace('_', "-"), key, label, cases }
            })
            .collect(),
        None => {
            let mut groups: Vec<(String, Vec<usize>)> = groups.into_iter().collect();
            groups.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            groups
                .into_iter()
                .map(|(key, cases)| Term { slug: crate::slug::slugify(&key), label: key.clone(), key, cases })
                .collect()
        }
    };
    sort_terms(kind, &mut terms);
    if kind == "indicator" {
        for term in &mut terms {
            rank_by_latest_score(&mut term.cases, &term.key, cases);
        }
    }
    dedupe_slugs(&mut terms);
    Taxonomy { id: kind.to_owned(), terms }
}

/// The terms (id, label) of a taxonomy the framework defines, in the framework's order: it lists
/// every one, even an empty one. `None` for a taxonomy of names (enterprise, tag …), which lists a
/// name while a case has it.
fn framework_terms(kind: &str, framework: &Framework, language: &str) -> Option<Vec<(String, String)>> {
    match kind {
        "status" => Some(framework.statuses.iter().map(|s| (s.id.clone(), s.label.get(language).to_owned())).collect()),
        "action" => Some(framework.actions.iter().map(|a| (a.id.clone(), a.label.get(language).to_owned())).collect()),
        "dimension" => {
            Some(framework.dimensions.iter().map(|d| (d.id.clone(), d.label.get(language).to_owned())).collect())
        }
        "indicator" => {
            Some(framework.indicators().map(|(_, i)| (i.id.clone(), i.label.get(language).to_owned())).collect())
        }
        _ => None,
    }
}

/// Terms in the order a taxonomy lists them: years newest first; names by how many cases they
/// have, then by name; framework terms as the framework orders them (left as they are).
fn sort_terms(kind: &str, terms: &mut [Term]) {
    match kind {
        "year" => terms.sort_by(|a, b| b.key.cmp(&a.key)),
        "tag" | "enterprise" | "region" | "unit" => {
            terms.sort_by(|a, b| b.cases.len().cmp(&a.cases.len()).then_with(|| a.key.cmp(&b.key)))
        }
        _ => {}
    }
}

/// The taxonomies of `previous` (the model before an edit, same configuration) after one case was
/// added or removed and every other stayed the same: each term's cases renumbered, and the added
/// case filed where [`build_taxonomy`] files it. A few passes over the terms' lists, where building
/// them reads every case (20 to 40 ms in `serve` at 10,000 cases, ranking the indicators the most).
/// `None` when the edit makes a term or leaves a name with no case: then the terms themselves
/// change, and the taxonomies are built afresh.
fn taxonomies_past(previous: &Site, cases: &[Arc<Case>], apart: OneCase, config: &Config) -> Option<Vec<Taxonomy>> {
    let framework = &config.framework;
    if previous.taxonomies.iter().map(|t| &t.id).ne(config.taxonomies.iter()) {
        return None;
    }
    let mut taxonomies = Vec::with_capacity(previous.taxonomies.len());
    for old in &previous.taxonomies {
        let kind = old.id.as_str();
        let mut terms: Vec<Term> = old
            .terms
            .iter()
            .map(|term| Term {
                key: term.key.clone(),
                label: term.label.clone(),
                slug: term.slug.clone(),
                cases: term.cases.iter().filter_map(|&i| apart.after(i)).collect(),
            })
            .collect();
        let names = framework_terms(kind, framework, &config.language).is_none();
        if names && terms.iter().any(|term| term.cases.is_empty()) {
            return None;
        }
        if let OneCase::Added(c) = apart {
            let mut keys: Vec<String> = Vec::new();
            term_keys(kind, &cases[c], framework, |key| keys.push(key.to_owned()));
            keys.sort_unstable();
            keys.dedup();
            for key in &keys {
                let term = terms.iter_mut().find(|term| &term.key == key)?;
                let at = if kind == "indicator" {
                    // Ranked as `rank_by_latest_score` ranks: higher score first, then the newer case.
                    let score = |i: usize| cases[i].latest().and_then(|a| a.score(key)).unwrap_or(f64::MIN);
                    let new = score(c);
                    term.cases.partition_point(|&i| new.total_cmp(&score(i)).then_with(|| i.cmp(&c)).is_lt())
                } else {
                    term.cases.partition_point(|&i| i < c)
                };
                term.cases.insert(at, c);
            }
        }
        // Counts moved, so names may change places, and with them which of two names that
        // transliterate alike gets the `-2`: their slugs are made again when the order changed.
        sort_terms(kind, &mut terms);
        if terms.iter().map(|t| &t.key).ne(old.terms.iter().map(|t| &t.key)) {
            for term in &mut terms {
                term.slug = crate::slug::slugify(&term.key);
            }
            dedupe_slugs(&mut terms);
        }
        taxonomies.push(Taxonomy { id: old.id.clone(), terms });
    }
    Some(taxonomies)
}

/// Highest latest score first; ties by newest case.
fn rank_by_latest_score(indices: &mut [usize], indicator: &str, cases: &[Arc<Case>]) {
    // Each score looked up once, not at every comparison (a lookup reads the scores by name).
    let mut keyed: Vec<(f64, usize)> =
        indices.iter().map(|&i| (cases[i].latest().and_then(|a| a.score(indicator)).unwrap_or(f64::MIN), i)).collect();
    keyed.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    for (slot, (_, i)) in indices.iter_mut().zip(keyed) {
        *slot = i;
    }
}

/// Two names that transliterate alike (同音字) get `-2`, `-3` … in the order listed.
fn dedupe_slugs(terms: &mut [Term]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for term in terms.iter_mut() {
        let count = seen.entry(term.slug.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            term.slug = format!("{}-{}", term.slug, count);
        }
    }
}

/// The portfolio's average of one indicator over the latest assessments of the active cases.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorAverage {
    pub indicator: String,
    pub average: Option<f64>,
    /// How many cases the average is over.
    pub count: usize,
}

/// The stretch of time "the last two periods" covers: the portfolio's latest period and the one
/// before it of the same length (`2025-Q2` → `2025-Q1` and `2025-Q2`; `2024` → 2023 and 2024).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewWindow {
    pub latest: Period,
    pub months: std::ops::Range<u32>,
}

impl ReviewWindow {
    /// Whether an assessment of `period` falls (even partly) in the window.
    pub fn covers(&self, period: &Period) -> bool {
        let m = period.months();
        m.start < self.months.end && m.end > self.months.start
    }
}

impl Site {
    /// Whether the case at `index` lost its title: such cases stay reachable but are left out of
    /// rankings, related cases and the home page.
    pub fn is_revoked(&self, index: usize) -> bool {
        self.cases.get(index).is_some_and(|c| c.is_revoked(&self.config.framework))
    }

    /// Indices of the cases that are not revoked, newest first.
    pub fn active(&self) -> Vec<usize> {
        (0..self.cases.len()).filter(|&i| !self.is_revoked(i)).collect()
    }

    /// The average latest score of each indicator (framework order) over the active cases.
    pub fn indicator_averages(&self) -> Vec<IndicatorAverage> {
        let active = self.active();
        self.config
            .framework
            .indicators()
            .map(|(_, indicator)| {
                let scores: Vec<f64> = active
                    .iter()
                    .filter_map(|&i| self.cases[i].latest().and_then(|a| a.score(&indicator.id)))
                    .collect();
                let average = (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64);
                IndicatorAverage { indicator: indicator.id.clone(), average, count: scores.len() }
            })
            .collect()
    }

    /// Every distinct assessment period of the portfolio, oldest first.
    pub fn periods(&self) -> Vec<Period> {
        let set: std::collections::BTreeSet<&Period> =
            self.cases.iter().flat_map(|c| c.assessments.iter().map(|a| &a.period)).collect();
        set.into_iter().cloned().collect()
    }

    /// The last two periods, counted back from the portfolio's latest period (the one that ends
    /// last; of two ending together, the shorter). `None` when nothing was ever assessed.
    pub fn review_window(&self) -> Option<ReviewWindow> {
        let latest = self
            .cases
            .iter()
            .flat_map(|c| c.assessments.iter().map(|a| &a.period))
            .max_by(|a, b| {
                let (ma, mb) = (a.months(), b.months());
                ma.end.cmp(&mb.end).then_with(|| ma.start.cmp(&mb.start)).then_with(|| a.cmp(b))
            })?
            .clone();
        let m = latest.months();
        let length = m.end - m.start;
        Some(ReviewWindow { months: m.end.saturating_sub(2 * length)..m.end, latest })
    }

    /// Active cases that have been assessed, but not in the last two periods: due for review.
    /// (Cases never assessed are still being planned or built: dynamic management starts with the
    /// first assessment.)
    pub fn due_for_review(&self) -> Vec<usize> {
        let Some(window) = self.review_window() else {
            return Vec::new();
        };
        self.active().into_iter().filter(|&i| self.is_due(i, &window)).collect()
    }

    fn is_due(&self, index: usize, window: &ReviewWindow) -> bool {
        let case = &self.cases[index];
        !case.assessments.is_empty() && !case.assessments.iter().any(|a| window.covers(&a.period))
    }

    /// Active cases whose latest score of at least one indicator is under its threshold.
    pub fn below_threshold(&self) -> Vec<usize> {
        self.active().into_iter().filter(|&i| self.is_below(i)).collect()
    }

    fn is_below(&self, index: usize) -> bool {
        let fw = &self.config.framework;
        self.cases[index].latest().is_some_and(|latest| {
            latest
                .scores
                .iter()
                .any(|(id, score)| fw.indicator(id).and_then(|i| i.threshold).is_some_and(|t| *score < t))
        })
    }

    /// Whether the case at `index` is on the list of `report` (the review window given for
    /// [`Report::Due`]).
    fn reports_on(&self, report: Report, index: usize, window: Option<&ReviewWindow>) -> bool {
        match report {
            Report::Revoked => self.is_revoked(index),
            _ if self.is_revoked(index) => false,
            Report::Below => self.is_below(index),
            Report::Due => window.is_some_and(|w| self.is_due(index, w)),
        }
    }

    /// The practice library: for each dimension (or action) of the framework, in its order, every
    /// practice filed under it, in case order. A practice that names no action of its own is filed
    /// under its case's actions.
    pub fn library(&self, grouping: Grouping) -> &[Vec<PracticeRef>] {
        self.library[grouping as usize].get_or_init(|| {
            let filing = Filing::new(grouping, &self.config.framework);
            let mut groups = filing.groups();
            // One pass over the practices, in case order.
            for (c, case) in self.cases.iter().enumerate() {
                filing.file(c, case, &mut groups);
            }
            groups
        })
    }

    /// The cases `report` lists, in case order.
    pub fn report(&self, report: Report) -> &[usize] {
        self.reports[report as usize].get_or_init(|| match report {
            Report::Below => self.below_threshold(),
            Report::Due => self.due_for_review(),
            Report::Revoked => (0..self.cases.len()).filter(|&i| self.is_revoked(i)).collect(),
        })
    }

    /// The featured cases that kept their title, in case order.
    pub fn featured(&self) -> &[usize] {
        self.featured
            .get_or_init(|| (0..self.cases.len()).filter(|&i| self.cases[i].featured && !self.is_revoked(i)).collect())
    }

    /// The related cases of the case at `index` (see [`related_cases`]).
    pub fn related(&self, index: usize) -> &[usize] {
        self.related.get(index).map_or(&[], Vec::as_slice)
    }
}

/// Where the practice library files practices: a practice under its dimension, or under its
/// actions (its case's when it names none), each group once.
struct Filing<'a> {
    grouping: Grouping,
    group_of: HashMap<&'a str, usize>,
}

impl<'a> Filing<'a> {
    fn new(grouping: Grouping, framework: &'a Framework) -> Filing<'a> {
        let terms = grouping.terms(framework);
        Filing { grouping, group_of: terms.iter().enumerate().map(|(g, t)| (t.id.as_str(), g)).collect() }
    }

    /// One empty list per group of the framework.
    fn groups(&self) -> Vec<Vec<PracticeRef>> {
        vec![Vec::new(); self.group_of.len()]
    }

    /// Adds the practices of `case`, at `index`, to the end of their groups.
    fn file(&self, index: usize, case: &Case, groups: &mut [Vec<PracticeRef>]) {
        for (n, p) in case.practices.iter().enumerate() {
            let filed: &[String] = match self.grouping {
                Grouping::Dimension => std::slice::from_ref(&p.dimension),
                Grouping::Action if p.actions.is_empty() => &case.actions,
                Grouping::Action => &p.actions,
            };
            for id in filed {
                if let Some(&g) = self.group_of.get(id.as_str())
                    && groups[g].last() != Some(&(index, n))
                {
                    groups[g].push((index, n));
                }
            }
        }
    }
}

/// Whether two lists of cases (in site order) give the same taxonomies: the same case at every
/// place, and every changed case alike in all that [`build_taxonomy`] looks at; with `scores`,
/// also the same related cases (alike in all that [`related_cases`] looks at: the latest scores
/// too, where the taxonomies read only which indicators were scored).
fn same_groups(before: &[Arc<Case>], after: &[Arc<Case>], framework: &Framework, scores: bool) -> bool {
    let alike = |a: &Case, b: &Case| {
        a.slug == b.slug
            && a.year() == b.year()
            && a.enterprise == b.enterprise
            && a.region == b.region
            && a.unit == b.unit
            && a.status == b.status
            && a.tags == b.tags
            && a.actions == b.actions
            && a.practices.iter().map(|p| &p.dimension).eq(b.practices.iter().map(|p| &p.dimension))
            && match (a.latest(), b.latest()) {
                (Some(x), Some(y)) if scores => x.scores == y.scores,
                (Some(x), Some(y)) => x.scores.iter().map(|(id, _)| id).eq(y.scores.iter().map(|(id, _)| id)),
                (x, y) => x.is_none() && y.is_none(),
            }
            && a.is_revoked(framework) == b.is_revoked(framework)
    };
    before.len() == after.len() && before.iter().zip(after).all(|(a, b)| a.revision == b.revision || alike(a, b))
}

/// How the cases after an edit differ from those before when one case was added or removed and
/// every other is the same (same revision, same order): the index of that case, after the edit
/// when added, before it when removed.
///
/// Then each other case's candidates (see [`related_cases`]) changed only at the windows' edges:
/// an added case enters the windows of its posting lists and of the newest cases where it is among
/// the first, and pushes out their last; a removed case leaves them, and the case after their last
/// moves in. A case's related cases are the best of its candidates, so they stand while they all
/// remain candidates, with any case that moved in merged in by the same score and order: every
/// candidate past the 3 to 5 kept ranks below all of them, so the best of the kept and the moved-in
/// is the best of all (a moved-in case with a positive score lengthens the list as a full pass
/// would).
///
/// The search index numbers its cases by their place too, and renumbers them by the same rule
/// (`search::index::Renumber`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum OneCase {
    Added(usize),
    Removed(usize),
}

impl OneCase {
    /// A case's index before the edit, from its index after it (none for the added case).
    pub(crate) fn before(self, index: usize) -> Option<usize> {
        match self {
            OneCase::Added(c) => (index != c).then(|| index - usize::from(index > c)),
            OneCase::Removed(c) => Some(index + usize::from(index >= c)),
        }
    }

    /// A case's index after the edit, from its index before it (none for the removed case).
    pub(crate) fn after(self, index: usize) -> Option<usize> {
        match self {
            OneCase::Added(c) => Some(index + usize::from(index >= c)),
            OneCase::Removed(c) => (index != c).then(|| index - usize::from(index > c)),
        }
    }
}

fn one_case_apart(old: &[Arc<Case>], new: &[Arc<Case>]) -> Option<OneCase> {
    one_case_apart_by(old, new, |a, b| a.revision == b.revision)
}

/// [`one_case_apart`], with the cases that are the same told by `same`.
pub(crate) fn one_case_apart_by(
    old: &[Arc<Case>],
    new: &[Arc<Case>],
    same: impl Fn(&Case, &Case) -> bool,
) -> Option<OneCase> {
    let (longer, shorter) = match new.len().checked_sub(old.len()) {
        Some(1) => (new, old),
        Some(_) => return None,
        None if old.len() == new.len() + 1 => (old, new),
        None => return None,
    };
    let at = shorter.iter().zip(longer).position(|(a, b)| !same(a, b)).unwrap_or(shorter.len());
    let rest_same = shorter[at..].iter().zip(&longer[at + 1..]).all(|(a, b)| same(a, b));
    rest_same.then_some(if new.len() > old.len() { OneCase::Added(at) } else { OneCase::Removed(at) })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn config() -> Config {
        crate::config::load(std::path::Path::new(env!("CARGO_MANIFEST_DIR"))).expect("the sample configuration")
    }

    /// A case spread over the sample framework by `n`: its date, enterprise, status, tags, actions,
    /// dimensions and scores all vary.
    pub(super) fn case(n: usize, config: &Config) -> Case {
        let fw = &config.framework;
        let pick = |list: &[String], k: usize| list[(n * 7 + k * 3) % list.len()].clone();
        let actions: Vec<String> = fw.actions.iter().map(|a| a.id.clone()).collect();
        let dimensions: Vec<String> = fw.dimensions.iter().map(|d| d.id.clone()).collect();
        let statuses: Vec<String> = fw.statuses.iter().map(|s| s.id.clone()).collect();
        let tags: Vec<String> = (0..40).map(|t| format!("标签{t}")).collect();
        let scores = fw.indicators().map(|(_, i)| (i.id.clone(), 60.0 + ((n * 13 + i.id.len() * 5) % 40) as f64));
        let text = format!("{}-{:02}-{:02}", 2020 + n % 5, 1 + n % 12, 1 + n % 28);
        Case {
            revision: next_revision(),
            source: format!("content/c{n}.md"),
            slug: format!("c{n}"),
            path: format!("cases/c{n}/"),
            title: format!("案例{n}"),
            site: format!("站点{}", n % 50),
            enterprise: format!("企业{}", n % 9),
            unit: None,
            region: None,
            status: pick(&statuses, 0),
            date: Date::parse(&text).expect("a date"),
            updated: None,
            history: Default::default(),
            source_url: None,
            summary: String::new(),
            featured: false,
            draft: false,
            cover: None,
            cover_image: None,
            images: Vec::new(),
            timeline: Vec::new(),
            assessments: vec![Assessment {
                period: Period::parse("2024-Q4").expect("a period"),
                scores: scores.collect(),
            }],
            actions: vec![pick(&actions, 1), pick(&actions, 2)],
            tags: vec![pick(&tags, 3), pick(&tags, 5)],
            practices: (0..2)
                .map(|k| Practice {
                    title: format!("做法{k}"),
                    dimension: pick(&dimensions, k),
                    indicators: Vec::new(),
                    actions: Vec::new(),
                    summary: String::new(),
                    steps: Vec::new(),
                })
                .collect(),
            extra: BTreeMap::new(),
            body: Rendered::default(),
        }
    }

    /// Each taxonomy's id with its terms' keys, labels, slugs and case lists, in order.
    type Groups = Vec<(String, Vec<(String, String, String, Vec<usize>)>)>;

    fn groups(site: &Site) -> Groups {
        let terms = |t: &Taxonomy| {
            t.terms
                .iter()
                .map(|term| (term.key.clone(), term.label.clone(), term.slug.clone(), term.cases.clone()))
                .collect()
        };
        site.taxonomies.iter().map(|t| (t.id.clone(), terms(t))).collect()
    }

    /// After an edit, the model reused from the one before equals a model made from scratch, both
    /// when the edit leaves the groups alone (reused) and when it changes them (worked out again);
    /// over the exact related cases and over the inverted index (more than 1,500 active cases).
    #[test]
    fn a_model_after_an_edit_equals_one_made_afresh() {
        let config = config();
        for count in [40, 2 * RELATED_EXACT_LIMIT] {
            let cases: Vec<Arc<Case>> = (0..count).map(|n| Arc::new(case(n, &config))).collect();
            let before = Site::new(config.clone(), cases.clone(), Vec::new());
            let edits: [fn(&mut Case); 3] = [
                |c| c.title.push_str("（修订）"),
                |c| c.tags.push("新标签".to_owned()),
                |c| c.assessments[0].scores[0].1 = 99.0,
            ];
            // Case 7 and, together, cases 300, 1200 and 2700 (as many as there are): scores
            // changed for cases old and new work out again only the cases that looked at them.
            let picks: [&[usize]; 2] = [&[7], &[300, 1200, 2700]];
            for (edit, picked) in edits.iter().flat_map(|edit| picks.iter().map(move |p| (edit, p))) {
                let mut edited = cases.clone();
                for &n in picked.iter().filter(|&&n| n < count) {
                    let mut changed = case(n, &config);
                    edit(&mut changed);
                    edited[n] = Arc::new(changed);
                }
                let after = Site::after(Some(&before), config.clone(), edited.clone(), Vec::new(), true);
                let fresh = Site::new(config.clone(), edited, Vec::new());
                assert_eq!(after.related, fresh.related, "{count} cases, {picked:?}");
                assert_eq!(groups(&after), groups(&fresh), "{count} cases, {picked:?}");
            }
        }
    }

    /// After a case is added or removed, every other the same, the related cases taken over and
    /// merged equal those made from scratch: the case newest, oldest or in between, and added
    /// revoked, or assessed in a later period (which moves the review window), too; with the
    /// sample's spread of tags, and with few tags, whose posting lists run past the windows (so that
    /// a case pushed out of them, or moving in, changes related cases). Over the inverted index:
    /// more than 1,500 active cases. The practice library, the reports and the featured cases, taken
    /// over too, equal those worked out afresh.
    #[test]
    fn a_model_after_a_case_added_or_removed_equals_one_made_afresh() {
        let config = config();
        let count = 2 * RELATED_EXACT_LIMIT;
        let crowded = |n: usize| {
            let mut case = case(n, &config);
            // Two names that transliterate alike, in as many cases: one case more puts the other
            // first, and gives it the plain slug.
            let alike = if n.is_multiple_of(2) { "张三" } else { "章三" };
            case.tags = vec![format!("标签{}", n % 6), format!("标签{}", 6 + (n / 7) % 4), alike.to_owned()];
            // Profiles spread wide, so that the best in a window is rarely the best there is.
            for (k, (_, score)) in case.assessments[0].scores.iter_mut().enumerate() {
                *score = 70.0 + ((n * 37 + k * 11) % 23) as f64;
            }
            // Some cases featured, some not assessed lately (due for review).
            case.featured = n.is_multiple_of(5);
            case.assessments[0].period = Period::parse(&format!("2024-Q{}", 1 + n % 4)).expect("a period");
            case
        };
        let spread = |n: usize| case(n, &config);
        let makers: [(&str, &dyn Fn(usize) -> Case); 2] = [("spread", &spread), ("crowded", &crowded)];
        let revoked =
            config.framework.statuses.iter().find(|s| s.revoked).map(|s| s.id.clone()).expect("a revoked status");
        // The first case whose related cases differ, if any.
        let first_difference = |a: &Site, b: &Site| {
            (0..a.related.len().max(b.related.len())).find(|&i| a.related.get(i) != b.related.get(i))
        };
        // The practice library, the reports and the featured cases.
        let lists = |site: &Site| {
            let library = [Grouping::Dimension, Grouping::Action].map(|g| site.library(g).to_vec());
            let reports = [Report::Below, Report::Due, Report::Revoked].map(|r| site.report(r).to_vec());
            (library, reports, site.featured().to_vec())
        };
        for (name, make) in makers {
            let cases: Vec<Arc<Case>> = (0..count).map(|n| Arc::new(make(n))).collect();
            let before = Site::new(config.clone(), cases, Vec::new());
            // Worked out, so that the models after take them over.
            lists(&before);
            // Each with its date (the newest, among the oldest, in between; in a year no case had),
            // and named or another status, maybe a later period or a tag no case had.
            type Added<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>);
            let added: [Added; 8] = [
                ("2024-12-31", None, None, None),
                ("2020-01-01", None, None, None),
                ("2022-06-15", None, None, None),
                ("2024-12-31", Some(&revoked), None, None),
                ("2024-12-31", None, Some("2025-Q2"), None),
                ("2022-06-15", None, None, Some("新标签")),
                ("2031-06-30", None, None, None),
                ("2019-01-01", None, None, None),
            ];
            for (n, (date, status, period, tag)) in added.into_iter().enumerate() {
                let mut new = make(count + n);
                new.date = Date::parse(date).expect("a date");
                new.tags.extend(tag.map(str::to_owned));
                new.status = status.unwrap_or("named").to_owned();
                if let Some(period) = period {
                    new.assessments[0].period = Period::parse(period).expect("a period");
                }
                let mut cases = before.cases.clone();
                cases.push(Arc::new(new));
                let after = Site::after(Some(&before), config.clone(), cases.clone(), Vec::new(), true);
                let fresh = Site::new(config.clone(), cases, Vec::new());
                assert_eq!(first_difference(&after, &fresh), None, "{name}: added on {date}");
                assert!(groups(&after) == groups(&fresh), "{name}: added on {date}");
                assert!(lists(&after) == lists(&fresh), "{name}: added on {date}, {period:?}");
                // Removed again: a term it alone had (its tag, its year) goes with it.
                let mut back = after.cases.clone();
                back.retain(|c| c.slug != format!("c{}", count + n));
                let again = Site::after(Some(&after), config.clone(), back.clone(), Vec::new(), true);
                let fresh = Site::new(config.clone(), back, Vec::new());
                assert!(groups(&again) == groups(&fresh), "{name}: added on {date} and removed");
            }
            for at in [0, 1, 40, count / 2, count - 1] {
                let mut cases = before.cases.clone();
                cases.remove(at);
                let after = Site::after(Some(&before), config.clone(), cases.clone(), Vec::new(), true);
                let fresh = Site::new(config.clone(), cases, Vec::new());
                assert_eq!(first_difference(&after, &fresh), None, "{name}: removed the case at {at}");
                assert!(groups(&after) == groups(&fresh), "{name}: removed the case at {at}");
                assert!(lists(&after) == lists(&fresh), "{name}: removed the case at {at}");
            }
        }
    }
}
