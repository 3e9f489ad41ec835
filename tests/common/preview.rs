//! The preview server (`exemplar serve`) started on a temporary copy of the sample site, with a
//! small raw HTTP client, for end-to-end tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::copy_sample_site;

pub struct Preview {
    pub child: Child,
    pub port: u16,
    pub site: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

impl Preview {
    pub fn start() -> Preview {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("site");
        copy_sample_site(&site);
        let mut preview = Preview::serve(site);
        preview._tmp = Some(tmp);
        preview
    }

    /// Serves an existing site folder (left in place when the server stops).
    pub fn serve(site: PathBuf) -> Preview {
        let mut child = Command::new(env!("CARGO_BIN_EXE_exemplar"))
            .args(["serve", site.to_str().unwrap(), "--port", "0", "--lang", "en"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let port = line
            .split("http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Preview { child, port, site, _tmp: None }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Sends a raw request and returns status, head and body.
    pub fn raw(&self, request: &str) -> (u16, String, Vec<u8>) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let split = response.windows(4).position(|w| w == b"\r\n\r\n").map_or(response.len(), |i| i + 4);
        let head = String::from_utf8_lossy(&response[..split]).into_owned();
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        (status, head, response[split..].to_vec())
    }

    pub fn get(&self, path: &str) -> (u16, String, String) {
        self.get_with(path, "")
    }

    pub fn get_with(&self, path: &str, headers: &str) -> (u16, String, String) {
        let (status, head, body) =
            self.raw(&format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{headers}Connection: close\r\n\r\n"));
        (status, head, String::from_utf8_lossy(&body).into_owned())
    }

    pub fn state(&self) -> serde_json::Value {
        serde_json::from_str(&self.get("/__exemplar/state").2).unwrap()
    }

    pub fn case_file(&self, name: &str) -> PathBuf {
        self.site.join("content").join(name)
    }

    /// Polls `path` until its body satisfies `check`.
    pub fn wait_for(&self, path: &str, check: impl Fn(u16, &str) -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let (status, _, body) = self.get(path);
            if check(status, &body) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Preview {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
