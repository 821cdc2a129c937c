"""A small measuring kit for notebook 10 and the service benchmark.

- :mod:`.data`: a large, deterministic library (50,000 books and more) inserted fast;
- :mod:`.stats`: latency percentiles and throughput of a list of timings;
- :mod:`.sqlite`: what SQLite does for a query (its plan, the work it takes);
- :mod:`.server`: an app served by uvicorn on a free 127.0.0.1 port, for a few seconds;
- :mod:`.load`: an HTTP load generator (wrk when installed, else a Python one);
- :mod:`.race`: many members borrowing the last copy at once, over real HTTP;
- :mod:`.plots`: the notebook's figures (matplotlib).

Every figure the kit gives is meant to be compared with a baseline measured in the
same run, never with a number from another machine.
"""
