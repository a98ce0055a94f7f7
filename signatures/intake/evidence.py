"""The evidence file: recognised by its first bytes, capped in size, kept out of public paths."""

import os
import secrets

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

# What a file's first bytes say it is -> (type, extension). Nothing that can
# carry script when opened (no SVG, no HTML).
SIGNATURES = [
    (b"%PDF-", ("application/pdf", "pdf")),
    (b"\x89PNG\r\n\x1a\n", ("image/png", "png")),
    (b"\xff\xd8\xff", ("image/jpeg", "jpg")),
    (b"GIF87a", ("image/gif", "gif")),
    (b"GIF89a", ("image/gif", "gif")),
]


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of an accepted file, from its first bytes; None otherwise."""
    for magic, kind in SIGNATURES:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ("image/webp", "webp")
    return None


def sniff_upload(uploaded) -> tuple[str, str] | None:
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    return sniff(head)


def stored_name(extension: str) -> str:
    """Never the uploaded name: a random one, with the extension the content gave."""
    return f"{secrets.token_hex(16)}.{extension}"


class EvidenceStorage(FileSystemStorage):
    """Files under SIGNATURE_EVIDENCE_ROOT, read from the settings at each use, with no URL:
    only the staff view that checks the permission serves them."""

    @property
    def base_location(self):
        return settings.SIGNATURE_EVIDENCE_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


_storage = EvidenceStorage()


def evidence_storage():
    """The storage of evidence files (a callable, so migrations keep no path)."""
    return _storage


class SizeCappedUpload(FileUploadHandler):
    """Drop an uploaded file as soon as it passes `limit` bytes, without keeping it.

    The rest of that file is read off the connection and thrown away chunk by
    chunk (Django's SkipFile), so a 50 MB upload costs neither memory nor disk;
    the other fields of the form still arrive, and the view says what happened
    through `request.oversized_uploads` (the names of the dropped fields).
    """

    def __init__(self, request, limit):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        request.oversized_uploads = set()

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.oversized_uploads.add(self.field_name)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) builds the file


def cap_uploads(request, limit):
    """Call before anything reads request.POST or request.FILES."""
    request.upload_handlers.insert(0, SizeCappedUpload(request, limit))
