package gen

import (
	"fmt"
	"strings"

	"github.com/egov-vn/egov"
)

// oldProvince is one of the 63 provinces before 1 July 2025: its agency
// code (Decision 20/2020: H01–H63, in the order of that decision; the
// demo data's H26 Hà Nội, H41 Nghệ An, H49 Quảng Ninh and H57 Huế agree,
// the others are as recalled and unverified), the 3-digit code that opens
// the ID numbers of people whose birth it registered (domain notes),
// its population in millions (2019 census, rounded) and the province it
// became part of in 2025 (Resolution 202/2025/QH15).
type oldProvince struct {
	h, id, name string
	city        bool // centrally-run city (thành phố trực thuộc trung ương)
	pop         float64
	merged      string // name of the 2025 province it belongs to
}

var oldProvinces = []oldProvince{
	{"H01", "089", "An Giang", false, 1.91, "An Giang"},
	{"H02", "077", "Bà Rịa – Vũng Tàu", false, 1.15, "Hồ Chí Minh"},
	{"H03", "095", "Bạc Liêu", false, 0.91, "Cà Mau"},
	{"H04", "024", "Bắc Giang", false, 1.80, "Bắc Ninh"},
	{"H05", "006", "Bắc Kạn", false, 0.31, "Thái Nguyên"},
	{"H06", "027", "Bắc Ninh", false, 1.37, "Bắc Ninh"},
	{"H07", "083", "Bến Tre", false, 1.29, "Vĩnh Long"},
	{"H08", "074", "Bình Dương", false, 2.43, "Hồ Chí Minh"},
	{"H09", "052", "Bình Định", false, 1.49, "Gia Lai"},
	{"H10", "070", "Bình Phước", false, 0.99, "Đồng Nai"},
	{"H11", "060", "Bình Thuận", false, 1.23, "Lâm Đồng"},
	{"H12", "096", "Cà Mau", false, 1.19, "Cà Mau"},
	{"H13", "004", "Cao Bằng", false, 0.53, "Cao Bằng"},
	{"H14", "092", "Cần Thơ", true, 1.24, "Cần Thơ"},
	{"H15", "048", "Đà Nẵng", true, 1.13, "Đà Nẵng"},
	{"H16", "066", "Đắk Lắk", false, 1.87, "Đắk Lắk"},
	{"H17", "067", "Đắk Nông", false, 0.62, "Lâm Đồng"},
	{"H18", "011", "Điện Biên", false, 0.60, "Điện Biên"},
	{"H19", "075", "Đồng Nai", false, 3.10, "Đồng Nai"},
	{"H20", "087", "Đồng Tháp", false, 1.60, "Đồng Tháp"},
	{"H21", "064", "Gia Lai", false, 1.51, "Gia Lai"},
	{"H22", "002", "Hà Giang", false, 0.85, "Tuyên Quang"},
	{"H23", "035", "Hà Nam", false, 0.85, "Ninh Bình"},
	{"H24", "042", "Hà Tĩnh", false, 1.29, "Hà Tĩnh"},
	{"H25", "030", "Hải Dương", false, 1.89, "Hải Phòng"},
	{"H26", "001", "Hà Nội", true, 8.05, "Hà Nội"},
	{"H27", "031", "Hải Phòng", true, 2.03, "Hải Phòng"},
	{"H28", "093", "Hậu Giang", false, 0.73, "Cần Thơ"},
	{"H29", "079", "Hồ Chí Minh", true, 8.99, "Hồ Chí Minh"},
	{"H30", "017", "Hòa Bình", false, 0.85, "Phú Thọ"},
	{"H31", "033", "Hưng Yên", false, 1.25, "Hưng Yên"},
	{"H32", "056", "Khánh Hòa", false, 1.23, "Khánh Hòa"},
	{"H33", "091", "Kiên Giang", false, 1.72, "An Giang"},
	{"H34", "062", "Kon Tum", false, 0.54, "Quảng Ngãi"},
	{"H35", "012", "Lai Châu", false, 0.46, "Lai Châu"},
	{"H36", "068", "Lâm Đồng", false, 1.30, "Lâm Đồng"},
	{"H37", "020", "Lạng Sơn", false, 0.78, "Lạng Sơn"},
	{"H38", "010", "Lào Cai", false, 0.73, "Lào Cai"},
	{"H39", "080", "Long An", false, 1.69, "Tây Ninh"},
	{"H40", "036", "Nam Định", false, 1.78, "Ninh Bình"},
	{"H41", "040", "Nghệ An", false, 3.33, "Nghệ An"},
	{"H42", "037", "Ninh Bình", false, 0.98, "Ninh Bình"},
	{"H43", "058", "Ninh Thuận", false, 0.59, "Khánh Hòa"},
	{"H44", "025", "Phú Thọ", false, 1.46, "Phú Thọ"},
	{"H45", "054", "Phú Yên", false, 0.87, "Đắk Lắk"},
	{"H46", "044", "Quảng Bình", false, 0.90, "Quảng Trị"},
	{"H47", "049", "Quảng Nam", false, 1.50, "Đà Nẵng"},
	{"H48", "051", "Quảng Ngãi", false, 1.23, "Quảng Ngãi"},
	{"H49", "022", "Quảng Ninh", false, 1.32, "Quảng Ninh"},
	{"H50", "045", "Quảng Trị", false, 0.63, "Quảng Trị"},
	{"H51", "094", "Sóc Trăng", false, 1.20, "Cần Thơ"},
	{"H52", "014", "Sơn La", false, 1.25, "Sơn La"},
	{"H53", "072", "Tây Ninh", false, 1.17, "Tây Ninh"},
	{"H54", "034", "Thái Bình", false, 1.86, "Hưng Yên"},
	{"H55", "019", "Thái Nguyên", false, 1.29, "Thái Nguyên"},
	{"H56", "038", "Thanh Hóa", false, 3.64, "Thanh Hóa"},
	{"H57", "046", "Huế", true, 1.13, "Huế"},
	{"H58", "082", "Tiền Giang", false, 1.76, "Đồng Tháp"},
	{"H59", "084", "Trà Vinh", false, 1.01, "Vĩnh Long"},
	{"H60", "008", "Tuyên Quang", false, 0.78, "Tuyên Quang"},
	{"H61", "086", "Vĩnh Long", false, 1.02, "Vĩnh Long"},
	{"H62", "026", "Vĩnh Phúc", false, 1.15, "Phú Thọ"},
	{"H63", "015", "Yên Bái", false, 0.82, "Lào Cai"},
}

// newProvince is one of the 34 provinces since 1 July 2025, with the
// approximate number of its communes, wards and special zones (3,321 in
// all); the generator scales these to the number of communes asked for.
// A province keeps the agency code of the old province whose name it
// took.
type newProvince struct {
	name     string
	city     bool
	communes int
}

var newProvinces = []newProvince{
	{"Hà Nội", true, 126}, {"Huế", true, 40}, {"Lai Châu", false, 38}, {"Điện Biên", false, 45},
	{"Sơn La", false, 75}, {"Lạng Sơn", false, 65}, {"Quảng Ninh", false, 54}, {"Thanh Hóa", false, 166},
	{"Nghệ An", false, 130}, {"Hà Tĩnh", false, 69}, {"Cao Bằng", false, 56}, {"Tuyên Quang", false, 124},
	{"Lào Cai", false, 99}, {"Thái Nguyên", false, 92}, {"Phú Thọ", false, 148}, {"Bắc Ninh", false, 99},
	{"Hưng Yên", false, 104}, {"Hải Phòng", true, 114}, {"Ninh Bình", false, 129}, {"Quảng Trị", false, 78},
	{"Đà Nẵng", true, 94}, {"Quảng Ngãi", false, 96}, {"Gia Lai", false, 135}, {"Khánh Hòa", false, 65},
	{"Lâm Đồng", false, 124}, {"Đắk Lắk", false, 102}, {"Hồ Chí Minh", true, 168}, {"Đồng Nai", false, 95},
	{"Tây Ninh", false, 96}, {"Cần Thơ", true, 103}, {"Vĩnh Long", false, 124}, {"Đồng Tháp", false, 102},
	{"Cà Mau", false, 64}, {"An Giang", false, 102},
}

// Real counts of local units, the defaults of Config.Communes.
const (
	communesTwoLevel   = 3321  // since 1 July 2025
	communesFourLevel  = 10599 // before, under 705 districts
	districtsFourLevel = 705
)

// ministry is a central agency: a ministry or a department (cục) of one,
// as in the demo data, whose codes these reuse.
type ministry struct {
	code, name, short, parent string
}

var ministries = []ministry{
	{"000.00.00.G01", "Bộ Công an", "BCA", ""},
	{"000.00.00.G02", "Bộ Công Thương", "BCT", ""},
	{"000.00.00.G03", "Bộ Giáo dục và Đào tạo", "BGDĐT", ""},
	{"000.00.00.G06", "Bộ Khoa học và Công nghệ", "BKHCN", ""},
	{"000.00.00.G08", "Bộ Ngoại giao", "BNG", ""},
	{"000.00.00.G09", "Bộ Nội vụ", "BNV", ""},
	{"000.00.00.G10", "Bộ Nông nghiệp và Môi trường", "BNNMT", ""},
	{"000.00.00.G12", "Bộ Tài chính", "BTC", ""},
	{"000.00.00.G15", "Bộ Tư pháp", "BTP", ""},
	{"000.00.00.G16", "Bộ Văn hóa, Thể thao và Du lịch", "BVHTTDL", ""},
	{"000.00.00.G17", "Bộ Xây dựng", "BXD", ""},
	{"000.00.00.G18", "Bộ Y tế", "BYT", ""},
	{"000.00.00.G22", "Văn phòng Chính phủ", "VPCP", ""},
	{"000.00.91.G01", "Cục Cảnh sát quản lý hành chính về trật tự xã hội", "C06", "000.00.00.G01"},
	{"000.00.92.G01", "Cục Quản lý xuất nhập cảnh", "A08", "000.00.00.G01"},
	{"000.00.93.G01", "Cục Cảnh sát giao thông", "C08", "000.00.00.G01"},
	{"000.00.91.G15", "Trung tâm Lý lịch tư pháp quốc gia", "", "000.00.00.G15"},
	{"000.00.18.G12", "Cục Thuế", "", "000.00.00.G12"},
	{"000.00.91.G12", "Cục Phát triển doanh nghiệp tư nhân và kinh tế tập thể", "", "000.00.00.G12"},
	{"000.00.92.G12", "Bảo hiểm xã hội Việt Nam", "BHXH", "000.00.00.G12"},
	{"000.00.93.G12", "Cục Hải quan", "", "000.00.00.G12"},
	{"000.00.91.G18", "Cục Quản lý Dược", "", "000.00.00.G18"},
	{"000.00.92.G18", "Cục Quản lý Khám, chữa bệnh", "", "000.00.00.G18"},
	{"000.00.91.G06", "Cục Sở hữu trí tuệ", "", "000.00.00.G06"},
	{"000.00.91.G08", "Cục Lãnh sự", "", "000.00.00.G08"},
	{"000.00.91.G17", "Cục Đường bộ Việt Nam", "", "000.00.00.G17"},
	{"000.00.91.G10", "Cục Bảo vệ thực vật", "", "000.00.00.G10"},
	{"000.00.91.G16", "Cục Du lịch Quốc gia Việt Nam", "", "000.00.00.G16"},
}

// department is a provincial department (sở) or the provincial police; n
// is the second group of its code, 000.00.nn.Hxx, the number of the
// ministry it answers to, as in the demo data (15 Tư pháp, 17 Xây dựng...).
type department struct {
	n    int
	name string
}

// Departments of a province since 2025 (two-level shape) and before
// (four-level shape, with the ministries of the time: Transport, Labour,
// Planning and Investment, Natural Resources, Information).
var (
	departments2 = []department{
		{1, "Công an"}, {2, "Sở Công Thương"}, {3, "Sở Giáo dục và Đào tạo"}, {6, "Sở Khoa học và Công nghệ"},
		{9, "Sở Nội vụ"}, {10, "Sở Nông nghiệp và Môi trường"}, {12, "Sở Tài chính"}, {15, "Sở Tư pháp"},
		{16, "Sở Văn hóa, Thể thao và Du lịch"}, {17, "Sở Xây dựng"}, {18, "Sở Y tế"}, {20, "Sở Dân tộc và Tôn giáo"},
	}
	departments4 = []department{
		{1, "Công an"}, {2, "Sở Công Thương"}, {3, "Sở Giáo dục và Đào tạo"}, {5, "Sở Giao thông vận tải"},
		{6, "Sở Khoa học và Công nghệ"}, {7, "Sở Kế hoạch và Đầu tư"}, {8, "Sở Lao động – Thương binh và Xã hội"},
		{9, "Sở Nội vụ"}, {11, "Sở Nông nghiệp và Phát triển nông thôn"}, {12, "Sở Tài chính"},
		{13, "Sở Tài nguyên và Môi trường"}, {14, "Sở Thông tin và Truyền thông"}, {15, "Sở Tư pháp"},
		{16, "Sở Văn hóa, Thể thao và Du lịch"}, {17, "Sở Xây dựng"}, {18, "Sở Y tế"},
	}
)

// Syllables of place names, the most common ones of communes and wards.
var placeSyllables = []string{"An", "Bình", "Hòa", "Phú", "Tân", "Long", "Thạnh", "Hưng", "Thuận", "Phước",
	"Lộc", "Mỹ", "Vĩnh", "Xuân", "Thanh", "Quang", "Đông", "Tây", "Nam", "Bắc", "Trung", "Hải", "Sơn", "Hà",
	"Thủy", "Lâm", "Cẩm", "Kim", "Ngọc", "Hồng", "Thái", "Đức", "Nghĩa", "Hiệp", "Thắng", "Lợi", "Thịnh",
	"Phong", "Định", "Hậu", "Khánh", "Lạc", "Minh", "Nhơn", "Quý", "Tiến", "Tường", "Yên", "Châu", "Giang",
	"Hiếu", "Lương", "Mai", "Nhân", "Phúc", "Sơn", "Tâm", "Trường", "Văn", "Việt", "Hội", "Cát", "Điền",
	"Gia", "Hoàng", "Liên", "Lập", "Thọ", "Trà", "Vân", "Cường", "Đạt", "Hương", "Kiên", "Ninh", "Quảng"}

var streets = []string{"Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Hai Bà Trưng", "Lý Thường Kiệt", "Quang Trung",
	"Nguyễn Huệ", "Lê Duẩn", "Hùng Vương", "Điện Biên Phủ", "Phan Chu Trinh", "Nguyễn Du", "Trần Phú",
	"Lê Lai", "Bà Triệu", "Nguyễn Văn Cừ", "Võ Thị Sáu", "Phạm Văn Đồng", "Nguyễn Thị Minh Khai", "Lạc Long Quân"}

// agency is a node of the generated tree, with what the generator needs
// beside the stored record.
type agency struct {
	egov.Agency
	province int     // index in tree.provinces
	district int     // index in tree.districtAgency, -1 if none
	weight   float64 // how busy it is beside its peers
	usable   bool    // false when the database holds another agency with its code
}

// province is a province of the shape being generated.
type province struct {
	title    string      // "Thành phố Hà Nội"
	agency   int         // index of its People's Committee in tree.agencies
	depts    map[int]int // department number → index in tree.agencies
	communes []int       // indexes in tree.agencies
	cumComm  []float64   // cumulative weights of communes
	births   []int       // old provinces whose people were born here (indexes in oldProvinces)
	cumBirth []float64
}

// tree is the agency tree of a shape.
type tree struct {
	agencies       []agency
	byCode         map[string]int
	provinces      []province
	cumProv        []float64 // cumulative population of provinces
	districtAgency []int     // per district (four-level), its index in agencies
}

func provinceTitle(name string, city bool) string {
	if city {
		return "Thành phố " + name
	}
	return "Tỉnh " + name
}

// lowerTitle writes "thành phố Hà Nội" after a department's name, as the
// demo data does.
func lowerTitle(title string) string {
	first, rest, _ := strings.Cut(title, " ")
	return strings.ToLower(first) + " " + rest
}

// buildTree makes the agency tree: the ministries and their departments,
// then the provinces of the shape with their departments, then districts
// (four-level) and communes. communes is the total number of communes,
// shared out by the real counts (two-level) or by population.
func buildTree(shape Shape, communes int, r *rng) *tree {
	t := &tree{byCode: map[string]int{}}
	add := func(a agency) int {
		a.usable = true
		t.agencies = append(t.agencies, a)
		t.byCode[a.Code] = len(t.agencies) - 1
		return len(t.agencies) - 1
	}
	for _, m := range ministries {
		add(agency{Agency: egov.Agency{Code: m.code, Name: m.name, ShortName: m.short, Level: egov.LevelCentral,
			ParentCode: m.parent, Address: "Hà Nội"}, province: -1, district: -1, weight: 1})
	}
	type plan struct {
		code, name string
		city       bool
		pop        float64
		share      float64
		births     []int
	}
	var plans []plan
	if shape == FourLevel {
		for i, o := range oldProvinces {
			plans = append(plans, plan{code: o.h, name: o.name, city: o.city, pop: o.pop, share: o.pop, births: []int{i}})
		}
	} else {
		for _, n := range newProvinces {
			p := plan{name: n.name, city: n.city, share: float64(n.communes)}
			for i, o := range oldProvinces {
				if o.merged == n.name {
					p.pop += o.pop
					p.births = append(p.births, i)
					if o.name == n.name {
						p.code = o.h
					}
				}
			}
			plans = append(plans, p)
		}
	}
	shares := make([]float64, len(plans))
	for i, p := range plans {
		shares[i] = p.share
	}
	perProvince := apportion(communes, shares)
	depts := departments2
	if shape == FourLevel {
		depts = departments4
	}
	var totalPop float64
	for pi, pl := range plans {
		title := provinceTitle(pl.name, pl.city)
		pv := province{title: title, depts: map[int]int{}, births: pl.births}
		pv.agency = add(agency{Agency: egov.Agency{Code: "000.00.00." + pl.code, Name: "Ủy ban nhân dân " + title,
			Level: egov.LevelProvince, Address: title}, province: pi, district: -1, weight: 1})
		for _, d := range depts {
			pv.depts[d.n] = add(agency{Agency: egov.Agency{Code: fmt.Sprintf("000.00.%02d.%s", d.n, pl.code),
				Name: d.name + " " + lowerTitle(title), Level: egov.LevelProvince, ParentCode: "000.00.00." + pl.code,
				Address: title}, province: pi, district: -1, weight: 1})
		}
		var sum float64
		for _, b := range pl.births {
			sum += oldProvinces[b].pop
			pv.cumBirth = append(pv.cumBirth, sum)
		}
		urban := 0.2
		if pl.city {
			urban = 0.5
		}
		names := map[string]bool{}
		placeName := func(kinds ...string) string {
			kind := kinds[0]
			if len(kinds) > 1 && r.float() < urban {
				kind = kinds[1]
			}
			for try := 0; ; try++ {
				n := kind + " " + placeSyllables[r.intn(len(placeSyllables))] + " " + strings.ToLower(placeSyllables[r.intn(len(placeSyllables))])
				n = capitalizeSecond(n, kind)
				if try > 20 {
					n = fmt.Sprintf("%s %d", n, try)
				}
				if !names[n] {
					names[n] = true
					return n
				}
			}
		}
		n := perProvince[pi]
		provCode := "000.00.00." + pl.code
		if shape == FourLevel {
			nd := max(1, min(59, int(float64(districtsFourLevel)*pl.pop/totalOldPop()+0.5)))
			perDistrict := apportion(n, uniform(nd))
			for d := 0; d < nd; d++ {
				dcode := fmt.Sprintf("000.00.%02d.%s", 40+d, pl.code)
				district := len(t.districtAgency)
				t.districtAgency = append(t.districtAgency, add(agency{Agency: egov.Agency{Code: dcode,
					Name: "Ủy ban nhân dân " + placeName("Huyện", "Quận"), Level: egov.LevelDistrict, ParentCode: provCode,
					Address: title}, province: pi, district: district, weight: 1}))
				for c := 0; c < min(perDistrict[d], 99); c++ {
					ci := add(agency{Agency: egov.Agency{Code: fmt.Sprintf("000.%02d.%02d.%s", c+1, 40+d, pl.code),
						Name: "Ủy ban nhân dân " + placeName("Xã", "Phường"), Level: egov.LevelCommune, ParentCode: dcode,
						Address: title}, province: pi, district: district, weight: r.lognormal(0.5)})
					pv.communes = append(pv.communes, ci)
				}
			}
		} else {
			for k := 0; k < n; k++ {
				code := fmt.Sprintf("000.%02d.%02d.%s", k/60, 40+k%60, pl.code)
				name := placeName("Xã", "Phường")
				w := r.lognormal(0.5)
				if strings.HasPrefix(name, "Phường") {
					w *= 1.5
				}
				pv.communes = append(pv.communes, add(agency{Agency: egov.Agency{Code: code, Name: "Ủy ban nhân dân " + name,
					Level: egov.LevelCommune, ParentCode: provCode, Address: title}, province: pi, district: -1, weight: w}))
			}
		}
		var cw float64
		for _, ci := range pv.communes {
			cw += t.agencies[ci].weight
			pv.cumComm = append(pv.cumComm, cw)
		}
		totalPop += pl.pop
		t.provinces = append(t.provinces, pv)
		t.cumProv = append(t.cumProv, totalPop)
	}
	return t
}

// capitalizeSecond keeps a place name's second syllable capitalised:
// "Xã Bình hòa" → "Xã Bình Hòa".
func capitalizeSecond(n, kind string) string {
	parts := strings.Fields(strings.TrimPrefix(n, kind+" "))
	for i, p := range parts {
		r := []rune(p)
		r[0] = []rune(strings.ToUpper(string(r[0])))[0]
		parts[i] = string(r)
	}
	return kind + " " + strings.Join(parts, " ")
}

func totalOldPop() float64 {
	var s float64
	for _, o := range oldProvinces {
		s += o.pop
	}
	return s
}

func uniform(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1
	}
	return w
}

// apportion shares total out in proportion to weights, by largest
// remainders, so that the parts add up to total exactly.
func apportion(total int, weights []float64) []int {
	out := make([]int, len(weights))
	var sum float64
	for _, w := range weights {
		sum += w
	}
	if sum <= 0 || total <= 0 {
		return out
	}
	type rem struct {
		i int
		f float64
	}
	rems := make([]rem, len(weights))
	given := 0
	for i, w := range weights {
		x := float64(total) * w / sum
		out[i] = int(x)
		given += out[i]
		rems[i] = rem{i, x - float64(out[i])}
	}
	// Stable selection of the largest remainders: ties go to the first.
	for given < total {
		best := -1
		for j := range rems {
			if rems[j].f >= 0 && (best < 0 || rems[j].f > rems[best].f) {
				best = j
			}
		}
		out[rems[best].i]++
		rems[best].f = -1
		given++
	}
	return out
}
