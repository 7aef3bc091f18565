// The lab's WebTransport peer: an echo server (datagrams and bidirectional streams at /echo)
// and a message client on webtransport-go over quic-go, for the realtime scenario. It follows
// peers/CONTRACT.md where that applies (version, the server's listening line, --cert/--key,
// --keylog, --connect/--ca, exit codes) and prints its own JSON (see client.go).
package main

import (
	"fmt"
	"os"
	"runtime/debug"
)

const implementation = "webtransport-go"

// usageError is a bad command line: exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	if len(os.Args) < 2 {
		fail2("usage: webtransport server|client|version [options]")
	}
	switch os.Args[1] {
	case "server":
		if err := runServer(os.Args[2:]); err != nil {
			if _, ok := err.(usageError); ok {
				fail2(err.Error())
			}
			fmt.Fprintln(os.Stderr, "webtransport server:", err)
			os.Exit(1)
		}
	case "client":
		os.Exit(runClient(os.Args[2:]))
	case "version":
		fmt.Println(moduleVersion("github.com/quic-go/webtransport-go"))
	default:
		fail2(fmt.Sprintf("unknown command %q (server, client or version)", os.Args[1]))
	}
}

func fail2(msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(2)
}

// moduleVersion is the version of module `path` this binary was built with (its build info,
// so go.mod's pin, never typed in by hand).
func moduleVersion(path string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, dep := range info.Deps {
		if dep.Path == path {
			return dep.Version
		}
	}
	return "unknown"
}
