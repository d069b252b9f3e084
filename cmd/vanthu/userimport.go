package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/workflow"
)

// userImportCmd is `vanthu user import [--out FILE] FILE.csv`: the users
// of a CSV file (auth.ParseUsersCSV), created all or none
// (auth.ImportUsers), their initial passwords written once as CSV to
// stdout or to --out (created 0600, never overwritten). A bad file
// creates nobody and lists every problem on stderr, one a line.
func userImportCmd(ctx context.Context, opts options, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "write the initial passwords' CSV to this new file (mode 0600) instead of stdout")
	cfg, err := LoadConfig(fs, args, getenv)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: vanthu user import [--out FILE] FILE.csv")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	rows, err := auth.ParseUsersCSV(f)
	if err != nil {
		return importProblems(err, stderr)
	}
	var w io.Writer = stdout
	if *out != "" {
		of, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		defer of.Close()
		w = of
	}
	a, err := build(ctx, cfg, opts, newLogger(stderr, cfg.cliLogLevel()))
	if err != nil {
		return err
	}
	defer a.Close()
	ims, err := a.auth.ImportUsers(ctx, nil, rows)
	if err != nil {
		if *out != "" {
			os.Remove(*out)
		}
		return importProblems(err, stderr)
	}
	var buf bytes.Buffer
	if err := auth.WritePasswordsCSV(&buf, ims); err != nil {
		return err
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("%d users created, but their passwords could not be written (%v): reset them on the web", len(ims), err)
	}
	fmt.Fprintf(stderr, "created %d users; their passwords are temporary: each must change it at the first login\n", len(ims))
	return nil
}

// importProblems prints every problem of a refused import on stderr and
// returns the error the command ends with.
func importProblems(err error, stderr io.Writer) error {
	ps := workflow.Problems(err)
	if len(ps) == 0 {
		return err
	}
	for _, p := range ps {
		fmt.Fprintln(stderr, p.Message)
	}
	var we *workflow.Error
	if len(ps) == 1 && errors.As(err, &we) && we.Field == "file" {
		return fmt.Errorf("nothing imported")
	}
	return fmt.Errorf("nothing imported: %d problems", len(ps))
}
