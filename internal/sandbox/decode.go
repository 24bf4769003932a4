package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"strings"

	"github.com/billctl/billctl/internal/request"
)

// BodyProblem is why a request body was refused, in the terms web
// frameworks use: the body is not JSON at all, or it is JSON of the wrong
// shape.
type BodyProblem struct {
	Syntax bool // not JSON
	// Fields are the mistakes found by the wire type's checks, the first
	// one being what a server reports.
	Fields []*request.FieldError
	Msg    string
}

// JSONContentType reports whether ct is application/json or a +json type,
// the types JSON extractors accept.
func JSONContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// DecodeBody checks body against the wire type out (a pointer to a
// provider's request struct) with the same decoder and checks the client
// uses, and fills it. Unknown fields are allowed when allowUnknown is set
// (serde, Meteroid's decoder, ignores them).
func DecodeBody(body []byte, out any, allowUnknown bool) *BodyProblem {
	if !json.Valid(body) {
		var v any
		err := json.Unmarshal(body, &v)
		msg := "EOF while parsing a value"
		if err != nil && len(bytes.TrimSpace(body)) > 0 {
			msg = err.Error()
		}
		return &BodyProblem{Syntax: true, Msg: msg}
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return &BodyProblem{Msg: "invalid type: " + jsonKind(trimmed) + ", expected a JSON object"}
	}
	var decodeErr error
	_, err := request.Read(bytes.NewReader(body), "body", func(d *request.Doc) error {
		decodeErr = request.Decode(d, out)
		return nil
	})
	if err == nil {
		err = decodeErr
	}
	if err == nil {
		return nil
	}
	var errs *request.Errors
	if !errors.As(err, &errs) {
		return &BodyProblem{Msg: err.Error()}
	}
	p := &BodyProblem{}
	for _, fe := range errs.List {
		if allowUnknown && strings.HasPrefix(fe.Msg, "unknown field") {
			continue
		}
		p.Fields = append(p.Fields, fe)
	}
	if len(p.Fields) == 0 {
		return nil
	}
	p.Msg = FieldText(p.Fields[0])
	return p
}

// FieldText is one field error without the file name: "path: message".
func FieldText(fe *request.FieldError) string {
	if fe.Path == "" {
		return fe.Msg
	}
	return fe.Path + ": " + fe.Msg
}

func jsonKind(b []byte) string {
	switch {
	case len(b) == 0:
		return "nothing"
	case b[0] == '[':
		return "sequence"
	case b[0] == '"':
		return "string"
	case b[0] == 't' || b[0] == 'f':
		return "boolean"
	case b[0] == 'n':
		return "null"
	default:
		return "number"
	}
}
