"""Looking at a printed PDF as a reader would, with poppler-utils: its text (pdftotext) and how much is printed on
each page (pdftoppm, then Pillow counts the dark pixels)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from PIL import Image

# A page with fewer dark pixels than this (at 50 dpi) counts as empty: its running head and page number alone have
# about 600, a section's title with them about 760, a cover about 3,600.
INK = 1500


def pdf_text(pdf: bytes) -> str:
    """The text of every page, in reading order (-layout keeps a table's columns on one line)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.pdf"
        path.write_bytes(pdf)
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout


def ink(pdf: bytes) -> list[int]:
    """Per page: how many pixels are clearly darker than the paper."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.pdf"
        path.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(Path(folder) / "page")], check=True)
        counts = []
        for page in sorted(Path(folder).glob("page-*.png"), key=lambda found: int(found.stem.split("-")[-1])):
            with Image.open(page) as image:
                counts.append(sum(image.convert("L").histogram()[:200]))
        return counts
