# Count one TAP producer's output for tests/run.sh; print
# "PASSED FAILED SKIPPED" on the first line, then one line per problem
# with the stream itself (no plan, a plan that does not match the results).
#
# A result is "ok ..." or "not ok ..."; with a SKIP directive ("# SKIP",
# any case, either kind: cmocka 1.1 prints "not ok N # SKIP name") it is
# skipped, neither passed nor failed. A plan is "1..N". A producer may
# print several plans (cmocka prints one per group, before its tests; the
# shell tests print one at the end), so plans are matched to results in
# order: a plan that follows results not yet covered by a plan closes
# them and must count exactly those; otherwise it opens a group that the
# next N results must fill. "1..0 # SKIP why" skips the whole producer;
# a producer with no plan, or no results and no such skip, is a failure.
function problem(msg) { problems[++nproblems] = msg }
function is_skip(line) { return tolower(line) ~ /(^|[^\\])#[ \t]*skip/ }

/^(not )?ok([ \t]|$)/ {
	if (is_skip($0))
		skipped++
	else if ($0 ~ /^ok/)
		passed++
	else
		failed++
	results++
	if (open > 0)
		open--
	else
		pending++
	next
}

/^1\.\.[0-9]+([ \t]|$)/ {
	n = substr($1, 4) + 0
	plans++
	if (open > 0) {
		problem(sprintf("plan 1..%d started before the previous group's last %d result(s)", n, open))
		open = 0
	}
	if (pending > 0) { # a plan at the end of its group
		if (n != pending)
			problem(sprintf("plan 1..%d, but %d result(s) before it", n, pending))
		pending = 0
	} else if (n > 0) { # a plan at the start of its group
		open = n
	} else if (is_skip($0)) {
		skipped++
		whole_skip = 1
	} else {
		problem("plan 1..0 without a SKIP reason")
	}
}

END {
	if (plans == 0)
		problem(sprintf("no plan (1..N) in the output; %d result(s)", results))
	if (open > 0)
		problem(sprintf("the last plan wants %d more result(s) than were printed", open))
	if (pending > 0 && plans > 0)
		problem(sprintf("%d result(s) after the last plan, not covered by any", pending))
	if (results == 0 && !whole_skip)
		problem("no test results at all")
	printf "%d %d %d\n", passed, failed, skipped
	for (i = 1; i <= nproblems; i++)
		print problems[i]
}
