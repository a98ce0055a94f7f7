"""Whose signatures a dossier holds, without the PDF libraries: the web worker's pages and
the admin describe an area, only the task that builds the file imports fpdf2 (pdf.py)."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..places import departement_name
from ..titles import circonscription_label


@dataclass(frozen=True)
class Area:
    """Whose signatures a dossier holds: all, a département's, or those handed to one
    of its parliamentarians (its senators, or the deputy of one constituency)."""

    departement: str = ""
    circonscription: str = ""
    senators: bool = False

    @property
    def key(self) -> str:
        """"" (all), "29", "29-3" (the 3rd constituency's deputy), "29-sen"."""
        if self.circonscription:
            return f"{self.departement}-{self.circonscription}"
        if self.senators:
            return f"{self.departement}-sen"
        return self.departement

    @classmethod
    def from_key(cls, key: str) -> "Area":
        departement, _sep, rest = key.partition("-")
        if rest == "sen":
            return cls(departement, senators=True)
        return cls(departement, rest)

    def describe(self) -> str:
        if not self.departement:
            return _("All signatories")
        place = f"{departement_name(self.departement)} ({self.departement})"
        if self.circonscription:
            return _("For the member of the National Assembly for the %(constituency)s, "
                     "%(place)s") % {"constituency": circonscription_label(
                         self.circonscription), "place": place}
        if self.senators:
            return _("For the senators of %(place)s") % {"place": place}
        return _("Signatories of %(place)s") % {"place": place}

    def signatures(self, petition):
        rows = petition.signatures.approved()
        if self.departement:
            # The reference data do not say which communes make up a constituency:
            # a parliamentarian's dossier holds their whole département's signatories.
            rows = rows.filter(departement=self.departement)
        return rows
