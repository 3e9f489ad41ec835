//! The preview server under slow and greedy clients (issue 6): clients that trickle one byte a
//! second do not delay others and are dropped after the head deadline; the number of threads stays
//! bounded however many connections are opened.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::preview::Preview;

fn start() -> Preview {
    Preview::start()
}

fn get(port: u16) -> (u16, Duration) {
    let start = Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let status = String::from_utf8_lossy(&response).split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, start.elapsed())
}

fn threads(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task")).map(|d| d.count()).unwrap_or(0)
}

#[test]
fn slow_clients_do_not_block_others_and_are_dropped() {
    let server = start();
    let port = server.port;
    // 30 clients sending one byte a second, forever if allowed.
    let slow: Vec<_> = (0..30)
        .map(|_| {
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
                let start = Instant::now();
                let request =
                    b"GET / HTTP/1.1\r\nHost: x\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
                for byte in request.iter().cycle().take(40) {
                    if stream.write_all(&[*byte]).is_err() {
                        break;
                    }
                    std::thread::sleep(Duration::from_secs(1));
                    // Dropped by the server: stop.
                    stream.set_nonblocking(true).unwrap();
                    let mut buf = [0u8; 256];
                    let closed = stream.read(&mut buf).is_ok();
                    stream.set_nonblocking(false).unwrap();
                    if closed {
                        break;
                    }
                }
                start.elapsed()
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    for _ in 0..20 {
        let (status, took) = get(port);
        assert_eq!(status, 200);
        assert!(took < Duration::from_secs(2), "a normal request took {took:?} beside slow clients");
    }
    for handle in slow {
        let held = handle.join().unwrap();
        assert!(held < Duration::from_secs(14), "a slow client held its connection {held:?}");
    }
}

#[test]
fn connections_and_threads_are_bounded() {
    let server = start();
    let port = server.port;
    let before = threads(server.child.id());
    // 400 connections that send nothing.
    let idle: Vec<TcpStream> = (0..400).filter_map(|_| TcpStream::connect(("127.0.0.1", port)).ok()).collect();
    std::thread::sleep(Duration::from_millis(500));
    let during = threads(server.child.id());
    assert!(during <= before + exemplar::serve::MAX_CONNECTIONS + 2, "{during} threads (before: {before})");
    // Past the cap, answered at once with 503.
    let (status, took) = get(port);
    assert!(status == 503 || status == 200, "{status}");
    assert!(took < Duration::from_secs(2));
    // Idle connections are dropped after the timeout; the server serves again.
    std::thread::sleep(exemplar::serve::http::READ_TIMEOUT + Duration::from_secs(1));
    assert_eq!(get(port).0, 200);
    drop(idle);
    eprintln!("threads: {before} before, {during} with 400 idle connections");
}
