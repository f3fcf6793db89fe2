package identity

import (
	"time"
)

// Kind is the kind of an account.
type Kind string

// Kinds of accounts.
const (
	KindCitizen  Kind = "citizen"
	KindBusiness Kind = "business"
	KindOfficial Kind = "official"
)

// Role is what an official may do. Permissions are checked in the
// services, against the role and the agency of the official.
type Role string

// Roles of officials.
const (
	RoleReceiver     Role = "receiver"      // one-stop desk: receives dossiers
	RoleSpecialist   Role = "specialist"    // appraises dossiers
	RoleLeader       Role = "leader"        // approves and signs
	RoleAgencyAdmin  Role = "agency_admin"  // manages the agency's officials and processes
	RoleReportViewer Role = "report_viewer" // reads the agency's reports
	RoleSystemAdmin  Role = "system_admin"  // manages the platform
)

// Roles lists every role.
var Roles = []Role{RoleReceiver, RoleSpecialist, RoleLeader, RoleAgencyAdmin, RoleReportViewer, RoleSystemAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, k := range Roles {
		if r == k {
			return true
		}
	}
	return false
}

// Account is a citizen, a business or an official.
type Account struct {
	ID               int64     `json:"id"`
	Kind             Kind      `json:"kind"`
	Username         string    `json:"username"` // ID number, tax code or user name
	FullName         string    `json:"full_name"`
	DateOfBirth      string    `json:"date_of_birth,omitempty"` // YYYY-MM-DD
	Sex              Sex       `json:"sex,omitempty"`
	Phone            string    `json:"phone,omitempty"`
	Email            string    `json:"email,omitempty"`
	EmailVerified    bool      `json:"email_verified"`
	Address          string    `json:"address,omitempty"`
	AgencyCode       string    `json:"agency_code,omitempty"`
	RepresentativeID int64     `json:"representative_id,omitempty"`
	Roles            []Role    `json:"roles,omitempty"`
	CreatedAt        time.Time `json:"created_at"`
	Disabled         bool      `json:"disabled,omitempty"`
}

// HasRole reports whether a holds r.
func (a *Account) HasRole(r Role) bool {
	if a == nil {
		return false
	}
	for _, x := range a.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// IsSystemAdmin reports whether a manages the whole platform.
func (a *Account) IsSystemAdmin() bool {
	return a != nil && a.Kind == KindOfficial && a.HasRole(RoleSystemAdmin)
}

// ActsFor reports whether a is an official of agency holding one of roles,
// or a system administrator.
func (a *Account) ActsFor(agency string, roles ...Role) bool {
	if a == nil || a.Kind != KindOfficial || a.Disabled {
		return false
	}
	if a.IsSystemAdmin() {
		return true
	}
	if a.AgencyCode != agency {
		return false
	}
	for _, r := range roles {
		if a.HasRole(r) {
			return true
		}
	}
	return false
}

// Actor names a for the audit log.
func (a *Account) Actor() string {
	if a == nil {
		return "system"
	}
	return string(a.Kind) + ":" + a.Username
}
