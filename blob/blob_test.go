package blob

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/egov-vn/egov"
)

// ---- real minimal files ----

// minimalPDF builds a valid one-page PDF with a correct cross-reference
// table, the smallest thing a PDF reader opens.
func minimalPDF() []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func testImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := 0; x < 8; x++ {
		for y := 0; y < 8; y++ {
			img.Set(x, y, color.RGBA{uint8(x * 30), uint8(y * 30), 128, 255})
		}
	}
	return img
}

func minimalPNG(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, testImage()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func minimalJPEG(t testing.TB) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type entry struct{ name, body string }

func zipOf(t testing.TB, entries ...entry) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func contentTypesXML(overrides string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>` + overrides + `</Types>`
}

const (
	rootRelsDOCX = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`
	documentXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Đơn đề nghị</w:t></w:r></w:p></w:body></w:document>`
	rootRelsXLSX = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	workbookXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`
	workbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`
	sheetXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>1</t></is></c></row></sheetData></worksheet>`
)

func docxWith(t testing.TB, mainType string, extra ...entry) []byte {
	entries := []entry{
		{"[Content_Types].xml", contentTypesXML(`<Override PartName="/word/document.xml" ContentType="` + mainType + `"/>`)},
		{"_rels/.rels", rootRelsDOCX},
		{"word/document.xml", documentXML},
	}
	return zipOf(t, append(entries, extra...)...)
}

func minimalDOCX(t testing.TB) []byte { return docxWith(t, mainDOCX) }

func minimalXLSX(t testing.TB) []byte {
	return zipOf(t,
		entry{"[Content_Types].xml", contentTypesXML(`<Override PartName="/xl/workbook.xml" ContentType="` + mainXLSX + `"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`)},
		entry{"_rels/.rels", rootRelsXLSX},
		entry{"xl/workbook.xml", workbookXML},
		entry{"xl/_rels/workbook.xml.rels", workbookRels},
		entry{"xl/worksheets/sheet1.xml", sheetXML},
	)
}

const htmlPage = "<!DOCTYPE html>\n<html><head><title>Hóa đơn</title></head><body><script>alert(1)</script></body></html>\n"

func elfHeader() []byte {
	b := make([]byte, 256)
	copy(b, "\x7fELF\x02\x01\x01")
	return b
}

func mzHeader() []byte {
	b := make([]byte, 256)
	copy(b, "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")
	copy(b[64:], "This program cannot be run in DOS mode.")
	return b
}

func oleDoc() []byte {
	b := make([]byte, 1024)
	copy(b, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
	return b
}

func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// ---- Sniff ----

func TestSniff(t *testing.T) {
	pdf := minimalPDF()
	tests := []struct {
		name     string
		data     []byte
		want     string // "" when refused
		detected string // Error.Detected when refused
	}{
		{"pdf", pdf, TypePDF, ""},
		{"pdf with trailing newlines and NULs", concat(pdf, []byte("\r\n \n\x00\x00\t")), TypePDF, ""},
		{"pdf with 2 KB of trailing blanks", concat(pdf, bytes.Repeat([]byte(" \n"), 1024)), TypePDF, ""},
		{"pdf cut short", pdf[:len(pdf)-20], "", "PDF không hoàn chỉnh"},
		{"pdf with 2 KB of junk after EOF", concat(pdf, bytes.Repeat([]byte("x"), 2048)), "", "PDF không hoàn chỉnh"},
		{"pdf header only", []byte("%PDF-1.7"), "", "PDF không hoàn chỉnh"},
		{"png", minimalPNG(t), TypePNG, ""},
		{"png signature cut", minimalPNG(t)[:6], "", "text/plain"}, // what http.DetectContentType makes of it
		{"jpeg", minimalJPEG(t), TypeJPEG, ""},
		{"docx", minimalDOCX(t), TypeDOCX, ""},
		{"xlsx", minimalXLSX(t), TypeXLSX, ""},
		{"docx typed by Default only", zipOf(t,
			entry{"[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="XML" ContentType="` + mainDOCX + `"/></Types>`},
			entry{"word/document.xml", documentXML}), TypeDOCX, ""},
		{"html named .pdf", []byte(htmlPage), "", "text/html"},
		{"ELF executable", elfHeader(), "", "application/octet-stream"},
		{"MZ executable", mzHeader(), "", "application/octet-stream"},
		{"MZ with a docx appended", concat(mzHeader(), minimalDOCX(t)), "", "application/octet-stream"},
		{"plain zip", zipOf(t, entry{"readme.txt", "xin chào"}), "", "application/zip"},
		{"zip with document.xml but no content types", zipOf(t, entry{"word/document.xml", documentXML}), "", "application/zip"},
		{"docm renamed .docx", docxWith(t, "application/vnd.ms-word.document.macroEnabled.main+xml", entry{"word/vbaProject.bin", "\xD0\xCF\x11\xE0"}), "", "application/vnd.ms-word.document.macroEnabled"},
		{"docx carrying vbaProject.bin", docxWith(t, mainDOCX, entry{"word/vbaProject.bin", "\xD0\xCF\x11\xE0"}), "", "Word (DOCX) có macro"},
		{"zip with the main part twice", docxWith(t, mainDOCX, entry{"WORD/document.xml", documentXML}), "", "application/zip"},
		{"zip header then garbage", concat([]byte("PK\x03\x04"), randomBytes(300)), "", "application/zip"},
		{"old Word .doc", oleDoc(), "", "application/octet-stream"},
		{"plain text", []byte("Họ và tên: Nguyễn Văn A\n"), "", "text/plain"},
		{"random bytes", randomBytes(4096), "", "application/octet-stream"},
		{"empty", nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Sniff(bytes.NewReader(tt.data), int64(len(tt.data)))
			if tt.want != "" {
				if err != nil || got != tt.want {
					t.Fatalf("Sniff = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if got != "" || !errors.Is(err, ErrTypeNotAllowed) || !errors.Is(err, egov.ErrInvalid) {
				t.Fatalf("Sniff = %q, %v; want ErrTypeNotAllowed", got, err)
			}
			var e *Error
			if !errors.As(err, &e) || e.Detected != tt.detected {
				t.Fatalf("Detected = %q, want %q (%v)", e.Detected, tt.detected, err)
			}
		})
	}
}

func TestSniffMessage(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"html", []byte(htmlPage), "Loại tệp không được chấp nhận: chỉ nhận PDF, JPEG, PNG, DOCX, XLSX (tệp này là text/html)"},
		{"empty", nil, "Loại tệp không được chấp nhận: chỉ nhận PDF, JPEG, PNG, DOCX, XLSX (tệp này rỗng)"},
		{"plain zip", zipOf(t, entry{"a.txt", "a"}), "Loại tệp không được chấp nhận: chỉ nhận PDF, JPEG, PNG, DOCX, XLSX (tệp này là application/zip)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Sniff(bytes.NewReader(tt.data), int64(len(tt.data)))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error = %v\nwant    %s", err, tt.want)
			}
		})
	}
}

type failingReaderAt struct{ err error }

func (f failingReaderAt) ReadAt([]byte, int64) (int, error) { return 0, f.err }

// A storage failure must not be reported to the person as a bad file type.
func TestSniffReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := Sniff(failingReaderAt{boom}, 100)
	if !errors.Is(err, boom) || errors.Is(err, ErrTypeNotAllowed) || errors.Is(err, egov.ErrInvalid) {
		t.Fatalf("err = %v; want the read error, not a refusal", err)
	}
}

func FuzzSniff(f *testing.F) {
	for _, seed := range [][]byte{
		minimalPDF(), minimalPNG(f), minimalJPEG(f), minimalDOCX(f), minimalXLSX(f),
		[]byte(htmlPage), elfHeader(), mzHeader(), oleDoc(), zipOf(f, entry{"a", "b"}), nil,
		docxWith(f, "application/vnd.ms-word.document.macroEnabled.main+xml"),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Sniff(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			// bytes.Reader cannot fail, so every error is a refusal.
			if got != "" || !errors.Is(err, ErrTypeNotAllowed) || Message(err) == "" {
				t.Fatalf("Sniff = %q, %v", got, err)
			}
			return
		}
		if !slices.Contains(AllTypes, got) {
			t.Fatalf("Sniff returned %q, not an allowed type", got)
		}
	})
}

// ---- names, errors ----

func TestExtensionAndTypeName(t *testing.T) {
	tests := []struct{ ct, ext, name string }{
		{TypePDF, ".pdf", "PDF"},
		{TypeJPEG, ".jpg", "JPEG"},
		{TypePNG, ".png", "PNG"},
		{TypeDOCX, ".docx", "Word (DOCX)"},
		{TypeXLSX, ".xlsx", "Excel (XLSX)"},
		{"text/html", "", "text/html"},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := Extension(tt.ct); got != tt.ext {
			t.Errorf("Extension(%q) = %q, want %q", tt.ct, got, tt.ext)
		}
		if got := TypeName(tt.ct); got != tt.name {
			t.Errorf("TypeName(%q) = %q, want %q", tt.ct, got, tt.name)
		}
	}
}

func TestErrorMatching(t *testing.T) {
	large := tooLarge(10 << 20)
	wrongType := notAllowed(AllTypes, "text/html")
	wrapped := fmt.Errorf("upload attachment 3: %w", large)
	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"too large is invalid", large, egov.ErrInvalid, true},
		{"too large is ErrTooLarge", large, ErrTooLarge, true},
		{"too large is not a type refusal", large, ErrTypeNotAllowed, false},
		{"type refusal is invalid", wrongType, egov.ErrInvalid, true},
		{"type refusal is ErrTypeNotAllowed", wrongType, ErrTypeNotAllowed, true},
		{"type refusal is not too large", wrongType, ErrTooLarge, false},
		{"sentinel itself is invalid", ErrTypeNotAllowed, egov.ErrInvalid, true},
		{"bad hash is invalid", ErrInvalidHash, egov.ErrInvalid, true},
		{"bad hash is not not-found", ErrInvalidHash, egov.ErrNotFound, false},
		{"wrapped still matches", wrapped, ErrTooLarge, true},
		{"wrapped still invalid", wrapped, egov.ErrInvalid, true},
	}
	for _, tt := range tests {
		if got := errors.Is(tt.err, tt.target); got != tt.want {
			t.Errorf("%s: errors.Is = %v, want %v", tt.name, got, tt.want)
		}
	}
	if got, want := Message(wrapped), "Tệp quá lớn: tối đa 10 MB"; got != want {
		t.Errorf("Message(wrapped) = %q, want %q", got, want)
	}
	if got := Message(errors.New("disk full")); got != "" {
		t.Errorf("Message(other) = %q, want empty", got)
	}
}

func TestFormatSize(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{10 << 20, "10 MB"},
		{3 << 19, "1,5 MB"},
		{2 << 10, "2 KB"},
		{1 << 30, "1 GB"},
		{500, "500 byte"},
	}
	for _, tt := range tests {
		if got := formatSize(tt.n); got != tt.want {
			t.Errorf("formatSize(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestRefJSON(t *testing.T) {
	b, err := json.Marshal(Ref{Hash: "ab", Size: 3, ContentType: TypePDF})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"hash":"ab","size":3,"content_type":"application/pdf"}`; string(b) != want {
		t.Fatalf("json = %s, want %s", b, want)
	}
}

// ---- Local ----

func newLocal(t *testing.T) (*Local, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "blobs")
	l, err := NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	return l, dir
}

// storedFiles lists every regular file under dir, temporary ones included,
// as slash paths relative to dir.
func storedFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestNewLocal(t *testing.T) {
	_, dir := newLocal(t)
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		t.Fatalf("dir not created: %v", err)
	}
	if perm := fi.Mode().Perm(); perm&0o007 != 0 {
		t.Errorf("dir mode %v is open to other users", perm)
	}
	if _, err := NewLocal(""); err == nil {
		t.Error("NewLocal(\"\") succeeded")
	}
}

func TestLocalPut(t *testing.T) {
	pdf := minimalPDF()
	png := minimalPNG(t)
	tests := []struct {
		name     string
		data     []byte
		lim      Limits
		wantType string
		wantErr  error  // nil when accepted
		wantMsg  string // exact message, when it matters
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
		{"MZ executable", mzHeader(), Limits{}, "", ErrTypeNotAllowed, ""},
		{"empty", nil, Limits{}, "", ErrTypeNotAllowed, ""},
		{"png where only pdf is allowed", png, Limits{Allowed: []string{TypePDF}}, "", ErrTypeNotAllowed,
			"Loại tệp không được chấp nhận: chỉ nhận PDF (tệp này là PNG)"},
		{"html where only pdf is allowed", []byte(htmlPage), Limits{Allowed: []string{TypePDF}}, "", ErrTypeNotAllowed,
			"Loại tệp không được chấp nhận: chỉ nhận PDF (tệp này là text/html)"},
		{"empty where images are allowed", nil, Limits{Allowed: []string{TypeJPEG, TypePNG}}, "", ErrTypeNotAllowed,
			"Loại tệp không được chấp nhận: chỉ nhận JPEG, PNG (tệp này rỗng)"},
		{"png where images are allowed", png, Limits{Allowed: []string{TypeJPEG, TypePNG}}, TypePNG, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, dir := newLocal(t)
			ref, err := l.Put(context.Background(), bytes.NewReader(tt.data), tt.lim)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !errors.Is(err, egov.ErrInvalid) {
					t.Fatalf("Put error = %v, want %v", err, tt.wantErr)
				}
				if tt.wantMsg != "" && err.Error() != tt.wantMsg {
					t.Errorf("message = %q\nwant      %q", err.Error(), tt.wantMsg)
				}
				if files := storedFiles(t, dir); len(files) != 0 {
					t.Errorf("refused upload left files: %v", files)
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
			path := ref.Hash[0:2] + "/" + ref.Hash[2:4] + "/" + ref.Hash
			if files := storedFiles(t, dir); !slices.Equal(files, []string{path}) {
				t.Fatalf("files = %v, want [%s]", files, path)
			}
			got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(path)))
			if err != nil || !bytes.Equal(got, tt.data) {
				t.Fatalf("stored content differs (%v)", err)
			}
		})
	}
}

// countingReader is an endless upload that records how much was taken.
type countingReader struct{ n int64 }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'A'
	}
	c.n += int64(len(p))
	return len(p), nil
}

// An oversized upload must be cut off at MaxBytes+1, not read to its end.
func TestLocalPutStopsReading(t *testing.T) {
	l, dir := newLocal(t)
	src := &countingReader{}
	_, err := l.Put(context.Background(), src, Limits{MaxBytes: 10 << 20})
	if !errors.Is(err, ErrTooLarge) || err.Error() != "Tệp quá lớn: tối đa 10 MB" {
		t.Fatalf("err = %v", err)
	}
	if src.n != 10<<20+1 {
		t.Errorf("read %d bytes, want %d", src.n, 10<<20+1)
	}
	if files := storedFiles(t, dir); len(files) != 0 {
		t.Errorf("files left: %v", files)
	}
}

// cancellingReader cancels its upload's context after handing out data,
// like a browser that goes away mid-upload.
type cancellingReader struct {
	r      io.Reader
	cancel context.CancelFunc
}

func (c cancellingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p[:min(len(p), 16)])
	c.cancel()
	return n, err
}

func TestLocalPutFailureLeavesNothing(t *testing.T) {
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
			l, dir := newLocal(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, err := l.Put(ctx, tt.reader(cancel), Limits{})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if errors.Is(err, egov.ErrInvalid) {
				t.Errorf("a transport failure must not look like bad input: %v", err)
			}
			if files := storedFiles(t, dir); len(files) != 0 {
				t.Errorf("files left: %v", files)
			}
		})
	}
}

func TestLocalPutSameContentTwice(t *testing.T) {
	l, dir := newLocal(t)
	data := minimalDOCX(t)
	first, err := l.Put(context.Background(), bytes.NewReader(data), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := l.Put(context.Background(), bytes.NewReader(data), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Fatalf("refs differ: %+v, %+v", first, second)
	}
	if files := storedFiles(t, dir); len(files) != 1 {
		t.Fatalf("files = %v, want one", files)
	}
}

func TestLocalPutConcurrent(t *testing.T) {
	l, dir := newLocal(t)
	data := minimalXLSX(t)
	const n = 8
	refs := make([]Ref, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			refs[i], errs[i] = l.Put(context.Background(), bytes.NewReader(data), Limits{})
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Put %d: %v", i, errs[i])
		}
		if refs[i] != refs[0] || refs[i].Hash != sha(data) {
			t.Fatalf("Put %d = %+v, want %+v", i, refs[i], refs[0])
		}
	}
	files := storedFiles(t, dir)
	if len(files) != 1 || !strings.HasSuffix(files[0], sha(data)) {
		t.Fatalf("files = %v, want the one blob and no temporary file", files)
	}
	got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(files[0])))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("stored content differs (%v)", err)
	}
}

func TestLocalOpen(t *testing.T) {
	l, _ := newLocal(t)
	ctx := context.Background()
	data := minimalPNG(t)
	ref, err := l.Put(ctx, bytes.NewReader(data), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := l.Open(ctx, ref.Hash)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes (%v), want %d", len(got), err, len(data))
	}
	// Seeking is what http.ServeContent needs for range requests.
	if _, err := rc.Seek(1, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 3)
	if _, err := io.ReadFull(rc, buf); err != nil || string(buf) != "PNG" {
		t.Fatalf("after Seek read %q (%v), want PNG", buf, err)
	}
	if ok, err := l.Exists(ctx, ref.Hash); !ok || err != nil {
		t.Fatalf("Exists = %v, %v; want true", ok, err)
	}
}

func TestLocalOpenBadOrMissingHash(t *testing.T) {
	l, _ := newLocal(t)
	ctx := context.Background()
	valid := sha([]byte("never stored"))
	tests := []struct {
		name    string
		hash    string
		wantErr error
	}{
		{"empty", "", egov.ErrInvalid},
		{"short", "abc", egov.ErrInvalid},
		{"63 chars", valid[:63], egov.ErrInvalid},
		{"65 chars", valid + "0", egov.ErrInvalid},
		{"upper case", strings.ToUpper(valid), egov.ErrInvalid},
		{"not hex", strings.Repeat("g", 64), egov.ErrInvalid},
		{"path escape", "../../../../etc/passwd" + valid[22:], egov.ErrInvalid},
		{"trailing newline", valid[:63] + "\n", egov.ErrInvalid},
		{"missing", valid, egov.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, err := l.Open(ctx, tt.hash)
			if !errors.Is(err, tt.wantErr) || rc != nil {
				t.Fatalf("Open = %v, %v; want %v", rc, err, tt.wantErr)
			}
			ok, err := l.Exists(ctx, tt.hash)
			if tt.wantErr == egov.ErrNotFound {
				if ok || err != nil {
					t.Fatalf("Exists = %v, %v; want false, nil", ok, err)
				}
			} else if ok || !errors.Is(err, ErrInvalidHash) {
				t.Fatalf("Exists = %v, %v; want ErrInvalidHash", ok, err)
			}
		})
	}
}

func TestLocalCleanTemp(t *testing.T) {
	l, dir := newLocal(t)
	ref, err := l.Put(context.Background(), bytes.NewReader(minimalPDF()), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	write := func(name string, mtime time.Time) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	write("put-crashed.tmp", old)
	write("put-other.tmp", old)
	write("put-active.tmp", time.Now())
	write("notes.txt", old)
	if err := os.Mkdir(filepath.Join(dir, "dir.tmp"), 0o750); err != nil {
		t.Fatal(err)
	}

	n, err := l.CleanTemp(time.Hour)
	if err != nil || n != 2 {
		t.Fatalf("CleanTemp = %d, %v; want 2", n, err)
	}
	want := []string{ref.Hash[0:2] + "/" + ref.Hash[2:4] + "/" + ref.Hash, "notes.txt", "put-active.tmp"}
	files := storedFiles(t, dir)
	slices.Sort(files)
	slices.Sort(want)
	if !slices.Equal(files, want) {
		t.Fatalf("after CleanTemp files = %v, want %v", files, want)
	}
	if n, err := l.CleanTemp(time.Hour); n != 0 || err != nil {
		t.Fatalf("second CleanTemp = %d, %v; want 0", n, err)
	}
}
