"""The HTTP/3 server: GET /N (with one Range), POST /N checked, tickets and 0-RTT on."""

import asyncio
import json
import re
import signal
import socket
from argparse import Namespace

from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.asyncio.server import QuicServer
from aioquic.h3.connection import H3Connection
from aioquic.h3.events import DataReceived, H3Event, HeadersReceived
from aioquic.quic.events import ConnectionTerminated, ProtocolNegotiated, QuicEvent
from aioquic.tls import SessionTicket

from .feeder import BodyFeeder
from .options import (
    UsageError,
    configuration,
    diagnose,
    flush_qlogs,
    format_host_port,
    open_logs,
    split_host_port,
    widen_buffers,
)
from .pattern import BodyCheck

MAX_BODY_BYTES = 4 * 1024**3
NOT_FOUND = b"not found: ask for /N to get N bytes, or POST N bytes to /N\n"
# How long SIGTERM waits for connections to close (their qlogs are written then).
CLOSE_WAIT_SECONDS = 2.0


def body_size(path: str) -> int | None:
    """N for "/N" (a query is ignored), as the Node server reads it."""
    match = re.fullmatch(r"/(\d{1,10})(?:\?.*)?", path)
    if match is None or int(match[1]) > MAX_BODY_BYTES:
        return None
    return int(match[1])


def byte_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """(start, end) of one Range, None for the whole body, or why it is unsatisfiable."""
    if header is None:
        return None
    match = re.fullmatch(r"\s*([A-Za-z]+)\s*=\s*(.*?)\s*", header)
    if match is None or match[1].lower() != "bytes":
        return None
    spec = match[2]
    if "," in spec:
        return "only one range per request is served"
    suffix = re.fullmatch(r"-(\d{1,16})", spec)
    if suffix is not None:
        length = int(suffix[1])
        if length == 0 or size == 0:
            return f"an empty suffix range of a {size}-byte body"
        return max(0, size - length), size - 1
    span = re.fullmatch(r"(\d{1,16})-(\d{0,16})", spec)
    if span is None:
        return f'malformed range "{spec}"'
    start = int(span[1])
    last = int(span[2]) if span[2] else None
    if last is not None and last < start:
        return f"range {spec} ends before it starts"
    if start >= size:
        return f"range {spec} starts at or past the end of a {size}-byte body"
    return start, min(size - 1 if last is None else last, size - 1)


class Upload:
    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.check = BodyCheck()


class ServerProtocol(QuicConnectionProtocol):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._h3: H3Connection | None = None
        self._uploads: dict[int, Upload] = {}
        self._feeders: dict[int, BodyFeeder] = {}
        self.terminated = False

    def quic_event_received(self, event: QuicEvent) -> None:
        if isinstance(event, ConnectionTerminated):
            self.terminated = True
        if isinstance(event, ProtocolNegotiated) and event.alpn_protocol == "h3":
            self._h3 = H3Connection(self._quic)
        if self._h3 is not None:
            for h3_event in self._h3.handle_event(event):
                self._http_event(h3_event)

    def transmit(self) -> None:
        for stream_id, feeder in list(self._feeders.items()):
            feeder.top_up()
            if feeder.done:
                del self._feeders[stream_id]
        super().transmit()

    def _http_event(self, event: H3Event) -> None:
        if isinstance(event, HeadersReceived):
            headers = {k.decode(): v.decode() for k, v in event.headers}
            self._request(event.stream_id, headers, event.stream_ended)
        elif isinstance(event, DataReceived) and event.stream_id in self._uploads:
            upload = self._uploads[event.stream_id]
            upload.check.update(event.data)
            if event.stream_ended:
                del self._uploads[event.stream_id]
                self._answer_upload(event.stream_id, upload)

    def _request(self, stream_id: int, headers: dict[str, str], ended: bool) -> None:
        method, path = headers.get(":method", ""), headers.get(":path", "")
        size = body_size(path)
        if size is None:
            self._answer(stream_id, 404, "text/plain", NOT_FOUND)
        elif method == "POST":
            upload = Upload(size)
            if ended:
                self._answer_upload(stream_id, upload)
            else:
                self._uploads[stream_id] = upload
        elif method == "GET":
            self._send_body(stream_id, size, headers.get("range"))
        else:
            message = f"{method} is not served: GET or POST /N\n".encode()
            self._answer(stream_id, 405, "text/plain", message, [("allow", "GET, POST")])

    def _answer(
        self,
        stream_id: int,
        status: int,
        content_type: str,
        body: bytes,
        extra: list[tuple[str, str]] | None = None,
    ) -> None:
        assert self._h3 is not None
        headers = [
            (":status", str(status)),
            ("content-type", content_type),
            ("content-length", str(len(body))),
            *(extra or []),
        ]
        self._h3.send_headers(stream_id, [(k.encode(), v.encode()) for k, v in headers])
        self._h3.send_data(stream_id, body, end_stream=True)
        self.transmit()

    def _answer_upload(self, stream_id: int, upload: Upload) -> None:
        check = upload.check
        answer: dict[str, object] = {
            "receivedBytes": check.fed,
            "verifiedBytes": check.verified_bytes,
        }
        if check.fed == upload.expected and check.mismatch is None:
            status = 200
        else:
            status = 400
            answer["mismatch"] = check.mismatch
            answer["error"] = (
                check.describe_mismatch()
                if check.mismatch is not None
                else f"received {check.fed} bytes, but the path asks for {upload.expected}"
            )
        body = json.dumps(answer, separators=(",", ":")).encode()
        self._answer(stream_id, status, "application/json", body)

    def _send_body(self, stream_id: int, size: int, range_header: str | None) -> None:
        assert self._h3 is not None
        span = byte_range(range_header, size)
        if isinstance(span, str):
            extra = [("content-range", f"bytes */{size}")]
            self._answer(stream_id, 416, "text/plain", f"{span}\n".encode(), extra)
            return
        start, end = span if span is not None else (0, size - 1)
        length = end - start + 1
        headers = [
            (":status", "206" if span is not None else "200"),
            ("content-type", "application/octet-stream"),
            ("content-length", str(length)),
            ("accept-ranges", "bytes"),
        ]
        if span is not None:
            headers.append(("content-range", f"bytes {start}-{end}/{size}"))
        encoded = [(k.encode(), v.encode()) for k, v in headers]
        self._h3.send_headers(stream_id, encoded, end_stream=length == 0)
        if length > 0:
            self._feeders[stream_id] = BodyFeeder(self._quic, self._h3, stream_id, start, length)
        self.transmit()


class TicketStore:
    """Session tickets this server issued, each usable once (0-RTT anti-replay)."""

    def __init__(self) -> None:
        self._tickets: dict[bytes, SessionTicket] = {}

    def add(self, ticket: SessionTicket) -> None:
        self._tickets[ticket.ticket] = ticket

    def pop(self, label: bytes) -> SessionTicket | None:
        return self._tickets.pop(label, None)


async def serve(args: Namespace) -> int:
    host, port = split_host_port(args.listen)
    config = configuration(args, is_client=False)
    try:
        config.load_cert_chain(args.cert, args.key)
    except (OSError, ValueError) as error:
        raise UsageError(f"--cert/--key: {error}") from error
    keylog = open_logs(args, config)
    tickets = TicketStore()
    protocols: list[ServerProtocol] = []

    def create_protocol(*a, **kw) -> ServerProtocol:
        protocol = ServerProtocol(*a, **kw)
        # Ended connections need no closing at exit.
        protocols[:] = [p for p in protocols if not p.terminated]
        protocols.append(protocol)
        return protocol

    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    transport, server = await loop.create_datagram_endpoint(
        lambda: QuicServer(
            configuration=config,
            create_protocol=create_protocol,
            session_ticket_fetcher=tickets.pop,
            session_ticket_handler=tickets.add,
        ),
        local_addr=(host, port),
        family=family,
    )
    widen_buffers(transport.get_extra_info("socket"))
    bound = transport.get_extra_info("sockname")
    address = format_host_port(bound[0], bound[1])
    listening = {"event": "listening", "address": address}
    print(json.dumps(listening, separators=(",", ":")), flush=True)

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()

    # Close every connection and give them a moment to finish (their qlogs are written when
    # they end), then stop listening.
    for protocol in protocols:
        protocol.close()
    waits = [asyncio.ensure_future(p.wait_closed()) for p in protocols]
    if waits:
        _, pending = await asyncio.wait(waits, timeout=CLOSE_WAIT_SECONDS)
        for task in pending:
            task.cancel()
        if pending:
            diagnose(f"aioquic server: {len(pending)} connection(s) still closing at exit")
    flush_qlogs(config)
    server.close()
    if keylog is not None:
        keylog.close()
    return 0
