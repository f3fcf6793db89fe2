package identity_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/identity"
)

// checkRefusal asserts that err is a *identity.ValidationError matching
// egov.ErrInvalid whose message contains want (when want is not empty).
func checkRefusal(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want refusal containing %q", want)
	}
	if !errors.Is(err, egov.ErrInvalid) {
		t.Errorf("errors.Is(%v, egov.ErrInvalid) = false", err)
	}
	var ve *identity.ValidationError
	if !errors.As(err, &ve) || ve.Msg != err.Error() || ve.Msg == "" {
		t.Errorf("error %#v is not a *ValidationError with a message", err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("message %q does not contain %q", err.Error(), want)
	}
}

func birth(year int, month time.Month, day int) time.Time {
	return time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
}

func TestProvinceCodes(t *testing.T) {
	n := 0
	for i := 0; i < 1000; i++ {
		if _, ok := identity.ProvinceName(fmt.Sprintf("%03d", i)); ok {
			n++
		}
	}
	if n != 63 {
		t.Errorf("%d province codes, want 63", n)
	}
	for code, want := range map[string]string{"001": "Hà Nội", "046": "Thừa Thiên Huế", "079": "Thành phố Hồ Chí Minh", "096": "Cà Mau"} {
		if got, ok := identity.ProvinceName(code); !ok || got != want {
			t.Errorf("ProvinceName(%q) = %q, %v; want %q", code, got, ok, want)
		}
	}
}

func TestParseIDNumber(t *testing.T) {
	ok := []struct {
		id   string
		want identity.IDNumber
	}{
		{"001090012345", identity.IDNumber{"001", "Hà Nội", true, 1900, 1990}},
		{"048185000001", identity.IDNumber{"048", "Đà Nẵng", false, 1900, 1985}},
		{"079203000123", identity.IDNumber{"079", "Thành phố Hồ Chí Minh", true, 2000, 2003}},
		{"031301999999", identity.IDNumber{"031", "Hải Phòng", false, 2000, 2001}},
		{"096400000001", identity.IDNumber{"096", "Cà Mau", true, 2100, 2100}},
		{"002525123456", identity.IDNumber{"002", "Hà Giang", false, 2100, 2125}},
		{"046699000000", identity.IDNumber{"046", "Thừa Thiên Huế", true, 2200, 2299}},
		{"077710000000", identity.IDNumber{"077", "Bà Rịa – Vũng Tàu", false, 2200, 2210}},
		{"011800000000", identity.IDNumber{"011", "Điện Biên", true, 2300, 2300}},
		{"095999000000", identity.IDNumber{"095", "Bạc Liêu", false, 2300, 2399}},
		{"  001090012345\t", identity.IDNumber{"001", "Hà Nội", true, 1900, 1990}},
	}
	for _, c := range ok {
		got, err := identity.ParseIDNumber(c.id)
		if err != nil || got != c.want {
			t.Errorf("ParseIDNumber(%q) = %+v, %v; want %+v", c.id, got, err, c.want)
		}
	}

	const (
		length   = "phải gồm đúng 12 chữ số"
		digits   = "chỉ gồm 12 chữ số từ 0 đến 9"
		province = "Ba chữ số đầu (mã tỉnh nơi đăng ký khai sinh) không hợp lệ."
	)
	bad := []struct{ id, want string }{
		{"", "Hãy nhập số định danh cá nhân"},
		{"   ", "Hãy nhập số định danh cá nhân"},
		{"00109001234", length + ". Bạn đã nhập 11 chữ số."},
		{"0010900123456", length + ". Bạn đã nhập 13 chữ số."},
		{"012345678", "chứng minh nhân dân cũ"},
		{"001 090 012345", digits},
		{"001.090.012.345", digits},
		{"00109001234A", digits},
		{"-01090012345", digits},
		{"٠٠١٠٩٠٠١٢٣٤٥", digits},       // Arabic-Indic digits
		{"００１０９００１２３４５", digits},       // full-width digits
		{"001090012345\u200b", digits}, // zero-width space is not white space
		{"000090012345", province},     // no province 000
		{"003090012345", province},     // 003 is not used
		{"097090012345", province},     // after Cà Mau (096)
		{"100090012345", province},     // beyond the table
		{"999999999999", province},
	}
	for _, c := range bad {
		_, err := identity.ParseIDNumber(c.id)
		t.Run(c.id, func(t *testing.T) { checkRefusal(t, err, c.want) })
	}
}

func TestNormalizeIDNumber(t *testing.T) {
	for in, want := range map[string]string{
		"001 090 012345":       "001090012345",
		"001.090.012.345":      "001090012345",
		" 001\u00a0090 012345": "001090012345",
		"001090012345":         "001090012345",
		"001-090-012345":       "001-090-012345", // dashes are left for the validator to refuse
	} {
		if got := identity.NormalizeIDNumber(in); got != want {
			t.Errorf("NormalizeIDNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidateIDNumber(t *testing.T) {
	cases := []struct {
		id   string
		dob  time.Time
		sex  identity.Sex
		want string // "" = accepted
	}{
		{"001090012345", birth(1990, 5, 12), identity.SexMale, ""},
		{"001190012345", birth(1990, 5, 12), identity.SexFemale, ""},
		{"079203000123", birth(2003, 1, 1), identity.SexMale, ""},
		{"079303000123", birth(2003, 12, 31), identity.SexFemale, ""},
		{"096400000001", birth(2100, 6, 1), identity.SexMale, ""},
		{"096500000001", birth(2100, 6, 1), identity.SexFemale, ""},
		{"001090012345", time.Time{}, identity.SexMale, ""},          // no date of birth: year not checked
		{"001090012345", birth(1990, 5, 12), "", ""},                 // no sex: sex not checked
		{" 001090012345 ", birth(1990, 5, 12), identity.SexMale, ""}, // surrounding spaces
		{"001090012345", birth(1991, 5, 12), identity.SexMale,
			"Chữ số thứ 4 và năm sinh trong số định danh không khớp với ngày sinh 12/05/1991."},
		{"001290012345", birth(1990, 5, 12), identity.SexMale, // 2 = 2000s: 2090
			"Chữ số thứ 4 và năm sinh trong số định danh không khớp với ngày sinh 12/05/1990."},
		{"001090012345", birth(2090, 5, 12), identity.SexMale, "không khớp với ngày sinh 12/05/2090"},
		{"001090012345", birth(1990, 5, 12), identity.SexFemale,
			"Giới tính trong số định danh (nam) không khớp với giới tính đã khai (nữ)."},
		{"001190012345", birth(1990, 5, 12), identity.SexMale,
			"Giới tính trong số định danh (nữ) không khớp với giới tính đã khai (nam)."},
		{"001090012345", birth(1990, 5, 12), "other", "Giới tính đã khai không hợp lệ"},
		{"003090012345", birth(1990, 5, 12), identity.SexMale, "Ba chữ số đầu"},
		{"00109001234", birth(1990, 5, 12), identity.SexMale, "phải gồm đúng 12 chữ số"},
		{"001 090 012345", birth(1990, 5, 12), identity.SexMale, "chỉ gồm 12 chữ số"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/%s/%s", c.id, c.dob.Format("2006-01-02"), c.sex), func(t *testing.T) {
			err := identity.ValidateIDNumber(c.id, c.dob, c.sex)
			if c.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			checkRefusal(t, err, c.want)
		})
	}
	if !identity.SexMale.Valid() || !identity.SexFemale.Valid() || identity.Sex("").Valid() || identity.Sex("Male").Valid() {
		t.Error("Sex.Valid is wrong")
	}
}

// Real tax codes: the four asked for, the worked example reported by the
// vn-ident package, and a sample of the codes "found online" that
// python-stdnum's tests list as valid (all 160 of them pass; see taxcode.go).
var realTaxCodes = []string{
	"0100112437", // Vietcombank
	"0100109106", // Viettel
	"0101248141", // FPT
	"0300588569", // Vinamilk
	"0100047516",
	"0100233488",
	"0102641429-066",
	"0102721191-001",
	"0310213840", // check digit 0 (Σ mod 11 = 10)
	"0314409058-002",
	"1300440846-008",
	"2000102580",
	"2000102580-005",
	"3100104093-009",
	"5800199577-002",
	"8037630690", // an individual's code
	"8463763902",
}

func TestValidateTaxCode(t *testing.T) {
	for _, code := range realTaxCodes {
		if err := identity.ValidateTaxCode(code); err != nil {
			t.Errorf("ValidateTaxCode(%q) = %v, want nil", code, err)
		}
		if got := identity.NormalizeTaxCode(code); got != code {
			t.Errorf("NormalizeTaxCode(%q) = %q", code, got)
		}
	}
	if err := identity.ValidateTaxCode(" 0100109106-001\n"); err != nil {
		t.Errorf("surrounding spaces: %v", err)
	}

	const checksum = "chữ số cuối không khớp với 9 chữ số đầu"
	bad := []struct{ code, want string }{
		{"", "Hãy nhập mã số thuế"},
		{"0100109107", checksum},                          // Viettel, last digit changed
		{"0100112438", checksum},                          // Vietcombank, last digit changed
		{"0300588560", checksum},                          // Vinamilk, last digit changed
		{"0110248141", checksum},                          // FPT, 3rd and 4th digits swapped
		{"0100209106", checksum},                          // Viettel, one digit changed
		{"0100109106-", "chi nhánh"},                      // dash without unit
		{"0100000050", checksum},                          // Σ mod 11 = 0: no check digit exists (10 → 0 would accept it)
		{"0100000003", "không có mã số thuế nào như vậy"}, // sequence 0000000
		{"0012345674", "không có mã số thuế nào như vậy"}, // province 00
		{"0100109106-000", "từ 001 đến 999"},
		{"0100109106001", "phải viết có dấu gạch ngang"},
		{"0100109107-001", checksum},
		{"010010910-6001", "chi nhánh gồm 10 chữ số"},
		{"0100109106-01", "chi nhánh gồm 10 chữ số"},
		{"0100109106-0001", "chi nhánh gồm 10 chữ số"},
		{"001090012345", "số định danh cá nhân"}, // 12 digits
		{"010010910", "phải gồm 10 chữ số"},
		{"01001091066", "phải gồm 10 chữ số"},
		{"0100 109 106", "chỉ gồm các chữ số"},
		{"01.00.112.437", "chỉ gồm các chữ số"},
		{"MST0100109106", "chỉ gồm các chữ số"},
		{"٠١٠٠١٠٩١٠٦", "chỉ gồm các chữ số"},
		{"０１００１０９１０６", "chỉ gồm các chữ số"},
		{"0100109106-00a", "chỉ gồm các chữ số"},
		{"0100109106--001", "chỉ gồm các chữ số"},
	}
	for _, c := range bad {
		err := identity.ValidateTaxCode(c.code)
		t.Run(c.code, func(t *testing.T) { checkRefusal(t, err, c.want) })
	}
}

func TestNormalizeTaxCode(t *testing.T) {
	for in, want := range map[string]string{
		"01.00.112.437":       "0100112437",
		"0312 68 78 78 - 001": "0312687878-001",
		"0100109106001":       "0100109106-001",
		"0100-109-106":        "0100109106",
		" 0100109106\u00a0":   "0100109106",
		"0100109106-001":      "0100109106-001",
		"010010910":           "010010910",
		"0100 109 10a":        "010010910a",
		"":                    "",
	} {
		if got := identity.NormalizeTaxCode(in); got != want {
			t.Errorf("NormalizeTaxCode(%q) = %q, want %q", in, got, want)
		}
	}
	if err := identity.ValidateTaxCode(identity.NormalizeTaxCode("0312 68 78 78 - 001")); err != nil {
		t.Errorf("normalized branch code refused: %v", err)
	}
}

func TestNormalizePhone(t *testing.T) {
	ok := []struct{ in, want string }{
		{"0912345678", "0912345678"},
		{"+84912345678", "0912345678"},
		{"84912345678", "0912345678"},
		{"0084912345678", "0912345678"},
		{"+84 (0) 912 345 678", "0912345678"},
		{"+840912345678", "0912345678"},
		{"091 234 5678", "0912345678"},
		{"0912.345.678", "0912345678"},
		{"0912-345-678", "0912345678"},
		{"+84-91-234-5678", "0912345678"},
		{"(+84) 91 234 56 78", "0912345678"},
		{" 0912\u00a0345\u00a0678 ", "0912345678"},
		{"0321234567", "0321234567"},
		{"0551234567", "0551234567"},
		{"0701234567", "0701234567"},
		{"0861234567", "0861234567"},
		{"0849123456", "0849123456"}, // 084 is a mobile prefix, not the country code
		{"0987654321", "0987654321"},
	}
	for _, c := range ok {
		got, err := identity.NormalizePhone(c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}

	const prefix = "phải bắt đầu bằng 03, 05, 07, 08 hoặc 09"
	bad := []struct{ in, want string }{
		{"", "Hãy nhập số điện thoại di động"},
		{"+", "Hãy nhập số điện thoại di động"},
		{" - ", "Hãy nhập số điện thoại di động"},
		{"091234567", "phải gồm đúng 10 chữ số"},
		{"09123456789", "phải gồm đúng 10 chữ số"},
		{"+8491234567", "phải gồm đúng 10 chữ số"},
		{"+84", "phải gồm đúng 10 chữ số"},
		{"912345678", "bắt đầu bằng 0"},
		{"02438251234", "số điện thoại cố định"},
		{"+84 24 3825 1234", "số điện thoại cố định"},
		{"01662345678", "đã được đổi sang 10 chữ số"},
		{"0112345678", prefix},
		{"0412345678", prefix},
		{"0612345678", prefix},
		{"0012025550100", "Chỉ nhận số di động Việt Nam"},
		{"+1 202 555 0100", "Chỉ nhận số di động Việt Nam"},
		{"09123abc78", "chỉ gồm các chữ số"},
		{"++84912345678", "chỉ gồm các chữ số"},
		{"0912345678x", "chỉ gồm các chữ số"},
		{"091/234/5678", "chỉ gồm các chữ số"},
		{"٠٩١٢٣٤٥٦٧٨", "chỉ gồm các chữ số"},
		{"０９１２３４５６７８", "chỉ gồm các chữ số"},
	}
	for _, c := range bad {
		got, err := identity.NormalizePhone(c.in)
		t.Run(c.in, func(t *testing.T) {
			checkRefusal(t, err, c.want)
			if got != "" {
				t.Errorf("refused but returned %q", got)
			}
		})
	}
}

func TestCheckPassword(t *testing.T) {
	personal := []string{"001090012345", "0912345678", "an.nguyen@example.vn", "Nguyễn Văn An"}
	var long128 strings.Builder
	for i := 0; utf8.RuneCountInString(long128.String()) < 128; i++ {
		fmt.Fprintf(&long128, "câu %d ", i)
	}
	exactly128 := string([]rune(long128.String())[:128])

	ok := []string{
		"mèo nhà tôi tên Mướp",
		"correct horse battery staple",
		"Xk9#mP2$vLq",
		"Hà Nội mùa thu 2024",
		"tôi thích ăn phở bò",
		"Đà Lạt mộng mơ!",
		"Ngày-mưa-7",
		"me\u0300o nha\u0300 to\u0302i te\u0302n Mu\u031bo\u031bp", // decomposed (NFD)
		"Ăn quả nhớ kẻ trồng cây",
		exactly128,
	}
	for _, pw := range ok {
		if err := identity.CheckPassword(pw, personal...); err != nil {
			t.Errorf("CheckPassword(%q) = %v, want nil", pw, err)
		}
	}

	const (
		short    = "Mật khẩu phải có ít nhất 10 ký tự."
		common   = "Mật khẩu này quá phổ biến, dễ bị đoán. Hãy chọn mật khẩu khác, ví dụ một câu ngắn dễ nhớ."
		repeated = "một ký tự lặp lại"
		sequence = "dãy ký tự liên tiếp hay lặp lại"
		easy     = "chỉ ghép những phần dễ đoán"
		private  = "thông tin cá nhân"
	)
	bad := []struct {
		pw       string
		personal []string
		want     string
	}{
		{"", nil, short},
		{"123456789", nil, short},
		{"mèo nhà A", nil, short}, // 9 characters, though more bytes
		{exactly128 + "x", nil, "không được dài quá 128 ký tự"},
		{"abcdefghi\x00jk", nil, "ký tự không hợp lệ"},
		{"abcdefghijk\xff", nil, "ký tự không hợp lệ"},
		{"aaaaaaaaaa", nil, repeated},
		{"ẠẠẠẠẠẠẠẠẠẠẠẠ", nil, repeated},
		{"          ", nil, repeated},
		{"1234567890", nil, sequence},
		{"0987654321", nil, sequence},
		{"7890123456", nil, sequence},
		{"abcdefghij", nil, sequence},
		{"ZYXWVUTSRQ", nil, sequence},
		{"qwertyuiop", nil, sequence},
		{"!@#$%^&*()", nil, sequence},
		{"1qaz2wsx3edc", nil, sequence},
		{"abcabcabcabc", nil, sequence},
		{"matkhaumatkhau", nil, sequence},
		{"Password2024!", nil, common},
		{"P@ssw0rd2024!", nil, common},
		{"@dmin2024!!", nil, common},
		{"Admin@123456", nil, common},
		{"Mật khẩu 2024!", nil, common},
		{"anh yêu em 2024", nil, common},
		{"anh-yeu-em-2024", nil, common},
		{"pass.word.2024", nil, common},
		{"ANHYEUEM1995", nil, common},
		{"iloveyou2024", nil, common},
		{"Vietnam@2024", nil, common},
		{"Hanoi123456", nil, common},
		{"saigon@1975", nil, common},
		{"QWERTY123456", nil, common},
		{"12345678a", nil, short},
		{"123456789a", nil, common},
		{"abcd123456", nil, easy},
		{"Abc@123456", nil, easy},
		{"xyz1990!!!", nil, easy},
		{"hôm nay 001090012345", personal, private},
		{"sdt 0912345678!", personal, private},
		{"+84912345678 nhé", personal, private},
		{"an.nguyen rất vui", personal, private},
		{"NguyenVanAn@99", personal, private},
		{"nguyễn văn an 1990", personal, private},
	}
	for _, c := range bad {
		err := identity.CheckPassword(c.pw, c.personal...)
		t.Run(c.pw, func(t *testing.T) { checkRefusal(t, err, c.want) })
	}

	// Personal strings shorter than 4 letters and digits are not looked for.
	if err := identity.CheckPassword("An cơm chưa hả bạn", "An", "", "  "); err != nil {
		t.Errorf("short personal string refused a password: %v", err)
	}
}

func FuzzParseIDNumber(f *testing.F) {
	for _, s := range []string{
		"001090012345", "079303000123", " 096999999999 ", "003090012345", "00109001234",
		"001 090 012345", "٠٠١٠٩٠٠١٢٣٤٥", "", "095899000000\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := identity.ParseIDNumber(s)
		if err != nil {
			if !errors.Is(err, egov.ErrInvalid) || err.Error() == "" {
				t.Fatalf("error %v: not ErrInvalid or empty", err)
			}
			return
		}
		id := strings.TrimSpace(s)
		if len(id) != 12 || strings.Trim(id, "0123456789") != "" {
			t.Fatalf("accepted %q, which is not 12 ASCII digits", s)
		}
		if name, ok := identity.ProvinceName(n.Province); !ok || name != n.ProvinceName || n.Province != id[:3] {
			t.Fatalf("%q: province %q %q", s, n.Province, n.ProvinceName)
		}
		digit := (n.Century - 1900) / 50
		if !n.Male {
			digit++
		}
		yy := n.YearOfBirth - n.Century
		if n.Century%100 != 0 || n.Century < 1900 || n.Century > 2300 || yy < 0 || yy > 99 ||
			fmt.Sprintf("%s%d%02d", n.Province, digit, yy) != id[:6] {
			t.Fatalf("%q decoded as %+v, which does not give back its first 6 digits", s, n)
		}
		if got := identity.NormalizeIDNumber(s); got != id {
			t.Fatalf("NormalizeIDNumber(%q) = %q, want %q", s, got, id)
		}
		dob := birth(n.YearOfBirth, 7, 1)
		if err := identity.ValidateIDNumber(s, dob, n.Sex()); err != nil {
			t.Fatalf("ValidateIDNumber(%q) with its own year and sex: %v", s, err)
		}
		other := identity.SexMale
		if n.Male {
			other = identity.SexFemale
		}
		if identity.ValidateIDNumber(s, dob, other) == nil || identity.ValidateIDNumber(s, dob.AddDate(1, 0, 0), n.Sex()) == nil {
			t.Fatalf("ValidateIDNumber(%q) accepts the wrong sex or year", s)
		}
	})
}

func FuzzValidateTaxCode(f *testing.F) {
	for _, s := range realTaxCodes {
		f.Add(s)
	}
	for _, s := range []string{"0100109107", "0100109106001", "0312 68 78 78 - 001", "0100000050", "", "-", "0100109106-000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n := identity.NormalizeTaxCode(s); identity.ValidateTaxCode(n) == nil && identity.NormalizeTaxCode(n) != n {
			t.Fatalf("NormalizeTaxCode is not idempotent on %q: %q then %q", s, n, identity.NormalizeTaxCode(n))
		}
		err := identity.ValidateTaxCode(s)
		if err != nil {
			if !errors.Is(err, egov.ErrInvalid) || err.Error() == "" {
				t.Fatalf("error %v: not ErrInvalid or empty", err)
			}
			return
		}
		code := strings.TrimSpace(s)
		base, unit, branch := strings.Cut(code, "-")
		if len(base) != 10 || strings.Trim(base, "0123456789") != "" ||
			(branch && (len(unit) != 3 || strings.Trim(unit, "0123456789") != "")) {
			t.Fatalf("accepted %q, which is not NNNNNNNNNN or NNNNNNNNNN-NNN", s)
		}
		if got := identity.NormalizeTaxCode(s); got != code {
			t.Fatalf("NormalizeTaxCode(%q) = %q, want %q", s, got, code)
		}
		if identity.ValidateTaxCode(strings.ReplaceAll(code, "-", "")+"0") == nil {
			t.Fatalf("accepted %q with a digit appended", code)
		}
		for d := byte('0'); d <= '9'; d++ {
			if d == base[9] {
				continue
			}
			if other := base[:9] + string(d); identity.ValidateTaxCode(other) == nil {
				t.Fatalf("both %q and %q accepted: the check digit checks nothing", base, other)
			}
		}
	})
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{
		"0912345678", "+84912345678", "84912345678", "0084912345678", "+84 (0) 912 345 678",
		"091.234.5678", "02438251234", "01662345678", "+1 202 555 0100", "", "+", "٠٩١٢٣٤٥٦٧٨",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := identity.NormalizePhone(s)
		if err != nil {
			if !errors.Is(err, egov.ErrInvalid) || err.Error() == "" || got != "" {
				t.Fatalf("NormalizePhone(%q) = %q, %v", s, got, err)
			}
			return
		}
		if len(got) != 10 || strings.Trim(got, "0123456789") != "" || got[0] != '0' || !strings.ContainsRune("35789", rune(got[1])) {
			t.Fatalf("NormalizePhone(%q) = %q: not 0[35789] and 8 digits", s, got)
		}
		for _, again := range []string{got, "+84" + got[1:], "84" + got[1:]} {
			if g, err := identity.NormalizePhone(again); err != nil || g != got {
				t.Fatalf("NormalizePhone(%q) = %q, %v; want %q", again, g, err, got)
			}
		}
	})
}

func FuzzCheckPassword(f *testing.F) {
	f.Add("mèo nhà tôi tên Mướp", "Nguyễn Văn An")
	f.Add("Password2024!", "")
	f.Add("P@ssw0rd2024!", "an@example.vn")
	f.Add("1234567890", "0912345678")
	f.Add("sdt 0912345678!", "0912345678")
	f.Add("abcd123456", "")
	f.Add("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6", "")
	f.Fuzz(func(t *testing.T, pw, personal string) {
		err := identity.CheckPassword(pw, personal)
		if err != nil {
			if !errors.Is(err, egov.ErrInvalid) || err.Error() == "" {
				t.Fatalf("error %v: not ErrInvalid or empty", err)
			}
			return
		}
		if n := utf8.RuneCountInString(pw); n < identity.PasswordMinLen || n > identity.PasswordMaxLen || !utf8.ValidString(pw) {
			t.Fatalf("accepted %q: %d characters, valid UTF-8 %v", pw, n, utf8.ValidString(pw))
		}
		if err := identity.CheckPassword(pw); err != nil {
			t.Fatalf("%q accepted with a personal string but refused without: %v", pw, err)
		}
		alnum := 0
		for _, r := range pw {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				alnum++
			}
		}
		if alnum >= 4 && identity.CheckPassword(pw, pw) == nil {
			t.Fatalf("%q accepted although it is the personal string itself", pw)
		}
	})
}
