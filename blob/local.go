package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/egov-vn/egov"
)

// Local is a Store in a directory of the local file system, for a single
// server or a commune office. Content with hash h is kept in
// <dir>/h[0:2]/h[2:4]/h: two levels of fan-out keep any one directory small
// (at most 256 entries per level before the files themselves) even with
// millions of attachments.
//
// Uploads are first written to "*.tmp" files directly in dir, on the same
// file system as their final place so that the last step is an atomic
// rename: a file under its hash name is always complete. Several processes
// may share one directory.
type Local struct {
	dir string
}

var _ Store = (*Local)(nil)

// NewLocal returns a Local storing in dir, creating it (mode 0o750, so that
// attachments are not readable by other users of the machine) if needed.
func NewLocal(dir string) (*Local, error) {
	if dir == "" {
		return nil, errors.New("blob: no directory given")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("blob: create directory: %w", err)
	}
	return &Local{dir: dir}, nil
}

// receive copies r into f, and into also (hashes), within lim's size, and
// decides the type from the content: what every store does with an upload
// before it keeps it.
func receive(ctx context.Context, f *os.File, r io.Reader, lim Limits, also ...io.Writer) (int64, string, error) {
	limit := lim.maxBytes()
	// Reading one byte past the limit tells "exactly the limit" from "more"
	// without reading the rest of an oversized upload.
	n, err := io.Copy(io.MultiWriter(append([]io.Writer{f}, also...)...), io.LimitReader(ctxReader{ctx, r}, limit+1))
	if err != nil {
		return 0, "", fmt.Errorf("blob: receive content: %w", err)
	}
	if n > limit {
		return 0, "", tooLarge(limit)
	}
	contentType, err := Sniff(f, n)
	var refusal *Error
	if errors.As(err, &refusal) {
		// Sniff's message lists every type it knows; tell the person
		// the ones this caller accepts.
		return 0, "", notAllowed(lim.allowed(), refusal.Detected)
	}
	if err != nil {
		return 0, "", err
	}
	if !lim.allows(contentType) {
		return 0, "", notAllowed(lim.allowed(), contentType)
	}
	return n, contentType, nil
}

// Put implements Store. The content is streamed to a temporary file while
// its hash is computed, so memory use does not depend on the file's size.
// The file is made durable (fsync of the file, then of its directory) before
// Put returns, because the Ref is about to be committed in a dossier and must
// not outlive the bytes after a power cut.
func (l *Local) Put(ctx context.Context, r io.Reader, lim Limits) (Ref, error) {
	if err := ctx.Err(); err != nil {
		return Ref{}, err
	}
	f, err := os.CreateTemp(l.dir, "put-*.tmp")
	if err != nil {
		return Ref{}, fmt.Errorf("blob: create temporary file: %w", err)
	}
	tmp := f.Name()
	kept := false
	defer func() {
		if !kept {
			f.Close() // may already be closed; the removal is what matters
			os.Remove(tmp)
		}
	}()

	h := sha256.New()
	n, contentType, err := receive(ctx, f, r, lim, h)
	if err != nil {
		return Ref{}, err
	}
	// CreateTemp makes the file 0o600; let the directory's group (backups)
	// read it too, as they can read the directory.
	if err := f.Chmod(0o640); err != nil {
		return Ref{}, fmt.Errorf("blob: %w", err)
	}
	if err := f.Sync(); err != nil {
		return Ref{}, fmt.Errorf("blob: sync content: %w", err)
	}
	if err := f.Close(); err != nil {
		return Ref{}, fmt.Errorf("blob: close content: %w", err)
	}

	ref := Ref{Hash: hex.EncodeToString(h.Sum(nil)), Size: n, ContentType: contentType}
	final := l.path(ref.Hash)
	if err := l.makeDirs(ref.Hash); err != nil {
		return Ref{}, err
	}
	// Content already stored: keep the old file and let the deferred
	// cleanup remove ours. A file of another size under the name can only be
	// damage, so it is replaced below.
	if fi, err := os.Lstat(final); err == nil && fi.Mode().IsRegular() && fi.Size() == n {
		// Another Put may have renamed it an instant ago and not yet
		// synced the directory; sync it so that what we promise holds.
		if err := syncDir(filepath.Dir(final)); err != nil {
			return Ref{}, err
		}
		return ref, nil
	}
	// Two Puts of the same content may both get here; rename replaces
	// atomically and the bytes are the same, so either order is right.
	if err := os.Rename(tmp, final); err != nil {
		return Ref{}, fmt.Errorf("blob: store content: %w", err)
	}
	kept = true
	if err := syncDir(filepath.Dir(final)); err != nil {
		return Ref{}, err
	}
	return ref, nil
}

// Open implements Store. The result is an *os.File.
func (l *Local) Open(ctx context.Context, hash string) (io.ReadSeekCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !validHash(hash) {
		return nil, ErrInvalidHash
	}
	f, err := os.Open(l.path(hash))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob: %s: %w", hash, egov.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return f, nil
}

// Exists implements Store.
func (l *Local) Exists(ctx context.Context, hash string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if !validHash(hash) {
		return false, ErrInvalidHash
	}
	_, err := os.Stat(l.path(hash))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("blob: %w", err)
	}
	return true, nil
}

// CleanTemp removes the temporary files of uploads that never finished
// (the process crashed or was killed mid-upload) whose last write is older
// than olderThan, and returns how many it removed. An upload in progress
// writes to its file continually, so an hour is safe; a very small olderThan
// could remove the file of an upload that is being checked or synced.
//
// It goes on after an error and returns all errors joined. Files that
// disappear meanwhile (another process cleaning the same directory) are
// not errors.
func (l *Local) CleanTemp(olderThan time.Duration) (int, error) {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		return 0, fmt.Errorf("blob: clean: %w", err)
	}
	cutoff := time.Now().Add(-olderThan)
	removed := 0
	var errs []error
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".tmp") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
			continue
		}
		if !info.ModTime().Before(cutoff) {
			continue
		}
		err = os.Remove(filepath.Join(l.dir, e.Name()))
		switch {
		case err == nil:
			removed++
		case !errors.Is(err, fs.ErrNotExist):
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return removed, fmt.Errorf("blob: clean: %w", err)
	}
	return removed, nil
}

func (l *Local) path(hash string) string {
	return filepath.Join(l.dir, hash[0:2], hash[2:4], hash)
}

// makeDirs creates the two fan-out directories of hash. A directory that is
// new is an entry in its parent, so the parent is synced as well, or a
// crash could lose the directory together with the file in it.
func (l *Local) makeDirs(hash string) error {
	parent := l.dir
	for _, name := range []string{hash[0:2], hash[2:4]} {
		d := filepath.Join(parent, name)
		err := os.Mkdir(d, 0o750)
		switch {
		case err == nil:
			if err := syncDir(parent); err != nil {
				return err
			}
		case !errors.Is(err, fs.ErrExist):
			return fmt.Errorf("blob: create directory: %w", err)
		}
		parent = d
	}
	return nil
}

// syncDir makes the entries of a directory durable, which a rename or mkdir
// is not until then. Windows cannot sync directories (and does not need
// to), so it is skipped there.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("blob: sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("blob: sync directory: %w", err)
	}
	return nil
}

// validHash reports whether s is a hex SHA-256 in lower case, the only
// form Put produces. Anything else is refused before it reaches a path.
func validHash(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// ctxReader stops a long upload as soon as its request is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
