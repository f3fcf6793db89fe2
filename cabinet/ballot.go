package cabinet

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/riverqueue/river"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/jobs"
)

// BallotInput is a question a secretary puts to the members.
type BallotInput struct {
	Question string    `json:"question"`
	Details  string    `json:"details"`
	Deadline time.Time `json:"deadline"`
	// Recipients are the members asked; empty asks every chair and member.
	Recipients []int64 `json:"recipients"`
}

// CreateBallot opens a written opinion ballot; those asked are told by
// e-mail.
func (s *Service) CreateBallot(ctx context.Context, actor *identity.Account, bodyID int64, in BallotInput, req identity.Request) (Ballot, error) {
	b, err := s.secretaryOf(ctx, s.db, actor, bodyID)
	if err != nil {
		return Ballot{}, err
	}
	fe := egov.FieldErrors{}
	in.Question = cleanText(fe, "question", in.Question, 1000, true)
	in.Details = cleanText(fe, "details", in.Details, 20000, false)
	if in.Deadline.IsZero() || !in.Deadline.After(s.now()) {
		fe["deadline"] = "Hạn trả lời phải ở tương lai."
	}
	voters := map[int64]bool{}
	for _, m := range b.Members {
		if m.Role.Votes() {
			voters[m.AccountID] = true
		}
	}
	asked := in.Recipients
	if len(asked) == 0 {
		for _, m := range b.Members {
			if m.Role.Votes() {
				asked = append(asked, m.AccountID)
			}
		}
	}
	for i, id := range asked {
		if !voters[id] {
			fe[fmt.Sprintf("recipients[%d]", i)] = "Chỉ hỏi ý kiến thành viên của " + b.Name + "."
		}
	}
	if len(asked) == 0 {
		fe["recipients"] = b.Name + " chưa có thành viên để lấy ý kiến."
	}
	if len(fe) > 0 {
		return Ballot{}, fe
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO cabinet_ballots (body_id, question, details, deadline, status, created_by, created_at)
			VALUES ($1, $2, $3, $4, 'open', $5, $6) RETURNING id`, bodyID, in.Question, in.Details, in.Deadline.UTC(), actor.ID, s.now()).Scan(&id); err != nil {
			return fmt.Errorf("ballot: %w", err)
		}
		seen := map[int64]bool{}
		for _, a := range asked {
			if seen[a] {
				continue
			}
			seen[a] = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO cabinet_recipients (ballot_id, account_id) VALUES ($1, $2)`, id, a); err != nil {
				return fmt.Errorf("ballot: %w", err)
			}
		}
		text := fmt.Sprintf("Xin ý kiến đồng chí về: %s\n\nHạn trả lời: %s\nTrả lời phiếu: %s/noi-cac/phieu/%d\n",
			in.Question, in.Deadline.In(vietnam).Format("15:04 ngày 02/01/2006"), s.cfg.PublicURL, id)
		if err := s.mail(ctx, tx, asked, "Phiếu lấy ý kiến thành viên "+b.Name, text); err != nil {
			return err
		}
		return s.record(ctx, tx, actor, req, "cabinet.ballot_created", fmt.Sprintf("cabinet_ballot:%d", id), b.AgencyCode,
			map[string]any{"question": in.Question, "asked": len(seen), "deadline": in.Deadline.UTC().Format(time.RFC3339)})
	})
	if err != nil {
		return Ballot{}, err
	}
	return s.Ballot(ctx, actor, id)
}

// Ballot returns a ballot to a member asked or a secretary of its body;
// anyone else is told it does not exist. Secretaries see every vote;
// members see their own, and the tally once the ballot is closed.
func (s *Service) Ballot(ctx context.Context, actor *identity.Account, id int64) (Ballot, error) {
	if actor == nil {
		return Ballot{}, notFound("ballot", id)
	}
	bl := Ballot{ID: id, Documents: []Document{}}
	var closed sql.NullTime
	err := s.db.QueryRowContext(ctx, `SELECT c.body_id, b.name, c.question, c.details, c.deadline, c.status, c.summary, c.closed_at
		FROM cabinet_ballots c JOIN cabinet_bodies b ON b.id = c.body_id WHERE c.id = $1`, id).Scan(
		&bl.BodyID, &bl.BodyName, &bl.Question, &bl.Details, &bl.Deadline, &bl.Status, &bl.Summary, &closed)
	if errors.Is(err, sql.ErrNoRows) {
		return bl, notFound("ballot", id)
	}
	if err != nil {
		return bl, fmt.Errorf("ballot %d: %w", id, err)
	}
	bl.Deadline = bl.Deadline.UTC()
	if closed.Valid {
		t := closed.Time.UTC()
		bl.ClosedAt = &t
	}
	b, err := s.body(ctx, s.db, bl.BodyID)
	if err != nil {
		return bl, err
	}
	bl.Secretary = roleIn(b, actor) == RoleSecretary
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM cabinet_recipients WHERE ballot_id = $1 AND account_id = $2`, id, actor.ID).Scan(&n); err != nil {
		return bl, fmt.Errorf("ballot %d: %w", id, err)
	}
	bl.Asked = n > 0
	if !bl.Asked && !bl.Secretary {
		return Ballot{}, notFound("ballot", id)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, item_id, name, blob_hash, size, content_type, added_at FROM cabinet_documents
		WHERE ballot_id = $1 ORDER BY id`, id)
	if err != nil {
		return bl, fmt.Errorf("ballot %d: %w", id, err)
	}
	if bl.Documents, err = scanDocuments(rows); err != nil {
		return bl, err
	}
	votes, tally, err := s.votes(ctx, id)
	if err != nil {
		return bl, err
	}
	for i := range votes {
		if votes[i].AccountID == actor.ID {
			bl.Mine = &votes[i]
		}
	}
	if bl.Secretary {
		bl.Votes, bl.Tally = votes, &tally
	} else if bl.Status == "closed" {
		bl.Tally = &tally
	}
	return bl, nil
}

func (s *Service) votes(ctx context.Context, ballot int64) ([]Vote, Tally, error) {
	var t Tally
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM cabinet_recipients WHERE ballot_id = $1`, ballot).Scan(&t.Asked); err != nil {
		return nil, t, fmt.Errorf("votes: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT v.account_id, a.full_name, v.choice, v.comment, v.voted_at, v.changes
		FROM cabinet_votes v JOIN accounts a ON a.id = v.account_id WHERE v.ballot_id = $1 ORDER BY a.full_name, v.account_id`, ballot)
	if err != nil {
		return nil, t, fmt.Errorf("votes: %w", err)
	}
	defer rows.Close()
	out := []Vote{}
	for rows.Next() {
		var v Vote
		if err := rows.Scan(&v.AccountID, &v.Name, &v.Choice, &v.Comment, &v.At, &v.Changes); err != nil {
			return nil, t, fmt.Errorf("votes: %w", err)
		}
		v.At = v.At.UTC()
		switch v.Choice {
		case Agree:
			t.Agree++
		case Disagree:
			t.Disagree++
		default:
			t.Other++
		}
		out = append(out, v)
	}
	t.Missing = t.Asked - len(out)
	return out, t, rows.Err()
}

// CastVote records a member's answer, or changes it; until the deadline,
// and only for those asked. Each vote and change is in the audit log.
func (s *Service) CastVote(ctx context.Context, actor *identity.Account, ballotID int64, choice Choice, comment string, req identity.Request) (Ballot, error) {
	bl, err := s.Ballot(ctx, actor, ballotID)
	if err != nil {
		return bl, err
	}
	if !bl.Asked {
		return Ballot{}, refuse(egov.ErrForbidden, "Đồng chí không có trong danh sách được lấy ý kiến của phiếu này.")
	}
	now := s.now()
	if bl.Status != "open" {
		return Ballot{}, refuse(egov.ErrConflict, "Thư ký đã tổng hợp kết quả phiếu này; không nhận thêm ý kiến.")
	}
	if !now.Before(bl.Deadline) {
		return Ballot{}, refuse(egov.ErrConflict, "Đã hết hạn trả lời phiếu lấy ý kiến ("+bl.Deadline.In(vietnam).Format("15:04 02/01/2006")+").")
	}
	fe := egov.FieldErrors{}
	if choice != Agree && choice != Disagree && choice != Other {
		fe["choice"] = "Chọn đồng ý, không đồng ý hoặc ý kiến khác."
	}
	comment = cleanText(fe, "comment", comment, 5000, choice == Other)
	if len(fe) > 0 {
		return Ballot{}, fe
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		// The deadline again, inside the transaction: a vote that commits
		// after it does not count.
		var deadline time.Time
		var status string
		if err := tx.QueryRowContext(ctx, `SELECT deadline, status FROM cabinet_ballots WHERE id = $1`, ballotID).Scan(&deadline, &status); err != nil {
			return fmt.Errorf("vote: %w", err)
		}
		if status != "open" || !now.Before(deadline) {
			return refuse(egov.ErrConflict, "Đã hết hạn trả lời phiếu lấy ý kiến.")
		}
		changed := bl.Mine != nil
		if _, err := tx.ExecContext(ctx, `INSERT INTO cabinet_votes (ballot_id, account_id, choice, comment, voted_at, changes)
			VALUES ($1, $2, $3, $4, $5, 0)
			ON CONFLICT (ballot_id, account_id) DO UPDATE SET choice = excluded.choice, comment = excluded.comment,
				voted_at = excluded.voted_at, changes = cabinet_votes.changes + 1`,
			ballotID, actor.ID, string(choice), comment, now); err != nil {
			return fmt.Errorf("vote: %w", err)
		}
		action := "cabinet.voted"
		details := map[string]any{"choice": string(choice)}
		if changed {
			action = "cabinet.vote_changed"
			details["previous"] = string(bl.Mine.Choice)
		}
		if comment != "" {
			details["comment"] = comment
		}
		return s.record(ctx, tx, actor, req, action, fmt.Sprintf("cabinet_ballot:%d", ballotID), "", details)
	})
	if err != nil {
		return Ballot{}, err
	}
	return s.Ballot(ctx, actor, ballotID)
}

// CloseBallot issues the result summary; the secretary does it once the
// deadline has passed or everyone asked has answered.
func (s *Service) CloseBallot(ctx context.Context, actor *identity.Account, ballotID int64, summary string, req identity.Request) (Ballot, error) {
	bl, err := s.Ballot(ctx, actor, ballotID)
	if err != nil {
		return bl, err
	}
	if !bl.Secretary {
		return Ballot{}, refuse(egov.ErrForbidden, "Chỉ thư ký ban hành tổng hợp kết quả lấy ý kiến.")
	}
	if bl.Status != "open" {
		return Ballot{}, refuse(egov.ErrConflict, "Phiếu lấy ý kiến này đã có tổng hợp kết quả.")
	}
	if s.now().Before(bl.Deadline) && bl.Tally.Missing > 0 {
		return Ballot{}, refuse(egov.ErrConflict, fmt.Sprintf("Còn %d thành viên chưa trả lời và chưa đến hạn.", bl.Tally.Missing))
	}
	fe := egov.FieldErrors{}
	summary = cleanText(fe, "summary", summary, 20000, true)
	if len(fe) > 0 {
		return Ballot{}, fe
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE cabinet_ballots SET status = 'closed', summary = $1, closed_at = $2 WHERE id = $3 AND status = 'open'`,
			summary, s.now(), ballotID)
		if err != nil {
			return fmt.Errorf("close ballot: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return refuse(egov.ErrConflict, "Phiếu lấy ý kiến này đã có tổng hợp kết quả.")
		}
		var asked []int64
		rows, err := tx.QueryContext(ctx, `SELECT account_id FROM cabinet_recipients WHERE ballot_id = $1`, ballotID)
		if err != nil {
			return fmt.Errorf("close ballot: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("close ballot: %w", err)
			}
			asked = append(asked, id)
		}
		rows.Close()
		t := bl.Tally
		if err := s.mail(ctx, tx, asked, "Kết quả lấy ý kiến: "+bl.Question, fmt.Sprintf(
			"Kết quả lấy ý kiến về: %s\nĐồng ý: %d; không đồng ý: %d; ý kiến khác: %d; không trả lời: %d.\n\n%s\n",
			bl.Question, t.Agree, t.Disagree, t.Other, t.Missing, summary)); err != nil {
			return err
		}
		return s.record(ctx, tx, actor, req, "cabinet.ballot_closed", fmt.Sprintf("cabinet_ballot:%d", ballotID), "",
			map[string]any{"agree": t.Agree, "disagree": t.Disagree, "other": t.Other, "missing": t.Missing})
	})
	if err != nil {
		return Ballot{}, err
	}
	return s.Ballot(ctx, actor, ballotID)
}

// AddBallotDocument adds a document to a ballot; the secretary does it.
func (s *Service) AddBallotDocument(ctx context.Context, actor *identity.Account, ballotID int64, name string, r io.Reader, req identity.Request) (Document, error) {
	bl, err := s.Ballot(ctx, actor, ballotID)
	if err != nil {
		return Document{}, err
	}
	if !bl.Secretary {
		return Document{}, refuse(egov.ErrForbidden, "Chỉ thư ký thêm được tài liệu của phiếu.")
	}
	if bl.Status != "open" {
		return Document{}, refuse(egov.ErrConflict, "Phiếu đã có tổng hợp kết quả; không thêm tài liệu được nữa.")
	}
	return s.addDocument(ctx, actor, nil, 0, &ballotID, name, r, req, bl.BodyID)
}

// Agenda lists actor's meetings (upcoming first) and ballots (open first).
func (s *Service) Agenda(ctx context.Context, actor *identity.Account) (Agenda, error) {
	a := Agenda{Meetings: []Meeting{}, Ballots: []Ballot{}, Bodies: []Body{}}
	if actor == nil || actor.Kind != identity.KindOfficial {
		return a, nil
	}
	var err error
	if a.Bodies, err = s.Bodies(ctx, actor); err != nil {
		return a, err
	}
	ids := func(query string, args ...any) ([]int64, error) {
		rows, err := s.db.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, fmt.Errorf("agenda: %w", err)
		}
		defer rows.Close()
		var out []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, fmt.Errorf("agenda: %w", err)
			}
			out = append(out, id)
		}
		return out, rows.Err()
	}
	meetings, err := ids(`SELECT m.id FROM cabinet_meetings m WHERE EXISTS (SELECT 1 FROM cabinet_invitees i WHERE i.meeting_id = m.id AND i.account_id = $1)
		OR EXISTS (SELECT 1 FROM cabinet_members c WHERE c.body_id = m.body_id AND c.account_id = $1 AND c.role = 'secretary')
		ORDER BY m.status DESC, m.starts_at LIMIT 100`, actor.ID)
	if err != nil {
		return a, err
	}
	for _, id := range meetings {
		m, err := s.Meeting(ctx, actor, id)
		if err != nil {
			return a, err
		}
		a.Meetings = append(a.Meetings, m)
	}
	ballots, err := ids(`SELECT c.id FROM cabinet_ballots c WHERE EXISTS (SELECT 1 FROM cabinet_recipients r WHERE r.ballot_id = c.id AND r.account_id = $1)
		OR EXISTS (SELECT 1 FROM cabinet_members m WHERE m.body_id = c.body_id AND m.account_id = $1 AND m.role = 'secretary')
		ORDER BY c.status DESC, c.deadline LIMIT 100`, actor.ID)
	if err != nil {
		return a, err
	}
	for _, id := range ballots {
		b, err := s.Ballot(ctx, actor, id)
		if err != nil {
			return a, err
		}
		a.Ballots = append(a.Ballots, b)
	}
	return a, nil
}

// RemindArgs is the periodic job that reminds members of ballots whose
// deadline is near.
type RemindArgs struct{}

// Kind implements river.JobArgs.
func (RemindArgs) Kind() string { return "cabinet_ballot_reminders" }

type remindWorker struct {
	river.WorkerDefaults[RemindArgs]
	svc *Service
}

func (w *remindWorker) Work(ctx context.Context, _ *river.Job[RemindArgs]) error {
	_, err := w.svc.Remind(ctx)
	return err
}

// AddReminders registers the reminder job on cfg, every interval.
func (s *Service) AddReminders(cfg *jobs.Config, every time.Duration) {
	if cfg.Workers == nil {
		cfg.Workers = river.NewWorkers()
	}
	river.AddWorker(cfg.Workers, &remindWorker{svc: s})
	cfg.Periodic = append(cfg.Periodic, river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) {
			return RemindArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: every}}
		}, &river.PeriodicJobOpts{RunOnStart: true, ID: "cabinet_ballot_reminders"}))
}

// Remind e-mails the members who have not answered an open ballot whose
// deadline is within RemindBefore, once per ballot.
func (s *Service) Remind(ctx context.Context) (int, error) {
	now := s.now()
	rows, err := s.db.QueryContext(ctx, `SELECT id, question, deadline FROM cabinet_ballots
		WHERE status = 'open' AND reminded_at IS NULL AND deadline > $1 AND deadline <= $2 ORDER BY deadline LIMIT 200`,
		now, now.Add(s.cfg.RemindBefore))
	if err != nil {
		return 0, fmt.Errorf("reminders: %w", err)
	}
	type due struct {
		id       int64
		question string
		deadline time.Time
	}
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.question, &d.deadline); err != nil {
			rows.Close()
			return 0, fmt.Errorf("reminders: %w", err)
		}
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("reminders: %w", err)
	}
	reminded := 0
	for _, d := range list {
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE cabinet_ballots SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL`, now, d.id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return nil // another replica did it
			}
			rows, err := tx.QueryContext(ctx, `SELECT r.account_id FROM cabinet_recipients r WHERE r.ballot_id = $1
				AND NOT EXISTS (SELECT 1 FROM cabinet_votes v WHERE v.ballot_id = r.ballot_id AND v.account_id = r.account_id)`, d.id)
			if err != nil {
				return err
			}
			var missing []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				missing = append(missing, id)
			}
			rows.Close()
			reminded += len(missing)
			return s.mail(ctx, tx, missing, "Nhắc trả lời phiếu lấy ý kiến: "+d.question, fmt.Sprintf(
				"Đồng chí chưa trả lời phiếu lấy ý kiến về: %s\nHạn trả lời: %s\nTrả lời: %s/noi-cac/phieu/%d\n",
				d.question, d.deadline.In(vietnam).Format("15:04 ngày 02/01/2006"), s.cfg.PublicURL, d.id))
		})
		if err != nil {
			return reminded, fmt.Errorf("remind ballot %d: %w", d.id, err)
		}
	}
	return reminded, nil
}
