"""Keeping the simulator's state across runs in one data directory (the embedded default):
users, tokens, sessions with their drafts, uploaded and generated media, claims and
renders go to `state.json` beside the files; a new run loads them, so a chat continues
its project. URLs of the previous run's address are moved to the new one; renders that
were running start again; credits frozen by an interrupted turn return to the balance.

One process at a time owns a data directory (an exclusive lock on `state.lock`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import time
from pathlib import Path
from typing import IO, Any

from core.simulator.state import (
    GeneratedMedia,
    MediaFile,
    RenderJob,
    Session,
    Store,
    Token,
    User,
)

log = logging.getLogger(__name__)

VERSION = 1


def lock(directory: Path) -> IO[str] | None:
    """Take the directory's lock; None when another process holds it. Keep the returned
    file open for as long as the lock is needed."""
    directory.mkdir(parents=True, exist_ok=True)
    handle = (directory / "state.lock").open("a", encoding="utf-8")
    try:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:  # no fcntl (Windows): one process is assumed
        return handle
    except OSError:
        handle.close()
        return None
    return handle


def _fields(obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    found = {}
    for item in dataclasses.fields(obj):
        if item.name in skip:
            continue
        value = getattr(obj, item.name)
        found[item.name] = str(value) if isinstance(value, Path) else value
    return found


def snapshot(store: Store, base_url: str) -> dict[str, Any]:
    """The store as JSON-able data."""
    sessions = {}
    for sid, session in store.sessions.items():
        data = _fields(session, skip=("lock", "media", "generated"))
        data["media"] = [m.media_id for m in session.media]
        data["generated"] = [g.gen_id for g in session.generated]
        sessions[sid] = data
    return {
        "version": VERSION,
        "base_url": base_url,
        "users": {uid: _fields(user) for uid, user in store.users.items()},
        "tokens": [{**_fields(token), "value": token.value} for token in store.tokens.values()],
        "client_users": store.client_users,
        "client_issues": {client: [token.value for token in tokens]
                          for client, tokens in store.client_issues.items()},
        "sessions": sessions,
        "claims": store.claims,
        "media": {mid: _fields(media) for mid, media in store.media.items()},
        "generated": {gid: _fields(gen) for gid, gen in store.generated.items()},
        "renders": {rid: _fields(job, skip=("task",)) for rid, job in store.renders.items()},
    }


def save(path: Path, store: Store, base_url: str) -> None:
    """Write the state atomically."""
    data = json.dumps(snapshot(store, base_url), ensure_ascii=False)
    partial = path.with_suffix(".partial")
    partial.write_text(data, encoding="utf-8")
    os.replace(partial, path)


def _rebase(value: Any, old: str, new: str) -> Any:
    """Every string starting with the old address, moved to the new one."""
    if isinstance(value, str):
        return new + value[len(old):] if old and value.startswith(old) else value
    if isinstance(value, list):
        return [_rebase(item, old, new) for item in value]
    if isinstance(value, dict):
        return {key: _rebase(item, old, new) for key, item in value.items()}
    return value


def load(path: Path, store: Store, base_url: str) -> list[RenderJob]:
    """Fill `store` from the state file; returns the renders to start again."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        log.warning("simulator state %s is unreadable (%s); starting afresh", path, exc)
        return []
    if not isinstance(raw, dict) or raw.get("version") != VERSION:
        log.warning("simulator state %s has another version; starting afresh", path)
        return []
    data = _rebase(raw, str(raw.get("base_url") or ""), base_url)
    try:
        return _fill(store, data)
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("simulator state %s is damaged (%r); starting afresh", path, exc)
        store.reset()
        return []


def _fill(store: Store, data: dict[str, Any]) -> list[RenderJob]:
    for uid, user in data["users"].items():
        # work that was running when the last run stopped will not finish: refund it
        store.users[uid] = User(uid, int(user["available"]) + int(user["frozen"]))
    for token in data["tokens"]:
        store.tokens[token["value"]] = Token(token["value"], token["user_id"],
                                             tuple(token["scopes"]), token["expires_at"])
    store.client_users.update(data["client_users"])
    for client, values in data["client_issues"].items():
        store.client_issues[client] = [store.tokens[v] for v in values if v in store.tokens]
    store.claims.update({k: (v[0], v[1]) for k, v in data["claims"].items()})
    for mid, media in data["media"].items():
        store.media[mid] = MediaFile(**{**media, "path": Path(media["path"])})
    for gid, gen in data["generated"].items():
        path = Path(gen["path"]) if gen.get("path") else None
        store.generated[gid] = GeneratedMedia(**{**gen, "path": path})
    for sid, session in data["sessions"].items():
        media = [store.media[m] for m in session.pop("media") if m in store.media]
        generated = [store.generated[g] for g in session.pop("generated") if g in store.generated]
        store.sessions[sid] = Session(**session, media=media, generated=generated)
    again = []
    for rid, job in data["renders"].items():
        output = Path(job["output_path"]) if job.get("output_path") else None
        render = RenderJob(**{**job, "output_path": output, "started": time.monotonic()})
        if not render.finished:
            render.status, render.progress, render.encoded = "pending", 0, 0.0
            again.append(render)
        store.renders[rid] = render
    return again


def close(handle: IO[str] | None) -> None:
    """Let go of the directory's lock."""
    if handle is not None:
        with contextlib.suppress(OSError):
            handle.close()
