#!/usr/bin/env bash
# The Debian packages the tests drive: chromium (browser tests through Playwright, chart images
# through kaleido; never `playwright install`: no network for it) and poppler-utils (pdftoppm
# renders the PDF reports in the report tests) and postgresql (the DuckLake tests start a
# throw-away cluster with its server binaries). Install the missing ones when we are allowed to.
set -u
missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's ${missing[*]} for the tests..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") \
    >/tmp/impactmonitor-apt.log 2>&1 || {
    echo "Could not install ${missing[*]} (see /tmp/impactmonitor-apt.log); the tests that need them will be skipped or fail."
  }
else
  echo "${missing[*]} missing and cannot be installed here; browser tests will be skipped."
fi
exit 0
