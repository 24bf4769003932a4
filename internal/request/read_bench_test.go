package request_test

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"

	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/request"
)

// batch is n documents in one of the three forms a batch comes in.
func batch(form string, n int) []byte {
	var b bytes.Buffer
	if form != "yaml" {
		b.WriteString("[\n")
	}
	for i := 1; i <= n; i++ {
		switch form {
		case "yaml":
			if i > 1 {
				b.WriteString("---\n")
			}
			fmt.Fprintf(&b, "customer_id: cus_bench_%d\nplan_version_id: plv_%d\ntrial_duration_days: %d\nmetadata:\n  row: \"%d\"\n  source: bench\n", i, i%7, 7+i%21, i)
		case "json":
			fmt.Fprintf(&b, `{"customer_id":"cus_bench_%d","metadata":{"row":"%d","source":"bench"},"plan_version_id":"plv_%d","trial_duration_days":%d}`, i, i, i%7, 7+i%21)
		case "pretty":
			fmt.Fprintf(&b, "  {\n    \"customer_id\": \"cus_bench_%d\",\n    \"metadata\": {\n      \"row\": \"%d\",\n      \"source\": \"bench\"\n    },\n    \"plan_version_id\": \"plv_%d\",\n    \"trial_duration_days\": %d\n  }", i, i, i%7, 7+i%21)
		}
		if form != "yaml" {
			if i < n {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
	}
	if form != "yaml" {
		b.WriteString("]\n")
	}
	return b.Bytes()
}

// BenchmarkCheck reads and checks a batch of 10,000 documents: the time
// per operation divided by 10,000 is the cost of one document, which must
// not grow with the batch (see bench/check.sh for whole-command figures).
func BenchmarkCheck(b *testing.B) {
	for _, form := range []string{"yaml", "json", "pretty"} {
		in := batch(form, 10_000)
		b.Run(form, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				_, err := request.Read(bytes.NewReader(in), "f", func(d *request.Doc) error {
					return request.Decode(d, &meteroid.CreateCheckoutSessionRequest{})
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Reading an element of a JSON array must cost in proportion to the
// element, not to the lines before it: 2,000 documents, each after 1,000
// blank lines, are 2 MB of input. (Padding every element with the lines
// before it, to get its line numbers right, made this allocate 2 GB and
// a batch of 100,000 documents take 44 s.)
func TestReadJSONArrayIsLinear(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("[")
	for i := 0; i < 2000; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.Write(bytes.Repeat([]byte{'\n'}, 1000))
		fmt.Fprintf(&b, `{"customer_id":"c%d","plan_version_id":"p"}`, i)
	}
	b.WriteString("]")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	docs, last := 0, 0
	_, err := request.Read(bytes.NewReader(b.Bytes()), "f.json", func(d *request.Doc) error {
		docs++
		last = d.Root.Line
		return nil
	})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if docs != 2000 || last != 2000*1000+1 {
		t.Fatalf("read %d documents, the last at line %d; want 2000 at line %d", docs, last, 2000*1000+1)
	}
	if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(100*b.Len()); got > limit {
		t.Errorf("reading %d bytes allocated %d bytes, more than %d", b.Len(), got, limit)
	}
}
