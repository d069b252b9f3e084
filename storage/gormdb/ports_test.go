package gormdb_test

import (
	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/storage/gormdb"
)

// The ports this adapter implements, declared by their consumers on
// workflow types (storage/gormdb imports no service: docs/architecture.md).
var (
	_ archive.Index         = (*gormdb.ArchiveIndex)(nil)
	_ exchange.Store        = (*gormdb.DB)(nil)
	_ exchange.QueueReader  = (*gormdb.DB)(nil)
	_ exchange.AgencyLookup = (*gormdb.DB)(nil)
)
