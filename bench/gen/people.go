package gen

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/identity"
)

// Family names with their approximate shares of the population (Nguyễn
// alone is close to two in five).
var familyNames = []struct {
	name  string
	share float64
}{
	{"Nguyễn", 38}, {"Trần", 11}, {"Lê", 9.5}, {"Phạm", 7}, {"Hoàng", 4}, {"Huỳnh", 1.5}, {"Phan", 4.5},
	{"Vũ", 2.5}, {"Võ", 1.5}, {"Đặng", 2}, {"Bùi", 2}, {"Đỗ", 1.4}, {"Hồ", 1.3}, {"Ngô", 1.3}, {"Dương", 1},
	{"Lý", 0.5}, {"Đinh", 0.7}, {"Trương", 0.7}, {"Lưu", 0.4}, {"Mai", 0.4}, {"Đào", 0.5}, {"Cao", 0.4},
	{"Tô", 0.2}, {"Hà", 0.4}, {"Lâm", 0.3}, {"Quách", 0.1}, {"Thái", 0.2}, {"Tạ", 0.2}, {"Chu", 0.2},
	{"Kiều", 0.1}, {"Lương", 0.3}, {"Triệu", 0.2}, {"Đoàn", 0.5}, {"Vương", 0.2}, {"Trịnh", 0.4},
}

var (
	middleMale   = []string{"Văn", "Hữu", "Đức", "Minh", "Quốc", "Thành", "Công", "Quang", "Xuân", "Anh", "Tuấn", "Hoàng", "Duy", "Gia", "Trọng", "Ngọc", "Thanh", "Đình", "Mạnh", "Bảo"}
	middleFemale = []string{"Thị", "Ngọc", "Thu", "Thanh", "Phương", "Kim", "Bảo", "Khánh", "Mai", "Minh", "Hồng", "Thùy", "Diệu", "Hải", "Quỳnh", "Bích", "Thảo", "Tuyết", "Hoài", "Lan"}
	givenMale    = []string{"Anh", "Bình", "Cường", "Dũng", "Đức", "Hải", "Hùng", "Huy", "Khánh", "Long", "Minh", "Nam", "Phong", "Quân", "Sơn", "Thắng", "Tuấn", "Việt", "Hiếu", "Trung", "Tùng", "Hoàng", "Phúc", "Thịnh", "Tài", "Lâm", "Khoa", "Đạt", "Vinh", "Toàn", "Kiên", "Lộc", "Nghĩa", "Tâm", "Thành", "Hưng", "Bảo", "Quang", "Duy", "Tiến"}
	givenFemale  = []string{"Anh", "Chi", "Dung", "Hà", "Hạnh", "Hằng", "Hoa", "Hương", "Lan", "Linh", "Mai", "Ngọc", "Nhung", "Phương", "Thảo", "Trang", "Vân", "Yến", "Hiền", "Huyền", "Loan", "My", "Nga", "Oanh", "Quyên", "Tâm", "Thủy", "Trâm", "Uyên", "Vy", "Giang", "Hồng", "Liên", "Nhi", "Thư", "Thanh", "Diệp", "Khuê", "Ngân", "Xuân"}
	emailDomains = []string{"example.com", "example.net", "example.org"}
	phonePrefix  = []string{"032", "033", "034", "035", "036", "037", "038", "039", "056", "058", "070", "076", "077", "078", "079", "081", "082", "083", "084", "085", "086", "088", "089", "090", "091", "093", "094", "096", "097", "098"}
)

// names holds the name lists with their folded forms, which the search
// text and the e-mail addresses use: folding every name at generation
// time would cost more than the rest of a citizen.
type names struct {
	family    []string
	familyCum []float64
	folded    map[string]string
}

func newNames() *names {
	n := &names{folded: map[string]string{}}
	var w []float64
	for _, f := range familyNames {
		n.family = append(n.family, f.name)
		w = append(w, f.share)
	}
	n.familyCum = cumulative(w)
	for _, list := range [][]string{n.family, middleMale, middleFemale, givenMale, givenFemale, placeSyllables, streets} {
		for _, s := range list {
			n.folded[s] = strings.ToLower(identity.FoldVietnamese(s))
		}
	}
	return n
}

// person draws a full name; it returns the name and its folded form.
func (n *names) person(r *rng, male bool) (string, string) {
	fam := n.family[r.pick(n.familyCum)]
	mid, giv := middleFemale, givenFemale
	if male {
		mid, giv = middleMale, givenMale
	}
	m := mid[r.intn(len(mid))]
	g := giv[r.intn(len(giv))]
	name := fam + " " + m + " " + g
	folded := n.folded[fam] + " " + n.folded[m] + " " + n.folded[g]
	if !male && r.chance(0.25) {
		// "Nguyễn Ngọc Bảo Anh": a second given name, common for women.
		g2 := givenFemale[r.intn(len(givenFemale))]
		if g2 != g {
			name = fam + " " + m + " " + g2 + " " + g
			folded = n.folded[fam] + " " + n.folded[m] + " " + n.folded[g2] + " " + n.folded[g]
		}
	}
	return name, folded
}

// citizen is what the generator knows of a person: everything but the
// ID number is drawn from the person's own stream, so that a dossier can
// draw its applicant again from the index alone.
type citizen struct {
	name, folded string
	male         bool
	dob          time.Time
	birth        int // index in oldProvinces
	home         int // province index in the tree
	commune      int // agency index, -1 when the province has no commune
	phone        string
	email        string
	address      string
}

// idPrefix is the first six digits of an ID number: province of birth
// registration, century and sex, year of birth.
func (c *citizen) idPrefix() string {
	y := c.dob.Year()
	d := 2 * ((y - 1900) / 100)
	if !c.male {
		d++
	}
	return fmt.Sprintf("%s%d%02d", oldProvinces[c.birth].id, d, y%100)
}

// prefixKey numbers the possible ID prefixes: 63 provinces × 10 century and
// sex digits × 100 years.
func prefixKey(prefix string) int {
	p, _ := strconv.Atoi(prefix[:3])
	cs := int(prefix[3] - '0')
	yy, _ := strconv.Atoi(prefix[4:6])
	return (p*10+cs)*100 + yy
}

// Serials of ID numbers: accounts take 000001 upwards in each prefix,
// people without an account (at the counter) 800000 and above, so that the
// two never meet.
const (
	accountSerialMax = 799999
	walkInSerialMin  = 800000
)

// ages of adults applying, in shares: most are of working age.
var ageBands = []struct {
	lo, hi int
	share  float64
}{{18, 30, 27}, {30, 45, 33}, {45, 60, 25}, {60, 86, 15}}

var ageCum = func() []float64 {
	var w []float64
	for _, b := range ageBands {
		w = append(w, b.share)
	}
	return cumulative(w)
}()

// person draws a person of the tree, from r.
func (g *generator) person(r *rng) citizen {
	var c citizen
	c.male = r.chance(0.49)
	c.name, c.folded = g.names.person(r, c.male)
	band := ageBands[r.pick(ageCum)]
	age := band.lo + r.intn(band.hi-band.lo)
	born := g.now.AddDate(-age, 0, -1-r.intn(364))
	c.dob = time.Date(born.Year(), born.Month(), born.Day(), 0, 0, 0, 0, time.UTC)
	c.home = r.pick(g.tree.cumProv)
	pv := &g.tree.provinces[c.home]
	if len(pv.births) > 0 && r.chance(0.85) {
		c.birth = pv.births[r.pick(pv.cumBirth)]
	} else {
		c.birth = r.pick(g.oldPopCum)
	}
	c.commune = -1
	place := pv.title
	if len(pv.communes) > 0 {
		c.commune = pv.communes[r.pick(pv.cumComm)]
		place = strings.TrimPrefix(g.tree.agencies[c.commune].Name, "Ủy ban nhân dân ") + ", " + place
	}
	if strings.HasPrefix(place, "Phường") || r.chance(0.3) {
		c.address = fmt.Sprintf("Số %d, đường %s, %s", 1+r.intn(300), streets[r.intn(len(streets))], place)
	} else {
		c.address = fmt.Sprintf("Thôn %s %s, %s", placeSyllables[r.intn(len(placeSyllables))],
			placeSyllables[r.intn(len(placeSyllables))], place)
	}
	c.phone = fmt.Sprintf("%s%07d", phonePrefix[r.intn(len(phonePrefix))], r.intn(10_000_000))
	local := strings.ReplaceAll(c.folded, " ", "")
	if r.chance(0.5) {
		parts := strings.Fields(c.folded)
		local = parts[len(parts)-1] + "." + parts[0]
	}
	c.email = fmt.Sprintf("%s%d@%s", local, r.intn(10000), emailDomains[r.intn(len(emailDomains))])
	return c
}

// citizenAt draws citizen i of this run.
func (g *generator) citizenAt(i int) citizen {
	return g.person(newRNG(g.cfg.Seed, streamCitizen, uint64(i)))
}

// officialRoles are the officials made for every agency, with the prefix
// of their user names: one-stop desk, specialist, leader.
var officialRoles = []struct {
	prefix string
	role   identity.Role
}{{"tn", identity.RoleReceiver}, {"cv", identity.RoleSpecialist}, {"ld", identity.RoleLeader}}

// officialUsername is the user name of an agency's official in role slot k:
// "tn.000.00.40.h26".
func officialUsername(k int, agencyCode string) string {
	return officialRoles[k].prefix + "." + strings.ToLower(agencyCode)
}

// citizenRow is an account row of a citizen.
type citizenRow struct {
	id                                              int64
	username, name, dob, sex, phone, email, address string
	created, verified                               time.Time
}

// createdAt is when account i of n was opened: accounts open at a steady
// pace from a third of the span before its start until now, so that the
// first dossier finds a quarter of them and a dossier at t can pick any
// account opened before t (pickCitizen).
func (g *generator) createdAt(i int, r *rng) time.Time {
	span := g.now.Sub(g.accountsFrom)
	n := float64(g.cfg.Citizens)
	return g.accountsFrom.Add(time.Duration((float64(i) + r.float()) / n * float64(span))).Truncate(time.Second)
}

// loadCitizens writes the citizens' accounts. Their ID numbers take, in
// each prefix, the serials after the highest the database has.
func (g *generator) loadCitizens(ctx context.Context) (int64, error) {
	n := g.cfg.Citizens
	span := g.now.Sub(g.start)
	g.accountsFrom = g.start.Add(-span / 3).UTC()
	counters := make([]int32, 1_000_000)
	if err := g.queryRows(ctx, `SELECT substr(username, 1, 6), MAX(substr(username, 7, 6)) FROM accounts
		WHERE kind = 'citizen' AND length(username) = 12 GROUP BY substr(username, 1, 6)`, func(rows *sql.Rows) error {
		var prefix, serial string
		if err := rows.Scan(&prefix, &serial); err != nil {
			return err
		}
		s, err := strconv.Atoi(serial)
		if _, perr := strconv.Atoi(prefix); err != nil || perr != nil {
			return nil // not an ID number
		}
		counters[prefixKey(prefix)] = int32(s)
		return nil
	}); err != nil {
		return 0, fmt.Errorf("gen: ID numbers in use: %w", err)
	}
	base, err := g.maxID(ctx, "accounts")
	if err != nil {
		return 0, err
	}
	g.citizenBase = base + 1
	g.citizenIDs = make([]uint64, n)
	cols := []string{"id", "kind", "username", "full_name", "date_of_birth", "sex", "phone", "email", "email_verified_at",
		"address", "password_hash", "created_at", "updated_at"}
	done := g.prog.counter("citizens", int64(n))
	ts := g.stats.table("accounts")
	chunk := max(g.cfg.BatchSize, 10_000)
	err = pipeline(ctx, func(ctx context.Context, emit func([]citizenRow) error) error {
		for lo := 0; lo < n; lo += chunk {
			rows := make([]citizenRow, 0, min(chunk, n-lo))
			for i := lo; i < min(lo+chunk, n); i++ {
				r := newRNG(g.cfg.Seed, streamCitizen, uint64(i))
				c := g.person(r)
				prefix := c.idPrefix()
				k := prefixKey(prefix)
				counters[k]++
				if counters[k] > accountSerialMax {
					return fmt.Errorf("gen: no ID serial left for prefix %s: %w", prefix, egov.ErrConflict)
				}
				p, _ := strconv.ParseUint(prefix, 10, 64)
				id := p*1_000_000 + uint64(counters[k])
				g.citizenIDs[i] = id
				created := g.createdAt(i, r)
				var verified time.Time
				if r.chance(0.8) {
					verified = created.Add(time.Duration(2+r.intn(58)) * time.Minute)
				}
				sex := identity.SexFemale
				if c.male {
					sex = identity.SexMale
				}
				rows = append(rows, citizenRow{id: g.citizenBase + int64(i), username: fmt.Sprintf("%012d", id), name: c.name,
					dob: c.dob.Format("2006-01-02"), sex: string(sex), phone: c.phone, email: c.email, address: c.address,
					created: created, verified: verified})
			}
			if err := emit(rows); err != nil {
				return err
			}
		}
		return nil
	}, func(rows []citizenRow) error {
		t0 := time.Now()
		err := g.sink.batch(ctx, func() error {
			return g.sink.insert(ctx, "accounts", cols, len(rows), func(i int, v []any) {
				c := &rows[i]
				v[0], v[1], v[2], v[3], v[4], v[5], v[6] = c.id, "citizen", c.username, c.name, c.dob, c.sex, c.phone
				v[7], v[8], v[9], v[10], v[11], v[12] = c.email, nullTime(c.verified), c.address, g.hash, c.created, c.created
			})
		})
		ts.Load += time.Since(t0)
		if err != nil {
			return fmt.Errorf("gen: write citizens: %w", err)
		}
		ts.Rows += int64(len(rows))
		done.Add(int64(len(rows)))
		return nil
	})
	g.prog.finish()
	return int64(n), err
}
