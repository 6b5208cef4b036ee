"""Putting the conversation together from the process's collaborators."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from functools import partial

from core.catalog import Catalog
from core.conversation.cancel import IsAdmin
from core.conversation.choices import Choices
from core.conversation.dispatcher import Dispatcher
from core.conversation.failures import FailureReplies
from core.conversation.formats import choose_format
from core.conversation.handlers import RenderService, build_handlers, link
from core.conversation.languages import LanguageChoices, Languages, language
from core.conversation.middleware import Middleware, StepLog
from core.conversation.observed import LogContext, Metered
from core.conversation.project_list import ProjectLog, last, projects_
from core.conversation.projects import Projects
from core.conversation.relay import Relay, Sleep
from core.conversation.uploads import Uploader
from core.conversation.welcome import FirstContact
from core.identity import Identities
from core.inbox import Inbox
from core.intents import Intent
from core.messages import ChatKey
from core.nemo.api import NemoApi
from core.outgoing import Outgoing
from core.settings import Settings
from core.signals import ChatSignals
from core.store import SessionStore


def build_dispatcher(settings: Settings, *, sessions: SessionStore, inbox: Inbox,
                     nemo: NemoApi, identities: Identities, out: Outgoing,
                     renders: RenderService | None = None, signals: ChatSignals | None = None,
                     middlewares: Sequence[Middleware] = (), operator_told: bool = False,
                     link_enabled: bool = True, sleep: Sleep = asyncio.sleep,
                     is_admin: IsAdmin | None = None) -> Dispatcher:
    """The dispatcher with its handlers, each given exactly what it uses.

    `middlewares` come after the built-in ones that every step passes, before the
    greeting and the project log (a refused step is neither greeted nor logged);
    `operator_told` says whether a refused operator token is reported to the operator,
    `link_enabled` whether users may link their own accounts (see `FailureReplies`);
    `is_admin` who may cancel any render of a group (see `Cancel`).
    """
    projects = Projects(nemo, identities)
    relay = Relay(nemo, identities, projects, settings, sleep=sleep)
    uploader = Uploader(nemo, identities, projects, edit_interval=settings.edit_interval)
    handlers = build_handlers(projects=projects, sessions=sessions, nemo=nemo,
                              identities=identities, relay=relay, uploader=uploader,
                              renders=renders)
    catalog = Catalog(sessions.redis, sessions.keys)
    choices = LanguageChoices(sessions.redis, keys=sessions.keys)
    handlers.update({
        Intent.FORMAT: choose_format,
        Intent.PROJECTS: partial(projects_, catalog=catalog, nemo=nemo, identities=identities),
        Intent.LAST: partial(last, catalog=catalog),
        Intent.LANGUAGE: partial(language, choices=choices),
    })
    dispatcher = Dispatcher(
        inbox=inbox, sessions=sessions, out=out, handlers=handlers,
        link=partial(link, identities=identities),
        failures=FailureReplies(nemo, operator_told=operator_told,
                                link_enabled=link_enabled),
        cancel_renders=renders.cancel_chat if renders is not None else None,
        cancel_render=renders.cancel_job if renders is not None else None,
        signals=signals,
        # access and quotas (`middlewares`) may refuse a step: before the greeting
        middlewares=[LogContext(), Metered(), StepLog(), Languages(choices), Choices(),
                     *middlewares, FirstContact(), ProjectLog(catalog)],
        sweep_interval=max(0.5, settings.chat_lock_ttl / 3), languages=choices,
        is_admin=is_admin)

    async def waiting(chat: ChatKey) -> bool:
        """Whether a chat's step should give way: its next message waits, or the process
        is stopping (its grace is not for watching)."""
        return dispatcher.closing or await inbox.length(chat) > 0

    relay.waiting = waiting
    return dispatcher
