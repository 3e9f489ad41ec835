//! The search index: built from the site model, held in memory for the Rust engine, and written as
//! plain JavaScript files for the browser (see [`super::files`]).
//!
//! Every term (CJK unigram or bigram, Latin word) has four disjoint, sorted lists of case numbers,
//! one per field tier: the title, the site's names (site, enterprise, unit, region), the practices
//! and tags, and the body. A case is in the list of the best tier its term occurs in. Case numbers
//! are positions in [`Site::cases`] (newest first), so "by date" is "by number".
//!
//! The index holds each term's postings encoded as the index files hold them (a few bytes per
//! posting), in the files' order, and decodes a term's when a query asks for it: writing the files
//! is then copying, and the index of 10,000 cases takes tens of MB, not hundreds.
//!
//! The build splits the terms by bucket into 64 shards: cases are tokenized in parallel a chunk at
//! a time, then each shard, on one thread, appends the chunk's postings of its terms to per-term
//! byte lists (gaps and masks, see `TermList`), and at the end encodes them. After an edit in
//! `serve`, [`update`] brings an index up to date without indexing every case again.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::Arc;

use rayon::prelude::*;

use super::files::{self, BitWriter};
use super::tokenize::{self, Class};
use crate::site::{Case, Site};

mod update;

/// Field tiers, best first.
pub const TIERS: usize = 4;
/// What a clause found in a tier adds to a case's score (title, names, practices, body).
pub const TIER_WEIGHTS: [u32; TIERS] = [16, 8, 4, 1];
/// Characters of each case's text kept for excerpts and highlighting.
pub const STORED_CHARS: usize = 640;

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

/// Postings of one term, per tier (disjoint), each sorted by case: (case, position mask). For a
/// CJK bigram, and for a word in its [`files::positions_term`], bit `p % m` of the mask is set for
/// each position `p` where it occurs, `m` being the case's [`modulus`] for a bigram,
/// [`WORD_MODULUS`] for a word. Positions count from the start of the case's text: one for each
/// CJK character, each word and each CJK run's end, and one between fields. A longer substring
/// needs its bigrams at consecutive positions, which the masks check (`数字孪生` needs 数字 at p and
/// 孪生 at p+2 for some p modulo m), as a phrase needs its words (`"tidb cloud"`: tidb at p, cloud
/// at p+1); the number of bits set is a measure of occurrences. Single CJK characters have mask 0.
pub type Postings = [Vec<(u32, Mask)>; TIERS];

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
/// The modulus of a word's masks in every case: a word comes back more often than a pair of
/// Chinese characters does (a product name a dozen times in a write-up), and 8 positions would
/// fill up, letting a phrase through wherever its words both occur.
pub const WORD_MODULUS: u32 = MAX_MODULUS;
/// Positions of a word's mask from which it is kept as every position (the files then hold the
/// count alone, not the bitmap). At 16 of 128, a phrase check lets through most cases where the
/// words sit apart anyway (precision of the phrases of `quoted_words_are_a_phrase` 0.918 against
/// 0.927 without this, in case-sized text).
pub const WORD_FULL: u32 = 16;

/// A position mask (see [`Postings`]).
pub type Mask = u128;

#[derive(Debug, Clone, Default)]
pub struct Index {
    pub docs: Vec<Doc>,
    pub facets: Vec<Facet>,
    pub indicators: Vec<Indicator>,
    /// Each case's position modulus (see [`modulus`]).
    pub moduli: Vec<u32>,
    /// The terms by bucket range, [`BUILD_SHARDS`] of them (none in an empty index).
    /// Shared, so that a copy of the index (`serve` updates one while an older snapshot may
    /// still serve from it) copies none of the terms.
    shards: Vec<Arc<TermShard>>,
}

/// The terms of a range of buckets in file order (by bucket, then term): their lines `term
/// postings\n` as the index files hold them (see [`files::encode_postings`]), one after another.
#[derive(Debug, Clone, Default)]
struct TermShard {
    text: String,
    lines: Vec<Line>,
}

#[derive(Debug, Clone, Copy)]
struct Line {
    bucket: u32,
    /// Where the line starts in the text, and the term's length in bytes.
    start: usize,
    term_len: usize,
}

impl TermShard {
    fn line(&self, i: usize) -> &str {
        let end = self.lines.get(i + 1).map_or(self.text.len(), |l| l.start);
        &self.text[self.lines[i].start..end]
    }

    fn term(&self, line: &Line) -> &str {
        &self.text[line.start..line.start + line.term_len]
    }

    /// The term and its encoded postings.
    fn split(&self, i: usize) -> (&str, &str) {
        let line = self.line(i);
        let term_len = self.lines[i].term_len;
        (&line[..term_len], line[term_len..].trim_matches(|c| c == ' ' || c == '\n'))
    }
}

impl Index {
    pub fn postings(&self, term: &str) -> Option<Postings> {
        let bucket = files::bucket(term);
        let shard = self.shards.get((bucket >> SHARD_SHIFT) as usize)?;
        let i = shard.lines.binary_search_by(|l| (l.bucket, shard.term(l)).cmp(&(bucket, term))).ok()?;
        self.decode(shard.split(i))
    }

    /// Every term starting with `prefix` and its postings, in term order.
    pub fn with_prefix(&self, prefix: &str) -> Vec<(&str, Postings)> {
        let mut found: Vec<(&str, &str)> = Vec::new();
        let first = prefix.chars().next().map(tokenize::class);
        if first.is_some_and(|c| c != Class::Cjk) && prefix.chars().nth(1).is_some() {
            // Every word starting with it has its first two characters as shard key: one bucket.
            let bucket = files::bucket(prefix);
            if let Some(shard) = self.shards.get((bucket >> SHARD_SHIFT) as usize) {
                let start = shard.lines.partition_point(|l| (l.bucket, shard.term(l)) < (bucket, prefix));
                found.extend(
                    (start..shard.lines.len())
                        .map(|i| (shard.lines[i].bucket, shard.split(i)))
                        .take_while(|(b, (term, _))| *b == bucket && term.starts_with(prefix))
                        .map(|(_, split)| split),
                );
            }
        } else {
            for shard in &self.shards {
                found.extend((0..shard.lines.len()).map(|i| shard.split(i)).filter(|(t, _)| t.starts_with(prefix)));
            }
            found.sort_unstable();
        }
        found.into_iter().filter_map(|line| Some((line.0, self.decode(line)?))).collect()
    }

    /// The bytes of each bucket's lines `term postings\n`, by bucket (see [`files::pack`]).
    pub fn bucket_sizes(&self) -> Vec<usize> {
        let mut sizes = vec![0usize; files::BUCKETS as usize];
        for shard in &self.shards {
            for (i, line) in shard.lines.iter().enumerate() {
                sizes[line.bucket as usize] += shard.line(i).len();
            }
        }
        sizes
    }

    /// The lines `term postings\n` of the buckets in `buckets`, in the order of the index files: a
    /// run of text from each build shard the range touches (not a list of lines, which would take
    /// tens of MB at 10,000 cases).
    pub fn bucket_text(&self, buckets: std::ops::Range<u32>) -> impl Iterator<Item = &str> {
        self.shards
            .iter()
            .enumerate()
            .filter(move |(k, _)| {
                let first = (*k as u32) << SHARD_SHIFT;
                first < buckets.end && buckets.start < first + (1 << SHARD_SHIFT)
            })
            .map(move |(_, shard)| {
                let at = |bucket: u32| {
                    let i = shard.lines.partition_point(|l| l.bucket < bucket);
                    shard.lines.get(i).map_or(shard.text.len(), |l| l.start)
                };
                &shard.text[at(buckets.start)..at(buckets.end)]
            })
    }

    fn decode(&self, line: (&str, &str)) -> Option<Postings> {
        decode(line, &self.moduli)
    }

    /// The position modulus of a case.
    pub fn modulus(&self, doc: u32) -> u32 {
        self.moduli.get(doc as usize).copied().unwrap_or(8)
    }

    pub fn facet(&self, id: &str) -> Option<&Facet> {
        self.facets.iter().find(|f| f.id == id)
    }

    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }
}

/// The texts of a case's fields with their tier, in order: a field of several parts (the names,
/// the practices and tags, the body and the timeline's notes) is its parts, which the index reads
/// as if joined by line breaks.
fn field_parts<'a>(case: &'a Case, mut f: impl FnMut(usize, &'a str)) {
    f(0, &case.title);
    for name in [&case.site, &case.enterprise].into_iter().chain([&case.unit, &case.region].into_iter().flatten()) {
        f(1, name);
    }
    // The case's summary (shown on every card of it) with its practices.
    if !case.summary.is_empty() {
        f(2, &case.summary);
    }
    for p in &case.practices {
        for part in std::iter::once(&p.title).chain(std::iter::once(&p.summary)).chain(&p.steps) {
            f(2, part);
        }
    }
    for tag in &case.tags {
        f(2, tag);
    }
    f(3, &case.body.plain_text);
    // The timeline's notes, which the case page shows: after the body, so that the excerpt
    // (the first characters of the practices and body) does not start with them.
    for note in case.timeline.iter().filter_map(|e| e.note.as_deref()) {
        f(3, note);
    }
}

/// The fields of a case by tier, as the index sees them.
pub fn fields(case: &Case) -> [String; TIERS] {
    let mut fields: [String; TIERS] = Default::default();
    field_parts(case, |tier, part| {
        let field = &mut fields[tier];
        // The names and the body's parts (the body, the timeline's notes) are separated, the
        // practices and tags each ended, by a line break.
        if (tier == 1 || tier == 3) && !field.is_empty() {
            field.push('\n');
        }
        field.push_str(part);
        if tier == 2 {
            field.push('\n');
        }
    });
    fields
}

/// A CJK term in packed form while building: its code points, 18 bits each (CJK code points are
/// below 0x40000), the second 0 for a unigram.
fn pack_cjk(a: char, b: Option<char>) -> u64 {
    (((a as u64) & 0x3_FFFF) << 18) | b.map_or(0, |b| (b as u64) & 0x3_FFFF)
}

fn unpack(key: u64) -> String {
    let a = char::from_u32((key >> 18) as u32).unwrap_or('\u{FFFD}');
    let b = (key & 0x3_FFFF) as u32;
    let mut s = String::from(a);
    if b != 0 {
        s.push(char::from_u32(b).unwrap_or('\u{FFFD}'));
    }
    s
}

/// [`files::bucket`] of a packed CJK term (its shard key is itself).
fn cjk_bucket(key: u64) -> u32 {
    let step = |h: u32, c: u32| (h ^ c).wrapping_mul(0x0100_0193);
    let mut h = step(0x811C_9DC5, (key >> 18) as u32);
    if key & 0x3_FFFF != 0 {
        h = step(h, (key & 0x3_FFFF) as u32);
    }
    h >> 16
}

/// Shards of terms while building, each a range of buckets (a power of two).
const BUILD_SHARDS: usize = 64;
const SHARD_SHIFT: u32 = files::BUCKETS.trailing_zeros() - BUILD_SHARDS.trailing_zeros();

/// Cases tokenized at once while building (bounds the memory of their terms).
const BUILD_CHUNK: usize = 1024;

/// Where [`scan`] sends the tokens (what [`tokenize::runs`] splits a text into): a trait rather
/// than one closure taking a token, so that the hot path (a CJK character, most of a write-up)
/// compiles into the loop instead of a call a character (a quarter of the tokenizer's
/// instructions went to those calls and the dispatch on the token).
trait TokenSink {
    fn cjk(&mut self, c: char);
    fn run_end(&mut self);
    fn word(&mut self, word: &str);
}

/// The tokens of a text, as [`tokenize::runs`] splits it, without allocating runs (`word` is a
/// buffer).
#[inline(always)]
fn scan(text: &str, word: &mut String, on: &mut impl TokenSink) {
    let mut in_cjk = false;
    word.clear();
    let mut word_len = 0;
    for c in text.chars() {
        // Most characters of a write-up are common ideographs, which folding leaves as they are.
        let (c, class) = if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
            (c, Class::Cjk)
        } else {
            let c = tokenize::fold(c);
            (c, tokenize::class(c))
        };
        match class {
            Class::Cjk => {
                if word_len > 0 {
                    on.word(word);
                    word.clear();
                    word_len = 0;
                }
                in_cjk = true;
                on.cjk(c);
            }
            Class::Word => {
                if in_cjk {
                    on.run_end();
                    in_cjk = false;
                }
                if word_len < tokenize::MAX_WORD {
                    word.push(c);
                    word_len += 1;
                }
            }
            Class::Other => {
                if in_cjk {
                    on.run_end();
                    in_cjk = false;
                }
                if word_len > 0 {
                    on.word(word);
                    word.clear();
                    word_len = 0;
                }
            }
        }
    }
    if in_cjk {
        on.run_end();
    }
    if word_len > 0 {
        on.word(word);
    }
}

/// A case's terms, by build shard, each once with its best tier: CJK terms (`key << 2 | tier`)
/// with the masks of the bigrams (see [`push_mask`]), in the same order, and words with their tier
/// (mask 0) and the words' [`files::positions_term`]s (tier 0) with their masks modulo
/// [`WORD_MODULUS`].
struct DocTerms {
    modulus: u32,
    cjk: Vec<u64>,
    masks: Vec<u8>,
    /// Where each shard's CJK terms, masks and words end.
    ends: Vec<[u32; 3]>,
    words: Vec<(String, u8, Mask)>,
}

/// A seeded multiplicative hash of packed keys, so that no text can be written to make its keys
/// collide (the terms are sorted afterwards: the output does not depend on it).
fn key_hash(key: u64, seed: u64) -> u64 {
    let h = (key ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h ^ (h >> 32)
}

/// One thread's buffers for tokenizing cases, reused from case to case: an open-addressing table
/// of a case's bigrams (emptied after each case through its used slots), and for unigrams, half of
/// the occurrences, a table by code point of the case last seen with each and its tier.
struct Scratch {
    seed: u64,
    /// The table: `key << 2 | tier` (0: empty; the keys alone, so that probing reads little) and
    /// the positions modulo [`MAX_MODULUS`] (folded to the case's modulus at the end).
    keys: Vec<u64>,
    masks: Vec<Mask>,
    used: Vec<u32>,
    /// By code point: `case << 2 | tier` of the last case that had it, `case` counted from 1.
    seen: Vec<u32>,
    case: u32,
    unigrams: Vec<u64>,
    word: String,
    /// The case's words: each with the tier of its first occurrence (fields come in tier order,
    /// so the best) and its positions modulo [`MAX_MODULUS`]. A table rather than a list of
    /// occurrences sorted afterwards: a word is copied once a case, not once an occurrence.
    words: HashMap<String, (u8, Mask), foldhash::fast::RandomState>,
    shards: Vec<u32>,
}

/// A [`Scratch`] taken from a pool, given back when dropped (the pool is freed with the build).
struct Lease<'a> {
    pool: &'a std::sync::Mutex<Vec<Scratch>>,
    scratch: Option<Scratch>,
}

impl<'a> Lease<'a> {
    fn new(pool: &'a std::sync::Mutex<Vec<Scratch>>, seed: u64) -> Self {
        let scratch = pool.lock().ok().and_then(|mut p| p.pop()).unwrap_or_else(|| Scratch::new(seed));
        Lease { pool, scratch: Some(scratch) }
    }

    fn get(&mut self) -> &mut Scratch {
        self.scratch.get_or_insert_with(|| Scratch::new(0))
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let (Some(scratch), Ok(mut pool)) = (self.scratch.take(), self.pool.lock()) {
            pool.push(scratch);
        }
    }
}

impl Scratch {
    fn new(seed: u64) -> Self {
        Scratch {
            seed,
            keys: vec![0; 1024],
            masks: vec![0; 1024],
            used: Vec::new(),
            seen: vec![0; 1 << 18],
            case: 0,
            unigrams: Vec::new(),
            word: String::new(),
            words: HashMap::default(),
            shards: Vec::new(),
        }
    }

    /// Adds an occurrence of a CJK bigram (packed keys are never 0: 0 is the empty slot).
    #[inline(always)]
    fn add(&mut self, key: u64, tier: u8, bit: Mask) {
        if self.used.len() * 2 >= self.keys.len() {
            self.grow();
        }
        let mask = self.keys.len() - 1;
        let mut i = key_hash(key, self.seed) as usize & mask;
        loop {
            let k = self.keys[i];
            if k >> 2 == key {
                // Fields come in tier order: the first occurrence has the best tier.
                self.masks[i] |= bit;
                return;
            }
            if k == 0 {
                self.keys[i] = (key << 2) | u64::from(tier);
                self.masks[i] = bit;
                self.used.push(i as u32);
                return;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let old: Vec<(u64, Mask)> =
            self.used.iter().map(|&i| (self.keys[i as usize], self.masks[i as usize])).collect();
        self.keys = vec![0; self.keys.len() * 2];
        self.masks = vec![0; self.keys.len()];
        self.used.clear();
        for (packed, bits) in old {
            self.add(packed >> 2, (packed & 3) as u8, bits);
        }
    }

    fn doc_terms(&mut self, case: &Case) -> DocTerms {
        let mut word = std::mem::take(&mut self.word);
        if self.case >= u32::MAX >> 2 {
            self.seen.iter_mut().for_each(|s| *s = 0);
            self.case = 0;
        }
        self.case += 1;
        let stamp = self.case << 2;
        // Positions are taken modulo 128 and folded once the case's modulus (which depends on
        // its number of CJK positions: each run's characters and one after it) is known.
        let mut sink = CaseSink { scratch: self, stamp, tier: 0, pos: 0, prev: None };
        field_parts(case, |tier, text| {
            sink.tier = tier as u8;
            // A position between fields: a phrase does not run from one field into the next.
            sink.pos += 1;
            scan(text, &mut word, &mut sink);
        });
        let pos = sink.pos;
        self.word = word;
        let m = modulus(pos as usize);
        let fold = |mask: Mask| fold_mask(mask, m);

        // By shard (a counting sort), the table emptied as it is read.
        let mut ends = vec![[0u32; 3]; BUILD_SHARDS];
        self.shards.clear();
        for &key in &self.unigrams {
            let shard = (cjk_bucket(key) >> SHARD_SHIFT) as usize;
            self.shards.push(shard as u32);
            ends[shard][0] += 1;
        }
        for &i in &self.used {
            let mask = &mut self.masks[i as usize];
            *mask = fold(*mask);
            let shard = (cjk_bucket(self.keys[i as usize] >> 2) >> SHARD_SHIFT) as usize;
            self.shards.push(shard as u32);
            ends[shard][0] += 1;
            ends[shard][1] += mask_len(*mask, m) as u32;
        }
        // Each word, and its positions as a term of their own (see `files::positions_term`).
        let mut words: Vec<(String, u8, Mask)> = Vec::with_capacity(self.words.len() * 2);
        for (word, (tier, mask)) in self.words.drain() {
            let mask = fold_mask(mask, WORD_MODULUS);
            // A mask this full lets nearly any phrase through: kept as every position, which
            // the files hold in a few bits instead of the bitmap.
            let mask = if mask.count_ones() >= WORD_FULL { files::full_mask(WORD_MODULUS) } else { mask };
            words.push((files::positions_term(&word), 0, mask));
            words.push((word, tier, 0));
        }
        let word_shards: Vec<u32> = words.iter().map(|(w, ..)| files::bucket(w) >> SHARD_SHIFT).collect();
        for &shard in &word_shards {
            ends[shard as usize][2] += 1;
        }
        let mut at = vec![[0u32; 3]; BUILD_SHARDS];
        let mut total = [0u32; 3];
        for (end, at) in ends.iter_mut().zip(&mut at) {
            // Counts become running ends; `at` keeps the starts.
            *at = total;
            for (total, end) in total.iter_mut().zip(end.iter_mut()) {
                *total += *end;
                *end = *total;
            }
        }
        let mut cjk = vec![0u64; total[0] as usize];
        let mut masks = vec![0u8; total[1] as usize];
        for (&key, &shard) in self.unigrams.iter().zip(&self.shards) {
            let tier = self.seen[(key >> 18) as usize] & 3;
            let at = &mut at[shard as usize];
            cjk[at[0] as usize] = (key << 2) | u64::from(tier);
            at[0] += 1;
        }
        let mut bytes = Vec::with_capacity(1 + MAX_MODULUS as usize / 8);
        for (&i, &shard) in self.used.iter().zip(&self.shards[self.unigrams.len()..]) {
            let at = &mut at[shard as usize];
            cjk[at[0] as usize] = std::mem::take(&mut self.keys[i as usize]);
            at[0] += 1;
            bytes.clear();
            push_mask(&mut bytes, self.masks[i as usize], m);
            masks[at[1] as usize..at[1] as usize + bytes.len()].copy_from_slice(&bytes);
            at[1] += bytes.len() as u32;
        }
        self.used.clear();
        self.unigrams.clear();
        let mut by_shard = vec![(String::new(), 0u8, 0); words.len()];
        for ((word, tier, mask), shard) in words.into_iter().zip(word_shards) {
            let at = &mut at[shard as usize];
            by_shard[at[2] as usize] = (word, tier, mask);
            at[2] += 1;
        }
        DocTerms { modulus: m, cjk, masks, ends, words: by_shard }
    }
}

/// The tokens of one case into its [`Scratch`]: positions count each CJK character and each run's
/// end; a field's tier is set before its text is scanned.
struct CaseSink<'a> {
    scratch: &'a mut Scratch,
    stamp: u32,
    tier: u8,
    pos: u32,
    prev: Option<char>,
}

impl TokenSink for CaseSink<'_> {
    #[inline(always)]
    fn cjk(&mut self, c: char) {
        let scratch = &mut *self.scratch;
        let seen = &mut scratch.seen[(c as usize) & 0x3_FFFF];
        if *seen & !3 != self.stamp {
            *seen = self.stamp | u32::from(self.tier);
            scratch.unigrams.push(pack_cjk(c, None));
        }
        if let Some(a) = self.prev {
            scratch.add(pack_cjk(a, Some(c)), self.tier, 1 << ((self.pos - 1) % MAX_MODULUS));
        }
        self.prev = Some(c);
        self.pos += 1;
    }

    fn run_end(&mut self) {
        self.prev = None;
        self.pos += 1;
    }

    fn word(&mut self, word: &str) {
        let bit: Mask = 1 << (self.pos % MAX_MODULUS);
        match self.scratch.words.get_mut(word) {
            Some((_, mask)) => *mask |= bit,
            None => {
                self.scratch.words.insert(word.to_owned(), (self.tier, bit));
            }
        }
        self.pos += 1;
    }
}

/// A mask of positions modulo [`MAX_MODULUS`] as positions modulo `m` (a power of two, at most
/// [`MAX_MODULUS`]): the halves folded onto each other, in a 64-bit word once `m` ≤ 64.
pub fn fold_mask(mask: Mask, m: u32) -> Mask {
    if m >= MAX_MODULUS {
        return mask;
    }
    let mut word = mask as u64 | (mask >> 64) as u64;
    let mut width = 64;
    while width > m {
        width /= 2;
        word = (word | (word >> width)) & ((1 << width) - 1);
    }
    Mask::from(word)
}

/// A term's postings while building: for each case in order, `gap << 2 | tier` as a LEB128
/// number (the gap from the case after the previous one), then for a bigram its mask (see
/// [`push_mask`]). A few bytes a posting, where a list of entries took 8 to 24.
#[derive(Default)]
struct TermList {
    /// The case after the last one added.
    next: u32,
    bytes: Vec<u8>,
}

/// A mask modulo `m`: one byte for `m` = 8, else the number of bits set and then their positions
/// when fewer than `m / 8`, else the `m / 8` bytes of the mask.
fn push_mask(out: &mut Vec<u8>, mask: Mask, m: u32) {
    if m <= 8 {
        out.push(mask as u8);
        return;
    }
    let count = mask.count_ones();
    out.push(count as u8);
    if count < m / 8 {
        let mut rest = mask;
        while rest != 0 {
            out.push(rest.trailing_zeros() as u8);
            rest &= rest - 1;
        }
    } else {
        out.extend((0..m / 8).map(|i| (mask >> (8 * i)) as u8));
    }
}

/// The bytes of [`push_mask`].
fn mask_len(mask: Mask, m: u32) -> usize {
    let count = mask.count_ones();
    if m <= 8 {
        1
    } else if count < m / 8 {
        1 + count as usize
    } else {
        1 + m as usize / 8
    }
}

/// The length of the mask starting `bytes` (see [`push_mask`]).
fn mask_len_at(bytes: &[u8], m: u32) -> usize {
    let count = u32::from(bytes.first().copied().unwrap_or(0));
    if m <= 8 {
        1
    } else if count < m / 8 {
        1 + count as usize
    } else {
        1 + m as usize / 8
    }
}

fn read_mask(bytes: &[u8], at: &mut usize, m: u32) -> Mask {
    let mut next = || {
        let b = bytes.get(*at).copied().unwrap_or(0);
        *at += 1;
        b
    };
    if m <= 8 {
        return Mask::from(next());
    }
    let count = u32::from(next());
    if count < m / 8 {
        (0..count).fold(0, |mask, _| mask | (1 << (next() & 127)))
    } else {
        (0..m / 8).fold(0, |mask, i| mask | (Mask::from(next()) << (8 * i)))
    }
}

impl TermList {
    fn push(&mut self, doc: u32, tier: u8, mask: &[u8]) {
        let mut v = (u64::from(doc - self.next) << 2) | u64::from(tier);
        while v >= 0x80 {
            self.bytes.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.bytes.push(v as u8);
        self.next = doc + 1;
        self.bytes.extend_from_slice(mask);
    }

    /// The postings, read back into `out` by tier (emptied first): each case and where its mask
    /// starts, for a term with masks (given their moduli).
    fn read(&self, moduli: Option<files::Moduli<'_>>, out: &mut [Vec<(u32, u32)>; TIERS]) {
        out.iter_mut().for_each(Vec::clear);
        let (bytes, mut at, mut next) = (&self.bytes, 0, 0u32);
        while at < bytes.len() {
            let mut v = 0u64;
            let mut shift = 0;
            loop {
                let b = bytes[at];
                at += 1;
                v |= u64::from(b & 0x7F) << shift;
                shift += 7;
                if b < 0x80 {
                    break;
                }
            }
            let doc = next + (v >> 2) as u32;
            next = doc + 1;
            out[(v & 3) as usize].push((doc, at as u32));
            if let Some(moduli) = moduli {
                at += mask_len_at(&bytes[at..], moduli.of(doc));
            }
        }
    }
}

/// The terms of one build shard, their lists in the maps (one memory access fewer a posting).
struct ShardTerms {
    cjk: HashMap<u64, TermList, KeyHash>,
    words: HashMap<Box<str>, TermList, foldhash::fast::RandomState>,
}

impl ShardTerms {
    fn new(seed: u64) -> Self {
        ShardTerms { cjk: HashMap::with_hasher(KeyHash(seed)), words: HashMap::default() }
    }

    /// Adds this shard's part of a case's terms.
    fn add(&mut self, shard: usize, doc: u32, terms: &DocTerms) {
        let start = if shard == 0 { [0; 3] } else { terms.ends[shard - 1] };
        let end = terms.ends[shard];
        let range = |k: usize| start[k] as usize..end[k] as usize;
        let masks = &terms.masks[range(1)];
        let mut at = 0;
        for &packed in &terms.cjk[range(0)] {
            let key = packed >> 2;
            let len = if key & 0x3_FFFF != 0 { mask_len_at(&masks[at..], terms.modulus) } else { 0 };
            self.cjk.entry(key).or_default().push(doc, (packed & 3) as u8, &masks[at..at + len]);
            at += len;
        }
        let mut mask = Vec::with_capacity(1 + MAX_MODULUS as usize / 8);
        for (word, tier, bits) in &terms.words[range(2)] {
            mask.clear();
            if files::is_positions(word) {
                push_mask(&mut mask, *bits, WORD_MODULUS);
            }
            match self.words.get_mut(word.as_str()) {
                Some(list) => list.push(doc, *tier, &mask),
                None => {
                    let mut list = TermList::default();
                    list.push(doc, *tier, &mask);
                    self.words.insert(word.as_str().into(), list);
                }
            }
        }
    }

    /// Encodes the shard's terms in file order, freeing each list once written.
    fn finish(self, moduli: &[u32]) -> TermShard {
        let mut terms: Vec<(u32, String, TermList)> = Vec::with_capacity(self.cjk.len() + self.words.len());
        terms.extend(self.cjk.into_iter().map(|(key, list)| {
            let term = unpack(key);
            (files::bucket(&term), term, list)
        }));
        terms.extend(self.words.into_iter().map(|(word, list)| {
            let term = String::from(word);
            (files::bucket(&term), term, list)
        }));
        terms.sort_unstable_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        let mut text: Vec<u8> = Vec::with_capacity(terms.iter().map(|t| t.2.bytes.len() * 3 / 2 + 8).sum());
        let mut lines = Vec::with_capacity(terms.len());
        let mut entries: [Vec<(u32, u32)>; TIERS] = Default::default();
        for (bucket, term, list) in terms {
            let term_moduli = files::moduli_of(&term, moduli);
            list.read(term_moduli, &mut entries);
            lines.push(Line { bucket, start: text.len(), term_len: term.len() });
            text.extend_from_slice(term.as_bytes());
            text.push(b' ');
            let mut w = BitWriter::on(text);
            let mask_of = term_moduli.map(|term_moduli| {
                let bytes = &list.bytes;
                move |&(doc, at): &(u32, u32)| {
                    let m = term_moduli.of(doc);
                    (read_mask(bytes, &mut (at as usize), m), m)
                }
            });
            files::encode_tiers(&mut w, entries.each_ref().map(Vec::as_slice), |e| e.0, mask_of);
            drop(list);
            text = w.finish_bytes();
            text.push(b'\n');
        }
        // Terms and the alphabet of the encoding: always UTF-8.
        let mut text = String::from_utf8(text).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        text.shrink_to_fit();
        TermShard { text, lines }
    }
}

/// A fast hash of the packed term keys while building (see [`key_hash`]).
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
        self.0 = key_hash(n, self.0);
    }
}

/// Builds the index of a site (cases in site order).
pub fn build(site: &Site) -> Index {
    let mut terms = TermsBuilder::new();
    for chunk in site.cases.chunks(BUILD_CHUNK) {
        terms.add(chunk);
    }
    terms.finish(docs(site), site)
}

/// [`build`] for a one-time build: each case's body text, which only the index reads, is freed
/// once its chunk is tokenized, so that the postings grow into the memory the texts leave (about
/// 45 MB at 10,000 cases) rather than beside it. A case shared with another site model keeps it.
pub fn build_freeing_text(site: &mut Site) -> Index {
    // The excerpts read the text: taken first.
    let docs = docs(site);
    let mut terms = TermsBuilder::new();
    for start in (0..site.cases.len()).step_by(BUILD_CHUNK) {
        let range = start..(start + BUILD_CHUNK).min(site.cases.len());
        terms.add(&site.cases[range.clone()]);
        for case in &mut site.cases[range] {
            if let Some(case) = Arc::get_mut(case) {
                case.body.plain_text = String::new();
            }
        }
    }
    terms.finish(docs, site)
}

/// The terms' postings, added a chunk of cases at a time (see the module's comment).
struct TermsBuilder {
    seed: u64,
    shards: Vec<ShardTerms>,
    pool: std::sync::Mutex<Vec<Scratch>>,
    moduli: Vec<u32>,
}

impl TermsBuilder {
    fn new() -> Self {
        let seed = RandomState::new().hash_one(0u64) | 1;
        TermsBuilder {
            seed,
            shards: (0..BUILD_SHARDS).map(|_| ShardTerms::new(seed)).collect(),
            pool: std::sync::Mutex::new(Vec::new()),
            moduli: Vec::new(),
        }
    }

    /// Adds the next cases (numbered on from the last ones added).
    fn add(&mut self, chunk: &[Arc<Case>]) {
        let (pool, seed) = (&self.pool, self.seed);
        let per_doc: Vec<DocTerms> =
            chunk.par_iter().map_init(|| Lease::new(pool, seed), |lease, case| lease.get().doc_terms(case)).collect();
        let first = self.moduli.len() as u32;
        self.shards.par_iter_mut().enumerate().for_each(|(s, shard)| {
            for (i, terms) in per_doc.iter().enumerate() {
                shard.add(s, first + i as u32, terms);
            }
        });
        self.moduli.extend(per_doc.iter().map(|d| d.modulus));
    }

    /// The index: the terms encoded, with the cases' `docs` and the site's facets.
    fn finish(self, docs: Vec<Doc>, site: &Site) -> Index {
        let moduli = self.moduli;
        let shards = self.shards.into_par_iter().map(|s| Arc::new(s.finish(&moduli))).collect();
        Index { docs, facets: facets(site), indicators: indicators(site), moduli, shards }
    }
}

/// A term's postings from its line (the term and its encoded postings), given the cases' moduli.
fn decode((term, encoded): (&str, &str), moduli: &[u32]) -> Option<Postings> {
    let moduli = files::moduli_of(term, moduli);
    let mut lists = files::decode_entries(encoded, TIERS, moduli)?.into_iter();
    Some(std::array::from_fn(|_| lists.next().unwrap_or_default()))
}

fn docs(site: &Site) -> Vec<Doc> {
    site.cases.par_iter().map(|c| doc_entry(site, c)).collect()
}

fn doc_entry(site: &Site, case: &Case) -> Doc {
    // The practices and the body, runs of white space as one space, cut at STORED_CHARS
    // characters: read only as far as needed.
    let mut text = String::new();
    let mut chars = 0;
    field_parts(case, |tier, part| {
        if tier < 2 || chars >= STORED_CHARS {
            return;
        }
        for word in part.split_whitespace() {
            if chars >= STORED_CHARS {
                break;
            }
            if !text.is_empty() {
                text.push(' ');
                chars += 1;
            }
            text.push_str(word);
            chars += word.chars().count();
        }
    });
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
            scores: site.cases.iter().map(|c| score(c, &indicator.id)).collect(),
        })
        .collect()
}

/// A case's latest score on an indicator, ×10 and rounded (see [`Indicator::scores`]).
fn score(case: &Case, indicator: &str) -> Option<u16> {
    let score = case.latest().and_then(|a| a.score(indicator))?;
    Some((score * 10.0).round().clamp(0.0, 4094.0) as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_terms_hash_to_their_bucket() {
        for term in ["数", "数字", "カナ", "한", "𠀀𠀁"] {
            let mut chars = term.chars();
            let key = pack_cjk(chars.next().unwrap(), chars.next());
            assert_eq!(unpack(key), term);
            assert_eq!(cjk_bucket(key), files::bucket(term), "{term}");
        }
    }

    #[test]
    fn folding_a_mask_keeps_each_position_modulo_m() {
        let masks: [Mask; 5] = [0, 1, 1 << 127, 0x8000_0001_0000_0000_0000_0000_8000_0010, Mask::MAX / 3];
        for mask in masks {
            for m in [8, 16, 32, 64, 128] {
                let by_position =
                    (0..MAX_MODULUS).filter(|p| mask >> p & 1 == 1).fold(0, |f: Mask, p| f | 1 << (p % m));
                assert_eq!(fold_mask(mask, m), by_position, "{mask:#x} modulo {m}");
            }
        }
    }

    #[test]
    fn masks_round_trip_through_bytes() {
        for m in [8u32, 16, 32, 64, 128] {
            let full = files::full_mask(m);
            for mask in [1 << (m - 1), 0b1011, 0x5555_5555_5555_5555_5555_5555_5555_5555 & full, full] {
                let mut bytes = vec![];
                push_mask(&mut bytes, mask, m);
                assert_eq!(bytes.len(), mask_len(mask, m));
                assert_eq!(mask_len_at(&bytes, m), bytes.len());
                assert_eq!(read_mask(&bytes, &mut 0, m), mask, "{mask:#x} modulo {m}");
            }
        }
    }

    /// The tokens [`scan`] gives, written out: `|` for a run's end, `<word>` for a word.
    struct Written(Vec<String>);

    impl TokenSink for Written {
        fn cjk(&mut self, c: char) {
            self.0.push(c.to_string());
        }
        fn run_end(&mut self) {
            self.0.push("|".to_owned());
        }
        fn word(&mut self, word: &str) {
            self.0.push(format!("<{word}>"));
        }
    }

    #[test]
    fn scanning_splits_as_runs_do() {
        let text = "ＴｉＤＢ数字孪生，5G基站 Ünïcode　カナ".to_owned() + &"a".repeat(40);
        let mut written = Written(Vec::new());
        scan(&text, &mut String::new(), &mut written);
        let tokens = written.0;
        let mut expected = Vec::new();
        for run in tokenize::runs(&text) {
            match run {
                tokenize::Run::Word(w) => expected.push(format!("<{w}>")),
                tokenize::Run::Cjk(chars) => {
                    expected.extend(chars.iter().map(char::to_string));
                    expected.push("|".to_owned());
                }
            }
        }
        assert_eq!(tokens, expected);
    }
}
