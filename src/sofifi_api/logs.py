"""Logging with the request id on every line."""

import logging
import logging.config


class _RequestIdDefault(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = "-"
        return True


def configure_logging(level: str = "INFO") -> None:
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {"request_id": {"()": _RequestIdDefault}},
            "formatters": {
                "plain": {
                    "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
                }
            },
            "handlers": {
                "stderr": {
                    "class": "logging.StreamHandler",
                    "formatter": "plain",
                    "filters": ["request_id"],
                }
            },
            "loggers": {
                "sofifi_api": {"level": level.upper(), "handlers": ["stderr"], "propagate": False},
                # The SQLite driver logs statements with their bound values at DEBUG.
                "aiosqlite": {"level": "WARNING"},
                "uvicorn": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
                # Our middleware's access log replaces uvicorn's, which would log query strings.
                "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
            },
        }
    )
