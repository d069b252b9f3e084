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
	for _, key := range orphans {
		if !slices.Contains(rep.Candidates, key) {
			c.fail("unreferenced blob %s not collectable", key)
		}
	}
	if rep.Collectable != len(orphans) {
		c.fail("the collector would take %d blobs, %d are unreferenced", rep.Collectable, len(orphans))
	}
	k.add(c)
}
