"""The petition handed to Parliament: the delivery dossier, a PDF per petition or per area.

    area.py     Area: whose signatures a dossier holds (all, a département, its parliamentarians)
    pdf.py      write(): the text, the counts and the approved signatories, streamed
    models.py   DeliveryDossier: one build (its area, progress and file)
    admin.py    the staff's page: ask for a build, watch its progress, download it
    views.py    the public download of the current dossier (rebuilt at most hourly)

Built by signatures.tasks.build_delivery_dossier and by `manage.py delivery_dossier`.
"""
