package chaos

import (
	"context"
	"encoding/json"
	"slices"
)

// collectable checks that the unreferenced blobs (written before a
// transaction that never committed) are exactly what the blob collector
// would take: `vanthu blobs gc --dry-run` on an instance, with a grace
// period of a second (the load is over, no upload is in flight; a real
// run waits VANTHU_BLOB_GC_GRACE).
func (k *checks) collectable(ctx context.Context, orphans []string) {
	c := Check{Name: "unreferenced blobs, collectable by vanthu blobs gc", Count: len(orphans)}
	out, err := k.e.insts[0].CLI(ctx, "blobs", "gc", "--dry-run", "--older-than", "1s", "--json")
	if err != nil {
		k.fatal(c.Name, err)
		return
	}
	var rep struct {
		Collectable int      `json:"collectable"`
		Candidates  []string `json:"candidates"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		k.fatal(c.Name, err)
		return
	}
	k.add(judgeCollectable(orphans, rep.Candidates, rep.Collectable))
}

// judgeCollectable compares the unreferenced blobs with the collector's
// dry run: every one of them a candidate, and no other (a candidate that
// is not unreferenced is a referenced blob the collector would take).
func judgeCollectable(orphans, candidates []string, collectable int) Check {
	c := Check{Name: "unreferenced blobs, collectable by vanthu blobs gc", Count: len(orphans)}
	for _, key := range orphans {
		if !slices.Contains(candidates, key) {
			c.fail("unreferenced blob %s not collectable", key)
		}
	}
	for _, key := range candidates {
		if !slices.Contains(orphans, key) {
			c.fail("the collector would take %s, which is not unreferenced", key)
		}
	}
	if collectable != len(orphans) {
		c.fail("the collector would take %d blobs, %d are unreferenced", collectable, len(orphans))
	}
	c.OK = c.Bad == 0
	return c
}

// judgePlanted checks that each blob of an upload killed before its row
// committed (Config.Orphans) is among the unreferenced blobs.
func judgePlanted(planted, orphans []string) Check {
	c := Check{Name: "uploads killed between blob and row: blob unreferenced", Count: len(planted)}
	for _, key := range planted {
		if !slices.Contains(orphans, key) {
			c.fail("%s, the blob of a killed upload, is not an unreferenced blob", key)
		}
	}
	c.OK = c.Bad == 0
	return c
}
