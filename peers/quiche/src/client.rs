//! The client: one URL is an exchange, several a batch on one connection (all requested at
//! once); --session resumed/early-data primes a session in-process first. Prints the
//! contract's JSON for the measured connection. Times are Instants taken in this loop as
//! quiche reports each event (after the recv or poll call that delivered it).
use crate::net::{self, Sender, Socket};
use crate::options::{Client, Session, Url};
use crate::pattern::{self, Check};
use crate::transport;
use quiche::h3::NameValue;
use serde_json::{json, Map, Value};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const CHUNK_BYTES: usize = 64 * 1024;
/// What is kept of a response body that is not the pattern (an error's text, an upload's answer).
const KEPT_TEXT_BYTES: usize = 4096;
/// How long the priming connection waits for its session ticket after its response.
const TICKET_WAIT: Duration = Duration::from_secs(2);
const SSL_EARLY_DATA_ACCEPTED: u32 = 2;

struct Request {
    url: Url,
    upload_bytes: Option<u64>,
    range_start: Option<u64>,
    stream: Option<u64>,
    status: Option<u16>,
    content_length: Option<u64>,
    check: Option<Check>,
    bytes: u64,
    text: Vec<u8>,
    uploaded: u64,
    done_ms: Option<f64>,
}

impl Request {
    fn new(url: Url, upload_bytes: Option<u64>, range_start: Option<u64>) -> Request {
        Request {
            url,
            upload_bytes,
            range_start,
            stream: None,
            status: None,
            content_length: None,
            check: None,
            bytes: 0,
            text: vec![],
            uploaded: 0,
            done_ms: None,
        }
    }

    fn headers(&self) -> Vec<quiche::h3::Header> {
        let h = |n: &str, v: &str| quiche::h3::Header::new(n.as_bytes(), v.as_bytes());
        let mut headers = vec![
            h(
                ":method",
                if self.upload_bytes.is_some() {
                    "POST"
                } else {
                    "GET"
                },
            ),
            h(":scheme", "https"),
            h(":authority", &format!("{}:{}", self.url.name, self.url.port)),
            h(":path", &self.url.path),
            h("user-agent", &format!("quic-lab-quiche/{}", transport::version())),
        ];
        if let Some(bytes) = self.upload_bytes {
            headers.push(h("content-length", &bytes.to_string()));
        }
        if let Some(start) = self.range_start {
            headers.push(h("range", &format!("bytes={start}-")));
        }
        headers
    }
}

/// One connection's run and what it observed, in ms from its origin.
struct Connection {
    conn: quiche::Connection,
    h3: Option<quiche::h3::Connection>,
    sender: Sender,
    origin: Instant,
    early: bool,
    requests: Vec<Request>,
    progress: Option<Vec<(f64, u64)>>,
    handshake_ms: Option<f64>,
    ttfb_ms: Option<f64>,
    body_start_ms: Option<f64>,
    body_end_ms: Option<f64>,
    total_ms: Option<f64>,
    error: Option<String>,
    failed_ms: Option<f64>,
    recv_error: Option<quiche::Error>,
}

impl Connection {
    fn ms(&self, at: Instant) -> f64 {
        at.saturating_duration_since(self.origin).as_secs_f64() * 1000.0
    }

    fn fail(&mut self, error: String) {
        if self.error.is_none() {
            self.failed_ms = Some(self.ms(Instant::now()));
            self.error = Some(error);
        }
    }

    fn done(&self) -> bool {
        self.requests.iter().all(|r| r.done_ms.is_some())
    }

    fn body_bytes(&self) -> u64 {
        self.requests.iter().map(|r| r.bytes).sum()
    }

    /// Opens HTTP/3 once quiche allows (established, or 0-RTT keys when sending early data),
    /// issues the requests not yet sent, writes uploads and reads what arrived.
    fn step(&mut self, h3_config: &quiche::h3::Config) {
        if self.h3.is_none() && (self.conn.is_established() || (self.early && self.conn.is_in_early_data())) {
            match quiche::h3::Connection::with_transport(&mut self.conn, h3_config) {
                Ok(h3) => self.h3 = Some(h3),
                Err(e) => return self.fail(format!("HTTP/3 setup: {e}")),
            }
        }
        let Some(h3) = self.h3.as_mut() else { return };
        for request in self.requests.iter_mut().filter(|r| r.stream.is_none()) {
            let fin = request.upload_bytes.is_none();
            match h3.send_request(&mut self.conn, &request.headers(), fin) {
                Ok(stream) => request.stream = Some(stream),
                // The stream limit or flow control: the rest go on a later turn.
                Err(quiche::h3::Error::StreamBlocked)
                | Err(quiche::h3::Error::TransportError(quiche::Error::StreamLimit)) => break,
                Err(e) => {
                    self.error
                        .get_or_insert(format!("request {}: {e}", request.url.path));
                    break;
                }
            }
        }
        self.upload();
        self.read();
    }

    fn upload(&mut self) {
        let origin = self.origin;
        let h3 = self.h3.as_mut().expect("h3 is up");
        let mut chunk = vec![0u8; CHUNK_BYTES];
        for request in &mut self.requests {
            let (Some(stream), Some(total)) = (request.stream, request.upload_bytes) else {
                continue;
            };
            while request.uploaded < total {
                let len = ((total - request.uploaded) as usize).min(CHUNK_BYTES);
                pattern::fill(&mut chunk[..len], request.uploaded);
                let fin = request.uploaded + len as u64 == total;
                match h3.send_body(&mut self.conn, stream, &chunk[..len], fin) {
                    Ok(written) if written > 0 => {
                        request.uploaded += written as u64;
                        if let Some(progress) = &mut self.progress {
                            let ms = Instant::now().saturating_duration_since(origin).as_secs_f64() * 1000.0;
                            progress.push((ms, request.uploaded));
                        }
                        if written < len {
                            break;
                        }
                    }
                    _ => break,
                }
            }
            if total == 0 && request.uploaded == 0 {
                let _ = h3.send_body(&mut self.conn, stream, &[], true);
            }
        }
    }

    fn read(&mut self) {
        let mut buf = vec![0u8; CHUNK_BYTES];
        loop {
            let event = self.h3.as_mut().expect("h3 is up").poll(&mut self.conn);
            let (stream, event) = match event {
                Ok(got) => got,
                Err(quiche::h3::Error::Done) => return,
                Err(e) => return self.fail(format!("HTTP/3: {e}")),
            };
            let now = Instant::now();
            let ms = self.ms(now);
            let Some(index) = self.requests.iter().position(|r| r.stream == Some(stream)) else {
                continue;
            };
            match event {
                quiche::h3::Event::Headers { list, .. } => {
                    let value = |name: &str| {
                        list.iter()
                            .find(|h| h.name() == name.as_bytes())
                            .map(|h| String::from_utf8_lossy(h.value()).into_owned())
                    };
                    let request = &mut self.requests[index];
                    request.status = value(":status").and_then(|s| s.parse().ok());
                    request.content_length = value("content-length").and_then(|s| s.parse().ok());
                    let start = match request.status {
                        Some(206) => Some(
                            value("content-range")
                                .and_then(|r| r.strip_prefix("bytes ")?.split('-').next()?.parse().ok())
                                .or(request.range_start)
                                .unwrap_or(0),
                        ),
                        Some(200) if request.upload_bytes.is_none() => Some(0),
                        _ => None,
                    };
                    request.check = start.map(Check::new);
                    if index == 0 {
                        self.ttfb_ms.get_or_insert(ms);
                    }
                }
                quiche::h3::Event::Data => {
                    let h3 = self.h3.as_mut().expect("h3 is up");
                    let request = &mut self.requests[index];
                    while let Ok(len) = h3.recv_body(&mut self.conn, stream, &mut buf) {
                        let chunk = &buf[..len];
                        request.bytes += len as u64;
                        match &mut request.check {
                            Some(check) => check.update(chunk),
                            None => {
                                let room = KEPT_TEXT_BYTES.saturating_sub(request.text.len());
                                request.text.extend_from_slice(&chunk[..len.min(room)]);
                            }
                        }
                        self.body_start_ms.get_or_insert(ms);
                        self.body_end_ms = Some(ms);
                        // An upload's progress is its writes, not its answer's bytes.
                        if let (Some(progress), None) = (&mut self.progress, request.upload_bytes) {
                            let total = progress.last().map_or(0, |p| p.1) + len as u64;
                            progress.push((ms, total));
                        }
                    }
                    let request = &self.requests[index];
                    if let Some(message) = request.check.as_ref().and_then(|c| c.describe("body")) {
                        let message = format!("{message} (of {})", request.url.path);
                        self.fail(message);
                    }
                }
                quiche::h3::Event::Finished => {
                    let request = &mut self.requests[index];
                    request.done_ms = Some(ms);
                    let (path, bytes, status) = (request.url.path.clone(), request.bytes, request.status);
                    if let Some(expected) = request.content_length.filter(|&n| n != bytes) {
                        self.fail(format!("{path}: {bytes} body bytes, content-length {expected}"));
                    } else if !matches!(status, Some(200..=299)) {
                        let text = String::from_utf8_lossy(&self.requests[index].text)
                            .trim()
                            .replace('\n', " ");
                        self.fail(format!("HTTP status {} for {path}: {text}", status.unwrap_or(0)));
                    }
                    if self.done() {
                        self.total_ms = Some(ms);
                    }
                }
                quiche::h3::Event::Reset(code) => {
                    let path = self.requests[index].url.path.clone();
                    self.requests[index].done_ms = Some(ms);
                    self.fail(format!("{path}: stream reset by the server (code {code})"));
                }
                _ => {}
            }
        }
    }
}

fn client_config(options: &Client, early: bool) -> Result<quiche::Config, String> {
    // A TLS context of our own: quiche's Config::new would also trust the system's roots.
    let tls = boring::ssl::SslContextBuilder::new(boring::ssl::SslMethod::tls())
        .map_err(|e| format!("TLS context: {e}"))?;
    let mut config = quiche::Config::with_boring_ssl_ctx_builder(quiche::PROTOCOL_VERSION, tls)
        .map_err(|e| format!("config: {e}"))?;
    config.verify_peer(true);
    config
        .load_verify_locations_from_file(&options.ca)
        .map_err(|e| format!("--ca {}: {e}", options.ca))?;
    transport::configure(&mut config, &options.transport)?;
    if early {
        config.enable_early_data();
    }
    Ok(config)
}

/// Why the handshake failed, from quiche's local or peer error (TLS alerts are 0x100 + alert).
fn connection_error(conn: &quiche::Connection, recv_error: Option<quiche::Error>) -> Option<String> {
    let describe = |side: &str, e: &quiche::ConnectionError| {
        let reason = String::from_utf8_lossy(&e.reason).into_owned();
        match e.error_code {
            code if !e.is_app && (0x100..0x200).contains(&code) => {
                let alert = code - 0x100;
                let what = match alert {
                    42 => "bad_certificate",
                    43 => "unsupported_certificate",
                    44 => "certificate_revoked",
                    45 => "certificate_expired",
                    46 => "certificate_unknown",
                    48 => "unknown_ca",
                    _ => "",
                };
                let verify = if (42..=48).contains(&alert) && side == "local" {
                    ": the server's certificate does not chain to --ca or does not match the name"
                } else {
                    ""
                };
                format!("TLS handshake failed ({side} alert {alert} {what}){verify}")
            }
            code if e.is_app => format!("{side} application close 0x{code:x} {reason}"),
            code => format!("{side} transport close 0x{code:x} {reason}"),
        }
    };
    if let Some(e) = conn.local_error() {
        if !(e.is_app && e.error_code == 0x100) {
            return Some(describe("local", e));
        }
    }
    if let Some(e) = conn.peer_error() {
        if !(e.is_app && e.error_code == 0x100) {
            return Some(describe("peer", e));
        }
    }
    if conn.is_timed_out() {
        return Some("idle timeout: the server stopped answering".to_string());
    }
    recv_error.map(|e| format!("receiving: {e}"))
}

/// Runs one connection to completion (or failure, or the deadline).
#[allow(clippy::too_many_arguments)]
fn run_connection(
    options: &Client,
    config: &mut quiche::Config,
    requests: Vec<Request>,
    session: Option<&[u8]>,
    early: bool,
    role: &str,
    wait_for_ticket: bool,
    deadline: Option<Instant>,
) -> Result<Connection, String> {
    let h3_config = quiche::h3::Config::new().map_err(|e| format!("h3 config: {e}"))?;
    let bind: SocketAddr = if options.connect.is_ipv6() {
        "[::]:0"
    } else {
        "0.0.0.0:0"
    }
    .parse()
    .expect("an address");
    let mut socket = Socket::bind(bind)?;
    let local = socket.local();
    let scid_bytes = transport::random_id();
    let scid = quiche::ConnectionId::from_ref(&scid_bytes);
    let name = &requests[0].url.name;
    let mut conn = quiche::connect(Some(name), &scid, local, options.connect, config)
        .map_err(|e| format!("connect: {e}"))?;
    transport::trace(&mut conn, &options.transport, role)?;
    if let Some(session) = session {
        conn.set_session(session).map_err(|e| format!("session: {e}"))?;
    }
    let mut run = Connection {
        conn,
        h3: None,
        sender: Sender::default(),
        origin: Instant::now(),
        early,
        requests,
        progress: if options.progress { Some(vec![]) } else { None },
        handshake_ms: None,
        ttfb_ms: None,
        body_start_ms: None,
        body_end_ms: None,
        total_ms: None,
        error: None,
        failed_ms: None,
        recv_error: None,
    };
    let mut buf = vec![0u8; 65535];
    let mut ticket_deadline = None;
    // The origin: just before the connection's first packet.
    run.origin = Instant::now();
    run.sender.flush(&socket, &mut run.conn);
    loop {
        run.step(&h3_config);
        let wake = run.sender.flush(&socket, &mut run.conn);
        if run.error.is_some() {
            break;
        }
        if run.done() {
            if !wait_for_ticket || run.conn.session().is_some() {
                break;
            }
            let at = *ticket_deadline.get_or_insert(Instant::now() + TICKET_WAIT);
            if Instant::now() >= at {
                run.fail("no session ticket arrived on the priming connection".to_string());
                break;
            }
        }
        if run.conn.is_closed() {
            let why = connection_error(&run.conn, run.recv_error)
                .unwrap_or_else(|| "the connection closed before the exchange ended".to_string());
            run.fail(why);
            break;
        }
        if deadline.is_some_and(|at| Instant::now() >= at) {
            let ms = options.timeout.map_or(0, |t| t.as_millis());
            run.fail(format!("timed out after {ms} ms"));
            break;
        }
        socket.wait(net::earliest([
            run.conn.timeout_instant(),
            wake,
            deadline,
            ticket_deadline,
        ]));
        if run.conn.timeout_instant().is_some_and(|at| at <= Instant::now()) {
            run.conn.on_timeout();
        }
        while let Some((len, from)) = socket.receive(&mut buf) {
            let info = quiche::RecvInfo { from, to: local };
            if let Err(e) = run.conn.recv(&mut buf[..len], info) {
                run.recv_error.get_or_insert(e);
            }
            if run.handshake_ms.is_none() && run.conn.is_established() {
                run.handshake_ms = Some(run.ms(Instant::now()));
            }
            // Read what this datagram completed now, so its events carry its arrival time.
            run.step(&h3_config);
        }
    }
    // Close politely (H3_NO_ERROR) and let the close leave before the socket goes.
    let _ = run.conn.close(true, 0x100, b"");
    run.sender.flush(&socket, &mut run.conn);
    Ok(run)
}

fn report(options: &Client, run: &Connection) -> Value {
    let mut out = Map::new();
    let mut put = |key: &str, value: Value| {
        out.insert(key.to_string(), value);
    };
    let round = |ms: f64| json!((ms * 1000.0).round() / 1000.0);
    put("implementation", json!("quiche"));
    put("version", json!(transport::version()));
    put("clockResolutionMs", json!(transport::clock_resolution_ms()));
    for (key, value) in [
        ("handshakeMs", run.handshake_ms),
        ("ttfbMs", run.ttfb_ms),
        ("bodyStartMs", run.body_start_ms),
        ("bodyEndMs", run.body_end_ms),
        ("totalMs", run.total_ms),
    ] {
        if let Some(ms) = value {
            put(key, round(ms));
        }
    }
    put("bodyBytes", json!(run.body_bytes()));
    let checked: Vec<&Check> = run.requests.iter().filter_map(|r| r.check.as_ref()).collect();
    if !checked.is_empty() {
        put(
            "verifiedBodyBytes",
            json!(checked.iter().map(|c| c.verified).sum::<u64>()),
        );
    }
    if options.upload_bytes.is_some() {
        put(
            "uploadedBytes",
            json!(run.requests.iter().map(|r| r.uploaded).sum::<u64>()),
        );
    }
    if let Some(status) = run.requests[0].status {
        put("status", json!(status));
    }
    if run.handshake_ms.is_some() {
        put(
            "alpn",
            json!(String::from_utf8_lossy(run.conn.application_proto())),
        );
        put(
            "quicVersion",
            json!(format!("0x{:08x}", quiche::PROTOCOL_VERSION)),
        );
        put("resumed", json!(run.conn.is_resumed()));
        put(
            "earlyDataAccepted",
            json!(run.conn.early_data_reason() == SSL_EARLY_DATA_ACCEPTED),
        );
    }
    if let Some(progress) = &run.progress {
        put(
            "progress",
            json!(progress
                .iter()
                .map(|(ms, bytes)| json!([(ms * 1000.0).round() / 1000.0, bytes]))
                .collect::<Vec<_>>()),
        );
    }
    if run.requests.len() > 1 {
        let objects: Vec<Value> = run
            .requests
            .iter()
            .map(|r| {
                let mut object = json!({ "path": r.url.path, "bytes": r.bytes });
                if let Some(check) = &r.check {
                    object["verifiedBytes"] = json!(check.verified);
                }
                if let Some(ms) = r.done_ms {
                    object["completedMs"] = round(ms);
                }
                object
            })
            .collect();
        put("objects", json!(objects));
    }
    let stats = run.conn.stats();
    put("retransmittedPackets", json!(stats.retrans));
    put("retransmittedBytes", json!(stats.stream_retrans_bytes));
    put(
        "timingSource",
        json!("quiche events (Instant as each recv/poll call returns)"),
    );
    if let Some(error) = &run.error {
        put("error", json!(error));
        if run.body_bytes() > 0 {
            let mut partial = json!({ "bodyBytes": run.body_bytes() });
            if let Some(ms) = run.body_end_ms {
                partial["lastByteMs"] = round(ms);
            }
            if let Some(ms) = run.failed_ms {
                partial["failedAtMs"] = round(ms);
            }
            put("partial", partial);
        }
    }
    Value::Object(out)
}

pub fn run(options: &Client) -> u8 {
    let deadline = options.timeout.map(|t| Instant::now() + t);
    let early = options.session == Session::EarlyData;
    let measured = (|| -> Result<Connection, String> {
        let mut config = client_config(options, early)?;
        let mut session = None;
        if options.session != Session::Cold {
            let mut url = options.urls[0].clone();
            url.path = "/0".to_string();
            let priming = run_connection(
                options,
                &mut config,
                vec![Request::new(url, None, None)],
                None,
                false,
                "client-priming",
                true,
                deadline,
            )?;
            if let Some(error) = priming.error {
                return Err(format!("priming connection: {error}"));
            }
            session = priming.conn.session().map(|s| s.to_vec());
        }
        let requests = options
            .urls
            .iter()
            .map(|url| Request::new(url.clone(), options.upload_bytes, options.range_start))
            .collect();
        run_connection(
            options,
            &mut config,
            requests,
            session.as_deref(),
            early,
            "client",
            false,
            deadline,
        )
    })();
    match measured {
        Ok(run) => {
            println!("{}", report(options, &run));
            u8::from(run.error.is_some())
        }
        Err(error) => {
            let out = json!({
                "implementation": "quiche",
                "version": transport::version(),
                "clockResolutionMs": transport::clock_resolution_ms(),
                "bodyBytes": 0,
                "timingSource": "quiche events (Instant as each recv/poll call returns)",
                "error": error,
            });
            println!("{out}");
            1
        }
    }
}
