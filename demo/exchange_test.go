package demo_test

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/demo"
	"github.com/egov-vn/egov/exchange"
	"github.com/egov-vn/egov/exchange/edxml"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store/storetest"
)

func TestLoadExchange(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t, jobs.Migrate)
	cat := catalog.NewService(db, nil)
	t.Cleanup(func() { cat.Close() })
	if _, err := demo.Load(ctx, cat); err != nil {
		t.Fatal(err)
	}
	queue, err := jobs.New(db, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	axis := exchange.NewService(db, queue, exchange.Config{}, nil)
	admin := &identity.Account{Kind: identity.KindOfficial, Username: "demo", Roles: []identity.Role{identity.RoleSystemAdmin}}

	const commune, office, province = "000.00.40.H26", "000.00.00.G22", "000.00.00.H26"

	if _, err := demo.LoadExchange(ctx, axis, &identity.Account{Kind: identity.KindOfficial, Username: "hk.tiepnhan", AgencyCode: commune}); err == nil {
		t.Fatal("an official who is not a system administrator loaded the demo documents")
	}
	n, err := demo.LoadExchange(ctx, axis, admin)
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("first load added %d messages, want 4 (three documents and a receipt)", n)
	}
	for _, code := range []string{commune, office, province} {
		m, err := axis.Member(ctx, code)
		if err != nil {
			t.Fatalf("member %s: %v", code, err)
		}
		if len(m.Keys) != 1 || m.Keys[0].Algorithm != "ecdsa" || m.Name == "" || m.Name == code {
			t.Errorf("member %s = %q with keys %+v, want its name and one ECDSA certificate", code, m.Name, m.Keys)
		}
	}

	inbox, err := axis.List(ctx, exchange.Filter{Agency: commune, Box: "inbox"})
	if err != nil {
		t.Fatal(err)
	}
	if len(inbox) != 3 {
		t.Fatalf("the commune's inbox has %d documents, want 3", len(inbox))
	}
	senders := map[string]int{}
	for _, m := range inbox {
		senders[m.Sender]++
		if m.Subject == "" || m.CodeNumber == "" || m.CodeNotation == "" || m.Promulgated == "" {
			t.Errorf("document %s lacks its subject, number or date: %+v", m.MessageID, m)
		}
		if len(m.Deliveries) != 1 || m.Deliveries[0].Recipient != commune {
			t.Errorf("document %s deliveries = %+v, want one to the commune", m.MessageID, m.Deliveries)
		}
		body, err := axis.Body(ctx, commune, m.MessageID)
		if err != nil {
			t.Fatal(err)
		}
		env, err := edxml.Parse(body)
		if err != nil {
			t.Fatalf("document %s: %v", m.MessageID, err)
		}
		if len(env.Attachments) != 1 || !bytes.HasPrefix(env.Attachments[0].Data, []byte("%PDF-")) || !bytes.HasSuffix(env.Attachments[0].Data, []byte("%%EOF\n")) {
			t.Errorf("document %s attachments = %d, want one PDF", m.MessageID, len(env.Attachments))
		}
	}
	if senders[office] != 2 || senders[province] != 1 {
		t.Errorf("senders = %v, want 2 from the Government Office and 1 from the province", senders)
	}

	// The first document (the oldest, last of the list) was taken and
	// answered "arrived"; the other two wait in the commune's inbox.
	first := inbox[len(inbox)-1]
	if first.Sender != office || first.CodeNumber+"/"+first.CodeNotation != "1234/VPCP-KSTT" {
		t.Fatalf("first document = %s %s/%s, want 1234/VPCP-KSTT from the Government Office", first.Sender, first.CodeNumber, first.CodeNotation)
	}
	if d := first.Deliveries[0]; d.State != exchange.DeliveryDelivered || d.StatusCode != edxml.StatusArrived {
		t.Errorf("first document's delivery = %+v, want delivered with receipt 01", d)
	}
	for _, m := range inbox[:len(inbox)-1] {
		if d := m.Deliveries[0]; d.State != exchange.DeliveryPending || d.StatusCode != "" {
			t.Errorf("document %s delivery = %+v, want pending without a receipt", m.MessageID, d)
		}
	}
	pending, err := axis.Inbox(ctx, commune, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 2 {
		t.Errorf("the commune's pull inbox holds %d messages, want 2", len(pending))
	}
	trail, err := axis.Trail(ctx, commune, first.MessageID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range trail {
		actions = append(actions, e.Action)
	}
	if want := []string{"received", "delivered", "status"}; !slices.Equal(actions, want) {
		t.Errorf("trail of the first document = %v, want %v", actions, want)
	}
	// The receipt waits for the Government Office.
	receipts, err := axis.Inbox(ctx, office, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(receipts) != 1 || receipts[0].Kind != exchange.KindStatus || receipts[0].Sender != commune {
		t.Errorf("the Government Office's inbox = %+v, want the commune's receipt", receipts)
	}
	outbox, err := axis.List(ctx, exchange.Filter{Agency: office, Box: "outbox"})
	if err != nil {
		t.Fatal(err)
	}
	if len(outbox) != 2 {
		t.Errorf("the Government Office's outbox has %d documents, want 2", len(outbox))
	}

	// Loading again adds nothing.
	n, err = demo.LoadExchange(ctx, axis, admin)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("second load added %d messages, want 0", n)
	}
	again, err := axis.List(ctx, exchange.Filter{Agency: commune})
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 3 {
		t.Errorf("after a second load the commune has %d documents, want 3", len(again))
	}
	for _, code := range []string{commune, office, province} {
		if m, _ := axis.Member(ctx, code); len(m.Keys) != 1 {
			t.Errorf("after a second load %s has %d certificates, want 1", code, len(m.Keys))
		}
	}
	if report, err := axis.VerifyLog(ctx); err != nil || report.FirstBad != nil {
		t.Errorf("message log after two loads: %+v, %v", report, err)
	}
}
