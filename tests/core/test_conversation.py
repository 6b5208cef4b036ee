"""The conversation dispatcher against a real Redis and the NemoVideo simulator."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from core.collecting import CollectingOutput
from core.inbox import ChatEvent
from core.messages import ChatKey, LocalFileAttachment
from core.nemo.models import UploadResult
from core.outgoing import Action, Sent
from core.simulator import Fault, Simulator
from core.simulator.drafts import set_title
from core.simulator.samples import write_big_audio, write_sample_audio, write_sample_video
from core.store import InFlight
from tests.kits.conversation import CHAT, kit
from tests.waiting import wait_until


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("clips")
    return [
        write_sample_video(root / "a.mp4", seconds=2.0, color="red"),
        write_sample_video(root / "b.mp4", seconds=3.0, color="blue"),
        write_sample_audio(root / "song.mp3", seconds=4.0),
    ]


class SignallingOutput(CollectingOutput):
    """Sets an event when the working indicator is shown, and one when a text is sent."""

    def __init__(self) -> None:
        super().__init__()
        self.working_shown = asyncio.Event()
        self.sent = asyncio.Event()

    async def working(self, chat: ChatKey) -> None:
        await super().working(chat)
        self.working_shown.set()

    async def send_text(self, *args: Any, **kwargs: Any) -> Sent:
        sent = await super().send_text(*args, **kwargs)
        self.sent.set()
        return sent

    async def said(self, words: str) -> None:
        """Wait until a text with `words` has been sent."""
        while not any(words in text for text in self.texts()):
            self.sent.clear()
            await self.sent.wait()


def files(*paths: Path) -> tuple[LocalFileAttachment, ...]:
    return tuple(LocalFileAttachment(p) for p in paths)


async def test_start_help_and_agent_answer(simulator: Simulator,
                                           redis_url: str) -> None:
    async with kit(simulator, redis_url) as k:
        await k.say("/start")
        assert "Ready when you are" in k.last()
        await k.say("/help")
        assert "/export" in k.last() and "mp4, mov" in k.last()
        await k.say("hello")
        assert k.kinds().count("run_sse") == 1
        assert k.last().strip()
        assert k.kinds()[:2] == ["anonymous_token", "create_session"]


async def test_the_state_is_read_only_when_the_timeline_may_have_changed(
        simulator: Simulator, redis_url: str) -> None:
    async with kit(simulator, redis_url) as k:
        await k.say("hello")
        await k.say("hello again")
        assert k.kinds().count("run_sse") == 2
        assert "state" not in k.kinds(), "a new project's draft is known; words change nothing"
        await k.say("generate a 5 second video of the sea")
        assert k.kinds().count("state") == 1, "read after the agent used its tools"
        assert "Timeline (" in k.last()
        session = await k.sessions.load(CHAT)
        assert session.last_draft.tracks, "the draft seen is kept with the chat"
        session.draft_at -= 3600  # seen an hour ago: it may have been edited elsewhere since
        await k.sessions.save(CHAT, session)
        await k.say("hello")
        assert k.kinds().count("state") == 2, "an old draft is read again before the message"


async def test_music_and_a_title_added_after_a_generations_answer_are_shown(
        simulator: Simulator, redis_url: str) -> None:
    """The contract's two-stage generation, with the second stage after the stream ended:
    what NemoVideo added by itself is shown, with the choice to keep or remove it."""
    simulator.config.post_production = "after"
    simulator.config.post_production_delay = 0.3
    async with kit(simulator, redis_url, post_production_watch=6.0) as k:
        await k.say("generate a 5 second video of the sea")
        answer, follow_up = k.out.records[-2:]
        session = await k.sessions.load(CHAT)
    assert "raw video is ready" in answer.text
    assert "finished the video by itself and added" in follow_up.text, follow_up.text
    assert "Timeline (3 tracks)" in follow_up.text
    assert [b.label for b in follow_up.buttons] == [
        "Keep all", "Remove music", "Remove title", "Export"]
    assert len(session.last_draft.tracks) == 3, "the next turn's diff starts from it"


async def test_the_post_production_watch_gives_way_to_the_next_message(
        simulator: Simulator, redis_url: str) -> None:
    simulator.config.post_production = "after"
    simulator.config.post_production_delay = 600  # never, within this test
    async with kit(simulator, redis_url, post_production_watch=600.0) as k:
        first = k.dispatcher.submit(k.message("generate a 5 second video of the sea"))
        # the whole answer (its timeline is shown last), not its first words streaming
        await wait_until(lambda: any("raw video is ready" in t and "Timeline (" in t
                                     for t in k.out.texts()),
                         what="the generation's whole answer")
        async with asyncio.timeout(15):
            await k.say("hello")
            await first
        assert not any("next in line" in t for t in k.out.texts())


async def test_upload_then_combine_reports_the_timeline(
        simulator: Simulator, redis_url: str, clips: list[Path]) -> None:
    simulator.config.silent_edits = "never"
    async with kit(simulator, redis_url) as k:
        await k.say("", attachments=files(clips[0], clips[1]))
        reply = k.last()
        assert "a.mp4 (2s, 320x180)" in reply and "b.mp4 (3s, 320x180)" in reply
        assert k.kinds().count("upload_files") == 1  # both in one request
        await k.say("combine my clips into a 4-second video")
        reply = k.last()
        assert "Timeline (1 track): 1. Video" in reply
        assert "Next:" in reply
        edits = [r for r in k.out.records if r.kind in ("text", "edit")]
        assert any(b.action is Action.EXPORT for r in edits for b in r.buttons)


async def test_silent_edit_is_reported_as_a_diff(
        simulator: Simulator, redis_url: str, clips: list[Path]) -> None:
    simulator.config.silent_edits = "never"
    async with kit(simulator, redis_url) as k:
        await k.say("", attachments=files(clips[0], clips[1]))
        await k.say("combine my clips")
        simulator.config.silent_edits = "always"
        await k.say('add the title "Urban Dreams"')
        reply = k.last()
        assert "Title added: 'Urban Dreams' (0-3s)" in reply
        assert 'Title: "Urban Dreams"' in reply  # the timeline summary


async def test_status_and_credits(simulator: Simulator, redis_url: str) -> None:
    async with kit(simulator, redis_url) as k:
        await k.say("status")
        assert "timeline is empty" in k.last()
        await k.say("credits")
        assert "Credits: 100 available" in k.last()
        assert "/register?bind=anon_" in k.last()
        await k.say("余额", language="en")  # a Chinese message gets a Chinese answer
        assert k.last().startswith("积分：可用 100") and "注册以保留你的项目" in k.last()
        assert "Credits" not in k.last() and "Register" not in k.last()


async def test_new_project_keeps_the_identity(simulator: Simulator,
                                              redis_url: str) -> None:
    async with kit(simulator, redis_url) as k:
        await k.say("hello")
        first = (await k.sessions.load(CHAT)).session_id
        await k.say("/new")
        second = (await k.sessions.load(CHAT)).session_id
        assert first and second and first != second
        assert k.kinds().count("anonymous_token") == 1
        assert "New project" in k.last()


async def test_local_checks_refuse_bad_files(simulator: Simulator, redis_url: str,
                                             tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a video")
    big = LocalFileAttachment(notes, filename="huge.mp4", size=600 * 1024 * 1024)
    async with kit(simulator, redis_url) as k:
        await k.say("", attachments=(LocalFileAttachment(notes), big))
        texts = k.out.texts()
        assert any("notes.txt" in t and "mp4, mov, avi" in t for t in texts)
        assert any("huge.mp4 is over 500 MB" in t for t in texts)
        assert "upload_files" not in k.kinds()


async def test_the_caption_of_refused_files_is_not_sent_to_the_agent(
        simulator: Simulator, redis_url: str, tmp_path: Path, clips: list[Path]) -> None:
    """"make a video from this" under a PDF was about the PDF: sent alone, the agent
    would generate a video of the words, at a generation's cost."""
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(b"%PDF-1.4 not a video")
    async with kit(simulator, redis_url) as k:
        await k.say("make a video from this", attachments=files(pdf))
        assert any("brief.pdf" in t and "mp4, mov, avi" in t for t in k.out.texts())
        assert "run_sse" not in k.kinds() and "upload_files" not in k.kinds()
        # one usable file of two: the caption goes with it
        await k.say("combine these", attachments=(*files(pdf), *files(clips[0])))
        assert k.kinds().count("upload_files") == 1 and k.kinds().count("run_sse") == 1


async def test_a_file_named_without_an_extension_is_uploaded_with_its_type(
        simulator: Simulator, redis_url: str, clips: list[Path]) -> None:
    """"IMG_1234" sent as video/mp4: accepted by its content type, so NemoVideo (which
    types files by name) gets it as IMG_1234.mp4, not a file it cannot use."""
    bare = LocalFileAttachment(clips[0], filename="IMG_1234", content_type="video/mp4")
    async with kit(simulator, redis_url) as k:
        await k.say("", attachments=(bare,))
        assert "Received" in k.last() and "IMG_1234.mp4" in k.last(), k.last()


async def test_upload_by_url_in_text(simulator: Simulator, redis_url: str,
                                     clips: list[Path]) -> None:
    async with kit(simulator, redis_url) as k:
        # a file reachable by URL: one the simulator already serves
        creds = (await k.nemo.anonymous_token("elsewhere")).credentials
        project = await k.nemo.create_session(creds)
        uploaded = await k.nemo.upload_files(creds, project.session_id, [clips[1]])
        url = uploaded.files[0].cdn_url
        assert url
        await k.say(url)
        assert k.kinds().count("upload_urls") == 1
        assert "Received: b.mp4 (3s, 320x180)" in k.last()


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault("no_credits", path="/run_sse"), "/register?bind=anon_"),
        (Fault("rate_limit", path="/run_sse", retry_after=0, count=2), "busy right now"),
        (Fault("server_error", path="/run_sse", status=503), "isn't answering"),
    ],
)
async def test_agent_errors_get_their_reply(simulator: Simulator, redis_url: str,
                                            fault: Fault, expected: str,
                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="core.conversation.failures")
    async with kit(simulator, redis_url) as k:
        await k.say("hello")
        simulator.inject(fault)
        await k.say("add the title Fail")
        assert expected in k.last()
        # the chat keeps working
        await k.say("credits")
        assert "Credits:" in k.last()
    # the log names the answer NemoVideo gave, not just its kind
    said = [r.getMessage() for r in caplog.records if r.name == "core.conversation.failures"]
    assert any("status=" in line and "code=" in line for line in said), said


async def test_an_error_after_the_agents_words_says_they_may_be_cut_short(
        simulator: Simulator, redis_url: str) -> None:
    async with kit(simulator, redis_url) as k:
        await k.say("hello")
        simulator.inject(Fault("sse_say", text="Working on it, first the"))
        simulator.inject(Fault("sse_error", message="upstream model overloaded"))
        await k.say("make it cinematic")
        answer = k.last()
    assert answer.startswith("Working on it, first the"), answer
    assert "ran into a problem before finishing" in answer, answer


async def test_an_out_of_credits_frame_says_how_to_get_more(
        simulator: Simulator, redis_url: str) -> None:
    """The contract's 2001 inside the stream is out of credits, not "a problem"."""
    async with kit(simulator, redis_url) as k:
        await k.say("hello")
        simulator.inject(Fault("sse_say", text="Let me add that."))
        simulator.inject(Fault("sse_error", message="insufficient credits", code=2001))
        await k.say("add the title Paid")
        answer = k.last()
    assert "You're out of credits" in answer and "/register?bind=anon_" in answer, answer
    assert "ran into a problem" not in answer


async def test_a_failed_request_is_not_reported_done_when_the_project_changed_meanwhile(
        simulator: Simulator, redis_url: str, clips: list[Path]) -> None:
    """The backend finished the project by itself since the bot last read it (a
    generation's second stage); the next request ends with an error frame. The change
    is not this request's doing: the failure is said, not "Done"."""
    async with kit(simulator, redis_url) as k:
        await k.say("", attachments=files(clips[0]))
        await k.say("combine my clips")
        session = next(iter(simulator.store.sessions.values()))
        session.draft = set_title(session.draft, "Behind Your Back")
        simulator.inject(Fault("sse_error", message="insufficient credits", code=2001))
        await k.say("add cinematic music")
        answer = k.last()
    assert "You're out of credits" in answer, answer
    assert not answer.startswith("Done"), answer


async def test_a_rate_limited_agent_call_is_sent_once_more_after_the_wait(
        simulator: Simulator, redis_url: str) -> None:
    """A 429 means nothing was processed: the contract's wait (Retry-After), then once
    more, with the user told; a second 429 is "busy" (above)."""
    async with kit(simulator, redis_url) as k:
        await k.say("hello")
        simulator.inject(Fault("rate_limit", path="/run_sse", retry_after=7))
        await k.say("what can you do?")
        assert k.kinds().count("run_sse") == 3
        assert 7 in k.sleeps.waits
        texts = k.out.texts()
        assert any("I'll send your request again in 7 s" in t for t in texts), texts
        assert "NemoVideo simulator" in k.last()


async def test_a_project_lost_twice_is_said_plainly(simulator: Simulator,
                                                   redis_url: str) -> None:
    """1002 on the project, then on the new one made for it: no "went wrong on my side"."""
    async with kit(simulator, redis_url) as k:
        await k.say("hello")
        simulator.inject(Fault("session_lost", path="/run_sse", count=2))
        await k.say("make it cinematic")
        assert "can't find the new project either" in k.last(), k.out.texts()
        assert not any("went wrong" in t for t in k.out.texts())


async def test_no_export_button_while_there_is_nothing_to_export(
        simulator: Simulator, redis_url: str) -> None:
    """The agent's greeting says "say export when you want the video": on an empty
    project that is no button to press (it would only say there is nothing yet)."""
    async with kit(simulator, redis_url) as k:
        await k.say("hello")
        answer = k.out.records[-1]
    assert "export" in answer.text.lower()
    assert not [b for b in answer.buttons if b.action is Action.EXPORT]


async def test_registered_user_out_of_credits_is_told_to_top_up(
        simulator: Simulator, redis_url: str) -> None:
    simulator.config.operator_tokens = ["nmv_usr_registered"]
    async with kit(simulator, redis_url) as k:
        await k.say("/link nmv_usr_registered")  # the user's own account
        simulator.inject(Fault("no_credits", path="/run_sse"))
        await k.say("hello")
        assert "Top up at nemovideo.com" in k.last()
        assert "anonymous_token" not in k.kinds()


async def test_expired_token_is_renewed_with_the_same_client_id(
        simulator: Simulator, redis_url: str) -> None:
    async with kit(simulator, redis_url) as k:
        await k.say("credits")
        first = await k.sessions.load_identity(CHAT)
        simulator.inject(Fault("token_expired", path="/api/credits"))
        simulator.config.anon_per_client_limit = 2
        await k.say("credits")
        second = await k.sessions.load_identity(CHAT)
        assert "Credits:" in k.last()
        assert second.client_id == first.client_id
        assert second.token is not None and first.token is not None
        assert second.token.get_secret_value() != first.token.get_secret_value()
        ids = [r["headers"].get("X-Client-Id") for r in simulator.requests
               if r["kind"] == "anonymous_token"]
        assert ids == [first.client_id, first.client_id]


async def test_an_export_with_refused_credentials_says_so_without_class_names(
        simulator: Simulator, redis_url: str, clips: list[Path]) -> None:
    async with kit(simulator, redis_url, renders=True) as k:
        await k.say("", attachments=files(clips[0]))
        await k.say("combine my clips")
        # the operator's token is refused: another try cannot help
        simulator.inject(Fault("token_expired", count=10))
        await k.say("export")
        answer = k.last()
    assert "refused the bot's credentials" in answer, answer
    assert "Expired" not in answer and "try again in a moment" not in answer, answer
    assert "render_submit" not in k.kinds()


async def test_out_of_credits_on_the_operators_account_does_not_ask_users_to_top_up(
        simulator: Simulator, redis_url: str, clips: list[Path]) -> None:
    """Every chat shares the operator's NEMO_TOKEN account: its users cannot top it up."""
    async with kit(simulator, redis_url, renders=True) as k:
        await k.say("", attachments=files(clips[0]))
        await k.say("combine my clips")
        simulator.inject(Fault("no_credits"))
        await k.say("add the title Broke")
        typed = k.last()
        simulator.inject(Fault("sse_error", message="insufficient credits", code=2001))
        await k.say("add the title Broke")
        framed = k.last()
        simulator.inject(Fault("no_credits", path="/api/render/proxy/lambda"))
        await k.say("export")
        exported = k.last()
    for answer in (typed, framed, exported):
        assert "let the person who runs this bot know" in answer, answer
        assert "Top up" not in answer, answer


async def test_export_right_after_an_upload_says_what_to_do_with_the_files(
        simulator: Simulator, redis_url: str, clips: list[Path]) -> None:
    """The clip is in the project but on no timeline yet: "upload some clips" would be
    wrong advice."""
    async with kit(simulator, redis_url, renders=True) as k:
        await k.say("", attachments=files(clips[0]))
        await k.say("export")
        answer = k.last()
    assert "in the project but not on the timeline" in answer, answer
    assert "render_submit" not in k.kinds()


async def test_a_client_id_refused_with_http_400_is_replaced_and_the_token_minted(
        simulator: Simulator, redis_url: str) -> None:
    """The contract: HTTP 400 on the anonymous-token call means no (usable) X-Client-Id:
    make one, keep it, ask again."""
    async with kit(simulator, redis_url) as k:
        simulator.inject(Fault("server_error", path="/api/auth/anonymous-token", status=400))
        await k.say("credits")
        assert "Credits:" in k.last(), k.last()
        kept = await k.sessions.load_identity(CHAT)
    ids = [r["headers"].get("X-Client-Id") for r in simulator.requests
           if r["kind"] == "anonymous_token"]
    assert len(ids) == 2 and ids[0] != ids[1] and ids[1] == kept.client_id


async def test_a_new_client_id_refused_too_is_said_plainly(
        simulator: Simulator, redis_url: str) -> None:
    async with kit(simulator, redis_url) as k:
        simulator.inject(Fault("server_error", path="/api/auth/anonymous-token", status=400,
                               count=2))
        await k.say("credits")
        answer = k.last()
    assert "won't create another free account" in answer and "went wrong" not in answer, answer


async def test_a_video_sent_again_gets_a_project_link_that_still_opens(
        simulator: Simulator, redis_url: str, clips: list[Path]) -> None:
    """Claim tokens expire (7 days); a project lives on. An export of the unchanged draft
    after its claim token ran out sends the video with a fresh project link."""
    def project_links() -> list[str]:
        return [b.url for r in k.out.records for b in r.buttons
                if b.url and "workspace/claim" in b.url]

    async with kit(simulator, redis_url, renders=True) as k:
        await k.say("", attachments=files(clips[0]))
        await k.say("combine my clips")
        await k.say("export")
        first = await wait_until(lambda: project_links(), what="the video with its link")
        # the stored claim token has a minute left
        await k.sessions.redis.hset(k.sessions.keys.session(CHAT), "claim_expires_at",
                                    repr(time.time() + 60))
        await k.say("export")
        links = await wait_until(lambda: project_links()[len(first):] or None,
                                 what="the video sent again with its link")
    assert links[-1] != first[-1], "a fresh claim token"
    assert k.kinds().count("render_submit") == 1, "the unchanged draft was not rendered again"
    assert k.kinds().count("claim_token") == 2


async def test_the_registration_link_names_the_user_when_only_the_project_did(
        simulator: Simulator, redis_url: str) -> None:
    """The anonymous-token answer may lack `user_id`; the create-session answer names the
    user too, and the out-of-credits advice needs it for its registration link."""
    simulator.config.anon_names_user = False
    async with kit(simulator, redis_url) as k:
        await k.say("hello")
        simulator.inject(Fault("no_credits", path="/run_sse"))
        await k.say("add the title Broke")
        answer = k.last()
    assert "/register?bind=anon_" in answer, answer


async def test_lost_session_starts_a_new_project(simulator: Simulator,
                                                 redis_url: str) -> None:
    async with kit(simulator, redis_url) as k:
        await k.say("hello")
        old = (await k.sessions.load(CHAT)).session_id
        simulator.inject(Fault("session_lost", path="/run_sse"))
        await k.say("add the title Again")
        texts = k.out.texts()
        assert any("no longer available" in t for t in texts)
        assert (await k.sessions.load(CHAT)).session_id != old
        assert k.kinds().count("run_sse") == 3  # refused once, then sent on the new project


async def test_anonymous_token_limit_explains_linking(simulator: Simulator,
                                                      redis_url: str) -> None:
    simulator.config.anon_per_ip_limit = 0
    async with kit(simulator, redis_url) as k:
        await k.say("hello")
        assert "/link" in k.last() and "private chat" in k.last()


async def test_a_refused_anonymous_token_is_not_asked_for_again_by_every_chat(
        simulator: Simulator, redis_url: str) -> None:
    """The per-IP limit refuses this server: the next messages, of this chat or another,
    do not knock again until the wait is over."""
    simulator.config.anon_per_ip_limit = 0
    async with kit(simulator, redis_url) as k:
        await k.say("hello")
        asked = k.kinds().count("anonymous_token")
        await k.say("hello again")
        await k.say("hello", chat=ChatKey("test", "101"))
        assert "/link" in k.last(ChatKey("test", "101"))
        assert k.kinds().count("anonymous_token") == asked
        # for the wait NemoVideo asked (its week-long window), within six hours
        left = await k.sessions.redis.ttl(k.sessions.keys.anonymous_refused())
    assert 5 * 3600 < left <= 6 * 3600, left


async def test_anonymous_token_limit_in_a_group_does_not_offer_linking(
        simulator: Simulator, redis_url: str) -> None:
    """/link (in a private chat) links that chat's account, never the group's."""
    simulator.config.anon_per_ip_limit = 0
    async with kit(simulator, redis_url) as k:
        await k.say("hello", private=False)
        assert "/link" not in k.last() and "Try again later" in k.last(), k.last()


async def test_anonymous_token_limit_without_linking_does_not_offer_it(
        simulator: Simulator, redis_url: str) -> None:
    """/link is turned off (no SECRET_KEY): the advice does not send users to it."""
    simulator.config.anon_per_ip_limit = 0
    async with kit(simulator, redis_url, link_enabled=False) as k:
        await k.say("hello")
        assert "/link" not in k.last() and "Try again later" in k.last(), k.last()


async def test_link_only_in_private_chats(simulator: Simulator,
                                          redis_url: str) -> None:
    simulator.config.operator_tokens = ["nmv_usr_mine_123456"]
    async with kit(simulator, redis_url) as k:
        group = ChatKey("test", "-5")
        await k.say("/link nmv_usr_mine_123456", chat=group, private=False)
        assert "only in a private chat" in k.last(group)
        assert any(r.kind == "delete" for r in k.out.records)
        assert (await k.sessions.load_identity(group)).kind == "anonymous"

        await k.say("/link nmv_usr_mine_123456")
        assert "Linked" in k.last()
        identity = await k.sessions.load_identity(CHAT)
        assert identity.kind == "linked"
        await k.say("credits")
        assert "Credits: 100000 available" in k.last()
        for text in k.out.texts():
            assert "nmv_usr_mine" not in text


async def test_cut_stream_is_recovered_without_resending(simulator: Simulator,
                                                         redis_url: str,
                                                         clips: list[Path]) -> None:
    simulator.config.silent_edits = "never"
    async with kit(simulator, redis_url) as k:
        await k.say("", attachments=files(clips[0]))
        simulator.inject(Fault("sse_cut", after_events=1))
        await k.say("combine my clips")
        assert k.kinds().count("run_sse") == 1
        texts = k.out.texts()
        assert any("was not sent again" in t for t in texts)
        assert "Timeline (1 track)" in k.last() or "went through" in k.last()


@pytest.mark.parametrize("shape", ["adk", "tagged"])
async def test_a_stream_broken_after_the_agents_whole_answer(simulator: Simulator, redis_url: str,
                                                           shape: str) -> None:
    """The ADK shape says when the agent's turn is complete: a break after that ends the
    stream (the answer is whole), with no notices. The tagged shape cannot say it: the
    break is recovered from the state, and an unchanged project then says the answer
    shown may be cut short, not that the request failed."""
    simulator.config.sse_shape = shape
    async with kit(simulator, redis_url) as k:
        await k.say("hello")
        simulator.inject(Fault("sse_cut", after_events=None))
        await k.say("what can you do?")
        assert k.kinds().count("run_sse") == 2
        texts = k.out.texts()
        notices = [t for t in texts if "NemoVideo" in t and ("connection" in t or "finish" in t)]
        if shape == "adk":
            assert notices == [], texts
        else:
            assert [n.split(".")[0] for n in notices] == [
                "The connection to NemoVideo dropped",
                "The connection dropped before NemoVideo finished, and the project hasn't "
                "changed since"], texts


async def test_a_stream_held_open_after_the_agents_whole_answer_ends_after_the_grace(
        simulator: Simulator, redis_url: str) -> None:
    """A backend that says its turn is complete (ADK) and then keeps the connection open,
    silent or with heartbeats, does not hold the chat until the heartbeat timeout: the
    answer is whole once the grace has passed with nothing new."""
    simulator.config.sse_shape = "adk"
    async with kit(simulator, redis_url, nemo_heartbeat_timeout=60.0,
                   nemo_turn_end_grace=0.3) as k:
        await k.say("hello")
        simulator.inject(Fault("sse_linger", seconds=120))
        async with asyncio.timeout(10):
            await k.say("what can you do?")
        assert k.kinds().count("run_sse") == 2
        texts = k.out.texts()
        assert not [t for t in texts if "too long" in t or "connection" in t], texts
        assert "NemoVideo" in k.last() or "video" in k.last().lower(), texts


async def test_stalled_stream_times_out_without_resending(
        simulator: Simulator, redis_url: str) -> None:
    async with kit(simulator, redis_url, nemo_heartbeat_timeout=0.3) as k:
        await k.say("hello")
        simulator.inject(Fault("sse_stall", seconds=30))
        await k.say("add the title Slow")
        assert k.kinds().count("run_sse") == 2
        assert any("too long" in t for t in k.out.texts())


async def test_messages_of_one_chat_run_in_order_and_are_queued(
        simulator: Simulator, redis_url: str) -> None:
    simulator.agent.running.clear()  # the first message stays with the agent until let go
    out = SignallingOutput()
    async with kit(simulator, redis_url, out=out) as k:
        first = k.dispatcher.submit(k.message("hello"))
        # the first message is with the agent once the working indicator shows
        async with asyncio.timeout(10):
            await out.working_shown.wait()
            second = k.dispatcher.submit(k.message("add subtitles"))
            await out.said("next in line: add subtitles")
        assert not first.done()
        simulator.agent.running.set()
        await first
        await second
        await k.dispatcher.wait_idle()
        bodies = [r for r in simulator.requests if r["kind"] == "run_sse"]
        assert len(bodies) == 2
        assert await k.inbox.length(CHAT) == 0


async def test_cancel_drops_the_queue(simulator: Simulator, redis_url: str) -> None:
    async with kit(simulator, redis_url) as k:
        lock = k.held_elsewhere()
        assert await lock.acquire()  # the chat is busy elsewhere
        try:
            await k.say("add music")
            await k.say("add a title")
            assert await k.inbox.length(CHAT) == 2
            await k.say("/cancel")
            assert await k.inbox.length(CHAT) == 0
            assert "2 queued message(s) dropped" in k.last()
        finally:
            await lock.release()


async def test_two_chats_do_not_block_each_other(simulator: Simulator,
                                                 redis_url: str) -> None:
    async with kit(simulator, redis_url) as k:
        other = ChatKey("test", "200")
        busy = k.held_elsewhere()
        assert await busy.acquire()  # chat 100 is held by a stuck worker
        try:
            async with asyncio.timeout(10):
                await k.say("credits", chat=other)
            assert "Credits:" in k.last(other)
        finally:
            await busy.release()


async def test_second_process_is_refused_the_lock(redis_url: str) -> None:
    from core.store import SessionStore

    one = SessionStore.from_url(redis_url, lock_ttl=1.0)
    two = SessionStore.from_url(redis_url, lock_ttl=1.0)
    try:
        held = one.lock(CHAT)
        assert await held.acquire()
        assert not await two.lock(CHAT).acquire()
        # renewal keeps it past its ttl while the holder lives
        await asyncio.sleep(1.5)
        assert not await two.lock(CHAT).acquire()
        await held.release()
        again = two.lock(CHAT)
        assert await again.acquire()
        await again.release()
    finally:
        await one.close()
        await two.close()


async def test_new_process_resumes_the_chat(simulator: Simulator, redis_url: str,
                                            clips: list[Path]) -> None:
    simulator.config.silent_edits = "never"
    async with kit(simulator, redis_url) as k:
        await k.say("", attachments=files(clips[0]))
        session = await k.sessions.load(CHAT)
    # a new process: new client, new Redis connections, same Redis data
    async with kit(simulator, redis_url) as k2:
        await k2.say("combine my clips")
        assert (await k2.sessions.load(CHAT)).session_id == session.session_id
        assert "Timeline (1 track)" in k2.last()
        assert k2.kinds().count("create_session") == 1


async def test_restart_with_a_message_in_flight_is_recovered(
        simulator: Simulator, redis_url: str, clips: list[Path]) -> None:
    simulator.config.silent_edits = "always"
    async with kit(simulator, redis_url) as k:
        await k.say("", attachments=files(clips[0]))
        session = await k.sessions.load(CHAT)
        before = session.draft
        # the agent applied the edit but the process died before answering: what it
        # left in Redis is the event being handled and the message in flight
        await k.say("combine my clips")
        await k.inbox.push(ChatEvent.of(k.message("combine my clips")))
        assert await k.inbox.take(CHAT) is not None
        session = await k.sessions.load(CHAT)
        session.inflight = InFlight("combine my clips", 0.0, before)
        session.draft = before
        await k.sessions.save(CHAT, session)
    out = CollectingOutput()
    async with kit(simulator, redis_url, out=out) as k2:
        assert await k2.dispatcher.resume() == 1
        texts = out.texts()
        assert any("restarted while working" in t for t in texts)
        assert any("went through" in t for t in texts)
        assert (await k2.sessions.load(CHAT)).inflight is None
        assert await k2.inbox.current(CHAT) is None
        assert k2.kinds().count("run_sse") == 1  # never re-sent


async def test_one_chat_failing_does_not_stop_others(simulator: Simulator,
                                                     redis_url: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    async with kit(simulator, redis_url) as k:
        from core.intents import Intent

        async def boom(turn: object, step: object) -> None:
            raise RuntimeError("bug")

        k.dispatcher.handlers[Intent.STATUS] = boom
        await k.say("status")
        assert "something went wrong" in k.last() and "error" in k.last()
        await k.say("credits", chat=ChatKey("test", "300"))
        assert "Credits:" in k.last(ChatKey("test", "300"))


async def test_upload_progress_is_shown(simulator: Simulator, redis_url: str,
                                        tmp_path: Path) -> None:
    big = write_big_audio(tmp_path / "big.wav", 24)
    async with kit(simulator, redis_url) as k:
        await k.say("", attachments=files(big))
        edits = [r.text for r in k.out.records if r.kind == "edit"]
        percents = [e for e in edits if e.startswith("Uploading 1 file(s)...") and "%" in e]
        assert len(percents) >= 3
        assert edits[-1].startswith("Received: big.wav (2:11)")


async def test_backend_upload_refusals_get_their_reply(
        simulator: Simulator, redis_url: str, clips: list[Path]) -> None:
    async with kit(simulator, redis_url) as k:
        simulator.config.max_upload_bytes = 1000
        await k.say("", attachments=files(clips[0]))
        assert "over 500 MB" in k.last() and "Trim or compress" in k.last()
        assert "The upload did not go through." in k.out.texts(), "no Uploading… left"
        assert not any(t.startswith("Uploading") for t in k.out.texts())
        simulator.config.max_upload_bytes = 524288000
        await k.say(f"{simulator.base_url}/_sim/config")  # a link to something not media
        assert "Accepted formats: mp4, mov" in k.last()


async def test_an_upload_answer_without_the_files_names_what_was_sent(
        simulator: Simulator, redis_url: str, clips: list[Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """NemoVideo took the file but its answer lists none: "Received:" names what was
    sent rather than nothing."""
    async with kit(simulator, redis_url) as k:
        real = k.nemo.upload_files

        async def listing_nothing(*args: Any, **kwargs: Any) -> UploadResult:
            result = await real(*args, **kwargs)
            return UploadResult((), result.session_state_applied)

        monkeypatch.setattr(k.nemo, "upload_files", listing_nothing)
        await k.say("", attachments=files(clips[0]))
        assert k.last().startswith(f"Received: {clips[0].name}\n"), k.last()


async def test_cancel_from_another_process_stops_the_turn_and_never_saves(
        simulator: Simulator, redis_url: str) -> None:
    """`/cancel` handled by one process while another holds the chat and is saving: the
    holder's turn stops (it is told by a signal), the canceller never loads or saves the
    chat's state, and nothing brings back a stale in-flight record afterwards."""
    simulator.config.agent_delay = 2.0
    holder_out = SignallingOutput()
    async with kit(simulator, redis_url, out=holder_out) as holder, \
            kit(simulator, redis_url) as other:
        holder.dispatcher.start()  # listens for stop signals
        turn = holder.dispatcher.submit(holder.message("add the title Hello"))
        async with asyncio.timeout(10):
            await holder_out.working_shown.wait()  # the message is with the agent
        saved = await holder.sessions.load(CHAT)
        assert saved.inflight is not None and saved.session_id
        await other.say("/cancel")
        async with asyncio.timeout(10):
            await turn
            await holder.dispatcher.wait_idle()
        assert any("Stopped" in t for t in holder.out.texts()), holder.out.texts()
        after = await holder.sessions.load(CHAT)
        assert after.inflight is None, "the holder cleared its in-flight record"
        assert after.session_id == saved.session_id, "the holder's project is intact"
        await other.say("status")
        everything = holder.out.texts() + other.out.texts()
        assert not any("restarted" in t for t in everything)
        assert holder.kinds().count("run_sse") == 1
        assert await other.inbox.current(CHAT) is None


async def test_an_offered_option_pressed_is_handled_as_its_text(
        simulator: Simulator, redis_url: str) -> None:
    from core.conversation.choices import offer
    from core.conversation.turn import Turn
    from core.intents import Intent, Step

    async def suggest(turn: Turn, step: Step) -> None:
        buttons = offer(turn, [("Show the timeline", "status"),
                               ("Add a title", "add the title Hello there")])
        await turn.send("What next?", buttons)

    async with kit(simulator, redis_url) as k:
        k.dispatcher.handlers[Intent.HELP] = suggest
        await k.say("/help")
        first = k.out.records[-1].buttons
        assert [b.press for b in first] == ["choose:1.0", "choose:1.1"]
        await k.say("/choose 1.1")
        assert k.kinds().count("run_sse") == 1, "the option's text went to the agent"
        await k.say("/help")  # a new offer replaces the first
        await k.say("/choose 1.0")
        assert "earlier message" in k.last()
        await k.say("/choose 2.0")
        assert "Timeline" in k.last() or "empty" in k.last()
        await k.say("/choose 2.0")
        assert "already chosen" in k.last(), "an offer is used once; a second press is told"


async def test_a_link_nemovideo_cannot_fetch_is_named_with_the_reason(
        simulator: Simulator, redis_url: str) -> None:
    """No "something went wrong on my side": the reply names the link and says why."""
    async with kit(simulator, redis_url) as k:
        link = f"{simulator.base_url}/cdn/0000/gone.mp4"
        await k.say(link)
        reply = k.last()
        assert reply.startswith(f"NemoVideo couldn't get {link}: the server answered HTTP 404")
        assert "went wrong" not in reply and "Traceback" not in reply
        await k.say("http://127.0.0.1:1/clip.mp4")
        assert "the connection was refused or the host is unreachable" in k.last()
