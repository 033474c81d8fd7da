"""`make bench`: server-side benchmarks. Each figure is printed on stdout as one JSON line."""
