#!/usr/bin/env bash
# Make sure what the test suite needs is here: PostgreSQL (5432) and Redis (6379)
# listening on 127.0.0.1, and Debian's Chromium for the page tests. Development
# machines already run the servers; on a bare Debian machine everything is
# installed from Debian's packages and started.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() {
  local port=$1 name=$2
  for _ in $(seq 1 60); do listening "$port" && return 0; sleep 0.5; done
  echo "test-services: $name did not start listening on 127.0.0.1:$port" >&2
  exit 1
}

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! listening 5432; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "test-services: installing PostgreSQL from Debian packages"
    apt_install postgresql
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  # Tests connect as "postgres" over TCP without a password, as on the development machines.
  if ! as_root grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  echo "test-services: starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for 5432 PostgreSQL
fi

if ! listening 6379; then
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "test-services: installing Redis from Debian packages"
    apt_install redis-server
  fi
  echo "test-services: starting Redis"
  as_root mkdir -p /var/lib/redis /var/log/redis
  as_root redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" \
    --appendonly no --dir /var/lib/redis --logfile /var/log/redis/smsurvey-tests.log
  wait_for 6379 Redis
fi

if [ ! -x /usr/bin/chromium ]; then
  echo "test-services: installing Chromium from Debian packages (for the page tests)"
  apt_install chromium
fi

echo "test-services: PostgreSQL and Redis are listening on 127.0.0.1; Chromium is installed"
