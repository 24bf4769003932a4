package sandbox_test

import (
	"context"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/sandboxtest"
)

// BenchmarkCreate measures Meteroid creates through the in-process
// transport into a database file: validation, the insert and its commit,
// the answer. Run with -cpu 1,16 to see writers queue.
//
//	go test ./internal/sandbox -run '^$' -bench Create -benchtime 5000x
func BenchmarkCreate(b *testing.B) {
	st, err := sandbox.Open(filepath.Join(b.TempDir(), "sandbox.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	srv, err := sandbox.New(context.Background(), sandbox.Options{Store: st, APIs: sandboxtest.APIs()})
	if err != nil {
		b.Fatal(err)
	}
	c := &http.Client{Transport: srv.Transport()}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := createOne(c, "http://sandbox.invalid"); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
}

// BenchmarkInsert is the store alone: one session per Update, as a create
// does, so -cpu 16 shows what committing together gains.
func BenchmarkInsert(b *testing.B) {
	st, err := sandbox.Open(filepath.Join(b.TempDir(), "sandbox.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			now := time.Now()
			ss := &sandbox.Session{ID: meteroid.NewID("che_", now), Provider: "meteroid", Customer: "cus_1",
				Status: sandbox.Created, CreatedAt: now, Request: []byte(createBody)}
			if err := st.Update(context.Background(), func(tx *sandbox.Tx) error { return tx.InsertSession(ss) }); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
}
