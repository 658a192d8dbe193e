package main

import (
	"html/template"
	"net/http"
	"os"
	"path/filepath"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t, _ := template.ParseFiles(templatePath("index.tpl"))
		t.Execute(w, "snack")
	})
	http.ListenAndServe(":8083", nil)
}

func templatePath(f string) string {
	return filepath.Join(os.Getenv("TEMPLATE_DIR"), f)
}
