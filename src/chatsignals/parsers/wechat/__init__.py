"""WeChat: WeChatMsg CSV/TXT/HTML exports and copied chat text.

Importing the package registers ``wechat_csv``, ``wechat_txt``, ``wechat_html`` and
``wechat_paste``.
"""

from . import csv_export, html_export, paste, txt_export  # noqa: F401  (registration)
