"""Spanish (es), continued: projects, formats, render progress, the answers' options and
the help lines, by key (merged with `es.TEXTS` in `core.locales`)."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "welcome.examples": "O toca un ejemplo para empezar. Para TikTok, Reels, Shorts o YouTube, "
        "elige un formato con /format.",
    "welcome.formats": "Para TikTok, Reels, Shorts o YouTube, elige un formato con /format.",
    "example.trim": "Recorta los primeros 5 segundos",
    "example.music": "Añade música de fondo cinematográfica",
    "example.promo": "Genera un clip promocional de 30 s",
    "button.format": "Formato",
    "help.intro": "Envía clips, fotos o música (hasta 500 MB cada uno: {formats}) o un enlace a "
        "uno, y dime qué hacer.",
    "help.arg.code": "código",
    "help.arg.token": "token",
    "help.arg.who": "quién",
    "help.start": "saludar y ver ejemplos de peticiones",
    "help.new": "empezar un proyecto nuevo (el anterior queda en /projects)",
    "help.export": "renderizar el video y enviarlo aquí",
    "help.status": "ver la línea de tiempo",
    "help.format": "elegir el formato del proyecto y su duración objetivo",
    "help.projects": "ver los proyectos recientes de este chat y cambiar entre ellos",
    "help.last": "volver a enviar el último video terminado (sin renderizar de nuevo)",
    "help.credits": "ver tu saldo de créditos",
    "help.cancel": "descartar los mensajes en cola, detener la petición en curso y cancelar los "
        "renderizados",
    "help.upload": "cómo enviar archivos",
    "help.stats": "tu uso y tus límites",
    "help.language": "elegir el idioma de mis respuestas",
    "help.link": "usar tu propia cuenta de NemoVideo (solo en chat privado)",
    "help.help": "esta lista",
    "help.admin": "administradores: el uso del bot, las listas de acceso y su estado",
    "help.allow": "administradores: permitir un usuario, chat, servidor, rol o canal",
    "help.block": "administradores: bloquear un usuario, chat, servidor, rol o canal",
    "help.unblock": "administradores: quitar un bloqueo",
    "help.quota": "administradores: fijar los límites propios de un usuario o un chat",
    "format.9:16": "9:16 TikTok, Reels, Shorts",
    "format.16:9": "16:9 YouTube",
    "format.1:1": "1:1 Cuadrado",
    "format.4:5": "4:5 Feed",
    "format.seconds": "{seconds} s",
    "format.free": "sin definir",
    "format.pick": "Elige un formato y una duración objetivo (o sáltate esto y simplemente "
        "describe tu video):",
    "format.current": "Formato: {aspect}. Duración objetivo: {length}.",
    "format.length_next": "¿Cuánto debe durar?",
    "format.usage": "No entendí ese formato. Usa /format con 9:16, 16:9, 1:1 o 4:5 y/o una "
        "duración como 30s, o toca un botón.",
    "format.regenerates": "Tu video por ahora está en {old}. Cambiar la relación de aspecto "
        "significa que NemoVideo lo vuelve a generar (esto gasta créditos), así que todavía no lo "
        "regeneré. Las nuevas instrucciones y exportaciones usan {new}: si lo exportas así, el "
        "video queda dentro de barras negras. Toca abajo para regenerarlo ahora.",
    "format.regenerate_button": "Regenerar en {aspect}",
    "format.regenerate_text": "Vuelve a generar el video en relación de aspecto {aspect}, "
        "conservando su contenido.",
    "projects.none": "Todavía no hay proyectos en este chat. Describe un video o envía clips para "
        "empezar uno; /new empieza otro, y el anterior sigue en esta lista.",
    "projects.title": "Proyectos recientes en este chat:",
    "projects.line": "{index}. {name}: editado {edited}",
    "projects.rendered": ", renderizado {when}",
    "projects.current": " (actual)",
    "projects.switch_hint": "Toca uno para cambiar a él.",
    "projects.untitled": "Proyecto sin título",
    "projects.unknown": "No conozco ese proyecto. Envía /projects para ver la lista.",
    "projects.already": "Ya estás trabajando en {name}.",
    "projects.switched": "Ahora trabajas en {name}.",
    "projects.gone": "{name} ya no está disponible en NemoVideo, así que lo quité de la lista.",
    "ago.now": "justo ahora",
    "ago.minutes": "hace {n} min",
    "ago.hours": "hace {n} h",
    "ago.days": "hace {n} d",
    "last.none": "Todavía no hay ningún video terminado aquí. Di \"exportar\" para renderizar "
        "uno.",
    "last.gone": "Ya no puedo volver a enviar ese video. Di \"exportar\" para renderizarlo.",
    "limits.streaming": "No puedo usar enlaces de {services}: NemoVideo no puede tomar música ni "
        "video de servicios de streaming. La biblioteca integrada tiene estilos parecidos: dime el "
        "ambiente o el género (\"añade música lo-fi animada\") o envía el archivo directamente.",
    "limits.library_button": "Usar música integrada",
    "limits.library_text": "Añade música de fondo de la biblioteca integrada que vaya con el "
        "video.",
    "limits.slideshow": "Con solo fotos se hace una presentación: cada foto se muestra unos "
        "segundos, con transiciones, y con música o un título si quieres.",
    "limits.slideshow_button": "Hacer una presentación",
    "limits.slideshow_text": "Haz una presentación de {seconds} segundos con mis fotos, con "
        "transiciones suaves y música de fondo.",
    "queued.next": "Recibido, es el siguiente en la cola: {what}",
    "queued.place": "Recibido, es el número {place} en la cola: {what}",
    "queued.choice": "la opción que elegiste",
    "render.progress_seconds": "Renderizando… {progress}% (faltan unos {seconds} s)",
    "render.progress_minutes": "Renderizando… {progress}% (faltan unos {minutes} min)",
    "render.already_finished": "Ese renderizado ya terminó.",
    "render.ready_named": "Video listo: {name}",
    "render.reused_running": "Esta versión ya se está renderizando (mira arriba): la enviaré una "
        "sola vez, cuando esté lista.",
    "render.reused_done": "No cambió nada desde el último renderizado, así que aquí lo tienes de "
        "nuevo (sin renderizar otra vez).",
    "gui_export": "Di \"exportar\" cuando quieras el video.",
    "gui_drag": "Solo dime qué mover o cambiar y lo hago.",
    "gui_click": "Solo dime lo que quieres y lo hago.",
    "gui_click_named": "Di \"{label}\" y lo hago.",
    "gui_click_named_for": "Di \"{label}\" {rest}.",
    "gui_done": "Hecho.",
    "takes_minutes": "Esto puede tardar unos minutos.",
    "stage_working": "Trabajando…",
    "stage_generating": "Generando el video…",
    "stage_music": "Añadiendo música…",
    "stage_title": "Añadiendo un título…",
    "stage_exporting": "Exportando…",
    "stage_combining": "Uniendo clips…",
    "stage_trimming": "Recortando…",
    "stage_effects": "Añadiendo efectos…",
    "stage_volume": "Ajustando el sonido…",
    "stage_removing": "Quitando…",
    "stage_media": "Revisando tus archivos…",
    "generated_added": "NemoVideo terminó el video por su cuenta y añadió: {tracks}. "
        "Consérvalo todo o quita lo que no quieras.",
    "choice_keep_all": "Conservar todo",
    "choice_remove_music": "Quitar la música",
    "choice_remove_music_text": "quita la música de fondo",
    "choice_remove_title": "Quitar el título",
    "choice_remove_title_text": "quita el título",
    "choice_yes": "Sí",
    "choice_yes_text": "sí",
    "choice_no": "No, gracias",
    "choice_no_text": "no, gracias",
    "discord.command.projects": "Los proyectos recientes de este canal: cambia entre ellos",
    "discord.command.last": "Volver a enviar el último video terminado (sin renderizar de nuevo)",
    "discord.command.cancel": "Detener lo que hace el bot aquí: mensajes en cola, la petición en "
        "curso, renderizados",
    "discord.command.format": "Elegir el formato del proyecto y su duración objetivo",
    "discord.option.ratio": "La relación de aspecto",
    "discord.option.length": "La duración objetivo",
    "telegram.command.format": "Elegir el formato (TikTok, YouTube...) y la duración",
    "telegram.command.projects": "Tus proyectos recientes: cambia entre ellos",
    "telegram.command.last": "Volver a enviar el último video terminado",
    "recovery_unchanged": "La conexión se cortó antes de que NemoVideo terminara, y el proyecto "
        "no ha cambiado desde entonces. La respuesta de arriba puede estar incompleta: envía la "
        "petición de nuevo si falta algo.",
    "busy_retrying": "NemoVideo está ocupado ahora mismo. Enviaré tu petición de nuevo en "
        "{seconds} s.",
    "render.no_credits": "Te quedaste sin créditos. Recarga en nemovideo.com y toca Exportar "
        "de nuevo.",
    "render.no_credits_anonymous": "Te quedaste sin créditos. Regístrate gratis para obtener "
        "más y conservar este proyecto, y luego exporta de nuevo.",
    "err_bad_answer": "NemoVideo envió una respuesta que no puedo leer (error {error_id}). "
        "Inténtalo de nuevo en unos minutos.",
    "agent_error_partial": "NemoVideo tuvo un problema antes de terminar, así que la "
        "respuesta de arriba puede estar incompleta. Inténtalo de nuevo o dilo de otra forma.",
    "err_token_limit_no_link": "NemoVideo no creará otra cuenta gratuita desde este servidor "
        "por ahora. Inténtalo de nuevo más tarde.",
    "err_project_lost_again": "NemoVideo tampoco encuentra el proyecto nuevo. Inténtalo de "
        "nuevo en unos minutos.",
    "telegram.unusable": "No puedo usar eso. Envía clips de video, fotos o música, o escribe "
        "lo que quieres.",
    "console.folder": "{names}: es una carpeta. Adjunta los archivos que contiene: "
        "/attach \"{names}\"/*",
    "upload_not_done": "La subida no se completó.",
    "render.timed_out_seconds": "El renderizado sigue sin terminar después de {seconds} s, "
        "así que dejé de esperar. Toca Exportar para intentarlo de nuevo.",
    "telegram.old_button": "Este botón es demasiado antiguo para saber a qué tema pertenece. "
        "Envía el comando en el tema.",
    "err_file_unavailable": "No pude obtener de la aplicación de chat el archivo que enviaste, "
        "así que no se subió. Envíalo de nuevo.",
    "err_no_credits_operator": "La cuenta de NemoVideo de este bot se quedó sin créditos. "
        "Avisa a quien administra este bot.",
    "discord.mention_me": "No puedo leer respuestas que no me mencionan. Responde de nuevo con "
        "la @mención activada, o empieza tu mensaje con mi nombre.",
    "discord.unknown_button": "Este botón ya no funciona. Envía /help para ver lo que puedo hacer.",
    "render.no_draft_media": "Tus archivos están en el proyecto, pero aún no en la línea de "
        "tiempo. Dime qué hacer con ellos (por ejemplo \"une mis clips en un video de 30 "
        "segundos\") y luego exporta.",
    "render.cancel_not_yours": "Solo quien pidió este video, o un administrador, puede cancelarlo.",
    "err_files_unavailable": (
        "No pude obtener {name} de la app de chat, así que ninguno de los "
        "{count} archivos que enviaste se subió. Envíalos de nuevo."),
    "telegram.addressing": "En este grupo solo veo comandos, mensajes que mencionan a {bot} y "
                           "respuestas a mis mensajes: envía los archivos como respuesta a uno "
                           "de mis mensajes.",
    "choice_used": "Ya se eligió una de esas opciones. Escribe lo que quieres a continuación.",
    "render.blocked_operator": "La exportación no está disponible en el plan de NemoVideo de "
                               "este bot. Avisa a quien administra este bot.",
    "answer_cut": "(La respuesta era demasiado larga para mostrarla aquí: se omitieron {count} "
                  "caracteres más. Pide una respuesta más corta.)",
    "render.lost_project": "Este renderizado se perdió, y con él el proyecto de este chat: el "
                           "almacenamiento del servicio se reinició. Vuelve a enviar tus clips "
                           "para empezar un proyecto nuevo.",
    "render.fetching": "Renderizado. Descargando el video para enviarlo aquí…",
    "console.try_simulate": "Para probar el bot sin NemoVideo, ejecuta `nemobot chat --simulate` "
                            "(el simulador incluido).",
    "example.sea": "Genera un video de 10 segundos del mar al atardecer",
    "example.what": "¿Qué puedes hacer?",
    "stats.not_counted": "• {unit}: no se cuentan (solo mientras tienen un límite)",
}
