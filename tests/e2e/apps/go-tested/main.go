package main

import (
	"fmt"
	"log"
	"net/http"
)

// greeting is what the server answers on every path.
func greeting(name string) string {
	if name == "" {
		name = "go-tested"
	}
	return fmt.Sprintf("hello from %s", name)
}

func handler(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintln(w, greeting(r.URL.Query().Get("name")))
}

func main() {
	http.HandleFunc("/", handler)
	log.Println("listening on :8080")
	log.Fatal(http.ListenAndServe(":8080", nil))
}
