"""ASGI entry point for uvicorn (`gateway.main:app`): one app per server process."""

import gc

from gateway.app import create_app

app = create_app()
# What exists now (modules, agreements, OpenAPI and validation schemas) lives as long as the process: kept out of
# the collector's full passes, which otherwise traverse it all and stall every request in flight (measured by
# `./dev bench booking`: p99 of new bookings 125 -> 72 ms). Tests build many apps and do not freeze.
gc.collect()  # what import left as cyclic garbage goes first: frozen, it would stay for the process's life
gc.freeze()
