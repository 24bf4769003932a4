package engine

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/request"
)

// FlagDef is a request flag with the providers that take it (nil: all).
type FlagDef struct {
	provider.Flag
	Owners []string
}

// For reports whether the provider called name takes the flag.
func (d FlagDef) For(name string) bool {
	if d.Owners == nil {
		return true
	}
	for _, o := range d.Owners {
		if o == name {
			return true
		}
	}
	return false
}

// RequestFlags are the request flags of every provider in ds: the common
// ones first, then each provider's in its order. A flag two providers both
// declare is one flag that belongs to both.
func RequestFlags(ds []*provider.Descriptor) []FlagDef {
	var out []FlagDef
	for _, f := range provider.CommonFlags() {
		// A common flag belongs to the providers whose create request has
		// its field; nil owners when that is every one.
		def := FlagDef{Flag: f}
		for _, d := range ds {
			if d.Takes(f) {
				def.Owners = append(def.Owners, d.Name)
			}
		}
		if len(def.Owners) == len(ds) {
			def.Owners = nil
		}
		out = append(out, def)
	}
	at := map[string]int{}
	for _, d := range ds {
		if d.Flags == nil {
			continue
		}
		for _, f := range d.Flags() {
			if i, ok := at[f.Name]; ok {
				out[i].Owners = append(out[i].Owners, d.Name)
				continue
			}
			at[f.Name] = len(out)
			out = append(out, FlagDef{Flag: f, Owners: []string{d.Name}})
		}
	}
	return out
}

// Given is a request flag given on the command line, with its values as
// text (one for a text, bool or enum flag).
type Given struct {
	Def  FlagDef
	Vals []string
}

// CheckFlags refuses flags that the active provider does not take.
func CheckFlags(given []Given, active string) error {
	var wrong []string
	owners := map[string]bool{}
	for _, g := range given {
		if !g.Def.For(active) {
			wrong = append(wrong, "--"+g.Def.Name)
			for _, o := range g.Def.Owners {
				owners[o] = true
			}
		}
	}
	if len(wrong) == 0 {
		return nil
	}
	sort.Strings(wrong)
	var who []string
	for o := range owners {
		who = append(who, o)
	}
	sort.Strings(who)
	verb := "are"
	if len(wrong) == 1 {
		verb = "is"
	}
	return provider.UsageErrorf("%s %s only for %s; the active provider is %s", strings.Join(wrong, ", "), verb, strings.Join(who, " or "), active)
}

// applyFlags writes the given flags into d, in table order.
func applyFlags(given []Given, d *request.Doc, wire reflect.Type, active string) error {
	for _, g := range given {
		def := g.Def
		if !def.For(active) {
			continue
		}
		place := "--" + def.Name
		vals := g.Vals
		var err error
		switch {
		case def.Apply != nil:
			err = def.Apply(d, wire, vals, place)
		case def.Kind == provider.ListFlag:
			// A list flag replaces the file's list: later wins.
			d.DeletePath(def.Path)
			for _, v := range vals {
				if err = d.Set(wire, def.Path+"[]", v, place); err != nil {
					break
				}
			}
		default:
			err = d.Set(wire, def.Path, vals[0], place)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// withHints adds to "required field missing" errors the flag that sets
// the field, when there is one.
func withHints(err error, defs []FlagDef) error {
	var errs *request.Errors
	if !errors.As(err, &errs) {
		return err
	}
	for _, fe := range errs.List {
		if fe.Msg != "required field missing" {
			continue
		}
		for _, d := range defs {
			if d.Path == fe.Path && d.Path != "" {
				fe.Msg += fmt.Sprintf(" (give it with --%s or in the file)", d.Name)
			}
		}
	}
	return err
}
