package sandbox

import (
	"encoding/json"
	"errors"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/billctl/billctl/internal/sandbox"
)

// The catalogue's routes: lists are paginated (page from 0, per_page 1 to
// 100, default 10) with the filters the server applies; one record by ID,
// and customers also by alias.

const defaultPerPage = 10

// paging reads page and per_page, or answers the framework's 400.
func paging(w http.ResponseWriter, q url.Values) (page, perPage int, ok bool) {
	perPage = defaultPerPage
	read := func(name string, min, max int) (int, bool) {
		n, err := strconv.Atoi(q.Get(name))
		if err != nil {
			sandbox.Text(w, http.StatusBadRequest, "Failed to deserialize query string: "+name+": invalid digit found in string")
			return 0, false
		}
		if n < min || n > max {
			sandbox.Text(w, http.StatusBadRequest, "Input validation error: ["+name+": Validation error: range [{\"min\": Number("+strconv.Itoa(min)+"), \"max\": Number("+strconv.Itoa(max)+"), \"value\": Number("+strconv.Itoa(n)+")}]]")
			return 0, false
		}
		return n, true
	}
	if q.Has("page") {
		if page, ok = read("page", 0, 1<<31-1); !ok {
			return
		}
	}
	if q.Has("per_page") {
		if perPage, ok = read("per_page", 1, 100); !ok {
			return
		}
	}
	return page, perPage, true
}

func (h *handler) catalogList(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			sandbox.Text(w, http.StatusBadRequest, "Failed to deserialize query string: "+err.Error())
			return
		}
		page, perPage, ok := paging(w, q)
		if !ok {
			return
		}
		items, err := h.env.Store.Catalog(r.Context(), meteroid.Name, kind)
		if err != nil {
			h.internal(w, err)
			return
		}
		search := strings.ToLower(q.Get("search"))
		data := []json.RawMessage{}
		for _, it := range items {
			var rec struct {
				Status   string `json:"status"`
				PlanType string `json:"plan_type"`
				Disabled bool   `json:"disabled"`
			}
			_ = json.Unmarshal(it.Data, &rec)
			if search != "" && !strings.Contains(strings.ToLower(it.Name), search) && !strings.Contains(strings.ToLower(it.Alias), search) {
				continue
			}
			if kind == "plans" && len(q["status"]) > 0 && !slices.Contains(q["status"], rec.Status) {
				continue
			}
			if kind == "plans" && len(q["plan_type"]) > 0 && !slices.Contains(q["plan_type"], rec.PlanType) {
				continue
			}
			if kind == "coupons" {
				switch q.Get("filter") {
				case "ACTIVE":
					if rec.Disabled {
						continue
					}
				case "INACTIVE":
					if !rec.Disabled {
						continue
					}
				}
			}
			data = append(data, it.Data)
		}
		total := len(data)
		from := min(page*perPage, total)
		to := min(from+perPage, total)
		sandbox.JSON(w, http.StatusOK, map[string]any{
			"data": data[from:to],
			"pagination_meta": map[string]any{
				"page": page, "per_page": perPage, "total_items": total, "total_pages": (total + perPage - 1) / perPage,
			},
		})
	}
}

func (h *handler) catalogGet(kind, prefix string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r, prefix)
		if !ok {
			return
		}
		it, err := h.env.Store.CatalogItem(r.Context(), meteroid.Name, kind, id, false)
		if errors.Is(err, sandbox.ErrNoItem) {
			sandboxError(w, http.StatusNotFound, "NOT_FOUND", msgNotFound)
			return
		}
		if err != nil {
			h.internal(w, err)
			return
		}
		sandbox.Raw(w, http.StatusOK, it.Data)
	}
}

// customer answers GET /api/v1/customers/{id_or_alias}.
func (h *handler) customer(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("id")
	_, err := meteroid.ParseID("cus_", key)
	it, err := h.env.Store.CatalogItem(r.Context(), meteroid.Name, "customers", key, err != nil)
	if errors.Is(err, sandbox.ErrNoItem) {
		sandboxError(w, http.StatusNotFound, "NOT_FOUND", msgNotFound)
		return
	}
	if err != nil {
		h.internal(w, err)
		return
	}
	sandbox.Raw(w, http.StatusOK, it.Data)
}

// planVersions answers GET /api/v1/plans/{id}/versions.
func (h *handler) planVersions(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "plan_")
	if !ok {
		return
	}
	q, _ := url.ParseQuery(r.URL.RawQuery)
	page, perPage, ok := paging(w, q)
	if !ok {
		return
	}
	ctx := r.Context()
	if _, err := h.env.Store.CatalogItem(ctx, meteroid.Name, "plans", id, false); err != nil {
		if errors.Is(err, sandbox.ErrNoItem) {
			sandboxError(w, http.StatusNotFound, "NOT_FOUND", msgNotFound)
		} else {
			h.internal(w, err)
		}
		return
	}
	items, err := h.env.Store.Catalog(ctx, meteroid.Name, "plan_versions")
	if err != nil {
		h.internal(w, err)
		return
	}
	data := []json.RawMessage{}
	for i := len(items) - 1; i >= 0; i-- { // newest version first
		if items[i].Alias == id {
			data = append(data, items[i].Data)
		}
	}
	total := len(data)
	from := min(page*perPage, total)
	to := min(from+perPage, total)
	sandbox.JSON(w, http.StatusOK, map[string]any{
		"data":            data[from:to],
		"pagination_meta": map[string]any{"page": page, "per_page": perPage, "total_items": total, "total_pages": (total + perPage - 1) / perPage},
	})
}
