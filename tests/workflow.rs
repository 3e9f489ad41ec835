//! The editors' and publishers' workflow, end to end: case history from a real git repository,
//! photos from phones, publishing into a folder that a web server keeps serving.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::*;

/// A minimal case (no `updated:`), with a fixed slug so that renaming the file keeps its URL.
fn case(slug: &str, title: &str, extra: &str) -> String {
    format!(
        "---\ntitle: {title}\nsite: {title}示范点\nenterprise: 测试集团\nstatus: building\ndate: 2024-01-10\nslug: {slug}\n{extra}---\n正文第一段。\n"
    )
}

/// Runs git in `dir` as `who` on `date` (author and committer alike, for identical commits).
fn git(dir: &Path, who: (&str, &str), date: &str, args: &[&str]) {
    let stamp = format!("{date}T09:30:00+08:00");
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", who.0)
        .env("GIT_AUTHOR_EMAIL", who.1)
        .env("GIT_AUTHOR_DATE", &stamp)
        .env("GIT_COMMITTER_NAME", who.0)
        .env("GIT_COMMITTER_EMAIL", who.1)
        .env("GIT_COMMITTER_DATE", &stamp)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

const ZHANG: (&str, &str) = ("张三", "zhang@example.org");
const LI: (&str, &str) = ("Li Si", "li@example.org");

/// A site in a git repository: the sample site plus two cases with a known history, one renamed.
fn git_site(root: &Path) -> std::path::PathBuf {
    let repo_dir = root.join("repo");
    let site = repo_dir.join("portal");
    copy_sample_site(&site);
    fs::write(site.join("content/git-a.md"), case("git-a", "甲案例", "")).unwrap();
    fs::write(site.join("content/git-b.md"), case("git-b", "乙案例", "")).unwrap();
    git(&repo_dir, ZHANG, "2024-03-01", &["init", "-q", "-b", "main"]);
    git(&repo_dir, ZHANG, "2024-03-01", &["add", "-A"]);
    git(&repo_dir, ZHANG, "2024-03-01", &["commit", "-q", "-m", "导入案例"]);
    fs::write(site.join("content/git-a.md"), case("git-a", "甲案例", "region: 广东省\n")).unwrap();
    git(&repo_dir, LI, "2024-04-02", &["commit", "-q", "-am", "Add the region"]);
    git(&repo_dir, ZHANG, "2024-05-03", &["mv", "portal/content/git-a.md", "portal/content/renamed-a.md"]);
    git(&repo_dir, ZHANG, "2024-05-03", &["commit", "-q", "-m", "移动甲案例"]);
    fs::write(site.join("content/renamed-a.md"), case("git-a", "甲案例", "region: 广东省广州市\n")).unwrap();
    git(&repo_dir, LI, "2024-06-04", &["commit", "-q", "-am", "Fix the city <b>now</b>"]);
    // A front-matter date wins over the commits.
    fs::write(site.join("content/git-b.md"), case("git-b", "乙案例", "updated: 2024-02-02\n")).unwrap();
    git(&repo_dir, LI, "2024-07-05", &["commit", "-q", "-am", "Set the date by hand"]);
    site
}

#[test]
fn git_history_gives_dates_and_changes_and_follows_renames() {
    let tmp = tempfile::tempdir().unwrap();
    let site = git_site(tmp.path());
    fs::write(
        site.join("exemplar.yaml"),
        read(site.join("exemplar.yaml")) + "source_url: \"https://git.example/org/site/src/branch/main/{path}\"\n",
    )
    .unwrap();
    let out = tmp.path().join("public");
    let built = exemplar(&["build", site.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(built.status.success(), "{}", stderr(&built));

    let a = read(out.join("cases/git-a/index.html"));
    assert!(a.contains("<time datetime=\"2024-06-04\">2024-06-04</time></td>"), "last updated from git");
    let history: Vec<(String, String, String)> = a
        .split("<ol class=\"history\">")
        .nth(1)
        .unwrap()
        .split("</ol>")
        .next()
        .unwrap()
        .split("<li>")
        .skip(1)
        .map(|li| {
            let date = li.split("datetime=\"").nth(1).unwrap()[..10].to_owned();
            let field = |class: &str| {
                li.split(&format!("<span class=\"{class}\">"))
                    .nth(1)
                    .unwrap()
                    .split("</span>")
                    .next()
                    .unwrap()
                    .to_owned()
            };
            (date, field("history__author"), field("history__message"))
        })
        .collect();
    let expected = [
        ("2024-06-04", "Li Si", "Fix the city &lt;b&gt;now&lt;/b&gt;"),
        ("2024-05-03", "张三", "移动甲案例"),
        ("2024-04-02", "Li Si", "Add the region"),
        ("2024-03-01", "张三", "导入案例"),
    ];
    let expected: Vec<(String, String, String)> =
        expected.iter().map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned())).collect();
    assert_eq!(history, expected, "the renamed file keeps its history, newest first, escaped");
    assert!(a.contains("href=\"https://git.example/org/site/src/branch/main/portal/content/renamed-a.md\""));

    let b = read(out.join("cases/git-b/index.html"));
    assert!(b.contains("<time datetime=\"2024-02-02\">2024-02-02</time></td>"), "front matter overrides git");
    assert!(b.contains("Set the date by hand"));

    // The same commits build the same pages; a copy without git builds with front-matter dates.
    let again = tmp.path().join("again");
    assert!(exemplar(&["build", site.to_str().unwrap(), "-o", again.to_str().unwrap()]).status.success());
    assert_eq!(read_tree(&out), read_tree(&again));
    let plain = tmp.path().join("plain");
    copy_dir(&site, &plain);
    let plain_out = tmp.path().join("plain-out");
    let built = exemplar(&["build", plain.to_str().unwrap(), "-o", plain_out.to_str().unwrap()]);
    assert!(built.status.success(), "{}", stderr(&built));
    let a = read(plain_out.join("cases/git-a/index.html"));
    assert!(!a.contains("class=\"history\"") && !a.contains("2024-06-04"));
    assert!(a.contains("href=\"https://git.example/org/site/src/branch/main/content/renamed-a.md\""));
}
