"""/help lists exactly the commands of the user's platform; every answer of a turn is a
reply to the message it answers."""

from __future__ import annotations

from core.collecting import CollectingOutput
from core.conversation.help import help_text
from core.embedded_redis import EmbeddedRedis
from core.intents import COMMANDS
from core.messages import ChatKey
from core.simulator import Simulator
from tests.kits.conversation import kit


class MenuOutput(CollectingOutput):
    """A platform with a command menu of three commands."""

    def chat_commands(self, chat: ChatKey) -> tuple[str, ...]:
        return ("status", "export", "stats")


def commands_listed(text: str) -> list[str]:
    return [line.split(" ", 1)[0].removeprefix("/")
            for line in text.splitlines() if line.startswith("/")]


async def test_help_lists_exactly_the_platforms_commands(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    async with kit(simulator, redis_server.url, out=MenuOutput()) as k:
        await k.say("/help")
        text = k.last()
        assert text.startswith("Send clips, photos or music")
        # in the help's order; a command without a help line of its own is still named
        assert commands_listed(text) == ["export", "status", "stats"]
        assert "/export - render the video and send it here" in text


async def test_help_in_the_terminal_lists_every_command(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    async with kit(simulator, redis_server.url) as k:
        await k.say("/help", language="zh-hans")
        listed = commands_listed(k.last())
    assert set(listed) == set(COMMANDS) - {"choose"}
    assert "/format 9:16|16:9|1:1|4:5 15s|30s|60s - 选择项目的画面比例和目标时长" in k.last()


def test_help_lines_exist_in_english_and_chinese() -> None:
    english, chinese = help_text("en", None), help_text("zh", None)
    assert len(english.splitlines()) == len(chinese.splitlines())
    assert english != chinese


async def test_every_answer_of_a_turn_replies_to_its_message(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    async with kit(simulator, redis_server.url) as k:
        await k.say("generate a 5 second video of the sea")
        first = str(k.counter)
        await k.say("status")
        sent = [r for r in k.out.records if r.kind in ("text", "file", "link")]
    assert sent and {r.reply_to for r in sent} == {first, str(k.counter)}
