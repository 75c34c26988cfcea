"""Everything built once from the settings: config, directory, store and the use cases."""

from __future__ import annotations

from dataclasses import dataclass

from casestore.casework import Casework
from casestore.config import CouncilConfig, load_council_config
from casestore.db.store import Store
from casestore.directory import Directory
from memberportal.settings import Settings


@dataclass
class Context:
    settings: Settings
    config: CouncilConfig
    directory: Directory
    store: Store
    casework: Casework

    @classmethod
    def build(cls, settings: Settings) -> Context:
        config = load_council_config(settings.council_config)
        directory = Directory.from_config(config)
        store = Store.from_url(settings.database_url)
        return cls(settings, config, directory, store, Casework(store, config, directory))

    async def close(self) -> None:
        await self.store.dispose()
