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

use super::index::{Doc, Index, MAX_MODULUS, Mask, Postings, TIERS, WORD_MODULUS};

/// Target size of an index file, in bytes: a query loads one file per term.
pub const SHARD_BYTES: usize = 12 * 1024;
/// Target size of a group of cases' excerpts, in bytes: a result page loads one per shown case.
pub const GROUP_BYTES: usize = 5 * 1024;
/// Hash buckets of terms (the high 16 bits of the key's hash).
pub const BUCKETS: u32 = 1 << 16;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The value of each character of [`ALPHABET`] (64: not in it).
const DIGITS: [u8; 256] = {
    let mut table = [64u8; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Writes bits, most significant first, six to a character. Bits gather in a word and leave it
/// a few characters at a time (the index is millions of bits: one call per bit was the cost).
#[derive(Default)]
pub struct BitWriter {
    out: Vec<u8>,
    /// Pending bits: the low `n` of the word.
    acc: u64,
    n: u32,
}

impl BitWriter {
    /// A writer that appends to `out` ([`BitWriter::finish_bytes`] gives it back).
    pub fn on(out: Vec<u8>) -> Self {
        BitWriter { out, acc: 0, n: 0 }
    }

    pub fn bit(&mut self, b: bool) {
        self.bits(u32::from(b), 1);
    }

    /// The low `count` bits of `value` (`count` ≤ 32).
    pub fn bits(&mut self, value: u32, count: u32) {
        debug_assert!(count <= 32);
        self.put(u64::from(value), count);
    }

    /// The low `count` bits of `value`, `count` ≤ [`BitWriter::MAX_PUT`] (a whole code at once).
    fn put(&mut self, value: u64, count: u32) {
        if self.n + count > 64 {
            self.drain();
        }
        // Bits above the pending ones are shifted out of the word, never read.
        self.acc = (self.acc << count) | (value & ((1u64 << count) - 1));
        self.n += count;
    }

    /// Bits [`BitWriter::put`] takes at once: a drained word has fewer than 6 pending.
    const MAX_PUT: u32 = 58;

    /// Writes the whole characters pending.
    fn drain(&mut self) {
        // Into a buffer first: one append, not one a character.
        let mut chars = [0u8; 64 / 6];
        let count = (self.n / 6) as usize;
        for (i, c) in chars[..count].iter_mut().enumerate() {
            *c = ALPHABET[((self.acc >> (self.n - 6 * (i as u32 + 1))) & 63) as usize];
        }
        self.n -= 6 * count as u32;
        self.out.extend_from_slice(&chars[..count]);
    }

    /// Elias gamma of `x ≥ 1`.
    pub fn gamma(&mut self, x: u32) {
        let n = 31 - x.leading_zeros();
        if 2 * n < Self::MAX_PUT {
            // `n` zeros then `x`'s `n + 1` bits: `x` itself on `2n + 1` bits.
            self.put(u64::from(x), 2 * n + 1);
        } else {
            self.bits(0, n);
            self.bits(x, n + 1);
        }
    }

    pub fn rice(&mut self, v: u32, k: u32) {
        let q = v >> k;
        if q + 1 + k <= Self::MAX_PUT {
            // `q` ones, a zero, then the `k` low bits.
            let ones = ((1u64 << q) - 1) << (k + 1);
            self.put(ones | u64::from(v & ((1 << k) - 1)), q + 1 + k);
            return;
        }
        let mut ones = q;
        while ones > 0 {
            let run = ones.min(32);
            self.bits(u32::MAX, run);
            ones -= run;
        }
        self.bit(false);
        self.bits(v & ((1 << k) - 1), k);
    }

    /// A position mask modulo `m` (a power of two, 8 … 128) with at least one bit set: `0` and the
    /// position when one bit is set, else `1`, the count less one (gamma), then nothing when every
    /// bit is set, the positions when that is shorter than the bitmap, else the `m` bits from
    /// position 0.
    pub fn mask(&mut self, mask: Mask, m: u32) {
        let b = m.trailing_zeros();
        let count = mask.count_ones();
        if count == 1 {
            // A zero, then the position.
            self.put(u64::from(mask.trailing_zeros()), b + 1);
            return;
        }
        self.bit(true);
        self.gamma(count - 1);
        if count >= m {
            return;
        }
        if count * b < m {
            let mut rest = if m >= Mask::BITS { mask } else { mask & ((1 << m) - 1) };
            while rest != 0 {
                self.bits(rest.trailing_zeros(), b);
                rest &= rest - 1;
            }
        } else {
            // Position 0 first: each 32-bit part of the bitmap reversed.
            for from in (0..m).step_by(32) {
                let width = (m - from).min(32);
                let part = ((mask >> from) as u32).reverse_bits() >> (32 - width);
                self.bits(part, width);
            }
        }
    }

    /// The characters written.
    pub fn finish(self) -> String {
        // Only characters of the alphabet, unless given other bytes by `on`.
        String::from_utf8(self.finish_bytes()).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    /// The bytes given to [`BitWriter::on`] and the characters written after them.
    pub fn finish_bytes(mut self) -> Vec<u8> {
        self.drain();
        if self.n > 0 {
            self.bits(0, 6 - self.n);
            self.drain();
        }
        self.out
    }
}

pub struct BitReader<'a> {
    bytes: &'a [u8],
    /// The next character to read.
    at: usize,
    /// Bits read ahead: the low `n` of the word, the next one highest (a character's six bits
    /// looked up once, not once a bit).
    acc: u64,
    n: u32,
}

impl<'a> BitReader<'a> {
    pub fn new(text: &'a str) -> Self {
        BitReader { bytes: text.as_bytes(), at: 0, acc: 0, n: 0 }
    }

    /// Reads the next character's six bits into the word; `None` when the text ends or the
    /// character is outside the alphabet.
    fn read_char(&mut self) -> Option<()> {
        let v = DIGITS[usize::from(*self.bytes.get(self.at)?)];
        if v == 64 {
            return None;
        }
        // Bits above the pending ones are shifted out of the word, never read.
        self.acc = (self.acc << 6) | u64::from(v);
        self.n += 6;
        self.at += 1;
        Some(())
    }

    /// Reads characters until `want` (at most 58) bits are ahead; `None` when the text ends
    /// first or holds a character outside the alphabet.
    fn fill(&mut self, want: u32) -> Option<()> {
        while self.n < want {
            self.read_char()?;
        }
        Some(())
    }

    fn bit(&mut self) -> Option<bool> {
        self.fill(1)?;
        self.n -= 1;
        Some((self.acc >> self.n) & 1 == 1)
    }

    /// The next `count` bits (at most 32).
    fn bits(&mut self, count: u32) -> Option<u32> {
        self.fill(count)?;
        self.n -= count;
        Some(((self.acc >> self.n) & ((1u64 << count) - 1)) as u32)
    }

    /// Reads characters while the word has room for them and they are in the alphabet: a run of
    /// equal bits may end in any of them ([`BitReader::fill`] reads only as far as it must).
    fn fill_ahead(&mut self) {
        while self.n <= 52 && self.read_char().is_some() {}
    }

    /// The number of `bit`s before the next other bit, which is read too (the unary part of gamma
    /// and Rice codes): counted a word at a time, not a bit at a time. `None` when the text ends
    /// first.
    fn run(&mut self, bit: bool) -> Option<u32> {
        let mut count = 0u32;
        loop {
            if self.n == 0 {
                self.fill_ahead();
                if self.n == 0 {
                    return None;
                }
            }
            // The pending bits at the top of the word, zeros below them.
            let top = self.acc << (64 - self.n);
            let same = if bit { (!top).leading_zeros() } else { top.leading_zeros() }.min(self.n);
            count = count.checked_add(same)?;
            self.n -= same;
            if self.n > 0 {
                self.n -= 1;
                return Some(count);
            }
        }
    }

    fn gamma(&mut self) -> Option<u32> {
        let n = self.run(false)?;
        if n > 31 {
            return None;
        }
        Some((1 << n) | self.bits(n)?)
    }

    fn rice(&mut self, k: u32) -> Option<u32> {
        let q = self.run(true)?;
        Some((q << k) | self.bits(k)?)
    }

    fn mask(&mut self, m: u32) -> Option<Mask> {
        let b = m.trailing_zeros();
        if !self.bit()? {
            return Some(1 << self.bits(b)?);
        }
        let count = self.gamma()? + 1;
        if count >= m {
            return Some(full_mask(m));
        }
        let mut mask: Mask = 0;
        if count * b < m {
            for _ in 0..count {
                mask |= 1 << self.bits(b)?;
            }
        } else {
            // Position 0 first: each 32-bit part reversed, as `BitWriter::mask` writes it.
            for from in (0..m).step_by(32) {
                let width = (m - from).min(32);
                let part = self.bits(width)?.reverse_bits() >> (32 - width);
                mask |= Mask::from(part) << from;
            }
        }
        Some(mask)
    }
}

/// A mask modulo `m` with every bit set.
pub fn full_mask(m: u32) -> Mask {
    if m >= Mask::BITS { Mask::MAX } else { (1 << m) - 1 }
}

/// Encodes sorted lists of numbers: per list its length, a Rice parameter and the gaps.
pub fn encode_lists(lists: &[Vec<u32>]) -> String {
    let mut w = BitWriter::default();
    for list in lists {
        encode_gaps(&mut w, list, |&d| d);
    }
    w.finish()
}

/// Encodes a term's postings (see [`super::index::Postings`]): per tier, the cases as
/// [`encode_lists`] does, then, for a term with masks (given each case's modulus), each entry's mask.
pub fn encode_postings(w: &mut BitWriter, postings: &Postings, moduli: Option<Moduli<'_>>) {
    let mask_of = moduli.map(|moduli| move |&(doc, mask): &(u32, Mask)| (mask, moduli.of(doc)));
    encode_tiers(w, postings.each_ref().map(Vec::as_slice), |e| e.0, mask_of);
}

/// [`encode_postings`] over lists of any entries: `doc` gives an entry's case and, for a term with masks,
/// `mask_of` its mask and modulus.
pub fn encode_tiers<T>(
    w: &mut BitWriter,
    lists: [&[T]; TIERS],
    doc: impl Fn(&T) -> u32,
    mask_of: Option<impl Fn(&T) -> (Mask, u32)>,
) {
    for list in lists {
        encode_gaps(w, list, &doc);
        if let Some(mask_of) = &mask_of {
            for entry in list {
                let (mask, m) = mask_of(entry);
                w.mask(mask, m);
            }
        }
    }
}

/// One sorted list: its length (gamma of length + 1), then when not empty a Rice parameter from
/// the mean gap (4 bits) and the gaps.
fn encode_gaps<T>(w: &mut BitWriter, list: &[T], doc: impl Fn(&T) -> u32) {
    w.gamma(list.len() as u32 + 1);
    let Some(last) = list.last() else { return };
    let mean = (doc(last) as usize + 1).saturating_sub(list.len()) / list.len();
    let k = (usize::BITS - (mean + 1).leading_zeros()).saturating_sub(1).min(15);
    w.bits(k, 4);
    let mut prev: i64 = -1;
    for item in list {
        let d = doc(item);
        w.rice((i64::from(d) - prev - 1) as u32, k);
        prev = i64::from(d);
    }
}

/// Decodes `count` lists written by [`encode_lists`].
pub fn decode_lists(text: &str, count: usize) -> Option<Vec<Vec<u32>>> {
    let lists = decode_entries(text, count, None)?;
    Some(lists.into_iter().map(|l| l.into_iter().map(|e| e.0).collect()).collect())
}

/// Decodes `count` lists written by [`encode_postings`] (`moduli` for a term's masks).
pub fn decode_entries(text: &str, count: usize, moduli: Option<Moduli<'_>>) -> Option<Vec<Vec<(u32, Mask)>>> {
    let mut r = BitReader::new(text);
    let mut lists = Vec::with_capacity(count);
    for _ in 0..count {
        let len = r.gamma()? - 1;
        // A length the text cannot hold is refused below; do not reserve for it.
        let mut list = Vec::with_capacity((len as usize).min(text.len() * 6));
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
                entry.1 = r.mask(moduli.of(entry.0))?;
            }
        }
        lists.push(list);
    }
    Some(lists)
}

/// The modulus of the position masks in a term's postings, by case.
#[derive(Debug, Clone, Copy)]
pub enum Moduli<'a> {
    /// A bigram's: each case's own (see [`super::index::modulus`]).
    Cases(&'a [u32]),
    /// A word's: [`WORD_MODULUS`] in every case.
    Words,
}

impl Moduli<'_> {
    pub fn of(self, doc: u32) -> u32 {
        match self {
            Moduli::Cases(moduli) => moduli.get(doc as usize).copied().unwrap_or(8),
            Moduli::Words => WORD_MODULUS,
        }
    }
}

/// The moduli of a term's masks, given each case's: `None` for a single CJK character or a word,
/// whose postings carry no masks (a longer run is checked through its bigrams, a phrase through
/// its words' [`positions_term`]s).
pub fn moduli_of<'a>(term: &str, moduli: &'a [u32]) -> Option<Moduli<'a>> {
    if is_bigram(term) { Some(Moduli::Cases(moduli)) } else { is_positions(term).then_some(Moduli::Words) }
}

/// The term holding a word's positions: every case having the word (in one list) with its
/// position mask. Apart from the word's own postings, in another index file (its shard key is not
/// the word's), so that only a query checking a phrase reads them: a word in most cases (TiDB in
/// the generated site) would otherwise make every query of it read a mask for each case.
pub fn positions_term(word: &str) -> String {
    format!("{POSITIONS_MARK}{word}")
}

/// The first character of a [`positions_term`]: punctuation, which no term of text holds.
pub const POSITIONS_MARK: char = '~';

pub fn is_positions(term: &str) -> bool {
    term.starts_with(POSITIONS_MARK)
}

/// Whether a term is a word (of Latin letters and digits).
pub fn is_word(term: &str) -> bool {
    term.chars().next().map(super::tokenize::class) == Some(super::tokenize::Class::Word)
}

/// Whether a term is a CJK bigram.
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

/// The shard key of a term: a CJK term itself, a word its first two characters (a word's
/// positions: the mark and those two).
pub fn shard_key(term: &str) -> &str {
    let first = term.chars().next().map(super::tokenize::class);
    if first == Some(super::tokenize::Class::Cjk) {
        return term;
    }
    let chars = if is_positions(term) { 3 } else { 2 };
    match term.char_indices().nth(chars) {
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

/// Appends `text` as the inside of a JSON string, escaped as serde_json escapes it and `<` as
/// `\u003c` (see [`script`]), without building a JSON value. Returns how many `<` it escaped.
fn push_escaped(out: &mut Vec<u8>, text: &str) -> usize {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = text.as_bytes();
    let mut lt = 0;
    let mut at = 0;
    loop {
        let plain = plain_len(&bytes[at..]);
        out.extend_from_slice(&bytes[at..at + plain]);
        at += plain;
        let Some(&b) = bytes.get(at) else { return lt };
        match short_escape(b) {
            Some(short) => out.extend_from_slice(short),
            None => {
                out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
            }
        }
        lt += usize::from(b == b'<');
        at += 1;
    }
}

/// The bytes [`push_escaped`] writes for `text`, and how many `<` it escapes.
fn escaped_sizes(text: &str) -> (usize, usize) {
    let bytes = text.as_bytes();
    let (mut len, mut lt, mut at) = (0, 0, 0);
    loop {
        let plain = plain_len(&bytes[at..]);
        len += plain;
        at += plain;
        let Some(&b) = bytes.get(at) else { return (len, lt) };
        len += short_escape(b).map_or(6, <[u8]>::len);
        lt += usize::from(b == b'<');
        at += 1;
    }
}

/// The bytes [`push_escaped`] writes for `text`.
fn escaped_len(text: &str) -> usize {
    escaped_sizes(text).0
}

/// The bytes serde_json writes for `text` inside a JSON string: as [`push_escaped`] but for `<`,
/// which it leaves as it is (one byte, not six).
fn json_len(text: &str) -> usize {
    let (len, lt) = escaped_sizes(text);
    len - 5 * lt
}

/// How [`push_escaped`] writes a byte that needs an escape, unless it is `\u00XX` (the control
/// characters without a short form).
fn short_escape(b: u8) -> Option<&'static [u8]> {
    Some(match b {
        b'"' => b"\\\"",
        b'\\' => b"\\\\",
        b'\n' => b"\\n",
        b'\r' => b"\\r",
        b'\t' => b"\\t",
        0x08 => b"\\b",
        0x0C => b"\\f",
        b'<' => b"\\u003c",
        _ => return None,
    })
}

/// Whether [`push_escaped`] writes `b` as an escape.
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\' || b == b'<'
}

/// How many bytes at the start of `bytes` need no escape, looked at eight at a time: the text of
/// the index files and excerpts is megabytes with an escape every line or so.
fn plain_len(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    // A byte of `x` is zero, or below 0x20: the high bit of its lane (exact for "any").
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let has_below_space = |x: u64| x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut lanes = [0; 8];
        lanes.copy_from_slice(chunk);
        let x = u64::from_ne_bytes(lanes);
        let found = has_below_space(x)
            | has_zero(x ^ (ONES * u64::from(b'"')))
            | has_zero(x ^ (ONES * u64::from(b'\\')))
            | has_zero(x ^ (ONES * u64::from(b'<')));
        if found != 0 {
            break;
        }
        at += 8;
    }
    at + bytes[at..].iter().position(|&b| needs_escape(b)).unwrap_or(bytes.len() - at)
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
    let layout = Layout::new(index, shard_bytes, group_bytes);
    let files: Vec<(String, Vec<u8>)> = (0..layout.count()).into_par_iter().map(|i| layout.file(index, i)).collect();
    let (shards, groups) = (layout.shards(), layout.groups);
    let bytes = |range: std::ops::Range<usize>| files[range].iter().map(|f| f.1.len()).sum::<usize>();
    let index_bytes = bytes(0..shards);
    let doc_bytes = if index.docs.is_empty() { 0 } else { bytes(shards..shards + groups) };
    let facet_bytes = files[shards + groups].1.len();
    Files { files, shards, groups, index_bytes, doc_bytes, facet_bytes }
}

/// Which files an index is written as, ready to be written one at a time from the index (in any
/// order, in parallel, or only those asked for): index files, excerpt groups, facets, manifest.
pub struct Layout {
    /// Per index file, its first bucket.
    starts: Vec<u32>,
    per_group: usize,
    groups: usize,
    facets: Vec<u8>,
    manifest: Vec<u8>,
}

/// The fields of a case's excerpt, in the order the excerpt groups hold them.
fn excerpt_fields(d: &Doc) -> [&String; 7] {
    [&d.url, &d.title, &d.site, &d.enterprise, &d.date, &d.status_label, &d.text]
}

impl Layout {
    pub fn new(index: &Index, shard_bytes: usize, group_bytes: usize) -> Self {
        let starts = pack(&index.bucket_sizes(), shard_bytes);

        // The excerpts' sizes as serde_json writes them (`<` not escaped; a comma after each):
        // they set the group size. The excerpts themselves are written with their group.
        let doc_len = |d: &Doc| excerpt_fields(d).into_iter().map(|f| json_len(f) + 3).sum::<usize>() + 2;
        let doc_total: usize = index.docs.par_iter().map(doc_len).sum();
        let n = index.docs.len();
        let per_group = if n == 0 { 1 } else { (group_bytes * n / doc_total.max(1)).max(1) };
        let groups = n.div_ceil(per_group).max(1);

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
        // The cases of each position modulus above 8.
        let wide_moduli: Vec<u32> =
            std::iter::successors(Some(16u32), |m| Some(m * 2)).take_while(|&m| m <= MAX_MODULUS).collect();
        let wide: Vec<Vec<u32>> = wide_moduli
            .iter()
            .map(|&m| (0..index.moduli.len() as u32).filter(|&d| index.moduli[d as usize] == m).collect())
            .collect();
        let manifest = json!({
            "version": 2, "docs": n, "group": per_group, "tiers": TIERS,
            "files": encode_lists(std::slice::from_ref(&starts)),
            "wide_moduli": wide_moduli, "wide": encode_lists(&wide),
        });
        Layout { starts, per_group, groups, facets: script("facets", &facets), manifest: script("manifest", &manifest) }
    }

    /// Index files.
    pub fn shards(&self) -> usize {
        self.starts.len()
    }

    /// Files in all: index files, excerpt groups, facets and manifest.
    pub fn count(&self) -> usize {
        self.shards() + self.groups + 2
    }

    /// The number of the file at `path` (`search/s/3.js`), if the index has one.
    pub fn find(&self, path: &str) -> Option<usize> {
        let number = |prefix: &str| -> Option<usize> {
            let digits = path.strip_prefix(prefix)?.strip_suffix(".js")?;
            // Only the names `file` gives: no sign, no leading zero.
            (digits == "0" || !digits.starts_with('0')).then_some(())?;
            digits.bytes().all(|b| b.is_ascii_digit()).then(|| digits.parse().ok())?
        };
        let (shards, groups) = (self.shards(), self.groups);
        match path {
            "search/facets.js" => Some(shards + groups),
            "search/manifest.js" => Some(shards + groups + 1),
            _ => match (number("search/s/"), number("search/d/")) {
                (Some(i), _) if i < shards => Some(i),
                (_, Some(n)) if n < groups => Some(shards + n),
                _ => None,
            },
        }
    }

    /// The path of file `i` of [`Layout::count`].
    pub fn file_name(&self, i: usize) -> String {
        let (shards, groups) = (self.shards(), self.groups);
        if i < shards {
            format!("search/s/{i}.js")
        } else if i < shards + groups {
            format!("search/d/{}.js", i - shards)
        } else if i == shards + groups {
            "search/facets.js".to_owned()
        } else {
            "search/manifest.js".to_owned()
        }
    }

    /// File `i` of [`Layout::count`] of `index` (the index the layout was made for): its path and
    /// bytes.
    pub fn file(&self, index: &Index, i: usize) -> (String, Vec<u8>) {
        (self.file_name(i), self.contents(index, i))
    }

    /// The bytes of file `i` of [`Layout::count`] of `index`.
    pub fn contents(&self, index: &Index, i: usize) -> Vec<u8> {
        let (shards, groups) = (self.shards(), self.groups);
        if i < shards {
            let buckets = self.starts[i]..self.starts.get(i + 1).copied().unwrap_or(BUCKETS);
            let mut bytes = format!("EXS.add(\"s/{i}\",").into_bytes();
            bytes.reserve(index.bucket_text(buckets.clone()).map(escaped_len).sum::<usize>() + 4);
            // The file is one JSON string of its lines.
            bytes.push(b'"');
            for text in index.bucket_text(buckets) {
                push_escaped(&mut bytes, text);
            }
            bytes.extend_from_slice(b"\");\n");
            bytes
        } else if i < shards + groups {
            let n = i - shards;
            let first = (n * self.per_group).min(index.docs.len());
            let last = ((n + 1) * self.per_group).min(index.docs.len());
            let docs = &index.docs[first..last];
            // Sized exactly: grown by doubling, the buffers left behind raised the build's peak.
            let len = docs.iter().flat_map(excerpt_fields).map(|f| escaped_len(f) + 3).sum::<usize>() + 2 * docs.len();
            let mut bytes = format!("EXS.add(\"d/{n}\",[").into_bytes();
            bytes.reserve_exact(len + 4);
            for (k, d) in docs.iter().enumerate() {
                if k > 0 {
                    bytes.push(b',');
                }
                for (f, field) in excerpt_fields(d).into_iter().enumerate() {
                    bytes.extend_from_slice(if f == 0 { b"[\"" } else { b",\"" });
                    push_escaped(&mut bytes, field);
                    bytes.push(b'"');
                }
                bytes.push(b']');
            }
            bytes.extend_from_slice(b"]);\n");
            bytes
        } else if i == shards + groups {
            self.facets.clone()
        } else {
            self.manifest.clone()
        }
    }
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
        // Masks modulo 8, 32 and 128: one position, a few, many (a bitmap), all (nothing more).
        let moduli = [8, 32, 8, 128, 32, 8];
        let postings: Postings =
            [vec![(1, 0x10), (3, 1 << 127 | 1), (5, 0xFF)], vec![], vec![(4, 0xFFFF_FFFF)], vec![(3, Mask::MAX)]];
        let mut w = BitWriter::default();
        encode_postings(&mut w, &postings, Some(Moduli::Cases(&moduli)));
        let text = w.finish();
        assert_eq!(decode_entries(&text, 4, Some(Moduli::Cases(&moduli))).unwrap(), postings);
        // Codes longer than a word at once: a long Rice run, a wide gamma.
        let lists = vec![vec![0, 3_000_000], vec![u32::MAX - 1]];
        assert_eq!(decode_lists(&encode_lists(&lists), 2).unwrap(), lists);
        let mut w = BitWriter::default();
        w.mask(0b100, 8);
        assert_eq!(w.finish().len(), 1, "one position modulo 8 takes four bits");
        assert!(is_bigram("数字") && !is_bigram("数") && !is_bigram("ab") && !is_bigram("数字孪"));
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let long = "数字孪生平台 kitex 0123456789".repeat(3);
        let mut texts: Vec<String> =
            ["", "plain 数字", "a\"b\\c\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}</script>", "<<", "\u{2028}é"]
                .map(String::from)
                .into();
        // Each escape at every place in a text longer than a few words, and at its ends.
        for special in ["\"", "\\", "\n", "\u{0}", "\u{1f}", "<", " ", "\u{7f}", "é"] {
            for at in (0..=long.len()).filter(|&i| long.is_char_boundary(i)) {
                texts.push(format!("{}{special}{}", &long[..at], &long[at..]));
            }
        }
        for text in &texts {
            let mut out = Vec::new();
            let lt = push_escaped(&mut out, text);
            let expected = Json::from(text.as_str()).to_string().replace('<', "\\u003c");
            assert_eq!(out.len(), escaped_len(text), "{text:?}");
            assert_eq!(format!("\"{}\"", String::from_utf8(out).unwrap()), expected);
            assert_eq!(lt, text.matches('<').count());
        }
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
