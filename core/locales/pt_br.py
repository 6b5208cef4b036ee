"""Brazilian Portuguese (pt-BR): translations of the registered texts, by key."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "timeline.empty": "A linha do tempo está vazia",
    "timeline.summary_one": "Linha do tempo (1 faixa): {items}",
    "timeline.summary": "Linha do tempo ({count} faixas): {items}",
    "timeline.item": "{number}. {kind}: {label} ({details})",
    "timeline.video": "Vídeo",
    "timeline.bgm": "Música de fundo",
    "timeline.music": "Música",
    "timeline.title": "Título",
    "timeline.track": "Faixa",
    "timeline.track_type": "Faixa (tipo {code})",
    "timeline.more": "{label} e mais {count}",
    "timeline.untitled": "sem título",
    "timeline.track_empty": "vazia",
    "change.named": "{prefix} ({label})",
    "change.replaced": "{prefix}: {old} trocada por {new} ({details})",
    "change.track": "{prefix}: {parts}",
    "change.clips_one": "1 clipe",
    "change.clips": "{count} clipes",
    "change.reordered": "clipes reordenados",
    "change.clips_changed": "clipes alterados",
    "change.volume_set": "{prefix}: volume em {volume}%",
    "change.volume_default": "{prefix}: volume padrão",
    "change.volume": "{prefix}: volume {old}% -> {new}%",
    "change.removed": "{prefix}: {label} foi removido",
    "change.added": "{prefix}: {label} foi adicionado ({details})",
    "change.title_changed": "Título alterado: {old} -> {new}",
    "change.title_moved": "Título {label}: {moved}",
    "change.title_removed": "Título removido: {label}",
    "change.title_added": "Título adicionado: {label} ({span})",
    "change.project_title": "Título do projeto: '{old}' -> '{new}'",
    "change.canvas": "Tela: {old} -> {new}",
    "access.refused": "Desculpe, este bot está aberto só para as pessoas que o operador libera. "
        "Se você acha que deveria ser uma delas, fale com quem administra o bot. (Digo isso uma "
        "vez por dia.)",
    "access.admin_only": "Só os administradores do bot podem usar /{command}.",
    "access.private_only": "/{command} só funciona em um chat privado comigo.",
    "access.entries_usage": "Envie /{command} seguido de uma ou mais entradas: "
        "telegram:user:<id>, telegram:chat:<id>, discord:user:<id>, discord:guild:<id>, "
        "discord:role:<id>, discord:channel:<id> (um número sozinho é um usuário desta "
        "plataforma).",
    "access.bad_entry": "Não consigo ler isso: {error}",
    "access.allowed": "Liberado: {entries}. Agora só o que está na lista de liberados ({count} "
        "entradas) e os administradores podem usar o bot.",
    "access.allowed_but_blocked": "Continua bloqueado (o bloqueio tem prioridade): {entries}. Use "
        "/unblock para liberá-los.",
    "access.blocked": "Bloqueado: {entries}. As mensagens deles serão recusadas a partir de agora.",
    "access.unblocked": "Desbloqueado: {entries}.",
    "access.not_blocked": "Não estava bloqueado: {entries}.",
    "access.link_no_key": "Vincular sua própria conta NemoVideo está desativado neste bot: o "
        "operador não configurou uma chave secreta para guardar os tokens criptografados. Seu "
        "token não foi salvo.",
    "access.new_confirm": "Começar um novo projeto? Isso apaga o projeto atual para todo mundo "
        "neste chat.",
    "access.new_confirm_button": "Sim, começar de novo",
    "quota.over_user": "Você já usou {used} de {limit} {unit} {window}, então não enviei isto "
        "para a NemoVideo. O limite é renovado às {reset} (em {wait}).",
    "quota.over_chat": "Este chat já usou {used} de {limit} {unit} {window}, então não enviei "
        "isto para a NemoVideo. O limite é renovado às {reset} (em {wait}).",
    "quota.unit.messages": "mensagens",
    "quota.unit.renders": "renderizações",
    "quota.unit.credits": "créditos",
    "quota.window.hour": "nesta hora",
    "quota.window.day": "hoje",
    "quota.window.month": "este mês",
    "quota.per.hour": "por hora",
    "quota.per.day": "por dia",
    "quota.per.month": "por mês",
    "quota.unlimited": "ilimitado",
    "quota.usage": "Envie /quota <usuário> seguido dos limites, por exemplo /quota "
        "telegram:user:123 renders=5/day messages=30/hour credits=500/month. Um limite é um "
        "número, 'unlimited' ou 'default' (volta ao valor configurado).",
    "quota.limits_of": "Limites de {subject}: {limits}.",
    "dur.minutes": "{m} min",
    "dur.hours": "{h} h {m} min",
    "dur.days": "{d} d {h} h",
    "stats.you": "Seu uso (hoje / este mês):",
    "stats.chat": "Este chat (hoje / este mês):",
    "stats.line": "• {unit}: {today} / {month}{limit}",
    "stats.limit": " (limite {limit} {per}: {used} usados, renova às {reset})",
    "stats.admin": "Você é administrador deste bot: nenhum limite se aplica a você.",
    "admin.totals": "Totais hoje / este mês: {day} / {month}",
    "admin.counts": "{messages} mensagens, {renders} renderizações, {credits} créditos",
    "admin.top": "Usuários que mais usaram este mês:",
    "admin.top_none": "Usuários que mais usaram este mês: ninguém ainda",
    "admin.access": "Mensagens recusadas hoje: {refused}. Bloqueados: {blocked}. Lista de "
        "liberados: {allow}.",
    "admin.everyone": "todos",
    "admin.none": "nenhum",
    "admin.overrides": "Limites individuais: {overrides}",
    "admin.errors": "Falhas da NemoVideo na última hora: {errors}",
    "admin.backlog": "Renderizações não concluídas ({platform}): {backlog}",
    "admin.balance": "Saldo do operador: {available} disponíveis, {frozen} reservados",
    "admin.balance_unknown": "Saldo do operador: desconhecido ({error})",
    "admin.no_operator": "Saldo do operador: sem NEMO_TOKEN (cada chat tem sua própria conta)",
    "admin.alerts": "Os alertas vão para: {chat}",
    "alert.token_refused": "⚠️ A NemoVideo recusou o token do operador (NEMO_TOKEN, código 1001). "
        "Os chats que o usam não conseguem fazer nada até ele ser substituído.",
    "alert.credits_out": "⚠️ A conta NemoVideo do operador ficou sem créditos (código 2001). "
        "Recarregue em nemovideo.com.",
    "alert.credits_low": "⚠️ O saldo NemoVideo do operador é de {available} créditos, abaixo de "
        "ALERT_CREDITS_BELOW ({threshold}).",
    "alert.backend_failing": "⚠️ A NemoVideo continua falhando: {count} chamadas com falha nos "
        "últimos {minutes} minutos (a última: {error}).",
    "alert.backlog": "⚠️ A fila de renderizações não para de crescer: {counts} renderizações não "
        "concluídas ({platform}).",
    "button.export": "Exportar",
    "button.status": "Status",
    "button.credits": "Créditos",
    "button.new": "Novo projeto",
    "button.cancel": "Cancelar",
    "welcome": "Quando quiser. Envie clipes de vídeo, fotos ou música, ou descreva o vídeo que "
        "você quer (\"junte meus clipes em um vídeo de 60 segundos com transições\"). Diga "
        "\"exportar\" para receber o MP4.",
    "queued": "Entendido. Depois disso: {what}",
    "queued_files": "seus arquivos",
    "unavailable": "Não consigo receber mensagens agora. Tente de novo em um minuto.",
    "stopped": "Parei. A NemoVideo ainda pode cobrar pelo trabalho que já tinha começado.",
    "upload_interrupted": "O envio de {names} foi interrompido porque eu reiniciei. Envie de "
        "novo, por favor.",
    "choice_expired": "Esses botões são de uma mensagem anterior. Use os mais recentes ou "
        "simplesmente escreva o que você quer.",
    "cancelled": "Cancelado: {messages} mensagem(ns) na fila descartada(s), {renders} "
        "renderização(ões) interrompida(s).",
    "nothing_to_cancel": "Não há nada para cancelar.",
    "new_project": "Novo projeto criado. Envie clipes ou descreva o vídeo que você quer.",
    "project_lost": "Seu projeto anterior não está mais disponível na NemoVideo, então comecei um "
        "novo.",
    "credits": "Créditos: {available} disponíveis, {frozen} reservados para trabalhos em "
        "andamento ({total} no total).",
    "credits_anonymous": "Você está usando uma conta gratuita de teste. Cadastre-se para manter "
        "seus projetos: {url}",
    "status_empty": "A linha do tempo está vazia. Envie clipes ou descreva um vídeo para começar.",
    "status_renders": "Renderizações em andamento: {count}",
    "upload_what": "Envie os arquivos aqui (vídeo, foto ou música, até 500 MB cada: {formats}) ou "
        "cole um link para um deles.",
    "uploading": "Enviando {count} arquivo(s)...",
    "uploading_progress": "Enviando {count} arquivo(s)... {percent}%",
    "uploaded": "Recebido: {files}",
    "upload_refused_type": "Não consigo usar {names}: esse tipo de arquivo não é compatível. "
        "Formatos aceitos: {formats}.",
    "upload_link_failed": "A NemoVideo não conseguiu obter {links}: {reason}. Confira se o link "
        "abre em um navegador sem login ou envie o próprio arquivo.",
    "upload_refused_size": "{names} passa de 500 MB. Corte ou comprima o arquivo e envie de novo.",
    "upload_next": "Agora me diga o que fazer, por exemplo: \"junte meus clipes em um vídeo de 30 "
        "segundos\".",
    "still_working": "⏳ Ainda trabalhando...",
    "edit_done": "Pronto. {changes}",
    "edit_nothing_changed": "O agente terminou sem alterar a linha do tempo. Tente descrever a "
        "edição de outro jeito.",
    "next_steps": "Próximos passos: {steps}",
    "step_title": "adicionar um título",
    "step_music": "adicionar música de fundo",
    "step_trim": "cortar para 15 segundos",
    "step_export": "exportar",
    "step_combine": "juntar meus clipes",
    "recovering": "A conexão com a NemoVideo caiu. Seu pedido não foi reenviado; estou "
        "verificando se ele foi concluído...",
    "recovered": "Deu certo. {changes}",
    "recovery_failed": "A NemoVideo não concluiu esse pedido. Nada foi cobrado duas vezes; envie "
        "de novo para tentar outra vez.",
    "timed_out": "A NemoVideo está demorando demais para responder, então parei de esperar. Envie "
        "o pedido de novo para tentar outra vez.",
    "agent_error": "A NemoVideo teve um problema com esse pedido. Tente de novo ou escreva de "
        "outro jeito.",
    "resumed": "Fui reiniciado enquanto trabalhava em \"{text}\". Verificando o que aconteceu...",
    "err_no_credits_anonymous": "Seus créditos acabaram. Cadastre-se grátis para ganhar mais e "
        "manter este projeto: {url}",
    "err_no_credits": "Seus créditos acabaram. Recarregue em nemovideo.com para continuar.",
    "err_unsupported": "A NemoVideo não consegue usar esse arquivo: o tipo não é compatível ou "
        "ele não pôde ser lido como vídeo, imagem ou áudio. Formatos aceitos: {formats}.",
    "err_too_large": "Esse arquivo passa de 500 MB. Corte ou comprima o arquivo e envie de novo.",
    "err_export_blocked": "A exportação não está disponível no plano atual (não tem a ver com "
        "créditos). Cadastre-se ou faça upgrade do plano para liberar a exportação.",
    "err_rate_limited": "A NemoVideo está ocupada agora. Tente de novo em um minuto.",
    "err_token_limit": "A NemoVideo não vai criar outra conta gratuita a partir deste servidor "
        "agora. Vincule sua própria conta NemoVideo: me envie /link <seu token> em um chat "
        "privado.",
    "err_linked_expired": "Seu token NemoVideo vinculado foi recusado (expirado ou revogado). "
        "Envie /link <novo token> em um chat privado.",
    "err_auth": "A NemoVideo recusou as credenciais do bot. Por favor, avise a pessoa que "
        "administra este bot.",
    "err_auth_told": "A NemoVideo recusou as credenciais do bot. O operador já foi avisado.",
    "err_unavailable": "A NemoVideo não está respondendo agora. Tente de novo em alguns minutos.",
    "err_unexpected": "Desculpe, algo deu errado do meu lado (erro {error_id}).",
    "link_private_only": "Para sua segurança, /link só funciona em um chat privado comigo. Se "
        "você enviou um token aqui, revogue-o em nemovideo.com.",
    "link_private_only_not_deleted": "Para sua segurança, /link só funciona em um chat privado "
        "comigo. Não consegui apagar sua mensagem aqui (não tenho permissão): apague-a você mesmo "
        "e revogue o token em nemovideo.com.",
    "link_usage": "Envie /link seguido do seu token NemoVideo (ele começa com nmv_usr_).",
    "link_done": "Vinculado: este chat agora usa sua própria conta NemoVideo. Apaguei sua "
        "mensagem com o token.",
    "link_done_not_deleted": "Vinculado: este chat agora usa sua própria conta NemoVideo. Apague "
        "sua mensagem com o token.",
    "link_refused": "A NemoVideo não aceitou esse token. Confira e tente de novo.",
    "export_unavailable": "A exportação não está disponível aqui no momento.",
    "language_choose": "Estou respondendo em {current}. Escolha um idioma:",
    "language_unknown": "Não conheço o idioma \"{given}\". Escolha um destes:",
    "language_set": "A partir de agora respondo em português. Se você escrever uma mensagem "
        "claramente em outro idioma, respondo nesse idioma.",
    "queued_many": "Entendido: {count} mensagens estão na fila. Vou respondê-las em ordem.",
    "queue_full": "Já há {count} mensagens na fila aqui, então não aceitei esta. Envie de novo "
        "depois que eu responder a elas.",
    "render.started": "Renderizando…",
    "render.progress": "Renderizando… {progress}%",
    "render.retrying": "Renderizando… (a primeira tentativa falhou, tentando de novo)",
    "render.no_draft": "Ainda não há nada para exportar. Envie alguns clipes ou descreva o vídeo "
        "que você quer e depois me peça para exportar.",
    "render.session_lost": "Esse projeto não existe mais na NemoVideo. Envie clipes ou descreva "
        "um vídeo para começar um novo.",
    "render.blocked": "A exportação não está disponível neste plano da NemoVideo. Cadastre-se ou "
        "faça upgrade da sua conta NemoVideo para liberar a exportação.",
    "render.register": "Cadastrar",
    "render.submit_failed": "Não consegui iniciar a renderização ({error}). Tente de novo daqui a "
        "pouco.",
    "render.failed": "A renderização falhou duas vezes ({error}). Toque em Exportar para tentar "
        "de novo.",
    "render.timed_out": "A renderização ainda não terminou depois de {minutes} minutos, então "
        "parei de esperar. Toque em Exportar para tentar de novo.",
    "render.cancelled": "Renderização cancelada.",
    "render.lost": "Esta renderização se perdeu: o serviço reiniciou e a esqueceu. Toque em "
        "Exportar para tentar de novo.",
    "render.cancelled_remote": "A renderização foi cancelada na NemoVideo. Toque em Exportar para "
        "começar de novo.",
    "render.ready": "Vídeo pronto",
    "render.ready_link": "Vídeo pronto. Ele passa de {limit}, o maior arquivo que posso enviar "
        "aqui, então aqui está um link para baixar.",
    "render.ready_link_refused": "Vídeo pronto. Não foi possível enviá-lo aqui como arquivo, "
        "então aqui está um link para baixar.",
    "render.ready_link_only": "Vídeo pronto: aqui está o link para baixar.",
    "render.ready_fetch_failed": "Vídeo pronto. Não consegui obter o arquivo, então aqui está um "
        "link para baixar.",
    "render.ready_no_file": "Vídeo pronto, mas a NemoVideo não forneceu um link para baixar. Abra "
        "o projeto para obtê-lo.",
    "render.done": "Renderização concluída.",
    "render.done_recovered": "Vídeo pronto. Se ele não chegou, use o link abaixo.",
    "render.download": "Baixar",
    "render.open_project": "Abrir projeto",
    "console.intro": "Digite uma mensagem e tecle Enter. /attach ARQUIVO ... envia arquivos, "
        "/help lista os comandos, Ctrl-C interrompe o que está em andamento, Ctrl-D ou /quit sai.",
    "console.help": "Neste terminal:\n"
        "  /attach ARQUIVO ...   enviar arquivos: caminhos a partir de {start}; ~ e curingas "
        "funcionam (/attach ~/clips/*.mp4); coloque entre aspas nomes com espaços: /attach \"my "
        "clip.mp4\"\n"
        "  /quit                 sair (Ctrl-D também; Ctrl-C interrompe o que está em andamento)\n"
        "  1, 2, ...             escolher uma das opções numeradas abaixo de uma mensagem\n"
        "Os vídeos prontos são salvos em {downloads}.\n"
        "Os comandos do chat:",
    "console.unknown_command": "/{name} não é um comando. Digite /help.",
    "console.attach_usage": "Uso: /attach ARQUIVO [ARQUIVO ...] (por exemplo /attach clip.mp4 "
        "song.mp3).",
    "console.not_found": "Não encontrado em {start}: {names}.",
    "console.quote_hint": "Coloque entre aspas nomes com espaços: /attach \"my clip.mp4\".",
    "console.bad_quotes": "Não consegui ler essa linha ({error}). Coloque entre aspas nomes com "
        "espaços: /attach \"my clip.mp4\".",
    "console.no_choice": "Não há nenhuma opção {number} agora.",
    "console.choices": "Digite um número para escolher:",
    "console.stopping": "Parando… (tecle Ctrl-C de novo para sair)",
    "console.again_to_quit": "Tecle Ctrl-C de novo ou Ctrl-D para sair.",
    "console.wait_renders": "{count} renderização(ões) ainda em andamento. Esperar? [Y/n] ",
    "console.waiting": "Esperando {count} renderização(ões)… (Ctrl-C para sair agora)",
    "console.left_renders": "Saindo com {count} renderização(ões) não concluída(s): o próximo "
        "`nemobot chat` vai entregá-las.",
    "console.saved": "salvo em {path}",
    "console.link": "{label}: {url}",
    "console.uploading": "Enviando",
    "console.uploaded": "Enviado",
    "console.rendering": "Renderizando",
    "console.rendered": "Renderizado",
    "console.stopped": "Interrompido",
    "console.left": "restantes",
    "console.of": "de",
    "console.error_logged": "(um erro foi registrado em {path})",
    "discord.command.link": "Vincular sua própria conta NemoVideo (em uma DM com o bot)",
    "discord.option.token": "Seu token NemoVideo (nmv_usr_...)",
    "discord.command.admin": "Administradores: uso, listas de acesso, falhas e saldo",
    "discord.option.entries": "ex.: discord:role:123 discord:user:456, ou uma menção",
    "discord.command.quota": "Administradores: os limites próprios de um usuário",
    "discord.option.user": "discord:user:<id>, uma menção ou uma entrada de canal",
    "discord.option.limits": "ex.: renders=5/day messages=30/hour credits=500/month",
    "discord.command.language": "Escolher o idioma em que respondo a você",
    "discord.option.language": "O idioma (deixe em branco para ver as opções)",
    "discord.command.export": "Renderizar o vídeo e enviá-lo aqui",
    "discord.command.status": "Ver a linha do tempo do projeto e as renderizações em andamento",
    "discord.command.credits": "Ver os créditos NemoVideo desta conversa (só você vê)",
    "discord.command.new": "Começar um novo projeto neste canal",
    "discord.command.stats": "Suas mensagens, renderizações e créditos frente aos seus limites "
        "(só você vê)",
    "discord.command.help": "O que o bot entende",
    "discord.command.allow": "Administradores: liberar usuários, cargos, canais ou servidores "
        "para usar o bot",
    "discord.command.block": "Administradores: recusar usuários, cargos, canais ou servidores",
    "discord.command.unblock": "Administradores: remover um bloqueio",
    "telegram.too_big": "{names}: passa de {limit} MB, o maior arquivo que um bot pode baixar do "
        "Telegram. Envie um link para baixá-lo (Google Drive, Dropbox ou qualquer link direto). O "
        "operador do bot pode remover esse limite usando um servidor local da Bot API.",
    "telegram.command.start": "Começar um projeto neste chat",
    "telegram.command.new": "Começar um novo projeto",
    "telegram.command.export": "Renderizar o vídeo e enviá-lo aqui",
    "telegram.command.status": "Ver a linha do tempo e as renderizações em andamento",
    "telegram.command.credits": "Ver os créditos NemoVideo",
    "telegram.command.cancel": "Cancelar as mensagens na fila e as renderizações",
    "telegram.command.link": "Vincular sua conta NemoVideo (chat privado)",
    "telegram.command.stats": "Seu uso e seus limites",
    "telegram.command.language": "Escolher o idioma das minhas respostas",
    "telegram.command.help": "O que o bot entende",
    "telegram.command.admin": "Uso, listas de acesso, falhas, saldo",
    "telegram.command.allow": "Liberar um usuário, chat ou cargo para usar o bot",
    "telegram.command.block": "Recusar um usuário, chat ou cargo",
    "telegram.command.unblock": "Remover um bloqueio",
    "telegram.command.quota": "Os limites próprios de um usuário",
}
