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
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
)

type clientOptions struct {
	transportOptions
	connect     string
	ca          string
	session     string
	uploadBytes int64
	rangeStart  int64
	progress    bool
	timeoutMs   int64
	migrate     int64
}

// result is the contract's JSON (CONTRACT.md); pointers are metrics that may be absent.
type result struct {
	Implementation    string         `json:"implementation"`
	Version           string         `json:"version"`
	ClockResolutionMs float64        `json:"clockResolutionMs"`
	HandshakeMs       *float64       `json:"handshakeMs,omitempty"`
	TtfbMs            *float64       `json:"ttfbMs,omitempty"`
	BodyStartMs       *float64       `json:"bodyStartMs,omitempty"`
	BodyEndMs         *float64       `json:"bodyEndMs,omitempty"`
	TotalMs           *float64       `json:"totalMs,omitempty"`
	BodyBytes         *int64         `json:"bodyBytes,omitempty"`
	VerifiedBodyBytes *int64         `json:"verifiedBodyBytes,omitempty"`
	UploadedBytes     *int64         `json:"uploadedBytes,omitempty"`
	Status            *int           `json:"status,omitempty"`
	ALPN              string         `json:"alpn,omitempty"`
	QUICVersion       string         `json:"quicVersion,omitempty"`
	Resumed           *bool          `json:"resumed,omitempty"`
	EarlyDataAccepted *bool          `json:"earlyDataAccepted,omitempty"`
	Progress          [][2]float64   `json:"progress,omitempty"`
	Objects           []objectResult `json:"objects,omitempty"`
	LostPackets       *int           `json:"lostPackets,omitempty"`
	MigratedAtMs      *float64       `json:"migratedAtMs,omitempty"`
	TimingSource      string         `json:"timingSource"`
	Error             string         `json:"error,omitempty"`
	Partial           *partialResult `json:"partial,omitempty"`
}

type objectResult struct {
	Path          string  `json:"path"`
	Bytes         int64   `json:"bytes"`
	VerifiedBytes int64   `json:"verifiedBytes"`
	CompletedMs   float64 `json:"completedMs"`
}

type partialResult struct {
	BodyBytes  int64    `json:"bodyBytes"`
	LastByteMs *float64 `json:"lastByteMs"`
	FailedAtMs float64  `json:"failedAtMs"`
}

func ptr[T any](v T) *T { return &v }

// ms rounds a duration to the microsecond, the resolution the result states.
func ms(d time.Duration) float64 { return math.Round(float64(d.Nanoseconds())/1e3) / 1e3 }

func runClient(args []string) int {
	fs := flag.NewFlagSet("client", flag.ContinueOnError)
	var opts clientOptions
	opts.register(fs)
	fs.StringVar(&opts.connect, "connect", "", "HOST:PORT to send packets to")
	fs.StringVar(&opts.ca, "ca", "", "the only trust anchor")
	fs.StringVar(&opts.session, "session", "cold", "cold, resumed or early-data")
	fs.Int64Var(&opts.uploadBytes, "upload-bytes", -1, "POST N pattern bytes")
	fs.Int64Var(&opts.rangeStart, "range-start", -1, "send range: bytes=K-")
	fs.BoolVar(&opts.progress, "progress", false, "record the body's progress")
	fs.Int64Var(&opts.timeoutMs, "timeout-ms", 30000, "give up after N ms")
	fs.Int64Var(&opts.migrate, "migrate-after-bytes", -1, "move the connection to a new local socket (port) once N body bytes arrived")
	urls, err := parseFlags(fs, args)
	if err == nil {
		err = opts.validate(urls)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "quic-go client:", err)
		return 2
	}
	res := &result{Implementation: implementation, Version: quicGoVersion(), ClockResolutionMs: 0.001, TimingSource: "quic-go qlog events (handshake), http3 reads (body)"}
	if err := opts.run(urls, res); err != nil {
		res.Error = strings.ReplaceAll(err.Error(), "\n", " ")
	}
	line, _ := json.Marshal(res)
	fmt.Println(string(line))
	if res.Error != "" {
		return 1
	}
	return 0
}

func (o *clientOptions) validate(urls []string) error {
	if len(urls) == 0 || o.connect == "" || o.ca == "" {
		return usageError{"usage: quic-go client --connect HOST:PORT --ca FILE [options] URL..."}
	}
	if o.session != "cold" && o.session != "resumed" && o.session != "early-data" {
		return usageError{fmt.Sprintf("--session %s: cold, resumed or early-data", o.session)}
	}
	if o.uploadBytes >= 0 && len(urls) != 1 {
		return usageError{"--upload-bytes takes one URL"}
	}
	if len(urls) > 1 && (o.session != "cold" || o.rangeStart >= 0 || o.migrate >= 0) {
		return usageError{"a batch (several URLs) is cold, without --range-start or --migrate-after-bytes"}
	}
	return o.check()
}

// target is the one server every URL names.
type target struct {
	name  string
	paths []string
}

func parseTargets(urls []string) (target, error) {
	var t target
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "https" || u.Hostname() == "" {
			return t, usageError{fmt.Sprintf("bad URL %q: https://NAME:PORT/PATH", raw)}
		}
		if t.name != "" && t.name != u.Hostname() {
			return t, usageError{"every URL names the same server"}
		}
		t.name = u.Hostname()
		t.paths = append(t.paths, u.RequestURI())
	}
	return t, nil
}

func (o *clientOptions) tlsConfig(name string, cache tls.ClientSessionCache) (*tls.Config, error) {
	pem, err := os.ReadFile(o.ca)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca %s: no certificate in it", o.ca)
	}
	keylog, err := o.keylogWriter()
	if err != nil {
		return nil, err
	}
	return &tls.Config{RootCAs: roots, ServerName: name, ClientSessionCache: cache, KeyLogWriter: keylog, NextProtos: []string{http3.NextProtoH3}, MinVersion: tls.VersionTLS13}, nil
}

// dial opens a QUIC connection from a fresh UDP socket; early: return as soon as 0-RTT can be sent.
func (o *clientOptions) dial(ctx context.Context, tlsConf *tls.Config, events *connEvents, early bool) (*quic.Conn, *quic.Transport, error) {
	remote, err := net.ResolveUDPAddr("udp", o.connect)
	if err != nil {
		return nil, nil, usageError{fmt.Sprintf("--connect %s: %v", o.connect, err)}
	}
	udp, err := net.ListenUDP("udp", nil)
	if err != nil {
		return nil, nil, err
	}
	tr := &quic.Transport{Conn: udp}
	conf := o.quicConfig(&tracerFactory{qlogDir: o.qlogDir, events: events})
	var conn *quic.Conn
	if early {
		conn, err = tr.DialEarly(ctx, remote, tlsConf, conf)
	} else {
		conn, err = tr.Dial(ctx, remote, tlsConf, conf)
	}
	if err != nil {
		tr.Close()
		return nil, nil, handshakeError(err, tlsConf.ServerName)
	}
	return conn, tr, nil
}

// handshakeError says plainly when the certificate is what failed.
func handshakeError(err error, name string) error {
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknownAuthority):
		return fmt.Errorf("QUIC handshake failed: the server certificate does not chain to --ca: %v", err)
	case errors.As(err, &hostname):
		return fmt.Errorf("QUIC handshake failed: the server certificate does not match %q: %v", name, err)
	case errors.As(err, &invalid):
		return fmt.Errorf("QUIC handshake failed: the server certificate is invalid: %v", err)
	}
	return fmt.Errorf("QUIC handshake failed: %v", err)
}

func (o *clientOptions) run(urls []string, res *result) error {
	t, err := parseTargets(urls)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(o.timeoutMs)*time.Millisecond)
	defer cancel()
	cache := newSessionCache()
	tlsConf, err := o.tlsConfig(t.name, cache)
	if err != nil {
		return err
	}
	if o.session != "cold" {
		if err := o.prime(ctx, tlsConf, cache); err != nil {
			return fmt.Errorf("priming connection: %w", err)
		}
		cache.noEarlyData = o.session == "resumed"
	}
	events := &connEvents{}
	conn, tr, err := o.dial(ctx, tlsConf, events, o.session == "early-data")
	if err != nil {
		return err
	}
	defer tr.Close()
	defer conn.CloseWithError(0, "")
	m := &measured{opts: o, events: events, conn: conn, tr: tr, res: res, ctx: ctx}
	h3 := (&http3.Transport{}).NewClientConn(conn)
	if len(t.paths) > 1 {
		err = m.batch(h3, t)
	} else {
		err = m.exchange(h3, t)
	}
	m.finish()
	return err
}

// prime makes the priming connection: GET /0, wait for a session ticket, close.
func (o *clientOptions) prime(ctx context.Context, tlsConf *tls.Config, cache *sessionCache) error {
	conn, tr, err := o.dial(ctx, tlsConf, nil, false)
	if err != nil {
		return err
	}
	defer tr.Close()
	defer conn.CloseWithError(0, "")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+tlsConf.ServerName+"/0", nil)
	rsp, err := (&http3.Transport{}).NewClientConn(conn).RoundTrip(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, rsp.Body)
	rsp.Body.Close()
	select {
	case <-cache.ticketStored:
		return nil
	case <-ctx.Done():
		return errors.New("no session ticket from the server")
	}
}

// measured is the measured connection: every time is from its first packet.
type measured struct {
	opts   *clientOptions
	events *connEvents
	conn   *quic.Conn
	tr     *quic.Transport
	res    *result
	ctx    context.Context
	mu     sync.Mutex
}

func (m *measured) since(t time.Time) float64 {
	first, _, _ := m.events.snapshot()
	return ms(t.Sub(first))
}

// finish adds what the connection and its events say, whatever happened.
func (m *measured) finish() {
	_, handshake, lost := m.events.snapshot()
	if !handshake.IsZero() {
		m.res.HandshakeMs = ptr(m.since(handshake))
	}
	m.res.LostPackets = ptr(lost)
	select {
	case <-m.conn.HandshakeComplete():
		state := m.conn.ConnectionState()
		m.res.ALPN = state.TLS.NegotiatedProtocol
		m.res.QUICVersion = fmt.Sprintf("0x%08x", uint32(state.Version))
		m.res.Resumed = ptr(state.TLS.DidResume)
		m.res.EarlyDataAccepted = ptr(state.Used0RTT)
	default:
	}
}

func (m *measured) exchange(h3 *http3.ClientConn, t target) error {
	o := m.opts
	method := http.MethodGet
	if o.session == "early-data" {
		method = http3.MethodGet0RTT
	}
	var body io.Reader
	var upload *uploadBody
	if o.uploadBytes >= 0 {
		method = http.MethodPost
		upload = &uploadBody{size: o.uploadBytes, m: m}
		body = upload
	}
	req, err := http.NewRequestWithContext(m.ctx, method, "https://"+t.name+t.paths[0], body)
	if err != nil {
		return err
	}
	if upload != nil {
		req.ContentLength = o.uploadBytes
	}
	if o.rangeStart >= 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", o.rangeStart))
	}
	rsp, err := h3.RoundTrip(req)
	if err != nil {
		return err
	}
	defer rsp.Body.Close()
	m.res.TtfbMs = ptr(m.since(time.Now()))
	m.res.Status = ptr(rsp.StatusCode)
	if upload != nil {
		return m.readUploadAnswer(rsp, upload)
	}
	start := int64(0)
	if o.rangeStart >= 0 {
		start = o.rangeStart
	}
	return m.readBody(rsp, start)
}

// readBody reads and checks a download as it arrives.
func (m *measured) readBody(rsp *http.Response, start int64) error {
	check := newPatternChecker(start)
	buf := make([]byte, 64*1024)
	var last time.Time
	migrated := false
	for {
		n, err := rsp.Body.Read(buf)
		now := time.Now()
		if n > 0 {
			if check.offset == start {
				m.res.BodyStartMs = ptr(m.since(now))
			}
			check.write(buf[:n])
			last = now
			if m.opts.progress {
				m.res.Progress = append(m.res.Progress, [2]float64{m.since(now), float64(check.offset - start)})
			}
			if check.mismatch >= 0 {
				return fmt.Errorf("body byte %d differs from the pattern", check.mismatch)
			}
			if !migrated && m.opts.migrate >= 0 && check.offset-start >= m.opts.migrate {
				migrated = true
				if err := m.migrate(); err != nil {
					return fmt.Errorf("migration: %w", err)
				}
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p := &partialResult{BodyBytes: check.offset - start, FailedAtMs: m.since(now)}
			if !last.IsZero() {
				p.LastByteMs = ptr(m.since(last))
			}
			m.res.Partial = p
			return fmt.Errorf("body broke off after %d bytes: %v", check.offset-start, err)
		}
	}
	got := check.offset - start
	m.res.BodyBytes = ptr(got)
	m.res.VerifiedBodyBytes = ptr(check.verified)
	end := m.since(time.Now())
	if !last.IsZero() {
		m.res.BodyEndMs = ptr(m.since(last))
	}
	m.res.TotalMs = ptr(end)
	if rsp.ContentLength >= 0 && got != rsp.ContentLength {
		return fmt.Errorf("got %d body bytes, content-length %d", got, rsp.ContentLength)
	}
	if rsp.StatusCode != http.StatusOK && rsp.StatusCode != http.StatusPartialContent {
		return fmt.Errorf("HTTP status %d", rsp.StatusCode)
	}
	return nil
}

// migrate moves the connection to a new UDP socket (a new local port: a NAT rebinding as
// the server sees it) after probing the path.
func (m *measured) migrate() error {
	udp, err := net.ListenUDP("udp", nil)
	if err != nil {
		return err
	}
	path, err := m.conn.AddPath(&quic.Transport{Conn: udp})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(m.ctx, 5*time.Second)
	defer cancel()
	if err := path.Probe(ctx); err != nil {
		return err
	}
	if err := path.Switch(); err != nil {
		return err
	}
	m.res.MigratedAtMs = ptr(m.since(time.Now()))
	return nil
}

func (m *measured) readUploadAnswer(rsp *http.Response, upload *uploadBody) error {
	raw, err := io.ReadAll(io.LimitReader(rsp.Body, 64*1024))
	now := time.Now()
	if err != nil {
		return err
	}
	m.res.UploadedBytes = ptr(upload.sent)
	m.res.BodyEndMs = ptr(m.since(now))
	m.res.TotalMs = ptr(m.since(now))
	var answer struct {
		ReceivedBytes *int64 `json:"receivedBytes"`
		VerifiedBytes *int64 `json:"verifiedBytes"`
		Error         string `json:"error"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil {
		return fmt.Errorf("HTTP status %d, answer not JSON: %.200q", rsp.StatusCode, raw)
	}
	if answer.VerifiedBytes != nil {
		m.res.VerifiedBodyBytes = answer.VerifiedBytes
	}
	if rsp.StatusCode != http.StatusOK || answer.Error != "" {
		return fmt.Errorf("upload refused (HTTP %d): %s", rsp.StatusCode, answer.Error)
	}
	return nil
}

// uploadBody generates the pattern as the request body, timing its first write.
type uploadBody struct {
	size int64
	sent int64
	m    *measured
}

func (u *uploadBody) Read(b []byte) (int, error) {
	if u.sent >= u.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(b)), u.size-u.sent))
	fillPattern(b[:n], u.sent)
	now := time.Now()
	if u.sent == 0 {
		u.m.res.BodyStartMs = ptr(u.m.since(now))
	}
	u.sent += int64(n)
	if u.m.opts.progress {
		u.m.res.Progress = append(u.m.res.Progress, [2]float64{u.m.since(now), float64(u.sent)})
	}
	return n, nil
}

// batch requests every path at once on the one connection.
func (m *measured) batch(h3 *http3.ClientConn, t target) error {
	objects := make([]objectResult, len(t.paths))
	errs := make([]error, len(t.paths))
	var wg sync.WaitGroup
	for i, path := range t.paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			objects[i], errs[i] = m.fetchObject(h3, t.name, path)
		}()
	}
	wg.Wait()
	m.res.Objects = objects
	total := 0.0
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("object %d (%s): %w", i+1, t.paths[i], err)
		}
		total = math.Max(total, objects[i].CompletedMs)
	}
	m.res.TotalMs = ptr(total)
	return nil
}

func (m *measured) fetchObject(h3 *http3.ClientConn, name, path string) (objectResult, error) {
	obj := objectResult{Path: path}
	req, err := http.NewRequestWithContext(m.ctx, http.MethodGet, "https://"+name+path, nil)
	if err != nil {
		return obj, err
	}
	rsp, err := h3.RoundTrip(req)
	if err != nil {
		return obj, err
	}
	defer rsp.Body.Close()
	m.mu.Lock()
	if m.res.TtfbMs == nil {
		m.res.TtfbMs = ptr(m.since(time.Now()))
		m.res.Status = ptr(rsp.StatusCode)
	}
	m.mu.Unlock()
	if rsp.StatusCode != http.StatusOK {
		return obj, fmt.Errorf("HTTP status %d", rsp.StatusCode)
	}
	check := newPatternChecker(0)
	buf := make([]byte, 64*1024)
	for {
		n, err := rsp.Body.Read(buf)
		check.write(buf[:n])
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return obj, err
		}
	}
	obj.CompletedMs = m.since(time.Now())
	obj.Bytes, obj.VerifiedBytes = check.offset, check.verified
	if check.mismatch >= 0 {
		return obj, fmt.Errorf("byte %d differs from the pattern", check.mismatch)
	}
	if want, err := strconv.ParseInt(strings.TrimPrefix(path, "/"), 10, 64); err == nil && want != check.offset {
		return obj, fmt.Errorf("got %d bytes, expected %d", check.offset, want)
	}
	return obj, nil
}
