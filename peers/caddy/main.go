// Caddy as the lab builds it: the current release from its Go modules with its standard
// modules, exactly what `caddy` from caddyserver/caddy's cmd/caddy is.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"
)

func main() {
	caddycmd.Main()
}
