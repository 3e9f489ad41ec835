//! Checks one case's front matter against the site's framework: known ids, scores within the
//! scale, a lifecycle in order, a reason for a revoked title. Checks that need every case at once
//! (duplicate slugs, links between cases) belong to the site model.

use super::{FrontMatter, IdKind, SourceFile, Spanned};
use crate::config::{Framework, Label};
use crate::diagnostics::{Diagnostic, Location, closest};

pub fn validate(file: &SourceFile, front: &FrontMatter, framework: &Framework) -> Vec<Diagnostic> {
    let mut check = Checker { file, diagnostics: Vec::new() };
    let statuses: Vec<_> = framework.statuses.iter().map(|s| (s.id.as_str(), &s.label)).collect();
    let actions: Vec<_> = framework.actions.iter().map(|a| (a.id.as_str(), &a.label)).collect();
    let dimensions: Vec<_> = framework.dimensions.iter().map(|d| (d.id.as_str(), &d.label)).collect();
    let indicators: Vec<_> = framework.indicators().map(|(_, i)| (i.id.as_str(), &i.label)).collect();

    if let Some(status) = &front.status {
        check.known("unknown_status", status, &statuses);
    }
    for action in &front.actions {
        check.known("unknown_action", action, &actions);
    }
    // Each kind of id: the code of an unknown one, and the framework's ids with their labels.
    let kind = |kind: IdKind| match kind {
        IdKind::Action => ("unknown_action", &actions),
        IdKind::Indicator => ("unknown_indicator", &indicators),
        IdKind::Dimension => ("unknown_dimension", &dimensions),
        IdKind::Stage => ("unknown_stage", &statuses),
    };
    for slip in &front.left_out.id_lists {
        // The ids the items stand for: an editor who typed the labels (`[铸魂，赋能]`) is shown
        // `[soul, empower]`, which passes, not the labels, which would be unknown ids.
        let (_, known) = kind(slip.kind);
        let meant: Vec<String> = slip.items.iter().map(|item| id_meant(item, known)).collect();
        let diagnostic = Diagnostic::error("id_list_slip");
        let diagnostic =
            super::slips::list_slip_diagnostic(diagnostic, &slip.field, &slip.value.value, slip.mark, &meant);
        check.push(diagnostic, slip.value.loc);
    }

    let mut previous: Option<&Spanned<crate::date::Date>> = None;
    for event in &front.timeline {
        check.known("unknown_stage", &event.stage, &statuses);
        if let Some(prev) = previous
            && event.date.value < prev.value
        {
            let diagnostic = Diagnostic::error("timeline_order")
                .arg("date", event.date.value.to_string())
                .arg("previous", prev.value.to_string());
            check.push(diagnostic, event.date.loc);
        }
        previous = Some(&event.date);
    }

    if let (Some(status), Some(last)) = (&front.status, front.timeline.last())
        && last.stage.value != status.value
        && framework.status(&status.value).is_some()
    {
        let diagnostic = Diagnostic::warning("status_mismatch")
            .arg("status", status.value.clone())
            .arg("stage", last.stage.value.clone());
        check.push(diagnostic, status.loc);
    }

    if let Some(status) = &front.status
        && framework.status(&status.value).is_some_and(|s| s.revoked)
    {
        let reason_given = front
            .timeline
            .iter()
            .any(|e| e.stage.value == status.value && e.note.as_deref().is_some_and(|n| !n.trim().is_empty()));
        if !reason_given {
            check.push(Diagnostic::error("revoked_without_reason").arg("status", status.value.clone()), status.loc);
        }
    }

    if let (Some(date), Some(updated)) = (&front.date, &front.updated)
        && updated.value < date.value
    {
        let diagnostic = Diagnostic::error("updated_before_date")
            .arg("updated", updated.value.to_string())
            .arg("date", date.value.to_string());
        check.push(diagnostic, updated.loc);
    }

    if let Some(slug) = &front.slug
        && !crate::slug::is_valid_slug(&slug.value)
    {
        let diagnostic = Diagnostic::error("invalid_slug").arg("value", slug.value.clone());
        check.push(diagnostic.suggest(Some(crate::slug::slugify(&slug.value))), slug.loc);
    }

    for (n, assessment) in front.assessments.iter().enumerate() {
        let period = &assessment.period;
        let earlier = &front.assessments[..n];
        // A period written twice is its own mistake (the scores of one period go in one entry),
        // told apart from an entry out of order, and told once, at its second entry.
        if let Some(first) = earlier.iter().find(|a| a.period.value == period.value) {
            let diagnostic = Diagnostic::error("duplicate_period")
                .arg("period", period.value.to_string())
                .arg("first_line", first.period.loc.line.to_string());
            check.push(diagnostic, period.loc);
        } else if let Some(previous) = earlier.last()
            && period.value < previous.period.value
        {
            let diagnostic = Diagnostic::error("period_order")
                .arg("period", period.value.to_string())
                .arg("previous", previous.period.value.to_string());
            check.push(diagnostic, period.loc);
        }
        for (id, score) in &assessment.scores {
            check.score(id, score, framework, &indicators);
        }
    }
    // Left out for another mistake in their item (a wrong period, date or missing title), and
    // checked all the same.
    for (id, score) in &front.left_out.scores {
        check.score(id, score, framework, &indicators);
    }
    for (id_kind, id) in &front.left_out.ids {
        let (code, known) = kind(*id_kind);
        check.known(code, id, known);
    }

    for practice in &front.practices {
        if let Some(dimension) = &practice.dimension {
            check.known("unknown_dimension", dimension, &dimensions);
        }
        for indicator in &practice.indicators {
            check.known("unknown_indicator", indicator, &indicators);
        }
        for action in &practice.actions {
            check.known("unknown_action", action, &actions);
        }
    }
    check.diagnostics
}

/// The id `item` stands for: itself if it is one of `known`, else the id whose label it is, or
/// the closest (see [`closest`]), else the item as written.
fn id_meant(item: &str, known: &[(&str, &Label)]) -> String {
    if known.iter().any(|(id, _)| *id == item) {
        return item.to_owned();
    }
    closest(item, known.iter().map(|(id, label)| (*id, label.all()))).unwrap_or_else(|| item.to_owned())
}

/// `92` rather than `92.0`, `92.5` as written.
pub fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 { format!("{}", value as i64) } else { value.to_string() }
}

struct Checker<'a> {
    file: &'a SourceFile,
    diagnostics: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn push(&mut self, diagnostic: Diagnostic, loc: Location) {
        self.diagnostics.push(diagnostic.file(&self.file.rel_path).at(&self.file.text, loc));
    }

    /// Reports a score of an unknown indicator, or outside its indicator's scale.
    fn score(&mut self, id: &Spanned<String>, score: &Spanned<f64>, framework: &Framework, known: &[(&str, &Label)]) {
        if !self.known("unknown_indicator", id, known) {
            return;
        }
        if let Some(indicator) = framework.indicator(&id.value)
            && (score.value < indicator.min || score.value > indicator.max)
        {
            let diagnostic = Diagnostic::error("score_out_of_range")
                .arg("indicator", id.value.clone())
                .arg("value", format_number(score.value))
                .arg("min", format_number(indicator.min))
                .arg("max", format_number(indicator.max));
            self.push(diagnostic, score.loc);
        }
    }

    /// Reports `value` unless it is one of `known`'s ids; returns whether it is known.
    fn known(&mut self, code: &'static str, value: &Spanned<String>, known: &[(&str, &Label)]) -> bool {
        if known.iter().any(|(id, _)| *id == value.value) {
            return true;
        }
        let allowed: Vec<&str> = known.iter().map(|(id, _)| *id).collect();
        let suggestion = closest(&value.value, known.iter().map(|(id, label)| (*id, label.all())));
        let diagnostic = Diagnostic::error(code)
            .arg("value", value.value.clone())
            .arg("allowed", allowed.join(", "))
            .suggest(suggestion);
        self.push(diagnostic, value.loc);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{front_matter, load::decode};

    fn check(extra: &str) -> Vec<Diagnostic> {
        let text =
            format!("---\ntitle: 标题\nsite: 示范点\nenterprise: 华南建工\ndate: 2024-03-01\n{extra}---\n正文\n");
        let file = decode("content/a.md", text.into_bytes()).unwrap();
        let (front, mut diagnostics) = front_matter::parse(&file);
        let config = crate::config::parse(crate::embedded::SAMPLE_CONFIG).unwrap();
        diagnostics.extend(validate(&file, &front, &config.framework));
        crate::diagnostics::sort(&mut diagnostics);
        diagnostics
    }

    fn codes(diagnostics: &[Diagnostic]) -> Vec<&str> {
        diagnostics.iter().map(|d| d.code).collect()
    }

    #[test]
    fn a_good_case_passes() {
        let diagnostics = check(
            "status: named\ntimeline:\n  - { date: 2023-01-01, stage: planned }\n  - { date: 2024-01-01, stage: named }\nassessments:\n  - period: 2024-Q1\n    scores: { innovation: 90 }\n  - period: 2024-Q2\n    scores: { innovation: 91 }\n",
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
    }

    #[test]
    fn unknown_status_suggests_the_closest_id() {
        let diagnostics = check("status: nmed\n");
        assert_eq!(codes(&diagnostics), ["unknown_status"]);
        let d = &diagnostics[0];
        assert_eq!(d.location, Some(Location::new(6, 9, 4)));
        assert_eq!(d.suggestion.as_deref(), Some("named"));
        assert_eq!(d.source_line.as_deref(), Some("status: nmed"));
        assert_eq!(d.arg_value("allowed"), Some("planned, building, accepted, named, revoked"));
    }

    #[test]
    fn a_chinese_label_suggests_its_id() {
        let diagnostics = check("status: 已命名\n");
        assert_eq!(diagnostics[0].suggestion.as_deref(), Some("named"));
    }

    #[test]
    fn scores_outside_the_scale() {
        let diagnostics = check("status: named\nassessments:\n  - period: 2024-Q1\n    scores: { innovation: 120 }\n");
        assert_eq!(codes(&diagnostics), ["score_out_of_range"]);
        assert_eq!(diagnostics[0].location, Some(Location::new(9, 27, 3)));
    }

    #[test]
    fn lifecycle_order_and_revocation() {
        let diagnostics = check(
            "status: revoked\ntimeline:\n  - { date: 2024-01-01, stage: named }\n  - { date: 2023-01-01, stage: revoked }\n",
        );
        assert_eq!(codes(&diagnostics), ["revoked_without_reason", "timeline_order"]);
        assert_eq!(diagnostics[1].location.map(|l| l.line), Some(9));
    }

    /// A list of ids made one item is shown as the ids meant, labels and typos put right, so that
    /// the suggestion passes.
    #[test]
    fn a_list_of_labels_made_one_item_suggests_the_ids() {
        let diagnostics = check(
            "status: named\nactions: [铸魂，赋能]\npractices:\n  - title: 做法\n    dimension: team\n    indicators: 创新、凝聚保障示范力强、xyz\n    actions: 【soul, empowr】\n",
        );
        let found: Vec<_> = diagnostics.iter().map(|d| (d.code, d.suggestion.as_deref(), d.arg_value("fix"))).collect();
        assert_eq!(
            found,
            [
                ("id_list_slip", Some("[soul, empower]"), Some("[soul, empower]")),
                ("id_list_slip", Some("[innovation, cohesion, xyz]"), Some("[innovation, cohesion, xyz]")),
                ("id_list_slip", Some("[soul, empower]"), Some("[soul, empower]")),
            ]
        );
        assert_eq!(diagnostics[0].location, Some(Location::new(7, 11, 5)));
        let fixed = check(
            "status: named\nactions: [soul, empower]\npractices:\n  - title: 做法\n    dimension: team\n    indicators: [innovation, cohesion]\n",
        );
        assert!(fixed.is_empty(), "{fixed:?}");
    }

    /// A repeated period is told as that, at each repetition, not as out of order; an entry out of
    /// order is told against the one before it.
    #[test]
    fn repeated_periods_and_periods_out_of_order() {
        let periods = |list: &[&str]| {
            let entries: String = list.iter().map(|p| format!("  - {{ period: {p}, scores: {{}} }}\n")).collect();
            let diagnostics = check(&format!("status: named\nassessments:\n{entries}"));
            diagnostics.iter().map(|d| (d.code, d.location.unwrap().line, d.args.clone())).collect::<Vec<_>>()
        };
        let arg = |name: &'static str, value: &str| (name, value.to_owned());
        assert_eq!(
            periods(&["2024-Q1", "2024-Q2", "2024-Q1", "2024-Q1"]),
            [
                ("duplicate_period", 10, vec![arg("period", "2024-Q1"), arg("first_line", "8")]),
                ("duplicate_period", 11, vec![arg("period", "2024-Q1"), arg("first_line", "8")]),
            ]
        );
        assert_eq!(
            periods(&["2024-Q2", "2024-Q1", "2024-Q3"]),
            [("period_order", 9, vec![arg("period", "2024-Q1"), arg("previous", "2024-Q2")])]
        );
    }

    #[test]
    fn unknown_ids_in_practices_and_periods_out_of_order() {
        let diagnostics = check(
            "status: named\nactions: [soul, empowr]\nassessments:\n  - { period: 2024-Q2, scores: { innovaton: 1 } }\n  - { period: 2024-Q1, scores: {} }\npractices:\n  - { title: 做法, dimension: teem, indicators: [cohesion] }\n",
        );
        assert_eq!(codes(&diagnostics), ["unknown_action", "unknown_indicator", "period_order", "unknown_dimension"]);
        let suggestions: Vec<_> = diagnostics.iter().map(|d| d.suggestion.as_deref()).collect();
        assert_eq!(suggestions, [Some("empower"), Some("innovation"), None, Some("team")]);
    }
}
