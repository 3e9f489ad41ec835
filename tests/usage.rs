//! The command line's help and usage errors, through the real binary: in Chinese by default, in
//! English with `--lang en` or on an English site, naming what was wrong and how to put it right.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{copy_sample_site, stderr, stdout};

/// Runs the binary in `dir`, a folder that is not a site unless a test makes it one.
fn exemplar_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exemplar"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run exemplar")
}

/// Fails with the whole text when one of `expected` is not in it.
fn assert_contains_all(text: &str, expected: &[&str]) {
    for expected in expected {
        assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
    }
}

#[test]
fn help_is_in_chinese_by_default_and_in_english_with_lang() {
    let tmp = tempfile::tempdir().unwrap();
    let help = exemplar_in(tmp.path(), &["--help"]);
    assert_eq!(help.status.code(), Some(0));
    let text = stdout(&help);
    assert_contains_all(
        &text,
        &[
            "用法：exemplar [选项] <命令>",
            "命令：",
            "build    校验站点并生成门户",
            "-h, --help         显示帮助",
            "显示版本",
        ],
    );
    for english in ["Usage", "Commands:", "Options:", "Print help", "subcommand"] {
        assert!(!text.contains(english), "{english:?} in the Chinese help:\n{text}");
    }

    // A subcommand's help, asked for either way, and the nested `new case`.
    for args in [&["build", "--help"][..], &["help", "build"]] {
        let text = stdout(&exemplar_in(tmp.path(), args));
        assert!(text.contains("用法：exemplar build [选项] [SITE_DIR]"), "{args:?}:\n{text}");
        assert!(text.contains("参数：\n  [SITE_DIR]  站点目录（含 exemplar.yaml） [默认：.]"), "{args:?}:\n{text}");
        assert!(text.contains("-o, --output <OUTPUT>      输出目录"), "{args:?}:\n{text}");
        assert!(!text.contains("Options") && !text.contains("[default"), "{args:?}:\n{text}");
    }
    let text = stdout(&exemplar_in(tmp.path(), &["new", "case", "-h"]));
    assert!(text.contains("案例标题，例如“安全生产示范岗建设”"), "{text}");

    let text = stdout(&exemplar_in(tmp.path(), &["--lang", "en", "build", "--help"]));
    assert_contains_all(
        &text,
        &[
            "Validate the site and write the portal",
            "Usage: exemplar build [OPTIONS] [SITE_DIR]",
            "Arguments:\n  [SITE_DIR]  The site folder (with exemplar.yaml) [default: .]",
            "Options:",
            "Output folder",
            "Print help",
        ],
    );
    assert!(!text.contains("用法") && !text.contains("选项"), "{text}");
}

#[test]
fn a_mistyped_option_is_named_with_a_suggestion_in_the_sites_language() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let config = std::fs::read_to_string(site.join("exemplar.yaml")).unwrap();
    std::fs::write(site.join("exemplar.yaml"), config.replacen("language: zh-CN", "language: en", 1)).unwrap();
    let site_arg = site.to_str().unwrap();

    let wrong = exemplar_in(tmp.path(), &["build", site_arg, "--outptu", "out"]);
    assert_eq!(wrong.status.code(), Some(2));
    let text = stderr(&wrong);
    assert_contains_all(
        &text,
        &[
            "error: unknown option or argument '--outptu'",
            "= help: did you mean \"--output\"?",
            "Usage: exemplar build [OPTIONS] [SITE_DIR]",
            "For more, run: exemplar build --help",
        ],
    );
    assert!(!site.join("public").exists() && !tmp.path().join("out").exists(), "nothing is built");

    // `--lang` wins over the site's language.
    let text = stderr(&exemplar_in(tmp.path(), &["build", site_arg, "--outptu", "out", "--lang", "zh-CN"]));
    assert!(text.contains("错误: 不认识的选项或参数“--outptu”"), "{text}");
    assert!(text.contains("= 提示: 是不是想写“--output”？"), "{text}");

    // A mistyped command, in a folder that is no site: Chinese.
    let text = stderr(&exemplar_in(tmp.path(), &["buld"]));
    assert!(text.contains("错误: 没有“buld”这个命令") && text.contains("是不是想写“build”？"), "{text}");
}

#[test]
fn a_bad_or_missing_value_says_what_was_expected() {
    let tmp = tempfile::tempdir().unwrap();
    let port = exemplar_in(tmp.path(), &["serve", "--port", "abc"]);
    assert_eq!(port.status.code(), Some(2));
    let text = stderr(&port);
    assert_contains_all(
        &text,
        &[
            "错误: “abc”不是 --port <PORT> 可用的值",
            "= 期望: 监听的端口，0–65535 的整数",
            "用法：exemplar serve [选项] [SITE_DIR]",
            "查看说明：exemplar serve --help",
        ],
    );

    let text = stderr(&exemplar_in(tmp.path(), &["check", "--format", "xml"]));
    assert!(text.contains("“xml”不是 --format <FORMAT> 可用的值"), "{text}");
    assert!(text.contains("= 期望: 以下值之一：text, json, gitlab, github"), "{text}");

    let missing = exemplar_in(tmp.path(), &["--lang", "en", "search"]);
    assert_eq!(missing.status.code(), Some(2));
    let text = stderr(&missing);
    assert!(text.contains("error: required arguments missing: <SITE_DIR>, <QUERY>"), "{text}");
    assert!(text.contains("Usage: exemplar search [OPTIONS] <SITE_DIR> <QUERY>"), "{text}");

    // A language Exemplar has no messages for is a mistake, not Chinese in silence.
    let lang = exemplar_in(tmp.path(), &["build", "--lang", "fr"]);
    assert_eq!(lang.status.code(), Some(2));
    let text = stderr(&lang);
    assert!(text.contains("“fr”不是 --lang <LANG> 可用的值"), "{text}");
    assert!(text.contains("= 期望: 提示信息的语言：zh-CN 或 en"), "{text}");
    assert_eq!(exemplar_in(tmp.path(), &["--lang", "en-GB", "check", "--help"]).status.code(), Some(0));
    assert_eq!(exemplar_in(tmp.path(), &["--lang", "zh", "check", "--help"]).status.code(), Some(0));
    assert_eq!(exemplar_in(tmp.path(), &["--lang", "en-US", "check", "--help"]).status.code(), Some(0));
    // Nor is traditional Chinese read as the simplified the messages are in.
    for other in ["zh-TW", "zh-Hant"] {
        let lang = exemplar_in(tmp.path(), &["check", "--lang", other]);
        assert_eq!(lang.status.code(), Some(2), "{other}");
        assert!(stderr(&lang).contains(&format!("“{other}”不是 --lang <LANG> 可用的值")), "{}", stderr(&lang));
    }

    // A blank or too long title or enterprise would make a case that fails `check` at once
    // (`empty_field`, `value_too_long`): refused, no file written.
    std::fs::create_dir_all(tmp.path().join("content")).unwrap();
    let limit = exemplar::content::front_matter::MAX_TEXT_CHARS;
    let long = "长".repeat(limit + 1);
    for (args, lang, said) in [
        (&["", "--lang"][..], "zh-CN", "错误: <TITLE> 不能是空的（也不能只有空格或零宽空格等看不见的字符）"),
        (&[" 　", "--lang"], "en", "error: <TITLE> cannot be empty (nor only spaces or invisible characters"),
        (&["\u{200B}", "--lang"], "zh-CN", "错误: <TITLE> 不能是空的"),
        (&["\u{200B}\u{FEFF} \u{2060}", "--lang"], "en", "error: <TITLE> cannot be empty"),
        (&["标题", "--enterprise", "", "--lang"], "zh-CN", "错误: --enterprise <ENTERPRISE> 不能是空的"),
        (&["标题", "--enterprise", " ", "--lang"], "en", "error: --enterprise <ENTERPRISE> cannot be empty"),
        (&[long.as_str(), "--lang"], "zh-CN", &format!("错误: <TITLE> 有 {} 个字符，最多允许 {limit} 个", limit + 1)),
        (
            &["Title", "--enterprise", long.as_str(), "--lang"],
            "en",
            &format!("error: --enterprise <ENTERPRISE> has {} characters; at most {limit} are allowed", limit + 1),
        ),
    ] {
        let mut args = [&["new", "case"][..], args].concat();
        args.push(lang);
        let new = exemplar_in(tmp.path(), &args);
        assert_eq!(new.status.code(), Some(2), "{args:?}");
        let text = stderr(&new);
        assert!(text.contains(said), "{text}");
        assert!(text.contains("exemplar new case --help"), "{text}");
    }
    assert_eq!(std::fs::read_dir(tmp.path().join("content")).unwrap().count(), 0);

    let text = stderr(&exemplar_in(tmp.path(), &["publish", "--rollback"]));
    assert!(text.contains("缺少必需的参数：--to <DIR>"), "{text}");
}

/// Whatever `new case` accepts, `check` passes: the title and enterprise are written as YAML text
/// whatever they hold, and the limits are check's own.
#[test]
fn every_case_new_case_writes_passes_check() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    assert!(exemplar_in(tmp.path(), &["init", site.to_str().unwrap()]).status.success());
    let limit = exemplar::content::front_matter::MAX_TEXT_CHARS;
    let longest = "长".repeat(limit);
    let titles = [
        "安全生产示范岗",
        "🚇 地铁先锋 🚩",
        "\"引号\" 与 “中文引号” 'single'",
        "标题: 冒号：全角",
        "#1 班组 # 注",
        "-开头的横线",
        "--",
        "~",
        "null",
        "2024-01-01",
        "[a, b] {c: d} &anchor *alias !tag",
        "a\\b {title} {{x}} %s",
        "  前后有空格  ",
        "\u{200B}零宽空格开头",
        longest.as_str(),
    ];
    let mut written = 0;
    for (n, title) in titles.iter().enumerate() {
        // An enterprise as odd as the titles, the longest one too.
        let enterprise = titles[(n + 1) % titles.len()];
        // After `--` a title may start with a dash, and `--enterprise=…` an enterprise.
        let enterprise = format!("--enterprise={enterprise}");
        let args = ["new", "case", "--dir", site.to_str().unwrap(), &enterprise, "--", title];
        let new = exemplar_in(tmp.path(), &args);
        assert_eq!(new.status.code(), Some(0), "{title:?}: {}", stderr(&new));
        written += 1;
    }
    assert_eq!(
        std::fs::read_dir(site.join("content")).unwrap().count(),
        2 + written,
        "init's two cases and the new ones"
    );
    let check = exemplar_in(tmp.path(), &["check", site.to_str().unwrap(), "--drafts"]);
    assert_eq!(check.status.code(), Some(0), "{}{}", stdout(&check), stderr(&check));
    assert!(stderr(&check).contains("0 条警告") || stdout(&check).contains("0 条警告"), "{}", stderr(&check));
}
