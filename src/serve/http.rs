//! Just enough HTTP/1.1 for a preview server: GET and HEAD, keep-alive, conditional requests and
//! single byte ranges. Requests are size-limited and time-limited so a slow or hostile client
//! cannot hold the server.

use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The request line and headers together may not exceed this.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// An idle keep-alive connection, or a client that sends its request too slowly, is dropped.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// A whole request head must arrive within this, however it trickles in: a client that sends one
/// byte a second ("slowloris") would otherwise reset the per-read timeout forever (issue 6).
pub const HEAD_DEADLINE: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: String,
    /// The raw target as sent (`/cases/a/?x=1`).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub keep_alive: bool,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[derive(Debug)]
pub enum ReadError {
    /// The client closed the connection (or stayed idle too long) between requests.
    Closed,
    /// The request is malformed: answer with this status and close.
    Bad(u16),
}

/// Reads one request head. The body of a GET or HEAD is ignored (a body on those is refused).
pub fn read_request(reader: &mut BufReader<TcpStream>) -> Result<Request, ReadError> {
    let mut head = Vec::with_capacity(512);
    let mut deadline: Option<std::time::Instant> = None;
    loop {
        let mut line = Vec::new();
        let limit = (MAX_HEAD_BYTES + 1 - head.len().min(MAX_HEAD_BYTES)) as u64;
        let read = read_line_until(reader, limit, &mut line, &mut deadline);
        match read {
            Ok(0) => return Err(if head.is_empty() { ReadError::Closed } else { ReadError::Bad(400) }),
            Ok(_) => {}
            Err(err) if head.is_empty() && is_timeout(&err) => return Err(ReadError::Closed),
            Err(_) => return Err(ReadError::Bad(408)),
        }
        if !line.ends_with(b"\n") {
            return Err(ReadError::Bad(431));
        }
        let blank = line == b"\r\n" || line == b"\n";
        if blank && head.is_empty() {
            continue; // tolerate stray empty lines before a request (RFC 9112 §2.2)
        }
        head.extend_from_slice(&line);
        if blank {
            break;
        }
        if head.len() > MAX_HEAD_BYTES {
            return Err(ReadError::Bad(431));
        }
    }
    parse_head(&head)
}

/// `read_until(b'\n')` of at most `limit` bytes, where the socket's read timeout shrinks to what
/// is left of [`HEAD_DEADLINE`], counted from the request's first byte.
fn read_line_until(
    reader: &mut BufReader<TcpStream>,
    limit: u64,
    line: &mut Vec<u8>,
    deadline: &mut Option<std::time::Instant>,
) -> io::Result<usize> {
    let mut total = 0usize;
    loop {
        if let Some(deadline) = *deadline {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "request head too slow"));
            }
            reader.get_ref().set_read_timeout(Some(left.min(READ_TIMEOUT)))?;
        }
        let available = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        if available.is_empty() {
            return Ok(total);
        }
        deadline.get_or_insert_with(|| std::time::Instant::now() + HEAD_DEADLINE);
        let room = (limit as usize).saturating_sub(total);
        let take = available.len().min(room);
        let (used, done) = match available[..take].iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (take, take == room),
        };
        line.extend_from_slice(&available[..used]);
        reader.consume(used);
        total += used;
        if done {
            // Later requests on a keep-alive connection wait the ordinary idle timeout.
            reader.get_ref().set_read_timeout(Some(READ_TIMEOUT))?;
            return Ok(total);
        }
    }
}

fn is_timeout(err: &io::Error) -> bool {
    matches!(err.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

pub fn parse_head(head: &[u8]) -> Result<Request, ReadError> {
    let text = std::str::from_utf8(head).map_err(|_| ReadError::Bad(400))?;
    let mut lines = text.split("\r\n").flat_map(|l| l.split('\n'));
    let request_line = lines.next().ok_or(ReadError::Bad(400))?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Bad(400));
    };
    if !version.starts_with("HTTP/1.") || method.is_empty() || !target.starts_with('/') {
        return Err(ReadError::Bad(400));
    }
    let mut headers = Vec::new();
    for line in lines {
        if line.is_empty() {
            continue;
        }
        let (name, value) = line.split_once(':').ok_or(ReadError::Bad(400))?;
        if name.is_empty() || name.contains(' ') {
            return Err(ReadError::Bad(400));
        }
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    let connection =
        headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("connection")).map(|(_, v)| v.to_ascii_lowercase());
    let keep_alive = match connection.as_deref() {
        Some(v) if v.contains("close") => false,
        Some(v) if v.contains("keep-alive") => true,
        _ => version == "HTTP/1.1",
    };
    let has_body = headers.iter().any(|(n, v)| {
        (n.eq_ignore_ascii_case("content-length") && v != "0") || n.eq_ignore_ascii_case("transfer-encoding")
    });
    if has_body {
        return Err(ReadError::Bad(400));
    }
    Ok(Request { method: method.to_owned(), target: target.to_owned(), headers, keep_alive })
}

/// Decodes a request path once and checks it: `None` for anything that could climb out of the
/// served root or hide a path trick (`..`, backslashes, NUL, invalid UTF-8).
pub fn clean_path(target: &str) -> Option<String> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = path.get(i + 1..i + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    let decoded = String::from_utf8(decoded).ok()?;
    if decoded.contains(['\0', '\\']) {
        return None;
    }
    let mut segments = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => return None,
            // A second layer of encoding (`%252e%252e`) stays literal: refuse it rather than guess.
            s if s.contains('%') => return None,
            s => segments.push(s),
        }
    }
    let mut clean = segments.join("/");
    if decoded.ends_with('/') && !clean.is_empty() {
        clean.push('/');
    }
    Some(clean)
}

pub fn status_text(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        304 => "Not Modified",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        414 => "URI Too Long",
        416 => "Range Not Satisfiable",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

pub struct Response<'a> {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: &'a [u8],
}

/// Writes a response; for HEAD the headers only, with the length the body would have.
pub fn write_response(
    stream: &mut impl Write,
    response: &Response,
    head_only: bool,
    keep_alive: bool,
) -> io::Result<()> {
    let mut out = Vec::with_capacity(256 + if head_only { 0 } else { response.body.len() });
    write!(out, "HTTP/1.1 {} {}\r\n", response.status, status_text(response.status))?;
    for (name, value) in &response.headers {
        write!(out, "{name}: {value}\r\n")?;
    }
    write!(out, "Content-Length: {}\r\n", response.body.len())?;
    write!(out, "Connection: {}\r\n\r\n", if keep_alive { "keep-alive" } else { "close" })?;
    if !head_only {
        out.extend_from_slice(response.body);
    }
    stream.write_all(&out)?;
    stream.flush()
}

/// A single `bytes=` range of a body of `len` bytes: `Ok(None)` for no (or an ignored) range,
/// `Err(())` for an unsatisfiable one.
#[allow(clippy::result_unit_err)]
pub fn parse_range(header: &str, len: usize) -> Result<Option<(usize, usize)>, ()> {
    let Some(spec) = header.trim().strip_prefix("bytes=") else { return Ok(None) };
    if spec.contains(',') {
        return Ok(None); // several ranges: answer with the whole body, as RFC 9110 allows
    }
    let (start, end) = spec.split_once('-').ok_or(())?;
    let (start, end) = (start.trim(), end.trim());
    let range = if start.is_empty() {
        let suffix: usize = end.parse().map_err(|_| ())?;
        if suffix == 0 || len == 0 {
            return Err(());
        }
        (len.saturating_sub(suffix), len - 1)
    } else {
        let start: usize = start.parse().map_err(|_| ())?;
        let end: usize = if end.is_empty() { len.saturating_sub(1) } else { end.parse().map_err(|_| ())? };
        if start >= len || end < start {
            return Err(());
        }
        (start, end.min(len - 1))
    };
    Ok(Some(range))
}

pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e).to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_cleaned_or_refused() {
        assert_eq!(clean_path("/").as_deref(), Some(""));
        assert_eq!(clean_path("/cases/a/?x=1").as_deref(), Some("cases/a/"));
        assert_eq!(clean_path("/media/%E5%9B%BE.png").as_deref(), Some("media/图.png"));
        assert_eq!(clean_path("/./static//style.css").as_deref(), Some("static/style.css"));
        for bad in [
            "/../etc/passwd",
            "/cases/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E%2Fetc%2Fpasswd",
            "/%252e%252e/etc/passwd",
            "/a%5c..%5cb",
            "/a%00b",
            "/%zz",
            "/%ff",
        ] {
            assert_eq!(clean_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Ok(Some((0, 9))));
        assert_eq!(parse_range("bytes=90-", 100), Ok(Some((90, 99))));
        assert_eq!(parse_range("bytes=-10", 100), Ok(Some((90, 99))));
        assert_eq!(parse_range("bytes=50-500", 100), Ok(Some((50, 99))));
        assert_eq!(parse_range("bytes=100-", 100), Err(()));
        assert_eq!(parse_range("bytes=5-1", 100), Err(()));
        assert_eq!(parse_range("bytes=0-1,5-6", 100), Ok(None));
        assert_eq!(parse_range("items=0-1", 100), Ok(None));
    }

    #[test]
    fn heads_are_parsed_strictly() {
        let request = parse_head(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert!(request.keep_alive);
        assert_eq!(request.header("host"), Some("x"));
        assert!(!parse_head(b"GET /a HTTP/1.0\r\n\r\n").unwrap().keep_alive);
        assert!(matches!(parse_head(b"GET a HTTP/1.1\r\n\r\n"), Err(ReadError::Bad(400))));
        assert!(matches!(parse_head(b"GET /a\r\n\r\n"), Err(ReadError::Bad(400))));
        assert!(matches!(parse_head(b"POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\n"), Err(ReadError::Bad(400))));
    }
}
