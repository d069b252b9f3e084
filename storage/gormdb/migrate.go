package gormdb

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/vanthu/vanthu/workflow"
)

// migrationLockID is the PostgreSQL advisory lock that serialises schema
// migrations of several `vanthu serve` instances starting together.
const migrationLockID = 7_268_110_840 // "vanthu" on a phone keypad

// migrate brings the schema up to date. Tables and plain indexes come
// from the row structs (AutoMigrate); the rest is SQL. The whole
// migration is one transaction — under an advisory lock on PostgreSQL,
// under the write lock (BEGIN IMMEDIATE) on SQLite — so concurrent starts
// do not race and a failed migration leaves nothing half done.
func (d *DB) migrate(ctx context.Context) error {
	run := func(g *gorm.DB) error {
		if d.dialect == Postgres {
			if err := g.Exec("SELECT pg_advisory_xact_lock(?)", migrationLockID).Error; err != nil {
				return err
			}
		}
		if err := d.migrateDates(g, "documents", "original_date", "due_date"); err != nil {
			return err
		}
		if err := g.AutoMigrate(&documentRow{}, &userRow{}, &sessionRow{}, &counterRow{}, &eventRow{}, &headRow{}, &deliveryRow{}, &agencyRow{}, &sentRow{}, &statusRow{}, &revocationRow{}); err != nil {
			return err
		}
		if err := g.AutoMigrate(&reservationRow{}); err != nil {
			return err
		}
		for _, stmt := range []string{
			// Two documents never share a number in a register's year.
			`CREATE UNIQUE INDEX IF NOT EXISTS documents_register_number ON documents (register, year, number) WHERE number > 0`,
			// A document received over the exchange is stored once.
			`CREATE UNIQUE INDEX IF NOT EXISTS documents_external_id ON documents (external_id) WHERE external_id <> ''`,
			// A public verification code names one document.
			`CREATE UNIQUE INDEX IF NOT EXISTS documents_verify_code ON documents (verify_code) WHERE verify_code <> ''`,
		} {
			if err := g.Exec(stmt).Error; err != nil {
				return err
			}
		}
		for _, stmt := range reservationIndexes {
			if err := g.Exec(stmt).Error; err != nil {
				return err
			}
		}
		// The chain head exists from the start.
		if err := g.Clauses(clause.OnConflict{DoNothing: true}).
			Create(&headRow{ID: 1, Seq: 0, Hash: workflow.GenesisHash}).Error; err != nil {
			return err
		}
		if d.dialect == Postgres {
			d.pgSearchIndexes(ctx, g)
		}
		return nil
	}
	if err := d.gdb.WithContext(ctx).Transaction(run); err != nil {
		return d.translate(err, "migrate %s schema", d.dialect)
	}
	return nil
}

// pgSearchIndexes adds trigram indexes for substring search of subjects,
// when the pg_trgm extension can be created (it is a trusted extension,
// so a database owner may; a locked-down role may not, and search then
// scans). Failure is logged, not fatal.
func (d *DB) pgSearchIndexes(ctx context.Context, g *gorm.DB) {
	const sp = "vanthu_trgm"
	if err := g.SavePoint(sp).Error; err != nil {
		return
	}
	err := g.Exec(`CREATE EXTENSION IF NOT EXISTS pg_trgm`).Error
	if err == nil {
		err = g.Exec(`CREATE INDEX IF NOT EXISTS documents_subject_norm_trgm ON documents USING gin (subject_norm gin_trgm_ops)`).Error
	}
	if err != nil {
		g.RollbackTo(sp)
		d.log.WarnContext(ctx, "no trigram index for subject search", "err", err)
	}
}

// migrateDates turns columns that held calendar dates as instants (before
// workflow.Date) into dates: each timestamp becomes its calendar day in
// Vietnam (UTC+7), the zone the API read "YYYY-MM-DD" in. On PostgreSQL
// the column becomes DATE; on SQLite the text becomes 'YYYY-MM-DD'.
// Columns that are dates already, and tables that do not exist yet, are
// left alone, so it runs at every start.
func (d *DB) migrateDates(g *gorm.DB, table string, columns ...string) error {
	if !g.Migrator().HasTable(table) {
		return nil
	}
	for _, col := range columns {
		if !g.Migrator().HasColumn(table, col) {
			continue
		}
		switch d.dialect {
		case Postgres:
			var typ string
			if err := g.Raw(`SELECT data_type FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?`, table, col).Scan(&typ).Error; err != nil {
				return err
			}
			var using string
			switch typ {
			case "timestamp with time zone":
				using = fmt.Sprintf(`((%s AT TIME ZONE 'UTC') + interval '7 hours')::date`, col)
			case "timestamp without time zone":
				using = fmt.Sprintf(`(%s + interval '7 hours')::date`, col)
			default:
				continue
			}
			if err := g.Exec(fmt.Sprintf(`ALTER TABLE %s ALTER COLUMN %s TYPE date USING %s`, table, col, using)).Error; err != nil {
				return fmt.Errorf("%s.%s to date: %w", table, col, err)
			}
		case SQLite:
			// SQLite's date() reads the stored text (with its zone suffix).
			if err := g.Exec(fmt.Sprintf(`UPDATE %s SET %s = date(%s, '+7 hours') WHERE %s IS NOT NULL AND length(%s) > 10`,
				table, col, col, col, col)).Error; err != nil {
				return fmt.Errorf("%s.%s to date: %w", table, col, err)
			}
		}
	}
	return nil
}
