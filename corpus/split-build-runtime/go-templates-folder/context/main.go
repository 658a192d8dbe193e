package main

import "html/template"

var t = template.Must(template.ParseGlob("templates/*.html"))

func main() {}
