//! The portal's machine-readable files: the Atom feed, `sitemap.xml`, `robots.txt`, and the whole
//! dataset as `data/cases.json` and `data/cases.csv`. Written in Rust (not templates) because their
//! formats are strict; column names and feed texts still come from the theme's strings.

use serde::{Serialize, Serializer};
use serde_json::Value as Json;

use super::charts::{escape, number};
use crate::site::{Case, Site};

/// How many cases the Atom feed carries.
pub const FEED_ENTRIES: usize = 20;

/// The base URL with exactly one trailing slash.
fn base(site: &Site) -> String {
    let base = site.config.base_url.trim_end_matches('/');
    format!("{base}/")
}

/// The absolute URL of a portal path (`cases/a/`).
pub fn absolute(site: &Site, path: &str) -> String {
    format!("{}{}", base(site), path)
}

fn string<'a>(strings: &'a Json, path: &[&str], fallback: &'a str) -> &'a str {
    let mut value = strings;
    for key in path {
        match value.get(key) {
            Some(v) => value = v,
            None => return fallback,
        }
    }
    value.as_str().unwrap_or(fallback)
}

fn updated(case: &Case) -> crate::date::Date {
    case.updated.unwrap_or(case.date)
}

/// An Atom feed of the newest active cases (revoked titles are not news to spread).
pub fn atom(site: &Site) -> String {
    let lang = site.language();
    let fw = &site.config.framework;
    let entries: Vec<&Case> = site.active().into_iter().map(|i| site.cases[i].as_ref()).take(FEED_ENTRIES).collect();
    let feed_updated = entries.iter().map(|c| updated(c)).max();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    xml.push_str(&format!("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n", escape(lang)));
    xml.push_str(&format!("  <title>{}</title>\n", escape(&site.config.title)));
    if !site.config.description.is_empty() {
        xml.push_str(&format!("  <subtitle>{}</subtitle>\n", escape(&site.config.description)));
    }
    xml.push_str(&format!("  <id>{}</id>\n", escape(&base(site))));
    xml.push_str(&format!("  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", escape(&base(site))));
    xml.push_str(&format!("  <link rel=\"self\" href=\"{}\"/>\n", escape(&absolute(site, "feed.xml"))));
    let stamp = feed_updated.map_or_else(|| "1970-01-01T00:00:00Z".to_owned(), |d| d.rfc3339());
    xml.push_str(&format!("  <updated>{stamp}</updated>\n"));
    xml.push_str("  <generator>Exemplar</generator>\n");
    for case in entries {
        let url = absolute(site, &case.path);
        xml.push_str("  <entry>\n");
        xml.push_str(&format!("    <title>{}</title>\n", escape(&case.title)));
        xml.push_str(&format!("    <id>{}</id>\n", escape(&url)));
        xml.push_str(&format!("    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", escape(&url)));
        xml.push_str(&format!("    <published>{}</published>\n", case.date.rfc3339()));
        xml.push_str(&format!("    <updated>{}</updated>\n", updated(case).rfc3339()));
        xml.push_str(&format!("    <author><name>{}</name></author>\n", escape(&case.enterprise)));
        let status = fw.status(&case.status).map_or(case.status.as_str(), |s| s.label.get(lang));
        xml.push_str(&format!("    <category term=\"{}\" label=\"{}\"/>\n", escape(&case.status), escape(status)));
        for tag in &case.tags {
            xml.push_str(&format!("    <category term=\"{}\"/>\n", escape(tag)));
        }
        xml.push_str(&format!("    <summary>{}</summary>\n", escape(&case.summary)));
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}

/// Every HTML page but the 404, with absolute URLs; case pages carry their last change.
pub fn sitemap(site: &Site, pages: &[super::Page]) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    xml.push_str("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for page in pages {
        if !(page.path.is_empty() || page.path.ends_with('/')) {
            continue;
        }
        xml.push_str(&format!("  <url><loc>{}</loc>", escape(&absolute(site, &page.path))));
        if let super::PageKind::Case(i) = page.kind {
            xml.push_str(&format!("<lastmod>{}</lastmod>", updated(&site.cases[i])));
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}

pub fn robots(site: &Site) -> String {
    format!("User-agent: *\nAllow: /\n\nSitemap: {}\n", absolute(site, "sitemap.xml"))
}

/// A number as JSON: `92`, not `92.0` (as [`super::views::num`]).
#[derive(Clone, Copy)]
struct Num(f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0.fract() == 0.0 && self.0.abs() < 1e15 {
            serializer.serialize_i64(self.0 as i64)
        } else {
            serializer.serialize_f64(self.0)
        }
    }
}

/// A framework term (action, dimension, indicator) with its label.
#[derive(Serialize)]
struct Term<'a> {
    id: &'a str,
    label: &'a str,
}

#[derive(Serialize)]
struct StatusRecord<'a> {
    id: &'a str,
    label: &'a str,
    revoked: bool,
    reason: Option<&'a str>,
}

/// An assessment's scores, indicator id → score, in the framework's order.
struct Scores<'a>(&'a [(String, f64)]);

impl Serialize for Scores<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (id, score) in self.0 {
            map.serialize_entry(id, &Num(*score))?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct AssessmentRecord<'a> {
    period: &'a crate::date::Period,
    average: Option<Num>,
    scores: Scores<'a>,
}

#[derive(Serialize)]
struct PracticeRecord<'a> {
    title: &'a str,
    dimension: Term<'a>,
    indicators: Vec<Term<'a>>,
    actions: Vec<Term<'a>>,
    summary: &'a str,
    steps: &'a [String],
}

/// One case in `data/cases.json`.
#[derive(Serialize)]
struct CaseRecord<'a> {
    slug: &'a str,
    url: String,
    path: &'a str,
    title: &'a str,
    site: &'a str,
    enterprise: &'a str,
    unit: Option<&'a str>,
    region: Option<&'a str>,
    status: StatusRecord<'a>,
    date: crate::date::Date,
    updated: Option<crate::date::Date>,
    featured: bool,
    summary: &'a str,
    tags: &'a [String],
    actions: Vec<Term<'a>>,
    timeline: &'a [crate::site::Event],
    assessments: Vec<AssessmentRecord<'a>>,
    practices: Vec<PracticeRecord<'a>>,
}

#[derive(Serialize)]
struct IndicatorRecord<'a> {
    id: &'a str,
    group: &'a str,
    label: &'a str,
    min: Num,
    max: Num,
    threshold: Option<Num>,
    weight: Num,
}

#[derive(Serialize)]
struct Head<'a> {
    title: &'a str,
    language: &'a str,
    base_url: String,
}

/// Cases serialised before the buffer of `data/cases.json` is sized for all of them.
const JSON_SAMPLE: usize = 64;

/// The whole dataset: the framework's indicators and every published case with its facts,
/// assessments and practices, ids and labels both. Compact JSON with one case a line, so that
/// the file stays small and can still be read (or split) line by line.
///
/// Written on one thread into one buffer, sized from the first cases: the pages render on the
/// other threads meanwhile (this page starts first), and pieces made in parallel and then joined
/// held the file twice at once (27 MB at 10,000 cases, at the build's peak of memory).
pub fn cases_json(site: &Site) -> Vec<u8> {
    let lang = site.language();
    let fw = &site.config.framework;
    let indicators: Vec<IndicatorRecord<'_>> = fw
        .indicators()
        .map(|(g, i)| IndicatorRecord {
            id: &i.id,
            group: &g.id,
            label: i.label.get(lang),
            min: Num(i.min),
            max: Num(i.max),
            threshold: i.threshold.map(Num),
            weight: Num(i.weight),
        })
        .collect();
    // The object is written by hand around its parts, so that each case gets a line of its own.
    let head = Head { title: &site.config.title, language: lang, base_url: base(site) };
    let mut out = serde_json::to_vec(&head).unwrap_or_else(|_| b"{}".to_vec());
    out.pop(); // the closing brace
    out.extend_from_slice(b",\"indicators\":");
    if serde_json::to_writer(&mut out, &indicators).is_err() {
        out.extend_from_slice(b"[]");
    }
    out.extend_from_slice(b",\"cases\":[\n");
    let start = out.len();
    for (k, case) in site.cases.iter().enumerate() {
        if k == JSON_SAMPLE {
            // A tenth more than the sample's average for the rest, to grow the buffer once at most.
            let average = (out.len() - start) / JSON_SAMPLE;
            out.reserve((site.cases.len() - k) * average * 11 / 10);
        }
        if k > 0 {
            out.extend_from_slice(b",\n");
        }
        let mark = out.len();
        if serde_json::to_writer(&mut out, &case_record(site, case)).is_err() {
            out.truncate(mark);
            out.extend_from_slice(b"null");
        }
    }
    out.extend_from_slice(b"\n]}\n");
    out
}

fn case_record<'a>(site: &'a Site, case: &'a Case) -> CaseRecord<'a> {
    let lang = site.language();
    let fw = &site.config.framework;
    let term = |kind: &str, id: &'a str| -> Term<'a> {
        let label = match kind {
            "action" => fw.actions.iter().find(|a| a.id == id).map(|a| a.label.get(lang)),
            "dimension" => fw.dimensions.iter().find(|d| d.id == id).map(|d| d.label.get(lang)),
            "indicator" => fw.indicator(id).map(|i| i.label.get(lang)),
            _ => None,
        };
        Term { id, label: label.unwrap_or(id) }
    };
    let terms = |kind: &str, ids: &'a [String]| -> Vec<Term<'a>> { ids.iter().map(|id| term(kind, id)).collect() };
    CaseRecord {
        slug: &case.slug,
        url: absolute(site, &case.path),
        path: &case.path,
        title: &case.title,
        site: &case.site,
        enterprise: &case.enterprise,
        unit: case.unit.as_deref(),
        region: case.region.as_deref(),
        status: StatusRecord {
            id: &case.status,
            label: fw.status(&case.status).map_or(case.status.as_str(), |s| s.label.get(lang)),
            revoked: case.is_revoked(fw),
            reason: case.revoked_reason(fw),
        },
        date: case.date,
        updated: case.updated,
        featured: case.featured,
        summary: &case.summary,
        tags: &case.tags,
        actions: terms("action", &case.actions),
        timeline: &case.timeline,
        assessments: case
            .assessments
            .iter()
            .map(|a| AssessmentRecord {
                period: &a.period,
                average: a.average(fw).map(|v| Num(super::views::to_tenth(v))),
                scores: Scores(&a.scores),
            })
            .collect(),
        practices: case
            .practices
            .iter()
            .map(|p| PracticeRecord {
                title: &p.title,
                dimension: term("dimension", &p.dimension),
                indicators: terms("indicator", &p.indicators),
                actions: terms("action", &p.actions),
                summary: &p.summary,
                steps: &p.steps,
            })
            .collect(),
    }
}

/// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

/// One row per case, one column per indicator of the latest assessment; UTF-8 with a byte order
/// mark and CRLF line ends, so that Excel and WPS open Chinese text correctly.
pub fn cases_csv(site: &Site, strings: &Json) -> String {
    let lang = site.language();
    let fw = &site.config.framework;
    let column = |key: &'static str| string(strings, &["data", "columns", key], key);
    let mut header: Vec<String> = [
        "slug",
        "title",
        "site",
        "enterprise",
        "unit",
        "region",
        "status",
        "date",
        "updated",
        "tags",
        "actions",
        "practices",
        "period",
    ]
    .iter()
    .map(|k| column(k).to_owned())
    .collect();
    header.extend(fw.indicators().map(|(_, i)| i.label.get(lang).to_owned()));
    header.push(column("average").to_owned());
    header.push(column("url").to_owned());
    let separator = string(strings, &["common", "list_separator"], ", ");
    let mut out = String::from('\u{feff}');
    let mut push_row = |fields: Vec<String>| {
        let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    };
    push_row(header);
    for case in &site.cases {
        let latest = case.latest();
        let status = fw.status(&case.status).map_or(case.status.as_str(), |s| s.label.get(lang));
        let actions: Vec<&str> = case
            .actions
            .iter()
            .map(|a| fw.actions.iter().find(|x| &x.id == a).map_or(a.as_str(), |x| x.label.get(lang)))
            .collect();
        let mut row = vec![
            case.slug.clone(),
            case.title.clone(),
            case.site.clone(),
            case.enterprise.clone(),
            case.unit.clone().unwrap_or_default(),
            case.region.clone().unwrap_or_default(),
            status.to_owned(),
            case.date.to_string(),
            case.updated.map(|d| d.to_string()).unwrap_or_default(),
            case.tags.join(separator),
            actions.join(separator),
            case.practices.len().to_string(),
            latest.map(|a| a.period.to_string()).unwrap_or_default(),
        ];
        row.extend(fw.indicators().map(|(_, i)| {
            latest.and_then(|a| a.score(&i.id)).map(crate::content::validate::format_number).unwrap_or_default()
        }));
        row.push(latest.and_then(|a| a.average(fw)).map(number).unwrap_or_default());
        row.push(absolute(site, &case.path));
        push_row(row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("plain 文本"), "plain 文本");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }
}
