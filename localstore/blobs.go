// Package localstore implements the stores of package mastoapi for one
// machine: files in a folder (BlobStore), attachment records in an embedded
// SQLite database (RecordStore), and a single configured bearer token
// (TokenAuthenticator).
package localstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/fedimedia/media/mastoapi"
)

// ErrInvalidKey matches the error for a blob key that is empty, absolute,
// not in clean slash-separated form, or would leave the root folder.
var ErrInvalidKey = errors.New("localstore: invalid blob key")

// maxKeyLen bounds a key in bytes; Mastodon's keys are under 100 bytes.
const maxKeyLen = 1024

// tempPrefix starts the names of files being written. Keys may not have a
// segment starting with ".", so no key names a temporary file.
const tempPrefix = ".tmp-"

// contentTypes maps the extensions of the files the media library writes to
// their content types.
var contentTypes = map[string]string{
	".jpeg": "image/jpeg",
	".jpg":  "image/jpeg",
	".png":  "image/png",
	".gif":  "image/gif",
	".webp": "image/webp",
}

// BlobStore keeps files under a root folder, each at the path of its key.
// It implements mastoapi.BlobStore and is safe for concurrent use.
type BlobStore struct {
	root string
}

// NewBlobStore returns a BlobStore rooted at dir, creating the folder when
// it is missing.
func NewBlobStore(dir string) (*BlobStore, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("localstore: blob folder %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("localstore: creating blob folder: %w", err)
	}
	return &BlobStore{root: abs}, nil
}

// Root returns the absolute path of the root folder.
func (s *BlobStore) Root() string { return s.root }

// checkKey returns nil for a key that names a file inside the root: relative,
// slash-separated, already clean (no "." or ".." segments, no doubled or
// trailing slash), with no segment starting with "." and no backslash or
// NUL byte.
func checkKey(key string) error {
	reason := ""
	switch {
	case key == "":
		reason = "it is empty"
	case len(key) > maxKeyLen:
		reason = fmt.Sprintf("it is longer than %d bytes", maxKeyLen)
	case strings.ContainsAny(key, "\\\x00"):
		reason = "it contains a backslash or NUL byte"
	case strings.HasPrefix(key, "/"):
		reason = "it is absolute"
	case path.Clean(key) != key:
		reason = "it is not a clean slash-separated path"
	case !filepath.IsLocal(filepath.FromSlash(key)):
		reason = "it leaves the root folder"
	}
	if reason == "" {
		for _, segment := range strings.Split(key, "/") {
			if strings.HasPrefix(segment, ".") {
				reason = "a segment starts with \".\""
				break
			}
		}
	}
	if reason != "" {
		return fmt.Errorf("%w %q: %s", ErrInvalidKey, key, reason)
	}
	return nil
}

// ContentType returns the content type of a key from its extension, or
// "application/octet-stream" for an extension the media library does not
// write.
func ContentType(key string) string {
	if t, ok := contentTypes[strings.ToLower(path.Ext(key))]; ok {
		return t
	}
	return "application/octet-stream"
}

// Put writes r to a temporary file in the key's folder, syncs it to disk and
// renames it over the key, so a reader sees the old file or the whole new
// one. contentType must match the key's extension when the extension is one
// of .jpeg, .jpg, .png, .gif and .webp, because the file is served with the
// type of its extension.
func (s *BlobStore) Put(ctx context.Context, key, contentType string, r io.Reader) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if want, ok := contentTypes[strings.ToLower(path.Ext(key))]; ok && contentType != "" && contentType != want {
		return fmt.Errorf("localstore: content type %s does not match the extension of key %q, which is served as %s",
			contentType, key, want)
	}
	full := filepath.Join(s.root, filepath.FromSlash(key))
	dir := filepath.Dir(full)
	tmp, err := createTemp(dir)
	if err != nil {
		return fmt.Errorf("localstore: storing %s: %w", key, err)
	}
	tmpName := tmp.Name()
	if err := writeSynced(ctx, tmp, r); err != nil {
		_ = os.Remove(tmpName)
		return fmt.Errorf("localstore: storing %s: %w", key, err)
	}
	if err := os.Rename(tmpName, full); err != nil {
		_ = os.Remove(tmpName)
		return fmt.Errorf("localstore: storing %s: %w", key, err)
	}
	// Syncing the folder makes the rename itself durable.
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("localstore: storing %s: syncing folder: %w", key, err)
	}
	return nil
}

// createTemp creates the folder and a temporary file in it. A concurrent
// Delete may remove the folder between the two steps when it was empty, so
// the pair is retried a few times.
func createTemp(dir string) (*os.File, error) {
	var err error
	for range 4 {
		if err = os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		var f *os.File
		f, err = os.CreateTemp(dir, tempPrefix+"*")
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return nil, err
}

// writeSynced copies r into f, syncs and closes f, and makes it readable by
// other users as a web server's files usually are. It stops when ctx is
// done.
func writeSynced(ctx context.Context, f *os.File, r io.Reader) error {
	_, err := io.Copy(f, &contextReader{ctx: ctx, r: r})
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = f.Chmod(0o644)
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	return err
}

type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if closeErr := d.Close(); err == nil {
		err = closeErr
	}
	return err
}

// Get opens the file stored under key. A missing key returns an error
// matching mastoapi.ErrNotFound.
func (s *BlobStore) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	f, err := s.openFile(key)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// openFile opens the regular file of key.
func (s *BlobStore) openFile(key string) (*os.File, error) {
	f, err := os.Open(filepath.Join(s.root, filepath.FromSlash(key)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("localstore: blob %s: %w", key, mastoapi.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("localstore: opening %s: %w", key, err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("localstore: opening %s: %w", key, err)
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("localstore: blob %s is not a regular file: %w", key, mastoapi.ErrNotFound)
	}
	return f, nil
}

// Delete removes the file stored under key, then every parent folder below
// the root that this leaves empty. A missing key is not an error.
func (s *BlobStore) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	full := filepath.Join(s.root, filepath.FromSlash(key))
	if err := os.Remove(full); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("localstore: deleting %s: %w", key, err)
	}
	for dir := filepath.Dir(full); dir != s.root && strings.HasPrefix(dir, s.root); dir = filepath.Dir(dir) {
		// Remove fails on a folder that is not empty, which ends the walk.
		if os.Remove(dir) != nil {
			break
		}
	}
	return nil
}

// FileServer returns a handler that serves GET and HEAD requests for stored
// files at the URL path "/<key>", with the content type of the key's
// extension, "X-Content-Type-Options: nosniff" and a sandboxing
// Content-Security-Policy. Stored files never change, because an update
// stores a new file name, so they are cacheable for a year. Mount it under
// the path of the media handler's base URL with http.StripPrefix. Read
// failures are logged to logger; nil means slog.Default().
func (s *BlobStore) FileServer(logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		key := strings.TrimPrefix(r.URL.Path, "/")
		if checkKey(key) != nil {
			http.NotFound(w, r)
			return
		}
		f, err := s.openFile(key)
		if errors.Is(err, mastoapi.ErrNotFound) {
			http.NotFound(w, r)
			return
		}
		var info os.FileInfo
		if err == nil {
			defer f.Close()
			info, err = f.Stat()
		}
		if err != nil {
			logger.LogAttrs(r.Context(), slog.LevelError, "serving a stored file failed",
				slog.String("key", key), slog.String("error", err.Error()))
			http.Error(w, "the file could not be read", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", ContentType(key))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		// ServeContent handles Range and conditional requests; it does not
		// sniff because Content-Type is set.
		http.ServeContent(w, r, "", info.ModTime(), f)
	})
}
