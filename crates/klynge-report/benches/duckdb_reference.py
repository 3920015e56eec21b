"""DuckDB reference for the KPI benchmark: the same aggregates as Klynge over the same facts.

Usage: duckdb_reference.py CSV_DIR RUNS. Prints `key value` lines; exits 1 without duckdb.
"""
import statistics
import sys
import time

try:
    import duckdb
except ImportError:
    sys.stderr.write("the Python package duckdb is not installed\n")
    sys.exit(1)

csv_dir, runs = sys.argv[1], int(sys.argv[2])
con = duckdb.connect()
t = time.perf_counter()
for name in ["organisations", "activities", "participations", "region"]:
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv_auto('{csv_dir}/{name}.csv')")
print(f"  load_csv_ms {1000 * (time.perf_counter() - t):.1f}")

# National 2025 and the previous year: participations, unique organisations, dedicated, outcomes.
NATIONAL = """
SELECT y, COUNT(*) AS participations, COUNT(DISTINCT p.organisation) AS orgs,
  COUNT(DISTINCT CASE WHEN p.flags & 1 <> 0 THEN p.organisation END) AS dedicated,
  COUNT(DISTINCT CASE WHEN p.flags & 2 <> 0 THEN p.organisation END) AS new_product
FROM participations p JOIN (SELECT id, year(starts_on) AS y FROM activities) a ON a.id = p.activity
WHERE a.y IN (2024, 2025) GROUP BY y ORDER BY y
"""
# Nordjylland 2021-2025: unique companies and participants in activities held in the region,
# per cluster and in total.
REGION = """
WITH p AS (
  SELECT a.cluster, p.organisation, o.is_company
  FROM participations p JOIN activities a ON a.id = p.activity
  JOIN organisations o ON o.id = p.organisation
  WHERE a.starts_on BETWEEN DATE '2021-01-01' AND DATE '2025-12-31'
    AND a.municipality IN (SELECT municipality FROM region))
SELECT cluster, COUNT(*) AS participants,
  COUNT(DISTINCT CASE WHEN is_company = 1 THEN organisation END) AS companies
FROM p GROUP BY ROLLUP (cluster) ORDER BY cluster NULLS LAST
"""


def median_ms(sql):
    times, rows = [], None
    for _ in range(runs):
        t = time.perf_counter()
        rows = con.execute(sql).fetchall()
        times.append(1000 * (time.perf_counter() - t))
    return statistics.median(times), rows


national_ms, national = median_ms(NATIONAL)
region_ms, region = median_ms(REGION)
print(f"  national_ms {national_ms:.1f}")
print(f"  region_ms {region_ms:.1f}")
print(f"  national_unique_orgs {national[-1][2]}")
print(f"  region_unique_companies {region[-1][2]}")
print(f"  region_participants {region[-1][1]}")
