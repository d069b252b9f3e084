package archive

import (
	"testing"
	"time"
)

// TimeStampingOnly is timeStampingOnly, for the external tests.
var TimeStampingOnly = timeStampingOnly

// SetStoreNow makes the archive store's clock (storeNow) now until the
// test ends.
func SetStoreNow(t testing.TB, now func() time.Time) {
	old := storeNow
	storeNow = now
	t.Cleanup(func() { storeNow = old })
}
