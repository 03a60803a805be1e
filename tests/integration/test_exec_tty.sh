#!/bin/bash
# podvisor exec and terminals, as kubectl users know them: -it without a
# terminal to read from says kubectl's "Unable to use a TTY" and runs as
# -i (the command's exit code passed through, the client idle, not
# spinning); nothing of an exec outlives its client, whatever ends it
# (SIGKILL, SIGTERM, SIGHUP, SIGINT, the command's end, `exit`, a hung-up
# terminal), down to what the command left in the background or
# detached; with a real terminal (tmux), the command's terminal has the
# client's size at start and after every resize, and Ctrl-C reaches the
# command. Options anywhere before "--". Many: 20 clients on one pod,
# all killed, nothing left.
. "$(dirname "$0")/lib_pods.sh"

start_daemon && ok "daemon starts" || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }
pod_yaml web Always sleep 100000 >"$T_TMP/web.yaml"
drop web.yaml "$T_TMP/web.yaml"
wait_status web Running 30 && ok "pod web runs" || { fail "web: $(pod_json web "p['status']")"; done_testing; exit 1; }
CPID=$(pod_json web "p['containers'][0]['pid']")

# pod_procs: "pid args" of every process in the pod's PID namespace (as
# this test's /proc, above the pod's, sees them), sorted.
pod_procs() {
	local d args
	for d in /proc/[0-9]*; do
		[ "$d/ns/pid" -ef "/proc/$CPID/ns/pid" ] || continue
		args=()
		mapfile -d '' args <"$d/cmdline" 2>/dev/null # builtins only: polled often
		echo "${d#/proc/} ${args[*]} " # each word followed by a space
	done | sort -n
}
# count_in_pod PATTERN: how many of the pod's processes' args match PATTERN (ERE).
count_in_pod() { pod_procs | cut -d' ' -f2- | grep -cE "$1"; }
# client_cpu PID: user + system CPU of PID so far, in clock ticks.
client_cpu() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null; }
BEFORE=$(pod_procs)
[ "$(echo "$BEFORE" | grep -c .)" -ge 2 ] && ok "the pod's processes are seen (its init and sleep)" \
	|| fail "pod_procs: $BEFORE"
# nothing_left SECONDS: until the pod has exactly the processes it had before any exec.
nothing_left() { wait_for "$1" '[ "$(pod_procs)" = "$BEFORE" ]'; }

# --- options anywhere before "--" ---------------------------------------------
for args in "web -c main" "-c main web" "web --state $S" "web -n default -c main --state $S" "-it web -c main"; do
	# shellcheck disable=SC2086
	out=$(setsid "$PODVISOR" exec $args -- echo ran </dev/null 2>/dev/null)
	[ "$out" = ran ] && ok "exec $args -- echo ran" || fail "exec $args: '$out'"
done
out=$("$PODVISOR" exec web -c nope -- true 2>&1); rc=$?
[ "$rc" = 1 ] && [[ $out == *'no container "nope"'* ]] && ok "exec -c nope: exit 1, no such container" || fail "-c nope: rc $rc $out"

# --- -it without a terminal: kubectl's warning, then as -i ----------------------
out=$(setsid "$PODVISOR" exec -it web -- sh -c 'echo out; exit 7' </dev/null 2>"$T_TMP/err"); rc=$?
[ "$rc" = 7 ] && [ "$out" = out ] && [ "$(cat "$T_TMP/err")" = "Unable to use a TTY - input is not a terminal or the right kind of file" ] \
	&& ok "-it from /dev/null: the warning alone on stderr, the output, exit code 7 passed through" \
	|| { fail "-it no tty: rc $rc out '$out'"; diag "$(cat "$T_TMP/err")"; }
out=$(printf 'echo "in $(tty 2>&1)"\nexit 5\n' | "$PODVISOR" exec -it web -- sh 2>"$T_TMP/err"); rc=$?
[ "$rc" = 5 ] && [ "$out" = "in not a tty" ] && grep -qx "Unable to use a TTY.*" "$T_TMP/err" \
	&& ok "-it from a pipe: the shell reads the pipe, no terminal, exit 5" || { fail "-it pipe: rc $rc out '$out'"; diag "$(cat "$T_TMP/err")"; }
out=$("$PODVISOR" exec -t web -- tty </dev/null 2>&1); rc=$?
[ "$out" = "not a tty" ] && [ "$rc" = 1 ] && ok "-t without -i: no terminal, no warning (as kubectl)" || fail "-t alone: rc $rc '$out'"

# --- no spin: an idle exec costs (almost) no CPU --------------------------------
setsid "$PODVISOR" exec -it web -- sleep 30 </dev/null 2>/dev/null &
cl=$!
if wait_for 10 '[ "$(count_in_pod "^sleep 30 ")" = 1 ]'; then
	t0=$(client_cpu "$cl")
	sleep 3 # a window to measure in: a spinning client burns ~3 s of it
	t1=$(client_cpu "$cl")
	hz=$(getconf CLK_TCK)
	[ -n "$t0" ] && [ -n "$t1" ] && [ $((t1 - t0)) -lt $((hz / 2)) ] \
		&& ok "an idle -it exec without a terminal uses $((t1 - t0)) ticks of CPU in 3 s (bound: $((hz / 2)))" \
		|| fail "CPU spin: $t0 -> $t1 ticks in 3 s"
else
	fail "exec sleep 30 never seen in the pod: $(pod_procs | tr '\n' ';')"
fi
kill -TERM "$cl"
wait "$cl"; rc=$?
[ "$rc" = 143 ] && ok "SIGTERM ends it as it ends a command (exit 143)" || fail "exec sleep 30 after SIGTERM: rc $rc"
nothing_left 10 && ok "nothing of it is left in the pod" || fail "left: $(pod_procs | tr '\n' ';')"

# --- nothing outlives the client ---------------------------------------------
# The command leaves a background child, a detached (double-forked)
# grandchild and one that ignores SIGHUP, SIGTERM and SIGINT behind it,
# then waits.
k=0
for sig in KILL TERM HUP INT; do
	k=$((k + 1))
	TREE="sleep 1${k}01 & (sleep 1${k}02 &) ; sh -c 'trap \"\" HUP TERM INT; sleep 1${k}03' & sleep 1${k}00"
	setsid "$PODVISOR" exec -it web -- sh -c "$TREE" </dev/null 2>/dev/null &
	cl=$!
	if wait_for 10 '[ "$(count_in_pod "^sleep 1${k}0[0-3] ")" = 4 ]'; then
		kill -"$sig" "$cl"
		nothing_left 10 && ok "client killed by SIG$sig mid-command: nothing of the exec is left in the pod" \
			|| fail "SIG$sig: left $(pod_procs | tr '\n' ';')"
	else
		fail "SIG$sig: the tree never ran: $(pod_procs | tr '\n' ';')"
		kill -9 "$cl"
	fi
	wait "$cl" 2>/dev/null
done
# (their output elsewhere: the $(...) would wait for them)
out=$("$PODVISOR" exec web -- sh -c 'sleep 1004 >/dev/null 2>&1 & (sleep 1005 >/dev/null 2>&1 &); echo started' 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$out" = started ] && [ "$(pod_procs)" = "$BEFORE" ] \
	&& ok "when the command ends, what it left in the background goes with it" || fail "after end: rc $rc $out; $(pod_procs | tr '\n' ';')"

# --- a real terminal: tmux --------------------------------------------------------
TM=(tmux -S "$T_TMP/tmux.sock" -f /dev/null)
export TERM=xterm
# screen: what the pane shows, blank lines dropped
screen() { "${TM[@]}" capture-pane -p -t ex 2>/dev/null | grep -v '^ *$'; }
# ask CMD: type CMD and Enter in the pane
ask() { "${TM[@]}" send-keys -t ex "$1" Enter; }
# pane_size: "rows cols" of the pane, as tmux has it
pane_size() { "${TM[@]}" display -p -t ex '#{pane_height} #{pane_width}'; }
# stty_says N SIZE: stty size in the pod answers SIZE (a marker per
# question: "size N.TRY: ..."); asked again while it answers another size,
# as tmux may pass a resize on to its pane's terminal a moment later.
stty_says() {
	local try
	for try in 1 2 3 4 5; do
		ask "echo \"size $1.$try: \$(stty size)\""
		wait_for 5 "screen | grep -q '^size $1.$try: '" || return 1
		screen | grep -qx "size $1.$try: $2" && return 0
		sleep 0.5
	done
	return 1
}

# (the client's exit status said in the pane: tmux's #{pane_dead_status} is not always filled in)
"${TM[@]}" new-session -d -s ex -x 100 -y 30 "$PODVISOR exec -it web --state $S -- sh; echo client-exit=\$?" \
	\; set -g status off \; set -g remain-on-exit on
wait_for 10 'screen | grep -q "#"' && ok "tmux runs exec -it: a prompt" || fail "tmux: no prompt: $(screen)"
size=$(pane_size)
stty_says 1 "$size" && ok "the command's terminal has the client's size at start ($size)" \
	|| fail "start size: wanted $size, screen: $(screen | tail -3 | tr '\n' ';')"
"${TM[@]}" resize-window -t ex -x 120 -y 40
size2=$(pane_size)
[ "$size2" != "$size" ] && stty_says 2 "$size2" && ok "after a resize to $size2, stty size in the pod says so" \
	|| fail "resize: pane $size2, screen: $(screen | tail -3 | tr '\n' ';')"
"${TM[@]}" resize-window -t ex -x 81 -y 25
size3=$(pane_size)
stty_says 3 "$size3" && ok "and again ($size3)" || fail "resize 2: pane $size3, screen: $(screen | tail -3 | tr '\n' ';')"

ask 'sleep 100'
if wait_for 10 '[ "$(count_in_pod "^sleep 100 ")" = 1 ]'; then
	"${TM[@]}" send-keys -t ex C-c
	wait_for 10 '[ "$(count_in_pod "^sleep 100 ")" = 0 ]' && ask 'echo "alive-$((40 + 2))"' \
		&& wait_for 10 'screen | grep -qx "alive-42"' \
		&& ok "Ctrl-C reaches the command in the pod (sleep 100 interrupted), the shell lives on" \
		|| fail "Ctrl-C: $(screen | tail -3 | tr '\n' ';'); $(count_in_pod "^sleep 100 ") sleep 100"
else
	fail "sleep 100 never ran: $(screen | tail -3 | tr '\n' ';')"
fi
ask 'sleep 1006 & echo bg'
wait_for 10 '[ "$(count_in_pod "^sleep 1006 ")" = 1 ]' && ask 'exit 3'
wait_for 10 'screen | grep -qx "client-exit=3"' && [ "$(pod_procs)" = "$BEFORE" ] \
	&& ok "exit 3: the client ends with 3, and nothing is left in the pod (not even the shell's background job)" \
	|| fail "exit: $(screen | tail -2 | tr '\n' ';'); $(pod_procs | tr '\n' ';')"
"${TM[@]}" kill-session -t ex

# the terminal hangs up (the tmux window goes) under a running command
"${TM[@]}" new-session -d -s ex -x 100 -y 30 "$PODVISOR exec -it web -- sh -c 'sleep 1007 & sleep 1008'"
if wait_for 10 '[ "$(count_in_pod "^sleep 100[78] ")" = 2 ]'; then
	"${TM[@]}" kill-session -t ex
	nothing_left 10 && ok "the client's terminal hangs up: nothing of the exec is left" || fail "hangup: $(pod_procs | tr '\n' ';')"
else
	fail "tmux hangup: never ran: $(pod_procs | tr '\n' ';')"
fi
"${TM[@]}" kill-server 2>/dev/null

# --- many: 20 clients at once on one pod, all killed ------------------------------
pids=()
for i in $(seq 20); do
	setsid "$PODVISOR" exec -it web -- sh -c "sleep 30$i & sleep 20$i" </dev/null 2>/dev/null &
	pids+=($!)
done
if wait_for 30 '[ "$(count_in_pod "^sleep [23]0[0-9]+ ")" = 40 ]'; then
	ok "20 clients run their commands in the pod at once (40 sleeps)"
	kill -9 "${pids[@]}"
	nothing_left 20 && ok "all 20 killed with SIGKILL: nothing of them is left in the pod" \
		|| fail "many: left $(count_in_pod 'sleep [23]0') sleeps; $(pod_procs | wc -l) processes"
else
	fail "many: $(count_in_pod "^sleep [23]0[0-9]+ ") of 40 sleeps"
	kill -9 "${pids[@]}"
fi
wait "${pids[@]}" 2>/dev/null
kill -0 "$DAEMON" && ok "the daemon is still running" || fail "daemon died"

done_testing
