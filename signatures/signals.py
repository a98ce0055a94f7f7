from django.dispatch import Signal

# Sent just before a new signature is first saved (before its transaction
# opens, to keep it short): receivers fill in the fields their app owns
# (verification: what the email's domain is), so that they go in with the
# INSERT. Argument: signature.
signature_preparing = Signal()

# Sent inside the transaction that saved (or found) the signature.
# Arguments: signature, duplicate (True when the address had already signed),
# language (the signer's interface language).
signature_submitted = Signal()

# Sent inside the transaction that moved signatures through the state machine.
# Arguments: ids (the signatures moved), transition (its name).
signatures_moved = Signal()
