"""Spanish (es): translations of the registered texts, by key."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "button.export": "Exportar",
    "button.status": "Estado",
    "button.credits": "Créditos",
    "button.new": "Nuevo proyecto",
    "button.cancel": "Cancelar",
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
    "welcome": "Todo listo. Envíame clips de video, fotos o música, o describe el video que "
        "quieres (\"une mis clips en un video de 60 segundos con transiciones\"). Di \"exportar\" "
        "para recibir el MP4.",
    "help": "Envía clips, fotos o música (hasta 500 MB cada uno: {formats}) o un enlace a uno, y "
        "dime qué hacer.\n"
        "/export - renderizar el video y enviarlo aquí\n"
        "/status - ver la línea de tiempo\n"
        "/credits - ver tu saldo de créditos\n"
        "/new - empezar un proyecto nuevo\n"
        "/cancel - descartar los mensajes en cola y cancelar los renderizados\n"
        "/language - elegir el idioma de mis respuestas\n"
        "/link <token> - usar tu propia cuenta de NemoVideo (solo en chat privado)",
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
    "err_unsupported": "Ese tipo de archivo no es compatible. Formatos aceptados: {formats}.",
    "err_too_large": "Ese archivo supera los 500 MB. Recórtalo o comprímelo y envíalo de nuevo.",
    "err_export_blocked": "La exportación no está disponible en tu plan actual (no es cuestión de "
        "créditos). Regístrate o mejora tu plan para desbloquearla.",
    "err_rate_limited": "NemoVideo está ocupado ahora mismo. Inténtalo de nuevo en un minuto.",
    "err_token_limit": "NemoVideo no va a crear más cuentas gratuitas desde este servidor por "
        "ahora. Vincula tu propia cuenta de NemoVideo: envíame /link <tu token> en un chat "
        "privado.",
    "err_linked_expired": "Se rechazó tu token de NemoVideo vinculado (caducado o revocado). "
        "Envía /link <nuevo token> en un chat privado.",
    "err_auth": "NemoVideo rechazó las credenciales del bot. Ya se avisó al operador.",
    "err_unavailable": "NemoVideo no responde ahora mismo. Inténtalo de nuevo en unos minutos.",
    "err_unexpected": "Lo siento, algo falló por mi parte (error {error_id}).",
    "link_private_only": "Por tu seguridad, /link solo funciona en un chat privado conmigo. Si "
        "enviaste un token aquí, revócalo en nemovideo.com.",
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
    "render.ready_link": "Video listo. Es demasiado grande para enviarlo aquí, así que aquí "
        "tienes un enlace de descarga.",
    "render.ready_fetch_failed": "Video listo. No pude obtener el archivo, así que aquí tienes un "
        "enlace de descarga.",
    "render.ready_no_file": "Video listo, pero NemoVideo no dio ningún enlace de descarga. Abre "
        "el proyecto para obtenerlo.",
    "render.done": "Renderizado terminado: el video está abajo.",
    "render.done_recovered": "Video listo. Si no te llegó, usa el enlace de abajo.",
    "render.download": "Descargar",
    "render.open_project": "Abrir proyecto",
    "discord.command.link": "Vincular tu propia cuenta de NemoVideo (tu token sigue siendo "
        "privado)",
    "discord.option.token": "Tu token de NemoVideo (nmv_usr_...)",
    "discord.command.language": "Elegir el idioma en que te respondo",
    "discord.option.language": "El idioma (omítelo para ver las opciones)",
    "discord.command.export": "Renderizar el video y enviarlo aquí",
    "discord.command.status": "Ver la línea de tiempo del proyecto y los renderizados en curso",
    "discord.command.credits": "Ver los créditos de NemoVideo de esta conversación (solo tú los "
        "ves)",
    "discord.command.new": "Empezar un proyecto nuevo en este canal",
    "discord.command.help": "Lo que el bot entiende",
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
    "telegram.command.language": "Elegir el idioma de mis respuestas",
    "telegram.command.help": "Lo que el bot entiende",
}
