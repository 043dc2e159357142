"""The queryable properties of each platform resource (what ``query`` and ``orderBy`` may name)."""

from __future__ import annotations

from .query import Schema

_CONNECTION_FIELDS = {
    "id": "string", "integrationId": "string", "integrationKey": "string", "sourceId": "string",
    "platformName": "string", "linkUrl": "string", "status": "string", "lastSync": "datetime",
    "created": "datetime", "sourceType": "string",
}  # fmt: skip

COMPANY = Schema(
    "Company",
    {
        "id": "string", "name": "string", "description": "string", "platform": "string",
        "redirect": "string", "lastSync": "datetime", "created": "datetime",
        "createdByUserName": "string", "tags.*": "string",
        **{f"dataConnections[].{name}": kind for name, kind in _CONNECTION_FIELDS.items()},
    },
)  # fmt: skip

CONNECTION = Schema("Connection", _CONNECTION_FIELDS)

INTEGRATION = Schema(
    "Integration",
    {
        "key": "string", "logoUrl": "string", "name": "string", "enabled": "boolean",
        "sourceId": "string", "sourceType": "string", "integrationId": "string",
        "isOfflineConnector": "boolean", "isBeta": "boolean", "dataProvidedBy": "string",
    },
)  # fmt: skip

#: Codat calls pull operations "datasets" in its errors; ``isCompleted`` is not queryable.
DATASET = Schema(
    "Dataset",
    {
        "id": "string", "companyId": "string", "connectionId": "string", "dataType": "string",
        "status": "string", "statusDescription": "string", "errorMessage": "string",
        "requested": "datetime", "completed": "datetime", "progress": "number", "isErrored": "boolean",
    },
)  # fmt: skip
