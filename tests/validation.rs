//! End-to-end validation: every rule of `exemplar check`, run through the real binary.
//!
//! Each file `tests/fixtures/invalid/<code>.md` is a complete Chinese case with exactly one
//! mistake, the one that the diagnostic `<code>` reports. A test copies the repository's
//! `exemplar.yaml` and the fixture (as `content/<code>.md`) into a temporary site, runs
//! `exemplar check --format json --lang en` and checks the one diagnostic it must produce:
//! code, file, exact line and column, message, suggestion and the offending source line.
//! The two encoding fixtures are bytes that are not UTF-8, so they are written from this file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// A case with no mistake; the fixtures are this case with one thing wrong. Other tests use it
/// as a second case to link to or to collide with.
const VALID: &str = r#"---
title: 班组安全积分制推动隐患排查常态化
site: 第一项目部安全生产党建示范点
enterprise: 华南建工集团
unit: 第一项目部党支部
region: 广东省广州市
status: named
date: 2024-03-01
updated: 2024-06-01
summary: 项目部党支部以安全积分制带动全员排查隐患。
featured: false
draft: false
timeline:
  - { date: 2023-03-01, stage: planned, note: 制定创建方案 }
  - { date: 2023-06-15, stage: building }
  - { date: 2024-01-10, stage: named }
assessments:
  - period: 2024-Q1
    scores: { political_leadership: 92, development: 88, innovation: 85, cohesion: 90, central_work: 95, public_rating: 93 }
  - period: 2024-Q2
    scores: { political_leadership: 93, development: 89, innovation: 86, cohesion: 91, central_work: 96, public_rating: 94 }
actions: [soul, empower]
tags: [安全生产, 创新工作室]
practices:
  - title: 隐患排查积分制
    dimension: team
    indicators: [innovation, central_work]
    actions: [empower]
    summary: 党员带头排查隐患，按积分兑现奖励。
    steps: [制定积分细则, 每周公布积分, 季度兑现奖励]
---
项目部党支部把安全生产作为党建工作的落脚点。

## 主要做法

党员先锋岗每天巡查施工现场，发现隐患立即登记整改。
"#;

/// A short valid case saved as GB18030 (what Notepad on Chinese Windows writes); the first
/// non-ASCII byte is on line 2, column 8.
const GB18030_CASE: &[u8] = b"---\n\
title: \xb0\xe0\xd7\xe9\xb0\xb2\xc8\xab\xbb\xfd\xb7\xd6\xd6\xc6\xcd\xc6\xb6\xaf\xd2\xfe\xbb\xbc\xc5\xc5\xb2\xe9\xb3\xa3\xcc\xac\xbb\xaf\n\
site: \xb5\xda\xd2\xbb\xcf\xee\xc4\xbf\xb2\xbf\xb0\xb2\xc8\xab\xc9\xfa\xb2\xfa\xb5\xb3\xbd\xa8\xca\xbe\xb7\xb6\xb5\xe3\n\
enterprise: \xbb\xaa\xc4\xcf\xbd\xa8\xb9\xa4\xbc\xaf\xcd\xc5\n\
status: named\n\
date: 2024-03-01\n\
---\n\
\xcf\xee\xc4\xbf\xb2\xbf\xb5\xb3\xd6\xa7\xb2\xbf\xb0\xd1\xb0\xb2\xc8\xab\xc9\xfa\xb2\xfa\xd7\xf7\xce\xaa\xb5\xb3\xbd\xa8\xb9\xa4\xd7\xf7\xb5\xc4\xc2\xe4\xbd\xc5\xb5\xe3\xa1\xa3\n";

/// The same text in UTF-8, to check the bytes above.
const GB18030_TEXT: &str = "---\ntitle: 班组安全积分制推动隐患排查常态化\nsite: 第一项目部安全生产党建示范点\nenterprise: 华南建工集团\nstatus: named\ndate: 2024-03-01\n---\n项目部党支部把安全生产作为党建工作的落脚点。\n";

fn manifest_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A temporary site: the repository's configuration plus case files under `content/`.
struct Site {
    dir: tempfile::TempDir,
    /// The case under test, `content/<name>.md`; its name is the expected diagnostic code.
    name: String,
}

impl Site {
    fn with_case(name: &str, bytes: impl AsRef<[u8]>) -> Site {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::copy(manifest_path("exemplar.yaml"), dir.path().join("exemplar.yaml")).expect("copy exemplar.yaml");
        std::fs::create_dir(dir.path().join("content")).expect("create content/");
        let site = Site { dir, name: name.to_owned() };
        site.add(&format!("{name}.md"), bytes)
    }

    /// A site whose case is the fixture `tests/fixtures/invalid/<code>.md`.
    fn fixture(code: &str) -> Site {
        let path = manifest_path(&format!("tests/fixtures/invalid/{code}.md"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Site::with_case(code, bytes)
    }

    /// Adds another file under `content/`.
    fn add(self, rel: &str, bytes: impl AsRef<[u8]>) -> Site {
        let path = self.dir.path().join("content").join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).expect("write case file");
        self
    }

    fn file(&self) -> String {
        format!("content/{}.md", self.name)
    }

    /// Runs `exemplar check SITE ARGS…`.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_exemplar"))
            .arg("check")
            .arg(self.dir.path())
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .expect("run exemplar")
    }

    /// Runs `check --format json` with extra arguments; returns the exit code and the report.
    fn json_with(&self, args: &[&str]) -> (i32, Value) {
        let output = self.run(&[&["--format", "json"], args].concat());
        let stdout = String::from_utf8_lossy(&output.stdout);
        let report = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr)));
        (output.status.code().expect("exit code"), report)
    }

    fn json(&self) -> (i32, Value) {
        self.json_with(&["--lang", "en"])
    }

    /// Checks that the run reports exactly one diagnostic, the one `expect` describes, in this
    /// site's case file, with the exit code its severity implies.
    fn expect(&self, expect: Expect) {
        let (code, report) = self.json();
        let diagnostics = report["diagnostics"].as_array().unwrap();
        assert_eq!(diagnostics.len(), 1, "one diagnostic expected: {report:#}");
        let d = &diagnostics[0];
        assert_diagnostic(d, &self.name, &self.file(), &expect);
        let (exit, errors, warnings) = match expect.severity {
            "error" => (1, 1, 0),
            _ => (0, 0, 1),
        };
        assert_eq!(code, exit, "exit code: {report:#}");
        assert_eq!(report["errors"], errors);
        assert_eq!(report["warnings"], warnings);
    }
}

/// What a diagnostic must say. `at` and `source_line` are `None` for a file with no lines.
struct Expect {
    severity: &'static str,
    at: Option<(u64, u64)>,
    source_line: Option<&'static str>,
    message: &'static str,
    suggestion: Option<&'static str>,
}

/// An error at `line:column`, on the source line `source`, whose message contains `message`.
fn error(line: u64, column: u64, source: &'static str, message: &'static str) -> Expect {
    Expect { severity: "error", at: Some((line, column)), source_line: Some(source), message, suggestion: None }
}

impl Expect {
    fn warning(self) -> Self {
        Expect { severity: "warning", ..self }
    }

    fn suggest(self, suggestion: &'static str) -> Self {
        Expect { suggestion: Some(suggestion), ..self }
    }
}

fn assert_diagnostic(d: &Value, code: &str, file: &str, expect: &Expect) {
    assert_eq!(d["code"], code, "{d:#}");
    assert_eq!(d["severity"], expect.severity, "{d:#}");
    assert_eq!(d["file"], file, "{d:#}");
    let (line, column) = match expect.at {
        Some((line, column)) => (Value::from(line), Value::from(column)),
        None => (Value::Null, Value::Null),
    };
    assert_eq!((&d["line"], &d["column"]), (&line, &column), "{d:#}");
    let message = d["message"].as_str().unwrap();
    assert!(message.contains(expect.message), "message {message:?} should contain {:?}", expect.message);
    assert_eq!(d["suggestion"].as_str(), expect.suggestion, "{d:#}");
    assert_eq!(d["source_line"].as_str(), expect.source_line, "{d:#}");
    // The rendered text names the place as path:line:column.
    let position = match expect.at {
        Some((line, column)) => format!("{file}:{line}:{column}"),
        None => file.to_owned(),
    };
    let text = d["text"].as_str().unwrap();
    assert!(text.contains(&position), "{text}");
}

fn fixture(code: &str, expect: Expect) {
    Site::fixture(code).expect(expect);
}

// The premise: the fixtures' base case has no mistake.

#[test]
fn the_valid_case_passes() {
    let (code, report) = Site::with_case("valid", VALID).json();
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["diagnostics"], serde_json::json!([]));
    assert_eq!((&report["errors"], &report["files"]), (&0.into(), &1.into()));
}

#[test]
fn every_fixture_is_named_after_a_diagnostic_code() {
    let catalog = std::fs::read_to_string(manifest_path("themes/default/i18n/cli.en.yaml")).expect("English strings");
    for entry in std::fs::read_dir(manifest_path("tests/fixtures/invalid")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let code = name.strip_suffix(".md").expect("a .md fixture");
        assert!(catalog.contains(&format!("\n  {code}:\n    message:")), "{name} is not named after a diagnostic code");
    }
}

// Reading the file.

#[test]
fn empty_file() {
    fixture(
        "empty_file",
        Expect { severity: "error", at: None, source_line: None, message: "the file is empty", suggestion: None },
    );
}

#[test]
fn not_utf8_gb18030() {
    let (decoded, _, malformed) = encoding_rs::GB18030.decode(GB18030_CASE);
    assert!(!malformed && decoded == GB18030_TEXT, "the fixture bytes are GB18030");
    Site::with_case("not_utf8_gb18030", GB18030_CASE).expect(error(
        2,
        8,
        "title: 班组安全积分制推动隐患排查常态化",
        "it looks like GB18030/GBK (the default of Chinese Windows); line 2 onwards",
    ));
}

#[test]
fn not_utf8() {
    // Stray bytes (0xFF 0xFE, a UTF-16 byte-order mark pasted into the body) that are neither
    // UTF-8 nor GB18030, after "党员先锋岗每天巡查施工现场，" on line 36.
    let at = VALID.find("发现隐患").unwrap();
    let bytes = [&VALID.as_bytes()[..at], b"\xff\xfe", &VALID.as_bytes()[at..]].concat();
    Site::with_case("not_utf8", bytes).expect(Expect {
        severity: "error",
        at: Some((36, 15)),
        // The line cannot be decoded, so it is not shown.
        source_line: None,
        message: "the file is not UTF-8 text (unreadable from line 36)",
        suggestion: None,
    });
}

/// A case file that is there but cannot be read has its own error and no other: a case linking
/// to it is not told that the link's target does not exist.
#[test]
fn a_link_to_a_case_that_cannot_be_read_is_not_broken() {
    let at = VALID.find("发现隐患").unwrap();
    let bytes = [&VALID.as_bytes()[..at], b"\xff\xfe", &VALID.as_bytes()[at..]].concat();
    let linking = VALID.replace("立即登记整改。", "立即登记整改，做法参见[收费站](not_utf8.md)。");
    Site::with_case("not_utf8", bytes).add("linking.md", linking).expect(Expect {
        severity: "error",
        at: Some((36, 15)),
        source_line: None,
        message: "the file is not UTF-8 text (unreadable from line 36)",
        suggestion: None,
    });
    // Nor when it has no front matter, nor when it is in another folder.
    let linking = VALID.replace("立即登记整改。", "立即登记整改，做法参见[收费站](../unclosed.md)。");
    let site = Site::with_case("unclosed", VALID.replacen("---\n", "", 2).replacen("title:", "---\ntitle:", 1))
        .add("sub/linking.md", linking);
    let (_, report) = site.json();
    let codes: Vec<&str> =
        report["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["unclosed_front_matter"], "{report}");
}

#[test]
fn bom_and_crlf_are_accepted() {
    let crlf = format!("\u{feff}{}", VALID.replace('\n', "\r\n"));
    let (code, report) = Site::with_case("bom_crlf", &crlf).json();
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["diagnostics"], serde_json::json!([]));

    // Neither the BOM nor the \r moves a position or shows up in the source line.
    let mistake = crlf.replace("status: named", "status: nmed");
    Site::with_case("unknown_status", mistake)
        .expect(error(7, 9, "status: nmed", r#"unknown status "nmed""#).suggest("named"));
}

#[test]
fn toml_front_matter() {
    fixture("toml_front_matter", error(1, 1, "+++", "the front matter is TOML (+++); Exemplar reads YAML only"));
}

#[test]
fn missing_front_matter() {
    fixture(
        "missing_front_matter",
        error(1, 1, "title: 班组安全积分制推动隐患排查常态化", "the file does not start with YAML front matter"),
    );
}

#[test]
fn unclosed_front_matter() {
    fixture("unclosed_front_matter", error(1, 1, "---", "the YAML front matter is never closed"));
}

// The YAML.

#[test]
fn yaml_syntax() {
    fixture("yaml_syntax", error(15, 2, " - { date: 2023-06-15, stage: building }", "YAML syntax error"));
}

#[test]
fn comment_in_value() {
    fixture(
        "comment_in_value",
        error(5, 13, "unit: 第一项目部 #2 党支部", r#"in the value of "unit", " #" starts a comment"#)
            .suggest("unit: \"第一项目部 #2 党支部\"")
            .warning(),
    );
}

#[test]
fn unclosed_bracket() {
    // The parser stops two lines later, at the next list item.
    fixture(
        "unclosed_bracket",
        error(23, 7, "tags: [安全生产, 创新工作室", r#"the value of "tags" opens a bracket that is never closed"#)
            .suggest("tags: [安全生产, 创新工作室]"),
    );
}

#[test]
fn colon_in_value() {
    fixture(
        "colon_in_value",
        error(10, 16, "summary: 项目部党支部: 以安全积分制带动全员排查隐患。", r#"the value of "summary" holds ": ""#)
            .suggest("summary: \"项目部党支部: 以安全积分制带动全员排查隐患。\""),
    );
}

#[test]
fn no_space_after_colon() {
    fixture(
        "no_space_after_colon",
        error(4, 11, "enterprise:华南建工集团", r#"no space follows the colon of the field "enterprise""#)
            .suggest("enterprise: 华南建工集团"),
    );
}

#[test]
fn needs_quotes() {
    fixture(
        "needs_quotes",
        error(5, 14, "unit: [第一项目部]党支部", r#"the value of "unit" starts with a YAML indicator"#)
            .suggest("unit: \"[第一项目部]党支部\""),
    );
}

#[test]
fn unclosed_quote() {
    fixture(
        "unclosed_quote",
        error(
            2,
            8,
            "title: \"班组安全积分制推动隐患排查常态化",
            r#"the value of "title" starts with a quote that is never closed"#,
        )
        .suggest("title: \"班组安全积分制推动隐患排查常态化\""),
    );
}

/// A title with Chinese quotes inside the ASCII ones left open: the line as it should read is the
/// suggestion, shown between backticks, since the frame's own quotes would run into its quotes.
#[test]
fn an_unclosed_quote_around_chinese_quotes_is_shown_readably() {
    let case = VALID.replace("title: 班组安全积分制推动隐患排查常态化", "title: \"收费站“党员服务台”守护节假日通行");
    let site = Site::with_case("unclosed_quote", case);
    site.expect(
        error(
            2,
            8,
            "title: \"收费站“党员服务台”守护节假日通行",
            r#"the value of "title" starts with a quote that is never closed"#,
        )
        .suggest("title: \"收费站“党员服务台”守护节假日通行\""),
    );
    for (lang, frame) in [
        ("en", "did you mean `title: \"收费站“党员服务台”守护节假日通行\"`?"),
        ("zh-CN", "是不是想写 `title: \"收费站“党员服务台”守护节假日通行\"`？"),
    ] {
        let stderr = String::from_utf8(site.run(&["--lang", lang]).stderr).unwrap();
        assert!(stderr.contains(frame), "{frame:?} not in:\n{stderr}");
    }
    // A suggestion without quotes keeps the quotes of the frame.
    let stderr = String::from_utf8(Site::fixture("unknown_status").run(&["--lang", "zh-CN"]).stderr).unwrap();
    assert!(stderr.contains("是不是想写“named”？"), "{stderr}");
}

// Punctuation a Chinese input method types where YAML needs ASCII: reported where it is typed,
// not where the YAML parser stops (the next line), with the line or list as it should read.

#[test]
fn fullwidth_colon() {
    fixture(
        "fullwidth_colon",
        error(7, 7, "status：named", r#"a full-width colon "：" follows the field "status""#).suggest("status: named"),
    );
}

#[test]
fn fullwidth_space_after_colon() {
    fixture(
        "fullwidth_space_after_colon",
        error(6, 8, "region:　广东省广州市", r#"a full-width space follows "region:""#).suggest("region: 广东省广州市"),
    );
}

#[test]
fn fullwidth_indent() {
    fixture("fullwidth_indent", error(25, 1, "　　- title: 隐患排查积分制", "holds a full-width space"));
}

/// On the front matter's last lines the parser fails at the closing `---`, not on a line after the
/// slip: the slip explains that error too, so it is the only one reported.
#[test]
fn a_full_width_indent_on_the_last_lines_is_reported_alone() {
    let case =
        VALID.replace("tags: [安全生产, 创新工作室]\n", "").replace("---\n项目部", "tags:\n　- 安全生产\n---\n项目部");
    Site::with_case("fullwidth_indent", case).expect(error(31, 1, "　- 安全生产", "holds a full-width space"));
}

#[test]
fn tab_indent() {
    fixture("tab_indent", error(20, 1, "\t- period: 2024-Q2", "holds a tab"));
}

#[test]
fn label_list_slip() {
    fixture(
        "label_list_slip",
        error(23, 8, "tags: [安全生产、创新工作室]", r#"tags value "安全生产、创新工作室" is read as one item"#)
            .suggest("[安全生产, 创新工作室]")
            .warning(),
    );
}

#[test]
fn id_list_slip() {
    fixture(
        "id_list_slip",
        error(22, 10, "actions: 【soul，empower】", r#"actions value "【soul，empower】" is read as one item"#)
            .suggest("[soul, empower]"),
    );
}

/// Items separated by ASCII commas without brackets: no input method's mark is to blame, the
/// brackets are missing, and the advice says so in both languages.
#[test]
fn a_list_without_brackets_is_told_to_take_brackets() {
    let case = VALID
        .replace("tags: [安全生产, 创新工作室]", "tags: 安全生产, 党员先锋岗")
        .replace("actions: [soul, empower]", "actions: soul, safeguard");
    let site = Site::with_case("case", case);
    for (lang, brackets, not_said) in [("en", "ASCII brackets", "full-width"), ("zh-CN", "半角方括号", "全角")] {
        let (_, report) = site.json_with(&["--lang", lang]);
        let found: Vec<_> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["code"].as_str().unwrap(), d["suggestion"].as_str().unwrap(), d["hint"].as_str().unwrap()))
            .collect();
        assert_eq!(found.len(), 2, "{report:#}");
        for ((code, suggestion, hint), (want_code, want)) in
            found.iter().zip([("id_list_slip", "[soul, safeguard]"), ("label_list_slip", "[安全生产, 党员先锋岗]")])
        {
            assert_eq!((*code, *suggestion), (want_code, want));
            assert!(hint.contains(brackets) && hint.contains(want), "{lang}: {hint}");
            assert!(!hint.contains(not_said), "{lang}: the comma is not full-width: {hint}");
        }
    }
}

#[test]
fn duplicate_key() {
    fixture("duplicate_key", error(7, 1, "unit: 第二项目部党支部", r#"the field "unit" appears twice"#));
}

#[test]

fn yaml_anchor() {
    fixture(
        "yaml_anchor",
        error(6, 9, "region: &place 广东省广州市", "YAML anchors and aliases (& and *) are not supported"),
    );
}

// Fields.

#[test]
fn missing_field() {
    fixture("missing_field", error(1, 1, "---", r#"the required field "site" is missing"#));
}

#[test]

fn empty_field() {
    fixture("empty_field", error(3, 1, "site:", r#"the required field "site" is empty"#));
}

/// A required field's line is filled in, never deleted: that would only make it missing.
#[test]
fn an_empty_required_field_is_not_advised_away() {
    let site = Site::with_case("case", VALID.replace("title: 班组安全积分制推动隐患排查常态化", "title: \"\""));
    for (lang, deleting) in [("en", "remove the line"), ("zh-CN", "或删除这一行")] {
        let (_, report) = site.json_with(&["--lang", lang]);
        let d = &report["diagnostics"][0];
        assert_eq!((&d["code"], &d["line"], &d["column"]), (&"empty_field".into(), &2.into(), &1.into()), "{report:#}");
        let hint = d["hint"].as_str().unwrap();
        assert!(!hint.contains(deleting), "{lang}: {hint}");
    }
    let (_, report) = site.json();
    assert!(report["diagnostics"][0]["hint"].as_str().unwrap().contains("cannot be left empty, nor its line deleted"));
}

/// A required field missing from a list item is added inside the item, not as a line
/// `practices.dimension: …` at the top (no YAML for a field of an item): the advice says where
/// it goes, under the item's first key or inside its braces.
#[test]
fn a_field_missing_in_an_item_is_told_where_it_goes() {
    let case = VALID
        .replace("    dimension: team\n", "")
        .replace("{ date: 2023-06-15, stage: building }", "{ date: 2023-06-15 }");
    let site = Site::with_case("missing_field", case);
    let (code, report) = site.json();
    assert_eq!(code, 1);
    let found: Vec<_> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["hint"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "missing_field",
                15,
                7,
                r#"stage goes inside this item's braces: add ", stage: …" before the closing } (an ASCII comma; not timeline.stage: …)."#
            ),
            (
                "missing_field",
                25,
                5,
                "dimension goes inside this item: add a line dimension: … under the line of title, indented as far as title (not practices.dimension: …, and not at the start of the line, where it would not belong to this item)."
            ),
        ]
    );
    let (_, report) = site.json_with(&["--lang", "zh-CN"]);
    let hint = report["diagnostics"][1]["hint"].as_str().unwrap();
    assert!(hint.starts_with("dimension 要写在这一项里面：在 title 那一行的下面另起一行，写 dimension: …"), "{hint}");
    assert!(!hint.contains("加上一行 practices.dimension"), "{hint}");
}

#[test]
fn wrong_type() {
    fixture(
        "wrong_type",
        error(2, 8, "title: [班组安全积分制, 隐患排查常态化]", r#"the field "title" has the wrong type: found a list"#),
    );
}

#[test]
fn unknown_field() {
    fixture("unknown_field", error(8, 1, "stauts: 已命名", r#"unknown field "stauts""#).suggest("status").warning());
}

#[test]
fn invalid_date() {
    fixture("invalid_date", error(8, 7, "date: 2024-02-30", r#"the date "2024-02-30" of "date" is not valid"#));
}

#[test]
fn updated_before_date() {
    fixture(
        "updated_before_date",
        error(9, 10, "updated: 2024-01-01", "the update date 2024-01-01 is before the publication date 2024-03-01"),
    );
}

#[test]
fn invalid_slug() {
    fixture(
        "invalid_slug",
        error(10, 7, "slug: Safety_Points", r#"the slug "Safety_Points" cannot be used in a URL"#)
            .suggest("safety-points"),
    );
}

// The framework's ids.

#[test]
fn unknown_status() {
    let site = Site::fixture("unknown_status");
    site.expect(error(7, 9, "status: nmed", r#"unknown status "nmed""#).suggest("named"));
    let (_, report) = site.json();
    assert_eq!(report["diagnostics"][0]["expected"], "one of planned, building, accepted, named, revoked");
}

#[test]
fn unknown_status_in_chinese() {
    let site = Site::fixture("unknown_status");
    // Without --lang the site's language (zh-CN) is used.
    for args in [&[][..], &["--lang", "zh-CN"][..]] {
        let (code, report) = site.json_with(args);
        assert_eq!(code, 1);
        let d = &report["diagnostics"][0];
        assert_eq!(d["message"], "未知的状态“nmed”", "{args:?}");
        assert_eq!(d["expected"], "planned, building, accepted, named, revoked 之一");
        assert_eq!((&d["line"], &d["column"]), (&7.into(), &9.into()));
    }
}

#[test]
fn unknown_action() {
    fixture(
        "unknown_action",
        error(22, 17, "actions: [soul, empowr]", r#"unknown action "empowr""#).suggest("empower"),
    );
}

#[test]
fn unknown_dimension() {
    fixture("unknown_dimension", error(26, 16, "    dimension: teem", r#"unknown dimension "teem""#).suggest("team"));
}

#[test]
fn unknown_indicator() {
    fixture(
        "unknown_indicator",
        error(27, 18, "    indicators: [innovaton, central_work]", r#"unknown indicator "innovaton""#)
            .suggest("innovation"),
    );
}

#[test]
fn unknown_stage() {
    fixture(
        "unknown_stage",
        error(15, 32, "  - { date: 2023-06-15, stage: buildng }", r#"unknown timeline stage "buildng""#)
            .suggest("building"),
    );
}

// Scores, periods and the lifecycle.

#[test]
fn score_out_of_range() {
    fixture(
        "score_out_of_range",
        error(
            21,
            70,
            "    scores: { political_leadership: 93, development: 89, innovation: 860, cohesion: 91, central_work: 96, public_rating: 94 }",
            r#"the score 860 of "innovation" is outside the scale"#,
        ),
    );
}

/// A score that is no number names the assessment and the indicator, says that a number is
/// needed, shows what was written and suggests the number meant.
#[test]
fn not_a_number() {
    let site = Site::fixture("not_a_number");
    site.expect(
        error(
            21,
            70,
            "    scores: { political_leadership: 93, development: 89, innovation: 86分, cohesion: 91, central_work: 96, public_rating: 94 }",
            r#""assessments[1].scores.innovation" must be a number; it is "86分" here"#,
        )
        .suggest("86"),
    );
    let (_, report) = site.json_with(&["--lang", "zh-CN"]);
    let d = &report["diagnostics"][0];
    assert_eq!(d["message"], "“assessments[1].scores.innovation”必须是数字，这里写的是“86分”");
    assert_eq!(d["expected"], "用半角数字写的数字，不带单位，例如 90 或 92.5");
}

#[test]
fn invalid_period() {
    fixture("invalid_period", error(20, 13, "  - period: 2024-Q5", r#"the assessment period "2024-Q5" is not valid"#));
}

#[test]
fn period_order() {
    fixture(
        "period_order",
        error(
            20,
            13,
            "  - period: 2023-Q4",
            "assessment periods out of order: 2023-Q4 belongs before the previous entry's 2024-Q1",
        ),
    );
}

/// A period written twice has its own message, which says where the other one is; not the
/// ordering message ("2024-Q1 … after 2024-Q1").
#[test]
fn duplicate_period() {
    let site = Site::fixture("duplicate_period");
    site.expect(error(
        20,
        13,
        "  - period: 2024-Q1",
        "the assessment period 2024-Q1 is written twice (also on line 18)",
    ));
    let (_, report) = site.json_with(&["--lang", "zh-CN"]);
    assert_eq!(report["diagnostics"][0]["message"], "考核期次 2024-Q1 写了两次（另一次在第 18 行）");
}

#[test]
fn timeline_order() {
    fixture(
        "timeline_order",
        error(
            16,
            13,
            "  - { date: 2023-01-10, stage: named }",
            "the timeline is out of order: 2023-01-10 comes before the previous event's 2023-06-15",
        ),
    );
}

#[test]
fn revoked_without_reason() {
    fixture(
        "revoked_without_reason",
        error(7, 9, "status: revoked", "the title is revoked (revoked) but no reason is given"),
    );
}

#[test]
fn status_mismatch() {
    fixture(
        "status_mismatch",
        error(7, 9, "status: accepted", r#"the status is "accepted" but the timeline's last stage is "named""#)
            .warning(),
    );
}

/// One mistake in an item does not hide another in it until it is fixed: a wrong period and an
/// unknown indicator, a wrong date and an unknown stage, a missing title and an unknown
/// dimension are reported in the same run.
#[test]
fn two_mistakes_in_one_item_are_reported_in_one_run() {
    let case = VALID
        .replace(
            "  - period: 2024-Q1\n    scores: { political_leadership: 92,",
            "  - period: 2024年第一季度\n    scores: { 创新: 90, political_leadership: 92,",
        )
        .replace("{ date: 2023-06-15, stage: building }", "{ date: 2023年6月15日, stage: 计划 }")
        .replace("  - title: 隐患排查积分制\n    dimension: team", "  - dimension: teem");
    let (code, report) = Site::with_case("case", case).json();
    assert_eq!(code, 1);
    let found: Vec<_> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), d["line"].as_u64().unwrap(), d["suggestion"].as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("invalid_date", 15, Some("2023-06-15")),
            ("unknown_stage", 15, Some("planned")),
            ("invalid_period", 18, Some("2024-Q1")),
            ("unknown_indicator", 19, Some("innovation")),
            ("missing_field", 25, None),
            ("unknown_dimension", 25, Some("team")),
        ],
        "{report:#}"
    );
}

// Links, images and URLs: rules that look at other files.

#[test]
fn duplicate_slug() {
    let site = Site::fixture("duplicate_slug").add("other-case.md", VALID);
    let (code, report) = site.json();
    assert_eq!(code, 1);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 2, "{report:#}");
    // Each of the two cases is told about the other, in file order.
    assert_diagnostic(
        &diagnostics[0],
        "duplicate_slug",
        "content/duplicate_slug.md",
        &error(10, 7, "slug: other-case", r#"the URL name "other-case" is also used by content/other-case.md"#),
    );
    assert_diagnostic(
        &diagnostics[1],
        "duplicate_slug",
        "content/other-case.md",
        &error(1, 1, "---", r#"the URL name "other-case" is also used by content/duplicate_slug.md"#),
    );
}

#[test]
fn broken_link() {
    // The link misspells other-case.md, which exists.
    Site::fixture("broken_link").add("other-case.md", VALID).expect(error(
        36,
        30,
        "党员先锋岗每天巡查施工现场，发现隐患立即登记整改，做法参见[另一个案例](other_case.md)。",
        r#"the link target "other_case.md" does not exist"#,
    ));
}

#[test]
fn link_to_draft() {
    let draft = VALID.replace("draft: false", "draft: true");
    Site::fixture("link_to_draft").add("other-case.md", draft).expect(error(
        36,
        30,
        "党员先锋岗每天巡查施工现场，发现隐患立即登记整改，做法参见[另一个案例](other-case.md)。",
        r#"the link points to the draft "other-case.md", which is not published"#,
    ));
}

#[test]
fn missing_image() {
    fixture(
        "missing_image",
        error(36, 1, "![现场巡查](images/site-photo.jpg)", r#"the image "images/site-photo.jpg" does not exist"#),
    );
}

/// An image from the server's root loads from outside the portal, where it is not; the file that
/// is in the site is suggested.
#[test]
fn absolute_path() {
    Site::fixture("absolute_path").add("images/site-photo.jpg", b"not read by check").expect(
        error(
            36,
            1,
            "![现场巡查](/images/site-photo.jpg)",
            r#""/images/site-photo.jpg" is a path from the server's root or a drive"#,
        )
        .suggest("images/site-photo.jpg"),
    );
}

#[test]
fn link_with_spaces() {
    fixture(
        "link_with_spaces",
        error(38, 1, "![现场巡查](images/现场 巡查.jpg)", "holds a space, so Markdown does not read it")
            .suggest("![现场巡查](<images/现场 巡查.jpg>)")
            .warning(),
    );
}

#[test]
fn link_removed() {
    fixture(
        "link_removed",
        error(
            36,
            17,
            "党员先锋岗每天巡查施工现场，详见[巡查记录](%00javascript:alert(1))。",
            r#""javascript:" address hidden behind invisible or percent-encoded characters"#,
        )
        .warning(),
    );
}

#[test]
fn external_image() {
    fixture(
        "external_image",
        error(
            38,
            1,
            "![现场巡查](https://news.example.com/images/site.jpg)",
            "is on another server, and the portal loads nothing from outside its own folder",
        )
        .warning(),
    );
}

/// Addresses the portal does not keep, however they are written, and images from other servers
/// are told at their place, in both languages, with what was found and the advice for its kind
/// (before, each was dropped or kept as a dead link without a word); `check` passes, as the page
/// is whole without them.
#[test]
fn addresses_the_portal_drops_are_told_in_both_languages() {
    let body = "[甲](JaVaScRiPt:alert(1)) [乙](%00javascript:alert(1)) [丙](java&#9;script:alert(1))\n\n\
                ![丁](data:image/png;base64,iVBORw0KGgo=) [戊](ftp://files.example/a.zip) [己](%09https://a.example/)\n\n\
                <a href=\"javascript&colon;alert(1)\">庚</a> <img src=\"//cdn.example/b.png\">\n\n\
                ![辛](http://a.example/c.png) [壬](https://a.example/) <mailto:a@b.example>\n";
    let first = VALID.lines().count() + 2;
    let site = Site::with_case("case", format!("{VALID}\n{body}"));
    let found = |lang: &str| {
        let (code, report) = site.json_with(&["--lang", lang]);
        assert_eq!(code, 0, "{report:#}");
        let diagnostics = report["diagnostics"].as_array().unwrap().clone();
        for d in &diagnostics {
            assert_eq!(d["severity"], "warning", "{d:#}");
            let place = format!("content/case.md:{}:{}", d["line"], d["column"]);
            assert!(d["text"].as_str().unwrap().contains(&place), "{d:#}");
        }
        diagnostics
    };
    let (en, zh) = (found("en"), found("zh-CN"));
    let at = positions(&en);
    assert_eq!(
        at,
        [
            ("link_removed", first, 1),
            ("link_removed", first, 26),
            ("link_removed", first, 54),
            ("link_removed", first + 2, 1),
            ("link_removed", first + 2, 42),
            ("link_removed", first + 2, 73),
            ("link_removed", first + 4, 10),
            ("external_image", first + 4, 53),
            ("external_image", first + 6, 1),
        ],
        "{en:#?}"
    );
    let said = |diagnostics: &[Value], i: usize| {
        let d = &diagnostics[i];
        format!(
            "{} {} {}",
            d["message"].as_str().unwrap(),
            d["expected"].as_str().unwrap(),
            d["hint"].as_str().unwrap()
        )
    };
    for (i, en_words, zh_words) in [
        (
            0,
            ["\"JaVaScRiPt:alert(1)\" starts with \"javascript:\"", "may not run a script"],
            ["“JaVaScRiPt:alert(1)”以“javascript:”开头", "不能在门户页面上运行脚本"],
        ),
        (
            1,
            ["\"%00javascript:alert(1)\" is a \"javascript:\" address hidden", "may not run a script"],
            ["藏在看不见的字符或百分号编码后面", "运行脚本"],
        ),
        (2, ["\"java<U+0009>script:alert(1)\"", "may not run a script"], ["“java<U+0009>script:alert(1)”", "运行脚本"]),
        (
            3,
            ["starts with \"data:\"", "save it in the images folder"],
            ["以“data:”开头", "存到这个案例旁边的 images 文件夹里"],
        ),
        (4, ["starts with \"ftp:\"", "http:, https:, mailto: or tel:"], ["以“ftp:”开头", "链接到网页"]),
        (
            5,
            ["invisible or percent-encoded characters before or inside \"https:\"", "type it again"],
            ["看不见的字符或百分号编码，浏览器打不开它", "删掉重新输入"],
        ),
        (
            6,
            ["\"javascript:alert(1)\" starts with \"javascript:\"", "may not run a script"],
            ["以“javascript:”开头", "运行脚本"],
        ),
        (
            7,
            ["\"//cdn.example/b.png\" is on another server", "the page shows nothing in its place"],
            ["在其他服务器上", "页面上这里什么也不显示"],
        ),
        (
            8,
            ["\"http://a.example/c.png\" is on another server", "shows a link to it instead"],
            ["在其他服务器上", "指向它的链接"],
        ),
    ] {
        let (en_said, zh_said) = (said(&en, i), said(&zh, i));
        for words in en_words {
            assert!(en_said.contains(words), "{i}: {en_said:?} should say {words:?}");
        }
        for words in zh_words {
            assert!(zh_said.contains(words), "{i}: {zh_said:?} should say {words:?}");
        }
    }
}

/// The diagnostics of a JSON report.
fn diagnostics_of(report: &serde_json::Value) -> &[serde_json::Value] {
    report["diagnostics"].as_array().unwrap()
}

/// Each diagnostic as (code, line, column).
fn positions(diagnostics: &[serde_json::Value]) -> Vec<(&str, usize, u64)> {
    diagnostics
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), d["line"].as_u64().unwrap() as usize, d["column"].as_u64().unwrap()))
        .collect()
}

/// Each diagnostic of a JSON report as (code, line, column, suggestion).
fn places(report: &serde_json::Value) -> Vec<(&str, usize, u64, Option<&str>)> {
    let diagnostics = diagnostics_of(report);
    positions(diagnostics)
        .into_iter()
        .zip(diagnostics)
        .map(|((code, line, column), d)| (code, line, column, d["suggestion"].as_str()))
        .collect()
}

/// A share or root path written percent-encoded (`%5C%5Cserver%5Cshare%5Ca.pdf`) is the editor's
/// path as much as written plainly: `absolute_path` (it was `path_outside`, "leads outside the
/// site folder", or a dead link); so is a `file:` URL (it was dropped without a word). The path
/// relative to the case is suggested when the file is in the site.
#[test]
fn encoded_and_file_url_paths_are_absolute_paths() {
    let body = "[甲](%5C%5Cserver%5Cshare%5Ca.pdf) [乙](%5c%5cserver/a.pdf) ![丙](%2Fimages%2Fsite.png)\n\n\
                [丁](file:///C:/资料/a.docx) ![戊](FILE://server/share/b.png)\n";
    let first = VALID.lines().count() + 2;
    let png = std::fs::read(manifest_path("content/images/banner-safety.png")).unwrap();
    let site = Site::with_case("case", format!("{VALID}\n{body}")).add("images/site.png", png);
    for lang in ["en", "zh-CN"] {
        let (code, report) = site.json_with(&["--lang", lang]);
        assert_eq!(code, 1, "{report:#}");
        for d in diagnostics_of(&report) {
            let hint = d["hint"].as_str().unwrap();
            assert!(hint.contains("relative to this case file") || hint.contains("相对于这个案例文件"), "{d:#}");
        }
        let found = places(&report);
        assert_eq!(
            found,
            [
                ("absolute_path", first, 1, None),
                ("absolute_path", first, 35, None),
                ("absolute_path", first, 59, Some("images/site.png")),
                ("absolute_path", first + 2, 1, None),
                ("absolute_path", first + 2, 27, None),
            ],
            "{report:#}"
        );
    }
}

/// An image without a path (`![现场]()`, `<img src="">`) would be a broken image on the page.
#[test]
fn an_image_without_a_path_is_missing() {
    let body = "![现场]() 与 <img src=\"\" alt=\"空\">\n";
    let first = VALID.lines().count() + 2;
    let site = Site::with_case("case", format!("{VALID}\n{body}"));
    for (lang, words) in [("en", "the image has no path"), ("zh-CN", "图片没有写路径")] {
        let (code, report) = site.json_with(&["--lang", lang]);
        assert_eq!(code, 1, "{report:#}");
        for d in diagnostics_of(&report) {
            assert!(d["message"].as_str().unwrap().contains(words), "{d:#}");
        }
        let found = positions(diagnostics_of(&report));
        assert_eq!(found, [("missing_image", first, 1), ("missing_image", first, 21)], "{report:#}");
    }
}

/// `https：//…` typed with a Chinese input method's full-width colon is a file name to a browser:
/// the error says so and suggests the address with a half-width colon (it said only that the
/// target did not exist, advising a .md path); a cover from another server is told as such.
#[test]
fn a_full_width_colon_and_a_cover_from_elsewhere_are_told_as_such() {
    let body = "详见[单位主页](https：//www.example.com/about)与![图](http：／／a.example/b.png)。\n";
    let first = VALID.lines().count() + 2;
    let case = format!("{VALID}\n{body}").replacen("\ndate:", "\ncover: https://a.example/cover.jpg\ndate:", 1);
    let cover_line = case.lines().position(|l| l.starts_with("cover:")).unwrap() + 1;
    let site = Site::with_case("case", case);
    for (lang, colon, cover) in [
        ("en", "written with a full-width colon (：)", "is on another server"),
        ("zh-CN", "冒号是全角的“：”", "在其他服务器上"),
    ] {
        let (code, report) = site.json_with(&["--lang", lang]);
        assert_eq!(code, 1, "{report:#}");
        for d in diagnostics_of(&report) {
            let words = if d["code"] == "missing_cover" { cover } else { colon };
            assert!(d["message"].as_str().unwrap().contains(words), "{d:#}");
        }
        let found = places(&report);
        assert_eq!(
            found,
            [
                ("missing_cover", cover_line, 8, None),
                ("broken_link", first + 1, 3, Some("https://www.example.com/about")),
                ("missing_image", first + 1, 41, Some("http://a.example/b.png")),
            ],
            "{report:#}"
        );
    }
}

/// Names that differ only in letter case are found on Windows, not on the intranet's server: the
/// file that is there is suggested.
#[test]
fn a_name_in_another_letter_case_is_suggested() {
    let case = format!("{VALID}\n![现场巡查](images/site-photo.jpg)\n");
    let site = Site::with_case("case", case).add("images/Site-Photo.JPG", b"not read by check");
    let (_, report) = site.json();
    let d = &report["diagnostics"][0];
    assert_eq!(
        (&d["code"], &d["suggestion"]),
        (&"missing_image".into(), &"images/Site-Photo.JPG".into()),
        "{report:#}"
    );
}

#[test]
fn missing_cover() {
    fixture(
        "missing_cover",
        error(10, 8, "cover: images/cover.png", r#"the cover image "images/cover.png" does not exist"#),
    );
}

#[test]
fn path_outside() {
    fixture(
        "path_outside",
        error(
            10,
            8,
            "cover: ../../etc/passwd",
            r#"the path "../../etc/passwd" leads outside the site folder and was refused"#,
        ),
    );
}

// One run, several files, and the text report.

#[test]
fn one_run_reports_every_bad_file_sorted_by_file() {
    let read = |code: &str| std::fs::read(manifest_path(&format!("tests/fixtures/invalid/{code}.md")));
    let site = Site::fixture("unknown_status")
        .add("invalid_date.md", read("invalid_date").unwrap())
        .add("empty_file.md", read("empty_file").unwrap())
        .add("valid.md", VALID);
    let (code, report) = site.json();
    assert_eq!(code, 1);
    assert_eq!((&report["errors"], &report["files"]), (&3.into(), &4.into()));
    let found: Vec<(&str, &str)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["file"].as_str().unwrap(), d["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        [
            ("content/empty_file.md", "empty_file"),
            ("content/invalid_date.md", "invalid_date"),
            ("content/unknown_status.md", "unknown_status"),
        ]
    );
}

#[test]
fn text_report_shows_the_place_and_the_line() {
    let output = Site::fixture("unknown_status").run(&["--lang", "en"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    for part in [
        r#"error[unknown_status]: unknown status "nmed""#,
        "content/unknown_status.md:7:9",
        "7 | status: nmed",
        r#"did you mean "named"?"#,
        "expected: one of planned, building, accepted, named, revoked",
        "Check failed: 1 error, 0 warnings (1 case file).",
    ] {
        assert!(stderr.contains(part), "{part:?} not in:\n{stderr}");
    }
}

/// A mistake in `exemplar.yaml` is told in the editor's language, with the setting meant; none of
/// the YAML library's English (`unknown field`, `expected usize`) is left in the report.
#[test]
fn a_configuration_mistake_is_told_in_the_editors_language() {
    let site = Site::with_case("valid", VALID);
    let config = std::fs::read_to_string(manifest_path("exemplar.yaml")).unwrap();
    let line = config.lines().position(|l| l.starts_with("paginate_by:")).unwrap() + 1;
    std::fs::write(site.dir.path().join("exemplar.yaml"), config.replacen("paginate_by:", "paginte_by:", 1)).unwrap();
    for (lang, parts) in [
        ("zh-CN", ["错误[config_unknown_key]: 配置中没有“paginte_by”这一项", "是不是想写“paginate_by”？"]),
        (
            "en",
            [
                r#"error[config_unknown_key]: the configuration has no setting "paginte_by""#,
                r#"did you mean "paginate_by"?"#,
            ],
        ),
    ] {
        let output = site.run(&["--lang", lang]);
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(&format!("exemplar.yaml:{line}:1")), "{stderr}");
        for part in parts {
            assert!(stderr.contains(part), "{part:?} not in:\n{stderr}");
        }
        assert!(!stderr.contains("unknown field"), "{stderr}");
    }
}

/// A PNG's header for a picture of `width` × `height` pixels, with no pixel data: all that is read
/// of a photo before it is decoded.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (&b"IHDR"[..], [&width.to_be_bytes()[..], &height.to_be_bytes(), &[8, 2, 0, 0, 0]].concat()),
        (b"IDAT", Vec::new()),
        (b"IEND", Vec::new()),
    ] {
        png.extend((data.len() as u32).to_be_bytes());
        let chunk = [kind, &data].concat();
        png.extend(&chunk);
        png.extend(crc32(&chunk).to_be_bytes());
    }
    png
}

#[test]
fn image_unreadable() {
    Site::fixture("image_unreadable").add("images/site-photo.jpg", "这不是照片，是一段说明文字。").expect(error(
        36,
        9,
        "![现场巡查](images/site-photo.jpg)",
        r#""images/site-photo.jpg" is not a JPEG or PNG image"#,
    ));
}

/// A photo too large to decode (20,000 × 20,000 pixels: 1.2 GB decoded) is found from its header by
/// `check`, as a warning, and `build` publishes it as it is instead of failing.
#[test]
fn image_too_large() {
    let site = Site::fixture("image_too_large").add("images/site-photo.jpg", png_header(20_000, 20_000));
    site.expect(
        error(36, 9, "![现场巡查](images/site-photo.jpg)", "has 20000×20000 pixels, too many to resize").warning(),
    );
    let out = site.dir.path().join("public");
    let built = Command::new(env!("CARGO_BIN_EXE_exemplar"))
        .args(["build", site.dir.path().to_str().unwrap(), "-o", out.to_str().unwrap(), "--lang", "en"])
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let published = std::fs::read(out.join("media/images/site-photo.jpg")).unwrap();
    assert_eq!(published, png_header(20_000, 20_000));
}

/// A photo whose header is sound but whose pixels are cut short passes `check` (which reads
/// headers only) and fails `build` with a message that names the photo and the case that shows it,
/// in the editor's language.
/// A real photo cut to half its size (a copy that stopped half-way) is damaged too, not a file
/// that could not be read or written.
#[test]
fn a_damaged_photo_fails_the_build_naming_its_case() {
    let banner = std::fs::read(manifest_path("content/images/banner-safety.png")).unwrap();
    for (what, photo) in [("no pixel data", png_header(40, 30)), ("cut short", banner[..banner.len() / 2].to_vec())] {
        let site = Site::fixture("image_unreadable").add("images/site-photo.jpg", photo);
        let check = Command::new(env!("CARGO_BIN_EXE_exemplar"))
            .args(["check", site.dir.path().to_str().unwrap()])
            .output()
            .unwrap();
        assert!(check.status.success(), "{what}: check reads the header only");
        let out = site.dir.path().join("public");
        let built = Command::new(env!("CARGO_BIN_EXE_exemplar"))
            .args(["build", site.dir.path().to_str().unwrap(), "-o", out.to_str().unwrap()])
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert_eq!(built.status.code(), Some(1), "{what}");
        let stderr = String::from_utf8_lossy(&built.stderr);
        for part in [
            "错误[image_damaged]",
            "content/images/site-photo.jpg",
            "用于 content/image_unreadable.md",
            "另存为 JPEG 或 PNG",
        ] {
            assert!(stderr.contains(part), "{what}: {part:?} not in:\n{stderr}");
        }
        assert!(!stderr.contains("image_failed") && !stderr.contains("输出目录能否写入"), "{what}: {stderr}");
        assert!(!out.exists(), "nothing is published");
    }
}

/// Every damaged photo is told in one run, each with the case that shows it, not the first alone.
#[test]
fn every_damaged_photo_is_told_in_one_run() {
    let fixture = std::fs::read_to_string(manifest_path("tests/fixtures/invalid/image_unreadable.md")).unwrap();
    let second =
        fixture.replace("images/site-photo.jpg", "images/other-photo.png").replacen("title: ", "title: 另一案例", 1);
    let site = Site::fixture("image_unreadable")
        .add("images/site-photo.jpg", png_header(40, 30))
        .add("second.md", second)
        .add("images/other-photo.png", png_header(50, 20));
    let out = site.dir.path().join("public");
    let built = Command::new(env!("CARGO_BIN_EXE_exemplar"))
        .args(["build", site.dir.path().to_str().unwrap(), "-o", out.to_str().unwrap(), "--lang", "en"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(built.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&built.stderr);
    for part in ["content/images/site-photo.jpg", "content/images/other-photo.png", "content/second.md", "2 errors"] {
        assert!(stderr.contains(part), "{part:?} not in:\n{stderr}");
    }
}

/// `language:` in `exemplar.yaml` takes the languages `--lang` takes: another is a mistake at its
/// value, with the languages there are, not Chinese in silence.
#[test]
fn an_unknown_language_in_the_configuration_is_refused() {
    let site = Site::with_case("valid", VALID);
    let config = std::fs::read_to_string(manifest_path("exemplar.yaml")).unwrap();
    let line = config.lines().position(|l| l.starts_with("language: zh-CN")).unwrap() + 1;
    std::fs::write(site.dir.path().join("exemplar.yaml"), config.replacen("language: zh-CN", "language: zh-TW", 1))
        .unwrap();
    let (code, report) = site.json();
    assert_eq!(code, 1);
    let d = &report["diagnostics"][0];
    assert_eq!(
        (&d["code"], &d["file"], &d["line"], &d["column"]),
        (&"config_unknown_value".into(), &"exemplar.yaml".into(), &line.into(), &11.into()),
        "{report:#}"
    );
    assert_eq!(d["message"], r#"the setting "language" cannot be "zh-TW""#);
    assert_eq!(d["expected"], "one of zh-CN, en");
}

/// `theme:` names a folder under `themes/` (or the built-in `default`): a misspelt one is told at
/// its value with the closest there is and the list of them, in both languages; a path or an
/// empty name is refused there, where before `""` used `themes/` itself and a path any folder.
#[test]
fn a_theme_setting_is_a_folder_name_under_themes() {
    let site = Site::with_case("valid", VALID);
    std::fs::create_dir_all(site.dir.path().join("themes/corporate/templates")).unwrap();
    let config = std::fs::read_to_string(manifest_path("exemplar.yaml")).unwrap();
    let line = config.lines().position(|l| l.starts_with("theme: default")).unwrap() + 1;
    let set = |value: &str| {
        let text = config.replacen("theme: default", &format!("theme: {value}"), 1);
        std::fs::write(site.dir.path().join("exemplar.yaml"), text).unwrap();
    };
    set("defualt");
    let (code, report) = site.json();
    assert_eq!(code, 1);
    assert_eq!(report["diagnostics"].as_array().map(Vec::len), Some(1), "{report:#}");
    let d = &report["diagnostics"][0];
    assert_eq!(
        (&d["code"], &d["file"], &d["line"], &d["column"], &d["suggestion"]),
        (&"theme_missing".into(), &"exemplar.yaml".into(), &line.into(), &8.into(), &"default".into()),
        "{report:#}"
    );
    assert_eq!(d["message"], r#"the theme "defualt" was not found (themes/defualt)"#);
    assert!(
        d["hint"].as_str().unwrap().starts_with("themes there are: corporate, default (default is built in)"),
        "{d:#}"
    );
    let chinese = String::from_utf8_lossy(&site.run(&["--lang", "zh-CN"]).stderr).into_owned();
    assert!(chinese.contains(&format!("exemplar.yaml:{line}:8")), "{chinese}");
    assert!(chinese.contains("找不到主题“defualt”") && chinese.contains("是不是想写“default”"), "{chinese}");
    assert!(chinese.contains("现有的主题：corporate, default"), "{chinese}");
    set("corprate");
    assert_eq!(site.json().1["diagnostics"][0]["suggestion"], "corporate");

    for value in [r#""""#, "../themes/default", "/srv/www/themes/default", "themes/default"] {
        set(value);
        let (code, report) = site.json();
        assert_eq!(code, 1);
        assert_eq!(report["diagnostics"].as_array().map(Vec::len), Some(1), "{value}: {report:#}");
        let d = &report["diagnostics"][0];
        assert_eq!(
            (&d["code"], &d["file"], &d["line"], &d["column"]),
            (&"config_bad_theme".into(), &"exemplar.yaml".into(), &line.into(), &8.into()),
            "{value}: {report:#}"
        );
    }
    set("default");
    assert_eq!(site.json().0, 0, "the built-in theme needs no folder");
}

/// README's example of a report is what `check` prints for it, word for word: the sample site
/// with `status: nmed`, in the site's language.
#[test]
fn the_readmes_example_report_is_what_check_prints() {
    let readme = std::fs::read_to_string(manifest_path("README.md")).unwrap();
    let example = readme
        .split_once("A mistake is reported with its place")
        .and_then(|(_, rest)| rest.split_once("```text\n"))
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(block, _)| block)
        .expect("README's example report");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(manifest_path("exemplar.yaml"), dir.path().join("exemplar.yaml")).unwrap();
    for entry in walkdir::WalkDir::new(manifest_path("content")) {
        let entry = entry.unwrap();
        let target = dir.path().join("content").join(entry.path().strip_prefix(manifest_path("content")).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
    let case = dir.path().join("content/tunnel-branch-safety.md");
    let text = std::fs::read_to_string(&case).unwrap();
    std::fs::write(&case, text.replacen("\nstatus: named\n", "\nstatus: nmed\n", 1)).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_exemplar"))
        .arg("check")
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .expect("run exemplar");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8(output.stderr).unwrap(), example);
}

/// The site's own interface strings (`i18n/zh-CN.yaml`) are checked by `check`, not first by the
/// build's templates failing on every page: an input method's colon is found where it is typed,
/// and a group of strings written as one string at its key; a sound override passes.
#[test]
fn a_mistake_in_the_sites_interface_strings_is_found_by_check() {
    let site = Site::with_case("valid", VALID);
    let strings = site.dir.path().join("i18n/zh-CN.yaml");
    std::fs::create_dir_all(strings.parent().unwrap()).unwrap();
    for (text, code, at) in
        [("nav:\n  home：首页\n", "fullwidth_colon", (2, 7)), ("nav: 首页\n", "i18n_reshaped", (1, 1))]
    {
        std::fs::write(&strings, text).unwrap();
        let (exit, report) = site.json();
        assert_eq!(exit, 1, "{report:#}");
        let d = &report["diagnostics"][0];
        assert_eq!((d["code"].as_str(), d["file"].as_str()), (Some(code), Some("i18n/zh-CN.yaml")), "{report:#}");
        assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(at.0), Some(at.1)), "{report:#}");
    }
    std::fs::write(&strings, "nav:\n  home: 主页\n").unwrap();
    assert_eq!(site.json().0, 0);
}

/// Interface strings that would blank out or garble the portal are errors at their key or file:
/// an empty string, a list, a file that is a list (it replaced every string, and the templates
/// then failed in files the editor never touched), and a file not in UTF-8 (it was left out
/// without a word). A file of comments alone changes nothing.
#[test]
fn interface_strings_that_would_garble_the_portal_are_errors() {
    let site = Site::with_case("valid", VALID);
    let strings = site.dir.path().join("i18n/zh-CN.yaml");
    std::fs::create_dir_all(strings.parent().unwrap()).unwrap();
    let (gbk, _, _) = encoding_rs::GBK.encode("nav:\n  home: 门户首页\n");
    // The file's bytes, the code, and where it is reported (line, column).
    type Mistake<'a> = (&'a [u8], &'a str, Option<(u64, u64)>);
    let cases: [Mistake; 4] = [
        (b"nav:\n  home:\n", "i18n_value", Some((2, 3))),
        ("nav:\n  cases: [甲, 乙]\n".as_bytes(), "i18n_value", Some((2, 3))),
        (b"- a\n", "i18n_not_mapping", None),
        (&gbk, "not_utf8_gb18030", Some((2, 9))),
    ];
    for (text, code, at) in cases {
        std::fs::write(&strings, text).unwrap();
        let (exit, report) = site.json();
        assert_eq!(exit, 1, "{report:#}");
        let d = &report["diagnostics"][0];
        assert_eq!((d["code"].as_str(), d["file"].as_str()), (Some(code), Some("i18n/zh-CN.yaml")), "{report:#}");
        assert_eq!(at, d["line"].as_u64().zip(d["column"].as_u64()), "{report:#}");
    }
    std::fs::write(&strings, "# 本站界面文字\n").unwrap();
    assert_eq!(site.json().0, 0);
    let out = site.dir.path().join("public");
    let built = Command::new(env!("CARGO_BIN_EXE_exemplar"))
        .args(["build", site.dir.path().to_str().unwrap(), "-o", out.to_str().unwrap(), "--quiet"])
        .output()
        .expect("run exemplar");
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let home = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(home.contains(">首页</a>"), "the theme's strings stay");
}

impl Site {
    /// Adds a template of the site's own (`templates/<rel>`), which overrides the theme's.
    fn template(self, rel: &str, text: &str) -> Site {
        let path = self.dir.path().join("templates").join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).expect("write template");
        self
    }

    /// Runs `exemplar build SITE ARGS…` into a folder of the site; returns the exit code and stderr.
    fn build(&self, args: &[&str]) -> (Option<i32>, String) {
        let out = self.dir.path().join("public");
        let built = Command::new(env!("CARGO_BIN_EXE_exemplar"))
            .args(["build", self.dir.path().to_str().unwrap(), "-o", out.to_str().unwrap()])
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .expect("run exemplar");
        assert!(!out.exists() || built.status.success(), "nothing is published after an error");
        (built.status.code(), String::from_utf8_lossy(&built.stderr).into_owned())
    }
}

/// `(code, variant's message, file, line, column, suggestion)` of each diagnostic of a report.
fn template_diagnostics(report: &Value) -> Vec<(String, String, String, u64, u64, Option<String>)> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    (report["diagnostics"].as_array().unwrap().iter())
        .map(|d| {
            (
                text(&d["code"]),
                text(&d["message"]),
                text(&d["file"]),
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
                d["suggestion"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

/// An error in a site's own card template is reported there: its line and column, Tera's
/// message about the field, the field meant — not only the grid that draws the cards.
#[test]
fn an_error_in_the_sites_card_template_is_reported_in_it() {
    let site = Site::with_case("valid", VALID).template(
        "partials/case_card.html",
        "<article>\n<h3>{{ card.title }}</h3>\n<p>{{ card.slugg }}</p>\n</article>\n",
    );
    let (code, stderr) = site.build(&["--lang", "en"]);
    assert_eq!(code, Some(1), "{stderr}");
    for part in [
        "error[template_error]: template partials/case_card.html failed: the field `slugg` is not defined",
        "--> templates/partials/case_card.html:3:12",
        "3 | <p>{{ card.slugg }}</p>",
        "did you mean \"slug\"?",
    ] {
        assert!(stderr.contains(part), "{part:?} not in:\n{stderr}");
    }
    assert!(!stderr.contains("case_grid.html"), "{stderr}");
}

/// A card call given no case (a name mistyped: `card=case` on a list page, where there is no
/// `case`) is reported at the call, in the page's template, not in the card template that could
/// not read the card's fields.
#[test]
fn a_card_call_given_no_case_is_reported_at_the_call() {
    let site = Site::with_case("valid", VALID).template(
        "term.html",
        "{% extends \"base.html\" %}\n{% block content %}\n<h1>{{ term.label }}</h1>\n\
         {% for item in paginator.items %}\n{{ case_card(card=case, level=3) }}\n{% endfor %}\n{% endblock %}\n",
    );
    let (code, stderr) = site.build(&["--lang", "en"]);
    assert_eq!(code, Some(1), "{stderr}");
    for part in [
        "error[template_error]: the card that template term.html gives case_card is not a case",
        "--> templates/term.html:5:",
        "card= takes one case of a list",
    ] {
        assert!(stderr.contains(part), "{part:?} not in:\n{stderr}");
    }
    assert!(!stderr.contains("case_card.html"), "{stderr}");
}

/// Unknown filters, tests, functions and included templates, which Tera finds when the
/// templates are added, are one diagnostic each, at their place in the file (a string folded in
/// before them leaves the column the file's), in the editor's words, with the name meant.
#[test]
fn unknown_names_in_templates_are_each_reported_at_their_place() {
    let site = Site::with_case("valid", VALID).template(
        "index.html",
        "{{ site.title | upperr }}\n{{ t.nav.home }} {{ site.title | lowerr }}{% if site is strng %}{% endif %}\n\
         {{ case_crd(card=site) }}{% include \"partials/case_crad.html\" %}\n",
    );
    let (code, report) = site.json();
    assert_eq!(code, 1, "{report:#}");
    let index = "templates/index.html".to_owned();
    let found = template_diagnostics(&report);
    let expect = |message: &str, line, column, suggestion: &str| {
        ("template_unknown".to_owned(), message.to_owned(), index.clone(), line, column, Some(suggestion.to_owned()))
    };
    assert_eq!(
        found,
        [
            expect("there is no filter named upperr", 1, 17, "upper"),
            expect("there is no filter named lowerr", 2, 34, "lower"),
            expect("there is no test named strng", 2, 57, "string"),
            expect("there is no function named case_crd", 3, 4, "case_card"),
            expect("the included template partials/case_crad.html does not exist", 3, 37, "partials/case_card.html"),
        ],
        "{report:#}"
    );
    // In CI annotations too, each at its place; in Chinese by default.
    let github = String::from_utf8_lossy(&site.run(&["--format", "github"]).stdout).into_owned();
    assert!(
        github.contains(
            "::error file=templates/index.html,title=template_unknown,line=2,col=34::没有名为 lowerr 的过滤器"
        ),
        "{github}"
    );
    assert_eq!(github.lines().count(), 5, "{github}");
}

/// `{% extends %}` of a template that does not exist, and templates that extend or include one
/// another in a loop, are placed at the tag, with the template meant.
#[test]
fn a_missing_or_circular_template_is_reported_at_its_tag() {
    let site = Site::with_case("valid", VALID).template("index.html", "{# home #}\n{% extends \"basee.html\" %}\n");
    let (code, report) = site.json();
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        template_diagnostics(&report),
        [(
            "template_not_found".to_owned(),
            "template index.html extends basee.html, which does not exist".to_owned(),
            "templates/index.html".to_owned(),
            2,
            13,
            Some("base.html".to_owned())
        )],
        "{report:#}"
    );
    let output = site.run(&[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("模板 index.html 继承的 basee.html 不存在"), "{stderr}");

    let site = Site::with_case("valid", VALID)
        .template("partials/a.html", "{% include \"partials/b.html\" %}")
        .template("partials/b.html", "<p>\n{% include \"partials/a.html\" %}</p>");
    let (code, report) = site.json();
    assert_eq!(code, 1, "{report:#}");
    let found = template_diagnostics(&report);
    assert_eq!(
        found,
        [(
            "template_cycle".to_owned(),
            "templates include one another in a loop: partials/a.html → partials/b.html → partials/a.html".to_owned(),
            "templates/partials/b.html".to_owned(),
            2,
            13,
            None
        )],
        "{report:#}"
    );
}

/// A block tag left open: Tera says the input ended (or an `endblock` is an unknown tag); the
/// hint names the tag and its line.
#[test]
fn a_tag_left_open_is_named_in_the_hint() {
    for (text, line, column, tag) in [
        ("<p>\n{% if site.title %}\n<b>x</b>\n", 4, 1, "`{% if %}` of line 2 has no `{% endif %}`"),
        (
            "{% extends \"base.html\" %}{% block main %}\n{% for x in site.menu %}\n{% endblock main %}\n",
            3,
            4,
            "`{% for %}` of line 2 has no `{% endfor %}`",
        ),
    ] {
        let site = Site::with_case("valid", VALID).template("index.html", text);
        let (code, report) = site.json();
        assert_eq!(code, 1, "{report:#}");
        let d = &report["diagnostics"][0];
        assert_eq!(
            (&d["file"], &d["line"], &d["column"]),
            (&"templates/index.html".into(), &line.into(), &column.into())
        );
        assert!(d["hint"].as_str().unwrap().contains(tag), "{report:#}");
    }
}

/// A template naming an interface string that neither the theme nor the site has is found by
/// `check`, at its place, with the closest string there is; before, `check` passed and every page
/// printing it failed to build.
#[test]
fn an_interface_string_the_theme_has_not_is_found_by_check() {
    let base = std::fs::read_to_string(manifest_path("themes/default/templates/base.html")).unwrap();
    assert!(base.contains("{{ t.nav.home }}"));
    let site =
        Site::with_case("valid", VALID).template("base.html", &base.replacen("{{ t.nav.home }}", "{{ t.nav.hom }}", 1));
    let (code, report) = site.json();
    assert_eq!(code, 1, "{report:#}");
    let d = &report["diagnostics"][0];
    let line = base.lines().position(|l| l.contains("{{ t.nav.home }}")).unwrap() + 1;
    assert_eq!(
        (&d["code"], &d["file"], &d["line"], &d["suggestion"]),
        (&"template_unknown".into(), &"templates/base.html".into(), &line.into(), &"t.nav.home".into()),
        "{report:#}"
    );
    // A string of the site's own, in its i18n file, is known.
    let site = site
        .template("base.html", &base.replacen("{{ t.nav.home }}", "{{ t.nav.portal }}", 1))
        .add("../i18n/zh-CN.yaml", "nav:\n  portal: 门户\n");
    assert_eq!(site.json().0, 0, "{:#}", site.json().1);
}

/// Raw HTML's images and links are resolved as Markdown's are: each one that points at nothing,
/// outside the site or at the server's root is the same error, at its value in the case file.
#[test]
fn raw_html_images_and_links_are_checked_like_markdown_ones() {
    let body = "<p align=\"center\"><img src=\"images/no-such.png\" width=\"300\"></p>\n\n\
                见<a href=\"gone.md\">已删</a>与<a href=\"other-case.md\">另一个</a>，<img src='images/site.png' width=80>。\n\n\
                <div>\n  <img\n    src=\"../../etc/passwd\">\n  <img src=\"/images/site.png\">\n</div>\n";
    let case = format!("{VALID}\n{body}");
    let first = VALID.lines().count() + 2;
    let png = std::fs::read(manifest_path("content/images/banner-safety.png")).unwrap();
    let site = Site::with_case("case", case).add("other-case.md", VALID).add("images/site.png", png);
    let (code, report) = site.json();
    assert_eq!(code, 1, "{report:#}");
    let found = positions(diagnostics_of(&report));
    assert_eq!(
        found,
        [
            ("missing_image", first, 29),
            ("broken_link", first + 2, 11),
            ("path_outside", first + 6, 10),
            ("absolute_path", first + 7, 13),
        ],
        "{report:#}"
    );
    let suggestions: Vec<_> =
        report["diagnostics"].as_array().unwrap().iter().map(|d| d["suggestion"].clone()).collect();
    assert_eq!(suggestions[3], "images/site.png", "{report:#}");
}

/// A link to a file on the editor's share or drive (`\\server\share\a.pdf`, `D:\…`) is a dead link
/// on the portal: the same `absolute_path` error as an image or a `.md` link there, Markdown's and
/// raw HTML's alike (it passed without a word, as `href="%5Csrv…"`). A link from the server's root
/// to another application stays as written.
#[test]
fn windows_paths_in_links_are_absolute_paths() {
    let body = "见[共享盘](\\\\srv\\share\\doc.pdf)、[资料](D:\\资料\\a.docx)、[b](\\srv\\x)。\n\n\
                另见<a href=\"\\\\srv\\share\\b.pdf\">共享</a>与[系统](/other-app/)。\n";
    let first = VALID.lines().count() + 2;
    let (code, report) = Site::with_case("case", format!("{VALID}\n{body}")).json();
    assert_eq!(code, 1, "{report:#}");
    for d in diagnostics_of(&report) {
        assert!(d["hint"].as_str().unwrap().contains("relative to this case file"), "{d:#}");
    }
    let found = positions(diagnostics_of(&report));
    assert_eq!(
        found,
        [
            ("absolute_path", first, 2),
            ("absolute_path", first, 29),
            ("absolute_path", first, 48),
            ("absolute_path", first + 2, 12)
        ],
        "{report:#}"
    );
}

/// A case saved with old Mac line ends (a lone CR) has its front matter found and passes; in a
/// file with mixed line ends, a mistake is placed on its line as an editor counts it.
#[test]
fn lone_carriage_returns_end_lines() {
    let (code, report) = Site::with_case("case", VALID.replace('\n', "\r")).json();
    assert_eq!((code, &report["diagnostics"]), (0, &serde_json::json!([])), "{report:#}");
    let mixed = VALID.replacen('\n', "\r", 3).replacen('\n', "\r\n", 2).replace("status: named", "status: nmed");
    let site = Site::with_case("case", mixed);
    let (_, report) = site.json();
    let d = &report["diagnostics"][0];
    let line = VALID.lines().position(|l| l == "status: named").unwrap() + 1;
    assert_eq!(
        (&d["code"], &d["line"], &d["column"]),
        (&"unknown_status".into(), &line.into(), &9.into()),
        "{report:#}"
    );
    assert_eq!(d["source_line"], "status: nmed", "{report:#}");
}

/// Control characters (pasted from Word) are a warning at each line's first one, named, and
/// removed: the check passes.
#[test]
fn control_characters_are_a_warning_at_their_place() {
    let case = VALID.replacen("title: 班组", "title: 班\u{1}组", 1).replacen("把安全", "把\u{b}安全", 1);
    let (code, report) = Site::with_case("case", case).json();
    assert_eq!(code, 0, "{report:#}");
    let found: Vec<_> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert!(d["hint"].as_str().unwrap().contains("delete it"), "{d:#}");
            let message = d["message"].as_str().unwrap();
            (
                d["code"].as_str().unwrap(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                message.to_owned(),
            )
        })
        .collect();
    let body_line = VALID.lines().position(|l| l.contains("把安全")).unwrap() as u64 + 1;
    assert_eq!(
        found,
        [
            (
                "control_character",
                2,
                9,
                "an invisible control character, U+0001, is here; the build removes it".to_owned()
            ),
            (
                "control_character",
                body_line,
                8,
                "an invisible control character, U+000B, is here; the build removes it".to_owned()
            ),
        ],
        "{report:#}"
    );
}
