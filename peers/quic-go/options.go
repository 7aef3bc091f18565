package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/quic-go/quic-go"
)

// quic-go's auto-tuning ceilings when none is set (Config's documentation).
const (
	defaultMaxStreamWindow     = 6 << 20
	defaultMaxConnectionWindow = 15 << 20
)

// transportOptions are the options the server and the client share (CONTRACT.md).
type transportOptions struct {
	qlogDir        string
	keylog         string
	cc             string
	initialRTTMs   int
	maxWindowBytes uint64
}

func (o *transportOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.qlogDir, "qlog-dir", "", "one qlog per connection in DIR")
	fs.StringVar(&o.keylog, "keylog", "", "append TLS secrets (NSS key log format)")
	fs.StringVar(&o.cc, "cc", "", "congestion controller (quic-go has reno only)")
	fs.IntVar(&o.initialRTTMs, "initial-rtt-ms", 0, "initial RTT (quic-go cannot set it)")
	fs.Uint64Var(&o.maxWindowBytes, "max-window-bytes", 0, "flow-control windows at least N")
}

// check refuses what quic-go cannot do: it has NewReno only (v0.66 removed Cubic) and a
// fixed initial RTT (100 ms, internal/utils.DefaultInitialRTT).
func (o *transportOptions) check() error {
	if o.cc != "" && o.cc != "reno" {
		return usageError{fmt.Sprintf("--cc %s: quic-go has only reno (NewReno with hybrid slow start and pacing)", o.cc)}
	}
	if o.initialRTTMs != 0 {
		return usageError{"--initial-rtt-ms: quic-go cannot set the initial RTT (fixed at 100 ms)"}
	}
	return nil
}

// quicConfig is quic-go's configuration for these options, with `tracer` on every connection.
func (o *transportOptions) quicConfig(tracer *tracerFactory) *quic.Config {
	conf := &quic.Config{Tracer: tracer.trace, Allow0RTT: true}
	// At least N from the start; auto-tuning's ceilings never below quic-go's defaults.
	if n := o.maxWindowBytes; n > 0 {
		conf.InitialStreamReceiveWindow = n
		conf.MaxStreamReceiveWindow = max(n, defaultMaxStreamWindow)
		conf.InitialConnectionReceiveWindow = n
		conf.MaxConnectionReceiveWindow = max(n, defaultMaxConnectionWindow)
	}
	return conf
}

func (o *transportOptions) keylogWriter() (io.Writer, error) {
	if o.keylog == "" {
		return nil, nil
	}
	return os.OpenFile(o.keylog, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
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
