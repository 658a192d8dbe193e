package uuid

func New() [16]byte { return [16]byte{} }
