// Package notify sends the platform's messages to people: e-mail over SMTP
// today, SMS later. Messages are River jobs inserted in the same
// transaction as the change they announce, so that a message goes out if
// and only if its cause was committed, and is retried until the mail
// server takes it.
package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"

	"github.com/riverqueue/river"
)

// SMTPConfig says how to reach the mail server.
type SMTPConfig struct {
	Addr     string // host:port; empty: messages are logged, not sent (development)
	From     string // "Cổng Dịch vụ công <no-reply@example.gov.vn>"
	Username string
	Password string
	// ImplicitTLS connects with TLS from the start (port 465); otherwise
	// STARTTLS is used when the server offers it.
	ImplicitTLS bool
	// InsecureSkipVerify accepts any certificate: only for tests against a
	// local server.
	InsecureSkipVerify bool
}

// Email is a plain-text message.
type Email struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

// EmailArgs is the job that sends one e-mail.
type EmailArgs struct {
	Email
}

// Kind implements river.JobArgs.
func (EmailArgs) Kind() string { return "notify_email" }

// InsertOpts retries for about a day: a mail server down for hours must
// not lose a citizen's password-reset link.
func (EmailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 20} }

// Mailer sends e-mail over SMTP.
type Mailer struct {
	cfg SMTPConfig
	log *slog.Logger
}

// NewMailer returns a mailer for cfg.
func NewMailer(cfg SMTPConfig, log *slog.Logger) *Mailer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Mailer{cfg: cfg, log: log}
}

// Send delivers e to the mail server.
func (m *Mailer) Send(ctx context.Context, e Email) error {
	from, err := mail.ParseAddress(m.cfg.From)
	if err != nil {
		return fmt.Errorf("send mail: sender %q: %w", m.cfg.From, err)
	}
	to, err := mail.ParseAddress(e.To)
	if err != nil {
		return fmt.Errorf("send mail: recipient %q: %w", e.To, err)
	}
	msg := compose(from, to, e, time.Now())
	if m.cfg.Addr == "" {
		m.log.InfoContext(ctx, "e-mail not sent: no SMTP server configured (EGOV_SMTP_ADDR)", "to", to.Address, "subject", e.Subject, "text", e.Text)
		return nil
	}
	host, _, err := net.SplitHostPort(m.cfg.Addr)
	if err != nil {
		return fmt.Errorf("send mail: server address %q: %w", m.cfg.Addr, err)
	}
	tlsConfig := &tls.Config{ServerName: host, InsecureSkipVerify: m.cfg.InsecureSkipVerify, MinVersion: tls.VersionTLS12}
	dialer := &net.Dialer{Timeout: 20 * time.Second}
	var conn net.Conn
	if m.cfg.ImplicitTLS {
		conn, err = tls.DialWithDialer(dialer, "tcp", m.cfg.Addr, tlsConfig)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", m.cfg.Addr)
	}
	if err != nil {
		return fmt.Errorf("send mail: connect to %s: %w", m.cfg.Addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	} else {
		conn.SetDeadline(time.Now().Add(time.Minute))
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("send mail: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok && !m.cfg.ImplicitTLS {
		if err := c.StartTLS(tlsConfig); err != nil {
			return fmt.Errorf("send mail: starttls: %w", err)
		}
	}
	if m.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.cfg.Username, m.cfg.Password, host)); err != nil {
			return fmt.Errorf("send mail: authenticate: %w", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("send mail: MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return fmt.Errorf("send mail: RCPT TO %s: %w", to.Address, err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("send mail: DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("send mail: write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("send mail: end of data: %w", err)
	}
	if err := c.Quit(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("send mail: QUIT: %w", err)
	}
	return nil
}

// compose builds an RFC 5322 message with a UTF-8 subject and body.
func compose(from, to *mail.Address, e Email, now time.Time) []byte {
	var b strings.Builder
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	header("To", to.String())
	subject := strings.Join(strings.Fields(e.Subject), " ") // no line breaks: no header injection
	header("Subject", mime.QEncoding.Encode("utf-8", subject))
	header("Date", now.Format(time.RFC1123Z))
	_, domain, _ := strings.Cut(from.Address, "@")
	header("Message-ID", fmt.Sprintf("<%d.%d@%s>", now.UnixNano(), rand.Int64(), domain))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "8bit")
	b.WriteString("\r\n")
	// No dot-stuffing here: the SMTP data writer does it.
	body := strings.ReplaceAll(e.Text, "\r\n", "\n")
	for _, line := range strings.Split(body, "\n") {
		b.WriteString(line + "\r\n")
	}
	return []byte(b.String())
}

// emailWorker sends EmailArgs jobs.
type emailWorker struct {
	river.WorkerDefaults[EmailArgs]
	m *Mailer
}

func (w *emailWorker) Work(ctx context.Context, job *river.Job[EmailArgs]) error {
	return w.m.Send(ctx, job.Args.Email)
}

// AddWorkers registers the e-mail worker.
func AddWorkers(workers *river.Workers, m *Mailer) {
	river.AddWorker(workers, &emailWorker{m: m})
}
