package browser

// WindowSize is an EMV challengeWindowSize and the iframe it asks for.
type WindowSize struct {
	Code          string
	Width, Height int // CSS pixels; 0 for 05 (the whole container)
}

// WindowSizes are the five EMV challenge window sizes, as threeds.js
// sizes its iframe.
var WindowSizes = []WindowSize{
	{"01", 250, 400}, {"02", 390, 400}, {"03", 500, 600}, {"04", 600, 400}, {"05", 0, 0},
}

// AutoWindowSize is the size threeds.js picks for windowSize "auto" in a
// container (or viewport) width px wide.
func AutoWindowSize(width int) string {
	switch {
	case width <= 400:
		return "01"
	case width < 500:
		return "02"
	case width < 600:
		return "03"
	}
	return "04"
}

// ValidWindowSize reports whether code is 01 to 05.
func ValidWindowSize(code string) bool {
	for _, s := range WindowSizes {
		if s.Code == code {
			return true
		}
	}
	return false
}
