package store

import "testing"

func TestStore(t *testing.T) {}
