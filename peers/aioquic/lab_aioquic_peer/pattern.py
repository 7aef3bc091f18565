"""The lab's generated body: byte i is i % 251 (harness/files/generated-body.ts)."""

PERIOD = 251
CHUNK_BYTES = 256 * 1024
# One buffer a period longer than a chunk: a chunk at any offset is a slice of it.
_PATTERN = bytes(i % PERIOD for i in range(CHUNK_BYTES + PERIOD))


def chunk_at(offset: int, length: int) -> bytes:
    """Bytes [offset, offset + length) of the body; length at most CHUNK_BYTES."""
    start = offset % PERIOD
    return _PATTERN[start : start + length]


class BodyCheck:
    """Checks a body against the pattern as it streams in, from any starting offset."""

    def __init__(self, start_offset: int = 0) -> None:
        self.start_offset = start_offset
        self.position = start_offset
        self.fed = 0
        self.mismatch: dict[str, int] | None = None

    def update(self, data: bytes) -> None:
        if self.mismatch is None:
            done = 0
            while done < len(data):
                size = min(len(data) - done, CHUNK_BYTES)
                expected = chunk_at(self.position + done, size)
                got = data[done : done + size]
                if got != expected:
                    at = next(i for i in range(size) if got[i] != expected[i])
                    offset = self.position + done + at
                    self.mismatch = {
                        "offset": offset,
                        "found": got[at],
                        "expected": offset % PERIOD,
                    }
                    break
                done += size
        self.position += len(data)
        self.fed += len(data)

    @property
    def verified_bytes(self) -> int:
        if self.mismatch is None:
            return self.fed
        return self.mismatch["offset"] - self.start_offset

    def describe_mismatch(self, what: str = "body") -> str:
        m = self.mismatch
        assert m is not None
        return f"{what} byte {m['offset']} is 0x{m['found']:02x}, expected 0x{m['expected']:02x}"
