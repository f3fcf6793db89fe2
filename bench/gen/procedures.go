package gen

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/payment"
)

// fieldSpec is a field of state management (lĩnh vực) and how its
// procedures are made: how many of the catalog's procedures it has (n),
// at which levels (weights of central, province and commune; the
// four-level shape gives part of the commune weight to districts), which
// provincial department carries them out (by shape), which central agency,
// how popular its procedures are with applicants, and the objects its
// procedures' names are about.
type fieldSpec struct {
	code, name         string
	n                  float64
	central, prov, com float64
	dept2, dept4       int
	ministry           string
	pop                float64
	objects            []string
}

// The demo data's 24 fields keep its codes and names, so that the two can
// share a database; the rest complete the national list.
var fieldSpecs = []fieldSpec{
	{"HT", "Hộ tịch", 3, 0.05, 0.2, 0.75, 15, 15, "000.00.00.G15", 6, []string{"khai sinh", "kết hôn", "khai tử", "nhận cha, mẹ, con", "giám hộ", "thay đổi, cải chính, bổ sung thông tin hộ tịch", "xác nhận tình trạng hôn nhân", "bản sao trích lục hộ tịch"}},
	{"CT", "Đăng ký, quản lý cư trú", 1.5, 0.05, 0.1, 0.85, 1, 1, "000.00.91.G01", 6, []string{"thường trú", "tạm trú", "lưu trú", "tạm vắng", "xóa đăng ký thường trú", "tách hộ", "điều chỉnh thông tin về cư trú"}},
	{"CC", "Căn cước, định danh và xác thực điện tử", 1, 0.2, 0.8, 0, 1, 1, "000.00.91.G01", 3, []string{"thẻ căn cước", "tài khoản định danh điện tử", "giấy chứng nhận căn cước", "thông tin trong Cơ sở dữ liệu quốc gia về dân cư"}},
	{"HC", "Xuất nhập cảnh", 1, 0.4, 0.6, 0, 1, 1, "000.00.92.G01", 2, []string{"hộ chiếu phổ thông", "thị thực", "thẻ tạm trú", "giấy thông hành", "thẻ thường trú cho người nước ngoài"}},
	{"CTH", "Chứng thực", 1, 0, 0.25, 0.75, 15, 15, "000.00.00.G15", 5, []string{"bản sao từ bản chính", "chữ ký trong giấy tờ, văn bản", "hợp đồng, giao dịch", "chữ ký người dịch", "văn bản thỏa thuận phân chia di sản"}},
	{"LLTP", "Lý lịch tư pháp", 0.5, 0.3, 0.7, 0, 15, 15, "000.00.91.G15", 3, []string{"phiếu lý lịch tư pháp số 1", "phiếu lý lịch tư pháp số 2", "phiếu lý lịch tư pháp cho người nước ngoài"}},
	{"DKKD", "Thành lập và hoạt động của doanh nghiệp", 3, 0.1, 0.9, 0, 12, 7, "000.00.91.G12", 2.5, []string{"thành lập doanh nghiệp", "thay đổi nội dung đăng ký doanh nghiệp", "tạm ngừng kinh doanh", "giải thể doanh nghiệp", "chi nhánh, văn phòng đại diện", "hợp tác xã"}},
	{"HKD", "Hộ kinh doanh", 1, 0, 0, 1, 12, 7, "000.00.91.G12", 3, []string{"thành lập hộ kinh doanh", "thay đổi nội dung đăng ký hộ kinh doanh", "tạm ngừng kinh doanh của hộ kinh doanh", "chấm dứt hoạt động hộ kinh doanh"}},
	{"THUE", "Thuế", 4, 0.6, 0.4, 0, 12, 12, "000.00.18.G12", 1.5, []string{"đăng ký thuế", "hoàn thuế", "miễn, giảm thuế", "khai thuế thu nhập cá nhân", "xác nhận nghĩa vụ thuế", "hóa đơn điện tử"}},
	{"XD", "Hoạt động xây dựng", 4, 0.15, 0.5, 0.35, 17, 17, "000.00.00.G17", 2, []string{"giấy phép xây dựng", "chứng chỉ hành nghề hoạt động xây dựng", "thẩm định dự án đầu tư xây dựng", "giấy phép di dời công trình", "nghiệm thu công trình"}},
	{"DD", "Đất đai", 4, 0.05, 0.55, 0.4, 10, 13, "000.00.00.G10", 4, []string{"giấy chứng nhận quyền sử dụng đất", "biến động quyền sử dụng đất", "chuyển mục đích sử dụng đất", "giao đất, cho thuê đất", "tách thửa, hợp thửa đất", "đính chính giấy chứng nhận"}},
	{"DB", "Đường bộ", 3, 0.3, 0.7, 0, 17, 5, "000.00.91.G17", 2.5, []string{"giấy phép lái xe", "đăng ký xe", "giấy phép kinh doanh vận tải", "phù hiệu xe", "giấy phép thi công trên đường bộ"}},
	{"BHXH", "Bảo hiểm xã hội, bảo hiểm y tế", 2, 0.7, 0.3, 0, 12, 8, "000.00.92.G12", 3, []string{"thẻ bảo hiểm y tế", "sổ bảo hiểm xã hội", "chế độ ốm đau, thai sản", "bảo hiểm xã hội một lần", "chế độ hưu trí"}},
	{"LD", "Lao động, việc làm", 3, 0.3, 0.7, 0, 9, 8, "000.00.00.G09", 1.5, []string{"trợ cấp thất nghiệp", "giấy phép lao động cho người lao động nước ngoài", "giấy phép dịch vụ việc làm", "thỏa ước lao động tập thể", "nội quy lao động"}},
	{"BTXH", "Bảo trợ xã hội", 2, 0.05, 0.25, 0.7, 18, 8, "000.00.00.G18", 2, []string{"trợ cấp xã hội hàng tháng", "hỗ trợ chi phí mai táng", "cơ sở trợ giúp xã hội", "xác định mức độ khuyết tật", "hỗ trợ khẩn cấp"}},
	{"NCC", "Người có công", 2, 0.2, 0.5, 0.3, 9, 8, "000.00.00.G09", 1, []string{"trợ cấp người có công", "trợ cấp thờ cúng liệt sĩ", "di chuyển hồ sơ người có công", "công nhận liệt sĩ", "hỗ trợ cải thiện nhà ở"}},
	{"GD", "Giáo dục và đào tạo", 5, 0.35, 0.45, 0.2, 3, 3, "000.00.00.G03", 1.5, []string{"văn bằng, chứng chỉ", "thành lập trường", "chuyển trường", "công nhận trường đạt chuẩn quốc gia", "xét tuyển", "cho phép hoạt động giáo dục"}},
	{"YT", "Y tế, khám bệnh, chữa bệnh", 5, 0.4, 0.6, 0, 18, 18, "000.00.92.G18", 1.5, []string{"giấy phép hành nghề khám bệnh, chữa bệnh", "giấy phép hoạt động cơ sở khám bệnh", "giám định y khoa", "chứng nhận đủ điều kiện kinh doanh dịch vụ y tế"}},
	{"ATTP", "An toàn thực phẩm", 2, 0.3, 0.6, 0.1, 18, 18, "000.00.00.G18", 1.5, []string{"giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", "bản tự công bố sản phẩm", "xác nhận kiến thức về an toàn thực phẩm", "giấy xác nhận nội dung quảng cáo thực phẩm"}},
	{"MT", "Môi trường", 3, 0.4, 0.55, 0.05, 10, 13, "000.00.00.G10", 1, []string{"giấy phép môi trường", "báo cáo đánh giá tác động môi trường", "đăng ký môi trường", "chất thải nguy hại"}},
	{"DT", "Đầu tư", 3, 0.4, 0.6, 0, 12, 7, "000.00.00.G12", 1, []string{"chủ trương đầu tư", "giấy chứng nhận đăng ký đầu tư", "điều chỉnh dự án đầu tư", "đầu tư ra nước ngoài"}},
	{"VH", "Văn hóa, thể thao, du lịch", 4, 0.35, 0.55, 0.1, 16, 16, "000.00.00.G16", 1, []string{"giấy phép tổ chức biểu diễn nghệ thuật", "cơ sở kinh doanh karaoke", "thẻ hướng dẫn viên du lịch", "cơ sở lưu trú du lịch", "di tích", "câu lạc bộ thể thao"}},
	{"TG", "Tín ngưỡng, tôn giáo", 2, 0.3, 0.4, 0.3, 20, 9, "000.00.00.G09", 0.5, []string{"sinh hoạt tôn giáo tập trung", "hoạt động tín ngưỡng", "thành lập tổ chức tôn giáo trực thuộc", "tổ chức lễ hội tín ngưỡng"}},
	{"PCCC", "Phòng cháy, chữa cháy", 1.5, 0.2, 0.8, 0, 1, 1, "000.00.00.G01", 1, []string{"thẩm duyệt thiết kế về phòng cháy và chữa cháy", "nghiệm thu về phòng cháy và chữa cháy", "chứng nhận huấn luyện nghiệp vụ phòng cháy"}},
	{"CN", "Công nghiệp", 3, 0.5, 0.5, 0, 2, 2, "000.00.00.G02", 0.7, []string{"giấy phép sản xuất rượu", "giấy phép kinh doanh sản phẩm thuốc lá", "vật liệu nổ công nghiệp", "hóa chất", "cụm công nghiệp"}},
	{"TM", "Thương mại, xuất nhập khẩu", 4, 0.6, 0.4, 0, 2, 2, "000.00.00.G02", 0.8, []string{"giấy chứng nhận xuất xứ hàng hóa", "giấy phép kinh doanh bán lẻ", "cửa hàng bán lẻ xăng dầu", "khuyến mại", "hội chợ, triển lãm thương mại"}},
	{"NN", "Trồng trọt, chăn nuôi, thú y", 4, 0.4, 0.5, 0.1, 10, 11, "000.00.91.G10", 0.8, []string{"giống cây trồng", "phân bón", "thuốc bảo vệ thực vật", "thức ăn chăn nuôi", "kiểm dịch động vật", "chứng chỉ hành nghề thú y"}},
	{"TS", "Thủy sản", 2, 0.4, 0.5, 0.1, 10, 11, "000.00.00.G10", 0.5, []string{"giấy phép khai thác thủy sản", "đăng ký tàu cá", "cơ sở nuôi trồng thủy sản", "giống thủy sản"}},
	{"LN", "Lâm nghiệp", 2, 0.35, 0.55, 0.1, 10, 11, "000.00.00.G10", 0.4, []string{"khai thác lâm sản", "chuyển mục đích sử dụng rừng", "giao rừng, cho thuê rừng", "trại nuôi động vật rừng"}},
	{"TNN", "Tài nguyên nước", 1.5, 0.5, 0.5, 0, 10, 13, "000.00.00.G10", 0.3, []string{"giấy phép khai thác nước mặt", "giấy phép khai thác nước dưới đất", "giấy phép xả nước thải", "hành nghề khoan nước dưới đất"}},
	{"KS", "Khoáng sản", 1.5, 0.5, 0.5, 0, 10, 13, "000.00.00.G10", 0.3, []string{"giấy phép thăm dò khoáng sản", "giấy phép khai thác khoáng sản", "đóng cửa mỏ khoáng sản"}},
	{"NO", "Nhà ở", 2, 0.2, 0.6, 0.2, 17, 17, "000.00.00.G17", 1, []string{"nhà ở xã hội", "công nhận chủ đầu tư dự án nhà ở", "thuê nhà ở công vụ", "chứng chỉ hành nghề môi giới bất động sản"}},
	{"QH", "Quy hoạch, kiến trúc", 1.5, 0.2, 0.6, 0.2, 17, 17, "000.00.00.G17", 0.6, []string{"giấy phép quy hoạch", "thông tin quy hoạch", "chứng chỉ hành nghề kiến trúc", "thẩm định nhiệm vụ quy hoạch"}},
	{"DTND", "Đường thủy nội địa", 1.5, 0.4, 0.6, 0, 17, 5, "000.00.00.G17", 0.3, []string{"đăng ký phương tiện thủy nội địa", "giấy phép hoạt động bến thủy nội địa", "chứng chỉ chuyên môn thuyền viên"}},
	{"KHCN", "Khoa học, công nghệ", 3, 0.6, 0.4, 0, 6, 6, "000.00.00.G06", 0.4, []string{"doanh nghiệp khoa học và công nghệ", "chuyển giao công nghệ", "tổ chức khoa học và công nghệ", "giấy phép tiến hành công việc bức xạ"}},
	{"SHTT", "Sở hữu trí tuệ", 1.5, 0.9, 0.1, 0, 6, 6, "000.00.91.G06", 0.5, []string{"văn bằng bảo hộ nhãn hiệu", "văn bằng bảo hộ sáng chế", "kiểu dáng công nghiệp", "chỉ dẫn địa lý"}},
	{"DLCL", "Tiêu chuẩn, đo lường, chất lượng", 2, 0.6, 0.4, 0, 6, 6, "000.00.00.G06", 0.4, []string{"chứng nhận hợp quy", "kiểm định phương tiện đo", "tổ chức đánh giá sự phù hợp", "mã số mã vạch"}},
	{"BC", "Báo chí, xuất bản, viễn thông", 3, 0.6, 0.4, 0, 16, 14, "000.00.00.G16", 0.4, []string{"giấy phép hoạt động báo chí", "giấy phép xuất bản bản tin", "giấy phép in", "trang thông tin điện tử tổng hợp", "giấy phép thiết lập mạng viễn thông"}},
	{"DL", "Du lịch", 1.5, 0.4, 0.6, 0, 16, 16, "000.00.91.G16", 0.5, []string{"giấy phép kinh doanh dịch vụ lữ hành", "công nhận khu du lịch", "hạng cơ sở lưu trú du lịch"}},
	{"BTTP", "Bổ trợ tư pháp", 2, 0.4, 0.6, 0, 15, 15, "000.00.00.G15", 0.6, []string{"chứng chỉ hành nghề luật sư", "văn phòng công chứng", "thừa phát lại", "đấu giá viên", "giám định viên tư pháp"}},
	{"NCN", "Nuôi con nuôi", 0.5, 0.3, 0.3, 0.4, 15, 15, "000.00.00.G15", 0.3, []string{"nuôi con nuôi trong nước", "nuôi con nuôi có yếu tố nước ngoài", "ghi chú việc nuôi con nuôi"}},
	{"QT", "Quốc tịch", 0.5, 0.6, 0.4, 0, 15, 15, "000.00.00.G15", 0.2, []string{"nhập quốc tịch Việt Nam", "thôi quốc tịch Việt Nam", "trở lại quốc tịch Việt Nam", "xác nhận có quốc tịch Việt Nam"}},
	{"CCVC", "Công chức, viên chức", 2, 0.4, 0.4, 0.2, 9, 9, "000.00.00.G09", 0.5, []string{"thi tuyển công chức", "xét tuyển viên chức", "nâng ngạch công chức", "chuyển đổi vị trí công tác"}},
	{"TDKT", "Thi đua, khen thưởng", 2, 0.4, 0.4, 0.2, 9, 9, "000.00.00.G09", 0.5, []string{"bằng khen", "danh hiệu chiến sĩ thi đua", "giấy khen", "danh hiệu gia đình văn hóa"}},
	{"LS", "Lãnh sự", 1, 0.9, 0.1, 0, 9, 9, "000.00.91.G08", 0.4, []string{"chứng nhận lãnh sự", "hợp pháp hóa lãnh sự", "cấp thị thực cho người nước ngoài"}},
	{"TC", "Tài chính công, giá", 2, 0.5, 0.4, 0.1, 12, 12, "000.00.00.G12", 0.3, []string{"mã số đơn vị có quan hệ với ngân sách", "đăng ký giá", "quyết toán dự án hoàn thành", "tài sản công"}},
}

var actions = []string{"Cấp", "Cấp lại", "Cấp đổi", "Đăng ký", "Đăng ký thay đổi", "Gia hạn", "Điều chỉnh",
	"Thu hồi", "Công nhận", "Xác nhận", "Thẩm định", "Phê duyệt", "Chấp thuận", "Thông báo", "Giải quyết",
	"Cấp bổ sung", "Chứng nhận", "Đề nghị", "Hủy bỏ"}

var qualifiers = []string{"", "", "", "", " cho tổ chức", " cho cá nhân", " có yếu tố nước ngoài", " trong trường hợp bị mất, hư hỏng",
	" do hết hạn", " lần đầu", " theo thủ tục rút gọn", " trực tuyến", " đối với trường hợp đặc biệt"}

// wellKnown are the procedures nearly everyone does, named as the national
// database names them; they are made first and get the top ranks of
// popularity.
var wellKnown = []struct {
	field, name string
	level       egov.Level
	days        int
	fee         int64
}{
	{"CTH", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", egov.LevelCommune, 0, 2000},
	{"CT", "Đăng ký thường trú", egov.LevelCommune, 7, 0},
	{"HT", "Đăng ký khai sinh", egov.LevelCommune, 0, 0},
	{"CT", "Đăng ký tạm trú", egov.LevelCommune, 3, 0},
	{"CTH", "Chứng thực chữ ký trong các giấy tờ, văn bản", egov.LevelCommune, 0, 10000},
	{"HT", "Đăng ký kết hôn", egov.LevelCommune, 0, 0},
	{"BHXH", "Cấp lại, đổi thẻ bảo hiểm y tế", egov.LevelCentral, 3, 0},
	{"LLTP", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam", egov.LevelProvince, 10, 200000},
	{"HT", "Đăng ký khai tử", egov.LevelCommune, 0, 0},
	{"DD", "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", egov.LevelProvince, 10, 0},
	{"HKD", "Đăng ký thành lập hộ kinh doanh", egov.LevelCommune, 3, 100000},
	{"DB", "Cấp đổi giấy phép lái xe", egov.LevelProvince, 5, 135000},
	{"HC", "Cấp hộ chiếu phổ thông ở trong nước", egov.LevelProvince, 8, 200000},
	{"HT", "Cấp bản sao trích lục hộ tịch", egov.LevelCommune, 0, 8000},
	{"DKKD", "Đăng ký thành lập doanh nghiệp tư nhân", egov.LevelProvince, 3, 50000},
	{"HT", "Cấp Giấy xác nhận tình trạng hôn nhân", egov.LevelCommune, 3, 0},
	{"XD", "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ", egov.LevelCommune, 15, 75000},
	{"LD", "Giải quyết hưởng trợ cấp thất nghiệp", egov.LevelProvince, 20, 0},
	{"BTXH", "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng", egov.LevelCommune, 7, 0},
	{"DD", "Cấp Giấy chứng nhận quyền sử dụng đất lần đầu", egov.LevelProvince, 20, 100000},
}

// Processing times in working days and their shares: same-day services
// (chứng thực, many hộ tịch entries), a few days, the two weeks of many
// licences, and the long appraisals.
var processingDays = []struct {
	days  int
	share float64
}{{0, 8}, {1, 6}, {2, 5}, {3, 9}, {5, 12}, {7, 9}, {10, 14}, {12, 4}, {15, 13}, {20, 9}, {30, 7}, {45, 2}, {60, 2}}

var feeAmounts = []int64{10000, 20000, 30000, 50000, 50000, 100000, 100000, 150000, 200000, 300000, 500000, 1000000}

var components = []string{"Tờ khai theo mẫu", "Bản sao giấy tờ chứng minh nhân thân", "Giấy tờ chứng minh nơi cư trú",
	"Bản chính giấy chứng nhận đã cấp", "Văn bản ủy quyền (nếu nộp thay)", "Giấy tờ chứng minh quyền sử dụng đất",
	"Bản vẽ thiết kế", "Báo cáo kết quả thực hiện", "Giấy xác nhận của cơ quan có thẩm quyền", "Ảnh chân dung 4x6 cm",
	"Bản sao hợp đồng", "Danh sách kèm theo"}

var legalKinds = []struct{ kind, by string }{
	{"Luật", "QH15"}, {"Nghị định", "NĐ-CP"}, {"Thông tư", "TT-BTC"}, {"Thông tư", "TT-BTP"}, {"Quyết định", "QĐ-TTg"}, {"Nghị quyết", "NQ-HĐND"},
}

// proc is what dossiers need of a generated procedure.
type proc struct {
	code, name, field string
	levels            []egov.Level
	central           int // implementing central agency (index in the tree), -1 if none
	dept              int // provincial department number for its province level
	online            egov.OnlineLevel
	dueAmount         float64 // legal time of the appointment
	dueUnit           string
	appraisal         float64 // step times of the default process, in working days
	approval          float64
	fee               int64
	bill              string // the fee bill of an online dossier, as stored
	timing            egov.FeeTiming
	pop               float64
	record            string // the egov.Procedure as JSON
}

// makeProcedures makes n procedures with codes that are neither in taken
// nor repeated, and ranks them by popularity.
func (g *generator) makeProcedures(n int, taken map[string]bool, fieldNames map[string]string) ([]proc, error) {
	var weights []float64
	for _, f := range fieldSpecs {
		weights = append(weights, f.n)
	}
	fieldCum := cumulative(weights)
	bySpec := map[string]int{}
	for i, f := range fieldSpecs {
		bySpec[f.code] = i
	}
	var dayW []float64
	for _, d := range processingDays {
		dayW = append(dayW, d.share)
	}
	dayCum := cumulative(dayW)
	seen := map[string]bool{}
	out := make([]proc, 0, n)
	for i := 0; i < n; i++ {
		r := newRNG(g.cfg.Seed, streamProcedure, uint64(i))
		var f fieldSpec
		var name string
		var level egov.Level
		days := processingDays[r.pick(dayCum)].days
		var fee int64 = -1
		if i < len(wellKnown) {
			wk := wellKnown[i]
			f, name, level, days, fee = fieldSpecs[bySpec[wk.field]], wk.name, wk.level, wk.days, wk.fee
		} else {
			f = fieldSpecs[r.pick(fieldCum)]
			name = actions[r.intn(len(actions))] + " " + f.objects[r.intn(len(f.objects))] + qualifiers[r.intn(len(qualifiers))]
			level = []egov.Level{egov.LevelCentral, egov.LevelProvince, egov.LevelCommune}[r.weighted([]float64{f.central, f.prov, f.com})]
		}
		if g.cfg.Shape == FourLevel && level == egov.LevelCommune && i >= len(wellKnown) && r.chance(0.4) {
			level = egov.LevelDistrict // before 2025 much of it was the districts'
		}
		levels := []egov.Level{level}
		if i >= len(wellKnown) && level != egov.LevelCentral && r.chance(0.15) {
			// Procedures done at two levels: "Ủy ban nhân dân cấp tỉnh,
			// cấp xã".
			switch level {
			case egov.LevelProvince:
				levels = append(levels, egov.LevelCommune)
			default:
				levels = append([]egov.Level{egov.LevelProvince}, levels...)
			}
		}
		code := ""
		for code == "" || seen[code] || taken[code] {
			first := []string{"1", "2", "3"}[r.weighted([]float64{55, 35, 10})]
			code = fmt.Sprintf("%s.%06d", first, r.intn(1_000_000))
		}
		seen[code] = true
		p := proc{code: code, name: name, field: f.code, levels: levels, central: -1}
		if g.cfg.Shape == FourLevel {
			p.dept = f.dept4
		} else {
			p.dept = f.dept2
		}
		online := []egov.OnlineLevel{egov.OnlineInformation, egov.OnlinePartial, egov.OnlineFull}
		ow := []float64{30, 30, 40}
		if i < len(wellKnown) {
			ow = []float64{0, 30, 70}
		}
		p.online = online[r.weighted(ow)]
		if fee < 0 {
			fee = 0
			if r.chance(0.35) {
				fee = feeAmounts[r.intn(len(feeAmounts))]
			}
		}
		p.fee = fee
		rec := egov.Procedure{Code: code, Name: name, Status: "active",
			Field: egov.Field{Code: f.code, Name: fieldNames[f.code]}, Levels: levels, OnlineLevel: p.online,
			ProcessingDays: days, TargetUsers: []egov.TargetUser{egov.TargetCitizen}}
		if r.chance(0.3) {
			rec.TargetUsers = append(rec.TargetUsers, egov.TargetBusiness)
		}
		m := g.tree.byCode[f.ministry]
		rec.PublishingAgency = g.tree.agencies[m].Name
		if root := g.tree.agencies[m].ParentCode; root != "" {
			rec.PublishingAgency = g.tree.agencies[g.tree.byCode[root]].Name
		}
		for _, l := range levels {
			switch l {
			case egov.LevelCentral:
				p.central = m
				rec.ImplementingAgencies = append(rec.ImplementingAgencies, egov.AgencyRef{Code: f.ministry, Name: g.tree.agencies[m].Name})
			case egov.LevelProvince:
				rec.ImplementingAgencies = append(rec.ImplementingAgencies, egov.AgencyRef{Name: g.deptKind(p.dept)})
			case egov.LevelDistrict:
				rec.ImplementingAgencies = append(rec.ImplementingAgencies, egov.AgencyRef{Name: "Ủy ban nhân dân cấp huyện"})
			case egov.LevelCommune:
				rec.ImplementingAgencies = append(rec.ImplementingAgencies, egov.AgencyRef{Name: "Ủy ban nhân dân cấp xã"})
			}
		}
		unit := egov.UnitWorkingDays
		amount := float64(days)
		if days == 0 && r.chance(0.3) {
			unit, amount = egov.UnitHours, 4 // "trong 4 giờ làm việc"
		}
		var fees []egov.Fee
		if fee > 0 {
			fees = []egov.Fee{{Name: feeName(f.code, r), Amount: fee, Unit: "hồ sơ"}}
		}
		rec.Ways = []egov.Way{{Channel: egov.ChannelInPerson, ProcessingTime: amount, Unit: unit,
			Description: "Nộp trực tiếp tại Bộ phận Một cửa của cơ quan giải quyết.", Fees: fees}}
		if r.chance(0.3) {
			rec.Ways = append(rec.Ways, egov.Way{Channel: egov.ChannelPost, ProcessingTime: amount, Unit: unit,
				Description: "Gửi hồ sơ qua dịch vụ bưu chính công ích.", Fees: fees})
		}
		if rec.AllowsOnline() {
			rec.Ways = append(rec.Ways, egov.Way{Channel: egov.ChannelOnline, ProcessingTime: amount, Unit: unit,
				Description: "Nộp trực tuyến trên Cổng Dịch vụ công.", Fees: fees})
		}
		if fee > 0 && rec.AllowsOnline() {
			p.timing = egov.PayAtSubmission
			if r.chance(0.3) {
				p.timing = egov.PayBeforeResult
				rec.FeePolicy = &egov.FeePolicy{Timing: egov.PayBeforeResult, RefundOnRefusal: true}
			}
			bill, err := json.Marshal(payment.Bill{Lines: []payment.BillLine{{Name: fees[0].Name, Unit: "hồ sơ", UnitAmount: fee, Quantity: 1, Amount: fee}},
				Subtotal: fee, Total: fee, Timing: p.timing})
			if err != nil {
				return nil, fmt.Errorf("fee bill of %s: %w", code, err)
			}
			p.bill = string(bill)
		}
		nc := 1 + r.intn(4)
		for k := 0; k < nc; k++ {
			c := egov.Component{Code: fmt.Sprintf("TP%d", k+1), Name: components[(k*5+r.intn(3))%len(components)],
				Required: k == 0 || r.chance(0.6), Originals: 1}
			if k > 0 && r.chance(0.5) {
				c.Originals, c.Copies = 0, 1
			}
			rec.Components = append(rec.Components, c)
		}
		rec.FormFields = []egov.FormField{
			{Name: "ho_ten", Label: "Họ và tên người nộp", Type: egov.FieldText, Required: true, Prefill: "full_name"},
			{Name: "so_dinh_danh", Label: "Số định danh cá nhân", Type: egov.FieldIDNumber, Required: true, Prefill: "id_number"},
			{Name: "noi_dung", Label: "Nội dung đề nghị", Type: egov.FieldTextarea},
		}
		rec.Steps = []string{
			"Bước 1: Tổ chức, cá nhân chuẩn bị hồ sơ theo quy định và nộp tại Bộ phận Một cửa hoặc trên Cổng Dịch vụ công.",
			"Bước 2: Cơ quan giải quyết tiếp nhận, kiểm tra hồ sơ; hồ sơ chưa đầy đủ thì hướng dẫn bổ sung, hoàn thiện.",
			"Bước 3: Cơ quan giải quyết thẩm định, trình phê duyệt và trả kết quả cho tổ chức, cá nhân.",
		}
		lk := legalKinds[r.intn(len(legalKinds))]
		year := 2015 + r.intn(11)
		rec.LegalBasis = []egov.LegalDoc{{Number: fmt.Sprintf("%d/%d/%s", 1+r.intn(180), year, lk.by),
			Title: lk.kind + " quy định về " + strings.ToLower(fieldNames[f.code])}}
		rec.Results = []egov.ResultDoc{{Name: resultName(name)}}
		b, err := json.Marshal(&rec)
		if err != nil {
			return nil, fmt.Errorf("procedure %s: %w", code, err)
		}
		p.record = string(b)
		p.dueAmount, p.dueUnit = amount, string(unit)
		pr := dossier.DefaultProcess(&rec)
		p.appraisal, p.approval = pr.Steps[1].Time, pr.Steps[2].Time
		// Popularity: the field's, the level's (communes serve most
		// people), online services more used, and much chance.
		lp := map[egov.Level]float64{egov.LevelCommune: 3, egov.LevelDistrict: 2, egov.LevelProvince: 1.5, egov.LevelCentral: 0.6}[level]
		op := map[egov.OnlineLevel]float64{egov.OnlineInformation: 0.6, egov.OnlinePartial: 1, egov.OnlineFull: 1.4}[p.online]
		p.pop = f.pop * lp * op * r.lognormal(1.2)
		if i < len(wellKnown) {
			p.pop = math.Inf(1) // ranked first, in the order of the list
		}
		out = append(out, p)
	}
	return out, nil
}

// rankProcedures orders procedures by popularity and gives dossiers a
// Zipf-like choice among them: the r-th most popular is chosen with weight
// 1/(r+1), so that (at 70,000 procedures) the first takes about 8 % of
// dossiers, the first hundred about 45 % and the first thousand about
// 65 %, while thousands of procedures see a handful of dossiers in three
// years, as the national statistics show.
func rankProcedures(procs []proc) (order []int, cum []float64) {
	order = make([]int, len(procs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		pa, pb := procs[order[a]].pop, procs[order[b]].pop
		if math.IsInf(pa, 1) && math.IsInf(pb, 1) {
			return order[a] < order[b]
		}
		return pa > pb
	})
	w := make([]float64, len(order))
	for r := range w {
		w[r] = 1 / float64(r+1)
	}
	return order, cumulative(w)
}

func (g *generator) deptKind(n int) string {
	depts := departments2
	if g.cfg.Shape == FourLevel {
		depts = departments4
	}
	for _, d := range depts {
		if d.n == n {
			if d.n == 1 {
				return "Công an cấp tỉnh"
			}
			return d.name
		}
	}
	return "Ủy ban nhân dân cấp tỉnh"
}

func feeName(field string, r *rng) string {
	if r.chance(0.5) {
		return "Lệ phí"
	}
	if field == "CTH" {
		return "Phí chứng thực"
	}
	return "Phí thẩm định hồ sơ"
}

// resultName names what a procedure results in, from its name.
func resultName(name string) string {
	for _, a := range []string{"Cấp lại ", "Cấp đổi ", "Cấp bổ sung ", "Cấp "} {
		if rest, ok := strings.CutPrefix(name, a); ok {
			return upperFirst(rest)
		}
	}
	return "Văn bản giải quyết thủ tục " + lowerFirst(name)
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}
