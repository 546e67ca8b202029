"""Token counting for prompt-size reports, offline.

bpe_openai ships its BPE tables inside the package; tiktoken would download them at run time and
fail without network, so it is not used.
"""

from __future__ import annotations

from functools import lru_cache

import bpe_openai

DEFAULT_MODEL = "gpt-4o"


@lru_cache(maxsize=4)
def _encoding(model: str) -> bpe_openai.Encoding:
    try:
        return bpe_openai.encoding_for_model(model)
    except bpe_openai.UnsupportedModelError:
        # Local models (llama, qwen…) have their own tokenizers; gpt-4o's is a fair estimate.
        return bpe_openai.encoding_for_model(DEFAULT_MODEL)


def count_tokens(text: str, model: str = DEFAULT_MODEL) -> int:
    """How many tokens `text` takes for `model` (gpt-4o's o200k encoding when unknown)."""
    if not text:
        return 0
    return len(_encoding(model).encode_ordinary(text))
