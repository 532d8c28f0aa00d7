// Package stacktest holds what the suites that drive the whole local stack
// (e2e, faulttest, the stack's own end-to-end test) share, named like
// net/http/httptest: TestMain's start and stop of a stack.Stack with its
// output captured, a client that plays the merchant, the DS posting RReqs
// and the cardholder's browser, the browser AReq body, the checks of an
// Erro answer, a webhook receiver and a throw-away PKI. Only tests import it.
package stacktest
