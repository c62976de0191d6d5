"""The Sachbericht as a PDF: an HTML page (`report_pdf.html`, with the bar-chart macro of the figures pages) printed
by WeasyPrint.

WeasyPrint lays out HTML and CSS with pango, so the report's look is a template and a stylesheet, the charts are the
same SVG as on the screen, and German, Turkish or Cyrillic answer options print with the system's DejaVu fonts.
Printing takes a second or two and holds the CPU: callers in the event loop run `render_pdf` in a thread.
"""

from __future__ import annotations

import functools

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.figures.layout import table_view
from bot.figures.report import TITLE, Report, created_text, period_text
from bot.i18n import Translator
from bot.web.rendering import TEMPLATES, helpers


@functools.cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def report_html(report: Report, translator: Translator) -> str:
    sections = [{"key": section.key, "title": translator.gettext(section.title),
                 "introduction": translator.gettext(section.introduction) if section.introduction else "",
                 "tables": [table_view(translator, table) for table in section.tables]}
                for section in report.sections]
    return _environment().get_template("report_pdf.html").render(
        **helpers(translator), title=translator.gettext(TITLE), office=report.office, quarter=report.quarter,
        period_text=period_text(translator, report.period),
        previous_text=period_text(translator, report.period.previous()),
        created=created_text(translator, report.created), sections=sections)


class PdfUnavailable(Exception):
    """WeasyPrint's system libraries (pango) are missing: the PDF cannot be made on this machine."""


def render_pdf(report: Report, translator: Translator) -> bytes:
    # Imported here, not at the top: without pango the import fails, and the back office must still start
    # (and make the XLSX) on a machine that lacks it.
    try:
        from weasyprint import HTML
    except (OSError, ImportError) as error:
        raise PdfUnavailable(str(error)) from error
    return HTML(string=report_html(report, translator)).write_pdf()
