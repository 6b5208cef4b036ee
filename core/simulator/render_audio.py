"""The music of a render: BGM tracks (stored audio or generated tones) at their volume,
mixed with the clips' own sound."""

from __future__ import annotations

from typing import Any

from core.simulator import drafts
from core.simulator.render_graph import (
    AUDIO_FORMAT,
    FileSource,
    GeneratedSource,
    Graph,
    Resolver,
    clean_segments,
    num,
    tone_expression,
    tracks_of,
)


def music_chains(draft: dict[str, Any], total: int, graph: Graph, resolve: Resolver) -> list[str]:
    """Every BGM track at its volume `v`, each segment delayed to its start; returns the
    audio labels."""
    labels: list[str] = []
    for track in tracks_of(draft, drafts.AUDIO):
        volume = track.get("v", 100)
        if not isinstance(volume, int | float):
            volume = 100
        gain = float(volume) if volume <= 1 else float(volume) / 100
        for seg in clean_segments(track.get("sg") or []):
            start = seg["s"]
            if start >= total:
                continue
            seconds = (min(start + seg["d"], total) - start) / 1000
            dur = num(seconds)
            source = resolve(seg)
            if isinstance(source, FileSource) and source.has_audio:
                offset = num(float(seg.get("in") or 0) / 1000)
                idx = graph.add_input(
                    "-stream_loop", "-1", "-ss", offset, "-t", dur, "-i", str(source.path)
                )
                head = f"[{idx}:a]{AUDIO_FORMAT},"
            elif isinstance(source, GeneratedSource) and source.spec.get("type") == "tone":
                expr = tone_expression(source.spec.get("freqs") or ())
                idx = graph.add_input(
                    "-f", "lavfi", "-t", dur, "-i", f"aevalsrc=exprs='{expr}':s=44100:c=stereo"
                )
                head = f"[{idx}:a]{AUDIO_FORMAT},"
            else:
                continue
            label = f"m{len(labels)}"
            graph.chains.append(
                f"{head}apad,atrim=duration={dur},asetpts=PTS-STARTPTS,"
                f"volume={gain:.3f},adelay=delays={start}:all=1[{label}]"
            )
            labels.append(label)
    return labels


def mix_chains(music: list[str], graph: Graph) -> None:
    """Mix the music labels into the first track's sound (`[acat]`), as `[aout]`."""
    if music:
        labels = "".join(f"[{label}]" for label in music)
        graph.chains.append(
            f"[acat]{labels}amix=inputs={len(music) + 1}:duration=first:"
            "dropout_transition=0:normalize=0[aout]"
        )
    else:
        graph.chains.append("[acat]anull[aout]")
