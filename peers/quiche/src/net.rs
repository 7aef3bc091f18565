//! The UDP socket and its poll loop, with the pacing quiche asks for: a packet quiche wants
//! released later (SendInfo::at) waits in the loop until then rather than leaving at once.
use mio::net::UdpSocket;
use mio::{Events, Interest, Poll, Token};
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A packet is sent when it is due within this: finer waits cost more than they pace.
const PACING_SLACK: Duration = Duration::from_micros(500);
/// How soon a packet the full send buffer refused is tried again.
const SEND_BUFFER_RETRY: Duration = Duration::from_micros(200);

pub struct Socket {
    pub socket: UdpSocket,
    poll: Poll,
    events: Events,
}

impl Socket {
    pub fn bind(address: SocketAddr) -> Result<Socket, String> {
        let mut socket = UdpSocket::bind(address).map_err(|e| format!("binding UDP {address}: {e}"))?;
        let poll = Poll::new().map_err(|e| format!("poll: {e}"))?;
        poll.registry()
            .register(&mut socket, Token(0), Interest::READABLE)
            .map_err(|e| format!("poll: {e}"))?;
        Ok(Socket {
            socket,
            poll,
            events: Events::with_capacity(64),
        })
    }

    pub fn local(&self) -> SocketAddr {
        self.socket.local_addr().expect("a bound socket")
    }

    /// Waits for packets or until `deadline`; a signal ends the wait early.
    pub fn wait(&mut self, deadline: Option<Instant>) {
        let timeout = deadline.map(|at| at.saturating_duration_since(Instant::now()));
        // Interrupted (a signal) and spurious wakeups both just return to the loop.
        let _ = self.poll.poll(&mut self.events, timeout);
    }

    /// The next datagram, if one is waiting.
    pub fn receive(&self, buf: &mut [u8]) -> Option<(usize, SocketAddr)> {
        match self.socket.recv_from(buf) {
            Ok(got) => Some(got),
            Err(e) if e.kind() == ErrorKind::WouldBlock => None,
            Err(e) => {
                eprintln!("quiche peer: recv: {e}");
                None
            }
        }
    }

    /// False when the socket's send buffer is full (the packet is to be sent again shortly).
    fn send(&self, packet: &[u8], to: SocketAddr) -> bool {
        match self.socket.send_to(packet, to) {
            Err(e) if e.kind() == ErrorKind::WouldBlock => false,
            Err(e) => {
                // Lost as on a network (quiche recovers it); a closed route is not ours to fix.
                eprintln!("quiche peer: send to {to}: {e}");
                true
            }
            Ok(_) => true,
        }
    }
}

/// One connection's outgoing side: the packet held back for pacing, if any (its length,
/// destination and release time; its bytes are in `packet`).
pub struct Sender {
    packet: [u8; crate::transport::MAX_DATAGRAM_BYTES],
    held: Option<(usize, SocketAddr, Instant)>,
}

impl Default for Sender {
    fn default() -> Sender {
        Sender {
            packet: [0u8; crate::transport::MAX_DATAGRAM_BYTES],
            held: None,
        }
    }
}

impl Sender {
    /// Sends what quiche has until it has nothing or a packet is not yet due; returns when the
    /// held packet is due (the loop's next wake-up).
    pub fn flush(&mut self, socket: &Socket, conn: &mut quiche::Connection) -> Option<Instant> {
        loop {
            if let Some((len, to, at)) = self.held {
                if at > Instant::now() + PACING_SLACK {
                    return Some(at);
                }
                if !socket.send(&self.packet[..len], to) {
                    // Our own send buffer is full: not a loss on the link, so wait and resend.
                    return Some(Instant::now() + SEND_BUFFER_RETRY);
                }
                self.held = None;
            }
            match conn.send(&mut self.packet) {
                Ok((len, info)) => self.held = Some((len, info.to, info.at)),
                Err(quiche::Error::Done) => return None,
                Err(e) => {
                    eprintln!("quiche peer: {} send: {e}", conn.trace_id());
                    let _ = conn.close(false, 0x1, b"send failed");
                    return None;
                }
            }
        }
    }
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// SIGTERM and SIGINT ask the loop to stop (checked each turn; the signal also ends a wait).
pub fn handle_stop_signals() {
    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGTERM, handler);
        libc::signal(libc::SIGINT, handler);
    }
}

pub fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// The earliest of some optional instants.
pub fn earliest(instants: impl IntoIterator<Item = Option<Instant>>) -> Option<Instant> {
    instants.into_iter().flatten().min()
}
