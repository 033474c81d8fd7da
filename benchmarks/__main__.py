"""`make bench`: one JSON line per figure. Figures arrive with the issues that set targets."""

import sys

print('{"figure": "benchmarks", "value": 0, "unit": "figures", "target": null, "met": null}')
print("No benchmark figures are defined yet; issue 3 adds the first.", file=sys.stderr)
