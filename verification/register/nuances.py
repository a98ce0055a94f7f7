"""The register's political nuances that the Ministry classes as extreme right.

Seeded by migration 0050 and editable in the admin (FarRightNuance): the
Ministry's grid changes with elections. The L… codes are municipal lists'.
"""

FAR_RIGHT = [
    ("RN", "Rassemblement national"), ("REC", "Reconquête !"),
    ("EXD", "Extrême droite"), ("UXD", "Union de l'extrême droite"),
    ("LRN", "Liste Rassemblement national"), ("LREC", "Liste Reconquête !"),
    ("LEXD", "Liste d'extrême droite"), ("LUXD", "Liste d'union de l'extrême droite"),
]


def seed_far_right_nuances(model):
    """`model` is FarRightNuance, or its historical version in a migration."""
    for code, label in FAR_RIGHT:
        model.objects.get_or_create(code=code, defaults={"label": label})
