"""Signatures received outside the form: recorded by hand by a moderator, or imported from a list.

Both go through the signing form's own validation (signatures.forms.SignatureForm)
and through Signature.objects.submit, so that they live the same life as a
form signature: a challenge to the given address, or, for a moderator holding
`record_confirmed_signature`, "confirm_email" on the campaign's evidence.

    forms.py      the staff's form: the signing form, plus the source and its evidence
    evidence.py   the evidence file: what its content is, its size cap, where it is kept
    recording.py  record(): one signature, its evidence and its trail entry
    importing.py  a CSV list of signatories, read, checked row by row, then recorded
    admin.py      the staff pages (record, import with a dry run, the evidence file)
    models.py     Evidence
"""
