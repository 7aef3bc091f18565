package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testPKI writes a CA (ca.pem) and returns a leaf for "echo.test" signed by it.
func testPKI(t *testing.T, dir, name string) tls.Certificate {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "echo.test"}, DNSNames: []string{"echo.test"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: leafKey}
}

// startEcho serves on a loopback port until the test ends.
func startEcho(t *testing.T, cert tls.Certificate) string {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	s := newEchoServer(serverConfig{cert: cert}, conn)
	go s.Serve()
	t.Cleanup(func() { s.Close(); conn.Close() })
	return conn.LocalAddr().String()
}

func TestEchoEveryMode(t *testing.T) {
	dir := t.TempDir()
	addr := startEcho(t, testPKI(t, dir, "ca"))
	for _, mode := range []string{modeDatagram, modeStreamPerMsg, modeLongStream} {
		t.Run(mode, func(t *testing.T) {
			o := clientOptions{connect: addr, ca: filepath.Join(dir, "ca.pem"), mode: mode, count: 40, sizeBytes: 200, ratePerSecond: 200, drainMs: 3000, connectMs: 5000}
			url := "https://echo.test:" + strings.Split(addr, ":")[1] + "/echo"
			if err := o.validate([]string{url}); err != nil {
				t.Fatal(err)
			}
			rep := o.run(url)
			if rep.Error != "" || rep.ErrorCount != 0 || len(rep.StrayEchoes) != 0 {
				t.Fatalf("error %q, errors %v, stray %v", rep.Error, rep.Errors, rep.StrayEchoes)
			}
			if len(rep.Messages) != 40 {
				t.Fatalf("%d messages recorded", len(rep.Messages))
			}
			if *rep.HandshakeMs <= 0 || *rep.SessionEstablishedMs < *rep.HandshakeMs {
				t.Fatalf("handshake %v ms, session %v ms", *rep.HandshakeMs, *rep.SessionEstablishedMs)
			}
			for i, m := range rep.Messages {
				if m.Seq != i || m.ReceivedMs == nil || *m.ReceivedMs < m.SentMs || m.SentMs < *rep.SessionEstablishedMs {
					t.Fatalf("message %d: %+v", i, m)
				}
				// Sent on schedule: i/200 s after the session, within the sleep's slack.
				if late := m.SentMs - *rep.SessionEstablishedMs - float64(i)*5; late < 0 || late > 50 {
					t.Fatalf("message %d sent %.3f ms off its schedule", i, late)
				}
			}
			if *rep.LastSendMs != rep.Messages[39].SentMs || math.Abs(*rep.DrainDeadlineMs-*rep.LastSendMs-3000) > 0.002 || rep.EndMs > *rep.DrainDeadlineMs {
				t.Fatalf("last send %v, deadline %v, end %v (every echo was in before the deadline)", *rep.LastSendMs, *rep.DrainDeadlineMs, rep.EndMs)
			}
		})
	}
}

func TestOnlyTheGivenCAIsTrusted(t *testing.T) {
	dir := t.TempDir()
	addr := startEcho(t, testPKI(t, dir, "ca"))
	testPKI(t, dir, "other")
	port := strings.Split(addr, ":")[1]
	o := clientOptions{connect: addr, ca: filepath.Join(dir, "other.pem"), mode: modeDatagram, count: 1, sizeBytes: 100, ratePerSecond: 1, connectMs: 5000}
	if rep := o.run("https://echo.test:" + port + "/echo"); !strings.Contains(rep.Error, "does not chain to --ca") || len(rep.Messages) != 0 {
		t.Fatalf("a stranger's CA: %q", rep.Error)
	}
	o.ca = filepath.Join(dir, "ca.pem")
	if rep := o.run("https://wrong.test:" + port + "/echo"); !strings.Contains(rep.Error, `does not match "wrong.test"`) {
		t.Fatalf("a wrong name: %q", rep.Error)
	}
}

func TestBoundsAreRefused(t *testing.T) {
	ok := clientOptions{connect: "127.0.0.1:1", ca: "ca.pem", mode: modeDatagram, count: 10, sizeBytes: 200, ratePerSecond: 50, drainMs: 1000, connectMs: 1000}
	url := []string{"https://echo.test:1/echo"}
	if err := ok.validate(url); err != nil {
		t.Fatal(err)
	}
	for want, change := range map[string]func(*clientOptions){
		"--count 100001": func(o *clientOptions) { o.count = 100_001 },
		"--size-bytes 1001: 8 to 1000 in datagram": func(o *clientOptions) { o.sizeBytes = 1001 },
		"--size-bytes 4: 8 to 65536":               func(o *clientOptions) { o.sizeBytes = 4; o.mode = modeLongStream },
		"--rate-per-second 0":                      func(o *clientOptions) { o.ratePerSecond = 0 },
		"take more than 600 s":                     func(o *clientOptions) { o.count = 60_002; o.ratePerSecond = 100 },
		"--drain-timeout-ms 60001":                 func(o *clientOptions) { o.drainMs = 60_001 },
		"--mode bulk":                              func(o *clientOptions) { o.mode = "bulk" },
	} {
		o := ok
		change(&o)
		if err := o.validate(url); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q, got %v", want, err)
		}
	}
}

func TestMessagesCarryTheirSequenceNumber(t *testing.T) {
	buf := make([]byte, 50)
	encodeMessage(buf, 1234)
	if seq, err := decodeMessage(buf, 50); seq != 1234 || err != nil {
		t.Fatalf("%d %v", seq, err)
	}
	buf[30]++
	if _, err := decodeMessage(buf, 50); err == nil || err.Error() != "echo of message 1234 differs at byte 30" {
		t.Fatal(err)
	}
	if _, err := decodeMessage(buf[:49], 50); err == nil {
		t.Fatal("a short echo passed")
	}
}
