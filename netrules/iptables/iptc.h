/* The rule set applied through libiptc (the kernel's x_tables, as
 * iptables-legacy sees them). The only file that knows libiptc; the
 * iptables proxier (iptables.h) calls it, nothing above netrules does.
 *
 * Only chains named PV-* and the hooks that jump to them are touched.
 * Each table changes in one atomic commit. A chain whose rules did not
 * change since the last commit is left alone, so that one endpoint
 * coming or going rewrites two chains, not the whole set. */
#ifndef PV_NETRULES_IPTC_H
#define PV_NETRULES_IPTC_H

#include <stdbool.h>

#include "common/err.h"
#include "netrules/iptables/rules.h"

struct pv_fw;

struct pv_fw *pv_fw_new(void);
void pv_fw_free(struct pv_fw *fw);
/* Make the kernel's tables hold RS. On success the backend keeps RS's
 * contents (RS is left empty, to be freed or reused by the caller); on
 * failure nothing is kept and the next apply rewrites everything. */
int pv_fw_apply(struct pv_fw *fw, struct pv_ruleset *rs, struct pv_err *err);
/* Whether a table was changed by someone else since our last commit (a
 * flush, a restore): cheap, for a periodic check. The next apply then
 * rewrites every chain. */
bool pv_fw_changed(struct pv_fw *fw);
/* A file descriptor that becomes readable when someone may have changed
 * the tables: an inotify watch on the lock file every iptables command
 * takes (/run/xtables.lock, or $XTABLES_LOCKFILE), which fires as the
 * command closes it, its change done. Made if missing, as iptables makes
 * it. Tools that skip the lock (raw libiptc users) are caught only by a
 * periodic pv_fw_changed. -1 with ERR on failure. */
int pv_fw_watch_open(struct pv_err *err);
/* Empty the watch's queue; false when the watch is gone (the lock file
 * was deleted): close it and open a new one. */
bool pv_fw_watch_drain(int fd);
/* Remove every PV-* chain and the hooks into them. */
int pv_fw_clear(struct pv_fw *fw, struct pv_err *err);
/* The rule set last applied (empty before the first). */
const struct pv_ruleset *pv_fw_current(const struct pv_fw *fw);

#endif
