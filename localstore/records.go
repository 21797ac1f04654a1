package localstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fedimedia/media/mastoapi"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" database/sql driver
)

// schema is the one table of the record store. The attachment is kept as its
// Mastodon JSON; the columns beside it are what the store looks up and what
// an operator needs to find a record's files. Times are Unix microseconds.
const schema = `
CREATE TABLE IF NOT EXISTS media_attachments (
	id                    TEXT NOT NULL PRIMARY KEY,
	account_id            TEXT NOT NULL,
	status_id             TEXT,
	attachment            TEXT NOT NULL,
	original_key          TEXT,
	original_content_type TEXT,
	small_key             TEXT,
	small_content_type    TEXT,
	created_at            INTEGER NOT NULL,
	updated_at            INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS media_attachments_account_id ON media_attachments (account_id);
`

// busyTimeoutMS is the time in milliseconds a connection waits for another
// connection's write lock before failing with SQLITE_BUSY.
const busyTimeoutMS = 10_000

// RecordStore keeps attachment records in a SQLite database file through
// the pure-Go modernc.org/sqlite driver. It implements mastoapi.RecordStore
// and is safe for concurrent use: the database runs in WAL mode, so reads
// go on during a write, and writers wait up to 10 s for each other.
type RecordStore struct {
	db *sql.DB
}

// OpenRecordStore opens or creates the database file at path and creates
// the table when it is missing. The path must not contain '?', which would
// start the driver's parameters.
func OpenRecordStore(path string) (*RecordStore, error) {
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("localstore: database path %q must be non-empty and contain no '?'", path)
	}
	// synchronous(NORMAL) in WAL mode can lose the last transactions before
	// a power loss. Files are stored before their record, so a lost record
	// leaves unreferenced files, never a record without files.
	dsn := fmt.Sprintf("%s?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)",
		path, busyTimeoutMS)
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("localstore: opening database %s: %w", path, err)
	}
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("localstore: creating the schema in %s: %w", path, err)
	}
	return &RecordStore{db: db}, nil
}

// Close closes the database.
func (s *RecordStore) Close() error { return s.db.Close() }

// Create inserts rec. An existing id is an error.
func (s *RecordStore) Create(ctx context.Context, rec *mastoapi.Record) error {
	row, err := toRow(rec)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `
		INSERT INTO media_attachments (id, account_id, status_id, attachment,
			original_key, original_content_type, small_key, small_content_type,
			created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		row.id, row.accountID, row.statusID, row.attachment,
		row.originalKey, row.originalType, row.smallKey, row.smallType,
		row.createdAt, row.updatedAt)
	if err != nil {
		return fmt.Errorf("localstore: creating record %s: %w", rec.ID(), err)
	}
	return nil
}

// Get returns the record with id, or an error matching mastoapi.ErrNotFound.
func (s *RecordStore) Get(ctx context.Context, id string) (*mastoapi.Record, error) {
	var (
		accountID, attachment               string
		statusID, originalKey, originalType sql.NullString
		smallKey, smallType                 sql.NullString
		createdAt, updatedAt                int64
	)
	err := s.db.QueryRowContext(ctx, `
		SELECT account_id, status_id, attachment, original_key, original_content_type,
			small_key, small_content_type, created_at, updated_at
		FROM media_attachments WHERE id = ?`, id).Scan(
		&accountID, &statusID, &attachment, &originalKey, &originalType,
		&smallKey, &smallType, &createdAt, &updatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("localstore: record %s: %w", id, mastoapi.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("localstore: reading record %s: %w", id, err)
	}
	rec := &mastoapi.Record{
		AccountID: accountID,
		StatusID:  statusID.String,
		Original:  mastoapi.StoredFile{Key: originalKey.String, ContentType: originalType.String},
		Small:     mastoapi.StoredFile{Key: smallKey.String, ContentType: smallType.String},
		CreatedAt: time.UnixMicro(createdAt).UTC(),
		UpdatedAt: time.UnixMicro(updatedAt).UTC(),
	}
	if err := json.Unmarshal([]byte(attachment), &rec.Attachment); err != nil {
		return nil, fmt.Errorf("localstore: record %s has invalid attachment JSON: %w", id, err)
	}
	// The id column is authoritative.
	rec.Attachment.ID = id
	return rec, nil
}

// Update replaces the record with rec's id, or returns an error matching
// mastoapi.ErrNotFound when there is none.
func (s *RecordStore) Update(ctx context.Context, rec *mastoapi.Record) error {
	row, err := toRow(rec)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `
		UPDATE media_attachments SET account_id = ?, status_id = ?, attachment = ?,
			original_key = ?, original_content_type = ?, small_key = ?, small_content_type = ?,
			created_at = ?, updated_at = ?
		WHERE id = ?`,
		row.accountID, row.statusID, row.attachment,
		row.originalKey, row.originalType, row.smallKey, row.smallType,
		row.createdAt, row.updatedAt, row.id)
	if err != nil {
		return fmt.Errorf("localstore: updating record %s: %w", rec.ID(), err)
	}
	return checkOneRow(res, rec.ID())
}

// Delete removes the record with id, or returns an error matching
// mastoapi.ErrNotFound when there is none.
func (s *RecordStore) Delete(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM media_attachments WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("localstore: deleting record %s: %w", id, err)
	}
	return checkOneRow(res, id)
}

func checkOneRow(res sql.Result, id string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("localstore: record %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("localstore: record %s: %w", id, mastoapi.ErrNotFound)
	}
	return nil
}

// row is a record in column form. Empty strings are stored as NULL.
type row struct {
	id, accountID, attachment string
	statusID                  sql.NullString
	originalKey, originalType sql.NullString
	smallKey, smallType       sql.NullString
	createdAt, updatedAt      int64
}

func toRow(rec *mastoapi.Record) (row, error) {
	if rec.ID() == "" {
		return row{}, errors.New("localstore: record has no id")
	}
	attachment, err := json.Marshal(rec.Attachment)
	if err != nil {
		return row{}, fmt.Errorf("localstore: encoding record %s: %w", rec.ID(), err)
	}
	return row{
		id:           rec.ID(),
		accountID:    rec.AccountID,
		attachment:   string(attachment),
		statusID:     nullString(rec.StatusID),
		originalKey:  nullString(rec.Original.Key),
		originalType: nullString(rec.Original.ContentType),
		smallKey:     nullString(rec.Small.Key),
		smallType:    nullString(rec.Small.ContentType),
		createdAt:    rec.CreatedAt.UnixMicro(),
		updatedAt:    rec.UpdatedAt.UnixMicro(),
	}, nil
}

func nullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}
