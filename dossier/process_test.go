package dossier_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/demo"
	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

func TestValidateProcess(t *testing.T) {
	// Five working days, like splitting a household (1.010038).
	proc := &egov.Procedure{Code: "1.010038", Name: "Tách hộ", Levels: []egov.Level{egov.LevelCommune}, ProcessingDays: 5}
	// change returns the default process changed by edit.
	change := func(edit func(pr *dossier.Process)) dossier.Process {
		pr := dossier.DefaultProcess(proc)
		edit(&pr)
		return pr
	}
	extra := dossier.Step{Name: "xac_minh", Title: "Xác minh", Role: identity.RoleSpecialist,
		Actions: []dossier.Transition{{Action: dossier.ActForward, To: dossier.StepApproval}}}
	for _, c := range []struct {
		name   string
		pr     dossier.Process
		key    string // "" for a valid process
		reason string
	}{
		{"default", dossier.DefaultProcess(proc), "", ""},
		{"hours that fit", change(func(pr *dossier.Process) {
			pr.Steps[1].Time, pr.Steps[2].Time, pr.Steps[2].Unit = 4, 8, egov.UnitHours
		}), "", ""},
		{"no steps", dossier.Process{}, "steps", "ít nhất một bước"},
		{"unreachable step", change(func(pr *dossier.Process) { pr.Steps = append(pr.Steps, extra) }),
			"steps[4].name", "Không bước nào chuyển hồ sơ tới bước Xác minh"},
		{"no way out", change(func(pr *dossier.Process) {
			// Appraisal now leads to a step where the dossier can only be assigned.
			pr.Steps[1].Actions[1].To = "xac_minh"
			stuck := extra
			stuck.Actions = []dossier.Transition{{Action: dossier.ActAssign}}
			pr.Steps = append(pr.Steps, stuck)
		}), "steps[4].actions", "không có lối ra"},
		{"no actions at all", change(func(pr *dossier.Process) { pr.Steps[3].Actions = nil }), "steps[3].actions", "chưa có thao tác nào"},
		{"approve without a return step", change(func(pr *dossier.Process) {
			pr.Steps[2].Actions[0].To = dossier.StepAppraisal
		}), "steps[2].actions[0].to", "phải có thao tác trả kết quả"},
		{"no approval", change(func(pr *dossier.Process) {
			pr.Steps[2].Actions = pr.Steps[2].Actions[1:]
		}), "steps", "thao tác phê duyệt"},
		{"over the legal time", change(func(pr *dossier.Process) { pr.Steps[1].Time = 5 }),
			"steps", "Tổng thời gian các bước (48 giờ làm việc) vượt thời hạn giải quyết theo quy định (40 giờ, tức 5 ngày làm việc)"},
		{"over in hours", change(func(pr *dossier.Process) {
			pr.Steps[1].Time, pr.Steps[2].Time, pr.Steps[2].Unit = 4, 9, egov.UnitHours
		}), "steps", "vượt thời hạn"},
		{"negative time", change(func(pr *dossier.Process) { pr.Steps[0].Time = -1 }), "steps[0].time", "không được âm"},
		{"bad unit", change(func(pr *dossier.Process) { pr.Steps[1].Unit = egov.UnitDays }), "steps[1].unit", "ngày làm việc hoặc giờ làm việc"},
		{"bad role", change(func(pr *dossier.Process) { pr.Steps[1].Role = identity.RoleAgencyAdmin }), "steps[1].role", "Người thực hiện"},
		{"duplicate name", change(func(pr *dossier.Process) { pr.Steps[2].Name = dossier.StepAppraisal }), "steps[2].name", "trùng tên appraisal"},
		{"bad name", change(func(pr *dossier.Process) { pr.Steps[1].Name = "Thẩm định" }), "steps[1].name", "chữ thường không dấu"},
		{"reserved name", change(func(pr *dossier.Process) { pr.Steps[1].Name = dossier.StepPartner }), "steps[1].name", "chữ thường không dấu"},
		{"no title", change(func(pr *dossier.Process) { pr.Steps[1].Title = " " }), "steps[1].title", "Nhập tên bước"},
		{"move to a missing step", change(func(pr *dossier.Process) { pr.Steps[1].Actions[1].To = "khong_co" }),
			"steps[1].actions[1].to", "Không có bước khong_co"},
		{"move without a target", change(func(pr *dossier.Process) { pr.Steps[1].Actions[1].To = "" }),
			"steps[1].actions[1].to", "Chọn bước"},
		{"move to itself", change(func(pr *dossier.Process) { pr.Steps[1].Actions[1].To = dossier.StepAppraisal }),
			"steps[1].actions[1].to", "sang bước khác"},
		{"target on an action that stays", change(func(pr *dossier.Process) { pr.Steps[1].Actions[0].To = dossier.StepApproval }),
			"steps[1].actions[0].to", "không chuyển bước"},
		{"unknown action", change(func(pr *dossier.Process) {
			pr.Steps[1].Actions = append(pr.Steps[1].Actions, dossier.Transition{Action: "delete"})
		}), "steps[1].actions[6].action", "không được hỗ trợ"},
		{"partner's action", change(func(pr *dossier.Process) {
			pr.Steps[1].Actions = append(pr.Steps[1].Actions, dossier.Transition{Action: dossier.ActReturnTransfer})
		}), "steps[1].actions[6].action", "không được hỗ trợ"},
		{"repeated action", change(func(pr *dossier.Process) {
			pr.Steps[3].Actions = append(pr.Steps[3].Actions, dossier.Transition{Action: dossier.ActReturnResult})
		}), "steps[3].actions[1].action", "lặp lại"},
		{"first step does not receive", change(func(pr *dossier.Process) {
			pr.Steps[0], pr.Steps[1] = pr.Steps[1], pr.Steps[0]
		}), "steps[0].actions", "tiếp nhận hồ sơ"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fe := c.pr.Validate(proc)
			if c.key == "" {
				if fe != nil {
					t.Fatalf("refused: %v", fe)
				}
				return
			}
			if !strings.Contains(fe[c.key], c.reason) {
				t.Errorf("%s = %q, want %q; all: %v", c.key, fe[c.key], c.reason, fe)
			}
		})
	}
}

// TestDefaultProcessFitsEveryDemoProcedure holds the default process
// against Validate for every procedure of the demo catalog.
func TestDefaultProcessFitsEveryDemoProcedure(t *testing.T) {
	ctx := context.Background()
	cat := catalog.NewService(storetest.SQLite(t, jobs.Migrate), nil)
	t.Cleanup(func() { cat.Close() })
	if _, err := demo.Load(ctx, cat); err != nil {
		t.Fatal(err)
	}
	procs, err := cat.Procedures(ctx)
	if err != nil || len(procs) == 0 {
		t.Fatalf("%d procedures: %v", len(procs), err)
	}
	for _, p := range procs {
		if fe := dossier.DefaultProcess(&p).Validate(&p); fe != nil {
			t.Errorf("%s (%d days): %v", p.Code, p.ProcessingDays, fe)
		}
	}
	// A legal time in hours.
	p := &egov.Procedure{ProcessingDays: 3, Ways: []egov.Way{{Channel: egov.ChannelOnline, ProcessingTime: 12, Unit: egov.UnitHours}}}
	if fe := dossier.DefaultProcess(p).Validate(p); fe != nil {
		t.Errorf("12 hours online: %v", fe)
	}
}

// birthProcess is a process of its own for birth registration, done
// within the working day: 6 hours in all.
func birthProcess() dossier.Process {
	return dossier.Process{Steps: []dossier.Step{
		{Name: "tiep_nhan", Title: "Tiếp nhận tại một cửa", Role: identity.RoleReceiver, Actions: []dossier.Transition{
			{Action: dossier.ActReceive, To: "xu_ly"}, {Action: dossier.ActRequestSupplement}, {Action: dossier.ActRefuse}}},
		{Name: "xu_ly", Title: "Công chức tư pháp xử lý", Role: identity.RoleSpecialist, Time: 4, Unit: egov.UnitHours, Actions: []dossier.Transition{
			{Action: dossier.ActAssign}, {Action: dossier.ActForward, To: "ky"}, {Action: dossier.ActRequestSupplement}}},
		{Name: "ky", Title: "Chủ tịch ký", Role: identity.RoleLeader, Time: 2, Unit: egov.UnitHours, Actions: []dossier.Transition{
			{Action: dossier.ActApprove, To: "tra"}, {Action: dossier.ActSendBack, To: "xu_ly"}, {Action: dossier.ActRefuse}}},
		{Name: "tra", Title: "Trả kết quả", Role: identity.RoleReceiver, Actions: []dossier.Transition{{Action: dossier.ActReturnResult}}},
	}}
}

func TestSaveProcess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		admin, err := f.ids.AddOfficial(ctx, nil, identity.NewOfficial{AgencyCode: commune, Username: "hk.quantri", FullName: "Quản Trị Hoàn Kiếm",
			Roles: []identity.Role{identity.RoleAgencyAdmin}, Password: "mật khẩu thử nghiệm dài"}, req)
		if err != nil {
			t.Fatal(err)
		}
		admin.Roles = []identity.Role{identity.RoleAgencyAdmin}
		const birth = "1.001193"

		pr, id, err := f.svc.Process(ctx, birth, commune)
		if err != nil || id != 0 || pr.Steps[0].Name != dossier.StepReception {
			t.Fatalf("default: %v %d %v", pr, id, err)
		}
		before := f.submit(t)

		// Only the agency's administrator; every agency is the system
		// administrator's.
		for _, c := range []struct {
			who    *identity.Account
			agency string
		}{{&f.expert, commune}, {&f.leader, commune}, {&admin, ""}, {&admin, "000.00.00.H26"}} {
			if _, err := f.svc.SaveProcess(ctx, c.who, birth, c.agency, birthProcess(), req); !errors.Is(err, egov.ErrForbidden) {
				t.Errorf("%s for %q: %v, want forbidden", c.who.Username, c.agency, err)
			}
		}
		if err := f.svc.ResetProcess(ctx, &f.expert, birth, commune, req); !errors.Is(err, egov.ErrForbidden) {
			t.Errorf("specialist reset: %v", err)
		}

		// A refused process stores nothing.
		bad := birthProcess()
		bad.Steps[1].Time = 7 // 9 hours in a working day
		var fe egov.FieldErrors
		if _, err := f.svc.SaveProcess(ctx, &admin, birth, commune, bad, req); !errors.As(err, &fe) || !strings.Contains(fe["steps"], "vượt thời hạn") {
			t.Errorf("too long: %v", err)
		}
		// Nor one for a procedure the commune does not handle.
		if _, err := f.svc.SaveProcess(ctx, &admin, "2.001610", commune, birthProcess(), req); !errors.As(err, &fe) || fe["agency_code"] == "" {
			t.Errorf("procedure of the province: %v", err)
		}
		if _, id, _ := f.svc.Process(ctx, birth, commune); id != 0 {
			t.Fatalf("a refused process was stored: %d", id)
		}

		v1, err := f.svc.SaveProcess(ctx, &admin, birth, commune, birthProcess(), req)
		if err != nil || v1 == 0 {
			t.Fatalf("save: %d %v", v1, err)
		}
		pr, id, err = f.svc.Process(ctx, birth, commune)
		if err != nil || id != v1 || len(pr.Steps) != 4 || pr.Steps[1].Name != "xu_ly" {
			t.Fatalf("in force: %d %+v %v", id, pr, err)
		}
		// Other agencies keep the default.
		if _, id, _ := f.svc.Process(ctx, birth, "000.00.41.H26"); id != 0 {
			t.Errorf("another commune got process %d", id)
		}

		// A dossier submitted now follows the new process.
		after := f.submit(t)
		if after.ProcessID != v1 || after.Step != "tiep_nhan" {
			t.Errorf("submitted after: process %d step %s", after.ProcessID, after.Step)
		}
		after, err = f.svc.Act(ctx, &f.receiver, after.Code, dossier.ActionRequest{Action: dossier.ActReceive, Version: after.Version}, req)
		if err != nil || after.Step != "xu_ly" {
			t.Fatalf("receive after: %v %s", err, after.Step)
		}
		if acts := f.svc.Allowed(ctx, &f.expert, &after); !slices.Equal(acts, []dossier.Action{dossier.ActAssign, dossier.ActForward, dossier.ActRequestSupplement}) {
			t.Errorf("actions at xu_ly: %v", acts)
		}

		// A second version: the dossier on the way keeps the first.
		second := birthProcess()
		second.Steps[1].Title = "Công chức tư pháp - hộ tịch xử lý"
		v2, err := f.svc.SaveProcess(ctx, &admin, birth, commune, second, req)
		if err != nil || v2 == v1 {
			t.Fatalf("second version: %d %v", v2, err)
		}
		after, err = f.svc.Act(ctx, &f.expert, after.Code, dossier.ActionRequest{Action: dossier.ActForward, Version: after.Version}, req)
		if err != nil || after.Step != "ky" || after.ProcessID != v1 {
			t.Errorf("forward on version 1: %v step %s process %d", err, after.Step, after.ProcessID)
		}

		// The dossier submitted before any change keeps the default: its
		// step names still resolve.
		if before.ProcessID != 0 || before.Step != dossier.StepReception {
			t.Errorf("submitted before: process %d step %s", before.ProcessID, before.Step)
		}
		before, err = f.svc.Act(ctx, &f.receiver, before.Code, dossier.ActionRequest{Action: dossier.ActReceive, Version: before.Version}, req)
		if err != nil || before.Step != dossier.StepAppraisal || before.ProcessID != 0 {
			t.Fatalf("receive before: %v step %s", err, before.Step)
		}
		if acts := f.svc.Allowed(ctx, &f.expert, &before); len(acts) == 0 {
			t.Error("no action at the default appraisal step")
		}

		// Back to the default for new dossiers.
		if err := f.svc.ResetProcess(ctx, &admin, birth, commune, req); err != nil {
			t.Fatal(err)
		}
		pr, id, err = f.svc.Process(ctx, birth, commune)
		if err != nil || id != 0 || len(pr.Steps) != 4 || pr.Steps[1].Name != dossier.StepAppraisal {
			t.Errorf("after reset: %d %+v %v", id, pr, err)
		}
		if d := f.submit(t); d.ProcessID != 0 || d.Step != dossier.StepReception {
			t.Errorf("submitted after reset: process %d step %s", d.ProcessID, d.Step)
		}
		if _, err := f.svc.Act(ctx, &f.leader, after.Code, dossier.ActionRequest{Action: dossier.ActSendBack, Comment: "Bổ sung ý kiến", Version: after.Version}, req); err != nil {
			t.Errorf("send back on version 1 after the reset: %v", err)
		}
	}, jobs.Migrate)
}
