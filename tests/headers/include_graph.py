#!/usr/bin/env python3
"""Checks corest's include graph: no header includes itself through others (arrows go one
way), and the light public headers stay light (<corest/request.hpp> and the other value
types reach neither OpenSSL nor Asio).

    include_graph.py --compiler CXX --include DIR
"""

import argparse
import os
import re
import subprocess
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*<(corest(?:\.hpp|/[^>]+))>', re.M)

# Headers a user includes for the value types alone: what they may not pull in.
LIGHT = ["corest/request.hpp", "corest/result.hpp", "corest/auth.hpp", "corest/error.hpp",
         "corest/secret.hpp", "corest/method.hpp", "corest/pool.hpp", "corest/tls.hpp"]
FORBIDDEN = {"OpenSSL": "/openssl/", "Asio": "/boost/asio/"}


def graph(root):
    edges = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            if not name.endswith((".hpp", ".ipp")):
                continue
            path = os.path.join(dirpath, name)
            header = os.path.relpath(path, root)
            with open(path, encoding="utf-8") as f:
                edges[header] = INCLUDE.findall(f.read())
    return edges


def find_cycle(edges):
    state = {}   # 1: on the current path, 2: done
    path = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for nxt in edges.get(node, []):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--compiler", required=True)
    ap.add_argument("--include", required=True)
    args = ap.parse_args()
    failures = 0

    edges = graph(args.include)
    missing = sorted({i for inc in edges.values() for i in inc if i not in edges})
    for m in missing:
        print(f"include_graph: {m} is included but does not exist")
        failures += 1
    cycle = find_cycle(edges)
    if cycle:
        print("include_graph: an include cycle: " + " -> ".join(cycle))
        failures += 1

    for header in LIGHT:
        deps = subprocess.run([args.compiler, "-std=c++20", "-I", args.include, "-M", "-x", "c++", "-"],
                              input=f"#include <{header}>\n", capture_output=True, text=True)
        if deps.returncode != 0:
            print(f"include_graph: <{header}> does not compile alone:\n{deps.stderr}")
            failures += 1
            continue
        files = deps.stdout.replace("\\\n", " ").split()
        for what, marker in FORBIDDEN.items():
            reached = [f for f in files if marker in f]
            if reached:
                print(f"include_graph: <{header}> reaches {what} ({len(reached)} headers, e.g. {reached[0]})")
                failures += 1

    if failures:
        sys.exit(1)
    print(f"include_graph: {len(edges)} headers, no cycle; {len(LIGHT)} light headers reach neither OpenSSL nor Asio")


if __name__ == "__main__":
    main()
