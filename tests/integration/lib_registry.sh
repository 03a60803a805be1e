# Registries for the pull tests: Debian's docker-registry (distribution
# 2.8) serving on an address of the test's own network namespace, over
# plain http. Sourced after lib_pods.sh (T_TMP); the registries die with
# the namespace, whatever happens.

# start_registry NAME ADDR [AUTH-YAML]: a registry storing under
# $T_TMP/NAME, its log appended to $T_TMP/NAME/log, its pid in
# $T_TMP/NAME/pid; returns once it answers /v2/.
start_registry() {
	local dir=$T_TMP/$1
	mkdir -p "$dir"
	cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $dir/data
http:
  addr: $2
${3:-}
YAML
	docker-registry serve "$dir/config.yml" >>"$dir/log" 2>&1 &
	echo $! >"$dir/pid"
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://$2/v2/" && return 0
		sleep 0.1
	done
	return 1
}

# stop_registry NAME: until it is gone (5 s at most).
stop_registry() {
	kill "$(cat "$T_TMP/$1/pid")" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$(cat "$T_TMP/$1/pid")" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# start_auth_registry NAME ADDR: start_registry with htpasswd auth, one
# user alice:s3cret ($T_TMP/htpasswd); one result, ok or not.
start_auth_registry() {
	htpasswd -Bbc "$T_TMP/htpasswd" alice s3cret >/dev/null 2>&1
	start_registry "$1" "$2" "auth:
  htpasswd:
    realm: test
    path: $T_TMP/htpasswd" && ok "a registry with htpasswd auth serves on $2" ||
		{ fail "auth registry"; diag "$(cat "$T_TMP/$1/log")"; }
}

# hang_server PORT: something on 127.0.0.1:PORT that accepts and never
# answers, in the background (its pid in $!).
hang_server() {
	"${PY:-python3}" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
held = []
while True:
    c, _ = s.accept()
    held.append(c)  # never answered
' "$1" &
}
