package engine

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/provider"
)

// runs records which run Create chose and what it was handed.
type runs struct {
	chose  string
	single bool
	keys   []string
	bodies []string
	total  int
	rows   bool
	cells  []string
}

func (r *runs) Runs(t *testing.T) Runs {
	return Runs{
		DryRun: func(reqs []Planned, single bool) error {
			r.chose, r.single = "dry-run", single
			for _, q := range reqs {
				r.keys = append(r.keys, q.Key)
				r.bodies = append(r.bodies, string(q.Body))
			}
			return nil
		},
		One: func(req provider.Request, key string) error {
			r.chose = "one"
			r.keys, r.bodies = []string{key}, []string{string(req.Body)}
			return nil
		},
		Batch: func(c *Checked) error {
			r.chose, r.total, r.rows = "batch", c.Total, c.Rows != nil
			rd, err := c.Requests.Reader()
			if err != nil {
				t.Fatal(err)
			}
			for {
				q, err := rd.Next()
				if err != nil {
					break
				}
				r.bodies = append(r.bodies, string(q.Body))
			}
			if c.Cells != nil {
				cr, err := c.Cells.Reader()
				if err != nil {
					t.Fatal(err)
				}
				for {
					q, err := cr.Next()
					if err != nil {
						break
					}
					r.cells = append(r.cells, string(q.Body))
				}
			}
			return nil
		},
	}
}

const (
	oneDoc  = "customer_id: cus_4sWwqKdbGm1N3N9AyCyXQ2\nplan_version_id: plv_2zg9tUmeQMonp21OV6Rla1\n"
	twoDocs = oneDoc + "---\n" + oneDoc
	sheet   = "customer_id,plan_version_id\ncus_4sWwqKdbGm1N3N9AyCyXQ2,plv_2zg9tUmeQMonp21OV6Rla1\ncus_4sWwqKdbGm1N3N9AyCyXQ2,plv_2zg9tUmeQMonp21OV6Rla1\n"
)

func sheetOf(text string) *Sheet {
	return &Sheet{Open: func() (io.Reader, string, func(), error) {
		return strings.NewReader(text), "s.csv", func() {}, nil
	}}
}

func TestCreateChoosesTheRun(t *testing.T) {
	cases := []struct {
		name   string
		job    Job
		chose  string
		single bool
		keys   []string
		total  int
		rows   bool
	}{
		{"a lone document", Job{In: Input{R: strings.NewReader(oneDoc), Name: "s.yaml"}, KeyPrefix: "k"}, "one", false, []string{"k"}, 0, false},
		{"a lone document, dry", Job{In: Input{R: strings.NewReader(oneDoc), Name: "s.yaml"}, KeyPrefix: "k", DryRun: true}, "dry-run", true, []string{"k"}, 0, false},
		{"a batch", Job{In: Input{R: strings.NewReader(twoDocs), Name: "s.yaml"}, KeyPrefix: "k"}, "batch", false, nil, 2, false},
		{"a batch, dry", Job{In: Input{R: strings.NewReader(twoDocs), Name: "s.yaml"}, KeyPrefix: "k", DryRun: true}, "dry-run", false, []string{"k-1", "k-2"}, 0, false},
		{"rows", Job{Rows: sheetOf(sheet), KeyPrefix: "k"}, "batch", false, nil, 2, true},
		{"rows, dry", Job{Rows: sheetOf(sheet), KeyPrefix: "k", DryRun: true}, "dry-run", false, []string{"k-1", "k-2"}, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.job.Builder = meteroidBuilder(t)
			r := &runs{}
			if err := Create(context.Background(), c.job, r.Runs(t)); err != nil {
				t.Fatal(err)
			}
			if r.chose != c.chose || r.single != c.single || r.total != c.total || r.rows != c.rows {
				t.Fatalf("chose %s (single %v, total %d, rows %v), want %s (%v, %d, %v)", r.chose, r.single, r.total, r.rows, c.chose, c.single, c.total, c.rows)
			}
			if c.keys != nil && strings.Join(r.keys, " ") != strings.Join(c.keys, " ") {
				t.Errorf("keys %q, want %q", r.keys, c.keys)
			}
			for _, b := range r.bodies {
				if !strings.Contains(b, `"plan_version_id":"plv_2zg9tUmeQMonp21OV6Rla1"`) {
					t.Errorf("body %s lacks the document's plan", b)
				}
			}
		})
	}
}

// With Cells, each row's cells travel beside its body, in row order.
func TestCreateRowsKeepsTheCells(t *testing.T) {
	r := &runs{}
	job := Job{Builder: meteroidBuilder(t), Rows: sheetOf("customer_id,plan_version_id\ncus_4sWwqKdbGm1N3N9AyCyXQ2,plv_1\ncus_4sWwqKdbGm1N3N9AyCyXQ2,plv_2\n")}
	job.Rows.Cells = true
	if err := Create(context.Background(), job, r.Runs(t)); err != nil {
		t.Fatal(err)
	}
	want := `["cus_4sWwqKdbGm1N3N9AyCyXQ2","plv_1"] ["cus_4sWwqKdbGm1N3N9AyCyXQ2","plv_2"]`
	if got := strings.Join(r.cells, " "); got != want {
		t.Errorf("cells %s, want %s", got, want)
	}
}

// Nothing runs when a document is wrong, and -f with --rows gives one
// document: more is a usage error, found before the sheet is opened.
func TestCreateRefusesBeforeAnyRun(t *testing.T) {
	opened := false
	rowsJob := Job{In: Input{R: strings.NewReader(twoDocs), Name: "base.yaml"}, Rows: &Sheet{Open: func() (io.Reader, string, func(), error) {
		opened = true
		return strings.NewReader(sheet), "s.csv", func() {}, nil
	}}}
	for name, job := range map[string]Job{
		"a wrong document":   {In: Input{R: strings.NewReader(oneDoc + "---\nplan_version_id: 12\n"), Name: "s.yaml"}},
		"two base documents": rowsJob,
	} {
		t.Run(name, func(t *testing.T) {
			job.Builder = meteroidBuilder(t)
			r := &runs{}
			err := Create(context.Background(), job, r.Runs(t))
			if exitcode.Code(err) != exitcode.Usage {
				t.Fatalf("err = %v (exit %d), want a usage error", err, exitcode.Code(err))
			}
			if r.chose != "" {
				t.Errorf("ran %s", r.chose)
			}
		})
	}
	if opened {
		t.Error("the sheet was opened though the base document was wrong")
	}
}
