from django.dispatch import Signal

# Sent inside the transaction that saved (or found) the signature.
# Arguments: signature, duplicate (True when the address had already signed),
# language (the signer's interface language).
signature_submitted = Signal()

# Sent inside the transaction that moved signatures through the state machine.
# Arguments: ids (the signatures moved), transition (its name).
signatures_moved = Signal()
