package page

import (
	"strconv"
	"strings"
)

// minorDigits lists the currencies whose minor unit is not the cent
// (ISO 4217); every other currency has two decimals.
var minorDigits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0,
	"KRW": 0, "PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0,
	"XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// String writes m as "EUR 1,234.50"; a negative amount (a discount) gets a
// minus sign in front. A zero Money writes "".
func (m Money) String() string {
	if m.IsZero() {
		return ""
	}
	digits, ok := minorDigits[m.Currency]
	if !ok {
		digits = 2
	}
	n := m.Minor
	sign := ""
	if n < 0 {
		sign = "−" // U+2212, which screen readers say as "minus"
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	if digits > 0 {
		for len(s) <= digits {
			s = "0" + s
		}
		s = groupThousands(s[:len(s)-digits]) + "." + s[len(s)-digits:]
	} else {
		s = groupThousands(s)
	}
	return sign + m.Currency + " " + s
}

func groupThousands(s string) string {
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	head := len(s) % 3
	if head > 0 {
		b.WriteString(s[:head])
	}
	for i := head; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}
