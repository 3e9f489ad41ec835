//! What templates see: views of the site model in the site's language. Each case's summary view
//! is built once and shared (tera values are reference-counted), so list pages copy nothing.

use std::collections::HashMap;

use serde_json::{Value as Json, json};
use tera::Value;

use crate::config::Config;
use crate::config::Indicator;
use crate::content::validate::format_number;
use crate::site::{Assessment, Case, Site};

pub fn tera(value: &Json) -> Value {
    Value::from_serializable(value)
}

/// A template map with fixed keys, built without going through JSON: the keys are not copied,
/// and the values are moved in as they are.
pub fn map<const N: usize>(entries: [(&'static str, Value); N]) -> Value {
    // Tera serialises a struct straight into its map (`Value::from(tera::Map)` would hash every
    // entry a second time into a new map).
    struct Fields<const N: usize>([(&'static str, Value); N]);
    impl<const N: usize> serde::Serialize for Fields<N> {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeStruct;
            let mut map = serializer.serialize_struct("Fields", N)?;
            for (key, value) in &self.0 {
                map.serialize_field(key, value)?;
            }
            map.end()
        }
    }
    Value::from_serializable(&Fields(entries))
}

/// A number as templates should print it: `92`, not `92.0`.
pub fn num(value: f64) -> Json {
    if value.fract() == 0.0 && value.abs() < 1e15 { json!(value as i64) } else { json!(value) }
}

/// [`num`] as a template value, without going through JSON.
pub fn num_value(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 1e15 { Value::from(value as i64) } else { Value::from(value) }
}

/// Rounded to a tenth: one decimal place is enough for an average or a change.
pub fn to_tenth(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

pub fn site_view(config: &Config) -> Json {
    json!({
        "title": config.title,
        "description": config.description,
        "language": crate::i18n::normalize_language(&config.language),
        "base_url": config.base_url,
    })
}

/// The framework's terms, each with the path of its taxonomy's page (`null` when the site does not
/// build that taxonomy).
pub fn framework_view(site: &Site) -> Json {
    let lang = site.language();
    let fw = &site.config.framework;
    let indicator = |group: &str, i: &crate::config::Indicator| {
        json!({
            "id": i.id, "label": i.label.get(lang), "min": num(i.min), "max": num(i.max),
            "threshold": i.threshold.map(num), "weight": num(i.weight), "group": group,
            "path": site.term_path("indicator", &i.id),
        })
    };
    let term = |id: &str, label: &crate::config::Label, description: Option<&crate::config::Label>, kind: &str| {
        json!({
            "id": id, "label": label.get(lang),
            "description": description.map(|d| d.get(lang)),
            "path": site.term_path(kind, id),
        })
    };
    json!({
        "indicator_groups": fw.indicator_groups.iter().map(|g| json!({
            "id": g.id, "label": g.label.get(lang),
            "indicators": g.indicators.iter().map(|i| indicator(&g.id, i)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "indicators": fw.indicators().map(|(g, i)| indicator(&g.id, i)).collect::<Vec<_>>(),
        "dimensions": fw.dimensions.iter().map(|d| term(&d.id, &d.label, d.description.as_ref(), "dimension")).collect::<Vec<_>>(),
        "actions": fw.actions.iter().map(|a| term(&a.id, &a.label, a.description.as_ref(), "action")).collect::<Vec<_>>(),
        "statuses": fw.statuses.iter().map(|s| {
            let mut view = term(&s.id, &s.label, s.description.as_ref(), "status");
            view["revoked"] = json!(s.revoked);
            view
        }).collect::<Vec<_>>(),
    })
}

/// The browse taxonomies for navigation, labelled from the theme's strings (`taxonomy.<id>`).
pub fn nav_view(site: &Site, strings: &Json) -> Json {
    let items: Vec<Json> = site
        .taxonomies
        .iter()
        .map(|t| json!({ "id": t.id, "label": taxonomy_label(strings, &t.id), "path": t.path() }))
        .collect();
    Json::Array(items)
}

pub fn taxonomy_label(strings: &Json, id: &str) -> String {
    strings.get("taxonomy").and_then(|t| t.get(id)).and_then(Json::as_str).unwrap_or(id).to_owned()
}

fn status_view(site: &Site, id: &str) -> Value {
    let status = site.config.framework.status(id);
    map([
        ("id", id.into()),
        ("label", status.map_or(id, |s| s.label.get(site.language())).into()),
        ("description", status.and_then(|s| s.description.as_ref()).map(|d| d.get(site.language())).into()),
        ("revoked", status.is_some_and(|s| s.revoked).into()),
        ("path", site.term_path("status", id).into()),
    ])
}

fn framework_term(site: &Site, kind: &str, id: &str) -> Value {
    let lang = site.language();
    let fw = &site.config.framework;
    let label = match kind {
        "action" => fw.actions.iter().find(|a| a.id == id).map(|a| a.label.get(lang)),
        "dimension" => fw.dimensions.iter().find(|d| d.id == id).map(|d| d.label.get(lang)),
        "indicator" => fw.indicator(id).map(|i| i.label.get(lang)),
        _ => None,
    };
    map([("id", id.into()), ("label", label.unwrap_or(id).into()), ("path", site.term_path(kind, id).into())])
}

/// One assessment of a case: its period, average, a row per score (`scores`) and a cell per
/// framework indicator, its score's row or none (`cells`): a table of periods by indicators reads
/// the cells rather than searching the scores for every cell.
pub fn assessment_view(site: &Site, framework: &FrameworkViews, assessment: &Assessment) -> Value {
    let fw = &site.config.framework;
    let rows: Vec<Option<Value>> = fw
        .indicators()
        .enumerate()
        .map(|(n, (_, indicator))| {
            let value = assessment.score(&indicator.id)?;
            let [id, label, threshold, min, max] =
                framework.score_parts.get(n).cloned().unwrap_or_else(|| score_parts(site, indicator));
            Some(map([
                ("id", id),
                ("label", label),
                ("value", num_value(value)),
                ("display", format_number(value).into()),
                ("threshold", threshold),
                ("min", min),
                ("max", max),
                ("below", indicator.threshold.is_some_and(|t| value < t).into()),
            ]))
        })
        .collect();
    // Rows are shared, not copied: a map value is reference-counted.
    let scores: Vec<Value> = rows.iter().flatten().cloned().collect();
    let cells: Vec<Value> = rows.into_iter().map(Value::from).collect();
    // Rounded to a tenth, and written without a trailing ".0" (drawing it in the template with
    // `round | str | trim_end` cost more than the rest of the case page's trend table).
    let average = assessment.average(fw).map(to_tenth);
    map([
        ("period", assessment.period.to_string().into()),
        ("average", average.map(num_value).into()),
        ("average_display", average.map(format_number).into()),
        ("scores", scores.into()),
        ("cells", cells.into()),
    ])
}

/// The part of a score row that depends on the indicator alone: id, label, threshold, min, max.
fn score_parts(site: &Site, indicator: &Indicator) -> [Value; 5] {
    [
        indicator.id.as_str().into(),
        indicator.label.get(site.language()).into(),
        indicator.threshold.map(num_value).into(),
        num_value(indicator.min),
        num_value(indicator.max),
    ]
}

/// A status as a stage of a case's timeline.
fn stage_view(site: &Site, id: &str) -> Value {
    let label = site.config.framework.status(id).map_or(id, |s| s.label.get(site.language()));
    map([("id", id.into()), ("label", label.into())])
}

/// What the case pages show alike about the framework, made once a build rather than once a case
/// (they were a third of the values a case page builds for itself): each action's, dimension's
/// and indicator's term, each status as a timeline stage, and each indicator's part of a score
/// row. A template value is reference-counted: every page shares these.
#[derive(Default)]
pub struct FrameworkViews {
    actions: HashMap<String, Value>,
    dimensions: HashMap<String, Value>,
    indicators: HashMap<String, Value>,
    stages: HashMap<String, Value>,
    /// By framework indicator, in order (see [`score_parts`]).
    score_parts: Vec<[Value; 5]>,
}

impl FrameworkViews {
    pub fn new(site: &Site) -> FrameworkViews {
        let fw = &site.config.framework;
        let terms = |kind: &str, ids: Vec<&str>| -> HashMap<String, Value> {
            ids.into_iter().map(|id| (id.to_owned(), framework_term(site, kind, id))).collect()
        };
        FrameworkViews {
            actions: terms("action", fw.actions.iter().map(|a| a.id.as_str()).collect()),
            dimensions: terms("dimension", fw.dimensions.iter().map(|d| d.id.as_str()).collect()),
            indicators: terms("indicator", fw.indicators().map(|(_, i)| i.id.as_str()).collect()),
            stages: fw.statuses.iter().map(|s| (s.id.clone(), stage_view(site, &s.id))).collect(),
            score_parts: fw.indicators().map(|(_, i)| score_parts(site, i)).collect(),
        }
    }

    /// [`framework_term`], shared when the framework has the term.
    fn term(&self, site: &Site, kind: &str, id: &str) -> Value {
        let known = match kind {
            "action" => &self.actions,
            "dimension" => &self.dimensions,
            _ => &self.indicators,
        };
        known.get(id).cloned().unwrap_or_else(|| framework_term(site, kind, id))
    }

    fn stage(&self, site: &Site, id: &str) -> Value {
        self.stages.get(id).cloned().unwrap_or_else(|| stage_view(site, id))
    }
}

/// The values many summaries hold alike, made once: each status's and each tag's (a template map
/// is reference-counted, so every summary of a status shares one).
pub struct SharedViews<'a> {
    statuses: HashMap<&'a str, Value>,
    tags: HashMap<&'a str, Value>,
}

impl<'a> SharedViews<'a> {
    /// The statuses and tags of `cases`.
    pub fn new(site: &Site, cases: impl Iterator<Item = &'a Case>) -> SharedViews<'a> {
        let mut statuses = HashMap::new();
        let mut tags = HashMap::new();
        for case in cases {
            statuses.entry(case.status.as_str()).or_insert_with(|| status_view(site, &case.status));
            for tag in &case.tags {
                tags.entry(tag.as_str()).or_insert_with(|| tag_view(site, tag));
            }
        }
        SharedViews { statuses, tags }
    }
}

fn tag_view(site: &Site, tag: &str) -> Value {
    map([("name", tag.into()), ("path", site.term_path("tag", tag).into())])
}

/// The facts every list shows about a case.
pub fn summary_view(site: &Site, case: &Case, shared: &SharedViews<'_>) -> tera::Map {
    let latest = case.latest().map(|a| {
        let average = a.average(&site.config.framework).map(to_tenth);
        map([
            ("period", a.period.as_str().into()),
            ("average", average.map(num_value).into()),
            ("average_display", average.map(format_number).into()),
        ])
    });
    let tags: Vec<Value> =
        case.tags.iter().map(|t| shared.tags.get(t.as_str()).cloned().unwrap_or_else(|| tag_view(site, t))).collect();
    let view = map([
        ("slug", case.slug.as_str().into()),
        ("path", case.path.as_str().into()),
        ("title", case.title.as_str().into()),
        ("site", case.site.as_str().into()),
        ("enterprise", case.enterprise.as_str().into()),
        ("enterprise_path", site.term_path("enterprise", &case.enterprise).into()),
        ("unit", case.unit.as_deref().into()),
        ("region", case.region.as_deref().into()),
        (
            "status",
            shared.statuses.get(case.status.as_str()).cloned().unwrap_or_else(|| status_view(site, &case.status)),
        ),
        ("date", case.date.to_string().into()),
        ("year", case.year().into()),
        ("summary", case.summary.as_str().into()),
        ("cover", case.cover.as_deref().into()),
        ("cover_image", Value::from_serializable(&case.cover_image.as_deref())),
        ("tags", tags.into()),
        ("featured", case.featured.into()),
        ("revoked", case.is_revoked(&site.config.framework).into()),
        ("practice_count", case.practices.len().into()),
        ("latest", latest.into()),
    ]);
    view.into_map().unwrap_or_default()
}

/// What the case page shows beyond the case's summary, added to `view` (the page merges in the
/// summary, and `prev`, `next` and `related` as shared summary values). Built as template values
/// directly, one case page at a time.
pub fn case_view(site: &Site, framework: &FrameworkViews, case: &Case, view: &mut tera::Map) {
    let fw = &site.config.framework;
    let timeline: Vec<Value> = case
        .timeline
        .iter()
        .map(|e| {
            map([
                ("date", e.date.to_string().into()),
                ("stage", framework.stage(site, &e.stage)),
                ("note", e.note.as_deref().into()),
            ])
        })
        .collect();
    let assessments: Vec<Value> = case.assessments.iter().map(|a| assessment_view(site, framework, a)).collect();
    let latest_assessment = assessments.last().cloned();
    let terms = |kind: &str, ids: &[String]| -> Value {
        ids.iter().map(|id| framework.term(site, kind, id)).collect::<Vec<_>>().into()
    };
    let practices: Vec<Value> = case
        .practices
        .iter()
        .map(|p| {
            map([
                ("title", p.title.as_str().into()),
                ("dimension", framework.term(site, "dimension", &p.dimension)),
                ("indicators", terms("indicator", &p.indicators)),
                ("actions", terms("action", &p.actions)),
                ("summary", p.summary.as_str().into()),
                ("steps", p.steps.iter().map(String::as_str).collect::<Vec<_>>().into()),
            ])
        })
        .collect();
    let revoked_date = case
        .is_revoked(fw)
        .then(|| case.timeline.iter().rev().find(|e| e.stage == case.status).map(|e| e.date))
        .flatten();
    // Templates iterate `extra_fields`: a Tera map's order changes from one run to the next.
    let extra_fields: Vec<Value> = case
        .extra
        .iter()
        .map(|(key, value)| map([("key", key.as_str().into()), ("value", Value::from_serializable(value))]))
        .collect();
    let fields: [(&'static str, Value); 19] = [
        ("updated", case.updated.map(|d| d.to_string()).into()),
        ("extra", Value::from_serializable(&case.extra)),
        ("extra_fields", extra_fields.into()),
        ("timeline", timeline.into()),
        ("assessments", assessments.into()),
        ("latest_assessment", latest_assessment.into()),
        ("actions", terms("action", &case.actions)),
        ("practices", practices.into()),
        ("content", case.body.html.as_str().into()),
        ("toc", Value::from_serializable(&case.body.toc)),
        ("char_count", case.body.char_count.into()),
        ("reading_minutes", case.body.char_count.div_ceil(400).max(1).into()),
        ("revoked_reason", case.revoked_reason(fw).into()),
        ("revoked_date", revoked_date.map(|d| d.to_string()).into()),
        ("source", case.source.as_str().into()),
        ("source_url", case.source_url.as_deref().into()),
        ("history", Value::from_serializable(&case.history.changes.iter().map(|c| c.as_ref()).collect::<Vec<_>>())),
        ("history_total", case.history.total.into()),
        ("history_more", case.history.total.saturating_sub(case.history.changes.len()).into()),
    ];
    for (key, value) in fields {
        view.insert(key.into(), value);
    }
}

/// The framework's description of a term (an action, a status …), in the site's language.
pub fn term_description(site: &Site, taxonomy: &str, key: &str) -> Option<String> {
    let lang = site.language();
    let fw = &site.config.framework;
    let description = match taxonomy {
        "action" => fw.actions.iter().find(|a| a.id == key).and_then(|a| a.description.as_ref()),
        "dimension" => fw.dimensions.iter().find(|d| d.id == key).and_then(|d| d.description.as_ref()),
        "status" => fw.status(key).and_then(|s| s.description.as_ref()),
        _ => None,
    };
    description.map(|d| d.get(lang).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values a case page shares with the others equal those made for the case alone.
    #[test]
    fn shared_framework_values_equal_each_cases_own() {
        let options = crate::pipeline::BuildOptions::new(env!("CARGO_MANIFEST_DIR"));
        let site = crate::pipeline::searchable(&options).site.expect("the sample site loads");
        let shared = FrameworkViews::new(&site);
        let alone = FrameworkViews::default();
        assert!(
            site.cases.iter().any(|c| c.assessments.len() > 1 && !c.timeline.is_empty() && !c.practices.is_empty())
        );
        for case in &site.cases {
            let (mut with_shared, mut made_alone) = (tera::Map::new(), tera::Map::new());
            case_view(&site, &shared, case, &mut with_shared);
            case_view(&site, &alone, case, &mut made_alone);
            assert!(Value::from(with_shared) == Value::from(made_alone), "{}", case.slug);
        }
    }
}
