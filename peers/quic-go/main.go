// The lab's quic-go peer: an HTTP/3 server and client on quic-go's http3 package that speak
// peers/CONTRACT.md (command line, served paths, one JSON line out).
package main

import (
	"fmt"
	"os"
	"runtime/debug"
)

const implementation = "quic-go"

// usageError is a bad command line: exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	if len(os.Args) < 2 {
		fail2("usage: quic-go server|client|version [options]")
	}
	var err error
	switch os.Args[1] {
	case "server":
		err = runServer(os.Args[2:])
	case "client":
		os.Exit(runClient(os.Args[2:]))
	case "version":
		fmt.Println(quicGoVersion())
		return
	default:
		fail2(fmt.Sprintf("unknown command %q (server, client or version)", os.Args[1]))
	}
	if err != nil {
		if _, ok := err.(usageError); ok {
			fail2(err.Error())
		}
		fmt.Fprintln(os.Stderr, "quic-go server:", err)
		os.Exit(1)
	}
}

func fail2(msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(2)
}

// quicGoVersion is the quic-go module version this binary was built with.
func quicGoVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, dep := range info.Deps {
		if dep.Path == "github.com/quic-go/quic-go" {
			return dep.Version
		}
	}
	return "unknown"
}
