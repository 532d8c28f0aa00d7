package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/events"
)

// physicalID names the deploy-time load; it never changes, so an update
// never makes CloudFormation delete the "old" resource.
const physicalID = "open3ds-card-ranges-initial-load"

// Entry is the function's entry point: a CloudFormation custom resource
// request (CardRangesInitialLoad, at deploy time) or the scheduled event.
func (h handler) Entry(ctx context.Context, raw json.RawMessage) error {
	var probe struct{ RequestType, ResponseURL string }
	if json.Unmarshal(raw, &probe) == nil && probe.RequestType != "" && probe.ResponseURL != "" {
		var ev cfn.Event
		if err := json.Unmarshal(raw, &ev); err != nil {
			return fmt.Errorf("custom resource event: %w", err)
		}
		return h.customResource(ctx, ev)
	}
	var ev events.CloudWatchEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return errors.New("cardranges: the event is neither a schedule event nor a CloudFormation custom resource request")
	}
	return h.Handle(ctx, ev)
}

// customResource loads the card ranges on Create and Update and answers
// CloudFormation on the request's pre-signed ResponseURL. It answers SUCCESS
// even when a DS cannot be reached: a deploy must not roll back because a
// Directory Server is not reachable yet (the schedule retries and the error
// alarm fires); the outcome is in the response's Data.Loaded and Reason. A
// Delete does nothing (the ranges go with the table).
func (h handler) customResource(ctx context.Context, ev cfn.Event) error {
	resp := cfn.Response{
		Status: cfn.StatusSuccess, RequestID: ev.RequestID, LogicalResourceID: ev.LogicalResourceID,
		StackID: ev.StackID, PhysicalResourceID: physicalID, Data: map[string]any{},
	}
	if ev.RequestType == cfn.RequestCreate || ev.RequestType == cfn.RequestUpdate {
		// Keep time to answer: CloudFormation waits for the answer, not for
		// the invocation.
		loadCtx := ctx
		if dl, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			loadCtx, cancel = context.WithDeadline(ctx, dl.Add(-15*time.Second))
			defer cancel()
		}
		if err := h.loadWithRetries(loadCtx); err != nil {
			h.log.ErrorContext(ctx, "deploy-time card range load failed; the schedule retries", slog.String("error", err.Error()))
			resp.Data["Loaded"] = "false"
			resp.Reason = "card ranges not loaded yet (see the function's log; the schedule retries): " + truncate(err.Error(), 300)
		} else {
			resp.Data["Loaded"] = "true"
		}
	}
	return h.respond(ctx, ev.ResponseURL, resp)
}

// loadAttempts bounds the deploy-time load's tries; the schedule takes over
// after them.
const loadAttempts = 5

// loadWithRetries runs the refresh, trying again a few times: at deploy time
// the DS may not be reachable for the first seconds (in the sandbox, API
// Gateway's permission to invoke the simulator can lag its stage).
func (h handler) loadWithRetries(ctx context.Context) error {
	wait := h.retryWait
	if wait <= 0 {
		wait = 10 * time.Second
	}
	var err error
	for attempt := 1; attempt <= loadAttempts; attempt++ {
		if err = h.Handle(ctx, events.CloudWatchEvent{}); err == nil {
			return nil
		}
		if attempt == loadAttempts {
			break
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
	}
	return err
}

// respond PUTs the answer to the pre-signed URL (no Content-Type: the URL's
// signature does not cover one).
func (h handler) respond(ctx context.Context, url string, resp cfn.Response) error {
	body, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("custom resource response: %w", err)
	}
	req.Header.Del("Content-Type")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("custom resource response: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("custom resource response: HTTP %d", res.StatusCode)
	}
	h.log.InfoContext(ctx, "answered CloudFormation", slog.String("status", string(resp.Status)), slog.Any("loaded", resp.Data["Loaded"]))
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
