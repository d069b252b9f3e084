package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
)

// wirePprof serves net/http/pprof on VANTHU_PPROF_ADDR (bound before
// serve says it is listening, served by a job), for profiling under load.
// Off by default; unauthenticated.
func wirePprof(_ context.Context, a *app) error {
	addr := a.cfg.PprofAddr
	if addr == "" {
		return nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	var ln net.Listener
	a.listen = append(a.listen, func(stdout io.Writer) error {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("listen (VANTHU_PPROF_ADDR): %w", err)
		}
		ln = l
		a.close = append(a.close, func() { l.Close() })
		fmt.Fprintf(stdout, "vanthu pprof listening on http://%s\n", l.Addr())
		return nil
	})
	a.jobs = append(a.jobs, func(ctx context.Context) error {
		srv := &http.Server{Handler: mux}
		a.log.WarnContext(ctx, "pprof listening (unauthenticated)", "addr", ln.Addr().String())
		go func() { <-ctx.Done(); srv.Close() }()
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	return nil
}
