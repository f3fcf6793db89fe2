// Package dossier is the life of an application (hồ sơ) for an
// administrative procedure: the applicant's draft, submission with its
// papers, the one-stop workflow of the receiving agency, supplements,
// withdrawal, the result and its rating, and the public tracking of it.
//
// Every change of a dossier is one database transaction that writes the
// dossier, its history entry, the audit entry and the e-mail jobs together:
// there is no moment when a dossier has changed but its history or its
// message has not.
package dossier

import (
	"time"

	"github.com/egov-vn/egov/payment"
)

// Status is where a dossier stands, in the platform's own words. National
// maps it to the codes of the national portal.
type Status string

// Statuses of a dossier.
const (
	StatusDraft      Status = "draft"                // being written by the applicant
	StatusSubmitted  Status = "submitted"            // waiting for reception
	StatusProcessing Status = "processing"           // received; being appraised or approved
	StatusSupplement Status = "supplement_requested" // waiting for the applicant's papers
	StatusDone       Status = "done"                 // result ready, not yet returned
	StatusReturned   Status = "returned"             // result returned to the applicant
	StatusRefused    Status = "refused"              // not accepted or refused
	StatusWithdrawn  Status = "withdrawn"            // withdrawn by the applicant
)

// Statuses lists every status in the order of a dossier's life.
var Statuses = []Status{StatusDraft, StatusSubmitted, StatusProcessing, StatusSupplement,
	StatusDone, StatusReturned, StatusRefused, StatusWithdrawn}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, k := range Statuses {
		if s == k {
			return true
		}
	}
	return false
}

// Closed reports whether nothing more happens to a dossier in status s.
func (s Status) Closed() bool {
	return s == StatusReturned || s == StatusRefused || s == StatusWithdrawn
}

// National is the status code (TrangThai) used to synchronize a dossier with
// the national public service portal: 1 newly registered, 2 accepted,
// 3 not accepted, 4 processing, 5 supplements requested, 7 withdrawn,
// 9 processing finished, 10 result returned. A draft has no code (0).
func (s Status) National() int {
	switch s {
	case StatusSubmitted:
		return 1
	case StatusProcessing:
		return 4
	case StatusSupplement:
		return 5
	case StatusRefused:
		return 3
	case StatusWithdrawn:
		return 7
	case StatusDone:
		return 9
	case StatusReturned:
		return 10
	}
	return 0
}

// Channel is how a dossier reached the agency.
type Channel string

// Channels of submission.
const (
	ChannelOnline  Channel = "online"  // the portal's pages
	ChannelCounter Channel = "counter" // entered by an official at the one-stop desk
	ChannelAPI     Channel = "api"     // a partner application through /api/v1
)

// Applicant is who the dossier is for, as the agency sees it.
type Applicant struct {
	AccountID int64  `json:"account_id,omitempty"`
	Kind      string `json:"kind"` // citizen or business
	Name      string `json:"name"`
	IDNumber  string `json:"id_number,omitempty"` // personal ID number or tax code
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
	Address   string `json:"address,omitempty"`
}

// Paper is one file handed in for a component of the dossier.
type Paper struct {
	Component     string    `json:"component"`      // component code, e.g. TP1
	ComponentName string    `json:"component_name"` // from the procedure
	DocumentID    int64     `json:"document_id"`
	Name          string    `json:"name"`
	Hash          string    `json:"hash"`
	Size          int64     `json:"size"`
	ContentType   string    `json:"content_type"`
	Round         int       `json:"round"` // 0 submission, n the n-th supplement
	AddedAt       time.Time `json:"added_at"`
}

// Event is one entry of a dossier's history.
type Event struct {
	At         time.Time      `json:"at"`
	ActorName  string         `json:"actor_name"`
	ActorRole  string         `json:"actor_role"` // applicant, receiver, specialist, leader, system
	Action     string         `json:"action"`
	FromStatus Status         `json:"from_status"`
	ToStatus   Status         `json:"to_status"`
	Step       string         `json:"step,omitempty"`
	Comment    string         `json:"comment,omitempty"`
	Details    map[string]any `json:"details,omitempty"`
}

// Rating is the applicant's judgement of the service.
type Rating struct {
	Score   int       `json:"score"` // 1 to 5
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
}

// Dossier is an application for a procedure.
type Dossier struct {
	ID             int64          `json:"id"`
	Code           string         `json:"code,omitempty"` // national code, once submitted
	ProcedureCode  string         `json:"procedure_code"`
	ProcedureName  string         `json:"procedure_name"`
	FieldCode      string         `json:"field_code,omitempty"`
	AgencyCode     string         `json:"agency_code"`
	AgencyName     string         `json:"agency_name,omitempty"`
	Channel        Channel        `json:"channel"`
	Applicant      Applicant      `json:"applicant"`
	Status         Status         `json:"status"`
	Step           string         `json:"step,omitempty"`
	StepRole       string         `json:"step_role,omitempty"` // who acts at the step
	AssigneeID     int64          `json:"assignee_id,omitempty"`
	Data           map[string]any `json:"data"`
	Papers         []Paper        `json:"papers"`
	Version        int            `json:"version"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
	SubmittedAt    *time.Time     `json:"submitted_at,omitempty"`
	ReceivedAt     *time.Time     `json:"received_at,omitempty"`
	DueAt          *time.Time     `json:"due_at,omitempty"`       // appointment for the result
	FirstDueAt     *time.Time     `json:"first_due_at,omitempty"` // before an apology moved it
	PausedAt       *time.Time     `json:"paused_at,omitempty"`
	FinishedAt     *time.Time     `json:"finished_at,omitempty"`
	ReturnedAt     *time.Time     `json:"returned_at,omitempty"`
	ResultDocument *Document      `json:"result_document,omitempty"`
	// ProcessID is the version of the agency's process the dossier
	// follows; 0 for the default process.
	ProcessID int64 `json:"process_id,omitempty"`
	// HandlerAgency holds the dossier now: the receiving agency, or the
	// partner agency it was transferred to (liên thông).
	HandlerAgency     string     `json:"handler_agency,omitempty"`
	HandlerAgencyName string     `json:"handler_agency_name,omitempty"`
	TransferFromStep  string     `json:"-"`
	StepStartedAt     *time.Time `json:"step_started_at,omitempty"`
	StepDueAt         *time.Time `json:"step_due_at,omitempty"` // deadline of the current step
	StepWarnedAt      *time.Time `json:"-"`
	ApologyAt         *time.Time `json:"apology_at,omitempty"` // when the apology letter was issued
	Rating            *Rating    `json:"rating,omitempty"`
	// Fee is what an online dossier owes, computed from its form when it
	// is saved and fixed at submission; nil when nothing is due online.
	Fee *payment.Bill `json:"fee,omitempty"`
	// PaidAt is when the gateway confirmed the payment of Fee.
	PaidAt  *time.Time `json:"paid_at,omitempty"`
	History []Event    `json:"history,omitempty"`
	// Origin is, at a national instance, the connected system that pushed
	// the dossier (see Config.Federated); empty for the instance's own.
	Origin string `json:"origin,omitempty"`
}

// Ref is how URLs name a dossier: its code once submitted, its number while
// a draft.
func (d Dossier) Ref() string {
	if d.Code != "" {
		return d.Code
	}
	return itoa(d.ID)
}

// DocumentKind says where a document of the personal store came from.
type DocumentKind string

// Kinds of documents.
const (
	DocumentUpload  DocumentKind = "upload"  // uploaded by the owner
	DocumentResult  DocumentKind = "result"  // the result of a dossier
	DocumentScan    DocumentKind = "scan"    // scanned at the counter by an official
	DocumentReceipt DocumentKind = "receipt" // the e-receipt of a fee paid online
)

// Document is a file of the personal document store (kho dữ liệu cá nhân).
type Document struct {
	ID          int64        `json:"id"`
	OwnerID     int64        `json:"-"`
	Kind        DocumentKind `json:"kind"`
	Name        string       `json:"name"`
	Hash        string       `json:"hash"`
	Size        int64        `json:"size"`
	ContentType string       `json:"content_type"`
	DossierCode string       `json:"dossier_code,omitempty"` // for results
	CreatedAt   time.Time    `json:"created_at"`
}

// Tracking is what anyone may see of a dossier by its code: no personal
// data.
type Tracking struct {
	Code          string     `json:"code"`
	ProcedureCode string     `json:"procedure_code"`
	ProcedureName string     `json:"procedure_name"`
	AgencyCode    string     `json:"agency_code"`
	AgencyName    string     `json:"agency_name"`
	Status        Status     `json:"status"`
	NationalCode  int        `json:"national_status"`
	SubmittedAt   *time.Time `json:"submitted_at,omitempty"`
	ReceivedAt    *time.Time `json:"received_at,omitempty"`
	DueAt         *time.Time `json:"due_at,omitempty"`
	FinishedAt    *time.Time `json:"finished_at,omitempty"`
	ReturnedAt    *time.Time `json:"returned_at,omitempty"`
	// Timeliness is "on_time", "overdue" while open; "early", "on_time" or
	// "late" once finished; empty when the clock does not apply.
	Timeliness string `json:"timeliness,omitempty"`
	// FeeStatus is "paid" or "unpaid" when the dossier has a fee to pay
	// online, empty otherwise; FeeAmount is that fee in đồng.
	FeeStatus string          `json:"fee_status,omitempty"`
	FeeAmount int64           `json:"fee_amount,omitempty"`
	Steps     []TrackingEvent `json:"history"`
}

// TrackingEvent is a history entry without names of people.
type TrackingEvent struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	Status Status    `json:"status"`
}
