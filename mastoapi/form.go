package mastoapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/fedimedia/media"
)

// form is the parsed body of a create or update request.
//
// Text fields are validated as they arrive. A multipart "file" part is
// processed as soon as it arrives, with the description and focus seen so
// far passed to Process. Fields that come after the file are validated when
// they arrive and applied to the attachment afterwards. Description and focus
// never change the encoded files, so nothing is encoded twice.
type form struct {
	// description is the description field. hasDescription distinguishes an
	// empty field, which clears the description on update, from an absent one.
	description    string
	hasDescription bool
	// focusText and focus are the focus field as sent and parsed. A blank
	// focus is ignored, as Mastodon ignores it, so an update cannot clear a
	// focus.
	focusText string
	focus     *media.Focus
	// fileSeen is set once a "file" part arrived; result is its outcome.
	fileSeen bool
	result   *media.Result
}

// readForm reads the fields of a create or update request from the query
// string and then from the body, which may be multipart/form-data,
// application/x-www-form-urlencoded, application/json or empty. Body fields
// override query fields, as Rails merges them. Only a multipart body can
// carry a file.
func (h *Handler) readForm(w http.ResponseWriter, r *http.Request) (*form, *apiError) {
	f := &form{}
	if aerr := h.setValues(f, r.URL.Query()); aerr != nil {
		return nil, aerr
	}

	contentType := r.Header.Get("Content-Type")
	if contentType == "" {
		// A body without a type is read as no fields, so that a PUT with
		// only query parameters works.
		return f, h.discardBody(w, r)
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, newAPIError(http.StatusBadRequest,
			fmt.Sprintf("Invalid Content-Type header %q: %v", contentType, err))
	}
	switch mediaType {
	case "multipart/form-data":
		r.Body = http.MaxBytesReader(w, r.Body, h.bodyLimit)
		return f, h.readMultipart(r, f)
	case "application/x-www-form-urlencoded":
		body, aerr := h.readSmallBody(w, r)
		if aerr != nil {
			return nil, aerr
		}
		values, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, bodyError(err)
		}
		return f, h.setValues(f, values)
	case "application/json":
		body, aerr := h.readSmallBody(w, r)
		if aerr != nil {
			return nil, aerr
		}
		return f, h.readJSON(body, f)
	}
	return nil, newAPIError(http.StatusUnsupportedMediaType, fmt.Sprintf(
		"Content-Type %s is not supported: send multipart/form-data, application/x-www-form-urlencoded or application/json",
		mediaType))
}

// textFields are the request fields, in the order they are validated when
// they come together in a query string, a form or a JSON object.
var textFields = []string{"description", "focus", "thumbnail", "file"}

// setValues records the known fields of a query string or form body. A
// repeated field takes its last value, as Rack does.
func (h *Handler) setValues(f *form, values url.Values) *apiError {
	for _, name := range textFields {
		v, ok := values[name]
		if !ok || len(v) == 0 {
			continue
		}
		if aerr := h.setText(f, name, v[len(v)-1]); aerr != nil {
			return aerr
		}
	}
	return nil
}

// readMultipart walks the parts of a multipart body in order.
func (h *Handler) readMultipart(r *http.Request, f *form) *apiError {
	mr, err := r.MultipartReader()
	if err != nil {
		return bodyError(err)
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return bodyError(err)
		}
		aerr := h.readPart(r.Context(), part, f)
		part.Close()
		if aerr != nil {
			return aerr
		}
	}
}

func (h *Handler) readPart(ctx context.Context, part *multipart.Part, f *form) *apiError {
	name := part.FormName()
	switch name {
	case "file":
		if f.fileSeen {
			return newAPIError(http.StatusUnprocessableEntity, "Validation failed: File must be sent only once")
		}
		f.fileSeen = true
		return h.processFile(ctx, part, f)
	case "thumbnail":
		if part.FileName() != "" {
			return newAPIError(http.StatusUnprocessableEntity, msgThumbnail)
		}
		fallthrough
	case "description", "focus":
		value, aerr := h.readField(part, name)
		if aerr != nil {
			return aerr
		}
		return h.setText(f, name, value)
	}
	// Mastodon ignores parameters it does not know.
	if _, err := io.Copy(io.Discard, part); err != nil {
		return bodyError(err)
	}
	return nil
}

// readField reads one text part of at most h.fieldLimit bytes. A longer part
// is an invalid value of that field.
func (h *Handler) readField(part *multipart.Part, name string) (string, *apiError) {
	data, err := io.ReadAll(io.LimitReader(part, h.fieldLimit+1))
	if err != nil {
		return "", bodyError(err)
	}
	if int64(len(data)) > h.fieldLimit {
		switch name {
		case "description":
			return "", descriptionTooLong(h.maxDescription)
		case "focus":
			return "", invalidFocus(string(data[:32]) + "...")
		}
		return "", newAPIError(http.StatusUnprocessableEntity, msgThumbnail)
	}
	return string(data), nil
}

// processFile runs the processor on a file part as it streams in. The
// processor stops reading at its byte limit.
func (h *Handler) processFile(ctx context.Context, part io.Reader, f *form) *apiError {
	tracked := &readTracker{r: part}
	res, err := h.proc.Process(ctx, tracked, media.Request{Description: f.description, Focus: f.focusText})
	if err != nil {
		if tracked.err != nil {
			return bodyError(tracked.err)
		}
		return processError(err)
	}
	f.result = res
	return nil
}

// readTracker records the first read error other than io.EOF, which
// distinguishes a broken or oversized request body from a processing failure.
type readTracker struct {
	r   io.Reader
	err error
}

func (t *readTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && t.err == nil {
		t.err = err
	}
	return n, err
}

// setText validates and records one text field. Blank thumbnail and file
// values are ignored, as Rails drops blank attachments.
func (h *Handler) setText(f *form, name, value string) *apiError {
	switch name {
	case "description":
		if !utf8.ValidString(value) {
			return newAPIError(http.StatusUnprocessableEntity, "Validation failed: Description must be valid UTF-8 text")
		}
		if err := h.proc.CheckDescription(value); err != nil {
			return processError(err)
		}
		f.description, f.hasDescription = value, true
	case "focus":
		if strings.TrimSpace(value) == "" {
			return nil
		}
		focus, err := media.ParseFocus(value)
		if err != nil {
			return processError(err)
		}
		f.focusText, f.focus = value, focus
	case "thumbnail":
		if value != "" {
			return newAPIError(http.StatusUnprocessableEntity, msgThumbnail)
		}
	case "file":
		if value != "" {
			// NOTE: Mastodon also reads a data: URI here; this handler
			// accepts files only as multipart parts.
			return newAPIError(http.StatusUnprocessableEntity,
				"Validation failed: File must be sent as a part of a multipart/form-data body")
		}
	}
	return nil
}

// readJSON reads a JSON object body, as Mastodon's web app sends on update:
// {"description": "...", "focus": "x,y"}. A null description clears it; a
// null focus, thumbnail or file is ignored.
func (h *Handler) readJSON(body []byte, f *form) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return newAPIError(http.StatusBadRequest, "Invalid JSON body: "+err.Error())
	}
	for _, name := range textFields {
		raw, ok := fields[name]
		if !ok {
			continue
		}
		if string(raw) == "null" {
			if name == "description" {
				f.description, f.hasDescription = "", true
			}
			continue
		}
		var value string
		if err := json.Unmarshal(raw, &value); err != nil {
			if name == "thumbnail" {
				return newAPIError(http.StatusUnprocessableEntity, msgThumbnail)
			}
			return newAPIError(http.StatusBadRequest,
				fmt.Sprintf("Invalid JSON body: %q must be a string or null", name))
		}
		if aerr := h.setText(f, name, value); aerr != nil {
			return aerr
		}
	}
	return nil
}

// readSmallBody reads a form or JSON body, which carries text fields only
// and so is capped at a few field limits.
func (h *Handler) readSmallBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.smallBodyLimit()))
	if err != nil {
		return nil, bodyError(err)
	}
	return body, nil
}

// discardBody reads and drops a body sent without a Content-Type, capped like
// a form body.
func (h *Handler) discardBody(w http.ResponseWriter, r *http.Request) *apiError {
	if _, err := io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, h.smallBodyLimit())); err != nil {
		return bodyError(err)
	}
	return nil
}

func (h *Handler) smallBodyLimit() int64 { return 4 * h.fieldLimit }
