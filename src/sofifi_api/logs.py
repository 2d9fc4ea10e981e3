"""Logging: the standard library's loggers, written by structlog as JSON lines (or console text),
each carrying the id of the request it was written for."""

import logging
import logging.config
from typing import Any

import structlog

# Rendered from every record, whoever logged it; `extra={...}` fields become keys of the line.
_PRE_CHAIN: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.ExtraAdder(),
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def _without_colour_codes(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    # Uvicorn adds its message again with terminal colour codes.
    event.pop("color_message", None)
    return event


def _renderer(log_format: str) -> Any:
    if log_format == "console":
        return structlog.dev.ConsoleRenderer(colors=False)
    return structlog.processors.JSONRenderer()


def configure_logging(level: str = "INFO", log_format: str = "json") -> None:
    """The service's loggers and Uvicorn's at `level`; everything else at WARNING.

    Database drivers stay at WARNING whatever the level: their DEBUG lines quote statements'
    rows. Uvicorn's own access log stays off: `sofifi_api.access` replaces it without the
    query string.
    """
    level = level.upper()
    formatter = {
        "()": structlog.stdlib.ProcessorFormatter,
        "foreign_pre_chain": _PRE_CHAIN,
        "processors": [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _without_colour_codes,
            structlog.processors.format_exc_info,
            _renderer(log_format),
        ],
    }
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"structured": formatter},
            "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "structured"}},
            "root": {"level": "WARNING", "handlers": ["stderr"]},
            "loggers": {
                "sofifi_api": {"level": level, "handlers": ["stderr"], "propagate": False},
                "uvicorn": {"level": level, "handlers": ["stderr"], "propagate": False},
                "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
                # The SQLite driver logs statements with their bound values at DEBUG.
                "aiosqlite": {"level": "WARNING"},
            },
        }
    )
