#!/usr/bin/env python3
"""OR-Tools CP-SAT model of the Klynge B2B scheduling problem, for the benchmark.

Usage: b2b_cpsat.py INSTANCE.json SECONDS [WORKERS] [--priority-only]

Reads the scheduler's JSON input format (see the crate docs), solves with the
same rules and the same lexicographic objective (maximise the priority sum,
then minimise breaks; tables are not assigned, only "at most `tables` meetings
per slot", which is all the first two objectives depend on) and prints one JSON
line: {"status", "priority", "breaks", "objective_bound_priority", "seconds"}.
The two objectives are folded into one: priority · W − breaks with W larger
than any possible break count, so the single objective is lexicographic.
`--priority-only` drops the break objective (used to check how tight the
scheduler's priority bound is: CP-SAT then often proves the optimum).
Exit code 2 with a message when ortools is not installed.
"""

import json
import sys
import time

try:
    from ortools.sat.python import cp_model
except ImportError:
    print("ortools is not installed (pip install ortools)", file=sys.stderr)
    sys.exit(2)


def main():
    if len(sys.argv) < 3:
        print("usage: b2b_cpsat.py INSTANCE.json SECONDS [WORKERS]", file=sys.stderr)
        sys.exit(1)
    started = time.monotonic()
    with open(sys.argv[1], encoding="utf-8") as f:
        inst = json.load(f)
    seconds = float(sys.argv[2])
    args = [a for a in sys.argv[3:] if not a.startswith("--")]
    workers = int(args[0]) if args else 2
    priority_only = "--priority-only" in sys.argv

    slots = inst["slots"]
    tables = inst["tables"]
    people = inst["participants"]
    meetings = inst["meetings"]
    pidx = {p["id"]: i for i, p in enumerate(people)}
    midx = {m["id"]: i for i, m in enumerate(meetings)}
    avail = [set(p.get("available", range(slots))) for p in people]

    model = cp_model.CpModel()
    x = []  # per meeting: {slot: var}
    of_p = [[] for _ in people]  # per participant: meeting indices
    for k, m in enumerate(meetings):
        members = sorted({pidx[w] for w in m["with"]})
        for p in members:
            of_p[p].append(k)
        dom = set(m.get("allowed", range(slots)))
        if m.get("fixed_slot") is not None:
            dom = {m["fixed_slot"]}
        for p in members:
            dom &= avail[p]
        xs = {s: model.new_bool_var(f"x{k}_{s}") for s in sorted(dom)}
        if xs:
            model.add_at_most_one(xs.values())
        x.append(xs)

    def held(k):
        return sum(x[k].values())

    # Tables.
    for s in range(slots):
        vs = [x[k][s] for k in range(len(meetings)) if s in x[k]]
        if len(vs) > tables:
            model.add(sum(vs) <= tables)

    # One meeting per participant and slot; caps; breaks.
    breaks = []
    for p, person in enumerate(people):
        ms = of_p[p]
        if not ms:
            continue
        if priority_only:
            for s in range(slots):
                vs = [x[k][s] for k in ms if s in x[k]]
                if len(vs) > 1:
                    model.add_at_most_one(vs)
            cap = person.get("max_meetings")
            if cap is not None and len(ms) > cap:
                model.add(sum(held(k) for k in ms) <= cap)
            continue
        y = []
        for s in range(slots):
            vs = [x[k][s] for k in ms if s in x[k]]
            if len(vs) > 1:
                model.add_at_most_one(vs)
            y.append(sum(vs) if vs else 0)
        cap = person.get("max_meetings")
        if cap is not None and len(ms) > cap:
            model.add(sum(held(k) for k in ms) <= cap)
        # A run starts at s when p is busy at s and not at s − 1; breaks =
        # runs − 1 if p meets at all (minimisation keeps `start` tight).
        starts = []
        for s in range(slots):
            if isinstance(y[s], int) and y[s] == 0:
                continue
            st = model.new_bool_var(f"start{p}_{s}")
            prev = y[s - 1] if s > 0 else 0
            model.add(st >= y[s] - prev)
            starts.append(st)
        if not starts:
            continue
        anyv = model.new_bool_var(f"any{p}")
        model.add(anyv <= sum(y[s] for s in range(slots) if not isinstance(y[s], int)))
        breaks.append(sum(starts) - anyv)

    # `after`: if both are held, every predecessor is in an earlier slot.
    for k, m in enumerate(meetings):
        for q in m.get("after", []):
            q = midx[q]
            for s, v in x[k].items():
                later = [w for t, w in x[q].items() if t >= s]
                if later:
                    model.add(v + sum(later) <= 1)

    priority = sum(m.get("priority", 1) * held(k) for k, m in enumerate(meetings))
    total_breaks = sum(breaks) if breaks else 0
    weight = 1 if priority_only else len(people) * slots + 1
    if priority_only:
        model.maximize(priority)
    else:
        model.maximize(priority * weight - total_breaks)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, seconds - (time.monotonic() - started))
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    out = {"status": solver.status_name(status), "seconds": time.monotonic() - started}
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        out["priority"] = int(solver.value(priority))
        out["breaks"] = int(solver.value(total_breaks))
        # The bound on the folded objective, as a bound on the priority sum.
        total = sum(m.get("priority", 1) for k, m in enumerate(meetings) if x[k])
        out["objective_bound_priority"] = min(
            total, int((solver.best_objective_bound + weight - 1) // weight)
        )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
