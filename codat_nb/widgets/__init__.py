"""ipywidgets forms for Codat's Connect guide: add a company, link it, synchronise it, and more.

Every widget takes a client (a codat_nb Client or AsyncClient; by default one ``Client.from_env()``
shared by all widgets of the kernel), runs its requests as a task on the kernel's event loop so
the notebook never freezes, and shows errors inside itself.
"""

from __future__ import annotations

from ._backend import default_client
from .company_picker import CompanyPicker
from .create_company import CreateCompanyForm
from .data_explorer import DataExplorer
from .link_panel import LinkPanel
from .portal import PortalApp
from .sync_panel import SyncPanel
from .sync_settings import SyncSettingsEditor
from .wizard import ConnectWizard

__all__ = [
    "CompanyPicker",
    "ConnectWizard",
    "CreateCompanyForm",
    "DataExplorer",
    "LinkPanel",
    "PortalApp",
    "SyncPanel",
    "SyncSettingsEditor",
    "default_client",
]
