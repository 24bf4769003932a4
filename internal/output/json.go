package output

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/billctl/billctl/internal/format"
	"github.com/billctl/billctl/internal/provider"
)

// jsonFormat is -o json: every field as the API sent it, indented; --jq
// filters it.
type jsonFormat struct{}

func (jsonFormat) Name() string { return format.JSON }
func (jsonFormat) Help() string { return "every field, as JSON" }
func (jsonFormat) takesJQ()     {}

func (jsonFormat) one(p *Printer, s *provider.Session) error {
	if p.JQ != nil {
		return p.JQ.Write(p.ctx(), p.IO.Out, s.Raw)
	}
	return writeJSON(p.IO.Out, s.Raw)
}

func (jsonFormat) many(p *Printer, items []Item) error {
	raw := itemsArray(items)
	if p.JQ != nil {
		return p.JQ.Write(p.ctx(), p.IO.Out, raw)
	}
	return writeJSON(p.IO.Out, raw)
}

// add writes the array element by element; with --jq, the expression
// takes the whole array, which waits until close.
func (jsonFormat) add(st *Stream, it Item) error {
	if st.p.JQ != nil {
		if st.n > 1 {
			st.jq = append(st.jq, ',')
		}
		st.jq = append(st.jq, itemJSON(it)...)
		return nil
	}
	if st.n == 1 {
		st.w.WriteString("[\n  ")
	} else {
		st.w.WriteString(",\n  ")
	}
	var buf bytes.Buffer
	raw := itemJSON(it)
	if err := json.Indent(&buf, raw, "  ", "  "); err != nil {
		buf.Reset()
		buf.Write(raw)
	}
	_, err := st.w.Write(buf.Bytes())
	return err
}

func (jsonFormat) close(st *Stream) error {
	if st.p.JQ != nil {
		return st.p.JQ.Write(st.p.ctx(), st.w, append(append([]byte{'['}, st.jq...), ']'))
	}
	var err error
	if st.n == 0 {
		_, err = st.w.WriteString("[]\n")
	} else {
		_, err = st.w.WriteString("\n]\n")
	}
	return err
}

// dryRun prints the requests as they are: one object for a lone document,
// else an array.
func (jsonFormat) dryRun(buf *bytes.Buffer, reqs []DryRequest, single bool) error {
	var v any = reqs
	if single {
		v = reqs[0]
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	buf.Write(b)
	buf.WriteByte('\n')
	return nil
}

func (jsonFormat) records(p *Printer, r Records) error { return encodeJSON(p.IO.Out, r.Data) }
func (jsonFormat) record(p *Printer, r Record) error   { return encodeJSON(p.IO.Out, r.Data) }

// encodeJSON writes a record's data, indented.
func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeJSON writes the API's JSON indented, or as it came when it is not
// JSON after all.
func writeJSON(w io.Writer, raw []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		buf.Reset()
		buf.Write(raw)
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}
