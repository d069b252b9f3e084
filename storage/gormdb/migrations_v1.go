package gormdb

import (
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// The row structs as they were when numbered migrations began: migration
// 1 (baselineV1) creates exactly the tables the code of that time created
// with gorm's AutoMigrate. Frozen: never edit them; a later schema change
// is a new migration (migrations.go).

type v1DocumentRow struct {
	ID              string `gorm:"primaryKey;index:documents_direction_id,priority:2;index:documents_work,priority:9"`
	Direction       string `gorm:"not null;index:documents_direction_state,priority:1;index:documents_direction_id,priority:1;index:documents_work,priority:1"`
	Type            string `gorm:"not null"`
	Subject         string `gorm:"not null"`
	SubjectNorm     string `gorm:"not null"`
	Urgency         string `gorm:"not null;index:documents_work,priority:3"`
	Confidentiality string `gorm:"not null;index:documents_work,priority:8"`
	State           string `gorm:"not null;index:documents_direction_state,priority:2;index:documents_work,priority:2"`
	Version         int    `gorm:"not null"`

	SignerID     string `gorm:"not null;index;index:documents_work,priority:5"`
	Recipients   string `gorm:"not null"`
	DraftingUnit string `gorm:"not null"`

	SenderOrgID    *string
	SenderName     *string
	OriginalNumber string `gorm:"not null"`
	OriginalDate   *workflow.Date

	Register     string `gorm:"not null"`
	Year         int    `gorm:"not null"`
	Number       int    `gorm:"not null"`
	Notation     string `gorm:"not null"`
	IssuedAt     *time.Time
	RegisteredAt *time.Time

	AssigneeID string         `gorm:"not null;index;index:documents_work,priority:6"`
	DueDate    *workflow.Date `gorm:"index:documents_work,priority:4"`
	Retention  string         `gorm:"not null"`
	Notes      string         `gorm:"not null"`
	Files      string         `gorm:"not null"`

	Layout      *string
	ExternalID  string `gorm:"not null;default:''"`
	VerifyCode  string `gorm:"not null;default:''"`
	Replaces    string `gorm:"not null;default:''"`
	RevokeState string `gorm:"not null;default:''"`
	ArchivedAt  *time.Time
	RetainUntil *time.Time
	LegalHold   bool `gorm:"not null;default:false"`

	VerificationVerdict *string
	VerificationReasons string `gorm:"not null"`
	VerificationReport  []byte

	CreatedBy string    `gorm:"not null;index;index:documents_work,priority:7"`
	CreatedAt time.Time `gorm:"not null;index;autoCreateTime:false"`
	UpdatedAt time.Time `gorm:"not null;autoUpdateTime:false"`
}

func (v1DocumentRow) TableName() string { return "documents" }

type v1UserRow struct {
	ID             string    `gorm:"primaryKey"`
	Username       string    `gorm:"not null;uniqueIndex"`
	FullName       string    `gorm:"not null"`
	Title          string    `gorm:"not null"`
	Unit           string    `gorm:"not null"`
	Roles          string    `gorm:"not null"`
	PasswordHash   string    `gorm:"not null"`
	Disabled       bool      `gorm:"not null"`
	SigningKeyURI  string    `gorm:"not null"`
	CertPEM        string    `gorm:"not null"`
	SignatureImage string    `gorm:"not null"`
	CreatedAt      time.Time `gorm:"not null;autoCreateTime:false"`
}

func (v1UserRow) TableName() string { return "users" }

type v1SessionRow struct {
	TokenHash string    `gorm:"primaryKey"`
	UserID    string    `gorm:"not null;index"`
	CreatedAt time.Time `gorm:"not null;autoCreateTime:false"`
	ExpiresAt time.Time `gorm:"not null;index"`
}

func (v1SessionRow) TableName() string { return "sessions" }

type v1CounterRow struct {
	Kind string `gorm:"primaryKey"`
	Year int    `gorm:"primaryKey;autoIncrement:false"`
	Last int    `gorm:"not null"`
}

func (v1CounterRow) TableName() string { return "register_counters" }

type v1EventRow struct {
	Seq        int64  `gorm:"primaryKey;autoIncrement:false"`
	DocumentID string `gorm:"not null;index"`
	Actor      string `gorm:"not null"`
	Kind       string `gorm:"not null"`
	Action     string `gorm:"not null"`
	FromState  string `gorm:"not null"`
	ToState    string `gorm:"not null"`
	Comment    string `gorm:"not null"`
	Data       string `gorm:"not null"`
	AtMicros   int64  `gorm:"not null"`
	PrevHash   string `gorm:"not null"`
	Hash       string `gorm:"not null"`
}

func (v1EventRow) TableName() string { return "audit_events" }

type v1HeadRow struct {
	ID   int    `gorm:"primaryKey;autoIncrement:false"`
	Seq  int64  `gorm:"not null"`
	Hash string `gorm:"not null"`
}

func (v1HeadRow) TableName() string { return "audit_head" }

type v1DeliveryRow struct {
	ID           string    `gorm:"primaryKey"`
	DocumentID   string    `gorm:"not null;index"`
	Kind         string    `gorm:"not null"`
	OrgID        string    `gorm:"not null"`
	OrgName      string    `gorm:"not null"`
	StatusCode   string    `gorm:"not null"`
	Description  string    `gorm:"not null"`
	State        string    `gorm:"not null;index:deliveries_due,priority:1"`
	Attempts     int       `gorm:"not null"`
	NextAttempt  time.Time `gorm:"not null;index:deliveries_due,priority:2"`
	LastError    string    `gorm:"not null"`
	LastStatus   string    `gorm:"not null"`
	LastStatusAt *time.Time
	CreatedAt    time.Time `gorm:"not null;autoCreateTime:false"`
	UpdatedAt    time.Time `gorm:"not null;autoUpdateTime:false"`
}

func (v1DeliveryRow) TableName() string { return "deliveries" }

type v1AgencyRow struct {
	OrgID          string    `gorm:"primaryKey"`
	Name           string    `gorm:"not null"`
	Endpoint       string    `gorm:"not null"`
	SigningCertPEM string    `gorm:"not null"`
	TLSCertPEM     string    `gorm:"not null"`
	CreatedAt      time.Time `gorm:"not null;autoCreateTime:false"`
	UpdatedAt      time.Time `gorm:"not null;autoUpdateTime:false"`
}

func (v1AgencyRow) TableName() string { return "agencies" }

type v1SentRow struct {
	ExternalID string `gorm:"primaryKey"`
	DocumentID string `gorm:"not null;index"`
}

func (v1SentRow) TableName() string { return "exchange_sent" }

type v1StatusRow struct {
	Seq         int64     `gorm:"primaryKey;autoIncrement"`
	DocumentID  string    `gorm:"not null;uniqueIndex:exchange_statuses_once,priority:1"`
	OrgID       string    `gorm:"not null;uniqueIndex:exchange_statuses_once,priority:2"`
	Code        string    `gorm:"not null;uniqueIndex:exchange_statuses_once,priority:3"`
	At          time.Time `gorm:"not null;uniqueIndex:exchange_statuses_once,priority:4"`
	Description string    `gorm:"not null"`
	ReceivedAt  time.Time `gorm:"not null;autoCreateTime:false"`
}

func (v1StatusRow) TableName() string { return "exchange_statuses" }

type v1LeaseRow struct {
	Name      string    `gorm:"primaryKey"`
	Holder    string    `gorm:"not null"`
	ExpiresAt time.Time `gorm:"not null"`
}

func (v1LeaseRow) TableName() string { return "leases" }

type v1DevPKIRow struct {
	Name      string    `gorm:"primaryKey"`
	Data      []byte    `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null;autoUpdateTime:false"`
}

func (v1DevPKIRow) TableName() string { return "dev_pki" }

type v1ArchiveRecordRow struct {
	DocID           string         `gorm:"primaryKey"`
	Version         int            `gorm:"not null"`
	Key             string         `gorm:"column:record_key;not null"`
	Class           string         `gorm:"not null"`
	ArchivedAt      time.Time      `gorm:"not null;autoCreateTime:false"`
	RetainUntil     time.Time      `gorm:"not null"`
	LegalHold       bool           `gorm:"not null;default:false"`
	Direction       string         `gorm:"not null"`
	Type            string         `gorm:"not null;index:archive_records_type"`
	Subject         string         `gorm:"not null"`
	SubjectNorm     string         `gorm:"not null"`
	Number          int            `gorm:"not null;index:archive_records_number"`
	Year            int            `gorm:"not null"`
	Notation        string         `gorm:"not null"`
	NotationNorm    string         `gorm:"not null"`
	DocDate         *workflow.Date `gorm:"index:archive_records_doc_date"`
	SignerID        string         `gorm:"not null"`
	SignerName      string         `gorm:"not null"`
	SignerNorm      string         `gorm:"not null"`
	Orgs            string         `gorm:"not null"`
	OrgsNorm        string         `gorm:"not null"`
	Confidentiality string         `gorm:"not null"`
	CreatedBy       string         `gorm:"not null"`
	AssigneeID      string         `gorm:"not null"`
}

func (v1ArchiveRecordRow) TableName() string { return "archive_records" }

type v1ArchiveObjectRow struct {
	Key         string    `gorm:"column:object_key;primaryKey"`
	DocID       string    `gorm:"not null;index"`
	Name        string    `gorm:"not null"`
	Size        int64     `gorm:"not null"`
	SHA256      string    `gorm:"column:sha256;not null"`
	VersionID   string    `gorm:"not null"`
	RetainUntil time.Time `gorm:"not null"`
	LegalHold   bool      `gorm:"not null;default:false"`
}

func (v1ArchiveObjectRow) TableName() string { return "archive_objects" }

type v1ArchiveImportRow struct {
	SHA256     string    `gorm:"column:sha256;primaryKey"`
	DocID      string    `gorm:"not null"`
	Name       string    `gorm:"not null"`
	ImportedAt time.Time `gorm:"not null;autoCreateTime:false"`
}

func (v1ArchiveImportRow) TableName() string { return "archive_imports" }

type v1RevocationRow struct {
	Issuer    string    `gorm:"primaryKey;size:128"`
	Serial    string    `gorm:"primaryKey;size:64"`
	Subject   string    `gorm:"not null"`
	UserID    string    `gorm:"not null;index"`
	Reason    string    `gorm:"not null"`
	RevokedAt time.Time `gorm:"not null;autoCreateTime:false"`
	Actor     string    `gorm:"not null"`
	Comment   string    `gorm:"not null"`
}

func (v1RevocationRow) TableName() string { return "pki_revocations" }

type v1ReservationRow struct {
	ID         string     `gorm:"primaryKey"`
	Kind       string     `gorm:"not null"`
	Year       int        `gorm:"not null"`
	Number     int        `gorm:"not null"`
	Notation   string     `gorm:"not null"`
	DocumentID string     `gorm:"not null;index"`
	Actor      string     `gorm:"not null"`
	State      string     `gorm:"not null"`
	Reason     string     `gorm:"not null"`
	CreatedAt  time.Time  `gorm:"not null"`
	VoidedAt   *time.Time ``
}

func (v1ReservationRow) TableName() string { return "register_reservations" }
