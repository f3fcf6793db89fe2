package identity

// Validation of the identifiers citizens and businesses type into forms:
// personal identification numbers (this file), tax codes (taxcode.go), mobile
// numbers (phone.go) and passwords (password.go). Every refusal is a
// *ValidationError whose message is a Vietnamese sentence telling the person
// what to fix, and which matches egov.ErrInvalid with errors.Is, so that the
// web layer can put it in egov.FieldErrors under the field's name.
//
// The validators trim surrounding white space and are otherwise strict. What
// people type inside a value ("001 090 012345", "0912.345.678") is cleaned by
// the Normalize functions, which callers apply before validating and whose
// result is what they store.

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/egov-vn/egov"
)

// ValidationError is a refused value. Msg is a Vietnamese sentence for the
// citizen, saying what to fix; it is the whole of Error().
type ValidationError struct {
	Msg string
}

func (e *ValidationError) Error() string { return e.Msg }

// Is makes a *ValidationError match egov.ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == egov.ErrInvalid }

func invalid(msg string) error { return &ValidationError{Msg: msg} }

func invalidf(format string, args ...any) error {
	return &ValidationError{Msg: fmt.Sprintf(format, args...)}
}

// Sex is the sex recorded in the population register.
type Sex string

// Sexes.
const (
	SexMale   Sex = "male"
	SexFemale Sex = "female"
)

// Valid reports whether s is SexMale or SexFemale.
func (s Sex) Valid() bool { return s == SexMale || s == SexFemale }

// vi is the Vietnamese word for s, as used in messages.
func (s Sex) vi() string {
	if s == SexMale {
		return "nam"
	}
	return "nữ"
}

// IDNumber is what a personal identification number (số định danh cá nhân,
// the number on the chip-based citizen identity card) says about its holder.
type IDNumber struct {
	Province     string // 3-digit code of the province where the birth was registered
	ProvinceName string
	Male         bool
	Century      int // 1900, 2000, 2100, 2200 or 2300
	YearOfBirth  int // full year
}

// Sex returns the holder's sex as recorded in the number.
func (n IDNumber) Sex() Sex {
	if n.Male {
		return SexMale
	}
	return SexFemale
}

const idNumberLen = 12

// NormalizeIDNumber removes the spaces (any Unicode white space) and dots
// that people type inside a personal identification number, as in
// "001 090 012345" or "001.090.012.345". It changes nothing else; validate
// its result with ParseIDNumber or ValidateIDNumber.
func NormalizeIDNumber(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '.' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// ParseIDNumber checks the layout of a 12-digit personal identification
// number and decodes it: 3 digits of the province where the birth was
// registered (one of the 63 codes in provinces.go), 1 digit of century and
// sex (0/1 1900s, 2/3 2000s, 4/5 2100s, 6/7 2200s, 8/9 2300s; even for men,
// odd for women), 2 digits of the year of birth, 6 digits of sequence. The
// number has no check digit, so a well-formed number may still not exist.
//
// Surrounding white space is ignored; anything else that is not one of the
// ASCII digits 0–9 is refused (see NormalizeIDNumber).
func ParseIDNumber(id string) (IDNumber, error) {
	s := strings.TrimSpace(id)
	if s == "" {
		return IDNumber{}, invalid("Hãy nhập số định danh cá nhân: 12 chữ số in trên thẻ căn cước.")
	}
	if !isASCIIDigits(s) {
		return IDNumber{}, invalid("Số định danh cá nhân chỉ gồm 12 chữ số từ 0 đến 9, viết liền, không có chữ cái, dấu cách hay dấu chấm.")
	}
	if len(s) == 9 {
		return IDNumber{}, invalid("Số định danh cá nhân phải gồm đúng 12 chữ số. Số 9 chữ số là số chứng minh nhân dân cũ: hãy nhập số 12 chữ số in trên thẻ căn cước.")
	}
	if len(s) != idNumberLen {
		return IDNumber{}, invalidf("Số định danh cá nhân phải gồm đúng 12 chữ số. Bạn đã nhập %d chữ số.", len(s))
	}
	var n IDNumber
	n.Province = s[:3]
	name, ok := provinces[n.Province]
	if !ok {
		return IDNumber{}, invalid("Ba chữ số đầu (mã tỉnh nơi đăng ký khai sinh) không hợp lệ. Hãy kiểm tra lại số in trên thẻ căn cước.")
	}
	n.ProvinceName = name
	d := int(s[3] - '0')
	n.Male = d%2 == 0
	n.Century = 1900 + 100*(d/2)
	n.YearOfBirth = n.Century + int(s[4]-'0')*10 + int(s[5]-'0')
	return n, nil
}

// ValidateIDNumber checks id with ParseIDNumber and then that the year of
// birth and the sex it encodes agree with the declared date of birth and
// sex. A zero dob skips the year check and an empty sex the sex check (for
// forms that do not ask them); any other sex than SexMale or SexFemale is
// refused.
func ValidateIDNumber(id string, dob time.Time, sex Sex) error {
	n, err := ParseIDNumber(id)
	if err != nil {
		return err
	}
	if !dob.IsZero() && dob.Year() != n.YearOfBirth {
		return invalidf("Chữ số thứ 4 và năm sinh trong số định danh không khớp với ngày sinh %s. Hãy kiểm tra lại số định danh và ngày sinh.", dob.Format("02/01/2006"))
	}
	if sex != "" {
		if !sex.Valid() {
			return invalid("Giới tính đã khai không hợp lệ: hãy chọn nam hoặc nữ.")
		}
		if n.Sex() != sex {
			return invalidf("Giới tính trong số định danh (%s) không khớp với giới tính đã khai (%s).", n.Sex().vi(), sex.vi())
		}
	}
	return nil
}

// isASCIIDigits reports whether s is made of the ASCII digits 0–9 only (and
// is not empty). Other Unicode digits, such as Arabic-Indic or full-width
// ones, are refused.
func isASCIIDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
