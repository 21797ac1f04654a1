package localstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/fedimedia/media"
	"github.com/fedimedia/media/mastoapi"
)

func openTestRecords(t *testing.T, path string) *RecordStore {
	t.Helper()
	s, err := OpenRecordStore(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func sampleRecord(id string) *mastoapi.Record {
	created := time.Date(2026, 12, 4, 16, 55, 4, 123456000, time.UTC)
	return &mastoapi.Record{
		Attachment: media.Attachment{
			ID:         id,
			Type:       media.TypeImage,
			URL:        "http://127.0.0.1:8080/" + sampleKey,
			PreviewURL: "http://127.0.0.1:8080/media_attachments/files/small/x.jpeg",
			Meta: media.Meta{
				Focus:    &media.Focus{X: -0.69, Y: 0.42},
				Original: media.NewGeometry(600, 400),
				Small:    media.NewGeometry(588, 392),
			},
			Description: "test uploaded via api",
			Blurhash:    "UDK-USyZ.9xs?KKQocn#0;-;%1nNRk-.IVIU",
		},
		AccountID: "1",
		Original:  mastoapi.StoredFile{Key: sampleKey, ContentType: "image/jpeg"},
		Small:     mastoapi.StoredFile{Key: "media_attachments/files/small/x.jpeg", ContentType: "image/jpeg"},
		CreatedAt: created,
		UpdatedAt: created.Add(time.Minute),
	}
}

func TestRecordRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "media.db")
	s := openTestRecords(t, path)
	ctx := context.Background()
	rec := sampleRecord("117729086973345395")
	if err := s.Create(ctx, rec); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, rec.ID())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, rec) {
		t.Errorf("Get returned\n%+v\nwant\n%+v", got, rec)
	}

	rec.StatusID = "9001"
	rec.Attachment.Description = ""
	rec.Attachment.Meta.Focus = nil
	if err := s.Update(ctx, rec); err != nil {
		t.Fatal(err)
	}
	got, err = s.Get(ctx, rec.ID())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, rec) {
		t.Errorf("after Update, Get returned\n%+v\nwant\n%+v", got, rec)
	}

	// A reopened database has the same record.
	s.Close()
	s2 := openTestRecords(t, path)
	got, err = s2.Get(ctx, rec.ID())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, rec) {
		t.Errorf("after reopening, Get returned\n%+v\nwant\n%+v", got, rec)
	}

	if err := s2.Delete(ctx, rec.ID()); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Get(ctx, rec.ID()); !errors.Is(err, mastoapi.ErrNotFound) {
		t.Errorf("Get after Delete: %v, want ErrNotFound", err)
	}
}

func TestRecordUnknownType(t *testing.T) {
	s := openTestRecords(t, filepath.Join(t.TempDir(), "media.db"))
	ctx := context.Background()
	rec := &mastoapi.Record{
		Attachment: media.Attachment{ID: "5", Type: media.TypeUnknown},
		AccountID:  "1",
	}
	if err := s.Create(ctx, rec); err != nil {
		t.Fatal(err)
	}
	var originalKey, statusID any
	err := s.db.QueryRow(`SELECT original_key, status_id FROM media_attachments WHERE id = '5'`).Scan(&originalKey, &statusID)
	if err != nil {
		t.Fatal(err)
	}
	if originalKey != nil || statusID != nil {
		t.Errorf("original_key %v status_id %v, want NULL for empty values", originalKey, statusID)
	}
	got, err := s.Get(ctx, "5")
	if err != nil {
		t.Fatal(err)
	}
	if got.Original.Key != "" || got.StatusID != "" || got.Attachment.Type != media.TypeUnknown {
		t.Errorf("Get returned %+v, want empty keys and status and type unknown", got)
	}
}

func TestRecordMissing(t *testing.T) {
	s := openTestRecords(t, filepath.Join(t.TempDir(), "media.db"))
	ctx := context.Background()
	if _, err := s.Get(ctx, "42"); !errors.Is(err, mastoapi.ErrNotFound) {
		t.Errorf("Get: %v, want ErrNotFound", err)
	}
	if err := s.Update(ctx, sampleRecord("42")); !errors.Is(err, mastoapi.ErrNotFound) {
		t.Errorf("Update: %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, "42"); !errors.Is(err, mastoapi.ErrNotFound) {
		t.Errorf("Delete: %v, want ErrNotFound", err)
	}
}

func TestRecordCreateRejects(t *testing.T) {
	s := openTestRecords(t, filepath.Join(t.TempDir(), "media.db"))
	ctx := context.Background()
	if err := s.Create(ctx, sampleRecord("7")); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, sampleRecord("7")); err == nil {
		t.Error("a second Create with the same id succeeded")
	}
	if err := s.Create(ctx, sampleRecord("")); err == nil {
		t.Error("Create without an id succeeded")
	}
}

func TestOpenRecordStoreRejects(t *testing.T) {
	for _, path := range []string{"", filepath.Join(t.TempDir(), "a?b.db")} {
		if s, err := OpenRecordStore(path); err == nil {
			s.Close()
			t.Errorf("OpenRecordStore(%q) succeeded, want an error", path)
		}
	}
	if _, err := OpenRecordStore(filepath.Join(t.TempDir(), "missing", "media.db")); err == nil {
		t.Error("OpenRecordStore in a missing folder succeeded, want an error")
	}
}

func TestRecordPragmas(t *testing.T) {
	s := openTestRecords(t, filepath.Join(t.TempDir(), "media.db"))
	var mode string
	var timeout int
	if err := s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if err := s.db.QueryRow(`PRAGMA busy_timeout`).Scan(&timeout); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" || timeout != busyTimeoutMS {
		t.Errorf("journal_mode %q busy_timeout %d, want wal and %d", mode, timeout, busyTimeoutMS)
	}
}

func TestRecordConcurrent(t *testing.T) {
	// Two stores on one file, as two processes would have, write at once;
	// busy_timeout makes writers wait instead of failing.
	path := filepath.Join(t.TempDir(), "media.db")
	stores := []*RecordStore{openTestRecords(t, path), openTestRecords(t, path)}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[w%2]
			for i := range 20 {
				id := fmt.Sprintf("%d%03d", w+1, i)
				rec := sampleRecord(id)
				if err := s.Create(ctx, rec); err != nil {
					errs <- err
					continue
				}
				rec.Attachment.Description = "updated"
				if err := s.Update(ctx, rec); err != nil {
					errs <- err
				}
				if _, err := s.Get(ctx, id); err != nil {
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
	var count int
	if err := stores[0].db.QueryRow(`SELECT count(*) FROM media_attachments WHERE attachment LIKE '%"updated"%'`).Scan(&count); err != nil {
		t.Fatal(err)
	}
	if count != 160 {
		t.Errorf("%d updated rows, want 160", count)
	}
}

func TestTokenAuthenticator(t *testing.T) {
	a, err := NewTokenAuthenticator("s3cret", "1")
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Authenticate(context.Background(), "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if p.AccountID != "1" || !reflect.DeepEqual(p.Scopes, []string{"read", "write"}) {
		t.Errorf("principal %+v, want account 1 with read and write", p)
	}
	for _, token := range []string{"s3cre", "s3cret ", "S3CRET", "x"} {
		if _, err := a.Authenticate(context.Background(), token); !errors.Is(err, mastoapi.ErrInvalidToken) {
			t.Errorf("token %q: %v, want ErrInvalidToken", token, err)
		}
	}
	if _, err := NewTokenAuthenticator("", "1"); err == nil {
		t.Error("an empty token was accepted")
	}
	if _, err := NewTokenAuthenticator("t", ""); err == nil {
		t.Error("an empty account id was accepted")
	}
}

func BenchmarkRecordCreate(b *testing.B) {
	s, err := OpenRecordStore(filepath.Join(b.TempDir(), "media.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if err := s.Create(ctx, sampleRecord(fmt.Sprint(i))); err != nil {
			b.Fatal(err)
		}
	}
}
