package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
)

func init() {
	adminCommand("merchant-create", "create a merchant: merchant-create -table T -name N -acquirer-bin B -acquirer-merchant-id M -mcc 5411 -country 840 …",
		func(fs *flag.FlagSet) func(context.Context, *adminFlags, []string, io.Reader, io.Writer) error {
			var m threeds.Merchant
			var schemes, origins string
			fs.StringVar(&m.ID, "id", "", "merchant ID (default: a new UUID)")
			fs.StringVar(&m.Name, "name", "", "merchantName (required)")
			fs.StringVar(&m.AcquirerBIN, "acquirer-bin", "", "acquirerBIN (required)")
			fs.StringVar(&m.AcquirerMerchantID, "acquirer-merchant-id", "", "acquirerMerchantID (required)")
			fs.StringVar(&m.MCC, "mcc", "", "merchant category code, 4 digits (required)")
			fs.StringVar(&m.Country, "country", "", "merchantCountryCode, ISO 3166-1 numeric (required)")
			fs.StringVar(&m.AcquirerCountry, "acquirer-country", "", "2.3.1 acquirerCountryCode, ISO 3166-1 numeric (default: -country)")
			fs.StringVar(&m.RequestorID, "requestor-id", "", "threeDSRequestorID")
			fs.StringVar(&m.RequestorName, "requestor-name", "", "threeDSRequestorName")
			fs.StringVar(&m.RequestorURL, "requestor-url", "", "threeDSRequestorURL (the merchant's site)")
			fs.StringVar(&schemes, "schemes", "", "allowed schemes, comma separated (default: all)")
			fs.BoolVar(&m.AllowProfileOverrides, "allow-overrides", false, "let /auth override "+profileFieldList()+" (a PSP profile)")
			fs.StringVar(&origins, "origins", "", "web origins that may frame our browser pages, comma separated (https://shop.example.com, http://localhost:*)")
			fs.BoolVar(&m.RestrictReturnURL, "restrict-return-url", false, "refuse an /auth returnURL outside -origins")
			return func(ctx context.Context, a *adminFlags, _ []string, _ io.Reader, out io.Writer) error {
				if m.ID == "" {
					m.ID = uuid.NewString()
				}
				m.AllowedOrigins = splitList(origins)
				for _, s := range strings.Split(schemes, ",") {
					if s = strings.TrimSpace(s); s != "" {
						m.AllowedSchemes = append(m.AllowedSchemes, emv3ds.Scheme(strings.ToLower(s)))
					}
				}
				if err := validateMerchant(&m); err != nil {
					return err
				}
				st, err := a.store(ctx, false)
				if err != nil {
					return err
				}
				now := time.Now()
				m.CreatedAt, m.UpdatedAt = now, now
				if err := st.CreateMerchant(ctx, &m); err != nil {
					return err
				}
				fmt.Fprintf(out, "merchant %s created\n", m.ID)
				return nil
			}
		})

	adminCommand("merchant-list", "list merchants: merchant-list -table T",
		func(fs *flag.FlagSet) func(context.Context, *adminFlags, []string, io.Reader, io.Writer) error {
			return func(ctx context.Context, a *adminFlags, _ []string, _ io.Reader, out io.Writer) error {
				st, err := a.store(ctx, false)
				if err != nil {
					return err
				}
				ms, err := st.ListMerchants(ctx)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tNAME\tACQUIRER BIN\tACQUIRER MERCHANT ID\tMCC\tCOUNTRY\tREQUESTOR ID\tSCHEMES\tOVERRIDES\tORIGINS\tWEBHOOK URL")
				for _, m := range ms {
					var sc []string
					for _, s := range m.AllowedSchemes {
						sc = append(sc, string(s))
					}
					overrides := "refused"
					if m.AllowProfileOverrides {
						overrides = "allowed"
					}
					origins := strings.Join(m.AllowedOrigins, ",")
					if m.RestrictReturnURL && origins != "" {
						origins += " (returnURL restricted)"
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.ID, orDash(m.Name), orDash(m.AcquirerBIN), orDash(m.AcquirerMerchantID),
						orDash(m.MCC), orDash(m.Country), orDash(m.RequestorID), orDash(strings.Join(sc, ",")), overrides, orDash(origins), orDash(m.WebhookURL))
				}
				return w.Flush()
			}
		})

	adminCommand("merchant-origins", "set the web origins that may frame a merchant's browser pages: merchant-origins -table T -merchant ID -origins 'https://shop.example.com,http://localhost:*' [-restrict-return-url]",
		func(fs *flag.FlagSet) func(context.Context, *adminFlags, []string, io.Reader, io.Writer) error {
			merchantID := fs.String("merchant", "", "merchant ID (required)")
			origins := fs.String("origins", "", "comma-separated origins; empty clears the list (only our own origin may frame the pages)")
			restrict := fs.Bool("restrict-return-url", false, "refuse an /auth returnURL outside the origins")
			return func(ctx context.Context, a *adminFlags, _ []string, _ io.Reader, out io.Writer) error {
				if *merchantID == "" {
					return usagef("-merchant is required")
				}
				list := splitList(*origins)
				if err := threeds.CheckOrigins(list); err != nil {
					return usagef("-origins: %v", err)
				}
				if *restrict && len(list) == 0 {
					return usagef("-restrict-return-url needs -origins")
				}
				st, err := a.store(ctx, true)
				if err != nil {
					return err
				}
				if _, err = st.UpdateMerchant(ctx, *merchantID, func(m *threeds.Merchant) error {
					m.AllowedOrigins, m.RestrictReturnURL, m.UpdatedAt = list, *restrict, time.Now()
					return nil
				}); err != nil {
					return err
				}
				fmt.Fprintf(out, "merchant %s: %d allowed origins\n", *merchantID, len(list))
				return nil
			}
		})

	adminCommand("merchant-webhook", "set a merchant's webhook URL and secret: merchant-webhook -table T -merchant ID -url URL [-secret-file F | -generate-secret]",
		func(fs *flag.FlagSet) func(context.Context, *adminFlags, []string, io.Reader, io.Writer) error {
			merchantID := fs.String("merchant", "", "merchant ID (required)")
			hookURL := fs.String("url", "", "webhook URL, https (http only for loopback)")
			secretFile := fs.String("secret-file", "", "file holding the signing secret ('-' reads stdin)")
			generate := fs.Bool("generate-secret", false, "generate a secret and print it once")
			return func(ctx context.Context, a *adminFlags, _ []string, stdin io.Reader, out io.Writer) error {
				if *merchantID == "" || *hookURL == "" {
					return usagef("-merchant and -url are required")
				}
				if err := checkWebhookURL(*hookURL); err != nil {
					return err
				}
				if (*secretFile == "") == !*generate {
					return usagef("give exactly one of -secret-file and -generate-secret")
				}
				var secret string
				switch {
				case *generate:
					s, err := vault.NewSecret(32)
					if err != nil {
						return err
					}
					secret = "whsec_" + s
				case *secretFile == "-":
					line, err := bufio.NewReader(stdin).ReadString('\n')
					if err != nil && err != io.EOF {
						return err
					}
					secret = strings.TrimSpace(line)
				default:
					b, err := os.ReadFile(*secretFile)
					if err != nil {
						return err
					}
					secret = strings.TrimSpace(string(b))
				}
				if len(secret) < 16 {
					return usagef("the webhook secret must have at least 16 characters")
				}
				st, err := a.store(ctx, true)
				if err != nil {
					return err
				}
				_, err = st.UpdateMerchant(ctx, *merchantID, func(m *threeds.Merchant) error {
					m.WebhookURL, m.WebhookSecret, m.UpdatedAt = *hookURL, secret, time.Now()
					return nil
				})
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "merchant %s: webhook URL set, secret stored encrypted\n", *merchantID)
				if *generate {
					fmt.Fprintf(out, "webhook secret (shown once): %s\n", secret)
				}
				return nil
			}
		})
}

func validateMerchant(m *threeds.Merchant) error {
	var bad []string
	if strings.TrimSpace(m.Name) == "" || len(m.Name) > 40 {
		bad = append(bad, "-name (1–40 characters)")
	}
	if !isDigits(m.AcquirerBIN) || len(m.AcquirerBIN) > 11 {
		bad = append(bad, "-acquirer-bin (up to 11 digits)")
	}
	if m.AcquirerMerchantID == "" || len(m.AcquirerMerchantID) > 35 {
		bad = append(bad, "-acquirer-merchant-id (1–35 characters)")
	}
	if !isDigits(m.MCC) || len(m.MCC) != 4 {
		bad = append(bad, "-mcc (4 digits)")
	}
	if !isDigits(m.Country) || len(m.Country) != 3 {
		bad = append(bad, "-country (3 digits, ISO 3166-1 numeric)")
	}
	if m.AcquirerCountry != "" && !emv3ds.ValidCountry(m.AcquirerCountry) {
		bad = append(bad, "-acquirer-country (3 digits, ISO 3166-1 numeric)")
	}
	if strings.ContainsAny(m.ID, "# ") {
		bad = append(bad, "-id (no '#' or spaces)")
	}
	for _, s := range m.AllowedSchemes {
		switch s {
		case emv3ds.SchemeVisa, emv3ds.SchemeMastercard, emv3ds.SchemeAmex, emv3ds.SchemeDiscover, emv3ds.SchemeJCB, emv3ds.SchemeUnionPay, emv3ds.SchemeMir:
		default:
			bad = append(bad, "-schemes (visa, mastercard, amex, discover, jcb, unionpay, mir)")
		}
	}
	if threeds.CheckOrigins(m.AllowedOrigins) != nil {
		bad = append(bad, "-origins (scheme://host[:port], port * for any)")
	}
	if len(bad) > 0 {
		return usagef("invalid or missing: %s", strings.Join(bad, ", "))
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func checkWebhookURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLocal(s))) {
		return usagef("-url must be an absolute https URL (http only for loopback)")
	}
	return nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
