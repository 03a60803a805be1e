/*
 * Kubernetes name and key syntax checks, after
 * k8s.io/apimachinery/pkg/util/validation.  Kubernetes returns a list of
 * messages; these return the first one it would report, verbatim
 * (including its "'a',  or 'b'" double space), or NULL when valid.
 */
#include "manifests/names.h"

#include <stdbool.h>
#include <string.h>

#define LEN_MSG(n) "must be no more than " #n " characters"
#define EMPTY_MSG "must be non-empty"

#define DNS1123_LABEL_FMT "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
#define DNS1123_SUBDOMAIN_FMT DNS1123_LABEL_FMT "(\\." DNS1123_LABEL_FMT ")*"
#define DNS1035_LABEL_FMT "[a-z]([-a-z0-9]*[a-z0-9])?"
#define QNAME_FMT "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define ENV_FMT "[-._a-zA-Z][-._a-zA-Z0-9]*"
#define CONFIG_KEY_FMT "[-._a-zA-Z0-9]+"
#define REGEX_MSG(fmt) "regex used for validation is '" fmt "')"

#define DNS1123_LABEL_MSG						\
	"a lowercase RFC 1123 label must consist of lower case alphanumeric " \
	"characters or '-', and must start and end with an alphanumeric " \
	"character (e.g. 'my-name',  or '123-abc', "			\
	REGEX_MSG(DNS1123_LABEL_FMT)
#define DNS1123_SUBDOMAIN_MSG						\
	"a lowercase RFC 1123 subdomain must consist of lower case "	\
	"alphanumeric characters, '-' or '.', and must start and end with " \
	"an alphanumeric character (e.g. 'example.com', "		\
	REGEX_MSG(DNS1123_SUBDOMAIN_FMT)
#define DNS1035_LABEL_MSG						\
	"a DNS-1035 label must consist of lower case alphanumeric "	\
	"characters or '-', start with an alphabetic character, and end " \
	"with an alphanumeric character (e.g. 'my-name',  or 'abc-123', " \
	REGEX_MSG(DNS1035_LABEL_FMT)
#define QNAME_MSG							\
	"must consist of alphanumeric characters, '-', '_' or '.', and "	\
	"must start and end with an alphanumeric character (e.g. "	\
	"'MyName',  or 'my.name',  or '123-abc', " REGEX_MSG(QNAME_FMT)
#define LABEL_VALUE_MSG							\
	"a valid label must be an empty string or consist of alphanumeric " \
	"characters, '-', '_' or '.', and must start and end with an "	\
	"alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "	\
	"'12345', " REGEX_MSG("(" QNAME_FMT ")?")
#define ENV_MSG								\
	"a valid environment variable name must consist of alphabetic "	\
	"characters, digits, '_', '-', or '.', and must not start with a " \
	"digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', " \
	REGEX_MSG(ENV_FMT)
#define CONFIG_KEY_MSG							\
	"a valid config key must consist of alphanumeric characters, '-', " \
	"'_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', "	\
	REGEX_MSG(CONFIG_KEY_FMT)

#define B64_PREFIX "illegal base64 data: "

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return is_lower(c) || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
	return is_alpha(c) || is_digit(c);
}

static bool is_lower_alnum(char c)
{
	return is_lower(c) || is_digit(c);
}

static bool is_env_char(char c)
{
	return is_alnum(c) || c == '-' || c == '.' || c == '_';
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? over S[0, N); [a-z] first if ALPHA_FIRST. */
static bool match_dns_label(const char *s, size_t n, bool alpha_first)
{
	size_t i;

	if (n == 0 || !is_lower_alnum(s[n - 1]))
		return false;
	if (alpha_first ? !is_lower(s[0]) : !is_lower_alnum(s[0]))
		return false;
	for (i = 1; i < n; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* DNS-1123 labels joined by '.'; like Kubernetes, no per-label limit. */
static bool match_dns_subdomain(const char *s, size_t n)
{
	const char *dot;
	size_t len;

	for (;;) {
		dot = memchr(s, '.', n);
		len = dot ? (size_t)(dot - s) : n;
		if (!match_dns_label(s, len, false))
			return false;
		if (!dot)
			return true;
		s += len + 1;
		n -= len + 1;
	}
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] over S[0, N). */
static bool match_qname(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return false;
	for (i = 1; i < n; i++)
		if (!is_env_char(s[i]))
			return false;
	return true;
}

static const char *check_chdir_prefix(const char *s)
{
	if (!strcmp(s, "."))
		return "must not be '.'";
	if (!strcmp(s, ".."))
		return "must not be '..'";
	if (!strncmp(s, "..", 2))
		return "must not start with '..'";
	return NULL;
}

const char *pv_check_dns1123_label(const char *s)
{
	size_t n = strlen(s);

	if (n > 63)
		return LEN_MSG(63);
	if (match_dns_label(s, n, false))
		return NULL;
	if (match_dns_subdomain(s, n))
		return "must not contain dots";
	return DNS1123_LABEL_MSG;
}

const char *pv_check_dns1123_subdomain(const char *s)
{
	size_t n = strlen(s);

	if (n > 253)
		return LEN_MSG(253);
	if (!match_dns_subdomain(s, n))
		return DNS1123_SUBDOMAIN_MSG;
	return NULL;
}

const char *pv_check_dns1035_label(const char *s)
{
	size_t n = strlen(s);

	if (n > 63)
		return LEN_MSG(63);
	if (!match_dns_label(s, n, true))
		return DNS1035_LABEL_MSG;
	return NULL;
}

static const char *check_qname_prefix(const char *s, size_t n)
{
	if (n == 0)
		return "prefix part " EMPTY_MSG;
	if (n > 253)
		return "prefix part " LEN_MSG(253);
	if (!match_dns_subdomain(s, n))
		return "prefix part " DNS1123_SUBDOMAIN_MSG;
	return NULL;
}

const char *pv_check_qualified_name(const char *s)
{
	const char *slash = strchr(s, '/');
	const char *err;
	size_t n;

	if (slash) {
		if (strchr(slash + 1, '/'))
			return "a qualified name " QNAME_MSG
			       " with an optional DNS subdomain prefix and '/'"
			       " (e.g. 'example.com/MyName')";
		err = check_qname_prefix(s, (size_t)(slash - s));
		if (err)
			return err;
		s = slash + 1;
	}
	n = strlen(s);
	if (n == 0)
		return "name part " EMPTY_MSG;
	if (n > 63)
		return "name part " LEN_MSG(63);
	if (!match_qname(s, n))
		return "name part " QNAME_MSG;
	return NULL;
}

const char *pv_check_label_value(const char *s)
{
	size_t n = strlen(s);

	if (n > 63)
		return LEN_MSG(63);
	if (n > 0 && !match_qname(s, n))
		return LABEL_VALUE_MSG;
	return NULL;
}

static bool port_charset_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!is_lower_alnum(*s) && *s != '-')
			return false;
	return true;
}

static bool has_lower(const char *s)
{
	for (; *s; s++)
		if (is_lower(*s))
			return true;
	return false;
}

const char *pv_check_port_name(const char *s)
{
	size_t n = strlen(s);

	if (n > 15)
		return LEN_MSG(15);
	if (!port_charset_ok(s))
		return "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)";
	if (!has_lower(s))
		return "must contain at least one letter (a-z)";
	if (strstr(s, "--"))
		return "must not contain consecutive hyphens";
	if (s[0] == '-' || s[n - 1] == '-')
		return "must not begin or end with a hyphen";
	return NULL;
}

/* [-._a-zA-Z0-9]+ */
static bool match_config_key(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!is_env_char(*s))
			return false;
	return true;
}

static bool match_env_name(const char *s)
{
	return !is_digit(*s) && match_config_key(s);
}

const char *pv_check_env_var_name(const char *s)
{
	if (!match_env_name(s))
		return ENV_MSG;
	return check_chdir_prefix(s);
}

const char *pv_check_config_key(const char *s)
{
	if (strlen(s) > 253)
		return LEN_MSG(253);
	if (!match_config_key(s))
		return CONFIG_KEY_MSG;
	return check_chdir_prefix(s);
}

static bool is_b64_char(char c)
{
	return is_alnum(c) || c == '+' || c == '/';
}

/*
 * As Go's base64.StdEncoding.DecodeString: '\r' and '\n' are skipped
 * anywhere; the rest must be 4-character groups, the last of which may
 * end in "=" or "=="; nothing may follow the padding.  Unused trailing
 * bits are not checked (Go's non-strict mode).
 */
const char *pv_check_base64(const char *s, size_t len)
{
	size_t i, n = 0, pad = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\r' || s[i] == '\n')
			continue;
		if (s[i] == '=')
			pad++;
		else if (!is_b64_char(s[i]))
			return B64_PREFIX "invalid character (use A-Z, a-z, 0-9, '+', '/' and '=' padding)";
		else if (pad)
			return B64_PREFIX "incorrect padding ('=' may only end the data)";
		n++;
	}
	if (pad > 2)
		return B64_PREFIX "incorrect padding (at most two '=')";
	if (n % 4)
		return B64_PREFIX "length must be a multiple of 4 (missing '=' padding?)";
	return NULL;
}
