package apigw

import (
	"encoding/json"
	"errors"

	"github.com/open3ds/server/shared/emv3ds"
)

// DecodeFields decodes a JSON object into v with encoding/json's
// case-insensitive name matching (clients send threeDsServerTransId) and
// null as absent. A value of the wrong JSON type is a 203 naming the element.
func DecodeFields(raw []byte, v any) error {
	err := json.Unmarshal(raw, v)
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return &emv3ds.ValidationError{Fields: []emv3ds.FieldError{{
			Field: typeErr.Field, Rule: "has the wrong JSON type", Code: emv3ds.ErrorCodeInvalidFormat, Err: emv3ds.ErrFormat,
		}}}
	default:
		return ErrMalformedBody
	}
}
