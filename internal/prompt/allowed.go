package prompt

// Allowed reports whether a command may ask at all: only when both stdin
// and stdout are terminals, and neither --no-input (noInput), nor
// BILLCTL_NO_INPUT, nor CI is set. A script, a pipe or a CI job then never
// waits on a question; the command fails on what is missing instead.
func Allowed(stdinTTY, stdoutTTY, noInput bool, getenv func(string) string) bool {
	if !stdinTTY || !stdoutTTY || noInput {
		return false
	}
	if isSet(getenv("BILLCTL_NO_INPUT")) {
		return false
	}
	// CI systems set CI=true (or 1, or the system's name); any value counts.
	return getenv("CI") == ""
}
