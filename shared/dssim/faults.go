package dssim

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// FaultKind is a way of breaking a DS answer on purpose.
type FaultKind string

// Fault kinds.
const (
	// FaultGarbage answers 200 application/json with bytes that are not JSON.
	FaultGarbage FaultKind = "garbage"
	// FaultTruncated answers 200 with the first half of the real answer.
	FaultTruncated FaultKind = "truncated"
)

// Request headers (or query parameters dssimFault, dssimDelay on the DS URL)
// that inject a fault into the answer of that one request.
const (
	FaultHeader = "X-Dssim-Fault" // garbage | truncated
	DelayHeader = "X-Dssim-Delay" // a Go duration ("750ms") added before answering
)

// Fault breaks or delays the DS answers of a scenario (Config.Faults) or of
// one request (FaultHeader, DelayHeader).
type Fault struct {
	Kind  FaultKind     // "" answers normally
	Delay time.Duration // added before the answer is written
}

// garbageBody is deliberately not JSON (and not UTF-8).
var garbageBody = []byte("\x00\xffdssim<garbage>{\"messageType\":")

// faultFor combines the scenario's configured fault with the request's
// headers; the request wins. A bad header value is reported as an error so
// the caller can answer 400 instead of guessing.
func (s *Simulator) faultFor(r *http.Request, ss Scenario) (Fault, error) {
	f := s.cfg.Faults[string(ss)]
	kind := r.Header.Get(FaultHeader)
	if kind == "" {
		kind = r.URL.Query().Get("dssimFault")
	}
	switch FaultKind(kind) {
	case "":
	case FaultGarbage, FaultTruncated:
		f.Kind = FaultKind(kind)
	default:
		return f, fmt.Errorf("%s must be %q or %q", FaultHeader, FaultGarbage, FaultTruncated)
	}
	delay := r.Header.Get(DelayHeader)
	if delay == "" {
		delay = r.URL.Query().Get("dssimDelay")
	}
	if delay != "" {
		d, err := time.ParseDuration(delay)
		if err != nil || d < 0 {
			return f, fmt.Errorf("%s must be a non-negative Go duration such as 750ms", DelayHeader)
		}
		f.Delay = d
	}
	if f.Delay > s.cfg.HoldTimeout {
		f.Delay = s.cfg.HoldTimeout
	}
	return f, nil
}

// apply mangles an encoded answer according to the fault.
func (f Fault) apply(body []byte) []byte {
	switch f.Kind {
	case FaultGarbage:
		return garbageBody
	case FaultTruncated:
		return body[:len(body)/2]
	}
	return body
}

// sleep waits d, or less when the request ends or the simulator closes.
// It reports whether the full time passed.
func (s *Simulator) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.closing:
		return false
	}
}

// timing writes Server-Timing (the simulator's own processing time up to the
// first header write) on every response.
func timing(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&timingWriter{ResponseWriter: w, start: time.Now()}, r)
	})
}

type timingWriter struct {
	http.ResponseWriter
	start time.Time
	wrote bool
}

func (t *timingWriter) WriteHeader(code int) {
	if !t.wrote {
		t.wrote = true
		ms := float64(time.Since(t.start).Microseconds()) / 1000
		t.Header().Set("Server-Timing", "dssim;desc=\"simulator processing\";dur="+strconv.FormatFloat(ms, 'f', 3, 64))
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *timingWriter) Write(b []byte) (int, error) {
	if !t.wrote {
		t.WriteHeader(http.StatusOK)
	}
	return t.ResponseWriter.Write(b)
}

// Flush lets held responses stream if a handler ever needs it.
func (t *timingWriter) Flush() {
	if f, ok := t.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
