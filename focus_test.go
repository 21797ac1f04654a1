package media

import (
	"errors"
	"testing"
)

func TestParseFocus(t *testing.T) {
	tests := []struct {
		in      string
		want    *Focus
		wantErr bool
	}{
		{in: "", want: nil},
		{in: "0,0", want: &Focus{0, 0}},
		{in: "-0.69,0.42", want: &Focus{-0.69, 0.42}},
		{in: "1,-1", want: &Focus{1, -1}},
		{in: " 0.5 , -0.25 ", want: &Focus{0.5, -0.25}},
		{in: ".5,-.5", want: &Focus{0.5, -0.5}},
		{in: "1e-1,+0.3", want: &Focus{0.1, 0.3}},
		{in: "0.3", wantErr: true},         // one value
		{in: "0.3,", wantErr: true},        // empty second value
		{in: ",0.3", wantErr: true},        // empty first value
		{in: "0.1,0.2,0.3", wantErr: true}, // extra value
		{in: "abc,0", wantErr: true},
		{in: "0.5abc,0", wantErr: true},
		{in: "NaN,0", wantErr: true},
		{in: "0,Inf", wantErr: true},
		{in: "0,-Infinity", wantErr: true},
		{in: "1.0001,0", wantErr: true},
		{in: "0,-1.5", wantErr: true},
		{in: "5,-9", wantErr: true},
		{in: "1_0,0", wantErr: true},
		{in: "0x1p-2,0", wantErr: true},
		{in: "1e400,0", wantErr: true},
		{in: ",", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseFocus(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidFocus) {
					t.Fatalf("ParseFocus(%q) error = %v, want one matching ErrInvalidFocus", tt.in, err)
				}
				var fe *FocusError
				if !errors.As(err, &fe) || fe.Value != tt.in {
					t.Errorf("ParseFocus(%q) error = %#v, want a *FocusError carrying the input", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseFocus(%q) error = %v, want none", tt.in, err)
			}
			if (got == nil) != (tt.want == nil) || (got != nil && *got != *tt.want) {
				t.Errorf("ParseFocus(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestFocusStringRoundTrip(t *testing.T) {
	f := Focus{X: -0.69, Y: 0.42}
	got, err := ParseFocus(f.String())
	if err != nil || *got != f {
		t.Errorf("ParseFocus(%q) = %v, %v; want %v", f.String(), got, err, f)
	}
}
