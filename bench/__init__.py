"""PlayerDesk benchmarks: a deterministic data generator and the scenarios measured against it.

``python -m bench.run`` runs the scenarios and writes ``bench/RESULTS.md``; ``python -m bench.run --smoke``
is the quick check with generous gates.
"""
