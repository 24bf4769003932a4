package rows_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/request"
	"github.com/billctl/billctl/internal/rows"
)

// BenchmarkSheet reads, builds and checks one row per iteration: the cost
// of --rows before anything is sent (bench/rows.sh measures whole files).
func BenchmarkSheet(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("\ufeffcustomer_id,plan_version_id,invoice_threshold,net_terms,charge_automatically,metadata.crm_id,add_ons[0].add_on_id,add_ons[0].quantity,invoice_memo\r\n")
	for i := 0; i < b.N; i++ {
		fmt.Fprintf(&buf, "cus_%d,pv_1,%d.50,30,true,CRM-%d,ao_1,2,\"Thanks, \"\"friend\"\"\"\r\n", i, i%1000, i)
	}
	base := request.NewDoc()
	b.ReportAllocs()
	b.ResetTimer()
	s, err := rows.Open(&buf, "bench.csv", false, wire)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for {
		row, err := s.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		d := base.Copy()
		if err := s.Apply(d, row); err != nil {
			b.Fatal(err)
		}
		var req meteroid.CreateCheckoutSessionRequest
		if err := request.Decode(d, &req); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if n != b.N {
		b.Fatalf("%d rows, want %d", n, b.N)
	}
}
