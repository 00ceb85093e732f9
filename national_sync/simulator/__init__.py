"""A simulator of the ministry platforms speaking docs/ministry-protocol.md, for `make run`, the tests and the
bench: a real HTTP server on loopback (``manage.py run_ministry_simulator --port N``).

- ``core``: the server, the router, the signature check, the fault injection, the control endpoint, the HTML page
  and ``JsonlStore`` (what it received, in files of its own under ``--data-dir``).
- One module per exchange registers its endpoints, stores and page section with ``register(sim)``; the modules
  are listed in ``ENDPOINT_MODULES``. To add an exchange (national applications, decisions, local
  registrations), write ``national_sync/simulator/<exchange>.py`` with a ``register`` function and add it here.
- ``batches``: the one batch endpoint every exchange that sends records up routes to (``handle_batch``: shape,
  replay by batch id, once by business key, faults), given the exchange's fields, key, check and receipt.
"""

ENDPOINT_MODULES = [
    "national_sync.simulator.exits",
    "national_sync.simulator.national",
]
