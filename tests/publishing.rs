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
