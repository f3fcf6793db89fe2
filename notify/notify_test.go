package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/egov-vn/egov/notify"
	"github.com/egov-vn/egov/notify/smtptest"
)

func TestSendOverSMTP(t *testing.T) {
	srv := smtptest.Start(t)
	m := notify.NewMailer(notify.SMTPConfig{Addr: srv.Addr, From: "Cổng Dịch vụ công <no-reply@dichvucong.test>"}, nil)
	body := "Xin chào Nguyễn Văn An,\n.\nMột dòng bắt đầu bằng dấu chấm ở trên.\nMã: 123"
	err := m.Send(context.Background(), notify.Email{To: "an@example.vn", Subject: "Xác thực địa chỉ thư điện tử", Text: body})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, "an@example.vn", 0, 5*time.Second)
	if got.From != "no-reply@dichvucong.test" {
		t.Errorf("from %q", got.From)
	}
	if got.Subject != "Xác thực địa chỉ thư điện tử" {
		t.Errorf("subject %q", got.Subject)
	}
	if strings.TrimRight(got.Body, "\n") != body {
		t.Errorf("body %q, want %q", got.Body, body)
	}
	if !strings.Contains(got.Raw, "Content-Type: text/plain; charset=utf-8") {
		t.Errorf("raw message lacks a UTF-8 content type:\n%s", got.Raw)
	}
}

func TestSendRefusesBadAddresses(t *testing.T) {
	m := notify.NewMailer(notify.SMTPConfig{Addr: "127.0.0.1:1", From: "no-reply@dichvucong.test"}, nil)
	for _, to := range []string{"", "not an address", "a@b\r\nBcc: x@y"} {
		if err := m.Send(context.Background(), notify.Email{To: to, Subject: "x", Text: "x"}); err == nil {
			t.Errorf("Send to %q succeeded", to)
		}
	}
	// The server is down: the job fails and River retries it.
	if err := m.Send(context.Background(), notify.Email{To: "an@example.vn", Subject: "x", Text: "x"}); err == nil {
		t.Error("Send to an unreachable server succeeded")
	}
}
