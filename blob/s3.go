package blob

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/egov-vn/egov"
)

// S3Config says where an S3 store keeps its objects and how it signs in.
type S3Config struct {
	// Endpoint is the object store's host[:port], such as
	// "s3.ap-southeast-1.amazonaws.com" or "minio.internal:9000". An
	// "https://" or "http://" prefix is accepted; "http://" requires
	// Insecure.
	Endpoint string
	// Bucket holds the attachments. It must exist: egov does not create
	// buckets, whose policies (versioning, retention, replication) are the
	// operator's choice.
	Bucket string
	// Region is the bucket's region; empty asks the store.
	Region string
	// AccessKey and SecretKey are static credentials. Both empty: from the
	// AWS_* or MINIO_* environment variables, or the machine's IAM role.
	AccessKey, SecretKey string
	// Insecure talks plain HTTP, for an object store on a trusted network
	// or a test.
	Insecure bool
	// SpoolDir is where an upload is kept while it is received and checked,
	// before it is sent; empty: os.TempDir().
	SpoolDir string
	// MaxRetries is how many times a failed request is tried; zero means
	// the client's default (10).
	MaxRetries int
	// Transport carries the requests; nil: the client's default.
	Transport http.RoundTripper
}

// S3 is a Store in a bucket of an S3-compatible object store (AWS S3,
// MinIO, Ceph RGW, the object stores of Vietnamese clouds), for several
// replicas that share no disk. Objects are keyed exactly like Local's
// files, h[0:2]/h[2:4]/h for content of hash h, so a directory of a Local
// store copied into a bucket (or back) is a valid store.
//
// Put receives the upload into a temporary file in SpoolDir, hashing it as
// it arrives, checks its size and type there, and only then sends it in one
// PUT under its final key, with its MD5 (Content-MD5) and SHA-256 (the
// signed payload hash) for the store to check: S3 makes an object visible
// only once its PUT has completed, and refuses one whose body does not
// match, so an upload that fails at any point leaves nothing under the key.
type S3 struct {
	client *minio.Core
	bucket string
	spool  string
	where  string // endpoint/bucket, for error messages
}

var _ Store = (*S3)(nil)

// spoolPattern names the temporary files of uploads in SpoolDir.
const spoolPattern = "s3-put-*.tmp"

// NewS3 returns an S3 store after checking, within ctx, that the bucket
// can be reached and exists.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	endpoint, secure, err := parseEndpoint(cfg.Endpoint, cfg.Insecure)
	if err != nil {
		return nil, err
	}
	if cfg.Bucket == "" {
		return nil, errors.New("blob: s3: no bucket given")
	}
	if (cfg.AccessKey == "") != (cfg.SecretKey == "") {
		return nil, errors.New("blob: s3: give both the access key and the secret key, or neither")
	}
	var creds *credentials.Credentials
	if cfg.AccessKey != "" {
		creds = credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, "")
	} else {
		creds = credentials.NewChainCredentials([]credentials.Provider{
			&credentials.EnvAWS{}, &credentials.EnvMinio{}, &credentials.IAM{},
		})
	}
	spool := cfg.SpoolDir
	if spool == "" {
		spool = os.TempDir()
	}
	if err := os.MkdirAll(spool, 0o700); err != nil {
		return nil, fmt.Errorf("blob: s3: create spool directory: %w", err)
	}
	core, err := minio.NewCore(endpoint, &minio.Options{
		Creds:      creds,
		Secure:     secure,
		Region:     cfg.Region,
		Transport:  cfg.Transport,
		MaxRetries: cfg.MaxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: s3 %s: %w", endpoint, err)
	}
	s := &S3{client: core, bucket: cfg.Bucket, spool: spool, where: endpoint + "/" + cfg.Bucket}
	ok, err := core.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("blob: s3 %s: check bucket: %w", s.where, err)
	}
	if !ok {
		return nil, fmt.Errorf("blob: s3 %s: the bucket does not exist; create it first", s.where)
	}
	return s, nil
}

// parseEndpoint returns the host[:port] the client wants and whether to
// use TLS.
func parseEndpoint(endpoint string, insecure bool) (string, bool, error) {
	if endpoint == "" {
		return "", false, errors.New("blob: s3: no endpoint given")
	}
	if !strings.Contains(endpoint, "://") {
		if strings.ContainsAny(endpoint, "/?#") {
			return "", false, fmt.Errorf("blob: s3: endpoint %q: give host[:port], without a path", endpoint)
		}
		return endpoint, !insecure, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", false, fmt.Errorf("blob: s3: endpoint: %w", err)
	}
	if u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", false, fmt.Errorf("blob: s3: endpoint %q: give scheme://host[:port], without a path or user", endpoint)
	}
	switch u.Scheme {
	case "https":
		if insecure {
			return "", false, fmt.Errorf("blob: s3: endpoint %q is https but plain HTTP was asked for", endpoint)
		}
		return u.Host, true, nil
	case "http":
		if !insecure {
			return "", false, fmt.Errorf("blob: s3: endpoint %q is plain HTTP: allow it explicitly (insecure)", endpoint)
		}
		return u.Host, false, nil
	}
	return "", false, fmt.Errorf("blob: s3: endpoint %q: the scheme must be https or http", endpoint)
}

// key is where content of the given hash is kept: Local's layout.
func (s *S3) key(hash string) string {
	return hash[0:2] + "/" + hash[2:4] + "/" + hash
}

// Put implements Store. Memory use does not depend on the size of the
// upload: it is spooled to disk, then streamed from there.
func (s *S3) Put(ctx context.Context, r io.Reader, lim Limits) (Ref, error) {
	if err := ctx.Err(); err != nil {
		return Ref{}, err
	}
	f, err := os.CreateTemp(s.spool, spoolPattern)
	if err != nil {
		return Ref{}, fmt.Errorf("blob: s3: create temporary file: %w", err)
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()

	sh, mh := sha256.New(), md5.New()
	n, contentType, err := receive(ctx, f, r, lim, sh, mh)
	if err != nil {
		return Ref{}, err
	}
	ref := Ref{Hash: hex.EncodeToString(sh.Sum(nil)), Size: n, ContentType: contentType}
	key := s.key(ref.Hash)

	// Content already stored is not sent again. An object of another size
	// under the name can only be damage, so it is replaced.
	info, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	switch {
	case err == nil && info.Size == n:
		return ref, nil
	case err != nil && !isNotFound(err):
		return Ref{}, fmt.Errorf("blob: s3 %s: look up %s: %w", s.where, ref.Hash, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return Ref{}, fmt.Errorf("blob: s3: rewind temporary file: %w", err)
	}
	// DisableContentSha256 makes the client sign the SHA-256 given here
	// as the payload's hash instead of streaming chunk signatures: the
	// store checks the whole body against it, and against the MD5.
	_, err = s.client.PutObject(ctx, s.bucket, key, f, n,
		base64.StdEncoding.EncodeToString(mh.Sum(nil)), ref.Hash,
		minio.PutObjectOptions{ContentType: contentType, DisableContentSha256: true})
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return Ref{}, fmt.Errorf("blob: s3 %s: store %s: %w", s.where, ref.Hash, cerr)
		}
		return Ref{}, fmt.Errorf("blob: s3 %s: store %s: %w", s.where, ref.Hash, err)
	}
	return ref, nil
}

// Open implements Store. The result reads the object over HTTP as it goes
// (seeking starts a new ranged request), within ctx.
func (s *S3) Open(ctx context.Context, hash string) (io.ReadSeekCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !validHash(hash) {
		return nil, ErrInvalidHash
	}
	obj, err := s.client.Client.GetObject(ctx, s.bucket, s.key(hash), minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("blob: s3 %s: open %s: %w", s.where, hash, err)
	}
	// GetObject only prepares the request; Stat sends it, so that a
	// missing object is told here rather than at the first Read.
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		if isNotFound(err) {
			return nil, fmt.Errorf("blob: %s: %w", hash, egov.ErrNotFound)
		}
		return nil, fmt.Errorf("blob: s3 %s: open %s: %w", s.where, hash, err)
	}
	return obj, nil
}

// Exists implements Store.
func (s *S3) Exists(ctx context.Context, hash string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if !validHash(hash) {
		return false, ErrInvalidHash
	}
	_, err := s.client.StatObject(ctx, s.bucket, s.key(hash), minio.StatObjectOptions{})
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("blob: s3 %s: look up %s: %w", s.where, hash, err)
	}
	return true, nil
}

// CleanTemp removes the spool files of uploads that a crash interrupted,
// as Local.CleanTemp does for its own. Nothing in the bucket needs
// cleaning: an interrupted PUT leaves no object.
func (s *S3) CleanTemp(olderThan time.Duration) (int, error) {
	names, err := filepath.Glob(filepath.Join(s.spool, spoolPattern))
	if err != nil {
		return 0, fmt.Errorf("blob: s3: clean: %w", err)
	}
	cutoff := time.Now().Add(-olderThan)
	removed := 0
	var errs []error
	for _, name := range names {
		info, err := os.Lstat(name)
		if err != nil || !info.Mode().IsRegular() || !info.ModTime().Before(cutoff) {
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
			continue
		}
		err = os.Remove(name)
		switch {
		case err == nil:
			removed++
		case !errors.Is(err, fs.ErrNotExist):
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return removed, fmt.Errorf("blob: s3: clean: %w", err)
	}
	return removed, nil
}

// isNotFound reports whether err is the store's "no such object".
func isNotFound(err error) bool {
	if err == nil {
		return false
	}
	e := minio.ToErrorResponse(err)
	return e.Code == minio.NoSuchKey || (e.StatusCode == http.StatusNotFound && e.Code != minio.NoSuchBucket)
}
