// Package mastoapi serves Mastodon's media endpoints as an http.Handler that
// a Go server embeds:
//
//	POST   /api/v1/media       create (multipart/form-data: file, description, focus)
//	POST   /api/v2/media       create; images are processed synchronously, so 200 as v1
//	GET    /api/v1/media/{id}  read
//	PUT    /api/v1/media/{id}  update (multipart, form or JSON: file, description, focus)
//	DELETE /api/v1/media/{id}  delete
//
// Every response is JSON: the Attachment entity, {} after a delete, or
// {"error": "..."} with Mastodon's status and text. Uploads are processed by
// a media.Processor while the request body streams in. The embedding server
// supplies token checks (Authenticator), the attachment records
// (RecordStore) and the file storage (BlobStore). Package localstore has
// implementations of all three for a single machine.
package mastoapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/fedimedia/media"
)

// Config configures a Handler. Processor, Auth, Records, Blobs and BaseURL
// are required.
type Config struct {
	// Processor turns uploads into attachments. Its options set the byte,
	// pixel and description limits the endpoints enforce.
	Processor *media.Processor
	// Auth resolves bearer tokens.
	Auth Authenticator
	// Records keeps the attachment records.
	Records RecordStore
	// Blobs keeps the stored files.
	Blobs BlobStore

	// BaseURL is the absolute http or https URL the stored files are served
	// under. A file's URL is BaseURL joined with its storage key, for
	// example "https://files.example/media_attachments/files/116/.../original/0f3a9c2be81d4a77.jpeg".
	BaseURL string
	// MissingOriginalURL and MissingSmallURL are the url and preview_url of
	// an attachment of type "unknown", which has no stored files. They
	// default to BaseURL joined with "files/original/missing.png" and
	// "files/small/missing.png", the paths Mastodon uses.
	MissingOriginalURL string
	MissingSmallURL    string

	// Logger receives one line per request and every error the handler
	// handles. Nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock for new ids and record times. Nil means time.Now.
	Now func() time.Time
	// IDs makes the ids of new attachments. Nil means a new generator; share
	// one generator between handlers that write to the same RecordStore.
	IDs *media.IDGenerator
}

// Handler serves the media endpoints. Create it with New; it is safe for
// concurrent use.
type Handler struct {
	proc    *media.Processor
	auth    Authenticator
	records RecordStore
	blobs   BlobStore
	log     *slog.Logger
	now     func() time.Time
	ids     *media.IDGenerator

	baseURL         string
	missingOriginal string
	missingSmall    string

	maxDescription int
	// fieldLimit caps each buffered text field in bytes; bodyLimit caps a
	// whole multipart body.
	fieldLimit int64
	bodyLimit  int64

	mux   *http.ServeMux
	locks idLocks
}

// minFieldLimit is the smallest cap on one buffered text field, in bytes.
const minFieldLimit = 64 << 10

// bodySlack is the room for part headers and boundaries, in bytes, that a
// multipart body may have beyond the largest file. The text fields are added
// on top.
const bodySlack = 1 << 20

// New checks cfg and returns a Handler.
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.Processor == nil:
		return nil, errors.New("mastoapi: Config.Processor is nil")
	case cfg.Auth == nil:
		return nil, errors.New("mastoapi: Config.Auth is nil")
	case cfg.Records == nil:
		return nil, errors.New("mastoapi: Config.Records is nil")
	case cfg.Blobs == nil:
		return nil, errors.New("mastoapi: Config.Blobs is nil")
	}
	base, err := checkBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	h := &Handler{
		proc:            cfg.Processor,
		auth:            cfg.Auth,
		records:         cfg.Records,
		blobs:           cfg.Blobs,
		log:             cfg.Logger,
		now:             cfg.Now,
		ids:             cfg.IDs,
		baseURL:         base,
		missingOriginal: cfg.MissingOriginalURL,
		missingSmall:    cfg.MissingSmallURL,
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.ids == nil {
		h.ids = &media.IDGenerator{}
	}
	if h.missingOriginal == "" {
		h.missingOriginal = base + "/files/original/missing.png"
	}
	if h.missingSmall == "" {
		h.missingSmall = base + "/files/small/missing.png"
	}

	opts := cfg.Processor.Options()
	h.maxDescription = opts.MaxDescription
	// A description of MaxDescription code points takes at most 4 bytes per
	// code point in UTF-8.
	h.fieldLimit = max(minFieldLimit, 4*int64(opts.MaxDescription))
	h.bodyLimit = max(opts.MaxImageBytes, opts.MaxVideoBytes) + bodySlack + 4*h.fieldLimit

	h.mux = http.NewServeMux()
	h.mux.Handle("POST /api/v1/media", h.authorized(h.create))
	h.mux.Handle("POST /api/v2/media", h.authorized(h.create))
	h.mux.Handle("GET /api/v1/media/{id}", h.authorized(h.get))
	h.mux.Handle("PUT /api/v1/media/{id}", h.authorized(h.update))
	h.mux.Handle("DELETE /api/v1/media/{id}", h.authorized(h.delete))
	h.mux.Handle("/api/v1/media", methodNotAllowed("POST"))
	h.mux.Handle("/api/v2/media", methodNotAllowed("POST"))
	h.mux.Handle("/api/v1/media/{id}", methodNotAllowed("GET, HEAD, PUT, DELETE"))
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, errorBody{Error: "Not found"})
	})
	return h, nil
}

// checkBaseURL returns base without a trailing slash after checking that it
// is an absolute http or https URL.
func checkBaseURL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("mastoapi: Config.BaseURL %q is not a URL: %w", base, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("mastoapi: Config.BaseURL %q must be an absolute http or https URL", base)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("mastoapi: Config.BaseURL %q must not have a query or fragment", base)
	}
	return strings.TrimRight(base, "/"), nil
}

// ServeHTTP routes the request, recovers from panics with a 500 response and
// logs one line per request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rw := &statusWriter{ResponseWriter: w}
	state := &requestState{}
	r = r.WithContext(context.WithValue(r.Context(), requestStateKey{}, state))
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			state.cause = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
			if !rw.wroteHeader {
				writeJSON(rw, http.StatusInternalServerError, errorBody{Error: msgInternal})
			}
		}
		h.logRequest(r, rw.status(), time.Since(start), state)
	}()
	h.mux.ServeHTTP(rw, r)
}

func (h *Handler) logRequest(r *http.Request, status int, elapsed time.Duration, state *requestState) {
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Duration("duration", elapsed),
	}
	if state.attachmentID != "" {
		attrs = append(attrs, slog.String("attachment_id", state.attachmentID))
	}
	if state.cause != nil {
		attrs = append(attrs, slog.String("error", state.cause.Error()))
	}
	if state.decodeErr != nil {
		attrs = append(attrs, slog.String("decode_error", state.decodeErr.Error()))
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	h.log.LogAttrs(r.Context(), level, "media request", attrs...)
}

// requestState carries what the request line logs from the endpoint to
// ServeHTTP.
type requestState struct {
	attachmentID string
	cause        error // the cause of a failed request, when it has one
	decodeErr    error // the decode error that made an upload type "unknown"
}

type requestStateKey struct{}

func stateOf(r *http.Request) *requestState {
	if s, ok := r.Context().Value(requestStateKey{}).(*requestState); ok {
		return s
	}
	return &requestState{}
}

// statusWriter records the status code written.
type statusWriter struct {
	http.ResponseWriter
	wroteHeader bool
	code        int
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.wroteHeader, w.code = true, code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) status() int {
	if !w.wroteHeader {
		return http.StatusOK
	}
	return w.code
}

type errorBody struct {
	Error string `json:"error"`
}

// writeJSON writes v as the JSON body. API responses are private to the
// token owner, so they are marked not to be cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"error":"` + msgInternal + `"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "private, no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

func methodNotAllowed(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: "Method not allowed"})
	})
}

// endpoint is one authorised action. It returns the status and body of a
// success, or the error to respond with.
type endpoint func(w http.ResponseWriter, r *http.Request, p Principal) (int, any, *apiError)

// authorized checks the bearer token and its scopes, runs fn and writes its
// response.
func (h *Handler) authorized(fn endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		state := stateOf(r)
		p, aerr := h.authenticate(r)
		var (
			status int
			body   any
		)
		if aerr == nil {
			status, body, aerr = fn(w, r, p)
		}
		if aerr != nil {
			state.cause = aerr.cause
			if state.cause == nil {
				// A client error has no cause beyond its response text. The
				// request line logs that text, so an operator can see why an
				// upload was rejected.
				state.cause = errors.New(aerr.message)
			}
			writeJSON(w, aerr.status, errorBody{Error: aerr.message})
			return
		}
		writeJSON(w, status, body)
	})
}

// authenticate checks the request's token the way Mastodon's API does:
// missing or invalid is 401, a token without "write" or "write:media" is
// 403, and a token with no user is 422.
func (h *Handler) authenticate(r *http.Request) (Principal, *apiError) {
	token, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		return Principal{}, newAPIError(http.StatusUnauthorized, msgInvalidToken)
	}
	p, err := h.auth.Authenticate(r.Context(), token)
	if errors.Is(err, ErrInvalidToken) {
		return Principal{}, newAPIError(http.StatusUnauthorized, msgInvalidToken)
	}
	if err != nil {
		return Principal{}, internalError(fmt.Errorf("authenticating the token: %w", err))
	}
	if !hasWriteMedia(p.Scopes) {
		return Principal{}, newAPIError(http.StatusForbidden, msgScope)
	}
	if p.AccountID == "" {
		return Principal{}, newAPIError(http.StatusUnprocessableEntity, msgUserRequired)
	}
	return p, nil
}

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header. The scheme is case-insensitive (RFC 6750 section 2.1).
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

func hasWriteMedia(scopes []string) bool {
	for _, s := range scopes {
		if s == "write" || s == "write:media" {
			return true
		}
	}
	return false
}

// idLocks serialises changes to one attachment id within this process, so
// that two concurrent updates cannot both replace the same files and leave
// one set orphaned.
//
// NOTE: the lock is per process. Several processes sharing one RecordStore
// can still interleave updates of one id.
type idLocks struct {
	mu    sync.Mutex
	byKey map[string]*idLock
}

type idLock struct {
	mu   sync.Mutex
	refs int
}

// lock locks id and returns the function that unlocks it.
func (l *idLocks) lock(id string) func() {
	l.mu.Lock()
	if l.byKey == nil {
		l.byKey = make(map[string]*idLock)
	}
	entry := l.byKey[id]
	if entry == nil {
		entry = &idLock{}
		l.byKey[id] = entry
	}
	entry.refs++
	l.mu.Unlock()

	entry.mu.Lock()
	return func() {
		entry.mu.Unlock()
		l.mu.Lock()
		entry.refs--
		if entry.refs == 0 {
			delete(l.byKey, id)
		}
		l.mu.Unlock()
	}
}
