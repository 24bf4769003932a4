package output

import (
	"github.com/billctl/billctl/internal/format"
	"github.com/billctl/billctl/internal/provider"
)

// urlFormat is -o url: one checkout URL per line, to send to a customer.
var urlFormat = lineFormat{
	name: format.URL,
	help: "one checkout URL per line",
	get:  func(s *provider.Session) string { return s.URL },
}
