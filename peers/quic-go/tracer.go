package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/qlog"
	"github.com/quic-go/quic-go/qlogwriter"
)

// connEvents is what the client measures from quic-go's own events (the qlog event stream):
// the instant of the connection's first packet (the origin of every time) and of the
// handshake's completion. Times are Go's monotonic clock.
type connEvents struct {
	mu                sync.Mutex
	firstPacketSent   time.Time
	handshakeComplete time.Time
	lostPackets       int
}

func (c *connEvents) record(ev qlogwriter.Event) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	switch e := ev.(type) {
	case qlog.PacketSent:
		if c.firstPacketSent.IsZero() {
			c.firstPacketSent = now
		}
	case qlog.ConnectionStateUpdated:
		if e.State == qlog.ConnectionStateHandshakeComplete && c.handshakeComplete.IsZero() {
			c.handshakeComplete = now
		}
	case qlog.PacketLost:
		c.lostPackets++
	}
}

func (c *connEvents) snapshot() (first, handshake time.Time, lost int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.firstPacketSent, c.handshakeComplete, c.lostPackets
}

// tracerFactory makes each connection's trace: a qlog file in qlogDir (when set) and, for
// the client, the events it measures.
type tracerFactory struct {
	qlogDir string
	events  *connEvents
}

func (f *tracerFactory) trace(_ context.Context, isClient bool, connID quic.ConnectionID) qlogwriter.Trace {
	var file qlogwriter.Trace
	if f.qlogDir != "" {
		role := "server"
		if isClient {
			role = "client"
		}
		path := filepath.Join(f.qlogDir, fmt.Sprintf("%s_%s.sqlog", connID, role))
		if out, err := os.Create(path); err != nil {
			fmt.Fprintf(os.Stderr, "qlog: %v\n", err)
		} else {
			seq := qlogwriter.NewConnectionFileSeq(&bufferedFile{bufio.NewWriterSize(out, 1<<16), out}, isClient, connID)
			go seq.Run()
			file = seq
		}
	}
	if file == nil && f.events == nil {
		return nil
	}
	return &observedTrace{file: file, events: f.events}
}

type bufferedFile struct {
	*bufio.Writer
	f *os.File
}

func (b *bufferedFile) Close() error {
	if err := b.Flush(); err != nil {
		b.f.Close()
		return err
	}
	return b.f.Close()
}

// observedTrace hands every event to the qlog file (if any) and to the measured events (if any).
type observedTrace struct {
	file   qlogwriter.Trace
	events *connEvents
}

func (t *observedTrace) AddProducer() qlogwriter.Recorder {
	r := &observedRecorder{events: t.events}
	if t.file != nil {
		r.file = t.file.AddProducer()
	}
	return r
}

type observedRecorder struct {
	file   qlogwriter.Recorder
	events *connEvents
}

func (r *observedRecorder) RecordEvent(ev qlogwriter.Event) {
	if r.events != nil {
		r.events.record(ev)
	}
	if r.file != nil {
		r.file.RecordEvent(ev)
	}
}

func (r *observedRecorder) Close() error {
	if r.file != nil {
		return r.file.Close()
	}
	return nil
}
