"""The child process that reads documents: ``python -I -m officeflow.documents.child MEMORY CPU``.

It limits its own address space (``RLIMIT_AS``) and core dumps at start, then serves requests
on standard input, one at a time: a frame (4-byte big-endian length, then JSON) with the
options, a frame with the file's bytes. Before each document it allows itself ``CPU`` more
seconds of CPU time (``RLIMIT_CPU``'s soft limit, past which the kernel ends it). It answers
with one JSON frame: the extraction, or the error's kind and reason. The parent enforces the
wall-clock time and restarts a child that died.
"""

from __future__ import annotations

import json
import resource
import struct
import sys
from datetime import date
from typing import Any, BinaryIO

from officeflow.documents.errors import DocumentError
from officeflow.documents.limits import Limits
from officeflow.documents.memory import VendorMemory
from officeflow.documents.serialise import to_dict


def read_frame(stream: BinaryIO) -> bytes | None:
    head = stream.read(4)
    if len(head) < 4:
        return None
    (size,) = struct.unpack(">I", head)
    body = stream.read(size)
    return body if len(body) == size else None


def write_frame(stream: BinaryIO, body: bytes) -> None:
    stream.write(struct.pack(">I", len(body)) + body)
    stream.flush()


def _answer(reader: Any, options: dict[str, Any], data: bytes) -> dict[str, Any]:
    try:
        memory = VendorMemory.from_json(options["memory"]) if options.get("memory") else None
        extraction = reader.read(
            data,
            kind=options.get("kind", "auto"),
            engine=options.get("engine", "auto"),
            memory=memory,
            today=date.fromisoformat(options["today"]) if options.get("today") else None,
        )
    except DocumentError as exc:
        return {"ok": False, "kind": exc.kind, "reason": exc.reason}
    except MemoryError:
        return {"ok": False, "kind": "refused", "reason": "reading the document needed more memory than allowed"}
    except RecursionError:
        return {"ok": False, "kind": "refused", "reason": "the document is nested too deeply"}
    return {"ok": True, "extraction": to_dict(extraction, full=True)}


def main() -> None:
    memory, cpu = int(sys.argv[1]), int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    from officeflow.documents.reader import Reader

    limits = Limits(**json.loads(sys.argv[3])) if len(sys.argv) > 3 else Limits()
    reader = Reader(limits=limits)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing a library prints may corrupt the answers
    while True:
        options_raw = read_frame(stdin)
        data = read_frame(stdin) if options_raw is not None else None
        if options_raw is None or data is None:
            return
        usage = resource.getrusage(resource.RUSAGE_SELF)
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = int(usage.ru_utime + usage.ru_stime) + cpu
        resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
        answer = _answer(reader, json.loads(options_raw), data)
        write_frame(stdout, json.dumps(answer, ensure_ascii=False).encode())


if __name__ == "__main__":
    main()
