package blob

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// The content types an attachment may have. They are the formats that the
// one-stop offices can open on any machine and that cannot carry macros or
// scripts in the forms accepted here.
const (
	TypePDF  = "application/pdf"
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// AllTypes lists every type Sniff recognises, in the order messages name
// them. It is what an empty Limits.Allowed stands for; do not modify it.
var AllTypes = []string{TypePDF, TypeJPEG, TypePNG, TypeDOCX, TypeXLSX}

type kind struct {
	ext   string // file name extension for downloads
	name  string // what to call it in a sentence
	label string // what to call it in a list of accepted types
}

var kinds = map[string]kind{
	TypePDF:  {".pdf", "PDF", "PDF"},
	TypeJPEG: {".jpg", "JPEG", "JPEG"},
	TypePNG:  {".png", "PNG", "PNG"},
	TypeDOCX: {".docx", "Word (DOCX)", "DOCX"},
	TypeXLSX: {".xlsx", "Excel (XLSX)", "XLSX"},
}

// Extension returns the file name extension, with its dot, to give a stored
// attachment when it is downloaded (".pdf", ".jpg", ".png", ".docx",
// ".xlsx"), or "" for a type Sniff does not recognise. The uploaded name's
// extension is not kept because it may lie about the content.
func Extension(contentType string) string { return kinds[contentType].ext }

// TypeName returns a short name for people ("PDF", "JPEG", "PNG",
// "Word (DOCX)", "Excel (XLSX)"). For a type Sniff does not recognise it
// returns contentType itself, which is still more useful on screen than
// nothing.
func TypeName(contentType string) string {
	if k, ok := kinds[contentType]; ok {
		return k.name
	}
	return contentType
}

// Magic numbers at the start of the accepted formats.
var (
	magicPDF  = []byte("%PDF-")
	magicJPEG = []byte{0xFF, 0xD8, 0xFF}
	magicPNG  = []byte("\x89PNG\r\n\x1a\n")
	magicZIP  = []byte("PK\x03\x04")
)

// Sniff decides the type of the size bytes readable from r by looking at the
// content alone, and returns one of the Type constants.
//
// Content of any other type, including an empty one, gives an *Error
// matching ErrTypeNotAllowed (and egov.ErrInvalid) whose message lists all
// the accepted types and says what the content was found to be. An error
// reading r is returned wrapped, and does not match ErrTypeNotAllowed.
//
// The checks are stricter than "starts with the right bytes" where a loose
// check would let a dangerous file through: a DOCX or XLSX must start with a
// ZIP local header (so an executable with a ZIP appended, which archive/zip
// would happily open, is refused) and its main part must have the plain
// document type in [Content_Types].xml (so macro-enabled DOCM and XLSM files
// renamed to .docx are refused).
func Sniff(r io.ReaderAt, size int64) (string, error) {
	if size <= 0 {
		return "", notAllowed(AllTypes, "")
	}
	head := make([]byte, min(size, 512))
	if n, err := r.ReadAt(head, 0); n < len(head) {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return "", fmt.Errorf("blob: read content: %w", err)
	}
	var detected string
	switch {
	case bytes.HasPrefix(head, magicPDF):
		ok, err := pdfComplete(r, size)
		if err != nil {
			return "", err
		}
		if ok {
			return TypePDF, nil
		}
		// Most often a download that was cut short: say so, since
		// "only PDF accepted (this is application/pdf)" would puzzle.
		detected = "PDF không hoàn chỉnh"
	case bytes.HasPrefix(head, magicJPEG):
		return TypeJPEG, nil
	case bytes.HasPrefix(head, magicPNG):
		return TypePNG, nil
	case bytes.HasPrefix(head, magicZIP):
		t, what := sniffOffice(r, size)
		if t != "" {
			return t, nil
		}
		detected = what
	default:
		detected = describe(head)
	}
	return "", notAllowed(AllTypes, detected)
}

// describe names unrecognised content for the message, as a MIME type
// without parameters: "text/html", not "text/html; charset=utf-8".
func describe(head []byte) string {
	t := http.DetectContentType(head)
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	return strings.TrimSpace(t)
}

// pdfTail is how far from the end %%EOF may be. The PDF specification puts it
// at the very end; readers (and this check) accept it within the last 1024
// bytes after trailing white space and NULs, which some scanners and mail
// gateways append.
const (
	pdfTail   = 1024
	pdfWindow = 4 * pdfTail // read this much so that padding does not hide %%EOF
)

// pdfComplete reports whether a PDF ends with its %%EOF marker, which tells a
// complete file from a truncated upload.
func pdfComplete(r io.ReaderAt, size int64) (bool, error) {
	n := min(size, pdfWindow)
	tail := make([]byte, n)
	if got, err := r.ReadAt(tail, size-n); got < len(tail) {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return false, fmt.Errorf("blob: read content: %w", err)
	}
	tail = bytes.TrimRight(tail, " \t\r\n\f\x00")
	if len(tail) > pdfTail {
		tail = tail[len(tail)-pdfTail:]
	}
	return bytes.Contains(tail, []byte("%%EOF")), nil
}

// Parts of an Office Open XML package that Sniff looks at, lower-cased
// because OPC part names are case-insensitive.
const (
	partContentTypes = "[content_types].xml"
	partDocument     = "word/document.xml"
	partWorkbook     = "xl/workbook.xml"
)

// Content types of the main part of the accepted packages, as
// [Content_Types].xml declares them.
const (
	mainDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
	mainXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
)

// maxContentTypes bounds how much of [Content_Types].xml is inflated, so a
// ZIP bomb in that entry costs nothing. Real ones are a few kilobytes.
const maxContentTypes = 1 << 20

// sniffOffice recognises DOCX and XLSX. It returns the type, or "" and a
// description of what the ZIP is instead.
func sniffOffice(r io.ReaderAt, size int64) (contentType, detected string) {
	const plainZIP = "application/zip"
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return "", plainZIP
	}
	files := make(map[string]*zip.File, len(zr.File))
	macros := false
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		if _, dup := files[name]; dup {
			// Two entries with one name are read differently by
			// different programs; refuse rather than guess which one
			// Word will use.
			return "", plainZIP
		}
		files[name] = f
		if name == "vbaproject.bin" || strings.HasSuffix(name, "/vbaproject.bin") {
			macros = true
		}
	}
	var part, want, got string
	switch {
	case files[partDocument] != nil:
		part, want, got = partDocument, mainDOCX, TypeDOCX
	case files[partWorkbook] != nil:
		part, want, got = partWorkbook, mainXLSX, TypeXLSX
	default:
		return "", plainZIP
	}
	ct := files[partContentTypes]
	if ct == nil {
		return "", plainZIP
	}
	declared, err := partType(ct, "/"+part)
	if err != nil || declared == "" {
		return "", plainZIP
	}
	if declared != want {
		// A macro-enabled or template variant: name it by its own
		// type, e.g. application/vnd.ms-word.document.macroEnabled.
		return "", strings.TrimSuffix(declared, ".main+xml")
	}
	if macros {
		return "", TypeName(got) + " có macro"
	}
	return got, ""
}

// contentTypes is [Content_Types].xml of an OPC package. Element names are
// matched without their namespace, which is fixed by the standard.
type contentTypes struct {
	Defaults []struct {
		Extension   string `xml:"Extension,attr"`
		ContentType string `xml:"ContentType,attr"`
	} `xml:"Default"`
	Overrides []struct {
		PartName    string `xml:"PartName,attr"`
		ContentType string `xml:"ContentType,attr"`
	} `xml:"Override"`
}

// partType returns the content type [Content_Types].xml gives to part: its
// Override if any, else the Default for its extension, as OPC specifies.
func partType(ct *zip.File, part string) (string, error) {
	rc, err := ct.Open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxContentTypes+1))
	if err != nil {
		return "", err
	}
	if len(data) > maxContentTypes {
		return "", errors.New("[Content_Types].xml too large")
	}
	var types contentTypes
	if err := xml.Unmarshal(data, &types); err != nil {
		return "", err
	}
	for _, o := range types.Overrides {
		if strings.EqualFold(o.PartName, part) {
			return o.ContentType, nil
		}
	}
	ext := part[strings.LastIndexByte(part, '.')+1:]
	for _, d := range types.Defaults {
		if strings.EqualFold(d.Extension, ext) {
			return d.ContentType, nil
		}
	}
	return "", nil
}
