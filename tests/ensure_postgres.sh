#!/bin/sh
# Make the PostgreSQL server binaries available for the test suite (`make test`, CI).
#
# Exit 0 when initdb/pg_ctl are present (installing them from the system packages if they were not:
# Debian/Ubuntu `postgresql`, as root or through passwordless sudo, non-interactive), 1 when they cannot be
# had here. It never creates or starts a cluster: the tests start a private throwaway one on 127.0.0.1
# (tests/postgres_server.py) and stop it. With exit 1 the PostgreSQL tests are skipped with the reason.
set -u

have_server() {
    if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then return 0; fi
    for dir in /usr/lib/postgresql/*/bin /usr/pgsql-*/bin; do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then return 0; fi
    done
    return 1
}

if have_server; then
    echo "postgresql: server binaries present"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "postgresql: no server binaries and no apt-get here: the PostgreSQL tests will be skipped"
    exit 1
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "postgresql: not installed, and installing needs root (or passwordless sudo): the PostgreSQL tests will be skipped"
        exit 1
    fi
fi
echo "postgresql: installing the server from the system packages (apt-get install postgresql)"
# Debian's postgresql-common would create and start a 'main' cluster; the tests bring their own.
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    $SUDO mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
fi
if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    || ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold postgresql >/dev/null; then
    echo "postgresql: apt-get install failed: the PostgreSQL tests will be skipped"
    exit 1
fi
if have_server; then
    echo "postgresql: installed"
    exit 0
fi
echo "postgresql: installed, but initdb/pg_ctl were not found: the PostgreSQL tests will be skipped"
exit 1
