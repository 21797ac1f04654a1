package mastoapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/fedimedia/media"
)

// The error texts the endpoints return, as Mastodon writes them.
const (
	msgInvalidToken   = "The access token is invalid"
	msgScope          = "This action is outside the authorized scopes"
	msgUserRequired   = "This method requires an authenticated user"
	msgNotFound       = "Record not found"
	msgFileBlank      = "Validation failed: File can't be blank"
	msgFileType       = "Validation failed: File content type is invalid, File is invalid"
	msgThumbnail      = "Validation failed: Thumbnail must be blank"
	msgInUse          = "Media attachment is currently used by a status"
	msgInternal       = "Error processing thumbnail for uploaded media"
	msgFocusInvalid   = "Validation failed: Focus must be two numbers from -1.0 to 1.0 separated by a comma"
	msgDescriptionFmt = "Validation failed: Description is too long (maximum is %d characters)"
)

// apiError is a failed request: the status and the text of the JSON error
// body, and for 5xx the cause to log.
type apiError struct {
	status  int
	message string
	cause   error
}

func (e *apiError) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("%d %s: %v", e.status, e.message, e.cause)
	}
	return fmt.Sprintf("%d %s", e.status, e.message)
}

func (e *apiError) Unwrap() error { return e.cause }

func newAPIError(status int, message string) *apiError {
	return &apiError{status: status, message: message}
}

// internalError is the 500 response to an unexpected failure. The client sees
// Mastodon's generic processing message and the cause goes to the log.
func internalError(cause error) *apiError {
	return &apiError{status: http.StatusInternalServerError, message: msgInternal, cause: cause}
}

func descriptionTooLong(max int) *apiError {
	return newAPIError(http.StatusUnprocessableEntity, fmt.Sprintf(msgDescriptionFmt, max))
}

func invalidFocus(value string) *apiError {
	return newAPIError(http.StatusUnprocessableEntity, fmt.Sprintf("%s, got %q", msgFocusInvalid, value))
}

// bodyError maps a failure to read the request body: 413 when the body is
// over the handler's cap, 400 for a malformed or interrupted body.
func bodyError(err error) *apiError {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return &apiError{
			status:  http.StatusRequestEntityTooLarge,
			message: fmt.Sprintf("Request body is too large: the limit is %d bytes", tooLarge.Limit),
			cause:   err,
		}
	}
	return &apiError{
		status:  http.StatusBadRequest,
		message: "Invalid request body: " + err.Error(),
		cause:   err,
	}
}

// processError maps an error from media.Processor.Process to the response
// Mastodon sends for the same condition. Errors the library does not type
// are server failures.
func processError(err error) *apiError {
	const unprocessable = http.StatusUnprocessableEntity
	var (
		unsupported *media.UnsupportedTypeError
		noDecoder   *media.NoDecoderError
		noBackend   *media.NoBackendError
		size        *media.FileSizeError
		dims        *media.DimensionsError
		focus       *media.FocusError
		description *media.DescriptionError
	)
	switch {
	case errors.As(err, &unsupported):
		return newAPIError(unprocessable, msgFileType)
	case errors.As(err, &noDecoder):
		return newAPIError(unprocessable, fmt.Sprintf(
			"Validation failed: File %s cannot be processed: no %s decoder is installed",
			noDecoder.MIME, formatLabel(noDecoder.MIME)))
	case errors.As(err, &noBackend):
		return newAPIError(unprocessable, fmt.Sprintf(
			"Validation failed: File %s cannot be processed: no %s processing backend is installed",
			noBackend.MIME, noBackend.Type))
	case errors.As(err, &size):
		return newAPIError(unprocessable, "Validation failed: File must be less than "+size.LimitText())
	case errors.As(err, &dims):
		kind := "images"
		if dims.GIF {
			kind = "GIF files"
		}
		return newAPIError(unprocessable, fmt.Sprintf("%dx%d %s are not supported", dims.Width, dims.Height, kind))
	case errors.As(err, &focus):
		return invalidFocus(focus.Value)
	case errors.As(err, &description):
		return descriptionTooLong(description.Max)
	}
	return internalError(err)
}

// formatLabel returns the name of an image format for messages: "HEIC" for
// "image/heic".
func formatLabel(mime string) string {
	_, sub, ok := strings.Cut(mime, "/")
	if !ok || sub == "" {
		return mime
	}
	return strings.ToUpper(sub)
}
