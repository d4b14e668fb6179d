package sid

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestNewPrefixed(t *testing.T) {
	for _, prefix := range []string{"", "Xk3_9a"} {
		id := NewPrefixed(prefix)
		if !strings.HasPrefix(id, prefix) || len(id) != len(prefix)+20 {
			t.Fatalf("NewPrefixed(%q) = %q", prefix, id)
		}
		if _, err := base64.RawURLEncoding.DecodeString(id[len(prefix):]); err != nil {
			t.Fatalf("NewPrefixed(%q) = %q: %v", prefix, id, err)
		}
	}
	if a, b := New(), New(); a == b {
		t.Fatal("two ids alike")
	}
}

// BenchmarkNewPrefixed shows one allocation per id, with or without the
// prefix of a cluster node.
func BenchmarkNewPrefixed(b *testing.B) {
	for _, prefix := range []string{"", "Xk3_9a"} {
		b.Run("prefix="+prefix, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = NewPrefixed(prefix)
			}
		})
	}
}
