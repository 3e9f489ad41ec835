//! Related cases: for each case, the few others most like it (shared tags, actions and practice
//! dimensions, then a similar latest indicator profile), chosen the same way on every build, and
//! after an edit in `serve` taken over from the model before where the edit cannot have changed
//! them.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::{Assessment, Case, OneCase, one_case_apart};
use crate::config::Framework;

/// How many related cases a case page shows at most, and at least when there are enough cases.
pub const RELATED_MAX: usize = 5;
pub const RELATED_MIN: usize = 3;

/// Up to this many active cases, every one is scored against every other: the exact choice.
/// Above it, each case scores only candidates drawn from an inverted index (see [`related_cases`]).
pub const RELATED_EXACT_LIMIT: usize = 1500;
/// In a large site, how many cases of each posting list (tag, action, dimension; newest first) a
/// case scores at most, and how many of the newest active cases it scores for their profile alone.
const POSTING_CAP: usize = 160;
const PROFILE_SCAN: usize = 64;

/// What relatedness compares, interned once per site: small sorted id lists and the latest scores
/// in framework order, so that scoring a pair allocates nothing.
struct Features {
    tags: Vec<u32>,
    tag_set: Vec<u32>,
    actions: Vec<u32>,
    action_set: Vec<u32>,
    dims: Vec<u32>,
    /// Latest score per framework indicator (framework order), if assessed.
    latest: Option<Vec<Option<f64>>>,
}

fn count_in(list: &[u32], set: &[u32]) -> usize {
    list.iter().filter(|v| set.binary_search(v).is_ok()).count()
}

/// A case's terms in three words, kept apart from its [`Features`] so that the thousand or so
/// candidates a case looks at in a large site cost a few cache lines, not their lists: its tags as
/// a signature (bit `number % 64`, its own bit in a site of at most 64 tags; no common bit, no
/// common tag), its actions and dimensions as bits (by their number among the site's actions and
/// dimensions; all zero when a site has more than 64 of either, and the lists are compared).
#[derive(Clone, Copy)]
struct Glance {
    tags: u64,
    actions: u64,
    dims: u64,
}

/// The features of every case, with what makes comparing two of them cheap.
struct Alike {
    features: Vec<Features>,
    glances: Vec<Glance>,
    /// By interned id: the term's number among the terms of its kind.
    bit: Vec<u32>,
    /// Whether the actions and dimensions are all in the glances' bits.
    in_bits: bool,
    /// Whether the site has at most 64 tags: then a tag's bit is its own.
    tags_in_bits: bool,
}

impl Alike {
    /// What cases `a` and `b` share (tags, actions, dimensions): [`relatedness`] without the
    /// profile, which adds 2 at most.
    fn shared(&self, a: usize, b: usize) -> f64 {
        let (this, that) = (&self.features[a], &self.glances[b]);
        let has = |bits: u64, id: &u32| bits >> self.bit[*id as usize] & 1 == 1;
        let tags = if self.glances[a].tags & that.tags == 0 {
            0
        } else if self.tags_in_bits {
            this.tags.iter().filter(|id| has(that.tags, id)).count()
        } else {
            count_in(&this.tags, &self.features[b].tag_set)
        };
        let (actions, dims) = if self.in_bits {
            (
                this.actions.iter().filter(|id| has(that.actions, id)).count(),
                this.dims.iter().filter(|id| has(that.dims, id)).count(),
            )
        } else {
            let other = &self.features[b];
            (count_in(&this.actions, &other.action_set), count_in(&this.dims, &other.dims))
        };
        3.0 * tags as f64 + actions as f64 + dims as f64
    }
}

impl Features {
    /// Its tags, actions and dimensions, each once: the posting lists it is on.
    fn terms(&self) -> impl Iterator<Item = &u32> {
        self.tag_set.iter().chain(&self.action_set).chain(&self.dims)
    }

    /// The similarity of the two latest profiles, 0 to 1 (see [`profile_similarity`]).
    fn profile(&self, other: &Features, spans: &[f64]) -> f64 {
        match (&self.latest, &other.latest) {
            (Some(x), Some(y)) => {
                let (mut sum, mut count) = (0.0, 0usize);
                for ((a, b), span) in x.iter().zip(y).zip(spans) {
                    if let (Some(a), Some(b)) = (a, b) {
                        sum += (a - b).abs() / span;
                        count += 1;
                    }
                }
                if count == 0 { 0.0 } else { (1.0 - 10.0 * (sum / count as f64)).max(0.0) }
            }
            _ => 0.0,
        }
    }
}

/// For each case (site order), the 3 to 5 active cases most like it: shared tags weigh most, then
/// shared actions and practice dimensions, then a similar latest indicator profile (see
/// [`relatedness`]). Ties go to the newer case, so the choice is the same on every build.
///
/// With up to [`RELATED_EXACT_LIMIT`] active cases every pair is scored. Above, a case scores the
/// cases that share a tag with it, then an action or a dimension (the newest [`POSTING_CAP`] of each
/// posting list), and the newest [`PROFILE_SCAN`] active cases for their profile: bounded work per
/// case, so the cost grows linearly with the site, and the best of those candidates is chosen by
/// the same score and order.
pub fn related_cases(cases: &[Arc<Case>], framework: &Framework) -> Vec<Vec<usize>> {
    related_cases_after(None, cases, framework)
}

/// The cases before an edit, in the same order as after it, and their related cases.
type Previous<'a> = (&'a [Arc<Case>], &'a [Vec<usize>]);

/// [`related_cases`], taking over from `previous` what the edit cannot have changed: when the edited
/// cases kept their tags, actions, dimensions and standing (their scores changed, say) the posting
/// lists are the same, and only the cases that had an edited one among their candidates, and the
/// edited ones, are worked out again (at 10,000 cases, a few dozen instead of every one). When one
/// case was added or removed and no other changed, each case keeps its related cases, merged with
/// the candidates that moved in, unless one of them stopped being a candidate (see [`OneCase`]).
pub(super) fn related_cases_after(
    previous: Option<Previous>,
    cases: &[Arc<Case>],
    framework: &Framework,
) -> Vec<Vec<usize>> {
    use rayon::prelude::*;
    let mut edited: Option<Vec<usize>> = previous.and_then(|(old, related)| {
        let same_order = old.len() == cases.len()
            && related.len() == cases.len()
            && old.iter().zip(cases).all(|(a, b)| a.slug == b.slug);
        let mut edited = Vec::new();
        for (i, (a, b)) in old.iter().zip(cases).enumerate().filter(|(_, (a, b))| a.revision != b.revision) {
            let same_terms = a.tags == b.tags
                && a.actions == b.actions
                && a.practices.iter().map(|p| &p.dimension).eq(b.practices.iter().map(|p| &p.dimension));
            if !same_terms || a.is_revoked(framework) != b.is_revoked(framework) {
                return None;
            }
            edited.push(i);
        }
        same_order.then_some(edited)
    });
    if let (Some(edited), Some((_, related))) = (&edited, previous)
        && edited.is_empty()
    {
        return related.to_vec();
    }
    let indicators: Vec<&crate::config::Indicator> = framework.indicators().map(|(_, i)| i).collect();
    let spans: Vec<f64> = indicators.iter().map(|i| (i.max - i.min).max(f64::EPSILON)).collect();
    // Each kind's names (tags, actions, dimensions) numbered in name order: found in parallel,
    // numbered once, then only looked up while the cases' features are made in parallel (`serve`
    // makes them again after a changed score or a case added; made on one thread, interning each
    // name as it came, they were half of the related cases' time there). The numbers only name
    // the lists: any numbering chooses the same related cases.
    type Found<'a> = [HashSet<&'a str, foldhash::fast::RandomState>; 3];
    let found: Found = cases
        .par_iter()
        .fold(Found::default, |mut names, case| {
            names[0].extend(case.tags.iter().map(String::as_str));
            names[1].extend(case.actions.iter().map(String::as_str));
            names[2].extend(case.practices.iter().map(|p| p.dimension.as_str()));
            names
        })
        .reduce(Found::default, |mut all, part| {
            for (all, mut part) in all.iter_mut().zip(part) {
                if part.len() > all.len() {
                    std::mem::swap(all, &mut part);
                }
                all.extend(part);
            }
            all
        });
    // By kind, each name's id; by id, its number among its kind's names.
    let mut ids: [HashMap<&str, u32, foldhash::fast::RandomState>; 3] = Default::default();
    let mut bit: Vec<u32> = Vec::new();
    let mut kinds = [0u32; 3];
    for ((names, ids), count) in found.into_iter().zip(&mut ids).zip(&mut kinds) {
        let mut names: Vec<&str> = names.into_iter().collect();
        names.sort_unstable();
        *count = names.len() as u32;
        for (number, name) in names.into_iter().enumerate() {
            ids.insert(name, bit.len() as u32);
            bit.push(number as u32);
        }
    }
    // Every name was found above.
    let id = |kind: usize, name: &str| ids[kind].get(name).copied().unwrap_or_default();
    let sorted = |mut v: Vec<u32>| {
        v.sort_unstable();
        v
    };
    let set = |v: &[u32]| {
        let mut s = v.to_vec();
        s.sort_unstable();
        s.dedup();
        s
    };
    let features: Vec<Features> = cases
        .par_iter()
        .map(|case| {
            let tags = sorted(case.tags.iter().map(|t| id(0, t)).collect());
            let actions = sorted(case.actions.iter().map(|a| id(1, a)).collect());
            let dims = set(&case.practices.iter().map(|p| id(2, &p.dimension)).collect::<Vec<_>>());
            let latest = case.latest().map(|a| {
                // Unknown indicators never pass validation; a framework indicator the case lacks is None.
                indicators.iter().map(|i| a.score(&i.id)).collect()
            });
            Features { tag_set: set(&tags), tags, action_set: set(&actions), actions, dims, latest }
        })
        .collect();
    let in_bits = kinds[1] <= 64 && kinds[2] <= 64;
    // Bit `number % 64`: a term's own bit where its kind has at most 64 terms.
    let bits = |ids: &[u32]| ids.iter().fold(0u64, |m, &id| m | 1 << (bit[id as usize] % 64));
    let glances = features
        .par_iter()
        .map(|f| Glance {
            tags: bits(&f.tag_set),
            actions: if in_bits { bits(&f.action_set) } else { 0 },
            dims: if in_bits { bits(&f.dims) } else { 0 },
        })
        .collect();
    let alike = Alike { features, glances, bit, in_bits, tags_in_bits: kinds[0] <= 64 };
    let features = &alike.features;
    let active: Vec<usize> = (0..cases.len()).filter(|&i| !cases[i].is_revoked(framework)).collect();
    // Higher score first, then the newer case (the lower number).
    let before = |a: &(f64, usize), b: &(f64, usize)| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)).is_lt();
    let best = |index: usize, candidates: &mut dyn Iterator<Item = usize>| -> Vec<usize> {
        let this = &features[index];
        // The best RELATED_MAX so far, in order. Once it is full, a candidate whose shared terms
        // plus the largest profile bonus cannot beat the last is passed over unscored: most are.
        let mut top: Vec<(f64, usize)> = Vec::with_capacity(RELATED_MAX + 1);
        for i in candidates.filter(|&i| i != index) {
            let shared = alike.shared(index, i);
            let full = top.len() == RELATED_MAX;
            if full && shared + 2.0 < top[RELATED_MAX - 1].0 {
                continue;
            }
            // The same sum, in the same order, as `relatedness`: equal scores tie exactly.
            let entry = (shared + 2.0 * this.profile(&features[i], &spans), i);
            if full && !before(&entry, &top[RELATED_MAX - 1]) {
                continue;
            }
            let at = top.partition_point(|e| before(e, &entry));
            top.insert(at, entry);
            top.truncate(RELATED_MAX);
        }
        let positive = top.iter().filter(|(s, _)| *s > 0.0).count();
        top.iter().take(positive.clamp(RELATED_MIN, RELATED_MAX)).map(|&(_, i)| i).collect()
    };
    if active.len() <= RELATED_EXACT_LIMIT {
        return (0..cases.len()).into_par_iter().map(|i| best(i, &mut active.iter().copied())).collect();
    }
    // Posting lists of the active cases, newest first.
    let mut postings: HashMap<u32, Vec<usize>> = HashMap::new();
    for &i in &active {
        let f = &features[i];
        for id in f.terms() {
            postings.entry(*id).or_default().push(i);
        }
    }
    // One of the newest cases that every case scores for its profile was edited: all again.
    if edited.as_ref().is_some_and(|e| e.iter().any(|i| active.iter().take(PROFILE_SCAN).any(|a| a == i))) {
        edited = None;
    }
    // The cases that had an edited case among their candidates: those sharing a term in whose
    // posting list the edited case is among the first POSTING_CAP.
    let again: Option<Vec<bool>> = edited.map(|edited| {
        let mut reaching: std::collections::HashSet<u32> = std::collections::HashSet::new();
        for &e in &edited {
            for id in features[e].terms() {
                let list = postings.get(id).map_or(&[][..], Vec::as_slice);
                if list.partition_point(|&i| i < e) < POSTING_CAP {
                    reaching.insert(*id);
                }
            }
        }
        let mut again: Vec<bool> = features.iter().map(|f| f.terms().any(|id| reaching.contains(id))).collect();
        edited.iter().for_each(|&e| again[e] = true);
        again
    });
    let windows = |index: usize| Windows { active: &active, postings: &postings, terms: &features[index] };
    let of_candidates = |stamp: &mut Vec<usize>, index: usize| -> Vec<usize> {
        let mut candidates = Vec::with_capacity(1024);
        for (list, cap) in windows(index).lists() {
            for &i in list.iter().take(cap) {
                if stamp[i] != index {
                    stamp[i] = index;
                    candidates.push(i);
                }
            }
        }
        best(index, &mut candidates.into_iter())
    };
    if let Some((old, related)) = previous
        && related.len() == old.len()
        && let Some(apart) = one_case_apart(old, cases)
    {
        let old_active = match apart {
            OneCase::Added(c) => active.len() - usize::from(!cases[c].is_revoked(framework)),
            OneCase::Removed(c) => active.len() + usize::from(!old[c].is_revoked(framework)),
        };
        // The previous model chose from the inverted index too: its choices still stand.
        if old_active > RELATED_EXACT_LIMIT {
            return (0..cases.len())
                .into_par_iter()
                .map_init(
                    || vec![usize::MAX; cases.len()],
                    |stamp, x| {
                        let windows = windows(x);
                        let kept = apart.before(x).and_then(|before| {
                            let kept: Option<Vec<usize>> = related[before].iter().map(|&r| apart.after(r)).collect();
                            kept.filter(|kept| kept.iter().all(|&r| windows.holds(r)))
                        });
                        // The added case, or one whose related cases are no longer all candidates.
                        let Some(kept) = kept else { return of_candidates(stamp, x) };
                        let mut gains: Vec<usize> = match apart {
                            OneCase::Added(c) => Vec::from_iter((c != x && windows.holds(c)).then_some(c)),
                            OneCase::Removed(c) => windows.moved_in(c).filter(|&g| g != x).collect(),
                        };
                        // Each candidate once: a case may be at the edge of several windows, or kept.
                        gains.retain(|g| !kept.contains(g));
                        gains.sort_unstable();
                        gains.dedup();
                        if gains.is_empty() { kept } else { best(x, &mut kept.into_iter().chain(gains)) }
                    },
                )
                .collect();
        }
    }
    (0..cases.len())
        .into_par_iter()
        .map_init(
            // Per thread: which case was last a candidate of which case (a stamp, so the marks need
            // no clearing between cases).
            || vec![usize::MAX; cases.len()],
            |stamp, index| match (&again, previous) {
                (Some(again), Some((_, related))) if !again[index] => related[index].clone(),
                _ => of_candidates(stamp, index),
            },
        )
        .collect()
}

/// The windows a case draws its candidates from in a large site: the first [`POSTING_CAP`] of each
/// of its posting lists and the newest [`PROFILE_SCAN`] active cases (each list in site order).
struct Windows<'a> {
    active: &'a [usize],
    postings: &'a HashMap<u32, Vec<usize>>,
    terms: &'a Features,
}

impl Windows<'_> {
    fn lists(&self) -> impl Iterator<Item = (&[usize], usize)> {
        let postings = self.terms.terms().map(|id| (self.postings.get(id).map_or(&[][..], Vec::as_slice), POSTING_CAP));
        postings.chain(std::iter::once((self.active, PROFILE_SCAN)))
    }

    /// Whether case `index` is a candidate.
    fn holds(&self, index: usize) -> bool {
        self.lists().any(|(list, cap)| {
            let at = list.partition_point(|&i| i < index);
            at < cap && list.get(at) == Some(&index)
        })
    }

    /// The cases that moved into the windows when the case at `removed` (its index before) left:
    /// the last of each window it may have been in (they may have been candidates already).
    fn moved_in(&self, removed: usize) -> impl Iterator<Item = usize> {
        self.lists().filter_map(move |(list, cap)| {
            if list.partition_point(|&i| i < removed) < cap { list.get(cap - 1).copied() } else { None }
        })
    }
}

fn dimensions(case: &Case) -> std::collections::BTreeSet<&str> {
    case.practices.iter().map(|p| p.dimension.as_str()).collect()
}

/// How alike two cases are; 0 when they share nothing.
pub fn relatedness(a: &Case, b: &Case, framework: &Framework) -> f64 {
    let shared = |x: &[String], y: &[String]| x.iter().filter(|v| y.contains(v)).count() as f64;
    let tags = shared(&a.tags, &b.tags);
    let actions = shared(&a.actions, &b.actions);
    let dims = dimensions(a).intersection(&dimensions(b)).count() as f64;
    let profile = match (a.latest(), b.latest()) {
        (Some(x), Some(y)) => profile_similarity(x, y, framework),
        _ => 0.0,
    };
    3.0 * tags + actions + dims + 2.0 * profile
}

/// 1 for identical latest scores, falling to 0 when they differ by a tenth of the scale on average.
fn profile_similarity(a: &Assessment, b: &Assessment, framework: &Framework) -> f64 {
    let diffs: Vec<f64> = a
        .scores
        .iter()
        .filter_map(|(id, x)| {
            let y = b.score(id)?;
            let span = framework.indicator(id).map_or(100.0, |i| i.max - i.min).max(f64::EPSILON);
            Some((x - y).abs() / span)
        })
        .collect();
    if diffs.is_empty() {
        return 0.0;
    }
    let mean = diffs.iter().sum::<f64>() / diffs.len() as f64;
    (1.0 - 10.0 * mean).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::tests::{case, config};

    /// With every pair scored, each case's related cases are the best by [`relatedness`] (ties to
    /// the newer case): the candidates passed over unscored could not have been chosen. Also with
    /// more than 64 actions and dimensions (compared as lists, not bits) and with many tags (whose
    /// signatures share bits without sharing tags).
    #[test]
    fn related_cases_are_the_best_by_relatedness() {
        let config = config();
        let fw = &config.framework;
        // Scores close together, so that the profile often decides between cases sharing as much.
        let close = |n: usize| {
            let mut case = case(n, &config);
            for (k, (_, score)) in case.assessments[0].scores.iter_mut().enumerate() {
                *score = 80.0 + ((n * 13 + k * 5) % 9) as f64;
            }
            case
        };
        let many_terms = |n: usize| {
            let mut case = close(n);
            case.actions.push(format!("action-{}", n % 90));
            case.actions.push(case.actions[0].clone());
            case.practices[0].dimension = format!("dimension-{}", n % 80);
            case.tags.push(format!("tag-{}", n % 150));
            case.tags.push(format!("tag-{}", (n * 7) % 150));
            case
        };
        let makers: [&dyn Fn(usize) -> Case; 2] = [&close, &many_terms];
        for make in makers {
            let cases: Vec<Arc<Case>> = (0..400).map(|n| Arc::new(make(n))).collect();
            let related = related_cases(&cases, fw);
            for (index, chosen) in related.iter().enumerate() {
                let mut all: Vec<(f64, usize)> = (0..cases.len())
                    .filter(|&i| i != index && !cases[i].is_revoked(fw))
                    .map(|i| (relatedness(&cases[index], &cases[i], fw), i))
                    .collect();
                all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                let positive = all.iter().take(RELATED_MAX).filter(|(score, _)| *score > 0.0).count();
                let expected: Vec<usize> =
                    all.iter().take(positive.clamp(RELATED_MIN, RELATED_MAX)).map(|e| e.1).collect();
                assert_eq!(chosen, &expected, "case {index}");
            }
        }
    }
}
