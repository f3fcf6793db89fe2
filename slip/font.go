package slip

import (
	_ "embed" // the fonts travel inside the binary
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The Go fonts (golang.org/x/image/font/gofont, regular and bold) lack 92
// of the 178 precomposed Vietnamese letters, upper and lower case (ả ạ ằ ế
// ộ ơ ư ữ ỹ...; checked with sfnt.GlyphIndex in x/image v0.48.0), so the
// slips embed DejaVu Sans, which has them all (font_test.go checks every
// letter). The licence is fonts/LICENSE-DejaVu.txt. fpdf embeds only the
// glyphs a document uses, so a slip carries about 40 kB of font, not the
// 1.4 MB of these files.
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
)

// fontFamily is the name the slips register the embedded font under.
const fontFamily = "dejavu"

// vietnameseLetters is the Vietnamese alphabet in lower case, every vowel
// with each of its five tone marks, as precomposed (NFC) characters. Upper
// case follows with unicode.ToUpper.
const vietnameseLetters = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"

// clean makes caller text safe and well rendered. Text typed on some phones
// and Macs arrives decomposed (e + U+0302 + U+0301 for ế): the font draws the
// combining marks badly, and NFC turns them back into the precomposed
// letters it has. fpdf indexes its width table by rune and has room only for
// the Basic Multilingual Plane, so anything above it (emoji) would crash it:
// those become U+FFFD, which shows that something was there. Control
// characters are dropped; tabs and other spaces become plain spaces so that
// lines wrap on them.
func clean(s string) string {
	s = norm.NFC.String(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r > 0xFFFF:
			return unicode.ReplacementChar
		case unicode.IsControl(r) && !unicode.IsSpace(r):
			return -1
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, s)
}

// oneLine is clean for text that must stay on one line (names, codes).
func oneLine(s string) string {
	return strings.Join(strings.Fields(clean(s)), " ")
}
