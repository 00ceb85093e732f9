"""What stage 1 tells later stages, without knowing them (followup and deregistration listen; registration never
imports them).

- ``registration_transferring`` is sent by ``services.registration_transfer`` inside its transaction, after the
  registration row is locked and before anything changes, with ``registration``, ``to_office`` and ``user``. A
  receiver that must refuse the move (the deregistration stage while an exit of the registration waits for a
  supervisor) raises ``django.core.exceptions.ValidationError`` with a Chinese message; nothing is then saved.
- ``registration_transferred`` is sent after the move, in the same transaction, with ``registration`` (now held
  by the new office), ``transfer`` (the ``Transfer`` row) and ``user``: the follow-up stage moves the case.
- ``registration_reopened`` is sent by ``services.registration_reopen`` after an ended registration became
  active again, in the same transaction, with ``registration`` and ``user``: the follow-up stage opens this
  month's follow-up the monthly job could not open while it was ended.
- ``import_batch_done`` is sent once an import batch of any kind has ended DONE (``imports.batches``), outside
  any transaction, with ``batch=<ImportBatch>``: its rows are committed. The deregistration stage listens to
  propose exits from the comparison records the batch brought (new employment → 11, new business → 12).
  Receivers are called with ``send_robust``: one that fails is logged and the import stays done.
"""

from django.dispatch import Signal

registration_transferring = Signal()
registration_transferred = Signal()
registration_reopened = Signal()
import_batch_done = Signal()
