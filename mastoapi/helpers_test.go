package mastoapi_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	_ "golang.org/x/image/webp"

	"github.com/fedimedia/media"
	"github.com/fedimedia/media/localstore"
	"github.com/fedimedia/media/mastoapi"
)

// Tokens of the test authenticator.
const (
	aliceToken  = "alice-token-3f9a" // account 1, "read write"
	bobToken    = "bob-token-77c1"   // account 2, "write:media"
	readerToken = "reader-token-0b2" // account 1, "read" only
	appToken    = "app-token-91de"   // no account, "write"
	brokenToken = "broken-token-5e4" // the token backend fails
	panicToken  = "panic-token-a0c"  // the token backend panics
)

// testAuth is an Authenticator with several accounts and scopes. Alice's
// token goes through localstore.TokenAuthenticator, the one `media serve`
// uses.
type testAuth struct {
	alice *localstore.TokenAuthenticator
}

func (a testAuth) Authenticate(ctx context.Context, token string) (mastoapi.Principal, error) {
	switch token {
	case bobToken:
		return mastoapi.Principal{AccountID: "2", Scopes: []string{"write:media"}}, nil
	case readerToken:
		return mastoapi.Principal{AccountID: "1", Scopes: []string{"read"}}, nil
	case appToken:
		return mastoapi.Principal{Scopes: []string{"write"}}, nil
	case brokenToken:
		return mastoapi.Principal{}, errors.New("token database is unreachable")
	case panicToken:
		panic("token backend panicked")
	}
	return a.alice.Authenticate(ctx, token)
}

// faultyBlobs wraps the real blob store and fails the Put calls numbered in
// failPuts (1-based, counted from the last reset).
type faultyBlobs struct {
	*localstore.BlobStore
	mu       sync.Mutex
	puts     int
	failPuts map[int]bool
}

func (b *faultyBlobs) Put(ctx context.Context, key, contentType string, r io.Reader) error {
	b.mu.Lock()
	b.puts++
	fail := b.failPuts[b.puts]
	b.mu.Unlock()
	if fail {
		return fmt.Errorf("injected failure storing %s", key)
	}
	return b.BlobStore.Put(ctx, key, contentType, r)
}

func (b *faultyBlobs) failNext(calls ...int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.puts = 0
	b.failPuts = map[int]bool{}
	for _, c := range calls {
		b.failPuts[c] = true
	}
}

// faultyRecords wraps the real record store and fails Create or Update
// while failCreate or failUpdate is set.
type faultyRecords struct {
	*localstore.RecordStore
	mu         sync.Mutex
	failCreate bool
	failUpdate bool
}

func (s *faultyRecords) Create(ctx context.Context, rec *mastoapi.Record) error {
	s.mu.Lock()
	fail := s.failCreate
	s.mu.Unlock()
	if fail {
		return errors.New("injected failure creating the record")
	}
	return s.RecordStore.Create(ctx, rec)
}

func (s *faultyRecords) Update(ctx context.Context, rec *mastoapi.Record) error {
	s.mu.Lock()
	fail := s.failUpdate
	s.mu.Unlock()
	if fail {
		return errors.New("injected failure updating the record")
	}
	return s.RecordStore.Update(ctx, rec)
}

// env is a handler on a real loopback server with the real local stores in
// a temporary folder.
type env struct {
	t       testing.TB
	srv     *httptest.Server
	blobs   *faultyBlobs
	records *faultyRecords
	dbPath  string
	logs    *syncBuffer
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newEnv starts a server whose processor uses opts.
func newEnv(t testing.TB, opts media.Options) *env {
	t.Helper()
	dir := t.TempDir()
	blobStore, err := localstore.NewBlobStore(filepath.Join(dir, "files"))
	if err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "media.db")
	recordStore, err := localstore.OpenRecordStore(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { recordStore.Close() })
	alice, err := localstore.NewTokenAuthenticator(aliceToken, "1")
	if err != nil {
		t.Fatal(err)
	}
	proc, err := media.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{
		t:       t,
		blobs:   &faultyBlobs{BlobStore: blobStore},
		records: &faultyRecords{RecordStore: recordStore},
		dbPath:  dbPath,
		logs:    &syncBuffer{},
	}
	var handler http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)
	api, err := mastoapi.New(mastoapi.Config{
		Processor: proc,
		Auth:      testAuth{alice: alice},
		Records:   e.records,
		Blobs:     e.blobs,
		BaseURL:   e.srv.URL + "/",
		Logger:    slog.New(slog.NewJSONHandler(e.logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.Handle("/", blobStore.FileServer(nil))
	handler = mux
	return e
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// part is one part of a multipart body. A part with a file name is a file
// part; body, when set, streams instead of data.
type part struct {
	name, fileName string
	data           []byte
	body           io.Reader
}

func fileField(name string, data []byte) part {
	return part{name: "file", fileName: name, data: data}
}

func textField(name, value string) part { return part{name: name, data: []byte(value)} }

// response is a decoded API response.
type response struct {
	status      int
	header      http.Header
	body        []byte
	errorText   string
	attachment  media.Attachment
	jsonObject  map[string]any
	contentType string
}

// send sends a request and decodes the JSON response.
func (e *env) send(method, path, token, contentType string, body io.Reader) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: reading the response: %v", method, path, err)
	}
	r := response{status: resp.StatusCode, header: resp.Header, body: data, contentType: resp.Header.Get("Content-Type")}
	if r.contentType != "application/json; charset=utf-8" {
		e.t.Fatalf("%s %s: Content-Type is %q, want application/json; charset=utf-8 (body %s)", method, path, r.contentType, data)
	}
	if err := json.Unmarshal(data, &r.jsonObject); err != nil {
		e.t.Fatalf("%s %s: the body is not a JSON object: %v\n%s", method, path, err, data)
	}
	if text, ok := r.jsonObject["error"].(string); ok {
		r.errorText = text
	} else if _, ok := r.jsonObject["id"]; ok {
		if err := json.Unmarshal(data, &r.attachment); err != nil {
			e.t.Fatalf("%s %s: the body is not an Attachment: %v\n%s", method, path, err, data)
		}
	}
	return r
}

// sendMultipart sends parts in the order given, as clients do with
// mime/multipart, streaming through a pipe so the body is never whole in
// memory on the client side either.
func (e *env) sendMultipart(method, path, token string, parts ...part) response {
	e.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for _, p := range parts {
			var w io.Writer
			var err error
			if p.fileName != "" {
				w, err = mw.CreateFormFile(p.name, p.fileName)
			} else {
				w, err = mw.CreateFormField(p.name)
			}
			if err == nil {
				if p.body != nil {
					_, err = io.Copy(w, p.body)
				} else {
					_, err = w.Write(p.data)
				}
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	return e.send(method, path, token, mw.FormDataContentType(), pr)
}

func (e *env) sendForm(method, path, token string, values url.Values) response {
	e.t.Helper()
	return e.send(method, path, token, "application/x-www-form-urlencoded", strings.NewReader(values.Encode()))
}

func (e *env) sendJSON(method, path, token string, v any) response {
	e.t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.send(method, path, token, "application/json", bytes.NewReader(data))
}

// upload creates an attachment from a fixture as Alice and fails the test
// unless it succeeds.
func (e *env) upload(fixture string, fields ...part) media.Attachment {
	e.t.Helper()
	parts := append([]part{fileField(filepath.Base(fixture), readFixture(e.t, fixture))}, fields...)
	r := e.sendMultipart("POST", "/api/v1/media", aliceToken, parts...)
	if r.status != http.StatusOK {
		e.t.Fatalf("uploading %s: status %d, want 200: %s", fixture, r.status, r.body)
	}
	return r.attachment
}

// blobFiles lists the regular files under the blob root, as slash paths.
func (e *env) blobFiles() []string {
	e.t.Helper()
	var files []string
	root := e.blobs.Root()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(root, path)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// blobBytes reads every stored file.
func (e *env) blobBytes() map[string][]byte {
	e.t.Helper()
	out := map[string][]byte{}
	for _, key := range e.blobFiles() {
		data, err := os.ReadFile(filepath.Join(e.blobs.Root(), filepath.FromSlash(key)))
		if err != nil {
			e.t.Fatal(err)
		}
		out[key] = data
	}
	return out
}

// dbRow is a row of the records table, read with its own connection.
type dbRow struct {
	accountID, attachment           string
	statusID, originalKey, smallKey sql.NullString
	originalType, smallType         sql.NullString
}

func (e *env) openDB() *sql.DB {
	e.t.Helper()
	db, err := sql.Open("sqlite", e.dbPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { db.Close() })
	return db
}

func (e *env) dbRows() map[string]dbRow {
	e.t.Helper()
	rows, err := e.openDB().Query(`SELECT id, account_id, status_id, attachment, original_key,
		original_content_type, small_key, small_content_type FROM media_attachments`)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]dbRow{}
	for rows.Next() {
		var id string
		var r dbRow
		if err := rows.Scan(&id, &r.accountID, &r.statusID, &r.attachment, &r.originalKey,
			&r.originalType, &r.smallKey, &r.smallType); err != nil {
			e.t.Fatal(err)
		}
		out[id] = r
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// attach marks a record as attached to a status, as the embedding server
// does when a status is posted.
func (e *env) attach(id, statusID string) {
	e.t.Helper()
	ctx := context.Background()
	rec, err := e.records.Get(ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	rec.StatusID = statusID
	if err := e.records.Update(ctx, rec); err != nil {
		e.t.Fatal(err)
	}
}

// fetchImage downloads a stored file through its URL and decodes it.
func (e *env) fetchImage(rawURL, wantType string) (image.Image, []byte) {
	e.t.Helper()
	resp, err := e.srv.Client().Get(rawURL)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET %s: status %d, want 200", rawURL, resp.StatusCode)
	}
	if got := resp.Header.Get("Content-Type"); got != wantType {
		e.t.Errorf("GET %s: Content-Type %q, want %q", rawURL, got, wantType)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		e.t.Errorf("GET %s: X-Content-Type-Options %q, want nosniff", rawURL, got)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		e.t.Fatalf("GET %s: the stored file does not decode: %v", rawURL, err)
	}
	return img, data
}

// keyOf returns the storage key of a URL on the test server.
func (e *env) keyOf(rawURL string) string {
	return strings.TrimPrefix(rawURL, e.srv.URL+"/")
}

// logLines returns the request lines logged so far, decoded.
func (e *env) logLines() []map[string]any {
	e.t.Helper()
	var lines []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			e.t.Fatalf("log line is not JSON: %v\n%s", err, line)
		}
		lines = append(lines, m)
	}
	return lines
}

// zeroReader yields n zero bytes.
type zeroReader struct{ n int64 }

func (z *zeroReader) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > z.n {
		p = p[:z.n]
	}
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}
