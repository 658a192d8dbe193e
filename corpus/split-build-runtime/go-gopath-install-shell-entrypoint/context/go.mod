module github.com/acme/servants/snack

go 1.17
