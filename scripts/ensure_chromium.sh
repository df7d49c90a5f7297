#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through Playwright (never `playwright install`: no network
# for it). Install the Debian package when it is missing and we are allowed to.
set -u
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
    >/tmp/impactmonitor-apt.log 2>&1 || {
    echo "Could not install chromium (see /tmp/impactmonitor-apt.log); browser tests will be skipped."
  }
else
  echo "chromium is missing and cannot be installed here; browser tests will be skipped."
fi
exit 0
