// Command layout-corpus prints signing.DetectLayout's finding for each PDF
// named, as JSON lines: the detector that scripts/layout-corpus judges.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/vanthu/vanthu/signing"
)

func main() {
	for _, f := range os.Args[1:] {
		b, err := os.ReadFile(f)
		if err != nil {
			panic(err)
		}
		det, err := signing.DetectLayout(b)
		out := map[string]any{"file": f, "layout": det.Layout, "notes": det.Notes}
		if err != nil {
			out["error"] = err.Error()
		}
		j, _ := json.Marshal(out)
		fmt.Println(string(j))
	}
}
