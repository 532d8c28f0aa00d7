package emv3ds

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLuhn(t *testing.T) {
	tests := []struct {
		name  string
		pan   string // a complete number that passes the Luhn check
		digit byte   // its last digit
	}{
		{name: "visa test card", pan: "4000000000001091", digit: '1'},
		{name: "mastercard test card", pan: "5200000000001005", digit: '5'},
		{name: "amex, odd length", pan: "340000000001007", digit: '7'},
		{name: "check digit 0", pan: "4000000000001000", digit: '0'},
		{name: "doubling past 9", pan: "79927398713", digit: '3'},
		{name: "two digits", pan: "18", digit: '8'},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.pan[:len(tc.pan)-1]
			d, ok := LuhnCheckDigit(body)
			require.True(t, ok)
			require.Equal(t, string(tc.digit), string(d))
			require.True(t, LuhnValid(tc.pan))
			for wrong := byte('0'); wrong <= '9'; wrong++ {
				if wrong != tc.digit {
					require.False(t, LuhnValid(body+string(wrong)), "check digit %c", wrong)
				}
			}
		})
	}
}

func TestLuhnRejectsNonDigits(t *testing.T) {
	for _, s := range []string{"", "4000 0000 0000 1091", "400000000000109a", "-18"} {
		require.False(t, LuhnValid(s), "%q", s)
		_, ok := LuhnCheckDigit(s)
		require.False(t, ok, "%q", s)
	}
}
