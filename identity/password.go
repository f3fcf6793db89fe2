package identity

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Password rules follow NIST SP 800-63B: a minimum length instead of
// composition rules, a maximum to bound the hashing work, and refusal of
// passwords that are known, simple or personal. Hashing is elsewhere.

// Password length limits, in characters (Unicode code points).
const (
	PasswordMinLen = 10
	PasswordMaxLen = 128
)

//go:embed common_passwords.txt
var commonPasswordsText string

// commonPasswords is the embedded list, folded (see foldPassword).
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 4096)
	for line := range strings.Lines(commonPasswordsText) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if f := foldPassword(line); f != "" {
			m[f] = struct{}{}
		}
	}
	return m
})

func isCommon(f string) bool {
	_, ok := commonPasswords()[f]
	return ok
}

const passwordAdvice = " Hãy chọn mật khẩu khác, ví dụ một câu ngắn dễ nhớ."

// CheckPassword refuses a password that is too short or too long, contains
// control characters or invalid UTF-8, is a single repeated character, a
// sequence ("1234567890", "abcdefghij", "qwertyuiop") or a repetition, only
// joins such easy parts (common words, years, short sequences), contains
// one of the personal strings given by the caller, or is in the embedded list
// of common passwords (common_passwords.txt).
//
// Comparisons ignore case, Vietnamese diacritics and spaces; the common-list
// comparison is also made after removing leading and trailing digits and
// symbols, after undoing the usual substitutions inside (@ for a, 0 for
// o...) and on the letters alone, so "P@ssw0rd2024!" and "anh-yeu-em-2024"
// are refused because "password" and "anhyeuem" are common.
//
// personal holds what the caller knows of the user: the ID number, phone
// number, e-mail address (or its local part), full name... Each is reduced to
// its letters and digits and checked when that leaves at least 4 of them;
// an e-mail address is also checked by its local part, and a number starting
// with 0 also without that 0. A full name is checked whole ("nguyenvanan");
// pass the given name separately to refuse it alone.
func CheckPassword(pw string, personal ...string) error {
	n := utf8.RuneCountInString(pw)
	if n < PasswordMinLen {
		return invalid("Mật khẩu phải có ít nhất 10 ký tự. Một câu ngắn dễ nhớ, có dấu cách, là một mật khẩu tốt.")
	}
	if n > PasswordMaxLen {
		return invalid("Mật khẩu không được dài quá 128 ký tự. Hãy chọn mật khẩu ngắn hơn.")
	}
	if !utf8.ValidString(pw) || strings.IndexFunc(pw, unicode.IsControl) >= 0 {
		return invalid("Mật khẩu có ký tự không hợp lệ (ký tự điều khiển). Hãy gõ lại mật khẩu bằng bàn phím.")
	}

	f := foldPassword(pw)
	if f == "" || periodic(f, 1) {
		return invalid("Mật khẩu không được chỉ là một ký tự lặp lại." + passwordAdvice)
	}
	if isSequence(f) || periodic(f, len(f)/2) {
		return invalid("Mật khẩu không được là một dãy ký tự liên tiếp hay lặp lại (như 1234567890, abcdefghij, qwertyuiop)." + passwordAdvice)
	}

	alnum := lettersAndDigits(f)
	for _, p := range personal {
		for _, q := range personalForms(p) {
			if strings.Contains(alnum, q) {
				return invalid("Mật khẩu không được chứa thông tin cá nhân của bạn (họ tên, số định danh, số điện thoại, địa chỉ thư điện tử)." + passwordAdvice)
			}
		}
	}

	core := strings.TrimFunc(f, notLetter)
	unleet := strings.TrimFunc(deleet(strings.TrimRightFunc(f, notLetter)), notLetter)
	letters := strings.Map(func(r rune) rune {
		if notLetter(r) {
			return -1
		}
		return r
	}, f)
	if isCommon(f) || isCommon(core) || isCommon(unleet) || (utf8.RuneCountInString(letters) >= 4 && isCommon(letters)) {
		return invalid("Mật khẩu này quá phổ biến, dễ bị đoán." + passwordAdvice)
	}
	if onlyEasyParts(f) {
		return invalid("Mật khẩu này chỉ ghép những phần dễ đoán (từ phổ biến, năm, dãy như abc hay 123)." + passwordAdvice)
	}
	return nil
}

// personalForms returns the forms of a personal string to look for in a
// password (letters and digits only, folded), each of at least 4 runes.
func personalForms(p string) []string {
	cands := []string{p}
	if local, _, ok := strings.Cut(p, "@"); ok {
		cands = append(cands, local)
	}
	var out []string
	for _, c := range cands {
		q := lettersAndDigits(foldPassword(c))
		if utf8.RuneCountInString(q) >= 4 {
			out = append(out, q)
		}
		if len(q) >= 5 && q[0] == '0' && isASCIIDigits(q) {
			out = append(out, q[1:]) // 0912345678 also as +84 912345678
		}
	}
	return out
}

// vietnameseBase maps each lower-case Vietnamese letter with diacritics to
// its base letter.
var vietnameseBase = func() map[rune]rune {
	m := map[rune]rune{'đ': 'd'}
	for base, letters := range map[rune]string{
		'a': "àáảãạăằắẳẵặâầấẩẫậ",
		'e': "èéẻẽẹêềếểễệ",
		'i': "ìíỉĩị",
		'o': "òóỏõọôồốổỗộơờớởỡợ",
		'u': "ùúủũụưừứửữự",
		'y': "ỳýỷỹỵ",
	} {
		for _, r := range letters {
			m[r] = base
		}
	}
	return m
}()

// foldPassword lower-cases s, removes Vietnamese diacritics (precomposed or
// as combining marks) and white space.
func foldPassword(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.Is(unicode.Mn, r) {
			return -1
		}
		r = unicode.ToLower(r)
		if b, ok := vietnameseBase[r]; ok {
			return b
		}
		return r
	}, s)
}

func lettersAndDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

func notLetter(r rune) bool { return !unicode.IsLetter(r) }

// deleet undoes the substitutions people make to dress up a word.
func deleet(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '@', '4':
			return 'a'
		case '0':
			return 'o'
		case '1', '!':
			return 'i'
		case '3':
			return 'e'
		case '$', '5':
			return 's'
		case '7':
			return 't'
		}
		return r
	}, s)
}

// sequenceSources are the runs of characters people type as passwords: the
// alphabet, the digits (wrapping round) and the keyboard rows, each also
// backwards (added in init).
var sequenceSources = []string{
	"abcdefghijklmnopqrstuvwxyz",
	"012345678901234567890123456789",
	"qwertyuiop",
	"asdfghjkl",
	"zxcvbnm",
	"1234567890-=",
	"!@#$%^&*()_+",
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
}

func init() {
	for _, s := range sequenceSources[:len(sequenceSources):len(sequenceSources)] {
		r := []rune(s)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		sequenceSources = append(sequenceSources, string(r))
	}
}

// isSequence reports whether s (3 characters or more) is a run of one of
// sequenceSources.
func isSequence(s string) bool {
	if len(s) < 3 {
		return false
	}
	for _, src := range sequenceSources {
		if strings.Contains(src, s) {
			return true
		}
	}
	return false
}

// periodic reports whether s repeats a unit of at most maxUnit runes at
// least twice ("aaaa", "abcabcab", "matkhaumatkhau").
func periodic(s string, maxUnit int) bool {
	r := []rune(s)
	for u := 1; u <= maxUnit && 2*u <= len(r); u++ {
		ok := true
		for i := u; i < len(r); i++ {
			if r[i] != r[i-u] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// onlyEasyParts splits s into runs of letters, of digits and of other
// characters, and reports whether every run is easy to guess: a single
// character, a sequence, a repetition, a common password or a year.
func onlyEasyParts(s string) bool {
	class := func(r rune) int {
		switch {
		case unicode.IsLetter(r):
			return 0
		case unicode.IsDigit(r):
			return 1
		}
		return 2
	}
	r := []rune(s)
	for start := 0; start < len(r); {
		end := start + 1
		for end < len(r) && class(r[end]) == class(r[start]) {
			end++
		}
		if !easyPart(string(r[start:end])) {
			return false
		}
		start = end
	}
	return true
}

func easyPart(p string) bool {
	n := utf8.RuneCountInString(p)
	if n == 1 || isSequence(p) || periodic(p, n/2) || isCommon(p) {
		return true
	}
	return len(p) == 4 && isASCIIDigits(p) && (p[:2] == "19" || p[:2] == "20")
}
