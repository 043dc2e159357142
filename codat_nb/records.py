"""Immutable, typed records for Codat's platform objects, converted from camelCase JSON once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from ._record_base import BOOL, DATETIME, INT, OBJECT, OBJECTS, STR, STRS, TAGS, Record, freeze, json_field, read_field, record, records_of

__all__ = [
    "Company",
    "Connection",
    "DataConnectionError",
    "DataStatus",
    "ERROR_STATUSES",
    "Integration",
    "PULL_STATUSES",
    "PullOperation",
    "SyncSetting",
    "SyncSettings",
    "TERMINAL_STATUSES",
]

#: Every pull status Codat documents: the normal path first, then the ways a pull can end otherwise.
PULL_STATUSES: tuple[str, ...] = (
    "Initial", "Queued", "Fetching", "MapQueued", "Mapping", "ValidationQueued", "Validating",
    "ProcessingQueued", "Processing", "Complete",
    "FetchError", "MapError", "ValidationError", "ProcessingError", "InternalError", "PermissionsError",
    "RateLimitError", "PrerequisiteNotMet", "AuthError",
    "Cancelled", "NotSupported",
)  # fmt: skip
#: Statuses in which a pull failed (Codat sets ``isErrored``); queue the data type again to retry.
ERROR_STATUSES: tuple[str, ...] = PULL_STATUSES[10:19]
#: Statuses after which a pull changes no more. NotSupported is not a failure: the platform lacks the type.
TERMINAL_STATUSES: tuple[str, ...] = ("Complete", *ERROR_STATUSES, "Cancelled", "NotSupported")

_AVAILABLE_STATES = frozenset({"release", "beta", "alpha"})  # compared lower-case: the spec's example says "release"


@record
class DataConnectionError(Record):
    """An error the source platform gave a connection (``status`` Active or Resolved; null if not transient)."""

    status_code: str | None = json_field("statusCode", STR)
    status_text: str | None = json_field("statusText", STR)
    error_message: str | None = json_field("errorMessage", STR)
    errored_on_utc: datetime | None = json_field("erroredOnUtc", DATETIME)
    status: str | None = json_field("status", STR)
    resolved_on_utc: datetime | None = json_field("resolvedOnUtc", DATETIME)

    _ID_KEYS = ()
    _ID_ATTR = "errored_on_utc"
    _SHOWN = ("status_code", "status", "error_message")


@record
class Connection(Record):
    """A company's link to one platform; ``status`` is PendingAuth, Linked, Unlinked or Deauthorized."""

    id: str = json_field("id", STR, required=True)
    integration_id: str = json_field("integrationId", STR, required=True)
    integration_key: str | None = json_field("integrationKey", STR)
    source_id: str = json_field("sourceId", STR, required=True)
    source_type: str = json_field("sourceType", STR, required=True)
    platform_name: str = json_field("platformName", STR, required=True)
    link_url: str = json_field("linkUrl", STR, required=True)
    status: str = json_field("status", STR, required=True)
    last_sync: datetime | None = json_field("lastSync", DATETIME)
    created: datetime = json_field("created", DATETIME, required=True)
    data_connection_errors: tuple[DataConnectionError, ...] = json_field("dataConnectionErrors", records_of(DataConnectionError))
    connection_info: Mapping[str, Any] | None = json_field("connectionInfo", OBJECT)

    _SHOWN = ("platform_name", "status", "id")


@record
class Company(Record):
    """A business sharing its data; ``redirect`` is the Hosted Link URL to send its user to."""

    id: str = json_field("id", STR, required=True)
    name: str = json_field("name", STR, required=True)
    redirect: str = json_field("redirect", STR, required=True)
    description: str | None = json_field("description", STR)
    last_sync: datetime | None = json_field("lastSync", DATETIME)
    created: datetime | None = json_field("created", DATETIME)
    created_by_user_name: str | None = json_field("createdByUserName", STR)
    products: tuple[str, ...] = json_field("products", STRS)
    tags: Mapping[str, str] = json_field("tags", TAGS)
    reference_parent_company: Mapping[str, Any] | None = json_field("referenceParentCompany", OBJECT)
    reference_subsidiary_companies: tuple[Mapping[str, Any], ...] = json_field("referenceSubsidiaryCompanies", OBJECTS)
    data_connections: tuple[Connection, ...] = json_field("dataConnections", records_of(Connection))

    _SHOWN = ("id", "name")

    def _summary(self) -> list[str]:
        shown = [f"{c.platform_name}: {c.status}" for c in self.data_connections]
        return [*Record._summary(self), f"connections={shown!r}"]


@record
class Integration(Record):
    """A platform Codat can connect to (``key`` such as ``mqjo`` for the Sandbox) and what it can read."""

    key: str = json_field("key", STR, required=True)
    name: str = json_field("name", STR, required=True)
    logo_url: str = json_field("logoUrl", STR, required=True)
    enabled: bool = json_field("enabled", BOOL, required=True)
    source_id: str | None = json_field("sourceId", STR)
    source_type: str | None = json_field("sourceType", STR)
    integration_id: str | None = json_field("integrationId", STR)
    is_offline_connector: bool | None = json_field("isOfflineConnector", BOOL)
    is_beta: bool | None = json_field("isBeta", BOOL)
    data_provided_by: str | None = json_field("dataProvidedBy", STR)
    datatype_features: tuple[Mapping[str, Any], ...] = json_field("datatypeFeatures", OBJECTS)

    _ID_KEYS = ("key",)
    _ID_ATTR = "key"
    _SHOWN = ("key", "name", "source_type", "enabled")

    @property
    def supported_data_types(self) -> tuple[str, ...]:
        """Data types this platform can read (Get in Release, Beta or Alpha), to know what to queue.

        The spec names the key both ``dataType`` and ``datatype``, and its example writes the
        states in lower case, so both spellings and any case are accepted."""
        found = []
        for feature in self.datatype_features:
            data_type = feature.get("dataType") or feature.get("datatype")
            supported = feature.get("supportedFeatures") or ()
            if isinstance(data_type, str) and any(
                isinstance(item, Mapping)
                and str(item.get("featureType", "")).lower() == "get"
                and str(item.get("featureState", "")).lower() in _AVAILABLE_STATES
                for item in supported
            ):
                found.append(data_type)
        return tuple(found)


@record
class PullOperation(Record):
    """One queued fetch of one data type (a "dataset"): watch ``status`` until ``is_terminal``."""

    id: str = json_field("id", STR, required=True)
    company_id: str = json_field("companyId", STR, required=True)
    connection_id: str = json_field("connectionId", STR, required=True)
    data_type: str = json_field("dataType", STR, required=True)
    status: str = json_field("status", STR, required=True)
    status_description: str | None = json_field("statusDescription", STR)
    error_message: str | None = json_field("errorMessage", STR)
    requested: datetime = json_field("requested", DATETIME, required=True)
    completed: datetime | None = json_field("completed", DATETIME)
    progress: int = json_field("progress", INT, required=True)
    is_completed: bool = json_field("isCompleted", BOOL, required=True)
    is_errored: bool = json_field("isErrored", BOOL, required=True)

    _SHOWN = ("data_type", "status", "progress", "id")

    @property
    def is_terminal(self) -> bool:
        """True once the pull has ended (Complete, NotSupported, Cancelled or an error): stop polling."""
        return self.is_errored or self.status in TERMINAL_STATUSES

    @property
    def duration(self) -> timedelta | None:
        """From queued to ended; None while running or when the two times cannot be compared."""
        if self.completed is None or (self.completed.tzinfo is None) != (self.requested.tzinfo is None):
            return None
        return self.completed - self.requested


@record
class DataStatus(Record):
    """The cache's state for one data type; ``current_status`` is None when it was never synced."""

    data_type: str = json_field("dataType", STR, required=True)
    # The spec requires currentStatus, but Codat's docs show never-synced types without it.
    current_status: str | None = json_field("currentStatus", STR)
    last_successful_sync: datetime | None = json_field("lastSuccessfulSync", DATETIME)
    latest_sync_id: str | None = json_field("latestSyncId", STR)
    latest_successful_sync_id: str | None = json_field("latestSuccessfulSyncId", STR)

    _ID_KEYS = ("dataType",)
    _ID_ATTR = "data_type"
    _SHOWN = ("data_type", "current_status", "last_successful_sync")

    @property
    def is_terminal(self) -> bool:
        """True when the latest sync has ended; False while one runs, and when there never was one."""
        return self.current_status in TERMINAL_STATUSES

    @property
    def is_errored(self) -> bool:
        """True when the latest sync failed; older data, if any, is still readable."""
        return self.current_status in ERROR_STATUSES


@record
class SyncSetting(Record):
    """How often and how far back one data type is fetched; ``sync_schedule`` is in hours."""

    data_type: str = json_field("dataType", STR, required=True)
    fetch_on_first_link: bool = json_field("fetchOnFirstLink", BOOL, required=True)
    sync_schedule: int = json_field("syncSchedule", INT, required=True)
    sync_order: int = json_field("syncOrder", INT, required=True)
    sync_from_utc: datetime | None = json_field("syncFromUtc", DATETIME)
    sync_from_window: int | None = json_field("syncFromWindow", INT)
    months_to_sync: int | None = json_field("monthsToSync", INT)
    is_locked: bool | None = json_field("isLocked", BOOL)

    _ID_KEYS = ("dataType",)
    _ID_ATTR = "data_type"
    _SHOWN = ("data_type", "fetch_on_first_link", "sync_schedule")


@record
class SyncSettings(Record):
    """The sync settings of the client profile (``owner_key`` clientId) or of one company (companyId)."""

    owner_id: str | None = None
    owner_key: str | None = None  # which JSON key held owner_id, so to_json writes it back the same way
    settings: tuple[SyncSetting, ...] = json_field("settings", records_of(SyncSetting))
    overrides_defaults: bool | None = json_field("overridesDefaults", BOOL)

    _ID_KEYS = ("companyId", "clientId")
    _ID_ATTR = "owner_id"

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SyncSettings:
        """As for every record, and also remembers whether the owner came as clientId or companyId."""
        where = cls._where(data)
        key = next((key for key in cls._ID_KEYS if key in data), None)
        owner = None if key is None else read_field(data, key, STR, False, where)
        return cls(owner_id=owner, owner_key=key, **cls._values(data, where), raw=freeze(data))

    def to_json(self) -> dict[str, Any]:
        """The body to POST back to the same endpoint, under the owner key it came with."""
        out = Record.to_json(self)  # not super(): slots=True makes a new class, which breaks it
        if self.owner_key is not None and out.get(self.owner_key) != self.owner_id:
            out[self.owner_key] = self.owner_id
        return out

    def _summary(self) -> list[str]:
        owner = "company_id" if self.owner_key == "companyId" else "client_id"
        return [f"{owner}={self.owner_id!r}", f"overrides_defaults={self.overrides_defaults!r}", f"settings=<{len(self.settings)} data types>"]
