package localstore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fedimedia/media/mastoapi"
)

const sampleKey = "media_attachments/files/117/729/086/973/345/395/original/4fc48447ee24f243.jpeg"

func newTestBlobs(t *testing.T) *BlobStore {
	t.Helper()
	s, err := NewBlobStore(filepath.Join(t.TempDir(), "files"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// listAll returns every file and folder under root, as slash paths.
func listAll(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != root {
			rel, _ := filepath.Rel(root, path)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCheckKey(t *testing.T) {
	valid := []string{sampleKey, "a", "a/b.png", "a/b..c/d"}
	for _, key := range valid {
		if err := checkKey(key); err != nil {
			t.Errorf("checkKey(%q) = %v, want nil", key, err)
		}
	}
	invalid := []string{
		"", "/etc/passwd", "../x", "a/../../x", "a/..", "..", "./a", "a//b", "a/", "a/./b",
		`a\b`, "a\x00b", ".tmp-123", "a/.hidden", strings.Repeat("a", maxKeyLen+1),
	}
	for _, key := range invalid {
		err := checkKey(key)
		if !errors.Is(err, ErrInvalidKey) {
			t.Errorf("checkKey(%q) = %v, want an error matching ErrInvalidKey", key, err)
		}
	}
}

func TestBlobRoundTrip(t *testing.T) {
	s := newTestBlobs(t)
	ctx := context.Background()
	data := []byte("\xff\xd8\xff not really a JPEG")
	if err := s.Put(ctx, sampleKey, "image/jpeg", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	rc, err := s.Get(ctx, sampleKey)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("Get returned %q, %v; want %q", got, err, data)
	}
	info, err := os.Stat(filepath.Join(s.Root(), filepath.FromSlash(sampleKey)))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o644 {
		t.Errorf("file mode %v, want 0644", info.Mode().Perm())
	}

	replacement := []byte("second version")
	if err := s.Put(ctx, sampleKey, "image/jpeg", bytes.NewReader(replacement)); err != nil {
		t.Fatal(err)
	}
	rc, _ = s.Get(ctx, sampleKey)
	got, _ = io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, replacement) {
		t.Errorf("after a second Put, Get returned %q, want %q", got, replacement)
	}

	if err := s.Delete(ctx, sampleKey); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, sampleKey); !errors.Is(err, mastoapi.ErrNotFound) {
		t.Errorf("Get after Delete: %v, want ErrNotFound", err)
	}
	if left := listAll(t, s.Root()); len(left) != 0 {
		t.Errorf("Delete left %v; empty folders must be removed up to the root", left)
	}
	if err := s.Delete(ctx, sampleKey); err != nil {
		t.Errorf("Delete of a missing key: %v, want nil", err)
	}
	if _, err := os.Stat(s.Root()); err != nil {
		t.Errorf("the root folder itself was removed: %v", err)
	}
}

func TestDeleteKeepsSiblings(t *testing.T) {
	s := newTestBlobs(t)
	ctx := context.Background()
	small := strings.Replace(sampleKey, "/original/", "/small/", 1)
	for _, key := range []string{sampleKey, small} {
		if err := s.Put(ctx, key, "image/jpeg", strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(ctx, sampleKey); err != nil {
		t.Fatal(err)
	}
	rc, err := s.Get(ctx, small)
	if err != nil {
		t.Fatalf("the sibling file is gone after Delete: %v", err)
	}
	rc.Close()
}

func TestPutRejects(t *testing.T) {
	s := newTestBlobs(t)
	ctx := context.Background()
	cases := []struct {
		name, key, contentType string
	}{
		{"escaping key", "../outside.jpeg", "image/jpeg"},
		{"absolute key", "/tmp/outside.jpeg", "image/jpeg"},
		{"wrong content type", "a/b.png", "image/jpeg"},
	}
	for _, tc := range cases {
		if err := s.Put(ctx, tc.key, tc.contentType, strings.NewReader("x")); err == nil {
			t.Errorf("%s: Put(%q, %q) succeeded, want an error", tc.name, tc.key, tc.contentType)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(s.Root()), "outside.jpeg")); err == nil {
		t.Error("a file was written outside the root")
	}
	for _, key := range []string{"../x", "/x"} {
		if err := s.Delete(ctx, key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Delete(%q) = %v, want ErrInvalidKey", key, err)
		}
		if _, err := s.Get(ctx, key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Get(%q) = %v, want ErrInvalidKey", key, err)
		}
	}
}

// failingReader returns some bytes and then an error.
type failingReader struct{ sent bool }

func (r *failingReader) Read(p []byte) (int, error) {
	if !r.sent {
		r.sent = true
		return copy(p, "partial"), nil
	}
	return 0, errors.New("connection reset")
}

func TestPutFailureLeavesNothing(t *testing.T) {
	s := newTestBlobs(t)
	err := s.Put(context.Background(), sampleKey, "image/jpeg", &failingReader{})
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("Put with a failing reader: %v, want the reader's error", err)
	}
	for _, p := range listAll(t, s.Root()) {
		if info, err := os.Stat(filepath.Join(s.Root(), p)); err == nil && info.Mode().IsRegular() {
			t.Errorf("a failed Put left the file %s", p)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Put(ctx, sampleKey, "image/jpeg", strings.NewReader("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a cancelled context: %v, want context.Canceled", err)
	}
	if _, err := s.Get(context.Background(), sampleKey); !errors.Is(err, mastoapi.ErrNotFound) {
		t.Errorf("a failed Put left a file at the key: %v", err)
	}
}

func TestPutDeleteConcurrent(t *testing.T) {
	// Puts and Deletes of sibling keys race on creating and pruning the
	// shared folders; every Put must still succeed.
	s := newTestBlobs(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := strings.Replace(sampleKey, "4fc48447ee24f243", strings.Repeat(string(rune('a'+i)), 16), 1)
			for range 25 {
				if err := s.Put(ctx, key, "image/jpeg", strings.NewReader("x")); err != nil {
					errs <- err
				}
				if err := s.Delete(ctx, key); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if left := listAll(t, s.Root()); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

func TestFileServer(t *testing.T) {
	s := newTestBlobs(t)
	ctx := context.Background()
	files := map[string]string{
		"m/a.jpeg": "image/jpeg",
		"m/a.jpg":  "image/jpeg",
		"m/a.png":  "image/png",
		"m/a.gif":  "image/gif",
		"m/a.webp": "image/webp",
		"m/a.bin":  "application/octet-stream",
	}
	for key, contentType := range files {
		if err := s.Put(ctx, key, contentType, strings.NewReader("<html><script>alert(1)</script>")); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(s.FileServer(nil))
	defer srv.Close()

	for key, want := range files {
		resp, err := srv.Client().Get(srv.URL + "/" + key)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: status %d, want 200", key, resp.StatusCode)
		}
		if got := resp.Header.Get("Content-Type"); got != want {
			t.Errorf("GET %s: Content-Type %q, want %q (never sniffed from the HTML-like bytes)", key, got, want)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q, want nosniff", key, got)
		}
	}

	req, _ := http.NewRequest("GET", srv.URL+"/m/a.png", nil)
	req.Header.Set("Range", "bytes=0-5")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || string(body) != "<html>" {
		t.Errorf("Range request: %d %q, want 206 %q", resp.StatusCode, body, "<html>")
	}

	notFound := []string{"/m/missing.png", "/m", "/", "/m/../m/a.png", "/..%2fetc/passwd", "/m//a.png"}
	for _, path := range notFound {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.URL.Path = path
		req.URL.RawPath = ""
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, resp.StatusCode)
		}
	}

	resp, err = srv.Client().Post(srv.URL+"/m/a.png", "image/png", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d Allow %q, want 405 and GET, HEAD", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func BenchmarkBlobPut(b *testing.B) {
	s, err := NewBlobStore(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	data := bytes.Repeat([]byte{0xab}, 100<<10)
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Put(ctx, sampleKey, "image/jpeg", bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
