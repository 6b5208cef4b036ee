"""The video tracks of a render: the first track's clips one after the other (gaps
black, `tr` fades), then every further track drawn over it where it has segments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.simulator.render_graph import (
    AUDIO_FORMAT,
    FPS,
    FileSource,
    GeneratedSource,
    Graph,
    Resolver,
    clean_segments,
    num,
    video_source,
)

_FADE = 0.3

Piece = tuple[dict[str, Any] | None, float]
"""A stretch of the first track: its segment (None for a black gap) and its seconds."""


def fit_filter(width: int, height: int) -> str:
    """Scale and pad a picture into the output size, at the output's frame rate."""
    return (
        f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
        f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,fps={FPS},format=yuv420p"
    )


def base_track(
    segments: Sequence[Any],
    total: int,
    graph: Graph,
    resolve: Resolver,
    fit: str,
    width: int,
    height: int,
) -> None:
    """The first video track and its clips' sound, labelled `[vcat]` and `[acat]`."""
    pieces = _pieces(segments, total)
    concat_inputs = []
    for k, (seg, seconds) in enumerate(pieces):
        _piece(k, seg, seconds, graph, resolve, fit, width, height)
        concat_inputs.append(f"[v{k}][a{k}]")
    graph.chains.append(f"{''.join(concat_inputs)}concat=n={len(pieces)}:v=1:a=1[vcat][acat]")


def _pieces(segments: Sequence[Any], total: int) -> list[Piece]:
    """The first track cut into its segments and the gaps between them, up to `total`."""
    pieces: list[Piece] = []
    cursor = 0
    for segment in clean_segments(segments):
        start, end = segment["s"], min(segment["s"] + segment["d"], total)
        if start >= total or end <= cursor:
            continue
        if start > cursor:
            pieces.append((None, (start - cursor) / 1000))
        begin = max(start, cursor)
        pieces.append((segment, (end - begin) / 1000))
        cursor = end
    if cursor < total:
        pieces.append((None, (total - cursor) / 1000))
    return pieces


def _piece(
    k: int,
    seg: dict[str, Any] | None,
    seconds: float,
    graph: Graph,
    resolve: Resolver,
    fit: str,
    width: int,
    height: int,
) -> None:
    """Piece `k` of the first track as `[v<k>]` and `[a<k>]`: a clip (a shorter one holds
    its last frame), a generated clip, or black and silence."""
    dur = num(seconds)
    source = resolve(seg) if seg is not None else None
    fade = ""
    if seg is not None and seg.get("tr") and seconds >= 1.0:
        fade = f",fade=t=in:st=0:d={_FADE},fade=t=out:st={num(seconds - _FADE)}:d={_FADE}"
    audio_input: int | None = None
    if isinstance(source, FileSource) and source.has_video and source.kind != "audio":
        idx = _clip_input(seg, source, dur, graph)
        audio_input = idx if source.kind != "image" and source.has_audio else None
        graph.chains.append(
            f"[{idx}:v]{fit},tpad=stop_mode=clone:stop_duration={dur},"
            f"trim=duration={dur},setpts=PTS-STARTPTS{fade}[v{k}]"
        )
    else:
        if isinstance(source, GeneratedSource) and source.spec.get("type") == "video":
            lavfi = video_source(source.spec, width, height)
        else:
            lavfi = f"color=c=black:s={width}x{height}:r={FPS}"
        idx = graph.add_input("-f", "lavfi", "-t", dur, "-i", lavfi)
        graph.chains.append(f"[{idx}:v]format=yuv420p,setsar=1{fade}[v{k}]")
    if audio_input is not None:
        graph.chains.append(
            f"[{audio_input}:a]{AUDIO_FORMAT},apad,atrim=duration={dur},"
            f"asetpts=PTS-STARTPTS[a{k}]"
        )
    else:
        graph.chains.append(f"anullsrc=r=44100:cl=stereo,atrim=duration={dur}[a{k}]")


def _clip_input(seg: dict[str, Any] | None, source: FileSource, dur: str, graph: Graph) -> int:
    """Add a stored picture or video (from the segment's `in` point) as an input."""
    offset = float(seg.get("in") or 0) / 1000 if seg else 0.0
    if source.duration:
        offset = max(0.0, min(offset, source.duration - 0.5))
    if source.kind == "image":
        if source.path.suffix.lower() == ".gif":
            return graph.add_input("-ignore_loop", "0", "-t", dur, "-i", str(source.path))
        return graph.add_input(
            "-loop", "1", "-framerate", str(FPS), "-t", dur, "-i", str(source.path)
        )
    return graph.add_input("-ss", num(offset), "-t", dur, "-i", str(source.path))


def overlay_chains(
    tracks: Sequence[dict[str, Any]], total: int, graph: Graph, resolve: Resolver, fit: str
) -> tuple[str, list[str]]:
    """Video tracks after the first, drawn over it where they have segments (a later
    track on top), their sound mixed in; returns the video label and the audio labels."""
    base, audio = "vcat", list[str]()
    for track in tracks:
        for seg in clean_segments(track.get("sg") or []):
            start, end = seg["s"], min(seg["s"] + seg["d"], total)
            if start >= end:
                continue
            dur, at = num((end - start) / 1000), num(start / 1000)
            idx = _layer_input(seg, resolve(seg), start, dur, graph, audio)
            if idx is None:
                continue
            layer, after = f"l{idx}", f"b{idx}"
            graph.chains.append(
                f"[{idx}:v]{fit},tpad=stop_mode=clone:stop_duration={dur},trim=duration={dur},"
                f"setpts=PTS-STARTPTS+{at}/TB[{layer}]")
            graph.chains.append(
                f"[{base}][{layer}]overlay=eof_action=pass:"
                f"enable='between(t,{at},{num(end / 1000)})'[{after}]")
            base = after
    return base, audio


def _layer_input(
    seg: dict[str, Any],
    source: FileSource | GeneratedSource | None,
    start: int,
    dur: str,
    graph: Graph,
    audio: list[str],
) -> int | None:
    """Add a layer segment's picture as an input, its sound (delayed to `start`) to
    `audio`; None when it shows nothing."""
    if isinstance(source, FileSource) and source.has_video:
        if source.kind == "image":
            return graph.add_input("-loop", "1", "-framerate", str(FPS), "-t", dur,
                                   "-i", str(source.path))
        offset = num(float(seg.get("in") or 0) / 1000)
        idx = graph.add_input("-ss", offset, "-t", dur, "-i", str(source.path))
        if source.has_audio:
            label = f"la{len(audio)}"
            graph.chains.append(
                f"[{idx}:a]{AUDIO_FORMAT},apad,atrim=duration={dur},"
                f"asetpts=PTS-STARTPTS,adelay=delays={start}:all=1[{label}]")
            audio.append(label)
        return idx
    if isinstance(source, GeneratedSource) and source.spec.get("type") == "video":
        return graph.add_input("-f", "lavfi", "-t", dur, "-i",
                               video_source(source.spec, 16, 16))
    return None
