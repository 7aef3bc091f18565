package main

import (
	"encoding/binary"
	"fmt"
)

// A message is its sequence number (8 bytes, big-endian) and then filler that depends on it
// (byte i is (seq + i) % 251), so an echo that is cut, merged or altered is told apart from
// a delivered one.
const seqBytes = 8

// maxSeq keeps sequence numbers exact in the JSON (a float64 number for its reader).
const maxSeq = 1<<53 - 1

func encodeMessage(buf []byte, seq uint64) {
	binary.BigEndian.PutUint64(buf, seq)
	for i := seqBytes; i < len(buf); i++ {
		buf[i] = byte((seq + uint64(i)) % 251)
	}
}

// decodeMessage is the sequence number of an echo of `size` bytes, or why it is not a message.
func decodeMessage(buf []byte, size int) (uint64, error) {
	if len(buf) != size {
		return 0, fmt.Errorf("echo of %d bytes, messages are %d", len(buf), size)
	}
	seq := binary.BigEndian.Uint64(buf)
	if seq > maxSeq {
		return 0, fmt.Errorf("echo with sequence number %d, beyond any message", seq)
	}
	for i := seqBytes; i < len(buf); i++ {
		if buf[i] != byte((seq+uint64(i))%251) {
			return seq, fmt.Errorf("echo of message %d differs at byte %d", seq, i)
		}
	}
	return seq, nil
}
