"""Files the fake Bot API knows: their ids, paths and metadata, the media objects that carry
them in messages, and the ways a bot hands one over (upload, file_id, URL, ``file://``)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from core.simulator.samples import wav_header
from tests.fakes.telegram.wire import (
    CLOUD_DOWNLOAD_LIMIT,
    CLOUD_UPLOAD_LIMIT,
    LOCAL_UPLOAD_LIMIT,
    BotApiError,
    JSONDict,
    UploadedFile,
    bad_request,
)


@dataclass(frozen=True)
class _Kind:
    folder: str  # of the file's path on the cloud API
    id_prefix: str  # real file_ids start with bytes that encode the file's type
    extension: str
    defaults: JSONDict


_KINDS: dict[str, _Kind] = {
    "animation": _Kind("animations", "CgACAgIAAxkBAAI", ".mp4",
                       {"file_name": "animation.mp4", "mime_type": "video/mp4", "width": 480,
                        "height": 270, "duration": 3}),
    "audio": _Kind("music", "CQACAgIAAxkBAAI", ".mp3",
                   {"file_name": "audio.mp3", "mime_type": "audio/mpeg", "duration": 30}),
    "document": _Kind("documents", "BQACAgIAAxkBAAI", "",
                      {"file_name": "document.bin", "mime_type": "application/octet-stream"}),
    "photo": _Kind("photos", "AgACAgIAAxkBAAI", ".jpg", {"width": 1280, "height": 960}),
    "video": _Kind("videos", "BAACAgIAAxkBAAI", ".mp4",
                   {"file_name": "video.mp4", "mime_type": "video/mp4", "width": 1280,
                    "height": 720, "duration": 10}),
    "video_note": _Kind("video_notes", "DQACAgIAAxkBAAI", ".mp4",
                        {"width": 240, "height": 240, "duration": 5}),
    "voice": _Kind("voice", "AwACAgIAAxkBAAI", ".oga", {"mime_type": "audio/ogg", "duration": 3}),
}
#: The kinds of media a message can carry (each has a ``send<Kind>`` method).
MEDIA_KINDS = tuple(_KINDS)

# Telegram also makes these smaller sizes of a photo, each with its own file_id.
_PHOTO_WIDTHS = (90, 320, 800)


@dataclass
class FakeFile:
    """A file the fake server knows by its file_id.

    ``data`` holds the bytes; when only a size was declared it is None and downloads serve that
    many zero bytes without ever holding them in memory.
    """

    file_id: str
    file_unique_id: str
    kind: str
    size: int
    file_path: str
    data: bytes | None = None
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    duration: int | None = None
    source_url: str | None = None
    variants: list[FakeFile] = field(default_factory=list)
    local_path: Path | None = None

    def read(self) -> bytes:
        """The file's bytes (zero bytes of the declared size when none were registered)."""
        return self.data if self.data is not None else bytes(self.size)


@dataclass
class FileLimits:
    """The cloud API's file limits, or a ``--local`` server's; either can be overridden."""

    local_mode: bool = False
    download_override: int | None = None
    upload_override: int | None = None

    @property
    def download(self) -> int | None:
        """The largest file getFile hands out: 20 MB on the cloud API, none in local mode."""
        if self.download_override is not None:
            return self.download_override
        return None if self.local_mode else CLOUD_DOWNLOAD_LIMIT

    @property
    def upload(self) -> int:
        """The largest upload accepted: 50 MB on the cloud API, 2000 MB in local mode."""
        if self.upload_override is not None:
            return self.upload_override
        return LOCAL_UPLOAD_LIMIT if self.local_mode else CLOUD_UPLOAD_LIMIT


def _file_ids(kind: str, number: int, bot_id: int) -> tuple[str, str]:
    # Real file_ids run to 70-90 characters: too long for 64-byte callback_data, on purpose.
    digest = hashlib.sha256(f"{bot_id}:{kind}:{number}".encode()).digest()
    tail = base64.urlsafe_b64encode(digest + digest[:16] + number.to_bytes(4, "big"))
    unique = "AQAD" + base64.urlsafe_b64encode(digest[:9]).decode().rstrip("=")
    return _KINDS[kind].id_prefix + tail.decode().rstrip("="), unique


class FileStore:
    """Every file of one fake, by file_id and by download path."""

    def __init__(self, bot_id: int) -> None:
        self._bot_id = bot_id
        self._numbers = itertools.count(1)
        self.by_id: dict[str, FakeFile] = {}
        self.by_path: dict[str, FakeFile] = {}

    def register(self, data: bytes | None = None, *, size: int | None = None,
                 kind: str = "document", file_id: str | None = None,
                 **meta: Any) -> FakeFile:
        """Make a file known under a file_id (a new one unless given), with its bytes or only
        a declared size. ``meta``: file_name, mime_type, width, height, duration, source_url.

        Declaring only ``size`` lets a test have a "30 MB video" without allocating 30 MB.
        Photos also get the smaller sizes Telegram generates.
        """
        if kind not in _KINDS:
            raise ValueError(f"unknown file kind {kind!r}")
        if data is None and size is None:
            raise ValueError("give the file's bytes or its size")
        if data is not None and size is not None and size != len(data):
            raise ValueError("size does not match the bytes given")
        if file_id is not None and file_id in self.by_id:
            raise ValueError(f"file_id {file_id!r} is already registered")
        if meta.get("mime_type") is None and meta.get("file_name") and kind in ("document",
                                                                               "audio"):
            meta["mime_type"] = mimetypes.guess_type(meta["file_name"], strict=False)[0]
        for key, value in _KINDS[kind].defaults.items():
            if meta.get(key) is None:
                meta[key] = value
        entry = self._new(kind, data=data, size=len(data) if data is not None else int(size or 0),
                          file_id=file_id, **meta)
        if kind == "photo" and entry.width and entry.height:
            entry.variants = [self._smaller_photo(entry, w) for w in _PHOTO_WIDTHS
                              if w < entry.width]
        return entry

    def _smaller_photo(self, photo: FakeFile, width: int) -> FakeFile:
        assert photo.width and photo.height
        height = max(1, round(photo.height * width / photo.width))
        size = max(1, photo.size * width * height // (photo.width * photo.height))
        return self._new("photo", data=None, size=size, width=width, height=height)

    def _new(self, kind: str, *, data: bytes | None, size: int, file_id: str | None = None,
             **meta: Any) -> FakeFile:
        number = next(self._numbers)
        new_id, unique_id = _file_ids(kind, number, self._bot_id)
        name, mime = meta.get("file_name"), meta.get("mime_type")
        extension = Path(name).suffix if name else ""
        extension = extension or mimetypes.guess_extension(mime or "") or _KINDS[kind].extension
        entry = FakeFile(file_id=file_id or new_id, file_unique_id=unique_id, kind=kind,
                         size=size, file_path=f"{_KINDS[kind].folder}/file_{number}{extension}",
                         data=data, **meta)
        self.by_id[entry.file_id] = entry
        self.by_path[entry.file_path] = entry
        return entry

    async def materialize(self, entry: FakeFile, root: Path) -> Path:
        """The file on disk under ``root``, as a ``--local`` server keeps it (written once;
        a declared size becomes a sparse file that reads as silent WAV audio, so that a
        backend probing it finds real media)."""
        if entry.local_path is not None:
            return entry.local_path
        path = (root / entry.file_path).absolute()

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            if entry.data is not None:
                path.write_bytes(entry.data)
            else:
                with path.open("wb") as handle:
                    if entry.size > 44:
                        handle.write(wav_header(entry.size - 44))
                    handle.truncate(entry.size)

        await asyncio.to_thread(write)
        entry.local_path = path
        return path

    async def from_input(self, kind: str, value: Any, files: dict[str, UploadedFile],
                         params: JSONDict, *, local_mode: bool, upload_limit: int) -> FakeFile:
        """The file a send method refers to: an upload, ``attach://``, a ``file://`` path (local
        mode only), an http(s) URL, or a known file_id; or the 400/413 Telegram answers."""
        upload = files.get(kind) if value is None else None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"there is no {kind} in the request")
        meta = _sent_metadata(kind, params)
        if upload is not None:
            return self._uploaded(kind, upload, meta, upload_limit)
        if not isinstance(value, str) or not value:
            raise bad_request(f"there is no {kind} in the request")
        if value.startswith("file://") and local_mode:
            path = Path(unquote(urlsplit(value).path))
            try:
                data = await asyncio.to_thread(path.read_bytes)
            except OSError:
                raise bad_request("file not found") from None
            return self.register(data, kind=kind, file_name=path.name, **meta)
        if value.startswith(("http://", "https://")):
            name = Path(urlsplit(value).path).name or None
            return self.register(size=0, kind=kind, file_name=name, source_url=value, **meta)
        known = self.by_id.get(value)
        if known is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return known

    def _uploaded(self, kind: str, upload: UploadedFile, meta: JSONDict,
                  upload_limit: int) -> FakeFile:
        if len(upload.data) > upload_limit:
            raise BotApiError(413, "Request Entity Too Large")
        if not upload.data:
            raise bad_request("file must be non-empty")
        mime = upload.content_type
        if mime == "application/octet-stream":
            mime = mimetypes.guess_type(upload.filename, strict=False)[0] or mime
        named = kind not in ("photo", "voice", "video_note")
        return self.register(upload.data, kind=kind,
                             file_name=upload.filename if named else None,
                             mime_type=mime if kind not in ("photo", "video_note") else None,
                             **meta)


def _sent_metadata(kind: str, params: JSONDict) -> JSONDict:
    meta: JSONDict = {"duration": params.get("duration")}
    if kind in ("video", "animation", "photo"):
        meta.update(width=params.get("width"), height=params.get("height"))
    elif kind == "video_note":
        meta.update(width=params.get("length"), height=params.get("length"))
    return {k: int(v) for k, v in meta.items() if v is not None}


def media_content(file: FakeFile) -> JSONDict:
    """The message fields that carry ``file`` (``{"video": {...}}``, ``{"photo": [...]}``)."""
    if file.kind == "photo":
        return {"photo": [{"file_id": s.file_id, "file_unique_id": s.file_unique_id,
                           "file_size": s.size, "width": s.width or 0, "height": s.height or 0}
                          for s in [*file.variants, file]]}
    obj: JSONDict = {"file_id": file.file_id, "file_unique_id": file.file_unique_id}
    if file.kind in ("video", "animation"):
        obj.update(width=file.width or 0, height=file.height or 0, duration=file.duration or 0)
    elif file.kind == "video_note":
        obj.update(length=file.width or 0, duration=file.duration or 0)
    elif file.kind in ("audio", "voice"):
        obj["duration"] = file.duration or 0
    if file.file_name and file.kind not in ("voice", "video_note"):
        obj["file_name"] = file.file_name
    if file.mime_type and file.kind != "video_note":
        obj["mime_type"] = file.mime_type
    obj["file_size"] = file.size
    content: JSONDict = {file.kind: obj}
    if file.kind == "animation":  # Telegram sets both fields for a GIF
        keep = ("file_id", "file_unique_id", "file_name", "mime_type", "file_size")
        content["document"] = {k: v for k, v in obj.items() if k in keep}
    return content
