"""Japanese (ja): translations of the registered texts, by key."""

from __future__ import annotations

TEXTS: dict[str, str] = {
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
    "access.refused": "申し訳ありません。このボットは運営者が許可した人だけが使えます。"
        "使えるはずだと思う場合は、運営者に問い合わせてください。（このお知らせは 1 日 1 回です。"
        "）",
    "access.admin_only": "/{command} はボットの管理者だけが使えます。",
    "access.private_only": "/{command} は私との個人チャットでのみ使えます。",
    "access.entries_usage": "/{command} に続けて 1 つ以上のエントリを送ってください："
        "telegram:user:<id>、telegram:chat:<id>、discord:user:<id>、discord:guild:<id>、"
        "discord:role:<id>、discord:channel:<id>（数字だけの場合はこのプラットフォームのユーザーで"
        "す）。",
    "access.bad_entry": "読み取れません：{error}",
    "access.allowed": "許可しました：{entries}。今後ボットを使えるのは、"
        "許可リストにあるもの（{count} 件）と管理者だけです。",
    "access.allowed_but_blocked": "まだブロックされています（ブロックが優先されます）：{entries}。"
        "許可するには /unblock を使ってください。",
    "access.blocked": "ブロックしました：{entries}。今後そのメッセージは拒否されます。",
    "access.unblocked": "ブロックを解除しました：{entries}。",
    "access.not_blocked": "ブロックされていません：{entries}。",
    "access.link_no_key": "このボットでは、自分の NemoVideo アカウントの連携は無効になっています："
        "運営者がトークンを暗号化して保存するための秘密鍵を設定していません。"
        "トークンは保存されていません。",
    "access.new_confirm": "新しいプロジェクトを始めますか？このチャットの全員にとって、"
        "現在のプロジェクトは失われます。",
    "access.new_confirm_button": "はい、最初からやり直す",
    "quota.over_user": "{window}の{unit}の上限 {limit} のうち {used} を使用済みのため、これは "
        "NemoVideo に送りませんでした。上限は {reset} にリセットされます（あと {wait}）。",
    "quota.over_chat": "このチャットは{window}の{unit}の上限 {limit} のうち {used} "
        "を使用済みのため、これは NemoVideo に送りませんでした。上限は {reset} "
        "にリセットされます（あと {wait}）。",
    "quota.unit.messages": "メッセージ",
    "quota.unit.renders": "レンダリング",
    "quota.unit.credits": "クレジット",
    "quota.window.hour": "この 1 時間",
    "quota.window.day": "今日",
    "quota.window.month": "今月",
    "quota.per.hour": "1 時間あたり",
    "quota.per.day": "1 日あたり",
    "quota.per.month": "1 か月あたり",
    "quota.unlimited": "無制限",
    "quota.usage": "/quota <ユーザー> に続けて上限を送ってください。例：/quota telegram:user:123 "
        "renders=5/day messages=30/hour credits=500/month。上限には数値、'unlimited'、"
        "'default'（設定値に戻す）が使えます。",
    "quota.limits_of": "{subject} の上限：{limits}。",
    "dur.minutes": "{m} 分",
    "dur.hours": "{h} 時間 {m} 分",
    "dur.days": "{d} 日 {h} 時間",
    "stats.you": "あなたの利用状況（今日 / 今月）：",
    "stats.chat": "このチャット（今日 / 今月）：",
    "stats.line": "• {unit}：{today} / {month}{limit}",
    "stats.limit": "（上限 {per} {limit}：{used} 使用済み、{reset} にリセット）",
    "stats.admin": "あなたはこのボットの管理者です：上限はありません。",
    "admin.totals": "合計（今日 / 今月）：{day} / {month}",
    "admin.counts": "メッセージ {messages} 件、レンダリング {renders} 件、クレジット {credits}",
    "admin.top": "今月の利用が多いユーザー：",
    "admin.top_none": "今月の利用が多いユーザー：まだいません",
    "admin.access": "今日拒否したメッセージ：{refused}。ブロック中：{blocked}。許可リスト："
        "{allow}。",
    "admin.everyone": "全員",
    "admin.none": "なし",
    "admin.overrides": "個別の上限：{overrides}",
    "admin.errors": "直近 1 時間の NemoVideo の失敗：{errors}",
    "admin.backlog": "未完了のレンダリング（{platform}）：{backlog}",
    "admin.balance": "運営者の残高：利用可能 {available}、確保済み {frozen}",
    "admin.balance_unknown": "運営者の残高：不明（{error}）",
    "admin.no_operator": "運営者の残高：NEMO_TOKEN なし（チャットごとに自分のアカウントを使用）",
    "admin.alerts": "アラートの送信先：{chat}",
    "alert.token_refused": "⚠️ NemoVideo が運営者のトークン（NEMO_TOKEN、コード 1001）"
        "を拒否しました。差し替えるまで、これを使うチャットは何もできません。",
    "alert.credits_out": "⚠️ 運営者の NemoVideo アカウントのクレジットがなくなりました（コード "
        "2001）。nemovideo.com でチャージしてください。",
    "alert.credits_low": "⚠️ 運営者の NemoVideo 残高が {available} クレジットで、"
        "ALERT_CREDITS_BELOW（{threshold}）を下回っています。",
    "alert.backend_failing": "⚠️ NemoVideo の失敗が続いています：直近 {minutes} 分で {count} "
        "回失敗（最後：{error}）。",
    "alert.backlog": "⚠️ レンダリングの待ちが増え続けています：未完了 {counts} 件（{platform}）。",
    "button.export": "書き出し",
    "button.status": "ステータス",
    "button.credits": "クレジット",
    "button.new": "新規プロジェクト",
    "button.cancel": "キャンセル",
    "welcome": "準備ができました。動画クリップ、写真、音楽を送るか、"
        "作りたい動画を説明してください（例：「クリップをつなげて、トランジション付きの 60 "
        "秒の動画にして」）。MP4 が欲しいときは「書き出し」と送ってください。",
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
    "upload_link_failed": "NemoVideo は {links} を取得できませんでした：{reason}。"
        "ログインせずにブラウザで開けるリンクか確認するか、ファイルそのものを送ってください。",
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
    "err_unsupported": "NemoVideo はそのファイルを使えません：形式に対応していないか、"
        "動画・画像・音声として読み込めませんでした。対応形式：{formats}。",
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
    "err_auth": "NemoVideo がボットの認証情報を拒否しました。"
        "このボットの運営者に知らせてください。",
    "err_auth_told": "NemoVideo がボットの認証情報を拒否しました。運営者に通知済みです。",
    "err_unavailable": "NemoVideo が現在応答していません。数分後にもう一度お試しください。",
    "err_unexpected": "申し訳ありません、こちら側で問題が発生しました（エラー {error_id}）。",
    "link_private_only": "安全のため、/link は私との個人チャットでのみ使えます。"
        "ここにトークンを送ってしまった場合は、nemovideo.com で無効にしてください。",
    "link_private_only_not_deleted": "安全のため、/link は私との個人チャットでのみ使えます。"
        "ここにあるあなたのメッセージは削除できませんでした（権限がありません）：ご自身で削除し、"
        "nemovideo.com でトークンを無効にしてください。",
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
    "queued_many": "了解しました：{count} 件のメッセージが待機中です。順番に返答します。",
    "queue_full": "ここではすでに {count} 件のメッセージが待機中のため、"
        "このメッセージは受け付けませんでした。それらに返答した後で、もう一度送ってください。",
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
    "render.ready_link": "動画ができました。ここで送れる上限の {limit} を超えているため、"
        "ダウンロードリンクをお送りします。",
    "render.ready_link_refused": "動画ができました。ここではファイルとして送れなかったため、"
        "ダウンロードリンクをお送りします。",
    "render.ready_link_only": "動画ができました：ダウンロードリンクはこちらです。",
    "render.ready_fetch_failed": "動画ができました。ファイルを取得できなかったため、"
        "ダウンロードリンクをお送りします。",
    "render.ready_no_file": "動画ができましたが、NemoVideo "
        "からダウンロードリンクが届きませんでした。プロジェクトを開いて入手してください。",
    "render.done": "レンダリング完了。",
    "render.done_recovered": "動画ができました。届いていない場合は、下のリンクを使ってください。",
    "render.download": "ダウンロード",
    "render.open_project": "プロジェクトを開く",
    "console.intro": "メッセージを入力して Enter を押してください。/attach ファイル ... "
        "でファイルを送信、/help でコマンド一覧、Ctrl-C で実行中の処理を停止、Ctrl-D または /quit "
        "で終了します。",
    "console.help": "このターミナルでは：\n"
        "  /attach ファイル ...   ファイルを送る：パスは {start} から。~ "
        "とワイルドカードも使えます（/attach ~/clips/*.mp4）。空白を含む名前は引用符で囲みます："
        "/attach \"my clip.mp4\"\n"
        "  /quit                  終了（Ctrl-D でも可。Ctrl-C は実行中の処理を停止）\n"
        "  1、2、...              メッセージの下にある番号付きの選択肢を選ぶ\n"
        "完成した動画は {downloads} に保存されます。\n"
        "チャットのコマンド：",
    "console.unknown_command": "/{name} というコマンドはありません。/help と入力してください。",
    "console.attach_usage": "使い方：/attach ファイル [ファイル ...]（例：/attach clip.mp4 "
        "song.mp3）。",
    "console.not_found": "{start} に見つかりません：{names}。",
    "console.quote_hint": "空白を含む名前は引用符で囲んでください：/attach \"my clip.mp4\"。",
    "console.bad_quotes": "その行を読み取れませんでした（{error}）。"
        "空白を含む名前は引用符で囲んでください：/attach \"my clip.mp4\"。",
    "console.no_choice": "今は選択肢 {number} はありません。",
    "console.choices": "番号を入力して選んでください：",
    "console.stopping": "停止しています…（終了するにはもう一度 Ctrl-C）",
    "console.again_to_quit": "終了するにはもう一度 Ctrl-C か Ctrl-D を押してください。",
    "console.wait_renders": "{count} 件のレンダリングがまだ実行中です。終わるまで待ちますか？ "
        "[Y/n] ",
    "console.waiting": "{count} 件のレンダリングを待っています…（今すぐ終了するには Ctrl-C）",
    "console.left_renders": "{count} 件のレンダリングが未完了のまま終了しました：次回の `nemobot "
        "chat` で届きます。",
    "console.saved": "{path} に保存しました",
    "console.link": "{label}：{url}",
    "console.uploading": "アップロード中",
    "console.uploaded": "アップロード完了",
    "console.rendering": "レンダリング中",
    "console.rendered": "レンダリング完了",
    "console.stopped": "停止",
    "console.left": "残り",
    "console.of": "/",
    "console.error_logged": "（エラーを {path} に記録しました）",
    "discord.command.link": "自分の NemoVideo アカウントを連携（ボットとの DM で）",
    "discord.option.token": "NemoVideo のトークン（nmv_usr_...）",
    "discord.command.admin": "管理者：利用状況、アクセスリスト、失敗、残高",
    "discord.option.entries": "例：discord:role:123 discord:user:456、またはメンション",
    "discord.command.quota": "管理者：ユーザー個別の上限",
    "discord.option.user": "discord:user:<id>、メンション、またはチャンネルのエントリ",
    "discord.option.limits": "例：renders=5/day messages=30/hour credits=500/month",
    "discord.command.language": "ボットが返答する言語を選ぶ",
    "discord.option.language": "言語（省略すると選択肢を表示）",
    "discord.command.export": "動画をレンダリングしてここに送る",
    "discord.command.status": "プロジェクトのタイムラインとレンダリング状況を表示",
    "discord.command.credits": "この会話の NemoVideo クレジットを表示（あなただけに表示）",
    "discord.command.new": "このチャンネルで新しいプロジェクトを始める",
    "discord.command.stats": "上限に対するあなたのメッセージ、レンダリング、"
        "クレジット（あなただけに表示）",
    "discord.command.help": "ボットが理解できること",
    "discord.command.allow": "管理者：ユーザー、ロール、チャンネル、サーバーにボットの利用を許可",
    "discord.command.block": "管理者：ユーザー、ロール、チャンネル、サーバーを拒否",
    "discord.command.unblock": "管理者：ブロックを解除",
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
    "telegram.command.stats": "利用状況と上限",
    "telegram.command.language": "返答する言語を選ぶ",
    "telegram.command.help": "ボットが理解できること",
    "telegram.command.admin": "利用状況、アクセスリスト、失敗、残高",
    "telegram.command.allow": "ユーザー、チャット、ロールにボットの利用を許可",
    "telegram.command.block": "ユーザー、チャット、ロールを拒否",
    "telegram.command.unblock": "ブロックを解除",
    "telegram.command.quota": "ユーザー個別の上限",
}
