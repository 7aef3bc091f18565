package main

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/quic-go/quic-go/http3"
)

func runServer(args []string) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	var opts transportOptions
	opts.register(fs)
	listen := fs.String("listen", "", "UDP HOST:PORT")
	certFile := fs.String("cert", "", "PEM chain, leaf first")
	keyFile := fs.String("key", "", "PEM key")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 || *listen == "" || *certFile == "" || *keyFile == "" {
		return usageError{"usage: quic-go server --listen HOST:PORT --cert FILE --key FILE [options]"}
	}
	if err := opts.check(); err != nil {
		return err
	}
	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		return err
	}
	keylog, err := opts.keylogWriter()
	if err != nil {
		return err
	}
	addr, err := net.ResolveUDPAddr("udp", *listen)
	if err != nil {
		return usageError{fmt.Sprintf("--listen %s: %v", *listen, err)}
	}
	conn, err := net.ListenUDP("udp", addr)
	if err != nil {
		return err
	}
	// Session tickets are on by default in Go's TLS; Allow0RTT (quicConfig) accepts early data.
	server := &http3.Server{
		Handler:    http.HandlerFunc(serve),
		TLSConfig:  http3.ConfigureTLSConfig(&tls.Config{Certificates: []tls.Certificate{cert}, KeyLogWriter: keylog, MinVersion: tls.VersionTLS13}),
		QUICConfig: opts.quicConfig(&tracerFactory{qlogDir: opts.qlogDir}),
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	served := make(chan error, 1)
	go func() { served <- server.Serve(conn) }()
	line, _ := json.Marshal(struct {
		Event   string `json:"event"`
		Address string `json:"address"`
	}{"listening", conn.LocalAddr().String()})
	fmt.Println(string(line))
	select {
	case <-stop:
		server.Close()
		return nil
	case err := <-served:
		return err
	}
}

func serve(w http.ResponseWriter, r *http.Request) {
	size, err := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/"), 10, 64)
	if err != nil || size < 0 || !strings.HasPrefix(r.URL.Path, "/") {
		http.Error(w, "not found: the lab serves /N", http.StatusNotFound)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		serveBody(w, r, size)
	case http.MethodPost:
		checkUpload(w, r, size)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// serveBody sends bytes K..N-1 of the pattern (K from "range: bytes=K-", else 0).
func serveBody(w http.ResponseWriter, r *http.Request, size int64) {
	start := int64(0)
	status := http.StatusOK
	if spec := r.Header.Get("Range"); spec != "" {
		k, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(spec, "bytes="), "-"), 10, 64)
		if err != nil || !strings.HasPrefix(spec, "bytes=") || !strings.HasSuffix(spec, "-") || k < 0 {
			http.Error(w, "bad range", http.StatusRequestedRangeNotSatisfiable)
			return
		}
		if k >= size {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", size))
			http.Error(w, "range not satisfiable", http.StatusRequestedRangeNotSatisfiable)
			return
		}
		start, status = k, http.StatusPartialContent
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", k, size-1, size))
	}
	w.Header().Set("Content-Length", strconv.FormatInt(size-start, 10))
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	buf := make([]byte, 64*1024)
	for offset := start; offset < size; {
		n := min(int64(len(buf)), size-offset)
		fillPattern(buf[:n], offset)
		if _, err := w.Write(buf[:n]); err != nil {
			return
		}
		offset += n
	}
}

// checkUpload reads a POST body, checking it against the pattern as it arrives.
func checkUpload(w http.ResponseWriter, r *http.Request, size int64) {
	check := newPatternChecker(0)
	buf := make([]byte, 64*1024)
	var readErr error
	for {
		n, err := r.Body.Read(buf)
		check.write(buf[:n])
		if err != nil {
			if !errors.Is(err, io.EOF) {
				readErr = err
			}
			break
		}
	}
	answer := map[string]any{"receivedBytes": check.offset, "verifiedBytes": check.verified}
	status := http.StatusOK
	switch {
	case readErr != nil:
		answer["error"] = "reading the body: " + readErr.Error()
	case check.mismatch >= 0:
		answer["mismatch"] = check.mismatch
		answer["error"] = fmt.Sprintf("byte %d differs from the pattern", check.mismatch)
	case check.offset != size:
		answer["error"] = fmt.Sprintf("received %d bytes, expected %d", check.offset, size)
	}
	if _, failed := answer["error"]; failed {
		status = http.StatusBadRequest
	}
	body, _ := json.Marshal(answer)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}
