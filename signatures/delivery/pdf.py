"""The delivery dossier as a PDF (fpdf2, DejaVu Sans shipped in petition/fonts).

Signatories are read with a server-side cursor (`.iterator()`), in the order
the dossier prints them (département, then mandate, then name): however many
there are, only one chunk of rows is in memory at a time. The pages
themselves are held by fpdf2 until the file is written (compressed at the
end); docs/performance.md gives the peak memory measured.
"""

import logging
from collections import Counter
from html import unescape
from pathlib import Path

from django.db.models import Case, Count, IntegerField, Value, When
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from petition.markdown import render_markdown

from ..places import departement_name
from ..titles import Mandate
from .area import Area

FONTS = Path(__file__).resolve().parent.parent.parent / "petition" / "fonts"
# The mandates in the order the dossier lists them: the Mandate choices' own order.
MANDATE_ORDER = {code: position for position, code in enumerate(Mandate.values)}
CHUNK = 2000
# fontTools reports every glyph it keeps when fpdf2 subsets the font, at INFO.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)
PROGRESS_EVERY = 1000


def capitalised(label) -> str:
    """« Membre d'une assemblée (Corse…) »: str.capitalize would lower the proper nouns."""
    label = str(label)
    return label[:1].upper() + label[1:]


def _mandate_rank():
    return Case(*[When(mandate=code, then=Value(rank)) for code, rank in MANDATE_ORDER.items()],
                default=Value(len(MANDATE_ORDER)), output_field=IntegerField())


class Dossier(FPDF):
    def __init__(self, title):
        super().__init__(format="A4")
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_title(title)
        self.set_creator("petition-elus")
        self.set_auto_page_break(True, margin=18)
        self.set_margins(18, 18, 18)
        self.running_head = ""
        self.doc_title = title

    def header(self):
        if self.page_no() == 1:
            return
        self.set_font("DejaVu", "", 8)
        self.set_text_color(90)
        self.cell(0, 5, self.fit(self.doc_title, 8), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if self.running_head:
            self.set_font("DejaVu", "B", 9)
            self.set_text_color(0)
            self.cell(0, 6, self.running_head, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)
        self.set_text_color(0)

    def footer(self):
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(90)
        self.cell(0, 5, str(self.page_no()), align="C")
        self.set_text_color(0)

    def fit(self, text, size):
        """The text, cut with an ellipsis when it would run past the right margin."""
        width = self.epw
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + "…") > width:
            text = text[:-1]
        return text + "…"

    def heading(self, text, size=14):
        self.set_font("DejaVu", "B", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def paragraph(self, text, size=10):
        self.set_font("DejaVu", "", size)
        self.multi_cell(0, size * 0.48, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)


def counts(rows) -> Counter:
    """(département, mandate) -> approved signatures: one aggregate query."""
    return Counter({(d, m): n for d, m, n in rows.order_by().values(
        "departement", "mandate").annotate(n=Count("pk")).values_list(
        "departement", "mandate", "n")})


def petition_text(petition) -> list[str]:
    """The French text as paragraphs of plain text (the dossier carries no markup)."""
    html = render_markdown(petition.body_fr)
    for tag in ("</p>", "</h1>", "</h2>", "</h3>", "</li>", "<hr>", "<br>"):
        html = html.replace(tag, tag + "\n\n")
    text = unescape(strip_tags(html))
    return [" ".join(part.split()) for part in text.split("\n\n") if part.strip()]


def write(petition, output, area: Area | None = None, progress=None) -> int:
    """Write the dossier to `output` (a path); returns how many signatories it holds.

    `area`: whose signatures (all by default). `progress(done, total)` is called
    every PROGRESS_EVERY signatories.
    """
    with translation.override("fr"):  # the French text is authoritative
        return _write(petition, Path(output), area or Area(), progress)


def _write(petition, output, area, progress):
    rows = area.signatures(petition)
    by_place = counts(rows)
    total = sum(by_place.values())
    by_mandate = Counter()
    for (_departement, mandate), n in by_place.items():
        by_mandate[mandate] += n
    now = timezone.localtime()
    pdf = Dossier(f"{petition.title_fr} — {area.describe()}")
    pdf.add_page()
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(0, 5, _("Delivery dossier"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.heading(petition.title_fr, 18)
    pdf.paragraph(area.describe(), 12)
    if petition.organiser:
        pdf.paragraph(_("Organised by %(organiser)s") % {"organiser": petition.organiser})
    pdf.paragraph(_("Signatories approved as of %(date)s: %(count)s") % {
        "date": date_format(now, "DATETIME_FORMAT"), "count": f"{total:n}"})
    pdf.start_section(_("Counts by mandate"))
    pdf.heading(_("Counts by mandate"), 12)
    labels = dict(Mandate.choices)
    pdf.set_font("DejaVu", "", 10)
    for mandate, n in sorted(by_mandate.items(), key=lambda item: MANDATE_ORDER.get(
            item[0], 99)):
        pdf.cell(120, 5.5, capitalised(labels.get(mandate, mandate)))
        pdf.cell(0, 5.5, f"{n:n}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.start_section(_("The text"))
    pdf.heading(_("The text"), 12)
    for paragraph in petition_text(petition):
        pdf.paragraph(paragraph, 9.5)

    done = 0
    departement = mandate = None
    signatures = (rows.select_related("party")
                  .annotate(mandate_rank=_mandate_rank())
                  .order_by("departement", "mandate_rank", "name_key", "public_id"))
    for signature in signatures.iterator(chunk_size=CHUNK):
        signature.petition = petition
        if signature.departement != departement:
            departement, mandate = signature.departement, None
            name = departement_name(departement) or _("No département")
            place = f"{departement} – {name}" if departement else name
            count = sum(n for (d, _m), n in by_place.items() if d == departement)
            pdf.running_head = _("Département: %(place)s") % {"place": place}
            pdf.add_page()
            pdf.start_section(place)
            pdf.heading(place + " — " + ngettext("%(count)s signatory",
                                                 "%(count)s signatories", count)
                        % {"count": f"{count:n}"}, 13)
        if signature.mandate != mandate:
            mandate = signature.mandate
            pdf.ln(1)
            pdf.set_font("DejaVu", "B", 10.5)
            pdf.cell(0, 6, f"{capitalised(labels.get(mandate, mandate))} "
                     f"({by_place[(departement, mandate)]:n})",
                     new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if pdf.will_page_break(9):
            pdf.add_page()
        pdf.set_font("DejaVu", "B", 9.5)
        party = signature.party_label
        pdf.cell(0, 4.6, pdf.fit(f"{signature.full_name} — {party}" if party
                                 else signature.full_name, 9.5),
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("DejaVu", "", 8.5)
        pdf.cell(0, 4.2, pdf.fit(str(signature.listed_title), 8.5),
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        done += 1
        if progress and not done % PROGRESS_EVERY:
            progress(done, total)
    if not total:
        pdf.paragraph(_("No approved signatory yet."))
    temporary = output.with_name(output.name + ".part")
    pdf.output(str(temporary))
    temporary.replace(output)  # readers never see half a file
    if progress:
        progress(done, total)
    return done
