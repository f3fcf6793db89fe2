package payment

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"
)

func TestWriteIPNAnswer(t *testing.T) {
	tests := []struct {
		answer IPNAnswer
		body   string
	}{
		{IPNConfirmed(), `{"RspCode":"00","Message":"Confirm Success"}`},
		{IPNOrderNotFound(), `{"RspCode":"01","Message":"Order not found"}`},
		{IPNAlreadyConfirmed(), `{"RspCode":"02","Message":"Order already confirmed"}`},
		{IPNInvalidAmount(), `{"RspCode":"04","Message":"Invalid amount"}`},
		{IPNBadChecksum(), `{"RspCode":"97","Message":"Invalid signature"}`},
		{IPNOther(), `{"RspCode":"99","Message":"Unknown error"}`},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		WriteIPNAnswer(rec, tt.answer)
		if rec.Code != 200 || rec.Body.String() != tt.body+"\n" {
			t.Errorf("%s: %d %q, want 200 %s", tt.answer.RspCode, rec.Code, rec.Body.String(), tt.body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("Content-Type = %q", ct)
		}
	}
}

func TestIPNAnswerFor(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{ErrBadSignature, "97"},
		{fmt.Errorf("%w: vnp_Amount is given 2 times", ErrBadSignature), "97"},
		{ErrMissingSignature, "97"},
		{ErrMalformed, "99"},
		{ErrNoSecret, "99"},
		{errors.New("database is locked"), "99"},
	}
	for _, tt := range tests {
		if got := IPNAnswerFor(tt.err).RspCode; got != tt.want {
			t.Errorf("IPNAnswerFor(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}
