package stack

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/open3ds/server/shared/dssim"
)

// PrintSummary writes what a developer needs to use the running stack.
func (s *Stack) PrintSummary(w io.Writer) {
	fmt.Fprintf(w, "\nopen3ds is running\n\n")
	fmt.Fprintf(w, "  Base URL          %s   (GET /health, POST /preauth /auth /postauth)\n", s.URL)
	for _, m := range s.Merchants {
		fmt.Fprintf(w, "  %-17s %s   (Authorization: Bearer <key> or APIKey: <key>)\n", m.ID+" key", m.APIKey)
		fmt.Fprintf(w, "  %-17s %s\n", m.ID+" webhooks", m.WebhookURL)
	}
	if s.UASBaseURL != "" {
		fmt.Fprintf(w, "  %-17s %s   (Hyperswitch UAS base URL, authenticate_by=juspaythreedsserver)\n", "merchant-1 UAS", s.UASBaseURL)
	}
	s.printJuspay(w)
	if wp := s.Worldpay; wp.Username != "" {
		fmt.Fprintf(w, "  %-17s entity %s  user %s  password %s   (POST /verifications/customers/3ds/…, HTTP Basic)\n", wp.MerchantID+" worldpay", wp.Entity, wp.Username, wp.Password)
	}
	if c := s.Cardinal; c.APIID != "" {
		fmt.Fprintf(w, "  %-17s API identifier %s   OrgUnitId %s   API Key %s   (POST /cardinal/lookup /cardinal/authenticate)\n", c.MerchantID+" cardinal", c.APIID, c.OrgUnitID, c.APIKey)
		fmt.Fprintf(w, "  %-17s %s/js/cardinal.js   (Songbird names: Cardinal.setup/start/continue)\n", "cardinal.js", s.URL)
	}
	fmt.Fprintf(w, "  Demo checkout     %s/_local/checkout   (threeds.js in a card form; OTP 1234)\n", s.URL)
	fmt.Fprintf(w, "  Console           %s/_local/console    (transactions and their timelines)\n", s.URL)
	fmt.Fprintf(w, "  Webhook sink      %s/_local/webhooks\n", s.URL)
	fmt.Fprintf(w, "  Dead letters      %s/_local/dead-letters\n", s.URL)
	fmt.Fprintf(w, "  DynamoDB Local    %s   table %s   (aws dynamodb scan --endpoint-url %s --table-name %s)\n", s.DDBEndpoint, s.Table, s.DDBEndpoint, s.Table)
	fmt.Fprintf(w, "  Simulator         %s   (DS endpoint %s)\n", s.SimulatorURL(), s.SimulatorURL()+"/ds")
	if s.cfg.DataDir != "" {
		fmt.Fprintf(w, "  Data directory    %s\n", s.cfg.DataDir)
	} else {
		fmt.Fprintf(w, "  Data              in memory (make run DATA=dir keeps it)\n")
	}
	fmt.Fprintf(w, "\nTest cards (any future expiry; challenge OTP 1234):\n\n")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  SS\tScheme\tPAN\tBehaviour")
	for _, c := range dssim.TestCards() {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", c.Scenario, c.Scheme, c.PAN, c.Behaviour)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\nCtrl-C stops everything.\n")
}
