<title>{{.}}</title>
