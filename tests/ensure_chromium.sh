#!/bin/sh
# Make a headless Chromium and its chromedriver available for the browser test of the dashboards
# (`make test`, CI), the way tests/ensure_postgres.sh does for PostgreSQL.
#
# Exit 0 when chromium (or chromium-browser / google-chrome) and chromedriver are on the PATH, installing
# them from the system packages if they were not (Debian `chromium chromium-driver`, Ubuntu
# `chromium-browser chromium-chromedriver`); exit 1 when they cannot be had here, and the browser test is
# then skipped with the reason.
set -u
. "$(dirname "$0")/apt.sh"

have_browser() {
    command -v chromedriver >/dev/null 2>&1 || return 1
    for b in chromium chromium-browser google-chrome; do
        if command -v "$b" >/dev/null 2>&1; then return 0; fi
    done
    return 1
}

if have_browser; then
    echo "chromium: browser and chromedriver present"
    exit 0
fi
# Debian names the packages chromium/chromium-driver; Ubuntu chromium-browser/chromium-chromedriver.
if { apt_install chromium chromium chromium-driver || apt_install chromium chromium-browser chromium-chromedriver; } \
    && have_browser; then
    echo "chromium: installed"
    exit 0
fi
echo "chromium: browser or chromedriver unavailable: the browser test will be skipped"
exit 1
