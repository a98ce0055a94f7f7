"""Every point where `signatures` hands work to other apps, in one place.

One mechanism: Django signals. `signatures` never imports its listeners;
they connect in their AppConfig.ready (verification.receivers, and
signatures.figures for the public counts). grep a signal's name to find
who listens.
"""

from django.dispatch import Signal

# Sent by the signing form once the fields, the honeypot and the rate limits
# have passed (a DNS lookup may take 2 seconds). Argument: domain, the
# normalised email domain. A receiver raises ValidationError, shown next to
# the email field, or returns a dict of the Signature fields it sets
# (verification: the domain's kind and the DNS answer), which go in with the
# INSERT: asked once per POST, written without a second UPDATE.
email_domain_checking = Signal()

# Sent inside the transaction that saved (or found) the signature.
# Arguments: signature, duplicate (True when the address had already signed),
# language (the signer's interface language).
signature_submitted = Signal()

# Sent inside the transaction that moved signatures through the state machine.
# Arguments: ids (the signatures moved), transition (its name), target (the
# state they moved to) and sources (each source state -> the ids that left it).
signatures_moved = Signal()

# Sent inside the transaction that erased who signed, for the rows' other
# records to follow (signatures.intake: the evidence). Arguments: signatures
# (a queryset of the rows), addresses_only (True when only the addresses went,
# some months after a petition closed).
personal_data_erased = Signal()
