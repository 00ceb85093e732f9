"""Ops imports of stage 1: comparison records (信息比对 source, notice 二), the education department's list of
graduates not employed after leaving school (离校未就业高校毕业生, notice 一 and Henan 三: recorded as handed over)
and the registrations an office made before it adopted the system (Henan 三: 既有失业登记).

    batch = comparison_import(file=upload, kind=ImportBatch.Kind.SOCIAL_INSURANCE, user=request.user, run_now=False)
    batch = graduates_import(file=upload, user=request.user, run_now=False)
    batch = registrations_import(file=upload, user=request.user, run_now=False)

Reading the file (xlsx or CSV, limits, headers, cell values, per-row errors) is ``common/tables.py``; the template
workbook is ``common/xlsx.py``. Here: each flow in its module (``comparison``, ``graduates``, ``registrations``),
what the lists of people share (``people``: region codes, rows the file repeats, skips), the citizen-ID cell
(``cells``), what every import shares (``batches``: the importing office, the upload onto a queued batch, the job
that processes a batch of any kind chunk by chunk with a heartbeat, the sweep that resumes what a stopped worker
left), and the formats by kind (``formats``). No file is parsed in the web request. Bad *files* raise
``ImportFileError``: at upload nothing is created, in the job the batch fails with the reason; bad *rows* are
reported on the batch (``ImportBatch.errors``: row number as in the spreadsheet, column header, message) while
the good rows are kept; rows of people left out on purpose are listed with why (``ImportBatch.skips``).
"""

from common.tables import ImportFileError

from .batches import import_batch_process, import_batches_resume, import_submit, office_of
from .comparison import COMPARISON_KINDS, comparison_columns, comparison_import
from .formats import TEMPLATE_TITLES, columns_for, template_xlsx
from .graduates import GRADUATE_COLUMNS, graduates_import
from .registrations import REGISTRATION_COLUMNS, registrations_import

__all__ = [
    "COMPARISON_KINDS",
    "GRADUATE_COLUMNS",
    "REGISTRATION_COLUMNS",
    "TEMPLATE_TITLES",
    "ImportFileError",
    "columns_for",
    "comparison_columns",
    "comparison_import",
    "graduates_import",
    "import_batch_process",
    "import_batches_resume",
    "import_submit",
    "office_of",
    "registrations_import",
    "template_xlsx",
]
