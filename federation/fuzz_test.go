package federation

import (
	"encoding/json"
	"testing"
)

// FuzzPush feeds pushes of any shape to the decoding and the checks a
// national instance makes before it reads anything: no panic, and a push
// that passes names a dossier code with an agency and numbered steps.
func FuzzPush(f *testing.F) {
	f.Add(`{"HoSo":{"MaHoSo":"000.00.40.H26-261128-0001","MaTTHC":"1.001193","TrangThaiHoSo":4,"NgayHenTra":"20261130170000"},
		"QuaTrinhXuLy":[{"SoThuTu":1,"ThoiDiemXuLy":"20261128080000","TrangThai":1},{"SoThuTu":2,"ThoiDiemXuLy":"20261128090000","TrangThai":4}]}`)
	f.Add(`{"HoSo":{"MaHoSo":"-","TrangThaiHoSo":11},"QuaTrinhXuLy":[{"SoThuTu":0,"ThoiDiemXuLy":"2026"}]}`)
	f.Add(`{"HoSo":null,"QuaTrinhXuLy":null}`)
	f.Fuzz(func(t *testing.T, body string) {
		var p Push
		if json.Unmarshal([]byte(body), &p) != nil {
			return
		}
		if check(&p) != nil {
			return
		}
		if agencyOfCode(p.Dossier.Code) == "" || len(p.Progress) == 0 || p.Seq() < 1 {
			t.Fatalf("accepted %q", body)
		}
		for i := 1; i < len(p.Progress); i++ {
			if p.Progress[i].Seq != p.Progress[i-1].Seq+1 {
				t.Fatalf("steps not numbered in order: %q", body)
			}
		}
	})
}
