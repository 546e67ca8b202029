"""The LLM backend: any OpenAI-compatible chat-completions server through langchain-openai.

The model answers one JSON object (`ModelAnswer`); we ALWAYS validate it with pydantic ourselves,
then let the caller's validator compile and guard it, and feed any error back through the repair
prompt (at most two repairs). The network side is a `Transport`, so the replay backend runs this
exact parsing/validation/repair path from a cassette.

Structured-output method (SEGMENT_ASSISTANT_LLM_METHOD), default `json_mode`: every server we
target accepts `response_format={"type": "json_object"}` (llama.cpp server, Ollama, vLLM, OpenAI),
while `json_schema` depends on the server turning our recursive, discriminated schema into a
grammar (llama.cpp and some vLLM guided-decoding engines reject or ignore parts of it) and
`function_calling` needs a tool-capable chat template (llama.cpp only with --jinja, many Ollama
models refuse tools). In json_mode the answer schema is in the system prompt instead, and pydantic
plus the repair loop catch what the model gets wrong.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.backends.base import (
    BackendError,
    Clarification,
    Draft,
    Interpretation,
    TokenUsage,
    Turn,
    Validator,
)
from assistant.catalog import Catalog
from assistant.config import PROMPTS_DIR
from assistant.fewshot import examples_for, render_examples, select_examples
from assistant.prompts import DEFAULT_VERSION, Prompt, load_prompt
from assistant.spec import SegmentSpec, export_json_schema, json_schema_for
from assistant.tokens import count_tokens

Method = Literal["json_schema", "function_calling", "json_mode"]
MAX_ATTEMPTS = 3  # the first answer plus two repairs
# A repair must fit a small model's context (4,096 tokens with a ~2,000-token first prompt): the
# echoed answer is at most about max_tokens (600) and the problem a few lines (~4 chars a token).
ECHO_CHARS = 2_800
ERROR_CHARS = 1_200
SPLIT_EXAMPLES = 3  # few-shot examples in a v3 prompt
ANSWER_SCHEMA_NAME = "segment_answer"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


class LLMSettings(BaseModel):
    """How to reach the model; `from_env` reads the SEGMENT_ASSISTANT_* / OPENAI_* variables."""

    model_config = ConfigDict(frozen=True)

    api_key: str | None = None
    base_url: str | None = None
    model: str = "gpt-4o-mini"
    temperature: float = 0.0
    timeout: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=2, ge=0)
    method: Method = "json_mode"
    prompt_dir: Path = PROMPTS_DIR
    prompt_version: str = DEFAULT_VERSION
    # A spec is small (~60-250 tokens); this caps runaway answers, which then count as cut off.
    max_tokens: int = Field(default=600, gt=0)
    max_answer_chars: int = Field(default=64_000, gt=0)

    @classmethod
    def from_env(cls, **overrides: Any) -> LLMSettings:
        """Settings from the environment; keyword arguments (e.g. CLI options) win when not None."""
        env = os.environ
        values: dict[str, Any] = {
            "api_key": env.get("OPENAI_API_KEY"),
            "base_url": env.get("OPENAI_BASE_URL"),
            "model": env.get("SEGMENT_ASSISTANT_MODEL"),
            "method": env.get("SEGMENT_ASSISTANT_LLM_METHOD"),
            "prompt_dir": env.get("SEGMENT_ASSISTANT_PROMPT_DIR"),
            "prompt_version": env.get("SEGMENT_ASSISTANT_PROMPT_VERSION"),
            "timeout": env.get("SEGMENT_ASSISTANT_LLM_TIMEOUT"),
            "max_tokens": env.get("SEGMENT_ASSISTANT_LLM_MAX_TOKENS"),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**{k: v for k, v in values.items() if v is not None})

    def resolved_api_key(self) -> str | None:
        # Local servers ignore the key but the client insists on one.
        if self.api_key:
            return self.api_key
        return "not-needed" if self.is_local() else None

    def is_local(self) -> bool:
        return bool(self.base_url) and urlparse(self.base_url).hostname in LOCAL_HOSTS


class ModelAnswer(BaseModel):
    """The JSON object the model must reply with."""

    spec: SegmentSpec | None = None
    sql: str | None = None
    clarification: Clarification | None = None
    refusal: str | None = None
    unrecognized: list[str] = Field(default_factory=list)
    assumptions: list[str] = Field(default_factory=list)
    reset: bool = False


def answer_json_schema(catalog: Catalog | None = None) -> dict[str, Any]:
    """The JSON schema of ModelAnswer with SegmentSpec's schema inlined: with `catalog`, its
    property, event, field and predicate names as enums (what the model is given); without, the
    generic one."""
    schema = ModelAnswer.model_json_schema()
    spec_schema = export_json_schema() if catalog is None else json_schema_for(catalog)
    # The spec's own definitions win: they carry the catalog's names.
    defs = {**schema.pop("$defs", {}), **spec_schema.pop("$defs", {})}
    defs["SegmentSpec"] = spec_schema
    for definition in defs.values():
        _require_kind(definition)
    schema["$defs"] = defs
    schema["title"] = ANSWER_SCHEMA_NAME
    schema["description"] = "A segment spec, fallback SQL, a clarification or a refusal."
    schema["anyOf"] = _one_kind_of_answer(schema["properties"])
    return schema


# Each kind of answer with what may go with it: the grammar a server builds from the schema then
# allows one kind per answer (a small model filled them all at once: a spec, the prompt's sample
# clarification and a refusal together).
ANSWER_KINDS = {
    "spec": ("unrecognized", "assumptions"),
    "sql": ("unrecognized", "assumptions"),
    "clarification": ("unrecognized",),
    "refusal": (),
    "reset": ("assumptions",),
}


def _one_kind_of_answer(properties: dict[str, Any]) -> list[dict[str, Any]]:
    kinds = []
    for kind, extras in ANSWER_KINDS.items():
        own = dict(properties[kind])
        if own.get("anyOf"):  # "X or null" from the optional field: the chosen kind is not null
            own = next((a for a in own["anyOf"] if a.get("type") != "null"), own)
            own = {k: v for k, v in own.items() if k != "default"}
        if kind == "reset":
            own = {"const": True}
        kinds.append(
            {
                "type": "object",
                "properties": {kind: own, **{e: properties[e] for e in extras}},
                "required": [kind],
                "additionalProperties": False,
            }
        )
    return kinds


def _require_kind(definition: dict[str, Any]) -> None:
    """A condition's or window's `kind` has a default, so pydantic's schema leaves it optional;
    but it is the discriminator validation reads, so a grammar-constrained model must write it."""
    if "kind" in definition.get("properties", {}):
        required = definition.setdefault("required", [])
        if "kind" not in required:
            required.insert(0, "kind")


# --- transport ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChatRequest:
    messages: list[tuple[str, str]]  # (role, content) with role in system/user/assistant
    key: str  # identifies the question for cassettes: prompt version, request, spec, attempt


@dataclass(frozen=True)
class RawAnswer:
    text: str
    usage: TokenUsage
    finish_reason: str | None = None
    elapsed_ms: float | None = None  # how long the server took (recorded in cassettes)


@dataclass(frozen=True)
class CallRecord:
    """One model call of a turn, for the eval report: clean or recovered JSON, repairs, size."""

    attempt: int
    prompt_size: int  # tokens of the messages sent, counted here (assistant.tokens)
    prompt_tokens: int  # the server's own count (its tokenizer; cached prefix included)
    completion_tokens: int
    finish_reason: str | None
    clean: bool  # the raw text was one JSON object as it came, nothing recovered
    recovered: tuple[str, ...] = ()  # lenient fixes applied (fences, prose, ==)
    problem: str | None = None  # why the answer could not be used (malformed, invalid, ...)
    elapsed_ms: float | None = None


class Transport(Protocol):
    def complete(self, request: ChatRequest) -> RawAnswer: ...


class ChatOpenAITransport:
    """A real OpenAI-compatible server, through ChatOpenAI.with_structured_output(include_raw).

    `schema` is the answer schema the json_schema and function_calling methods enforce (default:
    the generic one); json_mode sends none.
    """

    def __init__(self, settings: LLMSettings, schema: dict[str, Any] | None = None) -> None:
        from langchain_openai import ChatOpenAI

        self.settings = settings
        api_key = settings.resolved_api_key()
        if api_key is None:
            raise BackendError(
                "No API key: set OPENAI_API_KEY, or OPENAI_BASE_URL to a local server "
                "(Ollama, vLLM, llama.cpp).",
                kind="auth",
            )
        llm = ChatOpenAI(
            model=settings.model,
            base_url=settings.base_url,
            api_key=api_key,
            timeout=settings.timeout,
            max_retries=settings.max_retries,
            temperature=settings.temperature,
            max_tokens=settings.max_tokens,
        )
        if settings.method == "json_mode":
            schema = None
        elif schema is None:
            schema = answer_json_schema()
        self._runnable = llm.with_structured_output(
            schema, method=settings.method, include_raw=True
        )

    def complete(self, request: ChatRequest) -> RawAnswer:
        import openai

        began = time.perf_counter()
        try:
            result = self._runnable.invoke(request.messages)
        except openai.LengthFinishReasonError as err:
            # The client refuses to hand over a cut-off answer; it is still the model's answer.
            answer = _truncated_answer(getattr(err, "completion", None))
        except Exception as err:  # the client's error types are mapped to user-facing kinds
            raise transport_error(err, self.settings) from None
        else:
            answer = raw_answer_from_message(result["raw"])
        elapsed = round((time.perf_counter() - began) * 1000, 1)
        return dataclasses.replace(answer, elapsed_ms=elapsed)


def _truncated_answer(completion: Any) -> RawAnswer:
    usage = getattr(completion, "usage", None)
    choices = getattr(completion, "choices", None) or []
    text = (getattr(choices[0].message, "content", None) or "") if choices else ""
    return RawAnswer(
        text=text,
        usage=TokenUsage(
            prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
            total_tokens=getattr(usage, "total_tokens", 0) or 0,
        ),
        finish_reason="length",
    )


def raw_answer_from_message(message: Any) -> RawAnswer:
    """Raw text of an AIMessage: the tool call's arguments, else the content."""
    refusal = (getattr(message, "additional_kwargs", None) or {}).get("refusal")
    if refusal:
        raise BackendError(f"The language model refused to answer: {refusal}", kind="refused")
    text = _tool_arguments(message)
    if text is None:
        content = message.content
        text = content if isinstance(content, str) else _joined_text(content)
    usage = getattr(message, "usage_metadata", None) or {}
    metadata = getattr(message, "response_metadata", None) or {}
    return RawAnswer(
        text=text,
        usage=TokenUsage(
            prompt_tokens=usage.get("input_tokens", 0),
            completion_tokens=usage.get("output_tokens", 0),
            total_tokens=usage.get("total_tokens", 0),
        ),
        finish_reason=metadata.get("finish_reason"),
    )


def _tool_arguments(message: Any) -> str | None:
    # langchain parses tool calls; broken JSON arguments land in invalid_tool_calls as text.
    for call in getattr(message, "tool_calls", None) or []:
        return json.dumps(call.get("args", {}))
    for call in getattr(message, "invalid_tool_calls", None) or []:
        return call.get("args") or ""
    for call in (getattr(message, "additional_kwargs", None) or {}).get("tool_calls") or []:
        arguments = (call.get("function") or {}).get("arguments")
        if arguments is not None:
            return arguments
    return None


def _joined_text(content: list[Any]) -> str:
    return "".join(part if isinstance(part, str) else str(part.get("text", "")) for part in content)


def transport_error(err: Exception, settings: LLMSettings) -> BackendError:
    """Map the openai client's exceptions to a message for the user and a short kind."""
    import openai

    where = settings.base_url or "the OpenAI API"
    if isinstance(err, BackendError):
        return err
    if isinstance(err, openai.ContentFilterFinishReasonError):
        return BackendError("The language model refused to answer (content filter).", "refused")
    if isinstance(err, openai.APITimeoutError):
        return BackendError(
            f"The language model at {where} did not answer within {settings.timeout:g} s "
            f"({settings.max_retries} retries). Try again, or use a faster model.",
            kind="timeout",
        )
    if isinstance(err, openai.APIConnectionError):
        return BackendError(
            f"Cannot reach the language model server at {where}. Is it running? "
            "Check OPENAI_BASE_URL.",
            kind="connection",
        )
    if isinstance(err, openai.RateLimitError):
        return BackendError(
            f"The language model at {where} is rate limiting us (HTTP 429) even after "
            f"{settings.max_retries} retries. Wait a minute and try again.",
            kind="rate_limited",
        )
    if isinstance(err, openai.AuthenticationError | openai.PermissionDeniedError):
        return BackendError(
            f"The language model at {where} rejected the API key (HTTP {err.status_code}). "
            "Check OPENAI_API_KEY.",
            kind="auth",
        )
    if isinstance(err, openai.APIStatusError):
        if err.status_code >= 500:
            return BackendError(
                f"The language model server at {where} failed (HTTP {err.status_code}) after "
                f"{settings.max_retries} retries. Try again later.",
                kind="server_error",
            )
        return BackendError(
            f"The language model server at {where} rejected the request (HTTP "
            f"{err.status_code}): {_short(str(err.message))}. Check the model name and "
            "SEGMENT_ASSISTANT_LLM_METHOD.",
            kind="bad_request",
        )
    return BackendError(
        f"The language model call failed: {_short(type(err).__name__ + ': ' + str(err))}",
        kind="backend",
    )


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- parsing -------------------------------------------------------------------------------------


class AnswerProblem(Exception):
    """An answer we cannot use; `kind` is malformed, empty or too_long. Fed back for repair."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


def parse_answer(
    raw: RawAnswer,
    max_chars: int,
    catalog: Catalog | None = None,
    recovered: list[str] | None = None,
) -> Interpretation:
    """Validate a raw answer into an Interpretation, or raise AnswerProblem saying why not.

    With `catalog`, the spec is validated against it too: a property, event, field, predicate or
    value it does not have is a problem named for the repair prompt, with the names it has.
    Lenient fixes (Markdown fences, prose around the object, `==` for `=`) are appended to
    `recovered` when given, so a report can count them apart from clean answers.
    """
    fixes = recovered if recovered is not None else []
    text = raw.text.strip()
    if len(text) > max_chars:
        raise AnswerProblem(
            f"the answer was {len(text):,} characters long (limit {max_chars:,})", "too_long"
        )
    if raw.finish_reason == "length":
        raise AnswerProblem("the answer was cut off (it hit the token limit)", "malformed")
    if not text:
        raise AnswerProblem("the answer was empty", "empty")
    data = _lenient_json(text, fixes)
    if not isinstance(data, dict):
        raise AnswerProblem("the answer must be one JSON object", "malformed")
    if _fix_double_equals(data):
        fixes.append("==")
    try:
        context = {"catalog": catalog} if catalog is not None else None
        answer = ModelAnswer.model_validate(data, context=context)
    except ValidationError as err:
        raise AnswerProblem(
            f"the answer does not match the schema: {_validation_summary(err)}", "malformed"
        ) from None
    _check_one_answer(answer)
    return Interpretation(**answer.model_dump(exclude={"spec"}), spec=answer.spec, raw=raw.text)


def _lenient_json(text: str, fixes: list[str]) -> Any:
    """The JSON of an answer: as it came, else without Markdown fences, else the outermost
    {...} of text with prose around it; each fix is noted in `fixes`."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        first_error = err
    unfenced = _strip_fences(text)
    if unfenced != text:
        fixes.append("fences")
        try:
            return json.loads(unfenced)
        except json.JSONDecodeError as err:
            first_error = err
    start, end = unfenced.find("{"), unfenced.rfind("}")
    if 0 <= start < end and (start > 0 or end < len(unfenced) - 1):
        try:
            data = json.loads(unfenced[start : end + 1])
        except json.JSONDecodeError:
            pass
        else:
            fixes.append("prose")
            return data
    raise AnswerProblem(f"the answer is not valid JSON ({first_error})", "malformed") from None


def _fix_double_equals(value: Any) -> bool:
    """Replace a condition's op "==" by "=" in place (a common slip of small models)."""
    changed = False
    if isinstance(value, dict):
        if value.get("op") == "==":
            value["op"] = "="
            changed = True
        for inner in value.values():
            changed = _fix_double_equals(inner) or changed
    elif isinstance(value, list):
        for inner in value:
            changed = _fix_double_equals(inner) or changed
    return changed


def _strip_fences(text: str) -> str:
    # Small local models wrap JSON in Markdown fences even in JSON mode.
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text.rsplit("```", 1)[0]
    return text.strip()


def _check_one_answer(answer: ModelAnswer) -> None:
    given = [f for f in ("spec", "sql", "clarification", "refusal") if getattr(answer, f)]
    if len(given) > 1:
        raise AnswerProblem(
            f"give exactly one of spec, sql, clarification, refusal (got {', '.join(given)})",
            "malformed",
        )
    if not given and not answer.reset:
        raise AnswerProblem(
            "the answer has none of spec, sql, clarification or refusal", "malformed"
        )


def _validation_summary(err: ValidationError, limit: int = 8) -> str:
    lines = []
    for item in err.errors()[:limit]:
        where = ".".join(str(p) for p in item["loc"])
        lines.append(f"{where}: {item['msg']}" if where else item["msg"])
    more = len(err.errors()) - limit
    return "; ".join(lines) + (f"; and {more} more" if more > 0 else "")


# --- the backend ---------------------------------------------------------------------------------


def cassette_key(
    prompt_id: str,
    request: str,
    current: SegmentSpec | None,
    attempt: int,
    *,
    dataset: str | None = None,
    draft: Draft | None = None,
) -> str:
    """Stable id of one model call: what a cassette is keyed on. `dataset` (the catalog's name)
    keeps one cassette's answers for different catalogs apart; a `draft` to correct is part of the
    question (keys without one are as before, so older cassettes still replay)."""
    current_json = current.model_dump_json() if current is not None else ""
    parts: list[Any] = [prompt_id, request, current_json, attempt]
    if dataset:
        parts.append(dataset)
    if draft is not None:
        parts.append(["draft", draft.model_dump_json()])
    payload = json.dumps(parts, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class _Prompts:
    system: Prompt
    user: Prompt
    repair: Prompt


class OpenAIBackend:
    """Request -> spec (or SQL / clarification / refusal) with an OpenAI-compatible model."""

    name = "openai"

    def __init__(
        self,
        settings: LLMSettings | None = None,
        *,
        catalog: Catalog | None = None,
        transport: Transport | None = None,
        record_to: Path | None = None,
    ) -> None:
        if catalog is None:
            from assistant.catalog import load_catalog

            catalog = load_catalog()
        self.settings = settings or LLMSettings.from_env()
        self.model = self.settings.model
        self.catalog = catalog
        self._prompts = _load_prompts(self.settings)
        if transport is None:
            enforced = None if self.settings.method == "json_mode" else answer_json_schema(catalog)
            transport = ChatOpenAITransport(self.settings, schema=enforced)
        if record_to is not None:
            from assistant.backends.replay import RecordingTransport

            transport = RecordingTransport(transport, record_to)
        self.transport = transport
        self._calls = threading.local()

    @property
    def prompt_id(self) -> str:
        return self._prompts.system.id

    @property
    def last_calls(self) -> list[CallRecord]:
        """The model calls of this thread's latest interpret() (for the eval report)."""
        return list(getattr(self._calls, "records", []))

    def interpret(self, turn: Turn, validate: Validator | None = None) -> Interpretation:
        messages, card_tokens = self.build_messages(turn)
        usage = TokenUsage(prompt_card_tokens=card_tokens)
        last_error, last_kind = "", "malformed"
        records: list[CallRecord] = []
        self._calls.records = records
        previous: str | None = None
        for attempt in range(1, MAX_ATTEMPTS + 1):
            key = cassette_key(
                self.prompt_id,
                turn.request,
                turn.current,
                attempt,
                dataset=self.catalog.dataset.name,
                draft=turn.draft,
            )
            raw = self.transport.complete(ChatRequest(messages=messages, key=key))
            usage = _add_usage(usage, raw.usage)
            fixes: list[str] = []
            problem, result = self._check(raw, validate, fixes)
            records.append(_record(attempt, messages, raw, fixes, problem))
            if result is not None:
                return result.model_copy(update={"tokens": usage, "attempts": attempt})
            last_error = problem.message
            last_kind = problem.kind
            if raw.text == previous and self.settings.temperature == 0:
                # The same answer to the repair: at temperature 0 the next prompt would be the
                # one just sent, and its answer this one again.
                break
            previous = raw.text
            echo = ("assistant", _clip(raw.text, ECHO_CHARS))
            messages = [*messages[:2], echo, self._repair(raw, problem)]
        raise BackendError(
            "The language model could not produce a valid query after "
            f"{len(records)} attempts: {last_error}",
            kind="repair_failed" if last_kind == "invalid" else last_kind,
        )

    def _check(
        self, raw: RawAnswer, validate: Validator | None, fixes: list[str] | None = None
    ) -> tuple[_Problem, None] | tuple[None, Interpretation]:
        try:
            candidate = parse_answer(raw, self.settings.max_answer_chars, self.catalog, fixes)
        except AnswerProblem as problem:
            return _Problem(str(problem), problem.kind), None
        if validate is not None and (candidate.spec is not None or candidate.sql):
            error = validate(candidate)
            if error:
                return _Problem(error, "invalid"), None
        return None, candidate

    def _repair(self, raw: RawAnswer, problem: _Problem) -> tuple[str, str]:
        # v3 and later leave the previous answer out: it is the assistant message just above.
        text = self._prompts.repair.render(
            previous_answer=_clip(raw.text, ECHO_CHARS), error=_clip(problem.message, ERROR_CHARS)
        )
        return ("user", text)

    def build_messages(self, turn: Turn) -> tuple[list[tuple[str, str]], int]:
        """The system and user messages for a turn, and the tokens of its card + few-shots."""
        if self.settings.prompt_version != "v2" and "$stable_card" in self._prompts.system.template:
            return self._build_split_messages(turn)
        from assistant.schema_card import render_schema_card

        catalog = self.catalog
        card = render_schema_card(catalog, turn.request, current=turn.current)
        examples = render_examples(select_examples(turn.request, examples=examples_for(catalog)))
        entity = catalog.entity
        system = self._prompts.system.render(
            as_of=turn.as_of.isoformat(),
            dataset=catalog.dataset.name,
            noun=entity.noun,
            plural=entity.plural,
            entity_key=f"{entity.table}.{entity.key}",
            schema_card=card.text,
            examples=examples,
            answer_format=self._answer_format(),
        )
        user = self._prompts.user.render(
            request=turn.request,
            current=turn.current.model_dump_json(exclude_none=True) if turn.current else "(none)",
            history="\n".join(f"- {h}" for h in turn.history) or "(none)",
        )
        user += self._draft_section(turn.draft)
        return [("system", system), ("user", user)], card.tokens + count_tokens(examples)

    def _build_split_messages(self, turn: Turn) -> tuple[list[tuple[str, str]], int]:
        """Prompt v3: the system message is the stable prefix (instructions and the catalog's
        names, byte-identical for every request on one catalog and data date, so a server's
        prefix cache keeps it); the user message carries what this request uses, its few most
        similar examples, the current segment and the request."""
        from assistant.schema_card import render_request_card, render_stable_card

        catalog = self.catalog
        entity = catalog.entity
        stable = render_stable_card(catalog)
        system = self._prompts.system.render(
            as_of=turn.as_of.isoformat(),
            dataset=catalog.dataset.name,
            plural=entity.plural,
            entity_key=f"{entity.table}.{entity.key}",
            answer_format=self._split_answer_format(),
            stable_card=stable,
        )
        card = render_request_card(catalog, turn.request, current=turn.current)
        chosen = select_examples(turn.request, k=SPLIT_EXAMPLES, examples=examples_for(catalog))
        examples = render_examples(chosen, terse=True)
        user = self._prompts.user.render(
            request_card=card.text,
            examples=examples,
            request=turn.request,
            current=turn.current.model_dump_json(exclude_none=True) if turn.current else "(none)",
            history="\n".join(f"- {h}" for h in turn.history) or "(none)",
        )
        user += self._draft_section(turn.draft)
        card_tokens = count_tokens(stable) + card.tokens + count_tokens(examples)
        return [("system", system), ("user", user)], card_tokens

    def _draft_section(self, draft: Draft | None) -> str:
        if draft is None:
            return ""
        settings = self.settings
        prompt = load_prompt("segment_draft", settings.prompt_version, settings.prompt_dir)
        spec = draft.spec.model_dump_json(exclude_none=True) if draft.spec else "(none)"
        asked = f"\nIt would have asked back: {draft.question}" if draft.question else ""
        unused = ", ".join(f"'{w}'" for w in draft.unused) or "(none)"
        return "\n\n" + prompt.render(draft=spec, unused=unused, question=asked)

    def _split_answer_format(self) -> str:
        # The whole schema would cost ~4,000 tokens; with json_schema/function_calling the
        # server enforces it, in json_mode the conditions below describe it and pydantic checks.
        if self.settings.method != "json_mode":
            return f"The API enforces the JSON schema {ANSWER_SCHEMA_NAME}."
        return "Write compact JSON without Markdown fences."

    def _answer_format(self) -> str:
        if self.settings.method != "json_mode":
            return f"The API enforces the JSON schema named {ANSWER_SCHEMA_NAME}."
        schema = _without_titles(answer_json_schema(self.catalog))
        return f"JSON schema of the answer:\n{json.dumps(schema, separators=(',', ':'))}"


def _without_titles(schema: Any) -> Any:
    """The schema without pydantic's generated "title" strings (~9% of its tokens in a prompt);
    a property named title (a dict, not a string) stays."""
    if isinstance(schema, dict):
        return {
            k: _without_titles(v)
            for k, v in schema.items()
            if not (k == "title" and isinstance(v, str))
        }
    if isinstance(schema, list):
        return [_without_titles(v) for v in schema]
    return schema


@dataclass(frozen=True)
class _Problem:
    message: str
    kind: str  # malformed / empty / too_long from parsing, "invalid" from the validator


def _load_prompts(settings: LLMSettings) -> _Prompts:
    version, folder = settings.prompt_version, settings.prompt_dir
    return _Prompts(
        system=load_prompt("segment_system", version, folder),
        user=load_prompt("segment_user", version, folder),
        repair=load_prompt("segment_repair", version, folder),
    )


def _record(
    attempt: int,
    messages: list[tuple[str, str]],
    raw: RawAnswer,
    fixes: list[str],
    problem: _Problem | None,
) -> CallRecord:
    clean = not fixes and _is_json_object(raw.text)
    return CallRecord(
        attempt=attempt,
        prompt_size=sum(count_tokens(content) for _, content in messages),
        prompt_tokens=raw.usage.prompt_tokens,
        completion_tokens=raw.usage.completion_tokens,
        finish_reason=raw.finish_reason,
        clean=clean,
        recovered=tuple(fixes),
        problem=problem.kind if problem is not None else None,
        elapsed_ms=raw.elapsed_ms,
    )


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except json.JSONDecodeError:
        return False


def _add_usage(total: TokenUsage, more: TokenUsage) -> TokenUsage:
    return total.model_copy(
        update={
            "prompt_tokens": total.prompt_tokens + more.prompt_tokens,
            "completion_tokens": total.completion_tokens + more.completion_tokens,
            "total_tokens": total.total_tokens + more.total_tokens,
        }
    )


def _clip(text: str, limit: int = 4000) -> str:
    # A runaway answer must not be echoed back in full: it would blow up the repair prompt.
    return text if len(text) <= limit else text[:limit] + "\n…(truncated)"
