"""The ffmpeg commands of a render and of generated media: a draft's layers (video
tracks, titles, music) put together, and the encoder's settings.

Filters relied on: scale, pad, setsar, format, fps, tpad, trim, setpts, fade,
concat, overlay, drawtext (or drawbox when the ffmpeg build lacks drawtext or no font
is found: the title then shows as a dark band for its time range), aresample,
aformat, apad, atrim, asetpts, volume, adelay, amix, anullsrc, and the sources
color, testsrc2 and aevalsrc for generated media.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.simulator import drafts
from core.simulator.media import ffmpeg_exe
from core.simulator.render_audio import mix_chains, music_chains
from core.simulator.render_graph import (
    FPS,
    Graph,
    RenderError,
    Resolver,
    num,
    timeline_ms,
    tone_expression,
    tracks_of,
    video_source,
)
from core.simulator.render_titles import Capabilities, title_filters
from core.simulator.render_video import base_track, fit_filter, overlay_chains

_CRF = {"high": "23", "medium": "28", "low": "32"}


def build_command(
    draft: dict[str, Any],
    *,
    width: int,
    height: int,
    resolve: Resolver,
    workdir: Path,
    output: Path,
    quality: str = "high",
    caps: Capabilities | None = None,
    threads: int = 0,
) -> list[str]:
    """The ffmpeg command that renders a draft. Title text goes to files in `workdir`.

    `threads` caps the encoder's threads (0: ffmpeg decides).
    """
    caps = caps or Capabilities()
    total = timeline_ms(draft)
    if total <= 0:
        raise RenderError("the draft has nothing to render")
    graph = Graph()
    fit = fit_filter(width, height)
    video_tracks = tracks_of(draft, drafts.VIDEO)
    first = video_tracks[0].get("sg") or [] if video_tracks else []
    base_track(first, total, graph, resolve, fit, width, height)

    base, layer_audio = overlay_chains(video_tracks[1:], total, graph, resolve, fit)
    titles = title_filters(draft, total, width, height, workdir, caps)
    graph.chains.append(f"[{base}]{','.join(titles) if titles else 'null'}[vout]")

    mix_chains(layer_audio + music_chains(draft, total, graph, resolve), graph)
    return [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        *graph.inputs,
        "-filter_complex",
        ";".join(graph.chains),
        *_encoding(quality, threads, total, output),
    ]


def _encoding(quality: str, threads: int, total: int, output: Path) -> list[str]:
    """The output's options: H.264 and AAC stereo, `total` ms long, progress on stdout."""
    return [
        "-map",
        "[vout]",
        "-map",
        "[aout]",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-crf",
        _CRF.get(quality, "23"),
        "-threads",
        str(max(0, threads)),
        "-pix_fmt",
        "yuv420p",
        "-r",
        str(FPS),
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        "-ar",
        "44100",
        "-ac",
        "2",
        "-t",
        num(total / 1000),
        "-movflags",
        "+faststart",
        "-progress",
        "pipe:1",
        "-stats_period",
        "0.1",
        "-nostats",
        "-f",
        "mp4",
        "-y",
        str(output),
    ]


def generated_media_command(
    kind: str, spec: dict[str, Any], width: int, height: int, output: Path
) -> list[str]:
    """The ffmpeg command that writes a generated clip (MP4) or tone (M4A) to a file."""
    seconds = num(float(spec.get("duration") or 5.0))
    if kind == "video":
        return [
            ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error",
            "-f", "lavfi", "-t", seconds, "-i", video_source(spec, width, height),
            "-f", "lavfi", "-t", seconds, "-i", "anullsrc=r=44100:cl=stereo",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", "-movflags", "+faststart", "-f", "mp4", "-y", str(output),
        ]  # fmt: skip
    expr = tone_expression(spec.get("freqs") or ())
    return [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error",
        "-f", "lavfi", "-t", seconds, "-i", f"aevalsrc=exprs='{expr}':s=44100:c=stereo",
        "-c:a", "aac", "-b:a", "128k", "-f", "mp4", "-y", str(output),
    ]  # fmt: skip
