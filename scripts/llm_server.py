"""Run llama-cpp-python's OpenAI-compatible server with a tool-calling chat format that honours max_tokens.

Runs in .venv-llm (see scripts/llm_server.sh), not in officeflow's venv:

    .venv-llm/bin/python scripts/llm_server.py --model FILE.gguf --port 8090 [server options]

llama-cpp-python 0.3.16's ``chatml-function-calling`` handler drops the request's ``max_tokens``
when the model may choose between a message and a tool call (``tool_choice: "auto"``): it
generates the message and the tool arguments with ``max_tokens=None``, i.e. until the context is
full, which with a small model takes minutes. This launcher registers ``chatml-function-calling-capped``,
the same handler with every inner completion capped at the request's ``max_tokens``, and starts
the stock server with it (unless ``--chat_format`` says otherwise). The server answers one request
at a time (it holds a lock around the model), so the per-call patch below cannot leak into
another request.
"""

from __future__ import annotations

import sys
from typing import Any

from llama_cpp import llama_chat_format
from llama_cpp.server.__main__ import main

CAPPED = "chatml-function-calling-capped"


@llama_chat_format.register_chat_completion_handler(CAPPED)
def chatml_function_calling_capped(llama: Any, messages: Any, max_tokens: int | None = None, **kwargs: Any) -> Any:
    """``chatml_function_calling`` with each inner completion limited to ``max_tokens``."""
    create_completion = llama.create_completion

    def capped(*args: Any, **inner: Any) -> Any:
        if inner.get("max_tokens") is None:
            inner["max_tokens"] = max_tokens
        return create_completion(*args, **inner)

    llama.create_completion = capped
    try:
        return llama_chat_format.chatml_function_calling(llama, messages, max_tokens=max_tokens, **kwargs)
    finally:
        del llama.create_completion  # the instance attribute; the class's method shows again


if __name__ == "__main__":
    if not any(arg.startswith("--chat_format") for arg in sys.argv[1:]):
        sys.argv += ["--chat_format", CAPPED]
    main()
