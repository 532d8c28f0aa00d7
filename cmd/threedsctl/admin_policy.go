package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/open3ds/server/shared/threeds"
)

func init() {
	adminCommand("merchant-policy", "set a merchant's policy: merchant-policy -table T -master-key-file F -merchant ID -allow-overrides=true|false",
		func(fs *flag.FlagSet) func(context.Context, *adminFlags, []string, io.Reader, io.Writer) error {
			merchantID := fs.String("merchant", "", "merchant ID (required)")
			var allow optionalBool
			fs.Var(&allow, "allow-overrides", "let /auth override the profile's "+profileFieldList()+
				" (a payment service provider's profile); false refuses a differing value (the default)")
			return func(ctx context.Context, a *adminFlags, _ []string, _ io.Reader, out io.Writer) error {
				if *merchantID == "" || !allow.set {
					return usagef("-merchant and -allow-overrides are required")
				}
				st, err := a.store(ctx, true) // a merchant update re-seals its webhook secret
				if err != nil {
					return err
				}
				if _, err := st.UpdateMerchant(ctx, *merchantID, func(m *threeds.Merchant) error {
					m.AllowProfileOverrides, m.UpdatedAt = allow.value, time.Now()
					return nil
				}); err != nil {
					return err
				}
				state := "refused unless equal to the profile"
				if allow.value {
					state = "allowed"
				}
				fmt.Fprintf(out, "merchant %s: overrides of %s %s\n", *merchantID, profileFieldList(), state)
				return nil
			}
		})
}

func profileFieldList() string {
	names := make([]string, len(threeds.ProfileFields))
	for i, f := range threeds.ProfileFields {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

// optionalBool is a boolean flag that records whether it was given.
type optionalBool struct{ set, value bool }

func (b *optionalBool) String() string   { return fmt.Sprint(b.value) }
func (b *optionalBool) IsBoolFlag() bool { return true }
func (b *optionalBool) Set(s string) error {
	switch strings.ToLower(s) {
	case "true", "1", "yes":
		b.value = true
	case "false", "0", "no":
		b.value = false
	default:
		return fmt.Errorf("want true or false")
	}
	b.set = true
	return nil
}
