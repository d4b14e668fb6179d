package metrics_test

import (
	"testing"

	"github.com/duplexio/duplex/internal/eiotest"
)

func TestMain(m *testing.M) { eiotest.CheckLeaks(m) }
