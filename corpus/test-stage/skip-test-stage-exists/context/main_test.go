package main

import "testing"

func TestGreet(t *testing.T) {
	if greet() != "hi" {
		t.Fatal("greet")
	}
}
