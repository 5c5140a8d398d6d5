"""An official receipt as a PDF (A5 portrait), made with fpdf2.

fpdf2: pure Python (no system libraries to install, unlike WeasyPrint's Pango), maintained, typed, and it
embeds a TrueType font so names keep their letters (Wanjirũ, not Wanjiru). Debian's DejaVu Sans is used
when installed (fonts-dejavu-core); without it the PDF's built-in Helvetica is used, and a letter it
cannot draw is written without its accent.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from fpdf import FPDF

from bot.documents.words import amount_in_words
from ledger.money import kes
from ledger.types import OfficialReceipt

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def latin1(text: str) -> str:
    """``text`` as Helvetica can draw it: accents dropped where Latin-1 has no such letter."""
    if all(ord(char) < 256 for char in text):
        return text
    folded = unicodedata.normalize("NFKD", text)
    return "".join(char for char in folded if ord(char) < 256 and not unicodedata.combining(char))


class KaroPdf(FPDF):
    """A Karo document: DejaVu Sans where installed (Helvetica otherwise), 12 mm margins, flowing text."""

    def __init__(self, page: str = "A5") -> None:
        super().__init__(orientation="P", unit="mm", format=page)
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(auto=True, margin=12)
        regular, bold = DEJAVU / "DejaVuSans.ttf", DEJAVU / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            self.add_font("body", "", str(regular))
            self.add_font("body", "B", str(bold))
            self.family, self.fold = "body", False
        else:
            self.family, self.fold = "helvetica", True

    def text_of(self, text: str) -> str:
        return latin1(text) if self.fold else text

    def para(self, text: str, *, size: float = 10, bold: bool = False, height: float = 6) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.multi_cell(0, height, self.text_of(text), new_x="LMARGIN", new_y="NEXT")


class _Receipt(KaroPdf):
    def pair(self, label: str, value: str, *, bold: bool = False) -> None:
        self.set_font(self.family, "", 10)
        self.cell(45, 6, self.text_of(label))
        self.set_font(self.family, "B" if bold else "", 10)
        self.multi_cell(0, 6, self.text_of(value), new_x="LMARGIN", new_y="NEXT")


def receipt_pdf(receipt: OfficialReceipt) -> bytes:
    """The receipt as PDF bytes."""
    pdf = _Receipt()
    pdf.set_title(f"Receipt {receipt.number}")
    pdf.set_creator("Karo")
    pdf.add_page()
    pdf.para(receipt.school, size=15, bold=True, height=8)
    pdf.para("OFFICIAL RECEIPT" + ("  (CANCELLED)" if receipt.cancelled else ""), size=11, bold=True)
    pdf.ln(2)
    pdf.pair("Receipt no.", receipt.number, bold=True)
    pdf.pair("Date", receipt.received_on.strftime("%d %B %Y"))
    if receipt.student is not None:
        pdf.pair("Student", f"{receipt.student.name} ({receipt.student.admission_no})")
        pdf.pair("Class", receipt.student.class_name)
    else:
        pdf.pair("Student", "Not yet matched to a student")
    if receipt.payer:
        pdf.pair("Received from", receipt.payer)
    pdf.pair("Paid by", f"{receipt.method}, ref. {receipt.reference}")
    pdf.pair("Amount", kes(receipt.amount, always_cents=True), bold=True)
    pdf.para(amount_in_words(receipt.amount), size=9)
    if receipt.spread:
        pdf.ln(2)
        pdf.para("Applied to", bold=True)
        for part in receipt.spread:
            label = f"{part.vote_head} ({part.term})" if part.term else part.vote_head
            pdf.pair(label, kes(part.amount, always_cents=True))
    pdf.ln(4)
    pdf.para(f"Recorded by {receipt.recorded_by}", size=8)
    if receipt.cancelled:
        pdf.para("This receipt was cancelled: the payment was reversed. Its number is not reused.", size=9)
    return bytes(pdf.output())
