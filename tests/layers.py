#!/usr/bin/env python3
"""The include graph of podvisor's own sources, checked against the layers.

A module is x.c with x.h (one node). An arrow A -> B is an `#include "B.h"`
in A.c or A.h. Two rules, from ARCHITECTURE.md's ```layers block (one
folder a line, the top layer first):

  1. no cycle between modules;
  2. a module includes only modules of its own folder or of a folder listed
     below its own (calls go down);
  3. no folder under supervisor/ holds more than 20 source files;
  4. every struct pv_err is initialised where it is declared.

The ```known-debt block of ARCHITECTURE.md lists what breaks these rules
today and is being paid off: a cycle ("cycle: a b c", its modules) or an
upward include ("up: a -> b"). What is listed may shrink, never grow: a
new cycle, a larger one, or a new upward include fails; a listed one that
is gone fails too, until its line is removed (so the list stays true).

  tests/layers.py [--tap] [--root DIR]     check (TAP for tests/run.sh)
  tests/layers.py --dot                    the module graph for graphviz
"""
import os
import re
import sys

SRC_DIRS = ("supervisor", "netrules", "volumes", "manifests", "common")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def read_blocks(path):
    text = open(path, encoding="utf-8").read()
    blocks = {}
    for m in re.finditer(r"^```([a-z-]+)\n(.*?)^```", text, re.M | re.S):
        lines = [l.split("#", 1)[0].strip() for l in m.group(2).splitlines()]
        blocks[m.group(1)] = [l for l in lines if l]
    return blocks


def modules(root):
    """{module: set(included modules)} over the source folders."""
    graph = {}
    for top in SRC_DIRS:
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if not f.endswith((".c", ".h")):
                    continue
                path = os.path.join(dirpath, f)
                mod = os.path.relpath(path, root)[:-2]
                deps = graph.setdefault(mod, set())
                for inc in INCLUDE.findall(open(path, encoding="utf-8").read()):
                    if inc.endswith(".h") and inc.split("/")[0] in SRC_DIRS:
                        target = inc[:-2]
                        if target != mod:
                            deps.add(target)
    return graph


def cycles(graph):
    """The strongly connected components with more than one module."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def layer_of(mod, layers):
    """The index of the longest layer folder MOD lies in, or None."""
    best = None
    for i, folder in enumerate(layers):
        if mod.startswith(folder + "/") and (best is None or len(folder) > len(layers[best])):
            best = i
    return best


def check(root):
    """[(ok, description)], one per rule and debt line."""
    blocks = read_blocks(os.path.join(root, "ARCHITECTURE.md"))
    layers = blocks.get("layers", [])
    debt = blocks.get("known-debt", [])
    graph = modules(root)
    results = []
    if not layers:
        return [(False, "ARCHITECTURE.md has no ```layers block")]

    known_cycles = [set(l.split(":", 1)[1].split()) for l in debt if l.startswith("cycle:")]
    known_up = {tuple(x.strip() for x in l.split(":", 1)[1].split("->")) for l in debt if l.startswith("up:")}

    found = cycles(graph)
    for comp in found:
        fits = [k for k in known_cycles if set(comp) <= k]
        if fits:
            continue
        results.append((False, "include cycle of %d modules: %s" % (len(comp), " ".join(comp))))
    for k in known_cycles:
        if not any(set(c) & k and set(c) <= k for c in found):
            results.append((False, "known-debt cycle is gone, remove its line: %s" % " ".join(sorted(k))))
    results.append((not any(not ok for ok, _ in results), "no include cycle beyond the known debt (%d cycle(s) listed)" % len(known_cycles)))

    unplaced = sorted(m for m in graph if layer_of(m, layers) is None)
    results.append((not unplaced, "every module lies in a declared layer" + (": not " + " ".join(unplaced) if unplaced else "")))

    ups = set()
    for mod, deps in sorted(graph.items()):
        lm = layer_of(mod, layers)
        for dep in sorted(deps):
            ld = layer_of(dep, layers)
            if lm is None or ld is None or dep not in graph:
                continue
            if ld < lm:  # listed above: an upward include
                ups.add((mod, dep))
    new_ups = sorted(ups - known_up)
    gone_ups = sorted(known_up - ups)
    for mod, dep in new_ups:
        results.append((False, "include against the layer order: %s -> %s (%s is above %s)" % (
            mod, dep, layers[layer_of(dep, layers)], layers[layer_of(mod, layers)])))
    for mod, dep in gone_ups:
        results.append((False, "known-debt upward include is gone, remove its line: %s -> %s" % (mod, dep)))
    results.append((not new_ups and not gone_ups, "includes follow the layer order (%d upward include(s) listed as debt)" % len(known_up)))

    big = []
    for dirpath, _, files in os.walk(os.path.join(root, "supervisor")):
        n = sum(1 for f in files if f.endswith((".c", ".h")))
        if n > 20:
            big.append("%s (%d)" % (os.path.relpath(dirpath, root), n))
    results.append((not big, "no folder under supervisor/ holds more than 20 source files" +
                    (": " + ", ".join(sorted(big)) if big else "")))

    # STYLE.md: every pv_err starts initialised where it is declared.
    bare = []
    for top in SRC_DIRS:
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if f.endswith(".c"):
                    path = os.path.join(dirpath, f)
                    for n, line in enumerate(open(path, encoding="utf-8"), 1):
                        if re.match(r"\s*struct pv_err \w+;", line):
                            bare.append("%s:%d" % (os.path.relpath(path, root), n))
    results.append((not bare, "every struct pv_err is initialised where declared" +
                    (": not " + " ".join(bare) if bare else "")))
    return results


def main(argv):
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    if "--root" in argv:
        root = argv[argv.index("--root") + 1]
    if "--dot" in argv:
        print("digraph podvisor {")
        for mod, deps in sorted(modules(root).items()):
            for d in sorted(deps):
                print('  "%s" -> "%s";' % (mod, d))
        print("}")
        return 0
    results = check(root)
    failed = 0
    if "--tap" in argv:
        print("1..%d" % len(results))
    for i, (ok, desc) in enumerate(results, 1):
        failed += not ok
        if "--tap" in argv:
            print("%sok %d - %s" % ("" if ok else "not ", i, desc))
        elif not ok:
            print("layers: " + desc, file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
