"""Requests/s of the pages people read most, each beside a bare FastAPI route returning the same bytes, same run.

Targets: the home page, a guide page (`/items/<id>`, by default the demo's item 1, about 22 KB), a
search (`/search?q=…`), the item JSON (`/api/v1/items/<id>`) and `/healthz`.

- tongban: a seeded demo database (`tongban db upgrade` and `tongban seed demo` into a temporary
  SQLite file, TONGBAN_ENV=development), served by one `tongban serve` process on a free port;
- the peer: one uvicorn process (the same uvicorn, default settings, access log on as `tongban serve`
  has it) serving `bare_app` below, a FastAPI app with one plain route per target at the same path,
  returning the bytes and content type tongban answered for that target when the run started.

The load comes from this process: an asyncio HTTP/1.1 client on raw streams (no dependency to
install) holding `--connections` keep-alive connections, each sending one request after another
for `--duration` seconds per target and side, like `wrk -c16`. No cookies are kept, as wrk keeps
none. Sides alternate within every target and round, so a machine that gets busier or quieter
weighs on both alike. The client's share of a core is reported: near 100 % it, not the server,
would be what limits a figure.

Ratios are tongban requests/s ÷ bare requests/s. The goal (issue 20): home and guide ≥ 0.5,
healthz ≥ 0.7; search and item JSON are reported without one. Beside them, the CPU time each server process
spent per request (Linux: /proc/<pid>/stat) and the bare side's ÷ tongban's: on a machine that other work keeps
busy, requests/s swing with it, while a request's CPU time moves much less.

    python bench/pages.py [--duration 3] [--rounds 2] [--connections 16] [--item-id 1] [--query 开饭店要办啥]
                          [--database-url URL] [--json]

`--database-url` serves an already seeded database instead of seeding a fresh one (saves ~40 s).
With `--json` the last line is one JSON object: `{"home_ratio", "guide_ratio", "search_ratio",
"item_json_ratio", "healthz_ratio"}` plus the raw figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, unquote

BENCH = Path(__file__).resolve().parent
TARGETS = ("home", "guide", "search", "item_json", "healthz")
GOALS = {"home": 0.5, "guide": 0.5, "healthz": 0.7}
BARE_DIR_ENV = "TONGBAN_BENCH_BARE_DIR"


def bare_app():
    """The peer: one plain FastAPI route per target, answering the bytes tongban gave (uvicorn --factory)."""
    from fastapi import FastAPI

    directory = Path(os.environ[BARE_DIR_ENV])
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    app = FastAPI()
    for name, entry in manifest.items():
        route = _bare_route((directory / f"{name}.body").read_bytes(), entry["content_type"])
        app.add_api_route(entry["path"].split("?", 1)[0], route, methods=["GET"], name=name)
    return app


def _bare_route(body: bytes, content_type: str):
    from fastapi.responses import Response

    # A sync route, as tongban's pages and /healthz are: both sides pay the same hop to the thread pool.
    def route() -> Response:
        return Response(content=body, media_type=content_type)

    return route


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tongban_command() -> list[str]:
    script = Path(sys.executable).with_name("tongban")
    return [str(script)] if script.exists() else ["tongban"]


def seed(env: dict) -> float:
    started = time.perf_counter()
    for args in (["db", "upgrade"], ["seed", "demo"]):
        done = subprocess.run(tongban_command() + args, env=env, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"tongban {' '.join(args)} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_ready(port: int, process: subprocess.Popen, log: Path, timeout: float = 180.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} exited ({process.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"server on port {port} not ready after {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


def capture(port: int, paths: dict[str, str], directory: Path) -> dict[str, dict]:
    """What tongban answers for each target, written where `bare_app` reads it."""
    import httpx

    manifest = {}
    for name, path in paths.items():
        response = httpx.get(f"http://127.0.0.1:{port}{path}", timeout=60)
        if response.status_code != 200:
            raise SystemExit(f"tongban answered {response.status_code} for {path}: {response.text[:300]}")
        (directory / f"{name}.body").write_bytes(response.content)
        manifest[name] = {"path": path, "content_type": response.headers["content-type"], "bytes": len(response.content)}
    (directory / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return manifest


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, whether the server keeps the connection open), the body read and dropped."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split(b" ", 2)[1])
    length, chunked, keep = 0, False, True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        key, _, value = line.partition(b":")
        key, value = key.strip().lower(), value.strip().lower()
        if key == b"content-length":
            length = int(value)
        elif key == b"transfer-encoding" and b"chunked" in value:
            chunked = True
        elif key == b"connection" and value == b"close":
            keep = False
    if chunked:
        while True:
            size = int((await reader.readline()).split(b";", 1)[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, keep


async def _connection(port: int, request: bytes, deadline: float, tally: dict) -> None:
    reader = writer = None
    try:
        while time.perf_counter() < deadline:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            status, keep = await _read_response(reader)
            tally["ok" if status == 200 else "errors"] += 1
            if not keep:
                writer.close()
                writer = None
    except (ConnectionError, asyncio.IncompleteReadError, OSError):
        tally["errors"] += 1
    finally:
        if writer is not None:
            writer.close()


async def _load(port: int, path: str, connections: int, duration: float) -> dict:
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: tongban-bench\r\nAccept: */*\r\n\r\n".encode()
    tally = {"ok": 0, "errors": 0}
    start = time.perf_counter()
    await asyncio.gather(*(_connection(port, request, start + duration, tally) for _ in range(connections)))
    return {**tally, "seconds": time.perf_counter() - start}


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) the process has used so far; 0 where /proc is not there."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def load(port: int, path: str, connections: int, duration: float, pid: int | None = None) -> dict:
    cpu, served = time.process_time(), server_cpu(pid) if pid else 0.0
    result = asyncio.run(_load(port, path, connections, duration))
    result["client_cpu_s"] = time.process_time() - cpu
    result["server_cpu_s"] = server_cpu(pid) - served if pid else 0.0
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=3.0, help="seconds per target, side and round")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--warmup", type=float, default=0.5, help="untimed seconds per target and side first")
    ap.add_argument("--item-id", type=int, default=1, help="the item of the guide page and the item JSON")
    ap.add_argument("--query", default="开饭店要办啥")
    ap.add_argument("--database-url", default="", help="serve this seeded database instead of seeding a fresh SQLite file")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="tongban-bench-pages-"))
    bare_dir = workdir / "bare"
    bare_dir.mkdir()
    url = args.database_url or f"sqlite:///{workdir / 'demo.db'}"
    env = {**os.environ, "TONGBAN_ENV": "development", "TONGBAN_DATABASE_URL": url}
    paths = {
        "home": "/",
        "guide": f"/items/{args.item_id}",
        "search": "/search?q=" + quote(args.query),
        "item_json": f"/api/v1/items/{args.item_id}",
        "healthz": "/healthz",
    }
    processes: list[subprocess.Popen] = []
    try:
        seed_s = 0.0 if args.database_url else seed(env)
        tongban_port, bare_port = free_port(), free_port()
        tongban = start(tongban_command() + ["serve", "--host", "127.0.0.1", "--port", str(tongban_port)], env,
                        workdir / "tongban.log")
        processes.append(tongban)
        wait_ready(tongban_port, tongban, workdir / "tongban.log")
        manifest = capture(tongban_port, paths, bare_dir)
        bare = start([sys.executable, "-m", "uvicorn", "pages:bare_app", "--factory", "--app-dir", str(BENCH),
                      "--host", "127.0.0.1", "--port", str(bare_port), "--log-level", "info"],
                     {**env, BARE_DIR_ENV: str(bare_dir)}, workdir / "bare.log")
        processes.append(bare)
        wait_ready(bare_port, bare, workdir / "bare.log")
        ports = {"tongban": tongban_port, "bare": bare_port}
        pids = {"tongban": tongban.pid, "bare": bare.pid}
        if args.warmup > 0:  # templates compiled, caches filled, the search index built: a serving process's state
            for name in TARGETS:
                for side in ports:
                    load(ports[side], paths[name], args.connections, args.warmup)
        totals = {side: {name: {"ok": 0, "errors": 0, "seconds": 0.0, "client_cpu_s": 0.0, "server_cpu_s": 0.0}
                         for name in TARGETS} for side in ports}
        for r in range(max(1, args.rounds)):
            for name in TARGETS:
                for side in (("tongban", "bare") if r % 2 == 0 else ("bare", "tongban")):
                    figures = load(ports[side], paths[name], args.connections, args.duration, pids[side])
                    for key, value in figures.items():
                        totals[side][name][key] += value
    finally:
        for process in reversed(processes):
            stop(process)

    rps = {side: {name: t["ok"] / t["seconds"] for name, t in by_name.items()} for side, by_name in totals.items()}
    client_cpu = {side: {name: t["client_cpu_s"] / t["seconds"] for name, t in by_name.items()} for side, by_name in totals.items()}
    ratios = {name: rps["tongban"][name] / rps["bare"][name] if rps["bare"][name] else None for name in TARGETS}
    cpu_ms = {side: {name: 1000 * t["server_cpu_s"] / t["ok"] if t["ok"] else 0.0 for name, t in by_name.items()}
              for side, by_name in totals.items()}
    cpu_ratios = {name: cpu_ms["bare"][name] / cpu_ms["tongban"][name] if cpu_ms["tongban"][name] else None
                  for name in TARGETS}
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"pages on {'a fresh demo SQLite database' if not args.database_url else url.split(':', 1)[0]} ({date}); "
          f"{args.connections} connections, {args.rounds} rounds × {args.duration:g} s per target and side"
          + (f"; seeding took {seed_s:.0f} s" if seed_s else ""))
    print(f"\n  {'target':<10} {'path':<32} {'bytes':>7} {'tongban/s':>10} {'bare/s':>9} {'ratio':>7} {'goal':>6} "
          f"{'client CPU':>11} {'ms CPU/req':>13} {'CPU ratio':>9}")
    for name in TARGETS:
        goal = GOALS.get(name)
        cpu_share = max(client_cpu["tongban"][name], client_cpu["bare"][name])
        shown = unquote(paths[name])[:32]
        shown += " " * max(0, 32 - sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in shown))
        print(f"  {name:<10} {shown} {manifest[name]['bytes']:>7} {rps['tongban'][name]:>10.1f} "
              f"{rps['bare'][name]:>9.1f} {ratios[name]:>7.3f} {('≥ ' + format(goal, 'g')) if goal else '':>6} {cpu_share:>10.0%} "
              f"{cpu_ms['tongban'][name]:>6.2f}/{cpu_ms['bare'][name]:<6.2f} "
              f"{format(cpu_ratios[name], '.3f') if cpu_ratios[name] else '–':>9}")
    errors = {side: {name: t["errors"] for name, t in by_name.items() if t["errors"]} for side, by_name in totals.items()}
    if any(errors.values()):
        print(f"\nnon-200 answers or broken connections: {errors}")
    misses = [name for name, goal in GOALS.items() if ratios[name] is not None and ratios[name] < goal]
    print("\nratio = tongban requests/s ÷ bare route requests/s for the same bytes; client CPU = the load generator's "
          "busiest share of a core;\nms CPU/req = each server process's CPU time per request, tongban/bare; "
          "CPU ratio = bare's ÷ tongban's")
    print("goal (issue 20): home, guide ≥ 0.5, healthz ≥ 0.7: " + (f"missed by {', '.join(misses)}" if misses else "met"))
    if args.json:
        report = {f"{name}_ratio": round(ratios[name], 3) if ratios[name] is not None else None for name in TARGETS}
        report.update({
            "date": date,
            "tongban_rps": {name: round(v, 1) for name, v in rps["tongban"].items()},
            "bare_rps": {name: round(v, 1) for name, v in rps["bare"].items()},
            "bytes": {name: manifest[name]["bytes"] for name in TARGETS},
            "paths": paths,
            "client_cpu_share": {side: {name: round(v, 3) for name, v in by.items()} for side, by in client_cpu.items()},
            "server_cpu_ms_per_request": {side: {name: round(v, 3) for name, v in by.items()} for side, by in cpu_ms.items()},
            "cpu_ratio": {name: round(v, 3) if v is not None else None for name, v in cpu_ratios.items()},
            "errors": errors,
            "goals": GOALS,
            "goals_met": not misses,
            "connections": args.connections,
            "duration_s": args.duration,
            "rounds": args.rounds,
            "database": url.split(":", 1)[0],
        })
        print(json.dumps(report, ensure_ascii=False))
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
