"""One language per answer, and a user's own language (`/language`), through the real
dispatcher, Redis and the simulator."""

from __future__ import annotations

import re

from core.embedded_redis import EmbeddedRedis
from core.inbox import ChatEvent
from core.keys import Keys
from core.messages import ChatKey, IncomingMessage, User
from core.simulator import Simulator
from tests.kits.conversation import CHAT, kit

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
        assert "/language [código] - elegir el idioma de mis respuestas" in k.last()
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


async def test_language_command_switches_every_text(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    async with kit(simulator, redis_server.url) as k:
        await k.say("/language es", language="en")
        assert k.last().startswith("A partir de ahora te respondo en español.")
        assert [(r.kind, r.text) for r in k.out.records if r.kind == "language"] == [
            ("language", "es")]
        await k.say("status", language="en")
        assert k.last().startswith("La línea de tiempo está vacía")
        assert labels(k) == ["Exportar", "Estado", "Créditos", "Nuevo proyecto"]
        await k.say("/cancel", language="en")  # answered on arrival, outside the queue
        assert k.last() == "No hay nada que cancelar."
        await k.say("/help", language="en")
        assert k.last().startswith("Envía clips, fotos o música")
        await k.say("please show me the status", language="en")  # clearly English
        assert k.last().startswith("The timeline is empty")
        session = await k.sessions.load(CHAT)
        assert session.session_id is not None
        project = simulator.store.sessions[session.session_id]
        assert project.language == "es", "new projects are made in the chosen language"


async def test_language_without_a_code_offers_the_five(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    async with kit(simulator, redis_server.url) as k:
        await k.say("/language", language="en")
        assert k.last() == "I answer in English. Choose a language:"
        offered = k.out.records[-1].buttons
        assert [b.label for b in offered] == [
            "English", "简体中文", "Español", "日本語", "Português (Brasil)"]
        await k.say(f"/choose {offered[4].value}", language="en")
        assert k.last().startswith("A partir de agora respondo em português.")
        await k.say("idioma", language="en")
        assert k.last() == "Estou respondendo em Português (Brasil). Escolha um idioma:"
        await k.say("/language klingon", language="en")
        assert k.last() == 'Não conheço o idioma "klingon". Escolha um destes:'
        assert len(k.out.records[-1].buttons) == 5


async def test_the_choice_belongs_to_the_user_not_the_chat(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    group = ChatKey("test", "-500")
    async with kit(simulator, redis_server.url) as k:
        ana = IncomingMessage(group, User("ana", "Ana", "en"), "1", "/language ja",
                              is_private=False)
        await k.dispatcher.handle(ana)
        await k.dispatcher.handle(IncomingMessage(group, User("bob", "Bob", "en"), "2",
                                                  "credits", is_private=False))
        assert k.last(group).startswith("Credits: 100 available")
        await k.dispatcher.handle(IncomingMessage(group, User("ana", "Ana", "en"), "3",
                                                  "credits", is_private=False))
        assert k.last(group).startswith("クレジット：利用可能 100")
        other_chat = ChatKey("test", "600")
        await k.dispatcher.handle(IncomingMessage(other_chat, User("ana", "Ana", "en"), "4",
                                                  "status"))
        assert k.last(other_chat).startswith("タイムラインは空です"), "it follows her"


async def test_a_choice_made_while_a_message_waited_applies_to_it(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """`/language es` handled while "status" (routed in English) waited in the queue."""
    async with kit(simulator, redis_server.url) as k:
        waiting = IncomingMessage(CHAT, User("u1", "Ada", "en"), "7", "status")
        await k.inbox.push(ChatEvent.of(waiting))
        await k.sessions.redis.set(Keys().user_language("test", "u1"), "es")
        await k.dispatcher.resume()
        assert k.last().startswith("La línea de tiempo está vacía")
