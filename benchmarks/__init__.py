"""Performance benchmarks for invoceanio (issue 2, "Speed"); run them with ``python -m benchmarks``.

- :mod:`benchmarks.create_throughput`: invoice creates per second, invoceanio against raw
  aiohttp, against a loopback server in a separate process (:mod:`benchmarks.server`);
- :mod:`benchmarks.create_breakdown`: the CPU of one create, step by step, without a network;
- :mod:`benchmarks.decode_page`: decoding and structuring a 100-invoice page, JSON and XML;
- :mod:`benchmarks.profile_create`: a profile of the client side of the creates.

Results and the commands that produced them are in ``benchmarks/README.md``. Nothing here is a
test: timings are never asserted.
"""
