#!/bin/sh
# Make the PostgreSQL server binaries available for the test suite (`make test`, CI).
#
# Exit 0 when initdb/pg_ctl are present (installing them from the system packages if they were not:
# Debian/Ubuntu `postgresql`, as root or through passwordless sudo, non-interactive), 1 when they cannot be
# had here. It never creates or starts a cluster: the tests start a private throwaway one on 127.0.0.1
# (tests/postgres_server.py) and stop it. With exit 1 the PostgreSQL tests are skipped with the reason.
set -u
. "$(dirname "$0")/apt.sh"

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
# Debian's postgresql-common would create and start a 'main' cluster; the tests bring their own.
if [ ! -e /etc/postgresql-common/createcluster.conf ] && command -v apt-get >/dev/null 2>&1; then
    as_root mkdir -p /etc/postgresql-common 2>/dev/null \
        && echo "create_main_cluster = false" | as_root tee /etc/postgresql-common/createcluster.conf >/dev/null
fi
if apt_install postgresql postgresql && have_server; then
    echo "postgresql: installed"
    exit 0
fi
echo "postgresql: initdb/pg_ctl unavailable: the PostgreSQL tests will be skipped"
exit 1
