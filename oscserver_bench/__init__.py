"""Benchmarks: how fast the server, its outputs and its generators are on this machine.

One module per benchmark, each with an ``add_parser(kinds)`` that registers its command line
in :mod:`oscserver_bench.cli`: ``generator``, ``latency``, ``shm``, ``webrtc``, ``ndi``, ``osc``,
``biggan``, ``render``, ``learned`` and ``all``. Run them as

    oscserver bench NAME [options]      (oscserver bench --help lists them)
    python -m oscserver_bench NAME [options]      (the same, without the runtime's command)

Most print JSON (:mod:`oscserver_bench.report`: the machine they ran on and their figures); each
compares side by side in one run (ratios), since shared machines are noisy. Results and the commands
that made them are recorded in docs/benchmarks.md.

This package is not part of what a performer runs: it may import ``oscserver`` and the torch side
(``oscserver_export``), and the runtime never imports it (``oscserver bench`` hands over by name).
"""
