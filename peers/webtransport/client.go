package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"github.com/quic-go/webtransport-go"
)

// The client's bounds: a run is at most maxCount messages over at most maxSendSeconds, then
// at most maxDrainMs of waiting for echoes.
const (
	maxCount             = 100_000
	maxRatePerSecond     = 10_000
	maxSendSeconds       = 600
	maxDrainMs           = 60_000
	maxConnectMs         = 60_000
	minSizeBytes         = seqBytes
	maxStreamSizeBytes   = 64 << 10
	maxDatagramBytes     = 1000 // fits one QUIC packet at quic-go's initial 1280-byte size, with headers
	maxErrorsKept        = 20
	modeDatagram         = "datagram"
	modeStreamPerMsg     = "stream-per-message"
	modeLongStream       = "long-stream"
	clockResolutionMs    = 0.001
	defaultConnectMs     = 10_000
	defaultDrainMs       = 2_000
	defaultRatePerSecond = 50
)

type clientOptions struct {
	connect, ca, keylog, mode string
	count, sizeBytes          int
	ratePerSecond             float64
	drainMs, connectMs        int64
}

func (o *clientOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.connect, "connect", "", "HOST:PORT to send packets to (NAME is not resolved)")
	fs.StringVar(&o.ca, "ca", "", "the only trust anchor")
	fs.StringVar(&o.keylog, "keylog", "", "append TLS secrets (NSS key log format)")
	fs.StringVar(&o.mode, "mode", modeDatagram, "datagram, stream-per-message or long-stream")
	fs.IntVar(&o.count, "count", 0, "messages to send")
	fs.IntVar(&o.sizeBytes, "size-bytes", 200, "bytes per message (the first 8 are its sequence number)")
	fs.Float64Var(&o.ratePerSecond, "rate-per-second", defaultRatePerSecond, "messages per second")
	fs.Int64Var(&o.drainMs, "drain-timeout-ms", defaultDrainMs, "wait for echoes this long after the last send")
	fs.Int64Var(&o.connectMs, "connect-timeout-ms", defaultConnectMs, "give up on establishing the session after N ms")
}

func (o *clientOptions) validate(urls []string) error {
	if len(urls) != 1 || o.connect == "" || o.ca == "" || o.count == 0 {
		return usageError{"usage: webtransport client --connect HOST:PORT --ca FILE --count N [--mode datagram|stream-per-message|long-stream] [--size-bytes N] [--rate-per-second R] [--drain-timeout-ms N] https://NAME:PORT/echo"}
	}
	maxSize := maxStreamSizeBytes
	switch o.mode {
	case modeDatagram:
		maxSize = maxDatagramBytes
	case modeStreamPerMsg, modeLongStream:
	default:
		return usageError{fmt.Sprintf("--mode %s: datagram, stream-per-message or long-stream", o.mode)}
	}
	switch {
	case o.count < 1 || o.count > maxCount:
		return usageError{fmt.Sprintf("--count %d: 1 to %d", o.count, maxCount)}
	case o.sizeBytes < minSizeBytes || o.sizeBytes > maxSize:
		return usageError{fmt.Sprintf("--size-bytes %d: %d to %d in %s mode", o.sizeBytes, minSizeBytes, maxSize, o.mode)}
	case !(o.ratePerSecond > 0 && o.ratePerSecond <= maxRatePerSecond):
		return usageError{fmt.Sprintf("--rate-per-second %g: above 0, at most %d", o.ratePerSecond, maxRatePerSecond)}
	case float64(o.count-1)/o.ratePerSecond > maxSendSeconds:
		return usageError{fmt.Sprintf("%d messages at %g/s take more than %d s", o.count, o.ratePerSecond, maxSendSeconds)}
	case o.drainMs < 0 || o.drainMs > maxDrainMs:
		return usageError{fmt.Sprintf("--drain-timeout-ms %d: 0 to %d", o.drainMs, maxDrainMs)}
	case o.connectMs < 1 || o.connectMs > maxConnectMs:
		return usageError{fmt.Sprintf("--connect-timeout-ms %d: 1 to %d", o.connectMs, maxConnectMs)}
	}
	if u, err := url.Parse(urls[0]); err != nil || u.Scheme != "https" || u.Hostname() == "" {
		return usageError{fmt.Sprintf("bad URL %q: https://NAME:PORT/PATH", urls[0])}
	}
	return nil
}

// messageRecord is one sent message; ReceivedMs is nil until its first correct echo.
type messageRecord struct {
	Seq        int      `json:"seq"`
	SentMs     float64  `json:"sentMs"`
	ReceivedMs *float64 `json:"receivedMs"`
}

// strayEcho is an echo that delivers nothing: a second echo of a message, or a sequence
// number the client never sent.
type strayEcho struct {
	Seq        uint64  `json:"seq"`
	ReceivedMs float64 `json:"receivedMs"`
	Reason     string  `json:"reason"` // "duplicate" or "unknown"
}

// report is the client's one JSON document. Every time is in milliseconds (fractions
// allowed) from the instant just before the client's first packet, on a monotonic clock.
type report struct {
	Implementation    string  `json:"implementation"`
	Version           string  `json:"version"`
	QuicGoVersion     string  `json:"quicGoVersion"`
	ClockResolutionMs float64 `json:"clockResolutionMs"`
	Mode              string  `json:"mode"`
	Count             int     `json:"count"`
	SizeBytes         int     `json:"sizeBytes"`
	RatePerSecond     float64 `json:"ratePerSecond"`
	DrainTimeoutMs    int64   `json:"drainTimeoutMs"`
	// QUIC handshake complete at the client; the WebTransport session established (the
	// CONNECT request's 2xx response).
	HandshakeMs          *float64        `json:"handshakeMs,omitempty"`
	SessionEstablishedMs *float64        `json:"sessionEstablishedMs,omitempty"`
	LastSendMs           *float64        `json:"lastSendMs,omitempty"`
	DrainDeadlineMs      *float64        `json:"drainDeadlineMs,omitempty"`
	EndMs                float64         `json:"endMs"`
	Messages             []messageRecord `json:"messages"`
	StrayEchoes          []strayEcho     `json:"strayEchoes"`
	// Errors during the run (a send that failed, a corrupt echo), the first maxErrorsKept of
	// ErrorCount; Error only when the run itself failed (exit 1).
	Errors     []string `json:"errors"`
	ErrorCount int      `json:"errorCount"`
	Error      string   `json:"error,omitempty"`
}

// ledger records sends and echoes from the sender and receiver goroutines.
type ledger struct {
	mu        sync.Mutex
	origin    time.Time
	size      int
	rep       *report
	delivered int
	allIn     chan struct{} // closed once every message was echoed
	closing   bool          // after the drain deadline: errors from tearing down are not errors
}

func (l *ledger) since(t time.Time) float64 {
	return math.Round(float64(t.Sub(l.origin).Nanoseconds())/1e3) / 1e3
}

func (l *ledger) sent(seq int, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rep.Messages = append(l.rep.Messages, messageRecord{Seq: seq, SentMs: l.since(at)})
}

func (l *ledger) echo(data []byte, at time.Time) {
	seq, err := decodeMessage(data, l.size)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closing {
		return // after the drain deadline: not delivered
	}
	if err != nil {
		l.errorLocked(err)
		return
	}
	ms := l.since(at)
	// Messages are recorded in send order, so a message's index is its sequence number.
	if seq >= uint64(len(l.rep.Messages)) {
		l.rep.StrayEchoes = append(l.rep.StrayEchoes, strayEcho{Seq: seq, ReceivedMs: ms, Reason: "unknown"})
		return
	}
	m := &l.rep.Messages[seq]
	if m.ReceivedMs != nil {
		l.rep.StrayEchoes = append(l.rep.StrayEchoes, strayEcho{Seq: seq, ReceivedMs: ms, Reason: "duplicate"})
		return
	}
	m.ReceivedMs = &ms
	l.delivered++
	if l.delivered == l.rep.Count {
		close(l.allIn)
	}
}

func (l *ledger) error(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errorLocked(err)
}

func (l *ledger) errorLocked(err error) {
	if l.closing {
		return
	}
	l.rep.ErrorCount++
	if len(l.rep.Errors) < maxErrorsKept {
		l.rep.Errors = append(l.rep.Errors, strings.ReplaceAll(err.Error(), "\n", " "))
	}
}

func runClient(args []string) int {
	fs := flag.NewFlagSet("client", flag.ContinueOnError)
	var opts clientOptions
	opts.register(fs)
	urls, err := parseFlags(fs, args)
	if err == nil {
		err = opts.validate(urls)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "webtransport client:", err)
		return 2
	}
	rep := opts.run(urls[0])
	line, _ := json.Marshal(rep)
	fmt.Println(string(line))
	if rep.Error != "" {
		return 1
	}
	return 0
}

// run establishes the session, sends the messages on schedule (message i at i/rate after the
// session is up), waits for echoes until all are in or drainMs after the last send, and
// reports. A failure is the report's Error.
func (o *clientOptions) run(rawURL string) *report {
	rep := &report{
		Implementation: implementation, Version: moduleVersion("github.com/quic-go/webtransport-go"),
		QuicGoVersion: moduleVersion("github.com/quic-go/quic-go"), ClockResolutionMs: clockResolutionMs,
		Mode: o.mode, Count: o.count, SizeBytes: o.sizeBytes, RatePerSecond: o.ratePerSecond, DrainTimeoutMs: o.drainMs,
		Messages: []messageRecord{}, StrayEchoes: []strayEcho{}, Errors: []string{},
	}
	l := &ledger{origin: time.Now(), size: o.sizeBytes, rep: rep, allIn: make(chan struct{})}
	err := o.exchange(rawURL, l)
	l.mu.Lock()
	defer l.mu.Unlock()
	rep.EndMs = l.since(time.Now())
	if err != nil {
		rep.Error = strings.ReplaceAll(err.Error(), "\n", " ")
	}
	return rep
}

func (o *clientOptions) exchange(rawURL string, l *ledger) error {
	u, _ := url.Parse(rawURL) // validated
	tlsConf, err := o.tlsConfig(u.Hostname())
	if err != nil {
		return err
	}
	remote, err := net.ResolveUDPAddr("udp", o.connect)
	if err != nil {
		return fmt.Errorf("--connect %s: %v", o.connect, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(o.connectMs)*time.Millisecond)
	defer cancel()
	var udp *net.UDPConn
	transport := &webtransport.Transport{
		TLSClientConfig: tlsConf,
		QUICConfig:      &quic.Config{EnableDatagrams: true, EnableStreamResetPartialDelivery: true},
		// Packets go to --connect, whatever the URL's name resolves to; Dial returns once the
		// handshake is complete, which is when handshakeMs is taken.
		DialAddr: func(ctx context.Context, _ string, tlsConf *tls.Config, conf *quic.Config) (*quic.Conn, error) {
			var listenErr error
			if udp, listenErr = net.ListenUDP("udp", nil); listenErr != nil {
				return nil, listenErr
			}
			l.origin = time.Now()
			conn, err := (&quic.Transport{Conn: udp}).Dial(ctx, remote, tlsConf, conf)
			if err != nil {
				return nil, handshakeError(err, tlsConf.ServerName)
			}
			l.rep.HandshakeMs = ptr(l.since(time.Now()))
			return conn, nil
		},
	}
	defer func() {
		if udp != nil {
			udp.Close()
		}
	}()
	rsp, sess, err := transport.Dial(ctx, rawURL, nil)
	if err != nil {
		return fmt.Errorf("WebTransport session not established: %w", err)
	}
	if rsp.StatusCode < 200 || rsp.StatusCode > 299 {
		sess.CloseWithError(0, "")
		return fmt.Errorf("WebTransport session refused: HTTP %d", rsp.StatusCode)
	}
	established := time.Now()
	l.rep.SessionEstablishedMs = ptr(l.since(established))
	defer sess.CloseWithError(0, "done")
	return o.sendAndDrain(sess, l, established)
}

// sendAndDrain sends message i at start + i/rate in the chosen mode, then waits for every
// echo or the drain deadline, whichever is first; a session that ends early is an error.
func (o *clientOptions) sendAndDrain(sess *webtransport.Session, l *ledger, start time.Time) error {
	send, err := o.sender(sess, l)
	if err != nil {
		return err
	}
	interval := time.Duration(float64(time.Second) / o.ratePerSecond)
	var last time.Time
	for i := 0; i < o.count; i++ {
		time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		if sess.Context().Err() != nil {
			return fmt.Errorf("session ended after %d of %d messages: %v", i, o.count, context.Cause(sess.Context()))
		}
		last = time.Now()
		l.sent(i, last)
		send(i)
	}
	deadline := last.Add(time.Duration(o.drainMs) * time.Millisecond)
	l.mu.Lock()
	l.rep.LastSendMs = ptr(l.since(last))
	l.rep.DrainDeadlineMs = ptr(l.since(deadline))
	l.mu.Unlock()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	var ended error
	select {
	case <-l.allIn:
	case <-timer.C:
	case <-sess.Context().Done():
		ended = fmt.Errorf("session ended while waiting for echoes: %v", context.Cause(sess.Context()))
	}
	l.mu.Lock()
	l.closing = true
	l.mu.Unlock()
	return ended
}

// sender starts the mode's receiver and returns the function that sends message i without
// blocking the schedule (SendDatagram queues or fails at once; a stream's writes run apart).
func (o *clientOptions) sender(sess *webtransport.Session, l *ledger) (func(int), error) {
	switch o.mode {
	case modeDatagram:
		go func() {
			for {
				data, err := sess.ReceiveDatagram(sess.Context())
				if err != nil {
					return
				}
				l.echo(data, time.Now())
			}
		}()
		return func(i int) {
			msg := make([]byte, o.sizeBytes)
			encodeMessage(msg, uint64(i))
			if err := sess.SendDatagram(msg); err != nil {
				l.error(fmt.Errorf("datagram %d: %v", i, err))
			}
		}, nil
	case modeStreamPerMsg:
		return func(i int) { go o.streamMessage(sess, l, i) }, nil
	default:
		str, err := sess.OpenStreamSync(sess.Context())
		if err != nil {
			return nil, fmt.Errorf("opening the stream: %v", err)
		}
		go func() {
			buf := make([]byte, o.sizeBytes)
			for {
				if _, err := io.ReadFull(str, buf); err != nil {
					if !errors.Is(err, io.EOF) {
						l.error(fmt.Errorf("reading the stream: %v", err))
					}
					return
				}
				l.echo(buf, time.Now())
			}
		}()
		// A writer of its own, so a write that flow control or a lost packet holds back holds
		// the later messages behind it (as on any one stream) but never the schedule: their
		// sentMs is when the application handed them over, as with a WebSocket's send().
		queue := make(chan int, o.count)
		go func() {
			msg := make([]byte, o.sizeBytes)
			for i := range queue {
				encodeMessage(msg, uint64(i))
				if _, err := str.Write(msg); err != nil {
					l.error(fmt.Errorf("message %d: writing the stream: %v", i, err))
					return
				}
			}
		}()
		return func(i int) { queue <- i }, nil
	}
}

// streamMessage sends message i on a stream of its own, closes its sending side and reads
// the echo until the server's FIN.
func (o *clientOptions) streamMessage(sess *webtransport.Session, l *ledger, i int) {
	str, err := sess.OpenStreamSync(sess.Context())
	if err != nil {
		l.error(fmt.Errorf("message %d: opening a stream: %v", i, err))
		return
	}
	msg := make([]byte, o.sizeBytes)
	encodeMessage(msg, uint64(i))
	if _, err := str.Write(msg); err != nil {
		l.error(fmt.Errorf("message %d: writing: %v", i, err))
		return
	}
	str.Close()
	echo, err := io.ReadAll(io.LimitReader(str, int64(o.sizeBytes)+1))
	if err != nil {
		l.error(fmt.Errorf("message %d: reading the echo: %v", i, err))
		return
	}
	l.echo(echo, time.Now())
}

func (o *clientOptions) tlsConfig(name string) (*tls.Config, error) {
	pem, err := os.ReadFile(o.ca)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca %s: no certificate in it", o.ca)
	}
	keylog, err := openKeylog(o.keylog)
	if err != nil {
		return nil, err
	}
	return &tls.Config{RootCAs: roots, ServerName: name, KeyLogWriter: keylog, NextProtos: []string{http3.NextProtoH3}, MinVersion: tls.VersionTLS13}, nil
}

// handshakeError says plainly when the certificate is what failed.
func handshakeError(err error, name string) error {
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	switch {
	case errors.As(err, &unknownAuthority):
		return fmt.Errorf("QUIC handshake failed: the server certificate does not chain to --ca: %v", err)
	case errors.As(err, &hostname):
		return fmt.Errorf("QUIC handshake failed: the server certificate does not match %q: %v", name, err)
	}
	return fmt.Errorf("QUIC handshake failed: %v", err)
}

func ptr[T any](v T) *T { return &v }
