//! The index as files the browser loads with `<script>` tags (so search works from `file://` and
//! under any subpath, without fetch or wasm). Each file is one call `EXS.add(name, data)`:
//!
//! - `search/manifest.js` — counts, the case group size, the cases whose position modulus is above
//!   8, and where each index file starts;
//! - `search/s/N.js` — index file N: a line `term postings` per term. A term's key (a CJK term
//!   itself, a word its first two characters, so that a prefix lives in one file) hashes to one of
//!   [`BUCKETS`] buckets; each file holds a run of consecutive buckets, about [`SHARD_BYTES`] of
//!   them (a term larger than that has a file to itself), and the manifest lists the first bucket
//!   of each file;
//! - `search/d/N.js` — group N of cases: what a result shows (URL, title, names, date, status,
//!   the start of the text);
//! - `search/facets.js` — the facet values with their cases, and the latest indicator scores.
//!
//! Postings are bit-packed (Elias-gamma counts, Rice-coded gaps, position masks as one position
//! or a list or a bitmap, see [`BitWriter::mask`]) and written six bits a character.

use rayon::prelude::*;
use serde_json::{Value as Json, json};

use super::index::{Index, MAX_MODULUS, Mask, Postings, TIERS, entry_doc};

/// Target size of an index file, in bytes: a query loads one file per term.
pub const SHARD_BYTES: usize = 12 * 1024;
/// Target size of a group of cases' excerpts, in bytes: a result page loads one per shown case.
pub const GROUP_BYTES: usize = 5 * 1024;
/// Hash buckets of terms (the high 16 bits of the key's hash).
pub const BUCKETS: u32 = 1 << 16;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Writes bits, most significant first, six to a character.
#[derive(Default)]
pub struct BitWriter {
    out: String,
    acc: u32,
    n: u32,
}

impl BitWriter {
    pub fn bit(&mut self, b: bool) {
        self.acc = (self.acc << 1) | u32::from(b);
        self.n += 1;
        if self.n == 6 {
            self.out.push(ALPHABET[self.acc as usize] as char);
            self.acc = 0;
            self.n = 0;
        }
    }

    pub fn bits(&mut self, value: u32, count: u32) {
        for i in (0..count).rev() {
            self.bit((value >> i) & 1 == 1);
        }
    }

    /// Elias gamma of `x ≥ 1`.
    pub fn gamma(&mut self, x: u32) {
        let n = 31 - x.leading_zeros();
        self.bits(0, n);
        self.bits(x, n + 1);
    }

    pub fn rice(&mut self, v: u32, k: u32) {
        for _ in 0..(v >> k) {
            self.bit(true);
        }
        self.bit(false);
        self.bits(v & ((1 << k) - 1), k);
    }

    /// A position mask modulo `m` (a power of two, 8 … 128) with at least one bit set: `0` and the
    /// position when one bit is set, else `1`, the count less one (gamma), then the positions when
    /// that is shorter than the bitmap, else the `m` bits from position 0.
    pub fn mask(&mut self, mask: Mask, m: u32) {
        let b = m.trailing_zeros();
        let count = mask.count_ones();
        if count == 1 {
            self.bit(false);
            self.bits(mask.trailing_zeros(), b);
            return;
        }
        self.bit(true);
        self.gamma(count - 1);
        if count * b < m {
            for p in (0..m).filter(|&p| (mask >> p) & 1 == 1) {
                self.bits(p, b);
            }
        } else {
            for p in 0..m {
                self.bit((mask >> p) & 1 == 1);
            }
        }
    }

    pub fn finish(mut self) -> String {
        if self.n > 0 {
            let pad = 6 - self.n;
            self.bits(0, pad);
        }
        self.out
    }
}

pub struct BitReader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> BitReader<'a> {
    pub fn new(text: &'a str) -> Self {
        BitReader { bytes: text.as_bytes(), pos: 0 }
    }

    fn bit(&mut self) -> Option<bool> {
        let c = *self.bytes.get(self.pos / 6)?;
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        let b = (v >> (5 - self.pos % 6)) & 1 == 1;
        self.pos += 1;
        Some(b)
    }

    fn bits(&mut self, count: u32) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..count {
            v = (v << 1) | u32::from(self.bit()?);
        }
        Some(v)
    }

    fn gamma(&mut self) -> Option<u32> {
        let mut n = 0;
        while !self.bit()? {
            n += 1;
            if n > 31 {
                return None;
            }
        }
        Some((1 << n) | self.bits(n)?)
    }

    fn rice(&mut self, k: u32) -> Option<u32> {
        let mut q = 0u32;
        while self.bit()? {
            q += 1;
        }
        Some((q << k) | self.bits(k)?)
    }

    fn mask(&mut self, m: u32) -> Option<Mask> {
        let b = m.trailing_zeros();
        if !self.bit()? {
            return Some(1 << self.bits(b)?);
        }
        let count = self.gamma()? + 1;
        let mut mask: Mask = 0;
        if count * b < m {
            for _ in 0..count {
                mask |= 1 << self.bits(b)?;
            }
        } else {
            for p in 0..m {
                mask |= Mask::from(self.bit()?) << p;
            }
        }
        Some(mask)
    }
}

/// Encodes sorted lists of numbers: per list its length, a Rice parameter and the gaps.
pub fn encode_lists(lists: &[Vec<u32>]) -> String {
    let entries: Vec<Vec<u64>> = lists.iter().map(|l| l.iter().map(|&d| u64::from(d) << 32).collect()).collect();
    encode_entries(&entries, None)
}

/// A posting entry's position mask and its case's modulus.
pub type MaskOf<'a> = &'a (dyn Fn(u64) -> (Mask, u32) + Sync);

/// Encodes lists of posting entries (`case << 32 | …`, see [`super::index::Postings`]): the cases
/// as [`encode_lists`] does, then, for a bigram (given `mask_of`), each entry's mask.
pub fn encode_entries(lists: &[Vec<u64>], mask_of: Option<MaskOf<'_>>) -> String {
    let mut w = BitWriter::default();
    for entries in lists {
        w.gamma(entries.len() as u32 + 1);
        let Some(&last) = entries.last() else { continue };
        let last = entry_doc(last);
        let mean = (last as usize + 1).saturating_sub(entries.len()) / entries.len();
        let k = (usize::BITS - (mean + 1).leading_zeros()).saturating_sub(1).min(15);
        w.bits(k, 4);
        let mut prev: i64 = -1;
        for &e in entries {
            let doc = entry_doc(e);
            w.rice((doc as i64 - prev - 1) as u32, k);
            prev = doc as i64;
        }
        if let Some(mask_of) = mask_of {
            for &e in entries {
                let (mask, m) = mask_of(e);
                w.mask(mask, m);
            }
        }
    }
    w.finish()
}

/// Decodes `count` lists written by [`encode_lists`].
pub fn decode_lists(text: &str, count: usize) -> Option<Vec<Vec<u32>>> {
    let lists = decode_entries(text, count, None)?;
    Some(lists.into_iter().map(|l| l.into_iter().map(|e| e.0).collect()).collect())
}

/// Decodes `count` lists written by [`encode_entries`].
pub fn decode_entries(text: &str, count: usize, moduli: Option<&[u32]>) -> Option<Vec<Vec<(u32, Mask)>>> {
    let mut r = BitReader::new(text);
    let mut lists = Vec::with_capacity(count);
    for _ in 0..count {
        let len = r.gamma()? - 1;
        let mut list = Vec::with_capacity(len as usize);
        if len > 0 {
            let k = r.bits(4)?;
            let mut prev: i64 = -1;
            for _ in 0..len {
                prev += i64::from(r.rice(k)?) + 1;
                list.push((u32::try_from(prev).ok()?, 0));
            }
        }
        if let Some(moduli) = moduli {
            for entry in &mut list {
                entry.1 = r.mask(moduli.get(entry.0 as usize).copied().unwrap_or(8))?;
            }
        }
        lists.push(list);
    }
    Some(lists)
}

/// Whether a term is a CJK bigram (its postings carry position masks).
pub fn is_bigram(term: &str) -> bool {
    let mut chars = term.chars();
    let cjk = |c: Option<char>| c.map(super::tokenize::class) == Some(super::tokenize::Class::Cjk);
    cjk(chars.next()) && cjk(chars.next()) && chars.next().is_none()
}

/// FNV-1a over the code points; `search.js` computes the same.
pub fn hash(key: &str) -> u32 {
    let mut h: u32 = 0x811C_9DC5;
    for c in key.chars() {
        h ^= c as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// The bucket of a term (see [`BUCKETS`]).
pub fn bucket(term: &str) -> u32 {
    hash(shard_key(term)) >> 16
}

/// The shard key of a term: a CJK term itself, a word its first two characters.
pub fn shard_key(term: &str) -> &str {
    let first = term.chars().next().map(super::tokenize::class);
    if first == Some(super::tokenize::Class::Cjk) {
        return term;
    }
    match term.char_indices().nth(2) {
        Some((i, _)) => &term[..i],
        None => term,
    }
}

/// A written index: the files and a few figures.
pub struct Files {
    pub files: Vec<(String, Vec<u8>)>,
    pub shards: usize,
    pub groups: usize,
    pub index_bytes: usize,
    pub doc_bytes: usize,
    pub facet_bytes: usize,
}

fn script(name: &str, data: &Json) -> Vec<u8> {
    // `</script` cannot appear: JSON escapes no `<`, so escape it here.
    let body = data.to_string().replace('<', "\\u003c");
    format!("EXS.add({},{body});\n", Json::from(name)).into_bytes()
}

/// Splits buckets `0..sizes.len()` into runs of about `target` bytes: the first bucket of each run.
pub fn pack(sizes: &[usize], target: usize) -> Vec<u32> {
    let mut starts = vec![0u32];
    let mut current = 0;
    for (b, &size) in sizes.iter().enumerate() {
        if current > 0 && current + size > target {
            starts.push(b as u32);
            current = 0;
        }
        current += size;
    }
    starts
}

/// Writes the index's files, sized by [`SHARD_BYTES`] and [`GROUP_BYTES`].
pub fn write(index: &Index) -> Files {
    write_sized(index, SHARD_BYTES, GROUP_BYTES)
}

/// Writes the index's files with index files of about `shard_bytes` and excerpt groups of about
/// `group_bytes`.
pub fn write_sized(index: &Index, shard_bytes: usize, group_bytes: usize) -> Files {
    let mut encoded: Vec<(u32, &str, String)> = index
        .terms
        .par_iter()
        .map(|(term, postings): &(String, Postings)| {
            let mask_of = |e: u64| (index.mask(e), index.modulus(entry_doc(e)));
            let mask_of: Option<MaskOf<'_>> = if is_bigram(term) { Some(&mask_of) } else { None };
            (bucket(term), term.as_str(), encode_entries(postings, mask_of))
        })
        .collect();
    // By bucket, then term: files are runs of buckets.
    encoded.par_sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut sizes = vec![0usize; BUCKETS as usize];
    for (b, term, postings) in &encoded {
        sizes[*b as usize] += term.len() + postings.len() + 2;
    }
    let starts = pack(&sizes, shard_bytes);
    // A file is one string: a line per term, the term and its postings separated by a space.
    let mut shard_terms: Vec<String> = vec![String::new(); starts.len()];
    for (b, term, postings) in encoded {
        let text = &mut shard_terms[starts.partition_point(|&s| s <= b) - 1];
        text.push_str(term);
        text.push(' ');
        text.push_str(&postings);
        text.push('\n');
    }

    let docs: Vec<Json> = index
        .docs
        .iter()
        .map(|d| json!([d.url, d.title, d.site, d.enterprise, d.date, d.status_label, d.text]))
        .collect();
    let doc_total: usize = docs.iter().map(|d| d.to_string().len() + 1).sum();
    let per_group = if docs.is_empty() { 1 } else { (group_bytes * docs.len() / doc_total.max(1)).max(1) };
    let groups = docs.len().div_ceil(per_group).max(1);

    let mut files = Vec::new();
    let mut index_bytes = 0;
    let shards = shard_terms.len();
    for (n, terms) in shard_terms.into_iter().enumerate() {
        let name = format!("s/{n}");
        let bytes = script(&name, &Json::from(terms));
        index_bytes += bytes.len();
        files.push((format!("search/{name}.js"), bytes));
    }
    let mut doc_bytes = 0;
    for (n, chunk) in docs.chunks(per_group).enumerate() {
        let name = format!("d/{n}");
        let bytes = script(&name, &Json::Array(chunk.to_vec()));
        doc_bytes += bytes.len();
        files.push((format!("search/{name}.js"), bytes));
    }
    if docs.is_empty() {
        files.push(("search/d/0.js".to_owned(), script("d/0", &json!([]))));
    }
    let facets = json!({
        "facets": index.facets.iter().map(|f| json!({
            "id": f.id,
            "values": f.values.iter().map(|v| json!([v.key, v.label, encode_lists(std::slice::from_ref(&v.docs))])).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "indicators": index.indicators.iter().map(|i| {
            let mut w = BitWriter::default();
            for s in &i.scores {
                w.bits(u32::from(s.unwrap_or(4095)), 12);
            }
            json!({ "id": i.id, "label": i.label, "scores": w.finish() })
        }).collect::<Vec<_>>(),
    });
    let facet_file = script("facets", &facets);
    let facet_bytes = facet_file.len();
    files.push(("search/facets.js".to_owned(), facet_file));
    // The cases of each position modulus above 8.
    let wide_moduli: Vec<u32> =
        std::iter::successors(Some(16u32), |m| Some(m * 2)).take_while(|&m| m <= MAX_MODULUS).collect();
    let wide: Vec<Vec<u32>> = wide_moduli
        .iter()
        .map(|&m| (0..index.moduli.len() as u32).filter(|&d| index.moduli[d as usize] == m).collect())
        .collect();
    let manifest = json!({
        "version": 2, "docs": index.docs.len(), "group": per_group, "tiers": TIERS,
        "files": encode_lists(std::slice::from_ref(&starts)),
        "wide_moduli": wide_moduli, "wide": encode_lists(&wide),
    });
    files.push(("search/manifest.js".to_owned(), script("manifest", &manifest)));
    Files { files, shards, groups, index_bytes, doc_bytes, facet_bytes }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_round_trip() {
        let lists = vec![vec![], vec![0, 1, 2, 3], vec![5, 900, 901, 9999], vec![4_000_000]];
        let text = encode_lists(&lists);
        assert!(text.bytes().all(|b| ALPHABET.contains(&b)));
        assert_eq!(decode_lists(&text, 4).unwrap(), lists);
        assert_eq!(decode_lists("", 1), None, "truncated input is refused, not a panic");
        assert_eq!(decode_lists("!!", 1), None);
        // Masks modulo 8 and 32: one position, a few, many (a bitmap).
        let moduli = [8, 32, 8, 128, 32, 8];
        let entries: Vec<Vec<(u32, Mask)>> =
            vec![vec![(1, 0x10), (3, 1 << 127 | 1), (5, 0xFF)], vec![], vec![(4, 0xFFFF_FFFF)], vec![]];
        // Entries whose low bits number their mask in `entries`' order.
        let flat: Vec<Mask> = entries.iter().flatten().map(|e| e.1).collect();
        let mut n = 0;
        let numbered: Vec<Vec<u64>> = entries
            .iter()
            .map(|l| {
                l.iter()
                    .map(|&(d, _)| {
                        n += 1;
                        (u64::from(d) << 32) | (n - 1)
                    })
                    .collect()
            })
            .collect();
        let mask_of = |e: u64| (flat[e as u32 as usize], moduli[(e >> 32) as usize]);
        let text = encode_entries(&numbered, Some(&mask_of));
        assert_eq!(decode_entries(&text, 4, Some(&moduli)).unwrap(), entries);
        let mut w = BitWriter::default();
        w.mask(0b100, 8);
        assert_eq!(w.finish().len(), 1, "one position modulo 8 takes four bits");
        assert!(is_bigram("数字") && !is_bigram("数") && !is_bigram("ab") && !is_bigram("数字孪"));
    }

    #[test]
    fn shard_keys_keep_prefixes_together() {
        assert_eq!(shard_key("kitex"), "ki");
        assert_eq!(shard_key("k"), "k");
        assert_eq!(shard_key("数字"), "数字");
        assert_eq!(hash(""), 0x811C_9DC5);
        assert!(bucket("数字") < BUCKETS);
    }

    #[test]
    fn buckets_are_packed_into_runs() {
        assert_eq!(pack(&[5, 5, 5, 20, 1, 1], 10), [0, 2, 3, 4]);
        assert_eq!(pack(&[0, 0], 10), [0]);
    }
}
