package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// presFile is the part of a PRes (2.1.0–2.3.1) that card ranges come from.
// It is decoded here rather than with emv3ds so that an operator can load a
// DS's file as it was saved.
type presFile struct {
	MessageType            string         `json:"messageType"`
	SerialNum              string         `json:"serialNum"`
	DSStartProtocolVersion emv3ds.Version `json:"dsStartProtocolVersion"`
	DSEndProtocolVersion   emv3ds.Version `json:"dsEndProtocolVersion"`
	CardRangeData          []struct {
		StartRange              string         `json:"startRange"`
		EndRange                string         `json:"endRange"`
		ActionInd               string         `json:"actionInd"`
		ACSStartProtocolVersion emv3ds.Version `json:"acsStartProtocolVersion"`
		ACSEndProtocolVersion   emv3ds.Version `json:"acsEndProtocolVersion"`
		DSStartProtocolVersion  emv3ds.Version `json:"dsStartProtocolVersion"`
		DSEndProtocolVersion    emv3ds.Version `json:"dsEndProtocolVersion"`
		ThreeDSMethodURL        string         `json:"threeDSMethodURL"`
		ACSInfoInd              []string       `json:"acsInfoInd"`
		ACSProtocolVersions     []struct {
			Version          emv3ds.Version `json:"version"`
			ThreeDSMethodURL string         `json:"threeDSMethodURL"`
			ACSInfoInd       []string       `json:"acsInfoInd"`
		} `json:"acsProtocolVersions"`
	} `json:"cardRangeData"`
}

// loadFromPRes turns a PRes into a card-range load for ds.
func loadFromPRes(data []byte, ds string, scheme emv3ds.Scheme, full bool) (threeds.CardRangeLoad, error) {
	var p presFile
	if err := json.Unmarshal(data, &p); err != nil {
		return threeds.CardRangeLoad{}, fmt.Errorf("PRes is not valid JSON: %w", err)
	}
	if p.MessageType != "" && p.MessageType != string(emv3ds.MessageTypePRes) {
		return threeds.CardRangeLoad{}, fmt.Errorf("messageType is %q, not PRes", p.MessageType)
	}
	load := threeds.CardRangeLoad{DS: ds, Scheme: scheme, SerialNum: p.SerialNum, Full: full}
	for _, c := range p.CardRangeData {
		r := threeds.CardRange{
			Start: c.StartRange, End: c.EndRange, ACSStartVersion: c.ACSStartProtocolVersion, ACSEndVersion: c.ACSEndProtocolVersion,
			DSStartVersion: c.DSStartProtocolVersion, DSEndVersion: c.DSEndProtocolVersion, ThreeDSMethodURL: c.ThreeDSMethodURL, ACSInfoInd: c.ACSInfoInd,
		}
		// 2.1.0 gives the DS versions once, for every range
		if r.DSStartVersion == "" {
			r.DSStartVersion = p.DSStartProtocolVersion
		}
		if r.DSEndVersion == "" {
			r.DSEndVersion = p.DSEndProtocolVersion
		}
		for _, v := range c.ACSProtocolVersions {
			r.ACSProtocolVersions = append(r.ACSProtocolVersions, threeds.ACSProtocolVersion{Version: v.Version, ThreeDSMethodURL: v.ThreeDSMethodURL, ACSInfoInd: v.ACSInfoInd})
		}
		load.Changes = append(load.Changes, threeds.CardRangeChange{Action: c.ActionInd, Range: r})
	}
	return load, nil
}

func init() {
	adminCommand("cardranges-load", "load card ranges from a PRes file: cardranges-load -table T -ds visa -file pres.json [-incremental]",
		func(fs *flag.FlagSet) func(context.Context, *adminFlags, []string, io.Reader, io.Writer) error {
			ds := fs.String("ds", "", "Directory Server the PRes came from, e.g. visa (required)")
			scheme := fs.String("scheme", "", "card scheme of that DS (default: the -ds value)")
			file := fs.String("file", "", "PRes JSON file ('-' reads stdin) (required)")
			incremental := fs.Bool("incremental", false, "apply the PRes as changes (actionInd A/M/D) instead of replacing the DS's ranges")
			return func(ctx context.Context, a *adminFlags, _ []string, stdin io.Reader, out io.Writer) error {
				if *ds == "" || *file == "" {
					return usagef("-ds and -file are required")
				}
				var data []byte
				var err error
				if *file == "-" {
					data, err = io.ReadAll(io.LimitReader(stdin, 256<<20))
				} else {
					data, err = os.ReadFile(*file)
				}
				if err != nil {
					return err
				}
				sc := emv3ds.Scheme(*scheme)
				if sc == "" {
					sc = emv3ds.Scheme(*ds)
				}
				load, err := loadFromPRes(data, *ds, sc, !*incremental)
				if err != nil {
					return err
				}
				st, err := a.store(ctx, false)
				if err != nil {
					return err
				}
				if err := st.LoadRanges(ctx, load); err != nil {
					return err
				}
				set, err := st.CardRangeSet(ctx, *ds)
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "DS %s: %d card ranges loaded, serialNum %s\n", set.DS, set.Count, orDash(set.SerialNum))
				return nil
			}
		})
}
