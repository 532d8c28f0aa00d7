package main

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/config"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// target is one Directory Server to refresh. A DS serving several schemes
// (the sandbox simulator) is loaded once with an unknown scheme, and each
// range's scheme then comes from the card number.
type target struct {
	DS     string
	Scheme emv3ds.Scheme
}

var schemes = []emv3ds.Scheme{emv3ds.SchemeVisa, emv3ds.SchemeMastercard, emv3ds.SchemeAmex}

// targets lists the DSs: each scheme with its own URL is its own DS; the
// default URL is one DS for the rest.
func targets(c config.Config) []target {
	var out []target
	shared := false
	for _, s := range schemes {
		if !c.SchemeEnabled(string(s)) {
			continue
		}
		if _, own := c.DS.SchemeURLs[string(s)]; own {
			out = append(out, target{DS: string(s), Scheme: s})
		} else {
			shared = true
		}
	}
	if shared && c.DS.URL != nil {
		out = append(out, target{DS: "default", Scheme: ""})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DS < out[j].DS })
	return out
}

type handler struct {
	svc     *threeds.CardRangeService
	log     *slog.Logger
	targets []target
	// retryWait is the pause between the deploy-time load's tries (10 s
	// when zero; customresource.go).
	retryWait time.Duration
}

// Handle refreshes every DS; one failing DS does not stop the others, and the
// invocation fails (so the schedule's retry and the error alarm see it) if any
// did.
func (h handler) Handle(ctx context.Context, _ events.CloudWatchEvent) error {
	var errs []error
	for _, t := range h.targets {
		set, err := h.svc.RefreshCardRanges(ctx, t.DS, t.Scheme)
		if err != nil {
			h.log.ErrorContext(ctx, "card range refresh failed", slog.String("ds", t.DS), slog.String("error", err.Error()))
			errs = append(errs, err)
			continue
		}
		h.log.InfoContext(ctx, "card ranges refreshed", slog.String("ds", t.DS), slog.String("serialNum", set.SerialNum), slog.Int("ranges", set.Count))
	}
	return errors.Join(errs...)
}
