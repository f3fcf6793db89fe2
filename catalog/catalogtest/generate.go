// Package catalogtest makes large, realistic catalogs for benchmarks and
// load tests: the real demo procedures plus generated ones whose names are
// built from the words real procedure names use.
package catalogtest

import (
	"fmt"
	"math/rand/v2"

	"github.com/egov-vn/egov"
)

var (
	actions = []string{"Cấp", "Cấp lại", "Cấp đổi", "Đăng ký", "Đăng ký thay đổi", "Gia hạn", "Điều chỉnh",
		"Thu hồi", "Công nhận", "Xác nhận", "Thẩm định", "Phê duyệt", "Chấp thuận", "Thông báo", "Giải quyết",
		"Cấp bổ sung", "Chứng nhận", "Đề nghị", "Hủy bỏ", "Báo cáo"}
	objects = []string{"giấy phép hoạt động", "giấy chứng nhận đủ điều kiện", "chứng chỉ hành nghề", "giấy phép kinh doanh",
		"giấy xác nhận", "quyết định thành lập", "giấy phép xuất khẩu", "giấy phép nhập khẩu", "giấy chứng nhận đăng ký",
		"hồ sơ thiết kế", "báo cáo đánh giá tác động môi trường", "phương án", "dự án đầu tư", "chế độ trợ cấp",
		"giấy phép khai thác", "giấy phép sử dụng", "thẻ", "danh hiệu", "bằng khen", "văn bằng bảo hộ",
		"giấy phép lưu hành", "chứng nhận hợp quy", "giấy phép vận tải", "giấy phép biểu diễn", "hợp đồng"}
	subjects = []string{"cơ sở bán lẻ thuốc", "phòng khám đa khoa", "trường mầm non", "cơ sở giáo dục nghề nghiệp",
		"doanh nghiệp kinh doanh vận tải", "tàu cá", "cơ sở giết mổ gia súc", "nhà thuốc", "cơ sở karaoke",
		"đại lý xăng dầu", "cửa hàng kinh doanh khí", "công trình thủy lợi", "rừng sản xuất", "giống cây trồng",
		"thuốc bảo vệ thực vật", "thức ăn chăn nuôi", "cơ sở lưu trú du lịch", "hướng dẫn viên du lịch",
		"người lao động nước ngoài", "tổ chức tín dụng", "quỹ xã hội", "hội, đoàn thể", "cơ sở tôn giáo",
		"di tích lịch sử", "báo điện tử", "trạm phát sóng", "tổ chức giám định", "văn phòng công chứng",
		"luật sư", "thừa phát lại", "cơ sở trợ giúp xã hội", "người khuyết tật", "hộ nghèo", "người cao tuổi",
		"phương tiện thủy nội địa", "xe ô tô", "bến xe khách", "cảng cá", "khu công nghiệp", "cụm công nghiệp",
		"nguồn nước", "chất thải nguy hại", "khoáng sản", "đất rừng", "nhà ở xã hội", "chung cư", "vật liệu nổ công nghiệp",
		"tiền chất", "hóa chất", "thiết bị y tế"}
	qualifiers = []string{"", "", "", " cho tổ chức", " cho cá nhân", " có yếu tố nước ngoài", " tại cấp xã",
		" tại cấp tỉnh", " trong trường hợp bị mất", " do hết hạn", " lần đầu", " theo thủ tục rút gọn"}
)

// Generate returns n procedures: first the real ones in base, then
// generated ones, each valid and with a code of its own in the local
// range. The same n and seed give the same catalog.
func Generate(base []egov.Procedure, n int, seed uint64) []egov.Procedure {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]egov.Procedure, 0, n)
	for i := 0; i < len(base) && len(out) < n; i++ {
		out = append(out, base[i])
	}
	for i := 0; len(out) < n; i++ {
		tpl := base[r.IntN(len(base))]
		p := tpl
		p.Code = fmt.Sprintf("8.%06d", i)
		p.LocalCode = true
		p.Name = actions[r.IntN(len(actions))] + " " + objects[r.IntN(len(objects))] + " " +
			subjects[r.IntN(len(subjects))] + qualifiers[r.IntN(len(qualifiers))]
		p.Summary = "Thủ tục " + p.Name + " theo quy định hiện hành."
		p.Keywords = nil
		levels := []egov.Level{egov.LevelCentral, egov.LevelProvince, egov.LevelCommune}
		p.Levels = []egov.Level{levels[r.IntN(len(levels))]}
		out = append(out, p)
	}
	return out
}
