//! Views of the portal's analytical pages: the charts and related cases of a case page, the
//! portfolio on the home page, indicator rankings, the practice library and the reports for
//! dynamic management. Texts come from the theme's strings; numbers and charts are computed here.

use rayon::prelude::*;
use serde_json::{Value as Json, json};
use tera::Value;

use super::charts::{self, Point};
use super::views::{map, num, num_value};
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
    let mut out = value.as_str().unwrap_or(path).to_owned();
    for (name, arg) in args {
        out = out.replace(&format!("{{{name}}}"), arg);
    }
    out
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
            .map(|p| format!("{}{}{}", p.label, text(strings, "common.colon", &[]), charts::number(p.value)))
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
                let series: Vec<String> = values.iter().map(|(_, v)| charts::number(*v)).collect();
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
                    ("first", map([("period", first.0.into()), ("value", charts::number(first.1).into())])),
                    ("last", map([("period", last.0.into()), ("value", charts::number(last.1).into())])),
                    ("delta", num_value((delta * 10.0).round() / 10.0)),
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
                "path": format!("indicator/{}/", p.id.replace('_', "-")),
            })
        })
        .collect();
    let cases = averages.iter().map(|a| a.count).max().unwrap_or(0);
    let title = text(strings, "home.portfolio_title", &[]);
    let desc = text(strings, "home.portfolio_desc", &[("n", cases.to_string())]);
    let svg = (!pts.is_empty()).then(|| charts::bars(&pts, "portfolio", &title, &desc));
    json!({ "svg": svg, "rows": rows, "cases": cases })
}

/// For an indicator's term page: the ranked active cases with their latest score and rank
/// (equal scores share a rank).
/// Built as template values directly: the rows share the cases' summary values (thousands of rows
/// on a large site), nothing is copied.
pub fn ranking(site: &Site, indicator: &str, cases: &[usize], summaries: &super::Summaries) -> tera::Value {
    let threshold = site.config.framework.indicator(indicator).and_then(|i| i.threshold);
    let mut rows = Vec::new();
    let mut rank = 0;
    let mut previous: Option<f64> = None;
    for (position, &i) in cases.iter().enumerate() {
        let Some(latest) = site.cases[i].latest() else { continue };
        let Some(score) = latest.score(indicator) else { continue };
        if previous != Some(score) {
            rank = position + 1;
            previous = Some(score);
        }
        rows.push(map([
            ("rank", rank.into()),
            ("case", summaries.value(i)),
            ("score", num_value(score)),
            ("display", charts::number(score).into()),
            ("period", latest.period.to_string().into()),
            ("below", threshold.is_some_and(|t| score < t).into()),
        ]));
    }
    map([("rows", rows.into()), ("threshold", threshold.map(num_value).into())])
}

/// How the practice library groups practices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Dimension,
    Action,
}

/// Every practice of every case, grouped by dimension or by action (framework order). A practice
/// that names no action of its own is filed under its case's actions.
///
/// Built as template values directly (tens of thousands of practices on a large site): each
/// case's part of a row and each framework term's label are made once and shared by every row
/// that shows them, and the groups are gathered in parallel.
pub fn practices(site: &Site, grouping: Grouping) -> tera::Value {
    let lang = site.language();
    let fw = &site.config.framework;
    let term = |id: &str, label: &str| map([("id", id.into()), ("label", label.into())]);
    let dimensions: Vec<(&str, Value)> =
        fw.dimensions.iter().map(|d| (d.id.as_str(), term(&d.id, d.label.get(lang)))).collect();
    let actions: Vec<(&str, Value)> =
        fw.actions.iter().map(|a| (a.id.as_str(), term(&a.id, a.label.get(lang)))).collect();
    let label = |terms: &[(&str, Value)], id: &str| -> Value {
        terms.iter().find(|(t, _)| *t == id).map_or_else(|| term(id, id), |(_, v)| v.clone())
    };
    let cases: Vec<Value> = site
        .cases
        .par_iter()
        .map(|case| {
            let revoked = case.is_revoked(fw);
            let status_label = fw.status(&case.status).map_or(case.status.as_str(), |s| s.label.get(lang));
            map([
                ("title", case.title.as_str().into()),
                ("path", case.path.as_str().into()),
                ("site", case.site.as_str().into()),
                ("enterprise", case.enterprise.as_str().into()),
                ("revoked", revoked.into()),
                (
                    "status",
                    map([
                        ("id", case.status.as_str().into()),
                        ("label", status_label.into()),
                        ("revoked", revoked.into()),
                    ]),
                ),
            ])
        })
        .collect();
    let groups: Vec<(&str, &str, Option<&str>, &str)> = match grouping {
        Grouping::Dimension => fw
            .dimensions
            .iter()
            .map(|d| (d.id.as_str(), d.label.get(lang), d.description.as_ref().map(|x| x.get(lang)), "dimension"))
            .collect(),
        Grouping::Action => fw
            .actions
            .iter()
            .map(|a| (a.id.as_str(), a.label.get(lang), a.description.as_ref().map(|x| x.get(lang)), "action"))
            .collect(),
    };
    let views: Vec<(usize, Value)> = groups
        .par_iter()
        .map(|&(id, group_label, description, kind)| {
            let mut items = Vec::new();
            for (case, case_value) in site.cases.iter().zip(&cases) {
                for (n, p) in case.practices.iter().enumerate() {
                    let in_group = match grouping {
                        Grouping::Dimension => p.dimension == id,
                        Grouping::Action if p.actions.is_empty() => case.actions.iter().any(|a| a == id),
                        Grouping::Action => p.actions.iter().any(|a| a == id),
                    };
                    if !in_group {
                        continue;
                    }
                    let practice_actions: Vec<Value> = p.actions.iter().map(|a| label(&actions, a)).collect();
                    items.push(map([
                        ("title", p.title.as_str().into()),
                        ("summary", p.summary.as_str().into()),
                        ("steps", p.steps.len().into()),
                        ("anchor", format!("practice-{}", n + 1).into()),
                        ("dimension", label(&dimensions, &p.dimension)),
                        ("actions", practice_actions.into()),
                        ("case", case_value.clone()),
                    ]));
                }
            }
            let count = items.len();
            let slug = id.replace('_', "-");
            let view = map([
                ("id", id.into()),
                ("label", group_label.into()),
                ("description", description.into()),
                ("anchor", format!("{kind}-{slug}").into()),
                ("path", format!("{kind}/{slug}/").into()),
                ("count", count.into()),
                ("practices", items.into()),
            ]);
            (count, view)
        })
        .collect();
    let total: usize = views.iter().map(|(count, _)| count).sum();
    let groups: Vec<Value> = views.into_iter().map(|(_, view)| view).collect();
    map([
        (
            "grouping",
            match grouping {
                Grouping::Dimension => "dimension",
                Grouping::Action => "action",
            }
            .into(),
        ),
        ("groups", groups.into()),
        ("total", total.into()),
        ("all", site.cases.iter().map(|c| c.practices.len()).sum::<usize>().into()),
    ])
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
    let below: Vec<Value> = site
        .below_threshold()
        .into_iter()
        .map(|(i, ids)| {
            let latest = site.cases[i].latest();
            let indicators: Vec<Value> = ids
                .iter()
                .filter_map(|id| {
                    let ind = fw.indicator(id)?;
                    Some(map([
                        ("id", id.as_str().into()),
                        ("label", ind.label.get(lang).into()),
                        ("value", number(latest.and_then(|a| a.score(id))?)),
                        ("threshold", ind.threshold.map(num_value).into()),
                    ]))
                })
                .collect();
            map([
                ("case", summaries.value(i)),
                ("period", latest.map(|a| a.period.to_string()).into()),
                ("indicators", indicators.into()),
            ])
        })
        .collect();
    let window = site.review_window();
    let due: Vec<Value> = site
        .due_for_review()
        .into_iter()
        .map(|i| {
            map([
                ("case", summaries.value(i)),
                ("last_period", site.cases[i].latest().map(|a| a.period.to_string()).into()),
            ])
        })
        .collect();
    let revoked: Vec<Value> = (0..site.cases.len())
        .filter(|&i| site.is_revoked(i))
        .map(|i| {
            let case = &site.cases[i];
            let date = case.timeline.iter().rev().find(|e| e.stage == case.status).map(|e| e.date.to_string());
            map([("case", summaries.value(i)), ("date", date.into()), ("reason", case.revoked_reason(fw).into())])
        })
        .collect();
    let indicators: Vec<&crate::config::Indicator> = fw.indicators().map(|(_, i)| i).collect();
    let periods: Vec<Value> = site
        .periods()
        .into_iter()
        .rev()
        .map(|period| {
            let assessed: Vec<&Assessment> =
                site.cases.iter().filter_map(|c| c.assessments.iter().find(|a| a.period == period)).collect();
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
                        ("average", mean.map(number).into()),
                        ("below", mean.zip(ind.threshold).is_some_and(|(m, t)| m < t).into()),
                    ])
                })
                .collect();
            let mean = (!averages.is_empty()).then(|| averages.iter().sum::<f64>() / averages.len() as f64);
            map([
                ("period", period.to_string().into()),
                ("assessed", assessed.len().into()),
                ("below", below.into()),
                ("average", mean.map(number).into()),
                ("indicators", by_indicator.into()),
            ])
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
        ("below", below.into()),
        ("due", due.into()),
        ("revoked", revoked.into()),
        ("periods", periods.into()),
        ("indicators", indicator_views.into()),
    ])
}
