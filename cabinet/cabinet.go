// Package cabinet is e-Cabinet (hệ thống thông tin phục vụ họp và xử lý
// công việc): the paperless meetings and written opinion ballots of a body
// such as the Government or a provincial People's Committee.
//
// What a meeting holds is confidential to those invited, and a ballot to
// those asked: anyone else is told it does not exist. Every vote, change
// of vote and document is in the audit log.
package cabinet

import "time"

// Role is a person's place in a body.
type Role string

// Roles in a body.
const (
	RoleChair     Role = "chair"     // chairs the meetings; a member
	RoleMember    Role = "member"    // attends and votes
	RoleSecretary Role = "secretary" // prepares meetings and ballots, issues minutes and summaries
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleChair || r == RoleMember || r == RoleSecretary }

// Votes reports whether someone of role r is asked in ballots.
func (r Role) Votes() bool { return r == RoleChair || r == RoleMember }

// Body is a collegial body of an agency.
type Body struct {
	ID         int64    `json:"id"`
	AgencyCode string   `json:"agency_code"`
	Name       string   `json:"name"`
	Members    []Member `json:"members"`
}

// Member is an official of the agency tree who sits in a body.
type Member struct {
	AccountID int64  `json:"account_id"`
	Name      string `json:"name,omitempty"`
	Role      Role   `json:"role"`
}

// Document is a file of a meeting or a ballot.
type Document struct {
	ID          int64     `json:"id"`
	ItemID      int64     `json:"item_id,omitempty"`
	Name        string    `json:"name"`
	Hash        string    `json:"hash"`
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type"`
	AddedAt     time.Time `json:"added_at"`
}

// Item is a point of a meeting's agenda.
type Item struct {
	ID        int64      `json:"id"`
	Position  int        `json:"position"`
	Title     string     `json:"title"`
	Presenter string     `json:"presenter,omitempty"`
	Summary   string     `json:"summary,omitempty"`
	Documents []Document `json:"documents"`
}

// Invitee is someone invited to a meeting, and whether they came.
type Invitee struct {
	AccountID int64  `json:"account_id"`
	Name      string `json:"name"`
	Kind      string `json:"kind"`               // member or guest
	Attended  *bool  `json:"attended,omitempty"` // nil until recorded
}

// Meeting is a meeting of a body.
type Meeting struct {
	ID          int64      `json:"id"`
	BodyID      int64      `json:"body_id"`
	BodyName    string     `json:"body_name"`
	Title       string     `json:"title"`
	StartsAt    time.Time  `json:"starts_at"`
	Location    string     `json:"location,omitempty"`
	Status      string     `json:"status"` // planned or closed
	Items       []Item     `json:"items"`
	Documents   []Document `json:"documents"` // of the whole meeting, the minutes among them
	Invitees    []Invitee  `json:"invitees"`
	Conclusions string     `json:"conclusions,omitempty"`
	MinutesID   int64      `json:"minutes_id,omitempty"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	// Secretary says whether the caller prepares this meeting.
	Secretary bool `json:"secretary"`
}

// Choice is an answer to a ballot.
type Choice string

// Choices of a ballot (phiếu lấy ý kiến thành viên).
const (
	Agree    Choice = "agree"
	Disagree Choice = "disagree"
	Other    Choice = "other" // another opinion, in the comment
)

// Vote is one member's answer.
type Vote struct {
	AccountID int64     `json:"account_id"`
	Name      string    `json:"name"`
	Choice    Choice    `json:"choice"`
	Comment   string    `json:"comment,omitempty"`
	At        time.Time `json:"at"`
	Changes   int       `json:"changes"` // how many times it was changed
}

// Tally counts the votes of a ballot.
type Tally struct {
	Asked    int `json:"asked"`
	Agree    int `json:"agree"`
	Disagree int `json:"disagree"`
	Other    int `json:"other"`
	Missing  int `json:"missing"`
}

// Ballot is a question put to the members in writing.
type Ballot struct {
	ID        int64      `json:"id"`
	BodyID    int64      `json:"body_id"`
	BodyName  string     `json:"body_name"`
	Question  string     `json:"question"`
	Details   string     `json:"details,omitempty"`
	Deadline  time.Time  `json:"deadline"`
	Status    string     `json:"status"` // open or closed
	Documents []Document `json:"documents"`
	Summary   string     `json:"summary,omitempty"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
	// Mine is the caller's vote, if they voted.
	Mine *Vote `json:"mine,omitempty"`
	// Asked says whether the caller is asked.
	Asked bool `json:"asked"`
	// Secretary says whether the caller manages this ballot; secretaries
	// see every vote, members see the tally once the ballot is closed.
	Secretary bool   `json:"secretary"`
	Votes     []Vote `json:"votes,omitempty"`
	Tally     *Tally `json:"tally,omitempty"`
}

// Agenda is what waits for a person: their meetings and ballots.
type Agenda struct {
	Meetings []Meeting `json:"meetings"`
	Ballots  []Ballot  `json:"ballots"`
	Bodies   []Body    `json:"bodies"`
}
