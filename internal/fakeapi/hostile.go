package fakeapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Some IDs make the fake answer as a hostile server, or a proxy in front
// of one, would: with text that a terminal obeys, or that quotes the
// caller's token back. A create reads the customer ID, a get the session
// ID; both providers answer in their own shapes.
//
//   - cus_hostile (create), che_hostile (get): a session
//     whose ID retitles the terminal (OSC 0), whose status clears it
//     (CSI 2J), whose URL plants a hyperlink (OSC 8), whose plan version
//     holds a carriage return and whose other fields hold C1 controls and
//     a bidirectional override. The created one is kept, so list shows it.
//   - cus_hostile_error, che_hostile_error: an error in
//     the provider's JSON shape whose code and message hold the same.
//   - cus_hostile_text, che_hostile_text: a plain-text
//     error body holding them.
//   - cus_echo_token, che_echo_token: 401 whose JSON
//     message quotes the bearer token back; cus_echo_token_text,
//     che_echo_token_text in a plain-text body.
const (
	HostileID      = "che_hostile\x1b]0;owned\x07"
	HostileMapleID = "che_hostile\x1b]0;owned\x07"
	HostileURL     = "https://checkout.example.com/hostile\x1b]8;;https://evil.example/\x1b\\pay here\x1b]8;;\x1b\\"
	hostileText    = "\x1b]0;owned\x07\x1b[2Jcheck\rOK: all paid"
)

// hostile answers a request that names one of the IDs above.
func (s *Server) hostile(w http.ResponseWriter, r *http.Request, maple bool, body []byte) bool {
	id := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	if r.Method == http.MethodPost {
		var req struct {
			Customer string `json:"customer_id"`
		}
		json.Unmarshal(body, &req)
		id = req.Customer
	}
	prefix, name, ok := strings.Cut(id, "_")
	if !ok || !(prefix == "cus" || prefix == "che") {
		return false
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch name {
	case "hostile":
		if r.Method == http.MethodPost && maple {
			s.keepHostile(maple)
			writeJSON(w, 200, map[string]any{"id": HostileMapleID, "url": HostileURL})
			return true
		}
		sess := hostileSession(maple)
		if r.Method == http.MethodPost {
			s.keepHostile(maple)
		}
		if maple {
			writeJSON(w, 200, sess)
		} else {
			writeJSON(w, 200, map[string]any{"session": sess})
		}
	case "hostile_error":
		if maple {
			writeJSON(w, 400, map[string]any{"error_message": hostileText, "error_type": "validation_error\x1b[2J", "error_code": nil, "error_status": 400,
				"validation_errors": []any{map[string]any{"field": "customer_id\r", "message": "\x1b]8;;https://evil.example/\x1b\\not found\x1b]8;;\x1b\\"}}})
		} else {
			writeJSON(w, 400, map[string]any{"code": "BAD_REQUEST\x1b[2J", "message": hostileText})
		}
	case "hostile_text":
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(422)
		fmt.Fprint(w, hostileText)
	case "echo_token":
		s.fail(w, maple, 401, "UNAUTHORIZED", "invalid token: "+tok)
	case "echo_token_text":
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(401)
		fmt.Fprint(w, "401 invalid token: "+tok)
	default:
		return false
	}
	return true
}

// hostileSession is the session of cus_hostile in the provider's shape.
func hostileSession(maple bool) map[string]any {
	if maple {
		return map[string]any{
			"id":          HostileMapleID,
			"company_id":  "cmp_2MkGNwZq",
			"customer_id": "cus_hostile\x1b[2J",
			"status":      "DRAFT\x1b[2J\x1b[H",
			"type":        "CHECKOUT_SESSION\u009d0;c1\u009c",
			"url":         HostileURL,
			"created_at":  "2026-01-05T10:00:00Z\rlater",
		}
	}
	return map[string]any{
		"id":              HostileID,
		"customer_id":     "cus_hostile",
		"plan_version_id": "plv_1\rOVERWRITTEN",
		"status":          "CREATED\x1b[2J\x1b[H",
		"checkout_type":   "SELF_SERVE\u009b2J",
		"coupon_code":     "\u202eEERF",
		"created_at":      "2026-01-05T10:00:00Z",
		"checkout_url":    HostileURL,
		"expires_at":      nil,
	}
}

// keepHostile stores the hostile session, once, so that a list shows it.
func (s *Server) keepHostile(maple bool) {
	sess := hostileSession(maple)
	id := sess["id"].(string)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sessions[id]; !ok {
		s.order = append(s.order, id)
	}
	s.sessions[id] = sess
}
