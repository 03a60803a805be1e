#!/usr/bin/env python3
"""Where the CPU goes while pods start: a `perf record -a -g` of one
density round (bench/density_bench.sh), from the rename to the last
container's exec, split two ways and printed as a Markdown section.

  cpu_split.py PERF_DATA T0 T1 PODS CORES [TSV [DAEMON_COMM]] > cpu.md

TSV, if given, gets the figures bench/report.sh puts in its summary.
DAEMON_COMM: the daemon's command name, as /proc/PID/comm has it (the
binary's name: "podvisor" unless it was copied under another).
CPU_SPLIT_DETAIL=N: also the N largest system calls and user-space
functions of podvisor's processes outside the isolation's rows, on
stderr (where to look next).

T0, T1: CLOCK_MONOTONIC seconds (perf records with -k CLOCK_MONOTONIC).

1. By process, from each sample's command name: the daemon, the spawner
   (and what it forks until the child names itself), the shims with each
   container's set-up before its exec, the pod inits, the containers' own
   programs after exec (the workload), the benchmark's watcher, kernel
   threads, idle.
2. podvisor's processes (daemon, spawner, shims, pod inits) by what the
   kernel does for them, from the call chain: the work each pod's
   isolation costs whoever creates it (network namespace, veth and bridge
   port, cgroups, mounts, seccomp filter, the copies of fork and exec),
   then other system calls, then user space (podvisor's and its
   libraries' own code).

Sampling is on the CPU clock: each sample is 1/F s of one CPU's time.
"""
import collections
import os
import subprocess
import sys

data, t0, t1, pods, cores = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), \
    int(sys.argv[4]), int(sys.argv[5])
tsv = sys.argv[6] if len(sys.argv) > 6 and sys.argv[6] else None

PODVISOR = {"podvisor": "daemon", "podvisor-spawne": "spawner", "podvisor-shim": "shims",
            "pod-init": "pod inits", "podvisor-pod-in": "pod inits"}
if len(sys.argv) > 7 and sys.argv[7] not in PODVISOR:
    del PODVISOR["podvisor"]
    PODVISOR[sys.argv[7]] = "daemon"
KTHREADS = ("kworker", "ksoftirqd", "rcu", "migration", "kdamond", "kswapd", "khugepaged",
            "kcompactd", "watchdog", "cpuhp", "irq/", "jbd2", "kthreadd", "oom_reaper",
            "khungtaskd", "kauditd", "writeback", "netns", "ext4", "xfs", "kblockd")
# The first of these whose frames are in a sample's call chain says what
# the sample was for (a namespace made by clone counts as the namespace,
# not as the fork).
KERNEL = [
    ("network namespace (create)", ("copy_net_ns",)),
    ("veth, bridge port, addresses, routes (rtnetlink)",
     ("rtnetlink_rcv_msg", "rtnetlink_rcv", "rtnl_newlink", "rtnl_setlink", "rtnl_dellink",
      "inet_rtm_newroute", "inet_rtm_newaddr", "neigh_add", "rtnl_fdb_add",
      "rtnl_bridge_setlink")),
    ("cgroups (mkdir, join, limits)", ("cgroup_mkdir", "cgroup_rmdir", "kernfs_iop_mkdir",
                                       "kernfs_iop_rmdir", "__cgroup1_procs_write",
                                       "__cgroup_procs_write", "cgroup_file_write",
                                       "kernfs_fop_write_iter")),
    ("mounts, pivot_root, mount namespace", ("path_mount", "__x64_sys_mount", "__x64_sys_umount",
                                             "__do_sys_pivot_root", "__x64_sys_pivot_root",
                                             "__x64_sys_unshare", "__x64_sys_open_tree",
                                             "__x64_sys_move_mount", "__x64_sys_mount_setattr")),
    ("seccomp filter (check, JIT, cache)", ("do_seccomp",)),
    ("fork and exec: address-space copies, faults, teardown",
     ("dup_mmap", "exit_mmap", "asm_exc_page_fault", "copy_process")),
    ("exec of the container's program", ("bprm_execve",)),
]


def category(comm):
    if comm in PODVISOR:
        return PODVISOR[comm]
    if comm == "swapper":
        return "idle"
    if comm in ("python3", "perf"):
        return "the benchmark's watcher and perf"
    if comm.startswith(KTHREADS):
        return "kernel threads"
    if comm == ":-1":  # a process of the host (seen from the benchmark's PID namespace)
        return "idle"
    return "workload (the containers' programs)"


out = subprocess.run(["perf", "script", "-i", data, "--time", "%.6f,%.6f" % (t0, t1),
                      "-F", "comm,tid,ip,sym"], capture_output=True, text=True).stdout
by_proc = collections.Counter()
by_kernel = collections.Counter()
detail = collections.Counter()
for block in out.split("\n\n"):
    lines = block.strip("\n").split("\n")
    if not lines or not lines[0].strip():
        continue
    head = lines[0].split()
    comm = " ".join(head[:-1]) if len(head) > 1 else head[0]
    cat = category(comm)
    by_proc[cat] += 1
    if comm not in PODVISOR:
        continue
    frames = [l.strip().split(None, 1)[1] if len(l.strip().split(None, 1)) > 1 else ""
              for l in lines[1:]]
    names = set(frames)
    what = next((name for name, marks in KERNEL if names.intersection(marks)), None)
    if what:
        by_kernel[what] += 1
    elif any(f.startswith(("__x64_sys_", "__ia32_sys_", "__arm64_sys_")) for f in frames) \
            or "entry_SYSCALL_64_after_hwframe" in frames:
        by_kernel["other system calls"] += 1
        calls = [f for f in frames if f.startswith(("__x64_sys_", "__ia32_sys_", "__arm64_sys_"))]
        detail["%s: %s" % (PODVISOR[comm], calls[-1] if calls else frames[0])] += 1
    else:
        by_kernel["user space (podvisor and its libraries)"] += 1
        detail["%s: %s" % (PODVISOR[comm], frames[0] if frames else "?")] += 1

total = sum(by_proc.values())
if total == 0:
    sys.exit("cpu_split: no samples in %s between %.3f and %.3f" % (data, t0, t1))
wall = t1 - t0
busy = total - by_proc["idle"]
# each sample is one CPU's 1/F s; the window holds wall * cores of CPU time
unit = wall * cores / total


def ms(n):
    return n * unit * 1000


print("### Where the CPU goes while the pods start\n")
print("""One more podvisor round of the same Deployment under `perf record -a -g`
(CPU-clock samples, %d in all), from the rename to the last container's
exec (%.2f s of this profiled round; %d cores: %.2f s of CPU, %.0f%% of
it busy). By command name: podvisor's processes, then the containers'
own programs once exec'd (busybox `sh`, `mkdir`, `httpd` and its forks
for the readiness probes), and the rest. On %d cores the ramp cannot be
shorter than its busy CPU time divided by %d: **%.2f s** here.
""" % (total, wall, cores, wall * cores, busy * 100 / total, cores, cores, busy * unit / cores))
print("| process | CPU | per pod | share of the busy time |")
print("|---|---|---|---|")
own = 0
for cat in ("daemon", "spawner", "shims", "pod inits", "workload (the containers' programs)",
            "the benchmark's watcher and perf", "kernel threads"):
    n = by_proc[cat]
    if not n and cat == "kernel threads":
        continue
    if cat in PODVISOR.values():
        own += n
    print("| %s | %.0f ms | %.2f ms | %.0f%% |" % (cat, ms(n), ms(n) / pods, n * 100 / busy))
print("| *podvisor's processes together* | %.0f ms | **%.2f ms** | %.0f%% |" % (
    ms(own), ms(own) / pods, own * 100 / busy))
print("| (idle; and the kernel's threads, which perf names swapper when it runs in the "
      "benchmark's PID namespace) | %.0f ms | | |" % ms(by_proc["idle"]))
print("""
podvisor's processes by what the kernel does for them (the first row
whose functions are in a sample's call chain); the first seven rows are
the kernel work of the isolation each pod gets, whoever sets it up:
""")
print("| work | CPU | per pod | share of podvisor's |")
print("|---|---|---|---|")
kern = 0
for name, _ in KERNEL + [("other system calls", ()),
                         ("user space (podvisor and its libraries)", ())]:
    n = by_kernel[name]
    if (name, _) in KERNEL:
        kern += n
    print("| %s | %.0f ms | %.2f ms | %.0f%% |" % (name, ms(n), ms(n) / pods,
                                                 n * 100 / own if own else 0))
work = ms(by_proc["workload (the containers' programs)"]) / pods
inherent = ms(kern - by_kernel[KERNEL[5][0]]) / pods
print("""
The isolation's kernel work (the first seven rows) comes to %.2f ms a
pod of podvisor's %.2f ms; the workload's own programs take %.2f ms a
pod. Of the isolation's work, %.2f ms a pod (all but the copies of
fork and exec) is what a pod with its own network namespace, a veth on
the node's bridge, cgroups, a mount namespace and a seccomp filter
costs the kernel, whoever creates it: with the workload's programs,
that alone holds %d pods on %d cores for at least %.2f s. What podvisor
can still take off is the rest: the copies of fork and exec (each pod's init and shim are
forks of the spawner, which maps the dynamic binary's ~15 libraries;
the static binary's forks copy a few mappings), the other system calls
(state files written aside and renamed, probes' connects, the Service
rules' syncs) and the user space.""" % (
    ms(kern) / pods, ms(own) / pods, work, inherent, pods, cores,
    (inherent + work) * pods / cores / 1000))
if tsv:
    with open(tsv, "w") as f:
        f.write("metric\tvalue\n")
        for k, v in (("floor_s", busy * unit / cores), ("cores", cores),
                     ("podvisor_ms_per_pod", ms(own) / pods),
                     ("isolation_ms_per_pod", ms(kern) / pods),
                     ("inherent_ms_per_pod", inherent),
                     ("inherent_floor_s", (inherent + work) * pods / cores / 1000),
                     ("workload_ms_per_pod", ms(by_proc["workload (the containers' programs)"]) / pods)):
            f.write("%s\t%.3f\n" % (k, v))
if os.environ.get("CPU_SPLIT_DETAIL"):
    for what, n in detail.most_common(int(os.environ["CPU_SPLIT_DETAIL"])):
        print("%7.1f ms  %s" % (ms(n), what), file=sys.stderr)
