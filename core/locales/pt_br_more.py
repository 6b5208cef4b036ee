"""Brazilian Portuguese (pt-BR), continued: projects, formats, render progress, the
answers' options and the help lines, by key (merged with `pt_br.TEXTS` in
`core.locales`)."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "welcome.examples": "Ou toque em um exemplo para começar. Para TikTok, Reels, Shorts ou "
        "YouTube, escolha um formato com /format.",
    "welcome.formats": "Para TikTok, Reels, Shorts ou YouTube, escolha um formato com /format.",
    "example.trim": "Corte os primeiros 5 segundos",
    "example.music": "Adicione uma música de fundo cinematográfica",
    "example.promo": "Gere um clipe promocional de 30 s",
    "button.format": "Formato",
    "help.intro": "Envie clipes, fotos ou música (até 500 MB cada: {formats}) ou um link para um "
        "arquivo e depois me diga o que fazer.",
    "help.arg.code": "código",
    "help.arg.token": "token",
    "help.arg.who": "quem",
    "help.start": "dizer oi e ver exemplos de pedidos",
    "help.new": "começar um novo projeto (o anterior fica em /projects)",
    "help.export": "renderizar o vídeo e enviá-lo aqui",
    "help.status": "ver a linha do tempo",
    "help.format": "escolher o formato do projeto e a duração desejada",
    "help.projects": "listar os projetos recentes deste chat e alternar entre eles",
    "help.last": "reenviar o último vídeo pronto (sem nova renderização)",
    "help.credits": "ver seu saldo de créditos",
    "help.cancel": "descartar as mensagens na fila, parar o pedido atual e cancelar as "
        "renderizações",
    "help.upload": "como enviar arquivos",
    "help.stats": "seu uso e seus limites",
    "help.language": "escolher o idioma das minhas respostas",
    "help.link": "usar sua própria conta NemoVideo (só no chat privado)",
    "help.help": "esta lista",
    "help.admin": "administradores: o uso do bot, as listas de acesso e o funcionamento",
    "help.allow": "administradores: liberar um usuário, chat, servidor, cargo ou canal",
    "help.block": "administradores: bloquear um usuário, chat, servidor, cargo ou canal",
    "help.unblock": "administradores: remover um bloqueio",
    "help.quota": "administradores: definir os limites próprios de um usuário ou chat",
    "format.9:16": "9:16 TikTok, Reels, Shorts",
    "format.16:9": "16:9 YouTube",
    "format.1:1": "1:1 Quadrado",
    "format.4:5": "4:5 Feed",
    "format.seconds": "{seconds} s",
    "format.free": "não definido",
    "format.pick": "Escolha um formato e uma duração desejada (ou pule esta parte e apenas "
        "descreva seu vídeo):",
    "format.current": "Formato: {aspect}. Duração desejada: {length}.",
    "format.length_next": "Qual deve ser a duração?",
    "format.usage": "Não entendi esse formato. Use /format com 9:16, 16:9, 1:1 ou 4:5 e/ou uma "
        "duração como 30s, ou toque em um botão.",
    "format.regenerates": "Seu vídeo até agora está em {old}. Mudar a proporção significa que a "
        "NemoVideo gera o vídeo de novo (isso usa créditos), então ainda não o gerei de novo. As "
        "novas instruções e exportações usam {new}: exportado assim, o vídeo fica entre barras "
        "pretas. Toque abaixo para gerar de novo agora.",
    "format.regenerate_button": "Gerar de novo em {aspect}",
    "format.regenerate_text": "Gere o vídeo de novo na proporção {aspect}, mantendo o conteúdo.",
    "projects.none": "Ainda não há projetos neste chat. Descreva um vídeo ou envie clipes para "
        "começar um; /new começa outro, e o anterior continua nesta lista.",
    "projects.title": "Projetos recentes neste chat:",
    "projects.line": "{index}. {name}: editado {edited}",
    "projects.rendered": ", renderizado {when}",
    "projects.current": " (atual)",
    "projects.switch_hint": "Toque em um para mudar para ele.",
    "projects.untitled": "Projeto sem título",
    "projects.unknown": "Não conheço esse projeto. Envie /projects para ver a lista.",
    "projects.already": "Você já está trabalhando em {name}.",
    "projects.switched": "Agora você está em {name}.",
    "projects.gone": "{name} não está mais disponível na NemoVideo, então tirei da lista.",
    "ago.now": "agora mesmo",
    "ago.minutes": "há {n} min",
    "ago.hours": "há {n} h",
    "ago.days": "há {n} d",
    "last.none": "Ainda não há nenhum vídeo pronto aqui. Diga \"exportar\" para renderizar um.",
    "last.gone": "Não consigo mais reenviar esse vídeo. Diga \"exportar\" para renderizá-lo.",
    "limits.streaming": "Não consigo usar links de {services}: a NemoVideo não consegue pegar "
        "música ou vídeo de serviços de streaming. A biblioteca integrada tem estilos parecidos: "
        "me diga o clima ou o gênero (\"adicione uma música lo-fi animada\") ou envie o próprio "
        "arquivo.",
    "limits.library_button": "Usar música integrada",
    "limits.library_text": "Adicione uma música de fundo da biblioteca integrada que combine com "
        "o vídeo.",
    "limits.slideshow": "Só com fotos, o resultado é uma apresentação de slides: cada foto aparece "
        "por alguns segundos, com transições, e música ou um título se você quiser.",
    "limits.slideshow_button": "Fazer uma apresentação",
    "limits.slideshow_text": "Faça uma apresentação de slides de {seconds} segundos com minhas "
        "fotos, com transições suaves e música de fundo.",
    "queued.next": "Entendido, é o próximo da fila: {what}",
    "queued.place": "Entendido, é o número {place} da fila: {what}",
    "queued.choice": "a opção que você escolheu",
    "render.progress_seconds": "Renderizando… {progress}% (faltam cerca de {seconds} s)",
    "render.progress_minutes": "Renderizando… {progress}% (faltam cerca de {minutes} min)",
    "render.already_finished": "Essa renderização já terminou.",
    "render.ready_named": "Vídeo pronto: {name}",
    "render.reused_running": "Esta versão já está sendo renderizada (veja acima): vou enviá-la uma "
        "vez só, quando estiver pronta.",
    "render.reused_done": "Nada mudou desde a última renderização, então aqui está ele de novo "
        "(sem nova renderização).",
    "gui_export": "Diga \"exportar\" quando quiser o vídeo.",
    "gui_drag": "É só me dizer o que mover ou mudar que eu faço.",
    "gui_click": "É só me dizer o que você quer que eu faço.",
    "gui_click_named": "Diga \"{label}\" que eu faço.",
    "gui_click_named_for": "Diga \"{label}\" {rest}.",
    "gui_done": "Pronto.",
    "takes_minutes": "Isso pode levar alguns minutos.",
    "stage_working": "Trabalhando…",
    "stage_generating": "Gerando o vídeo…",
    "stage_music": "Adicionando música…",
    "stage_title": "Adicionando um título…",
    "stage_exporting": "Exportando…",
    "stage_combining": "Juntando clipes…",
    "stage_trimming": "Cortando…",
    "stage_effects": "Adicionando efeitos…",
    "stage_volume": "Ajustando o som…",
    "stage_removing": "Removendo…",
    "stage_media": "Analisando sua mídia…",
    "generated_added": "A NemoVideo terminou o vídeo sozinha e adicionou: {tracks}. Mantenha tudo "
        "ou remova o que você não quiser.",
    "choice_keep_all": "Manter tudo",
    "choice_remove_music": "Remover música",
    "choice_remove_music_text": "remova a música de fundo",
    "choice_remove_title": "Remover título",
    "choice_remove_title_text": "remova o título",
    "choice_yes": "Sim",
    "choice_yes_text": "sim",
    "choice_no": "Não, obrigado",
    "choice_no_text": "não, obrigado",
    "discord.command.projects": "Os projetos recentes deste canal: alterne entre eles",
    "discord.command.last": "Reenviar o último vídeo pronto (sem nova renderização)",
    "discord.command.cancel": "Parar o que o bot faz aqui: mensagens na fila, o pedido em "
        "andamento, renderizações",
    "discord.command.format": "Escolher o formato do projeto e a duração desejada",
    "discord.option.ratio": "A proporção da tela",
    "discord.option.length": "A duração desejada",
    "telegram.command.format": "Escolher o formato (TikTok, YouTube...) e a duração",
    "telegram.command.projects": "Seus projetos recentes: alterne entre eles",
    "telegram.command.last": "Reenviar o último vídeo pronto",
    "recovery_unchanged": "A conexão caiu antes de a NemoVideo terminar, e o projeto não mudou "
        "desde então. A resposta acima pode estar incompleta: envie o pedido de novo se faltar "
        "algo.",
    "busy_retrying": "A NemoVideo está ocupada agora. Vou enviar seu pedido de novo em "
        "{seconds} s.",
    "render.no_credits": "Seus créditos acabaram. Recarregue em nemovideo.com e toque em "
        "Exportar de novo.",
    "render.no_credits_anonymous": "Seus créditos acabaram. Cadastre-se grátis para ganhar mais "
        "e manter este projeto, depois exporte de novo.",
    "err_bad_answer": "A NemoVideo enviou uma resposta que não consigo ler (erro {error_id}). "
        "Tente de novo em alguns minutos.",
    "agent_error_partial": "A NemoVideo teve um problema antes de terminar, então a resposta "
        "acima pode estar incompleta. Tente de novo ou diga de outro jeito.",
    "err_token_limit_no_link": "A NemoVideo não vai criar outra conta gratuita a partir deste "
        "servidor agora. Tente de novo mais tarde.",
    "err_project_lost_again": "A NemoVideo também não encontra o projeto novo. Tente de novo "
        "em alguns minutos.",
    "telegram.unusable": "Não consigo usar isso. Envie clipes de vídeo, fotos ou música, ou "
        "escreva o que você quer.",
    "console.folder": "{names}: é uma pasta. Anexe os arquivos dentro dela: "
        "/attach \"{names}\"/*",
    "upload_not_done": "O envio não foi concluído.",
    "render.timed_out_seconds": "A renderização ainda não terminou depois de {seconds} s, então "
        "parei de esperar. Toque em Exportar para tentar de novo.",
    "telegram.old_button": "Este botão é antigo demais para eu saber a qual tópico pertence. "
        "Envie o comando no tópico.",
    "err_file_unavailable": "Não consegui obter do app de chat o arquivo que você enviou, "
        "então ele não foi enviado. Envie de novo.",
    "err_no_credits_operator": "A conta NemoVideo deste bot ficou sem créditos. "
        "Avise quem administra este bot.",
    "discord.mention_me": "Não consigo ler respostas que não me mencionam. Responda de novo com "
        "a @menção ativada, ou comece sua mensagem com meu nome.",
    "discord.unknown_button": "Este botão não funciona mais. Envie /help para ver o que "
        "posso fazer.",
    "render.no_draft_media": "Seus arquivos estão no projeto, mas ainda não na linha do "
        "tempo. Diga o que fazer com eles (por exemplo \"junte meus clipes em um vídeo de 30 "
        "segundos\") e depois exporte.",
    "render.cancel_not_yours": "Só quem pediu este vídeo, ou um administrador, pode cancelá-lo.",
    "err_files_unavailable": (
        "Não consegui obter {name} do app de chat, então nenhum dos {count} "
        "arquivos que você enviou foi enviado. Envie-os de novo."),
    "telegram.addressing": "Neste grupo eu só vejo comandos, mensagens que mencionam {bot} e "
                           "respostas às minhas mensagens: envie arquivos como resposta a uma "
                           "das minhas mensagens.",
    "choice_used": "Uma dessas opções já foi escolhida. Escreva o que você quer em seguida.",
    "render.blocked_operator": "A exportação não está disponível no plano da NemoVideo deste "
                               "bot. Avise quem administra este bot.",
    "answer_cut": "(A resposta era longa demais para mostrar aqui: {count} caracteres foram "
                  "omitidos. Peça uma resposta mais curta.)",
    "render.lost_project": "Esta renderização se perdeu, e com ela o projeto deste chat: o "
                           "armazenamento do serviço foi reiniciado. Envie seus clipes de novo "
                           "para começar um projeto novo.",
    "render.fetching": "Renderizado. Buscando o vídeo para enviá-lo aqui…",
    "console.try_simulate": "Para testar o bot sem a NemoVideo, rode `nemobot chat --simulate` "
                            "(o simulador embutido).",
    "example.sea": "Gere um vídeo de 10 segundos do mar ao pôr do sol",
    "example.what": "O que você pode fazer?",
    "stats.not_counted": "• {unit}: não contados (só enquanto há um limite para eles)",
}
