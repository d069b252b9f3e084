package gormdb

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/vanthu/vanthu/workflow"
)

// The schema changes by numbered migrations, applied in order and each
// recorded in schema_migrations (version, name, applied_at). There is no
// other path: no constructor creates tables, and the row structs' gorm
// tags describe the schema the migrations build (TestMigrationsMatchRows
// compares the two). To change the schema, append a migration to the list
// below — never edit one that has landed — and change the row struct to
// match; docs/architecture.md ("Schema migrations") says how.

// migration is one step of the schema. up runs inside the transaction of
// the migration run (holding the lock), on either dialect; d.dialect says
// which. It must leave the schema exactly as the row structs describe it
// once every migration up to it has run.
type migration struct {
	version int
	name    string
	up      func(ctx context.Context, d *DB, g *gorm.DB) error
}

// migrations is the schema's history. Versions are 1, 2, 3... in order.
var migrations = []migration{
	{1, "baseline: the schema created before numbered migrations", baselineV1},
	{2, "documents: exchange links (updates, replaced_by, updated_by) and typed reasons (revoke_reason, revoke_answer, reject_reason)", documentsExchangeV2},
	{3, "archive_evidence: the archive time-stamp chain of each record", func(ctx context.Context, d *DB, g *gorm.DB) error {
		if g.Migrator().HasTable("archive_evidence") { // a re-run over a database whose schema_migrations was lost
			return nil
		}
		return g.Table("archive_evidence").Migrator().CreateTable(&archiveEvidenceV3{})
	}},
	{4, "archive_records: events_through, the last audit event of a record's events.json", archiveEventsThroughV4},
	{5, "blob_claims: the blob collector's claims and tombstones (blobclaims.go)", blobClaimsV5},
	{6, "documents: no documents_direction_state (documents_work begins with its columns); lz4 for the large columns on PostgreSQL", documentsWriteCostV6},
	{7, "documents: no single-column indexes on signer_id, assignee_id, created_by (documents_work serves every query that tests them)", documentsPartyIndexesV7},
	{8, "file_tails: signed revisions stored as their incremental update (tails.go)", fileTailsV8},
	{9, "idempotency_keys: the keys of creating requests sent again (idempotency.go)", idempotencyKeysV9},
	{10, "documents: a received DocumentId is unique per sender (documents_sender_external_id), not across agencies", documentsSenderExternalIDV10},
	{11, "users: personal_id, the official's personal identification number a CA writes in a certificate's UID", usersPersonalIDV11},
	{12, "documents, audit_events: partial indexes for the reform report's period (issued, archived, archive uses, completions)", reformIndexesV12},
	{13, "documents: documents_register_date, a register's lines by date (a month of a register reads the month's rows)", registerDateIndexV13},
	{14, "instances: serve processes' liveness; register_reservations, idempotency_keys: holder, the instance that holds them (liveness.go)", livenessV14},
	{15, "documents: delivery_key, an update or replacement received under its original's DocumentId (documents_sender_delivery)", documentsDeliveryKeyV15},
	{16, "documents: the list's order, documents_created (created_at, id) and documents_direction_created (direction, created_at, id), in place of idx_documents_created_at and documents_direction_id", listOrderV16},
	{17, "documents_subject_fts: on SQLite, an FTS5 index of trigrams of the folded subjects, kept by triggers (the list's search when few match)", subjectFTSV17},
	{18, "documents: external_id_sent, a DocumentId as its sender spelled it; documents.external_id and exchange_sent.external_id read as identifiers (edxmlid.Identifier)", externalIDsV18},
	{19, "users: must_change_password, a password an admin set (or generated) that its user must change at the next login", usersMustChangePasswordV19},
	{20, "user_logins, password_history: each user's last successful login (shown to admins) and the hashes of their previous passwords (a new password may not be one of them)", func(ctx context.Context, d *DB, g *gorm.DB) error {
		if err := userLoginsV20(ctx, d, g); err != nil {
			return err
		}
		return passwordHistoryV20(ctx, d, g)
	}},
	{21, "login_throttle: failed logins and lockouts per account and client address, shared by the instances (throttle.go)", loginThrottleV21},
	{22, "user_mail, mail_cursor, mail_outbox: users' e-mail addresses and notification choice, the notifier's place in the audit trail, the mail owed and its retries (mail.go)", mailV22},
	{23, "mail_outbox: failed_at, a notification the SMTP server refused for good (5xx to RCPT or DATA), never sent again (mail.go)", mailOutboxFailedV23},
	{24, "password_history: seq, a user's previous passwords in the order they were replaced, whatever the clocks said (passwords.go)", passwordHistorySeqV24},
	{25, "audit_events: audit_events_refused and audit_events_refused_seen, the refused deliveries and their marks seen (the clerks' inbox: refusals.go)", refusalIndexV25},
	{26, "documents: replies_to and replied_by, an outgoing reply and the incoming letter it answers (workflow/reply.go)", documentsRepliesV26},
	{27, "copies: the copies (bản sao) of documents, numbered in the register of copies (register_counters kind copies; copies.go)", copiesV27},
	{28, "documents: documents_replies_to, a letter's replies read from an index, not from every outgoing document (documents.go: Replies)", documentsRepliesIndexV28},
	{29, "held_secrets: a secret held for one session until its one take (the initial passwords of a user import), sealed under a key derived from the session's token, which the database does not hold (held.go)", heldSecretsV29},
	{30, "copies: pages, a trích sao's pages (\"1,3-4\"; copies.go)", copiesPagesV30},
	{31, "mail_reminders: the deadline reminders queued, one per user and day, inserted with their mail in mail_outbox (remind.go)", mailRemindersV31},
	{32, "sessions: sign_confirmed_at, when the session's user last typed the right password to sign (every instance reads it: signconfirm.go)", sessionsSignConfirmedV32},
	{33, "audit_events: audit_events_sign, the layer-1 signatures by signer and time (the list's signed_by: documents.go signedSQL)", auditEventsSignV33},
	{34, "archive_disposals, archive_disposed: disposal lists with their decisions, and what stays of each destroyed record (disposal.go)", archiveDisposalsV34},
	{35, "archive_records: archive_records_retain_until, the records by their retain-until date (the disposal's expired records: disposal.go expiredWhere)", archiveRecordsRetainUntilV35},
	{36, "audit_events: audit_events_issue, the issue transitions by clerk (the list's issued_by: documents.go issuedSQL)", auditEventsIssueV36},
	{37, "deliveries: deliveries_attention, the deliveries waiting, retried, failed or refused by their last change (Theo dõi gửi liên thông: deliverywatch.go)", deliveriesAttentionV37},
	{38, "deliveries: dealt_at, a failed or refused delivery a clerk marked dealt with (Đã xử lý); deliveries_attention rebuilt without those, by creation (created_at, id), the page's order (deliverywatch.go)", deliveriesDealtV38},
}

// sessionsSignConfirmedV32 adds sessions.sign_confirmed_at (0 in the
// sessions begun before it: their password is asked at the next
// signature).
func sessionsSignConfirmedV32(_ context.Context, d *DB, g *gorm.DB) error {
	if g.Migrator().HasColumn("sessions", "sign_confirmed_at") {
		return nil
	}
	typ := "integer"
	if d.dialect == Postgres {
		typ = "bigint"
	}
	return g.Exec(`ALTER TABLE sessions ADD COLUMN sign_confirmed_at ` + typ + ` NOT NULL DEFAULT 0`).Error
}

// listOrderV16 builds the indexes of the document list's order, newest
// first by (created_at, id) (Documents): documents_created and, for a list
// of one direction, documents_direction_created. A page of a date range
// is then read from the range's newest end; ordered by id, with an index
// of the range (idx_documents_created_at) and one of the order
// (documents_direction_id, the primary key) but none of both, a month
// five years back read every newer document on PostgreSQL and SQLite
// sorted a year's rows (300,000 documents of history). The two old
// indexes go: documents_created begins with created_at (the reform
// report's count of received documents reads a period from either new
// index), and nothing else reads documents by (direction, id). Built
// before the old ones go.
func listOrderV16(_ context.Context, _ *DB, g *gorm.DB) error {
	for _, stmt := range []string{
		`CREATE INDEX IF NOT EXISTS documents_created ON documents (created_at, id)`,
		`CREATE INDEX IF NOT EXISTS documents_direction_created ON documents (direction, created_at, id)`,
		`DROP INDEX IF EXISTS idx_documents_created_at`,
		`DROP INDEX IF EXISTS documents_direction_id`,
	} {
		if err := g.Exec(stmt).Error; err != nil {
			return err
		}
	}
	return nil
}

// registerDateIndexV13 adds documents_register_date: the numbered
// documents by register, year and the date of their line (registerDate,
// documents.go), which RegisterEntriesDated reads a month from. Before it
// a month was chosen after the whole year was read (300,000 documents of
// history, a year of 30,000 incoming entries: 0.69 s for a month on
// SQLite). A document gets an entry once numbered.
func registerDateIndexV13(_ context.Context, _ *DB, g *gorm.DB) error {
	return g.Exec(`CREATE INDEX IF NOT EXISTS documents_register_date ON documents (register, year, ` + registerDate + `) WHERE number > 0`).Error
}

// usersPersonalIDV11 adds users.personal_id (text, not null, default empty):
// what binds an official to a CA-issued certificate whose UID is
// "CCCD:<number>" (keys.CertificateNames), so that the username need not
// be that value.
func usersPersonalIDV11(_ context.Context, _ *DB, g *gorm.DB) error {
	if g.Migrator().HasColumn("users", "personal_id") {
		return nil // idempotent like the baseline
	}
	return g.Exec(`ALTER TABLE users ADD COLUMN personal_id text NOT NULL DEFAULT ''`).Error
}

// usersMustChangePasswordV19 adds users.must_change_password, false for
// the users who exist: nothing says who set their passwords (an admin
// who wants a user to choose one resets it).
// The column's type is gorm's for a bool on each database (numeric on
// SQLite, like disabled).
func usersMustChangePasswordV19(_ context.Context, d *DB, g *gorm.DB) error {
	if g.Migrator().HasColumn("users", "must_change_password") {
		return nil // idempotent like the baseline
	}
	typ := "numeric"
	if d.dialect == Postgres {
		typ = "boolean"
	}
	return g.Exec(`ALTER TABLE users ADD COLUMN must_change_password ` + typ + ` NOT NULL DEFAULT false`).Error
}

// reformIndexes are the partial indexes of migration 12 and the queries
// they serve (reform.go): each holds only the rows its query counts, so
// that a report of a period reads that period's rows instead of every
// document, and every event of every archived document (the report of a
// year over six years of history, 300,000 documents and 2.6 million
// events: 5.7 s on SQLite). A document gets an entry in the first two
// only once issued or archived: the transitions before cost nothing more;
// an event other than an archive use or a completion costs the test of
// the predicate. documents_archived_at holds the columns of the
// visibility condition (visibleSQL): the records in the archive at the
// end of a period are counted from it alone for a leader too, who does
// not see every classified document (reading each archived row for its
// visibility took 1.2 s at that size).
var reformIndexes = []string{
	`CREATE INDEX IF NOT EXISTS documents_issued_at ON documents (issued_at) WHERE direction = 'outgoing' AND number > 0`,
	`CREATE INDEX IF NOT EXISTS documents_archived_at ON documents (archived_at, confidentiality, signer_id, assignee_id, created_by) WHERE archived_at IS NOT NULL`,
	`CREATE INDEX IF NOT EXISTS audit_events_archive_use ON audit_events (at_micros, document_id) WHERE kind = 'archive_use'`,
	`CREATE INDEX IF NOT EXISTS audit_events_complete ON audit_events (document_id, at_micros) WHERE kind = 'transition' AND action = 'complete'`,
}

// reformIndexesV12 builds reformIndexes (on a large database this takes
// a while, writes waiting meanwhile: see docs/performance.md).
func reformIndexesV12(_ context.Context, _ *DB, g *gorm.DB) error {
	for _, stmt := range reformIndexes {
		if err := g.Exec(stmt).Error; err != nil {
			return err
		}
	}
	return nil
}

// documentsDeliveryKeyV15 adds delivery_key: an update or replacement
// (BussinessDocType 2, 3) that a sender sends under the DocumentId of a
// document it sent before (as the national platform's SDK sample does) is
// kept as a document of its own, told apart from the first by its
// delivery key (workflow.Document.DeliveryKey), so the DocumentId is
// unique per sender and delivery key. Every existing row gets the key "",
// under which it was unique already: the new index is built before the
// old one goes.
func documentsDeliveryKeyV15(_ context.Context, _ *DB, g *gorm.DB) error {
	stmts := []string{
		`CREATE UNIQUE INDEX IF NOT EXISTS documents_sender_delivery ON documents (sender_org_id, external_id, delivery_key) WHERE external_id <> ''`,
		`DROP INDEX IF EXISTS documents_sender_external_id`,
	}
	if !g.Migrator().HasColumn("documents", "delivery_key") {
		stmts = append([]string{`ALTER TABLE documents ADD COLUMN delivery_key text NOT NULL DEFAULT ''`}, stmts...)
	}
	for _, stmt := range stmts {
		if err := g.Exec(stmt).Error; err != nil {
			return err
		}
	}
	return nil
}

// documentsSenderExternalIDV10 makes a received document's DocumentId
// unique per sender instead of across every agency: an edXML DocumentId is
// the sender's name for its document (QCVN 102: "OrganId,yyyy/MM/dd,Số/Ký
// hiệu", or a UUID where the national platform's gateway writes one, which
// names no agency), so two agencies' identifiers never meet, and one
// agency cannot take another's. Every existing DocumentId was unique
// across agencies, so it is unique per sender: the new index is built
// before the old one goes.
func documentsSenderExternalIDV10(_ context.Context, _ *DB, g *gorm.DB) error {
	for _, stmt := range []string{
		`CREATE UNIQUE INDEX IF NOT EXISTS documents_sender_external_id ON documents (sender_org_id, external_id) WHERE external_id <> ''`,
		`DROP INDEX IF EXISTS documents_external_id`,
	} {
		if err := g.Exec(stmt).Error; err != nil {
			return err
		}
	}
	return nil
}

// documentsPartyIndexesV7 drops the indexes on signer_id, assignee_id and
// created_by alone. The queries that test these columns (the inbox and its
// counts, work.go) test them beside direction and state, which
// documents_work (direction, state, ..., signer_id, assignee_id,
// created_by, ...) answers; the visibility condition ORs them with the
// confidentiality, which no single-column index serves. Every transition
// wrote a new entry into each of the three, and SQLite preferred the
// assignee's index for a handler's inbox: every document ever assigned to
// the handler read from the table (24-112 ms on 200,000 documents) instead
// of a search of documents_work (under 1 ms).
func documentsPartyIndexesV7(_ context.Context, _ *DB, g *gorm.DB) error {
	for _, index := range []string{"idx_documents_signer_id", "idx_documents_assignee_id", "idx_documents_created_by"} {
		if err := g.Exec(`DROP INDEX IF EXISTS ` + index).Error; err != nil {
			return fmt.Errorf("drop %s: %w", index, err)
		}
	}
	return nil
}

// documentsWriteCostV6 makes a document's row cheaper to write. Every
// transition writes a new row version into each of the table's indexes
// (the state is indexed, so no update is HOT); documents_direction_state
// (direction, state) is the first two columns of documents_work and goes.
// On PostgreSQL (14 or later, built with lz4) the large columns are
// compressed with lz4 instead of pglz: an issued document's verification
// report (≈ 6 KB of JSON) was compressed by pglz at each write of its row.
// Without lz4 the columns keep pglz (logged).
func documentsWriteCostV6(ctx context.Context, d *DB, g *gorm.DB) error {
	if err := g.Exec(`DROP INDEX IF EXISTS documents_direction_state`).Error; err != nil {
		return err
	}
	return compressLZ4(ctx, d, g, "documents: verification_report, verification_reasons, files, layout", `ALTER TABLE documents ALTER COLUMN verification_report SET COMPRESSION lz4,
		ALTER COLUMN verification_reasons SET COMPRESSION lz4, ALTER COLUMN files SET COMPRESSION lz4,
		ALTER COLUMN layout SET COMPRESSION lz4`)
}

// compressLZ4 runs alter, which sets columns' compression to lz4, on
// PostgreSQL (14 or later, built with lz4); where it fails the columns
// keep pglz (logged with what, naming them) and the migration goes on.
func compressLZ4(ctx context.Context, d *DB, g *gorm.DB, what, alter string) error {
	if d.dialect != Postgres {
		return nil
	}
	const sp = "vanthu_lz4"
	if err := g.SavePoint(sp).Error; err != nil {
		return err
	}
	if err := g.Exec(alter).Error; err != nil {
		d.log.WarnContext(ctx, "columns keep pglz compression", "columns", what, "err", err)
		return g.RollbackTo(sp).Error
	}
	return nil
}

// documentsExchangeV2 adds the columns of migration 2: text, not null,
// default ” on both dialects.
func documentsExchangeV2(_ context.Context, _ *DB, g *gorm.DB) error {
	for _, col := range []string{"updates", "replaced_by", "updated_by", "revoke_reason", "revoke_answer", "reject_reason"} {
		if g.Migrator().HasColumn("documents", col) {
			continue // idempotent like the baseline
		}
		if err := g.Exec(`ALTER TABLE documents ADD COLUMN ` + col + ` text NOT NULL DEFAULT ''`).Error; err != nil {
			return fmt.Errorf("documents.%s: %w", col, err)
		}
	}
	return nil
}

// documentsRepliesV26 adds documents.replies_to and replied_by: text, not
// null, default ” on both dialects, like migration 2's links.
func documentsRepliesV26(_ context.Context, _ *DB, g *gorm.DB) error {
	for _, col := range []string{"replies_to", "replied_by"} {
		if g.Migrator().HasColumn("documents", col) {
			continue
		}
		if err := g.Exec(`ALTER TABLE documents ADD COLUMN ` + col + ` text NOT NULL DEFAULT ''`).Error; err != nil {
			return fmt.Errorf("documents.%s: %w", col, err)
		}
	}
	return nil
}

// repliesWhere is the condition of a letter's replies; it names the
// predicate of the partial index documents_replies_to (SQLite uses a
// partial index only when the query's WHERE states its terms).
const repliesWhere = " WHERE replies_to = ? AND replies_to <> '' AND direction = 'outgoing'"

// auditEventsSignV33 indexes the sign transitions by their signer and
// time: "what I signed" (DocumentFilter.Signed) reads an official's
// signatures of a period from it, not every outgoing document (30,000
// documents of history: 155 ms on SQLite, 44 ms on PostgreSQL a page
// before it).
func auditEventsSignV33(_ context.Context, _ *DB, g *gorm.DB) error {
	return g.Exec(`CREATE INDEX IF NOT EXISTS audit_events_sign ON audit_events (actor, at_micros, document_id) WHERE kind = 'transition' AND action = 'sign'`).Error
}

// auditEventsIssueV36 indexes the issue transitions by their clerk: "what
// I issued" (DocumentFilter.Issued with By) asks of each document whether
// its clerk issued it, which read the document's events by document_id
// and filtered them, or read every event of the trail (PostgreSQL's
// hash join) to find the few of a clerk who issued little. With it, a
// clerk's issue events are an index range (actor) and each document's
// question one probe (actor, document_id), read from the index alone.
func auditEventsIssueV36(_ context.Context, _ *DB, g *gorm.DB) error {
	return g.Exec(`CREATE INDEX IF NOT EXISTS audit_events_issue ON audit_events (actor, document_id) WHERE kind = 'transition' AND action = 'issue'`).Error
}

// deliveriesAttentionV37 indexes the deliveries that may need the
// clerk's attention (attentionPred) by their last change, the order of
// her page: without it each page walked every delivery ever made —
// nearly all acknowledged and done with — and sorted them.
func deliveriesAttentionV37(_ context.Context, _ *DB, g *gorm.DB) error {
	return g.Exec(`CREATE INDEX IF NOT EXISTS deliveries_attention ON deliveries (updated_at, id) WHERE ` + attentionPredV37).Error
}

// deliveriesDealtV38 adds deliveries.dealt_at (NULL: not marked) and
// rebuilds deliveries_attention under the same name: without the failed
// and refused deliveries a clerk dealt with (attentionPred), which left
// the page, and in the page's order, by creation — a delivery retried
// between two pages no longer moves across them (its updated_at changes
// at each attempt, its created_at never).
func deliveriesDealtV38(_ context.Context, _ *DB, g *gorm.DB) error {
	if !g.Migrator().HasColumn(&deliveryRow{}, "dealt_at") {
		if err := g.Migrator().AddColumn(&deliveryRow{}, "DealtAt"); err != nil {
			return err
		}
	}
	if err := g.Exec(`DROP INDEX IF EXISTS deliveries_attention`).Error; err != nil {
		return err
	}
	return g.Exec(`CREATE INDEX deliveries_attention ON deliveries (created_at, id) WHERE ` + attentionPred("")).Error
}

// documentsRepliesIndexV28 indexes the documents that reply to a letter:
// the few outgoing documents with replies_to set, in the order the
// letter's page lists them.
func documentsRepliesIndexV28(_ context.Context, _ *DB, g *gorm.DB) error {
	return g.Exec(`CREATE INDEX IF NOT EXISTS documents_replies_to ON documents (replies_to, created_at, id) WHERE replies_to <> ''`).Error
}

// archiveEventsThroughV4 adds archive_records.events_through (0 in the
// rows of records started before it: their trail was not fixed).
func archiveEventsThroughV4(_ context.Context, d *DB, g *gorm.DB) error {
	if g.Migrator().HasColumn("archive_records", "events_through") {
		return nil // idempotent like the baseline
	}
	typ := "integer" // SQLite's 64-bit integer, as gorm declares int64
	if d.dialect == Postgres {
		typ = "bigint"
	}
	return g.Exec(`ALTER TABLE archive_records ADD COLUMN events_through ` + typ + ` NOT NULL DEFAULT 0`).Error
}

// archiveEvidenceV3 is archive_evidence as migration 3 creates it (no
// TableName: the migration names the table).
type archiveEvidenceV3 struct {
	DocID      string    `gorm:"primaryKey"`
	RecordKey  string    `gorm:"not null"`
	Count      int       `gorm:"column:stamps;not null"`
	StampedAt  time.Time `gorm:"not null"`
	ValidUntil time.Time `gorm:"not null"`
	RenewAt    time.Time `gorm:"not null;index:archive_evidence_renew_at"`
	RenewedAt  time.Time `gorm:"not null;autoCreateTime:false"`
}

// migrationLockID is the PostgreSQL advisory lock that serialises schema
// migrations of several `vanthu serve` instances starting together.
const migrationLockID = 7_268_110_840 // "vanthu" on a phone keypad

// MigrationStatus is one known migration and whether it has been applied.
type MigrationStatus struct {
	Version   int
	Name      string
	AppliedAt *time.Time // nil: pending
}

// SchemaVersion is the number of the latest migration this code knows.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

// Migrate applies the pending migrations in order and returns the schema
// version before and after. The run is one transaction — under an advisory
// lock on PostgreSQL, under the write lock (BEGIN IMMEDIATE) on SQLite —
// so instances starting together do not race and a failed migration
// leaves nothing half done. A database from before numbered migrations
// (tables but no schema_migrations) starts at version 0: the baseline
// migration is idempotent and brings it to version 1 unchanged.
func (d *DB) Migrate(ctx context.Context) (from, to int, err error) {
	return d.migrate(ctx, migrations)
}

// migrate is Migrate with the migrations of list (a test stops at one).
func (d *DB) migrate(ctx context.Context, list []migration) (from, to int, err error) {
	defer d.relax(migrationTimeout)()
	run := func(g *gorm.DB) error {
		if err := d.lockSchema(g); err != nil {
			return err
		}
		applied, err := appliedMigrations(g)
		if err != nil {
			return err
		}
		from = 0
		for v := range applied {
			from = max(from, v)
		}
		to = from
		for _, m := range list {
			if _, ok := applied[m.version]; ok {
				continue
			}
			if err := m.up(ctx, d, g); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
			if err := g.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, utc(time.Now())).Error; err != nil {
				return fmt.Errorf("record migration %d: %w", m.version, err)
			}
			to = max(to, m.version)
			d.log.InfoContext(ctx, "schema migration applied", "version", m.version, "name", m.name)
		}
		return nil
	}
	if err := d.gdb.WithContext(ctx).Transaction(run); err != nil {
		return 0, 0, d.translate(err, "migrate %s schema", d.dialect)
	}
	if from > SchemaVersion() {
		d.log.WarnContext(ctx, "the database schema is newer than this program", "schema_version", from, "known_version", SchemaVersion())
	}
	return from, to, nil
}

// MigrationStatus lists the known migrations, applied or pending, then any
// applied version this program does not know (a newer program migrated
// the database), without changing anything.
func (d *DB) MigrationStatus(ctx context.Context) ([]MigrationStatus, error) {
	var out []MigrationStatus
	err := d.gdb.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		if !g.Migrator().HasTable("schema_migrations") {
			for _, m := range migrations {
				out = append(out, MigrationStatus{Version: m.version, Name: m.name})
			}
			return nil
		}
		var rows []struct {
			Version   int
			Name      string
			AppliedAt time.Time
		}
		if err := g.Raw(`SELECT version, name, applied_at FROM schema_migrations ORDER BY version`).Scan(&rows).Error; err != nil {
			return err
		}
		done := map[int]time.Time{}
		names := map[int]string{}
		for _, r := range rows {
			done[r.Version] = fromDB(r.AppliedAt)
			names[r.Version] = r.Name
		}
		for _, m := range migrations {
			s := MigrationStatus{Version: m.version, Name: m.name}
			if at, ok := done[m.version]; ok {
				s.AppliedAt = &at
				delete(done, m.version)
			}
			out = append(out, s)
		}
		for _, r := range rows {
			if at, ok := done[r.Version]; ok {
				out = append(out, MigrationStatus{Version: r.Version, Name: names[r.Version] + " (unknown to this program)", AppliedAt: &at})
			}
		}
		return nil
	})
	if err != nil {
		return nil, d.translate(err, "read schema migrations")
	}
	return out, nil
}

// lockSchema takes the migration lock for the transaction g and makes
// sure schema_migrations exists.
func (d *DB) lockSchema(g *gorm.DB) error {
	ts := "datetime"
	if d.dialect == Postgres {
		if err := g.Exec("SELECT pg_advisory_xact_lock(?)", migrationLockID).Error; err != nil {
			return err
		}
		ts = "timestamptz"
	}
	return g.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
	version bigint PRIMARY KEY,
	name text NOT NULL,
	applied_at ` + ts + ` NOT NULL)`).Error
}

func appliedMigrations(g *gorm.DB) (map[int]bool, error) {
	var vs []int
	if err := g.Raw(`SELECT version FROM schema_migrations`).Scan(&vs).Error; err != nil {
		return nil, err
	}
	m := make(map[int]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m, nil
}

// baselineV1 is the schema as the code before numbered migrations created
// it (gorm AutoMigrate of the row structs of that time, frozen in
// migrations_v1.go, plus the SQL below). On such a database it changes
// nothing but what that code also did at every start (dates stored as
// instants become calendar days, see migrateDates).
func baselineV1(ctx context.Context, d *DB, g *gorm.DB) error {
	if err := d.migrateDates(g, "documents", "original_date", "due_date"); err != nil {
		return err
	}
	if err := d.migrateDates(g, "archive_records", "doc_date"); err != nil {
		return err
	}
	if err := g.AutoMigrate(&v1DocumentRow{}, &v1UserRow{}, &v1SessionRow{}, &v1CounterRow{}, &v1EventRow{}, &v1HeadRow{},
		&v1DeliveryRow{}, &v1AgencyRow{}, &v1SentRow{}, &v1StatusRow{}, &v1LeaseRow{}, &v1DevPKIRow{},
		&v1ArchiveRecordRow{}, &v1ArchiveObjectRow{}, &v1ArchiveImportRow{}, &v1RevocationRow{}, &v1ReservationRow{}); err != nil {
		return err
	}
	for _, stmt := range []string{
		// Two documents never share a number in a register's year.
		`CREATE UNIQUE INDEX IF NOT EXISTS documents_register_number ON documents (register, year, number) WHERE number > 0`,
		// A document received over the exchange is stored once.
		`CREATE UNIQUE INDEX IF NOT EXISTS documents_external_id ON documents (external_id) WHERE external_id <> ''`,
		// A public verification code names one document.
		`CREATE UNIQUE INDEX IF NOT EXISTS documents_verify_code ON documents (verify_code) WHERE verify_code <> ''`,
		// Two reservations never share a number of a register's year, and a
		// document has at most one live reservation.
		`CREATE UNIQUE INDEX IF NOT EXISTS register_reservations_number ON register_reservations (kind, year, number)`,
		`CREATE UNIQUE INDEX IF NOT EXISTS register_reservations_live ON register_reservations (document_id) WHERE state = 'reserved'`,
	} {
		if err := g.Exec(stmt).Error; err != nil {
			return err
		}
	}
	// The chain head exists from the start.
	if err := g.Exec(`INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, ?) ON CONFLICT DO NOTHING`, workflow.GenesisHash).Error; err != nil {
		return err
	}
	if d.dialect == Postgres {
		d.pgTrigramIndex(ctx, g, "documents_subject_norm_trgm", "documents")
		d.pgTrigramIndex(ctx, g, "archive_records_subject_norm_trgm", "archive_records")
	}
	return nil
}

// pgTrigramIndex adds a trigram index on table's subject_norm for
// substring search, when the pg_trgm extension can be created (it is a
// trusted extension, so a database owner may; a locked-down role may not,
// and search then scans). Failure is logged, not fatal.
func (d *DB) pgTrigramIndex(ctx context.Context, g *gorm.DB, name, table string) {
	const sp = "vanthu_trgm"
	if err := g.SavePoint(sp).Error; err != nil {
		return
	}
	err := g.Exec(`CREATE EXTENSION IF NOT EXISTS pg_trgm`).Error
	if err == nil {
		err = g.Exec(fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON %s USING gin (subject_norm gin_trgm_ops)`, name, table)).Error
	}
	if err != nil {
		g.RollbackTo(sp)
		d.log.WarnContext(ctx, "no trigram index for subject search", "table", table, "err", err)
	}
}

// migrateDates turns columns that held calendar dates as instants (before
// workflow.Date) into dates: each timestamp becomes its calendar day in
// Vietnam (UTC+7), the zone the API read "YYYY-MM-DD" in. On PostgreSQL
// the column becomes DATE; on SQLite the text becomes 'YYYY-MM-DD'.
// Columns that are dates already, and tables that do not exist yet, are
// left alone.
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
