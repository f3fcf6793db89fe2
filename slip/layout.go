package slip

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"
)

// Page geometry in millimetres. Decree 30/2020/NĐ-CP puts the left margin
// of administrative documents at 30–35 mm for binding; the slips are handed
// over, not bound, so they keep 20 mm and give the width to the text.
const (
	marginLeft   = 20.0
	marginRight  = 15.0
	marginTop    = 15.0
	marginBottom = 18.0

	headLeftWidth = 75.0 // the agency column of the heading; the motto takes the rest

	bodySize  = 10.5 // points
	smallSize = 8.5
	lineH     = 5.5 // body line height

	qrSize = 30.0 // side of the QR code; 25 mm or more keeps it easy to scan from paper
)

// doc is one slip being drawn. It wraps fpdf with the few layout moves the
// forms share, so that each form reads as a list of its parts.
type doc struct {
	pdf   *fpdf.Fpdf
	width float64 // between the margins
	// contLine names the slip at the top of every page after the first, so
	// that a loose second page still says which dossier it belongs to.
	contLine string
}

// meta is what a PDF says about itself in its document information.
type meta struct {
	title   string
	subject string
	author  string
	date    time.Time // fixed, so that the same data gives the same bytes
}

func newDoc(m meta, contLine string) *doc {
	p := fpdf.New("P", "mm", "A4", "")
	p.AddUTF8FontFromBytes(fontFamily, "", fontRegular)
	p.AddUTF8FontFromBytes(fontFamily, "B", fontBold)
	p.SetMargins(marginLeft, marginTop, marginRight)
	p.SetAutoPageBreak(true, marginBottom)
	// fpdf stamps the time of generation unless told otherwise; the slip's
	// own date keeps the output a function of the data (golden tests, and
	// the same receipt downloaded twice is the same file).
	p.SetCreationDate(m.date.In(vietnam))
	p.SetModificationDate(m.date.In(vietnam))
	p.SetCatalogSort(true)
	p.SetTitle(m.title, true)
	p.SetSubject(m.subject, true)
	p.SetAuthor(m.author, true)
	p.SetCreator("egov", true)
	p.SetProducer("egov", true)
	p.SetLang("vi-VN")
	w, _ := p.GetPageSize()
	d := &doc{pdf: p, width: w - marginLeft - marginRight, contLine: contLine}
	p.SetHeaderFunc(d.continuation)
	p.AddPage()
	d.font(false, bodySize)
	return d
}

// continuation heads the pages after the first.
func (d *doc) continuation() {
	p := d.pdf
	if p.PageNo() < 2 || d.contLine == "" {
		return
	}
	d.font(false, smallSize)
	p.SetTextColor(90, 90, 90)
	p.SetXY(marginLeft, marginTop-6)
	p.CellFormat(d.width, 4, fmt.Sprintf("%s (trang %d)", d.contLine, p.PageNo()), "", 1, "R", false, 0, "")
	p.SetTextColor(0, 0, 0)
	p.SetY(marginTop)
}

func (d *doc) font(bold bool, size float64) {
	style := ""
	if bold {
		style = "B"
	}
	d.pdf.SetFont(fontFamily, style, size)
}

// fit sets the largest size up to largest at which s fits in w, for the
// lines that must not wrap (the national title).
func (d *doc) fit(bold bool, largest float64, s string, w float64) {
	for size := largest; size > 6; size -= 0.5 {
		d.font(bold, size)
		if d.pdf.GetStringWidth(s)+2*d.pdf.GetCellMargin() <= w {
			return
		}
	}
}

// ensure starts a new page unless h millimetres still fit on this one, so
// that a block which must stay whole (a table row, a signature) is not cut.
func (d *doc) ensure(h float64) {
	p := d.pdf
	_, pageH := p.GetPageSize()
	if p.GetY()+h > pageH-marginBottom && p.GetY() > marginTop+1 {
		p.AddPage()
	}
}

func (d *doc) gap(h float64) {
	d.pdf.SetXY(marginLeft, d.pdf.GetY()+h)
}

// heading draws the two heading columns. number, when not empty, is the
// document's number ("Số: ..."), printed under the agency name.
func (d *doc) heading(h Heading, number string, date time.Time) {
	p := d.pdf
	rightX := marginLeft + headLeftWidth
	rightW := d.width - headLeftWidth
	top := p.GetY()

	// Left: the agency.
	p.SetXY(marginLeft, top)
	if parent := oneLine(h.ParentAgencyName); parent != "" {
		d.font(false, 10)
		p.MultiCell(headLeftWidth, 5, strings.ToUpper(parent), "", "C", false)
		p.SetX(marginLeft)
	}
	d.font(true, 10)
	p.MultiCell(headLeftWidth, 5, strings.ToUpper(oneLine(h.AgencyName)), "", "C", false)
	yl := p.GetY() + 1
	p.SetLineWidth(0.3)
	p.Line(marginLeft+headLeftWidth/2-12, yl, marginLeft+headLeftWidth/2+12, yl)

	// Right: the national title and motto.
	const nation = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
	const motto = "Độc lập - Tự do - Hạnh phúc"
	p.SetXY(rightX, top)
	d.fit(true, 10.5, nation, rightW)
	p.CellFormat(rightW, 5, nation, "", 2, "C", false, 0, "")
	d.font(true, 11)
	p.CellFormat(rightW, 5.5, motto, "", 2, "C", false, 0, "")
	mw := p.GetStringWidth(motto)
	yr := p.GetY() + 0.8
	p.Line(rightX+(rightW-mw)/2, yr, rightX+(rightW+mw)/2, yr)

	// The number and the place-and-date line share a baseline.
	y := max(yl, yr) + 2.5
	end := y
	if number = oneLine(number); number != "" {
		p.SetXY(marginLeft, y)
		d.font(false, 10)
		p.MultiCell(headLeftWidth, 5, "Số: "+number, "", "C", false)
		end = max(end, p.GetY())
	}
	p.SetXY(rightX, y)
	d.font(false, 10)
	p.MultiCell(rightW, 5, placeDate(oneLine(h.Place), date), "", "C", false)
	end = max(end, p.GetY())
	p.SetXY(marginLeft, end+6)
}

// title draws the name of the form, then lines under it (the dossier code).
func (d *doc) title(text string, sub ...string) {
	p := d.pdf
	d.font(true, 13)
	p.MultiCell(0, 6.5, text, "", "C", false)
	for _, s := range sub {
		if s = oneLine(s); s != "" {
			d.font(false, bodySize)
			p.MultiCell(0, lineH, s, "", "C", false)
		}
	}
	d.gap(4)
	d.font(false, bodySize)
}

// field writes "label: value", the value in bold, wrapping as needed. An
// empty value writes nothing: a blank label on a printed slip looks like a
// form the official forgot to fill in.
func (d *doc) field(label, value string) {
	value = clean(strings.TrimSpace(value))
	if value == "" {
		return
	}
	p := d.pdf
	d.ensure(lineH)
	p.SetX(marginLeft)
	d.font(false, bodySize)
	p.Write(lineH, label+": ")
	d.font(true, bodySize)
	p.Write(lineH, value)
	p.Ln(lineH)
	d.font(false, bodySize)
}

// fields writes several label-value pairs; see field.
func (d *doc) fields(pairs ...string) {
	for i := 0; i+1 < len(pairs); i += 2 {
		d.field(pairs[i], pairs[i+1])
	}
}

// para writes a paragraph of running text.
func (d *doc) para(text string) {
	text = clean(strings.TrimSpace(text))
	if text == "" {
		return
	}
	d.ensure(lineH)
	d.pdf.SetX(marginLeft)
	d.font(false, bodySize)
	d.pdf.MultiCell(0, lineH, text, "", "L", false)
}

// list writes numbered items with a hanging indent, so that a wrapped item
// stays clear of the numbers.
func (d *doc) list(items []string) {
	p := d.pdf
	const indent = 10.0
	n := 0
	for _, it := range items {
		it = clean(strings.TrimSpace(it))
		if it == "" {
			continue
		}
		n++
		// The number and the first line of its item go on the same page.
		d.ensure(lineH)
		d.font(false, bodySize)
		p.SetX(marginLeft + 3)
		p.CellFormat(indent-3, lineH, fmt.Sprintf("%d.", n), "", 0, "L", false, 0, "")
		p.MultiCell(d.width-indent, lineH, it, "", "L", false)
	}
}

// column is one column of a table.
type column struct {
	head  string
	width float64
	align string // fpdf alignment: "L", "C" or "R"
}

// table draws a bordered table whose cells wrap. A row never splits across
// pages, and the header row is repeated at the top of each new page, so
// that a long list of papers stays readable.
func (d *doc) table(cols []column, rows [][]string) {
	p := d.pdf
	const lh = 5.0
	const pad = 1.0
	height := func(cells []string, bold bool) float64 {
		d.font(bold, 9.5)
		lines := 1
		for i, c := range cells {
			if n := len(p.SplitText(c, cols[i].width)); n > lines {
				lines = n
			}
		}
		return float64(lines)*lh + 2*pad
	}
	draw := func(cells []string, bold bool, h float64) {
		d.font(bold, 9.5)
		x, y := marginLeft, p.GetY()
		for i, c := range cells {
			p.Rect(x, y, cols[i].width, h, "D")
			p.SetXY(x, y+pad)
			p.MultiCell(cols[i].width, lh, c, "", cols[i].align, false)
			x += cols[i].width
		}
		p.SetXY(marginLeft, y+h)
	}
	head := make([]string, len(cols))
	for i, c := range cols {
		head[i] = c.head
	}
	headH := height(head, true)
	p.SetLineWidth(0.2)
	// The header goes with at least the first row.
	first := headH
	if len(rows) > 0 {
		first += height(rows[0], false)
	}
	d.ensure(first)
	// The table places its own page breaks, between rows; fpdf's automatic
	// ones would cut a row's cells apart. A row taller than a page (a
	// pathological paper name) is clipped rather than split.
	p.SetAutoPageBreak(false, marginBottom)
	defer p.SetAutoPageBreak(true, marginBottom)
	draw(head, true, headH)
	_, pageH := p.GetPageSize()
	for _, r := range rows {
		h := height(r, false)
		if p.GetY()+h > pageH-marginBottom {
			p.AddPage()
			draw(head, true, headH)
		}
		draw(r, false, h)
	}
	d.font(false, bodySize)
}

// block is a part of the closing row of a slip: a signature or a QR code.
type block interface {
	height(d *doc, w float64) float64
	draw(d *doc, x, y, w float64)
}

// signature is a signing block: the role, a hint such as "(Ký và ghi rõ họ
// tên)", room to sign and the name.
type signature struct {
	role string // may hold several lines, such as "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH"
	hint string
	name string
	room float64 // space left to sign and stamp; a token gap when nobody signs by hand
}

func (s signature) height(d *doc, w float64) float64 {
	d.font(true, bodySize)
	h := float64(len(d.pdf.SplitText(s.role, w))) * lineH
	if s.hint != "" {
		h += 4.5
	}
	h += s.room
	if s.name != "" {
		d.font(true, bodySize)
		h += float64(len(d.pdf.SplitText(s.name, w))) * lineH
	}
	return h
}

func (s signature) draw(d *doc, x, y, w float64) {
	p := d.pdf
	p.SetXY(x, y)
	d.font(true, bodySize)
	p.MultiCell(w, lineH, s.role, "", "C", false)
	if s.hint != "" {
		p.SetX(x)
		d.font(false, smallSize)
		p.CellFormat(w, 4.5, s.hint, "", 2, "C", false, 0, "")
	}
	if s.name != "" {
		p.SetXY(x, p.GetY()+s.room)
		d.font(true, bodySize)
		p.MultiCell(w, lineH, s.name, "", "C", false)
	}
	d.font(false, bodySize)
}

// qrBlock is a QR code with a caption above and its URL printed under it,
// for a reader without a camera. The code is drawn as filled rectangles,
// not as an image: it stays sharp at any zoom and printer resolution, and
// needs no image decoder or raster size to choose.
type qrBlock struct {
	caption string
	url     string
	bitmap  [][]bool // [row][column], true for a dark module
}

func newQRBlock(caption, url string) (qrBlock, error) {
	// Level M restores up to 15% of the code: enough for a creased or
	// smudged paper slip while keeping the modules large.
	code, err := qrcode.New(url, qrcode.Medium)
	if err != nil {
		return qrBlock{}, fmt.Errorf("slip: QR code: %w", err)
	}
	// The page around the code is left blank instead (see quiet).
	code.DisableBorder = true
	return qrBlock{caption: caption, url: url, bitmap: code.Bitmap()}, nil
}

// quiet is the white margin a QR reader needs around the code: four
// modules, by the standard.
func (q qrBlock) quiet() float64 {
	return 4 * qrSize / float64(len(q.bitmap))
}

func (q qrBlock) height(d *doc, w float64) float64 {
	d.font(false, smallSize)
	h := float64(len(d.pdf.SplitText(q.caption, w)))*4 + q.quiet() + qrSize + q.quiet()
	d.font(false, 7.5)
	return h + float64(len(d.pdf.SplitText(q.url, w)))*3.5
}

func (q qrBlock) draw(d *doc, x, y, w float64) {
	p := d.pdf
	p.SetXY(x, y)
	d.font(false, smallSize)
	p.MultiCell(w, 4, q.caption, "", "C", false)
	top := p.GetY() + q.quiet()
	left := x + (w-qrSize)/2
	drawQR(p, q.bitmap, left, top, qrSize)
	p.LinkString(left, top, qrSize, qrSize, q.url)
	p.SetXY(x, top+qrSize+q.quiet())
	d.font(false, 7.5)
	p.MultiCell(w, 3.5, q.url, "", "C", false)
	d.font(false, bodySize)
}

// drawQR fills one rectangle for each horizontal run of dark modules.
// Runs rather than single modules: fewer operators, and no hairline seams
// between modules of a row in viewers that anti-alias.
func drawQR(p *fpdf.Fpdf, bitmap [][]bool, x, y, size float64) {
	if len(bitmap) == 0 {
		return
	}
	m := size / float64(len(bitmap))
	p.SetFillColor(0, 0, 0)
	for row, line := range bitmap {
		for col := 0; col < len(line); {
			if !line[col] {
				col++
				continue
			}
			start := col
			for col < len(line) && line[col] {
				col++
			}
			p.Rect(x+float64(start)*m, y+float64(row)*m, float64(col-start)*m, m, "F")
		}
	}
}

// row draws the closing row: left and right blocks side by side, either may
// be nil. A single signer goes on the right, as on every Vietnamese
// administrative document. The row is kept whole on one page.
func (d *doc) row(left, right block) {
	p := d.pdf
	w := d.width / 2
	h := 0.0
	for _, b := range []block{left, right} {
		if b != nil {
			h = max(h, b.height(d, w))
		}
	}
	d.gap(4)
	d.ensure(h)
	y := p.GetY()
	// Blocks are placed where ensure decided; fpdf must not break inside.
	p.SetAutoPageBreak(false, marginBottom)
	if left != nil {
		left.draw(d, marginLeft, y, w)
	}
	if right != nil {
		right.draw(d, marginLeft+w, y, w)
	}
	p.SetAutoPageBreak(true, marginBottom)
	p.SetXY(marginLeft, y+h)
}

// output finishes the document. fpdf records the first drawing error and
// reports it here.
func (d *doc) output(w io.Writer) error {
	if err := d.pdf.Output(w); err != nil {
		return fmt.Errorf("slip: writing the PDF: %w", err)
	}
	return nil
}
