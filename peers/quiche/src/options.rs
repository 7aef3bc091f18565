//! The contract's command line (peers/CONTRACT.md); a bad one is exit 2.
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

/// What both roles share: the transport's knobs and where its traces go.
#[derive(Clone, Debug, Default)]
pub struct Transport {
    pub qlog_dir: Option<String>,
    pub keylog: Option<String>,
    /// quiche's name for the controller (validated at parse time).
    pub cc: Option<String>,
    pub initial_rtt: Option<Duration>,
    pub max_window_bytes: Option<u64>,
}

#[derive(Debug)]
pub struct Server {
    pub listen: SocketAddr,
    pub cert: String,
    pub key: String,
    pub transport: Transport,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Session {
    Cold,
    Resumed,
    EarlyData,
}

#[derive(Clone, Debug)]
pub struct Url {
    /// The SNI and the name verified.
    pub name: String,
    pub port: u16,
    pub path: String,
}

#[derive(Debug)]
pub struct Client {
    pub urls: Vec<Url>,
    pub connect: SocketAddr,
    pub ca: String,
    pub session: Session,
    pub upload_bytes: Option<u64>,
    pub range_start: Option<u64>,
    pub progress: bool,
    pub timeout: Option<Duration>,
    pub transport: Transport,
}

pub enum Command {
    Server(Server),
    Client(Client),
}

/// The controllers quiche 0.30 has, by the contract's names. quiche also accepts "bbr", but
/// as another name for its BBRv2 (gcongestion): there is no BBRv1, so "bbr" is refused.
pub const CONTROLLERS: [&str; 3] = ["cubic", "reno", "bbr2"];

fn address(value: &str) -> Result<SocketAddr, String> {
    value
        .to_socket_addrs()
        .ok()
        .and_then(|mut all| all.next())
        .ok_or_else(|| format!("not a HOST:PORT address: {value}"))
}

fn number(option: &str, value: &str) -> Result<u64, String> {
    value
        .parse::<u64>()
        .map_err(|_| format!("{option} takes a whole number, not {value}"))
}

fn url(value: &str) -> Result<Url, String> {
    let rest = value
        .strip_prefix("https://")
        .ok_or_else(|| format!("not an https:// URL: {value}"))?;
    let (authority, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    };
    let (name, port) = match authority.rfind(':') {
        Some(colon) if !authority.ends_with(']') => (
            &authority[..colon],
            authority[colon + 1..]
                .parse::<u16>()
                .map_err(|_| format!("bad port in {value}"))?,
        ),
        _ => (authority, 443),
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    if name.is_empty() {
        return Err(format!("no host name in {value}"));
    }
    Ok(Url {
        name: name.to_string(),
        port,
        path: path.to_string(),
    })
}

pub fn parse(args: &[String]) -> Result<Command, String> {
    let role = args.first().ok_or("no role: server or client")?.as_str();
    if role != "server" && role != "client" {
        return Err(format!("unknown role {role}: server or client"));
    }
    let mut transport = Transport::default();
    let (mut listen, mut cert, mut key, mut connect, mut ca) = (None, None, None, None, None);
    let mut session = Session::Cold;
    let (mut upload_bytes, mut range_start, mut timeout) = (None, None, None);
    let mut progress = false;
    let mut urls = Vec::new();
    let mut rest = args[1..].iter();
    while let Some(arg) = rest.next() {
        let option = arg.as_str();
        if !option.starts_with("--") {
            if role == "client" {
                urls.push(url(option)?);
                continue;
            }
            return Err(format!("unexpected argument {option}"));
        }
        if option == "--progress" && role == "client" {
            progress = true;
            continue;
        }
        let value = rest
            .next()
            .ok_or_else(|| format!("{option} needs a value"))?
            .as_str();
        match (role, option) {
            (_, "--qlog-dir") => transport.qlog_dir = Some(value.to_string()),
            (_, "--keylog") => transport.keylog = Some(value.to_string()),
            (_, "--cc") => {
                if !CONTROLLERS.contains(&value) {
                    return Err(format!(
                        "quiche has no congestion controller {value}; it has {}",
                        CONTROLLERS.join(", ")
                    ));
                }
                transport.cc = Some(value.to_string());
            }
            (_, "--initial-rtt-ms") => {
                let ms: f64 = value
                    .parse()
                    .ok()
                    .filter(|ms: &f64| ms.is_finite() && *ms > 0.0)
                    .ok_or_else(|| format!("--initial-rtt-ms takes a positive number, not {value}"))?;
                transport.initial_rtt = Some(Duration::from_secs_f64(ms / 1000.0));
            }
            (_, "--max-window-bytes") => transport.max_window_bytes = Some(number(option, value)?),
            ("server", "--listen") => listen = Some(address(value)?),
            ("server", "--cert") => cert = Some(value.to_string()),
            ("server", "--key") => key = Some(value.to_string()),
            ("client", "--connect") => connect = Some(address(value)?),
            ("client", "--ca") => ca = Some(value.to_string()),
            ("client", "--session") => {
                session = match value {
                    "cold" => Session::Cold,
                    "resumed" => Session::Resumed,
                    "early-data" => Session::EarlyData,
                    _ => return Err(format!("--session is cold, resumed or early-data, not {value}")),
                }
            }
            ("client", "--upload-bytes") => upload_bytes = Some(number(option, value)?),
            ("client", "--range-start") => range_start = Some(number(option, value)?),
            ("client", "--timeout-ms") => timeout = Some(Duration::from_millis(number(option, value)?)),
            _ => return Err(format!("unknown {role} option {option}")),
        }
    }
    if role == "server" {
        return Ok(Command::Server(Server {
            listen: listen.ok_or("--listen is required")?,
            cert: cert.ok_or("--cert is required")?,
            key: key.ok_or("--key is required")?,
            transport,
        }));
    }
    let first = urls.first().ok_or("no URL")?;
    let connect = match connect {
        Some(connect) => connect,
        None => address(&format!("{}:{}", first.name, first.port))?,
    };
    if upload_bytes.is_some() && urls.len() != 1 {
        return Err("--upload-bytes takes exactly one URL".to_string());
    }
    Ok(Command::Client(Client {
        urls,
        connect,
        ca: ca.ok_or("--ca is required: the lab CA is the only trust anchor")?,
        session,
        upload_bytes,
        range_start,
        progress,
        timeout,
        transport,
    }))
}
