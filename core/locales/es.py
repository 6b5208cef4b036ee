"""Spanish (es): translations of the registered texts, by key."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "timeline.empty": "La línea de tiempo está vacía",
    "timeline.summary_one": "Línea de tiempo (1 pista): {items}",
    "timeline.summary": "Línea de tiempo ({count} pistas): {items}",
    "timeline.item": "{number}. {kind}: {label} ({details})",
    "timeline.video": "Video",
    "timeline.bgm": "Música de fondo",
    "timeline.music": "Música",
    "timeline.title": "Título",
    "timeline.track": "Pista",
    "timeline.track_type": "Pista (tipo {code})",
    "timeline.more": "{label} y {count} más",
    "timeline.untitled": "sin título",
    "timeline.track_empty": "vacía",
    "change.named": "{prefix} ({label})",
    "change.replaced": "{prefix}: {old} se cambió por {new} ({details})",
    "change.track": "{prefix}: {parts}",
    "change.clips_one": "1 clip",
    "change.clips": "{count} clips",
    "change.reordered": "clips reordenados",
    "change.clips_changed": "clips cambiados",
    "change.volume_set": "{prefix}: volumen al {volume}%",
    "change.volume_default": "{prefix}: volumen predeterminado",
    "change.volume": "{prefix}: volumen {old}% -> {new}%",
    "change.removed": "{prefix}: se quitó {label}",
    "change.added": "{prefix}: se añadió {label} ({details})",
    "change.title_changed": "Título cambiado: {old} -> {new}",
    "change.title_moved": "Título {label}: {moved}",
    "change.title_removed": "Título eliminado: {label}",
    "change.title_added": "Título añadido: {label} ({span})",
    "change.project_title": "Título del proyecto: '{old}' -> '{new}'",
    "change.canvas": "Lienzo: {old} -> {new}",
    "access.refused": "Lo siento, este bot solo está abierto a las personas que su operador deja "
        "entrar. Si crees que deberías ser una de ellas, pregunta a quien lo gestiona. (Lo digo "
        "una vez al día).",
    "access.admin_only": "Solo los administradores del bot pueden usar /{command}.",
    "access.private_only": "/{command} solo funciona en un chat privado conmigo.",
    "access.entries_usage": "Envía /{command} seguido de una o más entradas: telegram:user:<id>, "
        "telegram:chat:<id>, discord:user:<id>, discord:guild:<id>, discord:role:<id>, "
        "discord:channel:<id> (un número solo es un usuario de esta plataforma).",
    "access.bad_entry": "No puedo leer eso: {error}",
    "access.allowed": "Permitido: {entries}. Ahora solo lo que está en la lista de permitidos "
        "({count} entradas) y los administradores pueden usar el bot.",
    "access.allowed_but_blocked": "Sigue bloqueado (el bloqueo tiene prioridad): {entries}. Usa "
        "/unblock para dejarlos entrar.",
    "access.blocked": "Bloqueado: {entries}. A partir de ahora se rechazan sus mensajes.",
    "access.unblocked": "Desbloqueado: {entries}.",
    "access.not_blocked": "No estaba bloqueado: {entries}.",
    "access.link_no_key": "Vincular tu propia cuenta de NemoVideo está desactivado en este bot: "
        "su operador no configuró una clave secreta para guardar los tokens cifrados. Tu token no "
        "se guardó.",
    "access.new_confirm": "¿Empezar un proyecto nuevo? Esto olvida el proyecto actual para todos "
        "en este chat.",
    "access.new_confirm_button": "Sí, empezar de nuevo",
    "quota.over_user": "Ya usaste {used} de tus {limit} {unit} {window}, así que no envié esto a "
        "NemoVideo. El límite se reinicia a las {reset} (en {wait}).",
    "quota.over_chat": "Este chat ya usó {used} de sus {limit} {unit} {window}, así que no envié "
        "esto a NemoVideo. El límite se reinicia a las {reset} (en {wait}).",
    "quota.unit.messages": "mensajes",
    "quota.unit.renders": "renderizados",
    "quota.unit.credits": "créditos",
    "quota.window.hour": "en esta hora",
    "quota.window.day": "hoy",
    "quota.window.month": "este mes",
    "quota.per.hour": "por hora",
    "quota.per.day": "por día",
    "quota.per.month": "por mes",
    "quota.unlimited": "sin límite",
    "quota.usage": "Envía /quota <usuario> seguido de los límites, p. ej. /quota "
        "telegram:user:123 renders=5/day messages=30/hour credits=500/month. Un límite es un "
        "número, 'unlimited' o 'default' (vuelve al valor configurado).",
    "quota.limits_of": "Límites de {subject}: {limits}.",
    "dur.minutes": "{m} min",
    "dur.hours": "{h} h {m} min",
    "dur.days": "{d} d {h} h",
    "stats.you": "Tu uso (hoy / este mes):",
    "stats.chat": "Este chat (hoy / este mes):",
    "stats.line": "• {unit}: {today} / {month}{limit}",
    "stats.limit": " (límite {limit} {per}: {used} usados, se reinicia a las {reset})",
    "stats.admin": "Eres administrador de este bot: no tienes límites.",
    "admin.totals": "Totales hoy / este mes: {day} / {month}",
    "admin.counts": "{messages} mensajes, {renders} renderizados, {credits} créditos",
    "admin.top": "Usuarios con más uso este mes:",
    "admin.top_none": "Usuarios con más uso este mes: ninguno todavía",
    "admin.access": "Mensajes rechazados hoy: {refused}. Bloqueados: {blocked}. Lista de "
        "permitidos: {allow}.",
    "admin.everyone": "todos",
    "admin.none": "ninguno",
    "admin.overrides": "Límites individuales: {overrides}",
    "admin.errors": "Fallos de NemoVideo en la última hora: {errors}",
    "admin.backlog": "Renderizados sin terminar ({platform}): {backlog}",
    "admin.balance": "Saldo del operador: {available} disponibles, {frozen} reservados",
    "admin.balance_unknown": "Saldo del operador: desconocido ({error})",
    "admin.no_operator": "Saldo del operador: sin NEMO_TOKEN (cada chat tiene su propia cuenta)",
    "admin.alerts": "Las alertas van a: {chat}",
    "alert.token_refused": "⚠️ NemoVideo rechazó el token del operador (NEMO_TOKEN, código 1001). "
        "Los chats que lo usan no pueden hacer nada hasta que se sustituya.",
    "alert.credits_out": "⚠️ La cuenta de NemoVideo del operador se quedó sin créditos (código "
        "2001). Recarga en nemovideo.com.",
    "alert.credits_low": "⚠️ El saldo de NemoVideo del operador es de {available} créditos, por "
        "debajo de ALERT_CREDITS_BELOW ({threshold}).",
    "alert.backend_failing": "⚠️ NemoVideo sigue fallando: {count} llamadas fallidas en los "
        "últimos {minutes} minutos (la última: {error}).",
    "alert.backlog": "⚠️ La cola de renderizados no deja de crecer: {counts} renderizados sin "
        "terminar ({platform}).",
    "button.export": "Exportar",
    "button.status": "Estado",
    "button.credits": "Créditos",
    "button.new": "Nuevo proyecto",
    "button.cancel": "Cancelar",
    "welcome": "Cuando quieras. Envíame clips de video, fotos o música, o describe el video que "
        "quieres (\"une mis clips en un video de 60 segundos con transiciones\"). Di \"exportar\" "
        "para recibir el MP4.",
    "queued": "Recibido. Después de esto: {what}",
    "queued_files": "tus archivos",
    "unavailable": "Ahora mismo no puedo recibir mensajes. Inténtalo de nuevo en un minuto.",
    "stopped": "Detenido. NemoVideo puede cobrar igualmente el trabajo que ya había empezado.",
    "upload_interrupted": "La subida de {names} se interrumpió porque me reinicié. Envíalo de "
        "nuevo, por favor.",
    "choice_expired": "Esos botones son de un mensaje anterior. Usa los más recientes o "
        "simplemente escribe lo que quieres.",
    "cancelled": "Cancelado: {messages} mensaje(s) en cola descartado(s), {renders} "
        "renderizado(s) detenido(s).",
    "nothing_to_cancel": "No hay nada que cancelar.",
    "new_project": "Proyecto nuevo creado. Envía clips o describe el video que quieres.",
    "project_lost": "Tu proyecto anterior ya no está disponible en NemoVideo, así que empecé uno "
        "nuevo.",
    "credits": "Créditos: {available} disponibles, {frozen} reservados para trabajos en curso "
        "({total} en total).",
    "credits_anonymous": "Estás usando una cuenta gratuita de prueba. Regístrate para conservar "
        "tus proyectos: {url}",
    "status_empty": "La línea de tiempo está vacía. Envía clips o describe un video para empezar.",
    "status_renders": "Renderizados en curso: {count}",
    "upload_what": "Envía los archivos aquí (video, foto o música, hasta 500 MB cada uno: "
        "{formats}) o pega un enlace a uno.",
    "uploading": "Subiendo {count} archivo(s)...",
    "uploading_progress": "Subiendo {count} archivo(s)... {percent}%",
    "uploaded": "Recibido: {files}",
    "upload_refused_type": "No puedo usar {names}: ese tipo de archivo no es compatible. Formatos "
        "aceptados: {formats}.",
    "upload_link_failed": "NemoVideo no pudo obtener {links}: {reason}. Comprueba que el enlace "
        "se abre en un navegador sin iniciar sesión, o envía el archivo directamente.",
    "upload_refused_size": "{names} supera los 500 MB. Recórtalo o comprímelo y envíalo de nuevo.",
    "upload_next": "Ahora dime qué hacer, por ejemplo: \"une mis clips en un video de 30 "
        "segundos\".",
    "still_working": "⏳ Sigo trabajando...",
    "edit_done": "Hecho. {changes}",
    "edit_nothing_changed": "El agente terminó sin cambiar la línea de tiempo. Prueba a describir "
        "la edición de otra forma.",
    "next_steps": "Siguiente: {steps}",
    "step_title": "añadir un título",
    "step_music": "añadir música de fondo",
    "step_trim": "recortarlo a 15 segundos",
    "step_export": "exportar",
    "step_combine": "unir mis clips",
    "recovering": "Se cortó la conexión con NemoVideo. No volví a enviar tu petición; estoy "
        "comprobando si llegó...",
    "recovered": "Sí llegó. {changes}",
    "recovery_failed": "NemoVideo no terminó esa petición. No se cobró nada dos veces; envíala de "
        "nuevo para reintentarlo.",
    "timed_out": "NemoVideo lleva demasiado tiempo sin responder, así que dejé de esperar. Envía "
        "la petición de nuevo para reintentarlo.",
    "agent_error": "NemoVideo tuvo un problema con esa petición. Inténtalo de nuevo o dilo de "
        "otra forma.",
    "resumed": "Me reinicié mientras trabajaba en \"{text}\". Comprobando qué pasó...",
    "err_no_credits_anonymous": "Te quedaste sin créditos. Regístrate gratis para obtener más y "
        "conservar este proyecto: {url}",
    "err_no_credits": "Te quedaste sin créditos. Recarga en nemovideo.com para continuar.",
    "err_unsupported": "NemoVideo no puede usar ese archivo: su tipo no es compatible o no se "
        "pudo leer como video, imagen o audio. Formatos aceptados: {formats}.",
    "err_too_large": "Ese archivo supera los 500 MB. Recórtalo o comprímelo y envíalo de nuevo.",
    "err_export_blocked": "La exportación no está disponible en tu plan actual (no es cuestión de "
        "créditos). Regístrate o mejora tu plan para desbloquearla.",
    "err_rate_limited": "NemoVideo está ocupado ahora mismo. Inténtalo de nuevo en un minuto.",
    "err_token_limit": "NemoVideo no va a crear más cuentas gratuitas desde este servidor por "
        "ahora. Vincula tu propia cuenta de NemoVideo: envíame /link <tu token> en un chat "
        "privado.",
    "err_linked_expired": "Se rechazó tu token de NemoVideo vinculado (caducado o revocado). "
        "Envía /link <nuevo token> en un chat privado.",
    "err_auth": "NemoVideo rechazó las credenciales del bot. Avisa, por favor, a la persona que "
        "gestiona este bot.",
    "err_auth_told": "NemoVideo rechazó las credenciales del bot. Ya se avisó al operador.",
    "err_unavailable": "NemoVideo no responde ahora mismo. Inténtalo de nuevo en unos minutos.",
    "err_unexpected": "Lo siento, algo falló por mi parte (error {error_id}).",
    "link_private_only": "Por tu seguridad, /link solo funciona en un chat privado conmigo. Si "
        "enviaste un token aquí, revócalo en nemovideo.com.",
    "link_private_only_not_deleted": "Por tu seguridad, /link solo funciona en un chat privado "
        "conmigo. No pude borrar tu mensaje aquí (no tengo permiso): bórralo tú y revoca el token "
        "en nemovideo.com.",
    "link_usage": "Envía /link seguido de tu token de NemoVideo (empieza por nmv_usr_).",
    "link_done": "Vinculado: este chat ahora usa tu propia cuenta de NemoVideo. Borré tu mensaje "
        "con el token.",
    "link_done_not_deleted": "Vinculado: este chat ahora usa tu propia cuenta de NemoVideo. Borra "
        "tu mensaje con el token.",
    "link_refused": "NemoVideo no aceptó ese token. Revísalo e inténtalo de nuevo.",
    "export_unavailable": "La exportación no está disponible aquí ahora mismo.",
    "language_choose": "Te respondo en {current}. Elige un idioma:",
    "language_unknown": "No conozco el idioma \"{given}\". Elige uno de estos:",
    "language_set": "A partir de ahora te respondo en español. Si escribes un mensaje claramente "
        "en otro idioma, te respondo en ese idioma.",
    "queued_many": "Recibido: hay {count} mensajes esperando. Los responderé en orden.",
    "queue_full": "Ya hay {count} mensajes esperando aquí, así que no acepté este. Envíalo de "
        "nuevo cuando haya respondido a esos.",
    "render.started": "Renderizando…",
    "render.progress": "Renderizando… {progress}%",
    "render.retrying": "Renderizando… (el primer intento falló, lo intento de nuevo)",
    "render.no_draft": "Todavía no hay nada que exportar. Sube algunos clips o describe el video "
        "que quieres y luego pídeme que lo exporte.",
    "render.session_lost": "Ese proyecto ya no existe en NemoVideo. Envíame clips o describe un "
        "video para empezar uno nuevo.",
    "render.blocked": "La exportación no está disponible en este plan de NemoVideo. Si te "
        "registras o mejoras tu cuenta de NemoVideo, se desbloquea.",
    "render.register": "Registrarse",
    "render.submit_failed": "No pude iniciar el renderizado ({error}). Inténtalo de nuevo en un "
        "momento.",
    "render.failed": "El renderizado falló dos veces ({error}). Toca Exportar para intentarlo de "
        "nuevo.",
    "render.timed_out": "El renderizado sigue sin terminar después de {minutes} minutos, así que "
        "dejé de esperar. Toca Exportar para intentarlo de nuevo.",
    "render.cancelled": "Renderizado cancelado.",
    "render.lost": "Este renderizado se perdió: el servicio se reinició y lo olvidó. Toca "
        "Exportar para intentarlo de nuevo.",
    "render.cancelled_remote": "El renderizado se canceló en NemoVideo. Toca Exportar para "
        "empezarlo de nuevo.",
    "render.ready": "Video listo",
    "render.ready_link": "Video listo. Supera {limit}, el tamaño máximo que puedo enviar aquí, "
        "así que aquí tienes un enlace de descarga.",
    "render.ready_link_refused": "Video listo. No se pudo enviar aquí como archivo, así que aquí "
        "tienes un enlace de descarga.",
    "render.ready_link_only": "Video listo: aquí tienes el enlace de descarga.",
    "render.ready_fetch_failed": "Video listo. No pude obtener el archivo, así que aquí tienes un "
        "enlace de descarga.",
    "render.ready_no_file": "Video listo, pero NemoVideo no dio ningún enlace de descarga. Abre "
        "el proyecto para obtenerlo.",
    "render.done": "Renderizado terminado.",
    "render.done_recovered": "Video listo. Si no te llegó, usa el enlace de abajo.",
    "render.download": "Descargar",
    "render.open_project": "Abrir proyecto",
    "console.intro": "Escribe un mensaje y pulsa Intro. /attach ARCHIVO ... envía archivos, /help "
        "muestra los comandos, Ctrl-C detiene lo que esté en marcha, Ctrl-D o /quit para salir.",
    "console.help": "En esta terminal:\n"
        "  /attach ARCHIVO ...   enviar archivos: rutas desde {start}; ~ y comodines funcionan "
        "(/attach ~/clips/*.mp4); pon entre comillas los nombres con espacios: /attach \"my "
        "clip.mp4\"\n"
        "  /quit                 salir (también Ctrl-D; Ctrl-C detiene lo que esté en marcha)\n"
        "  1, 2, ...             elegir una de las opciones numeradas bajo un mensaje\n"
        "Los videos terminados se guardan en {downloads}.\n"
        "Los comandos del chat:",
    "console.unknown_command": "/{name} no es un comando. Escribe /help.",
    "console.attach_usage": "Uso: /attach ARCHIVO [ARCHIVO ...] (por ejemplo /attach clip.mp4 "
        "song.mp3).",
    "console.not_found": "No se encontró en {start}: {names}.",
    "console.quote_hint": "Pon entre comillas los nombres con espacios: /attach \"my clip.mp4\".",
    "console.bad_quotes": "No pude leer esa línea ({error}). Pon entre comillas los nombres con "
        "espacios: /attach \"my clip.mp4\".",
    "console.no_choice": "Ahora no hay ninguna opción {number}.",
    "console.choices": "Escribe un número para elegir:",
    "console.stopping": "Deteniendo… (pulsa Ctrl-C otra vez para salir)",
    "console.again_to_quit": "Pulsa Ctrl-C otra vez o Ctrl-D para salir.",
    "console.wait_renders": "Todavía hay {count} renderizado(s) en curso. ¿Esperarlos? [Y/n] ",
    "console.waiting": "Esperando {count} renderizado(s)… (Ctrl-C para salir ya)",
    "console.left_renders": "Sales con {count} renderizado(s) sin terminar: el próximo `nemobot "
        "chat` los entregará.",
    "console.saved": "guardado en {path}",
    "console.link": "{label}: {url}",
    "console.uploading": "Subiendo",
    "console.uploaded": "Subido",
    "console.rendering": "Renderizando",
    "console.rendered": "Renderizado",
    "console.stopped": "Detenido",
    "console.left": "restantes",
    "console.of": "de",
    "console.error_logged": "(se registró un error en {path})",
    "discord.command.link": "Vincular tu propia cuenta de NemoVideo (en un mensaje directo con el "
        "bot)",
    "discord.option.token": "Tu token de NemoVideo (nmv_usr_...)",
    "discord.command.admin": "Administradores: uso, listas de acceso, fallos y saldo",
    "discord.option.entries": "p. ej. discord:role:123 discord:user:456, o una mención",
    "discord.command.quota": "Administradores: los límites propios de un usuario",
    "discord.option.user": "discord:user:<id>, una mención o una entrada de canal",
    "discord.option.limits": "p. ej. renders=5/day messages=30/hour credits=500/month",
    "discord.command.language": "Elegir el idioma en que te respondo",
    "discord.option.language": "El idioma (omítelo para ver las opciones)",
    "discord.command.export": "Renderizar el video y enviarlo aquí",
    "discord.command.status": "Ver la línea de tiempo del proyecto y los renderizados en curso",
    "discord.command.credits": "Ver los créditos de NemoVideo de esta conversación (solo tú los "
        "ves)",
    "discord.command.new": "Empezar un proyecto nuevo en este canal",
    "discord.command.stats": "Tus mensajes, renderizados y créditos frente a tus límites (solo tú "
        "lo ves)",
    "discord.command.help": "Lo que el bot entiende",
    "discord.command.allow": "Administradores: permitir a usuarios, roles, canales o servidores "
        "usar el bot",
    "discord.command.block": "Administradores: rechazar usuarios, roles, canales o servidores",
    "discord.command.unblock": "Administradores: quitar un bloqueo",
    "telegram.too_big": "{names}: supera los {limit} MB, el tamaño máximo que un bot puede "
        "obtener de Telegram. Envía en su lugar un enlace de descarga (Google Drive, Dropbox o "
        "cualquier enlace directo). El operador del bot puede quitar este límite con un servidor "
        "local de Bot API.",
    "telegram.command.start": "Empezar un proyecto en este chat",
    "telegram.command.new": "Empezar un proyecto nuevo",
    "telegram.command.export": "Renderizar el video y enviarlo aquí",
    "telegram.command.status": "Ver la línea de tiempo y los renderizados en curso",
    "telegram.command.credits": "Ver los créditos de NemoVideo",
    "telegram.command.cancel": "Cancelar los mensajes en cola y los renderizados",
    "telegram.command.link": "Vincular tu cuenta de NemoVideo (chat privado)",
    "telegram.command.stats": "Tu uso y tus límites",
    "telegram.command.language": "Elegir el idioma de mis respuestas",
    "telegram.command.help": "Lo que el bot entiende",
    "telegram.command.admin": "Uso, listas de acceso, fallos, saldo",
    "telegram.command.allow": "Permitir a un usuario, chat o rol usar el bot",
    "telegram.command.block": "Rechazar a un usuario, chat o rol",
    "telegram.command.unblock": "Quitar un bloqueo",
    "telegram.command.quota": "Los límites propios de un usuario",
}
