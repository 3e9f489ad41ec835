//! `exemplar search SITE_DIR "查询"`: the engine on the command line (text or JSON).

use serde_json::json;

use super::query::{Query, Sort};
use crate::site::Site;

pub struct Args {
    pub query: String,
    pub limit: usize,
    pub json: bool,
    pub filter: Vec<String>,
    pub min: Vec<String>,
    pub sort: String,
}

/// The results as text to print, or a usage error.
pub fn run(site: &Site, args: &Args) -> Result<String, String> {
    let index = super::build(site);
    let pair = |s: &String, what: &str| {
        s.split_once('=').map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).ok_or_else(|| format!("{what}: {s}"))
    };
    let filters = args.filter.iter().map(|f| pair(f, "--filter FACET=VALUE")).collect::<Result<Vec<_>, _>>()?;
    let mut min_scores = Vec::new();
    for m in &args.min {
        let (id, value) = pair(m, "--min INDICATOR=MIN")?;
        let value: f64 = value.parse().map_err(|_| format!("--min INDICATOR=MIN: {m}"))?;
        if index.indicator(&id).is_none() {
            return Err(format!("--min: unknown indicator {id}"));
        }
        min_scores.push((id, value));
    }
    let sort = match args.sort.as_str() {
        "relevance" => Sort::Relevance,
        "date" => Sort::Date,
        id if index.indicator(id).is_some() => Sort::Indicator(id.to_owned()),
        other => return Err(format!("--sort: relevance, date or an indicator id, not {other}")),
    };
    let query = Query { text: args.query.clone(), filters, min_scores, sort };
    let results = super::search(&index, &query);
    let shown = results.hits.iter().take(args.limit);
    if args.json {
        let items: Vec<serde_json::Value> = shown
            .map(|hit| {
                let doc = &index.docs[hit.doc as usize];
                let (excerpt, marks) = super::excerpt(&doc.text, &results.clauses, 80);
                json!({
                    "url": doc.url, "title": doc.title, "source": doc.source, "site": doc.site,
                    "enterprise": doc.enterprise, "date": doc.date, "status": doc.status,
                    "score": hit.score, "excerpt": excerpt, "highlights": marks,
                })
            })
            .collect();
        return Ok(serde_json::Value::Array(items).to_string());
    }
    let mut out = String::new();
    for hit in shown {
        let doc = &index.docs[hit.doc as usize];
        let (excerpt, marks) = super::excerpt(&doc.text, &results.clauses, 60);
        let mut marked = String::new();
        for (i, c) in excerpt.chars().enumerate() {
            if marks.iter().any(|&(s, _)| s == i) {
                marked.push('[');
            }
            marked.push(c);
            if marks.iter().any(|&(_, e)| e == i + 1) {
                marked.push(']');
            }
        }
        out.push_str(&format!("{}  {}  ({})\n    {}\n", doc.title, doc.url, doc.source, marked));
    }
    out.push_str(&format!("{} / {}", args.limit.min(results.hits.len()), results.hits.len()));
    Ok(out)
}
