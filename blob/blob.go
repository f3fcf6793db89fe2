// Package blob stores the attachments of dossiers (the papers a citizen
// uploads) by the SHA-256 of their content.
//
// Naming a file by its hash makes storage idempotent: the same scan uploaded
// twice, or by two people, is kept once, and a reference held by a dossier
// can be checked against the bytes at any time. The type of an attachment is
// decided from its content (see Sniff), never from the name or the
// Content-Type the browser sent, because both are chosen by the uploader.
//
// Local keeps the files in a directory and is the default; an S3-compatible
// Store can replace it without callers noticing.
//
// # Errors for the person
//
// Refusals that the uploader can fix (too large, wrong type, malformed hash)
// are *Error values. Their Error method returns a Vietnamese message written
// for the person, they match egov.ErrInvalid with errors.Is (so the HTTP layer
// answers 400 and shows err.Error() as is), and they match the sentinel that
// says which refusal it was (ErrTooLarge, ErrTypeNotAllowed, ErrInvalidHash).
// Store methods return them unwrapped so that err.Error() stays the bare
// message; a caller that adds context with fmt.Errorf should show
// Message(err) rather than err.Error().
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/egov-vn/egov"
)

// Ref points at a stored attachment. It is what a dossier records; the
// bytes stay in the Store.
type Ref struct {
	// Hash is the hex SHA-256 of the content, 64 lowercase characters.
	Hash string `json:"hash"`
	// Size is the length of the content in bytes.
	Size int64 `json:"size"`
	// ContentType is one of the types Sniff recognises, such as TypePDF.
	ContentType string `json:"content_type"`
}

// Store keeps attachments by content hash.
//
// The methods take a context so that a remote store (S3) can honour
// cancellation and deadlines. Put receives a stream rather than bytes so that
// an implementation can spool it to disk or send it as a multipart upload
// without holding a whole file in memory; it has to read the stream to the
// end before it knows the hash, so it decides the final name only then.
type Store interface {
	// Put reads r to the end (or to lim.MaxBytes+1 bytes), checks its size and
	// type against lim and stores it. Storing content that is already stored
	// succeeds and returns the same Ref. On error nothing is stored under the
	// hash. Refusals the uploader can fix are *Error values (see the package
	// documentation).
	Put(ctx context.Context, r io.Reader, lim Limits) (Ref, error)
	// Open returns the content with the given hash. A malformed hash gives an
	// error matching egov.ErrInvalid; a hash that is not stored, one matching
	// egov.ErrNotFound. The caller closes the result.
	Open(ctx context.Context, hash string) (io.ReadSeekCloser, error)
	// Exists reports whether content with the given hash is stored. A
	// malformed hash gives an error matching egov.ErrInvalid.
	Exists(ctx context.Context, hash string) (bool, error)
}

// DefaultMaxBytes is the size limit used when Limits.MaxBytes is not set, so
// that a zero Limits is safe rather than unlimited.
const DefaultMaxBytes int64 = 10 << 20

// Limits says what Put accepts.
type Limits struct {
	// MaxBytes is the largest size accepted; zero or less means
	// DefaultMaxBytes.
	MaxBytes int64
	// Allowed lists the content types accepted, from the Type constants.
	// Empty means all of AllTypes. Types that Sniff cannot recognise never
	// match.
	Allowed []string
}

func (l Limits) maxBytes() int64 {
	if l.MaxBytes <= 0 {
		return DefaultMaxBytes
	}
	return l.MaxBytes
}

func (l Limits) allowed() []string {
	if len(l.Allowed) == 0 {
		return AllTypes
	}
	return l.Allowed
}

func (l Limits) allows(contentType string) bool {
	for _, t := range l.allowed() {
		if t == contentType {
			return true
		}
	}
	return false
}

// Error is a refusal that the person who uploaded the file can act on. Its
// Error method returns Msg, in Vietnamese, so it can be shown as is.
type Error struct {
	// Msg is the message for the person, in Vietnamese.
	Msg string
	// Kind is the sentinel this refusal is an instance of: ErrTooLarge,
	// ErrTypeNotAllowed or ErrInvalidHash. It is nil in the sentinels
	// themselves.
	Kind error
	// Detected says what the content was found to be when Kind is
	// ErrTypeNotAllowed: one of the Type constants, or a description from
	// http.DetectContentType, or "" for an empty file.
	Detected string
}

// Error returns the Vietnamese message.
func (e *Error) Error() string { return e.Msg }

// Is makes every Error match egov.ErrInvalid, so that callers outside this
// package treat it as bad input, and match its Kind.
func (e *Error) Is(target error) bool {
	return target == egov.ErrInvalid || (e.Kind != nil && target == e.Kind)
}

// Sentinels for errors.Is. The errors that Store methods return carry a
// more precise message but match these.
var (
	// ErrTooLarge is returned when an upload exceeds Limits.MaxBytes.
	ErrTooLarge = &Error{Msg: "Tệp quá lớn"}
	// ErrTypeNotAllowed is returned when the content is not one of the
	// allowed types, whatever the file's name says.
	ErrTypeNotAllowed = &Error{Msg: "Loại tệp không được chấp nhận"}
	// ErrInvalidHash is returned for a hash that is not 64 lowercase hex
	// characters; such a value never names a stored file, and checking it
	// keeps path tricks ("../") out of the file system.
	ErrInvalidHash = &Error{Msg: "Mã tệp không hợp lệ"}
)

// Message returns the Vietnamese message for the person carried by err, or ""
// if err is not (and does not wrap) an *Error. Use it when err may have been
// wrapped with context meant for logs.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return ""
}

func tooLarge(limit int64) *Error {
	return &Error{Msg: "Tệp quá lớn: tối đa " + formatSize(limit), Kind: ErrTooLarge}
}

// notAllowed builds the refusal of a type. allowed is the list the caller
// accepts, so that the message tells the person what to send instead.
func notAllowed(allowed []string, detected string) *Error {
	names := make([]string, 0, len(allowed))
	for _, t := range allowed {
		if k, ok := kinds[t]; ok {
			names = append(names, k.label)
		}
	}
	var b strings.Builder
	b.WriteString("Loại tệp không được chấp nhận: chỉ nhận ")
	if len(names) == 0 {
		b.WriteString("(không loại nào)")
	} else {
		b.WriteString(strings.Join(names, ", "))
	}
	if detected == "" {
		b.WriteString(" (tệp này rỗng)")
	} else {
		fmt.Fprintf(&b, " (tệp này là %s)", TypeName(detected))
	}
	return &Error{Msg: b.String(), Kind: ErrTypeNotAllowed, Detected: detected}
}

// formatSize writes a size the way people read it, in binary units (which
// is what the configured limits are multiples of) with a decimal comma.
func formatSize(n int64) string {
	unit := func(n, u int64, name string) string {
		if n%u == 0 {
			return strconv.FormatInt(n/u, 10) + " " + name
		}
		s := strconv.FormatFloat(float64(n)/float64(u), 'f', 1, 64)
		s = strings.TrimSuffix(s, ".0")
		return strings.Replace(s, ".", ",", 1) + " " + name
	}
	switch {
	case n >= 1<<30:
		return unit(n, 1<<30, "GB")
	case n >= 1<<20:
		return unit(n, 1<<20, "MB")
	case n >= 1<<10:
		return unit(n, 1<<10, "KB")
	default:
		return strconv.FormatInt(n, 10) + " byte"
	}
}
