import pytest

from core.intents import Intent, Step, route


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("export", Intent.EXPORT),
        ("Export", Intent.EXPORT),
        ("export it as MP4 please", Intent.EXPORT),
        ("send me the video", Intent.EXPORT),
        ("download", Intent.EXPORT),
        ("导出", Intent.EXPORT),
        ("导出视频", Intent.EXPORT),
        ("credits", Intent.CREDITS),
        ("how many credits do I have?", Intent.CREDITS),
        ("check my balance", Intent.CREDITS),
        ("余额", Intent.CREDITS),
        ("积分", Intent.CREDITS),
        ("status", Intent.STATUS),
        ("show tracks", Intent.STATUS),
        ("状态", Intent.STATUS),
        ("help", Intent.HELP),
        ("cancel", Intent.CANCEL),
        ("取消", Intent.CANCEL),
        ("new project", Intent.NEW),
        ("start over", Intent.NEW),
        ("upload", Intent.UPLOAD),
        ("上传", Intent.UPLOAD),
    ],
)
def test_keywords(text: str, intent: Intent) -> None:
    assert route(text) == [Step(intent)]


@pytest.mark.parametrize(
    ("text", "intent", "arg"),
    [
        ("/start", Intent.START, ""),
        ("/help", Intent.HELP, ""),
        ("/new", Intent.NEW, ""),
        ("/export", Intent.EXPORT, ""),
        ("/export@NemoVideoBot", Intent.EXPORT, ""),
        ("/credits", Intent.CREDITS, ""),
        ("/status", Intent.STATUS, ""),
        ("/cancel", Intent.CANCEL, ""),
        ("/link nmv_usr_abc", Intent.LINK, "nmv_usr_abc"),
        ("/whatever", Intent.HELP, ""),
    ],
)
def test_slash_commands(text: str, intent: Intent, arg: str) -> None:
    assert route(text) == [Step(intent, arg)]


def test_everything_else_goes_to_the_agent() -> None:
    for text in ["add the title Urban Dreams", "make it brighter", "hello",
                 "what can you do with my export settings and credits and more words"]:
        assert route(text) == [Step(Intent.AGENT, text)]


@pytest.mark.parametrize(
    ("text", "edit"),
    [
        ("combine my clips into a 60-second video with transitions and export it as MP4",
         "combine my clips into a 60-second video with transitions"),
        ("add the title Urban Dreams, then export", "add the title Urban Dreams"),
        ("trim to 10 seconds and then export the video", "trim to 10 seconds"),
        ("把片段合成一个视频然后导出", "把片段合成一个视频"),
    ],
)
def test_compound_edit_then_export(text: str, edit: str) -> None:
    assert route(text) == [Step(Intent.AGENT, edit), Step(Intent.EXPORT)]


@pytest.mark.parametrize(
    "text",
    [
        "don't export yet, add music first",
        "do not export, add a title",
        "add music before export",
        "先别导出，加点音乐",
    ],
)
def test_negated_export_is_an_edit(text: str) -> None:
    assert route(text) == [Step(Intent.AGENT, text)]


def test_attachments_upload_then_caption_goes_to_agent() -> None:
    assert route("combine these", has_attachments=True) == [
        Step(Intent.UPLOAD), Step(Intent.AGENT, "combine these")]
    assert route("", has_attachments=True) == [Step(Intent.UPLOAD)]
    assert route("upload", has_attachments=True) == [Step(Intent.UPLOAD)]


def test_url_in_text_uploads_by_url() -> None:
    assert route("https://example.com/a.mp4") == [
        Step(Intent.UPLOAD, urls=("https://example.com/a.mp4",))]
    assert route("use https://example.com/a.mp4 as the intro") == [
        Step(Intent.UPLOAD, urls=("https://example.com/a.mp4",)),
        Step(Intent.AGENT, "use https://example.com/a.mp4 as the intro")]


def test_url_with_export_word_is_upload_then_export() -> None:
    assert route("https://example.com/a.mp4 export") == [
        Step(Intent.UPLOAD, urls=("https://example.com/a.mp4",)),
        Step(Intent.EXPORT)]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("exportar", Intent.EXPORT),
        ("exporta el video, por favor", Intent.EXPORT),
        ("baixar o vídeo", Intent.EXPORT),
        ("書き出して", Intent.EXPORT),
        ("動画を書き出してください", Intent.EXPORT),
        ("エクスポート", Intent.EXPORT),
        ("créditos", Intent.CREDITS),
        ("¿cuántos créditos tengo?", Intent.CREDITS),
        ("quantos créditos eu tenho?", Intent.CREDITS),
        ("saldo", Intent.CREDITS),
        ("残高を教えてください", Intent.CREDITS),
        ("クレジット", Intent.CREDITS),
        ("estado", Intent.STATUS),
        ("línea de tiempo", Intent.STATUS),
        ("linha do tempo", Intent.STATUS),
        ("タイムラインを見せて", Intent.STATUS),
        ("ayuda", Intent.HELP),
        ("ajuda", Intent.HELP),
        ("使い方を教えて", Intent.HELP),
        ("cancelar", Intent.CANCEL),
        ("キャンセルして", Intent.CANCEL),
        ("nuevo proyecto", Intent.NEW),
        ("empezar de nuevo", Intent.NEW),
        ("novo projeto", Intent.NEW),
        ("新しいプロジェクト", Intent.NEW),
        ("subir archivos", Intent.UPLOAD),
        ("enviar arquivos", Intent.UPLOAD),
        ("アップロード", Intent.UPLOAD),
    ],
)
def test_keywords_in_spanish_portuguese_and_japanese(text: str, intent: Intent) -> None:
    assert route(text) == [Step(intent)]


def test_edit_then_export_in_spanish_and_portuguese() -> None:
    assert route("combina mis clips y expórtalo") == [
        Step(Intent.AGENT, "combina mis clips"), Step(Intent.EXPORT)]
    assert route("junte os clipes e depois exporte em mp4") == [
        Step(Intent.AGENT, "junte os clipes"), Step(Intent.EXPORT)]
    assert route("no exportes todavía, añade música") == [
        Step(Intent.AGENT, "no exportes todavía, añade música")]
    assert route("não exporte ainda") == [Step(Intent.AGENT, "não exporte ainda")]
    assert route("haz un video de mi viaje") == [Step(Intent.AGENT, "haz un video de mi viaje")]


def test_language_command_and_words() -> None:
    assert route("/language es") == [Step(Intent.LANGUAGE, "es")]
    assert route("/language") == [Step(Intent.LANGUAGE)]
    assert [route(word) for word in ("language", "idioma", "língua", "语言", "言語")] == [
        [Step(Intent.LANGUAGE)]] * 5
