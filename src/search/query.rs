//! The query engine. `search.js` implements the same steps on the same data, so that both return
//! the same cases in the same order (a test holds them equal):
//!
//! 1. The query is folded (see [`super::tokenize::fold`]) and split into clauses at whitespace; text
//!    in quotes (`"…"` or `“…”`) is one clause. A clause is its runs: a CJK run needs its bigrams
//!    (or its one character), a word needs itself, or any word it starts when it is the clause's
//!    last run and has two characters or more (prefix matching).
//! 2. A case matches when it has every term of every clause (AND). Within a clause, the tier of a
//!    case is the worst tier among the clause's terms. A clause's bigrams and words must also sit
//!    where the clause puts them, counted as the index counts positions (see
//!    [`super::index::Postings`]): a CJK run's bigrams one after the other, a word right after what
//!    comes before it (a quoted `"tidb cloud"` is a phrase, and so is `5g基站` typed together): a
//!    word's positions are read for this alone (see [`super::files::positions_term`]). A prefix's
//!    positions are those of all the words it starts. A case's score is the sum over the clauses
//!    of 8 × [`TIER_WEIGHTS`] of that tier (title first, then site and enterprise, practices,
//!    body) plus the occurrences (the fewest mask bits among the clause's bigrams, at most 8; 1
//!    without bigrams).
//! 3. Filters keep cases having one of the chosen values of each facet, and an indicator's latest
//!    score at or above a minimum. Facet counts are over the matches filtered by the other facets.
//! 4. Order: by score then newest (relevance), newest first (date), or an indicator's latest score.

use super::index::{Index, Mask, TIER_WEIGHTS, WORD_MODULUS, fold_mask};
use super::tokenize::{self, Run};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    Exact(String),
    Prefix(String),
}

/// One clause: its terms, the runs (for highlighting), and when it has two bigrams or words or
/// more, where each must sit: (term number, position in the clause, counted as the index counts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub terms: Vec<Term>,
    pub runs: Vec<Run>,
    pub chains: Vec<Vec<(usize, u32)>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Relevance,
    Date,
    /// By an indicator's latest score, highest first.
    Indicator(String),
}

#[derive(Debug, Clone, Default)]
pub struct Query {
    pub text: String,
    /// Facet id and value key; values of one facet are alternatives.
    pub filters: Vec<(String, String)>,
    /// Indicator id and the minimum latest score.
    pub min_scores: Vec<(String, f64)>,
    pub sort: Sort,
}

impl Query {
    pub fn text(text: &str) -> Query {
        Query { text: text.to_owned(), ..Default::default() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub doc: u32,
    pub score: u32,
}

#[derive(Debug, Clone, Default)]
pub struct Results {
    pub hits: Vec<Hit>,
    /// Per facet (in the index's order), per value: how many matches have it.
    pub counts: Vec<Vec<usize>>,
    pub clauses: Vec<Clause>,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{a0}')
}

fn is_open_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201c}' | '「' | '『')
}

fn is_close_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201d}' | '」' | '』')
}

/// Whether a query has no text at all (whitespace only, after folding): it lists every case. Text
/// with nothing searchable in it (`！！`) is not blank: it finds nothing.
pub fn is_blank(text: &str) -> bool {
    text.chars().map(tokenize::fold).all(is_space)
}

/// Splits a query into clauses. Never fails: what is not searchable is dropped.
pub fn parse(text: &str) -> Vec<Clause> {
    let folded: Vec<char> = text.chars().map(tokenize::fold).collect();
    let mut raw: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let cjk = |c: Option<char>| c.is_some_and(|c| tokenize::class(c) == tokenize::Class::Cjk);
    for (i, &c) in folded.iter().enumerate() {
        if quoted {
            // Quoted Chinese is a phrase: `"党员 先锋"` is 党员先锋, the spaces between its
            // characters left out (Chinese text has none between words).
            let inside_chinese =
                || cjk(current.chars().last()) && cjk(folded[i + 1..].iter().copied().find(|c| !is_space(*c)));
            if is_close_quote(c) {
                quoted = false;
                raw.push(std::mem::take(&mut current));
            } else if !(is_space(c) && inside_chinese()) {
                current.push(c);
            }
        } else if is_open_quote(c) {
            raw.push(std::mem::take(&mut current));
            quoted = true;
        } else if is_space(c) {
            raw.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    raw.push(current);
    raw.iter().filter_map(|r| clause(r)).collect()
}

fn clause(text: &str) -> Option<Clause> {
    let runs = tokenize::runs(text);
    if runs.is_empty() {
        return None;
    }
    let mut terms = Vec::new();
    // Positions as the index counts them: a word takes one, a CJK run one a character and one
    // for its end.
    let mut chain = Vec::new();
    let mut pos = 0u32;
    let last = runs.len() - 1;
    for (i, run) in runs.iter().enumerate() {
        match run {
            Run::Word(w) => {
                terms.push(if i == last && w.chars().count() >= 2 {
                    Term::Prefix(w.clone())
                } else {
                    Term::Exact(w.clone())
                });
                chain.push((terms.len() - 1, pos));
                pos += 1;
            }
            Run::Cjk(chars) => {
                if chars.len() == 1 {
                    terms.push(Term::Exact(chars[0].to_string()));
                }
                for offset in 0..chars.len().saturating_sub(1) {
                    let term = Term::Exact(chars[offset..offset + 2].iter().collect());
                    let n = terms.iter().position(|t| *t == term).unwrap_or_else(|| {
                        terms.push(term);
                        terms.len() - 1
                    });
                    chain.push((n, pos + offset as u32));
                }
                pos += chars.len() as u32 + 1;
            }
        }
    }
    let chains = if chain.len() >= 2 { vec![chain] } else { Vec::new() };
    Some(Clause { terms, runs, chains })
}

/// Cases having `term`: (case, best tier, position mask), sorted by case; a prefix's mask holds
/// the positions of every word it starts.
fn term_docs(index: &Index, term: &Term) -> Vec<(u32, u8, Mask)> {
    let mut out: Vec<(u32, u8, Mask)> = Vec::new();
    let mut add = |postings: &super::index::Postings| {
        for (tier, list) in postings.iter().enumerate() {
            out.extend(list.iter().map(|&(doc, mask)| (doc, tier as u8, mask)));
        }
    };
    match term {
        Term::Exact(t) => {
            if let Some(p) = index.postings(t) {
                add(&p);
            }
        }
        Term::Prefix(p) => index.with_prefix(p).iter().for_each(|(_, postings)| add(postings)),
    }
    out.sort_unstable();
    out.dedup_by(|later, first| {
        let same = later.0 == first.0;
        if same {
            first.2 |= later.2;
        }
        same
    });
    out
}

/// Whether terms with these masks (modulo `m`) can sit at these offsets from one position.
pub fn aligned(masks: &[(Mask, u32)], m: u32) -> bool {
    (0..m).any(|r| masks.iter().all(|&(mask, offset)| (mask >> ((r + offset) % m)) & 1 == 1))
}

/// A clause's matches: (case, score), sorted by case.
fn clause_docs(index: &Index, clause: &Clause) -> Vec<(u32, u32)> {
    let found: Vec<Vec<(u32, u8, Mask)>> = clause.terms.iter().map(|t| term_docs(index, t)).collect();
    let mut docs: Option<Vec<(u32, u8)>> = None;
    for list in &found {
        let list: Vec<(u32, u8)> = list.iter().map(|&(d, t, _)| (d, t)).collect();
        docs = Some(match docs {
            None => list,
            Some(prev) => intersect(&prev, &list, |a, b| a.max(b)),
        });
    }
    // Which terms are words, and which chains words alone: asked once, not for each case.
    let is_word: Vec<bool> = (clause.terms.iter())
        .map(|term| match term {
            Term::Exact(t) => super::files::is_word(t),
            Term::Prefix(_) => true,
        })
        .collect();
    let words_only: Vec<bool> = clause.chains.iter().map(|chain| chain.iter().all(|&(t, _)| is_word[t])).collect();
    // The positions of the words a chain places (a term of their own, read only for this).
    let positions: Vec<Option<Vec<(u32, u8, Mask)>>> = (0..clause.terms.len())
        .map(|t| {
            let placed = is_word[t] && clause.chains.iter().flatten().any(|&(c, _)| c == t);
            placed.then(|| {
                term_docs(
                    index,
                    &match &clause.terms[t] {
                        Term::Exact(w) => Term::Exact(super::files::positions_term(w)),
                        Term::Prefix(p) => Term::Prefix(super::files::positions_term(p)),
                    },
                )
            })
        })
        .collect();
    let mask_of = |term: usize, doc: u32| {
        let list = positions[term].as_ref().unwrap_or(&found[term]);
        list.binary_search_by_key(&doc, |e| e.0).map_or(0, |i| list[i].2)
    };
    let bigrams: Vec<usize> = (0..clause.terms.len())
        .filter(|&t| matches!(&clause.terms[t], Term::Exact(t) if super::files::is_bigram(t)))
        .collect();
    docs.unwrap_or_default()
        .into_iter()
        .filter(|&(doc, _)| {
            clause.chains.iter().zip(&words_only).all(|(chain, &words_only)| {
                // Words alone are checked modulo their own modulus; beside bigrams, modulo the
                // case's, their masks folded to it.
                let m = if words_only { WORD_MODULUS } else { index.modulus(doc) };
                let masks: Vec<(Mask, u32)> = chain
                    .iter()
                    .map(|&(t, offset)| {
                        let mask = mask_of(t, doc);
                        (if is_word[t] { fold_mask(mask, m) } else { mask }, offset)
                    })
                    .collect();
                aligned(&masks, m)
            })
        })
        .map(|(doc, tier)| {
            let occurrences = bigrams.iter().map(|&t| mask_of(t, doc).count_ones().min(8)).min().unwrap_or(1);
            (doc, TIER_WEIGHTS[tier as usize] * 8 + occurrences)
        })
        .collect()
}

/// Cases matching the query's text, with their scores, in case order (`None`: no text, all cases).
fn matches(index: &Index, text: &str, clauses: &[Clause]) -> Option<Vec<Hit>> {
    if clauses.is_empty() {
        // Punctuation alone is a query that finds nothing, not no query.
        return if is_blank(text) { None } else { Some(Vec::new()) };
    }
    let mut hits: Option<Vec<(u32, u32)>> = None;
    for clause in clauses {
        let scored = clause_docs(index, clause);
        hits = Some(match hits {
            None => scored,
            Some(prev) => intersect(&prev, &scored, |a, b| a + b),
        });
    }
    hits.map(|h| h.into_iter().map(|(doc, score)| Hit { doc, score }).collect())
}

fn intersect<T: Copy>(a: &[(u32, T)], b: &[(u32, T)], combine: impl Fn(T, T) -> T) -> Vec<(u32, T)> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push((a[i].0, combine(a[i].1, b[j].1)));
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// Runs a query: every match, ordered, with facet counts.
pub fn search(index: &Index, query: &Query) -> Results {
    let clauses = parse(&query.text);
    let n = index.docs.len();
    let text_hits = matches(index, &query.text, &clauses)
        .unwrap_or_else(|| (0..n as u32).map(|doc| Hit { doc, score: 0 }).collect());

    // Which cases each facet's filter keeps (None: the facet is not filtered).
    let facet_masks: Vec<Option<Vec<bool>>> = index
        .facets
        .iter()
        .map(|facet| {
            let chosen: Vec<&str> =
                query.filters.iter().filter(|(f, _)| *f == facet.id).map(|(_, v)| v.as_str()).collect();
            if chosen.is_empty() {
                return None;
            }
            let mut mask = vec![false; n];
            for value in facet.values.iter().filter(|v| chosen.contains(&v.key.as_str())) {
                for &d in &value.docs {
                    if let Some(m) = mask.get_mut(d as usize) {
                        *m = true;
                    }
                }
            }
            Some(mask)
        })
        .collect();
    let score_ok = |doc: u32| {
        query.min_scores.iter().all(|(id, min)| {
            let threshold = (min * 10.0).round();
            index
                .indicator(id)
                .and_then(|i| i.scores.get(doc as usize).copied().flatten())
                .is_some_and(|s| f64::from(s) >= threshold)
        })
    };
    let kept_except = |doc: u32, skip: Option<usize>| {
        facet_masks.iter().enumerate().all(|(f, mask)| {
            Some(f) == skip || mask.as_ref().is_none_or(|m| m.get(doc as usize).copied().unwrap_or(false))
        })
    };
    let base: Vec<Hit> = text_hits.into_iter().filter(|h| score_ok(h.doc)).collect();
    let counts = index
        .facets
        .iter()
        .enumerate()
        .map(|(f, facet)| {
            let mut in_facet = vec![false; n];
            for h in base.iter().filter(|h| kept_except(h.doc, Some(f))) {
                in_facet[h.doc as usize] = true;
            }
            facet.values.iter().map(|v| v.docs.iter().filter(|&&d| in_facet[d as usize]).count()).collect()
        })
        .collect();
    let mut hits: Vec<Hit> = base.into_iter().filter(|h| kept_except(h.doc, None)).collect();
    match &query.sort {
        Sort::Relevance => hits.sort_by(|a, b| b.score.cmp(&a.score).then(a.doc.cmp(&b.doc))),
        Sort::Date => hits.sort_by_key(|h| h.doc),
        Sort::Indicator(id) => {
            let score = |d: u32| index.indicator(id).and_then(|i| i.scores.get(d as usize).copied().flatten());
            // Highest first, cases without a score last; ties newest first.
            hits.sort_by(|a, b| score(b.doc).cmp(&score(a.doc)).then(a.doc.cmp(&b.doc)));
        }
    }
    Results { hits, counts, clauses }
}

/// Byte ranges of `text` where a clause's runs occur (CJK runs as substrings, words at the start of
/// a word), merged and sorted.
pub fn highlights(text: &str, clauses: &[Clause]) -> Vec<(usize, usize)> {
    let folded = tokenize::normalize(text);
    // Folding maps one character to one of the same UTF-8 length, except full-width forms (3 bytes)
    // to ASCII (1): map positions through character indices.
    let offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len())).collect();
    let chars: Vec<char> = folded.chars().collect();
    let mut ranges = Vec::new();
    for clause in clauses {
        for run in &clause.runs {
            let (needle, word): (Vec<char>, bool) = match run {
                Run::Cjk(c) => (c.clone(), false),
                Run::Word(w) => (w.chars().collect(), true),
            };
            if needle.is_empty() || needle.len() > chars.len() {
                continue;
            }
            for start in 0..=chars.len() - needle.len() {
                if chars[start..start + needle.len()] != needle[..] {
                    continue;
                }
                if word && start > 0 && tokenize::class(chars[start - 1]) == tokenize::Class::Word {
                    continue;
                }
                ranges.push((offsets[start], offsets[start + needle.len()]));
            }
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in ranges {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_splits_clauses_and_keeps_phrases() {
        let c = parse("数字孪生 TiDB \"Go 语言\" “安全 生产”");
        assert_eq!(c.len(), 4);
        assert_eq!(c[0].terms, [Term::Exact("数字".into()), Term::Exact("字孪".into()), Term::Exact("孪生".into())]);
        assert_eq!(c[0].chains, [vec![(0, 0), (1, 1), (2, 2)]]);
        assert_eq!(parse("哈哈哈")[0].chains, [vec![(0, 0), (0, 1)]], "a repeated bigram is one term");
        assert_eq!(c[1].terms, [Term::Prefix("tidb".into())]);
        assert_eq!(c[2].terms, [Term::Exact("go".into()), Term::Exact("语言".into())]);
        // Quoted Chinese is a phrase: its space is left out.
        assert_eq!(c[3].terms, [Term::Exact("安全".into()), Term::Exact("全生".into()), Term::Exact("生产".into())]);
        assert_eq!(parse("\"安全  生产 lng\"")[0].terms.len(), 4, "spaces before Latin are kept");
        assert_eq!(parse("党")[0].terms, [Term::Exact("党".into())]);
        assert_eq!(parse("a")[0].terms, [Term::Exact("a".into())], "one letter is not a prefix");
        assert_eq!(parse("5G基站")[0].terms[0], Term::Exact("5g".into()));
    }

    #[test]
    fn parse_never_panics() {
        let odd =
            ["", " ", "\"", "“", "”", "\"\"", "\"a", "a\"", "，。！", "\u{0}", "\u{FFFF}", "𠀀𠀁", "ＡＢ\"ｃ", "　"];
        for q in odd {
            let _ = parse(q);
        }
        // Every short string over a small alphabet of awkward characters.
        let alphabet = ['"', '“', '”', ' ', 'a', '数', '字', '，', 'Ａ', '\u{3000}', '-'];
        let mut q = String::new();
        for a in alphabet {
            for b in alphabet {
                for c in alphabet {
                    q.clear();
                    q.extend([a, b, c]);
                    for clause in parse(&q) {
                        assert!(!clause.terms.is_empty(), "{q:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn highlights_find_cjk_runs_and_word_starts() {
        let clauses = parse("孪生 ti");
        let text = "数字孪生平台用TiDB和Kitex";
        let ranges = highlights(text, &clauses);
        let marked: Vec<&str> = ranges.iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(marked, ["孪生", "Ti"]);
        let text = "ＴｉＤＢ";
        let ranges = highlights(text, &parse("tidb"));
        assert_eq!(ranges, [(0, text.len())]);
    }
}
