//! Views of the portal's analytical pages: the charts and related cases of a case page, the
//! portfolio on the home page, indicator rankings, the practice library and the reports for
//! dynamic management. Texts come from the theme's strings; numbers and charts are computed here.

use serde_json::{Value as Json, json};

use super::charts::{self, Point};
use super::views::num;
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
/// `index` (its `related` summaries are added by the renderer).
pub fn case_extras(site: &Site, index: usize, strings: &Json) -> Json {
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
    let trend: Vec<Json> = if case.assessments.len() >= 2 {
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
                Some(json!({
                    "id": i.id, "label": label,
                    "svg": charts::sparkline(&values, i.min, i.max, i.threshold, &aria),
                    "first": { "period": first.0, "value": charts::number(first.1) },
                    "last": { "period": last.0, "value": charts::number(last.1) },
                    "delta": num((delta * 10.0).round() / 10.0),
                    "delta_display": if delta > 0.0 { format!("+{}", charts::number(delta)) } else { charts::number(delta) },
                    "below": i.threshold.is_some_and(|t| last.1 < t),
                }))
            })
            .collect()
    } else {
        Vec::new()
    };
    json!({ "radar": radar, "trend": trend })
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
        let mut row = tera::Map::with_capacity(6);
        row.insert("rank".into(), rank.into());
        row.insert("case".into(), summaries.value(i));
        row.insert("score".into(), super::views::tera(&num(score)));
        row.insert("display".into(), charts::number(score).into());
        row.insert("period".into(), latest.period.to_string().into());
        row.insert("below".into(), threshold.is_some_and(|t| score < t).into());
        rows.push(tera::Value::from(row));
    }
    let mut view = tera::Map::with_capacity(2);
    view.insert("rows".into(), tera::Value::from(rows));
    view.insert("threshold".into(), super::views::tera(&json!(threshold.map(num))));
    tera::Value::from(view)
}

/// How the practice library groups practices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Dimension,
    Action,
}

/// Every practice of every case, grouped by dimension or by action (framework order). A practice
/// that names no action of its own is filed under its case's actions.
pub fn practices(site: &Site, grouping: Grouping) -> Json {
    let lang = site.language();
    let fw = &site.config.framework;
    let groups: Vec<(String, String, Option<String>, &str)> = match grouping {
        Grouping::Dimension => fw
            .dimensions
            .iter()
            .map(|d| {
                (
                    d.id.clone(),
                    d.label.get(lang).to_owned(),
                    d.description.as_ref().map(|x| x.get(lang).to_owned()),
                    "dimension",
                )
            })
            .collect(),
        Grouping::Action => fw
            .actions
            .iter()
            .map(|a| {
                (
                    a.id.clone(),
                    a.label.get(lang).to_owned(),
                    a.description.as_ref().map(|x| x.get(lang).to_owned()),
                    "action",
                )
            })
            .collect(),
    };
    let label = |kind: &str, id: &str| -> Json {
        let l = match kind {
            "dimension" => fw.dimensions.iter().find(|d| d.id == id).map(|d| d.label.get(lang)),
            _ => fw.actions.iter().find(|a| a.id == id).map(|a| a.label.get(lang)),
        };
        json!({ "id": id, "label": l.unwrap_or(id) })
    };
    let mut total = 0;
    let views: Vec<Json> = groups
        .into_iter()
        .map(|(id, group_label, description, kind)| {
            let mut items = Vec::new();
            for case in &site.cases {
                for (n, p) in case.practices.iter().enumerate() {
                    let in_group = match grouping {
                        Grouping::Dimension => p.dimension == id,
                        Grouping::Action if p.actions.is_empty() => case.actions.contains(&id),
                        Grouping::Action => p.actions.contains(&id),
                    };
                    if !in_group {
                        continue;
                    }
                    items.push(json!({
                        "title": p.title,
                        "summary": p.summary,
                        "steps": p.steps.len(),
                        "anchor": format!("practice-{}", n + 1),
                        "dimension": label("dimension", &p.dimension),
                        "actions": p.actions.iter().map(|a| label("action", a)).collect::<Vec<_>>(),
                        "case": {
                            "title": case.title, "path": case.path, "site": case.site, "enterprise": case.enterprise,
                            "revoked": case.is_revoked(fw),
                            "status": { "id": case.status, "label": fw.status(&case.status).map_or(case.status.as_str(), |s| s.label.get(lang)), "revoked": case.is_revoked(fw) },
                        },
                    }));
                }
            }
            total += items.len();
            json!({
                "id": id, "label": group_label, "description": description, "anchor": format!("{kind}-{}", id.replace('_', "-")),
                "path": format!("{kind}/{}/", id.replace('_', "-")), "count": items.len(), "practices": items,
            })
        })
        .collect();
    json!({
        "grouping": match grouping { Grouping::Dimension => "dimension", Grouping::Action => "action" },
        "groups": views,
        "total": total,
        "all": site.cases.iter().map(|c| c.practices.len()).sum::<usize>(),
    })
}

fn month_label(month: u32) -> String {
    format!("{:04}-{:02}", month / 12, month % 12 + 1)
}

/// The reports of dynamic management.
pub fn reports(site: &Site, summaries: &super::Summaries) -> Json {
    let lang = site.language();
    let fw = &site.config.framework;
    let summary = |i: usize| summaries.json(i).cloned().unwrap_or(Json::Null);
    let below: Vec<Json> = site
        .below_threshold()
        .into_iter()
        .map(|(i, ids)| {
            let latest = site.cases[i].latest();
            let indicators: Vec<Json> = ids
                .iter()
                .filter_map(|id| {
                    let ind = fw.indicator(id)?;
                    Some(json!({
                        "id": id, "label": ind.label.get(lang),
                        "value": charts::number(latest.and_then(|a| a.score(id))?),
                        "threshold": ind.threshold.map(num),
                    }))
                })
                .collect();
            json!({ "case": summary(i), "period": latest.map(|a| a.period.to_string()), "indicators": indicators })
        })
        .collect();
    let window = site.review_window();
    let due: Vec<Json> = site
        .due_for_review()
        .into_iter()
        .map(|i| json!({ "case": summary(i), "last_period": site.cases[i].latest().map(|a| a.period.to_string()) }))
        .collect();
    let revoked: Vec<Json> = (0..site.cases.len())
        .filter(|&i| site.is_revoked(i))
        .map(|i| {
            let case = &site.cases[i];
            let date = case.timeline.iter().rev().find(|e| e.stage == case.status).map(|e| e.date);
            json!({ "case": summary(i), "date": date, "reason": case.revoked_reason(fw) })
        })
        .collect();
    let indicators: Vec<&crate::config::Indicator> = fw.indicators().map(|(_, i)| i).collect();
    let periods: Vec<Json> = site
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
            let by_indicator: Vec<Json> = indicators
                .iter()
                .map(|ind| {
                    let scores: Vec<f64> = assessed.iter().filter_map(|a| a.score(&ind.id)).collect();
                    let mean = (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64);
                    json!({
                        "id": ind.id,
                        "average": mean.map(charts::number),
                        "below": mean.zip(ind.threshold).is_some_and(|(m, t)| m < t),
                    })
                })
                .collect();
            let mean = (!averages.is_empty()).then(|| averages.iter().sum::<f64>() / averages.len() as f64);
            json!({
                "period": period, "assessed": assessed.len(), "below": below,
                "average": mean.map(charts::number), "indicators": by_indicator,
            })
        })
        .collect();
    json!({
        "window": window.map(|w| json!({
            "latest": w.latest, "start": month_label(w.months.start), "end": month_label(w.months.end.saturating_sub(1)),
        })),
        "below": below,
        "due": due,
        "revoked": revoked,
        "periods": periods,
        "indicators": indicators.iter().map(|i| json!({ "id": i.id, "label": i.label.get(lang), "threshold": i.threshold.map(num) })).collect::<Vec<_>>(),
    })
}
