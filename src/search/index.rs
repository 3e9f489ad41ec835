//! The search index: built from the site model, held in memory for the Rust engine, and written as
//! plain JavaScript files for the browser (see [`super::files`]).
//!
//! Every term (CJK unigram or bigram, Latin word) has four disjoint, sorted lists of case numbers,
//! one per field tier: the title, the site's names (site, enterprise, unit, region), the practices
//! and tags, and the body. A case is in the list of the best tier its term occurs in. Case numbers
//! are positions in [`Site::cases`] (newest first), so "by date" is "by number".

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher, RandomState};

use rayon::prelude::*;

use super::tokenize::{self, Run};
use crate::site::{Case, Site};

/// Field tiers, best first.
pub const TIERS: usize = 4;
/// What a clause found in a tier adds to a case's score (title, names, practices, body).
pub const TIER_WEIGHTS: [u32; TIERS] = [16, 8, 4, 1];
/// Characters of each case's text kept for excerpts and highlighting.
pub const STORED_CHARS: usize = 240;

#[derive(Debug, Clone)]
pub struct Doc {
    /// Page path relative to the portal root (`cases/slug/`).
    pub url: String,
    pub title: String,
    pub site: String,
    pub enterprise: String,
    pub date: String,
    /// The status id.
    pub status: String,
    /// The status as readers see it.
    pub status_label: String,
    /// The case file relative to the site folder.
    pub source: String,
    /// The start of the searchable text after the names: practices and body, [`STORED_CHARS`] at most.
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Facet {
    /// `status`, `enterprise`, `action`, `dimension`, `year`, `tag`.
    pub id: String,
    pub values: Vec<FacetValue>,
}

#[derive(Debug, Clone)]
pub struct FacetValue {
    pub key: String,
    pub label: String,
    pub docs: Vec<u32>,
}

#[derive(Debug, Clone)]
pub struct Indicator {
    pub id: String,
    pub label: String,
    /// The latest assessment's score ×10, rounded; `None` when the case has none.
    pub scores: Vec<Option<u16>>,
}

/// Postings of one term, per tier (disjoint), sorted: each entry is `case << 32 | mask` (a case
/// whose modulus is above 32 has instead the number of its mask in [`Index::wide_masks`]; read
/// masks with [`Index::mask`]). For a CJK bigram, bit `p % m` of the mask is set for each position `p` (in CJK characters from
/// the start of the case's text) where the bigram occurs, `m` being the case's [`modulus`]: a longer
/// substring needs its bigrams at consecutive positions, which the masks check (`数字孪生` needs 数字
/// at p and 孪生 at p+2 for some p modulo m), and the number of bits set is a measure of
/// occurrences. Other terms have mask 0.
pub type Postings = [Vec<u64>; TIERS];

/// The position modulus of a case with `len` CJK positions: 8 for case-sized text, up to
/// [`MAX_MODULUS`] for long documents, so that their masks do not fill up.
pub fn modulus(len: usize) -> u32 {
    if len <= CASE_SIZED {
        return 8;
    }
    (len.div_ceil(MODULUS_SPAN) as u32).next_power_of_two().clamp(16, MAX_MODULUS)
}
/// CJK positions of a text that 8-bit masks serve well (a write-up of about 1,200 characters).
pub const CASE_SIZED: usize = 1536;
/// CJK positions per bit of a mask before the modulus doubles (see [`modulus`]).
pub const MODULUS_SPAN: usize = 24;
pub const MAX_MODULUS: u32 = 128;

/// A position mask (see [`Postings`]).
pub type Mask = u128;

/// The case number of a posting entry.
pub fn entry_doc(entry: u64) -> u32 {
    (entry >> 32) as u32
}

/// The low 32 bits of a posting entry: a mask, or a number in [`Index::wide_masks`].
pub fn entry_low(entry: u64) -> u32 {
    entry as u32
}

#[derive(Debug, Clone, Default)]
pub struct Index {
    pub docs: Vec<Doc>,
    /// Sorted by term.
    pub terms: Vec<(String, Postings)>,
    pub facets: Vec<Facet>,
    pub indicators: Vec<Indicator>,
    /// Each case's position modulus (see [`modulus`]).
    pub moduli: Vec<u32>,
    /// The masks of cases whose modulus is above 32.
    pub wide_masks: Vec<Mask>,
}

impl Index {
    pub fn postings(&self, term: &str) -> Option<&Postings> {
        self.terms.binary_search_by(|(t, _)| t.as_str().cmp(term)).ok().map(|i| &self.terms[i].1)
    }

    /// Every term starting with `prefix`, in order.
    pub fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a (String, Postings)> + 'a {
        let start = self.terms.partition_point(|(t, _)| t.as_str() < prefix);
        self.terms[start..].iter().take_while(move |(t, _)| t.starts_with(prefix))
    }

    /// The position modulus of a case.
    pub fn modulus(&self, doc: u32) -> u32 {
        self.moduli.get(doc as usize).copied().unwrap_or(8)
    }

    /// The position mask of a posting entry.
    pub fn mask(&self, entry: u64) -> Mask {
        if self.modulus(entry_doc(entry)) > 32 {
            self.wide_masks.get(entry_low(entry) as usize).copied().unwrap_or(0)
        } else {
            Mask::from(entry_low(entry))
        }
    }

    pub fn facet(&self, id: &str) -> Option<&Facet> {
        self.facets.iter().find(|f| f.id == id)
    }

    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }
}

/// The fields of a case by tier, as the index sees them.
pub fn fields(case: &Case) -> [String; TIERS] {
    let mut names = format!("{}\n{}", case.site, case.enterprise);
    for extra in [&case.unit, &case.region].into_iter().flatten() {
        names.push('\n');
        names.push_str(extra);
    }
    let mut practices = String::new();
    for p in &case.practices {
        for part in std::iter::once(&p.title).chain(std::iter::once(&p.summary)).chain(&p.steps) {
            practices.push_str(part);
            practices.push('\n');
        }
    }
    for tag in &case.tags {
        practices.push_str(tag);
        practices.push('\n');
    }
    [case.title.clone(), names, practices, case.body.plain_text.clone()]
}

/// A term in packed form while building: a CJK unigram or bigram is its code points (18 bits
/// each: CJK code points are below 0x40000), a word an interned number.
const WORD_TAG: u64 = 1 << 40;

fn pack_cjk(a: char, b: Option<char>) -> u64 {
    (((a as u64) & 0x3_FFFF) << 18) | b.map_or(0, |b| (b as u64) & 0x3_FFFF)
}

fn unpack(key: u64, words: &[String]) -> String {
    if key & WORD_TAG != 0 {
        return words[(key & !WORD_TAG) as usize].clone();
    }
    let a = char::from_u32((key >> 18) as u32).unwrap_or('\u{FFFD}');
    let b = (key & 0x3_FFFF) as u32;
    let mut s = String::from(a);
    if b != 0 {
        s.push(char::from_u32(b).unwrap_or('\u{FFFD}'));
    }
    s
}

/// A case's CJK terms (`key << 2 | tier`, position mask), its words with their tier, and its
/// position modulus.
type DocTerms = (Vec<(u64, Mask)>, Vec<(String, u8)>, u32);

fn doc_terms(case: &Case) -> DocTerms {
    let fields = fields(case);
    let runs: Vec<Vec<Run>> = fields.iter().map(|text| tokenize::runs(text)).collect();
    let len: usize = runs.iter().flatten().map(|run| if let Run::Cjk(chars) = run { chars.len() + 1 } else { 0 }).sum();
    let m = modulus(len);
    // One entry per occurrence: key << 9 | tier << 7 | position modulo m (m ≤ 128, so 7 bits).
    let mut cjk: Vec<u64> = Vec::new();
    let mut words: Vec<(String, u8)> = Vec::new();
    let mut pos: u64 = 0;
    for (tier, runs) in runs.into_iter().enumerate() {
        let tier = tier as u64;
        for run in runs {
            match run {
                Run::Word(w) => words.push((w, tier as u8)),
                Run::Cjk(chars) => {
                    for (i, &c) in chars.iter().enumerate() {
                        cjk.push((pack_cjk(c, None) << 9) | (tier << 7));
                        if let Some(&next) = chars.get(i + 1) {
                            let bit = (pos + i as u64) % u64::from(m);
                            cjk.push((pack_cjk(c, Some(next)) << 9) | (tier << 7) | bit);
                        }
                    }
                    pos += chars.len() as u64 + 1;
                }
            }
        }
    }
    // Sorted by key, then tier: the first of each key has the best tier; masks are merged.
    cjk.sort_unstable();
    let mut merged: Vec<(u64, Mask)> = Vec::with_capacity(cjk.len() / 2);
    for entry in cjk {
        let key = entry >> 9;
        let bigram = key & 0x3_FFFF != 0;
        let bit = if bigram { 1 << (entry & 127) } else { 0 };
        match merged.last_mut() {
            Some(last) if last.0 >> 2 == key => last.1 |= bit,
            _ => merged.push(((key << 2) | ((entry >> 7) & 3), bit)),
        }
    }
    words.sort_unstable();
    words.dedup_by(|b, a| a.0 == b.0);
    (merged, words, m)
}

/// Cases tokenized at once while building (bounds the memory of their terms).
const BUILD_CHUNK: usize = 1024;

/// A fast hash of the packed term keys while building, seeded per build so that no text can be
/// written to make keys collide (the terms are sorted afterwards: the output does not depend on it).
struct KeyHash(u64);

impl BuildHasher for KeyHash {
    type Hasher = KeyHasher;

    fn build_hasher(&self) -> KeyHasher {
        KeyHasher(self.0)
    }
}

struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b) ^ self.0.rotate_left(8));
        }
    }

    fn write_u64(&mut self, n: u64) {
        let h = (n ^ self.0).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 32);
    }
}

/// Builds the index of a site (cases in site order).
pub fn build(site: &Site) -> Index {
    let mut words: Vec<String> = Vec::new();
    let mut word_ids: HashMap<String, u64> = HashMap::new();
    // Per term: entries `case << 34 | tier << 32 | mask`.
    let seed = RandomState::new().hash_one(0u64) | 1;
    let mut lists: HashMap<u64, Vec<u64>, KeyHash> = HashMap::with_hasher(KeyHash(seed));
    let mut moduli: Vec<u32> = Vec::with_capacity(site.cases.len());
    let mut wide_masks: Vec<Mask> = Vec::new();
    for (chunk_no, chunk) in site.cases.chunks(BUILD_CHUNK).enumerate() {
        let per_doc: Vec<DocTerms> = chunk.par_iter().map(|c| doc_terms(c)).collect();
        for (i, (cjk, doc_words, m)) in per_doc.into_iter().enumerate() {
            let doc = (chunk_no * BUILD_CHUNK + i) as u64;
            moduli.push(m);
            for (packed, mask) in cjk {
                let low = if m > 32 {
                    wide_masks.push(mask);
                    (wide_masks.len() - 1) as u64
                } else {
                    mask as u64
                };
                lists.entry(packed >> 2).or_default().push((doc << 34) | ((packed & 3) << 32) | low);
            }
            for (word, tier) in doc_words {
                let id = match word_ids.get(&word) {
                    Some(&id) => id,
                    None => {
                        let id = WORD_TAG | words.len() as u64;
                        words.push(word.clone());
                        word_ids.insert(word, id);
                        id
                    }
                };
                lists.entry(id).or_default().push((doc << 34) | (u64::from(tier) << 32));
            }
        }
    }
    drop(word_ids);
    let mut terms: Vec<(String, Postings)> = lists
        .into_par_iter()
        .map(|(key, list)| {
            let mut postings: Postings = Default::default();
            for entry in list {
                postings[((entry >> 32) & 3) as usize].push(((entry >> 34) << 32) | (entry & 0xFFFF_FFFF));
            }
            for p in &mut postings {
                p.shrink_to_fit();
            }
            (unpack(key, &words), postings)
        })
        .collect();
    terms.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));

    let docs = site.cases.iter().map(|c| doc_entry(site, c)).collect();
    Index { docs, terms, facets: facets(site), indicators: indicators(site), moduli, wide_masks }
}

fn doc_entry(site: &Site, case: &Case) -> Doc {
    let mut text = String::new();
    let fields = fields(case);
    for part in [&fields[2], &fields[3]] {
        let part = part.split_whitespace().collect::<Vec<_>>().join(" ");
        if !text.is_empty() && !part.is_empty() {
            text.push(' ');
        }
        text.push_str(&part);
    }
    let text: String = text.chars().take(STORED_CHARS).collect();
    Doc {
        url: case.path.clone(),
        title: case.title.clone(),
        site: case.site.clone(),
        enterprise: case.enterprise.clone(),
        date: case.date.to_string(),
        status: case.status.clone(),
        status_label: site
            .config
            .framework
            .status(&case.status)
            .map_or(case.status.as_str(), |s| s.label.get(site.language()))
            .to_owned(),
        source: case.source.clone(),
        text,
    }
}

const FACETS: [&str; 6] = ["status", "enterprise", "action", "dimension", "year", "tag"];

fn facets(site: &Site) -> Vec<Facet> {
    FACETS
        .iter()
        .map(|&id| {
            let values = match site.taxonomy(id) {
                // The site's taxonomy gives the terms, their order and labels.
                Some(taxonomy) => taxonomy
                    .terms
                    .iter()
                    .map(|t| FacetValue {
                        key: t.key.clone(),
                        label: t.label.clone(),
                        docs: {
                            let mut docs: Vec<u32> = t.cases.iter().map(|&i| i as u32).collect();
                            docs.sort_unstable();
                            docs
                        },
                    })
                    .collect(),
                None => derive_facet(site, id),
            };
            Facet { id: id.to_owned(), values }
        })
        .collect()
}

/// A facet the site does not browse by (not among its taxonomies): derived from the cases.
fn derive_facet(site: &Site, id: &str) -> Vec<FacetValue> {
    let lang = site.language();
    let fw = &site.config.framework;
    let mut values: Vec<FacetValue> = match id {
        "status" => fw.statuses.iter().map(|s| (s.id.clone(), s.label.get(lang).to_owned())).collect(),
        "action" => fw.actions.iter().map(|a| (a.id.clone(), a.label.get(lang).to_owned())).collect(),
        "dimension" => fw.dimensions.iter().map(|d| (d.id.clone(), d.label.get(lang).to_owned())).collect(),
        _ => Vec::new(),
    }
    .into_iter()
    .map(|(key, label)| FacetValue { key, label, docs: Vec::new() })
    .collect();
    for (i, case) in site.cases.iter().enumerate() {
        let keys: Vec<String> = match id {
            "status" => vec![case.status.clone()],
            "enterprise" => vec![case.enterprise.clone()],
            "action" => case.actions.clone(),
            "dimension" => case.practices.iter().map(|p| p.dimension.clone()).collect(),
            "year" => vec![case.year().to_string()],
            "tag" => case.tags.clone(),
            _ => Vec::new(),
        };
        for key in keys {
            let value = match values.iter().position(|v| v.key == key) {
                Some(p) => &mut values[p],
                None => {
                    values.push(FacetValue { label: key.clone(), key, docs: Vec::new() });
                    values.last_mut().expect("just pushed")
                }
            };
            if value.docs.last() != Some(&(i as u32)) {
                value.docs.push(i as u32);
            }
        }
    }
    if id == "year" {
        values.sort_by(|a, b| b.key.cmp(&a.key));
    }
    values
}

fn indicators(site: &Site) -> Vec<Indicator> {
    let lang = site.language();
    site.config
        .framework
        .indicators()
        .map(|(_, indicator)| Indicator {
            id: indicator.id.clone(),
            label: indicator.label.get(lang).to_owned(),
            scores: site
                .cases
                .iter()
                .map(|c| {
                    let score = c.latest().and_then(|a| a.score(&indicator.id))?;
                    Some((score * 10.0).round().clamp(0.0, 4094.0) as u16)
                })
                .collect(),
        })
        .collect()
}
