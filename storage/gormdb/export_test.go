package gormdb

import (
	"context"

	"gorm.io/gorm"
)

// RowModels are the row structs of today's code, one per table: the
// schema the migrations must build (TestMigrationsMatchRows).
var RowModels = []any{&documentRow{}, &userRow{}, &sessionRow{}, &counterRow{}, &eventRow{}, &headRow{},
	&deliveryRow{}, &agencyRow{}, &sentRow{}, &statusRow{}, &leaseRow{}, &devPKIRow{},
	&archiveRecordRow{}, &archiveObjectRow{}, &archiveImportRow{}, &revocationRow{}, &reservationRow{}}

// CreatePreMigrationsSchema creates the schema the way the code before
// numbered migrations did (AutoMigrate and the extra SQL, no
// schema_migrations table).
func CreatePreMigrationsSchema(ctx context.Context, d *DB) error {
	return d.gdb.WithContext(ctx).Transaction(func(g *gorm.DB) error { return baselineV1(ctx, d, g) })
}
