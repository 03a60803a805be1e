/* Kubernetes name and key syntax checks. Pure: no allocation, no I/O.
 * Each returns NULL when S is valid, otherwise a static message in the
 * words Kubernetes uses (e.g. "must consist of lower case alphanumeric
 * characters, '-' or '.', and must start and end with an alphanumeric
 * character"). */
#ifndef PV_MANIFESTS_NAMES_H
#define PV_MANIFESTS_NAMES_H

#include <stddef.h>

const char *pv_check_dns1123_label(const char *s);     /* <=63, [a-z0-9]([-a-z0-9]*[a-z0-9])? */
const char *pv_check_dns1123_subdomain(const char *s); /* <=253, dns1123 labels joined by '.' */
const char *pv_check_dns1035_label(const char *s);     /* <=63, [a-z]([-a-z0-9]*[a-z0-9])? */
const char *pv_check_qualified_name(const char *s);    /* label/annotation key: [dns1123-subdomain "/"] name, name <=63 [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])? */
const char *pv_check_label_value(const char *s);       /* "" or <=63 chars like a qualified name's name part */
const char *pv_check_port_name(const char *s);         /* IANA_SVC_NAME: <=15, [a-z0-9-], >=1 letter, no leading/trailing/double '-' */
const char *pv_check_env_var_name(const char *s);      /* [-._a-zA-Z][-._a-zA-Z0-9]* */
const char *pv_check_config_key(const char *s);        /* <=253, [-._a-zA-Z0-9]+, not "." or ".." */
/* Standard base64 (RFC 4648 section 4, '=' padding required as Go's
 * base64.StdEncoding does); LEN bytes of S. */
const char *pv_check_base64(const char *s, size_t len);

#endif
