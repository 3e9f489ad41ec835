//! Bringing an index up to date after an edit in `serve`: only the changed cases are cut into
//! terms again, and only the terms whose entries changed are read back and written again (every
//! term's, renumbered, when a case was added or removed).

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

use rayon::prelude::*;

use super::files::{self, BitWriter};
use super::{
    BUILD_SHARDS, Index, Line, Mask, Postings, SHARD_SHIFT, Scratch, TermShard, decode, doc_entry, facets, read_mask,
    score, unpack,
};
use crate::site::{self, Case, OneCase, Site};

/// Cases changed at most (in eighths of the site) for [`Index::update`] to be worth it: each
/// changed case's terms are read back and written again, so past this a full build is as quick.
const UPDATE_EIGHTHS: usize = 1;

impl Index {
    /// This index, built from the cases `before`, made into the index of `site` by indexing again
    /// only the cases whose revision changed or that were added: the same index, byte for byte, as
    /// [`super::build`] makes, at a small part of its cost (`serve` answers a search after an edit without
    /// indexing every case again). A case added or removed moves the number of every case after
    /// it: then every term's postings are read back, renumbered and written again, which still
    /// costs far less than cutting every case's text into terms. `None` when `site`'s cases are not
    /// those of `before`, in the same order, give or take one (a case renamed, or moved by its
    /// date, moves others by more), or when so many changed that a full build is as quick.
    pub fn update(mut self, before: &[Arc<Case>], site: &Site) -> Option<Index> {
        let cases = &site.cases;
        if cases.is_empty() || self.docs.len() != before.len() || self.shards.len() != BUILD_SHARDS {
            return None;
        }
        let renumber = Renumber::between(before, cases)?;
        let changed: Vec<u32> = (0..cases.len() as u32)
            .filter(|&i| {
                renumber.before(i).is_none_or(|old| before[old as usize].revision != cases[i as usize].revision)
            })
            .collect();
        if changed.len() > (cases.len() * UPDATE_EIGHTHS).div_ceil(8) {
            return None;
        }
        // The terms whose entry for a changed case is not what it was (a new tier or mask, or
        // none): only their postings are read and written again (all of them when the numbers
        // moved). Most of an edited case's terms keep their entries: every single character's
        // (no mask) and, where the positions did not move, every pair's; and single characters
        // have the longest lists.
        let mut scratch = Scratch::new(RandomState::new().hash_one(0u64) | 1);
        let mut moduli: Vec<u32> = (0..cases.len() as u32)
            .map(|i| renumber.before(i).and_then(|old| self.moduli.get(old as usize).copied()).unwrap_or(8))
            .collect();
        let mut edits: HashMap<String, Vec<Entry>> = HashMap::new();
        for &doc in &changed {
            let (m, new) = terms_of(&mut scratch, &cases[doc as usize]);
            // An added case had no terms.
            let (old_m, old) =
                renumber.before(doc).map_or((m, Vec::new()), |old| terms_of(&mut scratch, &before[old as usize]));
            moduli[doc as usize] = m;
            // A new modulus changes every pair's mask as the files hold it.
            let same_moduli = old_m == m;
            let mut old: HashMap<String, (u8, Mask)> =
                old.into_iter().map(|(t, tier, mask)| (t, (tier, mask))).collect();
            for (term, tier, mask) in new {
                if old.remove(&term).is_some_and(|entry| entry == (tier, mask) && (same_moduli || mask == 0)) {
                    continue;
                }
                edits.entry(term).or_default().push((doc, Some((tier, mask))));
            }
            for (term, _) in old {
                edits.entry(term).or_default().push((doc, None));
            }
        }
        let mut by_shard: Vec<Vec<(u32, String, Vec<Entry>)>> = vec![Vec::new(); BUILD_SHARDS];
        for (term, added) in edits {
            let bucket = files::bucket(&term);
            by_shard[(bucket >> SHARD_SHIFT) as usize].push((bucket, term, added));
        }
        let shards = std::mem::take(&mut self.shards);
        let old_moduli = &self.moduli;
        self.shards = shards
            .into_par_iter()
            .zip(by_shard)
            .map(|(shard, mut edits)| {
                if edits.is_empty() && renumber == Renumber::SAME {
                    return shard;
                }
                edits.sort_unstable_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
                Arc::new(edit_shard(&shard, &edits, renumber, old_moduli, &moduli))
            })
            .collect();
        self.moduli = moduli;
        match renumber.0 {
            None => {}
            Some(OneCase::Added(at)) => {
                let case = &cases[at];
                self.docs.insert(at, doc_entry(site, case));
                for indicator in &mut self.indicators {
                    indicator.scores.insert(at, score(case, &indicator.id));
                }
            }
            Some(OneCase::Removed(at)) => {
                self.docs.remove(at);
                self.indicators.iter_mut().for_each(|indicator| {
                    indicator.scores.remove(at);
                });
            }
        }
        // The other changed cases' entries (the added one's is made above).
        for &doc in changed.iter().filter(|&&doc| renumber.0 != Some(OneCase::Added(doc as usize))) {
            let case = &cases[doc as usize];
            self.docs[doc as usize] = doc_entry(site, case);
            for indicator in &mut self.indicators {
                indicator.scores[doc as usize] = score(case, &indicator.id);
            }
        }
        self.facets = facets(site);
        Some(self)
    }
}

/// How the case numbers moved from the cases an index was made from to a site's: not at all
/// (`None`), or by one case added or removed, as the site model's lists move
/// ([`site::OneCase`]).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Renumber(Option<OneCase>);

impl Renumber {
    const SAME: Renumber = Renumber(None);

    /// From the cases `before` to those `after`, matched by path: `None` when more than one case
    /// came or went, or a case moved.
    fn between(before: &[Arc<Case>], after: &[Arc<Case>]) -> Option<Renumber> {
        let same = |a: &Case, b: &Case| a.path == b.path;
        if before.len() == after.len() {
            return before.iter().zip(after).all(|(a, b)| same(a, b)).then_some(Renumber::SAME);
        }
        site::one_case_apart_by(before, after, same).map(|apart| Renumber(Some(apart)))
    }

    /// A case's number before, from its number after (none for the added case).
    fn before(self, new: u32) -> Option<u32> {
        self.map(new, OneCase::before)
    }

    /// A case's number after, from its number before (none for the removed case).
    fn after(self, old: u32) -> Option<u32> {
        self.map(old, OneCase::after)
    }

    fn map(self, doc: u32, by: fn(OneCase, usize) -> Option<usize>) -> Option<u32> {
        match self.0 {
            None => Some(doc),
            Some(apart) => by(apart, doc as usize).and_then(|i| u32::try_from(i).ok()),
        }
    }
}

/// `shard` with `edits` (by bucket and term: the cases whose entries changed and their new
/// entries) made, the edited terms' postings read with the moduli they were written with
/// (`old_moduli`: a changed case's may differ, and its entries are the ones replaced) and encoded
/// with the new `moduli`; a term left with no postings is dropped. Other lines are copied, or,
/// when the cases were `renumber`ed, read, renumbered and written again.
fn edit_shard(
    shard: &TermShard,
    edits: &[(u32, String, Vec<Entry>)],
    renumber: Renumber,
    old_moduli: &[u32],
    moduli: &[u32],
) -> TermShard {
    let mut text: Vec<u8> = Vec::with_capacity(shard.text.len() + shard.text.len() / 8);
    let mut lines = Vec::with_capacity(shard.lines.len() + edits.len());
    // The postings of line `i` in the new numbers.
    let read = |i: usize| -> Postings {
        let mut postings = decode(shard.split(i), old_moduli).unwrap_or_default();
        if renumber != Renumber::SAME {
            for list in &mut postings {
                list.retain_mut(|(doc, _)| renumber.after(*doc).map(|new| *doc = new).is_some());
            }
        }
        postings
    };
    let write = |bucket: u32, term: &str, postings: &Postings, text: &mut Vec<u8>, lines: &mut Vec<Line>| {
        if postings.iter().all(Vec::is_empty) {
            return;
        }
        lines.push(Line { bucket, start: text.len(), term_len: term.len() });
        text.extend_from_slice(term.as_bytes());
        text.push(b' ');
        let mut w = BitWriter::on(std::mem::take(text));
        files::encode_postings(&mut w, postings, files::moduli_of(term, moduli));
        *text = w.finish_bytes();
        text.push(b'\n');
    };
    let copy_line = |i: usize, text: &mut Vec<u8>, lines: &mut Vec<Line>| {
        let line = shard.lines[i];
        if renumber == Renumber::SAME {
            lines.push(Line { start: text.len(), ..line });
            text.extend_from_slice(shard.line(i).as_bytes());
        } else {
            write(line.bucket, shard.term(&line), &read(i), text, lines);
        }
    };
    let mut next = 0;
    // The (bucket, term) of line `i`: the lines' order.
    let key_at = |i: usize| (shard.lines[i].bucket, shard.term(&shard.lines[i]));
    for (bucket, term, added) in edits {
        let key = (*bucket, term.as_str());
        while next < shard.lines.len() && key_at(next) < key {
            copy_line(next, &mut text, &mut lines);
            next += 1;
        }
        let mut postings: Postings = Default::default();
        if next < shard.lines.len() && key_at(next) == key {
            postings = read(next);
            next += 1;
        }
        for list in &mut postings {
            list.retain(|(doc, _)| !added.iter().any(|(d, _)| d == doc));
        }
        for (doc, tier, mask) in added.iter().filter_map(|&(doc, new)| new.map(|(tier, mask)| (doc, tier, mask))) {
            let list = &mut postings[tier as usize];
            let at = list.partition_point(|(d, _)| *d < doc);
            list.insert(at, (doc, mask));
        }
        write(*bucket, term, &postings, &mut text, &mut lines);
    }
    for i in next..shard.lines.len() {
        copy_line(i, &mut text, &mut lines);
    }
    let text = String::from_utf8(text).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    TermShard { text, lines }
}

/// A changed case's entry in a term's postings: its tier and mask, or none.
type Entry = (u32, Option<(u8, Mask)>);

/// A case's terms as the index files spell them, each once with its best tier and, for a bigram
/// or a word, its position mask; and the case's modulus.
fn terms_of(scratch: &mut Scratch, case: &Case) -> (u32, Vec<(String, u8, Mask)>) {
    let terms = scratch.doc_terms(case);
    let m = terms.modulus;
    let mut out = Vec::with_capacity(terms.cjk.len() + terms.words.len());
    // The masks follow the bigrams' order (unigrams have none).
    let mut at = 0;
    for &packed in &terms.cjk {
        let key = packed >> 2;
        let mask = if key & 0x3_FFFF != 0 { read_mask(&terms.masks, &mut at, m) } else { 0 };
        out.push((unpack(key), (packed & 3) as u8, mask));
    }
    out.extend(terms.words);
    (m, out)
}
