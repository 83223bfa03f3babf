package data

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aim-go/aim/internal/testing/fixtures"
)

// digitsRow returns a CSV row whose pixel i is (i + seed) mod 17.
func digitsRow(seed, label int) string {
	var b strings.Builder
	for i := range 64 {
		fmt.Fprintf(&b, "%d,", (i+seed)%17)
	}
	fmt.Fprintf(&b, "%d\n", label)
	return b.String()
}

func TestReadOptdigits(t *testing.T) {
	csv := digitsRow(0, 3) + "\n" + digitsRow(5, 9)
	for _, tc := range []struct{ name, file string }{
		{"digits.csv.gz", string(gz([]byte(csv)))},
		{"optdigits.tra", csv},
	} {
		p := fixtures.WriteFile(t, t.TempDir(), tc.name, []byte(tc.file))
		d, err := ReadOptdigits(p)
		if err != nil {
			t.Fatal(err)
		}
		checkValid(t, d)
		if d.N != 2 || d.C != 1 || d.H != 8 || d.W != 8 || d.Classes != 10 || d.Labels[0] != 3 || d.Labels[1] != 9 {
			t.Fatalf("%s: shape (%d, %d, %d, %d), classes %d, labels %v", tc.name, d.N, d.C, d.H, d.W, d.Classes, d.Labels)
		}
		if d.Images[16] != 1 || d.Images[1] != 1.0/16 || d.Image(1)[0] != 5.0/16 {
			t.Errorf("%s: pixels not value/16: %v", tc.name, d.Images[:17])
		}
	}
}

func TestReadOptdigitsErrors(t *testing.T) {
	row := digitsRow(0, 1)
	tests := []struct {
		name, file string
		want       string
	}{
		{"empty", "", "no rows"},
		{"short row", row + "1,2,3\n", ":2: 3 fields, want 65"},
		{"pixel 17", strings.Replace(row, "0,", "17,", 1), ":1: pixel 1 is 17, want 0..16"},
		{"negative pixel", strings.Replace(row, "0,", "-1,", 1), "pixel 1 is -1"},
		{"label 10", digitsRow(0, 10), "label is 10, want 0..9"},
		{"float", strings.Replace(row, "0,", "0.5,", 1), `field 1: "0.5" is not an integer`},
		{"long line", strings.Repeat("1", 5000), "token too long"},
		{"binary", "\x00\x01\x02", "1 fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fixtures.WriteFile(t, t.TempDir(), "digits.csv.gz", gz([]byte(tt.file)))
			_, err := ReadOptdigits(p)
			fixtures.WantError(t, err, p, tt.want)
		})
	}
	p := fixtures.WriteFile(t, t.TempDir(), "digits.csv.gz", append(gz([]byte(row)), "junk"...))
	_, err := ReadOptdigits(p)
	fixtures.WantError(t, err, p, "decompressing: unexpected EOF")
}
