"""The declared tables of Codat's platform results: companies, connections, integrations, pull
operations, data status and sync settings (fields as Codat-Platform documents them)."""

from __future__ import annotations

from ..records import PULL_STATUSES
from ._engine import child, table

STATUSES = {
    "PULL": PULL_STATUSES,
    "CONNECTION": ("PendingAuth", "Linked", "Unlinked", "Deauthorized"),
}

_CONNECTION = """
id str
integrationId str
integrationKey str
sourceId str
sourceType str
platformName str
linkUrl str
status cat CONNECTION
created utc
lastSync utc
connectionInfo json
"""
_CONNECTION_ERRORS = table("data_connection_errors", """
statusCode str
statusText str
errorMessage str
erroredOnUtc utc
status str
resolvedOnUtc utc
""")  # fmt: skip

CONNECTIONS = table("connections", _CONNECTION, categories=STATUSES, key="connection_id", children=[
    child("dataConnectionErrors", "error_index", _CONNECTION_ERRORS),
])  # fmt: skip

COMPANIES = table("companies", """
id str
name str
description str
redirect str
created utc
createdByUserName str
lastSync utc
products json
tags json
referenceParentCompany json
referenceSubsidiaryCompanies json
""", key="company_id", children=[
    child("dataConnections", "connection_index", table("data_connections", _CONNECTION, categories=STATUSES)),
])  # fmt: skip

INTEGRATIONS = table("integrations", """
key str
name str
logoUrl str
enabled bool
sourceId str
sourceType str
integrationId str
isOfflineConnector bool
isBeta bool
dataProvidedBy str
""", key="integration_key", key_path="key", children=[child("datatypeFeatures", "feature_index", table("datatype_features", """
    datatype as data_type str
    supportedFeatures json
""", ignored=["dataType"]))])  # fmt: skip

PULL_OPERATIONS = table("pull_operations", """
id str
companyId str
connectionId str
dataType str
status cat PULL
statusDescription str
errorMessage str
requested utc
completed utc
progress int
isCompleted bool
isErrored bool
""", categories=STATUSES)  # fmt: skip

DATA_STATUS = table("data_status", """
dataType str
currentStatus cat PULL
lastSuccessfulSync utc
latestSyncId str
latestSuccessfulSyncId str
""", categories=STATUSES)  # fmt: skip

SYNC_SETTINGS = table("sync_settings", """
dataType str
fetchOnFirstLink bool
syncSchedule int
syncOrder int
syncFromUtc utc
syncFromWindow int
monthsToSync int
isLocked bool
""")  # fmt: skip

TABLES = {
    "companies": COMPANIES, "connections": CONNECTIONS, "integrations": INTEGRATIONS,
    "pullOperations": PULL_OPERATIONS, "dataStatus": DATA_STATUS, "syncSettings": SYNC_SETTINGS,
}  # fmt: skip
