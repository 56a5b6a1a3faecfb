"""report.html: one self-contained file, autoescaped, no scripts, nothing fetched.

A Content-Security-Policy meta tag forbids scripts and any network load, so even text that slipped
past escaping could not run; Jinja2's autoescape makes sure it does not slip.
"""

from __future__ import annotations

import re
from typing import Any

from jinja2 import ChainableUndefined, Environment, PackageLoader, select_autoescape

from .i18n import texts
from .timeline import render_svg

_env = Environment(
    loader=PackageLoader("chatsignals.report", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=ChainableUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _strip_xml_header(svg: str) -> str:
    """Inline SVG: drop the XML declaration and DOCTYPE (they are invalid inside HTML)."""
    start = svg.find("<svg")
    svg = svg[start:] if start >= 0 else ""
    return re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)


def render_html(model: dict[str, Any]) -> str:
    svg = render_svg(model)
    template = _env.get_template("report.html.j2")
    return template.render(m=model, t=texts(model.get("lang", "en")), timeline_svg=_strip_xml_header(svg) if svg else "")
