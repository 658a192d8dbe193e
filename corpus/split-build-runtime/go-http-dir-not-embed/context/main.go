package main

import (
	"embed"
	"net/http"
)

//go:embed assets
var assets embed.FS

func main() {
	http.Handle("/assets/", http.FileServer(http.FS(assets)))
	http.Handle("/", http.FileServer(http.Dir("./public")))
	http.ListenAndServe(":8080", nil)
}
