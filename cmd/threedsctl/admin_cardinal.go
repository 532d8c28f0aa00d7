package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/open3ds/server/shared/dialect/cardinal"
	"github.com/open3ds/server/shared/dialect/cardinal/cruise"
)

func init() {
	adminCommand("cardinal-credentials", "create (or -rotate) a merchant's Cardinal API identifier, OrgUnitId and API Key (shown once): cardinal-credentials -table T -master-key-file F -merchant ID [-api-id X] [-org-unit-id Y] [-rotate -overlap 24h]",
		func(fs *flag.FlagSet) func(context.Context, *adminFlags, []string, io.Reader, io.Writer) error {
			merchantID := fs.String("merchant", "", "merchant ID (required)")
			apiID := fs.String("api-id", "", "API identifier (the request JWT's iss); generated when empty; required with -rotate")
			orgUnit := fs.String("org-unit-id", "", "OrgUnitId; generated when empty")
			rotate := fs.Bool("rotate", false, "replace the API Key of -api-id; the current key keeps verifying for -overlap")
			overlap := fs.Duration("overlap", cardinal.DefaultOverlap, "how long the previous API Key stays valid after -rotate")
			return func(ctx context.Context, a *adminFlags, _ []string, _ io.Reader, out io.Writer) error {
				if *merchantID == "" {
					return usagef("-merchant is required")
				}
				if *rotate && *apiID == "" {
					return usagef("-rotate needs -api-id")
				}
				if *overlap < 0 {
					return usagef("-overlap must not be negative")
				}
				st, err := a.store(ctx, true)
				if err != nil {
					return err
				}
				v, err := a.vault(ctx)
				if err != nil {
					return err
				}
				if _, err := st.GetMerchant(ctx, *merchantID); err != nil {
					return err
				}
				key, err := cardinal.NewAPIKey()
				if err != nil {
					return err
				}
				now := time.Now().UTC()
				if *rotate {
					if err := cardinal.Rotate(ctx, st, v, *merchantID, *apiID, key, *overlap, now); err != nil {
						return err
					}
					fmt.Fprintf(out, "API identifier: %s\nnew API Key (shown once, store it now): %s\nprevious API Key valid until: %s\n",
						*apiID, key, now.Add(*overlap).Format(time.RFC3339))
					return nil
				}
				if *apiID == "" {
					if *apiID, err = cardinal.NewIdentifier(); err != nil {
						return err
					}
				}
				if *orgUnit == "" {
					if *orgUnit, err = cardinal.NewIdentifier(); err != nil {
						return err
					}
				}
				if err := cardinal.PutCredential(ctx, st, v, *merchantID, *apiID, *orgUnit, key, now); err != nil {
					return err
				}
				fmt.Fprintf(out, "API identifier: %s\nOrgUnitId: %s\nAPI Key (shown once, store it now): %s\n", *apiID, *orgUnit, key)
				return nil
			}
		})

	register("cardinal", command{
		summary: "Cardinal JWTs: cardinal jwt -api-id X -org-unit-id Y [-amount 1500 -currency 840 -order N -objectify -exp 1h -confirm-url U -jti J] | cardinal verify [-aud JTI] JWT (API Key from -api-key or THREEDS_CARDINAL_API_KEY)",
		run:     runCardinal,
	})
}

func runCardinal(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "jwt" && args[0] != "verify") {
		fmt.Fprintln(stderr, "usage: threedsctl cardinal jwt|verify [flags]")
		return 2
	}
	sub := args[0]
	fs := flag.NewFlagSet("cardinal "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	apiKey := fs.String("api-key", "", "the merchant's API Key (default $THREEDS_CARDINAL_API_KEY)")
	apiID := fs.String("api-id", os.Getenv("THREEDS_CARDINAL_API_ID"), "API identifier (iss)")
	orgUnit := fs.String("org-unit-id", os.Getenv("THREEDS_CARDINAL_ORG_UNIT_ID"), "OrgUnitId")
	jti := fs.String("jti", "", "jti (default: random)")
	ref := fs.String("reference-id", "", "ReferenceId (default: the jti)")
	order := fs.String("order", "order-1", "Payload.OrderDetails.OrderNumber")
	amount := fs.String("amount", "1500", "Payload.OrderDetails.Amount (minor units)")
	currency := fs.String("currency", "840", "Payload.OrderDetails.CurrencyCode (numeric)")
	objectify := fs.Bool("objectify", true, "ObjectifyPayload: Payload as an object (false: a JSON string)")
	exp := fs.Duration("exp", 0, "exp = iat + this (0: no exp claim)")
	confirm := fs.String("confirm-url", "", "ConfirmUrl")
	aud := fs.String("aud", "", "verify: the jti of your request JWT (aud must equal it)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	key := *apiKey
	if key == "" {
		key = os.Getenv("THREEDS_CARDINAL_API_KEY")
	}
	if key == "" {
		fmt.Fprintln(stderr, "threedsctl cardinal: -api-key or THREEDS_CARDINAL_API_KEY is required")
		return 2
	}
	now := time.Now()
	if sub == "jwt" {
		if *apiID == "" || *orgUnit == "" {
			fmt.Fprintln(stderr, "threedsctl cardinal jwt: -api-id and -org-unit-id are required")
			return 2
		}
		if *jti == "" {
			id, err := cardinal.NewIdentifier()
			if err != nil {
				fmt.Fprintln(stderr, "threedsctl cardinal jwt:", err)
				return 1
			}
			*jti = id
		}
		if *ref == "" {
			*ref = *jti
		}
		in := cruise.RequestInput{JTI: *jti, APIID: *apiID, OrgUnitID: *orgUnit, ReferenceID: *ref, ConfirmURL: *confirm, IssuedAt: now,
			Objectify: *objectify, Payload: cruise.RequestPayload{OrderDetails: cruise.OrderDetails{OrderNumber: *order,
				Amount: json.Number(*amount), CurrencyCode: json.Number(*currency)}}}
		if *exp > 0 {
			in.ExpiresAt = now.Add(*exp)
		}
		tok, err := cruise.NewRequest(in, []byte(key))
		if err != nil {
			fmt.Fprintln(stderr, "threedsctl cardinal jwt:", err)
			return 1
		}
		fmt.Fprintln(stdout, tok)
		fmt.Fprintf(stderr, "jti: %s\n", *jti)
		return 0
	}
	tok := strings.TrimSpace(strings.Join(fs.Args(), ""))
	if tok == "" {
		b, _ := io.ReadAll(io.LimitReader(stdin, 64<<10))
		tok = strings.TrimSpace(string(b))
	}
	r, err := cruise.VerifyResponse(tok, []byte(key), *aud, now)
	if err != nil {
		fmt.Fprintln(stderr, "threedsctl cardinal verify:", err)
		return 1
	}
	out, _ := json.MarshalIndent(map[string]any{"iss": r.Issuer, "jti": r.JTI, "aud": r.Audience, "iat": r.IssuedAt.Unix(),
		"exp": r.ExpiresAt.Unix(), "ConsumerSessionId": r.ConsumerSessionID, "ObjectifyPayload": r.Objectify, "Payload": r.Payload}, "", "  ")
	fmt.Fprintln(stdout, string(out))
	return 0
}
