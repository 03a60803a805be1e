/* Shared by the unit tests that hold the iptables backend against the
 * kernel (test_iptc.c, test_oom.c): what iptables-legacy-save prints,
 * and what a rule set formats to, both without the quotes iptables-save
 * puts around some comments only. Include after <cmocka.h>. */
#ifndef PV_TESTS_RULES_FIXTURE_H
#define PV_TESTS_RULES_FIXTURE_H
#include <stdio.h>

#include "netrules/iptables/rules.h"

/* CMD's output, without double quotes (malloc'ed). */
static __attribute__((unused, noinline)) char *read_cmd(const char *cmd)
{
	char *buf = NULL, line[4096];
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len), *p = popen(cmd, "r");

	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		for (char *c = line; *c; c++) /* iptables-save quotes only some comments */
			if (*c != '"')
				fputc(*c, out);
	pclose(p);
	fclose(out);
	return buf;
}

/* RS's table T as iptables-restore text, without double quotes. */
static __attribute__((unused, noinline)) char *format(const struct pv_ruleset *rs, enum pv_table t)
{
	char *buf = NULL, *w;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	pv_rules_format(out, rs, t);
	fclose(out);
	w = buf;
	for (char *r = buf; *r; r++)
		if (*r != '"')
			*w++ = *r;
	*w = '\0';
	return buf;
}

#endif
