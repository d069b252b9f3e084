// Command vanthu-sign applies one signature layer to a PDF file, as
// `vanthu sign` does, with the same flags:
//
//	vanthu-sign --layer officer|agency|attachment --key URI --cert PEM [flags] in.pdf out.pdf
//
// It links only the signing packages, so it starts in a few milliseconds
// where the whole vanthu binary initialises its database, object store,
// web and metrics packages first: for an official's workstation, or a
// script that signs many files one process at a time.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/vanthu/vanthu/internal/cmd/signcli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := signcli.Run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
