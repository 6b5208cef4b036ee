"""Projects: /projects lists and switches, /new keeps the old project, /last sends the
last video again without a render, an unchanged draft is not rendered twice, and a
render's own Cancel button cancels it; with the conversation, its render jobs and a
render worker against the simulator and a real Redis."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from core.catalog import Catalog
from core.collecting import Record
from core.embedded_redis import EmbeddedRedis
from core.messages import User
from core.outgoing import Action
from core.renders import JobState
from core.simulator import Fault, Simulator
from tests.kits.conversation import CHAT, Kit, kit
from tests.kits.renders import TINY_DRAFT, wait_for


async def give_draft(k: Kit, draft: dict[str, Any] | None = None) -> str:
    """Put a draft on the chat's project, as if made in the web editor a while ago (the
    chat reads it before its next message); returns its session id."""
    session = await k.sessions.load(CHAT)
    assert session.session_id
    k.simulator.store.sessions[session.session_id].draft = dict(draft or TINY_DRAFT)
    session.draft_at = 0.0
    await k.sessions.save(CHAT, session)
    return session.session_id


async def rendered(k: Kit) -> None:
    """Wait until the chat's renders are done."""
    assert k.renders is not None
    async with asyncio.timeout(20):
        await k.renders.wait_idle(CHAT, interval=0.05)


def of_kind(k: Kit, kind: str) -> list[Record]:
    return [r for r in k.out.records if r.kind == kind]


async def test_projects_list_switch_and_last_video(simulator: Simulator,
                                                   redis_server: EmbeddedRedis) -> None:
    async with kit(simulator, redis_server.url, renders=True) as k:
        await k.say("/start")
        first = await give_draft(k)
        await k.say("make it brighter")
        await k.say("export")
        await rendered(k)
        assert len(of_kind(k, "file")) == 1
        await k.say("/new")
        await k.say("generate a 5 second video of the sea")
        second = (await k.sessions.load(CHAT)).session_id
        assert second and second != first

        await k.say("/projects")
        listing = k.out.records[-1]
        lines = listing.text.splitlines()
        assert lines[1].startswith("1. The Sea: edited just now"), "named from its title"
        assert lines[1].endswith("(current)")
        assert lines[2].startswith("2. Red: edited just now, rendered just now")
        [switch] = listing.buttons
        assert switch.label == "Red" and switch.action is Action.CHOOSE

        await k.say(f"/choose {switch.value}")
        assert "Switched to Red." in k.last() and "Timeline (1 track)" in k.last()
        assert (await k.sessions.load(CHAT)).session_id == first
        submitted = k.kinds().count("render_submit")
        await k.say("/last")
        [again] = of_kind(k, "resend")
        assert again.url == f"file:{of_kind(k, 'file')[0].message_id}", "the file sent"
        assert again.text.startswith("Video ready: Red")
        assert k.kinds().count("render_submit") == submitted, "no render for /last"

        await k.say("/projects 1")  # by its number in the list
        assert (await k.sessions.load(CHAT)).session_id == second


async def test_last_without_a_video_says_how_to_get_one(simulator: Simulator,
                                                        redis_server: EmbeddedRedis) -> None:
    async with kit(simulator, redis_server.url, renders=True) as k:
        await k.say("/last")
        assert "No finished video here yet" in k.last()
        await k.say("/projects")
        assert "No projects in this chat yet" in k.last()
        await k.say("/projects 7")
        assert "don't know that project" in k.last()


async def test_an_unchanged_draft_is_not_rendered_twice(simulator: Simulator,
                                                        redis_server: EmbeddedRedis) -> None:
    simulator.config.render_seconds = 1.5
    async with kit(simulator, redis_server.url, renders=True) as k:
        await k.say("/start")
        await give_draft(k)
        await k.say("export")
        await k.say("export")  # while the first one renders
        assert "already rendering" in k.last()
        await rendered(k)
        await k.say("/export")  # after it was delivered
        assert k.kinds().count("render_submit") == 1
        assert len(of_kind(k, "file")) == 1
        [again] = of_kind(k, "resend")
        assert again.reply_to == str(k.counter), "the video answers the export"
        assert "Nothing changed since the last render" in k.out.texts()[-2]
        simulator.config.render_seconds = 0.3
        await give_draft(k, {**TINY_DRAFT, "d": 400})  # the draft changed: a new render
        await k.say("export")
        await rendered(k)
        assert k.kinds().count("render_submit") == 2
        assert len(of_kind(k, "file")) == 2


async def test_a_renders_cancel_button_cancels_that_render(simulator: Simulator,
                                                          redis_server: EmbeddedRedis) -> None:
    simulator.config.render_seconds = 30
    async with kit(simulator, redis_server.url, renders=True) as k:
        assert k.renders is not None
        await k.say("/start")
        await give_draft(k)
        await k.say("export")
        [job_id] = await k.renders.store.chat_jobs(CHAT)
        progress = next(r for r in k.out.records if r.kind == "edit" and r.buttons)
        [cancel] = progress.buttons
        assert cancel.action is Action.CANCEL and cancel.value == job_id
        assert cancel.label == "Cancel"
        await k.say(f"/cancel {cancel.value}")  # what the button sends
        job = await k.renders.store.load(CHAT, job_id)
        assert job is not None and job.state is JobState.CANCELLED
        assert k.out.messages[progress.message_id] == "Render cancelled."
        await wait_for(lambda: "render_cancel" in k.kinds(), 5, "the render's cancel")
        await k.say(f"/cancel {cancel.value}")
        assert k.last() == "That render has already finished."
        await k.say("/cancel render_0123")
        assert k.last() == "Nothing to cancel."
        await k.say("/cancel everything")  # not a render's id: the whole chat
        assert k.last() == "Nothing to cancel."
    assert not of_kind(k, "file")


async def test_in_a_group_only_who_asked_for_a_render_or_an_admin_cancels_it(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """Another member's press of a render's Cancel button, or their /cancel, leaves the
    render going (the press is answered); the one who asked for it, or an admin, stops
    it."""
    simulator.config.render_seconds = 30
    bob, boss = User("u2", "Bob", "en"), User("u9", "Boss", "en")
    async with kit(simulator, redis_server.url, renders=True,
                   is_admin=lambda message: message.user.id == boss.id) as k:
        assert k.renders is not None
        await k.say("/start", private=False)
        await give_draft(k)
        for _ in range(2):
            await k.say("export", private=False)  # Ada's two renders
            await give_draft(k, {**TINY_DRAFT, "d": 400 + len(k.out.records)})
        first, second = await k.renders.store.chat_jobs(CHAT)
        await k.say(f"/cancel {first}", private=False, user=bob)  # Bob's press
        assert k.last() == ("Only the person who asked for this video, or an admin, can "
                            "cancel it.")
        await k.say("/cancel", private=False, user=bob)
        assert k.last() == "Nothing to cancel."
        for job_id in (first, second):
            job = await k.renders.store.load(CHAT, job_id)
            assert job is not None and job.state is not JobState.CANCELLED
        await k.say(f"/cancel {first}", private=False)  # Ada's press
        await k.say("/cancel", private=False, user=boss)
        for job_id in (first, second):
            job = await k.renders.store.load(CHAT, job_id)
            assert job is not None and job.state is JobState.CANCELLED
    assert not of_kind(k, "file")


async def export_hanging(k: Kit, monkeypatch: pytest.MonkeyPatch,
                         step: str = "read_draft") -> tuple[asyncio.Task[None], Record]:
    """Ask for an export whose `step` never ends, once it has said "Rendering…": the read
    of the project (`read_draft`), or the note of the message it said it in
    (`note_message`). The export's task, once in that step, and that message."""
    assert k.renders is not None
    await k.say("/start")
    await give_draft(k)
    waiting, never = asyncio.Event(), asyncio.Event()

    async def forever(*args: Any, **kwargs: Any) -> Any:
        waiting.set()
        await never.wait()

    owner = k.renders.submitter if step == "read_draft" else k.renders.requests
    monkeypatch.setattr(owner, step, forever)
    export = k.dispatcher.submit(k.message("export"))
    await asyncio.wait_for(waiting.wait(), 10)
    return export, k.out.records[-1]


@pytest.mark.parametrize("step", ["read_draft", "note_message"])
async def test_cancel_before_an_exports_job_exists_says_the_render_is_cancelled(
        simulator: Simulator, redis_server: EmbeddedRedis,
        monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    # "Rendering…" is said at once; a /cancel before the render's job exists finds no
    # render to cancel, so the export itself says so (the message kept "Rendering…"),
    # whether it was noting that message or reading the project
    async with kit(simulator, redis_server.url, renders=True) as k:
        assert k.renders is not None
        export, progress = await export_hanging(k, monkeypatch, step)
        assert progress.text.startswith("Rendering")
        await k.say("/cancel")
        await export
        assert k.out.messages[progress.message_id] == "Render cancelled."
        assert any(text.startswith("Stopped.") for text in k.out.texts())
        assert "render_submit" not in k.kinds()
        assert not await k.renders.store.chat_jobs(CHAT)


async def test_cancel_once_an_exports_job_exists_stops_its_render(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    simulator.inject(Fault("render_slow", seconds=60.0))
    async with kit(simulator, redis_server.url, renders=True) as k:
        assert k.renders is not None
        await k.say("/start")
        await give_draft(k)
        await k.say("export")
        assert await k.renders.store.chat_jobs(CHAT), "the render's job exists"
        await k.say("/cancel")
        assert "1 render(s) stopped" in k.last()
        assert not await k.renders.store.chat_jobs(CHAT)


async def test_a_stopping_process_leaves_an_exports_message_to_its_resumption(
        simulator: Simulator, redis_server: EmbeddedRedis,
        monkeypatch: pytest.MonkeyPatch) -> None:
    async with kit(simulator, redis_server.url, renders=True) as k:
        _, progress = await export_hanging(k, monkeypatch)
        await k.dispatcher.stop(0.0)
        assert k.out.messages[progress.message_id].startswith("Rendering")


async def test_projects_are_kept_per_chat_and_capped(redis_client: Any) -> None:
    from core.catalog import MAX_PROJECTS, ProjectEntry
    from core.messages import ChatKey

    catalog = Catalog(redis_client)
    chat = ChatKey("test", "list")
    for number in range(MAX_PROJECTS + 3):
        await catalog.keep(chat, ProjectEntry(str(number), name=f"p{number}",
                                              edited_at=float(number)))
    kept = await catalog.projects(chat)
    assert [e.name for e in kept] == [f"p{n}" for n in range(MAX_PROJECTS + 2, 2, -1)]
    assert await catalog.projects(ChatKey("test", "other")) == []
    assert 0 < await redis_client.ttl(catalog.keys.projects(chat)) <= catalog.ttl
