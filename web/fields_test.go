package web_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/egov-vn/egov/store/storetest"
)

// TestErrorSummaryInFormOrder: the error summary reads in the order of the
// form, not in the alphabetical order of the field names.
func TestErrorSummaryInFormOrder(t *testing.T) {
	db := storetest.SQLite(t)
	_, ts := newServer(t, db, nil)
	w := &world{ts: ts, cookies: map[string]string{}, tokens: map[string]string{}, ids: map[string]int64{}}
	code, body := w.do(t, anonymous, "POST", "/dang-ky", "id_number=1&full_name=&date_of_birth=x&sex=&phone=1&email=x&password=a&password2=b")
	if code != 400 {
		t.Fatalf("register: %d", code)
	}
	summary := body[strings.Index(body, `class="error-summary"`):]
	summary = summary[:strings.Index(summary, "</div>")]
	var keys []string
	for _, m := range regexp.MustCompile(`href="#f-([a-z_0-9]+)"`).FindAllStringSubmatch(summary, -1) {
		keys = append(keys, m[1])
	}
	want := []string{"id_number", "full_name", "date_of_birth", "sex", "phone", "email", "password", "password2"}
	var got []string
	for _, k := range keys {
		for _, w := range want {
			if k == w {
				got = append(got, k)
			}
		}
	}
	for i := 1; i < len(got); i++ {
		if indexOf(want, got[i-1]) > indexOf(want, got[i]) {
			t.Errorf("summary order %v, want the form's order %v", got, want)
			break
		}
	}
	if len(got) < 5 {
		t.Errorf("summary lists %v", keys)
	}
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
