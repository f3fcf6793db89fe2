// Package smtptest runs a real SMTP server (emersion/go-smtp) inside a test
// and keeps the messages it receives, so that tests of e-mail flows go
// through the same SMTP client as production.
package smtptest

import (
	"context"
	"io"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is a received e-mail.
type Message struct {
	From    string
	To      []string
	Subject string
	Body    string
	Raw     string
}

// Server is a running SMTP server.
type Server struct {
	Addr string
	mu   sync.Mutex
	msgs []Message
	cond *sync.Cond
}

// Start runs a server on a loopback port until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{}
	s.cond = sync.NewCond(&s.mu)
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtp test server: %v", err)
	}
	s.Addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Messages returns what has been received so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Wait returns the first message to rcpt received after the first skip
// messages to rcpt, waiting up to timeout.
func (s *Server) Wait(t testing.TB, rcpt string, skip int, timeout time.Duration) Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	go func() {
		<-ctx.Done()
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		n := 0
		for _, m := range s.msgs {
			for _, to := range m.To {
				if strings.EqualFold(to, rcpt) {
					if n == skip {
						return m
					}
					n++
				}
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("no e-mail #%d to %s within %v", skip+1, rcpt, timeout)
		}
		s.cond.Wait()
	}
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s    *Server
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}
func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Message{From: x.from, To: x.to, Raw: string(raw)}
	if parsed, err := mail.ReadMessage(strings.NewReader(m.Raw)); err == nil {
		dec := new(mimeDecoder)
		m.Subject = dec.header(parsed.Header.Get("Subject"))
		body, _ := io.ReadAll(parsed.Body)
		m.Body = strings.ReplaceAll(string(body), "\r\n", "\n")
	}
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, m)
	x.s.cond.Broadcast()
	x.s.mu.Unlock()
	return nil
}
