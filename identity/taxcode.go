package identity

import (
	"strings"
	"unicode"
)

// Tax codes (mã số thuế).
//
// Layout: 10 digits — 2 of the province that issued the code, 7 of sequence,
// 1 check digit — or, for a dependent unit (branch, representative office),
// the 13 characters "NNNNNNNNNN-BBB": the parent's 10 digits, a dash and a
// 3-digit unit number from 001 to 999.
//
// Check digit: with the weights 31, 29, 23, 19, 17, 13, 7, 5, 3 on the first
// nine digits, check = 10 − (Σ dᵢwᵢ mod 11).
//
// Evidence (checked when this file was written; domain.md had marked the
// formula unverified):
//   - The formula accepts all 160 distinct real codes listed as "found
//     online and should all be valid" in python-stdnum's
//     tests/test_vn_mst.doctest (arthurdejong/python-stdnum), among them
//     0100233488, 0101245486, 0302082048, 2000102580 with its branches
//     -001…-005, 3100104093-009, 8037630690 (an individual) — and also
//     Vietcombank 0100112437, Viettel 0100109106, FPT 0101248141, Vinamilk
//     0300588569, and 0100047516, said by the vn-ident package to be the
//     worked example of the circular. Changing any one digit of a code
//     makes the formula refuse it, and so does swapping two adjacent digits
//     among the first nine (every weight and every difference of adjacent
//     weights is non-zero mod 11).
//   - When Σ mod 11 = 0 the formula gives 10, which is not a digit. Real
//     implementations refuse such codes: python-stdnum compares the tenth
//     digit with str(10 − sum % 11), which is "10" there and never matches;
//     stdnum (JavaScript) does the same; vn-ident's mst_check_digit returns
//     None for them ("000000000" is its example). A few hobby
//     implementations map 10 to 0 instead, but the real codes contradict
//     them: the 160 codes above include 21 that end in 0, and every one of
//     those has Σ mod 11 = 10 (check 0 by the plain formula); none has
//     Σ mod 11 = 0, where about 1 in 11 (≈ 15) would be expected if codes
//     with such a prefix were issued with check digit 0. So the tax
//     administration skips these prefixes and ValidateTaxCode refuses them.
//     (11 cannot occur: Σ mod 11 is at most 10.)
//   - Like python-stdnum, a sequence part of 0000000 and a unit number of
//     000 are refused, and like stdnum (JavaScript) a province part of 00: no
//     such codes are issued.
//
// Individuals: since 1 July 2025 (Circular 86/2024/TT-BTC, as reported by
// public accounting code) a person's 12-digit personal identification number
// serves as their tax code; ValidateTaxCode refuses 12 digits with a message
// pointing there, and callers that accept either should try ValidateIDNumber
// for 12-digit input.

var taxWeights = [9]int{31, 29, 23, 19, 17, 13, 7, 5, 3}

// taxCheckDigit returns the check digit of the 9 ASCII digits d, and false
// when there is none (Σ mod 11 = 0).
func taxCheckDigit(d string) (byte, bool) {
	sum := 0
	for i, w := range taxWeights {
		sum += int(d[i]-'0') * w
	}
	c := 10 - sum%11
	if c > 9 {
		return 0, false
	}
	return byte('0' + c), true
}

// NormalizeTaxCode removes the spaces (any Unicode white space), dots and
// dashes people type inside a tax code ("0312 68 78 78 - 001",
// "01.00.112.437") and, when what remains is 10 or 13 ASCII digits, returns
// the standard form "0100109106" or "0100109106-001". Anything else is
// returned with only the spaces and dots removed, for ValidateTaxCode to
// explain what is wrong.
func NormalizeTaxCode(s string) string {
	t := strings.Map(func(r rune) rune {
		if r == '.' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	digits := strings.ReplaceAll(t, "-", "")
	if !isASCIIDigits(digits) {
		return t
	}
	switch len(digits) {
	case 10:
		return digits
	case 13:
		return digits[:10] + "-" + digits[10:]
	}
	return t
}

// ValidateTaxCode checks a tax code in its standard form: 10 ASCII digits, or
// 10 digits, a dash and 3 digits for a dependent unit, with a correct check
// digit (see the comment at the top of this file). Surrounding white space is
// ignored; callers apply NormalizeTaxCode first to accept what people type.
func ValidateTaxCode(code string) error {
	s := strings.TrimSpace(code)
	if s == "" {
		return invalid("Hãy nhập mã số thuế: 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số đối với chi nhánh (ví dụ 0100109106-001).")
	}
	base, unit, branch := strings.Cut(s, "-")
	if !isASCIIDigits(base) || (branch && unit != "" && !isASCIIDigits(unit)) {
		return invalid("Mã số thuế chỉ gồm các chữ số từ 0 đến 9, và một dấu gạch ngang trước 3 chữ số cuối nếu là mã chi nhánh (ví dụ 0100109106-001).")
	}
	switch {
	case branch && (len(base) != 10 || len(unit) != 3):
		return invalid("Mã số thuế của chi nhánh gồm 10 chữ số, dấu gạch ngang và 3 chữ số (ví dụ 0100109106-001).")
	case !branch && len(base) == 13:
		return invalid("Mã số thuế 13 chữ số phải viết có dấu gạch ngang trước 3 chữ số cuối (ví dụ 0100109106-001).")
	case !branch && len(base) == 12:
		return invalid("Mã số thuế gồm 10 chữ số (hoặc 13 đối với chi nhánh). Nếu đây là số định danh cá nhân 12 chữ số, hãy nhập vào ô số định danh cá nhân.")
	case !branch && len(base) != 10:
		return invalid("Mã số thuế phải gồm 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số đối với chi nhánh.")
	}
	if base[:2] == "00" || base[2:9] == "0000000" {
		return invalid("Mã số thuế không hợp lệ: không có mã số thuế nào như vậy. Hãy kiểm tra lại từng chữ số.")
	}
	check, ok := taxCheckDigit(base)
	if !ok || base[9] != check {
		return invalid("Mã số thuế không đúng: chữ số cuối không khớp với 9 chữ số đầu. Hãy kiểm tra lại từng chữ số.")
	}
	if branch && unit == "000" {
		return invalid("Ba chữ số cuối của mã số thuế chi nhánh phải từ 001 đến 999.")
	}
	return nil
}
