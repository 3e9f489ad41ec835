//! Views of the portal's analytical pages: the charts and related cases of a case page, the
//! portfolio on the home page, indicator rankings, the practice library and the reports for
//! dynamic management. Texts come from the theme's strings; numbers and charts are computed here.

use serde_json::{Value as Json, json};
use tera::Value;

use super::charts::{self, Point};
use super::views::{map, num, num_value, to_tenth};
use crate::content::validate::format_number;
use crate::site::{Assessment, Site};

/// A string of the theme (`case.radar_title`) with `{name}` placeholders filled.
fn text(strings: &Json, path: &str, args: &[(&str, String)]) -> String {
    let mut value = strings;
    for key in path.split('.') {
        value = match value.get(key) {
            Some(v) => v,
            None => return path.to_owned(),
        };
    }
    // `{n}` and the plural forms `{n|site|sites}`, as the templates' `fill` filter fills them.
    crate::i18n::fill(value.as_str().unwrap_or(path), args)
}

fn points<'a>(site: &'a Site, assessment: &Assessment) -> Vec<Point<'a>> {
    let lang = site.language();
    site.config
        .framework
        .indicators()
        .filter_map(|(_, i)| {
            let value = assessment.score(&i.id)?;
            Some(Point { id: &i.id, label: i.label.get(lang), value, min: i.min, max: i.max, threshold: i.threshold })
        })
        .collect()
}

/// `radar` (SVG of the latest assessment) and `trend` (a small line per indicator) for the case at
/// `index`, added to `view` (its `related` summaries are added by the renderer).
pub fn case_extras(site: &Site, index: usize, strings: &Json, view: &mut tera::Map) {
    let case = &site.cases[index];
    let lang = site.language();
    let fw = &site.config.framework;
    let radar = case.latest().map(|latest| {
        let pts = points(site, latest);
        let period = latest.period.to_string();
        let title = text(strings, "case.radar_title", &[("period", period.clone())]);
        let listing: Vec<String> = pts
            .iter()
            .map(|p| format!("{}{}{}", p.label, text(strings, "common.colon", &[]), format_number(p.value)))
            .collect();
        let desc = format!(
            "{}{}",
            listing.join(text(strings, "common.list_separator", &[]).as_str()),
            text(strings, "case.radar_desc", &[])
        );
        if pts.len() >= 3 {
            charts::radar(&pts, "radar", &title, &desc)
        } else {
            charts::bars(&pts, "radar", &title, &desc)
        }
    });
    let trend: Vec<Value> = if case.assessments.len() >= 2 {
        fw.indicators()
            .filter_map(|(_, i)| {
                let values: Vec<(&str, f64)> =
                    case.assessments.iter().filter_map(|a| Some((a.period.as_str(), a.score(&i.id)?))).collect();
                let (first, last) = (values.first()?, values.last()?);
                let label = i.label.get(lang);
                let series: Vec<String> = values.iter().map(|(_, v)| format_number(*v)).collect();
                let aria = text(
                    strings,
                    "case.trend_aria",
                    &[("indicator", label.to_owned()), ("values", series.join(" → "))],
                );
                let delta = last.1 - first.1;
                let delta_display =
                    if delta > 0.0 { format!("+{}", charts::number(delta)) } else { charts::number(delta) };
                Some(map([
                    ("id", i.id.as_str().into()),
                    ("label", label.into()),
                    ("svg", charts::sparkline(&values, i.min, i.max, i.threshold, &aria).into()),
                    ("first", map([("period", first.0.into()), ("value", format_number(first.1).into())])),
                    ("last", map([("period", last.0.into()), ("value", format_number(last.1).into())])),
                    ("delta", num_value(to_tenth(delta))),
                    ("delta_display", delta_display.into()),
                    ("below", i.threshold.is_some_and(|t| last.1 < t).into()),
                ]))
            })
            .collect()
    } else {
        Vec::new()
    };
    view.insert("radar".into(), radar.into());
    view.insert("trend".into(), trend.into());
}

/// The portfolio's average latest score per indicator (active cases), as a chart and as rows.
pub fn portfolio(site: &Site, strings: &Json) -> Json {
    let lang = site.language();
    let fw = &site.config.framework;
    let averages = site.indicator_averages();
    let pts: Vec<Point<'_>> = averages
        .iter()
        .filter_map(|a| {
            let i = fw.indicator(&a.indicator)?;
            Some(Point {
                id: &i.id,
                label: i.label.get(lang),
                value: a.average?,
                min: i.min,
                max: i.max,
                threshold: i.threshold,
            })
        })
        .collect();
    let rows: Vec<Json> = pts
        .iter()
        .zip(averages.iter().filter(|a| a.average.is_some()))
        .map(|(p, a)| {
            json!({
                "id": p.id, "label": p.label, "average": charts::number(p.value), "count": a.count,
                "threshold": p.threshold.map(num), "below": p.threshold.is_some_and(|t| p.value < t),
                "path": site.term_path("indicator", p.id),
            })
        })
        .collect();
    let cases = averages.iter().map(|a| a.count).max().unwrap_or(0);
    let title = text(strings, "home.portfolio_title", &[]);
    let desc = text(strings, "home.portfolio_desc", &[("n", cases.to_string())]);
    let svg = (!pts.is_empty()).then(|| charts::bars(&pts, "portfolio", &title, &desc));
    json!({ "svg": svg, "rows": rows, "cases": cases })
}

/// The rank of the case at `position` of an indicator's ranking: the place of the first case
/// with the same score (a tie may begin before the rows a page shows).
pub fn rank_at(site: &Site, indicator: &str, cases: &[usize], position: usize) -> usize {
    let score = |position: usize| -> Option<f64> { site.cases.get(*cases.get(position)?)?.latest()?.score(indicator) };
    let value = score(position);
    let mut first = position;
    while first > 0 && value.is_some() && score(first - 1) == value {
        first -= 1;
    }
    first + 1
}

/// Rows `rows` of an indicator's ranking (`cases`: the term's cases, ranked by their latest score)
/// with each site's latest score and rank: equal scores share a rank, the place of the first.
/// Built as template values directly: the rows share the cases' summary values.
pub fn ranking(
    site: &Site,
    indicator: &str,
    cases: &[usize],
    rows: std::ops::Range<usize>,
    summaries: &super::Summaries,
) -> tera::Value {
    let threshold = site.config.framework.indicator(indicator).and_then(|i| i.threshold);
    let rows = rows.start.min(cases.len())..rows.end.min(cases.len());
    let mut views = Vec::with_capacity(rows.len());
    let mut rank = 0;
    let mut previous: Option<f64> = None;
    for position in rows.clone() {
        let i = cases[position];
        let Some(latest) = site.cases[i].latest() else { continue };
        let Some(value) = latest.score(indicator) else { continue };
        if previous != Some(value) {
            rank = rank_at(site, indicator, cases, position);
            previous = Some(value);
        }
        views.push(map([
            ("rank", rank.into()),
            ("case", summaries.value(i)),
            ("score", num_value(value)),
            ("display", format_number(value).into()),
            ("period", latest.period.to_string().into()),
            ("below", threshold.is_some_and(|t| value < t).into()),
        ]));
    }
    map([("rows", views.into()), ("threshold", threshold.map(num_value).into()), ("count", cases.len().into())])
}

use crate::site::PracticeRef;
pub use crate::site::{Grouping, Report};

/// How many rows a page shows of a long list (an indicator's ranking, a group of the practice
/// library, a report) before it links to the list's own pages: on a large site such a list runs
/// to thousands of rows, and one page holding them all is megabytes a reader's browser chokes on.
pub const PREVIEW: usize = 20;

/// The practice library's overview, grouped by dimension or by action (framework order): each
/// group's count and its first [`PREVIEW`] practices, with the path of the group's own pages
/// when it has more.
pub fn practices(site: &Site, grouping: Grouping, summaries: &super::Summaries) -> tera::Value {
    let lang = site.language();
    let fw = &site.config.framework;
    let library = site.library(grouping);
    let rows = PracticeRows::new(site);
    let kind = grouping_name(grouping);
    let groups: Vec<Value> = grouping
        .terms(fw)
        .iter()
        .zip(library)
        .map(|(term, refs)| {
            let id = term.id.as_str();
            let slug = id.replace('_', "-");
            let shown = &refs[..refs.len().min(PREVIEW)];
            map([
                ("id", id.into()),
                ("label", term.label.get(lang).into()),
                ("description", term.description.as_ref().map(|d| d.get(lang)).into()),
                ("anchor", format!("{kind}-{slug}").into()),
                ("path", site.term_path(kind, id).into()),
                ("count", refs.len().into()),
                ("practices", rows.of(site, summaries, shown).into()),
                ("all_path", (refs.len() > PREVIEW).then(|| practice_group_path(grouping, id)).into()),
            ])
        })
        .collect();
    map([
        ("grouping", kind.into()),
        ("groups", groups.into()),
        ("total", library.iter().map(Vec::len).sum::<usize>().into()),
        ("all", site.cases.iter().map(|c| c.practices.len()).sum::<usize>().into()),
        // The home page counts the practices of sites still holding their title: the library says
        // how many of its own are of revoked ones, so that the two figures agree.
        (
            "revoked",
            site.cases
                .iter()
                .filter(|c| c.is_revoked(&site.config.framework))
                .map(|c| c.practices.len())
                .sum::<usize>()
                .into(),
        ),
    ])
}

/// `dimension` or `action`: the grouping's name in paths and templates.
pub fn grouping_name(grouping: Grouping) -> &'static str {
    match grouping {
        Grouping::Dimension => "dimension",
        Grouping::Action => "action",
    }
}

/// The first page of a library group's own pages (`practices/dimension/innovation/`).
pub fn practice_group_path(grouping: Grouping, id: &str) -> String {
    format!("practices/{}/{}/", grouping_name(grouping), id.replace('_', "-"))
}

/// One page of a library group: the group's label and description, and `refs` as rows.
pub fn practice_group(
    site: &Site,
    summaries: &super::Summaries,
    grouping: Grouping,
    group: usize,
    refs: &[PracticeRef],
) -> Value {
    let lang = site.language();
    let term = grouping.terms(&site.config.framework).get(group);
    let id = term.map_or("", |t| t.id.as_str());
    let label = term.map_or("", |t| t.label.get(lang));
    let description = term.and_then(|t| t.description.as_ref()).map(|d| d.get(lang));
    let count = site.library(grouping).get(group).map_or(0, Vec::len);
    map([
        ("grouping", grouping_name(grouping).into()),
        ("id", id.into()),
        ("label", label.into()),
        ("description", description.into()),
        ("count", count.into()),
        ("practices", PracticeRows::new(site).of(site, summaries, refs).into()),
    ])
}

/// What the rows of the practice library share: each framework term's label, made once.
struct PracticeRows {
    dimensions: Vec<(String, Value)>,
    actions: Vec<(String, Value)>,
}

impl PracticeRows {
    fn new(site: &Site) -> PracticeRows {
        let lang = site.language();
        let fw = &site.config.framework;
        let term = |id: &str, label: &str| (id.to_owned(), map([("id", id.into()), ("label", label.into())]));
        PracticeRows {
            dimensions: fw.dimensions.iter().map(|d| term(&d.id, d.label.get(lang))).collect(),
            actions: fw.actions.iter().map(|a| term(&a.id, a.label.get(lang))).collect(),
        }
    }

    fn label(terms: &[(String, Value)], id: &str) -> Value {
        terms
            .iter()
            .find(|(t, _)| t == id)
            .map_or_else(|| map([("id", id.into()), ("label", id.into())]), |(_, v)| v.clone())
    }

    /// The practices `refs` as template rows, each with its case's shared summary value (which
    /// has `revoked` and the `status` the rows show: see [`super::views::summary_view`]).
    fn of(&self, site: &Site, summaries: &super::Summaries, refs: &[PracticeRef]) -> Vec<Value> {
        refs.iter()
            .filter_map(|&(c, n)| {
                let p = site.cases.get(c)?.practices.get(n)?;
                let actions: Vec<Value> = p.actions.iter().map(|a| Self::label(&self.actions, a)).collect();
                Some(map([
                    ("title", p.title.as_str().into()),
                    ("summary", p.summary.as_str().into()),
                    ("steps", p.steps.len().into()),
                    ("anchor", format!("practice-{}", n + 1).into()),
                    ("dimension", Self::label(&self.dimensions, &p.dimension)),
                    ("actions", actions.into()),
                    ("case", summaries.value(c)),
                ]))
            })
            .collect()
    }
}

fn month_label(month: u32) -> String {
    format!("{:04}-{:02}", month / 12, month % 12 + 1)
}

/// The reports of dynamic management. Built as template values directly: each listed case is its
/// shared summary value, not a copy.
pub fn reports(site: &Site, summaries: &super::Summaries) -> Value {
    let lang = site.language();
    let fw = &site.config.framework;
    let number = |v: f64| -> Value { charts::number(v).into() };
    let window = site.review_window();
    // Each list's first rows, its count, and the path of its own pages when it has more.
    let reports = [Report::Below, Report::Due, Report::Revoked];
    let [below, due, revoked] = reports.map(|report| {
        let cases = site.report(report);
        Value::from(report_rows(site, summaries, report, &cases[..cases.len().min(PREVIEW)]))
    });
    let counts = map(reports.map(|report| (report_name(report), site.report(report).len().into())));
    let all_paths = map(reports.map(|report| {
        (report_name(report), (site.report(report).len() > PREVIEW).then(|| report_path(report)).into())
    }));
    let indicators: Vec<&crate::config::Indicator> = fw.indicators().map(|(_, i)| i).collect();
    // Revoked titles are left out of the averages, as from the rankings.
    let active: Vec<&crate::site::Case> = site.active().into_iter().map(|i| &*site.cases[i]).collect();
    let periods: Vec<Value> = site
        .periods()
        .into_iter()
        .rev()
        .filter_map(|period| {
            let assessed: Vec<&Assessment> =
                active.iter().filter_map(|c| c.assessments.iter().find(|a| a.period == period)).collect();
            if assessed.is_empty() {
                return None;
            }
            let averages: Vec<f64> = assessed.iter().filter_map(|a| a.average(fw)).collect();
            let below = assessed
                .iter()
                .filter(|a| {
                    a.scores.iter().any(|(id, s)| fw.indicator(id).and_then(|i| i.threshold).is_some_and(|t| *s < t))
                })
                .count();
            let by_indicator: Vec<Value> = indicators
                .iter()
                .map(|ind| {
                    let scores: Vec<f64> = assessed.iter().filter_map(|a| a.score(&ind.id)).collect();
                    let mean = (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64);
                    map([
                        ("id", ind.id.as_str().into()),
                        ("average", mean.map(|m| charts::average_text(m, ind.threshold)).into()),
                        ("below", mean.zip(ind.threshold).is_some_and(|(m, t)| m < t).into()),
                    ])
                })
                .collect();
            let mean = (!averages.is_empty()).then(|| averages.iter().sum::<f64>() / averages.len() as f64);
            Some(map([
                ("period", period.to_string().into()),
                ("assessed", assessed.len().into()),
                ("below", below.into()),
                ("average", mean.map(number).into()),
                ("indicators", by_indicator.into()),
            ]))
        })
        .collect();
    let window = window.map(|w| {
        map([
            ("latest", w.latest.to_string().into()),
            ("start", month_label(w.months.start).into()),
            ("end", month_label(w.months.end.saturating_sub(1)).into()),
        ])
    });
    let indicator_views: Vec<Value> = indicators
        .iter()
        .map(|i| {
            map([
                ("id", i.id.as_str().into()),
                ("label", i.label.get(lang).into()),
                ("threshold", i.threshold.map(num_value).into()),
            ])
        })
        .collect();
    map([
        ("window", window.into()),
        ("below", below),
        ("due", due),
        ("revoked", revoked),
        ("counts", counts),
        ("all_paths", all_paths),
        ("periods", periods.into()),
        ("indicators", indicator_views.into()),
    ])
}

/// `below`, `due` or `revoked`: the report's name in paths and templates.
pub fn report_name(report: Report) -> &'static str {
    match report {
        Report::Below => "below",
        Report::Due => "due",
        Report::Revoked => "revoked",
    }
}

/// The first of a report's own pages (`reports/below/`).
pub fn report_path(report: Report) -> String {
    format!("reports/{}/", report_name(report))
}

/// The rows of `report` for the cases `cases` (each its shared summary value and what the report
/// says of it).
pub fn report_rows(site: &Site, summaries: &super::Summaries, report: Report, cases: &[usize]) -> Vec<Value> {
    let lang = site.language();
    let fw = &site.config.framework;
    cases
        .iter()
        .filter_map(|&i| {
            let case = site.cases.get(i)?;
            let latest = case.latest();
            Some(match report {
                Report::Below => {
                    let indicators: Vec<Value> = latest
                        .map(|a| a.scores.as_slice())
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|(id, score)| {
                            let ind = fw.indicator(id)?;
                            let threshold = ind.threshold.filter(|t| score < t)?;
                            Some(map([
                                ("id", id.as_str().into()),
                                ("label", ind.label.get(lang).into()),
                                ("value", format_number(*score).into()),
                                ("threshold", num_value(threshold)),
                            ]))
                        })
                        .collect();
                    map([
                        ("case", summaries.value(i)),
                        ("period", latest.map(|a| a.period.to_string()).into()),
                        ("indicators", indicators.into()),
                    ])
                }
                Report::Due => {
                    map([("case", summaries.value(i)), ("last_period", latest.map(|a| a.period.to_string()).into())])
                }
                Report::Revoked => {
                    let date = case.timeline.iter().rev().find(|e| e.stage == case.status).map(|e| e.date.to_string());
                    map([
                        ("case", summaries.value(i)),
                        ("date", date.into()),
                        ("reason", case.revoked_reason(fw).into()),
                    ])
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    /// Strings the portal's charts take from the theme fill their plural forms as the templates
    /// do: an English chart's description said "15 {n|site|sites}".
    #[test]
    fn chart_texts_fill_plural_forms() {
        let strings = serde_json::json!({ "home": { "portfolio_desc": "of {n} {n|site|sites}." } });
        let text = |n: &str| super::text(&strings, "home.portfolio_desc", &[("n", n.to_owned())]);
        assert_eq!((text("1"), text("15")), ("of 1 site.".to_owned(), "of 15 sites.".to_owned()));
    }
}
