"""Japanese (ja): translations of the registered texts, by key."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "button.export": "書き出し",
    "button.status": "ステータス",
    "button.credits": "クレジット",
    "button.new": "新規プロジェクト",
    "button.cancel": "キャンセル",
    "timeline.empty": "タイムラインは空です",
    "timeline.summary_one": "タイムライン（1 トラック）：{items}",
    "timeline.summary": "タイムライン（{count} トラック）：{items}",
    "timeline.item": "{number}. {kind}：{label}（{details}）",
    "timeline.video": "動画",
    "timeline.bgm": "BGM",
    "timeline.music": "音楽",
    "timeline.title": "タイトル",
    "timeline.track": "トラック",
    "timeline.track_type": "トラック（タイプ {code}）",
    "timeline.more": "{label} ほか {count} 件",
    "timeline.untitled": "無題",
    "timeline.track_empty": "空",
    "change.named": "{prefix}（{label}）",
    "change.replaced": "{prefix}を変更：{old} -> {new}（{details}）",
    "change.track": "{prefix}：{parts}",
    "change.clips_one": "1 クリップ",
    "change.clips": "{count} クリップ",
    "change.reordered": "クリップの順番を変更",
    "change.clips_changed": "クリップを変更",
    "change.volume_set": "{prefix}の音量：{volume}%",
    "change.volume_default": "{prefix}の音量：既定値",
    "change.volume": "{prefix}の音量：{old}% -> {new}%",
    "change.removed": "{prefix}を削除：{label}",
    "change.added": "{prefix}を追加：{label}（{details}）",
    "change.title_changed": "タイトルを変更：{old} -> {new}",
    "change.title_moved": "タイトル {label}：{moved}",
    "change.title_removed": "タイトルを削除：{label}",
    "change.title_added": "タイトルを追加：{label}（{span}）",
    "change.project_title": "プロジェクト名：「{old}」 -> 「{new}」",
    "change.canvas": "キャンバス：{old} -> {new}",
    "welcome": "準備ができました。動画クリップ、写真、音楽を送るか、"
        "作りたい動画を説明してください（例：「クリップをつなげて、トランジション付きの 60 "
        "秒の動画にして」）。MP4 が欲しいときは「書き出し」と送ってください。",
    "help": "クリップ、写真、音楽（各 500 MB まで：{formats}）またはそのリンクを送って、"
        "作りたいものを教えてください。\n"
        "/export - 動画をレンダリングしてここに送る\n"
        "/status - タイムラインを表示\n"
        "/credits - クレジット残高を表示\n"
        "/new - 新しいプロジェクトを始める\n"
        "/cancel - 待機中のメッセージを破棄し、レンダリングを中止\n"
        "/language - 返答する言語を選ぶ\n"
        "/link <token> - 自分の NemoVideo アカウントを使う（個人チャットのみ）",
    "queued": "了解しました。今の処理の後で対応します：{what}",
    "queued_files": "あなたのファイル",
    "unavailable": "現在メッセージを受け付けられません。1 分後にもう一度お試しください。",
    "stopped": "停止しました。NemoVideo がすでに始めていた処理には料金がかかる場合があります。",
    "upload_interrupted": "再起動したため、{names} のアップロードが中断されました。"
        "もう一度送ってください。",
    "choice_expired": "そのボタンは以前のメッセージのものです。最新のボタンを使うか、"
        "やりたいことを入力してください。",
    "cancelled": "キャンセルしました：待機中のメッセージ {messages} 件を破棄し、レンダリング "
        "{renders} 件を停止しました。",
    "nothing_to_cancel": "キャンセルするものはありません。",
    "new_project": "新しいプロジェクトを作成しました。クリップを送るか、"
        "作りたい動画を説明してください。",
    "project_lost": "以前のプロジェクトは NemoVideo で利用できなくなったため、"
        "新しいプロジェクトを作成しました。",
    "credits": "クレジット：利用可能 {available}、処理中の作業に確保済み {frozen}（合計 {total}）"
        "。",
    "credits_anonymous": "無料のお試しアカウントを使用中です。"
        "登録するとプロジェクトを保存できます：{url}",
    "status_empty": "タイムラインは空です。クリップを送るか、動画を説明して始めましょう。",
    "status_renders": "レンダリング中：{count} 件",
    "upload_what": "ここにファイルを送ってください（動画、写真、音楽。各 500 MB まで：{formats}）"
        "。ファイルのリンクを貼り付けても構いません。",
    "uploading": "{count} 個のファイルをアップロード中...",
    "uploading_progress": "{count} 個のファイルをアップロード中... {percent}%",
    "uploaded": "受け取りました：{files}",
    "upload_refused_type": "{names} は使えません：このファイル形式には対応していません。対応形式："
        "{formats}。",
    "upload_refused_size": "{names} は 500 MB を超えています。短くするか圧縮して、"
        "もう一度送ってください。",
    "upload_next": "次に、作りたいものを教えてください。例：「クリップをつなげて 30 "
        "秒の動画にして」。",
    "still_working": "⏳ まだ処理中です...",
    "edit_done": "完了しました。{changes}",
    "edit_nothing_changed": "エージェントの処理は終わりましたが、"
        "タイムラインは変わりませんでした。別の言い方で編集内容を説明してみてください。",
    "next_steps": "次にできること：{steps}",
    "step_title": "タイトルを追加",
    "step_music": "BGM を追加",
    "step_trim": "15 秒にカット",
    "step_export": "書き出し",
    "step_combine": "クリップをつなげる",
    "recovering": "NemoVideo との接続が切れました。リクエストは再送していません。"
        "処理が完了したか確認しています...",
    "recovered": "処理は完了していました。{changes}",
    "recovery_failed": "NemoVideo はそのリクエストを完了しませんでした。"
        "二重に課金されてはいません。もう一度送ると再試行します。",
    "timed_out": "NemoVideo から長い間応答がないため、待つのをやめました。"
        "もう一度リクエストを送ると再試行します。",
    "agent_error": "NemoVideo でそのリクエストの処理中に問題が起きました。もう一度試すか、"
        "言い方を変えてみてください。",
    "resumed": "「{text}」の処理中に再起動しました。結果を確認しています...",
    "err_no_credits_anonymous": "クレジットがなくなりました。"
        "無料で登録するとクレジットを追加でき、このプロジェクトも保存できます：{url}",
    "err_no_credits": "クレジットがなくなりました。続けるには nemovideo.com "
        "でチャージしてください。",
    "err_unsupported": "このファイル形式には対応していません。対応形式：{formats}。",
    "err_too_large": "ファイルが 500 MB を超えています。短くするか圧縮して、"
        "もう一度送ってください。",
    "err_export_blocked": "現在のプランでは書き出しできません（クレジットの問題ではありません）。"
        "登録するかプランをアップグレードすると書き出せるようになります。",
    "err_rate_limited": "NemoVideo は現在混み合っています。1 分後にもう一度お試しください。",
    "err_token_limit": "NemoVideo は現在、このサーバーから新しい無料アカウントを作成できません。"
        "ご自身の NemoVideo アカウントを連携してください：個人チャットで /link <あなたのトークン> "
        "を送ってください。",
    "err_linked_expired": "連携中の NemoVideo トークンが拒否されました（期限切れまたは無効化）。"
        "個人チャットで /link <新しいトークン> を送ってください。",
    "err_auth": "NemoVideo がボットの認証情報を拒否しました。運営者に通知済みです。",
    "err_unavailable": "NemoVideo が現在応答していません。数分後にもう一度お試しください。",
    "err_unexpected": "申し訳ありません、こちら側で問題が発生しました（エラー {error_id}）。",
    "link_private_only": "安全のため、/link は私との個人チャットでのみ使えます。"
        "ここにトークンを送ってしまった場合は、nemovideo.com で無効にしてください。",
    "link_usage": "/link に続けて NemoVideo のトークン（nmv_usr_ で始まります）を送ってください。",
    "link_done": "連携しました：このチャットではご自身の NemoVideo アカウントを使います。"
        "トークンを含むメッセージは削除しました。",
    "link_done_not_deleted": "連携しました：このチャットではご自身の NemoVideo "
        "アカウントを使います。トークンを含むメッセージを削除してください。",
    "link_refused": "NemoVideo はそのトークンを受け付けませんでした。"
        "確認してもう一度お試しください。",
    "export_unavailable": "ここでは現在書き出しできません。",
    "language_choose": "現在の返答言語：{current}。言語を選んでください：",
    "language_unknown": "「{given}」という言語には対応していません。次の中から選んでください：",
    "language_set": "これからは日本語で返答します。明らかに別の言語で書かれたメッセージには、"
        "その言語で返答します。",
    "render.started": "レンダリング中…",
    "render.progress": "レンダリング中… {progress}%",
    "render.retrying": "レンダリング中…（1 回目が失敗したため再試行しています）",
    "render.no_draft": "まだ書き出せるものがありません。"
        "クリップをアップロードするか作りたい動画を説明してから、書き出しを頼んでください。",
    "render.session_lost": "そのプロジェクトは NemoVideo 上にもうありません。"
        "クリップを送るか動画を説明して、新しく始めてください。",
    "render.blocked": "この NemoVideo プランでは書き出しできません。NemoVideo "
        "アカウントを登録またはアップグレードすると書き出せるようになります。",
    "render.register": "登録する",
    "render.submit_failed": "レンダリングを開始できませんでした（{error}）。"
        "少し待ってからもう一度お試しください。",
    "render.failed": "レンダリングが 2 回失敗しました（{error}）。"
        "「書き出し」をタップしてもう一度お試しください。",
    "render.timed_out": "{minutes} 分経ってもレンダリングが終わらないため、待つのをやめました。"
        "「書き出し」をタップしてもう一度お試しください。",
    "render.cancelled": "レンダリングをキャンセルしました。",
    "render.lost": "このレンダリングは失われました：サービスが再起動して記録が消えました。"
        "「書き出し」をタップしてもう一度お試しください。",
    "render.cancelled_remote": "レンダリングは NemoVideo 側でキャンセルされました。"
        "「書き出し」をタップするともう一度始めます。",
    "render.ready": "動画ができました",
    "render.ready_link": "動画ができました。ここで送るには大きすぎるため、"
        "ダウンロードリンクをお送りします。",
    "render.ready_fetch_failed": "動画ができました。ファイルを取得できなかったため、"
        "ダウンロードリンクをお送りします。",
    "render.ready_no_file": "動画ができましたが、NemoVideo "
        "からダウンロードリンクが届きませんでした。プロジェクトを開いて入手してください。",
    "render.done": "レンダリング完了：動画は下にあります。",
    "render.done_recovered": "動画ができました。届いていない場合は、下のリンクを使ってください。",
    "render.download": "ダウンロード",
    "render.open_project": "プロジェクトを開く",
    "discord.command.link": "自分の NemoVideo アカウントを連携（トークンは非公開のまま）",
    "discord.option.token": "NemoVideo のトークン（nmv_usr_...）",
    "discord.command.language": "ボットが返答する言語を選ぶ",
    "discord.option.language": "言語（省略すると選択肢を表示）",
    "discord.command.export": "動画をレンダリングしてここに送る",
    "discord.command.status": "プロジェクトのタイムラインとレンダリング状況を表示",
    "discord.command.credits": "この会話の NemoVideo クレジットを表示（あなただけに表示）",
    "discord.command.new": "このチャンネルで新しいプロジェクトを始める",
    "discord.command.help": "ボットが理解できること",
    "telegram.too_big": "{names}：{limit} MB を超えています。これはボットが Telegram "
        "から取得できる最大サイズです。代わりにダウンロードリンク（Google Drive、Dropbox、"
        "その他の直接リンク）を送ってください。ボットの運営者はローカルの Bot API "
        "サーバーを動かすことでこの制限を解除できます。",
    "telegram.command.start": "このチャットでプロジェクトを始める",
    "telegram.command.new": "新しいプロジェクトを始める",
    "telegram.command.export": "動画をレンダリングしてここに送る",
    "telegram.command.status": "タイムラインとレンダリング状況を表示",
    "telegram.command.credits": "NemoVideo のクレジットを表示",
    "telegram.command.cancel": "待機中のメッセージとレンダリングをキャンセル",
    "telegram.command.link": "NemoVideo アカウントを連携（個人チャット）",
    "telegram.command.language": "返答する言語を選ぶ",
    "telegram.command.help": "ボットが理解できること",
}
