#!/usr/bin/env python3
"""LP relaxation of the priority objective (OR-Tools GLOP), for the benchmark.

Usage: lp_bound.py INSTANCE.json

Same rules as the scheduler with x[m, s] in [0, 1] instead of {0, 1} and
`after` orders dropped: its optimum is an upper bound on the priority sum,
usually much tighter than the scheduler's combinatorial `upper_bound`. When
the scheduler's priority sum reaches ⌊LP⌋ the schedule is proven optimal in
priority. Prints {"lp_bound": F, "seconds": F}; exit code 2 when ortools is
missing.
"""

import json
import sys
import time

try:
    from ortools.linear_solver import pywraplp
except ImportError:
    print("ortools is not installed (pip install ortools)", file=sys.stderr)
    sys.exit(2)


def main():
    started = time.monotonic()
    with open(sys.argv[1], encoding="utf-8") as f:
        inst = json.load(f)
    slots = inst["slots"]
    pidx = {p["id"]: i for i, p in enumerate(inst["participants"])}
    avail = [set(p.get("available", range(slots))) for p in inst["participants"]]
    solver = pywraplp.Solver.CreateSolver("GLOP")
    x = []
    of_p = [[] for _ in pidx]
    for k, m in enumerate(inst["meetings"]):
        members = sorted({pidx[w] for w in m["with"]})
        dom = set(m.get("allowed", range(slots)))
        if m.get("fixed_slot") is not None:
            dom = {m["fixed_slot"]}
        for p in members:
            dom &= avail[p]
            of_p[p].append(k)
        xs = {s: solver.NumVar(0, 1, "") for s in dom}
        if xs:
            solver.Add(sum(xs.values()) <= 1)
        x.append(xs)
    for s in range(slots):
        vs = [x[k][s] for k in range(len(x)) if s in x[k]]
        if len(vs) > inst["tables"]:
            solver.Add(sum(vs) <= inst["tables"])
    for p, person in enumerate(inst["participants"]):
        for s in range(slots):
            vs = [x[k][s] for k in of_p[p] if s in x[k]]
            if len(vs) > 1:
                solver.Add(sum(vs) <= 1)
        cap = person.get("max_meetings")
        if cap is not None:
            solver.Add(sum(v for k in of_p[p] for v in x[k].values()) <= cap)
    solver.Maximize(
        sum(m.get("priority", 1) * v for k, m in enumerate(inst["meetings"]) for v in x[k].values())
    )
    status = solver.Solve()
    if status != pywraplp.Solver.OPTIMAL:
        print(f"LP not solved (status {status})", file=sys.stderr)
        sys.exit(1)
    print(json.dumps({"lp_bound": solver.Objective().Value(), "seconds": time.monotonic() - started}))


if __name__ == "__main__":
    main()
