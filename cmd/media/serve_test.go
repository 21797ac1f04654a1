package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"image"
	_ "image/jpeg"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fedimedia/media"
)

const testToken = "e2e-token-6b1f0c"

// lockedBuffer collects a child's stderr while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// buildCommand builds this command into a temporary folder.
func buildCommand(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "media")
	build := exec.Command(goTool, "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build failed: %v\n%s", err, out)
	}
	return bin
}

// readListenLine waits for the "listening on" line and returns the URL in
// it.
func readListenLine(t *testing.T, stdout io.Reader, stderr *lockedBuffer) string {
	t.Helper()
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- line
	}()
	select {
	case line := <-lines:
		addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
		if !ok || !strings.HasPrefix(addr, "http://127.0.0.1:") {
			t.Fatalf("first stdout line %q, want \"listening on http://127.0.0.1:PORT\"; stderr:\n%s", line, stderr)
		}
		return addr
	case <-time.After(60 * time.Second):
		t.Fatalf("no listening line within 60 s; stderr:\n%s", stderr)
	}
	return ""
}

func uploadPhoto(t *testing.T, base, path string, photo []byte) *http.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "beeplushie.jpg")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(photo)
	mw.WriteField("description", "A plush bee")
	mw.WriteField("focus", "0.1,-0.2")
	mw.Close()
	req, err := http.NewRequest("POST", base+path, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// fetchAndDecode downloads an image and checks its size against meta.
func fetchAndDecode(t *testing.T, rawURL string, want *media.Geometry) {
	t.Helper()
	if want == nil {
		t.Fatalf("no meta for %s", rawURL)
	}
	resp, err := http.Get(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("GET %s: %d %q, want 200 image/jpeg", rawURL, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	img, _, err := image.Decode(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: the file does not decode: %v", rawURL, err)
	}
	if b := img.Bounds(); b.Dx() != want.Width || b.Dy() != want.Height {
		t.Errorf("GET %s: image is %dx%d, meta says %s", rawURL, b.Dx(), b.Dy(), want.Size)
	}
}

func TestServeEndToEnd(t *testing.T) {
	bin := buildCommand(t)
	dataDir := t.TempDir()
	cmd := exec.Command(bin, "serve", "-addr", "127.0.0.1:0", "-data", dataDir)
	cmd.Env = append(os.Environ(), "MEDIA_TOKEN="+testToken)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	})
	base := readListenLine(t, stdout, stderr)

	photo, err := os.ReadFile("../../testdata/gotosocial/beeplushie.jpg")
	if err != nil {
		t.Fatal(err)
	}
	resp := uploadPhoto(t, base, "/api/v2/media", photo)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("upload: status %d, want 200: %s\nstderr:\n%s", resp.StatusCode, body, stderr)
	}
	var a media.Attachment
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("upload response is not an Attachment: %v\n%s", err, body)
	}
	if a.Type != media.TypeImage || a.Description != "A plush bee" {
		t.Errorf("type %q description %q, want image and the description sent", a.Type, a.Description)
	}
	if !strings.HasPrefix(a.URL, base+"/media_attachments/files/") {
		t.Errorf("url %q is not under %s/media_attachments/files/", a.URL, base)
	}
	fetchAndDecode(t, a.URL, a.Meta.Original)
	fetchAndDecode(t, a.PreviewURL, a.Meta.Small)

	update, _ := http.NewRequest("PUT", base+"/api/v1/media/"+a.ID, strings.NewReader(`{"description":"Renamed"}`))
	update.Header.Set("Content-Type", "application/json")
	update.Header.Set("Authorization", "Bearer "+testToken)
	resp, err = http.DefaultClient.Do(update)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"description":"Renamed"`) {
		t.Errorf("PUT: %d %s, want 200 with the new description", resp.StatusCode, body)
	}

	del, _ := http.NewRequest("DELETE", base+"/api/v1/media/"+a.ID, nil)
	del.Header.Set("Authorization", "Bearer "+testToken)
	resp, err = http.DefaultClient.Do(del)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "{}" {
		t.Errorf("DELETE: %d %s, want 200 {}", resp.StatusCode, body)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("after SIGTERM the command exited with %v, want status 0; stderr:\n%s", err, stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the command did not exit within 30 s of SIGTERM; stderr:\n%s", stderr)
	}
	logs := stderr.String()
	for _, want := range []string{"media serve started", `msg="media request" method=POST path=/api/v2/media status=200`, "media serve stopped"} {
		if !strings.Contains(logs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, testToken) {
		t.Errorf("stderr contains the token:\n%s", logs)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "media.db")); err != nil {
		t.Errorf("no database in the data folder: %v", err)
	}
}

func TestServeNoToken(t *testing.T) {
	t.Setenv("MEDIA_TOKEN", "")
	var stdout, stderr bytes.Buffer
	code := run([]string{"serve", "-addr", "127.0.0.1:0", "-data", t.TempDir()}, &stdout, &stderr)
	if code != 2 {
		t.Errorf("exit status %d, want 2", code)
	}
	want := "media serve: no access token: set the MEDIA_TOKEN environment variable or pass -token\n"
	if stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout %q, want nothing: the server must not start", stdout.String())
	}
}

func TestServeBaseURLPath(t *testing.T) {
	// With a base URL that has a path, files are served under that path.
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	cfg := serveConfig{addr: "127.0.0.1:0", dataDir: t.TempDir(), baseURL: "http://files.example/system/", token: testToken}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() { done <- serve(ctx, cfg, pw, logger) }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	addr := strings.TrimPrefix(strings.TrimSpace(line), "listening on ")

	photo, err := os.ReadFile("../../testdata/mastodon/attachment.jpg")
	if err != nil {
		t.Fatal(err)
	}
	resp := uploadPhoto(t, addr, "/api/v1/media", photo)
	var a media.Attachment
	err = json.NewDecoder(resp.Body).Decode(&a)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("upload: %d %v", resp.StatusCode, err)
	}
	if !strings.HasPrefix(a.URL, "http://files.example/system/media_attachments/files/") {
		t.Errorf("url %q, want it under the base URL", a.URL)
	}
	u, _ := url.Parse(a.URL)
	fetchAndDecode(t, addr+u.Path, a.Meta.Original)

	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve returned %v after its context ended, want nil", err)
	}
	pw.Close()
}

func TestServeRejectsAPIBaseURL(t *testing.T) {
	cfg := serveConfig{addr: "127.0.0.1:0", dataDir: t.TempDir(), baseURL: "http://files.example/api/files", token: testToken}
	err := serve(context.Background(), cfg, io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), "must not be under /api/") {
		t.Errorf("serve with a base URL under /api/: %v, want an error about /api/", err)
	}
}

func TestDefaultBaseURL(t *testing.T) {
	tests := []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, "http://127.0.0.1:8080"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 8080}, "http://127.0.0.1:8080"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 8080}, "http://[::1]:8080"},
		{&net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 80}, "http://192.0.2.7:80"},
	}
	for _, tt := range tests {
		if got := defaultBaseURL(tt.addr); got != tt.want {
			t.Errorf("defaultBaseURL(%v) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}
