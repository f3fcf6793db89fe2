package payment

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/egov-vn/egov"
)

// Bill is what an online dossier owes: the procedure's fee lines that apply
// to it, each with its quantity, less the exemption of the applicant's
// group. Every amount is in đồng.
type Bill struct {
	Lines    []BillLine     `json:"lines"`
	Subtotal int64          `json:"subtotal"`
	Total    int64          `json:"total"`
	Timing   egov.FeeTiming `json:"timing"`
	// Exemption is the group the applicant belongs to, when one applies.
	Exemption *Exemption `json:"exemption,omitempty"`
}

// BillLine is one fee line of a Bill.
type BillLine struct {
	Code       string `json:"code,omitempty"`
	Name       string `json:"name"`
	Unit       string `json:"unit,omitempty"`
	UnitAmount int64  `json:"unit_amount"`
	Quantity   int64  `json:"quantity"`
	Amount     int64  `json:"amount"`
}

// Exemption is the exemption a Bill applied.
type Exemption struct {
	Name    string `json:"name"`
	Percent int    `json:"percent"`
}

// Due computes the bill of an online dossier for procedure p from its form
// data (as CleanForm keeps it: numbers as float64, dates as YYYY-MM-DD,
// choices as the option's text), on the day of submission. A quantity that
// is not a whole number of at least zero, or a total above MaxAmount, is an
// egov.FieldErrors naming the form field.
func Due(p *egov.Procedure, data map[string]any, on time.Time) (Bill, error) {
	b := Bill{Lines: []BillLine{}, Timing: p.FeeTiming()}
	fe := egov.FieldErrors{}
	for _, f := range p.OnlineFees() {
		if f.Amount <= 0 || !holds(f.When, data) {
			continue
		}
		qty := int64(1)
		if f.Per != "" {
			n, ok := quantity(data[f.Per])
			if !ok {
				fe[f.Per] = "Vui lòng nhập số lượng là số nguyên, từ 0 trở lên."
				continue
			}
			qty = max(n-int64(f.FreeUnits), 0)
		}
		if qty == 0 {
			continue
		}
		if qty > MaxAmount/f.Amount || b.Subtotal+qty*f.Amount > MaxAmount {
			key := f.Per
			if key == "" {
				key = "fee"
			}
			fe[key] = fmt.Sprintf("Số tiền phải nộp vượt quá %s đồng: vui lòng kiểm tra lại số lượng.", FormatDong(MaxAmount))
			continue
		}
		b.Lines = append(b.Lines, BillLine{Code: f.Code, Name: f.Name, Unit: f.Unit, UnitAmount: f.Amount,
			Quantity: qty, Amount: qty * f.Amount})
		b.Subtotal += qty * f.Amount
	}
	if len(fe) > 0 {
		return Bill{}, fe
	}
	b.Total = b.Subtotal
	if p.FeePolicy != nil && b.Subtotal > 0 {
		for _, ex := range p.FeePolicy.Exemptions {
			if !qualifies(ex, data, on) {
				continue
			}
			// The group that pays least wins: an applicant in two groups
			// is not made to pay the larger share.
			if b.Exemption == nil || ex.Percent < b.Exemption.Percent {
				b.Exemption = &Exemption{Name: ex.Name, Percent: ex.Percent}
			}
		}
		if b.Exemption != nil {
			// Rounded down: a fraction of a đồng is not collected.
			b.Total = b.Subtotal * int64(b.Exemption.Percent) / 100
		}
	}
	return b, nil
}

// holds reports whether the form data meets the condition; a nil
// condition always holds.
func holds(c *egov.FeeCondition, data map[string]any) bool {
	if c == nil {
		return true
	}
	s, ok := data[c.Field].(string)
	return ok && slices.Contains(c.Values, s)
}

func qualifies(ex egov.FeeExemption, data map[string]any, on time.Time) bool {
	if ex.When != nil && !holds(ex.When, data) {
		return false
	}
	if ex.MinAge == 0 && ex.MaxAge == 0 {
		return ex.When != nil // an exemption with no rule at all exempts nobody
	}
	s, _ := data[ex.AgeField].(string)
	born, err := time.Parse("2006-01-02", s)
	if err != nil {
		return false
	}
	age := Age(born, on)
	return (ex.MinAge == 0 || age >= ex.MinAge) && (ex.MaxAge == 0 || age < ex.MaxAge)
}

// Age is the age in whole years on the day of on (in Vietnam) of someone
// born on the day of born.
func Age(born, on time.Time) int {
	on = on.In(ICT)
	age := on.Year() - born.Year()
	if on.Month() < born.Month() || on.Month() == born.Month() && on.Day() < born.Day() {
		age--
	}
	return age
}

// quantity reads a number field's value as a whole quantity; a field left
// empty counts one, as the paper forms do.
func quantity(v any) (int64, bool) {
	switch n := v.(type) {
	case nil:
		return 1, true
	case float64:
		if n < 0 || n != math.Trunc(n) || n > float64(MaxAmount) {
			return 0, false
		}
		return int64(n), true
	case int64:
		return n, n >= 0
	case int:
		return int64(n), n >= 0
	}
	return 0, false
}

// FormatDong writes an amount of đồng with dots between thousands, as
// Vietnamese prices are written: 1.215.000.
func FormatDong(n int64) string { return groupDigits(n, ".") }

// groupDigits writes n with sep between groups of three digits.
func groupDigits(n int64, sep string) string {
	digits := strconv.FormatInt(n, 10)
	var b strings.Builder
	if n < 0 {
		b.WriteByte('-')
		digits = digits[1:]
	}
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(d)
	}
	return b.String()
}
