package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"

	"github.com/egov-vn/egov"
)

// The tests of this file are written once against Store and run on every
// implementation (TestStoreContract), so that S3 is held to exactly what
// Local promises; what only S3 can get wrong (the wire) follows.

// storeUnderTest is one implementation for the shared tests.
type storeUnderTest struct {
	Store
	// stored lists everything the store holds, unfinished uploads
	// included, as slash paths (keys) relative to its root.
	stored func(t *testing.T) []string
}

// fakeS3 is an S3-compatible server (gofakes3, speaking S3's REST
// protocol) on a loopback port, with a switch to damage the next PUT.
type fakeS3 struct {
	srv     *httptest.Server
	backend *s3mem.Backend
	// fault, when set, is applied to PUT requests of objects.
	fault atomic.Pointer[func(w http.ResponseWriter, r *http.Request) bool]
	puts  atomic.Int64 // PUTs of objects that reached the server
}

const testBucket = "egov-tep"

func startFakeS3(t *testing.T) *fakeS3 {
	t.Helper()
	f := &fakeS3{backend: s3mem.New()}
	if err := f.backend.CreateBucket(testBucket); err != nil {
		t.Fatal(err)
	}
	faker := gofakes3.New(f.backend, gofakes3.WithTimeSkewLimit(0)).Server()
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.Count(strings.Trim(r.URL.Path, "/"), "/") >= 1 {
			f.puts.Add(1)
			if fault := f.fault.Load(); fault != nil && (*fault)(w, r) {
				return
			}
		}
		faker.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeS3) endpoint() string { return strings.TrimPrefix(f.srv.URL, "http://") }

func (f *fakeS3) config(t *testing.T) S3Config {
	return S3Config{Endpoint: f.endpoint(), Bucket: testBucket, Region: "us-east-1", AccessKey: "egov", SecretKey: "bí mật thử",
		Insecure: true, SpoolDir: filepath.Join(t.TempDir(), "spool"), MaxRetries: 1}
}

func newS3(t *testing.T, f *fakeS3) (*S3, S3Config) {
	t.Helper()
	cfg := f.config(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := NewS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, cfg
}

// objects lists the keys in the bucket.
func (s *S3) objects(t *testing.T) []string {
	t.Helper()
	var keys []string
	for o := range s.client.Client.ListObjects(context.Background(), s.bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatalf("list bucket: %v", o.Err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

// s3UnderTest is an S3 store on its own fake server: what it holds is the
// bucket's objects and the files left in its spool directory.
func s3UnderTest(t *testing.T) storeUnderTest {
	s, cfg := newS3(t, startFakeS3(t))
	return storeUnderTest{Store: s, stored: func(t *testing.T) []string {
		out := s.objects(t)
		for _, f := range storedFiles(t, cfg.SpoolDir) {
			out = append(out, "spool/"+f)
		}
		return out
	}}
}

func localUnderTest(t *testing.T) storeUnderTest {
	l, dir := newLocal(t)
	return storeUnderTest{Store: l, stored: func(t *testing.T) []string { return storedFiles(t, dir) }}
}

func TestStoreContract(t *testing.T) {
	for _, impl := range []struct {
		name string
		new  func(t *testing.T) storeUnderTest
	}{{"local", localUnderTest}, {"s3", s3UnderTest}} {
		t.Run(impl.name, func(t *testing.T) {
			t.Run("put and read back", func(t *testing.T) { testStorePut(t, impl.new) })
			t.Run("stops reading past the limit", func(t *testing.T) { testStoreStopsReading(t, impl.new(t)) })
			t.Run("failure leaves nothing", func(t *testing.T) { testStoreFailureLeavesNothing(t, impl.new) })
			t.Run("same content twice", func(t *testing.T) { testStoreSameContentTwice(t, impl.new(t)) })
			t.Run("concurrent", func(t *testing.T) { testStoreConcurrent(t, impl.new(t)) })
			t.Run("bad or missing hash", func(t *testing.T) { testStoreBadOrMissingHash(t, impl.new(t)) })
		})
	}
}

func hashKey(h string) string { return h[0:2] + "/" + h[2:4] + "/" + h }

func testStorePut(t *testing.T, newStore func(*testing.T) storeUnderTest) {
	pdf := minimalPDF()
	png := minimalPNG(t)
	tests := []struct {
		name     string
		data     []byte
		lim      Limits
		wantType string
		wantErr  error
		wantMsg  string
	}{
		{"pdf", pdf, Limits{}, TypePDF, nil, ""},
		{"png", png, Limits{}, TypePNG, nil, ""},
		{"jpeg", minimalJPEG(t), Limits{}, TypeJPEG, nil, ""},
		{"docx", minimalDOCX(t), Limits{}, TypeDOCX, nil, ""},
		{"xlsx", minimalXLSX(t), Limits{}, TypeXLSX, nil, ""},
		{"exactly MaxBytes", pdf, Limits{MaxBytes: int64(len(pdf))}, TypePDF, nil, ""},
		{"MaxBytes+1", pdf, Limits{MaxBytes: int64(len(pdf) - 1)}, "", ErrTooLarge,
			fmt.Sprintf("Tệp quá lớn: tối đa %d byte", len(pdf)-1)},
		{"html", []byte(htmlPage), Limits{}, "", ErrTypeNotAllowed,
			"Loại tệp không được chấp nhận: chỉ nhận PDF, JPEG, PNG, DOCX, XLSX (tệp này là text/html)"},
		{"empty", nil, Limits{}, "", ErrTypeNotAllowed, ""},
		{"png where only pdf is allowed", png, Limits{Allowed: []string{TypePDF}}, "", ErrTypeNotAllowed,
			"Loại tệp không được chấp nhận: chỉ nhận PDF (tệp này là PNG)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			ctx := context.Background()
			ref, err := s.Put(ctx, bytes.NewReader(tt.data), tt.lim)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !errors.Is(err, egov.ErrInvalid) {
					t.Fatalf("Put error = %v, want %v", err, tt.wantErr)
				}
				if tt.wantMsg != "" && err.Error() != tt.wantMsg {
					t.Errorf("message = %q\nwant      %q", err.Error(), tt.wantMsg)
				}
				if files := s.stored(t); len(files) != 0 {
					t.Errorf("refused upload left %v", files)
				}
				return
			}
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			want := Ref{Hash: sha(tt.data), Size: int64(len(tt.data)), ContentType: tt.wantType}
			if ref != want {
				t.Fatalf("Ref = %+v, want %+v", ref, want)
			}
			if files := s.stored(t); !slices.Equal(files, []string{hashKey(ref.Hash)}) {
				t.Fatalf("stored %v, want [%s]", files, hashKey(ref.Hash))
			}
			if ok, err := s.Exists(ctx, ref.Hash); !ok || err != nil {
				t.Fatalf("Exists = %v, %v; want true", ok, err)
			}
			rc, err := s.Open(ctx, ref.Hash)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			got, err := io.ReadAll(rc)
			if err != nil || !bytes.Equal(got, tt.data) {
				t.Fatalf("read back %d bytes (%v), want the %d stored", len(got), err, len(tt.data))
			}
			// What http.ServeContent does: the size from the end, then
			// a range from the start.
			if end, err := rc.Seek(0, io.SeekEnd); err != nil || end != ref.Size {
				t.Fatalf("Seek(0, End) = %d, %v; want %d", end, err, ref.Size)
			}
			if _, err := rc.Seek(1, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 3)
			if _, err := io.ReadFull(rc, buf); err != nil || !bytes.Equal(buf, tt.data[1:4]) {
				t.Fatalf("after Seek read %q (%v), want %q", buf, err, tt.data[1:4])
			}
		})
	}
}

func testStoreStopsReading(t *testing.T, s storeUnderTest) {
	src := &countingReader{}
	_, err := s.Put(context.Background(), src, Limits{MaxBytes: 1 << 20})
	if !errors.Is(err, ErrTooLarge) || err.Error() != "Tệp quá lớn: tối đa 1 MB" {
		t.Fatalf("err = %v", err)
	}
	if src.n != 1<<20+1 {
		t.Errorf("read %d bytes, want %d", src.n, 1<<20+1)
	}
	if files := s.stored(t); len(files) != 0 {
		t.Errorf("left %v", files)
	}
}

func testStoreFailureLeavesNothing(t *testing.T, newStore func(*testing.T) storeUnderTest) {
	boom := errors.New("connection reset")
	pdf := minimalPDF()
	tests := []struct {
		name    string
		reader  func(cancel context.CancelFunc) io.Reader
		wantErr error
	}{
		{"reader fails mid-way", func(context.CancelFunc) io.Reader {
			return io.MultiReader(bytes.NewReader(pdf[:100]), iotest.ErrReader(boom))
		}, boom},
		{"cancelled before", func(cancel context.CancelFunc) io.Reader {
			cancel()
			return bytes.NewReader(pdf)
		}, context.Canceled},
		{"cancelled mid-way", func(cancel context.CancelFunc) io.Reader {
			return cancellingReader{bytes.NewReader(pdf), cancel}
		}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, err := s.Put(ctx, tt.reader(cancel), Limits{})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if errors.Is(err, egov.ErrInvalid) {
				t.Errorf("a transport failure must not look like bad input: %v", err)
			}
			if files := s.stored(t); len(files) != 0 {
				t.Errorf("left %v", files)
			}
		})
	}
}

func testStoreSameContentTwice(t *testing.T, s storeUnderTest) {
	data := minimalDOCX(t)
	first, err := s.Put(context.Background(), bytes.NewReader(data), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.Put(context.Background(), bytes.NewReader(data), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Fatalf("refs differ: %+v, %+v", first, second)
	}
	if files := s.stored(t); !slices.Equal(files, []string{hashKey(first.Hash)}) {
		t.Fatalf("stored %v, want the one", files)
	}
}

func testStoreConcurrent(t *testing.T, s storeUnderTest) {
	data := minimalXLSX(t)
	const n = 8
	refs := make([]Ref, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { refs[i], errs[i] = s.Put(context.Background(), bytes.NewReader(data), Limits{}) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || refs[i].Hash != sha(data) {
			t.Fatalf("Put %d = %+v, %v", i, refs[i], errs[i])
		}
	}
	if files := s.stored(t); !slices.Equal(files, []string{hashKey(sha(data))}) {
		t.Fatalf("stored %v, want the one and nothing temporary", files)
	}
	rc, err := s.Open(context.Background(), sha(data))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if got, err := io.ReadAll(rc); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("stored content differs (%v)", err)
	}
}

func testStoreBadOrMissingHash(t *testing.T, s storeUnderTest) {
	ctx := context.Background()
	valid := sha([]byte("never stored"))
	for _, hash := range []string{"", "abc", valid[:63], valid + "0", strings.ToUpper(valid), strings.Repeat("g", 64),
		"../../../../etc/passwd" + valid[22:], valid[:63] + "\n"} {
		if rc, err := s.Open(ctx, hash); !errors.Is(err, ErrInvalidHash) || rc != nil {
			t.Errorf("Open(%q) = %v, %v; want ErrInvalidHash", hash, rc, err)
		}
		if ok, err := s.Exists(ctx, hash); ok || !errors.Is(err, ErrInvalidHash) {
			t.Errorf("Exists(%q) = %v, %v; want ErrInvalidHash", hash, ok, err)
		}
	}
	if rc, err := s.Open(ctx, valid); !errors.Is(err, egov.ErrNotFound) || rc != nil {
		t.Errorf("Open(missing) = %v, %v; want ErrNotFound", rc, err)
	}
	if ok, err := s.Exists(ctx, valid); ok || err != nil {
		t.Errorf("Exists(missing) = %v, %v; want false, nil", ok, err)
	}
}

// ---- what only the object store can get wrong ----

// A PUT that dies on the wire, or whose body arrives altered or short,
// leaves no object: the store checks the MD5 and size it was told.
func TestS3PutDamagedOnTheWire(t *testing.T) {
	pdf := minimalPDF()
	tests := []struct {
		name  string
		fault func(w http.ResponseWriter, r *http.Request) bool
		// wantErr is a part of the error text: the client's (or the
		// server's) account of what went wrong.
		wantErr string
	}{
		{"connection cut mid-body", func(w http.ResponseWriter, r *http.Request) bool {
			io.CopyN(io.Discard, r.Body, 100)
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
			return true
		}, "Connection closed"},
		{"a byte altered", func(w http.ResponseWriter, r *http.Request) bool {
			body, _ := io.ReadAll(r.Body)
			body[len(body)/2] ^= 0xff
			r.Body = io.NopCloser(bytes.NewReader(body))
			return false
		}, "BadDigest"},
		{"body shorter than its length", func(w http.ResponseWriter, r *http.Request) bool {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body[:len(body)-10]))
			r.ContentLength -= 10
			r.Header.Set("Content-Length", fmt.Sprint(r.ContentLength))
			return false
		}, "BadDigest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startFakeS3(t)
			s, cfg := newS3(t, f)
			f.fault.Store(&tt.fault)
			_, err := s.Put(context.Background(), bytes.NewReader(pdf), Limits{})
			if err == nil {
				t.Fatal("Put succeeded")
			}
			wantPrefix := fmt.Sprintf("blob: s3 %s/%s: store %s: ", f.endpoint(), testBucket, sha(pdf))
			if !strings.HasPrefix(err.Error(), wantPrefix) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %q, want %q…%s", err, wantPrefix, tt.wantErr)
			}
			if errors.Is(err, egov.ErrInvalid) || Message(err) != "" {
				t.Errorf("a transport failure must not look like bad input: %v", err)
			}
			if keys := s.objects(t); len(keys) != 0 {
				t.Errorf("objects left: %v", keys)
			}
			if files := storedFiles(t, cfg.SpoolDir); len(files) != 0 {
				t.Errorf("spool files left: %v", files)
			}
			// The same upload goes through once the wire is sound.
			f.fault.Store(nil)
			if ref, err := s.Put(context.Background(), bytes.NewReader(pdf), Limits{}); err != nil || ref.Hash != sha(pdf) {
				t.Fatalf("Put after the fault = %+v, %v", ref, err)
			}
		})
	}
}

// Content already stored is not sent again; an object of the wrong size
// under a hash (damage) is replaced by the upload of the true content.
func TestS3PutSendsOnce(t *testing.T) {
	f := startFakeS3(t)
	s, _ := newS3(t, f)
	ctx := context.Background()
	png := minimalPNG(t)
	for range 3 {
		if _, err := s.Put(ctx, bytes.NewReader(png), Limits{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.puts.Load(); n != 1 {
		t.Errorf("%d PUTs for the same content three times, want 1", n)
	}
	key := hashKey(sha(png))
	if _, err := s.client.Client.PutObject(ctx, testBucket, key, strings.NewReader("hỏng"), -1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, bytes.NewReader(png), Limits{}); err != nil {
		t.Fatal(err)
	}
	rc, err := s.Open(ctx, sha(png))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if got, _ := io.ReadAll(rc); !bytes.Equal(got, png) {
		t.Errorf("a damaged object was not replaced: %q", got)
	}
}

// Every failure of the store itself names the store and what was asked.
func TestS3ErrorsSayWhere(t *testing.T) {
	f := startFakeS3(t)
	s, _ := newS3(t, f)
	ctx := context.Background()
	ref, err := s.Put(ctx, bytes.NewReader(minimalPDF()), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	f.srv.Close()
	where := fmt.Sprintf("blob: s3 %s/%s: ", f.endpoint(), testBucket)
	if ok, err := s.Exists(ctx, ref.Hash); ok || err == nil || !strings.HasPrefix(err.Error(), where+"look up "+ref.Hash+": ") {
		t.Errorf("Exists with the store down = %v, %v", ok, err)
	}
	if rc, err := s.Open(ctx, ref.Hash); rc != nil || err == nil || !strings.HasPrefix(err.Error(), where+"open "+ref.Hash+": ") ||
		errors.Is(err, egov.ErrNotFound) {
		t.Errorf("Open with the store down = %v, %v", rc, err)
	}
	if _, err := s.Put(ctx, bytes.NewReader(minimalPNG(t)), Limits{}); err == nil || !strings.HasPrefix(err.Error(), where+"look up ") {
		t.Errorf("Put with the store down: %v", err)
	}
}

func TestNewS3(t *testing.T) {
	f := startFakeS3(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	base := f.config(t)
	tests := []struct {
		name    string
		change  func(c *S3Config)
		wantErr string // "" when accepted
	}{
		{"host:port", func(c *S3Config) {}, ""},
		{"http URL with insecure", func(c *S3Config) { c.Endpoint = "http://" + c.Endpoint + "/" }, ""},
		{"http URL without insecure", func(c *S3Config) { c.Endpoint, c.Insecure = "http://"+c.Endpoint, false }, "plain HTTP"},
		{"https URL with insecure", func(c *S3Config) { c.Endpoint = "https://" + c.Endpoint }, "https but plain HTTP"},
		{"other scheme", func(c *S3Config) { c.Endpoint = "ftp://" + c.Endpoint }, "https or http"},
		{"path", func(c *S3Config) { c.Endpoint += "/bucket" }, "without a path"},
		{"no endpoint", func(c *S3Config) { c.Endpoint = "" }, "no endpoint"},
		{"no bucket", func(c *S3Config) { c.Bucket = "" }, "no bucket"},
		{"key without secret", func(c *S3Config) { c.SecretKey = "" }, "both"},
		{"bucket missing", func(c *S3Config) { c.Bucket = "khong-co" }, "khong-co: the bucket does not exist"},
		{"store down", func(c *S3Config) { c.Endpoint = "127.0.0.1:1" }, "blob: s3 127.0.0.1:1/" + testBucket + ": check bucket: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.change(&cfg)
			s, err := NewS3(ctx, cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("NewS3: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("NewS3 = %v, %v; want an error with %q", s, err, tt.wantErr)
			}
		})
	}
}

func TestS3CleanTemp(t *testing.T) {
	s, cfg := newS3(t, startFakeS3(t))
	old := time.Now().Add(-2 * time.Hour)
	for name, mtime := range map[string]time.Time{"s3-put-crashed.tmp": old, "s3-put-active.tmp": time.Now(), "notes.txt": old} {
		p := filepath.Join(cfg.SpoolDir, name)
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.CleanTemp(time.Hour); n != 1 || err != nil {
		t.Fatalf("CleanTemp = %d, %v; want 1", n, err)
	}
	files := storedFiles(t, cfg.SpoolDir)
	slices.Sort(files)
	if want := []string{"notes.txt", "s3-put-active.tmp"}; !slices.Equal(files, want) {
		t.Fatalf("left %v, want %v", files, want)
	}
}
