module example.com/go-tested

go 1.22
