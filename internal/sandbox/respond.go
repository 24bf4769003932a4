package sandbox

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// JSON writes v as a JSON answer with status.
func JSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		Text(w, http.StatusInternalServerError, "encoding the answer: "+err.Error())
		return
	}
	Raw(w, status, b)
}

// Raw writes a JSON body that is already encoded.
func Raw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// Text writes a plain-text answer, as web frameworks do for the requests
// they refuse before the API's code runs.
func Text(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(msg)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg))
}
