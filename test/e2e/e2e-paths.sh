# The ways an engine starts an init, one function each, run by
# podman-e2e.sh in this order, each in a subshell of its own. Sourced,
# never run. Images (all FROM scratch, built by podman-e2e.sh):
#   $image_entry   /reaper and /app, ENTRYPOINT ["/reaper", "--"], CMD /app
#   $image_app     /app alone, CMD /app: the init comes from the engine
#   $image_pause   /app alone, ENTRYPOINT ["/app", "--pause"]: the pods'
#                  infra container (infra_image in containers.conf)
#
# SPDX-License-Identifier: MIT

# shellcheck shell=bash
# Set by podman-e2e.sh before it sources this file:
# shellcheck disable=SC2154

# The image's own ENTRYPOINT: the reaper is in the image.
path_entrypoint() {
	scenario "e2e-entry-$tag" "/reaper -- /app" "$image_entry"
	path_done
}

# `podman run --init --init-path=FILE`: podman bind-mounts FILE read-only
# at /run/podman-init and runs `/run/podman-init -- COMMAND...`, so the
# image needs no init of its own.
path_init_path() {
	local ctr code
	local init=(--init --init-path="$reaper_abs")

	scenario "e2e-init-$tag" "/run/podman-init -- /app" \
		"${init[@]}" "$image_app" /app

	# The app exits at once with a code of its own: mirrored as it is.
	ctr=e2e-init-exit-$tag
	start "$ctr" "${init[@]}" "$image_app" /app --exit 3
	code=$(podman wait "$ctr" 2>&1) || abort "podman wait: $code"
	check "the app's own exit code 3 is the container's (got $code)" \
		test "$code" = 3

	# Podman's own conventions use 127 and 126 too, when the runtime
	# cannot start the command. Here the container starts (its init
	# does) and the reaper's one-line error says who gave the code (its
	# wording is the reaper's business: one line naming the command).
	ctr=e2e-init-missing-$tag
	start "$ctr" "${init[@]}" "$image_app" /nonexistent
	code=$(podman wait "$ctr" 2>&1) || abort "podman wait: $code"
	check "a missing command: exit code 127 (got $code)" \
		test "$code" = 127
	wait_log "$ctr" /nonexistent || true
	check "... and the reaper's one-line error in the log" \
		one_line_with /nonexistent

	# A directory cannot be executed (EACCES).
	ctr=e2e-init-noexec-$tag
	start "$ctr" "${init[@]}" "$image_app" /
	code=$(podman wait "$ctr" 2>&1) || abort "podman wait: $code"
	check "a command that cannot be executed: exit code 126 (got $code)" \
		test "$code" = 126
	path_done
}

# `init_path` in containers.conf and a plain `--init`: the same mount and
# command as --init-path. Podman's default init_path is Debian's
# catatonit, so the size of PID 1's program tells whose init ran. The
# `--init` stays on the command line: Podman 4.3.1 ignores `init = true`
# in containers.conf (the container's HostConfig.Init stays false and
# the app is PID 1).
path_init_conf() {
	RUN_CONF=$work/containers-init.conf \
		scenario "e2e-conf-$tag" "/run/podman-init -- /app" \
		--init "$image_app" /app
	path_done
}

# `podman kube play` of a Pod whose container command is the reaper of
# the image, with a grace period, and the app its args. The app leaves a
# child running when it exits: only the grace period SIGTERMs it.
#
# The pod is stopped with `podman pod stop`, which sends each container
# its stop signal, SIGTERM, and waits. Not with `podman kube down`:
# Podman 4.3 removes the pod at once with SIGKILL to every container,
# whatever its init (this app container died with 137, no SIGTERM line in
# its log; podman#22397, fixed by podman PR 22398 in 2024). Podman 4.3
# also ignores terminationGracePeriodSeconds (StopTimeout stays 10;
# support came with podman PR 19914), hence `pod stop -t`.
path_kube() {
	local pod=e2e-pod-$tag ctr grace=3000 code
	local yaml=$work/pod.yaml

	ctr=$pod-app
	path_ctrs+=("$ctr")
	# imagePullPolicy Never: the image is local, and there is no
	# registry to ask. restartPolicy Never: podman kube play's default,
	# Always, would start the app again if it ended on its own.
	cat >"$yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $pod
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: $image_entry
    imagePullPolicy: Never
    command: ["/reaper", "--grace=$grace", "--"]
    args: ["/app", "--leftover"]
EOF
	podman kube play --network=none "$yaml" >/dev/null \
		2>"$work/play.err" ||
		abort "podman kube play: $(cat "$work/play.err")"

	check_started "$ctr" "/reaper --grace=$grace -- /app --leftover"
	check "the app left a child to outlive it" has '^leftover=[0-9]+$'
	check_forwarded "$ctr"

	podman pod stop -t 15 "$pod" >/dev/null 2>"$work/stop.err" ||
		abort "podman pod stop $pod: $(cat "$work/stop.err")"
	code=$(podman inspect -f '{{.State.Status}}' "$ctr" 2>&1) ||
		abort "podman inspect: $code"
	check "podman pod stop: the container has exited (is '$code')" \
		test "$code" = exited
	check_stopped "$ctr" "podman pod stop"
	wait_log "$ctr" '^leftover sigterm' || true
	check "--grace: the app's leftover got SIGTERM from PID 1" \
		has '^leftover sigterm from pid=1 '
	path_done
}
