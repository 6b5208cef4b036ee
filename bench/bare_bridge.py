"""The bare bridge: the least a Telegram bot in front of NemoVideo can do, as a yardstick.

python-telegram-bot with long polling and concurrent updates; for each text message
one ``POST /run_sse`` (httpx, the stream read to its end) and one ``sendMessage`` with
the agent's text. A chat's project is created on its first message and kept in memory.
No Redis, no locks, no queue, no typing indicator, no recovery: what `nemobot telegram`
costs beyond this is the price of what it does besides.

    TELEGRAM_TOKEN=... TELEGRAM_BASE_URL=http://127.0.0.1:PORT/bot \\
    NEMO_API_URL=http://127.0.0.1:PORT NEMO_TOKEN=nmv_usr_... python bench/bare_bridge.py

`bench/messages.py` runs it beside `nemobot telegram` on the same fakes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from typing import Any

import httpx
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

API = os.environ.get("NEMO_API_URL", "http://127.0.0.1:8765").rstrip("/")
HEADERS = {
    "Authorization": f"Bearer {os.environ.get('NEMO_TOKEN', '')}",
    "X-Skill-Source": "bare-bridge",
    "X-Skill-Version": "1.0.0",
    "X-Skill-Platform": "unknown",
}

log = logging.getLogger("bare_bridge")


class Bridge:
    """Chat id -> NemoVideo session, and the one HTTP client."""

    def __init__(self) -> None:
        # pool sized for hundreds of chats talking at once
        self.http = httpx.AsyncClient(
            headers=HEADERS, timeout=httpx.Timeout(30.0, read=900.0),
            limits=httpx.Limits(max_connections=1000, max_keepalive_connections=1000))
        self.sessions: dict[int, asyncio.Task[str]] = {}

    async def session_of(self, chat_id: int) -> str:
        """The chat's project, created on its first message."""
        if chat_id not in self.sessions:
            self.sessions[chat_id] = asyncio.ensure_future(self._create())
        return await self.sessions[chat_id]

    async def _create(self) -> str:
        response = await self.http.post(f"{API}/api/tasks/me/with-session/nemo_agent",
                                        json={"task_name": "project", "language": "en"})
        return str(response.json()["data"]["session_id"])

    async def ask(self, session_id: str, text: str) -> str:
        """One agent turn: the whole answer's text."""
        body = {"app_name": "nemo_agent", "user_id": "me", "session_id": session_id,
                "new_message": {"parts": [{"text": text}]}}
        full: list[str] = []
        partial: list[str] = []
        async with self.http.stream("POST", f"{API}/run_sse", json=body,
                                    headers={"Accept": "text/event-stream"}) as response:
            async for line in response.aiter_lines():
                if not line.startswith("data:") or not line[5:].strip():
                    continue
                _take(json.loads(line[5:]), full, partial)
        return "\n\n".join([*full, "".join(partial)]).strip()


def _take(event: dict[str, Any], full: list[str], partial: list[str]) -> None:
    """Collect the text of one event (ADK or tagged shape)."""
    if event.get("type") == "text":
        partial.append(str(event.get("content") or ""))
        return
    parts = (event.get("content") or {}).get("parts") or []
    text = "".join(str(p["text"]) for p in parts if isinstance(p, dict) and "text" in p)
    if not text:
        return
    if event.get("partial"):
        partial.append(text)
    else:
        partial.clear()
        full.append(text)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Relay one message and send the answer."""
    bridge: Bridge = context.bot_data["bridge"]
    message = update.effective_message
    if message is None or not message.text:
        return
    session_id = await bridge.session_of(message.chat_id)
    answer = await bridge.ask(session_id, message.text)
    await context.bot.send_message(message.chat_id, answer or "…")


async def _open(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.bot_data["bridge"] = Bridge()


async def _close(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await app.bot_data["bridge"].http.aclose()


def main() -> None:
    """Run until SIGINT or SIGTERM."""
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "WARNING"))
    builder = ApplicationBuilder().token(os.environ["TELEGRAM_TOKEN"]).concurrent_updates(True)
    if os.environ.get("TELEGRAM_BASE_URL"):
        builder = builder.base_url(os.environ["TELEGRAM_BASE_URL"])
    app = builder.post_init(_open).post_shutdown(_close).build()
    app.add_handler(MessageHandler(filters.TEXT, on_text))
    app.run_polling(poll_interval=0, timeout=10)


if __name__ == "__main__":
    main()
