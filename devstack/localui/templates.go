package localui

import (
	_ "embed"
	"html/template"
)

//go:embed pages.html
var pagesHTML string

//go:embed checkout.js
var checkoutJS string

var pages = template.Must(template.New("localui").Funcs(template.FuncMap{
	// The checkout script is ours, embedded at build time.
	"checkoutJS": func() template.JS { return template.JS(checkoutJS) },
}).Parse(pagesHTML))
