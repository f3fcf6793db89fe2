// Package egov holds the domain types that every part of the e-government
// platform shares: agencies, administrative procedures and the errors that
// cross package boundaries. Storage, search and HTTP live in sub-packages
// and depend on this one, never the other way round.
package egov

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Errors that callers test with errors.Is. Packages wrap them with context.
var (
	ErrNotFound  = errors.New("not found")
	ErrInvalid   = errors.New("invalid")
	ErrForbidden = errors.New("forbidden")
	ErrConflict  = errors.New("conflict")
)

// FieldErrors reports invalid input field by field. The keys are the JSON
// names of the fields (dotted paths for nested ones, such as
// "channels[0].fees[1].amount"); the values say what to fix, in Vietnamese.
type FieldErrors map[string]string

// Error lists the fields in a stable order so that messages are repeatable.
func (fe FieldErrors) Error() string {
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", k, fe[k])
	}
	return b.String()
}

// Is makes a FieldErrors match ErrInvalid.
func (fe FieldErrors) Is(target error) bool { return target == ErrInvalid }

// Level is a level of government. The platform does not assume that every
// province has districts: since 1 July 2025 local government has two levels
// (province and commune), while older data keeps four.
type Level string

// Levels of government, from the top.
const (
	LevelCentral  Level = "central"
	LevelProvince Level = "province"
	LevelDistrict Level = "district"
	LevelCommune  Level = "commune"
)

// Levels lists every level in order from the top.
var Levels = []Level{LevelCentral, LevelProvince, LevelDistrict, LevelCommune}

// Valid reports whether l is one of the known levels.
func (l Level) Valid() bool {
	for _, k := range Levels {
		if l == k {
			return true
		}
	}
	return false
}

// Agency is a state body that carries out administrative procedures:
// a ministry, a provincial People's Committee, a district or a commune, or a
// department under one of them.
type Agency struct {
	Code       string `json:"code"` // national agency code, e.g. 000.00.00.G12
	Name       string `json:"name"`
	ShortName  string `json:"short_name,omitempty"`
	Level      Level  `json:"level"`
	ParentCode string `json:"parent_code,omitempty"`
	Address    string `json:"address,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"`
	Website    string `json:"website,omitempty"`
}

// OnlineLevel says how much of a procedure can be done online (Decree
// 42/2022). Statistics still use the older levels 1–4; see OldLevel.
type OnlineLevel string

// Online service levels.
const (
	OnlineInformation OnlineLevel = "information" // information only (old levels 1–2)
	OnlinePartial     OnlineLevel = "partial"     // apply online, pay or collect in person (old level 3)
	OnlineFull        OnlineLevel = "full"        // every step online (old level 4)
)

// Valid reports whether o is a known online level.
func (o OnlineLevel) Valid() bool {
	return o == OnlineInformation || o == OnlinePartial || o == OnlineFull
}

// OldLevel maps to the Decree 43/2011 levels still used in statistics.
func (o OnlineLevel) OldLevel() int {
	switch o {
	case OnlineFull:
		return 4
	case OnlinePartial:
		return 3
	default:
		return 2
	}
}

// TargetUser is who may use a procedure.
type TargetUser string

// Target users.
const (
	TargetCitizen  TargetUser = "citizen"
	TargetBusiness TargetUser = "business"
)

// Field is a domain of state management (lĩnh vực), such as civil status.
type Field struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// LifeEvent groups procedures around a moment in a person's or a business's
// life (birth, marriage, starting a business...), the way citizens think.
type LifeEvent struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Icon        string `json:"icon,omitempty"`
}

// AgencyRef names an agency in a procedure record. Code is empty when the
// record names a kind of agency ("Ủy ban nhân dân cấp xã") rather than one.
type AgencyRef struct {
	Code string `json:"code,omitempty"`
	Name string `json:"name"`
}

// Channel is a way of doing a procedure.
type Channel string

// Channels of the national database: 1 in person, 2 online, 3 by post.
const (
	ChannelInPerson Channel = "in_person"
	ChannelOnline   Channel = "online"
	ChannelPost     Channel = "post"
)

// TimeUnit is the unit of a processing time.
type TimeUnit string

// Units of processing time.
const (
	UnitWorkingDays TimeUnit = "working_days"
	UnitDays        TimeUnit = "days"
	UnitHours       TimeUnit = "working_hours"
)

// Fee is one line of fees or charges, in đồng.
type Fee struct {
	Code        string `json:"code,omitempty"`
	Name        string `json:"name"`
	Amount      int64  `json:"amount"` // đồng; 0 means free of charge
	Unit        string `json:"unit,omitempty"`
	Description string `json:"description,omitempty"`
	// Per names a number field of the application form whose value
	// multiplies Amount (copies, pages, cards); empty means once a dossier.
	Per string `json:"per,omitempty"`
	// FreeUnits of Per are not charged: "5.000 đồng a form from the third
	// one" is Amount 5000, Per the number of forms, FreeUnits 2.
	FreeUnits int `json:"free_units,omitempty"`
	// When limits the line to one case of the procedure (first issue or
	// re-issue, one size of business...); nil applies it to every dossier.
	When *FeeCondition `json:"when,omitempty"`
}

// FeeCondition holds when a choice field of the application form has one
// of Values.
type FeeCondition struct {
	Field  string   `json:"field"`
	Values []string `json:"values"`
}

// FeeTiming is when an online applicant pays (Decree 42/2022: some
// procedures collect at submission, others before the result is handed
// over).
type FeeTiming string

// Moments of payment.
const (
	PayAtSubmission FeeTiming = "submission" // the agency receives the dossier once it is paid
	PayBeforeResult FeeTiming = "result"     // the result is returned once it is paid
)

// FeeExemption is a group of applicants that pays a share of the fee, or
// nothing: by age (children, the elderly), by a policy group chosen on the
// form (poor households, people of merit), or both.
type FeeExemption struct {
	Name string `json:"name"`
	// Percent is the share of the fee still due: 0 exempts, 50 halves.
	Percent int `json:"percent"`
	// AgeField is a date field of the form holding the birth date that
	// MinAge and MaxAge are measured on, on the day of submission.
	AgeField string `json:"age_field,omitempty"`
	MinAge   int    `json:"min_age,omitempty"` // from this age on
	MaxAge   int    `json:"max_age,omitempty"` // under this age
	// When is the policy group's choice on the form.
	When *FeeCondition `json:"when,omitempty"`
}

// FeePolicy is how a procedure's fees are paid online.
type FeePolicy struct {
	Timing     FeeTiming      `json:"timing,omitempty"` // PayAtSubmission when empty
	Exemptions []FeeExemption `json:"exemptions,omitempty"`
	// RefundOnRefusal: the law returns the fee of a refused dossier (most
	// charges, lệ phí, are due only for a service actually rendered).
	RefundOnRefusal bool `json:"refund_on_refusal,omitempty"`
}

// FeeTiming is when the applicant of an online dossier pays.
func (p *Procedure) FeeTiming() FeeTiming {
	if p.FeePolicy != nil && p.FeePolicy.Timing != "" {
		return p.FeePolicy.Timing
	}
	return PayAtSubmission
}

// OnlineFees are the fee lines of an online dossier: those of the online
// way, or of every way when the record has no online way.
func (p *Procedure) OnlineFees() []Fee {
	for _, w := range p.Ways {
		if w.Channel == ChannelOnline {
			return w.Fees
		}
	}
	return p.Fees()
}

// Way is one way of doing a procedure (cách thức thực hiện): a channel, its
// processing time and its fees.
type Way struct {
	Channel        Channel  `json:"channel"`
	ProcessingTime float64  `json:"processing_time"`
	Unit           TimeUnit `json:"unit"`
	Description    string   `json:"description,omitempty"`
	Fees           []Fee    `json:"fees,omitempty"`
}

// Component is a paper of the dossier (thành phần hồ sơ).
type Component struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	Required     bool   `json:"required"`
	Originals    int    `json:"originals"` // number of originals (bản chính)
	Copies       int    `json:"copies"`    // number of copies (bản sao)
	TemplateName string `json:"template_name,omitempty"`
	TemplateURL  string `json:"template_url,omitempty"`
	Case         string `json:"case,omitempty"` // the case it applies to, if not all
	Note         string `json:"note,omitempty"`
}

// FieldType is the type of an application form field.
type FieldType string

// Form field types.
const (
	FieldText     FieldType = "text"
	FieldTextarea FieldType = "textarea"
	FieldNumber   FieldType = "number"
	FieldDate     FieldType = "date"
	FieldChoice   FieldType = "choice"
	FieldIDNumber FieldType = "id_number"
	FieldTaxCode  FieldType = "tax_code"
	FieldPhone    FieldType = "phone"
	FieldEmail    FieldType = "email"
	FieldAddress  FieldType = "address"
	FieldTable    FieldType = "table"
)

var fieldTypes = map[FieldType]bool{
	FieldText: true, FieldTextarea: true, FieldNumber: true, FieldDate: true,
	FieldChoice: true, FieldIDNumber: true, FieldTaxCode: true, FieldPhone: true,
	FieldEmail: true, FieldAddress: true, FieldTable: true,
}

// Valid reports whether t is a known field type.
func (t FieldType) Valid() bool { return fieldTypes[t] }

// FormField is one field of a procedure's application form. Prefill names
// the account datum that fills it (once-only principle), such as
// "full_name", "id_number", "date_of_birth", "address" or "tax_code".
type FormField struct {
	Name     string      `json:"name"`
	Label    string      `json:"label"`
	Type     FieldType   `json:"type"`
	Required bool        `json:"required"`
	Help     string      `json:"help,omitempty"`
	Options  []string    `json:"options,omitempty"` // for choice
	Columns  []FormField `json:"columns,omitempty"` // for table
	Prefill  string      `json:"prefill,omitempty"`
	Min      *float64    `json:"min,omitempty"` // for number
	Max      *float64    `json:"max,omitempty"`
}

// LegalDoc is a legal basis of a procedure.
type LegalDoc struct {
	Number string `json:"number"`
	Title  string `json:"title"`
	Date   string `json:"date,omitempty"` // YYYY-MM-DD
}

// ResultDoc is a document the procedure results in.
type ResultDoc struct {
	Code string `json:"code,omitempty"`
	Name string `json:"name"`
}

// Procedure is an administrative procedure as recorded in the national
// database (CSDL quốc gia về TTHC), with what the platform needs to accept a
// dossier for it: the form fields and the legal processing time.
type Procedure struct {
	Code                 string       `json:"code"`                 // 1.001193
	LocalCode            bool         `json:"local_code,omitempty"` // true when the code is not a national one
	Name                 string       `json:"name"`
	PublishingAgency     string       `json:"publishing_agency"`
	Status               string       `json:"status"` // "active" or "repealed"
	Field                Field        `json:"field"`
	Levels               []Level      `json:"levels"`
	ImplementingAgencies []AgencyRef  `json:"implementing_agencies"`
	OnlineLevel          OnlineLevel  `json:"online_level"`
	ProcessingDays       int          `json:"processing_days"` // legal time in working days; 0 = same day
	Ways                 []Way        `json:"ways"`
	Components           []Component  `json:"components"`
	FormFields           []FormField  `json:"form_fields"`
	Steps                []string     `json:"steps"`
	Requirements         []string     `json:"requirements,omitempty"`
	LegalBasis           []LegalDoc   `json:"legal_basis"`
	Results              []ResultDoc  `json:"results"`
	LifeEvents           []string     `json:"life_events,omitempty"`
	TargetUsers          []TargetUser `json:"target_users"`
	Summary              string       `json:"summary,omitempty"`  // plain words for citizens
	Keywords             []string     `json:"keywords,omitempty"` // other names people use
	FeePolicy            *FeePolicy   `json:"fee_policy,omitempty"`
}

// Fees returns every fee line of every way, without repeats.
func (p *Procedure) Fees() []Fee {
	seen := map[string]bool{}
	var out []Fee
	for _, w := range p.Ways {
		for _, f := range w.Fees {
			key := fmt.Sprintf("%s|%s|%d", f.Code, f.Name, f.Amount)
			if !seen[key] {
				seen[key] = true
				out = append(out, f)
			}
		}
	}
	return out
}

// AllowsOnline reports whether a dossier can be submitted online.
func (p *Procedure) AllowsOnline() bool {
	return p.OnlineLevel == OnlinePartial || p.OnlineLevel == OnlineFull
}
