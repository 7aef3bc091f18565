package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"github.com/quic-go/webtransport-go"
)

// echoPath is where the server accepts WebTransport sessions.
const echoPath = "/echo"

// maxIncomingStreams bounds the bidirectional streams a client may have open at once: every
// outstanding message is one stream in stream-per-message mode, and a loss burst can hold
// many (quic-go's default, 100, would hold the client's sends back instead).
const maxIncomingStreams = 10_000

type serverConfig struct {
	cert   tls.Certificate
	keylog io.Writer
}

// echoServer is a running server: Serve until Close.
type echoServer struct {
	wt   *webtransport.Server
	conn net.PacketConn
}

func newEchoServer(conf serverConfig, conn net.PacketConn) *echoServer {
	mux := http.NewServeMux()
	s := &echoServer{conn: conn}
	s.wt = &webtransport.Server{
		H3: &http3.Server{
			Handler:   mux,
			TLSConfig: http3.ConfigureTLSConfig(&tls.Config{Certificates: []tls.Certificate{conf.cert}, KeyLogWriter: conf.keylog, MinVersion: tls.VersionTLS13}),
			QUICConfig: &quic.Config{
				EnableDatagrams:                  true,
				EnableStreamResetPartialDelivery: true,
				MaxIncomingStreams:               maxIncomingStreams,
			},
		},
		// The lab's clients (a Go program, a Chromium page from another origin) are all
		// trusted: the origin check guards browsers against cross-site use, not the lab.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	mux.HandleFunc(echoPath, func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.wt.Upgrade(w, r)
		if err != nil {
			fmt.Fprintln(os.Stderr, "webtransport server: upgrade:", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		go echoDatagrams(sess)
		echoStreams(sess)
	})
	return s
}

func (s *echoServer) Serve() error { return s.wt.Serve(s.conn) }

func (s *echoServer) Close() error { return s.wt.Close() }

// echoDatagrams sends every datagram back as it arrives, until the session ends.
func echoDatagrams(sess *webtransport.Session) {
	ctx := sess.Context()
	for {
		data, err := sess.ReceiveDatagram(ctx)
		if err != nil {
			return
		}
		if err := sess.SendDatagram(data); err != nil {
			fmt.Fprintln(os.Stderr, "webtransport server: echoing a datagram:", err)
		}
	}
}

// echoStreams writes every bidirectional stream's bytes back on it as they arrive and closes
// it after the client's FIN, until the session ends.
func echoStreams(sess *webtransport.Session) {
	for {
		str, err := sess.AcceptStream(context.Background())
		if err != nil {
			return
		}
		go func() {
			if _, err := io.Copy(str, str); err != nil {
				str.CancelWrite(0)
				return
			}
			str.Close()
		}()
	}
}

func runServer(args []string) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	listen := fs.String("listen", "", "UDP HOST:PORT")
	certFile := fs.String("cert", "", "PEM chain, leaf first")
	keyFile := fs.String("key", "", "PEM key")
	keylogFile := fs.String("keylog", "", "append TLS secrets (NSS key log format)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 || *listen == "" || *certFile == "" || *keyFile == "" {
		return usageError{"usage: webtransport server --listen HOST:PORT --cert FILE --key FILE [--keylog FILE]"}
	}
	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		return err
	}
	keylog, err := openKeylog(*keylogFile)
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
	server := newEchoServer(serverConfig{cert: cert, keylog: keylog}, conn)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	served := make(chan error, 1)
	go func() { served <- server.Serve() }()
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

func openKeylog(path string) (io.Writer, error) {
	if path == "" {
		return nil, nil
	}
	return os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
}

// parseFlags parses args with fs, options and positional arguments in any order.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
