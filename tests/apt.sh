# Sourced by tests/ensure_*.sh: install system packages for the test suite from apt, non-interactively, as
# root or through passwordless sudo. Never prompts, never fails the caller's shell: returns 1 with the reason.

# as_root CMD...: run a command as root (directly, or through passwordless sudo).
as_root() {
    if [ "$(id -u)" = "0" ]; then "$@"; else sudo -n "$@"; fi
}

# apt_install LABEL PACKAGE...: 0 when the packages were installed; 1 (reason printed) when they cannot be.
apt_install() {
    label=$1
    shift
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "$label: not installed and no apt-get here"
        return 1
    fi
    if [ "$(id -u)" != "0" ] && ! { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }; then
        echo "$label: not installed, and installing needs root (or passwordless sudo)"
        return 1
    fi
    echo "$label: installing from the system packages (apt-get install $*)"
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq; then
        echo "$label: apt-get update failed"
        return 1
    fi
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" >/dev/null; then
        echo "$label: apt-get install $* failed"
        return 1
    fi
    return 0
}
