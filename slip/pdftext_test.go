package slip

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/ledongthuc/pdf"
)

// The tests read the PDFs back with github.com/ledongthuc/pdf, a pure-Go
// reader, so that CI needs no poppler. Its own text extraction cannot be
// used as it is: fpdf maps its Unicode fonts with one ToUnicode range,
// <0000> <FFFF> <0000>, and the reader (following the letter of the PDF
// specification, which lets a range vary only in its last byte) adds the
// offset to the last byte alone, so "ế" (U+1EBF) comes back as "¿". The
// reader still parses the file, the objects and the content streams; the
// few lines below apply the ToUnicode map the way viewers and pdftotext do,
// as one number.

// textItem is one string shown on a page, at its text position in points
// from the bottom left.
type textItem struct {
	x, y float64
	s    string
}

// rect is a filled rectangle, in points, as written by the re operator.
type rect struct{ x, y, w, h float64 }

// pageContent is what a page shows.
type pageContent struct {
	items []textItem
	rects []rect // filled ones only: the QR code's modules
}

// readPDF parses a PDF made by this package into its pages.
func readPDF(t testing.TB, data []byte) (pages []pageContent, info pdf.Value) {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("reading the PDF: %v", err)
	}
	for i := 1; i <= r.NumPage(); i++ {
		pages = append(pages, readPage(t, r.Page(i)))
	}
	return pages, r.Trailer().Key("Info")
}

func readPage(t testing.TB, pg pdf.Page) pageContent {
	t.Helper()
	maps := map[string]*toUnicode{}
	for _, name := range pg.Fonts() {
		m, err := parseToUnicode(pg.Font(name).V.Key("ToUnicode"))
		if err != nil {
			t.Fatalf("font %s: %v", name, err)
		}
		maps[name] = m
	}
	var (
		out     pageContent
		cur     *toUnicode
		tx, ty  float64 // text line origin, reset by BT
		pending []rect  // rectangles waiting for their paint operator
	)
	pdf.Interpret(pg.V.Key("Contents"), func(stk *pdf.Stack, op string) {
		args := make([]pdf.Value, stk.Len())
		for i := len(args) - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		num := func(i int) float64 { return args[i].Float64() }
		show := func(raw string) {
			if cur == nil {
				t.Fatalf("text shown before any font is set")
			}
			out.items = append(out.items, textItem{tx, ty, cur.decode(raw)})
		}
		switch op {
		case "BT":
			tx, ty = 0, 0
		case "Tf":
			cur = maps[args[0].Name()]
		case "Td", "TD":
			tx, ty = tx+num(0), ty+num(1)
		case "Tm":
			tx, ty = num(4), num(5)
		case "Tj", "'", `"`:
			show(args[len(args)-1].RawString())
		case "TJ":
			var b strings.Builder
			a := args[0]
			for i := 0; i < a.Len(); i++ {
				if a.Index(i).Kind() == pdf.String {
					b.WriteString(a.Index(i).RawString())
				}
			}
			show(b.String())
		case "re":
			pending = append(pending, rect{num(0), num(1), num(2), num(3)})
		case "f", "F", "f*", "B", "B*", "b", "b*":
			out.rects = append(out.rects, pending...)
			pending = nil
		case "S", "s", "n":
			pending = nil
		}
	})
	return out
}

// toUnicode is a ToUnicode CMap: code length in bytes and the mappings.
type toUnicode struct {
	codeLen int
	chars   map[uint32]string
	ranges  []cmapRange
}

type cmapRange struct {
	lo, hi uint32
	dst    []byte // UTF-16BE of the first code's text
}

var (
	cmapSection = regexp.MustCompile(`(?s)begin(codespacerange|bfchar|bfrange)(.*?)end(codespacerange|bfchar|bfrange)`)
	cmapHex     = regexp.MustCompile(`<([0-9A-Fa-f]*)>`)
)

func parseToUnicode(v pdf.Value) (*toUnicode, error) {
	if v.Kind() != pdf.Stream {
		return nil, fmt.Errorf("no ToUnicode map")
	}
	rd := v.Reader()
	defer rd.Close()
	raw, err := io.ReadAll(rd)
	if err != nil {
		return nil, err
	}
	m := &toUnicode{chars: map[uint32]string{}}
	for _, sec := range cmapSection.FindAllStringSubmatch(string(raw), -1) {
		var hex [][]byte
		for _, h := range cmapHex.FindAllStringSubmatch(sec[2], -1) {
			b := make([]byte, len(h[1])/2)
			for i := range b {
				n, err := strconv.ParseUint(h[1][2*i:2*i+2], 16, 8)
				if err != nil {
					return nil, err
				}
				b[i] = byte(n)
			}
			hex = append(hex, b)
		}
		switch sec[1] {
		case "codespacerange":
			for _, h := range hex {
				if m.codeLen != 0 && m.codeLen != len(h) {
					return nil, fmt.Errorf("mixed code lengths are not supported")
				}
				m.codeLen = len(h)
			}
		case "bfchar":
			for i := 0; i+1 < len(hex); i += 2 {
				m.chars[be(hex[i])] = utf16be(hex[i+1])
			}
		case "bfrange":
			// Array destinations are not used by fpdf and not supported.
			for i := 0; i+2 < len(hex); i += 3 {
				m.ranges = append(m.ranges, cmapRange{be(hex[i]), be(hex[i+1]), hex[i+2]})
			}
		}
	}
	if m.codeLen == 0 {
		return nil, fmt.Errorf("no code space range")
	}
	return m, nil
}

func (m *toUnicode) decode(raw string) string {
	var b strings.Builder
	for len(raw) >= m.codeLen {
		code := be([]byte(raw[:m.codeLen]))
		raw = raw[m.codeLen:]
		if s, ok := m.chars[code]; ok {
			b.WriteString(s)
			continue
		}
		found := false
		for _, r := range m.ranges {
			if code < r.lo || code > r.hi {
				continue
			}
			// The destination is one number, incremented as a whole.
			dst := append([]byte(nil), r.dst...)
			carry := code - r.lo
			for i := len(dst) - 1; i >= 0 && carry > 0; i-- {
				sum := uint32(dst[i]) + carry
				dst[i] = byte(sum)
				carry = sum >> 8
			}
			b.WriteString(utf16be(dst))
			found = true
			break
		}
		if !found {
			b.WriteRune('\uFFFD')
		}
	}
	return b.String()
}

func be(b []byte) uint32 {
	var n uint32
	for _, c := range b {
		n = n<<8 | uint32(c)
	}
	return n
}

func utf16be(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return string(utf16.Decode(u))
}

// lines puts a page's strings in reading order: top to bottom, and left to
// right within a line. Strings on the same baseline (to a tenth of a point)
// are one line; the pieces are joined with one space.
func (pc pageContent) lines() []string {
	baseline := func(it textItem) float64 { return math.Round(it.y*10) / 10 }
	items := append([]textItem(nil), pc.items...)
	sort.SliceStable(items, func(i, j int) bool {
		if yi, yj := baseline(items[i]), baseline(items[j]); yi != yj {
			return yi > yj
		}
		return items[i].x < items[j].x
	})
	var out, cur []string
	for i, it := range items {
		if i > 0 && baseline(it) != baseline(items[i-1]) && len(cur) > 0 {
			out = append(out, strings.Join(cur, " "))
			cur = nil
		}
		if s := strings.Join(strings.Fields(it.s), " "); s != "" {
			cur = append(cur, s)
		}
	}
	if len(cur) > 0 {
		out = append(out, strings.Join(cur, " "))
	}
	return out
}

// pdfText is the whole text of a PDF as the golden files keep it.
func pdfText(t testing.TB, data []byte) string {
	t.Helper()
	pages, info := readPDF(t, data)
	var b strings.Builder
	fmt.Fprintf(&b, "Title: %s\nSubject: %s\nAuthor: %s\nCreator: %s\nCreationDate: %s\n",
		info.Key("Title").Text(), info.Key("Subject").Text(), info.Key("Author").Text(),
		info.Key("Creator").Text(), info.Key("CreationDate").Text())
	for i, p := range pages {
		fmt.Fprintf(&b, "--- trang %d ---\n", i+1)
		for _, l := range p.lines() {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}
