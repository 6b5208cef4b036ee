"""Japanese (ja), continued: projects, formats, render progress, the answers' options and
the help lines, by key (merged with `ja.TEXTS` in `core.locales`)."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "welcome.examples": "または、例をタップして始めましょう。TikTok、リール、ショート、YouTube "
        "向けには /format でフォーマットを選んでください。",
    "welcome.formats": "TikTok、リール、ショート、YouTube 向けには /format で"
        "フォーマットを選んでください。",
    "example.trim": "最初の 5 秒をカットして",
    "example.music": "映画のような BGM を追加して",
    "example.promo": "30 秒のプロモーション動画を作って",
    "button.format": "フォーマット",
    "help.intro": "クリップ、写真、音楽（各 500 MB まで：{formats}）またはそのリンクを送って、"
        "作りたいものを教えてください。",
    "help.arg.code": "コード",
    "help.arg.token": "トークン",
    "help.arg.who": "対象",
    "help.start": "あいさつとリクエストの例を表示",
    "help.new": "新しいプロジェクトを始める（前のプロジェクトは /projects に残ります）",
    "help.export": "動画をレンダリングしてここに送る",
    "help.status": "タイムラインを表示",
    "help.format": "プロジェクトのフォーマットと目標の長さを選ぶ",
    "help.projects": "このチャットの最近のプロジェクトを一覧表示して切り替える",
    "help.last": "最後に完成した動画をもう一度送る（再レンダリングなし）",
    "help.credits": "クレジット残高を表示",
    "help.cancel": "待機中のメッセージを破棄し、実行中のリクエストを止めて、レンダリングを中止",
    "help.upload": "ファイルの送り方",
    "help.stats": "利用状況と上限を表示",
    "help.language": "返答する言語を選ぶ",
    "help.link": "自分の NemoVideo アカウントを使う（個人チャットのみ）",
    "help.help": "この一覧",
    "help.admin": "管理者：ボットの利用状況、アクセスリスト、稼働状況",
    "help.allow": "管理者：ユーザー、チャット、サーバー、ロール、チャンネルを許可",
    "help.block": "管理者：ユーザー、チャット、サーバー、ロール、チャンネルをブロック",
    "help.unblock": "管理者：ブロックを解除",
    "help.quota": "管理者：ユーザーまたはチャット個別の上限を設定",
    "format.9:16": "9:16 TikTok・リール・ショート",
    "format.16:9": "16:9 YouTube",
    "format.1:1": "1:1 正方形",
    "format.4:5": "4:5 フィード",
    "format.seconds": "{seconds} 秒",
    "format.free": "未設定",
    "format.pick": "フォーマットと目標の長さを選んでください（スキップして、作りたい動画を"
        "説明するだけでもかまいません）：",
    "format.current": "フォーマット：{aspect}。目標の長さ：{length}。",
    "format.length_next": "長さはどのくらいにしますか？",
    "format.usage": "そのフォーマットはわかりませんでした。/format に 9:16、16:9、1:1、4:5 "
        "や 30s のような長さを付けて送るか、ボタンをタップしてください。",
    "format.regenerates": "今の動画は {old} です。アスペクト比を変えるには NemoVideo "
        "が動画を作り直す必要があり（クレジットを消費します）、まだ作り直していません。"
        "新しい指示と書き出しには {new} を使います。このまま書き出すと、動画は黒い帯の中に"
        "収まります。今すぐ作り直すには下のボタンをタップしてください。",
    "format.regenerate_button": "{aspect} で作り直す",
    "format.regenerate_text": "内容はそのままで、動画をアスペクト比 {aspect} "
        "で作り直してください。",
    "projects.none": "このチャットにはまだプロジェクトがありません。動画を説明するか、"
        "クリップを送って始めましょう。/new で別のプロジェクトを始めても、"
        "前のものはここに残ります。",
    "projects.title": "このチャットの最近のプロジェクト：",
    "projects.line": "{index}. {name}：最終編集 {edited}",
    "projects.rendered": "、レンダリング {when}",
    "projects.current": "（現在）",
    "projects.switch_hint": "タップすると切り替わります。",
    "projects.untitled": "無題のプロジェクト",
    "projects.unknown": "そのプロジェクトは見つかりません。/projects を送ると一覧を表示します。",
    "projects.already": "すでに {name} を編集中です。",
    "projects.switched": "{name} に切り替えました。",
    "projects.gone": "{name} は NemoVideo 上にもうないため、一覧から削除しました。",
    "ago.now": "たった今",
    "ago.minutes": "{n} 分前",
    "ago.hours": "{n} 時間前",
    "ago.days": "{n} 日前",
    "last.none": "ここにはまだ完成した動画がありません。レンダリングするには「書き出し」と"
        "送ってください。",
    "last.gone": "その動画はもう送り直せません。レンダリングするには「書き出し」と送ってください。",
    "limits.streaming": "{services} のリンクは使えません：NemoVideo はストリーミングサービスから"
        "音楽や動画を取り込めません。内蔵ライブラリに似たスタイルがあるので、雰囲気やジャンルを"
        "教えてください（「アップテンポな lo-fi 音楽を追加して」）。またはファイルそのものを"
        "送ってください。",
    "limits.library_button": "内蔵の音楽を使う",
    "limits.library_text": "内蔵ライブラリから動画に合う BGM を追加してください。",
    "limits.slideshow": "写真だけの場合はスライドショーになります：各写真を数秒ずつ"
        "トランジション付きで表示し、お好みで音楽やタイトルも付けられます。",
    "limits.slideshow_button": "スライドショーを作る",
    "limits.slideshow_text": "私の写真で、なめらかなトランジションと BGM 付きの {seconds} "
        "秒のスライドショーを作ってください。",
    "queued.next": "了解しました。次に対応します：{what}",
    "queued.place": "了解しました。{place} 番目に対応します：{what}",
    "queued.choice": "選んだオプション",
    "render.progress_seconds": "レンダリング中… {progress}%（残り約 {seconds} 秒）",
    "render.progress_minutes": "レンダリング中… {progress}%（残り約 {minutes} 分）",
    "render.already_finished": "そのレンダリングはすでに終わっています。",
    "render.ready_named": "動画ができました：{name}",
    "render.reused_running": "このバージョンはすでにレンダリング中です（上を参照）。"
        "できあがったら 1 回だけ送ります。",
    "render.reused_done": "前回のレンダリングから何も変わっていないため、同じ動画をもう一度"
        "送ります（再レンダリングなし）。",
    "gui_export": "動画が欲しいときは「書き出し」と送ってください。",
    "gui_drag": "移動・変更したいものを教えてください。こちらで対応します。",
    "gui_click": "やりたいことを教えてください。こちらで対応します。",
    "gui_click_named": "「{label}」と送ってください。こちらで対応します。",
    "gui_click_named_for": "「{label}」と送ってください（{rest}）。",
    "gui_done": "完了しました。",
    "takes_minutes": "数分かかる場合があります。",
    "stage_working": "処理中…",
    "stage_generating": "動画を生成中…",
    "stage_music": "音楽を追加中…",
    "stage_title": "タイトルを追加中…",
    "stage_exporting": "書き出し中…",
    "stage_combining": "クリップを結合中…",
    "stage_trimming": "カット中…",
    "stage_effects": "エフェクトを追加中…",
    "stage_volume": "音量を調整中…",
    "stage_removing": "削除中…",
    "stage_media": "素材を確認中…",
    "generated_added": "NemoVideo が自動で動画を仕上げ、次を追加しました：{tracks}。"
        "そのまま残すか、不要なものを削除してください。",
    "choice_keep_all": "すべて残す",
    "choice_remove_music": "音楽を削除",
    "choice_remove_music_text": "BGM を削除して",
    "choice_remove_title": "タイトルを削除",
    "choice_remove_title_text": "タイトルを削除して",
    "choice_yes": "はい",
    "choice_yes_text": "はい",
    "choice_no": "いいえ、結構です",
    "choice_no_text": "いいえ、結構です",
    "discord.command.projects": "このチャンネルの最近のプロジェクト：切り替える",
    "discord.command.last": "最後に完成した動画をもう一度送る（再レンダリングなし）",
    "discord.command.cancel": "ここでのボットの処理を止める：待機中のメッセージ、実行中の"
        "リクエスト、レンダリング",
    "discord.command.format": "プロジェクトのフォーマットと目標の長さを選ぶ",
    "discord.option.ratio": "アスペクト比",
    "discord.option.length": "目標の長さ",
    "telegram.command.format": "フォーマット（TikTok、YouTube など）と長さを選ぶ",
    "telegram.command.projects": "最近のプロジェクト：切り替える",
    "telegram.command.last": "最後に完成した動画をもう一度送る",
    "recovery_unchanged": "NemoVideo が終える前に接続が切れ、その後プロジェクトは変わっていません。"
        "上の回答は途中で切れている可能性があります。足りない場合はリクエストをもう一度送ってください。",
    "busy_retrying": "NemoVideo は現在混み合っています。"
        "{seconds} 秒後にもう一度リクエストを送ります。",
    "render.no_credits": "クレジットがなくなりました。nemovideo.com でチャージしてから、"
        "もう一度「書き出し」をタップしてください。",
    "render.no_credits_anonymous": "クレジットがなくなりました。無料で登録するとクレジットが増え、"
        "このプロジェクトも残せます。その後もう一度書き出してください。",
    "err_bad_answer": "NemoVideo から読み取れない応答が返りました（エラー {error_id}）。"
        "数分後にもう一度お試しください。",
    "agent_error_partial": "NemoVideo が終える前に問題が起きたため、上の回答は不完全かもしれ"
        "ません。もう一度試すか、言い方を変えてください。",
    "err_token_limit_no_link": "NemoVideo は現在このサーバーから新しい無料アカウントを作成"
        "できません。しばらくしてからもう一度お試しください。",
    "err_project_lost_again": "NemoVideo は新しいプロジェクトも見つけられません。"
        "数分後にもう一度お試しください。",
    "telegram.unusable": "それは使えません。動画クリップ、写真、音楽を送るか、"
        "作りたいものを書いてください。",
    "console.folder": "{names}：フォルダーです。中のファイルを添付してください："
        "/attach \"{names}\"/*",
    "upload_not_done": "アップロードは完了しませんでした。",
    "render.timed_out_seconds": "{seconds} 秒経ってもレンダリングが終わらないため、"
        "待つのをやめました。「書き出し」をタップしてもう一度お試しください。",
    "telegram.old_button": "このボタンは古すぎて、どのトピックのものか分かりません。"
        "そのトピックでコマンドを送ってください。",
    "err_file_unavailable": "送られたファイルをチャットアプリから取得できなかったため、"
        "アップロードしていません。もう一度送ってください。",
    "err_no_credits_operator": "このボットの NemoVideo アカウントのクレジットがなくなりました。"
        "ボットの運営者に知らせてください。",
    "discord.mention_me": "メンションのない返信は読めません。@メンションをオンにして返信し直すか、"
        "メッセージの先頭に私の名前を入れてください。",
    "discord.unknown_button": "このボタンはもう使えません。"
        "/help を送ると、できることが分かります。",
    "render.no_draft_media": "ファイルはプロジェクトにありますが、まだタイムラインにありません。"
        "どうするか教えてください（例：「クリップをつないで30秒の動画にして」）。そのあと書き出します。",
    "render.cancel_not_yours": "この動画を依頼した人か管理者だけがキャンセルできます。",
    "err_files_unavailable": (
        "チャットアプリから {name} を取得できなかったため、送られた {count} "
        "個のファイルはどれもアップロードされていません。もう一度送ってください。"),
    "telegram.addressing": "このグループでは、コマンド、{bot} へのメンション、"
                           "私のメッセージへの返信だけが見えます。"
                           "ファイルは私のメッセージへの返信として送ってください。",
    "choice_used": "それらの選択肢はすでに1つ選ばれています。次にしたいことを入力してください。",
    "render.blocked_operator": "このボットの NemoVideo プランでは書き出しできません。"
                               "ボットの運営者に知らせてください。",
    "answer_cut": "（回答が長すぎるため、ここではすべて表示できません：{count} 文字を省略しました。"
                  "短い回答を頼んでください。）",
    "render.lost_project": "このレンダリングは失われ、"
                           "このチャットのプロジェクトも一緒に失われました："
                           "サービスの保存領域がリセットされました。"
                           "素材をもう一度送って新しいプロジェクトを始めてください。",
    "render.fetching": "レンダリング完了。動画を取得してここに送っています…",
    "console.try_simulate": "NemoVideo なしで試すには `nemobot chat --simulate`"
                            "（内蔵シミュレーター）を実行してください。",
    "example.sea": "夕暮れの海の 10 秒の動画を作って",
    "example.what": "何ができますか？",
    "stats.not_counted": "• {unit}：集計していません（上限があるときだけ集計します）",
}
