"""The email backend of `make run`: each email printed as a person reads it.

Django's console backend prints the raw MIME message: the subject encoded,
the body quoted-printable, so a link breaks across a soft line break and
cannot be copied. This one prints the headers decoded and the plain-text part
as text, links whole; the HTML part is only mentioned.
"""

from django.core.mail.backends.console import EmailBackend as RawConsoleBackend

SHOWN_HEADERS = ("From", "To", "Reply-To", "Subject", "Date", "Message-ID", "List-Unsubscribe",
                 "List-Unsubscribe-Post")


class EmailBackend(RawConsoleBackend):
    def write_message(self, message):
        mime = message.message()
        lines = [f"{name}: {mime[name]}" for name in SHOWN_HEADERS if mime[name]]
        text = mime.get_body(preferencelist=("plain",))
        html = mime.get_body(preferencelist=("html",))
        lines.append("")
        lines.append(text.get_content().rstrip("\n") if text is not None else "")
        if html is not None and html is not text:
            lines.append("")
            lines.append("[an HTML version of this email is also sent]")
        self.stream.write("\n".join(lines) + "\n")
        self.stream.write("-" * 79 + "\n")
