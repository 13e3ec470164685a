"""Files the stand-in holds between their upload URL and their completion (see api_files)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

UPLOAD_PREFIX = "/upload/"


@dataclass
class PendingFile:
    id: str
    filename: str
    length: int
    alt_txt: str | None
    content: bytes | None = None
    completed: bool = False


@dataclass
class FileStore:
    """Files between their upload URL and their completion, by id."""

    files: dict[str, PendingFile] = field(default_factory=dict)
    base_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def new(self, filename: str, length: int, alt_txt: str | None) -> PendingFile:
        with self.lock:
            file = PendingFile(f"F{len(self.files) + 1:08d}", filename, length, alt_txt)
            self.files[file.id] = file
            return file

    def url_private(self, file: PendingFile) -> str:
        return f"{self.base_url.rstrip('/')}/files-pri/T0STANDIN-{file.id}/{file.filename}"

    def permalink(self, file: PendingFile) -> str:
        return f"{self.base_url.rstrip('/')}/files/U0BOT/{file.id}/{file.filename}"

    def receive(self, file_id: str, body: bytes, content_type: str) -> tuple[int, str]:
        """The upload URL's answer: (HTTP status, text)."""
        content = _multipart_file(body, content_type) if content_type.startswith("multipart/form-data") else body
        with self.lock:
            file = self.files.get(file_id)
            if file is None or file.completed:
                return 404, "not found"
            if file.content is not None:
                return 400, "already uploaded"
            if len(content) != file.length:
                return 400, f"expected {file.length} bytes, got {len(content)}"
            file.content = content
            return 200, f"OK - {len(content)}"


def _multipart_file(body: bytes, content_type: str) -> bytes:
    boundary = content_type.split("boundary=", 1)[-1].strip('"').encode()
    for part in body.split(b"--" + boundary):
        head, sep, rest = part.partition(b"\r\n\r\n")
        if sep and b"filename=" in head:
            return rest.removesuffix(b"\r\n")
    return b""
