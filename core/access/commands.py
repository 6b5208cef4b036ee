"""The usage and admin commands: /stats for everyone; /admin, /allow, /block, /unblock
and /quota for the admins (ADMINS).

They need no chat state, so they are answered on arrival, without waiting for
the chat's turn (see `core.access.gate.Commands`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from pydantic import SecretStr

from core.access import texts as _texts  # noqa: F401  (registers the texts)
from core.access.entries import EntryError, parse_subject
from core.access.quotas import Kind, Quotas
from core.access.rules import AccessRules, Lists, group_of, user_entry
from core.access.texts import moment
from core.access.usage import ALL, Usage, Used
from core.conversation.turn import Turn
from core.intents import Intent, Step
from core.keys import Keys
from core.nemo.api import NemoApi
from core.nemo.errors import NemoError
from core.nemo.models import Credentials
from core.observed_redis import RedisClient
from core.renders.jobs import render_backlog

log = logging.getLogger(__name__)

#: commands answered here; all but /stats are for admins
INTENTS = frozenset({Intent.STATS, Intent.ADMIN, Intent.ALLOW, Intent.BLOCK, Intent.UNBLOCK,
                     Intent.QUOTA})
ADMIN_INTENTS = INTENTS - {Intent.STATS}

#: what a quota counts: senders and chats
QUOTA_KINDS = frozenset({"user", "chat", "channel"})
_LIMIT = re.compile(r"^(?P<kind>[a-z]+)=(?P<value>\d+|unlimited|default)(?:/(?P<unit>[a-z]+))?$")
_KIND_NAMES = {"messages": Kind.MESSAGES, "message": Kind.MESSAGES, "renders": Kind.RENDERS,
               "render": Kind.RENDERS, "credits": Kind.CREDITS, "credit": Kind.CREDITS}


def group_subjects(turn: Turn) -> list[str]:
    """Whose quotas a message counts against: its sender, and its chat when it is a group."""
    group = group_of(turn.message)
    return [user_entry(turn.message), *([group] if group else [])]


@dataclass
class AdminCommands:
    """Answers the commands of `INTENTS`."""

    rules: AccessRules
    quotas: Quotas
    usage: Usage
    nemo: NemoApi
    redis: RedisClient
    keys: Keys
    operator_token: SecretStr | None = None
    alert_chat: str | None = None

    async def run(self, turn: Turn, step: Step) -> None:
        """Answer one command (refused politely to non-admins)."""
        command = step.intent.value
        if step.intent in ADMIN_INTENTS and not self.rules.is_admin(turn.message):
            log.info("chat %s: /%s refused to non-admin %s", turn.chat, command,
                     turn.message.user.id)
            await turn.say("access.admin_only", command=command)
            return
        if step.intent is Intent.STATS:
            await self.stats(turn)
        elif step.intent is Intent.ADMIN:
            if not turn.message.is_private:
                await turn.say("access.private_only", command=command)
                return
            await self.admin(turn)
        elif step.intent is Intent.QUOTA:
            await self.quota(turn, step.text)
        else:
            await self.change_lists(turn, step)

    # -- /stats ------------------------------------------------------------
    async def stats(self, turn: Turn) -> None:
        """The sender's (and the group's) use today and this month, against the limits."""
        lines = [turn.text("stats.you"), *await self._usage_lines(turn, user_entry(turn.message))]
        group = group_of(turn.message)
        if group is not None:
            lines += ["", turn.text("stats.chat"), *await self._usage_lines(turn, group)]
        if self.rules.is_admin(turn.message):
            lines += ["", turn.text("stats.admin")]
        await turn.send("\n".join(lines))

    async def _usage_lines(self, turn: Turn, subject: str) -> list[str]:
        today, month = await self.usage.read(subject)
        lines = []
        for kind in Kind:
            limit = await self.quotas.limit(kind, subject)
            shown = ""
            if limit is not None:
                used, window = await self.quotas.used(kind, subject)
                per = turn.text(f"quota.per.{kind.window}")
                shown = turn.text("stats.limit", limit=limit, per=per, used=used,
                                  reset=moment(window.end))
            unit = turn.text(f"quota.unit.{kind.value}")
            if (kind is Kind.CREDITS and limit is None
                    and not (today.of(kind) or month.of(kind))):
                lines.append(turn.text("stats.not_counted", unit=unit))  # not a zero
                continue
            lines.append(turn.text("stats.line", unit=unit, today=today.of(kind),
                                   month=month.of(kind), limit=shown))
        return lines

    # -- /admin ------------------------------------------------------------
    async def admin(self, turn: Turn) -> None:
        """Totals, top users, access lists, failures, backlog and the operator's balance."""
        day, month = await self.usage.read(ALL)
        lists = await self.rules.lists()
        lines = [turn.text("admin.totals", day=self._counts(turn, day),
                           month=self._counts(turn, month))]
        top = await self.usage.top()
        if top:
            lines.append(turn.text("admin.top"))
            lines += [f"  {user}: {self._counts(turn, used)}" for user, used in top]
        else:
            lines.append(turn.text("admin.top_none"))
        lines.append(self._access_line(turn, day.refused, lists))
        overrides = await self.quotas.overrides()
        if overrides:
            shown = "; ".join(f"{s} {self._limits(turn, o)}" for s, o in sorted(overrides.items()))
            lines.append(turn.text("admin.overrides", overrides=shown))
        lines.append(turn.text("admin.errors", errors=await self.usage.backend_errors(60)))
        platform = turn.chat.platform
        backlog = await render_backlog(self.redis, self.keys, platform)
        lines.append(turn.text("admin.backlog", platform=platform, backlog=backlog))
        lines.append(await self._balance(turn))
        lines.append(turn.text("admin.alerts", chat=self.alert_chat or turn.text("admin.none")))
        await turn.send("\n".join(lines))

    @staticmethod
    def _counts(turn: Turn, used: Used) -> str:
        return turn.text("admin.counts", messages=used.messages, renders=used.renders,
                         credits=used.credits)

    @staticmethod
    def _access_line(turn: Turn, refused: int, lists: Lists) -> str:
        none = turn.text("admin.none")
        blocked = ", ".join(sorted(lists.block)) or none
        allow = ", ".join(sorted(lists.allow)) or turn.text("admin.everyone")
        return turn.text("admin.access", refused=refused, blocked=blocked, allow=allow)

    async def _balance(self, turn: Turn) -> str:
        if self.operator_token is None:
            return turn.text("admin.no_operator")
        try:
            balance = await self.nemo.credits(Credentials(self.operator_token))
        except NemoError as exc:
            return turn.text("admin.balance_unknown", error=type(exc).__name__)
        shown = balance.texts()
        return turn.text("admin.balance", available=shown["available"], frozen=shown["frozen"])

    # -- /allow, /block, /unblock ----------------------------------------------
    async def change_lists(self, turn: Turn, step: Step) -> None:
        """Add to the allow list, block, or unblock the entries given."""
        command = step.intent.value
        words = step.text.split()
        if not words:
            await turn.say("access.entries_usage", command=command)
            return
        try:
            entries = [parse_subject(w, turn.chat.platform) for w in words]
        except EntryError as exc:
            await turn.say("access.bad_entry", error=str(exc))
            return
        shown = ", ".join(entries)
        log.info("chat %s: admin %s: /%s %s", turn.chat, turn.message.user.id, command, shown)
        if step.intent is Intent.ALLOW:
            for entry in entries:
                await self.rules.add_allow(entry)
            lists = await self.rules.lists()
            reply = turn.text("access.allowed", entries=shown, count=len(lists.allow))
            blocked = [e for e in entries if e in lists.block]
            if blocked:
                reply += "\n" + turn.text("access.allowed_but_blocked", entries=", ".join(blocked))
            await turn.send(reply)
        elif step.intent is Intent.BLOCK:
            for entry in entries:
                await self.rules.add_block(entry)
            await turn.say("access.blocked", entries=shown)
        else:
            lifted = [e for e in entries if await self.rules.unblock(e)]
            kept = [e for e in entries if e not in lifted]
            lines = []
            if lifted:
                lines.append(turn.text("access.unblocked", entries=", ".join(lifted)))
            if kept:
                lines.append(turn.text("access.not_blocked", entries=", ".join(kept)))
            await turn.send("\n".join(lines))

    # -- /quota ------------------------------------------------------------------
    async def quota(self, turn: Turn, text: str) -> None:
        """Set a subject's own limits (`/quota <user> renders=5/day`), or show them."""
        words = text.split()
        if not words:
            await turn.say("quota.usage")
            return
        try:
            subject = parse_subject(words[0], turn.chat.platform)
            if subject.split(":")[1] not in QUOTA_KINDS:
                raise EntryError(f"{subject}: quotas count users and chats (channels)")
            changes = [_limit(word) for word in words[1:]]
        except (EntryError, ValueError) as exc:
            await turn.say("access.bad_entry", error=str(exc))
            return
        for kind, value in changes:
            await self.quotas.set_limit(subject, kind, value)
        if changes:
            log.info("chat %s: admin %s set limits of %s: %s", turn.chat,
                     turn.message.user.id, subject, " ".join(words[1:]))
        limits = {kind: await self.quotas.limit(kind, subject) for kind in Kind}
        await turn.say("quota.limits_of", subject=subject, limits=self._limits(turn, limits))

    @staticmethod
    def _limits(turn: Turn, limits: dict[Kind, int | None]) -> str:
        parts = []
        for kind, limit in limits.items():
            value = turn.text("quota.unlimited") if limit is None else str(limit)
            parts.append(f"{kind.value}={value}/{kind.window}")
        return ", ".join(parts)


def _limit(word: str) -> tuple[Kind, int | str | None]:
    """`renders=5/day` -> (RENDERS, 5); `unlimited` -> None; `default` stays a word."""
    found = _LIMIT.match(word.lower())
    kind = _KIND_NAMES.get(found["kind"]) if found else None
    if found is None or kind is None:
        raise ValueError(f"{word!r} is not a limit like renders=5/day, messages=30/hour "
                         "or credits=500/month")
    unit = found["unit"]
    if unit is not None and unit != kind.window:
        raise ValueError(f"{kind.value} are counted per {kind.window}: write "
                         f"{kind.value}={found['value']}/{kind.window}")
    value = found["value"]
    if value == "unlimited":
        return kind, None
    return kind, value if value == "default" else int(value)

