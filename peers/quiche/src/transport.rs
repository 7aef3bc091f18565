//! quiche configuration shared by both roles, and the per-connection traces (qlog, key log).
use crate::options::Transport;
use std::fs::{File, OpenOptions};
use std::io::Read;

pub const MAX_DATAGRAM_BYTES: usize = 1350;
pub const IDLE_TIMEOUT_MS: u64 = 30_000;
/// Receive windows when --max-window-bytes does not ask for more; quiche's autotuning grows
/// them up to its own maxima (24 MB per connection, 16 MB per stream).
const CONNECTION_WINDOW_BYTES: u64 = 10_000_000;
const STREAM_WINDOW_BYTES: u64 = 1_000_000;
const QUICHE_MAX_CONNECTION_WINDOW: u64 = 24 * 1024 * 1024;
const QUICHE_MAX_STREAM_WINDOW: u64 = 16 * 1024 * 1024;

pub fn version() -> &'static str {
    env!("QUICHE_VERSION")
}

/// Applies what both roles set the same way; `cc` was checked when parsing.
pub fn configure(config: &mut quiche::Config, transport: &Transport) -> Result<(), String> {
    config
        .set_application_protos(quiche::h3::APPLICATION_PROTOCOL)
        .map_err(|e| format!("ALPN: {e}"))?;
    config.set_max_idle_timeout(IDLE_TIMEOUT_MS);
    config.set_max_recv_udp_payload_size(MAX_DATAGRAM_BYTES);
    config.set_max_send_udp_payload_size(MAX_DATAGRAM_BYTES);
    let floor = transport.max_window_bytes.unwrap_or(0);
    config.set_initial_max_data(floor.max(CONNECTION_WINDOW_BYTES));
    let stream = floor.max(STREAM_WINDOW_BYTES);
    config.set_initial_max_stream_data_bidi_local(stream);
    config.set_initial_max_stream_data_bidi_remote(stream);
    config.set_initial_max_stream_data_uni(stream);
    config.set_max_connection_window(floor.max(QUICHE_MAX_CONNECTION_WINDOW));
    config.set_max_stream_window(floor.max(QUICHE_MAX_STREAM_WINDOW));
    config.set_initial_max_streams_bidi(1000);
    config.set_initial_max_streams_uni(100);
    config.set_disable_active_migration(true);
    if let Some(cc) = &transport.cc {
        config
            .set_cc_algorithm_name(cc)
            .map_err(|e| format!("--cc {cc}: {e}"))?;
    }
    if let Some(rtt) = transport.initial_rtt {
        config.set_initial_rtt(rtt);
    }
    if transport.keylog.is_some() {
        config.log_keys();
    }
    Ok(())
}

/// A fresh connection ID from the kernel's random source.
pub fn random_id() -> [u8; quiche::MAX_CONN_ID_LEN] {
    let mut id = [0u8; quiche::MAX_CONN_ID_LEN];
    File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut id))
        .expect("/dev/urandom is readable");
    id
}

/// Starts the connection's traces: its own qlog file in the qlog directory (named by role and
/// connection ID) and the shared key log, appended to.
pub fn trace(conn: &mut quiche::Connection, transport: &Transport, role: &str) -> Result<(), String> {
    if let Some(path) = &transport.keylog {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("--keylog {path}: {e}"))?;
        conn.set_keylog(Box::new(file));
    }
    if let Some(dir) = &transport.qlog_dir {
        std::fs::create_dir_all(dir).map_err(|e| format!("--qlog-dir {dir}: {e}"))?;
        let id: String = conn.source_id().iter().map(|b| format!("{b:02x}")).collect();
        let path = format!("{dir}/{role}-{id}.sqlog");
        let file = File::create(&path).map_err(|e| format!("qlog {path}: {e}"))?;
        conn.set_qlog(
            Box::new(std::io::BufWriter::new(file)),
            format!("quiche {role}"),
            format!("QUIC lab quiche peer {} {}", version(), role),
        );
    }
    Ok(())
}

/// The resolution of the monotonic clock std::time::Instant reads, in milliseconds.
pub fn clock_resolution_ms() -> f64 {
    let mut res = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_getres writes one timespec we own.
    unsafe { libc::clock_getres(libc::CLOCK_MONOTONIC, &mut res) };
    res.tv_sec as f64 * 1000.0 + res.tv_nsec as f64 / 1e6
}
