"""A user's language: their platform's, or the one they chose with `/language`.

The choice is kept per user (per platform and user id, in Redis), not per chat:
in a group each member gets answers in their own language, and the choice
follows the user into every chat on that platform. It wins over the platform's
locale: on arrival a message's `user.language` becomes the chosen one
(`LanguageChoices.stamp`), so everything said about the message, from the
"queued" notice to the NemoVideo language of a new project, uses it. Each
answer is still in one language: the message's own when it is clear, else
this one (`core.conversation.turn.language_of`).
"""

from __future__ import annotations

import dataclasses
import logging

from redis.exceptions import RedisError

from core import i18n
from core.conversation.choices import offer
from core.conversation.middleware import Middleware, StepCall
from core.conversation.turn import Turn, language_of
from core.fresh import FreshMap
from core.i18n import texts
from core.intents import Step
from core.keys import Keys
from core.messages import IncomingMessage
from core.observed_redis import RedisClient

log = logging.getLogger(__name__)

#: how long a choice is kept after the user's last message
CHOICE_TTL = 400 * 24 * 3600
#: seconds a user's choice is kept in this process before it is read again (a choice
#: made through this process applies at once; through another one, within this time)
CHOICE_FRESH = 30.0

texts({
    "language_choose": {
        "en": "I answer in {current}. Choose a language:",
        "zh": "当前回复语言：{current}。请选择语言：",
    },
    "language_unknown": {
        "en": "I don't know the language \"{given}\". Choose one of these:",
        "zh": "不支持语言“{given}”。请从以下语言中选择：",
    },
    "language_set": {
        "en": "From now on I answer in English. Messages clearly written in another "
              "language still get their answer in that language.",
        "zh": "今后我会用简体中文回复。明显用其他语言写的消息，仍会用该语言回复。",
    },
})


class LanguageChoices:
    """Users' `/language` choices, one Redis key per user (see `Keys.user_language`)."""

    def __init__(self, redis: RedisClient, *, keys: Keys | None = None) -> None:
        self.redis = redis
        self.keys = keys or Keys()
        self._kept: FreshMap[tuple[str, str], str | None] = FreshMap(self._read, CHOICE_FRESH)

    def _key(self, message: IncomingMessage) -> str | None:
        user = message.user.id
        return self.keys.user_language(message.chat.platform, user) if user else None

    async def chosen(self, message: IncomingMessage) -> str | None:
        """The sender's choice (kept for another `CHOICE_TTL`), or None."""
        return await self.of_user(message.chat.platform, message.user.id)

    async def of_user(self, platform: str, user_id: str) -> str | None:
        """A user's choice (kept for another `CHOICE_TTL`), or None."""
        if not user_id:
            return None
        return await self._kept.get((platform, user_id))

    async def _read(self, user: tuple[str, str]) -> str | None:
        value = await self.redis.getex(self.keys.user_language(*user), ex=CHOICE_TTL)
        if value is None:
            return None
        code = value.decode() if isinstance(value, bytes) else str(value)
        return code if code in i18n.LANGUAGES else None

    async def choose(self, message: IncomingMessage, language: str) -> None:
        """Keep the sender's choice."""
        key = self._key(message)
        if key is not None:
            await self.redis.set(key, language, ex=CHOICE_TTL)
            self._kept.put((message.chat.platform, message.user.id), language)

    async def stamp(self, message: IncomingMessage) -> IncomingMessage:
        """The message with the sender's chosen language as `user.language` (unchanged
        when they chose none, or when Redis cannot tell)."""
        try:
            language = await self.chosen(message)
        except RedisError as exc:
            log.warning("chat %s: the user's language is unknown, Redis unavailable: %r",
                        message.chat, exc)
            return message
        return with_language(message, language) if language else message


def with_language(message: IncomingMessage, language: str) -> IncomingMessage:
    """`message` as if its sender's platform were set to `language`."""
    if message.user.language == language:
        return message
    return dataclasses.replace(message, user=dataclasses.replace(message.user,
                                                                 language=language))


def adopt(turn: Turn, language: str) -> None:
    """From now on in this turn, the user's language is `language`; the chat's new
    NemoVideo projects are made in it."""
    turn.message = with_language(turn.message, language)
    turn.lang = language_of(turn.message, turn.session)
    turn.session.language = i18n.nemo_language(language)


class Languages(Middleware):
    """Before each step, reads the user's choice again: it may have changed while the
    message waited in the chat's queue (`/language es` then "status", quickly)."""

    def __init__(self, choices: LanguageChoices) -> None:
        self.choices = choices

    async def on_step(self, turn: Turn, step: Step, call_next: StepCall) -> None:
        """Follow a newer choice, then run the step."""
        try:
            language = await self.choices.chosen(turn.message)
        except RedisError as exc:
            log.warning("chat %s: the user's language is unknown, Redis unavailable: %r",
                        turn.chat, exc)
            language = None
        if language and language != turn.message.user.language:
            adopt(turn, language)
        await call_next(turn, step)


def _options() -> list[tuple[str, str]]:
    return [(i18n.NAMES[code], f"/language {code}") for code in i18n.LANGUAGES]


async def language(turn: Turn, step: Step, *, choices: LanguageChoices) -> None:
    """`/language [code]`: keep the user's choice, or offer the five as buttons."""
    given = step.text.strip()
    if not given:
        current = i18n.NAMES[i18n.ui_language(turn.lang)]
        await turn.say("language_choose", current=current, buttons=offer(turn, _options()))
        return
    code = i18n.parse_language(given)
    if code is None:
        await turn.say("language_unknown", given=given[:40], buttons=offer(turn, _options()))
        return
    await choices.choose(turn.message, code)
    adopt(turn, code)  # the confirmation is in the chosen language
    try:
        await turn.out.language_chosen(turn.chat, turn.message.user.id, code)
    except Exception as exc:  # the menu is decoration: the choice is kept
        log.warning("chat %s: the command menu was not switched to %s: %r", turn.chat, code,
                    exc)
    await turn.say("language_set")
