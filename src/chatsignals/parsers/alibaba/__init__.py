"""Alibaba.com Messenger: pasted transcripts (``alibaba_paste``) and saved pages (``alibaba_page``).

Importing the package registers both parsers. Alibaba notification e-mails are read by the
e-mail parser, not here.
"""

from . import page, paste  # noqa: F401  (registration)
