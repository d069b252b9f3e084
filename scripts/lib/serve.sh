# Sourced by the corpus scripts (scripts/scan-corpus/run.sh,
# scripts/producer-corpus/run.sh): starts a vanthu serve and makes the users
# their drivers sign in as.
#
#   vanthu_serve BIN DATA PORT [VAR=value...]
#
# runs BIN serve on 127.0.0.1:PORT with its data in DATA (serve.out and
# serve.err there), the admin password admin-secret-1, warnings only in the
# log, BIN's directory first in PATH and the extra VAR=value settings;
# waits for /healthz (exits 1 with serve.err's tail when it does not come
# up); then creates one user per role, clerk, officer and handler
# (password pass-ROLE-1). Sets pid (the serve's, stopped by an EXIT trap),
# b (its base URL) and admin (the admin's bearer token).
vanthu_serve() {
  local bin=$1 data=$2 port=$3
  shift 3
  env PATH="$(dirname "$bin"):$PATH" VANTHU_DATA_DIR="$data" VANTHU_ADDR=127.0.0.1:$port \
    VANTHU_ADMIN_PASSWORD=admin-secret-1 VANTHU_LOG_LEVEL=warn "$@" \
    "$bin" serve >"$data/serve.out" 2>"$data/serve.err" &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT
  b=http://127.0.0.1:$port
  local up=
  for _ in $(seq 100); do
    if curl -sf "$b/healthz" >/dev/null; then up=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.3
  done
  if [ -z "$up" ]; then
    echo "vanthu serve did not come up on $b:" >&2
    tail -n 20 "$data/serve.err" >&2
    exit 1
  fi
  admin=$(curl -s "$b/api/v1/auth/login" -d '{"username":"admin","password":"admin-secret-1"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
  local r
  for r in clerk officer handler; do
    curl -s -o /dev/null "$b/api/v1/users" -H "Authorization: Bearer $admin" \
      -d "{\"username\":\"$r\",\"password\":\"pass-$r-1\",\"full_name\":\"Nguyễn Văn $r\",\"title\":\"Chủ tịch\",\"roles\":[\"$r\"]}"
    # The password the admin set is temporary: the first login's change,
    # and back, so that the drivers log in with pass-$r-1 — which stays
    # in the password history until 5 others replaced it (internal/pwbacktest).
    local t cur next i
    t=$(curl -s "$b/api/v1/auth/login" -d "{\"username\":\"$r\",\"password\":\"pass-$r-1\"}" | sed 's/.*"token":"\([^"]*\)".*/\1/')
    cur="pass-$r-1"
    for i in 1 2 3 4 5 back; do
      next="pass-$r-1-own-$i"
      [ "$i" = back ] && next="pass-$r-1"
      curl -s -o /dev/null "$b/api/v1/auth/password" -H "Authorization: Bearer $t" -d "{\"current_password\":\"$cur\",\"new_password\":\"$next\"}"
      cur=$next
    done
  done
}
