package completion

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/contract"
	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/provider/maple"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/provider/registry"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/sandboxtest"
)

const token = "sk_test_0123456789abcdef"

func source(t *testing.T, provider, baseURL string) *Source {
	t.Helper()
	return sourceWith(t, provider, baseURL, token, nil)
}

// sourceWith is a source whose client sends tok and logs to debug (nil:
// no log), as the command line builds it.
func sourceWith(t *testing.T, name, baseURL, tok string, debug io.Writer) *Source {
	t.Helper()
	return &Source{
		Account:  Account{Provider: name, BaseURL: baseURL, Company: "cmp_2MkGNwZq", Token: tok},
		HTTP:     httpx.New(httpx.Options{BaseURL: baseURL, Token: tok, Timeout: Timeout, Debug: debug}),
		Lookups:  registry.Get(name).Lookups,
		CacheDir: filepath.Join(t.TempDir(), "billctl"),
	}
}

func TestItemsFromTheSandbox(t *testing.T) {
	srv := sandboxtest.StartDemoAPI(t)
	tests := []struct {
		provider string
		kind     Kind
		want     []Item
	}{
		{"meteroid", Customers, []Item{
			{ID: meteroid.DemoCustomerAcme, Description: "Acme Corp, alias acme, billing@acme.example"},
			{ID: meteroid.DemoCustomerGlobex, Description: "Globex, alias globex"},
			{ID: meteroid.DemoCustomerInitech, Description: "Initech, alias initech, ap@initech.example"},
			{ID: "cus_7afHNwquvCzfPShVDJDdgj", Description: "Umbrella Ltd, accounts@umbrella.example"},
		}},
		// The draft plan is left out by status=ACTIVE.
		{"meteroid", PlanVersions, []Item{
			{ID: meteroid.DemoPlanVersionStarter, Description: "Starter v1, EUR", Status: "ACTIVE"},
			{ID: meteroid.DemoPlanVersionPro, Description: "Pro v2, EUR", Status: "ACTIVE"},
		}},
		{"meteroid", AddOns, []Item{
			{ID: meteroid.DemoAddOnSeats, Description: "Extra seats, 5 more seats"},
			{ID: meteroid.DemoAddOnSupport, Description: "Priority support"},
		}},
		// The disabled coupon is left out by filter=ACTIVE.
		{"meteroid", Coupons, []Item{{ID: meteroid.DemoCouponWelcome, Description: "WELCOME10, 10% off the first month"}}},
		{"maple", Customers, []Item{
			{ID: maple.DemoCustomerAda, Description: "Ada Lovelace, Analytical Engines, ada@engines.example", Status: "ACTIVE"},
			{ID: maple.DemoCustomerGrace, Description: "Grace Hopper, grace@cobol.example", Status: "ACTIVE"},
		}},
		{"maple", ProductPricings, []Item{
			{ID: maple.DemoPricingPro, Description: "Pro monthly, USD, PRICING", Status: "ACTIVE"},
			{ID: maple.DemoPricingTeam, Description: "Team annual, USD, PRICING", Status: "ACTIVE"},
			{ID: maple.DemoPricingSetup, Description: "Setup fee, USD, PRICING", Status: "ACTIVE"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.provider+"/"+string(tt.kind), func(t *testing.T) {
			src := source(t, tt.provider, srv.URL)
			src.Account.Company = maple.DemoCompany
			got, err := src.Items(context.Background(), tt.kind)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestSessionsCarryTheirStatus(t *testing.T) {
	srv := sandboxtest.StartAPI(t)
	srv.AddSession(&sandbox.Session{ID: "che_open", Status: sandbox.Created, Customer: "cus_1", CreatedAt: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)})
	srv.AddSession(&sandbox.Session{ID: "che_paid", Status: sandbox.Completed, Customer: "cus_2", CreatedAt: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)})
	got, err := source(t, "meteroid", srv.URL).Items(context.Background(), Sessions)
	if err != nil {
		t.Fatal(err)
	}
	want := []Item{
		{ID: "che_paid", Description: "COMPLETED, cus_2, created 2026-03-02T10:00:00Z", Status: "COMPLETED"},
		{ID: "che_open", Description: "CREATED, cus_1, created 2026-03-01T10:00:00Z", Status: "CREATED"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// The requests a completion sends are the APIs' documented ones.
func TestRequestsConformToTheSpecs(t *testing.T) {
	srv := sandboxtest.StartAPI(t)
	for _, p := range []struct {
		provider string
		kinds    []Kind
	}{
		{"meteroid", []Kind{Customers, PlanVersions, AddOns, Coupons, Sessions}},
		{"maple", []Kind{Customers, ProductPricings}},
	} {
		for _, k := range p.kinds {
			if _, err := source(t, p.provider, srv.URL).Items(context.Background(), k); err != nil {
				t.Fatalf("%s %s: %v", p.provider, k, err)
			}
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 7 {
		t.Fatalf("the API received %d requests, want 7", len(reqs))
	}
	for _, r := range reqs {
		spec := filepath.Join("..", "..", "testdata", "specs", "meteroid-openapi.sdk.json")
		if strings.HasPrefix(r.Path, "/api/v1/companies/") {
			spec = filepath.Join("..", "..", "testdata", "specs", "maple-openapi.yaml")
		}
		path := r.Path
		if r.Query != "" {
			path += "?" + r.Query
		}
		if err := contract.ValidateRequest(spec, r.Method, path, r.Body); err != nil {
			t.Error(err)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer "+token {
			t.Errorf("%s %s: Authorization %q", r.Method, r.Path, got)
		}
	}
}

func TestFailuresAreErrors(t *testing.T) {
	t.Run("401", func(t *testing.T) {
		srv := sandboxtest.StartAPI(t)
		defer srv.Close()
		s := sourceWith(t, "meteroid", srv.URL, sandboxtest.RevokedToken, nil)
		_, err := s.Items(context.Background(), Customers)
		var se *StatusError
		if !errors.As(err, &se) || se.Status != 401 {
			t.Fatalf("err = %v, want HTTP 401", err)
		}
		if entries, _ := os.ReadDir(s.CacheDir); len(entries) != 0 {
			t.Errorf("a failure was cached: %v", entries)
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, "<html>maintenance</html>")
		}))
		defer srv.Close()
		if _, err := source(t, "meteroid", srv.URL).Items(context.Background(), Customers); err == nil {
			t.Fatal("no error for an HTML answer")
		}
	})
	t.Run("server down", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		if _, err := source(t, "maple", url).Items(context.Background(), Customers); err == nil {
			t.Fatal("no error with the server down")
		}
	})
	t.Run("unsupported", func(t *testing.T) {
		if _, err := source(t, "maple", "http://127.0.0.1:1").Items(context.Background(), Sessions); err == nil {
			t.Fatal("maple listed sessions")
		}
	})
}

// A server that does not answer is given up on when the context ends.
func TestHangingServerIsGivenUpOn(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := source(t, "meteroid", srv.URL).Items(ctx, Customers)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
}

func TestCache(t *testing.T) {
	srv := sandboxtest.StartAPI(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := source(t, "meteroid", srv.URL)
	s.Now = func() time.Time { return now }
	ctx := context.Background()

	first, err := s.Items(ctx, Customers)
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(TTL(Customers) - time.Second)
	again, err := s.Items(ctx, Customers)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("the API received %d requests within the TTL, want 1", n)
	}
	if !reflect.DeepEqual(first, again) {
		t.Errorf("cached %+v, fetched %+v", again, first)
	}

	entries, err := os.ReadDir(s.CacheDir)
	entries = slices.DeleteFunc(entries, func(e os.DirEntry) bool { return strings.HasSuffix(e.Name(), ".lock") })
	if err != nil || len(entries) != 1 {
		t.Fatalf("cache dir holds %v (%v), want one file", entries, err)
	}
	file := filepath.Join(s.CacheDir, entries[0].Name())
	info, _ := os.Stat(file)
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("cache file mode %04o, want 0600", perm)
	}
	dirInfo, _ := os.Stat(s.CacheDir)
	if perm := dirInfo.Mode().Perm(); perm != 0o700 {
		t.Errorf("cache dir mode %04o, want 0700", perm)
	}
	b, _ := os.ReadFile(file)
	if strings.Contains(string(b), token) || strings.Contains(entries[0].Name(), token) {
		t.Errorf("the token is in the cache: %s: %s", entries[0].Name(), b)
	}
	if !strings.Contains(string(b), meteroid.DemoCustomerAcme) {
		t.Errorf("cache file holds %s", b)
	}

	// Past the TTL the API is asked again.
	now = now.Add(2 * time.Second)
	if _, err := s.Items(ctx, Customers); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Fatalf("the API received %d requests after the TTL, want 2", n)
	}

	// Another token is another account: it does not see this one's answers.
	other := *sourceWith(t, "meteroid", srv.URL, sandboxtest.RevokedToken, nil)
	other.CacheDir, other.Now = s.CacheDir, s.Now
	if _, err := other.Items(ctx, Customers); err == nil {
		t.Fatal("a revoked token was served from the cache")
	}
	// Another kind is another file.
	if _, err := s.Items(ctx, Coupons); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()); n != 4 {
		t.Fatalf("the API received %d requests, want 4", n)
	}
}

func TestCacheDir(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if got := CacheDir(env(map[string]string{"XDG_CACHE_HOME": "/c"})); got != filepath.Join("/c", "billctl") {
		t.Errorf("CacheDir = %q", got)
	}
	// A relative XDG_CACHE_HOME is ignored, as the specification says.
	if got := CacheDir(env(map[string]string{"XDG_CACHE_HOME": "rel"})); strings.HasPrefix(got, "rel") {
		t.Errorf("CacheDir = %q", got)
	}
}

func TestSuggestions(t *testing.T) {
	items := []Item{
		{ID: "che_1", Description: "CREATED", Status: "CREATED"},
		{ID: "che_2", Status: "COMPLETED"},
		{ID: "cx_3", Description: "CREATED", Status: "CREATED"},
	}
	got := Suggestions(items, "che_", nil)
	if want := []string{"che_1\tCREATED", "che_2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	got = Suggestions(items, "", func(it Item) bool { return it.Status == "CREATED" })
	if want := []string{"che_1\tCREATED", "cx_3\tCREATED"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A description from the API cannot break the shell's list.
func TestDescriptionsAreOneLine(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, `{"data":[{"id":"cus_1","name":"Two\tcolumns\nand lines"},{"id":"bad id","name":"x"}]}`)
	}))
	got, err := source(t, "meteroid", srv.URL).Items(context.Background(), Customers)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Item{{ID: "cus_1", Description: "Two columns and lines"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// A lookup with --debug logs its request through the same stack as every
// command: the token is redacted.
func TestDebugLogIsRedacted(t *testing.T) {
	srv := sandboxtest.StartDemoAPI(t)
	var log strings.Builder
	s := sourceWith(t, "meteroid", srv.URL, token, &log)
	if _, err := s.Items(context.Background(), Customers); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "Authorization: Bearer [REDACTED]") {
		t.Errorf("debug log lacks the redacted Authorization header:\n%s", log.String())
	}
	if strings.Contains(log.String(), token) {
		t.Errorf("debug log shows the token:\n%s", log.String())
	}
}
