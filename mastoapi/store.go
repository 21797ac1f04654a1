package mastoapi

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/fedimedia/media"
)

// ErrNotFound is returned, possibly wrapped, by RecordStore.Get, Update and
// Delete for an id with no record, and by BlobStore.Get for a missing key.
var ErrNotFound = errors.New("mastoapi: not found")

// ErrInvalidToken is returned, possibly wrapped, by an Authenticator for a
// token that is unknown, expired or revoked. The handler responds to it with
// 401. Any other error from an Authenticator is a server failure and gets 500.
var ErrInvalidToken = errors.New("mastoapi: the access token is invalid")

// Authenticator resolves the bearer token of a request to the account that
// owns it. The embedding server implements it on top of its OAuth tokens.
type Authenticator interface {
	// Authenticate returns the principal of token, or an error matching
	// ErrInvalidToken when the token is not valid. The token is the text
	// after "Bearer " in the Authorization header and is never empty. The
	// handler logs errors other than ErrInvalidToken, so they must not
	// contain the token.
	Authenticate(ctx context.Context, token string) (Principal, error)
}

// Principal is the account and the OAuth scopes a token grants.
type Principal struct {
	// AccountID is the account that owns the token. An empty AccountID is
	// an app-only token, which the media endpoints reject with 422 as
	// Mastodon does.
	AccountID string
	// Scopes are the OAuth scopes of the token, for example "read" and
	// "write". The media endpoints need "write" or "write:media".
	Scopes []string
}

// StoredFile is one stored variant of an attachment.
type StoredFile struct {
	// Key is the BlobStore key, in Mastodon's layout
	// "media_attachments/files/<id partition>/<style>/<name>.<ext>".
	Key string
	// ContentType is the MIME type the file was stored with, for example
	// "image/jpeg".
	ContentType string
}

// Record is one media attachment as a RecordStore keeps it.
type Record struct {
	// Attachment is the entity as last returned to the client. Its ID is the
	// record's id, a decimal snowflake. The handler rebuilds URL and
	// PreviewURL from the keys and the configured base URL on every
	// response, so a changed base URL takes effect for old records.
	Attachment media.Attachment
	// AccountID is the owner; only the owner can read, update or delete it.
	AccountID string
	// StatusID is the status the media is attached to, or empty while it is
	// not attached. Attached media cannot be read, updated or deleted through
	// these endpoints. The embedding server sets it when a status is posted.
	StatusID string
	// Original and Small are the stored files. Both are zero when the
	// attachment's type is "unknown", because nothing was stored.
	Original, Small StoredFile
	// CreatedAt and UpdatedAt are set by the handler from its clock.
	CreatedAt, UpdatedAt time.Time
}

// ID returns the record's id, which is the attachment's id.
func (r *Record) ID() string { return r.Attachment.ID }

// RecordStore keeps attachment records. Implementations must be safe for
// concurrent use. The handler serialises its own changes to one id, so a
// store needs no version check for the handler's sake.
type RecordStore interface {
	// Create stores a new record. An existing id is an error.
	Create(ctx context.Context, rec *Record) error
	// Get returns the record with id, or an error matching ErrNotFound.
	Get(ctx context.Context, id string) (*Record, error)
	// Update replaces the record with the same id, or returns an error
	// matching ErrNotFound when there is none.
	Update(ctx context.Context, rec *Record) error
	// Delete removes the record with id, or returns an error matching
	// ErrNotFound when there is none.
	Delete(ctx context.Context, id string) error
}

// BlobStore keeps the stored files by key. Implementations must be safe for
// concurrent use.
type BlobStore interface {
	// Put stores the bytes of r under key with the given content type,
	// replacing any file with that key. A failed Put leaves no partial file
	// visible under key.
	Put(ctx context.Context, key, contentType string, r io.Reader) error
	// Get opens the file stored under key, or returns an error matching
	// ErrNotFound. The caller closes it.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the file stored under key. A missing key is not an
	// error.
	Delete(ctx context.Context, key string) error
}
