package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// cliConfig loads the configuration of a command whose flags are in fs; a
// code >= 0 is the exit code to return at once: 0 after -h, 2 when the
// configuration is wrong (said on stderr after the command's name,
// fs.Name()).
func cliConfig(fs *flag.FlagSet, args []string, getenv func(string) string, stderr io.Writer) (*Config, int) {
	cfg, err := LoadConfig(fs, args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return nil, 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "vanthu %s: %v\n", fs.Name(), err)
		return nil, 2
	}
	return cfg, -1
}

// cliApp builds the app of the command named by fs.Name() from cfg, its
// log on stderr at the commands' level (Config.cliLogLevel: warnings and
// errors, unless -v or --log-level); a code >= 0 is the exit code to
// return at once (2: the app could not be built, said on stderr).
func cliApp(ctx context.Context, opts options, fs *flag.FlagSet, cfg *Config, stderr io.Writer) (*app, int) {
	a, err := build(ctx, cfg, opts, newLogger(stderr, cfg.cliLogLevel()))
	if err != nil {
		fmt.Fprintf(stderr, "vanthu %s: %v\n", fs.Name(), err)
		return nil, 2
	}
	return a, -1
}

// loadApp is cliConfig then cliApp, for the commands that need nothing
// checked in between.
func loadApp(ctx context.Context, opts options, fs *flag.FlagSet, args []string, getenv func(string) string, stderr io.Writer) (*app, int) {
	cfg, code := cliConfig(fs, args, getenv, stderr)
	if code >= 0 {
		return nil, code
	}
	return cliApp(ctx, opts, fs, cfg, stderr)
}
