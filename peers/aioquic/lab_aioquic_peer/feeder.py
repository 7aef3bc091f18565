"""Writes a generated body to a stream a few MiB ahead of what has been sent.

aioquic buffers whatever it is given, without backpressure: a 100 MB body written at once would
sit in memory and every "write" would happen at time zero. The protocols top their feeders up
before each transmit, keeping AHEAD_BYTES queued beyond the highest offset sent.
"""

from collections.abc import Callable

from aioquic.h3.connection import H3Connection
from aioquic.quic.connection import QuicConnection

from .pattern import CHUNK_BYTES, chunk_at

AHEAD_BYTES = 4 * 1024 * 1024


class BodyFeeder:
    def __init__(
        self,
        quic: QuicConnection,
        h3: H3Connection,
        stream_id: int,
        offset: int,
        length: int,
        on_write: Callable[[int], None] | None = None,
    ) -> None:
        self._quic = quic
        self._h3 = h3
        self.stream_id = stream_id
        self._next = offset
        self._end = offset + length
        self.written = 0
        self._on_write = on_write

    @property
    def done(self) -> bool:
        return self._next >= self._end

    def top_up(self) -> None:
        """Queues chunks until AHEAD_BYTES are waiting to be sent, ending the stream last."""
        # aioquic keeps no public count of unsent bytes; the sender's offsets tell it.
        stream = self._quic._streams.get(self.stream_id)
        if stream is None:
            self._next = self._end
            return
        sender = stream.sender
        while not self.done and sender._buffer_stop - sender.highest_offset < AHEAD_BYTES:
            size = min(self._end - self._next, CHUNK_BYTES)
            self._next += size
            self._h3.send_data(self.stream_id, chunk_at(self._next - size, size), self.done)
            self.written += size
            if self._on_write is not None:
                self._on_write(self.written)
