"""What stage 1 tells later stages, without knowing them (they listen; registration never imports them).

``import_batch_done`` is sent once an import batch of any kind has ended DONE (``imports.batches``), outside any
transaction, with ``batch=<ImportBatch>``: its rows are committed. The deregistration stage listens to propose
exits from the comparison records the batch brought (new employment → 11, new business → 12). Receivers are
called with ``send_robust``: one that fails is logged and the import stays done.
"""

from django.dispatch import Signal

import_batch_done = Signal()
