#!/usr/bin/env python3
"""What podvisor's processes ask of the kernel while pods start, counted
rather than timed: a `perf record -c 1` of every system call and page
fault on the machine during one density round (bench/density_bench.sh),
from the rename to the last container's exec, by process, per pod.
Counts do not move with the machine's speed or load, as the CPU split's
milliseconds do; what a syscall or a fault costs does (so the machine's
own costs are measured beside them, bench/density_bench.sh's
machine_costs).

  count_split.py PERF_DATA T0 T1 PODS DAEMON_PID SPAWNER_PID [TSV] > count.md

T0, T1: CLOCK_MONOTONIC seconds (perf records with -k CLOCK_MONOTONIC).
TSV, if given, gets the per-pod figures bench/report.sh puts in its
summary.

Whose an event is, from its pid and command name: the daemon (its pid),
the spawner (its pid), and the pod inits, shims and each container's
set-up before its exec (any other process named as the spawner's forks
are, until they name themselves; after the exec a container's process
has its program's name and is the workload, not counted). The
benchmark's own `podvisor get` calls have the daemon's command name and
another pid: not counted.
"""
import collections
import subprocess
import sys

data, t0, t1, pods = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
daemon, spawner = sys.argv[5], sys.argv[6]
tsv = sys.argv[7] if len(sys.argv) > 7 else None

CHILDREN = ("podvisor-spawne", "podvisor-shim", "pod-init", "podvisor-pod-in")
ROLES = ["daemon", "spawner", "pod inits, shims, containers' set-up"]
SHORT = {ROLES[0]: "daemon", ROLES[1]: "spawner", ROLES[2]: "inits and shims"}
FORKS = {"56", "57", "58", "435"}  # clone, fork, vfork, clone3 (x86_64)

sys_n = collections.Counter()
flt_n = collections.Counter()
fork_n = collections.Counter()
by_call = collections.Counter()
names = {}
p = subprocess.Popen(["perf", "script", "-i", data, "-F", "comm,pid,time,event,trace"],
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
for line in p.stdout:
    # "podvisor-shim  1234 12.345678: raw_syscalls:sys_enter: NR 13 (...)"
    head, sep, rest = line.partition(": ")
    if not sep:
        continue
    f = head.split()
    if len(f) < 3:
        continue
    try:
        t = float(f[-1])
    except ValueError:
        continue
    if t < t0 or t > t1:
        continue
    pid, comm = f[-2], " ".join(f[:-2])
    if pid == daemon:
        role = ROLES[0]
    elif pid == spawner:
        role = ROLES[1]
    elif comm in CHILDREN:
        role = ROLES[2]
    else:
        continue
    rest = rest.strip()
    if rest.startswith("page-faults"):
        flt_n[role] += 1
    elif rest.startswith("raw_syscalls:sys_enter"):
        nr = rest.split("NR ", 1)[1].split()[0] if "NR " in rest else "?"
        sys_n[role] += 1
        by_call[(role, nr)] += 1
        if nr in FORKS:
            fork_n[role] += 1
p.wait()

tot_sys, tot_flt, tot_fork = sum(sys_n.values()), sum(flt_n.values()), sum(fork_n.values())
if not tot_sys:
    sys.exit("count_split: no system call of podvisor's processes in the window")
print("### What podvisor's processes ask of the kernel while the pods start\n")
print("One more round under `perf record -c 1 -e raw_syscalls:sys_enter -e page-faults -a`: "
      "every system call and page fault from the rename to the last container's exec "
      "(%.2f s), counted by process. Counts do not depend on the machine's speed, as the "
      "milliseconds above do; what one costs here is measured below the table.\n" % (t1 - t0))
print("| process | system calls a pod | page faults a pod | forks a pod |")
print("|---|---|---|---|")
for r in ROLES:
    print("| %s | %.0f | %.0f | %.1f |" % (r, sys_n[r] / pods, flt_n[r] / pods, fork_n[r] / pods))
print("| *together* | **%.0f** | **%.0f** | **%.1f** |" % (tot_sys / pods, tot_flt / pods,
                                                        tot_fork / pods))
if tsv:
    with open(tsv, "w") as f:
        f.write("syscalls_per_pod\t%.1f\n" % (tot_sys / pods))
        f.write("faults_per_pod\t%.1f\n" % (tot_flt / pods))
        f.write("forks_per_pod\t%.2f\n" % (tot_fork / pods))


def syscall_names():
    """number -> name, from the kernel headers the build installs."""
    import glob
    import re
    names = {}
    for h in glob.glob("/usr/include/*/asm/unistd_64.h") + ["/usr/include/asm/unistd_64.h"]:
        try:
            for m in re.finditer(r"#define __NR_(\w+)\s+(\d+)", open(h).read()):
                names[m.group(2)] = m.group(1)
        except OSError:
            continue
        if names:
            break
    return names


nm = syscall_names()
top = by_call.most_common(8)
print("\nThe most frequent: " + ", ".join(
    "%s (%s, %.0f a pod)" % (nm.get(nr, "syscall " + nr), SHORT[r], n / pods)
    for (r, nr), n in top) + ".")
