// Package httpxtest holds network faults for the tests of HTTP clients.
package httpxtest

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
)

// RefusingTransport dials a closed port for the first n connections (a
// real "connection refused"), then the address asked for. dials counts
// every dial made. Close its idle connections when done.
func RefusingTransport(n int32) (tr *http.Transport, dials *atomic.Int32, err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	closed := l.Addr().String()
	l.Close()
	dials = new(atomic.Int32)
	var d net.Dialer
	tr = &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) <= n {
			addr = closed
		}
		return d.DialContext(ctx, network, addr)
	}}
	return tr, dials, nil
}
