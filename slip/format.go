package slip

import (
	"fmt"
	"time"
)

// vietnam is the time zone the slips show times in. A fixed zone rather
// than time.LoadLocation("Asia/Ho_Chi_Minh"): Vietnam has kept UTC+7 without
// daylight saving since 1975, and a fixed zone needs no tzdata on the
// machine, which a minimal container may lack.
var vietnam = time.FixedZone("ICT", 7*3600)

// formatDate shows a day as dd/mm/yyyy.
func formatDate(t time.Time) string {
	return t.In(vietnam).Format("02/01/2006")
}

// formatDateTime shows a moment as "HH giờ MM phút, ngày dd/mm/yyyy", the way
// the one-stop forms write the times of reception and of return.
func formatDateTime(t time.Time) string {
	t = t.In(vietnam)
	return fmt.Sprintf("%02d giờ %02d phút, ngày %s", t.Hour(), t.Minute(), formatDate(t))
}

// placeDate writes the place-and-date line of an administrative document,
// "Hà Nội, ngày 28 tháng 11 năm 2026". Decree 30/2020/NĐ-CP (Appendix I)
// asks for a leading zero on days below 10 and on months 1 and 2 only, so
// that "ngày 5 tháng 1" cannot be altered into "ngày 15 tháng 11".
func placeDate(place string, t time.Time) string {
	t = t.In(vietnam)
	month := fmt.Sprint(int(t.Month()))
	if t.Month() <= time.February {
		month = "0" + month
	}
	return fmt.Sprintf("%s, ngày %02d tháng %s năm %d", place, t.Day(), month, t.Year())
}
