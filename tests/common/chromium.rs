//! Starting and stopping headless Chromium: for the tests (`common::browser`) and, included by
//! path, for `search_support` (which the search benchmark shares).
#![allow(dead_code)]

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command};

/// Debian's `chromium`, headless as these tests run it, on the profile `profile`: its own
/// temporary folders, which a killed browser leaves, go there too (`TMPDIR`), and it runs in a
/// process group of its own, so that [`stop`] stops its helper processes with it. Callers add
/// their own flags and the page.
pub fn command(profile: &Path) -> Command {
    let mut command = Command::new("chromium");
    command
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .env("TMPDIR", profile)
        .process_group(0);
    command
}

/// Stops a Chromium of [`command`] with its helper processes (its process group): killed alone,
/// they went on writing into the profile while it was removed, and left it behind.
pub fn stop(child: &mut Child) {
    // SAFETY: kill(2) with the group's id (the child's pid, see `process_group(0)`) and a signal.
    unsafe {
        libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}
