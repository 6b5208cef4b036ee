"""One language per answer, in each of the five languages, through the real dispatcher,
Redis and the simulator."""

from __future__ import annotations

import re

from core.embedded_redis import EmbeddedRedis
from core.simulator import Simulator
from tests.kits.conversation import kit

#: Latin words of English texts that must not show in an answer in another language
ENGLISH = re.compile(r"\b(?:Credits|available|reserved|Timeline|track|empty|Export|Status|"
                     r"New project|Send|Register)\b")


def labels(k: object) -> list[str]:
    from tests.kits.conversation import Kit
    assert isinstance(k, Kit)
    return [b.label for b in k.out.records[-1].buttons]


async def test_a_message_in_chinese_gets_a_whole_answer_in_chinese(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    async with kit(simulator, redis_server.url) as k:
        await k.say("余额", language="en")
        credits = k.last()
        assert credits.startswith("积分：可用 100"), credits
        assert "你正在使用免费体验账号" in credits
        assert not ENGLISH.search(credits), credits
        await k.say("状态", language="en")
        assert k.last() == "时间线为空。发送素材或描述一个视频开始吧。"
        assert labels(k) == ["导出", "状态", "积分", "新项目"]
        await k.say("status", language="en")
        assert k.last().startswith("The timeline is empty")


async def test_the_other_languages_have_their_keywords(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    async with kit(simulator, redis_server.url) as k:
        await k.say("¿cuántos créditos tengo?", language="en")
        assert k.last().startswith("Créditos: 100 disponibles"), k.last()
        await k.say("quantos créditos eu tenho?", language="en")
        assert k.last().startswith("Créditos: 100 disponíveis"), k.last()
        await k.say("クレジットを確認してください", language="en")
        assert k.last().startswith("クレジット：利用可能 100"), k.last()
        await k.say("ayuda", language="es-MX")  # one word: the user's language decides
        assert "/credits - ver tu saldo de créditos" in k.last()
        await k.say("ヘルプ", language="en")
        assert "/status - タイムラインを表示" in k.last()
        assert k.kinds().count("run_sse") == 0, "keywords never reach the agent"


async def test_short_messages_follow_the_users_language(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    async with kit(simulator, redis_server.url) as k:
        await k.say("credits", language="pt-BR")
        assert k.last().startswith("Créditos: 100 disponíveis"), k.last()
        await k.say("status", language="ja-JP")
        assert k.last().startswith("タイムラインは空です")
        assert labels(k) == ["書き出し", "ステータス", "クレジット", "新規プロジェクト"]
