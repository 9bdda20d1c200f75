"""Peak memory of the whole server while 8 worst-case uploads arrive at once.

Run: .venv/bin/python bench/decode_memory.py [--clients 8] [--workers 2] [--threads 4]

A throw-away instance (SQLite, demo data, production Argon2id costs) behind gunicorn with the
project's gunicorn.conf.py on a free port of 127.0.0.1; the folder and gunicorn go at the end.
Each client opens the form and sends a report with one file, all at once, in three rounds:

- "accepted worst case": the most expensive files the limits accept, alternately a 4096 x 4096
  RGBA PNG (the most pixels a non-JPEG decode may hold), a 50-megapixel JPEG (decoded at half
  scale) and a PDF just under the object limit;
- "refused bombs": a 190 KB PNG declaring 7000 x 7000 RGBA and a PDF of 370,000 objects (the
  files of the issue: 630 MiB and 333 MiB each before), which must be refused with a message;
- the baseline, in the same run: the same clients sending a report without a file.

Printed per round: the highest total RSS of gunicorn's master and workers sampled every 20 ms,
and the sum of each process's own peak (VmHWM, an upper bound of any simultaneous total), with the
ratio to the baseline round. The bound to hold: < 1024 MiB in all.
"""

from __future__ import annotations

import argparse
import io
import secrets
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import pikepdf
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from submit import (
    Client,
    clean_environment,
    flask,
    free_port,
    gunicorn,
    narrative,
)

MIB = 1024 * 1024
BOUND_MIB = 1024


def rgba_png(side: int) -> bytes:
    """Detail in every channel, so it compresses like a real image and decodes at full cost."""
    gradient = Image.linear_gradient("L").resize((side, side))
    radial = Image.radial_gradient("L").resize((side, side))
    image = Image.merge("RGBA", (gradient, radial, gradient.transpose(Image.Transpose.ROTATE_90),
                                 radial.transpose(Image.Transpose.ROTATE_90)))  # fmt: skip
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def bomb_png(side: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (side, side)).save(out, "PNG", optimize=True)
    return out.getvalue()


def big_jpeg(width: int, height: int) -> bytes:
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def pdf_of(objects: int) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.Junk = pdf.make_indirect(
        pikepdf.Array(pdf.make_indirect(pikepdf.Dictionary(N=i)) for i in range(objects))
    )
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def multipart(client: Client, number: int, name: str, data: bytes | None) -> tuple[bytes, str]:
    boundary = "----cwdecode" + secrets.token_hex(12)
    fields = {
        "csrf_token": client.csrf_token,
        "compact": client.compact,
        "region": "IQ-BG",
        "happened": "IC-1.checkpoint-money",
        "month": "6",
        "year": client.year,
        "force": "police",
        "narrative": narrative(number),
        "identity": "anonymous",
    }
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
        f'filename="{name if data else ""}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        .encode()
        + (data or b"")
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def process_tree(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [master, *(int(p) for p in children.read_text().split())] if children.exists() else []


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Sampler(threading.Thread):
    """Total RSS of gunicorn's processes every 20 ms, keeping the highest."""

    def __init__(self, master: int) -> None:
        super().__init__(daemon=True)
        self.master = master
        self.highest = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                total = sum(status_kib(p, "VmRSS") for p in process_tree(self.master))
            except (FileNotFoundError, ProcessLookupError):
                total = 0
            self.highest = max(self.highest, total)
            time.sleep(0.02)


def run_round(
    port: int, master: int, files: list[tuple[str, bytes | None]]
) -> tuple[float, float, list[int], list[str]]:
    """Send every file at once from its own client; (sampled peak, sum of VmHWM) in MiB."""
    clients = [Client(port) for _ in files]
    for client in clients:
        client.open_form()
    bodies = [multipart(c, n, name, data) for n, (c, (name, data)) in
              enumerate(zip(clients, files, strict=True))]  # fmt: skip
    statuses: list[int] = [0] * len(files)
    pages: list[str] = [""] * len(files)
    start = threading.Barrier(len(files))

    def send(index: int) -> None:
        start.wait()
        status, page, _ = clients[index].request("POST", "/report/new", *bodies[index])
        statuses[index], pages[index] = status, page.decode(errors="replace")

    sampler = Sampler(master)
    sampler.start()
    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(files))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    time.sleep(0.1)
    sampler.stop.set()
    sampler.join()
    hwm = sum(status_kib(p, "VmHWM") for p in process_tree(master))
    return sampler.highest / 1024, hwm / 1024, statuses, pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    print("building the files ...", flush=True)
    accepted = [
        ("max.png", rgba_png(4096)),
        ("50mp.jpg", big_jpeg(8160, 6120)),
        ("complex.pdf", pdf_of(19_000)),
    ]
    bombs = [("bomb.png", bomb_png(7000)), ("many.pdf", pdf_of(370_000))]
    for name, data in (*accepted, *bombs):
        print(f"  {name}: {len(data) / MIB:.2f} MB")

    work = Path(tempfile.mkdtemp(prefix="cw-decode-bench-"))
    try:
        env = clean_environment(work / "instance", None, None)
        flask(env, "db", "upgrade")
        flask(env, "portal", "init")
        flask(env, "portal", "demo")
        port = free_port()
        with gunicorn(env, port, args.workers, args.threads, work / "gunicorn.log") as master:
            rounds = {
                "baseline (no file)": [("", None)] * args.clients,
                "accepted worst case": [accepted[i % 3] for i in range(args.clients)],
                "refused bombs": [bombs[i % 2] for i in range(args.clients)],
            }
            results = {}
            for label, files in rounds.items():
                results[label] = run_round(port, master, files)
        baseline = results["baseline (no file)"][0]
        print(f"\n{args.clients} concurrent uploads; gunicorn {args.workers} workers x "
              f"{args.threads} threads; production Argon2id (64 MiB x 3)")  # fmt: skip
        print(f"{'round':24}{'peak RSS (MiB)':>16}{'sum of VmHWM':>14}{'x baseline':>12}  answers")
        for label, (peak, hwm, statuses, _pages) in results.items():
            answers = ", ".join(f"{s}x{statuses.count(s)}" for s in sorted(set(statuses)))
            print(f"{label:24}{peak:>16.0f}{hwm:>14.0f}{peak / baseline:>12.2f}  {answers}")
        refused = results["refused bombs"]
        # The clients read Arabic: the refusal is the message under the file field.
        named = sum('<p class="error-message" id="files-error">' in page for page in refused[3])
        print(f"refused bombs with their own message under the file field: {named} of "
              f"{args.clients}")  # fmt: skip
        worst = max(hwm for _peak, hwm, _s, _p in results.values())
        print(f"bound: every round under {BOUND_MIB} MiB (sum of per-process peaks): "
              f"{'holds' if worst < BOUND_MIB else 'BROKEN'} ({worst:.0f} MiB)")  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
