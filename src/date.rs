//! Calendar dates (`2024-03-01`) and assessment periods (`2024`, `2024-H1`, `2024-Q1`, `2024-03`).
//! Only what cases need: parsing with validation, ordering and display.

use std::fmt;

use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD`, checking that the day exists (leap years included).
    pub fn parse(text: &str) -> Option<Date> {
        let text = text.trim();
        let mut parts = text.splitn(3, '-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !(all_digits(y) && all_digits(m) && all_digits(d)) {
            return None;
        }
        let date = Date { year: y.parse().ok()?, month: m.parse().ok()?, day: d.parse().ok()? };
        (date.year >= 1
            && (1..=12).contains(&date.month)
            && date.day >= 1
            && date.day <= days_in_month(date.year, date.month))
        .then_some(date)
    }

    /// The date an editor meant by a date written another way (`2024年3月1日`, `2024/3/1`,
    /// `2024.03.01`, full-width digits): a suggestion for an invalid date, never accepted as one.
    pub fn guess(text: &str) -> Option<Date> {
        let text = fold_digits(text);
        let text = text.trim().trim_end_matches('日');
        let parts: Vec<&str> = text.split(['年', '月', '/', '.', '-', ' ']).filter(|p| !p.is_empty()).collect();
        let [y, m, d] = parts[..] else { return None };
        if y.len() != 4 || m.len() > 2 || d.len() > 2 {
            return None;
        }
        Date::parse(&format!("{y}-{m:0>2}-{d:0>2}"))
    }

    /// Today's date (UTC), from the system clock.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        Date::from_days_since_epoch((secs / 86_400) as i64)
    }

    /// The civil date `days` after 1970-01-01 (Howard Hinnant's algorithm).
    pub fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
        Date { year, month, day }
    }

    /// RFC 3339 timestamp at midnight UTC, for feeds and sitemaps.
    pub fn rfc3339(&self) -> String {
        format!("{self}T00:00:00Z")
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Full-width digits (０–９), as a Chinese input method types them, as ASCII ones.
pub fn fold_digits(text: &str) -> String {
    text.chars()
        .map(|c| if ('０'..='９').contains(&c) { char::from(b'0' + (c as u32 - '０' as u32) as u8) } else { c })
        .collect()
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// An assessment period: a year, a half, a quarter or a month.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Period {
    text: String,
    /// (year, first month, months covered): orders periods by when they start.
    key: (u16, u8, u8),
}

impl Period {
    pub fn parse(text: &str) -> Option<Period> {
        let text = text.trim();
        let (year, rest) = match text.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (text, None),
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year: u16 = year.parse().ok()?;
        let key = match rest {
            None => (year, 1, 12),
            Some(r) => {
                let upper = r.to_ascii_uppercase();
                let number = |s: &str| s.parse::<u8>().ok();
                if let Some(q) = upper.strip_prefix('Q') {
                    let q = number(q).filter(|q| (1..=4).contains(q))?;
                    (year, (q - 1) * 3 + 1, 3)
                } else if let Some(h) = upper.strip_prefix('H') {
                    let h = number(h).filter(|h| (1..=2).contains(h))?;
                    (year, (h - 1) * 6 + 1, 6)
                } else if r.len() == 2 {
                    let m = number(r).filter(|m| (1..=12).contains(m))?;
                    (year, m, 1)
                } else {
                    return None;
                }
            }
        };
        let text = match rest {
            Some(r) => format!("{year:04}-{}", r.to_ascii_uppercase()),
            None => format!("{year:04}"),
        };
        Some(Period { text, key })
    }

    /// The period an editor meant by one written in words or another way (`2024年第二季度`,
    /// `2024年上半年`, `2024年3月`, `2024Q2`, full-width digits): a suggestion for an invalid
    /// period, never accepted as one.
    pub fn guess(text: &str) -> Option<Period> {
        let text = fold_digits(text);
        let text = text.trim();
        let year = text.get(..4).filter(|y| y.bytes().all(|b| b.is_ascii_digit()))?;
        let rest = text[4..].trim_start_matches(['年', '度', ' ', '-', '/', '.', '第']);
        let rest = rest.trim_end_matches(['份', ' ']);
        let quarter = ["一", "二", "三", "四"].iter().position(|q| rest.starts_with(q)).map(|q| q + 1);
        let rest_upper = rest.to_ascii_uppercase();
        let suffix = if rest.is_empty() {
            String::new()
        } else if rest == "上半年" || rest_upper == "H1" {
            "-H1".to_owned()
        } else if rest == "下半年" || rest_upper == "H2" {
            "-H2".to_owned()
        } else if let Some(q) = quarter.filter(|_| rest.ends_with("季度")) {
            format!("-Q{q}")
        } else if let Some(q) = rest_upper.strip_prefix('Q').or_else(|| rest.strip_suffix("季度")) {
            format!("-Q{q}")
        } else {
            let month = rest.strip_suffix('月').unwrap_or(rest);
            (month.len() <= 2 && month.bytes().all(|b| b.is_ascii_digit())).then(|| format!("-{month:0>2}"))?
        };
        Period::parse(&format!("{year}{suffix}"))
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn year(&self) -> u16 {
        self.key.0
    }

    /// The months the period covers as a half-open range of month numbers counted from year 0
    /// (`2024-Q2` → April to June 2024), to compare periods of different lengths.
    pub fn months(&self) -> std::ops::Range<u32> {
        let start = u32::from(self.key.0) * 12 + u32::from(self.key.1) - 1;
        start..start + u32::from(self.key.2)
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Period {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key).then_with(|| self.text.cmp(&other.text))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_periods_written_another_way_are_guessed() {
        let date = |s: &str| Date::guess(s).map(|d| d.to_string());
        assert_eq!(date("2024年3月1日").as_deref(), Some("2024-03-01"));
        assert_eq!(date("２０２４年１２月３１日").as_deref(), Some("2024-12-31"));
        assert_eq!(date("2024/3/1").as_deref(), Some("2024-03-01"));
        assert_eq!(date("2024.03.01").as_deref(), Some("2024-03-01"));
        assert_eq!(date("2024-9-2").as_deref(), Some("2024-09-02"));
        assert_eq!(date("2024-9-31"), None);
        assert_eq!(date("2024年3月"), None);
        assert_eq!(date("24/3/1"), None);
        let period = |s: &str| Period::guess(s).map(|p| p.to_string());
        assert_eq!(period("2024年第二季度").as_deref(), Some("2024-Q2"));
        assert_eq!(period("2024年四季度").as_deref(), Some("2024-Q4"));
        assert_eq!(period("2024年第3季度").as_deref(), Some("2024-Q3"));
        assert_eq!(period("2024q1").as_deref(), Some("2024-Q1"));
        assert_eq!(period("2024年上半年").as_deref(), Some("2024-H1"));
        assert_eq!(period("2024 H2").as_deref(), Some("2024-H2"));
        assert_eq!(period("2024年3月").as_deref(), Some("2024-03"));
        assert_eq!(period("2024年12月份").as_deref(), Some("2024-12"));
        assert_eq!(period("２０２４年度").as_deref(), Some("2024"));
        assert_eq!(period("2024年第五季度"), None);
        assert_eq!(period("2024年13月"), None);
        assert_eq!(period("明年"), None);
    }

    #[test]
    fn dates_are_checked() {
        assert_eq!(Date::parse("2024-02-29").map(|d| d.to_string()).as_deref(), Some("2024-02-29"));
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2024-13-01").is_none());
        assert!(Date::parse("2024-1-01").is_none());
        assert!(Date::parse("2024/01/01").is_none());
        assert!(Date::parse("二〇二四-01-01").is_none());
        assert!(Date::parse("2024-03-01").unwrap() < Date::parse("2024-03-02").unwrap());
    }

    #[test]
    fn days_since_epoch() {
        assert_eq!(Date::from_days_since_epoch(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days_since_epoch(19_782).to_string(), "2024-02-29");
        assert!(Date::today().year >= 2024);
    }

    #[test]
    fn periods_order_by_start() {
        let p = |s| Period::parse(s).unwrap();
        assert!(p("2024-Q1") < p("2024-Q2"));
        assert!(p("2024-H1") < p("2024-Q3"));
        assert!(p("2023") < p("2024-01"));
        assert_eq!(p("2024-q3").as_str(), "2024-Q3");
        assert!(Period::parse("2024-Q5").is_none());
        assert!(Period::parse("24-Q1").is_none());
        assert!(Period::parse("2024-13").is_none());
    }
}
