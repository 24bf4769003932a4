# shellcheck shell=bash
# Shared by .ci/run and .ci/contract.sh: where the tools live and how to
# install them. Sourced, not run.

# The pinned tools. staticcheck must know the language version of the
# toolchain that type-checks the code: v0.8.2 is itself a Go 1.26 module
# (its go.mod says go 1.26.0), so it understands everything 1.26 accepts.
STATICCHECK_VERSION=v0.8.2
PRISM_VERSION=5.16.0
STANDARDWEBHOOKS_VERSION=1.1.1

# Downloads are kept between runs, outside the tree so that `gofmt -l .`
# and `go vet ./...` never walk node_modules.
if [[ -z "${BILLCTL_CI_CACHE:-}" ]]; then
	if [[ -n "${XDG_CACHE_HOME:-}" ]]; then
		BILLCTL_CI_CACHE="$XDG_CACHE_HOME/billctl-ci"
	elif [[ -n "${HOME:-}" ]]; then
		BILLCTL_CI_CACHE="$HOME/.cache/billctl-ci"
	else
		BILLCTL_CI_CACHE="$ROOT/.ci/.cache"
	fi
fi
export BILLCTL_CI_CACHE

STATICCHECK="$BILLCTL_CI_CACHE/staticcheck-$STATICCHECK_VERSION/staticcheck"
PRISM="$BILLCTL_CI_CACHE/prism-$PRISM_VERSION/node_modules/.bin/prism"

install_staticcheck() {
	if [[ -x "$STATICCHECK" ]]; then
		"$STATICCHECK" -version
		return
	fi
	GOBIN="$(dirname "$STATICCHECK")" go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
	"$STATICCHECK" -version
}

install_prism() {
	if [[ -x "$PRISM" ]] && [[ "$("$PRISM" --version 2>/dev/null)" == "$PRISM_VERSION" ]]; then
		echo "prism $PRISM_VERSION (cached)"
		return
	fi
	command -v node >/dev/null || { echo "node is not installed: Prism needs Node.js and npm" >&2; return 1; }
	# Prism 5.16 declares node >=24.18 in its engines field; it runs on the
	# machine's Node 20, and the contract run's canaries prove it validates.
	npm install --no-save --no-audit --no-fund --loglevel=error \
		--prefix "$BILLCTL_CI_CACHE/prism-$PRISM_VERSION" "@stoplight/prism-cli@$PRISM_VERSION"
	[[ "$("$PRISM" --version)" == "$PRISM_VERSION" ]] || { echo "prism --version is not $PRISM_VERSION" >&2; return 1; }
	echo "prism $PRISM_VERSION installed"
}

# install_standardwebhooks: the Standard Webhooks reference library, which
# an independent Node receiver uses to verify what the sandbox signs.
STANDARDWEBHOOKS_MODULES="$BILLCTL_CI_CACHE/standardwebhooks-$STANDARDWEBHOOKS_VERSION/node_modules"
install_standardwebhooks() {
	if [[ -f "$STANDARDWEBHOOKS_MODULES/standardwebhooks/package.json" ]]; then
		echo "standardwebhooks $STANDARDWEBHOOKS_VERSION (cached)"
		return
	fi
	command -v node >/dev/null || { echo "node is not installed: the webhook verification needs Node.js and npm" >&2; return 1; }
	npm install --no-save --no-audit --no-fund --loglevel=error \
		--prefix "$BILLCTL_CI_CACHE/standardwebhooks-$STANDARDWEBHOOKS_VERSION" "standardwebhooks@$STANDARDWEBHOOKS_VERSION"
	echo "standardwebhooks $STANDARDWEBHOOKS_VERSION installed"
}
