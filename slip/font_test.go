package slip

import (
	"strings"
	"testing"
	"unicode"

	"golang.org/x/image/font/sfnt"
)

// missingGlyphs lists the runes of s that the font has no glyph for.
func missingGlyphs(t *testing.T, ttf []byte, s string) string {
	t.Helper()
	f, err := sfnt.Parse(ttf)
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	var missing []rune
	for _, r := range s {
		if i, err := f.GlyphIndex(&buf, r); err != nil || i == 0 {
			missing = append(missing, r)
		}
	}
	return string(missing)
}

// TestVietnameseCoverage checks that the embedded fonts draw every letter
// of the Vietnamese alphabet, in both cases, and the other characters the
// slips print.
func TestVietnameseCoverage(t *testing.T) {
	all := vietnameseLetters + strings.ToUpper(vietnameseLetters) + "0123456789.,:;-–/()[]%\"'?!@&_+ \uFFFD"
	if n := len([]rune(vietnameseLetters)); n != 89 {
		t.Fatalf("the alphabet list has %d letters, want 89 (17 consonants and 12 vowels × 6 tones)", n)
	}
	for _, r := range vietnameseLetters {
		if unicode.ToUpper(r) == r {
			t.Errorf("%q has no upper case: not a lower-case letter", r)
		}
	}
	for _, font := range []struct {
		name string
		ttf  []byte
	}{{"DejaVuSans.ttf", fontRegular}, {"DejaVuSans-Bold.ttf", fontBold}} {
		if m := missingGlyphs(t, font.ttf, all); m != "" {
			t.Errorf("%s lacks %q", font.name, m)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Nguye\u0302\u0303n", "Nguyễn"}, // decomposed, as some keyboards send it
		{"a\tb\r\nc", "a b\nc"},
		{"bell\x07", "bell"},
		{"cười 😀", "cười \uFFFD"},
	}
	for _, tt := range tests {
		if got := clean(tt.in); got != tt.want {
			t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := oneLine("  Trần \n Văn\tĐức "); got != "Trần Văn Đức" {
		t.Errorf("oneLine = %q", got)
	}
}
