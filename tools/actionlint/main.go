// actionlint's own command (github.com/rhysd/actionlint/cmd/actionlint, MIT), built here as this
// module's main package so the peers' Go build (peers/go-build.sh) builds it from the version
// go.mod pins.
package main

import (
	"os"

	"github.com/rhysd/actionlint"

	_ "time/tzdata" // cron schedules in workflows may name a time zone
)

func main() {
	cmd := actionlint.Command{
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
	}
	os.Exit(cmd.Main(os.Args))
}
