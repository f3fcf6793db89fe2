package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/cabinet"
	"github.com/egov-vn/egov/identity"
)

// pathID reads a numeric path value; a malformed one is a 404.
func (s *Server) pathID(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, egov.ErrNotFound)
		return 0, false
	}
	return id, true
}

// cabinetFile reads a multipart form of e-Cabinet: its text fields and one
// file, streamed to the blob store by store.
func cabinetFile(w http.ResponseWriter, r *http.Request, store func(name string, file io.Reader) error) (map[string]string, bool, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return nil, false, egov.FieldErrors{"body": "Nội dung phải là multipart/form-data, với tệp trong phần \"file\"."}
	}
	r.Body = http.MaxBytesReader(w, r.Body, 21<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, false, egov.FieldErrors{"body": "Nội dung multipart không hợp lệ."}
	}
	values := map[string]string{}
	stored := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, stored, egov.FieldErrors{"body": "Nội dung multipart không hợp lệ hoặc quá 20 MB."}
		}
		if part.FileName() == "" {
			b, err := io.ReadAll(io.LimitReader(part, 64<<10))
			part.Close()
			if err != nil {
				return nil, stored, egov.FieldErrors{"body": "Nội dung multipart không hợp lệ."}
			}
			values[part.FormName()] = strings.TrimSpace(string(b))
			continue
		}
		if part.FormName() != "file" || stored {
			part.Close()
			continue
		}
		err = store(part.FileName(), part)
		part.Close()
		if err != nil {
			if msg := personMessage(err); msg != "" && errors.Is(err, egov.ErrInvalid) {
				return nil, stored, egov.FieldErrors{"file": msg}
			}
			return nil, stored, err
		}
		stored = true
	}
	return values, stored, nil
}

func (s *Server) apiCabinetAgenda() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		ag, err := s.cfg.Cabinet.Agenda(r.Context(), a)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, ag)
	})
}

func (s *Server) apiCabinetBodies() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		list, err := s.cfg.Cabinet.Bodies(r.Context(), a)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, map[string]any{"bodies": list})
	})
}

func (s *Server) apiCreateBody() http.Handler {
	type newBody struct {
		AgencyCode string `json:"agency_code"`
		Name       string `json:"name"`
	}
	return jsonAction(s, http.StatusCreated, func(r *http.Request, a *identity.Account, in *newBody) (any, error) {
		return s.cfg.Cabinet.CreateBody(r.Context(), a, in.AgencyCode, in.Name, clientRequest(r))
	})
}

func (s *Server) apiSetBodyMembers() http.Handler {
	type members struct {
		Members []cabinet.Member `json:"members"`
	}
	return jsonAction(s, http.StatusOK, func(r *http.Request, a *identity.Account, in *members) (any, error) {
		id, err := idOf(r, "id")
		if err != nil {
			return nil, err
		}
		return s.cfg.Cabinet.SetMembers(r.Context(), a, id, in.Members, clientRequest(r))
	})
}

func (s *Server) apiCreateMeeting() http.Handler {
	return jsonAction(s, http.StatusCreated, func(r *http.Request, a *identity.Account, in *cabinet.MeetingInput) (any, error) {
		id, err := idOf(r, "id")
		if err != nil {
			return nil, err
		}
		return s.cfg.Cabinet.CreateMeeting(r.Context(), a, id, *in, clientRequest(r))
	})
}

func (s *Server) apiMeeting() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, ok := s.pathID(w, r, "id")
		if !ok {
			return
		}
		m, err := s.cfg.Cabinet.Meeting(r.Context(), a, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, m)
	})
}

func (s *Server) apiMeetingDocument() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, ok := s.pathID(w, r, "id")
		if !ok {
			return
		}
		// Only those who may see the meeting learn anything about it, and
		// only its secretary may add to it.
		if m, err := s.cfg.Cabinet.Meeting(r.Context(), a, id); err != nil || !m.Secretary {
			if err == nil {
				err = &cabinet.Error{Msg: "Chỉ thư ký thêm được tài liệu họp.", Kind: egov.ErrForbidden}
			}
			s.fail(w, r, err)
			return
		}
		var doc cabinet.Document
		// item_id, when given, comes as a query parameter: the file streams
		// in before the other fields could be read.
		item, _ := strconv.ParseInt(r.URL.Query().Get("item_id"), 10, 64)
		_, stored, err := cabinetFile(w, r, func(name string, f io.Reader) error {
			var err error
			doc, err = s.cfg.Cabinet.AddMeetingDocument(r.Context(), a, id, item, name, f, clientRequest(r))
			return err
		})
		if err == nil && !stored {
			err = egov.FieldErrors{"file": "Chọn tệp tài liệu (PDF, Word, Excel hoặc ảnh)."}
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusCreated, doc)
	})
}

func (s *Server) apiAttendance() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, ok := s.pathID(w, r, "id")
		if !ok {
			return
		}
		if m, err := s.cfg.Cabinet.Meeting(r.Context(), a, id); err != nil || !m.Secretary {
			if err == nil {
				err = &cabinet.Error{Msg: "Chỉ thư ký điểm danh cuộc họp.", Kind: egov.ErrForbidden}
			}
			s.fail(w, r, err)
			return
		}
		var in struct {
			Attended map[string]bool `json:"attended"`
		}
		if err := decodeJSON(w, r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		attended := map[int64]bool{}
		for k, v := range in.Attended {
			n, err := strconv.ParseInt(k, 10, 64)
			if err != nil {
				s.fail(w, r, egov.FieldErrors{"attended." + k: "Khóa là mã tài khoản của người được mời."})
				return
			}
			attended[n] = v
		}
		m, err := s.cfg.Cabinet.RecordAttendance(r.Context(), a, id, attended, clientRequest(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, m)
	})
}

func (s *Server) apiMinutes() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, ok := s.pathID(w, r, "id")
		if !ok {
			return
		}
		m, err := s.cfg.Cabinet.Meeting(r.Context(), a, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !m.Secretary {
			s.fail(w, r, &cabinet.Error{Msg: "Chỉ thư ký ban hành biên bản và kết luận.", Kind: egov.ErrForbidden})
			return
		}
		m, err = s.issueMinutes(w, r, a, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, m)
	})
}

// issueMinutes reads the conclusions and the minutes file of a multipart
// form (conclusions first, then the file, which streams to the blob store)
// and closes the meeting.
func (s *Server) issueMinutes(w http.ResponseWriter, r *http.Request, a *identity.Account, id int64) (cabinet.Meeting, error) {
	var m cabinet.Meeting
	var conclusions string
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return m, egov.FieldErrors{"minutes": "Tải lên biên bản cuộc họp đã ký.", "conclusions": "Nhập kết luận cuộc họp."}
	}
	r.Body = http.MaxBytesReader(w, r.Body, 21<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return m, egov.FieldErrors{"body": "Nội dung multipart không hợp lệ."}
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, egov.FieldErrors{"body": "Nội dung multipart không hợp lệ hoặc quá 20 MB."}
		}
		if part.FileName() == "" {
			b, _ := io.ReadAll(io.LimitReader(part, 64<<10))
			if part.FormName() == "conclusions" {
				conclusions = string(b)
			}
			part.Close()
			continue
		}
		if part.FormName() == "file" {
			m, err = s.cfg.Cabinet.IssueMinutes(r.Context(), a, id, conclusions, part.FileName(), part, clientRequest(r))
			part.Close()
			return m, err
		}
		part.Close()
	}
	return s.cfg.Cabinet.IssueMinutes(r.Context(), a, id, conclusions, "", nil, clientRequest(r))
}

// apiCreateBallot opens a ballot; the deadline is RFC 3339.
func (s *Server) apiCreateBallot() http.Handler {
	return jsonAction(s, http.StatusCreated, func(r *http.Request, a *identity.Account, in *cabinet.BallotInput) (any, error) {
		id, err := idOf(r, "id")
		if err != nil {
			return nil, err
		}
		return s.cfg.Cabinet.CreateBallot(r.Context(), a, id, *in, clientRequest(r))
	})
}

func (s *Server) apiBallot() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, ok := s.pathID(w, r, "id")
		if !ok {
			return
		}
		b, err := s.cfg.Cabinet.Ballot(r.Context(), a, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, b)
	})
}

func (s *Server) apiBallotDocument() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, ok := s.pathID(w, r, "id")
		if !ok {
			return
		}
		if b, err := s.cfg.Cabinet.Ballot(r.Context(), a, id); err != nil || !b.Secretary {
			if err == nil {
				err = &cabinet.Error{Msg: "Chỉ thư ký thêm được tài liệu của phiếu.", Kind: egov.ErrForbidden}
			}
			s.fail(w, r, err)
			return
		}
		var doc cabinet.Document
		_, stored, err := cabinetFile(w, r, func(name string, f io.Reader) error {
			var err error
			doc, err = s.cfg.Cabinet.AddBallotDocument(r.Context(), a, id, name, f, clientRequest(r))
			return err
		})
		if err == nil && !stored {
			err = egov.FieldErrors{"file": "Chọn tệp tài liệu (PDF, Word, Excel hoặc ảnh)."}
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusCreated, doc)
	})
}

func (s *Server) apiVote() http.Handler {
	type vote struct {
		Choice  cabinet.Choice `json:"choice"`
		Comment string         `json:"comment"`
	}
	return jsonAction(s, http.StatusOK, func(r *http.Request, a *identity.Account, in *vote) (any, error) {
		id, err := idOf(r, "id")
		if err != nil {
			return nil, err
		}
		return s.cfg.Cabinet.CastVote(r.Context(), a, id, in.Choice, in.Comment, clientRequest(r))
	})
}

func (s *Server) apiCloseBallot() http.Handler {
	type closing struct {
		Summary string `json:"summary"`
	}
	return jsonAction(s, http.StatusOK, func(r *http.Request, a *identity.Account, in *closing) (any, error) {
		id, err := idOf(r, "id")
		if err != nil {
			return nil, err
		}
		return s.cfg.Cabinet.CloseBallot(r.Context(), a, id, in.Summary, clientRequest(r))
	})
}

// apiCabinetDocument sends a document of a meeting or a ballot to those
// who may read it.
func (s *Server) apiCabinetDocument() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, ok := s.pathID(w, r, "id")
		if !ok {
			return
		}
		doc, f, err := s.cfg.Cabinet.OpenDocument(r.Context(), a, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		defer f.Close()
		serveFile(w, r, doc.Name, doc.ContentType, doc.AddedAt, f)
	})
}

// Pages.

type agendaPage struct {
	Agenda cabinet.Agenda
	Now    time.Time
}

func (s *Server) pageCabinet() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		if a.Kind != identity.KindOfficial {
			s.forbidden(w, r, "Trang này dành cho thành viên và thư ký các cơ quan họp.")
			return
		}
		ag, err := s.cfg.Cabinet.Agenda(r.Context(), a)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "cabinet", translate(language(r), "cabinet.title"), agendaPage{Agenda: ag, Now: time.Now()})
	})
}

type meetingPage struct {
	M      cabinet.Meeting
	Errors egov.FieldErrors
	Alert  string
	Notice string
}

func (s *Server) pageMeeting() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, ok := s.pathID(w, r, "id")
		if !ok {
			return
		}
		m, err := s.cfg.Cabinet.Meeting(r.Context(), a, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		page := meetingPage{M: m}
		if r.URL.Query().Get("xong") != "" {
			page.Notice = translate(language(r), "dossier.done_notice")
		}
		s.render(w, r, http.StatusOK, "meeting", m.Title, page)
	})
}

// meetingFailed shows the meeting page again with what went wrong.
func (s *Server) meetingFailed(w http.ResponseWriter, r *http.Request, a *identity.Account, id int64, err error) {
	var fe egov.FieldErrors
	msg := personMessage(err)
	if !errors.As(err, &fe) && (msg == "" || errors.Is(err, egov.ErrNotFound)) {
		s.fail(w, r, err)
		return
	}
	m, gerr := s.cfg.Cabinet.Meeting(r.Context(), a, id)
	if gerr != nil {
		s.fail(w, r, gerr)
		return
	}
	status := http.StatusBadRequest
	switch {
	case errors.Is(err, egov.ErrForbidden):
		status = http.StatusForbidden
	case errors.Is(err, egov.ErrConflict):
		status = http.StatusConflict
	}
	s.render(w, r, status, "meeting", m.Title, meetingPage{M: m, Errors: fe, Alert: msg})
}

func (s *Server) pageAttendance() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, ok := s.pathID(w, r, "id")
		if !ok {
			return
		}
		m, err := s.cfg.Cabinet.Meeting(r.Context(), a, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if err := r.ParseForm(); err != nil {
			s.fail(w, r, egov.FieldErrors{"body": "Biểu mẫu không hợp lệ."})
			return
		}
		present := map[int64]bool{}
		for _, v := range r.PostForm["present"] {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				present[n] = true
			}
		}
		attended := map[int64]bool{}
		for _, inv := range m.Invitees {
			attended[inv.AccountID] = present[inv.AccountID]
		}
		if _, err := s.cfg.Cabinet.RecordAttendance(r.Context(), a, id, attended, clientRequest(r)); err != nil {
			s.meetingFailed(w, r, a, id, err)
			return
		}
		http.Redirect(w, r, "/noi-cac/hop/"+strconv.FormatInt(id, 10)+"?xong=1", http.StatusSeeOther)
	})
}

func (s *Server) pageMinutes() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, ok := s.pathID(w, r, "id")
		if !ok {
			return
		}
		m, err := s.cfg.Cabinet.Meeting(r.Context(), a, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !m.Secretary {
			s.forbidden(w, r, "Chỉ thư ký ban hành biên bản và kết luận.")
			return
		}
		if _, err := s.issueMinutes(w, r, a, id); err != nil {
			s.meetingFailed(w, r, a, id, err)
			return
		}
		http.Redirect(w, r, "/noi-cac/hop/"+strconv.FormatInt(id, 10)+"?xong=1", http.StatusSeeOther)
	})
}

type ballotPage struct {
	B      cabinet.Ballot
	Open   bool
	Errors egov.FieldErrors
	Alert  string
	Notice string
}

func (s *Server) renderBallot(w http.ResponseWriter, r *http.Request, a *identity.Account, id int64, status int, fe egov.FieldErrors, alert string) {
	b, err := s.cfg.Cabinet.Ballot(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := ballotPage{B: b, Open: b.Status == "open" && time.Now().Before(b.Deadline), Errors: fe, Alert: alert}
	if r.URL.Query().Get("xong") != "" {
		page.Notice = translate(language(r), "cabinet.saved")
	}
	s.render(w, r, status, "ballot", b.Question, page)
}

func (s *Server) pageBallot() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, ok := s.pathID(w, r, "id")
		if !ok {
			return
		}
		s.renderBallot(w, r, a, id, http.StatusOK, nil, "")
	})
}

// ballotChange runs a change posted from the ballot page.
func (s *Server) ballotChange(change func(r *http.Request, a *identity.Account, id int64) error) http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, ok := s.pathID(w, r, "id")
		if !ok {
			return
		}
		if err := r.ParseForm(); err != nil {
			s.fail(w, r, egov.FieldErrors{"body": "Biểu mẫu không hợp lệ."})
			return
		}
		err := change(r, a, id)
		if err == nil {
			http.Redirect(w, r, "/noi-cac/phieu/"+strconv.FormatInt(id, 10)+"?xong=1", http.StatusSeeOther)
			return
		}
		var fe egov.FieldErrors
		msg := personMessage(err)
		if !errors.As(err, &fe) && (msg == "" || errors.Is(err, egov.ErrNotFound)) {
			s.fail(w, r, err)
			return
		}
		status := http.StatusBadRequest
		switch {
		case errors.Is(err, egov.ErrForbidden):
			status = http.StatusForbidden
		case errors.Is(err, egov.ErrConflict):
			status = http.StatusConflict
		}
		s.renderBallot(w, r, a, id, status, fe, msg)
	})
}

func (s *Server) pageVote() http.Handler {
	return s.ballotChange(func(r *http.Request, a *identity.Account, id int64) error {
		_, err := s.cfg.Cabinet.CastVote(r.Context(), a, id, cabinet.Choice(r.PostFormValue("choice")), r.PostFormValue("comment"), clientRequest(r))
		return err
	})
}

func (s *Server) pageCloseBallot() http.Handler {
	return s.ballotChange(func(r *http.Request, a *identity.Account, id int64) error {
		_, err := s.cfg.Cabinet.CloseBallot(r.Context(), a, id, r.PostFormValue("summary"), clientRequest(r))
		return err
	})
}

func (s *Server) pageCabinetDocument() http.Handler { return s.apiCabinetDocument() }

// newItemPage is the form a secretary fills to convene a meeting or open
// a ballot.
type newItemPage struct {
	Body   cabinet.Body
	Values map[string]string
	Errors egov.FieldErrors
	Alert  string
	Notice string
}

// secretaryBody returns the body of the path for its secretary.
func (s *Server) secretaryBody(w http.ResponseWriter, r *http.Request, a *identity.Account) (cabinet.Body, bool) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return cabinet.Body{}, false
	}
	bodies, err := s.cfg.Cabinet.Bodies(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return cabinet.Body{}, false
	}
	for _, b := range bodies {
		if b.ID != id {
			continue
		}
		for _, m := range b.Members {
			if m.AccountID == a.ID && m.Role == cabinet.RoleSecretary {
				return b, true
			}
		}
		s.forbidden(w, r, "Chỉ thư ký của "+b.Name+" chuẩn bị cuộc họp và phiếu lấy ý kiến.")
		return cabinet.Body{}, false
	}
	s.fail(w, r, egov.ErrNotFound)
	return cabinet.Body{}, false
}

// localTime reads a date and a time of day typed in Vietnam.
func localTime(date, clock string) (time.Time, bool) {
	if clock == "" {
		clock = "08:00"
	}
	t, err := time.ParseInLocation("2006-01-02 15:04", date+" "+clock, time.FixedZone("ICT", 7*3600))
	return t, err == nil
}

func (s *Server) pageNewBallot() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		b, ok := s.secretaryBody(w, r, a)
		if !ok {
			return
		}
		page := newItemPage{Body: b, Values: map[string]string{}, Errors: egov.FieldErrors{}}
		if r.Method == http.MethodGet {
			s.render(w, r, http.StatusOK, "ballot_new", translate(language(r), "cabinet.new_ballot"), page)
			return
		}
		for _, k := range []string{"question", "details", "date", "time"} {
			page.Values[k] = strings.TrimSpace(r.PostFormValue(k))
		}
		deadline, ok := localTime(page.Values["date"], page.Values["time"])
		if !ok {
			page.Errors["deadline"] = "Nhập hạn trả lời: ngày và giờ."
		}
		if len(page.Errors) == 0 {
			bl, err := s.cfg.Cabinet.CreateBallot(r.Context(), a, b.ID, cabinet.BallotInput{Question: page.Values["question"],
				Details: page.Values["details"], Deadline: deadline}, clientRequest(r))
			if err == nil {
				http.Redirect(w, r, "/noi-cac/phieu/"+strconv.FormatInt(bl.ID, 10)+"?xong=1", http.StatusSeeOther)
				return
			}
			var fe egov.FieldErrors
			if !errors.As(err, &fe) {
				s.fail(w, r, err)
				return
			}
			page.Errors = fe
		}
		s.render(w, r, http.StatusBadRequest, "ballot_new", translate(language(r), "cabinet.new_ballot"), page)
	})
}

func (s *Server) pageNewMeeting() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		b, ok := s.secretaryBody(w, r, a)
		if !ok {
			return
		}
		page := newItemPage{Body: b, Values: map[string]string{}, Errors: egov.FieldErrors{}}
		if r.Method == http.MethodGet {
			s.render(w, r, http.StatusOK, "meeting_new", translate(language(r), "cabinet.new_meeting"), page)
			return
		}
		for _, k := range []string{"title", "location", "date", "time", "items"} {
			page.Values[k] = strings.TrimSpace(r.PostFormValue(k))
		}
		starts, ok := localTime(page.Values["date"], page.Values["time"])
		if !ok {
			page.Errors["starts_at"] = "Nhập ngày và giờ họp."
		}
		var items []cabinet.ItemInput
		for _, line := range strings.Split(page.Values["items"], "\n") {
			if line = strings.TrimSpace(line); line != "" {
				items = append(items, cabinet.ItemInput{Title: line})
			}
		}
		if len(page.Errors) == 0 {
			m, err := s.cfg.Cabinet.CreateMeeting(r.Context(), a, b.ID, cabinet.MeetingInput{Title: page.Values["title"],
				StartsAt: starts, Location: page.Values["location"], Items: items}, clientRequest(r))
			if err == nil {
				http.Redirect(w, r, "/noi-cac/hop/"+strconv.FormatInt(m.ID, 10)+"?xong=1", http.StatusSeeOther)
				return
			}
			var fe egov.FieldErrors
			if !errors.As(err, &fe) {
				s.fail(w, r, err)
				return
			}
			page.Errors = fe
			for k, v := range fe {
				if strings.HasPrefix(k, "items") {
					page.Errors["items"] = v
				}
			}
		}
		s.render(w, r, http.StatusBadRequest, "meeting_new", translate(language(r), "cabinet.new_meeting"), page)
	})
}

// pageCabinetUpload adds a document to a meeting (or one of its points,
// item_id) or a ballot, from its page.
func (s *Server) pageCabinetUpload(meeting bool) http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, ok := s.pathID(w, r, "id")
		if !ok {
			return
		}
		// Who may add comes first: strangers learn nothing, members are refused.
		secretary := false
		if meeting {
			m, err := s.cfg.Cabinet.Meeting(r.Context(), a, id)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			secretary = m.Secretary
		} else {
			b, err := s.cfg.Cabinet.Ballot(r.Context(), a, id)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			secretary = b.Secretary
		}
		if !secretary {
			s.forbidden(w, r, "Chỉ thư ký thêm được tài liệu.")
			return
		}
		item, _ := strconv.ParseInt(r.URL.Query().Get("item_id"), 10, 64)
		_, stored, err := cabinetFile(w, r, func(name string, f io.Reader) error {
			var err error
			if meeting {
				_, err = s.cfg.Cabinet.AddMeetingDocument(r.Context(), a, id, item, name, f, clientRequest(r))
			} else {
				_, err = s.cfg.Cabinet.AddBallotDocument(r.Context(), a, id, name, f, clientRequest(r))
			}
			return err
		})
		if err == nil && !stored {
			err = egov.FieldErrors{"file": "Chọn tệp tài liệu (PDF, Word, Excel hoặc ảnh)."}
		}
		target := "/noi-cac/phieu/"
		if meeting {
			target = "/noi-cac/hop/"
		}
		if err == nil {
			http.Redirect(w, r, target+strconv.FormatInt(id, 10)+"?xong=1", http.StatusSeeOther)
			return
		}
		if meeting {
			s.meetingFailed(w, r, a, id, err)
			return
		}
		var fe egov.FieldErrors
		msg := personMessage(err)
		if !errors.As(err, &fe) && (msg == "" || errors.Is(err, egov.ErrNotFound)) {
			s.fail(w, r, err)
			return
		}
		status := http.StatusBadRequest
		if errors.Is(err, egov.ErrForbidden) {
			status = http.StatusForbidden
		}
		s.renderBallot(w, r, a, id, status, fe, msg)
	})
}
