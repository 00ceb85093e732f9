"""What stage 3 tells later stages, without knowing them (national_sync listens; deregistration never imports it).

``exit_cancelling`` is sent by the cancel service (``services.exit_cancel``) inside its transaction, after the
exit row is locked (``SELECT … FOR UPDATE``) and before anything changes, with ``exit=<Exit>`` and
``user=<User>``. A receiver that must refuse the cancel — the national sync stage once the exit has been sent to
the ministry platform — raises ``django.core.exceptions.ValidationError`` with a Chinese message; nothing is then
saved. Receivers lock their own rows as needed; lock order is always the exit row first.

``exit_cancelled`` is sent after the exit is cancelled, in the same transaction, with ``exit`` and ``user``: a
receiver drops whatever it queued for the exit (e.g. a pending upload record).
"""

from django.dispatch import Signal

exit_cancelling = Signal()
exit_cancelled = Signal()
