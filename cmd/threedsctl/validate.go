package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/open3ds/server/shared/emv3ds"
)

func init() {
	register("validate", command{
		summary: "validate one EMV 3DS message: validate [--areq FILE] [FILE|-]",
		run:     runValidate,
	})
}

// maxMessageSize bounds what validate reads; an app AReq is below 100 kB.
const maxMessageSize = 8 << 20

// validResult is printed for a valid message.
type validResult struct {
	Valid          bool               `json:"valid"`
	MessageType    emv3ds.MessageType `json:"messageType"`
	MessageVersion emv3ds.Version     `json:"messageVersion"`
}

// runValidate reads one message, detects its type and version, and validates
// it. Exit 0 and {"valid":true,…} when valid; exit 1 and the Erro the 3DS
// Server would send (component S) when not; exit 2 for usage or I/O errors.
// --areq supplies the AReq an ARes or RReq answers, enabling the cross-checks
// (version, IDs, channel, category, challenge and decoupled indicators).
func runValidate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	areqPath := fs.String("areq", "", "the AReq `FILE` an ARes or RReq answers (enables cross-checks)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: threedsctl validate [--areq FILE] [FILE|-]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return 2
	}
	path := "-"
	if fs.NArg() == 1 {
		path = fs.Arg(0)
	}
	data, err := readInput(path, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "threedsctl validate: %v\n", err)
		return 2
	}
	var areq *emv3ds.AReq
	if *areqPath != "" {
		raw, err := readInput(*areqPath, nil)
		if err != nil {
			fmt.Fprintf(stderr, "threedsctl validate: --areq: %v\n", err)
			return 2
		}
		if areq, err = emv3ds.DecodeAReq(raw); areq == nil {
			fmt.Fprintf(stderr, "threedsctl validate: --areq: %v\n", err)
			return 2
		}
	}

	msg, err := validateMessage(data, areq)
	enc := json.NewEncoder(stdout)
	if err != nil {
		_ = enc.Encode(emv3ds.NewErro(err, emv3ds.ErrorComponentServer, msg))
		return 1
	}
	_ = enc.Encode(validResult{Valid: true, MessageType: msg.Type(), MessageVersion: msg.Version()})
	return 0
}

// validateMessage parses data and validates it, with the AReq's context for
// an ARes or RReq when areq is not nil. It returns every failure, decoding
// problems included.
func validateMessage(data []byte, areq *emv3ds.AReq) (emv3ds.Message, error) {
	msg, decodeErr := emv3ds.Parse(data)
	if msg == nil {
		return nil, decodeErr
	}
	var verr error
	switch m := msg.(type) {
	case *emv3ds.ARes:
		ctx := emv3ds.AResContext{}
		if areq != nil {
			ctx = emv3ds.AResContextFor(areq)
		}
		verr = m.Validate(ctx)
	case *emv3ds.RReq:
		ctx := emv3ds.RReqContext{}
		if areq != nil {
			ctx = emv3ds.RReqContext{
				MessageVersion:       areq.MessageVersion,
				MessageCategory:      areq.MessageCategory,
				DeviceChannel:        areq.DeviceChannel,
				ThreeDSServerTransID: areq.ThreeDSServerTransID,
			}
		}
		verr = m.Validate(ctx)
	default:
		verr = emv3ds.Validate(msg)
	}
	// Validate already includes the decoding problems; decodeErr is only
	// returned when validation found nothing else (it cannot, but be safe).
	if verr != nil {
		return msg, verr
	}
	return msg, decodeErr
}

func readInput(path string, stdin io.Reader) ([]byte, error) {
	var r io.Reader
	if path == "-" {
		if stdin == nil {
			return nil, errors.New("stdin is already used for the message")
		}
		r = stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxMessageSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxMessageSize {
		return nil, fmt.Errorf("input larger than %d bytes", maxMessageSize)
	}
	return data, nil
}
