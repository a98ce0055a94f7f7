from django.dispatch import Signal

# Sent inside the transaction that saved (or found) the signature.
# Arguments: signature, duplicate (True when the address had already signed),
# language (the signer's interface language).
signature_submitted = Signal()
