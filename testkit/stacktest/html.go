package stacktest

import (
	"html"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	formActionRE = regexp.MustCompile(`<form[^>]*action="([^"]*)"`)
	hiddenRE     = regexp.MustCompile(`<input[^>]*type="hidden"[^>]*name="([^"]*)"[^>]*value="([^"]*)"`)
)

// Page is an HTML answer.
type Page struct {
	Status int
	HTML   string
}

// Form returns the first form's action and its hidden fields, failing the
// test when the page has no form.
func (p Page) Form(t testing.TB) (string, url.Values) {
	t.Helper()
	m := formActionRE.FindStringSubmatch(p.HTML)
	require.NotNil(t, m, "no form in page:\n%s", p.HTML)
	v := url.Values{}
	for _, in := range hiddenRE.FindAllStringSubmatch(p.HTML, -1) {
		v.Set(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	return html.UnescapeString(m[1]), v
}

// Attr returns an attribute of the element with the given id, failing the
// test when either is missing.
func (p Page) Attr(t testing.TB, id, name string) string {
	t.Helper()
	el := regexp.MustCompile(`<[^>]*id="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindString(p.HTML)
	require.NotEmpty(t, el, "no element #%s in page:\n%s", id, p.HTML)
	m := regexp.MustCompile(regexp.QuoteMeta(name) + `="([^"]*)"`).FindStringSubmatch(el)
	require.NotNil(t, m, "no %s on #%s: %s", name, id, el)
	return html.UnescapeString(m[1])
}
