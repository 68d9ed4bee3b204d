// Command gen rebuilds console/assets/app.js from console/web; `go generate
// ./console` runs it from the console directory.
package main

import (
	"fmt"
	"os"

	"github.com/edgefn/edgefn/console/internal/webbuild"
)

func main() {
	out, err := webbuild.Build("web")
	if err == nil {
		err = os.WriteFile("assets/app.js", out, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
