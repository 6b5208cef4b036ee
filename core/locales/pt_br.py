"""Brazilian Portuguese (pt-BR): translations of the registered texts, by key."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "button.export": "Exportar",
    "button.status": "Status",
    "button.credits": "Créditos",
    "button.new": "Novo projeto",
    "button.cancel": "Cancelar",
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
    "welcome": "Tudo pronto. Envie clipes de vídeo, fotos ou música, ou descreva o vídeo que "
        "você quer (\"junte meus clipes em um vídeo de 60 segundos com transições\"). Diga "
        "\"exportar\" para receber o MP4.",
    "help": "Envie clipes, fotos ou música (até 500 MB cada: {formats}) ou um link para um "
        "arquivo e depois me diga o que fazer.\n"
        "/export - renderizar o vídeo e enviá-lo aqui\n"
        "/status - ver a linha do tempo\n"
        "/credits - ver seu saldo de créditos\n"
        "/new - começar um novo projeto\n"
        "/cancel - descartar as mensagens na fila e cancelar as renderizações\n"
        "/language - escolher o idioma das minhas respostas\n"
        "/link <token> - usar sua própria conta NemoVideo (só no chat privado)",
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
    "err_unsupported": "Esse tipo de arquivo não é compatível. Formatos aceitos: {formats}.",
    "err_too_large": "Esse arquivo passa de 500 MB. Corte ou comprima o arquivo e envie de novo.",
    "err_export_blocked": "A exportação não está disponível no plano atual (não tem a ver com "
        "créditos). Cadastre-se ou faça upgrade do plano para liberar a exportação.",
    "err_rate_limited": "A NemoVideo está ocupada agora. Tente de novo em um minuto.",
    "err_token_limit": "A NemoVideo não vai criar outra conta gratuita a partir deste servidor "
        "agora. Vincule sua própria conta NemoVideo: me envie /link <seu token> em um chat "
        "privado.",
    "err_linked_expired": "Seu token NemoVideo vinculado foi recusado (expirado ou revogado). "
        "Envie /link <novo token> em um chat privado.",
    "err_auth": "A NemoVideo recusou as credenciais do bot. O operador já foi avisado.",
    "err_unavailable": "A NemoVideo não está respondendo agora. Tente de novo em alguns minutos.",
    "err_unexpected": "Desculpe, algo deu errado do meu lado (erro {error_id}).",
    "link_private_only": "Para sua segurança, /link só funciona em um chat privado comigo. Se "
        "você enviou um token aqui, revogue-o em nemovideo.com.",
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
    "render.ready_link": "Vídeo pronto. Ele é grande demais para enviar aqui, então aqui está um "
        "link para baixar.",
    "render.ready_fetch_failed": "Vídeo pronto. Não consegui obter o arquivo, então aqui está um "
        "link para baixar.",
    "render.ready_no_file": "Vídeo pronto, mas a NemoVideo não forneceu um link para baixar. Abra "
        "o projeto para obtê-lo.",
    "render.done": "Renderização concluída: o vídeo está abaixo.",
    "render.done_recovered": "Vídeo pronto. Se ele não chegou, use o link abaixo.",
    "render.download": "Baixar",
    "render.open_project": "Abrir projeto",
    "discord.command.link": "Vincular sua própria conta NemoVideo (seu token continua privado)",
    "discord.option.token": "Seu token NemoVideo (nmv_usr_...)",
    "discord.command.language": "Escolher o idioma em que respondo a você",
    "discord.option.language": "O idioma (deixe em branco para ver as opções)",
    "discord.command.export": "Renderizar o vídeo e enviá-lo aqui",
    "discord.command.status": "Ver a linha do tempo do projeto e as renderizações em andamento",
    "discord.command.credits": "Ver os créditos NemoVideo desta conversa (só você vê)",
    "discord.command.new": "Começar um novo projeto neste canal",
    "discord.command.help": "O que o bot entende",
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
    "telegram.command.language": "Escolher o idioma das minhas respostas",
    "telegram.command.help": "O que o bot entende",
}
