package identity

import (
	"strings"
	"unicode"
)

// NormalizePhone checks a Vietnamese mobile number and returns it in the
// 10-digit national form, "0912345678". It accepts the national form, the
// international forms "+84912345678", "0084912345678" and "84912345678"
// (also "+84 (0) 912 345 678"), with spaces, dots, dashes or parentheses
// between the digits. Mobile numbers start with 03, 05, 07, 08 or 09
// (domain.md, "Mobile numbers"); land lines (02…) and the 11-digit mobile
// numbers renumbered in 2018 (01…) are refused with a message that says so.
func NormalizePhone(s string) (string, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", invalid("Hãy nhập số điện thoại di động (ví dụ 0912345678).")
	}
	plus := false
	var b strings.Builder
	for _, r := range t {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '.' || r == '-' || r == '(' || r == ')' || unicode.IsSpace(r):
			// separator people type between groups of digits
		case r == '+' && !plus && b.Len() == 0:
			plus = true // "+84", also "(+84)"
		default:
			return "", invalid("Số điện thoại chỉ gồm các chữ số từ 0 đến 9 (có thể có +84 ở đầu, dấu cách, dấu chấm hoặc gạch ngang giữa các số).")
		}
	}
	d := b.String()
	if d == "" {
		return "", invalid("Hãy nhập số điện thoại di động (ví dụ 0912345678).")
	}

	// nsn is the national significant number: the 9 digits after the
	// trunk prefix 0 or the country code 84.
	var nsn string
	switch {
	case plus || strings.HasPrefix(d, "00"):
		if !plus {
			d = d[2:]
		}
		if !strings.HasPrefix(d, "84") {
			return "", invalid("Chỉ nhận số di động Việt Nam: số bắt đầu bằng 0 hoặc +84.")
		}
		nsn = d[2:]
		if len(nsn) == 10 && nsn[0] == '0' { // +84 (0) 912 345 678
			nsn = nsn[1:]
		}
	case len(d) == 11 && strings.HasPrefix(d, "84"):
		nsn = d[2:]
	case strings.HasPrefix(d, "0"):
		nsn = d[1:]
	default:
		return "", invalid("Số di động phải gồm 10 chữ số và bắt đầu bằng 0 (ví dụ 0912345678), hoặc viết +84 thay cho số 0 đầu.")
	}

	switch {
	case strings.HasPrefix(nsn, "2"):
		return "", invalid("Đây là số điện thoại cố định (đầu 02). Hãy nhập số di động, bắt đầu bằng 03, 05, 07, 08 hoặc 09.")
	case strings.HasPrefix(nsn, "1") && len(nsn) == 10:
		return "", invalid("Số di động 11 chữ số (đầu 01) đã được đổi sang 10 chữ số từ năm 2018. Hãy nhập số mới, bắt đầu bằng 03, 05, 07, 08 hoặc 09.")
	case len(nsn) != 9:
		return "", invalid("Số di động phải gồm đúng 10 chữ số (ví dụ 0912345678), hoặc +84 và 9 chữ số.")
	}
	switch nsn[0] {
	case '3', '5', '7', '8', '9':
		return "0" + nsn, nil
	}
	return "", invalid("Số di động phải bắt đầu bằng 03, 05, 07, 08 hoặc 09.")
}
