"""The HTTP/3 client: one exchange or a batch on one connection, cold, resumed or 0-RTT.

Times are taken on time.monotonic (the clock aioquic's own event loop runs on) when aioquic
hands this program its events (handshake completed, headers, data), from an origin just
before the measured connection's first packet is built and sent.
"""

import asyncio
import dataclasses
import json
import socket
import ssl
import time
from argparse import Namespace
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import aioquic
from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.h3.connection import H3Connection
from aioquic.h3.events import DataReceived, H3Event, HeadersReceived
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.connection import QuicConnection
from aioquic.quic.events import (
    ConnectionTerminated,
    HandshakeCompleted,
    QuicEvent,
    StreamReset,
)
from aioquic.tls import SessionTicket

from .feeder import BodyFeeder
from .options import (
    UsageError,
    configuration,
    flush_qlogs,
    open_logs,
    split_host_port,
    widen_buffers,
)
from .pattern import BodyCheck

clock = time.monotonic
CLOCK_RESOLUTION_MS = round(time.get_clock_info("monotonic").resolution * 1000, 9)
TIMING_SOURCE = "aioquic events (asyncio loop, time.monotonic)"
# After the JSON line: how long closing connections may take (their qlogs are written then).
CLOSE_WAIT_SECONDS = 2.0


class Exchange:
    """One request on its stream and what came back."""

    def __init__(self, method: str, path: str, stream_id: int, range_start: int | None):
        self.method = method
        self.path = path
        self.stream_id = stream_id
        self.range_start = range_start
        self.status: int | None = None
        self.headers_at: float | None = None
        self.content_length: int | None = None
        self.check: BodyCheck | None = None
        self.answer = bytearray()
        self.first_byte_at: float | None = None
        self.last_byte_at: float | None = None
        self.completed_at: float | None = None
        self.error: str | None = None
        self.uploader: BodyFeeder | None = None
        self.finished = asyncio.get_running_loop().create_future()

    @property
    def body_bytes(self) -> int:
        return self.check.fed if self.check is not None else len(self.answer)

    def fail(self, error: str) -> None:
        if self.error is None and not self.finished.done():
            self.error = error
            self.finished.set_result(None)

    def headers(self, headers: dict[str, str], now: float) -> None:
        self.headers_at = now
        self.status = int(headers.get(":status", "0"))
        length = headers.get("content-length")
        self.content_length = int(length) if length and length.isdigit() else None
        if self.method == "GET" and self.status in (200, 206):
            offset = self.range_start if self.status == 206 else 0
            self.check = BodyCheck(offset or 0)

    def data(self, data: bytes, now: float) -> None:
        if data:
            if self.first_byte_at is None:
                self.first_byte_at = now
            self.last_byte_at = now
            if self.check is not None:
                self.check.update(data)
                if self.check.mismatch is not None:
                    self.fail(f"{self.path}: {self.check.describe_mismatch()}")
            else:
                self.answer.extend(data)

    def end(self, now: float, uploaded: int) -> None:
        self.completed_at = now
        self.error = self.error or self._outcome(uploaded)
        if not self.finished.done():
            self.finished.set_result(None)

    def _outcome(self, uploaded: int) -> str | None:
        """Why the exchange failed, or None."""
        if self.status is None:
            return f"{self.path}: the stream ended without a response"
        if self.method == "POST":
            return self._upload_outcome(uploaded)
        if self.check is None:
            text = bytes(self.answer[:200]).decode(errors="replace").strip()
            return f"{self.path}: status {self.status}: {text}"
        if self.content_length is not None and self.check.fed != self.content_length:
            return (
                f"{self.path}: {self.check.fed} body bytes, "
                f"content-length said {self.content_length}"
            )
        return None

    def _upload_outcome(self, uploaded: int) -> str | None:
        text = bytes(self.answer).decode(errors="replace")
        try:
            answer = json.loads(text)
        except ValueError:
            return f"{self.path}: status {self.status}, not JSON: {text[:200].strip()}"
        if self.status != 200:
            return f"{self.path}: status {self.status}: {answer.get('error', text)}"
        if answer.get("receivedBytes") != uploaded or answer.get("verifiedBytes") != uploaded:
            return f"{self.path}: the server answered {text.strip()} for {uploaded} bytes"
        return None


class ClientProtocol(QuicConnectionProtocol):
    def __init__(self, quic: QuicConnection, **kwargs) -> None:
        super().__init__(quic, **kwargs)
        self.h3 = H3Connection(quic)
        self.exchanges: dict[int, Exchange] = {}
        self.handshake: HandshakeCompleted | None = None
        self.handshake_at: float | None = None
        self.terminated: ConnectionTerminated | None = None
        self.on_handshake: Callable[[], None] = lambda: None
        self.on_body: Callable[[float, int], None] = lambda now, size: None

    def quic_event_received(self, event: QuicEvent) -> None:
        now = clock()
        if isinstance(event, HandshakeCompleted):
            self.handshake, self.handshake_at = event, now
            self.on_handshake()
        elif isinstance(event, ConnectionTerminated):
            self.terminated = event
            for exchange in self.exchanges.values():
                exchange.fail(f"{exchange.path}: {describe_close(event)}")
        elif isinstance(event, StreamReset) and event.stream_id in self.exchanges:
            exchange = self.exchanges[event.stream_id]
            exchange.fail(f"{exchange.path}: stream reset (code {event.error_code})")
        for h3_event in self.h3.handle_event(event):
            self._http_event(h3_event, now)

    def transmit(self) -> None:
        for exchange in self.exchanges.values():
            if exchange.uploader is not None and not exchange.uploader.done:
                exchange.uploader.top_up()
        super().transmit()

    def _http_event(self, event: H3Event, now: float) -> None:
        exchange = self.exchanges.get(getattr(event, "stream_id", -1))
        if exchange is None:
            return
        if isinstance(event, HeadersReceived):
            headers = {k.decode(): v.decode() for k, v in event.headers}
            if exchange.status is None:
                exchange.headers(headers, now)
        elif isinstance(event, DataReceived):
            exchange.data(event.data, now)
            if event.data and exchange.check is not None:
                self.on_body(now, len(event.data))
        else:
            return
        if event.stream_ended:
            uploaded = exchange.uploader.written if exchange.uploader else 0
            exchange.end(now, uploaded)

    def request(
        self,
        authority: str,
        path: str,
        upload_bytes: int | None = None,
        range_start: int | None = None,
        on_write: Callable[[int], None] | None = None,
    ) -> Exchange:
        stream_id = self._quic.get_next_available_stream_id()
        method = "GET" if upload_bytes is None else "POST"
        exchange = Exchange(method, path, stream_id, range_start)
        headers = [
            (":method", method),
            (":scheme", "https"),
            (":authority", authority),
            (":path", path),
            ("user-agent", f"lab-aioquic-peer/{aioquic.__version__}"),
        ]
        if range_start is not None:
            headers.append(("range", f"bytes={range_start}-"))
        if upload_bytes is not None:
            headers.append(("content-length", str(upload_bytes)))
        encoded = [(k.encode(), v.encode()) for k, v in headers]
        self.h3.send_headers(stream_id, encoded, end_stream=not upload_bytes)
        if upload_bytes:
            exchange.uploader = BodyFeeder(
                self._quic, self.h3, stream_id, 0, upload_bytes, on_write
            )
        self.exchanges[stream_id] = exchange
        return exchange


def received_settings(h3: H3Connection) -> list[list[int]] | None:
    """The server's SETTINGS frame as [id, value] pairs in its order; None when none came."""
    settings = h3.received_settings
    if settings is None:
        return None
    return [[int(setting), value] for setting, value in settings.items()]


def describe_close(event: ConnectionTerminated) -> str:
    reason = f": {event.reason_phrase}" if event.reason_phrase else ""
    # TLS alerts travel as QUIC errors 0x100 + alert (RFC 9001 section 4.8).
    if 0x100 <= event.error_code < 0x200:
        what = f"the handshake failed (TLS alert {event.error_code - 0x100})"
    else:
        what = f"the connection closed (error 0x{event.error_code:x})"
    return what + reason


class Client:
    """Everything the JSON line reports, filled in as the measured connection goes."""

    def __init__(self, args: Namespace) -> None:
        self.args = args
        parts = [urlsplit(url) for url in args.urls]
        for url, part in zip(args.urls, parts, strict=True):
            if part.scheme != "https" or not part.hostname or part.port is None:
                raise UsageError(f"{url!r} is not https://NAME:PORT/PATH")
        self.name = parts[0].hostname
        self.authority = parts[0].netloc
        if any(part.netloc != self.authority for part in parts):
            raise UsageError("every URL of a batch must name the same NAME:PORT")
        self.paths = [
            (part.path or "/") + (f"?{part.query}" if part.query else "") for part in parts
        ]
        if args.upload_bytes is not None and len(parts) > 1:
            raise UsageError("--upload-bytes takes one URL")
        host, port = split_host_port(args.connect or f"{self.name}:{parts[0].port}")
        try:
            infos = socket.getaddrinfo(
                host, port, type=socket.SOCK_DGRAM, flags=socket.AI_NUMERICHOST
            )
        except socket.gaierror as error:
            raise UsageError(f"--connect needs a numeric HOST:PORT, got {host}") from error
        self.family, self.address = infos[0][0], infos[0][4]
        self.base = configuration(args, is_client=True)
        # The lab CA is the only trust anchor: aioquic loads certifi's roots only when it is
        # given no CA at all.
        self.base.verify_mode = ssl.CERT_REQUIRED
        self.base.server_name = self.name
        self.base.load_verify_locations(cafile=args.ca)
        self.keylog = open_logs(args, self.base)
        self.connections: list[ClientProtocol] = []
        self.measured: ClientProtocol | None = None
        self.exchanges: list[Exchange] = []
        self.origin = 0.0
        self.progress: list[list[float]] = []
        self.body_total = 0
        self.sent = asyncio.Event()

    def config(self, ticket: SessionTicket | None) -> QuicConfiguration:
        return dataclasses.replace(self.base, session_ticket=ticket)

    async def open(
        self, ticket: SessionTicket | None, on_ticket: Callable[[SessionTicket], None]
    ) -> ClientProtocol:
        quic = QuicConnection(configuration=self.config(ticket), session_ticket_handler=on_ticket)
        loop = asyncio.get_running_loop()
        wildcard = "::" if self.family == socket.AF_INET6 else "0.0.0.0"
        transport, protocol = await loop.create_datagram_endpoint(
            lambda: ClientProtocol(quic), local_addr=(wildcard, 0), family=self.family
        )
        widen_buffers(transport.get_extra_info("socket"))
        self.connections.append(protocol)
        return protocol

    async def prime(self) -> SessionTicket:
        """A connection that fetches /0 and waits for a session ticket, then closes."""
        tickets: list[SessionTicket] = []
        got = asyncio.Event()

        def on_ticket(ticket: SessionTicket) -> None:
            tickets.append(ticket)
            got.set()

        protocol = await self.open(None, on_ticket)
        protocol.connect(self.address)
        exchange = protocol.request(self.authority, "/0")
        await exchange.finished
        if exchange.error is not None:
            raise PeerError(f"priming connection: {exchange.error}")
        await first_of(got.wait(), protocol.wait_closed())
        if not tickets:
            raise PeerError("priming connection: closed before a session ticket came")
        protocol.close()
        return tickets[-1]

    async def run(self) -> None:
        ticket = None
        if self.args.session != "cold":
            ticket = await self.prime()
            if self.args.session == "resumed":
                # Without the early-data allowance the client offers no 0-RTT: a plain resumption.
                ticket = dataclasses.replace(ticket, max_early_data_size=None)
        protocol = await self.open(ticket, lambda ticket: None)
        self.measured = protocol
        protocol.on_body = self.body_arrived
        early = self.args.session == "early-data"
        if not early:
            protocol.on_handshake = self.send_requests
        self.origin = clock()
        protocol.connect(self.address, transmit=not early)
        if early:
            # 0-RTT keys exist once connect() has built the ClientHello: these go as early data.
            self.send_requests()
            protocol.transmit()
        await first_of(self.sent.wait(), protocol.wait_closed())
        if not self.exchanges:
            assert protocol.terminated is not None
            raise PeerError(describe_close(protocol.terminated))
        await asyncio.gather(*(exchange.finished for exchange in self.exchanges))

    def send_requests(self) -> None:
        assert self.measured is not None
        self.sent.set()
        for path in self.paths:
            self.exchanges.append(
                self.measured.request(
                    self.authority,
                    path,
                    upload_bytes=self.args.upload_bytes,
                    range_start=self.args.range_start,
                    on_write=self.body_written if self.args.progress else None,
                )
            )

    def ms(self, at: float) -> float:
        return round((at - self.origin) * 1000, 3)

    def body_arrived(self, now: float, size: int) -> None:
        self.body_total += size
        if self.args.progress:
            self.progress.append([self.ms(now), self.body_total])

    def body_written(self, written: int) -> None:
        self.progress.append([self.ms(clock()), written])

    def result(self, error: str | None) -> dict:
        out: dict = {
            "implementation": "aioquic",
            "version": aioquic.__version__,
            "clockResolutionMs": CLOCK_RESOLUTION_MS,
            "timingSource": TIMING_SOURCE,
        }
        protocol = self.measured
        if protocol is not None and protocol.handshake is not None:
            hs = protocol.handshake
            assert protocol.handshake_at is not None
            out["handshakeMs"] = self.ms(protocol.handshake_at)
            out["alpn"] = hs.alpn_protocol
            version = protocol._quic._version  # aioquic has no public accessor
            if version is not None:
                out["quicVersion"] = f"0x{version:08x}"
            out["resumed"] = hs.session_resumed
            out["earlyDataAccepted"] = hs.early_data_accepted
            out["h3Settings"] = received_settings(protocol.h3)
        exchanges = self.exchanges
        error = error or next((e.error for e in exchanges if e.error), None)
        first = exchanges[0] if exchanges else None
        if first is not None and first.headers_at is not None:
            out["ttfbMs"] = self.ms(first.headers_at)
            out["status"] = first.status
        if self.args.upload_bytes is not None and first is not None:
            out["uploadedBytes"] = first.uploader.written if first.uploader else 0
        starts = [e.first_byte_at for e in exchanges if e.first_byte_at is not None]
        ends = [e.last_byte_at for e in exchanges if e.last_byte_at is not None]
        body_bytes = sum(e.body_bytes for e in exchanges)
        if error is None:
            if starts:
                out["bodyStartMs"] = self.ms(min(starts))
                out["bodyEndMs"] = self.ms(max(ends))
            out["totalMs"] = self.ms(max(e.completed_at for e in exchanges))
            out["bodyBytes"] = body_bytes
            if all(e.check is not None for e in exchanges):
                out["verifiedBodyBytes"] = sum(e.check.verified_bytes for e in exchanges)
            if len(exchanges) > 1:
                out["objects"] = [
                    {
                        "path": e.path,
                        "bytes": e.body_bytes,
                        "verifiedBytes": e.check.verified_bytes if e.check else 0,
                        "completedMs": self.ms(e.completed_at),
                    }
                    for e in exchanges
                ]
        else:
            out["error"] = " ".join(error.split())
            # What a response that broke off had delivered (none began: no partial).
            if any(e.headers_at is not None for e in exchanges):
                partial: dict = {"bodyBytes": body_bytes, "failedAtMs": self.ms(clock())}
                if ends:
                    partial["lastByteMs"] = self.ms(max(ends))
                out["partial"] = partial
        if self.args.progress:
            out["progress"] = self.progress
        return out

    async def close(self) -> None:
        for protocol in self.connections:
            protocol.close()
        waits = [asyncio.ensure_future(p.wait_closed()) for p in self.connections]
        if waits:
            _, pending = await asyncio.wait(waits, timeout=CLOSE_WAIT_SECONDS)
            for task in pending:
                task.cancel()
        flush_qlogs(self.base)
        if self.keylog is not None:
            self.keylog.close()


async def first_of(*waits: Awaitable[object]) -> None:
    """Waits until one of `waits` is done, cancelling the others."""
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in tasks:
        task.cancel()


class PeerError(Exception):
    """The exchange failed: exit 1 with the message as the JSON's error."""


async def run_client(args: Namespace) -> int:
    client = Client(args)
    error: str | None = None
    timeout = args.timeout_ms / 1000 if args.timeout_ms is not None else None
    try:
        async with asyncio.timeout(timeout):
            await client.run()
    except TimeoutError:
        error = f"timed out after {args.timeout_ms} ms"
    except PeerError as failure:
        error = str(failure)
    except ConnectionError as failure:
        error = f"connection failed: {failure}"
    result = client.result(error)
    print(json.dumps(result, separators=(",", ":")), flush=True)
    await client.close()
    return 1 if "error" in result else 0
