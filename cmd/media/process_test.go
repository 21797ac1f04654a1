package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProcessWritesFilesAndJSON(t *testing.T) {
	out := t.TempDir()
	bad := filepath.Join(t.TempDir(), "truncated.jpg")
	jpegData, err := os.ReadFile("../../testdata/mastodon/600x400.jpeg")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, jpegData[:3000], 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"process", "-out", out,
		"../../testdata/mastodon/600x400.jpeg", "../../testdata/mastodon/attachment.gif",
		bad, "../../testdata/mastodon/600x400.heic", "no-such-file.png"}, &stdout, &stderr)
	if code != 1 {
		t.Errorf("exit status %d, want 1 because three files failed", code)
	}

	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("stdout has %d lines, want 3 (two images and the unknown one):\n%s", len(lines), stdout.String())
	}
	wantTypes := []string{"image", "image", "unknown"}
	for i, line := range lines {
		var a struct {
			Type string `json:"type"`
			Meta struct {
				Small *struct{ Size string } `json:"small"`
			} `json:"meta"`
		}
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i+1, err, line)
		}
		if a.Type != wantTypes[i] {
			t.Errorf("line %d type %q, want %q", i+1, a.Type, wantTypes[i])
		}
	}

	for _, path := range []string{
		"600x400.jpeg/original.jpeg", "600x400.jpeg/small.jpeg",
		"attachment.gif/original.gif", "attachment.gif/small.png",
	} {
		if info, err := os.Stat(filepath.Join(out, path)); err != nil || info.Size() == 0 {
			t.Errorf("%s: %v, want a non-empty file", path, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "truncated.jpg")); !os.IsNotExist(err) {
		t.Errorf("a folder was written for the undecodable file (stat error %v)", err)
	}
	for _, name := range []string{bad, "600x400.heic", "no-such-file.png"} {
		if !strings.Contains(stderr.String(), name+": ") {
			t.Errorf("stderr does not name %s:\n%s", name, stderr.String())
		}
	}
}

func TestProcessEmbeddedSample(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"process", "-out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"small":{"width":555,"height":415,"size":"555x415"`) {
		t.Errorf("sample JSON lacks the 555x415 small variant:\n%s", stdout.String())
	}
	if _, err := os.Stat(filepath.Join(out, "sample.jpg", "small.jpeg")); err != nil {
		t.Error(err)
	}
}

func TestProcessRejectsDuplicateNames(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "600x400.png")
	data, err := os.ReadFile("../../testdata/mastodon/monochrome.png")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"process", "-out", t.TempDir(), "../../testdata/mastodon/600x400.png", other}, &stdout, &stderr)
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), other+": skipped") {
		t.Errorf("stderr does not report the second file as skipped:\n%s", stderr.String())
	}
}

func TestProcessFlags(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"process", "-h"}, &stdout, &stderr); code != 0 {
		t.Errorf("process -h: exit status %d, want 0", code)
	}
	stderr.Reset()
	if code := run([]string{"process", "-small-pixels", "-5"}, &stdout, &stderr); code != 2 {
		t.Errorf("-small-pixels -5: exit status %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "-small-pixels is -5") {
		t.Errorf("stderr does not name the flag: %s", stderr.String())
	}
}
