package webhooktest

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

type spec struct {
	once sync.Once
	err  error
	doc  *v3.Document
	// The validator's caches are not documented as safe for concurrent use.
	mu sync.Mutex
	v  schema_validation.SchemaValidator
}

var (
	specsMu sync.Mutex
	specs   = map[string]*spec{}
)

func load(path string) (*spec, error) {
	specsMu.Lock()
	s, ok := specs[path]
	if !ok {
		s = &spec{}
		specs[path] = s
	}
	specsMu.Unlock()
	s.once.Do(func() {
		src, err := os.ReadFile(path)
		if err != nil {
			s.err = err
			return
		}
		doc, err := libopenapi.NewDocument(src)
		if err != nil {
			s.err = fmt.Errorf("%s: %w", path, err)
			return
		}
		m, err := doc.BuildV3Model()
		if err != nil {
			s.err = fmt.Errorf("%s: %w", path, err)
			return
		}
		s.doc = &m.Model
		s.v = schema_validation.NewSchemaValidator(config.WithFormatAssertions())
	})
	return s, s.err
}

// CheckPayload validates a webhook body against the schema the spec at
// specPath gives the event named by the body's "type" (its `webhooks`
// section), and also refuses any key the schema does not declare: the
// schema allows extra keys, but a receiver generated from it would drop
// them, so one is a mistake in the sandbox.
func CheckPayload(specPath string, body []byte) error {
	s, err := load(specPath)
	if err != nil {
		return err
	}
	var event map[string]any
	if err := json.Unmarshal(body, &event); err != nil {
		return fmt.Errorf("payload is not a JSON object: %w", err)
	}
	typ, _ := event["type"].(string)
	item, ok := s.doc.Webhooks.Get(typ)
	if !ok || item.Post == nil || item.Post.RequestBody == nil {
		return fmt.Errorf("payload type %q is not a webhook of %s", typ, specPath)
	}
	media, ok := item.Post.RequestBody.Content.Get("application/json")
	if !ok || media.Schema == nil {
		return fmt.Errorf("webhook %s has no JSON schema in %s", typ, specPath)
	}
	schema := media.Schema.Schema()

	s.mu.Lock()
	valid, errs := s.v.ValidateSchemaBytes(schema, body)
	s.mu.Unlock()
	var problems []string
	if !valid {
		for _, e := range errs {
			problems = append(problems, e.Message+": "+e.Reason)
			for _, f := range e.SchemaValidationErrors {
				problems = append(problems, "  at "+f.FieldPath+": "+f.Reason)
			}
		}
		if len(errs) == 0 {
			problems = append(problems, "invalid, with no reason given")
		}
	}
	declared := properties(schema)
	for k := range event {
		if !declared[k] {
			problems = append(problems, fmt.Sprintf("key %q is not in the schema", k))
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return fmt.Errorf("%s payload does not conform to %s:\n%s", typ, specPath, strings.Join(problems, "\n"))
	}
	return nil
}

// properties collects the property names of a schema and of what its
// allOf combines.
func properties(s *base.Schema) map[string]bool {
	out := map[string]bool{}
	if s == nil {
		return out
	}
	if s.Properties != nil {
		for name := range s.Properties.KeysFromOldest() {
			out[name] = true
		}
	}
	for _, p := range s.AllOf {
		for name := range properties(p.Schema()) {
			out[name] = true
		}
	}
	return out
}
