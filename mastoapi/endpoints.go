package mastoapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/fedimedia/media"
)

// create handles POST /api/v1/media and /api/v2/media. Nothing is stored
// before the whole body is read and valid; files written before a later
// failure are deleted again.
func (h *Handler) create(w http.ResponseWriter, r *http.Request, p Principal) (int, any, *apiError) {
	state := stateOf(r)
	f, aerr := h.readForm(w, r)
	if aerr != nil {
		return 0, nil, aerr
	}
	if f.result == nil {
		return 0, nil, newAPIError(http.StatusUnprocessableEntity, msgFileBlank)
	}
	state.decodeErr = f.result.DecodeErr

	now := h.now()
	id := h.ids.NewID(now)
	state.attachmentID = id
	rec := &Record{AccountID: p.AccountID, CreatedAt: now, UpdatedAt: now}
	rec.Attachment = f.result.Attachment
	rec.Attachment.ID = id
	applyFields(&rec.Attachment, f)

	ctx := r.Context()
	var err error
	rec.Original, rec.Small, err = h.storeFiles(ctx, id, f.result)
	if err != nil {
		return 0, nil, internalError(err)
	}
	rec.Attachment = h.render(rec)
	if err := h.records.Create(ctx, rec); err != nil {
		h.deleteFiles(ctx, id, rec.Original, rec.Small)
		return 0, nil, internalError(fmt.Errorf("creating record %s: %w", id, err))
	}
	return http.StatusOK, rec.Attachment, nil
}

// get handles GET /api/v1/media/{id}.
func (h *Handler) get(w http.ResponseWriter, r *http.Request, p Principal) (int, any, *apiError) {
	rec, aerr := h.ownRecord(r, p, false)
	if aerr != nil {
		return 0, nil, aerr
	}
	return http.StatusOK, h.render(rec), nil
}

// update handles PUT /api/v1/media/{id}. With a file it stores the new
// files under a new name, saves the record, and only then deletes the old
// files, so a failed update leaves the old record and files as they were.
// Without a file it changes description and focus only and touches no file.
func (h *Handler) update(w http.ResponseWriter, r *http.Request, p Principal) (int, any, *apiError) {
	state := stateOf(r)
	id := r.PathValue("id")
	unlock := h.locks.lock(id)
	defer unlock()

	old, aerr := h.ownRecord(r, p, false)
	if aerr != nil {
		return 0, nil, aerr
	}
	f, aerr := h.readForm(w, r)
	if aerr != nil {
		return 0, nil, aerr
	}

	ctx := r.Context()
	next := *old
	next.UpdatedAt = h.now()
	if f.result != nil {
		state.decodeErr = f.result.DecodeErr
		next.Attachment = f.result.Attachment
		next.Attachment.ID = id
		next.Attachment.Description = old.Attachment.Description
		next.Attachment.Meta.Focus = old.Attachment.Meta.Focus
		var err error
		next.Original, next.Small, err = h.storeFiles(ctx, id, f.result)
		if err != nil {
			return 0, nil, internalError(err)
		}
	}
	applyFields(&next.Attachment, f)
	next.Attachment = h.render(&next)

	if err := h.records.Update(ctx, &next); err != nil {
		if f.result != nil {
			h.deleteFiles(ctx, id, next.Original, next.Small)
		}
		if errors.Is(err, ErrNotFound) {
			return 0, nil, newAPIError(http.StatusNotFound, msgNotFound)
		}
		return 0, nil, internalError(fmt.Errorf("updating record %s: %w", id, err))
	}
	if f.result != nil {
		h.deleteFiles(ctx, id, old.Original, old.Small)
	}
	return http.StatusOK, next.Attachment, nil
}

// delete handles DELETE /api/v1/media/{id}. The record goes first, so that
// a failure can leave unreferenced files but never a record without its
// files.
func (h *Handler) delete(w http.ResponseWriter, r *http.Request, p Principal) (int, any, *apiError) {
	id := r.PathValue("id")
	unlock := h.locks.lock(id)
	defer unlock()

	rec, aerr := h.ownRecord(r, p, true)
	if aerr != nil {
		return 0, nil, aerr
	}
	if rec.StatusID != "" {
		return 0, nil, newAPIError(http.StatusUnprocessableEntity, msgInUse)
	}
	ctx := r.Context()
	if err := h.records.Delete(ctx, id); err != nil {
		if errors.Is(err, ErrNotFound) {
			return 0, nil, newAPIError(http.StatusNotFound, msgNotFound)
		}
		return 0, nil, internalError(fmt.Errorf("deleting record %s: %w", id, err))
	}
	h.deleteFiles(ctx, id, rec.Original, rec.Small)
	return http.StatusOK, struct{}{}, nil
}

// ownRecord loads the record named by the path for the caller. Unknown ids,
// other accounts' media and, unless attachedOK, media attached to a status
// are all 404, as Mastodon scopes its lookups.
func (h *Handler) ownRecord(r *http.Request, p Principal, attachedOK bool) (*Record, *apiError) {
	id := r.PathValue("id")
	stateOf(r).attachmentID = id
	if !isDecimalID(id) {
		return nil, newAPIError(http.StatusNotFound, msgNotFound)
	}
	rec, err := h.records.Get(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		return nil, newAPIError(http.StatusNotFound, msgNotFound)
	}
	if err != nil {
		return nil, internalError(fmt.Errorf("reading record %s: %w", id, err))
	}
	if rec.AccountID != p.AccountID || (!attachedOK && rec.StatusID != "") {
		return nil, newAPIError(http.StatusNotFound, msgNotFound)
	}
	return rec, nil
}

// isDecimalID reports whether id can be a snowflake: 1 to 20 decimal
// digits, since the largest uint64 has 20.
func isDecimalID(id string) bool {
	if id == "" || len(id) > 20 {
		return false
	}
	for _, c := range []byte(id) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// applyFields sets the description and focus sent with the request. An
// absent description and a blank focus keep the current values.
func applyFields(a *media.Attachment, f *form) {
	if f.hasDescription {
		a.Description = f.description
	}
	if f.focus != nil {
		a.Meta.Focus = f.focus
	}
}

// render returns the attachment with its URLs built from the record's keys,
// or the placeholder URLs for type "unknown".
func (h *Handler) render(rec *Record) media.Attachment {
	a := rec.Attachment
	a.URL = h.variantURL(rec.Original, a.Type, h.missingOriginal)
	a.PreviewURL = h.variantURL(rec.Small, a.Type, h.missingSmall)
	return a
}

func (h *Handler) variantURL(f StoredFile, t media.Type, missing string) string {
	switch {
	case f.Key != "":
		return h.fileURL(f.Key)
	case t == media.TypeUnknown:
		return missing
	}
	return ""
}

// fileURL joins the base URL and a storage key, escaping each segment.
func (h *Handler) fileURL(key string) string {
	return h.baseURL + "/" + (&url.URL{Path: key}).EscapedPath()
}

// storeFiles writes the original and small files of res under a new file
// name. When a write fails it deletes what it wrote and returns the error.
// A result of type "unknown" has no files and stores nothing.
func (h *Handler) storeFiles(ctx context.Context, id string, res *media.Result) (original, small StoredFile, err error) {
	name := media.NewFileName()
	var written []StoredFile
	for _, file := range []*media.File{res.Original, res.Small} {
		if file == nil {
			continue
		}
		key, err := media.StorageKey(id, file.Style, name, file.Ext)
		if err != nil {
			h.deleteFiles(ctx, id, written...)
			return StoredFile{}, StoredFile{}, err
		}
		stored := StoredFile{Key: key, ContentType: file.ContentType}
		// The key goes into the clean-up list before Put, so that a store
		// that leaves a partial file behind on failure is cleaned too.
		written = append(written, stored)
		if err := h.blobs.Put(ctx, key, file.ContentType, bytes.NewReader(file.Data)); err != nil {
			h.deleteFiles(ctx, id, written...)
			return StoredFile{}, StoredFile{}, fmt.Errorf("storing %s: %w", key, err)
		}
		switch file.Style {
		case "original":
			original = stored
		case "small":
			small = stored
		}
	}
	return original, small, nil
}

// deleteFiles deletes stored files and logs the ones it could not delete;
// those are left unreferenced. It runs even when the request is cancelled.
func (h *Handler) deleteFiles(ctx context.Context, id string, files ...StoredFile) {
	ctx = context.WithoutCancel(ctx)
	for _, f := range files {
		if f.Key == "" {
			continue
		}
		if err := h.blobs.Delete(ctx, f.Key); err != nil {
			h.log.LogAttrs(ctx, slog.LevelWarn, "deleting a stored file failed; it is left unreferenced",
				slog.String("attachment_id", id), slog.String("key", f.Key), slog.String("error", err.Error()))
		}
	}
}
