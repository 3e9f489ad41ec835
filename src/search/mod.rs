//! Full-text search over the cases, built at `exemplar build` time and run in the browser with no
//! server: [`tokenize`] turns text into terms (CJK characters and pairs, Latin words), [`index`]
//! builds the index from the site model, [`files`] writes it as sharded JavaScript files that
//! `themes/default/static/search.js` loads with `<script>` tags, and [`query`] is the query engine
//! (the same as `search.js`'s), used by `exemplar search` and the tests.

pub mod cli;
pub mod files;
pub mod index;
pub mod query;
pub mod tokenize;

pub use index::{Index, build};
pub use query::{Hit, Query, Results, Sort, search};

use crate::site::Site;

/// Builds the index of `site` and hands each file to `write` (a path inside the portal and bytes),
/// in parallel, each as soon as it is made. For a one-time build: frees the cases' body text as it
/// is indexed (see [`index::build_freeing_text`]).
pub fn write_index_freeing_text(site: &mut Site, write: &crate::render::WriteFn<'_>) -> Result<(), String> {
    use rayon::prelude::*;
    let timings = crate::timings::Timings::new();
    let index = index::build_freeing_text(site);
    timings.lap("  search index");
    let layout = files::Layout::new(&index, files::SHARD_BYTES, files::GROUP_BYTES);
    timings.lap("  search layout");
    let written = (0..layout.count()).into_par_iter().try_for_each(|i| {
        let (path, bytes) = layout.file(&index, i);
        write(&path, &bytes)
    });
    timings.lap("  search files");
    drop(index);
    timings.lap("  search free");
    written
}

/// About `width` characters of `text` around its first highlight, and the highlights within it as
/// character ranges.
pub fn excerpt(text: &str, clauses: &[query::Clause], width: usize) -> (String, Vec<(usize, usize)>) {
    let ranges = query::highlights(text, clauses);
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let char_at = |byte: usize| chars.partition_point(|&(i, _)| i < byte);
    let first = ranges.first().map_or(0, |&(s, _)| char_at(s));
    let start = first.saturating_sub(width / 4);
    let end = (start + width).min(chars.len());
    let snippet: String = chars[start..end].iter().map(|&(_, c)| c).collect();
    let marks = ranges
        .iter()
        .map(|&(s, e)| (char_at(s), char_at(e)))
        .filter(|&(s, e)| s >= start && e <= end)
        .map(|(s, e)| (s - start, e - start))
        .collect();
    (snippet, marks)
}
