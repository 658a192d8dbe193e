package main

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestGreetingDefault(t *testing.T) {
	if got := greeting(""); got != "hello from go-tested" {
		t.Fatalf("greeting(\"\") = %q", got)
	}
}

func TestHandlerUsesName(t *testing.T) {
	rec := httptest.NewRecorder()
	handler(rec, httptest.NewRequest("GET", "/?name=docker", nil))
	if body := rec.Body.String(); !strings.Contains(body, "hello from docker") {
		t.Fatalf("body = %q", body)
	}
}
