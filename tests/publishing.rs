//! Publishing under stress (issue 6): builds killed with SIGKILL at random moments, two builds at
//! once, an unwritable output folder and a full disk. After each, the output folder is the last
//! good build, file for file, and the next build succeeds.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

fn build_cmd(site: &Path, out: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_exemplar"));
    cmd.args(["build", site.to_str().unwrap(), "-o", out.to_str().unwrap(), "--quiet"]).env("NO_COLOR", "1");
    cmd
}

/// A small deterministic generator (no clock in the test's choices beyond the seed).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn leftovers(parent: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".staging-") || n.contains(".old-"))
        .collect();
    names.sort();
    names
}

#[test]
fn a_build_killed_at_any_moment_leaves_the_last_good_output() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let out = tmp.path().join("public");
    let status = build_cmd(&site, &out).status().unwrap();
    assert!(status.success());
    let mut good = read_tree(&out);

    // How long a whole build takes here, to spread the kills over it.
    let start = Instant::now();
    assert!(build_cmd(&site, &out).arg("--force").status().unwrap().success());
    let full = start.elapsed().as_micros().max(1000) as u64;

    let rounds: usize = std::env::var("EXEMPLAR_KILL_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let mut rng = Lcg(0x5eed_0006);
    let mut stale_seen = 0;
    let mut swapped_then_killed = 0;
    let case = site.join("content/tunnel-branch-safety.md");
    for round in 0..rounds {
        // Each round changes the site, so a completed build would differ from the last good one.
        let text = read(&case);
        fs::write(&case, format!("{text}\n第 {round} 轮。\n")).unwrap();
        let mut child = build_cmd(&site, &out).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(Duration::from_micros(rng.next() % (full * 11 / 10)));
        let _ = child.kill(); // SIGKILL
        let finished = child.wait().unwrap().success();
        let now = read_tree(&out);
        if finished {
            good = now; // it won the race: this is the new last good output
        } else if now != good {
            // Killed after its swap (while removing the old output): then the output must be the
            // complete new build, which a build of the same site elsewhere reproduces byte for byte.
            let reference = tmp.path().join("reference");
            assert!(build_cmd(&site, &reference).status().unwrap().success());
            assert!(
                now == read_tree(&reference),
                "round {round}: the output is neither the last good build nor the new one"
            );
            fs::remove_dir_all(&reference).unwrap();
            swapped_then_killed += 1;
            good = now;
        }
        stale_seen += leftovers(tmp.path()).len();
        // The next build cleans up and succeeds.
        if round % 5 == 4 {
            let result = exemplar(&["build", site.to_str().unwrap(), "-o", out.to_str().unwrap()]);
            assert!(result.status.success(), "round {round}: {}", stderr(&result));
            assert!(leftovers(tmp.path()).is_empty(), "round {round}: {:?}", leftovers(tmp.path()));
            good = read_tree(&out);
        }
    }
    eprintln!(
        "{rounds} kills; {swapped_then_killed} after the swap; {stale_seen} stale folders seen and cleaned by the next build"
    );
}

#[test]
fn two_builds_at_once_do_not_corrupt_each_other() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let out = tmp.path().join("public");
    assert!(build_cmd(&site, &out).status().unwrap().success());

    // Hold the lock as another build would, and build (forced: nothing changed since the last
    // one): a clear message, nothing touched.
    let lock =
        fs::File::options().write(true).create(true).truncate(false).open(tmp.path().join(".public.lock")).unwrap();
    lock.lock().unwrap();
    let before = read_tree(&out);
    let result = exemplar(&["build", site.to_str().unwrap(), "-o", out.to_str().unwrap(), "--force"]);
    assert_eq!(result.status.code(), Some(1));
    assert!(stderr(&result).contains("正在写入"), "{}", stderr(&result));
    let result = exemplar(&["build", site.to_str().unwrap(), "-o", out.to_str().unwrap(), "--lang", "en", "--force"]);
    assert!(stderr(&result).contains("another build"), "{}", stderr(&result));
    assert_eq!(read_tree(&out), before);
    drop(lock);

    // Four real builds at once: each either succeeds or is refused by the lock; the result is whole.
    let children: Vec<_> = (0..4)
        .map(|_| build_cmd(&site, &out).arg("--force").stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap())
        .collect();
    let mut succeeded = 0;
    for child in children {
        let output = child.wait_with_output().unwrap();
        if output.status.success() {
            succeeded += 1;
        } else {
            let err = String::from_utf8_lossy(&output.stderr);
            assert!(err.contains("output_locked") || err.contains("正在写入"), "{err}");
        }
    }
    assert!(succeeded >= 1);
    assert_eq!(read_tree(&out), before, "the same site builds the same output");
    assert!(leftovers(tmp.path()).is_empty());
}

/// A tmpfs mounted for the test (needs root); unmounted on drop.
struct Tmpfs(PathBuf);
impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        fs::create_dir_all(dir).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs", dir.to_str().unwrap()])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(dir.to_path_buf()))
    }
    fn remount(&self, options: &str) -> bool {
        let o = format!("remount,{options}");
        Command::new("mount").args(["-o", &o, self.0.to_str().unwrap()]).status().is_ok_and(|s| s.success())
    }
}
impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn an_unwritable_or_full_disk_gives_a_clear_error_and_keeps_the_last_output() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let Some(disk) = Tmpfs::mount(&tmp.path().join("disk"), "64m") else {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    };
    let out = disk.0.join("public");
    assert!(build_cmd(&site, &out).status().unwrap().success());
    let before = read_tree(&out);

    // Read-only (even for root): the error names the folder, the output stays. (Forced: nothing
    // changed since the last build.)
    assert!(disk.remount("ro"));
    let result = exemplar(&["build", site.to_str().unwrap(), "-o", out.to_str().unwrap(), "--force"]);
    assert_eq!(result.status.code(), Some(1));
    let err = stderr(&result);
    assert!(err.contains("write_failed") && err.contains("public"), "{err}");
    assert_eq!(read_tree(&out), before);
    assert!(disk.remount("rw"));

    // Full: fill the disk but for 64 KB, change a case, build.
    let free = {
        let out = Command::new("df").args(["--output=avail", "-B1"]).arg(&disk.0).output().unwrap();
        String::from_utf8_lossy(&out.stdout).lines().nth(1).unwrap().trim().parse::<u64>().unwrap()
    };
    let filler = fs::File::create(disk.0.join("filler")).unwrap();
    // tmpfs allocates on write: write zeros rather than a sparse file.
    let chunk = vec![0u8; 1 << 20];
    let mut left = free.saturating_sub(64 * 1024);
    let mut writer = std::io::BufWriter::new(filler);
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        if std::io::Write::write_all(&mut writer, &chunk[..n]).is_err() {
            break;
        }
        left -= n as u64;
    }
    drop(writer);
    let case = site.join("content/tunnel-branch-safety.md");
    fs::write(&case, read(&case) + "\n新的一段。\n").unwrap();
    let result = exemplar(&["build", site.to_str().unwrap(), "-o", out.to_str().unwrap(), "--lang", "en"]);
    assert_eq!(result.status.code(), Some(1));
    let err = stderr(&result);
    assert!(err.contains("cannot write") && err.contains("disk space"), "{err}");
    assert_eq!(read_tree(&out), before, "the last good output is intact");
    assert!(leftovers(&disk.0).is_empty(), "the staging folder was removed");

    // Space again: the next build succeeds.
    fs::remove_file(disk.0.join("filler")).unwrap();
    assert!(build_cmd(&site, &out).status().unwrap().success());
}

fn publish_cmd(site: &Path, to: &Path, more: &[&str]) -> std::process::Output {
    let mut args = vec!["publish", site.to_str().unwrap(), "--to", to.to_str().unwrap()];
    args.extend_from_slice(more);
    exemplar(&args)
}

/// Every entry under `dir` (not following links), with a file's bytes or a link's target.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut all: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| {
            let e = e.unwrap();
            let what = if e.path_is_symlink() {
                fs::read_link(e.path()).unwrap().to_string_lossy().into_owned().into_bytes()
            } else if e.file_type().is_file() {
                fs::read(e.path()).unwrap()
            } else {
                b"dir".to_vec()
            };
            (e.path().display().to_string(), what)
        })
        .collect();
    all.sort();
    all
}

/// `--to DIR` where DIR is another site's folder or a file: refused in both languages, and nothing
/// at all changes on disk (the folder used to become a version, to be pruned a few publishes
/// later; the file became a link).
#[test]
fn publish_refuses_a_folder_or_file_that_is_not_its_own() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let webroot = tmp.path().join("webroot");
    fs::create_dir_all(webroot.join("othersite")).unwrap();
    fs::write(webroot.join("othersite/index.html"), "another site").unwrap();
    fs::write(webroot.join("notes.txt"), "my notes").unwrap();
    std::os::unix::fs::symlink("othersite", webroot.join("link")).unwrap();
    let before = snapshot(tmp.path());
    for (to, zh, en) in [
        ("othersite", "不是 exemplar 生成的", "was not made by exemplar"),
        ("notes.txt", "这是一个文件", "it is a file"),
        ("link", "符号链接", "symbolic link"),
    ] {
        let to = webroot.join(to);
        let result = publish_cmd(&site, &to, &[]);
        assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
        assert!(stderr(&result).contains(zh) && stderr(&result).contains("未做任何改动"), "{}", stderr(&result));
        let result = publish_cmd(&site, &to, &["--lang", "en"]);
        assert_eq!(result.status.code(), Some(1));
        assert!(stderr(&result).contains(en) && stderr(&result).contains("nothing was changed"), "{}", stderr(&result));
    }
    assert_eq!(snapshot(tmp.path()), before, "nothing was made, moved or removed");

    // A portal made by `exemplar build` becomes the first version, and an empty folder is taken.
    let built = webroot.join("built");
    assert!(build_cmd(&site, &built).status().unwrap().success());
    let result = publish_cmd(&site, &built, &["--lang", "en"]);
    assert!(stdout(&result).contains("Nothing changed"), "{}", stdout(&result));
    let case = site.join("content/tunnel-branch-safety.md");
    fs::write(&case, read(&case) + "\n新的一段。\n").unwrap();
    let result = publish_cmd(&site, &built, &["--lang", "en"]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert_eq!(fs::read_link(&built).unwrap(), Path::new("built.versions/2"));
    assert!(webroot.join("built.versions/1.own").is_file(), "the earlier build is this tool's version 1");
    fs::create_dir_all(webroot.join("empty")).unwrap();
    assert!(publish_cmd(&site, &webroot.join("empty"), &[]).status.success());

    // A portal built with a warning is this tool's too (its record says it had warnings), and a
    // build after it is never skipped: the warning is told again.
    fs::write(&case, read(&case) + "\n控制\u{1}字符。\n").unwrap();
    let warned = webroot.join("warned");
    for _ in 0..2 {
        let result = exemplar(&["build", site.to_str().unwrap(), "-o", warned.to_str().unwrap()]);
        assert!(result.status.success() && stderr(&result).contains("control_character"), "{}", stderr(&result));
    }
    let result = publish_cmd(&site, &warned, &["--lang", "en"]);
    assert!(result.status.success() && stdout(&result).contains("Nothing changed"), "{}", stderr(&result));
    fs::write(&case, read(&case) + "\n又一段。\n").unwrap();
    assert!(publish_cmd(&site, &warned, &[]).status.success());
    assert!(webroot.join("warned.versions/1.own").is_file(), "the build with a warning is version 1");
}

/// A publish whose site is missing, or whose target has no name of its own, changes nothing
/// (the target used to be made a link before the build ran, and `--to /` left a
/// `public.versions` folder); a first publish that fails does not claim a last good portal.
#[test]
fn a_failed_publish_changes_nothing_and_says_so_truthfully() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let before = snapshot(tmp.path());
    let result = publish_cmd(&tmp.path().join("nonexistent"), &site.join("content"), &[]);
    assert_eq!(result.status.code(), Some(1));
    assert!(
        stderr(&result).contains("config_missing") || stderr(&result).contains("exemplar.yaml"),
        "{}",
        stderr(&result)
    );
    assert_eq!(snapshot(tmp.path()), before);
    for to in ["/", ".", ".."] {
        let result = Command::new(env!("CARGO_BIN_EXE_exemplar"))
            .args(["publish", site.to_str().unwrap(), "--to", to, "--lang", "en"])
            .current_dir(&site)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert_eq!(result.status.code(), Some(1), "{to}: {}", stderr(&result));
        assert!(stderr(&result).contains("needs a folder name of its own"), "{to}: {}", stderr(&result));
        assert!(!Path::new("/public.versions").exists());
    }
    // The site itself, or a folder that holds it.
    for to in [site.clone(), tmp.path().to_path_buf()] {
        let result = publish_cmd(&site, &to, &["--lang", "en"]);
        assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
        assert!(stderr(&result).contains("holds it"), "{}", stderr(&result));
    }
    assert_eq!(snapshot(tmp.path()), before);

    // A first publish whose build fails: nothing at the target, and no "last good portal".
    let case = site.join("content/tunnel-branch-safety.md");
    let good = read(&case);
    fs::write(&case, good.replacen("title:", "titel:", 1)).unwrap();
    let to = tmp.path().join("www/practice");
    let result = publish_cmd(&site, &to, &[]);
    assert_eq!(result.status.code(), Some(1));
    let err = stderr(&result);
    assert!(err.contains("没有写入任何内容") && !err.contains("保持不变"), "{err}");
    assert!(!tmp.path().join("www").exists(), "nothing made for the target");
    // After a good publish, a failed one says the portal served is unchanged.
    fs::write(&case, &good).unwrap();
    assert!(publish_cmd(&site, &to, &[]).status.success());
    let served = snapshot(&tmp.path().join("www"));
    fs::write(&case, good.replacen("title:", "titel:", 1)).unwrap();
    let result = publish_cmd(&site, &to, &["--lang", "en"]);
    assert_eq!(result.status.code(), Some(1));
    assert!(stderr(&result).contains("The last good portal is unchanged"), "{}", stderr(&result));
    assert_eq!(snapshot(&tmp.path().join("www")), served);
}

/// `--base-url` and `base_url:` must be web addresses: they are written before every address of
/// the 404 page, sitemap, feed, robots.txt and data files.
#[test]
fn a_base_url_that_is_not_a_web_address_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let to = tmp.path().join("www");
    for bad in ["notaurl", "intranet.example/practice/", "http://", "http://intra net/"] {
        let result = publish_cmd(&site, &to, &["--base-url", bad, "--lang", "en"]);
        assert_eq!(result.status.code(), Some(2), "{bad}: {}", stderr(&result));
        assert!(stderr(&result).contains("https://intranet.example/practice/"), "{}", stderr(&result));
        let result = exemplar(&["build", site.to_str().unwrap(), "-o", to.to_str().unwrap(), "--base-url", bad]);
        assert_eq!(result.status.code(), Some(2), "{bad}: {}", stderr(&result));
        assert!(stderr(&result).contains("http://"), "{}", stderr(&result));
    }
    assert!(!to.exists());
    let config = read(site.join("exemplar.yaml"));
    fs::write(site.join("exemplar.yaml"), config.replacen("base_url: http://localhost/", "base_url: notaurl", 1))
        .unwrap();
    let result = publish_cmd(&site, &to, &["--lang", "en"]);
    assert_eq!(result.status.code(), Some(1));
    let line = config.lines().position(|l| l.starts_with("base_url:")).unwrap() + 1;
    let err = stderr(&result);
    assert!(err.contains("config_bad_base_url") && err.contains(&format!("exemplar.yaml:{line}:11")), "{err}");
    assert!(!to.exists());
    // The documented default `/` stays allowed.
    fs::write(site.join("exemplar.yaml"), config.replacen("base_url: http://localhost/", "base_url: /", 1)).unwrap();
    let result = publish_cmd(&site, &to, &["--base-url", "https://intranet.example/practice/"]);
    assert!(result.status.success(), "{}", stderr(&result));
    let result = exemplar(&["build", site.to_str().unwrap(), "-o", tmp.path().join("out").to_str().unwrap()]);
    assert!(result.status.success(), "{}", stderr(&result));
}

/// Publishing what is already served makes no version and prunes nothing, so an hourly job keeps
/// the last real rollback point; a new version hard-links the files it shares with the served one
/// (same inode and time: rsync sends only what changed).
#[test]
fn publishing_the_same_portal_again_changes_nothing() {
    use std::os::unix::fs::MetadataExt;
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let www = tmp.path().join("www");
    let to = www.join("practice");
    assert!(publish_cmd(&site, &to, &[]).status.success());
    let case = site.join("content/tunnel-branch-safety.md");
    fs::write(&case, read(&case) + "\n新的一段。\n").unwrap();
    assert!(publish_cmd(&site, &to, &[]).status.success());
    assert_eq!(fs::read_link(&to).unwrap(), Path::new("practice.versions/2"));
    let (one, two) = (www.join("practice.versions/1"), www.join("practice.versions/2"));
    let (old, new) = (read_tree(&one), read_tree(&two));
    let mut shared = 0;
    for (rel, bytes) in &new {
        if old.get(rel) == Some(bytes) && rel != ".exemplar-build" {
            let (a, b) = (fs::metadata(one.join(rel)).unwrap(), fs::metadata(two.join(rel)).unwrap());
            assert_eq!((a.ino(), a.mtime_nsec()), (b.ino(), b.mtime_nsec()), "{rel} was written again");
            shared += 1;
        }
    }
    assert!(shared > 10, "{shared}");

    // Nothing changed: no version 3, version 1 still kept, in both languages.
    let before = snapshot(&www);
    let result = publish_cmd(&site, &to, &[]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(stdout(&result).contains("没有变化"), "{}", stdout(&result));
    // Even after a fresh checkout (the inputs' times change, not their bytes).
    fs::write(&case, read(&case)).unwrap();
    let result = publish_cmd(&site, &to, &["--lang", "en"]);
    assert!(
        stdout(&result).contains("Nothing changed") && stdout(&result).contains("no new version"),
        "{}",
        stdout(&result)
    );
    assert_eq!(snapshot(&www), before, "no version made, none pruned");
}

/// An unwritable disk: the build's error is in the reader's language only, and publish says the
/// folder cannot be written (not that links are missing, nor a `.next` folder never configured).
#[test]
fn an_unwritable_folder_is_told_in_the_readers_language() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let Some(disk) = Tmpfs::mount(&tmp.path().join("disk"), "16m") else {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    };
    assert!(disk.remount("ro"));
    let out = disk.0.join("public");
    let result = build_cmd(&site, &out).output().unwrap();
    assert_eq!(result.status.code(), Some(1));
    let err = stderr(&result);
    assert!(err.contains("暂存目录") && !err.contains("cannot") && !err.contains("staging folder"), "{err}");
    let result = exemplar(&["build", site.to_str().unwrap(), "-o", out.to_str().unwrap(), "--lang", "en"]);
    assert!(stderr(&result).contains("cannot prepare the staging folder"), "{}", stderr(&result));
    for (lang, says) in [("zh-CN", "不可写"), ("en", "cannot be written")] {
        let result = publish_cmd(&site, &disk.0.join("practice"), &["--lang", lang]);
        assert_eq!(result.status.code(), Some(1));
        let err = stderr(&result);
        assert!(err.contains(says) && !err.contains(".next"), "{err}");
    }
    assert!(disk.remount("rw"));
}
