package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
)

// LocalOrigins are the allowed origins of the seeded merchants: a
// developer's checkout on any local port may frame the browser pages.
var LocalOrigins = []string{"http://127.0.0.1:*", "http://localhost:*"}

func mergeOrigins(have, add []string) []string {
	out := append([]string(nil), have...)
	for _, o := range add {
		if !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out
}

// seed creates the two development merchants and their keys (kept when the
// data directory already has them) and loads the simulator's card ranges.
func (s *Stack) seed(ctx context.Context, v *vault.Vault) error {
	if s.cfg.NewStore == nil {
		return errors.New("stack: no store to seed merchants into (Config.NewStore)")
	}
	store, err := s.cfg.NewStore(s.ddb.Client(), TableName, v)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	sinkURL := s.URL + "/_local/webhooks/sink"
	seeds := []struct {
		id, name, key, url, secret string
	}{
		{"merchant-1", "Local Shop One", s.cfg.APIKey, s.cfg.WebhookURL, s.cfg.WebhookSecret},
		{"merchant-2", "Local Shop Two", s.cfg.APIKey2, "", ""},
	}
	now := time.Now().UTC()
	for i, m := range seeds {
		if m.url == "" {
			m.url = sinkURL
		}
		if m.secret == "" {
			if m.secret, err = vault.NewSecret(32); err != nil {
				return err
			}
		}
		merchant := &threeds.Merchant{
			ID:                 m.id,
			Name:               m.name,
			AcquirerBIN:        "40000" + fmt.Sprint(i+1),
			AcquirerMerchantID: fmt.Sprintf("LOCAL-MERCHANT-%d", i+1),
			MCC:                "5411",
			Country:            "840",
			RequestorID:        fmt.Sprintf("open3ds-local-%d", i+1),
			RequestorName:      m.name,
			RequestorURL:       fmt.Sprintf("https://merchant-%d.example.com", i+1),
			AllowedOrigins:     LocalOrigins,
			// merchant-1 is a payment service provider's profile: /auth may
			// set the acquirer and requestor identity (Hyperswitch sends its
			// own); merchant-2 keeps the default policy (threeds.CheckProfileOverrides).
			AllowProfileOverrides: i == 0,
			WebhookURL:            m.url,
			WebhookSecret:         m.secret,
			CreatedAt:             now,
			UpdatedAt:             now,
		}
		existing, err := store.GetMerchant(ctx, m.id)
		switch {
		case err == nil:
			// Kept from an earlier run: point its webhooks where this run says.
			if _, err := store.UpdateMerchant(ctx, m.id, func(x *threeds.Merchant) error {
				x.WebhookURL, x.WebhookSecret, x.UpdatedAt = m.url, m.secret, now
				x.AllowedOrigins = mergeOrigins(x.AllowedOrigins, LocalOrigins)
				return nil
			}); err != nil {
				return fmt.Errorf("update merchant %s: %w", m.id, err)
			}
			_ = existing
		case errors.Is(err, threeds.ErrMerchantNotFound):
			if err := store.CreateMerchant(ctx, merchant); err != nil {
				return fmt.Errorf("create merchant %s: %w", m.id, err)
			}
		default:
			return fmt.Errorf("get merchant %s: %w", m.id, err)
		}
		s.sink.addSecret(m.secret)

		key := m.key
		if key == "" {
			if key, _, err = vault.NewAPIKey(); err != nil {
				return err
			}
		}
		hash := vault.HashAPIKey(key)
		if _, err := store.LookupAPIKey(ctx, hash); errors.Is(err, threeds.ErrAPIKeyNotFound) {
			if err := store.CreateAPIKey(ctx, &threeds.APIKey{ID: fmt.Sprintf("key-%d-%d", i+1, now.UnixNano()), MerchantID: m.id, Hash: hash,
				Prefix: vault.DisplayPrefix(key), Name: "make run", CreatedAt: now}); err != nil {
				return fmt.Errorf("create API key for %s: %w", m.id, err)
			}
		} else if err != nil {
			return fmt.Errorf("look up API key for %s: %w", m.id, err)
		}
		s.Merchants = append(s.Merchants, MerchantInfo{ID: m.id, Name: m.name, APIKey: key, WebhookURL: m.url})
	}
	if err := s.seedUAS(ctx, store); err != nil {
		return err
	}
	if err := s.seedJuspay(ctx, store, v); err != nil {
		return err
	}
	if err := s.seedWorldpay(ctx, store, v); err != nil {
		return err
	}
	if s.cfg.NoCardRangeLoad {
		return nil
	}
	return s.loadCardRanges(ctx, store)
}

// loadCardRanges runs the real card-range refresh (CardRangesFunction with a
// scheduled event: PReq to the simulator, PRes into the table); without that
// function it stores the simulator's ranges directly.
func (s *Stack) loadCardRanges(ctx context.Context, store threeds.CardRangeStore) error {
	if fn := s.fns[cardRangeFunction]; fn != nil {
		event, _ := json.Marshal(map[string]any{
			"version": "0", "id": "local-refresh", "detail-type": "Scheduled Event", "source": "aws.events",
			"account": "123456789012", "time": time.Now().UTC().Format(time.RFC3339), "region": "us-east-1",
			"resources": []string{"arn:aws:events:us-east-1:123456789012:rule/local-card-range-refresh"}, "detail": map[string]any{},
		})
		if _, err := fn.Invoke(ctx, event); err != nil {
			return fmt.Errorf("card range refresh (CardRangesFunction): %w", err)
		}
		return nil
	}
	if s.Sim == nil {
		return errors.New("no CardRangesFunction to load the card ranges with")
	}
	s.logger.Warn("no CardRangesFunction: loading the simulator's card ranges directly")
	loads := map[emv3ds.Scheme]*threeds.CardRangeLoad{}
	for _, r := range s.Sim.CardRanges() {
		scheme := emv3ds.SchemeForPAN(emv3ds.PAN(r.StartRange))
		l := loads[scheme]
		if l == nil {
			l = &threeds.CardRangeLoad{DS: string(scheme), Scheme: scheme, SerialNum: s.Sim.SerialNum(), Full: true}
			loads[scheme] = l
		}
		infos := make([]string, len(r.ACSInfoInd))
		for i, x := range r.ACSInfoInd {
			infos[i] = string(x)
		}
		l.Changes = append(l.Changes, threeds.CardRangeChange{Range: threeds.CardRange{
			Start: r.StartRange, End: r.EndRange,
			ACSStartVersion: r.ACSStartProtocolVersion, ACSEndVersion: r.ACSEndProtocolVersion,
			DSStartVersion: r.DSStartProtocolVersion, DSEndVersion: r.DSEndProtocolVersion,
			ThreeDSMethodURL: r.ThreeDSMethodURL, ACSInfoInd: infos,
		}})
	}
	for _, l := range loads {
		if err := store.LoadRanges(ctx, *l); err != nil {
			return fmt.Errorf("load %s card ranges: %w", l.DS, err)
		}
	}
	return nil
}
