# Helpers for podman-e2e.sh and its engine paths (e2e-paths.sh): sourced,
# never run. They use what podman-e2e.sh sets up: $work (the private
# store's directory), $tag, $reaper_size and CONTAINERS_CONF.
#
# Results go to $work/results, one "ok" or "FAIL" line per check, because
# each path runs in a subshell (so that an unexpected error ends that
# path, not the whole test) and no variable of a subshell comes back.
#
# SPDX-License-Identifier: MIT

# shellcheck shell=bash
# Set by podman-e2e.sh before it sources this file:
# shellcheck disable=SC2154

# The path being run, the containers it has started (their logs are shown
# when one of its checks fails) and the last log read by wait_log.
path=
path_ctrs=()
path_failed=0
logs=

record() {
	echo "$1" >>"$work/results"
}

check() {
	local what=$1

	shift
	if "$@"; then
		echo "ok   $path: $what"
		record ok
	else
		echo "FAIL $path: $what"
		record FAIL
		path_failed=1
	fi
}

# A line of the last log read matches the extended regex $1.
has() {
	grep -Eq -- "$1" <<<"$logs"
}

# The last log read is one line, and it holds $1.
one_line_with() {
	[ "$(grep -c . <<<"$logs")" = 1 ] && grep -Fq -- "$1" <<<"$logs"
}

# A line of the last log read is exactly $1.
has_line() {
	grep -Fxq -- "$1" <<<"$logs"
}

show_logs() {
	local ctr fmt='{{.State.Status}} exit={{.State.ExitCode}}'

	fmt+=' error={{.State.Error}}'
	for ctr in "${path_ctrs[@]}"; do
		echo "---- output of $ctr (podman logs):"
		podman logs "$ctr" 2>&1 | sed 's/^/  | /' || true
		echo "---- state of $ctr:" \
			"$(podman inspect -f "$fmt" "$ctr" 2>&1 || true)"
	done
}

# Ends the current path (its subshell) with a failure that makes every
# check still to come meaningless.
abort() {
	echo "FAIL $path: $*"
	record FAIL
	show_logs
	exit 1
}

# The ERR trap of a path's subshell: a command failed that no check
# expected to fail. unexpected STATUS LINE COMMAND
unexpected() {
	echo "FAIL $path: ${BASH_SOURCE[1]##*/}:$2: $3 (exit $1)"
	record FAIL
	show_logs
}

# Runs at the end of a path: the evidence for whatever failed in it.
path_done() {
	if [ "$path_failed" -ne 0 ]; then
		show_logs
	fi
}

# start CTR [PODMAN-RUN-ARGS...]: a detached container of our images,
# nothing pulled, no network (none is needed, and netavark's setup is
# one more thing that could fail for reasons of its own). RUN_CONF, when
# set, is the containers.conf this run command reads.
start() {
	local ctr=$1

	shift
	path_ctrs+=("$ctr")
	CONTAINERS_CONF=${RUN_CONF:-$CONTAINERS_CONF} \
		podman run -d --pull=never --network=none --name "$ctr" "$@" \
		>/dev/null 2>"$work/run.err" ||
		abort "podman run -d --name $ctr $*: $(cat "$work/run.err")"
}

# wait_log CTR REGEX [running]: polls `podman logs` until a line matches.
# Podman has no event for "the application has printed X": its events
# and `podman wait --condition` know only container states. With
# "running", the wait is for the app to get somewhere, 20 s at most, and
# a container that is no longer running ends it at once. Without, the
# container has exited and nothing says its log is complete when
# `podman wait` returns: its last lines get 5 s to show up. Leaves the
# log in $logs; on failure $why says why.
wait_log() {
	local ctr=$1 re=$2 running=${3:-} state limit=5 deadline

	if [ -n "$running" ]; then
		limit=20
	fi
	deadline=$((SECONDS + limit))

	while :; do
		logs=$(podman logs "$ctr" 2>&1) || true
		if has "$re"; then
			return 0
		fi
		if [ -n "$running" ]; then
			state=$(podman inspect -f '{{.State.Status}}' "$ctr" \
				2>&1) || true
			if [ "$state" != running ]; then
				why="container is '$state', no line /$re/"
				return 1
			fi
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			why="no line /$re/ within $limit s"
			return 1
		fi
		sleep 0.1
	done
}

exit_code() {
	podman inspect -f '{{.State.ExitCode}}' "$1"
}

# The app's first lines: it is the init's child, and PID 1 is our reaper,
# run as $2 (its command line, arguments joined by spaces).
check_started() {
	local ctr=$1 pid1=$2

	wait_log "$ctr" '^ready$' running || abort "$ctr: $why"
	check "the app is PID 1's child (ppid=1)" has '^pid=[0-9]+ ppid=1$'
	check "PID 1 is '$pid1'" has_line "pid1=$pid1"
	check "PID 1's program is our reaper ($reaper_size bytes)" \
		has "^pid1-exe=[^ ]+ size=$reaper_size\$"
	check "the app left an orphan" has '^orphan=[0-9]+$'
}

# `podman kill -s USR1`: runc signals the container's PID 1, so the app
# gets it only if the reaper forwards it, and then from pid 1 (a signal
# from outside the container's PID namespace would read pid 0).
check_forwarded() {
	local ctr=$1

	podman kill -s USR1 "$ctr" >/dev/null 2>"$work/kill.err" ||
		abort "podman kill -s USR1 $ctr: $(cat "$work/kill.err")"
	wait_log "$ctr" '^sigusr1 from' running || abort "$ctr: $why"
	check "podman kill -s USR1: forwarded to the app by PID 1" \
		has '^sigusr1 from pid=1 '
}

# After the SIGTERM of a stop: who sent it, what the app left behind and
# that podman recorded the app's own exit code.
check_stopped() {
	local ctr=$1 how=$2 code

	wait_log "$ctr" '^exit=' || abort "$ctr: $why"
	check "$how: SIGTERM reached the app, sent by PID 1" \
		has '^sigterm from pid=1 '
	check "the orphan was reaped" has '^orphan-reaped=yes$'
	check "no zombie in the container" has '^zombies=0$'
	code=$(exit_code "$ctr" 2>&1) || abort "podman inspect: $code"
	check "podman records the app's exit code 42 (got $code)" \
		test "$code" = 42
}

# The whole scenario in a detached container: start, USR1, stop.
# scenario CTR PID1-CMDLINE PODMAN-RUN-ARGS...
scenario() {
	local ctr=$1 pid1=$2 code

	shift 2
	start "$ctr" "$@"
	check_started "$ctr" "$pid1"
	check_forwarded "$ctr"
	# SIGKILL only after a generous timeout, which would show as exit
	# code 137 instead of 42.
	podman stop -t 15 "$ctr" >/dev/null 2>"$work/stop.err" ||
		abort "podman stop $ctr: $(cat "$work/stop.err")"
	code=$(podman wait "$ctr" 2>&1) || abort "podman wait: $code"
	check_stopped "$ctr" "podman stop"
}
