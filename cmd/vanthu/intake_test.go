package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
)

// VANTHU_INSPECT_BUDGET_MB: refused at start with a message naming it
// when not a whole number from 1 to maxInspectBudgetMB; otherwise the
// document service's intake check runs within that many MiB.
func TestInspectBudgetConfig(t *testing.T) {
	for _, v := range []string{"0", "-1", "abc", "1048577"} {
		_, err := LoadConfig(newFlagSet(), nil, func(k string) string {
			if k == "VANTHU_INSPECT_BUDGET_MB" {
				return v
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), "VANTHU_INSPECT_BUDGET_MB") {
			t.Errorf("VANTHU_INSPECT_BUDGET_MB=%s: %v, want a refusal naming it", v, err)
		}
	}
	for _, tc := range []struct {
		env  string
		want int64
	}{{"", 128 << 20}, {"64", 64 << 20}} {
		dir := t.TempDir()
		cfg, err := LoadConfig(newFlagSet(), nil, func(k string) string {
			switch k {
			case "VANTHU_INSPECT_BUDGET_MB":
				return tc.env
			case "VANTHU_DATA_DIR":
				return dir
			}
			return ""
		})
		if err != nil {
			t.Fatal(err)
		}
		a, err := build(context.Background(), cfg, options{}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		in, ok := a.docs.Inspector.(inspector)
		a.Close()
		if !ok || in.intake == nil {
			t.Fatalf("the document service's inspector is %T, want the app's inspector with its intake", a.docs.Inspector)
		}
		if in.intake.Budget() != tc.want {
			t.Errorf("VANTHU_INSPECT_BUDGET_MB=%q: budget %d, want %d", tc.env, in.intake.Budget(), tc.want)
		}
	}
}
