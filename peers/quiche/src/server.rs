//! The server: GET /N (Range), POST /N checked as it streams in, 404 otherwise, exactly as the
//! Node server (harness/endpoints/node/https-server-main.ts); tickets and 0-RTT on.
use crate::net::{self, Sender, Socket};
use crate::options::Server;
use crate::pattern::{self, Check};
use crate::transport;
use quiche::h3::NameValue;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// As harness/files/generated-body.ts: larger sizes are not served.
const MAX_BODY_BYTES: u64 = 4 * 1024 * 1024 * 1024;
const CHUNK_BYTES: usize = 64 * 1024;
/// How long a stopping server lets its close packets go out.
const CLOSE_GRACE: Duration = Duration::from_millis(50);

enum Body {
    Pattern { next: u64, end: u64 },
    Bytes { data: Vec<u8>, written: usize },
}

/// A response being written: headers until they fit, then the body as flow control allows.
struct Response {
    headers: Option<Vec<quiche::h3::Header>>,
    body: Body,
}

/// An upload being received and checked.
struct Upload {
    expected: u64,
    path: String,
    check: Check,
}

struct Client {
    conn: quiche::Connection,
    h3: Option<quiche::h3::Connection>,
    sender: Sender,
    ids: Vec<Vec<u8>>,
    responses: HashMap<u64, Response>,
    uploads: HashMap<u64, Upload>,
    wake: Option<Instant>,
}

fn header(name: &str, value: &str) -> quiche::h3::Header {
    quiche::h3::Header::new(name.as_bytes(), value.as_bytes())
}

/// The size /N asks for, as bodySizeFromPath: 1 to 10 digits, an optional query.
fn body_size(path: &str) -> Option<u64> {
    let digits = path.strip_prefix('/')?.split('?').next()?;
    if digits.is_empty() || digits.len() > 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|&size| size <= MAX_BODY_BYTES)
}

enum Range {
    Full,
    Partial(u64, u64),
    Unsatisfiable(String),
}

/// One `bytes=` range, as byteRange in harness/files/generated-body.ts.
fn byte_range(value: Option<&str>, size: u64) -> Range {
    let Some(value) = value else { return Range::Full };
    let Some((unit, spec)) = value.trim().split_once('=') else {
        return Range::Full;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return Range::Full;
    }
    let spec = spec.trim();
    if spec.contains(',') {
        return Range::Unsatisfiable("only one range per request is served".into());
    }
    let digits = |s: &str| s.len() <= 16 && s.bytes().all(|b| b.is_ascii_digit());
    if let Some(suffix) = spec.strip_prefix('-') {
        if !suffix.is_empty() && digits(suffix) {
            let length: u64 = suffix.parse().unwrap_or(0);
            if length == 0 || size == 0 {
                return Range::Unsatisfiable(format!("an empty suffix range of a {size}-byte body"));
            }
            return Range::Partial(size.saturating_sub(length), size - 1);
        }
    }
    let Some((first, last)) = spec.split_once('-') else {
        return Range::Unsatisfiable(format!("malformed range \"{spec}\""));
    };
    if first.is_empty() || !digits(first) || !digits(last) {
        return Range::Unsatisfiable(format!("malformed range \"{spec}\""));
    }
    let start: u64 = first.parse().unwrap_or(u64::MAX);
    let last: Option<u64> = if last.is_empty() { None } else { last.parse().ok() };
    if matches!(last, Some(last) if last < start) {
        return Range::Unsatisfiable(format!("range {spec} ends before it starts"));
    }
    if start >= size {
        return Range::Unsatisfiable(format!(
            "range {spec} starts at or past the end of a {size}-byte body"
        ));
    }
    Range::Partial(start, last.unwrap_or(size - 1).min(size - 1))
}

fn text(status: u16, body: String, extra: Vec<quiche::h3::Header>, content_type: &str) -> Response {
    let mut headers = vec![
        header(":status", &status.to_string()),
        header("server", "quiche-peer"),
        header("content-type", content_type),
        header("content-length", &body.len().to_string()),
    ];
    headers.extend(extra);
    Response {
        headers: Some(headers),
        body: Body::Bytes {
            data: body.into_bytes(),
            written: 0,
        },
    }
}

fn download(size: u64, range: Option<&str>) -> Response {
    let (status, start, end, extra) = match byte_range(range, size) {
        Range::Unsatisfiable(reason) => {
            return text(
                416,
                format!("{reason}\n"),
                vec![header("content-range", &format!("bytes */{size}"))],
                "text/plain",
            )
        }
        Range::Full => (200, 0, size, vec![]),
        Range::Partial(start, last) => (
            206,
            start,
            last + 1,
            vec![header("content-range", &format!("bytes {start}-{last}/{size}"))],
        ),
    };
    let mut headers = vec![
        header(":status", &status.to_string()),
        header("server", "quiche-peer"),
        header("content-type", "application/octet-stream"),
        header("content-length", &(end - start).to_string()),
        header("accept-ranges", "bytes"),
    ];
    headers.extend(extra);
    Response {
        headers: Some(headers),
        body: Body::Pattern { next: start, end },
    }
}

fn upload_answer(upload: &Upload) -> Response {
    let check = &upload.check;
    let body = |extra: Option<(String, String)>| {
        let mut object = serde_json::json!({
            "receivedBytes": check.bytes,
            "verifiedBytes": check.verified,
        });
        if let Some((mismatch, error)) = extra {
            object["mismatch"] = serde_json::from_str(&mismatch).unwrap_or(serde_json::Value::Null);
            object["error"] = serde_json::Value::String(error);
        }
        object.to_string()
    };
    if check.bytes == upload.expected && check.mismatch.is_none() {
        return text(200, body(None), vec![], "application/json");
    }
    let mismatch = match check.mismatch {
        Some((offset, found, expected)) => {
            format!("{{\"offset\":{offset},\"found\":{found},\"expected\":{expected}}}")
        }
        None => "null".to_string(),
    };
    let error = check.describe("body").unwrap_or_else(|| {
        format!(
            "received {} bytes, but {} asks for {}",
            check.bytes, upload.path, upload.expected
        )
    });
    text(400, body(Some((mismatch, error))), vec![], "application/json")
}

/// Writes as much of the response as the stream takes; true when it is all written.
fn pump(
    conn: &mut quiche::Connection,
    h3: &mut quiche::h3::Connection,
    stream: u64,
    response: &mut Response,
) -> bool {
    let empty = match &response.body {
        Body::Pattern { next, end } => next == end,
        Body::Bytes { data, .. } => data.is_empty(),
    };
    if let Some(headers) = &response.headers {
        match h3.send_response(conn, stream, headers, empty) {
            Ok(()) => response.headers = None,
            Err(quiche::h3::Error::StreamBlocked) => return false,
            Err(e) => {
                eprintln!("quiche peer: {} stream {stream}: {e}", conn.trace_id());
                return true;
            }
        }
        if empty {
            return true;
        }
    }
    let mut chunk = vec![0u8; CHUNK_BYTES];
    loop {
        let (data, fin): (&[u8], bool) = match &response.body {
            Body::Pattern { next, end } => {
                let len = ((end - next) as usize).min(CHUNK_BYTES);
                pattern::fill(&mut chunk[..len], *next);
                (&chunk[..len], *next + len as u64 == *end)
            }
            Body::Bytes { data, written } => (&data[*written..], true),
        };
        let len = data.len();
        let written = match h3.send_body(conn, stream, data, fin) {
            Ok(written) => written,
            Err(quiche::h3::Error::Done) => 0,
            Err(e) => {
                eprintln!("quiche peer: {} stream {stream}: {e}", conn.trace_id());
                return true;
            }
        };
        match &mut response.body {
            Body::Pattern { next, .. } => *next += written as u64,
            Body::Bytes { written: at, .. } => *at += written,
        }
        if written == len && fin {
            return true;
        }
        if written < len {
            return false;
        }
    }
}

fn on_request(client: &mut Client, stream: u64, list: &[quiche::h3::Header], more_frames: bool) {
    let value = |name: &str| {
        list.iter()
            .find(|h| h.name() == name.as_bytes())
            .map(|h| String::from_utf8_lossy(h.value()).into_owned())
    };
    let method = value(":method").unwrap_or_default();
    let path = value(":path").unwrap_or_default();
    let response = match (body_size(&path), method.as_str()) {
        (None, _) => text(
            404,
            "not found: ask for /N to get N bytes, or POST N bytes to /N\n".into(),
            vec![],
            "text/plain",
        ),
        (Some(size), "POST") => {
            let upload = Upload {
                expected: size,
                path,
                check: Check::new(0),
            };
            if more_frames {
                client.uploads.insert(stream, upload);
                return;
            }
            upload_answer(&upload)
        }
        (Some(size), "GET") => download(size, value("range").as_deref()),
        (Some(_), other) => text(
            405,
            format!("{other} is not served: GET or POST /N\n"),
            vec![header("allow", "GET, POST")],
            "text/plain",
        ),
    };
    respond(client, stream, response);
}

fn respond(client: &mut Client, stream: u64, mut response: Response) {
    let h3 = client.h3.as_mut().expect("h3 is up");
    if !pump(&mut client.conn, h3, stream, &mut response) {
        client.responses.insert(stream, response);
    }
}

fn on_body(client: &mut Client, stream: u64) {
    let mut buf = vec![0u8; CHUNK_BYTES];
    let h3 = client.h3.as_mut().expect("h3 is up");
    loop {
        match h3.recv_body(&mut client.conn, stream, &mut buf) {
            Ok(len) => {
                if let Some(upload) = client.uploads.get_mut(&stream) {
                    upload.check.update(&buf[..len]);
                }
            }
            Err(_) => return,
        }
    }
}

/// Feeds quiche's HTTP/3 events to the handlers and writes what the streams now take.
fn serve(client: &mut Client, h3_config: &quiche::h3::Config) {
    if client.h3.is_none() && (client.conn.is_established() || client.conn.is_in_early_data()) {
        match quiche::h3::Connection::with_transport(&mut client.conn, h3_config) {
            Ok(h3) => client.h3 = Some(h3),
            Err(e) => {
                eprintln!("quiche peer: {} HTTP/3: {e}", client.conn.trace_id());
                let _ = client.conn.close(false, 0x1, b"h3 setup failed");
                return;
            }
        }
    }
    if client.h3.is_none() {
        return;
    }
    let writable: Vec<u64> = client.conn.writable().collect();
    for stream in writable {
        if let Some(response) = client.responses.remove(&stream) {
            respond(client, stream, response);
        }
    }
    loop {
        let event = client.h3.as_mut().expect("h3 is up").poll(&mut client.conn);
        match event {
            Ok((stream, quiche::h3::Event::Headers { list, more_frames })) => {
                on_request(client, stream, &list, more_frames)
            }
            Ok((stream, quiche::h3::Event::Data)) => on_body(client, stream),
            Ok((stream, quiche::h3::Event::Finished)) => {
                if let Some(upload) = client.uploads.remove(&stream) {
                    let answer = upload_answer(&upload);
                    respond(client, stream, answer);
                }
            }
            Ok((stream, quiche::h3::Event::Reset(_))) => {
                client.uploads.remove(&stream);
                client.responses.remove(&stream);
            }
            Ok(_) => {}
            Err(quiche::h3::Error::Done) => break,
            Err(e) => {
                eprintln!("quiche peer: {} HTTP/3: {e}", client.conn.trace_id());
                break;
            }
        }
    }
}

pub fn run(options: &Server) -> u8 {
    match serve_until_stopped(options) {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("quiche peer: {message}");
            1
        }
    }
}

fn serve_until_stopped(options: &Server) -> Result<(), String> {
    let mut config = quiche::Config::new(quiche::PROTOCOL_VERSION).map_err(|e| format!("config: {e}"))?;
    config
        .load_cert_chain_from_pem_file(&options.cert)
        .map_err(|e| format!("--cert {}: {e}", options.cert))?;
    config
        .load_priv_key_from_pem_file(&options.key)
        .map_err(|e| format!("--key {}: {e}", options.key))?;
    transport::configure(&mut config, &options.transport)?;
    config.enable_early_data();
    let h3_config = quiche::h3::Config::new().map_err(|e| format!("h3 config: {e}"))?;

    net::handle_stop_signals();
    let mut socket = Socket::bind(options.listen)?;
    let local = socket.local();
    println!("{{\"event\":\"listening\",\"address\":\"{local}\"}}");

    let mut clients: HashMap<u64, Client> = HashMap::new();
    let mut by_id: HashMap<Vec<u8>, u64> = HashMap::new();
    let mut next_key = 0u64;
    let mut buf = vec![0u8; 65535];
    loop {
        if net::stop_requested() {
            for client in clients.values_mut() {
                let _ = client.conn.close(true, 0x100, b"server stopping");
                client.sender.flush(&socket, &mut client.conn);
            }
            std::thread::sleep(CLOSE_GRACE);
            for client in clients.values_mut() {
                client.sender.flush(&socket, &mut client.conn);
            }
            return Ok(());
        }
        let deadline = net::earliest(clients.values().flat_map(|c| [c.conn.timeout_instant(), c.wake]));
        socket.wait(deadline);
        let now = Instant::now();
        for client in clients.values_mut() {
            if client.conn.timeout_instant().is_some_and(|at| at <= now) {
                client.conn.on_timeout();
            }
        }
        while let Some((len, from)) = socket.receive(&mut buf) {
            let key = match route(
                &mut buf[..len],
                from,
                local,
                &mut config,
                &options.transport,
                &socket,
                &mut clients,
                &mut by_id,
                &mut next_key,
            ) {
                Some(key) => key,
                None => continue,
            };
            let client = clients.get_mut(&key).expect("routed");
            let info = quiche::RecvInfo { from, to: local };
            if let Err(e) = client.conn.recv(&mut buf[..len], info) {
                if e != quiche::Error::Done {
                    eprintln!("quiche peer: {} recv: {e}", client.conn.trace_id());
                }
            }
            serve(client, &h3_config);
        }
        for client in clients.values_mut() {
            serve(client, &h3_config);
            client.wake = client.sender.flush(&socket, &mut client.conn);
        }
        clients.retain(|_, client| {
            if client.conn.is_closed() {
                for id in &client.ids {
                    by_id.remove(id);
                }
            }
            !client.conn.is_closed()
        });
    }
}

/// The connection a datagram belongs to, accepting a new one for a client's first Initial.
#[allow(clippy::too_many_arguments)]
fn route(
    packet: &mut [u8],
    from: SocketAddr,
    local: SocketAddr,
    config: &mut quiche::Config,
    transport: &crate::options::Transport,
    socket: &Socket,
    clients: &mut HashMap<u64, Client>,
    by_id: &mut HashMap<Vec<u8>, u64>,
    next_key: &mut u64,
) -> Option<u64> {
    let header = quiche::Header::from_slice(packet, quiche::MAX_CONN_ID_LEN).ok()?;
    if let Some(&key) = by_id.get(header.dcid.as_ref()) {
        return Some(key);
    }
    if header.ty != quiche::Type::Initial {
        return None;
    }
    if !quiche::version_is_supported(header.version) {
        let mut out = [0u8; transport::MAX_DATAGRAM_BYTES];
        if let Ok(len) = quiche::negotiate_version(&header.scid, &header.dcid, &mut out) {
            let _ = socket.socket.send_to(&out[..len], from);
        }
        return None;
    }
    let scid_bytes = transport::random_id();
    let scid = quiche::ConnectionId::from_ref(&scid_bytes);
    let mut conn = match quiche::accept(&scid, None, local, from, config) {
        Ok(conn) => conn,
        Err(e) => {
            eprintln!("quiche peer: accept: {e}");
            return None;
        }
    };
    if let Err(message) = transport::trace(&mut conn, transport, "server") {
        eprintln!("quiche peer: {message}");
    }
    let key = *next_key;
    *next_key += 1;
    // Until the client hears the server's Initial it keeps addressing its own first DCID.
    let ids = vec![scid_bytes.to_vec(), header.dcid.to_vec()];
    for id in &ids {
        by_id.insert(id.clone(), key);
    }
    clients.insert(
        key,
        Client {
            conn,
            h3: None,
            sender: Sender::default(),
            ids,
            responses: HashMap::new(),
            uploads: HashMap::new(),
            wake: None,
        },
    );
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_as_the_node_server() {
        assert_eq!(body_size("/1000"), Some(1000));
        assert_eq!(body_size("/0?x=1"), Some(0));
        assert_eq!(body_size("/"), None);
        assert_eq!(body_size("/12345678901"), None);
        assert_eq!(body_size("/abc"), None);
    }

    #[test]
    fn ranges_as_the_node_server() {
        assert!(matches!(byte_range(None, 10), Range::Full));
        assert!(matches!(byte_range(Some("bytes=4-"), 10), Range::Partial(4, 9)));
        assert!(matches!(byte_range(Some("bytes=2-20"), 10), Range::Partial(2, 9)));
        assert!(matches!(byte_range(Some("bytes=-3"), 10), Range::Partial(7, 9)));
        assert!(matches!(
            byte_range(Some("bytes=10-"), 10),
            Range::Unsatisfiable(_)
        ));
        assert!(matches!(
            byte_range(Some("bytes=1-2,4-5"), 10),
            Range::Unsatisfiable(_)
        ));
        assert!(matches!(byte_range(Some("items=1-"), 10), Range::Full));
    }
}
