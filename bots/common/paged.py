"""The base of outputs whose messages have a length limit and can be edited.

Both chat platforms cap a message's length, so a long text goes out over
several messages ("pages"). A `Sent` then names all of them (`"<id>,<id>"`),
which lets an edit work on the whole text even after a restart:

* a text that grows past the limit continues in new messages, one that
  shrinks deletes the surplus;
* pages whose content (text and buttons) is unchanged are not edited again:
  what each page shows is remembered (the most recent `REMEMBER` pages);
* a page that vanished (a user deleted it) is sent anew;
* buttons go under the last page.

A platform implements the primitives: how buttons look (`markup`), where a
new message goes (`route`, `route_of`), and posting, editing and deleting
one page.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import Sequence
from typing import ClassVar, Generic, TypeVar

from core.messages import ChatKey
from core.outgoing import Button, Outgoing, Sent
from core.textsplit import split_text

from .lru import LRU

log = logging.getLogger(__name__)

Markup = TypeVar("Markup")
Route = TypeVar("Route")

#: what a page shows: its text and the signature of its buttons
Shown = tuple[str, str]

#: how many pages' shown content is remembered (to skip edits that change nothing)
REMEMBER = 4096


def signature(buttons: Sequence[Button]) -> str:
    """The buttons as a string, to tell whether an edit changes them."""
    return "|".join(f"{b.label}:{b.action or ''}:{b.url or ''}" for b in buttons)


def page_ids(message_id: str) -> list[int]:
    """The pages of a sent message (`"<id>,<id>"`)."""
    return [int(part) for part in message_id.split(",") if part]


def sent(pages: Sequence[int]) -> Sent:
    """The `Sent` naming these pages."""
    return Sent(",".join(str(page) for page in pages))


def paginate(text: str, limit: int, *, blank: str, utf16: bool = False) -> list[str]:
    """`text` in pages of at most `limit` characters (UTF-16 units with `utf16`); a
    blank text is one page of `blank` (platforms refuse empty messages)."""
    if not text.strip():
        return [blank]
    return split_text(text, limit, utf16=utf16)


class PagedOutput(Outgoing, Generic[Markup, Route]):
    """`send_text`, `edit_text` and `send_link` over pages; subclasses post, edit and
    delete single pages.

    `Markup` is the platform's form of buttons; `Route` is whatever decides where a
    new page goes (Discord: the interaction to answer through; Telegram: nothing).
    """

    #: the platform's name, in log lines
    platform: ClassVar[str]
    #: the longest page, in characters (UTF-16 units when `utf16`)
    page_limit: ClassVar[int]
    utf16: ClassVar[bool] = False
    #: what a blank text is sent as
    blank: ClassVar[str] = "…"

    def __init__(self, remember: int = REMEMBER) -> None:
        self.shown: LRU[tuple[ChatKey, int], Shown] = LRU(remember)

    # ------------------------------------------------------------ primitives

    @abstractmethod
    def markup(self, buttons: Sequence[Button]) -> Markup | None:
        """The platform's buttons for these (None: no buttons)."""

    @abstractmethod
    def route(self, chat: ChatKey, reply_to: str | None) -> Route:
        """Where a new message answering `reply_to` goes."""

    @abstractmethod
    def route_of(self, chat: ChatKey, page: int) -> Route:
        """Where pages added to the message whose first page is `page` go."""

    @abstractmethod
    async def post_page(self, chat: ChatKey, route: Route, text: str,
                        markup: Markup | None) -> int:
        """Post one page; its id. Failures are logged and raised."""

    @abstractmethod
    async def edit_page(self, chat: ChatKey, page: int, text: str,
                        markup: Markup | None) -> bool:
        """Edit one page; False when it is gone (then it is sent anew). Other failures
        are logged and raised."""

    @abstractmethod
    async def delete_page(self, chat: ChatKey, page: int) -> None:
        """Delete one page of a message that shrank; failures are logged, not raised."""

    # ------------------------------------------------------------ Outgoing

    def pages(self, text: str) -> list[str]:
        """`text` cut into pages of the platform's size."""
        return paginate(text, self.page_limit, blank=self.blank, utf16=self.utf16)

    async def send_text(self, chat: ChatKey, text: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Send a text as one or more messages; buttons go under the last one."""
        return await self.send_pages(chat, self.pages(text), buttons,
                                     self.route(chat, reply_to))

    async def send_link(self, chat: ChatKey, text: str, url: str, label: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Send a text with a link button above the other buttons."""
        return await self.send_text(chat, text, (Button(label, url=url), *buttons),
                                    reply_to=reply_to)

    async def edit_text(self, chat: ChatKey, sent_as: Sent, text: str,
                        buttons: tuple[Button, ...] = ()) -> Sent:
        """Edit a sent message in place: unchanged pages are left alone, a longer text
        continues in new messages, a shorter one deletes the surplus."""
        ids = page_ids(sent_as.message_id)
        pages = self.pages(text)
        markup = self.markup(buttons)
        buttons_shown = signature(buttons)
        result: list[int] = []
        for index, page in enumerate(pages):
            last = index == len(pages) - 1
            shown = (page, buttons_shown if last else "")
            page_markup = markup if last else None
            if index < len(ids):
                kept = await self._edit(chat, ids[index], shown, page_markup)
                if kept:
                    result.append(ids[index])
                    continue
                log.info("%s: message %s in %s is gone; sending the text anew", self.platform,
                         ids[index], chat)
            route = self.route_of(chat, ids[0]) if ids else self.route(chat, None)
            result.append(await self.post(chat, route, shown, page_markup))
        for page_id in ids[len(pages):]:
            self.shown.pop((chat, page_id))
            await self.delete_page(chat, page_id)
        return sent(result)

    # ------------------------------------------------------------ plumbing

    async def send_pages(self, chat: ChatKey, pages: Sequence[str], buttons: Sequence[Button],
                         route: Route) -> Sent:
        """Post `pages` as one message (buttons under the last page)."""
        markup = self.markup(buttons)
        buttons_shown = signature(buttons)
        ids: list[int] = []
        for index, page in enumerate(pages):
            last = index == len(pages) - 1
            ids.append(await self.post(chat, route, (page, buttons_shown if last else ""),
                                       markup if last else None))
        return sent(ids)

    async def post(self, chat: ChatKey, route: Route, shown: Shown,
                   markup: Markup | None) -> int:
        """Post one page and remember what it shows."""
        page = await self.post_page(chat, route, shown[0], markup)
        self.remember(chat, page, shown)
        return page

    def remember(self, chat: ChatKey, page: int, shown: Shown) -> None:
        """Note what a page shows now (pages posted outside `post` use this)."""
        self.shown.put((chat, page), shown)

    async def _edit(self, chat: ChatKey, page: int, shown: Shown,
                    markup: Markup | None) -> bool:
        """Edit a page unless it already shows this; False when it is gone."""
        if self.shown.get((chat, page)) == shown:
            return True
        if not await self.edit_page(chat, page, shown[0], markup):
            self.shown.pop((chat, page))
            return False
        self.remember(chat, page, shown)
        return True
