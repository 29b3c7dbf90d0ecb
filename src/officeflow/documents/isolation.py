"""Reading documents in a resource-limited child process, as the task page renders PDFs.

A document is untrusted input, and its readers (pdfium, pdfminer, libtiff, libjpeg, Tesseract,
onnxruntime) are large native libraries: a crafted file could take all the memory or the CPU,
or crash the process that reads it. ``Extractor`` keeps one child process (``python -I -m
officeflow.documents.child``) that limits its own address space and its CPU time per document;
the parent gives each document a wall-clock deadline. A child that dies or runs late is ended
and the document refused with the reason; the next document gets a fresh child. Keeping the
child between documents saves its start (imports and OCR models, about a second).
"""

from __future__ import annotations

import json
import os
import select
import struct
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from datetime import date
from typing import Any

from officeflow.documents.errors import DocumentRefused, DocumentUnreadable, error_of_kind
from officeflow.documents.limits import Limits
from officeflow.documents.memory import VendorMemory
from officeflow.documents.model import Extraction
from officeflow.documents.serialise import from_dict


class Extractor:
    """Reads documents in a limited child process; a context manager, safe across threads."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._child: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _stop(self) -> None:
        child, self._child = self._child, None
        if child is None:
            return
        if child.stdin:
            child.stdin.close()
        try:
            child.wait(timeout=2)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        if child.stdout:
            child.stdout.close()

    def _start(self) -> subprocess.Popen[bytes]:
        if self._child is None or self._child.poll() is not None:
            limits = json.dumps(asdict(self.limits))
            self._child = subprocess.Popen(
                [
                    sys.executable,
                    "-I",
                    "-m",
                    "officeflow.documents.child",
                    str(self.limits.memory),
                    str(self.limits.cpu_seconds),
                    limits,
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        return self._child

    def extract(
        self,
        data: bytes,
        *,
        filename: str = "",
        kind: str = "auto",
        engine: str = "auto",
        vendor_memory: VendorMemory | None = None,
        today: date | None = None,
    ) -> Extraction:
        """The document's extraction; DocumentRefused or DocumentUnreadable with the reason."""
        if len(data) > self.limits.max_bytes:
            raise DocumentRefused(
                f"{filename or 'the file'} has {len(data):,} bytes, more than the {self.limits.max_bytes:,} allowed"
            )
        options: dict[str, Any] = {"kind": kind, "engine": engine, "filename": filename}
        if vendor_memory is not None:
            options["memory"] = vendor_memory.to_json()
        if today is not None:
            options["today"] = today.isoformat()
        with self._lock:
            child = self._start()
            assert child.stdin is not None
            assert child.stdout is not None
            try:
                head = json.dumps(options).encode()
                child.stdin.write(struct.pack(">I", len(head)) + head + struct.pack(">I", len(data)) + data)
                child.stdin.flush()
                answer = self._receive(child)
            except (BrokenPipeError, ConnectionError):
                answer = None
            if answer is None:
                self._stop()
                raise DocumentRefused("reading the document needed more time or memory than allowed")
        if not answer.get("ok"):
            raise error_of_kind(str(answer.get("kind")), str(answer.get("reason")))
        try:
            return from_dict(answer["extraction"])
        except (KeyError, ValueError, TypeError) as exc:
            raise DocumentUnreadable(f"the reader's answer could not be read ({exc})") from None

    def _receive(self, child: subprocess.Popen[bytes]) -> dict[str, Any] | None:
        assert child.stdout is not None
        deadline = time.monotonic() + self.limits.wall_seconds
        fd = child.stdout.fileno()
        buffer = b""
        need = 4
        size: int | None = None
        while len(buffer) < need:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(fd, max(need - len(buffer), 65536))
            if not chunk:
                return None
            buffer += chunk
            if size is None and len(buffer) >= 4:
                (size,) = struct.unpack(">I", buffer[:4])
                need = 4 + size
        answer: dict[str, Any] = json.loads(buffer[4:need])
        return answer


def extract(
    data: bytes,
    *,
    filename: str = "",
    kind: str = "auto",
    engine: str = "auto",
    vendor_memory: VendorMemory | None = None,
    today: date | None = None,
    limits: Limits | None = None,
) -> Extraction:
    """Read one document in a fresh limited child process (for many, keep an ``Extractor``)."""
    with Extractor(limits) as extractor:
        return extractor.extract(
            data, filename=filename, kind=kind, engine=engine, vendor_memory=vendor_memory, today=today
        )
