package sandboxtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/billctl/billctl/internal/sandbox"
)

// fault answers the failures that a create's customer ID asks for, so that
// tests reach error paths the sandbox has no reason to take: cus_400,
// cus_404, cus_409, cus_422, cus_500, cus_503 in the API's JSON shape;
// cus_502 and cus_html an HTML page from a proxy; cus_text a plain-text
// refusal; cus_empty a 500 without a body.
func fault(w http.ResponseWriter, k *sandbox.Kit, customer string) bool {
	switch customer {
	case "cus_400":
		if k.BadRequest == nil {
			k.Error(w, 400, "BAD_REQUEST", "bad request")
			break
		}
		k.BadRequest(w)
	case "cus_404":
		k.Error(w, 404, "NOT_FOUND", "customer not found")
	case "cus_409":
		k.Error(w, 409, "CONFLICT", "conflict")
	case "cus_422":
		k.Error(w, 422, "UNPROCESSABLE_ENTITY", "unprocessable")
	case "cus_500":
		k.Error(w, 500, "INTERNAL_SERVER_ERROR", "internal error")
	case "cus_502", "cus_html":
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(502)
		fmt.Fprint(w, "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>bad gateway</body></html>")
	case "cus_503":
		k.Error(w, 503, "UNAVAILABLE", "service unavailable")
	case "cus_text":
		sandbox.Text(w, 422, "Failed to deserialize the JSON body into the target type: plan_version_id: invalid type")
	case "cus_empty":
		w.WriteHeader(500)
	default:
		return false
	}
	return true
}

// advance names the customers whose new session is moved on at once (in
// the APIs whose kit says how to read a created session back), through the store's own transitions, so that tests show every
// status without paying: cus_awaiting (its page was opened),
// cus_completed (paid), cus_expired (expired).
var advance = map[string]func(*sandbox.Store, string) error{
	"cus_awaiting": func(st *sandbox.Store, id string) error {
		_, err := st.Opened(context.Background(), id)
		return err
	},
	"cus_completed": func(st *sandbox.Store, id string) error {
		_, err := st.Pay(context.Background(), id)
		return err
	},
	"cus_expired": func(st *sandbox.Store, id string) error {
		_, err := st.Expire(context.Background(), id)
		return err
	},
}

// createAdvanced creates the session in the sandbox, moves it on, and
// answers as the create would have had the session been there already.
func (a *API) createAdvanced(w http.ResponseWriter, r *http.Request, k *sandbox.Kit, customer string) {
	rec := httptest.NewRecorder()
	a.Sandbox.ServeHTTP(rec, r)
	id, ok := k.Created(rec.Body.Bytes())
	if rec.Code != http.StatusOK || !ok {
		copyResponse(w, rec)
		return
	}
	if err := advance[customer](a.Store, id); err != nil {
		k.Error(w, 500, "INTERNAL_SERVER_ERROR", err.Error())
		return
	}
	get, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, k.SessionPath(id), nil)
	get.Header = r.Header.Clone()
	a.Sandbox.ServeHTTP(w, get)
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = bytes.NewReader(rec.Body.Bytes()).WriteTo(w)
}

// noURL answers the creates and gets of cus_nourl's sessions without a
// URL, as an API that may omit it does: the sandbox's answer, its URL
// emptied by the API's kit.
func (a *API) noURL(w http.ResponseWriter, r *http.Request, k *sandbox.Kit, customer string) bool {
	isCreate := r.Method == http.MethodPost && customer == "cus_nourl"
	a.mu.Lock()
	isGet := r.Method == http.MethodGet && a.noURLs[r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]]
	a.mu.Unlock()
	if !isCreate && !isGet {
		return false
	}
	rec := httptest.NewRecorder()
	a.Sandbox.ServeHTTP(rec, r)
	var v map[string]any
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &v) != nil {
		copyResponse(w, rec)
		return true
	}
	if id := k.DropURL(v); id != "" && isCreate {
		a.mu.Lock()
		if a.noURLs == nil {
			a.noURLs = map[string]bool{}
		}
		a.noURLs[id] = true
		a.mu.Unlock()
	}
	sandbox.JSON(w, rec.Code, v)
	return true
}
