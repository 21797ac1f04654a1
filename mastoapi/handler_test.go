package mastoapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/fedimedia/media"
	"github.com/fedimedia/media/localstore"
	"github.com/fedimedia/media/mastoapi"
)

// fileKeyPattern is Mastodon's storage layout for a snowflake id: six
// three-digit partition levels, the style, 16 hex characters and the
// extension.
var fileKeyPattern = regexp.MustCompile(`^media_attachments/files/(\d{3})/(\d{3})/(\d{3})/(\d{3})/(\d{3})/(\d{3})/(original|small)/([0-9a-f]{16})\.(jpeg|png|webp|gif)$`)

func TestCreateImages(t *testing.T) {
	e := newEnv(t, media.Options{})
	cases := []struct {
		fixture      string
		endpoint     string
		originalType string
		smallType    string
		original     [2]int
	}{
		{"mastodon/attachment.jpg", "/api/v1/media", "image/jpeg", "image/jpeg", [2]int{600, 400}},
		{"mastodon/600x400.png", "/api/v2/media", "image/png", "image/png", [2]int{600, 400}},
		{"mastodon/600x400.webp", "/api/v1/media", "image/webp", "image/png", [2]int{600, 400}},
		{"mastodon/attachment.gif", "/api/v2/media", "image/gif", "image/png", [2]int{600, 400}},
		{"gotosocial/test-png-alphachannel.png", "/api/v1/media", "image/png", "image/png", [2]int{0, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.fixture, func(t *testing.T) {
			r := e.sendMultipart("POST", tc.endpoint, aliceToken,
				fileField("upload.bin", readFixture(t, tc.fixture)),
				textField("description", "A photo, described"),
				textField("focus", "0.25,-0.5"))
			if r.status != http.StatusOK {
				t.Fatalf("status %d, want 200: %s", r.status, r.body)
			}
			a := r.attachment
			if a.Type != media.TypeImage {
				t.Errorf("type %q, want image", a.Type)
			}
			if a.Description != "A photo, described" {
				t.Errorf("description %q, want the one sent", a.Description)
			}
			if a.Meta.Focus == nil || *a.Meta.Focus != (media.Focus{X: 0.25, Y: -0.5}) {
				t.Errorf("focus %+v, want {0.25 -0.5}", a.Meta.Focus)
			}
			if a.Blurhash == "" {
				t.Error("blurhash is empty")
			}
			if a.Meta.Original == nil || a.Meta.Small == nil {
				t.Fatalf("meta %+v lacks original or small", a.Meta)
			}
			if tc.original[0] != 0 && (a.Meta.Original.Width != tc.original[0] || a.Meta.Original.Height != tc.original[1]) {
				t.Errorf("meta.original %s, want %dx%d", a.Meta.Original.Size, tc.original[0], tc.original[1])
			}
			checkKeys(t, e, a)

			original, _ := e.fetchImage(a.URL, tc.originalType)
			small, _ := e.fetchImage(a.PreviewURL, tc.smallType)
			if b := original.Bounds(); b.Dx() != a.Meta.Original.Width || b.Dy() != a.Meta.Original.Height {
				t.Errorf("stored original is %dx%d, meta.original says %s", b.Dx(), b.Dy(), a.Meta.Original.Size)
			}
			if b := small.Bounds(); b.Dx() != a.Meta.Small.Width || b.Dy() != a.Meta.Small.Height {
				t.Errorf("stored small is %dx%d, meta.small says %s", b.Dx(), b.Dy(), a.Meta.Small.Size)
			}
			sw, sh := media.FitPixels(a.Meta.Original.Width, a.Meta.Original.Height, media.DefaultSmallPixels)
			if a.Meta.Small.Width != sw || a.Meta.Small.Height != sh {
				t.Errorf("meta.small %s, want %dx%d, the original fitted to %d px", a.Meta.Small.Size, sw, sh, media.DefaultSmallPixels)
			}

			row, ok := e.dbRows()[a.ID]
			if !ok {
				t.Fatalf("no database row for id %s", a.ID)
			}
			if row.accountID != "1" || row.statusID.Valid {
				t.Errorf("row account %q status %v, want account 1 and NULL status", row.accountID, row.statusID)
			}
			if row.originalKey.String != e.keyOf(a.URL) || row.smallKey.String != e.keyOf(a.PreviewURL) {
				t.Errorf("row keys %q %q, want the keys of url and preview_url", row.originalKey.String, row.smallKey.String)
			}
			if row.originalType.String != tc.originalType || row.smallType.String != tc.smallType {
				t.Errorf("row content types %q %q, want %q %q", row.originalType.String, row.smallType.String, tc.originalType, tc.smallType)
			}

			got := e.send("GET", "/api/v1/media/"+a.ID, aliceToken, "", nil)
			if got.status != http.StatusOK || !bytes.Equal(got.body, r.body) {
				t.Errorf("GET: status %d body\n%s\nwant 200 and the body of the create response\n%s", got.status, got.body, r.body)
			}
		})
	}
}

// checkKeys checks that url and preview_url are the base URL joined with
// keys in Mastodon's layout, for the attachment's id, sharing one file name.
func checkKeys(t *testing.T, e *env, a media.Attachment) {
	t.Helper()
	partition, err := media.IDPartition(a.ID)
	if err != nil {
		t.Fatalf("id %q: %v", a.ID, err)
	}
	original := fileKeyPattern.FindStringSubmatch(e.keyOf(a.URL))
	small := fileKeyPattern.FindStringSubmatch(e.keyOf(a.PreviewURL))
	if original == nil || small == nil {
		t.Fatalf("url %q or preview_url %q is not <base>/media_attachments/files/<partition>/<style>/<16 hex>.<ext>", a.URL, a.PreviewURL)
	}
	if got := strings.Join(original[1:7], "/"); got != partition {
		t.Errorf("url partition %s, want %s for id %s", got, partition, a.ID)
	}
	if original[7] != "original" || small[7] != "small" {
		t.Errorf("styles %q and %q, want original and small", original[7], small[7])
	}
	if original[8] != small[8] {
		t.Errorf("file names %q and %q differ; Mastodon gives both variants one name", original[8], small[8])
	}
}

func TestCreateFieldsBeforeFile(t *testing.T) {
	e := newEnv(t, media.Options{})
	r := e.sendMultipart("POST", "/api/v1/media", aliceToken,
		textField("description", "sent first"),
		textField("focus", "-1,1"),
		fileField("attachment.jpg", readFixture(t, "mastodon/attachment.jpg")))
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", r.status, r.body)
	}
	if r.attachment.Description != "sent first" {
		t.Errorf("description %q, want %q", r.attachment.Description, "sent first")
	}
	if f := r.attachment.Meta.Focus; f == nil || *f != (media.Focus{X: -1, Y: 1}) {
		t.Errorf("focus %+v, want {-1 1}", f)
	}
}

func TestCreateJSONShape(t *testing.T) {
	e := newEnv(t, media.Options{})
	r := e.sendMultipart("POST", "/api/v1/media", aliceToken,
		fileField("attachment.jpg", readFixture(t, "mastodon/attachment.jpg")))
	keys := []string{"id", "type", "url", "preview_url", "remote_url", "preview_remote_url", "text_url", "meta", "description", "blurhash"}
	for _, k := range keys {
		if _, ok := r.jsonObject[k]; !ok {
			t.Errorf("key %q is missing from %s", k, r.body)
		}
	}
	for _, k := range []string{"remote_url", "preview_remote_url", "text_url", "description"} {
		if r.jsonObject[k] != nil {
			t.Errorf("%s is %v, want null for a local upload without description", k, r.jsonObject[k])
		}
	}
	if _, ok := r.jsonObject["id"].(string); !ok {
		t.Errorf("id is %T, want a JSON string", r.jsonObject["id"])
	}
	if got := r.header.Get("Cache-Control"); got != "private, no-store" {
		t.Errorf("Cache-Control %q, want private, no-store", got)
	}
}

// truncatedJPEG is the first 4 KiB of a real JPEG: it sniffs as JPEG and
// fails to decode, so it becomes type "unknown".
func truncatedJPEG(t *testing.T) []byte {
	return readFixture(t, "mastodon/attachment.jpg")[:4096]
}

func TestCreateUndecodable(t *testing.T) {
	e := newEnv(t, media.Options{})
	r := e.sendMultipart("POST", "/api/v1/media", aliceToken,
		fileField("broken.jpg", truncatedJPEG(t)),
		textField("description", "broken"),
		textField("focus", "0.5,0.5"))
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200 with type unknown: %s", r.status, r.body)
	}
	a := r.attachment
	if a.Type != media.TypeUnknown {
		t.Errorf("type %q, want unknown", a.Type)
	}
	if want := e.srv.URL + "/files/original/missing.png"; a.URL != want {
		t.Errorf("url %q, want the placeholder %q", a.URL, want)
	}
	if want := e.srv.URL + "/files/small/missing.png"; a.PreviewURL != want {
		t.Errorf("preview_url %q, want the placeholder %q", a.PreviewURL, want)
	}
	if r.jsonObject["blurhash"] != nil {
		t.Errorf("blurhash %v, want null", r.jsonObject["blurhash"])
	}
	if a.Meta.Focus == nil || a.Meta.Original != nil || a.Meta.Small != nil {
		t.Errorf("meta %+v, want the focus only", a.Meta)
	}
	if files := e.blobFiles(); len(files) != 0 {
		t.Errorf("blob store has %v, want nothing stored for type unknown", files)
	}
	row, ok := e.dbRows()[a.ID]
	if !ok {
		t.Fatalf("no database row for %s; the record must be saved", a.ID)
	}
	if row.originalKey.Valid || row.smallKey.Valid {
		t.Errorf("row keys %v %v, want NULL", row.originalKey, row.smallKey)
	}
	if !strings.Contains(e.logs.String(), `"decode_error"`) {
		t.Errorf("log has no decode_error for the undecodable upload:\n%s", e.logs.String())
	}

	got := e.send("GET", "/api/v1/media/"+a.ID, aliceToken, "", nil)
	if got.status != http.StatusOK || got.attachment.Type != media.TypeUnknown {
		t.Errorf("GET: status %d type %q, want 200 unknown", got.status, got.attachment.Type)
	}
	put := e.sendJSON("PUT", "/api/v1/media/"+a.ID, aliceToken, map[string]string{"description": "still broken"})
	if put.status != http.StatusOK || put.attachment.Description != "still broken" {
		t.Errorf("PUT: status %d description %q, want 200 and the new description", put.status, put.attachment.Description)
	}
	del := e.send("DELETE", "/api/v1/media/"+a.ID, aliceToken, "", nil)
	if del.status != http.StatusOK {
		t.Errorf("DELETE: status %d, want 200: %s", del.status, del.body)
	}
}

func TestCreateErrors(t *testing.T) {
	jpeg := readFixture(t, "mastodon/attachment.jpg")
	longDescription := strings.Repeat("é", media.DefaultMaxDescription+1)
	cases := []struct {
		name   string
		opts   media.Options
		token  string
		parts  []part
		status int
		text   string
	}{
		{"no token", media.Options{}, "", []part{fileField("a.jpg", jpeg)}, 401, "The access token is invalid"},
		{"unknown token", media.Options{}, "not-a-token", []part{fileField("a.jpg", jpeg)}, 401, "The access token is invalid"},
		{"read scope", media.Options{}, readerToken, []part{fileField("a.jpg", jpeg)}, 403, "This action is outside the authorized scopes"},
		{"app token", media.Options{}, appToken, []part{fileField("a.jpg", jpeg)}, 422, "This method requires an authenticated user"},
		{"no file", media.Options{}, aliceToken, []part{textField("description", "alone")}, 422, "Validation failed: File can't be blank"},
		{"text file", media.Options{}, aliceToken, []part{fileField("test-corrupted.jpg", readFixture(t, "gotosocial/test-corrupted.jpg"))},
			422, "Validation failed: File content type is invalid, File is invalid"},
		{"empty file", media.Options{}, aliceToken, []part{fileField("empty.jpg", nil)},
			422, "Validation failed: File content type is invalid, File is invalid"},
		{"image over 16 MB", media.Options{}, aliceToken,
			[]part{{name: "file", fileName: "huge.png", body: io.MultiReader(bytes.NewReader(readFixture(t, "mastodon/600x400.png")), &zeroReader{n: 16 << 20})}},
			422, "Validation failed: File must be less than 16 MB"},
		{"video over limit", media.Options{MaxVideoBytes: 2 << 20}, aliceToken,
			[]part{{name: "file", fileName: "huge.webm", body: io.MultiReader(bytes.NewReader(readFixture(t, "mastodon/attachment.webm")), &zeroReader{n: 2 << 20})}},
			422, "Validation failed: File must be less than 2 MB"},
		{"pixels", media.Options{MaxImagePixels: 16_000_000}, aliceToken, []part{fileField("4096x4097.png", readFixture(t, "mastodon/4096x4097.png"))},
			422, "4096x4097 images are not supported"},
		{"GIF pixels", media.Options{MaxGIFPixels: 200_000}, aliceToken, []part{fileField("attachment.gif", readFixture(t, "mastodon/attachment.gif"))},
			422, "600x400 GIF files are not supported"},
		{"HEIC", media.Options{}, aliceToken, []part{fileField("600x400.heic", readFixture(t, "mastodon/600x400.heic"))},
			422, "Validation failed: File image/heic cannot be processed: no HEIC decoder is installed"},
		{"AVIF", media.Options{}, aliceToken, []part{fileField("600x400.avif", readFixture(t, "mastodon/600x400.avif"))},
			422, "Validation failed: File image/avif cannot be processed: no AVIF decoder is installed"},
		{"video", media.Options{}, aliceToken, []part{fileField("attachment.webm", readFixture(t, "mastodon/attachment.webm"))},
			422, "Validation failed: File video/webm cannot be processed: no video processing backend is installed"},
		{"audio", media.Options{}, aliceToken, []part{fileField("boop.ogg", readFixture(t, "mastodon/boop.ogg"))},
			422, "Validation failed: File audio/ogg cannot be processed: no audio processing backend is installed"},
		{"description after file", media.Options{}, aliceToken, []part{fileField("a.jpg", jpeg), textField("description", longDescription)},
			422, "Validation failed: Description is too long (maximum is 10000 characters)"},
		{"description before file", media.Options{}, aliceToken, []part{textField("description", longDescription), fileField("a.jpg", jpeg)},
			422, "Validation failed: Description is too long (maximum is 10000 characters)"},
		{"description configured max", media.Options{MaxDescription: 1500}, aliceToken, []part{fileField("a.jpg", jpeg), textField("description", strings.Repeat("x", 1501))},
			422, "Validation failed: Description is too long (maximum is 1500 characters)"},
		{"description over field cap", media.Options{}, aliceToken, []part{fileField("a.jpg", jpeg), textField("description", strings.Repeat("x", 200_000))},
			422, "Validation failed: Description is too long (maximum is 10000 characters)"},
		{"focus out of range", media.Options{}, aliceToken, []part{fileField("a.jpg", jpeg), textField("focus", "2,0")},
			422, `Validation failed: Focus must be two numbers from -1.0 to 1.0 separated by a comma, got "2,0"`},
		{"focus one number", media.Options{}, aliceToken, []part{textField("focus", "0.5"), fileField("a.jpg", jpeg)},
			422, `Validation failed: Focus must be two numbers from -1.0 to 1.0 separated by a comma, got "0.5"`},
		{"thumbnail file", media.Options{}, aliceToken, []part{fileField("a.jpg", jpeg), {name: "thumbnail", fileName: "t.jpg", data: jpeg}},
			422, "Validation failed: Thumbnail must be blank"},
		{"thumbnail first", media.Options{}, aliceToken, []part{{name: "thumbnail", fileName: "t.jpg", data: jpeg}, fileField("a.jpg", jpeg)},
			422, "Validation failed: Thumbnail must be blank"},
		{"two files", media.Options{}, aliceToken, []part{fileField("a.jpg", jpeg), fileField("b.jpg", jpeg)},
			422, "Validation failed: File must be sent only once"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts)
			r := e.sendMultipart("POST", "/api/v1/media", tc.token, tc.parts...)
			if r.status != tc.status || r.errorText != tc.text {
				t.Errorf("got %d %q\nwant %d %q", r.status, r.errorText, tc.status, tc.text)
			}
			if files := e.blobFiles(); len(files) != 0 {
				t.Errorf("a failed upload left files behind: %v", files)
			}
			if rows := e.dbRows(); len(rows) != 0 {
				t.Errorf("a failed upload left %d records behind", len(rows))
			}
		})
	}
}

func TestCreateNotMultipart(t *testing.T) {
	e := newEnv(t, media.Options{})
	cases := []struct {
		name        string
		contentType string
		body        string
		status      int
		text        string
	}{
		{"form without file", "application/x-www-form-urlencoded", "description=x", 422, "Validation failed: File can't be blank"},
		{"form file string", "application/x-www-form-urlencoded", "file=abc", 422, "Validation failed: File must be sent as a part of a multipart/form-data body"},
		{"JSON without file", "application/json", `{"description":"x"}`, 422, "Validation failed: File can't be blank"},
		{"JSON thumbnail", "application/json", `{"thumbnail":"abc"}`, 422, "Validation failed: Thumbnail must be blank"},
		{"JSON not an object", "application/json", `[1]`, 400, ""},
		{"text body", "text/plain", "hello", 415, "Content-Type text/plain is not supported: send multipart/form-data, application/x-www-form-urlencoded or application/json"},
		{"multipart without boundary", "multipart/form-data", "x", 400, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.send("POST", "/api/v1/media", aliceToken, tc.contentType, strings.NewReader(tc.body))
			if r.status != tc.status {
				t.Errorf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.text != "" && r.errorText != tc.text {
				t.Errorf("error %q, want %q", r.errorText, tc.text)
			}
			if r.errorText == "" {
				t.Errorf("no error text in %s", r.body)
			}
		})
	}
}

func TestCreateBodyCap(t *testing.T) {
	// With 64 KiB limits the body cap is about 1.3 MiB; an ignored field of
	// 2 MiB crosses it.
	e := newEnv(t, media.Options{MaxImageBytes: 64 << 10, MaxVideoBytes: 64 << 10})
	r := e.sendMultipart("POST", "/api/v1/media", aliceToken,
		part{name: "padding", body: &zeroReader{n: 2 << 20}},
		fileField("attachment.jpg", readFixture(t, "mastodon/attachment.jpg")))
	if r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413: %s", r.status, r.body)
	}
	if !strings.HasPrefix(r.errorText, "Request body is too large: the limit is ") {
		t.Errorf("error %q, want the body limit message", r.errorText)
	}
}

func TestCreateStoreFailures(t *testing.T) {
	e := newEnv(t, media.Options{})
	jpeg := readFixture(t, "mastodon/attachment.jpg")

	e.blobs.failNext(2)
	r := e.sendMultipart("POST", "/api/v1/media", aliceToken, fileField("a.jpg", jpeg))
	if r.status != 500 || r.errorText != "Error processing thumbnail for uploaded media" {
		t.Errorf("small Put fails: got %d %q, want 500 and the processing error", r.status, r.errorText)
	}
	if files := e.blobFiles(); len(files) != 0 {
		t.Errorf("small Put fails: the original was left behind: %v", files)
	}
	if !strings.Contains(e.logs.String(), "injected failure storing") {
		t.Errorf("the cause of the 500 is not logged:\n%s", e.logs.String())
	}
	e.blobs.failNext()

	e.records.failCreate = true
	r = e.sendMultipart("POST", "/api/v1/media", aliceToken, fileField("a.jpg", jpeg))
	e.records.failCreate = false
	if r.status != 500 {
		t.Errorf("record Create fails: status %d, want 500", r.status)
	}
	if files := e.blobFiles(); len(files) != 0 {
		t.Errorf("record Create fails: files left behind: %v", files)
	}
	if rows := e.dbRows(); len(rows) != 0 {
		t.Errorf("record Create fails: %d rows, want 0", len(rows))
	}
}

func TestAuthFailures(t *testing.T) {
	e := newEnv(t, media.Options{})
	cases := []struct {
		name, header string
		status       int
		text         string
	}{
		{"basic scheme", "Basic YWxpY2U6eA==", 401, "The access token is invalid"},
		{"bearer without token", "Bearer ", 401, "The access token is invalid"},
		{"lower-case scheme", "bearer " + readerToken, 403, "This action is outside the authorized scopes"},
		{"backend error", "Bearer " + brokenToken, 500, "Error processing thumbnail for uploaded media"},
		{"backend panic", "Bearer " + panicToken, 500, "Error processing thumbnail for uploaded media"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/media/1", nil)
			req.Header.Set("Authorization", tc.header)
			resp, err := e.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || !strings.Contains(string(body), `"error":"`+tc.text+`"`) {
				t.Errorf("got %d %s, want %d %q", resp.StatusCode, body, tc.status, tc.text)
			}
		})
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "token backend panicked") || !strings.Contains(logs, "token database is unreachable") {
		t.Errorf("the causes of the 500s are not logged:\n%s", logs)
	}
}

func TestGetVisibility(t *testing.T) {
	e := newEnv(t, media.Options{})
	own := e.upload("mastodon/attachment.jpg")
	attached := e.upload("mastodon/600x400.png")
	e.attach(attached.ID, "9001")
	cases := []struct {
		name, id, token string
		status          int
	}{
		{"own", own.ID, aliceToken, 200},
		{"own with write:media", own.ID, bobToken, 404},
		{"unknown id", "123456789", aliceToken, 404},
		{"not a number", "abc", aliceToken, 404},
		{"too long", strings.Repeat("9", 21), aliceToken, 404},
		{"attached", attached.ID, aliceToken, 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.send("GET", "/api/v1/media/"+tc.id, tc.token, "", nil)
			if r.status != tc.status {
				t.Errorf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status == 404 && r.errorText != "Record not found" {
				t.Errorf("error %q, want Record not found", r.errorText)
			}
		})
	}
}

func TestUpdateFieldsOnly(t *testing.T) {
	e := newEnv(t, media.Options{})
	a := e.upload("mastodon/attachment.jpg", textField("description", "old"), textField("focus", "0.1,0.2"))
	before := e.blobBytes()
	path := "/api/v1/media/" + a.ID
	cases := []struct {
		name      string
		send      func() response
		wantDesc  string
		wantFocus media.Focus
	}{
		{"JSON", func() response {
			return e.sendJSON("PUT", path, aliceToken, map[string]string{"description": "from JSON", "focus": "-0.42,0.69"})
		}, "from JSON", media.Focus{X: -0.42, Y: 0.69}},
		{"form", func() response {
			return e.sendForm("PUT", path, aliceToken, url.Values{"description": {"from a form"}})
		}, "from a form", media.Focus{X: -0.42, Y: 0.69}},
		{"multipart", func() response {
			return e.sendMultipart("PUT", path, aliceToken, textField("focus", "1,-1"))
		}, "from a form", media.Focus{X: 1, Y: -1}},
		{"blank focus kept", func() response {
			return e.sendJSON("PUT", path, aliceToken, map[string]string{"focus": ""})
		}, "from a form", media.Focus{X: 1, Y: -1}},
		{"query string", func() response {
			return e.send("PUT", path+"?description=from+the+query", aliceToken, "", nil)
		}, "from the query", media.Focus{X: 1, Y: -1}},
		{"JSON null clears description", func() response {
			return e.send("PUT", path, aliceToken, "application/json", strings.NewReader(`{"description":null}`))
		}, "", media.Focus{X: 1, Y: -1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.send()
			if r.status != http.StatusOK {
				t.Fatalf("status %d, want 200: %s", r.status, r.body)
			}
			if r.attachment.Description != tc.wantDesc {
				t.Errorf("description %q, want %q", r.attachment.Description, tc.wantDesc)
			}
			if f := r.attachment.Meta.Focus; f == nil || *f != tc.wantFocus {
				t.Errorf("focus %+v, want %+v", f, tc.wantFocus)
			}
			if r.attachment.URL != a.URL || r.attachment.PreviewURL != a.PreviewURL {
				t.Errorf("URLs changed to %q %q; a field-only update must keep the files", r.attachment.URL, r.attachment.PreviewURL)
			}
			if r.attachment.Blurhash != a.Blurhash || r.attachment.Meta.Original.Size != a.Meta.Original.Size {
				t.Errorf("blurhash or meta changed: %+v", r.attachment)
			}
			after := e.blobBytes()
			if len(after) != len(before) {
				t.Fatalf("stored files changed from %d to %d", len(before), len(after))
			}
			for key, data := range before {
				if !bytes.Equal(after[key], data) {
					t.Errorf("stored file %s changed", key)
				}
			}
			got := e.send("GET", path, aliceToken, "", nil)
			if !bytes.Equal(got.body, r.body) {
				t.Errorf("GET after PUT returned\n%s\nwant\n%s", got.body, r.body)
			}
		})
	}
}

func TestUpdateFile(t *testing.T) {
	e := newEnv(t, media.Options{})
	old := e.upload("mastodon/attachment.jpg", textField("description", "kept"), textField("focus", "0.5,0.5"))
	oldKeys := []string{e.keyOf(old.URL), e.keyOf(old.PreviewURL)}

	r := e.sendMultipart("PUT", "/api/v1/media/"+old.ID, aliceToken,
		fileField("600x400.png", readFixture(t, "mastodon/600x400.png")))
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", r.status, r.body)
	}
	a := r.attachment
	if a.ID != old.ID {
		t.Errorf("id %s, want the old id %s", a.ID, old.ID)
	}
	if a.Description != "kept" || a.Meta.Focus == nil || *a.Meta.Focus != (media.Focus{X: 0.5, Y: 0.5}) {
		t.Errorf("description %q focus %+v, want both kept from before", a.Description, a.Meta.Focus)
	}
	if a.URL == old.URL || a.Blurhash == old.Blurhash {
		t.Errorf("url or blurhash unchanged after a new file: %q %q", a.URL, a.Blurhash)
	}
	checkKeys(t, e, a)
	e.fetchImage(a.URL, "image/png")
	e.fetchImage(a.PreviewURL, "image/png")
	want := []string{e.keyOf(a.URL), e.keyOf(a.PreviewURL)}
	if got := e.blobFiles(); !sameSet(got, want) {
		t.Errorf("stored files %v, want only the new %v (old %v deleted)", got, want, oldKeys)
	}
	row := e.dbRows()[a.ID]
	if row.originalKey.String != want[0] || row.originalType.String != "image/png" {
		t.Errorf("row has %q %q, want the new key and image/png", row.originalKey.String, row.originalType.String)
	}
}

func TestUpdateFileWithFields(t *testing.T) {
	e := newEnv(t, media.Options{})
	old := e.upload("mastodon/attachment.jpg", textField("description", "old"))
	r := e.sendMultipart("PUT", "/api/v1/media/"+old.ID, aliceToken,
		fileField("attachment.gif", readFixture(t, "mastodon/attachment.gif")),
		textField("description", "new"),
		textField("focus", "0,-1"))
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", r.status, r.body)
	}
	if r.attachment.Description != "new" {
		t.Errorf("description %q, want new", r.attachment.Description)
	}
	if f := r.attachment.Meta.Focus; f == nil || *f != (media.Focus{X: 0, Y: -1}) {
		t.Errorf("focus %+v, want {0 -1}", f)
	}
}

func TestUpdateFailureKeepsOld(t *testing.T) {
	e := newEnv(t, media.Options{})
	old := e.upload("mastodon/attachment.jpg", textField("description", "old"))
	path := "/api/v1/media/" + old.ID
	before := e.blobBytes()
	beforeRow := e.dbRows()[old.ID]

	check := func(t *testing.T) {
		t.Helper()
		after := e.blobBytes()
		if len(after) != len(before) {
			t.Errorf("stored files %v, want the old ones only", e.blobFiles())
		}
		for key, data := range before {
			if !bytes.Equal(after[key], data) {
				t.Errorf("old file %s changed or vanished", key)
			}
		}
		if row := e.dbRows()[old.ID]; row != beforeRow {
			t.Errorf("record changed:\n%+v\nwant\n%+v", row, beforeRow)
		}
	}
	cases := []struct {
		name   string
		setup  func()
		send   func() response
		status int
		text   string
	}{
		{"text file", nil, func() response {
			return e.sendMultipart("PUT", path, aliceToken, fileField("x.jpg", readFixture(t, "gotosocial/test-corrupted.jpg")))
		}, 422, "Validation failed: File content type is invalid, File is invalid"},
		{"HEIC file", nil, func() response {
			return e.sendMultipart("PUT", path, aliceToken, fileField("x.heic", readFixture(t, "mastodon/600x400.heic")))
		}, 422, "Validation failed: File image/heic cannot be processed: no HEIC decoder is installed"},
		{"focus after file", nil, func() response {
			return e.sendMultipart("PUT", path, aliceToken, fileField("x.png", readFixture(t, "mastodon/600x400.png")), textField("focus", "x,y"))
		}, 422, `Validation failed: Focus must be two numbers from -1.0 to 1.0 separated by a comma, got "x,y"`},
		{"thumbnail", nil, func() response {
			return e.sendMultipart("PUT", path, aliceToken, part{name: "thumbnail", fileName: "t.png", data: readFixture(t, "mastodon/600x400.png")})
		}, 422, "Validation failed: Thumbnail must be blank"},
		{"JSON description too long", nil, func() response {
			return e.sendJSON("PUT", path, aliceToken, map[string]string{"description": strings.Repeat("a", 10_001)})
		}, 422, "Validation failed: Description is too long (maximum is 10000 characters)"},
		{"JSON focus not a string", nil, func() response {
			return e.send("PUT", path, aliceToken, "application/json", strings.NewReader(`{"focus":[0.5,0.5]}`))
		}, 400, `Invalid JSON body: "focus" must be a string or null`},
		{"form invalid focus", nil, func() response {
			return e.sendForm("PUT", path, aliceToken, url.Values{"focus": {"NaN,0"}})
		}, 422, `Validation failed: Focus must be two numbers from -1.0 to 1.0 separated by a comma, got "NaN,0"`},
		{"other account", nil, func() response {
			return e.sendJSON("PUT", path, bobToken, map[string]string{"description": "mine now"})
		}, 404, "Record not found"},
		{"small Put fails", func() { e.blobs.failNext(2) }, func() response {
			return e.sendMultipart("PUT", path, aliceToken, fileField("x.png", readFixture(t, "mastodon/600x400.png")))
		}, 500, "Error processing thumbnail for uploaded media"},
		{"record Update fails", func() { e.records.failUpdate = true }, func() response {
			return e.sendMultipart("PUT", path, aliceToken, fileField("x.png", readFixture(t, "mastodon/600x400.png")))
		}, 500, "Error processing thumbnail for uploaded media"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			r := tc.send()
			e.blobs.failNext()
			e.records.failUpdate = false
			if r.status != tc.status || r.errorText != tc.text {
				t.Errorf("got %d %q\nwant %d %q", r.status, r.errorText, tc.status, tc.text)
			}
			check(t)
		})
	}
}

func TestUpdateAttached(t *testing.T) {
	e := newEnv(t, media.Options{})
	a := e.upload("mastodon/attachment.jpg")
	e.attach(a.ID, "77")
	r := e.sendJSON("PUT", "/api/v1/media/"+a.ID, aliceToken, map[string]string{"description": "late"})
	if r.status != 404 || r.errorText != "Record not found" {
		t.Errorf("got %d %q, want 404 Record not found for attached media", r.status, r.errorText)
	}
}

func TestUpdateToUnknown(t *testing.T) {
	e := newEnv(t, media.Options{})
	old := e.upload("mastodon/attachment.jpg")
	r := e.sendMultipart("PUT", "/api/v1/media/"+old.ID, aliceToken, fileField("broken.jpg", truncatedJPEG(t)))
	if r.status != http.StatusOK || r.attachment.Type != media.TypeUnknown {
		t.Fatalf("got %d type %q, want 200 unknown: %s", r.status, r.attachment.Type, r.body)
	}
	if files := e.blobFiles(); len(files) != 0 {
		t.Errorf("old files %v are still stored after the file was replaced", files)
	}
}

func TestDelete(t *testing.T) {
	e := newEnv(t, media.Options{})
	a := e.upload("mastodon/attachment.jpg")
	kept := e.upload("mastodon/600x400.png")
	attached := e.upload("gotosocial/test-jpeg.jpg")
	e.attach(attached.ID, "42")

	cases := []struct {
		name, id, token string
		status          int
		body            string
	}{
		{"other account", a.ID, bobToken, 404, `{"error":"Record not found"}`},
		{"unknown id", "1234", aliceToken, 404, `{"error":"Record not found"}`},
		{"attached", attached.ID, aliceToken, 422, `{"error":"Media attachment is currently used by a status"}`},
		{"own", a.ID, aliceToken, 200, `{}`},
		{"own again", a.ID, aliceToken, 404, `{"error":"Record not found"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.send("DELETE", "/api/v1/media/"+tc.id, tc.token, "", nil)
			if r.status != tc.status || strings.TrimSpace(string(r.body)) != tc.body {
				t.Errorf("got %d %s, want %d %s", r.status, r.body, tc.status, tc.body)
			}
		})
	}
	want := []string{e.keyOf(kept.URL), e.keyOf(kept.PreviewURL), e.keyOf(attached.URL), e.keyOf(attached.PreviewURL)}
	if got := e.blobFiles(); !sameSet(got, want) {
		t.Errorf("stored files %v, want only those of the media not deleted %v", got, want)
	}
	rows := e.dbRows()
	if _, ok := rows[a.ID]; ok || len(rows) != 2 {
		t.Errorf("database has %d rows, deleted id present %v; want the 2 others", len(rows), ok)
	}
	resp, err := e.srv.Client().Get(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET of a deleted file's URL: status %d, want 404", resp.StatusCode)
	}
}

func TestDeleteLeavesNothing(t *testing.T) {
	e := newEnv(t, media.Options{})
	a := e.upload("mastodon/attachment.jpg")
	if r := e.send("DELETE", "/api/v1/media/"+a.ID, aliceToken, "", nil); r.status != 200 {
		t.Fatalf("DELETE: status %d: %s", r.status, r.body)
	}
	var count int
	if err := e.openDB().QueryRow(`SELECT count(*) FROM media_attachments`).Scan(&count); err != nil {
		t.Fatal(err)
	}
	if count != 0 {
		t.Errorf("%d rows left, want 0", count)
	}
	entries, err := readDirNames(e.blobs.Root())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("blob root still has %v; Delete must remove the files and their empty folders", entries)
	}
}

func TestRoutes(t *testing.T) {
	e := newEnv(t, media.Options{})
	cases := []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/api/v1/media", 405, "POST"},
		{"PATCH", "/api/v1/media/1", 405, "GET, HEAD, PUT, DELETE"},
		{"PUT", "/api/v2/media", 405, "POST"},
		{"GET", "/api/v2/media/1", 404, ""},
		{"GET", "/api/v1/statuses", 404, ""},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			r := e.send(tc.method, tc.path, aliceToken, "", nil)
			if r.status != tc.status || r.errorText == "" {
				t.Errorf("got %d %s, want %d with a JSON error", r.status, r.body, tc.status)
			}
			if got := r.header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
		})
	}
}

func TestRequestLog(t *testing.T) {
	e := newEnv(t, media.Options{})
	a := e.upload("mastodon/attachment.jpg")
	e.send("GET", "/api/v1/media/"+a.ID, aliceToken, "", nil)
	e.send("GET", "/api/v1/media/1", "wrong-token", "", nil)
	lines := e.logLines()
	if len(lines) != 3 {
		t.Fatalf("%d log lines, want one per request (3):\n%s", len(lines), e.logs.String())
	}
	wantStatus := []float64{200, 200, 401}
	wantPath := []string{"/api/v1/media", "/api/v1/media/" + a.ID, "/api/v1/media/1"}
	for i, line := range lines {
		if line["status"] != wantStatus[i] || line["path"] != wantPath[i] {
			t.Errorf("line %d: status %v path %v, want %v %v", i, line["status"], line["path"], wantStatus[i], wantPath[i])
		}
		if _, ok := line["duration"]; !ok {
			t.Errorf("line %d has no duration: %v", i, line)
		}
		if line["method"] == nil {
			t.Errorf("line %d has no method: %v", i, line)
		}
	}
	if lines[0]["attachment_id"] != a.ID || lines[1]["attachment_id"] != a.ID {
		t.Errorf("attachment ids %v %v, want %s", lines[0]["attachment_id"], lines[1]["attachment_id"], a.ID)
	}
	for _, secret := range []string{aliceToken, "wrong-token"} {
		if strings.Contains(e.logs.String(), secret) {
			t.Errorf("the log contains the token %q", secret)
		}
	}
}

func TestConcurrentUploads(t *testing.T) {
	e := newEnv(t, media.Options{})
	jpeg := readFixture(t, "mastodon/attachment.jpg")
	const n = 6
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.sendMultipart("POST", "/api/v1/media", aliceToken, fileField("a.jpg", jpeg), textField("description", fmt.Sprint(i)))
			if r.status == 200 {
				ids[i] = r.attachment.ID
			} else {
				t.Errorf("upload %d: status %d: %s", i, r.status, r.body)
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	if len(seen) != n || len(e.dbRows()) != n || len(e.blobFiles()) != 2*n {
		t.Errorf("%d distinct ids, %d rows, %d files; want %d, %d, %d", len(seen), len(e.dbRows()), len(e.blobFiles()), n, n, 2*n)
	}
}

func TestNewConfigErrors(t *testing.T) {
	proc, err := media.New(media.Options{})
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := localstore.NewBlobStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	records, err := localstore.OpenRecordStore(t.TempDir() + "/m.db")
	if err != nil {
		t.Fatal(err)
	}
	defer records.Close()
	auth, _ := localstore.NewTokenAuthenticator("t", "1")

	good := mastoapi.Config{Processor: proc, Auth: auth, Records: records, Blobs: blobs, BaseURL: "https://files.example"}
	if _, err := mastoapi.New(good); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}

	cases := map[string]func(*mastoapi.Config){
		"no processor":    func(c *mastoapi.Config) { c.Processor = nil },
		"no auth":         func(c *mastoapi.Config) { c.Auth = nil },
		"no records":      func(c *mastoapi.Config) { c.Records = nil },
		"no blobs":        func(c *mastoapi.Config) { c.Blobs = nil },
		"relative base":   func(c *mastoapi.Config) { c.BaseURL = "/system" },
		"ftp base":        func(c *mastoapi.Config) { c.BaseURL = "ftp://files.example" },
		"base with query": func(c *mastoapi.Config) { c.BaseURL = "https://files.example/?x=1" },
	}
	for name, change := range cases {
		cfg := good
		change(&cfg)
		if _, err := mastoapi.New(cfg); err == nil || !strings.HasPrefix(err.Error(), "mastoapi: ") {
			t.Errorf("%s: error %v, want a mastoapi: error", name, err)
		}
	}
}

func TestPlaceholderURLs(t *testing.T) {
	proc, _ := media.New(media.Options{})
	blobs, _ := localstore.NewBlobStore(t.TempDir())
	records, err := localstore.OpenRecordStore(t.TempDir() + "/m.db")
	if err != nil {
		t.Fatal(err)
	}
	defer records.Close()
	auth, _ := localstore.NewTokenAuthenticator(aliceToken, "1")
	h, err := mastoapi.New(mastoapi.Config{Processor: proc, Auth: auth, Records: records, Blobs: blobs,
		BaseURL: "https://files.example/system", MissingOriginalURL: "https://social.example/missing.png",
		MissingSmallURL: "https://social.example/missing-small.png", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, _ := mw.CreateFormFile("file", "broken.jpg")
	w.Write(truncatedJPEG(t))
	mw.Close()
	req := httptest.NewRequestWithContext(context.Background(), "POST", "/api/v1/media", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+aliceToken)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	for _, want := range []string{`"url":"https://social.example/missing.png"`, `"preview_url":"https://social.example/missing-small.png"`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("body %s lacks %s", rec.Body, want)
		}
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}

func readDirNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(entries))
	for i, entry := range entries {
		names[i] = entry.Name()
	}
	return names, nil
}

// BenchmarkCreate uploads attachment.jpg (600x400 baseline JPEG) through a
// loopback server into the local stores; bytes per second count the upload.
func BenchmarkCreate(b *testing.B) {
	e := newEnv(b, media.Options{})
	jpeg := readFixture(b, "mastodon/attachment.jpg")
	b.SetBytes(int64(len(jpeg)))
	b.ReportAllocs()
	for b.Loop() {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		w, _ := mw.CreateFormFile("file", "attachment.jpg")
		w.Write(jpeg)
		mw.Close()
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/media", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+aliceToken)
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
