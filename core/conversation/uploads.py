"""Uploading a message's attachments (or links) to the chat's project."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import mimetypes
import re
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from core.conversation.limits import photo_note, usable_links
from core.conversation.projects import Projects
from core.conversation.texts import ACCEPTED_FORMATS
from core.conversation.turn import Turn
from core.identity import Identities
from core.intents import Step
from core.messages import Attachment, AttachmentUnavailable
from core.nemo import errors
from core.nemo.api import NemoApi
from core.nemo.models import UploadedFile, UploadResult
from core.nemo.uploads import UploadFile
from core.outgoing import Button, ProgressReport, Sent

log = logging.getLogger(__name__)

MAX_FILE_SIZE = 500 * 1024 * 1024
ACCEPTED_EXTENSIONS = frozenset(
    ("mp4", "mov", "avi", "webm", "mkv", "jpg", "jpeg", "png", "gif", "webp",
     "mp3", "wav", "m4a", "aac")
)
_BY_CONTENT_TYPE = {
    "video/mp4": "mp4", "video/quicktime": "mov", "video/x-msvideo": "avi",
    "video/webm": "webm", "video/x-matroska": "mkv", "image/jpeg": "jpg", "image/png": "png",
    "image/gif": "gif", "image/webp": "webp", "audio/mpeg": "mp3", "audio/mp3": "mp3",
    "audio/wav": "wav", "audio/x-wav": "wav", "audio/mp4": "m4a", "audio/x-m4a": "m4a",
    "audio/aac": "aac",
}


def extension_of(filename: str, content_type: str | None = None) -> str | None:
    """The accepted format of a file, by name first, then by content type when the name
    has no extension a file type is known by ("IMG_1234", "meeting v1.2")."""
    suffix = PurePosixPath(filename).suffix.lower()
    if suffix.lstrip(".") in ACCEPTED_EXTENSIONS:
        return suffix.lstrip(".")
    if not suffix or mimetypes.guess_type(f"x{suffix}", strict=False) == (None, None):
        return type_extension(content_type)
    return None


def upload_name(attachment: Attachment) -> str:
    """The name a file is uploaded under: NemoVideo types files by their extension, so a
    file accepted by its content type alone ("IMG_1234", video/mp4) gets one."""
    name = attachment.filename
    if PurePosixPath(name).suffix.lower().lstrip(".") in ACCEPTED_EXTENSIONS:
        return name
    found = extension_of(name, attachment.content_type)
    return f"{name}.{found}" if found else name


def upload_names(attachments: Sequence[Attachment]) -> list[str]:
    """Each file's `upload_name`; names the files of one message share are told apart
    as a file manager would ("photo.jpg", "photo (2).jpg")."""
    names: list[str] = []
    taken: set[str] = set()
    for attachment in attachments:
        name = upload_name(attachment)
        path, number = PurePosixPath(name), 1
        while name.lower() in taken:
            number += 1
            name = f"{path.stem} ({number}){path.suffix}"
        names.append(name)
        taken.add(name.lower())
    return names


def type_extension(content_type: str | None) -> str | None:
    """The accepted format a content type names ("video/quicktime" -> "mov"), if any."""
    if not content_type:
        return None
    return _BY_CONTENT_TYPE.get(content_type.split(";", 1)[0].strip().lower())


def check(attachment: Attachment) -> str | None:
    """Why an attachment is refused before any upload ("type" or "size"), or None."""
    if extension_of(attachment.filename, attachment.content_type) is None:
        return "type"
    if attachment.size is not None and attachment.size > MAX_FILE_SIZE:
        return "size"
    return None


def files_summary(files: tuple[UploadedFile, ...]) -> str:
    """"a.mp4 (10s, 1920x1080), song.mp3 (2:05)" for the reply."""
    parts = []
    for f in files:
        details = []
        if f.duration:
            seconds = round(f.duration)
            minutes, rest = divmod(seconds, 60)
            details.append(f"{minutes}:{rest:02d}" if minutes else f"{seconds}s")
        if f.width and f.height:
            details.append(f"{f.width}x{f.height}")
        parts.append(f"{f.filename} ({', '.join(details)})" if details else f.filename)
    return ", ".join(parts)


async def _not_uploaded(turn: Turn, progress: Sent) -> None:
    """The "Uploading…" message says the upload did not end (the reason follows it)."""
    try:
        await turn.out.edit_text(turn.chat, progress, turn.text("upload_not_done"))
    except Exception as exc:  # the reason is said all the same
        log.info("chat %s: the upload message was not updated: %r", turn.chat, exc)


class Uploader:
    """Uploads a message's attachments (or links) to the chat's project."""

    def __init__(self, nemo: NemoApi, identities: Identities, projects: Projects, *,
                 edit_interval: float) -> None:
        self.nemo = nemo
        self.identities = identities
        self.projects = projects
        self.edit_interval = edit_interval

    async def upload(self, turn: Turn, step: Step) -> None:
        """Check, upload in one request, and say what arrived."""
        if not turn.message.attachments and not step.urls:
            await turn.say("upload_what", formats=ACCEPTED_FORMATS)
            return
        accepted, urls = await _usable(turn, step)
        if not accepted and not urls:
            # a caption was about the files: it is not sent to the agent without them
            turn.rest_moot = bool(turn.message.attachments) and not step.urls
            return
        session_id = await self.projects.ensure(turn)
        count = len(accepted) + len(urls)
        await turn.out.working(turn.chat)
        progress = await turn.say("uploading", count=count)
        meter = _Progress(turn, progress, count, self.edit_interval)
        try:
            result = await self._send(turn, session_id, accepted, urls, meter)
        except BaseException as exc:
            # NemoVideo could not fetch a link: say which and why (no other error of the
            # backend is about the links themselves)
            if type(exc) is errors.NemoError and urls:
                log.info("chat %s: NemoVideo could not fetch %s: %s", turn.chat, urls,
                         exc.message)
                await turn.out.edit_text(turn.chat, progress, turn.text(
                    "upload_link_failed", links=", ".join(urls),
                    reason=link_failure(exc, urls)))
                return
            await _not_uploaded(turn, progress)  # stopped (/cancel) or failed: said below
            raise
        turn.session.draft_at = 0.0  # the state took the files: read it before the next turn
        # an answer that lists no file (or no names) still took what was sent
        sent = ", ".join([a.filename for a in accepted] + urls)
        reply = turn.text("uploaded", files=files_summary(result.files) or sent)
        buttons: tuple[Button, ...] = ()
        if not turn.message.text.strip():
            note, buttons = photo_note(turn, result.files)
            reply += note or "\n" + turn.text("upload_next")
        await turn.out.edit_text(turn.chat, progress, reply, buttons)

    async def _send(self, turn: Turn, session_id: str, attachments: list[Attachment],
                    urls: list[str], meter: _Progress) -> UploadResult:
        nemo, chat = self.nemo, turn.chat
        public = [a.public_url for a in attachments]
        if all(public):
            all_urls = [u for u in public if u] + urls
            try:
                return await self.identities.call(
                    chat, lambda c: nemo.upload_urls(c, session_id, all_urls))
            except (errors.UnsupportedFile, errors.FileTooLarge, errors.OutOfCredits,
                    errors.SessionNotFound):
                raise
            except errors.NemoError:
                if not attachments:
                    raise
                # NemoVideo could not fetch the links itself: relay the bytes
                log.info("chat %s: URL upload failed, relaying %d file(s)", chat,
                         len(attachments))
        async with contextlib.AsyncExitStack() as stack:
            paths = [await _fetched(stack, a, len(attachments)) for a in attachments]
            files = [meter.wrap(UploadFile.from_path(p, name=name))
                     for name, p in zip(upload_names(attachments), paths, strict=True)]
            result = await self.identities.call(
                chat, lambda c: nemo.upload_files(c, session_id, files))
        if urls:
            more = await self.identities.call(chat, lambda c: nemo.upload_urls(c, session_id, urls))
            result = UploadResult(result.files + more.files, result.session_state_applied)
        return result


async def _usable(turn: Turn, step: Step) -> tuple[list[Attachment], list[str]]:
    """The message's files and links that may be uploaded; the others are refused, saying
    why (a type NemoVideo does not take, a size over its limit, a streaming service)."""
    links = [direct_link(url) for url in await usable_links(turn, step.urls)]
    attachments = list(turn.message.attachments)
    refused_type = [a.filename for a in attachments if check(a) == "type"]
    refused_size = [a.filename for a in attachments if check(a) == "size"]
    urls = [u for u in links if _url_looks_like_media(u)]
    if refused_type:
        await turn.say("upload_refused_type", names=", ".join(refused_type),
                       formats=ACCEPTED_FORMATS)
    if refused_size:
        await turn.say("upload_refused_size", names=", ".join(refused_size))
    if links and not urls:
        await turn.say("upload_refused_type", names=", ".join(links), formats=ACCEPTED_FORMATS)
    return [a for a in attachments if check(a) is None], urls


async def _fetched(stack: contextlib.AsyncExitStack, attachment: Attachment,
                   among: int) -> Path:
    """The attachment as a local file (kept until `stack` closes); a failure to fetch it
    says which file it was, among how many."""
    try:
        return await stack.enter_async_context(attachment.local_path())
    except AttachmentUnavailable as exc:
        exc.name, exc.among = attachment.filename, among
        raise


def link_failure(exc: errors.NemoError, urls: list[str]) -> str:
    """The reason NemoVideo gave for not fetching a link: its message's first line, without
    a repeated "could not fetch <link>:" prefix."""
    lines = (exc.message or "").strip().splitlines()
    reason = lines[0].strip() if lines else ""
    head, sep, tail = reason.partition(": ")
    if sep and any(url in head for url in urls):
        reason = tail
    if not reason:
        reason = f"error {exc.code}" if exc.code else f"HTTP {exc.status}" if exc.status else "?"
    return reason[:300].rstrip(".")


_DRIVE_FILE = re.compile(r"^/file/d/(?P<id>[\w-]+)")


def direct_link(url: str) -> str:
    """A share link as the download link of its file: a Dropbox link (`?dl=0` opens a
    preview page) with `dl=1`, a Google Drive file's page as its download URL. Other
    links as they are."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host == "dropbox.com" or host.endswith(".dropbox.com"):
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "dl"]
        return urlunsplit(parts._replace(query=urlencode([*query, ("dl", "1")])))
    if host == "drive.google.com":
        found = _DRIVE_FILE.match(parts.path)
        file_id = found["id"] if found else dict(parse_qsl(parts.query)).get("id")
        if file_id and (found or parts.path in ("/open", "/uc")):
            return f"https://drive.google.com/uc?export=download&id={file_id}"
    return url


def _url_looks_like_media(url: str) -> bool:
    path = urlsplit(url).path
    suffix = PurePosixPath(path).suffix.lower().lstrip(".")
    # a link without an extension may still be media; NemoVideo decides (4001)
    return not suffix or suffix in ACCEPTED_EXTENSIONS


class _Progress:
    """Edits the "Uploading..." message as bytes go out: every 10%, at most once per
    edit interval."""

    def __init__(self, turn: Turn, sent: Sent, count: int, interval: float) -> None:
        self.turn, self.sent, self.count = turn, sent, count
        self.interval = interval
        self.total = 0
        self.done = 0
        self._shown = 0
        self._at = time.monotonic()

    def wrap(self, upload: UploadFile) -> UploadFile:
        """The same file, counted as it is read."""
        self.total += upload.size
        opener = upload.opener

        async def counted() -> AsyncIterator[bytes]:
            async for chunk in opener():
                self.done += len(chunk)
                await self._maybe_show()
                yield chunk

        return dataclasses.replace(upload, opener=counted)

    async def _maybe_show(self) -> None:
        if not self.total:
            return
        percent = min(99, self.done * 100 // self.total)
        now = time.monotonic()
        if percent - self._shown < 10 or now - self._at < self.interval:
            return
        self._shown, self._at = percent, now
        text = self.turn.text("uploading_progress", count=self.count, percent=percent)
        report = ProgressReport("upload", self.done, self.total, text)
        with contextlib.suppress(Exception):  # progress is decoration; the upload goes on
            await self.turn.out.progress(self.turn.chat, self.sent, report)
