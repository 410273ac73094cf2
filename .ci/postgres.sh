# Sourced by .ci/run (and usable by hand: `source .ci/postgres.sh && start_test_postgres`):
# a throwaway PostgreSQL for the dual-backend tests, stopped and removed on exit.
# Exports WAYPOINT_TEST_DATABASE_URL; without it the PostgreSQL cases skip.

_pg_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# Run a PostgreSQL program as an unprivileged user when we are root (initdb refuses root).
_as_pg() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$_PG_USER" -- "$@"
    else
        "$@"
    fi
}

stop_test_postgres() {
    if [ -n "${_PG_DIR:-}" ] && [ -d "$_PG_DIR" ]; then
        _as_pg "$(_pg_bin)/pg_ctl" -D "$_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
        rm -rf "$_PG_DIR"
    fi
}

start_test_postgres() {
    if [ -n "${WAYPOINT_TEST_DATABASE_URL:-}" ]; then
        return 0  # a server was given: use it
    fi
    if [ -z "$(_pg_bin)" ]; then
        echo "PostgreSQL is not installed: installing it (apt-get)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    local bin port
    bin="$(_pg_bin)"
    _PG_USER="$(id -un postgres 2>/dev/null || echo nobody)"
    _PG_DIR="$(mktemp -d /tmp/waypoint-pg.XXXXXX)"
    trap stop_test_postgres EXIT
    if [ "$(id -u)" = 0 ]; then
        chown "$_PG_USER" "$_PG_DIR"
    fi
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    _as_pg "$bin/initdb" -D "$_PG_DIR/data" -U waypoint --auth=trust -E UTF8 --no-sync >"$_PG_DIR/initdb.log"
    # fsync off: a throwaway test server (the durability tests kill clients, not the server).
    _as_pg "$bin/pg_ctl" -D "$_PG_DIR/data" -l "$_PG_DIR/server.log" -w -o \
        "-c listen_addresses=127.0.0.1 -p $port -k $_PG_DIR -c fsync=off -c max_connections=200" \
        start >/dev/null
    _as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U waypoint waypoint_test
    export WAYPOINT_TEST_DATABASE_URL="postgresql://waypoint@127.0.0.1:$port/waypoint_test"
    echo "test PostgreSQL on 127.0.0.1:$port ($_PG_DIR)"
}
