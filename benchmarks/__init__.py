"""Performance benchmarks for invoceanio; ``python -m benchmarks`` runs the side-by-side suite.

- :mod:`benchmarks.suite` (issue 6): every scenario, every client, one run; the clients are in
  :mod:`benchmarks.peers`, the bulk-memory children in :mod:`benchmarks.bulk_memory`, the
  tables and the plot in :mod:`benchmarks.report`;
- :mod:`benchmarks.server`: the canned server every client talks to, in a separate process;
- :mod:`benchmarks.latency_bursts`: why an exactly constant latency costs more than itself;
- :mod:`benchmarks.core` (issues 2-3): :mod:`~benchmarks.create_throughput`,
  :mod:`~benchmarks.create_breakdown`, :mod:`~benchmarks.decode_page` and
  :mod:`~benchmarks.sandbox_throughput`; :mod:`benchmarks.profile_create` profiles the creates;
- :mod:`benchmarks.bulk_import` (issue 5): the bulk import at full size, under faults.

Results and the commands that produced them are in ``benchmarks/README.md``. Nothing here is a
test: timings are never asserted.
"""
