package cabinet

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/identity"
)

// MeetingInput is what a secretary prepares.
type MeetingInput struct {
	Title    string      `json:"title"`
	StartsAt time.Time   `json:"starts_at"`
	Location string      `json:"location"`
	Items    []ItemInput `json:"items"`
	Guests   []int64     `json:"guests"` // accounts invited besides the members
}

// ItemInput is a point of the agenda.
type ItemInput struct {
	Title     string `json:"title"`
	Presenter string `json:"presenter"`
	Summary   string `json:"summary"`
}

var vietnam = time.FixedZone("ICT", 7*3600)

// CreateMeeting convenes a meeting of a body: its members and the guests
// are invited and told by e-mail.
func (s *Service) CreateMeeting(ctx context.Context, actor *identity.Account, bodyID int64, in MeetingInput, req identity.Request) (Meeting, error) {
	b, err := s.secretaryOf(ctx, s.db, actor, bodyID)
	if err != nil {
		return Meeting{}, err
	}
	fe := egov.FieldErrors{}
	in.Title = cleanText(fe, "title", in.Title, 300, true)
	in.Location = cleanText(fe, "location", in.Location, 300, false)
	if in.StartsAt.IsZero() {
		fe["starts_at"] = "Nhập thời gian họp."
	} else if in.StartsAt.Before(s.now().Add(-24 * time.Hour)) {
		fe["starts_at"] = "Thời gian họp đã qua."
	}
	if len(in.Items) == 0 {
		fe["items"] = "Cuộc họp cần ít nhất một nội dung."
	}
	if len(in.Items) > 50 {
		fe["items"] = "Tối đa 50 nội dung."
	}
	for i := range in.Items {
		in.Items[i].Title = cleanText(fe, fmt.Sprintf("items[%d].title", i), in.Items[i].Title, 300, true)
		in.Items[i].Presenter = cleanText(fe, fmt.Sprintf("items[%d].presenter", i), in.Items[i].Presenter, 200, false)
		in.Items[i].Summary = cleanText(fe, fmt.Sprintf("items[%d].summary", i), in.Items[i].Summary, 5000, false)
	}
	if len(in.Guests) > 200 {
		fe["guests"] = "Tối đa 200 khách mời."
	}
	if len(fe) > 0 {
		return Meeting{}, fe
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO cabinet_meetings (body_id, title, starts_at, location, status, created_by, created_at)
			VALUES ($1, $2, $3, $4, 'planned', $5, $6) RETURNING id`, bodyID, in.Title, in.StartsAt.UTC(), in.Location, actor.ID, now).Scan(&id); err != nil {
			return fmt.Errorf("meeting: %w", err)
		}
		for i, it := range in.Items {
			if _, err := tx.ExecContext(ctx, `INSERT INTO cabinet_items (meeting_id, position, title, presenter, summary) VALUES ($1, $2, $3, $4, $5)`,
				id, i+1, it.Title, it.Presenter, it.Summary); err != nil {
				return fmt.Errorf("meeting: %w", err)
			}
		}
		var invited []int64
		for _, m := range b.Members {
			if _, err := tx.ExecContext(ctx, `INSERT INTO cabinet_invitees (meeting_id, account_id, kind) VALUES ($1, $2, 'member')`, id, m.AccountID); err != nil {
				return fmt.Errorf("meeting: %w", err)
			}
			invited = append(invited, m.AccountID)
		}
		for i, g := range in.Guests {
			if containsID(invited, g) {
				continue
			}
			var kind string
			err := tx.QueryRowContext(ctx, `SELECT kind FROM accounts WHERE id = $1 AND disabled_at IS NULL`, g).Scan(&kind)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && kind != string(identity.KindOfficial)) {
				return egov.FieldErrors{fmt.Sprintf("guests[%d]", i): "Khách mời phải là cán bộ có tài khoản đang hoạt động."}
			}
			if err != nil {
				return fmt.Errorf("meeting: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO cabinet_invitees (meeting_id, account_id, kind) VALUES ($1, $2, 'guest')`, id, g); err != nil {
				return fmt.Errorf("meeting: %w", err)
			}
			invited = append(invited, g)
		}
		var agenda strings.Builder
		for i, it := range in.Items {
			fmt.Fprintf(&agenda, "%d. %s\n", i+1, it.Title)
		}
		text := fmt.Sprintf("Kính mời đồng chí dự cuộc họp của %s.\n\nNội dung: %s\nThời gian: %s\nĐịa điểm: %s\n\nChương trình:\n%s\nTài liệu họp: %s/noi-cac/hop/%d\n",
			b.Name, in.Title, in.StartsAt.In(vietnam).Format("15:04 ngày 02/01/2006"), in.Location, agenda.String(), s.cfg.PublicURL, id)
		if err := s.mail(ctx, tx, invited, "Giấy mời họp: "+in.Title, text); err != nil {
			return err
		}
		return s.record(ctx, tx, actor, req, "cabinet.meeting_created", fmt.Sprintf("cabinet_meeting:%d", id), b.AgencyCode,
			map[string]any{"title": in.Title, "invited": len(invited)})
	})
	if err != nil {
		return Meeting{}, err
	}
	return s.Meeting(ctx, actor, id)
}

// Meeting returns a meeting to someone invited to it, or a secretary of
// its body; anyone else is told it does not exist.
func (s *Service) Meeting(ctx context.Context, actor *identity.Account, id int64) (Meeting, error) {
	if actor == nil {
		return Meeting{}, notFound("meeting", id)
	}
	m := Meeting{ID: id, Items: []Item{}, Documents: []Document{}, Invitees: []Invitee{}}
	var closed sql.NullTime
	var minutes sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT m.body_id, b.name, m.title, m.starts_at, m.location, m.status, m.conclusions, m.minutes_id, m.closed_at
		FROM cabinet_meetings m JOIN cabinet_bodies b ON b.id = m.body_id WHERE m.id = $1`, id).Scan(
		&m.BodyID, &m.BodyName, &m.Title, &m.StartsAt, &m.Location, &m.Status, &m.Conclusions, &minutes, &closed)
	if errors.Is(err, sql.ErrNoRows) {
		return m, notFound("meeting", id)
	}
	if err != nil {
		return m, fmt.Errorf("meeting %d: %w", id, err)
	}
	m.StartsAt, m.MinutesID = m.StartsAt.UTC(), minutes.Int64
	if closed.Valid {
		t := closed.Time.UTC()
		m.ClosedAt = &t
	}
	b, err := s.body(ctx, s.db, m.BodyID)
	if err != nil {
		return m, err
	}
	m.Secretary = roleIn(b, actor) == RoleSecretary
	rows, err := s.db.QueryContext(ctx, `SELECT i.account_id, a.full_name, i.kind, i.attended FROM cabinet_invitees i
		JOIN accounts a ON a.id = i.account_id WHERE i.meeting_id = $1 ORDER BY i.kind DESC, a.full_name, i.account_id`, id)
	if err != nil {
		return m, fmt.Errorf("meeting %d: %w", id, err)
	}
	invited := false
	for rows.Next() {
		var inv Invitee
		var attended sql.NullBool
		if err := rows.Scan(&inv.AccountID, &inv.Name, &inv.Kind, &attended); err != nil {
			rows.Close()
			return m, fmt.Errorf("meeting %d: %w", id, err)
		}
		if attended.Valid {
			inv.Attended = &attended.Bool
		}
		invited = invited || inv.AccountID == actor.ID
		m.Invitees = append(m.Invitees, inv)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return m, fmt.Errorf("meeting %d: %w", id, err)
	}
	if !invited && !m.Secretary {
		// Confidential: a stranger learns nothing, not even that it exists.
		return Meeting{}, notFound("meeting", id)
	}
	rows, err = s.db.QueryContext(ctx, `SELECT id, position, title, presenter, summary FROM cabinet_items WHERE meeting_id = $1 ORDER BY position`, id)
	if err != nil {
		return m, fmt.Errorf("meeting %d: %w", id, err)
	}
	for rows.Next() {
		it := Item{Documents: []Document{}}
		if err := rows.Scan(&it.ID, &it.Position, &it.Title, &it.Presenter, &it.Summary); err != nil {
			rows.Close()
			return m, fmt.Errorf("meeting %d: %w", id, err)
		}
		m.Items = append(m.Items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return m, fmt.Errorf("meeting %d: %w", id, err)
	}
	rows, err = s.db.QueryContext(ctx, `SELECT id, item_id, name, blob_hash, size, content_type, added_at FROM cabinet_documents
		WHERE meeting_id = $1 ORDER BY id`, id)
	if err != nil {
		return m, fmt.Errorf("meeting %d: %w", id, err)
	}
	docs, err := scanDocuments(rows)
	if err != nil {
		return m, err
	}
	for _, d := range docs {
		placed := false
		for i := range m.Items {
			if m.Items[i].ID == d.ItemID {
				m.Items[i].Documents = append(m.Items[i].Documents, d)
				placed = true
			}
		}
		if !placed {
			m.Documents = append(m.Documents, d)
		}
	}
	return m, nil
}

// AddMeetingDocument adds a document to a meeting, or to one point of its
// agenda (itemID not 0); the secretary does it.
func (s *Service) AddMeetingDocument(ctx context.Context, actor *identity.Account, meetingID, itemID int64, name string, r io.Reader, req identity.Request) (Document, error) {
	m, err := s.Meeting(ctx, actor, meetingID)
	if err != nil {
		return Document{}, err
	}
	if !m.Secretary {
		return Document{}, refuse(egov.ErrForbidden, "Chỉ thư ký thêm được tài liệu họp.")
	}
	if m.Status == "closed" {
		return Document{}, refuse(egov.ErrConflict, "Cuộc họp đã kết thúc.")
	}
	if itemID != 0 && !hasItem(m, itemID) {
		return Document{}, egov.FieldErrors{"item_id": "Cuộc họp không có nội dung này."}
	}
	return s.addDocument(ctx, actor, &meetingID, itemID, nil, name, r, req, m.BodyID)
}

func hasItem(m Meeting, id int64) bool {
	for _, it := range m.Items {
		if it.ID == id {
			return true
		}
	}
	return false
}

func (s *Service) addDocument(ctx context.Context, actor *identity.Account, meetingID *int64, itemID int64, ballotID *int64, name string, r io.Reader, req identity.Request, bodyID int64) (Document, error) {
	ref, err := s.storeFile(ctx, r)
	if err != nil {
		return Document{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		name = "tai-lieu"
	}
	d := Document{ItemID: itemID, Name: name, Hash: ref.Hash, Size: ref.Size, ContentType: ref.ContentType, AddedAt: s.now()}
	var item any
	if itemID != 0 {
		item = itemID
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO cabinet_documents (meeting_id, item_id, ballot_id, name, blob_hash, size, content_type, added_by, added_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, meetingID, item, ballotID, d.Name, d.Hash, d.Size, d.ContentType,
			actor.ID, d.AddedAt).Scan(&d.ID); err != nil {
			return fmt.Errorf("document: %w", err)
		}
		return s.record(ctx, tx, actor, req, "cabinet.document_added", fmt.Sprintf("cabinet_document:%d", d.ID), "",
			map[string]any{"body_id": bodyID, "hash": d.Hash, "name": d.Name})
	})
	return d, err
}

// RecordAttendance records who attended a meeting.
func (s *Service) RecordAttendance(ctx context.Context, actor *identity.Account, meetingID int64, attended map[int64]bool, req identity.Request) (Meeting, error) {
	m, err := s.Meeting(ctx, actor, meetingID)
	if err != nil {
		return m, err
	}
	if !m.Secretary {
		return Meeting{}, refuse(egov.ErrForbidden, "Chỉ thư ký điểm danh cuộc họp.")
	}
	if m.Status == "closed" {
		return Meeting{}, refuse(egov.ErrConflict, "Cuộc họp đã có biên bản; không sửa điểm danh được nữa.")
	}
	fe := egov.FieldErrors{}
	for id := range attended {
		found := false
		for _, inv := range m.Invitees {
			found = found || inv.AccountID == id
		}
		if !found {
			fe[fmt.Sprintf("attended.%d", id)] = "Người này không được mời họp."
		}
	}
	if len(fe) > 0 {
		return Meeting{}, fe
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		for id, v := range attended {
			if _, err := tx.ExecContext(ctx, `UPDATE cabinet_invitees SET attended = $1 WHERE meeting_id = $2 AND account_id = $3`, v, meetingID, id); err != nil {
				return fmt.Errorf("attendance: %w", err)
			}
		}
		return s.record(ctx, tx, actor, req, "cabinet.attendance_recorded", fmt.Sprintf("cabinet_meeting:%d", meetingID), "",
			map[string]any{"recorded": len(attended)})
	})
	if err != nil {
		return Meeting{}, err
	}
	return s.Meeting(ctx, actor, meetingID)
}

// IssueMinutes closes a meeting with its conclusions and the signed
// minutes; the invitees are told.
func (s *Service) IssueMinutes(ctx context.Context, actor *identity.Account, meetingID int64, conclusions, name string, minutes io.Reader, req identity.Request) (Meeting, error) {
	m, err := s.Meeting(ctx, actor, meetingID)
	if err != nil {
		return m, err
	}
	if !m.Secretary {
		return Meeting{}, refuse(egov.ErrForbidden, "Chỉ thư ký ban hành biên bản và kết luận.")
	}
	if m.Status == "closed" {
		return Meeting{}, refuse(egov.ErrConflict, "Biên bản của cuộc họp này đã được ban hành.")
	}
	fe := egov.FieldErrors{}
	conclusions = cleanText(fe, "conclusions", conclusions, 20000, true)
	if minutes == nil {
		fe["minutes"] = "Tải lên biên bản cuộc họp đã ký."
	}
	if len(fe) > 0 {
		return Meeting{}, fe
	}
	doc, err := s.addDocument(ctx, actor, &meetingID, 0, nil, name, minutes, req, m.BodyID)
	if err != nil {
		return Meeting{}, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE cabinet_meetings SET status = 'closed', conclusions = $1, minutes_id = $2, closed_at = $3
			WHERE id = $4 AND status = 'planned'`, conclusions, doc.ID, s.now(), meetingID)
		if err != nil {
			return fmt.Errorf("minutes: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return refuse(egov.ErrConflict, "Biên bản của cuộc họp này đã được ban hành.")
		}
		var invited []int64
		for _, inv := range m.Invitees {
			invited = append(invited, inv.AccountID)
		}
		if err := s.mail(ctx, tx, invited, "Kết luận cuộc họp: "+m.Title,
			fmt.Sprintf("Kết luận cuộc họp %s:\n\n%s\n\nBiên bản: %s/noi-cac/hop/%d\n", m.Title, conclusions, s.cfg.PublicURL, meetingID)); err != nil {
			return err
		}
		return s.record(ctx, tx, actor, req, "cabinet.minutes_issued", fmt.Sprintf("cabinet_meeting:%d", meetingID), "",
			map[string]any{"document_id": doc.ID, "hash": doc.Hash})
	})
	if err != nil {
		return Meeting{}, err
	}
	return s.Meeting(ctx, actor, meetingID)
}
