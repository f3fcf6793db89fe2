package payment_test

import (
	"errors"
	"testing"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/payment"
)

// criminalRecord is the demo's judicial record certificate (3.000333): a
// fee a request, 5.000 đ a form from the third, half for students, nothing
// for children, the elderly, the disabled and poor households.
func criminalRecord() egov.Procedure {
	return egov.Procedure{
		Code: "3.000333",
		Ways: []egov.Way{
			{Channel: egov.ChannelInPerson, Fees: []egov.Fee{{Name: "Phí tại quầy", Amount: 999_000}}},
			{Channel: egov.ChannelOnline, Fees: []egov.Fee{
				{Name: "Phí cung cấp thông tin lý lịch tư pháp", Amount: 200_000, Unit: "lần"},
				{Name: "Phiếu thứ 3 trở đi", Amount: 5_000, Unit: "phiếu", Per: "so_luong_phieu", FreeUnits: 2},
				{Name: "Phí chuyển phát", Amount: 30_000, When: &egov.FeeCondition{Field: "nhan_ket_qua", Values: []string{"Bưu chính"}}},
			}},
		},
		FeePolicy: &egov.FeePolicy{Timing: egov.PayAtSubmission, Exemptions: []egov.FeeExemption{
			{Name: "Trẻ em", Percent: 0, AgeField: "ngay_sinh", MaxAge: 16},
			{Name: "Người cao tuổi", Percent: 0, AgeField: "ngay_sinh", MinAge: 60},
			{Name: "Hộ nghèo", Percent: 0, When: &egov.FeeCondition{Field: "doi_tuong", Values: []string{"Người thuộc hộ nghèo"}}},
			{Name: "Sinh viên", Percent: 50, When: &egov.FeeCondition{Field: "doi_tuong", Values: []string{"Sinh viên"}}},
		}},
	}
}

func TestDue(t *testing.T) {
	on := time.Date(2026, 12, 4, 9, 0, 0, 0, payment.ICT)
	cases := []struct {
		name      string
		data      map[string]any
		total     int64
		lines     int
		exemption string
	}{
		{"one form, adult", map[string]any{"so_luong_phieu": 1.0, "ngay_sinh": "1990-05-12"}, 200_000, 1, ""},
		{"two forms are in the fee", map[string]any{"so_luong_phieu": 2.0, "ngay_sinh": "1990-05-12"}, 200_000, 1, ""},
		{"five forms: three extra", map[string]any{"so_luong_phieu": 5.0, "ngay_sinh": "1990-05-12"}, 215_000, 2, ""},
		{"by post", map[string]any{"so_luong_phieu": 1.0, "ngay_sinh": "1990-05-12", "nhan_ket_qua": "Bưu chính"}, 230_000, 2, ""},
		{"not by post", map[string]any{"so_luong_phieu": 1.0, "ngay_sinh": "1990-05-12", "nhan_ket_qua": "Trực tiếp"}, 200_000, 1, ""},
		{"student pays half, rounded down", map[string]any{"so_luong_phieu": 3.0, "ngay_sinh": "2005-01-01", "doi_tuong": "Sinh viên"}, 102_500, 2, "Sinh viên"},
		{"fifteen, a day before turning sixteen", map[string]any{"so_luong_phieu": 1.0, "ngay_sinh": "2010-12-05"}, 0, 1, "Trẻ em"},
		{"sixteen on the day", map[string]any{"so_luong_phieu": 1.0, "ngay_sinh": "2010-12-04"}, 200_000, 1, ""},
		{"sixty on the day", map[string]any{"so_luong_phieu": 1.0, "ngay_sinh": "1966-12-04"}, 0, 1, "Người cao tuổi"},
		{"a poor student pays nothing: the lesser share wins", map[string]any{"so_luong_phieu": 1.0, "ngay_sinh": "2005-01-01", "doi_tuong": "Người thuộc hộ nghèo"}, 0, 1, "Hộ nghèo"},
		{"no birth date: no age exemption", map[string]any{"so_luong_phieu": 1.0}, 200_000, 1, ""},
		{"empty quantity counts one", map[string]any{"ngay_sinh": "1990-05-12"}, 200_000, 1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := criminalRecord()
			b, err := payment.Due(&p, c.data, on)
			if err != nil {
				t.Fatal(err)
			}
			var sum int64
			for _, l := range b.Lines {
				if l.Amount != l.UnitAmount*l.Quantity {
					t.Errorf("line %+v: amount is not unit × quantity", l)
				}
				sum += l.Amount
			}
			if b.Total != c.total || len(b.Lines) != c.lines || sum != b.Subtotal || b.Timing != egov.PayAtSubmission {
				t.Errorf("bill = %+v, want total %d in %d lines", b, c.total, c.lines)
			}
			got := ""
			if b.Exemption != nil {
				got = b.Exemption.Name
			}
			if got != c.exemption {
				t.Errorf("exemption %q, want %q", got, c.exemption)
			}
		})
	}
}

func TestDueRefusesBadQuantities(t *testing.T) {
	for _, q := range []any{-1.0, 2.5, "ba", 1e15} {
		p := criminalRecord()
		_, err := payment.Due(&p, map[string]any{"so_luong_phieu": q}, time.Now())
		var fe egov.FieldErrors
		if !errors.As(err, &fe) || fe["so_luong_phieu"] == "" {
			t.Errorf("quantity %v: %v, want an error on so_luong_phieu", q, err)
		}
	}
}

func TestDueWithoutOnlineWayUsesEveryWay(t *testing.T) {
	p := egov.Procedure{Ways: []egov.Way{{Channel: egov.ChannelInPerson, Fees: []egov.Fee{{Name: "Lệ phí", Amount: 50_000}}}}}
	b, err := payment.Due(&p, nil, time.Now())
	if err != nil || b.Total != 50_000 || b.Timing != egov.PayAtSubmission {
		t.Errorf("bill = %+v, %v", b, err)
	}
	free := egov.Procedure{Ways: []egov.Way{{Channel: egov.ChannelOnline, Fees: []egov.Fee{{Name: "Miễn phí trực tuyến", Amount: 0}}}}}
	if b, err := payment.Due(&free, nil, time.Now()); err != nil || b.Total != 0 || len(b.Lines) != 0 {
		t.Errorf("free online: %+v, %v", b, err)
	}
}

func TestFormatDong(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1.000", 1215000: "1.215.000", -5000: "-5.000", 9_999_999_999: "9.999.999.999"} {
		if got := payment.FormatDong(n); got != want {
			t.Errorf("FormatDong(%d) = %q, want %q", n, got, want)
		}
	}
}
