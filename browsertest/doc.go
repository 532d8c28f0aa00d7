// Package browsertest drives Chromium (Debian's chromium, headless, through
// github.com/chromedp/chromedp) against a local stack: the demo checkout
// (/_local/checkout), a minimal merchant page on another origin that uses
// only /js/threeds.js, and the console. Each scenario of the simulator runs
// as a cardholder would run it; a failing test saves a screenshot in its
// artifact directory (go test -artifacts keeps it).
package browsertest
