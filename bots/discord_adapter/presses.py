"""Button presses whose reply concerns their presser alone ("only the person who asked
for this video, or an admin, can cancel it"): said in an ephemeral follow-up of the
press's interaction, which only the presser sees, rather than to the whole channel."""

from __future__ import annotations

import asyncio
import logging
import time

import aiohttp
import discord

from bots.common.lru import LRU
from bots.discord_adapter.inbound import INTERACTION_TTL

log = logging.getLogger(__name__)

#: presses remembered (a press is answered within moments of its arrival)
REMEMBERED = 512
#: seconds an interaction's token is used for such a reply (Discord's 15 minutes, less
#: a minute)
LIVES = INTERACTION_TTL - 60.0
#: seconds the follow-up may take
TIMEOUT = 30.0


class Presses:
    """The interactions of recent button presses, by their message id in the core."""

    def __init__(self) -> None:
        self._interactions: LRU[str, discord.Interaction] = LRU(REMEMBERED)

    def pressed(self, press: str, interaction: discord.Interaction) -> None:
        """A press acknowledged as a deferred update (no reply of its own yet)."""
        self._interactions.put(press, interaction)

    async def answer(self, press: str, text: str) -> bool:
        """Tell the presser alone; False when the press is unknown, its token too old, or
        the follow-up failed (the text then goes to the channel)."""
        interaction = self._interactions.pop(press)
        if interaction is None or time.time() - interaction.created_at.timestamp() > LIVES:
            return False
        try:
            async with asyncio.timeout(TIMEOUT):
                await interaction.followup.send(
                    text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.info("discord: could not answer a press privately: %s", exc)
            return False
        return True
