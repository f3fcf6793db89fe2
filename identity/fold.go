package identity

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// FoldVietnamese removes diacritics: "Nguyễn Văn Đức" → "Nguyen Van Duc".
func FoldVietnamese(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ':
			b.WriteRune('d')
		case r == 'Đ':
			b.WriteRune('D')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
