#!/bin/sh
# Make a headless Chromium and its chromedriver available for the browser test of the dashboards
# (`make test`, CI), the way tests/ensure_postgres.sh does for PostgreSQL.
#
# Exit 0 when chromium (or chromium-browser / google-chrome) and chromedriver are on the PATH, installing
# them from the system packages if they were not (Debian `chromium chromium-driver`, Ubuntu
# `chromium-browser chromium-chromedriver`; as root or through passwordless sudo, non-interactive);
# exit 1 when they cannot be had here, and the browser test is then skipped with the reason.
set -u

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
if ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium: not installed and no apt-get here: the browser test will be skipped"
    exit 1
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "chromium: not installed, and installing needs root (or passwordless sudo): the browser test will be skipped"
        exit 1
    fi
fi
APT="$SUDO env DEBIAN_FRONTEND=noninteractive apt-get"
OPTS="-y -qq --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"
echo "chromium: installing the browser and chromedriver from the system packages (apt-get install chromium chromium-driver)"
if ! $APT update -qq; then
    echo "chromium: apt-get update failed: the browser test will be skipped"
    exit 1
fi
# Debian names the packages chromium/chromium-driver; Ubuntu chromium-browser/chromium-chromedriver.
if ! $APT install $OPTS chromium chromium-driver >/dev/null 2>&1 \
    && ! $APT install $OPTS chromium-browser chromium-chromedriver >/dev/null 2>&1; then
    echo "chromium: apt-get install failed: the browser test will be skipped"
    exit 1
fi
if have_browser; then
    echo "chromium: installed"
    exit 0
fi
echo "chromium: installed, but the browser or chromedriver was not found on the PATH: the browser test will be skipped"
exit 1
